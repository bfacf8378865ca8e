import Foundation
import JSONModel
import NIOHTTP1

/// `POST /{version}/$batch`: up to 20 requests run one after another, in order, through the
/// same router with the caller's token. Each item gets its own fault decision (a rule whose
/// path prefix matches `/v1.0/users` throttles only that item) and its own request-log entry
/// marked `"batchItem": true`; the outer request is logged once, as any other.
enum GraphBatch {
    static let limit = 20

    static func run(_ req: EmulatorRequest, version: String, service: GraphService) -> EmulatorResponse {
        func bad(_ message: String) -> EmulatorResponse { GraphService.error(.badRequest, "BadRequest", message, req) }
        guard let body = try? JSON.parse(bytes: req.body), let items = body["requests"]?.arrayValue else {
            return bad("Invalid batch payload format.")
        }
        if items.count > limit { return bad("The number of batch requests exceeded the limit of \(limit).") }
        var ids: [String] = []
        for item in items {
            guard let id = item["id"]?.scalarText, !id.isEmpty else { return bad("Invalid batch payload format: every request needs an 'id'.") }
            guard item["method"]?.stringValue != nil, item["url"]?.stringValue != nil else {
                return bad("Invalid batch payload format: request '\(id)' needs 'method' and 'url'.")
            }
            if ids.contains(where: { $0.caseInsensitiveCompare(id) == .orderedSame }) {
                return bad("Request id '\(id)' is used more than once in the batch: ids must be unique.")
            }
            for dep in item["dependsOn"]?.arrayValue ?? [] {
                guard let d = dep.scalarText, ids.contains(where: { $0.caseInsensitiveCompare(d) == .orderedSame }) else {
                    return bad("Request '\(id)' depends on '\(dep.scalarText ?? "")', which is not an earlier request of this batch.")
                }
            }
            ids.append(id)
        }

        var statuses: [String: Int] = [:]
        var responses: [JSON] = []
        for (item, id) in zip(items, ids) {
            let failed = (item["dependsOn"]?.arrayValue ?? []).compactMap(\.scalarText).filter { d in
                let s = statuses.first { $0.key.caseInsensitiveCompare(d) == .orderedSame }?.value ?? 0
                return !(200..<300).contains(s)
            }
            let r: EmulatorResponse
            if !failed.isEmpty {
                r = .json(["error": ["code": "FailedDependency",
                                     "message": .string("Request '\(id)' was not run because the request(s) it depends on failed: \(failed.joined(separator: ", ")).")]],
                          status: .failedDependency, contentType: GraphService.contentType)
            } else {
                r = execute(item, id: id, outer: req, version: version, service: service)
            }
            statuses[id] = Int(r.status.code)
            responses.append(entry(id: id, r))
        }
        return .json(["responses": .array(responses)])
    }

    /// One item: build the request, apply faults, route, log.
    static func execute(_ item: JSON, id: String, outer: EmulatorRequest, version: String, service: GraphService) -> EmulatorResponse {
        let start = DispatchTime.now()
        var sub = outer
        sub.method = HTTPMethod(rawValue: (item["method"]?.stringValue ?? "GET").uppercased())
        var url = item["url"]?.stringValue ?? ""
        var query = ""
        if let q = url.firstIndex(of: "?") {
            query = String(url[url.index(after: q)...])
            url = String(url[..<q])
        }
        while url.hasPrefix("/") { url.removeFirst() }
        sub.path = "/\(version)/\(url)"
        sub.rawQuery = query
        sub.body = []
        var headers = HTTPHeaders()
        for name in ["Authorization", "client-request-id", "User-Agent"] {
            if let v = outer.header(name) { headers.add(name: name, value: v) }
        }
        for (k, v) in item["headers"]?.objectValue ?? [:] {
            if let s = v.scalarText, k.lowercased() != "authorization" { headers.replaceOrAdd(name: k, value: s) }
        }
        sub.headers = headers

        let response: EmulatorResponse
        var fault = FaultDecision()
        if url.contains("://") {
            response = GraphService.error(.badRequest, "BadRequest", "Invalid request URL '\(url)': batch request URLs are relative to the version root (e.g. /users).", sub)
        } else if let b = item["body"], !b.isNull, headers.first(name: "Content-Type") == nil {
            response = GraphService.error(.badRequest, "BadRequest", "Write request id : \(id) does not contain Content-Type header or body.", sub)
        } else {
            if let b = item["body"], !b.isNull {
                // A string body is base64 (binary content); anything else is JSON.
                if case let .string(s) = b, let data = Data(base64Encoded: s) { sub.body = Array(data) } else { sub.body = Array(b.serialized().utf8) }
            }
            fault = service.state.faults.decide(host: sub.host, path: sub.path)
            switch fault.action {
            case let .status(code, retryAfter):
                let status = HTTPResponseStatus(statusCode: code)
                response = (code == 429
                    ? GraphService.error(status, "TooManyRequests", "Too many requests.", sub)
                    : GraphService.error(status, "serviceNotAvailable", "Service Unavailable", sub)).adding(header: "Retry-After", String(retryAfter))
            case let .html(code):
                response = GraphService.error(HTTPResponseStatus(statusCode: code), "generalException", "An error occurred.", sub)
            default:
                response = service.dispatch(sub)
            }
        }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
        service.state.requestLog.record(sub, status: Int(response.status.code), fault: fault, durationMs: ms,
                                        extra: [("batchItem", true), ("batchRequestId", .string(id))])
        return response
    }

    /// `{"id","status","headers","body"}` for one item.
    static func entry(id: String, _ r: EmulatorResponse) -> JSON {
        var headers = JSONObject()
        for name in ["Location", "Retry-After", "Content-Type", "OData-Version"] {
            if let v = r.headers.first(name: name) { headers[name] = .string(v) }
        }
        var out: JSONObject = ["id": .string(id), "status": JSON(Int(r.status.code)), "headers": .object(headers)]
        if !r.body.isEmpty {
            if let json = try? JSON.parse(bytes: r.body), r.headers.first(name: "Content-Type")?.contains("json") == true {
                out["body"] = json
            } else {
                out["body"] = .string(r.bodyText)
            }
        }
        return .object(out)
    }
}
