import JMESPath
import JSONModel
import XCTest

/// Behaviour beyond the compliance suite: error reporting and host-facing conveniences.
final class JMESPathBehaviourTests: XCTestCase {
    func testCompileErrorsAreReportedAtCompileTime() {
        func kind(_ expression: String) -> JMESPathError.Kind? {
            do {
                _ = try JMESPathExpression(expression)
                return nil
            } catch {
                XCTAssertTrue(error.isCompileError || error.kind == .invalidValue, "\(error)")
                return error.kind
            }
        }
        XCTAssertEqual(kind("foo[?a=="), .syntax)
        XCTAssertEqual(kind("nope(@)"), .unknownFunction)
        XCTAssertEqual(kind("length(@, @)"), .invalidArity)
        XCTAssertEqual(kind("foo[::0]"), .invalidValue)
        XCTAssertNil(kind("value[?enabled].{id: id, n: length(name)}"))
    }

    func testSyntaxErrorsPointAtTheProblem() {
        XCTAssertThrowsError(try JMESPathExpression("foo.bar]")) { error in
            let e = error as! JMESPathError
            XCTAssertEqual(e.kind, .syntax)
            XCTAssertEqual(e.offset, 7)
            XCTAssertEqual(e.description, "Syntax error at position 7: unexpected token ']'")
        }
        XCTAssertThrowsError(try JMESPathExpression("a = b")) { error in
            XCTAssertTrue("\(error)".contains("'=='"), "\(error)")
        }
    }

    func testRuntimeErrorsNameTheFunctionAndTypes() throws {
        let expression = try JMESPathExpression("abs(name)")
        XCTAssertThrowsError(try expression.search(["name": "x"])) { error in
            let e = error as! JMESPathError
            XCTAssertEqual(e.kind, .invalidType)
            XCTAssertEqual(e.description, "Invalid type: argument 1 of abs() must be number, got string")
        }
    }

    func testResultsKeepKeyOrder() throws {
        let data = try JSON.parse(#"{"value":[{"z":1,"a":2,"m":3}]}"#)
        let result = try data.search("value[0].{m: m, z: z, a: a}")
        XCTAssertEqual(result.objectValue?.keys, ["m", "z", "a"])
        XCTAssertEqual(try data.search("value[0]").objectValue?.keys, ["z", "a", "m"])
        XCTAssertEqual(try data.search("keys(value[0])"), ["z", "a", "m"])
    }

    func testStringsCompareByCodePoints() throws {
        // "é" precomposed and decomposed are canonically equivalent in Swift but not in JMESPath.
        let data: JSON = ["a": "\u{e9}", "b": "e\u{301}"]
        XCTAssertEqual(try data.search("a == b"), false)
        XCTAssertEqual(try data.search("length(b)"), 2)
        XCTAssertEqual(try JSON.array(["b", "a", "B"]).search("sort(@)"), ["B", "a", "b"])
    }

    func testSortByIsStable() throws {
        let data: JSON = [["k": 1, "i": 0], ["k": 0, "i": 1], ["k": 1, "i": 2], ["k": 0, "i": 3]]
        XCTAssertEqual(try data.search("sort_by(@, &k)[*].i"), [1, 3, 0, 2])
    }
}
