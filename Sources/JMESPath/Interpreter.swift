import JSONModel

/// Evaluates a parsed expression against a value (tree-walking).
struct Interpreter {
    func evaluate(_ node: Node, _ value: JSON) throws(JMESPathError) -> JSON {
        switch node {
        case .current:
            return value
        case .field(let name):
            guard case .object(let object) = value else { return .null }
            return object[name] ?? .null
        case .subexpression(let left, let right):
            return try evaluate(right, try evaluate(left, value))
        case .index(let i):
            guard case .array(let items) = value else { return .null }
            let position = i < 0 ? items.count + i : i
            return items.indices.contains(position) ? items[position] : .null
        case .slice(let start, let stop, let step):
            guard case .array(let items) = value else { return .null }
            return .array(Self.slice(items, start: start, stop: stop, step: step ?? 1))
        case .indexExpression(let left, let right):
            return try evaluate(right, try evaluate(left, value))
        case .projection(let left, let right):
            guard case .array(let items) = try evaluate(left, value) else { return .null }
            return .array(try project(items, right))
        case .valueProjection(let left, let right):
            guard case .object(let object) = try evaluate(left, value) else { return .null }
            return .array(try project(object.values, right))
        case .filterProjection(let left, let right, let condition):
            guard case .array(let items) = try evaluate(left, value) else { return .null }
            var kept: [JSON] = []
            for item in items where try evaluate(condition, item).isTruthy {
                let projected = try evaluate(right, item)
                if !projected.isNull { kept.append(projected) }
            }
            return .array(kept)
        case .flatten(let inner):
            guard case .array(let items) = try evaluate(inner, value) else { return .null }
            var flat: [JSON] = []
            flat.reserveCapacity(items.count)
            for item in items {
                if case .array(let nested) = item { flat.append(contentsOf: nested) } else { flat.append(item) }
            }
            return .array(flat)
        case .comparison(let op, let left, let right):
            return Self.compare(op, try evaluate(left, value), try evaluate(right, value))
        case .or(let left, let right):
            let l = try evaluate(left, value)
            return l.isTruthy ? l : try evaluate(right, value)
        case .and(let left, let right):
            let l = try evaluate(left, value)
            return l.isTruthy ? try evaluate(right, value) : l
        case .not(let inner):
            return .bool(!(try evaluate(inner, value).isTruthy))
        case .literal(let literal):
            return literal
        case .multiSelectList(let items):
            if value.isNull { return .null }
            var out: [JSON] = []
            out.reserveCapacity(items.count)
            for item in items { out.append(try evaluate(item, value)) }
            return .array(out)
        case .multiSelectHash(let pairs):
            if value.isNull { return .null }
            var out = JSONObject()
            for (key, item) in pairs { out[key] = try evaluate(item, value) }
            return .object(out)
        case .pipe(let left, let right):
            return try evaluate(right, try evaluate(left, value))
        case .function(let function, let argNodes):
            var args: [Argument] = []
            args.reserveCapacity(argNodes.count)
            for arg in argNodes {
                if case .expref(let inner) = arg {
                    args.append(.expref(inner))
                } else {
                    args.append(.value(try evaluate(arg, value)))
                }
            }
            return try function.call(args, interpreter: self)
        case .expref:
            // Only meaningful as a function argument, where it is handled above.
            throw JMESPathError(.invalidType, "an expression reference (&...) can only be a function argument")
        }
    }

    /// Applies `right` to each element, dropping null results (projection semantics).
    private func project(_ items: [JSON], _ right: Node) throws(JMESPathError) -> [JSON] {
        var out: [JSON] = []
        out.reserveCapacity(items.count)
        for item in items {
            let projected = try evaluate(right, item)
            if !projected.isNull { out.append(projected) }
        }
        return out
    }

    static func slice(_ items: [JSON], start: Int?, stop: Int?, step: Int) -> [JSON] {
        let count = items.count
        func clamp(_ n: Int) -> Int {
            if n < 0 {
                let adjusted = n + count
                return adjusted >= 0 ? adjusted : (step > 0 ? 0 : -1)
            }
            return n >= count ? (step > 0 ? count : count - 1) : n
        }
        var i = start.map(clamp) ?? (step > 0 ? 0 : count - 1)
        let end = stop.map(clamp) ?? (step > 0 ? count : -1)
        var out: [JSON] = []
        if step > 0 {
            while i < end { out.append(items[i]); i += step }
        } else {
            while i > end { out.append(items[i]); i += step }
        }
        return out
    }

    static func compare(_ op: Comparator, _ l: JSON, _ r: JSON) -> JSON {
        switch op {
        case .eq: return .bool(l.strictlyEquals(r))
        case .ne: return .bool(!l.strictlyEquals(r))
        default:
            // Ordering is defined for numbers only; anything else compares to null.
            guard case .number(let a) = l, case .number(let b) = r else { return .null }
            switch op {
            case .lt: return .bool(a < b)
            case .lte: return .bool(a <= b)
            case .gt: return .bool(a > b)
            default: return .bool(a >= b)
            }
        }
    }
}

extension JSON {
    /// JMESPath truthiness: false, null, and empty strings, arrays and objects are false.
    var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .number: return true
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return !o.isEmpty
        }
    }

    /// Deep equality comparing strings by code points (Swift's `==` on String uses canonical
    /// equivalence, which JMESPath does not).
    func strictlyEquals(_ other: JSON) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.strictlyEquals($1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                guard let match = b[key], value.strictlyEquals(match) else { return false }
            }
            return true
        default: return false
        }
    }

    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}
