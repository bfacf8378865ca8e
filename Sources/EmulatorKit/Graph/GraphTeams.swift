import Foundation
import JSONModel
import NIOHTTP1
import TextEncodings

/// Microsoft Teams: teams (Unified groups with `resourceProvisioningOptions: ["Team"]`), their
/// async operations, channels, members (the group's members and owners), channel messages,
/// chats and the app catalog.
enum GraphTeams {
    // Permissions as Graph lists them; Group.* and Directory.* are the legacy ones Teams still takes.
    static let readTeams: Set<String> = ["Team.ReadBasic.All", "TeamSettings.Read.All", "TeamSettings.ReadWrite.All", "Group.Read.All",
                                         "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"]
    static let createTeams: Set<String> = ["Team.Create", "Group.ReadWrite.All", "Directory.ReadWrite.All"]
    static let writeTeams: Set<String> = ["TeamSettings.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"]
    static let readChannels: Set<String> = ["Channel.ReadBasic.All", "ChannelSettings.Read.All", "ChannelSettings.ReadWrite.All",
                                            "Group.Read.All", "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"]
    static let writeChannels: Set<String> = ["Channel.Create", "Channel.Delete.All", "ChannelSettings.ReadWrite.All", "Group.ReadWrite.All",
                                             "Directory.ReadWrite.All"]
    static let readMembers: Set<String> = ["TeamMember.Read.All", "TeamMember.ReadWrite.All", "Group.Read.All", "Group.ReadWrite.All",
                                           "Directory.Read.All", "Directory.ReadWrite.All"]
    static let writeMembers: Set<String> = ["TeamMember.ReadWrite.All", "TeamMember.ReadWriteNonOwnerRole.All", "Group.ReadWrite.All",
                                            "Directory.ReadWrite.All"]
    static let readMessages: Set<String> = ["ChannelMessage.Read.All", "Group.Read.All", "Group.ReadWrite.All"]
    static let sendMessages: Set<String> = ["ChannelMessage.Send", "Group.ReadWrite.All"]
    // Directory.* is an emulator allowance: the default seed's Graph does not publish Chat.*.
    static let readChats: Set<String> = ["Chat.ReadBasic", "Chat.Read", "Chat.ReadWrite", "Directory.Read.All", "Directory.ReadWrite.All"]
    static let readChatsApp: Set<String> = ["Chat.ReadBasic.All", "Chat.Read.All", "Chat.ReadWrite.All"]
    static let readApps: Set<String> = ["AppCatalog.Read.All", "AppCatalog.ReadWrite.All", "AppCatalog.Submit", "Directory.Read.All",
                                        "Directory.ReadWrite.All"]

    static let settings = ["memberSettings", "guestSettings", "messagingSettings", "funSettings", "discoverySettings"]
    static let teamProperties = ["id", "createdDateTime", "displayName", "description", "internalId", "classification", "specialization",
                                 "visibility", "webUrl", "isArchived", "isMembershipLimitedToOwners"] + settings + ["summary", "tenantId"]
    static let team = GraphEntityType(errorTypeName: "microsoft.graph.team", entitySet: "teams", defaultProperties: teamProperties,
                                      properties: teamProperties, odataType: "#microsoft.graph.team")
    /// `GET /teams` and `/joinedTeams` answer the basic properties only.
    static let teamList = GraphEntityType(errorTypeName: "microsoft.graph.team", entitySet: "teams",
                                          defaultProperties: ["id", "createdDateTime", "displayName", "description", "internalId", "classification",
                                                              "specialization", "visibility", "webUrl", "isArchived", "isMembershipLimitedToOwners",
                                                              "tenantId"],
                                          properties: teamProperties, odataType: "#microsoft.graph.team")
    static let operationProperties = ["id", "operationType", "createdDateTime", "status", "lastActionDateTime", "attemptsCount",
                                      "targetResourceId", "targetResourceLocation", "error"]
    static let operation = GraphEntityType(errorTypeName: "microsoft.graph.teamsAsyncOperation", entitySet: "teamsAsyncOperation",
                                           defaultProperties: operationProperties, properties: operationProperties)
    static let channelProperties = ["id", "createdDateTime", "displayName", "description", "isFavoriteByDefault", "email", "tenantId",
                                    "webUrl", "membershipType", "isArchived"]
    static let channel = GraphEntityType(errorTypeName: "microsoft.graph.channel", entitySet: "channels", defaultProperties: channelProperties,
                                         properties: channelProperties, odataType: "#microsoft.graph.channel")
    static let memberProperties = ["id", "roles", "displayName", "visibleHistoryStartDateTime", "userId", "email", "tenantId"]
    static let member = GraphEntityType(errorTypeName: "microsoft.graph.aadUserConversationMember", entitySet: "members",
                                        defaultProperties: memberProperties, properties: memberProperties,
                                        odataType: "#microsoft.graph.aadUserConversationMember", collections: ["roles"])
    static let messageProperties = ["id", "replyToId", "etag", "messageType", "createdDateTime", "lastModifiedDateTime", "lastEditedDateTime",
                                    "deletedDateTime", "subject", "summary", "chatId", "importance", "locale", "webUrl", "policyViolation",
                                    "eventDetail", "from", "body", "channelIdentity", "attachments", "mentions", "reactions", "messageHistory"]
    static let message = GraphEntityType(errorTypeName: "microsoft.graph.chatMessage", entitySet: "messages", defaultProperties: messageProperties,
                                         properties: messageProperties, odataType: "#microsoft.graph.chatMessage",
                                         collections: ["attachments", "mentions", "reactions", "messageHistory"])
    static let chatProperties = ["id", "topic", "createdDateTime", "lastUpdatedDateTime", "chatType", "webUrl", "tenantId", "onlineMeetingInfo",
                                 "viewpoint"]
    static let chat = GraphEntityType(errorTypeName: "microsoft.graph.chat", entitySet: "chats", defaultProperties: chatProperties,
                                      properties: chatProperties, odataType: "#microsoft.graph.chat")
    static let appProperties = ["id", "externalId", "displayName", "distributionMethod"]
    static let app = GraphEntityType(errorTypeName: "microsoft.graph.teamsApp", entitySet: "appCatalogs/teamsApps",
                                     defaultProperties: appProperties, properties: appProperties, odataType: "#microsoft.graph.teamsApp")

