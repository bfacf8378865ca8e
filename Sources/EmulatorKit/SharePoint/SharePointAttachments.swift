import Foundation
import JSONModel
import NIOHTTP1

/// A list item's attachments, records state and retention label (SharePointAttachments.swift,
/// SharePointCompliance.swift), kept per list and item id. Guarded by the store's lock.
final class SPListCompliance: @unchecked Sendable {
    /// An attachment: its bytes live on disk (`contentPath`), as a library file's do.
    struct Attachment {
        var name: String
        var contentPath: String
        var length: Int64
    }
    /// A retention label on an item: name, when and by whom.
    struct Tag {
        var name: String
        var written: String
        var userId: Int
    }
    var attachments: [Int: [Attachment]] = [:]
    /// Items declared records (In-Place Records Management), with their declaration dates.
    var records: [Int: String] = [:]
    /// Records locked through `SPPolicyStoreProxy.LockRecordItem`.
    var locked: Set<Int> = []
    var tags: [Int: Tag] = [:]
    /// The list's default retention label (`SetListComplianceTag`), nil when none.
    var defaultTag: (name: String, syncToItems: Bool, blockDelete: Bool, blockEdit: Bool)?

    func hasAttachments(_ item: Int) -> Bool { !(attachments[item] ?? []).isEmpty }

    deinit {
        for list in attachments.values { for a in list { unlink(a.contentPath) } }
    }
}

/// `{list}/items({id})/AttachmentFiles`: list, `add(FileName='…')`, `('name')` and its `$value`,
/// replace, delete; and an item read with `$expand=AttachmentFiles`.
enum SharePointAttachments {
    typealias Handler = SharePointEndpoints.Handler

    static func register(_ on: (HTTPMethod, String, @escaping Handler) -> Void) {
        let base = "_api/web/lists/{list}/items/{id}/attachmentfiles"
        on(.GET, base, list)
        on(.POST, base + "/add/{args}", add)
        on(.POST, base + "/add", add)
        on(.GET, base + "/{name}", get)
        on(.DELETE, base + "/{name}", remove)
        on(.GET, base + "/{name}/$value", download)
        on(.PATCH, base + "/{name}/$value", replace)
        on(.POST, base + "/{name}/$value", replace)
    }

    // MARK: Errors as SharePoint words them

    static let duplicate = SPError(.internalServerError, "-2130575257, Microsoft.SharePoint.SPException",
                                   "The specified name is already in use.\n\nThe document or folder name was not changed.  To change the name to a different value, close this dialog and edit the properties of the document or folder.")
    static let notFound = SPError(.notFound, "-2147024894, System.IO.FileNotFoundException", "File Not Found.")
    static let disabled = SPError(.badRequest, "-2147024809, System.ArgumentException",
                                  "This list does not allow attachments. Enable attachments in the list settings.")
    static let badName = SPError(.badRequest, "-2130575245, Microsoft.SharePoint.SPException",
                                 "The file or folder name contains characters that are not permitted.  Please use a different name.")

    // MARK: Rendering

    static func props(_ list: SPList, _ item: Int, _ a: SPListCompliance.Attachment) -> JSONObject {
        let url = list.serverRelativeURL + "/Attachments/\(item)/" + a.name
        return ["FileName": .string(a.name), "FileNameAsPath": ["DecodedUrl": .string(a.name)],
                "ServerRelativePath": ["DecodedUrl": .string(url)], "ServerRelativeUrl": .string(url)]
    }

    static func meta(_ list: SPList, _ item: Int, _ name: String) -> SPMeta {
        SPMeta(type: "SP.Attachment", editLink: "Web/Lists(guid'\(list.id)')/Items(\(item))/AttachmentFiles('\(name.replacingOccurrences(of: "'", with: "''"))')")
    }

    /// The item and its list, under the lock.
    static func target(_ r: SharePointRequest, _ p: [String: String]) throws -> (SPList, Int) {
        let l = try SharePointEndpoints.resolve(p["list"]!, in: r.web)
        let item = try SharePointEndpoints.item(p["id"], in: l)
        return (l, item.id)
    }

    static func attachment(_ l: SPList, _ item: Int, _ name: String?) throws -> SPListCompliance.Attachment {
        guard let name, let a = l.compliance.attachments[item]?.first(where: { $0.name.caseInsensitiveCompare(name) == .orderedSame }) else { throw notFound }
        return a
    }

    // MARK: Routes

    static func list(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let (l, item, found) = try r.store.locked { () throws -> (SPList, Int, [SPListCompliance.Attachment]) in
            let (l, item) = try target(r, p)
            return (l, item, l.compliance.attachments[item] ?? [])
        }
        let render = SPRender(r)
        return .json(render.collection(found.map { render.entry(props(l, item, $0), meta(l, item, $0.name)) }, context: "SP.ApiData.Attachments", next: nil))
    }

