import Foundation
import JSONModel
import NIOHTTP1

/// A permission level of a site collection: its permissions as SharePoint's `{High, Low}` words
/// (numbers as text, as SharePoint writes them). Built-ins have a `RoleTypeKind` other than 0.
struct SPRoleDefinition: Sendable {
    var id: Int
    var name: String
    var description: String
    var order: Int
    var kind: Int
    var high: String
    var low: String
    var hidden = false
}

/// One principal's role assignment on a securable object: the role definitions bound to it.
struct SPRoleAssignment: Sendable {
    let principalId: Int
    var roleDefinitionIds: [Int]
}

/// Role assignments of securable objects (webs, lists, items — folders and files are items) and
/// the role definitions of a site collection, kept with the site's principals.
///
/// An object is a scope key (`web:<url>`, `list:<id>`, `item:<list id>:<item id>`); its chain is
/// the keys from it up to the root web (an item in a folder has the folder's item above it). It
/// inherits the assignments of the first key of its chain that has its own (`uniqueScopes`);
/// the root web always has its own: the associated owners Full Control, members Edit, visitors
/// Read until someone changes them.
enum SharePointPermissions {
    typealias Handler = SharePointEndpoints.Handler
    typealias Chain = @Sendable (SharePointRequest, [String: String]) throws -> [String]

    // MARK: Role definitions

    static let fullControl = SPRoleDefinition(id: 1073741829, name: "Full Control", description: "Has full control.", order: 1, kind: 5,
                                              high: "2147483647", low: "4294967295")
    static let design = SPRoleDefinition(id: 1073741828, name: "Design", description: "Can view, add, update, delete, approve, and customize.",
                                         order: 32, kind: 4, high: "432", low: "1012866047")
    static let edit = SPRoleDefinition(id: 1073741830, name: "Edit",
                                       description: "Can add, edit and delete lists; can view, add, update and delete list items and documents.",
                                       order: 48, kind: 6, high: "432", low: "1011030767")
    static let contribute = SPRoleDefinition(id: 1073741827, name: "Contribute", description: "Can view, add, update, and delete list items and documents.",
                                             order: 64, kind: 3, high: "432", low: "1011028719")
    static let read = SPRoleDefinition(id: 1073741826, name: "Read", description: "Can view pages and list items and download documents.",
                                       order: 128, kind: 2, high: "176", low: "138612833")
    static let limitedAccess = SPRoleDefinition(id: 1073741825, name: "Limited Access",
                                                description: "Can view specific lists, document libraries, list items, folders, or documents when given permissions.",
                                                order: 160, kind: 1, high: "48", low: "134287360", hidden: true)
    /// What a new site collection has, in SharePoint's order.
    static let builtIns = [fullControl, design, edit, contribute, read, limitedAccess]

    static func definitionProps(_ d: SPRoleDefinition) -> JSONObject {
        ["BasePermissions": ["High": .string(d.high), "Low": .string(d.low)], "Description": .string(d.description), "Hidden": .bool(d.hidden),
         "Id": JSON(d.id), "Name": .string(d.name), "Order": JSON(d.order), "RoleTypeKind": JSON(d.kind)]
    }

    static func definitionMeta(_ d: SPRoleDefinition) -> SPMeta { SPMeta(type: "SP.RoleDefinition", editLink: "Web/RoleDefinitions(\(d.id))") }

    static let definitionNotFound = SPError(.notFound, "-2147024809, System.ArgumentException", "Value does not fall within the expected range.")
    static let inherits = SPError(.badRequest, "-2146232832, Microsoft.SharePoint.SPException",
                                  "This operation is not allowed on an object that inherits permissions.")
    static func principalNotFound(_ id: Int) -> SPError {
        SPError(.notFound, "-2147024809, System.ArgumentException", "Can not find the principal with id: \(id).")
    }

    // MARK: Routes

