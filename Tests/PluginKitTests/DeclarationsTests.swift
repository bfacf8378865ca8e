@testable import PluginKit
import XCTest

final class DeclarationsTests: XCTestCase {
    // MARK: isGUID

    func testGUIDs() {
        for text in ["4a1b2c3d-0000-4000-8000-00000000abcd", "4A1B2C3D-AAAA-BBBB-CCCC-DDDDEEEEFFFF", "00000000-0000-0000-0000-000000000000"] {
            XCTAssertTrue(isGUID(text), text)
        }
    }

    func testNotGUIDs() {
        let texts = [
            "", "-", "----", "not a guid",
            "4a1b2c3d00004000800000000000abcd",          // no dashes
            "{4a1b2c3d-0000-4000-8000-00000000abcd}",     // braces
            "4a1b2c3d-0000-4000-8000-00000000abcg",       // a non-hex digit
            "4a1b2c3d-0000-4000-8000-00000000abc",        // a group too short
            "4a1b2c3d-0000-4000-8000-00000000abcde",      // a group too long
            "4a1b2c3d0-000-4000-8000-00000000abcd",       // groups of the wrong widths
            "4a1b2c3d-0000-4000-8000-0000-0000abcd",      // six groups
            "4a1b2c3d--0000-4000-800000000000abcd",       // an empty group
            " 4a1b2c3d-0000-4000-8000-00000000abcd",      // surrounding space
            "4a1b2c3d-0000-4000-8000-00000000abcd\n",
            "4a1b2c3d-0000-4000-8000-00000000abc+",
            "ａａａａａａａａ-0000-4000-8000-00000000abcd",   // full-width letters are hex digits to Swift, not to a GUID
        ]
        for text in texts { XCTAssertFalse(isGUID(text), text.debugDescription) }
    }

    // MARK: Declarations

    func testForceOption() {
        XCTAssertEqual(forceOption, OptionSpec(name: "force", short: "f", type: .boolean, description: "Do not ask for confirmation"))
    }

    func testCommandSpecFromItsFacts() {
        let options = [OptionSpec(name: "id", short: "i", description: "ID"), OptionSpec(name: "title", short: "t", description: "Title"),
                       OptionSpec(name: "force", short: "f", type: .boolean, description: "Force")]
        let spec = commandSpec(
            "list item remove", "Removes a list item",
            aliases: ["listitem remove", "li  rm"], options: options, sets: [["id", "title"], ["force"]],
            unknownOptions: true, defaults: ["Id", "Title"],
            examples: [("Remove by id", "m365 spo list item remove --id 1"), ("Remove by title", "m365 spo list item remove --title A")])
        XCTAssertEqual(spec.words, ["list", "item", "remove"])
        XCTAssertEqual(spec.name, "list item remove")
        XCTAssertEqual(spec.aliases, [["listitem", "remove"], ["li", "rm"]], "repeated spaces make no empty words")
        XCTAssertEqual(spec.description, "Removes a list item")
        XCTAssertEqual(spec.options, options)
        XCTAssertEqual(spec.optionSets, [OptionSetSpec(options: ["id", "title"]), OptionSetSpec(options: ["force"])])
        XCTAssertTrue(spec.acceptsUnknownOptions)
        XCTAssertEqual(spec.defaultProperties, ["Id", "Title"])
        XCTAssertEqual(spec.examples, [
            ExampleSpec(description: "Remove by id", command: "m365 spo list item remove --id 1"),
            ExampleSpec(description: "Remove by title", command: "m365 spo list item remove --title A"),
        ])
        XCTAssertEqual(spec.option(short: "t")?.name, "title")
    }

    func testRepeatedOptionReadsAsOneStringOrAList() {
        let spec = commandSpec("mail send", "Sends", options: [OptionSpec(name: "to", description: "To", repeatable: true)])
        let options = Options(["to": ["a@contoso.com", "b@contoso.com,c@contoso.com"]], spec: spec)
        XCTAssertEqual(options.string(OptionKey<String>("to")), "a@contoso.com,b@contoso.com,c@contoso.com")
        XCTAssertEqual(options.list(OptionKey<String>("to")), ["a@contoso.com", "b@contoso.com", "c@contoso.com"])
        XCTAssertEqual(Options(["to": "a@contoso.com"], spec: spec).string(OptionKey<String>("to")), "a@contoso.com")
    }

    func testCommandSpecDefaults() {
        let spec = commandSpec(" site  get ", "Gets a site")
        XCTAssertEqual(spec, CommandSpec(words: ["site", "get"], description: "Gets a site"))
        XCTAssertEqual(spec.aliases, [])
        XCTAssertEqual(spec.options, [])
        XCTAssertEqual(spec.optionSets, [])
        XCTAssertFalse(spec.acceptsUnknownOptions)
        XCTAssertEqual(spec.defaultProperties, [])
        XCTAssertEqual(spec.examples, [])
    }

    func testUsageIsAnInvalidArgumentFailure() {
        let failure = usage("specify --id or --title")
        XCTAssertEqual(failure.description, "specify --id or --title")
        XCTAssertEqual(failure.status, M365_ERR_INVALID_ARGUMENT)
        XCTAssertEqual(PluginFailure("x").status, M365_ERROR, "a failure without a status is a plain error")
    }

    // MARK: JSONObject.adding

    func testAddingKeepsOrderAndReplacesInPlace() {
        let base: JSONObject = ["id": "1", "name": "a", "size": 3]
        let out = base.adding(["name": "b", "extra": true])
        XCTAssertEqual(out.keys, ["id", "name", "size", "extra"])
        XCTAssertEqual(out["name"], "b")
        XCTAssertEqual(out["extra"], true)
        XCTAssertEqual(base["name"], "a", "the original is unchanged")
        XCTAssertEqual(base.adding([:]).keys, base.keys)
        XCTAssertEqual(JSONObject().adding(["z": 1, "a": 2]).keys, ["z", "a"])
    }
}
