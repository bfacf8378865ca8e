import Crypto
import Foundation
import JSONModel
import NIOHTTP1
import TextEncodings

/// A Graph failure in Graph's error shape (rendered by `GraphService.error`).
struct GraphError: Error, Sendable {
    var status: HTTPResponseStatus
    var code: String
    var message: String

    init(_ status: HTTPResponseStatus, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    static func resourceNotFound(_ id: String) -> GraphError {
        GraphError(.notFound, "Request_ResourceNotFound",
                   "Resource '\(id)' does not exist or one of its queried reference-property objects are not present.")
    }

    static func unknownProperty(_ name: String, type: String) -> GraphError {
        GraphError(.badRequest, "Request_BadRequest", "Could not find a property named '\(name)' on type '\(type)'.")
    }

    static func pageSize(_ value: String) -> GraphError {
        GraphError(.badRequest, "Request_UnsupportedQuery",
                   "Invalid page size specified: '\(value)'. Must be between 1 and \(GraphQuery.maximumPageSize) inclusive.")
    }

    static func badOrderBy(_ text: String) -> GraphError {
        GraphError(.badRequest, "Request_BadRequest", "Invalid $orderby clause: '\(text)'. Use 'property [asc|desc]'.")
    }

    static func badBody() -> GraphError {
        GraphError(.badRequest, "BadRequest",
                   "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
    }

    static func notDeclared(_ name: String) -> GraphError {
        GraphError(.badRequest, "Request_BadRequest", "Property '\(name)' does not exist as a declared property or extension property.")
    }

    static func badRequest(_ message: String) -> GraphError { GraphError(.badRequest, "Request_BadRequest", message) }

    static let accessDenied = GraphError(.forbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")

    static let badSkipToken = GraphError(.badRequest, "Request_BadRequest", "The specified page token value is invalid.")

    static func unsupportedOption(_ name: String) -> GraphError {
        GraphError(.badRequest, "Request_UnsupportedQuery", "The query option '$\(name)' is not supported by the emulator on this resource yet.")
    }
}

/// An entity type as far as projection goes: every property `$select` may name, and the default
/// set Graph returns without `$select`. Stored entities are sparse: a missing property is null,
/// or `[]` for the properties in `collections`.
struct GraphEntityType: Sendable {
    /// The name Graph's directory errors use (`Microsoft.DirectoryServices.User`).
    let errorTypeName: String
    /// The entity set in `@odata.context` (`users`).
    let entitySet: String
    let defaultProperties: [String]
    let properties: [String]
    /// `#microsoft.graph.user`, for the `@odata.type` of directory objects in mixed collections.
    var odataType: String = ""
    var collections: Set<String> = []
    /// A mixed collection (`directoryObject`): each item is projected with its own type.
    var isAbstract = false

    /// The canonical spelling of `name` (property names are case-insensitive in OData queries).
    func property(named name: String) -> String? {
        properties.first { $0.caseInsensitiveCompare(name) == .orderedSame }
    }

    func emptyValue(_ name: String) -> JSON { collections.contains(name) ? .array([]) : .null }
}

/// One `$expand` item: `manager` or `manager($select=id,displayName)`.
struct ExpandItem: Sendable {
    let name: String
    let select: [String]?
}

/// The OData query options of one Graph request and the filtering, ordering, paging and
/// projection they drive: the one place collection endpoints share. An endpoint hands its full,
/// ordered list of stored entities to `collection(_:...)`. Without `$filter`, `$search` and
/// `$orderby` a page is a slice of that list: nothing is rebuilt for the entities it skips.
struct GraphQuery: Sendable {
    static let defaultPageSize = 100
    static let maximumPageSize = 999
    /// The options a directory collection understands.
    static let collectionOptions: Set<String> = ["select", "top", "skiptoken", "filter", "orderby", "count", "search", "expand"]

    /// Options as sent, `$` included, in order and still percent-encoded: a nextLink repeats them.
    let rawOptions: [(name: String, encodedPair: String)]
    /// Decoded values by lower-cased name without the `$`.
    let values: [String: String]
    /// Canonical property names from `$select`; nil means the type's default projection.
    let select: [String]?
    let pageSize: Int
    let skipToken: String?
    let filter: ODataFilter?
    let orderBy: [(property: String, descending: Bool)]
    let count: Bool
    let search: [(property: String, value: String, or: Bool)]
    let expand: [ExpandItem]
    let type: GraphEntityType

    /// Parses the system query options of `req` for an entity of `type`. `supported` names the
    /// options (lower case, without `$`) the resource understands; any other `$option` is refused
    /// rather than silently ignored, so a test never passes on data the option should have changed.
    /// `expandable` names the navigation properties `$expand` may take.
    /// `countSegment`: the request is `…/$count`, which counts as `$count=true` for advanced queries.
    /// `advancedQueries`: the directory's rules (`$count`, `$orderby` and some `$filter`
    /// operators need `ConsistencyLevel: eventual`); other workloads take them plainly.
    init(_ req: EmulatorRequest, type: GraphEntityType, supported: Set<String>, expandable: [String] = [],
         countSegment: Bool = false, advancedQueries: Bool = true) throws {
        var raw: [(name: String, encodedPair: String)] = []
        var values: [String: String] = [:]
        for pair in req.rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = FormEncoding.percentDecode(String(parts[0]))
            let value = parts.count > 1 ? FormEncoding.percentDecode(String(parts[1])) : ""
            raw.append((name, String(pair)))
            guard name.hasPrefix("$") else { continue }  // custom parameters are the caller's business
            let option = String(name.dropFirst()).lowercased()
            guard supported.contains(option) else { throw GraphError.unsupportedOption(option) }
            if values[option] == nil { values[option] = value }
        }
        self.rawOptions = raw
        self.values = values
        self.type = type

        if let text = values["top"] {
            guard let n = Int(text.trimmingCharacters(in: .whitespaces)), (1...Self.maximumPageSize).contains(n) else {
                throw GraphError.pageSize(text)
            }
            pageSize = n
        } else {
            pageSize = Self.defaultPageSize
        }

        select = try Self.parseSelect(values["select"], type: type)
        skipToken = values["skiptoken"]

        let eventual = req.header("ConsistencyLevel")?.trimmingCharacters(in: .whitespaces).lowercased() == "eventual"
        switch values["count"]?.lowercased() {
        case nil, "false": count = false
        case "true": count = true
        default: throw GraphError(.badRequest, "Request_BadRequest", "Invalid value for $count: '\(values["count"]!)'. Use true or false.")
        }
        if count && !eventual && advancedQueries {
            throw GraphError(.badRequest, "Request_UnsupportedQuery",
                             "$count=true requires the header 'ConsistencyLevel: eventual'. Refer to https://aka.ms/graph-docs/advanced-queries for more information")
        }

        if let text = values["filter"], !text.trimmingCharacters(in: .whitespaces).isEmpty {
            let f = try ODataFilter(text, type: type)
            if advancedQueries, let op = f.advancedOperators.first, !(eventual && (count || countSegment)) {
                throw GraphError(.badRequest, "Request_UnsupportedQuery",
                                 "Operator '\(op)' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information")
            }
            filter = f
        } else {
            filter = nil
        }

        var order: [(String, Bool)] = []
        if let text = values["orderby"] {
            for item in text.split(separator: ",") {
                let words = item.split(separator: " ", omittingEmptySubsequences: true)
                guard let first = words.first, words.count <= 2 else { throw GraphError.badOrderBy(text) }
                guard let p = type.property(named: String(first)) else { throw GraphError.unknownProperty(String(first), type: type.errorTypeName) }
                let dir = words.count == 2 ? words[1].lowercased() : "asc"
                guard dir == "asc" || dir == "desc" else { throw GraphError.badOrderBy(text) }
                order.append((p, dir == "desc"))
            }
            // Ordering by name alone is a basic query; anything else is an advanced one.
            let basic = order.allSatisfy { ["displayName", "userPrincipalName"].contains($0.0) } && filter == nil
            if advancedQueries && !basic && !(eventual && count) {
                throw GraphError(.badRequest, "Request_UnsupportedQuery",
                                 "Sorting not supported for current query. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information")
            }
        }
        orderBy = order.map { (property: $0.0, descending: $0.1) }

        if let text = values["search"] {
            guard eventual else {
                throw GraphError(.badRequest, "Request_UnsupportedQuery",
                                 "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'")
            }
            search = try Self.parseSearch(text, type: type)
        } else {
            search = []
        }

        var items: [ExpandItem] = []
        if let text = values["expand"], !text.isEmpty {
            for part in Self.splitTopLevel(text) {
                var name = part.trimmingCharacters(in: .whitespaces)
                var sel: [String]?
                if let open = name.firstIndex(of: "("), name.hasSuffix(")") {
                    let inner = String(name[name.index(after: open)..<name.index(before: name.endIndex)])
                    name = String(name[..<open])
                    for opt in inner.split(separator: ";") {
                        let kv = opt.split(separator: "=", maxSplits: 1).map(String.init)
                        guard kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).lowercased() == "$select" else {
                            throw GraphError.unsupportedOption("expand options other than $select")
                        }
                        sel = kv[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    }
                }
                guard let canonical = expandable.first(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) else {
                    throw GraphError.unknownProperty(name, type: type.errorTypeName)
                }
                items.append(ExpandItem(name: canonical, select: sel))
            }
        }
        expand = items
    }

    static func parseSelect(_ text: String?, type: GraphEntityType) throws -> [String]? {
        guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        var names: [String] = []
        for item in text.split(separator: ",") {
            let name = item.trimmingCharacters(in: .whitespaces)
            if name == "*" {
                // Every property of the type, as Graph reads `$select=*`.
                for p in type.properties where !names.contains(p) { names.append(p) }
                continue
            }
            guard let canonical = type.property(named: name) else { throw GraphError.unknownProperty(name, type: type.errorTypeName) }
            if !names.contains(canonical) { names.append(canonical) }
        }
        return names
    }

    /// Splits on commas outside parentheses (`manager($select=id,displayName),memberOf`).
    static func splitTopLevel(_ s: String) -> [String] {
        var out: [String] = [], cur = "", depth = 0
        for c in s {
            if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
            if c == "," && depth == 0 { out.append(cur); cur = "" } else { cur.append(c) }
        }
        out.append(cur)
        return out
    }

    /// `"displayName:foo"`, optionally several clauses joined by AND / OR.
    static func parseSearch(_ text: String, type: GraphEntityType) throws -> [(property: String, value: String, or: Bool)] {
        var out: [(String, String, Bool)] = []
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        var nextIsOr = false
        let bad = GraphError(.badRequest, "Request_BadRequest", "Invalid $search value: '\(text)'. Use \"property:value\" clauses joined by AND or OR.")
        while !rest.isEmpty {
            guard rest.first == "\"", let close = rest.dropFirst().firstIndex(of: "\"") else { throw bad }
            let clause = rest[rest.index(after: rest.startIndex)..<close]
            guard let colon = clause.firstIndex(of: ":") else { throw bad }
            let name = String(clause[..<colon]).trimmingCharacters(in: .whitespaces)
            guard let p = type.property(named: name) else { throw GraphError.unknownProperty(name, type: type.errorTypeName) }
            out.append((p, String(clause[clause.index(after: colon)...]), nextIsOr))
            rest = rest[rest.index(after: close)...].drop { $0 == " " }
            if rest.isEmpty { break }
            let word = rest.prefix { $0 != " " }
            switch word.uppercased() {
            case "AND": nextIsOr = false
            case "OR": nextIsOr = true
            default: throw bad
            }
            rest = rest.dropFirst(word.count).drop { $0 == " " }
        }
        return out.map { (property: $0.0, value: $0.1, or: $0.2) }
    }

    // MARK: Projection

    /// `entity` reduced to the selected (or default) properties, in that order, plus expansions.
    func project(_ entity: JSONObject, type: GraphEntityType, select: [String]? = nil, into out: JSONObject = JSONObject(),
                 expander: ((JSONObject, ExpandItem) -> JSON?)? = nil) -> JSONObject {
        var out = out
        var t = type
        if let odataType = entity["@odata.type"]?.stringValue {
            out["@odata.type"] = .string(odataType)
            if type.isAbstract, let concrete = GraphEntityTypes.byODataType[odataType] { t = concrete }
        }
        let names = select ?? self.select ?? t.defaultProperties
        for name in names where !type.isAbstract || t.properties.contains(name) {
            out[name] = entity[name] ?? t.emptyValue(name)
        }
        if let expander {
            for item in expand { if let v = expander(entity, item) { out[item.name] = v } }
        }
        return out
    }

    /// `https://graph.microsoft.com/v1.0/$metadata#users` or `…#users(id,displayName)`.
    func contextURL(_ req: EmulatorRequest, version: String, type: GraphEntityType, entitySet: String? = nil) -> String {
        let selection = select.map { "(\($0.joined(separator: ",")))" } ?? ""
        return "https://\(req.host)/\(version)/$metadata#\(entitySet ?? type.entitySet)\(selection)"
    }

    // MARK: Responses

    /// One entity: `@odata.context` (`…#users/$entity`) followed by its projected properties.
    func entity(_ entity: JSONObject, _ req: EmulatorRequest, version: String, type: GraphEntityType,
                expander: ((JSONObject, ExpandItem) -> JSON?)? = nil) -> JSON {
        .object(project(entity, type: type, into: ["@odata.context": .string(contextURL(req, version: version, type: type) + "/$entity")],
                        expander: expander))
    }

    /// `all` after `$filter`, `$search` and `$orderby` (the same list when none is given).
    func apply(_ all: [JSONObject], type: GraphEntityType) -> [JSONObject] {
        var items = all
        if let filter { items = items.filter { filter.matches($0, type: type) } }
        if !search.isEmpty { items = items.filter { matchesSearch($0) } }
        if !orderBy.isEmpty {
            items.sort { a, b in
                for o in orderBy {
                    let x = a[o.property] ?? .null, y = b[o.property] ?? .null
                    if ODataFilter.compare("eq", x, y) { continue }
                    // Nulls sort first ascending.
                    let less = x.isNull ? true : y.isNull ? false : ODataFilter.compare("lt", x, y)
                    return o.descending ? !less : less
                }
                return false
            }
        }
        return items
    }

    func matchesSearch(_ e: JSONObject) -> Bool {
        var result = true
        for (i, clause) in search.enumerated() {
            let v = (e[clause.property]?.stringValue ?? "").lowercased()
            let hit = v.contains(clause.value.lowercased())
            result = i == 0 ? hit : clause.or ? (result || hit) : (result && hit)
        }
        return result
    }

    /// One page of `all`: `@odata.context`, `@odata.count` (first page, with `$count=true`),
    /// `@odata.nextLink` while more remain, `value`.
    func collection(_ all: [JSONObject], _ req: EmulatorRequest, version: String, type: GraphEntityType, entitySet: String? = nil,
                    expander: ((JSONObject, ExpandItem) -> JSON?)? = nil) throws -> JSON {
        let items = apply(all, type: type)
        let scope = pagingScope(req)
        var offset = 0
        if let skipToken {
            guard let o = SkipToken.offset(skipToken, scope: scope), o <= items.count else { throw GraphError.badSkipToken }
            offset = o
        }
        let end = min(items.count, offset + pageSize)
        var out: JSONObject = ["@odata.context": .string(contextURL(req, version: version, type: type, entitySet: entitySet))]
        if count && skipToken == nil { out["@odata.count"] = JSON(items.count) }
        if end < items.count {
            out["@odata.nextLink"] = .string(nextLink(req, token: SkipToken.make(offset: end, scope: scope)))
        }
        out["value"] = .array(items[offset..<end].map { .object(project($0, type: type, expander: expander)) })
        return .object(out)
    }

    /// The whole (filtered) collection in one response, for the collections Graph does not page.
    func unpaged(_ all: [JSONObject], _ req: EmulatorRequest, version: String, type: GraphEntityType) -> JSON {
        let items = apply(all, type: type)
        var out: JSONObject = ["@odata.context": .string(contextURL(req, version: version, type: type))]
        if count { out["@odata.count"] = JSON(items.count) }
        out["value"] = .array(items.map { .object(project($0, type: type)) })
        return .object(out)
    }

    /// The request's own URL with every option kept verbatim and `$skiptoken` replaced.
    private func nextLink(_ req: EmulatorRequest, token: String) -> String {
        let kept = rawOptions.filter { $0.name.lowercased() != "$skiptoken" }.map(\.encodedPair)
        return "https://\(req.host)\(req.path)?" + (kept + ["$skiptoken=\(token)"]).joined(separator: "&")
    }

    /// What a skip token is valid for: the collection and the options that decide its contents
    /// and order (a token from `/users` is refused on another collection or another filter).
    private func pagingScope(_ req: EmulatorRequest) -> String {
        ([req.path.lowercased()] + ["filter", "orderby", "search"].map { values[$0] ?? "" }).joined(separator: "\n")
    }
}

/// `$skiptoken` values: opaque to clients (base64url), carrying the next offset and a digest of
/// the paging scope.
enum SkipToken {
    static func make(offset: Int, scope: String) -> String {
        Base64URL.encode("\(offset).\(digest(scope))")
    }

    static func offset(_ token: String, scope: String) -> Int? {
        guard let bytes = Base64URL.decode(token) else { return nil }
        let parts = String(decoding: bytes, as: UTF8.self).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1] == digest(scope), let offset = Int(parts[0]), offset >= 0 else { return nil }
        return offset
    }

    private static func digest(_ scope: String) -> Substring {
        Base64URL.encode(SHA256.hash(data: Array(scope.utf8))).prefix(16)
    }
}
