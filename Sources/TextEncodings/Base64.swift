// Base64 (RFC 4648 §4) and base64url (§5), Foundation-free: certificates, assertions and file attachments.

/// Standard Base64: `+` and `/`, padded with `=`.
public enum Base64 {
    /// Padded text.
    public static func encode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        Base64Codec.encode(bytes, alphabet: Base64Codec.standard, pad: true)
    }

    /// The bytes of `text`, or nil when it is not Base64. Whitespace (line breaks of PEM or
    /// `openssl base64`) is ignored; padding is optional. base64url characters are accepted too.
    public static func decode<Text: StringProtocol>(_ text: Text) -> [UInt8]? {
        Base64Codec.decode(text.utf8, skipWhitespace: true)
    }

    /// Like `decode(_:)`, from UTF-8 bytes.
    public static func decode<Bytes: Collection>(bytes: Bytes) -> [UInt8]? where Bytes.Element == UInt8 {
        Base64Codec.decode(bytes, skipWhitespace: true)
    }
}

/// base64url: `-` and `_`, no padding (the JWS/JWT form).
public enum Base64URL {
    /// Unpadded text.
    public static func encode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        Base64Codec.encode(bytes, alphabet: Base64Codec.url, pad: false)
    }

    /// Bytes that are not a collection (a digest).
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        encode(Array(bytes))
    }

    /// The UTF-8 of `text`, encoded.
    public static func encode(_ text: String) -> String { encode(text.utf8) }

    /// The bytes of `text`, or nil when it is not base64url. Padding is optional; whitespace is
    /// not allowed. Standard-alphabet characters are accepted too.
    public static func decode<Text: StringProtocol>(_ text: Text) -> [UInt8]? {
        Base64Codec.decode(text.utf8, skipWhitespace: false)
    }
}

enum Base64Codec {
    static let standard: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let url: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// 0...63 for an alphabet character (both alphabets), 0xFE for whitespace, 0xFD for `=`,
    /// 0xFF otherwise.
    static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in standard.enumerated() { table[Int(c)] = UInt8(i) }
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        for c in [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r")] { table[Int(c)] = 0xFE }
        table[Int(UInt8(ascii: "="))] = 0xFD
        return table
    }()

    static func encode<Bytes: Collection>(_ bytes: Bytes, alphabet: [UInt8], pad: Bool) -> String where Bytes.Element == UInt8 {
        let count = bytes.count
        let outputCount = pad ? (count + 2) / 3 * 4 : (count * 4 + 2) / 3
        return String(unsafeUninitializedCapacity: outputCount) { out in
            alphabet.withUnsafeBufferPointer { a in
                var o = 0
                var iterator = bytes.makeIterator()
                while let b0 = iterator.next() {
                    let b1 = iterator.next()
                    let b2 = b1 == nil ? nil : iterator.next()
                    out[o] = a[Int(b0 >> 2)]
                    out[o + 1] = a[Int((b0 & 0x03) << 4 | (b1 ?? 0) >> 4)]
                    o += 2
                    if let b1 {
                        out[o] = a[Int((b1 & 0x0F) << 2 | (b2 ?? 0) >> 6)]
                        o += 1
                        if let b2 {
                            out[o] = a[Int(b2 & 0x3F)]
                            o += 1
                        } else if pad {
                            out[o] = UInt8(ascii: "=")
                            o += 1
                        }
                    } else if pad {
                        out[o] = UInt8(ascii: "=")
                        out[o + 1] = UInt8(ascii: "=")
                        o += 2
                    }
                }
                return o
            }
        }
    }

    static func decode<Bytes: Collection>(_ text: Bytes, skipWhitespace: Bool) -> [UInt8]? where Bytes.Element == UInt8 {
        var output: [UInt8] = []
        output.reserveCapacity(text.count / 4 * 3 + 3)
        var accumulator: UInt32 = 0
        var pending = 0      // sextets in the accumulator (0...3)
        var padding = 0      // `=` seen; only more `=` or whitespace may follow
        let ok: Bool = values.withUnsafeBufferPointer { table in
            for c in text {
                let v = table[Int(c)]
                if v < 64 {
                    if padding > 0 { return false }
                    accumulator = accumulator << 6 | UInt32(v)
                    pending += 1
                    if pending == 4 {
                        output.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                        output.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                        output.append(UInt8(truncatingIfNeeded: accumulator))
                        accumulator = 0
                        pending = 0
                    }
                } else if v == 0xFD {
                    padding += 1
                    if pending < 2 || pending + padding > 4 { return false }
                } else if v == 0xFE && skipWhitespace {
                    continue
                } else {
                    return false
                }
            }
            return true
        }
        guard ok else { return nil }
        if padding > 0 && pending + padding != 4 { return nil }
        switch pending {
        case 0: break
        case 2: output.append(UInt8(truncatingIfNeeded: accumulator >> 4))
        case 3:
            output.append(UInt8(truncatingIfNeeded: accumulator >> 10))
            output.append(UInt8(truncatingIfNeeded: accumulator >> 2))
        default: return nil  // one lone sextet is never valid
        }
        return output
    }
}
