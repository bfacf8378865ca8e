import EmulatorKit
import Foundation
import XCTest

/// Graph workloads beyond the directory: To Do, Planner (etags), subscriptions and schema
/// extensions; permissions, paging, `$batch`, throttling and reset.
final class WorkloadTests: GraphTestCase {
    let salesAndMarketing = "80f810ee-a906-4270-8827-743580252680"
    let itAdmins = "b6f009ce-1ea0-491f-a9a3-d9cd60559893"
    let megan = "c3b7e6f9-dd4e-4e84-a28c-9af85b134cc2"

    /// A delegated token with `User.Read` only.
    func narrowToken() throws -> String { try XCTUnwrap(passwordToken(user: Fixtures.adele, scope: "User.Read")["access_token"] as? String) }

    /// Follows `@odata.nextLink` and returns every page's items and the number of pages.
    func allPages(_ path: String, _ token: String) throws -> (items: [[String: Any]], pages: Int) {
        var next: String? = path
        var items: [[String: Any]] = [], pages = 0
        while let url = next {
            let r = try call("GET", url, token)
            items += values(r)
            pages += 1
            next = r.json["@odata.nextLink"] as? String
        }
        return (items, pages)
    }

    // MARK: To Do

    func testTodoListsAndTasksLifecycle() throws {
        let t = try adeleToken()
        let lists = values(try call("GET", "/me/todo/lists", t))
        let defaultList = try XCTUnwrap(lists.first { $0["wellknownListName"] as? String == "defaultList" })
        XCTAssertEqual(defaultList["displayName"] as? String, "Tasks")
        XCTAssertEqual(defaultList["isOwner"] as? Bool, true)
        XCTAssertTrue((defaultList["@odata.etag"] as? String)?.hasPrefix("W/\"") == true)
        let defaultId = try XCTUnwrap(defaultList["id"] as? String)
        let seeded = values(try call("GET", "/me/todo/lists/\(defaultId)/tasks", t))
        XCTAssertEqual(seeded.count, 2)
        XCTAssertEqual(Set(seeded.compactMap { $0["status"] as? String }), ["notStarted", "inProgress"])

        let created = try call("POST", "/me/todo/lists", t, json: ["displayName": "Groceries"])
        XCTAssertEqual(created.status, 201, created.text)
        XCTAssertTrue((created.json["@odata.context"] as? String)?.hasSuffix("/todo/lists/$entity") == true)
        XCTAssertEqual(created.json["wellknownListName"] as? String, "none")
        XCTAssertEqual(created.json["isShared"] as? Bool, false)
        let listId = try XCTUnwrap(created.json["id"] as? String)
        let renamed = try call("PATCH", "/me/todo/lists/\(listId)", t, json: ["displayName": "Shopping"])
        XCTAssertEqual(renamed.status, 200, renamed.text)
        XCTAssertEqual(renamed.json["displayName"] as? String, "Shopping")
        XCTAssertNotEqual(renamed.json["@odata.etag"] as? String, created.json["@odata.etag"] as? String)

        let task = try call("POST", "/me/todo/lists/\(listId)/tasks", t, json: [
            "title": "Milk", "importance": "high", "body": ["content": "Two litres", "contentType": "text"],
            "dueDateTime": ["dateTime": "2030-02-01T00:00:00.0000000", "timeZone": "UTC"],
        ])
        XCTAssertEqual(task.status, 201, task.text)
        XCTAssertEqual(task.json["status"] as? String, "notStarted")
        XCTAssertEqual(task.json["importance"] as? String, "high")
        XCTAssertEqual((task.json["body"] as? [String: Any])?["content"] as? String, "Two litres")
        XCTAssertEqual((task.json["dueDateTime"] as? [String: Any])?["timeZone"] as? String, "UTC")
        XCTAssertNotNil(task.json["createdDateTime"] as? String)
        let taskId = try XCTUnwrap(task.json["id"] as? String)
        // The same list under /users/{upn}.
        let got = try call("GET", "/users/\(Fixtures.adele.upn)/todo/lists/\(listId)/tasks/\(taskId)", t)
        XCTAssertEqual(got.status, 200, got.text)
        XCTAssertEqual(got.json["title"] as? String, "Milk")

        let done = try call("PATCH", "/me/todo/lists/\(listId)/tasks/\(taskId)", t, json: ["status": "completed", "title": "Oat milk"])
        XCTAssertEqual(done.status, 200, done.text)
        XCTAssertEqual(done.json["title"] as? String, "Oat milk")
        XCTAssertNotNil((done.json["completedDateTime"] as? [String: Any])?["dateTime"] as? String)
        XCTAssertNotEqual(done.json["@odata.etag"] as? String, task.json["@odata.etag"] as? String)
        let reopened = try call("PATCH", "/me/todo/lists/\(listId)/tasks/\(taskId)", t, json: ["status": "inProgress"])
        XCTAssertTrue(reopened.json["completedDateTime"] is NSNull, reopened.text)
        XCTAssertEqual(try call("PATCH", "/me/todo/lists/\(listId)/tasks/\(taskId)", t, json: ["status": "completed"]).status, 200)

        // $filter and $top paging.
        for title in ["Bread", "Eggs"] { XCTAssertEqual(try call("POST", "/me/todo/lists/\(listId)/tasks", t, json: ["title": title]).status, 201) }
        let completed = values(try call("GET", "/me/todo/lists/\(listId)/tasks?$filter=" + q("status eq 'completed'"), t))
        XCTAssertEqual(completed.compactMap { $0["id"] as? String }, [taskId])
        let paged = try allPages("/me/todo/lists/\(listId)/tasks?$top=2", t)
        XCTAssertEqual(paged.pages, 2)
        XCTAssertEqual(Set(paged.items.compactMap { $0["title"] as? String }), ["Oat milk", "Bread", "Eggs"])
        XCTAssertEqual(try call("GET", "/me/todo/lists/\(listId)/tasks?$top=0", t).status, 400)

        // Bad input.
        let badStatus = try call("POST", "/me/todo/lists/\(listId)/tasks", t, json: ["title": "x", "status": "someday"])
        XCTAssertEqual(badStatus.status, 400)
        XCTAssertEqual(error(badStatus).code, "invalidRequest")
        XCTAssertTrue(error(badStatus).message.contains("status"), error(badStatus).message)
        let badImportance = try call("PATCH", "/me/todo/lists/\(listId)/tasks/\(taskId)", t, json: ["importance": "urgent"])
        XCTAssertEqual(error(badImportance).code, "invalidRequest")
        let unknown = try call("POST", "/me/todo/lists/\(listId)/tasks", t, json: ["title": "x", "colour": "red"])
        XCTAssertEqual(unknown.status, 400)
        XCTAssertEqual(error(unknown).code, "RequestBodyRead")
        XCTAssertEqual(try call("POST", "/me/todo/lists/\(listId)/tasks", t, json: ["title": "x", "dueDateTime": "tomorrow"]).status, 400)
        XCTAssertEqual(try call("POST", "/me/todo/lists", t, json: ["isShared": true]).status, 400)
        XCTAssertEqual(error(try call("POST", "/me/todo/lists", t, json: [String: Any]())).code, "invalidRequest")
        XCTAssertEqual(try call("DELETE", "/me/todo/lists/\(defaultId)", t).status, 400, "the default list stays")

        // Delete and not found.
        XCTAssertEqual(try call("DELETE", "/me/todo/lists/\(listId)/tasks/\(taskId)", t).status, 204)
        let gone = try call("GET", "/me/todo/lists/\(listId)/tasks/\(taskId)", t)
        XCTAssertEqual(gone.status, 404)
        XCTAssertEqual(error(gone).code, "ErrorItemNotFound")
        XCTAssertEqual(try call("DELETE", "/me/todo/lists/\(listId)", t).status, 204)
        XCTAssertEqual(error(try call("GET", "/me/todo/lists/\(listId)", t)).code, "ErrorItemNotFound")
        XCTAssertEqual(error(try call("GET", "/me/todo/lists/\(listId)/tasks", t)).code, "ErrorItemNotFound")
        XCTAssertEqual(try call("PATCH", "/me/todo/lists/nope/tasks/nope", t, json: ["title": "x"]).status, 404)
    }

