import JSONModel
import OutputFormat
import XCTest

final class JSONOutputTests: XCTestCase {
    func testJSONIsPrettyWithTrailingNewlineAndKeepsKeyOrder() throws {
        let value = try JSON.parse(#"{"zeta":1,"alpha":[true,null],"mid":{}}"#)
        let expected = "{\n  \"zeta\": 1,\n  \"alpha\": [\n    true,\n    null\n  ],\n  \"mid\": {}\n}\n"
        XCTAssertEqual(formatOutput(value, options: OutputOptions(mode: .json)), expected)
        XCTAssertEqual(formatOutput("x", options: OutputOptions(mode: .json)), "\"x\"\n")
    }

    func testNonePrintsNothing() {
        XCTAssertEqual(formatOutput(["a": 1], options: OutputOptions(mode: .none)), "")
        XCTAssertEqual(formatOutput([1, 2], options: OutputOptions(mode: .none)), "")
    }

    func testModesParseFromTheirNames() {
        XCTAssertEqual(OutputMode.allCases.map(\.rawValue), ["json", "text", "csv", "md", "none"])
        XCTAssertEqual(OutputMode(rawValue: "md"), .md)
        XCTAssertNil(OutputMode(rawValue: "yaml"))
    }
}

final class TextOutputTests: XCTestCase {
    let text = OutputOptions(mode: .text)

    func testOneObjectPrintsSortedPaddedKeyValueLines() {
        let value: JSON = ["b": 1, "aa": "x", "c": ["d": nil], "e": [1, "two"], "n": nil, "f": false]
        let expected = "aa: x\nb : 1\nc : {\"d\":null}\ne : [1,\"two\"]\nf : false\nn : null\n\n"
        XCTAssertEqual(formatOutput(value, options: text), expected)
    }

    func testArrayOfObjectsPrintsATable() {
        let value: JSON = [["Title": "Site A", "Url": "https://a"], ["Title": "B", "Url": "https://bb"]]
        let expected = """
        Title   Url       
        ------  ----------
        Site A  https://a 
        B       https://bb

        """ + "\n"
        XCTAssertEqual(formatOutput(value, options: text), expected)
    }

    func testTableMergesColumnsAndLeavesMissingCellsEmpty() {
        let value: JSON = [["id": 1, "name": "x"], ["id": 22, "extra": true, "name": "yy"], ["id": 3, "obj": ["k": 1]]]
        // easy-table merges the rows' key orders: "obj" followed "id" only, so it sorts before "name".
        let spaces = { (n: Int) in String(repeating: " ", count: n) }
        let expected = "id  extra  obj      name\n"
            + "--  -----  -------  ----\n"
            + "1" + spaces(19) + "x   \n"
            + "22  true " + spaces(11) + "yy  \n"
            + "3" + spaces(10) + "{\"k\":1}" + spaces(6) + "\n\n"
        XCTAssertEqual(formatOutput(value, options: text), expected)
    }

    func testWideCharactersCountTwoColumns() {
        let value: JSON = [["n": "日本"], ["n": "abc"]]
        XCTAssertEqual(formatOutput(value, options: text), "n   \n----\n日本\nabc \n\n")
    }

    func testArrayWithOneObjectPrintsKeyValueLinesLikeTheCLI() {
        XCTAssertEqual(formatOutput([["b": 2, "a": 1]], options: text), "a: 1\nb: 2\n\n")
    }

    func testPrimitives() {
        XCTAssertEqual(formatOutput("hello", options: text), "hello\n")
        XCTAssertEqual(formatOutput(1.5, options: text), "1.5\n")
        XCTAssertEqual(formatOutput(["a", 2, true, nil], options: text), "a\n2\ntrue\n\n")
        XCTAssertEqual(formatOutput([], options: text), "\n")
    }

    func testDefaultPropertiesTrimObjectsInTheirOrder() {
        var options = text
        options.defaultProperties = ["Url", "Title"]
        let value: JSON = [["Title": "A", "Id": 1, "Url": "u1"], ["Title": "B", "Id": 2, "Url": "u2"]]
        XCTAssertEqual(formatOutput(value, options: options), "Url  Title\n---  -----\nu1   A    \nu2   B    \n\n")

        // A query that reshaped the value keeps every property.
        options.queryApplied = true
        XCTAssertTrue(formatOutput(value, options: options).contains("Id"))
        // A query that kept the shape (e.g. a filter) still trims, as the CLI does.
        let filtered: JSON = [["Title": "A", "Id": 1, "Url": "u1"]]
        options.queryKeptShape = OutputOptions.queryKeptShape(input: value, result: filtered)
        XCTAssertTrue(options.queryKeptShape)
        XCTAssertEqual(formatOutput(filtered, options: options), "Title: A\nUrl  : u1\n\n")
    }

    func testAnObjectWithNoneOfTheDefaultPropertiesIsPrintedWhole() {
        var options = text
        options.defaultProperties = ["Id", "Title"]
        let other: JSON = ["AssociatedOwnerGroup": ["Id": 3], "AssociatedMemberGroup": ["Id": 5]]
        let printed = formatOutput(other, options: options)
        XCTAssertTrue(printed.contains("AssociatedOwnerGroup") && printed.contains("AssociatedMemberGroup"), printed)
        // One default property present: trimmed as usual.
        XCTAssertEqual(formatOutput(["Id": 1, "Other": 2], options: options), "Id: 1\n\n")
    }

    func testQueryKeptShapeComparesPropertyNamesInOrder() {
        let input: JSON = [["a": 1, "b": 2]]
        XCTAssertTrue(OutputOptions.queryKeptShape(input: input, result: ["a": 5, "b": 6]))
        XCTAssertFalse(OutputOptions.queryKeptShape(input: input, result: [["a": 1]]))
        XCTAssertFalse(OutputOptions.queryKeptShape(input: input, result: [["b": 2, "a": 1]]))
        XCTAssertFalse(OutputOptions.queryKeptShape(input: input, result: ["x", "y"]))
    }

    func testGraphCollectionWrapperIsUnwrapped() throws {
        let page = try JSON.parse(#"{"@odata.context":"https://graph","value":[{"id":"1","displayName":"A"},{"id":"2","displayName":"B"}]}"#)
        XCTAssertEqual(formatOutput(page, options: text), "id  displayName\n--  -----------\n1   A          \n2   B          \n\n")
        // Not a wrapper: other ordinary properties next to "value".
        let setting: JSON = ["name": "s", "value": [1]]
        XCTAssertEqual(formatOutput(setting, options: text), "name : s\nvalue: [1]\n\n")
    }
}
