import PluginKit

/// `spo folder copy|move`: a folder with everything in it, through SharePoint's copy jobs
/// (`Site/CreateCopyJobs`, polled with `Site/GetCopyJobProgress`), as CLI for Microsoft 365
/// sends them; the folder at its target is printed. Also `spo file archive|unarchive`,
/// `spo folder archive` and `spo file version keep`.
enum FolderOpsCommands {
    static let all: [PluginCommand] = copyAndMove + archiving + [versionKeep] + FileSharingLinkCommands.changes + FolderSharingLinkCommands.all + [sharingInfo]

    static let copyAndMove: [PluginCommand] = ["copy", "move"].map { verb in
        command("folder \(verb)", verb == "copy" ? "Copies a folder to another location" : "Moves a folder to another location",
                options: [FolderCommands.webUrl, option(.sourceUrl, "s", "Site- or server-relative URL of the folder"),
                          option(.sourceId, "i", "UniqueId (GUID) of the folder"),
                          option(.targetUrl, "t", "Server-relative or absolute URL of the folder to \(verb) it into", required: true),
                          option(.newName, nil, "New name of the folder at the target"),
                          option(.nameConflictBehavior, nil, "What to do when the target has a folder of the same name (default: fail)",
                                 allowed: ["fail", "rename"]),
                          flag(.skipWait, nil, "Do not wait for SharePoint to finish (nothing is printed)")],
                sets: [["sourceUrl", "sourceId"]],
                examples: [("Into another library", "m365 spo folder \(verb) --webUrl https://contoso.sharepoint.com/sites/project-x --sourceUrl 'Shared Documents/Reports' --targetUrl '/sites/project-x/Archive'")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.sourceId])
            let web = try spo.webURL(options, .webUrl)
            let source: String
            if let id = options.string(.sourceId) {
                do throws(PluginFailure) {
                    source = try spo.get(web + "/_api/Web/GetFolderById(\(OData.quote(id)))/ServerRelativePath")["DecodedUrl"]?.stringValue ?? ""
                } catch { throw FolderCommands.folderFailure(error, id) }
            } else {
                source = try SPOPath.serverRelative(options.string(.sourceUrl) ?? "", web: web, option: "sourceUrl")
            }
            let (origin, target) = CopyJobs.destination(web: web, options.string(.targetUrl) ?? "")
            // Folders know only fail (0) and rename (2); no other copy options, as the CLI sends them.
            let job = try CopyJobs.start(spo, web: web, sources: [SPOClient.trimSlash(origin + source)], destination: target, options: [
                "NameConflictBehavior": options.string(.nameConflictBehavior) == "rename" ? 2 : 0,
                "AllowSchemaMismatch": true, "CustomizedItemName": options.string(.newName).map { [.string($0)] } ?? .null,
                "SameWebCopyMoveOptimization": true, "IsMoveMode": .bool(verb == "move"),
            ], what: source)
            if options.bool(.skipWait) { return }
            let done = try CopyJobs.wait(spo, web: web, job)
            let id = done["TargetObjectUniqueId"]?.stringValue ?? ""
            try spo.invocation.emit(result: .object(try spo.get(CopyJobs.targetWeb(target, done) + "/_api/Web/GetFolderById(\(OData.quote(id)))")))
        }
    }
}

extension FolderOpsCommands {
    static let archiveQuestion = "Are you sure you would like to archive this item? You can reactivate it at once during the first 7 days; after that reactivation takes up to 24 hours."
    static let unarchiveQuestion = "Reactivation can take up to 24 hours, and a reactivated file cannot be archived again for 30 days. Are you sure you would like to unarchive this item?"

    /// `{web}/_api/web/GetFileById('…')` or `…/GetFileByServerRelativePath(DecodedUrl='…')` (and the
    /// folder forms), as the CLI addresses them (not through a parameter alias).
    static func address(_ web: String, _ options: Options, kind: String, url: OptionKey<String>, id: OptionKey<String>) throws(PluginFailure) -> (label: String, base: String) {
        try options.requireGUIDs([id])
        if let guid = options.string(id) { return (guid, web + "/_api/web/Get\(kind)ById('\(FieldCommands.encoded(guid))')") }
        let path = try SPOPath.serverRelative(options.string(url) ?? "", web: web, option: url.name)
        return (path, web + "/_api/web/Get\(kind)ByServerRelativePath(DecodedUrl='\(FieldCommands.encoded(path))')")
    }

