import PluginKit

/// What SharePoint keeps with a connection, as facts the host stores for the plugin (ABI 1.1):
/// the tenant's URL (`spoUrl`: from `spo connect <url>`, `spo set --url`, or learned from
/// Graph) and the client tag added to every SharePoint request (`spo connect --clientTag`).
enum SPOConnection {
    static let urlFact = "spoUrl"
    static let clientTagFact = "clientTag"

    /// `spo connect`'s own options, read before the sign-in: `--region` and
    /// `--authenticationUrl` (as Connect-SPOService) choose the cloud; the URL and the tag
    /// become facts of the new connection.
    static let connect = PluginCommand(commandSpec("connect", "Reads spo connect's options before the sign-in", options: [
        OptionSpec(name: "url", description: "URL of the SharePoint site (or tenant admin site)", readsFileReferences: false, positional: true),
        option(.region, nil, "The SharePoint region (as Connect-SPOService)", allowed: ["Default", "ITAR", "Germany", "China"], defaultValue: "Default"),
        option(.clientTag, nil, "Added to the X-ClientService-ClientTag header of SharePoint requests"),
        option(.authenticationUrl, nil, "The sign-in URL (as Connect-SPOService); its host selects the cloud"),
    ])) { invocation, options throws(PluginFailure) in
        var prepared = JSONObject()
        switch options.string(.region) {
        case "ITAR": prepared["cloud"] = "USGovHigh"
        case "China": prepared["cloud"] = "China"
        case "Germany": throw usage("The Germany region (Microsoft Cloud Deutschland) closed in 2021")
        default: break
        }
        if let url = options.string(.authenticationUrl) {
            // The sign-in host names the cloud.
            let host = SPOClient.host(url.lowercased())
            let clouds = [("login.microsoftonline.com", "Public"), ("login.microsoftonline.us", "USGovHigh"), ("login.chinacloudapi.cn", "China")]
            guard url.lowercased().hasPrefix("https://"), let cloud = clouds.first(where: { host == $0.0 || host.hasSuffix("." + $0.0) }) else {
                throw usage("'\(url)' is not a Microsoft sign-in URL (login.microsoftonline.com, login.microsoftonline.us, login.chinacloudapi.cn)")
            }
            if cloud.1 != "Public" || prepared["cloud"] == nil { prepared["cloud"] = .string(cloud.1) }
        }
        var facts = JSONObject()
        if let url = options.string(.url) { facts[urlFact] = .string(try tenantRoot(url)) }
        if let tag = options.string(.clientTag) { facts[clientTagFact] = .string(tag) }
        prepared["facts"] = .object(facts)
        try invocation.emit(result: .object(prepared))
    }

    static let commands: [PluginCommand] = [
        PluginCommand(commandSpec("set", "Sets the SharePoint URL of the connection (differs from CLI for Microsoft 365: it keeps the tenant's root URL, without a path or -admin, which server-relative URLs and the admin URL are built from)", options: [
            OptionSpec(name: "url", short: "u", required: true, description: "Root URL of the SharePoint tenant", readsFileReferences: false),
        ])) { invocation, options throws(PluginFailure) in
            try invocation.setConnectionFact(urlFact, try tenantRoot(options.string(.url) ?? ""))
        },
        PluginCommand(commandSpec("get", "Shows the SharePoint URL of the connection")) { invocation, _ throws(PluginFailure) in
            guard invocation.setting("connection.authType") != nil else {
                throw PluginFailure("Log in to Microsoft 365 first: run 'm365 login' (or 'm365 spo connect')", status: M365_ERR_AUTH_REQUIRED)
            }
            try invocation.emit(result: ["SpoUrl": .string(invocation.setting("connection.\(urlFact)") ?? "")])
        },
    ]

    /// `https://contoso-admin.sharepoint.com/sites/x` → `https://contoso.sharepoint.com`: the
    /// tenant's root, from which every site (the admin site included) is derived.
    static func tenantRoot(_ url: String) throws(PluginFailure) -> String {
        let host = SPOClient.host(url.lowercased())
        guard url.lowercased().hasPrefix("https://"), !host.isEmpty, !host.contains("@") else {
            throw usage("'\(url)' is not an absolute https URL")
        }
        return SPOClient.rootURL("https://" + host)
    }

    /// Every SharePoint request names its caller, as SharePoint asks (`m365/<version>` and the
    /// connection's client tag).
    static func requestHeaders(_ invocation: Invocation, _ url: String) -> [(name: String, value: String)] {
        guard SPOClient.host(url).contains(".sharepoint") else { return [] }
        let tag = ["m365/\(invocation.hostVersion)", invocation.setting("connection.\(clientTagFact)")].compactMap { $0 }.joined(separator: " ")
        return [("X-ClientService-ClientTag", tag)]
    }
}
