import XCTest
final class PlaceholderTokenStoreTests: XCTestCase { func testNothing() {} }
