import ArgumentParsing
import CommandModel
import JSONModel
import XCTest

/// The parser against a catalog built in memory: routes, option forms, types and validation.
final class ArgumentParserTests: XCTestCase {
    let list = CommandSpec(
        words: ["list", "get"], aliases: [["list", "show"]], description: "Gets a list",
        options: [
            OptionSpec(name: "webUrl", short: "u", required: true),
            OptionSpec(name: "id", short: "i"),
            OptionSpec(name: "title", short: "t"),
            OptionSpec(name: "top", type: .number, defaultValue: 10),
            OptionSpec(name: "force", short: "f", type: .boolean),
            OptionSpec(name: "type", type: .enum, allowed: ["Public", "Private"]),
            OptionSpec(name: "body", readsFileReferences: false),
        ],
        optionSets: [OptionSetSpec(options: ["id", "title"])])
    let request = CommandSpec(words: ["item", "add"], options: [OptionSpec(name: "url", positional: true),
                                                                OptionSpec(name: "attachment", repeatable: true)], acceptsUnknownOptions: true)

    var catalog: CommandCatalog {
        CommandCatalog(
            rootCommands: [CommandSpec(words: ["version"])],
            services: [.init(spec: ServiceSpec(name: "spo", aliases: ["sharepoint"], commands: [list, request]), owner: .plugin(path: "/x"))])
    }

    func parse(_ arguments: [String], files: [String: String] = [:]) throws -> (CommandRoute, JSONObject, GlobalOptions) {
        let parser = ArgumentParser(catalog: catalog) { path throws(UsageError) in
            guard let text = files[path] else { throw UsageError("no file \(path)") }
            return text
        }
        guard case .run(let route, let options, let global) = try parser.parse(arguments) else {
            throw UsageError("not a run")
        }
        return (route, options, global)
    }

    func error(_ arguments: [String]) -> String {
        do {
            _ = try parse(arguments)
            return "no error"
        } catch {
            return (error as? UsageError)?.description ?? "\(error)"
        }
    }

    func testOptionFormsAndTypes() throws {
        let (route, options, global) = try parse(["spo", "list", "get", "-u", "https://x", "--id=3", "--top", "5", "-f", "--type", "private", "-o", "text", "--debug"])
        XCTAssertEqual(route.fullName, "spo list get")
        XCTAssertEqual(options, JSONObject([("webUrl", "https://x"), ("id", "3"), ("top", 5), ("force", true), ("type", "Private")]))
        XCTAssertEqual(Array(options.keys), ["webUrl", "id", "top", "force", "type"], "declaration order")
        XCTAssertEqual(global.output, "text")
        XCTAssertTrue(global.debug)
    }

    func testAliasesDefaultsAndBooleans() throws {
        let (route, options, _) = try parse(["sharepoint", "list", "show", "--webUrl", "u", "--title", "T", "--force", "false"])
        XCTAssertEqual(route.command.words, ["list", "get"])
        XCTAssertEqual(options["top"], 10)
        XCTAssertEqual(options["force"], false)
        XCTAssertEqual(try parse(["spo", "list", "get", "-u", "u", "-t", "x", "--no-force"]).1["force"], false)
    }

    func testGlobalOptionsBeforeTheCommand() throws {
        let (route, _, global) = try parse(["--output", "csv", "spo", "list", "get", "-u", "u", "-i", "1"])
        XCTAssertEqual(route.fullName, "spo list get")
        XCTAssertEqual(global.output, "csv")
    }

    func testFileReferences() throws {
        let (_, options, _) = try parse(["spo", "list", "get", "-u", "@url.txt", "-t", "@@literal", "--body", "@raw"], files: ["url.txt": "https://from-file"])
        XCTAssertEqual(options["webUrl"], "https://from-file")
        XCTAssertEqual(options["title"], "@literal")
        XCTAssertEqual(options["body"], "@raw", "an option may opt out of @file")
        XCTAssertEqual(error(["spo", "list", "get", "-u", "@missing", "-i", "1"]), "no file missing")
    }

    func testPositionalAndUnknownOptions() throws {
        let (_, options, _) = try parse(["spo", "item", "add", "https://site", "--Title", "Hello", "--Count=3"])
        XCTAssertEqual(options, JSONObject([("url", "https://site"), ("Title", "Hello"), ("Count", "3")]))
        XCTAssertEqual(error(["spo", "item", "add", "a", "b"]), "Unexpected argument 'b': --url is already set")
    }

