import Foundation
import JSONModel
import NIOHTTP1

/// OneDrive on Graph: `/me/drive`, `/users/{id|upn}/drive`, `/drives/{id}` and their items,
/// addressed by id (`items/{id}`) or path (`root:/a/b:`), with folders, simple uploads,
/// upload sessions and downloads. Item state is `DriveStore`; bytes stream to and from disk
/// in `DriveStreamHandler` (the `/_upload/` and `/_download/` URLs), never through memory.
enum GraphDrive {
    static let delegatedRead: Set<String> = ["Files.Read", "Files.ReadWrite", "Files.Read.All", "Files.ReadWrite.All", "Sites.Read.All",
                                             "Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All"]
    static let delegatedWrite: Set<String> = ["Files.ReadWrite", "Files.ReadWrite.All", "Sites.ReadWrite.All", "Sites.Manage.All",
                                              "Sites.FullControl.All"]
    static let appRead: Set<String> = ["Files.Read.All", "Files.ReadWrite.All", "Sites.Read.All", "Sites.ReadWrite.All",
                                       "Sites.Manage.All", "Sites.FullControl.All"]
    static let appWrite: Set<String> = ["Files.ReadWrite.All", "Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All"]
    /// The header `DriveStreamHandler` sets on a request whose body it streamed to a file.
    static let streamedBodyHeader = "x-m365-emulator-streamed-body"

    static let itemType = GraphEntityType(
        errorTypeName: "microsoft.graph.driveItem", entitySet: "driveItems",
        defaultProperties: ["id", "name"],
        properties: ["id", "name", "size", "createdDateTime", "lastModifiedDateTime", "eTag", "cTag", "webUrl", "parentReference",
                     "file", "folder", "root", "createdBy", "lastModifiedBy", "fileSystemInfo", "@microsoft.graph.downloadUrl",
                     "description", "shared", "specialFolder", "package", "deleted"])

