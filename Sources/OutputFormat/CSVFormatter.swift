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
        if let q = quote.asciiValue, let e = escape.asciiValue {
            return asciiField(value, quote: q, escape: e)
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

    /// The same on UTF-8 bytes, for the usual one-byte quote and escape: a long csv streams at
    /// the speed of json (walking Characters was most of its time).
    private func asciiField(_ value: String, quote: UInt8, escape: UInt8) -> String {
        var needsQuotes = options.csvQuoted
        var marks = 0
        for byte in value.utf8 {
            switch byte {
            case quote: needsQuotes = true; marks += 1
            case UInt8(ascii: ","), UInt8(ascii: "\n"), UInt8(ascii: "\r"): needsQuotes = true
            case escape: marks += 1
            default: break
            }
        }
        guard needsQuotes else { return value }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count + marks + 2)
        bytes.append(quote)
        for byte in value.utf8 {
            if byte == quote || (byte == escape && escape != quote) { bytes.append(escape) }
            bytes.append(byte)
        }
        bytes.append(quote)
        return String(decoding: bytes, as: UTF8.self)
    }
}
