/// A JSON parse failure: what went wrong and the byte offset where it was noticed.
public struct JSONParseError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public let offset: Int

    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { "Invalid JSON: \(message) at byte \(offset)" }
}

extension JSON {
    /// The nesting depth beyond which parsing fails rather than risking the stack.
    public static let maximumNestingDepth = 512

    /// Parses strict RFC 8259 JSON text (one value, optional surrounding whitespace).
    public static func parse(_ text: String) throws(JSONParseError) -> JSON {
        var text = text
        let result = text.withUTF8 { buffer in
            Result { () throws(JSONParseError) in try parse(buffer: buffer) }
        }
        return try result.get()
    }

    /// Parses UTF-8 bytes; contiguous collections are read in place.
    public static func parse(bytes: some Collection<UInt8>) throws(JSONParseError) -> JSON {
        let result: Result<JSON, JSONParseError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) in try parse(buffer: buffer) }
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParseError) in try parse(buffer: buffer) }
        }.get()
    }

    /// Parses UTF-8 bytes in raw memory (e.g. a buffer handed over the plugin C ABI).
    public static func parse(buffer: UnsafeRawBufferPointer) throws(JSONParseError) -> JSON {
        try parse(buffer: buffer.bindMemory(to: UInt8.self))
    }

    public static func parse(buffer: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSON {
        var parser = JSONByteParser(buffer)
        return try parser.parseDocument()
    }
}

