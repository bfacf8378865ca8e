import PluginKit
@testable import SPO
import XCTest

/// CSVTable.parse: the `--csvPath` reader of `spo listitem batch …`.
final class CSVTableTests: XCTestCase {
    private func table(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> CSVTable? {
        do throws(PluginFailure) {
            return try CSVTable.parse(text)
        } catch {
            XCTFail("unexpected failure: \(error.description)", file: file, line: line)
            return nil
        }
    }

    private func failure(_ text: String) -> PluginFailure? {
        do throws(PluginFailure) {
            _ = try CSVTable.parse(text)
            return nil
        } catch {
            return error
        }
    }

    private func assertFails(_ text: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let error = failure(text) else { return XCTFail("parsed, but should fail with: \(message)", file: file, line: line) }
        XCTAssertEqual(error.description, message, file: file, line: line)
        XCTAssertEqual(error.status, M365_ERR_INVALID_ARGUMENT, "a CSV mistake is a usage error", file: file, line: line)
    }

    // MARK: Tables that parse

    func testHeaderAndRowsWithTheirLines() {
        guard let t = table("Title,Body\nA,B\nC,D") else { return }
        XCTAssertEqual(t.header, ["Title", "Body"])
        XCTAssertEqual(t.rows.map(\.cells), [["A", "B"], ["C", "D"]])
        XCTAssertEqual(t.rows.map(\.line), [2, 3])
    }

    func testQuotedValuesHoldCommasDoubledQuotesAndLineBreaks() {
        let text = "Title,Body\n\"a,b\",\"say \"\"hi\"\"\"\n\"multi\nline\",x\nlast,\"\"\"\"\n"
        guard let t = table(text) else { return }
        XCTAssertEqual(t.rows.map(\.cells), [["a,b", "say \"hi\""], ["multi\nline", "x"], ["last", "\""]])
        // The record after a two-line value starts on line 5, as a spreadsheet numbers it.
        XCTAssertEqual(t.rows.map(\.line), [2, 3, 5])
    }

    func testCRLFAndBareCRLineEnds() {
        for text in ["a,b\r\n1,2\r\n3,4\r\n", "a,b\r1,2\r3,4", "a,b\n1,2\r\n3,4\r"] {
            guard let t = table(text) else { continue }
            XCTAssertEqual(t.header, ["a", "b"], text.debugDescription)
            XCTAssertEqual(t.rows.map(\.cells), [["1", "2"], ["3", "4"]], text.debugDescription)
            XCTAssertEqual(t.rows.map(\.line), [2, 3], text.debugDescription)
        }
    }

    func testLineBreaksInsideQuotesAreKeptAsWrittenAndCountedOnce() {
        // A quoted CRLF stays CRLF and counts as one line; a bare CR inside quotes counts too.
        guard let t = table("a\r\n\"x\r\ny\"\r\nz\r\n\"p\rq\"\r\nw") else { return }
        let scalars = t.rows.map { $0.cells.map { Array($0.unicodeScalars) } }
        let expected = [["x\r\ny"], ["z"], ["p\rq"], ["w"]].map { $0.map { Array($0.unicodeScalars) } }
        XCTAssertEqual(scalars, expected)
        XCTAssertEqual(t.rows.map(\.line), [2, 4, 5, 7])
    }

    func testLeadingByteOrderMarkIsDropped() {
        guard let t = table("\u{FEFF}Title,Body\n1,2") else { return }
        XCTAssertEqual(t.header, ["Title", "Body"])
        XCTAssertEqual(t.header.first?.unicodeScalars.first, "T")
        // Only a leading one: elsewhere it is text.
        guard let u = table("Title\n\u{FEFF}x") else { return }
        XCTAssertEqual(u.rows.first?.cells.first?.unicodeScalars.first, "\u{FEFF}")
    }

    func testEmptyFieldsQuotedOrNot() {
        guard let t = table("a,b,c\n,,\n\"\",x,\n\"\",\"\",\"\"") else { return }
        XCTAssertEqual(t.rows.map(\.cells), [["", "", ""], ["", "x", ""], ["", "", ""]])
    }

    func testBlankLinesAreNotRecordsButStillCount() {
        guard let t = table("\n\nTitle\n\nA\r\n\r\n\nB\n\n") else { return }
        XCTAssertEqual(t.header, ["Title"])
        XCTAssertEqual(t.rows.map(\.cells), [["A"], ["B"]])
        XCTAssertEqual(t.rows.map(\.line), [5, 8])
    }

    func testAQuotedEmptyValueAloneOnALineIsARecord() {
        guard let t = table("Title\n\"\"\nA") else { return }
        XCTAssertEqual(t.rows.map(\.cells), [[""], ["A"]])
        XCTAssertEqual(t.rows.map(\.line), [2, 3])
    }

    func testHeaderNamesAreTrimmedButValuesAreNot() {
        guard let t = table(" Title ,\tBody \n 1 , 2 ") else { return }
        XCTAssertEqual(t.header, ["Title", "Body"])
        XCTAssertEqual(t.rows.map(\.cells), [[" 1 ", " 2 "]])
    }

    func testLastRecordWithoutLineEndAndTrailingEmptyValue() {
        guard let t = table("a,b\n1,") else { return }
        XCTAssertEqual(t.rows.map(\.cells), [["1", ""]])
        guard let u = table("a\n\"q\"") else { return }
        XCTAssertEqual(u.rows.map(\.cells), [["q"]])
    }

    func testNonASCIIText() {
        guard let t = table("Titre,Note\n\"Été, 2025\",naïve ☃ 👍🏽\n") else { return }
        XCTAssertEqual(t.rows.map(\.cells), [["Été, 2025", "naïve ☃ 👍🏽"]])
    }

    // MARK: Failures

    func testEmptyText() {
        let message = "the CSV is empty: its first line must name the columns (e.g. Title)"
        assertFails("", message)
        assertFails("\u{FEFF}", message)
        assertFails("\n\r\n\r", message)
    }

    func testHeaderWithoutRows() {
        assertFails("Title\n", "the CSV has a header but no rows")
        assertFails("Title,Body\r\n\r\n", "the CSV has a header but no rows")
    }

    func testUnnamedColumn() {
        assertFails("a,,b\n1,2,3", "column 2 of the CSV's header (line 1) has no name")
        // Blank lines before the header move it; a name of spaces is no name.
        assertFails("\n\na,  \n1,2", "column 2 of the CSV's header (line 3) has no name")
        assertFails("\"\"\n1", "column 1 of the CSV's header (line 1) has no name")
    }

    func testColumnNamedTwice() {
        assertFails("Title,Body, Title\n1,2,3", "the CSV's header names the column 'Title' twice")
    }

    func testRowOfTheWrongWidth() {
        assertFails("a,b\n1,2\n3\n", "line 3 of the CSV has 1 value, but its header names 2 columns")
        assertFails("a\n1,2", "line 2 of the CSV has 2 values, but its header names 1 column")
        assertFails("a,b\n1,2,3", "line 2 of the CSV has 3 values, but its header names 2 columns")
        // The line is the one the record starts on, after a value that spans lines.
        assertFails("a,b\n\"x\ny\",1\n2\n", "line 4 of the CSV has 1 value, but its header names 2 columns")
        // A line of spaces is a record (of one value), not a blank line.
        assertFails("a,b\n1,2\n  \n", "line 3 of the CSV has 1 value, but its header names 2 columns")
    }

    func testQuoteInsideAnUnquotedValue() {
        let hint = "quote the whole value and double the quotes in it (\"a \"\"b\"\"\")"
        assertFails("a\nab\"c\"", "line 2 of the CSV has a quote inside an unquoted value: " + hint)
        // A space before the opening quote makes the value unquoted.
        assertFails("a,b\n1, \"x\"", "line 2 of the CSV has a quote inside an unquoted value: " + hint)
        assertFails("a\n\"x\ny\"\nb\"", "line 4 of the CSV has a quote inside an unquoted value: " + hint)
    }

    func testTextAfterAQuotedValue() {
        let message = "line 2 of the CSV has text after a quoted value: a closing quote must be followed by a comma or the end of the line"
        assertFails("a\n\"x\"y", message)
        assertFails("a,b\n\"x\" ,1", message)
    }

    func testQuoteNeverClosed() {
        assertFails("a\n\"x\ny\nz", "the quoted value that starts on line 2 of the CSV is never closed")
        assertFails("a,b\n1,2\n3,\"\"\"", "the quoted value that starts on line 3 of the CSV is never closed")
    }

    func testTheFirstRowOfTheWrongWidthIsNamed() {
        // Rows are checked in order: the first bad one is named.
        assertFails("a,b\n1\n2\n", "line 2 of the CSV has 1 value, but its header names 2 columns")
    }
}
