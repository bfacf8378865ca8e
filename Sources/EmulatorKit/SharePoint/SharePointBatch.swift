import Foundation
import JSONModel
import NIOHTTP1
import TextEncodings

/// `POST {web}/_api/$batch`: SharePoint's OData v3 multipart batch. The body's boundary comes
/// from `Content-Type: multipart/mixed; boundary=…`; its parts are `application/http` requests
/// (reads) or `multipart/mixed` changesets holding them (writes). Each inner request goes through
/// the whole SharePoint service as a request of its own (token, web, permissions, digest,
/// router), in order, with the outer request's token and digest (the outer request carried the
/// digest and was checked; an inner one may omit it). As SharePoint does, a changeset is not
/// atomic: a failed request does not undo the others or stop the batch. The answer is
/// `multipart/mixed; boundary=batchresponse_<guid>` with one `application/http` part per inner
/// request, in order, changesets flattened (what SharePoint sends). Each inner request gets its
/// own fault decision (a rule whose path prefix matches the inner path throttles only that
/// part) and request-log entry marked `"batchItem": true`. Line ends may be CRLF or LF, and a
/// delimiter may follow a body without a line break (CLI for Microsoft 365 writes both).
///
/// Also `POST {list}/AddValidateUpdateItemUsingPath`, which `spo listitem batch add` sends.
enum SharePointBatch {
    typealias On = (HTTPMethod, String, @escaping SharePointEndpoints.Handler) -> Void

    static func register(_ on: On) {
        on(.POST, "_api/$batch", run)
        on(.POST, "_api/web/lists/{list}/addvalidateupdateitemusingpath", addValidateUpdateItem)
    }

    /// [U] ODataLib's exception type and wording for a body it cannot read.
    static func malformed(_ message: String) -> SPError {
        SPError(.badRequest, "-1, Microsoft.Data.OData.ODataException", message)
    }

    // MARK: Multipart

    struct Part {
        var headers: [(String, String)]
        var body: [UInt8]
        func header(_ name: String) -> String? { headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1 }
    }

    struct InnerRequest {
        var method: String
        var target: String
        var headers: [(String, String)]
        var body: [UInt8]
    }

