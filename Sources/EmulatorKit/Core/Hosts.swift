/// Which cloud a host belongs to; decides issuer, Graph root and SharePoint suffix.
public enum EmulatedCloud: String, Sendable, CaseIterable, Codable {
    case global = "Public"
    case usGov = "USGov"       // GCC High
    case usGovDoD = "USGovDoD" // DoD
    case china = "China"
    case germany = "Germany"

    /// The authority host a client would normally use for this cloud.
    public var loginHost: String {
        switch self {
        case .global: return "login.microsoftonline.com"
        case .usGov, .usGovDoD: return "login.microsoftonline.us"
        case .china: return "login.chinacloudapi.cn"
        case .germany: return "login.microsoftonline.de"
        }
    }

    public var graphHost: String {
        switch self {
        case .global: return "graph.microsoft.com"
        case .usGov: return "graph.microsoft.us"
        case .usGovDoD: return "dod-graph.microsoft.us"
        case .china: return "microsoftgraph.chinacloudapi.cn"
        case .germany: return "graph.microsoft.de"
        }
    }

    public var sharePointSuffix: String {
        switch self {
        case .global: return "sharepoint.com"
        case .usGov: return "sharepoint.us"
        case .usGovDoD: return "sharepoint-mil.us"
        case .china: return "sharepoint.cn"
        case .germany: return "sharepoint.de"
        }
    }

    /// Issuer of v1 access tokens (`iss`).
    public func v1Issuer(tenantId: String) -> String {
        switch self {
        case .global: return "https://sts.windows.net/\(tenantId)/"
        case .usGov, .usGovDoD: return "https://login.microsoftonline.us/\(tenantId)/"
        case .china: return "https://sts.chinacloudapi.cn/\(tenantId)/"
        case .germany: return "https://sts.microsoftonline.de/\(tenantId)/"
        }
    }

    public var cloudInstanceName: String {
        switch self {
        case .global: return "microsoftonline.com"
        case .usGov, .usGovDoD: return "microsoftonline.us"
        case .china: return "partner.microsoftonline.cn"
        case .germany: return "microsoftonline.de"
        }
    }

    public var deviceLoginURI: String {
        switch self {
        case .global, .germany: return "https://microsoft.com/devicelogin"
        case .usGov, .usGovDoD: return "https://microsoft.com/deviceloginus"
        case .china: return "https://microsoft.com/deviceloginchina"
        }
    }
}

public enum SharePointHostKind: String, Sendable { case root, admin, my }

/// The service a request is for, decided by its Host header.
public enum ServiceHost: Sendable, Equatable {
    case identity(EmulatedCloud)
    case graph(EmulatedCloud)
    case sharePoint(tenantName: String, kind: SharePointHostKind, cloud: EmulatedCloud)
    /// The device-code verification pages (microsoft.com/devicelogin and friends).
    case deviceLogin
    /// Azure Resource Manager (tenants and subscriptions, for clients signing in).
    case resourceManager
    case unknown

    static let identityHosts: [String: EmulatedCloud] = [
        "login.microsoftonline.com": .global, "login.windows.net": .global, "login.microsoft.com": .global,
        "sts.windows.net": .global, "login-us.microsoftonline.com": .usGov,
        "login.microsoftonline.us": .usGov, "login.chinacloudapi.cn": .china,
        "login.partner.microsoftonline.cn": .china, "login.microsoftonline.de": .germany,
    ]

    static let graphHosts: [String: EmulatedCloud] = [
        "graph.microsoft.com": .global, "canary.graph.microsoft.com": .global, "graph.microsoft.us": .usGov,
        "dod-graph.microsoft.us": .usGovDoD, "microsoftgraph.chinacloudapi.cn": .china, "graph.microsoft.de": .germany,
    ]

    static let deviceLoginHosts: Set<String> = ["microsoft.com", "www.microsoft.com"]

    public static func classify(_ host: String) -> ServiceHost {
        if let c = identityHosts[host] { return .identity(c) }
        if let c = graphHosts[host] { return .graph(c) }
        if deviceLoginHosts.contains(host) { return .deviceLogin }
        if ResourceManagerService.hosts.contains(host) { return .resourceManager }
        for cloud in EmulatedCloud.allCases {
            let suffix = "." + cloud.sharePointSuffix
            guard host.hasSuffix(suffix) else { continue }
            let label = String(host.dropLast(suffix.count))
            guard !label.isEmpty, !label.contains(".") else { return .unknown }
            if label.hasSuffix("-admin") { return .sharePoint(tenantName: String(label.dropLast(6)), kind: .admin, cloud: cloud) }
            if label.hasSuffix("-my") { return .sharePoint(tenantName: String(label.dropLast(3)), kind: .my, cloud: cloud) }
            return .sharePoint(tenantName: label, kind: .root, cloud: cloud)
        }
        return .unknown
    }

    /// Every DNS name the server certificate must cover.
    public static var certificateNames: [String] {
        var names = Array(identityHosts.keys) + Array(graphHosts.keys) + Array(deviceLoginHosts) + Array(ResourceManagerService.hosts)
        for cloud in EmulatedCloud.allCases { names.append("*." + cloud.sharePointSuffix) }
        names.append("localhost")
        return names.sorted()
    }
}
