import Foundation
import XCTest

/// `m365 spo field add|get|list|set|remove` and `spo list defaultvalue clear|get|list|remove|set`
/// end to end: the requests CLI for Microsoft 365 sends, answered by the emulator's fields and
/// its library files, and default values applied to new items. Each test makes its own lists.
final class SPOFieldTests: SPOTestCase {
    /// `METHOD target` of the SharePoint requests since the last clear, the digest's left out.
    func sent() throws -> [String] {
        try spRequests().filter { !($0["path"] as? String ?? "").hasSuffix("/_api/contextinfo") }.map { "\($0["method"] ?? "") \($0["target"] ?? "")" }
    }

    func clearRequests() throws { try emulator.admin("requests", method: "DELETE") }

    /// The library's defaults file as stored.
    var defaultsPath = ""
    func defaultsFile() throws -> String {
        try spo(["file", "get", "--webUrl", Self.root, "--url", defaultsPath, "--asString", "--output", "text"]).stdout.trimmingCharacters(in: .newlines)
    }

    func unique(_ prefix: String) -> String { prefix + "-" + UUID().uuidString.prefix(8).lowercased() }

    func testListColumnAddGetListSetRemove() throws {
        let title = unique("Fld")
        try spo(["list", "add", "--webUrl", Self.root, "--title", title])
        defer { _ = try? spo(["list", "remove", "--webUrl", Self.root, "--title", title, "--force"]) }
        let list = ["--webUrl", Self.root, "--listTitle", title]

        // add: a choice column with its own internal name, in the default view.
        try clearRequests()
        let xml = "<Field Type=\"Choice\" DisplayName=\"Status\" Name=\"Status\" Group=\"PnP Columns\" ID=\"{3f2a9a41-5b7e-4d44-9c55-0d2b8f1a6e11}\"><Default>Open</Default><CHOICES><CHOICE>Open</CHOICE><CHOICE>Closed</CHOICE></CHOICES></Field>"
        let added = try object(["field", "add"] + list + ["--xml", xml, "--options", "AddFieldInternalNameHint,AddFieldToDefaultView"])
        XCTAssertEqual(try sent(), ["POST /_api/web/lists/getByTitle('\(title)')/fields/CreateFieldAsXml"])
        XCTAssertEqual(added["Id"] as? String, "3f2a9a41-5b7e-4d44-9c55-0d2b8f1a6e11")
        XCTAssertEqual(added["InternalName"] as? String, "Status")
        XCTAssertEqual(added["Title"] as? String, "Status")
        XCTAssertEqual(added["TypeAsString"] as? String, "Choice")
        XCTAssertEqual(added["FieldTypeKind"] as? Int, 6)
        XCTAssertEqual(added["Choices"] as? [String], ["Open", "Closed"])
        XCTAssertEqual(added["DefaultValue"] as? String, "Open")
        XCTAssertEqual(added["Group"] as? String, "PnP Columns")
        XCTAssertEqual(added["Scope"] as? String, "/Lists/\(title)")
        XCTAssertEqual(added["CanBeDeleted"] as? Bool, true)
        XCTAssertEqual(added["SchemaXml"] as? String,
                       "<Field Type=\"Choice\" DisplayName=\"Status\" Name=\"Status\" Group=\"PnP Columns\" ID=\"{3f2a9a41-5b7e-4d44-9c55-0d2b8f1a6e11}\" StaticName=\"Status\" Version=\"1\"><Default>Open</Default><CHOICES><CHOICE>Open</CHOICE><CHOICE>Closed</CHOICE></CHOICES></Field>")

        // Without AddFieldInternalNameHint a list column is named after its display name, as SharePoint does.
        let due = try object(["field", "add"] + list + ["--xml", "<Field Type=\"DateTime\" DisplayName=\"Due date\" Name=\"DueDate\" Format=\"DateOnly\" />"])
        XCTAssertEqual(due["InternalName"] as? String, "Due_x0020_date")
        XCTAssertEqual(due["DisplayFormat"] as? Int, 0)
        XCTAssertTrue((due["SchemaXml"] as? String ?? "").contains("Name=\"Due_x0020_date\""))

        try fails(["field", "add"] + list + ["--xml", xml, "--options", "AddFieldInternalNameHint"], "A duplicate field name \"Status\" was found.")
        try fails(["field", "add"] + list + ["--xml", "<Field Type=\"Bogus\" DisplayName=\"B\" Name=\"B\" />"],
                  "Field type Bogus is not installed properly. Go to the list settings page to delete this field.")
        try fails(["field", "add"] + list + ["--xml", xml, "--options", "Nope"], exit: 2,
                  "Nope is not a valid value for the options argument. Allowed values are DefaultValue|AddToDefaultContentType|AddToNoContentType|AddToAllContentTypes|AddFieldInternalNameHint|AddFieldToDefaultView|AddFieldCheckDisplayName")
        // As the CLI: an empty entry is no option name (the last wrong entry is named); an empty --options is none.
        let wrongEntry = " is not a valid value for the options argument. Allowed values are DefaultValue|"
        for entries in ["AddFieldInternalNameHint,,AddFieldToDefaultView", "AddFieldInternalNameHint,", "Nope,"] {
            let result = try harness.run(["spo", "field", "add"] + list + ["--xml", xml, "--options", entries])
            XCTAssertEqual(result.status, 2, entries)
            XCTAssertTrue(result.stderr.hasPrefix("Error: " + wrongEntry), "\(entries): \(result.stderr)")
        }
        try fails(["field", "add"] + list + ["--xml", xml, "--options", "Nope,AddFieldInternalNameHint,Bad"], exit: 2, "Bad is not a valid value for the options argument.")
        let noOptions = try object(["field", "add"] + list + ["--xml", "<Field Type=\"Text\" DisplayName=\"Plain\" Name=\"PlainText\" />", "--options", ""])
        XCTAssertEqual(noOptions["InternalName"] as? String, "Plain", "no AddFieldInternalNameHint")
        try fails(["field", "add", "--webUrl", Self.root, "--listTitle", title, "--listId", "3f2a9a41-5b7e-4d44-9c55-0d2b8f1a6e11", "--xml", xml], exit: 2,
                  "Specify either list id or title or list url, but not multiple")

        // A new item gets the column's default; the column is an item field $select takes.
        try spo(["listitem", "add"] + list + ["--Title", "one"])
        try spo(["listitem", "add"] + list + ["--Title", "two", "--Status", "Closed"])
        let items = try array(["listitem", "list"] + list + ["--fields", "Title,Status"])
        XCTAssertEqual(items.map { $0["Status"] as? String }, ["Open", "Closed"])

        // get: by internal name, title or id, the same field.
        try clearRequests()
        let byName = try object(["field", "get"] + list + ["--internalName", "Status"])
        let byTitle = try object(["field", "get", "--webUrl", Self.root, "-l", title, "--title", "status"])
        let byId = try object(["field", "get"] + list + ["--id", "3f2a9a41-5b7e-4d44-9c55-0d2b8f1a6e11"])
        XCTAssertEqual(try sent(), [
            "GET /_api/web/lists/getByTitle('\(title)')/fields/getbyinternalnameortitle('Status')",
            "GET /_api/web/lists/getByTitle('\(title)')/fields/getbyinternalnameortitle('status')",
            "GET /_api/web/lists/getByTitle('\(title)')/fields/getbyid('3f2a9a41-5b7e-4d44-9c55-0d2b8f1a6e11')",
        ])
        XCTAssertEqual(NSDictionary(dictionary: byName), NSDictionary(dictionary: added))
        XCTAssertEqual(NSDictionary(dictionary: byTitle), NSDictionary(dictionary: added))
        XCTAssertEqual(NSDictionary(dictionary: byId), NSDictionary(dictionary: added))
        try fails(["field", "get"] + list + ["--id", "00000000-0000-0000-0000-000000000001"],
                  "Invalid field name. {00000000-0000-0000-0000-000000000001}  /Lists/\(title)")
        try fails(["field", "get"] + list + ["--internalName", "Nope"], "Column 'Nope' does not exist. It may have been deleted by another user.")
        try fails(["field", "get", "--webUrl", Self.root, "--listTitle", "NoSuchList", "--internalName", "Title"],
                  "List 'NoSuchList' does not exist at site with URL '\(Self.root)'.")
        try fails(["field", "get"] + list + ["--id", "x"], exit: 2, "x is not a valid GUID")

        // list: every column of the list, Id Title InternalName Hidden in text.
        try clearRequests()
        let columns = try array(["field", "list", "--webUrl", Self.root, "--listTitle", title])
        XCTAssertEqual(try sent(), ["GET /_api/web/lists/getByTitle('\(title)')/fields"])
        XCTAssertEqual(Array(columns.compactMap { $0["InternalName"] as? String }.suffix(3)), ["Status", "Due_x0020_date", "Plain"])
        XCTAssertTrue(columns.contains { $0["InternalName"] as? String == "Title" && $0["FromBaseType"] as? Bool == true })
        let text = try spo(["field", "list", "--webUrl", Self.root, "--listTitle", title, "--output", "text"]).stdout
        XCTAssertEqual(header(text), ["Id", "Title", "InternalName", "Hidden"])
        XCTAssertTrue(text.contains("3f2a9a41-5b7e-4d44-9c55-0d2b8f1a6e11  Status"), text)

        // set: CSOM, the list's identity, the field's, then the properties and UpdateAndPushChanges.
        try clearRequests()
        let set = try spo(["field", "set"] + list + ["--internalName", "Status", "--Title", "State", "--Required", "true"])
        XCTAssertEqual(set.stdout, "")
        XCTAssertEqual(try sent(), Array(repeating: "POST /_vti_bin/client.svc/ProcessQuery", count: 3))
        let changed = try object(["field", "get"] + list + ["--id", "3f2a9a41-5b7e-4d44-9c55-0d2b8f1a6e11"])
        XCTAssertEqual(changed["Title"] as? String, "State")
        XCTAssertEqual(changed["Required"] as? Bool, true)
        XCTAssertTrue((changed["SchemaXml"] as? String ?? "").contains("DisplayName=\"State\""))
        XCTAssertTrue((changed["SchemaXml"] as? String ?? "").contains("Required=\"TRUE\""))
        // A new default replaces the schema's <Default>; Choices is a collection, which CSOM refuses as text.
        try spo(["field", "set"] + list + ["--internalName", "Status", "--DefaultValue", "Closed"])
        let reDefaulted = try object(["field", "get"] + list + ["--internalName", "Status"])
        XCTAssertEqual(reDefaulted["DefaultValue"] as? String, "Closed")
        XCTAssertEqual(reDefaulted["SchemaXml"] as? String,
                       "<Field Type=\"Choice\" DisplayName=\"State\" Name=\"Status\" Group=\"PnP Columns\" ID=\"{3f2a9a41-5b7e-4d44-9c55-0d2b8f1a6e11}\" StaticName=\"Status\" Version=\"1\" Required=\"TRUE\"><Default>Closed</Default><CHOICES><CHOICE>Open</CHOICE><CHOICE>Closed</CHOICE></CHOICES></Field>")
        try spo(["field", "set"] + list + ["--internalName", "Status", "--DefaultValue", "Open"])
        try fails(["field", "set"] + list + ["--internalName", "Status", "--Choices", "Open"],
                  "Cannot convert the value 'Open' of type 'String' to the type 'StringCollection' of property 'Choices'.")
        XCTAssertEqual(try object(["field", "get"] + list + ["--internalName", "Status"])["Choices"] as? [String], ["Open", "Closed"])
        try fails(["field", "set"] + list + ["--internalName", "Nope", "--Title", "x"], "Column 'Nope' does not exist. It may have been deleted by another user.")
        try fails(["field", "set"] + list + ["--internalName", "State", "--NoSuchProperty", "x"], "The property 'NoSuchProperty' does not exist")
        try fails(["field", "set"] + list + ["--id", "bad", "--Title", "x"], exit: 2, "bad in option id is not a valid GUID")

        // The list by id or URL; a default set later applies to the next new item.
        let listId = try XCTUnwrap(try object(["list", "get", "--webUrl", Self.root, "--title", title, "--properties", "Id"])["Id"] as? String)
        try clearRequests()
        try spo(["field", "set", "--webUrl", Self.root, "--listUrl", "Lists/\(title)", "--internalName", "Due_x0020_date", "--DefaultValue", "2030-01-01T00:00:00Z"])
        try spo(["field", "set", "--webUrl", Self.root, "--listId", listId, "--title", "Due date", "--Description", "When it is due"])
        XCTAssertEqual(try sent().count, 6, "three CSOM calls each")
        try clearRequests()
        let dueNow = try object(["field", "get", "--webUrl", Self.root, "--listUrl", "/Lists/\(title)", "--internalName", "Due_x0020_date"])
        XCTAssertEqual(try sent(), ["GET /_api/web/GetList('%2FLists%2F\(title)')/fields/getbyinternalnameortitle('Due_x0020_date')"])
        XCTAssertEqual(dueNow["DefaultValue"] as? String, "2030-01-01T00:00:00Z")
        XCTAssertEqual(dueNow["Description"] as? String, "When it is due")
        XCTAssertEqual(dueNow["SchemaXml"] as? String,
                       "<Field Type=\"DateTime\" DisplayName=\"Due date\" Name=\"Due_x0020_date\" Format=\"DateOnly\" ID=\"{\(try XCTUnwrap(due["Id"] as? String))}\" StaticName=\"Due_x0020_date\" Version=\"1\" Description=\"When it is due\"><Default>2030-01-01T00:00:00Z</Default></Field>",
                       "a self-closed schema opens to hold its <Default>")
        try clearRequests()
        XCTAssertTrue(try array(["field", "list", "--webUrl", Self.root, "--listId", listId]).contains { $0["InternalName"] as? String == "Due_x0020_date" })
        XCTAssertEqual(try sent(), ["GET /_api/web/lists(guid'\(listId)')/fields"])
        try spo(["listitem", "add"] + list + ["--Title", "three"])
        XCTAssertEqual(try array(["listitem", "list"] + list + ["--fields", "Title,Due_x0020_date"]).last?["Due_x0020_date"] as? String, "2030-01-01T00:00:00Z")

        // remove: tunnelled DELETE; the column leaves the list and its items.
        try clearRequests()
        try spo(["field", "remove"] + list + ["--title", "State", "--force"])
        XCTAssertEqual(try sent(), ["POST /_api/web/lists/getByTitle('\(title)')/fields/getbyinternalnameortitle('State')"])
        let removal = try XCTUnwrap(try spRequests().last?["headers"] as? [String: Any])
        XCTAssertEqual(removal["x-http-method"] as? String, "DELETE")
        try fails(["field", "get"] + list + ["--internalName", "Status"], "Column 'Status' does not exist. It may have been deleted by another user.")
        try fails(["listitem", "list"] + list + ["--fields", "Title,Status"], "The field or property 'Status' does not exist.")
        try fails(["field", "remove"] + list + ["--internalName", "Title", "--force"], "read-only")
        try fails(["field", "remove"] + list + ["--internalName", "Due_x0020_date"], exit: 2, "--force")
    }

