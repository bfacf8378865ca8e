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
        let fraction = try sp("POST", "\(byTitle)/ViewFields/moveViewFieldTo", json: ["field": "Created", "index": 0.5])
        XCTAssertEqual(fraction.status, 400)
        XCTAssertEqual(spError(fraction).message, "Cannot convert a primitive value to the expected type 'Edm.Int32'. See the inner exception for more details.")
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
        let wrongFlag = try sp("MERGE", "\(list)/views(guid'\(viewId)')", json: ["Hidden": "yes"])
        XCTAssertEqual(wrongFlag.status, 400, wrongFlag.text)
        // Booleans and numbers given as text are read as such.
        XCTAssertEqual(try sp("MERGE", "\(list)/views(guid'\(viewId)')", json: ["Hidden": "TRUE", "RowLimit": "7"]).status, 204)
        let stored = try sp("GET", "\(list)/views(guid'\(viewId)')?$select=Hidden,RowLimit")
        XCTAssertEqual(stored.json["Hidden"] as? Bool, true, stored.text)
        XCTAssertEqual(stored.json["RowLimit"] as? Int, 7, stored.text)
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

    /// A subscription is listed and found until its expiration passes, then it is gone (the
    /// emulator's clock moved forward, not waited for).
    func testASubscriptionIsGoneOnceItExpires() throws {
        let id = try makeList("Hook Expiry")
        let subs = "\(marketing)/_api/web/lists(guid'\(id)')/subscriptions"
        let expires = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))
        let created = try sp("POST", subs, json: ["resource": id, "notificationUrl": "https://hooks.contoso.com/x", "expirationDateTime": expires])
        XCTAssertEqual(created.status, 201, created.text)
        let sub = try XCTUnwrap(created.json["id"] as? String)
        defer { SharePointWebhooks.clock.reset() }
        SharePointWebhooks.clock.advance(by: 3500)
        XCTAssertEqual(values(try sp("GET", subs)).count, 1, "not yet expired")
        XCTAssertEqual(try sp("GET", "\(subs)('\(sub)')").status, 200)
        SharePointWebhooks.clock.advance(by: 200)
        XCTAssertEqual(values(try sp("GET", subs)).count, 0, "expired")
        let gone = try sp("GET", "\(subs)('\(sub)')")
        XCTAssertEqual(gone.status, 404, gone.text)
        XCTAssertEqual(spError(gone).message, "Cannot find resource for the request Subscriptions.")
        // The expiration check follows the same clock: an hour ahead of the real time is now the past.
        let past = try sp("POST", subs, json: ["resource": id, "notificationUrl": "https://hooks.contoso.com/x", "expirationDateTime": expires])
        XCTAssertEqual(spError(past).message, "The specified expiration date is invalid. Should be greater than today and within 6 months")
    }

    func testSiteScriptOnTheDottedRouteAndAMissingList() throws {
        _ = try makeList("Script Tests")
        let url = "\(marketing)/_api/Microsoft.SharePoint.Utilities.WebTemplateExtensions.SiteScriptUtility.GetSiteScriptFromList"
        let answer = try sp("POST", url, json: ["listUrl": "\(marketing)/Lists/ScriptTests"], accept: Self.verbose)
        XCTAssertEqual(answer.status, 200, answer.text)
        let text = try XCTUnwrap((answer.json["d"] as? [String: Any])?["GetSiteScriptFromList"] as? String)
        XCTAssertTrue(text.contains("\"listName\": \"Script Tests\""), text)
        XCTAssertFalse(text.contains("addNavLink"), "no action the documented sample lacks")
        let missing = try sp("POST", url, json: ["listUrl": "\(marketing)/Lists/Nothing"])
        XCTAssertEqual(missing.status, 404)
    }
}
