import Foundation
import XCTest

/// `m365 spo contenttype …`, `spo contenttypehub get` and `spo list contenttype …` end to end:
/// each test works in a sub-site of its own (removed at the end), so the root's content types
/// stay as seeded; the content type hub gets types with names no other test uses. As in
/// SharePoint, a sub-site's `ContentTypes` and `Fields` hold only what was made there: the
/// built-in types and columns are the root web's, and reach a sub-site as available ones.
final class SPOContentTypeTests: SPOTestCase {
    static let hub = root + "/sites/contentTypeHub"
    static let titleField = "fa564e0f-0c70-4ab9-b863-0177e6ddd247"

    /// A new sub-site `leaf` below the root, with its Documents library; the caller removes it.
    func subsite(_ leaf: String) throws -> String {
        try spo(["web", "add", "--title", leaf, "--url", leaf, "--parentWebUrl", "/", "--webTemplate", "STS#3"])
        return Self.root + "/" + leaf
    }

    /// SharePoint requests (method and path with query) below `prefix`, request digests aside.
    func traffic(_ prefix: String) throws -> [String] {
        try spRequests(prefix).filter { !($0["path"] as? String ?? "").hasSuffix("/_api/contextinfo") }
            .map { "\($0["method"] ?? "") \($0["target"] ?? "")" }
    }

    func clearRequests() throws { try emulator.admin("requests", method: "DELETE") }

    func rows(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    }

    /// What `--debug` traced of a command's request bodies (stderr): for CSOM payloads.
    func traced(_ arguments: [String]) throws -> String {
        let result = try harness.run(["spo"] + arguments + ["--debug"])
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stderr
    }

