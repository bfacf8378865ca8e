import Foundation
import TokenStore
import XCTest

/// Scenarios that must run in a process of their own (see `runWorker`). Run normally, the one
/// test here is skipped; the parent tests check that each scenario printed "WORKER-DONE <name>"
/// and that the process exited with status 0 (an XCTest failure makes it exit with 1).
final class TokenStoreWorker: XCTestCase {
    private var environment: [String: String] { ProcessInfo.processInfo.environment }

    func testWorker() throws {
        guard let scenario = environment["M365_TOKENSTORE_WORKER"], !scenario.isEmpty else {
            throw XCTSkip("runs only as a subprocess of the token store tests")
        }
        switch scenario {
        case "increment": try increment()
        case "keyring-roundtrip": try keyringRoundTrip()
        case "keyring-locked": try keyringLocked()
        case "no-provider": try noProvider()
        case "hung": try hungKeyring()
        case "bus-dies": try busDies()
        default: XCTFail("unknown scenario \(scenario)")
        }
        print("WORKER-DONE \(scenario)")
    }

    private var configDirectory: String { environment["M365_TEST_CONFIG_DIR"] ?? "/nonexistent" }

    /// Lock, read, add one, write: `M365_TEST_COUNT` times on the shared counter.
    private func increment() throws {
        let count = Int(environment["M365_TEST_COUNT"] ?? "") ?? 0
        let worker = environment["M365_TEST_WORKER_ID"] ?? "?"
        XCTAssertGreaterThan(count, 0)
        let store = FileTokenStore(configDirectory: configDirectory)
        for round in 1...count {
            try StoreLock.withExclusiveLock(configDirectory: configDirectory) {
                let value = Int(try store.load("counter") ?? "0")!
                try store.save("counter", String(value + 1))
                try store.save("worker-\(worker)", String(round))
            }
        }
    }

    /// Times `body`, which must not hang: at most 20 s while the keyring timeout is 1 s (a call
    /// without the timeout waits for D-Bus's own 25 s).
    private func bounded<T>(_ what: String, _ body: () throws -> T) rethrows -> T {
        let start = Date()
        defer {
            let seconds = Date().timeIntervalSince(start)
            XCTAssertLessThan(seconds, 20, "\(what) took \(seconds) s")
        }
        return try body()
    }

    private func expectError(_ kind: TokenStoreError.Kind, containing text: String, _ what: String, _ body: () throws -> Void) {
        bounded(what) {
            do {
                try body()
                XCTFail("\(what) did not fail")
            } catch let error as TokenStoreError {
                XCTAssertEqual(error.kind, kind, "\(what): \(error)")
                XCTAssertTrue(error.message.contains(text), "\(what): '\(error.message)' lacks '\(text)'")
            } catch {
                XCTFail("\(what): unexpected \(error)")
            }
        }
    }

    // MARK: A real, unlocked gnome-keyring

    private func keyringRoundTrip() throws {
        let selection = try TokenStores.open(configDirectory: configDirectory, preference: "auto")
        XCTAssertEqual(selection.store.kind, .secretService)
        XCTAssertTrue(selection.store.canHoldCredentials)
        XCTAssertTrue(selection.reason.hasPrefix("the Secret Service answered"), selection.reason)
        XCTAssertTrue(selection.reason.contains("gnome-keyring"), selection.reason)
        let store = selection.store

        XCTAssertNil(try store.load("user@contoso"))
        try store.save("user@contoso", "refresh-1")
        XCTAssertEqual(try store.load("user@contoso"), "refresh-1")
        try store.save("user@contoso", "refresh-2")  // overwrite in place
        XCTAssertEqual(try store.load("user@contoso"), "refresh-2")

        // Keys are independent; values keep every byte (JSON, Unicode, long tokens).
        let long = "{\"refreshToken\":\"" + String(repeating: "eyJ0eXAiOiJKV1Qi.", count: 500) + "\",\"note\":\"é ✓ \\n\"}"
        try store.save("app@fabrikam", long)
        XCTAssertEqual(try store.load("app@fabrikam"), long)
        XCTAssertEqual(try store.load("user@contoso"), "refresh-2")

        // Another store object (as another process would) sees the same items.
        let other = SecretServiceStore(timeoutMilliseconds: 3000)
        XCTAssertEqual(try other.load("user@contoso"), "refresh-2")

        try store.remove("user@contoso")
        XCTAssertNil(try store.load("user@contoso"))
        try store.remove("user@contoso")  // removing nothing is fine
        XCTAssertEqual(try store.load("app@fabrikam"), long)
        try store.remove("app@fabrikam")
        XCTAssertNil(try store.load("app@fabrikam"))

        // Forcing the Secret Service works when it answers.
        let forced = try TokenStores.open(configDirectory: configDirectory, preference: "secret-service")
        XCTAssertEqual(forced.store.kind, .secretService)
        XCTAssertTrue(forced.reason.hasPrefix("M365_TOKEN_STORE=secret-service; the Secret Service answered"), forced.reason)

        // Left for the parent test, which checks the schema and label on the bus.
        try store.save("documented-key", "documented-secret")

        // Nothing went to the file store.
        XCTAssertFalse(FileManager.default.fileExists(atPath: configDirectory + "/tokens.json"))
    }

