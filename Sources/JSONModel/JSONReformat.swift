extension JSON {
    /// The text `parse(buffer:).serialized(pretty:indentLevel:)` gives, written in one pass over
    /// the bytes without building values: a long list streamed from a plugin is checked and
    /// printed item by item at the cost of a copy. Invalid JSON throws as `parse` does. Unlike
    /// the round trip, a key given twice in an object is printed twice.
    public static func reformat(buffer: UnsafeRawBufferPointer, pretty: Bool, indentLevel: Int) throws(JSONParseError) -> String {
        var parser = JSONByteParser(buffer.bindMemory(to: UInt8.self))
        var out = JSONTextBuffer()
        out.bytes.reserveCapacity(buffer.count + buffer.count / 4)
        parser.skipByteOrderMark()
        parser.skipWhitespace()
        try parser.reformatValue(into: &out, pretty: pretty, depth: indentLevel)
        parser.skipWhitespace()
        if parser.position < parser.bytes.count { throw parser.error("unexpected data after the JSON value") }
        return out.finish()
    }

    /// The same text appended to `bytes`: a buffer a caller reuses item after item, so a long
    /// list is laid out without an allocation (or a String) per item. On a throw, `bytes` holds
    /// what was appended before the fault.
    public static func reformat(buffer: UnsafeRawBufferPointer, pretty: Bool, indentLevel: Int,
                                appendingTo bytes: inout [UInt8]) throws(JSONParseError) {
        var parser = JSONByteParser(buffer.bindMemory(to: UInt8.self))
        var out = JSONTextBuffer()
        swap(&out.bytes, &bytes)
        defer { swap(&out.bytes, &bytes) }
        parser.skipByteOrderMark()
        parser.skipWhitespace()
        try parser.reformatValue(into: &out, pretty: pretty, depth: indentLevel)
        parser.skipWhitespace()
        if parser.position < parser.bytes.count { throw parser.error("unexpected data after the JSON value") }
    }

    /// The same text handed to `sink` in pieces of about 64 KiB as it is produced, so a large
    /// value is laid out without holding its text whole (`--output json` of a big result). With
    /// `sink` nil the bytes are only checked. Invalid JSON throws; what was sunk before stays.
    public static func reformat(buffer: UnsafeRawBufferPointer, pretty: Bool, indentLevel: Int,
                                sink: ((UnsafeRawBufferPointer) -> Void)?) throws(JSONParseError) {
        var parser = JSONByteParser(buffer.bindMemory(to: UInt8.self))
        var out = JSONTextBuffer()
        out.spill = sink ?? { _ in }
        out.bytes.reserveCapacity(JSONTextBuffer.spillSize + 4096)
        parser.skipByteOrderMark()
        parser.skipWhitespace()
        try parser.reformatValue(into: &out, pretty: pretty, depth: indentLevel)
        parser.skipWhitespace()
        if parser.position < parser.bytes.count { throw parser.error("unexpected data after the JSON value") }
        out.bytes.withUnsafeBytes { out.spill?($0) }
    }
}

