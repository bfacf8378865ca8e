import Crypto
import Foundation
import JSONModel
import NIOConcurrencyHelpers
import TextEncodings

/// The directory collections Graph exposes.
enum EntityKind: String, CaseIterable, Sendable {
    case users, groups, applications, servicePrincipals, oauth2PermissionGrants, appRoleAssignments, subscribedSkus
    case directoryRoles, roleDefinitions, roleAssignments, administrativeUnits
}

/// One collection: entities in insertion order plus an index on their key (`id` unless told
/// otherwise, compared case-insensitively). Entities are stored as the JSON Graph returns
/// (sparse: absent means null, or [] for collection properties), so a page is a slice and never
/// a rebuild.
struct EntityTable: Sendable {
    private(set) var items: [JSONObject] = []
    private var position: [String: Int] = [:]
    let keyName: String

    init(key: String = "id") { keyName = key }

    var count: Int { items.count }

    func get(_ id: String) -> JSONObject? { position[id.lowercased()].map { items[$0] } }

    func contains(_ id: String) -> Bool { position[id.lowercased()] != nil }

    mutating func insert(_ entity: JSONObject) {
        let id = entity[keyName]?.stringValue ?? ""
        if let i = position[id.lowercased()] { items[i] = entity; return }
        position[id.lowercased()] = items.count
        items.append(entity)
    }

    mutating func reserve(_ n: Int) {
        items.reserveCapacity(items.count + n)
        position.reserveCapacity(items.count + n)
    }

    /// Applies `change` to the stored entity; false when there is none.
    @discardableResult
    mutating func update(_ id: String, _ change: (inout JSONObject) throws -> Void) rethrows -> Bool {
        guard let i = position[id.lowercased()] else { return false }
        try change(&items[i])
        return true
    }

    @discardableResult
    mutating func remove(_ id: String) -> JSONObject? {
        guard let i = position.removeValue(forKey: id.lowercased()) else { return nil }
        let old = items.remove(at: i)
        // Deletes are rare; re-number the tail rather than keep tombstones on every read path.
        for j in i..<items.count { position[(items[j][keyName]?.stringValue ?? "").lowercased()] = j }
        return old
    }
}

/// One tenant's directory. Only touched under `DirectoryStore`'s lock.
final class TenantData: @unchecked Sendable {
    let tenantId: String
    let domains: [String]
    let initialDomain: String
    var tables: [EntityKind: EntityTable] = [:]
    /// Lower-cased UPN → user id.
    var upnIndex: [String: String] = [:]
    /// Group, administrative unit or directory role id → member ids, in order added.
    var members: [String: [String]] = [:]
    /// Group (or application / service principal) id → owner ids.
    var owners: [String: [String]] = [:]
    /// User id → manager id.
    var manager: [String: String] = [:]
    /// Deleted Microsoft 365 groups (`directory/deletedItems`), restorable for 30 days.
    var deletedGroups: [String: JSONObject] = [:]
    /// To Do, Planner, subscriptions and schema extensions (`Graph/GraphWorkloads.swift`).
    var workloads = WorkloadStore()
    /// Teams, chats and Outlook mailboxes (`Graph/GraphTeamsMailStore.swift`).
    var teamsMail = TeamsMailStore()

    init(tenantId: String, domains: [String], initialDomain: String) {
        self.tenantId = tenantId
        self.domains = domains
        self.initialDomain = initialDomain
        for k in EntityKind.allCases { tables[k] = EntityTable() }
    }

    func table(_ kind: EntityKind) -> EntityTable { tables[kind]! }

    func get(_ kind: EntityKind, _ id: String) -> JSONObject? { tables[kind]!.get(id) }

    func insert(_ kind: EntityKind, _ entity: JSONObject) {
        tables[kind]!.insert(entity)
        if kind == .users, let upn = entity["userPrincipalName"]?.stringValue, let id = entity["id"]?.stringValue {
            upnIndex[upn.lowercased()] = id
        }
    }

    @discardableResult
    func update(_ kind: EntityKind, _ id: String, _ change: (inout JSONObject) throws -> Void) rethrows -> JSONObject? {
        var out: JSONObject?
        try tables[kind]!.update(id) { e in
            let oldUPN = e["userPrincipalName"]?.stringValue
            try change(&e)
            if kind == .users, let upn = e["userPrincipalName"]?.stringValue, upn != oldUPN {
                if let oldUPN { upnIndex[oldUPN.lowercased()] = nil }
                upnIndex[upn.lowercased()] = id.lowercased()
            }
            out = e
        }
        return out
    }

    /// Removes an entity and every link to it.
    @discardableResult
    func remove(_ kind: EntityKind, _ id: String) -> JSONObject? {
        guard let old = tables[kind]!.remove(id) else { return nil }
        let key = (old["id"]?.stringValue ?? id)
        if kind == .users, let upn = old["userPrincipalName"]?.stringValue { upnIndex[upn.lowercased()] = nil }
        members[key] = nil
        owners[key] = nil
        manager[key] = nil
        for (k, v) in members where v.contains(key) { members[k] = v.filter { $0 != key } }
        for (k, v) in owners where v.contains(key) { owners[k] = v.filter { $0 != key } }
        for (k, v) in manager where v == key { manager[k] = nil }
        return old
    }

    func user(idOrUPN: String) -> JSONObject? {
        if let u = get(.users, idOrUPN) { return u }
        return upnIndex[idOrUPN.lowercased()].flatMap { get(.users, $0) }
    }

