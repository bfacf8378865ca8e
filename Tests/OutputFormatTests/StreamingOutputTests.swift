import JSONModel
import OutputFormat
import XCTest

final class StreamingOutputTests: XCTestCase {
    static let samples: [[JSON]] = [
        [],
        [["id": 1]],
        [["id": 1, "name": "a \"q\"", "nested": ["x": [1, 2, ["deep": true]]], "empty": [:], "list": []],
         ["id": 2, "name": "b,c", "nested": nil, "ok": false]],
        ["a", 1, nil, [1, 2]],
        [nil, ["a": 1]],
    ]

    private func streamed(_ items: [JSON], _ options: OutputOptions) -> (String, chunks: Int) {
        var out = ""
        var chunks = 0
        let stream = StreamingOutput(options: options) { out += $0; chunks += 1 }
        stream.begin()
        for item in items { stream.item(item) }
        stream.end()
        return (out, chunks)
    }

    func testStreamedOutputEqualsFormattedOutputByteForByte() {
        for mode in OutputMode.allCases {
            for queryApplied in [false, true] {
                var options = OutputOptions(mode: mode, queryApplied: queryApplied, commandLine: "m365 x", date: "today")
                options.defaultProperties = ["id"]
                for sample in Self.samples {
                    let expected = formatOutput(.array(sample), options: options)
                    XCTAssertEqual(streamed(sample, options).0, expected, "mode \(mode), query \(queryApplied), \(sample)")
                }
            }
        }
    }

    func testJSONAndCSVWriteItemsAsTheyArrive() {
        let items: [JSON] = [["id": 1], ["id": 2], ["id": 3]]
        var out = ""
        let stream = StreamingOutput(options: OutputOptions(mode: .json)) { out += $0 }
        stream.begin()
        stream.item(items[0])
        XCTAssertEqual(out, "[\n  {\n    \"id\": 1\n  }")
        stream.item(items[1])
        stream.item(items[2])
        stream.end()
        XCTAssertEqual(try JSON.parse(out), .array(items))

        var csv = ""
        let csvStream = StreamingOutput(options: OutputOptions(mode: .csv)) { csv += $0 }
        csvStream.begin()
        csvStream.item(items[0])
        XCTAssertEqual(csv, "id\n1\n")
        XCTAssertEqual(streamed(items, OutputOptions(mode: .none)).chunks, 0)
    }

    func testEveryFormatStreams() {
        var md = ""
        let stream = StreamingOutput(options: OutputOptions(mode: .md, commandLine: "m365 x", date: "d")) { md += $0 }
        stream.begin()
        stream.item(["id": 1, "title": "One"])
        XCTAssertTrue(md.hasPrefix("# m365 x\n\nDate: d\n\n## One (1)\n"), md)
    }

    /// Text holds the first 1,000 rows to measure the columns; beyond, rows stream with those
    /// widths (a wider cell is not cut) and nothing more is held.
    func testTextStreamsPastItsWindowWithTheWindowsWidths() {
        var out = ""
        var chunksBeforeEnd = 0
        let stream = StreamingOutput(options: OutputOptions(mode: .text)) { out += $0; chunksBeforeEnd += 1 }
        stream.begin()
        for i in 0..<StreamingOutput.textWindow { stream.item(["id": JSON(i), "name": .string("n\(i)")]) }
        XCTAssertEqual(out, "", "up to the window, nothing is printed yet")
        stream.item(["id": 1000, "name": "a much wider name than any before"])
        XCTAssertGreaterThan(chunksBeforeEnd, 1000, "the window went out when it overflowed")
        for i in 1001..<1500 { stream.item(["id": JSON(i), "name": .string("n\(i)")]) }
        stream.end()
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines[0], "id   name")
        XCTAssertEqual(lines[1], "---  ----")
        XCTAssertEqual(lines[2], "0    n0  ")
        XCTAssertEqual(lines[1002], "1000  a much wider name than any before")
        XCTAssertEqual(lines[1501], "1499  n1499")
        XCTAssertEqual(out.suffix(2), "\n\n")
    }

    /// Items given as text (what a plugin emits) print as their parsed values would: csv is
    /// read straight from the text, and must agree byte for byte in every corner.
    func testItemsAsTextPrintAsTheirValues() throws {
        let texts = [
            #"{"id":1,"name":"a \"q\"","ok":true,"off":false,"none":null,"nested":{"x":[1]},"list":[],"n":1.50,"e":1E3,"big":12345678901234567890}"#,
            #"{"name":"b,c\nd","id":-0,"ok":false,"extra":"ignored","none":"x"}"#,
            #"{"dup":1,"id":2,"dup":"second","name":"Zoë \u00e9 \ud83d\ude00","ok":null}"#,
            #"  {"id":3}  "#,
            #"null"#,
            #"{"nested":"now a string","name":"","id":"tab\there"}"#,
        ]
        var variants: [OutputOptions] = []
        for (quoted, quotedEmpty, header) in [(false, false, true), (true, false, true), (false, true, false), (true, true, true)] {
            var options = OutputOptions(mode: .csv)
            options.csvQuoted = quoted
            options.csvQuotedEmpty = quotedEmpty
            options.csvHeader = header
            variants.append(options)
        }
        var escaped = OutputOptions(mode: .csv)
        escaped.csvEscape = "\\"
        variants.append(escaped)
        variants.append(OutputOptions(mode: .json))
        variants.append(OutputOptions(mode: .none))
        for options in variants {
            for count in 1...texts.count {
                // json is laid out from the text as written: a key given twice stays twice there
                // (documented at JSON.reformat), so that item is for csv.
                let slice = Array(texts.prefix(count)).filter { options.mode == .csv || !$0.contains("dup") }
                let values = try slice.map { try JSON.parse($0) }
                var out = ""
                let stream = StreamingOutput(options: options) { out += $0 }
                stream.begin()
                for text in slice {
                    var bytes = Array(text.utf8)
                    try bytes.withUnsafeMutableBytes { try stream.item(json: UnsafeRawBufferPointer($0)) }
                }
                stream.end()
                XCTAssertEqual(out, formatOutput(.array(values), options: options), "\(options.mode) \(options.csvQuoted) \(options.csvQuotedEmpty), \(count) items")
            }
        }
        // A list of primitives as text goes the general way.
        var csv = ""
        let stream = StreamingOutput(options: OutputOptions(mode: .csv)) { csv += $0 }
        stream.begin()
        for text in ["1", "\"a\"", "{\"id\":1}"] {
            var bytes = Array(text.utf8)
            try bytes.withUnsafeMutableBytes { try stream.item(json: UnsafeRawBufferPointer($0)) }
        }
        stream.end()
        XCTAssertEqual(csv, formatOutput([1, "a", ["id": 1]], options: OutputOptions(mode: .csv)))
    }

    func testInvalidItemTextIsRefusedInEveryTextFormat() {
        for mode in [OutputMode.json, .csv, .none] {
            let stream = StreamingOutput(options: OutputOptions(mode: mode)) { _ in }
            stream.begin()
            for bad in [#"{"id":1"#, #"{"id":01}"#, #"{"a":"\x"}"#, "{} x", #"{"a":[1,}"#] {
                var bytes = Array(bad.utf8)
                XCTAssertThrowsError(try bytes.withUnsafeMutableBytes { try stream.item(json: UnsafeRawBufferPointer($0)) }, "\(mode): \(bad)")
            }
        }
    }
}
