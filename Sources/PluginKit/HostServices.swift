#if canImport(Glibc)
import Glibc
#endif

/// An HTTP request a Swift plugin sends through the host (sign-in, retries, tracing included).
public struct ServiceRequest {
    public var method: String
    public var url: String
    /// The token audience; nil means the URL's origin.
    public var resource: String?
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    public var flags: UInt32

    public init(method: String = "GET", url: String, resource: String? = nil, headers: [(name: String, value: String)] = [],
                body: [UInt8]? = nil, flags: UInt32 = 0) {
        self.method = method
        self.url = url
        self.resource = resource
        self.headers = headers
        self.body = body
        self.flags = flags
    }

    /// A request whose body is `json`, sent with `Content-Type: application/json`.
    public init(method: String, url: String, json: JSON, headers: [(name: String, value: String)] = []) {
        self.init(method: method, url: url, headers: headers + [("Content-Type", "application/json")], body: Array(json.serialized().utf8))
    }
}

/// The host's answer: any status (4xx/5xx included), lower-cased header names, the whole body.
public struct ServiceResponse {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    /// Copies what the host returned (the caller frees the host's response).
    init(_ answer: m365_http_response) {
        var headers: [String: String] = [:]
        if let raw = answer.headers_json, let object = (try? JSON.parse(String(cString: raw)))?.objectValue {
            for (name, value) in object { headers[name] = value.stringValue ?? value.serialized() }
        }
        self.status = Int(answer.status)
        self.headers = headers
        self.body = answer.body.map { Array(UnsafeBufferPointer(start: $0, count: answer.body_len)) } ?? []
    }

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
    public var isSuccess: Bool { (200..<300).contains(status) }
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The ABI status a command fails with for this (error) answer.
    public var failureStatus: m365_status { abiStatus(forHTTPStatus: status) }

    /// The body as JSON, or nil when it is empty or not JSON (an HTML error page from a proxy).
    public var json: JSON? { body.isEmpty ? nil : try? JSON.parse(text) }
}

extension Invocation {
    /// Sends `request` through the host. A failure to get an answer at all (network, sign-in,
    /// Ctrl-C) throws; an answer with an error status is returned for the caller to explain.
    public func send(_ request: ServiceRequest) throws(PluginFailure) -> ServiceResponse {
        let (status, response) = try transmit(request)
        try check(status)
        return try take(response)
    }

    /// Hands `request` to the host's http_send; `adjust` fills in what `ServiceRequest` does not
    /// carry (a body sink). The caller owns the response: pass it to `take`.
    func transmit(_ request: ServiceRequest, adjust: (inout m365_http_request) -> Void = { _ in })
        throws(PluginFailure) -> (m365_status, UnsafeMutablePointer<m365_http_response>?) {
        guard let send = host.pointee.http_send else {
            throw PluginFailure("this m365 host cannot send HTTP requests", status: M365_ERR_NOT_SUPPORTED)
        }
        var response: UnsafeMutablePointer<m365_http_response>?
        let status = withRawRequest(request, adjust: adjust) { raw in send(call, raw, &response) }
        return (status, response)
    }

    /// Asks the host to start sending `request` (a GET) now, for a later `send` of the same
    /// request to take (ABI 1.2: the next page of a list while this one is emitted). Only a hint:
    /// an older host, or a refusal, leaves the later `send` to do the work.
    public func prefetch(_ request: ServiceRequest) {
        guard let prefetch = host.pointee.http_prefetch else { return }
        let status = withRawRequest(request) { raw in prefetch(call, raw) }
        if status != M365_OK { log("the next page was not asked for in advance: status \(status)", level: M365_LOG_DEBUG) }
    }

    /// `request` as the C struct both http_send and http_prefetch read (the same bytes for the
    /// same request, so the host can match them), valid during `body`.
    private func withRawRequest<R>(_ request: ServiceRequest, adjust: (inout m365_http_request) -> Void = { _ in },
                                   _ body: (UnsafePointer<m365_http_request>) -> R) -> R {
        var headers = JSONObject()
        for (name, value) in request.headers { headers[name] = .string(value) }
        for (name, value) in requestHeaders?(self, request.url) ?? [] where !request.headers.contains(where: { $0.name.lowercased() == name.lowercased() }) {
            headers[name] = .string(value)
        }
        let headersJSON = JSON.object(headers).serialized()
        let payload = request.body ?? []
        return request.method.withCString { method in
            request.url.withCString { url in
                headersJSON.withCString { headersPointer in
                    withOptionalCString(request.resource) { resource in
                        payload.withUnsafeBufferPointer { bytes in
                            var raw = m365_http_request()
                            raw.header = m365_header(abi_major: UInt32(M365_ABI_MAJOR), abi_minor: UInt32(M365_ABI_MINOR),
                                                     struct_size: UInt32(MemoryLayout<m365_http_request>.size))
                            raw.method = method
                            raw.url = url
                            raw.resource = resource
                            raw.headers_json = headersPointer
                            raw.body = bytes.isEmpty ? nil : bytes.baseAddress
                            raw.body_len = bytes.count
                            raw.body_size = -1
                            raw.flags = request.flags
                            adjust(&raw)
                            return body(&raw)
                        }
                    }
                }
            }
        }
    }

