import Foundation
import HTTPClient
import XCTest

/// The client against the real m365-emulator over real TLS, with fault injection.
final class EmulatorEndToEndTests: XCTestCase {
    nonisolated(unsafe) static var emulator: EmulatorProcess?
    nonisolated(unsafe) static var startError: Error?

    static let openID = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
    static let tokenURL = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    static let secretApp = "539f7720-4b42-49e3-99d6-244b2bfe9858"
    static let secret = "Aut0mation~Secret.Value_0123456789abcdef"

    override class func setUp() {
        super.setUp()
        do { emulator = try EmulatorProcess() } catch { startError = error }
    }

    override class func tearDown() {
        emulator?.stop()
        emulator = nil
        super.tearDown()
    }

    var emulator: EmulatorProcess!
    var sleeps = SleepRecorder()
    var admin: HTTPClient!

    override func setUpWithError() throws {
        if let e = Self.startError { throw e }
        emulator = try XCTUnwrap(Self.emulator)
        sleeps = SleepRecorder()
        admin = try HTTPClient(configuration())
        try clearFaults()
        _ = try adminCall("DELETE", "requests")
    }

    override func tearDownWithError() throws {
        try? clearFaults()
    }

    /// A configuration for the emulator whose retry waits are recorded, not slept.
    func configuration(maxRetries: Int = 5) -> HTTPClientConfiguration {
        var c = HTTPClientConfiguration.fromEnvironment(
            version: "9.9.9-test", clientTag: "TEST:httpclient",
            environment: ["M365_CA_BUNDLE": emulator.caBundle, "M365_CONNECT_TO": emulator.connectTo])
        c.maxRetries = maxRetries
        let recorder = sleeps
        c.sleep = { recorder.record($0) }
        c.random = { 0.5 }
        return c
    }

    @discardableResult
    func adminCall(_ method: String, _ path: String, json: String? = nil) throws -> HTTPResponse {
        let r = try admin.send(HTTPRequest(method: method, url: "https://login.microsoftonline.com/_emulator/\(path)",
                                           headers: json == nil ? [] : [(name: "Content-Type", value: "application/json")],
                                           body: json.map { .bytes(Array($0.utf8)) } ?? .empty))
        XCTAssertLessThan(r.status, 300, "admin \(method) \(path): \(r.bodyText)")
        return r
    }

