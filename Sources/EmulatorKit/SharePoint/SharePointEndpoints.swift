import Foundation
import JSONModel
import NIOHTTP1

/// The REST endpoints below `{web}/_api/` (paths as `SharePointService.canonicalPath` writes
/// them). Handlers throw `SPError`; the store's objects are only touched under its lock.
extension Router<SharePointRequest>.RouteList {
    /// A SharePoint route: the handler's `SPError` becomes SharePoint's error body, anything
    /// else a 500 naming it.
    mutating func sharePoint(_ method: HTTPMethod?, _ path: String, _ handler: @escaping SharePointEndpoints.Handler) {
        add(method, path) { req, p in
            do { return try handler(req, p) } catch let e as SPError { return e.response(req.request) } catch {
                return SPError(.internalServerError, "-1, System.InvalidOperationException", "\(error)").response(req.request)
            }
        }
    }
}

enum SharePointEndpoints {
    typealias Handler = @Sendable (SharePointRequest, [String: String]) throws -> EmulatorResponse

    static func register(_ r: inout Router<SharePointRequest>.RouteList) {
        func on(_ method: HTTPMethod, _ path: String, _ handler: @escaping Handler) { r.sharePoint(method, path, handler) }
        SharePointSites.register(on)
        on(.POST, "_api/contextinfo", contextInfo)
        on(.GET, "_api/web", { r, _ in try getWeb(r) })
        on(.PATCH, "_api/web", updateWeb)
        on(.PATCH, "_api/web/rootfolder", updateRootFolder)
        on(.DELETE, "_api/web", deleteWeb)
        on(.GET, "_api/web/webs", listWebs)
        on(.POST, "_api/web/webs/add", addWeb)
        on(.POST, "_api/web/webinfos/add", addWebInformation)
        on(.GET, "_api/web/effectivebasepermissions", effectiveBasePermissions)
        on(.GET, "_api/web/lists", listLists)
        on(.POST, "_api/web/lists", addList)
        on(.GET, "_api/web/lists/{list}", getList)
        SharePointFields.register(on)
        on(.GET, "_api/web/defaultdocumentlibrary", { r, _ in try getList(r, ["list": "id:" + defaultLibrary(r)]) })
        on(.GET, "_api/web/lists/{list}/getitembyuniqueid/{unique}", getItem)
        on(.PATCH, "_api/web/lists/{list}", updateList)
        on(.DELETE, "_api/web/lists/{list}", deleteList)
        on(.GET, "_api/web/lists/{list}/items", listItems)
        on(.POST, "_api/web/lists/{list}/items", addItem)
        on(.POST, "_api/web/lists/{list}/getitems", getItems)
        on(.GET, "_api/web/lists/{list}/items/{id}", getItem)
        on(.PATCH, "_api/web/lists/{list}/items/{id}", updateItem)
        on(.DELETE, "_api/web/lists/{list}/items/{id}", deleteItem)
        for method in [HTTPMethod.POST, .DELETE] {
            on(method, "_api/web/lists/{list}/items/{id}/recycle", recycleItem)
            on(method, "_api/web/lists/{list}/recycle", recycleList)
        }
        on(.POST, "_api/web/lists/{list}/items/{id}/validateupdatelistitem", validateUpdateItem)
        SharePointPrincipals.register(&r)
        SharePointApps.register(&r)
        SharePointSearch.register(&r)
        SharePointBatch.register(on)
        SharePointContentTypes.register(on)
        SharePointFiles.register(&r)
        SharePointViews.register(on)
        SharePointWebhooks.register(on)
        SharePointSiteScripts.register(on)
        SharePointFeatures.register(on)
        SharePointWebExtras.register(on)
        SharePointPermissions.register(on)
        SharePointCompliance.register(on)
        SharePointPremium.register(on)
    }

    // MARK: Context info

    static func contextInfo(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let web = r.web
        let digest = r.store.issueDigest(siteCollectionURL: web.siteCollectionURL)
        let versions: [JSON] = ["14.0.0.0", "15.0.0.0"]
        var props: JSONObject = [
            "FormDigestTimeoutSeconds": JSON(Int(r.store.digestLifetime)), "FormDigestValue": .string(digest),
            "LibraryVersion": .string(SharePointService.libraryVersion), "SiteFullUrl": .string(web.siteCollectionURL),
            "SupportedSchemaVersions": .array(versions), "WebFullUrl": .string(web.url),
        ]
        if r.format == .verbose {
            props["SupportedSchemaVersions"] = ["__metadata": ["type": "Collection(Edm.String)"], "results": .array(versions)]
            var o: JSONObject = ["__metadata": ["type": "SP.ContextWebInformation"]]
            for (k, v) in props { o[k] = v }
            return .json(["d": ["GetContextWebInformation": .object(o)]])
        }
        return .json(SPRender(r).entity(props, SPMeta(type: "SP.ContextWebInformation", editLink: "contextinfo"),
                                        context: "SP.ContextWebInformation"))
    }

    // MARK: Webs

