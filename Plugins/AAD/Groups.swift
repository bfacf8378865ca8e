import GraphKit

/// Members and owners of a group, shared by `group member …` and `m365group user …`.
enum Membership {
    /// Graph takes at most 20 references in one `@odata.bind` PATCH.
    static let referencesPerPatch = 20

    static let listOptions = [option(.role, "r", "Only owners or members", allowed: ["Owner", "Member"]), propertiesOption,
                              option(.filter, nil, "An OData filter on the users")]
    static let listDefaults = ["id", "displayName", "userPrincipalName", "roles"]

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

    /// Removes `ids` from the role (or from both roles when `role` is nil), 20 deletions per batch.
    static func remove(_ graph: GraphClient, group: String, ids: [String], role: String?) throws(PluginFailure) {
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
            if let bad = answers.first(where: { $0.status != 404 }) { failures.append("\(id): \(bad.failureMessage)"); continue }
            failures.append("\(id): not \(role.map { "a " + $0.lowercased() } ?? "a member or owner") of the group")
        }
        guard failures.isEmpty else {
            throw PluginFailure("\(failures.count) of \(ids.count) users could not be removed: " + failures.prefix(3).joined(separator: "; "),
                                status: responses.contains { $0.status == 403 } ? M365_ERR_FORBIDDEN : M365_ERROR)
        }
    }

    /// Streams the group's users with a `roles` list: owners are fetched first (few), members
    /// stream page by page, then owners who are not members.
    static func list(_ graph: GraphClient, group: String, _ options: Options) throws(PluginFailure) {
        let role = options.string(.role), select = options.string(.properties), filter = options.string(.filter)
        let query = OData.query([("$select", select ?? "id,displayName,userPrincipalName,givenName,surname"), ("$filter", filter)])
        let wantOwners = role == nil || role?.lowercased() == "owner"
        let wantMembers = role == nil || role?.lowercased() == "member"
        var owners: [JSONObject] = []
        if wantOwners { owners = try graph.all("/groups/\(group)/owners" + query) }
        let ownerIds = Set(owners.compactMap { $0["id"]?.stringValue })
        var seen: Set<String> = []
        var count = 0
        func emit(_ user: JSONObject, _ roles: [String]) throws(PluginFailure) {
            try graph.invocation.emit(item: .object(user.adding(["roles": .array(roles.map { .string($0) })])))
            count += 1
        }
        if wantMembers {
            try graph.forEachItem("/groups/\(group)/members" + query) { user throws(PluginFailure) in
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

    static let typeFilters: [String: String] = [
        "microsoft365": "groupTypes/any(c:c eq 'Unified')",
        "security": "securityEnabled eq true and mailEnabled eq false",
        "distribution": "securityEnabled eq false and mailEnabled eq true",
        "mailenabledsecurity": "securityEnabled eq true and mailEnabled eq true",
    ]

    static let all: [PluginCommand] = [
        command("group list", "Lists groups",
                options: [option(.type, nil, "The kind of group", allowed: ["microsoft365", "security", "distribution", "mailEnabledSecurity"]),
                          propertiesOption],
                defaults: ["id", "displayName", "groupType"],
                examples: [("Security groups", "m365 entra group list --type security")]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let filter = options.string(.type).flatMap { typeFilters[$0.lowercased()] }
            try graph.list("/groups" + OData.query([("$select", graph.select(options)), ("$filter", filter), ("$top", "999")])) { group in
                guard options.string(.properties) == nil, let type = groupType(group) else { return group }
                return group.adding(["groupType": .string(type)])
            }
        },

        command("group get", "Gets a group by id or display name", options: groupSelector + [propertiesOption],
                sets: [["id", "displayName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try graph.groupId(options, id: .id, name: .displayName)
            try graph.invocation.emit(result: .object(try graph.get("/groups/\(id)" + OData.query([("$select", graph.select(options))]))))
        },

        command("group add", "Creates a Microsoft 365 or security group",
                options: [option(.displayName, "n", "The display name", required: true), option(.description, "d", "The description"),
                          option(.type, "t", "The kind of group", required: true, allowed: ["microsoft365", "security"]),
                          option(.mailNickname, "m", "The mail alias; defaults to the display name without spaces"),
                          option(.ownerIds, nil, "Comma-separated owner IDs"), option(.ownerUserNames, nil, "Comma-separated owner user names"),
                          option(.memberIds, nil, "Comma-separated member IDs"), option(.memberUserNames, nil, "Comma-separated member user names"),
                          option(.visibility, nil, "Who can see the group", allowed: ["Public", "Private", "HiddenMembership"])],
                defaults: ["id", "displayName", "groupType"],
                examples: [("A security group with two members", "m365 entra group add --displayName Finance --type security --memberUserNames adele@contoso.com,megan@contoso.com")]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.ownerIds, .memberIds])
            try options.exclusive([.ownerIds, .ownerUserNames]); try options.exclusive([.memberIds, .memberUserNames])
            let owners = try Membership.userIds(graph, options, ids: .ownerIds, names: .ownerUserNames)
            let members = try Membership.userIds(graph, options, ids: .memberIds, names: .memberUserNames)
            let unified = options.string(.type)?.lowercased() == "microsoft365"
            let name = options.string(.displayName) ?? ""
            var body: JSONObject = [
                "displayName": .string(name), "description": JSON(options.string(.description)),
                "mailNickname": .string(options.string(.mailNickname) ?? String(name.filter { $0.isLetter || $0.isNumber })),
                "mailEnabled": .bool(unified), "securityEnabled": .bool(!unified),
                "groupTypes": unified ? ["Unified"] : [],
            ]
            if let visibility = options.string(.visibility) { body["visibility"] = .string(visibility) }
            body = body.adding(Membership.bindings(graph, owners: owners, members: members))
            guard let group = try graph.send("POST", "/groups", body: .object(body))?.objectValue, let id = group["id"]?.stringValue else {
                throw PluginFailure("Microsoft Graph did not return the new group", status: M365_ERR_SERVER)
            }
            try Membership.addRemainder(graph, group: id, owners: owners, members: members)
            try graph.invocation.emit(result: .object(group))
        },

        command("group set", "Updates a group", options: groupSelector + [
            option(.newDisplayName, nil, "The new display name"), option(.description, "d", "The new description"),
            option(.mailNickname, "m", "The new mail alias"),
            option(.ownerIds, nil, "Comma-separated IDs of owners to add"), option(.ownerUserNames, nil, "Comma-separated user names of owners to add"),
            option(.memberIds, nil, "Comma-separated IDs of members to add"), option(.memberUserNames, nil, "Comma-separated user names of members to add"),
            option(.visibility, nil, "Who can see the group", allowed: ["Public", "Private", "HiddenMembership"]),
        ], sets: [["id", "displayName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.ownerIds, .memberIds])
            try options.exclusive([.ownerIds, .ownerUserNames]); try options.exclusive([.memberIds, .memberUserNames])
            guard [options.has(.newDisplayName), options.has(.description), options.has(.mailNickname), options.has(.ownerIds), options.has(.ownerUserNames), options.has(.memberIds), options.has(.memberUserNames), options.has(.visibility)].contains(true) else { throw usage("specify at least one property to update") }
            let id = try graph.groupId(options, id: .id, name: .displayName)
            var body = JSONObject()
            if let v = options.string(.newDisplayName) { body["displayName"] = .string(v) }
            if let v = options.string(.description) { body["description"] = .string(v) }
            if let v = options.string(.mailNickname) { body["mailNickname"] = .string(v) }
            if let v = options.string(.visibility) { body["visibility"] = .string(v) }
            if !body.isEmpty { try graph.send("PATCH", "/groups/\(id)", body: .object(body)) }
            let owners = try Membership.userIds(graph, options, ids: .ownerIds, names: .ownerUserNames)
            let members = try Membership.userIds(graph, options, ids: .memberIds, names: .memberUserNames)
            if !owners.isEmpty { try Membership.add(graph, group: id, ids: owners, role: "Owner") }
            if !members.isEmpty { try Membership.add(graph, group: id, ids: members, role: "Member") }
        },

        command("group remove", "Removes a group", options: groupSelector + [forceOption], sets: [["id", "displayName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try graph.groupId(options, id: .id, name: .displayName)
            guard try graph.invocation.confirmedRemoval(options, "the group '\(options.string(.displayName) ?? id)'") else { return }
            try graph.send("DELETE", "/groups/\(id)")
        },

        command("group member list", "Lists the owners and members of a group, each with its roles",
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

        command("group member remove", "Removes users from a group",
                options: memberGroup + userChoice + [option(.role, "r", "Remove only from this role", allowed: ["Owner", "Member"]), forceOption],
                sets: [["groupId", "groupName"], ["userIds", "userNames"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.userIds, .groupId])
            let id = try graph.groupId(options, id: .groupId, name: .groupName)
            guard try graph.invocation.confirmedRemoval(options, "the users from the group") else { return }
            let users = try Membership.userIds(graph, options, ids: .userIds, names: .userNames)
            try Membership.remove(graph, group: id, ids: users, role: options.string(.role))
        },
    ]
}

/// `aad m365group …`: Microsoft 365 groups (groupTypes contains Unified).
enum M365GroupCommands {
    static let unified = "groupTypes/any(c:c eq 'Unified')"
    static let selector = [option(.id, "i", "The ID of the group"), option(.displayName, "n", "The display name of the group")]
    static let target = [option(.groupId, "i", "The ID of the group"), option(.groupName, "n", "The display name of the group")]

    /// The group's id, checked to be a Microsoft 365 group.
    static func groupId(_ graph: GraphClient, _ options: Options, id: OptionKey<String>, name: OptionKey<String>) throws(PluginFailure) -> String {
        let groupId = try graph.groupId(options, id: id, name: name)
        let group = try graph.get("/groups/\(groupId)?$select=id,groupTypes")
        guard group["groupTypes"]?.arrayValue?.contains(.string("Unified")) == true else {
            throw PluginFailure("Specified group with id '\(groupId)' is not a Microsoft 365 group.")
        }
        return groupId
    }

    static let all: [PluginCommand] = [
        command("m365group list", "Lists Microsoft 365 groups",
                options: [option(.displayName, "d", "Only groups whose display name starts with this"),
                          option(.mailNickname, "m", "Only groups whose mail alias starts with this"), propertiesOption],
                defaults: ["id", "displayName", "mailNickname"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            var terms = [unified]
            if let v = options.string(.displayName) { terms.append("startswith(displayName,\(OData.quote(v)))") }
            if let v = options.string(.mailNickname) { terms.append("startswith(mailNickname,\(OData.quote(v)))") }
            try graph.list("/groups" + OData.query([("$select", graph.select(options)), ("$filter", terms.joined(separator: " and ")), ("$top", "999")]))
        },

        command("m365group get", "Gets a Microsoft 365 group", options: selector + [propertiesOption], sets: [["id", "displayName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try groupId(graph, options, id: .id, name: .displayName)
            try graph.invocation.emit(result: .object(try graph.get("/groups/\(id)" + OData.query([("$select", graph.select(options))]))))
        },

        command("m365group add", "Creates a Microsoft 365 group",
                options: [option(.displayName, "n", "The display name", required: true), option(.mailNickname, "m", "The mail alias", required: true),
                          option(.description, "d", "The description"), option(.owners, nil, "Comma-separated owner user names"),
                          option(.members, nil, "Comma-separated member user names"),
                          option(.visibility, nil, "Who can see the group", allowed: ["Public", "Private", "HiddenMembership"], defaultValue: "Public")],
                defaults: ["id", "displayName", "mailNickname"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
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

        command("m365group set", "Updates a Microsoft 365 group", options: selector + [
            option(.newDisplayName, nil, "The new display name"), option(.description, "d", "The new description"),
            option(.owners, nil, "Comma-separated user names of owners to add"), option(.members, nil, "Comma-separated user names of members to add"),
            option(.visibility, nil, "Who can see the group", allowed: ["Public", "Private", "HiddenMembership"]),
        ], sets: [["id", "displayName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            guard [options.has(.newDisplayName), options.has(.description), options.has(.owners), options.has(.members), options.has(.visibility)].contains(true) else {
                throw usage("specify at least one property to update")
            }
            let id = try groupId(graph, options, id: .id, name: .displayName)
            var body = JSONObject()
            if let v = options.string(.newDisplayName) { body["displayName"] = .string(v) }
            if let v = options.string(.description) { body["description"] = .string(v) }
            if let v = options.string(.visibility) { body["visibility"] = .string(v) }
            if !body.isEmpty { try graph.send("PATCH", "/groups/\(id)", body: .object(body)) }
            let owners = try graph.userIds(upns: options.list(.owners) ?? [])
            let members = try graph.userIds(upns: options.list(.members) ?? [])
            if !owners.isEmpty { try Membership.add(graph, group: id, ids: owners, role: "Owner") }
            if !members.isEmpty { try Membership.add(graph, group: id, ids: members, role: "Member") }
        },

        command("m365group remove", "Removes a Microsoft 365 group", options: selector + [forceOption], sets: [["id", "displayName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try groupId(graph, options, id: .id, name: .displayName)
            guard try graph.invocation.confirmedRemoval(options, "the group '\(options.string(.displayName) ?? id)'") else { return }
            try graph.send("DELETE", "/groups/\(id)")
        },

        command("m365group user list", "Lists the owners and members of a Microsoft 365 group",
                options: target + Membership.listOptions, sets: [["groupId", "groupName"]], defaults: Membership.listDefaults) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try groupId(graph, options, id: .groupId, name: .groupName)
            try Membership.list(graph, group: id, options)
        },

        command("m365group user add", "Adds users to a Microsoft 365 group",
                options: target + [option(.ids, nil, "Comma-separated user IDs"), option(.userNames, nil, "Comma-separated user names"),
                                   option(.role, "r", "The role", allowed: ["Owner", "Member"], defaultValue: "Member")],
                sets: [["groupId", "groupName"], ["ids", "userNames"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.ids, .groupId])
            let id = try groupId(graph, options, id: .groupId, name: .groupName)
            let users = try Membership.userIds(graph, options, ids: .ids, names: .userNames)
            try Membership.add(graph, group: id, ids: users, role: options.string(.role) ?? "Member")
        },

        command("m365group user remove", "Removes users from a Microsoft 365 group",
                options: target + [option(.ids, nil, "Comma-separated user IDs"), option(.userNames, nil, "Comma-separated user names"), forceOption],
                sets: [["groupId", "groupName"], ["ids", "userNames"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.ids, .groupId])
            let id = try groupId(graph, options, id: .groupId, name: .groupName)
            guard try graph.invocation.confirmedRemoval(options, "the users from the group") else { return }
            let users = try Membership.userIds(graph, options, ids: .ids, names: .userNames)
            try Membership.remove(graph, group: id, ids: users, role: nil)
        },
    ]
}
