import Foundation
import XCTest

/// The host's own commands through the real binary: version, settings, help, errors.
final class HostCommandTests: XCTestCase {
    var harness: Harness!

    override func setUpWithError() throws {
        harness = try Harness()
    }

    override func tearDown() {
        harness.cleanUp()
    }

    func testVersion() throws {
        let flag = try harness.run(["--version"])
        XCTAssertEqual(flag.status, 0)
        XCTAssertTrue(flag.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil, flag.stdout)
        let command = try harness.run(["version"])
        XCTAssertEqual(command.stdout, "\"v\(flag.stdout.dropLast())\"\n", "the CLI's form: v1.2.3")
        XCTAssertEqual(try harness.run(["version", "-o", "text"]).stdout, "v" + flag.stdout)
    }

    /// One version, from VERSION, for the host and every plugin shipped with it.
    func testVersionVerboseNamesEveryPluginsVersion() throws {
        let version = try releaseVersion()
        XCTAssertEqual(try harness.run(["--version"]).stdout, version + "\n")
        let verbose = try harness.run(["--version", "--verbose"])
        XCTAssertEqual(verbose.status, 0, verbose.stderr)
        let lines = verbose.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.hasPrefix("m365 \(version) (plugin ABI ") == true, verbose.stdout)
        for plugin in ["libm365-spo.so", "libm365-aad.so", "libm365-graph.so"] {
            XCTAssertTrue(lines.contains { $0.hasPrefix("\(plugin) \(version) (com.m365.") }, verbose.stdout)
        }
    }

    func testVersionWithOtherFlagsAndSilentErrorsWithOutputNone() throws {
        XCTAssertEqual(try harness.run(["--version", "--debug"]).status, 0)
        let silent = try harness.run(["nosuchcommand", "--output=none"])
        XCTAssertEqual(silent.status, 2)
        XCTAssertEqual(silent.stderr + silent.stdout, "")
    }

    func testConfigSetGetListReset() throws {
        XCTAssertEqual(try harness.run(["cli", "config", "get", "--key", "output"]).stdout, "\"json\"\n")
        XCTAssertEqual(try harness.run(["cli", "config", "set", "-k", "output", "-v", "text"]).status, 0)
        XCTAssertEqual(try harness.run(["cli", "config", "get", "--key", "output"]).stdout, "text\n", "the setting itself applies: text output")
        let file = harness.home.appendingPathComponent("m365/config.json")
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual(try harness.run(["cli", "config", "set", "-k", "csvHeader", "-v", "false"]).status, 0)
        let list = try harness.run(["cli", "config", "list", "-o", "json"])
        XCTAssertEqual(try list.json() as? NSDictionary, ["output": "text", "csvHeader": false] as NSDictionary)
        XCTAssertEqual(try harness.run(["cli", "config", "reset", "--key", "output"]).status, 0)
        XCTAssertEqual(try harness.run(["cli", "config", "get", "--key", "output"]).stdout, "\"json\"\n")
        XCTAssertEqual(try harness.run(["cli", "config", "reset"]).status, 0)
        XCTAssertEqual(try harness.run(["cli", "config", "list"]).stdout, "{}\n")
    }

    func testConfigRejectsBadKeysAndValues() throws {
        let key = try harness.run(["cli", "config", "set", "--key", "outptu", "--value", "text"])
        XCTAssertEqual(key.status, 2)
        XCTAssertTrue(key.stderr.contains("'outptu' is not a setting. Did you mean 'output'?"), key.stderr)
        let value = try harness.run(["cli", "config", "set", "--key", "output", "--value", "yaml"])
        XCTAssertEqual(value.status, 2)
        XCTAssertTrue(value.stderr.contains("Setting 'output' must be one of json, text, csv, md, none; got 'yaml'"), value.stderr)
    }

    /// A damaged settings file is moved aside (kept, never overwritten) with a warning, and the
    /// command goes on as if there were none.
    func testDamagedConfigIsMovedAsideNotOverwritten() throws {
        let file = harness.home.appendingPathComponent("m365/config.json")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "{ not json".write(to: file, atomically: true, encoding: .utf8)
        let result = try harness.run(["cli", "config", "set", "--key", "output", "--value", "text"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("Warning: \(file.path) was damaged ("), result.stderr)
        let aside = try FileManager.default.contentsOfDirectory(atPath: file.deletingLastPathComponent().path).filter { $0.hasPrefix("config.json.damaged-") }
        XCTAssertEqual(aside.count, 1)
        XCTAssertEqual(try String(contentsOf: file.deletingLastPathComponent().appendingPathComponent(aside[0]), encoding: .utf8), "{ not json")
        XCTAssertEqual(try harness.run(["cli", "config", "get", "--key", "output", "-o", "json"]).stdout, "\"text\"\n")
    }

    func testErrorOutputSettings() throws {
        XCTAssertEqual(try harness.run(["cli", "config", "set", "--key", "printErrorsAsPlainText", "--value", "false"]).status, 0)
        let json = try harness.run(["nosuchcommand"])
        XCTAssertEqual(json.status, 2)
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(json.stderr.utf8)) as? [String: String])?["error"]?.hasPrefix("Command 'nosuchcommand' was not found"), true, json.stderr)
        XCTAssertEqual(try harness.run(["cli", "config", "set", "--key", "errorOutput", "--value", "stdout"]).status, 0)
        let text = try harness.run(["nosuchcommand", "-o", "text"])
        XCTAssertTrue(text.stdout.hasPrefix("Error: Command 'nosuchcommand' was not found."), text.stdout)
        XCTAssertEqual(text.stderr, "")
    }

    func testHelpAndExitCodes() throws {
        let root = try harness.run(["--help"])
        XCTAssertEqual(root.status, 0)
        for expected in ["Usage: m365 <command> [options]", "cli config set", "plugin list", "spo", "entra", "(alias: aad)", "graph", "Global options:"] {
            XCTAssertTrue(root.stdout.contains(expected), "missing '\(expected)':\n\(root.stdout)")
        }
        XCTAssertEqual(try harness.run([]).stdout, root.stdout)
        let codes = try harness.run(["help", "exit-codes"])
        XCTAssertTrue(codes.stdout.contains("130  cancelled with Ctrl-C"), codes.stdout)
        let group = try harness.run(["cli", "config"])
        XCTAssertEqual(group.status, 0)
        XCTAssertTrue(group.stdout.contains("m365 cli config set"), group.stdout)
    }

    /// As the CLI with the `prompt` setting on: a missing required option is asked for on a
    /// terminal (here a pseudo-terminal from script(1)); without one it is a usage error.
    func testAMissingRequiredOptionIsAskedForOnATerminal() throws {
        let script = Process()
        script.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        script.arguments = ["-qec", "'\(harness.binary.path)' cli config get", "/dev/null"]
        script.environment = harness.environment
        let input = Pipe(), output = Pipe()
        script.standardInput = input
        script.standardOutput = output
        try script.run()
        input.fileHandleForWriting.write(Data("output\n".utf8))
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        script.waitUntilExit()
        XCTAssertEqual(script.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("Provide values for the following parameters:"), text)
        XCTAssertTrue(text.contains("key: "), text)
        XCTAssertTrue(text.contains("\"json\""), text)
        let piped = try harness.run(["cli", "config", "get"])
        XCTAssertEqual(piped.status, 2)
        XCTAssertTrue(piped.stderr.hasPrefix("Error: Required option --key not specified"), piped.stderr)
    }

    func testServiceCommandsProvidedByTheHost() throws {
        let status = try harness.run(["spo", "status", "-o", "text"])
        XCTAssertEqual(status.stdout, "Logged out\n")
        // Connecting needs an app id; without one the error says where to put it.
        let connect = try harness.run(["aad", "connect"])
        XCTAssertEqual(connect.status, 2)
        XCTAssertTrue(connect.stderr.hasPrefix("Error: No app id: pass --appId"), connect.stderr)
    }
}

/// The version in the repository's VERSION file.
func releaseVersion() throws -> String {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return try String(contentsOf: root.appendingPathComponent("VERSION"), encoding: .utf8)
        .trimmingCharacters(in: .whitespacesAndNewlines)
}
