import PluginKit

/// The option handles of the content type commands (kept here: names other modules may declare
/// with another meaning).
enum ContentTypeKeys {
    static let contentTypeId = OptionKey<String>("contentTypeId")
    static let contentTypeName = OptionKey<String>("contentTypeName")
    static let category = OptionKey<String>("category")
    static let group = OptionKey<String>("group")
    static let required = OptionKey<Bool>("required")
    static let hidden = OptionKey<Bool>("hidden")
    static let updateChildren = OptionKey<Bool>("updateChildren")
    static let updateChildContentTypes = OptionKey<Bool>("updateChildContentTypes")
}

/// `spo contenttype …` and `spo contenttypehub get`: site and list content types over REST and
/// CSOM, as CLI for Microsoft 365 sends them; `contenttype sync` over Microsoft Graph.
enum ContentTypeCommands {
    static let webUrl = option(.webUrl, "u", "URL of the site (absolute, or server-relative like /sites/x)", required: true)
    static func listOptions(titleShort: String? = "l") -> [OptionSpec] {
        [option(.listTitle, titleShort, "Title of the list (for a list content type)"), option(.listId, nil, "ID of the list (for a list content type)"),
         option(.listUrl, nil, "Server- or site-relative URL of the list (for a list content type)")]
    }

    /// `{web}/_api/web`, or the list the options name below it (`lists(guid'…')`, `lists/GetByTitle('…')`, `GetList('…')`).
    static func base(_ web: String, _ options: Options) throws(PluginFailure) -> String {
        guard options.has(.listId) || options.has(.listTitle) || options.has(.listUrl) else { return web + "/_api/web" }
        return try ListSelector.forItems.path(web, options)
    }

