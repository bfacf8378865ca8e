import PluginKit

/// `spo listitem …`: items of a list. Options the command does not declare (`--Title "x"`)
/// are field values, as in CLI for Microsoft 365.
enum ListItemCommands {
    static let webUrl = option(.webUrl, "u", "URL of the site (absolute, or server-relative like /sites/x)", required: true)
    static let listChoice = [option(.listId, "l", "ID of the list"), option(.listTitle, "t", "Title of the list"),
                             option(.listUrl, nil, "Server- or site-relative URL of the list")]
    static let listSet = [["listId", "listTitle", "listUrl"]]
    static let itemId = option(.numericId, "i", "ID of the list item", required: true)

    /// The field values given as unknown options.
    static func fields(_ options: Options) -> [(name: String, value: String)] { options.unknown }

    static func itemPath(_ list: String, _ options: Options) throws(PluginFailure) -> String {
        guard let id = options.int(.numericId), id > 0, Double(id) == options.number(.numericId) else {
            throw usage("'\(options.string(.id) ?? "")' is not a valid list item ID for --id: use a positive whole number")
        }
        return list + "/items(\(id))"
    }

    /// The name of the content type `--contentType` gives (its name or its id), looked up among
    /// the list's content types as CLI for Microsoft 365 does: exactly, before anything is written.
    static func contentTypeName(_ spo: SPOClient, list: String, _ options: Options) throws(PluginFailure) -> String? {
        var types: [(id: String, name: String)] = []
        try spo.forEachItem(list + "/contenttypes" + OData.query([("$select", "Name,Id")])) { type throws(PluginFailure) in
            types.append((type["Id"]?["StringValue"]?.stringValue ?? "", type["Name"]?.stringValue ?? ""))
        }
        guard let value = options.string(.contentType) else { return nil }
        guard let found = types.first(where: { $0.id == value || $0.name == value }) else {
            throw PluginFailure("Specified content type '\(value)' doesn't exist on the target list", status: M365_ERR_NOT_FOUND)
        }
        return found.name
    }

    /// The field values as SharePoint's form values (`[{FieldName, FieldValue}]`), the content
    /// type last by name; SharePoint parses each as the list's form would (people, choices, dates).
    static func formValues(_ options: Options, contentType: String?) -> JSON {
        var values: [JSON] = fields(options).map { ["FieldName": .string($0.name), "FieldValue": .string($0.value)] }
        if let contentType { values.append(["FieldName": "ContentType", "FieldValue": .string(contentType)]) }
        return .array(values)
    }

    /// The field results of a ValidateUpdate call; fails with the CLI's text when one was refused.
    @discardableResult
    static func checkFormResults(_ answer: JSON?, failure: String) throws(PluginFailure) -> [JSON] {
        let results = answer?["value"]?.arrayValue ?? answer?["d"]?["ValidateUpdateListItem"]?["results"]?.arrayValue ?? []
        let failed = results.filter { $0["HasException"]?.boolValue == true }
            .map { "- \($0["FieldName"]?.stringValue ?? "?") - \($0["ErrorMessage"]?.stringValue ?? "")" }
        if !failed.isEmpty { throw PluginFailure(failure + "\n" + failed.joined(separator: "\n")) }
        return results
    }

    /// An item as the CLI prints it: SharePoint's `ID` twin of `Id` left out.
    /// `--folder` of listitem add, as CLI for Microsoft 365 reads it: below the list's root
    /// folder unless it names it; made (with its parents) when it does not exist yet.
    static func itemFolder(_ spo: SPOClient, web: String, list: String, _ folder: String) throws(PluginFailure) -> String {
        guard let root = try spo.get(list + "/rootFolder")["ServerRelativeUrl"]?.stringValue else {
            throw PluginFailure("SharePoint did not return the list's root folder", status: M365_ERR_SERVER)
        }
        let target = SPOClient.serverRelative(listURL: folder, web: "https://" + SPOClient.host(web) + root)
        do throws(PluginFailure) {
            _ = try spo.get(SPOPath.folder(web, target, query: [("$select", "Exists")]))
        } catch {
            guard error.status == M365_ERR_NOT_FOUND else { throw error }
            _ = try FolderCommands.add(spo, web: web, target, ensureParents: true)
        }
        return target
    }

