import PluginKit

/// `spo feature …`: features activated on a web or site collection (`_api/{scope}/features`).
enum FeatureCommands {
    static let webUrl = option(.webUrl, "u", "URL of the site (or site collection) the feature belongs to", required: true)
    static let featureId = option(.id, "i", "ID of the feature", required: true)
    static let scope = option(.scope, "s", "Scope of the feature: Web (default) or Site")
    static let force = option(OptionKey<Bool>.force, nil, "Activate or deactivate even when the feature is already in that state")

    /// `--id` and `--scope` checked as the CLI's enable/disable check them; the scope as given.
    static func checked(_ options: Options, scopeMessage: String) throws(PluginFailure) -> String {
        let id = options.string(.id) ?? ""
        if !isGUID(id) { throw usage("\(id) is not a valid GUID for option id.") }
        let scope = options.string(.scope) ?? "web"
        if !["site", "web"].contains(scope.lowercased()) { throw usage("\(scope) \(scopeMessage)") }
        return scope
    }

    static func change(_ spo: SPOClient, _ options: Options, _ verb: String, scopeMessage: String) throws(PluginFailure) {
        let scope = try checked(options, scopeMessage: scopeMessage)
        let web = try spo.webURL(options, .webUrl)
        let id = options.string(.id) ?? ""
        let force = options.bool(.force)
        spo.invocation.log("\(verb == "add" ? "Enabling" : "Disabling") feature '\(id)' on scope '\(scope)' for url '\(web)' (force='\(force)')...")
        try spo.send("POST", web + "/_api/\(scope)/features/\(verb)(featureId=guid'\(id)',force=\(force))")
    }

    static let all: [PluginCommand] = [
        command("feature list", "Lists Features activated in the specified site or site collection", options: [webUrl, scope],
                examples: [("A web's features", "m365 spo feature list --webUrl https://contoso.sharepoint.com/sites/test"),
                           ("The site collection's", "m365 spo feature list --webUrl https://contoso.sharepoint.com/sites/test --scope Site")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let scope = options.string(.scope) ?? "Web"
            // As the CLI: exactly Site or Web here (enable and disable take any case).
            if scope != "Site" && scope != "Web" { throw usage("\(scope) is not a valid Feature scope. Allowed values are Site|Web") }
            let web = try spo.webURL(options, .webUrl)
            try spo.list(web + "/_api/\(scope)/Features?$select=DisplayName,DefinitionId")
        },

        command("feature enable", "Enables feature for the specified site or web", options: [webUrl, featureId, scope, force],
                examples: [("On a web", "m365 spo feature enable --webUrl https://contoso.sharepoint.com/sites/test --id 915c240e-a6cc-49b8-8b2c-0bff8b553ed3"),
                           ("On the site collection, forced", "m365 spo feature enable --webUrl https://contoso.sharepoint.com/sites/test --id 915c240e-a6cc-49b8-8b2c-0bff8b553ed3 --scope Site --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try change(spo, options, "add", scopeMessage: "is not a valid Feature scope. Allowed values are Site|Web")
        },

        command("feature disable", "Disables a feature", options: [webUrl, featureId, scope, force],
                examples: [("On a web", "m365 spo feature disable --webUrl https://contoso.sharepoint.com/sites/test --id 915c240e-a6cc-49b8-8b2c-0bff8b553ed3"),
                           ("On the site collection, forced", "m365 spo feature disable --webUrl https://contoso.sharepoint.com/sites/test --id 915c240e-a6cc-49b8-8b2c-0bff8b553ed3 --scope Site --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try change(spo, options, "remove", scopeMessage: "is not a valid Feature scope. Allowed values are: Site, Web.")
        },
    ]
}
