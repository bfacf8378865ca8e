import Crypto
import Foundation
import SwiftASN1
import X509

/// The emulator's own CA and the server certificate it signs, kept in the state directory so
/// a client configured once with `ca.pem` keeps trusting the emulator across restarts.
public struct CertificateAuthority: Sendable {
    public let caCertificatePEM: String
    public let serverCertificatePEM: String
    public let serverKeyPEM: String
    public let caPath: String

    static let caFile = "ca.pem"
    static let caKeyFile = "ca-key.pem"
    static let serverCertFile = "server-cert.pem"
    static let serverKeyFile = "server-key.pem"
    static let serverNamesFile = "server-names.txt"

    /// Loads the CA and server certificate from `directory`, creating whatever is missing. The
    /// server certificate is re-issued (by the same CA) when it is near expiry or when the set of
    /// served names changed, so upgrading the emulator never forces clients to re-trust.
    public static func loadOrCreate(in directory: String, names: [String] = ServiceHost.certificateNames) throws -> CertificateAuthority {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let caPath = directory + "/" + caFile
        let caKeyPath = directory + "/" + caKeyFile

        let caKey: P256.Signing.PrivateKey
        let caCert: Certificate
        if let certPEM = try? String(contentsOfFile: caPath, encoding: .utf8),
           let keyPEM = try? String(contentsOfFile: caKeyPath, encoding: .utf8),
           let key = try? P256.Signing.PrivateKey(pemRepresentation: keyPEM),
           let cert = try? Certificate(pemEncoded: certPEM),
           cert.notValidAfter > Date().addingTimeInterval(86400)
        {
            caKey = key
            caCert = cert
        } else {
            caKey = P256.Signing.PrivateKey()
            caCert = try makeCA(key: caKey)
            try write(caKey.pemRepresentation, to: caKeyPath, mode: 0o600)
            try write(try caCert.serializeAsPEM().pemString + "\n", to: caPath, mode: 0o644)
        }

        let certPath = directory + "/" + serverCertFile
        let keyPath = directory + "/" + serverKeyFile
        let namesPath = directory + "/" + serverNamesFile
        let wantedNames = names.joined(separator: "\n")
        if let certPEM = try? String(contentsOfFile: certPath, encoding: .utf8),
           let keyPEM = try? String(contentsOfFile: keyPath, encoding: .utf8),
           let storedNames = try? String(contentsOfFile: namesPath, encoding: .utf8), storedNames == wantedNames,
           let cert = try? Certificate(pemEncoded: certPEM),
           cert.issuer == caCert.subject,
           cert.notValidAfter > Date().addingTimeInterval(86400)
        {
            return CertificateAuthority(caCertificatePEM: try caCert.serializeAsPEM().pemString,
                                        serverCertificatePEM: certPEM, serverKeyPEM: keyPEM, caPath: caPath)
        }
        let serverKey = P256.Signing.PrivateKey()
        let serverCert = try makeServerCertificate(key: serverKey, names: names, caKey: caKey, caCert: caCert)
        let serverPEM = try serverCert.serializeAsPEM().pemString + "\n"
        try write(serverKey.pemRepresentation, to: keyPath, mode: 0o600)
        try write(serverPEM, to: certPath, mode: 0o644)
        try write(wantedNames, to: namesPath, mode: 0o644)
        return CertificateAuthority(caCertificatePEM: try caCert.serializeAsPEM().pemString,
                                    serverCertificatePEM: serverPEM, serverKeyPEM: serverKey.pemRepresentation, caPath: caPath)
    }

    static func makeCA(key: P256.Signing.PrivateKey) throws -> Certificate {
        let name = try DistinguishedName {
            OrganizationName("m365-emulator")
            CommonName("m365-emulator local CA \(Util.randomToken(bytes: 4))")
        }
        let publicKey = Certificate.PublicKey(key.publicKey)
        let now = Date()
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: publicKey)
            },
            issuerPrivateKey: Certificate.PrivateKey(key))
    }

    static func makeServerCertificate(key: P256.Signing.PrivateKey, names: [String],
                                      caKey: P256.Signing.PrivateKey, caCert: Certificate) throws -> Certificate {
        let subject = try DistinguishedName {
            OrganizationName("m365-emulator")
            CommonName("login.microsoftonline.com")
        }
        var sans: [GeneralName] = names.map { .dnsName($0) }
        sans.append(.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])))
        sans.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice([UInt8](repeating: 0, count: 15) + [1]))))
        let publicKey = Certificate.PublicKey(key.publicKey)
        let caKeyId = try caCert.extensions.subjectKeyIdentifier?.keyIdentifier
        let now = Date()
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            // 397 days: the longest validity that strict TLS clients accept for a leaf.
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(397 * 86400),
            issuer: caCert.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(sans)
                SubjectKeyIdentifier(hash: publicKey)
                AuthorityKeyIdentifier(keyIdentifier: caKeyId)
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey))
    }

    static func write(_ text: String, to path: String, mode: Int) throws {
        let tmp = path + ".tmp"
        try text.write(toFile: tmp, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: tmp)
        // rename(2) is atomic: a concurrently starting emulator never reads half a file.
        guard rename(tmp, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
