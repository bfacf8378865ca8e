import Foundation
import HTTPClient
import XCTest

final class RedactionTests: XCTestCase {
    func testSecretHeadersKeepOnlyTheScheme() {
        XCTAssertEqual(Redaction.header(name: "Authorization", value: "Bearer eyJ0eXAi.abc.def"), "Bearer [redacted]")
        XCTAssertEqual(Redaction.header(name: "authorization", value: "Basic dXNlcjpwYXNz"), "Basic [redacted]")
        XCTAssertEqual(Redaction.header(name: "Proxy-Authorization", value: "Basic dXNlcjpwYXNz"), "Basic [redacted]")
        XCTAssertEqual(Redaction.header(name: "Authorization", value: "opaque-secret"), "[redacted]")
        XCTAssertEqual(Redaction.header(name: "Cookie", value: "FedAuth=77u/PD94bWw; rtFa=abc"), "[redacted]")
        XCTAssertEqual(Redaction.header(name: "set-cookie", value: "FedAuth=77u/PD94bWw; path=/"), "[redacted]")
        XCTAssertEqual(Redaction.header(name: "X-IDENTITY-HEADER", value: "LKRGvkMAkHqfeDk5"), "[redacted]")
        XCTAssertEqual(Redaction.header(name: "x-identity-header", value: "LKRGvkMAkHqfeDk5"), "[redacted]")
        XCTAssertEqual(Redaction.header(name: "X-RequestDigest", value: "0x1234,22 Nov 2025"), "[redacted]")
        // Others untouched.
        XCTAssertEqual(Redaction.header(name: "Accept", value: "application/json;odata=nometadata"), "application/json;odata=nometadata")
        XCTAssertEqual(Redaction.header(name: "User-Agent", value: "NONISV|m365|m365/1.0"), "NONISV|m365|m365/1.0")
    }

    func testFormBodies() {
        let body = "client_id=abc&Client_Secret=s3cr%3Dt&grant_type=password&username=adele%40contoso.com&password=P%40ss&scope=x"
            + "&refresh_token=0.AAA&client_assertion=eyJhbGciOi.eyJpc3Mi.sig&code=M.R3_BAY&device_code=DAQABAAEAAAB"
            + "&assertion=abc&access_token=at&id_token=it&client_assertion_type=urn%3Aietf"
        let r = Redaction.body(body, contentType: "application/x-www-form-urlencoded; charset=utf-8")
        XCTAssertEqual(r, "client_id=abc&Client_Secret=[redacted]&grant_type=password&username=adele%40contoso.com&password=[redacted]&scope=x"
            + "&refresh_token=[redacted]&client_assertion=[redacted]&code=[redacted]&device_code=[redacted]"
            + "&assertion=[redacted]&access_token=[redacted]&id_token=[redacted]&client_assertion_type=urn%3Aietf")
        // Percent-encoded key names are recognised, and a form without a content type too.
        XCTAssertEqual(Redaction.body("pass%77ord=x&a=1", contentType: nil), "pass%77ord=[redacted]&a=1")
    }

