import Foundation
import JSONModel

/// `/users` and everything hanging off a user (`/me/…` is rewritten to `/users/{oid}/…`).
enum GraphUsers {
    static var type: GraphEntityType { GraphEntityTypes.user }

    static func register(_ g: inout GraphRoutes) {
        g.on(.GET, "users/$count", .read(.users)) { c in try GraphDirectory.count(c, .users) }
        g.on(.GET, "users", .read(.users)) { c in
            try GraphDirectory.list(c, .users, expandable: ["manager"], expander: managerExpander)
        }
        g.on(.POST, "users", .write(.users)) { c in try create(c) }
        g.on(.GET, "users/{id}", .read(.users)) { c in
            let id = try userId(c)
            return try GraphDirectory.get(c, .users, id: id, expandable: ["manager"], expander: managerExpander)
        }
        g.on(.PATCH, "users/{id}", .write(.users)) { c in try update(c) }
        g.on(.DELETE, "users/{id}", .write(.users)) { c in
            let id = try userId(c)
            try c.with { t in
                t.remove(.users, id)
                removePrincipal(id, from: t)
            }
            return .noContent
        }
        g.on(.GET, "users/{id}/manager", .read(.users)) { c in
            let id = try userId(c)
            let q = try c.query(GraphEntityTypes.directoryObject, collection: false)
            let manager = try c.with { t in t.manager[id].flatMap { t.get(.users, $0) } }
            guard let manager else { throw GraphError.resourceNotFound("manager") }
            return .json(.object(q.project(GraphDirectory.typed(.users, manager), type: GraphEntityTypes.directoryObject,
                                           select: q.select ?? type.defaultProperties,
                                           into: ["@odata.context": .string(c.entityContext("directoryObjects"))])))
        }
        g.on(.PUT, "users/{id}/manager/$ref", .write(.users)) { c in
            let id = try userId(c)
            let ref = try GraphDirectory.reference(try c.body())
            try c.with { t in
                guard let m = t.user(idOrUPN: ref)?["id"]?.stringValue else { throw GraphError.resourceNotFound(ref) }
                guard m.lowercased() != id.lowercased() else { throw GraphError.badRequest("A user cannot be their own manager.") }
                t.manager[id] = m
            }
            return .noContent
        }
        g.on(.DELETE, "users/{id}/manager/$ref", .write(.users)) { c in
            let id = try userId(c)
            try c.with { t in
                guard t.manager.removeValue(forKey: id) != nil else { throw GraphError.resourceNotFound("manager") }
            }
            return .noContent
        }
        g.on(.GET, "users/{id}/directReports", .read(.users)) { c in
            let id = try userId(c)
            return try GraphDirectory.relationship(c) { t in
                t.table(.users).items.compactMap { $0["id"]?.stringValue }.filter { t.manager[$0] == id }
            }
        }
        g.on(.GET, "users/{id}/memberOf", .read(.users)) { c in
            let id = try userId(c)
            return try GraphDirectory.relationship(c) { t in containers(of: id, in: t) }
        }
        g.on(.POST, "users/{id}/getMemberGroups", .read(.users)) { c in
            let id = try userId(c)
            let body = try c.body()
            let securityOnly = body["securityEnabledOnly"]?.boolValue ?? false
            let groups: [String] = try c.with { t in
                transitiveGroups(of: id, in: t).filter { !securityOnly || t.get(.groups, $0)?["securityEnabled"]?.boolValue == true }
            }
            return .json(["@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#Collection(Edm.String)"),
                          "value": JSON(groups)])
        }
        g.on(.POST, "users/{id}/assignLicense", .write(.users)) { c in try assignLicense(c) }
        // A signed-in user changes their own password; nobody else's, and never app-only.
        g.on(.POST, "users/{id}/changePassword", .write(.users)) { c in
            let id = try userId(c)
            guard !c.token.isAppOnly, id.lowercased() == c.token.objectId.lowercased() else {
                throw GraphError(.forbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
            }
            let body = try c.body()
            guard let current = body["currentPassword"]?.stringValue, !current.isEmpty,
                  let new = body["newPassword"]?.stringValue, !new.isEmpty else {
                throw GraphError.badRequest("Invalid request body: currentPassword and newPassword are required.")
            }
            if let seeded = c.state.directory.tenant(idOrDomain: c.tenantId)?.user(id: id), seeded.password != current {
                throw GraphError.badRequest("The current password is incorrect.")
            }
            return .noContent
        }
        g.on(.GET, "users/{id}/licenseDetails", .read(.users)) { c in
            let id = try userId(c)
            let q = try c.query(GraphEntityTypes.licenseDetails)
            let details: [JSONObject] = try c.with { t in
                (t.get(.users, id)?["assignedLicenses"]?.arrayValue ?? []).compactMap { lic in
                    guard let skuId = lic["skuId"]?.stringValue, let sku = sku(skuId, in: t) else { return nil }
                    let disabled = Set((lic["disabledPlans"]?.arrayValue ?? []).compactMap { $0.stringValue?.lowercased() })
                    let plans: [JSON] = (sku["servicePlans"]?.arrayValue ?? []).map { p in
                        let pid = p["servicePlanId"]?.stringValue ?? ""
                        return ["servicePlanId": .string(pid), "servicePlanName": p["servicePlanName"] ?? .null,
                                "provisioningStatus": disabled.contains(pid.lowercased()) ? "Disabled" : "Success", "appliesTo": "User"]
                    }
                    return ["id": .string(Util.opaqueId("license/\(id)/\(skuId)")), "servicePlans": .array(plans),
                            "skuId": .string(skuId), "skuPartNumber": sku["skuPartNumber"] ?? .null]
                }
            }
            return .json(try q.collection(details, c.req, version: c.version, type: GraphEntityTypes.licenseDetails,
                                          entitySet: "users('\(id)')/licenseDetails"))
        }
        g.on(.GET, "users/{id}/appRoleAssignments", .read(.users)) { c in
            let id = try userId(c)
            return try GraphApplications.assignments(c, entitySet: "users('\(id)')/appRoleAssignments") {
                $0["principalId"]?.stringValue?.lowercased() == id.lowercased()
            }
        }
    }