    static let archiveOptions = [FileCommands.webUrl, option(.url, nil, "Site- or server-relative URL"), option(.id, "i", "UniqueId (GUID)"), forceOption]

    static let archiving: [PluginCommand] = [
        command("file archive", "Archives a file", options: archiveOptions, sets: [["url", "id"]],
                examples: [("Without a prompt", "m365 spo file archive --webUrl /sites/project-x --url 'Shared Documents/2019 report.docx' --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try archiveFile(spo, options, verb: "Archive")
        },
        command("file unarchive", "Reactivates an archived file", options: archiveOptions, sets: [["url", "id"]]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try archiveFile(spo, options, verb: "UnArchive")
        },
        command("folder archive", "Archives a folder", options: archiveOptions, sets: [["url", "id"]],
                examples: [("Without a prompt", "m365 spo folder archive --webUrl /sites/project-x --url 'Shared Documents/2019' --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            try options.requireGUIDs([.id])
            guard try spo.invocation.confirmed(options, archiveQuestion, needing: "archiving") else { return }
            let (label, base) = try address(web, options, kind: "Folder", url: .url, id: .id)
            let folder: JSONObject
            do throws(PluginFailure) {
                folder = try spo.get(base + "?$select=Exists,ListItemAllFields/Id,ListItemAllFields/ParentList/Id&$expand=ListItemAllFields,ListItemAllFields/ParentList")
            } catch { throw FolderCommands.folderFailure(error, label) }
            let name = options.string(.url) ?? label
            guard folder["Exists"]?.boolValue == true else { throw PluginFailure("The folder '\(name)' does not exist.", status: M365_ERR_NOT_FOUND) }
            guard let item = folder["ListItemAllFields"]?.objectValue, let list = item["ParentList"]?["Id"]?.stringValue, let itemId = item["Id"]?.intValue else {
                throw PluginFailure("The folder '\(name)' is the root folder of a document library and cannot be archived. Archive a subfolder instead.")
            }
            try spo.write(web + "/_api/Lists(guid'\(list)')/items(\(itemId))/Archive")
        },
    ]

    /// `file archive|unarchive`: the file's list and item, then `Archive` or `UnArchive` on the item.
    static func archiveFile(_ spo: SPOClient, _ options: Options, verb: String) throws(PluginFailure) {
        let web = try spo.webURL(options, .webUrl)
        try options.requireGUIDs([.id])
        guard try spo.invocation.confirmed(options, verb == "Archive" ? archiveQuestion : unarchiveQuestion, needing: verb == "Archive" ? "archiving" : "unarchiving") else { return }
        let (label, base) = try address(web, options, kind: "File", url: .url, id: .id)
        let file: JSONObject
        do throws(PluginFailure) {
            file = try spo.get(base + "?$select=ListId,ListItemAllFields/Id&$expand=ListItemAllFields")
        } catch { throw FileCommands.fileFailure(error, label) }
        guard let list = file["ListId"]?.stringValue, let itemId = file["ListItemAllFields"]?["Id"]?.intValue else {
            throw PluginFailure("SharePoint did not return the list item of the file \(label)", status: M365_ERR_SERVER)
        }
        try spo.write(web + "/_api/Lists(guid'\(list)')/items(\(itemId))/\(verb)")
    }

    /// `file version keep`: the version of that label never expires (`SetExpirationDate()` without a date).
    static let versionKeep = command("file version keep", "Ensures that a version of a file is never removed by automatic version trimming",
                                     options: FileVersionCommands.options + [option(.label, nil, "Label of the version, e.g. 1.0", required: true)],
                                     sets: FileVersionCommands.sets,
                                     examples: [("Keep 2.0", "m365 spo file version keep --webUrl /sites/project-x --fileUrl 'Shared Documents/plan.docx' --label 2.0")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
        let web = try spo.webURL(options, .webUrl)
        let (label, base) = try address(web, options, kind: "File", url: .fileUrl, id: .fileId)
        let wanted = options.string(.label) ?? ""
        var found: Int?
        do throws(PluginFailure) {
            try spo.forEachItem(base + "/versions?$filter=VersionLabel%20eq%20'\(FieldCommands.encoded(wanted))'&$select=ID") { version throws(PluginFailure) in
                if found == nil { found = version["ID"]?.intValue }
            }
        } catch { throw FileCommands.fileFailure(error, label) }
        guard let found else { throw PluginFailure("Version with label '\(wanted)' not found.") }
        do throws(PluginFailure) {
            try spo.write(base + "/versions(\(found))/SetExpirationDate()")
        } catch { throw FileCommands.fileFailure(error, label) }
    }
}

extension FolderOpsCommands {
    /// `file sharinginfo get`: the file's item and library, then `GetSharingInformation` on it; in
    /// text output one row per person with access (link invitees, then principals), as the CLI maps them.
    static let principalTypes = [0: "None", 1: "User", 2: "DistributionList", 3: "SecurityGroup", 8: "SharePointGroup", 15: "All"]

    static let sharingInfo = command("file sharinginfo get", "Gets who a file is shared with",
                                     options: [FileCommands.webUrl, option(.fileId, "i", "UniqueId (GUID) of the file"),
                                               option(.fileUrl, nil, "Site- or server-relative URL of the file")],
                                     sets: [["fileId", "fileUrl"]]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
        try options.requireGUIDs([.fileId])
        let web = try spo.webURL(options, .webUrl)
        let query = "?$select=ListItemAllFields/Id,ListItemAllFields/ParentList/Title&$expand=ListItemAllFields/ParentList"
        let label: String, address: String
        if let id = options.string(.fileId) {
            (label, address) = (id, web + "/_api/web/GetFileById('\(id)')/" + query)
        } else {
            let path = try SPOPath.serverRelative(options.string(.fileUrl) ?? "", web: web, option: "fileUrl")
            (label, address) = (path, web + "/_api/web/GetFileByServerRelativePath(decodedUrl='\(FieldCommands.encoded(path))')" + query)
        }
        let file: JSONObject
        do throws(PluginFailure) { file = try spo.get(address) } catch { throw FileCommands.fileFailure(error, label) }
        guard let itemId = file["ListItemAllFields"]?["Id"]?.intValue, let library = file["ListItemAllFields"]?["ParentList"]?["Title"]?.stringValue else {
            throw PluginFailure("SharePoint did not return the list item of the file \(label)", status: M365_ERR_SERVER)
        }
        let answer = try spo.write(web + "/_api/web/lists/getbytitle('\(FieldCommands.encoded(library))')/items(\(itemId))/GetSharingInformation?$select=permissionsInformation&$Expand=permissionsInformation")
        let info = answer ?? .object([:])
        guard spo.invocation.outputMode == "text" else { return try spo.invocation.emit(result: info) }
        func row(_ who: JSON?) -> JSON {
            let type = who?["principalType"]?.intValue ?? Int(who?["principalType"]?.stringValue ?? "") ?? -1
            return ["SharedWith": who?["name"] ?? .null, "IsActive": who?["isActive"] ?? .null, "IsExternal": who?["isExternal"] ?? .null,
                    "PrincipalType": principalTypes[type].map(JSON.string) ?? .null]
        }
        var rows: [JSON] = []
        for link in info["permissionsInformation"]?["links"]?.arrayValue ?? [] {
            for invitation in link["linkDetails"]?["Invitations"]?.arrayValue ?? [] { rows.append(row(invitation["invitee"])) }
        }
        for principal in info["permissionsInformation"]?["principals"]?.arrayValue ?? [] { rows.append(row(principal["principal"])) }
        try spo.invocation.emit(result: .array(rows))
    }
}
