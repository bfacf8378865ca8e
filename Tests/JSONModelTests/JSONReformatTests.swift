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

    /// String scans go eight bytes a step: whatever stops them must be found at every offset of
    /// a word, on every path (parse, validate, reformat).
    func testEveryOffsetOfAWordIsScanned() throws {
        for length in 0..<20 {
            for at in 0...length {
                let head = String(repeating: "a", count: at), tail = String(repeating: "b", count: length - at)
                for (inner, decoded) in [("é", "é"), ("\\n", "\n"), ("\\\"", "\""), ("\\/", "/"), ("\\u00e9", "é")] {
                    let text = "[\"" + head + inner + tail + "\"]"
                    let value = try JSON.parse(text)
                    XCTAssertEqual(value, .array([.string(head + decoded + tail)]), text)
                    var copy = text
                    try copy.withUTF8 { buffer in
                        let raw = UnsafeRawBufferPointer(buffer)
                        XCTAssertNoThrow(try JSON.validate(buffer: raw), text)
                        XCTAssertEqual(try JSON.reformat(buffer: raw, pretty: false, indentLevel: 0), value.serialized(pretty: false), text)
                    }
                }
                for bad in [[UInt8(0x01)], [UInt8(0x1F)], [UInt8(0xC3)], [UInt8(0xFF)]] {
                    let bytes = [0x5B, 0x22] + Array(head.utf8) + bad + Array(tail.utf8) + [0x22, 0x5D]
                    XCTAssertThrowsError(try bytes.withUnsafeBytes { try JSON.parse(buffer: $0) }, "parse accepted \(bytes)")
                    XCTAssertThrowsError(try bytes.withUnsafeBytes { try JSON.validate(buffer: $0) }, "validate accepted \(bytes)")
                    XCTAssertThrowsError(try bytes.withUnsafeBytes { try JSON.reformat(buffer: $0, pretty: false, indentLevel: 0) }, "reformat accepted \(bytes)")
                }
                // A string cut anywhere is unterminated, never read past its end.
                let cut = Array(("[\"" + head + tail).utf8)
                XCTAssertThrowsError(try cut.withUnsafeBytes { try JSON.validate(buffer: $0) })
                XCTAssertThrowsError(try cut.withUnsafeBytes { try JSON.parse(buffer: $0) })
            }
        }
    }

    /// Strings with escapes are skipped (validate, element scans) and reformatted without being
    /// built into Strings: each path must accept and refuse exactly what parse does.
    func testStringsWithEscapesAreCheckedOnEveryPath() throws {
        let good: [[UInt8]] = [
            Array(#"["\/Date(2024,0,1)\/", "a\\b", "\u00e9\ud83d\ude00", "é then \n", "\"x\""]"#.utf8),
            [0x5B, 0x22, 0x5C, 0x6E, 0xC3, 0xA9, 0x22, 0x5D],  // ["\né"]: raw UTF-8 after an escape
        ]
        let bad: [[UInt8]] = [
            [0x5B, 0x22, 0x5C, 0x6E, 0xC3, 0x28, 0x22, 0x5D],  // broken UTF-8 after an escape
            [0x5B, 0x22, 0xC3, 0x5C, 0x6E, 0x22, 0x5D],        // an escape inside a multi-byte sequence
            Array(#"["\ud83d"]"#.utf8), Array(#"["\ude00x"]"#.utf8), Array(#"["\u12"]"#.utf8), Array(#"["a\q"]"#.utf8),
            [0x5B, 0x22, 0x5C, 0x6E, 0x01, 0x22, 0x5D],        // a raw control character after an escape
            Array(#"["\n"#.utf8),                               // unterminated after an escape
        ]
        for bytes in good {
            let parsed = try bytes.withUnsafeBytes { try JSON.parse(buffer: $0) }
            XCTAssertNoThrow(try bytes.withUnsafeBytes { try JSON.validate(buffer: $0) }, "\(bytes)")
            XCTAssertEqual(try bytes.withUnsafeBytes { try JSON.reformat(buffer: $0, pretty: false, indentLevel: 0) }, parsed.serialized(pretty: false))
        }
        for bytes in bad {
            XCTAssertThrowsError(try bytes.withUnsafeBytes { try JSON.parse(buffer: $0) }, "parse accepted \(bytes)")
            XCTAssertThrowsError(try bytes.withUnsafeBytes { try JSON.validate(buffer: $0) }, "validate accepted \(bytes)")
            XCTAssertThrowsError(try bytes.withUnsafeBytes { try JSON.reformat(buffer: $0, pretty: false, indentLevel: 0) }, "reformat accepted \(bytes)")
        }
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

/// `JSONMemberReader` reads keys and scalar values as bytes (no String per member).
final class JSONMemberReaderTests: XCTestCase {
    func testKeysAndValuesAreDecodedAndTheLastDuplicateWins() throws {
        var reader = JSONMemberReader()
        let text = #"{"a\u0062":"x\/y","n":1.50,"é":true,"n":null,"list":[1,{"k":"v"}],"plain key":"plain"}"#
        var copy = text
        XCTAssertTrue(try copy.withUTF8 { try reader.read(objectIn: UnsafeRawBufferPointer($0)) })
        XCTAssertEqual(reader.members.map { reader.key(of: $0) }, ["ab", "n", "é", "n", "list", "plain key"])
        func value(_ key: String) -> String? { reader.last(key).map { String(decoding: reader.text[$0.text], as: UTF8.self) } }
        XCTAssertEqual(value("ab"), "x/y")
        XCTAssertEqual(reader.last("n")?.kind, .null, "the last of a repeated key, as JSON.parse keeps it")
        XCTAssertEqual(value("é"), "true")
        XCTAssertEqual(reader.last("list")?.kind, .container)
        XCTAssertEqual(value("plain key"), "plain")
        XCTAssertNil(reader.last("a\\u0062"), "keys compare decoded")
        // Not an object: nothing read; invalid JSON throws.
        var array = "[1]"
        XCTAssertFalse(try array.withUTF8 { try reader.read(objectIn: UnsafeRawBufferPointer($0)) })
        var broken = #"{"a\q":1}"#
        XCTAssertThrowsError(try broken.withUTF8 { try reader.read(objectIn: UnsafeRawBufferPointer($0)) })
    }

    func testRemovingATopLevelMemberKeepsEverythingElse() {
        func removing(_ key: String, _ text: String) -> String? {
            Array(text.utf8).withUnsafeBytes { JSON.removingMember(key, fromObject: $0) }.map { String(decoding: $0, as: UTF8.self) }
        }
        XCTAssertEqual(removing("ID", #"{"Id":1,"ID":1,"Title":"a"}"#), #"{"Id":1,"Title":"a"}"#)
        XCTAssertEqual(removing("ID", #"{"Id":1,"Title":"a","ID":12}"#), #"{"Id":1,"Title":"a"}"#, "the last member takes the comma before it")
        XCTAssertEqual(removing("ID", #"{"ID":{"a":[1,"}"]},"b":2}"#), #"{"b":2}"#, "a nested value ends where its level ends")
        XCTAssertEqual(removing("ID", #"{"Author":{"ID":5},"Title":"say "ID":1","ID":3}"#), #"{"Author":{"ID":5},"Title":"say "ID":1"}"#,
                       "nested members and strings are left alone")
        XCTAssertEqual(removing("ID", #"{"ID":7}"#), "{}")
        XCTAssertNil(removing("ID", #"{"Id":1}"#))
    }
}
