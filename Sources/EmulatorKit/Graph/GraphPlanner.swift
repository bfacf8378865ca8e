import Foundation
import JSONModel
import NIOHTTP1

/// Planner plans, buckets, tasks and task details. Every object carries `@odata.etag` (left out of
/// the body under `odata.metadata=none`; also the `ETag` header of GET), which changes on each
/// write; PATCH and DELETE need it in `If-Match`.
/// Planner's errors have an empty `code`, as the service's do.
enum GraphPlanner {
    static let planType = GraphEntityType(
        errorTypeName: "microsoft.graph.plannerPlan", entitySet: "planner/plans",
        defaultProperties: ["@odata.etag", "createdDateTime", "owner", "title", "id", "createdBy", "container"],
        properties: ["@odata.etag", "createdDateTime", "owner", "title", "id", "createdBy", "container"],
        odataType: "#microsoft.graph.plannerPlan")
    static let bucketType = GraphEntityType(
        errorTypeName: "microsoft.graph.plannerBucket", entitySet: "planner/buckets",
        defaultProperties: ["@odata.etag", "name", "planId", "orderHint", "id"],
        properties: ["@odata.etag", "name", "planId", "orderHint", "id"], odataType: "#microsoft.graph.plannerBucket")
    static let taskProperties = [
        "@odata.etag", "planId", "bucketId", "title", "orderHint", "assigneePriority", "percentComplete", "startDateTime",
        "createdDateTime", "dueDateTime", "hasDescription", "previewType", "completedDateTime", "completedBy", "referenceCount",
        "checklistItemCount", "activeChecklistItemCount", "conversationThreadId", "priority", "id", "createdBy", "appliedCategories",
        "assignments",
    ]
    static let taskType = GraphEntityType(
        errorTypeName: "microsoft.graph.plannerTask", entitySet: "planner/tasks",
        defaultProperties: taskProperties, properties: taskProperties, odataType: "#microsoft.graph.plannerTask")
    static let detailsType = GraphEntityType(
        errorTypeName: "microsoft.graph.plannerTaskDetails", entitySet: "planner/tasks",
        defaultProperties: ["@odata.etag", "description", "previewType", "id", "references", "checklist"],
        properties: ["@odata.etag", "description", "previewType", "id", "references", "checklist"],
        odataType: "#microsoft.graph.plannerTaskDetails")

    static let planDetailsType = GraphEntityType(
        errorTypeName: "microsoft.graph.plannerPlanDetails", entitySet: "planner/plans",
        defaultProperties: ["@odata.etag", "sharedWith", "categoryDescriptions", "id"],
        properties: ["@odata.etag", "sharedWith", "categoryDescriptions", "id"],
        odataType: "#microsoft.graph.plannerPlanDetails")

    static let read = GraphAccess.scopes(delegated: ["Tasks.Read", "Tasks.ReadWrite", "Group.Read.All", "Group.ReadWrite.All"],
                                         application: ["Tasks.Read.All", "Tasks.ReadWrite.All"])
    static let write = GraphAccess.scopes(delegated: ["Tasks.ReadWrite", "Group.ReadWrite.All"], application: ["Tasks.ReadWrite.All"])

    static func notFound() -> GraphError { GraphError(.notFound, "", "The requested item is not found.") }
    static func invalid(_ message: String) -> GraphError { GraphError(.badRequest, "", message) }