    /// The web's `_ObjectIdentity_`, which list item identities start with (one CSOM query).
    static func webIdentity(_ spo: SPOClient, _ web: String) throws(PluginFailure) -> String {
        var lookup = CSOMRequest()
        let current = lookup.property("Web", of: lookup.staticProperty("Current", typeId: CSOMRequest.contextTypeId))
        let query = lookup.query(current, properties: ["ServerRelativeUrl"])
        guard let identity = try spo.processQuery(lookup, at: web)[query]?["_ObjectIdentity_"]?.stringValue else {
            throw PluginFailure("Cannot proceed. _ObjectIdentity_ not found", status: M365_ERR_SERVER)
        }
        return identity
    }

    /// A list item's CSOM identity: the web's, the list id and the item id (`…:list:<id>:item:<n>,1`).
    static func itemIdentity(web: String, list: String, item: Int) -> String { "\(web):list:\(list):item:\(item),1" }

    /// `--systemUpdate`, as CLI for Microsoft 365 sends it: CSOM's `ParseAndSetFieldValue` for each
    /// field and `SystemUpdate` (Modified, Editor and the version stay), on the item named by its
    /// identity: the web's `_ObjectIdentity_` (one query), the list's id and the item's.
    static func systemUpdate(_ spo: SPOClient, web: String, list: String, id: Int, _ options: Options, contentType: String?) throws(PluginFailure) {
        guard let listId = try spo.get(list + OData.query([("$select", "Id")]))["Id"]?.stringValue else {
            throw PluginFailure("SharePoint did not return the id of the list", status: M365_ERR_SERVER)
        }
        let identity = try webIdentity(spo, web)
        var update = CSOMRequest()
        let target = update.identity(itemIdentity(web: identity, list: listId, item: id))
        for field in fields(options) { update.call("ParseAndSetFieldValue", on: target, [.string(field.name), .string(field.value)]) }
        if let contentType { update.call("ParseAndSetFieldValue", on: target, [.string("ContentType"), .string(contentType)]) }
        update.call("SystemUpdate", on: target)
        _ = try spo.processQuery(update, at: web)
    }

    static func printed(_ item: JSONObject) -> JSONObject {
        var out = item
        out["ID"] = nil
        return out
    }

