import Foundation
import JSONModel
import NIOHTTP1
import TextEncodings

/// A CSOM failure: the response header's `ErrorInfo`.
struct CSOMError: Error {
    let message: String
    let code: Int
    let typeName: String

    init(_ message: String, _ code: Int, _ typeName: String) {
        self.message = message
        self.code = code
        self.typeName = typeName
    }

    static let accessDenied = CSOMError("Access denied. You do not have permission to perform this action or access this resource.",
                                        -2147024891, "System.UnauthorizedAccessException")
    static func invalid(_ message: String) -> CSOMError {
        CSOMError(message, -2146233088, "Microsoft.SharePoint.Client.InvalidClientQueryException")
    }
    static func argument(_ message: String) -> CSOMError { CSOMError(message, -2147024809, "System.ArgumentException") }
    static func noSite(_ url: String) -> CSOMError { CSOMError("Cannot get site \(url).", -1, "Microsoft.Online.SharePoint.Common.SpoNoSiteException") }
    static func spo(_ message: String) -> CSOMError { CSOMError(message, -1, "Microsoft.Online.SharePoint.Common.SpoException") }
}

/// A parameter as sent: its CSOM type name (`String`, `Enum`, … or the TypeId of a structure)
/// and its value (a structure's properties become an object).
struct CSOMParam {
    let type: String
    let value: JSON
}

/// Pending SetProperty changes of one SiteProperties object; `Update` commits them.
final class CSOMSitePropertiesRef {
    let url: String
    var pending: [(String, CSOMParam)] = []
    init(url: String) { self.url = url }
}

/// The objects a request's object paths evaluate to.
enum CSOMObject {
    case tenant
    case siteProperties(CSOMSitePropertiesRef)
    /// SPOSitePropertiesEnumerable: its own properties and its child items.
    case enumerable(JSONObject, [JSONObject])
    case operation(String)
    case site(String)
    case web(String)
    /// A web's `SP.Navigation`.
    case navigation(String)
    /// A web's lists, one list (web URL, list id) and its `VersionPolicies`.
    case lists(String)
    case list(String, String)
    /// A list item (web URL, list id, item id), as `…:list:<id>:item:<n>,1` names it.
    case listItem(String, String, Int)
    case versionPolicies(String, String)
    /// A web's or list's fields (web URL, list id or nil) and one field (SharePointFields.swift).
    case fields(String, String?)
    case field(String, String?, String)
    /// `SP.TenantAppCatalog` (a web's `TenantAppCatalog`) and its `SiteCollectionAppCatalogsSites`.
    case tenantAppCatalog
    case siteCollectionAppCatalogs
    case context
    case value(JSON)
    /// A site collection in the tenant's recycle bin (lower-cased URL).
    case deletedSite(String)
    /// Content types, field links and the taxonomy session (SharePointContentTypes.swift).
    case contentModel(CSOMContentRef)
    /// A folder (web URL, server-relative URL) and a web's or folder's property bag (SharePointPropertyBags.swift).
    case folder(String, String)
    case propertyBag(String, String?)
}

/// `POST {web}/_vti_bin/client.svc/ProcessQuery`: parses the request XML, evaluates object
/// paths lazily (each at most once per request) and runs the actions in order. The answer is
/// always 200 with the `[header, id, result, …]` array; a failure ends the array at the header
/// with `ErrorInfo`, leaving what earlier actions did in place.
enum SharePointCSOM {
    static let tenantTypeId = "268004ae-ef6b-4e9b-8425-127220d84719"
    static let contextTypeId = "3747adcd-a3c3-41b9-bfab-4a64dd2f1e0a"
    static let identityApp = "908bed80-a04a-4433-b4a0-883d9847d110"
    static let libraryVersion = "16.0.25000.12002"
    static let globalAdministrator = "62e90394-69f5-4237-9190-012177145e10"
    static let sharePointAdministrator = "f28a1f50-f6e7-4571-818b-6a12f2af6b6c"

    static func processQuery(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let trace = Util.newGUID()
        let root: CSOMXMLElement
        do {
            root = try CSOMXMLParser.parse(r.request.body)
        } catch {
            return respond([], error: .invalid("The request XML is not valid. \(error)"), trace: trace)
        }
        guard root.name == "Request" else {
            return respond([], error: .invalid("The root element of the request must be Request."), trace: trace)
        }
        let (tenantRead, tenantWrite, canWrite) = permissions(r)
        var paths: [String: CSOMXMLElement] = [:]
        for p in root.child("ObjectPaths")?.children ?? [] {
            if let id = p["Id"] { paths[id] = p }
        }
        let ev = CSOMEvaluation(r: r, trace: trace, paths: paths, tenantRead: tenantRead, tenantWrite: tenantWrite, canWrite: canWrite)
        var results: [JSON] = []
        var failure: CSOMError?
        r.store.withAdmin(r.tenant.id) { webs, admin in
            ev.webs = webs
            webs = [:]
            ev.admin = admin
            defer { webs = ev.webs }
            do {
                for action in root.child("Actions")?.children ?? [] {
                    results += try ev.run(action)
                }
            } catch let e as CSOMError {
                failure = e
            } catch {
                failure = .invalid("\(error)")
            }
        }
        return respond(results, error: failure, trace: trace)
    }

    /// Who may use the Tenant object: delegated Global or SharePoint Administrators (writes need
    /// a write scope as well), app-only tokens with `Sites.FullControl.All` (all) or another
    /// `Sites.*.All` role (reads). `canWrite` is the plain content permission.
    static func permissions(_ r: SharePointRequest) -> (Bool, Bool, Bool) {
        let token = r.token
        if token.isAppOnly {
            let roles = Set(token.roles)
            let full = roles.contains("Sites.FullControl.All")
            return (full || !roles.isDisjoint(with: SharePointAccess.readRoles), full, !roles.isDisjoint(with: SharePointAccess.writeRoles))
        }
        let scopes = Set(token.scopes)
        let write = !scopes.isDisjoint(with: SharePointAccess.writeScopes)
        var roles = Set((token.claims["wids"]?.arrayValue ?? []).compactMap { $0.stringValue?.lowercased() })
        if let held = try? r.state.store.with(r.tenant.id, { $0.roleTemplates(of: token.objectId) }) { roles.formUnion(held) }
        let admin = roles.contains(globalAdministrator) || roles.contains(sharePointAdministrator)
        return (admin, admin && write, write)
    }

    static func respond(_ results: [JSON], error: CSOMError?, trace: String) -> EmulatorResponse {
        var header: JSONObject = ["SchemaVersion": "15.0.0.0", "LibraryVersion": .string(libraryVersion), "ErrorInfo": nil,
                                  "TraceCorrelationId": .string(trace)]
        var body: [JSON] = []
        if let error {
            header["ErrorInfo"] = ["ErrorMessage": .string(error.message), "ErrorValue": nil, "TraceCorrelationId": .string(trace),
                                   "ErrorCode": JSON(error.code), "ErrorTypeName": .string(error.typeName)]
            body = [.object(header)]
        } else {
            body = [.object(header)] + results
        }
        var h = HTTPHeaders()
        h.add(name: "Content-Type", value: "application/json; charset=utf-8")
        h.add(name: "X-SharePointHealthScore", value: "0")
        return EmulatorResponse(status: .ok, headers: h, body: csomBytes(.array(body)))
    }

    /// CSOM's JSON writes `/` in strings as `\u002f`, and dates and GUIDs as `"\/Date(…)\/"`,
    /// `"\/Guid(…)\/"`. JSON text has `/` only inside strings, so one pass over the bytes is exact.
    static func csomBytes(_ value: JSON) -> [UInt8] {
        let raw = value.serializedBytes()
        var out: [UInt8] = []
        out.reserveCapacity(raw.count + raw.count / 8)
        let slash = UInt8(ascii: "/"), quote = UInt8(ascii: "\""), close = UInt8(ascii: ")")
        let date = Array("Date(".utf8), guid = Array("Guid(".utf8)
        let escaped = Array("\\u002f".utf8)
        var i = 0
        while i < raw.count {
            let b = raw[i]
            guard b == slash else { out.append(b); i += 1; continue }
            let opens = i > 0 && raw[i - 1] == quote && i + 5 < raw.count
                && (raw[(i + 1)...(i + 5)].elementsEqual(date) || raw[(i + 1)...(i + 5)].elementsEqual(guid))
            let closes = i > 0 && raw[i - 1] == close && i + 1 < raw.count && raw[i + 1] == quote
            if opens || closes { out.append(UInt8(ascii: "\\")); out.append(slash) } else { out.append(contentsOf: escaped) }
            i += 1
        }
        return out
    }

