import Foundation
import XCTest

/// Defects found by attacking m365 (issue 13): each test fails without its fix.
final class HardeningTests: SharedEmulatorTestCase {

    // MARK: Tokens never go out in clear

    /// A URL with user-info is refused before anything is sent, even to loopback; a host that
    /// merely starts with "127." is not loopback.
    func testTokensAreNotSentToUserInfoURLsOrFakeLoopbackHosts() throws {
        let listener = try PlainHTTPListener()
        defer { listener.stop() }
        try mustFail(["request", "--url", "http://127.0.0.1@127.0.0.1:\(listener.port)/x", "--resource", "https://graph.microsoft.com"],
                     exit: 2, "Refusing to send an access token to a URL with user information")
        try mustFail(["request", "--url", "http://127.attacker.invalid/x", "--resource", "https://graph.microsoft.com"],
                     exit: 2, "Refusing to send an access token over plain HTTP")
        XCTAssertEqual(listener.requests(), [], "nothing reached the plain-HTTP listener")
        // Loopback itself still may (local endpoints, tests).
        let local = try harness.run(["request", "--url", "http://127.0.0.1:\(listener.port)/ok", "--resource", "https://graph.microsoft.com"])
        XCTAssertEqual(local.status, 0, local.stderr)
        XCTAssertEqual(listener.requests().count, 1)
    }

    /// A redirect from HTTPS to plain HTTP is refused with a clear error; the plain-HTTP target
    /// never sees a request and its answer is never printed as the result.
    func testRedirectFromHTTPSToPlainHTTPIsRefused() throws {
        let listener = try PlainHTTPListener()
        defer { listener.stop() }
        try emulator.admin("faults", method: "POST",
                           json: #"{"kind":"redirect","location":"http://127.0.0.1:\#(listener.port)/plain","host":"graph.microsoft.com","pathPrefix":"/v1.0/me"}"#)
        try mustFail(["request", "--url", "@graph/me"], "redirected from HTTPS to plain HTTP (http://127.0.0.1:\(listener.port)/plain): refused")
        XCTAssertEqual(listener.requests(), [])
    }

    // MARK: Lists cut short are never complete-looking

    /// A list that fails after some items leaves its JSON array open (no parser takes it for the
    /// whole list), and the error says how far it got; csv keeps its rows and the same error.
    func testAListCutShortLeavesTheArrayOpenAndSaysSo() throws {
        let plugins = try Harness.compileCPlugin(
            into: harness.pluginDirectory, name: "libm365-partial.so", extraFlags: ["-DSERVICE=\"partial\"", "-DPARTIAL_LIST"],
            source: Harness.packageRoot + "/Tests/Fixtures/plugin-variants.c")
        defer { try? FileManager.default.removeItem(at: plugins) }

        let json = try harness.run(["partial", "ping"])
        XCTAssertEqual(json.status, 1, json.stderr)
        XCTAssertEqual(json.stdout, "[\n  {\n    \"n\": 1,\n    \"name\": \"one\"\n  },\n  {\n    \"n\": 2,\n    \"name\": \"two\"\n  },\n  {\n    \"n\": 3,\n    \"name\": \"three\"\n  }\n")
        XCTAssertThrowsError(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)), "an incomplete list must not parse")
        XCTAssertEqual(json.stderr, "Error: the service failed on the next page after 3 items: the output is incomplete\n")

        let csv = try harness.run(["partial", "ping", "-o", "csv"])
        XCTAssertEqual(csv.status, 1)
        XCTAssertEqual(csv.stdout, "n,name\n1,one\n2,two\n3,three\n")
        XCTAssertEqual(csv.stderr, "Error: the service failed on the next page after 3 items: the output is incomplete\n")

