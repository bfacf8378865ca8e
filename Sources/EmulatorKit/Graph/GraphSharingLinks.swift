import Foundation
import JSONModel

/// Sharing links of SharePoint document-library files on Graph:
/// `sites/{siteId}/drives/{driveId}/items/{itemId}/createLink`, `…/permissions` and
/// `…/permissions/{id}`. The drive and item ids are the file's `VroomDriveID` and `VroomItemID`
/// (SharePoint REST); the links live on the file (`SPFileRecord.sharingLinks`), so they go
/// with it and with the directory reset.
enum GraphSharingLinks {
    static let types = ["view": "read", "edit": "write"]
    static let scopes = ["anonymous", "organization", "users"]

    static func register(_ g: inout GraphRoutes) {
        let read = GraphAccess.scopes(delegated: GraphDrive.delegatedRead, application: GraphDrive.appRead)
        let write = GraphAccess.scopes(delegated: GraphDrive.delegatedWrite, application: GraphDrive.appWrite)
        // Files by `sites/{siteId}/drives/…` (as `spo file sharinglink` sends it), files and
        // folders by `drives/…` (as `spo folder sharinglink` sends it).
        for base in ["sites/{siteId}/drives/{driveId}/items/{itemId}", "drives/{driveId}/items/{itemId}"] {
            g.on(.POST, base + "/createLink", write) { c in try createLink(c) }
            g.on(.GET, base + "/permissions", read) { c in try list(c) }
            g.on(.GET, base + "/permissions/{id}", read) { c in
                try withFile(c) { f, _ in
                    guard let p = f.sharingLinks.first(where: { $0["id"]?.stringValue == c.param("id") }) else { throw GraphDrive.notFound() }
                    return .json(entity(c, p))
                }
            }
            g.on(.PATCH, base + "/permissions/{id}", write) { c in try updateLink(c) }
            g.on(.DELETE, base + "/permissions/{id}", write) { c in
                try withFile(c) { f, _ in
                    guard let i = f.sharingLinks.firstIndex(where: { $0["id"]?.stringValue == c.param("id") }) else { throw GraphDrive.notFound() }
                    f.sharingLinks.remove(at: i)
                    return .noContent
                }
            }
        }
        g.on(.GET, "sites/{siteId}", read) { c in try siteByPath(c) }
        g.on(.GET, "sites/{siteId}/drives", read) { c in try libraryDrives(c) }
    }

    // MARK: Sites and libraries as Graph sees them

    /// `sites/{host}:/{path}`: `GraphService` folds the address into one segment (`foldSiteAddress`).
    static func foldSiteAddress(_ segments: [String]) -> [String] {
        guard segments.count > 2, segments[1].lowercased() == "sites", FormEncoding.percentDecode(segments[2]).hasSuffix(":") else { return segments }
        var i = 3
        var address = [segments[2]]
        while i < segments.count {
            address.append(segments[i])
            i += 1
            if FormEncoding.percentDecode(address.last!).hasSuffix(":") { break }
        }
        if i >= segments.count || ["drives"].contains(segments[i].lowercased()) || FormEncoding.percentDecode(address.last!).hasSuffix(":") {
            return Array(segments[..<2]) + [address.joined(separator: "%2F")] + segments[i...]
        }
        return segments
    }

    /// The web a `host:/path` address names, exactly; nil for other site ids.
    static func web(_ c: GraphContext, _ address: String) -> SPWeb? {
        let decoded = FormEncoding.percentDecode(FormEncoding.percentDecode(address))
        guard let colon = decoded.firstIndex(of: ":") else { return nil }
        var path = String(decoded[decoded.index(after: colon)...])
        while path.hasSuffix(":") || path.hasSuffix("/") { path.removeLast() }
        let url = "https://" + decoded[..<colon].lowercased() + path
        guard let web = c.state.sharePoint.web(for: url, tenantId: c.tenantId), web.url.lowercased().trimmingSuffix("/") == url.lowercased() else { return nil }
        return web
    }

