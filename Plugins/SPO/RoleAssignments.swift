import PluginKit

/// The options of the role assignment and inheritance commands that no other command declares.
enum RoleOptionKeys {
    static let principalId = OptionKey<String>("principalId")
    static let upn = OptionKey<String>("upn")
    static let roleDefinitionId = OptionKey<String>("roleDefinitionId")
    static let roleDefinitionName = OptionKey<String>("roleDefinitionName")
    static let listItemId = OptionKey<String>("listItemId")
    static let clearExistingPermissions = OptionKey<Bool>("clearExistingPermissions")
}

/// `spo <web|list|listitem|file|folder> roleassignment add|remove` and `… roleinheritance
/// break|reset`: one implementation for the five securable objects, which differ only in the
/// options that name the object, the URL of the object and a few of CLI for Microsoft 365's
/// per-command choices (how a user is found, how a missing permission level is reported).
enum RoleAssignmentCommands {
    typealias K = RoleOptionKeys

    enum Kind: String, CaseIterable {
        case list, listitem, web, file, folder

        /// How the object is named in confirmations.
        var noun: String {
            switch self {
            case .list: "list"
            case .listitem: "list item"
            case .web: "site"
            case .file: "file"
            case .folder: "folder"
            }
        }
    }

    enum Verb { case add, remove, breakInheritance, resetInheritance }

    static let webUrl = option(.webUrl, "u", "URL of the site (absolute, or server-relative like /sites/x)", required: true)

    /// The options that name the object, in the CLI's order and with its short forms (which
    /// differ from one command to the next).
    static func selectors(_ kind: Kind, _ verb: Verb) -> (options: [OptionSpec], sets: [[String]]) {
        let listSet = ["listId", "listTitle", "listUrl"]
        func lists(id: String?, title: String?) -> [OptionSpec] {
            [option(.listId, id, "ID of the list"), option(.listTitle, title, "Title of the list"),
             option(.listUrl, nil, "Server- or site-relative URL of the list")]
        }
        let itemId = option(K.listItemId, nil, "ID of the list item", required: true)
        switch kind {
        case .web: return ([], [])
        case .list: return (lists(id: "i", title: "t"), [listSet])
        case .listitem:
            switch verb {
            case .add: return ([itemId] + lists(id: nil, title: nil), [listSet])
            case .remove: return (lists(id: "i", title: "t") + [itemId], [listSet])
            case .breakInheritance: return ([itemId] + lists(id: "l", title: "t"), [listSet])
            case .resetInheritance: return ([itemId] + lists(id: nil, title: nil), [listSet])
            }
        case .file:
            return ([option(.fileUrl, nil, "Server- or site-relative URL of the file"), option(.fileId, "i", "UniqueId (GUID) of the file")], [["fileId", "fileUrl"]])
        case .folder:
            return ([option(.folderUrl, nil, "Server- or site-relative URL of the folder", required: true)], [])
        }
    }

    static let principals = [option(K.principalId, nil, "SharePoint ID of the principal (a site user or group)"),
                             option(K.upn, nil, "User principal name of the user"),
                             option(.groupName, nil, "Name of the SharePoint group"),
                             option(.entraGroupId, nil, "Object id of a security-enabled Entra group"),
                             option(.entraGroupName, nil, "Display name of a security-enabled Entra group")]
    static let principalSet = ["principalId", "upn", "groupName", "entraGroupId", "entraGroupName"]
    static let roles = [option(K.roleDefinitionId, nil, "ID of the role definition (permission level)"),
                        option(K.roleDefinitionName, nil, "Name of the role definition (permission level), e.g. Read")]

    // MARK: The object

    /// The object's URL (`{web}/_api/web`, `…/lists(guid'…')`, `…/items(5)`, `…/ListItemAllFields`),
    /// as the command's CLI counterpart addresses it.
    static func target(_ spo: SPOClient, _ kind: Kind, _ verb: Verb, _ web: String, _ options: Options) throws(PluginFailure) -> String {
        switch kind {
        case .web:
            return web + "/_api/web"
        case .list:
            return try ListViewCommands.listPath(web, options, getByTitle: "getByTitle")
        case .listitem:
            let id = try itemId(options)
            // Breaking and resetting an item's inheritance spell `getbytitle` in lower case.
            let spelling = verb == .breakInheritance || verb == .resetInheritance ? "getbytitle" : "getByTitle"
            return try ListViewCommands.listPath(web, options, getByTitle: spelling) + "/items(\(id))"
        case .file:
            try options.requireGUIDs([.fileId])
            var url: String
            if let id = options.string(.fileId) {
                guard let found = try spo.get(web + "/_api/web/GetFileById(\(pathLiteral(id)))")["ServerRelativeUrl"]?.stringValue else {
                    throw PluginFailure("SharePoint did not return the URL of the file \(id)", status: M365_ERR_SERVER)
                }
                url = found
            } else {
                url = SPOClient.serverRelative(listURL: options.string(.fileUrl) ?? "", web: web)
            }
            return web + "/_api/web/GetFileByServerRelativePath(DecodedUrl=\(pathLiteral(url)))/ListItemAllFields"
        case .folder:
            let url = SPOClient.serverRelative(listURL: options.string(.folderUrl) ?? "", web: web)
            // A library's or list's root folder (one segment below the web) is the list itself.
            let base = SPOClient.serverRelative(web)
            let below = base == "/" ? url : String(url.dropFirst(base.count))
            if below.split(separator: "/").count == 1 { return web + "/_api/web/GetList(\(pathLiteral(url)))" }
            return web + "/_api/web/GetFolderByServerRelativePath(DecodedUrl=\(pathLiteral(url)))/ListItemAllFields"
        }
    }

