import XCTest
final class PlaceholderHTTPClientTests: XCTestCase { func testNothing() {} }
