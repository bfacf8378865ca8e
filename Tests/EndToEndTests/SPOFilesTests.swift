import Foundation
import XCTest

/// `m365 spo folder …` and `m365 spo file …` end to end: the real binary and the SPO plugin
/// against the emulator's document libraries over HTTPS (the root site's Documents library,
/// `/Shared Documents`, starts empty).
final class SPOFilesTests: SPOTestCase {
    static let library = "/Shared Documents"
    static let mib = 1024 * 1024

    func localFile(_ name: String, size: Int, seed: Int = 7) throws -> URL {
        let url = harness.root.appendingPathComponent(name)
        var bytes = [UInt8](repeating: 0, count: size)
        for i in 0..<size { bytes[i] = UInt8(truncatingIfNeeded: (i &* seed) % 251 &+ i >> 16) }
        try Data(bytes).write(to: url)
        return url
    }

    func upload(_ file: URL, folder: String = library, _ extra: [String] = []) throws -> [String: Any] {
        try object(["file", "add", "--webUrl", Self.root, "--folder", folder, "--path", file.path] + extra)
    }

    func paths(_ requests: [[String: Any]]) -> [String] { requests.compactMap { $0["path"] as? String } }

    /// Requests whose path contains `part` (case-insensitive).
    func requests(containing part: String) throws -> [[String: Any]] {
        try spRequests().filter { ($0["path"] as? String ?? "").lowercased().contains(part.lowercased()) }
    }

    // MARK: Folders

    func testFolderAddListGetRenameAndRemove() throws {
        let added = try object(["folder", "add", "--webUrl", Self.root, "--parentFolderUrl", Self.library, "--name", "Reports"])
        XCTAssertEqual(added["Name"] as? String, "Reports")
        XCTAssertEqual(added["ServerRelativeUrl"] as? String, "/Shared Documents/Reports")
        let id = try XCTUnwrap(added["UniqueId"] as? String)
        try spo(["folder", "add", "--webUrl", Self.root, "--parentFolderUrl", "Shared Documents/Reports", "--name", "2026"])
        try fails(["folder", "add", "--webUrl", Self.root, "--parentFolderUrl", "Shared Documents/A/B", "--name", "C"], exit: 1, "does not exist")
        try spo(["folder", "add", "--webUrl", Self.root, "--parentFolderUrl", "Shared Documents/A/B", "--name", "C", "--ensureParentFolders"])

        let top = try array(["folder", "list", "--webUrl", Self.root, "--parentFolderUrl", Self.library])
        XCTAssertEqual(top.compactMap { $0["Name"] as? String }.sorted(), ["A", "Reports"])
        let all = try array(["folder", "list", "--webUrl", Self.root, "--parentFolderUrl", Self.library, "--recursive"])
        // Depth first, as the CLI lists them: each folder followed by the folders below it.
        let below = ["A": ["/Shared Documents/A/B", "/Shared Documents/A/B/C"], "Reports": ["/Shared Documents/Reports/2026"]]
        XCTAssertEqual(all.compactMap { $0["ServerRelativeUrl"] as? String },
                       top.compactMap { $0["Name"] as? String }.flatMap { ["/Shared Documents/\($0)"] + (below[$0] ?? []) })
        let filtered = try array(["folder", "list", "--webUrl", Self.root, "--parentFolderUrl", Self.library, "--filter", "Name eq 'Reports'", "--fields", "Name,UniqueId"])
        XCTAssertEqual(filtered.count, 1)
        XCTAssertEqual(Set(filtered[0].keys), ["Name", "UniqueId"])
        let text = try spo(["folder", "list", "--webUrl", Self.root, "--parentFolderUrl", Self.library, "--output", "text"]).stdout
        XCTAssertEqual(header(text), ["Name", "ServerRelativeUrl"])

        XCTAssertEqual(try object(["folder", "get", "--webUrl", Self.root, "--url", "/Shared Documents/Reports"])["UniqueId"] as? String, id)
        XCTAssertEqual(try object(["folder", "get", "--webUrl", Self.root, "--id", id])["Name"] as? String, "Reports")
        XCTAssertEqual(try object(["folder", "get", "--webUrl", Self.root, "--url", Self.library])["Name"] as? String, "Shared Documents")

        try emulator.admin("requests", method: "DELETE")
        try spo(["folder", "rename", "--webUrl", Self.root, "--url", "Shared Documents/Reports", "--name", "Archive"])
        XCTAssertEqual(try spRequests().map { "\($0["method"] ?? "") \($0["path"] ?? "")" },
                       ["PATCH /_api/web/GetFolderByServerRelativePath(DecodedUrl=@f)/ListItemAllFields"], "a PATCH of its list item, as the CLI")
        try fails(["folder", "set", "--webUrl", Self.root, "--url", Self.library, "--name", "Renamed"], "Folder not found.")
        XCTAssertEqual(try object(["folder", "get", "--webUrl", Self.root, "--id", id])["ServerRelativeUrl"] as? String, "/Shared Documents/Archive")
        XCTAssertEqual(try object(["folder", "get", "--webUrl", Self.root, "--url", "Shared Documents/Archive/2026"])["Name"] as? String, "2026",
                       "subfolders moved with it")

        // `folder set --color` colors through SharePoint's folder coloring, renaming too when --name is given.
        try spo(["folder", "set", "--webUrl", Self.root, "--url", "Shared Documents/Archive", "--color", "darkGreen"])
        let stamp = try XCTUnwrap(try spRequests("/_api/foldercoloring/").last)
        XCTAssertEqual(stamp["method"] as? String, "POST")
        XCTAssertEqual(stamp["path"] as? String, "/_api/foldercoloring/stampcolor(DecodedUrl=@f)")
        XCTAssertEqual(stamp["status"] as? Int, 200)
        try spo(["folder", "set", "--webUrl", Self.root, "--url", "Shared Documents/Archive", "--color", "5", "--name", "Archived"])
        XCTAssertEqual(try spRequests("/_api/foldercoloring/").last?["path"] as? String, "/_api/foldercoloring/renamefolder(DecodedUrl=@f)")
        XCTAssertEqual(try object(["folder", "get", "--webUrl", Self.root, "--id", id])["Name"] as? String, "Archived")
        try spo(["folder", "set", "--webUrl", Self.root, "--url", "Shared Documents/Archived", "--name", "Archive"])
        try fails(["folder", "set", "--webUrl", Self.root, "--url", "Shared Documents/Archive", "--color", "purple"], exit: 2, "purple")
        // `folder add --color` creates it colored, as the CLI does.
        let colored = try object(["folder", "add", "--webUrl", Self.root, "--parentFolderUrl", "/Shared Documents", "--name", "Green", "--color", "darkGreen"])
        XCTAssertEqual(colored["ServerRelativeUrl"] as? String, "/Shared Documents/Green")
        XCTAssertEqual(try spRequests("/_api/foldercoloring/").last?["path"] as? String,
                       "/_api/foldercoloring/createfolder(DecodedUrl='%2FShared%20Documents%2FGreen',%20overwrite=false)")
        let greenItem = try XCTUnwrap(try array(["listitem", "list", "--webUrl", Self.root, "--listTitle", "Documents", "--fields", "FileLeafRef,_ColorHex"])
            .first { $0["FileLeafRef"] as? String == "Green" })
        XCTAssertEqual(greenItem["_ColorHex"] as? String, "3")
        try spo(["folder", "remove", "--webUrl", Self.root, "--url", "/Shared Documents/Green", "--force"])
        try fails(["folder", "set", "--webUrl", Self.root, "--url", "Shared Documents/Archive"], exit: 2, "Specify at least one of the options: name or color.")

        try spo(["folder", "remove", "--webUrl", Self.root, "--url", "Shared Documents/Archive", "--force"])
        try spo(["folder", "remove", "--webUrl", Self.root, "--id", try XCTUnwrap(all.first { $0["Name"] as? String == "A" }?["UniqueId"] as? String), "--recycle", "--force"])
        XCTAssertEqual(try array(["folder", "list", "--webUrl", Self.root, "--parentFolderUrl", Self.library]).count, 0)
        try fails(["folder", "get", "--webUrl", Self.root, "--url", "Shared Documents/Archive"], exit: 1, "does not exist")
        try fails(["folder", "remove", "--webUrl", Self.root, "--url", "Shared Documents/Archive"], exit: 2, "--force")
    }

