#if canImport(Glibc)
import Glibc
#endif
@_exported import PluginKit

/// Microsoft Graph as a plugin command uses it: URLs on the connection's cloud, JSON in and out,
/// Graph's error bodies turned into one-line failures, collections streamed page by page.
public struct GraphClient {
    public let invocation: Invocation
    /// `https://graph.microsoft.com` or the national cloud's Graph origin.
    public let origin: String
    public let version: String

    public init(_ invocation: Invocation, version: String = "v1.0") {
        self.invocation = invocation
        self.origin = invocation.setting("connection.graphOrigin") ?? "https://graph.microsoft.com"
        self.version = version
    }

    /// `https://graph.microsoft.com/v1.0`.
    public var root: String { origin + "/" + version }

    /// An absolute URL for `path` (relative to the version root), or `path` itself when absolute.
    public func url(_ path: String) -> String {
        if path.hasPrefix("https://") || path.hasPrefix("http://") { return path }
        return root + (path.hasPrefix("/") ? path : "/" + path)
    }

    /// The `@odata.id` Graph expects in `$ref` and `@odata.bind` bodies for a directory object.
    public func directoryObjectURL(_ id: String) -> String { root + "/directoryObjects/" + id }

    /// Sends one request; returns the JSON body (nil for an empty 2xx body such as 204).
    @discardableResult
    public func send(_ method: String, _ path: String, body: JSON? = nil, headers: [(name: String, value: String)] = []) throws(PluginFailure) -> JSON? {
        var request = HTTPRequest(method: method, url: url(path), headers: Self.jsonHeaders + headers)
        if let body {
            request.headers.append(("Content-Type", "application/json"))
            request.body = Array(body.serialized().utf8)
        }
        let response = try invocation.send(request)
        guard response.isSuccess else { throw Self.failure(response) }
        if response.body.isEmpty { return nil }
        guard let json = response.json else {
            throw PluginFailure("Microsoft Graph sent a response that is not valid JSON (\(response.body.count) bytes)", status: M365_ERR_SERVER)
        }
        return json
    }

    /// GETs one object.
    public func get(_ path: String, headers: [(name: String, value: String)] = []) throws(PluginFailure) -> JSONObject {
        guard let object = try send("GET", path, headers: headers)?.objectValue else {
            throw PluginFailure("Microsoft Graph sent no object for \(path)", status: M365_ERR_SERVER)
        }
        return object
    }

    /// Calls `body` with every item of a collection, fetching the next page only when the
    /// previous one is done: memory stays one page whatever the collection's size. Headers
    /// (ConsistencyLevel) are resent with each page, as Graph requires.
    public func forEachItem(_ path: String, headers: [(name: String, value: String)] = [],
                            _ body: (JSONObject) throws(PluginFailure) -> Void) throws(PluginFailure) {
        var next: String? = url(path)
        while let page = next {
            if invocation.isCancelled { throw PluginFailure("cancelled", status: M365_ERR_CANCELLED) }
            let object = try get(page, headers: headers)
            guard let items = object["value"]?.arrayValue else {
                throw PluginFailure("Microsoft Graph sent a collection without 'value' for \(path)", status: M365_ERR_SERVER)
            }
            for item in items {
                guard let entity = item.objectValue else { continue }
                try body(entity)
            }
            next = object["@odata.nextLink"]?.stringValue
        }
    }

    /// Every item of a (small) collection, for lookups.
    public func all(_ path: String, headers: [(name: String, value: String)] = []) throws(PluginFailure) -> [JSONObject] {
        var out: [JSONObject] = []
        try forEachItem(path, headers: headers) { item throws(PluginFailure) in out.append(item) }
        return out
    }

    /// Streams a collection to the command's output as pages arrive (an empty one prints `[]`).
    /// Without a `transform` items go out as Graph wrote them, never parsed into values.
    public func list(_ path: String, headers: [(name: String, value: String)] = [],
                     transform: ((JSONObject) throws(PluginFailure) -> JSONObject?)? = nil) throws(PluginFailure) {
        var count = 0
        guard let transform else {
            let headers = Self.jsonHeaders + headers
            try invocation.streamCollection(from: url(path), service: "Microsoft Graph", page: { page, _ throws(PluginFailure) in
                let response = try invocation.send(HTTPRequest(url: page, headers: headers))
                guard response.isSuccess else { throw Self.failure(response) }
                return response
            }, next: { $0["@odata.nextLink"]?.stringValue })
            return
        }
        try forEachItem(path, headers: headers) { item throws(PluginFailure) in
            guard let shaped = try transform(item) else { return }
            try invocation.emit(item: .object(shaped))
            count += 1
        }
        if count == 0 { try invocation.emit(result: []) }
    }

    /// `Accept` as CLI for Microsoft 365 sends it: no OData annotations in objects.
    public static let jsonHeaders: [(name: String, value: String)] = [("Accept", "application/json;odata.metadata=none")]

    /// Headers for Graph's advanced directory queries (`ne`, `endsWith`, `$count`, `$search`).
    public static let eventual: [(name: String, value: String)] = [("ConsistencyLevel", "eventual")]

    // MARK: Errors

    /// A Graph error answer as one line naming Graph's code, with the status an ABI caller expects.
    public static func failure(_ response: HTTPResponse) -> PluginFailure {
        let status = response.failureStatus
        if let error = response.json?["error"] {
            let code = error["code"]?.stringValue ?? ""
            let message = oneLine(error["message"]?.stringValue ?? "")
            let text = [code, message].filter { !$0.isEmpty }.joined(separator: ": ")
            return PluginFailure(text.isEmpty ? "Microsoft Graph answered HTTP \(response.status)" : text, status: status)
        }
        let type = response.header("content-type").map { " (\($0.split(separator: ";").first ?? ""))" } ?? ""
        return PluginFailure("Microsoft Graph answered HTTP \(response.status)\(type) without a Graph error body", status: status)
    }

}

/// OData query text: quoting literals and assembling `?$select=…&$filter=…` with encoded values.
extension GraphClient {
    /// An object and its entity tag (the `ETag` header, else `@odata.etag`), for updates that
    /// Graph accepts only with `If-Match` (Planner).
    public func getWithETag(_ path: String) throws(PluginFailure) -> (object: JSONObject, etag: String) {
        let response = try invocation.send(HTTPRequest(url: url(path), headers: Self.jsonHeaders))
        guard response.isSuccess else { throw Self.failure(response) }
        guard let object = response.json?.objectValue else {
            throw PluginFailure("Microsoft Graph sent no object for \(path)", status: M365_ERR_SERVER)
        }
        guard let etag = response.header("etag") ?? object["@odata.etag"]?.stringValue else {
            throw PluginFailure("Microsoft Graph sent no ETag for \(path)", status: M365_ERR_SERVER)
        }
        return (object, etag)
    }
}