/// A recursive-descent parser over UTF-8 bytes.
struct JSONByteParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    var depth = 0
    /// Reused scratch space for strings that contain escapes.
    var scratch: [UInt8] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func parseDocument() throws(JSONParseError) -> JSON {
        skipByteOrderMark()
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if position < bytes.count { throw error("unexpected data after the JSON value") }
        return value
    }

    /// A UTF-8 byte order mark is tolerated at the start, as many Windows tools write one.
    mutating func skipByteOrderMark() {
        if position == 0, bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
    }

    func error(_ message: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(message: message, offset: offset ?? position)
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws(JSONParseError) -> JSON {
        guard position < bytes.count else { throw error("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected character '\(printable(bytes[position]))'")
        }
    }

    func printable(_ byte: UInt8) -> String {
        (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
    }

    mutating func expectWord(_ word: StaticString) throws(JSONParseError) {
        let start = position
        let count = word.utf8CodeUnitCount
        guard bytes.count - position >= count else { throw error("invalid literal", at: start) }
        let w = word.utf8Start
        for i in 0..<count where bytes[position + i] != w[i] { throw error("invalid literal", at: start) }
        position += count
    }

    mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > JSON.maximumNestingDepth {
            throw error("nesting deeper than \(JSON.maximumNestingDepth) levels")
        }
    }

    mutating func parseArray() throws(JSONParseError) -> JSON {
        try enter()
        position += 1
        var items: [JSON] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            guard position < bytes.count else { throw error("unterminated array") }
            let c = bytes[position]
            position += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "]") { break }
            throw error("expected ',' or ']' in array", at: position - 1)
        }
        depth -= 1
        return .array(items)
    }

    mutating func parseObject() throws(JSONParseError) -> JSON {
        try enter()
        position += 1
        var object = JSONObject()
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw error(position < bytes.count ? "expected a string key in object" : "unterminated object")
            }
            let key = try parseString()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                throw error("expected ':' after object key")
            }
            position += 1
            skipWhitespace()
            object[key] = try parseValue()
            skipWhitespace()
            guard position < bytes.count else { throw error("unterminated object") }
            let c = bytes[position]
            position += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "}") { break }
            throw error("expected ',' or '}' in object", at: position - 1)
        }
        depth -= 1
        return .object(object)
    }

    // MARK: Strings

    mutating func parseString() throws(JSONParseError) -> String {
        let start = position
        position += 1
        // Fast path: no escapes, so the bytes can be validated and used in place.
        var i = position
        var ascii = true
        while true {
            i = plainRun(from: i)
            guard i < bytes.count else { throw error("unterminated string", at: start) }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[position..<i])
                position = i + 1
                if ascii { return String(decoding: slice, as: UTF8.self) }
                guard let s = String(validating: slice, as: UTF8.self) else {
                    throw error("invalid UTF-8 in string", at: start)
                }
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw error("unescaped control character in string", at: i) }
            ascii = false
            i += 1
        }
        position = start
        try decodeString()
        return String(decoding: scratch, as: UTF8.self)  // validated by decodeString
    }

    /// The index of the first byte at or after `start` that is not printable ASCII other than a
    /// quote or a backslash (`bytes.count` if none): what every string scan stops at. Eight
    /// bytes a step, tested at once (a zero byte after XOR finds `"` and `\`; a borrow out of
    /// `x - 0x20` finds control characters; the high bit finds bytes of 0x80 and up).
    @inline(__always)
    func plainRun(from start: Int) -> Int {
        var i = start
        let count = bytes.count
        if let base = bytes.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            while i + 8 <= count {
                let x = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                let quote = x ^ (ones &* 0x22), backslash = x ^ (ones &* 0x5C)
                let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | (x &- ones &* 0x20) | x
                if special & highs != 0 { break }
                i += 8
            }
        }
        while i < count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c &- 0x20 >= 0x60 { break }
            i += 1
        }
        return i
    }

    /// Decodes the string at `position` (its opening quote) into `scratch`, escapes resolved and
    /// the result checked to be UTF-8, without building a String: skipping and reformatting a
    /// string with escapes (CSOM's `"\/Date(…)\/"` in every item) need no more.
    mutating func decodeString() throws(JSONParseError) {
        let start = position
        position += 1
        scratch.removeAll(keepingCapacity: true)
        var ascii = true
        while true {
            // The run up to the next quote, backslash or control character goes over at once.
            var i = plainRun(from: position)
            while i < bytes.count, bytes[i] >= 0x80 {
                ascii = false
                i = plainRun(from: i + 1)
            }
            if i > position { scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[position..<i])) }
            position = i
            guard position < bytes.count else { throw error("unterminated string", at: start) }
            switch bytes[position] {
            case UInt8(ascii: "\""):
                position += 1
                // Escapes only ever add valid UTF-8; raw bytes of 0x80 and above need the check.
                if !ascii, scratch.withUnsafeBufferPointer({ String(validating: $0, as: UTF8.self) }) == nil {
                    throw error("invalid UTF-8 in string", at: start)
                }
                return
            case UInt8(ascii: "\\"):
                try parseEscape()
            default:
                throw error("unescaped control character in string")
            }
        }
    }

    mutating func parseEscape() throws(JSONParseError) {
        let start = position
        position += 1
        guard position < bytes.count else { throw error("unterminated escape", at: start) }
        let c = bytes[position]
        position += 1
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(c)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try parseHex4())
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                      bytes[position + 1] == UInt8(ascii: "u") else {
                    throw error("unpaired surrogate in \\u escape", at: start)
                }
                position += 2
                let low = UInt32(try parseHex4())
                guard (0xDC00..<0xE000).contains(low) else { throw error("invalid low surrogate in \\u escape", at: start) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw error("unpaired surrogate in \\u escape", at: start)
            }
            appendUTF8(scalar)
        default:
            throw error("invalid escape '\\\(printable(c))'", at: start)
        }
    }

    mutating func parseHex4() throws(JSONParseError) -> UInt16 {
        guard bytes.count - position >= 4 else { throw error("truncated \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let c = bytes[position]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | (scalar >> 6)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | (scalar >> 12)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            scratch.append(UInt8(0xF0 | (scalar >> 18)))
            scratch.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    // MARK: Numbers

    mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = position
        var negative = false
        if bytes[position] == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        let integerStart = position
        var mantissa: UInt64 = 0
        var digitCount = 0
        while position < bytes.count, case let c = bytes[position], c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
            if digitCount < 19 { mantissa = mantissa &* 10 &+ UInt64(c - UInt8(ascii: "0")) }
            digitCount += 1
            position += 1
        }
        guard digitCount > 0 else { throw error("invalid number", at: start) }
        if digitCount > 1 && bytes[integerStart] == UInt8(ascii: "0") {
            throw error("leading zeros are not allowed in numbers", at: start)
        }
        var simple = true
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            simple = false
            position += 1
            guard skipDigits() > 0 else { throw error("expected digits after the decimal point", at: start) }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            simple = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard skipDigits() > 0 else { throw error("expected digits in the exponent", at: start) }
        }
        // Integers of up to 15 digits convert exactly; everything else goes through the
        // correctly rounded standard-library conversion.
        if simple && digitCount <= 15 {
            let value = Double(mantissa)
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text) else { throw error("invalid number", at: start) }
        return value
    }

    mutating func skipDigits() -> Int {
        let start = position
        while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
            position += 1
        }
        return position - start
    }
}
