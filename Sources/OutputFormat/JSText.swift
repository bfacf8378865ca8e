import JSONModel

/// How JavaScript turns values into text, which the CLI's formatters rely on.
enum JSText {
    /// `String(value)` for primitives; objects and arrays as compact JSON (more useful than
    /// JavaScript's "[object Object]").
    static func string(_ value: JSON) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return JSON.formatNumber(n)
        case .string(let s): return s
        case .array, .object: return value.serialized()
        }
    }

    /// An element of `Array.prototype.join`: null is empty and nested arrays join with commas.
    static func joinElement(_ value: JSON) -> String {
        switch value {
        case .null: return ""
        case .array(let items): return items.map(joinElement).joined(separator: ",")
        default: return string(value)
        }
    }

    /// JavaScript's default `sort()` order: by UTF-16 code units.
    static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf16.lexicographicallyPrecedes(b.utf16)
    }

    /// Terminal columns a string takes (what easy-table measures with wcwidth).
    static func displayWidth(_ s: String) -> Int {
        // Printable ASCII, the usual case, is one column a byte.
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return s.utf8.count }
        var width = 0
        for scalar in s.unicodeScalars {
            let v = scalar.value
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .enclosingMark, .format: continue
            default: break
            }
            if v < 0x20 || (0x7F..<0xA0).contains(v) { continue }
            width += isWide(v) ? 2 : 1
        }
        return width
    }

    /// East Asian wide and fullwidth ranges, plus emoji, which terminals draw two columns wide.
    private static func isWide(_ v: UInt32) -> Bool {
        (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
            || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
            || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
            || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v)
            || (0x1F900...0x1F9FF).contains(v) || (0x20000...0x3FFFD).contains(v)
    }
}
