import EmulatorKit
import Foundation
import XCTest

/// The emulator's list views, webhook subscriptions and site-script extraction over REST, in
/// the shapes and formats the CLI does not use (verbose, addressing by quoted titles).
final class SharePointViewTests: SharePointTestCase {
    func makeList(_ title: String, template: Int = 100) throws -> String {
        let created = try sp("POST", "\(marketing)/_api/web/lists", json: ["Title": title, "BaseTemplate": template])
        XCTAssertEqual(created.status, 201, created.text)
        return try XCTUnwrap(created.json["Id"] as? String)
    }

    func testViewsAddressedByQuotedTitleAndFieldsInVerbose() throws {
        let id = try makeList("View Tests")
        let list = "\(marketing)/_api/web/lists(guid'\(id)')"
        let added = try sp("POST", "\(list)/views/add", json: ["parameters": ["Title": "Bob's view", "ViewFields": ["results": ["Title", "Created"]],
                                                                              "RowLimit": 5]])
        XCTAssertEqual(added.status, 200, added.text)
        XCTAssertEqual(added.json["ServerRelativeUrl"] as? String, "/sites/marketing/Lists/ViewTests/Bob's view.aspx")

        // A title with a quote, doubled in the literal; ViewFields in verbose: a typed string collection.
        let byTitle = "\(list)/views/GetByTitle('\(q("Bob''s view"))')"
        let fields = try sp("GET", "\(byTitle)/ViewFields", accept: Self.verbose)
        XCTAssertEqual(fields.status, 200, fields.text)
        let d = try XCTUnwrap(fields.json["d"] as? [String: Any])
        XCTAssertEqual((d["Items"] as? [String: Any])?["results"] as? [String], ["Title", "Created"])
        XCTAssertEqual(d["SchemaXml"] as? String, "<FieldRef Name=\"Title\" /><FieldRef Name=\"Created\" />")
        XCTAssertEqual((d["__metadata"] as? [String: Any])?["type"] as? String, "SP.ViewFieldCollection")

        // moveViewFieldTo takes the index as a number or a numeric string; a field the view lacks is refused.
        XCTAssertEqual(try sp("POST", "\(byTitle)/ViewFields/moveViewFieldTo", json: ["field": "Created", "index": "0"]).status, 200)
        XCTAssertEqual(try sp("GET", "\(byTitle)/ViewFields").json["Items"] as? [String], ["Created", "Title"])
        let absent = try sp("POST", "\(byTitle)/ViewFields/moveViewFieldTo", json: ["field": "Modified", "index": 0])
        XCTAssertEqual(absent.status, 400)
        XCTAssertEqual(spError(absent).message, "Column 'Modified' does not exist. It may have been deleted by another user.")
        XCTAssertEqual(try sp("POST", "\(byTitle)/ViewFields/removeAllViewFields").status, 200)
        XCTAssertEqual(try sp("GET", "\(byTitle)/ViewFields").json["Items"] as? [String], [])

        // DefaultView follows a MERGE that makes another view the default.
        let viewId = try XCTUnwrap(added.json["Id"] as? String)
        XCTAssertEqual(try sp("MERGE", "\(list)/views(guid'\(viewId)')", json: ["DefaultView": true]).status, 204)
        XCTAssertEqual(try sp("GET", "\(list)/DefaultView").json["Id"] as? String, viewId)
        XCTAssertEqual(values(try sp("GET", "\(list)/views?$filter=\(q("DefaultView eq true"))&$select=Title")).compactMap { $0["Title"] as? String },
                       ["Bob's view"])
        let wrongType = try sp("MERGE", "\(list)/views(guid'\(viewId)')", json: ["RowLimit": "many"])
        XCTAssertEqual(wrongType.status, 400, wrongType.text)
    }

    func testLibraryViewsLiveUnderForms() throws {
        let id = try makeList("ViewLib", template: 101)
        let views = values(try sp("GET", "\(marketing)/_api/web/lists(guid'\(id)')/views"))
        XCTAssertEqual(views.first?["ServerRelativeUrl"] as? String, "/sites/marketing/ViewLib/Forms/AllItems.aspx")
        let added = try sp("POST", "\(marketing)/_api/web/lists(guid'\(id)')/views/add", json: ["parameters": ["Title": "Mine", "ViewFields": ["LinkFilename"]]])
        XCTAssertEqual(added.json["ServerRelativeUrl"] as? String, "/sites/marketing/ViewLib/Forms/Mine.aspx", added.text)
        let unknown = try sp("POST", "\(marketing)/_api/web/lists(guid'\(id)')/views/add", json: ["parameters": ["Title": "X", "Bogus": 1]])
        XCTAssertEqual(unknown.status, 400)
    }

    func testSubscriptionsInVerboseAndTheirChecks() throws {
        let id = try makeList("Hook Tests")
        let subs = "\(marketing)/_api/web/lists(guid'\(id)')/subscriptions"
        let expires = ISO8601DateFormatter().string(from: Date().addingTimeInterval(86400))
        let created = try sp("POST", subs, json: ["resource": id, "notificationUrl": "https://hooks.contoso.com/x", "expirationDateTime": expires],
                             accept: Self.verbose)
        XCTAssertEqual(created.status, 201, created.text)
        let d = try XCTUnwrap(created.json["d"] as? [String: Any])
        XCTAssertEqual(d["resource"] as? String, id)
        XCTAssertTrue(d["clientState"] is NSNull)
        let missing = try sp("POST", subs, json: ["resource": id, "expirationDateTime": expires])
        XCTAssertEqual(missing.status, 400)
        let port = try sp("POST", subs, json: ["notificationUrl": "https://hooks.contoso.com:8443/x", "expirationDateTime": expires])
        XCTAssertEqual(spError(port).message, "Failed to validate the notification URL 'https://hooks.contoso.com:8443/x'.")
        let past = try sp("POST", subs, json: ["notificationUrl": "https://hooks.contoso.com/x", "expirationDateTime": "2020-01-01T00:00:00Z"])
        XCTAssertEqual(spError(past).code, "-1, System.ArgumentException")
        XCTAssertEqual(values(try sp("GET", subs)).count, 1, "refused subscriptions are not kept")
    }

    func testSiteScriptOnTheDottedRouteAndAMissingList() throws {
        _ = try makeList("Script Tests")
        let url = "\(marketing)/_api/Microsoft.SharePoint.Utilities.WebTemplateExtensions.SiteScriptUtility.GetSiteScriptFromList"
        let answer = try sp("POST", url, json: ["listUrl": "\(marketing)/Lists/ScriptTests"], accept: Self.verbose)
        XCTAssertEqual(answer.status, 200, answer.text)
        let text = try XCTUnwrap((answer.json["d"] as? [String: Any])?["GetSiteScriptFromList"] as? String)
        XCTAssertTrue(text.contains("\"listName\": \"Script Tests\""), text)
        let missing = try sp("POST", url, json: ["listUrl": "\(marketing)/Lists/Nothing"])
        XCTAssertEqual(missing.status, 404)
    }
}