    /// The `{id}` segment (an object id or a UPN) resolved to the user's object id.
    static func userId(_ c: GraphContext) throws -> String {
        let key = c.param("id")
        guard let id = try c.with({ $0.user(idOrUPN: key)?["id"]?.stringValue }) else { throw GraphError.resourceNotFound(key) }
        return id
    }

    static func managerExpander(_ t: TenantData) -> (JSONObject, ExpandItem) -> JSON? {
        let managers = t.manager, users = t.table(.users)
        return { entity, item in
            guard item.name == "manager", let id = entity["id"]?.stringValue, let mid = managers[id], let m = users.get(mid) else { return nil }
            let select = (try? GraphQuery.parseSelect(item.select?.joined(separator: ","), type: GraphEntityTypes.user)) ?? nil
            var out: JSONObject = ["@odata.type": "#microsoft.graph.user"]
            for name in select ?? GraphEntityTypes.user.defaultProperties { out[name] = m[name] ?? GraphEntityTypes.user.emptyValue(name) }
            return .object(out)
        }
    }

    static func domainOf(_ upn: String) -> String? {
        guard let at = upn.lastIndex(of: "@") else { return nil }
        let d = String(upn[upn.index(after: at)...])
        return d.isEmpty ? nil : d
    }

    static func checkUPN(_ upn: String, in t: TenantData, except id: String? = nil) throws {
        guard let domain = domainOf(upn), t.domains.contains(where: { $0.caseInsensitiveCompare(domain) == .orderedSame }),
              upn.first != "@", !upn.contains(" ")
        else { throw GraphError.badRequest("Invalid value specified for property 'userPrincipalName' of resource 'User'.") }
        if let existing = t.upnIndex[upn.lowercased()], existing.lowercased() != id?.lowercased() {
            throw GraphError.badRequest("Another object with the same value for property userPrincipalName already exists.")
        }
    }

    static func create(_ c: GraphContext) throws -> EmulatorResponse {
        let body = try GraphDirectory.validated(try c.body(), type)
        let accountEnabled = try GraphDirectory.requireBool(body, "accountEnabled", resource: "User")
        _ = try GraphDirectory.requireString(body, "displayName", resource: "User")
        _ = try GraphDirectory.requireString(body, "mailNickname", resource: "User")
        let upn = try GraphDirectory.requireString(body, "userPrincipalName", resource: "User")
        guard let profile = body["passwordProfile"]?.objectValue, let password = profile["password"]?.stringValue, !password.isEmpty else {
            throw GraphError.badRequest("A password must be specified to create a new user.")
        }
        let user: JSONObject = try c.with { t in
            try checkUPN(upn, in: t)
            var u: JSONObject = ["id": .string(Util.newGUID()), "businessPhones": []]
            GraphDirectory.merge(body, into: &u)
            u["passwordProfile"] = nil  // write-only: Graph never returns it
            u["accountEnabled"] = .bool(accountEnabled)
            u["createdDateTime"] = .string(GraphDirectory.now())
            if u["userType"] == nil { u["userType"] = "Member" }
            t.insert(.users, u)
            return u
        }
        let q = try c.query(type, collection: false)
        return .created(q.entity(user, c.req, version: c.version, type: type))
    }

    static func update(_ c: GraphContext) throws -> EmulatorResponse {
        let id = try userId(c)
        var body = try GraphDirectory.validated(try c.body(), type, readOnly: ["id", "createdDateTime"])
        body["passwordProfile"] = nil
        try c.with { t in
            if let upn = body["userPrincipalName"] {
                guard let s = upn.stringValue else {
                    throw GraphError.badRequest("Invalid value specified for property 'userPrincipalName' of resource 'User'.")
                }
                try checkUPN(s, in: t, except: id)
            }
            if let usage = body["usageLocation"], !usage.isNull, usage.stringValue?.count != 2 {
                throw GraphError.badRequest("Invalid value specified for property 'usageLocation' of resource 'User'.")
            }
            t.update(.users, id) { GraphDirectory.merge(body, into: &$0) }
        }
        return .noContent
    }

