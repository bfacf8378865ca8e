import Foundation
import XCTest

/// `m365 spo <list|listitem|web|file|folder> roleassignment add|remove`, `… roleinheritance
/// break|reset`, `spo roledefinition add|get|list|remove`, `spo group set` and `spo user remove`
/// end to end: the requests CLI for Microsoft 365 sends, answered by the emulator's role
/// assignments per object (inherited until broken) and its role definitions. Each test makes
/// its own lists, folders and sites.
final class SPOPermissionTests: SPOTestCase {
    static let read = 1073741826, contribute = 1073741827, edit = 1073741830, fullControl = 1073741829

    /// `METHOD target` of the SharePoint requests since the last clear, request digests aside.
    func sent() throws -> [String] {
        try spRequests().filter { !($0["path"] as? String ?? "").hasSuffix("/_api/contextinfo") }.map { "\($0["method"] ?? "") \($0["target"] ?? "")" }
    }

    func clearRequests() throws { try emulator.admin("requests", method: "DELETE") }

    func unique(_ prefix: String) -> String { prefix + "-" + UUID().uuidString.prefix(8).lowercased() }

    /// Principal id → role definition ids of the assignments in `object["RoleAssignments"]`.
    func roles(_ object: [String: Any]?) -> [Int: [Int]] {
        var out: [Int: [Int]] = [:]
        for a in object?["RoleAssignments"] as? [[String: Any]] ?? [] {
            out[a["PrincipalId"] as? Int ?? -1] = (a["RoleDefinitionBindings"] as? [[String: Any]] ?? []).compactMap { $0["Id"] as? Int }
        }
        return out
    }

    func siteUserId(_ upn: String, web: String = root) throws -> Int {
        try XCTUnwrap(try object(["user", "ensure", "--webUrl", web, "--userName", upn])["Id"] as? Int)
    }

    func adminId(web: String = root) throws -> Int { try siteUserId(Self.admin.upn, web: web) }

    /// The root site's associated groups start with Full Control, Edit and Read.
    static let inherited: [Int: [Int]] = [3: [fullControl], 5: [edit], 4: [read]]