    /// gnome-keyring running, its login keyring locked, no prompter on the bus.
    private func keyringLocked() throws {
        // The probe matches nothing, so a locked keyring still answers it.
        let selection = try TokenStores.open(configDirectory: configDirectory, preference: "auto")
        XCTAssertEqual(selection.store.kind, .secretService, selection.reason)
        let store = selection.store
        expectError(.keyringFailure, containing: "locked", "storing in a locked keyring") {
            try store.save("user@contoso", "refresh")
        }
        // Reading an item of the locked keyring needs an unlock prompt that cannot be shown.
        bounded("reading from a locked keyring") {
            do {
                let value = try store.load("documented-key")
                XCTAssertNil(value, "a locked item was returned")
            } catch let error as TokenStoreError {
                XCTAssertTrue([.keyringFailure, .timedOut].contains(error.kind), "\(error)")
            } catch { XCTFail("\(error)") }
        }
    }

    /// The session bus goes away while the process uses the keyring: GDBus would raise SIGTERM
    /// in the process (exit-on-close); the store turns it into an error instead.
    private func busDies() throws {
        let store = SecretServiceStore(timeoutMilliseconds: 3000)
        try store.save("k", "v")
        XCTAssertEqual(try store.load("k"), "v")
        let pid = try XCTUnwrap(environment["M365_TEST_BUS_PID"].flatMap { Int32($0) })
        XCTAssertEqual(kill(pid, SIGTERM), 0)
        sleep(2)  // GDBus notices the closed connection on its own thread
        expectError(.keyringFailure, containing: "Cannot read 'k' from the Secret Service", "load after the bus died") { _ = try store.load("k") }
    }

    // MARK: No usable Secret Service

    /// A session bus on which nobody provides org.freedesktop.secrets.
    private func noProvider() throws {
        let selection = try bounded("auto") { try TokenStores.open(configDirectory: configDirectory, preference: nil) }
        XCTAssertEqual(selection.store.kind, .file)
        XCTAssertFalse(selection.store.canHoldCredentials)
        XCTAssertTrue(selection.reason.contains("not provided by any .service files"), selection.reason)
        XCTAssertTrue(selection.reason.hasSuffix(": using the file store"), selection.reason)

        expectError(.keyringFailure, containing: "M365_TOKEN_STORE=secret-service, but the Secret Service is not available", "forced") {
            _ = try TokenStores.open(configDirectory: configDirectory, preference: "secret-service")
        }
        let store = SecretServiceStore(timeoutMilliseconds: 1000)
        expectError(.keyringFailure, containing: "org.freedesktop.secrets", "load") { _ = try store.load("k") }
        expectError(.keyringFailure, containing: "org.freedesktop.secrets", "save") { try store.save("k", "v") }
        expectError(.keyringFailure, containing: "org.freedesktop.secrets", "remove") { try store.remove("k") }
    }

    /// gnome-keyring holds the bus name but is stopped (SIGSTOP): nothing answers.
    private func hungKeyring() throws {
        XCTAssertEqual(TokenStores.keyringTimeoutMilliseconds(), 1000, "the parent sets M365_KEYRING_TIMEOUT_MS=1000")
        let selection = try bounded("auto") { try TokenStores.open(configDirectory: configDirectory, preference: "auto") }
        XCTAssertEqual(selection.store.kind, .file)
        XCTAssertTrue(selection.reason.contains("the keyring did not answer within 1000 ms"), selection.reason)

        expectError(.timedOut, containing: "did not answer within 1000 ms", "forced") {
            _ = try TokenStores.open(configDirectory: configDirectory, preference: "secret-service")
        }
        let store = SecretServiceStore()
        expectError(.timedOut, containing: "did not answer within 1000 ms", "load") { _ = try store.load("k") }
        expectError(.timedOut, containing: "did not answer within 1000 ms", "save") { try store.save("k", "v") }
        expectError(.timedOut, containing: "did not answer within 1000 ms", "remove") { try store.remove("k") }
    }
}
