import Foundation
import XCTest

/// Certificate files made with the `openssl` command line in a temporary directory, once per
/// test process.
final class Fixtures: @unchecked Sendable {
    static let pfxPassword = "pfx-Pa55 word"
    static let keyPassword = "s3cret!"

    let directory: URL

    private static let lock = NSLock()
    nonisolated(unsafe) private static var made: Fixtures?
    nonisolated(unsafe) private static var failure: String?

    /// The fixtures, made on first use; fails the calling test when `openssl` is missing.
    static func shared() throws -> Fixtures {
        lock.lock()
        defer { lock.unlock() }
        if let made { return made }
        if let failure { throw FixtureError(failure) }
        do {
            let fixtures = try Fixtures()
            made = fixtures
            atexit { Fixtures.removeDirectory() }
            return fixtures
        } catch {
            failure = "\(error)"
            throw error
        }
    }

    private static func removeDirectory() {
        if let made { try? FileManager.default.removeItem(at: made.directory) }
    }

    private init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("m365-credentials-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            try make()
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    private func make() throws {
        let subject = "/CN=m365 test app"
        // RSA key (PKCS#8 "BEGIN PRIVATE KEY") and its self-signed certificate.
        try openssl("genrsa", "-out", "key.pem", "2048")
        try openssl("req", "-x509", "-new", "-key", "key.pem", "-out", "cert.pem", "-days", "30", "-subj", subject, "-sha256")
        try openssl("x509", "-in", "cert.pem", "-outform", "DER", "-out", "cert.der")
        try openssl("x509", "-in", "cert.pem", "-pubkey", "-noout", "-out", "pubkey.pem")
        // Encrypted keys: PKCS#8 and the traditional form with DEK-Info.
        try openssl("pkey", "-in", "key.pem", "-aes256", "-passout", "pass:\(Self.keyPassword)", "-out", "key-pkcs8-encrypted.pem")
        try openssl("rsa", "-in", "key.pem", "-aes256", "-traditional", "-passout", "pass:\(Self.keyPassword)", "-out", "key-traditional-encrypted.pem")
        try openssl("rsa", "-in", "key.pem", "-traditional", "-out", "key-traditional.pem")
        // PFX files: with a password (OpenSSL 3 default: AES-256 + PBKDF2), legacy (RC2/3DES +
        // SHA-1, as older Windows exports), and with an empty password.
        try openssl("pkcs12", "-export", "-inkey", "key.pem", "-in", "cert.pem", "-passout", "pass:\(Self.pfxPassword)", "-out", "cert.pfx")
        try openssl("pkcs12", "-export", "-legacy", "-inkey", "key.pem", "-in", "cert.pem", "-passout", "pass:\(Self.pfxPassword)", "-out", "legacy.pfx")
        try openssl("pkcs12", "-export", "-inkey", "key.pem", "-in", "cert.pem", "-passout", "pass:", "-out", "nopassword.pfx")
        // A second RSA key and certificate (for mismatches and chains).
        try openssl("genrsa", "-out", "other-key.pem", "2048")
        try openssl("req", "-x509", "-new", "-key", "other-key.pem", "-out", "other-cert.pem", "-days", "30", "-subj", "/CN=other", "-sha256")
        // An EC key, as PEM and PFX.
        try openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec-key.pem")
        try openssl("req", "-x509", "-new", "-key", "ec-key.pem", "-out", "ec-cert.pem", "-days", "30", "-subj", "/CN=ec", "-sha256")
        try openssl("pkcs12", "-export", "-inkey", "ec-key.pem", "-in", "ec-cert.pem", "-passout", "pass:\(Self.pfxPassword)", "-out", "ec.pfx")
    }

    struct FixtureError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: url(name))) }

    func text(_ name: String) throws -> String { String(decoding: try bytes(name), as: UTF8.self) }

    func write(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let target = url(name)
        try Data(bytes).write(to: target)
        return target
    }

    /// Runs `openssl` in the fixture directory; throws with its stderr when it fails.
    @discardableResult
    func openssl(_ arguments: String...) throws -> String {
        let result = try run(arguments)
        guard result.status == 0 else {
            throw FixtureError("openssl \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
        }
        return result.stdout
    }

    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = directory
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read before waiting so a full pipe cannot block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    /// The certificate's fingerprint as `openssl x509 -fingerprint` prints it, as bytes.
    func fingerprint(_ certificate: String, digest: String) throws -> [UInt8] {
        let line = try openssl("x509", "-in", certificate, "-noout", "-fingerprint", "-\(digest)")
        // "SHA1 Fingerprint=AB:CD:..."
        guard let equals = line.firstIndex(of: "=") else { throw FixtureError("unexpected fingerprint output: \(line)") }
        let hex = line[line.index(after: equals)...].trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: ":", with: "")
        return try Self.hexBytes(hex)
    }

    /// Whether `openssl dgst -sha256 -verify` accepts `signature` over `data` with the public
    /// key in `publicKey` (PKCS#1 v1.5, or PSS with a 32-byte salt).
    func verify(_ data: [UInt8], signature: [UInt8], publicKey: String = "pubkey.pem", pss: Bool = false) throws -> Bool {
        let id = UUID().uuidString
        _ = try write("data-\(id)", data)
        _ = try write("sig-\(id)", signature)
        var arguments = ["dgst", "-sha256", "-verify", publicKey, "-signature", "sig-\(id)"]
        if pss { arguments += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"] }
        arguments.append("data-\(id)")
        let result = try run(arguments)
        return result.status == 0 && result.stdout.contains("Verified OK")
    }

    static func hexBytes(_ hex: String) throws -> [UInt8] {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { throw FixtureError("odd hex: \(hex)") }
        return try stride(from: 0, to: chars.count, by: 2).map { i in
            guard let b = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { throw FixtureError("bad hex: \(hex)") }
            return b
        }
    }
}
