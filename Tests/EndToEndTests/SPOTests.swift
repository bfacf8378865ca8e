import Foundation
import XCTest

/// `m365 spo …` end to end: the real binary and the SPO plugin against the emulator's
/// SharePoint REST over HTTPS (contoso.sharepoint.com, seeded with the Tasks list: items 1–3).
final class SPOTests: SPOTestCase {
    static let tasks = "60c210f9-1468-444a-8a34-157ff62c2dc2"

    func contextInfoRequests() throws -> Int {
        try spRequests().filter { ($0["path"] as? String ?? "").lowercased().hasSuffix("/_api/contextinfo") }.count
    }

    func forgetDigests() {
        try? FileManager.default.removeItem(at: harness.home.appendingPathComponent("m365/plugin-state"))
    }

    // MARK: Webs

    func testWebGetListSetAndTextOutput() throws {
        let web = try object(["web", "get", "--url", Self.root])
        XCTAssertEqual(web["Title"] as? String, "Contoso")
        XCTAssertEqual(web["Url"] as? String, Self.root)
        // Server-relative URLs expand against the connection's SharePoint URL.
        XCTAssertEqual(try object(["web", "get", "--url", "/"])["Id"] as? String, web["Id"] as? String)

        try spo(["web", "set", "--url", Self.root, "--title", "Contoso Intranet", "--description", "Home"])
        let updated = try object(["web", "get", "--url", Self.root])
        XCTAssertEqual(updated["Title"] as? String, "Contoso Intranet")
        XCTAssertEqual(updated["Description"] as? String, "Home")
        let text = try spo(["web", "get", "--url", Self.root, "--output", "text"]).stdout
        XCTAssertTrue(text.contains("Contoso Intranet"), text)

        XCTAssertEqual(try array(["web", "list", "--url", Self.root]).count, 0, "the seeded root has no subwebs")
        try fails(["web", "get", "--url", Self.root + "/sites/nowhere"], "nowhere")
        try fails(["web", "set", "--url", Self.root], exit: 2, "specify at least one property")
        try fails(["web", "get", "--url", "contoso.sharepoint.com"], exit: 2, "is not a valid SharePoint Online site URL.")
    }

    // MARK: Lists

    func testWebAddAndRemove() throws {
        try emulator.admin("requests", method: "DELETE")
        let created = try object(["web", "add", "--title", "Team A", "--url", "team-a", "--parentWebUrl", "/", "--webTemplate", "STS#3",
                                  "--description", "Our team", "--inheritNavigation"])
        XCTAssertEqual(created.keys.sorted(), ["Configuration", "Created", "Description", "Id", "Language", "LastItemModifiedDate",
                                               "LastItemUserModifiedDate", "ServerRelativeUrl", "Title", "WebTemplate", "WebTemplateId"],
                       "SP.WebInformation, as the CLI prints it")
        XCTAssertEqual(created["Title"] as? String, "Team A")
        XCTAssertEqual(created["Configuration"] as? Int, 3)
        XCTAssertEqual(created["ServerRelativeUrl"] as? String, "/team-a")
        XCTAssertEqual(try spRequests().filter { !($0["path"] as? String ?? "").hasSuffix("/_api/contextinfo") }.map { "\($0["method"] ?? "") \($0["path"] ?? "")" }, [
            "POST /_api/web/webinfos/add", "GET /team-a/_api/web/effectivebasepermissions", "POST /team-a/_vti_bin/client.svc/ProcessQuery",
        ], "the parent's navigation set where scripts may run")
        let url = Self.root + "/team-a"
        XCTAssertEqual(try object(["web", "get", "--url", url])["Description"] as? String, "Our team")
        XCTAssertTrue(try array(["web", "list", "--url", Self.root]).contains { ($0["Url"] as? String)?.lowercased() == url })
        try emulator.admin("requests", method: "DELETE")
        let websText = try spo(["web", "list", "--url", Self.root, "--output", "text"]).stdout
        XCTAssertTrue(websText.lowercased().contains(url), websText)
        XCTAssertEqual(try spRequests().compactMap { $0["target"] as? String }, ["/_api/web/webs?$select=Title%2CId%2CURL"], "text output asks for what it shows, as the CLI")
        try fails(["web", "add", "--title", "Again", "--url", "team-a", "--parentWebUrl", "/", "--webTemplate", "STS#3"], "is already in use")
        try fails(["web", "add", "--title", "X", "--url", "a/b", "--parentWebUrl", "/", "--webTemplate", "STS#3"], exit: 2, "--url")
        try emulator.admin("requests", method: "DELETE")
        try spo(["web", "remove", "--url", url, "--force"])
        let removal = try XCTUnwrap(try spRequests().last)
        XCTAssertEqual(removal["path"] as? String, "/team-a/_api/web")
        XCTAssertEqual((removal["headers"] as? [String: Any])?["x-http-method"] as? String, "DELETE")
        XCTAssertNil((removal["headers"] as? [String: Any])?["if-match"], "X-HTTP-Method alone, as the CLI")
        try fails(["web", "get", "--url", url], "There is no site or web at \(url)")
        try fails(["web", "remove", "--url", url], exit: 2, "--force")
    }

