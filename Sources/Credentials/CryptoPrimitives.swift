import CCrypto

/// Digests and random bytes from OpenSSL's libcrypto (opened on first use).
public enum CryptoPrimitives {
    public static func sha256(_ data: [UInt8]) throws(CredentialError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var message: UnsafeMutablePointer<CChar>?
        let status = data.withUnsafeBufferPointer { m365_crypto_sha256($0.baseAddress, $0.count, &out, &message) }
        try check(status, message)
        return out
    }

    public static func sha1(_ data: [UInt8]) throws(CredentialError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 20)
        var message: UnsafeMutablePointer<CChar>?
        let status = data.withUnsafeBufferPointer { m365_crypto_sha1($0.baseAddress, $0.count, &out, &message) }
        try check(status, message)
        return out
    }

    /// `count` cryptographically secure random bytes.
    public static func randomBytes(_ count: Int) throws(CredentialError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: max(count, 0))
        var message: UnsafeMutablePointer<CChar>?
        let status = out.withUnsafeMutableBufferPointer { m365_crypto_random($0.baseAddress, $0.count, &message) }
        try check(status, message)
        return out
    }

    /// A random (version 4) UUID in lower-case 8-4-4-4-12 form.
    public static func uuidV4() throws(CredentialError) -> String {
        var b = try randomBytes(16)
        b[6] = b[6] & 0x0F | 0x40
        b[8] = b[8] & 0x3F | 0x80
        let hex = Hex.encode(b, upperCase: false)
        var out = ""
        out.reserveCapacity(36)
        for (i, c) in hex.enumerated() {
            if i == 8 || i == 12 || i == 16 || i == 20 { out.append("-") }
            out.append(c)
        }
        return out
    }

    private static func check(_ status: Int32, _ message: UnsafeMutablePointer<CChar>?) throws(CredentialError) {
        let detail = takeMessage(message)
        guard status == M365_CRYPTO_OK else {
            throw CredentialError(status == M365_CRYPTO_UNAVAILABLE ? .cryptoUnavailable : .cryptoFailure, detail ?? "OpenSSL failed")
        }
    }
}
