import PluginKit
@testable import SPO
import XCTest

/// Multipart: the body of SharePoint's OData `$batch` and the reader of its answer.
final class MultipartTests: XCTestCase {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// `lines` joined with CRLF (each line ends with one).
    private func crlf(_ lines: [String]) -> String { lines.map { $0 + "\r\n" }.joined() }

    private func responses(_ body: String, _ contentType: String? = "multipart/mixed; boundary=batchresponse_1",
                           file: StaticString = #filePath, line: UInt = #line) -> [Multipart.Response]? {
        switch Multipart.responses(body: bytes(body), contentType: contentType) {
        case let .success(answers): return answers
        case let .failure(error):
            XCTFail("unexpected failure: \(error)", file: file, line: line)
            return nil
        }
    }

    private func readError(_ body: String, _ contentType: String? = "multipart/mixed; boundary=batchresponse_1") -> Multipart.ReadError? {
        if case let .failure(error) = Multipart.responses(body: bytes(body), contentType: contentType) { return error }
        return nil
    }

    // MARK: Writing

    func testBatchBodyPutsEachRequestInItsOwnChangeset() {
        let json = "{\"Title\":\"Été\"}"  // 15 characters, 17 bytes
        let requests = [
            Multipart.Request(method: "POST", url: "https://contoso.sharepoint.com/_api/web/lists/getByTitle('A')/items",
                              headers: [("Accept", "application/json;odata=nometadata"), ("Content-Type", "application/json")],
                              body: bytes(json)),
            Multipart.Request(method: "DELETE", url: "https://contoso.sharepoint.com/_api/web/lists/getByTitle('A')/items(7)",
                              headers: [("IF-MATCH", "*")], body: nil),
        ]
        let body = Multipart.batchBody(requests, boundary: "batch_b1", changesetIds: ["c1", "c2"])
        let expected = crlf([
            "--batch_b1",
            "Content-Type: multipart/mixed; boundary=\"changeset_c1\"",
            "",
            "--changeset_c1",
            "Content-Type: application/http",
            "Content-Transfer-Encoding: binary",
            "",
            "POST https://contoso.sharepoint.com/_api/web/lists/getByTitle('A')/items HTTP/1.1",
            "Accept: application/json;odata=nometadata",
            "Content-Type: application/json",
            "Content-Length: 17",
            "",
            json,
            "--changeset_c1--",
            "",
            "--batch_b1",
            "Content-Type: multipart/mixed; boundary=\"changeset_c2\"",
            "",
            "--changeset_c2",
            "Content-Type: application/http",
            "Content-Transfer-Encoding: binary",
            "",
            "DELETE https://contoso.sharepoint.com/_api/web/lists/getByTitle('A')/items(7) HTTP/1.1",
            "IF-MATCH: *",
            "",
            "",
            "--changeset_c2--",
            "",
            "--batch_b1--",
        ])
        XCTAssertEqual(text(body), expected)
        XCTAssertEqual(body, bytes(expected))
    }

    func testBatchBodyOfNoRequestsIsTheClosingDelimiter() {
        XCTAssertEqual(text(Multipart.batchBody([], boundary: "batch_x")), "--batch_x--\r\n")
    }

    func testBatchBodyMintsADistinctGUIDChangesetPerRequest() {
        let request = Multipart.Request(method: "GET", url: "https://x/_api/web", headers: [], body: nil)
        let body = Multipart.batchBody([request, request, request], boundary: "batch_g")
        guard case let .success(parts) = Multipart.parts(body, boundary: "batch_g") else { return XCTFail("not readable") }
        XCTAssertEqual(parts.count, 3)
        let changesets = parts.compactMap { $0.headers["content-type"].flatMap(Multipart.boundary(contentType:)) }
        XCTAssertEqual(changesets.count, 3)
        for changeset in changesets {
            XCTAssertTrue(changeset.hasPrefix("changeset_"), changeset)
            XCTAssertTrue(isGUID(String(changeset.dropFirst("changeset_".count))), changeset)
        }
        XCTAssertEqual(Set(changesets).count, 3, "each request has its own changeset")
    }

