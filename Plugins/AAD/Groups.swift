import GraphKit

/// Members and owners of a group, shared by `group member …` and `m365group user …`.
enum Membership {
    /// Graph takes at most 20 references in one `@odata.bind` PATCH.
    static let referencesPerPatch = 20

    static let listOptions = [option(.role, "r", "Only owners or members", allowed: ["Owner", "Member"]), propertiesOption,
                              option(.filter, "f", "An OData filter on the users (sent as an advanced query)")]
    static let listDefaults = ["id", "displayName", "userPrincipalName", "roles"]
    /// How the lists differ from the CLI's, for their help.
    static let listOrderNote = " (differs from CLI for Microsoft 365, which lists owners first: members stream page by page, then owners who are not members)"

    static func collection(_ role: String) -> String { role.lowercased() == "owner" ? "owners" : "members" }

    /// Adds `ids` in the role: PATCHes of 20 `@odata.bind` references, sent 20 to a JSON batch,
    /// so 500 users take 2 HTTP requests. Every PATCH's answer is checked.
    static func add(_ graph: GraphClient, group: String, ids: [String], role: String) throws(PluginFailure) {
        let property = collection(role) + "@odata.bind"
        var requests: [GraphBatchRequest] = []
        var start = 0
        while start < ids.count {
            let chunk = ids[start..<min(ids.count, start + referencesPerPatch)]
            requests.append(GraphBatchRequest(id: String(requests.count + 1), method: "PATCH", url: "/groups/\(group)",
                                              body: [property: .array(chunk.map { .string(graph.directoryObjectURL($0)) })]))
            start += referencesPerPatch
        }
        _ = try graph.batchChecked(requests) { request in
            let number = Int(request.id)! - 1
            return "adding users \(number * referencesPerPatch + 1)–\(min(ids.count, (number + 1) * referencesPerPatch))"
        }
    }

    /// Makes `ids` the whole list of the role, as the CLI's `group set` and `m365group set` do:
    /// adds the users who are missing and removes every other user.
    static func replace(_ graph: GraphClient, group: String, ids: [String], role: String) throws(PluginFailure) {
        var current: [String] = []
        try graph.forEachItem("/groups/\(group)/\(collection(role))/microsoft.graph.user?$select=id") { user throws(PluginFailure) in
            if let id = user["id"]?.stringValue { current.append(id) }
        }
        let have = Set(current.map { $0.lowercased() }), want = Set(ids.map { $0.lowercased() })
        let missing = ids.filter { !have.contains($0.lowercased()) }
        let extra = current.filter { !want.contains($0.lowercased()) }
        if !missing.isEmpty { try add(graph, group: group, ids: missing, role: role) }
        if !extra.isEmpty { try remove(graph, group: group, ids: extra, role: role) }
    }

    /// Removes `ids` from the role (or from both roles when `role` is nil), 20 deletions per batch.
    /// `ignoreNotFound`: a user in neither list is not an error (the CLI's m365group user remove,
    /// and group member remove --suppressNotFound).
    static func remove(_ graph: GraphClient, group: String, ids: [String], role: String?, ignoreNotFound: Bool = false) throws(PluginFailure) {
        let roles = role.map { [collection($0)] } ?? ["owners", "members"]
        var requests: [GraphBatchRequest] = []
        for id in ids {
            for collection in roles {
                requests.append(GraphBatchRequest(id: String(requests.count + 1), method: "DELETE", url: "/groups/\(group)/\(collection)/\(id)/$ref"))
            }
        }
        let responses = try graph.batch(requests)
        // Without a role a user is usually in one of the two lists: a 404 from the other is expected.
        var failures: [String] = []
        for index in stride(from: 0, to: requests.count, by: roles.count) {
            let answers = responses[index..<index + roles.count]
            let id = ids[index / roles.count]
            if answers.contains(where: \.isSuccess) { continue }
            if ignoreNotFound && answers.allSatisfy({ $0.status == 404 }) { continue }
            if let bad = answers.first(where: { $0.status != 404 }) { failures.append("\(id): \(bad.failureMessage)"); continue }
            failures.append("\(id): not \(role.map { "a " + $0.lowercased() } ?? "a member or owner") of the group")
        }
        guard failures.isEmpty else {
            throw PluginFailure("\(failures.count) of \(ids.count) users could not be removed: " + failures.prefix(3).joined(separator: "; "),
                                status: responses.contains { $0.status == 403 } ? M365_ERR_FORBIDDEN : M365_ERROR)
        }
    }

