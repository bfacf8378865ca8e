import Foundation
import JSONModel
import NIOHTTP1

/// The routes of the files and folders API. A folder is addressed three ways and a file six
/// (directly, or by name below any folder address); every operation is declared once, as a
/// path below the address and a named handler, and registered below every address. Handlers
/// get the addressed server-relative URL and the route's captures (`{args}`: a call's
/// `name=value` list as `SharePointService.canonicalPath` leaves it).
extension SharePointFiles {
    typealias Operation = @Sendable (SharePointRequest, _ url: String, _ captures: [String: String]) throws -> EmulatorResponse
    typealias Address = @Sendable (SharePointRequest, [String: String]) throws -> String

    static let folderAddresses: [(String, Address)] = [
        ("_api/web/getfolderbyserverrelativeurl/{folder}", { r, p in serverRelative(p["folder"] ?? "", r) }),
        ("_api/web/getfolderbyserverrelativepath/{folder}", { r, p in serverRelative(p["folder"] ?? "", r) }),
        ("_api/web/getfolderbyid/{folderId}", { r, p in try folderURL(id: p["folderId"] ?? "", r) }),
    ]

    /// `DELETE` (an empty object back) and `POST …/recycle` (the recycle bin item's id back),
    /// also tunnelled as a DELETE, as CLI for Microsoft 365 sends it.
    static func removal(_ remove: @escaping @Sendable (SharePointRequest, String) throws -> Void) -> [(HTTPMethod, String, Operation)] {
        let recycle: Operation = { r, url, _ in
            try remove(r, url)
            return .json(SPRender(r).primitive("Recycle", .string(Util.newGUID()), edmType: "Edm.Guid"))
        }
        return [
            (.DELETE, "", { r, url, _ in try remove(r, url); return .json(.object([:])) }),
            (.POST, "recycle", recycle),
            (.DELETE, "recycle", recycle),
        ]
    }

    static let folderOperations: [(HTTPMethod, String, Operation)] = removal(removeFolder) + folderReadsAndChanges

    static let folderReadsAndChanges: [(HTTPMethod, String, Operation)] = [
        (.GET, "", getFolder),
        (.GET, "folders", subfolders),
        (.POST, "folders/add/{name}", { r, url, p in try addFolder(r, url + "/" + (p["name"] ?? ""), ensureParents: false) }),
        (.POST, "folders/addusingpath/{name}", { r, url, p in try addFolder(r, url + "/" + (p["name"] ?? ""), ensureParents: false) }),
        (.GET, "files", folderFiles),
        (.POST, "files/add/{args}", { r, url, p in
            let args = arguments(p["args"] ?? "", r)
            guard let name = args["url"], !name.isEmpty, !name.contains("/") else { throw badName }
            return try addFile(r, folder: url, name: name, overwrite: args["overwrite"]?.lowercased() == "true")
        }),
        (.GET, "listitemallfields", folderItem),
        (.PATCH, "listitemallfields", { r, url, _ in
            let body = try SharePointEndpoints.jsonBody(r)
            // A library's root folder has no list item: SharePoint answers with a null entity.
            guard try r.store.locked({ try folder(r, url).2 }) != nil else { return .json(["odata.null": true]) }
            if let name = body["FileLeafRef"]?.stringValue { try move(r, from: url, to: parent(url) + "/" + name, folder: true, replace: false) }
            return EmulatorResponse(status: .noContent)
        }),
        (.POST, "moveto/{args}", moveFolder),
        (.POST, "movetousingpath/{args}", moveFolder),
    ]

    /// Files by URL or id, and by name below each folder address (`Files('a.txt')`,
    /// `Files/GetByUrl('a.txt')`, `Files/GetByPathOrAddStub(DecodedUrl='a.txt')`).
    static let fileAddresses: [(String, Address)] = filesByURLOrId + filesInFolders

    static let filesByURLOrId: [(String, Address)] = [
        ("_api/web/getfilebyserverrelativeurl/{file}", { r, p in serverRelative(p["file"] ?? "", r) }),
        ("_api/web/getfilebyserverrelativepath/{file}", { r, p in serverRelative(p["file"] ?? "", r) }),
        ("_api/web/getfilebyid/{fileId}", { r, p in try fileURL(id: p["fileId"] ?? "", r) }),
    ]