    /// `spo web set` takes the CLI's options and passes any other `--Property value` to SharePoint.
    func testWebSetAsTheCLIDoes() throws {
        _ = try object(["web", "add", "--title", "Team B", "--url", "team-b", "--parentWebUrl", "/", "--webTemplate", "STS#3"])
        let url = Self.root + "/team-b"
        try emulator.admin("requests", method: "DELETE")
        try spo(["web", "set", "--url", url, "--NoCrawl", "true", "--quickLaunchEnabled", "false", "--headerLayout", "compact",
                 "--searchScope", "site", "--welcomePage", "SitePages/Start.aspx"])
        XCTAssertEqual(try spRequests("/team-b/_api/web").map { "\($0["method"] ?? "") \($0["path"] ?? "") \($0["status"] ?? "")" },
                       ["POST /team-b/_api/web 204", "POST /team-b/_api/web/RootFolder 204"])
        let web = try object(["web", "get", "--url", url])
        XCTAssertEqual(web["NoCrawl"] as? Bool, true, "an undeclared option goes to SharePoint, typed")
        XCTAssertEqual(web["QuickLaunchEnabled"] as? Bool, false)
        XCTAssertEqual(web["HeaderLayout"] as? Int, 2)
        XCTAssertEqual(web["SearchScope"] as? Int, 3)
        try fails(["web", "set", "--url", url, "--Colour", "red"], "The property 'Colour' does not exist on type 'SP.Web'")
        try fails(["web", "set", "--url", url, "--headerEmphasis", "5"], exit: 2, "Allowed values are 0|1|2|3")
        try fails(["web", "set", "--url", url], exit: 2, "specify at least one property")
        try spo(["web", "remove", "--url", url, "--force"])
    }

    /// A folder or list URL is read as CLI for Microsoft 365 reads it: relative to the web, with
    /// or without a leading slash, unless it already holds the web's path.
    func testSiteRelativeURLsAsTheCLIReadsThem() throws {
        let marketing = Self.root + "/sites/marketing"
        try emulator.admin("requests", method: "DELETE")
        for given in ["/Shared Documents", "Shared Documents", "/sites/marketing/Shared Documents", "sites/marketing/Shared Documents/",
                      marketing + "/Shared Documents"] {
            try spo(["folder", "list", "--webUrl", marketing, "--parentFolderUrl", given])
        }
        let targets = try spRequests("/sites/marketing/_api/web/GetFolderByServerRelativePath").compactMap { $0["target"] as? String }
        XCTAssertEqual(Set(targets).count, 1, "one folder whichever form: \(targets)")
        XCTAssertTrue(targets.first?.contains("%27%2Fsites%2Fmarketing%2FShared%20Documents%27") == true, targets.first ?? "")
        XCTAssertEqual(try object(["list", "get", "--webUrl", marketing, "--url", "/Shared Documents"])["Title"] as? String, "Documents")
    }