    /// Streams the group's users with a `roles` list: owners are fetched first (few), members
    /// stream page by page, then owners who are not members. As the CLI: `id` is always selected,
    /// `a/b` properties become `$expand`, and a filter is an advanced query. `usersOnly` reads the
    /// `microsoft.graph.user` cast (m365group user list), which also selects `userType` by default.
    static func list(_ graph: GraphClient, group: String, _ options: Options, usersOnly: Bool = false) throws(PluginFailure) {
        let role = options.string(.role), filter = options.string(.filter)
        var properties = usersOnly ? "id,displayName,userPrincipalName,givenName,surname,userType" : "id,displayName,userPrincipalName,givenName,surname"
        if let given = options.string(.properties) {
            properties = (given.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty && $0.lowercased() != "id" } + ["id"])
                .joined(separator: ",")
        }
        let shape = selectAndExpand(properties)
        let query = OData.query([("$select", shape.select), ("$expand", shape.expand), ("$filter", filter), ("$count", filter == nil ? nil : "true")])
        let headers = filter == nil ? [] : GraphClient.eventual
        let cast = usersOnly ? "/microsoft.graph.user" : ""
        let wantOwners = role == nil || role?.lowercased() == "owner"
        let wantMembers = role == nil || role?.lowercased() == "member"
        var owners: [JSONObject] = []
        if wantOwners { owners = try graph.all("/groups/\(group)/owners" + cast + query, headers: headers) }
        let ownerIds = Set(owners.compactMap { $0["id"]?.stringValue })
        var seen: Set<String> = []
        var count = 0
        func emit(_ user: JSONObject, _ roles: [String]) throws(PluginFailure) {
            try graph.invocation.emit(item: .object(user.adding(["roles": .array(roles.map { .string($0) })])))
            count += 1
        }
        if wantMembers {
            try graph.forEachItem("/groups/\(group)/members" + cast + query, headers: headers) { user throws(PluginFailure) in
                let id = user["id"]?.stringValue ?? ""
                seen.insert(id)
                try emit(user, ownerIds.contains(id) ? ["Owner", "Member"] : ["Member"])
            }
        }
        for owner in owners where !seen.contains(owner["id"]?.stringValue ?? "") { try emit(owner, ["Owner"]) }
        if count == 0 { try graph.invocation.emit(result: []) }
    }

    /// User ids from `--<idsOption>` or resolved from `--<namesOption>`.
    static func userIds(_ graph: GraphClient, _ options: Options, ids idsOption: OptionKey<String>, names namesOption: OptionKey<String>) throws(PluginFailure) -> [String] {
        if let ids = options.list(idsOption) { return ids }
        return try graph.userIds(upns: options.list(namesOption) ?? [])
    }

    /// `@odata.bind` references for a new group's owners and members (at most 20 each go in the
    /// POST; the rest are added afterwards).
    static func bindings(_ graph: GraphClient, owners: [String], members: [String]) -> JSONObject {
        var body = JSONObject()
        if !owners.isEmpty { body["owners@odata.bind"] = .array(owners.prefix(referencesPerPatch).map { .string(graph.directoryObjectURL($0)) }) }
        if !members.isEmpty { body["members@odata.bind"] = .array(members.prefix(referencesPerPatch).map { .string(graph.directoryObjectURL($0)) }) }
        return body
    }

    static func addRemainder(_ graph: GraphClient, group: String, owners: [String], members: [String]) throws(PluginFailure) {
        if owners.count > referencesPerPatch { try add(graph, group: group, ids: Array(owners.dropFirst(referencesPerPatch)), role: "Owner") }
        if members.count > referencesPerPatch { try add(graph, group: group, ids: Array(members.dropFirst(referencesPerPatch)), role: "Member") }
    }
}

