import Foundation
import JSONModel

/// A parsed `$filter` expression and its evaluation over stored entities, covering what
/// directory queries use: comparisons, `in`, `and`/`or`/`not`, parentheses, `startswith`,
/// `endswith`, `contains` (and SharePoint's `substringof`), and `any`/`all` lambdas over collection properties.
indirect enum FilterExpr: Sendable {
    case literal(JSON)
    /// A property path from the entity (or from a lambda variable when `variable` is set).
    case path(variable: String?, [String])
    case compare(String, FilterExpr, FilterExpr)
    case inList(FilterExpr, [FilterExpr])
    case and(FilterExpr, FilterExpr)
    case or(FilterExpr, FilterExpr)
    case not(FilterExpr)
    case function(String, [FilterExpr])
    case lambda(any: Bool, collection: [String], variable: String?, body: FilterExpr?)
}

struct ODataFilter: Sendable {
    let root: FilterExpr
    /// Operators that make this an advanced query (`ne`, `not`, `endsWith`), for the
    /// ConsistencyLevel check.
    let advancedOperators: [String]

    /// Parses `text`; property names are checked against `type` (case-insensitively).
    init(_ text: String, type: GraphEntityType) throws {
        var p = FilterParser(text: text, type: type)
        root = try p.parseAll()
        advancedOperators = p.advanced
    }

    func matches(_ entity: JSONObject, type: GraphEntityType) -> Bool {
        Self.truth(Self.eval(root, entity: entity, type: type, scope: [:]))
    }

    // MARK: Evaluation

    static func truth(_ v: JSON) -> Bool { v.boolValue ?? false }

    static func eval(_ e: FilterExpr, entity: JSONObject, type: GraphEntityType, scope: [String: JSON]) -> JSON {
        switch e {
        case let .literal(v): return v
        case let .path(variable, parts):
            var value: JSON
            var rest = parts[...]
            if let variable {
                value = scope[variable] ?? .null
            } else {
                let first = rest.removeFirst()
                value = entity[first] ?? (type.collections.contains(first) ? .array([]) : .null)
            }
            for p in rest {
                guard let o = value.objectValue else { return .null }
                value = o.first { $0.key.caseInsensitiveCompare(p) == .orderedSame }?.value ?? .null
            }
            return value
        case let .compare(op, l, r):
            return .bool(compare(op, eval(l, entity: entity, type: type, scope: scope), eval(r, entity: entity, type: type, scope: scope)))
        case let .inList(l, items):
            let v = eval(l, entity: entity, type: type, scope: scope)
            return .bool(items.contains { compare("eq", v, eval($0, entity: entity, type: type, scope: scope)) })
        case let .and(l, r):
            return .bool(truth(eval(l, entity: entity, type: type, scope: scope)) && truth(eval(r, entity: entity, type: type, scope: scope)))
        case let .or(l, r):
            return .bool(truth(eval(l, entity: entity, type: type, scope: scope)) || truth(eval(r, entity: entity, type: type, scope: scope)))
        case let .not(x):
            return .bool(!truth(eval(x, entity: entity, type: type, scope: scope)))
        case let .function(name, args):
            let values = args.map { eval($0, entity: entity, type: type, scope: scope) }
            guard values.count == 2, let s = values[0].stringValue?.lowercased(), let t = values[1].stringValue?.lowercased() else {
                return .bool(false)
            }
            switch name {
            case "startswith": return .bool(s.hasPrefix(t))
            case "endswith": return .bool(s.hasSuffix(t))
            default: return .bool(s.contains(t))
            }
        case let .lambda(any, collection, variable, body):
            let items = eval(.path(variable: nil, collection), entity: entity, type: type, scope: scope).arrayValue ?? []
            guard let body, let variable else { return .bool(any ? !items.isEmpty : true) }
            let test: (JSON) -> Bool = { item in
                var s = scope
                s[variable] = item
                return truth(eval(body, entity: entity, type: type, scope: s))
            }
            return .bool(any ? items.contains(where: test) : items.allSatisfy(test))
        }
    }

