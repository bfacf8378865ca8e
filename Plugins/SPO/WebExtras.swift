import PluginKit

/// `spo web rule|alert …`, `web clientsidewebpart list`, `web installedlanguage list`,
/// `web reindex` and `web retentionlabel list`.
enum WebExtraCommands {
    static let webUrl = option(.webUrl, "u", "URL of the site", required: true)

    /// `spo web reindex`: bumps `vti_searchversion` in the web's property bag; on a no-script
    /// site, first in each crawled list's root folder (and then, as the CLI, still the web's).
    static func reindex(_ spo: SPOClient, _ options: Options) throws(PluginFailure) {
        let web = try spo.webURL(options, .url)
        let current = try PropertyBagCommands.webIdentity(spo, web)
        var check = CSOMRequest()
        let query = check.query(check.identity(current.identity), properties: ["EffectiveBasePermissions"])
        guard let low = try spo.processQuery(check, at: web)[query]?["EffectiveBasePermissions"]?["Low"]?.numberValue else {
            throw PluginFailure("Cannot proceed. EffectiveBasePermissions not found", status: M365_ERR_SERVER)
        }
        // AddAndCustomizePages (permission 20) missing: a no-script site.
        if (UInt64(low) >> 19) & 1 == 0 {
            spo.invocation.log("Site is a no-script site. Reindexing lists instead...")
            try spo.forEachItem(web + "/_api/web/lists?$select=NoCrawl,Title,RootFolder/Properties,RootFolder/ServerRelativeUrl&$expand=RootFolder/Properties") { list throws(PluginFailure) in
                if list["NoCrawl"]?.boolValue == true { return }
                guard let root = list["RootFolder"]?["ServerRelativeUrl"]?.stringValue else { return }
                let version = searchVersion(list["RootFolder"]?["Properties"]?["vti_x005f_searchversion"])
                let identity = try PropertyBagCommands.folderIdentity(spo, web: web, webIdentity: current.identity, path: root)
                try PropertyBagCommands.write(spo, web: web, identity: identity, folder: true, key: "vti_searchversion", value: String(version + 1))
            }
        }
        let properties = try spo.get(web + "/_api/web/allproperties")
        let version = searchVersion(properties["vti_x005f_searchversion"])
        try PropertyBagCommands.write(spo, web: web, identity: current.identity, folder: false, key: "vti_searchversion", value: String(version + 1))
    }

    /// A search version as stored (a number, or its text); 0 when absent.
    static func searchVersion(_ value: JSON?) -> Int {
        if let n = value?.numberValue { return Int(n) }
        return value?.stringValue.flatMap { Int($0) } ?? 0
    }

