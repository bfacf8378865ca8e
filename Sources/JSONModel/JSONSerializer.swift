extension JSON {
    /// JSON text. `pretty` matches JavaScript's `JSON.stringify(value, null, 2)`; otherwise compact
    /// (no spaces), like `JSON.stringify(value)`.
    public func serialized(pretty: Bool = false) -> String {
        serialized(pretty: pretty, indentLevel: 0)
    }

    /// Pretty text as it appears nested `indentLevel` levels deep (lines after the first are indented
    /// by 2 × indentLevel spaces), so a streamed array can print its items one at a time.
    public func serialized(pretty: Bool, indentLevel: Int) -> String {
        var out = JSONTextBuffer()
        out.write(self, pretty: pretty, depth: indentLevel)
        return out.finish()
    }

    /// Compact JSON text as UTF-8 bytes, for handing over without making a String first.
    public func serializedBytes() -> [UInt8] {
        var out = JSONTextBuffer()
        out.write(self, pretty: false, depth: 0)
        return out.bytes
    }

    /// A JSON string literal for `text`, escaped like `JSON.stringify`.
    public static func quoted(_ text: String) -> String {
        var out = JSONTextBuffer()
        out.writeString(text)
        return out.finish()
    }

    /// Number text as JavaScript prints it ("1", "0.5", "1e+21", "1e-7").
    public static func formatNumber(_ value: Double) -> String {
        JSNumberFormatter.format(value)
    }
}

/// Accumulates UTF-8 bytes; one String is created at the end.
struct JSONTextBuffer {
    var bytes: [UInt8] = []
    /// Where full pieces go when the text is streamed rather than kept (see `reformat(…sink:)`).
    var spill: ((UnsafeRawBufferPointer) -> Void)?
    static let spillSize = 64 * 1024

    mutating func spillIfLarge() {
        guard let spill, bytes.count >= Self.spillSize else { return }
        bytes.withUnsafeBytes { spill($0) }
        bytes.removeAll(keepingCapacity: true)
    }

    init() { bytes.reserveCapacity(256) }

    func finish() -> String { String(decoding: bytes, as: UTF8.self) }

    mutating func append(_ s: String) { bytes.append(contentsOf: s.utf8) }

    mutating func newline(indent depth: Int) {
        bytes.append(UInt8(ascii: "\n"))
        for _ in 0..<(depth * 2) { bytes.append(UInt8(ascii: " ")) }
    }

    mutating func write(_ value: JSON, pretty: Bool, depth: Int) {
        switch value {
        case .null: append("null")
        case .bool(let b): append(b ? "true" : "false")
        case .number(let n): append(JSNumberFormatter.format(n))
        case .string(let s): writeString(s)
        case .array(let items):
            guard !items.isEmpty else { append("[]"); return }
            bytes.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                if pretty { newline(indent: depth + 1) }
                write(item, pretty: pretty, depth: depth + 1)
            }
            if pretty { newline(indent: depth) }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            guard !object.isEmpty else { append("{}"); return }
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for (key, member) in object {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                if pretty { newline(indent: depth + 1) }
                writeString(key)
                bytes.append(UInt8(ascii: ":"))
                if pretty { bytes.append(UInt8(ascii: " ")) }
                write(member, pretty: pretty, depth: depth + 1)
            }
            if pretty { newline(indent: depth) }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    mutating func writeString(_ s: String) {
        var text = s
        text.withUTF8 { writeString(utf8: $0) }
    }

    /// A string given as its UTF-8 bytes (valid UTF-8), quoted and escaped.
    mutating func writeString(utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        // Runs of bytes that need no escape are copied at once: most strings are one run.
        var run = 0
        for i in 0..<utf8.count {
            let byte = utf8[i]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if run < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<i])) }
            writeEscape(byte)
            run = i + 1
        }
        if run < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...])) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A quote, a backslash or a control character, escaped. Non-ASCII stays UTF-8, as
    /// JSON.stringify leaves it.
    private mutating func writeEscape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0..<0x20:
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            bytes.append(Self.hexDigits[Int(byte >> 4)])
            bytes.append(Self.hexDigits[Int(byte & 0xF)])
        default:
            bytes.append(byte)  // `"` or `\`
        }
    }
}
