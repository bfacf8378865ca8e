import Crypto
import _CryptoExtras
import Foundation
import JSONModel
import SwiftASN1
import X509
import TextEncodings

/// The emulator's token-signing key: RSA 2048, persisted in the state directory so tokens a
/// client cached stay valid across restarts. Published as a JWKS entry with `x5c`, like Entra's.
public final class SigningKey: Sendable {
    public let privateKey: _RSA.Signing.PrivateKey
    public let publicKey: _RSA.Signing.PublicKey
    /// Key id; as in Entra it equals the certificate's SHA-1 thumbprint (`x5t`).
    public let kid: String
    public let certificateDER: [UInt8]

    static let keyFile = "signing-key.pem"
    static let certFile = "signing-cert.pem"

    public init(privateKey: _RSA.Signing.PrivateKey, certificate: Certificate) throws {
        self.privateKey = privateKey
        self.publicKey = privateKey.publicKey
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        self.certificateDER = serializer.serializedBytes
        self.kid = Base64URL.encode(Insecure.SHA1.hash(data: certificateDER))
    }

    public static func loadOrCreate(in directory: String) throws -> SigningKey {
        let keyPath = directory + "/" + keyFile
        let certPath = directory + "/" + certFile
        if let keyPEM = try? String(contentsOfFile: keyPath, encoding: .utf8),
           let certPEM = try? String(contentsOfFile: certPath, encoding: .utf8),
           let key = try? _RSA.Signing.PrivateKey(pemRepresentation: keyPEM),
           let cert = try? Certificate(pemEncoded: certPEM)
        {
            return try SigningKey(privateKey: key, certificate: cert)
        }
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let name = try DistinguishedName { CommonName("accounts.accesscontrol.windows.net") }
        let now = Date()
        let cert = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(5 * 365 * 86400),
            issuer: name, subject: name, signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: Certificate.Extensions(), issuerPrivateKey: Certificate.PrivateKey(key))
        try CertificateAuthority.write(key.pemRepresentation, to: keyPath, mode: 0o600)
        try CertificateAuthority.write(try cert.serializeAsPEM().pemString + "\n", to: certPath, mode: 0o644)
        return try SigningKey(privateKey: key, certificate: cert)
    }

    public func sign(claims: JSON, version1: Bool = true) throws -> String {
        // v1 tokens carry x5t (same value as kid); v2 tokens only kid.
        let header: JSON = version1
            ? ["typ": "JWT", "alg": "RS256", "x5t": .string(kid), "kid": .string(kid)]
            : ["typ": "JWT", "alg": "RS256", "kid": .string(kid)]
        return try JWT.sign(header: header, claims: claims, key: privateKey)
    }

    public func jwk(issuer: String?) -> JSON {
        let primitives = try? publicKey.getKeyPrimitives()
        var pairs: [(String, JSON)] = [
            ("kty", "RSA"), ("use", "sig"), ("kid", .string(kid)), ("x5t", .string(kid)),
            ("n", .string(Base64URL.encode(primitives?.modulus ?? Data()))),
            ("e", .string(Base64URL.encode(primitives?.publicExponent ?? Data()))),
            ("x5c", [.string(Data(certificateDER).base64EncodedString())]),
        ]
        if let issuer { pairs.append(("issuer", .string(issuer))) }
        return .object(JSONObject(pairs))
    }
}