    func testJSONBodies() {
        let json = """
        {"token_type":"Bearer","expires_in":3599,"Access_Token":"eyJ0eXAiOiJKV1Qi.eyJhdWQiOi.c2ln","refresh_token" : "0.AXEA\\"quoted\\"",
         "nested":{"id_token":"abc","password":12345,"code":null,"device_code":true},"list":[{"client_secret":"s"}],
         "message":"the word password: stays","assertion":{"kept":"inner"}}
        """
        let r = Redaction.body(json, contentType: "application/json; charset=utf-8")
        XCTAssertFalse(r.contains("eyJ0eXAi"), r)
        XCTAssertFalse(r.contains("quoted"), r)
        XCTAssertFalse(r.contains("12345"), r)
        XCTAssertFalse(r.contains("\"s\""), r)
        XCTAssertTrue(r.contains("\"Access_Token\":\"[redacted]\""), r)
        XCTAssertTrue(r.contains("\"refresh_token\" : \"[redacted]\""), r)
        XCTAssertTrue(r.contains("\"id_token\":\"[redacted]\""), r)
        XCTAssertTrue(r.contains("\"password\":\"[redacted]\""), r)
        XCTAssertTrue(r.contains("\"device_code\":\"[redacted]\""), r)
        XCTAssertTrue(r.contains("\"code\":null"), r)
        XCTAssertTrue(r.contains("\"client_secret\":\"[redacted]\""), r)
        XCTAssertTrue(r.contains("\"token_type\":\"Bearer\",\"expires_in\":3599"), r)
        XCTAssertTrue(r.contains("\"message\":\"the word password: stays\""), r)
        XCTAssertTrue(r.contains("\"kept\":\"inner\""), r)
        // Still valid JSON.
        XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(r.utf8)), r)
        // Detected by shape without a content type, and tolerant of a cut-off text.
        XCTAssertEqual(Redaction.body(#"{"password":"hunter2","user":"a"#, contentType: nil), #"{"password":"[redacted]","user":"a"#)
    }

    func testTokensAnywhereAndURLs() {
        let xml = "<Token>eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBo.sIgNaTuRe-_x</Token>"
        XCTAssertEqual(Redaction.body(xml, contentType: "text/xml"), "<Token>[redacted]</Token>")
        XCTAssertEqual(Redaction.body("eyJ is not a token", contentType: "text/plain"), "eyJ is not a token")
        XCTAssertEqual(Redaction.url("https://contoso.sharepoint.com/_layouts/download.aspx?UniqueId=1&tempauth=v1.abc&code=xyz#f"),
                       "https://contoso.sharepoint.com/_layouts/download.aspx?UniqueId=1&tempauth=[redacted]&code=[redacted]#f")
        XCTAssertEqual(Redaction.url("https://graph.microsoft.com/v1.0/me?$select=id"), "https://graph.microsoft.com/v1.0/me?$select=id")
    }
}

final class RetryPolicyTests: XCTestCase {
    let now = 1_700_000_000 // 2023-11-14T22:13:20Z

    func testRetryAfterDeltaSeconds() {
        XCTAssertEqual(RetryPolicy.retryAfterSeconds("120", now: now), 120)
        XCTAssertEqual(RetryPolicy.retryAfterSeconds(" 3 ", now: now), 3)
        XCTAssertEqual(RetryPolicy.retryAfterSeconds("0", now: now), 0)
        XCTAssertNil(RetryPolicy.retryAfterSeconds("-5", now: now))
        XCTAssertNil(RetryPolicy.retryAfterSeconds("1.5", now: now))
        XCTAssertNil(RetryPolicy.retryAfterSeconds("soon", now: now))
        XCTAssertNil(RetryPolicy.retryAfterSeconds("", now: now))
    }

    func testRetryAfterHTTPDates() {
        XCTAssertEqual(RetryPolicy.httpDate("Sun, 06 Nov 1994 08:49:37 GMT"), 784_111_777)
        XCTAssertEqual(RetryPolicy.httpDate("Sunday, 06-Nov-94 08:49:37 GMT"), 784_111_777)
        XCTAssertEqual(RetryPolicy.httpDate("Sun Nov  6 08:49:37 1994"), 784_111_777)
        XCTAssertEqual(RetryPolicy.httpDate("Thu, 29 Feb 2024 00:00:00 GMT"), 1_709_164_800)
        XCTAssertEqual(RetryPolicy.retryAfterSeconds("Tue, 14 Nov 2023 22:13:50 GMT", now: now), 30)
        XCTAssertEqual(RetryPolicy.retryAfterSeconds("Tue, 14 Nov 2023 22:00:00 GMT", now: now), 0, "a past date means now")
        XCTAssertNil(RetryPolicy.retryAfterSeconds("Tue, 14 Foo 2023 22:00:00 GMT", now: now))
        XCTAssertNil(RetryPolicy.retryAfterSeconds("Tue, 14 Nov 2023 25:00:00 GMT", now: now))
    }

