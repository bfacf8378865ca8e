import EmulatorKit
import XCTest

final class FaultInjectionTests: EmulatorTestCase {
    var openID: String { "\(login)/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration" }

    func addFault(_ json: String) throws -> HTTPResult {
        let r = try admin("faults", method: "POST", json: json)
        XCTAssertEqual(r.status, 201, r.text)
        return r
    }

    func testThrottleNextNRequestsWithRetryAfter() throws {
        _ = try addFault("{\"kind\":\"429\",\"count\":2,\"retryAfter\":7,\"host\":\"graph.microsoft.com\"}")
        // Another host is unaffected.
        XCTAssertEqual(try curl(openID).status, 200)
        let t = try passwordToken()["access_token"] as! String
        for _ in 0..<2 {
            let r = try curl("https://graph.microsoft.com/v1.0/me", headers: ["Authorization": "Bearer \(t)"])
            XCTAssertEqual(r.status, 429)
            XCTAssertEqual(r.header("retry-after"), "7")
            XCTAssertEqual((r.json["error"] as? [String: Any])?["code"] as? String, "TooManyRequests")
        }
        XCTAssertEqual(try curl("https://graph.microsoft.com/v1.0/me", headers: ["Authorization": "Bearer \(t)"]).status, 200)
        XCTAssertEqual((try admin("faults").json["value"] as? [Any])?.count, 0, "spent rules are removed")
    }

    func testRuleOptionsMayBeJSONNumbersOrStrings() throws {
        let rule = try addFault("{\"kind\":429,\"count\":\"1\",\"retryAfter\":\"4\",\"rate\":1}").json
        XCTAssertEqual(rule["kind"] as? String, "429")
        XCTAssertEqual(rule["count"] as? Int, 1)
        XCTAssertEqual(rule["retryAfter"] as? Int, 4)
        XCTAssertEqual(rule["rate"] as? Double, 1)
        let hit = try curl(openID)
        XCTAssertEqual(hit.status, 429)
        XCTAssertEqual(hit.header("retry-after"), "4")
        XCTAssertEqual(try curl(openID).status, 200)
    }

    func testServiceUnavailableHTMLAndPathFilter() throws {
        _ = try addFault("{\"spec\":\"503:count=1,retry-after=3,path=/contoso.onmicrosoft.com/v2.0\"}")
        XCTAssertEqual(try curl("\(login)/common/discovery/instance").status, 200)
        let r = try curl(openID)
        assertAADError(r, status: 503, error: "temporarily_unavailable", code: 90033)
        XCTAssertEqual(r.header("retry-after"), "3")
        _ = try addFault("{\"kind\":\"html\",\"count\":1,\"status\":502}")
        let h = try curl(openID)
        XCTAssertEqual(h.status, 502)
        XCTAssertTrue(h.header("content-type")?.hasPrefix("text/html") == true)
        XCTAssertTrue(h.text.contains("<html>"))
        XCTAssertEqual(try curl(openID).status, 200)
    }

    func testLatency() throws {
        _ = try addFault("{\"kind\":\"latency\",\"ms\":400,\"count\":1}")
        let start = Date()
        XCTAssertEqual(try curl(openID).status, 200)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.4)
    }

    func testResetAndTruncate() throws {
        _ = try addFault("{\"kind\":\"reset\",\"count\":1}")
        let reset = try curl(openID)
        // curl: 56 = failure receiving data (connection reset); 35/16 possible on some TLS stacks.
        XCTAssertNotEqual(reset.exitCode, 0)
        XCTAssertNotEqual(reset.exitCode, 18, reset.stderr)
        _ = try addFault("{\"kind\":\"truncate\",\"count\":1}")
        let truncated = try curl(openID)
        XCTAssertEqual(truncated.exitCode, 18, "curl reports a partial transfer: \(truncated.stderr)")
        XCTAssertEqual(try curl(openID).exitCode, 0)
    }

    func testAdminEndpointListsAndDeletesRules() throws {
        let added = try addFault("{\"kind\":\"429\"}")
        let id = added.json["id"] as! String
        XCTAssertEqual((try admin("faults").json["value"] as? [[String: Any]])?.first?["id"] as? String, id)
        XCTAssertEqual(try curl(openID).status, 429)
        XCTAssertEqual(try curl(openID).status, 429)
        XCTAssertEqual(try admin("faults/\(id)", method: "DELETE").status, 204)
        XCTAssertEqual(try curl(openID).status, 200)
        XCTAssertEqual(try admin("faults", method: "POST", json: "{\"kind\":\"bogus\"}").status, 400)
    }

    func testRateIsDeterministicForASeed() throws {
        func statuses() throws -> [Int] {
            _ = try admin("faults", method: "DELETE")
            _ = try admin("faults", method: "POST", json: "{\"randomSeed\":42}")
            _ = try addFault("{\"kind\":\"429\",\"rate\":0.5}")
            return try (0..<16).map { _ in try curl(openID).status }
        }
        let a = try statuses()
        let b = try statuses()
        XCTAssertEqual(a, b)
        XCTAssertTrue(a.contains(429) && a.contains(200), "\(a)")
    }
}

