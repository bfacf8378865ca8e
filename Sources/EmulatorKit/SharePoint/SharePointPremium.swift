import Foundation
import JSONModel
import NIOHTTP1

/// SharePoint Premium (Syntex): content centers, their document understanding models, the
/// models' publications to libraries, and autofill columns.
///
/// A content center is a site collection with the `CONTENTCTR#0` template (the admin center lists
/// it by template). Its models are the items of its `Models` library (`_api/machinelearning/models`,
/// addressed by `getbyuniqueid('…')` or `getbytitle('<name>.classifier')`); publications (a model
/// applied to a library) are the items of its hidden `Model Publications` list. Both are kept as
/// list items, so they are real state that resets with the store. An autofill column keeps its
/// prompt in the field's `AutofillInfo` (`{"LLM":{"Prompt":…,"IsEnabled":…}}`).
enum SharePointPremium {
    typealias On = (HTTPMethod, String, @escaping SharePointEndpoints.Handler) -> Void

    static func register(_ on: On) {
        on(.GET, "_api/machinelearning/models", listModels)
        on(.GET, "_api/machinelearning/models/getbyuniqueid/{id}", { r, p in try getModel(r, unique: p["id"]!) })
        on(.GET, "_api/machinelearning/models/{ref}", { r, p in try getModel(r, title: p["ref"]!) })
        on(.DELETE, "_api/machinelearning/models/getbyuniqueid/{id}", { r, p in try deleteModel(r, unique: p["id"]!) })
        on(.DELETE, "_api/machinelearning/models/{ref}", { r, p in try deleteModel(r, title: p["ref"]!) })
        on(.GET, "_api/machinelearning/publications/getbymodeluniqueid/{id}", listPublications)
        on(.POST, "_api/machinelearning/publications", addPublications)
        on(.POST, "_api/machinelearning/setsyntexpoweredcolumnprompts", setColumnPrompts)
        on(.POST, "_api/machinelearning/setcolumnllminfo", setColumnLLMInfo)
    }

    // MARK: The seeded content center

    /// Every tenant's content center: `https://<tenant>.sharepoint.com/sites/contentcenter`.
    static let centerPath = "/sites/contentcenter"
    static let modelsTitle = "Models"
    static let publicationsTitle = "Model Publications"

    /// The models the content center starts with: name, model type, last trained.
    static let seedModels: [(name: String, type: Int, trained: String)] = [
        ("Invoice", 2, "2024-05-24T17:51:16Z"), ("Contract", 2, "2024-05-25T09:12:40Z"),
        ("Retired", 2, "2024-05-26T08:00:00Z"), ("Obsolete", 8, "2024-05-27T08:00:00Z"),
    ]

