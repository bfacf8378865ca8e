import PluginKit

/// A CSV file as RFC 4180 writes it: the first record names the columns, fields are separated
/// by commas, records by CRLF or LF; a quoted field may hold commas, line breaks and doubled
/// quotes (`""`). Every value is text. Each row keeps the line its record starts on, so a
/// failure can name the line a spreadsheet shows.
struct CSVTable {
    var header: [String]
    var rows: [(line: Int, cells: [String])]

    /// Parses `text`; anything that is not a table with a header and rows of the header's width
    /// is a usage error naming the line.
    static func parse(_ text: String) throws(PluginFailure) -> CSVTable {
        var records: [(line: Int, cells: [String])] = []
        var cells: [String] = []
        var field = ""
        var quoted = false        // inside quotes
        var wasQuoted = false     // the current field was quoted (and its quotes are closed)
        var line = 1
        var recordLine = 1
        var quoteLine = 1
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }

        func endRecord() {
            cells.append(field)
            // A line with nothing on it is not a record.
            if !(cells.count == 1 && cells[0].isEmpty && !wasQuoted) { records.append((recordLine, cells)) }
            cells = []
            field = ""
            wasQuoted = false
        }

        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < scalars.count, scalars[i + 1] == "\"" { field.unicodeScalars.append("\""); i += 2; continue }
                    quoted = false
                    wasQuoted = true
                } else {
                    if c == "\n" || (c == "\r" && (i + 1 >= scalars.count || scalars[i + 1] != "\n")) { line += 1 }
                    field.unicodeScalars.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case ",":
                cells.append(field)
                field = ""
                wasQuoted = false
            case "\r", "\n":
                if c == "\r", i + 1 < scalars.count, scalars[i + 1] == "\n" { i += 1 }
                endRecord()
                line += 1
                recordLine = line
            case "\"":
                guard field.isEmpty, !wasQuoted else {
                    throw usage("line \(line) of the CSV has a quote inside an unquoted value: quote the whole value and double the quotes in it (\"a \"\"b\"\"\")")
                }
                quoted = true
                quoteLine = line
            default:
                if wasQuoted {
                    throw usage("line \(line) of the CSV has text after a quoted value: a closing quote must be followed by a comma or the end of the line")
                }
                field.unicodeScalars.append(c)
            }
            i += 1
        }
        if quoted { throw usage("the quoted value that starts on line \(quoteLine) of the CSV is never closed") }
        if !field.isEmpty || !cells.isEmpty || wasQuoted { endRecord() }

        guard let first = records.first else { throw usage("the CSV is empty: its first line must name the columns (e.g. Title)") }
        let header = first.cells.map(\.trimmingSpaces)
        if let blank = header.firstIndex(where: \.isEmpty) {
            throw usage("column \(blank + 1) of the CSV's header (line \(first.line)) has no name")
        }
        for (index, name) in header.enumerated() where header[..<index].contains(name) {
            throw usage("the CSV's header names the column '\(name)' twice")
        }
        let rows = Array(records.dropFirst())
        for row in rows where row.cells.count != header.count {
            throw usage("line \(row.line) of the CSV has \(row.cells.count) value\(row.cells.count == 1 ? "" : "s"), but its header names \(header.count) column\(header.count == 1 ? "" : "s")")
        }
        guard !rows.isEmpty else { throw usage("the CSV has a header but no rows") }
        return CSVTable(header: header, rows: rows)
    }
}
