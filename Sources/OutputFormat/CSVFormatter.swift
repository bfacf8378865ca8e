import JSONModel

/// `--output csv`, following csv-stringify as the CLI configures it: columns from the first record,
/// booleans as 1/0, quoting only when needed unless `csvQuoted`/`csvQuotedEmpty` say otherwise.
struct CSVFormatter {
    let options: OutputOptions

    func format(_ items: [JSON]) -> String {
        let records = items.compactMap(\.objectValue).map(prepare)
        guard let first = records.first else { return "" }
        let columns = first.keys
        var out = ""
        if options.csvHeader { out += headerLine(columns) }
        for record in records { out += line(record, columns) }
        return out
    }

    /// Without a query, object- and array-valued properties are dropped (null stays).
    func prepare(_ record: JSONObject) -> JSONObject {
        guard !options.queryApplied else { return record }
        var kept = JSONObject()
        for (key, value) in record {
            switch value {
            case .object, .array: continue
            default: kept[key] = value
            }
        }
        return kept
    }

    func headerLine(_ columns: [String]) -> String {
        columns.map { field($0) }.joined(separator: ",") + "\n"
    }

    func line(_ record: JSONObject, _ columns: [String]) -> String {
        columns.map { column in
            switch record[column] {
            case nil, .null?: return field("")
            case .bool(let b)?: return field(b ? "1" : "0")
            case let value?: return field(JSText.string(value))
            }
        }.joined(separator: ",") + "\n"
    }

    /// Quotes a field when it holds the delimiter, the quote character or a line break, or when
    /// the options ask for it; quote characters inside are escaped with `csvEscape`.
    func field(_ value: String) -> String {
        let quote = options.csvQuote
        let escape = options.csvEscape
        guard !value.isEmpty else {
            return options.csvQuotedEmpty ? String(quote) + String(quote) : ""
        }
        if let marks = asciiMarks {
            var bytes: [UInt8] = []
            appendField(value.utf8, marks: marks, to: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }
        let containsQuote = value.contains(quote)
        let needsQuotes = options.csvQuoted || containsQuote || value.contains(",")
            || value.contains("\n") || value.contains("\r")
        guard needsQuotes else { return value }
        var body = ""
        body.reserveCapacity(value.utf8.count + 2)
        for ch in value {
            if ch == escape && escape != quote {
                body.append(escape)
            } else if ch == quote {
                body.append(escape)
            }
            body.append(ch)
        }
        return String(quote) + body + String(quote)
    }

    /// The quote and escape characters as bytes, when both are one byte (the usual `"`): fields
    /// are then written on UTF-8 bytes (walking Characters was most of a long csv's time).
    var asciiMarks: (quote: UInt8, escape: UInt8)? {
        guard let quote = options.csvQuote.asciiValue, let escape = options.csvEscape.asciiValue else { return nil }
        return (quote, escape)
    }

    /// `field` on bytes, appended to `out`.
    func appendField(_ value: some Collection<UInt8>, marks: (quote: UInt8, escape: UInt8), to out: inout [UInt8]) {
        guard !value.isEmpty else {
            if options.csvQuotedEmpty { out.append(marks.quote); out.append(marks.quote) }
            return
        }
        let needsQuotes = options.csvQuoted || value.contains { byte in
            byte == marks.quote || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
        }
        guard needsQuotes else {
            out.append(contentsOf: value)
            return
        }
        out.append(marks.quote)
        for byte in value {
            if byte == marks.quote || (byte == marks.escape && marks.escape != marks.quote) { out.append(marks.escape) }
            out.append(byte)
        }
        out.append(marks.quote)
    }

    /// The columns of a record read from text: its scalar properties (null included), each key
    /// once, as `prepare` keeps them for the first record.
    static func columns(of record: JSONMemberReader) -> [String] {
        var columns: [String] = []
        for member in record.members {
            let key = record.key(of: member)
            if !columns.contains(key), record.last(key)?.kind != .container { columns.append(key) }
        }
        return columns
    }

    /// `line(prepare(record), columns)` for a record read from text, appended to `out` (the
    /// columns as UTF-8: compared with the record's keys byte for byte).
    func appendLine(_ record: JSONMemberReader, _ columns: [[UInt8]], marks: (quote: UInt8, escape: UInt8), to out: inout [UInt8]) {
        for (index, column) in columns.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            // Null prints empty; a container is what `prepare` drops.
            guard let member = record.last(column), member.kind != .null, member.kind != .container else {
                appendField(EmptyCollection<UInt8>(), marks: marks, to: &out)
                continue
            }
            if member.kind == .bool {
                // Booleans print 1 and 0; the text is "true" or "false".
                appendField(CollectionOfOne(member.text.count == 4 ? UInt8(ascii: "1") : UInt8(ascii: "0")), marks: marks, to: &out)
            } else {
                appendField(record.text[member.text], marks: marks, to: &out)
            }
        }
        out.append(UInt8(ascii: "\n"))
    }
}
