import Foundation
import TokenStore
import XCTest

/// The Secret Service store against a real gnome-keyring daemon in a private D-Bus session
/// started here. Each scenario runs in a child process (`TokenStoreWorker`), because GDBus and
/// libsecret bind a process to the first session bus they meet; this process never loads
/// libsecret.
final class SecretServiceTests: XCTestCase {
    private var session: PrivateSession!
    private var config: TemporaryDirectory!

    override func setUpWithError() throws {
        session = try PrivateSession()
        config = TemporaryDirectory("config")
    }

    override func tearDown() {
        session?.stop()
        config?.remove()
    }

    private func environment(timeout: Int = 3000) -> [String: String?] {
        var environment = session.clientEnvironment
        environment["M365_TEST_CONFIG_DIR"] = config.path
        environment["M365_KEYRING_TIMEOUT_MS"] = String(timeout)
        environment["M365_TOKEN_STORE"] = nil
        return environment
    }

    /// Store, look up, overwrite and clear through a real keyring; the item carries the documented
    /// schema, attributes and label; with the keyring locked, storing fails at once.
    func testRealKeyringRoundTripSchemaAndLockedKeyring() throws {
        try session.startKeyring(unlock: true)
        assertWorkerPassed(try runWorker("keyring-roundtrip", environment: environment()), "keyring-roundtrip")

        // The item the worker left, found on the bus by the documented attributes.
        let search = try XCTUnwrap(session.dbusSend([
            "--dest=org.freedesktop.secrets", "/org/freedesktop/secrets", "org.freedesktop.Secret.Service.SearchItems",
            "dict:string:string:application,m365,account,documented-key,xdg:schema,io.m365.Token",
        ]))
        let paths = search.split(separator: "\"").filter { $0.hasPrefix("/org/freedesktop/secrets/collection/") }
        XCTAssertEqual(paths.count, 1, search)
        let item = String(try XCTUnwrap(paths.first))
        XCTAssertFalse(item.contains("/collection/session/"), "stored in the session collection, lost at logout: \(item)")
        let label = try XCTUnwrap(session.dbusSend([
            "--dest=org.freedesktop.secrets", item, "org.freedesktop.DBus.Properties.Get",
            "string:org.freedesktop.Secret.Item", "string:Label",
        ]))
        XCTAssertTrue(label.contains("\"m365: documented-key\""), label)
        let attributes = try XCTUnwrap(session.dbusSend([
            "--dest=org.freedesktop.secrets", item, "org.freedesktop.DBus.Properties.Get",
            "string:org.freedesktop.Secret.Item", "string:Attributes",
        ]))
        XCTAssertFalse(attributes.contains("documented-secret"), "the secret is in the (unencrypted) attributes")

        // The keyring files live in the private data directory, never the user's.
        XCTAssertTrue(FileManager.default.fileExists(atPath: session.directory.path + "/data/keyrings/login.keyring"))

        // Restart the daemon without the password: the login keyring stays locked.
        session.stopKeyring()
        try session.startKeyring(unlock: false)
        assertWorkerPassed(try runWorker("keyring-locked", environment: environment()), "keyring-locked")
    }

    /// The bus dies under a process that used the keyring: later calls fail, the process lives.
    func testSessionBusGoingAwayIsAnErrorNotATermination() throws {
        try session.startKeyring(unlock: true)
        var environment = environment()
        environment["M365_TEST_BUS_PID"] = String(try XCTUnwrap(session.busPid))
        assertWorkerPassed(try runWorker("bus-dies", environment: environment), "bus-dies")
    }

    /// A bus without any Secret Service provider: auto falls back to the file store and says why;
    /// forcing the Secret Service is an error; every call fails fast.
    func testBusWithoutSecretServiceFailsFast() throws {
        let result = try runWorker("no-provider", environment: environment(timeout: 1000))
        assertWorkerPassed(result, "no-provider")
        XCTAssertLessThan(result.seconds, 60, "the whole scenario must not hang")
    }

    /// A keyring that holds the bus name but never answers (SIGSTOP): every call gives up after
    /// M365_KEYRING_TIMEOUT_MS instead of D-Bus's 25 s or forever.
    func testHungKeyringTimesOut() throws {
        try session.startKeyring(unlock: true)
        session.freezeKeyring()
        let result = try runWorker("hung", environment: environment(timeout: 1000))
        assertWorkerPassed(result, "hung")
        XCTAssertLessThan(result.seconds, 100, "the whole scenario must not hang")
    }
}
