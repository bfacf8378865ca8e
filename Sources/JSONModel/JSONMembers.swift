/// One top-level member of an object read from text by `JSONMemberReader`.
public struct JSONMemberText: Sendable {
    public enum Kind: Sendable, Equatable {
        case string, number, bool, null
        /// An object or an array: checked, not read.
        case container
    }

    /// Where the key's (decoded) UTF-8 is in the reader's `keys`: read with `reader.key(of:)`.
    public var key: Range<Int>
    public var kind: Kind
    /// Where the value's text is in the reader's `text`: a string decoded, a number as
    /// JavaScript prints it, `true`/`false`, `null`; empty for a container.
    public var text: Range<Int>
}

/// Reads the top-level members of a JSON object from its text without building values: what a
/// formatter needs to print an object's scalar properties (a csv row) at the speed of copying.
/// The object is checked as `JSON.parse` checks it. One reader is reused item after item, so
/// reading allocates nothing once its buffers have grown.
public struct JSONMemberReader: Sendable {
    /// The members in the order written (a key given twice appears twice; see `last(_:)`).
    public private(set) var members: [JSONMemberText] = []
    /// The scalar values' text, one after the other.
    public private(set) var text: [UInt8] = []
    /// The keys' UTF-8, one after the other (no String per key: a csv row compares bytes).
    public private(set) var keys: [UInt8] = []

    public init() {}

    /// Reads the object `buffer` holds. False, with nothing read, when the value is not an object.
    public mutating func read(objectIn buffer: UnsafeRawBufferPointer) throws(JSONParseError) -> Bool {
        members.removeAll(keepingCapacity: true)
        text.removeAll(keepingCapacity: true)
        keys.removeAll(keepingCapacity: true)
        var parser = JSONByteParser(buffer.bindMemory(to: UInt8.self))
        parser.skipByteOrderMark()
        parser.skipWhitespace()
        guard parser.position < parser.bytes.count, parser.bytes[parser.position] == UInt8(ascii: "{") else { return false }
        parser.position += 1
        parser.skipWhitespace()
        if parser.position < parser.bytes.count, parser.bytes[parser.position] == UInt8(ascii: "}") {
            parser.position += 1
        } else {
            while true {
                parser.skipWhitespace()
                guard parser.position < parser.bytes.count, parser.bytes[parser.position] == UInt8(ascii: "\"") else {
                    throw parser.error(parser.position < parser.bytes.count ? "expected a string key in object" : "unterminated object")
                }
                let keyStart = keys.count
                try Self.appendString(&parser, to: &keys)
                let key = keyStart..<keys.count
                parser.skipWhitespace()
                guard parser.position < parser.bytes.count, parser.bytes[parser.position] == UInt8(ascii: ":") else {
                    throw parser.error("expected ':' after object key")
                }
                parser.position += 1
                parser.skipWhitespace()
                let start = text.count
                let kind = try readScalar(&parser)
                members.append(JSONMemberText(key: key, kind: kind, text: start..<text.count))
                parser.skipWhitespace()
                guard parser.position < parser.bytes.count else { throw parser.error("unterminated object") }
                let c = parser.bytes[parser.position]
                parser.position += 1
                if c == UInt8(ascii: ",") { continue }
                if c == UInt8(ascii: "}") { break }
                throw parser.error("expected ',' or '}' in object", at: parser.position - 1)
            }
        }
        parser.skipWhitespace()
        if parser.position < parser.bytes.count { throw parser.error("unexpected data after the JSON value") }
        return true
    }

    /// A member's key.
    public func key(of member: JSONMemberText) -> String { String(decoding: keys[member.key], as: UTF8.self) }

    /// The value of `key` (UTF-8) as `JSON.parse` keeps it: the last one when the key is given twice.
    public func last(_ key: [UInt8]) -> JSONMemberText? {
        var index = members.count
        while index > 0 {
            index -= 1
            if keys[members[index].key].elementsEqual(key) { return members[index] }
        }
        return nil
    }

    public func last(_ key: String) -> JSONMemberText? { last(Array(key.utf8)) }

    /// The string at the parser (its opening quote), decoded and checked, appended as UTF-8:
    /// plain text is copied as it stands, anything else decoded without building a String.
    private static func appendString(_ parser: inout JSONByteParser, to out: inout [UInt8]) throws(JSONParseError) {
        let end = parser.plainRun(from: parser.position + 1)
        if end < parser.bytes.count, parser.bytes[end] == UInt8(ascii: "\"") {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: parser.bytes[(parser.position + 1)..<end]))
            parser.position = end + 1
            return
        }
        try parser.decodeString()
        out.append(contentsOf: parser.scratch)
    }

    private mutating func readScalar(_ parser: inout JSONByteParser) throws(JSONParseError) -> JSONMemberText.Kind {
        guard parser.position < parser.bytes.count else { throw parser.error("unexpected end of input") }
        switch parser.bytes[parser.position] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try parser.skipValue()
            return .container
        case UInt8(ascii: "\""):
            try Self.appendString(&parser, to: &text)
            return .string
        case UInt8(ascii: "t"):
            try parser.expectWord("true")
            text.append(contentsOf: "true".utf8)
            return .bool
        case UInt8(ascii: "f"):
            try parser.expectWord("false")
            text.append(contentsOf: "false".utf8)
            return .bool
        case UInt8(ascii: "n"):
            try parser.expectWord("null")
            text.append(contentsOf: "null".utf8)
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            var out = JSONTextBuffer()
            swap(&out.bytes, &text)
            defer { swap(&out.bytes, &text) }
            try parser.reformatNumber(into: &out)
            return .number
        default:
            throw parser.error("unexpected character '\(parser.printable(parser.bytes[parser.position]))'")
        }
    }
}
