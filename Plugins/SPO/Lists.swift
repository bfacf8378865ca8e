import PluginKit

/// Addressing a list: by id (`lists(guid'…')`), title (`lists/GetByTitle('…')`) or URL
/// (`GetList('/sites/x/Lists/Tasks')`), whichever option the user gave.
struct ListSelector {
    let id: OptionKey<String>
    let title: OptionKey<String>
    let url: OptionKey<String>

    static let plain = ListSelector(id: .id, title: .title, url: .url)
    static let forItems = ListSelector(id: .listId, title: .listTitle, url: .listUrl)

    var names: [String] { [id.name, title.name, url.name] }

    /// `{web}/_api/web/…` for the selected list; GUIDs are checked before anything is sent.
    func path(_ web: String, _ options: Options) throws(PluginFailure) -> String {
        try options.requireGUIDs([id])
        if let guid = options.string(id) { return web + "/_api/web/lists(guid'\(guid)')" }
        if let name = options.string(title) { return web + "/_api/web/lists/GetByTitle(\(literal(name)))" }
        if let relative = options.string(url) { return web + "/_api/web/GetList(\(literal(SPOClient.serverRelative(listURL: relative, web: web))))" }
        throw usage("specify one of --\(id.name), --\(title.name) or --\(url.name)")
    }

    /// How the user named the list, for confirmations.
    func label(_ options: Options) -> String {
        options.string(title) ?? options.string(url) ?? options.string(id) ?? "the list"
    }

    /// A quoted OData string literal, percent-encoded for the URL path.
    private func literal(_ value: String) -> String {
        "'" + percentEncode(value.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''")) + "'"
    }
}

/// `$select` and `$expand` for comma-separated properties: `Author/Title` selects the
/// property and expands `Author`, as CLI for Microsoft 365 does. `select` and `expand` come
/// first (what a command always asks for); none is named twice.
func selectAndExpand(_ properties: [String]?, select: [String] = [], expand: [String] = []) -> [(String, String?)] {
    var select = select, expand = expand
    for property in properties ?? [] {
        if !select.contains(property) { select.append(property) }
        if let slash = property.firstIndex(of: "/"), !expand.contains(String(property[..<slash])) { expand.append(String(property[..<slash])) }
    }
    return [("$select", select.isEmpty ? nil : select.joined(separator: ",")), ("$expand", expand.isEmpty ? nil : expand.joined(separator: ","))]
}

/// `spo list …`: lists and libraries of a site.
enum ListCommands {
    static let webUrl = option(.webUrl, "u", "URL of the site (absolute, or server-relative like /sites/x)", required: true)
    static let selector = [option(.id, "i", "ID of the list"), option(.title, "t", "Title of the list"),
                           option(.url, nil, "Server- or site-relative URL of the list")]
    static let properties = option(.properties, "p", "Comma-separated properties to retrieve")

    /// Base templates by name, as `--baseTemplate` takes them (SP.ListTemplateType).
    static let templates: [(String, Int)] = [
        ("GenericList", 100), ("DocumentLibrary", 101), ("Survey", 102), ("Links", 103), ("Announcements", 104),
        ("Contacts", 105), ("Events", 106), ("Tasks", 107), ("DiscussionBoard", 108), ("PictureLibrary", 109),
        ("DataSources", 110), ("XmlForm", 115), ("NoCodeWorkflows", 117), ("WorkflowProcess", 118),
        ("WebPageLibrary", 119), ("CustomGrid", 120), ("DataConnectionLibrary", 130), ("WorkflowHistory", 140),
        ("GanttTasks", 150), ("HelpLibrary", 151), ("AccessRequest", 160), ("TasksWithTimelineAndHierarchy", 171),
        ("MaintenanceLogs", 175), ("Meetings", 200), ("Agenda", 201), ("MeetingUser", 202), ("Decision", 204),
        ("MeetingObjective", 207), ("TextBox", 210), ("ThingsToBring", 211), ("HomePageLibrary", 212), ("Posts", 301),
        ("Comments", 302), ("Categories", 303), ("Facility", 402), ("Whereabouts", 403), ("CallTrack", 404),
        ("Circulation", 405), ("Timecard", 420), ("Holidays", 421), ("IMEDic", 499), ("ExternalList", 600),
        ("MySiteDocumentLibrary", 700), ("IssuesTracking", 1100), ("AdminTasks", 1200), ("HealthRules", 1220),
        ("HealthReports", 1221), ("DeveloperSiteDraftApps", 1230), ("AssetLibrary", 851), ("PromotedLinks", 170),
    ]

