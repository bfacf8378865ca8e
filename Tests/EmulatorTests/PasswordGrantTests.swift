import EmulatorKit
import XCTest

final class PasswordGrantTests: EmulatorTestCase {
    func testPasswordGrantIssuesUserTokens() throws {
        let r = try token([("grant_type", "password"), ("client_id", Fixtures.publicApp), ("username", Fixtures.adele.upn),
                           ("password", Fixtures.adele.password), ("scope", "User.Read offline_access openid profile"), ("client_info", "1")])
        XCTAssertEqual(r.status, 200, r.text)
        let j = r.json
        XCTAssertEqual(j["token_type"] as? String, "Bearer")
        XCTAssertEqual(j["expires_in"] as? Int, 3599)
        XCTAssertEqual(j["ext_expires_in"] as? Int, 3599)
        XCTAssertEqual(j["scope"] as? String, "https://graph.microsoft.com/User.Read")
        XCTAssertNotNil(j["refresh_token"] as? String)
        let c = TestJWT.claims(j["access_token"] as! String)
        XCTAssertEqual(c["aud"] as? String, "https://graph.microsoft.com")
        XCTAssertEqual(c["iss"] as? String, "https://sts.windows.net/\(Fixtures.tenantId)/")
        XCTAssertEqual(c["tid"] as? String, Fixtures.tenantId)
        XCTAssertEqual(c["oid"] as? String, Fixtures.adele.id)
        XCTAssertEqual(c["upn"] as? String, Fixtures.adele.upn)
        XCTAssertEqual(c["unique_name"] as? String, Fixtures.adele.upn)
        XCTAssertEqual(c["name"] as? String, "Adele Vance")
        XCTAssertEqual(c["appid"] as? String, Fixtures.publicApp)
        XCTAssertEqual(c["appidacr"] as? String, "0")
        XCTAssertEqual(c["scp"] as? String, "User.Read")
        XCTAssertEqual(c["ver"] as? String, "1.0")
        let now = Int(Date().timeIntervalSince1970)
        let exp = c["exp"] as? Int ?? 0, nbf = c["nbf"] as? Int ?? 0, iat = c["iat"] as? Int ?? 0
        XCTAssertEqual(exp - iat, 3599)
        XCTAssertLessThanOrEqual(nbf, now)
        XCTAssertLessThanOrEqual(abs(iat - now), 5)
        let header = TestJWT.parts(j["access_token"] as! String).header
        XCTAssertEqual(header["alg"] as? String, "RS256")
        XCTAssertNotNil(header["kid"] as? String)

        let id = TestJWT.claims(j["id_token"] as! String)
        XCTAssertEqual(id["aud"] as? String, Fixtures.publicApp)
        XCTAssertEqual(id["preferred_username"] as? String, Fixtures.adele.upn)
        XCTAssertEqual(id["iss"] as? String, "https://login.microsoftonline.com/\(Fixtures.tenantId)/v2.0")
        let info = try JSONSerialization.jsonObject(with: TestJWT.unb64url(j["client_info"] as! String)!) as? [String: String]
        XCTAssertEqual(info?["uid"], Fixtures.adele.id)
        XCTAssertEqual(info?["utid"], Fixtures.tenantId)
    }

    func testDefaultScopeUsesConsentedPermissionsAndAdminRoles() throws {
        let j = try passwordToken(user: Fixtures.admin)
        let c = TestJWT.claims(j["access_token"] as! String)
        let scp = (c["scp"] as? String ?? "").split(separator: " ").map(String.init)
        XCTAssertTrue(scp.contains("Sites.FullControl.All"))
        XCTAssertTrue(scp.contains("Group.ReadWrite.All"))
        XCTAssertEqual(c["wids"] as? [String], ["62e90394-69f5-4237-9190-012177145e10"])
    }

    func testWithoutOfflineAccessThereIsNoRefreshToken() throws {
        let j = try passwordToken(scope: "https://graph.microsoft.com/User.Read")
        XCTAssertNil(j["refresh_token"])
        XCTAssertNil(j["id_token"])
    }

