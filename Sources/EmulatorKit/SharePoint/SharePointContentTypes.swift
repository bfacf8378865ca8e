import Foundation
import JSONModel
import NIOHTTP1

/// Site and list content types over REST (`_api/web/contenttypes`, `{list}/contenttypes`,
/// `AddAvailableContentType`, field links, a list's content type order on its root folder), their
/// CSOM objects (`ContentTypes.Add`, `SetProperty` and `Update`, `FieldLinks.Add`/`GetById`/
/// `DeleteObject`), the taxonomy session's term store that names the content type hub, and
/// Graph's `addCopyFromContentTypeHub`. The objects live in `SPWeb.contentTypes` and
/// `SPList.contentTypes` (SharePointContentModel.swift); touch them only under the store's lock.
enum SharePointContentTypes {
    typealias On = (HTTPMethod, String, @escaping SharePointEndpoints.Handler) -> Void

    static func register(_ on: On) {
        on(.GET, "_api/web/contenttypes", { r, _ in try collection(r, list: nil, available: false) })
        on(.GET, "_api/web/availablecontenttypes", { r, _ in try collection(r, list: nil, available: true) })
        on(.GET, "_api/web/contenttypes/{ct}", { r, p in try single(r, list: nil, p["ct"]!) })
        on(.DELETE, "_api/web/contenttypes/{ct}", { r, p in try remove(r, list: nil, p["ct"]!) })
        on(.GET, "_api/web/contenttypes/{ct}/fields", { r, p in try fields(r, list: nil, p["ct"]!) })
        on(.GET, "_api/web/contenttypes/{ct}/fieldlinks", { r, p in try fieldLinks(r, list: nil, p["ct"]!, link: nil) })
        on(.GET, "_api/web/contenttypes/{ct}/fieldlinks/{link}", { r, p in try fieldLinks(r, list: nil, p["ct"]!, link: p["link"]!) })
        on(.GET, "_api/web/lists/{list}/contenttypes", { r, p in try collection(r, list: p["list"]!, available: false) })
        on(.GET, "_api/web/lists/{list}/contenttypes/{ct}", { r, p in try single(r, list: p["list"]!, p["ct"]!) })
        on(.DELETE, "_api/web/lists/{list}/contenttypes/{ct}", { r, p in try remove(r, list: p["list"]!, p["ct"]!) })
        on(.GET, "_api/web/lists/{list}/contenttypes/{ct}/fields", { r, p in try fields(r, list: p["list"]!, p["ct"]!) })
        on(.GET, "_api/web/lists/{list}/contenttypes/{ct}/fieldlinks", { r, p in try fieldLinks(r, list: p["list"]!, p["ct"]!, link: nil) })
        on(.GET, "_api/web/lists/{list}/contenttypes/{ct}/fieldlinks/{link}", { r, p in try fieldLinks(r, list: p["list"]!, p["ct"]!, link: p["link"]!) })
        on(.POST, "_api/web/lists/{list}/contenttypes/addavailablecontenttype", addAvailable)
        on(.GET, "_api/web/lists/{list}/rootfolder", listRootFolder)
        on(.PATCH, "_api/web/lists/{list}/rootfolder", updateListRootFolder)
    }

    // MARK: The content type hub

    /// Every tenant's hub: `https://<tenant>.sharepoint.com/sites/contentTypeHub`.
    static let hubPath = "/sites/contentTypeHub"

    static func isHub(_ url: String) -> Bool { url.lowercased().hasSuffix(hubPath.lowercased()) && url.lowercased().split(separator: "/").count == 4 }

    /// The hub site of a tenant whose seed has SharePoint sites (SharePoint makes one for every
    /// tenant); a seeded one is kept. The emulator leaves it out of the admin center's site
    /// listing and out of search, as a system site.
    static func addHub(to webs: inout [String: SPWeb]) {
        guard let root = webs.values.first(where: { w in
            let host = w.url.dropFirst("https://".count)
            return !host.contains("/") && !host.contains("-admin.") && !host.contains("-my.")
        }) else { return }
        let url = root.url + hubPath
        guard webs[url.lowercased()] == nil else { return }
        let web = SPWeb(id: Util.nameGUID("web/\(url)"), url: url, siteCollectionURL: url, siteId: Util.nameGUID("site/\(url)"),
                        title: "Content Type Hub", description: "", webTemplate: "STS", language: 1033, created: "2020-01-01T00:00:00Z")
        web.lists.append(SPList(id: Util.nameGUID("list/\(url)/Documents"), title: "Documents", description: "", baseTemplate: 101,
                                url: "Shared Documents", created: "2020-01-01T00:00:00Z"))
        webs[url.lowercased()] = web
    }

    // MARK: Ids

    /// `0x` followed by pairs of hex digits.
    static func isValidId(_ id: String) -> Bool {
        let hex = id.dropFirst(2)
        return id.lowercased().hasPrefix("0x") && hex.count % 2 == 0 && hex.allSatisfy { $0.isASCII && $0.isHexDigit }
    }

    /// The parent's id: an id is its parent's and either two more digits (`0x0101` → `0x01` →
    /// `0x`) or `00` and a GUID. The text alone can't always tell which (a GUID may begin with
    /// `00`), so the candidate that `isKnown` (an existing type) wins, the shorter suffix first;
    /// with neither known, the `00<GUID>` reading when it fits. Nil for System (`0x`).
    static func parentId(_ id: String, isKnown: (String) -> Bool = { _ in false }) -> String? {
        let hex = id.dropFirst(2)
        guard !hex.isEmpty else { return nil }
        let short = "0x" + hex.dropLast(2)
        let long = hex.count >= 34 && hex.dropLast(32).hasSuffix("00") ? "0x" + hex.dropLast(34) : nil
        if isKnown(short) { return short }
        if let long, isKnown(long) { return long }
        return long ?? short
    }

    /// The parent's id among the types a web (and its parents) or a list has.
    static func parentId(_ id: String, list: SPList?, _ chain: [SPWeb]) -> String? {
        parentId(id) { pid in list?.contentTypes.contains { same($0.id, pid) } == true || available(pid, chain) != nil }
    }

    /// Whether `child` is a direct child of `parent` (two more digits, or `00` and a GUID).
    static func isChild(_ child: String, of parent: String) -> Bool {
        guard child.count > parent.count, child.uppercased().hasPrefix(parent.uppercased()) else { return false }
        let rest = child.dropFirst(parent.count)
        return rest.count == 2 || (rest.count == 34 && rest.hasPrefix("00"))
    }