    static func register(_ g: inout GraphRoutes) {
        // MARK: rosters (beta only, as in Graph; the rosters themselves are PlannerRosters' entity set): a roster holds one plan.
        g.on(.GET, "planner/rosters/{id}/plans", read) { c in
            try betaOnly(c, "rosters")
            let all = try c.with { t -> [JSONObject] in
                guard let r = PlannerRosters.roster.entity(c.param("id"), below: [], in: t), let id = r["id"]?.stringValue else {
                    throw GraphError(.notFound, "NotFound", "The requested item is not found.")
                }
                return t.items(.plannerPlans).filter { $0["container"]?["type"]?.stringValue == "roster" && $0["container"]?["containerId"]?.stringValue == id }
            }
            return try GraphWorkloads.list(c, all, planType, context: "planner/rosters('\(c.param("id"))')/plans")
        }

        // MARK: plans
        g.on(.GET, "groups/{id}/planner/plans", read) { c in
            let all = try c.with { t -> [JSONObject] in
                guard let gid = t.get(.groups, c.param("id"))?["id"]?.stringValue else { throw GraphError.resourceNotFound(c.param("id")) }
                return t.items(.plannerPlans).filter { $0["owner"]?.stringValue == gid }
            }
            return try GraphWorkloads.list(c, all, planType, context: "groups('\(c.param("id"))')/planner/plans")
        }
        g.on(.GET, "users/{id}/planner/plans", read) { c in
            // Plans of the groups the user belongs to or owns.
            let all = try c.with { t -> [JSONObject] in
                guard let uid = t.user(idOrUPN: c.param("id"))?["id"]?.stringValue else { throw GraphError.resourceNotFound(c.param("id")) }
                return t.items(.plannerPlans).filter { p in
                    let gid = p["owner"]?.stringValue ?? ""
                    return t.members[gid]?.contains(uid) == true || t.owners[gid]?.contains(uid) == true
                }
            }
            return try GraphWorkloads.list(c, all, planType, context: "users('\(c.param("id"))')/planner/plans")
        }
        g.on(.POST, "planner/plans", write) { c in
            let body = try c.body()
            try refuseUnknown(body, ["container", "owner", "title"], planType)
            guard let title = body["title"]?.stringValue, !title.isEmpty else { throw invalid("The title of a plan is required.") }
            if let url = body["container"]?["url"]?.stringValue, url.lowercased().contains("/planner/rosters/") {
                let rid = GraphDirectory.id(fromReference: url)
                let plan = try c.with { t -> JSONObject in
                    guard let roster = PlannerRosters.roster.entity(rid, below: [], in: t), let id = roster["id"]?.stringValue else {
                        throw invalid("The roster '\(rid)' does not exist.")
                    }
                    guard !t.items(.plannerPlans).contains(where: { $0["container"]?["containerId"]?.stringValue == id }) else {
                        throw GraphError(.forbidden, "", "You do not have the required permissions to access this item, or the item may not exist.")
                    }
                    var p = newPlan(id: GraphWorkloads.plannerId("plan/\(Util.newGUID())"), groupId: id, title: title,
                                    creator: c.token.objectId, time: GraphWorkloads.now(), version: t.nextVersion())
                    p["owner"] = nil
                    p["container"] = ["containerId": .string(id), "type": "roster", "url": .string("https://graph.microsoft.com/beta/planner/rosters/\(id)")]
                    t.insert(.plannerPlans, p)
                    return p
                }
                return try respond(c, plan, planType, status: .created)
            }
            var groupRef = body["owner"]?.stringValue
            if let url = body["container"]?["url"]?.stringValue { groupRef = GraphDirectory.id(fromReference: url) }
            if groupRef == nil, let id = body["container"]?["containerId"]?.stringValue { groupRef = id }
            guard let groupRef, !groupRef.isEmpty else { throw invalid("The plan's container (a group) must be specified.") }
            let plan = try c.with { t -> JSONObject in
                guard let group = t.get(.groups, groupRef), let gid = group["id"]?.stringValue,
                      (group["groupTypes"]?.arrayValue ?? []).contains(.string("Unified")) else {
                    throw invalid("The container '\(groupRef)' is not a Microsoft 365 group.")
                }
                let p = newPlan(id: GraphWorkloads.plannerId("plan/\(Util.newGUID())"), groupId: gid, title: title,
                                creator: c.token.objectId, time: GraphWorkloads.now(), version: t.nextVersion())
                t.insert(.plannerPlans, p)
                return p
            }
            return try respond(c, plan, planType, status: .created)
        }
        g.on(.GET, "planner/plans/{id}", read) { c in
            try respond(c, try c.with { t in try find(t, .plannerPlans, c.param("id")) }, planType)
        }
        g.on(.PATCH, "planner/plans/{id}", write) { c in
            let body = try c.body()
            try refuseUnknown(body, ["title"], planType)
            if let v = body["title"], v.stringValue?.isEmpty != false { throw invalid("The title of a plan cannot be empty.") }
            let plan = try update(c, .plannerPlans, kind: "Plan") { p in if let v = body["title"] { p["title"] = v } }
            return try patched(c, plan, planType)
        }
        g.on(.DELETE, "planner/plans/{id}", write) { c in
            try c.with { t in
                let plan = try find(t, .plannerPlans, c.param("id"))
                try checkEtag(c, plan)
                let id = plan["id"]?.stringValue ?? ""
                t.remove(.plannerPlans, id)
                for b in t.items(.plannerBuckets) where b["planId"]?.stringValue == id { t.remove(.plannerBuckets, b["id"]?.stringValue ?? "") }
                for task in t.items(.plannerTasks) where task["planId"]?.stringValue == id { removeTask(t, task["id"]?.stringValue ?? "") }
            }
            return .noContent
        }

        g.on(.GET, "planner/plans/{id}/details", read) { c in
            // Derived from the plan: shared with nobody, no category named (as a new plan's are).
            let plan = try c.with { t in try find(t, .plannerPlans, c.param("id")) }
            let id = plan["id"]?.stringValue ?? ""
            var categories = JSONObject()
            for n in 1...25 { categories["category\(n)"] = .null }
            let etag = GraphWorkloads.plannerEtag("PlanDetails", 1)
            let details: JSONObject = ["@odata.etag": .string(etag), "sharedWith": [:], "categoryDescriptions": .object(categories), "id": .string(id)]
            return try respond(c, details, planDetailsType, context: "planner/plans('\(id)')/details")
        }

        // MARK: buckets
        g.on(.GET, "planner/plans/{id}/buckets", read) { c in
            let all = try c.with { t -> [JSONObject] in
                let id = try find(t, .plannerPlans, c.param("id"))["id"]?.stringValue
                return t.items(.plannerBuckets).filter { $0["planId"]?.stringValue == id }
            }
            return try GraphWorkloads.list(c, all, bucketType, context: "planner/plans('\(c.param("id"))')/buckets")
        }
        g.on(.POST, "planner/buckets", write) { c in
            let body = try c.body()
            try refuseUnknown(body, ["name", "planId", "orderHint"], bucketType)
            guard let name = body["name"]?.stringValue, !name.isEmpty else { throw invalid("The name of a bucket is required.") }
            guard let planId = body["planId"]?.stringValue else { throw invalid("The planId of a bucket is required.") }
            let bucket = try c.with { t -> JSONObject in
                let pid = try find(t, .plannerPlans, planId)["id"]?.stringValue ?? planId
                let v = t.nextVersion()
                let b = newBucket(id: GraphWorkloads.plannerId("bucket/\(Util.newGUID())"), planId: pid, name: name,
                                  orderHint: orderHint(body["orderHint"]?.stringValue, v), version: v)
                t.insert(.plannerBuckets, b)
                return b
            }
            return try respond(c, bucket, bucketType, status: .created)
        }
        g.on(.GET, "planner/buckets/{id}", read) { c in
            try respond(c, try c.with { t in try find(t, .plannerBuckets, c.param("id")) }, bucketType)
        }
        g.on(.PATCH, "planner/buckets/{id}", write) { c in
            let body = try c.body()
            try refuseUnknown(body, ["name", "orderHint"], bucketType)
            if let v = body["name"], v.stringValue?.isEmpty != false { throw invalid("The name of a bucket cannot be empty.") }
            let bucket = try update(c, .plannerBuckets, kind: "Bucket") { b in
                if let v = body["name"] { b["name"] = v }
                if let v = body["orderHint"]?.stringValue { b["orderHint"] = .string(orderHint(v, Int(Date().timeIntervalSince1970))) }
            }
            return try patched(c, bucket, bucketType)
        }
        g.on(.DELETE, "planner/buckets/{id}", write) { c in
            try c.with { t in
                let bucket = try find(t, .plannerBuckets, c.param("id"))
                try checkEtag(c, bucket)
                let id = bucket["id"]?.stringValue ?? ""
                t.remove(.plannerBuckets, id)
                for task in t.items(.plannerTasks) where task["bucketId"]?.stringValue == id { removeTask(t, task["id"]?.stringValue ?? "") }
            }
            return .noContent
        }

        // MARK: tasks
        g.on(.GET, "planner/plans/{id}/tasks", read) { c in
            let all = try c.with { t -> [JSONObject] in
                let id = try find(t, .plannerPlans, c.param("id"))["id"]?.stringValue
                return t.items(.plannerTasks).filter { $0["planId"]?.stringValue == id }
            }
            return try GraphWorkloads.list(c, all, taskType, context: "planner/plans('\(c.param("id"))')/tasks")
        }
        g.on(.GET, "planner/buckets/{id}/tasks", read) { c in
            let all = try c.with { t -> [JSONObject] in
                let id = try find(t, .plannerBuckets, c.param("id"))["id"]?.stringValue
                return t.items(.plannerTasks).filter { $0["bucketId"]?.stringValue == id }
            }
            return try GraphWorkloads.list(c, all, taskType, context: "planner/buckets('\(c.param("id"))')/tasks")
        }
        g.on(.GET, "users/{id}/planner/tasks", read) { c in
            // The tasks assigned to the user.
            let all = try c.with { t -> [JSONObject] in
                guard let uid = t.user(idOrUPN: c.param("id"))?["id"]?.stringValue else { throw GraphError.resourceNotFound(c.param("id")) }
                return t.items(.plannerTasks).filter { $0["assignments"]?.objectValue?[uid] != nil }
            }
            return try GraphWorkloads.list(c, all, taskType, context: "users('\(c.param("id"))')/planner/tasks")
        }
        g.on(.POST, "planner/tasks", write) { c in
            let body = try c.body()
            try refuseUnknown(body, writableTask + ["planId"], taskType)
            guard let planId = body["planId"]?.stringValue else { throw invalid("The planId of a task is required.") }
            guard let title = body["title"]?.stringValue, !title.isEmpty else { throw invalid("The title of a task is required.") }
            let task = try c.with { t -> JSONObject in
                let pid = try find(t, .plannerPlans, planId)["id"]?.stringValue ?? planId
                let now = GraphWorkloads.now()
                let v = t.nextVersion()
                let (created, details) = newTask(id: GraphWorkloads.plannerId("task/\(Util.newGUID())"), planId: pid, bucketId: nil,
                                                 title: title, creator: c.token.objectId, time: now, version: v)
                var task = created
                try applyTask(body, to: &task, in: t, caller: c.token.objectId, now: now, version: v)
                t.insert(.plannerTasks, task)
                t.insert(.plannerTaskDetails, details)
                return task
            }
            return try respond(c, task, taskType, status: .created)
        }
        g.on(.GET, "planner/tasks/{id}", read) { c in
            try respond(c, try c.with { t in try find(t, .plannerTasks, c.param("id")) }, taskType)
        }
        g.on(.PATCH, "planner/tasks/{id}", write) { c in
            let body = try c.body()
            try refuseUnknown(body, writableTask, taskType)
            let task = try c.with { t -> JSONObject in
                let task = try find(t, .plannerTasks, c.param("id"))
                try checkEtag(c, task)
                var updated = task
                let v = t.nextVersion()
                try applyTask(body, to: &updated, in: t, caller: c.token.objectId, now: GraphWorkloads.now(), version: v)
                updated["@odata.etag"] = .string(GraphWorkloads.plannerEtag("Task", v))
                t.update(.plannerTasks, task["id"]?.stringValue ?? "") { $0 = updated }
                return updated
            }
            return try patched(c, task, taskType)
        }
        g.on(.DELETE, "planner/tasks/{id}", write) { c in
            try c.with { t in
                let task = try find(t, .plannerTasks, c.param("id"))
                try checkEtag(c, task)
                removeTask(t, task["id"]?.stringValue ?? "")
            }
            return .noContent
        }

        // MARK: task details
        g.on(.GET, "planner/tasks/{id}/details", read) { c in
            let details = try c.with { t in try find(t, .plannerTaskDetails, c.param("id")) }
            return try respond(c, details, detailsType, context: "planner/tasks('\(c.param("id"))')/details")
        }
        g.on(.PATCH, "planner/tasks/{id}/details", write) { c in
            let body = try c.body()
            try refuseUnknown(body, ["description", "previewType", "checklist", "references"], detailsType)
            if let v = body["description"], !v.isNull, v.stringValue == nil { throw invalid("The description must be a string.") }
            if let v = body["previewType"], !(v.stringValue.map(["automatic", "noPreview", "checklist", "description", "reference"].contains) ?? false) {
                throw invalid("The previewType must be one of automatic, noPreview, checklist, description, reference.")
            }
            for name in ["checklist", "references"] {
                if let v = body[name], v.objectValue == nil { throw invalid("The \(name) must be an object keyed by item id.") }
            }
            let details = try c.with { t -> JSONObject in
                let d = try find(t, .plannerTaskDetails, c.param("id"))
                try checkEtag(c, d)
                let id = d["id"]?.stringValue ?? ""
                let v = t.nextVersion()
                let now = GraphWorkloads.now()
                let updated = t.update(.plannerTaskDetails, id) { d in
                    if let s = body["description"] { d["description"] = s }
                    if let s = body["previewType"] { d["previewType"] = s }
                    if let items = body["checklist"]?.objectValue {
                        d["checklist"] = .object(mergeMap(d["checklist"]?.objectValue ?? [:], items) { old, new in
                            var item = old ?? ["@odata.type": "#microsoft.graph.plannerChecklistItem", "isChecked": false, "title": "",
                                               "orderHint": .string(orderHint(nil, v))]
                            for (k, x) in new where k != "@odata.type" { item[k] = x }
                            item["lastModifiedDateTime"] = .string(now)
                            item["lastModifiedBy"] = ["user": ["displayName": nil, "id": .string(c.token.objectId)]]
                            return item
                        })
                    }
                    if let refs = body["references"]?.objectValue {
                        d["references"] = .object(mergeMap(d["references"]?.objectValue ?? [:], refs) { old, new in
                            var item = old ?? ["@odata.type": "#microsoft.graph.plannerExternalReference", "alias": nil, "type": nil,
                                               "previewPriority": .string(orderHint(nil, v))]
                            for (k, x) in new where k != "@odata.type" { item[k] = x }
                            item["lastModifiedDateTime"] = .string(now)
                            item["lastModifiedBy"] = ["user": ["displayName": nil, "id": .string(c.token.objectId)]]
                            return item
                        })
                    }
                    d["@odata.etag"] = .string(GraphWorkloads.plannerEtag("TaskDetails", v))
                } ?? d
                // The task's summary fields follow its details (and so get a new etag too).
                let checklist = updated["checklist"]?.objectValue ?? [:]
                t.update(.plannerTasks, id) { task in
                    task["hasDescription"] = .bool(!(updated["description"]?.stringValue ?? "").isEmpty)
                    task["checklistItemCount"] = JSON(checklist.count)
                    task["activeChecklistItemCount"] = JSON(checklist.values.filter { $0["isChecked"]?.boolValue != true }.count)
                    task["referenceCount"] = JSON(updated["references"]?.objectValue?.count ?? 0)
                    task["@odata.etag"] = .string(GraphWorkloads.plannerEtag("Task", v))
                }
                return updated
            }
            return try patched(c, details, detailsType, context: "planner/tasks('\(c.param("id"))')/details")
        }
    }