    static func boundary(_ contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.first?.lowercased().hasPrefix("multipart/") == true else { return nil }
        for piece in pieces.dropFirst() {
            let kv = piece.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            let value = kv[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: ["\""])
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// The parts between `--boundary` delimiters up to `--boundary--`. A delimiter is found
    /// anywhere (not only at a line start); the line break before it, if any, is its own.
    static func parts(_ body: [UInt8], boundary: String) throws -> [Part] {
        let delimiter = Array(("--" + boundary).utf8)
        var positions: [Int] = []
        var from = 0
        while let i = find(delimiter, in: body, from: from) {
            positions.append(i)
            from = i + delimiter.count
        }
        guard !positions.isEmpty else {
            throw malformed("The boundary delimiter '--\(boundary)' is missing from the batch payload.")
        }
        var out: [Part] = []
        for (n, start) in positions.enumerated() {
            var cursor = start + delimiter.count
            if cursor + 2 <= body.count, body[cursor] == 45, body[cursor + 1] == 45 { return out }
            guard n + 1 < positions.count else { break }
            while cursor < body.count, body[cursor] != 10 { cursor += 1 }
            cursor += 1
            var end = positions[n + 1]
            if end > cursor, body[end - 1] == 10 { end -= 1 }
            if end > cursor, body[end - 1] == 13 { end -= 1 }
            let (lines, rest) = headerLines(cursor <= end ? Array(body[cursor..<end]) : [])
            var headers: [(String, String)] = []
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { throw malformed("The batch part header '\(line)' is not 'Name: value'.") }
                headers.append((line[..<colon].trimmingCharacters(in: .whitespaces),
                                line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            out.append(Part(headers: headers, body: rest))
        }
        throw malformed("The batch payload ends without the closing delimiter '--\(boundary)--'.")
    }


    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        var i = from
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] {
                var j = 1
                while j < needle.count, haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    static let methods: Set<String> = ["GET", "POST", "PUT", "PATCH", "MERGE", "DELETE"]

    /// An `application/http` part: `METHOD url HTTP/1.1`, headers, an empty line, the body.
    static func request(_ part: Part) throws -> InnerRequest {
        let type = (part.header("Content-Type") ?? "").lowercased()
        guard type.hasPrefix("application/http") else {
            throw malformed("The content type '\(part.header("Content-Type") ?? "")' of a batch part is not 'application/http'.")
        }
        let (lines, body) = headerLines(part.body)
        guard let first = lines.first else { throw malformed("A batch part holds no request line.") }
        let words = first.split(separator: " ").map(String.init)
        guard words.count == 3, words[2].uppercased().hasPrefix("HTTP/"), methods.contains(words[0].uppercased()) else {
            throw malformed("The request line '\(first)' of a batch part is not 'METHOD url HTTP/1.1'.")
        }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw malformed("The header '\(line)' of a batch request is not 'Name: value'.") }
            headers.append((line[..<colon].trimmingCharacters(in: .whitespaces),
                            line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return InnerRequest(method: words[0].uppercased(), target: words[1], headers: headers, body: body)
    }

    /// Every inner request of the body, changesets flattened, in order.
    static func requests(_ req: EmulatorRequest) throws -> [InnerRequest] {
        let contentType = req.header("Content-Type") ?? ""
        guard contentType.lowercased().hasPrefix("multipart/mixed"), let outer = boundary(contentType) else {
            throw malformed("The content type '\(contentType)' is not a valid batch content type: use multipart/mixed with a boundary.")
        }
        var out: [InnerRequest] = []
        for part in try parts(req.body, boundary: outer) {
            if let type = part.header("Content-Type"), type.lowercased().hasPrefix("multipart/mixed") {
                guard let inner = boundary(type) else { throw malformed("A changeset's content type '\(type)' names no boundary.") }
                for piece in try parts(part.body, boundary: inner) {
                    let r = try request(piece)
                    guard r.method != "GET" else { throw malformed("A GET request cannot be part of a changeset.") }
                    out.append(r)
                }
            } else {
                out.append(try request(part))
            }
        }
        return out
    }

    // MARK: Running

    static func run(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let inner = try requests(r.request)
        guard case let .sharePoint(name, kind, cloud) = ServiceHost.classify(r.request.host) else {
            throw malformed("The batch was not sent to a SharePoint host.")
        }
        let service = SharePointService(state: r.state, tenantName: name, kind: kind, cloud: cloud)
        let boundary = "batchresponse_" + Util.newGUID()
        var body: [UInt8] = []
        func line(_ s: String) { body += Array(s.utf8); body += [13, 10] }
        for (index, request) in inner.enumerated() {
            let response = execute(request, index: index, outer: r, service: service)
            line("--" + boundary)
            line("Content-Type: application/http")
            line("Content-Transfer-Encoding: binary")
            line("")
            line("HTTP/1.1 \(response.status.code) \(response.status.reasonPhrase)")
            for (name, value) in response.headers where name.lowercased() != "content-length" {
                line(name.lowercased() == "content-type" ? "CONTENT-TYPE: \(value)" : "\(name): \(value)")
            }
            line("")
            body += response.body
            line("")
        }
        line("--" + boundary + "--")
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "multipart/mixed; boundary=\(boundary)")
        return EmulatorResponse(status: .ok, headers: headers, body: body)
    }

    /// One inner request: resolved against the outer request, faulted, routed, logged.
    static func execute(_ inner: InnerRequest, index: Int, outer r: SharePointRequest, service: SharePointService) -> EmulatorResponse {
        let start = DispatchTime.now()
        let outer = r.request
        var sub = outer
        sub.method = HTTPMethod(rawValue: inner.method)
        var target = inner.target
        var host = outer.host
        if target.lowercased().hasPrefix("https://") || target.lowercased().hasPrefix("http://") {
            let rest = target.drop { $0 != ":" }.dropFirst(3)
            let authority = rest.prefix { $0 != "/" && $0 != "?" }
            host = String(authority.split(separator: ":").first ?? "").lowercased()
            target = String(rest.dropFirst(authority.count))
            if target.isEmpty { target = "/" }
        } else if !target.hasPrefix("/") {
            // [U] A relative URL resolves against the web's `_api/web/` (what CLI for Microsoft
            // 365's batch remove relies on: `lists(guid'…')/items(5)`).
            let webPath = URL(string: r.web.url)?.path ?? ""
            target = (webPath == "/" ? "" : webPath) + "/_api/web/" + target
        }
        if let q = target.firstIndex(of: "?") {
            sub.path = String(target[..<q])
            sub.rawQuery = String(target[target.index(after: q)...])
        } else {
            sub.path = target
            sub.rawQuery = ""
        }
        sub.host = host
        var headers = HTTPHeaders()
        for name in ["Authorization", "User-Agent", "X-RequestDigest", "X-ClientService-ClientTag"] {
            if let v = outer.header(name) { headers.add(name: name, value: v) }
        }
        for (name, value) in inner.headers where name.lowercased() != "authorization" && name.lowercased() != "content-length" {
            headers.replaceOrAdd(name: name, value: value)
        }
        sub.headers = headers
        sub.body = inner.body

        var fault = FaultDecision()
        let response: EmulatorResponse
        if host != outer.host {
            response = SharePointService.decorate(malformed("A batch request must address the host of the batch (\(outer.host)), not \(host).").response(sub), sub)
        } else if sub.path.lowercased().hasSuffix("/$batch") {
            response = SharePointService.decorate(malformed("A batch cannot contain another batch.").response(sub), sub)
        } else {
            fault = r.state.faults.decide(host: sub.host, path: sub.path)
            switch fault.action {
            case let .status(code, retryAfter):
                var t = code == 429
                    ? SharePointService.odataError(.tooManyRequests, "-2147024860, Microsoft.SharePoint.SPRequestThrottledException",
                                                   "The request has been throttled. Retry after \(retryAfter) seconds.", sub)
                    : EmulatorApp.htmlErrorPage(code)
                t.headers.replaceOrAdd(name: "Retry-After", value: String(retryAfter))
                response = SharePointService.decorate(t, sub)
            case let .html(code):
                response = EmulatorApp.htmlErrorPage(code)
            default:
                response = service.handle(sub)
            }
        }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
        r.state.requestLog.record(sub, status: Int(response.status.code), fault: fault, durationMs: ms,
                                  extra: [("batchItem", true), ("batchIndex", JSON(index))])
        return response
    }

    // MARK: AddValidateUpdateItemUsingPath

    /// `POST {list}/AddValidateUpdateItemUsingPath` with `formValues` (text): each field's
    /// outcome, then `Id` with the new item's id (`0` when a field was refused and nothing was
    /// created). Refused here [fixture of CLI for Microsoft 365]: a `Created` or `Modified` value
    /// that is not a date SharePoint parses (`yyyy-MM-dd[ HH:mm[:ss]]` or `M/d/yyyy[ h:mm[:ss] AM]`;
    /// ISO 8601 with `T`/`Z` is not accepted) or outside 1900–8900.
    static func addValidateUpdateItem(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        guard let values = body["formValues"]?.arrayValue?.compactMap(\.objectValue) else {
            throw SPError(.badRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
                          "The parameter formValues does not exist in method AddValidateUpdateItemUsingPath.")
        }
        var results: [JSON] = []
        var fields = JSONObject()
        var refused = false
        for v in values {
            let name = v["FieldName"]?.stringValue ?? ""
            let value = v["FieldValue"]?.scalarText ?? ""
            var result: JSONObject = ["ErrorCode": 0, "ErrorMessage": nil, "FieldName": .string(name), "FieldValue": .string(value),
                                      "HasException": false, "ItemId": 0]
            if ["created", "modified"].contains(name.lowercased()), !isSharePointDate(value) {
                result["ErrorCode"] = -2146232832
                result["ErrorMessage"] = "You must specify a valid date within the range of 1/1/1900 and 12/31/8900."
                result["HasException"] = true
                refused = true
            } else {
                fields[name] = .string(value)
            }
            results.append(.object(result))
        }
        var id = 0
        let now = Util.iso8601(Date())
        let author = SharePointEndpoints.userId(r)
        // `listItemCreateInfo.FolderPath.DecodedUrl`: the folder the item goes in (it must exist).
        let folder = body["listItemCreateInfo"]?["FolderPath"]?["DecodedUrl"]?.stringValue
        try r.store.locked {
            let l = try SharePointEndpoints.resolve(p["list"]!, in: r.web)
            if let folder, folder.lowercased() != SharePointFiles.rootURL(l, r).lowercased(),
               r.store.files.folders[SharePointFiles.key(r, folder)] == nil {
                throw SPError(.notFound, "-2147024894, System.IO.FileNotFoundException", "File Not Found.")
            }
            guard !refused else { return }
            var kept = l.withFieldDefaults(SharePointEndpoints.fieldValues(fields))
            if let folder { kept["FileDirRef"] = .string(folder) }
            l.noteFields(kept)
            let item = SPItem(id: l.nextId, version: 1, guid: Util.newGUID(), created: now, modified: now, authorId: author,
                              editorId: author, fields: kept)
            l.nextId += 1
            l.items.append(item)
            l.lastItemModified = now
            r.web.lastItemModified = now
            id = item.id
        }
        results.append(["ErrorCode": 0, "ErrorMessage": nil, "FieldName": "Id", "FieldValue": .string(String(id)),
                        "HasException": false, "ItemId": 0])
        let value: JSON = r.format == .verbose ? ["results": .array(results)] : .array(results)
        return .json(SPRender(r).primitive("AddValidateUpdateItemUsingPath", value, edmType: "Collection(SP.ListItemFormUpdateValue)"))
    }

    /// A date as SharePoint parses form values (en-US regional settings), years 1900–8900.
    static func isSharePointDate(_ text: String) -> Bool {
        let s = text.trimmingCharacters(in: .whitespaces)
        let patterns = [#"^(\d{4})-(\d{1,2})-(\d{1,2})( \d{1,2}:\d{2}(:\d{2})?)?$"#,
                        #"^(\d{1,2})/(\d{1,2})/(\d{4})( \d{1,2}:\d{2}(:\d{2})?( ?[AaPp][Mm])?)?$"#]
        for (n, pattern) in patterns.enumerated() {
            guard let m = SharePointEndpoints.firstMatch(pattern, in: s) else { continue }
            let (year, month, day) = n == 0 ? (Int(m[0]) ?? 0, Int(m[1]) ?? 0, Int(m[2]) ?? 0) : (Int(m[2]) ?? 0, Int(m[0]) ?? 0, Int(m[1]) ?? 0)
            return (1900...8900).contains(year) && (1...12).contains(month) && (1...31).contains(day)
        }
        return false
    }
}