    static func same(_ a: String, _ b: String) -> Bool { a.caseInsensitiveCompare(b) == .orderedSame }

    /// A child id: the parent's, `00` and a GUID without dashes.
    static func childId(of parent: String) -> String {
        parent + "00" + Util.newGUID().replacingOccurrences(of: "-", with: "").uppercased()
    }

    /// The root of every content type, which no web lists.
    static let system = SPContentType.make(id: "0x", name: "System", group: "_Hidden", scope: "",
                                           extra: ["Hidden": true, "ReadOnly": true, "Sealed": true])

    // MARK: Webs

    /// The web and its parents up to the site collection's root web, whose content types the
    /// web's lists may use. Call under the lock.
    static func chain(_ web: SPWeb, _ webs: [String: SPWeb]) -> [SPWeb] {
        var out = [web], url = web.url
        while url.count > web.siteCollectionURL.count, let slash = url.lastIndex(of: "/") {
            url = String(url[..<slash])
            if let parent = webs[url.lowercased()] { out.append(parent) }
        }
        return out
    }

    /// A site content type available to `web` (its own or a parent's), or System.
    static func available(_ id: String, _ chain: [SPWeb]) -> SPContentType? {
        if id == "0x" { return system }
        for w in chain { if let ct = w.contentTypes.first(where: { same($0.id, id) }) { return ct } }
        return nil
    }

    /// A site column the web sees (its own or a parent's).
    static func siteField(_ id: String, _ chain: [SPWeb]) -> SPField? {
        for w in chain { if let f = w.fields.first(where: { same($0.id, id) }) { return f } }
        return nil
    }

    /// REST properties with `Parent` (the parent type, for `$expand=Parent`).
    static func rest(_ ct: SPContentType, list: SPList?, _ chain: [SPWeb]) -> JSONObject {
        var props = ct.restProps
        let parent = parentId(ct.id, list: list, chain).flatMap { pid in list?.contentTypes.first { same($0.id, pid) } ?? available(pid, chain) }
        props["Parent"] = parent.map { .object($0.restProps) } ?? .null
        return props
    }

    static func meta(_ ct: SPContentType, list: SPList?) -> SPMeta {
        let base = list.map { "Web/Lists(guid'\($0.id)')" } ?? "Web"
        return SPMeta(type: "SP.ContentType", editLink: "\(base)/ContentTypes('\(ct.id)')")
    }

    static let navigation = ["Parent"]

    /// `{"odata.null":true}`: what SharePoint answers for an addressed object that isn't there.
    static func null(_ r: SharePointRequest) -> EmulatorResponse {
        switch r.format {
        case .verbose: return .json(["d": nil])
        case .minimalV4, .noneV4: return .json(["@odata.null": true])
        case .minimal, .nometadata: return .json(["odata.null": true])
        }
    }

    // MARK: REST

    static func collection(_ r: SharePointRequest, list ref: String?, available: Bool) throws -> EmulatorResponse {
        let rows: [(JSONObject, SPMeta)] = try r.store.with(r.tenant.id) { webs in
            let chain = chain(r.web, webs)
            if let ref {
                let l = try SharePointEndpoints.resolve(ref, in: r.web)
                return l.contentTypes.map { (rest($0, list: l, chain), meta($0, list: l)) }
            }
            let webs = available ? chain : [r.web]
            var seen = Set<String>()
            return webs.flatMap(\.contentTypes).filter { seen.insert($0.id.lowercased()).inserted }
                .map { (rest($0, list: nil, chain), meta($0, list: nil)) }
        }
        // An empty collection (a sub-site's own types) still knows a content type's properties.
        let names = SPQuery.propertyNames(rows.isEmpty ? [system.restProps] : rows.map(\.0)).filter { !navigation.contains($0) }
        let q = try SPQuery(r.request, properties: names, typeName: "SP.ContentType", navigation: navigation)
        let render = SPRender(r)
        let page = q.sorted(rows, { $0.0 }).filter { q.matches($0.0) }.prefix(q.top ?? Int.max)
        return .json(render.collection(page.map { render.entry(q.project($0.0), $0.1) }, context: "SP.ApiData.ContentTypes", next: nil))
    }

    static func single(_ r: SharePointRequest, list ref: String?, _ id: String) throws -> EmulatorResponse {
        let found: (JSONObject, SPMeta)? = try r.store.with(r.tenant.id) { webs in
            let chain = chain(r.web, webs)
            let l = try ref.map { try SharePointEndpoints.resolve($0, in: r.web) }
            let types = l?.contentTypes ?? r.web.contentTypes
            return types.first { same($0.id, id) }.map { (rest($0, list: l, chain), meta($0, list: l)) }
        }
        guard let (props, meta) = found else { return null(r) }
        let q = try SPQuery(r.request, properties: Array(props.keys).filter { !navigation.contains($0) }, typeName: "SP.ContentType",
                            navigation: navigation)
        return .json(SPRender(r).entity(q.project(props), meta, context: "SP.ApiData.ContentTypes"))
    }

    /// SharePoint's refusal to delete a site content type other types or lists derive from.
    static let inUse = SPError(.badRequest, "-2146232832, Microsoft.SharePoint.SPException",
                               "Another site or list is still using this content type. If you would still like to delete it, please remove the content type from all sites and lists that are currently using it.")

    static func remove(_ r: SharePointRequest, list ref: String?, _ id: String) throws -> EmulatorResponse {
        let removed: Bool = try r.store.with(r.tenant.id) { webs in
            if let ref {
                let l = try SharePointEndpoints.resolve(ref, in: r.web)
                guard let i = l.contentTypes.firstIndex(where: { same($0.id, id) }) else { return false }
                if l.contentTypes[i].props["ReadOnly"]?.boolValue == true || l.contentTypes[i].props["Sealed"]?.boolValue == true {
                    throw SPError(.badRequest, "-2146232832, Microsoft.SharePoint.SPException", "The content type is read only.")
                }
                l.contentTypes.remove(at: i)
                l.uniqueContentTypeOrder?.removeAll { same($0, id) }
                return true
            }
            guard let i = r.web.contentTypes.firstIndex(where: { same($0.id, id) }) else { return false }
            // In use: a site type below it in this site collection, or a list's copy of it.
            let site = webs.values.filter { same($0.siteCollectionURL, r.web.siteCollectionURL) }
            let used = site.contains { w in
                w.contentTypes.contains { !same($0.id, id) && $0.id.uppercased().hasPrefix(id.uppercased()) }
                    || w.lists.contains { l in l.contentTypes.contains { isChild($0.id, of: id) } }
            }
            if used { throw inUse }
            r.web.contentTypes.remove(at: i)
            return true
        }
        return removed ? .json(.object([:])) : null(r)
    }

