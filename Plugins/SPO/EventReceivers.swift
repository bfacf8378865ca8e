import PluginKit

/// `spo eventreceiver …`: event receivers of a web, its site collection or one of its lists.
enum EventReceiverCommands {
    static let webUrl = option(.webUrl, "u", "URL of the site the event receivers belong to", required: true)
    static let lists = [option(.listTitle, nil, "Title of the list (list event receivers)"), option(.listId, nil, "ID of the list"),
                        option(.listUrl, nil, "Server- or site-relative URL of the list")]
    static let scope = option(.scope, "s", "Scope: web (default) or site")
    static let name = option(.name, "n", "Name of the event receiver")
    static let receiverId = option(.id, "i", "ID of the event receiver")

    /// The CLI's checks, in its order; returns the scope (`web` unless given).
    static func checked(_ options: Options) throws(PluginFailure) -> String {
        let given = [OptionKey<String>.listId, .listTitle, .listUrl].filter { options.has($0) }
        if given.count > 1 { throw usage("Specify either list id or title or list url") }
        if let id = options.string(.listId), !isGUID(id) { throw usage("\(id) is not a valid GUID") }
        let scope = options.string(.scope) ?? "web"
        if !["web", "site"].contains(scope) { throw usage("\(scope) is not a valid type value. Allowed values web|site.") }
        if scope == "site" && !given.isEmpty { throw usage("Scope cannot be set to site when retrieving list event receivers.") }
        return scope
    }

    /// `{web}/_api/{scope}[/list]/eventreceivers`; `removal` addresses a list by id as the
    /// CLI's remove does (`lists('id')`).
    static func base(_ web: String, _ scope: String, _ options: Options, removal: Bool = false) -> String {
        var url = web + "/_api/" + scope
        if let id = options.string(.listId) {
            url += removal ? "/lists('\(id)')" : "/lists(guid'\(percentEncode(id))')"
        } else if let title = options.string(.listTitle) {
            url += "/lists/getByTitle('\(percentEncode(title.replacing("'", with: "''")))')"
        } else if let list = options.string(.listUrl) {
            url += "/GetList('\(percentEncode(SPOClient.serverRelative(listURL: list, web: web).replacing("'", with: "''")))')"
        }
        return url + "/eventreceivers"
    }

    /// One receiver by `--id` (SharePoint answers `odata.null` for none) or `--name`.
    static func find(_ spo: SPOClient, _ web: String, _ scope: String, _ options: Options) throws(PluginFailure) -> JSONObject {
        let url = base(web, scope, options)
        if let id = options.string(.id) {
            let found = try spo.get(url + "(guid'\(id)')")
            if found.isEmpty || found["odata.null"] != nil { throw PluginFailure("The specified event receiver '\(id)' does not exist.", status: M365_ERR_NOT_FOUND) }
            return found
        }
        let wanted = options.string(.name) ?? ""
        var matches: [JSONObject] = []
        try spo.forEachItem(url + "?$filter=receivername%20eq%20'\(percentEncode(wanted.replacing("'", with: "''")))'") { matches.append($0) }
        guard let first = matches.first else { throw PluginFailure("The specified event receiver '\(wanted)' does not exist.", status: M365_ERR_NOT_FOUND) }
        if matches.count > 1 {
            // Differs from CLI for Microsoft 365: it offers to pick one on a terminal; we name them.
            let ids = matches.compactMap { $0["ReceiverId"]?.stringValue }.joined(separator: ", ")
            throw PluginFailure("Multiple event receivers with name '\(wanted)' found. Found: \(ids).")
        }
        return first
    }

    static let all: [PluginCommand] = [
        command("eventreceiver list", "Retrieves event receivers for the specified web, site or list.", options: [webUrl] + lists + [scope],
                defaults: ["ReceiverId", "ReceiverName"],
                examples: [("A web's", "m365 spo eventreceiver list --webUrl https://contoso.sharepoint.com/sites/contoso-sales"),
                           ("A list's", "m365 spo eventreceiver list --webUrl https://contoso.sharepoint.com/sites/contoso-sales --listTitle Events")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let scope = try checked(options)
            let web = try spo.webURL(options, .webUrl)
            try spo.list(base(web, scope, options))
        },

        command("eventreceiver get", "Gets a specific event receiver attached to the web, site or list (if any of the list options are filled in) by receiver name of id.",
                options: [webUrl] + lists + [name, receiverId, scope], sets: [["name", "id"]],
                examples: [("By name", "m365 spo eventreceiver get --webUrl https://contoso.sharepoint.com/sites/contoso-sales --name PnPEventReceiver"),
                           ("By id on a list", "m365 spo eventreceiver get --webUrl https://contoso.sharepoint.com/sites/contoso-sales --listTitle Events --id c5a6444a-9c7f-4a0d-9e29-fc6fe30e34ec")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let scope = try checked(options)
            let web = try spo.webURL(options, .webUrl)
            try spo.invocation.emit(result: .object(try find(spo, web, scope, options)))
        },

        command("eventreceiver remove", "Removes event receivers for the specified web, site, or list.",
                options: [webUrl] + lists + [name, receiverId, scope, forceOption], sets: [["name", "id"]],
                examples: [("By name", "m365 spo eventreceiver remove --webUrl https://contoso.sharepoint.com/sites/contoso-sales --name PnPEventReceiver --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let scope = try checked(options)
            let web = try spo.webURL(options, .webUrl)
            let what = options.string(.id).map { "id \($0)" } ?? "name \(options.string(.name) ?? "")"
            guard try spo.invocation.confirmed(options, "Are you sure you want to remove event receiver with \(what)?", needing: "removing the event receiver with \(what)") else { return }
            let id: String
            if let given = options.string(.id) { id = given } else {
                guard let found = try find(spo, web, scope, options)["ReceiverId"]?.stringValue else {
                    throw PluginFailure("SharePoint did not return the event receiver's id", status: M365_ERR_SERVER)
                }
                id = found
            }
            try spo.send("DELETE", base(web, scope, options, removal: true) + "('\(id)')")
        },
    ]
}
