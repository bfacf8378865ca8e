import EmulatorKit
import XCTest

final class ResourceHostTests: EmulatorTestCase {
    func bearer(_ t: String) -> [String: String] { ["Authorization": "Bearer \(t)"] }

    func testGraphMeAndOrganization() throws {
        let t = try passwordToken()["access_token"] as! String
        let me = try curl("https://graph.microsoft.com/v1.0/me", headers: bearer(t).merging(["client-request-id": "abc"]) { a, _ in a })
        XCTAssertEqual(me.status, 200, me.text)
        XCTAssertEqual(me.json["userPrincipalName"] as? String, Fixtures.adele.upn)
        XCTAssertEqual(me.json["id"] as? String, Fixtures.adele.id)
        XCTAssertEqual(me.json["@odata.context"] as? String, "https://graph.microsoft.com/v1.0/$metadata#users/$entity")
        XCTAssertEqual(me.header("client-request-id"), "abc")
        XCTAssertNotNil(me.header("request-id"))
        XCTAssertEqual(me.header("odata-version"), "4.0")
        let org = try curl("https://graph.microsoft.com/v1.0/organization", headers: bearer(t))
        let value = org.json["value"] as? [[String: Any]] ?? []
        XCTAssertEqual(value.first?["id"] as? String, Fixtures.tenantId)
        XCTAssertEqual(value.first?["displayName"] as? String, "Contoso")
    }

