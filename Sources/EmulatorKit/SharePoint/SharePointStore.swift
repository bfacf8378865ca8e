import Crypto
import Foundation
import JSONModel
import NIOConcurrencyHelpers

/// One list item: its fields as SharePoint returns them (without the system fields, which the
/// service adds) and the version its etag counts.
struct SPItem: Sendable {
    var id: Int
    var version: Int
    var guid: String
    var created: String
    var modified: String
    var authorId: Int
    var editorId: Int
    /// Title and custom fields in the order they were first set.
    var fields: JSONObject
}

/// A list and its items, kept in ascending ID order so a page after `p_ID=n` starts with a
/// binary search instead of a scan.
final class SPList: @unchecked Sendable {
    let id: String
    var title: String
    var description: String
    let baseTemplate: Int
    /// Server-relative below the web: `Lists/Tasks`, `Shared Documents`.
    let url: String
    var hidden: Bool
    var allowContentTypes: Bool
    let created: String
    var lastItemModified: String
    var items: [SPItem] = []
    var nextId = 1
    /// Counts updates, for the list's etag.
    var version = 1
    /// Custom field names seen on items, beyond `Title`.
    var customFields: [String] = []
    /// Settings a client set (`EnableVersioning`, `NoCrawl`, …), shown over the defaults.
    var settings = JSONObject()
    /// `SP.VersionPolicyManager`: how old versions expire (0 never, 1 after days, 2 automatically).
    var versionPolicies: JSONObject = ["DefaultExpireAfterDays": 0, "DefaultTrimMode": 0]
    /// The web's server-relative URL, set when the list joins a web (`SPWeb.lists`).
    var webPath = ""
    /// `/sites/team/Lists/Tasks`.
    var serverRelativeURL: String { (webPath == "/" ? "" : webPath) + "/" + url }
    /// The list's columns (SharePointContentModel.swift), made on first use: the base type's
    /// fields and a Text field for each custom field the seed's items carry.
    lazy var fields: [SPField] = SPContentModelDefaults.listFields(library: isLibrary, scope: serverRelativeURL)
        + customFields.map { SPContentModelDefaults.textField($0, listId: id, scope: serverRelativeURL) }
    lazy var contentTypes: [SPContentType] = SPContentModelDefaults.listContentTypes(library: isLibrary, listId: id, scope: serverRelativeURL)
    lazy var views: [SPView] = [SPContentModelDefaults.defaultView(library: isLibrary, listId: id, listURL: serverRelativeURL)]
    /// The New menu's content types as a client ordered them (`UniqueContentTypeOrder`), nil
    /// while the list's own order applies.
    var uniqueContentTypeOrder: [String]?
    /// Webhook subscriptions, expired ones included until a read drops them.
    var subscriptions: [SPSubscription] = []
    /// Attachments, records and retention labels (SharePointAttachments.swift, SharePointCompliance.swift).
    let compliance = SPListCompliance()

    init(id: String, title: String, description: String, baseTemplate: Int, url: String, hidden: Bool = false,
         allowContentTypes: Bool = true, created: String) {
        self.id = id
        self.title = title
        self.description = description
        self.baseTemplate = baseTemplate
        self.url = url
        self.hidden = hidden
        self.allowContentTypes = allowContentTypes
        self.created = created
        self.lastItemModified = created
    }

    var isLibrary: Bool { [101, 700, 109, 119].contains(baseTemplate) }

    /// `TasksList` for a list at `Lists/Tasks`, `Shared_x0020_Documents` for a library at
    /// `Shared Documents`: the last URL segment with spaces escaped, `List` added for lists.
    var entityTypeName: String {
        let leaf = (url.split(separator: "/").last.map(String.init) ?? title).replacingOccurrences(of: " ", with: "_x0020_")
        return isLibrary ? leaf : leaf + "List"
    }

    /// `SP.Data.TasksListItem`, `SP.Data.Shared_x0020_DocumentsItem`.
    var itemTypeName: String { "SP.Data.\(entityTypeName)Item" }