    func testListRoleInheritanceAndAssignments() throws {
        let title = unique("Perm")
        try spo(["list", "add", "--webUrl", Self.root, "--title", title])
        defer { _ = try? spo(["list", "remove", "--webUrl", Self.root, "--title", title, "--force"]) }
        let list = ["--webUrl", Self.root, "--listTitle", title]
        func permissions() throws -> [String: Any] { try object(["list", "get", "--webUrl", Self.root, "--title", title, "--withPermissions"]) }
        let megan = try siteUserId(Self.megan.upn)

        XCTAssertEqual(try permissions()["HasUniqueRoleAssignments"] as? Bool, false)
        // An object that inherits cannot take an assignment of its own.
        try fails(["list", "roleassignment", "add"] + list + ["--principalId", "\(megan)", "--roleDefinitionId", "\(Self.read)"],
                  "This operation is not allowed on an object that inherits permissions.")

        // break: a copy of the web's assignments.
        try clearRequests()
        let broke = try spo(["list", "roleinheritance", "break"] + list + ["--force"])
        XCTAssertEqual(broke.stdout, "")
        XCTAssertEqual(try sent(), ["POST /_api/web/lists/getByTitle('\(title)')/breakroleinheritance(true)"])
        var now = try permissions()
        XCTAssertEqual(now["HasUniqueRoleAssignments"] as? Bool, true)
        XCTAssertEqual(roles(now), Self.inherited)

        // add by user name (ensured, as the CLI does for lists) and role definition name.
        try clearRequests()
        let added = try spo(["list", "roleassignment", "add"] + list + ["--upn", Self.megan.upn, "--roleDefinitionName", "Read"])
        XCTAssertEqual(added.stdout, "")
        XCTAssertEqual(try sent(), ["GET /_api/web/roledefinitions", "POST /_api/web/ensureuser",
                                    "POST /_api/web/lists/getByTitle('\(title)')/roleassignments/addroleassignment(principalid='\(megan)',roledefid='\(Self.read)')"])
        // A second role for the same principal joins the first.
        try spo(["list", "roleassignment", "add", "--webUrl", Self.root, "--listUrl", "Lists/\(title)", "--principalId", "\(megan)", "--roleDefinitionId", "\(Self.contribute)"])
        now = try permissions()
        XCTAssertEqual(roles(now), Self.inherited.merging([megan: [Self.read, Self.contribute]]) { $1 })
        let meganRow = (now["RoleAssignments"] as? [[String: Any]])?.first { ($0["PrincipalId"] as? Int) == megan }
        XCTAssertEqual((meganRow?["Member"] as? [String: Any])?["PrincipalTypeString"] as? String, "User")

        // remove by principal id.
        try clearRequests()
        try spo(["list", "roleassignment", "remove"] + list + ["--principalId", "\(megan)", "--force"])
        XCTAssertEqual(try sent(), ["POST /_api/web/lists/getByTitle('\(title)')/roleassignments/removeroleassignment(principalid='\(megan)')"])
        XCTAssertEqual(roles(try permissions()), Self.inherited)

        // reset: the web's again.
        try clearRequests()
        try spo(["list", "roleinheritance", "reset"] + list + ["--force"])
        XCTAssertEqual(try sent(), ["POST /_api/web/lists/getByTitle('\(title)')/resetroleinheritance"])
        XCTAssertEqual(try permissions()["HasUniqueRoleAssignments"] as? Bool, false)

        // break without copying: only the caller, with Full Control.
        let id = try XCTUnwrap(try permissions()["Id"] as? String)
        try clearRequests()
        try spo(["list", "roleinheritance", "break", "--webUrl", Self.root, "--listId", id, "--clearExistingPermissions", "--force"])
        XCTAssertEqual(try sent(), ["POST /_api/web/lists(guid'\(id)')/breakroleinheritance(false)"])
        XCTAssertEqual(roles(try permissions()), [try adminId(): [Self.fullControl]])

        // Errors: SharePoint's and the CLI's.
        try fails(["list", "roleassignment", "add"] + list + ["--principalId", "99999", "--roleDefinitionId", "\(Self.read)"],
                  "Can not find the principal with id: 99999.")
        try fails(["list", "roleassignment", "add"] + list + ["--principalId", "\(megan)", "--roleDefinitionName", "Nope"], "No roledefinition is found for Nope")
        try fails(["list", "roleassignment", "add"] + list + ["--principalId", "\(megan)", "--roleDefinitionId", "12345"],
                  "Value does not fall within the expected range.")
        try fails(["list", "roleassignment", "add"] + list + ["--groupName", "No such group", "--roleDefinitionId", "\(Self.read)"], "Group cannot be found.")
        try fails(["list", "roleinheritance", "break", "--webUrl", Self.root, "--listTitle", title + "-missing", "--force"], "does not exist")
        try fails(["list", "roleassignment", "add"] + list + ["--principalId", "x", "--roleDefinitionId", "1"], exit: 2, "is not a valid principal id")
    }

