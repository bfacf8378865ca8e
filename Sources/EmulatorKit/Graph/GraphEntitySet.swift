import Foundation
import JSONModel
import NIOHTTP1

/// A Graph entity set declared as data. A declaration names the collection's path (parents'
/// keys as captures), its entity type, its key, who may read and write it, which properties a
/// client must send, may not send or may not change, its navigation properties (child sets
/// declared at `path/{key}/name`) and the entities every tenant starts with. From that alone
/// the set answers:
///
/// - `GET path` with `$filter`, `$select`, `$top`, `$orderby`, `$count`, `$expand` and paging by
///   `@odata.nextLink` (through `GraphQuery`, as the directory's collections do);
/// - `GET path/{key}` with `$select` and `$expand`;
/// - `POST path` (201 with the entity; a GUID key when the body has none), `PATCH path/{key}`
///   (merged; 204 or the entity), `DELETE path/{key}` (204, children with it);
///
/// and refuses what Graph refuses, in Graph's error shape: an unknown property, a read-only or
/// immutable one, a missing required one, a duplicate key, a parent or entity that does not
/// exist, a token without the permission. What is not plain CRUD is an `Action`: a named
/// handler below the collection or an entity. Declarations live in `GraphEntitySets.all`.
struct GraphEntitySet: Sendable {
    typealias Handler = @Sendable (GraphContext) throws -> EmulatorResponse

    /// The collection below the version: `planner/rosters`, `planner/rosters/{rosterId}/members`.
    let path: String
    let type: GraphEntityType
    /// The property `path/{key}` addresses; compared case-insensitively.
    var key = "id"
    var versions: Set<String> = ["v1.0", "beta"]
    var read: GraphAccess = .signedIn
    var write: GraphAccess = .signedIn
    /// Properties a POST must carry (not null).
    var required: [String] = []
    /// Properties only the service sets: refused in POST and PATCH bodies.
    var readOnly: Set<String> = []
    /// Properties set on create that a PATCH may not change (the key always is one).
    var immutable: Set<String> = []
    /// Navigation properties `$expand` takes; each is a set declared at `path/{key}/<name>`.
    var navigation: [String] = []
    /// What the path's last capture names, checked before anything else.
    var parent: Parent = .none
    /// What a PATCH answers.
    var updateAnswer: UpdateAnswer = .noContent
    /// Values the service sets on create, after the key and the timestamps.
    var onCreate: (@Sendable (GraphContext, inout JSONObject) throws -> Void)?
    /// Entities a tenant starts with: the parents' keys (in path order) and the entity.
    var seed: (@Sendable (SeedTenant) -> [(parents: [String], entity: JSONObject)])?
    var actions: [Action] = []
    /// The error for a key that names nothing.
    var notFound: @Sendable (String) -> GraphError = { key in
        GraphError(.notFound, "NotFound", "The requested resource with key '\(key)' does not exist.")
    }

    enum Parent: Sendable {
        case none
        /// A directory object of this kind (users also by UPN).
        case directory(EntityKind)
        /// An entity of the declared set at this path.
        case set(String)
    }

    enum UpdateAnswer: Sendable { case noContent, entity }

    /// A request that is not CRUD: `below` is a path under the collection (`{key}/publish`,
    /// `delta`), with the set's captures and `{key}` available to the handler.
    struct Action: Sendable {
        let method: HTTPMethod
        let below: String
        let access: GraphAccess
        let handler: Handler
    }

    /// The captures of `path`, in order: the parents' keys.
    var parentCaptures: [String] {
        path.split(separator: "/").compactMap { s in s.hasPrefix("{") && s.hasSuffix("}") ? String(s.dropFirst().dropLast()) : nil }
    }

    var entityPath: String { path + "/{key}" }

    // MARK: Storage

    /// Entities are stored with two bookkeeping fields no projection lists: `_scope` (the
    /// parents' keys) and `_key` (scope and key: the table's index, so keys need only be unique
    /// below one parent).
    static func scope(_ parents: [String]) -> String { parents.map { $0.lowercased() }.joined(separator: "/") }
    static func storageKey(_ scope: String, _ key: String) -> String { scope + "|" + key.lowercased() }

    func parents(_ c: GraphContext) -> [String] { parentCaptures.map { c.param($0) } }

    func table(_ t: TenantData) -> EntityTable { t.workloads.sets[path] ?? EntityTable(key: "_key") }

    func insert(_ entity: JSONObject, parents: [String], into t: TenantData) {
        var e = entity
        let scope = Self.scope(parents)
        e["_scope"] = .string(scope)
        e["_key"] = .string(Self.storageKey(scope, entity[key]?.stringValue ?? ""))
        t.workloads.sets[path, default: EntityTable(key: "_key")].insert(e)
    }

    func entities(below parents: [String], in t: TenantData) -> [JSONObject] {
        let scope = Self.scope(parents)
        return table(t).items.filter { $0["_scope"]?.stringValue == scope }
    }