    static func register(_ on: (HTTPMethod, String, @escaping Handler) -> Void) {
        on(.GET, "_api/web/roledefinitions", listDefinitions)
        on(.POST, "_api/web/roledefinitions", addDefinition)
        on(.GET, "_api/web/roledefinitions/getbyname/{name}", { r, p in
            try definitionResponse(r) { site in
                let name = SharePointPrincipals.aliased(p["name"] ?? "", r)
                guard let d = site.roleDefinitions.first(where: { $0.name.caseInsensitiveCompare(name) == .orderedSame }) else { throw definitionNotFound }
                return d
            }
        })
        on(.GET, "_api/web/roledefinitions/{id}", { r, p in try definitionResponse(r) { try definition(p["id"], in: $0) } })
        on(.DELETE, "_api/web/roledefinitions/{id}", removeDefinition)
        for address in ["_api/web/sitegroups/{id}", "_api/web/sitegroups/getbyname/{name}"] {
            on(.PATCH, address, updateGroup)
            on(.POST, address + "/setuserasowner/{user}", setGroupOwner)
        }
        on(.POST, "_api/web/siteusers/removebyid/{user}", removeUser)
        on(.POST, "_api/web/siteusers/removebyloginname/{login}", removeUser)

        let listScope: Chain = { r, p in try r.store.locked { listChain(try SharePointEndpoints.resolve(p["list"]!, in: r.web), r) } }
        let itemScope: Chain = { r, p in
            try r.store.locked {
                let (l, i) = try SharePointEndpoints.item(p, r)
                return itemChain(l, i.id, r)
            }
        }
        var scopes: [(String, Chain)] = [("_api/web", { r, _ in webChain(r) }), ("_api/web/lists/{list}", listScope),
                                         ("_api/web/lists/{list}/items/{id}", itemScope), ("_api/web/lists/{list}/getitembyuniqueid/{unique}", itemScope)]
        for (address, url) in SharePointFiles.fileAddresses {
            let chain: Chain = { r, p in try fileChain(r, try url(r, p)) }
            scopes.append((address + "/listitemallfields", chain))
        }
        for (address, url) in SharePointFiles.folderAddresses {
            let chain: Chain = { r, p in try folderChain(r, try url(r, p)) }
            scopes.append((address + "/listitemallfields", chain))
        }
        for (address, chain) in scopes {
            on(.GET, address + "/roleassignments", { r, p in try assignmentsResponse(r, chain: try chain(r, p)) })
            on(.GET, address + "/hasuniqueroleassignments", { r, p in
                let keys = try chain(r, p)
                let unique = try r.state.sharePoint.principals.with(r) { isUnique(keys, $0) }
                return .json(SPRender(r).primitive("HasUniqueRoleAssignments", .bool(unique), edmType: "Edm.Boolean"))
            })
            on(.POST, address + "/breakroleinheritance/{args}", { r, p in try breakInheritance(r, try chain(r, p), p["args"] ?? "") })
            on(.POST, address + "/breakroleinheritance", { r, p in try breakInheritance(r, try chain(r, p), "") })
            on(.POST, address + "/resetroleinheritance", { r, p in try resetInheritance(r, try chain(r, p)) })
            on(.POST, address + "/roleassignments/addroleassignment/{args}", { r, p in try addAssignment(r, try chain(r, p), p["args"] ?? "") })
            on(.POST, address + "/roleassignments/removeroleassignment/{args}", { r, p in try removeAssignment(r, try chain(r, p), p["args"] ?? "") })
        }
    }

    // MARK: Chains (call the builders under the store's lock where they say so)

    /// The web's key and its ancestors' up to the site collection's root web.
    static func webChain(_ r: SharePointRequest) -> [String] {
        var url = r.web.url.lowercased()
        let root = r.web.siteCollectionURL.lowercased()
        var keys = ["web:" + url]
        while url != root, url.count > root.count, let slash = url.lastIndex(of: "/") {
            url = String(url[..<slash])
            keys.append("web:" + url)
        }
        return keys
    }

    static func listChain(_ list: SPList, _ r: SharePointRequest) -> [String] { ["list:" + list.id.lowercased()] + webChain(r) }

    /// An item's key, the keys of the folders above it (their items), its list's and web's. Under the lock.
    static func itemChain(_ list: SPList, _ itemId: Int, _ r: SharePointRequest) -> [String] {
        let listKey = list.id.lowercased()
        var keys = ["item:\(listKey):\(itemId)"]
        if let i = list.position(of: itemId), let ref = list.items[i].fields["FileRef"]?.stringValue {
            let root = SharePointFiles.rootURL(list, r).lowercased()
            var up = SharePointFiles.parent(ref)
            while up.lowercased().hasPrefix(root + "/") {
                if let f = r.store.files.folders[SharePointFiles.key(r, up)] { keys.append("item:\(listKey):\(f.itemId)") }
                up = SharePointFiles.parent(up)
            }
        }
        return keys + listChain(list, r)
    }

