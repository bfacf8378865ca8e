import GraphKit

/// `teams team|channel|member|message|chat|app …`.
enum TeamsCommands {
    static let teamSelector = [option(.teamId, "i", "The ID of the team"), option(.teamName, nil, "The display name of the team")]
    /// For commands where `-i` is the channel's `--id`, as in CLI for Microsoft 365.
    static let teamSelectorNoShort = [option(.teamId, nil, "The ID of the team"), option(.teamName, nil, "The display name of the team")]
    static func isAppOnly(_ graph: GraphClient) -> Bool { graph.invocation.setting("connection.isAppOnly") == "true" }

    /// The conversationMember that adds a user to a team in `role` (owner or member).
    static func member(_ id: String, roles: [String]) -> JSON {
        ["@odata.type": "#microsoft.graph.aadUserConversationMember", "roles": .array(roles.map { .string($0) }),
         "user@odata.bind": .string("https://graph.microsoft.com/v1.0/users('\(id)')")]
    }

    /// User ids from `--<prefix>Ids`, `--<prefix>UserNames` or `--<prefix>Emails`, whichever is given first.
    static func userIds(_ graph: GraphClient, _ options: Options, ids: OptionKey<String>, names: OptionKey<String>, emails: OptionKey<String>) throws(PluginFailure) -> [String] {
        if let list = options.list(emails) {
            var out: [String] = []
            for email in list { out.append(try graph.findOne("/users", where: "mail", is: email, noun: "user", select: "id")["id"]?.stringValue ?? "") }
            return out
        }
        if let list = options.list(ids) { return list }
        if let list = options.list(names) { return try graph.userIds(upns: list) }
        return []
    }

    static func teamId(_ graph: GraphClient, _ options: Options, id: OptionKey<String> = .teamId, name: OptionKey<String> = .teamName) throws(PluginFailure) -> String {
        if let value = options.string(id) {
            guard isGUID(value) else { throw usage("\(value) is not a valid GUID") }
            return value
        }
        guard let value = options.string(name) else { throw usage("specify --\(id.name) or --\(name.name)") }
        return try graph.findOne("/teams", where: "displayName", is: value, noun: "team")["id"]?.stringValue ?? ""
    }

