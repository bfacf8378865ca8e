import Foundation
import JSONModel
import NIOConcurrencyHelpers
import NIOHTTP1

/// A site collection's user: a directory user (or a claim) SharePoint has seen on the site.
struct SPSiteUser: Sendable {
    var id: Int
    var loginName: String
    var title: String
    var email: String
    var upn: String
    /// The Entra object id; nil for claims that are not users.
    var objectId: String?
    var isSiteAdmin: Bool
    /// 1 for a user, 4 for a security group (an Entra group's claim).
    var principalType = 1
}

/// A SharePoint group of a site collection and its members (site user ids, in order added).
final class SPSiteGroup: @unchecked Sendable {
    let id: Int
    var title: String
    var description: String
    var ownerTitle: String
    var members: [Int]
    /// AllowMembersEditMembership, OnlyAllowMembersViewMembership, AllowRequestToJoinLeave,
    /// AutoAcceptRequestToJoinLeave and RequestToJoinLeaveEmailSetting, as set when created.
    var settings: JSONObject = [:]

    init(id: Int, title: String, description: String, ownerTitle: String, members: [Int]) {
        self.id = id
        self.title = title
        self.description = description
        self.ownerTitle = ownerTitle
        self.members = members
    }
}

/// The users and groups of one site collection. The associated owner, visitor and member
/// groups take ids 3, 4 and 5, as SharePoint numbers them on a new site.
final class SPSitePrincipals: @unchecked Sendable {
    var users: [SPSiteUser] = []
    var groups: [SPSiteGroup] = []
    var nextId: Int
    /// The site collection's permission levels and the objects with their own role assignments
    /// (`SharePointPermissions`).
    var roleDefinitions = SharePointPermissions.builtIns
    var uniqueScopes: [String: [SPRoleAssignment]] = [:]
    static let ownerGroup = 3, visitorGroup = 4, memberGroup = 5

    init(nextId: Int) { self.nextId = nextId }

    func user(id: Int) -> SPSiteUser? { users.first { $0.id == id } }
    func group(id: Int) -> SPSiteGroup? { groups.first { $0.id == id } }
    func group(name: String) -> SPSiteGroup? { groups.first { $0.title.caseInsensitiveCompare(name) == .orderedSame } }
    func user(loginName: String) -> SPSiteUser? { users.first { $0.loginName.caseInsensitiveCompare(loginName) == .orderedSame } }
    func user(email: String) -> SPSiteUser? {
        users.first { !$0.email.isEmpty && $0.email.caseInsensitiveCompare(email) == .orderedSame }
    }
}

/// Users and groups of every site collection, built from the directory and the seed's site
/// owners the first time a site collection is asked about; cleared on reset.
final class SPPrincipalStore: @unchecked Sendable {
    private let lock = NIOLock()
    private var sites: [String: SPSitePrincipals] = [:]

    func reset() { lock.withLock { sites = [:] } }

    /// Runs `body` under the lock with the principals of `r`'s site collection.
    func with<T>(_ r: SharePointRequest, _ body: (SPSitePrincipals) throws -> T) throws -> T {
        let key = r.tenant.id.lowercased() + "|" + r.web.siteCollectionURL.lowercased()
        if lock.withLock({ sites[key] }) == nil {
            let built = try SharePointPrincipals.build(r)
            lock.withLock { if sites[key] == nil { sites[key] = built } }
        }
        return try lock.withLock { try body(sites[key]!) }
    }
}

/// `{web}/_api/web/siteusers`, `sitegroups`, `ensureuser` and the associated groups.
enum SharePointPrincipals {
    typealias Handler = @Sendable (SharePointRequest, [String: String]) throws -> EmulatorResponse