    func testListItemRoleInheritanceAndAssignments() throws {
        let title = unique("PermItem")
        try spo(["list", "add", "--webUrl", Self.root, "--title", title])
        defer { _ = try? spo(["list", "remove", "--webUrl", Self.root, "--title", title, "--force"]) }
        let item = try XCTUnwrap(try object(["listitem", "add", "--webUrl", Self.root, "--listTitle", title, "--Title", "Secret"])["Id"] as? Int)
        let target = ["--webUrl", Self.root, "--listTitle", title, "--listItemId", "\(item)"]
        func permissions() throws -> [String: Any] { try object(["listitem", "get"] + target.filter { $0 != "--listItemId" && $0 != "\(item)" } + ["--id", "\(item)", "--withPermissions"]) }
        let visitors = try XCTUnwrap(try object(["group", "get", "--webUrl", Self.root, "--associatedGroup", "Visitor"])["Title"] as? String)

        try clearRequests()
        try spo(["listitem", "roleinheritance", "break"] + target + ["--force"])
        XCTAssertEqual(try sent(), ["POST /_api/web/lists/getbytitle('\(title)')/items(\(item))/breakroleinheritance(true)"])
        XCTAssertEqual(roles(try permissions()), Self.inherited)

        // The visitors group gains Contribute (found by name), then loses its assignment.
        try clearRequests()
        try spo(["listitem", "roleassignment", "add"] + target + ["--groupName", visitors, "--roleDefinitionName", "Contribute"])
        XCTAssertEqual(try sent(), ["GET /_api/web/roledefinitions", "GET /_api/web/sitegroups/GetByName('\(visitors.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)')",
                                    "POST /_api/web/lists/getByTitle('\(title)')/items(\(item))/roleassignments/addroleassignment(principalid='4',roledefid='\(Self.contribute)')"])
        XCTAssertEqual(roles(try permissions())[4], [Self.read, Self.contribute])
        // A user without an assignment: nothing to remove, no complaint.
        let megan = try siteUserId(Self.megan.upn)
        try clearRequests()
        try spo(["listitem", "roleassignment", "remove"] + target + ["--upn", Self.megan.upn, "--force"])
        XCTAssertEqual(try sent(), ["GET /_api/web/siteusers/GetByEmail('megan.bowen%40contoso.com')",
                                    "POST /_api/web/lists/getByTitle('\(title)')/items(\(item))/roleassignments/removeroleassignment(principalid='\(megan)')"])
        try spo(["listitem", "roleassignment", "remove"] + target + ["--principalId", "4", "--force"])
        XCTAssertEqual(roles(try permissions()), [3: [Self.fullControl], 5: [Self.edit]])
        // The list still inherits: the item alone changed.
        XCTAssertEqual(roles(try object(["list", "get", "--webUrl", Self.root, "--title", title, "--withPermissions"])), Self.inherited)

        try clearRequests()
        try spo(["listitem", "roleinheritance", "reset"] + target + ["--force"])
        XCTAssertEqual(try sent(), ["POST /_api/web/lists/getbytitle('\(title)')/items(\(item))/resetroleinheritance"])
        XCTAssertEqual(roles(try permissions()), Self.inherited)
        try fails(["listitem", "roleinheritance", "reset", "--webUrl", Self.root, "--listTitle", title, "--listItemId", "9999", "--force"], "Item does not exist")
    }

