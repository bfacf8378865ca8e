import Foundation
import HTTPClient
import XCTest

/// The client against an emulator that offers HTTP/2 through ALPN, as Microsoft's front doors
/// do: libcurl negotiates h2 and keeps every request of the process on one connection.
final class HTTP2EndToEndTests: XCTestCase {
    nonisolated(unsafe) static var emulator: EmulatorProcess?
    nonisolated(unsafe) static var startError: Error?

    override class func setUp() {
        super.setUp()
        do { emulator = try EmulatorProcess(arguments: ["--http2"]) } catch { startError = error }
    }

    override class func tearDown() {
        emulator?.stop()
        emulator = nil
        super.tearDown()
    }

    var emulator: EmulatorProcess!

    override func setUpWithError() throws {
        if let e = Self.startError { throw e }
        emulator = try XCTUnwrap(Self.emulator)
    }

    func client() throws -> HTTPClient {
        var c = HTTPClientConfiguration.fromEnvironment(
            version: "9.9.9-test", clientTag: "TEST:http2",
            environment: ["M365_CA_BUNDLE": emulator.caBundle, "M365_CONNECT_TO": emulator.connectTo])
        c.maxRetries = 0
        return try HTTPClient(c)
    }

    func testHTTP2IsNegotiatedAndOneConnectionCarriesEveryRequest() throws {
        let client = try client()
        let health = "https://login.microsoftonline.com/_emulator/health"
        let first = try client.send(HTTPRequest(url: health))
        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(first.httpVersion, "2", "ALPN offered h2 and libcurl took it")
        let second = try client.send(HTTPRequest(url: health))
        XCTAssertEqual(second.httpVersion, "2")
        XCTAssertEqual(second.newConnections, 0, "the second request is another stream on the same connection")

        // A form POST (the token endpoint) answers over HTTP/2 as over HTTP/1.1.
        let form = "grant_type=client_credentials&client_id=539f7720-4b42-49e3-99d6-244b2bfe9858"
            + "&client_secret=Aut0mation~Secret.Value_0123456789abcdef&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"
        let token = try client.send(HTTPRequest(method: "POST", url: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
                                                headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded")],
                                                body: .bytes(Array(form.utf8))))
        XCTAssertEqual(token.status, 200, token.bodyText)
        XCTAssertEqual(token.httpVersion, "2")
        let accessToken = try XCTUnwrap(jsonObject(token.body)["access_token"] as? String)

        // An authenticated Graph read and a large streamed upload share the connection too.
        let me = try client.send(HTTPRequest(url: "https://graph.microsoft.com/v1.0/users?$top=2",
                                             headers: [(name: "Authorization", value: "Bearer " + accessToken)]))
        XCTAssertEqual(me.status, 200, me.bodyText)
        XCTAssertEqual((jsonObject(me.body)["value"] as? [Any])?.count, 2)
        let size = 2_000_000
        var sent = 0
        let upload = try client.send(HTTPRequest(method: "PUT", url: "https://graph.microsoft.com/v1.0/me/drive/root:/h2.bin:/content",
                                                 headers: [(name: "Content-Type", value: "application/octet-stream")],
                                                 body: .stream(size: Int64(size), read: { buffer in
                                                     let n = min(buffer.count, size - sent)
                                                     for i in 0..<n { buffer[i] = UInt8(truncatingIfNeeded: sent + i) }
                                                     sent += n
                                                     return n
                                                 })))
        XCTAssertEqual(upload.status, 401, "no token: the point is that the stream arrived whole")
        XCTAssertEqual(upload.httpVersion, "2")
        XCTAssertEqual(sent, size)
    }
}