    static let writableTask = ["bucketId", "title", "assignments", "dueDateTime", "startDateTime", "percentComplete", "priority",
                               "orderHint", "assigneePriority", "appliedCategories", "conversationThreadId"]

    // MARK: Objects

    static func newPlan(id: String, groupId: String, title: String, creator: String, time: String, version: Int) -> JSONObject {
        ["@odata.etag": .string(GraphWorkloads.plannerEtag("Plan", version)), "id": .string(id), "createdDateTime": .string(time),
         "owner": .string(groupId), "title": .string(title), "createdBy": identitySet(creator),
         "container": ["containerId": .string(groupId), "type": "group", "url": .string("https://graph.microsoft.com/v1.0/groups/\(groupId)")]]
    }

    static func newBucket(id: String, planId: String, name: String, orderHint: String, version: Int) -> JSONObject {
        ["@odata.etag": .string(GraphWorkloads.plannerEtag("Bucket", version)), "id": .string(id), "name": .string(name),
         "planId": .string(planId), "orderHint": .string(orderHint)]
    }

    static func newTask(id: String, planId: String, bucketId: String?, title: String, creator: String, time: String,
                        version: Int) -> (JSONObject, JSONObject) {
        let task: JSONObject = [
            "@odata.etag": .string(GraphWorkloads.plannerEtag("Task", version)), "id": .string(id), "planId": .string(planId),
            "bucketId": JSON(bucketId), "title": .string(title), "orderHint": .string(orderHint(nil, version)),
            "assigneePriority": "", "percentComplete": 0, "createdDateTime": .string(time), "hasDescription": false,
            "previewType": "automatic", "referenceCount": 0, "checklistItemCount": 0, "activeChecklistItemCount": 0, "priority": 5,
            "createdBy": identitySet(creator), "appliedCategories": [:], "assignments": [:],
        ]
        let details: JSONObject = ["@odata.etag": .string(GraphWorkloads.plannerEtag("TaskDetails", version)), "id": .string(id),
                                   "description": nil, "previewType": "automatic", "references": [:], "checklist": [:]]
        return (task, details)
    }

