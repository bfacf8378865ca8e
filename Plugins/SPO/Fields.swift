import PluginKit

extension OptionKey where Value == String {
    static var fieldXml: Self { Self("xml") }
    static var fieldAddOptions: Self { Self("options") }
    static var fieldInternalName: Self { Self("internalName") }
    static var fieldGroup: Self { Self("group") }
}

extension OptionKey where Value == Bool {
    static var updateExistingLists: Self { Self("updateExistingLists") }
}

/// `spo field …`: site columns (`_api/web/fields`) and list columns (`…/lists/…/fields`), with
/// the options, requests and output of CLI for Microsoft 365. Updates go through CSOM as the
/// CLI sends them (SetProperty on the field, then `UpdateAndPushChanges`).
enum FieldCommands {
    static let webUrl = option(.webUrl, "u", "URL of the site (absolute, or server-relative like /sites/x)", required: true)
    static let listTitleShortL = option(.listTitle, "l", "Title of the list (for a list column)")
    static let listId = option(.listId, nil, "ID of the list (for a list column)")
    static let listUrl = option(.listUrl, nil, "Server- or site-relative URL of the list (for a list column)")
    static let fieldChoice = [option(.id, "i", "ID of the field"), option(.title, "t", "Title (display name) of the field"),
                              option(.fieldInternalName, nil, "Internal name of the field")]

    /// `SP.AddFieldOptions` by name, as `--options` takes them (summed).
    static let addOptions: [(String, Int)] = [
        ("DefaultValue", 0), ("AddToDefaultContentType", 1), ("AddToNoContentType", 2), ("AddToAllContentTypes", 4),
        ("AddFieldInternalNameHint", 8), ("AddFieldToDefaultView", 16), ("AddFieldCheckDisplayName", 32),
    ]

    /// `{web}/_api/web` and the list's address when a list option is given, as the CLI's field
    /// commands spell it: `…/lists(guid'…')`, `…/lists/getByTitle('…')` or `…/GetList('…')`.
    static func collection(_ web: String, _ options: Options) throws(PluginFailure) -> String {
        if let id = options.string(.listId) { return web + "/_api/web/lists(guid\(quoted(id)))" }
        if let title = options.string(.listTitle) { return web + "/_api/web/lists/getByTitle(\(quoted(title)))" }
        if let url = options.string(.listUrl) { return web + "/_api/web/GetList(\(quoted(SPOClient.serverRelative(listURL: url, web: web))))" }
        return web + "/_api/web"
    }

    /// The CLI's checks of the list options (some commands word them differently).
    static func checkList(_ options: Options, exclusive: String?, guid: (String) -> String) throws(PluginFailure) {
        if let exclusive, [OptionKey<String>.listId, .listTitle, .listUrl].filter({ options.has($0) }).count > 1 { throw usage(exclusive) }
        if let id = options.string(.listId), !isGUID(id) { throw usage(guid(id)) }
    }

    /// `/getbyid('…')` or `/getbyinternalnameortitle('…')` for the field options given.
    static func fieldPath(_ options: Options) -> String {
        if let id = options.string(.id) { return "/getbyid(\(quoted(id)))" }
        return "/getbyinternalnameortitle(\(quoted(options.string(.title) ?? options.string(.fieldInternalName) ?? "")))"
    }