    /// Templates of libraries whose version policies the CLI reads along with the list.
    static let versionedTemplates: Set<Int> = [101, 109, 110, 111, 113, 114, 115, 116, 117, 119, 121, 122, 123, 126, 130, 175]
    /// `DefaultTrimMode` names by number.
    static let trimModes = ["NoExpiration", "ExpireAfter", "AutoExpiration"]

    static let all: [PluginCommand] = [
        command("list list", "Lists all available lists in the specified site",
                options: [webUrl, properties, option(.filter, nil, "OData filter to apply when retrieving the lists")],
                defaults: ["Title", "Id"],
                examples: [("Every list of a site", "m365 spo list list --webUrl https://contoso.sharepoint.com/sites/project-x"),
                           ("Only visible lists", "m365 spo list list --webUrl /sites/project-x --filter \"Hidden eq false\"")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            // As the CLI: the root folder's URL always comes along, with every property or the ones asked for.
            let shape = selectAndExpand(options.list(.properties) ?? ["*"], select: ["RootFolder/ServerRelativeUrl"], expand: ["RootFolder"])
            try spo.list(web + "/_api/web/lists" + OData.query(shape + [("$filter", options.string(.filter))]))
        },

        command("list get", "Gets information about the specific list",
                options: [webUrl] + selector + [flag(.defaultLibrary, nil, "The site's default document library"), properties,
                                                flag(.withPermissions, nil, "Include the list's role assignments")],
                sets: [["id", "title", "url", "default"]],
                examples: [("By title", "m365 spo list get --webUrl https://contoso.sharepoint.com/sites/project-x --title Documents"),
                           ("The default library and who may use it", "m365 spo list get --webUrl /sites/project-x --default --withPermissions")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            let path = options.bool(.defaultLibrary) ? web + "/_api/web/DefaultDocumentLibrary" : try ListSelector.plain.path(web, options)
            let withPermissions = options.bool(.withPermissions)
            // As the CLI: permissions expand the role assignments (and the version policies).
            let expand = withPermissions ? ["HasUniqueRoleAssignments", "RoleAssignments/Member", "RoleAssignments/RoleDefinitionBindings", "VersionPolicies"] : []
            var list = try spo.get(path + OData.query(selectAndExpand(options.list(.properties), expand: expand)))
            if withPermissions {
                list["RoleAssignments"] = .array((list["RoleAssignments"]?.arrayValue ?? []).map { Permissions.assignment($0, principalType: true, friendly: false) })
            }
            if let template = list["BaseTemplate"]?.intValue, versionedTemplates.contains(template) {
                list["VersionPolicies"] = try spo.get(path + OData.query([("$select", "VersionPolicies"), ("$expand", "VersionPolicies")]))["VersionPolicies"] ?? .null
            }
            if var policies = list["VersionPolicies"]?.objectValue {
                let mode = policies["DefaultTrimMode"]?.intValue ?? -1
                // An unknown mode has no name: the CLI leaves the key out.
                policies["DefaultTrimModeValue"] = trimModes.indices.contains(mode) ? .string(trimModes[mode]) : nil
                list["VersionPolicies"] = .object(policies)
            }
            try spo.invocation.emit(result: .object(list))
        },

        command("list add", "Creates a list in the specified site",
                options: [webUrl, option(.title, "t", "Title of the list", required: true),
                          option(.baseTemplate, nil, "The list template", allowed: templates.map(\.0), defaultValue: "GenericList"),
                          option(.description, nil, "Description of the list")] + ListSettings.options,
                examples: [("A generic list", "m365 spo list add --webUrl /sites/project-x --title Announcements"),
                           ("With versioning", "m365 spo list add --webUrl /sites/project-x --title Contracts --baseTemplate DocumentLibrary --enableVersioning --majorVersionLimit 50 --onQuickLaunch"),
                           ("A document library", "m365 spo list add --webUrl /sites/project-x --title Contracts --baseTemplate DocumentLibrary")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            let name = options.string(.baseTemplate) ?? "GenericList"
            guard let template = templates.first(where: { $0.0 == name })?.1 else { throw usage("'\(name)' is not a valid list template") }
            var body: JSONObject = ["Title": .string(options.string(.title) ?? ""), "BaseTemplate": .number(Double(template))]
            if let description = options.string(.description), !description.isEmpty { body["Description"] = .string(description) }
            for (name, value) in try ListSettings.body(options) { body[name] = value }
            guard let created = try spo.write(web + "/_api/web/lists", body: .object(body))?.objectValue else {
                throw PluginFailure("SharePoint did not return the new list", status: M365_ERR_SERVER)
            }
            try spo.invocation.emit(result: .object(SPOClient.unwrapVerbose(created)))
        },

        command("list set", "Updates the settings of the specified list",
                options: [webUrl] + selector + [option(.newTitle, nil, "New title of the list"), option(.description, nil, "New description of the list")]
                    + ListSettings.options
                    + [option(.versionExpireAfterDays, nil, "Delete versions older than this many days (a library's version policy)"),
                       option(.versionAutoExpireTrim, nil, "Let SharePoint trim old versions (true), or keep them (false)")],
                sets: [["id", "title", "url"]],
                examples: [("Rename a list", "m365 spo list set --webUrl /sites/project-x --title Tasks --newTitle 'Team tasks'"),
                           ("Hide a list from search", "m365 spo list set --webUrl /sites/project-x --title Archive --hidden --noCrawl")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            var body = JSONObject()
            if let title = options.string(.newTitle) { body["Title"] = .string(title) }
            if let description = options.string(.description) { body["Description"] = .string(description) }
            for (name, value) in try ListSettings.body(options, updating: true) { body[name] = value }
            let days = options.number(.versionExpireAfterDays), trim = options.optionalBool(.versionAutoExpireTrim)
            if let days, days < 1 || days != days.rounded() { throw usage("versionExpireAfterDays must be a positive whole number") }
            if days != nil && trim == true { throw usage("versionExpireAfterDays cannot be used together with versionAutoExpireTrim set to true.") }
            guard !body.isEmpty || days != nil || trim != nil else {
                throw usage("Specify at least one option to update.")
            }
            let web = try spo.webURL(options, .webUrl)
            let path = try ListSelector.plain.path(web, options)
            if !body.isEmpty { try spo.write(path, tunnel: "MERGE", body: .object(body)) }
            // The version policy is CSOM's alone, as CLI for Microsoft 365 sets it.
            guard days != nil || trim != nil else { return }
            var request = CSOMRequest()
            let current = request.property("Web", of: request.staticProperty("Current", typeId: CSOMRequest.contextTypeId))
            let list: CSOMRequest.Path
            if let url = options.string(.url) {
                list = request.method("GetList", of: current, [.string(SPOClient.serverRelative(listURL: url, web: web))])
            } else if let id = options.string(.id) {
                list = request.method("GetById", of: request.property("Lists", of: current), [.guid(id)])
            } else {
                list = request.method("GetByTitle", of: request.property("Lists", of: current), [.string(options.string(.newTitle) ?? options.string(.title) ?? "")])
            }
            let policies = request.property("VersionPolicies", of: list)
            if let days {
                request.set("DefaultTrimMode", on: policies, .int32(1))
                request.set("DefaultExpireAfterDays", on: policies, .int32(Int(days)))
            } else {
                request.set("DefaultTrimMode", on: policies, .int32(trim == true ? 2 : 0))
            }
            request.call("Update", on: list)
            _ = try spo.processQuery(request, at: web)
        },

        command("list remove", "Removes the specified list",
                options: [webUrl] + selector + [flag(.recycle, nil, "Move the list to the recycle bin instead of deleting it"), forceOption],
                sets: [["id", "title", "url"]],
                examples: [("Without a prompt", "m365 spo list remove --webUrl /sites/project-x --title Tasks --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            let path = try ListSelector.plain.path(web, options)
            guard try spo.invocation.confirmedRemoval(options, "the list '\(ListSelector.plain.label(options))' from site \(web)") else { return }
            if options.bool(.recycle) {
                try spo.write(path + "/recycle", tunnel: "DELETE")
            } else {
                try spo.write(path, tunnel: "DELETE")
            }
        },
    ]
}