    static func csomText(_ value: JSON) -> String { String(decoding: csomBytes(value), as: UTF8.self) }

    /// `/Date(2024,0,1,0,0,0,0)/` (JavaScript Date arguments: the month counts from 0); the
    /// serializer turns the slashes into CSOM's `\/`.
    static func date(_ d: Date) -> JSON {
        var t = time_t(d.timeIntervalSince1970.rounded(.down))
        var tm = tm()
        gmtime_r(&t, &tm)
        let ms = Int((d.timeIntervalSince1970 - Double(t)) * 1000)
        return .string("/Date(\(tm.tm_year + 1900),\(tm.tm_mon),\(tm.tm_mday),\(tm.tm_hour),\(tm.tm_min),\(tm.tm_sec),\(ms))/")
    }

    /// `2024-01-01T00:00:00Z` (the store's ISO dates; fractions ignored).
    static func isoDate(_ s: String) -> Date {
        let u = Array(s.utf8)
        func num(_ a: Int, _ n: Int) -> Int32? {
            guard a + n <= u.count else { return nil }
            var v: Int32 = 0
            for c in u[a..<(a + n)] {
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int32(c - 0x30)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2), let se = num(17, 2) else {
            return SPSiteInfo.seedDate
        }
        var tm = tm()
        tm.tm_year = y - 1900
        tm.tm_mon = mo - 1
        tm.tm_mday = d
        tm.tm_hour = h
        tm.tm_min = mi
        tm.tm_sec = se
        return Date(timeIntervalSince1970: TimeInterval(timegm(&tm)))
    }

    /// `https%3a%2f%2fcontoso.sharepoint.com%2fsites%2fx`, as SiteProperties identities spell URLs.
    static func encodeURL(_ url: String) -> String {
        var out = ""
        for b in url.utf8 {
            let c = Character(Unicode.Scalar(b))
            if c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_" || c == ".") { out.append(c) } else {
                out += String(format: "%%%02x", b)
            }
        }
        return out
    }
}

/// One ProcessQuery request's evaluation: its object paths, their memoized objects, and the
/// tenant's webs and admin state (held under the store's lock for the whole request).
final class CSOMEvaluation {
    let r: SharePointRequest
    let trace: String
    let paths: [String: CSOMXMLElement]
    let tenantRead: Bool
    let tenantWrite: Bool
    let canWrite: Bool
    var webs: [String: SPWeb] = [:]
    var admin: SPTenantAdminState!
    private var memo: [String: CSOMObject] = [:]
    private var resolving: Set<String> = []
    /// Field values `ParseAndSetFieldValue` set on list items, kept until their `Update` or
    /// `SystemUpdate` (keyed by web URL, list id and item id).
    private var pendingFields: [String: JSONObject] = [:]
    private static func itemKey(_ web: String, _ list: String, _ item: Int) -> String { "\(web)|\(list)|\(item)" }
    /// Field links `DeleteObject` removed (web, list, content type, field), for an `Update(true)`.
    var pendingLinkRemovals: [(String, String?, String, String)] = []
    /// Field properties SetProperty changed, kept until the field's `Update` (SharePointFields.swift).
    var pendingFieldChanges: [String: JSONObject] = [:]
    /// Property bag values SetFieldValue set, kept until their owner's `Update` (SharePointPropertyBags.swift).
    var pendingBags: [String: JSONObject] = [:]

    init(r: SharePointRequest, trace: String, paths: [String: CSOMXMLElement], tenantRead: Bool, tenantWrite: Bool, canWrite: Bool) {
        self.r = r
        self.trace = trace
        self.paths = paths
        self.tenantRead = tenantRead
        self.tenantWrite = tenantWrite
        self.canWrite = canWrite
    }

    var tenantId: String { r.tenant.id }
    var identityPrefix: String {
        "\(Util.nameGUID("csom-identity/\(tenantId.lowercased())"))|\(SharePointCSOM.identityApp):\(tenantId.lowercased())"
    }
    /// Content objects (SP.Site, SP.Web) are identified as `<guid>|740c6a0b-…:site:<id>[:web:<id>]`.
    var contentPrefix: String { "\(Util.nameGUID("csom-identity/\(tenantId.lowercased())"))|740c6a0b-85e2-48a0-a494-e0f1759d4aa7" }
    var isAdminHost: Bool { r.request.host.lowercased().contains("-admin.") }
    /// `contoso.sharepoint.com` for a request to `contoso-admin.sharepoint.com`.
    var rootHost: String { r.request.host.lowercased().replacingOccurrences(of: "-admin.", with: ".") }

    func requireTenant(write: Bool) throws {
        guard isAdminHost, tenantRead else { throw CSOMError.accessDenied }
        if write && !tenantWrite { throw CSOMError.accessDenied }
    }

    // MARK: Actions

    func run(_ action: CSOMXMLElement) throws -> [JSON] {
        guard let idText = action["Id"], let id = Int(idText) else { throw CSOMError.invalid("An action has no valid Id.") }
        switch action.name {
        case "ObjectPath":
            _ = try resolve(action["ObjectPathId"])
            return [JSON(id), ["IsNull": false]]
        case "Query":
            let obj = try resolve(action["ObjectPathId"])
            return [JSON(id), try render(obj, query: action.child("Query"), childQuery: action.child("ChildItemQuery"))]
        case "Method":
            let obj = try resolve(action["ObjectPathId"])
            let result = try call(obj, name: action["Name"] ?? "", params: try parameters(action))
            switch result {
            case nil: return []
            case let .value(v)?: return [JSON(id), v]
            case let obj?: return [JSON(id), try render(obj, query: nil, childQuery: nil, all: true)]
            }
        case "ObjectIdentityQuery":
            let props = try properties(try resolve(action["ObjectPathId"]))
            var out = JSONObject()
            for k in ["_ObjectType_", "_ObjectIdentity_"] { if let v = props[k] { out[k] = v } }
            return [JSON(id), .object(out)]
        case "SetProperty":
            let obj = try resolve(action["ObjectPathId"])
            let params = try parameters(action, direct: true)
            guard let name = action["Name"], let p = params.first else { throw CSOMError.invalid("SetProperty needs a Name and a Parameter.") }
            try setProperty(obj, name: name, p)
            return []
        case "StaticMethod":
            return try recordsStaticMethod(action, id: id)
        case "ExceptionHandlingScope", "ExceptionHandlingScopeSimple", "ConditionalScope":
            var out: [JSON] = []
            for a in action.child("TryScope")?.children ?? action.children { out += try run(a) }
            return out
        default:
            throw CSOMError.invalid("The action \(action.name) is not supported.")
        }
    }

    // MARK: Object paths

    func resolve(_ id: String?) throws -> CSOMObject {
        guard let id, let el = paths[id] else { throw CSOMError.invalid("The object path '\(id ?? "")' is not defined in the request.") }
        if let m = memo[id] { return m }
        guard !resolving.contains(id) else { throw CSOMError.invalid("The object path '\(id)' refers to itself.") }
        resolving.insert(id)
        defer { resolving.remove(id) }
        let obj: CSOMObject
        switch el.name {
        case "Constructor":
            let type = (el["TypeId"] ?? "").trimmingCharacters(in: ["{", "}"]).lowercased()
            guard type == SharePointCSOM.tenantTypeId else { throw CSOMError.invalid("The type {\(type)} cannot be constructed.") }
            try requireTenant(write: false)
            obj = .tenant
        case "StaticProperty":
            let type = (el["TypeId"] ?? "").trimmingCharacters(in: ["{", "}"]).lowercased()
            guard type == SharePointCSOM.contextTypeId, el["Name"] == "Current" else {
                throw CSOMError.invalid("The static property \(el["Name"] ?? "") is not supported.")
            }
            obj = .context
        case "Identity":
            obj = try identity(el["Name"] ?? "")
        case "StaticMethod":
            obj = try staticMethod(el)
        case "Property":
            obj = try property(try resolve(el["ParentId"]), el["Name"] ?? "")
        case "Method":
            let parent = try resolve(el["ParentId"])
            obj = try call(parent, name: el["Name"] ?? "", params: try parameters(el)) ?? .value(.null)
        default:
            throw CSOMError.invalid("The object path \(el.name) is not supported.")
        }
        memo[id] = obj
        return obj
    }