    static func fileChain(_ r: SharePointRequest, _ url: String) throws -> [String] {
        try r.store.locked {
            let f = try SharePointFiles.existingFile(r, url)
            guard let list = r.web.list(id: f.listId) else { throw SPError.listDeleted }
            return itemChain(list, f.itemId, r)
        }
    }

    /// A folder's item; a library's root folder has none (SharePoint's null entity cannot be changed).
    static func folderChain(_ r: SharePointRequest, _ url: String) throws -> [String] {
        try r.store.locked {
            let (_, list, record) = try SharePointFiles.folder(r, url)
            guard let record else { throw SPError.itemNotFound }
            return itemChain(list, record.itemId, r)
        }
    }

    // MARK: Reading

    /// Whether the object the chain starts at has its own assignments (the root web always does).
    static func isUnique(_ chain: [String], _ site: SPSitePrincipals) -> Bool { chain.count == 1 || site.uniqueScopes[chain[0]] != nil }

    /// The associated groups' assignments a root web starts with.
    static func defaults(_ site: SPSitePrincipals) -> [SPRoleAssignment] {
        [(SPSitePrincipals.ownerGroup, fullControl.id), (SPSitePrincipals.memberGroup, edit.id), (SPSitePrincipals.visitorGroup, read.id)]
            .filter { site.group(id: $0.0) != nil }.map { SPRoleAssignment(principalId: $0.0, roleDefinitionIds: [$0.1]) }
    }

    /// The assignments that hold for the object the chain starts at.
    static func effective(_ chain: [String], _ site: SPSitePrincipals) -> [SPRoleAssignment] {
        for key in chain { if let own = site.uniqueScopes[key] { return own } }
        return defaults(site)
    }

    /// The rows of `…/RoleAssignments`, `Member` and `RoleDefinitionBindings` expanded when
    /// `expand` (lowercased) names them.
    static func rows(_ r: SharePointRequest, chain: [String], expand: [String]) throws -> [JSONObject] {
        try r.state.sharePoint.principals.with(r) { site in
            effective(chain, site).compactMap { a -> JSONObject? in
                let member: JSONObject?
                if let g = site.group(id: a.principalId) { member = SharePointPrincipals.groupProps(g) } else { member = site.user(id: a.principalId).map(SharePointPrincipals.userProps) }
                guard let member else { return nil }
                var row: JSONObject = ["PrincipalId": JSON(a.principalId)]
                if expand.contains("member") { row["Member"] = .object(member) }
                if expand.contains("roledefinitionbindings") {
                    row["RoleDefinitionBindings"] = .array(a.roleDefinitionIds.compactMap { id in site.roleDefinitions.first { $0.id == id } }.map { .object(definitionProps($0)) })
                }
                return row
            }
        }
    }

    static func assignmentsResponse(_ r: SharePointRequest, chain: [String]) throws -> EmulatorResponse {
        let expand = (r.request.query["$expand"] ?? "").lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let found = try rows(r, chain: chain, expand: expand)
        let render = SPRender(r)
        return .json(render.collection(found.map { render.entry($0, SPMeta(type: "SP.RoleAssignment", editLink: "Web/RoleAssignments/GetByPrincipalId(\($0["PrincipalId"]?.intValue ?? 0))")) },
                                       context: "SP.ApiData.RoleAssignments", next: nil))
    }

    static func hasUnique(_ r: SharePointRequest, chain: [String]) throws -> Bool {
        try r.state.sharePoint.principals.with(r) { isUnique(chain, $0) }
    }

    // MARK: Changing

