import Foundation
import JSONModel
import XCTest

/// The entity-set engine (`GraphEntitySet`), through the sets declared with it: planner rosters
/// and their members (a child set, `$expand`), Purview's retention event types.
final class EntitySetTests: GraphTestCase {
    let beta = "https://graph.microsoft.com/beta"

    func recordsToken() throws -> String {
        try XCTUnwrap(passwordToken(user: Fixtures.admin, scope: "https://graph.microsoft.com/RecordsManagement.ReadWrite.All")["access_token"] as? String)
    }

    func testCreateReadUpdateDeleteWithGraphsAnswers() throws {
        let t = try recordsToken()
        let set = "/security/triggerTypes/retentionEventTypes"
        let created = try call("POST", set, t, json: ["displayName": "Contract Expiry", "description": "When a contract ends"])
        XCTAssertEqual(created.status, 201, created.text)
        let id = try XCTUnwrap(created.json["id"] as? String)
        XCTAssertEqual(created.json["@odata.context"] as? String, "https://graph.microsoft.com/v1.0/$metadata#security/triggerTypes/retentionEventTypes/$entity")
        XCTAssertEqual((created.json["createdBy"] as? [String: Any])?["user"] as? [String: AnyHashable],
                       ["id": NSNull(), "displayName": "MOD Administrator"] as [String: AnyHashable])
        XCTAssertNotNil(created.json["createdDateTime"] as? String)
        // The properties in the type's order, the context first.
        XCTAssertEqual(try JSON.parse(bytes: Array(created.text.utf8)).objectValue?.keys,
                       ["@odata.context", "displayName", "description", "createdDateTime", "lastModifiedDateTime", "id", "createdBy", "lastModifiedBy"])

        let got = try call("GET", "\(set)/\(id)?$select=displayName", t)
        XCTAssertEqual(got.status, 200, got.text)
        XCTAssertEqual(got.json["displayName"] as? String, "Contract Expiry")
        XCTAssertNil(got.json["description"], "$select projects")

        let patched = try call("PATCH", "\(set)/\(id)", t, json: ["description": "Changed"])
        XCTAssertEqual(patched.status, 204, patched.text)
        XCTAssertEqual(try call("GET", "\(set)/\(id)", t).json["description"] as? String, "Changed")

        XCTAssertEqual(try call("DELETE", "\(set)/\(id)", t).status, 204)
        let gone = try call("GET", "\(set)/\(id)", t)
        XCTAssertEqual(gone.status, 404)
        XCTAssertEqual(errorMessage(gone), "The retention event type '\(id)' was not found.")
        XCTAssertEqual(try call("DELETE", "\(set)/\(id)", t).status, 404)
    }

    func testWhatGraphRefusesIsRefused() throws {
        let t = try recordsToken()
        let set = "/security/triggerTypes/retentionEventTypes"
        let unknown = try call("POST", set, t, json: ["displayName": "A", "colour": "red"])
        XCTAssertEqual(unknown.status, 400)
        XCTAssertEqual(errorCode(unknown), "BadRequest")
        XCTAssertTrue(errorMessage(unknown).hasPrefix("The property 'colour' does not exist on type 'microsoft.graph.security.retentionEventType'."), errorMessage(unknown))
        let missing = try call("POST", set, t, json: ["description": "no name"])
        XCTAssertEqual(missing.status, 400)
        XCTAssertTrue(errorMessage(missing).contains("'displayName' is required"), errorMessage(missing))
        let readOnly = try call("POST", set, t, json: ["displayName": "A", "createdDateTime": "2020-01-01T00:00:00Z"])
        XCTAssertEqual(readOnly.status, 400)
        let notJSON = try call("POST", set, t, headers: ["Content-Type": "application/json"], extra: ["--data", "{not json"])
        XCTAssertEqual(notJSON.status, 400, notJSON.text)

        let id = try XCTUnwrap(try call("POST", set, t, json: ["displayName": "B"]).json["id"] as? String)
        let rename = try call("PATCH", "\(set)/\(id)", t, json: ["displayName": "C"])
        XCTAssertEqual(rename.status, 400, "displayName is set once")
        let rekey = try call("PATCH", "\(set)/\(id)", t, json: ["id": "other"])
        XCTAssertEqual(rekey.status, 400)
        let put = try call("PUT", "\(set)/\(id)", t, json: ["description": "x"])
        XCTAssertEqual(put.status, 405)

        // Permissions: a token without RecordsManagement.* is refused, reads and writes.
        let plain = try adeleToken()
        XCTAssertEqual(try call("GET", set, plain).status, 403)
        XCTAssertEqual(try call("POST", set, plain, json: ["displayName": "D"]).status, 403)
        // The set is v1.0 and beta; rosters are beta only.
        XCTAssertEqual(try call("GET", "\(beta)\(set)", t).status, 200)
        XCTAssertEqual(try call("GET", "/planner/rosters", t).status, 400)
    }

