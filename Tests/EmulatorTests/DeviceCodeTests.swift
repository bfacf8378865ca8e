import EmulatorKit
import XCTest

final class DeviceCodeTests: EmulatorTestCase {
    override func configure(_ config: inout EmulatorConfiguration) { config.deviceCodeInterval = 2 }

    func start(version: Int = 2, client: String = Fixtures.publicApp) throws -> HTTPResult {
        if version == 1 {
            return try curl("\(login)/contoso.onmicrosoft.com/oauth2/devicecode",
                            form: [("client_id", client), ("resource", "https://graph.microsoft.com")])
        }
        return try curl("\(login)/organizations/oauth2/v2.0/devicecode",
                        form: [("client_id", client), ("scope", "https://graph.microsoft.com/.default offline_access openid profile")])
    }

    func poll(_ deviceCode: String, client: String = Fixtures.publicApp) throws -> HTTPResult {
        try token([("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("client_id", client), ("device_code", deviceCode)],
                  url: "\(login)/organizations/oauth2/v2.0/token")
    }

    func testPendingSlowDownThenApprovedThroughTheHTMLPage() throws {
        let s = try start()
        XCTAssertEqual(s.status, 200, s.text)
        let userCode = s.json["user_code"] as! String
        let deviceCode = s.json["device_code"] as! String
        XCTAssertEqual(s.json["verification_uri"] as? String, "https://microsoft.com/devicelogin")
        XCTAssertEqual(s.json["expires_in"] as? Int, 900)
        XCTAssertEqual(s.json["interval"] as? Int, 2)
        XCTAssertTrue((s.json["message"] as? String ?? "").contains(userCode))
        XCTAssertNil(s.json["verification_uri_complete"])

        assertAADError(try poll(deviceCode), error: "authorization_pending", code: 70016)
        assertAADError(try poll(deviceCode), error: "slow_down", code: 70016)

        // The verification page is a real form on the verification host.
        let page = try curl("https://microsoft.com/devicelogin")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("name=\"otc\""))
        XCTAssertTrue(page.text.contains("name=\"passwd\""))
        let wrong = try curl("https://microsoft.com/devicelogin",
                             form: [("otc", userCode), ("login", Fixtures.adele.upn), ("passwd", "nope"), ("action", "approve")])
        XCTAssertTrue(wrong.text.contains("Your account or password is incorrect"), wrong.text)
        Thread.sleep(forTimeInterval: 2.1)
        assertAADError(try poll(deviceCode), error: "authorization_pending", code: 70016)
        let ok = try curl("https://microsoft.com/devicelogin",
                          form: [("otc", userCode.lowercased()), ("login", Fixtures.adele.upn), ("passwd", Fixtures.adele.password), ("action", "approve")])
        XCTAssertTrue(ok.text.contains("You have signed in to the m365 CLI application"), ok.text)

        let t = try poll(deviceCode)
        XCTAssertEqual(t.status, 200, t.text)
        XCTAssertEqual(TestJWT.claims(t.json["access_token"] as! String)["upn"] as? String, Fixtures.adele.upn)
        XCTAssertEqual(TestJWT.claims(t.json["access_token"] as! String)["tid"] as? String, Fixtures.tenantId)
        XCTAssertNotNil(t.json["refresh_token"])
        // A device code is redeemed once.
        assertAADError(try poll(deviceCode), error: "invalid_grant", code: 70000)
    }

    func testDeclineThroughAdminAPI() throws {
        let s = try start()
        let r = try admin("devicecode/decline", method: "POST", json: "{\"user_code\":\"\(s.json["user_code"] as! String)\"}")
        XCTAssertEqual(r.status, 200, r.text)
        assertAADError(try poll(s.json["device_code"] as! String), error: "authorization_declined", code: 70017)
    }

    func testDeclineThroughTheHTMLPage() throws {
        let s = try start()
        XCTAssertEqual(try curl("https://microsoft.com/deviceloginus").status, 200)
        let page = try curl("https://www.microsoft.com/devicelogin", form: [("otc", s.json["user_code"] as! String), ("action", "decline")])
        XCTAssertTrue(page.text.contains("You declined to sign in"), page.text)
        assertAADError(try poll(s.json["device_code"] as! String), error: "authorization_declined", code: 70017)
        // A decided flow can't be approved afterwards.
        let late = try admin("devicecode/approve", method: "POST",
                             json: "{\"user_code\":\"\(s.json["user_code"] as! String)\",\"username\":\"\(Fixtures.adele.upn)\"}")
        XCTAssertEqual(late.status, 409)
    }

    func testApproveThroughAdminAPI() throws {
        let s = try start()
        let code = s.json["user_code"] as! String
        let listed = try admin("devicecodes")
        XCTAssertTrue(listed.text.contains(code))
        let bad = try admin("devicecode/approve", method: "POST",
                            json: "{\"user_code\":\"\(code)\",\"username\":\"\(Fixtures.admin.upn)\",\"password\":\"wrong\"}")
        XCTAssertEqual(bad.status, 401)
        let unknown = try admin("devicecode/approve", method: "POST", json: "{\"user_code\":\"NOPE\",\"username\":\"\(Fixtures.admin.upn)\"}")
        XCTAssertEqual(unknown.status, 404)
        let r = try admin("devicecode/approve", method: "POST", json: "{\"user_code\":\"\(code)\",\"username\":\"\(Fixtures.admin.upn)\"}")
        XCTAssertEqual(r.status, 200, r.text)
        let t = try poll(s.json["device_code"] as! String)
        XCTAssertEqual(t.status, 200, t.text)
        XCTAssertEqual(TestJWT.claims(t.json["access_token"] as! String)["oid"] as? String, Fixtures.admin.id)
    }

    func testV1DeviceCodeShapeAndCodeParameter() throws {
        let s = try start(version: 1)
        XCTAssertEqual(s.status, 200, s.text)
        XCTAssertEqual(s.json["verification_url"] as? String, "https://microsoft.com/devicelogin")
        XCTAssertNil(s.json["verification_uri"])
        XCTAssertEqual(s.json["expires_in"] as? String, "900")
        XCTAssertEqual(s.json["interval"] as? String, "2")
        _ = try admin("devicecode/approve", method: "POST", json: "{\"user_code\":\"\(s.json["user_code"] as! String)\",\"username\":\"\(Fixtures.adele.upn)\"}")
        let t = try token([("grant_type", "device_code"), ("client_id", Fixtures.publicApp), ("resource", "https://graph.microsoft.com"),
                           ("code", s.json["device_code"] as! String)], url: "\(login)/contoso.onmicrosoft.com/oauth2/token")
        XCTAssertEqual(t.status, 200, t.text)
        XCTAssertEqual(t.json["resource"] as? String, "https://graph.microsoft.com")
        XCTAssertEqual(t.json["expires_in"] as? String, "3599")
    }

    func testConfidentialAppCannotUseDeviceCodeWithoutCredential() throws {
        let s = try start(client: Fixtures.secretApp)
        XCTAssertEqual(s.status, 200, s.text)
        assertAADError(try poll(s.json["device_code"] as! String, client: Fixtures.secretApp), status: 401, error: "invalid_client", code: 7000218)
    }

    func testDeviceCodeRequestErrors() throws {
        let noScope = try curl("\(login)/common/oauth2/v2.0/devicecode", form: [("client_id", Fixtures.publicApp)])
        assertAADError(noScope, error: "invalid_request", code: 900144)
        let unknownApp = try curl("\(login)/common/oauth2/v2.0/devicecode", form: [("client_id", "00000000-0000-0000-0000-000000000001"), ("scope", "User.Read")])
        assertAADError(unknownApp, error: "unauthorized_client", code: 700016)
        let badTenant = try curl("\(login)/nowhere.example/oauth2/v2.0/devicecode", form: [("client_id", Fixtures.publicApp), ("scope", "User.Read")])
        assertAADError(badTenant, error: "invalid_request", code: 90002)
    }
}

final class DeviceCodeExpiryTests: EmulatorTestCase {
    override func configure(_ config: inout EmulatorConfiguration) {
        config.deviceCodeLifetime = 1
        config.deviceCodeInterval = 1
    }

    func testExpiredDeviceCode() throws {
        let s = try curl("\(login)/common/oauth2/v2.0/devicecode", form: [("client_id", Fixtures.publicApp), ("scope", "User.Read")])
        XCTAssertEqual(s.json["expires_in"] as? Int, 1)
        Thread.sleep(forTimeInterval: 1.5)
        let r = try token([("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("client_id", Fixtures.publicApp),
                           ("device_code", s.json["device_code"] as! String)], url: "\(login)/common/oauth2/v2.0/token")
        assertAADError(r, error: "expired_token", code: 70019)
        let page = try curl("https://microsoft.com/devicelogin", form: [("otc", s.json["user_code"] as! String), ("login", Fixtures.adele.upn),
                                                                        ("passwd", Fixtures.adele.password)])
        XCTAssertTrue(page.text.contains("has expired"), page.text)
    }
}
