import GraphKit

/// `outlook mail send`, `outlook message …`, `outlook mailbox settings get`.
enum OutlookCommands {
    /// Graph refuses a sendMail request over 4 MB; attachments travel base64-encoded inside it.
    static let sendMailLimit = 4 * 1024 * 1024
    static let mailbox = [option(.userId, nil, "The ID of the mailbox's user (app-only connections)"),
                          option(.userName, nil, "The user name of the mailbox's user (app-only connections)")]

    /// `/me` or `/users/{id}` for the mailbox the options name.
    static func owner(_ options: Options, appOnly: Bool = false) throws(PluginFailure) -> String {
        try options.exclusive([.userId, .userName])
        if !options.has(.userId) && !options.has(.userName) && appOnly {
            throw usage("You must specify either the userId or userName option when using app-only permissions.")
        }
        return (options.string(.userId) ?? options.string(.userName)).map { "/users/\(OData.segment($0))" } ?? "/me"
    }

    static func recipients(_ list: [String]?) -> JSON {
        .array((list ?? []).map { ["emailAddress": ["address": .string($0)]] })
    }

    /// The folder names Outlook knows by themselves; any other name is looked up by display name.
    static let wellKnownFolders: Set<String> = [
        "archive", "clutter", "conflicts", "conversationhistory", "deleteditems", "drafts", "inbox", "junkemail", "localfailures",
        "msgfolderroot", "outbox", "recoverableitemsdeletions", "scheduled", "searchfolders", "sentitems", "serverfailures", "syncissues",
    ]

    /// The folder given by `--<id>`, or by `--<name>`: a well-known name as it is, any other name looked up by display name.
    static func folder(_ graph: GraphClient, _ base: String, _ options: Options, id: OptionKey<String>, name: OptionKey<String>) throws(PluginFailure) -> String? {
        if let value = options.string(id) { return value }
        guard let value = options.string(name) else { return nil }
        if wellKnownFolders.contains(value.lowercased()) { return value }
        let found = try graph.all("\(base)/mailFolders" + OData.query([("$filter", "displayName eq \(OData.quote(value))"), ("$select", "id")]))
        guard let first = found.first else { throw PluginFailure("Folder with name '\(value)' not found", status: M365_ERR_NOT_FOUND) }
        guard found.count == 1 else {
            throw PluginFailure("Multiple folders with name '\(value)' found. Found: \(found.compactMap { $0["id"]?.stringValue }.joined(separator: ", ")).")
        }
        return first["id"]?.stringValue
    }

