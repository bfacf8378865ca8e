import Foundation
import JSONModel
import NIOHTTP1

/// Site collections over REST and CSOM: `_vti_bin/client.svc/ProcessQuery` (SharePointCSOM),
/// `_api/site`, storage entity reads, `SPSiteManager` and `GroupSiteManager/CreateGroupEx`.
enum SharePointSites {
    typealias On = (HTTPMethod, String, @escaping SharePointEndpoints.Handler) -> Void

    static func register(_ on: On) {
        on(.POST, "_vti_bin/client.svc/ProcessQuery", SharePointCSOM.processQuery)
        on(.GET, "_api/web/lists/title:\(aggregatedList)/items", aggregatedSites)
        on(.GET, "_api/site", getSite)
        on(.GET, "_api/web/getstorageentity/{key}", getStorageEntity)
        on(.GET, "_api/web/allproperties", allProperties)
        on(.POST, "_api/spsitemanager/create", createSite)
        on(.GET, "_api/spo.tenant/getbrandcenterconfiguration", brandCenterConfiguration)
        on(.GET, "_api/spsitemanager/status", siteStatus)
        on(.POST, "_api/spsitemanager/delete", deleteSite)
        on(.POST, "_api/groupsitemanager/creategroupex", createGroupEx)
        on(.POST, "_api/spogroup/updategrouppropertiesbysiteid", updateGroupProperties)
        on(.POST, "_api/groupsitemanager/delete", deleteGroupSite)
        on(.POST, "_api/sp.directory.directorysession/group/{group}/owners/add/{arguments}", addGroupOwner)
        on(.POST, "_api/microsoft.online.sharepoint.tenantadministration.tenant/removesite", { r, _ in try removeSite(r, purge: false) })
        on(.POST, "_api/microsoft.online.sharepoint.tenantadministration.tenant/removedeletedsite", { r, _ in try removeSite(r, purge: true) })
        on(.POST, "_api/siteiconmanager/setsitelogo", setSiteLogo)
        on(.POST, "_api/microsoft.sharepoint.utilities.webtemplateextensions.sitescriptutility.applysitedesign", applySiteDesign)
    }

    /// `POST {admin}/_api/Microsoft.Online.SharePoint.TenantAdministration.Tenant/RemoveSite|RemoveDeletedSite
    /// {"siteUrl": …}`: a site collection into the recycle bin, or out of it for good. A group's
    /// site goes with its group (GroupSiteManager), not this way.
    static func removeSite(_ r: SharePointRequest, purge: Bool) throws -> EmulatorResponse {
        guard SharePointPrincipals.isTenantAdmin(r) || r.token.isAppOnly else { throw SPError.accessDenied }
        let body = try SharePointEndpoints.jsonBody(r)
        guard let url = body["siteUrl"]?.stringValue?.trimmingSuffix("/"), !url.isEmpty else {
            throw SPError.invalidQuery("The parameter siteUrl does not exist in method \(purge ? "RemoveDeletedSite" : "RemoveSite").")
        }
        let notFound = SPError(.notFound, "-2147018894, Microsoft.Online.SharePoint.Common.SpoNoSiteException", "Cannot get site \(url).")
        try r.store.withAdmin(r.tenant.id) { webs, admin in
            if purge {
                guard admin.deleted.removeValue(forKey: url.lowercased()) != nil else { throw notFound }
                admin.generation += 1
                return
            }
            guard let web = webs[url.lowercased()], web.url.lowercased() == web.siteCollectionURL.lowercased() else { throw notFound }
            if admin.peekInfo(for: web).groupId != SPTenantAdminState.zeroGUID {
                throw SPError(.badRequest, "-2147024809, System.ArgumentException",
                              "This site belongs to a Microsoft 365 group. To delete the site, you must delete the group.")
            }
            admin.recycle(web, from: &webs)
        }
        return .json(["odata.null": true])
    }