    static let filesInFolders: [(String, Address)] = folderAddresses.flatMap { folder, resolve in
        ["files/{name}", "files/getbyurl/{name}", "files/getbypathoraddstub/{name}"].map { below -> (String, Address) in
            ("\(folder)/\(below)", { @Sendable r, p in try resolve(r, p) + "/" + SharePointPrincipals.aliased(p["name"] ?? "", r) })
        }
    }

    static let fileOperations: [(HTTPMethod, String, Operation)] = removal(deleteFile) + fileReadsAndChanges

    static let fileReadsAndChanges: [(HTTPMethod, String, Operation)] = [
        (.GET, "", getFile),
        (.GET, "serverrelativepath", { r, url, _ in
            let found = try r.store.locked { try existingFile(r, url).url }
            return .json(SPRender(r).entity(["DecodedUrl": .string(found)], SPMeta(type: "SP.ResourcePath", editLink: "ServerRelativePath"), context: "SP.ResourcePath"))
        }),
        (.GET, "$value", download),
        (.HEAD, "$value", download),
        (.PATCH, "$value", SharePointFields.saveContent),
        (.POST, "checkout", checkOut),
        (.POST, "undocheckout", undoCheckOut),
        (.POST, "checkin/{args}", checkIn),
        (.POST, "publish/{args}", publish),
        (.POST, "approve/{args}", publish),
        (.GET, "listitemallfields", fileItem),
        (.GET, "listitemallfields/parentlist", { r, url, _ in
            let listId = try r.store.locked { try existingFile(r, url).listId }
            return try SharePointEndpoints.getList(r, ["list": "id:" + listId])
        }),
        (.PATCH, "listitemallfields", { r, url, _ in
            let body = try SharePointEndpoints.jsonBody(r)
            if let name = body["FileLeafRef"]?.stringValue { try move(r, from: url, to: parent(url) + "/" + name, folder: false, replace: false) }
            return EmulatorResponse(status: .noContent)
        }),
        (.POST, "listitemallfields/validateupdatelistitem", { r, url, _ in try validateUpdate(r, url) }),
        (.POST, "moveto/{args}", { r, url, p in try moveOrCopy(r, url, p, move: true) }),
        (.POST, "copyto/{args}", { r, url, p in try moveOrCopy(r, url, p, move: false) }),
        (.POST, "startupload/{args}", startUpload),
        (.POST, "continueupload/{args}", { r, url, p in try continueUpload(r, url, p, finish: false) }),
        (.POST, "finishupload/{args}", { r, url, p in try continueUpload(r, url, p, finish: true) }),
        (.POST, "cancelupload/{args}", cancelUpload),
        (.GET, "versions", listVersions),
        (.GET, "versions/{version}", getVersion),
        (.POST, "versions/restorebylabel/{args}", restoreVersion),
        (.POST, "versions/deletebyid/{args}", removeVersion),
        (.POST, "versions/deletebylabel/{args}", removeVersion),
        (.DELETE, "versions/deletebylabel/{args}", removeVersion),
        (.POST, "versions/recyclebyid/{args}", removeVersion),
        (.POST, "versions/recyclebylabel/{args}", removeVersion),
        (.POST, "versions/deleteall", removeAllVersions),
        (.POST, "versions/recycleall", removeAllVersions),
    ]

