import Credentials
import Foundation
import JSONModel
import XCTest
import TextEncodings

final class SigningTests: XCTestCase {
    var fixtures: Fixtures!
    var credential: CertificateCredential!

    override func setUpWithError() throws {
        fixtures = try Fixtures.shared()
        credential = try CertificateCredential.load(pemOrPFX: try fixtures.bytes("key.pem") + fixtures.bytes("cert.pem"), password: nil)
    }

    func testRS256SignatureVerifiesWithOpenSSL() throws {
        let data = Array("the quick brown fox".utf8)
        let signature = try credential.sign(data)
        XCTAssertEqual(signature.count, 256)
        XCTAssertTrue(try fixtures.verify(data, signature: signature))
        // The check is real: other data does not verify.
        XCTAssertFalse(try fixtures.verify(data + [0x21], signature: signature))
        // And an empty message can be signed too.
        XCTAssertTrue(try fixtures.verify([], signature: try credential.sign([])))
    }

    func testPS256SignatureVerifiesWithOpenSSL() throws {
        let data = Array("PS256 with a 32-byte salt".utf8)
        let signature = try credential.sign(data, algorithm: .ps256)
        XCTAssertTrue(try fixtures.verify(data, signature: signature, pss: true))
        XCTAssertFalse(try fixtures.verify(data, signature: signature, pss: false))
    }

    func testPEMAndPFXHoldTheSameKey() throws {
        // PKCS#1 v1.5 signatures are deterministic: same key, same bytes.
        let fromPFX = try CertificateCredential.load(pemOrPFX: try fixtures.bytes("cert.pfx"), password: Fixtures.pfxPassword)
        let fromEncryptedPEM = try CertificateCredential.load(
            pemOrPFX: try fixtures.bytes("key-pkcs8-encrypted.pem") + fixtures.bytes("cert.pem"), password: Fixtures.keyPassword)
        let data = Array("same key".utf8)
        let expected = try credential.sign(data)
        XCTAssertEqual(try fromPFX.sign(data), expected)
        XCTAssertEqual(try fromEncryptedPEM.sign(data), expected)
    }

    func decode(_ part: Substring) throws -> JSONObject {
        let bytes = try XCTUnwrap(Base64URL.decode(part), "not base64url: \(part)")
        return try XCTUnwrap(try JSON.parse(bytes: bytes).objectValue)
    }

    func testClientAssertionHeaderClaimsAndSignature() throws {
        let audience = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        let clientId = "31359c7f-bd7e-475c-86db-fdb8c937548e"
        let assertion = try credential.clientAssertion(clientId: clientId, audience: audience, now: 1_700_000_000)
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false)
        XCTAssertEqual(parts.count, 3)
        XCTAssertFalse(assertion.contains("="), "base64url without padding")

        let header = try decode(parts[0])
        XCTAssertEqual(header.keys, ["alg", "typ", "x5t", "x5t#S256"])
        XCTAssertEqual(header["alg"], "RS256")
        XCTAssertEqual(header["typ"], "JWT")
        let sha1 = try fixtures.fingerprint("cert.pem", digest: "sha1")
        let sha256 = try fixtures.fingerprint("cert.pem", digest: "sha256")
        XCTAssertEqual(header["x5t"]?.stringValue.flatMap(Base64URL.decode), sha1)
        XCTAssertEqual(header["x5t#S256"]?.stringValue.flatMap(Base64URL.decode), sha256)

