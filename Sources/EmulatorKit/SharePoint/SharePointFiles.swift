import Foundation
import JSONModel
import NIOHTTP1

/// A folder of a document library below its root folder (root folders are implied by the
/// library). Guarded by `SharePointStore`'s lock.
final class SPFolderRecord: @unchecked Sendable {
    let uniqueId: String
    var url: String
    let created: String
    var modified: String
    var itemId: Int
    let listId: String

    init(uniqueId: String, url: String, created: String, itemId: Int, listId: String) {
        self.uniqueId = uniqueId
        self.url = url
        self.created = created
        self.modified = created
        self.itemId = itemId
        self.listId = listId
    }

    var name: String { SharePointFiles.leaf(url) }
}

/// A file of a document library: its bytes live on disk (`contentPath`), never in memory.
final class SPFileRecord: @unchecked Sendable {
    let uniqueId: String
    var url: String
    var length: Int64
    let created: String
    var modified: String
    var authorId: Int
    var editorId: Int
    var contentPath: String
    var majorVersion = 1
    var minorVersion = 0
    /// The site user id and login of the user who has it checked out.
    var checkedOutBy: Int?
    var checkedOutLogin = ""
    var checkInComment = ""
    var itemId: Int
    let listId: String
    var version = 1
    /// Earlier versions, oldest first; their bytes stay on disk too.
    var versions: [SPFileVersionRecord] = []
    /// Sharing links made through Graph's `createLink` (`GraphSharingLinks`): Graph permission objects.
    var sharingLinks: [JSONObject] = []

    init(uniqueId: String, url: String, length: Int64, created: String, authorId: Int, contentPath: String, itemId: Int, listId: String) {
        self.uniqueId = uniqueId
        self.url = url
        self.length = length
        self.created = created
        self.modified = created
        self.authorId = authorId
        self.editorId = authorId
        self.contentPath = contentPath
        self.itemId = itemId
        self.listId = listId
    }

    var name: String { SharePointFiles.leaf(url) }

    /// `512 * major + minor`, SharePoint's version id.
    var versionId: Int { majorVersion * 512 + minorVersion }
    var label: String { "\(majorVersion).\(minorVersion)" }

    /// Unlinks the content and every version's (the file is going away).
    func deleteContent() {
        unlink(contentPath)
        for v in versions { unlink(v.contentPath) }
    }

    /// Keeps the current content as a version before new content replaces it.
    func keepCurrentAsVersion() {
        versions.append(SPFileVersionRecord(id: versionId, label: label, created: modified, size: length, contentPath: contentPath,
                                            checkInComment: checkInComment, editorId: editorId))
    }
}

/// An earlier version of a file (`…/Versions`).
struct SPFileVersionRecord: Sendable {
    let id: Int
    let label: String
    let created: String
    let size: Int64
    let contentPath: String
    let checkInComment: String
    let editorId: Int
}

/// A chunked upload (StartUpload / ContinueUpload / FinishUpload): bytes are appended to `path`
/// as chunks arrive; `lastStart` lets a chunk whose answer was lost be re-sent harmlessly.
final class SPUpload: @unchecked Sendable {
    let id: String
    let key: String
    let url: String
    let path: String
    var committed: Int64 = 0
    var lastStart: Int64 = -1

    init(id: String, key: String, url: String, path: String) {
        self.id = id
        self.key = key
        self.url = url
        self.path = path
    }
}

/// Files and folders of every document library; keys are `host|lower-cased server-relative URL`.
/// Only touched under `SharePointStore`'s lock.
final class SPFileStore: @unchecked Sendable {
    var folders: [String: SPFolderRecord] = [:]
    var files: [String: SPFileRecord] = [:]
    var uploads: [String: SPUpload] = [:]
    /// Finished uploads: upload id → file key, so a FinishUpload whose answer was lost can be answered again.
    var finished: [String: String] = [:]

    /// Everything gone, files on disk included (the directory reset). Call under the lock.
    func reset() {
        for f in files.values { f.deleteContent() }
        for u in uploads.values { unlink(u.path) }
        folders = [:]
        files = [:]
        uploads = [:]
        finished = [:]
    }
}

/// The files and folders REST API of document libraries: `GetFolderByServerRelativeUrl|Path`,
/// `GetFolderById`, `GetFileByServerRelativeUrl|Path`, `GetFileById`, `web/folders`, with
/// `Files/add`, chunked uploads, `$value` downloads (sent from disk by `DriveStreamHandler`),
/// check-out and check-in, rename (`ListItemAllFields`), `MoveTo`/`CopyTo`, delete and recycle.
enum SharePointFiles {
    typealias Handler = @Sendable (SharePointRequest, [String: String]) throws -> EmulatorResponse

    /// A response whose body is a file on disk: `DriveStreamHandler` sends it in chunks.
    static let bodyFileHeader = "x-m365-emulator-body-file"

    static let prefixes = ["getfolderbyserverrelativeurl", "getfolderbyserverrelativepath", "getfolderbyid",
                           "getfilebyserverrelativeurl", "getfilebyserverrelativepath", "getfilebyid", "folders"]

    static func register(_ r: inout Router<SharePointRequest>.RouteList) {
        for prefix in prefixes {
            r.sharePoint(nil, "_api/web/\(prefix)/{rest*}") { req, p in try dispatch(req, prefix, SharePointPrincipals.segments(p["rest"])) }
        }
        r.sharePoint(.POST, "_api/sp.movecopyutil.copyfilebypath") { req, _ in try moveCopyUtil(req, move: false) }
        r.sharePoint(.POST, "_api/sp.movecopyutil.movefilebypath") { req, _ in try moveCopyUtil(req, move: true) }
    }

    // MARK: Streaming hooks (DriveStreamHandler)

    /// A SharePoint request whose body is file content: streamed to disk before routing.
    static func isStreamedUpload(_ method: HTTPMethod, path: String) -> Bool {
        guard method == .POST else { return false }
        let lower = path.lowercased()
        return lower.contains("/_api/") && (lower.contains("/files/add") || lower.contains("/startupload(") || lower.contains("/continueupload(")
            || lower.contains("/finishupload("))
    }