    func testFolderAndFileRoleInheritanceAndAssignments() throws {
        let title = unique("PermLib")
        try spo(["list", "add", "--webUrl", Self.root, "--title", title, "--baseTemplate", "DocumentLibrary"])
        defer { _ = try? spo(["list", "remove", "--webUrl", Self.root, "--title", title, "--force"]) }
        try spo(["folder", "add", "--webUrl", Self.root, "--parentFolderUrl", "/\(title)", "--name", "Reports"])
        let source = FileManager.default.temporaryDirectory.appendingPathComponent("perm-\(UUID().uuidString).txt")
        try Data("numbers".utf8).write(to: source)
        defer { try? FileManager.default.removeItem(at: source) }
        let file = try object(["file", "add", "--webUrl", Self.root, "--folder", "/\(title)/Reports", "--path", source.path])
        let fileId = try XCTUnwrap(file["UniqueId"] as? String)
        let fileUrl = "/\(title)/Reports/\(source.lastPathComponent)"
        let folder = ["--webUrl", Self.root, "--folderUrl", "/\(title)/Reports"]
        func folderItem() throws -> [String: Any]? {
            try object(["folder", "get", "--webUrl", Self.root, "--url", "/\(title)/Reports", "--withPermissions"])["ListItemAllFields"] as? [String: Any]
        }
        func filePermissions() throws -> [String: Any] { try object(["file", "get", "--webUrl", Self.root, "--url", fileUrl, "--withPermissions"]) }
        let megan = try siteUserId(Self.megan.upn)
        let encodedFolder = "%2F\(title)%2FReports"

        // The folder breaks with nothing copied, then gives Megan Contribute.
        try clearRequests()
        try spo(["folder", "roleinheritance", "break"] + folder + ["--clearExistingPermissions", "--force"])
        XCTAssertEqual(try sent(), ["POST /_api/web/GetFolderByServerRelativePath(DecodedUrl='\(encodedFolder)')/ListItemAllFields/breakroleinheritance(false)"])
        try clearRequests()
        try spo(["folder", "roleassignment", "add"] + folder + ["--principalId", "\(megan)", "--roleDefinitionName", "Contribute"])
        XCTAssertEqual(try sent(), ["GET /_api/web/roledefinitions",
                                    "POST /_api/web/GetFolderByServerRelativePath(DecodedUrl='\(encodedFolder)')/ListItemAllFields/roleassignments/addroleassignment(principalid='\(megan)',roledefid='\(Self.contribute)')"])
        let admin = try adminId()
        XCTAssertEqual(try folderItem()?["HasUniqueRoleAssignments"] as? Bool, true)
        XCTAssertEqual(roles(try folderItem()), [admin: [Self.fullControl], megan: [Self.contribute]])
        try fails(["folder", "roleassignment", "add"] + folder + ["--principalId", "\(megan)", "--roleDefinitionName", "Nope"],
                  "The specified role definition name 'Nope' does not exist.")

        // The file in it inherits the folder's, until it breaks by id.
        XCTAssertEqual(roles(try filePermissions()), [admin: [Self.fullControl], megan: [Self.contribute]])
        try clearRequests()
        try spo(["file", "roleinheritance", "break", "--webUrl", Self.root, "--fileId", fileId, "--force"])
        let encodedFile = "%2F\(title)%2FReports%2F\(source.lastPathComponent)"
        XCTAssertEqual(try sent(), ["GET /_api/web/GetFileById('\(fileId)')",
                                    "POST /_api/web/GetFileByServerRelativePath(DecodedUrl='\(encodedFile)')/ListItemAllFields/breakroleinheritance(true)"])
        try clearRequests()
        try spo(["file", "roleassignment", "add", "--webUrl", Self.root, "--fileUrl", fileUrl, "--upn", Self.megan.upn, "--roleDefinitionId", "\(Self.read)"])
        XCTAssertEqual(try sent(), ["GET /_api/web/siteusers/GetByEmail('megan.bowen%40contoso.com')",
                                    "POST /_api/web/GetFileByServerRelativePath(DecodedUrl='\(encodedFile)')/ListItemAllFields/roleassignments/addroleassignment(principalid='\(megan)',roledefid='\(Self.read)')"])
        XCTAssertEqual(roles(try filePermissions()), [admin: [Self.fullControl], megan: [Self.contribute, Self.read]])
        try clearRequests()
        try spo(["file", "roleassignment", "remove", "--webUrl", Self.root, "--fileUrl", fileUrl, "--principalId", "\(megan)", "--force"])
        XCTAssertEqual(try sent(), ["POST /_api/web/GetFileByServerRelativePath(DecodedUrl='\(encodedFile)')/ListItemAllFields/roleassignments/removeroleassignment(principalid='\(megan)')"])
        XCTAssertEqual(roles(try filePermissions()), [admin: [Self.fullControl]])
        try clearRequests()
        try spo(["file", "roleinheritance", "reset", "--webUrl", Self.root, "--fileUrl", fileUrl, "--force"])
        XCTAssertEqual(try sent(), ["POST /_api/web/GetFileByServerRelativePath(DecodedUrl='\(encodedFile)')/ListItemAllFields/resetroleinheritance"])
        XCTAssertEqual(roles(try filePermissions()), [admin: [Self.fullControl], megan: [Self.contribute]])

        // The folder's reset and removal; the library root folder is the list.
        try spo(["folder", "roleassignment", "remove"] + folder + ["--principalId", "\(megan)", "--force"])
        XCTAssertEqual(roles(try folderItem()), [admin: [Self.fullControl]])
        try clearRequests()
        try spo(["folder", "roleinheritance", "reset"] + folder + ["--force"])
        XCTAssertEqual(try sent(), ["POST /_api/web/GetFolderByServerRelativePath(DecodedUrl='\(encodedFolder)')/ListItemAllFields/resetroleinheritance"])
        XCTAssertEqual(try folderItem()?["HasUniqueRoleAssignments"] as? Bool, false)
        XCTAssertEqual(roles(try filePermissions()), Self.inherited)
        try clearRequests()
        try spo(["folder", "roleinheritance", "break", "--webUrl", Self.root, "--folderUrl", "/\(title)", "--force"])
        XCTAssertEqual(try sent(), ["POST /_api/web/GetList('%2F\(title)')/breakroleinheritance(true)"])
        XCTAssertEqual(try object(["list", "get", "--webUrl", Self.root, "--title", title, "--withPermissions"])["HasUniqueRoleAssignments"] as? Bool, true)
        try fails(["file", "roleinheritance", "break", "--webUrl", Self.root, "--fileUrl", "/\(title)/nope.txt", "--force"], "does not exist.")
    }