    static func fields(_ r: SharePointRequest, list ref: String?, _ id: String) throws -> EmulatorResponse {
        let rows: [(JSONObject, SPMeta)]? = try r.store.with(r.tenant.id) { webs in
            let chain = chain(r.web, webs)
            let l = try ref.map { try SharePointEndpoints.resolve($0, in: r.web) }
            guard let ct = (l?.contentTypes ?? r.web.contentTypes).first(where: { same($0.id, id) }) else { return nil }
            return ct.fieldLinks.compactMap { link -> (JSONObject, SPMeta)? in
                let field = l.map { $0.fields.first { f in same(f.id, link.id) } } ?? siteField(link.id, chain)
                guard var props = field?.props else { return nil }
                // The type's settings of the column (its field link) are the column's in the type.
                props["Hidden"] = .bool(link.hidden || (props["Hidden"]?.boolValue ?? false))
                props["Required"] = .bool(link.required)
                let base = l.map { "Web/Lists(guid'\($0.id)')" } ?? "Web"
                return (props, SPMeta(type: "SP.Field", editLink: "\(base)/ContentTypes('\(ct.id)')/Fields(guid'\(link.id)')"))
            }
        }
        guard let rows else { throw SPError.invalidQuery("The content type with Id \"\(id)\" could not be found.") }
        let q = try SPQuery(r.request, properties: SPQuery.propertyNames(rows.map(\.0)), typeName: "SP.Field")
        let render = SPRender(r)
        let page = q.sorted(rows, { $0.0 }).filter { q.matches($0.0) }.prefix(q.top ?? Int.max)
        return .json(render.collection(page.map { render.entry(q.project($0.0), $0.1) }, context: "SP.ApiData.Fields", next: nil))
    }

    static func fieldLinks(_ r: SharePointRequest, list ref: String?, _ id: String, link: String?) throws -> EmulatorResponse {
        let links: [SPFieldLink]? = try r.store.locked {
            let l = try ref.map { try SharePointEndpoints.resolve($0, in: r.web) }
            return (l?.contentTypes ?? r.web.contentTypes).first(where: { same($0.id, id) })?.fieldLinks
        }
        let render = SPRender(r)
        func meta(_ f: SPFieldLink) -> SPMeta { SPMeta(type: "SP.FieldLink", editLink: "Web/ContentTypes('\(id)')/FieldLinks(guid'\(f.id)')") }
        if let link {
            let wanted = link.trimmingCharacters(in: ["{", "}"])
            guard let f = links?.first(where: { same($0.id, wanted) }) else { return null(r) }
            return .json(render.entity(f.props, meta(f), context: "SP.ApiData.FieldLinks"))
        }
        guard let links else { return null(r) }
        return .json(render.collection(links.map { render.entry($0.props, meta($0)) }, context: "SP.ApiData.FieldLinks", next: nil))
    }

    /// `POST {list}/ContentTypes/AddAvailableContentType`: the list's own copy of a site type
    /// (the site type's id, `00` and a new GUID), with the type's columns added to the list.
    /// Content types become enabled on the list (`ContentTypesEnabled`), as the list needs them
    /// to offer a second type.
    static func addAvailable(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        guard let id = body["contentTypeId"]?.stringValue else {
            throw SPError.invalidQuery("The parameter contentTypeId does not exist in method AddAvailableContentType.")
        }
        let (props, meta): (JSONObject, SPMeta) = try r.store.with(r.tenant.id) { webs in
            let chain = chain(r.web, webs)
            let l = try SharePointEndpoints.resolve(p["list"]!, in: r.web)
            guard let site = available(id, chain), site.id != "0x" else {
                throw SPError(.badRequest, "-2147024809, System.ArgumentException", "Value does not fall within the expected range.")
            }
            guard l.allowContentTypes else {
                throw SPError(.badRequest, "-2146232832, Microsoft.SharePoint.SPException", "Content types are not allowed on this list.")
            }
            if l.contentTypes.contains(where: { same($0.name, site.name) || isChild($0.id, of: site.id) }) {
                throw SPError(.badRequest, "-2146232832, Microsoft.SharePoint.SPException", "A duplicate content type \"\(site.name)\" was found.")
            }
            let ct = listCopy(of: site, in: l, chain)
            l.contentTypes.append(ct)
            l.settings["ContentTypesEnabled"] = true
            if l.uniqueContentTypeOrder != nil, !isFolder(ct.id) { l.uniqueContentTypeOrder?.append(ct.id) }
            return (ct.restProps, SharePointContentTypes.meta(ct, list: l))
        }
        return .json(SPRender(r).entity(props, meta, context: "SP.ApiData.ContentTypes"))
    }

    /// A list's copy of a site type, whose columns the list gets if it lacks them. Call under the lock.
    static func listCopy(of site: SPContentType, in l: SPList, _ chain: [SPWeb], id: String? = nil) -> SPContentType {
        var ct = site
        ct.id = id ?? childId(of: site.id)
        ct.props["Scope"] = .string(l.serverRelativeURL)
        ct.props["SchemaXml"] = .string("<ContentType ID=\"\(ct.id)\" Name=\"\(SPXMLText.attribute(ct.name))\" Group=\"\(SPXMLText.attribute(ct.props["Group"]?.stringValue ?? ""))\" />")
        for link in site.fieldLinks where !l.fields.contains(where: { same($0.id, link.id) || $0.internalName == link.name }) {
            if var field = siteField(link.id, chain) {
                field.props["Scope"] = .string(l.serverRelativeURL)
                l.fields.append(field)
            }
        }
        return ct
    }

    static func isFolder(_ id: String) -> Bool { id.uppercased().hasPrefix("0X0120") }

    // MARK: A list's content type order (its root folder)

    /// The order of the New menu: the list's types but folders and hidden ones.
    static func contentTypeOrder(_ l: SPList) -> [JSON] {
        l.contentTypes.filter { !isFolder($0.id) && $0.props["Hidden"]?.boolValue != true }.map { ["StringValue": .string($0.id)] }
    }