    static func register(_ r: inout Router<SharePointRequest>.RouteList) {
        func add(_ addresses: [(String, Address)], _ operations: [(HTTPMethod, String, Operation)]) {
            for (address, resolve) in addresses {
                for (method, below, operation) in operations {
                    r.sharePoint(method, below.isEmpty ? address : address + "/" + below) { req, p in
                        try checkAccess(req)
                        return try operation(req, try resolve(req, p), p)
                    }
                }
            }
        }
        add(folderAddresses, folderOperations)
        add(fileAddresses, fileOperations)
        r.sharePoint(.POST, "_api/web/folders") { req, _ in
            try checkAccess(req)
            let body = try SharePointEndpoints.jsonBody(req)
            guard let url = body["ServerRelativeUrl"]?.stringValue else { throw badName }
            return try addFolder(req, serverRelative(url, req), ensureParents: false)
        }
        for add in ["add", "addusingpath"] {
            r.sharePoint(.POST, "_api/web/folders/\(add)/{folder}") { req, p in
                try checkAccess(req)
                return try addFolder(req, serverRelative(p["folder"] ?? "", req), ensureParents: false)
            }
        }
        r.sharePoint(.POST, "_api/foldercoloring/stampcolor/{folder}") { req, p in try colorFolder(req, p, rename: false) }
        r.sharePoint(.POST, "_api/foldercoloring/renamefolder/{folder}") { req, p in try colorFolder(req, p, rename: true) }
        r.sharePoint(.POST, "_api/foldercoloring/createfolder/{folder}") { req, p in try createColoredFolder(req, p) }
        r.sharePoint(.POST, "_api/sp.movecopyutil.copyfilebypath") { req, _ in try moveCopyUtil(req, move: false) }
        r.sharePoint(.POST, "_api/sp.movecopyutil.movefilebypath") { req, _ in try moveCopyUtil(req, move: true) }
        SharePointFolderOps.register(&r)
        r.sharePoint(.POST, "_api/site/createcopyjobs") { req, _ in try createCopyJobs(req) }
        r.sharePoint(.POST, "_api/site/getcopyjobprogress") { req, _ in try copyJobProgress(req) }
    }

    // MARK: Addresses

    static func folderURL(id: String, _ r: SharePointRequest) throws -> String {
        try r.store.locked {
            guard let f = r.store.files.folders.values.first(where: { $0.uniqueId.caseInsensitiveCompare(id) == .orderedSame }) else {
                if let l = r.web.lists.first(where: { $0.isLibrary && rootFolderId($0).caseInsensitiveCompare(id) == .orderedSame }) { return rootURL(l, r) }
                throw folderNotFound
            }
            return f.url
        }
    }

    static func fileURL(id: String, _ r: SharePointRequest) throws -> String {
        try r.store.locked {
            let host = r.request.host.lowercased() + "|"
            guard let f = r.store.files.files.first(where: { $0.key.hasPrefix(host) && $0.value.uniqueId.caseInsensitiveCompare(id) == .orderedSame })?.value else {
                throw SPError(.notFound, "-2130575338, Microsoft.SharePoint.SPException", "File Not Found.")
            }
            return f.url
        }
    }

    /// The file at `url`, or file not found. Call under the lock.
    static func existingFile(_ r: SharePointRequest, _ url: String) throws -> SPFileRecord {
        guard let f = r.store.files.files[key(r, url)] else { throw fileNotFound(url) }
        return f
    }

    /// A file checked out to someone else cannot be changed. Call under the lock.
    static func requireNotCheckedOutByOthers(_ r: SharePointRequest, _ f: SPFileRecord) throws {
        if let by = f.checkedOutBy, by != SharePointEndpoints.userId(r) { throw checkedOut(f.url, by: f.checkedOutLogin) }
    }

    // MARK: Folder operations

