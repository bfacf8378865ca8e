import PluginKit

/// `spp …`: SharePoint Premium (Syntex) — content centers, their document understanding models
/// (`{center}/_api/machinelearning/models`), applying models to libraries (`…/publications`) and
/// autofill columns (`…/machinelearning/SetSyntexPoweredColumnPrompts|SetColumnLLMInfo`), as
/// CLI for Microsoft 365 sends them. The commands share SharePoint's client and connection.
enum PremiumCommands {
    static let siteUrl = OptionKey<String>("siteUrl")
    static let contentCenterUrl = OptionKey<String>("contentCenterUrl")
    static let viewOption = OptionKey<String>("viewOption")
    static let withPublications = OptionKey<Bool>("withPublications")
    static let columnId = OptionKey<String>("columnId")
    static let columnTitle = OptionKey<String>("columnTitle")
    static let columnInternalName = OptionKey<String>("columnInternalName")
    static let prompt = OptionKey<String>("prompt")
    static let isEnabled = OptionKey<Bool>("isEnabled")

    static let centerUrl = option(siteUrl, "u", "URL of the content center site", required: true)
    static let modelSelector = [option(.id, "i", "Unique ID of the model"), option(.title, "t", "Display name of the model")]
    static let lists = [option(.listTitle, nil, "Title of the document library"), option(.listId, nil, "ID of the document library"),
                        option(.listUrl, nil, "Server- or site-relative URL of the document library")]

    static func literal(_ value: String) -> String { ListViewCommands.literal(value) }

    /// An absolute SharePoint URL without trailing slashes, as the CLI requires it.
    static func siteURL(_ spo: SPOClient, _ options: Options, _ key: OptionKey<String>) throws(PluginFailure) -> String {
        let raw = options.string(key) ?? ""
        guard raw.lowercased().hasPrefix("https://"), SPOClient.host(raw.lowercased()).contains(".sharepoint") else {
            throw usage("'\(raw)' is not a valid SharePoint Online site URL.")
        }
        return SPOClient.trimSlash(raw)
    }

    /// Refuses a site that isn't a content center (its `WebTemplateConfiguration` is not `CONTENTCTR#0`).
    static func assertContentCenter(_ spo: SPOClient, _ site: String) throws(PluginFailure) {
        let web = try spo.get(site + "/_api/web?$select=WebTemplateConfiguration")
        guard web["WebTemplateConfiguration"]?.stringValue == "CONTENTCTR#0" else {
            throw PluginFailure("\(site) is not a content site.", status: M365_ERROR)
        }
    }

    /// `getbytitle('<title>.classifier')` (lower-cased, the suffix added when missing) or `getbyuniqueid('…')`.
    static func modelAddress(_ options: Options) -> String {
        if let title = options.string(.title) {
            var name = title.lowercased()
            if !name.hasSuffix(".classifier") { name += ".classifier" }
            return "getbytitle(\(literal(name)))"
        }
        return "getbyuniqueid('\(options.string(.id) ?? "")')"
    }

    static func requireModelGUID(_ options: Options) throws(PluginFailure) {
        if let id = options.string(.id), !isGUID(id) { throw usage("\(id) is not a valid GUID for option 'id'.") }
    }

    /// The model, or the CLI's error when a title names none (SharePoint answers null).
    static func model(_ spo: SPOClient, _ center: String, _ options: Options) throws(PluginFailure) -> JSONObject {
        let found = try spo.get(center + "/_api/machinelearning/models/" + modelAddress(options))
        if found["odata.null"]?.boolValue == true {
            throw PluginFailure("Model '\(options.string(.title) ?? options.string(.id) ?? "")' was not found.", status: M365_ERR_NOT_FOUND)
        }
        return found
    }

    /// `lists(guid'…')`, `lists/getByTitle('…')` or `GetList('…')` under `{web}/_api/web`.
    static func libraryPath(_ web: String, _ options: Options) -> String {
        if let id = options.string(.listId) { return web + "/_api/web/lists(guid'\(percentEncode(id))')" }
        if let title = options.string(.listTitle) { return web + "/_api/web/lists/getByTitle(\(literal(title)))" }
        return web + "/_api/web/GetList(\(literal(SPOClient.serverRelative(listURL: options.string(.listUrl) ?? "", web: web))))"
    }

    static func requireListGUID(_ options: Options, _ message: (String) -> String) throws(PluginFailure) {
        if let id = options.string(.listId), !isGUID(id) { throw usage(message(id)) }
    }

    /// A JSON string property holding JSON, parsed (null when empty).
    static func parsedJSON(_ value: JSON?) -> JSON {
        guard let text = value?.stringValue, !text.isEmpty, let parsed = try? JSON.parse(text) else { return .null }
        return parsed
    }