    /// Adds the content center site (with its Models library and its models) beside the root
    /// site of a tenant that has SharePoint sites, as `SharePointContentTypes.addHub` does.
    static func addContentCenter(to webs: inout [String: SPWeb]) {
        guard let root = webs.values.first(where: { w in
            let host = w.url.dropFirst("https://".count)
            return !host.contains("/") && !host.contains("-admin.") && !host.contains("-my.")
        }) else { return }
        let url = root.url + centerPath
        guard webs[url.lowercased()] == nil else { return }
        let created = "2020-01-01T00:00:00Z"
        let web = SPWeb(id: Util.nameGUID("web/\(url)"), url: url, siteCollectionURL: url, siteId: Util.nameGUID("site/\(url)"),
                        title: "Syntex Content Center", description: "", webTemplate: "CONTENTCTR", language: 1033, created: created)
        web.lists.append(SPList(id: Util.nameGUID("list/\(url)/Documents"), title: "Documents", description: "", baseTemplate: 101,
                                url: "Shared Documents", created: created))
        let models = SPList(id: Util.nameGUID("list/\(url)/Models"), title: modelsTitle, description: "", baseTemplate: 101,
                            url: "Models", created: created)
        let driveId = "b!" + Util.nameGUID("drive/\(url)/Models").replacingOccurrences(of: "-", with: "")
        for (n, seed) in seedModels.enumerated() {
            let unique = Util.nameGUID("model/\(url)/\(seed.name)")
            let fields: JSONObject = [
                "AIBuilderHybridModelType": nil, "AzureCognitivePrebuiltModelName": nil, "BaseContentTypeName": nil,
                "ConfidenceScore": .string(#"{"trainingStatus":{"kind":"original","ClassifierStatus":{"TrainingStatus":"success"}},"modelAccuracy":{"Classifier":1}}"#),
                "ContentTypeGroup": "Intelligent Document Content Types",
                "ContentTypeId": .string("0x010100" + Util.nameGUID("ct/\(seed.name)").replacingOccurrences(of: "-", with: "").uppercased()),
                "ContentTypeName": .string(seed.name), "Created": "2024-05-23T16:51:29Z",
                "CreatedBy": "i:0#.f|membership|admin@contoso.onmicrosoft.com", "DriveId": .string(driveId),
                "Explanations": .string(#"{"Classifier":[],"Extractors":{}}"#), "LastTrained": .string(seed.trained), "ListID": .string(models.id),
                "ModelSettings": .string(#"{"ModelOrigin":{"Published":false,"SelecteFileUniqueIds":[]}}"#), "ModelType": JSON(seed.type),
                "Modified": .string(seed.trained), "ModifiedBy": "i:0#.f|membership|admin@contoso.onmicrosoft.com",
                "ObjectId": .string("01" + String(unique.replacingOccurrences(of: "-", with: "").uppercased().prefix(32))), "PublicationType": 0,
                "Schemas": .string(#"{"Version":2,"Extractors":{}}"#), "SourceSiteUrl": .string(url), "SourceUrl": nil,
                "SourceWebServerRelativeUrl": .string(centerPath), "UniqueId": .string(unique),
            ]
            models.items.append(SPItem(id: n + 1, version: 1, guid: unique, created: created, modified: seed.trained,
                                       authorId: 1073741823, editorId: 1073741823, fields: fields))
            models.nextId = n + 2
        }
        web.lists.append(models)
        web.lists.append(SPList(id: Util.nameGUID("list/\(url)/Publications"), title: publicationsTitle, description: "", baseTemplate: 100,
                                url: "Lists/ModelPublications", hidden: true, created: created))
        webs[url.lowercased()] = web
    }

    // MARK: Errors

    /// What SharePoint answers for a model id the content center doesn't have.
    static let modelNotFound = SPError(.notFound, "-1, Microsoft.Office.Server.ContentCenter.ModelNotFoundException", "File Not Found.")

    /// The Models library of the request's web; a site that isn't a content center has none.
    static func modelsList(_ web: SPWeb) throws -> SPList {
        guard web.webTemplate.uppercased() == "CONTENTCTR", let list = web.list(title: modelsTitle) else {
            throw SPError(.notFound, "-1, Microsoft.SharePoint.Client.ResourceNotFoundException",
                          "Cannot find resource for the request machinelearning.")
        }
        return list
    }

    static func publicationsList(_ web: SPWeb) throws -> SPList {
        guard let list = web.list(title: publicationsTitle) else { throw SPError.listNotFound(title: publicationsTitle, web: web.url) }
        return list
    }

    // MARK: Models

    static func modelProps(_ item: SPItem) -> JSONObject {
        var props = item.fields
        props["ID"] = JSON(item.id)
        return props
    }

    static let modelType = "Microsoft.Office.Server.ContentCenter.SPMachineLearningModel"

    static func modelMeta(_ item: SPItem) -> SPMeta {
        SPMeta(type: modelType, editLink: "machinelearning/models/getbyuniqueid('\(item.guid)')")
    }

    static func listModels(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let rows = try r.store.locked { try modelsList(r.web).items.map(modelProps) }
        let q = try SPQuery(r.request, properties: SPQuery.propertyNames(rows), typeName: modelType)
        let render = SPRender(r)
        var entries: [JSON] = []
        for (row, item) in zip(rows, try r.store.locked { try modelsList(r.web).items }) where q.matches(row) {
            entries.append(render.entry(q.project(row), modelMeta(item)))
        }
        return .json(render.collection(entries, context: "SP.ApiData.MachineLearningModels", next: nil))
    }

    /// `getbytitle('<name>.classifier')`: the model whose content type name is `<name>`
    /// (case-insensitive), as the `.classifier` file in the Models library is named.
    static func titleArgument(_ segment: String) -> String? {
        guard segment.lowercased().hasPrefix("getbytitle("), segment.hasSuffix(")") else { return nil }
        var arg = String(segment.dropFirst("getbytitle(".count).dropLast())
        if arg.count >= 2, arg.hasPrefix("'"), arg.hasSuffix("'") { arg = String(arg.dropFirst().dropLast()) }
        return arg.replacingOccurrences(of: "''", with: "'")
    }

    static func find(_ list: SPList, unique: String? = nil, title: String? = nil) -> SPItem? {
        if let unique { return list.items.first { $0.guid.caseInsensitiveCompare(unique.trimmingCharacters(in: ["'"])) == .orderedSame } }
        guard let title else { return nil }
        return list.items.first { (($0.fields["ContentTypeName"]?.stringValue ?? "") + ".classifier").lowercased() == title.lowercased() }
    }

    static func getModel(_ r: SharePointRequest, unique: String? = nil, title: String? = nil) throws -> EmulatorResponse {
        var byTitle: String?
        if let title {
            guard let t = titleArgument(title) else {
                throw SPError(.notFound, "-1, Microsoft.SharePoint.Client.ResourceNotFoundException", "Cannot find resource for the request \(title).")
            }
            byTitle = t
        }
        let item = try r.store.locked { find(try modelsList(r.web), unique: unique, title: byTitle) }
        guard let item else {
            // By title SharePoint answers null; by id it refuses.
            if byTitle != nil { return SharePointContentTypes.null(r) }
            throw modelNotFound
        }
        return .json(SPRender(r).entity(modelProps(item), modelMeta(item), context: "SP.ApiData.MachineLearningModels"))
    }

    /// DELETE a model: its item leaves the Models library and its publications go with it.
    static func deleteModel(_ r: SharePointRequest, unique: String? = nil, title: String? = nil) throws -> EmulatorResponse {
        var byTitle: String?
        if let title {
            guard let t = titleArgument(title) else {
                throw SPError(.notFound, "-1, Microsoft.SharePoint.Client.ResourceNotFoundException", "Cannot find resource for the request \(title).")
            }
            byTitle = t
        }
        let removed: Bool = try r.store.locked {
            let list = try modelsList(r.web)
            guard let item = find(list, unique: unique, title: byTitle) else { return false }
            list.items.removeAll { $0.id == item.id }
            if let pubs = r.web.list(title: publicationsTitle) {
                pubs.items.removeAll { $0.fields["ModelUniqueId"]?.stringValue?.lowercased() == item.guid.lowercased() }
            }
            return true
        }
        if !removed {
            if byTitle != nil { return SharePointContentTypes.null(r) }
            throw modelNotFound
        }
        return EmulatorResponse(status: .noContent)
    }

    // MARK: Publications

    static let publicationType = "Microsoft.Office.Server.ContentCenter.SPMachineLearningPublication"

    static func publicationProps(_ item: SPItem) -> JSONObject {
        var props = item.fields
        props["ID"] = JSON(item.id)
        return props
    }

    static func listPublications(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let id = p["id"]!.trimmingCharacters(in: ["'"])
        let items = try r.store.locked { () throws -> [SPItem] in
            _ = try modelsList(r.web)
            return try publicationsList(r.web).items.filter { $0.fields["ModelUniqueId"]?.stringValue?.lowercased() == id.lowercased() }
        }
        let render = SPRender(r)
        let entries = items.map { render.entry(publicationProps($0), SPMeta(type: publicationType, editLink: "machinelearning/publications(\($0.id))")) }
        return .json(render.collection(entries, context: "SP.ApiData.MachineLearningPublications", next: nil))
    }

    /// `POST publications {Publications: {results: [{ModelUniqueId, TargetSiteUrl,
    /// TargetWebServerRelativeUrl, TargetLibraryServerRelativeUrl, ViewOption}]}}`: each entry
    /// applies (or, when already applied there, syncs) a model to a library. The batch answers
    /// 201 with a Details entry per publication; a failed one carries its ErrorMessage.
    static func addPublications(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        guard let requested = (body["Publications"]?["results"] ?? body["Publications"])?.arrayValue else {
            throw SPError.invalidQuery("The parameter Publications does not exist in method Add.")
        }
        let tenant = r.tenant.id
        // The target webs, looked up before the store is locked for the writes.
        var targets: [String: SPWeb] = [:]
        for entry in requested {
            let siteURL = (entry["TargetSiteUrl"]?.stringValue ?? "").trimmingSuffix("/")
            if let web = r.store.web(for: siteURL, tenantId: tenant), web.url.caseInsensitiveCompare(siteURL) == .orderedSame {
                targets[siteURL.lowercased()] = web
            }
        }
        var details: [JSON] = []
        var failures = 0
        for entry in requested {
            let result: (JSONObject?, String?, Int) = try r.store.locked {
                let models = try modelsList(r.web)
                let pubs = try publicationsList(r.web)
                guard let modelId = entry["ModelUniqueId"]?.stringValue, let model = find(models, unique: modelId) else {
                    return (nil, "File Not Found.", 404)
                }
                let view = entry["ViewOption"]?.stringValue ?? "NewViewAsDefault"
                guard ["NewViewAsDefault", "DoNotChangeDefault", "TileViewAsDefault"].contains(view) else {
                    return (nil, "The view option '\(view)' is not valid.", 400)
                }
                let siteURL = (entry["TargetSiteUrl"]?.stringValue ?? "").trimmingSuffix("/")
                let libraryPath = entry["TargetLibraryServerRelativeUrl"]?.stringValue ?? ""
                guard let targetWeb = targets[siteURL.lowercased()], let library = targetWeb.list(url: libraryPath) else {
                    return (nil, "The target library '\(libraryPath)' does not exist.", 404)
                }
                guard library.isLibrary else { return (nil, "The target list '\(libraryPath)' is not a document library.", 400) }
                let now = Util.iso8601(Date())
                let host = URL(string: targetWeb.url).map { "https://" + ($0.host ?? "") } ?? ""
                var fields: JSONObject = [
                    "Created": .string(now), "CreatedBy": "i:0#.f|membership|admin@contoso.onmicrosoft.com",
                    "DriveId": .string("b!" + library.id.replacingOccurrences(of: "-", with: "")), "HasTargetSitePermission": true,
                    "ModelId": JSON(model.id), "ModelName": .string((model.fields["ContentTypeName"]?.stringValue ?? "") + ".classifier"),
                    "ModelType": model.fields["ModelType"] ?? 2, "ModelUniqueId": .string(model.guid), "ModelVersion": "1.0",
                    "Modified": .string(now), "ModifiedBy": "i:0#.f|membership|admin@contoso.onmicrosoft.com",
                    "ObjectId": .string("01" + String(Util.newGUID().replacingOccurrences(of: "-", with: "").uppercased().prefix(32))),
                    "PublicationType": 1, "TargetLibraryId": .string(library.id), "TargetLibraryName": .string(library.title),
                    "TargetLibraryRemoved": false, "TargetLibraryServerRelativeUrl": .string(library.serverRelativeURL),
                    "TargetLibraryUrl": .string(host + library.serverRelativeURL), "TargetSiteId": .string(targetWeb.siteId),
                    "TargetSiteUrl": .string(targetWeb.siteCollectionURL), "TargetTableListId": "00000000-0000-0000-0000-000000000000",
                    "TargetTableListName": nil, "TargetTableListRemoved": false, "TargetTableListServerRelativeUrl": nil,
                    "TargetTableListUrl": nil, "TargetWebId": .string(targetWeb.id), "TargetWebName": .string(targetWeb.title),
                    "TargetWebServerRelativeUrl": .string(targetWeb.serverRelativeUrl), "UniqueId": .string(Util.newGUID()),
                    "ViewOption": .string(view),
                ]
                // Applying a model again to the same library syncs the publication already there.
                if let index = pubs.items.firstIndex(where: {
                    $0.fields["ModelUniqueId"]?.stringValue == model.guid && $0.fields["TargetLibraryId"]?.stringValue == library.id
                }) {
                    var existing = pubs.items[index]
                    for key in ["Created", "CreatedBy", "ObjectId", "UniqueId"] { fields[key] = existing.fields[key] }
                    existing.fields = fields
                    existing.modified = now
                    pubs.items[index] = existing
                    return (publicationProps(existing), nil, 200)
                }
                let item = SPItem(id: pubs.nextId, version: 1, guid: fields["UniqueId"]!.stringValue!, created: now, modified: now,
                                  authorId: 1073741823, editorId: 1073741823, fields: fields)
                pubs.items.append(item)
                pubs.nextId += 1
                return (publicationProps(item), nil, 201)
            }
            if result.1 != nil { failures += 1 }
            details.append(["ErrorMessage": result.1.map(JSON.string) ?? nil, "Publication": result.0.map(JSON.object) ?? nil,
                            "StatusCode": JSON(result.2)])
        }
        let props: JSONObject = ["Details": .array(details), "TotalFailures": JSON(failures), "TotalSuccesses": JSON(details.count - failures)]
        var response = EmulatorResponse.json(SPRender(r).entity(props, SPMeta(type: "Microsoft.Office.Server.ContentCenter.SPMachineLearningPublicationsResult",
                                                                                 editLink: "machinelearning/publications"),
                                                                 context: "Microsoft.Office.Server.ContentCenter.SPMachineLearningPublicationsResult"))
        response.status = .created
        return response
    }

    // MARK: Autofill columns

    /// The library a `docLibId` (`{guid}`) names and the column a `columnId` names, checked:
    /// a document library, and a column of it. Call under the lock.
    static func column(_ web: SPWeb, library rawId: String?, column rawColumn: String?) throws -> (SPList, Int) {
        let id = (rawId ?? "").trimmingCharacters(in: ["{", "}"])
        guard let list = web.list(id: id) else { throw SPError.listDeleted }
        guard list.isLibrary else {
            throw SPError(.badRequest, "-2147024809, System.ArgumentException", "The list '\(list.title)' is not a document library.")
        }
        let columnId = (rawColumn ?? "").trimmingCharacters(in: ["{", "}"])
        guard let index = list.fields.firstIndex(where: { $0.id.caseInsensitiveCompare(columnId) == .orderedSame }) else {
            throw SPError(.badRequest, "-2147024809, System.ArgumentException", "Invalid field name. {\(columnId)}  \(list.serverRelativeURL) ")
        }
        return (list, index)
    }

    static func autofillInfo(prompt: String, enabled: Bool) -> JSON {
        let object: JSON = ["LLM": ["Prompt": .string(prompt), "IsEnabled": .bool(enabled)]]
        return .string(object.serialized())
    }

    /// `POST SetSyntexPoweredColumnPrompts {docLibId, syntexPoweredColumnPrompts: "[{columnId,
    /// columnName, prompt, isEnabled}]"}`: makes columns autofill columns.
    static func setColumnPrompts(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        guard let text = body["syntexPoweredColumnPrompts"]?.stringValue, let prompts = try? JSON.parse(text).arrayValue else {
            throw SPError.invalidQuery("The parameter syntexPoweredColumnPrompts does not exist in method SetSyntexPoweredColumnPrompts.")
        }
        try r.store.locked {
            for entry in prompts {
                guard let prompt = entry["prompt"]?.stringValue, !prompt.isEmpty else {
                    throw SPError(.badRequest, "-2147024809, System.ArgumentException", "Value cannot be null.\r\nParameter name: prompt")
                }
                let (list, index) = try column(r.web, library: body["docLibId"]?.stringValue, column: entry["columnId"]?.stringValue)
                list.fields[index].props["AutofillInfo"] = autofillInfo(prompt: prompt, enabled: entry["isEnabled"]?.boolValue ?? true)
            }
        }
        return EmulatorResponse(status: .noContent)
    }

    /// `POST SetColumnLLMInfo {autofillPrompt, columnId, docLibId, isEnabled}`: changes an
    /// autofill column's prompt or turns it on or off.
    static func setColumnLLMInfo(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        guard let prompt = body["autofillPrompt"]?.stringValue, !prompt.isEmpty else {
            throw SPError(.badRequest, "-2147024809, System.ArgumentException", "Value cannot be null.\r\nParameter name: autofillPrompt")
        }
        try r.store.locked {
            let (list, index) = try column(r.web, library: body["docLibId"]?.stringValue, column: body["columnId"]?.stringValue)
            list.fields[index].props["AutofillInfo"] = autofillInfo(prompt: prompt, enabled: body["isEnabled"]?.boolValue ?? true)
        }
        return EmulatorResponse(status: .noContent)
    }
}