    func testTodoIsDelegatedAndOwnListsOnly() throws {
        let app = try appToken()
        let appOnly = try call("GET", "/users/\(Fixtures.adele.id)/todo/lists", app)
        XCTAssertEqual(appOnly.status, 403, appOnly.text)
        XCTAssertEqual(error(appOnly).code, "Authorization_RequestDenied")
        XCTAssertEqual(try call("GET", "/me/todo/lists", app).status, 400, "/me needs a user")

        let adele = try adeleToken()
        let other = try call("GET", "/users/\(megan)/todo/lists", adele)
        XCTAssertEqual(other.status, 403)
        XCTAssertEqual(error(other).code, "ErrorAccessDenied")
        XCTAssertEqual(try call("GET", "/users/a1b2c3d4-0000-0000-0000-000000000000/todo/lists", adele).status, 404)
        let narrow = try call("POST", "/me/todo/lists", try narrowToken(), json: ["displayName": "x"])
        XCTAssertEqual(narrow.status, 403, "Tasks.ReadWrite is needed")
        XCTAssertEqual(try call("GET", "/me/todo/lists", try narrowToken()).status, 403)

        // Each user has their own default list.
        let mine = values(try call("GET", "/me/todo/lists", adele)).compactMap { $0["id"] as? String }
        let admins = values(try call("GET", "/me/todo/lists", try adminToken())).compactMap { $0["id"] as? String }
        XCTAssertEqual(mine.count, 1)
        XCTAssertEqual(admins.count, 1)
        XCTAssertNotEqual(mine, admins)
        XCTAssertEqual(try call("GET", "/me/todo/lists/\(mine[0])", try adminToken()).status, 404)
    }