        // Buffered formats print nothing of a failed list.
        let text = try harness.run(["partial", "ping", "-o", "text"])
        XCTAssertEqual(text.status, 1)
        XCTAssertEqual(text.stdout, "")
    }

    // MARK: Unbounded inputs

    /// A query nested deeper than 512 levels is a clear error, not a crash.
    func testDeeplyNestedQueryIsRefused() throws {
        for query in [String(repeating: "[", count: 20_000), String(repeating: "(", count: 60_000) + "a",
                      Array(repeating: "a", count: 20_000).joined(separator: ".")] {
            let result = try harness.run(["cli", "config", "list", "--query", query])
            XCTAssertEqual(result.status, 2, String(result.stderr.prefix(300)))
            XCTAssertTrue(result.stderr.contains("nested too deeply"), String(result.stderr.prefix(300)))
        }
    }

    /// `@file` reads regular files and pipes only, and at most 16 MiB.
    func testOptionFilesAreBoundedAndRegular() throws {
        try mustFail(["aad", "user", "get", "--id", "@/dev/zero"], exit: 2, "cannot read '/dev/zero': it is not a regular file")
        try mustFail(["aad", "user", "get", "--id", "@/tmp"], exit: 2, "cannot read '/tmp': it is a directory")
        let big = harness.root.appendingPathComponent("big.txt")
        try Data(count: 16 << 20 + 1).write(to: big)
        try mustFail(["aad", "user", "get", "--id", "@" + big.path], exit: 2, "it is larger than 16 MiB")
        // A pipe is read as before.
        let piped = try harness.run(["aad", "user", "get", "--userName", "@/dev/stdin", "--query", "userPrincipalName"], stdin: Self.adele.upn)
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(piped.stdout, "\"\(Self.adele.upn)\"\n")
    }

    // MARK: Part files

    /// SIGTERM (as SIGINT) stops a download cleanly: no part file is left, and the exit code is the
    /// shell's for the signal. A part file left by a process that is gone is removed by the next
    /// download of the same target.
    func testSignalsRemovePartFilesAndStalePartFilesAreCleared() throws {
        let target = harness.root.appendingPathComponent("me.json")
        func partFiles() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: harness.root.path).filter { $0.hasPrefix("me.json.m365-part-") }
        }
        try emulator.admin("faults", method: "POST",
                           json: #"{"kind":"latency","milliseconds":20000,"host":"graph.microsoft.com","pathPrefix":"/v1.0/me"}"#)
        for (signal, code) in [(SIGTERM, Int32(143)), (SIGHUP, 129)] {
            let process = Process()
            process.executableURL = harness.binary
            process.arguments = ["request", "--url", "@graph/me", "--filePath", target.path]
            process.environment = harness.environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(10)
            while try partFiles().isEmpty && Date() < deadline { usleep(20_000) }
            XCTAssertEqual(try partFiles().count, 1, "the download is under way")
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, code)
            XCTAssertEqual(try partFiles(), [], "signal \(signal) left a part file")
            XCTAssertFalse(FileManager.default.fileExists(atPath: target.path))
        }
        try emulator.admin("faults", method: "DELETE")

        // A part file of a process that no longer runs.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let stale = harness.root.appendingPathComponent("me.json.m365-part-\(gone.processIdentifier)")
        try Data("partial".utf8).write(to: stale)
        try m365(["request", "--url", "@graph/me", "--filePath", target.path])
        XCTAssertEqual(try partFiles(), [])
        XCTAssertTrue(FileManager.default.fileExists(atPath: target.path))
    }

    // MARK: --output none

    func testOutputNonePrintsNothingWhateverTheBody() throws {
        let listener = try PlainHTTPListener(body: String(repeating: "not json ", count: 1000))
        defer { listener.stop() }
        let result = try harness.run(["request", "--url", "http://127.0.0.1:\(listener.port)/text", "--resource", "https://graph.microsoft.com", "-o", "none"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "")
        let shown = try harness.run(["request", "--url", "http://127.0.0.1:\(listener.port)/text", "--resource", "https://graph.microsoft.com"])
        XCTAssertTrue(shown.stdout.hasPrefix("not json "), "the body is printed as it came otherwise")
    }

    // MARK: Damaged state files

    /// A damaged settings, connections or token file is moved aside with a warning naming it;
    /// reset, login and logout go on.
    func testDamagedStateFilesAreMovedAsideAndTheCommandGoesOn() throws {
        let home = try Self.connectedHarness(emulator)
        defer { home.cleanUp() }
        let directory = home.home.appendingPathComponent("m365")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func copies(_ name: String) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(name + ".damaged-") }
        }
        func write(_ name: String, _ text: String) throws { try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8) }

        try write("config.json", "x\n")
        let reset = try home.run(["cli", "config", "reset"])
        XCTAssertEqual(reset.status, 0, reset.stderr)
        XCTAssertTrue(reset.stderr.hasPrefix("Warning: \(directory.path)/config.json was damaged ("), reset.stderr)
        XCTAssertEqual(try copies("config.json").count, 1)
        XCTAssertEqual(try String(contentsOf: directory.appendingPathComponent(try copies("config.json")[0]), encoding: .utf8), "x\n")

        try write("connections.json", "[1]")
        try write("tokens.json", "{broken")
        let login = try home.run(["login", "--authType", "password", "--appId", Self.publicApp, "--tenant", Self.tenant,
                                  "--userName", Self.admin.upn, "--password", "Adm1n!Passw0rd"])
        XCTAssertEqual(login.status, 0, login.stderr)
        XCTAssertTrue(login.stderr.contains("connections.json was damaged (it is not a connections object)"), login.stderr)
        XCTAssertTrue(login.stderr.contains("tokens.json was damaged ("), login.stderr)
        XCTAssertEqual(try copies("connections.json").count, 1)
        XCTAssertEqual(try copies("tokens.json").count, 1)
        XCTAssertEqual(try home.run(["status", "--query", "connectedAs"]).stdout, "\"\(Self.admin.upn)\"\n")

        try write("tokens.json", "[]")
        let logout = try home.run(["logout"])
        XCTAssertEqual(logout.status, 0, logout.stderr)
        XCTAssertEqual(try copies("tokens.json").count, 2)
        XCTAssertEqual(try home.run(["status"]).stdout, "\"Logged out\"\n")
    }

    // MARK: The keyring down

    /// With the connection's tokens in the Secret Service and no keyring answering, the error
    /// names the real cause, and logout signs out anyway, saying what it could not remove.
    func testKeyringDownNamesTheCauseAndLogoutStillSignsOut() throws {
        var home = try Self.connectedHarness(emulator)
        defer { home.cleanUp() }
        let directory = home.home.appendingPathComponent("m365")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // A connection whose tokens went to the Secret Service, on a machine whose keyring is gone.
        try #"{"version":1,"active":"c1","services":{},"connections":[{"id":"c1","name":"admin","authType":"password","appId":"\#(Self.publicApp)","tenant":"\#(Self.tenant)","cloud":"Public","identityName":"\#(Self.admin.upn)","identityType":"user","tokenStore":"secret-service"}]}"#
            .write(to: directory.appendingPathComponent("connections.json"), atomically: true, encoding: .utf8)
        home.environment["M365_TOKEN_STORE"] = nil
        home.environment["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=" + home.root.appendingPathComponent("no-bus").path
        let used = try home.run(["request", "--url", "@graph/me"])
        XCTAssertEqual(used.status, 1)
        XCTAssertTrue(used.stderr.contains("The tokens of the connection 'admin' are kept in the secret-service store, but the Secret Service is not available"), used.stderr)
        XCTAssertFalse(used.stderr.contains("M365_TOKEN_STORE"), used.stderr)

        let logout = try home.run(["logout"])
        XCTAssertEqual(logout.status, 0, logout.stderr)
        XCTAssertTrue(logout.stderr.hasPrefix("Warning: signed out of 'admin', but its stored tokens could not be removed"), logout.stderr)
        XCTAssertTrue(logout.stderr.contains("secret-tool clear application m365 account connection/c1"), logout.stderr)
        XCTAssertEqual(try home.run(["status"]).stdout, "\"Logged out\"\n")
    }
}

/// A plain-HTTP server on loopback (python3's http.server) that records the paths it is asked
/// for and answers each with `body`.
final class PlainHTTPListener {
    private let process = Process()
    private let log: URL
    let port: Int

    init(body: String = #"{"ok":true}"#) throws {
        log = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("m365-listener-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let script = """
        import http.server, sys
        log, body = sys.argv[1], sys.argv[2].encode()
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                open(log, "a").write(self.path + "\\n")
                self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
            def log_message(self, *a): pass
        s = http.server.HTTPServer(("127.0.0.1", 0), H)
        print(s.server_address[1], flush=True)
        s.serve_forever()
        """
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, log.path, body]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw HarnessError("the listener did not start: \(line)") }
        self.port = port
    }

    func requests() -> [String] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: log)
    }
}