    /// Any addressable directory object (users, groups, service principals, applications,
    /// administrative units, directory roles) with its kind.
    func directoryObject(_ id: String) -> (EntityKind, JSONObject)? {
        for k in [EntityKind.users, .groups, .servicePrincipals, .applications, .administrativeUnits, .directoryRoles] {
            if let e = get(k, id) { return (k, e) }
        }
        return nil
    }

    /// Directory role template ids the principal holds: directory role memberships and role
    /// assignments at the tenant scope.
    func roleTemplates(of principalId: String) -> Set<String> {
        var out: Set<String> = []
        for role in table(.directoryRoles).items {
            guard let id = role["id"]?.stringValue, members[id]?.contains(principalId) == true,
                  let t = role["roleTemplateId"]?.stringValue else { continue }
            out.insert(t.lowercased())
        }
        for a in table(.roleAssignments).items where a["principalId"]?.stringValue?.lowercased() == principalId.lowercased() {
            if let d = a["roleDefinitionId"]?.stringValue, let def = get(.roleDefinitions, d) {
                out.insert((def["templateId"]?.stringValue ?? d).lowercased())
            }
        }
        return out
    }
}

/// The stateful Entra directory behind Graph: one `TenantData` per seeded tenant, built from
/// the seed at start and on reset. Sign-in keeps using the immutable `Directory`.
public final class DirectoryStore: @unchecked Sendable {
    private let lock = NIOLock()
    private var tenants: [String: TenantData] = [:]
    private let seed: Seed
    private let directory: Directory

    init(seed: Seed, directory: Directory) {
        self.seed = seed
        self.directory = directory
        reset()
    }

    /// Restores every tenant to its seed state.
    public func reset() {
        var built: [String: TenantData] = [:]
        for t in seed.tenants {
            let tenant = directory.tenant(idOrDomain: t.id)
            built[t.id.lowercased()] = DirectorySeeder.build(t, certificates: tenant?.applications ?? [:])
        }
        lock.withLock { tenants = built }
    }

    /// Runs `body` with the tenant's data under the lock (reads and writes alike).
    func with<T>(_ tenantId: String, _ body: (TenantData) throws -> T) throws -> T {
        try lock.withLock {
            guard let t = tenants[tenantId.lowercased()] else { throw GraphError.resourceNotFound(tenantId) }
            return try body(t)
        }
    }

    /// A copy-on-write snapshot of one collection: filtering and paging run outside the lock.
    func snapshot(_ tenantId: String, _ kind: EntityKind) throws -> [JSONObject] {
        try with(tenantId) { $0.table(kind).items }
    }

    /// The tenant named by id or domain; nil means the first seeded tenant. Call under the lock.
    private func resolve(_ idOrDomain: String?) -> TenantData? {
        guard let idOrDomain else { return seed.tenants.first.flatMap { tenants[$0.id.lowercased()] } }
        return tenants[idOrDomain.lowercased()]
            ?? tenants.values.first { $0.domains.contains { $0.caseInsensitiveCompare(idOrDomain) == .orderedSame } }
    }

    /// Adds `count` users named `<prefix>NNNNNN@<initial domain>` with ids derived from prefix
    /// and index (so a benchmark run is reproducible). Existing ids are replaced.
    public func generateUsers(tenantId: String?, count: Int, prefix: String) throws -> Int {
        let created = Util.iso8601(Date())
        guard let domain = lock.withLock({ resolve(tenantId)?.initialDomain }) else { throw GraphError.resourceNotFound(tenantId ?? "") }
        // Built outside the lock: other requests keep being served meanwhile.
        var users: [JSONObject] = []
        users.reserveCapacity(count)
        for i in stride(from: 1, through: count, by: 1) {
            let digits = String(i)
            let n = String(repeating: "0", count: max(0, 6 - digits.count)) + digits
            let nick = "\(prefix)\(n)"
            let upn = "\(nick)@\(domain)"
            users.append([
                "id": .string(Util.nameGUID("user/\(prefix)/\(i)")), "businessPhones": [], "displayName": .string("\(prefix) user \(n)"),
                "givenName": .string(prefix), "surname": .string(n), "mail": .string(upn), "userPrincipalName": .string(upn),
                "accountEnabled": true, "createdDateTime": .string(created), "mailNickname": .string(nick), "userType": "Member",
            ])
        }
        try lock.withLock {
            guard let t = resolve(tenantId) else { throw GraphError.resourceNotFound(tenantId ?? "") }
            t.tables[.users]!.reserve(count)
            t.upnIndex.reserveCapacity(t.upnIndex.count + count)
            for u in users { t.insert(.users, u) }
        }
        return count
    }
}

extension Util {
    /// A name-based (version 5 style, SHA-1) GUID: the same name gives the same id on every run.
    static func nameGUID(_ name: String) -> String {
        var b = Array(Insecure.SHA1.hash(data: Array(("m365-emulator:" + name).utf8)).prefix(16))
        b[6] = (b[6] & 0x0F) | 0x50
        b[8] = (b[8] & 0x3F) | 0x80
        // Hand-rolled hex: this runs once per generated user (100,000 in a benchmark).
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, byte) in b.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Graph's opaque ids for grants and app role assignments (43 base64url characters).
    /// Base64url ids as Graph's workloads use them; like the service's, never starting with `-`
    /// or `_` (which a command line would take for an option).
    static func opaqueId(_ name: String) -> String {
        var id = String(Base64URL.encode(SHA256.hash(data: Array(("m365-emulator:" + name).utf8))).prefix(43))
        if id.first == "-" || id.first == "_" { id = "A" + id.dropFirst() }
        return id
    }
}
