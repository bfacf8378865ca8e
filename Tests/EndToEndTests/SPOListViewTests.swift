import Foundation
import XCTest

/// `m365 spo list view …`, `spo list webhook …` and `spo list sitescript get` end to end: the
/// requests CLI for Microsoft 365 sends, against the emulator's views, view fields, webhook
/// subscriptions and site-script extraction. Each test makes its own list and removes it.
final class SPOListViewTests: SPOTestCase {
    /// A list of its own: `Lists/<title>` on the root site.
    func makeList(_ prefix: String, template: String = "GenericList") throws -> (title: String, id: String) {
        let title = "\(prefix) \(UUID().uuidString.prefix(8))"
        let created = try object(["list", "add", "--webUrl", Self.root, "--title", title, "--baseTemplate", template])
        let id = try XCTUnwrap(created["Id"] as? String)
        addTeardownBlock { [self] in _ = try? spo(["list", "remove", "--webUrl", Self.root, "--id", id, "--force"]) }
        return (title, id)
    }

    /// The list's URL below the site: SharePoint leaves the spaces of the title out.
    func listURL(_ title: String) -> String { "/Lists/" + title.replacingOccurrences(of: " ", with: "") }

    /// `'It''s'`, percent-encoded as the CLI writes a title into a path (`%20` for a space).
    func pathLiteral(_ text: String) -> String {
        "'" + (text.replacingOccurrences(of: "'", with: "''").addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~'"))) ?? text) + "'"
    }

    /// Runs `arguments` with `--debug`: stdout and the JSON bodies sent, in order.
    func traced(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> (String, [[String: Any]]) {
        let result = try spo(arguments + ["--debug"])
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        let bodies = result.stderr.split(separator: "\n").compactMap { line -> [String: Any]? in
            guard let start = line.range(of: "> {") else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(line[line.index(after: start.lowerBound)...].utf8)) as? [String: Any]
        }
        return (result.stdout, bodies)
    }

    /// Method and path of each SharePoint request below `/_api/` (context info left out).
    func sent(_ prefix: String = "/_api/") throws -> [String] {
        try spRequests(prefix).compactMap { r in
            let path = r["path"] as? String ?? "", query = r["query"] as? String ?? ""
            if path.hasSuffix("/_api/contextinfo") { return nil }
            return "\(r["method"] as? String ?? "") \(path)\(query.isEmpty ? "" : "?" + query)"
        }
    }

    func clearRequests() throws { try emulator.admin("requests", method: "DELETE") }

    /// A command the CLI refuses before sending anything: exit 2 and exactly `message` as the
    /// error (the help hint after it).
    func refused(_ arguments: [String], exit: Int32 = 2, _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try harness.run(["spo"] + arguments)
        XCTAssertEqual(result.status, exit, result.stderr, file: file, line: line)
        XCTAssertEqual(result.stdout, "", file: file, line: line)
        let error = result.stderr.components(separatedBy: "\nRun 'm365 ").first ?? ""
        XCTAssertEqual(error, "Error: " + message, file: file, line: line)
    }

    /// A view's fields as the emulator's `ViewFields` answers them (`m365 request`).
    func viewFields(_ list: String, view: String) throws -> [String] {
        let url = "\(Self.root)/_api/web/lists/GetByTitle(\(pathLiteral(list)))/views/GetByTitle(\(pathLiteral(view)))/ViewFields"
        let result = try m365(["request", "--url", url, "--accept", "application/json;odata=nometadata"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let answer = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let items = try XCTUnwrap(answer["Items"] as? [String])
        XCTAssertEqual(answer["SchemaXml"] as? String, items.map { "<FieldRef Name=\"\($0)\" />" }.joined(), "the schema lists the same fields in order")
        return items
    }

    // MARK: Views

    func testViewListAddGetSetRemove() throws {
        let (title, listId) = try makeList("Views")
        let listPath = "/_api/web/lists/GetByTitle(\(pathLiteral(title)))"

        // A new list has its default view: All Items, showing LinkTitle.
        try clearRequests()
        let views = try array(["list", "view", "list", "--webUrl", Self.root, "--listTitle", title])
        XCTAssertEqual(try sent(), ["GET \(listPath)/views"])
        XCTAssertEqual(views.compactMap { $0["Title"] as? String }, ["All Items"])
        let allItems = try XCTUnwrap(views.first)
        XCTAssertEqual(allItems["DefaultView"] as? Bool, true)
        XCTAssertEqual(allItems["ServerRelativeUrl"] as? String, listURL(title) + "/AllItems.aspx")
        XCTAssertEqual(Array((allItems as NSDictionary).allKeys.compactMap { $0 as? String }).count, 48, "every SP.View property")

        // view add: the CLI's ViewCreationInformation; the new view in the answer.
        try clearRequests()
        let (out, bodies) = try traced(["list", "view", "add", "--webUrl", Self.root, "--listTitle", title, "--title", "Recent",
                                        "--fields", "Title, Modified", "--viewQuery", "<OrderBy><FieldRef Name=\"Modified\" Ascending=\"FALSE\" /></OrderBy>",
                                        "--rowLimit", "50"])
        XCTAssertEqual(try sent(), ["POST /_api/web/lists/getByTitle(\(pathLiteral(title)))/views/add"], "getByTitle, as the CLI spells it here")
        let parameters = try XCTUnwrap(bodies.first?["parameters"] as? [String: Any])
        XCTAssertEqual(parameters["Title"] as? String, "Recent")
        XCTAssertEqual((parameters["ViewFields"] as? [String: Any])?["results"] as? [String], ["Title", "Modified"], "trimmed, in order")
        XCTAssertEqual(parameters["PersonalView"] as? Bool, false)
        XCTAssertEqual(parameters["SetAsDefaultView"] as? Bool, false)
        XCTAssertEqual(parameters["Paged"] as? Bool, true)
        XCTAssertEqual(parameters["RowLimit"] as? Int, 50)
        XCTAssertNil(parameters["CustomFormatter"], "not sent when not given")
        let added = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let viewId = try XCTUnwrap(added["Id"] as? String)
        XCTAssertEqual(added["Title"] as? String, "Recent")
        XCTAssertEqual(added["RowLimit"] as? Int, 50)
        XCTAssertEqual(added["DefaultView"] as? Bool, false)
        XCTAssertEqual(added["ViewQuery"] as? String, "<OrderBy><FieldRef Name=\"Modified\" Ascending=\"FALSE\" /></OrderBy>")
        XCTAssertEqual(added["ServerRelativeUrl"] as? String, listURL(title) + "/Recent.aspx")
        XCTAssertTrue((added["HtmlSchemaXml"] as? String ?? "").contains("<ViewFields><FieldRef Name=\"Title\" /><FieldRef Name=\"Modified\" /></ViewFields>"))
        XCTAssertEqual(try viewFields(title, view: "Recent"), ["Title", "Modified"])

        // A second view of the same title gets a numbered page; --default moves the default.
        let again = try object(["list", "view", "add", "--webUrl", Self.root, "--listUrl", String(listURL(title).dropFirst()), "--title", "Recent",
                                "--fields", "LinkTitle", "--default"])
        XCTAssertEqual(again["ServerRelativeUrl"] as? String, listURL(title) + "/Recent2.aspx")
        XCTAssertEqual(again["DefaultView"] as? Bool, true)
        let defaults = try array(["list", "view", "list", "--webUrl", Self.root, "--listTitle", title]).filter { $0["DefaultView"] as? Bool == true }
        XCTAssertEqual(defaults.compactMap { $0["Id"] as? String }, [again["Id"] as? String].compactMap { $0 }, "one default view")

        let text = try spo(["list", "view", "list", "--webUrl", Self.root, "--listId", listId, "--output", "text"]).stdout
        XCTAssertEqual(header(text), ["Id", "Title", "DefaultView", "Hidden", "BaseViewId"])
        XCTAssertTrue(text.contains("All Items") && text.contains("Recent"), text)

        // view get: by title, id and list URL; the CLI's paths.
        try clearRequests()
        XCTAssertEqual(try object(["list", "view", "get", "--webUrl", Self.root, "--listTitle", title, "--title", "Recent"])["Id"] as? String, viewId)
        XCTAssertEqual(try object(["list", "view", "get", "--webUrl", Self.root, "--listId", listId, "--id", viewId])["Title"] as? String, "Recent")
        XCTAssertEqual(try object(["list", "view", "get", "--webUrl", Self.root, "--listUrl", listURL(title), "--id", viewId])["RowLimit"] as? Int, 50)
        let encodedURL = listURL(title).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        XCTAssertEqual(try sent(), ["GET /_api/web/lists/getByTitle(\(pathLiteral(title)))/views/getByTitle('Recent')",
                                    "GET /_api/web/lists(guid'\(listId)')/views/getById('\(viewId)')",
                                    "GET /_api/web/GetList('\(encodedURL)')/views/getById('\(viewId)')"])

        // view set: every undeclared option is a property, sent as PATCH with the site's digest.
        try clearRequests()
        let (_, setBodies) = try traced(["list", "view", "set", "--webUrl", Self.root, "--listTitle", title, "--id", viewId,
                                         "--Title", "Latest", "--RowLimit", "10", "--ViewQuery", "<OrderBy><FieldRef Name=\"ID\" /></OrderBy>",
                                         "--TabularView", "false", "--JSLink", "007"])
        XCTAssertEqual(try sent(), ["PATCH \(listPath)/views/GetById('\(viewId)')"])
        XCTAssertEqual(setBodies.first?["Title"] as? String, "Latest")
        XCTAssertEqual(setBodies.first?["RowLimit"] as? Int, 10, "a number, as the CLI's parser makes it")
        XCTAssertFalse(setBodies.first?["RowLimit"] is String)
        XCTAssertEqual(setBodies.first?["TabularView"] as? String, "false", "true/false stay text: the parser has no type for them")
        XCTAssertEqual(setBodies.first?["JSLink"] as? String, "007", "a leading zero keeps the text")
        XCTAssertEqual(setBodies.first?["ViewQuery"] as? String, "<OrderBy><FieldRef Name=\"ID\" /></OrderBy>")
        XCTAssertEqual(setBodies.first?.count, 5)
        let patch = try XCTUnwrap(try spRequests(listPath + "/views").first)
        XCTAssertNotNil((patch["headers"] as? [String: Any])?["x-requestdigest"], "the CLI sends the site's digest with the PATCH")
        let updated = try object(["list", "view", "get", "--webUrl", Self.root, "--listTitle", title, "--id", viewId])
        XCTAssertEqual(updated["Title"] as? String, "Latest")
        XCTAssertEqual(updated["RowLimit"] as? Int, 10)
        XCTAssertEqual(updated["ViewQuery"] as? String, "<OrderBy><FieldRef Name=\"ID\" /></OrderBy>")
        XCTAssertEqual(updated["TabularView"] as? Bool, false, "SharePoint reads the Boolean from the text")
        XCTAssertEqual(updated["JSLink"] as? String, "007")
        XCTAssertEqual(updated["ServerRelativeUrl"] as? String, listURL(title) + "/Recent.aspx", "a new title keeps the page")
        XCTAssertTrue((updated["ListViewXml"] as? String ?? "").contains("<RowLimit Paged=\"TRUE\">10</RowLimit>"))
        try fails(["list", "view", "set", "--webUrl", Self.root, "--listTitle", title, "--id", viewId, "--Bogus", "1"],
                  "The property 'Bogus' does not exist on type 'SP.View'")

        // view remove: a tunnelled DELETE; the view is gone.
        try clearRequests()
        try spo(["list", "view", "remove", "--webUrl", Self.root, "--listTitle", title, "--id", viewId, "--force"])
        let removal = try spRequests(listPath + "/views")
        XCTAssertEqual(removal.compactMap { $0["path"] as? String }, ["\(listPath)/views(guid'\(viewId)')"])
        XCTAssertEqual(removal.first?["method"] as? String, "POST")
        XCTAssertEqual((removal.first?["headers"] as? [String: Any])?["x-http-method"] as? String, "DELETE")
        try fails(["list", "view", "get", "--webUrl", Self.root, "--listTitle", title, "--id", viewId], "The specified view is invalid.")
        try spo(["list", "view", "remove", "--webUrl", Self.root, "--listTitle", title, "--title", "All Items", "--force"])
        XCTAssertEqual(try array(["list", "view", "list", "--webUrl", Self.root, "--listTitle", title]).compactMap { $0["Title"] as? String }, ["Recent"])
        try fails(["list", "view", "remove", "--webUrl", Self.root, "--listTitle", title, "--title", "Recent", "--force"],
                  "A default view cannot be deleted.")
        try fails(["list", "view", "remove", "--webUrl", Self.root, "--listTitle", title, "--title", "Recent"], exit: 2, "--force")
    }

    func testViewErrorsAsSharePointAndTheCLIGiveThem() throws {
        let (title, _) = try makeList("ViewErrors")
        // SharePoint's answers: no such list, view or column.
        try fails(["list", "view", "list", "--webUrl", Self.root, "--listTitle", "Nope \(title)"],
                  "List 'Nope \(title)' does not exist at site with URL 'https://contoso.sharepoint.com'.")
        try fails(["list", "view", "get", "--webUrl", Self.root, "--listId", "7b1b5b7e-0000-4000-8000-000000000000", "--title", "All Items"],
                  "List does not exist.")
        try fails(["list", "view", "get", "--webUrl", Self.root, "--listTitle", title, "--title", "Nope"], "The specified view is invalid.")
        try fails(["list", "view", "add", "--webUrl", Self.root, "--listTitle", title, "--title", "Bad", "--fields", "Title,NoSuchField"],
                  "Column 'NoSuchField' does not exist. It may have been deleted by another user.")
        XCTAssertEqual(try array(["list", "view", "list", "--webUrl", Self.root, "--listTitle", title]).count, 1, "a refused view is not made")

        // The CLI's checks, before any request.
        try clearRequests()
        try fails(["list", "view", "add", "--webUrl", Self.root, "--listTitle", title, "--title", "X"], exit: 2, "When type is not calendar, do specify fields.")
        try fails(["list", "view", "add", "--webUrl", Self.root, "--listTitle", title, "--title", "X", "--fields", "Title", "--personal", "--default"],
                  exit: 2, "Default view cannot be a personal view.")
        try fails(["list", "view", "add", "--webUrl", Self.root, "--listTitle", title, "--title", "X", "--fields", "Title", "--customFormatter", "{nope"],
                  exit: 2, "Custom formatter must be a valid JSON string.")
        try refused(["list", "view", "add", "--webUrl", Self.root, "--listTitle", title, "--title", "X", "--fields", "Title", "--rowLimit", "0"],
                    "rowLimit: Too small: expected number to be >0")
        try refused(["list", "view", "add", "--webUrl", Self.root, "--listTitle", title, "--title", "X", "--fields", "Title", "--rowLimit", "2.5"],
                    "rowLimit: Invalid input: expected int, received number")
        try refused(["list", "view", "add", "--webUrl", Self.root, "--listId", "nope", "--title", "X", "--fields", "Title"], "listId: Invalid UUID")
        try fails(["list", "view", "add", "--webUrl", Self.root, "--listTitle", title, "--title", "X", "--type", "calendar",
                   "--calendarStartDateField", "Created"], exit: 2,
                  "When type is calendar, do specify calendarStartDateField, calendarEndDateField, and calendarTitleField.")
        try fails(["list", "view", "add", "--webUrl", Self.root, "--listTitle", title, "--title", "X", "--fields", "Title", "--kanbanBucketField", "Title"],
                  exit: 2, "When type is not kanban, do not specify kanbanBucketField.")
        // Each command words a bad GUID as the CLI's does.
        let guid = "7b1b5b7e-0000-4000-8000-000000000000"
        try refused(["list", "view", "get", "--webUrl", Self.root, "--listTitle", title, "--id", "nope"], "nope in option id is not a valid GUID")
        try refused(["list", "view", "get", "--webUrl", Self.root, "--listId", "bad", "--id", "nope"], "bad in option listId is not a valid GUID")
        try refused(["list", "view", "set", "--webUrl", Self.root, "--listTitle", title, "--id", "nope", "--Title", "X"], "nope in option id is not a valid GUID")
        try refused(["list", "view", "set", "--webUrl", Self.root, "--listId", "bad", "--title", "A", "--Title", "X"], "bad in option listId is not a valid GUID")
        try refused(["list", "view", "list", "--webUrl", Self.root, "--listId", "bad"], "bad is not a valid GUID")
        try refused(["list", "view", "remove", "--webUrl", Self.root, "--listTitle", title, "--id", "nope", "--force"], "nope is not a valid GUID")
        try refused(["list", "view", "field", "add", "--webUrl", Self.root, "--listTitle", title, "--viewId", "v1", "--title", "Title"], "v1 is not a valid GUID")
        try refused(["list", "view", "field", "set", "--webUrl", Self.root, "--listTitle", title, "--viewTitle", "A", "--id", "f1", "--position", "0"],
                    "f1 is not a valid GUID")
        // field remove names the view id's value when the field id is bad (as the CLI does).
        try refused(["list", "view", "field", "remove", "--webUrl", Self.root, "--listTitle", title, "--viewTitle", "A", "--id", "f1", "--force"],
                    "undefined is not a valid GUID")
        try refused(["list", "view", "field", "remove", "--webUrl", Self.root, "--listTitle", title, "--viewId", guid, "--id", "f1", "--force"],
                    "\(guid) is not a valid GUID")
        try refused(["list", "sitescript", "get", "--webUrl", Self.root, "--listId", "bad"], "bad is not a valid GUID")
        try fails(["list", "view", "get", "--webUrl", Self.root, "--listTitle", title, "--listId", guid, "--title", "A"],
                  exit: 2, "listId")
        try refused(["list", "view", "field", "set", "--webUrl", Self.root, "--listTitle", title, "--viewTitle", "All Items", "--title", "Title",
                     "--position", "first"], "first is not a number")
        try refused(["list", "view", "field", "set", "--webUrl", Self.root, "--listTitle", title, "--viewTitle", "All Items", "--title", "Title",
                     "--position", "x1"], "x1 is not a number")
        XCTAssertEqual(try sent(), [], "nothing is sent for bad input")
    }

    /// Calendar, gallery and kanban views: the bodies the CLI builds for each type.
    func testViewTypesSendTheCLIsParameters() throws {
        let (title, _) = try makeList("ViewTypes")
        let (_, calendarBodies) = try traced(["list", "view", "add", "--webUrl", Self.root, "--listTitle", title, "--title", "Calendar",
                                              "--type", "calendar", "--calendarStartDateField", "Created", "--calendarEndDateField", "Modified",
                                              "--calendarTitleField", "Title", "--calendarDefaultLayout", "week", "--fields", "Author,Created"])
        let calendar = try XCTUnwrap(calendarBodies.first?["parameters"] as? [String: Any])
        XCTAssertEqual((calendar["ViewFields"] as? [String: Any])?["results"] as? [String], ["Created", "Modified", "Title", "Author"])
        XCTAssertEqual(calendar["ViewType2"] as? String, "MODERNCALENDAR")
        XCTAssertEqual(calendar["Query"] as? String,
                       "<Where><DateRangesOverlap><FieldRef Name='Created' /><FieldRef Name='Modified' /><Value Type='DateTime'><Month /></Value></DateRangesOverlap></Where>")
        XCTAssertTrue((calendar["CalendarViewStyles"] as? String ?? "").contains("<CalendarViewStyle Title=\"Week\" Type=\"week\" Template=\"CalendarViewweekChrome\" Sequence=\"2\" Default=\"TRUE\" />"))
        XCTAssertTrue((calendar["ViewData"] as? String ?? "").hasPrefix("<FieldRef Name=\"Title\" Type=\"CalendarMonthTitle\" />"))
        let stored = try object(["list", "view", "get", "--webUrl", Self.root, "--listTitle", title, "--title", "Calendar"])
        XCTAssertEqual(stored["ViewType2"] as? String, "MODERNCALENDAR")
        XCTAssertEqual(try viewFields(title, view: "Calendar"), ["Created", "Modified", "Title", "Author"])

        let (kanbanOut, kanbanBodies) = try traced(["list", "view", "add", "--webUrl", Self.root, "--listTitle", title, "--title", "Board",
                                                    "--type", "kanban", "--kanbanBucketField", "Editor", "--fields", "Title"])
        let kanban = try XCTUnwrap(kanbanBodies.first?["parameters"] as? [String: Any])
        XCTAssertEqual((kanban["ViewFields"] as? [String: Any])?["results"] as? [String], ["Title", "Editor"], "the bucket field joins the view")
        XCTAssertEqual(kanban["CustomFormatter"] as? String, "{}")
        XCTAssertEqual(kanban["ViewData"] as? String, "<FieldRef Name=\"Editor\" Type=\"KanbanPivotColumn\" />")
        XCTAssertEqual(kanban["ViewType2"] as? String, "KANBAN")
        XCTAssertTrue(kanbanOut.contains("\"ViewType2\": \"KANBAN\""), kanbanOut)

        let gallery = try object(["list", "view", "add", "--webUrl", Self.root, "--listTitle", title, "--title", "Tiles", "--type", "gallery",
                                  "--fields", "Title", "--paged", "false", "--personal"])
        XCTAssertEqual(gallery["ViewType2"] as? String, "TILES")
        XCTAssertEqual(gallery["Paged"] as? Bool, false)
        XCTAssertEqual(gallery["PersonalView"] as? Bool, true)

        // A personal view is its creator's: another user neither lists nor finds it.
        let adele = try adeleHarness()
        defer { adele.cleanUp() }
        let theirs = try adele.run(["spo", "list", "view", "list", "--webUrl", Self.root, "--listTitle", title, "--output", "json"])
        XCTAssertEqual(theirs.status, 0, theirs.stderr)
        let titles = (try JSONSerialization.jsonObject(with: Data(theirs.stdout.utf8)) as? [[String: Any]] ?? []).compactMap { $0["Title"] as? String }
        XCTAssertEqual(titles, ["All Items", "Calendar", "Board"])
        try fails(["list", "view", "get", "--webUrl", Self.root, "--listTitle", title, "--title", "Tiles"], "The specified view is invalid.", harness: adele)
        XCTAssertEqual(try object(["list", "view", "get", "--webUrl", Self.root, "--listTitle", title, "--title", "Tiles"])["Id"] as? String,
                       gallery["Id"] as? String, "its creator finds it")
    }

    // MARK: View fields

    func testViewFieldAddSetRemove() throws {
        let (title, listId) = try makeList("ViewFields")
        let listPath = "/_api/web/lists/GetByTitle(\(pathLiteral(title)))"
        XCTAssertEqual(try viewFields(title, view: "All Items"), ["LinkTitle"])
        let allItems = try XCTUnwrap(try object(["list", "view", "get", "--webUrl", Self.root, "--listTitle", title, "--title", "All Items"])["Id"] as? String)
        let modifiedId = "28cf69c5-fa48-462a-b5cd-27b6f9d2bd5f"

        // field add: the field looked up (by title or id), added at the end, then moved when a position is given.
        try clearRequests()
        try spo(["list", "view", "field", "add", "--webUrl", Self.root, "--listTitle", title, "--viewTitle", "All Items", "--title", "Created By"])
        XCTAssertEqual(try sent(), ["GET \(listPath)/fields/getbyinternalnameortitle('Created%20By')",
                                    "POST \(listPath)/views/GetByTitle('All%20Items')/viewfields/addviewfield('Author')"])
        XCTAssertEqual(try viewFields(title, view: "All Items"), ["LinkTitle", "Author"])
        try clearRequests()
        let (_, moves) = try traced(["list", "view", "field", "add", "--webUrl", Self.root, "--listId", listId, "--viewId", allItems,
                                     "--id", modifiedId, "--position", "0"])
        XCTAssertEqual(try sent(), ["GET /_api/web/lists(guid'\(listId)')/fields/getbyid('\(modifiedId)')",
                                    "POST /_api/web/lists(guid'\(listId)')/views('\(allItems)')/viewfields/addviewfield('Modified')",
                                    "POST /_api/web/lists(guid'\(listId)')/views('\(allItems)')/viewfields/moveviewfieldto"])
        XCTAssertEqual(moves.last?["field"] as? String, "Modified")
        XCTAssertEqual(moves.last?["index"] as? Int, 0)
        XCTAssertEqual(moves.last?.count, 2)
        XCTAssertEqual(try viewFields(title, view: "All Items"), ["Modified", "LinkTitle", "Author"])

        // field set: a move only.
        try clearRequests()
        try spo(["list", "view", "field", "set", "--webUrl", Self.root, "--listUrl", String(listURL(title).dropFirst()), "--viewTitle", "All Items",
                 "--title", "Modified", "--position", "2"])
        let byURL = "/_api/web/GetList('\(listURL(title).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)')"
        XCTAssertEqual(try sent(), ["GET \(byURL)/fields/getbyinternalnameortitle('Modified')",
                                    "POST \(byURL)/views/GetByTitle('All%20Items')/viewfields/moveviewfieldto"])
        XCTAssertEqual(try viewFields(title, view: "All Items"), ["LinkTitle", "Author", "Modified"])
        try fails(["list", "view", "field", "set", "--webUrl", Self.root, "--listTitle", title, "--viewTitle", "All Items", "--title", "Modified",
                   "--position", "9"], "Specified argument was out of the range of valid values.")
        try fails(["list", "view", "field", "set", "--webUrl", Self.root, "--listTitle", title, "--viewTitle", "All Items", "--title", "ID",
                   "--position", "0"], "Column 'ID' does not exist.")

        // --position as the CLI reads it: parseInt takes `1.5` and `01`; the parser sends 1.5 as a
        // number (SharePoint wants an Int32) and `01` as text (SharePoint reads 1 from it).
        try clearRequests()
        let (_, textual) = try traced(["list", "view", "field", "set", "--webUrl", Self.root, "--listTitle", title, "--viewTitle", "All Items",
                                       "--title", "Modified", "--position", "01"])
        XCTAssertEqual(textual.last?["index"] as? String, "01")
        XCTAssertEqual(try viewFields(title, view: "All Items"), ["LinkTitle", "Modified", "Author"])
        let fraction = try harness.run(["spo", "list", "view", "field", "set", "--webUrl", Self.root, "--listTitle", title, "--viewTitle", "All Items",
                                "--title", "Modified", "--position", "1.5", "--debug"])
        XCTAssertEqual(fraction.status, 1, fraction.stderr)
        XCTAssertTrue(fraction.stderr.contains(#"{"field":"Modified","index":1.5}"#), "sent as a number: \(fraction.stderr)")
        XCTAssertTrue(fraction.stderr.contains("Error: Cannot convert a primitive value to the expected type 'Edm.Int32'. See the inner exception for more details."),
                      fraction.stderr)
        try clearRequests()
        try refused(["list", "view", "field", "add", "--webUrl", Self.root, "--listTitle", title, "--viewTitle", "All Items", "--title", "Modified",
                     "--position", "-"], "- is not a number")
        XCTAssertEqual(try sent(), [])

        // field remove.
        try clearRequests()
        try spo(["list", "view", "field", "remove", "--webUrl", Self.root, "--listTitle", title, "--viewId", allItems, "--title", "Author", "--force"])
        XCTAssertEqual(try sent().last, "POST \(listPath)/views('\(allItems)')/viewfields/removeviewfield('Author')")
        XCTAssertEqual(try viewFields(title, view: "All Items"), ["LinkTitle", "Modified"])
        try fails(["list", "view", "field", "remove", "--webUrl", Self.root, "--listTitle", title, "--viewId", allItems, "--title", "Author"],
                  exit: 2, "--force")

        // A field or view the list does not have: SharePoint's answers.
        try fails(["list", "view", "field", "add", "--webUrl", Self.root, "--listTitle", title, "--viewTitle", "All Items", "--title", "NoSuchField"],
                  "Error: Column 'NoSuchField' does not exist. It may have been deleted by another user.\n")
        try fails(["list", "view", "field", "add", "--webUrl", Self.root, "--listTitle", title, "--viewTitle", "Nope", "--title", "Title"],
                  "The specified view is invalid.")
    }

    // MARK: Webhooks

    /// `YYYY-MM-DD` `days` from today (UTC).
    func day(_ days: Int) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: Date().addingTimeInterval(Double(days) * 86400))
    }

    func testWebhookAddListGetSetRemove() throws {
        let (title, listId) = try makeList("Hooks")
        let hooks = "/_api/web/lists/GetByTitle(\(pathLiteral(title)))/Subscriptions"
        try clearRequests()
        XCTAssertEqual(try array(["list", "webhook", "list", "--webUrl", Self.root, "--listTitle", title]).count, 0)
        XCTAssertEqual(try sent(), ["GET \(hooks)"])

        // add: the CLI's body (the resource as the user named the list, 180 days by default); SharePoint's answer.
        try clearRequests()
        let (out, bodies) = try traced(["list", "webhook", "add", "--webUrl", Self.root, "--listTitle", title,
                                        "--notificationUrl", "https://contoso-functions.azurewebsites.net/api/webhook", "--clientState", "first"])
        XCTAssertEqual(try sent(), ["POST \(hooks)"])
        let body = try XCTUnwrap(bodies.first)
        XCTAssertEqual(body["resource"] as? String, title)
        XCTAssertEqual(body["notificationUrl"] as? String, "https://contoso-functions.azurewebsites.net/api/webhook")
        XCTAssertEqual(body["clientState"] as? String, "first")
        let expires = try XCTUnwrap(body["expirationDateTime"] as? String)
        XCTAssertTrue(expires.hasPrefix(day(180)) || expires.hasPrefix(day(179)), expires)
        XCTAssertTrue(expires.hasSuffix("Z") && expires.count == 24, "toISOString's form: \(expires)")
        let first = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        XCTAssertEqual(Array(first.keys).sorted(), ["clientState", "expirationDateTime", "id", "notificationUrl", "resource", "resourceData"])
        XCTAssertEqual(first["resource"] as? String, listId, "SharePoint names the list by its id")
        XCTAssertTrue(first["resourceData"] is NSNull)
        XCTAssertTrue((first["expirationDateTime"] as? String ?? "").hasSuffix("0000Z"), "seven fractional digits")
        let firstId = try XCTUnwrap(first["id"] as? String)

        let (_, dated) = try traced(["list", "webhook", "add", "--webUrl", Self.root, "--listId", listId,
                                     "--notificationUrl", "https://hooks.contoso.com/sp", "--expirationDateTime", day(30)])
        XCTAssertEqual(dated.first?["expirationDateTime"] as? String, "\(day(30))T00:00:00.000Z")
        XCTAssertEqual(dated.first?["resource"] as? String, listId)
        XCTAssertNil(dated.first?["clientState"], "no client state, none sent")

        // list: both; a webhook without a client state shows an empty one; text shows the CLI's columns.
        let listed = try array(["list", "webhook", "list", "--webUrl", Self.root, "--listId", listId])
        XCTAssertEqual(listed.count, 2)
        XCTAssertEqual(listed.first { $0["id"] as? String != firstId }?["clientState"] as? String, "")
        let text = try spo(["list", "webhook", "list", "--webUrl", Self.root, "--listTitle", title, "--output", "text"]).stdout
        XCTAssertEqual(header(text), ["id", "clientState", "expirationDateTime", "resource"])

        // get, by each list option.
        try clearRequests()
        XCTAssertEqual(try object(["list", "webhook", "get", "--webUrl", Self.root, "--listUrl", String(listURL(title).dropFirst()), "--id", firstId])["clientState"] as? String, "first")
        XCTAssertEqual(try object(["list", "webhook", "get", "--webUrl", Self.root, "-t", title, "-i", firstId])["id"] as? String, firstId)
        let encodedURL = listURL(title).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        XCTAssertEqual(try sent(), ["GET /_api/web/GetList('\(encodedURL)')/Subscriptions('\(firstId)')", "GET \(hooks)('\(firstId)')"])

        // set: a PATCH of what was given; SharePoint checks the expiration.
        try clearRequests()
        let (_, changes) = try traced(["list", "webhook", "set", "--webUrl", Self.root, "--listTitle", title, "--id", firstId,
                                       "--clientState", "second", "--expirationDateTime", day(60)])
        XCTAssertEqual(try sent(), ["PATCH \(hooks)('\(firstId)')"])
        XCTAssertEqual(changes.first?["clientState"] as? String, "second")
        XCTAssertEqual(changes.first?["expirationDateTime"] as? String, day(60), "sent as given")
        XCTAssertNil(changes.first?["notificationUrl"])
        let changed = try object(["list", "webhook", "get", "--webUrl", Self.root, "--listTitle", title, "--id", firstId])
        XCTAssertEqual(changed["clientState"] as? String, "second")
        XCTAssertTrue((changed["expirationDateTime"] as? String ?? "").hasPrefix(day(60)))
        try fails(["list", "webhook", "set", "--webUrl", Self.root, "--listTitle", title, "--id", firstId, "--expirationDateTime", day(-2)],
                  "The specified expiration date is invalid. Should be greater than today and within 6 months")
        try fails(["list", "webhook", "set", "--webUrl", Self.root, "--listTitle", title, "--id", firstId, "--expirationDateTime", day(200)],
                  "The specified expiration date is invalid.")
        try fails(["list", "webhook", "set", "--webUrl", Self.root, "--listTitle", title, "--id", firstId, "--notificationUrl", "https://hooks.invalid/x"],
                  "Failed to validate the notification URL 'https://hooks.invalid/x'.")

        // remove: a DELETE; the webhook is gone.
        try clearRequests()
        try spo(["list", "webhook", "remove", "--webUrl", Self.root, "--listTitle", title, "--id", firstId, "--force"])
        XCTAssertEqual(try sent(), ["DELETE \(hooks)('\(firstId)')"])
        try fails(["list", "webhook", "get", "--webUrl", Self.root, "--listTitle", title, "--id", firstId], "Cannot find resource for the request Subscriptions.")
        try fails(["list", "webhook", "remove", "--webUrl", Self.root, "--listTitle", title, "--id", firstId], exit: 2, "--force")
        XCTAssertEqual(try array(["list", "webhook", "list", "--webUrl", Self.root, "--listTitle", title]).count, 1)
    }

    func testWebhookExpiresAndBadInput() throws {
        let (title, _) = try makeList("HookChecks")
        let added = try object(["list", "webhook", "add", "--webUrl", Self.root, "--listTitle", title, "--notificationUrl", "https://hooks.contoso.com/sp"])
        let id = try XCTUnwrap(added["id"] as? String)
        // (That a webhook is gone once it expires is SharePointViewTests' to show: it moves the emulator's clock.)

        // The emulator makes no validation call: what could never answer one fails as SharePoint says.
        try fails(["list", "webhook", "add", "--webUrl", Self.root, "--listTitle", title, "--notificationUrl", "ftp://hooks.contoso.com/sp"],
                  "Failed to validate the notification URL 'ftp://hooks.contoso.com/sp'.")
        try fails(["list", "webhook", "add", "--webUrl", Self.root, "--listTitle", "Nope \(title)", "--notificationUrl", "https://hooks.contoso.com/sp"],
                  "List 'Nope \(title)' does not exist at site with URL 'https://contoso.sharepoint.com'.")

        // The CLI's checks, before any request.
        try clearRequests()
        try fails(["list", "webhook", "add", "--webUrl", Self.root, "--listTitle", title, "--notificationUrl", "https://h.contoso.com",
                   "--expirationDateTime", day(181)], exit: 2, "Provide an expiration date which is a date time in the future and within 6 months from now")
        // The formats one a line, as each command prints them.
        try refused(["list", "webhook", "add", "--webUrl", Self.root, "--listTitle", title, "--notificationUrl", "https://h.contoso.com",
                     "--expirationDateTime", "tomorrow"], """
                    Provide the date in one of the following formats:
                              'YYYY-MM-DD'
                              'YYYY-MM-DDThh:mm'
                              'YYYY-MM-DDThh:mmZ'
                              'YYYY-MM-DDThh:mm±hh:mm'
                    """)
        try refused(["list", "webhook", "set", "--webUrl", Self.root, "--listTitle", title, "--id", id, "--expirationDateTime", "soon"], """
                    soon is not a valid date format. Provide the date in one of the following formats:
                          YYYY-MM-DD
                          YYYY-MM-DDThh:mm
                          YYYY-MM-DDThh:mmZ
                          YYYY-MM-DDThh:mm±hh:mm
                    """)
        try refused(["list", "webhook", "set", "--webUrl", Self.root, "--listTitle", title, "--id", id],
                    "Specify notificationUrl, expirationDateTime, clientState or multiple, at least one is required")
        try refused(["list", "webhook", "get", "--webUrl", Self.root, "--listTitle", title, "--id", "nope"], "nope is not a valid GUID")
        try refused(["list", "webhook", "get", "--webUrl", Self.root, "--listId", "bad", "--id", "nope"], "nope is not a valid GUID")
        try refused(["list", "webhook", "get", "--webUrl", Self.root, "--listId", "bad", "--id", id], "bad is not a valid GUID")
        try refused(["list", "webhook", "list", "--webUrl", Self.root, "--listId", "bad"], "bad is not a valid GUID")
        try refused(["list", "webhook", "add", "--webUrl", Self.root, "--listId", "bad", "--notificationUrl", "https://h.contoso.com"], "bad is not a valid GUID")
        try refused(["list", "webhook", "set", "--webUrl", Self.root, "--listTitle", title, "--id", "nope", "--clientState", "x"], "nope is not a valid GUID")
        try refused(["list", "webhook", "remove", "--webUrl", Self.root, "--listId", "bad", "--id", id, "--force"], "bad is not a valid GUID")
        try fails(["list", "webhook", "list", "--webUrl", Self.root], exit: 2, "listId")
        XCTAssertEqual(try sent(), [])
    }

    // MARK: Site scripts

    func testSiteScriptFromTheListsState() throws {
        let (title, listId) = try makeList("Scripted")
        let budget = try object(["field", "add", "--webUrl", Self.root, "--listTitle", title,
                                 "--xml", "<Field Type=\"Number\" DisplayName=\"Budget\" Name=\"Budget\" />"])
        let budgetId = try XCTUnwrap(budget["Id"] as? String)
        try spo(["list", "view", "add", "--webUrl", Self.root, "--listTitle", title, "--title", "Compact", "--fields", "Title,Budget", "--rowLimit", "5"])

        try clearRequests()
        let result = try spo(["list", "sitescript", "get", "--webUrl", Self.root, "--listTitle", title])
        XCTAssertEqual(result.status, 0, result.stderr)
        let requests = try sent()
        XCTAssertEqual(requests.count, 2)
        XCTAssertTrue(requests[0].hasPrefix("GET /_api/web/lists/GetByTitle(\(pathLiteral(title)))?") && requests[0].contains("expand=RootFolder"), requests[0])
        XCTAssertEqual(requests[1], "POST /_api/Microsoft_SharePoint_Utilities_WebTemplateExtensions_SiteScriptUtility_GetSiteScriptFromList")
        // JSON output: the script as SharePoint returns it, a JSON string (CRLF-indented).
        let text = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8), options: .fragmentsAllowed) as? String)
        XCTAssertTrue(text.contains("\r\n  \"actions\": ["), text)
        let script = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(script["$schema"] as? String, "https://developer.microsoft.com/json-schemas/sp/site-design-script-actions.schema.json")
        // The shape of the CLI's documented sample: createSPList with color and icon, the item
        // type's columns (Title, LinkTitle) and the list's own, Item with a reference per column,
        // Folder with none, then the views.
        let actions = try XCTUnwrap(script["actions"] as? [[String: Any]])
        XCTAssertEqual(actions.count, 1)
        let create = try XCTUnwrap(actions.first)
        XCTAssertTrue(text.hasPrefix("{\r\n  \"$schema\": \"https://developer.microsoft.com/json-schemas/sp/site-design-script-actions.schema.json\",\r\n  \"actions\": [\r\n    {\r\n      \"verb\": \"createSPList\",\r\n      \"listName\": "), text)
        XCTAssertTrue(text.contains("\"templateType\": 100,\r\n      \"color\": \"0\",\r\n      \"icon\": \"3\",\r\n      \"subactions\": ["), "the sample's order of keys")
        XCTAssertEqual(create["listName"] as? String, title)
        let subactions = try XCTUnwrap(create["subactions"] as? [[String: Any]])
        XCTAssertEqual(subactions.compactMap { $0["verb"] as? String },
                       ["addSPFieldXml", "addSPFieldXml", "addSPFieldXml", "addContentType", "addContentType", "addSPView", "addSPView"])
        let schemas = subactions.prefix(3).map { $0["schemaXml"] as? String ?? "" }
        XCTAssertTrue(schemas[0].contains("Name=\"Title\""), schemas[0])
        XCTAssertTrue(schemas[1].contains("Name=\"LinkTitle\""), schemas[1])
        XCTAssertTrue(schemas[2].contains("Name=\"Budget\""), "the list's own column: \(schemas[2])")
        XCTAssertEqual(subactions[3]["id"] as? String, "0x01", "named by the site content type")
        // (Whether `field add` links the new column to Item is the fields emulator's; the references
        // start with Title and the LinkTitle built on it either way.)
        XCTAssertEqual((subactions[3]["fieldRefsXml"] as? [String])?.prefix(2).map { $0 }, [
            "<FieldRef ID=\"{fa564e0f-0c70-4ab9-b863-0177e6ddd247}\" Name=\"Title\" />",
            "<FieldRef ID=\"{82642ec8-ef9b-478f-acf9-31f7d45fbc31}\" Name=\"LinkTitle\" DisplayName=\"Title\" ReadOnly=\"TRUE\" />",
        ])
        XCTAssertTrue(schemas[2].contains(budgetId), schemas[2])
        XCTAssertEqual(subactions[4]["name"] as? String, "Folder")
        XCTAssertEqual(subactions[4]["id"] as? String, "0x0120")
        XCTAssertNil(subactions[4]["fieldRefsXml"], "Folder carries no references")
        XCTAssertEqual(subactions[5]["name"] as? String, "All Items")
        XCTAssertEqual(subactions[5]["makeDefault"] as? Bool, true)
        XCTAssertEqual(subactions[5]["viewFields"] as? [String], ["LinkTitle"])
        XCTAssertEqual(subactions[6]["name"] as? String, "Compact")
        XCTAssertEqual(subactions[6]["viewFields"] as? [String], ["Title", "Budget"])
        XCTAssertEqual(subactions[6]["rowLimit"] as? Int, 5)
        XCTAssertEqual(subactions[6]["query"] as? String, "")
        XCTAssertEqual(subactions[6]["isPaged"] as? Bool, true)
        XCTAssertEqual(subactions[6]["formatterJSON"] as? String, "")
        XCTAssertEqual(subactions[6]["replaceViewFields"] as? Bool, true)

        // Text output: the script itself; by URL no list lookup is needed.
        try clearRequests()
        let plain = try spo(["list", "sitescript", "get", "--webUrl", Self.root, "--listUrl", String(listURL(title).dropFirst()), "--output", "text"]).stdout
        XCTAssertTrue(plain.hasPrefix("{"), plain)
        XCTAssertEqual(try sent(), ["POST /_api/Microsoft_SharePoint_Utilities_WebTemplateExtensions_SiteScriptUtility_GetSiteScriptFromList"])
        XCTAssertEqual(try spo(["list", "sitescript", "get", "--webUrl", Self.root, "--listId", listId]).stdout, result.stdout, "the same list, the same script")

        // A library (on the quick launch): its template and its own default view; no action beyond
        // createSPList (the sample shows none, so none is invented).
        let library = "ScriptLib\(UUID().uuidString.prefix(6))"
        let created = try object(["list", "add", "--webUrl", Self.root, "--title", library, "--baseTemplate", "DocumentLibrary", "--onQuickLaunch"])
        addTeardownBlock { [self] in _ = try? spo(["list", "remove", "--webUrl", Self.root, "--id", created["Id"] as? String ?? "", "--force"]) }
        let libraryText = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try spo(["list", "sitescript", "get", "--webUrl", Self.root,
                                                                                          "--listTitle", library]).stdout.utf8), options: .fragmentsAllowed) as? String)
        let libraryActions = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(libraryText.utf8)) as? [String: Any])?["actions"] as? [[String: Any]])
        XCTAssertEqual(libraryActions.first?["templateType"] as? Int, 101)
        let libraryViews = (libraryActions.first?["subactions"] as? [[String: Any]] ?? []).filter { $0["verb"] as? String == "addSPView" }
        XCTAssertEqual(libraryViews.first?["name"] as? String, "All Documents")
        XCTAssertEqual(libraryViews.first?["viewFields"] as? [String], ["DocIcon", "LinkFilename", "Modified", "Editor"])
        XCTAssertEqual(libraryActions.count, 1)

        try fails(["list", "sitescript", "get", "--webUrl", Self.root, "--listTitle", "Nope \(title)"],
                  "List 'Nope \(title)' does not exist at site with URL 'https://contoso.sharepoint.com'.")
        try fails(["list", "sitescript", "get", "--webUrl", Self.root, "--listUrl", "Lists/Nope"], "List does not exist.")
    }
}
