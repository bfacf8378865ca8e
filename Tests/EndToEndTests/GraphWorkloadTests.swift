import Foundation
import XCTest

/// The Graph plugin end to end (`graph`, `todo`, `planner`, `teams`, `outlook`, `onedrive`): the
/// real binary and plugin against the emulator over HTTPS.
final class GraphWorkloadTests: SharedEmulatorTestCase {
    func writeFile(_ name: String, _ text: String) throws -> String {
        let url = harness.root.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    // MARK: graph batch

    func testBatchKeepsInputOrderAcrossChunksWithDependenciesAndFailures() throws {
        var requests: [[String: Any]] = []
        for i in 1...45 {
            var request: [String: Any] = ["id": "\(i)", "method": "GET", "url": "/users/\(i % 7 == 0 ? Self.missing : Self.adele.id)?$select=id"]
            if i == 21 { request["dependsOn"] = ["20"] }  // across the chunk boundary, met
            if i == 22 { request["dependsOn"] = ["14"] }  // 14 fails: 22 is answered 424 without being sent
            requests.append(request)
        }
        let data = try JSONSerialization.data(withJSONObject: ["requests": requests])
        let file = try writeFile("batch.json", String(decoding: data, as: UTF8.self))
        let results = try jsonArray(["graph", "batch", "--filePath", file])
        XCTAssertEqual(results.compactMap { $0["id"] as? String }, (1...45).map(String.init), "results in input order")
        for (index, result) in results.enumerated() {
            let i = index + 1
            let expected = i == 22 ? 424 : (i % 7 == 0 ? 404 : 200)
            XCTAssertEqual(result["status"] as? Int, expected, "request \(i)")
        }
        XCTAssertEqual(try httpRequests().count, 3, "45 requests: three batches of at most 20")
        XCTAssertEqual(try emulator.requests(pathPrefix: "/v1.0/users").count, 44, "the dependent of a failed request was not sent")
    }

    func testBatchesOfReadsAreAskedForInAdvanceAndWritesAreNot() throws {
        // 45 reads: batches 2 and 3 are asked for while the answer before them is read, and
        // the batch asked for is the one used (three POSTs, not more).
        let reads = (1...45).map { i in ["id": "\(i)", "method": "GET", "url": "/users/\(Self.adele.id)?$select=id"] }
        let readFile = try writeFile("reads.json", String(decoding: try JSONSerialization.data(withJSONObject: ["requests": reads]), as: UTF8.self))
        let traced = try harness.run(["graph", "batch", "--filePath", readFile, "--debug"])
        XCTAssertEqual(traced.status, 0, traced.stderr)
        XCTAssertEqual(traced.stderr.components(separatedBy: "(the answer to POST https://graph.microsoft.com/v1.0/$batch was asked for in advance)").count - 1, 2, traced.stderr)
        XCTAssertEqual(try httpRequests().count, 3)

        // A write in the last 5: that batch is sent only when its turn comes.
        var mixed = reads
        mixed[42] = ["id": "43", "method": "DELETE", "url": "/users/\(Self.missing)"]
        try emulator.admin("requests", method: "DELETE")
        let mixedFile = try writeFile("mixed.json", String(decoding: try JSONSerialization.data(withJSONObject: ["requests": mixed]), as: UTF8.self))
        let second = try harness.run(["graph", "batch", "--filePath", mixedFile, "--debug"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(second.stderr.components(separatedBy: "was asked for in advance").count - 1, 1, second.stderr)
        XCTAssertEqual(try httpRequests().count, 3)
    }

    func testBatchItemsThrottledWith429AreSentAgainAfterRetryAfter() throws {
        let file = try writeFile("batch.json", #"{"requests":[{"id":"a","method":"GET","url":"/users/\#(Self.megan.upn)"},{"id":"b","method":"GET","url":"/organization"}]}"#)
        try throttle("/v1.0/users/\(Self.megan.upn)")
        let results = try jsonArray(["graph", "batch", "--filePath", file])
        XCTAssertEqual(results.map { $0["status"] as? Int }, [200, 200])
        XCTAssertEqual(try httpRequests().count, 2, "the throttled item went again in a second batch")
    }

    func testBatchFileMistakesFailBeforeAnyRequest() throws {
        let cases: [(String, String)] = [
            ("{not json", "not valid JSON"),
            (#"{"requests":[{"id":"1","method":"GET","url":"/me"},{"id":"1","method":"GET","url":"/me"}]}"#, "used twice"),
            (#"{"requests":[{"id":"1","method":"GET","url":"/me","dependsOn":["2"]},{"id":"2","method":"GET","url":"/me"}]}"#, "not an earlier request"),
            (#"{"requests":[{"id":"1","method":"FETCH","url":"/me"}]}"#, "'method'"),
            (#"{"requests":[{"id":"1","method":"GET","url":"https://graph.microsoft.com/v1.0/me"}]}"#, "relative"),
            (#"{"requests":[]}"#, "no requests"),
        ]
        for (text, message) in cases {
            try mustFail(["graph", "batch", "--filePath", try writeFile("bad.json", text)], exit: 2, message)
        }
        try mustFail(["graph", "batch", "--filePath", "/nonexistent/batch.json"], "cannot read")
        XCTAssertEqual(try httpRequests("").count, 0)
    }

    // MARK: graph subscription, schemaextension

    func testSubscriptions() throws {
        let created = try jsonObject(["graph", "subscription", "add", "--resource", "groups", "--changeTypes", "updated,deleted",
                                      "--notificationUrl", "https://hooks.contoso.com/graph", "--clientState", "s3cret"])
        let id = try XCTUnwrap(created["id"] as? String)
        XCTAssertEqual(created["changeType"] as? String, "updated,deleted")
        // The default expiration: 4230 minutes less a minute of safety.
        let expires = try XCTUnwrap(ISO8601DateFormatter.fractional.date(from: created["expirationDateTime"] as? String ?? ""))
        XCTAssertLessThanOrEqual(expires.timeIntervalSinceNow, 4229 * 60 + 5)
        XCTAssertGreaterThan(expires.timeIntervalSinceNow, 4228 * 60)
        XCTAssertTrue(ids(try jsonArray(["graph", "subscription", "list"])).contains(id))
        try m365(["graph", "subscription", "remove", "--id", id, "--force"])
        XCTAssertFalse(ids(try jsonArray(["graph", "subscription", "list"])).contains(id))

        // Security alerts live up to 43200 minutes; Event Hubs deliveries; --latestTLSVersion as the CLI names it.
        let hub = "EventHub:https://contoso.servicebus.windows.net/eventhubname/graph?tenantId=contoso.onmicrosoft.com"
        let (alerts, bodies) = try traced(["graph", "subscription", "add", "-r", "security/alerts", "-c", "updated", "-u", hub, "--latestTLSVersion", "v1_2"])
        let alertsExpire = try XCTUnwrap(ISO8601DateFormatter.fractional.date(from: alerts["expirationDateTime"] as? String ?? ""))
        XCTAssertGreaterThan(alertsExpire.timeIntervalSinceNow, 43198 * 60)
        XCTAssertEqual(alerts["notificationUrl"] as? String, hub)
        XCTAssertEqual(bodies.first?["latestSupportedTlsVersion"] as? String, "v1_2")
        XCTAssertNil(bodies.first?["includeResourceData"])
        try mustFail(["graph", "subscription", "add", "--resource", "groups", "--changeTypes", "updated",
                      "--notificationUrl", "http://hooks.contoso.com"], exit: 2, "does not start with either 'https://' or 'EventHub:https://' or 'EventGrid:?azuresubscriptionid='")
        try mustFail(["graph", "subscription", "add", "--resource", "groups", "--changeTypes", "renamed",
                      "--notificationUrl", "https://hooks.contoso.com"], exit: 2, "renamed")
        try mustFail(["graph", "subscription", "add", "--resource", "groups", "--changeTypes", "updated", "--notificationUrl", "https://hooks.contoso.com",
                      "--withResourceData", "--encryptionCertificateId", "c1"], exit: 2, "The 'encryptionCertificate' options is required")
        try mustFail(["graph", "subscription", "add", "--resource", "groups", "--changeTypes", "updated", "--notificationUrl", "https://hooks.contoso.com",
                      "--clientState", String(repeating: "s", count: 129)], exit: 2, "The clientState value exceeds the maximum length of 128 characters")
        try mustFail(["graph", "subscription", "add", "--resource", "groups", "--changeTypes", "updated", "--notificationUrl", "https://hooks.contoso.com",
                      "--expirationDateTime", "tomorrow"], exit: 2, "The expirationDateTime is not a valid ISO date string")
        try mustFail(["graph", "subscription", "remove", "--id", "nope", "--force"], "ResourceNotFound")
    }

    func testSchemaExtensions() throws {
        let created = try jsonObject(["graph", "schemaextension", "add", "--id", "courses", "--description", "Course data",
                                      "--targetTypes", "Group", "--properties", #"[{"name":"courseId","type":"Integer"}]"#])
        let id = try XCTUnwrap(created["id"] as? String)
        XCTAssertTrue(id.hasSuffix("courses"))
        XCTAssertEqual(created["status"] as? String, "InDevelopment")
        XCTAssertEqual(try jsonObject(["graph", "schemaextension", "get", "--id", id])["description"] as? String, "Course data")
        let second = try XCTUnwrap(try jsonObject(["graph", "schemaextension", "add", "--id", "rooms", "--targetTypes", "Group",
                                                   "--properties", #"[{"name":"room","type":"String"}]"#])["id"] as? String)
        try emulator.admin("requests", method: "DELETE")
        let mine = try jsonArray(["graph", "schemaextension", "list", "-s", "InDevelopment"])
        XCTAssertTrue(ids(mine).isSuperset(of: [id, second]))
        XCTAssertEqual(try httpRequests("/v1.0/schemaExtensions").first?["query"] as? String, "$select=%2A&$filter=status%20eq%20%27InDevelopment%27")
        // Pages the CLI's way: $top = pageSize × (pageNumber + 1), then the last pageSize.
        try emulator.admin("requests", method: "DELETE")
        let page = try jsonArray(["graph", "schemaextension", "list", "--status", "InDevelopment", "-p", "1", "-n", "1"])
        XCTAssertEqual(page.count, 1)
        XCTAssertEqual(page.first?["id"] as? String, mine.count > 1 ? mine[1]["id"] as? String : nil)
        XCTAssertTrue((try httpRequests("/v1.0/schemaExtensions").first?["query"] as? String ?? "").hasSuffix("&$top=2"))
        // Outside JSON: id, description, targetTypes, status, owner and the properties as JSON text.
        let text = try m365(["graph", "schemaextension", "list", "--status", "InDevelopment", "--output", "text"]).stdout
        let header = text.split(separator: "\n").first.map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) } ?? []
        XCTAssertEqual(header, ["id", "description", "targetTypes", "status", "owner", "properties"], text)
        XCTAssertTrue(text.contains(#"[{"name":"courseId","type":"Integer"}]"#), text)
        // None found: nothing printed.
        XCTAssertEqual(try m365(["graph", "schemaextension", "list", "--owner", Self.missing]).stdout, "")
        try m365(["graph", "schemaextension", "remove", "--id", id, "--force"])
        try m365(["graph", "schemaextension", "remove", "--id", second, "--force"])
        try mustFail(["graph", "schemaextension", "get", "--id", id], "Request_ResourceNotFound")
        try mustFail(["graph", "schemaextension", "add", "--id", "x", "--targetTypes", "Group", "--properties", "[1]"], exit: 2, "--properties")
    }

    // MARK: todo

    func testTodoListsAndTasks() throws {
        let list = try jsonObject(["todo", "list", "add", "--name", "Groceries"])
        let listId = try XCTUnwrap(list["id"] as? String)
        XCTAssertTrue(ids(try jsonArray(["todo", "list", "list"])).contains(listId))

        let task = try jsonObject(["todo", "task", "add", "--listName", "Groceries", "--title", "Milk", "--importance", "high",
                                   "--bodyContent", "Two litres"])
        let taskId = try XCTUnwrap(task["id"] as? String)
        XCTAssertEqual(task["importance"] as? String, "high")
        // task set outputs the updated task; -s is --status.
        let updated = try jsonObject(["todo", "task", "set", "--listId", listId, "--id", taskId, "-s", "completed", "--title", "Oat milk"])
        XCTAssertEqual(updated["status"] as? String, "completed")
        XCTAssertEqual(updated["title"] as? String, "Oat milk")
        let fetched = try jsonObject(["todo", "task", "get", "--listName", "Groceries", "--id", taskId])
        XCTAssertEqual(fetched["status"] as? String, "completed")
        XCTAssertEqual(fetched["title"] as? String, "Oat milk")
        let text = try m365(["todo", "task", "list", "--listId", listId, "--output", "text"]).stdout
        XCTAssertTrue(text.contains("Oat milk") && text.contains("status"), text)

        // Times go as {dateTime, timeZone: Etc/GMT}; categories split on commas; a body content type alone is sent.
        let (rich, bodies) = try traced(["todo", "task", "add", "--listId", listId, "--title", "Bread", "--bodyContentType", "html",
                                         "--reminderDateTime", "2026-03-01T08:00:00Z", "--startDateTime", "2026-02-28T08:00:00Z",
                                         "--categories", "Shopping,Weekly", "--status", "completed", "--completedDateTime", "2026-03-02T08:00:00Z"])
        let sent = try XCTUnwrap(bodies.first)
        XCTAssertEqual(sent["reminderDateTime"] as? [String: String], ["dateTime": "2026-03-01T08:00:00Z", "timeZone": "Etc/GMT"])
        XCTAssertEqual(sent["startDateTime"] as? [String: String], ["dateTime": "2026-02-28T08:00:00Z", "timeZone": "Etc/GMT"])
        XCTAssertEqual(sent["completedDateTime"] as? [String: String], ["dateTime": "2026-03-02T08:00:00Z", "timeZone": "Etc/GMT"])
        XCTAssertEqual(sent["body"] as? [String: String], ["contentType": "html"])
        XCTAssertEqual(rich["categories"] as? [String], ["Shopping", "Weekly"])
        XCTAssertTrue(try harness.run(["todo", "task", "get", "--listId", listId, "--id", rich["id"] as? String ?? "", "--output", "text"]).stdout.contains("Bread"))
        try m365(["todo", "task", "remove", "--listId", listId, "--id", rich["id"] as? String ?? "", "--force"])
        try mustFail(["todo", "task", "add", "--listId", listId, "--title", "x", "--completedDateTime", "2026-03-02T08:00:00Z"], exit: 2,
                     "The completedDateTime option can only be used when the status option is set to completed")
        try m365(["todo", "task", "remove", "--listId", listId, "--id", taskId, "--force"])
        XCTAssertEqual(try jsonArray(["todo", "task", "list", "--listId", listId]).count, 0)
        try m365(["todo", "list", "remove", "--name", "Groceries", "--force"])
        try mustFail(["todo", "task", "list", "--listName", "Groceries"], "The specified list 'Groceries' does not exist.")
        try mustFail(["todo", "task", "add", "--listId", listId, "--title", "x", "--status", "someday"], exit: 2, "someday")

        let appOnly = try appOnlyHarness()
        defer { appOnly.cleanUp() }
        let denied = try appOnly.run(["todo", "list", "list"])
        XCTAssertEqual(denied.status, 1, "To Do needs a signed-in user: \(denied.stderr)")
    }

    // MARK: planner

    func testPlannerPlansBucketsAndTasksWithETags() throws {
        let sales = "Sales and Marketing"
        let (plan, planBodies) = try traced(["planner", "plan", "add", "--title", "Roadmap", "--ownerGroupName", sales])
        let planId = try XCTUnwrap(plan["id"] as? String)
        XCTAssertEqual(planBodies.first?["container"] as? [String: String], ["url": "https://graph.microsoft.com/v1.0/groups/\(Self.salesAndMarketing)"],
                       "the plan's container, not the deprecated owner")
        XCTAssertNil(planBodies.first?["owner"])
        XCTAssertNil(plan["@odata.etag"], "under odata.metadata=none Planner leaves the etag out")
        XCTAssertTrue(ids(try jsonArray(["planner", "plan", "list", "--ownerGroupId", Self.salesAndMarketing])).contains(planId))
        // By title, case-insensitively, with the plan's details merged in.
        let got = try jsonObject(["planner", "plan", "get", "--title", "ROADMAP", "--ownerGroupName", sales])
        XCTAssertEqual(got["id"] as? String, planId)
        XCTAssertNotNil(got["sharedWith"] as? [String: Any])
        XCTAssertNotNil(got["categoryDescriptions"] as? [String: Any])
        XCTAssertTrue(try harness.run(["planner", "plan", "get", "--id", planId, "--output", "text"]).stdout.contains("categoryDescriptions"),
                      "no default properties: text output shows every field")
        try mustFail(["planner", "plan", "list", "--ownerGroupId", "not-a-guid"], exit: 2, "not a valid GUID")

        // A bucket: orderHint is sent only when given.
        let (bucket, bucketBodies) = try traced(["planner", "bucket", "add", "--name", "Next", "--planTitle", "roadmap", "--ownerGroupId", Self.salesAndMarketing])
        let bucketId = try XCTUnwrap(bucket["id"] as? String)
        XCTAssertEqual(bucketBodies.first?.keys.sorted(), ["name", "planId"])
        let (_, plainBodies) = try traced(["planner", "task", "add", "--planId", planId, "--bucketId", try XCTUnwrap(bucket["id"] as? String), "--title", "Plain"])
        XCTAssertEqual(plainBodies.first?["assignments"] as? [String: String], [:], "empty maps, as the CLI sends them")
        XCTAssertEqual(plainBodies.first?["appliedCategories"] as? [String: Bool], [:])
        try m365(["planner", "task", "remove", "--title", "plain", "--bucketId", try XCTUnwrap(bucket["id"] as? String), "--force"])
        XCTAssertEqual(try jsonArray(["planner", "bucket", "list", "--planId", planId]).compactMap { $0["name"] as? String }, ["Next"])

        // A task by plan title and bucket name, users by name, a named priority, categories, a preview type.
        try emulator.admin("requests", method: "DELETE")
        let (task, taskBodies) = try traced(["planner", "task", "add", "--planTitle", "Roadmap", "--ownerGroupName", sales, "--bucketName", "next",
                                             "--title", "Draft", "--assignedToUserNames", "\(Self.admin.upn),\(Self.adele.upn)", "--description", "First draft",
                                             "--priority", "Urgent", "--appliedCategories", "Category2", "--previewType", "nopreview",
                                             "--startDateTime", "2026-01-05T09:00:00Z"])
        let taskId = try XCTUnwrap(task["id"] as? String)
        let sent = try XCTUnwrap(taskBodies.first { $0["title"] as? String == "Draft" })
        XCTAssertEqual(sent["planId"] as? String, planId)
        XCTAssertEqual(sent["bucketId"] as? String, bucketId)
        XCTAssertEqual(sent["priority"] as? Int, 1, "Urgent is 1")
        XCTAssertEqual(sent["appliedCategories"] as? [String: Bool], ["category2": true])
        XCTAssertEqual(Set((sent["assignments"] as? [String: Any] ?? [:]).keys), [Self.admin.id, Self.adele.id])
        XCTAssertEqual(task["description"] as? String, "First draft", "the details are merged in")
        XCTAssertEqual(task["previewType"] as? String, "noPreview")
        XCTAssertEqual(task["hasDescription"] as? Bool, true)
        XCTAssertEqual(task["startDateTime"] as? String, "2026-01-05T09:00:00Z")
        // The ETag is read with odata.metadata=minimal (under none Planner leaves it out), then sent as If-Match.
        let taskRequests = try httpRequests("/v1.0/planner/tasks/\(taskId)")
        XCTAssertEqual(taskRequests.map { "\($0["method"] as? String ?? "") \(($0["headers"] as? [String: String])?["accept"] ?? "")" },
                       ["GET application/json;odata.metadata=minimal", "PATCH application/json;odata.metadata=none"])
        let patch = try XCTUnwrap(taskRequests.last?["headers"] as? [String: String])
        XCTAssertTrue(patch["if-match"]?.hasPrefix("W/\"") == true, "\(patch)")
        XCTAssertEqual(patch["prefer"], "return=representation")

        // task set: each change reads the current ETag; the updated task (with details) is the output.
        let set1 = try jsonObject(["planner", "task", "set", "--id", taskId, "--percentComplete", "50", "--priority", "Important"])
        XCTAssertEqual(set1["percentComplete"] as? Int, 50)
        XCTAssertEqual(set1["priority"] as? Int, 3)
        let set2 = try jsonObject(["planner", "task", "set", "--id", taskId, "--title", "Final", "--description", "Second draft"])
        XCTAssertEqual(set2["title"] as? String, "Final")
        XCTAssertEqual(set2["description"] as? String, "Second draft")
        // task get by title (case-insensitive) in a bucket named within a plan; details merged in.
        let fetched = try jsonObject(["planner", "task", "get", "--title", "final", "--bucketName", "Next", "--planId", planId])
        XCTAssertEqual(fetched["id"] as? String, taskId)
        XCTAssertEqual(fetched["percentComplete"] as? Int, 50)
        XCTAssertEqual(fetched["description"] as? String, "Second draft")
        XCTAssertEqual(try jsonArray(["planner", "task", "list", "--bucketName", "next", "--planId", planId]).count, 1)
        XCTAssertTrue(ids(try jsonArray(["planner", "task", "list"])).contains(taskId), "no options: the signed-in user's tasks")
        XCTAssertEqual(try httpRequests("/v1.0/me/planner/tasks").count, 1)

        try mustFail(["planner", "task", "set", "--id", taskId, "--percentComplete", "150"], exit: 2, "percentComplete")
        try mustFail(["planner", "task", "set", "--id", taskId, "--priority", "Someday"], exit: 2, "Allowed values are 0-10 or Urgent|Important|Medium|Low")
        try mustFail(["planner", "task", "add", "--planId", planId, "--bucketId", bucketId, "--title", "x", "--assignedToUserNames", "ghost@contoso.com"],
                     "Cannot proceed with planner task creation. The following users provided are invalid : ghost@contoso.com")
        try mustFail(["planner", "task", "add", "--planId", planId, "--title", "x"], exit: 2, "'bucketId' or 'bucketName'")
        try mustFail(["planner", "task", "add", "--planId", planId, "--bucketId", bucketId, "--title", "x", "--dueDateTime", "tomorrow"], exit: 2,
                     "The dueDateTime is not a valid ISO date string.")
        try mustFail(["planner", "plan", "get", "--id", "nope"], "Planner plan with id 'nope' was not found.")
        try mustFail(["planner", "task", "get", "--title", "nope", "--bucketId", bucketId], "The specified task nope does not exist")
        try mustFail(["planner", "task", "remove", "--id", taskId, "--bucketId", bucketId, "--force"], exit: 2, "when using id")
        try m365(["planner", "task", "remove", "--title", "FINAL", "--bucketId", bucketId, "--force"])
        try mustFail(["planner", "task", "get", "--id", taskId], "not found")
        try m365(["planner", "plan", "remove", "--title", "roadmap", "--ownerGroupId", Self.salesAndMarketing, "--force"])
        try mustFail(["planner", "plan", "get", "--title", "Roadmap", "--ownerGroupId", Self.salesAndMarketing], "does not exist")
        try mustFail(["planner", "plan", "get", "--title", "Roadmap"], exit: 2, "'ownerGroupId' or 'ownerGroupName'")
    }

    func testPlannerRostersOnGraphBeta() throws {
        let roster = try jsonObject(["planner", "roster", "add"])
        let rosterId = try XCTUnwrap(roster["id"] as? String)
        XCTAssertEqual(try emulator.requests(pathPrefix: "/beta/planner/rosters").map { $0["method"] as? String }, ["POST"])
        let plan = try jsonObject(["planner", "plan", "add", "--title", "Crew", "--rosterId", rosterId])
        let planId = try XCTUnwrap(plan["id"] as? String)
        XCTAssertEqual((plan["container"] as? [String: Any])?["type"] as? String, "roster")
        try mustFail(["planner", "plan", "add", "--title", "Second", "--rosterId", rosterId], "You can only add 1 plan to a Roster")
        try mustFail(["planner", "plan", "add", "--title", "Both", "--rosterId", rosterId, "--ownerGroupId", Self.salesAndMarketing], exit: 2, "'rosterId'")
        XCTAssertEqual(ids(try jsonArray(["planner", "plan", "list", "--rosterId", rosterId])), [planId])
        XCTAssertEqual(try jsonObject(["planner", "plan", "get", "--rosterId", rosterId])["id"] as? String, planId)
        XCTAssertTrue(try emulator.requests(pathPrefix: "/beta/planner/rosters/\(rosterId)/plans").count >= 2, "the roster's plan is read on beta")

        _ = try jsonObject(["planner", "bucket", "add", "--name", "Crew tasks", "--rosterId", rosterId])
        let task = try jsonObject(["planner", "task", "add", "--rosterId", rosterId, "--bucketName", "crew tasks", "--title", "Sweep"])
        XCTAssertEqual(task["planId"] as? String, planId)
        XCTAssertEqual(try jsonArray(["planner", "task", "list", "--rosterId", rosterId]).count, 1)
        XCTAssertEqual(try jsonArray(["planner", "bucket", "list", "--rosterId", rosterId]).count, 1)
        try m365(["planner", "task", "remove", "--title", "sweep", "--bucketName", "Crew tasks", "--rosterId", rosterId, "--force"])
        XCTAssertEqual(try jsonArray(["planner", "task", "list", "--rosterId", rosterId]).count, 0)

        let empty = try XCTUnwrap(try jsonObject(["planner", "roster", "add"])["id"] as? String)
        try mustFail(["planner", "plan", "get", "--rosterId", empty], "The specified roster '\(empty)' does not have a plan.")
        // Rosters are a beta resource: v1.0 does not know them.
        let file = try writeFile("roster.json", #"{"requests":[{"id":"1","method":"POST","url":"/planner/rosters","headers":{"Content-Type":"application/json"},"body":{}}]}"#)
        XCTAssertEqual(try jsonArray(["graph", "batch", "--filePath", file]).first?["status"] as? Int, 400)
    }

    /// Runs `arguments` with `--debug`: what it printed and the JSON bodies sent, in order.
    func tracedResult(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> (String, [[String: Any]]) {
        let result = try harness.run(arguments + ["--debug"])
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        let bodies = result.stderr.split(separator: "\n").compactMap { line -> [String: Any]? in
            guard let start = line.range(of: "> {") else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(line[line.index(after: start.lowerBound)...].utf8)) as? [String: Any]
        }
        return (result.stdout, bodies)
    }

    /// Runs `arguments` with `--debug`: the JSON object printed and the JSON bodies sent, in order.
    func traced(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> ([String: Any], [[String: Any]]) {
        let result = try harness.run(arguments + ["--debug"])
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        let bodies = result.stderr.split(separator: "\n").compactMap { line -> [String: Any]? in
            guard let start = line.range(of: "> {") else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(line[line.index(after: start.lowerBound)...].utf8)) as? [String: Any]
        }
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        return (object, bodies)
    }

    // MARK: teams

    func testTeamsChannelsMembersAndMessages() throws {
        // With --wait the output is the team's Entra group, as CLI for Microsoft 365 logs it.
        let team = try jsonObject(["teams", "team", "add", "--name", "Architecture", "--description", "Design reviews", "--wait"])
        let teamId = try XCTUnwrap(team["id"] as? String)
        XCTAssertEqual(team["displayName"] as? String, "Architecture")
        XCTAssertEqual(team["mailNickname"] as? String, "Architecture", "the group, not the team")
        XCTAssertTrue(try harness.run(["teams", "team", "get", "--id", teamId, "--output", "text"]).stdout.contains("isArchived"))

        // team list: the team groups, then the full teams in a $batch, sorted by name.
        try emulator.admin("requests", method: "DELETE")
        let teams = try jsonArray(["teams", "team", "list"])
        XCTAssertTrue(ids(teams).contains(teamId))
        let names = teams.compactMap { $0["displayName"] as? String }
        XCTAssertEqual(names, names.sorted { $0.lowercased() < $1.lowercased() })
        XCTAssertTrue(teams.allSatisfy { $0["isArchived"] is Bool }, "the full team: isArchived is filled")
        XCTAssertEqual(try httpRequests().map { "\($0["method"] as? String ?? "") \($0["target"] as? String ?? "")" },
                       ["GET /v1.0/groups?$select=id&$filter=resourceProvisioningOptions%2FAny%28x%3Ax%20eq%20%27Team%27%29", "POST /v1.0/$batch"])
        XCTAssertTrue(ids(try jsonArray(["teams", "team", "list", "--joined"])).contains(teamId))
        XCTAssertTrue(ids(try jsonArray(["teams", "team", "list", "-a", "--userName", Self.admin.upn])).contains(teamId))
        XCTAssertEqual(try httpRequests("/v1.0/users/").filter { ($0["path"] as? String)?.hasSuffix("/teamwork/associatedTeams") == true }
            .compactMap { $0["query"] as? String }, ["$select=id"])

        let channel = try jsonObject(["teams", "channel", "add", "--teamId", teamId, "--name", "Reviews", "--description", "Weekly"])
        let channelId = try XCTUnwrap(channel["id"] as? String)
        XCTAssertTrue(ids(try jsonArray(["teams", "channel", "list", "--teamName", "Architecture"])).contains(channelId))
        XCTAssertEqual(try jsonObject(["teams", "channel", "get", "--teamId", teamId, "--name", "Reviews"])["id"] as? String, channelId)
        // -i is the channel's id, as in CLI for Microsoft 365; --teamId has no short form.
        XCTAssertEqual(try jsonObject(["teams", "channel", "get", "--teamId", teamId, "-i", channelId])["displayName"] as? String, "Reviews")

        try m365(["teams", "member", "add", "--teamId", teamId, "--userNames", "\(Self.adele.upn),\(Self.megan.upn)"])
        let members = try jsonArray(["teams", "member", "list", "--teamId", teamId])
        XCTAssertTrue(Set(members.compactMap { $0["userId"] as? String }).isSuperset(of: [Self.adele.id, Self.megan.id]))
        try m365(["teams", "member", "remove", "--teamId", teamId, "--userName", Self.megan.upn, "--force"])
        XCTAssertFalse(try jsonArray(["teams", "member", "list", "--teamId", teamId]).contains { $0["userId"] as? String == Self.megan.id })
        try mustFail(["teams", "member", "add", "--teamId", teamId, "--userNames", "ghost@contoso.com"], "ghost@contoso.com")

        // teams user list: owners marked Owner and listed once, then members; users' own IDs.
        try emulator.admin("requests", method: "DELETE")
        let users = try jsonArray(["teams", "user", "list", "-i", teamId])
        XCTAssertEqual(users.map { "\($0["id"] as? String ?? "") \($0["userType"] as? String ?? "")" },
                       ["\(Self.admin.id) Owner", "\(Self.adele.id) Member"])
        XCTAssertEqual(users.first?["userPrincipalName"] as? String, Self.admin.upn)
        XCTAssertEqual(try httpRequests().map { "\($0["path"] as? String ?? "")?\($0["query"] as? String ?? "")" },
                       ["/v1.0/groups/\(teamId)/owners?$select=id,displayName,userPrincipalName,userType",
                        "/v1.0/groups/\(teamId)/members?$select=id,displayName,userPrincipalName,userType"])
        XCTAssertEqual(try jsonArray(["teams", "user", "list", "--teamId", teamId, "--role", "Member"]).compactMap { $0["id"] as? String }, [Self.adele.id])
        XCTAssertEqual(try jsonArray(["teams", "user", "list", "--teamId", teamId, "-r", "Owner"]).compactMap { $0["id"] as? String }, [Self.admin.id])
        try mustFail(["teams", "user", "list", "--teamId", "Architecture"], exit: 2, "Architecture is not a valid GUID")

        // message send posts HTML by default.
        let sent = try jsonObject(["teams", "message", "send", "--teamId", teamId, "--channelId", channelId, "--message", "Hello <b>team</b>"])
        let messageId = try XCTUnwrap(sent["id"] as? String)
        // JSON output keeps the body object; other output shows its content.
        let messages = try jsonArray(["teams", "message", "list", "--teamId", teamId, "--channelName", "Reviews"])
        XCTAssertEqual(messages.first?["body"] as? [String: String], ["contentType": "html", "content": "Hello <b>team</b>"])
        let text = try m365(["teams", "message", "list", "--teamId", teamId, "--channelId", channelId, "--output", "csv"]).stdout
        XCTAssertTrue(text.contains("Hello <b>team</b>") && !text.contains("contentType"), text)
        // -s: changed since, through delta.
        try emulator.admin("requests", method: "DELETE")
        XCTAssertEqual(ids(try jsonArray(["teams", "message", "list", "--teamId", teamId, "--channelId", channelId, "-s", "2000-01-01T00:00:00Z"])), [messageId])
        XCTAssertEqual(try jsonArray(["teams", "message", "list", "--teamId", teamId, "--channelId", channelId, "--since", "2999-01-01T00:00:00Z"]).count, 0)
        XCTAssertEqual(try httpRequests("/v1.0/teams/\(teamId)/channels/").filter { ($0["path"] as? String)?.hasSuffix("/messages/delta") == true }
            .first?["query"] as? String, "$filter=lastModifiedDateTime%20gt%202000-01-01T00%3A00%3A00Z")
        let got = try jsonObject(["teams", "message", "get", "-t", teamId, "-c", channelId, "-i", messageId])
        XCTAssertEqual(got["id"] as? String, messageId)

        try m365(["teams", "team", "archive", "--id", teamId])
        XCTAssertEqual(try jsonObject(["teams", "team", "get", "--id", teamId])["isArchived"] as? Bool, true)
        try m365(["teams", "team", "unarchive", "--name", "Architecture"])
        XCTAssertEqual(try jsonObject(["teams", "team", "get", "--id", teamId])["isArchived"] as? Bool, false)

        try m365(["teams", "channel", "remove", "--teamId", teamId, "-i", channelId, "--force"])
        try m365(["teams", "team", "remove", "--id", teamId, "--force"])
        try mustFail(["teams", "team", "get", "--id", teamId], "NotFound")
        try mustFail(["teams", "channel", "add", "--teamId", teamId, "--name", "x", "--type", "private"], exit: 2, "--owner")
        try mustFail(["teams", "team", "get", "--id", "Architecture"], exit: 2, "Architecture is not a valid GUID")
        try mustFail(["teams", "channel", "get", "--teamId", teamId, "-i", "General"], exit: 2, "General is not a valid Teams channel id")
        try mustFail(["teams", "message", "get", "-t", "Architecture", "-c", channelId, "-i", messageId], exit: 2, "Architecture is not a valid GUID")

        XCTAssertFalse(try jsonArray(["teams", "chat", "list"]).isEmpty)
        XCTAssertFalse(try jsonArray(["teams", "chat", "list", "-t", "group"]).contains { $0["chatType"] as? String != "group" })
        try mustFail(["teams", "chat", "list", "--userName", Self.adele.upn], exit: 2, "cannot be used when obtaining chats using delegated permissions")
        XCTAssertFalse(try jsonArray(["teams", "app", "list", "--distributionMethod", "organization"]).isEmpty)
    }

    func testTeamAddTakesAJSONTemplateAndAddsMembersAfterProvisioning() throws {
        let template = #"{"template@odata.bind":"https://graph.microsoft.com/v1.0/teamsTemplates('standard')","displayName":"Ignored","visibility":"Private"}"#
        let group = try jsonObject(["teams", "team", "add", "--template", template, "--name", "Blueprints", "--memberUserNames", Self.megan.upn])
        let id = try XCTUnwrap(group["id"] as? String)
        XCTAssertEqual(group["displayName"] as? String, "Blueprints", "--name is laid over the template")
        XCTAssertEqual(group["visibility"] as? String, "Private", "the template's own properties are kept")
        let posts = try httpRequests("/v1.0/teams").filter { $0["method"] as? String == "POST" }.compactMap { $0["path"] as? String }
        XCTAssertEqual(posts, ["/v1.0/teams", "/v1.0/teams/\(id)/members"], "members are added once the team exists")
        let polls = try httpRequests("/v1.0/teams").filter { ($0["path"] as? String)?.contains("/operations") == true }
        XCTAssertFalse(polls.isEmpty)
        XCTAssertTrue(polls.allSatisfy { ($0["headers"] as? [String: String])?["accept"] == "application/json;odata.metadata=minimal" }, "\(polls)")
        XCTAssertEqual(try jsonArray(["teams", "user", "list", "--teamId", id, "--role", "Member"]).compactMap { $0["id"] as? String }, [Self.megan.id])
        try mustFail(["teams", "team", "add", "--template", "{not json"], exit: 2, "not valid JSON")
        try mustFail(["teams", "team", "add", "--description", "x"], exit: 2, "name")

        // App-only: one owner in the body, the rest after provisioning; without an owner, refused before any request.
        let appOnly = try appOnlyHarness()
        defer { appOnly.cleanUp() }
        try mustFail(["teams", "team", "add", "--name", "X"], exit: 2, "Specify at least 'ownerUserNames', 'ownerIds' or 'ownerEmails' when using application permissions.", harness: appOnly)
        try mustFail(["teams", "chat", "list"], exit: 2, "The option 'userId' or 'userName' is required", harness: appOnly)
    }

    func testChannelMessagesArePagedThrough() throws {
        let general = try XCTUnwrap(try jsonArray(["teams", "channel", "list", "--teamId", Self.salesAndMarketing])
            .first { $0["displayName"] as? String == "General" }?["id"] as? String)
        let path = "/teams/\(Self.salesAndMarketing)/channels/\(general)/messages"
        let requests: [[String: Any]] = (1...45).map { i in
            ["id": "\(i)", "method": "POST", "url": path, "headers": ["Content-Type": "application/json"],
             "body": ["body": ["content": "note \(i)"]]]
        }
        let data = try JSONSerialization.data(withJSONObject: ["requests": requests])
        let results = try jsonArray(["graph", "batch", "--filePath", try writeFile("messages.json", String(decoding: data, as: UTF8.self))])
        XCTAssertEqual(Set(results.compactMap { $0["status"] as? Int }), [201])
        try emulator.admin("requests", method: "DELETE")

        let bodies = try jsonArray(["teams", "message", "list", "--teamId", Self.salesAndMarketing, "--channelId", general])
            .compactMap { ($0["body"] as? [String: Any])?["content"] as? String }
        XCTAssertTrue(Set(bodies).isSuperset(of: (1...45).map { "note \($0)" }), "every message, across pages")
        XCTAssertEqual(Set(bodies).count, bodies.count, "no message twice")
        let pages = try httpRequests("/v1.0/teams/\(Self.salesAndMarketing)/channels/").filter {
            $0["method"] as? String == "GET" && ($0["path"] as? String)?.hasSuffix("/messages") == true
        }
        XCTAssertGreaterThanOrEqual(pages.count, 3, "20 a page: the next links were followed")
    }

    // MARK: outlook

    func testMailSendDeliversWithAttachmentsThenMoveAndRemove() throws {
        let attachment = try writeFile("notes.txt", "quarterly numbers")
        try m365(["outlook", "mail", "send", "-t", Self.adele.upn, "--subject", "Q3 report", "--bodyContents", "See attached",
                  "--attachment", attachment])
        let sent = try jsonArray(["outlook", "message", "list", "--folderName", "sentitems"])
        let copy = try XCTUnwrap(sent.first { $0["subject"] as? String == "Q3 report" })
        XCTAssertEqual(copy["hasAttachments"] as? Bool, true)

        // -m sets the message's from; saveToSentItems is sent only when given.
        let (_, bodies) = try tracedResult(["outlook", "mail", "send", "--to", Self.adele.upn, "-s", "From the desk", "--bodyContents", "x",
                                            "-m", "desk@contoso.com"])
        let message = try XCTUnwrap(bodies.first?["message"] as? [String: Any])
        XCTAssertEqual(message["from"] as? [String: [String: String]], ["emailAddress": ["address": "desk@contoso.com"]])
        XCTAssertNil(bodies.first?["saveToSentItems"])

        // --attachment once per file, as the CLI takes it.
        let second = try writeFile("numbers.csv", "q,total\n3,42\n")
        let (_, attached) = try tracedResult(["outlook", "mail", "send", "--to", Self.adele.upn, "--subject", "Two files", "--bodyContents", "x",
                                              "--attachment", attachment, "--attachment", second])
        let files = try XCTUnwrap((attached.first?["message"] as? [String: Any])?["attachments"] as? [[String: Any]])
        XCTAssertEqual(files.map { $0["name"] as? String }, ["notes.txt", "numbers.csv"])
        XCTAssertEqual(files.map { $0["contentBytes"] as? String }, [Data("quarterly numbers".utf8).base64EncodedString(), Data("q,total\n3,42\n".utf8).base64EncodedString()])

        // A folder by its display name is looked up; a well-known name is used as it is.
        let folderFile = try writeFile("folder.json", #"{"requests":[{"id":"1","method":"POST","url":"/me/mailFolders","headers":{"Content-Type":"application/json"},"body":{"displayName":"Projects"}}]}"#)
        let created = try jsonArray(["graph", "batch", "--filePath", folderFile])
        XCTAssertEqual(created.first?["status"] as? Int, 201)
        let folderId = try XCTUnwrap((created.first?["body"] as? [String: Any])?["id"] as? String)
        let id = try XCTUnwrap(copy["id"] as? String)
        XCTAssertEqual(try jsonObject(["outlook", "message", "get", "--id", id])["subject"] as? String, "Q3 report")
        try emulator.admin("requests", method: "DELETE")
        let moved = try jsonObject(["outlook", "message", "move", "--id", id, "--sourceFolderName", "sentitems", "--targetFolderName", "Projects"])
        let movedId = try XCTUnwrap(moved["id"] as? String)
        XCTAssertEqual(moved["parentFolderId"] as? String, folderId)
        XCTAssertEqual(try httpRequests().map { "\($0["method"] as? String ?? "") \($0["target"] as? String ?? "")" },
                       ["GET /v1.0/me/mailFolders?$filter=displayName%20eq%20%27Projects%27&$select=id",
                        "POST /v1.0/me/mailFolders/sentitems/messages/\(id)/move"])
        try emulator.admin("requests", method: "DELETE")
        XCTAssertTrue(ids(try jsonArray(["outlook", "message", "list", "--folderName", "Projects"])).contains(movedId))
        XCTAssertEqual(try httpRequests("/v1.0/me/mailFolders/\(folderId)/messages").first?["query"] as? String, "$top=100", "pages of 100, as the CLI asks")
        try mustFail(["outlook", "message", "list", "--folderName", "Nope"], "Folder with name 'Nope' not found")
        try mustFail(["outlook", "message", "list", "--startTime", "yesterday"], exit: 2, "'yesterday' is not a valid ISO date string for option startTime.")
        XCTAssertTrue(ids(try jsonArray(["outlook", "message", "list", "--folderId", folderId, "--startTime", "2000-01-01T00:00:00Z"])).contains(movedId))
        try m365(["outlook", "message", "remove", "--id", movedId, "--force"])
        try mustFail(["outlook", "message", "get", "--id", movedId], "ErrorItemNotFound")

        // Delivered to Adele: an app-only connection reads her mailbox? The secret app has no Mail role: 403.
        let appOnly = try appOnlyHarness()
        defer { appOnly.cleanUp() }
        let denied = try appOnly.run(["outlook", "message", "list", "--userName", Self.adele.upn])
        XCTAssertEqual(denied.status, 1, denied.stderr)
        try mustFail(["outlook", "mail", "send", "--to", Self.adele.upn, "--subject", "x", "--bodyContents", "x"], exit: 2,
                     "Specify a upn or user id in the 'sender' option when using app only authentication.", harness: appOnly)
        try mustFail(["outlook", "message", "get", "--id", id], exit: 2,
                     "You must specify either the userId or userName option when using app-only permissions.", harness: appOnly)

        XCTAssertNotNil(try jsonObject(["outlook", "mailbox", "settings", "get"])["timeZone"])
        XCTAssertNotNil(try jsonObject(["outlook", "mailbox", "settings", "get", "-n", Self.admin.upn])["timeZone"])
        XCTAssertNotNil(try jsonObject(["outlook", "mailbox", "settings", "get", "-i", Self.admin.id])["timeZone"])
        try mustFail(["outlook", "mail", "send", "--to", Self.adele.upn, "--subject", "x", "--bodyContents", "x", "--bodyContentType", "Markdown"], exit: 2, "Markdown")
        try mustFail(["outlook", "mail", "send", "--to", Self.adele.upn, "--subject", "x", "--bodyContents", "x", "--attachment", "/nonexistent"], "cannot read")
        let big = harness.root.appendingPathComponent("big.bin")
        try Data(repeating: 1, count: 3_200_000).write(to: big)
        try mustFail(["outlook", "mail", "send", "--to", Self.adele.upn, "--subject", "x", "--bodyContents", "x", "--attachment", big.path], exit: 2,
                     "Exceeded the max total size of attachments which is 3MB.")
    }

    // MARK: onedrive

    func testOneDriveSmallAndChunkedRoundTripsByteForByte() throws {
        let small = harness.root.appendingPathComponent("small.bin")
        let large = harness.root.appendingPathComponent("large.bin")
        try Data((0..<100_000).map { UInt8($0 % 251) }).write(to: small)
        // Over the simple-upload limit: an upload session of two 10 MiB fragments and a remainder.
        try Data((0..<(22 * 1024 * 1024)).map { UInt8(($0 * 7) % 253) }).write(to: large)
        let smallItem = try jsonObject(["onedrive", "file", "add", "--filePath", small.path, "--folderPath", "/Documents"])
        XCTAssertEqual(smallItem["size"] as? Int, 100_000)
        let largeItem = try jsonObject(["onedrive", "file", "add", "--filePath", large.path, "--folderPath", "/Documents"])
        XCTAssertEqual(largeItem["size"] as? Int, 22 * 1024 * 1024)
        XCTAssertEqual(try emulator.requests(pathPrefix: "/_upload").filter { $0["method"] as? String == "PUT" }.count, 3)

        let names = try jsonArray(["onedrive", "file", "list", "--folderPath", "/Documents"]).compactMap { $0["name"] as? String }
        XCTAssertTrue(Set(names).isSuperset(of: ["small.bin", "large.bin"]))
        for (name, original) in [("small.bin", small), ("large.bin", large)] {
            let out = harness.root.appendingPathComponent("down-" + name)
            try m365(["onedrive", "file", "download", "--path", "/Documents/\(name)", "--outputFile", out.path])
            XCTAssertEqual(try Data(contentsOf: out), try Data(contentsOf: original), "\(name) came back byte for byte")
        }
        try mustFail(["onedrive", "file", "add", "--filePath", small.path, "--folderPath", "/Documents"], "nameAlreadyExists")
        try m365(["onedrive", "file", "add", "--filePath", small.path, "--folderPath", "/Documents", "--overwrite"])
        try mustFail(["onedrive", "file", "get", "--path", "/Documents/none.bin"], "itemNotFound")
    }

    func testOneDriveListIsTheTenantsOneDriveSitesFromTheAdminSite() throws {
        let sites = try jsonArray(["onedrive", "list"])
        XCTAssertTrue(sites.contains { $0["Url"] as? String == "https://contoso-my.sharepoint.com/personal/adele_vance_contoso_com" }, "\(sites)")
        XCTAssertTrue(sites.allSatisfy { ($0["Template"] as? String)?.hasPrefix("SPSPERS") == true }, "OneDrive sites only: \(sites)")
        let queries = try emulator.requests(pathPrefix: "/_vti_bin/client.svc/ProcessQuery")
        XCTAssertEqual(queries.map { $0["host"] as? String }, ["contoso-admin.sharepoint.com"])
        XCTAssertFalse(((queries.first?["headers"] as? [String: String])?["x-requestdigest"] ?? "").isEmpty, "the admin site's request digest is sent")
        let text = try m365(["onedrive", "list", "--output", "text"]).stdout
        XCTAssertTrue(text.contains("Adele Vance") && text.contains("personal/adele_vance_contoso_com"), text)
        XCTAssertFalse(text.contains("StorageMaximumLevel"), "text shows the default properties Title and Url: \(text)")
    }

    func testAnUploadInterruptedByAResetResumesFromTheConfirmedOffset() throws {
        let large = harness.root.appendingPathComponent("resume.bin")
        try Data((0..<(25 * 1024 * 1024)).map { UInt8(($0 * 13) % 251) }).write(to: large)
        try emulator.admin("faults", method: "POST", json: #"{"kind":"reset","count":1,"host":"graph.microsoft.com","pathPrefix":"/_upload"}"#)
        let item = try jsonObject(["onedrive", "file", "add", "--filePath", large.path, "--folderPath", "/Documents", "--verbose"])
        XCTAssertEqual(item["size"] as? Int, 25 * 1024 * 1024)
        let out = harness.root.appendingPathComponent("resume-down.bin")
        try m365(["onedrive", "file", "download", "--path", "/Documents/resume.bin", "--outputFile", out.path])
        XCTAssertEqual(try Data(contentsOf: out), try Data(contentsOf: large))
        let statusChecks = try emulator.requests(pathPrefix: "/_upload").filter { $0["method"] as? String == "GET" }
        XCTAssertEqual(statusChecks.count, 1, "after the reset the client asked where to resume")
    }

    func testAnInterruptedDownloadLeavesNoFile() throws {
        let file = harness.root.appendingPathComponent("cut.bin")
        try Data(repeating: 7, count: 2 * 1024 * 1024).write(to: file)
        try m365(["onedrive", "file", "add", "--filePath", file.path])
        try emulator.admin("faults", method: "POST", json: #"{"kind":"truncate","count":5,"host":"graph.microsoft.com","pathPrefix":"/_download"}"#)
        let out = harness.root.appendingPathComponent("cut-down.bin")
        let result = try harness.run(["onedrive", "file", "download", "--path", "/cut.bin", "--outputFile", out.path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "no partial file under the target name")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: harness.root.path).filter { $0.contains("m365-part") }
        XCTAssertEqual(leftovers, [], "the temporary file is removed too")
    }

    // MARK: Across the workloads

    func testThrottledWorkloadRequestsSucceedAfterRetryAfter() throws {
        let cases: [(String, [String])] = [
            ("/v1.0/subscriptions", ["graph", "subscription", "list"]),
            ("/v1.0/schemaExtensions", ["graph", "schemaextension", "list"]),
            ("/v1.0/me/todo/lists", ["todo", "list", "list"]),
            ("/v1.0/groups/\(Self.salesAndMarketing)/planner/plans", ["planner", "plan", "list", "--ownerGroupId", Self.salesAndMarketing]),
            ("/v1.0/groups", ["teams", "team", "list"]),
            ("/v1.0/me/messages", ["outlook", "message", "list"]),
            ("/v1.0/sites/root", ["onedrive", "list"]),
        ]
        for (path, arguments) in cases {
            try emulator.admin("requests", method: "DELETE")
            try throttle(path)
            _ = try jsonArray(arguments)
            XCTAssertEqual(try httpRequests(path).count, 2, "\(arguments): throttled once, then answered")
        }
    }

    /// The secret app holds User.Read.All, Group.Read.All and Sites.Read.All: every change is
    /// refused by the service with its own error, shown on one line, exit 1.
    func testForbiddenAcrossWorkloads() throws {
        let appOnly = try appOnlyHarness()
        defer { appOnly.cleanUp() }
        let file = try writeFile("note.txt", "x")
        let cases: [([String], String)] = [
            (["planner", "plan", "add", "--title", "X", "--ownerGroupId", Self.salesAndMarketing], "Authorization_RequestDenied"),
            (["teams", "team", "add", "--name", "X", "--ownerUserNames", Self.adele.upn], "Team.Create"),
            (["teams", "channel", "add", "--teamId", Self.salesAndMarketing, "--name", "Y"], "Channel.Create"),
            (["graph", "schemaextension", "add", "--id", "courses", "--targetTypes", "Group", "--properties", #"[{"name":"a","type":"String"}]"#],
             "Authorization_RequestDenied"),
            (["todo", "list", "add", "--name", "X"], "delegated"),
            (["onedrive", "file", "add", "--filePath", file], "delegated"),
        ]
        for (arguments, message) in cases {
            try mustFail(arguments, message, harness: appOnly)
        }
        let list = try appOnly.run(["teams", "team", "list"])
        XCTAssertEqual(list.status, 0, "reading is allowed: \(list.stderr)")
    }

    /// Where this m365 keeps its own behaviour on purpose, the command's help says so.
    func testDeliberateDifferencesAreSaidInHelp() throws {
        let cases: [([String], String)] = [
            (["outlook", "message", "move"], "differs from CLI for Microsoft 365, which prints nothing"),
            (["planner", "plan", "list"], "an addition of this m365"),
            (["teams", "team", "get"], "differs from CLI for Microsoft 365"),
            (["teams", "team", "archive"], "looked up in /teams rather than /groups"),
            (["teams", "channel", "list"], "looked up in /teams rather than /groups"),
            (["teams", "channel", "add"], "which CLI for Microsoft 365 leaves out"),
            (["graph", "schemaextension", "add"], "--owner is optional"),
            (["outlook", "mail", "send"], "commas separate files too: an addition of this m365"),
        ]
        for (words, text) in cases {
            let help = try m365(words + ["--help"]).stdout
            XCTAssertTrue(help.contains(text), "\(words): \(help)")
        }
    }

    func testNotFoundAcrossWorkloads() throws {
        let cases: [[String]] = [
            ["todo", "task", "get", "--listId", "nope", "--id", "nope"],
            ["planner", "task", "get", "--id", "nope"],
            ["planner", "plan", "get", "--id", "nope"],
            ["teams", "team", "get", "--id", Self.missing],
            ["teams", "channel", "list", "--teamName", "Ghosts"],
            ["outlook", "message", "get", "--id", "nope"],
            ["onedrive", "file", "get", "--id", "nope"],
            ["graph", "schemaextension", "get", "--id", "nope"],
        ]
        for arguments in cases {
            let result = try harness.run(arguments)
            XCTAssertEqual(result.status, 1, "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line: \(result.stderr)")
        }
    }
}

extension ISO8601DateFormatter {
    /// Graph's timestamps, with or without fractional seconds.
    static var fractional: ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }
}
