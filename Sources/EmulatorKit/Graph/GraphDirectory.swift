import Foundation
import JSONModel

/// Pieces every directory endpoint shares: listing a collection, `/$count`, validating bodies,
/// reading `@odata.id` references and rendering mixed directory-object collections.
enum GraphDirectory {
    static func odataType(_ kind: EntityKind) -> String { GraphEntityTypes.type(of: kind).odataType }

    /// GET on a top-level collection.
    static func list(_ c: GraphContext, _ kind: EntityKind, expandable: [String] = [],
                     expander: ((TenantData) -> (JSONObject, ExpandItem) -> JSON?)? = nil) throws -> EmulatorResponse {
        let type = GraphEntityTypes.type(of: kind)
        let q = try c.query(type, expandable: expandable)
        // The snapshot is copy-on-write: no entity is copied for paging.
        let (all, expand) = try c.with { t in (t.table(kind).items, q.expand.isEmpty ? nil : expander?(t)) }
        return .json(try q.collection(all, c.req, version: c.version, type: type, expander: expand))
    }

    /// `GET /users/$count`: the number of (filtered) entities as text; needs ConsistencyLevel.
    static func count(_ c: GraphContext, _ kind: EntityKind) throws -> EmulatorResponse {
        guard c.req.header("ConsistencyLevel")?.lowercased() == "eventual" else {
            throw GraphError(.badRequest, "Request_UnsupportedQuery",
                             "Count is not supported without the header 'ConsistencyLevel: eventual'. Refer to https://aka.ms/graph-docs/advanced-queries for more information")
        }
        let type = GraphEntityTypes.type(of: kind)
        let q = try GraphQuery(c.req, type: type, supported: ["filter", "search"], countSegment: true)
        let all = try c.store.snapshot(c.tenantId, kind)
        return .text(String(q.apply(all, type: type).count), contentType: "text/plain;charset=utf-8")
    }

    /// GET on one entity.
    static func get(_ c: GraphContext, _ kind: EntityKind, id: String, expandable: [String] = [],
                    expander: ((TenantData) -> (JSONObject, ExpandItem) -> JSON?)? = nil) throws -> EmulatorResponse {
        let type = GraphEntityTypes.type(of: kind)
        let q = try c.query(type, collection: false, expandable: expandable)
        let (entity, expand) = try c.with { t in (t.get(kind, id), q.expand.isEmpty ? nil : expander?(t)) }
        guard let entity else { throw GraphError.resourceNotFound(id) }
        return .json(q.entity(entity, c.req, version: c.version, type: type, expander: expand))
    }

    /// `body` with property names made canonical; names the type does not declare are refused.
    /// Annotations (`@odata.type`, `members@odata.bind`) pass through as sent.
    static func validated(_ body: JSONObject, _ type: GraphEntityType, readOnly: Set<String> = ["id"]) throws -> JSONObject {
        var out = JSONObject()
        for (k, v) in body {
            if k.contains("@") { out[k] = v; continue }
            guard let p = type.property(named: k) else { throw GraphError.notDeclared(k) }
            if readOnly.contains(p) { continue }
            out[p] = v
        }
        return out
    }

    /// Copies `changes` onto `entity` (nulls remove: storage is sparse), skipping annotations.
    static func merge(_ changes: JSONObject, into entity: inout JSONObject) {
        for (k, v) in changes where !k.contains("@") { entity[k] = v.isNull ? nil : v }
    }

    /// The object id at the end of a reference URL: `https://graph.microsoft.com/v1.0/directoryObjects/{id}`,
    /// `…/users/{id}`, `directoryObjects('{id}')` or a bare id.
    static func id(fromReference ref: String) -> String {
        var s = ref
        if let q = s.firstIndex(of: "?") { s = String(s[..<q]) }
        while s.hasSuffix("/") { s.removeLast() }
        var last = String(s.split(separator: "/").last ?? "")
        if let open = last.firstIndex(of: "("), last.hasSuffix(")") {
            last = String(last[last.index(after: open)..<last.index(before: last.endIndex)]).trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        }
        return FormEncoding.percentDecode(last)
    }

    /// `{"@odata.id": "…/directoryObjects/{id}"}` → the id.
    static func reference(_ body: JSONObject) throws -> String {
        guard let ref = body["@odata.id"]?.stringValue, !ref.isEmpty else {
            throw GraphError.badRequest("Invalid request body: a reference needs '@odata.id'.")
        }
        return id(fromReference: ref)
    }

    /// `entity` with `@odata.type` first, for collections of mixed directory objects.
    static func typed(_ kind: EntityKind, _ entity: JSONObject) -> JSONObject {
        var out: JSONObject = ["@odata.type": .string(odataType(kind))]
        for (k, v) in entity { out[k] = v }
        return out
    }

    /// A relationship (members, owners, memberOf …): the linked objects, typed, through `GraphQuery`.
    static func relationship(_ c: GraphContext, ids: (TenantData) throws -> [String]) throws -> EmulatorResponse {
        let type = GraphEntityTypes.directoryObject
        let q = try c.query(type)
        let items: [JSONObject] = try c.with { t in
            try ids(t).compactMap { id in t.directoryObject(id).map { typed($0.0, $0.1) } }
        }
        return .json(try q.collection(items, c.req, version: c.version, type: type))
    }

    /// Checks a proposed `userPrincipalName`/`mailNickname`-style unique value.
    static func requireString(_ body: JSONObject, _ name: String, resource: String) throws -> String {
        guard let s = body[name]?.stringValue, !s.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw GraphError.badRequest("Invalid value specified for property '\(name)' of resource '\(resource)'.")
        }
        return s
    }

    static func requireBool(_ body: JSONObject, _ name: String, resource: String) throws -> Bool {
        guard let b = body[name]?.boolValue else {
            throw GraphError.badRequest("Invalid value specified for property '\(name)' of resource '\(resource)'.")
        }
        return b
    }

    static func now() -> String { Util.iso8601(Date()) }
}
