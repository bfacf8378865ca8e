import EmulatorKit
import Foundation
import XCTest

/// The emulator's SharePoint OData `$batch` (`POST {web}/_api/$batch`, multipart/mixed).
class SharePointBatchTestCase: SharePointTestCase {
    /// One inner answer of a batch answer: status and JSON body.
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
    }

    /// Splits a batch answer by the boundary its Content-Type names.
    func answers(_ r: HTTPResult, file: StaticString = #filePath, line: UInt = #line) throws -> [Answer] {
        XCTAssertEqual(r.status, 200, r.text, file: file, line: line)
        let type = try XCTUnwrap(r.header("content-type"), file: file, line: line)
        let boundary = try XCTUnwrap(type.components(separatedBy: "boundary=").last, file: file, line: line)
        XCTAssertTrue(type.hasPrefix("multipart/mixed") && boundary.hasPrefix("batchresponse_"), type, file: file, line: line)
        XCTAssertTrue(r.text.hasSuffix("--\(boundary)--\r\n"), "the answer ends with the closing delimiter", file: file, line: line)
        var parts = r.text.components(separatedBy: "--\(boundary)")
        parts.removeFirst()
        parts.removeLast()
        return parts.map { part in
            let sections = part.components(separatedBy: "\r\n\r\n")
            XCTAssertTrue(sections[0].contains("Content-Type: application/http"), part, file: file, line: line)
            let http = sections[1].components(separatedBy: "\r\n")
            var headers: [String: String] = [:]
            for h in http.dropFirst() {
                let kv = h.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if kv.count == 2 { headers[kv[0].lowercased()] = kv[1] }
            }
            let status = Int(http[0].split(separator: " ")[1]) ?? 0
            let body = sections.dropFirst(2).joined(separator: "\r\n\r\n")
            return Answer(status: status, headers: headers, body: body.hasSuffix("\r\n") ? String(body.dropLast()) : body)  // "\r\n" is one Character
        }
    }

    /// `requests` as changesets of one request each (CRLF), plus `reads` outside changesets.
    func batchBody(_ requests: [(method: String, url: String, body: String?)], boundary: String = "batch_1") -> String {
        var out = ""
        for (i, r) in requests.enumerated() {
            if r.method == "GET" {
                out += "--\(boundary)\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
                out += "GET \(r.url) HTTP/1.1\r\nAccept: \(Self.nometadata)\r\n\r\n\r\n"
                continue
            }
            out += "--\(boundary)\r\nContent-Type: multipart/mixed; boundary=\"changeset_\(i)\"\r\n\r\n"
            out += "--changeset_\(i)\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
            out += "\(r.method) \(r.url) HTTP/1.1\r\nAccept: \(Self.nometadata)\r\nIf-Match: *\r\n"
            if let body = r.body { out += "Content-Type: application/json;odata=nometadata\r\n\r\n\(body)\r\n" } else { out += "\r\n\r\n" }
            out += "--changeset_\(i)--\r\n\r\n"
        }
        return out + "--\(boundary)--\r\n"
    }

    func postBatch(_ web: String, _ body: String, boundary: String = "batch_1", token: String? = nil, digest: String? = nil) throws -> HTTPResult {
        try curl("\(web)/_api/$batch", method: "POST",
                 headers: ["Authorization": "Bearer \(token ?? spToken!)", "Accept": Self.verbose,
                           "Content-Type": "multipart/mixed; boundary=\(boundary)", "X-RequestDigest": try digest ?? self.digest(web, token: token)],
                 body: body)
    }

    func add(_ title: String, created: String? = nil) -> (method: String, url: String, body: String?) {
        var values = [#"{"FieldName":"Title","FieldValue":"\#(title)"}"#]
        if let created { values.append(#"{"FieldName":"Created","FieldValue":"\#(created)"}"#) }
        return ("POST", "\(root)/_api/web/lists/getbytitle('Tasks')/AddValidateUpdateItemUsingPath", #"{"formValues":[\#(values.joined(separator: ","))]}"#)
    }

    func log(batchItems: Bool) throws -> [[String: Any]] {
        let all = try admin("requests?host=contoso.sharepoint.com").json["value"] as? [[String: Any]] ?? []
        return all.filter { (($0["batchItem"] as? Bool) ?? false) == batchItems }
    }
}

final class SharePointBatchTests: SharePointBatchTestCase {
    func testChangesetsRunInOrderThroughTheRouterAndAnswerInOrder() throws {
        try admin("requests", method: "DELETE")
        let body = batchBody([
            add("Batched one"),
            add("Refused", created: "2023-01-01T00:00:00Z"),
            ("GET", "\(root)/_api/web/lists/getbytitle('Tasks')/items(1)?$select=Title", nil),
            ("DELETE", "\(root)/_api/web/lists/getbytitle('Tasks')/items(999)", nil),
            ("POST", "\(root)/_api/web/lists/getbytitle('Tasks')/items(2)/ValidateUpdateListItem",
             #"{"formValues":[{"FieldName":"Title","FieldValue":"Renamed in a batch"}],"bNewDocumentUpdate":true}"#),
            ("DELETE", "lists/getbytitle('Tasks')/items(3)", nil),  // relative to {web}/_api/web/
        ])
        let digest = try digest(root)
        try admin("requests", method: "DELETE")
        let parts = try answers(try postBatch(root, body, digest: digest))
        XCTAssertEqual(parts.map(\.status), [200, 200, 200, 404, 200, 200])

        // The outer request once, each inner one marked as a batch item, in order.
        let outer = try log(batchItems: false)
        XCTAssertEqual(outer.compactMap { $0["path"] as? String }, ["/_api/$batch"])
        let inner = try log(batchItems: true)
        XCTAssertEqual(inner.compactMap { $0["batchIndex"] as? Int }, [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(inner.compactMap { $0["method"] as? String }, ["POST", "POST", "GET", "DELETE", "POST", "DELETE"])
        XCTAssertEqual(inner.compactMap { $0["status"] as? Int }, [200, 200, 200, 404, 200, 200])
        XCTAssertEqual(inner.last?["path"] as? String, "/_api/web/lists/getbytitle('Tasks')/items(3)")

        let created = try XCTUnwrap(parts[0].json["value"] as? [[String: Any]])
        XCTAssertEqual(created.map { $0["FieldName"] as? String }, ["Title", "Id"])
        let newId = try XCTUnwrap(Int(created[1]["FieldValue"] as? String ?? ""))
        XCTAssertGreaterThan(newId, 3)
        XCTAssertTrue(parts[0].headers["content-type"]?.hasPrefix("application/json;odata=nometadata") == true, "inner Accept decides the format")

        let refused = try XCTUnwrap(parts[1].json["value"] as? [[String: Any]])
        XCTAssertEqual(refused[1]["HasException"] as? Bool, true)
        XCTAssertEqual(refused[1]["ErrorMessage"] as? String, "You must specify a valid date within the range of 1/1/1900 and 12/31/8900.")
        XCTAssertEqual(refused.last?["FieldValue"] as? String, "0", "nothing created")

        XCTAssertEqual(parts[2].json["Title"] as? String, "Plan the intranet launch")
        XCTAssertEqual((parts[3].json["odata.error"] as? [String: Any])?["code"] as? String, "-2130575338, System.ArgumentException")

        let items = values(try sp("GET", "\(root)/_api/web/lists/getbytitle('Tasks')/items?$select=Id,Title"))
        XCTAssertEqual(items.compactMap { $0["Title"] as? String }, ["Plan the intranet launch", "Renamed in a batch", "Batched one"])
        XCTAssertEqual(items.compactMap { $0["Id"] as? Int }, [1, 2, newId])

    }

    /// CLI for Microsoft 365 writes LF line ends, all requests in one changeset, and a
    /// delimiter right after a body.
    func testLineFeedsAndOneChangesetAsCLIWritesThem() throws {
        let url = "\(root)/_api/web/lists/getbytitle('Tasks')/AddValidateUpdateItemUsingPath"
        var body = "--batch_x\nContent-Type: multipart/mixed; boundary=\"changeset_y\"\n\nContent-Transfer-Encoding: binary\n\n"
        for title in ["LF one", "LF two"] {
            body += "--changeset_y\nContent-Type: application/http\nContent-Transfer-Encoding: binary\n\n"
            body += "POST \(url) HTTP/1.1\nAccept: application/json;odata=nometadata\nContent-Type: application/json;odata=verbose\nIf-Match: *\n\n"
            body += "{\n\"formValues\": [{\"FieldName\":\"Title\",\"FieldValue\":\"\(title)\"}]\n}"
        }
        body += "\n\n--changeset_y--\n\n--batch_x--\n"
        let parts = try answers(try postBatch(root, body, boundary: "batch_x"))
        XCTAssertEqual(parts.map(\.status), [200, 200])
        let titles = values(try sp("GET", "\(root)/_api/web/lists/getbytitle('Tasks')/items?$select=Title")).compactMap { $0["Title"] as? String }
        XCTAssertEqual(Array(titles.suffix(2)), ["LF one", "LF two"])
    }

    func testMalformedBatchesAreRefusedWithSharePointsErrorBody() throws {
        let digest = try digest(root)
        let cases: [(String, String, String)] = [
            ("text/plain", "x", "is not a valid batch content type"),
            ("multipart/mixed; boundary=batch_1", "no delimiter here", "'--batch_1' is missing"),
            ("multipart/mixed; boundary=batch_1", "--batch_1\r\nContent-Type: application/http\r\n\r\nGET x HTTP/1.1\r\n\r\n", "without the closing delimiter"),
            ("multipart/mixed; boundary=batch_1", "--batch_1\r\nContent-Type: text/plain\r\n\r\nhello\r\n--batch_1--\r\n", "is not 'application/http'"),
            ("multipart/mixed; boundary=batch_1", "--batch_1\r\nContent-Type: application/http\r\n\r\nnot a request line\r\n--batch_1--\r\n", "is not 'METHOD url HTTP/1.1'"),
        ]
        for (type, body, message) in cases {
            let r = try curl("\(root)/_api/$batch", method: "POST",
                             headers: ["Authorization": "Bearer \(spToken!)", "Accept": Self.nometadata, "Content-Type": type, "X-RequestDigest": digest],
                             body: body)
            XCTAssertEqual(r.status, 400, r.text)
            XCTAssertEqual(spError(r).code, "-1, Microsoft.Data.OData.ODataException", r.text)
            XCTAssertTrue(spError(r).message?.contains(message) == true, "\(message): \(r.text)")
        }
        // The outer request carries the digest, if any: a wrong one refuses the whole batch.
        let wrong = try curl("\(root)/_api/$batch", method: "POST",
                             headers: ["Authorization": "Bearer \(spToken!)", "Accept": Self.nometadata, "Content-Type": "multipart/mixed; boundary=batch_1",
                                       "X-RequestDigest": "0xABC,01 Jan 2025 00:00:00 -0000"],
                             body: batchBody([add("wrong digest")]))
        XCTAssertEqual(wrong.status, 403, wrong.text)
        XCTAssertEqual(spError(wrong).code, "-2130575251, Microsoft.SharePoint.SPException")
    }

    /// A fault rule whose path matches inner requests throttles those parts only.
    func testFaultRuleThrottlesInnerParts() throws {
        XCTAssertEqual(try admin("faults", method: "POST",
                                 json: #"{"kind":"429","count":1,"retryAfter":3,"host":"contoso.sharepoint.com","path":"/_api/web/lists"}"#).status, 201)
        let parts = try answers(try postBatch(root, batchBody([add("first"), add("second")])))
        XCTAssertEqual(parts.map(\.status), [429, 200])
        XCTAssertEqual(parts[0].headers["retry-after"], "3")
        XCTAssertEqual((parts[0].json["odata.error"] as? [String: Any])?["code"] as? String, "-2147024860, Microsoft.SharePoint.SPRequestThrottledException")
        let titles = values(try sp("GET", "\(root)/_api/web/lists/getbytitle('Tasks')/items?$select=Title")).compactMap { $0["Title"] as? String }
        XCTAssertFalse(titles.contains("first"))
        XCTAssertTrue(titles.contains("second"))
    }
}

/// A read-only app: the batch itself is accepted (each inner request is checked on its own),
/// reads succeed and writes are denied part by part.
final class ReadOnlySharePointBatchTests: SharePointBatchTestCase {
    static let seedPath = readOnlyAppSeed("sharepoint-batch-readonly-seed.json")

    override func configure(_ config: inout EmulatorConfiguration) { config.seedPath = Self.seedPath }

    func testWritesAreDeniedPartByPart() throws {
        let app = try XCTUnwrap(certificateToken(scope: "https://contoso.sharepoint.com/.default").json["access_token"] as? String)
        let body = batchBody([add("denied"), ("GET", "\(root)/_api/web/lists/getbytitle('Tasks')/items(1)", nil),
                              ("DELETE", "\(root)/_api/web/lists/getbytitle('Tasks')/items(1)", nil)])
        let parts = try answers(try postBatch(root, body, token: app))
        XCTAssertEqual(parts.map(\.status), [403, 200, 403])
        XCTAssertEqual((parts[0].json["odata.error"] as? [String: Any])?["code"] as? String, "-2147024891, System.UnauthorizedAccessException")
        XCTAssertEqual(values(try sp("GET", "\(root)/_api/web/lists/getbytitle('Tasks')/items", token: app)).count, 3)
    }
}
