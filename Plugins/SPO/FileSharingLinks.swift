import PluginKit

/// `spo file sharinglink add|list|get|remove`: sharing links of a file, as CLI for Microsoft 365
/// makes them: the file's Graph ids from SharePoint (`SiteId`, `VroomDriveID`, `VroomItemID`),
/// then Microsoft Graph's `createLink` and `permissions` on that drive item.
enum FileSharingLinkCommands {
    static let scopes = ["anonymous", "organization", "users"]
    static let options = [FileCommands.webUrl, option(.fileUrl, nil, "Site- or server-relative URL of the file"),
                          option(.fileId, nil, "UniqueId (GUID) of the file")]
    static let sets = [["fileUrl", "fileId"]]
    /// `sharinglink list`'s text columns, as the CLI's (add and get print the whole link).
    static let defaults = ["id", "scope", "roles", "link"]

    /// The file's drive item on Graph: `…/sites/{siteId}/drives/{driveId}/items/{itemId}`.
    static func item(_ spo: SPOClient, _ options: Options) throws(PluginFailure) -> (label: String, url: String) {
        let web = try spo.webURL(options, .webUrl)
        let (label, path) = try FileCommands.fileBase(spo, web: web, options, id: .fileId, url: .fileUrl)
        let ids: JSONObject
        do throws(PluginFailure) {
            ids = try spo.get(path("", [("$select", "SiteId,VroomItemId,VroomDriveId")]))
        } catch { throw FileCommands.fileFailure(error, label) }
        guard let site = ids["SiteId"]?.stringValue, let drive = ids["VroomDriveID"]?.stringValue ?? ids["VroomDriveId"]?.stringValue,
              let item = ids["VroomItemID"]?.stringValue ?? ids["VroomItemId"]?.stringValue else {
            throw PluginFailure("SharePoint did not return the Graph ids of the file \(label)", status: M365_ERR_SERVER)
        }
        let graph = spo.invocation.setting("connection.graphOrigin") ?? "https://graph.microsoft.com"
        return (label, graph + "/v1.0/sites/\(OData.segment(site))/drives/\(OData.segment(drive))/items/\(OData.segment(item))")
    }

