import Crypto
import Foundation
import JSONModel
import NIOConcurrencyHelpers
import TextEncodings

/// One OneDrive (every user gets "OneDrive", made on first use).
struct DriveRecord: Sendable {
    let id: String
    let ownerId: String
    let ownerName: String
    let ownerEmail: String
    let rootId: String
    let created: Date
    let webUrl: String
}

/// One driveItem. File contents are never held here: they live in `DriveStore.contentPath`.
struct DriveItemRecord: Sendable {
    let id: String
    let driveId: String
    var name: String
    var parentId: String?
    let isFolder: Bool
    var size: Int64 = 0
    let created: Date
    var modified: Date
    let createdBy: JSON
    var modifiedBy: JSON
    var mimeType = "application/octet-stream"
    var quickXorHash: String?
    /// eTag / cTag: `"{GUID},version"`.
    let guid: String
    var version = 1
    var contentVersion = 1
}

/// A large-file upload session (protocols.md §2.6). Bytes go to `path` as they arrive; only
/// fragments that arrived completely move `committed`.
final class UploadSession: @unchecked Sendable {
    let token: String
    let tenantId: String
    let driveId: String
    let parentId: String
    var name: String
    let conflictBehavior: String
    let deferCommit: Bool
    let createdBy: JSON
    let path: String
    var total: Int64?
    var committed: Int64 = 0
    var hash = QuickXorHash()
    var expires: Date
    /// Bumped by every fragment PUT: a fragment re-sent after a dropped connection supersedes a
    /// stale one still being received.
    var generation = 0

    init(token: String, tenantId: String, driveId: String, parentId: String, name: String, conflictBehavior: String,
         deferCommit: Bool, createdBy: JSON, path: String, total: Int64?, expires: Date) {
        self.token = token
        self.tenantId = tenantId
        self.driveId = driveId
        self.parentId = parentId
        self.name = name
        self.conflictBehavior = conflictBehavior
        self.deferCommit = deferCommit
        self.createdBy = createdBy
        self.path = path
        self.total = total
        self.expires = expires
    }
}

/// A request body the server streamed to a temporary file before routing (simple uploads).
struct StreamedBody: Sendable {
    let path: String
    let size: Int64
    let quickXorHash: String
}

/// One tenant's drives. Only touched under `DriveStore`'s lock.
final class TenantDrives: @unchecked Sendable {
    /// The directory's tenant object this state belongs to: a directory reset replaces it, and
    /// then the drives go too.
    weak var directory: TenantData?
    var drives: [String: DriveRecord] = [:]
    var driveOfUser: [String: String] = [:]
    var items: [String: DriveItemRecord] = [:]
    var children: [String: [String]] = [:]
    var used: [String: Int64] = [:]
}

/// OneDrive for every user of every tenant: items in memory, contents on disk under
/// `<state-dir>/drive/<instance>/`, upload sessions, and signed download tokens.
public final class DriveStore: @unchecked Sendable {
    static let quotaTotal: Int64 = 1 << 40
    static let sessionLifetime: TimeInterval = 3600 * 24
    static let downloadLifetime: TimeInterval = 3600
    static let fragmentUnit: Int64 = 327_680
    static let maxFragment: Int64 = 60 * 1024 * 1024
    static let maxSimpleUpload: Int64 = 250 * 1024 * 1024

    private let lock = NIOLock()
    private var tenants: [String: TenantDrives] = [:]
    private var sessions: [String: UploadSession] = [:]
    private var streamed: [String: StreamedBody] = [:]
    let root: String
    private let key = SymmetricKey(size: .bits256)

    init(stateDirectory: String) {
        let base = stateDirectory + "/drive"
        // Drop what earlier runs left behind (their items lived in memory only).
        if let old = try? FileManager.default.contentsOfDirectory(atPath: base) {
            for dir in old {
                let pid = dir.split(separator: "-").first.flatMap { Int32($0) } ?? 0
                if pid <= 0 || (pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH) {
                    try? FileManager.default.removeItem(atPath: base + "/" + dir)
                }
            }
        }
        root = base + "/\(getpid())-\(Util.randomToken(bytes: 6))"
        try? FileManager.default.createDirectory(atPath: root + "/tmp", withIntermediateDirectories: true)
    }

    func contentPath(_ tenantId: String, _ itemId: String) -> String { "\(root)/\(tenantId.lowercased())/\(itemId)" }

    func tempPath() -> String { "\(root)/tmp/\(Util.newGUID())" }

    // MARK: Locking and reset

    /// Runs `body` on the tenant's drives. `directory` is the directory's current tenant object
    /// (from `DirectoryStore.with`): when it changed, the directory was reset and the drives are
    /// dropped with their files.
    func with<T>(_ tenantId: String, directory: TenantData, _ body: (TenantDrives) throws -> T) rethrows -> T {
        try lock.withLock {
            let key = tenantId.lowercased()
            var t = tenants[key]
            if t == nil || t!.directory !== directory {
                if t != nil { wipeLocked(tenant: key) }
                let fresh = TenantDrives()
                fresh.directory = directory
                tenants[key] = fresh
                t = fresh
                try? FileManager.default.createDirectory(atPath: "\(root)/\(key)", withIntermediateDirectories: true)
            }
            return try body(t!)
        }
    }

