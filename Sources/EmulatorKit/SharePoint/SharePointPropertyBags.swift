import Foundation
import JSONModel
import NIOHTTP1

/// A web's state beyond its lists: its property bag and its folders', activated features (the
/// site collection's on its root web), event receivers and alerts. Guarded by the store's lock.
final class SPWebExtras: @unchecked Sendable {
    /// Property bag values a client set (`SetFieldValue` + `Update`) over the system ones, and
    /// the system keys it removed; folders' by lower-cased server-relative URL.
    var bag = JSONObject()
    var bagRemoved: Set<String> = []
    var folderBags: [String: JSONObject] = [:]
    var folderBagsRemoved: [String: Set<String>] = [:]
    /// Activated feature ids (lower-cased); nil until first changed (the template's defaults).
    var webFeatures: [String]?
    var siteFeatures: [String]?
    /// Event receivers of the web, of the site collection (root web) and of each list (by id);
    /// nil until first read (seeded then).
    var webReceivers: [SPEventReceiver]?
    var siteReceivers: [SPEventReceiver]?
    var listReceivers: [String: [SPEventReceiver]] = [:]
    /// Alerts of the web's users; nil until first read (seeded then).
    var alerts: [SPAlert]?
}

/// Property bags over CSOM (`Web.AllProperties`, `Folder.Properties`: `SetFieldValue` then the
/// owner's `Update`) and REST (`_api/web/allproperties`). SharePoint keeps `vti_` system keys
/// beside a client's; CSOM names an integer's key with its type (`vti_level$  Int32`) and sends a
/// date as `/Date(y,m,d,h,m,s,ms)/` (month from 0); REST spells `_` in a key `_x005f_`. A
/// no-script site (DenyAddAndCustomizePages) refuses writes to the web's bag, as SharePoint does;
/// a folder's bag stays writable (lists' root folders are how no-script sites are reindexed).
enum SharePointPropertyBags {
    static let accessDenied = CSOMError("Access is denied. (Exception from HRESULT: 0x80070005 (E_ACCESSDENIED))", -2147024891,
                                        "System.UnauthorizedAccessException")
    static let fileNotFound = CSOMError("File Not Found.", -2147024894, "System.IO.FileNotFoundException")

    /// `/Date(2024,0,1,0,0,0,0)/` for an ISO date (UTC).
    static func csomDate(_ iso: String) -> String {
        let d = SharePointCSOM.isoDate(iso)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: d)
        return "/Date(\(c.year ?? 1970),\((c.month ?? 1) - 1),\(c.day ?? 1),\(c.hour ?? 0),\(c.minute ?? 0),\(c.second ?? 0),0)/"
    }

    /// The web's system keys (before a client's changes).
    static func webSystem(_ w: SPWeb) -> JSONObject {
        let tags = [1031: "de-de", 1036: "fr-fr", 1043: "nl-nl", 3082: "es-es", 1041: "ja-jp"]
        let tag = tags[w.language] ?? "en-us"
        return ["vti_extenderversion": .string(SharePointService.libraryVersion), "vti_defaultlanguage": .string(tag),
                "vti_approvallevels": "Approved Rejected Pending\\ Review",
                "vti_categories": "Business Competition Expense\\ Report Goals/Objectives Ideas In\\ Process Miscellaneous Planning Schedule Travel VIP Waiting",
                "vti_associategroups": "", "vti_createdassociategroups": "", "vti_indexedpropertykeys": "",
                "vti_searchversion": 0, "NoCrawl": .string(String(w.settings["NoCrawl"]?.boolValue ?? false))]
    }

    /// A folder's system keys, from its REST props (UniqueId, ItemCount, times).
    static func folderSystem(_ props: JSONObject, level: Int) -> JSONObject {
        let uid = (props["UniqueId"]?.stringValue ?? "").uppercased()
        let created = props["TimeCreated"]?.stringValue ?? Util.iso8601(Date())
        let modified = props["TimeLastModified"]?.stringValue ?? created
        let count = props["ItemCount"]?.intValue ?? 0
        return ["vti_folderitemcount": JSON(count), "vti_level": JSON(level), "vti_winfileattribs": "00000012",
                "vti_candeleteversion": "true", "vti_foldersubfolderitemcount": 0, "vti_timelastmodified": .string(csomDate(modified)),
                "vti_dirlateststamp": .string(csomDate(modified)), "vti_isscriptable": "false", "vti_isexecutable": "false",
                "vti_metainfoversion": 1, "vti_isbrowsable": "true", "vti_timecreated": .string(csomDate(created)),
                "vti_etag": .string("\"{\(uid)},1\""), "vti_hassubdirs": .string(String(count > 0)), "vti_docstoreversion": 1,
                "vti_rtag": .string("rt:\(uid)@00000000001"), "vti_docstoretype": 1, "vti_replid": .string("rid:{\(uid)}"),
                "vti_searchversion": 0]
    }

    /// A bag: the system keys, less removed ones, with a client's values over them.
    static func merged(_ system: JSONObject, _ set: JSONObject, _ removed: Set<String>) -> JSONObject {
        var out = system
        for k in removed { out[k] = nil }
        for (k, v) in set { out[k] = v }
        return out
    }

    /// The web's bag as REST reads it (`_x005f_` for `_`), for `_api/web/allproperties`.
    static func restBag(_ w: SPWeb) -> JSONObject {
        var out = JSONObject()
        for (k, v) in merged(webSystem(w), w.extras.bag, w.extras.bagRemoved) { out[k.replacingOccurrences(of: "_", with: "_x005f_")] = v }
        return out
    }

    /// A bag as CSOM sends it: `SP.PropertyValues`, integers' keys typed.
    static func csomBag(_ bag: JSONObject) -> JSON {
        var out: JSONObject = ["_ObjectType_": "SP.PropertyValues"]
        for (k, v) in bag {
            if case .number = v { out[k + "$  Int32"] = v } else { out[k] = v }
        }
        return .object(out)
    }
}

