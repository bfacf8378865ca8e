import Crypto
import _CryptoExtras
import EmulatorKit
import Foundation
import XCTest

/// The result of one curl call.
struct HTTPResult {
    var status: Int
    var headers: [String: String]
    var body: Data
    var exitCode: Int32
    var stderr: String

    var text: String { String(decoding: body, as: UTF8.self) }

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
    }

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static func read(_ name: String) throws -> String { try String(contentsOfFile: directory + "/" + name, encoding: .utf8) }

    static let tenantId = "9657196e-8d5e-466d-8046-6eda47ab4aad"
    static let publicApp = "dccb2514-078b-4158-a8c5-9c9238e27952"
    static let secretApp = "539f7720-4b42-49e3-99d6-244b2bfe9858"
    static let secret = "Aut0mation~Secret.Value_0123456789abcdef"
    static let expiredSecret = "Expired~Secret.Value_0123456789abcdef"
    static let certApp = "66b9ef51-4f42-4914-bfa1-5b48f1fd8da2"
    static let federatedApp = "d04bbb9c-4bc9-460c-b1bd-0db0cd3d89ca"
    static let federatedIssuer = "https://token.actions.githubusercontent.com"
    static let federatedSubject = "repo:contoso/intranet:ref:refs/heads/main"
    static let adele = (upn: "adele.vance@contoso.com", password: "Adele!Passw0rd", id: "50c76ef9-2b4f-46b8-91c3-7e65e3c6cf4e")
    static let admin = (upn: "admin@contoso.onmicrosoft.com", password: "Adm1n!Passw0rd", id: "26628bb8-d313-4b2e-8169-0b92f8d54f2d")
    static let systemMI = (clientId: "28a9d83c-73b1-4fcb-ab30-e13ef20466b7", principalId: "e07a0c16-d0d5-4d1d-afe4-d47331108e11")
    static let userMI = (clientId: "b0d5152a-d39a-4035-a7f9-da7f4c85e9fd", principalId: "4dd42575-fc37-4605-9788-f81ce117b4be",
                         resourceId: "/subscriptions/5cd05ed1-1523-4628-9133-07534af826dc/resourceGroups/rg-contoso/providers/Microsoft.ManagedIdentity/userAssignedIdentities/contoso-deployer")
}

