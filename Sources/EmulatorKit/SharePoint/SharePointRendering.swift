import Foundation
import JSONModel
import NIOHTTP1

/// A SharePoint failure, rendered by `SharePointService.odataError` in the format asked for.
struct SPError: Error, Sendable {
    var status: HTTPResponseStatus
    var code: String
    var message: String

    init(_ status: HTTPResponseStatus, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    func response(_ req: EmulatorRequest) -> EmulatorResponse { SharePointService.odataError(status, code, message, req) }

    static let accessDenied = SPError(.forbidden, "-2147024891, System.UnauthorizedAccessException",
                                      "Access denied. You do not have permission to perform this action or access this resource.")
    static let invalidDigest = SPError(.forbidden, "-2130575251, Microsoft.SharePoint.SPException",
                                       "The security validation for this page is invalid and might be corrupted. Please use your web browser's Back button to try your operation again.")
    /// MS-CSOMSPT 2.2.1 lists -2130575252 for an expired digest.
    static let expiredDigest = SPError(.forbidden, "-2130575252, Microsoft.SharePoint.SPException",
                                       "The security validation for this page has timed out. Click Back in your Web browser, refresh the page, and try your operation again.")

    static func listNotFound(title: String, web: String) -> SPError {
        SPError(.notFound, "-1, System.ArgumentException", "List '\(title)' does not exist at site with URL '\(web)'.")
    }
    /// By id or URL SharePoint has no title to quote: TP_E_LISTDELETED.
    static let listDeleted = SPError(.notFound, "-2130575322, Microsoft.SharePoint.SPException",
                                     "List does not exist.\n\nThe page you selected contains a list that does not exist.  It may have been deleted by another user.")
    static let itemNotFound = SPError(.notFound, "-2130575338, System.ArgumentException",
                                      "Item does not exist. It may have been deleted by another user.")

    static func invalidQuery(_ message: String) -> SPError {
        SPError(.badRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", message)
    }
    static func noColumn(_ name: String) -> SPError {
        SPError(.badRequest, "-2147024809, System.ArgumentException", "Column '\(name)' does not exist. It may have been deleted by another user.")
    }
    static func noField(_ name: String) -> SPError {
        SPError(.badRequest, "-1, System.ArgumentException", "The field or property '\(name)' does not exist.")
    }
    static let badBody = invalidQuery("Invalid JSON. A token was not recognized in the JSON content.")
}

/// How one entity is addressed, for the metadata each format adds.
struct SPMeta {
    /// `SP.List`, `SP.Data.TasksListItem`.
    var type: String
    /// Below `{web}/_api/`: `Web/Lists(guid'…')/Items(1)`.
    var editLink: String
    var etag: String?
}

/// Entities and collections in the five JSON formats (protocols.md §3.2).
struct SPRender {
    let format: SharePointService.ODataFormat
    /// `{web}/_api/`.
    let apiBase: String

    init(_ r: SharePointRequest) {
        format = r.format
        apiBase = r.web.url + "/_api/"
    }

    /// One entity with its metadata, as it appears inside a collection.
    func entry(_ props: JSONObject, _ meta: SPMeta) -> JSON {
        var out = JSONObject()
        switch format {
        case .verbose:
            var m: JSONObject = ["id": .string(apiBase + meta.editLink), "uri": .string(apiBase + meta.editLink)]
            if let etag = meta.etag { m["etag"] = .string(etag) }
            m["type"] = .string(meta.type)
            out["__metadata"] = .object(m)
        case .minimal:
            out["odata.type"] = .string(meta.type)
            out["odata.id"] = .string(apiBase + meta.editLink)
            if let etag = meta.etag { out["odata.etag"] = .string(etag) }
            out["odata.editLink"] = .string(meta.editLink)
        case .minimalV4:
            out["@odata.type"] = .string("#" + meta.type)
            out["@odata.id"] = .string(apiBase + meta.editLink)
            if let etag = meta.etag { out["@odata.etag"] = .string(etag) }
            out["@odata.editLink"] = .string(meta.editLink)
        case .nometadata, .noneV4: break
        }
        for (k, v) in props { out[k] = v }
        return .object(out)
    }

    /// A single entity response; `context` is the metadata fragment (`SP.ApiData.Lists`).
    func entity(_ props: JSONObject, _ meta: SPMeta, context: String) -> JSON {
        let e = entry(props, meta)
        switch format {
        case .verbose: return ["d": e]
        case .minimal: return prepend(e, "odata.metadata", apiBase + "$metadata#\(context)/@Element")
        case .minimalV4: return prepend(e, "@odata.context", apiBase + "$metadata#\(context)/$entity")
        case .nometadata, .noneV4: return e
        }
    }

    /// A collection page; `next` is the absolute next-page URL.
    func collection(_ entries: [JSON], context: String, next: String?) -> JSON {
        switch format {
        case .verbose:
            var d: JSONObject = ["results": .array(entries)]
            if let next { d["__next"] = .string(next) }
            return ["d": .object(d)]
        case .minimal, .nometadata:
            var o = JSONObject()
            if format == .minimal { o["odata.metadata"] = .string(apiBase + "$metadata#\(context)") }
            o["value"] = .array(entries)
            if let next { o["odata.nextLink"] = .string(next) }
            return .object(o)
        case .minimalV4, .noneV4:
            var o = JSONObject()
            if format == .minimalV4 { o["@odata.context"] = .string(apiBase + "$metadata#\(context)") }
            o["value"] = .array(entries)
            if let next { o["@odata.nextLink"] = .string(next) }
            return .object(o)
        }
    }

    /// A function's primitive result: `{"d":{"<Name>":v}}` verbose, `{"value":v}` otherwise.
    func primitive(_ name: String, _ value: JSON, edmType: String) -> JSON {
        switch format {
        case .verbose: return ["d": .object([name: value])]
        case .minimal: return ["odata.metadata": .string(apiBase + "$metadata#\(edmType)"), "value": value]
        case .minimalV4: return ["@odata.context": .string(apiBase + "$metadata#\(edmType)"), "value": value]
        case .nometadata, .noneV4: return ["value": value]
        }
    }

    private func prepend(_ e: JSON, _ key: String, _ value: String) -> JSON {
        var o: JSONObject = [key: .string(value)]
        for (k, v) in e.objectValue ?? [:] { o[k] = v }
        return .object(o)
    }
}

/// `$select`, `$filter`, `$orderby` and `$top` over rows of properties, sharing Graph's
/// `$filter` parser (SharePoint's `substringof` included). Property names are matched
/// case-insensitively against `properties`.
struct SPQuery {
    var select: [String]?
    /// Navigation properties named in `$expand`, and the fields `$select` asks of each
    /// (`RootFolder/ServerRelativeUrl`); an expanded one without such fields comes whole.
    var expand: Set<String> = []
    var navigationSelect: [String: [String]] = [:]
    /// What `$expand` asks of an expanded property's own navigation (`RoleAssignments/Member`
    /// under `RoleAssignments`), lowercased; the handler that builds the property reads it.
    var nestedExpand: [String: [String]] = [:]
    let navigation: [String]
    var filter: ODataFilter?
    var orderBy: [(name: String, descending: Bool)] = []
    var top: Int?
    let type: GraphEntityType

    init(_ req: EmulatorRequest, properties: [String], typeName: String, navigation: [String] = []) throws {
        type = GraphEntityType(errorTypeName: typeName, entitySet: "", defaultProperties: properties, properties: properties)
        self.navigation = navigation
        let q = req.query
        for raw in (q["$expand"] ?? "").split(separator: ",") {
            let path = raw.trimmingCharacters(in: .whitespaces)
            let name = path.split(separator: "/", maxSplits: 1).first.map(String.init) ?? path
            guard let canonical = navigation.first(where: { $0.lowercased() == name.lowercased() }) else { throw SPError.noField(name) }
            expand.insert(canonical)
            if name.count < path.count { nestedExpand[canonical, default: []].append(String(path.dropFirst(name.count + 1)).lowercased()) }
        }
        if let s = q["$select"], !s.isEmpty {
            select = try s.split(separator: ",").map { raw in
                let name = raw.trimmingCharacters(in: .whitespaces)
                if name == "*" { return name }
                if let slash = name.firstIndex(of: "/") {
                    let head = String(name[..<slash])
                    guard let canonical = expand.first(where: { $0.lowercased() == head.lowercased() }) else {
                        throw SPError.invalidQuery("The query to field '\(name)' is not valid. The $select query string must specify the target fields and the $expand query string must contains \(head).")
                    }
                    navigationSelect[canonical, default: []].append(String(name[name.index(after: slash)...]))
                    return name
                }
                // `Id` and `ID` are both item fields: an exact spelling wins. An expanded
                // navigation property may be selected whole (`$select=VersionPolicies`).
                guard let canonical = properties.first(where: { $0 == name }) ?? type.property(named: name)
                    ?? expand.first(where: { $0.lowercased() == name.lowercased() }) else { throw SPError.noField(name) }
                return canonical
            }
            if select!.contains("*") { select = nil }
        }
        if let f = q["$filter"], !f.isEmpty {
            do {
                filter = try ODataFilter(Self.unwrappingLiterals(f), type: type)
            } catch let e as GraphError {
                // Graph's parser names an unknown property this way; SharePoint calls it a column.
                if let r = e.message.range(of: "Could not find a property named '"), let end = e.message[r.upperBound...].firstIndex(of: "'") {
                    throw SPError.noColumn(String(e.message[r.upperBound..<end]))
                }
                throw SPError.invalidQuery("The expression \"\(f)\" is not valid.")
            }
        }
        if let o = q["$orderby"], !o.isEmpty {
            for part in o.split(separator: ",") {
                let words = part.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                guard let first = words.first, let name = type.property(named: first), words.count <= 2 else {
                    throw SPError.invalidQuery("The expression \"\(o)\" is not valid.")
                }
                orderBy.append((name, words.count == 2 && words[1].lowercased() == "desc"))
            }
        }
        if let t = q["$top"] {
            guard let n = Int(t), n >= 0 else { throw SPError.invalidQuery("The expression \"$top=\(t)\" is not valid.") }
            top = n
        }
    }

    func matches(_ row: JSONObject) -> Bool { filter?.matches(row, type: type) ?? true }

    /// A string literal in parentheses (`UserPrincipalName eq ('x')`, as CLI for Microsoft 365
    /// writes some filters and SharePoint accepts) without them.
    static func unwrappingLiterals(_ filter: String) -> String {
        guard let regex = try? NSRegularExpression(pattern: #"\(\s*('(?:[^']|'')*')\s*\)"#) else { return filter }
        return regex.stringByReplacingMatches(in: filter, range: NSRange(filter.startIndex..., in: filter), withTemplate: "$1")
    }

    /// Every property any of `rows` has, in first-seen order: the selectable names of a
    /// collection whose entities differ in shape (a Text field has `MaxLength`, a Choice field `Choices`).
    static func propertyNames(_ rows: [JSONObject]) -> [String] {
        var seen = Set<String>(), out: [String] = []
        for row in rows { for k in row.keys where seen.insert(k).inserted { out.append(k) } }
        return out
    }

    func sorted<T>(_ rows: [T], _ key: (T) -> JSONObject) -> [T] {
        guard !orderBy.isEmpty else { return rows }
        return rows.sorted { a, b in
            let ka = key(a), kb = key(b)
            for (name, desc) in orderBy {
                let l = ka[name] ?? .null, r = kb[name] ?? .null
                if ODataFilter.compare("eq", l, r) { continue }
                // Nulls first ascending, as SQL orders them.
                let less = l.isNull ? true : r.isNull ? false : ODataFilter.compare("lt", l, r)
                return desc ? !less : less
            }
            return false
        }
    }

    func project(_ row: JSONObject) -> JSONObject {
        var out = JSONObject()
        for (k, v) in row {
            if navigation.contains(k) {
                guard expand.contains(k) else { continue }
                guard let fields = navigationSelect[k], let object = v.objectValue else { out[k] = v; continue }
                // `ParentList/Id` keeps the nested object SharePoint expanded (`ParentList`).
                var kept = JSONObject()
                for field in fields {
                    let head = field.split(separator: "/").first.map(String.init) ?? field
                    if head != field, let nested = object[head] { kept[head] = nested } else { kept[field] = object[field] ?? .null }
                }
                out[k] = .object(kept)
            } else if select == nil || select!.contains(k) {
                out[k] = v
            }
        }
        return out
    }
}