    static func webProps(_ web: SPWeb) -> JSONObject {
        let rel = web.serverRelativeUrl
        let master = rel.trimmingSuffix("/") + "/_catalogs/masterpage/seattle.master"
        var props: JSONObject = [
            "AllowRssFeeds": true, "Configuration": 0, "Created": .string(web.created), "CustomMasterUrl": .string(master),
            "Description": .string(web.description), "Id": .string(web.id), "IsMultilingual": true, "Language": JSON(web.language),
            "LastItemModifiedDate": .string(web.lastItemModified), "LastItemUserModifiedDate": .string(web.lastItemModified),
            "MasterUrl": .string(master), "NoCrawl": false, "QuickLaunchEnabled": true, "RecycleBinEnabled": true,
            "ServerRelativeUrl": .string(rel), "SiteLogoUrl": nil, "Title": .string(web.title), "UIVersion": 15,
            "Url": .string(web.url), "WebTemplate": .string(web.webTemplate),
            "WebTemplateConfiguration": .string("\(web.webTemplate)#\(web.configuration)"), "ResourcePath": ["DecodedUrl": .string(web.url)],
        ]
        for (name, value) in web.settings { props[name] = value }
        return props
    }

    static func webMeta(_ web: SPWeb, relativeTo base: SPWeb) -> SPMeta {
        web === base ? SPMeta(type: "SP.Web", editLink: "Web") : SPMeta(type: "SP.Web", editLink: "Web/Webs(guid'\(web.id)')")
    }

    static func getWeb(_ r: SharePointRequest) throws -> EmulatorResponse {
        let props = SharePointPrincipals.webExpansions(r, r.store.locked { webProps(r.web) })
        return .json(SPRender(r).entity(props, webMeta(r.web, relativeTo: r.web), context: "SP.ApiData.Webs"))
    }

    /// The SP.Web properties a client may change, by JSON type.
    static let webBooleans: Set<String> = [
        "NoCrawl", "QuickLaunchEnabled", "MegaMenuEnabled", "FooterEnabled", "NavAudienceTargetingEnabled", "CommentsOnSitePagesDisabled",
        "ExcludeFromOfflineClient", "HideTitleInHeader", "HorizontalQuickLaunch", "IsMultilingual", "MembersCanShare",
        "OverwriteTranslationsOnChange", "SaveSiteAsTemplateEnabled", "TreeViewEnabled", "DisableRecommendedItems",
    ]
    static let webNumbers: Set<String> = ["HeaderEmphasis", "HeaderLayout", "SearchScope", "FooterEmphasis", "FooterLayout", "LogoAlignment"]
    static let webStrings: Set<String> = ["Title", "Description", "SiteLogoUrl", "AlternateCssUrl", "CustomMasterUrl", "MasterUrl",
                                          "RequestAccessEmail", "SiteLogoDescription"]

    static func updateWeb(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let body = try jsonBody(r)
        try checkType(body, "SP.Web")
        try checkProperties(body, type: "SP.Web", booleans: webBooleans, numbers: webNumbers, strings: webStrings)
        r.store.locked {
            if let t = body["Title"]?.stringValue { r.web.title = t }
            if let d = body["Description"]?.stringValue { r.web.description = d }
            for (name, value) in body where !["__metadata", "Title", "Description"].contains(name) { r.web.settings[name] = value }
        }
        return EmulatorResponse(status: .noContent)
    }

    /// `PATCH _api/web/RootFolder {"WelcomePage": …}`: the site's home page.
    static func updateRootFolder(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let body = try jsonBody(r)
        try checkProperties(body, type: "SP.Folder", booleans: [], numbers: [], strings: ["WelcomePage"])
        r.store.locked { if let page = body["WelcomePage"]?.stringValue { r.web.welcomePage = page } }
        return EmulatorResponse(status: .noContent)
    }

    static func deleteWeb(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        guard r.web.url != r.web.siteCollectionURL else {
            // [U] the exact text; SharePoint refuses to delete a site collection's root web here.
            throw SPError(.badRequest, "-2146232832, Microsoft.SharePoint.SPException", "Cannot delete the root web of a site collection.")
        }
        r.store.with(r.tenant.id) { webs in
            let prefix = r.web.url.lowercased()
            for key in webs.keys where key == prefix || key.hasPrefix(prefix + "/") { webs[key] = nil }
        }
        return .json(.object([:]))
    }

    static func listWebs(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let q = try SPQuery(r.request, properties: Array(webProps(r.web).keys), typeName: "SP.Web")
        let render = SPRender(r)
        let rows: [JSON] = r.store.with(r.tenant.id) { webs in
            let children = webs.values.filter { isChild($0.url, of: r.web.url) }.sorted { $0.url < $1.url }
            return q.sorted(children.map(webProps), { $0 }).filter(q.matches).prefix(q.top ?? Int.max).map { props in
                let web = webs[(props["Url"]?.stringValue ?? "").lowercased()]!
                return render.entry(q.project(props), webMeta(web, relativeTo: r.web))
            }
        }
        return .json(render.collection(rows, context: "SP.ApiData.Webs", next: nil))
    }