    /// `<prefix>|908bed80-…:<tenant>\nTenant`, `…\nSiteProperties\n<encoded url>`,
    /// `…\nSpoOperation\n<kind>\n<ticks>\n<encoded url>\n<operation id>`.
    func identity(_ name: String) throws -> CSOMObject {
        // SP.Site / SP.Web: `…|740c6a0b-…:site:<site id>[:web:<web id>]`.
        if let r = name.range(of: "|740c6a0b-85e2-48a0-a494-e0f1759d4aa7:site:") {
            let rest = name[r.upperBound...].split(separator: ":").map(String.init)
            let siteId = rest.first?.lowercased() ?? ""
            if rest.count >= 3, rest[1] == "web" {
                guard let w = webs.values.first(where: { $0.id.lowercased() == rest[2].lowercased() && $0.siteId.lowercased() == siteId }) else {
                    throw CSOMError.invalid("The object identity '\(name)' does not name a web.")
                }
                // `…:web:<id>:field:<field id>`, `…:web:<id>:list:<list id>[:field:<field id>]`
                if rest.count == 5, rest[3] == "field" { return .field(w.url, nil, rest[4].lowercased()) }
                if rest.count == 5 || rest.count == 7, rest[3] == "list", rest.count == 5 || rest[5] == "field" {
                    guard let l = w.list(id: rest[4]) else { throw CSOMError("List does not exist.", -2130575322, "System.ArgumentException") }
                    return rest.count == 5 ? .list(w.url, l.id) : .field(w.url, l.id, rest[6].lowercased())
                }
                if rest.count == 5, rest[3] == "folder" { return try folderIdentity(w, rest[4]) }
                if let o = try contentModelIdentity(w, rest, name) { return o }
                // `…:web:<id>:list:<list id>:item:<item id>,1`
                guard rest.count >= 7, rest[3] == "list", rest[5] == "item" else { return .web(w.url) }
                guard let l = w.list(id: rest[4]) else {
                    throw CSOMError("List does not exist.", -2130575322, "System.ArgumentException")
                }
                guard let n = rest[6].split(separator: ",").first.flatMap({ Int($0) }), l.position(of: n) != nil else {
                    throw CSOMError("Item does not exist. It may have been deleted by another user.", -2130575338, "System.ArgumentException")
                }
                return .listItem(w.url, l.id, n)
            }
            guard let w = webs.values.first(where: { $0.siteId.lowercased() == siteId && $0.url == $0.siteCollectionURL }) else {
                throw CSOMError.invalid("The object identity '\(name)' does not name a site.")
            }
            return .site(w.url)
        }
        let parts = name.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, let bar = parts[0].firstIndex(of: "|"),
              parts[0][parts[0].index(after: bar)...].lowercased() == "\(SharePointCSOM.identityApp):\(tenantId.lowercased())" else {
            throw CSOMError.invalid("The object identity '\(name)' is not valid.")
        }
        switch parts[1] {
        case "Tenant":
            try requireTenant(write: false)
            return .tenant
        case "SiteProperties" where parts.count >= 3:
            try requireTenant(write: false)
            let url = parts[2].replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? parts[2]
            guard let web = siteRoot(url) else { throw CSOMError.noSite(url) }
            return .siteProperties(CSOMSitePropertiesRef(url: web.url))
        case "SpoOperation":
            try requireTenant(write: false)
            guard let opId = parts.last, admin.operations[opId.lowercased()] != nil else {
                throw CSOMError.invalid("The object identity '\(name)' does not name an operation.")
            }
            return .operation(opId.lowercased())
        default:
            throw CSOMError.invalid("The object identity '\(name)' is not valid.")
        }
    }

    func property(_ parent: CSOMObject, _ name: String) throws -> CSOMObject {
        switch (parent, name) {
        case let (.site(url), "RootWeb"): return .web(url)
        case (.context, "Web"): return .web(r.web.url)
        case (.context, "Site"): return .site(r.web.siteCollectionURL)
        case let (.web(url), "Navigation"): return .navigation(url)
        case (.web, "TenantAppCatalog"): return .tenantAppCatalog
        case let (.web(url), "Lists"): return .lists(url)
        case let (.list(url, id), "VersionPolicies"): return .versionPolicies(url, id)
        case let (.web(url), "Fields"): return .fields(url, nil)
        case let (.list(url, id), "Fields"): return .fields(url, id)
        case (.tenantAppCatalog, "SiteCollectionAppCatalogsSites"): return .siteCollectionAppCatalogs
        case let (.web(url), "ParentWeb"):
            guard let w = webs[url.lowercased()], w.url != w.siteCollectionURL, let slash = w.url.lastIndex(of: "/") else { return .value(.null) }
            return .web(String(w.url[..<slash]))
        default:
            if let o = try contentModelProperty(parent, name) { return o }
            if let o = propertyBagProperty(parent, name) { return o }
            throw CSOMError.invalid("The property '\(name)' is not an object property of this object.")
        }
    }

    // MARK: Parameters

    /// `<Parameters><Parameter …/>…</Parameters>` (or the parameter directly, for SetProperty).
    func parameters(_ el: CSOMXMLElement, direct: Bool = false) throws -> [CSOMParam] {
        let list = direct ? el.children.filter { $0.name == "Parameter" } : (el.child("Parameters")?.children ?? [])
        return try list.map(parameter)
    }

    func parameter(_ p: CSOMXMLElement) throws -> CSOMParam {
        if let typeId = p["TypeId"] {
            var o = JSONObject()
            for prop in p.children where prop.name == "Property" {
                guard let name = prop["Name"] else { continue }
                // An object of the request (`<Property Name="Field" ObjectPathId="2" />`).
                if let path = prop["ObjectPathId"] { o[name] = ["ObjectPathId": .string(path)]; continue }
                o[name] = try parameter(prop).value
            }
            return CSOMParam(type: typeId, value: .object(o))
        }
        let type = p["Type"] ?? "String"
        let text = p.text
        switch type {
        case "String", "Guid", "DateTime", "Char": return CSOMParam(type: type, value: .string(text))
        case "Null": return CSOMParam(type: type, value: .null)
        case "Boolean":
            switch text.lowercased() {
            case "true": return CSOMParam(type: type, value: true)
            case "false": return CSOMParam(type: type, value: false)
            default: throw CSOMError.invalid("The value '\(text)' is not a valid Boolean.")
            }
        case "Enum", "Int32", "Int64", "UInt32", "UInt64", "Int16", "UInt16", "Byte", "SByte", "Double", "Single", "Decimal":
            guard let n = Double(text.trimmingCharacters(in: .whitespaces)) else { throw CSOMError.invalid("The value '\(text)' is not a valid \(type).") }
            return CSOMParam(type: type, value: .number(n))
        case "Array":
            return CSOMParam(type: type, value: .array(try p.children.filter { $0.name == "Object" }.map { try parameter($0).value }))
        default:
            throw CSOMError.invalid("The parameter type '\(type)' is not supported.")
        }
    }

    func string(_ params: [CSOMParam], _ i: Int, _ method: String) throws -> String {
        guard i < params.count else { throw CSOMError.invalid("The method \(method) expects more parameters.") }
        switch params[i].value {
        case let .string(s): return s
        case .null: return ""
        default: throw CSOMError.invalid("Parameter \(i + 1) of \(method) must be a String.")
        }
    }

    func int(_ params: [CSOMParam], _ i: Int, _ method: String) throws -> Int {
        guard i < params.count, let n = params[i].value.numberValue else { throw CSOMError.invalid("Parameter \(i + 1) of \(method) must be a number.") }
        return Int(n)
    }

    func bool(_ params: [CSOMParam], _ i: Int, _ method: String) throws -> Bool {
        guard i < params.count, let b = params[i].value.boolValue else { throw CSOMError.invalid("Parameter \(i + 1) of \(method) must be a Boolean.") }
        return b
    }

    func cdnType(_ params: [CSOMParam], _ method: String) throws -> Int {
        let t = try int(params, 0, method)
        guard t == 0 || t == 1 else { throw CSOMError.argument("Specified argument was out of the range of valid values.\r\nParameter name: cdnType") }
        return t
    }

    // MARK: Sites