    func testTodoTaskCreateInBatchDependsOnListCreate() throws {
        let t = try adeleToken()
        let defaultId = try XCTUnwrap(values(try call("GET", "/me/todo/lists", t)).first?["id"] as? String)
        let json = ["Content-Type": "application/json"]
        let r = try call("POST", "/$batch", t, json: ["requests": [
            ["id": "1", "method": "POST", "url": "/me/todo/lists", "headers": json, "body": ["displayName": "Batched"]],
            ["id": "2", "method": "POST", "url": "/me/todo/lists/\(defaultId)/tasks", "headers": json, "body": ["title": "After the list"],
             "dependsOn": ["1"]],
            ["id": "3", "method": "POST", "url": "/me/todo/lists/missing/tasks", "headers": json, "body": ["title": "Lost"]],
            ["id": "4", "method": "POST", "url": "/me/todo/lists/\(defaultId)/tasks", "headers": json, "body": ["title": "Never"],
             "dependsOn": ["3"]],
        ]])
        XCTAssertEqual(r.status, 200, r.text)
        let responses = try XCTUnwrap(r.json["responses"] as? [[String: Any]])
        XCTAssertEqual(responses.map { $0["status"] as? Int }, [201, 201, 404, 424])
        XCTAssertEqual((responses[1]["body"] as? [String: Any])?["title"] as? String, "After the list")
        let titles = values(try call("GET", "/me/todo/lists/\(defaultId)/tasks", t)).compactMap { $0["title"] as? String }
        XCTAssertTrue(titles.contains("After the list"))
        XCTAssertFalse(titles.contains("Never"))
        XCTAssertTrue(values(try call("GET", "/me/todo/lists", t)).contains { $0["displayName"] as? String == "Batched" })
    }

    // MARK: Planner

