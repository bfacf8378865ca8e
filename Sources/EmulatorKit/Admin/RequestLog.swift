import Foundation
import JSONModel
import NIOConcurrencyHelpers

/// Records what clients sent (secrets redacted) so tests can assert on it: kept in memory for
/// `GET /_emulator/requests` and optionally appended to a JSON-lines file.
public final class RequestLog: @unchecked Sendable {
    private let lock = NIOLock()
    private var entries: [JSON] = []
    private let file: FileHandle?
    private static let limit = 10_000

    static let secretHeaders: Set<String> = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-identity-header", "secret",
                                             "x-requestdigest"]
    static let secretFields: Set<String> = ["password", "client_secret", "client_assertion", "refresh_token", "device_code", "code",
                                            "assertion", "passwd", "access_token", "id_token"]

    public init(path: String?) throws {
        if let path {
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            guard let h = FileHandle(forWritingAtPath: path) else { throw EmulatorError.configuration("cannot write request log \(path)") }
            h.seekToEndOfFile()
            file = h
        } else {
            file = nil
        }
    }

    /// `extra` fields go before `status` (a `$batch` item carries `"batchItem": true`).
    /// `streamedBodyLength` is the byte count of a body that went to disk instead of `req.body`.
    public func record(_ req: EmulatorRequest, status: Int, fault: FaultDecision?, durationMs: Double, extra: [(String, JSON)] = [],
                       streamedBodyLength: Int64? = nil) {
        var headers: [(String, JSON)] = []
        for (name, value) in req.headers {
            let lower = name.lowercased()
            if Self.secretHeaders.contains(lower) {
                let scheme = value.split(separator: " ").first.map(String.init)
                headers.append((lower, .string(lower.hasSuffix("authorization") && scheme != nil && value.contains(" ") ? "\(scheme!) [REDACTED]" : "[REDACTED]")))
            } else {
                headers.append((lower, .string(value)))
            }
        }
        var pairs: [(String, JSON)] = [
            ("time", .string(Util.iso8601(Date()))), ("method", .string(req.method.rawValue)), ("host", .string(req.host)),
            ("path", .string(req.path)), ("query", .string(Self.redactForm(req.rawQuery))),
            ("target", .string(req.rawQuery.isEmpty ? req.path : req.path + "?" + Self.redactForm(req.rawQuery))),
            ("headers", .object(JSONObject(headers))),
        ]
        if req.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
            let form = FormEncoding.decode(req.bodyString)
            pairs.append(("form", .object(JSONObject(form.keys.sorted().map { k in
                (k, .string(Self.secretFields.contains(k.lowercased()) ? "[REDACTED]" : form[k]!))
            }))))
        } else {
            pairs.append(("bodyLength", streamedBodyLength.map { JSON(Int($0)) } ?? JSON(req.body.count)))
        }
        pairs.append(contentsOf: extra)
        pairs.append(("status", JSON(status)))
        if let fault, !fault.ruleIds.isEmpty {
            let action: String
            switch fault.action {
            case .none: action = "latency"
            case let .status(s, _): action = String(s)
            case .html: action = "html"
            case .redirect: action = "redirect"
            case .reset: action = "reset"
            case .truncate: action = "truncate"
            }
            pairs.append(("fault", .string(action)))
            if fault.delayMilliseconds > 0 { pairs.append(("addedLatencyMs", JSON(fault.delayMilliseconds))) }
        }
        pairs.append(("durationMs", .number((durationMs * 1000).rounded() / 1000)))
        let entry = JSON.object(JSONObject(pairs))
        lock.withLock {
            // Drop the older half at once: amortized O(1) instead of a shift per request.
            if entries.count >= Self.limit { entries.removeFirst(Self.limit / 2) }
            entries.append(entry)
            file?.write(Data((entry.serialized() + "\n").utf8))
        }
    }

    static func redactForm(_ s: String) -> String {
        guard !s.isEmpty else { return s }
        return s.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            let kv = pair.split(separator: "=", maxSplits: 1)
            if let k = kv.first, secretFields.contains(FormEncoding.percentDecode(String(k)).lowercased()) { return "\(k)=[REDACTED]" }
            return String(pair)
        }.joined(separator: "&")
    }

    public var all: [JSON] { lock.withLock { entries } }

    public func clear() { lock.withLock { entries.removeAll() } }
}