    /// The live site collection whose root web is at `url`.
    func siteRoot(_ url: String) -> SPWeb? {
        guard let w = webs[url.lowercased().trimmingSuffix("/")], w.url.lowercased() == w.siteCollectionURL.lowercased() else { return nil }
        return w
    }

    func siteIdentity(_ url: String) -> String { "\(identityPrefix)\nSiteProperties\n\(SharePointCSOM.encodeURL(url))" }

    func siteProperties(_ web: SPWeb, _ info: SPSiteInfo, detail: Bool) -> JSONObject {
        let websCount = detail ? webs.values.reduce(0) { $0 + ($1.siteCollectionURL == web.siteCollectionURL && $1 !== web ? 1 : 0) } : 0
        let modified = max(info.lastContentModified, SharePointCSOM.isoDate(web.lastItemModified))
        let props: JSONObject = [
            "_ObjectType_": "Microsoft.Online.SharePoint.TenantAdministration.SiteProperties",
            "_ObjectIdentity_": .string(siteIdentity(web.url)),
            "AllowDownloadingNonWebViewableFiles": false, "AllowEditing": false, "AllowSelfServiceUpgrade": true,
            "AverageResourceUsage": 0, "CommentsOnSitePagesDisabled": false, "CompatibilityLevel": 15, "ConditionalAccessPolicy": 0,
            "CurrentResourceUsage": 0, "DenyAddAndCustomizePages": JSON(info.denyAddAndCustomizePages), "Description": .string(web.description),
            "DisableFlows": 0, "ExternalUserExpirationInDays": 0, "GroupId": .string("/Guid(\(info.groupId))/"),
            "HubSiteId": "/Guid(00000000-0000-0000-0000-000000000000)/", "IsHubSite": false,
            "LastContentModifiedDate": SharePointCSOM.date(modified), "Lcid": JSON(info.lcid), "LockIssue": nil,
            "LockState": .string(info.lockState), "Owner": .string(info.owner), "OwnerEmail": .string(info.owner),
            "OwnerLoginName": .string(info.owner.isEmpty ? "" : "i:0#.f|membership|\(info.owner)"), "ResourceQuota": 300,
            "ResourceQuotaWarningLevel": 255, "ResourceUsageAverage": 0, "ResourceUsageCurrent": 0,
            "SharingCapability": JSON(info.sharingCapability), "SiteDefinedSharingCapability": JSON(info.sharingCapability),
            "SiteId": .string("/Guid(\(web.siteId))/"), "Status": "Active", "StorageMaximumLevel": JSON(info.storageMaximumLevel),
            "StorageQuotaType": nil, "StorageUsage": JSON(info.storageUsage), "StorageWarningLevel": JSON(info.storageWarningLevel),
            "Template": .string(info.template), "TimeZoneId": JSON(info.timeZoneId), "Title": .string(web.title), "Url": .string(web.url),
            "WebsCount": JSON(websCount), "AllowSelfServiceUpgrade": true, "DisableCompanyWideSharingLinks": 0,
            "SocialBarOnSitePagesDisabled": false, "UserCodeMaximumLevel": 300, "UserCodeWarningLevel": 200,
            "SandboxedCodeActivationCapability": 0, "RelatedGroupId": .string("/Guid(\(info.groupId))/"), "CreatedTime": SharePointCSOM.date(info.created),
        ]
        var out = props
        for (k, v) in info.extra { out[k] = v }
        return out
    }

    /// DeletedSiteProperties of a site in the recycle bin (93 days, as SharePoint keeps them).
    func deletedSiteProperties(_ key: String) -> JSONObject {
        let d = admin.deleted[key]!
        let root = d.webs.first { $0.url.lowercased() == key } ?? d.webs[0]
        let remaining = max(0, 93 - Int(Date().timeIntervalSince(d.deleted) / 86_400))
        return ["_ObjectType_": "Microsoft.Online.SharePoint.TenantAdministration.DeletedSiteProperties",
                "_ObjectIdentity_": .string("\(identityPrefix)\nDeletedSiteProperties\n\(SharePointCSOM.encodeURL(root.url))"),
                "DaysRemaining": JSON(remaining), "DeletionTime": SharePointCSOM.date(d.deleted), "SiteId": .string("/Guid(\(root.siteId))/"),
                "Status": "Recycled", "StorageMaximumLevel": JSON(d.info?.storageMaximumLevel ?? 26_214_400),
                "Url": .string(root.url), "UserCodeMaximumLevel": 300]
    }