    /// `--withPermissions` of list get, folder get, listitem get and web get as CLI for Microsoft
    /// 365 sends and prints them; a library's version policies come along.
    func testPermissionsAsTheCLIPrintsThem() throws {
        try emulator.admin("requests", method: "DELETE")
        let library = try object(["list", "get", "--webUrl", Self.root, "--default", "--withPermissions"])
        XCTAssertEqual(library["Title"] as? String, "Documents")
        XCTAssertEqual(try spRequests().compactMap { $0["target"] as? String }, [
            "/_api/web/DefaultDocumentLibrary?$expand=HasUniqueRoleAssignments%2CRoleAssignments%2FMember%2CRoleAssignments%2FRoleDefinitionBindings%2CVersionPolicies",
            "/_api/web/DefaultDocumentLibrary?$select=VersionPolicies&$expand=VersionPolicies",
        ])
        let assignments = try XCTUnwrap(library["RoleAssignments"] as? [[String: Any]])
        XCTAssertEqual(assignments.compactMap { ($0["Member"] as? [String: Any])?["PrincipalTypeString"] as? String }, ["SharePointGroup", "SharePointGroup", "SharePointGroup"])
        XCTAssertNil((assignments.first?["RoleDefinitionBindings"] as? [[String: Any]])?.first?["BasePermissionsValue"], "list get leaves the bindings as they are")
        XCTAssertEqual(library["HasUniqueRoleAssignments"] as? Bool, false)
        XCTAssertEqual((library["VersionPolicies"] as? [String: Any])?["DefaultTrimModeValue"] as? String, "NoExpiration")
        XCTAssertNil(try object(["list", "get", "--webUrl", Self.root, "--title", "Tasks"])["VersionPolicies"], "a list is no library")

        _ = try object(["folder", "add", "--webUrl", Self.root, "--parentFolderUrl", "/Shared Documents", "--name", "Guarded"])
        let folder = try object(["folder", "get", "--webUrl", Self.root, "--url", "/Shared Documents/Guarded", "--withPermissions"])
        let item = try XCTUnwrap(folder["ListItemAllFields"] as? [String: Any])
        XCTAssertEqual(item["HasUniqueRoleAssignments"] as? Bool, false)
        let reader = try XCTUnwrap((item["RoleAssignments"] as? [[String: Any]])?.first { ($0["PrincipalId"] as? Int) == 4 })
        let read = try XCTUnwrap((reader["RoleDefinitionBindings"] as? [[String: Any]])?.first)
        XCTAssertEqual(read["RoleTypeKindValue"] as? String, "Reader")
        XCTAssertEqual(read["BasePermissionsValue"] as? [String], ["ViewListItems", "OpenItems", "ViewVersions", "ViewFormPages", "Open", "ViewPages",
                                                                   "CreateSSCSite", "BrowseUserInfo", "UseClientIntegration", "UseRemoteAPIs", "CreateAlerts"])
        try fails(["folder", "get", "--webUrl", Self.root, "--url", "/Shared Documents", "--withPermissions"],
                  "Please ensure the specified folder URL or folder Id does not refer to a root folder. Use 'spo list get' with withPermissions instead.")

        let created = try object(["listitem", "add", "--webUrl", Self.root, "--listTitle", "Tasks", "--Title", "Guarded"])
        let unique = try XCTUnwrap(created["GUID"] as? String)
        try emulator.admin("requests", method: "DELETE")
        let byUnique = try object(["listitem", "get", "--webUrl", Self.root, "--listTitle", "Tasks", "--uniqueId", unique, "--withPermissions"])
        XCTAssertEqual(byUnique["Title"] as? String, "Guarded")
        XCTAssertNil(byUnique["ID"])
        XCTAssertEqual((byUnique["RoleAssignments"] as? [[String: Any]])?.count, 3)
        XCTAssertEqual(try spRequests().compactMap { $0["target"] as? String }, [
            "/_api/web/lists/GetByTitle('Tasks')/GetItemByUniqueId(guid'\(unique)')",
            "/_api/web/lists/GetByTitle('Tasks')/GetItemByUniqueId(guid'\(unique)')/RoleAssignments?$expand=Member%2CRoleDefinitionBindings",
        ])
        let web = try object(["web", "get", "--url", Self.root, "--withPermissions"])
        let binding = (web["RoleAssignments"] as? [[String: Any]])?.first.flatMap { ($0["RoleDefinitionBindings"] as? [[String: Any]])?.first }
        XCTAssertEqual((binding?["BasePermissionsValue"] as? [String])?.first, "ViewListItems")
    }

    func testListLifecycle() throws {
        let created = try object(["list", "add", "--webUrl", Self.root, "--title", "Projects", "--description", "All projects"])
        let id = try XCTUnwrap(created["Id"] as? String)
        XCTAssertEqual(created["BaseTemplate"] as? Int, 100, "GenericList is the default template")

        XCTAssertEqual(try object(["list", "get", "--webUrl", Self.root, "--title", "Projects"])["Id"] as? String, id)
        XCTAssertEqual(try object(["list", "get", "--webUrl", "/", "--id", id])["Title"] as? String, "Projects")
        XCTAssertEqual(try object(["list", "get", "--webUrl", Self.root, "--url", "Lists/Tasks"])["Id"] as? String, Self.tasks)
        let some = try object(["list", "get", "--webUrl", Self.root, "--id", id, "--properties", "Title,Description"])
        XCTAssertEqual(some["Description"] as? String, "All projects")

        let lists = try array(["list", "list", "--webUrl", Self.root])
        XCTAssertTrue(lists.contains { $0["Id"] as? String == id })
        let tasks = try XCTUnwrap(lists.first { $0["Title"] as? String == "Tasks" })
        XCTAssertEqual((tasks["RootFolder"] as? [String: Any])?["ServerRelativeUrl"] as? String, "/Lists/Tasks", "the root folder comes along")
        XCTAssertNil(tasks["Url"], "no field the CLI does not print")
        let filtered = try array(["list", "list", "--webUrl", Self.root, "--filter", "Title eq 'Projects'"])
        XCTAssertEqual(filtered.compactMap { $0["Id"] as? String }, [id])
        let text = try spo(["list", "list", "--webUrl", Self.root, "--output", "text"]).stdout
        XCTAssertEqual(header(text), ["Title", "Id"])
        XCTAssertTrue(text.contains("Projects"))

        try spo(["list", "set", "--webUrl", Self.root, "--title", "Projects", "--newTitle", "Programs"])
        XCTAssertEqual(try object(["list", "get", "--webUrl", Self.root, "--id", id])["Title"] as? String, "Programs")

        try spo(["list", "remove", "--webUrl", Self.root, "--id", id, "--force"])
        try fails(["list", "get", "--webUrl", Self.root, "--id", id], "does not exist")
        try fails(["list", "get", "--webUrl", Self.root, "--title", "Ghosts"], "List 'Ghosts' does not exist")
        try fails(["list", "remove", "--webUrl", Self.root, "--title", "Tasks"], exit: 2, "--force")
    }