    func testWebRoleInheritanceAndAssignments() throws {
        let leaf = unique("permweb")
        try spo(["web", "add", "--title", leaf, "--url", leaf, "--parentWebUrl", "/", "--webTemplate", "STS#3"])
        defer { _ = try? spo(["web", "remove", "--url", Self.root + "/" + leaf, "--force"]) }
        let web = Self.root + "/" + leaf
        func permissions() throws -> [String: Any] { try object(["web", "get", "--url", web, "--withPermissions"]) }
        XCTAssertEqual(roles(try permissions()), Self.inherited)
        try fails(["web", "roleassignment", "add", "--webUrl", web, "--principalId", "4", "--roleDefinitionName", "Edit"],
                  "This operation is not allowed on an object that inherits permissions.")

        try clearRequests()
        try spo(["web", "roleinheritance", "break", "--webUrl", web, "--force"])
        XCTAssertEqual(try sent(), ["POST /\(leaf)/_api/web/breakroleinheritance(true)"])
        // An Entra security group gains Edit: found in Graph, ensured by its claim.
        try clearRequests()
        try spo(["web", "roleassignment", "add", "--webUrl", web, "--entraGroupName", "IT Admins", "--roleDefinitionName", "Edit"])
        let group = try object(["user", "get", "--webUrl", web, "--entraGroupName", "IT Admins"])
        let groupId = try XCTUnwrap(group["Id"] as? Int)
        XCTAssertEqual(group["PrincipalType"] as? Int, 4)
        XCTAssertEqual(roles(try permissions())[groupId], [Self.edit])
        // The root web is untouched.
        XCTAssertEqual(roles(try object(["web", "get", "--url", Self.root, "--withPermissions"])), Self.inherited)

        try clearRequests()
        try spo(["web", "roleassignment", "remove", "--webUrl", web, "--principalId", "\(groupId)", "--force"])
        XCTAssertEqual(try sent(), ["POST /\(leaf)/_api/web/roleassignments/removeroleassignment(principalid='\(groupId)')"])
        XCTAssertEqual(roles(try permissions()), Self.inherited)
        try clearRequests()
        try spo(["web", "roleinheritance", "reset", "--webUrl", web, "--force"])
        XCTAssertEqual(try sent(), ["POST /\(leaf)/_api/web/resetroleinheritance"])
        try fails(["web", "roleassignment", "add", "--webUrl", web, "--principalId", "4", "--roleDefinitionName", "Edit"],
                  "This operation is not allowed on an object that inherits permissions.")
        // Without --force and without a terminal: nothing is sent.
        try clearRequests()
        try fails(["web", "roleinheritance", "break", "--webUrl", web], exit: 2, "needs confirmation")
        XCTAssertEqual(try sent(), [])
    }

