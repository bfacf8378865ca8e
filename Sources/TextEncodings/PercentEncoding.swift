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

/// Decodes application/x-www-form-urlencoded text (a query or form field): `+` is a space.
public func formDecode(_ text: String) -> String { percentDecode(text, plusAsSpace: true) }

/// Decodes `%XX` escapes, as JavaScript's `decodeURIComponent`: a `%` not followed by two hex
/// digits stays as it is; bytes that do not make UTF-8 leave the whole text as it was.
public func percentDecode(_ text: String, plusAsSpace: Bool = false) -> String {
    func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
    let u = Array(text.utf8)
    guard u.contains(UInt8(ascii: "%")) || (plusAsSpace && u.contains(UInt8(ascii: "+"))) else { return text }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(u.count)
    var i = 0
    while i < u.count {
        if u[i] == UInt8(ascii: "%"), i + 2 < u.count, let h = hex(u[i + 1]), let l = hex(u[i + 2]) {
            bytes.append(h << 4 | l)
            i += 3
        } else {
            bytes.append(plusAsSpace && u[i] == UInt8(ascii: "+") ? UInt8(ascii: " ") : u[i])
            i += 1
        }
    }
    return String(validating: bytes, as: UTF8.self) ?? text
}