    func testPlannerPlansBucketsTasksAndEtags() throws {
        let t = try adeleToken()
        let plans = values(try call("GET", "/groups/\(salesAndMarketing)/planner/plans", t))
        let launch = try XCTUnwrap(plans.first { $0["title"] as? String == "Launch" })
        let launchId = try XCTUnwrap(launch["id"] as? String)
        XCTAssertEqual(launchId.count, 28)
        XCTAssertEqual(launch["owner"] as? String, salesAndMarketing)
        XCTAssertEqual((launch["container"] as? [String: Any])?["type"] as? String, "group")
        XCTAssertTrue((launch["@odata.etag"] as? String)?.hasPrefix("W/\"JzEt") == true, "Planner's etag shape")
        XCTAssertEqual(values(try call("GET", "/planner/plans/\(launchId)/buckets", t)).compactMap { $0["name"] as? String }, ["To do"])
        XCTAssertEqual(values(try call("GET", "/planner/plans/\(launchId)/tasks", t)).count, 1)
        XCTAssertTrue(values(try call("GET", "/me/planner/plans", t)).contains { $0["id"] as? String == launchId })
        XCTAssertFalse(values(try call("GET", "/me/planner/plans", try adminToken())).contains { $0["id"] as? String == launchId },
                       "the admin is not in Sales and Marketing")

        // Plans.
        let plan = try call("POST", "/planner/plans", t, json: ["title": "Roadmap",
                                                                "container": ["url": "https://graph.microsoft.com/v1.0/groups/\(salesAndMarketing)"]])
        XCTAssertEqual(plan.status, 201, plan.text)
        XCTAssertEqual(plan.json["owner"] as? String, salesAndMarketing)
        XCTAssertEqual(plan.header("etag"), plan.json["@odata.etag"] as? String)
        let planId = try XCTUnwrap(plan.json["id"] as? String)
        XCTAssertEqual(try call("POST", "/planner/plans", t, json: ["title": "Old style", "owner": salesAndMarketing]).status, 201)
        XCTAssertEqual(try call("POST", "/planner/plans", t, json: ["title": "Security group", "owner": itAdmins]).status, 400)
        XCTAssertEqual(try call("POST", "/planner/plans", t, json: ["owner": salesAndMarketing]).status, 400)

        // Buckets.
        let bucket = try call("POST", "/planner/buckets", t, json: ["name": "Next", "planId": planId, "orderHint": " !"])
        XCTAssertEqual(bucket.status, 201, bucket.text)
        let bucketId = try XCTUnwrap(bucket.json["id"] as? String)
        XCTAssertNotEqual(bucket.json["orderHint"] as? String, " !", "the service computes the hint")
        XCTAssertEqual(try call("POST", "/planner/buckets", t, json: ["name": "Orphan", "planId": "nope"]).status, 404)

        // Tasks.
        let body: [String: Any] = [
            "planId": planId, "bucketId": bucketId, "title": "Draft", "priority": 3, "dueDateTime": "2030-03-01T00:00:00Z",
            "assignments": [Fixtures.adele.id: ["@odata.type": "#microsoft.graph.plannerAssignment", "orderHint": " !"]],
        ]
        let task = try call("POST", "/planner/tasks", t, json: body)
        XCTAssertEqual(task.status, 201, task.text)
        let taskId = try XCTUnwrap(task.json["id"] as? String)
        let assignment = try XCTUnwrap((task.json["assignments"] as? [String: Any])?[Fixtures.adele.id] as? [String: Any])
        XCTAssertEqual(assignment["@odata.type"] as? String, "#microsoft.graph.plannerAssignment")
        XCTAssertEqual(task.json["priority"] as? Int, 3)
        XCTAssertEqual(task.json["percentComplete"] as? Int, 0)
        var bad = body
        bad["percentComplete"] = 150
        XCTAssertEqual(try call("POST", "/planner/tasks", t, json: bad).status, 400)
        bad = body
        bad["assignments"] = ["a1b2c3d4-0000-0000-0000-000000000000": ["@odata.type": "#microsoft.graph.plannerAssignment", "orderHint": " !"]]
        XCTAssertEqual(try call("POST", "/planner/tasks", t, json: bad).status, 400)

        // Etags: GET returns the ETag header; PATCH needs If-Match with the current one.
        let current = try call("GET", "/planner/tasks/\(taskId)", t)
        let etag = try XCTUnwrap(current.header("etag"))
        XCTAssertEqual(etag, current.json["@odata.etag"] as? String)
        let missing = try call("PATCH", "/planner/tasks/\(taskId)", t, json: ["percentComplete": 50])
        XCTAssertEqual(missing.status, 412, missing.text)
        XCTAssertEqual(error(missing).message, "The If-Match header must be specified for this kind of request.")
        let fresh = try call("PATCH", "/planner/tasks/\(taskId)", t, json: ["percentComplete": 50], headers: ["If-Match": etag])
        XCTAssertEqual(fresh.status, 204, fresh.text)
        let newEtag = try XCTUnwrap(fresh.header("etag"))
        XCTAssertNotEqual(newEtag, etag)
        let stale = try call("PATCH", "/planner/tasks/\(taskId)", t, json: ["title": "Lost update"], headers: ["If-Match": etag])
        XCTAssertEqual(stale.status, 412)
        let represented = try call("PATCH", "/planner/tasks/\(taskId)", t, json: ["title": "Final", "percentComplete": 100],
                                   headers: ["If-Match": newEtag, "Prefer": "return=representation"])
        XCTAssertEqual(represented.status, 200, represented.text)
        XCTAssertEqual(represented.json["title"] as? String, "Final")
        XCTAssertNotNil(represented.json["completedDateTime"] as? String)
        let after = try call("GET", "/planner/tasks/\(taskId)", t)
        XCTAssertEqual(after.json["title"] as? String, "Final")
        XCTAssertEqual(after.json["@odata.etag"] as? String, represented.json["@odata.etag"] as? String)

        // Details have their own etag.
        let details = try call("GET", "/planner/tasks/\(taskId)/details", t)
        XCTAssertEqual(details.status, 200, details.text)
        let detailsEtag = try XCTUnwrap(details.header("etag"))
        let item = UUID().uuidString.lowercased()
        let change: [String: Any] = ["description": "First draft",
                                     "checklist": [item: ["@odata.type": "#microsoft.graph.plannerChecklistItem", "title": "Outline"]]]
        let taskEtag = try XCTUnwrap(after.header("etag"))
        XCTAssertEqual(try call("PATCH", "/planner/tasks/\(taskId)/details", t, json: change, headers: ["If-Match": taskEtag]).status, 412)
        XCTAssertEqual(try call("PATCH", "/planner/tasks/\(taskId)/details", t, json: change, headers: ["If-Match": detailsEtag]).status, 204)
        let updated = try call("GET", "/planner/tasks/\(taskId)/details", t)
        XCTAssertEqual(updated.json["description"] as? String, "First draft")
        XCTAssertEqual(((updated.json["checklist"] as? [String: Any])?[item] as? [String: Any])?["title"] as? String, "Outline")
        let summary = try call("GET", "/planner/tasks/\(taskId)", t)
        XCTAssertEqual(summary.json["hasDescription"] as? Bool, true)
        XCTAssertEqual(summary.json["checklistItemCount"] as? Int, 1)

        // Plan and bucket writes need etags too.
        XCTAssertEqual(try call("PATCH", "/planner/plans/\(planId)", t, json: ["title": "Roadmap 2"]).status, 412)
        let planEtag = try XCTUnwrap(try call("GET", "/planner/plans/\(planId)", t).header("etag"))
        XCTAssertEqual(try call("PATCH", "/planner/plans/\(planId)", t, json: ["title": "Roadmap 2"], headers: ["If-Match": planEtag]).status, 204)
        XCTAssertEqual(try call("GET", "/planner/plans/\(planId)", t).json["title"] as? String, "Roadmap 2")
        let bucketEtag = try XCTUnwrap(try call("GET", "/planner/buckets/\(bucketId)", t).header("etag"))
        XCTAssertEqual(try call("PATCH", "/planner/buckets/\(bucketId)", t, json: ["name": "Later"], headers: ["If-Match": bucketEtag]).status, 204)

        // Paging the bucket's tasks.
        for title in ["Two", "Three"] {
            XCTAssertEqual(try call("POST", "/planner/tasks", t, json: ["planId": planId, "bucketId": bucketId, "title": title]).status, 201)
        }
        let paged = try allPages("/planner/buckets/\(bucketId)/tasks?$top=2", t)
        XCTAssertEqual(paged.pages, 2)
        XCTAssertEqual(paged.items.count, 3)

        // Deletes.
        XCTAssertEqual(try call("DELETE", "/planner/tasks/\(taskId)", t).status, 412)
        let lastEtag = try XCTUnwrap(try call("GET", "/planner/tasks/\(taskId)", t).header("etag"))
        XCTAssertEqual(try call("DELETE", "/planner/tasks/\(taskId)", t, headers: ["If-Match": lastEtag]).status, 204)
        let gone = try call("GET", "/planner/tasks/\(taskId)", t)
        XCTAssertEqual(gone.status, 404)
        XCTAssertEqual(error(gone).message, "The requested item is not found.")
        XCTAssertEqual(try call("GET", "/planner/tasks/\(taskId)/details", t).status, 404)
        let finalPlanEtag = try XCTUnwrap(try call("GET", "/planner/plans/\(planId)", t).header("etag"))
        XCTAssertEqual(try call("DELETE", "/planner/plans/\(planId)", t, headers: ["If-Match": finalPlanEtag]).status, 204)
        XCTAssertEqual(try call("GET", "/planner/plans/\(planId)", t).status, 404)
        XCTAssertEqual(try call("GET", "/planner/buckets/\(bucketId)", t).status, 404, "a plan's buckets go with it")
    }