    /// `19:<letters, digits, - or _>@thread.tacv2` (or `.skype`): a Teams channel id.
    static func isChannelId(_ text: String) -> Bool {
        let lower = text.lowercased()
        guard lower.hasPrefix("19:"), let at = lower.lastIndex(of: "@") else { return false }
        let middle = lower[lower.index(lower.startIndex, offsetBy: 3)..<at]
        let suffix = lower[lower.index(after: at)...]
        return !middle.isEmpty && middle.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "_" }
            && (suffix == "thread.tacv2" || suffix == "thread.skype")
    }

    static func channelId(_ graph: GraphClient, team: String, _ options: Options, id: OptionKey<String> = .channelId, name: OptionKey<String> = .channelName) throws(PluginFailure) -> String {
        if let value = options.string(id) {
            guard isChannelId(value) else { throw usage("\(value) is not a valid Teams channel id") }
            return value
        }
        guard let value = options.string(name) else { throw usage("specify --\(id.name) or --\(name.name)") }
        return try graph.findOne("/teams/\(team)/channels", where: "displayName", is: value, noun: "channel")["id"]?.stringValue ?? ""
    }

    /// Follows a Teams long-running operation (`Location: /teams('…')/operations('…')`) until it
    /// ends; fails with the operation's error.
    /// The operation, read with `odata.metadata=minimal` as CLI for Microsoft 365 reads it.
    static func operation(_ graph: GraphClient, _ location: String) throws(PluginFailure) -> JSONObject {
        var request = graph.service.request("GET", graph.url(location))
        request.headers = request.headers.filter { $0.name.lowercased() != "accept" } + [("Accept", "application/json;odata.metadata=minimal")]
        guard let operation = try graph.service.json(graph.service.answer(request), url: request.url)?.objectValue else {
            throw PluginFailure("Microsoft Graph sent no operation for \(location)", status: M365_ERR_SERVER)
        }
        return operation
    }

    static func waitForOperation(_ graph: GraphClient, location: String, label: String) throws(PluginFailure) -> JSONObject {
        var attempt = 0
        while true {
            let operation = try operation(graph, location)
            switch operation["status"]?.stringValue?.lowercased() {
            case "succeeded": return operation
            case "failed":
                let message = ServiceError.parse(.object(operation))?.message ?? ""
                throw PluginFailure("\(label) failed: \(message.isEmpty ? "the operation failed" : oneLine(message))", status: M365_ERR_SERVER)
            default:
                attempt += 1
                graph.invocation.progress(label, done: -1, total: -1)
                try pause(seconds: min(Double(attempt), 5), invocation: graph.invocation)
            }
        }
    }

    /// Sends a request Graph answers with 202 and an operation's Location; returns that location.
    static func startOperation(_ graph: GraphClient, _ method: String, _ path: String, body: JSON?) throws(PluginFailure) -> String {
        var request = ServiceRequest(method: method, url: graph.url(path), headers: GraphClient.jsonHeaders)
        if let body { request = ServiceRequest(method: method, url: graph.url(path), json: body, headers: GraphClient.jsonHeaders) }
        let response = try graph.invocation.send(request)
        guard response.isSuccess else { throw GraphClient.failure(response) }
        guard let location = response.header("location") else {
            throw PluginFailure("Microsoft Graph accepted \(path) without an operation to follow", status: M365_ERR_SERVER)
        }
        return location
    }

    static let all: [PluginCommand] = [
        command("team list", "Lists teams (--properties is an addition of this m365)",
                options: [flag(.joined, "j", "Only the teams the user is a member of"), flag(.associated, "a", "Only the teams the user is a member of or has a shared channel in"),
                          option(.userId, nil, "The ID of the user (with --joined or --associated; default: you)"),
                          option(.userName, nil, "The user name of the user (with --joined or --associated; default: you)"), propertiesOption],
                defaults: ["id", "displayName", "isArchived", "description"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.exclusive([.joined, .associated])
            try options.exclusive([.userId, .userName])
            let mine = options.bool(.joined) || options.bool(.associated)
            if !mine && (options.has(.userId) || options.has(.userName)) { throw usage("--userId and --userName need --joined or --associated") }
            try options.requireGUIDs([.userId])
            let path: String
            if mine {
                let user = (options.string(.userId) ?? options.string(.userName)).map { "/users/\(OData.segment($0))" } ?? "/me"
                path = user + (options.bool(.joined) ? "/joinedTeams" : "/teamwork/associatedTeams") + "?$select=id"
            } else {
                path = "/groups" + OData.query([("$select", "id"), ("$filter", "resourceProvisioningOptions/Any(x:x eq 'Team')")])
            }
            let ids = try graph.all(path).compactMap { $0["id"]?.stringValue }
            // The full team of each, in JSON batches of 20, as CLI for Microsoft 365 reads them.
            let select = OData.query([("$select", graph.select(options))])
            let requests = ids.enumerated().map { index, id in
                GraphBatchRequest(id: String(index), method: "GET", url: "/teams/\(id)\(select)", headers: ["accept": "application/json;odata.metadata=none"])
            }
            var teams: [JSONObject] = []
            for response in try graph.batch(requests) {
                guard response.isSuccess, let team = response.body?.objectValue else {
                    throw PluginFailure(response.failureMessage, status: abiStatus(forHTTPStatus: response.status))
                }
                teams.append(team)
            }
            teams.sort { ($0["displayName"]?.stringValue ?? "").lowercased() < ($1["displayName"]?.stringValue ?? "").lowercased() }
            try graph.invocation.emit(result: .array(teams.map { .object($0) }))
        },

        command("team get", "Gets a team (by --name, differs from CLI for Microsoft 365: the full team, not the list entry)", options: [option(.id, "i", "The ID of the team"), option(.name, "n", "The display name of the team")],
                sets: [["id", "name"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try graph.invocation.emit(result: .object(try graph.get("/teams/\(try teamId(graph, options, id: .id, name: .name))")))
        },

        command("team add", "Creates a team (and its Microsoft 365 group); with --wait or members, outputs the group",
                options: [option(.name, "n", "The display name (required without --template)"), option(.description, "d", "The description"),
                          option(.template, nil, "The team's JSON request body; name and description are laid over it (a template id such as 'standard' is an addition of this m365)"),
                          option(.ownerUserNames, nil, "Comma-separated user names of owners (one of the owner options is required with an app-only connection)"),
                          option(.ownerIds, nil, "Comma-separated IDs of owners"), option(.ownerEmails, nil, "Comma-separated emails of owners"),
                          option(.memberUserNames, nil, "Comma-separated user names of members"), option(.memberIds, nil, "Comma-separated IDs of members"),
                          option(.memberEmails, nil, "Comma-separated emails of members"),
                          flag(.wait, nil, "Wait until the team is ready")]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.exclusive([.ownerUserNames, .ownerIds, .ownerEmails])
            try options.exclusive([.memberUserNames, .memberIds, .memberEmails])
            try options.requireGUIDs([.ownerIds, .memberIds])
            let appOnly = isAppOnly(graph)
            if appOnly && !options.has(.ownerUserNames) && !options.has(.ownerIds) && !options.has(.ownerEmails) {
                throw usage("Specify at least 'ownerUserNames', 'ownerIds' or 'ownerEmails' when using application permissions.")
            }
            var body: JSONObject
            if let template = options.string(.template) {
                if let object = (try? JSON.parse(template))?.objectValue {
                    body = object
                } else if template.hasPrefix("{") {
                    throw usage("--template is not valid JSON")
                } else {
                    body = ["template@odata.bind": .string("https://graph.microsoft.com/v1.0/teamsTemplates('\(template)')")]
                }
                if let name = options.string(.name) { body["displayName"] = .string(name) }
                if let description = options.string(.description) { body["description"] = .string(description) }
            } else {
                guard let name = options.string(.name) else { throw usage("Required option name not specified (or give --template)") }
                body = ["template@odata.bind": "https://graph.microsoft.com/v1.0/teamsTemplates('standard')", "displayName": .string(name)]
                if let description = options.string(.description) { body["description"] = .string(description) }
            }
            // Owners then members; a user in both gets both roles.
            var people: [(id: String, roles: [String])] = []
            for (role, ids) in [("owner", try userIds(graph, options, ids: .ownerIds, names: .ownerUserNames, emails: .ownerEmails)),
                                ("member", try userIds(graph, options, ids: .memberIds, names: .memberUserNames, emails: .memberEmails))] {
                for id in ids {
                    if let index = people.firstIndex(where: { $0.id == id }) { people[index].roles.append(role) } else { people.append((id, [role])) }
                }
            }
            // With application permissions Graph needs one owner in the body; everyone else is added once the team exists.
            if appOnly, let index = people.firstIndex(where: { $0.roles.contains("owner") }) {
                body["members"] = [member(people[index].id, roles: people[index].roles)]
                people.remove(at: index)
            }
            let location = try startOperation(graph, "POST", "/teams", body: .object(body))
            guard options.bool(.wait) || !people.isEmpty else {
                try graph.invocation.emit(result: .object(try operation(graph, location)))
                return
            }
            let operation = try waitForOperation(graph, location: location, label: "Creating the team")
            let id = OData.segment(operation["targetResourceId"]?.stringValue ?? "")
            let group = try graph.get("/groups/\(id)")
            for person in people {
                try graph.send("POST", "/teams/\(id)/members", body: member(person.id, roles: person.roles))
            }
            try graph.invocation.emit(result: .object(group))
        },

        command("team archive", "Archives a team (by --name, differs from CLI for Microsoft 365: looked up in /teams rather than /groups)", options: [option(.id, "i", "The ID of the team"), option(.name, "n", "The display name"),
                                                            flag(.shouldSetSpoSiteReadOnlyForMembers, nil, "Make the team's site read-only for members")],
                sets: [["id", "name"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try teamId(graph, options, id: .id, name: .name)
            _ = try startOperation(graph, "POST", "/teams/\(id)/archive",
                                   body: ["shouldSetSpoSiteReadOnlyForMembers": .bool(options.bool(.shouldSetSpoSiteReadOnlyForMembers))])
        },

        command("team unarchive", "Restores an archived team (by --name, differs from CLI for Microsoft 365: looked up in /teams rather than /groups)", options: [option(.id, "i", "The ID of the team"), option(.name, "n", "The display name")],
                sets: [["id", "name"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            _ = try startOperation(graph, "POST", "/teams/\(try teamId(graph, options, id: .id, name: .name))/unarchive", body: nil)
        },

        command("team remove", "Removes a team and its group (by --name, differs from CLI for Microsoft 365: looked up in /teams rather than /groups)", options: [option(.id, "i", "The ID of the team"), option(.name, "n", "The display name"), forceOption],
                sets: [["id", "name"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try teamId(graph, options, id: .id, name: .name)
            guard try graph.invocation.confirmedRemoval(options, "the team '\(options.string(.name) ?? id)'") else { return }
            try graph.send("DELETE", "/groups/\(id)")
        },

        command("channel list", "Lists the channels of a team (by --teamName, differs from CLI for Microsoft 365: looked up in /teams rather than /groups)", options: teamSelector + [option(.type, nil, "Only channels of this kind", allowed: ["standard", "private", "shared"])],
                sets: [["teamId", "teamName"]], defaults: ["id", "displayName"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let team = try teamId(graph, options)
            let filter = options.string(.type).map { "membershipType eq \(OData.quote($0))" }
            try graph.list("/teams/\(team)/channels" + OData.query([("$filter", filter)]))
        },

        command("channel get", "Gets a channel", options: teamSelectorNoShort + [option(.id, "i", "The ID of the channel"), option(.name, "n", "The name of the channel"),
                                                                         flag(.primary, nil, "The team's General channel")],
                sets: [["teamId", "teamName"], ["id", "name", "primary"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let team = try teamId(graph, options)
            if options.bool(.primary) {
                try graph.invocation.emit(result: .object(try graph.get("/teams/\(team)/primaryChannel")))
                return
            }
            let channel = try channelId(graph, team: team, options, id: .id, name: .name)
            try graph.invocation.emit(result: .object(try graph.get("/teams/\(team)/channels/\(OData.segment(channel))")))
        },

        command("channel add", "Adds a channel to a team (sends --description, which CLI for Microsoft 365 leaves out)",
                options: teamSelector + [option(.name, "n", "The name of the channel", required: true), option(.description, "d", "The description"),
                                         option(.type, nil, "The kind of channel", allowed: ["standard", "private", "shared"], defaultValue: "standard"),
                                         option(.owner, nil, "The owner's user name (private and shared channels)")],
                sets: [["teamId", "teamName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let type = options.string(.type) ?? "standard"
            if type != "standard" && !options.has(.owner) { throw usage("a \(type) channel needs --owner") }
            if type == "standard" && options.has(.owner) { throw usage("--owner applies to private and shared channels only") }
            let team = try teamId(graph, options)
            var body: JSONObject = ["displayName": JSON(options.string(.name)), "membershipType": .string(type)]
            if let description = options.string(.description) { body["description"] = .string(description) }
            if let owner = options.string(.owner) {
                let id = try graph.userId(upn: owner)
                body["members"] = [["@odata.type": "#microsoft.graph.aadUserConversationMember", "roles": ["owner"],
                                    "user@odata.bind": .string("\(graph.root)/users('\(id)')")]]
            }
            try graph.invocation.emit(result: try graph.send("POST", "/teams/\(team)/channels", body: .object(body)) ?? .null)
        },

        command("channel remove", "Removes a channel", options: teamSelectorNoShort + [option(.id, "i", "The ID of the channel"), option(.name, "n", "The name"), forceOption],
                sets: [["teamId", "teamName"], ["id", "name"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let team = try teamId(graph, options)
            let channel = try channelId(graph, team: team, options, id: .id, name: .name)
            guard try graph.invocation.confirmedRemoval(options, "the channel '\(options.string(.name) ?? channel)'") else { return }
            try graph.send("DELETE", "/teams/\(team)/channels/\(OData.segment(channel))")
        },

        command("user list", "Lists the owners, members and guests of a team",
                options: [option(.teamId, "i", "The ID of the team", required: true), option(.role, "r", "Only this role", allowed: ["Owner", "Member", "Guest"])]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            guard isGUID(options.string(.teamId) ?? "") else { throw usage("\(options.string(.teamId) ?? "") is not a valid GUID") }
            let team = options.string(.teamId) ?? ""
            let select = "?$select=id,displayName,userPrincipalName,userType"
            // Owners are marked Owner (Graph lists them as members too), then members and guests not already listed.
            var users = try graph.all("/groups/\(team)/owners\(select)").map { $0.adding(["userType": "Owner"]) }
            if options.string(.role) != "Owner" {
                for user in try graph.all("/groups/\(team)/members\(select)")
                where !users.contains(where: { $0["id"] == user["id"] && $0["displayName"] == user["displayName"] }) {
                    users.append(user)
                }
            }
            if let role = options.string(.role) { users = users.filter { $0["userType"]?.stringValue == role } }
            try graph.invocation.emit(result: .array(users.map { .object($0) }))
        },

        command("member list", "Lists the members of a team (an addition of this m365: CLI for Microsoft 365 lists them with `teams user list`)", options: teamSelector + [option(.role, "r", "Only this role", allowed: ["owner", "member", "guest"])],
                sets: [["teamId", "teamName"]], defaults: ["id", "displayName", "userId", "email", "roles"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let team = try teamId(graph, options)
            let role = options.string(.role)
            try graph.list("/teams/\(team)/members") { member in
                guard let role else { return member }
                let roles = member["roles"]?.arrayValue?.compactMap(\.stringValue) ?? []
                return (role == "member" ? roles.isEmpty : roles.contains(role)) ? member : nil
            }
        },

        command("member add", "Adds users to a team (an addition of this m365: CLI for Microsoft 365 has no such command)", options: teamSelector + [option(.userNames, nil, "Comma-separated user names", required: true),
                                                                               option(.role, "r", "The role", allowed: ["owner", "member"], defaultValue: "member")],
                sets: [["teamId", "teamName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let team = try teamId(graph, options)
            let ids = try graph.userIds(upns: options.list(.userNames) ?? [])
            let roles: JSON = options.string(.role) == "owner" ? ["owner"] : []
            let answer = try graph.send("POST", "/teams/\(team)/members/add", body: ["values": .array(ids.map {
                ["@odata.type": "#microsoft.graph.aadUserConversationMember", "roles": roles, "user@odata.bind": .string("\(graph.root)/users('\($0)')")]
            })])
            let failed = (answer?["value"]?.arrayValue ?? []).filter { $0["error"] != nil && $0["error"] != .null }
            guard failed.isEmpty else {
                let text = failed.map { "\($0["userId"]?.stringValue ?? "?"): \(ServiceError.parse($0)?.message ?? "failed")" }.joined(separator: "; ")
                throw PluginFailure("\(failed.count) of \(ids.count) users could not be added: \(text)")
            }
        },

        command("member remove", "Removes a user from a team (an addition of this m365: CLI for Microsoft 365 has no such command)", options: teamSelector + [option(.userName, nil, "The user name"), option(.userId, nil, "The user ID"), forceOption],
                sets: [["teamId", "teamName"], ["userName", "userId"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let team = try teamId(graph, options)
            let user = try graph.userId(options, id: .userId, userName: .userName) ?? ""
            let membership = try graph.all("/teams/\(team)/members").first { $0["userId"]?.stringValue == user }
            guard let id = membership?["id"]?.stringValue else {
                throw PluginFailure("The user is not a member of the team.", status: M365_ERR_NOT_FOUND)
            }
            guard try graph.invocation.confirmedRemoval(options, "the user from the team") else { return }
            try graph.send("DELETE", "/teams/\(team)/members/\(OData.segment(id))")
        },

        command("message list", "Lists the messages of a channel",
                options: teamSelector + [option(.channelId, "c", "The ID of the channel"), option(.channelName, nil, "The name of the channel"),
                                         option(.since, "s", "Only messages changed after this date and time (ISO 8601, within the last 8 months)")],
                sets: [["teamId", "teamName"], ["channelId", "channelName"]], defaults: ["id", "summary", "body"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let team = try teamId(graph, options)
            let channel = try channelId(graph, team: team, options)
            let delta = options.string(.since).map { "/delta" + OData.query([("$filter", "lastModifiedDateTime gt \($0)")]) } ?? ""
            let flatten = graph.invocation.outputMode != "json"
            try graph.list("/teams/\(team)/channels/\(OData.segment(channel))/messages\(delta)") { message in
                // As CLI for Microsoft 365 shows it outside JSON: the body's text rather than the object.
                flatten ? message.adding(["body": message["body"]?["content"] ?? nil]) : message
            }
        },

        command("message get", "Gets a channel message",
                options: [option(.teamId, "t", "The ID of the team", required: true), option(.channelId, "c", "The ID of the channel", required: true),
                          option(.id, "i", "The ID of the message", required: true)]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            if let team = options.string(.teamId), !isGUID(team) { throw usage("\(team) is not a valid GUID") }
            if let channel = options.string(.channelId), !isChannelId(channel) { throw usage("\(channel) is not a valid Teams ChannelId") }
            let path = "/teams/\(OData.segment(options.string(.teamId) ?? ""))/channels/\(OData.segment(options.string(.channelId) ?? ""))/messages/\(OData.segment(options.string(.id) ?? ""))"
            try graph.invocation.emit(result: .object(try graph.get(path)))
        },

        command("message send", "Sends a message to a channel",
                options: teamSelector + [option(.channelId, "c", "The ID of the channel"), option(.channelName, nil, "The name of the channel"),
                                         option(.message, "m", "The message", required: true),
                                         option(.contentType, nil, "The message's format (an addition of this m365; CLI for Microsoft 365 always sends html)", allowed: ["text", "html"], defaultValue: "html")],
                sets: [["teamId", "teamName"], ["channelId", "channelName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let team = try teamId(graph, options)
            let channel = try channelId(graph, team: team, options)
            let body: JSON = ["body": ["content": JSON(options.string(.message)), "contentType": .string(options.string(.contentType) ?? "html")]]
            try graph.invocation.emit(result: try graph.send("POST", "/teams/\(team)/channels/\(OData.segment(channel))/messages", body: body) ?? .null)
        },

        command("chat list", "Lists your chats, or a user's (app-only)",
                options: [option(.type, "t", "Only chats of this kind", allowed: ["oneOnOne", "group", "meeting"]),
                          option(.userId, nil, "The ID of the user (app-only connections only)"), option(.userName, nil, "The user name of the user (app-only connections only)")],
                defaults: ["id", "topic", "chatType"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.exclusive([.userId, .userName])
            let user = options.string(.userId) ?? options.string(.userName)
            if isAppOnly(graph) && user == nil {
                throw usage("The option 'userId' or 'userName' is required when obtaining chats using app only permissions")
            }
            if !isAppOnly(graph) && user != nil {
                throw usage("The options 'userId' or 'userName' cannot be used when obtaining chats using delegated permissions")
            }
            let owner = user.map { "/users/\(OData.segment($0))" } ?? "/me"
            try graph.list(owner + "/chats" + OData.query([("$filter", options.string(.type).map { "chatType eq \(OData.quote($0))" })]))
        },

        command("app list", "Lists the apps in the Teams app catalog",
                options: [option(.distributionMethod, nil, "Only apps distributed this way", allowed: ["store", "organization", "sideloaded"])],
                defaults: ["id", "displayName", "distributionMethod"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let filter = options.string(.distributionMethod).map { "distributionMethod eq \(OData.quote($0))" }
            try graph.list("/appCatalogs/teamsApps" + OData.query([("$filter", filter)]))
        },
    ]
}
