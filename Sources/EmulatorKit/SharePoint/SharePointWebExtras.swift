import Foundation
import JSONModel
import NIOHTTP1

/// A user's alert on a list or one of its items.
struct SPAlert: Sendable {
    let id: String
    var title: String
    var userId: Int
    var listId: String
    var itemId: Int?
    var templateName: String
}

/// What a web offers beyond its content: alerts (`_api/web/alerts`, `Alerts/DeleteAlert('id')`;
/// seeded on first read for the web's first users and lists), installed languages
/// (`RegionalSettings/InstalledLanguages`), the out-of-box client-side web parts
/// (`GetClientSideWebParts`, a fixed catalog with one extension, which is not a web part) and the
/// tenant's retention labels as a site sees them (`SPPolicyStoreProxy.GetAvailableTagsForSite`).
enum SharePointWebExtras {
    typealias On = (HTTPMethod, String, @escaping SharePointEndpoints.Handler) -> Void

    static func register(_ on: On) {
        on(.GET, "_api/web/alerts", listAlerts)
        on(.DELETE, "_api/web/alerts/deletealert/{id}", deleteAlert)
        on(.GET, "_api/web/regionalsettings/installedlanguages", installedLanguages)
        on(.GET, "_api/web/getclientsidewebparts", clientSideWebParts)
        on(.GET, "_api/sp.compliancepolicy.sppolicystoreproxy.getavailabletagsforsite/{args}", availableTags)
    }

    // MARK: Alerts

    /// The web's alerts, seeded on first use: each of the first two users with a UPN on each of
    /// the first two visible lists, and the first user on the first item of the first list that has items. Call under the lock.
    static func alerts(_ w: SPWeb, users: [SPSiteUser]) -> [SPAlert] {
        if let a = w.extras.alerts { return a }
        var out: [SPAlert] = []
        let people = users.filter { !$0.upn.isEmpty }.prefix(2)
        let lists = w.lists.filter { !$0.hidden }.prefix(2)
        for u in people {
            for l in lists {
                out.append(SPAlert(id: Util.nameGUID("alert/\(w.id)/\(u.id)/\(l.id)"), title: l.title, userId: u.id, listId: l.id, itemId: nil,
                                   templateName: l.isLibrary ? "SPAlertTemplateType.DocumentLibrary" : "SPAlertTemplateType.GenericList"))
            }
        }
        if let u = people.first, let l = w.lists.first(where: { !$0.hidden && !$0.items.isEmpty }), let item = l.items.first {
            out.append(SPAlert(id: Util.nameGUID("alert/\(w.id)/\(u.id)/\(l.id)/\(item.id)"), title: "\(l.title): \(item.fields["Title"]?.stringValue ?? "")",
                               userId: u.id, listId: l.id, itemId: item.id,
                               templateName: l.isLibrary ? "SPAlertTemplateType.DocumentLibrary" : "SPAlertTemplateType.GenericList"))
        }
        w.extras.alerts = out
        return out
    }

    static func alertProps(_ a: SPAlert, _ w: SPWeb, _ list: SPList, users: [SPSiteUser], expand: Set<String>) -> JSONObject {
        let base = w.serverRelativeUrl == "/" ? "" : w.serverRelativeUrl
        let properties: [JSON] = [("dispformurl", "\(list.url)/DispForm.aspx"), ("filterindex", "0"), ("defaultitemopen", "Browser"),
                                  ("sendurlinsms", "False"), ("eventtypeindex", "0"), ("webUrl", w.url)].map {
            ["Key": .string($0.0), "Value": .string($0.1), "ValueType": "Edm.String"]
        }
        var o: JSONObject = ["AlertFrequency": 0, "AlertTemplateName": .string(a.templateName), "AlertType": JSON(a.itemId == nil ? 0 : 1),
                             "AlwaysNotify": false, "DeliveryChannels": 1, "EventType": -1, "Filter": "", "ID": .string(a.id),
                             "Properties": .array(properties), "Status": 0, "Title": .string(a.title), "UserId": JSON(a.userId)]
        if expand.contains("item") {
            if let id = a.itemId, let i = list.position(of: id) {
                let item = list.items[i]
                let file = item.fields["FileRef"]?.stringValue ?? "\(base)/\(list.url)/\(id)_.000"
                o["Item"] = ["Id": JSON(id), "ID": JSON(id), "FileRef": .string(file), "GUID": .string(item.guid)]
            } else {
                o["Item"] = .null
            }
        }
        if expand.contains("list") {
            var l: JSONObject = ["Id": .string(list.id), "Title": .string(list.title)]
            if expand.contains("list/rootfolder") { l["RootFolder"] = ["ServerRelativeUrl": .string("\(base)/\(list.url)")] }
            o["List"] = .object(l)
        }
        if expand.contains("user") {
            o["User"] = users.first { $0.id == a.userId }.map { .object(SharePointPrincipals.userProps($0)) } ?? .null
        }
        return o
    }

