import Crypto
import Foundation
import JSONModel
import NIOHTTP1

/// Graph collections outside the directory. Stored like directory entities (`EntityTable`),
/// with `_`-prefixed bookkeeping fields (owner, parent) that no projection lists.
enum Workload: CaseIterable, Sendable {
    case todoLists, todoTasks, plannerPlans, plannerBuckets, plannerTasks, plannerTaskDetails, subscriptions, schemaExtensions
}

/// A tenant's workload state; lives in `TenantData` so the store's lock and reset cover it.
struct WorkloadStore: Sendable {
    var tables: [Workload: EntityTable] = Dictionary(uniqueKeysWithValues: Workload.allCases.map { ($0, EntityTable()) })
    /// The declared entity sets' entities, by the set's path (`GraphEntitySet`).
    var sets: [String: EntityTable] = [:]
    /// Bumped on every write; etags are derived from it, so each write gives a new one.
    var version = 0
}

extension TenantData {
    func items(_ w: Workload) -> [JSONObject] { workloads.tables[w]!.items }

    func get(_ w: Workload, _ id: String) -> JSONObject? { workloads.tables[w]!.get(id) }

    func insert(_ w: Workload, _ entity: JSONObject) { workloads.tables[w]!.insert(entity) }

    @discardableResult
    func update(_ w: Workload, _ id: String, _ change: (inout JSONObject) throws -> Void) rethrows -> JSONObject? {
        var out: JSONObject?
        try workloads.tables[w]!.update(id) { e in
            try change(&e)
            out = e
        }
        return out
    }

    @discardableResult
    func remove(_ w: Workload, _ id: String) -> JSONObject? { workloads.tables[w]!.remove(id) }

    func nextVersion() -> Int {
        workloads.version += 1
        return workloads.version
    }
}

/// Pieces the workload endpoints share: etags, entity responses and the seed.
enum GraphWorkloads {
    static func register(_ g: inout GraphRoutes) {
        GraphTodo.register(&g)
        GraphPlanner.register(&g)
        GraphSubscriptions.register(&g)
        GraphSchemaExtensions.register(&g)
    }

    /// The collection options workload lists understand (no `$orderby`/`$count`/`$search`:
    /// GraphQuery ties those to directory advanced queries).
    static let listOptions: Set<String> = ["select", "top", "skiptoken", "filter"]

    /// `W/"…"` for an Exchange-backed item (To Do): opaque, new on every write.
    static func exchangeEtag(_ id: String, _ version: Int) -> String {
        let digest = SHA256.hash(data: Array("\(id)/\(version)".utf8))
        return "W/\"" + Data(Array(digest).prefix(16)).base64EncodedString() + "\""
    }

    /// Planner's etag: `W/"` + base64 of `'1-Task  @@@…<n>'` (kind padded to six characters), as
    /// the service's look; only equality matters to clients.
    static func plannerEtag(_ kind: String, _ version: Int) -> String {
        let n = String(version)
        let stamp = String(repeating: "@", count: max(0, 16 - n.count)) + n
        let padded = kind.count >= 6 ? kind : kind + String(repeating: " ", count: 6 - kind.count)
        return "W/\"" + Data("'1-\(padded)  \(stamp)'".utf8).base64EncodedString() + "\""
    }