    static func itemId(_ options: Options) throws(PluginFailure) -> Int {
        let text = options.string(K.listItemId) ?? ""
        guard let n = Int(text), n >= 0 else { throw usage("'\(text)' is not a valid list item id for --listItemId: use a whole number") }
        return n
    }

    /// How the user named the object, for confirmations.
    static func label(_ kind: Kind, _ options: Options) -> String {
        switch kind {
        case .web: options.string(.webUrl) ?? ""
        case .list: ListSelector.forItems.label(options)
        case .listitem: "\(options.string(K.listItemId) ?? "") in list \(ListSelector.forItems.label(options))"
        case .file: options.string(.fileUrl) ?? options.string(.fileId) ?? ""
        case .folder: options.string(.folderUrl) ?? ""
        }
    }

    // MARK: Principals and role definitions

    /// Checks the shapes of the principal and role options before anything is sent.
    static func checkPrincipal(_ options: Options) throws(PluginFailure) {
        _ = try options.wholeNumber(K.principalId, what: "principal id")
        _ = try options.wholeNumber(K.roleDefinitionId, what: "role definition id")
        if let upn = options.string(K.upn), !looksLikeUPN(upn) {
            throw usage("'\(upn)' is not a valid user principal name for --upn: use one like megan.bowen@contoso.com")
        }
        try options.requireGUIDs([.entraGroupId])
    }

    /// The site principal's id: given, or found as the CLI finds it (a user by `EnsureUser` for
    /// lists, by e-mail elsewhere; a SharePoint group by name; an Entra group ensured by its claim).
    static func principalId(_ spo: SPOClient, _ kind: Kind, _ web: String, _ options: Options) throws(PluginFailure) -> Int {
        if let id = try options.wholeNumber(K.principalId, what: "principal id") { return id }
        let found: JSONObject
        if let upn = options.string(K.upn) {
            found = kind == .list ? try spo.ensureUser(web, logonName: upn) : try spo.get(web + "/_api/web/siteusers/GetByEmail(\(pathLiteral(upn)))")
        } else if let name = options.string(.groupName) {
            found = try spo.get(web + "/_api/web/sitegroups/GetByName(\(pathLiteral(name)))")
        } else {
            let group = try spo.entraGroup(id: options.string(.entraGroupId), name: options.string(.entraGroupName))
            guard group["securityEnabled"]?.boolValue == true else {
                throw PluginFailure("The Entra group \(group["displayName"]?.stringValue ?? "") is not security-enabled, so SharePoint cannot take it as a principal",
                                    status: M365_ERR_INVALID_ARGUMENT)
            }
            found = try spo.ensureUser(web, logonName: SPOClient.groupClaim(group))
        }
        guard let id = found["Id"]?.intValue else { throw PluginFailure("SharePoint did not return the principal's id", status: M365_ERR_SERVER) }
        return id
    }

    /// The role definition's id: given, or the one of that exact name among the site's.
    static func roleDefinitionId(_ spo: SPOClient, _ kind: Kind, _ web: String, _ options: Options) throws(PluginFailure) -> Int {
        if let id = try options.wholeNumber(K.roleDefinitionId, what: "role definition id") { return id }
        let name = options.string(K.roleDefinitionName) ?? ""
        var found: Int?
        try spo.forEachItem(web + "/_api/web/roledefinitions") { d throws(PluginFailure) in
            if found == nil, d["Name"]?.stringValue == name { found = d["Id"]?.intValue }
        }
        guard let found else {
            // The CLI's two wordings: the folder command's, and the others'.
            throw PluginFailure(kind == .folder ? "The specified role definition name '\(name)' does not exist." : "No roledefinition is found for \(name)",
                                status: M365_ERR_NOT_FOUND)
        }
        return found
    }

    // MARK: Commands

