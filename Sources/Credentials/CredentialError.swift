/// Why a certificate credential cannot be loaded or used: one line for the user.
public struct CredentialError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// OpenSSL's libcrypto (3.x) cannot be opened.
        case cryptoUnavailable
        /// No bytes at all.
        case empty
        /// Neither PEM, nor PKCS#12 DER, nor Base64 of either.
        case unrecognizedFormat
        /// PEM blocks or PKCS#12 structures that OpenSSL cannot read.
        case malformed
        /// The key or PFX is encrypted and no password was given.
        case passwordRequired
        /// The password does not open the key or PFX.
        case wrongPassword
        case noPrivateKey
        case noCertificate
        /// The file is a certificate on its own (a .cer), without the private key.
        case certificateOnly
        case notRSA
        case keyCertificateMismatch
        /// A thumbprint given by the user that is not 40 or 64 hex digits.
        case invalidThumbprint
        /// Signing, digests or random bytes failed inside OpenSSL.
        case cryptoFailure
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        // One line, whatever OpenSSL said.
        var line = String(message.map { $0.isNewline ? " " : $0 })
        while line.last == " " { line.removeLast() }
        self.message = line
    }

    public var description: String { message }
}