    static func getFolder(_ r: SharePointRequest, _ url: String, _: [String: String]) throws -> EmulatorResponse {
        let (props, list, record) = try r.store.locked { try folder(r, url) }
        var all = props
        let q = try SPQuery(r.request, properties: folderNames, typeName: "SP.Folder", navigation: ["ListItemAllFields"])
        if q.expand.contains("ListItemAllFields") {
            // A library's root folder has no item: null, as SharePoint answers.
            if var item = r.store.locked({ record.flatMap { itemProps(list, $0.itemId) } }) {
                let nested = q.nestedExpand["ListItemAllFields"] ?? []
                let chain = try SharePointPermissions.folderChain(r, url)
                if nested.contains(where: { $0.hasPrefix("roleassignments") }) {
                    let inner = nested.compactMap { $0.hasPrefix("roleassignments/") ? String($0.dropFirst("roleassignments/".count)) : nil }
                    item["RoleAssignments"] = .array(try SharePointPrincipals.roleAssignments(r, expand: inner, chain: chain).map(JSON.object))
                }
                if nested.contains("parentlist") { item["ParentList"] = ["Id": .string(list.id)] }
                if nested.contains("hasuniqueroleassignments") { item["HasUniqueRoleAssignments"] = .bool(try SharePointPermissions.hasUnique(r, chain: chain)) }
                all["ListItemAllFields"] = .object(item)
            } else {
                all["ListItemAllFields"] = .null
            }
        }
        return .json(SPRender(r).entity(q.project(all), SPMeta(type: "SP.Folder", editLink: "Web/GetFolderByServerRelativePath(decodedurl='\(url)')"),
                                        context: "SP.Folder"))
    }

    static func subfolders(_ r: SharePointRequest, _ url: String, _: [String: String]) throws -> EmulatorResponse {
        let render = SPRender(r)
        let q = try SPQuery(r.request, properties: folderNames, typeName: "SP.Folder")
        let rows: [JSONObject] = try r.store.locked {
            _ = try folder(r, url)
            let prefix = key(r, url) + "/"
            let files = r.store.files
            return files.folders.filter { $0.key.hasPrefix(prefix) && !$0.key.dropFirst(prefix.count).contains("/") }
                .map(\.value).sorted { $0.url < $1.url }.map { f in
                    let p = key(r, f.url) + "/"
                    let count = files.files.keys.filter { $0.hasPrefix(p) && !$0.dropFirst(p.count).contains("/") }.count
                        + files.folders.keys.filter { $0.hasPrefix(p) && !$0.dropFirst(p.count).contains("/") }.count
                    return folderProps(f.url, uniqueId: f.uniqueId, created: f.created, modified: f.modified, itemCount: count, r: r)
                }
        }
        let page = q.sorted(rows, { $0 }).filter(q.matches).prefix(q.top ?? Int.max)
        return .json(render.collection(page.map { render.entry(q.project($0), SPMeta(type: "SP.Folder", editLink: "Web/GetFolderByServerRelativePath(decodedurl='\($0["ServerRelativeUrl"]?.stringValue ?? "")')")) },
                                       context: "SP.ApiData.Folders", next: nil))
    }

    static func folderFiles(_ r: SharePointRequest, _ url: String, _: [String: String]) throws -> EmulatorResponse {
        let render = SPRender(r)
        let q = try SPQuery(r.request, properties: fileNames, typeName: "SP.File", navigation: ["ListItemAllFields"])
        let rows: [(JSONObject, SPList, Int)] = try r.store.locked {
            let (_, list, _) = try folder(r, url)
            let prefix = key(r, url) + "/"
            return r.store.files.files.filter { $0.key.hasPrefix(prefix) && !$0.key.dropFirst(prefix.count).contains("/") }
                .map(\.value).sorted { $0.url < $1.url }.map { (fileProps($0), list, $0.itemId) }
        }
        var out: [JSON] = []
        for (props, list, itemId) in q.sorted(rows, { $0.0 }).filter({ q.matches($0.0) }).prefix(q.top ?? Int.max) {
            var all = props
            if q.expand.contains("ListItemAllFields") { all["ListItemAllFields"] = .object(r.store.locked { itemProps(list, itemId) } ?? [:]) }
            out.append(render.entry(q.project(all), SPMeta(type: "SP.File", editLink: "Web/GetFileByServerRelativePath(decodedurl='\(props["ServerRelativeUrl"]?.stringValue ?? "")')")))
        }
        return .json(render.collection(out, context: "SP.ApiData.Files12", next: nil))
    }

    static func folderItem(_ r: SharePointRequest, _ url: String, _: [String: String]) throws -> EmulatorResponse {
        let props: JSONObject = try r.store.locked {
            let (_, list, record) = try folder(r, url)
            guard let record, let p = itemProps(list, record.itemId) else { throw SPError.itemNotFound }
            return p
        }
        return .json(SPRender(r).entity(props, SPMeta(type: "SP.ListItem", editLink: "ListItemAllFields"), context: "SP.ListItem"))
    }