    static let all: [PluginCommand] = [
        command("mail send", "Sends an email",
                options: [option(.to, "t", "Comma-separated recipients", required: true), option(.cc, nil, "Comma-separated cc recipients"),
                          option(.bcc, nil, "Comma-separated bcc recipients"), option(.subject, "s", "The subject", required: true),
                          option(.bodyContents, nil, "The body", required: true),
                          option(.bodyContentType, nil, "The body's format", allowed: ["Text", "HTML"], defaultValue: "Text"),
                          option(.saveToSentItems, nil, "Keep a copy in Sent Items (default: Graph's, which keeps one)"),
                          option(.importance, nil, "The importance", allowed: ["low", "normal", "high"]),
                          option(.attachment, nil, "A file to attach, once per file (commas separate files too: an addition of this m365)", repeatable: true),
                          option(.sender, nil, "Send as this user (ID or user name; required with app-only connections)"),
                          option(.mailbox, "m", "The shared mailbox to send from (sets the message's from)")],
                examples: [("A report with an attachment", "m365 outlook mail send --to adele@contoso.com --subject Report --bodyContents 'See attached' --attachment report.pdf")]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            var attachments: [JSON] = []
            var size = 0
            for path in options.list(.attachment) ?? [] {
                let bytes = try readLocalFile(path)
                size += bytes.count * 4 / 3
                guard size < sendMailLimit else {
                    throw usage("Exceeded the max total size of attachments which is 3MB.")
                }
                let name = String(path.split(separator: "/").last ?? Substring(path))
                attachments.append(["@odata.type": "#microsoft.graph.fileAttachment", "name": .string(name), "contentBytes": .string(Base64.encode(bytes))])
            }
            var message: JSONObject = [
                "subject": JSON(options.string(.subject)),
                "body": ["contentType": .string(options.string(.bodyContentType) ?? "Text"), "content": JSON(options.string(.bodyContents))],
                "toRecipients": recipients(options.list(.to)),
            ]
            if options.has(.cc) { message["ccRecipients"] = recipients(options.list(.cc)) }
            if options.has(.bcc) { message["bccRecipients"] = recipients(options.list(.bcc)) }
            if let importance = options.string(.importance) { message["importance"] = .string(importance) }
            if !attachments.isEmpty { message["attachments"] = .array(attachments) }
            if let mailbox = options.string(.mailbox) { message["from"] = ["emailAddress": ["address": .string(mailbox)]] }
            if graph.invocation.setting("connection.isAppOnly") == "true" && !options.has(.sender) {
                throw usage("Specify a upn or user id in the 'sender' option when using app only authentication.")
            }
            let sender = options.string(.sender).map { "/users/\(OData.segment($0))" } ?? "/me"
            var body: JSONObject = ["message": .object(message)]
            if let save = options.optionalBool(.saveToSentItems) { body["saveToSentItems"] = .bool(save) }
            try graph.send("POST", "\(sender)/sendMail", body: .object(body))
        },

        command("message list", "Lists the messages of a folder (all folders when none is named)",
                options: [option(.folderName, nil, "A folder name or well-known name (inbox, sentitems, drafts, deleteditems, archive)"),
                          option(.folderId, nil, "The ID of the folder"), option(.startTime, nil, "Only messages received at or after this time"),
                          option(.endTime, nil, "Only messages received before this time")] + mailbox,
                defaults: ["subject", "receivedDateTime"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.exclusive([.folderName, .folderId])
            for key in [OptionKey<String>.startTime, .endTime] {
                if let v = options.string(key), !isISODateTime(v) { throw usage("'\(v)' is not a valid ISO date string for option \(key.name).") }
            }
            let base = try owner(options, appOnly: graph.invocation.setting("connection.isAppOnly") == "true")
            let path = try folder(graph, base, options, id: .folderId, name: .folderName).map { "\(base)/mailFolders/\(OData.segment($0))/messages" } ?? "\(base)/messages"
            var terms: [String] = []
            if let start = options.string(.startTime) { terms.append("receivedDateTime ge \(start)") }
            if let end = options.string(.endTime) { terms.append("receivedDateTime lt \(end)") }
            try graph.list(path + OData.query([("$top", "100"), ("$filter", terms.isEmpty ? nil : terms.joined(separator: " and "))]))
        },

        command("message get", "Gets a message", options: [option(.id, "i", "The ID of the message", required: true)] + mailbox) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try graph.invocation.emit(result: .object(try graph.get("\(try owner(options, appOnly: graph.invocation.setting("connection.isAppOnly") == "true"))/messages/\(OData.segment(options.string(.id) ?? ""))")))
        },

        command("message move", "Moves a message to another folder; outputs the moved message (differs from CLI for Microsoft 365, which prints nothing)",
                options: [option(.id, "i", "The ID of the message", required: true),
                          option(.sourceFolderName, nil, "The folder it is in"), option(.sourceFolderId, nil, "The ID of the folder it is in"),
                          option(.targetFolderName, nil, "The folder to move it to"), option(.targetFolderId, nil, "The ID of the folder to move it to")] + mailbox,
                sets: [["sourceFolderName", "sourceFolderId"], ["targetFolderName", "targetFolderId"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let base = try owner(options, appOnly: graph.invocation.setting("connection.isAppOnly") == "true")
            let source = try folder(graph, base, options, id: .sourceFolderId, name: .sourceFolderName) ?? ""
            let target = try folder(graph, base, options, id: .targetFolderId, name: .targetFolderName) ?? ""
            let moved = try graph.send("POST", "\(base)/mailFolders/\(OData.segment(source))/messages/\(OData.segment(options.string(.id) ?? ""))/move",
                                       body: ["destinationId": .string(target)])
            try graph.invocation.emit(result: moved ?? .null)
        },

        command("message remove", "Removes a message", options: [option(.id, "i", "The ID of the message", required: true)] + mailbox + [forceOption]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = options.string(.id) ?? ""
            let base = try owner(options, appOnly: graph.invocation.setting("connection.isAppOnly") == "true")
            guard try graph.invocation.confirmedRemoval(options, "the message '\(id)'") else { return }
            try graph.send("DELETE", "\(base)/messages/\(OData.segment(id))")
        },

        command("mailbox settings get", "Shows the mailbox settings",
                options: [option(.userId, "i", "The ID of the mailbox's user (app-only connections)"),
                          option(.userName, "n", "The user name of the mailbox's user (app-only connections)")]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try graph.invocation.emit(result: .object(try graph.get("\(try owner(options, appOnly: graph.invocation.setting("connection.isAppOnly") == "true"))/mailboxSettings")))
        },
    ]
}