    /// `POST {admin}/_api/SP.Directory.DirectorySession/Group('{id}')/Owners/Add(objectId='{user}',
    /// principalName='')`: the user becomes an owner of the Microsoft 365 group (tenant admins only).
    static func addGroupOwner(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        guard SharePointPrincipals.isTenantAdmin(r) else { throw SPError.accessDenied }
        let arguments = (p["arguments"] ?? "").removingPercentEncoding ?? ""
        guard let start = arguments.range(of: "objectId='", options: .caseInsensitive),
              let end = arguments[start.upperBound...].firstIndex(of: "'") else {
            throw SPError.invalidQuery("The parameter objectId does not exist in method Add.")
        }
        let userId = String(arguments[start.upperBound..<end]), groupId = p["group"] ?? ""
        try r.state.store.with(r.tenant.id) { t in
            guard t.get(.groups, groupId) != nil else {
                throw SPError(.notFound, "-1, Microsoft.SharePoint.Client.ResourceNotFoundException", "Group '\(groupId)' was not found.")
            }
            guard let user = t.get(.users, userId)?["id"]?.stringValue else {
                throw SPError(.notFound, "-1, Microsoft.SharePoint.Client.ResourceNotFoundException", "User '\(userId)' was not found.")
            }
            if t.owners[groupId]?.contains(user) != true { t.owners[groupId, default: []].append(user) }
        }
        return .json(.object([:]))
    }

    /// `POST _api/siteiconmanager/setsitelogo {aspect, relativeLogoUrl, type}`: the site's logo
    /// (aspect 1) or thumbnail (aspect 0); an empty URL removes it.
    static func setSiteLogo(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        guard let aspect = body["aspect"]?.intValue, [0, 1].contains(aspect), let logo = body["relativeLogoUrl"]?.stringValue else {
            throw SPError(.badRequest, "-2147024809, System.ArgumentException", "Value does not fall within the expected range.")
        }
        // The thumbnail is no SP.Web property: it shows in search and hub navigation only.
        if aspect == 1 { r.store.locked { r.web.settings["SiteLogoUrl"] = logo.isEmpty ? .null : .string(logo) } }
        return .json(.object([:]))
    }

    /// `POST …SiteScriptUtility.ApplySiteDesign {siteDesignId, webUrl}`: the design's actions
    /// applied to the site (the emulator's designs have none, so nothing changes).
    static func applySiteDesign(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        guard let design = body["siteDesignId"]?.stringValue, UUID(uuidString: design) != nil,
              let url = body["webUrl"]?.stringValue, r.store.web(for: url.trimmingSuffix("/"), tenantId: r.tenant.id) != nil else {
            throw SPError(.badRequest, "-2147024809, System.ArgumentException", "Value does not fall within the expected range.")
        }
        return .json(SPRender(r).collection([], context: "Collection(Microsoft.SharePoint.Utilities.WebTemplateExtensions.SiteScriptActionResult)", next: nil))
    }

    // MARK: _api/site

    static func getSite(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        var props: JSONObject = r.store.withAdmin(r.tenant.id) { webs, admin in
            let root = webs[r.web.siteCollectionURL.lowercased()] ?? r.web
            let info = admin.peekInfo(for: root)
            let zero = SPTenantAdminState.zeroGUID
            let base: JSONObject = [
                "AllowCreateDeclarativeWorkflow": false, "AllowDesigner": true, "AllowMasterPageEditing": false,
                "AllowRevertFromTemplate": false, "AllowSaveDeclarativeWorkflowAsTemplate": false, "AllowSavePublishDeclarativeWorkflow": false,
                "AllowSelfServiceUpgrade": true, "AllowSelfServiceUpgradeEvaluation": true, "AuditLogTrimmingRetention": 90,
                "CanSyncHubSitePermissions": false, "Classification": "", "CompatibilityLevel": 15,
                "CurrentChangeToken": ["StringValue": .string("1;1;\(root.siteId);\(Int(Date().timeIntervalSince1970));1")],
                "DisableAppViews": false, "DisableCompanyWideSharingLinks": false, "DisableFlows": false, "ExternalSharingTipsEnabled": false,
                "GeoLocation": "NAM", "GroupId": .string(info.groupId), "HubSiteId": .string(zero), "Id": .string(root.siteId),
                "IsHubSite": false, "LockIssue": nil, "MaxItemsPerThrottledOperation": 5000, "NeedsB2BUpgrade": false,
                "ReadOnly": .bool(info.lockState == "ReadOnly"), "RelatedGroupId": .string(info.groupId),
                "ResourcePath": ["DecodedUrl": .string(root.url)], "SensitivityLabelId": nil,
                "SensitivityLabel": .string(zero), "ServerRelativeUrl": .string(root.serverRelativeUrl),
                "ShareByEmailEnabled": false, "ShareByLinkEnabled": false, "ShowUrlStructure": false, "StatusBarLink": nil,
                "StatusBarText": nil, "ThicketSupportDisabled": false, "TrimAuditLog": true, "UIVersionConfigurationEnabled": false,
                "UpgradeReminderDate": "1899-12-30T00:00:00", "UpgradeScheduled": false, "UpgradeScheduledDate": "1753-01-01T00:00:00",
                "Upgrading": false, "Url": .string(root.url),
            ]
            var out = base
            for (k, v) in info.siteExtra { out[k] = v }
            return out
        }
        if let select = r.request.query["$select"], !select.isEmpty {
            var out = JSONObject()
            for raw in select.split(separator: ",") {
                let name = raw.trimmingCharacters(in: .whitespaces)
                guard let key = props.keys.first(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) else { throw SPError.noField(name) }
                out[key] = props[key]
            }
            props = out
        }
        return .json(SPRender(r).entity(props, SPMeta(type: "SP.Site", editLink: "site"), context: "SP.ApiData.Sites"))
    }

