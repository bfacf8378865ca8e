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

    /// The writable task properties the options set.
    static func taskBody(_ options: Options) -> JSONObject {
        var body = JSONObject()
        if let v = options.string(.title) { body["title"] = .string(v) }
        if let v = options.string(.status) { body["status"] = .string(v) }
        if let v = options.string(.importance) { body["importance"] = .string(v) }
        if let v = options.string(.bodyContent) {
            body["body"] = ["content": .string(v), "contentType": .string(options.string(.bodyContentType) ?? "text")]
        }
        if let v = options.string(.dueDateTime) { body["dueDateTime"] = ["dateTime": .string(v), "timeZone": "UTC"] }
        return body
    }

    static let taskOptions = [
        option(.status, nil, "The status", allowed: statuses), option(.importance, nil, "The importance", allowed: ["low", "normal", "high"]),
        option(.bodyContent, nil, "The task's notes"), option(.bodyContentType, nil, "The notes' format", allowed: ["text", "html"]),
        option(.dueDateTime, nil, "When the task is due (ISO 8601, UTC)"),
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

        command("task add", "Adds a task to a To Do list", options: [option(.title, "t", "The title", required: true)] + listSelector + taskOptions,
                sets: [["listName", "listId"]], defaults: taskDefaults) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            if options.has(.bodyContentType) && !options.has(.bodyContent) { throw usage("--bodyContentType needs --bodyContent") }
            let list = try listId(graph, options)
            try graph.invocation.emit(result: try graph.send("POST", "\(lists)/\(list)/tasks", body: .object(taskBody(options))) ?? .null)
        },

        command("task set", "Updates a task", options: [option(.id, "i", "The ID of the task", required: true), option(.title, "t", "The new title")]
                    + listSelector + taskOptions, sets: [["listName", "listId"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let body = taskBody(options)
            guard !body.isEmpty else { throw usage("specify at least one property to update") }
            let list = try listId(graph, options)
            try graph.send("PATCH", "\(lists)/\(list)/tasks/\(OData.segment(options.string(.id) ?? ""))", body: .object(body))
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