    /// A title as the CLI encodes it (encodeURIComponent, quotes doubled): `(`, `)`, `!` and `'` as they are.
    func testListTitleEncodedAsTheCLIEncodesIt() throws {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let title = "Fld O'Neil (\(suffix))!"
        try spo(["list", "add", "--webUrl", Self.root, "--title", title])
        defer { _ = try? spo(["list", "remove", "--webUrl", Self.root, "--title", title, "--force"]) }
        try clearRequests()
        let added = try object(["field", "add", "--webUrl", Self.root, "--listTitle", title, "--xml", "<Field Type=\"Text\" DisplayName=\"It's\" Name=\"Its\" />",
                                "--options", "AddFieldInternalNameHint"])
        let columns = try array(["field", "list", "--webUrl", Self.root, "--listTitle", title])
        let byTitle = try object(["field", "get", "--webUrl", Self.root, "--listTitle", title, "--title", "It's"])
        let encoded = "Fld%20O''Neil%20(\(suffix))!"
        XCTAssertEqual(try sent(), [
            "POST /_api/web/lists/getByTitle('\(encoded)')/fields/CreateFieldAsXml",
            "GET /_api/web/lists/getByTitle('\(encoded)')/fields",
            "GET /_api/web/lists/getByTitle('\(encoded)')/fields/getbyinternalnameortitle('It''s')",
        ])
        XCTAssertTrue(columns.contains { $0["InternalName"] as? String == "Its" })
        XCTAssertEqual(byTitle["Id"] as? String, added["Id"] as? String)
    }

