import PluginKit

/// `spo listitem attachment list|add|get|remove|set`: the files attached to a list item
/// (`{list}/items(n)/AttachmentFiles`), addressed as CLI for Microsoft 365 addresses them.
enum ListItemAttachmentCommands {
    typealias K = RoleOptionKeys

    static let webUrl = option(.webUrl, "u", "URL of the site (absolute, or server-relative like /sites/x)", required: true)
    static let lists = [option(.listId, nil, "ID of the list"), option(.listTitle, nil, "Title of the list"),
                        option(.listUrl, nil, "Server- or site-relative URL of the list")]
    static let itemId = option(K.listItemId, nil, "ID of the list item", required: true)
    static let listSet = [["listId", "listTitle", "listUrl"]]

    /// The item's URL: `{web}/_api/web/lists(guid'…')|lists/getByTitle('…')|GetList('…')/items(n)`.
    /// `notNumber` words a bad --listItemId as the command does; `parseInt` whether the command
    /// reads it as JavaScript's parseInt (else as Number()).
    static func item(_ spo: SPOClient, _ options: Options, guidMessage: @escaping (String) -> String,
                     parseInt: Bool, notNumber: (String) -> String) throws(PluginFailure) -> (web: String, item: String) {
        let id = options.string(K.listItemId) ?? ""
        let valid = parseInt ? CLIArguments.parsesAsInteger(id) : (Double(id.trimmingSpaces) != nil || id.trimmingSpaces.isEmpty)
        try CLIArguments.requireGUID(options, .listId, guidMessage)
        if !valid { throw usage(notNumber(id)) }
        let web = try spo.webURL(options, .webUrl)
        return (web, try ListViewCommands.listPath(web, options, getByTitle: "getByTitle") + "/items(\(id))")
    }

    /// The name an upload is stored under: `--fileName` with the local file's extension added
    /// when it lacks it (as the CLI: the text after the path's last dot), else the file's own name.
    static func uploadName(_ path: String, _ name: String?) -> String {
        guard let name else { return String(path.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? Substring(path)) }
        let ext = path.split(separator: ".", omittingEmptySubsequences: false).last.map(String.init) ?? path
        return name.hasSuffix("." + ext) ? name : name + "." + ext
    }

    static func localBytes(_ options: Options) throws(PluginFailure) -> [UInt8] {
        let path = options.string(.filePath) ?? ""
        do throws(PluginFailure) { return try readLocalFile(path) } catch { throw usage("File with path '\(path)' was not found.") }
    }

    static func listLabel(_ options: Options) -> String {
        options.string(.listId) ?? options.string(.listTitle) ?? options.string(.listUrl) ?? ""
    }

    static let all: [PluginCommand] = [
        command("listitem attachment list", "Gets the attachments associated to a list item",
                options: [webUrl, itemId] + lists, sets: listSet, defaults: ["FileName", "ServerRelativeUrl"],
                examples: [("Attachments of item 1", "m365 spo listitem attachment list --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle 'Demo List' --listItemId 1")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let (_, item) = try item(spo, options, guidMessage: CLIArguments.notGUID(in: .listId), parseInt: true) { "\($0) is not a number" }
            let found = try spo.get(item + "?$select=AttachmentFiles&$expand=AttachmentFiles")
            try spo.invocation.emit(result: found["AttachmentFiles"] ?? .array([]))
        },

        command("listitem attachment add", "Adds an attachment to a list item",
                options: [webUrl] + lists + [itemId, option(.filePath, "p", "Local path of the file to attach", required: true),
                                             option(.fileName, "n", "Name to store the attachment under (the local file's extension is added when missing)")],
                sets: listSet,
                examples: [("Attach a file", "m365 spo listitem attachment add --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle 'Demo List' --listItemId 1 --filePath ./report.docx")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let (_, item) = try item(spo, options, guidMessage: { "\($0) in option listId is not a valid GUID." }, parseInt: false) { "\($0) in option listItemId is not a valid number." }
            let bytes = try localBytes(options)
            let name = uploadName(options.string(.filePath) ?? "", options.string(.fileName))
            do throws(PluginFailure) {
                let added = try spo.upload(item + "/AttachmentFiles/add(FileName=\(pathLiteral(name)))", bytes: bytes)
                try spo.invocation.emit(result: .object(added))
            } catch {
                // A name already in use: the first sentence of SharePoint's message, as the CLI prints it.
                let text = error.description
                if let cut = text.firstRange(of: " The document or folder name was not changed.") {
                    throw PluginFailure(String(text[..<cut.lowerBound]), status: error.status)
                }
                throw error
            }
        },

        command("listitem attachment get", "Gets an attachment from a list item",
                options: [webUrl] + lists + [itemId, option(.fileName, "n", "Name of the attachment", required: true)], sets: listSet,
                examples: [("One attachment", "m365 spo listitem attachment get --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle 'Demo List' --listItemId 1 --fileName report.docx")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let (_, item) = try item(spo, options, guidMessage: { "\($0) in option listId is not a valid GUID." }, parseInt: false) { "\($0) is not a number." }
            try spo.invocation.emit(result: .object(try spo.get(item + "/AttachmentFiles(\(pathLiteral(options.string(.fileName) ?? "")))")))
        },

        command("listitem attachment remove", "Removes an attachment from a list item",
                options: [webUrl] + lists + [itemId, option(.fileName, "n", "Name of the attachment", required: true), forceOption], sets: listSet,
                examples: [("Without a prompt", "m365 spo listitem attachment remove --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle 'Demo List' --listItemId 1 --fileName report.docx --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let (web, item) = try item(spo, options, guidMessage: CLIArguments.notGUID(in: .listId), parseInt: false) { "\($0) is not a number" }
            let name = options.string(.fileName) ?? ""
            let question = "Are you sure you want to remove the attachment \(name) of item with id \(options.string(K.listItemId) ?? "") from the list \(listLabel(options)) in site \(web)?"
            guard try spo.invocation.confirmed(options, question, needing: "removing the attachment \(name)") else { return }
            try spo.send("POST", item + "/AttachmentFiles(\(pathLiteral(name)))", headers: [("X-HTTP-Method", "DELETE"), ("If-Match", "*")])
        },

        command("listitem attachment set", "Updates an attachment from a list item",
                options: [webUrl] + lists + [itemId, option(.filePath, "p", "Local path of the file with the new content", required: true),
                                             option(.fileName, "n", "Name of the attachment to update (the local file's extension is added when missing)", required: true)],
                sets: listSet,
                examples: [("New content for an attachment", "m365 spo listitem attachment set --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle 'Demo List' --listItemId 1 --filePath ./report.docx --fileName report")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let (_, item) = try item(spo, options, guidMessage: { "\($0) in option listId is not a valid GUID." }, parseInt: false) { "\($0) in option listItemId is not a valid number." }
            let bytes = try localBytes(options)
            let name = uploadName(options.string(.filePath) ?? "", options.string(.fileName))
            try spo.answer("PUT", item + "/AttachmentFiles(\(pathLiteral(name)))/$value", raw: ("application/octet-stream", bytes))
        },
    ]
}