    /// Teams' own error shapes (code `NotFound`, `BadRequest`, `Forbidden`).
    static func notFound(_ message: String) -> GraphError { GraphError(.notFound, "NotFound", message) }
    static func badRequest(_ message: String) -> GraphError { GraphError(.badRequest, "BadRequest", message) }
    static func forbidden(_ message: String) -> GraphError { GraphError(.forbidden, "Forbidden", message) }
    static let archived = forbidden("The team is archived: it is read-only until it is unarchived.")

    /// Teams' 403 names the permissions the API takes and those the token holds.
    static func need(_ c: GraphContext, _ delegated: Set<String>, application: Set<String>? = nil) throws {
        let app = application ?? delegated
        let held = c.token.isAppOnly ? c.token.roles : c.token.scopes
        let kind = c.token.isAppOnly ? "role" : "scope"
        let wanted = (c.token.isAppOnly ? app : delegated).sorted().joined(separator: ", ")
        try TeamsMail.require(c, delegated: delegated, application: app, denied: forbidden(
            "Missing \(kind) permissions on the request. API requires one of '\(wanted)'. \(kind.capitalized)s on the request '\(held.sorted().joined(separator: ", "))'."))
    }

    static func register(_ g: inout GraphRoutes) {
        g.on(.GET, "teams", .signedIn) { c in
            try need(c, readTeams)
            let all = try c.with { t in t.teamsMail.teams.keys.sorted().compactMap { try? render($0, t) } }
            return try TeamsMail.list(c, all, teamList, context: "teams", defaultPageSize: 100)
        }
        g.on(.POST, "teams", .signedIn) { c in try need(c, createTeams); return try create(c) }
        g.on(.GET, "teams/{id}", .signedIn) { c in
            try need(c, readTeams)
            return try TeamsMail.entity(c, try c.with { try render(c.param("id"), $0) }, team, context: "teams")
        }
        g.on(.PATCH, "teams/{id}", .signedIn) { c in try need(c, writeTeams); return try update(c) }
        for (action, archive) in [("archive", true), ("unarchive", false)] {
            g.on(.POST, "teams/{id}/\(action)", .signedIn) { c in try need(c, writeTeams); return try setArchived(c, archive) }
        }
        g.on(.GET, "teams/{id}/operations/{op}", .signedIn) { c in
            try need(c, readTeams)
            let op: JSONObject = try c.with { t in
                let gid = try state(c.param("id"), t).gid
                guard var op = t.teamsMail.operations[c.param("op").lowercased()],
                      op["targetResourceId"]?.stringValue?.lowercased() == gid.lowercased() else {
                    throw notFound("Operation '\(c.param("op"))' was not found.")
                }
                // Clients must poll: the first look says inProgress, later ones succeeded.
                let polls = (op["_polls"]?.intValue ?? 0) + 1
                op["_polls"] = JSON(polls)
                op["status"] = polls == 1 ? "inProgress" : "succeeded"
                op["lastActionDateTime"] = .string(TeamsMail.now())
                t.teamsMail.operations[c.param("op").lowercased()] = op
                return op
            }
            return try TeamsMail.entity(c, op, operation, context: "teams('\(c.param("id"))')/operations")
        }
        for path in ["users/{id}/joinedTeams", "users/{id}/teamwork/associatedTeams"] {
            // associatedTeams also holds teams with a shared channel the user is in; the emulator has none such.
            g.on(.GET, path, .signedIn) { c in
                try need(c, readTeams)
                let all: [JSONObject] = try c.with { t in
                    guard let uid = t.user(idOrUPN: c.param("id"))?["id"]?.stringValue else { throw GraphError.resourceNotFound(c.param("id")) }
                    return t.teamsMail.teams.keys.sorted().compactMap { gid in
                        members(gid, t).contains { $0.id.lowercased() == uid.lowercased() } ? try? render(gid, t) : nil
                    }
                }
                return try TeamsMail.list(c, all, teamList, context: "teams", defaultPageSize: 100)
            }
        }
        registerChannels(&g)
        registerMembers(&g)
        registerMessages(&g)
        g.on(.GET, "users/{id}/chats", .signedIn) { c in
            try need(c, readChats, application: readChatsApp)
            let all: [JSONObject] = try c.with { t in
                guard let uid = t.user(idOrUPN: c.param("id"))?["id"]?.stringValue else { throw GraphError.resourceNotFound(c.param("id")) }
                if !c.token.isAppOnly && uid.lowercased() != c.token.objectId.lowercased() { throw forbidden("A user can only list their own chats.") }
                return t.teamsMail.chats.items.filter { ($0["_members"]?.arrayValue ?? []).contains(.string(uid)) }
                    .sorted { ($0["lastUpdatedDateTime"]?.stringValue ?? "") > ($1["lastUpdatedDateTime"]?.stringValue ?? "") }
            }
            return try TeamsMail.list(c, all, chat, context: "chats", defaultPageSize: 50, maximumPageSize: 50)
        }
        g.on(.GET, "chats/{id}", .signedIn) { c in
            try need(c, readChats, application: readChatsApp)
            let found: JSONObject = try c.with { t in
                guard let chat = t.teamsMail.chats.get(c.param("id")),
                      c.token.isAppOnly || (chat["_members"]?.arrayValue ?? []).contains(where: { $0.stringValue?.lowercased() == c.token.objectId.lowercased() })
                else { throw notFound("Chat '\(c.param("id"))' was not found.") }
                return chat
            }
            return try TeamsMail.entity(c, found, chat, context: "chats")
        }
        g.on(.GET, "appCatalogs/teamsApps", .signedIn) { c in
            try need(c, readApps)
            return try TeamsMail.list(c, try c.with { $0.teamsMail.apps.items }, app, context: "appCatalogs/teamsApps", defaultPageSize: 100)
        }
    }