    /// `YYYY-MM-DD`, optionally followed by `Thh:mm[:ss][Z|±hh:mm]`.
    static func isDateTime(_ text: String) -> Bool {
        let chars = Array(text.utf8)
        guard chars.count >= 10, chars[4] == UInt8(ascii: "-"), chars[7] == UInt8(ascii: "-") else { return false }
        let digits = [0, 1, 2, 3, 5, 6, 8, 9]
        guard digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(chars[$0]) }) else { return false }
        let month = Int(chars[5] - 48) * 10 + Int(chars[6] - 48), day = Int(chars[8] - 48) * 10 + Int(chars[9] - 48)
        guard (1...12).contains(month), (1...31).contains(day) else { return false }
        if chars.count == 10 { return true }
        guard chars[10] == UInt8(ascii: "T"), chars.count >= 16, chars[13] == UInt8(ascii: ":") else { return false }
        return [11, 12, 14, 15].allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(chars[$0]) }
    }

    static let all: [PluginCommand] = [
        command("file sharinglink add", "Creates a new sharing link to a file",
                options: options + [option(.type, nil, "Type of the link", required: true, allowed: ["view", "edit"]),
                                    option(.expirationDateTime, nil, "When the link expires (ISO 8601, e.g. 2026-12-31 or 2026-12-31T12:00Z)"),
                                    option(.scope, nil, "Who the link works for (default: the tenant's default)", allowed: ["anonymous", "organization"])],
                sets: sets,
                examples: [("An organization view link", "m365 spo file sharinglink add --webUrl /sites/project-x --fileUrl 'Shared Documents/report.docx' --type view --scope organization")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            if let when = options.string(.expirationDateTime), !isDateTime(when) {
                throw usage("'\(when)' is not a valid date for --expirationDateTime: use YYYY-MM-DD, YYYY-MM-DDThh:mm, YYYY-MM-DDThh:mmZ or YYYY-MM-DDThh:mm±hh:mm")
            }
            if options.has(.expirationDateTime), let scope = options.string(.scope), scope != "anonymous" {
                throw usage("Option expirationDateTime can only be used for links with scope 'anonymous'.")
            }
            let (_, url) = try item(spo, options)
            var body: JSONObject = ["type": .string(options.string(.type) ?? "view")]
            if let when = options.string(.expirationDateTime) { body["expirationDateTime"] = .string(when) }
            if let scope = options.string(.scope) { body["scope"] = .string(scope) }
            guard let link = try spo.send("POST", url + "/createLink", body: .object(body))?.objectValue else {
                throw PluginFailure("Microsoft Graph returned no sharing link", status: M365_ERR_SERVER)
            }
            try spo.invocation.emit(result: .object(withoutContext(link)))
        },

        command("file sharinglink list", "Lists the sharing links of a file",
                options: options + [option(.scope, "s", "Only the links of this scope", allowed: scopes)],
                sets: sets, defaults: defaults) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let (_, url) = try item(spo, options)
            let scope = options.string(.scope)
            var filter = "Link ne null"
            if let scope { filter += " and Link/Scope eq \(OData.quote(scope))" }
            var links: [JSON] = []
            try spo.forEachItem(url + "/permissions" + OData.query([("$filter", filter)])) { permission throws(PluginFailure) in
                // Graph may give every permission: only links, of the scope asked for.
                guard let link = permission["link"]?.objectValue else { return }
                if let scope, link["scope"]?.stringValue != scope { return }
                // Text output shows each link as the CLI maps it: roles joined, the link's URL.
                guard spo.invocation.outputMode == "text" else { return links.append(.object(permission)) }
                links.append(["id": permission["id"] ?? .null, "roles": .string((permission["roles"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")),
                              "link": link["webUrl"] ?? .null, "scope": link["scope"] ?? .null])
            }
            try spo.invocation.emit(result: .array(links))
        },

        command("file sharinglink get", "Gets a sharing link of a file",
                options: options + [option(.id, "i", "Id of the sharing link", required: true)],
                sets: sets) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let (_, url) = try item(spo, options)
            let id = options.string(.id) ?? ""
            do throws(PluginFailure) {
                try spo.invocation.emit(result: .object(withoutContext(try spo.get(url + "/permissions/" + OData.segment(id)))))
            } catch { throw linkFailure(error, id) }
        },

        command("file sharinglink remove", "Removes a sharing link of a file",
                options: options + [option(.id, "i", "Id of the sharing link", required: true), forceOption],
                sets: sets) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let id = options.string(.id) ?? ""
            try options.requireGUIDs([.fileId])
            // Asked before anything is sent.
            let file = options.string(.fileUrl) ?? options.string(.fileId) ?? ""
            guard try spo.invocation.confirmedRemoval(options, "the sharing link \(id) of the file \(file)") else { return }
            let (_, url) = try item(spo, options)
            do throws(PluginFailure) {
                try spo.send("DELETE", url + "/permissions/" + OData.segment(id))
            } catch { throw linkFailure(error, id) }
        },
    ]

    /// `sharinglink set|clear`: a link's expiry changed; every link (of one scope) removed, the
    /// links found as `sharinglink list` finds them, as the CLI runs it.
    static let changes: [PluginCommand] = [
        command("file sharinglink set", "Updates a sharing link of a file",
                options: options + [option(.id, nil, "Id of the sharing link", required: true),
                                    option(.expirationDateTime, nil, "When the link expires (ISO 8601, e.g. 2026-12-31T12:00:00Z)", required: true)],
                sets: sets,
                examples: [("Expire at the end of the year", "m365 spo file sharinglink set --webUrl /sites/project-x --fileUrl 'Shared Documents/report.docx' --id 7c9f97c9-1bda-433c-9364-bb83e81771ee --expirationDateTime 2026-12-31T23:59:00Z")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.fileId, .id])
            let when = options.string(.expirationDateTime) ?? ""
            guard isDateTime(when) else { throw usage("'\(when)' is not a valid ISO date string") }
            let (_, url) = try item(spo, options)
            let id = options.string(.id) ?? ""
            let link: JSON?
            do throws(PluginFailure) {
                link = try spo.send("PATCH", url + "/permissions/" + OData.segment(id), body: ["expirationDateTime": .string(when)])
            } catch { throw linkFailure(error, id) }
            try spo.invocation.emit(result: .object(withoutContext(link?.objectValue ?? [:])))
        },
        command("file sharinglink clear", "Removes the sharing links of a file",
                options: options + [option(.scope, "s", "Only the links of this scope", allowed: scopes), forceOption],
                sets: sets) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.fileId])
            let file = options.string(.fileUrl) ?? options.string(.fileId) ?? ""
            let scope = options.string(.scope)
            let question = "Are you sure you want to clear the sharing links of file \(file)\(scope.map { " with scope \($0)" } ?? "")?"
            guard try spo.invocation.confirmed(options, question, needing: "clearing sharing links") else { return }
            // As the CLI: the file's ids, then its links as `sharinglink list` gets them (ids again).
            let (_, url) = try item(spo, options)
            let (_, listURL) = try item(spo, options)
            var filter = "Link ne null"
            if let scope { filter += " and Link/Scope eq \(OData.quote(scope))" }
            var ids: [String] = []
            try spo.forEachItem(listURL + "/permissions" + OData.query([("$filter", filter)])) { permission throws(PluginFailure) in
                guard let link = permission["link"]?.objectValue, let id = permission["id"]?.stringValue else { return }
                if let scope, link["scope"]?.stringValue != scope { return }
                ids.append(id)
            }
            for id in ids {
                do throws(PluginFailure) { try spo.send("DELETE", url + "/permissions/" + OData.segment(id)) } catch { throw linkFailure(error, id) }
            }
        },
    ]

    static func linkFailure(_ error: PluginFailure, _ id: String) -> PluginFailure {
        guard error.status == M365_ERR_NOT_FOUND else { return error }
        return PluginFailure("Sharing link '\(id)' does not exist (\(error.description))", status: M365_ERR_NOT_FOUND)
    }

    /// Graph's answer without its `@odata.*` annotations, as the CLI prints it.
    static func withoutContext(_ object: JSONObject) -> JSONObject {
        var out = JSONObject()
        for (key, value) in object where !key.hasPrefix("@odata.") { out[key] = value }
        return out
    }
}