    func fault(_ spec: String) throws { try adminCall("POST", "faults", json: #"{"spec":"\#(spec)"}"#) }
    func clearFaults() throws { try adminCall("DELETE", "faults") }

    /// The request log, admin calls excluded.
    func logged(path: String? = nil) throws -> [[String: Any]] {
        let query = path.map { "?path=" + ($0.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? $0) } ?? ""
        let r = try adminCall("GET", "requests" + query)
        return jsonObject(r.body)["value"] as? [[String: Any]] ?? []
    }

    func tokenForm() -> String {
        "grant_type=client_credentials&client_id=\(Self.secretApp)&client_secret=\(Self.secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
            + "&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"
    }

    func tokenRequest(_ form: String? = nil) -> HTTPRequest {
        HTTPRequest(method: "POST", url: Self.tokenURL, headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded")],
                    body: .bytes(Array((form ?? tokenForm()).utf8)))
    }

    func expectError(_ kind: HTTPError.Kind, _ body: () throws -> Any, file: StaticString = #filePath, line: UInt = #line) -> HTTPError? {
        do {
            let r = try body()
            XCTFail("expected a \(kind) error, got \(r)", file: file, line: line)
            return nil
        } catch let e as HTTPError {
            XCTAssertEqual(e.kind, kind, e.description, file: file, line: line)
            return e
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
            return nil
        }
    }

    // MARK: - Connections and TLS

    func testKeepAliveUsesOneConnectionAcrossRequestsAndClients() throws {
        let client = try HTTPClient(configuration())
        // A host no other test talks to, so the first request needs a connection of its own.
        let url = "https://contoso-my.sharepoint.com/_emulator/health"
        let first = try client.send(HTTPRequest(url: url))
        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(first.newConnections, 1)
        let second = try client.send(HTTPRequest(url: url))
        XCTAssertEqual(second.status, 200)
        XCTAssertEqual(second.newConnections, 0, "the second request must reuse the kept-alive connection")
        // One multi handle per process: another client reuses it too.
        let other = try HTTPClient(configuration())
        XCTAssertEqual(try other.send(HTTPRequest(url: url)).newConnections, 0)
        XCTAssertEqual(second.httpVersion, "1.1", "without --http2 the emulator offers only http/1.1 through ALPN")
    }

    func testDecoratesTrafficAsSharePointAsks() throws {
        let client = try HTTPClient(configuration())
        _ = try client.send(HTTPRequest(url: Self.openID))
        let entry = try XCTUnwrap(try logged().last)
        let headers = entry["headers"] as? [String: String] ?? [:]
        XCTAssertEqual(headers["user-agent"], "NONISV|m365|m365/9.9.9-test")
        XCTAssertEqual(headers["x-clientservice-clienttag"], "TEST:httpclient")
        XCTAssertNotNil(headers["accept-encoding"], "compressed responses are accepted")
        // A request's own header wins over the configured one.
        _ = try client.send(HTTPRequest(url: Self.openID, headers: [(name: "X-ClientService-ClientTag", value: "mine")]))
        XCTAssertEqual((try logged().last?["headers"] as? [String: String])?["x-clientservice-clienttag"], "mine")
    }

    func testUntrustedCertificateWithoutTheCABundle() throws {
        var c = configuration()
        c.caBundle = nil
        let client = try HTTPClient(c)
        let e = expectError(.network) { try client.send(HTTPRequest(url: "https://graph.microsoft.com/v1.0/me")) }
        XCTAssertEqual(e?.description, "TLS certificate of graph.microsoft.com is not trusted (set M365_CA_BUNDLE?)")
        XCTAssertEqual(sleeps.sleeps, [], "a certificate problem is not retried")
        XCTAssertEqual(try logged(path: "/v1.0/me").count, 0, "no request may be sent over an unverified connection")
    }

    func testConnectionRefusedIsRetriedEvenForPOSTBecauseNothingWasSent() throws {
        var c = configuration(maxRetries: 2)
        c.connectTo = ["::127.0.0.1:\(unusedLoopbackPort())"]
        let client = try HTTPClient(c)
        let e = expectError(.network) { try client.send(self.tokenRequest()) }
        XCTAssertEqual(e?.description, "cannot connect to login.microsoftonline.com: Connection refused")
        XCTAssertEqual(e?.attempts, 3)
        XCTAssertEqual(sleeps.sleeps.count, 2)
    }

    // MARK: - Throttling and retries

    func test429HonoursRetryAfterThenSucceeds() throws {
        try fault("429:count=3,retry-after=2,path=/common/v2.0/.well-known")
        let client = try HTTPClient(configuration())
        let r = try client.send(HTTPRequest(url: Self.openID))
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.attempts, 4)
        XCTAssertEqual(sleeps.sleeps, [2, 2, 2])
        let log = try logged(path: "/common/v2.0/.well-known")
        XCTAssertEqual(log.map { $0["status"] as? Int }, [429, 429, 429, 200])
    }

    func test429OnPOSTIsRetriedBecauseItWasNotProcessed() throws {
        try fault("429:count=1,retry-after=1,path=/contoso.onmicrosoft.com/oauth2")
        let client = try HTTPClient(configuration())
        let r = try client.send(tokenRequest())
        XCTAssertEqual(r.status, 200, r.bodyText)
        XCTAssertNotNil(jsonObject(r.body)["access_token"] as? String)
        XCTAssertEqual(try logged(path: "/contoso.onmicrosoft.com/oauth2").map { $0["method"] as? String }, ["POST", "POST"])
        XCTAssertEqual(sleeps.sleeps, [1])
    }

    func test503IsRetriedAndTheLastResponseIsReturnedWhenRetriesRunOut() throws {
        try fault("503:retry-after=1,path=/common/v2.0/.well-known")
        let client = try HTTPClient(configuration(maxRetries: 2))
        let r = try client.send(HTTPRequest(url: Self.openID))
        XCTAssertEqual(r.status, 503)
        XCTAssertEqual(r.header("Retry-After"), "1")
        XCTAssertEqual(r.attempts, 3)
        XCTAssertEqual(sleeps.sleeps, [1, 1])
        XCTAssertEqual(try logged(path: "/common/v2.0/.well-known").count, 3)
    }

    func testRetryAfterIsCapped() throws {
        try fault("429:count=1,retry-after=500,path=/common/v2.0/.well-known")
        var c = configuration()
        c.maxRetryAfterSeconds = 3
        let r = try HTTPClient(c).send(HTTPRequest(url: Self.openID))
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(sleeps.sleeps, [3])
    }

    func testResetMidResponseReplaysGETButNeverPOST() throws {
        let client = try HTTPClient(configuration())
        try fault("reset:count=1,path=/contoso.onmicrosoft.com/oauth2")
        let e = expectError(.network) { try client.send(self.tokenRequest()) }
        XCTAssertTrue(e?.description.hasPrefix("the response from login.microsoftonline.com was cut off after ") == true
            || e?.description.hasPrefix("the connection to login.microsoftonline.com failed") == true, e?.description ?? "")
        XCTAssertEqual(try logged(path: "/contoso.onmicrosoft.com/oauth2").count, 1, "the POST may have been acted on: never replayed")
        XCTAssertTrue(e?.description.hasSuffix("; the POST may have been carried out: check before sending it again") == true, e?.description ?? "")
        XCTAssertEqual(sleeps.sleeps, [])

        try fault("reset:count=1,path=/common/v2.0/.well-known")
        let r = try client.send(HTTPRequest(url: Self.openID))
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.attempts, 2)
        XCTAssertEqual(try logged(path: "/common/v2.0/.well-known").count, 2, "a GET is replayed after a reset")
        XCTAssertEqual(sleeps.sleeps, [0.75], "backoff: base 1 s, retry 1, jitter 0.5 → 0.75 s")
    }

