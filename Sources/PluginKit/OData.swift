import Glibc

/// OData URL pieces shared by the Graph and SharePoint plugins.
public enum OData {
    /// A string literal: `'O''Brien'`.
    public static func quote(_ value: String) -> String {
        var out = "'"
        for character in value { out += character == "'" ? "''" : String(character) }
        return out + "'"
    }

    /// `?name=value&…` for the pairs that have a value (nil values are left out).
    public static func query(_ pairs: [(String, String?)]) -> String {
        let parts = pairs.compactMap { name, value in value.map { "\(name)=\(percentEncode($0))" } }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }

    /// A path segment (a user principal name, an id), percent-encoded.
    public static func segment(_ value: String) -> String { percentEncode(value) }
}

/// Waits `seconds`, waking every 100 ms to honour Ctrl-C.
public func pause(seconds: Double, invocation: Invocation) throws(PluginFailure) {
    var remaining = seconds
    while remaining > 0 {
        if invocation.isCancelled { throw PluginFailure("cancelled", status: M365_ERR_CANCELLED) }
        let step = min(remaining, 0.1)
        var request = timespec(tv_sec: 0, tv_nsec: Int(step * 1_000_000_000))
        _ = nanosleep(&request, nil)
        remaining -= step
    }
}