extension JSONByteParser {
    mutating func reformatValue(into out: inout JSONTextBuffer, pretty: Bool, depth: Int) throws(JSONParseError) {
        guard position < bytes.count else { throw error("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"): try reformatContainer(into: &out, pretty: pretty, depth: depth, object: true)
        case UInt8(ascii: "["): try reformatContainer(into: &out, pretty: pretty, depth: depth, object: false)
        case UInt8(ascii: "\""): try reformatString(into: &out)
        case UInt8(ascii: "t"): try expectWord("true"); out.append("true")
        case UInt8(ascii: "f"): try expectWord("false"); out.append("false")
        case UInt8(ascii: "n"): try expectWord("null"); out.append("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try reformatNumber(into: &out)
        default: throw error("unexpected character '\(printable(bytes[position]))'")
        }
    }

    /// An object or array, laid out as `JSONTextBuffer.write` lays it out.
    mutating func reformatContainer(into out: inout JSONTextBuffer, pretty: Bool, depth: Int, object: Bool) throws(JSONParseError) {
        let close = object ? UInt8(ascii: "}") : UInt8(ascii: "]")
        try enter()
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == close {
            position += 1
            self.depth -= 1
            out.append(object ? "{}" : "[]")
            return
        }
        out.bytes.append(object ? UInt8(ascii: "{") : UInt8(ascii: "["))
        var first = true
        while true {
            skipWhitespace()
            if !first { out.bytes.append(UInt8(ascii: ",")) }
            first = false
            if pretty { out.newline(indent: depth + 1) }
            if object {
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw error(position < bytes.count ? "expected a string key in object" : "unterminated object")
                }
                try reformatString(into: &out)
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                    throw error("expected ':' after object key")
                }
                position += 1
                skipWhitespace()
                out.bytes.append(UInt8(ascii: ":"))
                if pretty { out.bytes.append(UInt8(ascii: " ")) }
            }
            try reformatValue(into: &out, pretty: pretty, depth: depth + 1)
            out.spillIfLarge()
            skipWhitespace()
            guard position < bytes.count else { throw error(object ? "unterminated object" : "unterminated array") }
            let c = bytes[position]
            position += 1
            if c == UInt8(ascii: ",") { continue }
            if c == close { break }
            throw error(object ? "expected ',' or '}' in object" : "expected ',' or ']' in array", at: position - 1)
        }
        self.depth -= 1
        if pretty { out.newline(indent: depth) }
        out.bytes.append(close)
    }

    /// ASCII text without escapes is copied as it stands (JSON.stringify would write the same
    /// bytes); anything else is decoded and escaped again.
    mutating func reformatString(into out: inout JSONTextBuffer) throws(JSONParseError) {
        let i = plainRun(from: position + 1)
        if i < bytes.count, bytes[i] == UInt8(ascii: "\"") {
            out.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[position...i]))
            position = i + 1
            return
        }
        try decodeString()
        scratch.withUnsafeBufferPointer { out.writeString(utf8: $0) }
    }

    /// Integers of up to 15 digits print as written; other numbers go through a Double, as the
    /// round trip does ("1.0" → "1", "1E3" → "1000").
    mutating func reformatNumber(into out: inout JSONTextBuffer) throws(JSONParseError) {
        let start = position
        var i = position
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        let digits = i
        while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
        let count = i - digits
        let plain = count > 0 && count <= 15 && (count == 1 || bytes[digits] != UInt8(ascii: "0"))
            && !(i < bytes.count && (bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")))
            && !(digits > start && count == 1 && bytes[digits] == UInt8(ascii: "0"))  // "-0" prints "0"
        if plain {
            out.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
            position = i
            return
        }
        out.append(JSNumberFormatter.format(try parseNumber()))
    }
}

extension JSON {
    /// Checks that the bytes are one JSON value, as `parse` would, without building it.
    public static func validate(buffer: UnsafeRawBufferPointer) throws(JSONParseError) {
        var parser = JSONByteParser(buffer.bindMemory(to: UInt8.self))
        parser.skipByteOrderMark()
        parser.skipWhitespace()
        try parser.skipValue()
        parser.skipWhitespace()
        if parser.position < parser.bytes.count { throw parser.error("unexpected data after the JSON value") }
    }

    /// Reads a collection page (`{"value":[…], "@odata.nextLink":"…"}`) without building its
    /// items: `element` gets the exact text of each element of the array member `key`, checked;
    /// the other members are returned parsed. Throws on invalid JSON or when `key` is not an array.
    public static func forEachElement(ofMember key: String, in buffer: UnsafeRawBufferPointer,
                                      _ element: (UnsafeRawBufferPointer) throws(JSONParseError) -> Void) throws(JSONParseError) -> JSONObject {
        var parser = JSONByteParser(buffer.bindMemory(to: UInt8.self))
        return try parser.members(around: key) { (parser: inout JSONByteParser) throws(JSONParseError) in try parser.forEachElement(element) }
    }

    /// The same page read in one pass, its items' places returned rather than handed over: a
    /// pager learns the next page's link before it emits the items (ranges index `buffer`).
    public static func elementRanges(ofMember key: String, in buffer: UnsafeRawBufferPointer) throws(JSONParseError) -> (items: [Range<Int>], others: JSONObject) {
        var parser = JSONByteParser(buffer.bindMemory(to: UInt8.self))
        let base = buffer.baseAddress
        var ranges: [Range<Int>] = []
        let others = try parser.members(around: key) { (parser: inout JSONByteParser) throws(JSONParseError) in
            try parser.forEachElement { element in
                let start = base.flatMap { b in element.baseAddress.map { b.distance(to: $0) } } ?? 0
                ranges.append(start..<(start + element.count))
            }
        }
        return (ranges, others)
    }
}

extension JSONByteParser {
    /// A document that is one object: its members parsed, except the array member `key`, which
    /// `array` walks (the parser at its `[`).
    mutating func members(around key: String, array: (inout JSONByteParser) throws(JSONParseError) -> Void) throws(JSONParseError) -> JSONObject {
        skipByteOrderMark()
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "{") else { throw error("expected an object") }
        position += 1
        var others = JSONObject()
        var found = false
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
        } else {
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string key in object") }
                let name = try parseString()
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':' after object key") }
                position += 1
                skipWhitespace()
                if name == key {
                    guard position < bytes.count, bytes[position] == UInt8(ascii: "[") else { throw error("'\(key)' is not an array") }
                    found = true
                    try array(&self)
                } else {
                    others[name] = try parseValue()
                }
                skipWhitespace()
                guard position < bytes.count else { throw error("unterminated object") }
                let c = bytes[position]
                position += 1
                if c == UInt8(ascii: ",") { continue }
                if c == UInt8(ascii: "}") { break }
                throw error("expected ',' or '}' in object", at: position - 1)
            }
        }
        skipWhitespace()
        if position < bytes.count { throw error("unexpected data after the JSON value") }
        guard found else { throw error("no '\(key)' member") }
        return others
    }
}