    /// A folder whose URL has a quote: the CLI doubles it inside `decodedUrl='…'`; SharePoint reads it back.
    func testDefaultsOfAFolderWithAQuoteInItsURL() throws {
        let title = unique("FldQuote")
        try spo(["list", "add", "--webUrl", Self.root, "--title", title, "--baseTemplate", "DocumentLibrary"])
        defer { _ = try? spo(["list", "remove", "--webUrl", Self.root, "--title", title, "--force"]) }
        let lib = ["--webUrl", Self.root, "--listTitle", title]
        try spo(["folder", "add", "--webUrl", Self.root, "--parentFolderUrl", "/\(title)", "--name", "O'Brien"])
        try clearRequests()
        try spo(["list", "defaultvalue", "set"] + lib + ["--fieldName", "Title", "--fieldValue", "Q", "--folderUrl", "/\(title)/o'brien"])
        XCTAssertEqual(try sent()[1], "GET /_api/Web/GetFolderByServerRelativePath(decodedUrl='%2F\(title)%2Fo''brien')/ListItemAllFields?$select=FileRef")
        XCTAssertEqual(try array(["list", "defaultvalue", "list"] + lib).map { NSDictionary(dictionary: $0) },
                       [NSDictionary(dictionary: ["fieldName": "Title", "fieldValue": "Q", "folderUrl": "/\(title)/O'Brien"])])
    }