    /// `spo list add` and `spo list set` take the CLI's list settings and send them as SP.List properties.
    func testListSettingsAsTheCLIMapsThem() throws {
        let created = try object(["list", "add", "--webUrl", Self.root, "--title", "Versioned", "--baseTemplate", "DocumentLibrary",
                                  "--enableVersioning", "--majorVersionLimit", "50", "--onQuickLaunch", "--draftVersionVisibility", "Approver",
                                  "--direction", "RTL", "--enableFolderCreation", "false"])
        XCTAssertEqual(created["EnableVersioning"] as? Bool, true)
        XCTAssertEqual(created["MajorVersionLimit"] as? Int, 50)
        XCTAssertEqual(created["OnQuickLaunch"] as? Bool, true)
        XCTAssertEqual(created["DraftVersionVisibility"] as? Int, 2, "the enum's number, as the CLI sends it")
        XCTAssertEqual(created["Direction"] as? String, "RTL")
        XCTAssertEqual(created["EnableFolderCreation"] as? Bool, false)

        try emulator.admin("requests", method: "DELETE")
        try spo(["list", "set", "--webUrl", Self.root, "--title", "Versioned", "--hidden", "--noCrawl"])
        let sent = try spRequests("/_api/web/lists")
        XCTAssertEqual(sent.map { $0["method"] as? String }, ["POST"])
        XCTAssertEqual(sent.first?["path"] as? String, "/_api/web/lists/GetByTitle('Versioned')")
        XCTAssertEqual((sent.first?["headers"] as? [String: Any])?["x-http-method"] as? String, "MERGE")
        let updated = try object(["list", "get", "--webUrl", Self.root, "--title", "Versioned"])
        XCTAssertEqual(updated["Hidden"] as? Bool, true)
        XCTAssertEqual(updated["NoCrawl"] as? Bool, true)
        XCTAssertEqual(updated["MajorVersionLimit"] as? Int, 50, "settings not given are kept")

        try fails(["list", "add", "--webUrl", Self.root, "--title", "X", "--majorVersionLimit", "5"], exit: 2,
                  "majorVersionLimit option is only valid in combination with enableVersioning.")
        try fails(["list", "set", "--webUrl", Self.root, "--title", "Versioned", "--readSecurity", "3"], exit: 2,
                  "3 is not a valid readSecurity value. Allowed values are 1|2")
        try fails(["list", "set", "--webUrl", Self.root, "--title", "Versioned", "--emailAlias", "a@contoso.com"], exit: 2,
                  "emailAlias could not be set if enableAssignToEmail is not set to true")
        try fails(["list", "set", "--webUrl", Self.root, "--title", "Versioned"], exit: 2, "Specify at least one option to update.")

        // The version policy: through CSOM, as the CLI sets it; list get shows it.
        try emulator.admin("requests", method: "DELETE")
        try spo(["list", "set", "--webUrl", Self.root, "--title", "Versioned", "--versionExpireAfterDays", "30"])
        XCTAssertEqual(try spRequests().filter { !($0["path"] as? String ?? "").hasSuffix("/_api/contextinfo") }.compactMap { $0["path"] as? String },
                       ["/_vti_bin/client.svc/ProcessQuery"], "no MERGE when only the policy changes")
        var policies = try XCTUnwrap(try object(["list", "get", "--webUrl", Self.root, "--title", "Versioned"])["VersionPolicies"] as? [String: Any])
        XCTAssertEqual(policies["DefaultTrimMode"] as? Int, 1)
        XCTAssertEqual(policies["DefaultExpireAfterDays"] as? Int, 30)
        XCTAssertEqual(policies["DefaultTrimModeValue"] as? String, "ExpireAfter")
        try spo(["list", "set", "--webUrl", Self.root, "--url", "/Versioned", "--versionAutoExpireTrim"])
        policies = try XCTUnwrap(try object(["list", "get", "--webUrl", Self.root, "--title", "Versioned"])["VersionPolicies"] as? [String: Any])
        XCTAssertEqual(policies["DefaultTrimModeValue"] as? String, "AutoExpiration")
        try fails(["list", "set", "--webUrl", Self.root, "--title", "Versioned", "--versionExpireAfterDays", "5", "--versionAutoExpireTrim", "true"], exit: 2,
                  "versionExpireAfterDays cannot be used together with versionAutoExpireTrim set to true.")
        try spo(["list", "remove", "--webUrl", Self.root, "--title", "Versioned", "--force"])
    }

