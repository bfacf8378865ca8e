import Foundation
import XCTest

/// The real binary and plugins against an emulator that offers HTTP/2: requests go out as
/// HTTP/2 streams over one kept connection, as they would to Microsoft's front doors.
final class HTTP2CommandTests: XCTestCase {
    func testCommandsSpeakHTTP2WhenTheServerOffersIt() throws {
        let emulator = try EmulatorProcess(arguments: ["--http2"])
        defer { emulator.stop() }
        let harness = try SharedEmulatorTestCase.signedInHarness(emulator: emulator).harness
        defer { harness.cleanUp() }

        let me = try harness.run(["request", "--url", "@graph/me", "--debug"])
        XCTAssertEqual(me.status, 0, me.stderr)
        XCTAssertEqual((try me.json() as? [String: Any])?["userPrincipalName"] as? String, SharedEmulatorTestCase.admin.upn)
        XCTAssertTrue(me.stderr.contains("< HTTP/2 200"), me.stderr)
        XCTAssertFalse(me.stderr.contains("< HTTP/1.1"), "every response of the run came over HTTP/2")

        // Several pages in one process: one connection, every later page a stream on it.
        let users = try harness.run(["aad", "user", "list", "--properties", "id", "--debug"])
        XCTAssertEqual(users.status, 0, users.stderr)
        XCTAssertGreaterThan((try users.json() as? [Any])?.count ?? 0, 3)
        let responses = users.stderr.split(separator: "\n").filter { $0.contains("< HTTP/") }
        XCTAssertFalse(responses.isEmpty, users.stderr)
        XCTAssertTrue(responses.allSatisfy { $0.contains("< HTTP/2 ") }, "\(responses)")
        XCTAssertLessThanOrEqual(responses.filter { $0.contains("new connection") }.count, 1, "\(responses)")
    }
}
