import JSONModel
import TextEncodings

/// The Microsoft 365 clouds `--cloud` selects, with the hosts each one signs in and calls at.
public enum Cloud: String, CaseIterable, Sendable {
    case Public, USGov, USGovHigh, USGovDoD, China

    public var loginHost: String {
        switch self {
        case .Public, .USGov: return "login.microsoftonline.com"
        case .USGovHigh, .USGovDoD: return "login.microsoftonline.us"
        case .China: return "login.chinacloudapi.cn"
        }
    }

    public var graphOrigin: String {
        switch self {
        case .Public, .USGov: return "https://graph.microsoft.com"
        case .USGovHigh: return "https://graph.microsoft.us"
        case .USGovDoD: return "https://dod-graph.microsoft.us"
        case .China: return "https://microsoftgraph.chinacloudapi.cn"
        }
    }
}

/// The origin of a URL (`https://contoso.sharepoint.com/sites/a` → `https://contoso.sharepoint.com`):
/// the audience of the token a request to it needs. Nil for a URL with user-info.
public func origin(of url: String) -> String? {
    let scalars = Array(url.utf8)
    guard let colon = scalars.firstIndex(of: UInt8(ascii: ":")), colon > 0,
          scalars.count > colon + 2, scalars[colon + 1] == UInt8(ascii: "/"), scalars[colon + 2] == UInt8(ascii: "/") else { return nil }
    let hostStart = colon + 3
    let hostEnd = scalars[hostStart...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? scalars.count
    // A URL with user-info (`https://a@b/`) has no origin we trust: its host is easily misread.
    guard hostEnd > hostStart, !scalars[hostStart..<hostEnd].contains(UInt8(ascii: "@")) else { return nil }
    return String(decoding: scalars[..<hostEnd], as: UTF8.self).lowercased()
}

/// application/x-www-form-urlencoded, as the token endpoints take it.
public func formEncode(_ fields: [(String, String)]) -> String {
    fields.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
}

