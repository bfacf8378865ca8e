import GraphKit

/// `graph batch`, `graph subscription …`, `graph schemaextension …`.
enum GraphCommands {
    static let methods: Set<String> = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
    static let changeTypes: Set<String> = ["created", "updated", "deleted"]
    /// The longest a subscription to most resources may live (Graph's limit is 4,230 minutes;
    /// security alerts 43,200), less one minute for a clock running ahead of Graph's, as CLI for Microsoft 365 computes it.
    static func defaultSubscriptionMinutes(_ resource: String) -> Int {
        (resource.contains("security/alerts") ? 43_200 : 4_230) - 1
    }
    static let deliveryPrefixes = ["https://", "eventhub:https://", "eventgrid:?azuresubscriptionid="]

    /// The requests of a batch file (`{"requests":[…]}` or a bare array), checked before anything is sent.
    static func batchRequests(_ path: String) throws(PluginFailure) -> [GraphBatchRequest] {
        let text = String(decoding: try readLocalFile(path), as: UTF8.self)
        guard let json = try? JSON.parse(text) else { throw usage("\(path) is not valid JSON") }
        guard let items = json["requests"]?.arrayValue ?? json.arrayValue else {
            throw usage("\(path) must hold {\"requests\": [...]} or an array of requests")
        }
        var requests: [GraphBatchRequest] = []
        var seen: Set<String> = []
        for (index, item) in items.enumerated() {
            let where_ = "request \(index + 1) of \(path)"
            let id = item["id"]?.stringValue ?? item["id"]?.numberValue.map { String(Int($0)) } ?? String(index + 1)
            guard !seen.contains(id.lowercased()) else { throw usage("\(where_): the id '\(id)' is used twice") }
            guard let method = item["method"]?.stringValue?.uppercased(), methods.contains(method) else {
                throw usage("\(where_): 'method' must be one of \(methods.sorted().joined(separator: ", "))")
            }
            guard let url = item["url"]?.stringValue, !url.isEmpty, !url.hasPrefix("http") else {
                throw usage("\(where_): 'url' must be relative to the version root, e.g. /users?$top=5")
            }
            let dependsOn = item["dependsOn"]?.arrayValue?.compactMap(\.stringValue) ?? []
            for dependency in dependsOn where !seen.contains(dependency.lowercased()) {
                throw usage("\(where_): it depends on '\(dependency)', which is not an earlier request")
            }
            seen.insert(id.lowercased())
            requests.append(GraphBatchRequest(id: id, method: method, url: url, headers: item["headers"]?.objectValue ?? [:],
                                              body: item["body"], dependsOn: dependsOn))
        }
        guard !requests.isEmpty else { throw usage("\(path) holds no requests") }
        return requests
    }