    func testBackoffIsExponentialWithBoundedJitter() {
        let p = RetryPolicy(maxRetries: 10, backoffBaseSeconds: 1, backoffMaxSeconds: 30)
        for retry in 0..<12 {
            let ceiling = min(30, pow(2, Double(retry)))
            let low = p.backoff(retry: retry, random: { 0 })
            let high = p.backoff(retry: retry, random: { 0.999_999 })
            XCTAssertEqual(low, ceiling / 2, accuracy: 1e-9, "retry \(retry)")
            XCTAssertEqual(high, ceiling, accuracy: 1e-4, "retry \(retry)")
            for _ in 0..<50 {
                let d = p.backoff(retry: retry, random: { Double.random(in: 0..<1) })
                XCTAssertGreaterThanOrEqual(d, ceiling / 2)
                XCTAssertLessThanOrEqual(d, ceiling)
            }
        }
        // Jitter really varies with the random source.
        XCTAssertNotEqual(p.backoff(retry: 3, random: { 0.1 }), p.backoff(retry: 3, random: { 0.9 }))
    }

    func testIdempotentMethods() {
        for m in ["GET", "get", "HEAD", "OPTIONS", "PUT", "DELETE"] { XCTAssertTrue(RetryPolicy.isIdempotent(method: m), m) }
        for m in ["POST", "PATCH", "MERGE", "post"] { XCTAssertFalse(RetryPolicy.isIdempotent(method: m), m) }
        XCTAssertTrue(HTTPRequest(method: "POST", url: "https://x", idempotent: true).isIdempotent)
        XCTAssertFalse(HTTPRequest(method: "GET", url: "https://x", idempotent: false).isIdempotent)
        XCTAssertFalse(HTTPRequest(method: "PATCH", url: "https://x").isIdempotent)
    }

    func testRetryDecisions() {
        let p = RetryPolicy(maxRetries: 3, maxRetryAfterSeconds: 10, backoffBaseSeconds: 1, backoffMaxSeconds: 30)
        func delay(_ o: RetryPolicy.Outcome, idempotent: Bool, retries: Int = 0) -> Double? {
            p.delay(after: o, idempotent: idempotent, retriesSoFar: retries, random: { 0 }, now: now)
        }
        // 429/503 were not processed: every method, after Retry-After, capped.
        for idempotent in [true, false] {
            XCTAssertEqual(delay(.response(status: 429, retryAfter: "7"), idempotent: idempotent), 7)
            XCTAssertEqual(delay(.response(status: 503, retryAfter: "2"), idempotent: idempotent), 2)
            XCTAssertEqual(delay(.response(status: 429, retryAfter: "3600"), idempotent: idempotent), 10)
            XCTAssertEqual(delay(.response(status: 503, retryAfter: "Tue, 14 Nov 2023 22:13:24 GMT"), idempotent: idempotent), 4)
            XCTAssertEqual(delay(.response(status: 429, retryAfter: nil), idempotent: idempotent, retries: 2), 2, "backoff without Retry-After")
            // Failures before the request went out.
            XCTAssertEqual(delay(.failure(transient: true, requestSent: false), idempotent: idempotent), 0.5)
            XCTAssertNil(delay(.failure(transient: false, requestSent: false), idempotent: idempotent))
            // Not errors.
            for s in [200, 201, 204, 301, 400, 401, 403, 404, 409, 501] {
                XCTAssertNil(delay(.response(status: s, retryAfter: "1"), idempotent: idempotent), "\(s)")
            }
        }
        // The server may have acted: only idempotent requests go again.
        for s in [500, 502, 504] {
            XCTAssertEqual(delay(.response(status: s, retryAfter: nil), idempotent: true, retries: 1), 1)
            XCTAssertNil(delay(.response(status: s, retryAfter: nil), idempotent: false))
        }
        XCTAssertEqual(delay(.failure(transient: true, requestSent: true), idempotent: true), 0.5)
        XCTAssertNil(delay(.failure(transient: true, requestSent: true), idempotent: false))
        // Bounded.
        XCTAssertNotNil(delay(.response(status: 429, retryAfter: "1"), idempotent: true, retries: 2))
        XCTAssertNil(delay(.response(status: 429, retryAfter: "1"), idempotent: true, retries: 3))
        XCTAssertNil(delay(.failure(transient: true, requestSent: false), idempotent: true, retries: 3))
        XCTAssertNil(RetryPolicy(maxRetries: 0).delay(after: .response(status: 503, retryAfter: "1"), idempotent: true, retriesSoFar: 0,
                                                      random: { 0 }, now: now))
    }
}