    static let all: [PluginCommand] = [
        command("web rule list", "Lists all SharePoint list alerts", aliases: ["web alert list"],
                options: [option(.webUrl, "u", "URL of the site", required: true), option(.listId, nil, "ID of the list whose alerts to list"),
                          option(.listUrl, nil, "Server- or site-relative URL of the list"), option(.listTitle, nil, "Title of the list"),
                          option(.userName, nil, "UPN of the user whose alerts to list"), option(.userId, nil, "Entra ID of the user whose alerts to list")],
                defaults: ["ID", "Title", "UserPrincipalName"],
                examples: [("A site's alerts", "m365 spo web rule list --webUrl https://contoso.sharepoint.com/sites/Marketing"),
                           ("One user's on one list", "m365 spo web rule list --webUrl https://contoso.sharepoint.com/sites/Marketing --listTitle Documents --userName john@contoso.com")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let given = options.string(.webUrl) ?? ""
            guard given.lowercased().hasPrefix("https://") || given.hasPrefix("/") else { throw usage("'\(given)' is not a valid SharePoint site URL.") }
            if let id = options.string(.listId), !isGUID(id) { throw usage("Invalid UUID: '\(id)' for --listId") }
            if let id = options.string(.userId), !isGUID(id) { throw usage("Invalid UUID: '\(id)' for --userId") }
            if let upn = options.string(.userName), !upn.contains("@") { throw usage("'\(upn)' is not a valid UPN.") }
            if [OptionKey<String>.listId, .listUrl, .listTitle].filter({ options.has($0) }).count > 1 {
                throw usage("Specify either listId, listUrl, or listTitle, but not more than one.")
            }
            if options.has(.userName) && options.has(.userId) { throw usage("Specify either userName or userId, but not both.") }
            let web = try spo.webURL(options, .webUrl)
            var filters: [String] = []
            var listId = options.string(.listId)
            if listId == nil, options.has(.listTitle) || options.has(.listUrl) {
                listId = try spo.get(try ListSelector.forItems.path(web, options) + "?$select=Id")["Id"]?.stringValue
            }
            if let listId { filters.append("List/Id%20eq%20guid'\(percentEncode(listId))'") }
            var upn = options.string(.userName)
            if upn == nil, let id = options.string(.userId) { upn = try spo.userPrincipalName(entraId: id) }
            if let upn { filters.append("User/UserPrincipalName%20eq%20'\(percentEncode(upn.replacing("'", with: "''")))'") }
            var url = web + "/_api/web/alerts?$expand=List,User,List/Rootfolder,Item&$select=*,List/Id,List/Title,List/Rootfolder/ServerRelativeUrl,Item/ID,Item/FileRef,Item/Guid"
            if !filters.isEmpty { url += "&$filter=" + filters.joined(separator: "%20and%20") }
            // As the CLI: text, csv and md output show the user's UPN beside the alert.
            let text = ["text", "csv", "md"].contains(spo.invocation.outputMode)
            try spo.list(url) { alert in
                var out = alert
                if var item = alert["Item"]?.objectValue {
                    item["ID"] = nil
                    out["Item"] = .object(item)
                }
                if text { out["UserPrincipalName"] = alert["User"]?["UserPrincipalName"] ?? .null }
                return out
            }
        },

        command("web rule remove", "Removes an alert from a SharePoint list", aliases: ["web alert remove"],
                options: [option(.webUrl, "u", "URL of the site", required: true), option(.id, nil, "ID of the alert", required: true), forceOption],
                examples: [("Without a prompt", "m365 spo web rule remove --webUrl https://contoso.sharepoint.com/sites/Marketing --id 7cbb4c8d-8e4d-4d2e-9c6f-3f1d8b2e6a0e --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let given = options.string(.webUrl) ?? ""
            guard given.lowercased().hasPrefix("https://") || given.hasPrefix("/") else { throw usage("'\(given)' is not a valid SharePoint URL.") }
            let id = options.string(.id) ?? ""
            if !isGUID(id) { throw usage("Invalid UUID: '\(id)' for --id") }
            let web = try spo.webURL(options, .webUrl)
            guard try spo.invocation.confirmed(options, "Are you sure you want to remove the alert with id '\(id)' from site '\(web)'?",
                                               needing: "removing the alert \(id)") else { return }
            try spo.send("DELETE", web + "/_api/web/Alerts/DeleteAlert('\(percentEncode(id))')")
        },

        command("web clientsidewebpart list", "Lists available client-side web parts", options: [webUrl],
                examples: [("A site's web parts", "m365 spo web clientsidewebpart list --webUrl https://contoso.sharepoint.com")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            let answer = try spo.get(web + "/_api/web/GetClientSideWebParts")
            var out: [JSON] = []
            for component in answer["value"]?.arrayValue ?? [] where component["ComponentType"]?.intValue == 1 {
                let id = (component["Id"]?.stringValue ?? "").replacing("{", with: "").replacing("}", with: "")
                let manifest = component["Manifest"]?.stringValue.flatMap { try? JSON.parse($0) }
                let title = manifest?["preconfiguredEntries"]?[0]?["title"]?["default"] ?? .null
                out.append(["Id": .string(id), "Name": component["Name"] ?? .null, "Title": title])
            }
            try spo.invocation.emit(result: .array(out))
        },

        command("web installedlanguage list", "Lists all installed languages on site", options: [webUrl],
                defaults: ["DisplayName", "LanguageTag", "Lcid"],
                examples: [("A site's languages", "m365 spo web installedlanguage list --webUrl https://contoso.sharepoint.com")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            spo.invocation.log("Retrieving all installed languages on site \(web)...")
            try spo.invocation.emit(result: try spo.get(web + "/_api/web/RegionalSettings/InstalledLanguages")["Items"] ?? .array([]))
        },

        command("web reindex", "Requests reindexing the specified subsite", options: [option(.url, "u", "URL of the subsite to reindex", required: true)],
                examples: [("Reindex a subsite", "m365 spo web reindex --url https://contoso.sharepoint.com/subsite")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try reindex(spo, options)
        },

        command("web retentionlabel list", "Gets a list of retention labels that are available on a site", options: [webUrl],
                defaults: ["TagId", "TagName"],
                examples: [("A site's labels", "m365 spo web retentionlabel list --webUrl https://contoso.sharepoint.com/sites/visual")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            spo.invocation.log("Retrieving all retention labels that are available on \(web)...")
            try spo.list(web + "/_api/SP.CompliancePolicy.SPPolicyStoreProxy.GetAvailableTagsForSite(siteUrl=@a1)?@a1='\(percentEncode(web))'")
        },
    ]
}