    func testTruncatedBodyIsAClearError() throws {
        try fault("truncate:path=/common/v2.0/.well-known")
        let client = try HTTPClient(configuration(maxRetries: 1))
        let e = expectError(.network) { try client.send(HTTPRequest(url: Self.openID)) }
        let text = e?.description ?? ""
        XCTAssertTrue(text.hasPrefix("the response from login.microsoftonline.com was cut off after "), text)
        let bytes = Int(text.split(separator: " ").dropLast().last ?? "") ?? 0
        XCTAssertGreaterThan(bytes, 0, text)
        XCTAssertEqual(e?.attempts, 2)
        XCTAssertEqual(try logged(path: "/common/v2.0/.well-known").count, 2, "idempotent: retried once, then the error")
    }

    func testHTMLErrorPageIsReturnedAsIs() throws {
        try fault("html:status=502,path=/contoso.onmicrosoft.com/oauth2")
        let client = try HTTPClient(configuration(maxRetries: 2))
        let r = try client.send(tokenRequest())
        XCTAssertEqual(r.status, 502)
        XCTAssertTrue(r.header("content-type")?.hasPrefix("text/html") == true)
        XCTAssertTrue(r.bodyText.contains("<html>"), r.bodyText)
        XCTAssertEqual(try logged(path: "/contoso.onmicrosoft.com/oauth2").count, 1, "a 502 on a POST is not replayed")

        try fault("html:status=502,path=/common/v2.0/.well-known")
        let g = try client.send(HTTPRequest(url: Self.openID))
        XCTAssertEqual(g.status, 502)
        XCTAssertEqual(g.attempts, 3)
        XCTAssertEqual(try logged(path: "/common/v2.0/.well-known").count, 3)
    }

    func testLowSpeedTimeout() throws {
        try fault("latency:ms=3000,path=/common/v2.0/.well-known")
        try fault("latency:ms=3000,path=/contoso.onmicrosoft.com/oauth2")
        var c = configuration(maxRetries: 1)
        c.lowSpeedTimeoutSeconds = 1
        let client = try HTTPClient(c)
        let e = expectError(.timeout) { try client.send(HTTPRequest(url: Self.openID)) }
        XCTAssertEqual(e?.description, "login.microsoftonline.com stopped responding (no data for 1 s)")
        XCTAssertEqual(try logged(path: "/common/v2.0/.well-known").count, 2)
        // (A POST without a body: uploaded bytes would count as progress in libcurl's speed window.)
        _ = expectError(.timeout) { try client.send(HTTPRequest(method: "POST", url: Self.tokenURL)) }
        XCTAssertEqual(try logged(path: "/contoso.onmicrosoft.com/oauth2").count, 1, "a timed-out POST is not replayed")
    }

