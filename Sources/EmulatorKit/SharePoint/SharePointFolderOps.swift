import Foundation
import JSONModel
import NIOHTTP1

/// Folders copied and moved by copy jobs (with everything in them), a folder's
/// `ServerRelativePath`, a version kept forever (`versions(id)/SetExpirationDate()`), and
/// archiving of files and folders (`Lists(guid'…')/items(n)/Archive|UnArchive`).
enum SharePointFolderOps {
    static func register(_ r: inout Router<SharePointRequest>.RouteList) {
        for (address, resolve) in SharePointFiles.folderAddresses {
            r.sharePoint(.GET, address + "/serverrelativepath") { req, p in
                try SharePointFiles.checkAccess(req)
                let url = try resolve(req, p)
                let found = try req.store.locked { try SharePointFiles.folder(req, url).props["ServerRelativeUrl"]?.stringValue ?? url }
                return .json(SPRender(req).entity(["DecodedUrl": .string(found)], SPMeta(type: "SP.ResourcePath", editLink: "ServerRelativePath"),
                                                  context: "SP.ResourcePath"))
            }
        }
        for (address, resolve) in SharePointFiles.fileAddresses {
            r.sharePoint(.POST, address + "/versions/{version}/setexpirationdate") { req, p in
                try SharePointFiles.checkAccess(req)
                let url = try resolve(req, p)
                let which = p["version"] ?? ""
                try req.store.locked {
                    let f = try SharePointFiles.existingFile(req, url)
                    guard let i = f.versions.firstIndex(where: { String($0.id) == which }) else { throw SharePointFiles.versionNotFound(which) }
                    // Without a date the version never expires.
                    f.versions[i].expirationDate = nil
                }
                return .json(.object([:]))
            }
        }
        r.sharePoint(.POST, "_api/web/lists/{list}/items/{id}/getsharinginformation") { req, p in try sharingInformation(req, p) }
        for list in ["_api/lists/{list}", "_api/web/lists/{list}"] {
            r.sharePoint(.POST, list + "/items/{id}/archive") { req, p in try archive(req, p, archive: true) }
            r.sharePoint(.POST, list + "/items/{id}/unarchive") { req, p in try archive(req, p, archive: false) }
        }
    }

    // MARK: Archive

    static let alreadyArchived = SPError(.badRequest, "-2146233079, System.InvalidOperationException", "The item is already archived.")
    static let notArchived = SPError(.badRequest, "-2146233079, System.InvalidOperationException", "The item is not archived.")
    static let notArchivable = SPError(.badRequest, "-2146233079, System.InvalidOperationException",
                                       "Only files and folders in document libraries can be archived.")

    /// The item (a file or folder of a library) is archived (`fullyArchived`) or reactivated
    /// (`reactivating`): its `ArchiveStatus` is SharePoint's answer and stays on the item.
    /// An archived item cannot be archived again, nor one that is not archived reactivated.
    static func archive(_ r: SharePointRequest, _ p: [String: String], archive: Bool) throws -> EmulatorResponse {
        try SharePointFiles.checkAccess(r)
        let status: String = try r.store.locked {
            let list = try SharePointEndpoints.resolve(p["list"] ?? "", in: r.web)
            guard let id = Int(p["id"] ?? ""), let i = list.position(of: id) else { throw SPError.itemNotFound }
            guard list.isLibrary else { throw notArchivable }
            let key = "\(list.id.lowercased())|\(id)"
            let current = r.store.files.archived[key]
            if archive {
                guard current != "fullyArchived" else { throw alreadyArchived }
                r.store.files.archived[key] = "fullyArchived"
            } else {
                guard current == "fullyArchived" else { throw notArchived }
                r.store.files.archived[key] = "reactivating"
            }
            _ = i
            return r.store.files.archived[key] ?? ""
        }
        return .json(SPRender(r).primitive(archive ? "Archive" : "UnArchive", .string(status), edmType: "Edm.String"))
    }

    // MARK: Sharing information