    /// Drops a deleted principal's assignments and grants.
    static func removePrincipal(_ id: String, from t: TenantData) {
        let lower = id.lowercased()
        for kind in [EntityKind.appRoleAssignments, .oauth2PermissionGrants, .roleAssignments] {
            for e in t.table(kind).items where e["principalId"]?.stringValue?.lowercased() == lower {
                t.remove(kind, e["id"]?.stringValue ?? "")
            }
        }
    }

    /// Groups, directory roles and administrative units that list `id` as a direct member.
    static func containers(of id: String, in t: TenantData) -> [String] {
        var out: [String] = []
        for kind in [EntityKind.groups, .directoryRoles, .administrativeUnits] {
            for e in t.table(kind).items {
                guard let gid = e["id"]?.stringValue, t.members[gid]?.contains(id) == true else { continue }
                out.append(gid)
            }
        }
        return out
    }

    /// Every group `id` belongs to, directly or through nested groups.
    static func transitiveGroups(of id: String, in t: TenantData) -> [String] {
        var result: [String] = []
        var frontier = [id]
        var seen: Set<String> = [id]
        while let next = frontier.popLast() {
            for g in t.table(.groups).items {
                guard let gid = g["id"]?.stringValue, !seen.contains(gid), t.members[gid]?.contains(next) == true else { continue }
                seen.insert(gid)
                result.append(gid)
                frontier.append(gid)
            }
        }
        return result
    }

    static func sku(_ skuId: String, in t: TenantData) -> JSONObject? {
        t.table(.subscribedSkus).items.first { $0["skuId"]?.stringValue?.lowercased() == skuId.lowercased() }
    }

    static func assignLicense(_ c: GraphContext) throws -> EmulatorResponse {
        let id = try userId(c)
        let body = try c.body()
        guard let add = body["addLicenses"]?.arrayValue, let remove = body["removeLicenses"]?.arrayValue else {
            throw GraphError.badRequest("Invalid request body: 'addLicenses' and 'removeLicenses' are required.")
        }
        let user: JSONObject = try c.with { t in
            guard var user = t.get(.users, id) else { throw GraphError.resourceNotFound(id) }
            var licenses = user["assignedLicenses"]?.arrayValue ?? []
            var consumed: [String: Int] = [:]  // skuId → change
            func has(_ skuId: String) -> Int? { licenses.firstIndex { $0["skuId"]?.stringValue?.lowercased() == skuId.lowercased() } }
            for item in add {
                guard let skuId = item["skuId"]?.stringValue else { throw GraphError.badRequest("Invalid value specified for property 'skuId'.") }
                guard let sku = sku(skuId, in: t) else {
                    throw GraphError.badRequest("License \(skuId) does not correspond to a valid company License.")
                }
                guard user["usageLocation"]?.stringValue != nil else {
                    throw GraphError.badRequest("License assignment cannot be done for user with invalid usage location.")
                }
                let canonical = sku["skuId"]?.stringValue ?? skuId
                let entry: JSON = ["disabledPlans": .array(item["disabledPlans"]?.arrayValue ?? []), "skuId": .string(canonical)]
                if let i = has(canonical) { licenses[i] = entry; continue }
                let enabled = sku["prepaidUnits"]?["enabled"]?.intValue ?? 0
                let used = (sku["consumedUnits"]?.intValue ?? 0) + (consumed[canonical] ?? 0)
                guard used < enabled else { throw GraphError.badRequest("Subscription \(canonical) does not have any available licenses.") }
                licenses.append(entry)
                consumed[canonical, default: 0] += 1
            }
            for item in remove {
                guard let skuId = item.stringValue, let sku = sku(skuId, in: t) else {
                    throw GraphError.badRequest("License \(item.stringValue ?? "") does not correspond to a valid company License.")
                }
                let canonical = sku["skuId"]?.stringValue ?? skuId
                guard let i = has(canonical) else { throw GraphError.badRequest("User does not have a corresponding license.") }
                licenses.remove(at: i)
                consumed[canonical, default: 0] -= 1
            }
            user["assignedLicenses"] = .array(licenses)
            t.update(.users, id) { $0 = user }
            for (skuId, delta) in consumed where delta != 0 {
                guard let skuEntityId = sku(skuId, in: t)?["id"]?.stringValue else { continue }
                t.update(.subscribedSkus, skuEntityId) { $0["consumedUnits"] = JSON(max(0, ($0["consumedUnits"]?.intValue ?? 0) + delta)) }
            }
            return user
        }
        let q = try c.query(type, collection: false)
        return .json(q.entity(user, c.req, version: c.version, type: type))
    }
}