    static let all: [PluginCommand] = [
        command("contentcenter list", "Lists the SharePoint Premium content centers of the tenant (needs the admin site)",
                defaults: ["Title", "Url"],
                examples: [("Every content center", "m365 spp contentcenter list")]) { (spo: SPOClient, _: Options) throws(PluginFailure) in
            var start = "0"
            var count = 0
            while true {
                let (response, id) = try spo.tenantQuery(readOnly: true) { request, tenant in
                    let filter = CSOMRequest.Value.structure(typeId: "{b92aeee2-c92c-4b67-abcc-024e471bc140}", [
                        ("Filter", .string("")), ("IncludeDetail", .bool(false)), ("IncludePersonalSite", .enumeration(0)),
                        ("StartIndex", .string(start)), ("Template", .string("CONTENTCTR#0")),
                    ])
                    let found = request.method("GetSitePropertiesFromSharePointByFilters", of: tenant, [filter])
                    request.objectPath(found)
                    return request.query(found, children: true)
                }
                let (page, others) = try response.children(of: id)
                try response.forEachText(page) { text throws(PluginFailure) in try spo.invocation.emit(itemText: text) }
                count += page.count
                let next = others["NextStartIndexFromSharePoint"]?.stringValue ?? ""
                guard !next.isEmpty, next != start else { break }
                start = next
            }
            if count == 0 { try spo.invocation.emit(result: []) }
        },

        command("model list", "Lists the document understanding models of a content center",
                options: [centerUrl], defaults: ["AIBuilderHybridModelType", "ContentTypeName", "LastTrained", "UniqueId"],
                examples: [("Models of a content center", "m365 spp model list --siteUrl https://contoso.sharepoint.com/sites/ContentCenter")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let center = try siteURL(spo, options, siteUrl)
            try assertContentCenter(spo, center)
            try spo.list(center + "/_api/machinelearning/models")
        },

        command("model get", "Gets a document understanding model of a content center",
                options: [centerUrl] + modelSelector + [flag(withPublications, nil, "Also list the libraries the model is applied to")],
                sets: [["id", "title"]],
                examples: [("A model by title, with its publications", "m365 spp model get --siteUrl https://contoso.sharepoint.com/sites/ContentCenter --title Invoice --withPublications")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try requireModelGUID(options)
            let center = try siteURL(spo, options, siteUrl)
            try assertContentCenter(spo, center)
            var found = try model(spo, center, options)
            if options.bool(withPublications) {
                let unique = found["UniqueId"]?.stringValue ?? ""
                var publications: [JSON] = []
                try spo.forEachItem(center + "/_api/machinelearning/publications/getbymodeluniqueid('\(unique)')") { publications.append(.object($0)) }
                found["Publications"] = .array(publications)
            }
            // The JSON-in-string properties come out parsed.
            for key in ["ConfidenceScore", "Explanations", "Schemas", "ModelSettings"] { found[key] = parsedJSON(found[key]) }
            try spo.invocation.emit(result: .object(found))
        },

        command("model apply", "Applies (or syncs) a document understanding model to a document library",
                options: [option(.webUrl, "u", "URL of the site of the library", required: true),
                          option(contentCenterUrl, "c", "URL of the content center the model is in", required: true)]
                    + modelSelector + lists
                    + [option(viewOption, nil, "Whether the model's view becomes the library's default (default NewViewAsDefault)",
                              allowed: ["NewViewAsDefault", "DoNotChangeDefault", "TileViewAsDefault"])],
                sets: [["id", "title"], ["listTitle", "listId", "listUrl"]],
                examples: [("Apply a model to a library", "m365 spp model apply --webUrl https://contoso.sharepoint.com/sites/sales --contentCenterUrl https://contoso.sharepoint.com/sites/ContentCenter --title Invoice --listTitle Documents")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            if let id = options.string(.id), !isGUID(id) { throw usage("id: Invalid UUID") }
            if let id = options.string(.listId), !isGUID(id) { throw usage("listId: Invalid UUID") }
            let center = try siteURL(spo, options, contentCenterUrl)
            let web = try siteURL(spo, options, .webUrl)
            try assertContentCenter(spo, center)
            let found = try model(spo, center, options)
            let library = try spo.get(libraryPath(web, options) + "?$select=BaseType,RootFolder/ServerRelativeUrl&$expand=RootFolder")
            guard library["BaseType"]?.intValue == 1 else { throw PluginFailure("The specified list is not a document library.", status: M365_ERROR) }
            let publication: JSON = [
                "ModelUniqueId": found["UniqueId"] ?? .null, "TargetSiteUrl": .string(options.string(.webUrl) ?? web),
                "TargetWebServerRelativeUrl": .string(SPOClient.serverRelative(web)),
                "TargetLibraryServerRelativeUrl": library["RootFolder"]?["ServerRelativeUrl"] ?? .null,
                "ViewOption": .string(options.string(viewOption) ?? "NewViewAsDefault"),
            ]
            let body: JSON = ["__metadata": ["type": "Microsoft.Office.Server.ContentCenter.SPMachineLearningPublicationsEntityData"],
                              "Publications": ["results": [publication]]]
            let result = try spo.send("POST", center + "/_api/machinelearning/publications", body: body,
                                      headers: [("Content-Type", "application/json;odata=verbose")])
            if let message = result?["Details"]?.arrayValue?.first?["ErrorMessage"]?.stringValue {
                throw PluginFailure(message, status: M365_ERROR)
            }
        },

        command("model remove", "Deletes a document understanding model from a content center",
                options: [centerUrl] + modelSelector + [forceOption], sets: [["id", "title"]],
                examples: [("Remove a model without a question", "m365 spp model remove --siteUrl https://contoso.sharepoint.com/sites/ContentCenter --title Invoice --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try requireModelGUID(options)
            let center = try siteURL(spo, options, siteUrl)
            guard try spo.invocation.confirmed(options, "Are you sure you want to remove model '\(options.string(.title) ?? options.string(.id) ?? "")'?",
                                               needing: "removing model '\(options.string(.title) ?? options.string(.id) ?? "")'") else { return }
            try assertContentCenter(spo, center)
            let result = try spo.send("DELETE", center + "/_api/machinelearning/models/" + modelAddress(options), headers: [("If-Match", "*")])
            if result?["odata.null"]?.boolValue == true { throw PluginFailure("Model not found.", status: M365_ERR_NOT_FOUND) }
        },

        command("autofillcolumn set", "Makes a library column an autofill column, or changes its prompt or state",
                options: [option(siteUrl, "u", "URL of the site of the library", required: true)] + lists
                    + [option(columnId, "i", "ID of the column"), option(columnTitle, "t", "Title of the column"),
                       option(columnInternalName, nil, "Internal name of the column (case-sensitive)"),
                       option(prompt, nil, "What to extract or generate from the library's files, in natural language"),
                       option(isEnabled, nil, "Turn the autofill on (true) or off (false)")],
                sets: [["listTitle", "listId", "listUrl"], ["columnId", "columnTitle", "columnInternalName"]],
                examples: [("Autofill a column", "m365 spp autofillcolumn set --siteUrl https://contoso.sharepoint.com/sites/sales --listTitle Documents --columnTitle Summary --prompt 'Summarize the document'")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            if let id = options.string(.listId), !isGUID(id) { throw usage("listId: Invalid UUID") }
            if let id = options.string(columnId), !isGUID(id) { throw usage("columnId: Invalid UUID") }
            let site = try siteURL(spo, options, siteUrl)
            let library = try spo.get(libraryPath(site, options) + "?$select=Id,BaseType")
            guard library["BaseType"]?.intValue == 1 else { throw PluginFailure("The specified list is not a document library.", status: M365_ERROR) }
            let listId = library["Id"]?.stringValue ?? ""
            let address = options.string(columnId).map { "/getbyid(\(literal($0)))" }
                ?? "/getbyinternalnameortitle(\(literal(options.string(columnTitle) ?? options.string(columnInternalName) ?? "")))"
            let column = try spo.get(site + "/_api/web/lists(guid'\(percentEncode(listId))')/fields" + address + "?&$select=Id,Title,FieldTypeKind,AutofillInfo")
            // Integer, Text, Note, DateTime, Counter, Choice, Boolean, Number, Currency, URL, Computed, MultiChoice, GridChoice.
            let allowedKinds = [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 15, 16]
            guard let kind = column["FieldTypeKind"]?.intValue, allowedKinds.contains(kind) else {
                throw PluginFailure("The specified column has incorrect type.", status: M365_ERROR)
            }
            let fieldId = column["Id"]?.stringValue ?? ""
            let enabled = options.has(isEnabled) ? options.bool(isEnabled) : nil
            if let info = column["AutofillInfo"]?.stringValue, !info.isEmpty {
                // Already an autofill column: what isn't given stays as it is.
                let llm = (try? JSON.parse(info))?["LLM"]
                try spo.send("POST", site + "/_api/machinelearning/SetColumnLLMInfo", body: [
                    "autofillPrompt": options.string(prompt).map(JSON.string) ?? llm?["Prompt"] ?? .null, "columnId": .string(fieldId),
                    "docLibId": .string("{\(listId)}"), "isEnabled": enabled.map(JSON.bool) ?? llm?["IsEnabled"] ?? .null,
                ])
                return
            }
            guard let text = options.string(prompt) else {
                throw PluginFailure("The prompt parameter is required when setting the autofill column for the first time.", status: M365_ERROR)
            }
            let prompts: JSON = [["columnId": .string(fieldId), "columnName": column["Title"] ?? .null, "prompt": .string(text),
                                  "isEnabled": .bool(enabled ?? true)]]
            try spo.send("POST", site + "/_api/machinelearning/SetSyntexPoweredColumnPrompts", body: [
                "docLibId": .string("{\(listId)}"), "syntexPoweredColumnPrompts": .string(prompts.serialized()),
            ])
        },
    ]
}