    func testListRecycleAndDocumentLibrary() throws {
        let library = try object(["list", "add", "--webUrl", Self.root, "--title", "Contracts", "--baseTemplate", "DocumentLibrary"])
        XCTAssertEqual(library["BaseTemplate"] as? Int, 101)
        try spo(["list", "remove", "--webUrl", Self.root, "--title", "Contracts", "--recycle", "--force"])
        try fails(["list", "get", "--webUrl", Self.root, "--title", "Contracts"], "does not exist")
    }

    // MARK: List items

    func testListItemLifecycle() throws {
        let list = ["--webUrl", Self.root, "--listTitle", "Tasks"]
        let added = try object(["listitem", "add"] + list + ["--Title", "Write the SPO plugin"])
        let id = try XCTUnwrap(added["Id"] as? Int)
        XCTAssertEqual(added["Title"] as? String, "Write the SPO plugin")

        let fetched = try object(["listitem", "get", "--webUrl", Self.root, "--listId", Self.tasks, "--id", String(id)])
        XCTAssertEqual(fetched["Title"] as? String, "Write the SPO plugin")
        let some = try object(["listitem", "get", "--webUrl", Self.root, "--listUrl", "/Lists/Tasks", "--id", String(id), "--properties", "Id,Title"])
        XCTAssertEqual(some["Title"] as? String, "Write the SPO plugin")

        let updated = try object(["listitem", "set"] + list + ["--id", String(id), "--Title", "Ship the SPO plugin"])
        XCTAssertEqual(updated["Title"] as? String, "Ship the SPO plugin")

        let items = try array(["listitem", "list"] + list)
        XCTAssertEqual(items.count, 4)
        let titled = try array(["listitem", "list"] + list + ["--fields", "Id,Title", "--filter", "Title eq 'Ship the SPO plugin'"])
        XCTAssertEqual(titled.compactMap { $0["Id"] as? Int }, [id])
        try emulator.admin("requests", method: "DELETE")
        let text = try spo(["listitem", "list"] + list + ["--output", "text"]).stdout
        XCTAssertEqual(header(text), ["Title", "Id"])
        XCTAssertEqual(try spRequests().compactMap { $0["query"] as? String }, ["$select=Title%2CId&$top=5000"], "text output asks for its columns, as the CLI")
        XCTAssertTrue(text.contains("Ship the SPO plugin"))

        try spo(["listitem", "remove"] + list + ["--id", String(id), "--force"])
        try fails(["listitem", "get"] + list + ["--id", String(id)], "Item does not exist")
        try spo(["listitem", "remove"] + list + ["--id", "1", "--recycle", "--force"])
        XCTAssertEqual(try array(["listitem", "list"] + list).count, 2)
        try fails(["listitem", "remove"] + list + ["--id", "999", "--force"], "does not exist")
    }

    /// `listitem add --folder` as CLI for Microsoft 365: the list's root folder, the folder
    /// (made when missing, with its parents), the item created in it.
    func testListItemAddIntoAFolder() throws {
        try spo(["list", "add", "--webUrl", Self.root, "--title", "Filed", "--baseTemplate", "GenericList"])
        let filed = ["--webUrl", Self.root, "--listTitle", "Filed"]
        try emulator.admin("requests", method: "DELETE")
        let item = try object(["listitem", "add"] + filed + ["--Title", "In 2026", "--folder", "2026/Q1"])
        XCTAssertEqual(item["FileDirRef"] as? String, "/Lists/Filed/2026/Q1")
        XCTAssertEqual(try spRequests().filter { !($0["path"] as? String ?? "").hasSuffix("/_api/contextinfo") }.map { "\($0["method"] ?? "") \($0["path"] ?? "")" }.prefix(4), [
            "GET /_api/web/lists/GetByTitle('Filed')/contenttypes",
            "GET /_api/web/lists/GetByTitle('Filed')/rootFolder",
            "GET /_api/web/GetFolderByServerRelativePath(DecodedUrl=@f)",
            "POST /_api/web/folders/addUsingPath(DecodedUrl=@f)",
        ])
        XCTAssertEqual(try object(["folder", "get", "--webUrl", Self.root, "--url", "/Lists/Filed/2026/Q1"])["Name"] as? String, "Q1", "made with its parent")
        let again = try object(["listitem", "add"] + filed + ["--Title", "Also", "--folder", "/Lists/Filed/2026"])
        XCTAssertEqual(again["FileDirRef"] as? String, "/Lists/Filed/2026", "a folder that names the root folder is taken as it is")
    }