        let claims = try decode(parts[1])
        XCTAssertEqual(claims.keys, ["aud", "iss", "sub", "jti", "nbf", "exp", "iat"])
        XCTAssertEqual(claims["aud"], .string(audience))
        XCTAssertEqual(claims["iss"], .string(clientId))
        XCTAssertEqual(claims["sub"], .string(clientId))
        XCTAssertEqual(claims["nbf"]?.intValue, 1_700_000_000)
        XCTAssertEqual(claims["iat"]?.intValue, 1_700_000_000)
        XCTAssertEqual(claims["exp"]?.intValue, 1_700_000_600)
        let jti = try XCTUnwrap(claims["jti"]?.stringValue)
        let uuid = try XCTUnwrap(UUID(uuidString: jti), "jti is a GUID: \(jti)")
        XCTAssertEqual(uuid.uuid.6 >> 4, 4, "version 4")
        XCTAssertEqual(uuid.uuid.8 >> 6, 2, "RFC 4122 variant")
        XCTAssertEqual(jti, jti.lowercased())

        // The signature over "header.claims" verifies against the certificate's public key.
        let signingInput = Array(parts[0].utf8) + [UInt8(ascii: ".")] + Array(parts[1].utf8)
        let signature = try XCTUnwrap(Base64URL.decode(parts[2]))
        XCTAssertTrue(try fixtures.verify(signingInput, signature: signature))
        // A signature over other bytes does not pass for this one.
        XCTAssertFalse(try fixtures.verify(signingInput, signature: try credential.sign(Array("other".utf8))))
    }

    func testClientAssertionDefaultsAndOptions() throws {
        let before = Int(Date().timeIntervalSince1970)
        let a = try credential.clientAssertion(clientId: "app", audience: "aud", lifetimeSeconds: 300)
        let after = Int(Date().timeIntervalSince1970)
        let claims = try decode(a.split(separator: ".")[1])
        let nbf = try XCTUnwrap(claims["nbf"]?.intValue)
        XCTAssertTrue((before...after).contains(nbf), "nbf \(nbf) is now")
        XCTAssertEqual(claims["exp"]?.intValue, nbf + 300)

        // A fresh jti each time, unless one is given.
        let b = try credential.clientAssertion(clientId: "app", audience: "aud")
        XCTAssertNotEqual(claims["jti"], try decode(b.split(separator: ".")[1])["jti"])
        let c = try credential.clientAssertion(clientId: "app", audience: "aud", now: 5, jti: "fixed-id")
        XCTAssertEqual(try decode(c.split(separator: ".")[1])["jti"], "fixed-id")
        // Same inputs, same RS256 assertion.
        XCTAssertEqual(c, try credential.clientAssertion(clientId: "app", audience: "aud", now: 5, jti: "fixed-id"))
    }

    func testPS256ClientAssertion() throws {
        let assertion = try credential.clientAssertion(clientId: "app", audience: "aud", now: 10, algorithm: .ps256)
        let parts = assertion.split(separator: ".")
        XCTAssertEqual(try decode(parts[0])["alg"], "PS256")
        let signingInput = Array(parts[0].utf8) + [UInt8(ascii: ".")] + Array(parts[1].utf8)
        XCTAssertTrue(try fixtures.verify(signingInput, signature: try XCTUnwrap(Base64URL.decode(parts[2])), pss: true))
    }

    func testThumbprintOverride() throws {
        let sha1 = try fixtures.fingerprint("cert.pem", digest: "sha1")
        let sha256 = try fixtures.fingerprint("cert.pem", digest: "sha256")
        // As openssl prints it (colons), SHA-1: x5t only.
        let colon = sha1.map { String(format: "%02x", $0) }.joined(separator: ":")
        let h1 = try decode(try credential.clientAssertion(clientId: "a", audience: "b", thumbprintOverride: colon).split(separator: ".")[0])
        XCTAssertEqual(h1.keys, ["alg", "typ", "x5t"])
        XCTAssertEqual(h1["x5t"]?.stringValue.flatMap(Base64URL.decode), sha1)
        // SHA-256 in hex: x5t#S256 only.
        let hex256 = sha256.map { String(format: "%02X", $0) }.joined()
        let h2 = try decode(try credential.clientAssertion(clientId: "a", audience: "b", thumbprintOverride: hex256).split(separator: ".")[0])
        XCTAssertEqual(h2.keys, ["alg", "typ", "x5t#S256"])
        XCTAssertEqual(h2["x5t#S256"]?.stringValue.flatMap(Base64URL.decode), sha256)
        // Empty means "compute it" (CLI for Microsoft 365 #1532: an empty thumbprint).
        let h3 = try decode(try credential.clientAssertion(clientId: "a", audience: "b", thumbprintOverride: "").split(separator: ".")[0])
        XCTAssertEqual(h3["x5t"]?.stringValue.flatMap(Base64URL.decode), sha1)
        // Not a thumbprint.
        assertCredentialError(.invalidThumbprint, containing: "is not a SHA-1 (40 hex digits) or SHA-256") { () throws(CredentialError) in
            try credential.clientAssertion(clientId: "a", audience: "b", thumbprintOverride: "ABC123")
        }
        assertCredentialError(.invalidThumbprint, containing: "thumbprint") { () throws(CredentialError) in
            try credential.clientAssertion(clientId: "a", audience: "b", thumbprintOverride: String(repeating: "Z", count: 40))
        }
    }

    func testKeyOnlyPEMNeedsAThumbprint() throws {
        let keyOnly = try CertificateCredential.load(pemOrPFX: try fixtures.bytes("key.pem"), password: nil)
        assertCredentialError(.noCertificate, containing: "pass --thumbprint") { () throws(CredentialError) in
            try keyOnly.clientAssertion(clientId: "a", audience: "b")
        }
        let sha1 = try fixtures.fingerprint("cert.pem", digest: "sha1")
        let hex = sha1.map { String(format: "%02X", $0) }.joined()
        let assertion = try keyOnly.clientAssertion(clientId: "a", audience: "b", thumbprintOverride: hex)
        let parts = assertion.split(separator: ".")
        XCTAssertEqual(try decode(parts[0])["x5t"]?.stringValue.flatMap(Base64URL.decode), sha1)
        let signingInput = Array(parts[0].utf8) + [UInt8(ascii: ".")] + Array(parts[1].utf8)
        XCTAssertTrue(try fixtures.verify(signingInput, signature: try XCTUnwrap(Base64URL.decode(parts[2]))))
    }

    func testDigestsAndRandomBytes() throws {
        XCTAssertEqual(try CryptoPrimitives.sha256(Array("abc".utf8)),
                       try Fixtures.hexBytes("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
        XCTAssertEqual(try CryptoPrimitives.sha256([]),
                       try Fixtures.hexBytes("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
        XCTAssertEqual(try CryptoPrimitives.sha1(Array("abc".utf8)),
                       try Fixtures.hexBytes("a9993e364706816aba3e25717850c26c9cd0d89d"))
        let der = try fixtures.bytes("cert.der")
        XCTAssertEqual(try CryptoPrimitives.sha256(der), try fixtures.fingerprint("cert.pem", digest: "sha256"))

        let r1 = try CryptoPrimitives.randomBytes(32), r2 = try CryptoPrimitives.randomBytes(32)
        XCTAssertEqual(r1.count, 32)
        XCTAssertNotEqual(r1, r2)
        XCTAssertEqual(try CryptoPrimitives.randomBytes(0), [])
        let uuid = try CryptoPrimitives.uuidV4()
        XCTAssertNotNil(UUID(uuidString: uuid))
        XCTAssertEqual(Array(uuid)[14], "4")
    }

    /// The start-up budget: nothing links libcrypto (or libssl); CCrypto opens it with dlopen.
    func testLibcryptoIsNotLinked() throws {
        #if !os(Linux)
        throw XCTSkip("reads /proc/self/exe and ELF headers")
        #endif
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["readelf", "-d", executable]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let needed = output.split(separator: "\n").filter { $0.contains("(NEEDED)") }
        XCTAssertFalse(needed.isEmpty, "readelf lists the needed libraries of \(executable)")
        XCTAssertFalse(needed.contains { $0.contains("libcrypto") || $0.contains("libssl") }, needed.joined(separator: "\n"))
    }
}
