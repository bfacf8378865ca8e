#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CCrypto
import JSONModel
import TextEncodings

/// JWS signature algorithms for client assertions. Entra accepts both; RS256 with `x5t` is the
/// long-standing form, PS256 with `x5t#S256` the one current docs show (protocols.md §1.6).
public enum AssertionAlgorithm: String, Sendable {
    /// RSA PKCS#1 v1.5 with SHA-256.
    case rs256 = "RS256"
    /// RSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt.
    case ps256 = "PS256"

    var padding: Int32 { self == .rs256 ? Int32(M365_CRYPTO_RSA_PKCS1) : Int32(M365_CRYPTO_RSA_PSS) }
}

/// An app's certificate credential: an RSA private key and the certificate Entra knows it by,
/// from PEM text or a PKCS#12 (PFX) file. Signs client assertions (protocols.md §1.6).
///
/// OpenSSL's libcrypto is opened with dlopen on the first load; nothing here links it.
public struct CertificateCredential: Sendable {
    /// SHA-1 of the certificate's DER: the "thumbprint" Entra shows. Empty when a PEM file held
    /// only the private key (then `clientAssertion` needs `thumbprintOverride`).
    public let thumbprintSHA1: [UInt8]
    /// SHA-256 of the certificate's DER. Empty when there is no certificate.
    public let thumbprintSHA256: [UInt8]
    /// The certificate, DER-encoded. Empty when there is no certificate.
    public let certificateDER: [UInt8]
    /// The RSA key size in bits.
    public let keyBits: Int
    let key: PrivateKeyHandle

    /// Whether a certificate came with the key (always for PFX).
    public var hasCertificate: Bool { !certificateDER.isEmpty }

    /// Upper-case hex of the SHA-1 thumbprint, as the Entra admin center shows it.
    public var thumbprintHex: String { Hex.encode(thumbprintSHA1, upperCase: true) }

    // MARK: Loading

    /// Loads a credential from the bytes of a certificate file: PEM text (private key and
    /// certificate in one file, in any order; the key may be encrypted), a PKCS#12/PFX file, or
    /// Base64 text of either (`--certificateBase64Encoded`). The format is detected from the bytes.
    public static func load(pemOrPFX bytes: [UInt8], password: String?) throws(CredentialError) -> CertificateCredential {
        switch try CertificateInput.detect(bytes) {
        case .pem(let pem): return try loadPEM(key: pem, certificate: nil, password: password)
        case .pkcs12(let der): return try loadPKCS12(der, password: password)
        }
    }

    /// Loads a private key from PEM text and its certificate from other PEM text.
    public static func load(privateKeyPEM: [UInt8], certificatePEM: [UInt8], password: String?) throws(CredentialError) -> CertificateCredential {
        guard !privateKeyPEM.isEmpty else { throw CredentialError(.empty, "the private key file is empty") }
        guard !certificatePEM.isEmpty else { throw CredentialError(.empty, "the certificate file is empty") }
        return try loadPEM(key: privateKeyPEM, certificate: certificatePEM, password: password)
    }

    private static func loadPEM(key pem: [UInt8], certificate: [UInt8]?, password: String?) throws(CredentialError) -> CertificateCredential {
        let password = password.flatMap { $0.isEmpty ? nil : $0 }
        var handle: OpaquePointer?
        var message: UnsafeMutablePointer<CChar>?
        let status: Int32 = pem.withUnsafeBufferPointer { keyBuffer in
            withOptionalCString(password) { pw in
                if let certificate {
                    return certificate.withUnsafeBufferPointer { certBuffer in
                        m365_crypto_key_from_pem(keyBuffer.baseAddress, keyBuffer.count, certBuffer.baseAddress, certBuffer.count, pw, &handle, &message)
                    }
                }
                return m365_crypto_key_from_pem(keyBuffer.baseAddress, keyBuffer.count, nil, 0, pw, &handle, &message)
            }
        }
        let detail = takeMessage(message)
        guard status == M365_CRYPTO_OK, let handle else {
            throw pemError(status, detail: detail, pem: pem, separateCertificate: certificate != nil)
        }
        return CertificateCredential(PrivateKeyHandle(handle))
    }

