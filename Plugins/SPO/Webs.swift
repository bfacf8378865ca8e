import PluginKit

/// `spo web …`: the web (site) at a URL and its subwebs.
enum WebCommands {
    static let url = option(.url, "u", "URL of the site (absolute, or server-relative like /sites/x)", required: true)

    static let all: [PluginCommand] = [
        command("web get", "Retrieves information about the specified site",
                options: [url, flag(.withGroups, nil, "Include the site's associated owner, member and visitor groups"),
                          flag(.withPermissions, nil, "Include the site's role assignments")],
                examples: [("The site's properties", "m365 spo web get --url https://contoso.sharepoint.com/sites/project-x")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .url)
            let expand = options.bool(.withGroups) ? "AssociatedMemberGroup,AssociatedOwnerGroup,AssociatedVisitorGroup" : nil
            var object = try spo.get(web + "/_api/web" + OData.query([("$expand", expand)]))
            if options.bool(.withPermissions) {
                object["RoleAssignments"] = try Permissions.friendlyAssignments(spo, web + "/_api/web/RoleAssignments" + OData.query([("$expand", "Member,RoleDefinitionBindings")]))
            }
            try spo.invocation.emit(result: .object(object))
        },

        command("web list", "Lists the subsites of the specified site", options: [url], defaults: ["Title", "Url", "Id"]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .url)
            // Any output but JSON asks only for what it shows, as the CLI does.
            try spo.list(web + "/_api/web/webs" + (spo.invocation.outputMode == "json" ? "" : OData.query([("$select", "Title,Id,URL")])))
        },

