import PluginKit

/// `{web}/_api/web/sitegroups/GetById(n)` or `…/GetByName('x')`, whichever option names the group.
func groupPath(_ web: String, _ options: Options, id: OptionKey<String>, name: OptionKey<String>) throws(PluginFailure) -> String {
    if let n = try options.wholeNumber(id, what: "group id") { return web + "/_api/web/sitegroups/GetById(\(n))" }
    if let title = options.string(name) { return web + "/_api/web/sitegroups/GetByName(\(pathLiteral(title)))" }
    throw usage("specify one of --\(id.name) or --\(name.name)")
}

/// `spo group …` and `spo group member …`: SharePoint groups of a site and their members.
enum GroupCommands {
    static let webUrl = option(.webUrl, "u", "URL of the site (absolute, or server-relative like /sites/x)", required: true)
    static let associated = ["Owner": "AssociatedOwnerGroup", "Member": "AssociatedMemberGroup", "Visitor": "AssociatedVisitorGroup"]
    static let groupChoice = [option(.groupId, nil, "ID of the SharePoint group"), option(.groupName, nil, "Name of the SharePoint group")]

    /// The membership settings `group add` takes, as booleans named like the group's properties.
    static let settingNames = ["allowMembersEditMembership", "onlyAllowMembersViewMembership", "allowRequestToJoinLeave", "autoAcceptRequestToJoinLeave"]
    static let settings = settingNames.map { option(OptionKey<Bool>($0), nil, "Sets the group's \(upperFirst($0)) (true or false)") }
        + [option(.requestToJoinLeaveEmailSetting, nil, "E-mail address membership requests are sent to")]

    static func upperFirst(_ name: String) -> String { name.prefix(1).uppercased() + name.dropFirst() }

