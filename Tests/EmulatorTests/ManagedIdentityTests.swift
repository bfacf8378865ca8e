import EmulatorKit
import XCTest

final class ManagedIdentityTests: EmulatorTestCase {
    var mi: String { "http://127.0.0.1:\(server.managedIdentityPort)" }

    func appService(_ query: String, header: String? = nil) throws -> HTTPResult {
        try curl("\(mi)/msi/token?api-version=2019-08-01&\(query)", headers: ["X-IDENTITY-HEADER": header ?? server.state.identityHeader],
                 viaEmulator: false)
    }

    func imds(_ query: String, metadata: Bool = true) throws -> HTTPResult {
        try curl("\(mi)/metadata/identity/oauth2/token?api-version=2018-02-01&\(query)", headers: metadata ? ["Metadata": "true"] : [:],
                 viaEmulator: false)
    }

    func testAppServiceSystemAndUserAssigned() throws {
        let sys = try appService("resource=https://graph.microsoft.com")
        XCTAssertEqual(sys.status, 200, sys.text)
        XCTAssertEqual(sys.json["client_id"] as? String, Fixtures.systemMI.clientId)
        XCTAssertEqual(sys.json["resource"] as? String, "https://graph.microsoft.com")
        XCTAssertNotNil(Int(sys.json["expires_on"] as? String ?? ""))
        let c = TestJWT.claims(sys.json["access_token"] as! String)
        XCTAssertEqual(c["oid"] as? String, Fixtures.systemMI.principalId)
        XCTAssertEqual(c["appid"] as? String, Fixtures.systemMI.clientId)
        XCTAssertEqual(c["idtyp"] as? String, "app")

        for q in ["client_id=\(Fixtures.userMI.clientId)", "principal_id=\(Fixtures.userMI.principalId)",
                  "mi_res_id=\(Fixtures.userMI.resourceId)"] {
            let u = try appService("resource=https://contoso.sharepoint.com&\(q)")
            XCTAssertEqual(u.status, 200, u.text)
            XCTAssertEqual(u.json["client_id"] as? String, Fixtures.userMI.clientId, q)
        }
        // The token works on the resource hosts (certificate-like, so SharePoint accepts it).
        let t = try appService("resource=https://contoso.sharepoint.com&client_id=\(Fixtures.userMI.clientId)").json["access_token"] as! String
        XCTAssertEqual(try curl("https://contoso.sharepoint.com/_api/web", headers: ["Authorization": "Bearer \(t)"]).status, 200)
    }

    func testAppServiceErrors() throws {
        XCTAssertEqual(try appService("resource=https://graph.microsoft.com", header: "wrong").status, 401)
        let notFound = try appService("resource=https://graph.microsoft.com&client_id=00000000-0000-0000-0000-000000000000")
        XCTAssertEqual(notFound.status, 400)
        XCTAssertTrue(notFound.text.contains("No Managed Identity found"), notFound.text)
        XCTAssertEqual(try appService("").status, 400)
    }

    func testIMDS() throws {
        let r = try imds("resource=https://graph.microsoft.com")
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.json["expires_in"] as? String, "3599")
        XCTAssertEqual(r.json["token_type"] as? String, "Bearer")
        XCTAssertEqual(r.json["client_id"] as? String, Fixtures.systemMI.clientId)
        XCTAssertNotNil(r.json["not_before"] as? String)
        let t = r.json["access_token"] as! String
        XCTAssertEqual(try curl("https://graph.microsoft.com/v1.0/organization", headers: ["Authorization": "Bearer \(t)"]).status, 200)
        let user = try imds("resource=https://graph.microsoft.com&client_id=\(Fixtures.userMI.clientId)")
        XCTAssertEqual(user.json["client_id"] as? String, Fixtures.userMI.clientId)
        XCTAssertEqual(try imds("resource=https://graph.microsoft.com&msi_res_id=\(Fixtures.userMI.resourceId)").status, 200)
        XCTAssertEqual(try imds("resource=https://graph.microsoft.com", metadata: false).status, 400)
        let missing = try imds("resource=https://graph.microsoft.com&object_id=00000000-0000-0000-0000-000000000000")
        XCTAssertEqual(missing.status, 400)
        XCTAssertEqual(missing.json["error_description"] as? String, "Identity not found")
    }
}
