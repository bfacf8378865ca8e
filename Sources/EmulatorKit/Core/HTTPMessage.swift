import Foundation
import JSONModel
import NIOHTTP1
import TextEncodings

/// A fully received request, independent of NIO so services stay plain functions.
public struct EmulatorRequest: Sendable {
    public var method: HTTPMethod
    /// Lower-cased host name without the port (from the Host header).
    public var host: String
    /// The port the request came in on (lets the managed-identity listener tell itself apart).
    public var listener: Listener
    public var path: String
    public var rawQuery: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var remoteAddress: String
    /// Set by a service once the bearer token was validated, before its router runs.
    public var auth: ValidatedToken?

    public enum Listener: Sendable { case https, managedIdentity }

    /// Path plus query exactly as sent.
    public var target: String { rawQuery.isEmpty ? path : path + "?" + rawQuery }

    public var query: [String: String] { FormEncoding.decode(rawQuery) }

    public func header(_ name: String) -> String? { headers.first(name: name) }

    public var bodyString: String { String(decoding: body, as: UTF8.self) }

    /// Form fields of an `application/x-www-form-urlencoded` body.
    public var form: [String: String] { FormEncoding.decode(bodyString) }

    public var pathSegments: [Substring] { path.split(separator: "/", omittingEmptySubsequences: true) }
}

public struct EmulatorResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func json(_ value: JSON, status: HTTPResponseStatus = .ok,
                            contentType: String = "application/json; charset=utf-8") -> EmulatorResponse {
        var h = HTTPHeaders()
        h.add(name: "Content-Type", value: contentType)
        return EmulatorResponse(status: status, headers: h, body: Array(value.serialized().utf8))
    }

    public static func text(_ text: String, status: HTTPResponseStatus = .ok,
                            contentType: String = "text/plain; charset=utf-8") -> EmulatorResponse {
        var h = HTTPHeaders()
        h.add(name: "Content-Type", value: contentType)
        return EmulatorResponse(status: status, headers: h, body: Array(text.utf8))
    }

    public static func html(_ html: String, status: HTTPResponseStatus = .ok) -> EmulatorResponse {
        text(html, status: status, contentType: "text/html; charset=utf-8")
    }

    public func adding(header name: String, _ value: String) -> EmulatorResponse {
        var copy = self
        copy.headers.replaceOrAdd(name: name, value: value)
        return copy
    }
}

/// `application/x-www-form-urlencoded` and query-string coding.
public enum FormEncoding {
    public static func decode(_ s: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in s.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = percentDecode(String(parts[0]))
            let value = parts.count > 1 ? percentDecode(String(parts[1])) : ""
            if out[key] == nil { out[key] = value }
        }
        return out
    }

    public static func percentDecode(_ s: String) -> String { TextEncodings.formDecode(s) }

    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    public static func escape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}

/// Helpers for ids, times and encodings shared by the services.
public enum Util {
    public static func newGUID() -> String { UUID().uuidString.lowercased() }

    public static func isGUID(_ s: String) -> Bool { s.count == 36 && UUID(uuidString: s) != nil }

    /// Entra's error timestamp format: `2016-01-09 02:02:12Z`.
    public static func entraTimestamp(_ date: Date = Date()) -> String { Formatters.format(date, .entra) }

    /// Graph's innerError date: `2025-02-13T10:17:05`.
    public static func graphDate(_ date: Date = Date()) -> String { Formatters.format(date, .graph) }

    public static func iso8601(_ date: Date) -> String { Formatters.format(date, .iso) }

    public static func parseISO8601(_ s: String) -> Date? { Formatters.parseISO(s) }

    public static func randomToken(bytes: Int) -> String {
        var rng = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    public static func htmlEscape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

/// Date formatters are costly to create; these are made once and used under a lock (the
/// request log formats a date per request).
enum Formatters {
    /// `entra` 2016-01-09 02:02:12Z, `graph` 2016-01-09T02:02:12, `iso` 2016-01-09T02:02:12Z,
    /// `isoSevenDigits` 2016-01-09T02:02:12.3450000Z (.NET's round-trip form, as subscriptions show it).
    enum Kind { case entra, graph, iso, isoSevenDigits }

    private static let lock = NSLock()
    private static let entra = make("yyyy-MM-dd HH:mm:ss'Z'")
    private static let graph = make("yyyy-MM-dd'T'HH:mm:ss")
    private static let iso = make("yyyy-MM-dd'T'HH:mm:ss'Z'")
    private static let isoSevenDigits = make("yyyy-MM-dd'T'HH:mm:ss.SSS'0000Z'")
    nonisolated(unsafe) private static let isoParser: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f
    }()
    nonisolated(unsafe) private static let isoFractionalParser: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()

    private static func make(_ format: String) -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = format
        return f
    }

    static func format(_ date: Date, _ kind: Kind) -> String {
        lock.lock()
        defer { lock.unlock() }
        switch kind {
        case .entra: return entra.string(from: date)
        case .graph: return graph.string(from: date)
        case .iso: return iso.string(from: date)
        case .isoSevenDigits: return isoSevenDigits.string(from: date)
        }
    }

    static func parseISO(_ s: String) -> Date? {
        lock.lock()
        defer { lock.unlock() }
        return isoParser.date(from: s) ?? isoFractionalParser.date(from: s)
    }
}
