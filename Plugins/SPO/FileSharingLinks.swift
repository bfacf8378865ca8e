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
