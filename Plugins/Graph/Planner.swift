import GraphKit

/// `planner plan …`, `planner bucket …`, `planner task …`. Every change to a Planner object
/// carries `If-Match` with the object's current ETag, read just before.
enum PlannerCommands {
    static let owner = [option(.ownerGroupId, nil, "The ID of the group that owns the plan"),
                        option(.ownerGroupName, nil, "The name of the group that owns the plan")]
    static let planDefaults = ["id", "title", "createdDateTime", "owner"]
    static let taskDefaults = ["id", "title", "startDateTime", "dueDateTime", "completedDateTime"]

    static func ownerGroup(_ graph: GraphClient, _ options: Options) throws(PluginFailure) -> String? {
        guard options.has(.ownerGroupId) || options.has(.ownerGroupName) else { return nil }
        try options.exclusive([.ownerGroupId, .ownerGroupName])
        return try graph.groupId(options, id: .ownerGroupId, name: .ownerGroupName)
    }

    /// The plan given by `--<id>` or by `--<title>` within the owner group.
    static func planId(_ graph: GraphClient, _ options: Options, id: OptionKey<String> = .planId, title: OptionKey<String> = .planTitle) throws(PluginFailure) -> String {
        if let value = options.string(id) { return value }
        guard let name = options.string(title) else { throw usage("specify --\(id.name) or --\(title.name)") }
        guard let group = try ownerGroup(graph, options) else { throw usage("--\(title.name) needs --ownerGroupId or --ownerGroupName") }
        let plans = try graph.all("/groups/\(group)/planner/plans").filter { $0["title"]?.stringValue == name }
        guard let plan = plans.first else { throw PluginFailure("The specified plan '\(name)' does not exist.", status: M365_ERR_NOT_FOUND) }
        guard plans.count == 1 else { throw PluginFailure("Multiple plans with title '\(name)' found.") }
        return plan["id"]?.stringValue ?? ""
    }

    /// Sends a change to a Planner object with `If-Match` set to its current ETag.
    static func change(_ graph: GraphClient, _ method: String, _ path: String, body: JSON? = nil) throws(PluginFailure) {
        let etag = try graph.getWithETag(path).etag
        try graph.send(method, path, body: body, headers: [("If-Match", etag)])
    }

    static func validatePercent(_ options: Options) throws(PluginFailure) {
        if let p = options.number(.percentComplete), !(0...100).contains(p) { throw usage("--percentComplete must be between 0 and 100") }
        if let p = options.number(.priority), !(0...10).contains(p) || p != p.rounded() { throw usage("--priority must be a whole number from 0 to 10") }
        try options.requireGUIDs([.assignedToUserIds])
    }

    static func taskBody(_ options: Options) -> JSONObject {
        var body = JSONObject()
        if let v = options.string(.title) { body["title"] = .string(v) }
        if let v = options.string(.bucketId) { body["bucketId"] = .string(v) }
        if let v = options.string(.dueDateTime) { body["dueDateTime"] = .string(v) }
        if let v = options.number(.percentComplete) { body["percentComplete"] = .number(v) }
        if let v = options.number(.priority) { body["priority"] = .number(v) }
        if let ids = options.list(.assignedToUserIds) {
            var assignments = JSONObject()
            for id in ids { assignments[id] = ["@odata.type": "#microsoft.graph.plannerAssignment", "orderHint": " !"] }
            body["assignments"] = .object(assignments)
        }
        return body
    }

    static let taskOptions = [
        option(.bucketId, nil, "The ID of the bucket"), option(.dueDateTime, nil, "When the task is due (ISO 8601)"),
        option(.percentComplete, nil, "0 to 100"), option(.priority, nil, "0 (urgent) to 10 (low)"),
        option(.assignedToUserIds, nil, "Comma-separated IDs of users to assign"), option(.description, nil, "The task's description"),
    ]

    static let all: [PluginCommand] = [
        command("plan list", "Lists the plans of a group, or your plans", options: owner, defaults: planDefaults) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let group = try ownerGroup(graph, options)
            try graph.list(group.map { "/groups/\($0)/planner/plans" } ?? "/me/planner/plans")
        },

