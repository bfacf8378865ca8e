import JSONModel
import OutputFormat
import XCTest

final class CSVOutputTests: XCTestCase {
    let csv = OutputOptions(mode: .csv)

    func testHeaderRowsBooleansAndKeyOrder() {
        let value: JSON = [["name": "a", "ok": true, "n": 1.5], ["name": "b", "ok": false, "n": nil]]
        XCTAssertEqual(formatOutput(value, options: csv), "name,ok,n\na,1,1.5\nb,0,\n\n")
    }

    func testColumnsComeFromTheFirstRecordLikeCsvStringify() {
        let value: JSON = [["a": 1], ["b": 2, "a": 3]]
        XCTAssertEqual(formatOutput(value, options: csv), "a\n1\n3\n\n")
    }

    func testObjectValuedPropertiesAreDroppedUnlessAQueryWasGiven() {
        let value: JSON = [["id": 1, "owner": ["n": "x"], "tags": ["a", "b"], "note": nil]]
        XCTAssertEqual(formatOutput(value, options: csv), "id,note\n1,\n\n")
        var queried = csv
        queried.queryApplied = true
        XCTAssertEqual(formatOutput(value, options: queried), "id,owner,tags,note\n1,\"{\"\"n\"\":\"\"x\"\"}\",\"[\"\"a\"\",\"\"b\"\"]\",\n\n")
    }

    func testQuotingWhenNeeded() {
        let value: JSON = [["v": "plain"], ["v": "a,b"], ["v": "say \"hi\""], ["v": "two\nlines"], ["v": ""]]
        XCTAssertEqual(formatOutput(value, options: csv), "v\nplain\n\"a,b\"\n\"say \"\"hi\"\"\"\n\"two\nlines\"\n\n\n")
    }

    func testQuoteOptions() {
        let value: JSON = [["a": "x", "b": "", "c": 1]]
        var options = csv
        options.csvQuoted = true
        XCTAssertEqual(formatOutput(value, options: options), "\"a\",\"b\",\"c\"\n\"x\",,\"1\"\n\n")
        options.csvQuotedEmpty = true
        XCTAssertEqual(formatOutput(value, options: options), "\"a\",\"b\",\"c\"\n\"x\",\"\",\"1\"\n\n")
        options = csv
        options.csvHeader = false
        options.csvQuote = "'"
        options.csvEscape = "\\"
        let tricky: JSON = [["a": "it's", "b": "back\\slash, too"]]
        XCTAssertEqual(formatOutput(tricky, options: options), "'it\\'s','back\\\\slash, too'\n\n")
    }

    func testPrimitivesPrintOnePerLine() {
        XCTAssertEqual(formatOutput(["a", "b,c"], options: csv), "a\nb,c\n")
        XCTAssertEqual(formatOutput([], options: csv), "\n")
    }
}

final class MarkdownOutputTests: XCTestCase {
    func testSectionsPerItem() {
        var options = OutputOptions(mode: .md)
        options.commandLine = "m365 spo site list --output \"md\""
        options.date = "2024-05-01"
        let value: JSON = [
            ["Title": "Team *A*", "Url": "https://x/a_b", "Count": 3, "Owner": ["n": 1], "Hidden": false],
            ["name": "no id", "Description": "line1\nline2|x"],
            ["other": 1],
        ]
        let expected = """
        # m365 spo site list --output "md"

        Date: 2024-05-01

        ## Team *A* (https://x/a_b)

        Property | Value
        ---------|-------
        Title | Team \\*A\\*
        Url | https://x/a\\_b
        Count | 3
        Hidden | false

        ## no id

        Property | Value
        ---------|-------
        name | no id
        Description | line1<br>line2\\|x

        ## 3

        Property | Value
        ---------|-------
        other | 1

        """
        XCTAssertEqual(formatOutput(value, options: options), expected)
    }

    func testQueryKeepsObjectValuesAsJSON() {
        var options = OutputOptions(mode: .md, queryApplied: true, commandLine: "c", date: "d")
        options.commandLine = "c"
        let value: JSON = ["id": "1", "tags": ["a"]]
        XCTAssertEqual(formatOutput(value, options: options), "# c\n\nDate: d\n\n## 1\n\nProperty | Value\n---------|-------\nid | 1\ntags | [\"a\"]\n")
    }

    func testPrimitivesPrintOnePerLine() {
        XCTAssertEqual(formatOutput(["x", 1], options: OutputOptions(mode: .md)), "x\n1\n")
    }
}
