import EmulatorKit
import Foundation
import XCTest

/// The emulator's document library files and folders over REST, called with curl: uploads
/// (one request and chunked), downloads from disk, SharePoint's error bodies, the list items
/// files are, and the directory reset that empties the libraries (their files on disk too).
final class SharePointFilesTests: SharePointTestCase {
    var docs: String { "\(root)/_api/web/GetFolderByServerRelativeUrl('\(q("/Shared Documents"))')" }

    /// POSTs `bytes` as the raw body of a SharePoint call (digest and token included).
    func post(_ url: String, _ bytes: [UInt8], token: String? = nil, accept: String = nometadata) throws -> HTTPResult {
        let file = NSTemporaryDirectory() + "sp-body-\(UUID().uuidString)"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let web = String(url[..<url.range(of: "/_api/")!.lowerBound])
        let headers = ["Authorization": "Bearer \(token ?? spToken!)", "Accept": accept, "X-RequestDigest": try digest(web, token: token),
                       "Content-Type": "application/octet-stream"]
        return try curl(url, method: "POST", headers: headers, extra: ["--data-binary", "@" + file])
    }

    var nometadata: String { Self.nometadata }

    func bytes(_ n: Int, _ seed: Int = 1) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: $0 &* seed &+ $0 >> 9) } }

    /// Files under this process's emulator state directories' SharePoint content folders.
    func storedFiles() -> Set<String> {
        let base = sharedStateDirectory + "/drive"
        var out = Set<String>()
        for dir in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] where dir.hasPrefix("\(getpid())-") {
            for f in (try? FileManager.default.contentsOfDirectory(atPath: "\(base)/\(dir)/sharepoint")) ?? [] { out.insert("\(dir)/\(f)") }
        }
        return out
    }

    func testAddDownloadConflictAndListItem() throws {
        let before = storedFiles()
        let content = bytes(300_000, 7)
        let added = try post("\(docs)/Files/add(url='a.bin',overwrite=false)", content)
        XCTAssertEqual(added.status, 200, added.text)
        XCTAssertEqual(added.json["Length"] as? String, "300000", "Edm.Int64 as a string")
        XCTAssertEqual(added.json["ServerRelativeUrl"] as? String, "/Shared Documents/a.bin")
        XCTAssertEqual(storedFiles().subtracting(before).count, 1, "the content is a file on disk")

        let down = try curl("\(root)/_api/web/GetFileByServerRelativeUrl('\(q("/Shared Documents/a.bin"))')/$value",
                            headers: ["Authorization": "Bearer \(spToken!)"])
        XCTAssertEqual(down.status, 200)
        XCTAssertEqual([UInt8](down.body), content)
        XCTAssertEqual(down.headers["content-length"], "300000")

        let again = try post("\(docs)/Files/add(url='a.bin',overwrite=false)", content)
        XCTAssertEqual(again.status, 400)
        XCTAssertEqual(spError(again).code, "-2130575257, Microsoft.SharePoint.SPException")
        XCTAssertTrue(spError(again).message?.hasPrefix("A file with the name /Shared Documents/a.bin already exists.") == true, again.text)

        let missing = try sp("GET", "\(root)/_api/web/GetFileByServerRelativePath(DecodedUrl=@f)?@f=\(q("'/Shared Documents/none.txt'"))")
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(spError(missing).code, "-2130575338, Microsoft.SharePoint.SPException")

        // The file is an item of the library, with its name in FileLeafRef.
        let items = values(try sp("GET", "\(root)/_api/web/lists/getbytitle('Documents')/items"))
        XCTAssertEqual(items.compactMap { $0["FileLeafRef"] as? String }, ["a.bin"])
        let item = try sp("GET", "\(root)/_api/web/GetFileByServerRelativeUrl('\(q("/Shared Documents/a.bin"))')/ListItemAllFields")
        XCTAssertEqual(item.json["FileRef"] as? String, "/Shared Documents/a.bin")

        // Verbose format, and the directory reset: libraries empty, files gone from disk.
        let verbose = try sp("GET", "\(docs)/Files", accept: Self.verbose)
        XCTAssertEqual(((verbose.json["d"] as? [String: Any])?["results"] as? [[String: Any]])?.count, 1, verbose.text)
        XCTAssertEqual(try admin("directory/reset", method: "POST").status, 200)
        XCTAssertEqual(values(try sp("GET", "\(docs)/Files")).count, 0)
        XCTAssertEqual(values(try sp("GET", "\(root)/_api/web/lists/getbytitle('Documents')/items")).count, 0)
        XCTAssertEqual(storedFiles(), before, "the reset deleted the file on disk")
    }

    func testChunkedUploadIsIdempotentPerChunkAndCancels() throws {
        let id = UUID().uuidString.lowercased()
        let file = "\(root)/_api/web/GetFileByServerRelativePath(DecodedUrl=@f)"
        let alias = "?@f=\(q("'/Shared Documents/big.bin'"))"
        let start = try post("\(docs)/Files/GetByPathOrAddStub(DecodedUrl='big.bin')/StartUpload(uploadId=guid'\(id)')", [])
        XCTAssertEqual(start.status, 200, start.text)
        XCTAssertEqual(start.json["value"] as? String, "0")
        let one = bytes(1000, 3), two = bytes(500, 5), three = bytes(10, 9)
        XCTAssertEqual(try post("\(file)/ContinueUpload(uploadId=guid'\(id)',fileOffset=0)\(alias)", one).json["value"] as? String, "1000")
        // The same chunk again (its answer was lost): confirmed, not appended twice.
        XCTAssertEqual(try post("\(file)/ContinueUpload(uploadId=guid'\(id)',fileOffset=0)\(alias)", one).json["value"] as? String, "1000")
        let wrong = try post("\(file)/ContinueUpload(uploadId=guid'\(id)',fileOffset=5)\(alias)", two)
        XCTAssertEqual(wrong.status, 400)
        XCTAssertTrue(spError(wrong).message?.contains("1000 bytes were received") == true, wrong.text)
        XCTAssertEqual(try post("\(file)/ContinueUpload(uploadId=guid'\(id)',fileOffset=1000)\(alias)", two).json["value"] as? String, "1500")
        let done = try post("\(file)/FinishUpload(uploadId=guid'\(id)',fileOffset=1500)\(alias)", three)
        XCTAssertEqual(done.status, 200, done.text)
        XCTAssertEqual(done.json["Length"] as? String, "1510")
        // FinishUpload re-sent after its answer was lost: the same file.
        XCTAssertEqual(try post("\(file)/FinishUpload(uploadId=guid'\(id)',fileOffset=1500)\(alias)", three).json["UniqueId"] as? String,
                       done.json["UniqueId"] as? String)
        let down = try curl("\(file)/$value\(alias)", headers: ["Authorization": "Bearer \(spToken!)"])
        XCTAssertEqual([UInt8](down.body), one + two + three)

        // A cancelled upload leaves no file.
        let other = UUID().uuidString.lowercased()
        XCTAssertEqual(try post("\(docs)/Files/GetByPathOrAddStub(DecodedUrl='gone.bin')/StartUpload(uploadId=guid'\(other)')", one).json["value"] as? String, "1000")
        XCTAssertEqual(try sp("POST", "\(docs)/Files('gone.bin')/cancelupload(uploadId=guid'\(other)')").status, 200)
        XCTAssertEqual(try sp("GET", "\(root)/_api/web/GetFileByServerRelativeUrl('\(q("/Shared Documents/gone.bin"))')").status, 404)
        let ended = try post("\(root)/_api/web/GetFileByServerRelativeUrl('\(q("/Shared Documents/gone.bin"))')/ContinueUpload(uploadId=guid'\(other)',fileOffset=1000)", two)
        XCTAssertEqual(ended.status, 404, ended.text)
    }

    func testFoldersCheckOutAndMinimalMetadata() throws {
        let add = try sp("POST", "\(root)/_api/web/folders", json: ["ServerRelativeUrl": "/Shared Documents/Sub"])
        XCTAssertEqual(add.status, 200, add.text)
        XCTAssertEqual(add.json["Name"] as? String, "Sub")
        let byId = try sp("GET", "\(root)/_api/web/GetFolderById('\(add.json["UniqueId"] as? String ?? "")')", accept: "application/json;odata=minimalmetadata")
        XCTAssertEqual(byId.json["odata.type"] as? String, "SP.Folder", byId.text)
        XCTAssertEqual(try sp("POST", "\(root)/_api/web/folders/add('\(q("/Shared Documents/No/Such"))')").status, 404, "parents must exist")
        XCTAssertEqual(values(try sp("GET", "\(docs)/Folders")).compactMap { $0["Name"] as? String }, ["Sub"])

        XCTAssertEqual(try post("\(root)/_api/web/GetFolderByServerRelativeUrl('\(q("/Shared Documents/Sub"))')/Files/add(url='c.txt',overwrite=true)", bytes(10)).status, 200)
        let c = "\(root)/_api/web/GetFileByServerRelativeUrl('\(q("/Shared Documents/Sub/c.txt"))')"
        XCTAssertEqual(try sp("POST", "\(c)/CheckOut()").status, 200)
        let adele = try XCTUnwrap(passwordToken(user: Fixtures.adele, scope: "https://contoso.sharepoint.com/.default")["access_token"] as? String)
        let locked = try post("\(root)/_api/web/GetFolderByServerRelativeUrl('\(q("/Shared Documents/Sub"))')/Files/add(url='c.txt',overwrite=true)", bytes(10), token: adele)
        XCTAssertEqual(locked.status, 423, locked.text)
        XCTAssertEqual(spError(locked).code, "-2130575306, Microsoft.SharePoint.SPFileCheckOutException")
        XCTAssertEqual(try sp("POST", "\(c)/CheckIn(comment='ok',checkintype=1)").status, 200)
        let checkedIn = try sp("GET", c)
        XCTAssertEqual(checkedIn.json["CheckInComment"] as? String, "ok")
        XCTAssertEqual(checkedIn.json["MajorVersion"] as? Int, 2)

        XCTAssertEqual(try sp("DELETE", "\(root)/_api/web/GetFolderByServerRelativeUrl('\(q("/Shared Documents/Sub"))')").status, 200)
        XCTAssertEqual(try sp("GET", c).status, 404, "the folder's files went with it")
        XCTAssertEqual(values(try sp("GET", "\(root)/_api/web/lists/getbytitle('Documents')/items")).count, 0, "and their items")
    }

    func testSomeoneElsesOneDriveIsDenied() throws {
        let personal = "https://contoso-my.sharepoint.com/personal/adele_vance_contoso_com"
        let r = try sp("GET", "\(personal)/_api/web/GetFolderByServerRelativeUrl('\(q("/personal/adele_vance_contoso_com/Documents"))')/Files")
        XCTAssertEqual(r.status, 403, r.text)
        XCTAssertEqual(spError(r).code, "-2147024891, System.UnauthorizedAccessException")
    }
}