    func testRoleDefinitions() throws {
        try clearRequests()
        let all = try array(["roledefinition", "list", "--webUrl", Self.root])
        XCTAssertEqual(try sent(), ["GET /_api/web/roledefinitions"])
        XCTAssertEqual(all.compactMap { $0["Name"] as? String }.prefix(6), ["Full Control", "Design", "Edit", "Contribute", "Read", "Limited Access"])
        let text = try spo(["roledefinition", "list", "--webUrl", Self.root, "--output", "text"]).stdout
        XCTAssertEqual(header(text), ["Id", "Name"])
        XCTAssertTrue(text.contains("1073741829  Full Control"), text)

        let read = try object(["roledefinition", "get", "--webUrl", Self.root, "--id", "\(Self.read)"])
        XCTAssertEqual(Array(read.keys).sorted(), ["BasePermissions", "BasePermissionsValue", "Description", "Hidden", "Id", "Name", "Order", "RoleTypeKind", "RoleTypeKindValue"])
        XCTAssertEqual(read["BasePermissions"] as? [String: String], ["High": "176", "Low": "138612833"])
        XCTAssertEqual(read["RoleTypeKindValue"] as? String, "Reader")
        XCTAssertEqual(read["BasePermissionsValue"] as? [String], ["ViewListItems", "OpenItems", "ViewVersions", "ViewFormPages", "Open", "ViewPages",
                                                                   "CreateSSCSite", "BrowseUserInfo", "UseClientIntegration", "UseRemoteAPIs", "CreateAlerts"])
        try fails(["roledefinition", "get", "--webUrl", Self.root, "--id", "5"], "Value does not fall within the expected range.")
        try fails(["roledefinition", "get", "--webUrl", Self.root, "--id", "abc"], exit: 2, "abc is not a number")

        let name = unique("Level")
        try clearRequests()
        let added = try spo(["roledefinition", "add", "--webUrl", Self.root, "--name", name, "--description", "View and add",
                             "--rights", "ViewListItems,AddListItems,EnumeratePermissions"])
        XCTAssertEqual(added.stdout, "")
        XCTAssertEqual(try sent(), ["POST /_api/web/roledefinitions"])
        let created = try XCTUnwrap(try array(["roledefinition", "list", "--webUrl", Self.root]).first { $0["Name"] as? String == name })
        // The words as the CLI computes them, stored as sent.
        XCTAssertEqual(created["BasePermissions"] as? [String: String], ["High": "1073741824", "Low": "3"])
        XCTAssertEqual(created["Description"] as? String, "View and add")
        XCTAssertEqual(created["BasePermissionsValue"] as? [String], ["ViewListItems", "AddListItems", "EnumeratePermissions"])
        XCTAssertEqual(created["RoleTypeKindValue"] as? String, "None")
        let id = try XCTUnwrap(created["Id"] as? Int)
        try fails(["roledefinition", "add", "--webUrl", Self.root, "--name", name], "The specified name is already in use.")
        try fails(["roledefinition", "add", "--webUrl", Self.root, "--name", "x", "--rights", "viewListItems"], exit: 2,
                  "Rights option 'viewListItems' is not recognized as valid PermissionKind choice. Please note it is case-sensitive. Allowed values are EmptyMask|ViewListItems|")

        try clearRequests()
        try spo(["roledefinition", "remove", "--webUrl", Self.root, "--id", "\(id)", "--force"])
        XCTAssertEqual(try sent(), ["DELETE /_api/web/roledefinitions(\(id))"])
        XCTAssertNil(try array(["roledefinition", "list", "--webUrl", Self.root]).first { $0["Name"] as? String == name })
        try fails(["roledefinition", "remove", "--webUrl", Self.root, "--id", "\(Self.read)", "--force"], "You cannot delete a built-in permission level.")
        try fails(["roledefinition", "remove", "--webUrl", Self.root, "--id", "\(id)", "--force"], "Value does not fall within the expected range.")
    }