    static func register(_ r: inout Router<SharePointRequest>.RouteList) {
        func on(_ method: HTTPMethod?, _ path: String, _ handler: @escaping Handler) { r.sharePoint(method, path, handler) }
        on(.GET, "_api/web/siteusers", { r, _ in try userCollection(r, r.state.sharePoint.principals.with(r) { $0.users }) })
        on(.GET, "_api/web/siteusers/{id}", { r, p in try userResponse(r) { try user(id: p["id"], in: $0) } })
        on(.GET, "_api/web/siteusers/getbyemail/{email}", userByEmail)
        on(.GET, "_api/web/siteusers/getbyloginname/{login}", userByLoginName)
        on(.GET, "_api/web/getuserbyid/{id}", { r, p in try userResponse(r) { try user(id: p["id"], in: $0) } })
        on(.POST, "_api/web/ensureuser", ensureUser)
        on(.POST, "_api/web/ensureuser/{logon}", ensureUser)
        on(.GET, "_api/web/currentuser", currentUser)
        on(.GET, "_api/web/sitegroups", listGroups)
        on(.POST, "_api/web/sitegroups", { r, _ in try addGroup(r) })
        on(.POST, "_api/web/sitegroups/removebyid/{id}", removeGroup)
        on(.POST, "_api/web/sitegroups/removebyloginname/{name}", removeGroup)
        // A group is `GetById(n)` (canonically `n`) or `GetByName('x')`.
        for address in ["_api/web/sitegroups/{id}", "_api/web/sitegroups/getbyname/{name}"] {
            on(.GET, address, { r, p in try groupResponse(r) { try group(p, r, in: $0) } })
            on(.GET, address + "/users", groupMembers)
            on(.POST, address + "/users", addGroupMember)
            on(.GET, address + "/users/{user}", groupMember)
            on(.POST, address + "/users/removebyid/{user}", removeGroupMember)
            on(.POST, address + "/users/removebyloginname/{login}", removeGroupMember)
        }
        on(.GET, "_api/web/associatedownergroup", { r, _ in try associated(r, SPSitePrincipals.ownerGroup) })
        on(.GET, "_api/web/associatedmembergroup", { r, _ in try associated(r, SPSitePrincipals.memberGroup) })
        on(.GET, "_api/web/associatedvisitorgroup", { r, _ in try associated(r, SPSitePrincipals.visitorGroup) })
    }

    static let userNotFound = SPError(.notFound, "-2146232832, Microsoft.SharePoint.SPException", "User cannot be found.")
    static let groupNotFound = SPError(.notFound, "-2146232832, Microsoft.SharePoint.SPException", "Group cannot be found.")
    static let claimPrefix = "i:0#.f|membership|"

    // MARK: Building a site collection's principals

    static func build(_ r: SharePointRequest) throws -> SPSitePrincipals {
        let seedUsers = r.tenant.seed.users
        let site = (r.tenant.seed.sharePoint?.sites ?? []).first {
            ($0["url"]?.stringValue ?? "").trimmingSuffix("/").caseInsensitiveCompare(r.web.siteCollectionURL) == .orderedSame
        }
        let out = SPSitePrincipals(nextId: seedUsers.count + 6 + 10)
        let rootTitle = r.store.web(for: r.web.siteCollectionURL, tenantId: r.tenant.id)?.title ?? r.web.title
        var owners: [String] = []
        var members: [String] = []
        if let owner = site?["owner"]?.stringValue { owners.append(owner) }
        try r.state.store.with(r.tenant.id) { data in
            if let gid = site?["groupId"]?.stringValue {
                owners += (data.owners[gid] ?? []).compactMap { data.get(.users, $0)?["userPrincipalName"]?.stringValue }
                members += (data.members[gid] ?? []).compactMap { data.get(.users, $0)?["userPrincipalName"]?.stringValue }
            }
            for upn in owners + members where data.user(idOrUPN: upn) != nil && out.users.allSatisfy({ $0.upn.lowercased() != upn.lowercased() }) {
                out.users.append(siteUser(data.user(idOrUPN: upn)!, r: r, id: id(for: upn, r: r, site: out), admin: owners.first == upn))
            }
        }
        func ids(_ upns: [String]) -> [Int] {
            var seen: [Int] = []
            for upn in upns {
                if let u = out.users.first(where: { $0.upn.caseInsensitiveCompare(upn) == .orderedSame }), !seen.contains(u.id) { seen.append(u.id) }
            }
            return seen
        }
        let ownerTitle = "\(rootTitle) Owners"
        out.groups = [
            SPSiteGroup(id: SPSitePrincipals.ownerGroup, title: ownerTitle, description: "", ownerTitle: ownerTitle, members: ids(owners)),
            SPSiteGroup(id: SPSitePrincipals.visitorGroup, title: "\(rootTitle) Visitors", description: "", ownerTitle: ownerTitle, members: []),
            SPSiteGroup(id: SPSitePrincipals.memberGroup, title: "\(rootTitle) Members", description: "", ownerTitle: ownerTitle, members: ids(members)),
        ]
        return out
    }