    /// A file download (`…/$value`): answered from disk.
    static func isDownload(_ method: HTTPMethod, path: String) -> Bool {
        guard method == .GET || method == .HEAD else { return false }
        let lower = path.lowercased()
        return lower.contains("/_api/") && (lower.hasSuffix("/$value") || lower.hasSuffix("/%24value"))
    }

    // MARK: Errors

    static func fileNotFound(_ url: String) -> SPError {
        SPError(.notFound, "-2130575338, Microsoft.SharePoint.SPException", "The file \(url) does not exist.")
    }
    static let folderNotFound = SPError(.notFound, "-2147024894, System.IO.FileNotFoundException", "File Not Found.")
    static func alreadyExists(_ url: String, by login: String, on date: String) -> SPError {
        SPError(.badRequest, "-2130575257, Microsoft.SharePoint.SPException",
                "A file with the name \(url) already exists. It was last modified by \(login) on \(date).")
    }
    static func checkedOut(_ url: String, by login: String) -> SPError {
        SPError(.locked, "-2130575306, Microsoft.SharePoint.SPFileCheckOutException", "The file \"\(url)\" is checked out for editing by \(login).")
    }
    static func notCheckedOut(_ url: String) -> SPError {
        SPError(.badRequest, "-2130575305, Microsoft.SharePoint.SPFileCheckOutException", "The file \"\(url)\" is not checked out.")
    }
    static func uploadNotFound(_ id: String) -> SPError {
        SPError(.notFound, "-2130575338, Microsoft.SharePoint.SPException", "The upload session \(id) does not exist or has ended.")
    }
    static let badName = SPError(.badRequest, "-2147024809, System.ArgumentException", "Value does not fall within the expected range.")

    // MARK: Paths

    static func leaf(_ url: String) -> String { String(url.split(separator: "/").last ?? "") }
    static func parent(_ url: String) -> String {
        guard let slash = url.lastIndex(of: "/") else { return "/" }
        return slash == url.startIndex ? "/" : String(url[..<slash])
    }
    static func key(_ r: SharePointRequest, _ url: String) -> String { r.request.host.lowercased() + "|" + url.lowercased() }

