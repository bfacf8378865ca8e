import JSONModel
import XCTest

final class JSONSerializeTests: XCTestCase {
    func testNumbersPrintLikeJavaScript() {
        let cases: [(Double, String)] = [
            (0, "0"), (-0.0, "0"), (1, "1"), (-1, "-1"), (1.5, "1.5"), (0.1, "0.1"), (-0.25, "-0.25"),
            (0.1 + 0.2, "0.30000000000000004"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
            (1e16, "10000000000000000"), (9007199254740992, "9007199254740992"), (1e-7, "1e-7"),
            (0.000001, "0.000001"), (1.23e-18, "1.23e-18"), (123456.789, "123456.789"),
            (1.7976931348623157e308, "1.7976931348623157e+308"), (5e-324, "5e-324"),
            (2.5e25, "2.5e+25"), (-1.5e-10, "-1.5e-10"), (123e18, "123000000000000000000"),
            (.infinity, "null"), (.nan, "null"),
        ]
        for (value, expected) in cases {
            XCTAssertEqual(JSON.number(value).serialized(), expected, "\(value)")
        }
    }

    func testStringEscapingLikeJSONStringify() {
        XCTAssertEqual(JSON.string("a\"b\\c\n\r\t\u{8}\u{c}").serialized(), #""a\"b\\c\n\r\t\b\f""#)
        XCTAssertEqual(JSON.string("\u{1}\u{1f}\u{7f}").serialized(), "\"\\u0001\\u001f\u{7f}\"")
        XCTAssertEqual(JSON.string("é/中😀").serialized(), "\"é/中😀\"")
    }

    func testCompact() {
        let value: JSON = ["b": [1, "x", nil, true], "a": [:], "c": []]
        XCTAssertEqual(value.serialized(), #"{"b":[1,"x",null,true],"a":{},"c":[]}"#)
    }

    func testPrettyMatchesJSONStringifyWithIndentTwo() {
        let value: JSON = ["name": "x", "list": [1, ["k": false]], "empty": [:], "none": [], "n": nil]
        let expected = """
        {
          "name": "x",
          "list": [
            1,
            {
              "k": false
            }
          ],
          "empty": {},
          "none": [],
          "n": null
        }
        """
        XCTAssertEqual(value.serialized(pretty: true), expected)
        XCTAssertEqual(JSON.string("s").serialized(pretty: true), "\"s\"")
    }
}

final class JSONIndentLevelTests: XCTestCase {
    func testIndentLevelIndentsNestedLines() {
        let item: JSON = ["a": [1]]
        XCTAssertEqual(item.serialized(pretty: true, indentLevel: 1), "{\n    \"a\": [\n      1\n    ]\n  }")
        let array: JSON = [item]
        XCTAssertEqual(array.serialized(pretty: true), "[\n  " + item.serialized(pretty: true, indentLevel: 1) + "\n]")
    }
}