    /// `items(n)/GetSharingInformation` of a file or folder: its sharing links (those made through
    /// Graph, `GraphSharingLinks`) as SharePoint describes them. Principals with direct access are
    /// not modelled: the list is empty.
    static func sharingInformation(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        try SharePointFiles.checkAccess(r)
        let links: [JSONObject] = try r.store.locked {
            let list = try SharePointEndpoints.resolve(p["list"] ?? "", in: r.web)
            guard let id = Int(p["id"] ?? ""), list.position(of: id) != nil else { throw SPError.itemNotFound }
            let item: SPSharable? = r.store.files.files.values.first { $0.listId == list.id && $0.itemId == id }
                ?? r.store.files.folders.values.first { $0.listId == list.id && $0.itemId == id }
            return item?.sharingLinks ?? []
        }
        let rendered: [JSON] = links.map { permission in
            let scope = permission["link"]?["scope"]?.stringValue ?? "anonymous"
            let edit = permission["link"]?["type"]?.stringValue == "edit"
            let kind = ["anonymous": edit ? 5 : 4, "organization": edit ? 3 : 2, "users": 6][scope] ?? 0
            let details: JSONObject = [
                "AllowsAnonymousAccess": .bool(scope == "anonymous"), "ApplicationId": nil, "BlocksDownload": false, "Created": "",
                "CreatedBy": nil, "Description": nil, "Embeddable": false, "Expiration": permission["expirationDateTime"] ?? "",
                "HasExternalGuestInvitees": false, "Invitations": [], "IsActive": true, "IsAddressBarLink": false, "IsCreateOnlyLink": false,
                "IsDefault": true, "IsEditLink": .bool(edit), "IsFormsLink": false, "IsReviewLink": false, "IsUnhealthy": false,
                "LastModified": "", "LastModifiedBy": nil, "LimitUseToApplication": false, "LinkKind": JSON(kind), "PasswordLastModified": "",
                "PasswordLastModifiedBy": nil, "RedeemedUsers": [], "RequiresPassword": false, "RestrictedShareMembership": .bool(scope == "users"),
                "Scope": JSON(["anonymous": 0, "organization": 1, "users": 2][scope] ?? -1), "ShareId": permission["id"] ?? .null,
                "ShareTokenString": nil, "SharingLinkStatus": 0, "TrackLinkUsers": false, "Url": permission["link"]?["webUrl"] ?? .null,
            ]
            return ["isInherited": false, "linkDetails": .object(details), "linkMembers": []]
        }
        let info: JSONObject = ["permissionsInformation": ["hasInheritedLinks": false, "links": .array(rendered), "principals": [], "siteAdmins": [],
                                                           "totalNumberOfPrincipals": 0]]
        return .json(.object(info))
    }

    // MARK: Copy jobs on folders

    static func folderExists(_ url: String) -> SPError {
        SPError(.badRequest, "-2130575257, Microsoft.SharePoint.SPException", "A file or folder with the name \(url) already exists.")
    }
    static let intoItself = SPError(.badRequest, "-2147024809, System.ArgumentException",
                                    "The destination folder cannot be the source folder or a folder inside it.")
}

extension SharePointFiles {
    /// A copy job's folder: copied (or moved) to `to` with its folders and files; the new
    /// folder's UniqueId (a move in one library keeps the folder, so its id). A name taken at the
    /// target fails the job. Call outside the lock.
    static func copyFolder(_ r: SharePointRequest, from: String, to: String, move isMove: Bool) throws -> String? {
        let (folders, files, sameLibrary): ([String], [String], Bool) = try r.store.locked {
            let store = r.store.files
            guard store.folders[key(r, from)] != nil else { throw folderNotFound }
            let lowerFrom = from.lowercased(), lowerTo = to.lowercased()
            if lowerTo == lowerFrom || lowerTo.hasPrefix(lowerFrom + "/") { throw SharePointFolderOps.intoItself }
            _ = try folder(r, parent(to))
            if store.folders[key(r, to)] != nil || store.files[key(r, to)] != nil { throw SharePointFolderOps.folderExists(to) }
            let below = { (url: String) in url.lowercased().hasPrefix(lowerFrom + "/") }
            let folders = store.folders.values.map(\.url).filter(below).sorted { $0.count < $1.count }
            let files = store.files.values.map(\.url).filter(below).sorted()
            let same = library(from, r, anyList: true)?.id == library(to, r, anyList: true)?.id
            return (folders, files, same)
        }
        if isMove && sameLibrary {
            try move(r, from: from, to: to, folder: true, replace: false)
        } else {
            _ = try addFolder(r, to, ensureParents: false)
            for url in folders { _ = try addFolder(r, to + url.dropFirst(from.count), ensureParents: false) }
            for url in files { try copy(r, from: url, to: to + url.dropFirst(from.count), replace: false) }
            if isMove { try removeFolder(r, from) }
        }
        return r.store.locked { r.store.files.folders[key(r, to)]?.uniqueId }
    }
}
