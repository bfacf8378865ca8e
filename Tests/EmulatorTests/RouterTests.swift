import EmulatorKit
import NIOHTTP1
import XCTest

/// The emulator's one router: the most specific route wins whatever order routes were added in,
/// a method mismatch is told from a missing path, captures are decoded.
final class RouterTests: XCTestCase {
    struct Request: Routable {
        let routingPath: String
        let routingMethod: HTTPMethod
    }

    /// A router whose handlers answer with their own name in a header.
    func router(_ routes: [(HTTPMethod?, String, String)]) -> Router<Request> {
        Router { list in
            for (method, pattern, name) in routes {
                list.add(method, pattern) { _, captures in
                    var h = HTTPHeaders()
                    h.add(name: "route", value: name)
                    for (k, v) in captures.sorted(by: { $0.key < $1.key }) { h.add(name: "capture", value: "\(k)=\(v)") }
                    return EmulatorResponse(status: .ok, headers: h)
                }
            }
        }
    }

    func answer(_ r: Router<Request>, _ method: HTTPMethod, _ path: String) -> String {
        switch r.route(Request(routingPath: path, routingMethod: method)) {
        case let .handled(response):
            return ([response.headers.first(name: "route") ?? ""] + response.headers["capture"]).joined(separator: " ")
        case .methodNotAllowed: return "405"
        case .notFound: return "404"
        }
    }

    func testTheMostSpecificRouteWinsInEitherOrder() {
        let routes: [(HTTPMethod?, String, String)] = [
            (.GET, "lists/{list}/items", "items"),
            (.GET, "lists/title:Aggregated/items", "aggregated"),
            (.GET, "lists/{list}/{what}", "any-child"),
            (nil, "lists/{list}/items", "items-any-method"),
            (.GET, "a/{x}/c", "capture-first"),
            (.GET, "a/b/{y}", "literal-first"),
        ]
        for order in [routes, routes.reversed()] {
            let r = router(order)
            XCTAssertEqual(answer(r, .GET, "/lists/title:Aggregated/items"), "aggregated")
            XCTAssertEqual(answer(r, .GET, "/Lists/TITLE:aggregated/Items"), "aggregated", "literals match case-insensitively")
            XCTAssertEqual(answer(r, .GET, "/lists/title%3AOther/items"), "items list=title:Other")
            XCTAssertEqual(answer(r, .POST, "/lists/x/items"), "items-any-method list=x", "a route for one method beats one for any")
            XCTAssertEqual(answer(r, .GET, "/lists/x/fields"), "any-child list=x what=fields")
            XCTAssertEqual(answer(r, .GET, "/a/b/c"), "literal-first y=c", "the first literal from the left decides")
            XCTAssertEqual(answer(r, .GET, "/a/z/c"), "capture-first x=z")
        }
    }

    func testMethodNotAllowedAndNotFoundAreTold() {
        let r = router([(.GET, "users/{id}", "user"), (.DELETE, "users/{id}", "delete")])
        XCTAssertEqual(answer(r, .PATCH, "/users/1"), "405")
        XCTAssertEqual(answer(r, .GET, "/users/1/manager"), "404", "no catch-all: a longer path is not a match")
        XCTAssertEqual(answer(r, .GET, "/users"), "404")
        XCTAssertEqual(answer(r, .GET, "/users/a%20b"), "user id=a b")
    }

    func testTheTableListsRoutesMostSpecificFirst() {
        let r = router([(nil, "x/{a}", "1"), (.GET, "x/{a}", "2"), (.GET, "x/y", "3")])
        XCTAssertEqual(r.table, ["GET /x/y", "GET /x/{}", "* /x/{}"])
    }
}
