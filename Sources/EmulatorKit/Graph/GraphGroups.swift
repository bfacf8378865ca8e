import Foundation
import JSONModel

/// `/groups`, their members and owners; the link helpers are shared with administrative units
/// and directory roles.
enum GraphGroups {
    static var type: GraphEntityType { GraphEntityTypes.group }
    /// Graph refuses more than this many `@odata.bind` references in one request.
    static let maximumBindsPerRequest = 20
    /// The Exchange settings of a new Microsoft 365 group (returned only when `$select` names them).
    static let exchangeDefaults: JSONObject = ["allowExternalSenders": false, "autoSubscribeNewMembers": false, "hideFromAddressLists": false,
                                               "hideFromOutlookClients": false, "isSubscribedByMail": true]

    /// A deleted Microsoft 365 group is kept (security groups are gone at once), as Entra ID does.
    static func keepDeleted(_ group: JSONObject, in t: TenantData) {
        guard group["groupTypes"]?.arrayValue?.contains("Unified") == true, let id = group["id"]?.stringValue else { return }
        var deleted = group
        deleted["deletedDateTime"] = .string(Util.iso8601(Date()))
        t.deletedGroups[id.lowercased()] = deleted
    }

    static func register(_ g: inout GraphRoutes) {
        g.on(.GET, "groups/$count", .read(.groups)) { c in try GraphDirectory.count(c, .groups) }
        g.on(.GET, "groups", .read(.groups)) { c in
            try GraphDirectory.list(c, .groups, expandable: ["members", "owners"], expander: linksExpander)
        }
        g.on(.POST, "groups", .write(.groups)) { c in try create(c) }
        g.on(.GET, "groups/{id}", .read(.groups)) { c in
            try GraphDirectory.get(c, .groups, id: c.param("id"), expandable: ["members", "owners"], expander: linksExpander)
        }
        g.on(.PATCH, "groups/{id}", .write(.groups)) { c in
            let id = c.param("id")
            let body = try GraphDirectory.validated(try c.body(), type, readOnly: ["id", "createdDateTime", "mail", "proxyAddresses",
                                                                                   "securityIdentifier", "renewedDateTime", "isSubscribedByMail"])
            // Exchange keeps these: Graph takes them only on their own, for Microsoft 365 groups, signed in as a user
            // (allowExternalSenders and autoSubscribeNewMembers).
            let exchange = body.keys.filter { GraphEntityTypes.groupExchangeProperties.contains($0) }
            if !exchange.isEmpty {
                guard exchange.count == body.keys.filter({ !$0.contains("@") }).count else {
                    throw GraphError.badRequest("Properties allowExternalSenders, autoSubscribeNewMembers, hideFromAddressLists and hideFromOutlookClients cannot be updated together with other properties.")
                }
                if c.token.isAppOnly && (body["allowExternalSenders"] != nil || body["autoSubscribeNewMembers"] != nil) {
                    throw GraphError.accessDenied
                }
            }
            try c.with { t in
                guard let group = t.get(.groups, id) else { throw GraphError.resourceNotFound(id) }
                if !exchange.isEmpty && group["groupTypes"]?.arrayValue?.contains("Unified") != true {
                    throw GraphError.badRequest("The operation is only supported for Microsoft 365 groups.")
                }
                let binds = try bindings(body, in: t)
                t.update(.groups, id) { GraphDirectory.merge(body, into: &$0) }
                try link(binds, to: id, in: t)
            }
            return .noContent
        }
        // A Microsoft 365 group's document library, as `/groups/{id}/drive` names it (webUrl).
        g.on(.GET, "groups/{id}/drive", .read(.groups)) { c in
            let (group, domain) = try c.with { t in (t.get(.groups, c.param("id")), t.initialDomain) }
            guard let group, group["groupTypes"]?.arrayValue?.contains("Unified") == true, let id = group["id"]?.stringValue else {
                throw GraphError(.notFound, "itemNotFound", "The resource could not be found.")
            }
            let tenantName = domain.split(separator: ".").first.map(String.init) ?? "contoso"
            let site = "https://\(tenantName).sharepoint.com/sites/\(group["mailNickname"]?.stringValue ?? id)"
            let drive: JSONObject = ["id": .string("b!" + id), "driveType": "documentLibrary", "name": "Documents",
                                     "webUrl": .string(site + "/Shared%20Documents")]
            let select = c.req.query["$select"]?.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            var out: JSONObject = ["@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#drives/$entity")]
            for (name, value) in drive where select == nil || select!.contains(name) { out[name] = value }
            return .json(.object(out))
        }
        // The group's photo (its logo): JPEG, PNG or GIF bytes.
        g.on(.PUT, "groups/{id}/photo/$value", .write(.groups)) { c in
            guard try c.with({ t in t.get(.groups, c.param("id")) }) != nil else { throw GraphError.resourceNotFound(c.param("id")) }
            let contentType = c.req.header("Content-Type")?.lowercased() ?? ""
            guard ["image/jpeg", "image/png", "image/gif"].contains(where: { contentType.hasPrefix($0) }), !c.req.body.isEmpty else {
                throw GraphError(.badRequest, "ErrorInvalidImage", "The photo must be a JPEG, PNG or GIF image.")
            }
            return .noContent
        }
        g.on(.DELETE, "groups/{id}", .write(.groups)) { c in
            let id = c.param("id")
            try c.with { t in
                guard let removed = t.remove(.groups, id) else { throw GraphError.resourceNotFound(id) }
                GraphUsers.removePrincipal(id, from: t)
                keepDeleted(removed, in: t)
            }
            return .noContent
        }
        // Deleted Microsoft 365 groups wait in deletedItems until purged; `directory/deletedItems/{id}`
        // names any deleted object (here the groups).
        for path in ["directory/deletedItems/microsoft.graph.group/{id}", "directory/deletedItems/{id}"] {
            g.on(.DELETE, path, .write(.groups)) { c in
                let id = c.param("id")
                guard try c.with({ t in t.deletedGroups.removeValue(forKey: id.lowercased()) }) != nil else { throw GraphError.resourceNotFound(id) }
                return .noContent
            }
        }
        g.on(.GET, "directory/deletedItems/{id}", .read(.groups)) { c in try deletedGroup(c) }
        g.on(.GET, "directory/deletedItems/microsoft.graph.group/{id}", .read(.groups)) { c in try deletedGroup(c) }
        for relation in ["members", "owners"] {
            g.on(.GET, "groups/{id}/\(relation)", .read(.groups)) { c in try links(c, relation, usersOnly: false) }
            g.on(.GET, "groups/{id}/\(relation)/microsoft.graph.user", .read(.groups)) { c in try links(c, relation, usersOnly: true) }
            g.on(.GET, "groups/{id}/\(relation)/$count", .read(.groups)) { c in
                guard c.req.header("ConsistencyLevel")?.lowercased() == "eventual" else {
                    throw GraphError(.badRequest, "Request_UnsupportedQuery",
                                     "Count is not supported without the header 'ConsistencyLevel: eventual'. Refer to https://aka.ms/graph-docs/advanced-queries for more information")
                }
                let n = try c.with { t in
                    guard t.get(.groups, c.param("id")) != nil else { throw GraphError.resourceNotFound(c.param("id")) }
                    return ((relation == "members" ? t.members : t.owners)[canonicalId(.groups, c.param("id"), t)] ?? []).count
                }
                return .text(String(n), contentType: "text/plain;charset=utf-8")
            }
            g.on(.POST, "groups/{id}/\(relation)/$ref", .write(.groups)) { c in
                try addReference(c, container: .groups, relation: relation)
            }
            g.on(.DELETE, "groups/{id}/\(relation)/{member}/$ref", .write(.groups)) { c in
                try removeReference(c, container: .groups, relation: relation)
            }
        }
    }

    /// `GET /groups/{id}/members|owners[/microsoft.graph.user]`. Graph answers a `$filter` on
    /// these only as an advanced query (`$count=true` and `ConsistencyLevel: eventual`); the
    /// `microsoft.graph.user` cast leaves out groups, devices and service principals.
    static func links(_ c: GraphContext, _ relation: String, usersOnly: Bool) throws -> EmulatorResponse {
        let type = usersOnly ? GraphEntityTypes.user : GraphEntityTypes.directoryObject
        let q = try c.query(type)
        let eventual = c.req.header("ConsistencyLevel")?.trimmingCharacters(in: .whitespaces).lowercased() == "eventual"
        if q.filter != nil && !(eventual && q.count) {
            throw GraphError(.badRequest, "Request_UnsupportedQuery",
                             "The specified filter to the reference property query is currently not supported. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information")
        }
        let items: [JSONObject] = try c.with { t in
            guard t.get(.groups, c.param("id")) != nil else { throw GraphError.resourceNotFound(c.param("id")) }
            let ids = (relation == "members" ? t.members : t.owners)[canonicalId(.groups, c.param("id"), t)] ?? []
            return ids.compactMap { id in
                guard let (kind, object) = t.directoryObject(id), !usersOnly || kind == .users else { return nil }
                return GraphDirectory.typed(kind, object)
            }
        }
        return .json(try q.collection(items, c.req, version: c.version, type: type))
    }

    /// `GET /directory/deletedItems[/microsoft.graph.group]/{id}`.
    static func deletedGroup(_ c: GraphContext) throws -> EmulatorResponse {
        let id = c.param("id")
        guard let group = try c.with({ t in t.deletedGroups[id.lowercased()] }) else { throw GraphError.resourceNotFound(id) }
        var out: JSONObject = ["@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#directoryObjects/$entity"),
                               "@odata.type": "#microsoft.graph.group"]
        for (name, value) in group { out[name] = value }
        return .json(.object(out))
    }

    /// The stored spelling of an id (links are keyed by it).
    static func canonicalId(_ kind: EntityKind, _ id: String, _ t: TenantData) -> String {
        t.get(kind, id)?["id"]?.stringValue ?? id
    }

    /// `$expand=members` / `$expand=owners`: the linked objects with `@odata.type` and their default properties.
    static func linksExpander(_ t: TenantData) -> (JSONObject, ExpandItem) -> JSON? {
        let members = t.members, owners = t.owners
        var objects: [String: JSONObject] = [:]
        for ids in members.values { for id in ids where objects[id] == nil { objects[id] = t.directoryObject(id).map { GraphDirectory.typed($0.0, $0.1) } } }
        for ids in owners.values { for id in ids where objects[id] == nil { objects[id] = t.directoryObject(id).map { GraphDirectory.typed($0.0, $0.1) } } }
        return { entity, item in
            guard let id = entity["id"]?.stringValue else { return nil }
            let ids = (item.name == "members" ? members : owners)[id] ?? []
            return .array(ids.compactMap { objects[$0] }.map { o in
                let t = GraphEntityTypes.byODataType[o["@odata.type"]?.stringValue ?? ""] ?? GraphEntityTypes.directoryObject
                var out: JSONObject = ["@odata.type": o["@odata.type"] ?? .null]
                for name in item.select ?? t.defaultProperties {
                    guard let p = t.property(named: name) else { continue }
                    out[p] = o[p] ?? t.emptyValue(p)
                }
                return .object(out)
            })
        }
    }

    static func create(_ c: GraphContext) throws -> EmulatorResponse {
        let body = try GraphDirectory.validated(try c.body(), type, readOnly: ["id", "createdDateTime", "mail", "proxyAddresses",
                                                                             "securityIdentifier", "renewedDateTime"])
        _ = try GraphDirectory.requireString(body, "displayName", resource: "Group")
        let nickname = try GraphDirectory.requireString(body, "mailNickname", resource: "Group")
        let mailEnabled = try GraphDirectory.requireBool(body, "mailEnabled", resource: "Group")
        _ = try GraphDirectory.requireBool(body, "securityEnabled", resource: "Group")
        let unified = (body["groupTypes"]?.arrayValue ?? []).contains { $0.stringValue?.lowercased() == "unified" }
        guard !nickname.contains(" "), !nickname.contains("@") else {
            throw GraphError.badRequest("Invalid value specified for property 'mailNickname' of resource 'Group'.")
        }
        let group: JSONObject = try c.with { t in
            if unified, t.table(.groups).items.contains(where: { $0["mailNickname"]?.stringValue?.lowercased() == nickname.lowercased() }) {
                throw GraphError.badRequest("Another object with the same value for property mailNickname already exists.")
            }
            let binds = try bindings(body, in: t)
            let id = Util.newGUID()
            let now = GraphDirectory.now()
            var g: JSONObject = ["id": .string(id), "createdDateTime": .string(now)]
            GraphDirectory.merge(body, into: &g)
            if mailEnabled || unified {
                g["mail"] = .string("\(nickname)@\(t.initialDomain)")
                g["proxyAddresses"] = .array([.string("SMTP:\(nickname)@\(t.initialDomain)")])
            }
            if unified, g["visibility"] == nil { g["visibility"] = "Public" }
            if unified { for (name, value) in exchangeDefaults where g[name] == nil { g[name] = value } }
            g["renewedDateTime"] = .string(now)
            g["securityIdentifier"] = .string(DirectorySeeder.securityIdentifier(id))
            t.insert(.groups, g)
            try link(binds, to: id, in: t)
            return g
        }
        let q = try c.query(type, collection: false)
        return .created(q.entity(group, c.req, version: c.version, type: type))
    }

    /// `members@odata.bind` / `owners@odata.bind` of a body, resolved and checked (at most 20 in all).
    static func bindings(_ body: JSONObject, in t: TenantData) throws -> [(relation: String, id: String)] {
        var out: [(String, String)] = []
        for (key, value) in body where key.lowercased().hasSuffix("@odata.bind") {
            let relation = String(key.dropLast("@odata.bind".count)).lowercased()
            guard relation == "members" || relation == "owners" else { throw GraphError.notDeclared(key) }
            guard let refs = value.arrayValue else {
                throw GraphError.badRequest("Invalid value for '\(key)': expected an array of directory object URLs.")
            }
            for ref in refs {
                guard let s = ref.stringValue else { throw GraphError.badRequest("Invalid value for '\(key)'.") }
                let id = GraphDirectory.id(fromReference: s)
                guard let (_, e) = t.directoryObject(id) else { throw GraphError.resourceNotFound(id) }
                out.append((relation, e["id"]?.stringValue ?? id))
            }
        }
        if out.count > maximumBindsPerRequest {
            throw GraphError.badRequest("Too many references in one request: \(out.count). At most \(maximumBindsPerRequest) members and owners can be added per request.")
        }
        return out.map { (relation: $0.0, id: $0.1) }
    }

    static func link(_ binds: [(relation: String, id: String)], to containerId: String, in t: TenantData) throws {
        for b in binds {
            if b.relation == "members" {
                if t.members[containerId]?.contains(b.id) != true { t.members[containerId, default: []].append(b.id) }
            } else if t.owners[containerId]?.contains(b.id) != true {
                t.owners[containerId, default: []].append(b.id)
            }
        }
    }

    /// `POST /{container}/{id}/{relation}/$ref`.
    static func addReference(_ c: GraphContext, container kind: EntityKind, relation: String) throws -> EmulatorResponse {
        let ref = try GraphDirectory.reference(try c.body())
        try c.with { t in
            guard let container = t.get(kind, c.param("id"))?["id"]?.stringValue else { throw GraphError.resourceNotFound(c.param("id")) }
            guard let (objectKind, object) = t.directoryObject(ref), let id = object["id"]?.stringValue else {
                throw GraphError.resourceNotFound(ref)
            }
            if relation == "owners" && objectKind != .users && objectKind != .servicePrincipals {
                throw GraphError.badRequest("Only users and service principals can be owners.")
            }
            if objectKind == kind && id == container { throw GraphError.badRequest("An object cannot be a member of itself.") }
            let current = (relation == "members" ? t.members : t.owners)[container] ?? []
            guard !current.contains(id) else {
                throw GraphError.badRequest("One or more added object references already exist for the following modified properties: '\(relation)'.")
            }
            if relation == "members" { t.members[container, default: []].append(id) } else { t.owners[container, default: []].append(id) }
        }
        return .noContent
    }

    /// `DELETE /{container}/{id}/{relation}/{member}/$ref`.
    static func removeReference(_ c: GraphContext, container kind: EntityKind, relation: String) throws -> EmulatorResponse {
        let member = c.param("member")
        try c.with { t in
            guard let container = t.get(kind, c.param("id"))?["id"]?.stringValue else { throw GraphError.resourceNotFound(c.param("id")) }
            var list = (relation == "members" ? t.members : t.owners)[container] ?? []
            guard let i = list.firstIndex(where: { $0.lowercased() == member.lowercased() }) else { throw GraphError.resourceNotFound(member) }
            list.remove(at: i)
            if relation == "members" { t.members[container] = list } else { t.owners[container] = list }
        }
        return .noContent
    }
}
