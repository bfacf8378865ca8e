import JSONModel

/// A Pratt (top-down operator precedence) parser following the JMESPath grammar.
struct Parser {
    private let tokens: [(token: Token, offset: Int)]
    private var index = 0
    /// The token consumed last, for reporting one that cannot start or continue an expression.
    private var previous = 0
    /// Below this binding power a token ends a projection's right-hand side.
    private static let projectionStop = 10
    /// The deepest tree an expression may build (as JSON's parser caps nesting): deeper trees
    /// would exhaust the stack, here or when evaluated.
    static let maximumDepth = 512
    /// An upper bound of the depth of the tree being built: one for each open `expression` call
    /// plus each operator its loop has applied so far (`a.b.c` deepens the tree without recursing).
    private var depth = 0

    private init(tokens: [(token: Token, offset: Int)]) { self.tokens = tokens }

    static func parse(_ expression: String) throws(JMESPathError) -> Node {
        var parser = Parser(tokens: try Lexer.tokenize(expression))
        let node = try parser.expression(0)
        guard parser.current == .eof else { throw parser.unexpected() }
        return node
    }

    // MARK: Token access

    private var current: Token { tokens[index].token }
    private func lookahead(_ n: Int) -> Token { tokens[min(index + n, tokens.count - 1)].token }
    private mutating func advance() {
        previous = index
        if index < tokens.count - 1 { index += 1 }
    }

    private func unexpected(at position: Int? = nil) -> JMESPathError {
        let (token, offset) = tokens[position ?? index]
        let what = token == .eof ? "unexpected end of expression" : "unexpected token '\(token.display)'"
        return JMESPathError(.syntax, what, offset: offset)
    }

    private mutating func match(_ expected: Token) throws(JMESPathError) {
        guard current == expected else {
            let found = current == .eof ? "end of expression" : "'\(current.display)'"
            throw JMESPathError(.syntax, "expected '\(expected.display)' but found \(found)", offset: tokens[index].offset)
        }
        advance()
    }

    // MARK: Core loop

    private mutating func expression(_ bindingPower: Int) throws(JMESPathError) -> Node {
        var added = 1
        try deepen()
        defer { depth -= added }
        let token = current
        advance()
        var left = try nud(token)
        while bindingPower < current.bindingPower {
            added += 1
            try deepen()
            let op = current
            advance()
            left = try led(op, left)
        }
        return left
    }

    private mutating func deepen() throws(JMESPathError) {
        depth += 1
        guard depth <= Self.maximumDepth else {
            throw JMESPathError(.syntax, "the expression is nested too deeply (more than \(Self.maximumDepth) levels)", offset: tokens[index].offset)
        }
    }

    /// Tokens that start an expression.
    private mutating func nud(_ token: Token) throws(JMESPathError) -> Node {
        switch token {
        case .literal(let value):
            return .literal(value)
        case .identifier(let name):
            return .field(name)
        case .quotedIdentifier(let name):
            if current == .lparen {
                throw JMESPathError(.syntax, "a quoted identifier cannot name a function", offset: tokens[index].offset)
            }
            return .field(name)
        case .star:
            let right: Node = current == .rbracket ? .current : try projectionRHS(Token.star.bindingPower)
            return .valueProjection(.current, right)
        case .filter:
            return try filter(left: .current)
        case .lbrace:
            return try multiSelectHash()
        case .flatten:
            return try flatten(left: .current)
        case .lparen:
            let inner = try expression(0)
            try match(.rparen)
            return inner
        case .not:
            return .not(try expression(Token.not.bindingPower))
        case .current:
            return .current
        case .expref:
            return .expref(try expression(Token.expref.bindingPower))
        case .lbracket:
            switch current {
            case .number, .colon:
                return try projectIfSlice(.current, try indexOrSlice())
            case .star where lookahead(1) == .rbracket:
                advance()
                advance()
                return .projection(.current, try projectionRHS(Token.star.bindingPower))
            default:
                return try multiSelectList()
            }
        default:
            throw unexpected(at: previous)
        }
    }

    /// Tokens that continue an expression whose left side is `left`.
    private mutating func led(_ token: Token, _ left: Node) throws(JMESPathError) -> Node {
        switch token {
        case .dot:
            if current == .star {
                advance()
                return .valueProjection(left, try projectionRHS(Token.dot.bindingPower))
            }
            return .subexpression(left, try dotRHS(Token.dot.bindingPower))
        case .pipe:
            return .pipe(left, try expression(Token.pipe.bindingPower))
        case .or:
            return .or(left, try expression(Token.or.bindingPower))
        case .and:
            return .and(left, try expression(Token.and.bindingPower))
        case .eq, .ne, .lt, .lte, .gt, .gte:
            let comparator: Comparator
            switch token {
            case .eq: comparator = .eq
            case .ne: comparator = .ne
            case .lt: comparator = .lt
            case .lte: comparator = .lte
            case .gt: comparator = .gt
            default: comparator = .gte
            }
            return .comparison(comparator, left, try expression(token.bindingPower))
        case .lparen:
            return try functionCall(left)
        case .filter:
            return try filter(left: left)
        case .flatten:
            return try flatten(left: left)
        case .lbracket:
            switch current {
            case .number, .colon:
                return try projectIfSlice(left, try indexOrSlice())
            default:
                try match(.star)
                try match(.rbracket)
                return .projection(left, try projectionRHS(Token.star.bindingPower))
            }
        default:
            throw unexpected(at: previous)
        }
    }

