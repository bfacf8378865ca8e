import EmulatorKit
import Foundation
import XCTest

final class GraphUsersTests: EmulatorTestCase {
    let graph = "https://graph.microsoft.com"

    /// The seeded users of the contoso tenant, read from the built-in seed (not from the emulator's answers).
    var seededUsers: [SeedUser] {
        get throws { try XCTUnwrap(Seed.load(path: nil).tenants.first { $0.id == Fixtures.tenantId }).users }
    }

    func get(_ url: String, token: String?, headers: [String: String] = [:]) throws -> HTTPResult {
        var h = headers
        if let token { h["Authorization"] = "Bearer \(token)" }
        return try curl(url, headers: h)
    }

    func delegatedToken() throws -> String { try XCTUnwrap(passwordToken()["access_token"] as? String) }

    /// GETs a collection page that must succeed; returns the response and its `value`.
    func page(_ url: String, token: String, file: StaticString = #filePath, line: UInt = #line) throws -> (HTTPResult, [[String: Any]]) {
        let r = try get(url, token: token)
        XCTAssertEqual(r.status, 200, r.text, file: file, line: line)
        return (r, try XCTUnwrap(r.json["value"] as? [[String: Any]], r.text, file: file, line: line))
    }

    func testFirstPageHonoursTopAndLinksToTheNext() throws {
        let (r, value) = try page("\(graph)/v1.0/users?$top=2", token: try delegatedToken())
        XCTAssertEqual(r.json["@odata.context"] as? String, "https://graph.microsoft.com/v1.0/$metadata#users")
        XCTAssertEqual(value.count, 2)
        // Without $select every user has Graph's default projection, in Graph's order.
        XCTAssertEqual(try XCTUnwrap(value.first).keys.sorted(),
                       ["businessPhones", "displayName", "givenName", "id", "jobTitle", "mail", "mobilePhone", "officeLocation",
                        "preferredLanguage", "surname", "userPrincipalName"])
        XCTAssertTrue(r.text.hasPrefix("{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#users\",\"@odata.nextLink\":"), r.text)
        let next = try XCTUnwrap(r.json["@odata.nextLink"] as? String)
        XCTAssertTrue(next.hasPrefix("https://graph.microsoft.com/v1.0/users?"), next)
        XCTAssertTrue(next.contains("$top=2"), "the nextLink keeps the original options: \(next)")
        XCTAssertTrue(next.contains("$skiptoken="), next)
        XCTAssertEqual(r.header("odata-version"), "4.0")
    }

    func testFollowingNextLinksYieldsEverySeededUserOnce() throws {
        let token = try delegatedToken()
        var url: String? = "\(graph)/v1.0/users?$top=2"
        var ids: [String] = []
        var pages = 0
        while let u = url, pages < 20 {
            let (r, value) = try page(u, token: token)
            XCTAssertLessThanOrEqual(value.count, 2)
            ids += value.compactMap { $0["id"] as? String }
            url = r.json["@odata.nextLink"] as? String
            pages += 1
        }
        let seeded = try seededUsers.map(\.id)
        XCTAssertGreaterThan(seeded.count, 2, "the seed must need more than one page for this test to mean anything")
        XCTAssertEqual(ids.sorted(), seeded.sorted())
        XCTAssertEqual(Set(ids).count, ids.count, "no user twice")
        XCTAssertEqual(pages, (seeded.count + 1) / 2)
    }

    func testDefaultPageHoldsAllSeededUsersAndWorksOnBeta() throws {
        let (r, value) = try page("\(graph)/beta/users", token: try delegatedToken())
        XCTAssertEqual(r.json["@odata.context"] as? String, "https://graph.microsoft.com/beta/$metadata#users")
        XCTAssertNil(r.json["@odata.nextLink"], "fewer than 100 users fit one page")
        XCTAssertEqual(value.count, try seededUsers.count)
    }

    func testSelectProjects() throws {
        let token = try delegatedToken()
        let (r, value) = try page("\(graph)/v1.0/users?$select=id,displayName&$top=3", token: token)
        XCTAssertEqual(r.json["@odata.context"] as? String, "https://graph.microsoft.com/v1.0/$metadata#users(id,displayName)")
        XCTAssertEqual(value.count, 3)
        let byId = Dictionary(uniqueKeysWithValues: try seededUsers.map { ($0.id, $0.displayName) })
        for user in value {
            XCTAssertEqual(user.keys.sorted(), ["displayName", "id"])
            XCTAssertEqual(user["displayName"] as? String, byId[user["id"] as? String ?? ""])
        }
        // The selection survives paging.
        let (_, next) = try page(try XCTUnwrap(r.json["@odata.nextLink"] as? String), token: token)
        XCTAssertEqual(next.first?.keys.sorted(), ["displayName", "id"])

        let bad = try get("\(graph)/v1.0/users?$select=id,shoeSize", token: token)
        assertGraphError(bad, status: 400, code: "Request_BadRequest",
                         message: "Could not find a property named 'shoeSize' on type 'Microsoft.DirectoryServices.User'.")
    }