/// `aad group …`: every kind of group.
enum GroupCommands {
    static let groupSelector = [option(.id, "i", "The ID of the group"), option(.displayName, "n", "The display name of the group")]
    static let memberGroup = [option(.groupId, "i", "The ID of the group"), option(.groupName, "n", "The display name of the group")]
    static let userChoice = [option(.userIds, nil, "Comma-separated user IDs"), option(.userNames, nil, "Comma-separated user principal names")]

    /// The kind of group as CLI for Microsoft 365 names it in `groupType`.
    static func groupType(_ group: JSONObject) -> String? {
        guard let types = group["groupTypes"]?.arrayValue else { return nil }
        if types.contains(.string("Unified")) { return "Microsoft 365" }
        let security = group["securityEnabled"]?.boolValue ?? false, mail = group["mailEnabled"]?.boolValue ?? false
        return security ? (mail ? "Mail enabled security" : "Security") : (mail ? "Distribution" : nil)
    }

    /// As the CLI: distribution and mail-enabled security groups leave Microsoft 365 groups out,
    /// which takes an advanced query (`not`, `$count`, `ConsistencyLevel`).
    static let typeFilters: [String: (filter: String, advanced: Bool)] = [
        "microsoft365": ("groupTypes/any(c:c eq 'Unified')", false),
        "security": ("securityEnabled eq true and mailEnabled eq false", false),
        "distribution": ("securityEnabled eq false and mailEnabled eq true and not(groupTypes/any(t:t eq 'Unified'))", true),
        "mailenabledsecurity": ("securityEnabled eq true and mailEnabled eq true and not(groupTypes/any(t:t eq 'Unified'))", true),
    ]

