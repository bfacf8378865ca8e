import JSONModel

/// `--output md`: a title with the command line, the date, then a `Property | Value` table per item.
struct MarkdownFormatter {
    let options: OutputOptions

    func format(_ items: [JSON]) -> String {
        var out = title
        for (index, item) in items.enumerated() {
            guard case .object(let object) = item else { continue }
            out += section(object, number: index + 1)
        }
        return Self.trimEnd(out)
    }

    /// What comes before the first item.
    var title: String { "# \(options.commandLine)\n\nDate: \(options.date)\n\n" }

    /// One item's table, with the blank line that follows it (the end of the output is trimmed).
    func section(_ object: JSONObject, number: Int) -> String {
        var out = "## \(heading(object, number: number))\n\n"
        out += "Property | Value\n---------|-------\n"
        var rows: [String] = []
        for (key, value) in object {
            // Without a query, object-valued properties (and null, an object in JavaScript) are left out.
            if !options.queryApplied {
                switch value {
                case .object, .array, .null: continue
                default: break
                }
            }
            rows.append("\(Self.escape(key)) | \(Self.escape(JSText.string(value)))")
        }
        return out + rows.joined(separator: "\n") + "\n\n"
    }

    /// "title (id)", "title" or "id" from the usual property names; the item number otherwise.
    func heading(_ object: JSONObject, number: Int) -> String {
        func first(_ names: [String]) -> JSON? {
            for name in names {
                if let value = object[name], !value.isNull { return value }
            }
            return nil
        }
        let title = first(["title", "Title", "displayName", "DisplayName", "name", "Name"]).flatMap(Self.truthyText)
        let id = first(["id", "Id", "ID", "uniqueId", "UniqueId", "objectId", "ObjectId", "url", "Url", "URL"])
            .flatMap(Self.truthyText)
        switch (title, id) {
        case let (title?, id?): return "\(title) (\(id))"
        case let (title?, nil): return title
        case let (nil, id?): return id
        default: return String(number)
        }
    }

    /// The text of a value JavaScript would consider truthy, else nil.
    static func truthyText(_ value: JSON) -> String? {
        switch value {
        case .null, .bool(false): return nil
        case .number(let n) where n == 0: return nil
        case .string(let s) where s.isEmpty: return nil
        default: return JSText.string(value)
        }
    }

    /// Markdown-significant characters get a backslash; line breaks become <br> to stay in the cell.
    static func escape(_ text: String) -> String {
        // Most cells have nothing to escape: a scan of the bytes spares walking Characters.
        var text = text
        let plain = text.withUTF8 { bytes in
            !bytes.contains { byte in
                switch byte {
                case UInt8(ascii: "_"), UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "\n"): return true
                default: return false
                }
            }
        }
        if plain { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            switch ch {
            case "_", "*", "~", "`", "|": out.append("\\"); out.append(ch)
            case "\n": out += "<br>"
            default: out.append(ch)
            }
        }
        return out
    }

    static func trimEnd(_ s: String) -> String {
        var end = s.endIndex
        while end > s.startIndex {
            let previous = s.index(before: end)
            guard s[previous].isWhitespace else { break }
            end = previous
        }
        return String(s[..<end])
    }
}
