#if canImport(Glibc)
import Glibc
#endif
@testable import PluginKit
import XCTest

/// PluginKit's pure helpers: text, statuses, GUIDs, timestamps, and the descriptor a plugin's
/// services make.
final class HelpersTests: XCTestCase {
    func testOneLine() {
        XCTAssertEqual(oneLine("Resource 'x' does not exist or one of its queried reference-property objects are not present."),
                       "Resource 'x' does not exist or one of its queried reference-property objects are not present.")
        XCTAssertEqual(oneLine("first line\r\n  second line  \nthird"), "first line second line third")
        XCTAssertEqual(oneLine("a\n\n\r\rb"), "a b", "empty lines leave no extra space")
        XCTAssertEqual(oneLine("\n  padded  \n"), "padded")
        XCTAssertEqual(oneLine(""), "")
    }

    func testABIStatusForHTTPStatus() {
        XCTAssertEqual(abiStatus(forHTTPStatus: 401), M365_ERR_AUTH_REQUIRED)
        XCTAssertEqual(abiStatus(forHTTPStatus: 403), M365_ERR_FORBIDDEN)
        XCTAssertEqual(abiStatus(forHTTPStatus: 404), M365_ERR_NOT_FOUND)
        XCTAssertEqual(abiStatus(forHTTPStatus: 429), M365_ERR_THROTTLED)
        for status in [500, 502, 503, 504, 599] { XCTAssertEqual(abiStatus(forHTTPStatus: status), M365_ERR_SERVER, "\(status)") }
        for status in [400, 405, 409, 412, 424, 499] { XCTAssertEqual(abiStatus(forHTTPStatus: status), M365_ERROR, "\(status)") }
    }

    func testNewGUIDIsARandomVersion4GUID() {
        var seen = Set<String>()
        for _ in 0..<200 {
            let guid = newGUID()
            XCTAssertTrue(isGUID(guid), guid)
            XCTAssertEqual(guid, guid.lowercased())
            let scalars = Array(guid.unicodeScalars)
            XCTAssertEqual(scalars[14], "4", "version nibble: \(guid)")
            XCTAssertTrue("89ab".unicodeScalars.contains(scalars[19]), "variant: \(guid)")
            seen.insert(guid)
        }
        XCTAssertEqual(seen.count, 200)
    }

    /// Seconds since 1970 of `2026-11-22T08:30:00Z`, or nil when the text is not in that shape.
    private func epochSeconds(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int32? { Int32(String(decoding: bytes[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19) else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        return Int(timegm(&parts))
    }

    func testISOTimestamp() {
        let before = Int(time(nil))
        let now = isoTimestamp(secondsFromNow: 0)
        let later = isoTimestamp(secondsFromNow: 90 * 86400 + 3661)
        let earlier = isoTimestamp(secondsFromNow: -3600)
        let after = Int(time(nil))
        guard let n = epochSeconds(now), let l = epochSeconds(later), let e = epochSeconds(earlier) else {
            return XCTFail("not yyyy-MM-ddTHH:mm:ssZ: \(now) \(later) \(earlier)")
        }
        XCTAssertTrue((before...after).contains(n), "\(now) is not now")
        XCTAssertTrue((before + 90 * 86400 + 3661...after + 90 * 86400 + 3661).contains(l), later)
        XCTAssertTrue((before - 3600...after - 3600).contains(e), earlier)
    }

    func testOptionalCString() {
        XCTAssertTrue(withOptionalCString(nil) { $0 == nil })
        XCTAssertEqual(withOptionalCString("héllo") { $0.map { String(cString: $0) } }, "héllo")
        XCTAssertEqual(withOptionalCString("") { $0.map { String(cString: $0) } }, "")
    }

    // MARK: The descriptor a definition builds from its services

    func testDefinitionDeclaresEveryImplementedCommand() {
        let get = PluginCommand(commandSpec("site get", "Gets a site", options: [OptionSpec(name: "url", short: "u", description: "URL")])) { _, _ throws(PluginFailure) in }
        let list = PluginCommand(commandSpec("site list", "Lists sites")) { _, _ throws(PluginFailure) in }
        let me = PluginCommand(commandSpec("me", "Who am I")) { _, _ throws(PluginFailure) in }
        let connect = PluginCommand(commandSpec("connect", "Connects", options: [OptionSpec(name: "tenant", description: "Tenant"), OptionSpec(name: "admin", type: .boolean, description: "Admin")])) { _, _ throws(PluginFailure) in }
        let definition = PluginDefinition(
            id: "com.example.test", name: "Test", version: "1.2.3", vendor: "Example",
            services: [
                PluginService(ServiceSpec(name: "spo", aliases: ["sp"], description: "SharePoint",
                                          commands: [CommandSpec(words: ["declared", "only"])]),
                              commands: [get, list], connect: connect),
                PluginService(ServiceSpec(name: "aad", description: "Directory", signIn: false), commands: [me]),
            ])
        XCTAssertEqual(definition.id, "com.example.test")
        XCTAssertEqual(definition.name, "Test")
        XCTAssertEqual(definition.version, "1.2.3")
        XCTAssertEqual(definition.vendor, "Example")
        XCTAssertNil(definition.requestHeaders)

        let services = definition.descriptor.services
        XCTAssertEqual(services.map(\.name), ["spo", "aad"])
        XCTAssertEqual(services[0].aliases, ["sp"])
        XCTAssertEqual(services[0].description, "SharePoint")
        // The commands are the implemented ones, whatever the service spec listed.
        XCTAssertEqual(services[0].commands, [get.spec, list.spec])
        XCTAssertEqual(services[0].connectOptions, connect.spec.options)
        XCTAssertEqual(services[1].commands.map(\.name), ["me"])
        XCTAssertEqual(services[1].connectOptions, [])
        XCTAssertFalse(services[1].signIn)
    }
}
