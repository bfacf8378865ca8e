import PluginKit

/// Addressing files and folders by server-relative URL through a parameter alias
/// (`GetFolderByServerRelativePath(DecodedUrl=@f)?@f='…'`), as CLI for Microsoft 365 does: the
/// path stays fixed whatever the name, and names with quotes or `#` survive.
enum SPOPath {
    /// `{web}/_api/web/GetFolderByServerRelativePath(DecodedUrl=@f)<tail>?@f='<url>'&<query>`.
    static func folder(_ web: String, _ url: String, _ tail: String = "", query: [(String, String?)] = []) -> String {
        web + "/_api/web/GetFolderByServerRelativePath(DecodedUrl=@f)" + tail + OData.query([("@f", OData.quote(url))] + query)
    }

    static func file(_ web: String, _ url: String, _ tail: String = "", query: [(String, String?)] = []) -> String {
        web + "/_api/web/GetFileByServerRelativePath(DecodedUrl=@f)" + tail + OData.query([("@f", OData.quote(url))] + query)
    }

    /// A server-relative URL for a folder or file option given site-relative (`Shared Documents/a`),
    /// server-relative (`/sites/x/Shared Documents/a`) or absolute.
    static func serverRelative(_ value: String, web: String, option: String) throws(PluginFailure) -> String {
        let trimmed = value.trimmingSpaces
        guard !trimmed.isEmpty else { throw usage("--\(option) must not be empty") }
        if trimmed.lowercased().hasPrefix("http://") { throw usage("'\(value)' is not a valid URL for --\(option): use https or a server-relative path") }
        return SPOClient.serverRelative(listURL: trimmed, web: web)
    }

    /// The leaf of a URL (`a.txt` of `/sites/x/Shared Documents/a.txt`).
    static func leaf(_ url: String) -> String { String(url.split(separator: "/").last ?? "") }

    static func parent(_ url: String) -> String {
        guard let slash = url.lastIndex(of: "/"), slash != url.startIndex else { return "/" }
        return String(url[..<slash])
    }

    /// Characters SharePoint refuses in file and folder names.
    static func checkName(_ name: String, option: String) throws(PluginFailure) {
        guard !name.isEmpty, !name.contains(where: { "\"*:<>?/\\|".contains($0) }) else {
            throw usage("'\(name)' is not a valid name for --\(option): it must not be empty or contain \" * : < > ? / \\ |")
        }
    }
}

/// `spo folder …`: folders of document libraries.
enum FolderCommands {
    /// Folder colors by name and the number SharePoint stores (`ColorHex`), as CLI for Microsoft 365 names them.
    static let colors: [(String, String)] = [
        ("yellow", "0"), ("darkRed", "1"), ("darkOrange", "2"), ("darkGreen", "3"), ("darkTeal", "4"), ("darkBlue", "5"),
        ("darkPurple", "6"), ("darkPink", "7"), ("grey", "8"), ("lightRed", "9"), ("lightOrange", "10"), ("lightGreen", "11"),
        ("lightTeal", "12"), ("lightBlue", "13"), ("lightPurple", "14"), ("lightPink", "15"),
    ]

    static let webUrl = option(.webUrl, "u", "URL of the site (absolute, or server-relative like /sites/x)", required: true)
    static let defaults = ["Name", "ServerRelativeUrl"]

    /// A 404 on a folder as one clear line (SharePoint says only "File Not Found.").
    static func folderFailure(_ error: PluginFailure, _ url: String) -> PluginFailure {
        guard error.status == M365_ERR_NOT_FOUND else { return error }
        return PluginFailure("Folder '\(url)' does not exist (\(error.description.split(separator: " There is no").first ?? ""))", status: M365_ERR_NOT_FOUND)
    }

