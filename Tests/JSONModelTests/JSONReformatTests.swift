import JSONModel
import XCTest

/// `JSON.reformat` must print what the parse + serialize round trip prints, and refuse what
/// `parse` refuses.
final class JSONReformatTests: XCTestCase {
    func reformat(_ text: String, pretty: Bool = true, indentLevel: Int = 1) throws -> String {
        var text = text
        return try text.withUTF8 { buffer in
            try JSON.reformat(buffer: UnsafeRawBufferPointer(buffer), pretty: pretty, indentLevel: indentLevel)
        }
    }

    func testMatchesTheRoundTrip() throws {
        let samples = [
            #"{"id":"50c76ef9","displayName":"Adele Vance","mail":null,"accountEnabled":true,"tags":[],"extra":{}}"#,
            #"  [1, -2, 0, -0, 1.0, 1.50, 1E3, 2e-7, 123456789012345, 1234567890123456789, 0.1e1]  "#,
            #"{"escaped":"line\nbreak \"quoted\" \\ back\/slash \u00e9 \ud83d\ude00","plain":"a b c","tab":"\t"}"#,
            #"{"nested":{"a":[{"b":[[],[{}],{"c":"é ü 漢字"}]}],"z":false}}"#,
            #""just a string""#, "42", "null", "true", "\u{FEFF}{\"bom\":1}",
            #"{"control":"\u0001\u001f","del":"\u007f"}"#,
        ]
        for sample in samples {
            for (pretty, level) in [(true, 0), (true, 1), (true, 3), (false, 0)] {
                let expected = try JSON.parse(sample).serialized(pretty: pretty, indentLevel: level)
                XCTAssertEqual(try reformat(sample, pretty: pretty, indentLevel: level), expected, sample)
            }
        }
    }

    func testRefusesWhatParseRefuses() {
        let bad = [#"{"a":1,}"#, "[1 2]", #"{"a" 1}"#, "[01]", "[1.]", #"["unterminated"#, "tru", "{} {}", "", #"{"a":"\x"}"#,
                   "[\"\u{01}\"]", String(repeating: "[", count: 600) + String(repeating: "]", count: 600)]
        for text in bad {
            XCTAssertThrowsError(try JSON.parse(text), text)
            XCTAssertThrowsError(try reformat(text), "reformat accepted \(text.prefix(40))")
        }
    }

    func testInvalidUTF8IsRefused() {
        let bytes: [UInt8] = [0x22, 0xC3, 0x28, 0x22]  // "\xC3(" — a broken two-byte sequence
        XCTAssertThrowsError(try bytes.withUnsafeBytes { try JSON.reformat(buffer: $0, pretty: true, indentLevel: 0) })
    }
}

/// `JSON.forEachElement(ofMember:in:)` hands over each element's exact text and the other
/// members parsed, and refuses what `parse` refuses.
final class JSONElementScanTests: XCTestCase {
    func scan(_ text: String, key: String = "value") throws -> (elements: [String], others: JSONObject) {
        var text = text
        var elements: [String] = []
        let others = try text.withUTF8 { buffer in
            try JSON.forEachElement(ofMember: key, in: UnsafeRawBufferPointer(buffer)) { element in
                elements.append(String(decoding: element, as: UTF8.self))
            }
        }
        return (elements, others)
    }

    func testElementsAndOtherMembers() throws {
        let page = #"{"@odata.context":"ctx","value":[ {"id":"1","n":[1,2]} , {"id":"é\"x"},3,"s",null,[] ],"@odata.nextLink":"https://next"}"#
        let (elements, others) = try scan(page)
        XCTAssertEqual(elements, [#"{"id":"1","n":[1,2]}"#, #"{"id":"é\"x"}"#, "3", #""s""#, "null", "[]"])
        XCTAssertEqual(others["@odata.nextLink"], "https://next")
        XCTAssertEqual(others["@odata.context"], "ctx")
        for element in elements { XCTAssertNoThrow(try JSON.parse(element), element) }
        XCTAssertEqual(try scan(#"{"value":[]}"#).elements, [])
    }

    func testRefusesBrokenPages() {
        for text in [#"{"value":[{"a":1,}]}"#, #"{"value":[1 2]}"#, #"{"value":{}}"#, #"{"other":[]}"#, #"[1]"#, #"{"value":[1]} x"#,
                     #"{"value":["\x"]}"#, #"{"value":[01]}"#, #"{"value":[1],"next":}"#] {
            XCTAssertThrowsError(try scan(text), text)
        }
    }

    func testElementRangesOfATopLevelArray() throws {
        let text = #" [{"SchemaVersion":"15.0.0.0","ErrorInfo":null}, 5, {"_Child_Items_":[{"Url":"https:\u002f\u002fx"}]} , "é"] "#
        let bytes = Array(text.utf8)
        let ranges = try bytes.withUnsafeBytes { try JSON.elementRanges(ofArrayIn: $0) }
        let elements = ranges.map { String(decoding: bytes[$0], as: UTF8.self) }
        XCTAssertEqual(elements, [#"{"SchemaVersion":"15.0.0.0","ErrorInfo":null}"#, "5", #"{"_Child_Items_":[{"Url":"https:\u002f\u002fx"}]}"#, #""é""#])
        XCTAssertEqual(try Array("[]".utf8).withUnsafeBytes { try JSON.elementRanges(ofArrayIn: $0) }, [])
        for broken in ["{}", "[1,]", "[1 2]", "[1] x", "<html>"] {
            XCTAssertThrowsError(try Array(broken.utf8).withUnsafeBytes { try JSON.elementRanges(ofArrayIn: $0) }, broken)
        }
    }
}