    /// A server-relative URL from what the client sent: `@alias`, absolute, server- or web-relative.
    static func serverRelative(_ raw: String, _ r: SharePointRequest) -> String {
        var value = SharePointPrincipals.aliased(raw, r)
        if value.count >= 2, value.hasPrefix("'"), value.hasSuffix("'") { value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'") }
        if value.lowercased().hasPrefix("https://"), let path = URL(string: value.replacingOccurrences(of: " ", with: "%20"))?.path { value = path }
        if !value.hasPrefix("/") {
            let base = r.web.serverRelativeUrl
            value = (base == "/" ? "" : base) + "/" + value
        }
        while value.count > 1, value.hasSuffix("/") { value.removeLast() }
        return value
    }

    /// The document library holding `url` (the library root itself included). Call under the lock.
    static func library(_ url: String, _ r: SharePointRequest) -> SPList? {
        let base = r.web.serverRelativeUrl == "/" ? "" : r.web.serverRelativeUrl
        let lower = url.lowercased()
        return r.web.lists.first { l in
            guard l.isLibrary else { return false }
            let root = (base + "/" + l.url).lowercased()
            return lower == root || lower.hasPrefix(root + "/")
        }
    }

    static func rootURL(_ list: SPList, _ r: SharePointRequest) -> String {
        (r.web.serverRelativeUrl == "/" ? "" : r.web.serverRelativeUrl) + "/" + list.url
    }

    /// `key=value` pairs of a call's arguments (`url='a.txt',overwrite=true`), aliases resolved.
    static func arguments(_ text: String, _ r: SharePointRequest) -> [String: String] {
        var out: [String: String] = [:]
        var i = text.startIndex
        while i < text.endIndex {
            guard let eq = text[i...].firstIndex(of: "=") else { break }
            let name = text[i..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            var j = text.index(after: eq)
            while j < text.endIndex, text[j] == " " { j = text.index(after: j) }
            var value = ""
            if j < text.endIndex, text[j] == "'" || text[j...].lowercased().hasPrefix("guid'") {
                if text[j] != "'" { j = text.index(j, offsetBy: 4) }
                j = text.index(after: j)
                while j < text.endIndex {
                    if text[j] == "'" {
                        let next = text.index(after: j)
                        if next < text.endIndex, text[next] == "'" { value.append("'"); j = text.index(after: next); continue }
                        j = next
                        break
                    }
                    value.append(text[j])
                    j = text.index(after: j)
                }
            } else {
                while j < text.endIndex, text[j] != "," { value.append(text[j]); j = text.index(after: j) }
                value = SharePointPrincipals.aliased(value.trimmingCharacters(in: .whitespaces), r)
                if value.count >= 2, value.hasPrefix("'"), value.hasSuffix("'") { value = String(value.dropFirst().dropLast()) }
            }
            out[name] = value
            while j < text.endIndex, text[j] == "," || text[j] == " " { j = text.index(after: j) }
            i = j
        }
        return out
    }

    // MARK: Permissions

    /// A personal site (OneDrive) is its owner's: other users get access denied.
    static func checkAccess(_ r: SharePointRequest) throws {
        let token = r.token
        guard !token.isAppOnly, r.request.host.lowercased().contains("-my.") else { return }
        let parts = r.web.serverRelativeUrl.lowercased().split(separator: "/")
        guard parts.count >= 2, parts[0] == "personal" else { return }
        let upn = (token.claims["upn"]?.stringValue ?? token.claims["preferred_username"]?.stringValue ?? "").lowercased()
        let mangled = upn.map { $0 == "@" || $0 == "." ? "_" : $0 }
        if String(mangled) != String(parts[1]) { throw SPError.accessDenied }
    }

    static func login(_ r: SharePointRequest) -> String {
        let token = r.token
        if token.isAppOnly { return "SharePoint App" }
        return "i:0#.f|membership|" + (token.claims["upn"]?.stringValue ?? token.claims["preferred_username"]?.stringValue ?? "")
    }

    // MARK: Rendering

    static func folderProps(_ url: String, uniqueId: String, created: String, modified: String, itemCount: Int, r: SharePointRequest) -> JSONObject {
        [
            "Exists": true, "ExistsAllowThrowForPolicyFailures": true, "IsWOPIEnabled": false, "ItemCount": JSON(itemCount),
            "Name": .string(leaf(url)), "ProgID": nil, "ServerRelativeUrl": .string(url), "TimeCreated": .string(created),
            "TimeLastModified": .string(modified), "UniqueId": .string(uniqueId), "WelcomePage": "",
        ]
    }

    static func fileProps(_ f: SPFileRecord) -> JSONObject {
        let guid = f.uniqueId.uppercased()
        return [
            "CheckInComment": .string(f.checkInComment), "CheckOutType": JSON(f.checkedOutBy == nil ? 2 : 0),
            "ContentTag": .string("{\(guid)},\(f.version),\(f.version)"), "CustomizedPageStatus": 0, "ETag": .string("\"{\(guid)},\(f.version)\""),
            "Exists": true, "ExistsAllowThrowForPolicyFailures": true, "IrmEnabled": false, "Length": .string(String(f.length)),
            "Level": JSON(f.checkedOutBy == nil ? 1 : 255), "LinkingUri": nil, "LinkingUrl": "", "MajorVersion": JSON(f.majorVersion),
            "MinorVersion": JSON(f.minorVersion), "Name": .string(f.name), "ServerRelativeUrl": .string(f.url), "TimeCreated": .string(f.created),
            "TimeLastModified": .string(f.modified), "Title": nil, "UIVersion": JSON(f.majorVersion * 512 + f.minorVersion),
            "UIVersionLabel": .string("\(f.majorVersion).\(f.minorVersion)"), "UniqueId": .string(f.uniqueId),
        ]
    }

    static let folderNames = ["Exists", "ExistsAllowThrowForPolicyFailures", "IsWOPIEnabled", "ItemCount", "Name", "ProgID", "ServerRelativeUrl",
                              "TimeCreated", "TimeLastModified", "UniqueId", "WelcomePage"]
    static let fileNames = ["CheckInComment", "CheckOutType", "ContentTag", "CustomizedPageStatus", "ETag", "Exists",
                            "ExistsAllowThrowForPolicyFailures", "IrmEnabled", "Length", "Level", "LinkingUri", "LinkingUrl", "MajorVersion",
                            "MinorVersion", "Name", "ServerRelativeUrl", "TimeCreated", "TimeLastModified", "Title", "UIVersion",
                            "UIVersionLabel", "UniqueId"]

    /// The list item of a file or folder with its file fields; nil when the item is gone. Call under the lock.
    /// The ids Graph knows a library and its files by (`VroomDriveID`, `VroomItemID`).
    static func vroomDriveId(_ listId: String) -> String { "b!" + String(Util.opaqueId("spdrive/\(listId.lowercased())").prefix(64)) }
    static func vroomItemId(_ uniqueId: String) -> String {
        "01" + String(Util.opaqueId("spitem/\(uniqueId.lowercased())").uppercased().filter { $0.isLetter || "234567".contains($0) }.prefix(32))
    }
    static let vroomNames = ["SiteId", "VroomDriveID", "VroomItemID", "WebId"]

    static func itemProps(_ list: SPList, _ itemId: Int) -> JSONObject? {
        guard let i = list.position(of: itemId) else { return nil }
        return SharePointEndpoints.itemProps(list.items[i], list)
    }

    // MARK: Dispatch

    /// What a path below `_api/web/<prefix>/` names, then what is done to it.
    static func dispatch(_ r: SharePointRequest, _ prefix: String, _ segs: [String]) throws -> EmulatorResponse {
        try checkAccess(r)
        var rest = segs
        switch prefix {
        case "folders":
            if rest.isEmpty, r.method == .POST {
                let body = try SharePointEndpoints.jsonBody(r)
                guard let url = body["ServerRelativeUrl"]?.stringValue else { throw badName }
                return try addFolder(r, serverRelative(url, r), ensureParents: false)
            }
            guard rest.count == 2, ["add", "addusingpath"].contains(rest[0].lowercased()), r.method == .POST else { throw notFoundSegment(rest) }
            return try addFolder(r, serverRelative(rest[1], r), ensureParents: false)
        case "getfolderbyid":
            guard !rest.isEmpty else { throw notFoundSegment(rest) }
            let id = rest.removeFirst()
            let url: String = try r.store.locked {
                guard let f = r.store.files.folders.values.first(where: { $0.uniqueId.caseInsensitiveCompare(id) == .orderedSame }) else {
                    if let l = r.web.lists.first(where: { $0.isLibrary && rootFolderId($0).caseInsensitiveCompare(id) == .orderedSame }) { return rootURL(l, r) }
                    throw folderNotFound
                }
                return f.url
            }
            return try folderOperation(r, url, rest)
        case "getfolderbyserverrelativeurl", "getfolderbyserverrelativepath":
            guard !rest.isEmpty else { throw notFoundSegment(rest) }
            let url = serverRelative(rest.removeFirst(), r)
            return try folderOperation(r, url, rest)
        case "getfilebyid":
            guard !rest.isEmpty else { throw notFoundSegment(rest) }
            let id = rest.removeFirst()
            let url: String = try r.store.locked {
                let host = r.request.host.lowercased() + "|"
                guard let f = r.store.files.files.first(where: { $0.key.hasPrefix(host) && $0.value.uniqueId.caseInsensitiveCompare(id) == .orderedSame })?.value else {
                    throw SPError(.notFound, "-2130575338, Microsoft.SharePoint.SPException", "File Not Found.")
                }
                return f.url
            }
            return try fileOperation(r, url, rest)
        default:
            guard !rest.isEmpty else { throw notFoundSegment(rest) }
            let url = serverRelative(rest.removeFirst(), r)
            return try fileOperation(r, url, rest)
        }
    }

    static func notFoundSegment(_ rest: [String]) -> SPError {
        SPError(.notFound, "-1, Microsoft.SharePoint.Client.ResourceNotFoundException", "Cannot find resource for the request \(rest.first ?? "").")
    }

    static func rootFolderId(_ l: SPList) -> String { Util.nameGUID("rootfolder/\(l.id)") }

    /// The folder's props, or folder not found. Call under the lock.
    static func folder(_ r: SharePointRequest, _ url: String) throws -> (props: JSONObject, list: SPList, record: SPFolderRecord?) {
        guard let list = library(url, r) else { throw folderNotFound }
        let files = r.store.files
        let prefix = key(r, url) + "/"
        let count = files.files.keys.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains("/") }.count
            + files.folders.keys.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains("/") }.count
        if url.lowercased() == rootURL(list, r).lowercased() {
            return (folderProps(rootURL(list, r), uniqueId: rootFolderId(list), created: list.created, modified: list.lastItemModified,
                                itemCount: count, r: r), list, nil)
        }
        guard let f = files.folders[key(r, url)] else { throw folderNotFound }
        return (folderProps(f.url, uniqueId: f.uniqueId, created: f.created, modified: f.modified, itemCount: count, r: r), list, f)
    }