    /// Index of the first item whose ID is greater than `id` (binary search); `items` is this
    /// list's array or a snapshot of it.
    static func index(after id: Int, in items: [SPItem]) -> Int {
        var lo = 0, hi = items.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if items[mid].id <= id { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    func position(of id: Int) -> Int? {
        let i = Self.index(after: id - 1, in: items)
        return i < items.count && items[i].id == id ? i : nil
    }

    /// Items may carry fields the list was never given (the emulator is lenient there): each new
    /// name becomes a custom field and, if the list has no such column, a Text column.
    func noteFields(_ given: JSONObject) {
        for (k, _) in given where k != "Title" && !customFields.contains(k) {
            customFields.append(k)
            if !fields.contains(where: { $0.internalName == k }) {
                fields.append(SPContentModelDefaults.textField(k, listId: id, scope: serverRelativeURL))
            }
        }
    }

    func field(_ ref: String) -> SPField? {
        fields.first { $0.id.caseInsensitiveCompare(ref) == .orderedSame || $0.internalName == ref }
            ?? fields.first { $0.title.caseInsensitiveCompare(ref) == .orderedSame }
    }
}

/// A web (a site collection's root web or a sub-web) with its lists.
final class SPWeb: @unchecked Sendable {
    let id: String
    /// Absolute URL without a trailing slash.
    let url: String
    /// The absolute URL of the site collection the web belongs to.
    let siteCollectionURL: String
    let siteId: String
    var title: String
    var description: String
    let webTemplate: String
    let language: Int
    let created: String
    var lastItemModified: String
    var lists: [SPList] = [] {
        didSet { for l in lists where l.webPath.isEmpty { l.webPath = serverRelativeUrl } }
    }
    /// Site columns and site content types made in this web (SharePointContentModel.swift), made
    /// on first use. The built-in ones belong to the site collection's root web; a sub-web starts
    /// with none and sees its parents' through `SharePointContentTypes.chain` (as SharePoint's
    /// `AvailableFields`/`AvailableContentTypes`, while `Fields`/`ContentTypes` are the web's own).
    lazy var fields: [SPField] = isSiteCollectionRoot ? SPContentModelDefaults.webFields(scope: serverRelativeUrl) : []
    lazy var contentTypes: [SPContentType] = isSiteCollectionRoot ? SPContentModelDefaults.webContentTypes(scope: serverRelativeUrl) : []
    /// Whether this is the site collection's root web.
    var isSiteCollectionRoot: Bool { url.caseInsensitiveCompare(siteCollectionURL) == .orderedSame }
    /// Properties a client set (`NoCrawl`, `QuickLaunchEnabled`, …), shown over the defaults.
    var settings = JSONObject()
    /// Property bags, features, event receivers and alerts (SharePointPropertyBags.swift).
    let extras = SPWebExtras()
    var welcomePage = "SitePages/Home.aspx"
    /// The template's configuration: 3 of `STS#3`.
    var configuration = 0
    /// Whether the web shows its parent's navigation (`SP.Navigation.UseShared`).
    var navigationUseShared = false

    init(id: String, url: String, siteCollectionURL: String, siteId: String, title: String, description: String,
         webTemplate: String, language: Int, created: String) {
        self.id = id
        self.url = url
        self.siteCollectionURL = siteCollectionURL
        self.siteId = siteId
        self.title = title
        self.description = description
        self.webTemplate = webTemplate
        self.language = language
        self.created = created
        self.lastItemModified = created
    }

    var serverRelativeUrl: String {
        let path = URL(string: url)?.path ?? ""
        return path.isEmpty ? "/" : path
    }

    func list(id: String) -> SPList? { lists.first { $0.id.caseInsensitiveCompare(id) == .orderedSame } }
    func list(title: String) -> SPList? { lists.first { $0.title.caseInsensitiveCompare(title) == .orderedSame } }
    /// By server-relative (or absolute) list URL.
    func list(url: String) -> SPList? {
        var u = url
        if u.lowercased().hasPrefix("https://"), let path = URL(string: u)?.path { u = path }
        let prefix = serverRelativeUrl == "/" ? "" : serverRelativeUrl
        return lists.first { "\(prefix)/\($0.url)".caseInsensitiveCompare(u.trimmingSuffix("/")) == .orderedSame }
    }
}

/// The stateful SharePoint content of every tenant: webs by URL, built from the seed's
/// `sharePoint.sites` at start and on reset. Handlers run under `with`; item pages snapshot the
/// item array (copy-on-write) and filter outside the lock.
public final class SharePointStore: @unchecked Sendable {
    private let lock = NIOLock()
    private let seed: Seed
    /// Tenant id → lower-cased absolute web URL → web.
    private var webs: [String: [String: SPWeb]] = [:]
    /// Tenant id → admin-center state (SharePointTenant.swift); guarded by the same lock.
    var tenantAdmin: [String: SPTenantAdminState] = [:]
    /// Signs form digests: a digest is `0x<HMAC of site collection and time>,<time>`, so it
    /// needs no table and can't be forged for another site collection.
    private let digestKey = SymmetricKey(size: .bits256)
    let digestLifetime: TimeInterval = 1800
    /// Site users and groups (`SharePointPrincipals.swift`) and app catalogs (`SharePointApps.swift`).
    let principals = SPPrincipalStore()
    let apps = SPAppStore()
    /// Document library files and folders (`SharePointFiles.swift`); guarded by `lock`.
    let files = SPFileStore()

    init(seed: Seed) {
        self.seed = seed
        reset()
    }

    /// Restores every tenant's sites, lists and items to the seed.
    public func reset() {
        var built: [String: [String: SPWeb]] = [:]
        for t in seed.tenants {
            var tenantWebs: [String: SPWeb] = [:]
            for site in t.sharePoint?.sites ?? [] {
                guard let url = site["url"]?.stringValue?.trimmingSuffix("/") else { continue }
                Self.build(site, url: url, siteCollectionURL: url, siteId: site["id"]?.stringValue ?? Util.nameGUID("site/\(url)"),
                           into: &tenantWebs)
            }
            SharePointContentTypes.addHub(to: &tenantWebs)
            SharePointPremium.addContentCenter(to: &tenantWebs)
            built[t.id.lowercased()] = tenantWebs
        }
        let admin = SPTenantAdminState.build(seed)
        lock.withLock { webs = built; tenantAdmin = admin }
        principals.reset()
        apps.reset()
        lock.withLock { files.reset() }
    }

    private static func build(_ seed: JSON, url: String, siteCollectionURL: String, siteId: String, into out: inout [String: SPWeb]) {
        let created = "2020-01-01T00:00:00Z"
        let web = SPWeb(id: seed["webId"]?.stringValue ?? Util.nameGUID("web/\(url)"), url: url, siteCollectionURL: siteCollectionURL,
                        siteId: siteId, title: seed["title"]?.stringValue ?? "", description: seed["description"]?.stringValue ?? "",
                        webTemplate: (seed["webTemplate"]?.stringValue ?? "STS").split(separator: "#").first.map(String.init) ?? "STS",
                        language: seed["language"]?.intValue ?? 1033, created: created)
        web.lastItemModified = "2024-01-01T00:00:00Z"
        for l in seed["lists"]?.arrayValue ?? [] {
            let title = l["title"]?.stringValue ?? ""
            let list = SPList(id: l["id"]?.stringValue ?? Util.nameGUID("list/\(url)/\(title)"), title: title,
                              description: l["description"]?.stringValue ?? "", baseTemplate: l["baseTemplate"]?.intValue ?? 100,
                              url: l["url"]?.stringValue ?? "Lists/\(title)", hidden: l["hidden"]?.boolValue ?? false, created: created)
            for i in l["items"]?.arrayValue ?? [] {
                guard let o = i.objectValue else { continue }
                let id = (o["Id"] ?? o["ID"])?.intValue ?? list.nextId
                var fields = JSONObject()
                for (k, v) in o where !["Id", "ID"].contains(k) { fields[k] = v }
                list.noteFields(fields)
                list.items.append(SPItem(id: id, version: 1, guid: Util.nameGUID("item/\(list.id)/\(id)"), created: created,
                                         modified: created, authorId: 1073741823, editorId: 1073741823, fields: fields))
                list.nextId = max(list.nextId, id + 1)
            }
            list.items.sort { $0.id < $1.id }
            web.lists.append(list)
        }
        out[url.lowercased()] = web
        for sub in seed["webs"]?.arrayValue ?? [] {
            guard let leaf = sub["url"]?.stringValue else { continue }
            let subURL = leaf.lowercased().hasPrefix("https://") ? leaf.trimmingSuffix("/") : "\(url)/\(leaf)"
            build(sub, url: subURL, siteCollectionURL: siteCollectionURL, siteId: siteId, into: &out)
        }
    }

    /// Runs `body` under the lock with the tenant's webs (reads and writes alike).
    func with<T>(_ tenantId: String, _ body: (inout [String: SPWeb]) throws -> T) rethrows -> T {
        try lock.withLock {
            var w = webs[tenantId.lowercased()] ?? [:]
            defer { webs[tenantId.lowercased()] = w }
            return try body(&w)
        }
    }

    /// Runs `body` under the lock, for handlers that already hold their web and lists.
    func locked<T>(_ body: () throws -> T) rethrows -> T { try lock.withLock(body) }

    /// The tenant's root site (`https://contoso.sharepoint.com`), as Graph's `sites/root` gives it.
    func rootWeb(tenantId: String) -> SPWeb? {
        lock.withLock {
            webs[tenantId.lowercased()]?.values.filter { w in
                w.url.split(separator: "/").count == 2 && !w.url.contains("-my.") && !w.url.contains("-admin.")
            }.min { $0.url < $1.url }
        }
    }

    /// The web of that id (Graph's `host,siteId,webId` site ids name webs so).
    func web(id: String, tenantId: String) -> SPWeb? {
        lock.withLock { webs[tenantId.lowercased()]?.values.first { $0.id.lowercased() == id.lowercased() } }
    }

    /// The web whose URL is the longest prefix of `url` (case-insensitive).
    func web(for url: String, tenantId: String) -> SPWeb? {
        var candidate = url.lowercased().trimmingSuffix("/")
        return lock.withLock {
            guard let all = webs[tenantId.lowercased()] else { return nil }
            while true {
                if let w = all[candidate] { return w }
                guard let slash = candidate.lastIndex(of: "/"), candidate[..<slash].count > "https://".count else { return nil }
                candidate = String(candidate[..<slash])
            }
        }
    }

    // MARK: Form digests

    static let digestDateFormat: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "dd MMM yyyy HH:mm:ss '-0000'"
        return f
    }()
    private let formatLock = NIOLock()

    /// `0x<128 hex digits>,<dd MMM yyyy HH:mm:ss -0000>` as SharePoint formats it.
    func issueDigest(siteCollectionURL: String, now: Date = Date()) -> String {
        let date = formatLock.withLock { Self.digestDateFormat.string(from: now) }
        return "0x\(signature(siteCollectionURL, date)),\(date)"
    }

    enum DigestCheck: Equatable { case valid, invalid, expired }

    func checkDigest(_ digest: String?, siteCollectionURL: String, now: Date = Date()) -> DigestCheck {
        guard let digest, digest.hasPrefix("0x"), let comma = digest.firstIndex(of: ",") else { return .invalid }
        let mac = String(digest[digest.index(digest.startIndex, offsetBy: 2)..<comma])
        let date = String(digest[digest.index(after: comma)...])
        guard mac.uppercased() == signature(siteCollectionURL, date),
              let issued = formatLock.withLock({ Self.digestDateFormat.date(from: date) }) else { return .invalid }
        return now.timeIntervalSince(issued) > digestLifetime ? .expired : .valid
    }

    private func signature(_ siteCollectionURL: String, _ date: String) -> String {
        let mac = HMAC<SHA512>.authenticationCode(for: Array("\(siteCollectionURL.lowercased())|\(date)".utf8), using: digestKey)
        return mac.map { String(format: "%02X", $0) }.joined()
    }

    // MARK: Benchmarks

    public enum GenerateFailure: Error { case noSuchWeb, noSuchList }

    /// Appends `count` items titled `<prefix> NNNNNN` to a list (the admin API's bulk create).
    public func generateItems(webURL: String, tenantId: String, listTitle: String, count: Int, prefix: String) throws -> Int {
        guard let web = web(for: webURL, tenantId: tenantId), web.url.caseInsensitiveCompare(webURL.trimmingSuffix("/")) == .orderedSame
        else { throw GenerateFailure.noSuchWeb }
        let now = Util.iso8601(Date())
        return try lock.withLock {
            guard let list = web.list(title: listTitle) else { throw GenerateFailure.noSuchList }
            list.items.reserveCapacity(list.items.count + count)
            for _ in 0..<count {
                let id = list.nextId
                list.nextId += 1
                let digits = String(id)
                let n = String(repeating: "0", count: max(0, 6 - digits.count)) + digits
                list.items.append(SPItem(id: id, version: 1, guid: Util.nameGUID("item/\(list.id)/\(id)"), created: now, modified: now,
                                         authorId: 1073741823, editorId: 1073741823, fields: ["Title": .string("\(prefix) \(n)")]))
            }
            if count > 0 { list.lastItemModified = now }
            return count
        }
    }
}