final class FaultFlagTests: EmulatorTestCase {
    override func configure(_ config: inout EmulatorConfiguration) {
        config.faults = [try! FaultRule.parse("429:count=1,retry-after=2,host=login.microsoftonline.com")]
    }

    func testFaultsFromConfiguration() throws {
        let r = try curl("\(login)/common/discovery/instance")
        XCTAssertEqual(r.status, 429)
        XCTAssertEqual(r.header("retry-after"), "2")
        XCTAssertEqual(try curl("\(login)/common/discovery/instance").status, 200)
        XCTAssertThrowsError(try FaultRule.parse("teapot"))
        XCTAssertThrowsError(try FaultRule.parse("429:rate=2"))
    }
}

final class RequestLogTests: EmulatorTestCase {
    let logFile = NSTemporaryDirectory() + "m365-emulator-requests-\(UUID().uuidString).jsonl"

    override func configure(_ config: inout EmulatorConfiguration) { config.requestLogPath = logFile }

    func testLogRecordsRequestsWithSecretsRedacted() throws {
        _ = try passwordToken()
        let t = try clientSecretToken().json["access_token"] as! String
        _ = try curl("https://graph.microsoft.com/v1.0/organization?$select=id", headers: ["Authorization": "Bearer \(t)", "client-request-id": "rq-1"])
        let log = try admin("requests").json["value"] as? [[String: Any]] ?? []
        XCTAssertEqual(log.count, 3, "admin calls are not logged")
        let first = log[0]
        XCTAssertEqual(first["method"] as? String, "POST")
        XCTAssertEqual(first["host"] as? String, "login.microsoftonline.com")
        XCTAssertEqual(first["path"] as? String, "/contoso.onmicrosoft.com/oauth2/v2.0/token")
        XCTAssertEqual(first["status"] as? Int, 200)
        let form = first["form"] as? [String: String] ?? [:]
        XCTAssertEqual(form["grant_type"], "password")
        XCTAssertEqual(form["username"], Fixtures.adele.upn)
        XCTAssertEqual(form["password"], "[REDACTED]")
        XCTAssertEqual((log[1]["form"] as? [String: String])?["client_secret"], "[REDACTED]")
        let graph = log[2]
        XCTAssertEqual(graph["target"] as? String, "/v1.0/organization?$select=id")
        let headers = graph["headers"] as? [String: String] ?? [:]
        XCTAssertEqual(headers["authorization"], "Bearer [REDACTED]")
        XCTAssertEqual(headers["client-request-id"], "rq-1")
        let whole = try String(contentsOfFile: logFile, encoding: .utf8)
        XCTAssertFalse(whole.contains(Fixtures.adele.password))
        XCTAssertFalse(whole.contains(Fixtures.secret))
        XCTAssertFalse(whole.contains(t))
        XCTAssertEqual(whole.split(separator: "\n").count, 3)

        XCTAssertEqual((try admin("requests?host=graph.microsoft.com").json["value"] as? [Any])?.count, 1)
        XCTAssertEqual(try admin("requests", method: "DELETE").status, 204)
        XCTAssertEqual((try admin("requests").json["value"] as? [Any])?.count, 0)
    }
}