    static func moveFolder(_ r: SharePointRequest, _ url: String, _ p: [String: String]) throws -> EmulatorResponse {
        let args = arguments(p["args"] ?? "", r)
        guard let target = args["newurl"] ?? args["decodedurl"] else { throw badName }
        try move(r, from: url, to: serverRelative(target, r), folder: true, replace: false)
        return .json(.object([:]))
    }

    /// Folder coloring: `StampColor` sets the color (the item's `_ColorHex`, 0-15), `RenameFolder`
    /// also renames the folder to `newName`.
    static func colorFolder(_ r: SharePointRequest, _ p: [String: String], rename: Bool) throws -> EmulatorResponse {
        try checkAccess(r)
        var url = serverRelative(p["folder"] ?? "", r)
        let body = try SharePointEndpoints.jsonBody(r)
        let color = try colorHex(body, method: rename ? "RenameFolder" : "StampColor")
        if rename {
            guard let name = body["newName"]?.stringValue, !name.isEmpty else { throw badName }
            try move(r, from: url, to: parent(url) + "/" + name, folder: true, replace: false)
            url = parent(url) + "/" + name
        }
        try stamp(r, url, color)
        return .json(.object([:]))
    }

    /// `coloringInformation.ColorHex`, a folder color 0…15.
    static func colorHex(_ body: JSONObject, method: String) throws -> String {
        guard let color = body["coloringInformation"]?["ColorHex"]?.stringValue, let n = Int(color), (0...15).contains(n) else {
            throw SPError.invalidQuery("The parameter coloringInformation does not exist in method \(method).")
        }
        return color
    }

    /// The color on the folder's item (`_ColorHex`).
    static func stamp(_ r: SharePointRequest, _ url: String, _ color: String) throws {
        try r.store.locked {
            let (_, list, record) = try folder(r, url)
            guard let record, let i = list.position(of: record.itemId) else { throw badName }
            list.noteFields(["_ColorHex": .string(color)])
            list.items[i].fields["_ColorHex"] = .string(color)
        }
    }

    /// `POST _api/foldercoloring/createfolder(DecodedUrl='…', overwrite=false)` with
    /// `coloringInformation`: a new folder, colored; its properties back.
    static func createColoredFolder(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        // The path is the first argument; `overwrite=false` follows it.
        var raw = p["folder"] ?? ""
        if let end = raw.range(of: "',", options: .backwards) ?? raw.range(of: ",", options: .backwards) { raw = String(raw[..<end.lowerBound]) }
        let url = serverRelative(raw, r)
        let color = try colorHex(try SharePointEndpoints.jsonBody(r), method: "CreateFolder")
        let created = try addFolder(r, url, ensureParents: false)
        try stamp(r, url, color)
        return created
    }

    // MARK: File operations

    static func getFile(_ r: SharePointRequest, _ url: String, _ p: [String: String]) throws -> EmulatorResponse {
        // A package in an app catalog's folder is the catalog's (`GetFolderByServerRelativeUrl('AppCatalog')/Files('x.sppkg')`).
        if let folder = p["folder"], p["name"] != nil, folder.lowercased().trimmingSuffix("/").hasSuffix("appcatalog") {
            return try SharePointApps.catalogFile(r, p)
        }
        let q = try SPQuery(r.request, properties: fileNames + vroomNames + ["ListId"], typeName: "SP.File", navigation: ["ListItemAllFields"])
        let all: JSONObject = try r.store.locked {
            let f = try existingFile(r, url)
            var props = fileProps(f)
            // Only on request, as SharePoint gives them.
            if let select = q.select, select.contains(where: vroomNames.contains) {
                props["SiteId"] = .string(r.web.siteId)
                props["WebId"] = .string(r.web.id)
                props["VroomDriveID"] = .string(vroomDriveId(f.listId))
                props["VroomItemID"] = .string(vroomItemId(f.uniqueId))
            }
            if q.select?.contains("ListId") == true { props["ListId"] = .string(f.listId) }
            if q.expand.contains("ListItemAllFields"), let list = r.web.list(id: f.listId) {
                var item = itemProps(list, f.itemId) ?? [:]
                if q.nestedExpand["ListItemAllFields"]?.contains("parentlist") == true { item["ParentList"] = ["Id": .string(list.id), "Title": .string(list.title)] }
                props["ListItemAllFields"] = .object(item)
            }
            return props
        }
        return fileResponse(r, q.project(all))
    }

