import JSONModel
import Credentials
import Foundation
import XCTest
import TextEncodings

final class Base64Tests: XCTestCase {
    /// RFC 4648 §10 test vectors.
    func testRFC4648Vectors() {
        let vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64.encode(Array(plain.utf8)), encoded)
            XCTAssertEqual(Base64.decode(encoded), Array(plain.utf8))
            let unpadded = encoded.replacingOccurrences(of: "=", with: "")
            XCTAssertEqual(Base64URL.encode(Array(plain.utf8)), unpadded)
            XCTAssertEqual(Base64URL.decode(unpadded), Array(plain.utf8))
            XCTAssertEqual(Base64URL.decode(encoded), Array(plain.utf8), "padding is accepted")
        }
    }

    /// Every length 0...100 with random bytes: round trips, and agrees with Foundation.
    func testRoundTripsAgainstFoundation() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...100 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let standard = Base64.encode(bytes)
            XCTAssertEqual(standard, Data(bytes).base64EncodedString())
            XCTAssertEqual(Base64.decode(standard), bytes)
            let url = Base64URL.encode(bytes)
            XCTAssertEqual(url, standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: ""))
            XCTAssertFalse(url.contains("+") || url.contains("/") || url.contains("="))
            XCTAssertEqual(Base64URL.decode(url), bytes)
        }
    }

    func testURLAlphabet() {
        let bytes: [UInt8] = [0xFB, 0xFF, 0xBF]
        XCTAssertEqual(Base64.encode(bytes), "+/+/")
        XCTAssertEqual(Base64URL.encode(bytes), "-_-_")
        XCTAssertEqual(Base64URL.decode("-_-_"), bytes)
        XCTAssertEqual(Base64.decode("-_-_"), bytes, "standard decoding also reads base64url")
    }

    func testWhitespaceAndMalformedInput() {
        XCTAssertEqual(Base64.decode("Zm9v\r\nYmFy\n"), Array("foobar".utf8))
        XCTAssertEqual(Base64.decode(bytes: Array(" Zm9v YmE=\n".utf8)), Array("fooba".utf8))
        XCTAssertNil(Base64URL.decode("Zm9v YmFy"), "no whitespace in base64url")
        XCTAssertNil(Base64.decode("Zm9v!"))
        XCTAssertNil(Base64.decode("Z"), "a lone sextet")
        XCTAssertNil(Base64.decode("Zm9vY"), "a lone trailing sextet")
        XCTAssertNil(Base64.decode("Zg=a"), "data after padding")
        XCTAssertNil(Base64.decode("Zg==="), "too much padding")
        XCTAssertNil(Base64.decode("Z==="), "padding after one sextet")
        XCTAssertNil(Base64.decode("Zm9=v"))
        XCTAssertEqual(Base64.decode(""), [])
    }

    func testCredentialErrorIsOneLine() {
        let error = CredentialError(.malformed, "first line\nsecond line\r\n")
        XCTAssertEqual(error.description, "first line second line")
        XCTAssertEqual(error.kind, .malformed)
    }
}
