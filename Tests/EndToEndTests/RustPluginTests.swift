import Foundation
import XCTest

/// The second example plugin, in Rust with no crates (Examples/rust-plugin), compiled with
/// `rustc --crate-type cdylib` and loaded through the real loader: it shows the ABI is usable
/// from another language with nothing but the header's documentation.
final class RustPluginTests: XCTestCase {
    var harness: Harness!
    var plugin: URL!

    /// rustc from PATH (scripts/deps.sh installs Debian's when missing), else rustup's.
    static func rustc() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let candidates = path.split(separator: ":").map { "\($0)/rustc" } + [NSHomeDirectory() + "/.cargo/bin/rustc"]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw HarnessError("rustc is not installed: `bash scripts/deps.sh test` installs it")
        }
        return found
    }

    override func setUpWithError() throws {
        harness = try Harness()
        let directory = harness.root.appendingPathComponent("rust")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        plugin = directory.appendingPathComponent("libm365-greetings.so")
        // The build line the example's header comment gives.
        try Harness.runTool(try Self.rustc(), ["--edition", "2021", "--crate-type", "cdylib", "-O", "-o", plugin.path,
                                               Harness.packageRoot + "/Examples/rust-plugin/greetings.rs"])
        harness.environment["M365_PLUGIN_PATH"] = directory.path
    }

    override func tearDown() {
        harness.cleanUp()
    }

    func testTheRustPluginServesItsCommandsInEveryFormat() throws {
        let text = try harness.run(["greetings", "hello", "--name", "Ada \"L\"", "--times", "2", "--output", "text"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertEqual(text.stdout, """
            number  text           
            ------  ---------------
            1       Hello, Ada "L"!
            2       Hello, Ada "L"!


            """)
        let json = try harness.run(["greetings", "hello", "-n", "Zoë 😀"])
        XCTAssertEqual(json.status, 0, json.stderr)
        XCTAssertEqual(json.stdout, "[\n  {\n    \"number\": 1,\n    \"text\": \"Hello, Zoë 😀!\"\n  }\n]\n")
        let csv = try harness.run(["greetings", "hello", "-n", "Bo", "--times", "3", "-o", "csv", "--query", "[?number > `1`]"])
        XCTAssertEqual(csv.stdout, "number,text\n2,\"Hello, Bo!\"\n3,\"Hello, Bo!\"\n\n")

        let version = try harness.run(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let about = try harness.run(["greetings", "about"])
        XCTAssertEqual(about.status, 0, about.stderr)
        let object = try XCTUnwrap(try about.json() as? [String: String])
        XCTAssertEqual(object, ["plugin": "com.example.greetings", "language": "Rust", "host": "m365", "hostVersion": version, "hostABI": "1.\(Harness.abiMinor)"])
    }

    func testItsFailuresAreOneLineWithTheDocumentedExitCode() throws {
        let result = try harness.run(["greetings", "hello", "--name", "Ada", "--times", "0"])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stdout, "")
        XCTAssertEqual(result.stderr, "Error: --times must be a whole number from 1 to 1000; got 0\nRun 'm365 greetings hello -h' for help.\n")
        let missing = try harness.run(["greetings", "hello"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("Required option --name not specified"), missing.stderr)
    }

    func testItIsListedAndPassesEveryCheck() throws {
        let list = try XCTUnwrap(try harness.run(["plugin", "list"]).json() as? [[String: Any]])
        let row = try XCTUnwrap(list.first { $0["file"] as? String == "libm365-greetings.so" })
        XCTAssertEqual(row["status"] as? String, "available")
        XCTAssertEqual(row["vendor"] as? String, "Example Corp")
        let check = try harness.run(["plugin", "check", plugin.path, "--query", "[?result == 'passed'] | length(@)"])
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertEqual(check.stdout, "9\n")
    }
}