    static let all: [PluginCommand] = [
        command("group list", "Lists groups; with --output text each has its groupType",
                options: [option(.type, nil, "The kind of group", allowed: ["microsoft365", "security", "distribution", "mailEnabledSecurity"]),
                          propertiesOption],
                defaults: ["id", "displayName", "groupType"],
                examples: [("Security groups", "m365 entra group list --type security")]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let type = options.string(.type).flatMap { typeFilters[$0.lowercased()] }
            let advanced = type?.advanced == true
            let query = OData.query([("$filter", type?.filter), ("$count", advanced ? "true" : nil),
                                     ("$select", selectAndExpand(options.string(.properties)).select), ("$top", "999")])
            // As the CLI: groupType is added for text output only.
            let text = graph.invocation.outputMode == "text"
            try graph.list("/groups" + query, headers: advanced ? GraphClient.eventual : []) { group in
                guard text, let type = groupType(group) else { return group }
                return group.adding(["groupType": .string(type)])
            }
        },

        command("group get", "Gets a group by id or display name", options: groupSelector + [propertiesOption],
                sets: [["id", "displayName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try graph.groupId(options, id: .id, name: .displayName)
            try graph.invocation.emit(result: .object(try graph.get("/groups/\(id)" + OData.query([("$select", selectAndExpand(options.string(.properties)).select)]))))
        },

        command("group add", "Creates a Microsoft 365 or security group; other --property value options are set on the group",
                options: [option(.displayName, "n", "The display name", required: true), option(.description, "d", "The description"),
                          option(.type, "t", "The kind of group", required: true, allowed: ["microsoft365", "security"]),
                          option(.mailNickname, "m", "The mail alias; defaults to the display name's letters and digits (differs from CLI for Microsoft 365, which makes up Group<random number>)"),
                          option(.ownerIds, nil, "Comma-separated owner IDs"), option(.ownerUserNames, nil, "Comma-separated owner user names"),
                          option(.memberIds, nil, "Comma-separated member IDs"), option(.memberUserNames, nil, "Comma-separated member user names"),
                          option(.visibility, nil, "Who can see the group (default Public; required with --type microsoft365)", allowed: ["Public", "Private", "HiddenMembership"])],
                unknownOptions: true,
                examples: [("A security group with two members", "m365 entra group add --displayName Finance --type security --memberUserNames adele@contoso.com,megan@contoso.com")]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.ownerIds, .memberIds])
            try options.exclusive([.ownerIds, .ownerUserNames]); try options.exclusive([.memberIds, .memberUserNames])
            if (options.string(.displayName) ?? "").count > 256 { throw usage("The maximum amount of characters for 'displayName' is 256.") }
            if let nickname = options.string(.mailNickname) {
                guard nickname.unicodeScalars.allSatisfy({ $0.isASCII && !"@()\\[]\";:<>, ".unicodeScalars.contains($0) }) else {
                    throw usage("Value for option 'mailNickname' must contain only characters in the ASCII character set 0-127 except the following: @ () \\ [] \" ; : <> , SPACE.")
                }
                if nickname.count > 64 { throw usage("The maximum amount of characters for 'mailNickname' is 64.") }
            }
            let unified = options.string(.type)?.lowercased() == "microsoft365"
            if unified && !options.has(.visibility) { throw usage("Option 'visibility' must be specified if the option 'type' is set to microsoft365") }
            let owners = try Membership.userIds(graph, options, ids: .ownerIds, names: .ownerUserNames)
            let members = try Membership.userIds(graph, options, ids: .memberIds, names: .memberUserNames)
            let name = options.string(.displayName) ?? ""
            // As the CLI: every group is security enabled; all but security groups are mail enabled.
            var body: JSONObject = [
                "displayName": .string(name), "description": JSON(options.string(.description)),
                "mailNickname": .string(options.string(.mailNickname) ?? String(name.filter { $0.isLetter || $0.isNumber })),
                "visibility": .string(options.string(.visibility) ?? "Public"),
                "groupTypes": unified ? ["Unified"] : [],
                "mailEnabled": .bool(options.string(.type)?.lowercased() != "security"), "securityEnabled": true,
            ]
            for (name, value) in options.unknown { body[name] = .string(value) }
            body = body.adding(Membership.bindings(graph, owners: owners, members: members))
            guard let group = try graph.send("POST", "/groups", body: .object(body))?.objectValue, let id = group["id"]?.stringValue else {
                throw PluginFailure("Microsoft Graph did not return the new group", status: M365_ERR_SERVER)
            }
            try Membership.addRemainder(graph, group: id, owners: owners, members: members)
            try graph.invocation.emit(result: .object(group))
        },

        command("group set", "Updates a group; other --property value options are set on the group", options: groupSelector + [
            option(.newDisplayName, nil, "The new display name"), option(.description, "d", "The new description (empty clears it)"),
            option(.mailNickname, "m", "The new mail alias"),
        ] + replacingMembership + [
            option(.visibility, nil, "Who can see the group", allowed: ["Public", "Private", "HiddenMembership"]),
        ], sets: [["id", "displayName"]], unknownOptions: true) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.ownerIds, .memberIds])
            try options.exclusive([.ownerIds, .ownerUserNames]); try options.exclusive([.memberIds, .memberUserNames])
            guard [options.has(.newDisplayName), options.has(.description), options.has(.mailNickname), options.has(.ownerIds), options.has(.ownerUserNames), options.has(.memberIds), options.has(.memberUserNames), options.has(.visibility)].contains(true) else { throw usage("specify at least one property to update") }
            let id = try graph.groupId(options, id: .id, name: .displayName)
            var body = JSONObject()
            if let v = options.string(.newDisplayName) { body["displayName"] = .string(v) }
            if let v = options.string(.description) { body["description"] = v.isEmpty ? .null : .string(v) }
            if let v = options.string(.mailNickname) { body["mailNickname"] = .string(v) }
            if let v = options.string(.visibility) { body["visibility"] = .string(v) }
            for (name, value) in options.unknown { body[name] = .string(value) }
            if !body.isEmpty { try graph.send("PATCH", "/groups/\(id)", body: .object(body)) }
            let owners = try Membership.userIds(graph, options, ids: .ownerIds, names: .ownerUserNames)
            let members = try Membership.userIds(graph, options, ids: .memberIds, names: .memberUserNames)
            if !owners.isEmpty { try Membership.replace(graph, group: id, ids: owners, role: "Owner") }
            if !members.isEmpty { try Membership.replace(graph, group: id, ids: members, role: "Member") }
        },

        command("group remove", "Removes a group", options: groupSelector + [forceOption], sets: [["id", "displayName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try graph.groupId(options, id: .id, name: .displayName)
            guard try graph.invocation.confirmedRemoval(options, "the group '\(options.string(.displayName) ?? id)'") else { return }
            try graph.send("DELETE", "/groups/\(id)")
        },

        command("group member list", "Lists the owners and members of a group, each with its roles" + Membership.listOrderNote,
                options: memberGroup + Membership.listOptions, sets: [["groupId", "groupName"]], defaults: Membership.listDefaults) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try graph.groupId(options, id: .groupId, name: .groupName)
            try Membership.list(graph, group: id, options)
        },

        command("group member add", "Adds users to a group as members or owners (batched: 400 users per request)",
                options: memberGroup + userChoice + [option(.role, "r", "The role", required: true, allowed: ["Owner", "Member"])],
                sets: [["groupId", "groupName"], ["userIds", "userNames"]],
                examples: [("Two members", "m365 entra group member add --groupName Finance --userNames adele@contoso.com,megan@contoso.com --role Member")]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.userIds, .groupId])
            let id = try graph.groupId(options, id: .groupId, name: .groupName)
            let users = try Membership.userIds(graph, options, ids: .userIds, names: .userNames)
            try Membership.add(graph, group: id, ids: users, role: options.string(.role) ?? "Member")
        },

        command("group member remove", "Removes users from a group (differs from CLI for Microsoft 365: without --role, a user in only one of the two lists is removed from it without an error)",
                options: memberGroup + userChoice + [option(.role, "r", "Remove only from this role", allowed: ["Owner", "Member"]),
                                                     flag(.suppressNotFound, nil, "A user who is not in the group is not an error"), forceOption],
                sets: [["groupId", "groupName"], ["userIds", "userNames"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.userIds, .groupId])
            let id = try graph.groupId(options, id: .groupId, name: .groupName)
            guard try graph.invocation.confirmedRemoval(options, "the users from the group") else { return }
            let users = try Membership.userIds(graph, options, ids: .userIds, names: .userNames)
            try Membership.remove(graph, group: id, ids: users, role: options.string(.role), ignoreNotFound: options.bool(.suppressNotFound))
        },
    ]
}