        command("web set", "Updates the specified site; any other --Property value option sets that SP.Web property",
                options: [url, option(.title, "t", "New title for the site"), option(.description, "d", "New description for the site"),
                          option(.siteLogoUrl, nil, "URL of the site's logo (empty to remove it)"),
                          option(.quickLaunchEnabled, nil, "Show the quick launch"),
                          option(.headerLayout, nil, "Layout of the header", allowed: ["standard", "compact"]),
                          option(.headerEmphasis, nil, "Emphasis of the header: 0 to 3"),
                          option(.megaMenuEnabled, nil, "Use the mega menu"), option(.footerEnabled, nil, "Show the footer"),
                          option(.navAudienceTargetingEnabled, nil, "Target navigation links at audiences"),
                          option(.searchScope, nil, "Scope of the site's search box", allowed: webSearchScopes),
                          option(.welcomePage, nil, "Site-relative URL of the home page (e.g. SitePages/Home.aspx)")],
                unknownOptions: true,
                examples: [("Rename a site", "m365 spo web set --url https://contoso.sharepoint.com/sites/team-a --title 'Team A'"),
                           ("Keep a site out of search", "m365 spo web set --url https://contoso.sharepoint.com/sites/team-a --NoCrawl true")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            var body = JSONObject()
            // Other options go to SharePoint as they are, true/false and numbers typed, as CLI for Microsoft 365 sends them.
            for (name, value) in options.unknown { body[name] = typedValue(value) }
            if let title = options.string(.title) { body["Title"] = .string(title) }
            if let description = options.string(.description) { body["Description"] = .string(description) }
            if let logo = options.string(.siteLogoUrl) { body["SiteLogoUrl"] = .string(logo) }
            if let on = options.optionalBool(.quickLaunchEnabled) { body["QuickLaunchEnabled"] = .bool(on) }
            if let emphasis = options.number(.headerEmphasis) {
                guard [0, 1, 2, 3].contains(emphasis) else { throw usage("\(options.values["headerEmphasis"]?.serialized() ?? "") is not a valid value for headerEmphasis. Allowed values are 0|1|2|3") }
                body["HeaderEmphasis"] = .number(emphasis)
            }
            if let layout = options.string(.headerLayout) { body["HeaderLayout"] = .number(layout == "standard" ? 1 : 2) }
            if let on = options.optionalBool(.megaMenuEnabled) { body["MegaMenuEnabled"] = .bool(on) }
            if let on = options.optionalBool(.footerEnabled) { body["FooterEnabled"] = .bool(on) }
            if let on = options.optionalBool(.navAudienceTargetingEnabled) { body["NavAudienceTargetingEnabled"] = .bool(on) }
            if let scope = options.string(.searchScope) { body["SearchScope"] = .number(Double(webSearchScopes.firstIndex(of: scope) ?? 0)) }
            guard !body.isEmpty || options.has(.welcomePage) else {
                throw usage("specify at least one property to update, e.g. --title, --description or --NoCrawl true")
            }
            let web = try spo.webURL(options, .url)
            if !body.isEmpty { try spo.write(web + "/_api/web", tunnel: "MERGE", body: .object(body)) }
            if let page = options.string(.welcomePage) {
                try spo.write(web + "/_api/web/RootFolder", tunnel: "MERGE", body: ["WelcomePage": .string(page)])
            }
        },

        command("web add", "Creates a subsite",
                options: [option(.title, "t", "Title of the new site", required: true),
                          option(.description, "d", "Description of the new site"),
                          option(.url, "u", "Relative URL of the new site (e.g. team-a)", required: true),
                          option(.webTemplate, "w", "Template of the new site, e.g. STS#3", required: true),
                          option(.parentWebUrl, "p", "URL of the parent site (absolute, or server-relative like /sites/x)", required: true),
                          option(.locale, "l", "Locale id of the new site (default: the parent's)"),
                          flag(.breakInheritance, nil, "Give the site its own permissions instead of its parent's"),
                          flag(.inheritNavigation, nil, "Show the parent site's navigation")],
                examples: [("A team subsite", "m365 spo web add --title 'Team A' --url team-a --parentWebUrl /sites/project-x --webTemplate STS#3 --inheritNavigation")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let parent = try spo.webURL(options, .parentWebUrl)
            let relative = options.string(.url) ?? ""
            guard !relative.isEmpty, !relative.contains("/"), !relative.contains(":") else {
                throw usage("--url is the new site's name below its parent (e.g. team-a), not '\(relative)'")
            }
            // As the CLI: SP.WebInformation from webinfos/add, with only what was given.
            var parameters: JSONObject = ["Url": .string(relative), "Title": .string(options.string(.title) ?? "")]
            if let description = options.string(.description) { parameters["Description"] = .string(description) }
            if let locale = options.int(.locale) { parameters["Language"] = JSON(locale) }
            parameters["WebTemplate"] = .string(options.string(.webTemplate) ?? "")
            if options.bool(.breakInheritance) { parameters["UseUniquePermissions"] = true }
            let created = try spo.write(parent + "/_api/web/webinfos/add", body: ["parameters": .object(parameters)])
            if options.bool(.inheritNavigation) {
                // The parent's navigation, where scripts may change the new site (NoScript sites may not).
                let site = parent + "/" + percentEncode(relative)
                let permissions = try spo.get(site + "/_api/web/effectivebasepermissions")
                if Permissions.names(.object(permissions)).contains("AddAndCustomizePages") {
                    var request = CSOMRequest()
                    let navigation = request.property("Navigation", of: request.property("Web", of: request.staticProperty("Current", typeId: CSOMRequest.contextTypeId)))
                    request.set("UseShared", on: navigation, .bool(true))
                    _ = try spo.processQuery(request, at: site)
                } else {
                    spo.invocation.log("No script is enabled. Skipping the InheritParentNavigation settings.")
                }
            }
            try spo.invocation.emit(result: created?.objectValue.map { .object(SPOClient.unwrapVerbose($0)) } ?? .null)
        },

        command("web remove", "Deletes the specified subsite", options: [url, forceOption],
                examples: [("Without a prompt", "m365 spo web remove --url /sites/project-x/team-a --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .url)
            guard try spo.invocation.confirmedRemoval(options, "the subsite \(web)") else { return }
            // X-HTTP-Method alone, as the CLI sends it.
            try spo.write(web + "/_api/web", headers: [("X-HTTP-Method", "DELETE")])
        },
    ]
}

/// `--searchScope` values in SharePoint's order (`SearchScope` is the index).
let webSearchScopes = ["defaultscope", "tenant", "hub", "site"]

/// An undeclared option's value as CLI for Microsoft 365's parser types it: true/false and
/// numbers as such, anything else as text.
func typedValue(_ text: String) -> JSON {
    if text == "true" { return .bool(true) }
    if text == "false" { return .bool(false) }
    if let number = Double(text), !text.isEmpty, text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) { return .number(number) }
    return .string(text)
}