    func testBatchBodyReadsBackWithTheReader() {
        // A body holding CRLF, a dash line and binary bytes goes out untouched.
        let payload: [UInt8] = bytes("{\"a\":\"x\r\n--y\"}") + [0, 255, 13, 10]
        let requests = [
            Multipart.Request(method: "PATCH", url: "https://x/_api/a", headers: [("X-HTTP-Method", "MERGE")], body: payload),
            Multipart.Request(method: "GET", url: "https://x/_api/b", headers: [], body: nil),
        ]
        let body = Multipart.batchBody(requests, boundary: "batch_rt", changesetIds: ["one", "two"])
        guard case let .success(parts) = Multipart.parts(body, boundary: "batch_rt") else { return XCTFail("not readable") }
        XCTAssertEqual(parts.count, 2)
        XCTAssertEqual(parts.map { $0.headers["content-type"] },
                       ["multipart/mixed; boundary=\"changeset_one\"", "multipart/mixed; boundary=\"changeset_two\""])

        guard case let .success(first) = Multipart.parts(parts[0].body, boundary: "changeset_one") else { return XCTFail("changeset") }
        XCTAssertEqual(first.count, 1)
        XCTAssertEqual(first[0].headers, ["content-type": "application/http", "content-transfer-encoding": "binary"])
        let inner = headerLines(first[0].body)
        XCTAssertEqual(inner.lines, ["PATCH https://x/_api/a HTTP/1.1", "X-HTTP-Method: MERGE", "Content-Length: \(payload.count)"])
        XCTAssertEqual(inner.rest, payload)

        guard case let .success(second) = Multipart.parts(parts[1].body, boundary: "changeset_two") else { return XCTFail("changeset") }
        let get = headerLines(second[0].body)
        XCTAssertEqual(get.lines, ["GET https://x/_api/b HTTP/1.1"])
        XCTAssertEqual(get.rest, [], "a request without a body has no Content-Length and no content")
    }

    // MARK: The boundary of a content type

    func testBoundaryOfAContentType() {
        XCTAssertEqual(Multipart.boundary(contentType: "multipart/mixed; boundary=batchresponse_5a1"), "batchresponse_5a1")
        XCTAssertEqual(Multipart.boundary(contentType: "multipart/mixed; boundary=\"batch_q\""), "batch_q")
        XCTAssertEqual(Multipart.boundary(contentType: "Multipart/Mixed;BOUNDARY = b ; charset=utf-8"), "b")
        XCTAssertEqual(Multipart.boundary(contentType: "multipart/related; type=\"application/http\"; boundary=r"), "r")
        XCTAssertEqual(Multipart.boundary(contentType: "multipart/mixed; boundary=\"a=b c\""), "a=b c")
        XCTAssertNil(Multipart.boundary(contentType: "application/json; boundary=b"))
        XCTAssertNil(Multipart.boundary(contentType: "multipart/mixed"))
        XCTAssertNil(Multipart.boundary(contentType: "multipart/mixed; boundary="))
        XCTAssertNil(Multipart.boundary(contentType: "multipart/mixed; boundary=\"\""))
        XCTAssertNil(Multipart.boundary(contentType: "multipart/mixed; xboundary=b"))
        XCTAssertNil(Multipart.boundary(contentType: ""))
    }

    // MARK: Reading an answer