    func testCollectionsFilterOrderSelectAndPage() throws {
        let t = try recordsToken()
        let set = "/security/triggerTypes/retentionEventTypes"
        for name in ["Delta", "Alpha", "Echo", "Charlie", "Bravo"] {
            XCTAssertEqual(try call("POST", set, t, json: ["displayName": name, "description": name.count > 4 ? "long" : "short"]).status, 201)
        }
        let ordered = values(try call("GET", "\(set)?$orderby=displayName%20desc&$select=displayName,id", t))
        XCTAssertEqual(ordered.map { $0["displayName"] as? String }, ["Echo", "Delta", "Charlie", "Bravo", "Alpha"])
        XCTAssertEqual(Set(ordered[0].keys), ["displayName", "id"])

        let filtered = values(try call("GET", "\(set)?$filter=\(q("description eq 'long' and startswith(displayName,'C')"))", t))
        XCTAssertEqual(filtered.map { $0["displayName"] as? String }, ["Charlie"])

        // Pages of two, followed by nextLink to the end.
        var names: [String] = []
        var url: String? = "\(graph)\(set)?$top=2&$orderby=displayName"
        var pages = 0
        while let next = url {
            let page = try call("GET", next, t)
            XCTAssertEqual(page.status, 200, page.text)
            names += (page.json["value"] as? [[String: Any]] ?? []).compactMap { $0["displayName"] as? String }
            url = page.json["@odata.nextLink"] as? String
            pages += 1
        }
        XCTAssertEqual(names, ["Alpha", "Bravo", "Charlie", "Delta", "Echo"])
        XCTAssertEqual(pages, 3)

        let counted = try call("GET", "\(set)?$count=true&$filter=\(q("description eq 'short'"))", t)
        XCTAssertEqual(counted.json["@odata.count"] as? Int, 1, counted.text)
        XCTAssertEqual(try call("GET", "\(set)?$select=colour", t).status, 400)
        XCTAssertEqual(try call("GET", "\(set)?$orderby=colour", t).status, 400)
        XCTAssertEqual(try call("GET", "\(set)?$top=1000", t).status, 400)
    }

    func testChildSetsExpandCheckTheirParentAndGoWithIt() throws {
        let t = try adminToken()  // Tasks.ReadWrite
        let roster = try call("POST", "\(beta)/planner/rosters", t, json: [String: Any]())
        XCTAssertEqual(roster.status, 201, roster.text)
        let rosterId = try XCTUnwrap(roster.json["id"] as? String)
        XCTAssertTrue(roster.json.keys.contains("assignedSensitivityLabel"), "null properties are listed")

        let member = try call("POST", "\(beta)/planner/rosters/\(rosterId)/members", t, json: ["userId": Fixtures.adele.id])
        XCTAssertEqual(member.status, 201, member.text)
        XCTAssertEqual(member.json["tenantId"] as? String, Fixtures.tenantId)
        XCTAssertEqual(member.json["roles"] as? [String], [])
        XCTAssertEqual(member.json["@odata.context"] as? String, "https://graph.microsoft.com/beta/$metadata#planner/rosters('\(rosterId)')/members/$entity")
        XCTAssertEqual(try call("POST", "\(beta)/planner/rosters/\(rosterId)/members", t, json: ["roles": []]).status, 400, "userId is required")

        let members = values(try call("GET", "\(beta)/planner/rosters/\(rosterId)/members", t))
        XCTAssertEqual(members.map { $0["userId"] as? String }, [Fixtures.adele.id])

        let expanded = try call("GET", "\(beta)/planner/rosters/\(rosterId)?$expand=members($select=userId)", t)
        XCTAssertEqual(expanded.status, 200, expanded.text)
        XCTAssertEqual(expanded.json["members"] as? [[String: String]], [["userId": Fixtures.adele.id]])
        XCTAssertEqual(try call("GET", "\(beta)/planner/rosters/\(rosterId)?$expand=plans", t).status, 400, "not a navigation property")

        // A parent that does not exist: its set's not-found, for reads and writes.
        let orphan = try call("GET", "\(beta)/planner/rosters/\(UUID().uuidString)/members", t)
        XCTAssertEqual(orphan.status, 404)
        XCTAssertEqual(try call("POST", "\(beta)/planner/rosters/\(UUID().uuidString)/members", t, json: ["userId": Fixtures.adele.id]).status, 404)

        // Deleting the roster deletes its members.
        XCTAssertEqual(try call("DELETE", "\(beta)/planner/rosters/\(rosterId)", t).status, 204)
        XCTAssertEqual(try call("GET", "\(beta)/planner/rosters/\(rosterId)/members", t).status, 404)

        // App-only without Tasks.*.All: refused.
        XCTAssertEqual(try call("GET", "\(beta)/planner/rosters", try appToken()).status, 403)
    }
}