    // MARK: The admin center's aggregated site list

    static let aggregatedList = "DO_NOT_DELETE_SPLIST_TENANTADMIN_AGGREGATED_SITECOLLECTIONS"

    /// `GET {admin}/_api/web/lists/GetByTitle('DO_NOT_DELETE_SPLIST_TENANTADMIN_AGGREGATED_SITECOLLECTIONS')/items`:
    /// one row per site collection, live or in the recycle bin (`TimeDeleted` set), computed from
    /// the tenant's sites, with `$filter`, `$select` and `$top`. Only on the admin host.
    static func aggregatedSites(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        guard r.request.host.lowercased().contains("-admin.") else {
            throw SPError.listNotFound(title: aggregatedList, web: r.web.url)
        }
        let names = ["ID", "Title", "SiteUrl", "SiteId", "GroupId", "TemplateName", "TemplateId", "TimeCreated", "TimeDeleted",
                     "StorageUsed", "StorageQuota", "SiteOwnerEmail", "SiteOwnerName", "CreatedBy", "HubSiteId", "IsGroupConnected",
                     "LockState", "LastActivityOn", "Modified", "Created"]
        let q = try SPQuery(r.request, properties: names, typeName: "SP.Data.DO_x005f_NOT_x005f_DELETE_x005f_SPLIST_x005f_TENANTADMIN_x005f_AGGREGATED_x005f_SITECOLLECTIONSItem")
        let rows: [JSONObject] = r.store.withAdmin(r.tenant.id) { webs, admin in
            var out: [JSONObject] = []
            func row(_ web: SPWeb, _ info: SPSiteInfo, deleted: Date?) -> JSONObject {
                let template = info.template
                return [
                    "ID": JSON(out.count + 1), "Title": .string(web.title), "SiteUrl": .string(web.url), "SiteId": .string(web.siteId),
                    "GroupId": .string(info.groupId), "TemplateName": .string(template),
                    "TemplateId": JSON(template.hasPrefix("GROUP") ? 64 : template.hasPrefix("SITEPAGEPUBLISHING") ? 68 : template.hasPrefix("SPSPERS") ? 21 : 1),
                    "TimeCreated": .string(Util.iso8601(info.created)), "TimeDeleted": deleted.map { .string(Util.iso8601($0)) } ?? .null,
                    "StorageUsed": JSON(info.storageUsage), "StorageQuota": JSON(info.storageMaximumLevel * 1_048_576),
                    "SiteOwnerEmail": .string(info.owner), "SiteOwnerName": .string(info.owner), "CreatedBy": .string(info.owner),
                    "HubSiteId": .string(SPTenantAdminState.zeroGUID), "IsGroupConnected": .bool(info.groupId != SPTenantAdminState.zeroGUID),
                    "LockState": .string(info.lockState), "LastActivityOn": .string(Util.iso8601(info.lastContentModified)),
                    "Modified": .string(Util.iso8601(info.lastContentModified)), "Created": .string(Util.iso8601(info.created)),
                ]
            }
            for key in admin.rootKeys(webs) {
                guard let web = webs[key] else { continue }
                let info = admin.peekInfo(for: web)
                if info.template.uppercased().hasPrefix("TENANTADMIN") { continue }
                out.append(row(web, info, deleted: nil))
            }
            for key in admin.deleted.keys.sorted() {
                let d = admin.deleted[key]!
                guard let web = d.webs.first(where: { $0.url.lowercased() == key }) else { continue }
                out.append(row(web, d.info ?? admin.peekInfo(for: web), deleted: d.deleted))
            }
            return out
        }
        let render = SPRender(r)
        let page = q.sorted(rows, { $0 }).filter(q.matches).prefix(q.top ?? Int.max)
        let entries = page.map { props -> JSON in
            let id = props["ID"]?.intValue ?? 0
            return render.entry(q.project(props), SPMeta(type: q.type.errorTypeName, editLink: "Web/Lists/GetByTitle('\(aggregatedList)')/Items(\(id))"))
        }
        return .json(render.collection(Array(entries), context: "SP.ListData.\(aggregatedList)Items", next: nil))
    }