    func testValidationErrors() {
        XCTAssertEqual(error(["spo", "list", "get", "-i", "1"]), "Required option --webUrl not specified")
        XCTAssertEqual(error(["spo", "list", "get", "-u", "u"]), "Specify one of --id, --title")
        XCTAssertEqual(error(["spo", "list", "get", "-u", "u", "-i", "1", "-t", "x"]), "Specify only one of --id, --title; got --id, --title")
        XCTAssertEqual(error(["spo", "list", "get", "-u", "u", "-i", "1", "--top", "ten"]), "Option --top takes a number; got 'ten'")
        XCTAssertEqual(error(["spo", "list", "get", "-u", "u", "-i", "1", "--type", "Secret"]), "Option --type must be one of Public, Private; got 'Secret'")
        XCTAssertEqual(error(["spo", "list", "get", "-u", "u", "-i", "1", "--tittle", "x"]), "Invalid option '--tittle'. Did you mean '--title'?")
        XCTAssertEqual(error(["spo", "list", "gte"]), "Command 'spo list gte' was not found. Did you mean: m365 spo list get?")
        XCTAssertEqual(error(["spo", "list", "get", "-u", "u", "-i", "1", "-i", "2"]), "Option --id is given more than once")
        XCTAssertEqual(error(["spo", "list", "get", "-u"]), "Option --webUrl needs a value")
    }

    /// A repeatable option: once a string, more than once an array in the order given (also
    /// read from files); the descriptor keeps the flag, and only string options may have it.
    func testARepeatableOptionCollectsItsValues() throws {
        XCTAssertEqual(try parse(["spo", "item", "add", "u", "--attachment", "a"]).1["attachment"], "a")
        XCTAssertEqual(try parse(["spo", "item", "add", "u", "--attachment", "a", "--attachment", "@f", "--attachment", "c"], files: ["f": "b"]).1["attachment"],
                       .array(["a", "b", "c"]))
        let descriptor = PluginDescriptor(services: [ServiceSpec(name: "spo", commands: [request])])
        XCTAssertEqual(try PluginDescriptor.decode(descriptor.json), descriptor, "the flag survives the index's round trip")
        XCTAssertTrue(descriptor.json.serialized().contains("\"repeatable\":true"), descriptor.json.serialized())
        XCTAssertThrowsError(try PluginDescriptor.decode(text: #"{"schema":1,"services":[{"name":"a","commands":[{"name":"x","options":[{"name":"n","type":"number","repeatable":true}]}]}]}"#))
        XCTAssertTrue(HelpRenderer.command(CommandRoute(service: ServiceSpec(name: "spo"), command: request, owner: .plugin(path: "/x")))
            .contains("(may be given more than once)"))
    }

    func testNegativeNumbersAreValues() throws {
        XCTAssertEqual(try parse(["spo", "list", "get", "-u", "u", "-i", "1", "--top", "-3"]).1["top"], -3)
    }

    func testIdsStartingWithADashAndADigitAreValues() throws {
        XCTAssertEqual(try parse(["spo", "list", "get", "-u", "u", "-i", "-91xgrP0uBFZ"]).1["id"], "-91xgrP0uBFZ")
        XCTAssertEqual(try parse(["spo", "list", "get", "-u", "u", "-i", "-Td6xOtmsqux7-sz"]).1["id"], "-Td6xOtmsqux7-sz")
        XCTAssertEqual(error(["spo", "list", "get", "-u", "-t", "x"]), "Option --webUrl needs a value", "a letter after the dash is an option")
    }

    func testHelpAndGroups() throws {
        let parser = ArgumentParser(catalog: catalog) { _ throws(UsageError) in "" }
        guard case .commandHelp(let route, _) = try parser.parse(["spo", "list", "get", "-h"]) else { return XCTFail("help") }
        XCTAssertEqual(route.fullName, "spo list get")
        guard case .groupHelp(let words, _, let children, _) = try parser.parse(["spo", "list"]) else { return XCTFail("group") }
        XCTAssertEqual(words, ["spo", "list"])
        XCTAssertEqual(children.map(\.fullName), ["spo list get"])
    }

    func testSuggestions() {
        XCTAssertEqual(nearest("lsit", among: ["list", "site", "web"]), ["list", "site"])
        XCTAssertEqual(editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(nearest("zzzzzz", among: ["list"]), [])
    }

    func testCompletionCandidates() {
        XCTAssertEqual(Completion.candidates(catalog: catalog, previous: [], current: "s"), ["spo", "sharepoint"])
        XCTAssertEqual(Completion.candidates(catalog: catalog, previous: ["spo"], current: ""), ["list", "item"])
        XCTAssertEqual(Completion.candidates(catalog: catalog, previous: ["spo", "list", "get", "--type"], current: "P"), ["Public", "Private"])
        XCTAssertEqual(Completion.candidates(catalog: catalog, previous: ["spo", "list", "get", "--webUrl", "u"], current: "--t"), ["--title", "--top", "--type"])
    }
}
