import JSONModel

enum Comparator: Sendable {
    case eq, ne, lt, lte, gt, gte
}

/// The parsed form of an expression. Projections carry the expression applied to each element.
indirect enum Node: Sendable {
    case current
    case field(String)
    case subexpression(Node, Node)
    case index(Int)
    case slice(start: Int?, stop: Int?, step: Int?)
    /// Applies the index or slice on the right to the value of the left.
    case indexExpression(Node, Node)
    case projection(Node, Node)
    case valueProjection(Node, Node)
    case filterProjection(Node, Node, condition: Node)
    case flatten(Node)
    case comparison(Comparator, Node, Node)
    case or(Node, Node)
    case and(Node, Node)
    case not(Node)
    case literal(JSON)
    case multiSelectList([Node])
    case multiSelectHash([(key: String, value: Node)])
    case pipe(Node, Node)
    case function(Function, [Node])
    case expref(Node)
}