    static func identitySet(_ id: String) -> JSON { ["user": ["displayName": nil, "id": .string(id)]] }

    /// A server-side order hint; a client's `" !"` (or any hint) asks for one.
    static func orderHint(_ requested: String?, _ version: Int) -> String {
        let digits = String(version)
        return "85852" + String(repeating: "0", count: max(0, 14 - digits.count)) + digits
    }

    /// Sets the task properties of a validated body; assignments and categories merge
    /// (a `null` value removes the key), as Planner's open-type maps do.
    static func applyTask(_ body: JSONObject, to task: inout JSONObject, in t: TenantData, caller: String, now: String, version: Int) throws {
        for (k, v) in body where !k.contains("@") {
            switch k {
            case "planId": continue
            case "title":
                guard let s = v.stringValue, !s.isEmpty else { throw invalid("The title of a task cannot be empty.") }
                task[k] = v
            case "bucketId":
                if v.isNull { task[k] = nil; continue }
                guard let b = v.stringValue.flatMap({ t.get(.plannerBuckets, $0) }) else { throw invalid("The bucket '\(v.stringValue ?? "")' does not exist.") }
                guard b["planId"] == task["planId"] else { throw invalid("The bucket must belong to the task's plan.") }
                task[k] = b["id"]
            case "percentComplete":
                guard let n = v.intValue, (0...100).contains(n) else { throw invalid("The percentComplete must be an integer from 0 to 100.") }
                task[k] = JSON(n)
                if n == 100 {
                    if task["completedDateTime"]?.stringValue == nil {
                        task["completedDateTime"] = .string(now)
                        task["completedBy"] = identitySet(caller)
                    }
                } else {
                    task["completedDateTime"] = nil
                    task["completedBy"] = nil
                }
            case "priority":
                guard let n = v.intValue, (0...10).contains(n) else { throw invalid("The priority must be an integer from 0 to 10.") }
                task[k] = JSON(n)
            case "dueDateTime", "startDateTime":
                if v.isNull { task[k] = nil; continue }
                guard let s = v.stringValue, GraphWorkloads.parseDate(s) != nil else { throw invalid("The \(k) must be an ISO 8601 date and time.") }
                task[k] = v
            case "assignments":
                guard let map = v.objectValue else { throw invalid("The assignments must be an object keyed by user id.") }
                for (uid, a) in map where !a.isNull {
                    guard UUID(uuidString: uid) != nil, t.get(.users, uid) != nil else { throw invalid("The assignee '\(uid)' is not a user of this tenant.") }
                    guard a.objectValue != nil else { throw invalid("The assignment of '\(uid)' must be a plannerAssignment object.") }
                }
                task[k] = .object(mergeMap(task[k]?.objectValue ?? [:], map) { old, _ in
                    old ?? ["@odata.type": "#microsoft.graph.plannerAssignment", "assignedDateTime": .string(now),
                            "orderHint": .string(orderHint(nil, version)), "assignedBy": identitySet(caller)]
                })
            case "appliedCategories":
                guard let map = v.objectValue else { throw invalid("The appliedCategories must be an object.") }
                var cats = task[k]?.objectValue ?? [:]
                for (name, on) in map { cats[name] = on.boolValue == true ? true : nil }
                task[k] = .object(cats)
            case "orderHint", "assigneePriority":
                task[k] = .string(orderHint(v.stringValue, version))
            default:
                task[k] = v.isNull ? nil : v
            }
        }
    }

