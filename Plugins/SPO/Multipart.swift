import PluginKit

/// `multipart/mixed` as SharePoint's OData `$batch` uses it (no Foundation): a writer for the
/// request (each inner request in its own changeset) and a reader for the answer (parts found by
/// the boundary the answer's `Content-Type` names, each an `application/http` response; a
/// nested `multipart/mixed` part, a changeset's answer, is read into its own parts in order).
/// Line ends may be CRLF or bare LF. Pure functions on bytes: no I/O.
enum Multipart {
    /// One inner request: `url` is absolute, `body` is sent as is (JSON).
    struct Request: Sendable {
        var method: String
        var url: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]?
    }

    /// One inner answer: its status line's code and reason, its headers (names lower-cased)
    /// and its body.
    struct Response: Sendable {
        var status: Int
        var reason: String
        var headers: [String: String]
        var body: [UInt8]

        var isSuccess: Bool { (200..<300).contains(status) }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// A part: its headers (names lower-cased) and its content.
    struct Part {
        var headers: [String: String]
        var body: [UInt8]
    }

    enum ReadError: Error, Equatable {
        /// The answer's `Content-Type` is not `multipart/…` with a boundary.
        case notMultipart(String)
        /// No delimiter line for the boundary, or no closing delimiter.
        case malformed(String)
    }

    static let crlf: [UInt8] = [13, 10]

    // MARK: Writing

    /// The body of a `$batch` request whose boundary is `batch`: every request in its own
    /// changeset (`changeset_<id>` from `changesetIds`, one per request, or fresh GUIDs).
    static func batchBody(_ requests: [Request], boundary batch: String, changesetIds: [String]? = nil) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(requests.count * 512)
        func line(_ text: String) { out += Array(text.utf8); out += crlf }
        for (index, request) in requests.enumerated() {
            let changeset = "changeset_" + (changesetIds?[index] ?? newGUID())
            line("--" + batch)
            line("Content-Type: multipart/mixed; boundary=\"\(changeset)\"")
            line("")
            line("--" + changeset)
            line("Content-Type: application/http")
            line("Content-Transfer-Encoding: binary")
            line("")
            line("\(request.method) \(request.url) HTTP/1.1")
            for header in request.headers { line("\(header.name): \(header.value)") }
            if let body = request.body { line("Content-Length: \(body.count)") }
            line("")
            if let body = request.body { out += body }
            out += crlf
            line("--" + changeset + "--")
            line("")
        }
        line("--" + batch + "--")
        return out
    }

    // MARK: Reading

    /// The `boundary` parameter of a `multipart/*` content type (quoted or not), or nil.
    static func boundary(contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { String($0).trimmingSpaces }
        guard let type = pieces.first?.lowercased(), type.hasPrefix("multipart/") else { return nil }
        for piece in pieces.dropFirst() {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            guard String(piece[..<equals]).trimmingSpaces.lowercased() == "boundary" else { continue }
            var value = String(piece[piece.index(after: equals)...]).trimmingSpaces
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// The inner answers of a `$batch` answer, in order; a changeset's nested answers are
    /// spliced in where the changeset stood.
    static func responses(body: [UInt8], contentType: String?) -> Result<[Response], ReadError> {
        guard let contentType, let boundary = boundary(contentType: contentType) else {
            return .failure(.notMultipart("its Content-Type is '\(contentType ?? "")', not multipart/mixed with a boundary"))
        }
        switch parts(body, boundary: boundary) {
        case let .failure(error): return .failure(error)
        case let .success(parts):
            var out: [Response] = []
            for part in parts {
                if let nested = part.headers["content-type"], let inner = self.boundary(contentType: nested) {
                    switch self.parts(part.body, boundary: inner) {
                    case let .failure(error): return .failure(error)
                    case let .success(changeset):
                        for piece in changeset {
                            guard let response = httpResponse(piece.body) else {
                                return .failure(.malformed("a part of a changeset is not an HTTP response"))
                            }
                            out.append(response)
                        }
                    }
                    continue
                }
                guard let response = httpResponse(part.body) else { return .failure(.malformed("a part is not an HTTP response")) }
                out.append(response)
            }
            return .success(out)
        }
    }

    /// The parts between `--boundary` delimiter lines, up to `--boundary--`. The line break
    /// before a delimiter belongs to the delimiter; the preamble and epilogue are ignored.
    static func parts(_ body: [UInt8], boundary: String) -> Result<[Part], ReadError> {
        let delimiter = Array(("--" + boundary).utf8)
        var starts: [Int] = []
        var i = 0
        while let found = find(delimiter, in: body, from: i) {
            // A delimiter starts a line (or the body).
            if found == 0 || body[found - 1] == 10 { starts.append(found) }
            i = found + delimiter.count
        }
        guard !starts.isEmpty else { return .failure(.malformed("no '--\(boundary)' delimiter line")) }
        var parts: [Part] = []
        for (n, start) in starts.enumerated() {
            var cursor = start + delimiter.count
            if cursor + 1 < body.count, body[cursor] == 45, body[cursor + 1] == 45 { return .success(parts) }  // "--": the end
            guard n + 1 < starts.count else { break }
            // The rest of the delimiter line (transport padding) and its line break.
            while cursor < body.count, body[cursor] != 10 { cursor += 1 }
            cursor += 1
            var end = starts[n + 1]
            if end > 0, body[end - 1] == 10 { end -= 1 }
            if end > 0, body[end - 1] == 13 { end -= 1 }
            guard cursor <= end else { parts.append(Part(headers: [:], body: [])); continue }
            parts.append(part(Array(body[cursor..<end])))
        }
        return .failure(.malformed("no closing '--\(boundary)--' delimiter"))
    }

    /// Headers up to the first empty line, then the content.
    static func part(_ bytes: [UInt8]) -> Part {
        let (lines, rest) = headerLines(bytes)
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[String(line[..<colon]).trimmingSpaces.lowercased()] = String(line[line.index(after: colon)...]).trimmingSpaces
        }
        return Part(headers: headers, body: rest)
    }

    /// `HTTP/1.1 201 Created`, headers, an empty line, the body.
    static func httpResponse(_ bytes: [UInt8]) -> Response? {
        let (lines, rest) = headerLines(bytes)
        guard let statusLine = lines.first else { return nil }
        let words = statusLine.split(separator: " ", maxSplits: 2)
        guard words.count >= 2, words[0].hasPrefix("HTTP/"), let status = Int(words[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[String(line[..<colon]).trimmingSpaces.lowercased()] = String(line[line.index(after: colon)...]).trimmingSpaces
        }
        return Response(status: status, reason: words.count > 2 ? String(words[2]) : "", headers: headers, body: rest)
    }


    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        let first = needle[0]
        var i = from
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count, haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