    /// A direct sub-web: one more path segment.
    static func isChild(_ url: String, of parent: String) -> Bool {
        guard url.lowercased().hasPrefix(parent.lowercased() + "/") else { return false }
        return !url.dropFirst(parent.count + 1).contains("/")
    }

    static func addWeb(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let web = try createWeb(r)
        return .json(SPRender(r).entity(webProps(web), webMeta(web, relativeTo: r.web), context: "SP.ApiData.Webs"))
    }

    /// `POST _api/web/webinfos/add`: the new subsite, answered as SP.WebInformation.
    static func addWebInformation(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let web = try createWeb(r)
        let template = web.webTemplate
        let props: JSONObject = [
            "Configuration": JSON(web.configuration), "Created": .string(web.created), "Description": .string(web.description),
            "Id": .string(web.id), "Language": JSON(web.language), "LastItemModifiedDate": .string(web.lastItemModified),
            "LastItemUserModifiedDate": .string(web.lastItemModified), "ServerRelativeUrl": .string(web.serverRelativeUrl),
            "Title": .string(web.title), "WebTemplate": .string(template), "WebTemplateId": JSON(webTemplateIds[template] ?? 1),
        ]
        return .json(SPRender(r).entity(props, SPMeta(type: "SP.WebInformation", editLink: "Web/WebInfos(guid'\(web.id)')"), context: "SP.ApiData.WebInfos"))
    }

    /// Template ids of the web templates the emulator creates.
    static let webTemplateIds = ["STS": 1, "BLOG": 9, "SITEPAGEPUBLISHING": 68, "GROUP": 64, "APPCATALOG": 336]

    /// `GET _api/web/effectivebasepermissions`: what the caller may do on the web. Tenant and
    /// site admins and owners have full control, everyone else reads.
    static func effectiveBasePermissions(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let full = try SharePointPrincipals.isOwner(r)
        let role = full ? SharePointPrincipals.fullControl : SharePointPrincipals.read
        return .json(SPRender(r).entity(role["BasePermissions"]?.objectValue ?? [:], SPMeta(type: "SP.BasePermissions", editLink: "Web/EffectiveBasePermissions"),
                                        context: "Edm.BasePermissions"))
    }

    /// Creates the subsite a `webs/add` or `webinfos/add` body describes.
    static func createWeb(_ r: SharePointRequest) throws -> SPWeb {
        let body = try jsonBody(r)
        guard let p = body["parameters"]?.objectValue, let leaf = p["Url"]?.stringValue, !leaf.isEmpty, !leaf.contains("/") else {
            throw SPError.invalidQuery("The parameter parameters does not exist in method Add.")
        }
        let url = r.web.url + "/" + leaf
        let now = Util.iso8601(Date())
        let template = (p["WebTemplate"]?.stringValue ?? "STS").split(separator: "#").map(String.init)
        let web = SPWeb(id: Util.newGUID(), url: url, siteCollectionURL: r.web.siteCollectionURL, siteId: r.web.siteId,
                        title: p["Title"]?.stringValue ?? leaf, description: p["Description"]?.stringValue ?? "",
                        webTemplate: template.first ?? "STS", language: p["Language"]?.intValue ?? r.web.language, created: now)
        web.configuration = template.count > 1 ? Int(template[1]) ?? 0 : 0
        web.lists.append(SPList(id: Util.newGUID(), title: "Documents", description: "", baseTemplate: 101, url: "Shared Documents", created: now))
        try r.store.with(r.tenant.id) { webs in
            guard webs[url.lowercased()] == nil else {
                throw SPError(.badRequest, "-2147024713, Microsoft.SharePoint.SPException",
                              "The Web site address \"\(web.serverRelativeUrl)\" is already in use.")
            }
            webs[url.lowercased()] = web
        }
        return web
    }

    // MARK: Lists

    static func listProps(_ list: SPList, _ web: SPWeb) -> JSONObject {
        var props: JSONObject = [
            "AllowContentTypes": .bool(list.allowContentTypes), "BaseTemplate": JSON(list.baseTemplate),
            "BaseType": JSON(list.isLibrary ? 1 : 0), "ContentTypesEnabled": false, "Created": .string(list.created),
            "Description": .string(list.description), "EnableAttachments": .bool(!list.isLibrary), "EnableFolderCreation": .bool(list.isLibrary),
            "EnableMinorVersions": false, "EnableVersioning": true, "EntityTypeName": .string(list.entityTypeName), "ForceCheckout": false,
            "HasExternalDataSource": false, "Hidden": .bool(list.hidden), "Id": .string(list.id), "ItemCount": JSON(list.items.count),
            "LastItemModifiedDate": .string(list.lastItemModified), "LastItemUserModifiedDate": .string(list.lastItemModified),
            "ListItemEntityTypeFullName": .string(list.itemTypeName), "MajorVersionLimit": 500,
            "ParentWebUrl": .string(web.serverRelativeUrl), "Title": .string(list.title),
            "RootFolder": ["Name": .string(String(list.url.split(separator: "/").last ?? "")), "ItemCount": JSON(list.items.count),
                           "ServerRelativeUrl": .string("\(web.serverRelativeUrl.trimmingSuffix("/"))/\(list.url)")],
        ]
        for (name, value) in list.settings { props[name] = value }
        return props
    }

