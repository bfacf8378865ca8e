import XCTest
final class PlaceholderCredentialsTests: XCTestCase { func testNothing() {} }