    func testTopOutsideTheAllowedRangeIsRefused() throws {
        let token = try delegatedToken()
        for top in ["0", "1000", "ten"] {
            let r = try get("\(graph)/v1.0/users?$top=\(top)", token: token)
            assertGraphError(r, status: 400, code: "Request_UnsupportedQuery",
                             message: "Invalid page size specified: '\(top)'. Must be between 1 and 999 inclusive.")
        }
        XCTAssertEqual(try page("\(graph)/v1.0/users?$top=999", token: token).1.count, try seededUsers.count)
    }

    func testTamperedSkipTokenIsRefused() throws {
        let r = try get("\(graph)/v1.0/users?$top=2&$skiptoken=bm90LWEtdG9rZW4", token: try delegatedToken())
        XCTAssertEqual(r.status, 400, r.text)
        XCTAssertEqual((r.json["error"] as? [String: Any])?["code"] as? String, "Request_BadRequest")
    }

    func testUserByUPNAndById() throws {
        let token = try delegatedToken()
        let byUPN = try get("\(graph)/v1.0/users/\(Fixtures.admin.upn)", token: token)
        XCTAssertEqual(byUPN.status, 200, byUPN.text)
        XCTAssertEqual(byUPN.json["@odata.context"] as? String, "https://graph.microsoft.com/v1.0/$metadata#users/$entity")
        XCTAssertEqual(byUPN.json["id"] as? String, Fixtures.admin.id)
        XCTAssertEqual(byUPN.json["userPrincipalName"] as? String, Fixtures.admin.upn)

        let byId = try get("\(graph)/v1.0/users/\(Fixtures.adele.id)?$select=userPrincipalName", token: token)
        XCTAssertEqual(byId.status, 200, byId.text)
        XCTAssertEqual(byId.json["@odata.context"] as? String,
                       "https://graph.microsoft.com/v1.0/$metadata#users(userPrincipalName)/$entity")
        XCTAssertEqual(byId.json.keys.sorted(), ["@odata.context", "userPrincipalName"])
        XCTAssertEqual(byId.json["userPrincipalName"] as? String, Fixtures.adele.upn)
    }

    func testUnknownUserIs404InGraphsShape() throws {
        let id = "a1b2c3d4-0000-0000-0000-000000000000"
        let r = try get("\(graph)/v1.0/users/\(id)", token: try delegatedToken(), headers: ["client-request-id": "trace-me"])
        let error = assertGraphError(r, status: 404, code: "Request_ResourceNotFound",
                                     message: "Resource '\(id)' does not exist or one of its queried reference-property objects are not present.")
        let inner = error["innerError"] as? [String: Any] ?? [:]
        XCTAssertEqual(inner["client-request-id"] as? String, "trace-me")
        XCTAssertEqual(inner["request-id"] as? String, r.header("request-id"))
        let date = inner["date"] as? String ?? ""
        XCTAssertNotNil(date.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"#, options: .regularExpression), date)
    }

    func testAppOnlyTokenListsUsers() throws {
        let app = try XCTUnwrap(clientSecretToken().json["access_token"] as? String)
        XCTAssertEqual(try page("\(graph)/v1.0/users?$top=1", token: app).1.count, 1)
    }

    func testUsersNeedAGraphToken() throws {
        for url in ["\(graph)/v1.0/users", "\(graph)/v1.0/users/\(Fixtures.adele.upn)"] {
            let none = try get(url, token: nil)
            assertGraphError(none, status: 401, code: "InvalidAuthenticationToken", message: "Access token is empty.")
            XCTAssertTrue(none.header("www-authenticate")?.hasPrefix("Bearer") == true)
        }
        let sharePoint = try XCTUnwrap(passwordToken(scope: "https://contoso.sharepoint.com/.default")["access_token"] as? String)
        XCTAssertEqual(try get("\(graph)/v1.0/users", token: sharePoint).status, 401)
    }

    /// Checks Graph's error body and returns its `error` object.
    @discardableResult
    func assertGraphError(_ r: HTTPResult, status: Int, code: String, message: String,
                          file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
        XCTAssertEqual(r.status, status, r.text, file: file, line: line)
        let error = r.json["error"] as? [String: Any] ?? [:]
        XCTAssertEqual(error["code"] as? String, code, file: file, line: line)
        XCTAssertEqual(error["message"] as? String, message, file: file, line: line)
        let inner = error["innerError"] as? [String: Any] ?? [:]
        XCTAssertEqual(inner.keys.sorted(), ["client-request-id", "date", "request-id"], file: file, line: line)
        return error
    }
}