/// `spo folder sharinglink add|list|get|remove|set|clear`: sharing links of a folder, as CLI for
/// Microsoft 365 makes them: the folder's server-relative URL from SharePoint, then on Microsoft
/// Graph the site (`sites/{host}:{path}`), the library's drive (`sites/{id}/drives`), the
/// folder's drive item (`drives/{id}/root:{path}`) and its `createLink` and `permissions`.
enum FolderSharingLinkCommands {
    static let folderId = OptionKey<String>("folderId")
    static let retainInheritedPermissions = OptionKey<Bool>("retainInheritedPermissions")
    static let recipients = OptionKey<String>("recipients")
    static let options = [FolderCommands.webUrl, option(.folderUrl, nil, "Site- or server-relative URL of the folder"),
                          option(folderId, nil, "UniqueId (GUID) of the folder")]
    static let sets = [["folderUrl", "folderId"]]
    static let scopes = FileSharingLinkCommands.scopes
    static let linkId = option(.id, "i", "Id of the sharing link", required: true)

    /// The folder's drive item on Graph: `…/v1.0/drives/{driveId}/items/{itemId}`.
    static func item(_ spo: SPOClient, _ options: Options) throws(PluginFailure) -> (label: String, url: String) {
        try options.requireGUIDs([folderId])
        let web = try spo.webURL(options, .webUrl)
        let label = options.string(folderId) ?? options.string(.folderUrl) ?? ""
        let address: String
        if let id = options.string(folderId) {
            address = web + "/_api/web/GetFolderById('\(id)')"
        } else {
            let path = try SPOPath.serverRelative(options.string(.folderUrl) ?? "", web: web, option: "folderUrl")
            address = web + "/_api/web/GetFolderByServerRelativePath(decodedUrl='\(FieldCommands.encoded(path))')"
        }
        let relative: String
        do throws(PluginFailure) {
            relative = try spo.get(address + "?$select=ServerRelativeUrl")["ServerRelativeUrl"]?.stringValue ?? ""
        } catch { throw FolderCommands.folderFailure(error, label) }
        let (origin, folderURL) = CopyJobs.destination(web: web, relative)
        let graph = (spo.invocation.setting("connection.graphOrigin") ?? "https://graph.microsoft.com") + "/v1.0"
        let host = String(origin.dropFirst("https://".count))
        var path = String(web.dropFirst(origin.count))
        if path.isEmpty { path = "/" }
        let site = try spo.get(graph + "/sites/\(FieldCommands.encoded(host)):\(encodedPath(path))?$select=id")["id"]?.stringValue ?? ""
        // The library: the drive whose URL is the longest prefix of the folder's.
        let drives = try spo.get(graph + "/sites/\(site)/drives?$select=webUrl,id")["value"]?.arrayValue ?? []
        let lowerFolder = folderURL.lowercased()
        let drive = drives.compactMap { d -> (id: String, url: String)? in
            guard let id = d["id"]?.stringValue, let url = d["webUrl"]?.stringValue else { return nil }
            return (id, url)
        }.sorted { $0.url > $1.url }.first { d in
            let lower = d.url.lowercased()
            return lowerFolder == lower || lowerFolder.hasPrefix(lower + "/")
        }
        guard let drive else { throw PluginFailure("Drive '\(folderURL)' not found", status: M365_ERR_NOT_FOUND) }
        var below = String(folderURL.dropFirst(drive.url.count))
        while below.hasSuffix("/") { below.removeLast() }
        let itemId = try spo.get(graph + "/drives/\(drive.id)/root\(below.isEmpty ? "" : ":" + encodedPath(below))?$select=id")["id"]?.stringValue ?? ""
        return (label, graph + "/drives/\(drive.id)/items/\(itemId)")
    }