    /// `$select` for `--fields`; `ServerRelativeUrl` is added when a recursive walk needs it.
    static func select(_ options: Options, need: String? = nil) -> [(String, String?)] {
        guard var fields = options.list(.fields), !fields.isEmpty else { return [] }
        if let need, !fields.contains(where: { $0.lowercased() == need.lowercased() }) { fields.append(need) }
        return selectAndExpand(fields)
    }

    /// Streams the folders below `url`; with `recursive` each is followed by the folders below
    /// it (depth first, as the CLI lists them), so a folder's children are held until emitted.
    static func walk(_ spo: SPOClient, web: String, _ url: String, _ options: Options, recursive: Bool, count: inout Int) throws(PluginFailure) {
        var children: [JSONObject] = []
        let query = select(options, need: recursive ? "ServerRelativeUrl" : nil) + [("$filter", options.string(.filter))]
        let dropItemID = mentionsListItem(options)
        do throws(PluginFailure) {
            try spo.forEachItem(SPOPath.folder(web, url, "/Folders", query: query)) { folder throws(PluginFailure) in
                guard recursive else {
                    try spo.invocation.emit(item: .object(dropItemID ? withoutItemID(folder) : folder))
                    return count += 1
                }
                children.append(folder)
            }
        } catch { throw folderFailure(error, url) }
        for folder in children {
            try spo.invocation.emit(item: .object(dropItemID ? withoutItemID(folder) : folder))
            count += 1
            if let child = folder["ServerRelativeUrl"]?.stringValue { try walk(spo, web: web, child, options, recursive: true, count: &count) }
        }
    }

    /// True when --fields reaches into `ListItemAllFields`, whose `ID` the CLI then drops.
    static func mentionsListItem(_ options: Options) -> Bool {
        (options.list(.fields) ?? []).contains { $0.lowercased().contains("listitemallfields") }
    }

    /// The object without `ListItemAllFields.ID`, which clashes with `Id` in PowerShell (the
    /// CLI's reason for dropping it).
    static func withoutItemID(_ object: JSONObject) -> JSONObject {
        guard var item = object["ListItemAllFields"]?.objectValue else { return object }
        var out = object
        item["ID"] = nil
        out["ListItemAllFields"] = .object(item)
        return out
    }

    /// Creates `url`; with `ensureParents` missing parents first. Returns the new folder.
    /// A new folder (with `color`, created colored through folder coloring, as the CLI does).
    static func add(_ spo: SPOClient, web: String, _ url: String, ensureParents: Bool, color: String? = nil) throws(PluginFailure) -> JSON? {
        let target = color == nil ? web + "/_api/web/folders/addUsingPath(DecodedUrl=@f)" + OData.query([("@f", OData.quote(url))])
            : web + "/_api/foldercoloring/createfolder(DecodedUrl=\(pathLiteral(url)),%20overwrite=false)"
        let body: JSON? = color.map { ["coloringInformation": ["ColorHex": .string($0)]] }
        do throws(PluginFailure) {
            return try spo.write(target, body: body)
        } catch {
            guard ensureParents, error.status == M365_ERR_NOT_FOUND, SPOPath.parent(url).count > 1 else { throw folderFailure(error, SPOPath.parent(url)) }
            _ = try add(spo, web: web, SPOPath.parent(url), ensureParents: true, color: color)
            return try spo.write(target, body: body)
        }
    }

    /// The number SharePoint stores for `--color` (a name or the number itself).
    static func colorNumber(_ options: Options) -> String? {
        options.string(.color).map { color in colors.first { $0.0 == color }?.1 ?? color }
    }