    /// A command that must fail with exactly `message` as its error line (a usage error, exit 2,
    /// adds the line that points to the command's help).
    func failsWith(_ arguments: [String], exit: Int32 = 1, _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try harness.run(["spo"] + arguments)
        XCTAssertEqual(result.status, exit, result.stderr, file: file, line: line)
        XCTAssertEqual(result.stdout, "", file: file, line: line)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "Error: " + message, file: file, line: line)
        XCTAssertEqual(lines.count, exit == 2 ? 2 : 1, result.stderr, file: file, line: line)
    }

    // MARK: Site content types

    func testSiteContentTypeAddGetListSetRemove() throws {
        let web = try subsite("ct-site")
        defer { _ = try? spo(["web", "remove", "--url", web, "--force"]) }
        let id = "0x0100FF0B2E33A3718B46A3909298D240FD93"
        try clearRequests()
        let added = try object(["contenttype", "add", "--webUrl", web, "--name", "PnP Tile", "--id", id, "--group", "PnP Content Types",
                                "--description", "A tile"])
        XCTAssertEqual(try traffic("/ct-site/"), ["POST /ct-site/_vti_bin/client.svc/ProcessQuery",
                                                 "GET /ct-site/_api/web/contenttypes('\(id)')?$expand=Parent"],
                       "CSOM's ContentTypes.Add on the current web, then the new type as contenttype get reads it")
        XCTAssertEqual(added["StringId"] as? String, id)
        XCTAssertEqual((added["Id"] as? [String: Any])?["StringValue"] as? String, id)
        XCTAssertEqual(added["Name"] as? String, "PnP Tile")
        XCTAssertEqual(added["Group"] as? String, "PnP Content Types")
        XCTAssertEqual(added["Description"] as? String, "A tile")
        XCTAssertEqual(added["Scope"] as? String, "/ct-site")
        XCTAssertEqual((added["Parent"] as? [String: Any])?["StringId"] as? String, "0x01", "the parent its id names: Item")

        try clearRequests()
        XCTAssertEqual(try object(["contenttype", "get", "--webUrl", web, "--name", "PnP Tile"])["StringId"] as? String, id)
        let listed = try array(["contenttype", "list", "--webUrl", web])
        XCTAssertEqual(listed.compactMap { $0["Name"] as? String }, ["PnP Tile"], "a sub-site's own types; the built-in ones are the root's")
        let text = try spo(["contenttype", "list", "--webUrl", web, "--category", "PnP Content Types", "--output", "text"]).stdout
        XCTAssertEqual(rows(text), [["Hidden", ":", "false"], ["Name", ":", "PnP", "Tile"], ["ReadOnly:", "false"], ["Sealed", ":", "false"],
                                    ["StringId:", id]], "one row prints as its properties: \(text)")
        XCTAssertEqual(try traffic("/ct-site/"), [
            "GET /ct-site/_api/web/contenttypes?$filter=Name%20eq%20%27PnP%20Tile%27&$expand=Parent",
            "GET /ct-site/_api/web/ContentTypes?$expand=Parent",
            "GET /ct-site/_api/web/ContentTypes?$expand=Parent&$filter=Group%20eq%20%27PnP%20Content%20Types%27",
        ])
        let rootText = try spo(["contenttype", "list", "--webUrl", Self.root, "--category", "List Content Types", "--output", "text"]).stdout
        XCTAssertEqual(rows(rootText), [["StringId", "Name", "Hidden", "ReadOnly", "Sealed"], ["--------", "-----", "------", "--------", "------"],
                                        ["0x01", "Item", "false", "false", "false"], ["0x0102", "Event", "false", "false", "false"],
                                        ["0x0105", "Link", "false", "false", "false"]], rootText)
        XCTAssertEqual(try array(["contenttype", "list", "--webUrl", Self.root]).prefix(5).compactMap { $0["Name"] as? String },
                       ["Item", "Document", "Event", "Link", "Folder"])

        // A child of the new type, then set with --updateChildren: the change reaches it.
        let child = id + "01"
        try spo(["contenttype", "add", "--webUrl", web, "--name", "PnP Wide Tile", "--id", child])
        try clearRequests()
        let pushed = try traced(["contenttype", "set", "--webUrl", web, "--name", "PnP Tile", "--Description", "Tiles", "--Name", "PnP Tiles", "--updateChildren"])
        XCTAssertTrue(pushed.contains(#"<Method Name="Update" Id="#) && pushed.contains(#"<Parameters><Parameter Type="Boolean">true</Parameter></Parameters>"#), pushed)
        XCTAssertTrue(pushed.contains(#"Name="Description"><Parameter Type="String">Tiles</Parameter>"#), pushed)
        XCTAssertEqual(try traffic("/ct-site/"), ["GET /ct-site/_api/Web/ContentTypes?$filter=Name%20eq%20%27PnP%20Tile%27&$select=Id",
                                                 "GET /ct-site/_api/site?$select=Id", "GET /ct-site/_api/web?$select=Id",
                                                 "POST /ct-site/_vti_bin/client.svc/ProcessQuery"])
        let renamed = try object(["contenttype", "get", "--webUrl", web, "--id", id])
        XCTAssertEqual(renamed["Description"] as? String, "Tiles")
        XCTAssertEqual(renamed["Name"] as? String, "PnP Tiles")
        let pushedChild = try object(["contenttype", "get", "--webUrl", web, "--id", child])
        XCTAssertEqual(pushedChild["Description"] as? String, "Tiles", "pushed to the child")
        XCTAssertEqual(pushedChild["Name"] as? String, "PnP Wide Tile", "a child keeps its own name")
        try failsWith(["contenttype", "set", "--webUrl", web, "--id", id, "--Name", "PnP Wide Tile"], "A duplicate content type \"PnP Wide Tile\" was found.")
        let own = try traced(["contenttype", "set", "--webUrl", web, "--id", id, "--Description", "Only mine", "--Name", "PnP Tile"])
        XCTAssertTrue(own.contains(#"<Parameters><Parameter Type="Boolean">false</Parameter></Parameters>"#), own)
        XCTAssertEqual(try object(["contenttype", "get", "--webUrl", web, "--id", child])["Description"] as? String, "Tiles", "not pushed without --updateChildren")
        try fails(["contenttype", "set", "--webUrl", web, "--id", id, "--Colour", "red"], "The property 'Colour' does not exist on type 'SP.ContentType'.")

        try fails(["contenttype", "add", "--webUrl", web, "--name", "PnP Tile", "--id", id + "02"], "A duplicate content type \"PnP Tile\" was found.")
        try fails(["contenttype", "add", "--webUrl", web, "--name", "Orphan", "--id", "0x0100AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA00BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"],
                  "The parent content type specified by content type identifier 0x0100AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA does not exist.")
        try fails(["contenttype", "get", "--webUrl", web, "--id", "0x0100DEAD"], "Content type with ID 0x0100DEAD not found")
        try fails(["contenttype", "get", "--webUrl", web, "--name", "Nothing"], "Content type with name Nothing not found")
        try fails(["contenttype", "set", "--webUrl", web, "--name", "Nothing", "--Description", "x"], "The specified content type 'Nothing' does not exist")
        try failsWith(["contenttype", "get", "--webUrl", web], exit: 2, "Specify one of --id, --name")
        try fails(["contenttype", "set", "--webUrl", web, "--id", id, "--listTitle", "A", "--updateChildren"], exit: 2,
                  "It is impossible to pass updateChildren when trying to update a list content type.")

        // Without --force and without a terminal: refused, nothing sent.
        try clearRequests()
        try failsWith(["contenttype", "remove", "--webUrl", web, "--id", id], exit: 2,
                      "removing the content type \(id) needs confirmation: add --force to run without a terminal")
        XCTAssertEqual(try traffic("/ct-site/"), [])
        // With a terminal: the question, and "no" keeps the type.
        let command = ([harness.binary.path, "spo", "contenttype", "remove", "--webUrl", web, "--name", "'PnP Tile'"]).joined(separator: " ")
        let asked = try harness.runTool("/usr/bin/script", ["-qec", command, "/dev/null"], stdin: "n\n", after: "Are you sure")
        XCTAssertTrue(asked.contains("Are you sure you want to remove the content type PnP Tile?"), asked)
        XCTAssertEqual(try object(["contenttype", "get", "--webUrl", web, "--id", id])["Name"] as? String, "PnP Tile")
        // The parent is in use while its child exists.
        try fails(["contenttype", "remove", "--webUrl", web, "--id", id, "--force"], "Another site or list is still using this content type.")
        try spo(["contenttype", "remove", "--webUrl", web, "--id", child, "--force"])
        try clearRequests()
        try spo(["contenttype", "remove", "--webUrl", web, "--name", "PnP Tile", "--force"])
        XCTAssertEqual(try traffic("/ct-site/"), ["GET /ct-site/_api/web/availableContentTypes?$filter=%28Name%20eq%20%27PnP%20Tile%27%29",
                                                 "POST /ct-site/_api/web/contenttypes('\(id)')"])
        XCTAssertEqual((try spRequests("/ct-site/").last?["headers"] as? [String: Any])?["x-http-method"] as? String, "DELETE")
        try fails(["contenttype", "remove", "--webUrl", web, "--id", id, "--force"], "Content type not found")
        try fails(["contenttype", "remove", "--webUrl", web, "--name", "PnP Tile", "--force"], "Content type not found")
        // Item is the root web's: this sub-site's ContentTypes has no such type.
        try failsWith(["contenttype", "remove", "--webUrl", web, "--id", "0x01", "--force"], "Content type not found")
    }

    /// A name with an apostrophe and an ampersand: quoted in OData filters (`''`), escaped in CSOM XML.
    func testContentTypeNameWithQuoteAndAmpersand() throws {
        let web = try subsite("ct-quotes")
        defer { _ = try? spo(["web", "remove", "--url", web, "--force"]) }
        let id = "0x0100EE0B2E33A3718B46A3909298D240FD93", name = "Bob's Tiles & <Co>"
        let added = try traced(["contenttype", "add", "--webUrl", web, "--name", name, "--id", id, "--group", "A&B"])
        XCTAssertTrue(added.contains("Bob&apos;s Tiles &amp; &lt;Co&gt;</Property>"), added)
        XCTAssertTrue(added.contains("A&amp;B</Property>"), added)
        try clearRequests()
        let got = try object(["contenttype", "get", "--webUrl", web, "--name", name])
        XCTAssertEqual(got["StringId"] as? String, id)
        XCTAssertEqual(got["Name"] as? String, name)
        XCTAssertEqual(got["Group"] as? String, "A&B")
        XCTAssertEqual(try traffic("/ct-quotes/"),
                       ["GET /ct-quotes/_api/web/contenttypes?$filter=Name%20eq%20%27Bob%27%27s%20Tiles%20%26%20%3CCo%3E%27&$expand=Parent"])
        XCTAssertEqual(try array(["contenttype", "list", "--webUrl", web, "--category", "A&B"]).compactMap { $0["Name"] as? String }, [name])
        XCTAssertEqual(try array(["contenttype", "field", "list", "--webUrl", web, "--contentTypeName", name]).compactMap { $0["InternalName"] as? String },
                       ["ContentType", "Title"])
        let set = try traced(["contenttype", "set", "--webUrl", web, "--name", name, "--Description", "Fish & <chips>"])
        XCTAssertTrue(set.contains("Fish &amp; &lt;chips&gt;</Parameter>"), set)
        XCTAssertEqual(try object(["contenttype", "get", "--webUrl", web, "--id", id])["Description"] as? String, "Fish & <chips>")
        try spo(["contenttype", "remove", "--webUrl", web, "--name", name, "--force"])
        try failsWith(["contenttype", "get", "--webUrl", web, "--name", name], "Content type with name \(name) not found")

        // A type whose GUID begins with 00, and its child (two more digits): the child's parent is
        // the type, not Item's `0x0100`.
        let zeros = "0x010000AB0B2E33A3718B46A3909298D240FD", below = zeros + "01"
        try spo(["contenttype", "add", "--webUrl", web, "--name", "Zeros", "--id", zeros])
        let child = try object(["contenttype", "add", "--webUrl", web, "--name", "Below zeros", "--id", below])
        XCTAssertEqual((child["Parent"] as? [String: Any])?["StringId"] as? String, zeros)
        try failsWith(["contenttype", "remove", "--webUrl", web, "--id", zeros, "--force"],
                      "Another site or list is still using this content type. If you would still like to delete it, please remove the content type from all sites and lists that are currently using it.")
    }

    // MARK: List content types

    func testListContentTypeAddListDefaultRemove() throws {
        let web = try subsite("ct-lists")
        defer { _ = try? spo(["web", "remove", "--url", web, "--force"]) }
        try spo(["list", "add", "--webUrl", web, "--title", "Tiles"])
        XCTAssertEqual(try object(["list", "get", "--webUrl", web, "--title", "Tiles"])["ContentTypesEnabled"] as? Bool, false)
        try clearRequests()
        let added = try object(["list", "contenttype", "add", "--webUrl", web, "--listTitle", "Tiles", "--id", "0x0105"])
        let linkId = try XCTUnwrap(added["StringId"] as? String)
        XCTAssertTrue(linkId.hasPrefix("0x010500") && linkId.count == 40, "the site type's id, 00 and a GUID: \(linkId)")
        XCTAssertEqual(added["Name"] as? String, "Link")
        XCTAssertEqual(added["Scope"] as? String, "/ct-lists/Lists/Tiles")
        XCTAssertNil(added["Parent"], "AddAvailableContentType answers the type alone")
        XCTAssertEqual(try object(["list", "get", "--webUrl", web, "--title", "Tiles"])["ContentTypesEnabled"] as? Bool, true,
                       "a second type turns content types on")
        let listed = try array(["list", "contenttype", "list", "--webUrl", web, "--listTitle", "Tiles"])
        XCTAssertEqual(listed.compactMap { $0["Name"] as? String }, ["Item", "Folder", "Link"])
        XCTAssertEqual((listed.last?["Parent"] as? [String: Any])?["StringId"] as? String, "0x0105")
        let text = try spo(["list", "contenttype", "list", "--webUrl", web, "--listTitle", "Tiles", "--output", "text"]).stdout
        XCTAssertEqual(rows(text).first, ["StringId", "Name", "Hidden", "ReadOnly", "Sealed"])
        XCTAssertEqual(rows(text).last, [linkId, "Link", "false", "false", "false"])
        try fails(["list", "contenttype", "add", "--webUrl", web, "--listTitle", "Tiles", "--id", "0x0105"], "A duplicate content type \"Link\" was found.")

        try spo(["list", "contenttype", "default", "set", "--webUrl", web, "--listTitle", "Tiles", "--contentTypeId", linkId])
        // Already the default: read, nothing written.
        try spo(["list", "contenttype", "default", "set", "--webUrl", web, "--listTitle", "Tiles", "--contentTypeId", linkId])
        try spo(["list", "contenttype", "remove", "--webUrl", web, "--listTitle", "Tiles", "--id", linkId, "--force"])
        let list = "/ct-lists/_api/web/lists/GetByTitle('Tiles')"
        XCTAssertEqual(try traffic("/ct-lists/").filter { !$0.contains("/_api/web/lists/GetByTitle('Tiles')?") && !$0.hasSuffix("GetByTitle('Tiles')") }, [
            "POST \(list)/ContentTypes/AddAvailableContentType", "GET \(list)/ContentTypes?$expand=Parent", "GET \(list)/ContentTypes?$expand=Parent",
            "POST \(list)/ContentTypes/AddAvailableContentType",
            "GET \(list)/RootFolder?$select=ContentTypeOrder%2CUniqueContentTypeOrder", "POST \(list)/RootFolder",
            "GET \(list)/RootFolder?$select=ContentTypeOrder%2CUniqueContentTypeOrder",
            "POST \(list)/ContentTypes('\(linkId)')",
        ])
        XCTAssertEqual(try array(["list", "contenttype", "list", "--webUrl", web, "--listTitle", "Tiles"]).compactMap { $0["Name"] as? String },
                       ["Item", "Folder"])
        try fails(["list", "contenttype", "default", "set", "--webUrl", web, "--listTitle", "Tiles", "--contentTypeId", linkId],
                  "Content type \(linkId) missing in the list. Add the content type to the list first and try again.")
        try fails(["list", "contenttype", "list", "--webUrl", web, "--listTitle", "Nowhere"],
                  "List 'Nowhere' does not exist at site with URL '\(web)'.")
        for command in [["list", "contenttype", "add", "--id", "0x0105"], ["list", "contenttype", "list"], ["list", "contenttype", "remove", "--id", "0x0105", "--force"],
                        ["list", "contenttype", "default", "set", "--contentTypeId", "0x0105"], ["contenttype", "get", "--id", "0x0105"],
                        ["contenttype", "add", "--id", "0x0100AA", "--name", "X"], ["contenttype", "sync", "--id", "0x0105"],
                        ["contenttype", "field", "remove", "--contentTypeId", "0x0105", "--id", Self.titleField, "--force"]] {
            try failsWith(command + ["--webUrl", web, "--listId", "x"], exit: 2, "x is not a valid GUID")
        }
        try failsWith(["contenttype", "field", "list", "--webUrl", web, "--listId", "x", "--contentTypeId", "0x01"], exit: 2,
                      "x is not a valid GUID for option 'listId'.")
        try failsWith(["contenttype", "set", "--webUrl", web, "--listId", "x", "--id", "0x01", "--Name", "Y"], exit: 2, "'x' is not a valid GUID.")
        try failsWith(["contenttype", "field", "list", "--webUrl", web, "--listId", "x", "--listTitle", "Tiles", "--contentTypeId", "0x01"], exit: 2,
                      "Specify one of the following options: listId, listTitle, listUrl, but not multiple.")
        // Without --force and without a terminal: refused with the question's subject (the web as typed).
        try failsWith(["list", "contenttype", "remove", "--webUrl", "/ct-lists", "--listTitle", "Tiles", "--id", linkId], exit: 2,
                      "removing the content type \(linkId) from the list Tiles in site /ct-lists needs confirmation: add --force to run without a terminal")

        // contenttype add/get/set on the list: CSOM on the list's identity.
        let own = "0x0100CC0B2E33A3718B46A3909298D240FD93"
        try clearRequests()
        let made = try object(["contenttype", "add", "--webUrl", web, "--listTitle", "Tiles", "--name", "Tile", "--id", own])
        XCTAssertEqual(made["StringId"] as? String, own)
        XCTAssertEqual(made["Scope"] as? String, "/ct-lists/Lists/Tiles")
        XCTAssertEqual(try traffic("/ct-lists/"), ["GET /ct-lists/_api/site?$select=Id", "GET /ct-lists/_api/web?$select=Id",
                                                  "GET \(list)?$select=Id", "POST /ct-lists/_vti_bin/client.svc/ProcessQuery",
                                                  "GET \(list)/contenttypes('\(own)')?$expand=Parent"])
        try spo(["contenttype", "set", "--webUrl", web, "--listTitle", "Tiles", "--name", "Tile", "--Name", "Big tile"])
        XCTAssertEqual(try object(["contenttype", "get", "--webUrl", web, "--listUrl", "Lists/Tiles", "--id", own])["Name"] as? String, "Big tile")
        try fails(["contenttype", "get", "--webUrl", web, "--listTitle", "Tiles", "--id", "0x0100DEAD"], "Content type with ID 0x0100DEAD not found")
    }

    // MARK: Field links

    func testContentTypeFieldListSetRemove() throws {
        let web = try subsite("ct-fields")
        defer { _ = try? spo(["web", "remove", "--url", web, "--force"]) }
        let id = "0x0100AB0B2E33A3718B46A3909298D240FD93", child = id + "01"
        try spo(["contenttype", "add", "--webUrl", web, "--name", "Contract", "--id", id])
        try spo(["contenttype", "add", "--webUrl", web, "--name", "Big contract", "--id", child])
        let fields = try array(["contenttype", "field", "list", "--webUrl", web, "--contentTypeId", id])
        XCTAssertEqual(fields.compactMap { $0["InternalName"] as? String }, ["ContentType", "Title"], "Item's columns, inherited")
        let text = try spo(["contenttype", "field", "list", "--webUrl", web, "--contentTypeName", "Contract", "--output", "text"]).stdout
        XCTAssertEqual(rows(text).first, ["Id", "Title", "InternalName", "Hidden"])

        // The inherited Title made required in this type: its field link read, then CSOM on it.
        let column = Self.titleField
        try clearRequests()
        try spo(["contenttype", "field", "set", "--webUrl", web, "--contentTypeId", id, "--id", column, "--required", "true"])
        let links = "/ct-fields/_api/web/contenttypes('\(id)')/fieldlinks('\(column)')"
        XCTAssertEqual(try traffic("/ct-fields/"), ["GET \(links)", "GET /ct-fields/_api/site?$select=Id", "GET /ct-fields/_api/web?$select=Id",
                                                   "POST /ct-fields/_vti_bin/client.svc/ProcessQuery"])
        let linked = try array(["contenttype", "field", "list", "--webUrl", web, "--contentTypeId", id, "--properties", "InternalName,Required"])
        XCTAssertEqual(linked.map { "\($0["InternalName"] ?? ""):\($0["Required"] ?? "")" }, ["ContentType:0", "Title:1"])
        XCTAssertEqual(linked.first?.keys.sorted(), ["InternalName", "Required"], "--properties selects")
        let childLinks = try array(["contenttype", "field", "list", "--webUrl", web, "--contentTypeId", child, "--properties", "InternalName,Required"])
        XCTAssertEqual(childLinks.map { "\($0["InternalName"] ?? ""):\($0["Required"] ?? "")" }, ["ContentType:0", "Title:0"], "the child's own link")
        // Already as asked: one read, nothing written.
        try clearRequests()
        try spo(["contenttype", "field", "set", "--webUrl", web, "--contentTypeId", id, "--id", column, "--required", "true"])
        XCTAssertEqual(try traffic("/ct-fields/"), ["GET \(links)"])
        try spo(["contenttype", "field", "set", "--webUrl", web, "--contentTypeId", id, "--id", column, "--required", "false", "--hidden", "true"])
        XCTAssertEqual(try array(["contenttype", "field", "list", "--webUrl", web, "--contentTypeId", id, "--properties", "InternalName,Required,Hidden"])
            .map { "\($0["InternalName"] ?? ""):\($0["Required"] ?? ""):\($0["Hidden"] ?? "")" }, ["ContentType:0:0", "Title:0:1"])

        // Removed from the type and, with --updateChildContentTypes, from its child.
        try clearRequests()
        let pushedRemoval = try traced(["contenttype", "field", "remove", "--webUrl", web, "--contentTypeId", id, "--id", column, "--updateChildContentTypes", "--force"])
        XCTAssertTrue(pushedRemoval.contains(#"<Parameters><Parameter Type="Boolean">true</Parameter></Parameters>"#), pushedRemoval)
        XCTAssertEqual(try traffic("/ct-fields/"), ["GET /ct-fields/_api/site?$select=Id", "GET /ct-fields/_api/web?$select=Id",
                                                   "POST /ct-fields/_vti_bin/client.svc/ProcessQuery"])
        for type in [id, child] {
            XCTAssertEqual(try array(["contenttype", "field", "list", "--webUrl", web, "--contentTypeId", type]).compactMap { $0["InternalName"] as? String },
                           ["ContentType"])
        }
        try failsWith(["contenttype", "field", "remove", "--webUrl", web, "--contentTypeId", id, "--id", column, "--force"], "Unknown Error")
        try failsWith(["contenttype", "field", "remove", "--webUrl", web, "--contentTypeId", id, "--id", column], exit: 2,
                      "removing the column \(column) from content type \(id) needs confirmation: add --force to run without a terminal")
        // Title is the root web's column: this sub-site's Fields (which the CLI reads) lacks it.
        try failsWith(["contenttype", "field", "set", "--webUrl", web, "--contentTypeId", id, "--id", column, "--required", "true"],
                      "Invalid field name. {\(column)} \(web)")
        // A column of the sub-site the type doesn't link: its schema read (made deletable from the
        // type first), then linked over CSOM with the asked settings.
        let clause = "5f3b8a1e-6c1d-4e7a-9b2f-0c4d5e6f7a8b"
        try spo(["field", "add", "--webUrl", web, "--xml", "<Field Type=\"Text\" DisplayName=\"Clause\" Name=\"Clause\" ID=\"{\(clause)}\" />"])
        try clearRequests()
        let linkBody = try traced(["contenttype", "field", "set", "--webUrl", web, "--contentTypeId", id, "--id", clause, "--required", "true"])
        XCTAssertTrue(linkBody.contains(":field:\(clause)\""), linkBody)
        let relinked = try traffic("/ct-fields/")
        XCTAssertEqual(relinked.first, "GET /ct-fields/_api/web/contenttypes('\(id)')/fieldlinks('\(clause)')")
        XCTAssertEqual(relinked.dropFirst().first, "GET /ct-fields/_api/web/fields('\(clause)')?$select=SchemaXmlWithResourceTokens")
        XCTAssertEqual(relinked.last, "POST /ct-fields/_vti_bin/client.svc/ProcessQuery")
        XCTAssertEqual(try array(["contenttype", "field", "list", "--webUrl", web, "--contentTypeId", id, "--properties", "InternalName,Required"])
            .map { "\($0["InternalName"] ?? ""):\($0["Required"] ?? "")" }, ["ContentType:0", "Clause:1"])
        let unlink = try traced(["contenttype", "field", "remove", "--webUrl", web, "--contentTypeId", id, "--id", clause, "--force"])
        XCTAssertTrue(unlink.contains(#"<Parameters><Parameter Type="Boolean">false</Parameter></Parameters>"#), "Update(false) without -c: \(unlink)")
        try fails(["contenttype", "field", "set", "--webUrl", web, "--contentTypeId", id, "--id", "nope"], exit: 2, "nope is not a valid GUID")
        try fails(["contenttype", "field", "list", "--webUrl", web, "--contentTypeName", "Nothing"], "Content type with name Nothing not found.")

        // A list content type's column.
        try spo(["list", "add", "--webUrl", web, "--title", "Contracts"])
        let copy = try XCTUnwrap(try object(["list", "contenttype", "add", "--webUrl", web, "--listTitle", "Contracts", "--id", id])["StringId"] as? String)
        try clearRequests()
        try spo(["contenttype", "field", "remove", "--webUrl", web, "--listTitle", "Contracts", "--contentTypeId", copy, "--id",
                 "c042a256-787d-4a6f-8a8a-cf6ab767f12d", "--force"])
        XCTAssertEqual(try traffic("/ct-fields/"), ["GET /ct-fields/_api/site?$select=Id", "GET /ct-fields/_api/web?$select=Id",
                                                   "GET /ct-fields/_api/web/lists/GetByTitle('Contracts')?$select=Id",
                                                   "POST /ct-fields/_vti_bin/client.svc/ProcessQuery"])
        XCTAssertEqual(try array(["contenttype", "field", "list", "--webUrl", web, "--listTitle", "Contracts", "--contentTypeId", copy])
            .compactMap { $0["InternalName"] as? String }, [])
    }

    // MARK: The content type hub

    func testContentTypeHubGetAndSync() throws {
        try clearRequests()
        XCTAssertEqual(try spo(["contenttypehub", "get"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                       "{\n  \"ContentTypePublishingHub\": \"\(Self.hub)\"\n}")
        XCTAssertEqual(try traffic("/"), ["POST /_vti_bin/client.svc/ProcessQuery"])
        XCTAssertEqual(try spo(["contenttypehub", "get", "--output", "text"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                       "ContentTypePublishingHub: \(Self.hub)")

        // A type published in the hub, copied to a site by id and to a list by name, then synced.
        let id = "0x0101009D1CB255DA76424F860D91F20E6C4118"
        try spo(["contenttype", "add", "--webUrl", Self.hub, "--name", "Hub Contract", "--id", id, "--group", "Hub Types"])
        let web = try subsite("ct-sync")
        defer { _ = try? spo(["web", "remove", "--url", web, "--force"]) }
        try clearRequests()
        let copied = try object(["contenttype", "sync", "--webUrl", web, "--id", id])
        XCTAssertEqual(copied["id"] as? String, id)
        XCTAssertEqual(copied["name"] as? String, "Hub Contract")
        XCTAssertEqual(copied["parentId"] as? String, "0x0101")
        XCTAssertEqual((copied["base"] as? [String: Any])?["name"] as? String, "Document")
        let graph = try httpRequests("/v1.0/sites").map { "\($0["method"] ?? "") \($0["target"] ?? "")" }
        XCTAssertEqual(graph.count, 2, "\(graph)")
        XCTAssertEqual(graph.first, "GET /v1.0/sites/contoso.sharepoint.com:/ct-sync?$select=id")
        XCTAssertTrue(graph.last?.hasSuffix("/contenttypes/addCopyFromContentTypeHub") == true, "\(graph)")
        XCTAssertEqual(try object(["contenttype", "get", "--webUrl", web, "--id", id])["Name"] as? String, "Hub Contract")
        // Synced again: SharePoint answers 202 without a body, and nothing is printed.
        XCTAssertEqual(try spo(["contenttype", "sync", "--webUrl", web, "--id", id]).stdout, "")
        try spo(["list", "add", "--webUrl", web, "--title", "Contracts", "--baseTemplate", "DocumentLibrary"])
        let toList = try object(["contenttype", "sync", "--webUrl", web, "--listTitle", "Contracts", "--name", "Hub Contract"])
        XCTAssertEqual(toList["name"] as? String, "Hub Contract")
        XCTAssertTrue(try array(["list", "contenttype", "list", "--webUrl", web, "--listTitle", "Contracts"]).contains { $0["Name"] as? String == "Hub Contract" })
        try fails(["contenttype", "sync", "--webUrl", web, "--name", "Not published"], "Content type with name Not published not found.")
        try fails(["contenttype", "sync", "--webUrl", web, "--id", "0x0100DEAD"], "The content type is not published in the content type hub.")
    }
}
