import Foundation
import JSONModel
import NIOHTTP1

/// A remote or code event receiver of a web, site collection or list.
struct SPEventReceiver: Sendable {
    var id: String
    var name: String
    var eventType: Int
    var url: String
    var assembly = ""
    var className = ""
    var sequence = 10000
    /// 1 synchronous, 2 asynchronous.
    var synchronization = 2

    var props: JSONObject {
        ["EventType": JSON(eventType), "ReceiverAssembly": .string(assembly), "ReceiverClass": .string(className),
         "ReceiverId": .string(id), "ReceiverName": .string(name), "ReceiverUrl": .string(url),
         "SequenceNumber": JSON(sequence), "Synchronization": JSON(synchronization)]
    }
}

/// Features (`_api/web|site/features`, `features/add|remove`) and event receivers
/// (`_api/web|site/eventreceivers`, `{list}/eventreceivers`). Features come from a small catalog
/// of SharePoint's own (real ids and names); a template's defaults are active until the first
/// change. Event receivers are seeded on first read (a couple per web and site, one per list).
enum SharePointFeatures {
    typealias On = (HTTPMethod, String, @escaping SharePointEndpoints.Handler) -> Void

    /// (id, name, scope) of the features the farm has installed.
    static let catalog: [(id: String, name: String, site: Bool)] = [
        ("00bfea71-4ea5-48d4-a4ad-7ea5c011abe5", "TeamCollab", false),
        ("00bfea71-d8fe-4fec-8dad-01c19a6e4053", "WikiPageHomePage", false),
        ("b6917cb1-93a0-4b97-a84d-7cf49975d4ec", "SitePages", false),
        ("a7a2793e-67cd-4dc1-9fd0-43f61581207a", "FollowingContent", false),
        ("15a572c6-e545-4d32-897a-bab6f5846e18", "SiteFeed", false),
        ("f151bb39-7c3b-414f-bb36-6bf18872052f", "SiteNotebook", false),
        ("87294c72-f260-42f3-a41b-981a2ffce37a", "MDSFeature", false),
        ("4aec7207-0d02-4f4f-aa07-b370199cd0c7", "GettingStarted", false),
        ("94c94ca6-b32f-4da9-a9e3-1f3d343d7ecb", "PublishingWeb", false),
        ("b21b090c-c796-4b0f-ac0f-7ef1659c20ae", "BaseSite", true),
        ("8581a8a7-cf16-4770-ac54-260265ddb0b2", "PremiumSite", true),
        ("7c637b23-06c4-472d-9a9a-7c175762c5c4", "ViewFormPagesLockDown", true),
        ("8a4b8de2-6fd8-41e9-923c-c7c3c00f8295", "OpenInClient", true),
        ("3bae86a2-776d-499d-9db8-fa4cdc7884f8", "DocumentSet", true),
        ("f6924d36-2fa8-4f0b-b16d-06b7250180fa", "PublishingSite", true),
        ("7094bd89-2cfe-490a-8c7e-fbace37b4a34", "Reporting", true),
    ]
    static let webDefaults = ["00bfea71-4ea5-48d4-a4ad-7ea5c011abe5", "00bfea71-d8fe-4fec-8dad-01c19a6e4053",
                              "b6917cb1-93a0-4b97-a84d-7cf49975d4ec", "a7a2793e-67cd-4dc1-9fd0-43f61581207a", "15a572c6-e545-4d32-897a-bab6f5846e18"]
    static let siteDefaults = ["b21b090c-c796-4b0f-ac0f-7ef1659c20ae", "7c637b23-06c4-472d-9a9a-7c175762c5c4", "8a4b8de2-6fd8-41e9-923c-c7c3c00f8295"]

