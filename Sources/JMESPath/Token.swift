import JSONModel

enum Token: Equatable {
    case identifier(String)
    case quotedIdentifier(String)
    case number(Int)
    case literal(JSON)
    case dot, star, flatten, filter
    case lbracket, rbracket, lbrace, rbrace, lparen, rparen
    case comma, colon, pipe, or, and, not
    case eq, ne, lt, lte, gt, gte
    case current, expref
    case eof

    /// Left binding powers, as in the JMESPath reference parser.
    var bindingPower: Int {
        switch self {
        case .pipe: return 1
        case .or: return 2
        case .and: return 3
        case .eq, .ne, .lt, .lte, .gt, .gte: return 5
        case .flatten: return 9
        case .star: return 20
        case .filter: return 21
        case .dot: return 40
        case .not: return 45
        case .lbrace: return 50
        case .lbracket: return 55
        case .lparen: return 60
        default: return 0
        }
    }

    /// How the token reads in an error message.
    var display: String {
        switch self {
        case .identifier(let s): return s
        case .quotedIdentifier(let s): return JSON.quoted(s)
        case .number(let n): return String(n)
        case .literal(let v): return "`\(v.serialized())`"
        case .dot: return "."
        case .star: return "*"
        case .flatten: return "[]"
        case .filter: return "[?"
        case .lbracket: return "["
        case .rbracket: return "]"
        case .lbrace: return "{"
        case .rbrace: return "}"
        case .lparen: return "("
        case .rparen: return ")"
        case .comma: return ","
        case .colon: return ":"
        case .pipe: return "|"
        case .or: return "||"
        case .and: return "&&"
        case .not: return "!"
        case .eq: return "=="
        case .ne: return "!="
        case .lt: return "<"
        case .lte: return "<="
        case .gt: return ">"
        case .gte: return ">="
        case .current: return "@"
        case .expref: return "&"
        case .eof: return "end of expression"
        }
    }
}
