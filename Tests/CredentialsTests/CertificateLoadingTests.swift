import JSONModel
import Credentials
import Foundation
import XCTest

/// Asserts that `body` throws a CredentialError of `kind` whose one-line message contains
/// `text`; returns the error.
@discardableResult
func assertCredentialError<T>(
    _ kind: CredentialError.Kind, containing text: String, file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws(CredentialError) -> T
) -> CredentialError? {
    do {
        let value = try body()
        XCTFail("expected \(kind), got \(value)", file: file, line: line)
        return nil
    } catch {
        XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: line)
        XCTAssertTrue(error.description.contains(text), "'\(error)' does not contain '\(text)'", file: file, line: line)
        XCTAssertFalse(error.description.contains("\n"), "not one line: \(error)", file: file, line: line)
        return error
    }
}

final class CertificateLoadingTests: XCTestCase {
    var fixtures: Fixtures!
    var sha1: [UInt8] = []
    var sha256: [UInt8] = []
    var der: [UInt8] = []

    override func setUpWithError() throws {
        fixtures = try Fixtures.shared()
        sha1 = try fixtures.fingerprint("cert.pem", digest: "sha1")
        sha256 = try fixtures.fingerprint("cert.pem", digest: "sha256")
        der = try fixtures.bytes("cert.der")
        XCTAssertEqual(sha1.count, 20)
        XCTAssertEqual(sha256.count, 32)
    }

    /// The credential carries the certificate openssl made, and thumbprints as openssl prints them.
    func assertIsFixtureCertificate(_ credential: CertificateCredential, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(credential.hasCertificate, file: file, line: line)
        XCTAssertEqual(credential.certificateDER, der, file: file, line: line)
        XCTAssertEqual(credential.thumbprintSHA1, sha1, file: file, line: line)
        XCTAssertEqual(credential.thumbprintSHA256, sha256, file: file, line: line)
        XCTAssertEqual(credential.thumbprintHex, sha1.map { String(format: "%02X", $0) }.joined(), file: file, line: line)
        XCTAssertEqual(credential.keyBits, 2048, file: file, line: line)
    }

    // MARK: PEM

    func testPEMWithKeyThenCertificate() throws {
        let pem = try fixtures.bytes("key.pem") + fixtures.bytes("cert.pem")
        assertIsFixtureCertificate(try CertificateCredential.load(pemOrPFX: pem, password: nil))
    }

