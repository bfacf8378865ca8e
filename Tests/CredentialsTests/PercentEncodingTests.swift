import TextEncodings
import XCTest

/// The one percent-decoder: URL text as decodeURIComponent reads it, form text with `+` as space.
final class PercentEncodingTests: XCTestCase {
    func testPercentDecodeReadsEscapesOnly() {
        XCTAssertEqual(percentDecode("Shared%20Documents/a+b%2Fc"), "Shared Documents/a+b/c")
        XCTAssertEqual(percentDecode("caf%C3%A9"), "café")
        XCTAssertEqual(percentDecode("100%"), "100%", "a % without two hex digits stays")
        XCTAssertEqual(percentDecode("%+1x"), "%+1x", "a sign is not a hex digit")
        XCTAssertEqual(percentDecode("%zz%4"), "%zz%4")
        XCTAssertEqual(percentDecode("bad%FFbyte"), "bad%FFbyte", "bytes that are not UTF-8 leave the text as it was")
    }

    func testFormDecodeReadsPlusAsSpace() {
        XCTAssertEqual(formDecode("a+b%2Bc"), "a b+c")
        XCTAssertEqual(formDecode("code_verifier=x%3Dy"), "code_verifier=x=y")
    }

    func testEncodeThenDecodeIsTheText() {
        for text in ["", "plain", "a b&c=d/é?#%+", "Bob's Tiles & <Co>"] {
            XCTAssertEqual(percentDecode(percentEncode(text)), text)
            XCTAssertEqual(formDecode(percentEncode(text)), text)
        }
    }
}
