import Foundation
import JSONModel

/// Microsoft To Do: `/users/{id|upn}/todo/lists[/{id}[/tasks[/{id}]]]` (and `/me/todo/…`).
/// Delegated only, and only the signed-in user's own lists, as the real service.
enum GraphTodo {
    static let listType = GraphEntityType(
        errorTypeName: "microsoft.graph.todoTaskList", entitySet: "todoLists",
        defaultProperties: ["@odata.etag", "displayName", "isOwner", "isShared", "wellknownListName", "id"],
        properties: ["@odata.etag", "displayName", "isOwner", "isShared", "wellknownListName", "id"],
        odataType: "#microsoft.graph.todoTaskList")

    static let taskProperties = ["@odata.etag", "importance", "isReminderOn", "status", "title", "createdDateTime", "lastModifiedDateTime",
                                 "hasAttachments", "categories", "id", "body", "dueDateTime", "startDateTime", "completedDateTime",
                                 "reminderDateTime", "recurrence", "bodyLastModifiedDateTime"]
    static let taskType = GraphEntityType(
        errorTypeName: "microsoft.graph.todoTask", entitySet: "todoTasks",
        defaultProperties: taskProperties, properties: taskProperties,
        odataType: "#microsoft.graph.todoTask", collections: ["categories"])

    static let statuses = ["notStarted", "inProgress", "completed", "waitingOnOthers", "deferred"]
    static let importances = ["low", "normal", "high"]

    static let read = GraphAccess.scopes(delegated: ["Tasks.Read", "Tasks.ReadWrite"], application: [])
    static let write = GraphAccess.scopes(delegated: ["Tasks.ReadWrite"], application: [])

    static func notFound() -> GraphError { GraphError(.notFound, "ErrorItemNotFound", "The specified object was not found in the store.") }

    static func register(_ g: inout GraphRoutes) {
        let lists = "users/{user}/todo/lists"
        g.on(.GET, lists, read) { c in
            let uid = try owner(c)
            let all = try c.with { t in t.items(.todoLists).filter { $0["_userId"]?.stringValue == uid } }
            return try GraphWorkloads.list(c, all, listType, context: "users('\(uid)')/todo/lists")
        }
        g.on(.POST, lists, write) { c in
            let uid = try owner(c)
            let body = try validated(try c.body(), allowed: ["displayName"], type: listType)
            guard let name = body["displayName"]?.stringValue, !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw GraphError(.badRequest, "invalidRequest", "The displayName of a task list is required.")
            }
            let list = try c.with { t -> JSONObject in
                let l = newList(id: Util.opaqueId("todolist/\(Util.newGUID())"), userId: uid, displayName: name, wellKnown: "none", version: t.nextVersion())
                t.insert(.todoLists, l)
                return l
            }
            return try GraphWorkloads.entity(c, list, listType, context: "users('\(uid)')/todo/lists", status: .created)
        }
        g.on(.GET, "\(lists)/{list}", read) { c in
            let uid = try owner(c)
            let list = try c.with { t in try ownList(t, uid, c.param("list")) }
            return try GraphWorkloads.entity(c, list, listType, context: "users('\(uid)')/todo/lists")
        }
        g.on(.PATCH, "\(lists)/{list}", write) { c in
            let uid = try owner(c)
            let body = try validated(try c.body(), allowed: ["displayName"], type: listType)
            if let v = body["displayName"], v.stringValue?.isEmpty != false {
                throw GraphError(.badRequest, "invalidRequest", "The displayName of a task list cannot be empty.")
            }
            let list = try c.with { t -> JSONObject in
                let id = try ownList(t, uid, c.param("list"))["id"]?.stringValue ?? ""
                let v = t.nextVersion()
                return t.update(.todoLists, id) { l in
                    if let name = body["displayName"] { l["displayName"] = name }
                    l["@odata.etag"] = .string(GraphWorkloads.exchangeEtag(id, v))
                } ?? [:]
            }
            return try GraphWorkloads.entity(c, list, listType, context: "users('\(uid)')/todo/lists")
        }
        g.on(.DELETE, "\(lists)/{list}", write) { c in
            let uid = try owner(c)
            try c.with { t in
                let list = try ownList(t, uid, c.param("list"))
                let id = list["id"]?.stringValue ?? ""
                if list["wellknownListName"]?.stringValue == "defaultList" {
                    throw GraphError(.badRequest, "invalidRequest", "The default task list cannot be deleted.")
                }
                t.remove(.todoLists, id)
                for task in t.items(.todoTasks) where task["_listId"]?.stringValue == id { t.remove(.todoTasks, task["id"]?.stringValue ?? "") }
            }
            return .noContent
        }