    static let all: [PluginCommand] = [
        command("listitem list", "Gets a list of items from the specified list",
                options: [webUrl, option(.listId, "i", "ID of the list"), option(.listTitle, "t", "Title of the list"),
                          option(.listUrl, nil, "Server- or site-relative URL of the list"),
                          option(.camlQuery, "q", "CAML query to use to query the list of items with"),
                          option(.fields, nil, "Comma-separated list of fields to retrieve"),
                          option(.filter, "l", "OData filter to use to query the list of items with"),
                          option(.pageSize, "s", "Number of list items to return"),
                          option(.pageNumber, "n", "Page number to return if pageSize is specified (the first page is 0)")],
                sets: listSet, defaults: ["Title", "Id"],
                examples: [("Every item", "m365 spo listitem list --webUrl /sites/project-x --listTitle Tasks"),
                           ("Some fields of some items", "m365 spo listitem list --webUrl /sites/project-x --listTitle Tasks --fields Id,Title --filter \"Title eq 'Demo'\""),
                           ("The third page of 50", "m365 spo listitem list --webUrl /sites/project-x --listTitle Tasks --pageSize 50 --pageNumber 2")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            // As the CLI: --filter goes unused with --camlQuery; the others are refused.
            for other in [OptionKey<String>.fields, OptionKey<Double>.pageSize, OptionKey<Double>.pageNumber] as [any OptionHandle]
            where options.has(.camlQuery) && options.has(handle: other) {
                throw usage("You cannot use the \(other.name)-option when specifying a camlQuery")
            }
            if options.has(.pageNumber) && !options.has(.pageSize) { throw usage("pageSize must be specified if pageNumber is specified") }
            let pageSize = options.number(.pageSize)
            let pageNumber = options.number(.pageNumber) ?? 0
            if let pageSize, pageSize < 1 || pageSize != pageSize.rounded() { throw usage("--pageSize must be a positive whole number") }
            if pageNumber < 0 || pageNumber != pageNumber.rounded() { throw usage("--pageNumber must be a whole number, 0 or more") }
            let web = try spo.webURL(options, .webUrl)
            let list = try ListSelector.forItems.path(web, options)

            if let caml = options.string(.camlQuery) {
                // As the CLI: page after page (the id of each page's last item), until one is empty.
                var last: Int?
                var count = 0
                repeat {
                    var query: JSONObject = ["ViewXml": .string(caml), "AllowIncrementalResults": true]
                    if let last { query["ListItemCollectionPosition"] = ["PagingInfo": .string("Paged=TRUE&p_ID=\(last)")] }
                    let items = try spo.send("POST", list + "/GetItems", body: ["query": .object(query)], digestFor: web)?["value"]?.arrayValue ?? []
                    last = items.last?["Id"]?.intValue
                    for item in items { try spo.invocation.emit(item: .object(printed(item.objectValue ?? [:]))) }
                    count += items.count
                } while last != nil
                if count == 0 { try spo.invocation.emit(result: []) }
                return
            }
            // Text output without --fields asks only for the columns it shows, as the CLI.
            let shape = selectAndExpand(options.list(.fields) ?? (spo.invocation.outputMode == "text" ? ["Title", "Id"] : nil))
            let filter = options.string(.filter)
            guard let pageSize else {
                try spo.list(list + "/items" + OData.query(shape + [("$filter", filter), ("$top", "5000")]), dropping: "ID")
                return
            }
            // One page: skip to it with the id of the last item before it, as CLI for Microsoft 365 does.
            var skip: String?
            if pageNumber > 0 {
                let before = try spo.get(list + "/items" + OData.query([("$select", "Id"), ("$filter", filter),
                                                                               ("$top", String(Int(pageSize * pageNumber)))]))
                guard let last = before["value"]?.arrayValue?.last?["Id"]?.intValue else { try spo.invocation.emit(result: []); return }
                skip = "Paged=TRUE&p_ID=\(last)"
            }
            let page = try spo.get(list + "/items" + OData.query(shape + [("$filter", filter), ("$top", String(Int(pageSize))), ("$skiptoken", skip)]))
            let items = page["value"]?.arrayValue ?? []
            if items.isEmpty { try spo.invocation.emit(result: []) }
            for item in items { try spo.invocation.emit(item: .object(printed(item.objectValue ?? [:]))) }
        },

        command("listitem get", "Gets a list item from the specified list",
                options: [webUrl, option(.numericId, "i", "ID of the list item"), option(.uniqueId, nil, "UniqueId (GUID) of the list item")]
                    + listChoice + [option(.properties, "p", "Comma-separated properties to retrieve"),
                                    flag(.withPermissions, nil, "Include the item's role assignments")],
                sets: listSet + [["id", "uniqueId"]],
                examples: [("An item's title", "m365 spo listitem get --webUrl /sites/project-x --listTitle Tasks --id 1 --properties Title"),
                           ("Who may use an item", "m365 spo listitem get --webUrl /sites/project-x --listTitle Tasks --id 1 --withPermissions")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.uniqueId])
            let web = try spo.webURL(options, .webUrl)
            let list = try ListSelector.forItems.path(web, options)
            let item: String
            if let unique = options.string(.uniqueId) { item = list + "/GetItemByUniqueId(guid'\(unique)')" } else { item = try itemPath(list, options) }
            var found = printed(try spo.get(item + OData.query(selectAndExpand(options.list(.properties)))))
            if options.bool(.withPermissions) {
                found["RoleAssignments"] = try Permissions.friendlyAssignments(spo, item + "/RoleAssignments" + OData.query([("$expand", "Member,RoleDefinitionBindings")]))
            }
            try spo.invocation.emit(result: .object(found))
        },

        command("listitem add", "Creates a list item in the specified list; other options (--Title 'x') are field values",
                options: [webUrl] + listChoice + [option(.contentType, "c", "The name or the ID of the content type of the new item"),
                                                  option(.folder, nil, "Folder to create the item in, below the list's root folder (created when missing)")],
                sets: listSet, unknownOptions: true,
                examples: [("An item with a title", "m365 spo listitem add --webUrl /sites/project-x --listTitle Tasks --Title 'Demo item'")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            let list = try ListSelector.forItems.path(web, options)
            let contentType = try contentTypeName(spo, list: list, options)
            var body: JSONObject = ["formValues": formValues(options, contentType: contentType)]
            if let folder = options.string(.folder) {
                body["listItemCreateInfo"] = ["FolderPath": ["DecodedUrl": .string(try itemFolder(spo, web: web, list: list, folder))]]
            }
            let answer = try spo.write(list + "/AddValidateUpdateItemUsingPath()", body: .object(body))
            let results = try checkFormResults(answer, failure: "Creating the item failed with the following errors: ")
            guard let id = results.first(where: { $0["FieldName"]?.stringValue == "Id" })?["FieldValue"]?.stringValue else {
                throw PluginFailure("SharePoint did not return the id of the new item", status: M365_ERR_SERVER)
            }
            try spo.invocation.emit(result: .object(printed(try spo.get(list + "/items(\(id))"))))
        },

        command("listitem set", "Updates a list item in the specified list; other options (--Title 'x') are field values",
                options: [webUrl, itemId] + listChoice + [option(.contentType, "c", "The name or the ID of the content type of the item"),
                                                          flag(.systemUpdate, "s", "Update the item without changing Modified and Editor (no new version)")],
                sets: listSet, unknownOptions: true,
                examples: [("A new title", "m365 spo listitem set --webUrl /sites/project-x --listTitle Tasks --id 1 --Title 'Renamed'"),
                           ("Without touching Modified", "m365 spo listitem set --webUrl /sites/project-x --listTitle Tasks --id 1 --Title 'Fixed' --systemUpdate")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            let list = try ListSelector.forItems.path(web, options)
            let item = try itemPath(list, options)
            // Unlike add, set reads the content types only for --contentType, as the CLI.
            let contentType = options.has(.contentType) ? try contentTypeName(spo, list: list, options) : nil
            if options.bool(.systemUpdate) {
                try systemUpdate(spo, web: web, list: list, id: options.int(.numericId) ?? 0, options, contentType: contentType)
            } else {
                try checkFormResults(try spo.write(item + "/ValidateUpdateListItem()", body: ["formValues": formValues(options, contentType: contentType)]),
                                     failure: "Updating the items has failed with the following errors: ")
            }
            try spo.invocation.emit(result: .object(printed(try spo.get(item))))
        },

        command("listitem remove", "Removes the specified list item",
                options: [webUrl, itemId] + listChoice + [flag(.recycle, nil, "Move the item to the recycle bin instead of deleting it"), forceOption],
                sets: listSet,
                examples: [("Into the recycle bin", "m365 spo listitem remove --webUrl /sites/project-x --listTitle Tasks --id 1 --recycle --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            let item = try itemPath(try ListSelector.forItems.path(web, options), options)
            guard try spo.invocation.confirmedRemoval(options, "the list item \(options.int(.numericId) ?? 0) from list '\(ListSelector.forItems.label(options))'") else { return }
            if options.bool(.recycle) {
                try spo.write(item + "/recycle()", tunnel: "DELETE")
            } else {
                try spo.write(item, tunnel: "DELETE")
            }
        },
    ]
}