    /// GetSitePropertiesFromSharePointByFilters: site collections by URL, 300 a page, the
    /// admin center itself and deleted sites left out, OneDrives only when asked for.
    func listSites(_ filter: JSONObject) throws -> CSOMObject {
        let includePersonal = filter["IncludePersonalSite"]?.numberValue.map(Int.init) ?? 0
        let template = filter["Template"]?.stringValue ?? ""
        // IncludeDetail is accepted; it changes no listed property here (WebsCount stays 0).
        let start = filter["StartIndex"]?.stringValue ?? ""
        let text = filter["Filter"]?.stringValue ?? ""
        let parsed = try SiteFilter.parse(text)
        var after: String?
        if !start.isEmpty && start != "0" && start != "-1" {
            guard let bytes = Base64URL.decode(start) else { throw CSOMError.argument("The StartIndex '\(start)' is not valid.") }
            after = String(decoding: bytes, as: UTF8.self)
        }
        let wantPersonal = includePersonal == 1 || template.uppercased().hasPrefix("SPSPERS")
        let keys = admin.rootKeys(webs)
        // The first site after the token: a binary search over the sorted URLs.
        var lo = 0
        if let after {
            var hi = keys.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if after.utf8.lexicographicallyPrecedes(keys[mid].utf8) { hi = mid } else { lo = mid + 1 }
            }
        }
        var page: [JSONObject] = []
        var next: String?
        for key in keys[lo...] {
            guard let web = webs[key] else { continue }
            let info = admin.peekInfo(for: web)
            let t = info.template.uppercased()
            if t.hasPrefix("TENANTADMIN") { continue }
            if t.hasPrefix("SPSPERS") && !wantPersonal { continue }
            if !template.isEmpty {
                let want = template.uppercased()
                let ok = want.contains("#") ? t == want : t.split(separator: "#").first.map(String.init) == want
                if !ok { continue }
            }
            // WebsCount needs a scan of all webs: listings leave it 0, as SharePoint does without detail.
            let props = siteProperties(web, info, detail: false)
            if let parsed, !(try parsed.matches(props)) { continue }
            if page.count == 300 {
                next = Base64URL.encode(page.last?["Url"]?.stringValue?.lowercased() ?? "")
                break
            }
            page.append(props)
        }
        let own: JSONObject = ["_ObjectType_": "Microsoft.Online.SharePoint.TenantAdministration.SPOSitePropertiesEnumerable",
                               "NextStartIndex": -1, "NextStartIndexFromSharePoint": JSON(next)]
        return .enumerable(own, page)
    }

    /// Validates a new site collection URL: `https://<tenant>.sharepoint.com/sites|teams/<name>`.
    func checkNewSiteURL(_ raw: String) throws -> String {
        let url = raw.trimmingSuffix("/")
        guard let u = URL(string: url), u.scheme?.lowercased() == "https", u.host?.lowercased() == rootHost else {
            throw CSOMError.spo("The URL \(url) is not in this tenant.")
        }
        let segs = u.path.split(separator: "/")
        guard segs.count == 2, ["sites", "teams"].contains(segs[0].lowercased()) else {
            throw CSOMError.spo("The managed path of \(url) is not valid. Use /sites/ or /teams/.")
        }
        if webs[url.lowercased()] != nil || admin.deleted[url.lowercased()] != nil {
            throw CSOMError.spo("A site already exists at url \(url).")
        }
        return url
    }

    func startOperation(_ kind: String, _ url: String, atOnce: Bool) -> CSOMObject {
        let id = Util.newGUID()
        admin.operations[id] = SPOperation(id: id, kind: kind, url: url, request: trace, started: Date(), completeAtOnce: atOnce,
                                           pollingInterval: atOnce ? 15000 : 200)
        return .operation(id)
    }

    /// Creates a site collection now (the operation reports it done from the first poll on).
    func createSite(url: String, title: String, template: String, owner: String, lcid: Int, timeZone: Int,
                    storageMax: Int?, storageWarning: Int?, groupId: String? = nil, description: String = "") -> SPWeb {
        let now = Date()
        let web = SharePointStore.newSiteWeb(url: url, title: title, template: template, lcid: lcid, created: Util.iso8601(now))
        web.description = description
        webs[url.lowercased()] = web
        let info = SPSiteInfo(template: SPSiteInfo.fullTemplate(template), owner: owner, groupId: groupId ?? SPTenantAdminState.zeroGUID,
                              lcid: lcid, created: now)
        info.timeZoneId = timeZone
        if let storageMax, storageMax > 0 { info.storageMaximumLevel = storageMax }
        if let storageWarning, storageWarning > 0 { info.storageWarningLevel = storageWarning }
        admin.sites[url.lowercased()] = info
        admin.generation += 1
        return web
    }

    // MARK: Methods

    func call(_ obj: CSOMObject, name: String, params: [CSOMParam]) throws -> CSOMObject? {
        if let handled = try propertyBagCall(obj, name, params) { return handled }
        switch obj {
        case .tenant: return try tenantMethod(name, params)
        case let .contentModel(ref): return try contentModelCall(ref, name, params)
        case let .siteProperties(ref):
            guard name == "Update" else { throw CSOMError.invalid("The method \(name) is not supported on SiteProperties.") }
            try requireTenant(write: true)
            try commit(ref)
            return startOperation("SetSite", ref.url, atOnce: true)
        case let .web(url) where name == "GetList":
            guard let w = webs[url.lowercased()] else { throw CSOMError.invalid("The web \(url) does not exist.") }
            let path = try string(params, 0, name)
            guard let l = w.list(url: path) else {
                throw CSOMError("List '\(path)' does not exist at site with URL '\(w.url)'.", -2130575322, "System.ArgumentException")
            }
            return .list(url, l.id)
        case let .web(url):
            return try webMethod(url, name, params)
        case let .lists(url) where name == "GetById" || name == "GetByTitle":
            guard let w = webs[url.lowercased()] else { throw CSOMError.invalid("The web \(url) does not exist.") }
            let wanted = try string(params, 0, name).trimmingCharacters(in: ["{", "}"])
            guard let l = name == "GetById" ? w.list(id: wanted) : w.list(title: wanted) else {
                throw CSOMError("List '\(wanted)' does not exist at site with URL '\(w.url)'.", -2130575322, "System.ArgumentException")
            }
            return .list(url, l.id)
        case let .list(url, id) where name == "Update":
            guard canWrite, webs[url.lowercased()]?.list(id: id) != nil else { throw CSOMError.accessDenied }
            return nil
        case let .listItem(url, list, item) where name == "ParseAndSetFieldValue":
            let field = try string(params, 0, name), value = try string(params, 1, name)
            pendingFields[Self.itemKey(url, list, item), default: [:]][field] = .string(value)
            return nil
        case let .listItem(url, list, item) where name == "SetFieldValue":
            // A lookup or person (FieldLookupValue / FieldUserValue, or an array of them) is kept
            // as its id(s) under `<field>Id`, as REST reads such fields back.
            let field = try string(params, 0, name)
            guard params.count > 1 else { throw CSOMError.invalid("The method SetFieldValue expects more parameters.") }
            let value = params[1].value
            let ids: JSON? = value.arrayValue.map { .array($0.map { $0["LookupId"] ?? .null }) } ?? value["LookupId"]
            if let ids { pendingFields[Self.itemKey(url, list, item), default: [:]][field + "Id"] = ids } else {
                pendingFields[Self.itemKey(url, list, item), default: [:]][field] = value
            }
            return nil
        case let .listItem(url, list, item) where name == "SystemUpdate" || name == "Update":
            // SystemUpdate keeps the item's version, editor and modification time.
            guard canWrite, let l = webs[url.lowercased()]?.list(id: list), let i = l.position(of: item) else { throw CSOMError.accessDenied }
            if l.compliance.locked.contains(item) { throw CSOMError(SharePointCompliance.lockedRecord.message, -2146232832, "Microsoft.SharePoint.SPException") }
            let fields = SharePointEndpoints.fieldValues(pendingFields.removeValue(forKey: Self.itemKey(url, list, item)) ?? [:])
            l.noteFields(fields)
            for (k, v) in fields { l.items[i].fields[k] = v }
            if name == "Update" {
                let now = Util.iso8601(Date())
                l.items[i].version += 1
                l.items[i].modified = now
                l.items[i].editorId = SharePointEndpoints.userId(r)
                l.lastItemModified = now
            }
            return nil
        case let .fields(url, list): return try fieldsMethod(url, list, name, params)
        case let .field(url, list, id): return try fieldMethod(url, list, id, name, params)
        case .siteCollectionAppCatalogs where name == "Add":
            // A site collection app catalog: the "Apps for SharePoint" library on its root web.
            try requireTenant(write: true)
            let url = try string(params, 0, name).trimmingSuffix("/")
            guard let web = siteRoot(url) else { throw CSOMError.noSite(url) }
            if !web.lists.contains(where: { $0.baseTemplate == 336 }) {
                web.lists.append(SPList(id: Util.newGUID(), title: "Apps for SharePoint", description: "", baseTemplate: 336, url: "AppCatalog",
                                        created: Util.iso8601(Date())))
            }
            return nil
        default:
            throw CSOMError.invalid("The method \(name) is not supported on this object.")
        }
    }

    func tenantMethod(_ name: String, _ params: [CSOMParam]) throws -> CSOMObject? {
        let writes: Set<String> = ["SetSiteAdmin", "CreateSite", "RemoveSite", "RemoveDeletedSite", "RestoreDeletedSite", "SetTenantCdnEnabled",
                                   "CreateTenantCdnDefaultOrigins", "AddTenantCdnOrigin", "RemoveTenantCdnOrigin", "SetTenantCdnPolicy", "Update"]
        try requireTenant(write: writes.contains(name))
        switch name {
        case "GetSitePropertiesFromSharePointByFilters":
            guard let f = params.first?.value.objectValue else { throw CSOMError.invalid("GetSitePropertiesFromSharePointByFilters expects a filter.") }
            return try listSites(f)
        case "GetSitePropertiesByUrl":
            let url = try string(params, 0, name).trimmingSuffix("/")
            guard siteRoot(url) != nil else { throw CSOMError.noSite(url) }
            return .siteProperties(CSOMSitePropertiesRef(url: siteRoot(url)!.url))
        case "GetSiteByUrl":
            let url = try string(params, 0, name).trimmingSuffix("/")
            guard let web = siteRoot(url) else { throw CSOMError.noSite(url) }
            return .site(web.url)
        case "CreateSite":
            guard let p = params.first?.value.objectValue else { throw CSOMError.invalid("CreateSite expects SiteCreationProperties.") }
            let url = try checkNewSiteURL(p["Url"]?.stringValue ?? "")
            let template = p["Template"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "STS#0"
            _ = createSite(url: url, title: p["Title"]?.stringValue ?? "", template: template, owner: p["Owner"]?.stringValue ?? "",
                           lcid: p["Lcid"]?.numberValue.map(Int.init) ?? 1033, timeZone: p["TimeZoneId"]?.numberValue.map(Int.init) ?? 13,
                           storageMax: p["StorageMaximumLevel"]?.numberValue.map(Int.init),
                           storageWarning: p["StorageWarningLevel"]?.numberValue.map(Int.init))
            return startOperation("CreateSite", url, atOnce: false)
        case "RemoveSite":
            let url = try string(params, 0, name).trimmingSuffix("/")
            guard let web = siteRoot(url) else { throw CSOMError.noSite(url) }
            let path = URL(string: web.url)?.path ?? ""
            if path.isEmpty || path == "/" || admin.peekInfo(for: web).template.uppercased().hasPrefix("TENANTADMIN") {
                throw CSOMError.spo("The site \(web.url) cannot be removed: it is the root site or the admin center of the tenant.")
            }
            admin.recycle(web, from: &webs)
            return startOperation("RemoveSite", web.url, atOnce: false)
        case "RemoveDeletedSite":
            let url = try string(params, 0, name).trimmingSuffix("/")
            guard admin.deleted.removeValue(forKey: url.lowercased()) != nil else { throw CSOMError.noSite(url) }
            return startOperation("RemoveDeletedSite", url, atOnce: false)
        case "RestoreDeletedSite":
            let url = try string(params, 0, name).trimmingSuffix("/")
            guard let d = admin.deleted[url.lowercased()] else { throw CSOMError.noSite(url) }
            guard webs[url.lowercased()] == nil else { throw CSOMError.spo("A site already exists at url \(url).") }
            admin.deleted[url.lowercased()] = nil
            for w in d.webs { webs[w.url.lowercased()] = w }
            if let info = d.info { admin.sites[url.lowercased()] = info }
            admin.generation += 1
            return startOperation("RestoreDeletedSite", url, atOnce: false)
        case "SetSiteAdmin":
            let url = try string(params, 0, name).trimmingSuffix("/")
            let login = try string(params, 1, name)
            guard let web = siteRoot(url) else { throw CSOMError.noSite(url) }
            let info = admin.info(for: web)
            let isAdmin = params.count > 2 ? try bool(params, 2, name) : true
            let bare = login.split(separator: "|").last.map(String.init) ?? login
            if isAdmin { if !info.admins.contains(bare) { info.admins.append(bare) } } else { info.admins.removeAll { $0 == bare } }
            if isAdmin && info.owner.isEmpty { info.owner = bare }
            return nil
        case "GetDeletedSitePropertiesByUrl":
            let url = try string(params, 0, name).trimmingSuffix("/")
            guard admin.deleted[url.lowercased()] != nil else { throw CSOMError("Unknown Error", -1, "Microsoft.SharePoint.Client.UnknownError") }
            return .deletedSite(url.lowercased())
        case "GetDeletedSitePropertiesFromSharePoint":
            let items = admin.deleted.keys.sorted().map { deletedSiteProperties($0) }
            let own: JSONObject = ["_ObjectType_": "Microsoft.Online.SharePoint.TenantAdministration.SPODeletedSitePropertiesEnumerable",
                                   "NextStartIndex": -1, "NextStartIndexFromSharePoint": nil]
            return .enumerable(own, items)
        case "GetTenantCdnEnabled":
            return .value(.bool(admin.cdnEnabled[try cdnType(params, name)] ?? false))
        case "SetTenantCdnEnabled":
            let t = try cdnType(params, name)
            admin.cdnEnabled[t] = try bool(params, 1, name)
            return nil
        case "CreateTenantCdnDefaultOrigins":
            let t = try cdnType(params, name)
            for o in SPTenantAdminState.defaultOrigins[t] ?? [] where !(admin.cdnOrigins[t] ?? []).contains(where: { $0.caseInsensitiveCompare(o) == .orderedSame }) {
                admin.cdnOrigins[t, default: []].append(o)
            }
            return nil
        case "GetTenantCdnOrigins":
            return .value(JSON(admin.cdnOrigins[try cdnType(params, name)] ?? []))
        case "AddTenantCdnOrigin":
            let t = try cdnType(params, name)
            let origin = try string(params, 1, name)
            guard !origin.trimmingCharacters(in: .whitespaces).isEmpty else { throw CSOMError.argument("The origin cannot be empty.") }
            if (admin.cdnOrigins[t] ?? []).contains(where: { $0.caseInsensitiveCompare(origin) == .orderedSame }) {
                throw CSOMError.argument("The origin \(origin) already exists.")
            }
            admin.cdnOrigins[t, default: []].append(origin)
            return nil
        case "RemoveTenantCdnOrigin":
            let t = try cdnType(params, name)
            let origin = try string(params, 1, name)
            guard let i = admin.cdnOrigins[t]?.firstIndex(where: { $0.caseInsensitiveCompare(origin) == .orderedSame }) else {
                throw CSOMError.argument("The origin \(origin) does not exist.")
            }
            admin.cdnOrigins[t]?.remove(at: i)
            return nil
        case "GetTenantCdnPolicies":
            return .value(JSON((admin.cdnPolicies[try cdnType(params, name)] ?? []).map { "\($0.name);\($0.value)" }))
        case "SetTenantCdnPolicy":
            let t = try cdnType(params, name)
            let policy = try int(params, 1, name)
            let value = try string(params, 2, name)
            guard SPTenantAdminState.policyNames.indices.contains(policy) else {
                throw CSOMError.argument("Specified argument was out of the range of valid values.\r\nParameter name: policy")
            }
            let policyName = SPTenantAdminState.policyNames[policy]
            var list = admin.cdnPolicies[t] ?? SPTenantAdminState.defaultPolicies
            if let i = list.firstIndex(where: { $0.name == policyName }) { list[i].value = value } else { list.append((name: policyName, value: value)) }
            admin.cdnPolicies[t] = list
            return nil
        case "Update":
            return nil
        default:
            throw CSOMError.invalid("The method \(name) is not supported on Tenant.")
        }
    }

    /// Storage entities (tenant properties) through an app catalog's root web; kept tenant-wide.
    func webMethod(_ url: String, _ name: String, _ params: [CSOMParam]) throws -> CSOMObject? {
        switch name {
        case "SetStorageEntity":
            guard canWrite else { throw CSOMError.accessDenied }
            try requireTenant(write: true)
            let key = try string(params, 0, name)
            guard !key.isEmpty else { throw CSOMError.argument("Value cannot be null.\r\nParameter name: key") }
            admin.storageEntities[key] = ["Value": .string(try string(params, 1, name)), "Description": .string(try string(params, 2, name)),
                                          "Comment": .string(try string(params, 3, name))]
            return nil
        case "RemoveStorageEntity":
            guard canWrite else { throw CSOMError.accessDenied }
            try requireTenant(write: true)
            _ = admin.storageEntities.removeValue(forKey: try string(params, 0, name))
            return nil
        case "GetStorageEntity":
            let key = try string(params, 0, name)
            guard let e = admin.storageEntities[key]?.objectValue else { return .value(.null) }
            var o: JSONObject = ["_ObjectType_": "SP.StorageEntity"]
            for (k, v) in e { o[k] = v }
            return .value(.object(o))
        default:
            throw CSOMError.invalid("The method \(name) is not supported on SP.Web.")
        }
    }

    // MARK: Properties

    func setProperty(_ obj: CSOMObject, name: String, _ p: CSOMParam) throws {
        switch obj {
        case .tenant:
            try requireTenant(write: true)
            guard let current = admin.settings[name], !["PublicCdnOrigins", "RootSiteUrl", "CompatibilityRange", "ResourceQuotaAllocated",
                                                        "StorageQuotaAllocated"].contains(name) else {
                if admin.settings[name] != nil { throw CSOMError.invalid("The property '\(name)' is read-only.") }
                throw CSOMError.invalid("The property '\(name)' does not exist on type 'Microsoft.Online.SharePoint.TenantAdministration.Tenant'.")
            }
            admin.settings[name] = try typed(p, like: current, name: name)
            if name == "PublicCdnEnabled", let b = admin.settings[name]?.boolValue { admin.cdnEnabled[0] = b }
        case let .siteProperties(ref):
            try requireTenant(write: true)
            // Typed properties the emulator acts on; any other property SiteProperties has (or a
            // known writable one it doesn't render) is kept as sent.
            let samples: [String: JSON] = ["Title": "", "SharingCapability": 0, "LockState": "", "StorageMaximumLevel": 0,
                                           "StorageWarningLevel": 0, "DenyAddAndCustomizePages": 0, "Owner": "", "TimeZoneId": 0,
                                           "Lcid": 0, "Description": ""]
            let writable: Set<String> = ["Classification", "ShareByEmailEnabled", "DisableFlows", "DisableAppViews", "AnonymousLinkExpirationInDays",
                                         "OverrideTenantAnonymousLinkExpirationPolicy", "DefaultSharingLinkType", "DefaultLinkPermission",
                                         "SharingAllowedDomainList", "SharingBlockedDomainList", "SharingDomainRestrictionMode", "SensitivityLabel",
                                         "HubSiteId", "LockReason", "RestrictedAccessControl", "BlockDownloadPolicy", "UserCodeMaximumLevel",
                                         "UserCodeWarningLevel", "AllowSelfServiceUpgrade", "SocialBarOnSitePagesDisabled"]
            let v: JSON
            if let sample = samples[name] {
                v = try typed(p, like: sample, name: name)
            } else {
                guard let web = siteRoot(ref.url) else { throw CSOMError.noSite(ref.url) }
                guard siteProperties(web, admin.peekInfo(for: web), detail: false)[name] != nil || writable.contains(name), !name.hasPrefix("_") else {
                    throw CSOMError.invalid("The property '\(name)' does not exist on type 'Microsoft.Online.SharePoint.TenantAdministration.SiteProperties'.")
                }
                v = p.value
            }
            if name == "LockState", !["Unlock", "NoAccess", "ReadOnly", "NoAdditions"].contains(v.stringValue ?? "") {
                throw CSOMError.argument("The LockState '\(v.stringValue ?? "")' is not valid. Use Unlock, NoAccess or ReadOnly.")
            }
            ref.pending.append((name, CSOMParam(type: p.type, value: v)))
        case let .versionPolicies(url, id):
            guard canWrite else { throw CSOMError.accessDenied }
            guard let l = webs[url.lowercased()]?.list(id: id) else { throw CSOMError.invalid("The list \(id) does not exist.") }
            guard ["DefaultTrimMode", "DefaultExpireAfterDays"].contains(name) else {
                throw CSOMError.invalid("The property '\(name)' does not exist on type 'SP.VersionPolicyManager'.")
            }
            let value = try typed(p, like: 0, name: name)
            if name == "DefaultTrimMode", !(0...2).contains(value.intValue ?? -1) { throw CSOMError.argument("The trim mode \(value.scalarText ?? "") is not valid.") }
            l.versionPolicies[name] = value
        case let .navigation(url):
            guard canWrite else { throw CSOMError.accessDenied }
            guard let w = webs[url.lowercased()] else { throw CSOMError.invalid("The web \(url) does not exist.") }
            guard name == "UseShared" else { throw CSOMError.invalid("The property '\(name)' does not exist on type 'SP.Navigation'.") }
            w.navigationUseShared = try typed(p, like: false, name: name).boolValue ?? false
        case let .field(url, list, id):
            try setFieldProperty(url, list, id, name, p)
        case let .site(url):
            guard canWrite else { throw CSOMError.accessDenied }
            guard let web = siteRoot(url) else { throw CSOMError.noSite(url) }
            let allowed: [String: JSON] = ["Classification": "", "ShareByEmailEnabled": false, "DisableFlows": false, "CommentsOnSitePagesDisabled": false,
                                           "SocialBarOnSitePagesDisabled": false, "DisableAppViews": false, "DisableCompanyWideSharingLinks": false]
            guard let sample = allowed[name] else {
                throw CSOMError.invalid("The property '\(name)' does not exist on type 'SP.Site'.")
            }
            admin.info(for: web).siteExtra[name] = try typed(p, like: sample, name: name)
        case let .contentModel(ref):
            try contentModelSet(ref, name, p)
        default:
            throw CSOMError.invalid("The property '\(name)' cannot be set on this object.")
        }
    }

    /// The parameter's value if its type fits the property's current value. A String parameter
    /// is converted as SharePoint does (CLI's `spo tenant settings set` sends every value as
    /// String): "true"/"false" for Booleans, digits for numbers.
    func typed(_ p: CSOMParam, like current: JSON, name: String) throws -> JSON {
        let numeric: Set<String> = ["Enum", "Int32", "Int64", "UInt32", "UInt64", "Int16", "UInt16", "Byte", "SByte", "Double", "Single", "Decimal"]
        func mismatch(_ expected: String) -> CSOMError {
            CSOMError.invalid("Cannot convert the value '\(p.value.scalarText ?? p.type)' of type '\(p.type)' to the type '\(expected)' of property '\(name)'.")
        }
        switch current {
        case .bool:
            switch p.value {
            case .bool: return p.value
            case let .string(s) where p.type == "String":
                switch s.trimmingCharacters(in: .whitespaces).lowercased() {
                case "true": return true
                case "false": return false
                default: throw mismatch("Boolean")
                }
            default: throw mismatch("Boolean")
            }
        case .number:
            switch p.value {
            case .number where numeric.contains(p.type): return p.value
            case let .string(s) where p.type == "String":
                guard let n = Double(s.trimmingCharacters(in: .whitespaces)) else { throw mismatch("Int32") }
                return .number(n)
            default: throw mismatch("Int32")
            }
        case .array:
            guard case .array = p.value else { throw mismatch("Array") }
            return p.value
        case .string, .null:
            switch p.value {
            case .string, .null: return p.value
            default: throw mismatch("String")
            }
        case .object:
            throw mismatch("Object")
        }
    }

    /// Applies SetProperty changes of a SiteProperties object (its `Update`).
    func commit(_ ref: CSOMSitePropertiesRef) throws {
        guard let web = siteRoot(ref.url) else { throw CSOMError.noSite(ref.url) }
        let info = admin.info(for: web)
        for (name, p) in ref.pending {
            let n = p.value.numberValue.map(Int.init) ?? 0
            switch name {
            case "Title": web.title = p.value.stringValue ?? web.title
            case "Description": web.description = p.value.stringValue ?? web.description
            case "SharingCapability": info.sharingCapability = n
            case "LockState": info.lockState = p.value.stringValue ?? info.lockState
            case "StorageMaximumLevel": info.storageMaximumLevel = n
            case "StorageWarningLevel": info.storageWarningLevel = n
            case "DenyAddAndCustomizePages": info.denyAddAndCustomizePages = n
            case "Owner": info.owner = p.value.stringValue ?? info.owner
            case "TimeZoneId": info.timeZoneId = n
            case "Lcid": info.lcid = n
            default: info.extra[name] = p.value
            }
        }
        ref.pending = []
        info.lastContentModified = Date()
    }

    // MARK: Rendering

    func properties(_ obj: CSOMObject, detail: Bool = true) throws -> JSONObject {
        switch obj {
        case .tenant:
            var o: JSONObject = ["_ObjectType_": "Microsoft.Online.SharePoint.TenantAdministration.Tenant",
                                 "_ObjectIdentity_": .string("\(identityPrefix)\nTenant")]
            for (k, v) in admin.settings { o[k] = v }
            o["PublicCdnEnabled"] = .bool(admin.cdnEnabled[0] ?? false)
            o["PublicCdnOrigins"] = JSON(admin.cdnOrigins[0] ?? [])
            if o["RootSiteUrl"]?.stringValue?.isEmpty != false { o["RootSiteUrl"] = .string("https://\(rootHost)") }
            return o
        case let .siteProperties(ref):
            guard let web = siteRoot(ref.url) else { throw CSOMError.noSite(ref.url) }
            return siteProperties(web, admin.peekInfo(for: web), detail: detail)
        case let .enumerable(own, _):
            return own
        case let .operation(id):
            guard let op = admin.operations[id] else { throw CSOMError.invalid("The operation no longer exists.") }
            let complete = op.completeAtOnce || op.request != trace
            let ticks = Int64(op.started.timeIntervalSince1970 * 10_000_000) + 621_355_968_000_000_000
            return ["_ObjectType_": "Microsoft.Online.SharePoint.TenantAdministration.SpoOperation",
                    "_ObjectIdentity_": .string("\(identityPrefix)\nSpoOperation\n\(op.kind)\n\(ticks)\n\(SharePointCSOM.encodeURL(op.url))\n\(op.id)"),
                    "HasTimedout": false, "IsComplete": .bool(complete), "PollingInterval": JSON(op.pollingInterval)]
        case let .site(url):
            guard let w = webs[url.lowercased()] else { throw CSOMError.noSite(url) }
            return ["_ObjectType_": "SP.Site", "_ObjectIdentity_": .string("\(contentPrefix):site:\(w.siteId)"),
                    "Id": .string("/Guid(\(w.siteId))/"), "ServerRelativeUrl": .string(w.serverRelativeUrl), "Url": .string(w.url),
                    "ReadOnly": false]
        case let .web(url):
            guard let w = webs[url.lowercased()] else { throw CSOMError.invalid("The web \(url) does not exist.") }
            var o: JSONObject = ["_ObjectType_": "SP.Web", "_ObjectIdentity_": .string("\(contentPrefix):site:\(w.siteId):web:\(w.id)"),
                    "Id": .string("/Guid(\(w.id))/"), "Title": .string(w.title), "Description": .string(w.description),
                    "Url": .string(w.url), "ServerRelativeUrl": .string(w.serverRelativeUrl), "WebTemplate": .string(w.webTemplate),
                    "Language": JSON(w.language), "Created": SharePointCSOM.date(SharePointCSOM.isoDate(w.created))]
            for (k, v) in webExtraProperties(w) { o[k] = v }
            return o
        case let .navigation(url):
            guard let w = webs[url.lowercased()] else { throw CSOMError.invalid("The web \(url) does not exist.") }
            return ["_ObjectType_": "SP.Navigation", "UseShared": .bool(w.navigationUseShared)]
        case .tenantAppCatalog:
            return ["_ObjectType_": "Microsoft.SharePoint.Marketplace.CorporateCuratedGallery.TenantCorporateCatalogAccessor"]
        case .lists:
            return ["_ObjectType_": "SP.ListCollection"]
        case let .list(url, id):
            guard let w = webs[url.lowercased()], let l = w.list(id: id) else { throw CSOMError.invalid("The list \(id) does not exist.") }
            return ["_ObjectType_": "SP.List", "_ObjectIdentity_": .string("\(contentPrefix):site:\(w.siteId):web:\(w.id):list:\(l.id)"),
                    "Id": .string("/Guid(\(l.id))/"), "Title": .string(l.title)]
        case .fields:
            return ["_ObjectType_": "SP.FieldCollection"]
        case let .field(url, list, id):
            return try fieldProperties(url, list, id)
        case let .listItem(url, list, item):
            guard let l = webs[url.lowercased()]?.list(id: list), let i = l.position(of: item) else { throw CSOMError.invalid("The item \(item) does not exist.") }
            var o: JSONObject = ["_ObjectType_": "SP.ListItem", "Id": JSON(item)]
            for (k, v) in l.items[i].fields { o[k] = v }
            return o
        case let .versionPolicies(url, id):
            guard let l = webs[url.lowercased()]?.list(id: id) else { throw CSOMError.invalid("The list \(id) does not exist.") }
            var o: JSONObject = ["_ObjectType_": "SP.VersionPolicyManager"]
            for (k, v) in l.versionPolicies { o[k] = v }
            return o
        case .siteCollectionAppCatalogs:
            return ["_ObjectType_": "Microsoft.SharePoint.Marketplace.CorporateCuratedGallery.SiteCollectionAppCatalogAllowedItemCollection"]
        case .context:
            return ["_ObjectType_": "SP.ClientContext"]
        case let .deletedSite(key):
            guard admin.deleted[key] != nil else { throw CSOMError("Unknown Error", -1, "Microsoft.SharePoint.Client.UnknownError") }
            return deletedSiteProperties(key)
        case let .value(v):
            return v.objectValue ?? [:]
        case let .contentModel(ref):
            return try contentModelProperties(ref)
        case .folder, .propertyBag:
            return try propertyBagProperties(obj)
        }
    }

    func render(_ obj: CSOMObject, query: CSOMXMLElement?, childQuery: CSOMXMLElement?, all: Bool = false) throws -> JSON {
        if case let .value(v) = obj { return v }
        var out = project(try properties(obj), query, all: all)
        if case let .enumerable(_, children) = obj {
            out["_Child_Items_"] = .array(children.map { .object(project($0, childQuery, all: childQuery == nil)) })
        }
        return .object(out)
    }

    /// Properties SharePoint sends only when a query names them, never with "all properties".
    static let namedOnly: Set<String> = ["HideDefaultThemes", "AllProperties", "EffectiveBasePermissions"]

    func project(_ props: JSONObject, _ query: CSOMXMLElement?, all: Bool) -> JSONObject {
        let named = Set((query?.child("Properties")?.children ?? []).compactMap { $0["Name"] })
        if all || query?["SelectAllProperties"]?.lowercased() == "true" {
            var out = props
            for name in Self.namedOnly where !named.contains(name) { out[name] = nil }
            return out
        }
        var out = JSONObject()
        for k in ["_ObjectType_", "_ObjectIdentity_"] { if let v = props[k] { out[k] = v } }
        for p in query?.child("Properties")?.children ?? [] {
            if let name = p["Name"], let v = props[name] { out[name] = v }
        }
        return out
    }
}