        let tasks = "\(lists)/{list}/tasks"
        g.on(.GET, tasks, read) { c in
            let uid = try owner(c)
            let (listId, all) = try c.with { t in
                let id = try ownList(t, uid, c.param("list"))["id"]?.stringValue ?? ""
                return (id, t.items(.todoTasks).filter { $0["_listId"]?.stringValue == id })
            }
            return try GraphWorkloads.list(c, all, taskType, context: "users('\(uid)')/todo/lists('\(listId)')/tasks")
        }
        g.on(.POST, tasks, write) { c in
            let uid = try owner(c)
            let body = try validatedTask(try c.body())
            let (listId, task) = try c.with { t -> (String, JSONObject) in
                let listId = try ownList(t, uid, c.param("list"))["id"]?.stringValue ?? ""
                let id = Util.opaqueId("todotask/\(Util.newGUID())")
                let now = GraphWorkloads.now()
                var task: JSONObject = ["id": .string(id), "_listId": .string(listId), "title": "", "status": "notStarted", "importance": "normal",
                                        "isReminderOn": false, "body": ["content": "", "contentType": "text"], "categories": [],
                                        "hasAttachments": false, "createdDateTime": .string(now), "lastModifiedDateTime": .string(now),
                                        "bodyLastModifiedDateTime": .string(now)]
                apply(body, to: &task, now: now)
                task["@odata.etag"] = .string(GraphWorkloads.exchangeEtag(id, t.nextVersion()))
                t.insert(.todoTasks, task)
                return (listId, task)
            }
            return try GraphWorkloads.entity(c, task, taskType, context: "users('\(uid)')/todo/lists('\(listId)')/tasks", status: .created)
        }
        g.on(.GET, "\(tasks)/{task}", read) { c in
            let uid = try owner(c)
            let (listId, task) = try c.with { t in try ownTask(t, uid, c.param("list"), c.param("task")) }
            return try GraphWorkloads.entity(c, task, taskType, context: "users('\(uid)')/todo/lists('\(listId)')/tasks")
        }
        g.on(.PATCH, "\(tasks)/{task}", write) { c in
            let uid = try owner(c)
            let body = try validatedTask(try c.body())
            let (listId, task) = try c.with { t -> (String, JSONObject) in
                let (listId, task) = try ownTask(t, uid, c.param("list"), c.param("task"))
                let id = task["id"]?.stringValue ?? ""
                let v = t.nextVersion()
                let updated = t.update(.todoTasks, id) { e in
                    let now = GraphWorkloads.now()
                    apply(body, to: &e, now: now)
                    e["lastModifiedDateTime"] = .string(now)
                    e["@odata.etag"] = .string(GraphWorkloads.exchangeEtag(id, v))
                }
                return (listId, updated ?? task)
            }
            return try GraphWorkloads.entity(c, task, taskType, context: "users('\(uid)')/todo/lists('\(listId)')/tasks")
        }
        g.on(.DELETE, "\(tasks)/{task}", write) { c in
            let uid = try owner(c)
            try c.with { t in
                let (_, task) = try ownTask(t, uid, c.param("list"), c.param("task"))
                t.remove(.todoTasks, task["id"]?.stringValue ?? "")
            }
            return .noContent
        }
    }

    static func newList(id: String, userId: String, displayName: String, wellKnown: String, version: Int) -> JSONObject {
        ["@odata.etag": .string(GraphWorkloads.exchangeEtag(id, version)), "id": .string(id), "_userId": .string(userId),
         "displayName": .string(displayName), "isOwner": true, "isShared": false, "wellknownListName": .string(wellKnown)]
    }

    /// The user the path names; To Do serves only the signed-in user's own lists.
    static func owner(_ c: GraphContext) throws -> String {
        let ref = c.param("user")
        guard let uid = try c.with({ $0.user(idOrUPN: ref)?["id"]?.stringValue }) else { throw GraphError.resourceNotFound(ref) }
        guard uid.lowercased() == c.token.objectId.lowercased() else {
            throw GraphError(.forbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
        }
        return uid
    }

    static func ownList(_ t: TenantData, _ uid: String, _ listId: String) throws -> JSONObject {
        guard let l = t.get(.todoLists, listId), l["_userId"]?.stringValue == uid else { throw notFound() }
        return l
    }

    static func ownTask(_ t: TenantData, _ uid: String, _ listId: String, _ taskId: String) throws -> (String, JSONObject) {
        let id = try ownList(t, uid, listId)["id"]?.stringValue ?? ""
        guard let task = t.get(.todoTasks, taskId), task["_listId"]?.stringValue == id else { throw notFound() }
        return (id, task)
    }

    /// Refuses properties the type does not declare, as OData's body reader does.
    static func validated(_ body: JSONObject, allowed: Set<String>, type: GraphEntityType) throws -> JSONObject {
        for key in body.keys where !key.contains("@") && !allowed.contains(key) {
            throw GraphError(.badRequest, "RequestBodyRead",
                             "The property '\(key)' does not exist on type '\(type.errorTypeName)'. Make sure to only use property names that are defined by the type or mark the type as open type.")
        }
        return body
    }

    static func validatedTask(_ raw: JSONObject) throws -> JSONObject {
        let body = try validated(raw, allowed: ["title", "status", "importance", "body", "dueDateTime", "startDateTime", "completedDateTime",
                                                "reminderDateTime", "isReminderOn", "categories"], type: taskType)
        func bad(_ name: String, _ expected: String) -> GraphError {
            GraphError(.badRequest, "invalidRequest", "Invalid value for property '\(name)': expected \(expected).")
        }
        if let v = body["title"], v.stringValue == nil { throw bad("title", "a string") }
        for (name, allowed) in [("status", statuses), ("importance", importances)] {
            if let v = body[name], !(v.stringValue.map(allowed.contains) ?? false) { throw bad(name, "one of " + allowed.joined(separator: ", ")) }
        }
        if let v = body["body"] {
            guard let o = v.objectValue, o["content"].map({ $0.stringValue != nil }) ?? true,
                  ["text", "html"].contains(o["contentType"]?.stringValue?.lowercased() ?? "text") else {
                throw bad("body", "an itemBody {content, contentType: text|html}")
            }
        }
        for name in ["dueDateTime", "startDateTime", "completedDateTime", "reminderDateTime"] {
            guard let v = body[name], !v.isNull else { continue }
            guard let s = v["dateTime"]?.stringValue, s.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"#, options: .regularExpression) != nil,
                  v["timeZone"].map({ $0.isNull || $0.stringValue != nil }) ?? true else {
                throw bad(name, "a dateTimeTimeZone {dateTime: 'yyyy-MM-ddTHH:mm:ss', timeZone}")
            }
        }
        if let v = body["isReminderOn"], v.boolValue == nil { throw bad("isReminderOn", "a boolean") }
        if let v = body["categories"], !(v.arrayValue?.allSatisfy { $0.stringValue != nil } ?? false) { throw bad("categories", "an array of strings") }
        return body
    }

    /// Merges a validated body; completing a task stamps `completedDateTime`, reopening clears it.
    static func apply(_ body: JSONObject, to task: inout JSONObject, now: String) {
        for (k, v) in body where !k.contains("@") {
            if k == "body", let o = v.objectValue {
                task["body"] = ["content": o["content"] ?? "", "contentType": .string((o["contentType"]?.stringValue ?? "text").lowercased())]
                task["bodyLastModifiedDateTime"] = .string(now)
            } else {
                task[k] = v.isNull ? nil : v
            }
        }
        if let status = body["status"]?.stringValue {
            if status == "completed", body["completedDateTime"] == nil, task["completedDateTime"] == nil {
                task["completedDateTime"] = ["dateTime": .string(String(now.prefix(19)) + ".0000000"), "timeZone": "UTC"]
            } else if status != "completed" {
                task["completedDateTime"] = nil
            }
        }
    }
}