    // MARK: - Streaming, progress, cancellation

    func testStreamingDownloadGoesToTheSinkNotTheBuffer() throws {
        let client = try HTTPClient(configuration())
        let buffered = try client.send(HTTPRequest(url: Self.openID))
        XCTAssertGreaterThan(buffered.body.count, 100)
        var received: [UInt8] = []
        var progress: [(Int64, Int64)] = []
        let streamed = try client.send(HTTPRequest(url: Self.openID, onResponseBody: { chunk in
            received.append(contentsOf: chunk)
            return true
        }, onProgress: { progress.append(($0, $1)) }))
        XCTAssertEqual(streamed.status, 200)
        XCTAssertEqual(streamed.body, [], "a streamed body is not buffered")
        XCTAssertEqual(received, buffered.body)
        XCTAssertEqual(progress.last?.0, Int64(received.count))
    }

    func testErrorBodiesAreBufferedEvenWhenStreaming() throws {
        let client = try HTTPClient(configuration())
        var received = 0
        let r = try client.send(HTTPRequest(url: "https://graph.microsoft.com/v1.0/me", onResponseBody: { received += $0.count; return true }))
        XCTAssertEqual(r.status, 401)
        XCTAssertEqual(received, 0)
        XCTAssertNotNil(jsonObject(r.body)["error"], "the caller needs the error body to map it")
    }

    func testStreamingDownloadStoppedByTheReceiver() throws {
        let client = try HTTPClient(configuration())
        let e = expectError(.aborted) { try client.send(HTTPRequest(url: Self.openID, onResponseBody: { _ in false })) }
        XCTAssertTrue(e?.description.hasPrefix("the download from login.microsoftonline.com was stopped by the receiver") == true)
        XCTAssertEqual(try logged(path: "/common/v2.0/.well-known").count, 1)
    }

    func streamBody(size: Int, chunk: Int = 7919, readCount: UnsafeMutablePointer<Int>) -> HTTPBody.StreamReader {
        var sent = 0
        return { buffer in
            readCount.pointee += 1
            let n = min(buffer.count, chunk, size - sent)
            for i in 0..<n { buffer[i] = UInt8(truncatingIfNeeded: sent + i) }
            sent += n
            return n
        }
    }

    func testStreamingUploadWithKnownAndUnknownSize() throws {
        let client = try HTTPClient(configuration())
        let size = 3_000_000
        let reads = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        defer { reads.deallocate() }
        reads.pointee = 0
        var progress: [(Int64, Int64)] = []
        let known = try client.send(HTTPRequest(method: "PUT", url: "https://graph.microsoft.com/v1.0/me/drive/root:/big.bin:/content",
                                                headers: [(name: "Content-Type", value: "application/octet-stream")],
                                                body: .stream(size: Int64(size), read: streamBody(size: size, readCount: reads)),
                                                onProgress: { progress.append(($0, $1)) }))
        XCTAssertEqual(known.status, 401, "no token: the point is what arrived")
        XCTAssertGreaterThan(reads.pointee, 1, "the body was read in pieces, not at once")
        XCTAssertEqual(progress.last.map { [$0.0, $0.1] }, [Int64(size), Int64(size)])
        var log = try logged(path: "/v1.0/me/drive")
        XCTAssertEqual(log.last?["bodyLength"] as? Int, size)
        XCTAssertEqual((log.last?["headers"] as? [String: String])?["content-length"], String(size))

        reads.pointee = 0
        _ = try client.send(HTTPRequest(method: "POST", url: "https://graph.microsoft.com/v1.0/me/drive/items",
                                        headers: [(name: "Content-Type", value: "application/octet-stream")],
                                        body: .stream(size: nil, read: streamBody(size: 1_234_567, readCount: reads))))
        log = try logged(path: "/v1.0/me/drive")
        XCTAssertEqual(log.last?["method"] as? String, "POST")
        XCTAssertEqual(log.last?["bodyLength"] as? Int, 1_234_567)
        XCTAssertEqual((log.last?["headers"] as? [String: String])?["transfer-encoding"], "chunked")
    }