    static func folderOperation(_ r: SharePointRequest, _ url: String, _ rest: [String]) throws -> EmulatorResponse {
        let op = rest.first?.lowercased() ?? ""
        let render = SPRender(r)
        switch (op, r.method) {
        case ("", .GET):
            let (props, list, record) = try r.store.locked { try folder(r, url) }
            var all = props
            let q = try SPQuery(r.request, properties: folderNames, typeName: "SP.Folder", navigation: ["ListItemAllFields"])
            if q.expand.contains("ListItemAllFields") {
                all["ListItemAllFields"] = .object(r.store.locked { record.flatMap { itemProps(list, $0.itemId) } } ?? [:])
            }
            return .json(render.entity(q.project(all), SPMeta(type: "SP.Folder", editLink: "Web/GetFolderByServerRelativePath(decodedurl='\(url)')"),
                                       context: "SP.Folder"))
        case ("", .DELETE):
            try removeFolder(r, url)
            return .json(.object([:]))
        case ("recycle", .POST):
            try removeFolder(r, url)
            return .json(render.primitive("Recycle", .string(Util.newGUID()), edmType: "Edm.Guid"))
        case ("folders", .GET):
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
        case ("folders", .POST) where rest.count == 3 && ["add", "addusingpath"].contains(rest[1].lowercased()):
            return try addFolder(r, url + "/" + rest[2], ensureParents: false)
        case ("files", .GET) where rest.count == 1:
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
        case ("files", .POST) where rest.count == 3 && rest[1].lowercased() == "add":
            let args = arguments(rest[2], r)
            guard let name = args["url"], !name.isEmpty, !name.contains("/") else { throw badName }
            return try addFile(r, folder: url, name: name, overwrite: args["overwrite"]?.lowercased() == "true")
        case ("files", _) where rest.count >= 2:
            // `Files('name')/…` and `Files/GetByPathOrAddStub(DecodedUrl='name')/…`
            var more = Array(rest.dropFirst())
            if more[0].lowercased() == "getbypathoraddstub" || more[0].lowercased() == "getbyurl" { more.removeFirst() }
            guard !more.isEmpty else { throw notFoundSegment(rest) }
            let name = SharePointPrincipals.aliased(more.removeFirst(), r)
            return try fileOperation(r, url + "/" + name, more)
        case ("listitemallfields", .GET):
            let props: JSONObject = try r.store.locked {
                let (_, list, record) = try folder(r, url)
                guard let record, let p = itemProps(list, record.itemId) else { throw SPError.itemNotFound }
                return p
            }
            return .json(render.entity(props, SPMeta(type: "SP.ListItem", editLink: "ListItemAllFields"), context: "SP.ListItem"))
        case ("listitemallfields", .PATCH):
            let body = try SharePointEndpoints.jsonBody(r)
            guard let name = body["FileLeafRef"]?.stringValue else { return EmulatorResponse(status: .noContent) }
            try move(r, from: url, to: parent(url) + "/" + name, folder: true, replace: false)
            return EmulatorResponse(status: .noContent)
        case ("moveto", .POST), ("movetousingpath", .POST):
            guard rest.count == 2, let target = arguments(rest[1], r)["newurl"] ?? arguments(rest[1], r)["decodedurl"] else { throw badName }
            try move(r, from: url, to: serverRelative(target, r), folder: true, replace: false)
            return .json(.object([:]))
        default:
            throw notFoundSegment(rest)
        }
    }

    // MARK: Folders

    static func addFolder(_ r: SharePointRequest, _ url: String, ensureParents: Bool) throws -> EmulatorResponse {
        let now = Util.iso8601(Date())
        let author = SharePointEndpoints.userId(r)
        let props: JSONObject = try r.store.locked {
            guard let list = library(url, r) else { throw folderNotFound }
            let root = rootURL(list, r)
            guard url.lowercased() != root.lowercased() else { return try folder(r, url).props }
            let name = leaf(url)
            guard !name.isEmpty, !name.contains(where: { "\"*:<>?\\|#%".contains($0) }) else { throw badName }
            // Parents must exist, as SharePoint's folders/add wants.
            let up = parent(url)
            if up.lowercased() != root.lowercased() && r.store.files.folders[key(r, up)] == nil { throw folderNotFound }
            if let existing = r.store.files.folders[key(r, url)] {
                return folderProps(existing.url, uniqueId: existing.uniqueId, created: existing.created, modified: existing.modified, itemCount: 0, r: r)
            }
            if r.store.files.files[key(r, url)] != nil { throw alreadyExists(url, by: login(r), on: now) }
            let item = addItem(list, fields: ["Title": .string(name), "FileLeafRef": .string(name), "FileRef": .string(url), "FSObjType": 1],
                               author: author, now: now)
            let f = SPFolderRecord(uniqueId: Util.newGUID(), url: url, created: now, itemId: item, listId: list.id)
            r.store.files.folders[key(r, url)] = f
            return folderProps(url, uniqueId: f.uniqueId, created: now, modified: now, itemCount: 0, r: r)
        }
        return .json(SPRender(r).entity(props, SPMeta(type: "SP.Folder", editLink: "Web/GetFolderByServerRelativePath(decodedurl='\(url)')"),
                                        context: "SP.Folder"), status: .ok)
    }

