import Foundation
import XCTest

/// `m365 spo folder copy|move|archive`, `spo file archive|unarchive` and `spo file version keep`
/// end to end: the requests CLI for Microsoft 365 sends and the emulator's state after them.
/// Each test makes its own document library.
final class SPOFolderOpsTests: SPOTestCase {
    func sent() throws -> [String] {
        try spRequests().filter { !($0["path"] as? String ?? "").hasSuffix("/_api/contextinfo") }.map { "\($0["method"] ?? "") \($0["target"] ?? "")" }
    }

    func clearRequests() throws { try emulator.admin("requests", method: "DELETE") }

    /// A new document library; removed when the test ends.
    func library(_ prefix: String) throws -> String {
        let title = prefix + "-" + UUID().uuidString.prefix(8).lowercased()
        try spo(["list", "add", "--webUrl", Self.root, "--title", title, "--baseTemplate", "DocumentLibrary"])
        addTeardownBlock { [self] in _ = try? spo(["list", "remove", "--webUrl", Self.root, "--title", title, "--force"]) }
        return title
    }

    func addFile(_ folder: String, _ name: String, _ text: String) throws -> [String: Any] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spo-folderops-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: path)
        return try object(["file", "add", "--webUrl", Self.root, "--folder", folder, "--path", path.path])
    }

    func fileNames(_ folder: String) throws -> [String] {
        try array(["file", "list", "--webUrl", Self.root, "--folderUrl", folder, "--recursive"]).compactMap { $0["ServerRelativeUrl"] as? String }.sorted()
    }

    func testFolderCopyAndMove() throws {
        let lib = try library("FolderOps")
        let other = try library("FolderOpsTarget")
        try spo(["folder", "add", "--webUrl", Self.root, "--parentFolderUrl", "/\(lib)", "--name", "Reports"])
        try spo(["folder", "add", "--webUrl", Self.root, "--parentFolderUrl", "/\(lib)/Reports", "--name", "2025"])
        _ = try addFile("/\(lib)/Reports", "a.txt", "alpha")
        _ = try addFile("/\(lib)/Reports/2025", "b.txt", "beta")

        try clearRequests()
        let copied = try object(["folder", "copy", "--webUrl", Self.root, "--sourceUrl", "\(lib)/Reports", "--targetUrl", "/\(other)"])
        let copiedId = try XCTUnwrap(copied["UniqueId"] as? String)
        XCTAssertEqual(copied["ServerRelativeUrl"] as? String, "/\(other)/Reports")
        XCTAssertEqual(copied["Name"] as? String, "Reports")
        XCTAssertEqual(try sent(), ["POST /_api/Site/CreateCopyJobs", "POST /_api/Site/GetCopyJobProgress", "GET /_api/Web/GetFolderById('\(copiedId)')"],
                       "a copy job, its progress and the folder at the target, as CLI for Microsoft 365 sends them")
        // (The request log keeps no SharePoint bodies: the job's options show in what it did —
        // a copy, not a move, under the source's name.)
        XCTAssertEqual(try fileNames("/\(other)"), ["/\(other)/Reports/2025/b.txt", "/\(other)/Reports/a.txt"], "the files came along")
        XCTAssertEqual(try fileNames("/\(lib)"), ["/\(lib)/Reports/2025/b.txt", "/\(lib)/Reports/a.txt"], "a copy leaves the source")
        XCTAssertEqual(try spo(["file", "get", "--webUrl", Self.root, "--url", "/\(other)/Reports/2025/b.txt", "--asString", "--output", "text"]).stdout, "beta\n")

        // A name taken fails the job; rename picks a free name.
        try fails(["folder", "copy", "--webUrl", Self.root, "--sourceUrl", "\(lib)/Reports", "--targetUrl", "/\(other)"], "already exists")
        let renamed = try object(["folder", "copy", "--webUrl", Self.root, "--sourceUrl", "\(lib)/Reports", "--targetUrl", "/\(other)",
                                  "--nameConflictBehavior", "rename"])
        XCTAssertEqual(renamed["ServerRelativeUrl"] as? String, "/\(other)/Reports 1")
        try fails(["folder", "copy", "--webUrl", Self.root, "--sourceUrl", "\(lib)/Reports", "--targetUrl", "/\(lib)/Reports/2025"], "cannot be the source folder")
        try fails(["folder", "copy", "--webUrl", Self.root, "--sourceUrl", "\(lib)/Nothing", "--targetUrl", "/\(other)"], "does not exist")
        try fails(["folder", "copy", "--webUrl", Self.root, "--sourceUrl", "\(lib)/Reports", "--targetUrl", "/\(other)", "--nameConflictBehavior", "replace"],
                  exit: 2, "nameConflictBehavior")

        // Move by id, with a new name: gone from the source.
        let source = try object(["folder", "get", "--webUrl", Self.root, "--url", "\(lib)/Reports"])
        let sourceId = try XCTUnwrap(source["UniqueId"] as? String)
        try clearRequests()
        let moved = try object(["folder", "move", "--webUrl", Self.root, "--sourceId", sourceId, "--targetUrl", "/\(other)", "--newName", "Moved"])
        let movedId = try XCTUnwrap(moved["UniqueId"] as? String)
        XCTAssertEqual(moved["ServerRelativeUrl"] as? String, "/\(other)/Moved")
        XCTAssertEqual(try sent(), ["GET /_api/Web/GetFolderById('\(sourceId)')/ServerRelativePath", "POST /_api/Site/CreateCopyJobs",
                                    "POST /_api/Site/GetCopyJobProgress", "GET /_api/Web/GetFolderById('\(movedId)')"])
        XCTAssertEqual(try fileNames("/\(lib)"), [], "a move leaves nothing at the source")
        try fails(["folder", "get", "--webUrl", Self.root, "--url", "\(lib)/Reports"], "does not exist")
        XCTAssertTrue(try fileNames("/\(other)").contains("/\(other)/Moved/2025/b.txt"))

        // A move within one library keeps the folder (its id).
        try spo(["folder", "add", "--webUrl", Self.root, "--parentFolderUrl", "/\(other)", "--name", "Archive"])
        let kept = try object(["folder", "move", "--webUrl", Self.root, "--sourceUrl", "/\(other)/Moved", "--targetUrl", "/\(other)/Archive"])
        XCTAssertEqual(kept["UniqueId"] as? String, movedId)
        XCTAssertEqual(kept["ServerRelativeUrl"] as? String, "/\(other)/Archive/Moved")

        let skipped = try spo(["folder", "copy", "--webUrl", Self.root, "--sourceUrl", "/\(other)/Archive/Moved", "--targetUrl", "/\(lib)", "--skipWait"])
        XCTAssertEqual(skipped.stdout, "", "--skipWait prints nothing")
        XCTAssertEqual(try fileNames("/\(lib)"), ["/\(lib)/Moved/2025/b.txt", "/\(lib)/Moved/a.txt"])
    }

    func testFileAndFolderArchive() throws {
        let lib = try library("Archive")
        try spo(["folder", "add", "--webUrl", Self.root, "--parentFolderUrl", "/\(lib)", "--name", "Old"])
        let file = try addFile("/\(lib)/Old", "old.txt", "old")
        let fileId = try XCTUnwrap(file["UniqueId"] as? String)
        let listId = try XCTUnwrap(try object(["list", "get", "--webUrl", Self.root, "--title", lib])["Id"] as? String)

        try clearRequests()
        let archived = try spo(["file", "archive", "--webUrl", Self.root, "--url", "\(lib)/Old/old.txt", "--force"])
        XCTAssertEqual(archived.stdout, "", "nothing printed, as the CLI")
        XCTAssertEqual(try sent(), ["GET /_api/web/GetFileByServerRelativePath(DecodedUrl='%2F\(lib)%2FOld%2Fold.txt')?$select=ListId,ListItemAllFields/Id&$expand=ListItemAllFields",
                                    "POST /_api/Lists(guid'\(listId)')/items(2)/Archive"])
        try fails(["file", "archive", "--webUrl", Self.root, "--id", fileId, "--force"], "The item is already archived.")
        try clearRequests()
        try spo(["file", "unarchive", "--webUrl", Self.root, "--id", fileId, "--force"])
        XCTAssertEqual(try sent(), ["GET /_api/web/GetFileById('\(fileId)')?$select=ListId,ListItemAllFields/Id&$expand=ListItemAllFields",
                                    "POST /_api/Lists(guid'\(listId)')/items(2)/UnArchive"])
        try fails(["file", "unarchive", "--webUrl", Self.root, "--id", fileId, "--force"], "The item is not archived.")
        try fails(["file", "archive", "--webUrl", Self.root, "--url", "\(lib)/none.txt", "--force"], "does not exist")
        try fails(["file", "archive", "--webUrl", Self.root, "--url", "\(lib)/Old/old.txt"], exit: 2, "--force")

        try clearRequests()
        try spo(["folder", "archive", "--webUrl", Self.root, "--url", "/\(lib)/Old", "--force"])
        XCTAssertEqual(try sent(), ["GET /_api/web/GetFolderByServerRelativePath(DecodedUrl='%2F\(lib)%2FOld')?$select=Exists,ListItemAllFields/Id,ListItemAllFields/ParentList/Id&$expand=ListItemAllFields,ListItemAllFields/ParentList",
                                    "POST /_api/Lists(guid'\(listId)')/items(1)/Archive"])
        try fails(["folder", "archive", "--webUrl", Self.root, "--url", "/\(lib)/Old", "--force"], "The item is already archived.")
        try fails(["folder", "archive", "--webUrl", Self.root, "--url", "/\(lib)", "--force"],
                  "The folder '/\(lib)' is the root folder of a document library and cannot be archived. Archive a subfolder instead.")
        try fails(["folder", "archive", "--webUrl", Self.root, "--url", "/\(lib)/Nothing", "--force"], "does not exist")
    }

    func testFileVersionKeep() throws {
        let lib = try library("Keep")
        _ = try addFile("/\(lib)", "plan.txt", "one")
        let file = try addFile("/\(lib)", "plan.txt", "two")
        let fileId = try XCTUnwrap(file["UniqueId"] as? String)
        try clearRequests()
        let kept = try spo(["file", "version", "keep", "--webUrl", Self.root, "--fileUrl", "\(lib)/plan.txt", "--label", "1.0"])
        XCTAssertEqual(kept.stdout, "")
        XCTAssertEqual(try sent(), ["GET /_api/web/GetFileByServerRelativePath(DecodedUrl='%2F\(lib)%2Fplan.txt')/versions?$filter=VersionLabel%20eq%20'1.0'&$select=ID",
                                    "POST /_api/web/GetFileByServerRelativePath(DecodedUrl='%2F\(lib)%2Fplan.txt')/versions(512)/SetExpirationDate()"])
        let versions = try array(["file", "version", "list", "--webUrl", Self.root, "--fileUrl", "\(lib)/plan.txt"])
        XCTAssertTrue(versions.first.map { $0["ExpirationDate"] is NSNull } ?? false, "never expires: \(versions)")
        try clearRequests()
        try fails(["file", "version", "keep", "--webUrl", Self.root, "--fileId", fileId, "--label", "9.0"], "Version with label '9.0' not found.")
        XCTAssertEqual(try sent(), ["GET /_api/web/GetFileById('\(fileId)')/versions?$filter=VersionLabel%20eq%20'9.0'&$select=ID"], "nothing set")
        try fails(["file", "version", "keep", "--webUrl", Self.root, "--fileUrl", "\(lib)/none.txt", "--label", "1.0"], "does not exist")
    }

    /// `METHOD path` of the Graph requests on sites' drive items since the last clear.
    func graphSent() throws -> [String] {
        try emulator.requests(pathPrefix: "/v1.0/sites/").filter { ($0["host"] as? String ?? "").hasPrefix("graph.") }
            .map { "\($0["method"] ?? "") \(($0["path"] as? String ?? "").split(separator: "/").suffix(2).joined(separator: "/"))" }
    }

    func testFileSharingLinkSetAndClear() throws {
        let lib = try library("Links")
        _ = try addFile("/\(lib)", "report.docx", "report")
        let file = ["--webUrl", Self.root, "--fileUrl", "\(lib)/report.docx"]
        var ids: [String: String] = [:]
        for (type, scope) in [("view", "organization"), ("edit", "organization"), ("view", "anonymous")] {
            let link = try object(["file", "sharinglink", "add"] + file + ["--type", type, "--scope", scope])
            ids["\(type)-\(scope)"] = try XCTUnwrap(link["id"] as? String)
        }
        let anonymous = try XCTUnwrap(ids["view-anonymous"])

        try clearRequests()
        let updated = try object(["file", "sharinglink", "set"] + file + ["--id", anonymous, "--expirationDateTime", "2099-01-31T12:00:00Z"])
        XCTAssertEqual(updated["id"] as? String, anonymous)
        XCTAssertEqual(updated["expirationDateTime"] as? String, "2099-01-31T12:00:00Z")
        XCTAssertNil(updated["@odata.context"], "printed without Graph's annotations")
        // The file's Graph ids as `sharinglink add|list|get|remove` ask for them (a parameter alias).
        XCTAssertEqual(try sent(), ["GET /_api/web/GetFileByServerRelativePath(DecodedUrl=@f)?@f=%27%2F\(lib)%2Freport.docx%27&$select=SiteId%2CVroomItemId%2CVroomDriveId"])
        XCTAssertEqual(try graphSent(), ["PATCH permissions/\(anonymous)"])
        let got = try object(["file", "sharinglink", "get"] + file + ["--id", anonymous])
        XCTAssertEqual(got["expirationDateTime"] as? String, "2099-01-31T12:00:00Z", "the new expiry kept")
        try fails(["file", "sharinglink", "set"] + file + ["--id", anonymous, "--expirationDateTime", "2001-01-31T12:00:00Z"], "in the future")
        try fails(["file", "sharinglink", "set"] + file + ["--id", "00000000-0000-0000-0000-0000000000aa", "--expirationDateTime", "2099-01-31T12:00:00Z"],
                  "does not exist")
        try fails(["file", "sharinglink", "set"] + file + ["--id", anonymous, "--expirationDateTime", "soon"], exit: 2, "'soon' is not a valid ISO date string")
        try fails(["file", "sharinglink", "set"] + file + ["--id", "x", "--expirationDateTime", "2099-01-31"], exit: 2, "x")

        try clearRequests()
        try spo(["file", "sharinglink", "clear"] + file + ["--scope", "organization", "--force"])
        XCTAssertEqual(try graphSent().sorted(), ["DELETE permissions/\(ids["edit-organization"]!)", "DELETE permissions/\(ids["view-organization"]!)",
                                                  "GET \(try XCTUnwrap(graphSent().first?.split(separator: " ").last))"].sorted(),
                       "the organization links listed, then each removed")
        XCTAssertEqual(try array(["file", "sharinglink", "list"] + file).compactMap { $0["id"] as? String }, [anonymous])
        try fails(["file", "sharinglink", "clear"] + file, exit: 2, "--force")
        try spo(["file", "sharinglink", "clear"] + file + ["--force"])
        XCTAssertEqual(try array(["file", "sharinglink", "list"] + file).count, 0, "every link gone")
        try fails(["file", "sharinglink", "clear"] + file + ["--scope", "everyone", "--force"], exit: 2, "--scope")
    }

    func testFolderSharingLinks() throws {
        let lib = try library("FolderLinks")
        try spo(["folder", "add", "--webUrl", Self.root, "--parentFolderUrl", "/\(lib)", "--name", "Reports"])
        let folder = ["--webUrl", Self.root, "--folderUrl", "/\(lib)/Reports"]
        try clearRequests()
        let added = try object(["folder", "sharinglink", "add"] + folder + ["--type", "view", "--scope", "organization"])
        let viewId = try XCTUnwrap(added["id"] as? String)
        XCTAssertEqual((added["link"] as? [String: Any])?["scope"] as? String, "organization")
        XCTAssertNil(added["grantedToIdentities"], "removed, as the CLI prints it")
        XCTAssertEqual(try sent(), ["GET /_api/web/GetFolderByServerRelativePath(decodedUrl='%2F\(lib)%2FReports')?$select=ServerRelativeUrl"])
        let graph = try emulator.requests(pathPrefix: "/v1.0/").filter { ($0["host"] as? String ?? "").hasPrefix("graph.") }
            .map { "\($0["method"] ?? "") \($0["target"] ?? "")" }
        XCTAssertEqual(graph.count, 4, "\(graph)")
        XCTAssertEqual(graph.first, "GET /v1.0/sites/contoso.sharepoint.com:/?$select=id")
        XCTAssertTrue(graph[1].hasSuffix("/drives?$select=webUrl,id"), graph[1])
        XCTAssertTrue(graph[2].hasSuffix("/root:/Reports?$select=id"), graph[2])
        XCTAssertTrue(graph[3].hasPrefix("POST /v1.0/drives/b!") && graph[3].hasSuffix("/createLink"), graph[3])

        let anonymous = try XCTUnwrap(try object(["folder", "sharinglink", "add"] + folder + ["--type", "edit", "--scope", "anonymous"])["id"] as? String)
        let listed = try array(["folder", "sharinglink", "list"] + folder)
        XCTAssertEqual(Set(listed.compactMap { $0["id"] as? String }), [viewId, anonymous])
        let text = try spo(["folder", "sharinglink", "list"] + folder + ["--scope", "anonymous", "--output", "text"]).stdout
        XCTAssertTrue(text.contains(anonymous) && !text.contains(viewId) && text.contains("write"), text)
        XCTAssertEqual(try object(["folder", "sharinglink", "get"] + folder + ["--id", viewId])["id"] as? String, viewId)
        let updated = try object(["folder", "sharinglink", "set"] + folder + ["--id", anonymous, "--expirationDateTime", "2099-03-01T00:00:00Z"])
        XCTAssertEqual(updated["expirationDateTime"] as? String, "2099-03-01T00:00:00Z")
        try spo(["folder", "sharinglink", "remove"] + folder + ["--id", viewId, "--force"])
        try fails(["folder", "sharinglink", "get"] + folder + ["--id", viewId], "does not exist")
        XCTAssertEqual(try array(["folder", "sharinglink", "list"] + folder).compactMap { $0["id"] as? String }, [anonymous])
        try spo(["folder", "sharinglink", "add"] + folder + ["--type", "view", "--scope", "organization"])
        try spo(["folder", "sharinglink", "clear"] + folder + ["--scope", "organization", "--force"])
        XCTAssertEqual(try array(["folder", "sharinglink", "list"] + folder).compactMap { $0["id"] as? String }, [anonymous], "only the organization links cleared")
        try spo(["folder", "sharinglink", "clear"] + folder + ["--force"])
        XCTAssertEqual(try array(["folder", "sharinglink", "list"] + folder).count, 0)
        try fails(["folder", "sharinglink", "list", "--webUrl", Self.root, "--folderUrl", "/\(lib)/Nothing"], "does not exist")
        try fails(["folder", "sharinglink", "clear"] + folder, exit: 2, "--force")
        try fails(["folder", "sharinglink", "add"] + folder + ["--type", "view", "--expirationDateTime", "soon"], exit: 2, "soon is not a valid ISO date string.")
    }

    func testFileSharingInfoGet() throws {
        let lib = try library("ShareInfo")
        let file = try addFile("/\(lib)", "plan.docx", "plan")
        let fileId = try XCTUnwrap(file["UniqueId"] as? String)
        let link = try object(["file", "sharinglink", "add", "--webUrl", Self.root, "--fileId", fileId, "--type", "edit", "--scope", "organization"])
        try clearRequests()
        let info = try object(["file", "sharinginfo", "get", "--webUrl", Self.root, "--fileUrl", "/\(lib)/plan.docx"])
        XCTAssertEqual(try sent(), ["GET /_api/web/GetFileByServerRelativePath(decodedUrl='%2F\(lib)%2Fplan.docx')?$select=ListItemAllFields/Id,ListItemAllFields/ParentList/Title&$expand=ListItemAllFields/ParentList",
                                    "POST /_api/web/lists/getbytitle('\(lib)')/items(1)/GetSharingInformation?$select=permissionsInformation&$Expand=permissionsInformation"])
        let links = try XCTUnwrap((info["permissionsInformation"] as? [String: Any])?["links"] as? [[String: Any]])
        XCTAssertEqual(links.count, 1)
        let details = try XCTUnwrap(links.first?["linkDetails"] as? [String: Any])
        XCTAssertEqual(details["ShareId"] as? String, link["id"] as? String)
        XCTAssertEqual(details["IsEditLink"] as? Bool, true)
        XCTAssertEqual(details["Url"] as? String, (link["link"] as? [String: Any])?["webUrl"] as? String)
        XCTAssertNotNil(try object(["file", "sharinginfo", "get", "--webUrl", Self.root, "--fileId", fileId, "--output", "json"])["permissionsInformation"],
                        "JSON output is SharePoint's answer")
        try clearRequests()
        let text = try spo(["file", "sharinginfo", "get", "--webUrl", Self.root, "--fileId", fileId, "--output", "text"])
        XCTAssertEqual(text.status, 0)
        XCTAssertEqual(text.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "", "text output: one row per invitee or principal, none here")
        XCTAssertEqual(try sent().first, "GET /_api/web/GetFileById('\(fileId)')/?$select=ListItemAllFields/Id,ListItemAllFields/ParentList/Title&$expand=ListItemAllFields/ParentList")
        try fails(["file", "sharinginfo", "get", "--webUrl", Self.root, "--fileUrl", "/\(lib)/none.docx"], "does not exist")
        try fails(["file", "sharinginfo", "get", "--webUrl", Self.root, "--fileId", "nope"], exit: 2, "nope")
    }
}
