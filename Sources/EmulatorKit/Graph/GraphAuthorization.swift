import JSONModel

/// The part of the directory a route touches, for permission checks.
enum DirectoryArea: Sendable {
    case users, groups, applications, grants, appRoleAssignments, roles, administrativeUnits, directory
}

/// What a route needs from the caller's token.
enum GraphAccess: Sendable {
    /// Any valid Graph token.
    case signedIn
    case read(DirectoryArea)
    case write(DirectoryArea)
    /// Workloads outside the directory: one of `delegated` in `scp`, or one of `application` in
    /// `roles` (empty: app-only tokens are refused). No directory role is needed.
    case scopes(delegated: Set<String>, application: Set<String>)
}

/// Graph's permission model, simplified: delegated reads are open to any signed-in user;
/// delegated writes need a ReadWrite scope for the area and an admin role that covers it;
/// app-only calls need an application permission (`roles`) for the area.
enum GraphAuthorization {
    static let globalAdministrator = WellKnownApp.globalAdministratorRole

    static func check(_ access: GraphAccess, _ c: GraphContext) throws {
        let token = c.token
        switch access {
        case .signedIn: return
        case let .scopes(delegated, application):
            let held = token.isAppOnly ? token.roles : token.scopes
            guard held.contains(where: (token.isAppOnly ? application : delegated).contains) else { throw GraphError.accessDenied }
        case let .read(area):
            guard token.isAppOnly else { return }
            guard token.roles.contains(where: readRoles(area).contains) else { throw GraphError.accessDenied }
        case let .write(area):
            if token.isAppOnly {
                guard token.roles.contains(where: writeRoles(area).contains) else { throw GraphError.accessDenied }
                return
            }
            guard token.scopes.contains(where: writeScopes(area).contains) else { throw GraphError.accessDenied }
            // Owners manage their own groups and app registrations without an admin role.
            if (area == .groups || area == .applications), let target = c.params["id"], try isOwner(c, of: target) { return }
            let held = try roleTemplates(c)
            guard held.contains(globalAdministrator) || !held.isDisjoint(with: adminRoles(area)) else { throw GraphError.accessDenied }
        }
    }

    /// The caller's directory roles: the token's `wids` plus what the directory holds now
    /// (a role assigned through Graph counts at once, as with a fresh token).
    static func roleTemplates(_ c: GraphContext) throws -> Set<String> {
        var out = Set((c.token.claims["wids"]?.arrayValue ?? []).compactMap { $0.stringValue?.lowercased() })
        out.formUnion(try c.with { $0.roleTemplates(of: c.token.objectId) })
        return out
    }

    static func isOwner(_ c: GraphContext, of target: String) throws -> Bool {
        let me = c.token.objectId.lowercased()
        return try c.with { t in
            guard let id = (t.get(.groups, target) ?? t.get(.applications, target))?["id"]?.stringValue else { return false }
            return t.owners[id]?.contains { $0.lowercased() == me } == true
        }
    }

    static func family(_ area: DirectoryArea) -> [String] {
        switch area {
        case .users: return ["User"]
        case .groups: return ["Group", "GroupMember"]
        case .applications, .grants: return ["Application"]
        case .appRoleAssignments: return ["Application", "AppRoleAssignment"]
        case .administrativeUnits: return ["AdministrativeUnit"]
        case .roles, .directory: return []
        }
    }

    static func readRoles(_ area: DirectoryArea) -> Set<String> {
        var out: Set<String> = ["Directory.Read.All", "Directory.ReadWrite.All"]
        for f in family(area) { out.formUnion(["\(f).Read.All", "\(f).ReadWrite.All"]) }
        if area == .roles { out.formUnion(["RoleManagement.Read.Directory", "RoleManagement.Read.All", "RoleManagement.ReadWrite.Directory"]) }
        return out
    }

    static func writeRoles(_ area: DirectoryArea) -> Set<String> {
        var out: Set<String> = ["Directory.ReadWrite.All"]
        for f in family(area) { out.insert("\(f).ReadWrite.All") }
        if area == .roles { out.insert("RoleManagement.ReadWrite.Directory") }
        if area == .grants { out.insert("DelegatedPermissionGrant.ReadWrite.All") }
        return out
    }

    static func writeScopes(_ area: DirectoryArea) -> Set<String> {
        writeRoles(area).union(["Directory.AccessAsUser.All"])
    }

    /// Built-in roles besides Global Administrator that may write the area.
    static func adminRoles(_ area: DirectoryArea) -> Set<String> {
        let userAdmin = "fe930be7-5e62-47db-91af-98c3a49a38b1", groupsAdmin = "fdd7a751-b60b-444a-984c-02652fe8fa1c"
        let appAdmin = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", cloudAppAdmin = "158c047a-c907-4556-b7ef-446551a6b5f7"
        let roleAdmin = "e8611ab8-c189-46e8-94e1-60213ab1f814"
        switch area {
        case .users: return [userAdmin]
        case .groups: return [userAdmin, groupsAdmin]
        case .applications, .grants, .appRoleAssignments: return [appAdmin, cloudAppAdmin]
        case .roles: return [roleAdmin]
        case .administrativeUnits: return [roleAdmin]
        case .directory: return []
        }
    }
}
