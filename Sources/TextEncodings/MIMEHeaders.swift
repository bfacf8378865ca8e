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
