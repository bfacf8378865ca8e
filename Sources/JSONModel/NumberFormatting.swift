/// Formats doubles the way JavaScript's `Number.prototype.toString` does (ECMA-262 Number::toString),
/// which is what `JSON.stringify` prints.
enum JSNumberFormatter {
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "null" }  // JSON.stringify turns NaN and ±Infinity into null
        if value == 0 { return "0" }  // also -0
        if value.rounded(.towardZero) == value, abs(value) < 9_007_199_254_740_992 {
            return String(Int64(value))
        }
        // Swift's description yields the shortest round-trip digits; only the layout differs from JS.
        var (negative, digits, pointPosition) = decompose(value.description)
        let k = digits.count
        let n = pointPosition
        var out = negative ? "-" : ""
        if k <= n && n <= 21 {
            out += String(decoding: digits, as: UTF8.self)
            out += String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            out += String(decoding: digits[..<n], as: UTF8.self)
            out += "."
            out += String(decoding: digits[n...], as: UTF8.self)
        } else if -6 < n && n <= 0 {
            out += "0."
            out += String(repeating: "0", count: -n)
            out += String(decoding: digits, as: UTF8.self)
        } else {
            let exponent = n - 1
            out += String(decoding: digits[..<1], as: UTF8.self)
            if k > 1 {
                out += "."
                out += String(decoding: digits[1...], as: UTF8.self)
            }
            out += exponent < 0 ? "e-" : "e+"
            out += String(abs(exponent))
        }
        digits.removeAll()
        return out
    }

    /// Splits Swift's rendering ("-1.25e-07", "123.5", "1e+16") into sign, significant digits without
    /// leading/trailing zeros, and n such that value = 0.d1d2… × 10^n.
    private static func decompose(_ text: String) -> (Bool, [UInt8], Int) {
        var negative = false
        var digits: [UInt8] = []
        var pointPosition = 0
        var sawPoint = false
        var exponent = 0
        var exponentNegative = false
        var inExponent = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "-"):
                if inExponent { exponentNegative = true } else { negative = true }
            case UInt8(ascii: "+"):
                break
            case UInt8(ascii: "."):
                sawPoint = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                inExponent = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if inExponent {
                    exponent = exponent * 10 + Int(byte - UInt8(ascii: "0"))
                } else if digits.isEmpty && byte == UInt8(ascii: "0") {
                    if sawPoint { pointPosition -= 1 }  // leading zero after the point shifts it left
                } else {
                    digits.append(byte)
                    if !sawPoint { pointPosition += 1 }
                }
            default:
                break
            }
        }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        pointPosition += exponentNegative ? -exponent : exponent
        return (negative, digits, pointPosition)
    }
}