    static let all: [PluginCommand] = [
        command("folder list", "Returns all folders under the specified parent folder",
                options: [webUrl, option(.parentFolderUrl, "p", "Site- or server-relative URL of the parent folder", required: true),
                          flag(.recursive, "r", "Include the folders of every subfolder"),
                          option(.fields, nil, "Comma-separated list of properties to retrieve"),
                          option(.filter, nil, "OData filter to apply to the folders")],
                defaults: defaults,
                examples: [("Folders of a library", "m365 spo folder list --webUrl /sites/project-x --parentFolderUrl 'Shared Documents'"),
                           ("Every folder below, recursively", "m365 spo folder list --webUrl /sites/project-x --parentFolderUrl 'Shared Documents' --recursive")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            let url = try SPOPath.serverRelative(options.string(.parentFolderUrl) ?? "", web: web, option: "parentFolderUrl")
            var count = 0
            try walk(spo, web: web, url, options, recursive: options.bool(.recursive), count: &count)
            if count == 0 { try spo.invocation.emit(result: []) }
        },

        command("folder get", "Gets information about the specified folder",
                options: [webUrl, option(.url, "f", "Site- or server-relative URL of the folder"), option(.id, "i", "UniqueId (GUID) of the folder"),
                          flag(.withPermissions, nil, "Include the role assignments of the folder's list item")],
                sets: [["url", "id"]],
                examples: [("By URL", "m365 spo folder get --webUrl /sites/project-x --url 'Shared Documents/Reports'"),
                           ("Who may use it", "m365 spo folder get --webUrl /sites/project-x --url '/Shared Documents/Reports' --withPermissions")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.id])
            let web = try spo.webURL(options, .webUrl)
            // As the CLI: the item's role assignments expanded through ListItemAllFields.
            let query: [(String, String?)] = options.bool(.withPermissions)
                ? [("$expand", "ListItemAllFields/HasUniqueRoleAssignments,ListItemAllFields/RoleAssignments/Member,ListItemAllFields/RoleAssignments/RoleDefinitionBindings")] : []
            let label = options.string(.id) ?? ""
            var folder: JSONObject
            if let id = options.string(.id) {
                do throws(PluginFailure) { folder = try spo.get(web + "/_api/web/GetFolderById(\(OData.quote(id)))" + OData.query(query)) }
                catch { throw folderFailure(error, label) }
            } else {
                let url = try SPOPath.serverRelative(options.string(.url) ?? "", web: web, option: "url")
                do throws(PluginFailure) { folder = try spo.get(SPOPath.folder(web, url, query: query)) }
                catch { throw folderFailure(error, url) }
            }
            if options.bool(.withPermissions) {
                guard var item = folder["ListItemAllFields"]?.objectValue else {
                    throw PluginFailure("Please ensure the specified folder URL or folder Id does not refer to a root folder. Use 'spo list get' with withPermissions instead.")
                }
                item["RoleAssignments"] = .array((item["RoleAssignments"]?.arrayValue ?? []).map { Permissions.assignment($0, principalType: true, friendly: true) })
                folder["ListItemAllFields"] = .object(item)
            }
            try spo.invocation.emit(result: .object(folder))
        },

        command("folder add", "Creates a folder within a parent folder (differs from CLI for Microsoft 365: with --ensureParentFolders the folder is created first and its parents only when that fails, so existing parents cost no request)",
                options: [webUrl, option(.parentFolderUrl, "p", "Site- or server-relative URL of the parent folder", required: true),
                          option(.name, "n", "Name of the new folder", required: true),
                          flag(.ensureParentFolders, nil, "Create the parent folders that do not exist yet"),
                          option(.color, nil, "Color of the folder: a name or its number (0-15)", allowed: colors.map(\.0) + colors.map(\.1))],
                examples: [("A folder in a library", "m365 spo folder add --webUrl /sites/project-x --parentFolderUrl 'Shared Documents' --name Reports"),
                           ("With its parents", "m365 spo folder add --webUrl /sites/project-x --parentFolderUrl 'Shared Documents/2026/Q1' --name Reports --ensureParentFolders")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let name = options.string(.name) ?? ""
            try SPOPath.checkName(name, option: "name")
            let web = try spo.webURL(options, .webUrl)
            let parent = try SPOPath.serverRelative(options.string(.parentFolderUrl) ?? "", web: web, option: "parentFolderUrl")
            let created = try add(spo, web: web, parent + "/" + name, ensureParents: options.bool(.ensureParentFolders), color: colorNumber(options))
            try spo.invocation.emit(result: created.map { .object(SPOClient.unwrapVerbose($0.objectValue ?? [:])) } ?? .null)
        },

        command("folder set", "Updates a folder: its name, its color or both", aliases: ["folder rename"],
                options: [webUrl, option(.url, nil, "Site- or server-relative URL of the folder", required: true),
                          option(.name, "n", "New name of the folder"),
                          option(.color, nil, "Color of the folder: a name or its number (0-15)", allowed: colors.map(\.0) + colors.map(\.1))],
                examples: [("Rename", "m365 spo folder set --webUrl /sites/project-x --url 'Shared Documents/Reports' --name Archive"),
                           ("Color", "m365 spo folder set --webUrl /sites/project-x --url 'Shared Documents/Reports' --color darkGreen")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            guard options.has(.name) || options.has(.color) else { throw usage("Specify at least one of the options: name or color.") }
            if let name = options.string(.name) { try SPOPath.checkName(name, option: "name") }
            let web = try spo.webURL(options, .webUrl)
            let url = try SPOPath.serverRelative(options.string(.url) ?? "", web: web, option: "url")
            var rootFolder = false
            do throws(PluginFailure) {
                if let color = options.string(.color) {
                    // Folder coloring names the folder and its new name in one call, as CLI for Microsoft 365 sends it.
                    let number = colorNumber(options) ?? color
                    let verb = options.has(.name) ? "renamefolder" : "stampcolor"
                    var body: JSONObject = ["coloringInformation": ["ColorHex": .string(number)]]
                    if let name = options.string(.name) { body["newName"] = .string(name) }
                    try spo.write(web + "/_api/foldercoloring/\(verb)(DecodedUrl=@f)" + OData.query([("@f", OData.quote(url))]), body: .object(body))
                } else {
                    // A PATCH of the folder's list item, as the CLI; a root folder has none.
                    let name = options.string(.name) ?? ""
                    let answer = try spo.send("PATCH", SPOPath.folder(web, url, "/ListItemAllFields"), body: ["FileLeafRef": .string(name), "Title": .string(name)],
                                              headers: [("IF-MATCH", "*")])
                    rootFolder = answer?["odata.null"]?.boolValue == true
                }
            } catch { throw folderFailure(error, url) }
            if rootFolder { throw PluginFailure("Folder not found.", status: M365_ERR_NOT_FOUND) }
        },

        command("folder remove", "Deletes the specified folder",
                options: [webUrl, option(.url, nil, "Site- or server-relative URL of the folder"), option(.id, "i", "UniqueId (GUID) of the folder"),
                          flag(.recycle, nil, "Move the folder to the recycle bin instead of deleting it"), forceOption],
                sets: [["url", "id"]],
                examples: [("Into the recycle bin", "m365 spo folder remove --webUrl /sites/project-x --url 'Shared Documents/Old' --recycle --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.id])
            let web = try spo.webURL(options, .webUrl)
            let label: String
            let base: (String) -> String
            if let id = options.string(.id) {
                label = id
                base = { tail in web + "/_api/web/GetFolderById(\(OData.quote(id)))" + tail }
            } else {
                let url = try SPOPath.serverRelative(options.string(.url) ?? "", web: web, option: "url")
                label = url
                base = { tail in SPOPath.folder(web, url, tail) }
            }
            guard try spo.invocation.confirmedRemoval(options, "the folder \(label)") else { return }
            do throws(PluginFailure) {
                if options.bool(.recycle) {
                    try spo.write(base("/recycle()"), tunnel: "DELETE")
                } else {
                    try spo.write(base(""), tunnel: "DELETE")
                }
            } catch { throw folderFailure(error, label) }
        },
    ]
}
