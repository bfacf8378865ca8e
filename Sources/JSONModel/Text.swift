// Small text helpers live beside the JSON model because every module (host, sign-in, plugins)
// links JSONModel: one percent-encoder and one trim for everyone.

/// Percent-encodes everything but RFC 3986's unreserved characters: safe for a query value, a
/// path segment or a form field.
public func percentEncode(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let hex = Array("0123456789ABCDEF".utf8)
            out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
        }
    }
    return out
}

extension String {
    /// The string without leading and trailing white space.
    public var trimmingSpaces: String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return String(text)
    }
}

/// The header lines of an HTTP message or MIME part (up to the first empty line, CRLF or LF;
/// leading empty lines skipped) and the bytes after them. Without an empty line everything is
/// headers. Shared by the SPO plugin's `$batch` reader and the emulator's `$batch` endpoint.
public func headerLines(_ bytes: [UInt8]) -> (lines: [String], rest: [UInt8]) {
    var lines: [String] = []
    var start = 0
    var i = 0
    while i < bytes.count {
        guard bytes[i] == 10 else { i += 1; continue }
        var end = i
        if end > start, bytes[end - 1] == 13 { end -= 1 }
        if end == start {
            if lines.isEmpty { start = i + 1; i += 1; continue }
            return (lines, Array(bytes[(i + 1)...]))
        }
        lines.append(String(decoding: bytes[start..<end], as: UTF8.self))
        start = i + 1
        i += 1
    }
    if start < bytes.count {
        var end = bytes.count
        if bytes[end - 1] == 13 { end -= 1 }
        lines.append(String(decoding: bytes[start..<end], as: UTF8.self))
    }
    return (lines, [])
}