    /// `BreakRoleInheritance(copyRoleAssignments, clearSubscopes)` (or one positional value,
    /// `copyRoleAssignments`): an object that already has its own keeps them. Without copying, the
    /// signed-in user keeps Full Control, as SharePoint leaves the caller in charge.
    static func breakInheritance(_ r: SharePointRequest, _ chain: [String], _ text: String) throws -> EmulatorResponse {
        let args = SharePointFiles.arguments(text, r)
        func flag(_ name: String, _ fallback: Bool) throws -> Bool {
            guard let value = args[name] ?? (name == "copyroleassignments" ? args[""] : nil) else { return fallback }
            switch value.lowercased() {
            case "true": return true
            case "false": return false
            default: throw SPError.invalidQuery("The '\(name)' parameter value '\(value)' is not a valid Edm.Boolean.")
            }
        }
        let copy = try flag("copyroleassignments", true), clear = try flag("clearsubscopes", false)
        let caller = try callerUPN(r)
        try r.state.sharePoint.principals.with(r) { site in
            try SharePointPrincipals.requireOwner(r, site)
            guard !isUnique(chain, site) else { return }
            var own = copy ? effective(chain, site) : []
            if !copy, let caller {
                let me = try SharePointPrincipals.ensure(caller, r: r, in: site)
                own = [SPRoleAssignment(principalId: me.id, roleDefinitionIds: [fullControl.id])]
            }
            site.uniqueScopes[chain[0]] = own
            if clear { clearBelow(chain[0], r, site) }
        }
        return .json(.object([:]))
    }