    /// Everything gone (the admin reset): drives, sessions and files.
    public func reset() {
        lock.withLock {
            for key in Array(tenants.keys) { wipeLocked(tenant: key) }
            tenants = [:]
        }
    }

    private func wipeLocked(tenant key: String) {
        tenants[key] = nil
        for (token, s) in sessions where s.tenantId.lowercased() == key {
            sessions[token] = nil
            unlink(s.path)
        }
        try? FileManager.default.removeItem(atPath: "\(root)/\(key)")
    }

    // MARK: Sessions

    func addSession(_ s: UploadSession) { lock.withLock { sessions[s.token] = s } }

    /// The live session; an expired one is removed with its bytes.
    func session(_ token: String) -> UploadSession? {
        lock.withLock {
            guard let s = sessions[token] else { return nil }
            if s.expires < Date() {
                sessions[token] = nil
                unlink(s.path)
                return nil
            }
            return s
        }
    }

    func removeSession(_ token: String, deleteFile: Bool) {
        lock.withLock {
            if let s = sessions.removeValue(forKey: token), deleteFile { unlink(s.path) }
        }
    }

    /// Runs `body` under the store's lock (session fields are guarded by it).
    func locked<T>(_ body: () throws -> T) rethrows -> T { try lock.withLock { try body() } }

    // MARK: Streamed bodies

    func registerStreamed(_ body: StreamedBody) -> String {
        let token = Util.randomToken(bytes: 18)
        lock.withLock { streamed[token] = body }
        return token
    }

    /// Takes the streamed body (the route moves its file); nil when there is none.
    func claimStreamed(_ token: String) -> StreamedBody? { lock.withLock { streamed.removeValue(forKey: token) } }

    // MARK: Download tokens

    /// `tenant|drive|item|expiry` plus a MAC: stateless, valid for an hour, dead once the item is.
    func downloadToken(tenantId: String, driveId: String, itemId: String) -> String {
        let exp = Int(Date().addingTimeInterval(Self.downloadLifetime).timeIntervalSince1970)
        let payload = "\(tenantId)|\(driveId)|\(itemId)|\(exp)"
        let mac = HMAC<SHA256>.authenticationCode(for: Array(payload.utf8), using: key)
        return Base64URL.encode(payload) + "." + Base64URL.encode(Array(mac).prefix(18))
    }

    func parseDownloadToken(_ token: String) -> (tenantId: String, driveId: String, itemId: String)? {
        let parts = token.split(separator: ".")
        guard parts.count == 2, let p = Base64URL.decode(String(parts[0])), let m = Base64URL.decode(String(parts[1])) else { return nil }
        let mac = HMAC<SHA256>.authenticationCode(for: p, using: key)
        guard Array(mac).prefix(18).elementsEqual(m) else { return nil }
        let f = String(decoding: p, as: UTF8.self).split(separator: "|").map(String.init)
        guard f.count == 4, let exp = Double(f[3]), exp >= Date().timeIntervalSince1970 else { return nil }
        return (f[0], f[1], f[2])
    }

    /// The file behind a download token: its path, size, name and type.
    func downloadTarget(_ token: String) -> (path: String, size: Int64, name: String, mimeType: String, eTag: String)? {
        guard let t = parseDownloadToken(token) else { return nil }
        return lock.withLock {
            guard let drives = tenants[t.tenantId.lowercased()], let item = drives.items[t.itemId], !item.isFolder,
                  item.driveId == t.driveId else { return nil }
            return (contentPath(t.tenantId, item.id), item.size, item.name, item.mimeType, DriveJSON.eTag(item))
        }
    }
}

// MARK: - Item operations (call under the lock)

