import JSONModel
import XCTest

final class JSONObjectTests: XCTestCase {
    func testOrderAndMutation() {
        var o = JSONObject()
        XCTAssertTrue(o.isEmpty)
        o["b"] = 1
        o["a"] = 2
        o["c"] = 3
        XCTAssertEqual(o.keys, ["b", "a", "c"])
        o["a"] = "changed"
        XCTAssertEqual(o.keys, ["b", "a", "c"])
        XCTAssertEqual(o["a"], "changed")
        o["b"] = nil
        XCTAssertEqual(o.keys, ["a", "c"])
        XCTAssertEqual(o.count, 2)
        XCTAssertEqual(o.map(\.key), ["a", "c"])
        XCTAssertEqual(o.map(\.value), ["changed", 3])
    }

    func testEqualityIgnoresOrder() {
        let a = JSONObject([("x", 1), ("y", [1, 2])])
        let b = JSONObject([("y", [1, 2]), ("x", 1)])
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, JSONObject([("x", 1)]))
        XCTAssertNotEqual(a, JSONObject([("x", 1), ("y", [2, 1])]))
        XCTAssertEqual(JSON.number(1), JSON.number(1.0))
        XCTAssertNotEqual(JSON.number(1), JSON.string("1"))
    }

    func testManyKeysStayFastAndCorrect() {
        var o = JSONObject()
        for i in 0..<20_000 { o["k\(i)"] = .number(Double(i)) }
        XCTAssertEqual(o.count, 20_000)
        XCTAssertEqual(o["k19999"], 19999)
        XCTAssertEqual(o.keys.first, "k0")
        o["k5"] = nil
        XCTAssertNil(o["k5"])
        XCTAssertEqual(o["k6"], 6)
        XCTAssertEqual(o.keys[5], "k6")
        o["k5"] = 55
        XCTAssertEqual(o.keys.last, "k5")
        // Removing below the index threshold and adding again keeps lookups correct.
        var small = JSONObject()
        for i in 0..<14 { small["k\(i)"] = .number(Double(i)) }
        for i in 0..<10 { small["k\(i)"] = nil }
        small["new"] = true
        XCTAssertEqual(small.keys, ["k10", "k11", "k12", "k13", "new"])
        XCTAssertEqual(small["k12"], 12)
    }

    func testLiteralsAndAccessors() {
        let v: JSON = ["s": "x", "n": 2.5, "i": 3, "b": true, "a": [1], "o": ["z": nil]]
        XCTAssertEqual(v.objectValue?.keys, ["s", "n", "i", "b", "a", "o"])
        XCTAssertEqual(v["s"]?.stringValue, "x")
        XCTAssertEqual(v["n"]?.numberValue, 2.5)
        XCTAssertEqual(v["i"]?.intValue, 3)
        XCTAssertNil(v["n"]?.intValue)
        XCTAssertEqual(v["b"]?.boolValue, true)
        XCTAssertEqual(v["a"]?.arrayValue, [1])
        XCTAssertEqual(v["o"]?["z"]?.isNull, true)
        XCTAssertNil(v["s"]?.numberValue)
        XCTAssertNil(JSON.string("x")["k"])
    }
}