    // MARK: Files

    func testSmallFileRoundTripListGetAndRemove() throws {
        let file = try localFile("notes.txt", size: 5000)
        let added = try upload(file, ["--Title", "Meeting notes"])
        XCTAssertEqual(added["Name"] as? String, "notes.txt")
        XCTAssertEqual(added["Length"] as? String, "5000")
        let id = try XCTUnwrap(added["UniqueId"] as? String)

        let out = harness.root.appendingPathComponent("notes-down.txt")
        try spo(["file", "get", "--webUrl", Self.root, "--url", "Shared Documents/notes.txt", "--asFile", "--path", out.path])
        XCTAssertEqual(try Data(contentsOf: out), try Data(contentsOf: file), "byte for byte")

        let text = harness.root.appendingPathComponent("hello.txt")
        try Data("Hello, SharePoint".utf8).write(to: text)
        _ = try upload(text)
        XCTAssertEqual(try spo(["file", "get", "--webUrl", Self.root, "--url", "/Shared Documents/hello.txt", "--asString"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines), "\"Hello, SharePoint\"", "a JSON string with --output json")
        XCTAssertEqual(try spo(["file", "get", "--webUrl", Self.root, "--url", "/Shared Documents/hello.txt", "--asString", "--output", "text"]).stdout,
                       "Hello, SharePoint\n", "the text itself with --output text")

        let got = try object(["file", "get", "--webUrl", Self.root, "--id", id])
        XCTAssertEqual(got["ServerRelativeUrl"] as? String, "/Shared Documents/notes.txt")
        let item = try object(["file", "get", "--webUrl", Self.root, "--id", id, "--asListItem"])
        XCTAssertEqual(item["Title"] as? String, "Meeting notes", "the unknown option became a field of the file's list item")
        XCTAssertEqual(item["FileLeafRef"] as? String, "notes.txt")

        // The library's list items are its files.
        let items = try array(["listitem", "list", "--webUrl", Self.root, "--listTitle", "Documents", "--fields", "Id,FileLeafRef"])
        XCTAssertEqual(items.compactMap { $0["FileLeafRef"] as? String }.sorted(), ["hello.txt", "notes.txt"])

        let listed = try array(["file", "list", "--webUrl", Self.root, "--folderUrl", Self.library])
        XCTAssertEqual(listed.compactMap { $0["Name"] as? String }, ["hello.txt", "notes.txt"])
        let listText = try spo(["file", "list", "--webUrl", Self.root, "--folderUrl", Self.library, "--output", "text"]).stdout
        XCTAssertEqual(Set(header(listText)), ["UniqueId", "Name", "ServerRelativeUrl"])
        try emulator.admin("requests", method: "DELETE")
        let fieldsText = try spo(["file", "list", "--webUrl", Self.root, "--folderUrl", Self.library, "--fields", "Name,Length", "--output", "text"]).stdout
        XCTAssertEqual(Set(header(fieldsText)), ["Name", "Length"], "no default columns cut what --fields asked for, as the CLI")
        _ = try spo(["file", "list", "--webUrl", Self.root, "--folderUrl", Self.library, "--output", "text"])
        XCTAssertEqual(try spRequests().compactMap { $0["query"] as? String }.last, "@f=%27%2FShared%20Documents%27&$select=UniqueId%2CName%2CServerRelativeUrl",
                       "text output asks only for the columns it shows")
        let some = try array(["file", "list", "--webUrl", Self.root, "--folderUrl", Self.library, "--fields", "Name,Length", "--filter", "Name eq 'notes.txt'"])
        XCTAssertEqual(some.count, 1)
        XCTAssertEqual(Set(some[0].keys), ["Name", "Length"])

        // Into a folder that does not exist yet: it is created.
        _ = try upload(text, folder: "Shared Documents/Deep/Er")
        let recursive = try array(["file", "list", "--webUrl", Self.root, "--folderUrl", Self.library, "--recursive"])
        XCTAssertEqual(recursive.compactMap { $0["ServerRelativeUrl"] as? String },
                       ["/Shared Documents/Deep/Er/hello.txt", "/Shared Documents/hello.txt", "/Shared Documents/notes.txt"],
                       "the folders below first, the folder itself last, as the CLI")

        try spo(["file", "remove", "--webUrl", Self.root, "--url", "Shared Documents/hello.txt", "--force"])
        try emulator.admin("requests", method: "DELETE")
        try spo(["file", "remove", "-u", Self.root, "--id", id, "--recycle", "--bypassSharedLock", "--force"])
        let recycled = try XCTUnwrap(try spRequests().last)
        XCTAssertEqual(recycled["path"] as? String, "/_api/web/GetFileById('\(id)')/recycle()")
        let headers = recycled["headers"] as? [String: Any] ?? [:]
        XCTAssertEqual(headers["x-http-method"] as? String, "DELETE", "recycled as the CLI sends it")
        XCTAssertEqual(headers["prefer"] as? String, "bypass-shared-lock")
        try fails(["file", "get", "--webUrl", Self.root, "--id", id], "does not exist")
        try fails(["file", "get", "--webUrl", Self.root, "--url", "Shared Documents/hello.txt"], "does not exist")
        XCTAssertEqual(try array(["listitem", "list", "--webUrl", Self.root, "--listTitle", "Documents", "--fields", "Id,FileLeafRef"])
            .compactMap { $0["FileLeafRef"] as? String }, ["Deep", "Er", "hello.txt"], "removed files took their items along")
    }

    func testNameConflictsAndOverwrite() throws {
        let file = try localFile("report.bin", size: 1000)
        _ = try upload(file)
        try emulator.admin("requests", method: "DELETE")
        try fails(["file", "add", "--webUrl", Self.root, "--folder", Self.library, "--path", file.path, "--overwrite", "false"],
                  "File 'report.bin' already exists in folder '/Shared Documents'. To overwrite the file, use the --overwrite option.")
        XCTAssertEqual(try spRequests().map { "\($0["method"] ?? "") \($0["path"] ?? "")" }, ["GET /_api/web/GetFileByServerRelativePath(DecodedUrl=@f)"],
                       "asked first, nothing sent")
        let replaced = try upload(try localFile("report.bin", size: 2000, seed: 3), ["--overwrite"])
        XCTAssertEqual(replaced["Length"] as? String, "2000")
        XCTAssertEqual(replaced["MajorVersion"] as? Int, 2, "a new version")
        // As the CLI: without --overwrite the file is replaced, with a warning on stderr.
        let again = try spo(["file", "add", "--webUrl", Self.root, "--folder", Self.library, "--path", try localFile("report.bin", size: 3000, seed: 4).path])
        XCTAssertTrue(again.stderr.contains("In the next major version, the --overwrite option will default to false."), again.stderr)
        XCTAssertTrue(again.stdout.contains("\"Length\": \"3000\""), again.stdout)
        XCTAssertEqual(try object(["file", "get", "--webUrl", Self.root, "--url", "Shared Documents/report.bin"])["Length"] as? String, "3000")
    }

    func testCheckedOutByAnotherUserCannotBeOverwritten() throws {
        let file = try localFile("locked.bin", size: 1000)
        _ = try upload(file)
        let adele = try adeleHarness()
        defer { adele.cleanUp() }
        let checkout = try adele.run(["spo", "file", "checkout", "--webUrl", Self.root, "--url", "Shared Documents/locked.bin"])
        XCTAssertEqual(checkout.status, 0, checkout.stderr)
        try fails(["file", "add", "--webUrl", Self.root, "--folder", Self.library, "--path", file.path, "--overwrite"],
                  "checked out for editing by i:0#.f|membership|\(Self.adele.upn)")
        try fails(["file", "remove", "--webUrl", Self.root, "--url", "Shared Documents/locked.bin", "--force"], "checked out")
        let checkin = try adele.run(["spo", "file", "checkin", "--webUrl", Self.root, "--url", "Shared Documents/locked.bin", "--comment", "done"])
        XCTAssertEqual(checkin.status, 0, checkin.stderr)
        let after = try upload(file, ["--overwrite"])
        XCTAssertEqual(after["CheckOutType"] as? Int, 2, "no longer checked out")
        try spo(["file", "checkout", "--webUrl", Self.root, "--url", "Shared Documents/locked.bin"])
        try fails(["file", "checkout", "undo", "--webUrl", Self.root, "--fileUrl", "Shared Documents/locked.bin"], exit: 2, "--force")
        try spo(["file", "checkout", "undo", "--webUrl", Self.root, "--fileUrl", "Shared Documents/locked.bin", "--force"])
        // The old name is an alias for one release.
        try fails(["file", "undocheckout", "--webUrl", Self.root, "--fileUrl", "Shared Documents/locked.bin", "--force"], "is not checked out")
    }

    func testAccessDeniedOnSomeoneElsesOneDrive() throws {
        let file = try localFile("private.bin", size: 100)
        let personal = "https://contoso-my.sharepoint.com/personal/adele_vance_contoso_com"
        try fails(["file", "add", "--webUrl", personal, "--folder", "Documents", "--path", file.path], exit: 1, "Access denied")
        try fails(["file", "list", "--webUrl", personal, "--folderUrl", "Documents"], exit: 1, "Access denied")
        let adele = try adeleHarness()
        defer { adele.cleanUp() }
        let own = try adele.run(["spo", "file", "add", "--webUrl", personal, "--folder", "Documents", "--path", file.path])
        XCTAssertEqual(own.status, 0, own.stderr)
    }

    // MARK: Large transfers

    func testChunkedUploadAndStreamedDownloadRoundTrip() throws {
        let large = try localFile("large.bin", size: 25 * Self.mib)
        let added = try upload(large)
        XCTAssertEqual(added["Length"] as? String, String(25 * Self.mib))
        XCTAssertEqual(try requests(containing: "/StartUpload(").count, 1)
        XCTAssertEqual(try requests(containing: "/ContinueUpload(").count, 2, "10 MiB, 10 MiB …")
        XCTAssertEqual(try requests(containing: "/FinishUpload(").count, 1, "… and the last 5 MiB")
        XCTAssertEqual(try requests(containing: "/Files/add").count, 0)

        let out = harness.root.appendingPathComponent("large-down.bin")
        try spo(["file", "get", "--webUrl", Self.root, "--url", "Shared Documents/large.bin", "--asFile", "--path", out.path])
        XCTAssertEqual(try Data(contentsOf: out), try Data(contentsOf: large), "byte for byte")

        // With --overwrite false a chunked upload refuses an existing file before sending anything.
        try emulator.admin("requests", method: "DELETE")
        try fails(["file", "add", "--webUrl", Self.root, "--folder", Self.library, "--path", large.path, "--overwrite", "false"], "already exists")
        XCTAssertEqual(try requests(containing: "Upload(").count, 0)
    }

    func testAnUploadChunkCutByAResetIsSentAgainAndNothingIsDuplicated() throws {
        let large = try localFile("resume.bin", size: 25 * Self.mib, seed: 13)
        try emulator.admin("faults", method: "POST",
                           json: #"{"kind":"reset","count":1,"host":"contoso.sharepoint.com","pathPrefix":"/_api/web/GetFileByServerRelativePath(DecodedUrl=@f)/ContinueUpload"}"#)
        let added = try upload(large, ["--verbose"])
        XCTAssertEqual(added["Length"] as? String, String(25 * Self.mib))
        let continues = try requests(containing: "/ContinueUpload(")
        XCTAssertEqual(continues.count, 3, "the cut chunk was sent again")
        XCTAssertEqual(continues.first?["status"] as? Int, 0, "the first one was cut")
        let out = harness.root.appendingPathComponent("resume-down.bin")
        try spo(["file", "get", "--webUrl", Self.root, "--url", "Shared Documents/resume.bin", "--asFile", "--path", out.path])
        XCTAssertEqual(try Data(contentsOf: out), try Data(contentsOf: large))
    }

    func testAFailedChunkedUploadIsCancelledAndLeavesNoFile() throws {
        let large = try localFile("abandoned.bin", size: 15 * Self.mib)
        try emulator.admin("faults", method: "POST",
                           json: #"{"kind":"reset","count":10,"host":"contoso.sharepoint.com","pathPrefix":"/_api/web/GetFileByServerRelativePath(DecodedUrl=@f)/FinishUpload"}"#)
        let result = try harness.run(["spo", "file", "add", "--webUrl", Self.root, "--folder", Self.library, "--path", large.path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertEqual(try requests(containing: "/cancelupload(").count, 1, "the abandoned upload was cancelled")
        XCTAssertEqual(try array(["file", "list", "--webUrl", Self.root, "--folderUrl", Self.library]).count, 0, "no half file stays")
    }

    func testAnInterruptedDownloadLeavesNoFile() throws {
        let file = try localFile("cut.bin", size: 2 * Self.mib)
        _ = try upload(file)
        try emulator.admin("faults", method: "POST",
                           json: #"{"kind":"truncate","count":5,"host":"contoso.sharepoint.com","pathPrefix":"/_api/web/GetFileByServerRelativePath(DecodedUrl=@f)/$value"}"#)
        let out = harness.root.appendingPathComponent("cut-down.bin")
        let result = try harness.run(["spo", "file", "get", "--webUrl", Self.root, "--url", "Shared Documents/cut.bin", "--asFile", "--path", out.path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "no partial file under the target name")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: harness.root.path).filter { $0.contains("m365-part") }
        XCTAssertEqual(leftovers, [], "the temporary file is removed too")
        try emulator.admin("faults", method: "DELETE")
        try emulator.admin("faults", method: "POST",
                           json: #"{"kind":"reset","count":1,"host":"contoso.sharepoint.com","pathPrefix":"/_api/web/GetFileByServerRelativePath(DecodedUrl=@f)/$value"}"#)
        let retried = try harness.run(["spo", "file", "get", "--webUrl", Self.root, "--url", "Shared Documents/cut.bin", "--asFile", "--path", out.path])
        if retried.status == 0 {
            XCTAssertEqual(try Data(contentsOf: out), try Data(contentsOf: file), "a download that succeeds on a retry is whole")
        } else {
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        }
    }

    // MARK: Failures, throttling and request counts

    func testNotFoundAndBadInputFailBeforeAnyRequest() throws {
        try fails(["file", "get", "--webUrl", Self.root, "--url", "Shared Documents/none.txt"], "does not exist")
        try fails(["folder", "list", "--webUrl", Self.root, "--parentFolderUrl", "Shared Documents/none"], "does not exist")
        try fails(["file", "list", "--webUrl", Self.root, "--folderUrl", "No Library"], "does not exist")
        try emulator.admin("requests", method: "DELETE")
        let file = try localFile("x.txt", size: 10)
        try fails(["file", "get", "--webUrl", Self.root, "--id", "nope"], exit: 2, "not a valid GUID")
        try fails(["file", "get", "--webUrl", Self.root, "--url", "a.txt", "--asFile"], exit: 2, "--path")
        try fails(["file", "get", "--webUrl", Self.root, "--url", "a.txt", "--asFile", "--asString", "--path", "x"], exit: 2, "only one of")
        try fails(["file", "get", "--webUrl", Self.root, "--url", "a.txt", "--asFile", "--path", "/nonexistent/dir/x"], exit: 2, "does not exist")
        try fails(["file", "get", "--webUrl", Self.root], exit: 2, "--url")
        try fails(["file", "add", "--webUrl", Self.root, "--folder", Self.library, "--path", "/nonexistent/file"], "cannot read")
        try fails(["file", "add", "--webUrl", Self.root, "--folder", Self.library, "--path", file.path, "--fileName", "a:b"], exit: 2, "not a valid name")
        try fails(["file", "add", "--webUrl", Self.root, "--folder", Self.library, "--path", file.path, "--publishComment", "x"], exit: 2, "--publish")
        try fails(["file", "list", "--webUrl", "http://contoso.sharepoint.com", "--folderUrl", Self.library], exit: 2, "is not a valid SharePoint Online site URL.")
        try fails(["folder", "add", "--webUrl", Self.root, "--parentFolderUrl", Self.library, "--name", "a/b"], exit: 2, "not a valid name")
        try fails(["folder", "get", "--webUrl", Self.root, "--id", "x"], exit: 2, "not a valid GUID")
        try fails(["folder", "remove", "--webUrl", Self.root, "--url", "Shared Documents/x"], exit: 2, "--force")
        try fails(["file", "remove", "--webUrl", Self.root, "--url", "Shared Documents/x"], exit: 2, "--force")
        try fails(["file", "checkin", "--webUrl", Self.root, "--url", "a.txt", "--type", "huge"], exit: 2, "huge")
        try fails(["file", "checkin", "--webUrl", Self.root, "--url", "a.txt", "--comment", String(repeating: "x", count: 1024)], exit: 2,
                  "The length of the comment must be less than 1024 letters")
        XCTAssertEqual(try spRequests().count, 0, "nothing reaches SharePoint")
    }

    func testThrottledFileCommandsSucceedAfterRetryAfter() throws {
        let file = try localFile("throttled.txt", size: 100)
        try throttleSharePoint("/_api/web/GetFolderByServerRelativePath")
        _ = try upload(file)
        XCTAssertEqual(try requests(containing: "/Files/add").count, 2, "throttled once, then stored")
        try throttleSharePoint("/_api/web/GetFolderByServerRelativePath")
        XCTAssertEqual(try array(["file", "list", "--webUrl", Self.root, "--folderUrl", Self.library]).count, 1)
        try throttleSharePoint("/_api/web/GetFileByServerRelativePath")
        let out = harness.root.appendingPathComponent("throttled-down.txt")
        try spo(["file", "get", "--webUrl", Self.root, "--url", "Shared Documents/throttled.txt", "--asFile", "--path", out.path])
        XCTAssertEqual(try Data(contentsOf: out), try Data(contentsOf: file))
        // A throttled chunk is sent again after Retry-After.
        let large = try localFile("throttled.bin", size: 12 * Self.mib)
        try throttleSharePoint("/_api/web/GetFileByServerRelativePath(DecodedUrl=@f)/FinishUpload")
        XCTAssertEqual(try upload(large)["Length"] as? String, String(12 * Self.mib))
        XCTAssertEqual(try requests(containing: "/FinishUpload(").count, 2)
        try throttleSharePoint("/_api/web/folders")
        try spo(["folder", "add", "--webUrl", Self.root, "--parentFolderUrl", Self.library, "--name", "After429"])
    }

    func testEachCommandSendsOnlyTheRequestsItNeeds() throws {
        let file = try localFile("counted.txt", size: 100)
        try spo(["list", "add", "--webUrl", Self.root, "--title", "Warm-up"])  // caches the token and the digest
        let out = harness.root.appendingPathComponent("counted-down.txt").path
        let cases: [([String], [String])] = [
            (["folder", "add", "--webUrl", Self.root, "--parentFolderUrl", Self.library, "--name", "F"], ["POST"]),
            (["folder", "list", "--webUrl", Self.root, "--parentFolderUrl", Self.library], ["GET"]),
            (["folder", "get", "--webUrl", Self.root, "--url", "Shared Documents/F"], ["GET"]),
            (["file", "add", "--webUrl", Self.root, "--folder", "Shared Documents/F", "--path", file.path], ["POST"]),
            (["file", "add", "--webUrl", Self.root, "--folder", "Shared Documents/F", "--path", file.path, "--overwrite", "--Title", "t"], ["POST", "POST"]),
            (["file", "list", "--webUrl", Self.root, "--folderUrl", "Shared Documents/F"], ["GET"]),
            (["file", "get", "--webUrl", Self.root, "--url", "Shared Documents/F/counted.txt"], ["GET"]),
            (["file", "get", "--webUrl", Self.root, "--url", "Shared Documents/F/counted.txt", "--asFile", "--path", out], ["GET"]),
            (["file", "checkout", "--webUrl", Self.root, "--url", "Shared Documents/F/counted.txt"], ["POST"]),
            (["file", "checkin", "--webUrl", Self.root, "--url", "Shared Documents/F/counted.txt"], ["POST"]),
            (["file", "remove", "--webUrl", Self.root, "--url", "Shared Documents/F/counted.txt", "--force"], ["POST"]),
            (["folder", "set", "--webUrl", Self.root, "--url", "Shared Documents/F", "--name", "G"], ["PATCH"]),
            (["folder", "remove", "--webUrl", Self.root, "--url", "Shared Documents/G", "--force"], ["POST"]),
        ]
        for (arguments, methods) in cases {
            try emulator.admin("requests", method: "DELETE")
            try spo(arguments)
            let sent = try httpRequests("").compactMap { $0["method"] as? String }
            XCTAssertEqual(sent, methods, "spo \(arguments.prefix(2).joined(separator: " ")): no digest, token or lookup requests")
        }
    }

    func testVersionsListGetRestoreAndRemove() throws {
        let url = "Shared Documents/versioned.txt"
        for text in ["one", "two", "three"] {
            let file = harness.root.appendingPathComponent("versioned.txt")
            try Data(text.utf8).write(to: file)
            _ = try upload(file, ["--overwrite"])
        }
        let versions = try array(["file", "version", "list", "--webUrl", Self.root, "--fileUrl", url])
        XCTAssertEqual(versions.compactMap { $0["VersionLabel"] as? String }, ["1.0", "2.0"], "the earlier versions")
        XCTAssertTrue(versions.allSatisfy { $0.keys.contains("ExpirationDate") }, "asked for by name, as the CLI asks")
        let text = try spo(["file", "version", "list", "--webUrl", Self.root, "--fileUrl", url, "--output", "text"]).stdout
        XCTAssertEqual(header(text), ["Created", "ID", "IsCurrentVersion", "VersionLabel", "ExpirationDate"])
        XCTAssertEqual(try object(["file", "version", "get", "-u", Self.root, "--fileUrl", url, "--label", "1.0"])["ID"] as? Int, 512)
        let missing = try spo(["file", "version", "get", "--webUrl", Self.root, "--fileUrl", url, "--label", "9.0"])
        XCTAssertEqual(missing.stdout, "", "as the CLI: no such version prints nothing and succeeds")

        try emulator.admin("requests", method: "DELETE")
        try spo(["file", "version", "restore", "--webUrl", Self.root, "--fileUrl", url, "--label", "1.0", "--force"])
        XCTAssertEqual(try spRequests().map { "\($0["method"] ?? "") \($0["path"] ?? "")" },
                       ["POST /_api/web/GetFileByServerRelativePath(DecodedUrl=@f)/versions/RestoreByLabel('1.0')"], "the label in place, as the CLI")
        XCTAssertEqual(try spo(["file", "get", "--webUrl", Self.root, "--url", url, "--asString", "--output", "text"]).stdout, "one\n")
        XCTAssertEqual(try object(["file", "get", "--webUrl", Self.root, "--url", url])["UIVersionLabel"] as? String, "4.0")

        try emulator.admin("requests", method: "DELETE")
        try spo(["file", "version", "remove", "--webUrl", Self.root, "--fileUrl", url, "--label", "2.0", "--force"])
        XCTAssertEqual(try spRequests().map { "\($0["method"] ?? "") \($0["path"] ?? "")" },
                       ["DELETE /_api/web/GetFileByServerRelativePath(DecodedUrl=@f)/versions/DeleteByLabel('2.0')"], "an HTTP DELETE, as the CLI")
        XCTAssertEqual(try array(["file", "version", "list", "--webUrl", Self.root, "--fileUrl", url]).compactMap { $0["VersionLabel"] as? String },
                       ["1.0", "3.0"])
        try spo(["file", "version", "clear", "--webUrl", Self.root, "--fileUrl", url, "--force"])
        XCTAssertEqual(try array(["file", "version", "list", "--webUrl", Self.root, "--fileUrl", url]).count, 0)
        try fails(["file", "version", "remove", "--webUrl", Self.root, "--fileUrl", url, "--label", "1.0"], exit: 2, "--force")
    }

    func testFileTextOutputAndRenameCopyMove() throws {
        _ = try upload(try localFile("a.txt", size: 10))
        let text = try spo(["file", "get", "--webUrl", Self.root, "--url", "Shared Documents/a.txt", "--output", "text"]).stdout
        XCTAssertTrue(header(text).contains("ServerRelativeUrl"), text)
        try spo(["folder", "add", "--webUrl", Self.root, "--parentFolderUrl", Self.library, "--name", "Target"])
        try spo(["file", "copy", "--webUrl", Self.root, "--sourceUrl", "Shared Documents/a.txt", "--targetUrl", "Shared Documents/Target"])
        try spo(["file", "move", "--webUrl", Self.root, "--sourceUrl", "Shared Documents/a.txt", "--targetUrl", "Shared Documents/Target", "--newName", "b.txt"])
        try emulator.admin("requests", method: "DELETE")
        let renamed = try array(["file", "rename", "--webUrl", Self.root, "--sourceUrl", "Shared Documents/Target/b.txt", "--targetFileName", "c.txt"])
        XCTAssertEqual(renamed.first?["FieldName"] as? String, "FileLeafRef", "SharePoint's field results, as the CLI prints them")
        XCTAssertEqual(renamed.first?["FieldValue"] as? String, "c.txt")
        XCTAssertEqual(renamed.first?["HasException"] as? Bool, false)
        XCTAssertEqual(paths(try spRequests()), ["/_api/web/GetFileByServerRelativePath(DecodedUrl=@f)",
                                                 "/_api/web/GetFileByServerRelativePath(DecodedUrl=@f)/ListItemAllFields/ValidateUpdateListItem()"])
        XCTAssertEqual(try object(["file", "get", "--webUrl", Self.root, "--url", "Shared Documents/Target/c.txt"])["Name"] as? String, "c.txt")
        let clash = try spo(["file", "rename", "--webUrl", Self.root, "--sourceUrl", "Shared Documents/Target/c.txt", "--targetFileName", "a.txt"])
        XCTAssertTrue(clash.stdout.contains("\"HasException\": true"), "a taken name is SharePoint's field exception, exit 0 as the CLI: \(clash.stdout)")
        XCTAssertTrue(clash.stderr.contains("FileLeafRef"), clash.stderr)
        try fails(["file", "copy", "--webUrl", Self.root, "--sourceUrl", "Shared Documents/Target/c.txt", "--targetUrl", "Shared Documents/Target", "--newName", "a.txt"],
                  "already exists")
        try emulator.admin("requests", method: "DELETE")
        let copied = try object(["file", "copy", "--webUrl", Self.root, "--sourceUrl", "Shared Documents/Target/c.txt", "--targetUrl", "Shared Documents/Target",
                                 "--newName", "a", "--nameConflictBehavior", "rename"])
        XCTAssertEqual(copied["Name"] as? String, "a 1.txt", "the source's extension kept, a free name taken; the new file printed as the CLI prints it")
        let unique = try XCTUnwrap(copied["UniqueId"] as? String)
        XCTAssertEqual(paths(try spRequests()), ["/_api/Site/CreateCopyJobs", "/_api/Site/GetCopyJobProgress", "/_api/Web/GetFileById('\(unique)')"],
                       "a copy job, its progress and the new file, as CLI for Microsoft 365 sends them")
        let skipped = try spo(["file", "copy", "--webUrl", Self.root, "--sourceId", unique, "--targetUrl", "/Shared Documents", "--skipWait"])
        XCTAssertEqual(skipped.stdout, "", "--skipWait prints nothing")
        try spo(["file", "remove", "--webUrl", Self.root, "--url", "/Shared Documents/a 1.txt", "--force"])
        try spo(["file", "move", "--webUrl", Self.root, "--sourceUrl", "Shared Documents/Target/a 1.txt", "--targetUrl", Self.library,
                 "--nameConflictBehavior", "replace"])
        let names = try array(["file", "list", "--webUrl", Self.root, "--folderUrl", Self.library, "--recursive"]).compactMap { $0["ServerRelativeUrl"] as? String }
        XCTAssertEqual(names.sorted(), ["/Shared Documents/Target/a.txt", "/Shared Documents/Target/c.txt", "/Shared Documents/a 1.txt"],
                       "rename made 'a 1.txt'; the move took it to the library's root")
    }

    /// `--checkOut` as CLI for Microsoft 365 runs it: the file must exist; with field values the
    /// ValidateUpdateListItem call checks the file in (no CheckIn after it), without them CheckIn does.
    func testAddWithCheckOutChecksInOnce() throws {
        let file = try localFile("checked.txt", size: 10)
        _ = try upload(file)
        try emulator.admin("requests", method: "DELETE")
        _ = try upload(file, ["--checkOut", "--Title", "Checked", "--checkInComment", "with fields"])
        XCTAssertEqual(paths(try spRequests()), ["/_api/web/GetFileByServerRelativePath(DecodedUrl=@f)/CheckOut()",
                                                 "/_api/web/GetFolderByServerRelativePath(DecodedUrl=@f)/Files/add(url=@n,overwrite=true)",
                                                 "/_api/web/GetFileByServerRelativePath(DecodedUrl=@f)/ListItemAllFields/ValidateUpdateListItem()"],
                       "no CheckIn after the values")
        let checked = try object(["file", "get", "--webUrl", Self.root, "--url", "Shared Documents/checked.txt"])
        XCTAssertEqual(checked["CheckOutType"] as? Int, 2, "checked in by ValidateUpdateListItem")
        XCTAssertEqual(checked["CheckInComment"] as? String, "with fields")
        XCTAssertEqual(try object(["file", "get", "--webUrl", Self.root, "--url", "Shared Documents/checked.txt", "--asListItem"])["Title"] as? String, "Checked")

        try emulator.admin("requests", method: "DELETE")
        _ = try upload(file, ["--checkOut", "--checkInComment", "alone"])
        XCTAssertEqual(try object(["file", "get", "--webUrl", Self.root, "--url", "Shared Documents/checked.txt"])["CheckInComment"] as? String, "alone")

        try fails(["file", "add", "--webUrl", Self.root, "--folder", Self.library, "--path", try localFile("nowhere.txt", size: 5).path, "--checkOut"],
                  "The file /Shared Documents/nowhere.txt does not exist.")
        XCTAssertEqual(try array(["file", "list", "--webUrl", Self.root, "--folderUrl", Self.library]).compactMap { $0["Name"] as? String }, ["checked.txt"],
                       "nothing uploaded when the check-out failed")
    }

    /// `--contentType`, `--publish` and `--approve` read the file's list first, as CLI for
    /// Microsoft 365 does: a content type the list lacks and publishing on a moderated list fail.
    func testAddChecksTheListForContentTypeAndPublishing() throws {
        let file = try localFile("typed.txt", size: 10)
        try emulator.admin("requests", method: "DELETE")
        try fails(["file", "add", "--webUrl", Self.root, "--folder", Self.library, "--path", file.path, "--overwrite", "true", "--contentType", "Nope"],
                  "Specified content type 'Nope' doesn't exist on the target list")
        let paths = try spRequests().compactMap { $0["target"] as? String }
        XCTAssertTrue(paths.contains { $0.hasPrefix("/_api/web/GetFileByServerRelativePath(DecodedUrl=@f)/ListItemAllFields/ParentList?") && $0.contains("$Select=Id%2CEnableModeration%2CEnableVersioning%2CEnableMinorVersions") }, "\(paths)")
        XCTAssertTrue(paths.contains { $0.hasPrefix("/_api/web/lists('") && $0.hasSuffix("/contenttypes?$select=Name%2CId") }, "\(paths)")
        _ = try upload(file, ["--overwrite", "true", "--contentType", "Document"])

        try spo(["list", "set", "--webUrl", Self.root, "--title", "Documents", "--enableModeration", "true", "--enableMinorVersions", "true"])
        defer { _ = try? spo(["list", "set", "--webUrl", Self.root, "--title", "Documents", "--enableModeration", "false", "--enableMinorVersions", "false"]) }
        try fails(["file", "add", "--webUrl", Self.root, "--folder", Self.library, "--path", file.path, "--overwrite", "true", "--publish"],
                  "The file cannot be published without approval. Moderation for this list is enabled. Use the --approve option instead of --publish to approve and publish the file")
        _ = try upload(file, ["--overwrite", "true", "--approve"])
    }

    // MARK: Sharing links and permissions

    func graphRequests(containing part: String) throws -> [[String: Any]] {
        try emulator.requests(pathPrefix: "/v1.0/sites/").filter {
            ($0["host"] as? String ?? "").hasPrefix("graph.") && ($0["path"] as? String ?? "").lowercased().contains(part.lowercased())
        }
    }

    func sharedFile(_ name: String = "shared.docx") throws -> String {
        try XCTUnwrap(try upload(try localFile(name, size: 100))["UniqueId"] as? String)
    }

    func testSharingLinkAddListGetAndRemove() throws {
        let id = try sharedFile()
        let url = "Shared Documents/shared.docx"
        let link = try object(["file", "sharinglink", "add", "--webUrl", Self.root, "--fileUrl", url, "--type", "edit", "--scope", "organization"])
        let linkId = try XCTUnwrap(link["id"] as? String)
        XCTAssertEqual(link["roles"] as? [String], ["write"])
        let inner = try XCTUnwrap(link["link"] as? [String: Any])
        XCTAssertEqual(inner["type"] as? String, "edit")
        XCTAssertEqual(inner["scope"] as? String, "organization")
        XCTAssertTrue((inner["webUrl"] as? String ?? "").hasPrefix("https://contoso.sharepoint.com/:w:/"), "\(inner)")
        XCTAssertEqual(link["hasPassword"] as? Bool, false)
        XCTAssertNil(link["@odata.context"])
        XCTAssertEqual(try spRequests().filter { ($0["query"] as? String ?? "").contains("VroomItemId") }.count, 1, "the Graph ids came from SharePoint")
        XCTAssertEqual(try graphRequests(containing: "/createLink").count, 1)
        let linkText = try spo(["file", "sharinglink", "get", "--webUrl", Self.root, "--fileUrl", url, "--id", link["id"] as? String ?? "", "--output", "text"]).stdout
        XCTAssertTrue(linkText.contains("hasPassword"), "get prints the whole link, as the CLI: \(linkText)")

        let listed = try array(["file", "sharinglink", "list", "--webUrl", Self.root, "--fileId", id])
        XCTAssertEqual(listed.compactMap { $0["id"] as? String }, [linkId])
        let listedText = try spo(["file", "sharinglink", "list", "--webUrl", Self.root, "--fileId", id, "--output", "text"]).stdout
        XCTAssertEqual(Set(header(listedText)), ["id", "scope", "roles", "link"])
        XCTAssertTrue(listedText.contains("write") && listedText.contains(inner["webUrl"] as? String ?? "?"), "roles joined, the link's URL: \(listedText)")
        let got = try object(["file", "sharinglink", "get", "--webUrl", Self.root, "--fileId", id, "--id", linkId])
        XCTAssertEqual((got["link"] as? [String: Any])?["webUrl"] as? String, inner["webUrl"] as? String)

        try spo(["file", "sharinglink", "remove", "--webUrl", Self.root, "--fileUrl", url, "--id", linkId, "--force"])
        XCTAssertEqual(try array(["file", "sharinglink", "list", "--webUrl", Self.root, "--fileUrl", url]).count, 0)
        // Links go with their file.
        let again = try object(["file", "sharinglink", "add", "--webUrl", Self.root, "--fileId", id, "--type", "view",
                                "--expirationDateTime", "2099-01-31"])
        XCTAssertEqual(again["roles"] as? [String], ["read"])
        XCTAssertTrue((again["expirationDateTime"] as? String ?? "").hasPrefix("2099-01-31"))
        try spo(["file", "remove", "--webUrl", Self.root, "--id", id, "--force"])
        _ = try sharedFile()
        XCTAssertEqual(try array(["file", "sharinglink", "list", "--webUrl", Self.root, "--fileUrl", url]).count, 0)
    }

    func testSharingLinkListFiltersByScope() throws {
        let url = "Shared Documents/scoped.docx"
        _ = try sharedFile("scoped.docx")
        for scope in ["organization", "anonymous"] {
            try spo(["file", "sharinglink", "add", "--webUrl", Self.root, "--fileUrl", url, "--type", "view", "--scope", scope])
        }
        XCTAssertEqual(try array(["file", "sharinglink", "list", "--webUrl", Self.root, "--fileUrl", url]).count, 2)
        let org = try array(["file", "sharinglink", "list", "--webUrl", Self.root, "--fileUrl", url, "--scope", "organization"])
        XCTAssertEqual(org.compactMap { ($0["link"] as? [String: Any])?["scope"] as? String }, ["organization"])
        XCTAssertTrue(try graphRequests(containing: "/permissions").contains { ($0["query"] as? String ?? "").contains("organization") },
                      "the scope went to Graph as $filter")
    }

    func testSharingLinkNotFound() throws {
        try fails(["file", "sharinglink", "list", "--webUrl", Self.root, "--fileUrl", "Shared Documents/missing.docx"], "does not exist")
        try fails(["file", "sharinglink", "add", "--webUrl", Self.root, "--fileId", "00000000-0000-0000-0000-000000000001", "--type", "view"], "does not exist")
        let id = try sharedFile("lonely.docx")
        try fails(["file", "sharinglink", "remove", "--webUrl", Self.root, "--fileId", id, "--id", "no-such-link", "--force"], "no-such-link")
        try fails(["file", "sharinglink", "get", "--webUrl", Self.root, "--fileId", id, "--id", "no-such-link"], "no-such-link")
        XCTAssertEqual(try graphRequests(containing: "/permissions/no-such-link").count, 2)
    }

    func testSharingLinkBadInputSendsNothing() throws {
        let add = ["file", "sharinglink", "add", "--webUrl", Self.root]
        try fails(add + ["--fileUrl", "Shared Documents/a.docx", "--type", "foo"], exit: 2, "--type")
        try fails(add + ["--fileUrl", "Shared Documents/a.docx", "--type", "view", "--scope", "everyone"], exit: 2, "--scope")
        try fails(add + ["--fileUrl", "Shared Documents/a.docx", "--type", "view", "--scope", "users"], exit: 2, "--scope")
        try fails(add + ["--fileUrl", "Shared Documents/a.docx", "--type", "view", "--scope", "organization", "--expirationDateTime", "2099-01-31"], exit: 2,
                  "Option expirationDateTime can only be used for links with scope 'anonymous'.")
        try fails(add + ["--fileUrl", "Shared Documents/a.docx", "--fileId", "00000000-0000-0000-0000-000000000001", "--type", "view"], exit: 2, "only one of")
        try fails(add + ["--type", "view"], exit: 2, "--fileUrl")
        try fails(add + ["--fileId", "nope", "--type", "view"], exit: 2, "not a valid GUID")
        try fails(add + ["--fileUrl", "Shared Documents/a.docx", "--type", "view", "--expirationDateTime", "tomorrow"], exit: 2, "not a valid date")
        try fails(["file", "sharinglink", "list", "--webUrl", Self.root, "--fileUrl", "Shared Documents/a.docx", "--scope", "nobody"], exit: 2, "--scope")
        try fails(["file", "sharinglink", "remove", "--webUrl", Self.root, "--fileUrl", "Shared Documents/a.docx"], exit: 2, "--id")
        try fails(["file", "sharinglink", "remove", "--webUrl", Self.root, "--fileUrl", "Shared Documents/a.docx", "--id", "x"], exit: 2, "--force")
        try fails(["file", "get", "--webUrl", Self.root, "--url", "Shared Documents/a.docx", "--withPermissions", "--asString"], exit: 2, "--withPermissions")
        XCTAssertEqual(try spRequests().count, 0, "nothing reaches SharePoint")
        XCTAssertEqual(try graphRequests(containing: "/drives/").count, 0, "nothing reaches Graph")
    }

    func testThrottledSharingLinkSucceedsAfterRetryAfter() throws {
        let url = "Shared Documents/busy.docx"
        _ = try sharedFile("busy.docx")
        try throttle("/v1.0/sites/")
        let link = try object(["file", "sharinglink", "add", "--webUrl", Self.root, "--fileUrl", url, "--type", "view", "--scope", "anonymous"])
        XCTAssertEqual(try graphRequests(containing: "/createLink").count, 2, "throttled once, then created")
        try throttle("/v1.0/sites/")
        XCTAssertEqual(try array(["file", "sharinglink", "list", "--webUrl", Self.root, "--fileUrl", url]).compactMap { $0["id"] as? String },
                       [try XCTUnwrap(link["id"] as? String)])
    }

    func testSharingLinkTextOutputShowsDefaultProperties() throws {
        let url = "Shared Documents/text.docx"
        _ = try sharedFile("text.docx")
        let added = try spo(["file", "sharinglink", "add", "--webUrl", Self.root, "--fileUrl", url, "--type", "view", "--scope", "organization",
                             "--output", "text"]).stdout
        XCTAssertTrue(Set(header(added)).isSuperset(of: ["id", "link", "roles", "hasPassword"]), "the whole link, as the CLI prints it: \(added)")
        try spo(["file", "sharinglink", "add", "--webUrl", Self.root, "--fileUrl", url, "--type", "edit", "--scope", "anonymous"])
        let listed = try spo(["file", "sharinglink", "list", "--webUrl", Self.root, "--fileUrl", url, "--output", "text"]).stdout
        XCTAssertEqual(header(listed), ["id", "scope", "roles", "link"], "each link as the CLI maps it in text output")
        XCTAssertEqual(listed.split(separator: "\n").count, 4, "a header, its rule and two links: \(listed)")
        XCTAssertFalse(listed.contains("hasPassword"))
    }

    func testFileGetWithPermissionsReturnsRoleAssignments() throws {
        let id = try sharedFile("perm.docx")
        let file = try object(["file", "get", "--webUrl", Self.root, "--id", id, "--withPermissions"])
        XCTAssertEqual(file["Name"] as? String, "perm.docx")
        XCTAssertNil(file["ListItemAllFields"], "the assignments sit beside the file, as the CLI puts them")
        let assignments = try XCTUnwrap(file["RoleAssignments"] as? [[String: Any]])
        XCTAssertEqual(assignments.compactMap { $0["PrincipalId"] as? Int }, [3, 5, 4])
        let owners = try XCTUnwrap(assignments.first)
        XCTAssertTrue(((owners["Member"] as? [String: Any])?["Title"] as? String ?? "").hasSuffix("Owners"))
        let role = try XCTUnwrap((owners["RoleDefinitionBindings"] as? [[String: Any]])?.first)
        XCTAssertEqual(role["Name"] as? String, "Full Control")
        XCTAssertEqual(role["RoleTypeKindValue"] as? String, "Administrator")
        XCTAssertEqual((role["BasePermissionsValue"] as? [String])?.count, 35, "Full Control: every permission the CLI names")
        XCTAssertEqual(try requests(containing: "/ListItemAllFields/RoleAssignments").count, 1)
        let asItem = try object(["file", "get", "--webUrl", Self.root, "--url", "Shared Documents/perm.docx", "--asListItem", "--withPermissions"])
        XCTAssertEqual(asItem["FileLeafRef"] as? String, "perm.docx")
        XCTAssertEqual((asItem["RoleAssignments"] as? [[String: Any]])?.count, 3)
        XCTAssertNil(asItem["ID"], "the item without its ID twin, as the CLI prints it")
        let plain = try object(["file", "get", "--webUrl", Self.root, "--id", id])
        XCTAssertNil(plain["ListItemAllFields"], "only with --withPermissions")
        try fails(["file", "get", "--webUrl", Self.root, "--url", "Shared Documents/gone.docx", "--withPermissions"], "does not exist")
    }
}