final class ConfigurationTests: XCTestCase {
    func testFromEnvironment() {
        let c = HTTPClientConfiguration.fromEnvironment(
            version: "1.2.3", clientTag: "M365CLI:spo-site-list",
            environment: ["M365_CA_BUNDLE": "/tmp/ca.pem",
                          "M365_CONNECT_TO": "login.microsoftonline.com:443:127.0.0.1:8443, ,graph.microsoft.com:443:127.0.0.1:8443,"])
        XCTAssertEqual(c.caBundle, "/tmp/ca.pem")
        XCTAssertEqual(c.connectTo, ["login.microsoftonline.com:443:127.0.0.1:8443", "graph.microsoft.com:443:127.0.0.1:8443"])
        XCTAssertEqual(c.userAgent, "NONISV|m365|m365/1.2.3")
        XCTAssertEqual(c.extraHeaders.map { "\($0.name): \($0.value)" }, ["X-ClientService-ClientTag: M365CLI:spo-site-list"])

        let empty = HTTPClientConfiguration.fromEnvironment(version: "1", environment: ["M365_CA_BUNDLE": ""])
        XCTAssertNil(empty.caBundle)
        XCTAssertEqual(empty.connectTo, [])
        XCTAssertTrue(empty.extraHeaders.isEmpty)
        XCTAssertEqual(empty.maxRetries, 5)
    }

    func testUnreadableCABundleIsReportedUpFront() {
        var c = HTTPClientConfiguration()
        c.caBundle = "/nonexistent/ca.pem"
        XCTAssertThrowsError(try HTTPClient(c)) { e in
            let error = e as! HTTPError
            XCTAssertEqual(error.kind, .invalidRequest)
            XCTAssertEqual(error.description, "cannot read the CA bundle /nonexistent/ca.pem (M365_CA_BUNDLE): No such file or directory")
        }
    }

    func testRejectsWhatIsNotAnHTTPRequest() throws {
        let client = try HTTPClient(HTTPClientConfiguration())
        for (method, url) in [("GET", "ftp://example.com/x"), ("GET", "graph.microsoft.com/v1.0/me"), ("GE T", "https://example.com/")] {
            XCTAssertThrowsError(try client.send(HTTPRequest(method: method, url: url))) { e in
                XCTAssertEqual((e as! HTTPError).kind, .invalidRequest, "\(method) \(url)")
            }
        }
    }

    func testThrottledErrorHelper() {
        let r = HTTPResponse(status: 429, headers: [(name: "retry-after", value: "17")], attempts: 6)
        let e = HTTPError.throttled(r, url: "https://graph.microsoft.com/v1.0/users")
        XCTAssertEqual(e.kind, .throttled)
        XCTAssertEqual(e.description, "graph.microsoft.com is throttling requests (HTTP 429); try again in 17 s")
    }
}

