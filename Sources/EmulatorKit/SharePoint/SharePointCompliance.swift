import Foundation
import JSONModel
import NIOHTTP1

/// Records and retention labels: `SP.CompliancePolicy.SPPolicyStoreProxy` (REST: the tenant's
/// labels, a list's default label, labels on items, record locks) and the In-Place Records
/// Management static methods of `Microsoft.Office.RecordsManagement.RecordsRepository.Records`
/// (CSOM: IsRecord, DeclareItemAsRecord[WithDeclarationDate], UndeclareItemAsRecord).
/// State lives on each list (`SPList.compliance`, SharePointAttachments.swift).
enum SharePointCompliance {
    typealias Handler = SharePointEndpoints.Handler

    static func register(_ on: (HTTPMethod, String, @escaping Handler) -> Void) {
        SharePointAttachments.register(on)
        let proxy = "_api/sp.compliancepolicy.sppolicystoreproxy."
        on(.POST, proxy + "lockrecorditem", { r, _ in try lock(r, true) })
        on(.POST, proxy + "unlockrecorditem", { r, _ in try lock(r, false) })
        // The underscore spellings CLI for Microsoft 365 uses for the label functions.
        on(.POST, "_api/SP_CompliancePolicy_SPPolicyStoreProxy_SetListComplianceTag", setListTag)
        on(.POST, "_api/SP_CompliancePolicy_SPPolicyStoreProxy_GetListComplianceTag", getListTag)
        on(.POST, "_api/SP_CompliancePolicy_SPPolicyStoreProxy_SetComplianceTagOnBulkItems", setItemTags)
        on(.POST, proxy + "setlistcompliancetag", setListTag)
        on(.POST, proxy + "getlistcompliancetag", getListTag)
        on(.POST, proxy + "setcompliancetagonbulkitems", setItemTags)
    }

    // MARK: Labels by name

    /// A label as the proxy reports it (`SP.CompliancePolicy.ComplianceTag`). SharePoint applies
    /// any label by name, published to the site or not, so a name is not checked against the
    /// labels `GetAvailableTagsForSite` lists.
    static func knownTag(_ name: String) -> JSONObject? {
        var o: JSONObject = ["AcceptMessagesOnlyFromSendersOrMembers": false, "AccessType": nil, "AllowAccessFromUnmanagedDevice": nil,
                             "AutoDelete": false, "BlockDelete": false, "BlockEdit": false, "ContainsSiteLabel": false, "DisplayName": "",
                             "EncryptionRMSTemplateId": nil, "HasRetentionAction": false, "IsEventTag": false, "Notes": nil]
        o["RequireSenderAuthenticationEnabled"] = false
        o["ReviewerEmail"] = nil
        o["SharingCapabilities"] = nil
        o["SuperLock"] = false
        o["TagDuration"] = 0
        o["TagId"] = .string(Util.nameGUID("retention-label/" + name.lowercased()))
        o["TagName"] = .string(name)
        o["TagRetentionBasedOn"] = nil
        return o
    }

    static func unknownTag(_ name: String) -> SPError {
        SPError(.badRequest, "-2146232832, Microsoft.SharePoint.SPException", "The compliance tag '\(name)' does not exist or is not published to this site.")
    }

    // MARK: Lists by absolute URL, as the proxy takes them

    /// The list whose absolute URL (`https://…/sites/x/Lists/T`) a proxy call names. Under the lock.
    static func list(_ r: SharePointRequest, _ body: JSONObject) throws -> SPList {
        guard let url = body["listUrl"]?.stringValue, !url.isEmpty else {
            throw SPError(.badRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "The parameter listUrl does not exist in method.")
        }
        var path = url
        if let r = path.range(of: "://") { path = String(path[r.upperBound...]); path = path.firstIndex(of: "/").map { String(path[$0...]) } ?? "/" }
        path = (path.removingPercentEncoding ?? path).trimmingSuffix("/")
        // The list may belong to a sub-web of the request's web or to the web itself.
        let webPath = r.web.serverRelativeUrl == "/" ? "" : r.web.serverRelativeUrl
        if let l = r.web.lists.first(where: { $0.serverRelativeURL.caseInsensitiveCompare(path) == .orderedSame }) { return l }
        _ = webPath
        throw SPError(.notFound, "-2147024894, System.IO.FileNotFoundException", "File Not Found.")
    }

    static func itemIds(_ body: JSONObject) -> [Int] {
        if let one = body["itemId"] { return [one.intValue ?? Int(one.stringValue ?? "") ?? -1] }
        return (body["itemIds"]?.arrayValue ?? []).map { $0.intValue ?? Int($0.stringValue ?? "") ?? -1 }
    }

    // MARK: Labels

    static func setListTag(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        let name = body["complianceTagValue"]?.stringValue ?? ""
        let now = Util.iso8601(Date())
        let user = SharePointEndpoints.userId(r)
        try r.store.locked {
            let l = try list(r, body)
            if name.isEmpty { l.compliance.defaultTag = nil; return }
            guard let tag = knownTag(name) else { throw unknownTag(name) }
            let canonical = tag["TagName"]?.stringValue ?? name
            let sync = body["syncToItems"]?.boolValue ?? false
            l.compliance.defaultTag = (canonical, sync, body["blockDelete"]?.boolValue ?? false, body["blockEdit"]?.boolValue ?? false)
            // Synchronised to the items that have no label of their own.
            if sync { for item in l.items where l.compliance.tags[item.id] == nil { l.compliance.tags[item.id] = .init(name: canonical, written: now, userId: user) } }
        }
        return .json(SPRender(r).primitive("SetListComplianceTag", .null, edmType: "Edm.Null"))
    }