    func testPlannerNeedsTasksOrGroupPermissions() throws {
        let app = try appToken()
        let appOnly = try call("GET", "/groups/\(salesAndMarketing)/planner/plans", app)
        XCTAssertEqual(appOnly.status, 403, appOnly.text)
        let narrow = try narrowToken()
        XCTAssertEqual(try call("GET", "/groups/\(salesAndMarketing)/planner/plans", narrow).status, 403)
        XCTAssertEqual(try call("POST", "/planner/plans", narrow, json: ["title": "x", "owner": salesAndMarketing]).status, 403)
        XCTAssertEqual(try call("GET", "/groups/a1b2c3d4-0000-0000-0000-000000000000/planner/plans", try adeleToken()).status, 404)
    }

    // MARK: Subscriptions

    func testSubscriptionsCreateListRenewDelete() throws {
        let t = try adeleToken()
        func inMinutes(_ m: Double) -> String {
            let f = ISO8601DateFormatter()
            return f.string(from: Date().addingTimeInterval(m * 60))
        }
        let body: [String: Any] = ["changeType": "created,updated", "notificationUrl": "https://webhook.contoso.com/api/notify",
                                   "resource": "/me/todo/lists", "expirationDateTime": inMinutes(60 * 24), "clientState": "secretClientValue"]
        let created = try call("POST", "/subscriptions", t, json: body)
        XCTAssertEqual(created.status, 201, created.text)
        let id = try XCTUnwrap(created.json["id"] as? String)
        XCTAssertNotNil(UUID(uuidString: id))
        XCTAssertEqual(created.json["applicationId"] as? String, Fixtures.publicApp)
        XCTAssertEqual(created.json["creatorId"] as? String, Fixtures.adele.id)
        XCTAssertEqual(created.json["changeType"] as? String, "created,updated")
        XCTAssertEqual(created.json["latestSupportedTlsVersion"] as? String, "v1_2")
        for key in ["notificationQueryOptions", "lifecycleNotificationUrl", "includeResourceData", "encryptionCertificate",
                    "encryptionCertificateId", "notificationUrlAppId"] {
            XCTAssertTrue(created.json[key] is NSNull, key)
        }

        // Validation (nothing is called: the URL only has to be https).
        func bad(_ change: [String: Any], _ text: String, line: UInt = #line) throws {
            var b = body
            for (k, v) in change { b[k] = v }
            let r = try call("POST", "/subscriptions", t, json: b)
            XCTAssertEqual(r.status, 400, r.text, line: line)
            XCTAssertEqual(error(r).code, "ValidationError", line: line)
            XCTAssertTrue(error(r).message.contains(text), error(r).message, line: line)
        }
        try bad(["notificationUrl": "http://webhook.contoso.com/api/notify"], "https")
        try bad(["expirationDateTime": inMinutes(-5)], "past")
        try bad(["expirationDateTime": inMinutes(4231)], "4230 minutes")
        try bad(["changeType": "renamed"], "changeType")
        try bad(["expirationDateTime": "soon"], "expirationDateTime")
        var users = body
        users["resource"] = "/users"
        users["expirationDateTime"] = inMinutes(60 * 24 * 20)
        XCTAssertEqual(try call("POST", "/subscriptions", t, json: users).status, 201, "directory resources live longer")
        var short = body
        short["expirationDateTime"] = inMinutes(10)
        let bumped = try call("POST", "/subscriptions", t, json: short)
        let bumpedExpiry = try XCTUnwrap((bumped.json["expirationDateTime"] as? String).flatMap { s in
            ISO8601DateFormatter().date(from: s.replacingOccurrences(of: #"\.\d+"#, with: "", options: .regularExpression))
        })
        XCTAssertGreaterThan(bumpedExpiry.timeIntervalSinceNow, 44 * 60, "at least 45 minutes")

        // The caller sees its own subscriptions; $top pages.
        let mine = try allPages("/subscriptions?$top=2", t)
        XCTAssertEqual(mine.items.count, 3)
        XCTAssertEqual(mine.pages, 2)
        let admin = try adminToken()
        XCTAssertFalse(values(try call("GET", "/subscriptions", admin)).contains { $0["id"] as? String == id })
        XCTAssertEqual(try call("GET", "/subscriptions/\(id)", admin).status, 404)

        // Renew; only expiration and URL change.
        let renewed = try call("PATCH", "/subscriptions/\(id)", t, json: ["expirationDateTime": inMinutes(60 * 48)])
        XCTAssertEqual(renewed.status, 200, renewed.text)
        XCTAssertNotEqual(renewed.json["expirationDateTime"] as? String, created.json["expirationDateTime"] as? String)
        XCTAssertEqual(try call("PATCH", "/subscriptions/\(id)", t, json: ["resource": "/me/events"]).status, 400)
        XCTAssertEqual(try call("PATCH", "/subscriptions/\(id)", t, json: ["expirationDateTime": inMinutes(60 * 24 * 5)]).status, 400)
        XCTAssertEqual(try call("GET", "/subscriptions/\(id)", t).json["expirationDateTime"] as? String,
                       renewed.json["expirationDateTime"] as? String)

        XCTAssertEqual(try call("DELETE", "/subscriptions/\(id)", t).status, 204)
        let gone = try call("GET", "/subscriptions/\(id)", t)
        XCTAssertEqual(gone.status, 404)
        XCTAssertEqual(error(gone).code, "ResourceNotFound")
        XCTAssertEqual(try call("DELETE", "/subscriptions/\(id)", t).status, 404)

        // App-only subscriptions belong to the app.
        let app = try appToken()
        var appBody = body
        appBody["resource"] = "/users"
        let appSub = try call("POST", "/subscriptions", app, json: appBody)
        XCTAssertEqual(appSub.status, 201, appSub.text)
        XCTAssertEqual(appSub.json["applicationId"] as? String, Fixtures.secretApp)
        XCTAssertEqual(values(try call("GET", "/subscriptions", app)).count, 1)
    }

    // MARK: Schema extensions

    func testSchemaExtensionsLifecycle() throws {
        let t = try adminToken()
        let seeded = values(try call("GET", "/schemaExtensions", t))
        XCTAssertEqual(Set(seeded.compactMap { $0["id"] as? String }), ["extkvbmkofy_courses", "contoso_employeeData"])
        let filtered = values(try call("GET", "/schemaExtensions?$filter=" + q("id eq 'extkvbmkofy_courses'"), t))
        XCTAssertEqual(filtered.count, 1)
        XCTAssertEqual(filtered.first?["targetTypes"] as? [String], ["Group"])
        XCTAssertEqual(try allPages("/schemaExtensions?$top=1", t).pages, 2)

        let body: [String: Any] = ["id": "training", "description": "Training data", "targetTypes": ["User", "group"],
                                   "properties": [["name": "courseId", "type": "Integer"], ["name": "courseName", "type": "String"]]]
        let created = try call("POST", "/schemaExtensions", t, json: body)
        XCTAssertEqual(created.status, 201, created.text)
        let id = try XCTUnwrap(created.json["id"] as? String)
        XCTAssertNotNil(id.range(of: #"^ext[a-z]{8}_training$"#, options: .regularExpression), id)
        XCTAssertEqual(created.json["status"] as? String, "InDevelopment")
        XCTAssertEqual(created.json["owner"] as? String, Fixtures.publicApp, "the calling app when no owner is given")
        XCTAssertEqual(created.json["targetTypes"] as? [String], ["User", "Group"])
        var domain = body
        domain["id"] = "contoso_training"
        domain["owner"] = Fixtures.secretApp
        let verified = try call("POST", "/schemaExtensions", t, json: domain)
        XCTAssertEqual(verified.json["id"] as? String, "contoso_training")
        XCTAssertEqual(verified.json["owner"] as? String, Fixtures.secretApp)
        XCTAssertEqual(try call("POST", "/schemaExtensions", t, json: domain).status, 409)

        for change in [["id": "fabrikam_training"], ["targetTypes": ["Spaceship"]], ["properties": [["name": "x", "type": "Float"]]],
                       ["properties": [] as [Any]], ["id": "1bad"]] as [[String: Any]] {
            var b = body
            for (k, v) in change { b[k] = v }
            let r = try call("POST", "/schemaExtensions", t, json: b)
            XCTAssertEqual(r.status, 400, "\(change): \(r.text)")
            XCTAssertEqual(error(r).code, "Request_BadRequest")
        }

        // Additive updates, then the lifecycle.
        let added = ["properties": [["name": "courseId", "type": "Integer"], ["name": "courseName", "type": "String"],
                                    ["name": "level", "type": "String"]]]
        XCTAssertEqual(try call("PATCH", "/schemaExtensions/\(id)", t, json: added).status, 204)
        XCTAssertEqual((try call("GET", "/schemaExtensions/\(id)", t).json["properties"] as? [Any])?.count, 3)
        XCTAssertEqual(try call("PATCH", "/schemaExtensions/\(id)", t, json: ["properties": [["name": "courseId", "type": "Integer"]]]).status, 400)
        XCTAssertEqual(try call("PATCH", "/schemaExtensions/\(id)", t, json: ["status": "Deprecated"]).status, 400, "InDevelopment → Available first")
        XCTAssertEqual(try call("PATCH", "/schemaExtensions/\(id)", t, json: ["status": "Available", "description": "Live"]).status, 204)
        let available = try call("GET", "/schemaExtensions/\(id)", t)
        XCTAssertEqual(available.json["status"] as? String, "Available")
        XCTAssertEqual(available.json["description"] as? String, "Live")
        XCTAssertEqual(try call("DELETE", "/schemaExtensions/\(id)", t).status, 400, "only InDevelopment can be deleted")
        XCTAssertEqual(try call("PATCH", "/schemaExtensions/\(id)", t, json: ["status": "InDevelopment"]).status, 400)
        XCTAssertEqual(try call("PATCH", "/schemaExtensions/\(id)", t, json: ["status": "Deprecated"]).status, 204)
        XCTAssertEqual(try call("PATCH", "/schemaExtensions/\(id)", t, json: ["description": "x"]).status, 400, "Deprecated is final")

        XCTAssertEqual(try call("DELETE", "/schemaExtensions/contoso_training", t).status, 204)
        let gone = try call("GET", "/schemaExtensions/contoso_training", t)
        XCTAssertEqual(gone.status, 404)
        XCTAssertEqual(error(gone).code, "Request_ResourceNotFound")

        // Permissions: app-only reads need Application.Read.All; writes need Application.ReadWrite.All.
        XCTAssertEqual(try call("GET", "/schemaExtensions", try appToken()).status, 403)
        XCTAssertEqual(try call("POST", "/schemaExtensions", try narrowToken(), json: body).status, 403)
    }

    // MARK: Throttling and reset

    func testThrottledWorkloadRequestIsAnswered429ThenServed() throws {
        let t = try adeleToken()
        XCTAssertEqual(try admin("faults", method: "POST", json: #"{"kind":"429","count":1,"retryAfter":3,"path":"/v1.0/me/todo/lists"}"#).status, 201)
        let throttled = try call("GET", "/me/todo/lists", t)
        XCTAssertEqual(throttled.status, 429, throttled.text)
        XCTAssertEqual(throttled.header("retry-after"), "3")
        XCTAssertEqual(error(throttled).code, "TooManyRequests")
        XCTAssertEqual(values(try call("GET", "/me/todo/lists", t)).count, 1)

        XCTAssertEqual(try admin("faults", method: "POST", json: #"{"kind":"429","count":1,"retryAfter":1,"path":"/v1.0/planner/plans"}"#).status, 201)
        let plans = values(try call("GET", "/groups/\(salesAndMarketing)/planner/plans", t))
        let planId = try XCTUnwrap(plans.first?["id"] as? String)
        XCTAssertEqual(try call("GET", "/planner/plans/\(planId)", t).status, 429)
        XCTAssertEqual(try call("GET", "/planner/plans/\(planId)", t).status, 200)
    }

    func testResetRestoresWorkloads() throws {
        let t = try adeleToken()
        XCTAssertEqual(try call("POST", "/me/todo/lists", t, json: ["displayName": "Temporary"]).status, 201)
        XCTAssertEqual(try call("POST", "/planner/plans", t, json: ["title": "Temporary", "owner": salesAndMarketing]).status, 201)
        XCTAssertEqual(try call("DELETE", "/schemaExtensions/extkvbmkofy_courses", try adminToken()).status, 204)
        XCTAssertEqual(try admin("directory/reset", method: "POST").status, 200)
        XCTAssertEqual(values(try call("GET", "/me/todo/lists", t)).compactMap { $0["displayName"] as? String }, ["Tasks"])
        XCTAssertEqual(values(try call("GET", "/groups/\(salesAndMarketing)/planner/plans", t)).compactMap { $0["title"] as? String }, ["Launch"])
        XCTAssertEqual(try call("GET", "/schemaExtensions/extkvbmkofy_courses", t).status, 200)
    }
}
