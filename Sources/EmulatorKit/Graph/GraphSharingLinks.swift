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
        let base = "sites/{siteId}/drives/{driveId}/items/{itemId}"
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

    /// Runs `body` under the SharePoint lock with the file the path names and its host; an
    /// unknown site, drive or item (or one of another tenant) is Graph's 404 itemNotFound.
    static func withFile(_ c: GraphContext, _ body: (SPFileRecord, String) throws -> EmulatorResponse) throws -> EmulatorResponse {
        let store = c.state.sharePoint
        let driveId = c.param("driveId"), itemId = c.param("itemId")
        let found: (String, String)? = store.locked {
            for (key, f) in store.files.files
            where SharePointFiles.vroomItemId(f.uniqueId) == itemId && SharePointFiles.vroomDriveId(f.listId) == driveId {
                return (String(key.split(separator: "|").first ?? ""), f.url)
            }
            return nil
        }
        guard let found, let web = store.web(for: "https://\(found.0)\(found.1)", tenantId: c.tenantId) else { throw GraphDrive.notFound() }
        let host = found.0
        // `{siteId}` is the site collection's GUID or Graph's `host,siteId,webId`.
        let site = c.param("siteId").lowercased()
        guard site == web.siteId.lowercased() || site.split(separator: ",").dropFirst().first.map(String.init) == web.siteId.lowercased() else {
            throw GraphDrive.notFound()
        }
        return try store.locked {
            guard let f = store.files.files.values.first(where: { SharePointFiles.vroomItemId($0.uniqueId) == itemId }) else { throw GraphDrive.notFound() }
            return try body(f, host)
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
            let ext = f.name.split(separator: ".").last.map { $0.lowercased() } ?? ""
            let kind = ["docx": "w", "doc": "w", "xlsx": "x", "xls": "x", "pptx": "p", "ppt": "p", "pdf": "b"][ext] ?? "u"
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