    /// The keys below `key` lose their own assignments (`clearSubscopes`).
    static func clearBelow(_ key: String, _ r: SharePointRequest, _ site: SPSitePrincipals) {
        let parts = key.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return }
        switch parts[0] {
        case "web":
            let lists = Set(r.web.lists.map { "list:" + $0.id.lowercased() })
            let listIds = Set(r.web.lists.map { $0.id.lowercased() })
            for k in site.uniqueScopes.keys where k.hasPrefix("web:" + parts[1] + "/") || lists.contains(k)
                || (k.hasPrefix("item:") && listIds.contains(String(k.dropFirst(5).prefix { $0 != ":" }))) {
                site.uniqueScopes[k] = nil
            }
        case "list":
            for k in site.uniqueScopes.keys where k.hasPrefix("item:" + parts[1] + ":") { site.uniqueScopes[k] = nil }
        default: break  // an item's subscopes (a folder's contents) are kept: the emulator does not track them apart
        }
    }

    /// `ResetRoleInheritance`: the object takes its parent's assignments again (the root web has
    /// no parent and keeps its own).
    static func resetInheritance(_ r: SharePointRequest, _ chain: [String]) throws -> EmulatorResponse {
        try r.state.sharePoint.principals.with(r) { site in
            try SharePointPrincipals.requireOwner(r, site)
            if chain.count > 1 { site.uniqueScopes[chain[0]] = nil }
        }
        return .json(.object([:]))
    }

    static func number(_ args: [String: String], _ name: String) throws -> Int {
        guard let text = args[name] else { throw SPError.invalidQuery("The parameter \(name) does not exist in method AddRoleAssignment.") }
        guard let n = Int(text) else { throw SPError.invalidQuery("The '\(name)' parameter value '\(text)' is not a valid Edm.Int32.") }
        return n
    }

    /// `RoleAssignments/AddRoleAssignment(principalId, roleDefId)`: the principal gains the role
    /// (an assignment made for them, or the binding added to theirs).
    static func addAssignment(_ r: SharePointRequest, _ chain: [String], _ text: String) throws -> EmulatorResponse {
        let args = SharePointFiles.arguments(text, r)
        let principal = try number(args, "principalid"), role = try number(args, "roledefid")
        try r.state.sharePoint.principals.with(r) { site in
            try SharePointPrincipals.requireOwner(r, site)
            guard site.user(id: principal) != nil || site.group(id: principal) != nil else { throw principalNotFound(principal) }
            guard site.roleDefinitions.contains(where: { $0.id == role }) else { throw definitionNotFound }
            guard isUnique(chain, site) else { throw inherits }
            var own = effective(chain, site)
            if let i = own.firstIndex(where: { $0.principalId == principal }) {
                if !own[i].roleDefinitionIds.contains(role) { own[i].roleDefinitionIds.append(role) }
            } else {
                own.append(SPRoleAssignment(principalId: principal, roleDefinitionIds: [role]))
            }
            site.uniqueScopes[chain[0]] = own
        }
        return .json(.object([:]))
    }

    /// `RoleAssignments/RemoveRoleAssignment(principalId)` (with `roleDefId`, only that binding).
    static func removeAssignment(_ r: SharePointRequest, _ chain: [String], _ text: String) throws -> EmulatorResponse {
        let args = SharePointFiles.arguments(text, r)
        let principal = try number(args, "principalid")
        let role = args["roledefid"].flatMap { Int($0) }
        try r.state.sharePoint.principals.with(r) { site in
            try SharePointPrincipals.requireOwner(r, site)
            guard site.user(id: principal) != nil || site.group(id: principal) != nil else { throw principalNotFound(principal) }
            guard isUnique(chain, site) else { throw inherits }
            var own = effective(chain, site)
            if let role {
                for i in own.indices where own[i].principalId == principal { own[i].roleDefinitionIds.removeAll { $0 == role } }
                own.removeAll { $0.principalId == principal && $0.roleDefinitionIds.isEmpty }
            } else {
                own.removeAll { $0.principalId == principal }
            }
            site.uniqueScopes[chain[0]] = own
        }
        return .json(.object([:]))
    }

    /// The signed-in user's principal name (nil for an app).
    static func callerUPN(_ r: SharePointRequest) throws -> String? {
        guard !r.token.isAppOnly else { return nil }
        return try r.state.store.with(r.tenant.id) { $0.user(idOrUPN: r.token.objectId)?["userPrincipalName"]?.stringValue }
    }

    /// A principal gone from the site leaves every assignment. Call under the principals' lock.
    static func forget(principal id: Int, in site: SPSitePrincipals) {
        for (key, own) in site.uniqueScopes { site.uniqueScopes[key] = own.filter { $0.principalId != id } }
    }

    // MARK: Role definitions

    static func definition(_ text: String?, in site: SPSitePrincipals) throws -> SPRoleDefinition {
        guard let id = Int(text ?? ""), let d = site.roleDefinitions.first(where: { $0.id == id }) else { throw definitionNotFound }
        return d
    }

    static func definitionResponse(_ r: SharePointRequest, status: HTTPResponseStatus = .ok, _ find: (SPSitePrincipals) throws -> SPRoleDefinition) throws -> EmulatorResponse {
        let d = try r.state.sharePoint.principals.with(r, find)
        let q = try SPQuery(r.request, properties: Array(definitionProps(d).keys), typeName: "SP.RoleDefinition")
        return .json(SPRender(r).entity(q.project(definitionProps(d)), definitionMeta(d), context: "SP.ApiData.RoleDefinitions"), status: status)
    }

    static func listDefinitions(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let all = try r.state.sharePoint.principals.with(r) { $0.roleDefinitions }
        let q = try SPQuery(r.request, properties: Array(definitionProps(fullControl).keys), typeName: "SP.RoleDefinition")
        let render = SPRender(r)
        let rows = q.sorted(all, { definitionProps($0) }).filter { q.matches(definitionProps($0)) }.prefix(q.top ?? Int.max)
        return .json(render.collection(rows.map { render.entry(q.project(definitionProps($0)), definitionMeta($0)) }, context: "SP.ApiData.RoleDefinitions", next: nil))
    }

    /// A permission word as SharePoint takes it: a number, or a number as text.
    static func word(_ value: JSON?, _ name: String) throws -> String {
        guard let value else { return "0" }
        let text = value.stringValue ?? value.serialized()
        guard let n = Int64(text) else {
            throw SPError(.badRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
                          "Cannot convert a primitive value to the expected type 'Edm.Int64'. See the inner exception for more details.")
        }
        return String(n)
    }

    /// `POST roledefinitions {Name, Description, BasePermissions: {High, Low}}`: a custom
    /// permission level (its name unique in the site collection).
    static func addDefinition(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        try SharePointEndpoints.checkType(body, "SP.RoleDefinition")
        guard let name = body["Name"]?.stringValue?.trimmingCharacters(in: .whitespaces), !name.isEmpty else {
            throw SPError(.badRequest, "-2147024809, System.ArgumentException", "Value does not fall within the expected range.")
        }
        let permissions = body["BasePermissions"]?.objectValue ?? [:]
        let high = try word(permissions["High"], "High"), low = try word(permissions["Low"], "Low")
        return try definitionResponse(r, status: .created) { site in
            try SharePointPrincipals.requireOwner(r, site)
            guard !site.roleDefinitions.contains(where: { $0.name.caseInsensitiveCompare(name) == .orderedSame }) else {
                throw SPError(.badRequest, "-2130575293, Microsoft.SharePoint.SPException", "The specified name is already in use.")
            }
            let id = max(1073741924, (site.roleDefinitions.map(\.id).max() ?? 0)) + 4
            let d = SPRoleDefinition(id: id, name: name, description: body["Description"]?.stringValue ?? "", order: 65536, kind: 0, high: high, low: low)
            site.roleDefinitions.append(d)
            return d
        }
    }

    /// `DELETE roledefinitions(n)`: a custom permission level goes, and with it every binding to
    /// it; the built-in ones stay.
    static func removeDefinition(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        try r.state.sharePoint.principals.with(r) { site in
            try SharePointPrincipals.requireOwner(r, site)
            let d = try definition(p["id"], in: site)
            guard d.kind == 0 else {
                throw SPError(.badRequest, "-2146232832, Microsoft.SharePoint.SPException", "You cannot delete a built-in permission level.")
            }
            site.roleDefinitions.removeAll { $0.id == d.id }
            for (key, own) in site.uniqueScopes {
                site.uniqueScopes[key] = own.map { SPRoleAssignment(principalId: $0.principalId, roleDefinitionIds: $0.roleDefinitionIds.filter { $0 != d.id }) }
                    .filter { !$0.roleDefinitionIds.isEmpty }
            }
        }
        return .json(.object([:]))
    }

    // MARK: Groups and users

    /// `PATCH sitegroups/GetById(n)` (or `GetByName('x')`): the group's title, description and
    /// membership settings; a title must stay unique.
    static func updateGroup(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        try SharePointEndpoints.checkType(body, "SP.Group")
        try r.state.sharePoint.principals.with(r) { site in
            try SharePointPrincipals.requireOwner(r, site)
            let g = try SharePointPrincipals.group(p, r, in: site)
            if let title = body["Title"]?.stringValue?.trimmingCharacters(in: .whitespaces) {
                guard !title.isEmpty else { throw SPError(.badRequest, "-2147024809, System.ArgumentException", "Value does not fall within the expected range.") }
                if let other = site.group(name: title), other !== g {
                    throw SPError(.badRequest, "-2130575293, Microsoft.SharePoint.SPException", "The specified name is already in use.")
                }
                // Groups this one owns name it by its new title.
                for other in site.groups where other.ownerTitle == g.title { other.ownerTitle = title }
                g.title = title
            }
            if let description = body["Description"]?.stringValue { g.description = description }
            for name in ["AllowMembersEditMembership", "OnlyAllowMembersViewMembership", "AllowRequestToJoinLeave", "AutoAcceptRequestToJoinLeave"] {
                if let value = body[name] {
                    guard let flag = value.boolValue else { throw SPError.invalidQuery("Cannot convert a primitive value to the expected type 'Edm.Boolean'.") }
                    g.settings[name] = .bool(flag)
                }
            }
            if let email = body["RequestToJoinLeaveEmailSetting"]?.stringValue { g.settings["RequestToJoinLeaveEmailSetting"] = .string(email) }
        }
        return EmulatorResponse(status: .noContent)
    }

    /// `sitegroups/GetById(n)/SetUserAsOwner(userId)`: the site user owns the group.
    static func setGroupOwner(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        try r.state.sharePoint.principals.with(r) { site in
            try SharePointPrincipals.requireOwner(r, site)
            let g = try SharePointPrincipals.group(p, r, in: site)
            guard let id = Int(p["user"] ?? "") else { throw SharePointPrincipals.userNotFound }
            if let u = site.user(id: id) { g.ownerTitle = u.title } else if let owner = site.group(id: id) { g.ownerTitle = owner.title } else {
                throw SharePointPrincipals.userNotFound
            }
        }
        return .json(.object([:]))
    }

    /// `siteusers/RemoveById(n)` / `RemoveByLoginName('claim')`: the user leaves the site, its
    /// groups and every role assignment.
    static func removeUser(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        try r.state.sharePoint.principals.with(r) { site in
            try SharePointPrincipals.requireOwner(r, site)
            let found = p["user"].map { Int($0).flatMap(site.user(id:)) } ?? site.user(loginName: SharePointPrincipals.aliased(p["login"] ?? "", r))
            guard let u = found else { throw SharePointPrincipals.userNotFound }
            site.users.removeAll { $0.id == u.id }
            for g in site.groups { g.members.removeAll { $0 == u.id } }
            forget(principal: u.id, in: site)
        }
        return .json(.object([:]))
    }
}