    static func siteByPath(_ c: GraphContext) throws -> EmulatorResponse {
        guard let web = web(c, c.param("siteId")) else { throw GraphDrive.notFound("Requested site could not be found") }
        let host = String(web.url.dropFirst("https://".count).prefix { $0 != "/" })
        return .json(["@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#sites(id)/$entity"),
                      "id": .string("\(host),\(web.siteId),\(web.id)")])
    }

    /// The document libraries of a site (`host,siteId,webId`) as drives: `id` and `webUrl`.
    static func libraryDrives(_ c: GraphContext) throws -> EmulatorResponse {
        let parts = FormEncoding.percentDecode(c.param("siteId")).split(separator: ",").map(String.init)
        guard parts.count == 3, let web = c.state.sharePoint.web(id: parts[2], tenantId: c.tenantId),
              web.siteId.lowercased() == parts[1].lowercased() else { throw GraphDrive.notFound("Requested site could not be found") }
        let rows: [JSON] = c.state.sharePoint.locked {
            web.lists.filter(\.isLibrary).map { l in ["id": .string(SharePointFiles.vroomDriveId(l.id)), "webUrl": .string(web.url + "/" + l.url)] }
        }
        return .json(["@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#drives(webUrl,id)"), "value": .array(rows)])
    }

    /// `drives/{driveId}/root:/path:` of a document library: the file or folder's `id`; nil when
    /// the drive is no library (a OneDrive, for `GraphDrive`).
    static func libraryItem(_ c: GraphContext) throws -> EmulatorResponse? {
        let driveId = c.param("driveId")
        let store = c.state.sharePoint
        let known: (host: String, url: String, listId: String)? = store.locked {
            if let (k, f) = store.files.folders.first(where: { SharePointFiles.vroomDriveId($0.value.listId) == driveId }) {
                return (String(k.split(separator: "|").first ?? ""), f.url, f.listId)
            }
            if let (k, f) = store.files.files.first(where: { SharePointFiles.vroomDriveId($0.value.listId) == driveId }) {
                return (String(k.split(separator: "|").first ?? ""), f.url, f.listId)
            }
            return nil
        }
        guard let known, let web = store.web(for: "https://\(known.host)\(known.url)", tenantId: c.tenantId) else { return nil }
        let item = FormEncoding.percentDecode(FormEncoding.percentDecode(c.param("item")))
        let id: String? = store.locked {
            guard let list = web.list(id: known.listId) else { return nil }
            let root = (web.serverRelativeUrl == "/" ? "" : web.serverRelativeUrl) + "/" + list.url
            guard item.lowercased().hasPrefix("root:") else {
                return item.lowercased() == "root" ? SharePointFiles.vroomItemId(SharePointFiles.rootFolderId(list)) : nil
            }
            var path = String(item.dropFirst(5))
            while path.hasSuffix(":") || path.hasSuffix("/") { path.removeLast() }
            let key = known.host + "|" + (root + (path.hasPrefix("/") ? "" : "/") + path).lowercased()
            return (store.files.folders[key]?.uniqueId ?? store.files.files[key]?.uniqueId).map(SharePointFiles.vroomItemId)
        }
        guard let id else { throw GraphDrive.notFound("The resource could not be found.") }
        return .json(["@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#drives('\(driveId)')/root/$entity"), "id": .string(id)])
    }

    /// Runs `body` under the SharePoint lock with the file the path names and its host; an
    /// unknown site, drive or item (or one of another tenant) is Graph's 404 itemNotFound.
    static func withFile(_ c: GraphContext, _ body: (SPSharable, String) throws -> EmulatorResponse) throws -> EmulatorResponse {
        let store = c.state.sharePoint
        let driveId = c.param("driveId"), itemId = c.param("itemId")
        let matches = { (uniqueId: String, listId: String) in SharePointFiles.vroomItemId(uniqueId) == itemId && SharePointFiles.vroomDriveId(listId) == driveId }
        let found: (String, String)? = store.locked {
            for (key, f) in store.files.files where matches(f.uniqueId, f.listId) { return (String(key.split(separator: "|").first ?? ""), f.url) }
            for (key, f) in store.files.folders where matches(f.uniqueId, f.listId) { return (String(key.split(separator: "|").first ?? ""), f.url) }
            return nil
        }
        guard let found, let web = store.web(for: "https://\(found.0)\(found.1)", tenantId: c.tenantId) else { throw GraphDrive.notFound() }
        let host = found.0
        // `{siteId}` (when the address has one) is the site collection's GUID or Graph's `host,siteId,webId`.
        let site = c.param("siteId").lowercased()
        guard site.isEmpty || site == web.siteId.lowercased() || site.split(separator: ",").dropFirst().first.map(String.init) == web.siteId.lowercased() else {
            throw GraphDrive.notFound()
        }
        return try store.locked {
            let item: SPSharable? = store.files.files.values.first(where: { matches($0.uniqueId, $0.listId) })
                ?? store.files.folders.values.first(where: { matches($0.uniqueId, $0.listId) })
            guard let item else { throw GraphDrive.notFound() }
            return try body(item, host)
        }
    }

    /// A permission with its `@odata.context` first.
    static func entity(_ c: GraphContext, _ p: JSONObject) -> JSON {
        var out: JSONObject = ["@odata.context": .string(c.entityContext("permissions"))]
        for (k, v) in p { out[k] = v }
        return .object(out)
    }

    static func createLink(_ c: GraphContext) throws -> EmulatorResponse {
        let body = try c.body()
        guard let type = body["type"]?.stringValue, let role = types[type] else {
            throw GraphDrive.invalid("Invalid value for 'type': expected one of view, edit.")
        }
        let scope = body["scope"]?.stringValue ?? "anonymous"
        guard scopes.contains(scope) else { throw GraphDrive.invalid("Invalid value for 'scope': expected one of anonymous, organization, users.") }
        var expiration: String?
        if let raw = body["expirationDateTime"], !raw.isNull {
            guard let text = raw.stringValue, let date = Util.parseISO8601(text) ?? Util.parseISO8601(text + "T00:00:00Z") else {
                throw GraphDrive.invalid("Invalid value for 'expirationDateTime'.")
            }
            guard date > Date() else { throw GraphDrive.invalid("The expiration date must be in the future.") }
            expiration = Util.iso8601(date)
        }
        return try withFile(c) { f, host in
            // Graph hands back the link of the same kind when there is one.
            if expiration == nil, let same = f.sharingLinks.first(where: {
                $0["link"]?["type"]?.stringValue == type && $0["link"]?["scope"]?.stringValue == scope && $0["expirationDateTime"] == nil
            }) {
                return .json(entity(c, same))
            }
            let ext = f.isFolder ? "" : f.name.split(separator: ".").last.map { $0.lowercased() } ?? ""
            let kind = f.isFolder ? "f" : ["docx": "w", "doc": "w", "xlsx": "x", "xls": "x", "pptx": "p", "ppt": "p", "pdf": "b"][ext] ?? "u"
            let token = String(Util.opaqueId("sharinglink/\(Util.newGUID())").prefix(22))
            var p: JSONObject = [
                "id": .string(Util.newGUID()), "roles": [.string(role)], "shareId": .string("u!" + String(Util.opaqueId("share/\(token)").prefix(40))),
                "hasPassword": false, "grantedToIdentities": [], "grantedToIdentitiesV2": [],
                "link": ["scope": .string(scope), "type": .string(type), "webUrl": .string("https://\(host)/:\(kind):/g/\(token)"),
                         "preventsDownload": false],
            ]
            if let expiration { p["expirationDateTime"] = .string(expiration) }
            f.sharingLinks.append(p)
            return .created(entity(c, p))
        }
    }

    /// `PATCH …/permissions/{id} {expirationDateTime}`: a link's new expiry (in the future).
    static func updateLink(_ c: GraphContext) throws -> EmulatorResponse {
        let body = try c.body()
        guard let text = body["expirationDateTime"]?.stringValue else { throw GraphDrive.invalid("Invalid value for 'expirationDateTime'.") }
        guard let date = Util.parseISO8601(text) ?? Util.parseISO8601(text + "T00:00:00Z") else {
            throw GraphDrive.invalid("Invalid value for 'expirationDateTime'.")
        }
        guard date > Date() else { throw GraphDrive.invalid("The expiration date must be in the future.") }
        return try withFile(c) { f, _ in
            guard let i = f.sharingLinks.firstIndex(where: { $0["id"]?.stringValue == c.param("id") }) else { throw GraphDrive.notFound() }
            f.sharingLinks[i]["expirationDateTime"] = .string(Util.iso8601(date))
            return .json(entity(c, f.sharingLinks[i]))
        }
    }

    /// The file's sharing links; `$filter` as CLI for Microsoft 365 sends it
    /// (`Link ne null and Link/Scope eq 'organization'`) keeps the links of one scope.
    static func list(_ c: GraphContext) throws -> EmulatorResponse {
        let filter = (c.req.query["$filter"] ?? "").lowercased()
        var scope: String?
        if let r = filter.range(of: "link/scope eq '") {
            scope = String(filter[r.upperBound...].prefix { $0 != "'" })
        }
        return try withFile(c) { f, _ in
            let rows = f.sharingLinks.filter { scope == nil || $0["link"]?["scope"]?.stringValue == scope }
            return .json(["@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#permissions"), "value": .array(rows.map(JSON.object))])
        }
    }
}

/// A file or folder of a library that sharing links can be made on (`GraphSharingLinks`).
protocol SPSharable: AnyObject {
    var sharingLinks: [JSONObject] { get set }
    var name: String { get }
    var isFolder: Bool { get }
}

extension SPFileRecord: SPSharable { var isFolder: Bool { false } }
extension SPFolderRecord: SPSharable { var isFolder: Bool { true } }
