import Foundation
import JSONModel
import NIOConcurrencyHelpers

/// One fault-injection rule. Without `count` or `rate` it hits every matching request.
public struct FaultRule: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case throttle = "429"
        case unavailable = "503"
        case latency
        case reset
        case truncate
        case html
        /// A redirect to `location` (status 302 unless a 3xx `status` is given): for clients'
        /// redirect rules, e.g. that HTTPS is never downgraded to plain HTTP.
        case redirect
    }

    public var id: String
    public var kind: Kind
    /// Hit only the next N matching requests.
    public var count: Int?
    /// Hit this fraction (0…1) of matching requests, drawn from the seeded generator.
    public var rate: Double?
    /// Retry-After seconds for 429/503.
    public var retryAfter: Int
    /// Added delay for `latency`.
    public var milliseconds: Int
    /// HTTP status of the `html` error page.
    public var status: Int
    /// Only requests to this host (exact, case-insensitive) …
    public var host: String?
    /// … and/or whose path starts with this prefix.
    public var pathPrefix: String?
    /// Where a `redirect` points.
    public var location: String?

    public init(kind: Kind, count: Int? = nil, rate: Double? = nil, retryAfter: Int = 1, milliseconds: Int = 0,
                status: Int = 500, host: String? = nil, pathPrefix: String? = nil) {
        self.id = String(Util.newGUID().prefix(8))
        self.kind = kind
        self.count = count
        self.rate = rate
        self.retryAfter = retryAfter
        self.milliseconds = milliseconds
        self.status = status
        self.host = host
        self.pathPrefix = pathPrefix
    }

    /// Parses the `--fault` syntax: `KIND[:key=value,...]`, e.g. `429:count=3,retry-after=2,host=graph.microsoft.com`.
    public static func parse(_ spec: String) throws -> FaultRule {
        let parts = spec.split(separator: ":", maxSplits: 1)
        guard let first = parts.first, let kind = Kind(rawValue: String(first).lowercased()) else {
            throw EmulatorError.usage("unknown fault kind in '\(spec)'; expected one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var rule = FaultRule(kind: kind)
        if parts.count > 1 {
            for option in parts[1].split(separator: ",") {
                let kv = option.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2 else { throw EmulatorError.usage("fault option '\(option)' is not key=value") }
                try rule.set(kv[0], kv[1])
            }
        }
        return rule
    }

    mutating func set(_ key: String, _ value: String) throws {
        func int() throws -> Int {
            guard let v = Int(value), v >= 0 else { throw EmulatorError.usage("fault option \(key) needs a non-negative integer") }
            return v
        }
        switch key.lowercased() {
        case "count": count = try int()
        case "rate":
            guard let r = Double(value), r >= 0, r <= 1 else { throw EmulatorError.usage("fault rate must be between 0 and 1") }
            rate = r
        case "retry-after", "retryafter": retryAfter = try int()
        case "ms", "milliseconds": milliseconds = try int()
        case "status": status = try int()
        case "host": host = value.lowercased()
        case "path", "pathprefix": pathPrefix = value
        case "location": location = value
        default: throw EmulatorError.usage("unknown fault option '\(key)'")
        }
    }

    /// The admin API's form: `{"spec":"429:count=3"}` or `{"kind":"429","count":3,…}`, where each
    /// option may be a JSON number or a string (`"count":"3"`) and goes through `set` as text.
    public init(json: JSON) throws {
        if let spec = json["spec"]?.stringValue {
            self = try FaultRule.parse(spec)
            return
        }
        guard let k = json["kind"]?.scalarText, let kind = Kind(rawValue: k.lowercased()) else {
            throw EmulatorError.usage("'kind' must be one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.init(kind: kind)
        if let options = json.objectValue {
            for (key, value) in options where key != "kind" {
                guard let s = value.scalarText else { continue }
                try set(key, s)
            }
        }
    }

    public var json: JSON {
        ["id": .string(id), "kind": .string(kind.rawValue), "count": count.map { JSON($0) } ?? .null,
         "rate": rate.map { .number($0) } ?? .null, "retryAfter": JSON(retryAfter), "milliseconds": JSON(milliseconds),
         "status": JSON(status), "host": JSON(host), "pathPrefix": JSON(pathPrefix), "location": JSON(location)]
    }

    func matches(host requestHost: String, path: String) -> Bool {
        if let host, host != requestHost { return false }
        if let pathPrefix, !path.lowercased().hasPrefix(pathPrefix.lowercased()) { return false }
        return true
    }
}

/// What to do to one request.
public struct FaultDecision: Sendable {
    public var delayMilliseconds = 0
    public var action: Action = .none
    public var ruleIds: [String] = []

    public enum Action: Sendable, Equatable {
        case none
        case status(Int, retryAfter: Int)
        case html(Int)
        case redirect(Int, location: String)
        case reset
        case truncate
    }
}

/// Holds the active rules and a seeded generator, so a run with `--random-seed N` injects the
/// same faults into the same request sequence every time.
public final class FaultInjector: @unchecked Sendable {
    private let lock = NIOLock()
    private var rules: [FaultRule]
    private var rng: SplitMix64

    public init(rules: [FaultRule], seed: UInt64?) {
        self.rules = rules
        self.rng = SplitMix64(seed: seed ?? UInt64.random(in: 0...UInt64.max))
    }

    public var activeRules: [FaultRule] { lock.withLock { rules } }

    public func add(_ rule: FaultRule) { lock.withLock { rules.append(rule) } }

    public func removeAll() { lock.withLock { rules.removeAll() } }

    @discardableResult
    public func remove(id: String) -> Bool {
        lock.withLock {
            let before = rules.count
            rules.removeAll { $0.id == id }
            return rules.count != before
        }
    }

    public func reseed(_ seed: UInt64) { lock.withLock { rng = SplitMix64(seed: seed) } }

    public func decide(host: String, path: String) -> FaultDecision {
        lock.withLock {
            var d = FaultDecision()
            guard !rules.isEmpty else { return d }
            var i = 0
            while i < rules.count {
                var rule = rules[i]
                guard rule.matches(host: host, path: path) else { i += 1; continue }
                // Latency adds up with other faults; the first other fault that fires wins.
                if rule.kind != .latency && d.action != .none { i += 1; continue }
                if let rate = rule.rate, rng.nextDouble() >= rate { i += 1; continue }
                if let c = rule.count {
                    if c <= 0 { rules.remove(at: i); continue }
                    rule.count = c - 1
                    rules[i] = rule
                }
                d.ruleIds.append(rule.id)
                switch rule.kind {
                case .latency: d.delayMilliseconds += rule.milliseconds
                case .throttle: d.action = .status(429, retryAfter: rule.retryAfter)
                case .unavailable: d.action = .status(503, retryAfter: rule.retryAfter)
                case .html: d.action = .html(rule.status)
                case .redirect: d.action = .redirect((300..<400).contains(rule.status) ? rule.status : 302, location: rule.location ?? "/")
                case .reset: d.action = .reset
                case .truncate: d.action = .truncate
                }
                if rule.count == 0 { rules.remove(at: i) } else { i += 1 }
            }
            return d
        }
    }
}

/// A tiny deterministic generator (SplitMix64): same seed, same sequence, on every platform.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func nextDouble() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