    static let all: [PluginCommand] = [
        command("group list", "Lists all the groups within specific web",
                options: [webUrl, flag(.associatedGroupsOnly, nil, "Only the site's associated owner, member and visitor groups")],
                defaults: ["Id", "Title", "LoginName", "IsHiddenInUI", "PrincipalType", "Type"],
                examples: [("Every group of a site", "m365 spo group list --webUrl https://contoso.sharepoint.com/sites/project-x"),
                           ("The associated groups", "m365 spo group list --webUrl /sites/project-x --associatedGroupsOnly")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            guard options.bool(.associatedGroupsOnly) else {
                try spo.list(web + "/_api/web/sitegroups")
                return
            }
            let names = "AssociatedOwnerGroup,AssociatedMemberGroup,AssociatedVisitorGroup"
            let groups = try spo.get(web + "/_api/web" + OData.query([("$expand", names), ("$select", names)]))
            guard spo.invocation.outputMode == "text" else { return try spo.invocation.emit(result: .object(groups)) }
            // Text output: one row per group, its kind in `Type`, as the CLI prints them.
            try spo.invocation.emit(result: .array(groups.map { type, group in
                var row: JSONObject = ["Type": .string(type)]
                for (k, v) in group.objectValue ?? [:] { row[k] = v }
                return .object(row)
            }))
        },

        command("group get", "Gets site group",
                options: [webUrl, option(.id, "i", "ID of the site group"), option(.name, nil, "Name of the site group"),
                          option(.associatedGroup, nil, "The site's associated group", allowed: ["Owner", "Member", "Visitor"])],
                sets: [["id", "name", "associatedGroup"]],
                examples: [("By id", "m365 spo group get --webUrl https://contoso.sharepoint.com/sites/project-x --id 7"),
                           ("The owners group", "m365 spo group get --webUrl /sites/project-x --associatedGroup Owner")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            _ = try options.wholeNumber(.id, what: "group id")
            let web = try spo.webURL(options, .webUrl)
            let url: String
            if let kind = options.string(.associatedGroup) {
                url = web + "/_api/web/" + (associated[kind] ?? "AssociatedOwnerGroup")
            } else {
                url = try groupPath(web, options, id: .id, name: .name)
            }
            try spo.invocation.emit(result: .object(try spo.get(url)))
        },

        command("group add", "Creates group in the specified site",
                options: [webUrl, option(.name, "n", "Name of the group", required: true), option(.description, nil, "Description of the group")] + settings,
                examples: [("A group", "m365 spo group add --webUrl https://contoso.sharepoint.com/sites/project-x --name 'Project leads'")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let name = (options.string(.name) ?? "").trimmingSpaces
            guard !name.isEmpty else { throw usage("--name must not be empty") }
            let web = try spo.webURL(options, .webUrl)
            var body: JSONObject = ["Title": .string(name)]
            if let description = options.string(.description) { body["Description"] = .string(description) }
            for name in settingNames { if let value = options.optionalBool(OptionKey(name)) { body[upperFirst(name)] = .bool(value) } }
            if let email = options.string(.requestToJoinLeaveEmailSetting) { body["RequestToJoinLeaveEmailSetting"] = .string(email) }
            guard let created = try spo.write(web + "/_api/web/sitegroups", body: .object(body))?.objectValue else {
                throw PluginFailure("SharePoint did not return the new group", status: M365_ERR_SERVER)
            }
            try spo.invocation.emit(result: .object(SPOClient.unwrapVerbose(created)))
        },

        command("group remove", "Removes group from specific web",
                options: [webUrl, option(.id, "i", "ID of the group"), option(.name, nil, "Name of the group"), forceOption],
                sets: [["id", "name"]],
                examples: [("Without a prompt", "m365 spo group remove --webUrl https://contoso.sharepoint.com/sites/project-x --id 7 --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let id = try options.wholeNumber(.id, what: "group id")
            let web = try spo.webURL(options, .webUrl)
            // The CLI's question: the id or name and the web as given.
            guard try spo.invocation.confirmedRemoval(options, "the group \(options.string(.id) ?? options.string(.name) ?? "") from web \(options.string(.webUrl) ?? "")") else { return }
            // By name as the CLI: the group's id first, then removed by id.
            var groupId = id ?? 0
            if id == nil {
                guard let found = try spo.get(web + "/_api/web/sitegroups/GetByName(\(pathLiteral(options.string(.name) ?? "")))?$select=Id")["Id"]?.intValue else {
                    throw PluginFailure("SharePoint did not return the id of the group", status: M365_ERR_SERVER)
                }
                groupId = found
            }
            try spo.write(web + "/_api/web/sitegroups/RemoveById(\(groupId))")
        },

        command("group member list", "List the members of a SharePoint Group", options: [webUrl] + groupChoice,
                sets: [["groupId", "groupName"]], defaults: ["Title", "UserPrincipalName", "Id", "Email"],
                examples: [("By group name", "m365 spo group member list --webUrl https://contoso.sharepoint.com/sites/project-x --groupName 'Project-x Members'")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            try spo.list(try groupPath(web, options, id: .groupId, name: .groupName) + "/users")
        },

        command("group member add", "Adds members to a SharePoint Group",
                options: [webUrl] + groupChoice + [option(.userNames, nil, "Comma-separated user principal names"),
                                                   option(.emails, nil, "Comma-separated e-mail addresses"),
                                                   option(.userIds, nil, "Comma-separated site user ids"),
                                                   option(.entraGroupIds, nil, "Comma-separated object ids of Entra groups"),
                                                   option(.entraGroupNames, nil, "Comma-separated display names of Entra groups")],
                sets: [["groupId", "groupName"], ["userNames", "emails", "userIds", "entraGroupIds", "entraGroupNames"]],
                examples: [("Two users", "m365 spo group member add --webUrl https://contoso.sharepoint.com/sites/project-x --groupId 5 --userNames 'adele.vance@contoso.com,megan.bowen@contoso.com'")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let kind = options.firstGiven([.userNames, .emails, .userIds, .entraGroupIds, .entraGroupNames]) ?? .userNames
            let entries = options.list(kind) ?? []
            guard !entries.isEmpty else { throw usage("--\(kind.name) names no members") }
            let bad: [String]
            switch kind.name {
            case "userIds": bad = entries.filter { Int($0).map { $0 <= 0 } ?? true }
            case "entraGroupIds": bad = entries.filter { !isGUID($0) }
            case "entraGroupNames": bad = []
            default: bad = entries.filter { !looksLikeUPN($0) }
            }
            if !bad.isEmpty {
                let what = ["userIds": "invalid numbers", "entraGroupIds": "invalid GUIDs"][kind.name] ?? "invalid UPNs"
                throw usage("Option '\(kind.name)' contains one or more \(what): \(bad.joined(separator: ", ")).")
            }
            _ = try options.wholeNumber(.groupId, what: "group id")
            let web = try spo.webURL(options, .webUrl)
            let group = try groupPath(web, options, id: .groupId, name: .groupName)
            // As the CLI: every member is looked up before any is added (one not found adds
            // no one), then each is added in turn; the answer is SharePoint's user for each.
            var logins: [String] = []
            for entry in entries {
                switch kind.name {
                case "userIds":
                    logins.append(try spo.get(web + "/_api/web/SiteUsers/GetById(\(entry))?$select=LoginName")["LoginName"]?.stringValue ?? "")
                case "entraGroupIds": logins.append(SPOClient.groupClaim(try spo.entraGroup(id: entry, name: nil)))
                case "entraGroupNames": logins.append(SPOClient.groupClaim(try spo.entraGroup(id: nil, name: entry)))
                default: logins.append("i:0#.f|membership|" + entry)
                }
            }
            var added: [JSON] = []
            for login in logins {
                let user = try spo.write(group + "/users", body: ["LoginName": .string(login)])?.objectValue.map(SPOClient.unwrapVerbose) ?? [:]
                added.append(.object(user))
            }
            try spo.invocation.emit(result: .array(added))
        },

        command("group member remove", "Removes the specified member from a SharePoint group",
                options: [webUrl] + groupChoice + [option(.userName, nil, "User principal name of the member"),
                                                   option(.email, nil, "E-mail address of the member"),
                                                   option(.userId, nil, "Site user id of the member"),
                                                   option(.entraGroupId, nil, "Object id of an Entra group that is a member"),
                                                   option(.entraGroupName, nil, "Display name of an Entra group that is a member"), forceOption],
                sets: [["groupId", "groupName"], ["userName", "email", "userId", "entraGroupId", "entraGroupName"]],
                examples: [("Without a prompt", "m365 spo group member remove --webUrl https://contoso.sharepoint.com/sites/project-x --groupId 5 --userName adele.vance@contoso.com --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            _ = try options.wholeNumber(.groupId, what: "group id")
            let userId = try options.wholeNumber(.userId, what: "user id")
            let upn = try options.upn(.userName)
            let email = try options.upn(.email)
            try options.requireGUIDs([.entraGroupId])
            let web = try spo.webURL(options, .webUrl)
            let group = try groupPath(web, options, id: .groupId, name: .groupName)
            let who = upn ?? email ?? options.string(.entraGroupId) ?? options.string(.entraGroupName) ?? userId.map(String.init) ?? ""
            guard try spo.invocation.confirmed(options, "Are you sure you want to remove user \(who) from the SharePoint group?", needing: "removing \(who) from the SharePoint group") else { return }
            // By e-mail as the CLI: the Entra user found by mail, then removed by their login name.
            var name = upn
            if let email {
                let found = try spo.graphObject("users?$filter=" + percentEncode("mail eq " + OData.quote(email)) + "&$select=id", what: "the user \(email)")["value"]?.arrayValue ?? []
                guard let entraId = found.first?["id"]?.stringValue else {
                    throw PluginFailure("The specified user with email \(email) does not exist", status: M365_ERR_NOT_FOUND)
                }
                name = try spo.graphObject("users/\(OData.segment(entraId))", what: "the user \(email)")["userPrincipalName"]?.stringValue ?? email
            }
            if let name {
                // The claim as typed (no lower-casing), in an alias, as the CLI sends it.
                try spo.write(group + "/users/removeByLoginName(@LoginName)?@LoginName=" + pathLiteral("i:0#.f|membership|" + name))
                return
            }
            var id = userId ?? 0
            if userId == nil {
                // An Entra group: found among the group's members by its claim, as the CLI does.
                let groupId = options.string(.entraGroupId), groupName = options.string(.entraGroupName)
                var found: Int?
                try spo.forEachItem(group + "/users") { member throws(PluginFailure) in
                    let login = member["LoginName"]?.stringValue ?? ""
                    guard found == nil, SPOClient.groupClaimPrefixes.contains(where: login.hasPrefix) else { return }
                    if let groupId, login.lowercased().contains(groupId.lowercased()) { found = member["Id"]?.intValue }
                    if let groupName, member["Title"]?.stringValue == groupName { found = member["Id"]?.intValue }
                }
                guard let found else {
                    let groupLabel = options.string(.groupId) ?? options.string(.groupName) ?? ""
                    throw PluginFailure("The Microsoft Entra group \(groupId ?? groupName ?? "") is not found in SharePoint group \(groupLabel)", status: M365_ERR_NOT_FOUND)
                }
                id = found
            }
            try spo.write(group + "/users/removeById(\(id))")
        },
        command("group set", "Updates a group in the specified site",
                options: [webUrl, option(.id, "i", "ID of the group"), option(.name, "n", "Name of the group"),
                          option(.newName, nil, "New name of the group"), option(.description, nil, "New description of the group")]
                    + settings + [option(OptionKey<String>("ownerEmail"), nil, "E-mail of the user to make the group's owner"),
                                  option(OptionKey<String>("ownerUserName"), nil, "User principal name of the user to make the group's owner")],
                sets: [["id", "name"]],
                examples: [("Rename a group", "m365 spo group set --webUrl https://contoso.sharepoint.com/sites/project-x --id 7 --newName 'Project leads'"),
                           ("Change its owner", "m365 spo group set --webUrl /sites/project-x --name 'Project leads' --ownerUserName megan.bowen@contoso.com")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let ownerEmail = OptionKey<String>("ownerEmail"), ownerUserName = OptionKey<String>("ownerUserName")
            if let text = options.string(.id), Double(text.trimmingSpaces) == nil { throw usage("Specified id \(text) is not a number") }
            if options.has(ownerEmail) && options.has(ownerUserName) { throw usage("Specify either ownerEmail or ownerUserName but not both") }
            let web = try spo.webURL(options, .webUrl)
            // The group by id or by name. The CLI puts the name in the URL as typed; it is
            // encoded here, as a URL must be (a space or `#` would break the request).
            let group = web + "/_api/web/sitegroups/" + (options.string(.id).map { "GetById(\($0))" } ?? "GetByName(\(pathLiteral(options.string(.name) ?? "")))")
            var body: JSONObject = [:]
            if let name = options.string(.newName) { body["Title"] = .string(name) }
            if let description = options.string(.description) { body["Description"] = .string(description) }
            for name in settingNames { if let value = options.optionalBool(OptionKey(name)) { body[upperFirst(name)] = .bool(value) } }
            if let email = options.string(.requestToJoinLeaveEmailSetting) { body["RequestToJoinLeaveEmailSetting"] = .string(email) }
            try spo.send("PATCH", group, body: .object(body))
            guard options.has(ownerEmail) || options.has(ownerUserName) else { return }
            // The owner: the Entra user (by name, or found by mail), ensured on the site.
            let entraId: String
            if let upn = options.string(ownerUserName) {
                entraId = upn
            } else {
                let email = options.string(ownerEmail) ?? ""
                let found = try spo.graphObject("users?$filter=" + percentEncode("mail eq " + OData.quote(email)) + "&$select=id", what: "the user \(email)")["value"]?.arrayValue ?? []
                guard let id = found.first?["id"]?.stringValue else {
                    throw PluginFailure("The specified user with email \(email) does not exist", status: M365_ERR_NOT_FOUND)
                }
                entraId = id
            }
            guard let upn = try spo.graphObject("users/\(OData.segment(entraId))", what: "the user \(entraId)")["userPrincipalName"]?.stringValue else {
                throw PluginFailure("Microsoft Graph did not return the user principal name of \(entraId)", status: M365_ERR_SERVER)
            }
            guard let ownerId = try spo.write(web + "/_api/web/ensureUser(\(pathLiteral(upn)))?$select=Id")?.objectValue.map(SPOClient.unwrapVerbose)?["Id"]?.intValue else {
                throw PluginFailure("SharePoint did not return the id of \(upn)", status: M365_ERR_SERVER)
            }
            try spo.write(group + "/SetUserAsOwner(\(ownerId))")
        },
    ]
}
