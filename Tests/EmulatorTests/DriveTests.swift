import EmulatorKit
import Foundation
import XCTest

/// OneDrive on Graph: folders, simple uploads, upload sessions (fragments, resume after a
/// dropped connection, cancel), downloads through the pre-authenticated URL, permissions,
/// throttling and quota.
final class DriveTests: GraphTestCase {
    let unit = 327_680

    func innerCode(_ r: HTTPResult) -> String? { ((r.json["error"] as? [String: Any])?["innerError"] as? [String: Any])?["code"] as? String }
    func names(_ r: HTTPResult) -> [String] { (r.json["value"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String } }

    /// A file of `size` pseudo-random bytes and its path.
    func makeFile(_ size: Int) throws -> (Data, String) {
        var rng = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: size)
        for i in stride(from: 0, to: size, by: 8) {
            let v = rng.next()
            for j in 0..<min(8, size - i) { bytes[i + j] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(j))) }
        }
        let data = Data(bytes)
        let path = NSTemporaryDirectory() + "drive-test-" + UUID().uuidString
        try data.write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return (data, path)
    }

    /// Bytes `range` of `data` in a file, for one fragment.
    func fragmentFile(_ data: Data, _ range: Range<Int>) throws -> String {
        let path = NSTemporaryDirectory() + "drive-frag-" + UUID().uuidString
        try data.subdata(in: range).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func putFragment(_ url: String, _ data: Data, _ range: Range<Int>, total: Int? = nil, headers: [String: String] = [:]) throws -> HTTPResult {
        var h = headers
        h["Content-Range"] = "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(total ?? data.count)"
        h["Content-Type"] = "application/octet-stream"
        return try call("PUT", url, nil, headers: h, file: try fragmentFile(data, range))
    }

    func createSession(_ token: String, path: String, body: Any? = nil) throws -> String {
        let r = try call("POST", "/me/drive/root:/\(path):/createUploadSession", token, json: body ?? ["item": ["@microsoft.graph.conflictBehavior": "replace"]])
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.json["nextExpectedRanges"] as? [String], ["0-"])
        XCTAssertNotNil(r.json["expirationDateTime"] as? String)
        let url = try XCTUnwrap(r.json["uploadUrl"] as? String)
        XCTAssertTrue(url.hasPrefix("https://graph.microsoft.com/_upload/"), url)
        return url
    }

    // MARK: Drives and folders

    func testDriveAndFolders() throws {
        let t = try adeleToken()
        let drive = try call("GET", "/me/drive", t)
        XCTAssertEqual(drive.status, 200, drive.text)
        XCTAssertEqual(drive.json["driveType"] as? String, "business")
        let quota = try XCTUnwrap(drive.json["quota"] as? [String: Any])
        XCTAssertEqual(quota["total"] as? Int, 1 << 40)
        XCTAssertEqual(quota["state"] as? String, "normal")
        let driveId = try XCTUnwrap(drive.json["id"] as? String)
        XCTAssertEqual(try call("GET", "/drives/\(driveId)", t).json["id"] as? String, driveId)
        XCTAssertEqual(try call("GET", "/users/\(Fixtures.adele.upn)/drive", t).json["id"] as? String, driveId)
        XCTAssertEqual((try call("GET", "/me/drives", t).json["value"] as? [[String: Any]])?.count, 1)
        let root = try call("GET", "/me/drive/root", t)
        XCTAssertNotNil(root.json["root"])
        XCTAssertNotNil(root.json["folder"])

        let docs = try call("POST", "/me/drive/root/children", t, json: ["name": "Docs", "folder": [:], "@microsoft.graph.conflictBehavior": "fail"])
        XCTAssertEqual(docs.status, 201, docs.text)
        let docsId = try XCTUnwrap(docs.json["id"] as? String)
        XCTAssertEqual((docs.json["parentReference"] as? [String: Any])?["path"] as? String, "/drive/root:")
        XCTAssertEqual((docs.json["parentReference"] as? [String: Any])?["driveId"] as? String, driveId)
        let clash = try call("POST", "/me/drive/root/children", t, json: ["name": "docs", "folder": [:]])
        XCTAssertEqual(clash.status, 409)
        XCTAssertEqual(errorCode(clash), "nameAlreadyExists")
        let second = try call("POST", "/drives/\(driveId)/root/children", t, json: ["name": "Docs", "folder": [:], "@microsoft.graph.conflictBehavior": "rename"])
        XCTAssertEqual(second.json["name"] as? String, "Docs 1")
        let sub = try call("POST", "/me/drive/items/\(docsId)/children", t, json: ["name": "Sub Folder", "folder": [:]])
        XCTAssertEqual(sub.status, 201, sub.text)
        XCTAssertEqual((sub.json["parentReference"] as? [String: Any])?["path"] as? String, "/drive/root:/Docs")

        // Listing, paging, $filter, $select, path addressing (case-insensitive, percent-encoded).
        XCTAssertEqual(Set(names(try call("GET", "/me/drive/root/children", t))), ["Docs", "Docs 1"])
        let page1 = try call("GET", "/me/drive/root/children?$top=1", t)
        XCTAssertEqual(names(page1).count, 1)
        let next = try XCTUnwrap(page1.json["@odata.nextLink"] as? String)
        XCTAssertEqual(names(try call("GET", next, t)).count, 1)
        XCTAssertEqual(names(try call("GET", "/me/drive/root/children?$filter=" + "name eq 'Docs 1'".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!, t)), ["Docs 1"])
        let selected = try call("GET", "/me/drive/root/children?$select=id,name", t)
        XCTAssertEqual((selected.json["value"] as? [[String: Any]])?.first?.keys.sorted(), ["id", "name"])
        XCTAssertEqual(try call("GET", "/me/drive/root:/docs", t).json["id"] as? String, docsId)
        XCTAssertEqual(try call("GET", "/me/drive/root:/DOCS/sub%20folder:", t).json["id"] as? String, sub.json["id"] as? String)
        XCTAssertEqual(names(try call("GET", "/me/drive/root:/Docs:/children", t)), ["Sub Folder"])
        XCTAssertEqual((try call("GET", "/me/drive/items/\(docsId)", t).json["folder"] as? [String: Any])?["childCount"] as? Int, 1)

        // Rename and move.
        let moved = try call("PATCH", "/me/drive/items/\(sub.json["id"] as! String)", t,
                             json: ["name": "Moved", "parentReference": ["id": second.json["id"] as! String]])
        XCTAssertEqual(moved.status, 200, moved.text)
        XCTAssertEqual(moved.json["name"] as? String, "Moved")
        XCTAssertEqual((moved.json["parentReference"] as? [String: Any])?["path"] as? String, "/drive/root:/Docs%201")
        let badMove = try call("PATCH", "/me/drive/items/\(docsId)", t, json: ["name": "Docs 1"])
        XCTAssertEqual(errorCode(badMove), "nameAlreadyExists")

        XCTAssertEqual(try call("DELETE", "/me/drive/items/\(second.json["id"] as! String)", t).status, 204)
        let gone = try call("GET", "/me/drive/items/\(moved.json["id"] as! String)", t)
        XCTAssertEqual(gone.status, 404)
        XCTAssertEqual(errorCode(gone), "itemNotFound")

        // The directory reset empties the drive.
        XCTAssertEqual(try admin("directory/reset", method: "POST").status, 200)
        XCTAssertEqual(names(try call("GET", "/me/drive/root/children", t)), [])
    }

    // MARK: Simple upload and download

    func testSimpleUploadAndDownload() throws {
        let t = try adeleToken()
        let (data, path) = try makeFile(1_048_576 + 17)
        let put = try call("PUT", "/me/drive/root:/Reports/data%20file.bin:/content", t, file: path)
        XCTAssertEqual(put.status, 201, put.text)
        XCTAssertEqual(put.json["size"] as? Int, data.count)
        XCTAssertEqual(put.json["name"] as? String, "data file.bin")
        XCTAssertNotNil(((put.json["file"] as? [String: Any])?["hashes"] as? [String: Any])?["quickXorHash"] as? String)
        let id = try XCTUnwrap(put.json["id"] as? String)
        XCTAssertEqual(try call("PUT", "/me/drive/root:/Reports/data%20file.bin:/content", t, file: path).status, 200)
        let fail = try call("PUT", "/me/drive/root:/Reports/data%20file.bin:/content?@microsoft.graph.conflictBehavior=fail", t, file: path)
        XCTAssertEqual(fail.status, 409)
        XCTAssertEqual(errorCode(fail), "nameAlreadyExists")
        let renamed = try call("PUT", "/me/drive/items/\(put.json["parentReference"].flatMap { ($0 as? [String: Any])?["id"] as? String } ?? ""):/data%20file.bin:/content?@microsoft.graph.conflictBehavior=rename", t, file: path)
        XCTAssertEqual(renamed.status, 201, renamed.text)
        XCTAssertEqual(renamed.json["name"] as? String, "data file 1.bin")

        let item = try call("GET", "/me/drive/items/\(id)", t)
        let downloadUrl = try XCTUnwrap(item.json["@microsoft.graph.downloadUrl"] as? String)
        XCTAssertTrue(downloadUrl.hasPrefix("https://graph.microsoft.com/_download/"), downloadUrl)
        let redirect = try call("GET", "/me/drive/root:/reports/DATA%20FILE.bin:/content", t)
        XCTAssertEqual(redirect.status, 302)
        let location = try XCTUnwrap(redirect.header("Location"))
        let full = try call("GET", location, nil)
        XCTAssertEqual(full.status, 200)
        XCTAssertEqual(full.body, data)
        XCTAssertEqual(full.header("Content-Length"), String(data.count))
        XCTAssertEqual(try call("GET", "/me/drive/items/\(id)/content", t).status, 302)
        let part = try call("GET", downloadUrl, t, headers: ["Range": "bytes=1000-1999"])
        XCTAssertEqual(part.status, 206)
        XCTAssertEqual(part.header("Content-Range"), "bytes 1000-1999/\(data.count)")
        XCTAssertEqual(part.body, data.subdata(in: 1000..<2000))
        XCTAssertEqual(try call("GET", downloadUrl, nil, headers: ["Range": "bytes=\(data.count)-"]).status, 416)
        XCTAssertEqual(try call("GET", "https://graph.microsoft.com/_download/forged.token", nil).status, 404)

        // quickXorHash as OneDrive computes it (value from the reference implementation).
        let hello = try call("PUT", "/me/drive/root:/hello.txt:/content", t, body: "hello world")
        XCTAssertEqual(hello.status, 201, hello.text)
        XCTAssertEqual(((hello.json["file"] as? [String: Any])?["hashes"] as? [String: Any])?["quickXorHash"] as? String,
                       "aCgDG9jwBhDc4Q1yawMZAAAAAAA=")
        XCTAssertEqual((hello.json["file"] as? [String: Any])?["mimeType"] as? String, "text/plain")

        // A truncation fault cuts the download short.
        XCTAssertEqual(try admin("faults", method: "POST", json: #"{"kind":"truncate","count":1,"pathPrefix":"/_download"}"#).status, 201)
        let short = try call("GET", downloadUrl, nil)
        XCTAssertNotEqual(short.exitCode, 0)
        XCTAssertLessThan(short.body.count, data.count)
        XCTAssertEqual(try call("GET", downloadUrl, nil).body, data)
    }

    // MARK: Upload sessions

    func testUploadSessionFragments() throws {
        let t = try adeleToken()
        let frag = 4 * unit
        let (data, _) = try makeFile(3 * frag + 12_345)
        let url = try createSession(t, path: "Big/archive.zip")

        let first = try putFragment(url, data, 0..<frag)
        XCTAssertEqual(first.status, 202, first.text)
        XCTAssertEqual(first.json["nextExpectedRanges"] as? [String], ["\(frag)-"])

        let ahead = try putFragment(url, data, (2 * frag)..<(3 * frag))
        XCTAssertEqual(ahead.status, 400, ahead.text)
        XCTAssertEqual(innerCode(ahead), "fragmentOutOfOrder")
        let again = try putFragment(url, data, 0..<frag)
        XCTAssertEqual(again.status, 416, again.text)
        XCTAssertEqual(innerCode(again), "fragmentOverlap")
        let odd = try putFragment(url, data, frag..<(frag + 100_000))
        XCTAssertEqual(odd.status, 400, odd.text)
        XCTAssertEqual(errorCode(odd), "invalidRequest")
        let otherTotal = try putFragment(url, data, frag..<(2 * frag), total: data.count + 1)
        XCTAssertEqual(otherTotal.status, 400, otherTotal.text)
        let authorized = try putFragment(url, data, frag..<(2 * frag), headers: ["Authorization": "Bearer \(t)"])
        XCTAssertEqual(authorized.status, 401, authorized.text)

        XCTAssertEqual(try putFragment(url, data, frag..<(2 * frag)).status, 202)
        XCTAssertEqual(try putFragment(url, data, (2 * frag)..<(3 * frag)).status, 202)
        let status = try call("GET", url, nil)
        XCTAssertEqual(status.json["nextExpectedRanges"] as? [String], ["\(3 * frag)-"])
        let last = try putFragment(url, data, (3 * frag)..<data.count)
        XCTAssertEqual(last.status, 201, last.text)
        XCTAssertEqual(last.json["size"] as? Int, data.count)
        XCTAssertEqual(last.json["name"] as? String, "archive.zip")
        let after = try call("GET", url, nil)
        XCTAssertEqual(after.status, 404)
        XCTAssertEqual(errorCode(after), "itemNotFound")

        let item = try call("GET", "/me/drive/root:/Big/archive.zip", t)
        XCTAssertEqual(item.json["id"] as? String, last.json["id"] as? String)
        let hashes = ((item.json["file"] as? [String: Any])?["hashes"] as? [String: Any])
        let download = try call("GET", try XCTUnwrap(item.json["@microsoft.graph.downloadUrl"] as? String), nil)
        XCTAssertEqual(download.body, data)
        // The same bytes through a simple upload give the same hash.
        let (_, copy) = (data, try fragmentFile(data, 0..<data.count))
        let simple = try call("PUT", "/me/drive/root:/Big/copy.zip:/content", t, file: copy)
        XCTAssertEqual(((simple.json["file"] as? [String: Any])?["hashes"] as? [String: Any])?["quickXorHash"] as? String,
                       hashes?["quickXorHash"] as? String)
    }

    func testUploadResumesAfterReset() throws {
        let t = try adeleToken()
        let frag = 4 * unit
        let (data, _) = try makeFile(2 * frag + 1000)
        let url = try createSession(t, path: "resume.bin")
        XCTAssertEqual(try putFragment(url, data, 0..<frag).status, 202)

        XCTAssertEqual(try admin("faults", method: "POST", json: #"{"kind":"reset","count":1,"pathPrefix":"/_upload"}"#).status, 201)
        let dropped = try putFragment(url, data, frag..<(2 * frag))
        XCTAssertNotEqual(dropped.exitCode, 0, "the connection should have been reset")
        let status = try call("GET", url, nil)
        XCTAssertEqual(status.status, 200, status.text)
        XCTAssertEqual(status.json["nextExpectedRanges"] as? [String], ["\(frag)-"])

        XCTAssertEqual(try putFragment(url, data, frag..<(2 * frag)).status, 202)
        let done = try putFragment(url, data, (2 * frag)..<data.count)
        XCTAssertEqual(done.status, 201, done.text)
        let item = try call("GET", "/me/drive/items/\(done.json["id"] as! String)", t)
        XCTAssertEqual(try call("GET", item.json["@microsoft.graph.downloadUrl"] as! String, nil).body, data)
    }

    func testCancelAndQuota() throws {
        let t = try adeleToken()
        let (data, _) = try makeFile(2 * unit)
        let url = try createSession(t, path: "cancel.bin")
        XCTAssertEqual(try putFragment(url, data, 0..<unit).status, 202)
        XCTAssertEqual(try call("DELETE", url, nil).status, 204)
        let gone = try call("GET", url, nil)
        XCTAssertEqual(gone.status, 404)
        XCTAssertEqual(innerCode(gone), "uploadSessionNotFound")
        XCTAssertEqual(try putFragment(url, data, unit..<(2 * unit)).status, 404)

        let big = try call("POST", "/me/drive/root:/huge.iso:/createUploadSession", t, json: ["item": ["fileSize": 2 * (1 << 40)]])
        XCTAssertEqual(big.status, 507, big.text)
        XCTAssertEqual(errorCode(big), "quotaLimitReached")
    }

    // MARK: Errors, permissions, throttling

    func testPermissionsNotFoundAndThrottling() throws {
        let t = try adeleToken()
        let app = try appToken()
        // Sites.Read.All reads any OneDrive; writing needs Files.ReadWrite.All or Sites.ReadWrite.All.
        XCTAssertEqual(try call("GET", "/users/\(Fixtures.adele.id)/drive", app).status, 200)
        let denied = try call("PUT", "/users/\(Fixtures.adele.id)/drive/root:/x.txt:/content", app, body: "x")
        XCTAssertEqual(denied.status, 403, denied.text)
        XCTAssertEqual(errorCode(denied), "accessDenied")
        XCTAssertEqual(try call("POST", "/users/\(Fixtures.adele.id)/drive/root/children", app, json: ["name": "X", "folder": [:]]).status, 403)
        // A user does not reach another user's OneDrive.
        XCTAssertEqual(try call("GET", "/users/\(Fixtures.admin.id)/drive", t).status, 403)
        XCTAssertEqual(errorCode(try call("GET", "/me/drive/items/01NOTANITEM", t)), "itemNotFound")
        XCTAssertEqual(try call("GET", "/me/drive/root:/missing.txt", t).status, 404)
        XCTAssertEqual(try call("GET", "/users/nobody@contoso.com/drive", t).status, 404)
        XCTAssertEqual(try call("GET", "/me/drive", nil).status, 401)

        XCTAssertEqual(try admin("faults", method: "POST", json: #"{"kind":"429","count":1,"retryAfter":2,"pathPrefix":"/v1.0/me/drive"}"#).status, 201)
        let throttled = try call("GET", "/me/drive/root/children", t)
        XCTAssertEqual(throttled.status, 429)
        XCTAssertEqual(throttled.header("Retry-After"), "2")
        XCTAssertEqual(try call("GET", "/me/drive/root/children", t).status, 200)

        // Throttling on the upload URL: the fragment is not taken, and the retry is.
        let (data, _) = try makeFile(unit + 10)
        let url = try createSession(t, path: "throttled.bin")
        XCTAssertEqual(try admin("faults", method: "POST", json: #"{"kind":"429","count":1,"pathPrefix":"/_upload"}"#).status, 201)
        XCTAssertEqual(try putFragment(url, data, 0..<unit).status, 429)
        XCTAssertEqual(try call("GET", url, nil).json["nextExpectedRanges"] as? [String], ["0-"])
        XCTAssertEqual(try putFragment(url, data, 0..<unit).status, 202)
        XCTAssertEqual(try putFragment(url, data, unit..<data.count).status, 201)
    }

    @discardableResult
    func call(_ method: String, _ path: String, _ token: String?, body: String) throws -> HTTPResult {
        var h: [String: String] = ["Content-Type": "text/plain"]
        h["Authorization"] = token.map { "Bearer \($0)" }
        return try curl(graph + path, method: method, headers: h, body: body)
    }
}