    private static func loadPKCS12(_ der: [UInt8], password: String?) throws(CredentialError) -> CertificateCredential {
        var handle: OpaquePointer?
        var message: UnsafeMutablePointer<CChar>?
        let status: Int32 = der.withUnsafeBufferPointer { buffer in
            withOptionalCString(password) { pw in
                m365_crypto_key_from_pkcs12(buffer.baseAddress, buffer.count, pw, &handle, &message)
            }
        }
        let detail = takeMessage(message)
        guard status == M365_CRYPTO_OK, let handle else { throw pkcs12Error(status, detail: detail) }
        return CertificateCredential(PrivateKeyHandle(handle))
    }

    private init(_ key: PrivateKeyHandle) {
        self.key = key
        var der: UnsafePointer<UInt8>?
        var sha1 = [UInt8](repeating: 0, count: 20)
        var sha256 = [UInt8](repeating: 0, count: 32)
        let count = m365_crypto_key_certificate(key.pointer, &der, &sha1, &sha256)
        if count > 0, let der {
            certificateDER = Array(UnsafeBufferPointer(start: der, count: count))
            thumbprintSHA1 = sha1
            thumbprintSHA256 = sha256
        } else {
            certificateDER = []
            thumbprintSHA1 = []
            thumbprintSHA256 = []
        }
        keyBits = Int(m365_crypto_key_bits(key.pointer))
    }

    // MARK: Signing

    /// Signs `data` with the private key: RS256 (RSA PKCS#1 v1.5 + SHA-256) unless told otherwise.
    public func sign(_ data: [UInt8], algorithm: AssertionAlgorithm = .rs256) throws(CredentialError) -> [UInt8] {
        var signature: UnsafeMutablePointer<UInt8>?
        var length = 0
        var message: UnsafeMutablePointer<CChar>?
        let status = data.withUnsafeBufferPointer { buffer in
            m365_crypto_sign(key.pointer, algorithm.padding, buffer.baseAddress, buffer.count, &signature, &length, &message)
        }
        let detail = takeMessage(message)
        guard status == M365_CRYPTO_OK, let signature else {
            throw CredentialError(status == M365_CRYPTO_UNAVAILABLE ? .cryptoUnavailable : .cryptoFailure,
                                  detail ?? "signing with the private key failed")
        }
        defer { m365_crypto_free(signature) }
        return Array(UnsafeBufferPointer(start: signature, count: length))
    }

    /// A client assertion for the token endpoint `audience`: a compact JWS with header
    /// `{"alg","typ":"JWT","x5t","x5t#S256"}` and claims `{aud, iss, sub, jti, nbf, exp, iat}`,
    /// iss = sub = `clientId`, exp = nbf + `lifetimeSeconds`.
    ///
    /// `thumbprintOverride` (the user's `--thumbprint`: SHA-1 or SHA-256 in hex, colons and
    /// spaces allowed; empty means none) replaces the computed thumbprints: a SHA-1 one goes into
    /// `x5t` alone, a SHA-256 one into `x5t#S256` alone.
    public func clientAssertion(
        clientId: String, audience: String, lifetimeSeconds: Int = 600, now: Int? = nil, jti: String? = nil,
        thumbprintOverride: String? = nil, algorithm: AssertionAlgorithm = .rs256
    ) throws(CredentialError) -> String {
        var header = JSONObject([("alg", .string(algorithm.rawValue)), ("typ", "JWT")])
        if let override = try Hex.thumbprint(thumbprintOverride) {
            header[override.count == 20 ? "x5t" : "x5t#S256"] = .string(Base64URL.encode(override))
        } else if hasCertificate {
            header["x5t"] = .string(Base64URL.encode(thumbprintSHA1))
            header["x5t#S256"] = .string(Base64URL.encode(thumbprintSHA256))
        } else {
            throw CredentialError(.noCertificate, "the PEM file has no certificate, so its thumbprint cannot be computed: add the certificate to the file or pass --thumbprint")
        }
        let issuedAt = now ?? Int(time(nil))
        let assertionId: String
        if let jti { assertionId = jti } else { assertionId = try CryptoPrimitives.uuidV4() }
        let claims = JSONObject([
            ("aud", .string(audience)),
            ("iss", .string(clientId)),
            ("sub", .string(clientId)),
            ("jti", .string(assertionId)),
            ("nbf", .number(Double(issuedAt))),
            ("exp", .number(Double(issuedAt + lifetimeSeconds))),
            ("iat", .number(Double(issuedAt))),
        ])
        var signingInput = Base64URL.encode(JSON.object(header).serialized().utf8)
        signingInput += "."
        signingInput += Base64URL.encode(JSON.object(claims).serialized().utf8)
        let signature = try sign(Array(signingInput.utf8), algorithm: algorithm)
        return signingInput + "." + Base64URL.encode(signature)
    }