    func entity(_ key: String, below parents: [String], in t: TenantData) -> JSONObject? {
        table(t).get(Self.storageKey(Self.scope(parents), key))
    }

    // MARK: Requests

    func list(_ c: GraphContext) throws -> EmulatorResponse {
        let parents = self.parents(c)
        let q = try GraphQuery(c.req, type: type, supported: GraphQuery.collectionOptions.subtracting(["search"]),
                               expandable: navigation, advancedQueries: false)
        let all = try c.with { t -> [JSONObject] in
            try checkParent(parents, t)
            return entities(below: parents, in: t)
        }
        let expander = try self.expander(c, q)
        return .json(try q.collection(all, c.req, version: c.version, type: type, entitySet: contextPath(parents), expander: expander))
    }

    func get(_ c: GraphContext) throws -> EmulatorResponse {
        let parents = self.parents(c)
        let q = try GraphQuery(c.req, type: type, supported: ["select", "expand"], expandable: navigation, advancedQueries: false)
        let e = try c.with { t in try existing(c.param("key"), parents, t) }
        return respond(c, e, parents, q, status: .ok, expander: try expander(c, q))
    }

    func create(_ c: GraphContext) throws -> EmulatorResponse {
        let parents = self.parents(c)
        let body = try c.body()
        try checkProperties(body, changing: readOnly)
        for name in required where body[name] == nil || body[name]!.isNull {
            throw GraphError(.badRequest, "BadRequest", "The property '\(name)' is required when creating a '\(type.errorTypeName)'.")
        }
        var e = JSONObject()
        for (name, value) in body where !name.hasPrefix("@") || name == "@odata.type" { e[name] = value }
        if e[key] == nil || e[key]?.isNull == true {
            guard key == "id" else { throw GraphError(.badRequest, "BadRequest", "The key property '\(key)' is required.") }
            e["id"] = .string(Util.newGUID())
        }
        let now = Util.iso8601(Date())
        for stamp in ["createdDateTime", "lastModifiedDateTime"] where type.properties.contains(stamp) { e[stamp] = .string(now) }
        try onCreate?(c, &e)
        let created = try c.with { t -> JSONObject in
            try checkParent(parents, t)
            let k = e[key]?.stringValue ?? ""
            guard entity(k, below: parents, in: t) == nil else {
                throw GraphError(.conflict, "Conflict", "An entity with the key '\(k)' already exists.")
            }
            insert(e, parents: parents, into: t)
            return e
        }
        let q = try GraphQuery(c.req, type: type, supported: ["select"], advancedQueries: false)
        return respond(c, created, parents, q, status: .created, expander: nil)
    }

    func update(_ c: GraphContext) throws -> EmulatorResponse {
        let parents = self.parents(c)
        let body = try c.body()
        try checkProperties(body, changing: readOnly.union(immutable).union([key]))
        let updated = try c.with { t -> JSONObject in
            let current = try existing(c.param("key"), parents, t)
            var e = current
            for (k, v) in body where !k.hasPrefix("@") { e[k] = v }
            if type.properties.contains("lastModifiedDateTime") { e["lastModifiedDateTime"] = .string(Util.iso8601(Date())) }
            t.workloads.sets[path]!.insert(e)
            return e
        }
        guard updateAnswer == .entity else { return .noContent }
        let q = try GraphQuery(c.req, type: type, supported: ["select"], advancedQueries: false)
        return respond(c, updated, parents, q, status: .ok, expander: nil)
    }

    func delete(_ c: GraphContext, all sets: [GraphEntitySet]) throws -> EmulatorResponse {
        let parents = self.parents(c)
        try c.with { t in
            let e = try existing(c.param("key"), parents, t)
            t.workloads.sets[path]!.remove(e["_key"]?.stringValue ?? "")
            // The entity's children go with it, at every depth.
            let below = Self.scope(parents + [e[key]?.stringValue ?? ""])
            let shape = GraphEntitySets.shape(entityPath) + "/"
            for set in sets where GraphEntitySets.shape(set.path).hasPrefix(shape) {
                guard var table = t.workloads.sets[set.path] else { continue }
                for child in table.items {
                    let scope = child["_scope"]?.stringValue ?? ""
                    guard scope == below || scope.hasPrefix(below + "/") else { continue }
                    table.remove(child["_key"]?.stringValue ?? "")
                }
                t.workloads.sets[set.path] = table
            }
        }
        return .noContent
    }

    // MARK: Pieces

    func existing(_ key: String, _ parents: [String], _ t: TenantData) throws -> JSONObject {
        try checkParent(parents, t)
        guard let e = entity(key, below: parents, in: t) else { throw notFound(key) }
        return e
    }

