import Foundation
import XCTest

/// The base of the tests that call the emulator's Microsoft Graph with curl: tokens, one call
/// helper, and readers for collections and error bodies.
class GraphTestCase: EmulatorTestCase {
    let graph = "https://graph.microsoft.com/v1.0"

    func adminToken() throws -> String { try XCTUnwrap(passwordToken(user: Fixtures.admin)["access_token"] as? String) }
    func adeleToken() throws -> String { try XCTUnwrap(passwordToken(user: Fixtures.adele)["access_token"] as? String) }
    func appToken() throws -> String { try XCTUnwrap(clientSecretToken().json["access_token"] as? String) }

    /// `path` is relative to v1.0 unless absolute; `json` is sent as the body (as JSON unless a
    /// Content-Type is given), `file` as the raw body.
    @discardableResult
    func call(_ method: String, _ path: String, _ token: String?, json: Any? = nil, headers: [String: String] = [:],
              file: String? = nil, extra: [String] = []) throws -> HTTPResult {
        var h = headers
        if let token { h["Authorization"] = "Bearer \(token)" }
        var body: String?
        if let json {
            h["Content-Type"] = h["Content-Type"] ?? "application/json"
            body = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
        }
        var x = extra
        if let file { x += ["--data-binary", "@" + file] }
        return try curl(path.hasPrefix("https://") ? path : graph + path, method: method, headers: h, body: body, extra: x)
    }

    /// The `value` array of a 200 collection response.
    func values(_ r: HTTPResult, file: StaticString = #filePath, line: UInt = #line) -> [[String: Any]] {
        XCTAssertEqual(r.status, 200, r.text, file: file, line: line)
        return r.json["value"] as? [[String: Any]] ?? []
    }

    func error(_ r: HTTPResult) -> (code: String?, message: String) {
        let e = r.json["error"] as? [String: Any]
        return (e?["code"] as? String, e?["message"] as? String ?? "")
    }
    func errorCode(_ r: HTTPResult) -> String? { error(r).code }
    func errorMessage(_ r: HTTPResult) -> String { error(r).message }

    func q(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s }
}