    static let orderNames = ["ContentTypeOrder", "UniqueContentTypeOrder"]

    /// `GET {list}/RootFolder`: the folder, with `ContentTypeOrder` and `UniqueContentTypeOrder`.
    static func listRootFolder(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let (url, order, unique) = try r.store.locked {
            let l = try SharePointEndpoints.resolve(p["list"]!, in: r.web)
            return (SharePointFiles.rootURL(l, r), contentTypeOrder(l), l.uniqueContentTypeOrder.map { JSON.array($0.map { ["StringValue": .string($0)] }) } ?? .null)
        }
        let asked = (r.request.query["$select"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        // Anything but the order (expansions of the folder's item, its other properties) is the folder's.
        guard !asked.isEmpty, asked.allSatisfy({ name in orderNames.contains { $0.lowercased() == name } }) else {
            return try SharePointFiles.getFolder(r, url, [:])
        }
        let props: JSONObject = ["ContentTypeOrder": .array(order), "UniqueContentTypeOrder": unique]
        let q = try SPQuery(r.request, properties: orderNames, typeName: "SP.Folder")
        return .json(SPRender(r).entity(q.project(props), SPMeta(type: "SP.Folder", editLink: "Web/GetFolderByServerRelativePath(decodedurl='\(url)')"),
                                        context: "SP.Folder"))
    }

    /// `MERGE {list}/RootFolder` with `UniqueContentTypeOrder`: the New menu's types, the first the
    /// list's default. Each must be one of the list's types.
    static func updateListRootFolder(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        for k in body.keys where k != "UniqueContentTypeOrder" && k != "__metadata" {
            throw SPError(.badRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
                          "The property '\(k)' does not exist on type 'SP.Folder'. Make sure to only use property names that are defined by the type.")
        }
        guard let value = body["UniqueContentTypeOrder"] else { return EmulatorResponse(status: .noContent) }
        let wanted: [String]? = value.isNull ? nil : try (value.arrayValue ?? value["results"]?.arrayValue ?? []).map { entry in
            guard let id = entry["StringValue"]?.stringValue else { throw SPError.badBody }
            return id
        }
        try r.store.locked {
            let l = try SharePointEndpoints.resolve(p["list"]!, in: r.web)
            for id in wanted ?? [] where !l.contentTypes.contains(where: { same($0.id, id) }) {
                throw SPError(.badRequest, "-2147024809, System.ArgumentException", "Value does not fall within the expected range.")
            }
            l.uniqueContentTypeOrder = wanted?.map { id in l.contentTypes.first { same($0.id, id) }!.id }
        }
        return EmulatorResponse(status: .noContent)
    }
}

// MARK: CSOM

/// A content-model object of a ProcessQuery request (`CSOMObject.contentModel`); SetProperty
/// changes of a content type wait here for its `Update`.
final class CSOMContentRef {
    enum Kind {
        /// A web's or list's `ContentTypes`.
        case contentTypes(web: String, list: String?)
        case contentType(web: String, list: String?, id: String)
        case fieldLinks(web: String, list: String?, contentType: String)
        case fieldLink(web: String, list: String?, contentType: String, id: String)
        case taxonomySession
        case termStore
    }

    let kind: Kind
    var pending: [(String, CSOMParam)] = []
    init(_ kind: Kind) { self.kind = kind }
}

extension CSOMEvaluation {
    static let taxonomySessionTypeId = "981cbc68-9edc-4f8d-872f-71146fcbb84f"
    static let contentTypeCreationTypeId = "168f3091-4554-4f14-8866-b20d48e45b54"

    /// `StaticMethod` paths: the taxonomy session (`TaxonomySession.GetTaxonomySession`).
    func staticMethod(_ el: CSOMXMLElement) throws -> CSOMObject {
        let type = (el["TypeId"] ?? "").trimmingCharacters(in: ["{", "}"]).lowercased()
        guard type == Self.taxonomySessionTypeId, el["Name"] == "GetTaxonomySession" else {
            throw CSOMError.invalid("The static method \(el["Name"] ?? "") is not supported.")
        }
        return .contentModel(CSOMContentRef(.taxonomySession))
    }

    /// Identities below a web: `:list:<id>` (a list) and `[:list:<id>]:contenttype:<id>[:fl:<id>]`;
    /// nil for the others (the caller's).
    func contentModelIdentity(_ w: SPWeb, _ rest: [String], _ name: String) throws -> CSOMObject? {
        var i = 3, list: String?
        if rest.count > 4, rest[3] == "list" {
            guard let l = w.list(id: rest[4]) else { throw CSOMError("List does not exist.", -2130575322, "System.ArgumentException") }
            list = l.id
            if rest.count == 5 { return .list(w.url, l.id) }
            i = 5
        }
        guard rest.count > i + 1 else { return nil }
        switch rest[i] {
        case "contenttype":
            let id = rest[i + 1]
            guard try contentType(w.url, list, id) != nil else { throw SharePointCSOMContent.notFound }
            guard rest.count > i + 3, rest[i + 2] == "fl" else { return .contentModel(CSOMContentRef(.contentType(web: w.url, list: list, id: id))) }
            return .contentModel(CSOMContentRef(.fieldLink(web: w.url, list: list, contentType: id, id: rest[i + 3])))
        default:
            return nil
        }
    }

    func contentModelProperty(_ parent: CSOMObject, _ name: String) throws -> CSOMObject? {
        switch (parent, name) {
        case let (.web(url), "ContentTypes"): return .contentModel(CSOMContentRef(.contentTypes(web: url, list: nil)))
        case let (.list(url, id), "ContentTypes"): return .contentModel(CSOMContentRef(.contentTypes(web: url, list: id)))
        case let (.contentModel(ref), "FieldLinks"):
            guard case let .contentType(web, list, id) = ref.kind else { return nil }
            return .contentModel(CSOMContentRef(.fieldLinks(web: web, list: list, contentType: id)))
        default: return nil
        }
    }

    /// The content type a web or list has (nil when it has none by that id); throws when the web
    /// or list is gone.
    func contentType(_ web: String, _ list: String?, _ id: String) throws -> SPContentType? {
        try withTypes(web, list) { $0.first { SharePointContentTypes.same($0.id, id) } }
    }

    /// Runs `body` on the content types of a web or list.
    func withTypes<T>(_ web: String, _ list: String?, _ body: (inout [SPContentType]) throws -> T) throws -> T {
        guard let w = webs[web.lowercased()] else { throw CSOMError.invalid("The web \(web) does not exist.") }
        if let list {
            guard let l = w.list(id: list) else { throw CSOMError("List does not exist.", -2130575322, "System.ArgumentException") }
            return try body(&l.contentTypes)
        }
        return try body(&w.contentTypes)
    }

    func contentModelCall(_ ref: CSOMContentRef, _ name: String, _ params: [CSOMParam]) throws -> CSOMObject? {
        switch (ref.kind, name) {
        case let (.contentTypes(web, list), "Add"):
            guard canWrite else { throw CSOMError.accessDenied }
            guard let info = params.first?.value.objectValue else { throw CSOMError.invalid("Add expects ContentTypeCreationInformation.") }
            let id = try addContentType(web, list, info)
            return .contentModel(CSOMContentRef(.contentType(web: web, list: list, id: id)))
        case let (.contentTypes(web, list), "GetById"):
            let id = try string(params, 0, name)
            guard try contentType(web, list, id) != nil else { return .value(.null) }
            return .contentModel(CSOMContentRef(.contentType(web: web, list: list, id: id)))
        case let (.contentType(web, list, id), "Update"):
            guard canWrite else { throw CSOMError.accessDenied }
            let children = params.isEmpty ? false : try bool(params, 0, name)
            try updateContentType(web, list, id, ref.pending, children: children)
            ref.pending = []
            return nil
        case let (.contentType(web, list, id), "DeleteObject"):
            guard canWrite else { throw CSOMError.accessDenied }
            try withTypes(web, list) { types in types.removeAll { SharePointContentTypes.same($0.id, id) } }
            return nil
        case let (.fieldLinks(web, list, ct), "GetById"):
            let wanted = try string(params, 0, name).trimmingCharacters(in: ["{", "}"])
            guard try contentType(web, list, ct)?.fieldLinks.contains(where: { SharePointContentTypes.same($0.id, wanted) }) == true else {
                return .contentModel(CSOMContentRef(.fieldLink(web: web, list: list, contentType: ct, id: "")))
            }
            return .contentModel(CSOMContentRef(.fieldLink(web: web, list: list, contentType: ct, id: wanted)))
        case let (.fieldLinks(web, list, ct), "Add"):
            guard canWrite else { throw CSOMError.accessDenied }
            guard let ref = params.first?.value["Field"]?["ObjectPathId"]?.stringValue,
                  case let .field(_, nil, fieldId) = try resolve(ref) else {
                throw CSOMError.invalid("Add expects FieldLinkCreationInformation with a Field.")
            }
            return try addFieldLink(web, list, ct, fieldId)
        case let (.fieldLink(web, list, ct, id), "DeleteObject"):
            guard canWrite else { throw CSOMError.accessDenied }
            let removed = try withTypes(web, list) { types -> Bool in
                guard let i = types.firstIndex(where: { SharePointContentTypes.same($0.id, ct) }),
                      let j = types[i].fieldLinks.firstIndex(where: { SharePointContentTypes.same($0.id, id) }), !id.isEmpty else { return false }
                types[i].fieldLinks.remove(at: j)
                return true
            }
            // FieldLinks.GetById of a link the type doesn't have is a null object.
            guard removed else { throw SharePointCSOMContent.unknown }
            // Pushed to the types below it when the type's Update says so.
            pendingLinkRemovals.append((web, list, ct, id))
            return nil
        case (.taxonomySession, "GetDefaultSiteCollectionTermStore"):
            return .contentModel(CSOMContentRef(.termStore))
        default:
            throw CSOMError.invalid("The method \(name) is not supported on this object.")
        }
    }

    /// `ContentTypes.Add`: a child of the parent its id names (or of Item, with a new id when
    /// none is given); names and ids are unique in the web or list.
    func addContentType(_ web: String, _ list: String?, _ info: JSONObject) throws -> String {
        guard let w = webs[web.lowercased()] else { throw CSOMError.invalid("The web \(web) does not exist.") }
        let chain = SharePointContentTypes.chain(w, webs)
        let name = info["Name"]?.stringValue ?? ""
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw CSOMError.argument("The content type name cannot be empty.") }
        var id = info["Id"]?.stringValue ?? ""
        let parentRef = info["ParentContentType"]?.objectValue?["ObjectPathId"]?.stringValue
        let l = try list.map { lid -> SPList in
            guard let l = w.list(id: lid) else { throw CSOMError("List does not exist.", -2130575322, "System.ArgumentException") }
            return l
        }
        if id.isEmpty {
            var parent = "0x01"
            if let parentRef, case let .contentModel(p) = try resolve(parentRef), case let .contentType(_, _, pid) = p.kind { parent = pid }
            id = SharePointContentTypes.childId(of: parent)
        }
        guard SharePointContentTypes.isValidId(id), id.count > 2 else { throw CSOMError.argument("Value does not fall within the expected range.") }
        id = "0x" + id.dropFirst(2).uppercased()
        let parentId = SharePointContentTypes.parentId(id, list: l, chain) ?? "0x"
        let parent = l?.contentTypes.first { SharePointContentTypes.same($0.id, parentId) } ?? SharePointContentTypes.available(parentId, chain)
        guard let parent else {
            throw CSOMError("The parent content type specified by content type identifier \(parentId) does not exist.", -2146232832,
                            "Microsoft.SharePoint.SPException")
        }
        let existing = l?.contentTypes ?? chain.flatMap(\.contentTypes)
        if let dup = existing.first(where: { SharePointContentTypes.same($0.name, name) || SharePointContentTypes.same($0.id, id) }) {
            throw CSOMError("A duplicate content type \"\(dup.name)\" was found.", 183, "Microsoft.SharePoint.SPException")
        }
        let scope = l?.serverRelativeURL ?? w.serverRelativeUrl
        let ct = SPContentType.make(id: id, name: name, description: info["Description"]?.stringValue ?? "",
                                    group: info["Group"]?.stringValue ?? (l == nil ? "Custom Content Types" : "List Content Types"),
                                    scope: scope, fieldLinks: parent.fieldLinks)
        if let l {
            l.contentTypes.append(SharePointContentTypes.listCopy(of: ct, in: l, chain, id: id))
            l.settings["ContentTypesEnabled"] = true
        } else {
            w.contentTypes.append(ct)
        }
        return id
    }

    /// The properties `SetProperty` may change on a content type, with a sample of their type.
    static let contentTypeWritable: [String: JSON] = [
        "Name": "", "Description": "", "Group": "", "Hidden": false, "ReadOnly": false, "Sealed": false, "JSLink": "",
        "DisplayFormUrl": "", "EditFormUrl": "", "NewFormUrl": "", "DocumentTemplate": "", "ClientFormCustomFormatter": "",
        "DisplayFormTemplateName": "", "EditFormTemplateName": "", "NewFormTemplateName": "", "MobileDisplayFormUrl": "",
        "MobileEditFormUrl": "", "MobileNewFormUrl": "", "DisplayFormClientSideComponentId": "", "EditFormClientSideComponentId": "",
        "NewFormClientSideComponentId": "", "DisplayFormClientSideComponentProperties": "", "EditFormClientSideComponentProperties": "",
        "NewFormClientSideComponentProperties": "",
    ]

    func contentModelSet(_ ref: CSOMContentRef, _ name: String, _ p: CSOMParam) throws {
        switch ref.kind {
        case .contentType:
            guard let sample = Self.contentTypeWritable[name] else {
                throw CSOMError.invalid("The property '\(name)' does not exist on type 'SP.ContentType'.")
            }
            ref.pending.append((name, CSOMParam(type: p.type, value: try typed(p, like: sample, name: name))))
        case let .fieldLink(web, list, ct, id):
            guard canWrite else { throw CSOMError.accessDenied }
            guard name == "Required" || name == "Hidden" else { throw CSOMError.invalid("The property '\(name)' does not exist on type 'SP.FieldLink'.") }
            let value = try typed(p, like: false, name: name).boolValue ?? false
            // A field link's settings are kept at once; its type's Update publishes them.
            try withTypes(web, list) { types in
                guard let i = types.firstIndex(where: { SharePointContentTypes.same($0.id, ct) }),
                      let j = types[i].fieldLinks.firstIndex(where: { SharePointContentTypes.same($0.id, id) }) else { throw SharePointCSOMContent.unknown }
                if name == "Required" { types[i].fieldLinks[j].required = value } else { types[i].fieldLinks[j].hidden = value }
            }
        default:
            throw CSOMError.invalid("The property '\(name)' cannot be set on this object.")
        }
    }

    /// `ContentType.Update(updateChildren)`: the pending property changes, and with
    /// `updateChildren` the same changes (and field link removals) on the types below it: site
    /// types of the site collection and lists' copies. The emulator's rule for children: every
    /// changed property but `Name` is pushed; a child keeps its own name (names stay unique,
    /// and a list's copy is known by its name). A new name must be free among the site
    /// collection's site types (or, for a list's type, the list's types).
    func updateContentType(_ web: String, _ list: String?, _ id: String, _ changes: [(String, CSOMParam)], children: Bool) throws {
        func apply(_ ct: inout SPContentType, name: Bool) {
            for (k, p) in changes where name || k != "Name" { ct.props[k] = p.value }
            ct.props["SchemaXml"] = .string("<ContentType ID=\"\(ct.id)\" Name=\"\(SPXMLText.attribute(ct.name))\" Group=\"\(SPXMLText.attribute(ct.props["Group"]?.stringValue ?? ""))\" />")
        }
        guard let w = webs[web.lowercased()] else { throw CSOMError.invalid("The web \(web) does not exist.") }
        let siteWebs = webs.values.filter { SharePointContentTypes.same($0.siteCollectionURL, w.siteCollectionURL) }
        try withTypes(web, list) { types in
            guard let i = types.firstIndex(where: { SharePointContentTypes.same($0.id, id) }) else { throw SharePointCSOMContent.notFound }
            if let name = changes.last(where: { $0.0 == "Name" })?.1.value.stringValue {
                let others = list == nil ? siteWebs.flatMap(\.contentTypes) : types
                if others.contains(where: { !SharePointContentTypes.same($0.id, id) && SharePointContentTypes.same($0.name, name) }) {
                    throw CSOMError("A duplicate content type \"\(name)\" was found.", 183, "Microsoft.SharePoint.SPException")
                }
            }
            if types[i].props["ReadOnly"]?.boolValue == true, !changes.contains(where: { $0.0 == "ReadOnly" }) {
                throw CSOMError("The content type is read only.", -2146232832, "Microsoft.SharePoint.SPException")
            }
            apply(&types[i], name: true)
        }
        let removals = pendingLinkRemovals.filter { $0.0 == web && $0.1 == list && SharePointContentTypes.same($0.2, id) }.map(\.3)
        pendingLinkRemovals.removeAll { $0.0 == web && $0.1 == list && SharePointContentTypes.same($0.2, id) }
        guard children, list == nil else { return }
        for other in siteWebs {
            let below = { (ct: SPContentType) in !SharePointContentTypes.same(ct.id, id) && ct.id.uppercased().hasPrefix(id.uppercased()) }
            for i in other.contentTypes.indices where below(other.contentTypes[i]) {
                apply(&other.contentTypes[i], name: false)
                other.contentTypes[i].fieldLinks.removeAll { link in removals.contains { SharePointContentTypes.same($0, link.id) } }
            }
            for l in other.lists {
                for i in l.contentTypes.indices where below(l.contentTypes[i]) {
                    apply(&l.contentTypes[i], name: false)
                    l.contentTypes[i].fieldLinks.removeAll { link in removals.contains { SharePointContentTypes.same($0, link.id) } }
                }
            }
        }
    }

    /// `FieldLinks.Add`: the site column joins the type (and, for a list's type, the list).
    func addFieldLink(_ web: String, _ list: String?, _ ct: String, _ fieldId: String) throws -> CSOMObject {
        guard let w = webs[web.lowercased()], let field = SharePointContentTypes.siteField(fieldId, SharePointContentTypes.chain(w, webs)) else {
            throw CSOMError("Invalid field name. {\(fieldId)}", -2147024809, "System.ArgumentException")
        }
        try withTypes(web, list) { types in
            guard let i = types.firstIndex(where: { SharePointContentTypes.same($0.id, ct) }) else { throw SharePointCSOMContent.notFound }
            if types[i].fieldLinks.contains(where: { SharePointContentTypes.same($0.id, field.id) }) {
                throw CSOMError("A duplicate field name \"\(field.internalName)\" was found.", -2147024809, "System.ArgumentException")
            }
            types[i].fieldLinks.append(SPFieldLink(id: field.id, name: field.internalName))
        }
        return .contentModel(CSOMContentRef(.fieldLink(web: web, list: list, contentType: ct, id: field.id)))
    }

    func contentModelProperties(_ ref: CSOMContentRef) throws -> JSONObject {
        switch ref.kind {
        case .contentTypes:
            return ["_ObjectType_": "SP.ContentTypeCollection"]
        case let .contentType(web, list, id):
            guard let w = webs[web.lowercased()], let ct = try contentType(web, list, id) else { throw SharePointCSOMContent.notFound }
            var o: JSONObject = ["_ObjectType_": "SP.ContentType",
                                 "_ObjectIdentity_": .string("\(contentPrefix):site:\(w.siteId):web:\(w.id)\(list.map { ":list:\($0)" } ?? ""):contenttype:\(ct.id)")]
            for (k, v) in ct.props { o[k] = v }
            o["StringId"] = .string(ct.id)
            return o
        case .fieldLinks:
            return ["_ObjectType_": "SP.FieldLinkCollection"]
        case let .fieldLink(web, list, ct, id):
            guard let w = webs[web.lowercased()], let link = try contentType(web, list, ct)?.fieldLinks.first(where: { SharePointContentTypes.same($0.id, id) }) else {
                throw SharePointCSOMContent.unknown
            }
            var o: JSONObject = ["_ObjectType_": "SP.FieldLink",
                                 "_ObjectIdentity_": .string("\(contentPrefix):site:\(w.siteId):web:\(w.id)\(list.map { ":list:\($0)" } ?? ""):contenttype:\(ct):fl:\(link.id)")]
            for (k, v) in link.props { o[k] = v }
            return o
        case .taxonomySession:
            return ["_ObjectType_": "SP.Taxonomy.TaxonomySession",
                    "_ObjectIdentity_": .string("\(identityPrefix(taxonomy: true)):ss:")]
        case .termStore:
            let root = "https://" + rootHost
            let key = Util.nameGUID("termstore/\(tenantId.lowercased())").replacingOccurrences(of: "-", with: "")
            return ["_ObjectType_": "SP.Taxonomy.TermStore", "_ObjectIdentity_": .string("\(identityPrefix(taxonomy: true)):st:\(key)"),
                    "ContentTypePublishingHub": .string(root + SharePointContentTypes.hubPath)]
        }
    }

    /// Taxonomy objects are identified as `<guid>|fec14c62-7c3b-481b-851b-c80d7802b224:…`.
    func identityPrefix(taxonomy: Bool) -> String {
        "\(Util.nameGUID("csom-identity/\(tenantId.lowercased())"))|fec14c62-7c3b-481b-851b-c80d7802b224"
    }
}

/// CSOM failures of the content model.
enum SharePointCSOMContent {
    /// What SharePoint says of an object that is not there (a null object used).
    static let unknown = CSOMError("Unknown Error", -1, "Microsoft.SharePoint.Client.UnknownError")
    static let notFound = CSOMError("The content type could not be found.", -2147024809, "System.ArgumentException")
}

// MARK: Graph

/// Graph's view of a site's content types as `spo contenttype sync` uses it: the site by path
/// (`sites/{host}:/sites/{name}`), its content types, and `addCopyFromContentTypeHub` on a site
/// or a list, which copies a content type of the hub (every hub type counts as published).
enum GraphContentTypes {
    static let read: Set<String> = ["Sites.Read.All", "Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All"]
    static let manage: Set<String> = ["Sites.Manage.All", "Sites.FullControl.All"]

