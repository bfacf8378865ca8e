import JSONModel

// The emulator speaks the project's JSON type (`JSONModel.JSON`: ordered objects, numbers printed
// as JavaScript prints them). What follows are the few conveniences the services want on top.

extension JSON {
    /// A scalar as the text a form field or a `--fault` option would carry: strings as they are,
    /// numbers as JavaScript prints them (`3`, `0.5`), booleans as `true`/`false`. The admin API
    /// takes `{"count":3}` and `{"count":"3"}` alike this way.
    var scalarText: String? {
        switch self {
        case let .string(s): return s
        case let .number(n): return JSON.formatNumber(n)
        case let .bool(b): return b ? "true" : "false"
        default: return nil
        }
    }

    /// An integer written as a JSON number or as a decimal string (admin API bodies accept both).
    var lenientInt: Int? { intValue ?? stringValue.flatMap { Int($0) } }
}

/// Carries a `JSON` value through `Codable`, for free-form parts of the seed file
/// (`sharePoint.sites`) that `JSONDecoder` reads along with the typed parts.
struct CodableJSON: Codable, Sendable {
    var value: JSON

    init(_ value: JSON) { self.value = value }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        if let object = try? decoder.container(keyedBy: Key.self) {
            // JSONDecoder doesn't keep key order; sort so the value is the same on every run.
            var out = JSONObject()
            for key in object.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                out[key.stringValue] = try object.decode(CodableJSON.self, forKey: key).value
            }
            value = .object(out)
        } else if var array = try? decoder.unkeyedContainer() {
            var out: [JSON] = []
            while !array.isAtEnd { out.append(try array.decode(CodableJSON.self).value) }
            value = .array(out)
        } else {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { value = .null }
            else if let b = try? c.decode(Bool.self) { value = .bool(b) }
            else if let n = try? c.decode(Double.self) { value = .number(n) }
            else { value = .string(try c.decode(String.self)) }
        }
    }

    func encode(to encoder: any Encoder) throws {
        switch value {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case let .bool(b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case let .number(n):
            var c = encoder.singleValueContainer()
            try c.encode(n)
        case let .string(s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case let .array(items):
            var c = encoder.unkeyedContainer()
            for item in items { try c.encode(CodableJSON(item)) }
        case let .object(object):
            var c = encoder.container(keyedBy: Key.self)
            for (k, v) in object { try c.encode(CodableJSON(v), forKey: Key(stringValue: k)) }
        }
    }
}