    // MARK: Storage entities

    static func getStorageEntity(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let key = p["key"] ?? ""
        let entity: JSONObject? = r.store.withAdmin(r.tenant.id) { _, admin in admin.storageEntities[key]?.objectValue }
        guard let entity else {
            if r.format == .verbose { return .json(["d": ["GetStorageEntity": nil]]) }
            return .json(["odata.null": true])
        }
        return .json(SPRender(r).entity(entity, SPMeta(type: "SP.StorageEntity", editLink: "web/GetStorageEntity('\(key)')"),
                                        context: "SP.StorageEntity"))
    }

    /// The web's property bag (SharePointPropertyBags.swift) and `storageentitiesindex`: the JSON
    /// text of every storage entity (tenant-wide, so every web shows it).
    static func allProperties(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let entities: JSONObject = r.store.withAdmin(r.tenant.id) { _, admin in admin.storageEntities }
        var props = r.store.locked { SharePointPropertyBags.restBag(r.web) }
        if !entities.isEmpty { props["storageentitiesindex"] = .string(JSON.object(entities).serialized()) }
        if let select = r.request.query["$select"], !select.isEmpty {
            let wanted = Set(select.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
            var out = JSONObject()
            for (k, v) in props where wanted.contains(k.lowercased()) { out[k] = v }
            props = out
        }
        return .json(SPRender(r).entity(props, SPMeta(type: "SP.PropertyValues", editLink: "Web/AllProperties"), context: "SP.PropertyValues"))
    }

    // MARK: SPSiteManager

    /// SiteStatus: 0 not found, 1 provisioning, 2 ready, 3 error.
    static func statusBody(_ r: SharePointRequest, siteId: String, status: Int, url: String) -> EmulatorResponse {
        let props: JSONObject = ["SiteId": .string(siteId), "SiteStatus": JSON(status), "SiteUrl": .string(url)]
        if r.format == .verbose { return .json(["d": ["Create": .object(props)]]) }
        return .json(SPRender(r).entity(props, SPMeta(type: "SP.Publishing.SPSiteCreationResponse", editLink: "SPSiteManager"),
                                        context: "SP.Publishing.SPSiteCreationResponse"))
    }

    static func requestedURL(_ raw: String, rootHost: String) throws -> String {
        let url = raw.trimmingSuffix("/")
        guard let u = URL(string: url), u.scheme?.lowercased() == "https", u.host?.lowercased() == rootHost else {
            throw SPError(.badRequest, "-2147024809, System.ArgumentException", "The URL '\(url)' is not valid for this tenant.")
        }
        let segs = u.path.split(separator: "/")
        guard segs.count == 2, ["sites", "teams"].contains(segs[0].lowercased()) else {
            throw SPError(.badRequest, "-2147024809, System.ArgumentException", "The URL '\(url)' is not a valid site URL.")
        }
        return url
    }

    static func createSite(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        guard let req = body["request"]?.objectValue, let rawURL = req["Url"]?.stringValue, let title = req["Title"]?.stringValue else {
            throw SPError.invalidQuery("The parameter request does not exist in method Create.")
        }
        let rootHost = r.request.host.lowercased().replacingOccurrences(of: "-admin.", with: ".")
        let url = try requestedURL(rawURL, rootHost: rootHost)
        let template = req["WebTemplate"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "SITEPAGEPUBLISHING#0"
        let owner = req["Owner"]?.stringValue ?? (r.token.isAppOnly ? "" : (r.token.claims["upn"]?.stringValue ?? ""))
        let (siteId, status): (String, Int) = r.store.withAdmin(r.tenant.id) { webs, admin in
            let key = url.lowercased()
            // SharePoint answers an existing URL with status 3 and no site; the existing site's id is not given.
            if webs[key] != nil || admin.deleted[key] != nil { return (SPTenantAdminState.zeroGUID, 3) }
            let web = SharePointStore.newSiteWeb(url: url, title: title, template: template, lcid: req["Lcid"]?.intValue ?? 1033,
                                                 created: Util.iso8601(Date()))
            web.description = req["Description"]?.stringValue ?? ""
            webs[key] = web
            let info = SPSiteInfo(template: SPSiteInfo.fullTemplate(template), owner: owner, groupId: SPTenantAdminState.zeroGUID,
                                  lcid: web.language, created: Date())
            info.siteExtra["Classification"] = .string(req["Classification"]?.stringValue ?? "")
            info.siteExtra["ShareByEmailEnabled"] = .bool(req["ShareByEmailEnabled"]?.boolValue ?? false)
            if (req["AdditionalSiteFeatureIds"]?.arrayValue ?? []).contains(where: { $0.stringValue?.lowercased() == brandCenterFeature }) {
                admin.brandCenter = (web.siteId, web.url)
            }
            admin.sites[key] = info
            admin.generation += 1
            return (web.siteId, 2)
        }
        return statusBody(r, siteId: siteId, status: status, url: status == 2 ? url : "")
    }

    /// The brand center's site feature, which `AdditionalSiteFeatureIds` turns on at creation.
    static let brandCenterFeature = "99cd6e8b-189b-4611-ae89-f89105876e43"

    /// `GET {admin}/_api/SPO.Tenant/GetBrandCenterConfiguration`: whether the tenant has its
    /// brand center site, and which (tenant admins, on the admin site).
    static func brandCenterConfiguration(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        guard r.request.host.lowercased().contains("-admin."), SharePointPrincipals.isTenantAdmin(r) || r.token.isAppOnly else { throw SPError.accessDenied }
        let (site, cdn): ((siteId: String, url: String)?, Bool) = r.store.withAdmin(r.tenant.id) { _, admin in (admin.brandCenter, admin.cdnEnabled[0] ?? false) }
        return .json(["BrandColorsListId": .string(SPTenantAdminState.zeroGUID), "BrandColorsListUrl": nil,
                      "BrandFontLibraryId": .string(SPTenantAdminState.zeroGUID), "BrandFontLibraryUrl": nil,
                      "IsBrandCenterSiteFeatureEnabled": .bool(site != nil), "IsPublicCdnEnabled": .bool(cdn),
                      "SiteId": .string(site?.siteId ?? SPTenantAdminState.zeroGUID), "SiteUrl": site.map { .string($0.url) } ?? nil])
    }

    static func siteStatus(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        var raw = r.request.query["url"] ?? ""
        if raw.count >= 2, raw.hasPrefix("'"), raw.hasSuffix("'") { raw = String(raw.dropFirst().dropLast()) }
        let key = raw.trimmingSuffix("/").lowercased()
        let found: (String, String)? = r.store.withAdmin(r.tenant.id) { webs, _ in
            guard let w = webs[key], w.url.lowercased() == w.siteCollectionURL.lowercased() else { return nil }
            return (w.siteId, w.url)
        }
        guard let found else { return statusBody(r, siteId: SPTenantAdminState.zeroGUID, status: 0, url: "") }
        var resp = statusBody(r, siteId: found.0, status: 2, url: found.1)
        if r.format == .verbose, let d = (try? JSON.parse(bytes: resp.body))?["d"]?["Create"] {
            resp = .json(["d": ["Status": d]])
        }
        return resp
    }

    /// `POST _api/SPSiteManager/delete` `{"siteId":"<guid>"}`: a site collection without a group
    /// goes to the recycle bin (group sites answer 400: use GroupSiteManager/Delete).
    static func deleteSite(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        guard let siteId = body["siteId"]?.stringValue?.trimmingCharacters(in: ["{", "}"]), !siteId.isEmpty else {
            throw SPError.invalidQuery("The parameter siteId does not exist in method delete.")
        }
        try r.store.withAdmin(r.tenant.id) { webs, admin in
            guard let web = webs.values.first(where: { $0.siteId.caseInsensitiveCompare(siteId) == .orderedSame && $0.url == $0.siteCollectionURL }) else {
                throw SPError(.notFound, "-1, Microsoft.SharePoint.Client.ResourceNotFoundException", "Cannot get site \(siteId).")
            }
            let info = admin.peekInfo(for: web)
            let path = URL(string: web.url)?.path ?? ""
            guard info.groupId == SPTenantAdminState.zeroGUID, !path.isEmpty, path != "/", !info.template.uppercased().hasPrefix("TENANTADMIN") else {
                throw SPError(.badRequest, "-2147024809, System.ArgumentException", "The site \(web.url) cannot be deleted with SPSiteManager.")
            }
            admin.recycle(web, from: &webs)
        }
        if r.format == .verbose { return .json(["d": ["Delete": nil]]) }
        return .json(["odata.null": true])
    }

    // MARK: GroupSiteManager

    /// `POST {admin}/_api/SPOGroup/UpdateGroupPropertiesBySiteId` `{groupId, siteId, displayName}`:
    /// renames a group-connected site and its Microsoft 365 group.
    static func updateGroupProperties(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        guard let groupId = body["groupId"]?.stringValue, let siteId = body["siteId"]?.stringValue,
              let displayName = body["displayName"]?.stringValue, !displayName.isEmpty else {
            throw SPError(.badRequest, "-2147024809, System.ArgumentException", "Value does not fall within the expected range.")
        }
        let found: Bool = r.store.withAdmin(r.tenant.id) { webs, admin in
            guard let web = webs.values.first(where: { $0.siteId.caseInsensitiveCompare(siteId) == .orderedSame && $0.url == $0.siteCollectionURL }),
                  admin.peekInfo(for: web).groupId.caseInsensitiveCompare(groupId) == .orderedSame else { return false }
            web.title = displayName
            return true
        }
        guard found else {
            throw SPError(.notFound, "-1, Microsoft.SharePoint.Client.ResourceNotFoundException", "The site \(siteId) is not connected to the group \(groupId).")
        }
        _ = try? r.state.store.with(r.tenant.id) { t in
            _ = t.update(.groups, groupId) { $0["displayName"] = .string(displayName) }
        }
        return EmulatorResponse(status: .noContent)
    }

    /// Creates the team site `/sites/<alias>` and, in the directory, the Microsoft 365 group
    /// (groupTypes Unified, mailNickname alias) it belongs to; the caller becomes an owner.
    static func createGroupEx(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        guard let displayName = body["displayName"]?.stringValue, !displayName.isEmpty,
              let alias = body["alias"]?.stringValue, !alias.isEmpty else {
            throw SPError(.badRequest, "-2147024809, System.ArgumentException", "Value does not fall within the expected range.")
        }
        guard alias.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw SPError(.badRequest, "-2147024809, System.ArgumentException", "The alias '\(alias)' contains characters that are not allowed.")
        }
        let optional = body["optionalParams"]?.objectValue ?? [:]
        func list(_ v: JSON?) -> [String] {
            (v?.arrayValue ?? v?["results"]?.arrayValue ?? []).compactMap(\.stringValue)
        }
        let description = optional["Description"]?.stringValue ?? ""
        // CreationOptions: an array or {"results":[…], "Classification":…}; `SPSiteLanguage:<lcid>` sets the language.
        let creation = optional["CreationOptions"]
        let classification = optional["Classification"]?.stringValue ?? creation?["Classification"]?.stringValue ?? ""
        let lcid = list(creation).compactMap { o -> Int? in
            o.lowercased().hasPrefix("spsitelanguage:") ? Int(o.dropFirst("spsitelanguage:".count)) : nil
        }.first ?? 1033
        let isPublic = body["isPublic"]?.boolValue ?? false
        let rootHost = r.request.host.lowercased().replacingOccurrences(of: "-admin.", with: ".")
        let url = "https://\(rootHost)/sites/\(alias)"
        let groupId = Util.newGUID()
        let caller = r.token.isAppOnly ? nil : r.token.objectId
        let ownerUPNs = list(optional["Owners"])

        // The directory first: a used mailNickname refuses the whole creation.
        let inUse: Bool = (try? r.state.store.with(r.tenant.id) { t -> Bool in
            if t.table(.groups).items.contains(where: { $0["mailNickname"]?.stringValue?.lowercased() == alias.lowercased() }) { return true }
            return false
        }) ?? false
        let siteTaken = r.store.withAdmin(r.tenant.id) { webs, admin in webs[url.lowercased()] != nil || admin.deleted[url.lowercased()] != nil }
        if inUse || siteTaken {
            return createGroupResult(r, groupId: SPTenantAdminState.zeroGUID, status: 3, url: "",
                                     error: "The group alias '\(alias)' is already in use. Choose another alias.")
        }
        var ownerUPN = ""
        _ = try? r.state.store.with(r.tenant.id) { t in
            let now = Util.iso8601(Date())
            var g: JSONObject = [
                "id": .string(groupId), "createdDateTime": .string(now), "description": .string(description), "displayName": .string(displayName),
                "groupTypes": ["Unified"], "mail": .string("\(alias)@\(t.initialDomain)"), "mailEnabled": true, "mailNickname": .string(alias),
                "proxyAddresses": .array([.string("SMTP:\(alias)@\(t.initialDomain)")]), "renewedDateTime": .string(now),
                "securityEnabled": false, "securityIdentifier": .string(DirectorySeeder.securityIdentifier(groupId)),
                "visibility": .string(isPublic ? "Public" : "Private"),
            ]
            if !classification.isEmpty { g["classification"] = .string(classification) }
            t.insert(.groups, g)
            var owners: [String] = []
            if let caller, t.get(.users, caller) != nil { owners.append(caller) }
            for upn in ownerUPNs {
                if let id = t.user(idOrUPN: upn)?["id"]?.stringValue, !owners.contains(id) { owners.append(id) }
            }
            if let first = owners.first { ownerUPN = t.get(.users, first)?["userPrincipalName"]?.stringValue ?? "" }
            t.owners[groupId] = owners
            t.members[groupId] = owners
        }
        r.store.withAdmin(r.tenant.id) { webs, admin in
            let web = SharePointStore.newSiteWeb(url: url, title: displayName, template: "GROUP#0", lcid: lcid, created: Util.iso8601(Date()))
            web.description = description
            webs[url.lowercased()] = web
            let info = SPSiteInfo(template: "GROUP#0", owner: ownerUPN, groupId: groupId, lcid: lcid, created: Date())
            info.siteExtra["Classification"] = .string(classification)
            admin.sites[url.lowercased()] = info
            admin.generation += 1
        }
        return createGroupResult(r, groupId: groupId, status: 2, url: url, error: nil)
    }

    /// `POST _api/GroupSiteManager/Delete?siteUrl='…'` (or `{"siteUrl":…}`): a group-connected
    /// site goes to the recycle bin and its Microsoft 365 group is deleted from the directory.
    static func deleteGroupSite(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        var raw = r.request.query["siteUrl"] ?? r.request.query["siteurl"] ?? ""
        if raw.isEmpty { raw = (try? SharePointEndpoints.jsonBody(r))?["siteUrl"]?.stringValue ?? "" }
        if raw.count >= 2, raw.hasPrefix("'"), raw.hasSuffix("'") { raw = String(raw.dropFirst().dropLast()) }
        let key = raw.trimmingSuffix("/").lowercased()
        let groupId: String = try r.store.withAdmin(r.tenant.id) { webs, admin in
            guard let web = webs[key], web.url.lowercased() == web.siteCollectionURL.lowercased() else {
                throw SPError(.notFound, "-1, Microsoft.SharePoint.Client.ResourceNotFoundException", "Cannot get site \(raw).")
            }
            let groupId = admin.peekInfo(for: web).groupId
            guard groupId != SPTenantAdminState.zeroGUID else {
                throw SPError(.badRequest, "-2147024809, System.ArgumentException", "The site \(web.url) is not connected to a Microsoft 365 group.")
            }
            admin.recycle(web, from: &webs)
            return groupId
        }
        _ = try? r.state.store.with(r.tenant.id) { t in
            if let removed = t.remove(.groups, groupId) { GraphGroups.keepDeleted(removed, in: t) }
        }
        if r.format == .verbose { return .json(["d": ["Delete": nil]]) }
        return .json(["odata.null": true])
    }

    static func createGroupResult(_ r: SharePointRequest, groupId: String, status: Int, url: String, error: String?) -> EmulatorResponse {
        let props: JSONObject = ["DocumentsUrl": nil, "ErrorMessage": JSON(error), "GroupId": .string(groupId), "SiteStatus": JSON(status),
                                 "SiteUrl": .string(url)]
        if r.format == .verbose { return .json(["d": ["CreateGroupEx": .object(props)]]) }
        return .json(SPRender(r).entity(props, SPMeta(type: "SP.Directory.Provider.GroupSiteInfo", editLink: "GroupSiteManager"),
                                        context: "SP.Directory.Provider.GroupSiteInfo"))
    }
}