    func testStreamedFormArrivesIntact() throws {
        let client = try HTTPClient(configuration())
        let form = Array(tokenForm().utf8)
        var offset = 0
        let r = try client.send(HTTPRequest(method: "POST", url: Self.tokenURL,
                                            headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded")],
                                            body: .stream(size: Int64(form.count), read: { buffer in
                                                let n = min(buffer.count, 10, form.count - offset)
                                                for i in 0..<n { buffer[i] = form[offset + i] }
                                                offset += n
                                                return n
                                            })))
        XCTAssertEqual(r.status, 200, r.bodyText)
        XCTAssertNotNil(jsonObject(r.body)["access_token"] as? String)
    }

    func testUploadStoppedByTheSender() throws {
        let client = try HTTPClient(configuration())
        var calls = 0
        let e = expectError(.aborted) {
            try client.send(HTTPRequest(method: "PUT", url: "https://graph.microsoft.com/v1.0/me/drive/root:/x:/content",
                                        body: .stream(size: 100_000, read: { buffer in
                                            calls += 1
                                            if calls > 2 { return -1 }
                                            return min(buffer.count, 1000)
                                        })))
        }
        XCTAssertTrue(e?.description.hasPrefix("the upload to graph.microsoft.com was stopped by the sender") == true, e?.description ?? "")
        XCTAssertEqual(sleeps.sleeps, [], "not retried")
    }

    func testStreamedBodyIsNotReplayedOn429() throws {
        try fault("429:count=1,retry-after=1,path=/v1.0/me/drive")
        let client = try HTTPClient(configuration())
        let reads = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        defer { reads.deallocate() }
        reads.pointee = 0
        let r = try client.send(HTTPRequest(method: "PUT", url: "https://graph.microsoft.com/v1.0/me/drive/root:/x:/content",
                                            body: .stream(size: 5000, read: streamBody(size: 5000, readCount: reads))))
        XCTAssertEqual(r.status, 429, "a consumed stream cannot be sent again: the 429 goes to the caller")
        XCTAssertEqual(sleeps.sleeps, [])
    }

    func testCancellationDuringATransfer() throws {
        try fault("latency:ms=5000,path=/common/v2.0/.well-known")
        var c = configuration()
        var polls = 0
        c.isCancelled = { polls += 1; return polls > 5 }
        let client = try HTTPClient(c)
        let e = expectError(.cancelled) { try client.send(HTTPRequest(url: Self.openID)) }
        XCTAssertEqual(e?.description, "the request to login.microsoftonline.com was cancelled")
        XCTAssertLessThanOrEqual(try logged(path: "/common/v2.0/.well-known").count, 1, "not retried")
        XCTAssertEqual(sleeps.sleeps, [])
    }

    func testCancellationDuringARetryWaitAndBeforeSending() throws {
        try fault("429:count=5,retry-after=1,path=/common/v2.0/.well-known")
        var cancelled = false
        var c = configuration()
        c.isCancelled = { cancelled }
        sleeps.onSleep = { _ in cancelled = true }
        let client = try HTTPClient(c)
        _ = expectError(.cancelled) { try client.send(HTTPRequest(url: Self.openID)) }
        XCTAssertEqual(try logged(path: "/common/v2.0/.well-known").count, 1)
        _ = expectError(.cancelled) { try client.send(HTTPRequest(url: Self.openID)) }
        XCTAssertEqual(try logged(path: "/common/v2.0/.well-known").count, 1, "nothing is sent once cancelled")
    }

    // MARK: - Trace