    static func download(_ r: SharePointRequest, _ url: String, _: [String: String]) throws -> EmulatorResponse {
        let (path, length): (String, Int64) = try r.store.locked { let f = try existingFile(r, url); return (f.contentPath, f.length) }
        var h = HTTPHeaders()
        h.add(name: "Content-Type", value: "application/octet-stream")
        h.add(name: bodyFileHeader, value: "\(length)|\(path)")
        return EmulatorResponse(status: .ok, headers: h)
    }

    static func deleteFile(_ r: SharePointRequest, _ url: String) throws {
        try r.store.locked {
            let f = try existingFile(r, url)
            try requireNotCheckedOutByOthers(r, f)
            f.deleteContent()
            removeItem(r.web.list(id: f.listId), f.itemId)
            r.store.files.files[key(r, url)] = nil
        }
    }

    static func checkOut(_ r: SharePointRequest, _ url: String, _: [String: String]) throws -> EmulatorResponse {
        try r.store.locked {
            let f = try existingFile(r, url)
            try requireNotCheckedOutByOthers(r, f)
            f.checkedOutBy = SharePointEndpoints.userId(r)
            f.checkedOutLogin = login(r)
        }
        return .json(.object([:]))
    }

    /// The file checked out by this user, its check-out ended. Call under the lock.
    static func endCheckOut(_ r: SharePointRequest, _ url: String) throws -> SPFileRecord {
        let f = try existingFile(r, url)
        guard f.checkedOutBy != nil else { throw notCheckedOut(url) }
        try requireNotCheckedOutByOthers(r, f)
        f.checkedOutBy = nil
        f.checkedOutLogin = ""
        return f
    }

    static func undoCheckOut(_ r: SharePointRequest, _ url: String, _: [String: String]) throws -> EmulatorResponse {
        _ = try r.store.locked { try endCheckOut(r, url) }
        return .json(.object([:]))
    }

    static func checkIn(_ r: SharePointRequest, _ url: String, _ p: [String: String]) throws -> EmulatorResponse {
        let args = arguments(p["args"] ?? "", r)
        try r.store.locked {
            let f = try endCheckOut(r, url)
            f.checkInComment = args["comment"] ?? ""
            // 0 minor, 1 major, 2 overwrite
            switch args["checkintype"] ?? "0" {
            case "1": f.majorVersion += 1; f.minorVersion = 0
            case "2": break
            default: f.minorVersion += 1
            }
            f.version += 1
        }
        return .json(.object([:]))
    }

    /// `Publish(comment)` and `Approve(comment)`: a minor version becomes the next major one.
    static func publish(_ r: SharePointRequest, _ url: String, _: [String: String]) throws -> EmulatorResponse {
        try r.store.locked {
            let f = try existingFile(r, url)
            try requireNotCheckedOutByOthers(r, f)
            if f.minorVersion > 0 { f.majorVersion += 1; f.minorVersion = 0; f.version += 1 }
        }
        return .json(.object([:]))
    }

    static func fileItem(_ r: SharePointRequest, _ url: String, _: [String: String]) throws -> EmulatorResponse {
        let props: JSONObject = try r.store.locked {
            let f = try existingFile(r, url)
            guard let list = r.web.list(id: f.listId), let p = itemProps(list, f.itemId) else { throw SPError.itemNotFound }
            return p
        }
        return .json(SPRender(r).entity(props, SPMeta(type: "SP.ListItem", editLink: "ListItemAllFields"), context: "SP.ListItem"))
    }

