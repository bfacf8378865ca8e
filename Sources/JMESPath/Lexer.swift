import JSONModel

/// Splits an expression into tokens, each with its byte offset.
struct Lexer {
    private let bytes: [UInt8]
    private var position = 0

    init(_ expression: String) { bytes = Array(expression.utf8) }

    static func tokenize(_ expression: String) throws(JMESPathError) -> [(token: Token, offset: Int)] {
        var lexer = Lexer(expression)
        var tokens: [(token: Token, offset: Int)] = []
        while true {
            let (token, offset) = try lexer.next()
            tokens.append((token, offset))
            if token == .eof { return tokens }
        }
    }

    private func peek(_ ahead: Int = 0) -> UInt8? {
        position + ahead < bytes.count ? bytes[position + ahead] : nil
    }

    private static func isIdentifierStart(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || c == UInt8(ascii: "_")
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    private mutating func next() throws(JMESPathError) -> (Token, Int) {
        while let c = peek(), c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { position += 1 }
        let start = position
        guard let c = peek() else { return (.eof, start) }
        position += 1

        // Two-character operators first, then single characters.
        func follows(_ ch: Unicode.Scalar) -> Bool {
            if peek() == UInt8(ascii: ch) { position += 1; return true }
            return false
        }
        switch c {
        case UInt8(ascii: "."): return (.dot, start)
        case UInt8(ascii: "*"): return (.star, start)
        case UInt8(ascii: "]"): return (.rbracket, start)
        case UInt8(ascii: "{"): return (.lbrace, start)
        case UInt8(ascii: "}"): return (.rbrace, start)
        case UInt8(ascii: "("): return (.lparen, start)
        case UInt8(ascii: ")"): return (.rparen, start)
        case UInt8(ascii: ","): return (.comma, start)
        case UInt8(ascii: ":"): return (.colon, start)
        case UInt8(ascii: "@"): return (.current, start)
        case UInt8(ascii: "["):
            if follows("]") { return (.flatten, start) }
            if follows("?") { return (.filter, start) }
            return (.lbracket, start)
        case UInt8(ascii: "|"): return (follows("|") ? .or : .pipe, start)
        case UInt8(ascii: "&"): return (follows("&") ? .and : .expref, start)
        case UInt8(ascii: "!"): return (follows("=") ? .ne : .not, start)
        case UInt8(ascii: "<"): return (follows("=") ? .lte : .lt, start)
        case UInt8(ascii: ">"): return (follows("=") ? .gte : .gt, start)
        case UInt8(ascii: "="):
            if follows("=") { return (.eq, start) }
            throw JMESPathError(.syntax, "'=' is not an operator; use '=='", offset: start)
        case UInt8(ascii: "\""): return (try quotedIdentifier(start), start)
        case UInt8(ascii: "'"): return (try rawString(start), start)
        case UInt8(ascii: "`"): return (try jsonLiteral(start), start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return (try number(start), start)
        default:
            if Self.isIdentifierStart(c) {
                while let d = peek(), Self.isIdentifierStart(d) || Self.isDigit(d) { position += 1 }
                return (.identifier(text(start, position)), start)
            }
            throw JMESPathError(.syntax, "unexpected character '\(text(start, start + 1))'", offset: start)
        }
    }

    private func text(_ from: Int, _ to: Int) -> String {
        String(decoding: bytes[from..<min(to, bytes.count)], as: UTF8.self)
    }

    private mutating func number(_ start: Int) throws(JMESPathError) -> Token {
        while let d = peek(), Self.isDigit(d) { position += 1 }
        let digits = text(start, position)
        guard let value = Int(digits) else {
            throw JMESPathError(.syntax, "invalid number '\(digits)'", offset: start)
        }
        return .number(value)
    }

    /// Scans to the closing `delimiter`, skipping backslash escapes; returns the raw body bytes.
    private mutating func delimited(_ delimiter: UInt8, _ start: Int, _ what: String) throws(JMESPathError) -> ArraySlice<UInt8> {
        let bodyStart = position
        while let c = peek() {
            if c == UInt8(ascii: "\\") {
                position += 2
                continue
            }
            if c == delimiter {
                position += 1
                return bytes[bodyStart..<(position - 1)]
            }
            position += 1
        }
        throw JMESPathError(.syntax, "unterminated \(what)", offset: start)
    }

    private mutating func quotedIdentifier(_ start: Int) throws(JMESPathError) -> Token {
        _ = try delimited(UInt8(ascii: "\""), start, "quoted identifier")
        // The body uses JSON string escapes, so the JSON parser decodes it.
        guard case .string(let name)? = try? JSON.parse(bytes: bytes[start..<position]) else {
            throw JMESPathError(.syntax, "invalid quoted identifier \(text(start, position))", offset: start)
        }
        return .quotedIdentifier(name)
    }

    private mutating func rawString(_ start: Int) throws(JMESPathError) -> Token {
        let body = try delimited(UInt8(ascii: "'"), start, "raw string")
        // Only \' is an escape in raw strings; every other backslash is kept.
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var i = body.startIndex
        while i < body.endIndex {
            if body[i] == UInt8(ascii: "\\"), i + 1 < body.endIndex, body[i + 1] == UInt8(ascii: "'") {
                out.append(UInt8(ascii: "'"))
                i += 2
            } else {
                out.append(body[i])
                i += 1
            }
        }
        return .literal(.string(String(decoding: out, as: UTF8.self)))
    }

    private mutating func jsonLiteral(_ start: Int) throws(JMESPathError) -> Token {
        let body = try delimited(UInt8(ascii: "`"), start, "JSON literal")
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var i = body.startIndex
        while i < body.endIndex {
            if body[i] == UInt8(ascii: "\\"), i + 1 < body.endIndex, body[i + 1] == UInt8(ascii: "`") {
                out.append(UInt8(ascii: "`"))
                i += 2
            } else {
                out.append(body[i])
                i += 1
            }
        }
        do {
            return .literal(try JSON.parse(bytes: out))
        } catch {
            throw JMESPathError(.syntax, "invalid JSON literal \(text(start, position)): \(error.message)", offset: start)
        }
    }
}