    /// Planner's map semantics: a key with `null` is removed, any other value is built by `make`.
    static func mergeMap(_ current: JSONObject, _ changes: JSONObject, _ make: (JSONObject?, JSONObject) -> JSONObject) -> JSONObject {
        var out = current
        for (key, v) in changes {
            if v.isNull { out[key] = nil } else { out[key] = .object(make(current[key]?.objectValue, v.objectValue ?? [:])) }
        }
        return out
    }

    static func removeTask(_ t: TenantData, _ id: String) {
        t.remove(.plannerTasks, id)
        t.remove(.plannerTaskDetails, id)
    }

    // MARK: Requests

    static func find(_ t: TenantData, _ w: Workload, _ id: String) throws -> JSONObject {
        guard let e = t.get(w, id) else { throw notFound() }
        return e
    }

    /// Rosters exist on the beta endpoint only; v1.0 does not know the segment.
    static func betaOnly(_ c: GraphContext, _ segment: String) throws {
        guard c.version == "beta" else {
            throw GraphError(.badRequest, "BadRequest", "Resource not found for the segment '\(segment)'.")
        }
    }

    static func refuseUnknown(_ body: JSONObject, _ allowed: [String], _ type: GraphEntityType) throws {
        for key in body.keys where !key.hasPrefix("@") && !allowed.contains(key) {
            throw invalid("The property '\(key)' does not exist on type '\(type.errorTypeName)'. Make sure to only use property names that are defined by the type.")
        }
    }