    func testTraceShowsTrafficWithEverySecretRedacted() throws {
        var lines: [String] = []
        var c = configuration()
        c.trace = { lines.append($0) }
        let client = try HTTPClient(c)
        let token = try client.send(tokenRequest())
        XCTAssertEqual(token.status, 200, token.bodyText)
        let accessToken = try XCTUnwrap(jsonObject(token.body)["access_token"] as? String)
        let me = try client.send(HTTPRequest(url: "https://graph.microsoft.com/v1.0/organization",
                                             headers: [(name: "Authorization", value: "Bearer \(accessToken)"),
                                                       (name: "Cookie", value: "FedAuth=cookie-secret")]))
        XCTAssertEqual(me.status, 200, me.bodyText)
        let trace = lines.joined(separator: "\n")
        XCTAssertTrue(trace.contains("> POST \(Self.tokenURL)"), trace)
        XCTAssertTrue(trace.contains("> Content-Type: application/x-www-form-urlencoded"), trace)
        XCTAssertTrue(trace.contains("client_secret=[redacted]"), trace)
        XCTAssertTrue(trace.contains("client_id=\(Self.secretApp)"), trace)
        XCTAssertTrue(trace.contains("< HTTP/1.1 200 ("), trace)
        XCTAssertTrue(trace.contains("\"access_token\":\"[redacted]\""), trace)
        XCTAssertTrue(trace.contains("> Authorization: Bearer [redacted]"), trace)
        XCTAssertTrue(trace.contains("> Cookie: [redacted]"), trace)
        XCTAssertTrue(trace.contains("> User-Agent: NONISV|m365|m365/9.9.9-test"), trace)
        XCTAssertTrue(trace.contains("< content-type: application/json"), trace)
        XCTAssertTrue(trace.contains(" ms, "), "timing: \(trace)")
        for secret in [Self.secret, accessToken, String(accessToken.prefix(40)), "cookie-secret",
                       Self.secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!] {
            XCTAssertFalse(trace.contains(secret), "leaked \(secret.prefix(12))…")
        }
    }

    func testTraceTruncatesLongBodiesAndNamesRetries() throws {
        try fault("503:count=1,retry-after=1,path=/common/v2.0/.well-known")
        var lines: [String] = []
        var c = configuration()
        c.trace = { lines.append($0) }
        c.traceBodyLimit = 64
        let r = try HTTPClient(c).send(HTTPRequest(url: Self.openID))
        XCTAssertGreaterThan(r.body.count, 64)
        XCTAssertTrue(lines.contains("* retry 1 of 5 in 1 s (HTTP 503, Retry-After: 1)"), lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains { $0.hasPrefix("> GET \(Self.openID) (attempt 2)") })
        let last = try XCTUnwrap(lines.last)
        XCTAssertTrue(last.hasPrefix("< … [") && last.hasSuffix(" more bytes]"), last)
        XCTAssertEqual(Int(last.split(separator: "[").last!.split(separator: " ").first!), r.body.count - 64)
    }

    // MARK: - Proxy

    func testProxyFromTheEnvironmentAndNoProxy() throws {
        let proxy = try TinyProxy()
        defer {
            unsetenv("https_proxy")
            unsetenv("no_proxy")
            proxy.stop()
        }
        let client = try HTTPClient(configuration(maxRetries: 0))
        setenv("https_proxy", "http://127.0.0.1:\(proxy.port)", 1)
        XCTAssertEqual(try client.send(HTTPRequest(url: "https://graph.microsoft.com/v1.0/me")).status, 401)
        let through = proxy.connectRequests
        XCTAssertEqual(through.count, 1, "one CONNECT through tinyproxy: \(through)")
        XCTAssertTrue(through.first?.contains("CONNECT 127.0.0.1:\(emulator.port)") == true, "\(through)")

        // no_proxy names the URL's host: straight to the emulator.
        setenv("no_proxy", "example.org,graph.microsoft.com", 1)
        XCTAssertEqual(try client.send(HTTPRequest(url: "https://graph.microsoft.com/v1.0/me")).status, 401)
        XCTAssertEqual(proxy.connectRequests.count, 1, "no_proxy bypasses the proxy")
        XCTAssertEqual(try logged(path: "/v1.0/me").count, 2)

        // A dead proxy proves the variable is what routes the request.
        unsetenv("no_proxy")
        setenv("https_proxy", "http://127.0.0.1:\(unusedLoopbackPort())", 1)
        let e = expectError(.network) { try client.send(HTTPRequest(url: "https://login.microsoftonline.com/common/discovery/keys")) }
        XCTAssertTrue(e?.description.hasPrefix("cannot connect to login.microsoftonline.com through the proxy http://127.0.0.1:") == true,
                      e?.description ?? "")
    }
}
