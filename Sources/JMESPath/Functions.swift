import JSONModel

/// A function argument: a value, or an unevaluated expression from `&expr`.
enum Argument {
    case value(JSON)
    case expref(Node)
}

/// The types a parameter accepts, as named in the JMESPath specification.
enum ParameterType: CustomStringConvertible {
    case any, number, string, boolean, array, object, expref, arrayOfNumbers, arrayOfStrings

    func accepts(_ argument: Argument) -> Bool {
        guard case .value(let value) = argument else { return self == .expref }
        switch (self, value) {
        case (.any, _), (.number, .number), (.string, .string), (.boolean, .bool), (.array, .array), (.object, .object):
            return true
        case (.arrayOfNumbers, .array(let items)):
            return items.allSatisfy { if case .number = $0 { return true } else { return false } }
        case (.arrayOfStrings, .array(let items)):
            return items.allSatisfy { if case .string = $0 { return true } else { return false } }
        default:
            return false
        }
    }

    var description: String {
        switch self {
        case .any: return "any"
        case .number: return "number"
        case .string: return "string"
        case .boolean: return "boolean"
        case .array: return "array"
        case .object: return "object"
        case .expref: return "expression (&...)"
        case .arrayOfNumbers: return "array of numbers"
        case .arrayOfStrings: return "array of strings"
        }
    }
}

struct Signature {
    /// Accepted types per parameter; with `variadic`, the last entry repeats.
    let parameters: [[ParameterType]]
    let variadic: Bool

    init(_ parameters: [ParameterType]..., variadic: Bool = false) {
        self.parameters = parameters
        self.variadic = variadic
    }

    func checkArity(_ count: Int, name: String, offset: Int?) throws(JMESPathError) {
        let expected = parameters.count
        if variadic ? count >= expected : count == expected { return }
        let wanted = variadic ? "at least \(expected)" : "\(expected)"
        throw JMESPathError(
            .invalidArity, "\(name)() takes \(wanted) argument\(expected == 1 ? "" : "s"), got \(count)", offset: offset)
    }

    func checkTypes(_ args: [Argument], name: String) throws(JMESPathError) {
        for (i, arg) in args.enumerated() {
            let accepted = parameters[min(i, parameters.count - 1)]
            guard accepted.contains(where: { $0.accepts(arg) }) else {
                let got: String
                switch arg {
                case .value(let v): got = v.typeName
                case .expref: got = "expression"
                }
                let wanted = accepted.map(\.description).joined(separator: " or ")
                throw JMESPathError(.invalidType, "argument \(i + 1) of \(name)() must be \(wanted), got \(got)")
            }
        }
    }
}

/// The built-in functions of the JMESPath specification.
enum Function: String, Sendable, CaseIterable {
    case abs, avg, ceil, contains, ends_with, floor, join, keys, length, map, max, max_by, merge, min, min_by
    case not_null, reverse, sort, sort_by, starts_with, sum, to_array, to_string, to_number, type, values

    var signature: Signature {
        switch self {
        case .abs, .ceil, .floor: return Signature([.number])
        case .avg, .sum: return Signature([.arrayOfNumbers])
        case .contains: return Signature([.array, .string], [.any])
        case .ends_with, .starts_with: return Signature([.string], [.string])
        case .join: return Signature([.string], [.arrayOfStrings])
        case .keys, .values: return Signature([.object])
        case .length: return Signature([.string, .array, .object])
        case .map: return Signature([.expref], [.array])
        case .max, .min, .sort: return Signature([.arrayOfNumbers, .arrayOfStrings])
        case .max_by, .min_by, .sort_by: return Signature([.array], [.expref])
        case .merge: return Signature([.object], variadic: true)
        case .not_null: return Signature([.any], variadic: true)
        case .reverse: return Signature([.string, .array])
        case .to_array, .to_string, .to_number, .type: return Signature([.any])
        }
    }