    func testPEMWithCertificateFirstCRLFAndByteOrderMark() throws {
        let lf = try fixtures.text("cert.pem") + fixtures.text("key-traditional.pem")
        let crlf = [0xEF, 0xBB, 0xBF] + Array(lf.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        assertIsFixtureCertificate(try CertificateCredential.load(pemOrPFX: crlf, password: nil))
    }

    func testPEMChainPicksTheCertificateOfTheKey() throws {
        let pem = try fixtures.bytes("other-cert.pem") + fixtures.bytes("key.pem") + fixtures.bytes("cert.pem")
        assertIsFixtureCertificate(try CertificateCredential.load(pemOrPFX: pem, password: nil))
    }

    func testKeyAndCertificateInSeparatePEMFiles() throws {
        let credential = try CertificateCredential.load(
            privateKeyPEM: try fixtures.bytes("key.pem"), certificatePEM: try fixtures.bytes("cert.pem"), password: nil)
        assertIsFixtureCertificate(credential)

        assertCredentialError(.keyCertificateMismatch, containing: "does not belong to the private key") {
            () throws(CredentialError) in
            try CertificateCredential.load(privateKeyPEM: try! fixtures.bytes("key.pem"), certificatePEM: try! fixtures.bytes("other-cert.pem"), password: nil)
        }
        assertCredentialError(.noCertificate, containing: "no certificate") { () throws(CredentialError) in
            try CertificateCredential.load(privateKeyPEM: try! fixtures.bytes("key.pem"), certificatePEM: try! fixtures.bytes("key.pem"), password: nil)
        }
    }

    func testKeyOnlyPEMLoadsWithoutThumbprints() throws {
        let credential = try CertificateCredential.load(pemOrPFX: try fixtures.bytes("key.pem"), password: nil)
        XCTAssertFalse(credential.hasCertificate)
        XCTAssertEqual(credential.thumbprintSHA1, [])
        XCTAssertEqual(credential.thumbprintSHA256, [])
        XCTAssertEqual(credential.keyBits, 2048)
    }

    func testEncryptedPKCS8PEMKey() throws {
        let pem = try fixtures.bytes("key-pkcs8-encrypted.pem") + fixtures.bytes("cert.pem")
        XCTAssertTrue(String(decoding: pem, as: UTF8.self).contains("BEGIN ENCRYPTED PRIVATE KEY"))
        assertIsFixtureCertificate(try CertificateCredential.load(pemOrPFX: pem, password: Fixtures.keyPassword))
        assertCredentialError(.wrongPassword, containing: "wrong password for the encrypted private key") { () throws(CredentialError) in
            try CertificateCredential.load(pemOrPFX: pem, password: "not the password")
        }
        assertCredentialError(.passwordRequired, containing: "--password") { () throws(CredentialError) in
            try CertificateCredential.load(pemOrPFX: pem, password: nil)
        }
    }

    func testEncryptedTraditionalPEMKey() throws {
        let pem = try fixtures.bytes("key-traditional-encrypted.pem") + fixtures.bytes("cert.pem")
        XCTAssertTrue(String(decoding: pem, as: UTF8.self).contains("DEK-Info"))
        assertIsFixtureCertificate(try CertificateCredential.load(pemOrPFX: pem, password: Fixtures.keyPassword))
        assertCredentialError(.wrongPassword, containing: "wrong password") { () throws(CredentialError) in
            try CertificateCredential.load(pemOrPFX: pem, password: "nope")
        }
    }

    func testPEMWithOnlyACertificate() throws {
        let pem = try fixtures.bytes("cert.pem")
        assertCredentialError(.noPrivateKey, containing: "no private key") { () throws(CredentialError) in
            try CertificateCredential.load(pemOrPFX: pem, password: nil)
        }
    }

    func testPEMWithMismatchedKeyAndCertificate() throws {
        let pem = try fixtures.bytes("key.pem") + fixtures.bytes("other-cert.pem")
        assertCredentialError(.keyCertificateMismatch, containing: "does not belong to its private key") { () throws(CredentialError) in
            try CertificateCredential.load(pemOrPFX: pem, password: nil)
        }
    }

    func testDamagedPEMKey() throws {
        var text = try fixtures.text("key.pem")
        // Cut the key's Base64 body short.
        let lines = text.split(separator: "\n")
        text = ([lines[0]] + lines[1...4] + [lines[lines.count - 1]]).joined(separator: "\n") + "\n"
        assertCredentialError(.malformed, containing: "the private key in the PEM file is damaged or incomplete (OpenSSL: error:") { () throws(CredentialError) in
            try CertificateCredential.load(pemOrPFX: Array(text.utf8), password: nil)
        }
    }

    func testECKeyIsRejectedAsNotRSA() throws {
        let pem = try fixtures.bytes("ec-key.pem") + fixtures.bytes("ec-cert.pem")
        assertCredentialError(.notRSA, containing: "the private key is not RSA (Entra client assertions use RS256)") { () throws(CredentialError) in
            try CertificateCredential.load(pemOrPFX: pem, password: nil)
        }
        let pfx = try fixtures.bytes("ec.pfx")
        assertCredentialError(.notRSA, containing: "not RSA") { () throws(CredentialError) in
            try CertificateCredential.load(pemOrPFX: pfx, password: Fixtures.pfxPassword)
        }
    }

    // MARK: PFX

    func testPFXWithPassword() throws {
        let pfx = try fixtures.bytes("cert.pfx")
        assertIsFixtureCertificate(try CertificateCredential.load(pemOrPFX: pfx, password: Fixtures.pfxPassword))
    }

    func testPFXWrongOrMissingPassword() throws {
        let pfx = try fixtures.bytes("cert.pfx")
        let wrong = assertCredentialError(.wrongPassword, containing: "wrong password for the PFX file") { () throws(CredentialError) in
            try CertificateCredential.load(pemOrPFX: pfx, password: "wrong")
        }
        XCTAssertEqual(wrong?.description, "wrong password for the PFX file")
        assertCredentialError(.passwordRequired, containing: "the PFX file is protected by a password") { () throws(CredentialError) in
            try CertificateCredential.load(pemOrPFX: pfx, password: nil)
        }
    }

    func testLegacyPFXLikeOlderWindowsExports() throws {
        // RC2-40 / 3DES with SHA-1: needs OpenSSL's legacy provider.
        let pfx = try fixtures.bytes("legacy.pfx")
        assertIsFixtureCertificate(try CertificateCredential.load(pemOrPFX: pfx, password: Fixtures.pfxPassword))
    }

    func testPFXWithEmptyPassword() throws {
        let pfx = try fixtures.bytes("nopassword.pfx")
        assertIsFixtureCertificate(try CertificateCredential.load(pemOrPFX: pfx, password: nil))
        assertIsFixtureCertificate(try CertificateCredential.load(pemOrPFX: pfx, password: ""))
    }

    func testBase64EncodedPFXText() throws {
        let pfx = try fixtures.bytes("cert.pfx")
        // One line, as --certificateBase64Encoded passes it.
        let oneLine = Array(Data(pfx).base64EncodedString().utf8)
        assertIsFixtureCertificate(try CertificateCredential.load(pemOrPFX: oneLine, password: Fixtures.pfxPassword))
        // Wrapped at 64 columns with a trailing newline, as `openssl base64` writes a file.
        let wrapped = Array(try fixtures.openssl("base64", "-in", "cert.pfx").utf8)
        XCTAssertTrue(wrapped.contains(UInt8(ascii: "\n")))
        assertIsFixtureCertificate(try CertificateCredential.load(pemOrPFX: wrapped, password: Fixtures.pfxPassword))
        // A wrong password is still reported as such through the Base64 layer.
        assertCredentialError(.wrongPassword, containing: "wrong password for the PFX file") { () throws(CredentialError) in
            try CertificateCredential.load(pemOrPFX: oneLine, password: "wrong")
        }
    }

    func testBase64EncodedPEMText() throws {
        let pem = try fixtures.bytes("key.pem") + fixtures.bytes("cert.pem")
        let encoded = Array(Data(pem).base64EncodedString().utf8)
        assertIsFixtureCertificate(try CertificateCredential.load(pemOrPFX: encoded, password: nil))
    }

    // MARK: Neither

    func testGarbageEmptyAndCertificateOnlyInput() throws {
        assertCredentialError(.unrecognizedFormat, containing: "the certificate file is neither PEM nor PKCS#12 (PFX)") { () throws(CredentialError) in
            try CertificateCredential.load(pemOrPFX: Array("this is not a certificate, just words.\n".utf8), password: nil)
        }
        assertCredentialError(.unrecognizedFormat, containing: "neither PEM nor PKCS#12") { () throws(CredentialError) in
            try CertificateCredential.load(pemOrPFX: [0x00, 0xFF, 0x13, 0x37, 0x42], password: nil)
        }
        assertCredentialError(.empty, containing: "empty") { () throws(CredentialError) in
            try CertificateCredential.load(pemOrPFX: [], password: nil)
        }
        assertCredentialError(.empty, containing: "empty") { () throws(CredentialError) in
            try CertificateCredential.load(pemOrPFX: Array(" \r\n".utf8), password: nil)
        }
        let der = try fixtures.bytes("cert.der")
        assertCredentialError(.certificateOnly, containing: "only a certificate") { () throws(CredentialError) in
            try CertificateCredential.load(pemOrPFX: der, password: nil)
        }
        // DER that is neither a PFX nor a certificate.
        assertCredentialError(.malformed, containing: "the PFX file is damaged or incomplete (OpenSSL: error:") { () throws(CredentialError) in
            try CertificateCredential.load(pemOrPFX: [0x30, 0x03, 0x02, 0x01, 0x05], password: nil)
        }
        // A PFX cut in half.
        let pfx = try fixtures.bytes("cert.pfx")
        assertCredentialError(.malformed, containing: "the PFX file is damaged or incomplete (OpenSSL: error:") { () throws(CredentialError) in
            try CertificateCredential.load(pemOrPFX: Array(pfx.prefix(pfx.count / 2)), password: Fixtures.pfxPassword)
        }
    }
}