    static func addCommand(_ kind: Kind) -> PluginCommand {
        let (objectOptions, sets) = selectors(kind, .add)
        let example = "m365 spo \(kind.rawValue) roleassignment add --webUrl https://contoso.sharepoint.com/sites/project-x\(exampleObject(kind)) --upn megan.bowen@contoso.com --roleDefinitionName Read"
        return command("\(kind.rawValue) roleassignment add", "Adds a role assignment to the permissions of a \(kind.noun)",
                       options: [webUrl] + objectOptions + principals + roles, sets: sets + [principalSet, ["roleDefinitionId", "roleDefinitionName"]],
                       examples: [("Read for a user", example)]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try checkPrincipal(options)
            let web = try spo.webURL(options, .webUrl)
            let object = try target(spo, kind, .add, web, options)
            let role = try roleDefinitionId(spo, kind, web, options)
            let principal = try principalId(spo, kind, web, options)
            try spo.write(object + "/roleassignments/addroleassignment(principalid='\(principal)',roledefid='\(role)')")
        }
    }

    static func removeCommand(_ kind: Kind) -> PluginCommand {
        let (objectOptions, sets) = selectors(kind, .remove)
        let example = "m365 spo \(kind.rawValue) roleassignment remove --webUrl https://contoso.sharepoint.com/sites/project-x\(exampleObject(kind)) --upn megan.bowen@contoso.com --force"
        return command("\(kind.rawValue) roleassignment remove", "Removes a role assignment from the permissions of a \(kind.noun)",
                       options: [webUrl] + objectOptions + principals + [forceOption], sets: sets + [principalSet],
                       examples: [("A user's assignment, without a prompt", example)]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try checkPrincipal(options)
            if kind == .listitem { _ = try itemId(options) }
            let web = try spo.webURL(options, .webUrl)
            guard try spo.invocation.confirmed(options, "Remove the role assignment from \(kind.noun) \(label(kind, options))?",
                                               needing: "removing a role assignment from \(kind.noun) \(label(kind, options))") else { return }
            let object = try target(spo, kind, .remove, web, options)
            let principal = try principalId(spo, kind, web, options)
            try spo.write(object + "/roleassignments/removeroleassignment(principalid='\(principal)')")
        }
    }

    static func breakCommand(_ kind: Kind) -> PluginCommand {
        let (objectOptions, sets) = selectors(kind, .breakInheritance)
        let example = "m365 spo \(kind.rawValue) roleinheritance break --webUrl https://contoso.sharepoint.com/sites/project-x\(exampleObject(kind)) --clearExistingPermissions --force"
        return command("\(kind.rawValue) roleinheritance break", "Breaks the role inheritance of a \(kind.noun): it keeps a copy of its parent's permissions unless told to clear them",
                       options: [webUrl] + objectOptions + [flag(K.clearExistingPermissions, "c", "Start with no permissions instead of a copy of the parent's"), forceOption],
                       sets: sets, examples: [("With no permissions copied, without a prompt", example)]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            if kind == .listitem { _ = try itemId(options) }
            let web = try spo.webURL(options, .webUrl)
            guard try spo.invocation.confirmed(options, "Break the role inheritance of \(kind.noun) \(label(kind, options))?",
                                               needing: "breaking the role inheritance of \(kind.noun) \(label(kind, options))") else { return }
            let object = try target(spo, kind, .breakInheritance, web, options)
            let keep = !options.bool(K.clearExistingPermissions)
            try spo.write(object + "/breakroleinheritance(\(keep))")
        }
    }

    static func resetCommand(_ kind: Kind) -> PluginCommand {
        let (objectOptions, sets) = selectors(kind, .resetInheritance)
        let example = "m365 spo \(kind.rawValue) roleinheritance reset --webUrl https://contoso.sharepoint.com/sites/project-x\(exampleObject(kind)) --force"
        return command("\(kind.rawValue) roleinheritance reset", "Restores the role inheritance of a \(kind.noun): it takes its parent's permissions again",
                       options: [webUrl] + objectOptions + [forceOption], sets: sets,
                       examples: [("Without a prompt", example)]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            if kind == .listitem { _ = try itemId(options) }
            let web = try spo.webURL(options, .webUrl)
            guard try spo.invocation.confirmed(options, "Reset the role inheritance of \(kind.noun) \(label(kind, options))?",
                                               needing: "resetting the role inheritance of \(kind.noun) \(label(kind, options))") else { return }
            let object = try target(spo, kind, .resetInheritance, web, options)
            try spo.write(object + "/resetroleinheritance")
        }
    }

    static func exampleObject(_ kind: Kind) -> String {
        switch kind {
        case .web: ""
        case .list: " --listTitle Documents"
        case .listitem: " --listTitle Tasks --listItemId 1"
        case .file: " --fileUrl '/Shared Documents/Report.docx'"
        case .folder: " --folderUrl '/Shared Documents/Reports'"
        }
    }

    static let all: [PluginCommand] = Kind.allCases.flatMap { kind in
        [addCommand(kind), removeCommand(kind), breakCommand(kind), resetCommand(kind)]
    }
}