    /// Navigation properties of a list that `$expand` may ask for.
    /// A list's navigation properties (`HasUniqueRoleAssignments` is a property SharePoint also
    /// takes in `$expand`, as CLI for Microsoft 365 sends it).
    static let listNavigation = ["RootFolder", "RoleAssignments", "HasUniqueRoleAssignments", "VersionPolicies"]

    static func listMeta(_ list: SPList) -> SPMeta {
        SPMeta(type: "SP.List", editLink: "Web/Lists(guid'\(list.id)')", etag: "\"\(list.version)\"")
    }

    /// The list a `{list}` capture names (`id:…`, `title:…` or `url:…`). Call under the lock.
    static func resolve(_ ref: String, in web: SPWeb) throws -> SPList {
        guard let colon = ref.firstIndex(of: ":") else { throw SPError.listDeleted }
        let kind = ref[..<colon], value = String(ref[ref.index(after: colon)...])
        switch kind {
        case "title":
            guard let l = web.list(title: value) else { throw SPError.listNotFound(title: value, web: web.url) }
            return l
        case "url":
            guard let l = web.list(url: value) else { throw SPError.listDeleted }
            return l
        default:
            guard let l = web.list(id: value) else { throw SPError.listDeleted }
            return l
        }
    }

    static func listLists(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let names = ["AllowContentTypes", "BaseTemplate", "BaseType", "ContentTypesEnabled", "Created", "Description", "EnableAttachments",
                     "EnableFolderCreation", "EnableMinorVersions", "EnableVersioning", "EntityTypeName", "ForceCheckout",
                     "HasExternalDataSource", "Hidden", "Id", "ItemCount", "LastItemModifiedDate", "LastItemUserModifiedDate",
                     "ListItemEntityTypeFullName", "MajorVersionLimit", "ParentWebUrl", "Title"]
        let q = try SPQuery(r.request, properties: names, typeName: "SP.List", navigation: listNavigation)
        let render = SPRender(r)
        let rows: [(JSONObject, SPMeta)] = r.store.locked { r.web.lists.map { (listProps($0, r.web), listMeta($0)) } }
        let page = q.sorted(rows, { $0.0 }).filter { q.matches($0.0) }.prefix(q.top ?? Int.max)
        return .json(render.collection(page.map { render.entry(q.project($0.0), $0.1) }, context: "SP.ApiData.Lists", next: nil))
    }

    static func getList(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let (props, meta) = try r.store.locked {
            let l = try resolve(p["list"]!, in: r.web)
            return (listProps(l, r.web), listMeta(l))
        }
        let q = try SPQuery(r.request, properties: Array(props.keys).filter { !listNavigation.contains($0) }, typeName: "SP.List",
                            navigation: listNavigation)
        var all = props
        let chain = try r.store.locked { SharePointPermissions.listChain(try resolve(p["list"]!, in: r.web), r) }
        if q.expand.contains("RoleAssignments") {
            let nested = (q.nestedExpand["RoleAssignments"] ?? []).map { String($0.split(separator: "/").first ?? "") }
            all["RoleAssignments"] = .array(try SharePointPrincipals.roleAssignments(r, expand: nested, chain: chain).map(JSON.object))
        }
        all["HasUniqueRoleAssignments"] = .bool(try SharePointPermissions.hasUnique(r, chain: chain))
        all["VersionPolicies"] = .object(try r.store.locked { try resolve(p["list"]!, in: r.web).versionPolicies })
        return .json(SPRender(r).entity(q.project(all), meta, context: "SP.ApiData.Lists"))
    }

    /// The id of the web's default document library: the one behind "Shared Documents".
    static func defaultLibrary(_ r: SharePointRequest) throws -> String {
        try r.store.locked {
            let libraries = r.web.lists.filter { $0.baseTemplate == 101 }
            guard let l = libraries.first(where: { $0.url.lowercased() == "shared documents" }) ?? libraries.first else { throw SPError.listDeleted }
            return l.id
        }
    }

    /// The item a `{list}` and `{id}` or `{unique}` (its GUID) name. Call under the lock.
    static func item(_ p: [String: String], _ r: SharePointRequest) throws -> (SPList, SPItem) {
        let l = try resolve(p["list"]!, in: r.web)
        if let unique = p["unique"] {
            guard let found = l.items.first(where: { $0.guid.caseInsensitiveCompare(unique) == .orderedSame }) else { throw SPError.itemNotFound }
            return (l, found)
        }
        return (l, try SharePointEndpoints.item(p["id"], in: l))
    }