extension TenantDrives {
    static func newItemId() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var rng = SystemRandomNumberGenerator()
        return "01" + String((0..<32).map { _ in alphabet[Int.random(in: 0..<32, using: &rng)] })
    }

    func childNamed(_ parentId: String, _ name: String) -> DriveItemRecord? {
        for id in children[parentId] ?? [] {
            if let i = items[id], i.name.caseInsensitiveCompare(name) == .orderedSame { return i }
        }
        return nil
    }

    /// `name 1.txt`, `name 2.txt` … the first free one (OneDrive's `rename` conflict behaviour).
    func freeName(_ parentId: String, _ name: String) -> String {
        guard childNamed(parentId, name) != nil else { return name }
        let ext = (name as NSString).pathExtension
        let stem = ext.isEmpty ? name : String(name.dropLast(ext.count + 1))
        var n = 1
        while true {
            let candidate = ext.isEmpty ? "\(stem) \(n)" : "\(stem) \(n).\(ext)"
            if childNamed(parentId, candidate) == nil { return candidate }
            n += 1
        }
    }

    func insert(_ item: DriveItemRecord) {
        items[item.id] = item
        if let p = item.parentId { children[p, default: []].append(item.id) }
    }

    func detach(_ id: String) {
        guard let p = items[id]?.parentId else { return }
        children[p]?.removeAll { $0 == id }
    }

    /// The item and everything below it, deepest first.
    func subtree(_ id: String) -> [String] {
        var out: [String] = []
        for c in children[id] ?? [] { out += subtree(c) }
        out.append(id)
        return out
    }

    func isAncestor(_ a: String, of b: String) -> Bool {
        var cur: String? = b
        while let c = cur {
            if c == a { return true }
            cur = items[c]?.parentId
        }
        return false
    }

    /// `/drive/root:` or `/drive/root:/A/B` for an item whose parent is `parentId`.
    func parentPath(_ parentId: String) -> String {
        var names: [String] = []
        var cur: String? = parentId
        while let c = cur, let item = items[c], item.parentId != nil {
            names.append(item.name)
            cur = item.parentId
        }
        let rel = names.reversed().map { $0.addingPercentEncoding(withAllowedCharacters: DriveJSON.pathAllowed) ?? $0 }
        return "/drive/root:" + (rel.isEmpty ? "" : "/" + rel.joined(separator: "/"))
    }
}

/// driveItem and drive JSON.
enum DriveJSON {
    static let pathAllowed: CharacterSet = {
        var s = CharacterSet.urlPathAllowed
        s.remove(charactersIn: "/?#%")
        return s
    }()

    static func eTag(_ i: DriveItemRecord) -> String { "\"{\(i.guid.uppercased())},\(i.version)\"" }
    static func cTag(_ i: DriveItemRecord) -> String { "\"c:{\(i.guid.uppercased())},\(i.contentVersion)\"" }

    static func item(_ i: DriveItemRecord, in t: TenantDrives, drive: DriveRecord, downloadUrl: String?) -> JSONObject {
        var o: JSONObject = [
            "createdDateTime": .string(Util.iso8601(i.created)), "eTag": .string(eTag(i)), "id": .string(i.id),
            "lastModifiedDateTime": .string(Util.iso8601(i.modified)), "name": .string(i.name),
        ]
        var web = drive.webUrl
        if i.parentId != nil, let p = i.parentId {
            let path = t.parentPath(p).dropFirst("/drive/root:".count)
            web += path + "/" + (i.name.addingPercentEncoding(withAllowedCharacters: pathAllowed) ?? i.name)
        }
        o["webUrl"] = .string(web)
        o["cTag"] = .string(cTag(i))
        o["size"] = JSON(Int(i.size))
        o["createdBy"] = i.createdBy
        o["lastModifiedBy"] = i.modifiedBy
        var parent: JSONObject = ["driveType": "business", "driveId": .string(drive.id)]
        if let p = i.parentId {
            parent["id"] = .string(p)
            parent["name"] = .string(p == drive.rootId ? "root" : (t.items[p]?.name ?? ""))
            parent["path"] = .string(t.parentPath(p))
        }
        o["parentReference"] = .object(parent)
        o["fileSystemInfo"] = ["createdDateTime": .string(Util.iso8601(i.created)), "lastModifiedDateTime": .string(Util.iso8601(i.modified))]
        if i.isFolder {
            o["folder"] = ["childCount": JSON(t.children[i.id]?.count ?? 0)]
            if i.parentId == nil { o["root"] = [:] }
        } else {
            var hashes: JSONObject = [:]
            if let h = i.quickXorHash { hashes["quickXorHash"] = .string(h) }
            o["file"] = ["mimeType": .string(i.mimeType), "hashes": .object(hashes)]
            if let downloadUrl { o["@microsoft.graph.downloadUrl"] = .string(downloadUrl) }
        }
        return o
    }

    static func drive(_ d: DriveRecord, used: Int64) -> JSONObject {
        let owner: JSON = ["user": ["email": .string(d.ownerEmail), "id": .string(d.ownerId), "displayName": .string(d.ownerName)]]
        return [
            "createdDateTime": .string(Util.iso8601(d.created)), "description": "", "id": .string(d.id),
            "lastModifiedDateTime": .string(Util.iso8601(d.created)), "name": "OneDrive", "webUrl": .string(d.webUrl),
            "driveType": "business", "createdBy": ["user": ["displayName": "System Account"]], "lastModifiedBy": owner, "owner": owner,
            "quota": ["deleted": 0, "remaining": JSON(Int(DriveStore.quotaTotal - used)), "state": "normal",
                      "total": JSON(Int(DriveStore.quotaTotal)), "used": JSON(Int(used))],
        ]
    }

    static func mimeType(for name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "txt", "log": return "text/plain"
        case "md": return "text/markdown"
        case "csv": return "text/csv"
        case "json": return "application/json"
        case "xml": return "application/xml"
        case "html", "htm": return "text/html"
        case "pdf": return "application/pdf"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "zip": return "application/zip"
        case "docx": return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case "xlsx": return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case "pptx": return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        default: return "application/octet-stream"
        }
    }
}