extension JSON {
    /// The byte ranges of the elements of a top-level array (`[a, b, …]`), each checked but not
    /// built: a caller parses the ones it needs (a CSOM answer's header) and streams others.
    public static func elementRanges(ofArrayIn buffer: UnsafeRawBufferPointer) throws(JSONParseError) -> [Range<Int>] {
        var parser = JSONByteParser(buffer.bindMemory(to: UInt8.self))
        parser.skipByteOrderMark()
        parser.skipWhitespace()
        guard parser.position < parser.bytes.count, parser.bytes[parser.position] == UInt8(ascii: "[") else {
            throw parser.error("expected an array")
        }
        let base = UnsafeRawBufferPointer(parser.bytes).baseAddress
        var ranges: [Range<Int>] = []
        try parser.forEachElement { element in
            let start = base.flatMap { b in element.baseAddress.map { b.distance(to: $0) } } ?? 0
            ranges.append(start..<(start + element.count))
        }
        parser.skipWhitespace()
        if parser.position < parser.bytes.count { throw parser.error("unexpected data after the JSON value") }
        return ranges
    }
}

extension JSONByteParser {
    /// The elements of the array at `position`, each checked and handed over as its text.
    mutating func forEachElement(_ element: (UnsafeRawBufferPointer) throws(JSONParseError) -> Void) throws(JSONParseError) {
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            let start = position
            try skipValue()
            try element(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<position]))
            skipWhitespace()
            guard position < bytes.count else { throw error("unterminated array") }
            let c = bytes[position]
            position += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "]") { return }
            throw error("expected ',' or ']' in array", at: position - 1)
        }
    }

    /// Moves past one value, checking it as `parseValue` would, without building it.
    mutating func skipValue() throws(JSONParseError) {
        guard position < bytes.count else { throw error("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let object = bytes[position] == UInt8(ascii: "{")
            let close = object ? UInt8(ascii: "}") : UInt8(ascii: "]")
            try enter()
            position += 1
            skipWhitespace()
            if position < bytes.count, bytes[position] == close {
                position += 1
                depth -= 1
                return
            }
            while true {
                skipWhitespace()
                if object {
                    guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                        throw error(position < bytes.count ? "expected a string key in object" : "unterminated object")
                    }
                    try skipString()
                    skipWhitespace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':' after object key") }
                    position += 1
                    skipWhitespace()
                }
                try skipValue()
                skipWhitespace()
                guard position < bytes.count else { throw error(object ? "unterminated object" : "unterminated array") }
                let c = bytes[position]
                position += 1
                if c == UInt8(ascii: ",") { continue }
                if c == close { break }
                throw error(object ? "expected ',' or '}' in object" : "expected ',' or ']' in array", at: position - 1)
            }
            depth -= 1
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try expectWord("true")
        case UInt8(ascii: "f"): try expectWord("false")
        case UInt8(ascii: "n"): try expectWord("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try parseNumber()
        default: throw error("unexpected character '\(printable(bytes[position]))'")
        }
    }

    /// ASCII text without escapes is only scanned; anything else is checked by `parseString`.
    mutating func skipString() throws(JSONParseError) {
        // Checked as parseString checks, but nothing is decoded or copied: escapes are ASCII, so
        // the raw bytes are valid UTF-8 exactly when the string is.
        let start = position
        var i = position + 1
        var ascii = true
        while true {
            i = plainRun(from: i)
            guard i < bytes.count else { throw error("unterminated string", at: start) }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                if !ascii, String(validating: UnsafeBufferPointer(rebasing: bytes[(start + 1)..<i]), as: UTF8.self) == nil {
                    throw error("invalid UTF-8 in string", at: start)
                }
                position = i + 1
                return
            }
            if c == UInt8(ascii: "\\") {
                position = i
                scratch.removeAll(keepingCapacity: true)
                try parseEscape()
                i = position
                continue
            }
            if c < 0x20 { throw error("unescaped control character in string", at: i) }
            ascii = false
            i += 1
        }
    }
}