    /// Seeded users keep the id list items give them as authors (`SharePointEndpoints.userId`);
    /// others get the next free one.
    static func id(for upn: String, r: SharePointRequest, site: SPSitePrincipals) -> Int {
        if let i = r.tenant.seed.users.firstIndex(where: { $0.userPrincipalName.caseInsensitiveCompare(upn) == .orderedSame }) { return i + 6 }
        defer { site.nextId += 1 }
        return site.nextId
    }

    static func siteUser(_ u: JSONObject, r: SharePointRequest, id: Int, admin: Bool) -> SPSiteUser {
        let upn = u["userPrincipalName"]?.stringValue ?? ""
        return SPSiteUser(id: id, loginName: claimPrefix + upn.lowercased(), title: u["displayName"]?.stringValue ?? upn,
                          email: u["mail"]?.stringValue ?? "", upn: upn, objectId: u["id"]?.stringValue, isSiteAdmin: admin)
    }

    // MARK: Rendering

    static let userNames = ["Id", "IsHiddenInUI", "LoginName", "Title", "PrincipalType", "Email", "Expiration", "IsEmailAuthenticationGuestUser",
                            "IsShareByEmailGuestUser", "IsSiteAdmin", "UserId", "UserPrincipalName"]

    static func userProps(_ u: SPSiteUser) -> JSONObject {
        let nameId: JSON = u.objectId.map { oid in
            ["NameId": .string("1003" + String(oid.replacingOccurrences(of: "-", with: "").suffix(12))), "NameIdIssuer": "urn:federation:microsoftonline"]
        } ?? .null
        return [
            "Id": JSON(u.id), "IsHiddenInUI": false, "LoginName": .string(u.loginName), "Title": .string(u.title), "PrincipalType": JSON(u.principalType),
            "Email": .string(u.email), "Expiration": "", "IsEmailAuthenticationGuestUser": false, "IsShareByEmailGuestUser": false,
            "IsSiteAdmin": .bool(u.isSiteAdmin), "UserId": nameId, "UserPrincipalName": u.upn.isEmpty ? .null : .string(u.upn),
        ]
    }

    static func userMeta(_ u: SPSiteUser) -> SPMeta { SPMeta(type: "SP.User", editLink: "Web/GetUserById(\(u.id))") }

    static let groupNames = ["Id", "IsHiddenInUI", "LoginName", "Title", "PrincipalType", "AllowMembersEditMembership", "AllowRequestToJoinLeave",
                             "AutoAcceptRequestToJoinLeave", "Description", "OnlyAllowMembersViewMembership", "OwnerTitle",
                             "RequestToJoinLeaveEmailSetting"]

    static func groupProps(_ g: SPSiteGroup) -> JSONObject {
        var props: JSONObject = [
            "Id": JSON(g.id), "IsHiddenInUI": false, "LoginName": .string(g.title), "Title": .string(g.title), "PrincipalType": 8,
            "AllowMembersEditMembership": false, "AllowRequestToJoinLeave": false, "AutoAcceptRequestToJoinLeave": false,
            "Description": g.description.isEmpty ? .null : .string(g.description), "OnlyAllowMembersViewMembership": false,
            "OwnerTitle": .string(g.ownerTitle), "RequestToJoinLeaveEmailSetting": "",
        ]
        for (k, v) in g.settings { props[k] = v }
        return props
    }

    static func groupMeta(_ g: SPSiteGroup) -> SPMeta { SPMeta(type: "SP.Group", editLink: "Web/SiteGroups/GetById(\(g.id))") }

    static func userResponse(_ r: SharePointRequest, status: HTTPResponseStatus = .ok, _ find: (SPSitePrincipals) throws -> SPSiteUser) throws -> EmulatorResponse {
        let u = try r.state.sharePoint.principals.with(r, find)
        let q = try SPQuery(r.request, properties: userNames, typeName: "SP.User")
        return .json(SPRender(r).entity(q.project(userProps(u)), userMeta(u), context: "SP.ApiData.Users"), status: status)
    }

    static func groupResponse(_ r: SharePointRequest, status: HTTPResponseStatus = .ok, _ find: (SPSitePrincipals) throws -> SPSiteGroup) throws -> EmulatorResponse {
        let props: (JSONObject, SPMeta) = try r.state.sharePoint.principals.with(r) { site in
            let g = try find(site)
            return (groupProps(g), groupMeta(g))
        }
        let q = try SPQuery(r.request, properties: groupNames, typeName: "SP.Group")
        return .json(SPRender(r).entity(q.project(props.0), props.1, context: "SP.ApiData.Groups"), status: status)
    }