    func checkParent(_ parents: [String], _ t: TenantData) throws {
        guard let last = parents.last else { return }
        switch parent {
        case .none: return
        case .directory(.users):
            if t.user(idOrUPN: last) == nil { throw GraphError.resourceNotFound(last) }
        case let .directory(kind):
            if t.get(kind, last) == nil { throw GraphError.resourceNotFound(last) }
        case let .set(path):
            guard let owner = GraphEntitySets.declared(path) else { preconditionFailure("no entity set declared at \(path)") }
            try owner.checkParent(Array(parents.dropLast()), t)
            if owner.entity(last, below: Array(parents.dropLast()), in: t) == nil { throw owner.notFound(last) }
        }
    }

    /// Graph refuses a property its type does not have, and one the client may not set.
    func checkProperties(_ body: JSONObject, changing forbidden: Set<String>) throws {
        for name in body.keys where !name.hasPrefix("@") {
            guard type.properties.contains(name) else {
                throw GraphError(.badRequest, "BadRequest",
                                 "The property '\(name)' does not exist on type '\(type.errorTypeName)'. Make sure to only use property names that are defined by the type or mark the type as open type.")
            }
            if forbidden.contains(name) {
                throw GraphError(.badRequest, "BadRequest", "The property '\(name)' is read-only and cannot be set.")
            }
        }
    }

    /// Each expanded navigation property: the child set's entities below this one.
    func expander(_ c: GraphContext, _ q: GraphQuery) throws -> ((JSONObject, ExpandItem) -> JSON?)? {
        guard !q.expand.isEmpty else { return nil }
        var children: [String: (GraphEntitySet, [String]?)] = [:]
        for item in q.expand {
            guard let child = GraphEntitySets.declared(entityPath + "/" + item.name) else { continue }
            children[item.name] = (child, try item.select.flatMap { try GraphQuery.parseSelect($0.joined(separator: ","), type: child.type) })
        }
        let snapshot = try c.with { t in children.mapValues { ($0.0, $0.0.table(t).items) } }
        return { entity, item in
            guard let (child, rows) = snapshot[item.name], let scope = entity["_scope"]?.stringValue,
                  let key = entity[self.key]?.stringValue else { return nil }
            let below = scope.isEmpty ? key.lowercased() : scope + "/" + key.lowercased()
            let select = children[item.name]?.1
            return .array(rows.filter { $0["_scope"]?.stringValue == below }.map { .object(q.project($0, type: child.type, select: select ?? child.type.defaultProperties)) })
        }
    }

    /// `planner/rosters('x')/members`: the context URL's entity set part.
    func contextPath(_ parents: [String]) -> String {
        var values = parents.makeIterator()
        return path.split(separator: "/").map { s -> String in
            guard s.hasPrefix("{") else { return String(s) }
            return "('\(values.next() ?? "")')"
        }.joined(separator: "/").replacingOccurrences(of: "/('", with: "('")
    }

    func respond(_ c: GraphContext, _ e: JSONObject, _ parents: [String], _ q: GraphQuery, status: HTTPResponseStatus,
                 expander: ((JSONObject, ExpandItem) -> JSON?)?) -> EmulatorResponse {
        let context = "https://\(c.req.host)/\(c.version)/$metadata#\(contextPath(parents))/$entity"
        return .json(.object(q.project(e, type: type, into: ["@odata.context": .string(context)], expander: expander)), status: status)
    }
}

/// Every declared entity set, and their routes.
enum GraphEntitySets {
    static let all: [GraphEntitySet] = PlannerRosters.sets + RetentionEventTypes.sets

    static let byShape: [String: GraphEntitySet] = Dictionary(uniqueKeysWithValues: all.map { (shape($0.path), $0) })

    /// A path with its captures' names left out, lower-cased: `planner/rosters/{}/members`.
    static func shape(_ path: String) -> String {
        path.lowercased().split(separator: "/").map { $0.hasPrefix("{") ? "{}" : String($0) }.joined(separator: "/")
    }

    /// The set declared at `path` (captures may have any names).
    static func declared(_ path: String) -> GraphEntitySet? { byShape[shape(path)] }

    static func register(_ g: inout GraphRoutes) {
        for set in all where set.versions.contains(g.version) {
            precondition(!set.parentCaptures.contains("key"), "\(set.path): {key} is the entity's own capture")
            for name in set.navigation {
                precondition(declared(set.entityPath + "/" + name) != nil, "\(set.path): navigation '\(name)' has no set at \(set.entityPath)/\(name)")
            }
            g.on(.GET, set.path, set.read) { c in try set.list(c) }
            g.on(.POST, set.path, set.write) { c in try set.create(c) }
            g.on(.GET, set.entityPath, set.read) { c in try set.get(c) }
            g.on(.PATCH, set.entityPath, set.write) { c in try set.update(c) }
            g.on(.DELETE, set.entityPath, set.write) { c in try set.delete(c, all: all) }
            for action in set.actions { g.on(action.method, set.path + "/" + action.below, action.access, action.handler) }
        }
    }

    /// The seeded entities of every set.
    static func seed(_ d: TenantData, _ t: SeedTenant) {
        for set in all {
            for (parents, entity) in set.seed?(t) ?? [] { set.insert(entity, parents: parents, into: d) }
        }
    }
}
