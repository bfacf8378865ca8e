#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A request body: nothing, bytes in memory, or a stream read on demand (large uploads).
public enum HTTPBody {
    public typealias StreamReader = (UnsafeMutableRawBufferPointer) -> Int

    case empty
    case bytes([UInt8])
    /// Bytes the caller owns and keeps valid until `send` returns (a plugin's buffer passed
    /// through the host table): sent, and sent again on a retry, without a copy.
    case borrowed(UnsafeRawBufferPointer)
    /// `read` fills the buffer and returns the count written, `0` at the end, `-1` to abort
    /// (the request then fails with `.aborted`). `size` is sent as `Content-Length` when known;
    /// otherwise the body goes out chunked. A stream cannot be rewound, so a request whose
    /// stream was already read from is never retried (`send` returns or throws the outcome).
    case stream(size: Int64?, read: StreamReader)

    var knownSize: Int64? {
        switch self {
        case .empty: return 0
        case let .bytes(b): return Int64(b.count)
        case let .borrowed(b): return Int64(b.count)
        case let .stream(size, _): return size
        }
    }
}

public struct HTTPRequest {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: HTTPBody
    /// `nil`: decided by the method (GET, HEAD, OPTIONS, PUT, DELETE and TRACE are idempotent).
    public var idempotent: Bool?
    /// `false` sends exactly once, whatever happens.
    public var retries: Bool
    /// Follow 3xx redirects (at most 10). The Authorization header is not sent to another host.
    public var followRedirects: Bool
    /// Streaming download: receives the body of a 2xx response chunk by chunk, which is then
    /// not buffered (`HTTPResponse.body` stays empty). Return `false` to stop (`.aborted`).
    /// Bodies of other statuses (errors, throttling) are still buffered so callers can map them.
    public var onResponseBody: ((UnsafeRawBufferPointer) -> Bool)?
    /// Transfer progress: the upload when the request has a body, the download otherwise.
    /// `total` is 0 while unknown.
    public var onProgress: ((_ done: Int64, _ total: Int64) -> Void)?
    /// For the layer that signs requests (the host's session), not read here: whether to add an
    /// access token, and for which audience (nil: the URL's origin).
    public var authenticate = true
    public var resource: String?

    public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: HTTPBody = .empty,
                idempotent: Bool? = nil, retries: Bool = true, followRedirects: Bool = true,
                onResponseBody: ((UnsafeRawBufferPointer) -> Bool)? = nil,
                onProgress: ((_ done: Int64, _ total: Int64) -> Void)? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.idempotent = idempotent
        self.retries = retries
        self.followRedirects = followRedirects
        self.onResponseBody = onResponseBody
        self.onProgress = onProgress
    }

    /// Whether the request may be replayed after the server may have acted on it.
    public var isIdempotent: Bool { idempotent ?? RetryPolicy.isIdempotent(method: method) }

    func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }
}

public struct HTTPResponse {
    public var status: Int
    /// In the order received, names lower-cased (of the final response after redirects).
    public var headers: [(name: String, value: String)]
    /// Empty when the body went to `onResponseBody`.
    public var body: [UInt8]
    /// The URL that answered (differs from the request's after a redirect).
    public var url: String
    /// "1.0", "1.1", "2" or "3".
    public var httpVersion: String
    /// How many times the request was sent (1 = no retry).
    public var attempts: Int
    /// Connections libcurl opened for the final attempt (0 = an existing one was reused).
    public var newConnections: Int

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [], url: String = "",
                httpVersion: String = "1.1", attempts: Int = 1, newConnections: Int = 0) {
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url
        self.httpVersion = httpVersion
        self.attempts = attempts
        self.newConnections = newConnections
    }

    /// The first header with this name (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name == lower }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    public var isSuccess: Bool { (200..<300).contains(status) }
}