/// `aad m365group …`: Microsoft 365 groups (groupTypes contains Unified).
enum M365GroupCommands {
    static let unified = "groupTypes/any(c:c eq 'Unified')"
    static let selector = [option(.id, "i", "The ID of the group"), option(.displayName, "n", "The display name of the group")]
    /// The group of `m365group user …`: by id, display name, or the team's id or name (the same group).
    static let target = [option(.groupId, "i", "The ID of the group"), option(.groupName, "n", "The display name of the group"),
                         option(.teamId, nil, "The ID of the team (the group's id)"), option(.teamName, nil, "The name of the team")]
    static let userListTarget = [option(.groupId, "i", "The ID of the group"), option(.groupDisplayName, "n", "The display name of the group"),
                                 option(.groupName, nil, "The display name of the group (an addition of this m365; the CLI's name is --groupDisplayName)")]
    /// The mail settings Graph keeps in Exchange: read and written apart from the other properties.
    static let exchangeSettings: [OptionKey<Bool>] = [.allowExternalSenders, .autoSubscribeNewMembers, .hideFromAddressLists, .hideFromOutlookClients]

    /// The group's id, checked to be a Microsoft 365 group.
    static func groupId(_ graph: GraphClient, _ options: Options, id: OptionKey<String>, name: OptionKey<String>) throws(PluginFailure) -> String {
        let groupId = try graph.groupId(options, id: id, name: name)
        try requireUnified(graph, groupId)
        return groupId
    }

    static func requireUnified(_ graph: GraphClient, _ groupId: String) throws(PluginFailure) {
        let group = try graph.get("/groups/\(groupId)?$select=id,groupTypes")
        guard group["groupTypes"]?.arrayValue?.contains(.string("Unified")) == true else {
            throw PluginFailure("Specified group with id '\(groupId)' is not a Microsoft 365 group.")
        }
    }