    func testListItemSystemUpdate() throws {
        let list = ["--webUrl", Self.root, "--listTitle", "Tasks"]
        let before = try object(["listitem", "get"] + list + ["--id", "2"])
        try emulator.admin("requests", method: "DELETE")
        let updated = try object(["listitem", "set"] + list + ["--id", "2", "--Title", "Quietly fixed", "--systemUpdate"])
        XCTAssertEqual(updated["Title"] as? String, "Quietly fixed")
        XCTAssertNil(updated["ID"])
        for kept in ["Modified", "EditorId", "OData__UIVersionString"] {
            XCTAssertEqual(updated[kept] as? String ?? (updated[kept] as? Int).map(String.init), before[kept] as? String ?? (before[kept] as? Int).map(String.init), kept)
        }
        // As CLI for Microsoft 365: the list's id, the web's identity, CSOM's SystemUpdate, the item.
        XCTAssertEqual(try spRequests().filter { !($0["path"] as? String ?? "").hasSuffix("/_api/contextinfo") }.map { "\($0["method"] ?? "") \($0["target"] ?? "")" }, [
            "GET /_api/web/lists/GetByTitle('Tasks')?$select=Id",
            "POST /_vti_bin/client.svc/ProcessQuery",
            "POST /_vti_bin/client.svc/ProcessQuery",
            "GET /_api/web/lists/GetByTitle('Tasks')/items(2)",
        ])
        try fails(["listitem", "set"] + list + ["--id", "999", "--Title", "Nowhere", "--systemUpdate"], "Item does not exist")
        XCTAssertEqual(try object(["listitem", "set"] + list + ["--id", "2"])["Title"] as? String, "Quietly fixed", "no field: the item as it is, as the CLI")
    }

    func testListItemCamlQuery() throws {
        let list = ["--webUrl", Self.root, "--listTitle", "Tasks"]
        let caml = "<View><Query><Where><Eq><FieldRef Name='Title'/><Value Type='Text'>Review the navigation</Value></Eq></Where></Query></View>"
        let found = try array(["listitem", "list"] + list + ["--camlQuery", caml])
        XCTAssertEqual(found.compactMap { $0["Id"] as? Int }, [2])
        XCTAssertEqual(try array(["listitem", "list"] + list + ["--camlQuery", caml, "--filter", "Id eq 1"]).compactMap { $0["Id"] as? Int }, [2],
                       "--filter goes unused with --camlQuery, as the CLI")
        XCTAssertNil(found.first?["ID"], "no ID twin, as the CLI prints items")

        // A row limit sets the page size: the CLI pages on until a page comes back empty.
        let all = try array(["listitem", "list"] + list + ["--fields", "Id"])
        try emulator.admin("requests", method: "DELETE")
        let paged = try array(["listitem", "list"] + list + ["--camlQuery", "<View><RowLimit>2</RowLimit></View>"])
        XCTAssertEqual(paged.compactMap { $0["Id"] as? Int }, all.compactMap { $0["Id"] as? Int })
        let everything = try array(["listitem", "list"] + list)
        XCTAssertNotNil(everything.first?["Id"])
        XCTAssertFalse(everything.contains { $0["ID"] != nil }, "streamed items without their ID twin")
        XCTAssertEqual(try spRequests().filter { ($0["path"] as? String ?? "").hasSuffix("/GetItems") }.count, (all.count + 1) / 2 + 1,
                       "pages of two, then the empty one")
    }

