import GraphKit

/// `graph batch`, `graph subscription …`, `graph schemaextension …`.
enum GraphCommands {
    static let methods: Set<String> = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
    static let changeTypes: Set<String> = ["created", "updated", "deleted"]
    /// The longest a subscription to most resources may live (Graph's limit is 4,230 minutes).
    static let defaultSubscriptionMinutes = 4_230

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
                          option(.notificationUrl, "u", "The https URL that receives notifications", required: true),
                          option(.expirationDateTime, "e", "When the subscription ends (ISO 8601); default: the longest Graph allows"),
                          option(.clientState, "s", "A secret sent back in each notification"),
                          option(.lifecycleNotificationUrl, nil, "The https URL for lifecycle notifications"),
                          option(.latestSupportedTlsVersion, nil, "The newest TLS version the endpoint supports",
                                 allowed: ["v1_0", "v1_1", "v1_2", "v1_3"])],
                defaults: ["id", "resource", "notificationUrl", "expirationDateTime"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let types = options.list(.changeTypes) ?? []
            for type in types where !changeTypes.contains(type) { throw usage("'\(type)' is not a change type: use created, updated or deleted") }
            for key in [OptionKey<String>.notificationUrl, .lifecycleNotificationUrl] {
                if let url = options.string(key), !url.hasPrefix("https://") { throw usage("--\(key.name) must be an https URL") }
            }
            var body: JSONObject = [
                "changeType": .string(types.joined(separator: ",")), "notificationUrl": JSON(options.string(.notificationUrl)),
                "resource": JSON(options.string(.resource)),
                "expirationDateTime": .string(options.string(.expirationDateTime) ?? isoTimestamp(secondsFromNow: defaultSubscriptionMinutes * 60)),
            ]
            for key in [OptionKey<String>.clientState, .lifecycleNotificationUrl, .latestSupportedTlsVersion] {
                if let value = options.string(key) { body[key.name] = .string(value) }
            }
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

        command("schemaextension list", "Lists schema extensions",
                options: [option(.status, nil, "Only those in this state", allowed: ["Available", "InDevelopment", "Deprecated"]),
                          option(.owner, nil, "Only those owned by this app ID")],
                defaults: ["id", "description", "status", "owner"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.owner])
            var terms: [String] = []
            if let v = options.string(.status) { terms.append("status eq \(OData.quote(v))") }
            if let v = options.string(.owner) { terms.append("owner eq \(OData.quote(v))") }
            try graph.list("/schemaExtensions" + OData.query([("$filter", terms.isEmpty ? nil : terms.joined(separator: " and "))]))
        },

        command("schemaextension get", "Gets a schema extension", options: [option(.id, "i", "The ID of the schema extension", required: true)]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try graph.invocation.emit(result: .object(try graph.get("/schemaExtensions/\(OData.segment(options.string(.id) ?? ""))")))
        },

        command("schemaextension add", "Creates a schema extension",
                options: [option(.id, "i", "The name (Graph may prefix it)", required: true), option(.description, "d", "The description"),
                          option(.owner, nil, "The app ID that owns it (default: the signed-in app)"),
                          option(.targetTypes, "t", "Comma-separated types it extends, e.g. Group,User", required: true),
                          option(.properties, "p", "The properties as JSON: [{\"name\":\"courseId\",\"type\":\"Integer\"}]", required: true)],
                defaults: ["id", "description", "status", "owner"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
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