    /// An item read with `$expand=AttachmentFiles` (nil for any other read, which the item route
    /// answers): the item's selected properties and its attachments.
    static func expandedItem(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse? {
        guard p["id"] != nil, let expand = r.request.query["$expand"],
              expand.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces).caseInsensitiveCompare("AttachmentFiles") == .orderedSame }) else { return nil }
        let (l, item, found) = try r.store.locked { () throws -> (SPList, SPItem, [SPListCompliance.Attachment]) in
            let l = try SharePointEndpoints.resolve(p["list"]!, in: r.web)
            let item = try SharePointEndpoints.item(p["id"], in: l)
            return (l, item, l.compliance.attachments[item.id] ?? [])
        }
        let all = SharePointEndpoints.itemProps(item, l)
        let selected = (r.request.query["$select"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var out = JSONObject()
        if selected.isEmpty { out = all } else {
            for name in selected where name.caseInsensitiveCompare("AttachmentFiles") != .orderedSame {
                guard let v = all[name] else { throw SPError.noField(name) }
                out[name] = v
            }
        }
        let render = SPRender(r)
        let entries = found.map { render.entry(props(l, item.id, $0), meta(l, item.id, $0.name)) }
        out["AttachmentFiles"] = r.format == .verbose ? ["results": .array(entries)] : .array(entries)
        return .json(render.entity(out, SharePointEndpoints.itemMeta(item, l), context: SharePointEndpoints.itemContext(l)))
    }

    static func add(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        // `add(FileName='a.txt')`: the argument as the path carried it.
        var name = r.request.query["FileName"] ?? ""
        if let args = p["args"] {
            let text = args.trimmingCharacters(in: .whitespaces)
            guard text.lowercased().hasPrefix("filename=") else { throw SPError.invalidQuery("The parameter FileName does not exist in method add.") }
            let literal = String(text.dropFirst("filename=".count)).trimmingCharacters(in: .whitespaces)
            name = SharePointService.onlyLiteral(literal) ?? literal
        }
        guard !name.isEmpty, !name.contains(where: { "\"*:<>?\\|#%/".contains($0) }) else { throw badName }
        let body = try SharePointFiles.bodyFile(r)
        let stored = SharePointFiles.contentDirectory(r) + "/" + Util.newGUID()
        do {
            let (l, item, a) = try r.store.locked { () throws -> (SPList, Int, SPListCompliance.Attachment) in
                let (l, item) = try target(r, p)
                try SharePointCompliance.refuseLockedEdit(l, item)
                if l.settings["EnableAttachments"]?.boolValue == false || l.isLibrary { throw disabled }
                if l.compliance.attachments[item]?.contains(where: { $0.name.caseInsensitiveCompare(name) == .orderedSame }) == true { throw duplicate }
                guard rename(body.path, stored) == 0 else { throw SPError(.internalServerError, "-1, System.IO.IOException", "Could not store the file.") }
                let a = SPListCompliance.Attachment(name: name, contentPath: stored, length: body.size)
                l.compliance.attachments[item, default: []].append(a)
                touch(r, l, item)
                return (l, item, a)
            }
            return .json(SPRender(r).entity(props(l, item, a), meta(l, item, a.name), context: "SP.ApiData.Attachments"))
        } catch {
            unlink(body.path)
            throw error
        }
    }

    static func get(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let (l, item, a) = try r.store.locked { () throws -> (SPList, Int, SPListCompliance.Attachment) in
            let (l, item) = try target(r, p)
            return (l, item, try attachment(l, item, p["name"]))
        }
        return .json(SPRender(r).entity(props(l, item, a), meta(l, item, a.name), context: "SP.ApiData.Attachments"))
    }

    static func download(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let a = try r.store.locked { () throws -> SPListCompliance.Attachment in
            let (l, item) = try target(r, p)
            return try attachment(l, item, p["name"])
        }
        var h = HTTPHeaders()
        h.add(name: "Content-Type", value: "application/octet-stream")
        h.add(name: SharePointFiles.bodyFileHeader, value: "\(a.length)|\(a.contentPath)")
        return EmulatorResponse(status: .ok, headers: h)
    }

    /// PUT `…/AttachmentFiles('name')/$value`: new bytes for an attachment that exists.
    static func replace(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointFiles.bodyFile(r)
        let stored = SharePointFiles.contentDirectory(r) + "/" + Util.newGUID()
        do {
            try r.store.locked {
                let (l, item) = try target(r, p)
                try SharePointCompliance.refuseLockedEdit(l, item)
                let old = try attachment(l, item, p["name"])
                guard rename(body.path, stored) == 0 else { throw SPError(.internalServerError, "-1, System.IO.IOException", "Could not store the file.") }
                if let i = l.compliance.attachments[item]?.firstIndex(where: { $0.name == old.name }) {
                    l.compliance.attachments[item]![i].contentPath = stored
                    l.compliance.attachments[item]![i].length = body.size
                }
                unlink(old.contentPath)
                touch(r, l, item)
            }
        } catch {
            unlink(body.path)
            throw error
        }
        return EmulatorResponse(status: .noContent)
    }

    static func remove(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        try r.store.locked {
            let (l, item) = try target(r, p)
            try SharePointCompliance.refuseLockedEdit(l, item)
            let a = try attachment(l, item, p["name"])
            l.compliance.attachments[item]?.removeAll { $0.name == a.name }
            unlink(a.contentPath)
            touch(r, l, item)
        }
        return EmulatorResponse(status: .ok)
    }

    /// An attachment change is an edit of the item: a new version by the caller. Under the lock.
    static func touch(_ r: SharePointRequest, _ l: SPList, _ item: Int) {
        guard let i = l.position(of: item) else { return }
        let now = Util.iso8601(Date())
        l.items[i].version += 1
        l.items[i].modified = now
        l.items[i].editorId = SharePointEndpoints.userId(r)
        l.lastItemModified = now
    }
}