    /// Adds the list item a file or folder is. Call under the lock.
    static func addItem(_ list: SPList, fields: JSONObject, author: Int, now: String) -> Int {
        list.noteFields(fields)
        let id = list.nextId
        list.nextId += 1
        list.items.append(SPItem(id: id, version: 1, guid: Util.newGUID(), created: now, modified: now, authorId: author, editorId: author, fields: fields))
        list.lastItemModified = now
        return id
    }

    static func removeItem(_ list: SPList?, _ id: Int) {
        guard let list, let i = list.position(of: id) else { return }
        list.items.remove(at: i)
        list.lastItemModified = Util.iso8601(Date())
    }

    static func removeFolder(_ r: SharePointRequest, _ url: String) throws {
        let user = SharePointEndpoints.userId(r)
        try r.store.locked {
            let (_, list, record) = try folder(r, url)
            guard let record else {
                throw SPError(.badRequest, "-2147024809, System.ArgumentException", "A library's root folder cannot be deleted.")
            }
            let prefix = key(r, url) + "/"
            let store = r.store.files
            for (k, f) in store.files where k.hasPrefix(prefix) {
                if let by = f.checkedOutBy, by != user { throw checkedOut(f.url, by: f.checkedOutLogin) }
            }
            for (k, f) in store.files where k.hasPrefix(prefix) {
                f.deleteContent()
                removeItem(list, f.itemId)
                store.files[k] = nil
            }
            for (k, f) in store.folders where k.hasPrefix(prefix) {
                removeItem(list, f.itemId)
                store.folders[k] = nil
            }
            removeItem(list, record.itemId)
            store.folders[key(r, url)] = nil
        }
    }

    /// Moves (renames) a file or folder, its contents and items following. Call outside the lock.
    static func move(_ r: SharePointRequest, from: String, to: String, folder isFolder: Bool, replace: Bool) throws {
        try r.store.locked {
            let store = r.store.files
            let name = leaf(to)
            guard !name.isEmpty, !name.contains(where: { "\"*:<>?\\|#%".contains($0) }) else { throw badName }
            guard let list = library(from, r), library(to, r)?.id == list.id else { throw badName }
            let up = parent(to)
            if up.lowercased() != rootURL(list, r).lowercased() && store.folders[key(r, up)] == nil { throw folderNotFound }
            let now = Util.iso8601(Date())
            if key(r, from) != key(r, to), store.folders[key(r, to)] != nil || store.files[key(r, to)] != nil {
                if !replace || isFolder { throw alreadyExists(to, by: login(r), on: now) }
                if let old = store.files.removeValue(forKey: key(r, to)) { old.deleteContent(); removeItem(list, old.itemId) }
            }
            func rename(itemId: Int, url: String) {
                guard let i = list.position(of: itemId) else { return }
                list.items[i].fields["FileLeafRef"] = .string(leaf(url))
                list.items[i].fields["FileRef"] = .string(url)
                list.items[i].version += 1
                list.items[i].modified = now
            }
            if isFolder {
                guard let f = store.folders.removeValue(forKey: key(r, from)) else { throw folderNotFound }
                f.url = to
                f.modified = now
                store.folders[key(r, to)] = f
                rename(itemId: f.itemId, url: to)
                if let i = list.position(of: f.itemId) { list.items[i].fields["Title"] = .string(leaf(to)) }
                let prefix = key(r, from) + "/"
                for (k, c) in store.folders where k.hasPrefix(prefix) {
                    store.folders[k] = nil
                    c.url = to + c.url.dropFirst(from.count)
                    store.folders[key(r, c.url)] = c
                    rename(itemId: c.itemId, url: c.url)
                }
                for (k, c) in store.files where k.hasPrefix(prefix) {
                    store.files[k] = nil
                    c.url = to + c.url.dropFirst(from.count)
                    store.files[key(r, c.url)] = c
                    rename(itemId: c.itemId, url: c.url)
                }
            } else {
                guard let f = store.files.removeValue(forKey: key(r, from)) else { throw fileNotFound(from) }
                f.url = to
                f.modified = now
                f.version += 1
                store.files[key(r, to)] = f
                rename(itemId: f.itemId, url: to)
            }
        }
    }

    // MARK: Files