    // MARK: Pieces

    private mutating func filter(left: Node) throws(JMESPathError) -> Node {
        let condition = try expression(0)
        try match(.rbracket)
        let right: Node = current == .flatten ? .current : try projectionRHS(Token.filter.bindingPower)
        return .filterProjection(left, right, condition: condition)
    }

    private mutating func flatten(left: Node) throws(JMESPathError) -> Node {
        .projection(.flatten(left), try projectionRHS(Token.flatten.bindingPower))
    }

    private mutating func projectIfSlice(_ left: Node, _ right: Node) throws(JMESPathError) -> Node {
        let indexed = Node.indexExpression(left, right)
        if case .slice = right {
            return .projection(indexed, try projectionRHS(Token.star.bindingPower))
        }
        return indexed
    }

    /// After '[': an index `n]` or a slice `start:stop:step]`.
    private mutating func indexOrSlice() throws(JMESPathError) -> Node {
        if current == .colon || lookahead(1) == .colon {
            var parts: [Int?] = [nil, nil, nil]
            var part = 0
            while current != .rbracket {
                switch current {
                case .colon:
                    part += 1
                    if part == 3 { throw unexpected() }
                    advance()
                case .number(let n):
                    if parts[part] != nil { throw unexpected() }
                    parts[part] = n
                    advance()
                default:
                    throw unexpected()
                }
            }
            try match(.rbracket)
            if parts[2] == 0 {
                throw JMESPathError(.invalidValue, "slice step cannot be 0", offset: tokens[index - 1].offset)
            }
            return .slice(start: parts[0], stop: parts[1], step: parts[2])
        }
        guard case .number(let n) = current else { throw unexpected() }
        advance()
        try match(.rbracket)
        return .index(n)
    }

    /// What follows a projection: nothing (identity), or more brackets, a filter or a dotted expression.
    private mutating func projectionRHS(_ bindingPower: Int) throws(JMESPathError) -> Node {
        if current.bindingPower < Self.projectionStop { return .current }
        switch current {
        case .lbracket, .filter:
            return try expression(bindingPower)
        case .dot:
            advance()
            return try dotRHS(bindingPower)
        default:
            throw unexpected()
        }
    }

    /// After '.': an identifier, '*', a multi-select list or a multi-select hash.
    private mutating func dotRHS(_ bindingPower: Int) throws(JMESPathError) -> Node {
        switch current {
        case .identifier, .quotedIdentifier, .star:
            return try expression(bindingPower)
        case .lbracket:
            advance()
            return try multiSelectList()
        case .lbrace:
            advance()
            return try multiSelectHash()
        default:
            throw unexpected()
        }
    }

    /// After '[': `expr, expr, ...]`.
    private mutating func multiSelectList() throws(JMESPathError) -> Node {
        var items: [Node] = []
        while true {
            items.append(try expression(0))
            if current == .rbracket { break }
            try match(.comma)
        }
        advance()
        return .multiSelectList(items)
    }

    /// After '{': `key: expr, ...}`.
    private mutating func multiSelectHash() throws(JMESPathError) -> Node {
        var pairs: [(key: String, value: Node)] = []
        while true {
            let key: String
            switch current {
            case .identifier(let name), .quotedIdentifier(let name): key = name
            default: throw unexpected()
            }
            advance()
            try match(.colon)
            pairs.append((key, try expression(0)))
            if current == .rbrace { break }
            try match(.comma)
        }
        advance()
        return .multiSelectHash(pairs)
    }

    /// After `name(`: the arguments; the function and its arity are checked here, at compile time.
    private mutating func functionCall(_ left: Node) throws(JMESPathError) -> Node {
        let nameOffset = tokens[max(index - 2, 0)].offset
        guard case .field(let name) = left else {
            throw JMESPathError(.syntax, "only a plain name can be called as a function", offset: tokens[index - 1].offset)
        }
        var args: [Node] = []
        if current != .rparen {
            while true {
                args.append(try expression(0))
                if current == .rparen { break }
                try match(.comma)
            }
        }
        advance()
        guard let function = Function(rawValue: name) else {
            throw JMESPathError(.unknownFunction, "unknown function '\(name)()'", offset: nameOffset)
        }
        try function.signature.checkArity(args.count, name: name, offset: nameOffset)
        return .function(function, args)
    }
}
