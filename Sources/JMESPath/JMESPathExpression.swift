import JSONModel

/// A compiled JMESPath expression (https://jmespath.org/specification.html).
///
///     let names = try JMESPathExpression("value[?enabled].name").search(json)
public struct JMESPathExpression: Sendable {
    public let expression: String
    let root: Node

    /// Compiles `expression`; throws a `JMESPathError` for syntax errors, unknown functions and
    /// wrong argument counts.
    public init(_ expression: String) throws(JMESPathError) {
        self.expression = expression
        root = try Parser.parse(expression)
    }

    /// Evaluates the expression against `value`; throws a `JMESPathError` for type and value errors.
    public func search(_ value: JSON) throws(JMESPathError) -> JSON {
        try Interpreter().evaluate(root, value)
    }
}

extension JSON {
    /// Compiles and evaluates a JMESPath expression in one step.
    public func search(_ expression: String) throws(JMESPathError) -> JSON {
        try JMESPathExpression(expression).search(self)
    }
}