    static func register(_ on: On) {
        for scope in ["web", "site"] {
            on(.GET, "_api/\(scope)/features", { r, _ in try listFeatures(r, site: scope == "site") })
            on(.POST, "_api/\(scope)/features/add/{args}", { r, p in try changeFeature(r, p, site: scope == "site", add: true) })
            on(.POST, "_api/\(scope)/features/remove/{args}", { r, p in try changeFeature(r, p, site: scope == "site", add: false) })
        }
        on(.GET, "_api/web/eventreceivers", { r, p in try listReceivers(r, p, .web) })
        on(.GET, "_api/site/eventreceivers", { r, p in try listReceivers(r, p, .site) })
        on(.GET, "_api/web/lists/{list}/eventreceivers", { r, p in try listReceivers(r, p, .list) })
        on(.GET, "_api/web/eventreceivers/{id}", { r, p in try getReceiver(r, p, .web) })
        on(.GET, "_api/site/eventreceivers/{id}", { r, p in try getReceiver(r, p, .site) })
        on(.GET, "_api/web/lists/{list}/eventreceivers/{id}", { r, p in try getReceiver(r, p, .list) })
        on(.DELETE, "_api/web/eventreceivers/{id}", { r, p in try deleteReceiver(r, p, .web) })
        on(.DELETE, "_api/site/eventreceivers/{id}", { r, p in try deleteReceiver(r, p, .site) })
        on(.DELETE, "_api/web/lists/{list}/eventreceivers/{id}", { r, p in try deleteReceiver(r, p, .list) })
    }

    // MARK: Features

    /// The web a scope's state lives on: the site collection's root web for `site`. Call under the lock.
    static func owner(_ r: SharePointRequest, site: Bool, _ webs: [String: SPWeb]) -> SPWeb {
        guard site else { return r.web }
        return webs[r.web.siteCollectionURL.lowercased()] ?? r.web
    }

    static func active(_ w: SPWeb, site: Bool) -> [String] {
        site ? (w.extras.siteFeatures ?? siteDefaults) : (w.extras.webFeatures ?? webDefaults)
    }

    static func props(_ id: String) -> JSONObject {
        let name = catalog.first { $0.id == id }?.name ?? ""
        return ["DefinitionId": .string(id), "DisplayName": .string(name)]
    }

    static func listFeatures(_ r: SharePointRequest, site: Bool) throws -> EmulatorResponse {
        let query = try SPQuery(r.request, properties: ["DefinitionId", "DisplayName"], typeName: "SP.Feature")
        let ids = r.store.with(r.tenant.id) { webs in active(owner(r, site: site, webs), site: site) }
        let render = SPRender(r)
        let rows = ids.map(props).filter(query.matches)
        let entries = rows.map { render.entry(query.project($0), SPMeta(type: "SP.Feature", editLink: "\(site ? "Site" : "Web")/Features(guid'\($0["DefinitionId"]?.stringValue ?? "")')")) }
        return .json(render.collection(entries, context: "SP.Feature", next: nil))
    }

    static func notInstalled(_ id: String) -> SPError {
        SPError(.internalServerError, "-2146232832, Microsoft.SharePoint.SPException",
                "Feature with Id '\(id)' is not installed in this farm, and cannot be added to this scope.")
    }

    /// `features/add(featureId=guid'…',force=…)` and `features/remove(…)`.
    static func changeFeature(_ r: SharePointRequest, _ p: [String: String], site: Bool, add: Bool) throws -> EmulatorResponse {
        let args = SharePointFiles.arguments(p["args"] ?? "", r)
        let id = (args["featureid"] ?? "").trimmingCharacters(in: ["{", "}"]).lowercased()
        let force = args["force"]?.lowercased() == "true"
        guard Util.isGUID(id) else {
            throw SPError.invalidQuery("The parameter featureId does not exist in method \(add ? "Add" : "Remove").")
        }
        return try r.store.with(r.tenant.id) { webs in
            let w = owner(r, site: site, webs)
            var ids = active(w, site: site)
            if add {
                guard let feature = catalog.first(where: { $0.id == id && $0.site == site }) else { throw notInstalled(id) }
                if ids.contains(id) {
                    guard force else {
                        throw SPError(.internalServerError, "-2146232832, Microsoft.SharePoint.SPException",
                                      "Feature '\(feature.name)' (ID: \(id)) is already activated at scope '\(w.url)'.")
                    }
                } else {
                    ids.append(id)
                }
            } else {
                guard ids.contains(id) || force else {
                    throw SPError(.internalServerError, "-2146232832, Microsoft.SharePoint.SPException",
                                  "Feature with Id '\(id)' is not activated at this scope.")
                }
                ids.removeAll { $0 == id }
            }
            if site { w.extras.siteFeatures = ids } else { w.extras.webFeatures = ids }
            if !add { return .json(r.format == .verbose ? ["d": ["Remove": nil]] : ["odata.null": true]) }
            return .json(SPRender(r).entity(props(id), SPMeta(type: "SP.Feature", editLink: "\(site ? "Site" : "Web")/Features(guid'\(id)')"), context: "SP.Feature"))
        }
    }