public struct HTTPError: Error, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// libcurl could not be loaded.
        case unavailable
        /// Name resolution, connection, TLS, reset or cut-off responses.
        case network
        /// Connect or low-speed timeout.
        case timeout
        /// `isCancelled` returned true.
        case cancelled
        /// Never thrown by `send` (which returns the last 429/503 response when retries run
        /// out); for callers that map such a response, see `HTTPError.throttled(_:url:)`.
        case throttled
        /// A body callback stopped the transfer (`onResponseBody` returned false, `read` -1).
        case aborted
        /// A malformed URL or method, an unreadable CA bundle, a nested `send`.
        case invalidRequest
    }

    public var kind: Kind
    /// One line, for `Error: …`.
    public var message: String
    /// The libcurl result code, when libcurl reported the failure.
    public var curlCode: Int?
    /// How many times the request was sent before giving up.
    public var attempts: Int

    public init(_ kind: Kind, _ message: String, curlCode: Int? = nil, attempts: Int = 0) {
        self.kind = kind
        self.message = message
        self.curlCode = curlCode
        self.attempts = attempts
    }

    public var description: String { message }

    /// An error for a 429/503 response that is still throttled after the retries.
    public static func throttled(_ response: HTTPResponse, url: String) -> HTTPError {
        var text = "\(URLParts(url).host) is throttling requests (HTTP \(response.status))"
        if let after = response.header("retry-after"), let s = RetryPolicy.retryAfterSeconds(after, now: Int(time(nil))) {
            text += "; try again in \(Int(s.rounded(.up))) s"
        }
        return HTTPError(.throttled, text, attempts: response.attempts)
    }
}

public struct HTTPClientConfiguration {
    /// PEM bundle of trusted CAs; replaces the system's when set (M365_CA_BUNDLE).
    public var caBundle: String?
    /// curl connect-to entries `HOST:PORT:TO_HOST:TO_PORT` (M365_CONNECT_TO).
    public var connectTo: [String]
    /// Retries after the first attempt (so at most maxRetries + 1 sends).
    public var maxRetries: Int
    public var connectTimeoutSeconds: Int
    /// Fails a transfer that moves less than 1 byte/s for this long (covers a server that
    /// accepts the request and never answers).
    public var lowSpeedTimeoutSeconds: Int
    /// Retry-After values above this are waited for this long only.
    public var maxRetryAfterSeconds: Double
    /// Exponential backoff: the n-th retry waits between half and all of min(max, base·2ⁿ).
    public var backoffBaseSeconds: Double
    public var backoffMaxSeconds: Double
    public var userAgent: String
    /// Sent with every request unless the request has a header of the same name.
    public var extraHeaders: [(name: String, value: String)]
    /// Receives the `--debug` trace, one line per call, secrets redacted.
    public var trace: ((String) -> Void)?
    /// Text bodies in the trace are cut after this many bytes.
    public var traceBodyLimit: Int
    /// Polled during transfers and retry waits; true ends the request with `.cancelled`.
    public var isCancelled: () -> Bool
    /// Waits before a retry, called once per wait with the whole delay. `nil`: a built-in
    /// sleep that wakes up early when `isCancelled` turns true.
    public var sleep: ((Double) -> Void)?
    /// Uniform in [0, 1): the jitter of the backoff.
    public var random: () -> Double

    public static func defaultUserAgent(version: String) -> String { "NONISV|m365|m365/\(version)" }

    public init(caBundle: String? = nil, connectTo: [String] = [], maxRetries: Int = 5, connectTimeoutSeconds: Int = 20,
                lowSpeedTimeoutSeconds: Int = 60, maxRetryAfterSeconds: Double = 60, backoffBaseSeconds: Double = 1,
                backoffMaxSeconds: Double = 30, userAgent: String = HTTPClientConfiguration.defaultUserAgent(version: "0.0.0"),
                extraHeaders: [(name: String, value: String)] = [], trace: ((String) -> Void)? = nil, traceBodyLimit: Int = 4096,
                isCancelled: @escaping () -> Bool = { false }, sleep: ((Double) -> Void)? = nil,
                random: @escaping () -> Double = { Double.random(in: 0..<1) }) {
        self.caBundle = caBundle
        self.connectTo = connectTo
        self.maxRetries = maxRetries
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.lowSpeedTimeoutSeconds = lowSpeedTimeoutSeconds
        self.maxRetryAfterSeconds = maxRetryAfterSeconds
        self.backoffBaseSeconds = backoffBaseSeconds
        self.backoffMaxSeconds = backoffMaxSeconds
        self.userAgent = userAgent
        self.extraHeaders = extraHeaders
        self.trace = trace
        self.traceBodyLimit = traceBodyLimit
        self.isCancelled = isCancelled
        self.sleep = sleep
        self.random = random
    }