    // MARK: Errors

    private static func pemError(_ status: Int32, detail: String?, pem: [UInt8], separateCertificate: Bool) -> CredentialError {
        switch status {
        case Int32(M365_CRYPTO_UNAVAILABLE):
            return CredentialError(.cryptoUnavailable, detail ?? "OpenSSL's libcrypto is not available")
        case Int32(M365_CRYPTO_PASSWORD_REQUIRED):
            return CredentialError(.passwordRequired, "the private key in the PEM file is encrypted: pass its password with --password")
        case Int32(M365_CRYPTO_WRONG_PASSWORD):
            return CredentialError(.wrongPassword, "wrong password for the encrypted private key in the PEM file")
        case Int32(M365_CRYPTO_NO_PRIVATE_KEY):
            if CertificateInput.contains(pem, "-----BEGIN CERTIFICATE-----") {
                return CredentialError(.noPrivateKey, "the PEM file has a certificate but no private key: add the key (BEGIN PRIVATE KEY) to the file")
            }
            return CredentialError(.noPrivateKey, "the PEM file has no private key (no BEGIN PRIVATE KEY block)")
        case Int32(M365_CRYPTO_NO_CERTIFICATE):
            return CredentialError(.noCertificate, "the certificate PEM file has no certificate (no BEGIN CERTIFICATE block)")
        case Int32(M365_CRYPTO_NOT_RSA):
            return CredentialError(.notRSA, "the private key is not RSA (Entra client assertions use RS256)")
        case Int32(M365_CRYPTO_KEY_MISMATCH):
            return CredentialError(.keyCertificateMismatch,
                                   separateCertificate ? "the certificate does not belong to the private key"
                                                       : "the certificate in the PEM file does not belong to its private key")
        default:
            return CredentialError(.malformed, "the private key in the PEM file is damaged or incomplete (OpenSSL: \(openSSLDetail(detail)))")
        }
    }

    private static func pkcs12Error(_ status: Int32, detail: String?) -> CredentialError {
        switch status {
        case Int32(M365_CRYPTO_UNAVAILABLE):
            return CredentialError(.cryptoUnavailable, detail ?? "OpenSSL's libcrypto is not available")
        case Int32(M365_CRYPTO_PASSWORD_REQUIRED):
            return CredentialError(.passwordRequired, "the PFX file is protected by a password: pass it with --password")
        case Int32(M365_CRYPTO_WRONG_PASSWORD):
            return CredentialError(.wrongPassword, "wrong password for the PFX file")
        case Int32(M365_CRYPTO_NO_PRIVATE_KEY):
            return CredentialError(.noPrivateKey, "the PFX file has no private key")
        case Int32(M365_CRYPTO_NO_CERTIFICATE):
            return CredentialError(.noCertificate, "the PFX file has no certificate for its private key")
        case Int32(M365_CRYPTO_NOT_RSA):
            return CredentialError(.notRSA, "the private key is not RSA (Entra client assertions use RS256)")
        case Int32(M365_CRYPTO_CERTIFICATE_ONLY):
            return CredentialError(.certificateOnly, "the certificate file holds only a certificate (DER), not its private key: use a PFX file or a PEM file with the private key")
        default:
            return CredentialError(.malformed, "the PFX file is damaged or incomplete (OpenSSL: \(openSSLDetail(detail)))")
        }
    }

    /// The OpenSSL part of a C message ("what: error:...:reason" → "error:...:reason").
    private static func openSSLDetail(_ detail: String?) -> String {
        guard let detail else { return "unknown error" }
        let bytes = Array(detail.utf8)
        let marker = Array(": error:".utf8)
        var i = 0
        while i + marker.count <= bytes.count {
            if bytes[i..<(i + marker.count)].elementsEqual(marker) {
                return String(decoding: bytes[(i + 2)...], as: UTF8.self)
            }
            i += 1
        }
        return detail
    }
}