    // MARK: Event receivers

    enum Scope { case web, site, list }

    static func seeded(_ owner: String, _ items: [(String, Int, String)]) -> [SPEventReceiver] {
        items.map { name, type, path in
            SPEventReceiver(id: Util.nameGUID("eventreceiver/\(owner)/\(name)"), name: name, eventType: type,
                            url: "https://contoso-events.azurewebsites.net/api/\(path)")
        }
    }

    /// The receivers of a scope, seeded on first use. Call under the lock.
    static func receivers(_ r: SharePointRequest, _ p: [String: String], _ scope: Scope, _ webs: [String: SPWeb], _ change: ((inout [SPEventReceiver]) throws -> Void)? = nil) throws -> [SPEventReceiver] {
        switch scope {
        case .web:
            let w = r.web
            var list = w.extras.webReceivers ?? seeded("web/\(w.id)", [("ListAddedReceiver", 10104, "listadded"), ("FieldAddedReceiver", 10101, "fieldadded")])
            try change?(&list)
            w.extras.webReceivers = list
            return list
        case .site:
            let w = owner(r, site: true, webs)
            var list = w.extras.siteReceivers ?? seeded("site/\(w.siteId)", [("WebProvisionedReceiver", 10204, "webprovisioned"), ("SiteDeletingReceiver", 201, "sitedeleting")])
            try change?(&list)
            w.extras.siteReceivers = list
            return list
        case .list:
            let l = try SharePointEndpoints.resolve(p["list"]!, in: r.web)
            var list = r.web.extras.listReceivers[l.id] ?? seeded("list/\(l.id)", [("ItemAddedReceiver", 10001, "itemadded")])
            try change?(&list)
            r.web.extras.listReceivers[l.id] = list
            return list
        }
    }

    static let receiverNames = ["EventType", "ReceiverAssembly", "ReceiverClass", "ReceiverId", "ReceiverName", "ReceiverUrl", "SequenceNumber", "Synchronization"]

    static func meta(_ e: SPEventReceiver) -> SPMeta { SPMeta(type: "SP.EventReceiverDefinition", editLink: "EventReceivers(guid'\(e.id)')") }

    static func listReceivers(_ r: SharePointRequest, _ p: [String: String], _ scope: Scope) throws -> EmulatorResponse {
        let query = try SPQuery(r.request, properties: receiverNames, typeName: "SP.EventReceiverDefinition")
        let all = try r.store.with(r.tenant.id) { webs in try receivers(r, p, scope, webs) }
        let render = SPRender(r)
        let entries = all.filter { query.matches($0.props) }.map { render.entry(query.project($0.props), meta($0)) }
        return .json(render.collection(entries, context: "SP.EventReceiverDefinition", next: nil))
    }

    /// One receiver by id; `odata.null` when there is none, as SharePoint answers.
    static func getReceiver(_ r: SharePointRequest, _ p: [String: String], _ scope: Scope) throws -> EmulatorResponse {
        let id = (p["id"] ?? "").lowercased()
        let found = try r.store.with(r.tenant.id) { webs in try receivers(r, p, scope, webs).first { $0.id.lowercased() == id } }
        guard let found else { return .json(r.format == .verbose ? ["d": nil] : ["odata.null": true]) }
        return .json(SPRender(r).entity(found.props, meta(found), context: "SP.EventReceiverDefinition"))
    }

    static func deleteReceiver(_ r: SharePointRequest, _ p: [String: String], _ scope: Scope) throws -> EmulatorResponse {
        let id = (p["id"] ?? "").lowercased()
        _ = try r.store.with(r.tenant.id) { webs in
            try receivers(r, p, scope, webs) { list in
                // [U] SharePoint's words for an id the scope has no receiver by.
                guard let i = list.firstIndex(where: { $0.id.lowercased() == id }) else {
                    throw SPError(.notFound, "-1, Microsoft.SharePoint.Client.ResourceNotFoundException", "Cannot find resource for the request EventReceivers.")
                }
                list.remove(at: i)
            }
        }
        return EmulatorResponse(status: .ok)
    }
}