    func testSiteColumnsGroupRemovalAndPushToLists() throws {
        let group = unique("Group")
        let id = UUID().uuidString.lowercased()
        let name = "Start" + id.prefix(6)
        let xml = "<Field Type=\"DateTime\" DisplayName=\"Start date\" Required=\"FALSE\" Format=\"DateTime\" Group=\"\(group)\" FriendlyDisplayFormat=\"Disabled\" ID=\"{\(id)}\" StaticName=\"\(name)\" Name=\"\(name)\"><Default>[today]</Default></Field>"
        try clearRequests()
        let site = try object(["field", "add", "--webUrl", Self.root, "--xml", xml])
        XCTAssertEqual(try sent(), ["POST /_api/web/fields/CreateFieldAsXml"])
        XCTAssertEqual(site["InternalName"] as? String, name, "a site column keeps the schema's name")
        XCTAssertEqual(site["Scope"] as? String, "/")
        XCTAssertEqual(site["DefaultValue"] as? String, "[today]")
        XCTAssertEqual(site["FriendlyDisplayFormat"] as? Int, 1)
        XCTAssertEqual(site["TypeDisplayName"] as? String, "Date and Time")
        let noteName = "Notes" + id.prefix(6)
        try spo(["field", "add", "--webUrl", Self.root, "--xml", "<Field Type=\"Note\" DisplayName=\"Notes\" Name=\"\(noteName)\" Group=\"\(group)\" />"])
        try fails(["field", "add", "--webUrl", Self.root, "--xml", xml], "A duplicate field name \"\(name)\" was found.")

        let columns = try array(["field", "list", "--webUrl", Self.root])
        XCTAssertEqual(columns.filter { $0["Group"] as? String == group }.compactMap { $0["InternalName"] as? String }, [name, noteName])
        XCTAssertEqual(NSDictionary(dictionary: try object(["field", "get", "--webUrl", Self.root, "--id", id])), NSDictionary(dictionary: site))
        try fails(["field", "get", "--webUrl", Self.root, "--id", "00000000-0000-0000-0000-000000000002"],
                  "Invalid field name. {00000000-0000-0000-0000-000000000002} \(Self.root)")

        // The site column in a list (same id), then a change pushed to it; a new item gets today.
        let title = unique("FldPush")
        try spo(["list", "add", "--webUrl", Self.root, "--title", title])
        defer { _ = try? spo(["list", "remove", "--webUrl", Self.root, "--title", title, "--force"]) }
        let list = ["--webUrl", Self.root, "--listTitle", title]
        try spo(["field", "add"] + list + ["--xml", xml, "--options", "AddFieldInternalNameHint"])
        try spo(["listitem", "add"] + list + ["--Title", "dated"])
        let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        let item = try array(["listitem", "list"] + list + ["--fields", "Title,\(name)"])
        XCTAssertEqual(item.first?[name] as? String, today + "T00:00:00Z")

        try spo(["field", "set", "--webUrl", Self.root, "--id", id, "--Title", "Begins"])
        XCTAssertEqual(try object(["field", "get"] + list + ["--id", id])["Title"] as? String, "Start date", "not pushed without --updateExistingLists")
        try spo(["field", "set", "--webUrl", Self.root, "--internalName", name, "--Title", "Begins on", "--updateExistingLists"])
        XCTAssertEqual(try object(["field", "get"] + list + ["--id", id])["Title"] as? String, "Begins on")
        XCTAssertEqual(try object(["field", "get", "--webUrl", Self.root, "--id", id])["Title"] as? String, "Begins on")

        // remove --group: the collection, then each column of the group by id.
        try clearRequests()
        try spo(["field", "remove", "--webUrl", Self.root, "--group", group, "--force"])
        XCTAssertEqual(try sent(), ["GET /_api/web/fields", "POST /_api/web/fields/getbyid('\(id)')",
                                    "POST /_api/web/fields/getbyid('\(try XCTUnwrap(columns.first { $0["InternalName"] as? String == noteName }?["Id"] as? String))')"])
        XCTAssertFalse(try array(["field", "list", "--webUrl", Self.root]).contains { $0["Group"] as? String == group })
        try fails(["field", "remove", "--webUrl", Self.root, "--id", id, "--force"], "Invalid field name. {\(id)} \(Self.root)")
        XCTAssertEqual(try object(["field", "get"] + list + ["--id", id])["Title"] as? String, "Begins on", "the list keeps its copy")
    }

