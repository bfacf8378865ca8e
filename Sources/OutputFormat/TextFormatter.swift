import JSONModel

/// `--output text`: one object as `key: value` lines, several as an easy-table style table.
enum TextFormatter {
    static func format(_ items: [JSON]) -> String {
        if items.count == 1 {
            return keyValueLines(items[0])
        }
        return table(items.compactMap(\.objectValue))
    }

    /// Sorted keys padded to the longest key; nested values and null as compact JSON.
    static func keyValueLines(_ item: JSON) -> String {
        guard case .object(let object) = item else { return JSText.joinElement(item) + "\n" }
        let keys = object.keys.sorted(by: JSText.precedes)
        let longest = keys.map(\.utf16.count).max() ?? 0
        var lines: [String] = []
        for key in keys {
            let padding = String(repeating: " ", count: longest - key.utf16.count)
            lines.append("\(key)\(padding): \(JSText.string(object[key] ?? .null))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A header row, a row of dashes, then one row per object; cells padded to the column's widest
    /// cell and separated by two spaces (every cell is padded, as easy-table does).
    static func table(_ rows: [JSONObject]) -> String {
        let table = Table(rows)
        var out = table.header
        for row in rows { out += table.row(row) }
        return out
    }

    /// A table's columns and their widths, measured on some rows: a long list prints the rows it
    /// was measured on, then streams the others with the same widths (wider cells are not cut).
    struct Table {
        let columns: [String]
        let widths: [Int]

        init(_ rows: [JSONObject]) {
            columns = TextFormatter.columnOrder(rows)
            var widths = columns.map(JSText.displayWidth)
            for row in rows {
                for (i, column) in columns.enumerated() {
                    if let cell = row[column] { widths[i] = max(widths[i], JSText.displayWidth(JSText.string(cell))) }
                }
            }
            self.widths = widths
        }

        var header: String { line(columns) + line(widths.map { String(repeating: "-", count: $0) }) }

        func row(_ row: JSONObject) -> String { line(columns.map { row[$0].map(JSText.string) ?? "" }) }

        private func line(_ texts: [String]) -> String {
            var parts: [String] = []
            for (i, text) in texts.enumerated() {
                parts.append(text + String(repeating: " ", count: max(0, widths[i] - JSText.displayWidth(text))))
            }
            return parts.joined(separator: "  ") + "\n"
        }
    }

    /// easy-table's column order: merges each row's key order so a key never precedes one it
    /// followed in an earlier row (two passes), ties broken by first appearance.
    static func columnOrder(_ rows: [JSONObject]) -> [String] {
        var position: [String: Int] = [:]
        var firstSeen: [String] = []
        for _ in 0..<2 {
            for row in rows {
                var index = 0
                for key in row.keys {
                    if position[key] == nil { firstSeen.append(key) }
                    index = max(index, position[key] ?? 0)
                    position[key] = index
                    index += 1
                }
            }
        }
        let order = Dictionary(uniqueKeysWithValues: firstSeen.enumerated().map { ($1, $0) })
        return firstSeen.sorted { a, b in
            let (pa, pb) = (position[a]!, position[b]!)
            return pa != pb ? pa < pb : order[a]! < order[b]!
        }
    }
}