/// One shared state directory for in-process servers: the CA and signing key are made once.
let sharedStateDirectory: String = {
    let dir = NSTemporaryDirectory() + "m365-emulator-tests-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}()

/// A test case that runs an emulator in-process and talks to it with the curl CLI, with real
/// TLS verification against the emulator's CA.
class EmulatorTestCase: XCTestCase {
    var server: EmulatorServer!

    /// Override to change the configuration of the server each test gets.
    func configure(_ config: inout EmulatorConfiguration) {}

    override func setUp() async throws {
        var config = EmulatorConfiguration(stateDirectory: sharedStateDirectory)
        configure(&config)
        server = try await EmulatorServer.start(config)
    }

    override func tearDown() async throws {
        await server?.stop()
        server = nil
    }

    var login: String { "https://login.microsoftonline.com" }
    var tokenURL: String { "\(login)/contoso.onmicrosoft.com/oauth2/v2.0/token" }

    @discardableResult
    func curl(_ url: String, method: String? = nil, headers: [String: String] = [:], form: [(String, String)]? = nil,
              body: String? = nil, extra: [String] = [], viaEmulator: Bool = true) throws -> HTTPResult {
        try Curl.run(url, method: method, headers: headers, form: form, body: body, extra: extra,
                     caBundle: viaEmulator ? server.caBundlePath : nil, connectTo: viaEmulator ? "::127.0.0.1:\(server.port)" : nil)
    }

    /// POSTs a form to the token endpoint.
    func token(_ fields: [(String, String)], url: String? = nil) throws -> HTTPResult {
        try curl(url ?? tokenURL, form: fields)
    }

    func passwordToken(user: (upn: String, password: String, id: String) = Fixtures.adele,
                       scope: String = "https://graph.microsoft.com/.default offline_access openid profile") throws -> [String: Any] {
        let r = try token([("grant_type", "password"), ("client_id", Fixtures.publicApp), ("username", user.upn),
                           ("password", user.password), ("scope", scope)])
        XCTAssertEqual(r.status, 200, r.text)
        return r.json
    }

    func clientSecretToken(scope: String = "https://graph.microsoft.com/.default") throws -> HTTPResult {
        try token([("grant_type", "client_credentials"), ("client_id", Fixtures.secretApp), ("client_secret", Fixtures.secret),
                   ("scope", scope)])
    }

    func certificateToken(scope: String) throws -> HTTPResult {
        let assertion = try Assertions.certificate(clientId: Fixtures.certApp, audience: tokenURL)
        return try token([("grant_type", "client_credentials"), ("client_id", Fixtures.certApp), ("scope", scope),
                          ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                          ("client_assertion", assertion)])
    }

    func admin(_ path: String, method: String = "GET", json: String? = nil) throws -> HTTPResult {
        try curl("\(login)/_emulator/\(path)", method: method, headers: json == nil ? [:] : ["Content-Type": "application/json"], body: json)
    }

    /// Checks an identity error against Entra's contract and returns the parsed body.
    @discardableResult
    func assertAADError(_ r: HTTPResult, status: Int = 400, error: String, code: Int,
                        file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
        XCTAssertEqual(r.status, status, r.text, file: file, line: line)
        let j = r.json
        XCTAssertEqual(j["error"] as? String, error, file: file, line: line)
        let description = j["error_description"] as? String ?? ""
        XCTAssertTrue(description.hasPrefix("AADSTS\(code): "), description, file: file, line: line)
        XCTAssertTrue(description.contains("\r\nTrace ID: "), file: file, line: line)
        XCTAssertTrue(description.contains("\r\nCorrelation ID: "), file: file, line: line)
        XCTAssertEqual(j["error_codes"] as? [Int], [code], file: file, line: line)
        let ts = j["timestamp"] as? String ?? ""
        XCTAssertNotNil(ts.range(of: #"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$"#, options: .regularExpression), ts, file: file, line: line)
        XCTAssertNotNil(UUID(uuidString: j["trace_id"] as? String ?? ""), file: file, line: line)
        XCTAssertNotNil(UUID(uuidString: j["correlation_id"] as? String ?? ""), file: file, line: line)
        return j
    }
}

enum Curl {
    static let executable: String = {
        for p in ["/usr/bin/curl", "/usr/local/bin/curl", "/bin/curl"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        return "/usr/bin/curl"
    }()

    static func run(_ url: String, method: String? = nil, headers: [String: String] = [:], form: [(String, String)]? = nil,
                    body: String? = nil, extra: [String] = [], caBundle: String?, connectTo: String?) throws -> HTTPResult {
        let tmp = NSTemporaryDirectory() + "curl-" + UUID().uuidString
        defer {
            try? FileManager.default.removeItem(atPath: tmp + ".body")
            try? FileManager.default.removeItem(atPath: tmp + ".headers")
        }
        var args = ["-sS", "-o", tmp + ".body", "-D", tmp + ".headers", "-w", "%{http_code}", "--max-time", "30"]
        if let caBundle { args += ["--cacert", caBundle] }
        if let connectTo { args += ["--connect-to", connectTo] }
        if let method { args += ["-X", method] }
        for (k, v) in headers { args += ["-H", "\(k): \(v)"] }
        if let form { for (k, v) in form { args += ["--data-urlencode", "\(k)=\(v)"] } }
        if let body { args += ["--data-binary", body] }
        args += extra
        args.append(url)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let bodyData = (try? Data(contentsOf: URL(fileURLWithPath: tmp + ".body"))) ?? Data()
        let headerText = (try? String(contentsOfFile: tmp + ".headers", encoding: .utf8)) ?? ""
        var headerMap: [String: String] = [:]
        for line in headerText.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headerMap[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return HTTPResult(status: Int(String(decoding: outData, as: UTF8.self)) ?? 0, headers: headerMap, body: bodyData,
                          exitCode: p.terminationStatus, stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Test-side JWT handling, independent of the emulator's own code.
enum TestJWT {
    static func b64url(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func unb64url(_ s: String) -> Data? {
        var t = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while t.count % 4 != 0 { t += "=" }
        return Data(base64Encoded: t)
    }

    static func parts(_ token: String) -> (header: [String: Any], claims: [String: Any], input: String, signature: Data) {
        let p = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let h = (try? JSONSerialization.jsonObject(with: unb64url(p[0]) ?? Data())) as? [String: Any] ?? [:]
        let c = (try? JSONSerialization.jsonObject(with: unb64url(p[1]) ?? Data())) as? [String: Any] ?? [:]
        return (h, c, p[0] + "." + p[1], unb64url(p.count > 2 ? p[2] : "") ?? Data())
    }

    static func claims(_ token: String) -> [String: Any] { parts(token).claims }

    static func sign(header: [String: Any], claims: [String: Any], key: _RSA.Signing.PrivateKey, pss: Bool = false) throws -> String {
        let h = try JSONSerialization.data(withJSONObject: header)
        let c = try JSONSerialization.data(withJSONObject: claims)
        let input = b64url(h) + "." + b64url(c)
        let sig = try key.signature(for: Data(input.utf8), padding: pss ? .PSS : .insecurePKCS1v1_5)
        return input + "." + b64url(sig.rawRepresentation)
    }

    /// Verifies `token` against a JWKS document: finds the key by kid, rebuilds it from n and e.
    static func verify(_ token: String, jwks: [String: Any]) throws -> Bool {
        let (header, _, input, signature) = parts(token)
        guard let kid = header["kid"] as? String, let keys = jwks["keys"] as? [[String: Any]],
              let jwk = keys.first(where: { $0["kid"] as? String == kid }),
              let n = (jwk["n"] as? String).flatMap(unb64url), let e = (jwk["e"] as? String).flatMap(unb64url)
        else { return false }
        let key = try _RSA.Signing.PublicKey(n: n, e: e)
        return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: Data(input.utf8),
                                    padding: .insecurePKCS1v1_5)
    }
}

/// Client assertions signed with the fixture certificate.
enum Assertions {
    static func certificateDER(_ pem: String) -> Data {
        let b64 = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        return Data(base64Encoded: b64)!
    }

    static func certificate(clientId: String, audience: String, keyFile: String = "cert-app.key.pem",
                            certFile: String = "cert-app.cert.pem", pss: Bool = false, expiresIn: Int = 600,
                            notBeforeOffset: Int = 0, subject: String? = nil) throws -> String {
        let key = try _RSA.Signing.PrivateKey(pemRepresentation: try Fixtures.read(keyFile))
        let der = certificateDER(try Fixtures.read(certFile))
        var header: [String: Any] = ["typ": "JWT"]
        if pss {
            header["alg"] = "PS256"
            header["x5t#S256"] = TestJWT.b64url(Data(SHA256.hash(data: der)))
        } else {
            header["alg"] = "RS256"
            header["x5t"] = TestJWT.b64url(Data(Insecure.SHA1.hash(data: der)))
        }
        let now = Int(Date().timeIntervalSince1970)
        let claims: [String: Any] = ["aud": audience, "iss": clientId, "sub": subject ?? clientId, "jti": UUID().uuidString,
                                     "nbf": now + notBeforeOffset, "iat": now, "exp": now + expiresIn]
        return try TestJWT.sign(header: header, claims: claims, key: key, pss: pss)
    }
}