    static func register(_ g: inout GraphRoutes) {
        // `sites/{host}:/{web}`, `sites/{host}:/sites/{name}` (and `teams`), `sites/{host}:/sites/{name}/{web}`.
        g.on(.GET, "sites/{host}/{a}", .signedIn) { c in try site(c, path: "/" + c.param("a")) }
        g.on(.GET, "sites/{host}/{a}/{b}", .signedIn) { c in try site(c, path: "/\(c.param("a"))/\(c.param("b"))") }
        g.on(.GET, "sites/{host}/{a}/{b}/{c}", .signedIn) { c in try site(c, path: "/\(c.param("a"))/\(c.param("b"))/\(c.param("c"))") }
        g.on(.GET, "sites/{site}/contenttypes", .signedIn) { c in try list(c) }
        g.on(.POST, "sites/{site}/contenttypes/addcopyfromcontenttypehub", .signedIn) { c in try addCopy(c, list: nil) }
        g.on(.POST, "sites/{site}/lists/{list}/contenttypes/addcopyfromcontenttypehub", .signedIn) { c in try addCopy(c, list: c.param("list")) }
    }

    static func check(_ c: GraphContext, _ allowed: Set<String>) throws {
        let token = c.token
        guard token.isAppOnly ? token.roles.contains(where: allowed.contains) : token.scopes.contains(where: allowed.contains) else {
            throw GraphError(.forbidden, "accessDenied", "Access denied")
        }
    }