extension CSOMEvaluation {
    /// `Web.AllProperties` and `Folder.Properties`; nil for other properties.
    func propertyBagProperty(_ parent: CSOMObject, _ name: String) -> CSOMObject? {
        switch (parent, name) {
        case let (.web(url), "AllProperties"): return .propertyBag(url, nil)
        case let (.folder(url, path), "Properties"): return .propertyBag(url, path)
        default: return nil
        }
    }

    /// `…:web:<id>:folder:<unique id>`: a list's root folder or a folder of it.
    func folderIdentity(_ w: SPWeb, _ uid: String) throws -> CSOMObject {
        let base = w.serverRelativeUrl == "/" ? "" : w.serverRelativeUrl
        if let l = w.lists.first(where: { SharePointFiles.rootFolderId($0).lowercased() == uid.lowercased() }) {
            return .folder(w.url, base + "/" + l.url)
        }
        guard let f = r.store.files.folders.values.first(where: { $0.uniqueId.lowercased() == uid.lowercased() }) else { throw SharePointPropertyBags.fileNotFound }
        return .folder(w.url, f.url)
    }

    /// Calls on property bags and their owners; nil when `name` is not one of them.
    func propertyBagCall(_ obj: CSOMObject, _ name: String, _ params: [CSOMParam]) throws -> CSOMObject?? {
        switch (obj, name) {
        case let (.web(url), "GetFolderByServerRelativeUrl"):
            var path = try string(params, 0, name)
            guard webs[url.lowercased()] != nil, url.lowercased() == r.web.url.lowercased() else { throw SharePointPropertyBags.fileNotFound }
            if !path.hasPrefix("/") { path = (r.web.serverRelativeUrl == "/" ? "" : r.web.serverRelativeUrl) + "/" + path }
            while path.count > 1, path.hasSuffix("/") { path.removeLast() }
            guard let found = try? SharePointFiles.folder(r, path) else { throw SharePointPropertyBags.fileNotFound }
            return .some(.folder(url, found.props["ServerRelativeUrl"]?.stringValue ?? path))
        case let (.propertyBag(url, folder), "SetFieldValue"):
            let key = try string(params, 0, name)
            guard params.count > 1 else { throw CSOMError.invalid("The method SetFieldValue expects more parameters.") }
            pendingBags["\(url.lowercased())|\(folder?.lowercased() ?? "")", default: [:]][key] = params[1].value
            return .some(nil)
        case let (.web(url), "Update"):
            guard canWrite, let w = webs[url.lowercased()] else { throw CSOMError.accessDenied }
            guard let changes = pendingBags.removeValue(forKey: "\(url.lowercased())|") else { return .some(nil) }
            if let root = siteRoot(w.siteCollectionURL), admin.peekInfo(for: root).denyAddAndCustomizePages == 2 {
                throw SharePointPropertyBags.accessDenied
            }
            for (k, v) in changes {
                if v.isNull { w.extras.bag[k] = nil; w.extras.bagRemoved.insert(k) } else { w.extras.bag[k] = v; w.extras.bagRemoved.remove(k) }
            }
            return .some(nil)
        case let (.folder(url, path), "Update"):
            guard canWrite, let w = webs[url.lowercased()] else { throw CSOMError.accessDenied }
            let key = path.lowercased()
            guard let changes = pendingBags.removeValue(forKey: "\(url.lowercased())|\(key)") else { return .some(nil) }
            for (k, v) in changes {
                if v.isNull {
                    w.extras.folderBags[key]?[k] = nil
                    w.extras.folderBagsRemoved[key, default: []].insert(k)
                } else {
                    w.extras.folderBags[key, default: [:]][k] = v
                    w.extras.folderBagsRemoved[key]?.remove(k)
                }
            }
            return .some(nil)
        default:
            return nil
        }
    }

