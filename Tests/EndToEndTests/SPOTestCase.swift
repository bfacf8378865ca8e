import Foundation
import XCTest

/// The base of the `m365 spo …` end-to-end tests: the shared emulator with the tenant's
/// SharePoint URL set, and runners that put `spo` in front of a command's words.
class SPOTestCase: SharedEmulatorTestCase {
    static let root = "https://contoso.sharepoint.com"
    override class var service: String? { "spo" }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try m365(["spo", "set", "--url", Self.root])
    }

    @discardableResult
    func spo(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Harness.Result {
        try m365(["spo"] + arguments, file: file, line: line)
    }

    /// Requests SharePoint received (any host of the tenant) whose path starts with `prefix`.
    func spRequests(_ prefix: String = "/") throws -> [[String: Any]] {
        try emulator.requests(pathPrefix: prefix).filter { ($0["host"] as? String ?? "").hasSuffix("sharepoint.com") }
    }

    func throttleSharePoint(_ pathPrefix: String, host: String = "contoso.sharepoint.com") throws { try throttle(pathPrefix, host: host) }

    /// The properties text output shows: a table's header words, or for a single item (which
    /// the CLI prints as `key: value` lines) the keys.
    func header(_ text: String) -> [String] {
        let lines = text.split(separator: "\n")
        let first = (lines.first ?? "").split(separator: " ").map(String.init)
        guard first.first?.hasSuffix(":") == true || first.dropFirst().first == ":" else { return first }
        return lines.compactMap { line in line.split(separator: ":").first.map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    /// A second home signed in as Adele, a user who administers nothing and owns no site but her
    /// OneDrive (a member of the marketing site's group). The caller cleans it up.
    func adeleHarness() throws -> Harness {
        let other = try Self.connectedHarness(emulator)
        let login = try other.run(["login", "--authType", "password", "--appId", Self.publicApp, "--tenant", Self.tenant,
                                   "--userName", Self.adele.upn, "--password", "Adele!Passw0rd"])
        XCTAssertEqual(login.status, 0, login.stderr)
        XCTAssertEqual(try other.run(["spo", "set", "--url", Self.root]).status, 0)
        return other
    }
}
