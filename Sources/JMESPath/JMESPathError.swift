/// A JMESPath failure. `kind` tells a bad expression (`syntax`, `unknownFunction`, `invalidArity`)
/// from a valid expression meeting data it cannot handle (`invalidType`, `invalidValue`).
public struct JMESPathError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case syntax
        case invalidType = "invalid-type"
        case invalidArity = "invalid-arity"
        case unknownFunction = "unknown-function"
        case invalidValue = "invalid-value"
    }

    public let kind: Kind
    public let message: String
    /// Byte offset in the expression, for errors found while parsing.
    public let offset: Int?

    public init(_ kind: Kind, _ message: String, offset: Int? = nil) {
        self.kind = kind
        self.message = message
        self.offset = offset
    }

    /// True for errors found while compiling the expression rather than while evaluating it.
    public var isCompileError: Bool {
        kind == .syntax || kind == .unknownFunction || kind == .invalidArity
    }

    public var description: String {
        let label: String
        switch kind {
        case .syntax: label = "Syntax error"
        case .invalidType: label = "Invalid type"
        case .invalidArity: label = "Invalid arity"
        case .unknownFunction: label = "Unknown function"
        case .invalidValue: label = "Invalid value"
        }
        if let offset { return "\(label) at position \(offset): \(message)" }
        return "\(label): \(message)"
    }
}
