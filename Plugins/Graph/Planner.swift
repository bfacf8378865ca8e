import GraphKit

/// `planner plan …`, `planner bucket …`, `planner task …`. Every change to a Planner object
/// carries `If-Match` with the object's current ETag, read just before (with
/// `odata.metadata=minimal`: under `none` Planner leaves `@odata.etag` out).
enum PlannerCommands {
    static let owner = [option(.ownerGroupId, nil, "The ID of the group that owns the plan"),
                        option(.ownerGroupName, nil, "The name of the group that owns the plan")]
    static let roster = option(.rosterId, nil, "The ID of the Planner roster whose plan it is")
    static let planSelector = [option(.planId, nil, "The ID of the plan"), option(.planTitle, nil, "The title of the plan"), roster] + owner
    static let bucketSelector = [option(.bucketId, nil, "The ID of the bucket"), option(.bucketName, nil, "The name of the bucket")]
    static let planDefaults = ["id", "title", "createdDateTime", "owner"]
    static let taskDefaults = ["id", "title", "startDateTime", "dueDateTime", "completedDateTime"]
    static let categories = (1...6).map { "category\($0)" }
    static let priorities = ["urgent": 1.0, "important": 3.0, "medium": 5.0, "low": 9.0]
    static let preferRepresentation: [(name: String, value: String)] = [("Prefer", "return=representation")]

