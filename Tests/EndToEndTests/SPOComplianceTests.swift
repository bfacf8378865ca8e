import Foundation
import XCTest

/// `m365 spo listitem attachment …`, `spo listitem isrecord|record …` and the retention and
/// sensitivity label commands end to end: the requests CLI for Microsoft 365 sends, answered by
/// the emulator's attachments (bytes on disk), records and labels. Each test makes its own list.
final class SPOComplianceTests: SPOTestCase {
    /// `METHOD target` of the SharePoint requests since the last clear, request digests aside.
    func sent() throws -> [String] {
        try spRequests().filter { !($0["path"] as? String ?? "").hasSuffix("/_api/contextinfo") }.map { "\($0["method"] ?? "") \($0["target"] ?? "")" }
    }

    func clearRequests() throws { try emulator.admin("requests", method: "DELETE") }

    func unique(_ prefix: String) -> String { prefix + "-" + UUID().uuidString.prefix(8).lowercased() }

    /// A new list with one item (id 1); removed when the test ends.
    func listWithItem(_ prefix: String) throws -> String {
        let title = unique(prefix)
        try spo(["list", "add", "--webUrl", Self.root, "--title", title, "--baseTemplate", "GenericList"])
        addTeardownBlock { [self] in _ = try? spo(["list", "remove", "--webUrl", Self.root, "--title", title, "--force"]) }
        try spo(["listitem", "add", "--webUrl", Self.root, "--listTitle", title, "--Title", "First"])
        return title
    }

    func localFile(_ name: String, _ text: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spo-compliance-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testListItemAttachments() throws {
        let title = try listWithItem("Att")
        let item = ["--webUrl", Self.root, "--listTitle", title, "--listItemId", "1"]
        let encoded = title  // no characters the URL needs to escape
        let report = try localFile("report.txt", "first version")
        XCTAssertEqual(try array(["listitem", "attachment", "list"] + item).count, 0)

        // add: the bytes under the file's own name; the item now has attachments.
        try clearRequests()
        let added = try object(["listitem", "attachment", "add"] + item + ["--filePath", report])
        XCTAssertEqual(try sent(), ["POST /_api/web/lists/getByTitle('\(encoded)')/items(1)/AttachmentFiles/add(FileName='report.txt')"])
        let url = "/Lists/\(title)/Attachments/1/report.txt"
        XCTAssertEqual(added["FileName"] as? String, "report.txt")
        XCTAssertEqual(added["ServerRelativeUrl"] as? String, url)
        XCTAssertEqual(try object(["listitem", "get", "--webUrl", Self.root, "--listTitle", title, "--id", "1"])["Attachments"] as? Bool, true)
        // --fileName takes the local file's extension when it lacks it.
        let notes = try localFile("notes.md", "# notes")
        XCTAssertEqual(try object(["listitem", "attachment", "add"] + item + ["--filePath", notes, "--fileName", "minutes"])["FileName"] as? String, "minutes.md")
        // A name in use is refused with the first line of SharePoint's message.
        try fails(["listitem", "attachment", "add"] + item + ["--filePath", report], "The specified name is already in use.")

        // list: FileName and ServerRelativeUrl by default in text.
        try clearRequests()
        let all = try array(["listitem", "attachment", "list"] + item)
        XCTAssertEqual(try sent(), ["GET /_api/web/lists/getByTitle('\(encoded)')/items(1)?$select=AttachmentFiles&$expand=AttachmentFiles"])
        XCTAssertEqual(all.compactMap { $0["FileName"] as? String }, ["report.txt", "minutes.md"])
        let text = try spo(["listitem", "attachment", "list"] + item + ["--output", "text"]).stdout
        XCTAssertEqual(header(text), ["FileName", "ServerRelativeUrl"])
        XCTAssertTrue(text.contains(url))

        // get, by list id as well.
        let listId = try XCTUnwrap(try object(["list", "get", "--webUrl", Self.root, "--title", title])["Id"] as? String)
        try clearRequests()
        let got = try object(["listitem", "attachment", "get", "--webUrl", Self.root, "--listId", listId, "--listItemId", "1", "--fileName", "report.txt"])
        XCTAssertEqual(try sent(), ["GET /_api/web/lists(guid'\(listId)')/items(1)/AttachmentFiles('report.txt')"])
        XCTAssertEqual(got["ServerRelativeUrl"] as? String, url)
        XCTAssertEqual((got["ServerRelativePath"] as? [String: Any])?["DecodedUrl"] as? String, url)

        // set: new bytes for the attachment (PUT …/$value), read back from the emulator.
        let newer = try localFile("report.txt", "second version")
        try clearRequests()
        let set = try spo(["listitem", "attachment", "set"] + item + ["--filePath", newer, "--fileName", "report"])
        XCTAssertEqual(set.stdout, "")
        XCTAssertEqual(try sent(), ["PUT /_api/web/lists/getByTitle('\(encoded)')/items(1)/AttachmentFiles('report.txt')/$value"])
        let bytes = try m365(["request", "--url", "\(Self.root)/_api/web/lists/getByTitle('\(encoded)')/items(1)/AttachmentFiles('report.txt')/$value"])
        XCTAssertEqual(bytes.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "second version")
        try fails(["listitem", "attachment", "set"] + item + ["--filePath", newer + ".missing", "--fileName", "report"], exit: 2,
                  "File with path '\(newer).missing' was not found.")
        try fails(["listitem", "attachment", "set"] + item + ["--filePath", try localFile("other.txt", "x"), "--fileName", "other"], "File Not Found.")

        // remove: a tunnelled DELETE; the attachment is gone.
        try clearRequests()
        try spo(["listitem", "attachment", "remove"] + item + ["--fileName", "minutes.md", "--force"])
        XCTAssertEqual(try sent(), ["POST /_api/web/lists/getByTitle('\(encoded)')/items(1)/AttachmentFiles('minutes.md')"])
        XCTAssertEqual(try array(["listitem", "attachment", "list"] + item).compactMap { $0["FileName"] as? String }, ["report.txt"])
        try fails(["listitem", "attachment", "get"] + item + ["--fileName", "minutes.md"], "File Not Found.")
        try spo(["listitem", "attachment", "remove"] + item + ["--fileName", "report.txt", "--force"])
        XCTAssertEqual(try object(["listitem", "get", "--webUrl", Self.root, "--listTitle", title, "--id", "1"])["Attachments"] as? Bool, false)

        // Bad input, before any request.
        try fails(["listitem", "attachment", "list", "--webUrl", Self.root, "--listTitle", title, "--listItemId", "x"], exit: 2, "x is not a number")
        try fails(["listitem", "attachment", "get", "--webUrl", Self.root, "--listId", "nope", "--listItemId", "1", "--fileName", "a"], exit: 2,
                  "nope in option listId is not a valid GUID.")
        try fails(["listitem", "attachment", "list", "--webUrl", Self.root, "--listTitle", "No such list \(UUID())", "--listItemId", "1"], "does not exist")
    }
}