    func testCredentialErrors() throws {
        func attempt(_ user: String, _ password: String, tenant: String = "contoso.onmicrosoft.com", app: String = Fixtures.publicApp) throws -> HTTPResult {
            try token([("grant_type", "password"), ("client_id", app), ("username", user), ("password", password),
                       ("scope", "https://graph.microsoft.com/.default")], url: "\(login)/\(tenant)/oauth2/v2.0/token")
        }
        assertAADError(try attempt(Fixtures.adele.upn, "wrong"), error: "invalid_grant", code: 50126)
        assertAADError(try attempt("nobody@contoso.com", "x"), error: "invalid_grant", code: 50034)
        assertAADError(try attempt("former.employee@contoso.com", "Former!Passw0rd"), error: "invalid_grant", code: 50057)
        assertAADError(try attempt("lidia.holloway@contoso.com", "Lidia!Passw0rd"), error: "interaction_required", code: 50076)
        assertAADError(try attempt(Fixtures.adele.upn, Fixtures.adele.password, tenant: "common"), error: "invalid_request", code: 9001023)
        // organizations resolves the tenant from the user name.
        XCTAssertEqual(try attempt(Fixtures.adele.upn, Fixtures.adele.password, tenant: "organizations").status, 200)
        // Public-client flow on a confidential app without its credential.
        assertAADError(try attempt(Fixtures.adele.upn, Fixtures.adele.password, app: Fixtures.secretApp),
                       status: 401, error: "invalid_client", code: 7000218)
        let unknown = assertAADError(try attempt(Fixtures.adele.upn, Fixtures.adele.password, app: "31359c7f-bd7e-475c-86db-fdb8c937548e"),
                                     error: "unauthorized_client", code: 700016)
        XCTAssertTrue((unknown["error_description"] as? String ?? "").contains("Application with identifier '31359c7f-bd7e-475c-86db-fdb8c937548e' was not found"))
    }

    func testPublicClientMustNotSendASecret() throws {
        let r = try token([("grant_type", "password"), ("client_id", Fixtures.publicApp), ("client_secret", "x"),
                           ("username", Fixtures.adele.upn), ("password", Fixtures.adele.password), ("scope", "User.Read")])
        assertAADError(r, status: 401, error: "invalid_client", code: 700025)
    }

    func testRequestErrors() throws {
        let base: [(String, String)] = [("grant_type", "password"), ("client_id", Fixtures.publicApp), ("username", Fixtures.adele.upn),
                                        ("password", Fixtures.adele.password)]
        assertAADError(try token(base + [("scope", "https://graph.microsoft.com/Not.AScope")]), error: "invalid_scope", code: 70011)
        assertAADError(try token(base + [("scope", "https://graph.microsoft.com/User.Read https://contoso.sharepoint.com/AllSites.Read")]),
                       error: "invalid_scope", code: 28000)
        assertAADError(try token(base + [("scope", "https://nothing.example.com/.default")]), error: "invalid_resource", code: 500011)
        assertAADError(try token(base), error: "invalid_request", code: 900144)
        assertAADError(try token([("grant_type", "magic"), ("client_id", Fixtures.publicApp)]), error: "unsupported_grant_type", code: 70003)
        assertAADError(try token([("grant_type", "password")]), error: "invalid_request", code: 900144)
    }

    func testV1PasswordGrantUsesResourceAndStringNumbers() throws {
        let r = try token([("grant_type", "password"), ("client_id", Fixtures.publicApp), ("username", Fixtures.adele.upn),
                           ("password", Fixtures.adele.password), ("resource", "https://contoso.sharepoint.com")],
                          url: "\(login)/contoso.onmicrosoft.com/oauth2/token")
        XCTAssertEqual(r.status, 200, r.text)
        let j = r.json
        XCTAssertEqual(j["expires_in"] as? String, "3599")
        XCTAssertEqual(j["ext_expires_in"] as? String, "3599")
        XCTAssertNotNil(Int(j["expires_on"] as? String ?? ""))
        XCTAssertNotNil(Int(j["not_before"] as? String ?? ""))
        XCTAssertEqual(j["resource"] as? String, "https://contoso.sharepoint.com")
        XCTAssertNotNil(j["refresh_token"] as? String)
        XCTAssertEqual(TestJWT.claims(j["access_token"] as! String)["aud"] as? String, "https://contoso.sharepoint.com")
        let missing = try token([("grant_type", "password"), ("client_id", Fixtures.publicApp), ("username", Fixtures.adele.upn),
                                 ("password", Fixtures.adele.password)], url: "\(login)/contoso.onmicrosoft.com/oauth2/token")
        assertAADError(missing, error: "invalid_request", code: 900144)
    }
}
