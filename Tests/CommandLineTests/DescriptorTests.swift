import CommandModel
import JSONModel
import XCTest

/// The descriptor schema: what is accepted, what is refused with which one-line reason, and that
/// the index's round trip (encode, decode) loses nothing.
final class DescriptorTests: XCTestCase {
    func decode(_ text: String) -> Result<PluginDescriptor, DescriptorError> {
        do { return .success(try PluginDescriptor.decode(text: text)) } catch { return .failure(error) }
    }

    func reason(_ text: String) -> String {
        switch decode(text) {
        case .success: return "accepted"
        case .failure(let error): return error.description
        }
    }

    let valid = """
    {"schema":1,"services":[{"name":"spo","aliases":["sharepoint"],"description":"SharePoint","commands":[
      {"name":"list get","aliases":["list show"],"description":"Gets a list","defaultProperties":["Title"],
       "options":[{"name":"webUrl","short":"u","required":true},{"name":"id"},{"name":"title"},
                  {"name":"type","type":"enum","allowed":["A","B"],"default":"A"},{"name":"top","type":"number","default":5},
                  {"name":"url","positional":true,"fileReference":false}],
       "optionSets":[{"options":["id","title"]}],
       "examples":[{"description":"d","command":"m365 spo list get"}]}]}], "futureKey": true}
    """

    func testValidDescriptorRoundTrips() throws {
        let descriptor = try decode(valid).get()
        XCTAssertEqual(descriptor.services.first?.commands.first?.options.count, 6)
        let again = try PluginDescriptor.decode(descriptor.json)
        XCTAssertEqual(again, descriptor)
    }

    func testRefusals() {
        XCTAssertEqual(reason("[]"), "the descriptor is not a JSON object")
        XCTAssertTrue(reason("{").hasPrefix("the descriptor is not valid JSON"))
        XCTAssertEqual(reason(#"{"schema":2,"services":[]}"#), "descriptor schema 2 is not supported (this host reads schema 1)")
        XCTAssertEqual(reason(#"{"schema":1,"services":[]}"#), "the descriptor declares no \"services\"")
        XCTAssertEqual(reason(#"{"schema":1,"services":[{"name":"Bad"}]}"#), "services[0].name 'Bad' must be a lower-case word")
        XCTAssertEqual(reason(#"{"schema":1,"services":[{"name":"a"},{"name":"b","aliases":["a"]}]}"#), "service name 'a' is declared twice")
        XCTAssertEqual(reason(#"{"schema":1,"services":[{"name":"a","commands":[{"name":"x","options":[{"name":"output"}]}]}]}"#),
                       "services[0].commands[0]: option --output is a global option and cannot be redeclared")
        XCTAssertEqual(reason(#"{"schema":1,"services":[{"name":"a","commands":[{"name":"x","options":[{"name":"k","short":"h"}]}]}]}"#),
                       "services[0].commands[0]: short option -h is reserved for a global option")
        XCTAssertEqual(reason(#"{"schema":1,"services":[{"name":"a","commands":[{"name":"x","options":[{"name":"k","type":"date"}]}]}]}"#),
                       "services[0].commands[0].options[0].type 'date' is not one of string, number, boolean, enum")
        XCTAssertEqual(reason(#"{"schema":1,"services":[{"name":"a","commands":[{"name":"x","options":[{"name":"k","type":"number","default":"five"}]}]}]}"#),
                       "services[0].commands[0].options[0].default does not fit the option's type")
        XCTAssertEqual(reason(#"{"schema":1,"services":[{"name":"a","commands":[{"name":"x","optionSets":[{"options":["p","q"]}]}]}]}"#),
                       "services[0].commands[0].optionSets[0] names unknown option 'p'")
        XCTAssertEqual(reason(#"{"schema":1,"services":[{"name":"a","commands":[{"name":"x"},{"name":"y","aliases":["x"]}]}]}"#),
                       "services[0]: 'x' names both 'x' and 'y'")
        XCTAssertEqual(reason(#"{"schema":1,"services":[{"name":"a","commands":[{"name":"x","options":[{"name":"k"},{"name":"K"}]}]}]}"#),
                       "services[0].commands[0]: option --K is declared twice")
        // Option names: ASCII letters and digits, a letter first (SharePoint's --SharingCapability too).
        for bad in ["1st", "web-url", "é", "x_y", "[a", "a@b"] {
            XCTAssertEqual(reason(#"{"schema":1,"services":[{"name":"a","commands":[{"name":"x","options":[{"name":"\#(bad)"}]}]}]}"#),
                           "services[0].commands[0].options[0].name '\(bad)' must be letters and digits, starting with a letter", bad)
        }
        XCTAssertEqual(reason(#"{"schema":1,"services":[{"name":"a","commands":[{"name":"x","options":[{"name":"SharingCapability2"}]}]}]}"#), "accepted")
    }
}