    // MARK: Teams

    /// The team on group `id`: canonical group id, group and team state. 404 `NotFound` otherwise.
    static func state(_ id: String, _ t: TenantData) throws -> (gid: String, group: JSONObject, team: TeamState) {
        guard let group = t.get(.groups, id), let gid = group["id"]?.stringValue, let s = t.teamsMail.teams[gid.lowercased()] else {
            throw notFound("No team found with Group Id \(id)")
        }
        return (gid, group, s)
    }

    /// Team members: the group's members, then owners who are not also members; owners carry the role.
    static func members(_ gid: String, _ t: TenantData) -> [(id: String, owner: Bool)] {
        let owners = t.owners[gid] ?? []
        var out: [(id: String, owner: Bool)] = []
        for id in (t.members[gid] ?? []) + owners where t.get(.users, id) != nil && !out.contains(where: { $0.id.lowercased() == id.lowercased() }) {
            out.append((id, owners.contains { $0.lowercased() == id.lowercased() }))
        }
        return out
    }

    /// The team as Graph shows it: stored settings plus what the group owns.
    static func render(_ id: String, _ t: TenantData) throws -> JSONObject {
        let (gid, group, s) = try state(id, t)
        var o = s.team
        o["id"] = .string(gid)
        o["displayName"] = group["displayName"] ?? .null
        o["description"] = group["description"] ?? .null
        o["classification"] = group["classification"] ?? .null
        let v = group["visibility"]?.stringValue ?? "Public"
        o["visibility"] = .string(v.prefix(1).lowercased() + v.dropFirst())
        let m = members(gid, t)
        o["summary"] = ["ownersCount": JSON(m.filter(\.owner).count), "membersCount": JSON(m.filter { !$0.owner }.count), "guestsCount": 0]
        o["tenantId"] = .string(t.tenantId)
        return o
    }

    static func enc(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s }

    /// A new team on group `gid` with its General channel.
    static func newTeam(gid: String, description: JSON, created: String, t: TenantData) -> TeamState {
        let internalId = TeamsMail.threadId("team/\(t.tenantId)/\(gid)")
        let team: JSONObject = [
            "createdDateTime": .string(created), "internalId": .string(internalId), "specialization": "none",
            "webUrl": .string("https://teams.microsoft.com/l/team/\(enc(internalId))/conversations?groupId=\(gid)&tenantId=\(t.tenantId)"),
            "isArchived": false, "isMembershipLimitedToOwners": false,
            "memberSettings": ["allowCreateUpdateChannels": true, "allowCreatePrivateChannels": true, "allowCreateSharedChannels": true,
                               "allowDeleteChannels": true, "allowAddRemoveApps": true, "allowCreateUpdateRemoveTabs": true,
                               "allowCreateUpdateRemoveConnectors": true],
            "guestSettings": ["allowCreateUpdateChannels": false, "allowDeleteChannels": false],
            "messagingSettings": ["allowUserEditMessages": true, "allowUserDeleteMessages": true, "allowOwnerDeleteMessages": true,
                                  "allowTeamMentions": true, "allowChannelMentions": true],
            "funSettings": ["allowGiphy": true, "giphyContentRating": "moderate", "allowStickersAndMemes": true, "allowCustomMemes": true],
            "discoverySettings": ["showInTeamsSearchAndSuggestions": true],
        ]
        var s = TeamState(team: team)
        // General's id is the team's thread id, as in Teams.
        var general = newChannel(id: internalId, gid: gid, name: "General", description: description, type: "standard", created: created, t: t)
        general["_primary"] = true
        s.channels.insert(general)
        return s
    }

    static func newChannel(id: String, gid: String, name: String, description: JSON, type: String, created: String, t: TenantData) -> JSONObject {
        ["id": .string(id), "createdDateTime": .string(created), "displayName": .string(name), "description": description,
         "isFavoriteByDefault": nil, "email": "", "tenantId": .string(t.tenantId), "membershipType": .string(type), "isArchived": false,
         "webUrl": .string("https://teams.microsoft.com/l/channel/\(enc(id))/\(enc(name))?groupId=\(gid)&tenantId=\(t.tenantId)")]
    }

    /// Records a teamsAsyncOperation and returns 202 with its `Location`.
    static func accepted(_ type: String, gid: String, t: TenantData) -> EmulatorResponse {
        let opId = Util.newGUID(), now = TeamsMail.now()
        t.teamsMail.operations[opId] = [
            "id": .string(opId), "operationType": .string(type), "createdDateTime": .string(now), "status": "notStarted",
            "lastActionDateTime": .string(now), "attemptsCount": 1, "targetResourceId": .string(gid),
            "targetResourceLocation": .string("/teams('\(gid)')"), "error": nil,
        ]
        return EmulatorResponse(status: .accepted)
            .adding(header: "Location", "/teams('\(gid)')/operations('\(opId)')")
            .adding(header: "Content-Location", "/teams('\(gid)')")
            .adding(header: "Content-Length", "0")
    }