    /// `If-Match` must be present and name the current etag (the weak `W/` prefix is optional).
    static func checkEtag(_ c: GraphContext, _ entity: JSONObject) throws {
        guard let raw = c.req.header("If-Match")?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else {
            throw GraphError(.preconditionFailed, "", "The If-Match header must be specified for this kind of request.")
        }
        func bare(_ s: String) -> String { s.hasPrefix("W/") ? String(s.dropFirst(2)) : s }
        let sent = bare(raw)
        guard sent.hasPrefix("\""), sent.hasSuffix("\""), sent.count > 2 else {
            throw GraphError(.badRequest, "", "The If-Match header contains an invalid value.")
        }
        guard sent == bare(entity["@odata.etag"]?.stringValue ?? "") else {
            throw GraphError(.preconditionFailed, "", "The request is invalid because the If-Match header value does not match the item's current etag.")
        }
    }

    /// Checks `If-Match`, applies `change` and stamps a new etag.
    static func update(_ c: GraphContext, _ w: Workload, kind: String, _ change: @escaping (inout JSONObject) -> Void) throws -> JSONObject {
        try c.with { t in
            let e = try find(t, w, c.param("id"))
            try checkEtag(c, e)
            let v = t.nextVersion()
            return t.update(w, e["id"]?.stringValue ?? "") { x in
                change(&x)
                x["@odata.etag"] = .string(GraphWorkloads.plannerEtag(kind, v))
            } ?? e
        }
    }

    /// An entity with the `ETag` header.
    static func respond(_ c: GraphContext, _ e: JSONObject, _ type: GraphEntityType, context: String? = nil,
                        status: HTTPResponseStatus = .ok) throws -> EmulatorResponse {
        let r = try GraphWorkloads.entity(c, e, type, context: context ?? type.entitySet, status: status)
        return r.adding(header: "ETag", e["@odata.etag"]?.stringValue ?? "")
    }

    /// PATCH: 204, or 200 with the object when the client sent `Prefer: return=representation`.
    static func patched(_ c: GraphContext, _ e: JSONObject, _ type: GraphEntityType, context: String? = nil) throws -> EmulatorResponse {
        if c.req.header("Prefer")?.lowercased().contains("return=representation") == true {
            return try respond(c, e, type, context: context)
        }
        return EmulatorResponse.noContent.adding(header: "ETag", e["@odata.etag"]?.stringValue ?? "")
    }
}