    static func userCollection(_ r: SharePointRequest, _ users: [SPSiteUser]) throws -> EmulatorResponse {
        let q = try SPQuery(r.request, properties: userNames, typeName: "SP.User")
        let render = SPRender(r)
        let rows = q.sorted(users, { userProps($0) }).filter { q.matches(userProps($0)) }.prefix(q.top ?? Int.max)
        return .json(render.collection(rows.map { render.entry(q.project(userProps($0)), userMeta($0)) }, context: "SP.ApiData.Users", next: nil))
    }

    // MARK: Lookups

    static func user(id: String?, in site: SPSitePrincipals) throws -> SPSiteUser {
        guard let n = id.flatMap(Int.init), let u = site.user(id: n) else { throw userNotFound }
        return u
    }

    /// The group a route names by `{id}` or by `{name}`.
    static func group(_ p: [String: String], _ r: SharePointRequest, in site: SPSitePrincipals) throws -> SPSiteGroup {
        let g = p["name"].map { site.group(name: aliased($0, r)) } ?? p["id"].flatMap { Int($0) }.flatMap(site.group(id:))
        guard let g else { throw groupNotFound }
        return g
    }

    /// `@LoginName` style parameter aliases read from the query string.
    static func aliased(_ value: String, _ r: SharePointRequest) -> String {
        guard value.hasPrefix("@") else { return value }
        let raw = r.request.query[value] ?? ""
        return raw.count >= 2 && raw.hasPrefix("'") && raw.hasSuffix("'")
            ? String(raw.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'") : raw
    }

    // MARK: Permissions

    /// Managing a site's users and groups needs an app token (its roles were checked) or a
    /// user who is a tenant admin, the site's admin or a member of its owners group.
    static func requireOwner(_ r: SharePointRequest, _ site: SPSitePrincipals) throws {
        let token = r.token
        if token.isAppOnly || isTenantAdmin(r) { return }
        let oid = token.objectId.lowercased()
        let mine = site.users.filter { $0.objectId?.lowercased() == oid }
        if mine.contains(where: { $0.isSiteAdmin }) { return }
        if let owners = site.group(id: SPSitePrincipals.ownerGroup), mine.contains(where: { owners.members.contains($0.id) }) { return }
        throw SPError.accessDenied
    }

    /// Whether the caller may change the site's groups (see `requireOwner`).
    static func isOwner(_ r: SharePointRequest) throws -> Bool {
        try r.state.sharePoint.principals.with(r) { site in (try? requireOwner(r, site)) != nil }
    }

    static let adminRoles: Set<String> = ["62e90394-69f5-4237-9190-012177145e10", "f28a1f50-f6e7-4571-818b-6a12f2af6b6c"]

    /// A Global or SharePoint Administrator.
    static func isTenantAdmin(_ r: SharePointRequest) -> Bool {
        let oid = r.token.objectId
        guard !oid.isEmpty else { return false }
        let roles = (try? r.state.store.with(r.tenant.id) { $0.roleTemplates(of: oid) }) ?? []
        return !roles.isDisjoint(with: adminRoles)
    }

    // MARK: Site users

    static func userByEmail(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        try userResponse(r) { site in
            guard let u = site.user(email: aliased(p["email"] ?? "", r)) else { throw userNotFound }
            return u
        }
    }

    static func userByLoginName(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        try userResponse(r) { site in
            guard let u = site.user(loginName: aliased(p["login"] ?? "", r)) else { throw userNotFound }
            return u
        }
    }

    /// `POST ensureuser {"logonName": upn | email | claim}`: the site user, added from the
    /// directory when the site has not seen them yet.
    static func ensureUser(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        // `ensureUser('<logon>')` names the user in the URL; the body form is `{"logonName": …}`.
        let inURL = p["logon"].map { $0.removingPercentEncoding ?? $0 }
        let body = inURL == nil ? try SharePointEndpoints.jsonBody(r) : [:]
        guard let logon = inURL ?? body["logonName"]?.stringValue, !logon.isEmpty else {
            throw SPError.invalidQuery("The parameter logonName does not exist in method EnsureUser.")
        }
        return try userResponse(r) { site in try ensure(logon, r: r, in: site) }
    }

    /// `GET _api/web/currentuser`: the signed-in user as the site knows them (an app has no
    /// site user here).
    static func currentUser(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        guard !r.token.isAppOnly,
              let upn = try r.state.store.with(r.tenant.id, { $0.user(idOrUPN: r.token.objectId)?["userPrincipalName"]?.stringValue })
        else { throw userNotFound }
        return try userResponse(r) { site in try ensure(upn, r: r, in: site) }
    }

    /// The claims SharePoint gives an Entra group: a Microsoft 365 (mail-enabled) group's and a
    /// security group's.
    static let groupClaimPrefixes = ["c:0o.c|federateddirectoryclaimprovider|", "c:0t.c|tenant|"]

    /// The site principal for an Entra group's claim, added from the directory if needed.
    static func ensureGroup(_ claim: String, groupId: String, r: SharePointRequest, in site: SPSitePrincipals) throws -> SPSiteUser {
        if let u = site.user(loginName: claim) { return u }
        guard let g = try r.state.store.with(r.tenant.id, { $0.get(.groups, groupId) }) else {
            throw SPError(.notFound, "-2146232832, Microsoft.SharePoint.SPException", "The specified user \(claim) could not be found.")
        }
        let u = SPSiteUser(id: site.nextId, loginName: claim, title: g["displayName"]?.stringValue ?? groupId,
                           email: g["mail"]?.stringValue ?? "", upn: "", objectId: nil, isSiteAdmin: false, principalType: 4)
        site.nextId += 1
        site.users.append(u)
        return u
    }

    /// The site user for a logon name, added from the directory if needed. Call under the lock.
    static func ensure(_ logon: String, r: SharePointRequest, in site: SPSitePrincipals) throws -> SPSiteUser {
        if let prefix = groupClaimPrefixes.first(where: { logon.lowercased().hasPrefix($0) }) {
            return try ensureGroup(logon, groupId: String(logon.dropFirst(prefix.count)), r: r, in: site)
        }
        var name = logon
        if name.lowercased().hasPrefix(claimPrefix) { name = String(name.dropFirst(claimPrefix.count)) }
        if let u = site.users.first(where: { $0.upn.caseInsensitiveCompare(name) == .orderedSame }) ?? site.user(email: name) { return u }
        let found: JSONObject? = try r.state.store.with(r.tenant.id) { data in
            data.user(idOrUPN: name) ?? data.table(.users).items.first {
                ($0["mail"]?.stringValue ?? "").caseInsensitiveCompare(name) == .orderedSame
            }
        }
        guard let found, found["id"]?.stringValue != name else {
            throw SPError(.notFound, "-2146232832, Microsoft.SharePoint.SPException", "The specified user \(logon) could not be found.")
        }
        let u = siteUser(found, r: r, id: id(for: found["userPrincipalName"]?.stringValue ?? name, r: r, site: site), admin: false)
        site.users.append(u)
        return u
    }

    // MARK: Site groups

    static func listGroups(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let q = try SPQuery(r.request, properties: groupNames, typeName: "SP.Group")
        let render = SPRender(r)
        let rows: [(JSONObject, SPMeta)] = try r.state.sharePoint.principals.with(r) { $0.groups.map { (groupProps($0), groupMeta($0)) } }
        let page = q.sorted(rows, { $0.0 }).filter { q.matches($0.0) }.prefix(q.top ?? Int.max)
        return .json(render.collection(page.map { render.entry(q.project($0.0), $0.1) }, context: "SP.ApiData.Groups", next: nil))
    }

    /// `RemoveById(n)` / `RemoveByLoginName('name')` on the collection.
    static func removeGroup(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        try r.state.sharePoint.principals.with(r) { site in
            try requireOwner(r, site)
            guard let g = try? group(p, r, in: site) else { throw groupNotFound }
            site.groups.removeAll { $0 === g }
        }
        return .json(.object([:]))
    }

    static func groupMembers(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let users: [SPSiteUser] = try r.state.sharePoint.principals.with(r) { site in
            try group(p, r, in: site).members.compactMap(site.user(id:))
        }
        return try userCollection(r, users)
    }

    static func addGroupMember(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        guard let login = body["LoginName"]?.stringValue, !login.isEmpty else {
            throw SPError.invalidQuery("The parameter LoginName does not exist in method AddUser.")
        }
        return try userResponse(r, status: .created) { site in
            try requireOwner(r, site)
            let g = try group(p, r, in: site)
            let u = try ensure(login, r: r, in: site)
            if !g.members.contains(u.id) { g.members.append(u.id) }
            return u
        }
    }

    static func groupMember(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        try userResponse(r) { site in
            let g = try group(p, r, in: site)
            guard let n = Int(p["user"] ?? ""), g.members.contains(n), let u = site.user(id: n) else { throw userNotFound }
            return u
        }
    }

    /// `users/RemoveById(n)` / `users/RemoveByLoginName('name')` of a group.
    static func removeGroupMember(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        try r.state.sharePoint.principals.with(r) { site in
            try requireOwner(r, site)
            let g = try group(p, r, in: site)
            let u = p["user"].map { Int($0).flatMap(site.user(id:)) } ?? site.user(loginName: aliased(p["login"] ?? "", r))
            guard let u, g.members.contains(u.id) else { throw userNotFound }
            g.members.removeAll { $0 == u.id }
        }
        return .json(.object([:]))
    }

    static func addGroup(_ r: SharePointRequest) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        try SharePointEndpoints.checkType(body, "SP.Group")
        guard let title = body["Title"]?.stringValue?.trimmingCharacters(in: .whitespaces), !title.isEmpty else {
            throw SPError(.badRequest, "-2147024809, System.ArgumentException", "Value does not fall within the expected range.")
        }
        return try groupResponse(r, status: .created) { site in
            try requireOwner(r, site)
            guard site.group(name: title) == nil, site.users.allSatisfy({ $0.loginName.caseInsensitiveCompare(title) != .orderedSame }) else {
                throw SPError(.badRequest, "-2130575293, Microsoft.SharePoint.SPException", "The specified name is already in use.")
            }
            let owner = site.group(id: SPSitePrincipals.ownerGroup)?.title ?? title
            let g = SPSiteGroup(id: site.nextId, title: title, description: body["Description"]?.stringValue ?? "", ownerTitle: owner, members: [])
            for name in ["AllowMembersEditMembership", "OnlyAllowMembersViewMembership", "AllowRequestToJoinLeave", "AutoAcceptRequestToJoinLeave"] {
                if let value = body[name]?.boolValue { g.settings[name] = .bool(value) }
            }
            if let email = body["RequestToJoinLeaveEmailSetting"]?.stringValue { g.settings["RequestToJoinLeaveEmailSetting"] = .string(email) }
            site.nextId += 1
            site.groups.append(g)
            return g
        }
    }

