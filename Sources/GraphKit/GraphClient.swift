#if canImport(Glibc)
import Glibc
#endif
@_exported import PluginKit

/// Microsoft Graph as a plugin command uses it: URLs on the connection's cloud, relative paths
/// under the version root, and the one service client (PluginKit's `ServiceClient`) speaking
/// Graph's dialect.
public struct GraphClient: CommandClient {
    public let service: ServiceClient
    /// `https://graph.microsoft.com` or the national cloud's Graph origin.
    public let origin: String
    public let version: String

    public init(_ invocation: Invocation) {
        self.init(invocation, version: "v1.0")
    }

    public init(_ invocation: Invocation, version: String) {
        service = ServiceClient(invocation, dialect: Self.dialect)
        self.origin = invocation.setting("connection.graphOrigin") ?? "https://graph.microsoft.com"
        self.version = version
    }

    public var invocation: Invocation { service.invocation }

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
        try service.send(method, url(path), body: body, headers: headers)
    }

    /// GETs one object.
    public func get(_ path: String, headers: [(name: String, value: String)] = []) throws(PluginFailure) -> JSONObject {
        try service.get(url(path), headers: headers)
    }

    /// Every item of a collection, page by page (see `ServiceClient.forEachItem`). Headers
    /// (ConsistencyLevel) are resent with each page, as Graph requires.
    public func forEachItem(_ path: String, headers: [(name: String, value: String)] = [],
                            _ body: (JSONObject) throws(PluginFailure) -> Void) throws(PluginFailure) {
        try service.forEachItem(url(path), headers: headers, body)
    }

    /// Every item of a (small) collection, for lookups.
    public func all(_ path: String, headers: [(name: String, value: String)] = []) throws(PluginFailure) -> [JSONObject] {
        try service.all(url(path), headers: headers)
    }

    /// Streams a collection to the command's output as pages arrive (see `ServiceClient.list`).
    public func list(_ path: String, headers: [(name: String, value: String)] = [],
                     transform: ((JSONObject) throws(PluginFailure) -> JSONObject?)? = nil) throws(PluginFailure) {
        try service.list(url(path), headers: headers, transform: transform)
    }

    /// `Accept` as CLI for Microsoft 365 sends it: no OData annotations in objects.
    public static let jsonHeaders: [(name: String, value: String)] = [("Accept", "application/json;odata.metadata=none")]

    /// Headers for Graph's advanced directory queries (`ne`, `endsWith`, `$count`, `$search`).
    public static let eventual: [(name: String, value: String)] = [("ConsistencyLevel", "eventual")]

    /// How Graph speaks: `@odata.nextLink` paging and `{"error":{"code","message"}}` errors.
    public static let dialect = ServiceDialect(name: "Microsoft Graph", headers: jsonHeaders, nextLinkKeys: ["@odata.nextLink"]) { _, response, _, _ in
        failure(response)
    }

    // MARK: Errors

    /// A Graph error answer as one line naming Graph's code, with the status an ABI caller expects.
    public static func failure(_ response: ServiceResponse) -> PluginFailure {
        let status = response.failureStatus
        if let error = ServiceError.parse(response) {
            let text = [error.code, oneLine(error.message)].filter { !$0.isEmpty }.joined(separator: ": ")
            return PluginFailure(text.isEmpty ? "Microsoft Graph answered HTTP \(response.status)" : text, status: status)
        }
        let type = response.header("content-type").map { " (\($0.split(separator: ";").first ?? ""))" } ?? ""
        return PluginFailure("Microsoft Graph answered HTTP \(response.status)\(type) without a Graph error body", status: status)
    }
}

/// OData query text: quoting literals and assembling `?$select=…&$filter=…` with encoded values.
extension GraphClient {
    /// An object and its entity tag (`@odata.etag`, else the `ETag` header), for updates that
    /// Graph accepts only with `If-Match` (Planner). Asked for with `odata.metadata=minimal`, as
    /// CLI for Microsoft 365 does: under `none` Planner leaves `@odata.etag` out (pnp/cli-microsoft365#4446).
    public func getWithETag(_ path: String) throws(PluginFailure) -> (object: JSONObject, etag: String) {
        var request = service.request("GET", url(path))
        request.headers = request.headers.filter { $0.name.lowercased() != "accept" } + [("Accept", "application/json;odata.metadata=minimal")]
        let response = try service.answer(request)
        guard let object = response.json?.objectValue else {
            throw PluginFailure("Microsoft Graph sent no object for \(path)", status: M365_ERR_SERVER)
        }
        guard let etag = object["@odata.etag"]?.stringValue ?? response.header("etag") else {
            throw PluginFailure("Microsoft Graph sent no ETag for \(path)", status: M365_ERR_SERVER)
        }
        return (object, etag)
    }
}