    static func moveOrCopy(_ r: SharePointRequest, _ url: String, _ p: [String: String], move isMove: Bool) throws -> EmulatorResponse {
        let args = arguments(p["args"] ?? "", r)
        guard let target = args["newurl"] ?? args["strnewurl"] else { throw badName }
        let to = serverRelative(target, r)
        let replace = (args["flags"] ?? "0") == "1" || args["boverwrite"]?.lowercased() == "true"
        if isMove { try move(r, from: url, to: to, folder: false, replace: replace) } else { try copy(r, from: url, to: to, replace: replace) }
        return .json(.object([:]))
    }

    // MARK: Chunked uploads

    static func startUpload(_ r: SharePointRequest, _ url: String, _ p: [String: String]) throws -> EmulatorResponse {
        let id = arguments(p["args"] ?? "", r)["uploadid"] ?? ""
        guard isGUID(id) else { throw badName }
        let body = try bodyFile(r)
        defer { unlink(body.path) }
        let offset: Int64 = try r.store.locked {
            _ = try folder(r, parent(url))
            if let f = r.store.files.files[key(r, url)] { try requireNotCheckedOutByOthers(r, f) }
            if let u = r.store.files.uploads[id.lowercased()] { return u.committed }  // a retry whose answer was lost
            let u = SPUpload(id: id.lowercased(), key: key(r, url), url: url, path: r.state.drives.tempPath())
            guard FileManager.default.createFile(atPath: u.path, contents: nil) else { throw SPError(.internalServerError, "-1, System.IO.IOException", "Could not start the upload.") }
            if body.size > 0 { try append(body, to: u.path); u.lastStart = 0; u.committed = body.size }
            r.store.files.uploads[u.id] = u
            return u.committed
        }
        return .json(SPRender(r).primitive("StartUpload", .string(String(offset)), edmType: "Edm.Int64"))
    }

    /// `ContinueUpload` and `FinishUpload`: a chunk at the offset the upload has reached (or
    /// the last chunk again, its answer lost), and for the last the file made from them.
    static func continueUpload(_ r: SharePointRequest, _ url: String, _ p: [String: String], finish: Bool) throws -> EmulatorResponse {
        let args = arguments(p["args"] ?? "", r)
        let id = (args["uploadid"] ?? "").lowercased()
        guard let offset = args["fileoffset"].flatMap({ Int64($0) }) else { throw badName }
        let body = try bodyFile(r)
        defer { unlink(body.path) }
        let result: JSON = try r.store.locked {
            let store = r.store.files
            guard let u = store.uploads[id] else {
                // FinishUpload re-sent after its answer was lost: the file it made.
                if finish, let k = store.finished[id], let f = store.files[k] { return .object(fileProps(f)) }
                throw uploadNotFound(id)
            }
            guard u.key == key(r, url) else { throw uploadNotFound(id) }
            if offset == u.committed {
                try append(body, to: u.path)
                u.lastStart = offset
                u.committed += body.size
            } else if !(offset == u.lastStart && offset + body.size == u.committed) {
                throw SPError(.badRequest, "-2147024809, System.ArgumentException",
                              "The offset \(offset) of the chunk does not match the upload: \(u.committed) bytes were received.")
            }
            guard finish else { return .string(String(u.committed)) }
            let f = try commit(r, folder: parent(u.url), name: leaf(u.url), content: u.path, size: u.committed, overwrite: true)
            store.uploads[id] = nil
            store.finished[id] = u.key
            return .object(fileProps(f))
        }
        if finish, let props = result.objectValue { return fileResponse(r, props) }
        return .json(SPRender(r).primitive("ContinueUpload", result, edmType: "Edm.Int64"))
    }

    static func cancelUpload(_ r: SharePointRequest, _: String, _ p: [String: String]) throws -> EmulatorResponse {
        let id = (arguments(p["args"] ?? "", r)["uploadid"] ?? "").lowercased()
        try r.store.locked {
            guard let u = r.store.files.uploads.removeValue(forKey: id) else { throw uploadNotFound(id) }
            unlink(u.path)
        }
        return .json(.object([:]))
    }

