import Crypto
import _CryptoExtras
import Foundation
import JSONModel
import TextEncodings

/// A decoded (not yet verified) compact JWS.
public struct JWT: Sendable {
    public let header: JSON
    public let claims: JSON
    /// `base64url(header).base64url(payload)`: the bytes the signature covers.
    public let signingInput: String
    public let signature: [UInt8]

    public enum DecodeError: Error { case malformed }

    public init(compact: String) throws {
        let parts = compact.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let h = Base64URL.decode(String(parts[0])), let p = Base64URL.decode(String(parts[1])),
              let s = Base64URL.decode(String(parts[2])),
              let header = try? JSON.parse(bytes: h), let claims = try? JSON.parse(bytes: p),
              case .object = header, case .object = claims
        else { throw DecodeError.malformed }
        self.header = header
        self.claims = claims
        self.signingInput = parts[0] + "." + parts[1]
        self.signature = s
    }

    public var alg: String? { header["alg"]?.stringValue }
    public var kid: String? { header["kid"]?.stringValue }

    public func claim(_ name: String) -> String? { claims[name]?.stringValue }
    /// A NumericDate claim (`exp`, `nbf`, `iat`): a JSON number, as RFC 7519 requires.
    public func numericClaim(_ name: String) -> Double? { claims[name]?.numberValue }

    /// Audiences as a list (`aud` may be a string or an array).
    public var audiences: [String] {
        if let a = claims["aud"]?.arrayValue { return a.compactMap(\.stringValue) }
        return claims["aud"]?.stringValue.map { [$0] } ?? []
    }

    /// Verifies an RS256 or PS256 signature with `key`.
    public func verify(with key: _RSA.Signing.PublicKey) -> Bool {
        let sig = _RSA.Signing.RSASignature(rawRepresentation: signature)
        let data = Array(signingInput.utf8)
        switch alg {
        case "RS256": return key.isValidSignature(sig, for: data, padding: .insecurePKCS1v1_5)
        case "PS256": return key.isValidSignature(sig, for: data, padding: .PSS)
        default: return false
        }
    }

    /// Signs `claims` with RS256, returning the compact form.
    public static func sign(header: JSON, claims: JSON, key: _RSA.Signing.PrivateKey) throws -> String {
        let input = Base64URL.encode(header.serialized()) + "." + Base64URL.encode(claims.serialized())
        let sig = try key.signature(for: Array(input.utf8), padding: .insecurePKCS1v1_5)
        return input + "." + Base64URL.encode(sig.rawRepresentation)
    }

    /// An unsigned token (`alg: none`), as v1 id_tokens are.
    public static func unsigned(claims: JSON) -> String {
        Base64URL.encode((["typ": "JWT", "alg": "none"] as JSON).serialized()) + "." + Base64URL.encode(claims.serialized()) + "."
    }
}