final class LibraryLoadingTests: XCTestCase {
    /// libcurl is loaded at most once per process, so these run their checks in a child
    /// process (this test binary, running only the one test) that starts without libcurl.
    func runInChild(_ test: String, mode: String, environment extra: [String: String] = [:]) throws {
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let child = Process()
        child.executableURL = URL(fileURLWithPath: exe)
        child.arguments = ["HTTPClientTests.LibraryLoadingTests/\(test)"]
        var env = ProcessInfo.processInfo.environment
        env["HTTPCLIENT_TEST_CHILD"] = mode
        for (k, v) in extra { env[k] = v }
        child.environment = env
        let out = Pipe()
        child.standardOutput = out
        child.standardError = out
        try child.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        XCTAssertEqual(child.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("Executed 1 test, with 0 failures"), text)
    }

    var childMode: String? { ProcessInfo.processInfo.environment["HTTPCLIENT_TEST_CHILD"] }

    func testMissingLibcurlIsAClearError() throws {
        guard childMode == "missing-libcurl" else {
            return try runInChild(#function.replacingOccurrences(of: "()", with: ""), mode: "missing-libcurl",
                                  environment: ["M365_LIBCURL": "/nonexistent/libcurl.so.4"])
        }
        XCTAssertNil(HTTPClient.libraryVersion)
        XCTAssertThrowsError(try HTTPClient(HTTPClientConfiguration())) { e in
            let error = e as! HTTPError
            XCTAssertEqual(error.kind, .unavailable)
            XCTAssertTrue(error.description.hasPrefix("libcurl could not be loaded: /nonexistent/libcurl.so.4: cannot open shared object file"),
                          error.description)
        }
    }

    func testLibcurlIsLoadedOnFirstUseNotLinked() throws {
        guard childMode == "lazy-load" else {
            return try runInChild(#function.replacingOccurrences(of: "()", with: ""), mode: "lazy-load")
        }
        func libcurlMapped() throws -> Bool {
            // /proc files report size 0: read to EOF.
            let maps = try XCTUnwrap(FileHandle(forReadingAtPath: "/proc/self/maps")).readDataToEndOfFile()
            XCTAssertGreaterThan(maps.count, 0)
            return String(decoding: maps, as: UTF8.self).contains("/libcurl")
        }
        XCTAssertFalse(try libcurlMapped(), "linking HTTPClient must not load libcurl")
        let config = HTTPClientConfiguration()
        XCTAssertFalse(try libcurlMapped(), "a configuration alone must not load libcurl")
        _ = try HTTPClient(config)
        XCTAssertTrue(try libcurlMapped(), "the first client loads it")
        let version = try XCTUnwrap(HTTPClient.libraryVersion)
        XCTAssertTrue(version.hasPrefix("libcurl/"), version)
    }
}

/// The one parse every host judgement reads (tokens over plain HTTP, redirects, proxies).
final class URLPartsTests: XCTestCase {
    func testLoopbackIsDecidedOnTheParsedHostOnly() {
        for url in ["http://127.0.0.1/x", "http://127.1.2.3:8080", "http://localhost:1/", "http://[::1]:80/a", "http://LOCALHOST./"] {
            XCTAssertTrue(URLParts(url).isLoopback, url)
        }
        for url in ["http://127.0.0.1@192.0.2.2:8080/x", "http://127.evil.example/", "http://127.0.0.1.evil.example/",
                    "http://128.0.0.1/", "http://localhost.evil.example/", "http://1270.0.0.1/", "http://127.0.0.256/",
                    "http://[::2]/", "http://evil.example/127.0.0.1"] {
            XCTAssertFalse(URLParts(url).isLoopback, url)
        }
    }

    func testUserInfoIsSeparatedFromTheHost() {
        let parts = URLParts("http://127.0.0.1@192.0.2.2:8080/x")
        XCTAssertEqual(parts.userInfo, "127.0.0.1")
        XCTAssertEqual(parts.host, "192.0.2.2")
        XCTAssertEqual(parts.port, 8080)
        XCTAssertNil(URLParts("https://graph.microsoft.com/v1.0/me?x=a@b").userInfo)
    }
}