    /// A value as the CLI's `formatting.encodeQueryParameter` makes it: `encodeURIComponent`
    /// (letters, digits and `-_.!~*'()` kept), then each `'` doubled.
    static func encoded(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "'"): out += "''"
            case _ where "-_.!~*()".utf8.contains(byte): out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }

    /// `'…'`: a value encoded as the CLI encodes its OData literals.
    static func quoted(_ value: String) -> String { "'" + encoded(value) + "'" }

    static let all: [PluginCommand] = [
        command("field add", "Adds a new list or site column using the CAML field definition",
                options: [webUrl, listTitleShortL, listId, listUrl, option(.fieldXml, "x", "CAML field definition (<Field …/>)", required: true),
                          option(.fieldAddOptions, nil, "Comma-separated options: " + addOptions.map(\.0).joined(separator: ", "))],
                examples: [("A date site column", "m365 spo field add --webUrl https://contoso.sharepoint.com/sites/sales --xml '<Field Type=\"DateTime\" DisplayName=\"Start date\" Name=\"StartDate\" Group=\"PnP Columns\" />'"),
                           ("A choice list column in the default view", "m365 spo field add --webUrl /sites/sales --listTitle Events --xml '<Field Type=\"Choice\" DisplayName=\"Status\" Name=\"Status\"><CHOICES><CHOICE>Open</CHOICE><CHOICE>Closed</CHOICE></CHOICES></Field>' --options AddFieldInternalNameHint,AddFieldToDefaultView")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try checkList(options, exclusive: "Specify either list id or title or list url, but not multiple") { "\($0) in option listId is not a valid GUID" }
            // As the CLI: an empty --options means none; otherwise every comma-separated entry, empty
            // ones included, must be an option name (the last wrong one is named).
            var flags = 0
            var wrong: String?
            for name in (options.string(.fieldAddOptions) ?? "").split(separator: ",", omittingEmptySubsequences: false).map({ String($0).trimmingSpaces })
                where !(options.string(.fieldAddOptions) ?? "").isEmpty {
                if let value = addOptions.first(where: { $0.0 == name })?.1 { flags += value } else { wrong = name }
            }
            if let wrong {
                throw usage("\(wrong) is not a valid value for the options argument. Allowed values are " + addOptions.map(\.0).joined(separator: "|"))
            }
            let web = try spo.webURL(options, .webUrl)
            let url = try collection(web, options) + "/fields/CreateFieldAsXml"
            // As the CLI, with the site's request digest.
            let body: JSON = ["parameters": ["SchemaXml": .string(options.string(.fieldXml) ?? ""), "Options": .number(Double(flags))]]
            guard let field = try spo.send("POST", url, body: body, digestFor: web)?.objectValue else {
                throw PluginFailure("SharePoint did not return the new field", status: M365_ERR_SERVER)
            }
            try spo.invocation.emit(result: .object(SPOClient.unwrapVerbose(field)))
        },

        command("field get", "Retrieves information about the specified list- or site column",
                options: [webUrl, listTitleShortL, listId, listUrl] + fieldChoice, sets: [["id", "title", "internalName"]],
                examples: [("A site column by internal name", "m365 spo field get --webUrl https://contoso.sharepoint.com/sites/sales --internalName StartDate"),
                           ("A list column by id", "m365 spo field get --webUrl /sites/sales --listTitle Events --id 5ee2dd25-d941-455a-9bdb-7f2c54aed11b")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            if let id = options.string(.id), !isGUID(id) { throw usage("\(id) is not a valid GUID") }
            try checkList(options, exclusive: nil) { "\($0) is not a valid GUID" }
            let web = try spo.webURL(options, .webUrl)
            try spo.invocation.emit(result: .object(try spo.get(try collection(web, options) + "/fields" + fieldPath(options))))
        },

        command("field list", "Retrieves columns for the specified list or site",
                options: [webUrl, option(.listTitle, "t", "Title of the list (for its columns)"), option(.listId, "i", "ID of the list (for its columns)"),
                          option(.listUrl, nil, "Server- or site-relative URL of the list (for its columns)")],
                defaults: ["Id", "Title", "InternalName", "Hidden"],
                examples: [("Site columns", "m365 spo field list --webUrl https://contoso.sharepoint.com/sites/sales"),
                           ("Columns of a list", "m365 spo field list --webUrl /sites/sales --listTitle Events")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try checkList(options, exclusive: "Specify either list id or title or list url") { "\($0) is not a valid GUID" }
            let web = try spo.webURL(options, .webUrl)
            try spo.list(try collection(web, options) + "/fields")
        },

        command("field remove", "Removes the specified list- or site column",
                options: [webUrl, listTitleShortL, listId, listUrl] + fieldChoice
                    + [option(.fieldGroup, "g", "Remove every column of this group"), forceOption],
                sets: [["id", "title", "internalName", "group"]],
                examples: [("A site column", "m365 spo field remove --webUrl https://contoso.sharepoint.com/sites/sales --internalName StartDate --force"),
                           ("Every column of a group in a list", "m365 spo field remove --webUrl /sites/sales --listTitle Events --group 'PnP Columns' --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            if let id = options.string(.id), !isGUID(id) { throw usage("\(id) is not a valid GUID") }
            try checkList(options, exclusive: nil) { "\($0) is not a valid GUID" }
            let web = try spo.webURL(options, .webUrl)
            let base = try collection(web, options) + "/fields"
            let place = (options.string(.listId) ?? options.string(.listTitle)).map { "in list \($0)" } ?? "in site \(web)"
            let group = options.string(.fieldGroup)
            let what = group.map { "the fields from group \($0) \(place)" }
                ?? "the field \(options.string(.id) ?? options.string(.title) ?? options.string(.fieldInternalName) ?? "") \(place)"
            guard try spo.invocation.confirmedRemoval(options, what) else { return }
            guard let group else {
                try spo.write(base + fieldPath(options), tunnel: "DELETE")
                return
            }
            // As the CLI: the collection's first page, then each field of the group by id.
            let page = try spo.get(base)
            for field in page["value"]?.arrayValue ?? [] where field["Group"]?.stringValue == group {
                try spo.write(base + "/getbyid(\(quoted(field["Id"]?.stringValue ?? "")))", tunnel: "DELETE")
            }
        },

        command("field set", "Updates existing list or site column",
                options: [webUrl, option(.listId, nil, "ID of the list (for a list column)"), option(.listTitle, nil, "Title of the list (for a list column)"),
                          listUrl] + fieldChoice
                    + [flag(.updateExistingLists, nil, "Push the changes of a site column to the lists that use it")],
                sets: [["id", "title", "internalName"]], unknownOptions: true,
                examples: [("Rename a site column and push the change to lists", "m365 spo field set --webUrl https://contoso.sharepoint.com/sites/sales --internalName StartDate --updateExistingLists --Title 'Start'"),
                           ("Make a list column required", "m365 spo field set --webUrl /sites/sales --listTitle Events --title Status --Required true")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try checkList(options, exclusive: "Specify either list id or title or list url, but not multiple") { "\($0) in option listId is not a valid GUID" }
            if let id = options.string(.id), !isGUID(id) { throw usage("\(id) in option id is not a valid GUID") }
            let web = try spo.webURL(options, .webUrl)
            try set(spo, web: web, options)
        },
    ]

    /// `field set` over CSOM, as CLI for Microsoft 365: the list's identity (one query, for a list
    /// column), the field's identity (one query), then each property given as an unknown option
    /// (as text; SharePoint converts it) and `UpdateAndPushChanges`.
    static func set(_ spo: SPOClient, web: String, _ options: Options) throws(PluginFailure) {
        var parentIdentity: String?
        if options.has(.listId) || options.has(.listTitle) || options.has(.listUrl) {
            var lookup = CSOMRequest()
            let current = lookup.property("Web", of: lookup.staticProperty("Current", typeId: CSOMRequest.contextTypeId))
            let list: CSOMRequest.Path
            if let id = options.string(.listId) {
                list = lookup.method("GetById", of: lookup.property("Lists", of: current), [.guid(id)])
            } else if let title = options.string(.listTitle) {
                list = lookup.method("GetByTitle", of: lookup.property("Lists", of: current), [.string(title)])
            } else {
                list = lookup.method("GetList", of: current, [.string(SPOClient.serverRelative(listURL: options.string(.listUrl) ?? "", web: web))])
            }
            lookup.objectPath(list)
            let query = lookup.query(list, properties: [])
            parentIdentity = try identity(spo.processQuery(lookup, at: web), query)
        }
        var lookup = CSOMRequest()
        let parent = parentIdentity.map { lookup.identity($0) }
            ?? lookup.property("Web", of: lookup.staticProperty("Current", typeId: CSOMRequest.contextTypeId))
        let fields = lookup.property("Fields", of: parent)
        let field = options.string(.id).map { lookup.method("GetById", of: fields, [.guid($0)]) }
            ?? lookup.method("GetByInternalNameOrTitle", of: fields, [.string(options.string(.title) ?? options.string(.fieldInternalName) ?? "")])
        lookup.objectPath(field)
        let query = lookup.query(field, properties: [])
        let fieldIdentity = try identity(spo.processQuery(lookup, at: web), query)

        var update = CSOMRequest()
        let target = update.identity(fieldIdentity)
        for (name, value) in options.unknown { update.set(name, on: target, .string(value)) }
        update.call("UpdateAndPushChanges", on: target, [.bool(options.bool(.updateExistingLists))])
        _ = try spo.processQuery(update, at: web)
    }

    static func identity(_ response: CSOMResponse, _ query: Int) throws(PluginFailure) -> String {
        guard let identity = response[query]?["_ObjectIdentity_"]?.stringValue else {
            throw PluginFailure("Cannot proceed. _ObjectIdentity_ not found", status: M365_ERR_SERVER)
        }
        return identity
    }
}