    func testLibraryDefaultValues() throws {
        let title = unique("FldLib")
        let library = try object(["list", "add", "--webUrl", Self.root, "--title", title, "--baseTemplate", "DocumentLibrary"])
        defer { _ = try? spo(["list", "remove", "--webUrl", Self.root, "--title", title, "--force"]) }
        let lib = ["--webUrl", Self.root, "--listTitle", title]
        let root = "/" + title
        defaultsPath = root + "/Forms/client_LocationBasedDefaults.html"
        try spo(["field", "add"] + lib + ["--xml", "<Field Type=\"Text\" DisplayName=\"Kind\" Name=\"DocKind\" />", "--options", "AddFieldInternalNameHint"])
        let listQuery = "?$expand=RootFolder&$select=RootFolder/ServerRelativeUrl,BaseTemplate"
        let file = "GetFileByServerRelativePath(decodedUrl='%2F\(title)%2FForms%2Fclient_LocationBasedDefaults.html')/$value"

        // No defaults yet: the file is missing, the list is empty.
        try clearRequests()
        XCTAssertEqual(try array(["list", "defaultvalue", "list"] + lib).count, 0)
        XCTAssertEqual(try sent(), ["GET /_api/Web/Lists/GetByTitle('\(title)')\(listQuery)", "GET /_api/Web/\(file)"])

        // set at the root: the file is made, then written.
        try clearRequests()
        let set = try spo(["list", "defaultvalue", "set"] + lib + ["--fieldName", "DocKind", "--fieldValue", "Invoice"])
        XCTAssertEqual(set.stdout, "")
        XCTAssertEqual(try sent(), [
            "GET /_api/Web/Lists/GetByTitle('\(title)')\(listQuery)",
            "GET /_api/Web/\(file)",
            "POST /_api/Web/GetFolderByServerRelativePath(decodedUrl='%2F\(title)%2FForms')/Files/Add(url='client_LocationBasedDefaults.html',%20overwrite=false)",
            "PUT /_api/Web/\(file)",
        ])
        XCTAssertEqual(try defaultsFile(),
                       "<MetadataDefaults><a href=\"\(root)\"><DefaultValue FieldName=\"DocKind\">Invoice</DefaultValue></a></MetadataDefaults>")
        XCTAssertEqual(NSDictionary(dictionary: try object(["list", "defaultvalue", "get"] + lib + ["--fieldName", "dockind"])),
                       NSDictionary(dictionary: ["fieldName": "DocKind", "fieldValue": "Invoice", "folderUrl": root]))

        // A folder's own default, looked up by its item's FileRef; the deeper folder wins for new files.
        try spo(["folder", "add", "--webUrl", Self.root, "--parentFolderUrl", root, "--name", "Contracts 2024"])
        try clearRequests()
        try spo(["list", "defaultvalue", "set", "--webUrl", Self.root, "--listId", try XCTUnwrap(library["Id"] as? String),
                 "--fieldName", "DocKind", "--fieldValue", "Contract & co", "--folderUrl", "\(root)/contracts 2024/"])
        XCTAssertEqual(Array(try sent().prefix(3)), [
            "GET /_api/Web/Lists('\(try XCTUnwrap(library["Id"] as? String))')\(listQuery)",
            "GET /_api/Web/GetFolderByServerRelativePath(decodedUrl='%2F\(title)%2Fcontracts%202024')/ListItemAllFields?$select=FileRef",
            "GET /_api/Web/\(file)",
        ])
        XCTAssertEqual(try defaultsFile(),
                       "<MetadataDefaults><a href=\"\(root)\"><DefaultValue FieldName=\"DocKind\">Invoice</DefaultValue></a><a href=\"\(root)/Contracts%202024\"><DefaultValue FieldName=\"DocKind\">Contract &amp; co</DefaultValue></a></MetadataDefaults>")
        let all = try array(["list", "defaultvalue", "list"] + lib)
        XCTAssertEqual(all.map { NSDictionary(dictionary: $0) }, [
            NSDictionary(dictionary: ["fieldName": "DocKind", "fieldValue": "Invoice", "folderUrl": root]),
            NSDictionary(dictionary: ["fieldName": "DocKind", "fieldValue": "Contract & co", "folderUrl": "\(root)/Contracts 2024"]),
        ])
        XCTAssertEqual(try array(["list", "defaultvalue", "list"] + lib + ["--folderUrl", "\(root)/Contracts 2024"]).count, 1)

        let local = harness.root.appendingPathComponent("a.txt")
        try "hello".write(to: local, atomically: true, encoding: .utf8)
        try spo(["file", "add", "--webUrl", Self.root, "--folder", root, "--path", local.path])
        try spo(["file", "add", "--webUrl", Self.root, "--folder", "\(root)/Contracts 2024", "--path", local.path])
        try spo(["file", "add", "--webUrl", Self.root, "--folder", "\(root)/Contracts 2024", "--path", local.path, "--fileName", "b.txt", "--DocKind", "Own"])
        let files = try array(["listitem", "list"] + lib + ["--fields", "FileRef,DocKind"])
        XCTAssertEqual(files.filter { ($0["FileRef"] as? String ?? "").hasSuffix(".txt") }.map { "\($0["FileRef"] ?? "")=\($0["DocKind"] ?? "")" }, [
            "\(root)/a.txt=Invoice", "\(root)/Contracts 2024/a.txt=Contract & co", "\(root)/Contracts 2024/b.txt=Own",
        ])
        XCTAssertFalse(files.contains { ($0["FileRef"] as? String ?? "").contains("/Forms/") }, "the defaults file is no list item")

        // remove, then clear by field.
        try spo(["list", "defaultvalue", "remove"] + lib + ["--fieldName", "DocKind", "--force"])
        XCTAssertEqual(try defaultsFile(),
                       "<MetadataDefaults><a href=\"\(root)/Contracts%202024\"><DefaultValue FieldName=\"DocKind\">Contract &amp; co</DefaultValue></a></MetadataDefaults>")
        try fails(["list", "defaultvalue", "get"] + lib + ["--fieldName", "DocKind"], "No default column value found for field 'DocKind'.")
        try fails(["list", "defaultvalue", "remove"] + lib + ["--fieldName", "DocKind", "--force"], "Default column value 'DocKind' was not found.")
        try clearRequests()
        try spo(["list", "defaultvalue", "clear"] + lib + ["--fieldName", "DocKind", "--force"])
        XCTAssertEqual(try sent().last, "PUT /_api/Web/\(file)")
        XCTAssertEqual(try defaultsFile(), "<MetadataDefaults/>")
        XCTAssertEqual(try array(["list", "defaultvalue", "list"] + lib).count, 0)
        try spo(["list", "defaultvalue", "set"] + lib + ["--fieldName", "DocKind", "--fieldValue", "X"])
        try spo(["list", "defaultvalue", "clear"] + lib + ["--force"])
        XCTAssertEqual(try defaultsFile(), "<MetadataDefaults />")

        // A list URL: as given by list and get (the URL parser escapes it), encoded by set, remove and clear.
        try clearRequests()
        _ = try array(["list", "defaultvalue", "list", "--webUrl", Self.root, "--listUrl", title])
        _ = try spo(["list", "defaultvalue", "clear", "--webUrl", Self.root, "--listUrl", root, "--force"])
        XCTAssertEqual(try sent(), [
            "GET /_api/Web/GetList('/\(title)')\(listQuery)", "GET /_api/Web/\(file)",
            "GET /_api/Web/GetList('%2F\(title)')\(listQuery)", "GET /_api/Web/\(file)", "PUT /_api/Web/\(file)",
        ])

        // A file written by another tool: spaces around `=`, `>` inside quoted values, comments, a
        // `%` that is no escape; a remove takes the first matching value only, a folder clear the first matching folder.
        let handmade = harness.root.appendingPathComponent("client_LocationBasedDefaults.html")
        try ("<?xml version=\"1.0\" encoding=\"utf-8\"?><MetadataDefaults><!-- a > b --><a href = \"\(root)\">"
             + "<DefaultValue FieldName = 'DocKind'>A &gt; B</DefaultValue><DefaultValue FieldName=\"DocKind\">Second</DefaultValue></a>"
             + "<a href=\"\(root)/Contracts%202024\"><DefaultValue FieldName=\"DocKind\">C</DefaultValue></a>"
             + "<a href=\"\(root)/Contracts%202024\"><DefaultValue FieldName=\"DocKind\">D</DefaultValue></a>"
             + "<a href=\"\(root)/a>b%+1\"><DefaultValue FieldName=\"DocKind\"><![CDATA[E <raw>]]></DefaultValue></a></MetadataDefaults>")
            .write(to: handmade, atomically: true, encoding: .utf8)
        try spo(["file", "add", "--webUrl", Self.root, "--folder", "\(root)/Forms", "--path", handmade.path])
        XCTAssertEqual(try array(["list", "defaultvalue", "list"] + lib).map { "\($0["folderUrl"] ?? "")=\($0["fieldValue"] ?? "")" }, [
            "\(root)=A > B", "\(root)=Second", "\(root)/Contracts 2024=C", "\(root)/Contracts 2024=D", "\(root)/a>b%+1=E <raw>",
        ])
        try spo(["list", "defaultvalue", "remove"] + lib + ["--fieldName", "DocKind", "--force"])
        try spo(["list", "defaultvalue", "clear"] + lib + ["--folderUrl", "\(root)/Contracts 2024", "--force"])
        XCTAssertEqual(try defaultsFile(),
                       "<MetadataDefaults><a href=\"\(root)\"><DefaultValue FieldName=\"DocKind\">Second</DefaultValue></a>"
                       + "<a href=\"\(root)/Contracts%202024\"><DefaultValue FieldName=\"DocKind\">D</DefaultValue></a>"
                       + "<a href=\"\(root)/a&gt;b%+1\"><DefaultValue FieldName=\"DocKind\">E &lt;raw&gt;</DefaultValue></a></MetadataDefaults>")
        try spo(["list", "defaultvalue", "clear"] + lib + ["--force"])

        // Errors as the CLI words them.
        for id in ["nope", "12345678-1234-1234-1234-123456789012"] {
            try fails(["list", "defaultvalue", "list", "--webUrl", Self.root, "--listId", id], exit: 2, "listId: Invalid UUID")
            try fails(["list", "defaultvalue", "get", "--webUrl", Self.root, "--listId", id, "--fieldName", "X"], exit: 2, "listId: Invalid UUID")
            try fails(["list", "defaultvalue", "set", "--webUrl", Self.root, "--listId", id, "--fieldName", "X", "--fieldValue", "Y"], exit: 2, "listId: Invalid UUID")
            try fails(["list", "defaultvalue", "remove", "--webUrl", Self.root, "--listId", id, "--fieldName", "X", "--force"], exit: 2, "listId: Invalid UUID")
            try fails(["list", "defaultvalue", "clear", "--webUrl", Self.root, "--listId", id, "--force"], exit: 2, "listId: Invalid UUID")
        }
        try fails(["list", "defaultvalue", "list", "--webUrl", Self.root, "--listTitle", "NoSuchLibrary"], "List 'NoSuchLibrary' was not found.")
        let generic = unique("FldList")
        try spo(["list", "add", "--webUrl", Self.root, "--title", generic])
        defer { _ = try? spo(["list", "remove", "--webUrl", Self.root, "--title", generic, "--force"]) }
        try fails(["list", "defaultvalue", "get", "--webUrl", Self.root, "--listTitle", generic, "--fieldName", "Title"], "List '\(generic)' is not a document library.")
        try fails(["list", "defaultvalue", "set", "--webUrl", Self.root, "--listTitle", generic, "--fieldName", "Title", "--fieldValue", "x"],
                  "The specified list is not a document library.")
        try fails(["list", "defaultvalue", "set"] + lib + ["--fieldName", "DocKind", "--fieldValue", ""], exit: 2,
                  "The value cannot be empty. Use 'spo list defaultvalue remove' to remove a default column value.")
        try fails(["list", "defaultvalue", "set"] + lib + ["--fieldName", "DocKind", "--fieldValue", "x", "--folderUrl", "\(root)/a#b"], exit: 2,
                  "setting default column values for folders with a # or % character in their path is not supported.")
        try fails(["list", "defaultvalue", "clear"] + lib + ["--fieldName", "DocKind", "--folderUrl", root, "--force"], exit: 2,
                  "Specify 'fieldName' or 'folderUrl', but not both.")
        try fails(["list", "defaultvalue", "clear"] + lib, exit: 2, "--force")
    }
}