    /// `('0x0100…')`: a content type id as a quoted key.
    static func key(_ id: String) -> String { "('" + percentEncode(id.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''")) + "')" }

    /// Fails when `--listId` is not a GUID, worded as the command's CLI counterpart words it
    /// (most say `<id> is not a valid GUID`).
    static func checkListId(_ options: Options, _ message: (String) -> String = { "\($0) is not a valid GUID" }) throws(PluginFailure) {
        if let id = options.string(.listId), !isGUID(id) { throw usage(message(id)) }
    }

    /// The CLI's option set of the optional list selector (`runsWhen` one of them is given).
    static func oneList(_ options: Options) throws(PluginFailure) {
        if [options.has(.listId), options.has(.listTitle), options.has(.listUrl)].filter({ $0 }).count > 1 {
            throw usage("Specify one of the following options: listId, listTitle, listUrl, but not multiple.")
        }
    }

    /// A list by id, or its id from its title or URL (`GET …?$select=Id`), as the CLI looks it up.
    static func listId(_ spo: SPOClient, _ web: String, _ options: Options) throws(PluginFailure) -> String? {
        try checkListId(options)
        if let id = options.string(.listId) { return id }
        guard options.has(.listTitle) || options.has(.listUrl) else { return nil }
        guard let id = try spo.get(try ListSelector.forItems.path(web, options) + OData.query([("$select", "Id")]))["Id"]?.stringValue else {
            throw PluginFailure("SharePoint did not return the id of the list", status: M365_ERR_SERVER)
        }
        return id
    }

    /// The ids CSOM identities are built from: the site's (`_api/site`) and the web's (`_api/web`).
    static func siteAndWeb(_ spo: SPOClient, _ web: String) throws(PluginFailure) -> (site: String, web: String) {
        guard let site = try spo.get(web + "/_api/site" + OData.query([("$select", "Id")]))["Id"]?.stringValue,
              let id = try spo.get(web + "/_api/web" + OData.query([("$select", "Id")]))["Id"]?.stringValue else {
            throw PluginFailure("SharePoint did not return the ids of the site and web", status: M365_ERR_SERVER)
        }
        return (site, id)
    }

    /// The identity of a content-model object: `…|740c6a0b-…:site:<id>:web:<id>…`.
    static func identity(_ ids: (site: String, web: String), _ rest: String) -> String {
        "1a48869e-c092-0000-1f61-81ec89809537|740c6a0b-85e2-48a0-a494-e0f1759d4aa7:site:\(ids.site):web:\(ids.web)" + rest
    }

    /// `spo contenttype get`: a content type by id (`contenttypes('…')`) or by name (`$filter`),
    /// with its parent; "not found" when SharePoint has none.
    static func get(_ spo: SPOClient, web: String, _ options: Options, id: String?, name: String?) throws(PluginFailure) -> JSONObject {
        let collection = try base(web, options) + "/contenttypes"
        if let id {
            let found = try spo.get(collection + key(id) + OData.query([("$expand", "Parent")]))
            if found["odata.null"]?.boolValue == true { throw PluginFailure("Content type with ID \(id) not found", status: M365_ERR_NOT_FOUND) }
            return found
        }
        let name = name ?? ""
        let found = try spo.get(collection + OData.query([("$filter", "Name eq \(OData.quote(name))"), ("$expand", "Parent")]))
        guard let first = found["value"]?.arrayValue?.first?.objectValue else {
            throw PluginFailure("Content type with name \(name) not found", status: M365_ERR_NOT_FOUND)
        }
        return first
    }

    /// `SP.ContentTypeCreationInformation`.
    static let creationTypeId = "{168f3091-4554-4f14-8866-b20d48e45b54}"
    /// `SP.FieldLinkCreationInformation`.
    static let fieldLinkCreationTypeId = "{63fb2c92-8f65-4bbb-a658-b6cd294403f4}"
    /// `SP.Taxonomy.TaxonomySession`.
    static let taxonomySessionTypeId = "{981cbc68-9edc-4f8d-872f-71146fcbb84f}"

    static let all: [PluginCommand] = [
        command("contenttype get", "Retrieves information about the specified list or site content type",
                options: [webUrl] + listOptions() + [option(.id, "i", "ID of the content type"), option(.name, "n", "Name of the content type")],
                sets: [["id", "name"]],
                examples: [("A site content type by id", "m365 spo contenttype get --webUrl https://contoso.sharepoint.com/sites/contoso-sales --id 0x0100558D85B7216F6A489A499DB361E1AE2F"),
                           ("A list content type by name", "m365 spo contenttype get --webUrl /sites/contoso-sales --listTitle Events --name Event")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            try checkListId(options)
            try spo.invocation.emit(result: .object(try get(spo, web: web, options, id: options.string(.id), name: options.string(.name))))
        },

        command("contenttype list", "Lists all available content types in the specified site",
                options: [webUrl, option(ContentTypeKeys.category, "c", "Only the content types of this group")],
                defaults: ["StringId", "Name", "Hidden", "ReadOnly", "Sealed"],
                examples: [("Every content type of a site", "m365 spo contenttype list --webUrl https://contoso.sharepoint.com/sites/contoso-sales"),
                           ("Only one group", "m365 spo contenttype list --webUrl /sites/contoso-sales --category 'List Content Types'")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            let filter = options.string(ContentTypeKeys.category).map { "Group eq \(OData.quote($0))" }
            try spo.list(web + "/_api/web/ContentTypes" + OData.query([("$expand", "Parent"), ("$filter", filter)]))
        },

        command("contenttype add", "Adds a new list or site content type",
                options: [webUrl] + listOptions() + [option(.id, "i", "ID of the new content type (its parent's id and its own part)", required: true),
                                                     option(.name, "n", "Name of the content type", required: true),
                                                     option(.description, "d", "Description of the content type"),
                                                     option(ContentTypeKeys.group, "g", "Group to put the content type in")],
                examples: [("A site content type below Item", "m365 spo contenttype add --webUrl https://contoso.sharepoint.com/sites/contoso-sales --name 'PnP Tile' --id 0x0100FF0B2E33A3718B46A3909298D240FD93 --group 'PnP Content Types'"),
                           ("A list content type", "m365 spo contenttype add --webUrl /sites/contoso-sales --listTitle Tiles --name 'PnP Tile' --id 0x0100FF0B2E33A3718B46A3909298D240FD93")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            let id = options.string(.id) ?? "", name = options.string(.name) ?? ""
            var request = CSOMRequest()
            let parent: CSOMRequest.Path
            try checkListId(options)
            if options.has(.listId) || options.has(.listTitle) || options.has(.listUrl) {
                // As the CLI: the site's and web's ids, then the list's.
                let ids = try siteAndWeb(spo, web)
                let list = try listId(spo, web, options) ?? ""
                parent = request.identity(identity(ids, ":list:\(list)"))
            } else {
                parent = request.property("Web", of: request.staticProperty("Current", typeId: CSOMRequest.contextTypeId))
            }
            let types = request.property("ContentTypes", of: parent)
            request.objectPath(types)
            let text = { (value: String?) -> CSOMRequest.Value in value.map { .string($0) } ?? .null }
            let added = request.method("Add", of: types, [.structure(typeId: creationTypeId, [
                ("Description", text(options.string(.description))), ("Group", text(options.string(ContentTypeKeys.group))),
                ("Id", .string(id)), ("Name", .string(name)), ("ParentContentType", .null),
            ])])
            request.objectPath(added)
            _ = try spo.processQuery(request, at: web)
            // As the CLI: the new type as `contenttype get` prints it.
            try spo.invocation.emit(result: .object(try get(spo, web: web, options, id: id, name: nil)))
        },

        command("contenttype set", "Updates an existing content type (any other --Property value is set on it)",
                options: [webUrl, option(.id, "i", "ID of the content type"), option(.name, "n", "Name of the content type")]
                    + listOptions(titleShort: nil)
                    + [flag(ContentTypeKeys.updateChildren, nil, "Push the changes to the content types that inherit from this site content type")],
                sets: [["id", "name"]], unknownOptions: true,
                examples: [("Rename a site content type", "m365 spo contenttype set --webUrl https://contoso.sharepoint.com/sites/contoso-sales --id 0x0100558D85B7216F6A489A499DB361E1AE2F --Name 'Tiles' --updateChildren"),
                           ("Hide a list content type", "m365 spo contenttype set --webUrl /sites/contoso-sales --listTitle Tiles --name Tile --Hidden true")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            if let id = options.string(.listId), !isGUID(id) { throw usage("'\(id)' is not a valid GUID.") }
            if [options.has(.listId), options.has(.listTitle), options.has(.listUrl)].filter({ $0 }).count > 1 {
                throw usage("Specify either listTitle, listId or listUrl.")
            }
            let forList = options.has(.listId) || options.has(.listTitle) || options.has(.listUrl)
            if forList && options.bool(ContentTypeKeys.updateChildren) {
                throw usage("It is impossible to pass updateChildren when trying to update a list content type.")
            }
            var id = options.string(.id) ?? ""
            if id.isEmpty {
                // As the CLI: the list by `Lists/GetById('…')`, `Lists/GetByTitle('…')` or `GetList('…')`.
                var path = web + "/_api/Web"
                if let list = options.string(.listId) { path += "/Lists/GetById\(key(list))" }
                else if let title = options.string(.listTitle) { path += "/Lists/GetByTitle\(key(title))" }
                else if let url = options.string(.listUrl) { path += "/GetList\(key(SPOClient.serverRelative(listURL: url, web: web)))" }
                let name = options.string(.name) ?? ""
                let found = try spo.get(path + "/ContentTypes" + OData.query([("$filter", "Name eq \(OData.quote(name))"), ("$select", "Id")]))
                guard let first = found["value"]?.arrayValue?.first?["Id"]?["StringValue"]?.stringValue else {
                    throw PluginFailure("The specified content type '\(name)' does not exist", status: M365_ERR_NOT_FOUND)
                }
                id = first
            }
            let ids = try siteAndWeb(spo, web)
            let list = try listId(spo, web, options)
            var request = CSOMRequest()
            let target = request.identity(identity(ids, (list.map { ":list:\($0)" } ?? "") + ":contenttype:\(id)"))
            // Every option this command does not declare is a property of the type, sent as text.
            for (name, value) in options.unknown { request.set(name, on: target, .string(value)) }
            request.call("Update", on: target, [.bool(options.bool(ContentTypeKeys.updateChildren))])
            _ = try spo.processQuery(request, at: web)
        },

        command("contenttype remove", "Deletes site content type",
                options: [webUrl, option(.id, "i", "ID of the content type"), option(.name, "n", "Name of the content type"), forceOption],
                sets: [["id", "name"]],
                examples: [("By id, without a prompt", "m365 spo contenttype remove --webUrl https://contoso.sharepoint.com/sites/contoso-sales --id 0x01007926A45D687BA842B947286090B8F67D --force"),
                           ("By name", "m365 spo contenttype remove --webUrl /sites/contoso-sales --name 'My Content Type'")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            let label = options.string(.id) ?? options.string(.name) ?? ""
            guard try spo.invocation.confirmedRemoval(options, "the content type \(label)") else { return }
            var id = options.string(.id)
            if id == nil {
                let name = options.string(.name) ?? ""
                let found = try spo.get(web + "/_api/web/availableContentTypes" + OData.query([("$filter", "(Name eq \(OData.quote(name)))")]))
                id = found["value"]?.arrayValue?.first?["StringId"]?.stringValue
            }
            guard let id else { throw PluginFailure("Content type not found", status: M365_ERR_NOT_FOUND) }
            let answer = try spo.write(web + "/_api/web/contenttypes" + key(id), tunnel: "DELETE")
            if answer?["odata.null"]?.boolValue == true { throw PluginFailure("Content type not found", status: M365_ERR_NOT_FOUND) }
        },

        command("contenttype field list", "Lists fields for a given site or list content type",
                options: [webUrl, option(ContentTypeKeys.contentTypeId, "i", "ID of the content type"),
                          option(ContentTypeKeys.contentTypeName, "n", "Name of the content type")] + listOptions()
                    + [option(.properties, "p", "Comma-separated properties to retrieve")],
                sets: [["contentTypeId", "contentTypeName"]],
                defaults: ["Id", "Title", "InternalName", "Hidden"],
                examples: [("The columns of a site content type", "m365 spo contenttype field list --webUrl https://contoso.sharepoint.com/sites/contoso-sales --contentTypeId 0x0101"),
                           ("The titles of a list content type's columns", "m365 spo contenttype field list --webUrl /sites/contoso-sales --listTitle Documents --contentTypeName Document --properties Title,InternalName")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            try oneList(options)
            try checkListId(options) { "\($0) is not a valid GUID for option 'listId'." }
            let collection = try base(web, options) + "/contentTypes"
            var id = options.string(ContentTypeKeys.contentTypeId)
            if id == nil {
                let name = options.string(ContentTypeKeys.contentTypeName) ?? ""
                try spo.forEachItem(collection + OData.query([("$filter", "Name eq \(OData.quote(name))"), ("$select", "StringId")])) { (found: JSONObject) throws(PluginFailure) in
                    if id == nil { id = found["StringId"]?.stringValue }
                }
                guard id != nil else { throw PluginFailure("Content type with name \(name) not found.", status: M365_ERR_NOT_FOUND) }
            }
            try spo.list(collection + key(id ?? "") + "/fields" + OData.query([("$select", options.list(.properties)?.joined(separator: ","))]))
        },

        command("contenttype field set", "Adds or updates a site column reference in a site content type",
                options: [webUrl, option(ContentTypeKeys.contentTypeId, nil, "ID of the site content type", required: true),
                          option(.id, "i", "ID of the site column", required: true),
                          option(ContentTypeKeys.required, "r", "Whether the column is required in this content type (true or false)"),
                          option(ContentTypeKeys.hidden, nil, "Whether the column is hidden in this content type (true or false)")],
                examples: [("Add a site column to a content type", "m365 spo contenttype field set --webUrl https://contoso.sharepoint.com/sites/contoso-sales --contentTypeId 0x0100558D85B7216F6A489A499DB361E1AE2F --id 5ee2dd25-d941-455a-9bdb-7f2c54aed11b"),
                           ("Make it required", "m365 spo contenttype field set --webUrl /sites/contoso-sales --contentTypeId 0x0100558D85B7216F6A489A499DB361E1AE2F --id 5ee2dd25-d941-455a-9bdb-7f2c54aed11b --required true")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let fieldId = options.string(.id) ?? ""
            if !isGUID(fieldId) { throw usage("\(fieldId) is not a valid GUID") }
            let web = try spo.webURL(options, .webUrl)
            let contentType = options.string(ContentTypeKeys.contentTypeId) ?? ""
            let linkURL = web + "/_api/web/contenttypes" + key(contentType) + "/fieldlinks('\(fieldId)')"
            var link = try spo.get(linkURL)
            var ids: (site: String, web: String)?
            if link["odata.null"]?.boolValue == true {
                // The column is linked first; its schema must allow deletion from the type.
                let schema = try spo.get(web + "/_api/web/fields('\(fieldId)')" + OData.query([("$select", "SchemaXmlWithResourceTokens")]))["SchemaXmlWithResourceTokens"]?.stringValue ?? ""
                if let updated = allowingDeletion(schema) {
                    try spo.send("POST", web + "/_api/web/fields('\(fieldId)')", body: .object(["SchemaXml": .string(updated)]),
                                 headers: [("X-HTTP-Method", "MERGE")], digestFor: web)
                }
                let known = try siteAndWeb(spo, web)
                ids = known
                var request = CSOMRequest()
                let field = request.identity(identity(known, ":field:\(fieldId)"))
                let type = request.identity(identity(known, ":contenttype:\(contentType)"))
                let added = request.method("Add", of: request.property("FieldLinks", of: type),
                                           [.structure(typeId: fieldLinkCreationTypeId, [("Field", .path(field))])])
                request.objectPath(added)
                request.objectIdentityQuery(added)
                request.call("Update", on: type, [.bool(true)])
                _ = try spo.processQuery(request, at: web)
                link = try spo.get(linkURL)
                if link["odata.null"]?.boolValue == true { throw PluginFailure("Couldn't find field link for field \(fieldId)", status: M365_ERR_NOT_FOUND) }
            }
            let required = options.optionalBool(ContentTypeKeys.required), hidden = options.optionalBool(ContentTypeKeys.hidden)
            let setRequired = required.map { $0 != (link["Required"]?.boolValue ?? false) } ?? false
            let setHidden = hidden.map { $0 != (link["Hidden"]?.boolValue ?? false) } ?? false
            // Already as asked: nothing more to send, as the CLI.
            guard setRequired || setHidden else { return }
            let known: (site: String, web: String)
            if let ids { known = ids } else { known = try siteAndWeb(spo, web) }
            var request = CSOMRequest()
            let target = request.identity(identity(known, ":contenttype:\(contentType):fl:\(link["Id"]?.stringValue ?? fieldId)"))
            let type = request.identity(identity(known, ":contenttype:\(contentType)"))
            if setRequired, let required { request.set("Required", on: target, .bool(required)) }
            if setHidden, let hidden { request.set("Hidden", on: target, .bool(hidden)) }
            request.call("Update", on: type, [.bool(true)])
            _ = try spo.processQuery(request, at: web)
        },

        command("contenttype field remove", "Removes a column from a site- or list content type",
                options: [webUrl] + listOptions() + [option(ContentTypeKeys.contentTypeId, nil, "ID of the content type", required: true),
                                                     option(.id, "i", "ID of the column to remove", required: true),
                                                     flag(ContentTypeKeys.updateChildContentTypes, "c", "Also remove it from the content types that inherit from this site content type"),
                                                     forceOption],
                examples: [("From a site content type and its children", "m365 spo contenttype field remove --webUrl https://contoso.sharepoint.com/sites/contoso-sales --contentTypeId 0x0100CA0FA0F5DAEF784494B9C6020C3020A6 --id 880d2f46-fccb-43ca-9def-f88e722cef80 --updateChildContentTypes --force"),
                           ("From a list content type", "m365 spo contenttype field remove --webUrl /sites/contoso-sales --listTitle Documents --contentTypeId 0x0100CA0FA0F5DAEF784494B9C6020C3020A6 --id 880d2f46-fccb-43ca-9def-f88e722cef80")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let fieldId = options.string(.id) ?? ""
            if !isGUID(fieldId) { throw usage("\(fieldId) is not a valid GUID") }
            let web = try spo.webURL(options, .webUrl)
            try checkListId(options)
            let contentType = options.string(ContentTypeKeys.contentTypeId) ?? ""
            guard try spo.invocation.confirmedRemoval(options, "the column \(fieldId) from content type \(contentType)") else { return }
            let ids = try siteAndWeb(spo, web)
            let list = try listId(spo, web, options)
            let children = list == nil && options.bool(ContentTypeKeys.updateChildContentTypes)
            var request = CSOMRequest()
            let type = request.identity(identity(ids, (list.map { ":list:\($0)" } ?? "") + ":contenttype:\(contentType)"))
            let links = request.property("FieldLinks", of: type)
            request.objectPath(links)
            let link = request.method("GetById", of: links, [.guid(fieldId)])
            request.objectPath(link)
            request.call("DeleteObject", on: link)
            request.call("Update", on: type, [.bool(children)])
            _ = try spo.processQuery(request, at: web)
        },

        command("contenttype sync", "Adds a published content type from the content type hub to a site or syncs its latest changes",
                options: [webUrl, option(.id, "i", "ID of the published content type"), option(.name, "n", "Name of the published content type")]
                    + listOptions(titleShort: nil),
                sets: [["id", "name"]],
                examples: [("To a site, by id", "m365 spo contenttype sync --webUrl https://contoso.sharepoint.com/sites/contoso-sales --id 0x0101"),
                           ("To a list, by name", "m365 spo contenttype sync --webUrl /sites/contoso-sales --listTitle Documents --name Contract")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            try oneList(options)
            try checkListId(options)
            let graph = (spo.invocation.setting("connection.graphOrigin") ?? "https://graph.microsoft.com") + "/v1.0/sites/"
            let host = SPOClient.host(web), path = SPOClient.serverRelative(web)
            let site = path == "/" ? host : try graphSiteId(spo, graph, host: host, path: path)
            var listPath = ""
            if let list = options.string(.listId) ?? options.string(.listTitle) {
                listPath = "/lists/" + OData.segment(list)
            } else if let url = options.string(.listUrl) {
                let relative = SPOClient.serverRelative(listURL: url, web: web)
                guard let id = try spo.get(web + "/_api/web/GetList\(key(relative))" + OData.query([("$select", "id")]))["Id"]?.stringValue else {
                    throw PluginFailure("SharePoint did not return the id of the list", status: M365_ERR_SERVER)
                }
                listPath = "/lists/" + id
            }
            var id = options.string(.id)
            if id == nil {
                let name = options.string(.name) ?? ""
                let hub = try graphSiteId(spo, graph, host: host, path: "/sites/contenttypehub")
                // As the CLI: the name goes into the filter as given.
                let found = try spo.send("GET", graph + hub + "/contenttypes" + OData.query([("$filter", "name eq '\(name)'"), ("$select", "id,name")]),
                                         headers: [("Accept", "application/json;odata.metadata=none")])
                id = found?["value"]?.arrayValue?.first?["id"]?.stringValue
                guard id != nil else { throw PluginFailure("Content type with name \(name) not found.", status: M365_ERR_NOT_FOUND) }
            }
            let answer = try spo.answer("POST", graph + site + listPath + "/contenttypes/addCopyFromContentTypeHub",
                                        body: .object(["contentTypeId": .string(id ?? "")]),
                                        headers: [("Accept", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false")])
            // A first copy comes back; a sync of an existing one answers without a body.
            if let copied = answer.json?.objectValue { try spo.invocation.emit(result: .object(copied)) }
        },

        command("contenttypehub get", "Returns the URL of the SharePoint Content Type Hub of the Tenant",
                examples: [("The hub's URL", "m365 spo contenttypehub get")]) { (spo: SPOClient, _: Options) throws(PluginFailure) in
            let root = try spo.spoURL()
            var request = CSOMRequest()
            let session = request.staticMethod("GetTaxonomySession", typeId: taxonomySessionTypeId)
            request.objectPath(session)
            request.objectIdentityQuery(session)
            let store = request.method("GetDefaultSiteCollectionTermStore", of: session)
            request.objectPath(store)
            request.objectIdentityQuery(store)
            let query = request.query(store, properties: ["ContentTypePublishingHub"])
            let response = try spo.processQuery(request, at: root)
            try spo.invocation.emit(result: .object(["ContentTypePublishingHub": response[query]?["ContentTypePublishingHub"] ?? .null]))
        },
    ] + ListContentTypeCommands.all

    /// The site's Graph id (`GET sites/{host}:{path}?$select=id`).
    static func graphSiteId(_ spo: SPOClient, _ graph: String, host: String, path: String) throws(PluginFailure) -> String {
        let site = try spo.send("GET", graph + host + ":" + path + OData.query([("$select", "id")]),
                                headers: [("Accept", "application/json;odata.metadata=none")])
        guard let id = site?["id"]?.stringValue else { throw PluginFailure("Microsoft Graph did not return the id of the site \(host)\(path)", status: M365_ERR_SERVER) }
        return id
    }

    /// The field schema with `AllowDeletion="TRUE"` on its element; nil when it already says so.
    static func allowingDeletion(_ schema: String) -> String? {
        guard let close = schema.firstIndex(of: ">") else { return nil }
        var head = String(schema[..<close]), tail = String(schema[close...])
        if let range = head.firstRange(of: "AllowDeletion=\"") {
            let valueStart = range.upperBound
            guard let end = head[valueStart...].firstIndex(of: "\"") else { return nil }
            if head[valueStart..<end] == "TRUE" { return nil }
            head.replaceSubrange(valueStart..<end, with: "TRUE")
            return head + tail
        }
        // `<Field … />`: the attribute goes before the element's end.
        if head.hasSuffix("/") { head.removeLast(); tail = "/" + tail; head = head.hasSuffix(" ") ? head : head + " " }
        else { head += " " }
        return head + "AllowDeletion=\"TRUE\"" + tail
    }
}

/// `spo list contenttype add|list|remove|default set`: the content types of a list.
enum ListContentTypeCommands {
    static let webUrl = ContentTypeCommands.webUrl
    static let selector = [option(.listId, "l", "ID of the list"), option(.listTitle, "t", "Title of the list"),
                           option(.listUrl, nil, "Server- or site-relative URL of the list")]
    static let sets = [["listId", "listTitle", "listUrl"]]

    static let all: [PluginCommand] = [
        command("list contenttype add", "Adds content type to list",
                options: [webUrl] + selector + [option(.id, "i", "ID of the site content type to add", required: true)], sets: sets,
                examples: [("Folders in a list", "m365 spo list contenttype add --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle Documents --id 0x0120")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            try ContentTypeCommands.checkListId(options)
            let list = try ListSelector.forItems.path(web, options)
            guard let added = try spo.write(list + "/ContentTypes/AddAvailableContentType", body: .object(["contentTypeId": .string(options.string(.id) ?? "")]))?.objectValue else {
                throw PluginFailure("SharePoint did not return the content type", status: M365_ERR_SERVER)
            }
            try spo.invocation.emit(result: .object(SPOClient.unwrapVerbose(added)))
        },

        command("list contenttype list", "Lists content types configured on the list",
                options: [webUrl] + selector, sets: sets, defaults: ["StringId", "Name", "Hidden", "ReadOnly", "Sealed"],
                examples: [("A list's content types", "m365 spo list contenttype list --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle Documents")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            try ContentTypeCommands.checkListId(options)
            try spo.list(try ListSelector.forItems.path(web, options) + "/ContentTypes" + OData.query([("$expand", "Parent")]))
        },

        command("list contenttype remove", "Removes content type from list",
                options: [webUrl] + selector + [option(.id, "i", "ID of the list's content type", required: true), forceOption], sets: sets,
                examples: [("Without a prompt", "m365 spo list contenttype remove --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle Documents --id 0x0120 --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            try ContentTypeCommands.checkListId(options)
            let list = try ListSelector.forItems.path(web, options)
            let id = options.string(.id) ?? ""
            guard try spo.invocation.confirmedRemoval(options, "the content type \(id) from the list \(ListSelector.forItems.label(options)) in site \(options.string(.webUrl) ?? web)") else { return }
            // As the CLI: SharePoint's answer for a type the list lacks is not looked at.
            try spo.write(list + "/ContentTypes" + ContentTypeCommands.key(id), tunnel: "DELETE")
        },

        command("list contenttype default set", "Sets the default content type for a list",
                options: [webUrl] + selector + [option(ContentTypeKeys.contentTypeId, "c", "ID of the list's content type to make the default", required: true)],
                sets: sets,
                examples: [("Make a type the default", "m365 spo list contenttype default set --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle 'My List' --contentTypeId 0x0120")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            try ContentTypeCommands.checkListId(options)
            let list = try ListSelector.forItems.path(web, options)
            let id = options.string(ContentTypeKeys.contentTypeId) ?? ""
            let folder = try spo.get(list + "/RootFolder" + OData.query([("$select", "ContentTypeOrder,UniqueContentTypeOrder")]))
            let unique = folder["UniqueContentTypeOrder"]?.arrayValue
            var order = (unique ?? folder["ContentTypeOrder"]?.arrayValue ?? []).compactMap { $0["StringValue"]?.stringValue }
            if let index = order.firstIndex(where: { $0.uppercased() == id.uppercased() }) {
                // Already first: already the default.
                guard index > 0 else { return }
                order.remove(at: index)
            } else {
                // Hidden from the New menu: it must at least be one of the list's types.
                let types = try spo.get(list + "/ContentTypes" + OData.query([("$select", "Id")]))["value"]?.arrayValue ?? []
                guard types.contains(where: { ($0["Id"]?["StringValue"]?.stringValue ?? "").uppercased() == id.uppercased() }) else {
                    throw PluginFailure("Content type \(id) missing in the list. Add the content type to the list first and try again.", status: M365_ERR_NOT_FOUND)
                }
            }
            order.insert(id, at: 0)
            try spo.write(list + "/RootFolder", tunnel: "MERGE",
                          body: .object(["UniqueContentTypeOrder": .array(order.map { ["StringValue": .string($0)] })]))
        },
    ]
}