    /// Directory string comparisons ignore case, as Entra's do.
    static func compare(_ op: String, _ l: JSON, _ r: JSON) -> Bool {
        if l.isNull || r.isNull {
            switch op {
            case "eq": return l.isNull && r.isNull
            case "ne": return !(l.isNull && r.isNull)
            default: return false
            }
        }
        let order: ComparisonResult?
        switch (l, r) {
        case let (.string(a), .string(b)): order = a.caseInsensitiveCompare(b)
        case let (.number(a), .number(b)): order = a < b ? .orderedAscending : a > b ? .orderedDescending : .orderedSame
        case let (.bool(a), .bool(b)): order = a == b ? .orderedSame : (!a ? .orderedAscending : .orderedDescending)
        default: order = nil
        }
        guard let order else { return op == "ne" }
        switch op {
        case "eq": return order == .orderedSame
        case "ne": return order != .orderedSame
        case "gt": return order == .orderedDescending
        case "ge": return order != .orderedAscending
        case "lt": return order == .orderedAscending
        default: return order != .orderedDescending
        }
    }
}

/// Recursive-descent parser over a hand-written tokenizer.
struct FilterParser {
    enum Token: Equatable {
        case word(String)        // identifiers and keywords
        case string(String)
        case number(Double)
        case guid(String)        // unquoted GUIDs and date-times: compared as strings
        case symbol(Character)   // ( ) , / :
        case end
    }

    let text: String
    let type: GraphEntityType
    private var tokens: [(Token, Int)] = []
    private var i = 0
    private var variables: [String] = []
    var advanced: [String] = []

    init(text: String, type: GraphEntityType) {
        self.text = text
        self.type = type
    }

    func syntaxError(_ position: Int? = nil) -> GraphError {
        let pos = position ?? (i < tokens.count ? tokens[i].1 : text.count)
        return GraphError(.badRequest, "Request_BadRequest", "Invalid filter clause: Syntax error at position \(pos) in '\(text)'.")
    }

    mutating func parseAll() throws -> FilterExpr {
        tokens = try tokenize()
        // Each token adds at most one level to the tree: bounding them bounds the recursion.
        guard tokens.count <= 1_000 else {
            throw GraphError(.badRequest, "Request_BadRequest", "Invalid filter clause: the filter has more than 1000 terms.")
        }
        let e = try parseOr()
        guard peek == .end else { throw syntaxError() }
        return e
    }

    var peek: Token { tokens[i].0 }

    mutating func next() -> Token {
        let t = tokens[i].0
        if i < tokens.count - 1 { i += 1 }
        return t
    }

    func isKeyword(_ t: Token, _ k: String) -> Bool {
        if case let .word(w) = t { return w.lowercased() == k }
        return false
    }

    mutating func expect(_ c: Character) throws {
        guard next() == .symbol(c) else { throw syntaxError() }
    }

    mutating func parseOr() throws -> FilterExpr {
        var l = try parseAnd()
        while isKeyword(peek, "or") { _ = next(); l = .or(l, try parseAnd()) }
        return l
    }

    mutating func parseAnd() throws -> FilterExpr {
        var l = try parseUnary()
        while isKeyword(peek, "and") { _ = next(); l = .and(l, try parseUnary()) }
        return l
    }

    mutating func parseUnary() throws -> FilterExpr {
        if isKeyword(peek, "not") {
            _ = next()
            advanced.append("not")
            return .not(try parseUnary())
        }
        return try parseComparison()
    }

    static let comparisons: Set<String> = ["eq", "ne", "gt", "ge", "lt", "le"]
    /// Operators can't stand where an operand belongs.
    static let reserved: Set<String> = comparisons.union(["and", "or", "in"])

    mutating func parseComparison() throws -> FilterExpr {
        let l = try parseOperand()
        if case let .word(w) = peek {
            let op = w.lowercased()
            if Self.comparisons.contains(op) {
                _ = next()
                if op == "ne" { advanced.append("ne") }
                return .compare(op, l, try parseOperand())
            }
            if op == "in" {
                _ = next()
                try expect("(")
                var items: [FilterExpr] = []
                if peek != .symbol(")") {
                    items.append(try parseLiteral())
                    while peek == .symbol(",") {
                        _ = next()
                        items.append(try parseLiteral())
                    }
                }
                try expect(")")
                return .inList(l, items)
            }
        }
        switch l {
        case .function, .lambda, .and, .or, .not, .compare, .inList: return l
        case let .literal(v) where v.boolValue != nil: return l
        case .path: return l  // a boolean property on its own (`accountEnabled`)
        default: throw syntaxError()
        }
    }

    mutating func parseLiteral() throws -> FilterExpr {
        switch next() {
        case let .string(s): return .literal(.string(s))
        case let .number(n): return .literal(.number(n))
        case let .guid(g): return .literal(.string(g))
        case let .word(w):
            switch w.lowercased() {
            case "true": return .literal(.bool(true))
            case "false": return .literal(.bool(false))
            case "null": return .literal(.null)
            default: throw syntaxError()
            }
        default: throw syntaxError()
        }
    }