    func testListItemPagesAndPaging() throws {
        let list = ["--webUrl", Self.root, "--listTitle", "Tasks"]
        let page = try array(["listitem", "list"] + list + ["--pageSize", "2", "--pageNumber", "1", "--fields", "Id"])
        XCTAssertEqual(page.compactMap { $0["Id"] as? Int }, [3], "the second page of two holds the third item")

        try emulator.admin("sharepoint/items", method: "POST", json: #"{"site":"\#(Self.root)","list":"Tasks","count":5200}"#)
        try emulator.admin("requests", method: "DELETE")
        let all = try array(["listitem", "list"] + list + ["--fields", "Id,Title"])
        XCTAssertEqual(all.count, 5203)
        XCTAssertEqual(Set(all.compactMap { $0["Id"] as? Int }).count, 5203, "no item twice")
        XCTAssertEqual(try spRequests().filter { ($0["path"] as? String ?? "").lowercased().hasSuffix("/items") }.count, 2,
                       "5000 per page: two pages, the second through odata.nextLink")
    }

    // MARK: Request digest

    /// REST writes carry no digest, as CLI for Microsoft 365 sends none with a bearer token; the
    /// CSOM calls that do carry one share it across processes.
    func testRESTWritesSendNoDigestAndCSOMReusesOne() throws {
        forgetDigests()
        let list = ["--webUrl", Self.root, "--listTitle", "Tasks"]
        let id = try XCTUnwrap(try object(["listitem", "add"] + list + ["--Title", "one"])["Id"] as? Int)
        try spo(["listitem", "set"] + list + ["--id", String(id), "--Title", "two"])
        try spo(["list", "set", "--webUrl", Self.root, "--title", "Tasks", "--description", "Things to do"])
        try spo(["listitem", "remove"] + list + ["--id", String(id), "--force"])
        XCTAssertEqual(try contextInfoRequests(), 0, "no digest for REST writes")
        let writes = try spRequests().filter { ($0["method"] as? String) == "POST" }
        XCTAssertEqual(writes.count, 4)
        for write in writes {
            let headers = write["headers"] as? [String: Any] ?? [:]
            XCTAssertNil(headers["x-requestdigest"], "\(write["path"] ?? "")")
        }
        try spo(["storageentity", "set", "--appCatalogUrl", "/sites/apps", "--key", "DigestOne", "--value", "1"])
        try spo(["storageentity", "set", "--appCatalogUrl", "/sites/apps", "--key", "DigestTwo", "--value", "2"])
        XCTAssertEqual(try contextInfoRequests(), 1, "one digest for two CSOM calls in two processes")
    }

    // MARK: Failures

    /// With a token and a digest cached, each command sends exactly the requests it needs; the
    /// count per command is stated here and read from the emulator's request log.
    func testEachCommandSendsOnlyTheRequestsItNeeds() throws {
        try spo(["list", "add", "--webUrl", Self.root, "--title", "Warm-up"])  // caches the token and the digest
        let cases: [([String], [String])] = [
            (["web", "get", "--url", Self.root], ["GET"]),
            (["web", "list", "--url", Self.root], ["GET"]),
            (["web", "set", "--url", Self.root, "--title", "Contoso"], ["POST"]),
            (["list", "list", "--webUrl", Self.root], ["GET"]),
            (["list", "get", "--webUrl", Self.root, "--title", "Tasks"], ["GET"]),
            (["list", "add", "--webUrl", Self.root, "--title", "Counted"], ["POST"]),
            (["list", "set", "--webUrl", Self.root, "--title", "Counted", "--description", "d"], ["POST"]),
            (["listitem", "list", "--webUrl", Self.root, "--listTitle", "Tasks"], ["GET"]),
            (["listitem", "get", "--webUrl", Self.root, "--listTitle", "Tasks", "--id", "1"], ["GET"]),
            // As the CLI: the list's content types, the form values, the item read back.
            (["listitem", "add", "--webUrl", Self.root, "--listTitle", "Tasks", "--Title", "x"], ["GET", "POST", "GET"]),
            (["listitem", "set", "--webUrl", Self.root, "--listTitle", "Tasks", "--id", "1", "--Title", "y"], ["POST", "GET"]),
            (["listitem", "remove", "--webUrl", Self.root, "--listTitle", "Tasks", "--id", "2", "--force"], ["POST"]),
            (["list", "remove", "--webUrl", Self.root, "--title", "Counted", "--force"], ["POST"]),
        ]
        for (arguments, methods) in cases {
            try emulator.admin("requests", method: "DELETE")
            try spo(arguments)
            let sent = try httpRequests("").compactMap { $0["method"] as? String }
            XCTAssertEqual(sent, methods, "spo \(arguments.prefix(2).joined(separator: " ")): no digest, token or lookup requests")
        }
    }

    func testBadInputFailsBeforeAnyRequest() throws {
        try emulator.admin("requests", method: "DELETE")
        let list = ["--webUrl", Self.root, "--listTitle", "Tasks"]
        try fails(["list", "list", "--webUrl", "http://contoso.sharepoint.com"], exit: 2, "is not a valid SharePoint Online site URL.")
        try fails(["list", "get", "--webUrl", Self.root, "--id", "nope"], exit: 2, "not a valid GUID")
        try fails(["list", "get", "--webUrl", Self.root], exit: 2, "--id")
        try fails(["list", "add", "--webUrl", Self.root, "--title", "x", "--baseTemplate", "Spreadsheet"], exit: 2, "Spreadsheet")
        try fails(["list", "set", "--webUrl", Self.root, "--title", "Tasks"], exit: 2, "Specify at least one option to update.")
        try fails(["list", "set", "--webUrl", Self.root, "--title", "Tasks", "--majorVersionLimit", "0"], exit: 2, "majorVersionLimit must be a positive whole number")
        try fails(["listitem", "list"] + list + ["--camlQuery", "<View/>", "--fields", "Title"], exit: 2, "You cannot use the fields-option when specifying a camlQuery")
        try fails(["listitem", "list"] + list + ["--pageNumber", "1"], exit: 2, "pageSize must be specified if pageNumber is specified")
        try fails(["listitem", "get"] + list + ["--id", "abc"], exit: 2, "id")
        try fails(["listitem", "get"] + list + ["--id", "1.5"], exit: 2, "whole number")
        try fails(["listitem", "get", "--webUrl", Self.root, "--listId", "x", "--id", "1"], exit: 2, "not a valid GUID")
        XCTAssertEqual(try spRequests().count, 0, "nothing reaches SharePoint")
    }

    func testThrottledCommandsSucceedAfterRetryAfter() throws {
        let cases: [(String, [String])] = [
            ("/_api/web/webs", ["web", "list", "--url", Self.root]),
            ("/_api/web/lists", ["list", "list", "--webUrl", Self.root]),
            ("/_api/web/lists", ["listitem", "list", "--webUrl", Self.root, "--listId", Self.tasks]),
        ]
        for (path, arguments) in cases {
            try emulator.admin("requests", method: "DELETE")
            try throttleSharePoint(path)
            _ = try array(arguments)
            XCTAssertEqual(try spRequests(path).count, 2, "\(arguments): throttled once, then answered")
        }
        try throttleSharePoint("/_api/web")
        XCTAssertEqual(try object(["web", "get", "--url", Self.root])["Title"] as? String, "Contoso")
        try throttleSharePoint("/_api/web/lists")
        let added = try object(["listitem", "add", "--webUrl", Self.root, "--listTitle", "Tasks", "--Title", "after a 429"])
        XCTAssertEqual(added["Title"] as? String, "after a 429")
    }

    func testSharePointURLIsLearnedOnceThroughGraph() throws {
        // A fresh home signed in as the admin, without 'spo set'.
        let fresh = try Self.connectedHarness(emulator)
        defer { fresh.cleanUp() }
        let login = try fresh.run(["login", "--authType", "password", "--appId", Self.publicApp, "--tenant", Self.tenant,
                                   "--userName", Self.admin.upn, "--password", "Adm1n!Passw0rd"])
        XCTAssertEqual(login.status, 0, login.stderr)

        // Graph cannot answer: the command says how to give the URL, and SharePoint sees nothing.
        try emulator.admin("faults", method: "POST", json: #"{"kind":"html","status":403,"count":1,"host":"graph.microsoft.com","pathPrefix":"/v1.0/sites/root"}"#)
        try emulator.admin("requests", method: "DELETE")
        try fails(["list", "list", "--webUrl", "/sites/marketing"], exit: 2, "m365 spo set --url https://contoso.sharepoint.com", harness: fresh)
        XCTAssertEqual(try spRequests().count, 0)

        // Then it is learned from sites/root once and kept with the connection.
        for _ in 0..<2 {
            let listed = try fresh.run(["spo", "list", "list", "--webUrl", "/sites/marketing"])
            XCTAssertEqual(listed.status, 0, listed.stderr)
        }
        XCTAssertEqual(try emulator.requests(pathPrefix: "/v1.0/sites/root").count, 2, "the refused attempt, then one discovery")
        XCTAssertEqual(try spRequests().count, 2, "both runs reached https://contoso.sharepoint.com/sites/marketing")
    }

    func testAppOnlyWithSecretIsRefusedClearly() throws {
        let appOnly = try appOnlyHarness()
        defer { appOnly.cleanUp() }
        XCTAssertEqual(try appOnly.run(["spo", "set", "--url", Self.root]).status, 0)
        try emulator.admin("requests", method: "DELETE")
        try fails(["list", "add", "--webUrl", Self.root, "--title", "Nope"], exit: 1, "SharePoint does not support authentication using client ID and secret", harness: appOnly)
        XCTAssertEqual(try spRequests().count, 0)
    }
}