    /// Fails unless exactly one of `keys` was given, in CLI for Microsoft 365's words.
    static func exactlyOne(_ options: Options, _ keys: [OptionKey<String>]) throws(PluginFailure) {
        guard keys.filter({ options.has($0) }).count != 1 else { return }
        let names = keys.map { "'\($0.name)'" }
        let list = names.count == 2 ? names.joined(separator: " or ") : names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1]
        throw usage("Specify exactly one of the following options: \(list).")
    }

    static func ownerGroup(_ graph: GraphClient, _ options: Options) throws(PluginFailure) -> String? {
        guard options.has(.ownerGroupId) || options.has(.ownerGroupName) else { return nil }
        try options.exclusive([.ownerGroupId, .ownerGroupName])
        try options.requireGUIDs([.ownerGroupId])
        return try graph.groupId(options, id: .ownerGroupId, name: .ownerGroupName)
    }

    /// The one item of `items` whose `key` matches `name` case-insensitively, as CLI for Microsoft 365 matches titles.
    static func match(_ items: [JSONObject], _ key: String, _ name: String, notFound: String, multiple: String) throws(PluginFailure) -> String {
        let found = items.filter { $0[key]?.stringValue?.lowercased() == name.lowercased() }
        guard let first = found.first else { throw PluginFailure(notFound, status: M365_ERR_NOT_FOUND) }
        guard found.count == 1 else {
            throw PluginFailure("\(multiple) Found: \(found.compactMap { $0["id"]?.stringValue }.joined(separator: ", ")).")
        }
        return first["id"]?.stringValue ?? ""
    }

    /// The plan of a roster (Graph's beta endpoint), whole or `$select=id`.
    static func rosterPlan(_ graph: GraphClient, _ roster: String, select: String? = nil) throws(PluginFailure) -> JSONObject {
        let beta = GraphClient(graph.invocation, version: "beta")
        guard let plan = try beta.all("/planner/rosters/\(OData.segment(roster))/plans" + OData.query([("$select", select)])).first else {
            throw PluginFailure("The specified roster '\(roster)' does not have a plan.", status: M365_ERR_NOT_FOUND)
        }
        return plan
    }

    /// The plan given by `--<id>`, by `--rosterId`, or by `--<title>` within the owner group.
    static func planId(_ graph: GraphClient, _ options: Options, id: OptionKey<String> = .planId, title: OptionKey<String> = .planTitle) throws(PluginFailure) -> String {
        if let value = options.string(id) { return value }
        if let roster = options.string(.rosterId) { return try rosterPlan(graph, roster, select: "id")["id"]?.stringValue ?? "" }
        guard let name = options.string(title) else { throw usage("specify --\(id.name) or --\(title.name)") }
        guard let group = try ownerGroup(graph, options) else { throw usage("Specify exactly one of the following options: 'ownerGroupId' or 'ownerGroupName'.") }
        let plans = try graph.all("/groups/\(OData.segment(group))/planner/plans?$select=id,title")
        return try match(plans, "title", name, notFound: "The specified plan '\(name)' does not exist.", multiple: "Multiple plans with title '\(name)' found.")
    }

    /// The bucket given by `--bucketId`, or by `--bucketName` within the plan; nil when neither is given.
    static func bucketId(_ graph: GraphClient, _ options: Options) throws(PluginFailure) -> String? {
        try options.exclusive([.bucketId, .bucketName])
        if let value = options.string(.bucketId) { return value }
        guard let name = options.string(.bucketName) else { return nil }
        try exactlyOne(options, [.planId, .planTitle, .rosterId])
        let plan = try planId(graph, options)
        let buckets = try graph.all("/planner/plans/\(OData.segment(plan))/buckets?$select=id,name")
        return try match(buckets, "name", name, notFound: "The specified bucket '\(name)' does not exist.", multiple: "Multiple buckets with name '\(name)' found.")
    }

    /// The task given by `--id`, or by `--title` within the bucket (`--bucketId`, or `--bucketName` in the plan).
    static func taskId(_ graph: GraphClient, _ options: Options) throws(PluginFailure) -> String {
        try exactlyOne(options, [.id, .title])
        if let id = options.string(.id) {
            let scoped: [OptionKey<String>] = [.bucketId, .bucketName, .planId, .planTitle, .rosterId, .ownerGroupId, .ownerGroupName]
            guard !scoped.contains(where: { options.has($0) }) else {
                throw usage("Don't specify bucketId, bucketName, planId, planTitle, rosterId, ownerGroupId or ownerGroupName when using id.")
            }
            return id
        }
        let title = options.string(.title) ?? ""
        try exactlyOne(options, [.bucketId, .bucketName])
        guard let bucket = try bucketId(graph, options) else { throw usage("Specify exactly one of the following options: 'bucketId' or 'bucketName'.") }
        let tasks = try graph.all("/planner/buckets/\(OData.segment(bucket))/tasks?$select=id,title")
        return try match(tasks, "title", title, notFound: "The specified task \(title) does not exist", multiple: "Multiple tasks with title '\(title)' found.")
    }

    /// Sends a change to a Planner object with `If-Match` set to its current ETag; with
    /// `representation`, asks for the changed object and returns it.
    @discardableResult
    static func change(_ graph: GraphClient, _ method: String, _ path: String, body: JSON? = nil, representation: Bool = false) throws(PluginFailure) -> JSONObject? {
        let etag = try graph.getWithETag(path).etag
        return try graph.send(method, path, body: body, headers: [("If-Match", etag)] + (representation ? preferRepresentation : []))?.objectValue
    }

    /// A number from 0 to 10, or Urgent, Important, Medium, Low (1, 3, 5, 9).
    static func priority(_ options: Options) throws(PluginFailure) -> Double? {
        guard let text = options.string(.priority) else { return nil }
        if let named = priorities[text.lowercased()] { return named }
        guard let number = Double(text), (0...10).contains(number), number == number.rounded() else {
            throw usage("The value is not a valid priority. Allowed values are 0-10 or Urgent|Important|Medium|Low.")
        }
        return number
    }

    static func validate(_ options: Options) throws(PluginFailure) {
        for key in [OptionKey<String>.startDateTime, .dueDateTime] {
            if let v = options.string(key), !isISODateTime(v) { throw usage("The \(key.name) is not a valid ISO date string.") }
        }
        if let p = options.number(.percentComplete), !(0...100).contains(p) { throw usage("percentComplete should be between 0 and 100.") }
        _ = try priority(options)
        try options.exclusive([.assignedToUserIds, .assignedToUserNames])
        try options.requireGUIDs([.assignedToUserIds])
        for category in options.list(.appliedCategories) ?? [] where !categories.contains(category.lowercased()) {
            throw usage("The appliedCategories contains invalid value. Specify either \(categories.joined(separator: ", ")) as properties.")
        }
    }

    /// The task properties the options set; `verb` names the command in the error for unknown users.
    static func taskBody(_ graph: GraphClient, _ options: Options, bucket: String?, verb: String) throws(PluginFailure) -> JSONObject {
        var body = JSONObject()
        if let v = options.string(.title) { body["title"] = .string(v) }
        if let bucket { body["bucketId"] = .string(bucket) }
        if let v = options.string(.startDateTime) { body["startDateTime"] = .string(v) }
        if let v = options.string(.dueDateTime) { body["dueDateTime"] = .string(v) }
        if let v = options.number(.percentComplete) { body["percentComplete"] = .number(v) }
        var users = options.list(.assignedToUserIds) ?? []
        if let upns = options.list(.assignedToUserNames) {
            do throws(PluginFailure) {
                users = try graph.userIds(upns: upns)
            } catch {
                guard error.status == M365_ERR_NOT_FOUND else { throw error }
                let missing = error.description.dropping(prefix: "These users do not exist: ")
                throw PluginFailure("Cannot proceed with planner task \(verb). The following users provided are invalid : \(missing)", status: M365_ERR_NOT_FOUND)
            }
        }
        if !users.isEmpty {
            var assignments = JSONObject()
            for id in users { assignments[id] = ["@odata.type": "#microsoft.graph.plannerAssignment", "orderHint": " !"] }
            body["assignments"] = .object(assignments)
        }
        if let v = options.string(.assigneePriority) { body["assigneePriority"] = .string(v) }
        if let list = options.list(.appliedCategories) {
            var applied = JSONObject()
            for category in list { applied[category.lowercased()] = true }
            body["appliedCategories"] = .object(applied)
        }
        if let v = options.string(.orderHint) { body["orderHint"] = .string(v) }
        if let v = try priority(options) { body["priority"] = .number(v) }
        return body
    }

    static let taskOptions = [
        option(.startDateTime, nil, "When the task starts (ISO 8601)"), option(.dueDateTime, nil, "When the task is due (ISO 8601)"),
        option(.percentComplete, nil, "0 to 100"), option(.priority, nil, "0 (urgent) to 10 (low), or Urgent, Important, Medium, Low"),
        option(.assignedToUserIds, nil, "Comma-separated IDs of users to assign"),
        option(.assignedToUserNames, nil, "Comma-separated user names of users to assign"),
        option(.assigneePriority, nil, "The order hint used to order the task in the assignee's list"),
        option(.description, nil, "The task's description"),
        option(.appliedCategories, nil, "Comma-separated categories to apply: category1 to category6"),
        option(.orderHint, nil, "The order hint used to order the task in a list"),
    ]

    static let all: [PluginCommand] = [
        command("plan list", "Lists the plans of a group or a roster, or your plans (without an owner: an addition of this m365, CLI for Microsoft 365 needs one)",
                options: owner + [roster], defaults: planDefaults) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            if let roster = options.string(.rosterId) {
                try options.exclusive([.rosterId, .ownerGroupId, .ownerGroupName])
                try graph.invocation.emit(result: [.object(try rosterPlan(graph, roster))])
                return
            }
            let group = try ownerGroup(graph, options)
            try graph.list(group.map { "/groups/\(OData.segment($0))/planner/plans" } ?? "/me/planner/plans")
        },

        command("plan get", "Gets a plan and its details", options: [option(.id, "i", "The ID of the plan"), option(.title, "t", "The title of the plan"), roster] + owner,
                sets: [["id", "title", "rosterId"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            var plan: JSONObject
            if let roster = options.string(.rosterId) {
                plan = try rosterPlan(graph, roster)
            } else if let id = options.string(.id) {
                do throws(PluginFailure) {
                    plan = try graph.get("/planner/plans/\(OData.segment(id))")
                } catch {
                    guard error.status == M365_ERR_NOT_FOUND else { throw error }
                    throw PluginFailure("Planner plan with id '\(id)' was not found.", status: M365_ERR_NOT_FOUND)
                }
            } else {
                let title = options.string(.title) ?? ""
                guard let group = try ownerGroup(graph, options) else { throw usage("Specify exactly one of the following options: 'ownerGroupId' or 'ownerGroupName'.") }
                let plans = try graph.all("/groups/\(OData.segment(group))/planner/plans")
                let id = try match(plans, "title", title, notFound: "The specified plan '\(title)' does not exist.", multiple: "Multiple plans with title '\(title)' found.")
                plan = plans.first { $0["id"]?.stringValue == id } ?? [:]
            }
            let details = try graph.get("/planner/plans/\(OData.segment(plan["id"]?.stringValue ?? ""))/details")
            try graph.invocation.emit(result: .object(plan.adding(details)))
        },

        command("plan add", "Creates a plan in a group or a roster", options: [option(.title, "t", "The title of the plan", required: true)] + owner + [roster]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try exactlyOne(options, [.ownerGroupId, .ownerGroupName, .rosterId])
            let container: String
            if let roster = options.string(.rosterId) {
                container = "https://graph.microsoft.com/v1.0/planner/rosters/\(roster)"
            } else {
                container = "https://graph.microsoft.com/v1.0/groups/\(try ownerGroup(graph, options) ?? "")"
            }
            let body: JSON = ["title": JSON(options.string(.title)), "container": ["url": .string(container)]]
            do throws(PluginFailure) {
                try graph.invocation.emit(result: try graph.send("POST", "/planner/plans", body: body) ?? .null)
            } catch {
                if options.has(.rosterId) && error.description.contains("You do not have the required permissions to access this item, or the item may not exist.") {
                    throw PluginFailure("You can only add 1 plan to a Roster", status: error.status)
                }
                throw error
            }
        },

        command("roster add", "Creates a Planner roster (Graph beta)") { (graph: GraphClient, _: Options) throws(PluginFailure) in
            let beta = GraphClient(graph.invocation, version: "beta")
            try graph.invocation.emit(result: try beta.send("POST", "/planner/rosters", body: .object([:])) ?? .null)
        },

        command("plan remove", "Removes a plan", options: [option(.id, "i", "The ID of the plan"), option(.title, "t", "The title of the plan")] + owner + [forceOption],
                sets: [["id", "title"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try planId(graph, options, id: .id, title: .title)
            guard try graph.invocation.confirmedRemoval(options, "the plan '\(options.string(.title) ?? id)'") else { return }
            try change(graph, "DELETE", "/planner/plans/\(OData.segment(id))")
        },

        command("bucket list", "Lists the buckets of a plan", options: planSelector,
                sets: [["planId", "planTitle", "rosterId"]], defaults: ["id", "name", "planId", "orderHint"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try graph.list("/planner/plans/\(OData.segment(try planId(graph, options)))/buckets")
        },

        command("bucket add", "Adds a bucket to a plan",
                options: [option(.name, "n", "The name of the bucket", required: true)] + planSelector
                    + [option(.orderHint, nil, "The order hint used to order the bucket in the plan")],
                sets: [["planId", "planTitle", "rosterId"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let plan = try planId(graph, options)
            var body: JSONObject = ["name": JSON(options.string(.name)), "planId": .string(plan)]
            if let hint = options.string(.orderHint) { body["orderHint"] = .string(hint) }
            try graph.invocation.emit(result: try graph.send("POST", "/planner/buckets", body: .object(body)) ?? .null)
        },

        command("task list", "Lists the tasks of a bucket, of a plan, or your own", options: bucketSelector + planSelector,
                defaults: taskDefaults) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            if options.has(.bucketId) || options.has(.bucketName) {
                try graph.list("/planner/buckets/\(OData.segment(try bucketId(graph, options) ?? ""))/tasks")
            } else if options.has(.planId) || options.has(.planTitle) || options.has(.rosterId) {
                try options.exclusive([.planId, .planTitle, .rosterId])
                try graph.list("/planner/plans/\(OData.segment(try planId(graph, options)))/tasks")
            } else {
                try graph.list("/me/planner/tasks")
            }
        },

        command("task get", "Gets a task and its details",
                options: [option(.id, "i", "The ID of the task"), option(.title, "t", "The title of the task")] + bucketSelector + planSelector) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = OData.segment(try taskId(graph, options))
            let task = try graph.get("/planner/tasks/\(id)")
            try graph.invocation.emit(result: .object(task.adding(try graph.get("/planner/tasks/\(id)/details"))))
        },

        command("task add", "Adds a task to a plan",
                options: [option(.title, "t", "The title", required: true)] + planSelector + bucketSelector + taskOptions
                    + [option(.previewType, nil, "What the task's card shows", allowed: ["automatic", "noPreview", "checklist", "description", "reference"])]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try validate(options)
            try exactlyOne(options, [.planId, .planTitle, .rosterId])
            try exactlyOne(options, [.bucketId, .bucketName])
            let plan = try planId(graph, options)
            let bucket = try bucketId(graph, options)
            var body = try taskBody(graph, options, bucket: bucket, verb: "creation")
            body["planId"] = .string(plan)
            // As CLI for Microsoft 365 sends them: empty maps when none are given.
            if body["assignments"] == nil { body["assignments"] = .object([:]) }
            if body["appliedCategories"] == nil { body["appliedCategories"] = .object([:]) }
            guard var task = try graph.send("POST", "/planner/tasks", body: .object(body))?.objectValue, let id = task["id"]?.stringValue else {
                throw PluginFailure("Microsoft Graph did not return the new task", status: M365_ERR_SERVER)
            }
            if options.has(.description) || options.has(.previewType) {
                var details = JSONObject()
                if let v = options.string(.description) { details["description"] = .string(v) }
                if let v = options.string(.previewType) { details["previewType"] = .string(v) }
                task = task.adding(try change(graph, "PATCH", "/planner/tasks/\(id)/details", body: .object(details), representation: true) ?? [:])
                if options.has(.description) { task["hasDescription"] = true }
            }
            try graph.invocation.emit(result: .object(task))
        },

        command("task set", "Updates a task",
                options: [option(.id, "i", "The ID of the task", required: true), option(.title, "t", "The new title")] + bucketSelector + planSelector + taskOptions) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try validate(options)
            if options.has(.bucketName) { try exactlyOne(options, [.planId, .planTitle, .rosterId]) }
            let bucket = try bucketId(graph, options)
            let body = try taskBody(graph, options, bucket: bucket, verb: "update")
            guard !body.isEmpty || options.has(.description) else { throw usage("specify at least one property to update") }
            let id = OData.segment(options.string(.id) ?? "")
            var task = try change(graph, "PATCH", "/planner/tasks/\(id)", body: .object(body), representation: true) ?? [:]
            if let description = options.string(.description) {
                task = task.adding(try change(graph, "PATCH", "/planner/tasks/\(id)/details", body: ["description": .string(description)], representation: true) ?? [:])
            }
            try graph.invocation.emit(result: .object(task))
        },

        command("task remove", "Removes a task",
                options: [option(.id, "i", "The ID of the task"), option(.title, "t", "The title of the task")] + bucketSelector + planSelector + [forceOption]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try taskId(graph, options)
            guard try graph.invocation.confirmedRemoval(options, "the task '\(options.string(.title) ?? id)'") else { return }
            try change(graph, "DELETE", "/planner/tasks/\(OData.segment(id))")
        },
    ]
}

/// `2026-01-05`, `2026-01-05T09:00`, `2026-01-05T09:00:00.5Z`, `…+02:00`: an ISO 8601 date, optionally with a time.
func isISODateTime(_ text: String) -> Bool {
    let c = Array(text.utf8)
    func digits(_ range: Range<Int>) -> Bool { range.upperBound <= c.count && range.allSatisfy { c[$0] >= 48 && c[$0] <= 57 } }
    guard c.count >= 10, digits(0..<4), c[4] == 45, digits(5..<7), c[7] == 45, digits(8..<10) else { return false }
    if c.count == 10 { return true }
    guard c[10] == 84, digits(11..<13), c.count >= 16, c[13] == 58, digits(14..<16) else { return false }
    var i = 16
    if i < c.count, c[i] == 58 {
        guard digits(i + 1..<i + 3) else { return false }
        i += 3
        if i < c.count, c[i] == 46 {
            i += 1
            let start = i
            while i < c.count, c[i] >= 48, c[i] <= 57 { i += 1 }
            if i == start { return false }
        }
    }
    if i == c.count { return true }
    if c[i] == 90 { return i + 1 == c.count }
    guard c[i] == 43 || c[i] == 45, digits(i + 1..<i + 3), i + 6 == c.count, c[i + 3] == 58, digits(i + 4..<i + 6) else { return false }
    return true
}

extension String {
    /// The text after `prefix`, or the whole string when it does not start with it.
    func dropping(prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
    }
}
