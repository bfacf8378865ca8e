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
    /// Sharing links made through Graph's `createLink` (`GraphSharingLinks`), as on files.
    var sharingLinks: [JSONObject] = []

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
    /// When SharePoint removes the version; nil: never (`SetExpirationDate()`).
    var expirationDate: String? = nil
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
    /// Copy jobs by id: the log entries `GetCopyJobProgress` hands out (JSON texts).
    var copyJobs: [String: [String]] = [:]
    /// Archive state of library items by `lower-cased list id|item id` (SharePointFolderOps).
    var archived: [String: String] = [:]

    /// Everything gone, files on disk included (the directory reset). Call under the lock.
    func reset() {
        for f in files.values { f.deleteContent() }
        for u in uploads.values { unlink(u.path) }
        folders = [:]
        files = [:]
        copyJobs = [:]
        archived = [:]
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
    /// The library `url` is in; with `anyList`, any list (folders, unlike files, may be in lists).
    static func library(_ url: String, _ r: SharePointRequest, anyList: Bool = false) -> SPList? {
        let base = r.web.serverRelativeUrl == "/" ? "" : r.web.serverRelativeUrl
        let lower = url.lowercased()
        return r.web.lists.first { l in
            guard l.isLibrary || anyList else { return false }
            let root = (base + "/" + l.url).lowercased()
            return lower == root || lower.hasPrefix(root + "/")
        }
    }

    static func rootURL(_ list: SPList, _ r: SharePointRequest) -> String {
        (r.web.serverRelativeUrl == "/" ? "" : r.web.serverRelativeUrl) + "/" + list.url
    }

    /// `key=value` pairs of a call's arguments (`url='a.txt',overwrite=true`), aliases resolved.
    /// A lone positional literal (`DeleteByLabel('1.0')`, which `canonicalPath` leaves unquoted
    /// and escaped) is kept under the empty name.
    static func arguments(_ text: String, _ r: SharePointRequest) -> [String: String] {
        if !text.isEmpty && !text.contains("=") { return ["": text.removingPercentEncoding ?? text] }
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

    static func rootFolderId(_ l: SPList) -> String { Util.nameGUID("rootfolder/\(l.id)") }

    /// The folder's props, or folder not found. Call under the lock.
    static func folder(_ r: SharePointRequest, _ url: String) throws -> (props: JSONObject, list: SPList, record: SPFolderRecord?) {
        guard let list = library(url, r, anyList: true) else { throw folderNotFound }
        let files = r.store.files
        let prefix = key(r, url) + "/"
        let count = files.files.keys.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains("/") }.count
            + files.folders.keys.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains("/") }.count
        if url.lowercased() == rootURL(list, r).lowercased() {
            return (folderProps(rootURL(list, r), uniqueId: rootFolderId(list), created: list.created, modified: list.lastItemModified,
                                itemCount: count, r: r), list, nil)
        }
        if let forms = SharePointFields.formsFolder(list, url, r) { return (forms, list, nil) }
        guard let f = files.folders[key(r, url)] else { throw folderNotFound }
        return (folderProps(f.url, uniqueId: f.uniqueId, created: f.created, modified: f.modified, itemCount: count, r: r), list, f)
    }

    // MARK: Folders

    static func addFolder(_ r: SharePointRequest, _ url: String, ensureParents: Bool) throws -> EmulatorResponse {
        let now = Util.iso8601(Date())
        let author = SharePointEndpoints.userId(r)
        let props: JSONObject = try r.store.locked {
            guard let list = library(url, r, anyList: true) else { throw folderNotFound }
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
        let item = SharePointFields.fileItem(r, list, folder: folder, fields: ["Title": nil, "FileLeafRef": .string(name), "FileRef": .string(url), "FSObjType": 0],
                                             author: user, now: now)
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
        if body["options"]?["KeepBoth"]?.boolValue == true { to = r.store.locked { freeName(r, to) } }
        if move { try self.move(r, from: from, to: to, folder: false, replace: overwrite) } else { try copy(r, from: from, to: to, replace: overwrite) }
        return .json(.object([:]))
    }

    // MARK: Copy jobs

    /// `POST _api/site/CreateCopyJobs {destinationUri, exportObjectUris, options}`: each file is
    /// copied (or with `IsMoveMode` moved) into the destination folder at once; the job keeps the
    /// log `GetCopyJobProgress` reports, its end or its error.
    static func createCopyJobs(_ r: SharePointRequest) throws -> EmulatorResponse {
        try checkAccess(r)
        let body = try SharePointEndpoints.jsonBody(r)
        guard let destination = body["destinationUri"]?.stringValue, let sources = body["exportObjectUris"]?.arrayValue?.compactMap(\.stringValue),
              !sources.isEmpty else {
            throw SPError.invalidQuery("The parameter destinationUri does not exist in method CreateCopyJobs.")
        }
        let options = body["options"]?.objectValue ?? [:]
        let move = options["IsMoveMode"]?.boolValue ?? false
        let conflict = options["NameConflictBehavior"]?.intValue ?? 0   // 0 fail, 1 replace, 2 rename (KeepBoth)
        let names = options["CustomizedItemName"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let folder = serverRelative(destination, r)
        var jobs: [JSON] = []
        for (index, source) in sources.enumerated() {
            let from = serverRelative(source, r)
            let jobId = Util.newGUID()
            // A folder is copied (or moved) with everything in it (SharePointFolderOps).
            let (sourceId, isFolder) = r.store.locked {
                (r.store.files.files[key(r, from)]?.uniqueId ?? r.store.files.folders[key(r, from)]?.uniqueId, r.store.files.folders[key(r, from)] != nil)
            }
            var log: [JSONObject] = [["Event": "JobStart", "JobId": .string(jobId), "Time": .string(Util.iso8601(Date()))]]
            do {
                guard sourceId != nil else { throw fileNotFound(from) }
                var to = folder + "/" + (index < names.count ? names[index] : leaf(from))
                if conflict == 2 { to = r.store.locked { freeName(r, to) } }
                let targetId: String?
                if isFolder {
                    targetId = try copyFolder(r, from: from, to: to, move: move)
                } else {
                    if move { try self.move(r, from: from, to: to, folder: false, replace: conflict == 1) } else { try copy(r, from: from, to: to, replace: conflict == 1) }
                    targetId = r.store.locked { r.store.files.files[key(r, to)]?.uniqueId }
                }
                log.append(["Event": "JobFinishedObjectInfo", "JobId": .string(jobId), "SourceObjectFullUrl": .string(source),
                            "TargetObjectUniqueId": .string(targetId ?? ""), "TargetObjectSiteRelativeUrl": .string(siteRelativeURL(r, to)),
                            "ObjectType": isFolder ? "Folder" : "File", "Time": .string(Util.iso8601(Date()))])
            } catch let e as SPError {
                log.append(["Event": "JobError", "JobId": .string(jobId), "Message": .string(e.message), "Time": .string(Util.iso8601(Date()))])
            }
            log.append(["Event": "JobEnd", "JobId": .string(jobId), "Time": .string(Util.iso8601(Date()))])
            let texts = log.map { JSON.object($0).serialized() }
            r.store.locked { r.store.files.copyJobs[jobId] = texts }
            jobs.append(["EncryptionKey": .string(Data(Util.newGUID().utf8).base64EncodedString()), "JobId": .string(jobId),
                         "JobQueueUri": .string("https://emulator.queue.core.windows.net/copyjobs"), "SourceListItemUniqueIds": [.string(sourceId ?? "")]])
        }
        return .json(SPRender(r).collection(jobs, context: "Collection(SP.CopyMigrationInfo)", next: nil))
    }

    /// `POST _api/site/GetCopyJobProgress {copyJobInfo}`: the job is done (`JobState` 0) with its
    /// log, handed out once.
    static func copyJobProgress(_ r: SharePointRequest) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        guard let jobId = body["copyJobInfo"]?["JobId"]?.stringValue else {
            throw SPError.invalidQuery("The parameter copyJobInfo does not exist in method GetCopyJobProgress.")
        }
        let logs: [String]? = r.store.locked {
            defer { if r.store.files.copyJobs[jobId] != nil { r.store.files.copyJobs[jobId] = [] } }
            return r.store.files.copyJobs[jobId]
        }
        guard let logs else { throw SPError(.notFound, "-1, Microsoft.SharePoint.Client.ResourceNotFoundException", "The copy job \(jobId) does not exist.") }
        return .json(["JobState": 0, "Logs": .array(logs.map(JSON.string))])
    }

    /// The URL below the site collection (`Shared Documents/a.docx`), as copy jobs report targets.
    static func siteRelativeURL(_ r: SharePointRequest, _ serverRelative: String) -> String {
        let site = self.serverRelative(r.web.siteCollectionURL, r)
        let rest = site == "/" || site.isEmpty ? serverRelative : String(serverRelative.dropFirst(site.count))
        return rest.hasPrefix("/") ? String(rest.dropFirst()) : rest
    }

    /// `a 1.txt`, `a 2.txt`, … : the first name not taken in `to`'s folder. Call under the lock.
    static func freeName(_ r: SharePointRequest, _ to: String) -> String {
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

    // MARK: Versions

    static let versionNames = ["CheckInComment", "Created", "ExpirationDate", "ID", "IsCurrentVersion", "Length", "Size", "Url", "VersionLabel"]

    static func versionProps(_ v: SPFileVersionRecord, _ f: SPFileRecord) -> JSONObject {
        ["CheckInComment": .string(v.checkInComment), "Created": .string(v.created), "ExpirationDate": JSON(v.expirationDate), "ID": JSON(v.id), "IsCurrentVersion": false,
         "Length": .string(String(v.size)), "Size": .string(String(v.size)), "Url": .string("_vti_history/\(v.id)\(f.url)"),
         "VersionLabel": .string(v.label)]
    }

    static func versionNotFound(_ which: String) -> SPError {
        SPError(.notFound, "-2130575338, Microsoft.SharePoint.SPException", "Version \(which) of the file does not exist.")
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
        // A new FileLeafRef renames the file; a name taken is that field's exception.
        var renameError: String?
        var url = url
        if let leafRef = values.first(where: { $0["FieldName"]?.stringValue == "FileLeafRef" })?["FieldValue"]?.stringValue, leafRef != leaf(url) {
            let target = parent(url) + "/" + leafRef
            do {
                try move(r, from: url, to: target, folder: false, replace: false)
                url = target
            } catch let e as SPError {
                renameError = e.message
            }
        }
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
            // bNewDocumentUpdate: the values belong to the version just uploaded (no new one),
            // and a file checked out is checked in with checkInComment.
            guard body["bNewDocumentUpdate"]?.boolValue == true else {
                list.items[i].version += 1
                return f.itemId
            }
            if f.checkedOutBy != nil {
                let record = try endCheckOut(r, url)
                record.checkInComment = body["checkInComment"]?.stringValue ?? ""
                record.minorVersion += 1
                record.version += 1
            }
            return f.itemId
        }
        let results: [JSON] = values.map { v in
            let failed = renameError != nil && v["FieldName"]?.stringValue == "FileLeafRef"
            return ["ErrorCode": failed ? -2130575257 : 0, "ErrorMessage": JSON(failed ? renameError : nil), "FieldName": v["FieldName"] ?? .null,
                    "FieldValue": v["FieldValue"] ?? .null, "HasException": .bool(failed), "ItemId": JSON(id)]
        }
        let value: JSON = r.format == .verbose ? ["results": .array(results)] : .array(results)
        return .json(SPRender(r).primitive("ValidateUpdateListItem", value, edmType: "Collection(SP.ListItemFormUpdateValue)"))
    }
}
