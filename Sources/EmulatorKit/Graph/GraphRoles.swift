import Foundation
import JSONModel

/// Licences (`/subscribedSkus`), directory roles, `/roleManagement/directory`, administrative
/// units and `/directoryObjects`.
enum GraphRoles {
    static func register(_ g: inout GraphRoutes) {
        // Neither collection pages in Graph.
        g.on(.GET, "subscribedSkus", .read(.directory)) { c in try unpaged(c, .subscribedSkus) }
        g.on(.GET, "subscribedSkus/{id}", .read(.directory)) { c in try GraphDirectory.get(c, .subscribedSkus, id: c.param("id")) }
        g.on(.GET, "directoryRoles", .read(.roles)) { c in try unpaged(c, .directoryRoles) }
        g.on(.GET, "directoryRoles/{id}", .read(.roles)) { c in try GraphDirectory.get(c, .directoryRoles, id: roleId(c)) }
        g.on(.GET, "directoryRoles/{id}/members", .read(.roles)) { c in
            let id = try roleId(c)
            return try GraphDirectory.relationship(c) { t in t.members[id] ?? [] }
        }
        g.on(.POST, "directoryRoles/{id}/members/$ref", .write(.roles)) { c in
            let id = try roleId(c)
            let r = try GraphGroups.addReference(c, container: .directoryRoles, relation: "members")
            try c.with { t in
                guard let template = t.get(.directoryRoles, id)?["roleTemplateId"]?.stringValue, let member = t.members[id]?.last else { return }
                t.insert(.roleAssignments, DirectorySeeder.roleAssignment(id: Util.opaqueId("roleassignment/\(Util.newGUID())"),
                                                                          definition: template, principal: member, scope: "/"))
            }
            return r
        }
        g.on(.DELETE, "directoryRoles/{id}/members/{member}/$ref", .write(.roles)) { c in
            let id = try roleId(c)
            let r = try GraphGroups.removeReference(c, container: .directoryRoles, relation: "members")
            try c.with { t in
                let template = t.get(.directoryRoles, id)?["roleTemplateId"]?.stringValue?.lowercased()
                for a in t.table(.roleAssignments).items
                where a["principalId"]?.stringValue?.lowercased() == c.param("member").lowercased()
                    && a["roleDefinitionId"]?.stringValue?.lowercased() == template && a["directoryScopeId"]?.stringValue == "/" {
                    t.remove(.roleAssignments, a["id"]?.stringValue ?? "")
                }
            }
            return r
        }

        g.on(.GET, "roleManagement/directory/roleDefinitions", .read(.roles)) { c in try GraphDirectory.list(c, .roleDefinitions) }
        g.on(.GET, "roleManagement/directory/roleDefinitions/{id}", .read(.roles)) { c in
            try GraphDirectory.get(c, .roleDefinitions, id: c.param("id"))
        }
        g.on(.GET, "roleManagement/directory/roleAssignments", .read(.roles)) { c in
            try GraphDirectory.list(c, .roleAssignments, expandable: ["principal", "roleDefinition"], expander: assignmentExpander)
        }
        g.on(.GET, "roleManagement/directory/roleAssignments/{id}", .read(.roles)) { c in
            try GraphDirectory.get(c, .roleAssignments, id: c.param("id"), expandable: ["principal", "roleDefinition"], expander: assignmentExpander)
        }
        g.on(.POST, "roleManagement/directory/roleAssignments", .write(.roles)) { c in try createRoleAssignment(c) }
        g.on(.DELETE, "roleManagement/directory/roleAssignments/{id}", .write(.roles)) { c in
            let id = c.param("id")
            try c.with { t in
                guard let a = t.remove(.roleAssignments, id) else { throw GraphError.resourceNotFound(id) }
                syncDirectoryRole(after: a, in: t)
            }
            return .noContent
        }

        for prefix in ["directory/administrativeUnits", "administrativeUnits"] {
            g.on(.GET, prefix, .read(.administrativeUnits)) { c in try GraphDirectory.list(c, .administrativeUnits) }
            g.on(.POST, prefix, .write(.administrativeUnits)) { c in try createAdministrativeUnit(c) }
            g.on(.GET, "\(prefix)/{id}", .read(.administrativeUnits)) { c in try GraphDirectory.get(c, .administrativeUnits, id: c.param("id")) }
            g.on(.PATCH, "\(prefix)/{id}", .write(.administrativeUnits)) { c in
                let id = c.param("id")
                let body = try GraphDirectory.validated(try c.body(), GraphEntityTypes.administrativeUnit)
                try c.with { t in
                    guard t.update(.administrativeUnits, id, { GraphDirectory.merge(body, into: &$0) }) != nil else {
                        throw GraphError.resourceNotFound(id)
                    }
                }
                return .noContent
            }
            g.on(.DELETE, "\(prefix)/{id}", .write(.administrativeUnits)) { c in
                let id = c.param("id")
                try c.with { t in guard t.remove(.administrativeUnits, id) != nil else { throw GraphError.resourceNotFound(id) } }
                return .noContent
            }
            g.on(.GET, "\(prefix)/{id}/members", .read(.administrativeUnits)) { c in
                try GraphDirectory.relationship(c) { t in
                    guard let id = t.get(.administrativeUnits, c.param("id"))?["id"]?.stringValue else {
                        throw GraphError.resourceNotFound(c.param("id"))
                    }
                    return t.members[id] ?? []
                }
            }
            g.on(.POST, "\(prefix)/{id}/members/$ref", .write(.administrativeUnits)) { c in
                try GraphGroups.addReference(c, container: .administrativeUnits, relation: "members")
            }
            g.on(.DELETE, "\(prefix)/{id}/members/{member}/$ref", .write(.administrativeUnits)) { c in
                try GraphGroups.removeReference(c, container: .administrativeUnits, relation: "members")
            }
        }

        g.on(.GET, "directoryObjects/{id}", .read(.directory)) { c in
            let q = try c.query(GraphEntityTypes.directoryObject, collection: false)
            guard let (kind, e) = try c.with({ $0.directoryObject(c.param("id")) }) else { throw GraphError.resourceNotFound(c.param("id")) }
            let type = GraphEntityTypes.type(of: kind)
            return .json(.object(q.project(GraphDirectory.typed(kind, e), type: GraphEntityTypes.directoryObject,
                                           select: q.select ?? type.defaultProperties,
                                           into: ["@odata.context": .string(c.entityContext("directoryObjects"))])))
        }
        g.on(.POST, "directoryObjects/getByIds", .read(.directory)) { c in
            let body = try c.body()
            guard let ids = body["ids"]?.arrayValue?.compactMap(\.stringValue) else {
                throw GraphError.badRequest("Invalid value specified for property 'ids'.")
            }
            let types = Set((body["types"]?.arrayValue ?? []).compactMap { $0.stringValue?.lowercased() })
            let items: [JSON] = try c.with { t in
                ids.compactMap { id in
                    guard let (kind, e) = t.directoryObject(id) else { return nil }
                    let type = GraphEntityTypes.type(of: kind)
                    let name = String(type.odataType.dropFirst("#microsoft.graph.".count)).lowercased()
                    guard types.isEmpty || types.contains(name) else { return nil }
                    var out: JSONObject = ["@odata.type": .string(type.odataType)]
                    for p in type.defaultProperties { out[p] = e[p] ?? type.emptyValue(p) }
                    return .object(out)
                }
            }
            return .json(["@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#directoryObjects"), "value": .array(items)])
        }
    }

    static func unpaged(_ c: GraphContext, _ kind: EntityKind) throws -> EmulatorResponse {
        let type = GraphEntityTypes.type(of: kind)
        let q = try GraphQuery(c.req, type: type, supported: ["select", "filter", "count"])
        return .json(q.unpaged(try c.store.snapshot(c.tenantId, kind), c.req, version: c.version, type: type))
    }

    /// A directory role by object id or by role template id (`directoryRoles(roleTemplateId='…')` style lookups).
    static func roleId(_ c: GraphContext) throws -> String {
        let key = c.param("id")
        let id = try c.with { t in
            t.get(.directoryRoles, key)?["id"]?.stringValue
                ?? t.table(.directoryRoles).items.first { $0["roleTemplateId"]?.stringValue?.lowercased() == key.lowercased() }?["id"]?.stringValue
        }
        guard let id else { throw GraphError.resourceNotFound(key) }
        return id
    }

    static func assignmentExpander(_ t: TenantData) -> (JSONObject, ExpandItem) -> JSON? {
        var principals: [String: JSONObject] = [:]
        for a in t.table(.roleAssignments).items {
            if let p = a["principalId"]?.stringValue, let (kind, e) = t.directoryObject(p) {
                let type = GraphEntityTypes.type(of: kind)
                var out: JSONObject = ["@odata.type": .string(type.odataType)]
                for name in type.defaultProperties { out[name] = e[name] ?? type.emptyValue(name) }
                principals[p] = out
            }
        }
        let definitions = t.table(.roleDefinitions)
        return { a, item in
            if item.name == "principal" { return a["principalId"]?.stringValue.flatMap { principals[$0] }.map(JSON.object) }
            return a["roleDefinitionId"]?.stringValue.flatMap { definitions.get($0) }.map(JSON.object)
        }
    }

    static func createRoleAssignment(_ c: GraphContext) throws -> EmulatorResponse {
        let type = GraphEntityTypes.roleAssignment
        let body = try GraphDirectory.validated(try c.body(), type)
        let definitionId = try GraphDirectory.requireString(body, "roleDefinitionId", resource: "UnifiedRoleAssignment")
        let principalId = try GraphDirectory.requireString(body, "principalId", resource: "UnifiedRoleAssignment")
        let scope = try GraphDirectory.requireString(body, "directoryScopeId", resource: "UnifiedRoleAssignment")
        let assignment: JSONObject = try c.with { t in
            guard let def = t.get(.roleDefinitions, definitionId) else { throw GraphError.resourceNotFound(definitionId) }
            guard let (kind, principal) = t.directoryObject(principalId), [.users, .groups, .servicePrincipals].contains(kind) else {
                throw GraphError.resourceNotFound(principalId)
            }
            if scope != "/" {
                let target = GraphDirectory.id(fromReference: scope)
                guard t.directoryObject(target) != nil else { throw GraphError.resourceNotFound(target) }
            }
            let did = def["id"]?.stringValue ?? definitionId, pid = principal["id"]?.stringValue ?? principalId
            if t.table(.roleAssignments).items.contains(where: {
                $0["roleDefinitionId"]?.stringValue == did && $0["principalId"]?.stringValue == pid && $0["directoryScopeId"]?.stringValue == scope
            }) {
                throw GraphError.badRequest("A conflicting object with one or more of the specified property values is present in the directory.")
            }
            let a = DirectorySeeder.roleAssignment(id: Util.opaqueId("roleassignment/\(Util.newGUID())"), definition: did, principal: pid, scope: scope)
            t.insert(.roleAssignments, a)
            if scope == "/" {
                let roleId = DirectorySeeder.activateRole(def["templateId"]?.stringValue ?? did, in: t)
                if t.members[roleId]?.contains(pid) != true { t.members[roleId, default: []].append(pid) }
            }
            return a
        }
        let q = try c.query(type, collection: false)
        return .created(q.entity(assignment, c.req, version: c.version, type: type))
    }

    /// Keeps the directory role's members in step with tenant-wide role assignments.
    static func syncDirectoryRole(after removed: JSONObject, in t: TenantData) {
        guard removed["directoryScopeId"]?.stringValue == "/", let did = removed["roleDefinitionId"]?.stringValue,
              let pid = removed["principalId"]?.stringValue else { return }
        let stillAssigned = t.table(.roleAssignments).items.contains {
            $0["roleDefinitionId"]?.stringValue == did && $0["principalId"]?.stringValue == pid && $0["directoryScopeId"]?.stringValue == "/"
        }
        guard !stillAssigned else { return }
        let template = (t.get(.roleDefinitions, did)?["templateId"]?.stringValue ?? did).lowercased()
        for role in t.table(.directoryRoles).items where role["roleTemplateId"]?.stringValue?.lowercased() == template {
            if let id = role["id"]?.stringValue { t.members[id]?.removeAll { $0 == pid } }
        }
    }

    static func createAdministrativeUnit(_ c: GraphContext) throws -> EmulatorResponse {
        let type = GraphEntityTypes.administrativeUnit
        let body = try GraphDirectory.validated(try c.body(), type)
        _ = try GraphDirectory.requireString(body, "displayName", resource: "AdministrativeUnit")
        let au: JSONObject = try c.with { t in
            var au: JSONObject = ["id": .string(Util.newGUID())]
            GraphDirectory.merge(body, into: &au)
            t.insert(.administrativeUnits, au)
            return au
        }
        let q = try c.query(type, collection: false)
        return .created(q.entity(au, c.req, version: c.version, type: type))
    }
}