    /// The SP.List properties a client may send when it creates or updates a list, by JSON type.
    static let listBooleans: Set<String> = [
        "AllowContentTypes", "AllowDeletion", "AllowEveryoneViewItems", "AllowMultiResponses", "ContentTypesEnabled", "CrawlNonDefaultViews",
        "DisableCommenting", "DisableGridEditing", "EnableAssignToEmail", "EnableAttachments", "EnableDeployWithDependentList",
        "EnableFolderCreation", "EnableMinorVersions", "EnableModeration", "EnablePeopleSelector", "EnableResourceSelector",
        "EnableSchemaCaching", "EnableSyndication", "EnableThrottling", "EnableVersioning", "EnforceDataValidation", "ExcludeFromOfflineClient",
        "FetchPropertyBagForListView", "Followable", "ForceCheckout", "ForceDefaultContentType", "Hidden", "IncludedInMyFilesScope",
        "IrmEnabled", "IrmExpire", "IrmReject", "IsApplicationList", "MultipleDataList", "NavigateForFormsPages", "NeedUpdateSiteClientTag",
        "NoCrawl", "OnQuickLaunch", "Ordered", "ParserDisabled", "ReadOnlyUI", "RequestAccessEnabled", "RestrictUserUpdates", "ShowUser",
        "UseFormsForDisplay",
    ]
    static let listNumbers: Set<String> = ["BaseTemplate", "DraftVersionVisibility", "ListExperienceOptions", "MajorVersionLimit",
                                           "MajorWithMinorVersionsLimit", "ReadSecurity", "WriteSecurity"]
    static let listStrings: Set<String> = ["Title", "Description", "TemplateFeatureId", "DefaultContentApprovalWorkflowId", "DefaultDisplayFormUrl",
                                           "DefaultEditFormUrl", "Direction", "EmailAlias", "SendToLocationName", "SendToLocationUrl",
                                           "ValidationFormula", "ValidationMessage"]

    static func checkListProperties(_ body: JSONObject) throws {
        try checkProperties(body, type: "SP.List", booleans: listBooleans, numbers: listNumbers, strings: listStrings)
    }

    /// SharePoint refuses a property the type does not have (or a client may not set), and a
    /// value of the wrong JSON type.
    static func checkProperties(_ body: JSONObject, type: String, booleans: Set<String>, numbers: Set<String>, strings: Set<String>) throws {
        for (name, value) in body where name != "__metadata" {
            let fits: Bool
            if booleans.contains(name) { fits = value.boolValue != nil }
            else if numbers.contains(name) { fits = value.intValue != nil }
            else if strings.contains(name) { fits = value.stringValue != nil || value.isNull }
            else {
                throw SPError.invalidQuery("The property '\(name)' does not exist on type '\(type)'. Make sure to only use property names that are defined by the type.")
            }
            guard fits else {
                throw SPError.invalidQuery("An unexpected '\(value.serialized())' value was found for the property '\(name)' of type '\(type)'.")
            }
        }
    }

    /// What a create or update stores beyond the list's own fields.
    static func listSettings(_ body: JSONObject) -> JSONObject {
        var out = JSONObject()
        for (name, value) in body where !["__metadata", "Title", "Description", "BaseTemplate", "Hidden", "AllowContentTypes"].contains(name) {
            out[name] = value
        }
        return out
    }