/// Owns the C key (EVP_PKEY and certificate); OpenSSL keys may sign from several threads.
final class PrivateKeyHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { m365_crypto_key_free(pointer) }
}

/// What the bytes of a certificate file are.
enum CertificateInput {
    case pem([UInt8])
    case pkcs12([UInt8])

    static func detect(_ bytes: [UInt8]) throws(CredentialError) -> CertificateInput {
        let start = firstMeaningfulByte(bytes)
        guard start < bytes.count else {
            throw CredentialError(.empty, "the certificate file is empty")
        }
        if let input = direct(bytes, from: start) { return input }
        // Base64 text of a PFX or PEM file (--certificateBase64Encoded, or a PFX saved as text).
        if let decoded = Base64.decode(bytes: bytes[start...]), !decoded.isEmpty,
           let input = direct(decoded, from: firstMeaningfulByte(decoded)) {
            return input
        }
        throw CredentialError(.unrecognizedFormat, "the certificate file is neither PEM nor PKCS#12 (PFX)")
    }

    private static func direct(_ bytes: [UInt8], from start: Int) -> CertificateInput? {
        guard start < bytes.count else { return nil }
        if contains(bytes, "-----BEGIN ") { return .pem(bytes) }
        if bytes[start] == 0x30 { return .pkcs12(start == 0 ? bytes : Array(bytes[start...])) }
        return nil
    }

    /// Index of the first byte after a UTF-8 byte order mark and ASCII whitespace.
    private static func firstMeaningfulByte(_ bytes: [UInt8]) -> Int {
        var i = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3 }
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
        return i
    }

    static func contains(_ bytes: [UInt8], _ needle: StaticString) -> Bool {
        let n = needle.utf8CodeUnitCount
        guard n > 0, bytes.count >= n else { return false }
        return needle.withUTF8Buffer { pattern in
            bytes.withUnsafeBufferPointer { haystack in
                let first = pattern[0]
                var i = 0
                while i + n <= haystack.count {
                    if haystack[i] == first && memcmp(haystack.baseAddress! + i, pattern.baseAddress!, n) == 0 { return true }
                    i += 1
                }
                return false
            }
        }
    }
}

/// A C string for an optional Swift string, for the duration of `body`.
func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}

/// The message of a C error (freed here), or nil.
func takeMessage(_ message: UnsafeMutablePointer<CChar>?) -> String? {
    guard let message else { return nil }
    defer { m365_crypto_free(message) }
    return String(cString: message)
}

enum Hex {
    static func encode(_ bytes: [UInt8], upperCase: Bool) -> String {
        let digits: StaticString = upperCase ? "0123456789ABCDEF" : "0123456789abcdef"
        return String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            digits.withUTF8Buffer { d in
                for (i, b) in bytes.enumerated() {
                    out[2 * i] = d[Int(b >> 4)]
                    out[2 * i + 1] = d[Int(b & 0x0F)]
                }
            }
            return bytes.count * 2
        }
    }

    /// The bytes of a user-given thumbprint (hex, colons and whitespace ignored), nil for nil or
    /// empty text; 20 bytes (SHA-1) or 32 (SHA-256).
    static func thumbprint(_ text: String?) throws(CredentialError) -> [UInt8]? {
        guard let text else { return nil }
        var bytes: [UInt8] = []
        var high: UInt8? = nil
        var valid = true
        for c in text.utf8 {
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
            case UInt8(ascii: ":"), UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): continue
            default: valid = false; v = 0
            }
            if !valid { break }
            if let h = high { bytes.append(h << 4 | v); high = nil } else { high = v }
        }
        if valid && high == nil && bytes.isEmpty { return nil }
        guard valid, high == nil, bytes.count == 20 || bytes.count == 32 else {
            throw CredentialError(.invalidThumbprint, "the thumbprint '\(text)' is not a SHA-1 (40 hex digits) or SHA-256 (64 hex digits) certificate thumbprint")
        }
        return bytes
    }
}