        command("plan get", "Gets a plan", options: [option(.id, "i", "The ID of the plan"), option(.title, "t", "The title of the plan")] + owner,
                sets: [["id", "title"]], defaults: planDefaults) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try planId(graph, options, id: .id, title: .title)
            try graph.invocation.emit(result: .object(try graph.get("/planner/plans/\(OData.segment(id))")))
        },

        command("plan add", "Creates a plan in a group", options: [option(.title, "t", "The title of the plan", required: true)] + owner,
                defaults: planDefaults) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            guard let group = try ownerGroup(graph, options) else { throw usage("specify --ownerGroupId or --ownerGroupName") }
            let body: JSON = ["owner": .string(group), "title": JSON(options.string(.title))]
            try graph.invocation.emit(result: try graph.send("POST", "/planner/plans", body: body) ?? .null)
        },

        command("plan remove", "Removes a plan", options: [option(.id, "i", "The ID of the plan"), option(.title, "t", "The title of the plan")] + owner + [forceOption],
                sets: [["id", "title"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try planId(graph, options, id: .id, title: .title)
            guard try graph.invocation.confirmedRemoval(options, "the plan '\(options.string(.title) ?? id)'") else { return }
            try change(graph, "DELETE", "/planner/plans/\(OData.segment(id))")
        },

        command("bucket list", "Lists the buckets of a plan",
                options: [option(.planId, nil, "The ID of the plan"), option(.planTitle, nil, "The title of the plan")] + owner,
                sets: [["planId", "planTitle"]], defaults: ["id", "name", "planId", "orderHint"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try graph.list("/planner/plans/\(OData.segment(try planId(graph, options)))/buckets")
        },

        command("bucket add", "Adds a bucket to a plan",
                options: [option(.name, "n", "The name of the bucket", required: true), option(.planId, nil, "The ID of the plan"),
                          option(.planTitle, nil, "The title of the plan")] + owner,
                sets: [["planId", "planTitle"]], defaults: ["id", "name", "planId", "orderHint"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let plan = try planId(graph, options)
            let body: JSON = ["name": JSON(options.string(.name)), "planId": .string(plan), "orderHint": " !"]
            try graph.invocation.emit(result: try graph.send("POST", "/planner/buckets", body: body) ?? .null)
        },

        command("task list", "Lists the tasks of a plan or a bucket",
                options: [option(.planId, nil, "The ID of the plan"), option(.bucketId, nil, "The ID of the bucket")],
                sets: [["planId", "bucketId"]], defaults: taskDefaults) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            if let bucket = options.string(.bucketId) {
                try graph.list("/planner/buckets/\(OData.segment(bucket))/tasks")
            } else {
                try graph.list("/planner/plans/\(OData.segment(options.string(.planId) ?? ""))/tasks")
            }
        },

        command("task get", "Gets a task", options: [option(.id, "i", "The ID of the task", required: true)], defaults: taskDefaults) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try graph.invocation.emit(result: .object(try graph.get("/planner/tasks/\(OData.segment(options.string(.id) ?? ""))")))
        },

        command("task add", "Adds a task to a plan",
                options: [option(.title, "t", "The title", required: true), option(.planId, nil, "The ID of the plan", required: true)] + taskOptions,
                defaults: taskDefaults) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try validatePercent(options)
            var body = taskBody(options)
            body["planId"] = JSON(options.string(.planId))
            guard var task = try graph.send("POST", "/planner/tasks", body: .object(body))?.objectValue, let id = task["id"]?.stringValue else {
                throw PluginFailure("Microsoft Graph did not return the new task", status: M365_ERR_SERVER)
            }
            if let description = options.string(.description) {
                try change(graph, "PATCH", "/planner/tasks/\(id)/details", body: ["description": .string(description)])
                task["description"] = .string(description)
            }
            try graph.invocation.emit(result: .object(task))
        },

        command("task set", "Updates a task", options: [option(.id, "i", "The ID of the task", required: true), option(.title, "t", "The new title")] + taskOptions) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try validatePercent(options)
            let body = taskBody(options)
            guard !body.isEmpty || options.has(.description) else { throw usage("specify at least one property to update") }
            let id = OData.segment(options.string(.id) ?? "")
            if !body.isEmpty { try change(graph, "PATCH", "/planner/tasks/\(id)", body: .object(body)) }
            if let description = options.string(.description) {
                try change(graph, "PATCH", "/planner/tasks/\(id)/details", body: ["description": .string(description)])
            }
        },

        command("task remove", "Removes a task", options: [option(.id, "i", "The ID of the task", required: true), forceOption]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = options.string(.id) ?? ""
            guard try graph.invocation.confirmedRemoval(options, "the task '\(id)'") else { return }
            try change(graph, "DELETE", "/planner/tasks/\(OData.segment(id))")
        },
    ]
}