    static func contentDirectory(_ r: SharePointRequest) -> String {
        let dir = r.state.drives.root + "/sharepoint"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The request body as a file of its own: the one `DriveStreamHandler` streamed to disk, or
    /// (a request that did not pass through it) the in-memory body written out. The caller owns it.
    static func bodyFile(_ r: SharePointRequest) throws -> StreamedBody {
        if let token = r.request.header(GraphDrive.streamedBodyHeader), let s = r.state.drives.claimStreamed(token) { return s }
        let path = r.state.drives.tempPath()
        guard FileManager.default.createFile(atPath: path, contents: Data(r.request.body)) else {
            throw SPError(.internalServerError, "-1, System.IO.IOException", "Could not store the request body.")
        }
        return StreamedBody(path: path, size: Int64(r.request.body.count), quickXorHash: "")
    }

    /// Stores new content for the file at `folder/name` (a new file, or a new version of one).
    /// Call under the lock; `content` is moved into the store.
    static func commit(_ r: SharePointRequest, folder: String, name: String, content: String, size: Int64, overwrite: Bool) throws -> SPFileRecord {
        guard !name.isEmpty, !name.contains(where: { "\"*:<>?\\|#%/".contains($0) }) else { throw badName }
        let (_, list, _) = try self.folder(r, folder)
        let url = folder + "/" + name
        let store = r.store.files
        let user = SharePointEndpoints.userId(r)
        let now = Util.iso8601(Date())
        if store.folders[key(r, url)] != nil { throw alreadyExists(url, by: login(r), on: now) }
        let target = contentDirectory(r) + "/" + Util.newGUID()
        if let f = store.files[key(r, url)] {
            guard overwrite else { throw alreadyExists(url, by: f.checkedOutLogin.isEmpty ? login(r) : f.checkedOutLogin, on: f.modified) }
            if let by = f.checkedOutBy, by != user { throw checkedOut(url, by: f.checkedOutLogin) }
            guard rename(content, target) == 0 else { throw SPError(.internalServerError, "-1, System.IO.IOException", "Could not store the file.") }
            f.keepCurrentAsVersion()
            f.contentPath = target
            f.length = size
            f.modified = now
            f.editorId = user
            f.version += 1
            if f.checkedOutBy == nil { f.majorVersion += 1 } else { f.minorVersion += 1 }
            if let i = list.position(of: f.itemId) {
                list.items[i].version += 1
                list.items[i].modified = now
                list.items[i].editorId = user
            }
            return f
        }
        guard rename(content, target) == 0 else { throw SPError(.internalServerError, "-1, System.IO.IOException", "Could not store the file.") }
        let item = addItem(list, fields: ["Title": nil, "FileLeafRef": .string(name), "FileRef": .string(url), "FSObjType": 0], author: user, now: now)
        let f = SPFileRecord(uniqueId: Util.newGUID(), url: url, length: size, created: now, authorId: user, contentPath: target, itemId: item, listId: list.id)
        store.files[key(r, url)] = f
        return f
    }

    static func fileResponse(_ r: SharePointRequest, _ props: JSONObject, status: HTTPResponseStatus = .ok) -> EmulatorResponse {
        .json(SPRender(r).entity(props, SPMeta(type: "SP.File", editLink: "Web/GetFileByServerRelativePath(decodedurl='\(props["ServerRelativeUrl"]?.stringValue ?? "")')"),
                                 context: "SP.File"), status: status)
    }

    static func addFile(_ r: SharePointRequest, folder: String, name: String, overwrite: Bool) throws -> EmulatorResponse {
        let body = try bodyFile(r)
        defer { unlink(body.path) }
        let props: JSONObject = try r.store.locked {
            fileProps(try commit(r, folder: folder, name: name, content: body.path, size: body.size, overwrite: overwrite))
        }
        return fileResponse(r, props)
    }

    /// Appends the body file to an upload's file.
    static func append(_ body: StreamedBody, to path: String) throws {
        let src = open(body.path, O_RDONLY | O_CLOEXEC)
        let dst = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        defer { if src >= 0 { close(src) }; if dst >= 0 { close(dst) } }
        guard src >= 0, dst >= 0 else { throw SPError(.internalServerError, "-1, System.IO.IOException", "Could not store the chunk.") }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(src, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw SPError(.internalServerError, "-1, System.IO.IOException", "Could not read the chunk.") }
            if n == 0 { return }
            var done = 0
            while done < n {
                let w = buffer.withUnsafeBytes { write(dst, $0.baseAddress! + done, n - done) }
                if w < 0 { if errno == EINTR { continue }; throw SPError(.internalServerError, "-1, System.IO.IOException", "Could not store the chunk.") }
                done += w
            }
        }
    }