    static func addList(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let body = try jsonBody(r)
        try checkType(body, "SP.List")
        try checkListProperties(body)
        guard let title = body["Title"]?.stringValue, !title.isEmpty else {
            throw SPError(.badRequest, "-2147024809, System.ArgumentException", "Value does not fall within the expected range.")
        }
        let template = body["BaseTemplate"]?.intValue ?? 100
        let leaf = title.filter { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
        let list = SPList(id: Util.newGUID(), title: title, description: body["Description"]?.stringValue ?? "", baseTemplate: template,
                          url: [101, 109, 119, 700].contains(template) ? leaf : "Lists/\(leaf)",
                          hidden: body["Hidden"]?.boolValue ?? false, allowContentTypes: body["AllowContentTypes"]?.boolValue ?? true,
                          created: Util.iso8601(Date()))
        list.settings = listSettings(body)
        let props: JSONObject = try r.store.locked {
            guard r.web.list(title: title) == nil, r.web.list(url: "\(r.web.serverRelativeUrl.trimmingSuffix("/"))/\(list.url)") == nil else {
                throw SPError(.badRequest, "-2130575342, Microsoft.SharePoint.SPException",
                              "A list, survey, discussion board, or document library with the specified title already exists in this Web site.  Please choose another title.")
            }
            r.web.lists.append(list)
            return listProps(list, r.web)
        }
        return .json(SPRender(r).entity(props, listMeta(list), context: "SP.ApiData.Lists"), status: .created)
    }

    static func updateList(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let body = try jsonBody(r)
        try checkType(body, "SP.List")
        try checkListProperties(body)
        try r.store.locked {
            let l = try resolve(p["list"]!, in: r.web)
            try checkEtag(r, current: l.version)
            for (name, value) in listSettings(body) { l.settings[name] = value }
            if let t = body["Title"]?.stringValue { l.title = t }
            if let d = body["Description"]?.stringValue { l.description = d }
            if let h = body["Hidden"]?.boolValue { l.hidden = h }
            if let a = body["AllowContentTypes"]?.boolValue { l.allowContentTypes = a }
            l.version += 1
        }
        return EmulatorResponse(status: .noContent)
    }

    static func deleteList(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        try r.store.locked {
            let l = try resolve(p["list"]!, in: r.web)
            r.web.lists.removeAll { $0 === l }
        }
        return .json(.object([:]))
    }

    static func recycleList(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        _ = try deleteList(r, p)
        return .json(SPRender(r).primitive("Recycle", .string(Util.newGUID()), edmType: "Edm.Guid"))
    }

    // MARK: Items

    static let systemFields = ["FileSystemObjectType", "Id", "ServerRedirectedEmbedUri", "ServerRedirectedEmbedUrl", "ContentTypeId",
                               "Title", "ComplianceAssetId", "ID", "Modified", "Created", "AuthorId", "EditorId",
                               "OData__UIVersionString", "Attachments", "GUID"]

    static func itemProps(_ item: SPItem, _ list: SPList) -> JSONObject {
        var o: JSONObject = [
            "FileSystemObjectType": 0, "Id": JSON(item.id), "ServerRedirectedEmbedUri": nil, "ServerRedirectedEmbedUrl": "",
            "ContentTypeId": .string("0x0100" + list.id.replacingOccurrences(of: "-", with: "").uppercased()),
            "Title": item.fields["Title"] ?? .null,
        ]
        for name in list.customFields { o[name] = item.fields[name] ?? .null }
        o["ComplianceAssetId"] = nil
        o["ID"] = JSON(item.id)
        o["Modified"] = .string(item.modified)
        o["Created"] = .string(item.created)
        o["AuthorId"] = JSON(item.authorId)
        o["EditorId"] = JSON(item.editorId)
        o["OData__UIVersionString"] = .string("\(item.version).0")
        o["Attachments"] = false
        o["GUID"] = .string(item.guid)
        SharePointCompliance.decorate(&o, item, list)
        return o
    }

    static func itemMeta(_ item: SPItem, _ list: SPList) -> SPMeta {
        SPMeta(type: list.itemTypeName, editLink: "Web/Lists(guid'\(list.id)')/Items(\(item.id))", etag: "\"\(item.version)\"")
    }

    static func itemContext(_ list: SPList) -> String { "SP.ListData.\(list.entityTypeName)Items" }

    static let defaultPageSize = 100
    static let maximumPageSize = 5000

    /// A page of items. Without `$orderby` items are walked in ID order from just after the
    /// skiptoken's `p_ID` (a binary search), so page k of a large list costs a page, not k.
    static func listItems(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let (list, items, fields) = try r.store.locked {
            let l = try resolve(p["list"]!, in: r.web)
            return (l, l.items, systemFields + l.customFields)
        }
        let q = try SPQuery(r.request, properties: fields, typeName: list.itemTypeName)
        let pageSize = min(q.top ?? defaultPageSize, maximumPageSize)
        var after = 0
        if let token = r.request.query["$skiptoken"] {
            let parts = FormEncoding.decode(token)
            guard parts["Paged"]?.uppercased() == "TRUE", let id = parts["p_ID"].flatMap(Int.init) else {
                throw SPError.invalidQuery("The expression \"$skiptoken=\(token)\" is not valid.")
            }
            after = id
        }
        var page: [SPItem] = []
        var more = false
        if q.orderBy.isEmpty {
            var i = SPList.index(after: after, in: items)
            while i < items.count {
                let item = items[i]
                i += 1
                guard q.filter == nil || q.matches(itemProps(item, list)) else { continue }
                if page.count == pageSize { more = true; break }
                page.append(item)
            }
        } else {
            // Ordered pages sort every match; the skiptoken's p_ID marks the last item shown.
            let sorted = q.sorted(items.filter { q.filter == nil || q.matches(itemProps($0, list)) }, { itemProps($0, list) })
            let start = after == 0 ? 0 : (sorted.firstIndex { $0.id == after }.map { $0 + 1 } ?? sorted.count)
            page = Array(sorted[start..<min(sorted.count, start + pageSize)])
            more = start + pageSize < sorted.count
        }
        let render = SPRender(r)
        let next = more ? nextLink(r, list: list, lastId: page.last!.id) : nil
        return .json(render.collection(page.map { render.entry(q.project(itemProps($0, list)), itemMeta($0, list)) },
                                       context: itemContext(list), next: next))
    }

    /// `{web}/_api/Web/Lists(guid'…')/Items?<options>&%24skiptoken=Paged%3DTRUE%26p_ID%3D<id>`,
    /// keeping the request's other query options.
    static func nextLink(_ r: SharePointRequest, list: SPList, lastId: Int) -> String {
        var pairs: [(String, String)] = []
        for pair in r.request.rawQuery.split(separator: "&") {
            let key = FormEncoding.percentDecode(String(pair.split(separator: "=", maxSplits: 1).first ?? "")).lowercased()
            if key != "$skiptoken" { pairs.append((key, String(pair))) }
        }
        var query = pairs.map(\.1)
        query.append("%24skiptoken=" + FormEncoding.escape("Paged=TRUE&p_ID=\(lastId)"))
        return "\(r.web.url)/_api/Web/Lists(guid'\(list.id)')/Items?" + query.joined(separator: "&")
    }

    static func getItem(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        if let expanded = try SharePointAttachments.expandedItem(r, p) { return expanded }
        let (list, item) = try r.store.locked { () throws -> (SPList, SPItem) in try self.item(p, r) }
        let q = try SPQuery(r.request, properties: systemFields + list.customFields, typeName: list.itemTypeName)
        return .json(SPRender(r).entity(q.project(itemProps(item, list)), itemMeta(item, list), context: itemContext(list)))
    }

    /// Call under the lock.
    static func item(_ id: String?, in list: SPList) throws -> SPItem {
        guard let n = id.flatMap(Int.init), let i = list.position(of: n) else { throw SPError.itemNotFound }
        return list.items[i]
    }

    /// The caller as SharePoint's per-site user id: seeded users count from 6 (the first ids go
    /// to system principals), apps are the SharePoint App account.
    static func userId(_ r: SharePointRequest) -> Int {
        let token = r.token
        guard !token.isAppOnly, let i = r.tenant.seed.users.firstIndex(where: { $0.id == token.objectId }) else { return 1073741823 }
        return i + 6
    }

    /// Field values from a body: `__metadata` and read-only system fields are dropped.
    static func fieldValues(_ body: JSONObject) -> JSONObject {
        var out = JSONObject()
        let readOnly: Set<String> = ["__metadata", "ID", "Id", "GUID", "Created", "Modified", "AuthorId", "EditorId", "FileSystemObjectType",
                                     "ContentTypeId", "OData__UIVersionString", "Attachments"]
        for (k, v) in body where !readOnly.contains(k) && !k.hasPrefix("odata.") && !k.hasPrefix("@odata.") { out[k] = v }
        return out
    }

    static func addItem(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let body = try jsonBody(r)
        let now = Util.iso8601(Date())
        let author = userId(r)
        let (list, item) = try r.store.locked { () throws -> (SPList, SPItem) in
            let l = try resolve(p["list"]!, in: r.web)
            try checkType(body, l.itemTypeName)
            let fields = l.withFieldDefaults(fieldValues(body))
            l.noteFields(fields)
            let item = SPItem(id: l.nextId, version: 1, guid: Util.newGUID(), created: now, modified: now, authorId: author,
                              editorId: author, fields: fields)
            l.nextId += 1
            l.items.append(item)
            l.lastItemModified = now
            r.web.lastItemModified = now
            return (l, item)
        }
        return .json(SPRender(r).entity(itemProps(item, list), itemMeta(item, list), context: itemContext(list)), status: .created)
    }

    static func updateItem(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let body = try jsonBody(r)
        let now = Util.iso8601(Date())
        let editor = userId(r)
        try r.store.locked {
            let l = try resolve(p["list"]!, in: r.web)
            try checkType(body, l.itemTypeName)
            guard let n = p["id"].flatMap(Int.init), let i = l.position(of: n) else { throw SPError.itemNotFound }
            try SharePointCompliance.refuseLockedEdit(l, n)
            try checkEtag(r, current: l.items[i].version)
            let fields = fieldValues(body)
            l.noteFields(fields)
            for (k, v) in fields { l.items[i].fields[k] = v }
            l.items[i].version += 1
            l.items[i].modified = now
            l.items[i].editorId = editor
            l.lastItemModified = now
        }
        return EmulatorResponse(status: .noContent)
    }

    /// `ValidateUpdateListItem`: field values as text, each answered with its outcome. With
    /// `bNewDocumentUpdate` true (a "system update") the item keeps its version, editor and
    /// modification time.
    static func validateUpdateItem(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let body = try jsonBody(r)
        guard let values = body["formValues"]?.arrayValue?.compactMap(\.objectValue) else {
            throw SPError(.badRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
                          "The parameter formValues does not exist in method ValidateUpdateListItem.")
        }
        let system = body["bNewDocumentUpdate"]?.boolValue ?? false
        let now = Util.iso8601(Date())
        let editor = userId(r)
        let id: Int = try r.store.locked {
            let l = try resolve(p["list"]!, in: r.web)
            guard let n = p["id"].flatMap(Int.init), let i = l.position(of: n) else { throw SPError.itemNotFound }
            try SharePointCompliance.refuseLockedEdit(l, n)
            var fields = JSONObject()
            for v in values {
                guard let name = v["FieldName"]?.stringValue else { continue }
                fields[name] = v["FieldValue"] ?? .null
            }
            l.noteFields(fields)
            for (k, v) in fields { l.items[i].fields[k] = v }
            if !system {
                l.items[i].version += 1
                l.items[i].modified = now
                l.items[i].editorId = editor
                l.lastItemModified = now
            }
            return n
        }
        let results: [JSON] = values.map { v in
            ["ErrorCode": 0, "ErrorMessage": nil, "FieldName": v["FieldName"] ?? .null, "FieldValue": v["FieldValue"] ?? .null,
             "HasException": false, "ItemId": JSON(id)]
        }
        let value: JSON = r.format == .verbose ? ["results": .array(results)] : .array(results)
        return .json(SPRender(r).primitive("ValidateUpdateListItem", value, edmType: "Collection(SP.ListItemFormUpdateValue)"))
    }

    static func deleteItem(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        _ = try removeItem(r, p)
        return .json(.object([:]))
    }

    static func recycleItem(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        _ = try removeItem(r, p)
        // The recycle bin item's id (the bin itself is not kept).
        return .json(SPRender(r).primitive("Recycle", .string(Util.newGUID()), edmType: "Edm.Guid"))
    }

    private static func removeItem(_ r: SharePointRequest, _ p: [String: String]) throws -> SPItem {
        try r.store.locked {
            let l = try resolve(p["list"]!, in: r.web)
            guard let n = p["id"].flatMap(Int.init), let i = l.position(of: n) else { throw SPError.itemNotFound }
            try SharePointCompliance.refuseLockedEdit(l, n)
            try checkEtag(r, current: l.items[i].version)
            l.lastItemModified = Util.iso8601(Date())
            return l.items.remove(at: i)
        }
    }

    /// `POST {list}/GetItems` with a CAML query. Understood: `<RowLimit>` and one
    /// `<Where><Eq><FieldRef Name='F'/><Value Type='…'>v</Value></Eq></Where>` (text compare,
    /// case-insensitive). Anything else in the CAML (other operators, `<OrderBy>`, `<ViewFields>`,
    /// `Paged`) is ignored.
    static func getItems(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let body = try jsonBody(r)
        let xml = body["query"]?["ViewXml"]?.stringValue ?? ""
        let rowLimit = firstMatch(#"<RowLimit[^>]*>\s*(\d+)\s*</RowLimit>"#, in: xml).flatMap { Int($0[0]) }
        let eq = firstMatch(#"<Where>\s*<Eq>\s*<FieldRef\s+Name=['"]([^'"]+)['"][^>]*/>\s*<Value[^>]*>([^<]*)</Value>\s*</Eq>\s*</Where>"#, in: xml)
        // `ListItemCollectionPosition.PagingInfo` (`Paged=TRUE&p_ID=n`): the page after item n.
        let paging = body["query"]?["ListItemCollectionPosition"]?["PagingInfo"]?.stringValue ?? ""
        let after = firstMatch(#"p_ID=(\d+)"#, in: paging).flatMap { Int($0[0]) }
        let (list, items) = try r.store.locked {
            let l = try resolve(p["list"]!, in: r.web)
            return (l, after.map { Array(l.items[SPList.index(after: $0, in: l.items)...]) } ?? l.items)
        }
        var page: [SPItem] = []
        let limit = min(rowLimit ?? maximumPageSize, maximumPageSize)
        for item in items where page.count < limit {
            if let eq {
                let props = itemProps(item, list)
                let value = props[eq[0]]?.scalarText ?? ""
                guard value.caseInsensitiveCompare(xmlUnescape(eq[1])) == .orderedSame else { continue }
            }
            page.append(item)
        }
        let render = SPRender(r)
        return .json(render.collection(page.map { render.entry(itemProps($0, list), itemMeta($0, list)) }, context: itemContext(list), next: nil))
    }

    // MARK: Helpers

    static func firstMatch(_ pattern: String, in text: String) -> [String]? {
        guard let re = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]),
              let m = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
        return (1..<m.numberOfRanges).map { Range(m.range(at: $0), in: text).map { String(text[$0]) } ?? "" }
    }

    static func xmlUnescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The JSON object body; an empty body counts as `{}`.
    static func jsonBody(_ r: SharePointRequest) throws -> JSONObject {
        if r.request.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
        guard let v = try? JSON.parse(bytes: r.request.body), let o = v.objectValue else { throw SPError.badBody }
        return o
    }

    /// A verbose body names its type in `__metadata.type`; a wrong one is refused as SharePoint does.
    static func checkType(_ body: JSONObject, _ expected: String) throws {
        guard let t = body["__metadata"]?["type"]?.stringValue, t != expected else { return }
        throw SPError.invalidQuery("A type named '\(t)' could not be resolved by the model. When a model is available, each type name must resolve to a valid type.")
    }

    /// `IF-MATCH: *` (or no header) always matches; `"n"` must be the current version.
    static func checkEtag(_ r: SharePointRequest, current: Int) throws {
        guard let ifMatch = r.request.header("If-Match")?.trimmingCharacters(in: .whitespaces), ifMatch != "*" else { return }
        let wanted = ifMatch.hasPrefix("W/") ? String(ifMatch.dropFirst(2)) : ifMatch
        guard wanted == "\"\(current)\"" || wanted == "\(current)" else {
            throw SPError(.preconditionFailed, "-1, Microsoft.SharePoint.Client.ClientServiceException",
                          "The request ETag value '\(ifMatch)' does not match the object's ETag value '\"\(current)\"'.")
        }
    }
}