    static func register(_ g: inout GraphRoutes) {
        g.on(.GET, "users/{id}/drive", .signedIn) { c in try getDrive(c, try userDrive(c, c.param("id"))) }
        g.on(.GET, "users/{id}/drives", .signedIn) { c in
            let d = try userDrive(c, c.param("id"))
            try authorize(c, d.drive, write: false)
            let used = d.used
            return .json(["@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#drives"),
                          "value": [.object(DriveJSON.drive(d.drive, used: used))]])
        }
        g.on(.GET, "drives/{driveId}", .signedIn) { c in try getDrive(c, try driveById(c, c.param("driveId"))) }
        // An item is `items/{item}`: `GraphService.rewrite` folds `root`, `root:/a/b:` and
        // `items/{id}:/a:` into that one segment (`foldItemAddresses`).
        let operations: [(HTTPMethod, String, ItemOperation)] = [
            (.GET, "", getItem), (.PATCH, "", update), (.DELETE, "", delete),
            (.GET, "/children", children), (.POST, "/children", createFolder),
            (.GET, "/content", content), (.PUT, "/content", upload),
            (.POST, "/createUploadSession", createSession),
        ]
        for (method, below, operation) in operations {
            g.on(method, "users/{id}/drive/items/{item}" + below, .signedIn) { c in try item(c, try userDrive(c, c.param("id")), operation) }
            g.on(method, "drives/{driveId}/items/{item}" + below, .signedIn) { c in
                // A document library's item by path (`spo folder sharinglink`): GraphSharingLinks.
                if method == .GET, below.isEmpty, c.param("driveId").hasPrefix("b!"), let found = try GraphSharingLinks.libraryItem(c) { return found }
                return try item(c, try driveById(c, c.param("driveId")), operation)
            }
        }
    }

    // MARK: Drives

    struct Resolved {
        let directory: TenantData
        let drive: DriveRecord
        var used: Int64
    }

    static func notFound(_ what: String = "The resource could not be found.") -> GraphError { GraphError(.notFound, "itemNotFound", what) }
    static let accessDenied = GraphError(.forbidden, "accessDenied", "Access denied")
    static func invalid(_ message: String) -> GraphError { GraphError(.badRequest, "invalidRequest", message) }

    static func userDrive(_ c: GraphContext, _ idOrUPN: String) throws -> Resolved {
        let (dir, user) = try c.with { t in (t, t.user(idOrUPN: idOrUPN)) }
        guard let user, let userId = user["id"]?.stringValue else { throw notFound("User '\(idOrUPN)' was not found.") }
        let tenantId = c.tenantId
        return c.state.drives.with(tenantId, directory: dir) { t in
            if let id = t.driveOfUser[userId.lowercased()], let d = t.drives[id] { return Resolved(directory: dir, drive: d, used: t.used[id] ?? 0) }
            let upn = user["userPrincipalName"]?.stringValue ?? userId
            let tenantName = dir.initialDomain.split(separator: ".").first.map(String.init) ?? "contoso"
            let personal = upn.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
            let driveId = "b!" + String(Util.opaqueId("drive/\(tenantId)/\(userId)").prefix(64))
            let rootId = "01" + String(Util.opaqueId("root/\(tenantId)/\(userId)").uppercased().filter { $0.isLetter || "234567".contains($0) }.prefix(32))
            let d = DriveRecord(id: driveId, ownerId: userId, ownerName: user["displayName"]?.stringValue ?? upn,
                                ownerEmail: user["mail"]?.stringValue ?? upn, rootId: rootId, created: Date(),
                                webUrl: "https://\(tenantName)-my.sharepoint.com/personal/\(personal)/Documents")
            t.drives[driveId] = d
            t.driveOfUser[userId.lowercased()] = driveId
            let system: JSON = ["user": ["displayName": "System Account"]]
            t.insert(DriveItemRecord(id: rootId, driveId: driveId, name: "root", parentId: nil, isFolder: true, created: d.created,
                                     modified: d.created, createdBy: system, modifiedBy: system, guid: Util.newGUID()))
            return Resolved(directory: dir, drive: d, used: 0)
        }
    }

    static func driveById(_ c: GraphContext, _ driveId: String) throws -> Resolved {
        let dir = try c.with { $0 }
        // Drives are made on first use: make sure every user's exists before looking one up by id.
        let known = c.state.drives.with(c.tenantId, directory: dir) { t in t.drives[driveId].map { Resolved(directory: dir, drive: $0, used: t.used[driveId] ?? 0) } }
        if let known { return known }
        let users = try c.with { $0.table(.users).items.compactMap { $0["id"]?.stringValue } }
        for u in users {
            let r = try userDrive(c, u)
            if r.drive.id == driveId { return r }
        }
        throw notFound("The drive '\(driveId)' was not found.")
    }

    static func authorize(_ c: GraphContext, _ drive: DriveRecord, write: Bool) throws {
        let token = c.token
        if token.isAppOnly {
            guard token.roles.contains(where: (write ? appWrite : appRead).contains) else { throw accessDenied }
            return
        }
        guard token.scopes.contains(where: (write ? delegatedWrite : delegatedRead).contains) else { throw accessDenied }
        // A user reaches another user's OneDrive only through sharing, which the emulator has not.
        guard drive.ownerId.lowercased() == token.objectId.lowercased() else { throw accessDenied }
    }

    static func getDrive(_ c: GraphContext, _ d: Resolved) throws -> EmulatorResponse {
        try authorize(c, d.drive, write: false)
        var o: JSONObject = ["@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#drives/$entity")]
        for (k, v) in DriveJSON.drive(d.drive, used: d.used) { o[k] = v }
        return .json(.object(try select(c, o)))
    }

    static func identity(_ c: GraphContext) -> JSON {
        let claims = c.token.claims
        if c.token.isAppOnly {
            return ["application": ["id": JSON(claims["appid"]?.stringValue ?? claims["azp"]?.stringValue),
                                    "displayName": JSON(claims["app_displayname"]?.stringValue)]]
        }
        let email = claims["upn"]?.stringValue ?? claims["preferred_username"]?.stringValue
        return ["user": ["email": JSON(email), "id": .string(c.token.objectId), "displayName": JSON(claims["name"]?.stringValue)]]
    }

    // MARK: Addressing

    /// An item as a route names it: a base item (nil: the root) and an optional path below it.
    struct Address {
        var baseId: String?
        var path: [String] = []

        /// `root`, `root:/a/b:`, `{id}` or `{id}:/a:` (decoded).
        init(_ item: String) {
            let colon = item.firstIndex(of: ":") ?? item.endIndex
            let base = String(item[..<colon])
            baseId = base.lowercased() == "root" ? nil : base
            if colon < item.endIndex {
                var path = item[item.index(after: colon)...]
                if path.hasSuffix(":") { path = path.dropLast() }
                self.path = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            }
        }

        init(baseId: String?, path: [String]) {
            self.baseId = baseId
            self.path = path
        }
    }

    /// Graph's path addressing as one router segment: after `…/drive/` or `drives/{id}/`,
    /// `root` becomes `items/root`, and `root:/a/b:` (or `items/{id}:/a/b:`, the closing colon
    /// optional at the end) becomes `items/root:%2Fa%2Fb:`, so that every item operation is
    /// one route below `items/{item}`.
    static func foldItemAddresses(_ segments: [String]) -> [String] {
        guard let drive = segments.indices.first(where: { i in
            segments[i].lowercased() == "drive" || (i > 0 && segments[i - 1].lowercased() == "drives")
        }), drive + 1 < segments.count else { return segments }
        var out = Array(segments[...drive])
        var i = drive + 1
        let first = FormEncoding.percentDecode(segments[i]).lowercased()
        if first == "root" || first.hasPrefix("root:") {
            out.append("items")
        } else if first == "items", i + 1 < segments.count {
            out.append(segments[i])
            i += 1
        } else {
            return segments
        }
        var item = [segments[i]]
        i += 1
        if FormEncoding.percentDecode(item[0]).hasSuffix(":") {
            // `X:` then the path's segments up to the one that ends with the closing colon.
            while i < segments.count {
                item.append(segments[i])
                i += 1
                if FormEncoding.percentDecode(item.last!).hasSuffix(":") { break }
            }
        }
        out.append(item.joined(separator: "%2F"))
        return out + segments[i...]
    }

    // MARK: Items

    typealias ItemOperation = @Sendable (GraphContext, Resolved, Address) throws -> EmulatorResponse

    static func item(_ c: GraphContext, _ d: Resolved, _ operation: ItemOperation) throws -> EmulatorResponse {
        try authorize(c, d.drive, write: c.req.method != .GET)
        return try operation(c, d, Address(c.param("item")))
    }

    /// The item an address names (nil path components are walked case-insensitively).
    static func resolve(_ t: TenantDrives, _ d: Resolved, _ a: Address) throws -> DriveItemRecord {
        let baseId = a.baseId ?? d.drive.rootId
        guard var item = t.items[baseId], item.driveId == d.drive.id else { throw notFound("Item not found") }
        for name in a.path {
            guard item.isFolder, let child = t.childNamed(item.id, name) else { throw notFound("Item not found") }
            item = child
        }
        return item
    }

    static func downloadURL(_ c: GraphContext, _ i: DriveItemRecord) -> String? {
        guard !i.isFolder else { return nil }
        return "https://\(c.req.host)/_download/" + c.state.drives.downloadToken(tenantId: c.tenantId, driveId: i.driveId, itemId: i.id)
    }

    static func select(_ c: GraphContext, _ o: JSONObject) throws -> JSONObject {
        let q = try GraphQuery(c.req, type: itemType, supported: ["select", "expand"])
        guard let names = q.select else { return o }
        var out = JSONObject()
        if let ctx = o["@odata.context"] { out["@odata.context"] = ctx }
        for n in names { if let v = o.first(where: { $0.key.caseInsensitiveCompare(n) == .orderedSame })?.value { out[n] = v } }
        return out
    }

    static func entity(_ c: GraphContext, _ t: TenantDrives, _ d: Resolved, _ i: DriveItemRecord, download: Bool) -> JSONObject {
        var o: JSONObject = ["@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#driveItems/$entity")]
        for (k, v) in DriveJSON.item(i, in: t, drive: d.drive, downloadUrl: download ? downloadURL(c, i) : nil) { o[k] = v }
        return o
    }

    static func getItem(_ c: GraphContext, _ d: Resolved, _ a: Address) throws -> EmulatorResponse {
        let o = try c.state.drives.with(c.tenantId, directory: d.directory) { t in entity(c, t, d, try resolve(t, d, a), download: true) }
        return .json(.object(try select(c, o)))
    }

    static func children(_ c: GraphContext, _ d: Resolved, _ a: Address) throws -> EmulatorResponse {
        let q = try GraphQuery(c.req, type: itemType, supported: ["select", "top", "skiptoken", "filter", "expand"])
        let all: [JSONObject] = try c.state.drives.with(c.tenantId, directory: d.directory) { t in
            let parent = try resolve(t, d, a)
            guard parent.isFolder else { return [] }
            return (t.children[parent.id] ?? []).compactMap { t.items[$0] }
                .map { DriveJSON.item($0, in: t, drive: d.drive, downloadUrl: downloadURL(c, $0)) }
        }
        let items = q.apply(all, type: itemType)
        let scope = c.req.path.lowercased() + "\n" + (q.values["filter"] ?? "")
        var offset = 0
        if let token = q.skipToken {
            guard let o = SkipToken.offset(token, scope: scope), o <= items.count else { throw GraphError.badSkipToken }
            offset = o
        }
        let pageSize = q.values["top"] == nil ? 200 : q.pageSize
        let end = min(items.count, offset + pageSize)
        var out: JSONObject = ["@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#driveItems")]
        if end < items.count {
            let kept = q.rawOptions.filter { $0.name.lowercased() != "$skiptoken" }.map(\.encodedPair)
            out["@odata.nextLink"] = .string("https://\(c.req.host)\(c.req.path)?" + (kept + ["$skiptoken=" + SkipToken.make(offset: end, scope: scope)]).joined(separator: "&"))
        }
        var page: [JSON] = []
        for o in items[offset..<end] {
            if let names = q.select {
                var p = JSONObject()
                for n in names { if let v = o[n] { p[n] = v } }
                page.append(.object(p))
            } else {
                page.append(.object(o))
            }
        }
        out["value"] = .array(page)
        return .json(.object(out))
    }

    static func content(_ c: GraphContext, _ d: Resolved, _ a: Address) throws -> EmulatorResponse {
        let url: String = try c.state.drives.with(c.tenantId, directory: d.directory) { t in
            let item = try resolve(t, d, a)
            guard !item.isFolder else { throw invalid("Only files can be downloaded; '\(item.name)' is a folder.") }
            if let inm = c.req.header("If-None-Match"), inm == DriveJSON.eTag(item) || inm == DriveJSON.cTag(item) {
                throw GraphError(.notModified, "notModified", "")
            }
            return downloadURL(c, item)!
        }
        var h = HTTPHeaders()
        h.add(name: "Location", value: url)
        return EmulatorResponse(status: .found, headers: h)
    }

    static func checkName(_ name: String) throws {
        let bad = CharacterSet(charactersIn: "\"*:<>?/\\|")
        guard !name.isEmpty, name.rangeOfCharacter(from: bad) == nil, name.trimmingCharacters(in: .whitespaces) == name,
              name != ".", name != ".." else {
            throw invalid("The provided name cannot contain any illegal characters.")
        }
    }

    static func conflictBehavior(_ value: String?, default def: String) throws -> String {
        let v = (value ?? def).lowercased()
        guard ["fail", "replace", "rename"].contains(v) else { throw invalid("Invalid value for @microsoft.graph.conflictBehavior: '\(value ?? "")'.") }
        return v
    }

    static func nameExists(_ name: String) -> GraphError {
        GraphError(.conflict, "nameAlreadyExists", "The specified item name already exists. Name: \(name)")
    }

    static func checkIfMatch(_ c: GraphContext, _ item: DriveItemRecord) throws {
        if let m = c.req.header("If-Match"), m != "*", m != DriveJSON.eTag(item), m != DriveJSON.cTag(item) {
            throw GraphError(.preconditionFailed, "resourceModified", "ETag does not match current item's value")
        }
    }

    static func createFolder(_ c: GraphContext, _ d: Resolved, _ a: Address) throws -> EmulatorResponse {
        let body = try c.body()
        guard let name = body["name"]?.stringValue else { throw invalid("The request must specify a name.") }
        try checkName(name)
        guard body["folder"]?.objectValue != nil else {
            throw invalid("Only folders can be created with POST …/children; upload files with PUT …/content.")
        }
        let behavior = try conflictBehavior(body["@microsoft.graph.conflictBehavior"]?.stringValue, default: "fail")
        let who = identity(c)
        let o: JSONObject = try c.state.drives.with(c.tenantId, directory: d.directory) { t in
            let parent = try resolve(t, d, a)
            guard parent.isFolder else { throw invalid("The parent item is not a folder.") }
            var finalName = name
            if let existing = t.childNamed(parent.id, name) {
                switch behavior {
                case "rename": finalName = t.freeName(parent.id, name)
                case "replace": removeSubtree(c, t, d, existing.id)
                default: throw nameExists(name)
                }
            }
            let now = Date()
            let item = DriveItemRecord(id: TenantDrives.newItemId(), driveId: d.drive.id, name: finalName, parentId: parent.id, isFolder: true,
                                       created: now, modified: now, createdBy: who, modifiedBy: who, guid: Util.newGUID())
            t.insert(item)
            return entity(c, t, d, item, download: false)
        }
        return .created(.object(o))
    }

    static func removeSubtree(_ c: GraphContext, _ t: TenantDrives, _ d: Resolved, _ id: String) {
        t.detach(id)
        for x in t.subtree(id) {
            if let i = t.items.removeValue(forKey: x), !i.isFolder {
                t.used[d.drive.id, default: 0] -= i.size
                unlink(c.state.drives.contentPath(c.tenantId, x))
            }
            t.children[x] = nil
        }
    }

    static func update(_ c: GraphContext, _ d: Resolved, _ a: Address) throws -> EmulatorResponse {
        let body = try c.body()
        let who = identity(c)
        let o: JSONObject = try c.state.drives.with(c.tenantId, directory: d.directory) { t in
            var item = try resolve(t, d, a)
            try checkIfMatch(c, item)
            guard item.parentId != nil else { throw invalid("The root folder cannot be renamed or moved.") }
            var newParent = item.parentId!
            if let p = body["parentReference"]?.objectValue {
                if let pid = p["id"]?.stringValue {
                    guard let target = t.items[pid], target.driveId == d.drive.id else { throw notFound("The target folder was not found.") }
                    guard target.isFolder else { throw invalid("The target is not a folder.") }
                    newParent = pid
                } else if let path = p["path"]?.stringValue {
                    let rel = path.components(separatedBy: "root:").last ?? ""
                    let addr = Address(baseId: nil, path: rel.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) })
                    newParent = try resolve(t, d, addr).id
                }
            }
            var newName = item.name
            if let n = body["name"]?.stringValue {
                try checkName(n)
                newName = n
            }
            if t.isAncestor(item.id, of: newParent) { throw invalid("A folder cannot be moved into itself or one of its subfolders.") }
            if let other = t.childNamed(newParent, newName), other.id != item.id {
                let behavior = try conflictBehavior(body["@microsoft.graph.conflictBehavior"]?.stringValue ?? c.req.query["@microsoft.graph.conflictBehavior"], default: "fail")
                switch behavior {
                case "rename": newName = t.freeName(newParent, newName)
                case "replace": removeSubtree(c, t, d, other.id)
                default: throw nameExists(newName)
                }
            }
            if newParent != item.parentId {
                t.detach(item.id)
                t.children[newParent, default: []].append(item.id)
                item.parentId = newParent
            }
            item.name = newName
            item.modified = Date()
            item.modifiedBy = who
            item.version += 1
            if !item.isFolder, body["name"] != nil { item.mimeType = DriveJSON.mimeType(for: newName) }
            t.items[item.id] = item
            return entity(c, t, d, item, download: false)
        }
        return .json(.object(o))
    }

    static func delete(_ c: GraphContext, _ d: Resolved, _ a: Address) throws -> EmulatorResponse {
        try c.state.drives.with(c.tenantId, directory: d.directory) { t in
            let item = try resolve(t, d, a)
            try checkIfMatch(c, item)
            guard item.parentId != nil else { throw invalid("The root folder cannot be deleted.") }
            removeSubtree(c, t, d, item.id)
        }
        return .noContent
    }

    // MARK: Uploads

    /// Parent folder and file name of an upload target, creating missing folders on the way
    /// (as OneDrive does for path-based uploads). A target that is an existing file by id
    /// (`items/{id}/content`) gives its parent and name.
    static func uploadTarget(_ c: GraphContext, _ t: TenantDrives, _ d: Resolved, _ a: Address, who: JSON) throws -> (parent: String, name: String, existing: DriveItemRecord?) {
        if a.path.isEmpty {
            let item = try resolve(t, d, a)
            guard !item.isFolder, let p = item.parentId else { throw invalid("Cannot upload content to a folder; name the file: items/{parent-id}:/{filename}:/content.") }
            return (p, item.name, item)
        }
        var parent = try resolve(t, d, Address(baseId: a.baseId, path: []))
        for name in a.path.dropLast() {
            try checkName(name)
            if let child = t.childNamed(parent.id, name) {
                guard child.isFolder else { throw invalid("'\(name)' is a file, not a folder.") }
                parent = child
            } else {
                let now = Date()
                let folder = DriveItemRecord(id: TenantDrives.newItemId(), driveId: d.drive.id, name: name, parentId: parent.id, isFolder: true,
                                             created: now, modified: now, createdBy: who, modifiedBy: who, guid: Util.newGUID())
                t.insert(folder)
                parent = folder
            }
        }
        guard parent.isFolder else { throw invalid("The parent item is not a folder.") }
        let name = a.path.last!
        try checkName(name)
        return (parent.id, name, t.childNamed(parent.id, name))
    }

    static func quotaExceeded() -> GraphError {
        GraphError(HTTPResponseStatus(statusCode: 507), "quotaLimitReached", "Insufficient Space Available")
    }

    /// Puts the file at `source` (moved, never copied) into the drive as `name` in `parentId`,
    /// honouring the conflict behaviour. Returns the item and whether it is new (201) or
    /// replaced existing content (200). Call under the lock.
    static func commitFile(_ t: TenantDrives, driveId: String, tenantId: String, parentId: String, name: String,
                           behavior: String, existingId: String?, source: String, size: Int64, hash: String, who: JSON,
                           store: DriveStore) throws -> (DriveItemRecord, Bool) {
        var target: DriveItemRecord?
        var finalName = name
        if let existingId {
            target = t.items[existingId]
        } else if let other = t.childNamed(parentId, name) {
            switch behavior {
            case "fail": throw nameExists(name)
            case "rename": finalName = t.freeName(parentId, name)
            default:
                guard !other.isFolder else { throw nameExists(name) }
                target = other
            }
        }
        let used = t.used[driveId] ?? 0
        if used - (target?.size ?? 0) + size > DriveStore.quotaTotal { throw quotaExceeded() }
        let now = Date()
        var item: DriveItemRecord
        let created: Bool
        if var existing = target {
            existing.size = size
            existing.modified = now
            existing.modifiedBy = who
            existing.version += 1
            existing.contentVersion += 1
            existing.quickXorHash = hash
            item = existing
            created = false
        } else {
            item = DriveItemRecord(id: TenantDrives.newItemId(), driveId: driveId, name: finalName, parentId: parentId, isFolder: false,
                                   size: size, created: now, modified: now, createdBy: who, modifiedBy: who,
                                   mimeType: DriveJSON.mimeType(for: finalName), quickXorHash: hash, guid: Util.newGUID())
            created = true
        }
        let dest = store.contentPath(tenantId, item.id)
        guard rename(source, dest) == 0 else {
            throw GraphError(.internalServerError, "generalException", "Could not store the file: \(String(cString: strerror(errno)))")
        }
        t.used[driveId] = used - (target?.size ?? 0) + size
        if created { t.insert(item) } else { t.items[item.id] = item }
        return (item, created)
    }

    static func upload(_ c: GraphContext, _ d: Resolved, _ a: Address) throws -> EmulatorResponse {
        let store = c.state.drives
        // The body: streamed to a file by the server, or (from $batch or a test) in memory.
        var body: StreamedBody
        if let token = c.req.header(streamedBodyHeader), let s = store.claimStreamed(token) {
            body = s
        } else {
            let path = store.tempPath()
            guard FileManager.default.createFile(atPath: path, contents: Data(c.req.body)) else {
                throw GraphError(.internalServerError, "generalException", "Could not write the upload.")
            }
            var h = QuickXorHash()
            h.update(c.req.body)
            body = StreamedBody(path: path, size: Int64(c.req.body.count), quickXorHash: h.base64)
        }
        defer { unlink(body.path) }
        if body.size > DriveStore.maxSimpleUpload {
            throw GraphError(.payloadTooLarge, "invalidRequest", "Simple upload is limited to 250 MB; use an upload session (createUploadSession).")
        }
        let behavior = try conflictBehavior(c.req.query["@microsoft.graph.conflictBehavior"], default: "replace")
        let who = identity(c)
        let (o, created): (JSONObject, Bool) = try store.with(c.tenantId, directory: d.directory) { t in
            let target = try uploadTarget(c, t, d, a, who: who)
            if let e = target.existing { try checkIfMatch(c, e) }
            let (item, created) = try commitFile(t, driveId: d.drive.id, tenantId: c.tenantId, parentId: target.parent, name: target.name,
                                                 behavior: behavior, existingId: a.path.isEmpty ? target.existing?.id : nil,
                                                 source: body.path, size: body.size, hash: body.quickXorHash, who: who, store: store)
            return (entity(c, t, d, item, download: false), created)
        }
        return .json(.object(o), status: created ? .created : .ok)
    }

    static func createSession(_ c: GraphContext, _ d: Resolved, _ a: Address) throws -> EmulatorResponse {
        let store = c.state.drives
        let body: JSONObject = c.req.body.isEmpty ? [:] : try c.body()
        let item = body["item"]?.objectValue ?? [:]
        let behavior = try conflictBehavior(item["@microsoft.graph.conflictBehavior"]?.stringValue, default: "replace")
        var fileSize: Int64?
        if let n = item["fileSize"]?.numberValue {
            guard n >= 0 else { throw invalid("fileSize must not be negative.") }
            fileSize = Int64(n)
        }
        let who = identity(c)
        let token = Util.randomToken(bytes: 32)
        let session: UploadSession = try store.with(c.tenantId, directory: d.directory) { t in
            let target = try uploadTarget(c, t, d, a, who: who)
            if let e = target.existing {
                try checkIfMatch(c, e)
                if let inm = c.req.header("If-None-Match"), inm == "*" || inm == DriveJSON.eTag(e) || inm == DriveJSON.cTag(e) {
                    throw GraphError(.preconditionFailed, "resourceModified", "The item already exists.")
                }
                if behavior == "fail" && !a.path.isEmpty { throw nameExists(target.name) }
            }
            var name = target.name
            if let n = item["name"]?.stringValue, a.path.isEmpty == false, n.caseInsensitiveCompare(name) != .orderedSame {
                try checkName(n)
                name = n
            }
            if let fileSize, (t.used[d.drive.id] ?? 0) - (target.existing?.size ?? 0) + fileSize > DriveStore.quotaTotal { throw quotaExceeded() }
            let s = UploadSession(token: token, tenantId: c.tenantId, driveId: d.drive.id, parentId: target.parent, name: name,
                                  conflictBehavior: a.path.isEmpty ? "replace" : behavior, deferCommit: body["deferCommit"]?.boolValue ?? false,
                                  createdBy: who, path: "\(store.root)/\(c.tenantId.lowercased())/upload-\(Util.newGUID())", total: fileSize,
                                  expires: Date().addingTimeInterval(DriveStore.sessionLifetime))
            return s
        }
        guard FileManager.default.createFile(atPath: session.path, contents: nil) else {
            throw GraphError(.internalServerError, "generalException", "Could not create the upload session's file.")
        }
        store.addSession(session)
        return .json(["@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#microsoft.graph.uploadSession"),
                      "uploadUrl": .string("https://\(c.req.host)/_upload/\(token)"),
                      "expirationDateTime": .string(Util.iso8601(session.expires)), "nextExpectedRanges": ["0-"]])
    }
}