    /// `$filter` as CLI for Microsoft 365 sends it: `List/Id eq guid'…'` and
    /// `User/UserPrincipalName eq '…'`, joined by `and`.
    static func alertFilter(_ text: String) throws -> (list: String?, upn: String?) {
        var list: String?, upn: String?
        if text.trimmingCharacters(in: .whitespaces).isEmpty { return (nil, nil) }
        for clause in text.components(separatedBy: " and ") {
            let c = clause.trimmingCharacters(in: .whitespaces)
            let lower = c.lowercased()
            func literal(_ s: Substring) -> String {
                var v = String(s).trimmingCharacters(in: .whitespaces)
                if v.lowercased().hasPrefix("guid") { v = String(v.dropFirst(4)) }
                if v.hasPrefix("'"), v.hasSuffix("'"), v.count >= 2 { v = String(v.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'") }
                return v
            }
            if lower.hasPrefix("list/id eq ") { list = literal(c.dropFirst("list/id eq ".count)) } else if lower.hasPrefix("user/userprincipalname eq ") {
                upn = literal(c.dropFirst("user/userprincipalname eq ".count))
            } else {
                throw SPError.invalidQuery("The expression \"\(text)\" is not valid.")
            }
        }
        return (list, upn)
    }

    static func listAlerts(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let users = try r.state.sharePoint.principals.with(r) { $0.users }
        let expand = Set((r.request.query["$expand"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
        let filter = try alertFilter(r.request.query["$filter"] ?? "")
        let rows: [JSONObject] = r.store.locked {
            let w = r.web
            return alerts(w, users: users).compactMap { a in
                guard let list = w.list(id: a.listId) else { return nil }
                if let id = filter.list, id.lowercased() != a.listId.lowercased() { return nil }
                if let upn = filter.upn, users.first(where: { $0.id == a.userId })?.upn.lowercased() != upn.lowercased() { return nil }
                return alertProps(a, w, list, users: users, expand: expand)
            }
        }
        let render = SPRender(r)
        let entries = rows.map { render.entry($0, SPMeta(type: "SP.Alert", editLink: "Web/Alerts('\($0["ID"]?.stringValue ?? "")')")) }
        return .json(render.collection(entries, context: "SP.Alert", next: nil))
    }

    static func deleteAlert(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let users = try r.state.sharePoint.principals.with(r) { $0.users }
        let id = (p["id"] ?? "").lowercased()
        try r.store.locked {
            var list = alerts(r.web, users: users)
            guard let i = list.firstIndex(where: { $0.id.lowercased() == id }) else {
                throw SPError(.notFound, "-2146232832, Microsoft.SharePoint.SPException",
                              "The alert you are trying to access does not exist or has just been deleted.")
            }
            list.remove(at: i)
            r.web.extras.alerts = list
        }
        return EmulatorResponse(status: .ok)
    }

    // MARK: Languages, web parts, labels

    static let languages: [(String, String, Int)] = [("English", "en-US", 1033), ("German", "de-DE", 1031), ("French", "fr-FR", 1036),
                                                     ("Dutch", "nl-NL", 1043), ("Spanish", "es-ES", 3082), ("Japanese", "ja-JP", 1041)]

    static func installedLanguages(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let items: [JSON] = languages.map { ["DisplayName": .string($0.0), "LanguageTag": .string($0.1), "Lcid": JSON($0.2)] }
        if r.format == .verbose { return .json(["d": ["Items": ["results": .array(items)]]]) }
        return .json(["Items": .array(items)])
    }

    /// (id, alias, title, component type): the out-of-box web parts and one extension.
    static let webParts: [(String, String, String, Int)] = [
        ("e377ea37-9047-43b9-8cdb-a761be2f8e09", "BingMapWebPart", "Bing maps", 1),
        ("d1d91016-032f-456d-98a4-721247c305e8", "ImageWebPart", "Image", 1),
        ("c4bd7b2f-7b6e-4599-8485-16504575f590", "HeroWebPart", "Hero", 1),
        ("c70391ea-0b10-4ee9-b2b4-006d3fcad0cd", "QuickLinksWebPart", "Quick links", 1),
        ("8c88f208-6c77-4bdb-86a0-0c47b4316588", "NewsWebPart", "News", 1),
        ("20745d7d-8581-4a6c-bf26-68279bc123fc", "EventsWebPart", "Events", 1),
        ("490d7c76-1824-45b2-9de3-676421c997fa", "ContentEmbedWebPart", "Embed", 1),
        ("544dd15b-cf3c-441b-96da-004d5a8cea1d", "YouTubeWebPart", "YouTube", 1),
        ("2161a1c6-db61-4731-b97c-3cdb303f7cbb", "DividerWebPart", "Divider", 1),
        ("8654b779-4886-46d4-8ffb-b5ed960ee986", "SpacerWebPart", "Spacer", 1),
        ("7f718435-ee4d-431c-bdbf-9c4ff326f46e", "PeopleWebPart", "People", 1),
        ("b7dd04e1-19ce-4b24-9132-b60a1c2b910d", "DocumentEmbedWebPart", "File viewer", 1),
        ("6b30dce4-4b1e-4a3c-8b8a-0ef7f0cd3bf2", "SiteHeaderApplicationCustomizer", "Site header", 2),
    ]

    static func clientSideWebParts(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let rows: [JSONObject] = webParts.map { id, alias, title, type in
            var manifest: JSONObject = ["id": .string(id), "alias": .string(alias), "componentType": .string(type == 1 ? "WebPart" : "Extension"),
                                        "version": "*", "manifestVersion": 2]
            if type == 1 {
                manifest["preconfiguredEntries"] = [["groupId": "cf066440-0614-43d6-98ae-0b31cf14c7c3", "group": ["default": "Text, media, and content"],
                                                     "title": ["default": .string(title)], "officeFabricIconFontName": "Page",
                                                     "properties": [:]]]
            } else {
                manifest["extensionType"] = "ApplicationCustomizer"
            }
            return ["ComponentType": JSON(type), "Id": .string("{\(id)}"), "Manifest": .string(JSON.object(manifest).serialized()),
                    "ManifestType": 1, "Name": .string(alias), "Status": 0]
        }
        let render = SPRender(r)
        return .json(render.collection(rows.map { render.entry($0, SPMeta(type: "SP.ClientSideComponent.SPClientSideComponentQueryResult", editLink: "")) },
                                       context: "Collection(SP.ClientSideComponent.SPClientSideComponentQueryResult)", next: nil))
    }

    /// The tenant's published retention labels (id, name, days, based on, behaviour).
    static let retentionLabels: [(String, String, Int, String, Bool, Bool)] = [
        ("def61080-111c-4aea-b72f-5b60e516e36c", "Business records", 2555, "CreationAgeInDays", true, false),
        ("4a1c1a3a-6a3e-4d0e-9b44-7b5a2f0c1e11", "Contracts", 3650, "ModificationAgeInDays", false, true),
        ("9b2f6c1e-0a7d-4c1b-8f3e-2d5e6a7b8c9d", "Temporary", 30, "CreationAgeInDays", true, false),
    ]

    static func labelProps(_ l: (String, String, Int, String, Bool, Bool)) -> JSONObject {
        ["AcceptMessagesOnlyFromSendersOrMembers": false, "AccessType": nil, "AllowAccessFromUnmanagedDevice": nil, "AutoDelete": .bool(l.4),
         "BlockDelete": true, "BlockEdit": .bool(l.5), "ComplianceFlags": 1, "ContainsSiteLabel": false, "DisplayName": "",
         "EncryptionRMSTemplateId": nil, "HasRetentionAction": true, "IsEventTag": false, "MultiStageReviewerEmail": nil,
         "NextStageComplianceTag": nil, "Notes": nil, "RequireSenderAuthenticationEnabled": false, "ReviewerEmail": nil,
         "SharingCapabilities": nil, "SuperLock": false, "TagDuration": JSON(l.2), "TagId": .string(l.0), "TagName": .string(l.1),
         "TagRetentionBasedOn": .string(l.3), "UnlockedAsDefault": false]
    }

    /// `GetAvailableTagsForSite(siteUrl=@a1)?@a1='…'`: the site must be one the tenant has.
    static func availableTags(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let args = SharePointFiles.arguments(p["args"] ?? "", r)
        var url = args["siteurl"] ?? ""
        if url.count >= 2, url.hasPrefix("'"), url.hasSuffix("'") { url = String(url.dropFirst().dropLast()) }
        guard !url.isEmpty else { throw SPError.invalidQuery("The parameter siteUrl does not exist in method GetAvailableTagsForSite.") }
        guard r.state.sharePoint.web(for: url.trimmingSuffix("/") + "/_api", tenantId: r.tenant.id) != nil else {
            throw SPError(.notFound, "-2147024894, System.IO.FileNotFoundException", "File Not Found.")
        }
        let render = SPRender(r)
        let entries = retentionLabels.map { render.entry(labelProps($0), SPMeta(type: "SP.CompliancePolicy.ComplianceTag", editLink: "")) }
        return .json(render.collection(entries, context: "Collection(SP.CompliancePolicy.ComplianceTag)", next: nil))
    }
}