/// The PowerShell-like filter of site listings: `Url -like 'x' -and Title -eq 'y'`, with
/// `-eq -ne -like -notlike`, `-and -or` and parentheses. `-like` matches a substring (stars are
/// ignored); comparisons are case-insensitive; properties are SiteProperties names.
indirect enum SiteFilter {
    case compare(String, String, String)
    case and(SiteFilter, SiteFilter)
    case or(SiteFilter, SiteFilter)

    static func parse(_ text: String) throws -> SiteFilter? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        var tokens = try tokenize(trimmed)[...]
        // Each token adds at most one level to the tree: bounding them bounds the recursion.
        guard tokens.count <= 1_000 else { throw bad(text) }
        let f = try parseOr(&tokens, text)
        guard tokens.isEmpty else { throw bad(text) }
        return f
    }

    static func bad(_ text: String) -> CSOMError {
        CSOMError.argument("The filter '\(text)' is not valid. Use expressions like \"Url -like 'sales'\" joined by -and / -or.")
    }

    enum Token: Equatable { case word(String), op(String), quoted(String), open, close }

    static func tokenize(_ s: String) throws -> [Token] {
        var out: [Token] = []
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c.isWhitespace { i = s.index(after: i); continue }
            if c == "(" { out.append(.open); i = s.index(after: i); continue }
            if c == ")" { out.append(.close); i = s.index(after: i); continue }
            if c == "'" || c == "\"" {
                var value = ""
                var j = s.index(after: i)
                var closed = false
                while j < s.endIndex {
                    if s[j] == c {
                        let n = s.index(after: j)
                        if n < s.endIndex && s[n] == c { value.append(c); j = s.index(after: n); continue }
                        closed = true
                        j = n
                        break
                    }
                    value.append(s[j])
                    j = s.index(after: j)
                }
                guard closed else { throw bad(s) }
                out.append(.quoted(value))
                i = j
                continue
            }
            var j = i
            while j < s.endIndex, !s[j].isWhitespace, s[j] != "(", s[j] != ")" { j = s.index(after: j) }
            let word = String(s[i..<j])
            out.append(word.hasPrefix("-") ? .op(word.lowercased()) : .word(word))
            i = j
        }
        return out
    }

    static func parseOr(_ t: inout ArraySlice<Token>, _ text: String) throws -> SiteFilter {
        var left = try parseAnd(&t, text)
        while t.first == .op("-or") {
            t.removeFirst()
            left = .or(left, try parseAnd(&t, text))
        }
        return left
    }

    static func parseAnd(_ t: inout ArraySlice<Token>, _ text: String) throws -> SiteFilter {
        var left = try parsePrimary(&t, text)
        while t.first == .op("-and") {
            t.removeFirst()
            left = .and(left, try parsePrimary(&t, text))
        }
        return left
    }

    static func parsePrimary(_ t: inout ArraySlice<Token>, _ text: String) throws -> SiteFilter {
        guard let first = t.popFirst() else { throw bad(text) }
        if first == .open {
            let inner = try parseOr(&t, text)
            guard t.popFirst() == .close else { throw bad(text) }
            return inner
        }
        guard case let .word(prop) = first, case let .op(op)? = t.popFirst(), ["-eq", "-ne", "-like", "-notlike"].contains(op) else { throw bad(text) }
        guard let v = t.popFirst() else { throw bad(text) }
        switch v {
        case let .quoted(s), let .word(s): return .compare(prop, op, s)
        default: throw bad(text)
        }
    }

    func matches(_ props: JSONObject) throws -> Bool {
        switch self {
        case let .and(a, b): return try a.matches(props) && b.matches(props)
        case let .or(a, b): return try a.matches(props) || b.matches(props)
        case let .compare(prop, op, value):
            guard let key = props.keys.first(where: { $0.caseInsensitiveCompare(prop) == .orderedSame && !$0.hasPrefix("_") }) else {
                throw CSOMError.argument("The filter property '\(prop)' is not valid.")
            }
            var actual: String
            switch props[key] ?? .null {
            case let .string(s): actual = s
            case let .number(n): actual = String(Int(n))
            case let .bool(b): actual = b ? "True" : "False"
            default: actual = ""
            }
            if actual.hasPrefix("/Guid("), actual.hasSuffix(")/") { actual = String(actual.dropFirst(6).dropLast(2)) }
            let a = actual.lowercased()
            let v = value.lowercased()
            switch op {
            case "-eq": return a == v
            case "-ne": return a != v
            case "-like", "-notlike":
                let needle = v.replacingOccurrences(of: "*", with: "")
                let hit = needle.isEmpty || a.contains(needle)
                return op == "-like" ? hit : !hit
            default: return false
            }
        }
    }
}