    func testGroupSetAndUserRemove() throws {
        let name = unique("Leads")
        let group = try object(["group", "add", "--webUrl", Self.root, "--name", name])
        let id = try XCTUnwrap(group["Id"] as? Int)
        let renamed = name + " renamed"
        defer { _ = try? spo(["group", "remove", "--webUrl", Self.root, "--id", "\(id)", "--force"]) }

        let megan = try siteUserId(Self.megan.upn)
        try clearRequests()
        let set = try spo(["group", "set", "--webUrl", Self.root, "--id", "\(id)", "--newName", renamed, "--description", "The leads",
                           "--allowRequestToJoinLeave", "true", "--ownerUserName", Self.megan.upn])
        XCTAssertEqual(set.stdout, "")
        XCTAssertEqual(try sent(), ["PATCH /_api/web/sitegroups/GetById(\(id))", "POST /_api/web/ensureUser('megan.bowen%40contoso.com')?$select=Id",
                                    "POST /_api/web/sitegroups/GetById(\(id))/SetUserAsOwner(\(megan))"])
        let now = try object(["group", "get", "--webUrl", Self.root, "--id", "\(id)"])
        XCTAssertEqual(now["Title"] as? String, renamed)
        XCTAssertEqual(now["Description"] as? String, "The leads")
        XCTAssertEqual(now["AllowRequestToJoinLeave"] as? Bool, true)
        XCTAssertEqual(now["OwnerTitle"] as? String, "Megan Bowen")
        try spo(["group", "set", "--webUrl", Self.root, "--name", renamed, "--ownerEmail", Self.megan.upn])
        try fails(["group", "set", "--webUrl", Self.root, "--id", "\(id)", "--ownerEmail", "a@b.c", "--ownerUserName", "a@b.c"], exit: 2,
                  "Specify either ownerEmail or ownerUserName but not both")
        try fails(["group", "set", "--webUrl", Self.root, "--id", "99999", "--newName", "x"], "Group cannot be found.")
        try fails(["group", "set", "--webUrl", Self.root, "--id", "\(id)", "--newName", "\(try XCTUnwrap(try object(["group", "get", "--webUrl", Self.root, "--associatedGroup", "Owner"])["Title"] as? String))"],
                  "The specified name is already in use.")

        // user remove: the user leaves the site and the groups.
        let lidia = "lidia.holloway@contoso.com"
        let lidiaId = try siteUserId(lidia)
        try spo(["group", "member", "add", "--webUrl", Self.root, "--groupId", "\(id)", "--userNames", lidia])
        try clearRequests()
        try spo(["user", "remove", "--webUrl", Self.root, "--userName", lidia, "--force"])
        XCTAssertEqual(try sent(), ["GET /_api/web/siteusers?$filter=UserPrincipalName%20eq%20%28%27lidia.holloway%40contoso.com%27%29",
                                    "POST /_api/web/siteusers/removebyid(\(lidiaId))"])
        XCTAssertFalse(try array(["user", "list", "--webUrl", Self.root]).contains { $0["Id"] as? Int == lidiaId })
        XCTAssertEqual(try array(["group", "member", "list", "--webUrl", Self.root, "--groupId", "\(id)"]).count, 0)
        try fails(["user", "remove", "--webUrl", Self.root, "--id", "\(lidiaId)", "--force"], "User cannot be found.")
        try fails(["user", "remove", "--webUrl", Self.root, "--userName", lidia, "--force"], "User not found: \(lidia)")
        // By login name.
        _ = try siteUserId(lidia)
        try clearRequests()
        try spo(["user", "remove", "--webUrl", Self.root, "--loginName", "i:0#.f|membership|\(lidia)", "--force"])
        XCTAssertEqual(try sent(), ["POST /_api/web/siteusers/removeByLoginName('i%3A0%23.f%7Cmembership%7Clidia.holloway%40contoso.com')"])
    }
}