    /// `members` of a create body: `[(user id, owner)]`; unknown users are 400.
    static func parseMembers(_ value: JSON?, _ t: TenantData) throws -> [(id: String, owner: Bool)] {
        guard let value, !value.isNull else { return [] }
        guard let list = value.arrayValue else { throw badRequest("'members' must be an array of conversationMember objects.") }
        return try list.map { m in
            guard let bind = m["user@odata.bind"]?.stringValue ?? m["userId"]?.stringValue,
                  let uid = TeamsMail.user(bind: bind, in: t)?["id"]?.stringValue else {
                throw badRequest("Invalid user specified in members: '\(m["user@odata.bind"]?.stringValue ?? "")'.")
            }
            let owner = (m["roles"]?.arrayValue ?? []).contains { $0.stringValue?.lowercased() == "owner" }
            return (uid, owner)
        }
    }

    static func create(_ c: GraphContext) throws -> EmulatorResponse {
        let body = try c.body()
        guard let template = body["template@odata.bind"]?.stringValue, template.lowercased().contains("teamstemplates") else {
            throw badRequest("A template must be specified with 'template@odata.bind', e.g. \"https://graph.microsoft.com/v1.0/teamsTemplates('standard')\".")
        }
        return try c.with { t in
            var people = try parseMembers(body["members"], t)
            if let bind = body["group@odata.bind"]?.stringValue {
                // Teamify an existing Microsoft 365 group.
                let id = GraphDirectory.id(fromReference: bind)
                guard let group = t.get(.groups, id), let gid = group["id"]?.stringValue else { throw notFound("No group found with Id \(id)") }
                guard t.teamsMail.teams[gid.lowercased()] == nil else { throw GraphError(.conflict, "Conflict", "The group already has a team.") }
                guard (group["groupTypes"]?.arrayValue ?? []).contains(.string("Unified")) else {
                    throw badRequest("Only Microsoft 365 (Unified) groups can be teamified.")
                }
                t.update(.groups, gid) { $0["resourceProvisioningOptions"] = ["Team"] }
                t.teamsMail.teams[gid.lowercased()] = newTeam(gid: gid, description: group["description"] ?? .null,
                                                              created: TeamsMail.now(), t: t)
                return accepted("createTeam", gid: gid, t: t)
            }
            guard let name = body["displayName"]?.stringValue, !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw badRequest("Team displayName must be specified.")
            }
            if c.token.isAppOnly {
                guard people.contains(where: \.owner) else {
                    throw badRequest("An owner must be specified in 'members' when a team is created with application permissions.")
                }
            } else if !people.contains(where: { $0.id.lowercased() == c.token.objectId.lowercased() }) {
                people.insert((c.token.objectId, true), at: 0)
            }
            let visibility = (body["visibility"]?.stringValue ?? "public").lowercased()
            guard ["public", "private"].contains(visibility) else { throw badRequest("Invalid team visibility '\(visibility)'.") }
            let gid = Util.newGUID(), now = TeamsMail.now()
            // mailNickname: the name's letters and digits, made unique like Teams does.
            let base = String(name.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) && $0.isASCII }.map(Character.init))
            var nick = base.isEmpty ? "team" : base, n = 1
            let taken = Set(t.table(.groups).items.compactMap { $0["mailNickname"]?.stringValue?.lowercased() })
            while taken.contains(nick.lowercased()) { n += 1; nick = (base.isEmpty ? "team" : base) + String(n) }
            var group: JSONObject = [
                "id": .string(gid), "createdDateTime": .string(now), "creationOptions": ["Team"], "displayName": .string(name),
                "groupTypes": ["Unified"], "mail": .string("\(nick)@\(t.initialDomain)"), "mailEnabled": true, "mailNickname": .string(nick),
                "proxyAddresses": [.string("SMTP:\(nick)@\(t.initialDomain)")], "renewedDateTime": .string(now), "resourceBehaviorOptions": [],
                "resourceProvisioningOptions": ["Team"], "securityEnabled": false,
                "securityIdentifier": .string(DirectorySeeder.securityIdentifier(gid)), "visibility": .string(visibility.capitalized),
            ]
            if let d = body["description"]?.stringValue { group["description"] = .string(d) }
            t.insert(.groups, group)
            t.members[gid] = people.map(\.id)
            t.owners[gid] = people.filter(\.owner).map(\.id)
            t.teamsMail.teams[gid.lowercased()] = newTeam(gid: gid, description: body["description"] ?? .null, created: now, t: t)
            return accepted("createTeam", gid: gid, t: t)
        }
    }

    static func update(_ c: GraphContext) throws -> EmulatorResponse {
        let body = try c.body()
        try c.with { t in
            let (gid, _, s) = try state(c.param("id"), t)
            var team = s.team
            var groupChanges = JSONObject()
            for (k, v) in body {
                if let name = settings.first(where: { $0.caseInsensitiveCompare(k) == .orderedSame }) {
                    guard let changes = v.objectValue else { throw badRequest("'\(name)' must be an object.") }
                    var current = team[name]?.objectValue ?? [:]
                    for (sk, sv) in changes where !sk.hasPrefix("@") { current[sk] = sv }
                    team[name] = .object(current)
                } else if ["displayname", "description", "classification"].contains(k.lowercased()) {
                    groupChanges[["displayname": "displayName", "description": "description", "classification": "classification"][k.lowercased()]!] = v
                } else if k.lowercased() == "visibility", let vis = v.stringValue, ["public", "private"].contains(vis.lowercased()) {
                    groupChanges["visibility"] = .string(vis.lowercased().capitalized)
                } else if !k.hasPrefix("@") {
                    throw badRequest("Property '\(k)' cannot be updated on a team.")
                }
            }
            if team["isArchived"]?.boolValue == true { throw archived }
            t.teamsMail.teams[gid.lowercased()]?.team = team
            if !groupChanges.isEmpty { t.update(.groups, gid) { GraphDirectory.merge(groupChanges, into: &$0) } }
        }
        return .noContent
    }

    static func setArchived(_ c: GraphContext, _ archive: Bool) throws -> EmulatorResponse {
        let body = c.req.body.isEmpty ? [:] : try c.body()
        if let v = body["shouldSetSpoSiteReadOnlyForMembers"], v.boolValue == nil, !v.isNull {
            throw badRequest("'shouldSetSpoSiteReadOnlyForMembers' must be a boolean.")
        }
        return try c.with { t in
            let gid = try state(c.param("id"), t).gid
            t.teamsMail.teams[gid.lowercased()]?.team["isArchived"] = .bool(archive)
            return accepted(archive ? "archiveTeam" : "unarchiveTeam", gid: gid, t: t)
        }
    }

    // MARK: Channels

    static func channelContext(_ c: GraphContext) -> String { "teams('\(c.param("id"))')/channels" }

    static func findChannel(_ c: GraphContext, _ t: TenantData) throws -> (gid: String, channel: JSONObject) {
        let (gid, _, s) = try state(c.param("id"), t)
        guard let ch = s.channels.get(c.param("channel")) else { throw notFound("Channel '\(c.param("channel"))' was not found in team \(gid).") }
        return (gid, ch)
    }

    static func registerChannels(_ g: inout GraphRoutes) {
        g.on(.GET, "teams/{id}/channels", .signedIn) { c in
            try need(c, readChannels)
            let all = try c.with { try state(c.param("id"), $0).team.channels.items }
            return try TeamsMail.list(c, all, channel, context: channelContext(c), defaultPageSize: 100)
        }
        g.on(.GET, "teams/{id}/primaryChannel", .signedIn) { c in
            try need(c, readChannels)
            let primary = try c.with { try state(c.param("id"), $0).team.channels.items.first { $0["_primary"] != nil } }
            return try TeamsMail.entity(c, primary ?? [:], channel, context: "teams('\(c.param("id"))')/primaryChannel")
        }
        g.on(.GET, "teams/{id}/channels/{channel}", .signedIn) { c in
            try need(c, readChannels)
            return try TeamsMail.entity(c, try c.with { try findChannel(c, $0).channel }, channel, context: channelContext(c))
        }
        g.on(.POST, "teams/{id}/channels", .signedIn) { c in try need(c, writeChannels); return try createChannel(c) }
        g.on(.PATCH, "teams/{id}/channels/{channel}", .signedIn) { c in
            try need(c, writeChannels)
            let body = try c.body()
            try c.with { t in
                let (gid, ch) = try findChannel(c, t)
                if t.teamsMail.teams[gid.lowercased()]?.team["isArchived"]?.boolValue == true { throw archived }
                var changed = ch
                for (k, v) in body where !k.hasPrefix("@") {
                    switch k.lowercased() {
                    case "displayname":
                        guard ch["_primary"] == nil else { throw badRequest("The General channel cannot be renamed.") }
                        guard let name = v.stringValue, !name.isEmpty else { throw badRequest("Channel displayName must be a non-empty string.") }
                        try checkName(name, except: ch["id"]?.stringValue, in: t.teamsMail.teams[gid.lowercased()]!)
                        changed["displayName"] = .string(name)
                    case "description": changed["description"] = v
                    case "isfavoritebydefault": changed["isFavoriteByDefault"] = v
                    default: throw badRequest("Property '\(k)' cannot be updated on a channel.")
                    }
                }
                t.teamsMail.teams[gid.lowercased()]?.channels.insert(changed)
            }
            return .noContent
        }
        g.on(.DELETE, "teams/{id}/channels/{channel}", .signedIn) { c in
            try need(c, writeChannels)
            try c.with { t in
                let (gid, ch) = try findChannel(c, t)
                guard ch["_primary"] == nil else { throw badRequest("The General channel cannot be deleted.") }
                if t.teamsMail.teams[gid.lowercased()]?.team["isArchived"]?.boolValue == true { throw archived }
                let id = ch["id"]?.stringValue ?? ""
                t.teamsMail.teams[gid.lowercased()]?.channels.remove(id)
                t.teamsMail.teams[gid.lowercased()]?.messages[id.lowercased()] = nil
            }
            return .noContent
        }
    }

    /// Channel names are unique in a team, ignoring case.
    static func checkName(_ name: String, except id: String?, in s: TeamState) throws {
        if s.channels.items.contains(where: { $0["displayName"]?.stringValue?.lowercased() == name.lowercased() && $0["id"]?.stringValue != id }) {
            throw badRequest("Channel name already existed, please use other name.")
        }
    }

    static func createChannel(_ c: GraphContext) throws -> EmulatorResponse {
        let body = try c.body()
        guard let name = body["displayName"]?.stringValue, !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw badRequest("Channel displayName must be specified.")
        }
        guard name.count <= 50, !name.contains(where: { "~#%&*{}+/\\:<>?|'\"".contains($0) }) else {
            throw badRequest("Channel displayName must be at most 50 characters and must not contain ~ # % & * { } + / \\ : < > ? | ' \".")
        }
        let type = body["membershipType"]?.stringValue ?? "standard"
        guard ["standard", "private", "shared"].contains(type) else { throw badRequest("Invalid membershipType '\(type)'.") }
        let created: JSONObject = try c.with { t in
            let (gid, _, s) = try state(c.param("id"), t)
            if s.team["isArchived"]?.boolValue == true { throw archived }
            try checkName(name, except: nil, in: s)
            let people = try parseMembers(body["members"], t)
            if type != "standard" && c.token.isAppOnly && !people.contains(where: \.owner) {
                throw badRequest("A \(type) channel created with application permissions must name an owner in 'members'.")
            }
            let id = TeamsMail.threadId("channel/\(Util.newGUID())")
            var ch = newChannel(id: id, gid: gid, name: name, description: body["description"] ?? .null, type: type, created: TeamsMail.now(), t: t)
            if let fav = body["isFavoriteByDefault"]?.boolValue { ch["isFavoriteByDefault"] = .bool(fav) }
            t.teamsMail.teams[gid.lowercased()]?.channels.insert(ch)
            return ch
        }
        return try TeamsMail.entity(c, created, channel, context: channelContext(c), status: .created)
    }

    // MARK: Members

    /// Membership ids encode team and user (base64url, so they are safe in a path).
    static func membershipId(_ gid: String, _ uid: String, _ t: TenantData) -> String {
        Base64URL.encode(Array("0#\(t.tenantId)#\(gid)#\(uid)".utf8))
    }

    static func memberJSON(_ gid: String, _ m: (id: String, owner: Bool), _ t: TenantData) -> JSONObject {
        let u = t.get(.users, m.id) ?? [:]
        return ["@odata.type": "#microsoft.graph.aadUserConversationMember", "id": .string(membershipId(gid, m.id, t)),
                "roles": m.owner ? ["owner"] : [], "displayName": u["displayName"] ?? .null, "visibleHistoryStartDateTime": "0001-01-01T00:00:00Z",
                "userId": .string(m.id), "email": u["mail"] ?? u["userPrincipalName"] ?? .null, "tenantId": .string(t.tenantId)]
    }

    /// Adds (or re-roles) a member in the group behind the team.
    static func addMember(_ gid: String, _ uid: String, owner: Bool, _ t: TenantData) {
        if t.members[gid]?.contains(where: { $0.lowercased() == uid.lowercased() }) != true { t.members[gid, default: []].append(uid) }
        let isOwner = t.owners[gid]?.contains(where: { $0.lowercased() == uid.lowercased() }) == true
        if owner && !isOwner { t.owners[gid, default: []].append(uid) }
    }

    static func registerMembers(_ g: inout GraphRoutes) {
        g.on(.GET, "teams/{id}/members", .signedIn) { c in
            try need(c, readMembers)
            let all: [JSONObject] = try c.with { t in
                let gid = try state(c.param("id"), t).gid
                return members(gid, t).map { memberJSON(gid, $0, t) }
            }
            return try TeamsMail.list(c, all, member, context: "teams('\(c.param("id"))')/members", defaultPageSize: 100)
        }
        g.on(.GET, "teams/{id}/members/{member}", .signedIn) { c in
            try need(c, readMembers)
            let m: JSONObject = try c.with { t in
                let gid = try state(c.param("id"), t).gid
                guard let m = members(gid, t).first(where: { membershipId(gid, $0.id, t) == c.param("member") }) else {
                    throw notFound("Member '\(c.param("member"))' was not found in team \(gid).")
                }
                return memberJSON(gid, m, t)
            }
            return try TeamsMail.entity(c, m, member, context: "teams('\(c.param("id"))')/members")
        }
        g.on(.POST, "teams/{id}/members", .signedIn) { c in
            try need(c, writeMembers)
            let body = try c.body()
            guard body["@odata.type"]?.stringValue?.lowercased() == "#microsoft.graph.aaduserconversationmember" else {
                throw badRequest("'@odata.type' must be '#microsoft.graph.aadUserConversationMember'.")
            }
            let m: JSONObject = try c.with { t in
                let (gid, _, s) = try state(c.param("id"), t)
                if s.team["isArchived"]?.boolValue == true { throw archived }
                guard let bind = body["user@odata.bind"]?.stringValue else { throw badRequest("'user@odata.bind' must be specified.") }
                guard let uid = TeamsMail.user(bind: bind, in: t)?["id"]?.stringValue else {
                    throw notFound("User '\(GraphDirectory.id(fromReference: bind))' was not found.")
                }
                let owner = (body["roles"]?.arrayValue ?? []).contains { $0.stringValue?.lowercased() == "owner" }
                addMember(gid, uid, owner: owner, t)
                return memberJSON(gid, members(gid, t).first { $0.id == uid } ?? (uid, owner), t)
            }
            return try TeamsMail.entity(c, m, member, context: "teams('\(c.param("id"))')/members", status: .created)
        }
        g.on(.POST, "teams/{id}/members/add", .signedIn) { c in
            try need(c, writeMembers)
            guard let values = try c.body()["values"]?.arrayValue, !values.isEmpty else {
                throw badRequest("'values' must be a non-empty array of conversationMember objects.")
            }
            guard values.count <= 200 else { throw badRequest("At most 200 members can be added in one request.") }
            let results: [JSON] = try c.with { t in
                let (gid, _, s) = try state(c.param("id"), t)
                if s.team["isArchived"]?.boolValue == true { throw archived }
                // Each item succeeds or fails on its own; the request itself is 200.
                return values.map { v in
                    let bind = v["user@odata.bind"]?.stringValue ?? ""
                    let ref = GraphDirectory.id(fromReference: bind)
                    var out: JSONObject = ["@odata.type": "#microsoft.graph.aadUserConversationMemberResult", "userId": .string(ref), "error": nil]
                    if let uid = TeamsMail.user(bind: bind, in: t)?["id"]?.stringValue {
                        out["userId"] = .string(uid)
                        addMember(gid, uid, owner: (v["roles"]?.arrayValue ?? []).contains { $0.stringValue?.lowercased() == "owner" }, t)
                    } else {
                        out["error"] = ["code": "NotFound", "message": .string("User '\(ref)' was not found in the directory.")]
                    }
                    return .object(out)
                }
            }
            return .json(["@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#Collection(microsoft.graph.actionResultPart)"),
                          "value": .array(results)])
        }
        g.on(.DELETE, "teams/{id}/members/{member}", .signedIn) { c in
            try need(c, writeMembers)
            try c.with { t in
                let gid = try state(c.param("id"), t).gid
                let list = members(gid, t)
                guard let m = list.first(where: { membershipId(gid, $0.id, t) == c.param("member") }) else {
                    throw notFound("Member '\(c.param("member"))' was not found in team \(gid).")
                }
                if m.owner && list.filter(\.owner).count == 1 { throw badRequest("The last owner of a team cannot be removed.") }
                t.members[gid] = (t.members[gid] ?? []).filter { $0.lowercased() != m.id.lowercased() }
                t.owners[gid] = (t.owners[gid] ?? []).filter { $0.lowercased() != m.id.lowercased() }
            }
            return .noContent
        }
    }

    // MARK: Channel messages

    static func registerMessages(_ g: inout GraphRoutes) {
        g.on(.GET, "teams/{id}/channels/{channel}/messages", .signedIn) { c in
            try need(c, readMessages)
            let all: [JSONObject] = try c.with { t in
                let (gid, ch) = try findChannel(c, t)
                return (t.teamsMail.teams[gid.lowercased()]?.messages[(ch["id"]?.stringValue ?? "").lowercased()] ?? []).reversed()
            }
            return try TeamsMail.list(c, all, message, context: "teams('\(c.param("id"))')/channels('\(c.param("channel"))')/messages",
                                      defaultPageSize: 20, maximumPageSize: 50, supported: ["select", "top", "skiptoken", "expand"],
                                      topError: { _ in badRequest("$top must be between 1 and 50.") })
        }
        g.on(.GET, "teams/{id}/channels/{channel}/messages/delta", .signedIn) { c in
            // Only `$filter=lastModifiedDateTime gt <time>` (the one filter delta takes), oldest first.
            try need(c, readMessages)
            var since: Date?
            for pair in c.req.rawQuery.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { FormEncoding.percentDecode(String($0)) }
                guard parts.first?.lowercased() == "$filter" else { continue }
                let words = (parts.count > 1 ? parts[1] : "").split(separator: " ").map(String.init)
                guard words.count == 3, words[0] == "lastModifiedDateTime", words[1] == "gt", let date = Util.parseISO8601(words[2]) else {
                    throw badRequest("Only a lastModifiedDateTime gt filter is supported for delta query.")
                }
                since = date
            }
            let all: [JSONObject] = try c.with { t in
                let (gid, ch) = try findChannel(c, t)
                let messages = t.teamsMail.teams[gid.lowercased()]?.messages[(ch["id"]?.stringValue ?? "").lowercased()] ?? []
                guard let since else { return messages }
                return messages.filter { ($0["lastModifiedDateTime"]?.stringValue).flatMap(Util.parseISO8601).map { $0 > since } ?? false }
            }
            // The filter is applied above; the page's next link carries it on.
            var req = c.req
            let pairs = req.rawQuery.split(separator: "&").map(String.init)
            func isFilter(_ p: String) -> Bool { p.lowercased().hasPrefix("$filter=") || p.lowercased().hasPrefix("%24filter=") }
            req.rawQuery = pairs.filter { !isFilter($0) }.joined(separator: "&")
            let rest = GraphContext(req: req, params: c.params, version: c.version, state: c.state)
            var response = try TeamsMail.list(rest, all, message, context: "teams('\(c.param("id"))')/channels('\(c.param("channel"))')/messages/delta",
                                              defaultPageSize: 20, maximumPageSize: 50, supported: ["select", "top", "skiptoken"],
                                              topError: { _ in badRequest("$top must be between 1 and 50.") })
            if let filter = pairs.first(where: isFilter), case var .object(page)? = try? JSON.parse(String(decoding: response.body, as: UTF8.self)),
               let link = page["@odata.nextLink"]?.stringValue {
                page["@odata.nextLink"] = .string(link + "&" + filter)
                response.body = Array(JSON.object(page).serialized().utf8)
            }
            return response
        }
        g.on(.GET, "teams/{id}/channels/{channel}/messages/{message}", .signedIn) { c in
            try need(c, readMessages)
            let m: JSONObject = try c.with { t in
                let (gid, ch) = try findChannel(c, t)
                guard let m = t.teamsMail.teams[gid.lowercased()]?.messages[(ch["id"]?.stringValue ?? "").lowercased()]?
                    .first(where: { $0["id"]?.stringValue == c.param("message") }) else {
                    throw notFound("Message '\(c.param("message"))' was not found.")
                }
                return m
            }
            return try TeamsMail.entity(c, m, message, context: "teams('\(c.param("id"))')/channels('\(c.param("channel"))')/messages")
        }
        g.on(.POST, "teams/{id}/channels/{channel}/messages", .signedIn) { c in
            if c.token.isAppOnly {
                throw forbidden("Message POST is allowed in application-only context only for import purposes. Refer to https://docs.microsoft.com/microsoftteams/platform/graph-api/import-messages/import-external-messages-to-teams for more details.")
            }
            try need(c, sendMessages)
            let body = try c.body()
            guard let content = body["body"]?["content"]?.stringValue, !content.isEmpty else { throw badRequest("Message body content must be specified.") }
            let contentType = (body["body"]?["contentType"]?.stringValue ?? "text").lowercased()
            guard contentType == "text" || contentType == "html" else { throw badRequest("Invalid body contentType '\(contentType)'.") }
            let m: JSONObject = try c.with { t in
                let (gid, ch) = try findChannel(c, t)
                if t.teamsMail.teams[gid.lowercased()]?.team["isArchived"]?.boolValue == true { throw archived }
                let cid = ch["id"]?.stringValue ?? ""
                let user = t.get(.users, c.token.objectId) ?? [:]
                let m = newMessage(gid: gid, cid: cid, from: (c.token.objectId, user["displayName"]?.stringValue ?? ""), subject: body["subject"] ?? .null,
                                   content: content, contentType: contentType, created: Date(), t: t)
                t.teamsMail.teams[gid.lowercased()]?.messages[cid.lowercased(), default: []].append(m)
                return m
            }
            return try TeamsMail.entity(c, m, message, context: "teams('\(c.param("id"))')/channels('\(c.param("channel"))')/messages", status: .created)
        }
    }

    /// A channel message; ids are epoch milliseconds (unique and increasing, as in Teams).
    static func newMessage(gid: String, cid: String, from: (id: String, name: String), subject: JSON, content: String, contentType: String,
                           created: Date, t: TenantData) -> JSONObject {
        let id = max(Int64(created.timeIntervalSince1970 * 1000), t.teamsMail.lastMessageId + 1)
        t.teamsMail.lastMessageId = id
        let time = Util.iso8601(Date(timeIntervalSince1970: Double(id) / 1000))
        return ["id": .string(String(id)), "replyToId": nil, "etag": .string(String(id)), "messageType": "message", "createdDateTime": .string(time),
                "lastModifiedDateTime": .string(time), "lastEditedDateTime": nil, "deletedDateTime": nil, "subject": subject, "summary": nil,
                "chatId": nil, "importance": "normal", "locale": "en-us",
                "webUrl": .string("https://teams.microsoft.com/l/message/\(enc(cid))/\(id)?groupId=\(gid)&tenantId=\(t.tenantId)&createdTime=\(id)&parentMessageId=\(id)"),
                "policyViolation": nil, "eventDetail": nil,
                "from": ["application": nil, "device": nil,
                         "user": ["@odata.type": "#microsoft.graph.teamworkUserIdentity", "id": .string(from.id), "displayName": .string(from.name),
                                  "userIdentityType": "aadUser", "tenantId": .string(t.tenantId)]],
                "body": ["contentType": .string(contentType), "content": .string(content)],
                "channelIdentity": ["teamId": .string(gid), "channelId": .string(cid)],
                "attachments": [], "mentions": [], "reactions": [], "messageHistory": []]
    }

    // MARK: Seed

    static let seedTeam = "80f810ee-a906-4270-8827-743580252680"

    /// "Sales and Marketing" becomes a team with General and Campaigns and a few messages; two chats; three catalog apps.
    static func seed(_ d: TenantData, _ t: SeedTenant) {
        let time = DirectorySeeder.seedTime
        let base = Util.parseISO8601(time) ?? Date(timeIntervalSince1970: 1_577_836_800)
        if let group = d.get(.groups, seedTeam), let gid = group["id"]?.stringValue {
            d.update(.groups, gid) { $0["resourceProvisioningOptions"] = ["Team"] }
            var s = newTeam(gid: gid, description: group["description"] ?? .null, created: time, t: d)
            let campaigns = TeamsMail.threadId("channel/\(d.tenantId)/\(gid)/campaigns")
            s.channels.insert(newChannel(id: campaigns, gid: gid, name: "Campaigns", description: "Campaign planning and results", type: "standard",
                                         created: time, t: d))
            d.teamsMail.teams[gid.lowercased()] = s
            let general = s.team["internalId"]?.stringValue ?? ""
            let people = members(gid, d).map { ($0.id, d.get(.users, $0.id)?["displayName"]?.stringValue ?? "") }
            let posts: [(String, Int, String)] = [(general, 0, "Welcome to the Sales and Marketing team!"),
                                                  (general, 1, "Kick-off is on Monday at 10:00."),
                                                  (campaigns, 0, "<p>Draft of the <b>spring campaign</b> is in Files.</p>")]
            for (i, (cid, who, text)) in posts.enumerated() where !people.isEmpty {
                let m = newMessage(gid: gid, cid: cid, from: people[who % people.count], subject: .null, content: text,
                                   contentType: text.hasPrefix("<") ? "html" : "text", created: base.addingTimeInterval(Double(i) * 3600), t: d)
                d.teamsMail.teams[gid.lowercased()]?.messages[cid.lowercased(), default: []].append(m)
            }
        }
        let users = t.users.map(\.id)
        if users.count >= 2 {
            let (admin, adele) = (users[0], users[1])
            let one = "19:\(admin)_\(adele)@unq.gbl.spaces"
            d.teamsMail.chats.insert(chatJSON(id: one, topic: nil, type: "oneOnOne", created: time, updated: "2020-01-02T09:00:00Z", members: [admin, adele], t: d))
            let group = "19:" + Util.nameGUID("chat/\(d.tenantId)/launch").replacingOccurrences(of: "-", with: "") + "@thread.v2"
            d.teamsMail.chats.insert(chatJSON(id: group, topic: "Launch planning", type: "group", created: time, updated: "2020-01-03T09:00:00Z",
                                              members: Array(users.prefix(3)), t: d))
        }
        let apps: [(String, String?, String, String)] = [
            (Util.nameGUID("teamsapp/\(d.tenantId)/expenses"), Util.nameGUID("teamsapp/external/expenses"), "Contoso Expenses", "organization"),
            ("com.microsoft.teamspace.tab.planner", nil, "Tasks by Planner and To Do", "store"),
            ("0d820ecd-def2-4297-adad-78056cde7c78", nil, "OneNote", "store"),
        ]
        for (id, external, name, method) in apps {
            d.teamsMail.apps.insert(["id": .string(id), "externalId": JSON(external), "displayName": .string(name), "distributionMethod": .string(method)])
        }
    }

    static func chatJSON(id: String, topic: String?, type: String, created: String, updated: String, members: [String], t: TenantData) -> JSONObject {
        ["id": .string(id), "topic": JSON(topic), "createdDateTime": .string(created), "lastUpdatedDateTime": .string(updated), "chatType": .string(type),
         "webUrl": .string("https://teams.microsoft.com/l/chat/\(enc(id))/0?tenantId=\(t.tenantId)"), "tenantId": .string(t.tenantId),
         "onlineMeetingInfo": nil, "viewpoint": nil, "_members": JSON(members)]
    }
}
