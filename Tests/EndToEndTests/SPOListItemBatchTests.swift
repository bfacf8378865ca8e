import Foundation
import TestSupport
import XCTest

/// `m365 spo listitem batch add|set|remove` end to end: CSV rows through SharePoint's OData
/// `$batch` (multipart/mixed) on the emulator, 100 rows a batch request.
final class SPOListItemBatchTests: SPOTestCase {
    let tasks = ["--webUrl", SPOTestCase.root, "--listTitle", "Tasks"]

    /// Outer `$batch` requests (not their items).
    func batchRequests() throws -> [[String: Any]] {
        try spRequests().filter { ($0["path"] as? String ?? "").hasSuffix("/_api/$batch") && ($0["batchItem"] as? Bool) != true }
    }

    func items(_ list: [String]? = nil, fields: String = "Id,Title") throws -> [[String: Any]] {
        try array(["listitem", "list"] + (list ?? tasks) + ["--fields", fields])
    }

    func csvFile(_ text: String, _ name: String = "items.csv") throws -> String {
        let url = harness.root.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func testAdd250RowsInThreeBatchRequests() throws {
        try spo(["list", "add", "--webUrl", Self.root, "--title", "Bulk"])
        try? FileManager.default.removeItem(at: harness.home.appendingPathComponent("m365/plugin-state"))  // no cached digest
        try emulator.admin("requests", method: "DELETE")
        let csv = "Title,Notes\n" + (1...250).map { "Row \($0),note \($0)" }.joined(separator: "\n") + "\n"
        let run = try spo(["listitem", "batch", "add", "--webUrl", Self.root, "--listTitle", "Bulk", "--filePath", try csvFile(csv)])
        XCTAssertEqual(run.stdout, "", "nothing printed on success, as CLI for Microsoft 365")

        let batches = try batchRequests()
        XCTAssertEqual(batches.count, 3, "100 + 100 + 50 rows")
        XCTAssertTrue(batches.allSatisfy { ($0["headers"] as? [String: Any])?["x-requestdigest"] == nil }, "no digest, as the CLI sends none")
        let contentType = (batches.first?["headers"] as? [String: Any])?["content-type"] as? String ?? ""
        XCTAssertTrue(contentType.hasPrefix("multipart/mixed; boundary=batch_"), contentType)
        let inner = try spRequests().filter { ($0["batchItem"] as? Bool) == true }
        XCTAssertEqual(inner.count, 250)
        XCTAssertTrue(inner.allSatisfy { ($0["path"] as? String ?? "").hasSuffix("/AddValidateUpdateItemUsingPath") })
        XCTAssertEqual(try spRequests().count, 250 + 3, "nothing else is sent")

        let added = try items(["--webUrl", Self.root, "--listTitle", "Bulk"], fields: "Id,Title,Notes")
        XCTAssertEqual(added.count, 250)
        XCTAssertEqual(added.compactMap { $0["Title"] as? String }, (1...250).map { "Row \($0)" }, "in CSV order")
        XCTAssertEqual(added.last?["Notes"] as? String, "note 250")
    }

    func testSetAndRemoveFromCSV() throws {
        try spo(["listitem", "batch", "add"] + tasks + ["--csvContent", "Title,Notes\nfour,\nfive,"])
        XCTAssertEqual(try items().compactMap { $0["Id"] as? Int }, [1, 2, 3, 4, 5])

        // As CLI for Microsoft 365, over CSOM: the list's id, its fields, the web's identity, the updates.
        try emulator.admin("requests", method: "DELETE")
        try spo(["listitem", "batch", "set"] + tasks + ["--filePath", try csvFile("ID,Title,Notes\n1,one,n1\n4,FOUR,n4\n")])
        XCTAssertEqual(try spRequests().filter { !($0["path"] as? String ?? "").hasSuffix("/_api/contextinfo") }.map { "\($0["method"] ?? "") \($0["target"] ?? "")" }, [
            "GET /_api/web/lists/GetByTitle('Tasks')?$select=Id",
            "GET /_api/web/lists(guid'\(try XCTUnwrap(try object(["list", "get", "--webUrl", Self.root, "--title", "Tasks", "--properties", "Id"])["Id"] as? String))')/fields?$select=InternalName%2CTypeAsString&$filter=InternalName%20eq%20%27Title%27%20or%20InternalName%20eq%20%27Notes%27",
            "POST /_vti_bin/client.svc/ProcessQuery",
            "POST /_vti_bin/client.svc/ProcessQuery",
        ])
        try fails(["listitem", "batch", "set"] + tasks + ["--csvContent", "ID,Nope,Title\n1,x,y"], "Following fields specified in the csv do not exist on the list: Nope")
        try spo(["listitem", "batch", "set"] + tasks + ["--csvContent", "Key,Title\n5,FIVE", "--idColumn", "Key", "--systemUpdate"])
        let updated = try items(fields: "Id,Title,Notes")
        XCTAssertEqual(updated.compactMap { $0["Title"] as? String }, ["one", "Review the navigation", "Publish the news page", "FOUR", "FIVE"])
        XCTAssertEqual(updated.first?["Notes"] as? String, "n1")
        let five = try object(["listitem", "get"] + tasks + ["--id", "5", "--properties", "OData__UIVersionString"])
        XCTAssertEqual(five["OData__UIVersionString"] as? String, "1.0", "--systemUpdate keeps the version")
        let four = try object(["listitem", "get"] + tasks + ["--id", "4", "--properties", "OData__UIVersionString"])
        XCTAssertEqual(four["OData__UIVersionString"] as? String, "2.0")

        try spo(["listitem", "batch", "remove"] + tasks + ["--filePath", try csvFile("id\n2\n4\n", "ids.csv"), "--force"])
        try spo(["listitem", "batch", "remove"] + tasks + ["--ids", "1, 5", "--recycle", "--force"])
        XCTAssertEqual(try items().compactMap { $0["Id"] as? Int }, [3])
        let inner = try spRequests().filter { ($0["batchItem"] as? Bool) == true }.map { "\($0["method"] ?? "") \($0["path"] ?? "")" }
        XCTAssertTrue(inner.contains("DELETE /_api/web/lists/GetByTitle('Tasks')/items(5)/recycle()"), "a DELETE, as the CLI: \(inner)")
        try fails(["listitem", "batch", "remove"] + tasks + ["--ids", "3"], exit: 2, "--force")
    }

    func testFailedRowsAreListedWithTheirLinesAndTheRestApplied() throws {
        let csv = "Title,Created\nfine one,2024-01-02\nbad date,2023-01-01T00:00:00Z\nfine two,\"1/2/2024 10:00 AM\"\n"
        try fails(["listitem", "batch", "add"] + tasks + ["--csvContent", csv],
                  "Creating some items failed with the following errors:\n- Line 3: Created - You must specify a valid date within the range of 1/1/1900 and 12/31/8900.\n1 of 3 row(s) failed")
        XCTAssertEqual(try items().compactMap { $0["Title"] as? String }.suffix(2), ["fine one", "fine two"])

        // As the CLI: SharePoint's error stops the request; what came before it stays applied.
        try fails(["listitem", "batch", "set"] + tasks + ["--csvContent", "ID,Title\n1,renamed\n999,ghost\n2,renamed too"],
                  "Item does not exist. It may have been deleted by another user.")
        XCTAssertEqual(try items().prefix(2).compactMap { $0["Title"] as? String }, ["renamed", "Review the navigation"])

        try fails(["listitem", "batch", "remove"] + tasks + ["--ids", "3,998,1", "--force"],
                  "Removing some items failed with the following errors:\n- Item ID 998: Item does not exist")
        XCTAssertFalse(try items().contains { [1, 3].contains($0["Id"] as? Int) })
    }

    func testQuotedCSVValues() throws {
        // Commas, doubled quotes and line breaks inside quotes; CRLF line ends; the line of a row
        // after a multi-line value counts the value's lines.
        let csv = "Title,Notes\r\n\"Smith, John\",\"He said \"\"hi\"\"\"\r\n\"two\nlines\",\"a,\"\"b\"\",c\"\r\n"
        try spo(["listitem", "batch", "add"] + tasks + ["--csvContent", csv])
        let added = try items(fields: "Id,Title,Notes").suffix(2)
        XCTAssertEqual(added.compactMap { $0["Title"] as? String }, ["Smith, John", "two\nlines"])
        XCTAssertEqual(added.compactMap { $0["Notes"] as? String }, ["He said \"hi\"", "a,\"b\",c"])

        try fails(["listitem", "batch", "add"] + tasks + ["--csvContent", "Title,Created\n\"x\ny\",2024-01-01\nz,never"], "- Line 4: Created - You must specify a valid date")
    }

    func testThrottledBatchRequestIsSentAgainAfterRetryAfter() throws {
        try spo(["listitem", "batch", "add"] + tasks + ["--csvContent", "Title\nwarm-up"])  // token and digest cached
        try emulator.admin("requests", method: "DELETE")
        try throttleSharePoint("/_api/$batch")
        try spo(["listitem", "batch", "add"] + tasks + ["--csvContent", "Title\nafter a 429\nand another"])
        XCTAssertEqual(try batchRequests().compactMap { $0["status"] as? Int }, [429, 200])
        XCTAssertEqual(try items().compactMap { $0["Title"] as? String }.suffix(2), ["after a 429", "and another"], "applied once")
    }

    func testThrottledPartsAloneAreSentAgain() throws {
        try spo(["listitem", "batch", "add"] + tasks + ["--csvContent", "Title\nwarm-up"])
        try emulator.admin("requests", method: "DELETE")
        // Two of the three inner requests answer 429 (Retry-After: 1); the outer request is not faulted.
        try emulator.admin("faults", method: "POST",
                           json: #"{"kind":"429","count":2,"retryAfter":1,"host":"contoso.sharepoint.com","pathPrefix":"/_api/web/lists"}"#)
        try spo(["listitem", "batch", "add"] + tasks + ["--csvContent", "Title\nt1\nt2\nt3"])
        XCTAssertEqual(try batchRequests().count, 2, "the first batch, then one with the throttled parts")
        let inner = try spRequests().filter { ($0["batchItem"] as? Bool) == true }.compactMap { $0["status"] as? Int }
        XCTAssertEqual(inner, [429, 429, 200, 200, 200])
        XCTAssertEqual(try items().compactMap { $0["Title"] as? String }.suffix(3).sorted(), ["t1", "t2", "t3"])
    }

    /// An answer that is not multipart (a proxy's page with 200): every row of that batch is
    /// named as unknown, nothing is dropped silently.
    func testUnreadableAnswerNamesTheRowsWhoseOutcomeIsUnknown() throws {
        try emulator.admin("faults", method: "POST",
                           json: #"{"kind":"html","status":200,"count":1,"host":"contoso.sharepoint.com","pathPrefix":"/_api/$batch"}"#)
        try fails(["listitem", "batch", "add"] + tasks + ["--csvContent", "Title\nu1\nu2"],
                  "- Line 2: outcome unknown: SharePoint's answer to the batch could not be read (its Content-Type is 'text/html")
        try emulator.admin("faults", method: "POST",
                           json: #"{"kind":"html","status":200,"count":1,"host":"contoso.sharepoint.com","pathPrefix":"/_api/$batch"}"#)
        try fails(["listitem", "batch", "add"] + tasks + ["--csvContent", "Title\nu1\nu2"], "- Line 3: outcome unknown")
    }

    func testBadInputFailsBeforeAnyRequest() throws {
        try emulator.admin("requests", method: "DELETE")
        let add = ["listitem", "batch", "add"] + tasks
        try fails(add + ["--csvContent", "\n"], exit: 2, "the CSV is empty")
        try fails(add + ["--csvContent", "Title"], exit: 2, "no rows")
        try fails(add + ["--csvContent", "Title,Notes\na,b,c"], exit: 2, "line 2 of the CSV has 3 values, but its header names 2 columns")
        try fails(add + ["--csvContent", "Title\n\"open"], exit: 2, "never closed")
        try fails(add + ["--csvContent", "Title,\nx,y"], exit: 2, "has no name")
        try fails(add + ["--filePath", "/nonexistent/items.csv"], exit: 2, "/nonexistent/items.csv")
        try fails(add + ["--csvContent", "Title\nx", "--filePath", "x.csv"], exit: 2, "csvContent")
        try fails(["listitem", "batch", "add", "--webUrl", Self.root, "--csvContent", "Title\nx"], exit: 2, "listTitle")
        let set = ["listitem", "batch", "set"] + tasks
        try fails(set + ["--csvContent", "Title\nx"], exit: 2, "Specified idColumn is 'ID'")
        try fails(set + ["--csvContent", "ID,Title\nfive,x"], exit: 2, "'five' in column ID is not a valid list item ID")
        try fails(set + ["--csvContent", "ID\n1"], exit: 2, "no column to update")
        let remove = ["listitem", "batch", "remove"] + tasks
        try fails(remove + ["--ids", "1,x,2.5", "--force"], exit: 2, "The specified ids 'x, 2.5' are invalid numbers")
        try fails(remove + ["--csvContent", "ID\n1", "--force"], exit: 2, "csvContent")
        try fails(remove + ["--filePath", try csvFile("Title\nx", "noid.csv"), "--force"], exit: 2, "column name 'ID'")
        try fails(remove + ["--filePath", try csvFile("ID\n1\nabc", "badid.csv"), "--force"], exit: 2, "'abc' are invalid numbers (line 3")
        XCTAssertEqual(try spRequests().count, 0, "nothing reaches SharePoint")
    }

    /// The certificate app granted only Sites.Read.All on SharePoint (a second emulator): every
    /// row is denied and named; nothing is written.
    func testAccessDeniedIsReportedPerRow() throws {
        let data = try EmulatorProcess.defaultSeed()
        var seed = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var tenants = try XCTUnwrap(seed["tenants"] as? [[String: Any]])
        var apps = try XCTUnwrap(tenants[0]["applications"] as? [[String: Any]])
        let app = try XCTUnwrap(apps.firstIndex { $0["appId"] as? String == "66b9ef51-4f42-4914-bfa1-5b48f1fd8da2" })
        var access = try XCTUnwrap(apps[app]["requiredResourceAccess"] as? [[String: Any]])
        let sp = try XCTUnwrap(access.firstIndex { $0["resourceAppId"] as? String == "00000003-0000-0ff1-ce00-000000000000" })
        access[sp]["roles"] = ["Sites.Read.All"]
        apps[app]["requiredResourceAccess"] = access
        tenants[0]["applications"] = apps
        seed["tenants"] = tenants
        let file = harness.root.appendingPathComponent("read-only-seed.json")
        try JSONSerialization.data(withJSONObject: seed).write(to: file)

        let other = try EmulatorProcess(arguments: ["--seed", file.path])
        defer { other.stop() }
        let reader = try Self.connectedHarness(other)
        defer { reader.cleanUp() }
        let fixtures = Harness.packageRoot + "/Tests/EmulatorTests/Fixtures/"
        let pem = reader.root.appendingPathComponent("app.pem")
        try (try String(contentsOfFile: fixtures + "cert-app.key.pem", encoding: .utf8) + "\n"
             + String(contentsOfFile: fixtures + "cert-app.cert.pem", encoding: .utf8)).write(to: pem, atomically: true, encoding: .utf8)
        for arguments in [["login", "--authType", "certificate", "--appId", "66b9ef51-4f42-4914-bfa1-5b48f1fd8da2", "--tenant", Self.tenant,
                            "--certificateFile", pem.path], ["spo", "set", "--url", Self.root]] {
            let result = try reader.run(arguments)
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        try mustFail(["spo", "listitem", "batch", "add"] + tasks + ["--csvContent", "Title\na\nb"], exit: 1,
                     "- Line 2: Access denied. You do not have permission to perform this action or access this resource.\n- Line 3: Access denied.",
                     harness: reader)
        try mustFail(["spo", "listitem", "batch", "remove"] + tasks + ["--ids", "1", "--force"], "- Item ID 1: Access denied.", harness: reader)
        let listed = try reader.run(["spo", "listitem", "list"] + tasks)
        XCTAssertEqual(listed.status, 0, listed.stderr)
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])?.count, 3, "nothing written")
    }
}