    static let all: [PluginCommand] = [
        command("batch", "Sends the requests of a JSON file as Graph batches of 20; results in input order (an addition of this m365: CLI for Microsoft 365 has no such command)",
                options: [option(.filePath, "f", "A JSON file: {\"requests\":[{id, method, url, headers?, body?, dependsOn?}]}", required: true)],
                defaults: ["id", "status"],
                examples: [("Many requests at once", "m365 graph batch --filePath requests.json --query \"[?status>=`400`]\"")]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let requests = try batchRequests(options.string(.filePath) ?? "")
            for response in try graph.batch(requests) {
                var item: JSONObject = ["id": .string(response.id), "status": JSON(response.status), "headers": .object(response.headers)]
                item["body"] = response.body ?? .null
                try graph.invocation.emit(item: .object(item))
            }
        },

        command("subscription add", "Subscribes a notification URL to changes of a resource",
                options: [option(.resource, "r", "The resource, e.g. me/mailFolders('Inbox')/messages", required: true),
                          option(.changeTypes, "c", "Comma-separated: created, updated, deleted", required: true),
                          option(.notificationUrl, "u", "Where notifications go: https://…, EventHub:https://… or EventGrid:?azuresubscriptionid=…", required: true),
                          option(.expirationDateTime, "e", "When the subscription ends (ISO 8601); default: the longest Graph allows"),
                          option(.clientState, "s", "A secret sent back in each notification"),
                          option(.lifecycleNotificationUrl, nil, "Where lifecycle notifications go (the same forms as --notificationUrl)"),
                          option(.notificationUrlAppId, nil, "The app ID the subscription service uses to create the access token (Event Hubs, webhooks)"),
                          option(.latestTLSVersion, nil, "The newest TLS version the endpoint supports", allowed: ["v1_0", "v1_1", "v1_2", "v1_3"]),
                          option(.latestSupportedTlsVersion, nil, "The same as --latestTLSVersion (an addition of this m365)",
                                 allowed: ["v1_0", "v1_1", "v1_2", "v1_3"]),
                          flag(.withResourceData, nil, "Include the changed resource's data (needs the encryption options)"),
                          option(.encryptionCertificate, nil, "The base64 public key certificate Graph encrypts the resource data with"),
                          option(.encryptionCertificateId, nil, "Your ID of that certificate")]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let types = options.list(.changeTypes) ?? []
            for type in types where !changeTypes.contains(type) { throw usage("'\(type)' is not a change type: use created, updated or deleted") }
            for (key, label) in [(OptionKey<String>.notificationUrl, "notification URL"), (.lifecycleNotificationUrl, "lifecycle notification URL")] {
                if let url = options.string(key), !deliveryPrefixes.contains(where: { url.lowercased().hasPrefix($0) }) {
                    throw usage("The \(label) '\(url)' does not start with either 'https://' or 'EventHub:https://' or 'EventGrid:?azuresubscriptionid='")
                }
            }
            try options.exclusive([.latestTLSVersion, .latestSupportedTlsVersion])
            if options.bool(.withResourceData) {
                for key in [OptionKey<String>.encryptionCertificate, .encryptionCertificateId] where !options.has(key) {
                    throw usage("The '\(key.name)' options is required to include the changed resource data")
                }
            }
            if let state = options.string(.clientState), state.count > 128 { throw usage("The clientState value exceeds the maximum length of 128 characters") }
            if let v = options.string(.expirationDateTime), !isISODateTime(v) { throw usage("The expirationDateTime is not a valid ISO date string") }
            if let app = options.string(.notificationUrlAppId), !isGUID(app) { throw usage("\(app) is not a valid GUID for the 'notificationUrlAppId'") }
            let resource = options.string(.resource) ?? ""
            var body: JSONObject = [
                "changeType": .string(types.joined(separator: ",")), "resource": .string(resource),
                "notificationUrl": JSON(options.string(.notificationUrl)),
                "expirationDateTime": .string(options.string(.expirationDateTime) ?? isoTimestamp(secondsFromNow: defaultSubscriptionMinutes(resource) * 60)),
            ]
            if let v = options.string(.clientState) { body["clientState"] = .string(v) }
            if options.bool(.withResourceData) { body["includeResourceData"] = true }
            for key in [OptionKey<String>.encryptionCertificate, .encryptionCertificateId, .lifecycleNotificationUrl, .notificationUrlAppId] {
                if let value = options.string(key) { body[key.name] = .string(value) }
            }
            if let tls = options.string(.latestTLSVersion) ?? options.string(.latestSupportedTlsVersion) { body["latestSupportedTlsVersion"] = .string(tls) }
            try graph.invocation.emit(result: try graph.send("POST", "/subscriptions", body: .object(body)) ?? .null)
        },

        command("subscription list", "Lists the subscriptions of the app (an addition of this m365: CLI for Microsoft 365 has no such command)", defaults: ["id", "resource", "notificationUrl", "expirationDateTime"]) { (graph: GraphClient, _: Options) throws(PluginFailure) in
            try graph.list("/subscriptions")
        },

        command("subscription remove", "Removes a subscription (an addition of this m365: CLI for Microsoft 365 has no such command)",
                options: [option(.id, "i", "The ID of the subscription", required: true), forceOption]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = options.string(.id) ?? ""
            guard try graph.invocation.confirmedRemoval(options, "the subscription '\(id)'") else { return }
            try graph.send("DELETE", "/subscriptions/\(OData.segment(id))")
        },

        command("schemaextension list", "Lists schema extensions (one page, as CLI for Microsoft 365 reads them)",
                options: [option(.status, "s", "Only those in this state", allowed: ["Available", "InDevelopment", "Deprecated"]),
                          option(.owner, nil, "Only those owned by this app ID"),
                          option(.pageSize, "p", "How many to show (default: all of the page)"),
                          option(.pageNumber, "n", "Which page of --pageSize to show, from 0")]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.owner])
            for key in [OptionKey<Double>.pageSize, .pageNumber] {
                if let n = options.number(key), n < 0 || n != n.rounded() || (key.name == "pageSize" && n == 0) {
                    throw usage("\(Int(n)) is not a valid number for --\(key.name)")
                }
            }
            var terms: [String] = []
            if let v = options.string(.status) { terms.append("status eq \(OData.quote(v))") }
            if let v = options.string(.owner) { terms.append("owner eq \(OData.quote(v))") }
            var query: [(String, String?)] = [("$select", "*"), ("$filter", terms.isEmpty ? nil : terms.joined(separator: " and "))]
            if let page = options.int(.pageNumber), page > 0 { query.append(("$top", String((options.int(.pageSize) ?? 10) * (page + 1)))) }
            let items = try graph.get("/schemaExtensions" + OData.query(query))["value"]?.arrayValue ?? []
            guard !items.isEmpty else { return }
            let shown = Array(items.suffix(options.int(.pageSize) ?? items.count))
            guard graph.invocation.outputMode != "json" && shown.count > 1 else {
                try graph.invocation.emit(result: .array(shown))
                return
            }
            // Outside JSON, as CLI for Microsoft 365 shows them: the properties as JSON text.
            try graph.invocation.emit(result: .array(shown.map { item in
                ["id": item["id"] ?? .null, "description": item["description"] ?? .null, "targetTypes": item["targetTypes"] ?? .null,
                 "status": item["status"] ?? .null, "owner": item["owner"] ?? .null,
                 "properties": .string((item["properties"] ?? .null).serialized())]
            }))
        },

        command("schemaextension get", "Gets a schema extension", options: [option(.id, "i", "The ID of the schema extension", required: true)]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try graph.invocation.emit(result: .object(try graph.get("/schemaExtensions/\(OData.segment(options.string(.id) ?? ""))")))
        },

        command("schemaextension add", "Creates a schema extension (differs from CLI for Microsoft 365: --owner is optional and property types are left to Graph to check)",
                options: [option(.id, "i", "The name (Graph may prefix it)", required: true), option(.description, "d", "The description"),
                          option(.owner, nil, "The app ID that owns it (default: the signed-in app)"),
                          option(.targetTypes, "t", "Comma-separated types it extends, e.g. Group,User", required: true),
                          option(.properties, "p", "The properties as JSON: [{\"name\":\"courseId\",\"type\":\"Integer\"}]", required: true)]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.owner])
            guard let properties = (try? JSON.parse(options.string(.properties) ?? ""))?.arrayValue, !properties.isEmpty,
                  properties.allSatisfy({ $0["name"]?.stringValue != nil && $0["type"]?.stringValue != nil }) else {
                throw usage("--properties must be a JSON array of {\"name\", \"type\"} objects")
            }
            var body: JSONObject = [
                "id": JSON(options.string(.id)), "description": JSON(options.string(.description)),
                "targetTypes": .array((options.list(.targetTypes) ?? []).map { .string($0) }), "properties": .array(properties),
            ]
            if let owner = options.string(.owner) { body["owner"] = .string(owner) }
            try graph.invocation.emit(result: try graph.send("POST", "/schemaExtensions", body: .object(body)) ?? .null)
        },

        command("schemaextension remove", "Removes a schema extension (only while in development)",
                options: [option(.id, "i", "The ID of the schema extension", required: true), forceOption]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = options.string(.id) ?? ""
            guard try graph.invocation.confirmedRemoval(options, "the schema extension '\(id)'") else { return }
            try graph.send("DELETE", "/schemaExtensions/\(OData.segment(id))")
        },
    ]
}
