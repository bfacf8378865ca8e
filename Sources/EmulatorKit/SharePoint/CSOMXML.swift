import Foundation

/// One element of a small XML document: the CSOM request body is elements, attributes, text and
/// the five named entities plus numeric character references. Namespace prefixes are dropped
/// from names (`x:Request` is `Request`); `xmlns` attributes are kept like any other.
struct CSOMXMLElement: Sendable {
    var name: String
    var attributes: [String: String] = [:]
    var children: [CSOMXMLElement] = []
    /// The concatenated character data directly inside the element.
    var text: String = ""

    subscript(attribute: String) -> String? { attributes[attribute] }

    func child(_ name: String) -> CSOMXMLElement? { children.first { $0.name == name } }
}

struct CSOMXMLError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// A strict little parser: well-formedness errors (unclosed or mismatched tags, bad entities,
/// stray text after the root) are reported instead of guessed around.
struct CSOMXMLParser {
    private let bytes: [UInt8]
    private var i = 0
    /// Open elements; a deeper document is refused rather than risk the stack.
    private var depth = 0
    static let maximumDepth = 256

    static func parse(_ bytes: [UInt8]) throws -> CSOMXMLElement {
        var p = CSOMXMLParser(bytes: bytes)
        return try p.document()
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func fail(_ message: String) -> CSOMXMLError { CSOMXMLError(message: "\(message) (at byte \(i))") }

    private mutating func document() throws -> CSOMXMLElement {
        // A UTF-8 byte order mark.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        try misc()
        guard peek("<") else { throw fail("The document has no root element") }
        let root = try element()
        try misc()
        guard i == bytes.count else { throw fail("Unexpected content after the root element") }
        return root
    }

    /// Whitespace, the XML declaration, processing instructions and comments.
    private mutating func misc() throws {
        while true {
            skipSpace()
            if peek("<?") {
                guard let end = find("?>", from: i) else { throw fail("Unterminated processing instruction") }
                i = end + 2
            } else if peek("<!--") {
                guard let end = find("-->", from: i + 4) else { throw fail("Unterminated comment") }
                i = end + 3
            } else if peek("<!DOCTYPE") || peek("<!doctype") {
                throw fail("DTDs are not allowed")
            } else {
                return
            }
        }
    }

    private mutating func element() throws -> CSOMXMLElement {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { throw fail("Elements are nested more than \(Self.maximumDepth) levels deep") }
        i += 1 // <
        let name = try nameToken()
        var el = CSOMXMLElement(name: localName(name))
        while true {
            skipSpace()
            guard i < bytes.count else { throw fail("Unterminated start tag <\(name)>") }
            if peek("/>") { i += 2; return el }
            if bytes[i] == UInt8(ascii: ">") { i += 1; break }
            let attr = try nameToken()
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "=") else { throw fail("Attribute \(attr) has no value") }
            i += 1
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else {
                throw fail("Attribute \(attr) value is not quoted")
            }
            let quote = bytes[i]
            i += 1
            let start = i
            while i < bytes.count && bytes[i] != quote {
                if bytes[i] == UInt8(ascii: "<") { throw fail("'<' in attribute \(attr)") }
                i += 1
            }
            guard i < bytes.count else { throw fail("Unterminated attribute \(attr)") }
            let raw = String(decoding: bytes[start..<i], as: UTF8.self)
            i += 1
            let key = attr.hasPrefix("xmlns") ? attr : localName(attr)
            guard el.attributes[key] == nil else { throw fail("Duplicate attribute \(attr)") }
            el.attributes[key] = try Self.unescape(raw)
        }
        // Content.
        var text = ""
        while true {
            guard i < bytes.count else { throw fail("Element <\(name)> is not closed") }
            if peek("</") {
                i += 2
                let close = try nameToken()
                guard close == name else { throw fail("</\(close)> does not close <\(name)>") }
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ">") else { throw fail("Malformed end tag </\(close)") }
                i += 1
                el.text = text
                return el
            } else if peek("<!--") {
                guard let end = find("-->", from: i + 4) else { throw fail("Unterminated comment") }
                i = end + 3
            } else if peek("<![CDATA[") {
                guard let end = find("]]>", from: i + 9) else { throw fail("Unterminated CDATA section") }
                text += String(decoding: bytes[(i + 9)..<end], as: UTF8.self)
                i = end + 3
            } else if peek("<?") {
                guard let end = find("?>", from: i) else { throw fail("Unterminated processing instruction") }
                i = end + 2
            } else if bytes[i] == UInt8(ascii: "<") {
                el.children.append(try element())
            } else {
                let start = i
                while i < bytes.count && bytes[i] != UInt8(ascii: "<") { i += 1 }
                text += try Self.unescape(String(decoding: bytes[start..<i], as: UTF8.self))
            }
        }
    }

    private func localName(_ name: String) -> String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    private mutating func nameToken() throws -> String {
        let start = i
        while i < bytes.count {
            let c = bytes[i]
            let ok = (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x3A
                || c == 0x2D || c == 0x2E || c >= 0x80
            if !ok { break }
            i += 1
        }
        guard i > start else { throw fail("A name was expected") }
        let first = bytes[start]
        guard !(first >= 0x30 && first <= 0x39) && first != 0x2D && first != 0x2E else { throw fail("A name cannot start with a digit, '-' or '.'") }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    private mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    private func peek(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard i + u.count <= bytes.count else { return false }
        return bytes[i..<(i + u.count)].elementsEqual(u)
    }

    private func find(_ s: String, from: Int) -> Int? {
        let u = Array(s.utf8)
        var j = from
        while j + u.count <= bytes.count {
            if bytes[j..<(j + u.count)].elementsEqual(u) { return j }
            j += 1
        }
        return nil
    }

    /// Replaces `&amp; &lt; &gt; &quot; &apos; &#NN; &#xHH;`; any other `&` is an error.
    static func unescape(_ s: String) throws -> String {
        guard s.contains("&") else { return s }
        var out = ""
        var rest = Substring(s)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { throw CSOMXMLError(message: "Unterminated entity reference") }
            let name = rest[rest.index(after: amp)..<semi]
            switch name {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                var code: UInt32?
                if name.hasPrefix("#x") || name.hasPrefix("#X") { code = UInt32(name.dropFirst(2), radix: 16) }
                else if name.hasPrefix("#") { code = UInt32(name.dropFirst(), radix: 10) }
                guard let code, let scalar = Unicode.Scalar(code) else { throw CSOMXMLError(message: "Unknown entity &\(name);") }
                out.unicodeScalars.append(scalar)
            }
            rest = rest[rest.index(after: semi)...]
        }
        out += rest
        return out
    }
}