    mutating func parseOperand() throws -> FilterExpr {
        switch peek {
        case .symbol("("):
            _ = next()
            let e = try parseOr()
            try expect(")")
            return e
        case .string, .number, .guid: return try parseLiteral()
        case let .word(w):
            let lower = w.lowercased()
            if ["true", "false", "null"].contains(lower) { return try parseLiteral() }
            let start = tokens[i].1
            if Self.reserved.contains(lower) { throw syntaxError(start) }
            _ = next()
            if peek == .symbol("(") {
                guard ["startswith", "endswith", "contains", "substringof"].contains(lower) else { throw syntaxError(start) }
                _ = next()
                let a = try parseOperand()
                try expect(",")
                let b = try parseOperand()
                try expect(")")
                if lower == "endswith" { advanced.append("endsWith") }
                // SharePoint's OData v3 `substringof('needle', Field)` is `contains(Field, 'needle')`.
                if lower == "substringof" { return .function("contains", [b, a]) }
                return .function(lower, [a, b])
            }
            return try parsePath(first: w, start: start)
        default: throw syntaxError()
        }
    }

    mutating func parsePath(first: String, start: Int) throws -> FilterExpr {
        var variable: String?
        var parts: [String] = []
        if variables.contains(first) {
            variable = first
        } else {
            guard let canonical = type.property(named: first) else { throw GraphError.unknownProperty(first, type: type.errorTypeName) }
            parts.append(canonical)
        }
        while peek == .symbol("/") {
            _ = next()
            guard case let .word(seg) = next() else { throw syntaxError() }
            let lower = seg.lowercased()
            if (lower == "any" || lower == "all") && peek == .symbol("(") {
                guard variable == nil else { throw syntaxError(start) }
                _ = next()
                if peek == .symbol(")") {
                    _ = next()
                    return .lambda(any: lower == "any", collection: parts, variable: nil, body: nil)
                }
                guard case let .word(v) = next() else { throw syntaxError() }
                try expect(":")
                variables.append(v)
                let body = try parseOr()
                variables.removeLast()
                try expect(")")
                return .lambda(any: lower == "any", collection: parts, variable: v, body: body)
            }
            parts.append(seg)
        }
        return .path(variable: variable, parts)
    }

    // MARK: Tokens

    func tokenize() throws -> [(Token, Int)] {
        let chars = Array(text)
        var out: [(Token, Int)] = []
        var k = 0
        func isIdent(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "." || c == "@" || c == "$" || c == "#" }
        func isGUIDChar(_ c: Character) -> Bool { c.isHexDigit || c == "-" }
        while k < chars.count {
            let c = chars[k]
            if c == " " || c == "\t" { k += 1; continue }
            let start = k
            if "(),/:".contains(c) {
                out.append((.symbol(c), start)); k += 1; continue
            }
            if c == "'" {
                var s = ""
                k += 1
                var closed = false
                while k < chars.count {
                    if chars[k] == "'" {
                        if k + 1 < chars.count && chars[k + 1] == "'" { s.append("'"); k += 2; continue }
                        closed = true; k += 1; break
                    }
                    s.append(chars[k]); k += 1
                }
                guard closed else { throw syntaxError(start) }
                out.append((.string(s), start))
                continue
            }
            // An unquoted GUID (Edm.Guid literal), possibly starting with a letter.
            if k + 36 <= chars.count, Util.isGUID(String(chars[k..<k + 36])), k + 36 == chars.count || !isIdent(chars[k + 36]) {
                out.append((.guid(String(chars[k..<k + 36])), start)); k += 36; continue
            }
            if c.isNumber || c == "-" || c == "+" {
                var j = k + 1
                while j < chars.count, chars[j].isNumber || chars[j] == "." || chars[j] == "-" || chars[j] == ":" || chars[j] == "T"
                    || chars[j] == "Z" || chars[j] == "+" || chars[j] == "e" || chars[j] == "E" { j += 1 }
                let word = String(chars[k..<j])
                if let n = Double(word) { out.append((.number(n), start)) } else if word.contains("T") || word.filter({ $0 == "-" }).count >= 2 {
                    out.append((.guid(word), start))  // a date-time literal
                } else { throw syntaxError(start) }
                k = j
                continue
            }
            if isIdent(c) {
                var j = k
                while j < chars.count, isIdent(chars[j]) { j += 1 }
                out.append((.word(String(chars[k..<j])), start))
                k = j
                continue
            }
            throw syntaxError(start)
        }
        out.append((.end, chars.count))
        return out
    }
}