    func assertGraph401(_ r: HTTPResult, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 401, r.text, file: file, line: line)
        let error = r.json["error"] as? [String: Any] ?? [:]
        XCTAssertEqual(error["code"] as? String, "InvalidAuthenticationToken", file: file, line: line)
        XCTAssertEqual(error["message"] as? String, message, file: file, line: line)
        let inner = error["innerError"] as? [String: Any] ?? [:]
        XCTAssertNotNil(inner["date"] as? String, file: file, line: line)
        XCTAssertNotNil(inner["request-id"] as? String, file: file, line: line)
        XCTAssertNotNil(inner["client-request-id"] as? String, file: file, line: line)
        XCTAssertTrue(r.header("www-authenticate")?.hasPrefix("Bearer") == true, file: file, line: line)
    }

    func testGraphRejectsBadTokens() throws {
        assertGraph401(try curl("https://graph.microsoft.com/v1.0/me"), "Access token is empty.")
        assertGraph401(try curl("https://graph.microsoft.com/v1.0/me", headers: bearer("garbage")), "CompactToken parsing failed with error code: 80049217")
        let sp = try passwordToken(scope: "https://contoso.sharepoint.com/.default")["access_token"] as! String
        assertGraph401(try curl("https://graph.microsoft.com/v1.0/me", headers: bearer(sp)), "Access token validation failure. Invalid audience.")
        let good = try passwordToken()["access_token"] as! String
        var parts = good.split(separator: ".").map(String.init)
        parts[2] = String(parts[2].reversed())
        assertGraph401(try curl("https://graph.microsoft.com/v1.0/me", headers: bearer(parts.joined(separator: "."))), "Access token validation failure.")
    }

    func testGraphMeNeedsDelegatedToken() throws {
        let app = try clientSecretToken().json["access_token"] as! String
        let r = try curl("https://graph.microsoft.com/v1.0/me", headers: bearer(app))
        XCTAssertEqual(r.status, 400)
        XCTAssertEqual((r.json["error"] as? [String: Any])?["code"] as? String, "BadRequest")
        XCTAssertEqual(try curl("https://graph.microsoft.com/v1.0/organization", headers: bearer(app)).status, 200)
        let unknown = try curl("https://graph.microsoft.com/v1.0/nothing", headers: bearer(app))
        XCTAssertEqual(unknown.status, 400)
    }

    func testSharePointWebOnEachHost() throws {
        let t = try passwordToken(scope: "https://contoso.sharepoint.com/.default")["access_token"] as! String
        let root = try curl("https://contoso.sharepoint.com/_api/web", headers: bearer(t).merging(["Accept": "application/json;odata=nometadata"]) { a, _ in a })
        XCTAssertEqual(root.status, 200, root.text)
        XCTAssertEqual(root.json["Title"] as? String, "Contoso")
        XCTAssertEqual(root.json["Url"] as? String, "https://contoso.sharepoint.com")
        XCTAssertTrue(root.header("content-type")?.contains("odata=nometadata") == true)
        let verbose = try curl("https://contoso.sharepoint.com/sites/marketing/_api/web",
                               headers: bearer(t).merging(["Accept": "application/json;odata=verbose"]) { a, _ in a })
        let d = verbose.json["d"] as? [String: Any] ?? [:]
        XCTAssertEqual(d["Title"] as? String, "Marketing")
        XCTAssertEqual(d["ServerRelativeUrl"] as? String, "/sites/marketing")
        XCTAssertEqual((d["__metadata"] as? [String: Any])?["type"] as? String, "SP.Web")
        // One token works for -admin and -my too.
        let admin = try curl("https://contoso-admin.sharepoint.com/_api/web", headers: bearer(t))
        XCTAssertEqual(admin.json["Title"] as? String, "SharePoint admin center")
        let my = try curl("https://contoso-my.sharepoint.com/personal/adele_vance_contoso_com/_api/web", headers: bearer(t))
        XCTAssertEqual(my.json["Title"] as? String, "Adele Vance")
        let missing = try curl("https://contoso.sharepoint.com/_api/web/nothing", headers: bearer(t))
        XCTAssertEqual(missing.status, 404)
        XCTAssertNotNil(missing.json["odata.error"])
    }

    func testSharePointAuthErrors() throws {
        let none = try curl("https://contoso.sharepoint.com/_api/web")
        XCTAssertEqual(none.status, 401)
        XCTAssertTrue(none.header("www-authenticate")?.contains("client_id=\"00000003-0000-0ff1-ce00-000000000000\"") == true)
        XCTAssertTrue(none.header("www-authenticate")?.contains("realm=\"\(Fixtures.tenantId)\"") == true)
        let graph = try passwordToken()["access_token"] as! String
        let wrongAud = try curl("https://contoso.sharepoint.com/_api/web", headers: bearer(graph))
        XCTAssertEqual(wrongAud.status, 401)
        XCTAssertTrue(wrongAud.header("x-ms-diagnostics")?.hasPrefix("3000003") == true)
        // App-only with a client secret: rejected, as by the real service; with a certificate: accepted.
        let secretToken = try clientSecretToken(scope: "https://contoso.sharepoint.com/.default").json["access_token"] as! String
        let rejected = try curl("https://contoso.sharepoint.com/_api/web", headers: bearer(secretToken))
        XCTAssertEqual(rejected.status, 401)
        XCTAssertEqual(rejected.json["error_description"] as? String, "Unsupported app only token.")
        let certToken = try certificateToken(scope: "https://contoso.sharepoint.com/.default").json["access_token"] as! String
        XCTAssertEqual(try curl("https://contoso.sharepoint.com/_api/web", headers: bearer(certToken)).status, 200)
    }

    func testNationalCloudGraphHost() throws {
        let r = try token([("grant_type", "client_credentials"), ("client_id", Fixtures.secretApp), ("client_secret", Fixtures.secret),
                           ("scope", "https://graph.microsoft.us/.default")], url: "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token")
        XCTAssertEqual(r.status, 200, r.text)
        let t = r.json["access_token"] as! String
        XCTAssertEqual(TestJWT.claims(t)["iss"] as? String, "https://sts.windows.net/\(Fixtures.tenantId)/")
        XCTAssertEqual(try curl("https://graph.microsoft.us/v1.0/organization", headers: bearer(t)).status, 200)
        XCTAssertEqual(try curl("https://graph.microsoft.com/v1.0/organization", headers: bearer(t)).status, 401)
    }

    func testUnknownHost() throws {
        let r = try curl("https://localhost/")
        XCTAssertEqual(r.status, 421)
    }
}
