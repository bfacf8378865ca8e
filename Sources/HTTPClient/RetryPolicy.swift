/// When to send a request again, and how long to wait first. Pure: no clock, no randomness
/// of its own, so every rule is unit-tested.
///
/// - 429 and 503 mean the server did not process the request: any method is retried after
///   `Retry-After` (delta-seconds or an HTTP-date, capped at `maxRetryAfterSeconds`), or after
///   the backoff when the header is missing.
/// - 500, 502 and 504 may come after the server acted: only idempotent requests are retried,
///   with exponential backoff and jitter.
/// - A transport failure before the request went out (connection refused, TLS handshake
///   failure, connect timeout) is retried for every method; after it went out (reset, cut-off
///   body, low-speed timeout) only for idempotent requests.
/// - At most `maxRetries` retries.
public struct RetryPolicy: Sendable {
    public var maxRetries: Int
    public var maxRetryAfterSeconds: Double
    public var backoffBaseSeconds: Double
    public var backoffMaxSeconds: Double

    public init(maxRetries: Int = 5, maxRetryAfterSeconds: Double = 60, backoffBaseSeconds: Double = 1, backoffMaxSeconds: Double = 30) {
        self.maxRetries = maxRetries
        self.maxRetryAfterSeconds = maxRetryAfterSeconds
        self.backoffBaseSeconds = backoffBaseSeconds
        self.backoffMaxSeconds = backoffMaxSeconds
    }

    /// What one attempt ended with.
    public enum Outcome: Sendable, Equatable {
        /// A complete response.
        case response(status: Int, retryAfter: String?)
        /// No complete response. `transient`: worth trying again at all; `requestSent`: the
        /// server may have received (and acted on) the request.
        case failure(transient: Bool, requestSent: Bool)
    }

    /// The methods whose repetition has the same effect as one request (RFC 9110 §9.2.2).
    public static func isIdempotent(method: String) -> Bool {
        switch method.uppercased() {
        case "GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE": return true
        default: return false
        }
    }

    /// Seconds to wait before the next attempt, or nil to stop. `retriesSoFar` counts retries
    /// already made (0 after the first attempt); `random` is uniform in [0, 1); `now` is the
    /// Unix time, for HTTP-date Retry-After values.
    public func delay(after outcome: Outcome, idempotent: Bool, retriesSoFar: Int, random: () -> Double, now: Int) -> Double? {
        guard retriesSoFar < maxRetries else { return nil }
        switch outcome {
        case let .response(status, retryAfter):
            switch status {
            case 429, 503:
                if let retryAfter, let seconds = Self.retryAfterSeconds(retryAfter, now: now) {
                    return min(seconds, maxRetryAfterSeconds)
                }
                return backoff(retry: retriesSoFar, random: random)
            case 500, 502, 504:
                return idempotent ? backoff(retry: retriesSoFar, random: random) : nil
            default:
                return nil
            }
        case let .failure(transient, requestSent):
            guard transient, idempotent || !requestSent else { return nil }
            return backoff(retry: retriesSoFar, random: random)
        }
    }

    /// The wait before retry number `retry` + 1: "equal jitter", uniformly between half and all
    /// of min(max, base·2^retry).
    public func backoff(retry: Int, random: () -> Double) -> Double {
        let exponential = backoffBaseSeconds * Double(1 << min(max(retry, 0), 30))
        let ceiling = min(backoffMaxSeconds, exponential)
        let r = min(max(random(), 0), 1)
        return ceiling / 2 + r * ceiling / 2
    }

    /// Parses a Retry-After value: delta-seconds ("120") or an HTTP-date in any of the three
    /// formats of RFC 9110 §5.6.7. A date in the past gives 0. Nil when unparseable.
    public static func retryAfterSeconds(_ value: String, now: Int) -> Double? {
        let v = trim(value)
        guard !v.isEmpty else { return nil }
        if v.allSatisfy({ $0.isASCII && $0.isNumber }) {
            return Double(v)
        }
        guard let date = httpDate(v) else { return nil }
        return Double(max(0, date - now))
    }

    /// Unix time of an HTTP-date: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the obsolete
    /// RFC 850 form ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994").
    public static func httpDate(_ text: String) -> Int? {
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" }).map { String($0) }
        var month: Int?
        var numbers: [String] = []
        var clock: [Int]?
        for t in tokens {
            if t.contains(":") {
                let parts = t.split(separator: ":").compactMap { Int($0) }
                guard parts.count == 3 else { return nil }
                clock = parts
            } else if let m = months.firstIndex(of: t.lowercased()) {
                month = m + 1
            } else if t.allSatisfy({ $0.isASCII && $0.isNumber }) {
                numbers.append(t)
            }
        }
        guard let month, let clock, numbers.count == 2 else { return nil }
        // The year is the 4-digit number (or, in RFC 850, the 2-digit one after the day).
        var dayText = numbers[0], yearText = numbers[1]
        if numbers[0].count == 4 { swap(&dayText, &yearText) }
        guard let day = Int(dayText), var year = Int(yearText), (1...31).contains(day) else { return nil }
        if yearText.count == 2 { year += year < 70 ? 2000 : 1900 }
        guard (0...23).contains(clock[0]), (0...59).contains(clock[1]), (0...60).contains(clock[2]) else { return nil }
        return daysFromCivil(year: year, month: month, day: day) * 86400 + clock[0] * 3600 + clock[1] * 60 + clock[2]
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