    /// A URL path with each segment percent-encoded.
    static func encodedPath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { OData.segment(String($0)) }.joined(separator: "/")
    }

    /// A link as the CLI prints it: without `grantedToIdentities` and Graph's annotations.
    static func printable(_ link: JSONObject) -> JSONObject {
        var out = FileSharingLinkCommands.withoutContext(link)
        out["grantedToIdentities"] = nil
        return out
    }

    /// The folder's links (of one scope), as `sharinglink list` and `clear` ask for them.
    static func links(_ spo: SPOClient, _ url: String, scope: String?) throws(PluginFailure) -> [JSONObject] {
        var filter = "Link ne null"
        if let scope { filter += " and Link/Scope eq \(OData.quote(scope))" }
        var out: [JSONObject] = []
        try spo.forEachItem(url + "/permissions" + OData.query([("$filter", filter)])) { permission throws(PluginFailure) in
            guard let link = permission["link"]?.objectValue else { return }
            if let scope, link["scope"]?.stringValue != scope { return }
            out.append(printable(permission))
        }
        return out
    }

    static let all: [PluginCommand] = [
        command("folder sharinglink add", "Creates a new sharing link to a folder",
                options: options + [option(.type, nil, "Type of the link", required: true, allowed: ["view", "edit"]),
                                    option(.expirationDateTime, nil, "When the link expires (ISO 8601)"),
                                    option(.scope, nil, "Who the link works for (default: the tenant's default)", allowed: scopes),
                                    flag(retainInheritedPermissions, nil, "Keep the permissions the folder inherits"),
                                    option(recipients, nil, "Comma-separated user principal names the link is for (scope users)")],
                sets: sets,
                examples: [("An organization view link", "m365 spo folder sharinglink add --webUrl /sites/project-x --folderUrl 'Shared Documents/Reports' --type view --scope organization")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            if let when = options.string(.expirationDateTime), !FileSharingLinkCommands.isDateTime(when) { throw usage("\(when) is not a valid ISO date string.") }
            let people = (options.string(recipients) ?? "").split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
            let wrong = people.filter { !looksLikeUPN($0) }
            if !wrong.isEmpty { throw usage("The following user principal names are invalid for the option 'recipients': \(wrong.joined(separator: ", ")).") }
            let (_, url) = try item(spo, options)
            var body: JSONObject = ["type": .string(options.string(.type) ?? "view"), "retainInheritedPermissions": .bool(options.bool(retainInheritedPermissions))]
            if let when = options.string(.expirationDateTime) { body["expirationDateTime"] = .string(when) }
            if let scope = options.string(.scope) { body["scope"] = .string(scope) }
            if options.string(.scope) == "users", !people.isEmpty { body["recipients"] = .array(people.map { ["email": .string($0)] }) }
            guard let link = try spo.send("POST", url + "/createLink", body: .object(body))?.objectValue else {
                throw PluginFailure("Microsoft Graph returned no sharing link", status: M365_ERR_SERVER)
            }
            try spo.invocation.emit(result: .object(printable(link)))
        },
        command("folder sharinglink list", "Lists the sharing links of a folder",
                options: options + [option(.scope, "s", "Only the links of this scope", allowed: scopes)],
                sets: sets, defaults: FileSharingLinkCommands.defaults) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let (_, url) = try item(spo, options)
            let found = try links(spo, url, scope: options.string(.scope))
            guard spo.invocation.outputMode == "text" else { return try spo.invocation.emit(result: .array(found.map(JSON.object))) }
            try spo.invocation.emit(result: .array(found.map { p in
                ["id": p["id"] ?? .null, "roles": .string((p["roles"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")),
                 "link": p["link"]?["webUrl"] ?? .null, "scope": p["link"]?["scope"] ?? .null]
            }))
        },
        command("folder sharinglink get", "Gets a sharing link of a folder", options: options + [linkId], sets: sets) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let (_, url) = try item(spo, options)
            let id = options.string(.id) ?? ""
            do throws(PluginFailure) {
                try spo.invocation.emit(result: .object(printable(try spo.get(url + "/permissions/" + OData.segment(id)))))
            } catch { throw FileSharingLinkCommands.linkFailure(error, id) }
        },
        command("folder sharinglink remove", "Removes a sharing link of a folder", options: options + [linkId, forceOption], sets: sets) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([folderId])
            let id = options.string(.id) ?? ""
            let folder = options.string(.folderUrl) ?? options.string(folderId) ?? ""
            guard try spo.invocation.confirmedRemoval(options, "the sharing link \(id) of the folder \(folder)") else { return }
            let (_, url) = try item(spo, options)
            do throws(PluginFailure) { try spo.send("DELETE", url + "/permissions/" + OData.segment(id)) } catch { throw FileSharingLinkCommands.linkFailure(error, id) }
        },
        command("folder sharinglink set", "Updates a sharing link of a folder",
                options: options + [linkId, option(.expirationDateTime, nil, "When the link expires (ISO 8601)")], sets: sets) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            if let when = options.string(.expirationDateTime), !FileSharingLinkCommands.isDateTime(when) { throw usage("\(when) is not a valid ISO date string.") }
            let (_, url) = try item(spo, options)
            let id = options.string(.id) ?? ""
            var body = JSONObject()
            if let when = options.string(.expirationDateTime) { body["expirationDateTime"] = .string(when) }
            let link: JSON?
            do throws(PluginFailure) { link = try spo.send("PATCH", url + "/permissions/" + OData.segment(id), body: .object(body)) }
            catch { throw FileSharingLinkCommands.linkFailure(error, id) }
            try spo.invocation.emit(result: .object(FileSharingLinkCommands.withoutContext(link?.objectValue ?? [:])))
        },
        command("folder sharinglink clear", "Removes the sharing links of a folder",
                options: options + [option(.scope, nil, "Only the links of this scope", allowed: scopes), forceOption], sets: sets) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([folderId])
            let folder = options.string(.folderUrl) ?? options.string(folderId) ?? ""
            guard try spo.invocation.confirmed(options, "Are you sure you want to clear the sharing links of folder \(folder)?", needing: "clearing sharing links") else { return }
            let (_, url) = try item(spo, options)
            for link in try links(spo, url, scope: options.string(.scope)) {
                guard let id = link["id"]?.stringValue else { continue }
                do throws(PluginFailure) { try spo.send("DELETE", url + "/permissions/" + OData.segment(id)) } catch { throw FileSharingLinkCommands.linkFailure(error, id) }
            }
        },
    ]
}
