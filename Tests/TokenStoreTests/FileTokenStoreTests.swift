import Foundation
import TokenStore
import XCTest

final class FileTokenStoreTests: XCTestCase {
    private var temporary: TemporaryDirectory!
    private var configDirectory: String { temporary.path + "/m365" }
    private var tokenFile: String { configDirectory + "/tokens.json" }

    override func setUp() { temporary = TemporaryDirectory() }
    override func tearDown() { temporary.remove() }

    func testRoundTripOverwriteAndRemove() throws {
        let store = FileTokenStore(configDirectory: configDirectory)
        XCTAssertEqual(store.kind, .file)
        XCTAssertFalse(store.canHoldCredentials, "the plaintext file must never hold passwords or client secrets")
        XCTAssertNil(try store.load("a"), "no file yet")
        try store.remove("a")  // nothing to remove is fine, and creates nothing
        XCTAssertFalse(FileManager.default.fileExists(atPath: tokenFile))

        try store.save("a", "one")
        try store.save("b", "{\"json\":\"é ✓\\n\",\"quote\":\"\\\"\"}")
        XCTAssertEqual(try store.load("a"), "one")
        try store.save("a", "two")
        XCTAssertEqual(try store.load("a"), "two")
        XCTAssertEqual(try store.load("b"), "{\"json\":\"é ✓\\n\",\"quote\":\"\\\"\"}")
        XCTAssertEqual(try store.keys(), ["a", "b"])

        // A second store object (another process) reads the same file.
        XCTAssertEqual(try FileTokenStore(configDirectory: configDirectory).load("a"), "two")

        try store.remove("a")
        XCTAssertNil(try store.load("a"))
        XCTAssertEqual(try store.keys(), ["b"])
    }

    func testTheDocumentedFormat() throws {
        try FileTokenStore(configDirectory: configDirectory).save("user@contoso", "secret")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: tokenFile))) as? [String: Any]
        XCTAssertEqual(json?["version"] as? Int, 1)
        XCTAssertEqual(json?["entries"] as? [String: String], ["user@contoso": "secret"])
    }

    func testFileIs0600AndDirectory0700() throws {
        let oldMask = umask(0)  // the widest umask: modes must not depend on it
        defer { umask(oldMask) }
        try FileTokenStore(configDirectory: configDirectory).save("k", "v")
        XCTAssertEqual(fileMode(tokenFile), 0o600)
        XCTAssertEqual(fileMode(configDirectory), 0o700)
        XCTAssertEqual(fileMode(configDirectory + "/tokens.lock"), 0o600)

        // An existing, too open directory and token file are made private on the next write.
        chmod(configDirectory, 0o755)
        chmod(tokenFile, 0o644)
        try FileTokenStore(configDirectory: configDirectory).save("k", "w")
        XCTAssertEqual(fileMode(tokenFile), 0o600)
        XCTAssertEqual(fileMode(configDirectory), 0o700)
    }

    /// A damaged file is moved aside (kept as it was, under `tokens.json.damaged-<time>`) and the
    /// store goes on empty: load, save and remove all work, and nothing unreadable is overwritten.
    func testDamagedFilesAreMovedAsideAndTheStoreGoesOn() throws {
        let store = FileTokenStore(configDirectory: configDirectory)
        try store.save("k", "v")
        let damaged = [
            "{\"version\":1,\"entries\":{\"k\":\"v\"",  // cut short
            "",
            "[]",
            "{\"entries\":{}}",
            "{\"version\":1,\"entries\":{\"k\":5}}",
            "{\"version\":1,\"entries\":[]}",
        ]
        for text in damaged {
            for (what, action) in [
                ("load", { XCTAssertNil(try store.load("k")) }),
                ("save", { try store.save("k", "new"); XCTAssertEqual(try store.load("k"), "new") }),
                ("remove", { try store.remove("k") }),
            ] as [(String, () throws -> Void)] {
                removeDamagedCopies()
                writeFile(tokenFile, text)
                XCTAssertNoThrow(try action(), "\(what) with '\(text)'")
                let copies = damagedCopies()
                XCTAssertEqual(copies.count, 1, "\(what) with '\(text)': \(copies)")
                XCTAssertEqual(copies.first.map { fileBytes(configDirectory + "/" + $0) }, Array(text.utf8), "\(what) lost the damaged file '\(text)'")
            }
        }
        removeDamagedCopies()

        // A newer format is not overwritten either.
        writeFile(tokenFile, "{\"version\":2,\"entries\":{}}")
        XCTAssertThrowsError(try store.save("k", "v")) { error in
            XCTAssertEqual((error as? TokenStoreError)?.kind, .damagedFile)
            XCTAssertTrue("\(error)".contains("version 2"), "\(error)")
        }
        XCTAssertEqual(fileBytes(tokenFile), Array("{\"version\":2,\"entries\":{}}".utf8))
    }

    private func damagedCopies() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: configDirectory)) ?? []).filter { $0.hasPrefix("tokens.json.damaged-") }
    }

    private func removeDamagedCopies() {
        for name in damagedCopies() { try? FileManager.default.removeItem(atPath: configDirectory + "/" + name) }
    }

    /// Readers never see a torn file while a writer replaces it (they would get damagedFile).
    func testReadersSeeOnlyCompleteFilesWhileWriting() throws {
        let store = FileTokenStore(configDirectory: configDirectory)
        let big = String(repeating: "x", count: 200_000)
        try store.save("k", "0" + big)
        let done = Atomic()
        let failures = Atomic()
        let reads = Atomic()
        let directory = configDirectory
        let reader = Thread {
            let reader = FileTokenStore(configDirectory: directory)
            while done.value == 0 {
                do {
                    guard let value = try reader.load("k"), value.count == big.count + 1, value.hasSuffix(big) else {
                        failures.add(1)
                        continue
                    }
                    reads.add(1)
                } catch {
                    failures.add(1)
                }
            }
            done.add(1)
        }
        reader.start()
        for round in 1...60 { try store.save("k", "\(round % 10)" + big) }
        done.add(1)
        while done.value < 2 { usleep(1000) }
        XCTAssertEqual(failures.value, 0, "a reader saw a partial or damaged file")
        XCTAssertGreaterThan(reads.value, 0)
    }

    /// A writer that died before its rename leaves a temporary file: readers ignore it and the
    /// next writer removes it; a finished write leaves nothing but the file and the lock.
    func testTemporaryFilesOfACrashedWriterAreIgnoredAndRemoved() throws {
        let store = FileTokenStore(configDirectory: configDirectory)
        try store.save("k", "committed")
        let leftover = configDirectory + "/.tokens.json.99999.tmp"
        writeFile(leftover, "{\"version\":1,\"entr")
        XCTAssertEqual(try store.load("k"), "committed")
        try store.save("k2", "v2")
        XCTAssertFalse(FileManager.default.fileExists(atPath: leftover))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: configDirectory).sorted(), ["tokens.json", "tokens.lock"])
        XCTAssertEqual(try store.load("k"), "committed")
    }
}

/// A counter shared between threads.
final class Atomic: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = 0
    var value: Int { lock.withLock { stored } }
    func add(_ amount: Int) { lock.withLock { stored += amount } }
}