    static func fileOperation(_ r: SharePointRequest, _ url: String, _ rest: [String]) throws -> EmulatorResponse {
        let op = rest.first?.lowercased() ?? ""
        let args = rest.count > 1 ? arguments(rest[1], r) : [:]
        let render = SPRender(r)
        let user = SharePointEndpoints.userId(r)
        func existing() throws -> SPFileRecord {
            guard let f = r.store.files.files[key(r, url)] else { throw fileNotFound(url) }
            return f
        }
        func mine(_ f: SPFileRecord) throws {
            if let by = f.checkedOutBy, by != user { throw checkedOut(f.url, by: f.checkedOutLogin) }
        }
        switch (op, r.method) {
        case ("", .GET):
            let q = try SPQuery(r.request, properties: fileNames + vroomNames, typeName: "SP.File", navigation: ["ListItemAllFields"])
            let all: JSONObject = try r.store.locked {
                let f = try existing()
                var props = fileProps(f)
                // Only on request, as SharePoint gives them.
                if let select = q.select, select.contains(where: vroomNames.contains) {
                    props["SiteId"] = .string(r.web.siteId)
                    props["WebId"] = .string(r.web.id)
                    props["VroomDriveID"] = .string(vroomDriveId(f.listId))
                    props["VroomItemID"] = .string(vroomItemId(f.uniqueId))
                }
                if q.expand.contains("ListItemAllFields"), let list = r.web.list(id: f.listId) {
                    props["ListItemAllFields"] = .object(itemProps(list, f.itemId) ?? [:])
                }
                return props
            }
            return fileResponse(r, q.project(all))
        case ("$value", .GET), ("$value", .HEAD):
            let (path, length): (String, Int64) = try r.store.locked { let f = try existing(); return (f.contentPath, f.length) }
            var h = HTTPHeaders()
            h.add(name: "Content-Type", value: "application/octet-stream")
            h.add(name: bodyFileHeader, value: "\(length)|\(path)")
            return EmulatorResponse(status: .ok, headers: h)
        case ("", .DELETE), ("recycle", .POST):
            try r.store.locked {
                let f = try existing()
                try mine(f)
                f.deleteContent()
                removeItem(r.web.list(id: f.listId), f.itemId)
                r.store.files.files[key(r, url)] = nil
            }
            return op == "recycle" ? .json(render.primitive("Recycle", .string(Util.newGUID()), edmType: "Edm.Guid")) : .json(.object([:]))
        case ("checkout", .POST):
            try r.store.locked {
                let f = try existing()
                try mine(f)
                f.checkedOutBy = user
                f.checkedOutLogin = login(r)
            }
            return .json(.object([:]))
        case ("undocheckout", .POST):
            try r.store.locked {
                let f = try existing()
                guard f.checkedOutBy != nil else { throw notCheckedOut(url) }
                try mine(f)
                f.checkedOutBy = nil
                f.checkedOutLogin = ""
            }
            return .json(.object([:]))
        case ("checkin", .POST):
            try r.store.locked {
                let f = try existing()
                guard f.checkedOutBy != nil else { throw notCheckedOut(url) }
                try mine(f)
                f.checkedOutBy = nil
                f.checkedOutLogin = ""
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
        case ("versions", _):
            return try versionOperation(r, url, Array(rest.dropFirst()))
        case ("publish", .POST), ("approve", .POST):
            try r.store.locked {
                let f = try existing()
                try mine(f)
                if f.minorVersion > 0 { f.majorVersion += 1; f.minorVersion = 0; f.version += 1 }
            }
            return .json(.object([:]))
        case ("listitemallfields", .GET) where rest.count >= 2 && rest[1].lowercased() == "roleassignments":
            // Items inherit: the web's role assignments.
            _ = try r.store.locked { try existing() }
            return try SharePointPrincipals.roleAssignmentsResponse(r)
        case ("listitemallfields", .GET):
            let props: JSONObject = try r.store.locked {
                let f = try existing()
                guard let list = r.web.list(id: f.listId), let p = itemProps(list, f.itemId) else { throw SPError.itemNotFound }
                return p
            }
            return .json(render.entity(props, SPMeta(type: "SP.ListItem", editLink: "ListItemAllFields"), context: "SP.ListItem"))
        case ("listitemallfields", .PATCH):
            let body = try SharePointEndpoints.jsonBody(r)
            if let name = body["FileLeafRef"]?.stringValue { try move(r, from: url, to: parent(url) + "/" + name, folder: false, replace: false) }
            return EmulatorResponse(status: .noContent)
        case ("listitemallfields", .POST) where rest.count >= 2 && rest[1].lowercased() == "validateupdatelistitem":
            return try validateUpdate(r, url)
        case ("moveto", .POST), ("copyto", .POST):
            guard let target = args["newurl"] ?? args["strnewurl"] else { throw badName }
            let to = serverRelative(target, r)
            let replace = (args["flags"] ?? "0") == "1" || args["boverwrite"]?.lowercased() == "true"
            if op == "moveto" { try move(r, from: url, to: to, folder: false, replace: replace) } else { try copy(r, from: url, to: to, replace: replace) }
            return .json(.object([:]))
        case ("startupload", .POST):
            let id = args["uploadid"] ?? ""
            guard isGUID(id) else { throw badName }
            let body = try bodyFile(r)
            defer { unlink(body.path) }
            let offset: Int64 = try r.store.locked {
                _ = try folder(r, parent(url))
                if let f = r.store.files.files[key(r, url)] { try mine(f) }
                if let u = r.store.files.uploads[id.lowercased()] { return u.committed }  // a retry whose answer was lost
                let u = SPUpload(id: id.lowercased(), key: key(r, url), url: url, path: r.state.drives.tempPath())
                guard FileManager.default.createFile(atPath: u.path, contents: nil) else { throw SPError(.internalServerError, "-1, System.IO.IOException", "Could not start the upload.") }
                if body.size > 0 { try append(body, to: u.path); u.lastStart = 0; u.committed = body.size }
                r.store.files.uploads[u.id] = u
                return u.committed
            }
            return .json(render.primitive("StartUpload", .string(String(offset)), edmType: "Edm.Int64"))
        case ("continueupload", .POST), ("finishupload", .POST):
            let id = (args["uploadid"] ?? "").lowercased()
            guard let offset = args["fileoffset"].flatMap({ Int64($0) }) else { throw badName }
            let body = try bodyFile(r)
            defer { unlink(body.path) }
            let finish = op == "finishupload"
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
            return .json(render.primitive("ContinueUpload", result, edmType: "Edm.Int64"))
        case ("cancelupload", .POST):
            let id = (args["uploadid"] ?? "").lowercased()
            try r.store.locked {
                guard let u = r.store.files.uploads.removeValue(forKey: id) else { throw uploadNotFound(id) }
                unlink(u.path)
            }
            return .json(.object([:]))
        default:
            throw notFoundSegment(rest)
        }
    }

    static func isGUID(_ s: String) -> Bool { UUID(uuidString: s) != nil }

    /// `SP.MoveCopyUtil.CopyFileByPath` / `MoveFileByPath`: `srcPath`/`destPath` `DecodedUrl`s (absolute or
    /// server-relative), `overwrite`, and `options.KeepBoth` (a free name `a 1.txt` instead of a conflict).
    static func moveCopyUtil(_ r: SharePointRequest, move: Bool) throws -> EmulatorResponse {
        try checkAccess(r)
        let body = try SharePointEndpoints.jsonBody(r)
        guard let src = body["srcPath"]?["DecodedUrl"]?.stringValue, let dst = body["destPath"]?["DecodedUrl"]?.stringValue else {
            throw SPError.invalidQuery("The parameter srcPath does not exist in method \(move ? "MoveFileByPath" : "CopyFileByPath").")
        }
        let from = serverRelative(src, r)
        var to = serverRelative(dst, r)
        let overwrite = body["overwrite"]?.boolValue ?? false
        if body["options"]?["KeepBoth"]?.boolValue == true {
            to = r.store.locked {
                let name = leaf(to), folder = parent(to)
                let dot = name.lastIndex(of: ".").flatMap { $0 == name.startIndex ? nil : $0 }
                let stem = dot.map { String(name[..<$0]) } ?? name, ext = dot.map { String(name[$0...]) } ?? ""
                var candidate = to, n = 1
                while r.store.files.files[key(r, candidate)] != nil || r.store.files.folders[key(r, candidate)] != nil {
                    candidate = folder + "/" + stem + " \(n)" + ext
                    n += 1
                }
                return candidate
            }
        }
        if move { try self.move(r, from: from, to: to, folder: false, replace: overwrite) } else { try copy(r, from: from, to: to, replace: overwrite) }
        return .json(.object([:]))
    }

    // MARK: Versions

    static let versionNames = ["CheckInComment", "Created", "ID", "IsCurrentVersion", "Length", "Size", "Url", "VersionLabel"]

    static func versionProps(_ v: SPFileVersionRecord, _ f: SPFileRecord) -> JSONObject {
        ["CheckInComment": .string(v.checkInComment), "Created": .string(v.created), "ID": JSON(v.id), "IsCurrentVersion": false,
         "Length": .string(String(v.size)), "Size": .string(String(v.size)), "Url": .string("_vti_history/\(v.id)\(f.url)"),
         "VersionLabel": .string(v.label)]
    }

    static func versionNotFound(_ which: String) -> SPError {
        SPError(.notFound, "-2130575338, Microsoft.SharePoint.SPException", "Version \(which) of the file does not exist.")
    }

    /// `…/Versions`, `…/Versions(512)` (`GetById`), `RestoreByLabel`, `DeleteByID`, `DeleteByLabel`, `DeleteAll`.
    static func versionOperation(_ r: SharePointRequest, _ url: String, _ rest: [String]) throws -> EmulatorResponse {
        let render = SPRender(r)
        let op = rest.first?.lowercased() ?? ""
        let args = rest.count > 1 ? arguments(rest[1], r) : [:]
        let user = SharePointEndpoints.userId(r)
        func existing() throws -> SPFileRecord {
            guard let f = r.store.files.files[key(r, url)] else { throw fileNotFound(url) }
            return f
        }
        func meta(_ v: SPFileVersionRecord) -> SPMeta { SPMeta(type: "SP.FileVersion", editLink: "SP.FileVersion\(v.id)") }
        switch (op, r.method) {
        case ("", .GET):
            let q = try SPQuery(r.request, properties: versionNames, typeName: "SP.FileVersion")
            let rows: [(JSONObject, SPFileVersionRecord)] = try r.store.locked { let f = try existing(); return f.versions.map { (versionProps($0, f), $0) } }
            let page = q.sorted(rows, { $0.0 }).filter { q.matches($0.0) }.prefix(q.top ?? Int.max)
            return .json(render.collection(page.map { render.entry(q.project($0.0), meta($0.1)) }, context: "SP.ApiData.FileVersions", next: nil))
        case (_, .GET) where Int(op) != nil:
            let (props, v): (JSONObject, SPFileVersionRecord) = try r.store.locked {
                let f = try existing()
                guard let v = f.versions.first(where: { $0.id == Int(op) }) else { throw versionNotFound(op) }
                return (versionProps(v, f), v)
            }
            return .json(render.entity(props, meta(v), context: "SP.ApiData.FileVersions"))
        case ("restorebylabel", .POST):
            let label = args["versionlabel"] ?? ""
            try r.store.locked {
                let f = try existing()
                if let by = f.checkedOutBy, by != user { throw checkedOut(f.url, by: f.checkedOutLogin) }
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
        case ("deletebyid", .POST), ("deletebylabel", .POST), ("recyclebyid", .POST), ("recyclebylabel", .POST):
            try r.store.locked {
                let f = try existing()
                let which = args["vid"] ?? args["versionlabel"] ?? ""
                guard let i = f.versions.firstIndex(where: { op.hasSuffix("id") ? String($0.id) == which : $0.label == which }) else {
                    throw versionNotFound(which)
                }
                unlink(f.versions[i].contentPath)
                f.versions.remove(at: i)
            }
            return .json(.object([:]))
        case ("deleteall", .POST), ("recycleall", .POST):
            try r.store.locked {
                let f = try existing()
                for v in f.versions { unlink(v.contentPath) }
                f.versions = []
            }
            return .json(.object([:]))
        default:
            throw notFoundSegment(rest)
        }
    }

    static func copy(_ r: SharePointRequest, from: String, to: String, replace: Bool) throws {
        let (source, size): (String, Int64) = try r.store.locked {
            guard let f = r.store.files.files[key(r, from)] else { throw fileNotFound(from) }
            return (f.contentPath, f.length)
        }
        let temp = r.state.drives.tempPath()
        guard (try? FileManager.default.copyItem(atPath: source, toPath: temp)) != nil else {
            throw SPError(.internalServerError, "-1, System.IO.IOException", "Could not copy the file.")
        }
        defer { unlink(temp) }
        _ = try r.store.locked { try commit(r, folder: parent(to), name: leaf(to), content: temp, size: size, overwrite: replace) }
    }

    /// `ListItemAllFields/ValidateUpdateListItem` on a file: field values set on its item.
    static func validateUpdate(_ r: SharePointRequest, _ url: String) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        let values = body["formValues"]?.arrayValue?.compactMap(\.objectValue) ?? []
        let id: Int = try r.store.locked {
            guard let f = r.store.files.files[key(r, url)] else { throw fileNotFound(url) }
            guard let list = r.web.list(id: f.listId), let i = list.position(of: f.itemId) else { throw SPError.itemNotFound }
            var fields = JSONObject()
            for v in values {
                guard let name = v["FieldName"]?.stringValue, !["FileLeafRef", "FileRef"].contains(name) else { continue }
                fields[name] = v["FieldValue"] ?? .null
            }
            list.noteFields(fields)
            for (k, v) in fields { list.items[i].fields[k] = v }
            list.items[i].version += 1
            return f.itemId
        }
        let results: [JSON] = values.map { v in
            ["ErrorCode": 0, "ErrorMessage": nil, "FieldName": v["FieldName"] ?? .null, "FieldValue": v["FieldValue"] ?? .null,
             "HasException": false, "ItemId": JSON(id)]
        }
        let value: JSON = r.format == .verbose ? ["results": .array(results)] : .array(results)
        return .json(SPRender(r).primitive("ValidateUpdateListItem", value, edmType: "Collection(SP.ListItemFormUpdateValue)"))
    }
}
