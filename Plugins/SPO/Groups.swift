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
            try spo.invocation.emit(result: .object(try spo.get(web + "/_api/web" + OData.query([("$expand", names), ("$select", names)]))))
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
            guard let created = try spo.write(web + "/_api/web/sitegroups", web: web, body: .object(body))?.objectValue else {
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
            let label = id.map { "the group \($0)" } ?? "the group '\(options.string(.name) ?? "")'"
            guard try spo.invocation.confirmedRemoval(options, "\(label) from site \(web)") else { return }
            if let id {
                try spo.write(web + "/_api/web/sitegroups/RemoveById(\(id))", web: web)
            } else {
                try spo.write(web + "/_api/web/sitegroups/RemoveByLoginName(\(pathLiteral(options.string(.name) ?? "")))", web: web)
            }
        },

        command("group member list", "List the members of a SharePoint Group", options: [webUrl] + groupChoice,
                sets: [["groupId", "groupName"]], defaults: ["Title", "UserPrincipalName", "Id", "Email"],
                examples: [("By group name", "m365 spo group member list --webUrl https://contoso.sharepoint.com/sites/project-x --groupName 'Project-x Members'")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            try spo.list(try groupPath(web, options, id: .groupId, name: .groupName) + "/users")
        },

        command("group member add", "Add members to a SharePoint Group",
                options: [webUrl] + groupChoice + [option(.userNames, nil, "Comma-separated user principal names"),
                                                   option(.emails, nil, "Comma-separated e-mail addresses"),
                                                   option(.userIds, nil, "Comma-separated site user ids")],
                sets: [["groupId", "groupName"], ["userNames", "emails", "userIds"]], defaults: ["DisplayName", "Email"],
                examples: [("Two users", "m365 spo group member add --webUrl https://contoso.sharepoint.com/sites/project-x --groupId 5 --userNames 'adele.vance@contoso.com,megan.bowen@contoso.com'")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let kind = (options.firstGiven([.userNames, .emails, .userIds]) ?? .userNames).name
            let entries = options.list(OptionKey(kind)) ?? []
            guard !entries.isEmpty else { throw usage("--\(kind) names no users") }
            switch kind {
            case "userIds":
                let bad = entries.filter { Int($0).map { $0 <= 0 } ?? true }
                if !bad.isEmpty { throw usage("--userIds takes site user ids (whole numbers); not: \(bad.joined(separator: ", "))") }
            default:
                let bad = entries.filter { !looksLikeUPN($0) }
                if !bad.isEmpty { throw usage("--\(kind) has values that are not \(kind == "emails" ? "e-mail addresses" : "user principal names"): \(bad.joined(separator: ", "))") }
            }
            _ = try options.wholeNumber(.groupId, what: "group id")
            let web = try spo.webURL(options, .webUrl)
            let group = try groupPath(web, options, id: .groupId, name: .groupName)
            // Resolve every entry first: nothing is added when one of them is unknown.
            var logins: [String] = []
            var unknown: [String] = []
            for entry in entries {
                do throws(PluginFailure) {
                    let user = kind == "userIds" ? try spo.get(web + "/_api/web/siteusers/GetById(\(entry))") : try spo.ensureUser(web, logonName: entry)
                    guard let login = user["LoginName"]?.stringValue else { throw PluginFailure("no login name") }
                    logins.append(login)
                } catch {
                    guard error.status == M365_ERR_NOT_FOUND || error.status == M365_ERROR else { throw error }
                    unknown.append(entry)
                }
            }
            if !unknown.isEmpty {
                throw PluginFailure("No member was added: these users do not exist: \(unknown.joined(separator: ", "))", status: M365_ERR_NOT_FOUND)
            }
            var added: [JSON] = []
            for login in logins {
                let user = try spo.write(group + "/users", web: web, body: ["LoginName": .string(login)])?.objectValue.map(SPOClient.unwrapVerbose) ?? [:]
                added.append([
                    "AllowedRoles": [0], "CurrentRole": 0, "DisplayName": user["Title"] ?? .null, "Email": user["Email"] ?? .null,
                    "InvitationLink": .null, "IsUserKnown": true, "Message": .null, "Status": true, "User": .string(login),
                ])
            }
            try spo.invocation.emit(result: .array(added))
        },

        command("group member remove", "Removes the specified member from a SharePoint group",
                options: [webUrl] + groupChoice + [option(.userName, nil, "User principal name of the member"),
                                                   option(.email, nil, "E-mail address of the member"),
                                                   option(.userId, nil, "Site user id of the member"), forceOption],
                sets: [["groupId", "groupName"], ["userName", "email", "userId"]],
                examples: [("Without a prompt", "m365 spo group member remove --webUrl https://contoso.sharepoint.com/sites/project-x --groupId 5 --userName adele.vance@contoso.com --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            _ = try options.wholeNumber(.groupId, what: "group id")
            let userId = try options.wholeNumber(.userId, what: "user id")
            let upn = try options.upn(.userName)
            let email = try options.upn(.email)
            let web = try spo.webURL(options, .webUrl)
            let group = try groupPath(web, options, id: .groupId, name: .groupName)
            let who = upn ?? email ?? userId.map { "user \($0)" } ?? "the user"
            let groupLabel = options.string(.groupName).map { "'\($0)'" } ?? options.string(.groupId) ?? ""
            guard try spo.invocation.confirmedRemoval(options, "\(who) from the SharePoint group \(groupLabel)") else { return }
            if let upn {
                try spo.write(group + "/users/removeByLoginName(\(pathLiteral(membershipClaim(upn))))", web: web)
                return
            }
            var id = userId ?? 0
            if let email {
                guard let found = try spo.get(web + "/_api/web/siteusers/GetByEmail(\(pathLiteral(email)))")["Id"]?.intValue else {
                    throw PluginFailure("SharePoint did not return the id of \(email)", status: M365_ERR_SERVER)
                }
                id = found
            }
            try spo.write(group + "/users/removeById(\(id))", web: web)
        },
    ]
}