    static func siteId(_ web: SPWeb) -> String { "\(web.url.dropFirst("https://".count).prefix { $0 != "/" }),\(web.siteId),\(web.id)" }

    /// `GET sites/{host}:/sites/{name}`.
    static func site(_ c: GraphContext, path: String) throws -> EmulatorResponse {
        try check(c, read)
        let host = c.param("host")
        // Anything else under a site is a segment Graph does not know.
        guard host.hasSuffix(":") else { throw GraphError(.badRequest, "BadRequest", "Resource not found for the segment '\(path.split(separator: "/").first ?? "")'.") }
        let url = "https://\(host.dropLast())\(path)"
        guard let web = c.state.sharePoint.web(for: url, tenantId: c.tenantId), SharePointContentTypes.same(web.url, url) else {
            throw GraphError(.notFound, "itemNotFound", "Requested site could not be found")
        }
        let props: JSONObject = [
            "@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#sites/$entity"),
            "createdDateTime": .string(web.created), "description": .string(web.description), "id": .string(siteId(web)),
            "lastModifiedDateTime": .string(web.lastItemModified), "name": .string(String(path.split(separator: "/").last ?? "")),
            "webUrl": .string(web.url), "displayName": .string(web.title),
        ]
        let select = (c.req.query["$select"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !select.isEmpty else { return .json(.object(props)) }
        var out: JSONObject = ["@odata.context": props["@odata.context"]!]
        for k in select { if let v = props[k] { out[k] = v } }
        return .json(.object(out))
    }

    /// The web a Graph site id names: `host,siteId,webId`, or a bare host (the root site).
    static func web(_ c: GraphContext) throws -> SPWeb {
        let id = c.param("site")
        let parts = id.split(separator: ",").map(String.init)
        let found: SPWeb? = c.state.sharePoint.with(c.tenantId) { webs in
            if parts.count == 3 { return webs.values.first { SharePointContentTypes.same($0.id, parts[2]) && SharePointContentTypes.same($0.siteId, parts[1]) } }
            return webs["https://\(id.lowercased())"]
        }
        guard let found else { throw GraphError(.notFound, "itemNotFound", "Requested site could not be found") }
        return found
    }

    static func graphType(_ ct: SPContentType, _ chain: [SPWeb]) -> JSONObject {
        func plain(_ t: SPContentType) -> JSONObject {
            ["id": .string(t.id), "description": t.props["Description"] ?? "", "group": t.props["Group"] ?? "",
             "hidden": t.props["Hidden"] ?? false, "name": .string(t.name), "readOnly": t.props["ReadOnly"] ?? false,
             "sealed": t.props["Sealed"] ?? false]
        }
        var o: JSONObject = ["@odata.type": "#microsoft.graph.contentType", "id": .string(ct.id), "isBuiltIn": .bool(ct.id.count <= 6),
                             "description": ct.props["Description"] ?? "", "group": ct.props["Group"] ?? "",
                             "hidden": ct.props["Hidden"] ?? false, "name": .string(ct.name)]
        let parent = SharePointContentTypes.parentId(ct.id, list: nil, chain)
        o["parentId"] = parent.map(JSON.string) ?? .null
        o["readOnly"] = ct.props["ReadOnly"] ?? false
        o["sealed"] = ct.props["Sealed"] ?? false
        // The built-in type it derives from.
        var base = ct.id
        while base.count > 6, let p = SharePointContentTypes.parentId(base, list: nil, chain) { base = p }
        if let b = SharePointContentTypes.available(base, chain) { o["base"] = .object(plain(b)) }
        return o
    }

    /// `GET sites/{site}/contentTypes` (`$filter=name eq '…'`).
    static func list(_ c: GraphContext) throws -> EmulatorResponse {
        try check(c, read)
        let web = try web(c)
        var wanted: String?
        if let f = c.req.query["$filter"], !f.isEmpty {
            guard let m = SharePointEndpoints.firstMatch("^\\s*name\\s+eq\\s+'(.*)'\\s*$", in: f) else {
                throw GraphError(.badRequest, "invalidRequest", "Invalid filter clause")
            }
            wanted = m[0].replacingOccurrences(of: "''", with: "'")
        }
        let select = (c.req.query["$select"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let rows: [JSON] = c.state.sharePoint.with(c.tenantId) { webs in
            let chain = SharePointContentTypes.chain(web, webs)
            return web.contentTypes.filter { wanted == nil || $0.name == wanted }.map { ct in
                let o = graphType(ct, chain)
                return .object(select.isEmpty ? o : JSONObject(select.compactMap { k in o[k].map { (k, $0) } }))
            }
        }
        return .json(["@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#sites('\(c.param("site"))')/contentTypes"), "value": .array(rows)])
    }

    /// `POST …/contentTypes/addCopyFromContentTypeHub`: 200 with the type when it is new to the
    /// site or list, 202 (and a Location) when an existing copy is synced.
    static func addCopy(_ c: GraphContext, list ref: String?) throws -> EmulatorResponse {
        try check(c, manage)
        let target = try web(c)
        let body = try c.body()
        guard let id = body["contentTypeId"]?.stringValue, !id.isEmpty else {
            throw GraphError(.badRequest, "invalidRequest", "contentTypeId is required")
        }
        let hubURL = "https://\(target.url.dropFirst("https://".count).prefix { $0 != "/" })\(SharePointContentTypes.hubPath)"
        let outcome: (JSONObject, Bool) = try c.state.sharePoint.with(c.tenantId) { webs in
            guard let hub = webs[hubURL.lowercased()], let published = hub.contentTypes.first(where: { SharePointContentTypes.same($0.id, id) }) else {
                throw GraphError(.notFound, "itemNotFound", "The content type is not published in the content type hub.")
            }
            let chain = SharePointContentTypes.chain(target, webs)
            var copy = published
            copy.props["Scope"] = .string(target.serverRelativeUrl)
            copy.props["ReadOnly"] = true
            for link in published.fieldLinks where SharePointContentTypes.siteField(link.id, chain) == nil {
                if var field = SharePointContentTypes.siteField(link.id, [hub]) {
                    field.props["Scope"] = .string(target.serverRelativeUrl)
                    target.fields.append(field)
                }
            }
            var isNew = true
            if let i = target.contentTypes.firstIndex(where: { SharePointContentTypes.same($0.id, id) }) {
                target.contentTypes[i] = copy
                isNew = false
            } else {
                target.contentTypes.append(copy)
            }
            var result = copy
            if let ref {
                guard let l = target.list(id: ref) ?? target.list(title: ref) else {
                    throw GraphError(.notFound, "itemNotFound", "The specified list was not found")
                }
                if let i = l.contentTypes.firstIndex(where: { SharePointContentTypes.isChild($0.id, of: id) }) {
                    let kept = l.contentTypes[i].id
                    l.contentTypes[i] = SharePointContentTypes.listCopy(of: copy, in: l, chain + [hub], id: kept)
                    result = l.contentTypes[i]
                    isNew = false
                } else {
                    result = SharePointContentTypes.listCopy(of: copy, in: l, chain + [hub])
                    l.contentTypes.append(result)
                    l.settings["ContentTypesEnabled"] = true
                    isNew = true
                }
            }
            return (graphType(result, chain), isNew)
        }
        guard outcome.1 else {
            var r = EmulatorResponse(status: .accepted)
            r.headers.add(name: "Location", value: "https://\(c.req.host)/\(c.version)/sites/\(c.param("site"))/operations/\(Util.newGUID())")
            return r
        }
        var o: JSONObject = ["@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#contentType")]
        for (k, v) in outcome.0 { o[k] = v }
        return .json(.object(o))
    }
}