    // MARK: Versions (`…/Versions`, `Versions(512)`, `RestoreByLabel`, `DeleteByID`, `DeleteByLabel`, `DeleteAll`)

    static func versionMeta(_ v: SPFileVersionRecord) -> SPMeta { SPMeta(type: "SP.FileVersion", editLink: "SP.FileVersion\(v.id)") }

    static func listVersions(_ r: SharePointRequest, _ url: String, _: [String: String]) throws -> EmulatorResponse {
        let render = SPRender(r)
        let q = try SPQuery(r.request, properties: versionNames, typeName: "SP.FileVersion")
        // ExpirationDate comes only when `$select` names it, as SharePoint sends it.
        let named = (r.request.query["$select"] ?? "").lowercased().split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == "expirationdate" }
        let rows: [(JSONObject, SPFileVersionRecord)] = try r.store.locked {
            let f = try existingFile(r, url)
            return f.versions.map { v in
                var props = versionProps(v, f)
                if !named { props["ExpirationDate"] = nil }
                return (props, v)
            }
        }
        let page = q.sorted(rows, { $0.0 }).filter { q.matches($0.0) }.prefix(q.top ?? Int.max)
        return .json(render.collection(page.map { render.entry(q.project($0.0), versionMeta($0.1)) }, context: "SP.ApiData.FileVersions", next: nil))
    }

    static func getVersion(_ r: SharePointRequest, _ url: String, _ p: [String: String]) throws -> EmulatorResponse {
        let which = p["version"] ?? ""
        let (props, v): (JSONObject, SPFileVersionRecord) = try r.store.locked {
            let f = try existingFile(r, url)
            guard let v = f.versions.first(where: { String($0.id) == which }) else { throw versionNotFound(which) }
            return (versionProps(v, f), v)
        }
        return .json(SPRender(r).entity(props, versionMeta(v), context: "SP.ApiData.FileVersions"))
    }

    static func restoreVersion(_ r: SharePointRequest, _ url: String, _ p: [String: String]) throws -> EmulatorResponse {
        let args = arguments(p["args"] ?? "", r)
        let label = args["versionlabel"] ?? args[""] ?? ""
        let user = SharePointEndpoints.userId(r)
        try r.store.locked {
            let f = try existingFile(r, url)
            try requireNotCheckedOutByOthers(r, f)
            guard let v = f.versions.first(where: { $0.label == label }) else { throw versionNotFound(label) }
            let copy = contentDirectory(r) + "/" + Util.newGUID()
            guard (try? FileManager.default.copyItem(atPath: v.contentPath, toPath: copy)) != nil else {
                throw SPError(.internalServerError, "-1, System.IO.IOException", "Could not restore the version.")
            }
            f.keepCurrentAsVersion()
            f.contentPath = copy
            f.length = v.size
            f.modified = Util.iso8601(Date())
            f.editorId = user
            f.version += 1
            f.majorVersion += 1
            f.minorVersion = 0
        }
        return .json(.object([:]))
    }

    /// `DeleteByID(vid=n)`, `DeleteByLabel(versionlabel='1.0')` and their `Recycle…` twins.
    static func removeVersion(_ r: SharePointRequest, _ url: String, _ p: [String: String]) throws -> EmulatorResponse {
        let args = arguments(p["args"] ?? "", r)
        try r.store.locked {
            let f = try existingFile(r, url)
            let byId = args["vid"]
            let which = byId ?? args["versionlabel"] ?? args[""] ?? ""
            guard let i = f.versions.firstIndex(where: { byId != nil ? String($0.id) == which : $0.label == which }) else {
                throw versionNotFound(which)
            }
            unlink(f.versions[i].contentPath)
            f.versions.remove(at: i)
        }
        return .json(.object([:]))
    }

    static func removeAllVersions(_ r: SharePointRequest, _ url: String, _: [String: String]) throws -> EmulatorResponse {
        try r.store.locked {
            let f = try existingFile(r, url)
            for v in f.versions { unlink(v.contentPath) }
            f.versions = []
        }
        return .json(.object([:]))
    }
}