    /// Reads `M365_CA_BUNDLE` and `M365_CONNECT_TO` (comma separated) from `environment`, or
    /// from the process environment when it is nil. `clientTag` becomes the
    /// `X-ClientService-ClientTag` header SharePoint asks tools to send.
    public static func fromEnvironment(version: String, clientTag: String? = nil,
                                       environment: [String: String]? = nil) -> HTTPClientConfiguration {
        func value(_ name: String) -> String? {
            let v: String?
            if let environment { v = environment[name] } else { v = getenv(name).map { String(cString: $0) } }
            guard let v, !v.isEmpty else { return nil }
            return v
        }
        var c = HTTPClientConfiguration(userAgent: defaultUserAgent(version: version))
        c.caBundle = value("M365_CA_BUNDLE")
        c.connectTo = parseConnectTo(value("M365_CONNECT_TO") ?? "")
        if let clientTag, !clientTag.isEmpty { c.extraHeaders.append((name: "X-ClientService-ClientTag", value: clientTag)) }
        return c
    }

    /// Splits a comma-separated list of connect-to entries, dropping blanks.
    public static func parseConnectTo(_ text: String) -> [String] {
        text.split(separator: ",").map { trim(String($0)) }.filter { !$0.isEmpty }
    }
}

/// The parts of a URL's authority that security decisions are made on: scheme, user-info, host
/// (lower-cased, without brackets) and port. Every judgement of a URL's host (tokens over plain
/// HTTP, redirects, proxies, audiences) reads this one parse, never a prefix of the text.
public struct URLParts: Sendable {
    public var scheme = ""
    /// The `user:password@` part, when present: such URLs are refused wherever a token may go.
    public var userInfo: String?
    public var host = ""
    public var port: Int?
    /// http or https with a host.
    public var valid = false

    public init(_ url: String) {
        guard let schemeEnd = url.firstRange(of: "://") else { return }
        scheme = url[..<schemeEnd.lowerBound].lowercased()
        var rest = url[schemeEnd.upperBound...]
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" || $0 == "\\" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") {
            userInfo = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
        }
        var hostPart = Substring(rest)
        if hostPart.hasPrefix("["), let close = hostPart.firstIndex(of: "]") {
            host = String(hostPart[hostPart.index(after: hostPart.startIndex)..<close])
            hostPart = hostPart[hostPart.index(after: close)...]
            if hostPart.hasPrefix(":") { port = Int(hostPart.dropFirst()) }
        } else if let colon = hostPart.lastIndex(of: ":") {
            host = String(hostPart[..<colon])
            port = Int(hostPart[hostPart.index(after: colon)...])
        } else {
            host = String(hostPart)
        }
        host = host.lowercased()
        if host.hasSuffix(".") { host.removeLast() }
        valid = (scheme == "https" || scheme == "http") && !host.isEmpty
    }

    /// `localhost`, `::1` or an IPv4 address in 127.0.0.0/8 written as four decimal numbers:
    /// the only hosts that may see a token over plain HTTP (`127.evil.example` is not one).
    public var isLoopback: Bool {
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return false }
        for octet in octets {
            guard (1...3).contains(octet.count), octet.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int(octet), n <= 255 else { return false }
        }
        return octets[0] == "127"
    }
}

func trim(_ s: String) -> String {
    // By scalar: "\r\n" is one Character.
    let scalars = s.unicodeScalars
    func space(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\r" || c == "\n" }
    guard let first = scalars.firstIndex(where: { !space($0) }), let last = scalars.lastIndex(where: { !space($0) }) else { return "" }
    return String(scalars[first...last])
}