    static func getListTag(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        let current = try r.store.locked { try list(r, body).compliance.defaultTag }
        guard let current, var tag = knownTag(current.name) else { return .json(["odata.null": true]) }
        tag["BlockDelete"] = .bool(current.blockDelete)
        tag["BlockEdit"] = .bool(current.blockEdit)
        return .json(SPRender(r).entity(tag, SPMeta(type: "SP.CompliancePolicy.ComplianceTag", editLink: ""), context: "SP.CompliancePolicy.ComplianceTag"))
    }

    static func setItemTags(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        let name = body["complianceTagValue"]?.stringValue ?? ""
        let now = Util.iso8601(Date())
        let user = SharePointEndpoints.userId(r)
        try r.store.locked {
            let l = try list(r, body)
            let canonical: String?
            if name.isEmpty { canonical = nil } else {
                guard let tag = knownTag(name) else { throw unknownTag(name) }
                canonical = tag["TagName"]?.stringValue
            }
            let ids = itemIds(body)
            for id in ids where l.position(of: id) == nil { throw SPError.itemNotFound }
            for id in ids {
                // A locked record keeps its label.
                try refuseLockedEdit(l, id)
                l.compliance.tags[id] = canonical.map { .init(name: $0, written: now, userId: user) }
            }
        }
        let value: JSON = r.format == .verbose ? ["results": []] : []
        return .json(SPRender(r).primitive("SetComplianceTagOnBulkItems", value, edmType: "Collection(Edm.Int32)"))
    }

    // MARK: Records

    static let lockedRecord = SPError(.badRequest, "-2146232832, Microsoft.SharePoint.SPException",
                                      "This item is a locked record and cannot be edited. Unlock the record first.")

    /// Refuses an edit of a locked record. Call under the lock.
    static func refuseLockedEdit(_ l: SPList, _ item: Int) throws {
        if l.compliance.locked.contains(item) { throw lockedRecord }
    }

    static func lock(_ r: SharePointRequest, _ locking: Bool) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        try r.store.locked {
            let l = try list(r, body)
            guard let id = itemIds(body).first, l.position(of: id) != nil else { throw SPError.itemNotFound }
            if locking { l.compliance.locked.insert(id) } else { l.compliance.locked.remove(id) }
        }
        return .json(SPRender(r).primitive(locking ? "LockRecordItem" : "UnlockRecordItem", .null, edmType: "Edm.Null"))
    }

    /// What a list item shows of this state: `Attachments`, a `ComplianceAssetId` a client set,
    /// and its retention label (`OData__ComplianceTag…`, only when one is applied).
    static func decorate(_ o: inout JSONObject, _ item: SPItem, _ list: SPList) {
        o["Attachments"] = .bool(list.compliance.hasAttachments(item.id))
        if let asset = item.fields["ComplianceAssetId"] { o["ComplianceAssetId"] = asset }
        if let tag = list.compliance.tags[item.id] {
            o["OData__ComplianceTag"] = .string(tag.name)
            o["OData__ComplianceTagWrittenTime"] = .string(tag.written)
            o["OData__ComplianceTagUserId"] = JSON(tag.userId)
        }
    }
}

/// `Records` static methods sent as CSOM actions (`<StaticMethod TypeId="{ea8e1356-…}" Name="IsRecord">`).
extension CSOMEvaluation {
    static let recordsTypeId = "ea8e1356-5910-4e69-bc05-d0c30ed657fc"

    func recordsStaticMethod(_ action: CSOMXMLElement, id: Int) throws -> [JSON] {
        let type = (action["TypeId"] ?? "").trimmingCharacters(in: ["{", "}"]).lowercased()
        let name = action["Name"] ?? ""
        guard type == Self.recordsTypeId else { throw CSOMError.invalid("The static method \(name) is not supported.") }
        let params = action.child("Parameters")?.children.filter { $0.name == "Parameter" } ?? []
        // The item is an object path of the request (`<Parameter ObjectPathId="14" />`).
        guard let path = params.first?["ObjectPathId"], case let .listItem(url, listId, item) = try resolve(path) else {
            throw CSOMError.invalid("The method \(name) expects a list item.")
        }
        guard let l = webs[url.lowercased()]?.list(id: listId) else { throw CSOMError("List does not exist.", -2130575322, "System.ArgumentException") }
        switch name {
        case "IsRecord":
            return [JSON(id), .bool(l.compliance.records[item] != nil)]
        case "DeclareItemAsRecord", "DeclareItemAsRecordWithDeclarationDate":
            guard canWrite else { throw CSOMError.accessDenied }
            if l.compliance.records[item] != nil { throw CSOMError("This item has already been declared a record.", -2146232832, "Microsoft.SharePoint.SPException") }
            var date = Util.iso8601(Date())
            if name == "DeclareItemAsRecordWithDeclarationDate", params.count > 1 { date = params[1].text }
            l.compliance.records[item] = date
            return []
        case "UndeclareItemAsRecord":
            guard canWrite else { throw CSOMError.accessDenied }
            if l.compliance.records[item] == nil { throw CSOMError("This item is not a record.", -2146232832, "Microsoft.SharePoint.SPException") }
            if l.compliance.locked.contains(item) { throw CSOMError(SharePointCompliance.lockedRecord.message, -2146232832, "Microsoft.SharePoint.SPException") }
            l.compliance.records[item] = nil
            return []
        default:
            throw CSOMError.invalid("The static method \(name) is not supported.")
        }
    }
}
