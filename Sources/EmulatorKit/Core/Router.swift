import NIOHTTP1

/// What a router needs from a request.
public protocol Routable: Sendable {
    var routingPath: String { get }
    var routingMethod: HTTPMethod { get }
}

extension EmulatorRequest: Routable {
    public var routingPath: String { path }
    public var routingMethod: HTTPMethod { method }
}

/// The one path router every emulated service uses. A pattern is `/`-separated segments: a
/// literal (matched case-insensitively) or `{name}`, which captures one segment, percent-decoded.
/// A route matches a path of exactly as many segments; there is no catch-all, so every endpoint
/// is a route of its own and its handler never re-parses a tail.
///
/// When several routes match, the most specific wins whatever order they were added in:
/// segments compare left to right and a literal beats a capture at the first place they differ;
/// on the same pattern a route for one method beats a route for any method. Two routes for the
/// same method and the same pattern are a mistake caught when the router is built.
public final class Router<Request: Routable>: Sendable {
    public typealias Handler = @Sendable (Request, [String: String]) -> EmulatorResponse

    enum Segment: Sendable, Equatable {
        case literal(String)   // lowercased
        case capture(String)

        init(_ text: Substring) {
            if text.count >= 2, text.hasPrefix("{"), text.hasSuffix("}") {
                let name = String(text.dropFirst().dropLast())
                precondition(!name.hasSuffix("*"), "Router: catch-all segments are gone; declare each endpoint (\(text))")
                self = .capture(name)
            } else {
                self = .literal(text.lowercased())
            }
        }

        /// The segment's shape, captures' names left out: what two conflicting routes share.
        var shape: String {
            switch self {
            case let .literal(s): return s
            case .capture: return "{}"
            }
        }
    }

    struct Route: Sendable {
        let method: HTTPMethod?
        let segments: [Segment]
        let handler: Handler

        /// Left to right, a literal before a capture; a route for one method before one for any.
        static func moreSpecific(_ a: Route, _ b: Route) -> Bool {
            for (x, y) in zip(a.segments, b.segments) {
                switch (x, y) {
                case (.literal, .capture): return true
                case (.capture, .literal): return false
                default: continue
                }
            }
            if a.segments.count != b.segments.count { return a.segments.count < b.segments.count }
            return a.method != nil && b.method == nil
        }

        var signature: String {
            (method.map { $0.rawValue } ?? "*") + " /" + segments.map(\.shape).joined(separator: "/")
        }
    }

    private let routes: [Route]

    public init(_ build: (inout RouteList) -> Void) {
        var list = RouteList()
        build(&list)
        var seen: [String: Int] = [:]
        for (i, route) in list.routes.enumerated() {
            if let first = seen.updateValue(i, forKey: route.signature) {
                preconditionFailure("Router: route \(i) repeats route \(first): \(route.signature)")
            }
        }
        // A stable sort: routes of equal rank (which never match the same path) keep their order.
        self.routes = list.routes.enumerated().sorted { a, b in
            if Route.moreSpecific(a.element, b.element) { return true }
            if Route.moreSpecific(b.element, a.element) { return false }
            return a.offset < b.offset
        }.map(\.element)
    }

    public struct RouteList {
        var routes: [Route] = []

        /// Adds a route; `method` nil answers every method.
        public mutating func add(_ method: HTTPMethod?, _ pattern: String, _ handler: @escaping Handler) {
            routes.append(Route(method: method, segments: pattern.split(separator: "/").map(Segment.init), handler: handler))
        }
    }

    public enum Outcome: Sendable {
        case handled(EmulatorResponse)
        case methodNotAllowed
        case notFound
    }

    /// The method and pattern of every route, most specific first (for the docs and tests).
    public var table: [String] { routes.map(\.signature) }

    public func route(_ request: Request) -> Outcome {
        let parts = request.routingPath.split(separator: "/", omittingEmptySubsequences: true)
        let lowered = parts.map { $0.lowercased() }  // once per request, not once per route
        var pathMatched = false
        for route in routes where route.segments.count == parts.count {
            guard let captures = Router.match(route.segments, parts, lowered) else { continue }
            if let m = route.method, m != request.routingMethod {
                pathMatched = true
                continue
            }
            return .handled(route.handler(request, captures))
        }
        return pathMatched ? .methodNotAllowed : .notFound
    }

    static func match(_ pattern: [Segment], _ parts: [Substring], _ lowered: [String]) -> [String: String]? {
        for (seg, part) in zip(pattern, lowered) {
            if case let .literal(text) = seg, part != text { return nil }
        }
        var captures: [String: String] = [:]
        for (seg, part) in zip(pattern, parts) {
            if case let .capture(name) = seg { captures[name] = FormEncoding.percentDecode(String(part)) }
        }
        return captures
    }
}
