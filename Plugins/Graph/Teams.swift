import GraphKit

/// `teams team|channel|member|message|chat|app …`.
enum TeamsCommands {
    static let teamSelector = [option(.teamId, "i", "The ID of the team"), option(.teamName, nil, "The display name of the team")]

    static func teamId(_ graph: GraphClient, _ options: Options, id: OptionKey<String> = .teamId, name: OptionKey<String> = .teamName) throws(PluginFailure) -> String {
        if let value = options.string(id) { return value }
        guard let value = options.string(name) else { throw usage("specify --\(id.name) or --\(name.name)") }
        return try graph.findOne("/teams", where: "displayName", is: value, noun: "team")["id"]?.stringValue ?? ""
    }

    static func channelId(_ graph: GraphClient, team: String, _ options: Options, id: OptionKey<String> = .channelId, name: OptionKey<String> = .channelName) throws(PluginFailure) -> String {
        if let value = options.string(id) { return value }
        guard let value = options.string(name) else { throw usage("specify --\(id.name) or --\(name.name)") }
        return try graph.findOne("/teams/\(team)/channels", where: "displayName", is: value, noun: "channel")["id"]?.stringValue ?? ""
    }

    /// Follows a Teams long-running operation (`Location: /teams('…')/operations('…')`) until it
    /// ends; fails with the operation's error.
    static func waitForOperation(_ graph: GraphClient, location: String, label: String) throws(PluginFailure) -> JSONObject {
        var attempt = 0
        while true {
            let operation = try graph.get(location)
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
        command("team list", "Lists teams", options: [flag(.joined, "j", "Only the teams you are a member of"), propertiesOption],
                defaults: ["id", "displayName", "isArchived", "description"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let path = options.bool(.joined) ? "/me/joinedTeams" : "/teams"
            try graph.list(path + OData.query([("$select", graph.select(options))]))
        },

        command("team get", "Gets a team", options: [option(.id, "i", "The ID of the team"), option(.name, "n", "The display name of the team")],
                sets: [["id", "name"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try graph.invocation.emit(result: .object(try graph.get("/teams/\(try teamId(graph, options, id: .id, name: .name))")))
        },

        command("team add", "Creates a team (and its Microsoft 365 group)",
                options: [option(.name, "n", "The display name", required: true), option(.description, "d", "The description"),
                          option(.template, nil, "A team template id", defaultValue: "standard"),
                          option(.ownerUserNames, nil, "Comma-separated owners (required with an app-only connection)"),
                          flag(.wait, nil, "Wait until the team is ready")],
                defaults: ["id", "displayName", "description"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let owners = try graph.userIds(upns: options.list(.ownerUserNames) ?? [])
            var body: JSONObject = [
                "template@odata.bind": .string("\(graph.root)/teamsTemplates('\(options.string(.template) ?? "standard")')"),
                "displayName": JSON(options.string(.name)), "description": JSON(options.string(.description) ?? options.string(.name)),
            ]
            if !owners.isEmpty {
                body["members"] = .array(owners.map { ["@odata.type": "#microsoft.graph.aadUserConversationMember", "roles": ["owner"],
                                                        "user@odata.bind": .string("\(graph.root)/users('\($0)')")] })
            }
            let location = try startOperation(graph, "POST", "/teams", body: .object(body))
            let operation = options.bool(.wait) ? try waitForOperation(graph, location: location, label: "Creating the team")
                                                 : try graph.get(location)
            if options.bool(.wait), let team = operation["targetResourceId"]?.stringValue {
                try graph.invocation.emit(result: .object(try graph.get("/teams/\(team)")))
            } else {
                try graph.invocation.emit(result: .object(operation))
            }
        },

        command("team archive", "Archives a team", options: [option(.id, "i", "The ID of the team"), option(.name, "n", "The display name"),
                                                            flag(.shouldSetSpoSiteReadOnlyForMembers, nil, "Make the team's site read-only for members")],
                sets: [["id", "name"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try teamId(graph, options, id: .id, name: .name)
            _ = try startOperation(graph, "POST", "/teams/\(id)/archive",
                                   body: ["shouldSetSpoSiteReadOnlyForMembers": .bool(options.bool(.shouldSetSpoSiteReadOnlyForMembers))])
        },

        command("team unarchive", "Restores an archived team", options: [option(.id, "i", "The ID of the team"), option(.name, "n", "The display name")],
                sets: [["id", "name"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            _ = try startOperation(graph, "POST", "/teams/\(try teamId(graph, options, id: .id, name: .name))/unarchive", body: nil)
        },

        command("team remove", "Removes a team and its group", options: [option(.id, "i", "The ID of the team"), option(.name, "n", "The display name"), forceOption],
                sets: [["id", "name"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try teamId(graph, options, id: .id, name: .name)
            guard try graph.invocation.confirmedRemoval(options, "the team '\(options.string(.name) ?? id)'") else { return }
            try graph.send("DELETE", "/groups/\(id)")
        },

        command("channel list", "Lists the channels of a team", options: teamSelector + [option(.type, nil, "Only channels of this kind", allowed: ["standard", "private", "shared"])],
                sets: [["teamId", "teamName"]], defaults: ["id", "displayName"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let team = try teamId(graph, options)
            let filter = options.string(.type).map { "membershipType eq \(OData.quote($0))" }
            try graph.list("/teams/\(team)/channels" + OData.query([("$filter", filter)]))
        },

        command("channel get", "Gets a channel", options: teamSelector + [option(.id, nil, "The ID of the channel"), option(.name, "n", "The name of the channel"),
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

        command("channel add", "Adds a channel to a team",
                options: teamSelector + [option(.name, "n", "The name of the channel", required: true), option(.description, "d", "The description"),
                                         option(.type, nil, "The kind of channel", allowed: ["standard", "private", "shared"], defaultValue: "standard"),
                                         option(.owner, nil, "The owner's user name (private and shared channels)")],
                sets: [["teamId", "teamName"]], defaults: ["id", "displayName"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let type = options.string(.type) ?? "standard"
            if type != "standard" && !options.has(.owner) { throw usage("a \(type) channel needs --owner") }
            if type == "standard" && options.has(.owner) { throw usage("--owner applies to private and shared channels only") }
            let team = try teamId(graph, options)
            var body: JSONObject = ["displayName": JSON(options.string(.name)), "description": JSON(options.string(.description)),
                                    "membershipType": .string(type)]
            if let owner = options.string(.owner) {
                let id = try graph.userId(upn: owner)
                body["members"] = [["@odata.type": "#microsoft.graph.aadUserConversationMember", "roles": ["owner"],
                                    "user@odata.bind": .string("\(graph.root)/users('\(id)')")]]
            }
            try graph.invocation.emit(result: try graph.send("POST", "/teams/\(team)/channels", body: .object(body)) ?? .null)
        },

        command("channel remove", "Removes a channel", options: teamSelector + [option(.id, nil, "The ID of the channel"), option(.name, "n", "The name"), forceOption],
                sets: [["teamId", "teamName"], ["id", "name"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let team = try teamId(graph, options)
            let channel = try channelId(graph, team: team, options, id: .id, name: .name)
            guard try graph.invocation.confirmedRemoval(options, "the channel '\(options.string(.name) ?? channel)'") else { return }
            try graph.send("DELETE", "/teams/\(team)/channels/\(OData.segment(channel))")
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
                options: teamSelector + [option(.channelId, "c", "The ID of the channel"), option(.channelName, nil, "The name of the channel")],
                sets: [["teamId", "teamName"], ["channelId", "channelName"]], defaults: ["id", "summary", "body"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let team = try teamId(graph, options)
            let channel = try channelId(graph, team: team, options)
            try graph.list("/teams/\(team)/channels/\(OData.segment(channel))/messages") { message in
                // As CLI for Microsoft 365 shows it: the body's text rather than the object.
                message.adding(["body": message["body"]?["content"] ?? nil])
            }
        },

        command("message get", "Gets a channel message",
                options: [option(.teamId, "i", "The ID of the team", required: true), option(.channelId, "c", "The ID of the channel", required: true),
                          option(.id, nil, "The ID of the message", required: true)]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let path = "/teams/\(OData.segment(options.string(.teamId) ?? ""))/channels/\(OData.segment(options.string(.channelId) ?? ""))/messages/\(OData.segment(options.string(.id) ?? ""))"
            try graph.invocation.emit(result: .object(try graph.get(path)))
        },

        command("message send", "Sends a message to a channel",
                options: teamSelector + [option(.channelId, "c", "The ID of the channel"), option(.channelName, nil, "The name of the channel"),
                                         option(.message, "m", "The message", required: true),
                                         option(.contentType, nil, "The message's format", allowed: ["text", "html"], defaultValue: "text")],
                sets: [["teamId", "teamName"], ["channelId", "channelName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let team = try teamId(graph, options)
            let channel = try channelId(graph, team: team, options)
            let body: JSON = ["body": ["content": JSON(options.string(.message)), "contentType": .string(options.string(.contentType) ?? "text")]]
            try graph.invocation.emit(result: try graph.send("POST", "/teams/\(team)/channels/\(OData.segment(channel))/messages", body: body) ?? .null)
        },

        command("chat list", "Lists your chats", options: [option(.type, nil, "Only chats of this kind", allowed: ["oneOnOne", "group", "meeting"])],
                defaults: ["id", "topic", "chatType"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try graph.list("/me/chats" + OData.query([("$filter", options.string(.type).map { "chatType eq \(OData.quote($0))" })]))
        },

        command("app list", "Lists the apps in the Teams app catalog",
                options: [option(.distributionMethod, nil, "Only apps distributed this way", allowed: ["store", "organization", "sideloaded"])],
                defaults: ["id", "displayName", "distributionMethod"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let filter = options.string(.distributionMethod).map { "distributionMethod eq \(OData.quote($0))" }
            try graph.list("/appCatalogs/teamsApps" + OData.query([("$filter", filter)]))
        },
    ]
}
