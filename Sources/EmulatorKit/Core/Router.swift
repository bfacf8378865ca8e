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

/// A small path router: literal segments match case-insensitively, `{name}` captures one
/// segment, and a trailing `{name*}` captures the rest. Each service owns one router, so adding
/// an endpoint is one `add` line.
public final class Router<Request: Routable>: Sendable {
    public typealias Handler = @Sendable (Request, [String: String]) -> EmulatorResponse

    struct Route: Sendable {
        let method: HTTPMethod?
        let segments: [String]
        let handler: Handler
    }

    private let routes: [Route]

    public init(_ build: (inout RouteList) -> Void) {
        var list = RouteList()
        build(&list)
        self.routes = list.routes
    }

    public struct RouteList {
        var routes: [Route] = []

        public mutating func add(_ method: HTTPMethod?, _ pattern: String, _ handler: @escaping Handler) {
            routes.append(Route(method: method, segments: pattern.split(separator: "/").map(String.init), handler: handler))
        }
    }

    public enum Outcome: Sendable {
        case handled(EmulatorResponse)
        case methodNotAllowed
        case notFound
    }

    public func route(_ request: Request) -> Outcome {
        let parts = request.routingPath.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var pathMatched = false
        for route in routes {
            guard let captures = Router.match(route.segments, parts) else { continue }
            if let m = route.method, m != request.routingMethod {
                pathMatched = true
                continue
            }
            return .handled(route.handler(request, captures))
        }
        return pathMatched ? .methodNotAllowed : .notFound
    }

    static func match(_ pattern: [String], _ parts: [String]) -> [String: String]? {
        var captures: [String: String] = [:]
        var i = 0
        for (pi, seg) in pattern.enumerated() {
            if seg.hasPrefix("{"), seg.hasSuffix("*}") {
                guard pi == pattern.count - 1 else { return nil }
                captures[String(seg.dropFirst().dropLast(2))] = parts[i...].joined(separator: "/")
                return captures
            }
            guard i < parts.count else { return nil }
            if seg.hasPrefix("{"), seg.hasSuffix("}") {
                captures[String(seg.dropFirst().dropLast())] = FormEncoding.percentDecode(parts[i])
            } else if seg.caseInsensitiveCompare(parts[i]) != .orderedSame {
                return nil
            }
            i += 1
        }
        return i == parts.count ? captures : nil
    }
}
