import Foundation
import XCTest

/// The third-party plugin in plain C (Examples/c-plugin), compiled with cc and loaded through the
/// real loader from a temporary plugin directory: options of every type, validation, output in
/// every format, --query, help and completion.
final class CPluginTests: XCTestCase {
    var harness: Harness!

    override func setUpWithError() throws {
        harness = try Harness()
        let directory = harness.root.appendingPathComponent("third-party")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        try Harness.compileCPlugin(into: directory)
        harness.environment["M365_PLUGIN_PATH"] = directory.path
    }

    override func tearDown() {
        harness.cleanUp()
    }

    private func ok(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Harness.Result {
        let result = try harness.run(arguments)
        XCTAssertEqual(result.status, 0, "m365 \(arguments.joined(separator: " ")): \(result.stderr)", file: file, line: line)
        return result
    }

    private func fails(_ arguments: [String], code: Int32 = 2, _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try harness.run(arguments)
        XCTAssertEqual(result.status, code, "m365 \(arguments.joined(separator: " ")): \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("Error: "), result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.contains(message), "expected '\(message)' in: \(result.stderr)", file: file, line: line)
        XCTAssertEqual(result.stdout, "", file: file, line: line)
    }

    // MARK: Options

    func testStringNumberBooleanAndEnumOptions() throws {
        let list = try ok(["widgets", "list", "--color", "red", "--limit", "1"])
        XCTAssertEqual(list.stdout, """
        [
          {
            "id": 1,
            "name": "Sprocket",
            "color": "red",
            "price": 2.5,
            "inStock": true
          }
        ]

        """)
        // --name=value, short aliases, enum case-insensitively, a bare boolean.
        let names = try ok(["widgets", "list", "-c=RED", "--inStock", "--query", "[].name"])
        XCTAssertEqual(try names.json() as? [String], ["Sprocket", "Grommet"])
        // A boolean with an explicit value, and --no-… negation.
        XCTAssertEqual(try ok(["widgets", "list", "--inStock", "false", "--query", "length(@)"]).stdout, "4\n")
        XCTAssertEqual(try ok(["widgets", "list", "--no-inStock", "--query", "length(@)"]).stdout, "4\n")
        let get = try ok(["widgets", "get", "-i", "2"])
        XCTAssertEqual((try get.json() as? [String: Any])?["name"] as? String, "Flange")
    }

    func testDefaultsAndUnknownOptionsReachThePlugin() throws {
        let added = try ok(["widgets", "add", "--name", "Cog", "--Weight", "12 kg", "--Origin=NL"])
        let object = try XCTUnwrap(try added.json() as? [String: Any])
        XCTAssertEqual(object["name"] as? String, "Cog")
        XCTAssertEqual(object["price"] as? Double, 1)
        XCTAssertEqual(object["color"] as? String, "red")
        XCTAssertEqual(object["inStock"] as? Bool, false)
        XCTAssertEqual(object["properties"] as? [String: String], ["Weight": "12 kg", "Origin": "NL"])
        // Key order is kept as the plugin wrote it.
        XCTAssertTrue(added.stdout.range(of: "\"id\"")!.lowerBound < added.stdout.range(of: "\"name\"")!.lowerBound)
    }

    func testValuesFromFiles() throws {
        let file = harness.root.appendingPathComponent("name.txt")
        try "Sprocket".write(to: file, atomically: true, encoding: .utf8)
        let get = try ok(["widgets", "get", "--name", "@" + file.path])
        XCTAssertEqual((try get.json() as? [String: Any])?["id"] as? Int, 1)
        try fails(["widgets", "get", "--name", "@/no/such/file"], "Cannot read the option value from a file")
    }

    func testBadInputIsRefusedBeforeThePluginRuns() throws {
        try fails(["widgets", "list", "--limit", "many"], "Option --limit takes a number; got 'many'")
        try fails(["widgets", "list", "--color", "purple"], "Option --color must be one of red, green, blue; got 'purple'")
        try fails(["widgets", "list", "--inStock=maybe"], "Option --inStock takes true or false; got 'maybe'")
        try fails(["widgets", "add"], "Required option --name not specified")
        try fails(["widgets", "get"], "Specify one of --id, --name")
        try fails(["widgets", "get", "--id", "1", "--name", "Flange"], "Specify only one of --id, --name")
        try fails(["widgets", "list", "--colour", "red"], "Invalid option '--colour'. Did you mean '--color'?")
        try fails(["widgets", "list", "--limit"], "Option --limit needs a value")
        try fails(["widgets", "list", "--limit", "1", "--limit", "2"], "Option --limit is given more than once")
        try fails(["widgets", "list", "--output", "yaml"], "Option --output must be one of json, text, csv, md, none; got 'yaml'")
        // Usage errors point to the command's help.
        let result = try harness.run(["widgets", "list", "--limit", "many"])
        XCTAssertTrue(result.stderr.contains("Run 'm365 widgets list -h' for help."), result.stderr)
    }

    func testPluginFailuresAreOneLineErrors() throws {
        try fails(["widgets", "get", "--name", "Nope"], code: 1, "Widget 'Nope' was not found")
        try fails(["widgets", "list", "--limit", "-1"], "--limit must not be negative")
    }

    func testUnknownCommandsSuggestTheNearest() throws {
        try fails(["widgets", "lst"], "Command 'widgets lst' was not found. Did you mean: m365 widgets list?")
        try fails(["widgetz", "list"], "Command 'widgetz list' was not found. Did you mean: m365 widgets list?")
    }

    // MARK: Output

    func testTextOutput() throws {
        // Laid out as easy-table does (every cell padded), then a blank line, like CLI for Microsoft 365.
        let table = try ok(["widgets", "list", "--output", "text"])
        XCTAssertEqual(table.stdout, [
            "id  name      color",
            "--  --------  -----",
            "1   Sprocket  red  ",
            "2   Flange    green",
            "3   Gasket    blue ",
            "4   Grommet   red  ",
            "", "",
        ].joined(separator: "\n"))
        let object = try ok(["widgets", "get", "--id", "3", "-o", "text"])
        XCTAssertEqual(object.stdout, [
            "color  : blue", "id     : 3", "inStock: true", "name   : Gasket", "price  : 0.75", "", "",
        ].joined(separator: "\n"))
        // A query that reshapes the items turns the default properties off.
        let reshaped = try ok(["widgets", "list", "-o", "text", "--query", "[?color=='red'].{n: name, p: price}"])
        XCTAssertEqual(reshaped.stdout, ["n         p   ", "--------  ----", "Sprocket  2.5 ", "Grommet   1.25", "", ""].joined(separator: "\n"))
    }

    func testCsvMarkdownAndNone() throws {
        let csv = try ok(["widgets", "list", "--color", "red", "-o", "csv"])
        XCTAssertEqual(csv.stdout, "id,name,color,price,inStock\n1,Sprocket,red,2.5,1\n4,Grommet,red,1.25,1\n\n")
        let md = try ok(["widgets", "get", "--id", "1", "-o", "md"])
        XCTAssertTrue(md.stdout.hasPrefix("# m365 widgets get --id 1 -o md\n\nDate: "), md.stdout)
        XCTAssertTrue(md.stdout.contains("Property | Value\n---------|-------\n"), md.stdout)
        XCTAssertTrue(md.stdout.contains("name | Sprocket\n"), md.stdout)
        let none = try ok(["widgets", "list", "-o", "none"])
        XCTAssertEqual(none.stdout, "")
    }

    func testQueryErrorsAreClear() throws {
        try fails(["widgets", "list", "--query", "[?name=="], "JMESPath query error")
    }

    // MARK: Help and completion

    func testHelp() throws {
        let root = try ok(["--help"])
        XCTAssertTrue(root.stdout.contains("widgets"), root.stdout)
        XCTAssertTrue(root.stdout.contains("Example Corp widgets (a plugin written in C)"), root.stdout)
        let service = try ok(["widgets", "-h"])
        XCTAssertTrue(service.stdout.contains("m365 widgets list"), service.stdout)
        XCTAssertFalse(service.stdout.contains("m365 widgets connect"), "signIn false: no connect")
        let command = try ok(["widgets", "list", "-h"])
        XCTAssertEqual(command.stdout, try ok(["help", "widgets", "list"]).stdout)
        for expected in ["Usage: m365 widgets list [options]", "-c, --color <red|green|blue>", "--limit <number>",
                         "--inStock", "Global options:", "--query <query>"] {
            XCTAssertTrue(command.stdout.contains(expected), "missing '\(expected)' in:\n\(command.stdout)")
        }
        // The CLI's helpMode: options (the default) leaves the examples out, examples shows only
        // them, full everything; helpTarget web names (and opens) the command's page instead.
        XCTAssertFalse(command.stdout.contains("m365 widgets list --color red --output text"), command.stdout)
        XCTAssertTrue(command.stdout.contains("Examples: set the helpMode setting to examples or full"), command.stdout)
        _ = try ok(["cli", "config", "set", "--key", "helpMode", "--value", "full"])
        let full = try ok(["widgets", "list", "-h"]).stdout
        for expected in ["--limit <number>", "Examples:", "m365 widgets list --color red --output text"] {
            XCTAssertTrue(full.contains(expected), "missing '\(expected)' in:\n\(full)")
        }
        _ = try ok(["cli", "config", "set", "--key", "helpMode", "--value", "examples"])
        let examples = try ok(["widgets", "list", "-h"]).stdout
        XCTAssertTrue(examples.contains("m365 widgets list --color red --output text"), examples)
        XCTAssertFalse(examples.contains("--limit <number>"), examples)
        _ = try ok(["cli", "config", "set", "--key", "helpTarget", "--value", "web"])
        let web = try harness.run(["widgets", "list", "-h"], environment: ["BROWSER": "/bin/true"])
        XCTAssertEqual(web.stdout, "https://pnp.github.io/cli-microsoft365/cmd/widgets/widgets-list\n")
        _ = try ok(["cli", "config", "reset"])
        let add = try ok(["widgets", "add", "--help"])
        XCTAssertTrue(add.stdout.contains("(required)"), add.stdout)
        XCTAssertTrue(add.stdout.contains("default: red"), add.stdout)
        XCTAssertTrue(add.stdout.contains("takes options it does not declare"), add.stdout)
        let get = try ok(["widgets", "get", "-h"])
        XCTAssertTrue(get.stdout.contains("Specify exactly one of: --id, --name"), get.stdout)
    }

    func testCompletion() throws {
        for shell in ["bash", "zsh", "fish"] {
            let script = try ok(["cli", "completion", shell])
            XCTAssertTrue(script.stdout.contains("m365 __complete"), script.stdout)
        }
        XCTAssertEqual(try ok(["__complete", "--", "wid"]).stdout, "widgets\n")
        XCTAssertEqual(try ok(["__complete", "widgets", "--", ""]).stdout, "list\nget\nadd\nme\n")
        XCTAssertEqual(try ok(["__complete", "widgets", "list", "--", "--c"]).stdout, "--color\n")
        XCTAssertEqual(try ok(["__complete", "widgets", "list", "--color", "--", "g"]).stdout, "green\n")
        // A real bash, sourcing the script, completes through the binary.
        let bash = try harness.run(["cli", "completion", "bash"])
        let script = harness.root.appendingPathComponent("completion.bash")
        try bash.stdout.write(to: script, atomically: true, encoding: .utf8)
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/bin/bash")
        probe.arguments = ["-c", "source \(script.path); COMP_WORDS=(m365 widgets li); COMP_CWORD=2; _m365_complete; echo \"${COMPREPLY[@]}\""]
        var environment = harness.environment
        environment["PATH"] = harness.binary.deletingLastPathComponent().path + ":/usr/bin:/bin"
        probe.environment = environment
        let out = Pipe()
        probe.standardOutput = out
        try probe.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        probe.waitUntilExit()
        XCTAssertEqual(text, "list\n")
    }
}