    /// Copies the host's response and frees it.
    func take(_ response: UnsafeMutablePointer<m365_http_response>?) throws(PluginFailure) -> ServiceResponse {
        guard let response else { throw PluginFailure("the host returned no response", status: M365_ERR_INTERNAL) }
        defer { host.pointee.http_response_free?(call, response) }
        return ServiceResponse(response.pointee)
    }

    /// A CLI setting, the plugin's own `<service>.<key>` setting or a `connection.*` fact; nil when unset.
    public func setting(_ key: String) -> String? {
        guard let get = host.pointee.config_get else { return nil }
        return takeString { get(call, key, $0) }
    }

    /// The output mode of this run (`json`, `text`, `csv`, `md`, `none`), for a result the CLI
    /// shapes differently in text output; `json` from a host that does not say.
    public var outputMode: String { setting("invocation.output") ?? "json" }

    /// Per-connection state the plugin keeps for itself; nil when unset.
    public func state(_ key: String) -> String? {
        guard let get = host.pointee.state_get else { return nil }
        return takeString { get(call, key, $0) }
    }

    /// Stores (or, with nil, deletes) per-connection state. A failure to store is not fatal to a
    /// command (the value is a cache), so it is logged rather than thrown.
    public func setState(_ key: String, _ value: String?) {
        guard let set = host.pointee.state_set else { return }
        let status = withOptionalCString(value) { set(call, key, $0) }
        if status != M365_OK { log("could not store '\(key)': status \(status)", level: M365_LOG_DEBUG) }
    }

    /// Publishes (or, with nil, deletes) a fact about the connection: any plugin reads it back
    /// as the setting `connection.<key>` (ABI 1.1; an older host cannot keep it, so it throws).
    public func setConnectionFact(_ key: String, _ value: String?) throws(PluginFailure) {
        guard let set = host.pointee.connection_set else {
            throw PluginFailure("this m365 is too old to keep connection facts (needs plugin ABI 1.1)", status: M365_ERR_NOT_SUPPORTED)
        }
        try check(withOptionalCString(value) { set(call, key, $0) })
    }

    /// The host's version ("0.3.0").
    public var hostVersion: String { host.pointee.host_version.map { String(cString: $0) } ?? "" }

    /// Progress of long work; shown on a terminal only. `total` < 0 means unknown.
    public func progress(_ label: String, done: Int64, total: Int64) {
        host.pointee.progress?(call, label, done, total)
    }

    /// Asks for confirmation. Without a terminal the host cannot ask: the caller's `--force`
    /// message explains what to do instead.
    public func confirm(_ question: String, orExplain refusal: String) throws(PluginFailure) -> Bool {
        guard let prompt = host.pointee.prompt else { throw PluginFailure(refusal, status: M365_ERR_INVALID_ARGUMENT) }
        var answer: UnsafeMutablePointer<CChar>?
        let status = prompt(call, question, UInt32(M365_PROMPT_CONFIRM), &answer)
        if status == M365_ERR_NOT_SUPPORTED { throw PluginFailure(refusal, status: M365_ERR_INVALID_ARGUMENT) }
        try check(status)
        defer { host.pointee.host_free?(answer) }
        return answer.map { String(cString: $0) == "true" } ?? false
    }

    /// Calls a host function that hands back a host-allocated string; nil on any failure.
    private func takeString(_ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> m365_status) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard body(&value) == M365_OK, let value else { return nil }
        defer { host.pointee.host_free?(value) }
        return String(cString: value)
    }
}

func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
}

/// The ABI status a command fails with for an HTTP error status (also of a batch item).
public func abiStatus(forHTTPStatus status: Int) -> m365_status {
    switch status {
    case 401: return M365_ERR_AUTH_REQUIRED
    case 403: return M365_ERR_FORBIDDEN
    case 404: return M365_ERR_NOT_FOUND
    case 429: return M365_ERR_THROTTLED
    case 500...: return M365_ERR_SERVER
    default: return M365_ERROR
    }
}