    func call(_ args: [Argument], interpreter: Interpreter) throws(JMESPathError) -> JSON {
        let signature = self.signature
        try signature.checkArity(args.count, name: rawValue, offset: nil)
        try signature.checkTypes(args, name: rawValue)
        let values = args.map { arg -> JSON in
            if case .value(let v) = arg { return v }
            return .null
        }
        func number(_ i: Int) -> Double { values[i].numberValue ?? 0 }
        func string(_ i: Int) -> String { values[i].stringValue ?? "" }
        func array(_ i: Int) -> [JSON] { values[i].arrayValue ?? [] }
        func expression(_ i: Int) -> Node {
            if case .expref(let node) = args[i] { return node }
            return .current
        }

        switch self {
        case .abs:
            return .number(Swift.abs(number(0)))
        case .ceil:
            return .number(number(0).rounded(.up))
        case .floor:
            return .number(number(0).rounded(.down))
        case .avg:
            let items = array(0)
            guard !items.isEmpty else { return .null }
            return .number(items.reduce(0) { $0 + ($1.numberValue ?? 0) } / Double(items.count))
        case .sum:
            return .number(array(0).reduce(0) { $0 + ($1.numberValue ?? 0) })
        case .contains:
            switch values[0] {
            case .array(let items):
                return .bool(items.contains { $0.strictlyEquals(values[1]) })
            case .string(let subject):
                guard case .string(let search) = values[1] else { return .bool(false) }
                return .bool(search.isEmpty || subject.utf8.containsSequence(search.utf8))
            default:
                return .bool(false)
            }
        case .starts_with:
            return .bool(string(0).utf8.starts(with: string(1).utf8))
        case .ends_with:
            return .bool(string(0).utf8.reversed().starts(with: string(1).utf8.reversed()))
        case .join:
            return .string(array(1).compactMap(\.stringValue).joined(separator: string(0)))
        case .keys:
            return .array((values[0].objectValue?.keys ?? []).map(JSON.string))
        case .values:
            return .array(values[0].objectValue?.values ?? [])
        case .length:
            switch values[0] {
            case .string(let s): return .number(Double(s.unicodeScalars.count))
            case .array(let a): return .number(Double(a.count))
            case .object(let o): return .number(Double(o.count))
            default: return .null
            }
        case .map:
            var out: [JSON] = []
            for item in array(1) { out.append(try interpreter.evaluate(expression(0), item)) }
            return .array(out)
        case .max, .min:
            let items = array(0)
            guard var best = items.first else { return .null }
            for item in items.dropFirst() where JSON.orders(item, before: best) == (self == .min) {
                best = item
            }
            return best
        case .max_by, .min_by:
            let items = array(0)
            guard !items.isEmpty else { return .null }
            let keys = try sortKeys(items, expression(1), interpreter: interpreter)
            var best = 0
            for i in 1..<items.count where JSON.orders(keys[i], before: keys[best]) == (self == .min_by) {
                if !keys[i].strictlyEquals(keys[best]) { best = i }
            }
            return items[best]
        case .sort:
            return .array(array(0).sorted { JSON.orders($0, before: $1) })
        case .sort_by:
            let items = array(0)
            let keys = try sortKeys(items, expression(1), interpreter: interpreter)
            // Sorting positions with the position as tie-breaker keeps the sort stable.
            let order = items.indices.sorted { a, b in
                if JSON.orders(keys[a], before: keys[b]) { return true }
                if JSON.orders(keys[b], before: keys[a]) { return false }
                return a < b
            }
            return .array(order.map { items[$0] })
        case .merge:
            var merged = JSONObject()
            for value in values {
                for (key, member) in value.objectValue ?? JSONObject() { merged[key] = member }
            }
            return .object(merged)
        case .not_null:
            return values.first { !$0.isNull } ?? .null
        case .reverse:
            if case .string(let s) = values[0] { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            return .array(array(0).reversed())
        case .to_array:
            if case .array = values[0] { return values[0] }
            return .array([values[0]])
        case .to_string:
            if case .string = values[0] { return values[0] }
            return .string(values[0].serialized())
        case .to_number:
            switch values[0] {
            case .number: return values[0]
            case .string(let s):
                // Only JSON number syntax converts; "abc", "1a" or "0x1" give null.
                if let parsed = try? JSON.parse(s), case .number = parsed { return parsed }
                return .null
            default: return .null
            }
        case .type:
            return .string(values[0].typeName)
        }
    }

    /// Evaluates the key expression of sort_by/min_by/max_by; keys must be all numbers or all strings.
    private func sortKeys(_ items: [JSON], _ expression: Node, interpreter: Interpreter) throws(JMESPathError) -> [JSON] {
        var keys: [JSON] = []
        keys.reserveCapacity(items.count)
        for item in items {
            let key = try interpreter.evaluate(expression, item)
            switch key {
            case .number, .string:
                if let first = keys.first, first.typeName != key.typeName {
                    throw JMESPathError(.invalidType, "\(rawValue)() keys must all be numbers or all strings, got \(first.typeName) and \(key.typeName)")
                }
            default:
                throw JMESPathError(.invalidType, "\(rawValue)() keys must be numbers or strings, got \(key.typeName)")
            }
            keys.append(key)
        }
        return keys
    }
}

extension JSON {
    /// Ordering for numbers and for strings (by code point); other values never order.
    static func orders(_ a: JSON, before b: JSON) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x < y
        case (.string(let x), .string(let y)): return x.utf8.lexicographicallyPrecedes(y.utf8)
        default: return false
        }
    }
}

extension String.UTF8View {
    func containsSequence(_ needle: String.UTF8View) -> Bool {
        let hay = Array(self)
        let pin = Array(needle)
        guard pin.count <= hay.count else { return false }
        for start in 0...(hay.count - pin.count) where hay[start..<(start + pin.count)].elementsEqual(pin) {
            return true
        }
        return false
    }
}