    func testChangesetAnswersAreSplicedInOrder() {
        let body = crlf([
            "--batchresponse_1",
            "Content-Type: multipart/mixed; boundary=changesetresponse_a",
            "",
            "--changesetresponse_a",
            "Content-Type: application/http",
            "Content-Transfer-Encoding: binary",
            "",
            "HTTP/1.1 201 Created",
            "CONTENT-TYPE: application/json;odata=nometadata;streaming=true;charset=utf-8",
            "ETag:  \"1\" ",
            "Location: https://contoso.sharepoint.com/_api/Web/Lists(guid'x')/Items(1)",
            "",
            "{\"Id\":1}",
            "--changesetresponse_a--",
            "--batchresponse_1",
            "Content-Type: application/http",
            "Content-Transfer-Encoding: binary",
            "",
            "HTTP/1.1 400 Bad Request",
            "Content-Type: application/json",
            "",
            "{\"odata.error\":{\"message\":{\"value\":\"bad\"}}}",
            "--batchresponse_1",
            "Content-Type: multipart/mixed; boundary=\"changesetresponse_b\"",
            "",
            "--changesetresponse_b",
            "Content-Type: application/http",
            "",
            "HTTP/1.1 204 No Content",
            "",
            "",
            "--changesetresponse_b",
            "Content-Type: application/http",
            "",
            "HTTP/1.1 200 OK",
            "",
            "two\r\nlines",
            "--changesetresponse_b--",
            "--batchresponse_1--",
        ])
        guard let answers = responses(body) else { return }
        XCTAssertEqual(answers.map(\.status), [201, 400, 204, 200])
        XCTAssertEqual(answers.map(\.reason), ["Created", "Bad Request", "No Content", "OK"])
        XCTAssertEqual(answers.map(\.isSuccess), [true, false, true, true])
        XCTAssertEqual(answers[0].headers, [
            "content-type": "application/json;odata=nometadata;streaming=true;charset=utf-8",
            "etag": "\"1\"",
            "location": "https://contoso.sharepoint.com/_api/Web/Lists(guid'x')/Items(1)",
        ])
        XCTAssertEqual(answers[0].text, "{\"Id\":1}", "the line break before a delimiter is not content")
        XCTAssertEqual(answers[1].text, "{\"odata.error\":{\"message\":{\"value\":\"bad\"}}}")
        XCTAssertEqual(answers[2].body, [])
        XCTAssertEqual(answers[3].body, bytes("two\r\nlines"))
    }

    func testBareLineFeedsPreambleEpilogueAndPadding() {
        let body = "This is the preamble.\n--batchresponse_1   \nContent-Type: application/http\n\nHTTP/1.1 200 OK\nA: b\n\n[1]\n--batchresponse_1--\nepilogue --batchresponse_1\n"
        guard let answers = responses(body) else { return }
        XCTAssertEqual(answers.count, 1)
        XCTAssertEqual(answers.first?.status, 200)
        XCTAssertEqual(answers.first?.headers, ["a": "b"])
        XCTAssertEqual(answers.first?.text, "[1]")
    }

    func testADelimiterMustStartALine() {
        let body = crlf([
            "--batchresponse_1",
            "Content-Type: application/http",
            "",
            "HTTP/1.1 200 OK",
            "",
            "text --batchresponse_1 inside",
            "--batchresponse_1--",
        ])
        guard let answers = responses(body) else { return }
        XCTAssertEqual(answers.count, 1)
        XCTAssertEqual(answers.first?.text, "text --batchresponse_1 inside")
    }

    func testClosingDelimiterAtTheVeryEnd() {
        guard let answers = responses("--batchresponse_1\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 202 Accepted\r\n--batchresponse_1--") else { return }
        XCTAssertEqual(answers.map(\.status), [202])
        XCTAssertEqual(answers.first?.body, [])
    }

    func testAnswerThatIsNotMultipart() {
        XCTAssertEqual(readError("--b\r\n", nil), .notMultipart("its Content-Type is '', not multipart/mixed with a boundary"))
        XCTAssertEqual(readError("{}", "application/json;odata=verbose"),
                       .notMultipart("its Content-Type is 'application/json;odata=verbose', not multipart/mixed with a boundary"))
        XCTAssertEqual(readError("--b\r\n", "multipart/mixed"), .notMultipart("its Content-Type is 'multipart/mixed', not multipart/mixed with a boundary"))
    }

    func testMalformedAnswers() {
        XCTAssertEqual(readError(""), .malformed("no '--batchresponse_1' delimiter line"))
        XCTAssertEqual(readError("<html>busy</html>"), .malformed("no '--batchresponse_1' delimiter line"))
        XCTAssertEqual(readError("--batchresponse_1\r\n\r\nHTTP/1.1 200 OK\r\n\r\n{}\r\n"),
                       .malformed("no closing '--batchresponse_1--' delimiter"))
        XCTAssertEqual(readError("--batchresponse_1\r\nContent-Type: application/http\r\n\r\nnot http\r\n--batchresponse_1--\r\n"),
                       .malformed("a part is not an HTTP response"))
        XCTAssertEqual(readError("--batchresponse_1\r\n--batchresponse_1--\r\n"), .malformed("a part is not an HTTP response"))
        let nestedBad = crlf([
            "--batchresponse_1", "Content-Type: multipart/mixed; boundary=cs", "",
            "--cs", "Content-Type: application/http", "", "HTTP/1.1 200 OK", "", "{}",
            "--cs", "Content-Type: application/http", "", "garbage",
            "--cs--", "--batchresponse_1--",
        ])
        XCTAssertEqual(readError(nestedBad), .malformed("a part of a changeset is not an HTTP response"))
        let nestedUnclosed = crlf([
            "--batchresponse_1", "Content-Type: multipart/mixed; boundary=cs", "",
            "--cs", "Content-Type: application/http", "", "HTTP/1.1 200 OK", "", "{}",
            "--batchresponse_1--",
        ])
        XCTAssertEqual(readError(nestedUnclosed), .malformed("no closing '--cs--' delimiter"))
    }