    /// The properties of a folder or a property bag.
    func propertyBagProperties(_ obj: CSOMObject) throws -> JSONObject {
        switch obj {
        case let .folder(url, path):
            guard let w = webs[url.lowercased()], let found = try? SharePointFiles.folder(r, path) else { throw SharePointPropertyBags.fileNotFound }
            let uid = found.props["UniqueId"]?.stringValue ?? ""
            var o: JSONObject = ["_ObjectType_": "SP.Folder", "_ObjectIdentity_": .string("\(contentPrefix):site:\(w.siteId):web:\(w.id):folder:\(uid)")]
            for k in ["Name", "ServerRelativeUrl", "UniqueId", "ItemCount", "Exists"] { o[k] = found.props[k] }
            o["Properties"] = SharePointPropertyBags.csomBag(folderBag(w, path, found.props))
            return o
        case let .propertyBag(url, folder):
            guard let w = webs[url.lowercased()] else { throw CSOMError.invalid("The web \(url) does not exist.") }
            guard let folder else { return SharePointPropertyBags.csomBag(webBag(w)).objectValue ?? [:] }
            guard let found = try? SharePointFiles.folder(r, folder) else { throw SharePointPropertyBags.fileNotFound }
            return SharePointPropertyBags.csomBag(folderBag(w, folder, found.props)).objectValue ?? [:]
        default:
            return [:]
        }
    }

    func webBag(_ w: SPWeb) -> JSONObject {
        SharePointPropertyBags.merged(SharePointPropertyBags.webSystem(w), w.extras.bag, w.extras.bagRemoved)
    }

    func folderBag(_ w: SPWeb, _ path: String, _ props: JSONObject) -> JSONObject {
        let level = path.split(separator: "/").count - w.serverRelativeUrl.split(separator: "/").count
        let key = path.lowercased()
        return SharePointPropertyBags.merged(SharePointPropertyBags.folderSystem(props, level: max(1, level)),
                                             w.extras.folderBags[key] ?? [:], w.extras.folderBagsRemoved[key] ?? [])
    }

    /// The web's `AllProperties` and `EffectiveBasePermissions` (full control, less
    /// AddAndCustomizePages on a no-script site), for CSOM queries that name them.
    func webExtraProperties(_ w: SPWeb) -> JSONObject {
        var low: UInt64 = 4_294_967_295
        if let root = siteRoot(w.siteCollectionURL), admin.peekInfo(for: root).denyAddAndCustomizePages == 2 { low &= ~UInt64(1 << 19) }
        return ["AllProperties": SharePointPropertyBags.csomBag(webBag(w)),
                "EffectiveBasePermissions": ["_ObjectType_": "SP.BasePermissions", "High": JSON(Int(2_147_483_647)), "Low": JSON(Int(low))]]
    }
}