extension JSON {
    /// The text of an object (checked JSON) without its top-level member `key` and that member's
    /// comma; nil when it has none. One scan that stops at the member: a pager drops a field from
    /// streamed items (SharePoint's `ID` twin of `Id`) without building them. Inside a string a
    /// quote is escaped, so `"key":` outside one is a key; depth tells the top level apart.
    public static func removingMember(_ key: String, fromObject buffer: UnsafeRawBufferPointer) -> [UInt8]? {
        let needle = Array(("\"" + key + "\":").utf8)
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        var depth = 0, i = 0, inString = false
        let count = buffer.count
        while i < count {
            let c = buffer[i]
            if inString {
                if c == backslash { i += 2; continue }
                if c == quote { inString = false }
                i += 1
                continue
            }
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            case quote:
                if depth == 1, i + needle.count <= count, needle.indices.allSatisfy({ buffer[i + $0] == needle[$0] }) {
                    // The value ends at the next comma or closing brace of this level.
                    var end = i + needle.count, level = 0, quoted = false
                    while end < count {
                        let v = buffer[end]
                        if quoted {
                            if v == backslash { end += 2; continue }
                            if v == quote { quoted = false }
                        } else if v == quote { quoted = true }
                        else if v == UInt8(ascii: "{") || v == UInt8(ascii: "[") { level += 1 }
                        else if v == UInt8(ascii: "}") || v == UInt8(ascii: "]") { if level == 0 { break }; level -= 1 }
                        else if v == UInt8(ascii: ","), level == 0 { break }
                        end += 1
                    }
                    guard end < count else { return nil }
                    var start = i
                    if buffer[end] == UInt8(ascii: ",") { end += 1 } else {
                        // The last member: its comma is the one before it.
                        var before = i - 1
                        while before > 0, buffer[before] == 0x20 || buffer[before] == 0x0A || buffer[before] == 0x0D || buffer[before] == 0x09 { before -= 1 }
                        if buffer[before] == UInt8(ascii: ",") { start = before }
                    }
                    return Array(buffer[..<start]) + Array(buffer[end...])
                }
                inString = true
            default: break
            }
            i += 1
        }
        return nil
    }
}
