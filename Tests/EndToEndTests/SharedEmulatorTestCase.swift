import Foundation
import XCTest

/// A test class that shares one emulator and one admin sign-in (password, file token store)
/// across its tests; the emulator's directory, faults and request log are reset before each test.
class SharedEmulatorTestCase: XCTestCase {
    nonisolated(unsafe) static var shared: (harness: Harness, emulator: EmulatorProcess)?
    static let tenant = "contoso.onmicrosoft.com"
    static let publicApp = "dccb2514-078b-4158-a8c5-9c9238e27952"
    static let secretApp = "539f7720-4b42-49e3-99d6-244b2bfe9858"
    static let clientSecret = "Aut0mation~Secret.Value_0123456789abcdef"
    static let admin = (id: "26628bb8-d313-4b2e-8169-0b92f8d54f2d", upn: "admin@contoso.onmicrosoft.com")
    static let adele = (id: "50c76ef9-2b4f-46b8-91c3-7e65e3c6cf4e", upn: "adele.vance@contoso.com")
    static let megan = (id: "c3b7e6f9-dd4e-4e84-a28c-9af85b134cc2", upn: "megan.bowen@contoso.com")
    static let itAdmins = "b6f009ce-1ea0-491f-a9a3-d9cd60559893"
    static let allCompany = "779c7b9d-cb9d-4874-aeac-b79f9d6b29e8"
    static let salesAndMarketing = "80f810ee-a906-4270-8827-743580252680"
    static let missing = "00000000-0000-0000-0000-0000000000aa"

    var harness: Harness { Self.shared!.harness }
    var emulator: EmulatorProcess { Self.shared!.emulator }

    override class func setUp() {
        super.setUp()
        do {
            let harness = try signedInHarness(emulator: try EmulatorProcess())
            shared = harness
        } catch {
            XCTFail("\(self) could not start: \(error)")
        }
    }

    /// A fresh m365 home on `emulator`, signed in as the admin with a password.
    static func signedInHarness(emulator: EmulatorProcess) throws -> (harness: Harness, emulator: EmulatorProcess) {
        let harness = try connectedHarness(emulator)
        let login = try harness.run(["login", "--authType", "password", "--appId", publicApp, "--tenant", tenant,
                                     "--userName", admin.upn, "--password", "Adm1n!Passw0rd"])
        guard login.status == 0 else { throw HarnessError("sign-in failed: \(login.stderr)") }
        return (harness, emulator)
    }

    /// A fresh m365 home that reaches `emulator` (not signed in).
    static func connectedHarness(_ emulator: EmulatorProcess) throws -> Harness {
        var harness = try Harness()
        harness.environment["M365_CONNECT_TO"] = emulator.connectTo
        harness.environment["M365_CA_BUNDLE"] = emulator.caBundle
        harness.environment["M365_TOKEN_STORE"] = "file"
        return harness
    }

    /// A second home on the same emulator, signed in app-only with the secret app (User.Read.All
    /// and Group.Read.All on Graph, nothing else). The caller cleans it up.
    func appOnlyHarness() throws -> Harness {
        let appOnly = try Self.connectedHarness(emulator)
        let login = try appOnly.run(["login", "--authType", "secret", "--appId", Self.secretApp, "--tenant", Self.tenant, "--secret", Self.clientSecret])
        XCTAssertEqual(login.status, 0, login.stderr)
        return appOnly
    }

    override class func tearDown() {
        shared?.emulator.stop()
        shared?.harness.cleanUp()
        shared = nil
        super.tearDown()
    }

    override func setUpWithError() throws {
        guard Self.shared != nil else { throw XCTSkip("the emulator or the sign-in failed to start (see the class set-up failure)") }
        try emulator.admin("directory/reset", method: "POST")
        try emulator.admin("faults", method: "DELETE")
        try emulator.admin("requests", method: "DELETE")
    }

    // MARK: Running m365

    @discardableResult
    func m365(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Harness.Result {
        let result = try harness.run(arguments)
        XCTAssertEqual(result.status, 0, "m365 \(arguments.joined(separator: " ")): \(result.stderr)", file: file, line: line)
        return result
    }

    func jsonObject(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try XCTUnwrap(try m365(arguments, file: file, line: line).json() as? [String: Any], file: file, line: line)
    }

    func jsonArray(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        try XCTUnwrap(try m365(arguments, file: file, line: line).json() as? [[String: Any]], file: file, line: line)
    }

    /// The service whose commands `object`, `array` and `fails` run (`spo`, `aad`); none here.
    class var service: String? { nil }

    private func words(_ arguments: [String]) -> [String] { (Self.service.map { [$0] } ?? []) + arguments }

    func object(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try jsonObject(words(arguments), file: file, line: line)
    }

    func array(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        try jsonArray(words(arguments), file: file, line: line)
    }

    func fails(_ arguments: [String], exit: Int32 = 1, _ message: String, harness other: Harness? = nil,
               file: StaticString = #filePath, line: UInt = #line) throws {
        try mustFail(words(arguments), exit: exit, message, harness: other, file: file, line: line)
    }

    /// Runs a command that must fail with `exit`, `message` on stderr and nothing on stdout (no crash).
    func mustFail(_ arguments: [String], exit: Int32 = 1, _ message: String, harness other: Harness? = nil,
                  file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try (other ?? harness).run(arguments)
        XCTAssertEqual(result.status, exit, "m365 \(arguments.joined(separator: " ")): \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.contains(message), "expected '\(message)' in: \(result.stderr)", file: file, line: line)
        XCTAssertEqual(result.stdout, "", "a failed command prints no result", file: file, line: line)
        XCTAssertFalse(result.stderr.contains("Fatal error") || result.stderr.contains("Stack dump"), file: file, line: line)
    }

    /// HTTP requests the emulator received (a batch counts once; its items are not requests).
    func httpRequests(_ prefix: String = "/v1.0") throws -> [[String: Any]] {
        try emulator.requests(pathPrefix: prefix).filter { ($0["batchItem"] as? Bool) != true }
    }

    func ids(_ items: [[String: Any]]) -> Set<String> { Set(items.compactMap { $0["id"] as? String }) }

    /// One 429 (Retry-After: 1) for the next `count` Graph requests under `pathPrefix`.
    func throttle(_ pathPrefix: String, count: Int = 1, host: String = "graph.microsoft.com") throws {
        try emulator.admin("faults", method: "POST",
                           json: #"{"kind":"429","count":\#(count),"retryAfter":1,"host":"\#(host)","pathPrefix":"\#(pathPrefix)"}"#)
    }
}