    /// The group of `m365group user add|remove`: --groupId/--teamId or --groupName/--teamName.
    static func targetId(_ graph: GraphClient, _ options: Options) throws(PluginFailure) -> String {
        let given = [options.has(.groupId), options.has(.groupName), options.has(.teamId), options.has(.teamName)].filter { $0 }.count
        guard given == 1 else { throw usage("Specify exactly one of the following options: groupId, groupName, teamId, teamName") }
        if options.has(.teamId) || options.has(.teamName) {
            return try groupId(graph, options, id: .teamId, name: .teamName)
        }
        return try groupId(graph, options, id: .groupId, name: .groupName)
    }

    /// The group's SharePoint site: its drive's URL without the library part, as the CLI gives it.
    static func siteUrl(_ graph: GraphClient, _ groupId: String) throws(PluginFailure) -> JSON {
        let webUrl = try graph.get("/groups/\(groupId)/drive?$select=webUrl")["webUrl"]?.stringValue ?? ""
        guard let slash = webUrl.lastIndex(of: "/") else { return .string("") }
        return .string(String(webUrl[..<slash]))
    }

    static let all: [PluginCommand] = [
        command("m365group list", "Lists Microsoft 365 groups",
                options: [option(.displayName, "d", "Only groups whose display name starts with this"),
                          option(.mailNickname, "m", "Only groups whose mail alias starts with this"),
                          flag(.orphaned, nil, "Only groups without owners"),
                          flag(.withSiteUrl, nil, "Add the URL of each group's SharePoint site (siteUrl)"), propertiesOption],
                defaults: ["id", "displayName", "mailNickname", "siteUrl"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            var terms = [unified]
            if let v = options.string(.displayName) { terms.append("startswith(displayName,\(OData.quote(v)))") }
            if let v = options.string(.mailNickname) { terms.append("startswith(mailNickname,\(OData.quote(v)))") }
            let orphaned = options.bool(.orphaned), withSiteUrl = options.bool(.withSiteUrl)
            let query = OData.query([("$select", graph.select(options)), ("$filter", terms.joined(separator: " and ")),
                                     ("$expand", orphaned ? "owners" : nil), ("$top", "999")])
            var count = 0
            try graph.forEachItem("/groups" + query) { group throws(PluginFailure) in
                var group = group
                if orphaned, !(group["owners"]?.arrayValue?.isEmpty ?? true) { return }
                if withSiteUrl, let id = group["id"]?.stringValue { group["siteUrl"] = try siteUrl(graph, id) }
                try graph.invocation.emit(item: .object(group))
                count += 1
            }
            if count == 0 { try graph.invocation.emit(result: []) }
        },

        command("m365group get", "Gets a Microsoft 365 group with its mail settings",
                options: selector + [flag(.withSiteUrl, nil, "Add the URL of the group's SharePoint site (siteUrl)"), propertiesOption],
                sets: [["id", "displayName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try groupId(graph, options, id: .id, name: .displayName)
            var group = try graph.get("/groups/\(id)" + OData.query([("$select", selectAndExpand(options.string(.properties)).select)]))
            // As the CLI: Graph returns the Exchange settings only when asked for them alone.
            let settings = try graph.get("/groups/\(id)?$select=allowExternalSenders,autoSubscribeNewMembers,hideFromAddressLists,hideFromOutlookClients,isSubscribedByMail")
            for (name, value) in settings where name != "id" && !name.hasPrefix("@") { group[name] = value }
            if options.bool(.withSiteUrl) { group["siteUrl"] = try siteUrl(graph, id) }
            try graph.invocation.emit(result: .object(group))
        },

        command("m365group add", "Creates a Microsoft 365 group",
                options: [option(.displayName, "n", "The display name", required: true), option(.mailNickname, "m", "The mail alias", required: true),
                          option(.description, "d", "The description"), option(.owners, nil, "Comma-separated owner user names"),
                          option(.members, nil, "Comma-separated member user names"),
                          option(.visibility, nil, "Who can see the group", allowed: ["Public", "Private", "HiddenMembership"], defaultValue: "Public")]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let nickname = options.string(.mailNickname) ?? ""
            guard !nickname.contains(" "), !nickname.isEmpty else { throw usage("--mailNickname cannot contain spaces") }
            let owners = try graph.userIds(upns: options.list(.owners) ?? [])
            let members = try graph.userIds(upns: options.list(.members) ?? [])
            let body: JSONObject = [
                "displayName": .string(options.string(.displayName) ?? ""), "description": JSON(options.string(.description)),
                "mailNickname": .string(nickname), "mailEnabled": true, "securityEnabled": false, "groupTypes": ["Unified"],
                "visibility": .string(options.string(.visibility) ?? "Public"),
            ]
            guard let group = try graph.send("POST", "/groups", body: .object(body.adding(Membership.bindings(graph, owners: owners, members: members))))?.objectValue,
                  let id = group["id"]?.stringValue else {
                throw PluginFailure("Microsoft Graph did not return the new group", status: M365_ERR_SERVER)
            }
            try Membership.addRemainder(graph, group: id, owners: owners, members: members)
            try graph.invocation.emit(result: .object(group))
        },

        command("m365group set", "Updates a Microsoft 365 group: its properties, mail settings, logo, owners and members",
                options: selector + [
                    option(.newDisplayName, nil, "The new display name"), option(.description, "d", "The new description (empty clears it)"),
                ] + replacingMembership + [
                    option(.isPrivate, nil, "Whether only members can see the group's content"),
                    option(.logoPath, "l", "A JPEG, PNG or GIF file to show as the group's logo"),
                    option(.allowExternalSenders, nil, "Whether people outside the organization can send mail to the group (delegated sign-in only)"),
                    option(.autoSubscribeNewMembers, nil, "Whether new members get the group's mail (delegated sign-in only)"),
                    option(.hideFromAddressLists, nil, "Whether the group is left out of address lists"),
                    option(.hideFromOutlookClients, nil, "Whether the group is left out of Outlook"),
                    option(.visibility, nil, "Who can see the group (an addition of this m365; the CLI has --isPrivate)", allowed: ["Public", "Private", "HiddenMembership"]),
                ], sets: [["id", "displayName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let texts: [OptionKey<String>] = [.newDisplayName, .description, .ownerIds, .ownerUserNames, .memberIds, .memberUserNames, .logoPath, .visibility]
            let given: [any OptionHandle] = texts.map { $0 as any OptionHandle } + ([.isPrivate] + exchangeSettings).map { $0 as any OptionHandle }
            guard given.contains(where: { options.has(handle: $0) }) else { throw usage("Specify at least one option to update.") }
            try options.requireGUIDs([.id, .ownerIds, .memberIds])
            try options.exclusive([.ownerIds, .ownerUserNames]); try options.exclusive([.memberIds, .memberUserNames])
            if options.has(.isPrivate) && options.has(.visibility) { throw usage("specify either --isPrivate or --visibility") }
            var logo: (bytes: [UInt8], type: String)?
            if let path = options.string(.logoPath) {
                let lower = path.lowercased()
                logo = (try readLocalFile(path), lower.hasSuffix(".png") ? "image/png" : lower.hasSuffix(".gif") ? "image/gif" : "image/jpeg")
            }
            if (options.has(.allowExternalSenders) || options.has(.autoSubscribeNewMembers)) && graph.invocation.setting("connection.isAppOnly") == "true" {
                throw PluginFailure("Option 'allowExternalSenders' and 'autoSubscribeNewMembers' can only be used when using delegated permissions.")
            }
            let id = try groupId(graph, options, id: .id, name: .displayName)
            var body = JSONObject()
            if let v = options.string(.newDisplayName) { body["displayName"] = .string(v) }
            if let v = options.string(.description) { body["description"] = v.isEmpty ? .null : .string(v) }
            if let v = options.optionalBool(.isPrivate) { body["visibility"] = v ? "Private" : "Public" }
            if let v = options.string(.visibility) { body["visibility"] = .string(v) }
            if !body.isEmpty { try graph.send("PATCH", "/groups/\(id)", body: .object(body)) }
            // Graph refuses the Exchange settings in the same request as other properties.
            var settings = JSONObject()
            for key in exchangeSettings { if let v = options.optionalBool(key) { settings[key.name] = .bool(v) } }
            if !settings.isEmpty { try graph.send("PATCH", "/groups/\(id)", body: .object(settings)) }
            if let logo {
                var request = graph.service.request("PUT", graph.url("/groups/\(id)/photo/$value"), headers: [("Content-Type", logo.type)])
                request.body = logo.bytes
                _ = try graph.service.answer(request)
            }
            let owners = try Membership.userIds(graph, options, ids: .ownerIds, names: .ownerUserNames)
            let members = try Membership.userIds(graph, options, ids: .memberIds, names: .memberUserNames)
            if !owners.isEmpty { try Membership.replace(graph, group: id, ids: owners, role: "Owner") }
            if !members.isEmpty { try Membership.replace(graph, group: id, ids: members, role: "Member") }
        },

        command("m365group remove",
                "Removes a Microsoft 365 group (differs from CLI for Microsoft 365, which deletes the group's site through SharePoint: this m365 deletes the group through Graph, and Microsoft 365 removes its site later)",
                options: selector + [flag(.skipRecycleBin, nil, "Also remove the group from the deleted items at once (its site stays in SharePoint's recycle bin)"),
                                     forceOption], sets: [["id", "displayName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try groupId(graph, options, id: .id, name: .displayName)
            guard try graph.invocation.confirmedRemoval(options, "the group '\(options.string(.displayName) ?? id)'") else { return }
            try graph.send("DELETE", "/groups/\(id)")
            guard options.bool(.skipRecycleBin) else { return }
            // As the CLI: wait until the group shows among the deleted items (10 tries, 5 s apart), then purge it.
            for attempt in 1...10 {
                let found = try graph.service.invocation.send(graph.service.request("GET", graph.url("/directory/deletedItems/\(id)")))
                if found.isSuccess {
                    try graph.send("DELETE", "/directory/deletedItems/\(id)")
                    return
                }
                guard found.status == 404 else { _ = try graph.service.checked(found, url: graph.url("/directory/deletedItems/\(id)"), write: false); return }
                if attempt < 10 { try pause(seconds: 5, invocation: graph.invocation) }
            }
            graph.invocation.log("Group has been successfully deleted, but it couldn't be permanently removed from the recycle bin after all retries. It will still appear in the deleted groups list.",
                                 level: M365_LOG_WARNING)
        },

        command("m365group user list", "Lists the users who own or are members of a Microsoft 365 group" + Membership.listOrderNote,
                options: userListTarget + Membership.listOptions, sets: [["groupId", "groupDisplayName", "groupName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let name: OptionKey<String> = options.has(.groupName) ? .groupName : .groupDisplayName
            let id = try groupId(graph, options, id: .groupId, name: name)
            try Membership.list(graph, group: id, options, usersOnly: true)
        },

        command("m365group user add", "Adds users to a Microsoft 365 group",
                options: target + [option(.ids, nil, "Comma-separated user IDs"), option(.userNames, nil, "Comma-separated user names"),
                                   option(.role, "r", "The role", allowed: ["Owner", "Member"], defaultValue: "Member")],
                sets: [["ids", "userNames"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.ids, .groupId, .teamId])
            let id = try targetId(graph, options)
            let users = try Membership.userIds(graph, options, ids: .ids, names: .userNames)
            try Membership.add(graph, group: id, ids: users, role: options.string(.role) ?? "Member")
        },

        command("m365group user remove", "Removes users from a Microsoft 365 group (a user who is not in it is not an error)",
                options: target + [option(.ids, nil, "Comma-separated user IDs"), option(.userNames, nil, "Comma-separated user names"), forceOption],
                sets: [["ids", "userNames"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.ids, .groupId, .teamId])
            let id = try targetId(graph, options)
            guard try graph.invocation.confirmedRemoval(options, "the users from the group") else { return }
            let users = try Membership.userIds(graph, options, ids: .ids, names: .userNames)
            try Membership.remove(graph, group: id, ids: users, role: nil, ignoreNotFound: true)
        },
    ]
}

/// `group set` and `m365group set`: the owners and members a group should have, all of them
/// (the CLI adds who is missing and removes everyone else).
private let replacingMembership: [OptionSpec] = [
    option(.ownerIds, nil, "Comma-separated IDs of all the owners (others are removed)"),
    option(.ownerUserNames, nil, "Comma-separated user names of all the owners (others are removed)"),
    option(.memberIds, nil, "Comma-separated IDs of all the members (others are removed)"),
    option(.memberUserNames, nil, "Comma-separated user names of all the members (others are removed)"),
]