    /// One entity with its `@odata.context` first.
    static func entity(_ c: GraphContext, _ e: JSONObject, _ type: GraphEntityType, context: String,
                       status: HTTPResponseStatus = .ok) throws -> EmulatorResponse {
        let q = try c.query(type, collection: false)
        let body = q.project(e, type: type, into: ["@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#\(context)/$entity")])
        return .json(.object(body), status: status)
    }

    /// A collection through GraphQuery (`$top` paging, `$filter`, `$select`).
    static func list(_ c: GraphContext, _ all: [JSONObject], _ type: GraphEntityType, context: String) throws -> EmulatorResponse {
        let q = try GraphQuery(c.req, type: type, supported: listOptions)
        return .json(try q.collection(all, c.req, version: c.version, type: type, entitySet: context))
    }

    static func now() -> String { Util.iso8601(Date()) }

    /// An ISO 8601 date-time with a zone; fractional seconds of any length (.NET sends seven).
    static func parseDate(_ s: String) -> Date? {
        Util.parseISO8601(s.replacingOccurrences(of: #"\.\d+"#, with: "", options: .regularExpression))
    }

    // MARK: Seed

    static let seedGroup = "80f810ee-a906-4270-8827-743580252680"

    /// Every user gets a default To Do list with tasks; the "Sales and Marketing" group (or the
    /// first Microsoft 365 group) gets the plan "Launch"; two schema extensions.
    static func seed(_ d: TenantData, _ t: SeedTenant) {
        GraphEntitySets.seed(d, t)
        let time = DirectorySeeder.seedTime
        for u in t.users {
            let listId = Util.opaqueId("todolist/\(t.id)/\(u.id)/default")
            d.insert(.todoLists, GraphTodo.newList(id: listId, userId: u.id, displayName: "Tasks", wellKnown: "defaultList", version: d.nextVersion()))
            let tasks: [(String, String, String)] = [("Welcome to To Do", "notStarted", "normal"), ("Review the quarterly plan", "inProgress", "high")]
            for (i, (title, status, importance)) in tasks.enumerated() {
                let id = Util.opaqueId("todotask/\(t.id)/\(u.id)/\(i)")
                var task: JSONObject = ["id": .string(id), "_listId": .string(listId), "title": .string(title), "status": .string(status),
                                        "importance": .string(importance), "isReminderOn": false, "body": ["content": "", "contentType": "text"],
                                        "categories": [], "hasAttachments": false, "createdDateTime": .string(time),
                                        "lastModifiedDateTime": .string(time)]
                if i == 1 { task["dueDateTime"] = ["dateTime": "2030-01-15T00:00:00.0000000", "timeZone": "UTC"] }
                task["@odata.etag"] = .string(exchangeEtag(id, d.nextVersion()))
                d.insert(.todoTasks, task)
            }
        }

        let unified = d.table(.groups).items.filter { ($0["groupTypes"]?.arrayValue ?? []).contains(.string("Unified")) }
        if let group = unified.first(where: { $0["id"]?.stringValue == seedGroup }) ?? unified.first, let groupId = group["id"]?.stringValue {
            let creator = d.owners[groupId]?.first ?? d.members[groupId]?.first ?? ""
            let planId = plannerId("plan/\(t.id)/launch")
            d.insert(.plannerPlans, GraphPlanner.newPlan(id: planId, groupId: groupId, title: "Launch", creator: creator, time: time, version: d.nextVersion()))
            let bucketId = plannerId("bucket/\(t.id)/todo")
            d.insert(.plannerBuckets, GraphPlanner.newBucket(id: bucketId, planId: planId, name: "To do", orderHint: "8585269235419181064", version: d.nextVersion()))
            let taskId = plannerId("task/\(t.id)/kickoff")
            let (task, details) = GraphPlanner.newTask(id: taskId, planId: planId, bucketId: bucketId, title: "Plan the kickoff meeting",
                                                       creator: creator, time: time, version: d.nextVersion())
            d.insert(.plannerTasks, task)
            d.insert(.plannerTaskDetails, details)
        }

        let owner = t.applications?.first?.appId ?? ""
        d.insert(.schemaExtensions, ["id": "extkvbmkofy_courses", "description": "Graph Learn training courses extensions",
                                     "targetTypes": ["Group"], "status": "InDevelopment", "owner": .string(owner),
                                     "properties": [["name": "courseId", "type": "Integer"], ["name": "courseName", "type": "String"],
                                                    ["name": "courseType", "type": "String"]]])
        d.insert(.schemaExtensions, ["id": "contoso_employeeData", "description": "Employee data shared by Contoso's HR apps",
                                     "targetTypes": ["User"], "status": "Available", "owner": .string(owner),
                                     "properties": [["name": "costCenter", "type": "String"], ["name": "hireDate", "type": "DateTime"]]])
    }

    /// Planner's 28-character, case-sensitive ids.
    static func plannerId(_ name: String) -> String { String(Util.opaqueId(name).prefix(28)) }
}