    // MARK: Role assignments

    /// The built-in Full Control and Read permission levels as SharePoint renders them.
    static let fullControl: JSONObject = SharePointPermissions.definitionProps(SharePointPermissions.fullControl)
    static let read: JSONObject = SharePointPermissions.definitionProps(SharePointPermissions.read)

    /// `…/RoleAssignments` of the object whose scope chain is `chain` (the request's web by
    /// default): see `SharePointPermissions`.
    static func roleAssignmentsResponse(_ r: SharePointRequest, chain: [String]? = nil) throws -> EmulatorResponse {
        try SharePointPermissions.assignmentsResponse(r, chain: chain ?? SharePointPermissions.webChain(r))
    }

    /// The role assignments of the object whose chain is `chain` (the request's web by default),
    /// with `member` and `roledefinitionbindings` expanded when `expand` (lowercased) names them.
    static func roleAssignments(_ r: SharePointRequest, expand: [String], chain: [String]? = nil) throws -> [JSONObject] {
        try SharePointPermissions.rows(r, chain: chain ?? SharePointPermissions.webChain(r), expand: expand)
    }

    static func associated(_ r: SharePointRequest, _ id: Int) throws -> EmulatorResponse {
        try groupResponse(r) { site in
            guard let g = site.group(id: id) else { throw groupNotFound }
            return g
        }
    }

    /// `GET _api/web?$expand=AssociatedOwnerGroup,…`: the web's properties with the associated
    /// groups expanded; a `$select` naming only them keeps only them.
    static func webExpansions(_ r: SharePointRequest, _ props: JSONObject) -> JSONObject {
        let names = [("AssociatedOwnerGroup", SPSitePrincipals.ownerGroup), ("AssociatedMemberGroup", SPSitePrincipals.memberGroup),
                     ("AssociatedVisitorGroup", SPSitePrincipals.visitorGroup)]
        let expand = (r.request.query["$expand"] ?? "").lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let wanted = names.filter { expand.contains($0.0.lowercased()) }
        guard !wanted.isEmpty else { return props }
        let select = (r.request.query["$select"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var out = select.isEmpty || select.contains("*") ? props : JSONObject()
        for (name, id) in wanted {
            let g = try? r.state.sharePoint.principals.with(r) { site in site.group(id: id).map(groupProps) }
            out[name] = (g ?? nil).map(JSON.object) ?? .null
        }
        return out
    }
}