    // MARK: Pieces

    func testPartsKeepsAnEmptyPart() {
        guard case let .success(parts) = Multipart.parts(bytes("--b\r\n--b--"), boundary: "b") else { return XCTFail("not readable") }
        XCTAssertEqual(parts.count, 1)
        XCTAssertEqual(parts.first?.headers, [:])
        XCTAssertEqual(parts.first?.body, [])
    }

    func testPartHeadersAndContent() {
        let part = Multipart.part(bytes("\r\nContent-Type : text/plain \r\nno colon here\r\nX-A: 1:2\r\n\r\nbody\r\n\r\nmore"))
        XCTAssertEqual(part.headers, ["content-type": "text/plain", "x-a": "1:2"])
        XCTAssertEqual(part.body, bytes("body\r\n\r\nmore"))
        let headersOnly = Multipart.part(bytes("A: 1\nB: 2"))
        XCTAssertEqual(headersOnly.headers, ["a": "1", "b": "2"])
        XCTAssertEqual(headersOnly.body, [])
    }

    func testHTTPResponseStatusLine() {
        let full = Multipart.httpResponse(bytes("HTTP/1.1 412 Precondition Failed\r\nContent-Type: application/json\r\n\r\n{}"))
        XCTAssertEqual(full?.status, 412)
        XCTAssertEqual(full?.reason, "Precondition Failed")
        XCTAssertEqual(full?.headers, ["content-type": "application/json"])
        XCTAssertEqual(full?.text, "{}")
        XCTAssertEqual(full?.isSuccess, false)

        let bare = Multipart.httpResponse(bytes("HTTP/1.1 200\r\n\r\n"))
        XCTAssertEqual(bare?.status, 200)
        XCTAssertEqual(bare?.reason, "")

        XCTAssertNil(Multipart.httpResponse([]))
        XCTAssertNil(Multipart.httpResponse(bytes("HTTP/1.1\r\n\r\n")))
        XCTAssertNil(Multipart.httpResponse(bytes("HTTP/1.1 OK 200\r\n\r\n")))
        XCTAssertNil(Multipart.httpResponse(bytes("GET /x HTTP/1.1\r\n\r\n")))
        XCTAssertNil(Multipart.httpResponse(bytes("200 OK\r\n\r\n")))
    }

    func testResponseSuccessRange() {
        func response(_ status: Int) -> Multipart.Response { Multipart.Response(status: status, reason: "", headers: [:], body: []) }
        XCTAssertEqual([199, 200, 204, 299, 300, 404, 500].map { response($0).isSuccess }, [false, true, true, true, false, false, false])
    }

    func testFind() {
        let haystack = bytes("abcabcd")
        XCTAssertEqual(Multipart.find(bytes("abc"), in: haystack, from: 0), 0)
        XCTAssertEqual(Multipart.find(bytes("abc"), in: haystack, from: 1), 3)
        XCTAssertEqual(Multipart.find(bytes("abcd"), in: haystack, from: 0), 3)
        XCTAssertEqual(Multipart.find(bytes("d"), in: haystack, from: 6), 6)
        XCTAssertNil(Multipart.find(bytes("abc"), in: haystack, from: 4))
        XCTAssertNil(Multipart.find(bytes("abce"), in: haystack, from: 0))
        XCTAssertNil(Multipart.find(bytes("abcabcdx"), in: haystack, from: 0))
        XCTAssertNil(Multipart.find([], in: haystack, from: 0))
        XCTAssertNil(Multipart.find(bytes("a"), in: [], from: 0))
    }
}
