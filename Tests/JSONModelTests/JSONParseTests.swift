import JSONModel
import XCTest

final class JSONParseTests: XCTestCase {
    func testScalars() throws {
        XCTAssertEqual(try JSON.parse("null"), .null)
        XCTAssertEqual(try JSON.parse(" true "), .bool(true))
        XCTAssertEqual(try JSON.parse("false"), .bool(false))
        XCTAssertEqual(try JSON.parse("\"hi\""), .string("hi"))
        XCTAssertEqual(try JSON.parse("0"), .number(0))
        XCTAssertEqual(try JSON.parse("-12"), .number(-12))
        XCTAssertEqual(try JSON.parse("1.5e3"), .number(1500))
        XCTAssertEqual(try JSON.parse("2E-2"), .number(0.02))
        XCTAssertEqual(try JSON.parse("12345678901234567890"), .number(12345678901234567890))
        XCTAssertEqual(try JSON.parse("0.1"), .number(0.1))
    }

    func testObjectKeepsOrder() throws {
        let value = try JSON.parse(#"{"z": 1, "a": [1, 2, {"m": null}], "k": {}}"#)
        XCTAssertEqual(value.objectValue?.keys, ["z", "a", "k"])
        XCTAssertEqual(value["a"]?[2]?["m"], .null)
        XCTAssertEqual(value["k"], .object(JSONObject()))
        XCTAssertNil(value["missing"])
        XCTAssertNil(value["a"]?[3])
    }

    func testDuplicateKeyKeepsFirstPositionLastValue() throws {
        let value = try JSON.parse(#"{"a":1,"b":2,"a":3}"#)
        XCTAssertEqual(value.objectValue?.keys, ["a", "b"])
        XCTAssertEqual(value["a"], 3)
    }

    func testEscapes() throws {
        XCTAssertEqual(try JSON.parse(#""a\"b\\c\/d\n\r\t\b\f""#), .string("a\"b\\c/d\n\r\t\u{8}\u{c}"))
        XCTAssertEqual(try JSON.parse(#""\u00e9\u4e2d""#), .string("é中"))
        XCTAssertEqual(try JSON.parse(#""\ud83d\ude00 ok""#), .string("😀 ok"))
        XCTAssertEqual(try JSON.parse("\"héllo ☃\""), .string("héllo ☃"))
    }

    func testRejectsInvalidInput() {
        let bad = [
            "", "   ", "nul", "tru", "[1,]", "[1 2]", "{\"a\" 1}", "{\"a\":1,}", "{a:1}", "01", "-", "1.", ".5",
            "1e", "+1", "\"abc", "\"a\u{1}b\"", "\"\\x\"", "\"\\ud83d\"", "\"\\ude00\"", "\"\\u12\"", "[1] x",
            "{} {}", "'a'", "NaN", "[", "{",
        ]
        for text in bad {
            XCTAssertThrowsError(try JSON.parse(text), "should reject \(text.debugDescription)")
        }
    }

    func testErrorHasOffsetAndMessage() {
        do {
            _ = try JSON.parse("[1, 2,, 3]")
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual(error.offset, 6)
            XCTAssertTrue(error.description.contains("6"), error.description)
        }
        do {
            _ = try JSON.parse("{} x")
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual(error.offset, 3)
            XCTAssertTrue(error.message.contains("after"), error.message)
        }
    }

    func testRejectsInvalidUTF8() {
        XCTAssertThrowsError(try JSON.parse(bytes: [0x22, 0xFF, 0x22]))
        XCTAssertEqual(try JSON.parse(bytes: Array("\"é\"".utf8)), .string("é"))
    }

    func testNestingLimit() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        XCTAssertNoThrow(try JSON.parse(ok))
        let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        XCTAssertThrowsError(try JSON.parse(deep)) { error in
            XCTAssertTrue("\(error)".contains("nesting"), "\(error)")
        }
        let veryDeep = String(repeating: "{\"a\":", count: 100_000)
        XCTAssertThrowsError(try JSON.parse(veryDeep))
    }

    func testParseBytesFromNonContiguousCollection() throws {
        let bytes = Array(#"{"a":[true]}"#.utf8)
        XCTAssertEqual(try JSON.parse(bytes: bytes.lazy.map { $0 }), ["a": [true]])
        let raw = try bytes.withUnsafeBytes { try JSON.parse(buffer: $0) }
        XCTAssertEqual(raw, ["a": [true]])
    }

    func testLargeDocumentRoundTrips() throws {
        var items: [JSON] = []
        for i in 0..<5000 {
            items.append(["id": .number(Double(i)), "name": .string("item \(i) \u{e9}"), "ok": .bool(i % 2 == 0), "x": 0.5])
        }
        let doc: JSON = ["value": .array(items)]
        let text = doc.serialized()
        XCTAssertEqual(try JSON.parse(text), doc)
        XCTAssertEqual(try JSON.parse(doc.serialized(pretty: true)), doc)
    }
}
