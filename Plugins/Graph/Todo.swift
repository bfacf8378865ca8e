import GraphKit

/// `todo list …` and `todo task …`: the signed-in user's Microsoft To Do.
enum TodoCommands {
    static let lists = "/me/todo/lists"
    static let listSelector = [option(.listName, nil, "The name of the list"), option(.listId, nil, "The ID of the list")]
    static let taskDefaults = ["id", "title", "status", "createdDateTime", "lastModifiedDateTime"]
    static let statuses = ["notStarted", "inProgress", "completed", "waitingOnOthers", "deferred"]

    static func listId(_ graph: GraphClient, _ options: Options, id: OptionKey<String> = .listId, name: OptionKey<String> = .listName) throws(PluginFailure) -> String {
        if let value = options.string(id) { return value }
        guard let value = options.string(name) else { throw usage("specify --\(id.name) or --\(name.name)") }
        return try graph.findOne(lists, where: "displayName", is: value, noun: "list")["id"]?.stringValue ?? ""
    }

    /// The writable task properties the options set; times as CLI for Microsoft 365 sends them (`Etc/GMT`).
    static func taskBody(_ options: Options) -> JSONObject {
        var body = JSONObject()
        if let v = options.string(.title) { body["title"] = .string(v) }
        if let v = options.string(.status) { body["status"] = .string(v) }
        if let v = options.string(.importance) { body["importance"] = .string(v) }
        if options.has(.bodyContent) || options.has(.bodyContentType) {
            var content = JSONObject()
            if let v = options.string(.bodyContent) { content["content"] = .string(v) }
            content["contentType"] = .string(options.string(.bodyContentType) ?? "text")
            body["body"] = .object(content)
        }
        for key in [OptionKey<String>.dueDateTime, .reminderDateTime] {
            if let v = options.string(key) { body[key.name] = ["dateTime": .string(v), "timeZone": "Etc/GMT"] }
        }
        if let v = options.string(.categories) { body["categories"] = .array(v.split(separator: ",", omittingEmptySubsequences: false).map { .string(String($0)) }) }
        for key in [OptionKey<String>.completedDateTime, .startDateTime] {
            if let v = options.string(key) { body[key.name] = ["dateTime": .string(v), "timeZone": "Etc/GMT"] }
        }
        return body
    }

    static let taskOptions = [
        option(.importance, nil, "The importance", allowed: ["low", "normal", "high"]),
        option(.bodyContent, nil, "The task's notes"), option(.bodyContentType, nil, "The notes' format", allowed: ["text", "html"]),
        option(.dueDateTime, nil, "When the task is due (ISO 8601, GMT)"), option(.reminderDateTime, nil, "When to remind (ISO 8601, GMT)"),
        option(.categories, nil, "Comma-separated categories"),
        option(.completedDateTime, nil, "When the task was completed (ISO 8601, GMT; only with --status completed)"),
        option(.startDateTime, nil, "When the task starts (ISO 8601, GMT)"),
    ]

    static let all: [PluginCommand] = [
        command("list list", "Lists your To Do lists", defaults: ["displayName", "id"]) { (graph: GraphClient, _: Options) throws(PluginFailure) in
            try graph.list(lists)
        },

        command("list add", "Creates a To Do list", options: [option(.name, "n", "The name of the list", required: true)]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try graph.invocation.emit(result: try graph.send("POST", lists, body: ["displayName": JSON(options.string(.name))]) ?? .null)
        },

        command("list remove", "Removes a To Do list", options: [option(.name, "n", "The name of the list"), option(.id, "i", "The ID of the list"), forceOption],
                sets: [["name", "id"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try listId(graph, options, id: .id, name: .name)
            guard try graph.invocation.confirmedRemoval(options, "the list '\(options.string(.name) ?? id)'") else { return }
            try graph.send("DELETE", "\(lists)/\(id)")
        },

        command("task list", "Lists the tasks of a To Do list", options: listSelector, sets: [["listName", "listId"]], defaults: taskDefaults) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try graph.list("\(lists)/\(try listId(graph, options))/tasks")
        },

        command("task get", "Gets a task", options: [option(.id, "i", "The ID of the task", required: true)] + listSelector,
                sets: [["listName", "listId"]], defaults: taskDefaults) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let list = try listId(graph, options)
            try graph.invocation.emit(result: .object(try graph.get("\(lists)/\(list)/tasks/\(OData.segment(options.string(.id) ?? ""))")))
        },

        command("task add", "Adds a task to a To Do list",
                options: [option(.title, "t", "The title", required: true)] + listSelector + [option(.status, nil, "The status", allowed: statuses)] + taskOptions,
                sets: [["listName", "listId"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            if options.has(.completedDateTime) && options.string(.status) != "completed" {
                throw usage("The completedDateTime option can only be used when the status option is set to completed")
            }
            let body = taskBody(options)
            let list = try listId(graph, options)
            try graph.invocation.emit(result: try graph.send("POST", "\(lists)/\(list)/tasks", body: .object(body)) ?? .null)
        },

        command("task set", "Updates a task", options: [option(.id, "i", "The ID of the task", required: true), option(.title, "t", "The new title"),
                                                        option(.status, "s", "The status", allowed: statuses)]
                    + listSelector + taskOptions, sets: [["listName", "listId"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let body = taskBody(options)
            guard !body.isEmpty else { throw usage("specify at least one property to update") }
            let list = try listId(graph, options)
            try graph.invocation.emit(result: try graph.send("PATCH", "\(lists)/\(list)/tasks/\(OData.segment(options.string(.id) ?? ""))", body: .object(body)) ?? .null)
        },

        command("task remove", "Removes a task", options: [option(.id, "i", "The ID of the task", required: true)] + listSelector + [forceOption],
                sets: [["listName", "listId"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let list = try listId(graph, options)
            let id = options.string(.id) ?? ""
            guard try graph.invocation.confirmedRemoval(options, "the task '\(id)'") else { return }
            try graph.send("DELETE", "\(lists)/\(list)/tasks/\(OData.segment(id))")
        },
    ]
}
