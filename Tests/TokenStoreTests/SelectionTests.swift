import Foundation
import TokenStore
import XCTest

/// Choosing the store. These run in this process with no session bus configured, so libsecret is
/// not even loaded (the bus is checked first), except by the test with a dead `bus` socket.
final class SelectionTests: XCTestCase {
    private var temporary: TemporaryDirectory!
    private var saved: [String: String?] = [:]
    private let variables = ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "M365_KEYRING_TIMEOUT_MS", "DISPLAY"]

    override func setUp() {
        temporary = TemporaryDirectory()
        for name in variables { saved[name] = getenv(name).map { String(cString: $0) } }
        // No bus: no address and a runtime directory without a `bus` socket.
        unsetenv("DBUS_SESSION_BUS_ADDRESS")
        unsetenv("DISPLAY")
        setenv("XDG_RUNTIME_DIR", temporary.path, 1)
    }

    override func tearDown() {
        for (name, value) in saved {
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
        temporary.remove()
    }

    func testPreferenceParsing() throws {
        XCTAssertEqual(try TokenStorePreference.parse(nil), .auto)
        XCTAssertEqual(try TokenStorePreference.parse(""), .auto)
        XCTAssertEqual(try TokenStorePreference.parse("auto"), .auto)
        XCTAssertEqual(try TokenStorePreference.parse(" File "), .file)
        XCTAssertEqual(try TokenStorePreference.parse("SECRET-SERVICE"), .secretService)
        for bad in ["keyring", "secret_service", "files", "auto,file"] {
            XCTAssertThrowsError(try TokenStorePreference.parse(bad)) { error in
                XCTAssertEqual((error as? TokenStoreError)?.kind, .invalidPreference)
                XCTAssertTrue("\(error)".contains("'\(bad)'"), "\(error)")
                XCTAssertTrue("\(error)".contains("auto, secret-service or file"), "\(error)")
            }
            XCTAssertThrowsError(try TokenStores.open(configDirectory: temporary.path, preference: bad))
        }
    }

    func testFileWhenAsked() throws {
        let selection = try TokenStores.open(configDirectory: temporary.path + "/m365", preference: "file")
        XCTAssertEqual(selection.store.kind, .file)
        XCTAssertEqual(selection.reason, "M365_TOKEN_STORE=file")
        XCTAssertEqual((selection.store as? FileTokenStore)?.path, temporary.path + "/m365/tokens.json")
    }

    func testNoSessionBusMeansTheFileStoreWithTheReason() throws {
        for preference in [nil, "", "auto"] as [String?] {
            let selection = try TokenStores.open(configDirectory: temporary.path, preference: preference)
            XCTAssertEqual(selection.store.kind, .file)
            XCTAssertEqual(selection.reason, "no D-Bus session bus: using the file store")
        }
    }

    func testForcedSecretServiceWithoutABusIsAnError() throws {
        let start = Date()
        XCTAssertThrowsError(try TokenStores.open(configDirectory: temporary.path, preference: "secret-service")) { error in
            XCTAssertEqual((error as? TokenStoreError)?.kind, .unavailable)
            XCTAssertTrue("\(error)".hasPrefix("M365_TOKEN_STORE=secret-service, but the Secret Service is not available: no D-Bus session bus"), "\(error)")
        }
        // The Secret Service store itself refuses up front too.
        XCTAssertThrowsError(try SecretServiceStore(timeoutMilliseconds: 1000).load("k")) { error in
            XCTAssertEqual((error as? TokenStoreError)?.kind, .unavailable)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
    }

    /// A `bus` socket in XDG_RUNTIME_DIR counts as a session bus (GDBus uses it).
    func testRuntimeDirectoryBusSocketCountsAsABus() throws {
        let socketPath = temporary.path + "/bus"
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(descriptor, 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, byte) in socketPath.utf8.enumerated() where i < buffer.count - 1 { buffer[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(bound, 0)
        // Nobody accepts on it, so the store is not chosen, but the reason is no longer "no bus".
        let selection = try TokenStores.open(configDirectory: temporary.path, preference: "auto", keyringTimeoutMilliseconds: 1000)
        XCTAssertEqual(selection.store.kind, .file)
        XCTAssertNotEqual(selection.reason, "no D-Bus session bus: using the file store")
        XCTAssertTrue(selection.reason.hasPrefix("the Secret Service is not available ("), selection.reason)
    }

    func testKeyringTimeoutFromTheEnvironment() {
        unsetenv("M365_KEYRING_TIMEOUT_MS")
        XCTAssertEqual(TokenStores.keyringTimeoutMilliseconds(), 3000)
        setenv("M365_KEYRING_TIMEOUT_MS", "250", 1)
        XCTAssertEqual(TokenStores.keyringTimeoutMilliseconds(), 250)
        XCTAssertEqual(SecretServiceStore().timeoutMilliseconds, 250)
        for bad in ["0", "-5", "soon", ""] {
            setenv("M365_KEYRING_TIMEOUT_MS", bad, 1)
            XCTAssertEqual(TokenStores.keyringTimeoutMilliseconds(), 3000, bad)
        }
    }
}
