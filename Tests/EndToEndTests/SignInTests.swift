import Foundation
import XCTest

/// Sign-in end to end: the real m365 binary against the real emulator over HTTPS, every auth
/// type, refresh and rotation, errors, throttling, concurrency, and no secret left in sight.
class SignInTestCase: XCTestCase {
    static let tenant = "contoso.onmicrosoft.com"
    static let publicApp = "dccb2514-078b-4158-a8c5-9c9238e27952"
    static let secretApp = "539f7720-4b42-49e3-99d6-244b2bfe9858"
    static let clientSecret = "Aut0mation~Secret.Value_0123456789abcdef"
    static let certificateApp = "66b9ef51-4f42-4914-bfa1-5b48f1fd8da2"
    static let federatedApp = "d04bbb9c-4bc9-460c-b1bd-0db0cd3d89ca"
    static let admin = (user: "admin@contoso.onmicrosoft.com", password: "Adm1n!Passw0rd")

    var harness: Harness!
    var emulator: EmulatorProcess!
    /// Extra emulator flags for a test class (short token lifetimes …).
    var emulatorArguments: [String] { [] }

    override func setUpWithError() throws {
        harness = try Harness()
        emulator = try EmulatorProcess(arguments: emulatorArguments)
        harness.environment["M365_CONNECT_TO"] = emulator.environment["M365_CONNECT_TO"]
        harness.environment["M365_CA_BUNDLE"] = emulator.environment["M365_CA_BUNDLE"]
        harness.environment["M365_TOKEN_STORE"] = "file"
    }

    override func tearDown() {
        emulator?.stop()
        harness?.cleanUp()
    }

    @discardableResult
    func m365(_ arguments: [String], environment: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> Harness.Result {
        let result = try harness.run(arguments, environment: environment)
        XCTAssertEqual(result.status, 0, "m365 \(arguments.joined(separator: " ")): \(result.stderr)", file: file, line: line)
        return result
    }

    func loginWithPassword(_ extra: [String] = []) throws {
        try m365(["login", "--authType", "password", "--appId", Self.publicApp, "--tenant", Self.tenant,
                  "--userName", Self.admin.user, "--password", Self.admin.password] + extra)
    }

    func status() throws -> [String: Any] {
        try XCTUnwrap(try m365(["status"]).json() as? [String: Any])
    }

    /// Starts `m365 login` with a device code and returns once it has printed the code.
    func startDeviceCodeLogin() throws -> (Process, Pipe, String) {
        let process = Process()
        process.executableURL = harness.binary
        process.arguments = ["login", "--appId", Self.publicApp, "--tenant", Self.tenant]
        process.environment = harness.environment
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var message = ""
        while !message.contains("enter the code") {
            let chunk = err.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            message += String(decoding: chunk, as: UTF8.self)
        }
        return (process, err, message)
    }

    var configDirectory: URL { harness.home.appendingPathComponent("m365") }

    func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    /// Every file under the config directory, as text.
    func configFiles() throws -> [String: String] {
        var files: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(at: configDirectory, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            if let text = try? String(contentsOf: url, encoding: .utf8) { files[url.lastPathComponent] = text }
        }
        return files
    }
}

final class SignInTests: SignInTestCase {
    func testPasswordSignInStatusAndAGraphRequest() throws {
        // As the CLI: login prints the connection's details, and status prints the same.
        let login = try m365(["login", "--authType", "password", "--appId", Self.publicApp, "--tenant", Self.tenant,
                              "--userName", Self.admin.user, "--password", Self.admin.password, "--verbose"])
        let expected = """
            {
              "connectionName": "\(Self.admin.user)",
              "connectedAs": "\(Self.admin.user)",
              "authType": "password",
              "appId": "\(Self.publicApp)",
              "appTenant": "\(Self.tenant)",
              "cloudType": "Public"
            }

            """
        XCTAssertEqual(login.stdout, expected)
        XCTAssertTrue(login.stderr.contains("Signing in to Microsoft 365...\n"), login.stderr)
        // md output titles the command line: a credential in it is not printed.
        let md = try m365(["login", "--authType", "password", "--appId", Self.publicApp, "--tenant", Self.tenant,
                           "-u", Self.admin.user, "-p", Self.admin.password, "-o", "md"])
        XCTAssertFalse(md.stdout.contains(Self.admin.password), md.stdout)
        XCTAssertTrue(md.stdout.contains("-p *** -o md"), md.stdout)
        XCTAssertEqual(try m365(["status"]).stdout, expected)
        let verbose = try m365(["status", "--verbose"])
        XCTAssertTrue(verbose.stderr.contains("Token store: file"), "the token store is told under --verbose: \(verbose.stderr)")
        // --ensure with the same settings signs nobody in and prints nothing, as the CLI.
        XCTAssertEqual(try m365(["login", "--authType", "password", "--userName", Self.admin.user, "--password", Self.admin.password, "--appId", Self.publicApp, "--ensure"]).stdout, "")
        let me = try XCTUnwrap(try m365(["request", "--url", "@graph/me"]).json() as? [String: Any])
        XCTAssertEqual(me["userPrincipalName"] as? String, Self.admin.user)
        // The file store is private.
        let tokens = configDirectory.appendingPathComponent("tokens.json").path
        let mode = (try FileManager.default.attributesOfItem(atPath: tokens)[.posixPermissions] as? NSNumber)?.intValue
        XCTAssertEqual(mode, 0o600)
        XCTAssertFalse(try configFiles().values.contains { $0.contains(Self.admin.password) }, "the password is never stored")
        // cli doctor has the CLI's keys (and m365's after them).
        let doctor = try XCTUnwrap(try m365(["cli", "doctor"]).json() as? [String: Any])
        XCTAssertEqual((doctor["os"] as? [String: Any])?["platform"] as? String, "linux")
        XCTAssertEqual(doctor["cliEntraAppId"] as? String, Self.publicApp)
        XCTAssertEqual(doctor["cliEntraAppTenant"] as? String, Self.tenant)
        XCTAssertEqual(doctor["authMode"] as? String, "password")
        XCTAssertEqual(doctor["cliEnvironment"] as? String, "")
        XCTAssertEqual(doctor["roles"] as? [String], [])
        let scopes = try XCTUnwrap(doctor["scopes"] as? [String: [String]])
        XCTAssertEqual(scopes.count, 1)
        XCTAssertTrue(scopes.values.first?.contains("User.Read") == true, "\(scopes)")
        XCTAssertEqual(doctor["tokenStore"] as? String, "file")
    }

    /// A third-party plugin in C calls Graph through the host table's http_send: the host signs
    /// the request with the active connection's token.
    func testACPluginCallsGraphThroughTheHost() throws {
        let directory = harness.root.appendingPathComponent("third-party")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        try Harness.compileCPlugin(into: directory)
        harness.environment["M365_PLUGIN_PATH"] = directory.path
        let signedOut = try harness.run(["widgets", "me"])
        XCTAssertEqual(signedOut.status, 1)
        XCTAssertTrue(signedOut.stderr.contains("Log in to Microsoft 365 first"), signedOut.stderr)
        try loginWithPassword()
        let me = try m365(["widgets", "me", "-o", "text"])
        XCTAssertTrue(me.stdout.contains("userPrincipalName: \(Self.admin.user)"), me.stdout)
        let seen = try emulator.requests(pathPrefix: "/v1.0/me").last?["headers"] as? [String: Any]
        XCTAssertEqual(seen?["user-agent"] as? String, "NONISV|m365|m365/\(try releaseVersion())")
    }

    /// `BROWSER` is a script that does what the user does in the browser: signs in on the
    /// emulator's authorize page (a form POST) and follows the redirect to m365's loopback listener.
    func browser(_ form: String) throws -> [String: String] {
        let script = harness.root.appendingPathComponent("browser.sh")
        try """
            #!/bin/sh
            exec curl -sS -L --max-time 30 --cacert '\(emulator.caBundle)' --connect-to login.microsoftonline.com:443:127.0.0.1:\(emulator.port) \\
              --data '\(form)' -o /dev/null "$1"

            """.write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        return ["BROWSER": script.path]
    }

    func testBrowserSignInWithPKCEAndALoopbackRedirect() throws {
        let env = try browser("login=\(percentEncoded(Self.admin.user))&passwd=\(percentEncoded(Self.admin.password))")
        let login = try m365(["login", "--authType", "browser", "--appId", Self.publicApp, "--tenant", Self.tenant], environment: env)
        XCTAssertTrue(login.stderr.hasPrefix("To sign in, use the web browser that just has been opened. Please sign-in there.\n"), login.stderr)
        XCTAssertEqual(try login.json() as? [String: String], [
            "connectionName": Self.admin.user, "connectedAs": Self.admin.user, "authType": "browser",
            "appId": Self.publicApp, "appTenant": Self.tenant, "cloudType": "Public",
        ])
        let requests = try emulator.requests(pathPrefix: "/\(Self.tenant)/oauth2")
        XCTAssertEqual(requests.map { "\($0["method"] ?? "") \($0["path"] ?? "")" },
                       ["POST /\(Self.tenant)/oauth2/v2.0/authorize", "POST /\(Self.tenant)/oauth2/v2.0/token"])
        let query = try XCTUnwrap(URLComponents(string: "https://x/?" + (requests[0]["query"] as? String ?? ""))?.queryItems)
        let parameters = Dictionary(query.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(parameters["response_type"], "code")
        XCTAssertEqual(parameters["prompt"], "select_account")
        XCTAssertEqual(parameters["code_challenge_method"], "S256")
        XCTAssertEqual(parameters["scope"], "https://graph.microsoft.com/.default offline_access openid profile")
        XCTAssertEqual(parameters["state"]?.count, 32)
        XCTAssertTrue(parameters["redirect_uri"]?.hasPrefix("http://localhost:") == true, "\(parameters)")
        // Later tokens come from the refresh token, silently.
        let me = try XCTUnwrap(try m365(["request", "--url", "@graph/me"]).json() as? [String: Any])
        XCTAssertEqual(me["userPrincipalName"] as? String, Self.admin.user)
        XCTAssertEqual(try status()["authType"] as? String, "browser")
    }

    func testBrowserSignInDeclinedOrWithAWrongRedirectFailsInOneLine() throws {
        let declined = try harness.run(["login", "--authType", "browser", "--appId", Self.publicApp, "--tenant", Self.tenant],
                                       environment: try browser("action=decline"))
        XCTAssertEqual(declined.status, 1)
        XCTAssertTrue(declined.stderr.hasSuffix("Error: The sign-in was refused: access_denied: AADSTS65004: User declined to consent to access the app.\n"), declined.stderr)
        XCTAssertEqual(try emulator.requests(pathPrefix: "/\(Self.tenant)/oauth2/v2.0/token").count, 0)
        XCTAssertEqual(try harness.run(["status"]).stdout, "\"Logged out\"\n", "nothing was stored")
    }

    /// As the CLI: `@meId` and `@meUserName` are the signed-in user, not files; an app has neither.
    func testMeIdAndMeUserNameAreTheSignedInUser() throws {
        try loginWithPassword()
        let me = try XCTUnwrap(try m365(["request", "--url", "@graph/me"]).json() as? [String: Any])
        let id = try XCTUnwrap(me["id"] as? String)
        try emulator.admin("requests", method: "DELETE")
        let byId = try XCTUnwrap(try m365(["entra", "user", "get", "--id", "@meId"]).json() as? [String: Any])
        XCTAssertEqual(byId["userPrincipalName"] as? String, Self.admin.user)
        let byName = try XCTUnwrap(try m365(["entra", "user", "get", "--userName", "@MEUSERNAME"]).json() as? [String: Any])
        XCTAssertEqual(byName["id"] as? String, id)
        XCTAssertEqual(try emulator.requests(pathPrefix: "/v1.0/users").map { $0["path"] as? String ?? "" },
                       ["/v1.0/users/\(id)", "/v1.0/users/admin%40contoso.onmicrosoft.com"])
        try m365(["login", "--authType", "secret", "--appId", Self.secretApp, "--tenant", Self.tenant, "--secret", Self.clientSecret])
        let app = try harness.run(["entra", "user", "get", "--id", "@meId"])
        XCTAssertEqual(app.status, 1)
        XCTAssertEqual(app.stderr, "Error: It's not possible to use @meId with application permissions\n")
    }

    func testManagedIdentityThroughIMDS() throws {
        let env = ["M365_IMDS_ENDPOINT": emulator.environment["M365_IMDS_ENDPOINT"]!]
        try m365(["login", "--authType", "identity"], environment: env)
        XCTAssertEqual((try m365(["status"], environment: env).json() as? [String: Any])?["authType"] as? String, "identity")
    }

    func testEnsureSkipsASecondSignIn() throws {
        try m365(["cli", "config", "set", "--key", "clientId", "--value", Self.publicApp])
        try loginWithPassword()
        try emulator.admin("requests", method: "DELETE")
        try m365(["login", "--authType", "password", "--tenant", Self.tenant, "--userName", Self.admin.user, "--password", Self.admin.password, "--ensure"])
        XCTAssertEqual(try emulator.requests(pathPrefix: "/\(Self.tenant)/oauth2").count, 0, "already signed in: no sign-in request")
        XCTAssertEqual(try status()["appId"] as? String, Self.publicApp, "the app id came from the clientId setting")
    }

    func testDeviceCodeSignInApprovedOnTheEmulator() throws {
        let (process, err, message) = try startDeviceCodeLogin()
        let code = try XCTUnwrap(message.range(of: #"code [A-Z0-9]{8,9}"#, options: .regularExpression).map { String(message[$0].dropFirst(5)) }, message)
        try emulator.admin("devicecode/approve", method: "POST", json: #"{"user_code":"\#(code)","username":"\#(Self.admin.user)"}"#)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        XCTAssertEqual(try status()["authType"] as? String, "deviceCode")
        XCTAssertEqual(try status()["connectedAs"] as? String, Self.admin.user)
    }

    /// The CLI's autoOpenLinksInBrowser and copyDeviceCodeToClipboard settings: the page opens
    /// in the browser ($BROWSER) and the code goes to the clipboard (wl-copy, here a stand-in).
    func testDeviceCodeOpensThePageAndCopiesTheCode() throws {
        let tools = harness.root.appendingPathComponent("tools")
        try FileManager.default.createDirectory(at: tools, withIntermediateDirectories: true)
        let opened = harness.root.appendingPathComponent("opened.txt"), copied = harness.root.appendingPathComponent("copied.txt")
        for (name, body) in [("browser", "printf '%s' \"$1\" > '\(opened.path)'"), ("wl-copy", "cat > '\(copied.path)'")] {
            let script = tools.appendingPathComponent(name)
            try "#!/bin/sh\n\(body)\n".write(to: script, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        }
        try m365(["cli", "config", "set", "--key", "autoOpenLinksInBrowser", "--value", "true"])
        try m365(["cli", "config", "set", "--key", "copyDeviceCodeToClipboard", "--value", "true"])
        harness.environment["BROWSER"] = tools.appendingPathComponent("browser").path
        harness.environment["PATH"] = tools.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let (process, err, message) = try startDeviceCodeLogin()
        let code = try XCTUnwrap(message.range(of: #"code [A-Z0-9]{8,9}"#, options: .regularExpression).map { String(message[$0].dropFirst(5)) }, message)
        try emulator.admin("devicecode/approve", method: "POST", json: #"{"user_code":"\#(code)","username":"\#(Self.admin.user)"}"#)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        XCTAssertEqual(try String(contentsOf: copied, encoding: .utf8), code)
        XCTAssertEqual(try String(contentsOf: opened, encoding: .utf8), "https://microsoft.com/devicelogin")
    }

    func testCtrlCCancelsADeviceCodeSignIn() throws {
        let (process, err, started) = try startDeviceCodeLogin()
        var message = started
        process.interrupt()  // Ctrl-C while it polls
        process.waitUntilExit()
        message += String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 130, message)
        XCTAssertTrue(message.contains("Error: Sign-in cancelled."), message)
        XCTAssertEqual(try harness.run(["status"]).stdout, "\"Logged out\"\n", "nothing was saved")
    }

    func testSecretSignIn() throws {
        let login = try m365(["login", "--authType", "secret", "--appId", Self.secretApp, "--tenant", Self.tenant, "--secret", Self.clientSecret])
        XCTAssertTrue(login.stderr.contains("not stored"), "the file store does not keep the secret, and says so: \(login.stderr)")
        XCTAssertEqual(try status()["authType"] as? String, "secret")
        let organization = try m365(["request", "--url", "@graph/organization", "--query", "value[0].displayName"])
        XCTAssertEqual(organization.stdout, "\"Contoso\"\n")
        XCTAssertFalse(try configFiles().values.contains { $0.contains(Self.clientSecret) })
    }

    func testCertificateSignInFromPEM() throws {
        let fixtures = Harness.packageRoot + "/Tests/EmulatorTests/Fixtures/"
        let pem = harness.root.appendingPathComponent("app.pem")
        let key = try String(contentsOfFile: fixtures + "cert-app.key.pem", encoding: .utf8)
        let cert = try String(contentsOfFile: fixtures + "cert-app.cert.pem", encoding: .utf8)
        try (key + "\n" + cert).write(to: pem, atomically: true, encoding: .utf8)
        try m365(["login", "--authType", "certificate", "--appId", Self.certificateApp, "--tenant", Self.tenant, "--certificateFile", pem.path])
        XCTAssertEqual(try status()["authType"] as? String, "certificate")
        // SharePoint accepts certificate app-only tokens.
        try m365(["spo", "set", "--url", "https://contoso.sharepoint.com"])
        let web = try XCTUnwrap(try m365(["request", "--url", "@spo/_api/web", "--accept", "application/json;odata=nometadata"]).json() as? [String: Any])
        XCTAssertNotNil(web["Title"])
    }

    func testManagedIdentitySignIn() throws {
        let env = ["IDENTITY_ENDPOINT": emulator.environment["IDENTITY_ENDPOINT"]!, "IDENTITY_HEADER": emulator.environment["IDENTITY_HEADER"]!]
        try m365(["login", "--authType", "identity"], environment: env)
        let details = try XCTUnwrap(try m365(["status"], environment: env).json() as? [String: Any])
        XCTAssertEqual(details["authType"] as? String, "identity")
    }

    /// The CLI's other managed identity environments: the older MSI_ENDPOINT + MSI_SECRET, and
    /// Cloud Shell (an endpoint without a header); a user-assigned identity named by its
    /// principal id is found on a second try.
    func testManagedIdentityInEveryEnvironmentTheCLIKnows() throws {
        let port = try XCTUnwrap(URLComponents(string: emulator.environment["IDENTITY_ENDPOINT"]!)?.port)
        let legacy = ["MSI_ENDPOINT": emulator.environment["IDENTITY_ENDPOINT"]!, "MSI_SECRET": emulator.environment["IDENTITY_HEADER"]!]
        try m365(["login", "--authType", "identity"], environment: legacy)
        let cloudShell = ["IDENTITY_ENDPOINT": "http://127.0.0.1:\(port)/oauth2/token"]
        try emulator.admin("requests", method: "DELETE")
        try m365(["login", "--authType", "identity", "--userName", "4dd42575-fc37-4605-9788-f81ce117b4be"], environment: cloudShell)
        XCTAssertEqual(try emulator.requests(pathPrefix: "/oauth2/token").map { $0["query"] as? String ?? "" }, [
            "resource=https%3A%2F%2Fgraph.microsoft.com&client_id=4dd42575-fc37-4605-9788-f81ce117b4be",
            "resource=https%3A%2F%2Fgraph.microsoft.com&principal_id=4dd42575-fc37-4605-9788-f81ce117b4be",
        ])
        XCTAssertEqual(try status()["connectedAs"] as? String, "contoso-deployer")
        let refused = try harness.run(["login", "--authType", "identity", "--userName", "x"], environment: cloudShell.merging(["ACC_CLOUD": "1"]) { a, _ in a })
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.hasPrefix("Error: Azure Cloud Shell does not support user-managed identity."), refused.stderr)
    }

    func testFederatedIdentityOutsideAPipelineSaysWhere() throws {
        let login = ["login", "--authType", "federatedIdentity", "--appId", Self.federatedApp, "--tenant", Self.tenant]
        let nowhere = try harness.run(login)
        XCTAssertEqual(nowhere.status, 2)
        XCTAssertTrue(nowhere.stderr.hasPrefix("Error: Federated identity is currently only supported in GitHub Actions and Azure DevOps"), nowhere.stderr)
        let devOps = try harness.run(login, environment: ["SYSTEM_OIDCREQUESTURI": "https://dev.azure.com/contoso/_apis/oidc"])
        XCTAssertEqual(devOps.status, 2)
        XCTAssertTrue(devOps.stderr.hasPrefix("Error: The SYSTEM_ACCESSTOKEN environment variable is not available."), devOps.stderr)
        XCTAssertEqual(try emulator.requests(pathPrefix: "/").count, 0)
    }

    func testFederatedIdentitySignInWithATokenFile() throws {
        let minted = try XCTUnwrap(try emulator.admin("federated-token", method: "POST", json: #"{"subject":"repo:contoso/intranet:ref:refs/heads/main","issuer":"https://token.actions.githubusercontent.com"}"#) as? [String: Any])
        let token = try XCTUnwrap(minted["token"] as? String ?? minted["value"] as? String ?? minted["access_token"] as? String, "\(minted)")
        let file = harness.root.appendingPathComponent("federated.jwt")
        try token.write(to: file, atomically: true, encoding: .utf8)
        try m365(["login", "--authType", "federatedIdentity", "--appId", Self.federatedApp, "--tenant", Self.tenant],
                 environment: ["AZURE_FEDERATED_TOKEN_FILE": file.path])
        XCTAssertEqual(try m365(["status"], environment: ["AZURE_FEDERATED_TOKEN_FILE": file.path]).json() as? NSDictionary != nil, true)
    }

    func testWrongPasswordUnknownAppAndMissingAppId() throws {
        let wrong = try harness.run(["login", "--authType", "password", "--appId", Self.publicApp, "--tenant", Self.tenant, "-u", Self.admin.user, "-p", "nope"])
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(wrong.stderr.hasPrefix("Error: Signing in with a password failed: AADSTS50126"), wrong.stderr)
        XCTAssertEqual(wrong.stderr.split(separator: "\n").count, 1, wrong.stderr)
        let unknown = try harness.run(["login", "--authType", "password", "--appId", "00000000-0000-0000-0000-000000000001", "--tenant", Self.tenant, "-u", Self.admin.user, "-p", "x"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("AADSTS700016"), unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("Check the app id"), unknown.stderr)
        let missing = try harness.run(["login", "--authType", "password", "-u", Self.admin.user, "-p", "x"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("No app id: pass --appId"), missing.stderr)
        XCTAssertEqual(try harness.run(["status"]).stdout, "\"Logged out\"\n")
    }

    func testAppIdAndTenantFromEnvironment() throws {
        try m365(["login", "--authType", "password", "-u", Self.admin.user, "-p", Self.admin.password],
                 environment: ["CLIMICROSOFT365_ENTRAAPPID": Self.publicApp, "CLIMICROSOFT365_TENANT": Self.tenant])
        XCTAssertEqual(try status()["appId"] as? String, Self.publicApp)
    }

    func testThrottledTokenEndpointIsRetried() throws {
        try emulator.admin("faults", method: "POST", json: #"{"kind":"429","count":2,"retryAfter":1,"host":"login.microsoftonline.com","pathPrefix":"/\#(Self.tenant)/oauth2/v2.0/token"}"#)
        try loginWithPassword()
        let tokenCalls = try emulator.requests(pathPrefix: "/\(Self.tenant)/oauth2/v2.0/token")
        XCTAssertEqual(tokenCalls.count, 3, "two throttled answers, then success")
    }

    /// The host knows no service: `spo connect`'s own options belong to the SharePoint plugin,
    /// which keeps the URL and client tag as connection facts (ABI 1.1). An ABI 1.0 plugin still
    /// reads `connection.spoUrl`, and a connections file written before facts keeps its URL.
    func testConnectionFactsPublishedByPluginsAndReadByOlderOnes() throws {
        try loginWithPassword()
        try m365(["spo", "set", "--url", "https://CONTOSO-admin.sharepoint.com/sites/x"])
        XCTAssertEqual(try m365(["spo", "get"]).json() as? [String: String], ["SpoUrl": "https://contoso.sharepoint.com"])
        // `spo status` (ours) shows what the plugin published; `status` only the CLI's fields.
        XCTAssertEqual((try m365(["spo", "status"]).json() as? [String: Any])?["spoUrl"] as? String, "https://contoso.sharepoint.com")
        XCTAssertNil(try status()["spoUrl"])
        let refused = try harness.run(["spo", "set", "--url", "http://contoso.sharepoint.com"])
        XCTAssertEqual(refused.status, 2, refused.stderr)

        try Harness.compileCPlugin(into: harness.pluginDirectory, name: "libm365-facts.so", extraFlags: ["-DSERVICE=\"facts\"", "-DABI_1_0_FACTS"],
                                   source: Harness.packageRoot + "/Tests/Fixtures/plugin-variants.c")
        let listed = try XCTUnwrap((try m365(["plugin", "list"]).json() as? [[String: Any]])?.first { $0["file"] as? String == "libm365-facts.so" })
        XCTAssertEqual(listed["status"] as? String, "available")
        XCTAssertEqual(try m365(["facts", "ping"]).json() as? NSDictionary,
                       ["spoUrl": "https://contoso.sharepoint.com", "cloud": "Public", "hostMinor": Harness.abiMinor] as NSDictionary)

        // A connections file from before facts: its spoUrl is kept.
        let file = harness.home.appendingPathComponent("m365/connections.json")
        var book = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        var connections = try XCTUnwrap(book["connections"] as? [[String: Any]])
        XCTAssertEqual(connections[0]["facts"] as? [String: String], ["spoUrl": "https://contoso.sharepoint.com"])
        connections[0]["facts"] = nil
        connections[0]["spoUrl"] = "https://contoso.sharepoint.com"
        book["connections"] = connections
        try JSONSerialization.data(withJSONObject: book).write(to: file)
        XCTAssertEqual(try m365(["spo", "get"]).json() as? [String: String], ["SpoUrl": "https://contoso.sharepoint.com"])
        XCTAssertEqual((try m365(["facts", "ping"]).json() as? [String: Any])?["spoUrl"] as? String, "https://contoso.sharepoint.com")
        try emulator.admin("requests", method: "DELETE")
        try m365(["request", "--url", "@spo/_api/web"])
        let sent = try emulator.requests(pathPrefix: "/_api/web")
        XCTAssertEqual(sent.map { $0["host"] as? String }, ["contoso.sharepoint.com"], "@spo expands to the stored URL")
    }

    /// `spo connect`'s region and sign-in URL choose the cloud through the plugin's hook, which
    /// refuses what Connect-SPOService refuses before anything is signed in.
    func testSPOConnectOptionsAreThePluginsOwn() throws {
        let germany = try harness.run(["spo", "connect", "https://contoso.sharepoint.de", "--region", "Germany", "--authType", "password"])
        XCTAssertEqual(germany.status, 2, germany.stderr)
        XCTAssertTrue(germany.stderr.hasPrefix("Error: The Germany region (Microsoft Cloud Deutschland) closed in 2021"), germany.stderr)
        let wrongURL = try harness.run(["spo", "connect", "https://contoso.sharepoint.com", "--authenticationUrl", "https://login.example.com/"])
        XCTAssertEqual(wrongURL.status, 2, wrongURL.stderr)
        XCTAssertTrue(wrongURL.stderr.contains("is not a Microsoft sign-in URL"), wrongURL.stderr)
        XCTAssertEqual(try emulator.requests(pathPrefix: "/").count, 0, "nothing was sent")
        let help = try m365(["spo", "connect", "-h"]).stdout
        for option in ["--region", "--clientTag", "--authenticationUrl", "--authType"] { XCTAssertTrue(help.contains(option), help) }
    }

    func testConnectionsAndServiceConnections() throws {
        try loginWithPassword(["--connectionName", "admin"])
        try m365(["login", "--authType", "secret", "--appId", Self.secretApp, "--tenant", Self.tenant, "--secret", Self.clientSecret, "--connectionName", "daemon"])
        let list = try XCTUnwrap(try m365(["connection", "list"]).json() as? [[String: Any]])
        XCTAssertEqual(list.map { $0["name"] as? String }, ["admin", "daemon"])
        XCTAssertEqual(list.map { Set($0.keys) }, Array(repeating: ["name", "connectedAs", "authType", "active"], count: 2), "the CLI's fields")
        XCTAssertEqual(list.map { $0["active"] as? Bool }, [false, true])
        XCTAssertEqual(try m365(["connection", "list", "-o", "text"]).stdout, """
            name    connectedAs                    authType  active
            ------  -----------------------------  --------  ------
            admin   \(Self.admin.user)  password  false\u{20}
            daemon  Contoso Automation (secret)    secret    true\u{20}\u{20}


            """)
        XCTAssertEqual(try m365(["connection", "list", "--query", "[?active].name", "-o", "json"]).json() as? [String], ["daemon"])
        // Without --name and without a terminal, the CLI names the choices.
        let unnamed = try harness.run(["connection", "use"])
        XCTAssertEqual(unnamed.status, 1)
        XCTAssertEqual(unnamed.stderr, "Error: Please select the connection you want to activate. Found: admin, daemon.\n")
        XCTAssertEqual(try harness.run(["connection", "use", "--name", "nobody"]).stderr, "Error: The connection 'nobody' cannot be found.\n")
        XCTAssertEqual(try harness.run(["connection", "set", "--name", "admin", "--newName", "daemon"]).stderr, "Error: Connection with name 'daemon' already exists.\n")
        let use = try m365(["connection", "use", "--name", "admin", "--verbose"])
        XCTAssertEqual((try use.json() as? [String: Any])?["connectionName"] as? String, "admin")
        XCTAssertTrue(use.stderr.contains("Switching to connection '\(Self.admin.user)', appId: \(Self.publicApp), tenantId: "), use.stderr)
        XCTAssertEqual(try status()["connectionName"] as? String, "admin")
        // spo gets its own account; entra keeps using the active one.
        let pem = try certificatePEM()
        try m365(["spo", "connect", "https://contoso-admin.sharepoint.com", "--authType", "certificate", "--appId", Self.certificateApp, "--tenant", Self.tenant, "--certificateFile", pem.path])
        let spo = try XCTUnwrap(try m365(["spo", "status"]).json() as? [String: Any])
        XCTAssertEqual(spo["authType"] as? String, "certificate")
        XCTAssertEqual(spo["spoUrl"] as? String, "https://contoso.sharepoint.com")
        XCTAssertEqual((try m365(["entra", "status"]).json() as? [String: Any])?["connectionName"] as? String, "admin")
        XCTAssertEqual(try m365(["spo", "get", "-o", "json"]).json() as? [String: String], ["SpoUrl": "https://contoso.sharepoint.com"])
        try m365(["spo", "disconnect"])
        XCTAssertEqual((try m365(["spo", "status"]).json() as? [String: Any])?["connectionName"] as? String, "admin")
        try m365(["connection", "set", "--name", "daemon", "--newName", "robot"])
        let removal = try harness.run(["connection", "remove", "--name", "robot"])
        XCTAssertEqual(removal.status, 2, "no terminal: confirmation needs --force")
        try m365(["connection", "remove", "--name", "robot", "--force"])
        XCTAssertEqual(try XCTUnwrap(try m365(["connection", "list"]).json() as? [[String: Any]]).count, 1)
        try m365(["logout"])
        XCTAssertEqual(try harness.run(["status"]).stdout, "\"Logged out\"\n")
        // Under --verbose the CLI tells the state on stderr and prints no result.
        let verbose = try m365(["status", "--verbose"])
        XCTAssertEqual(verbose.stdout, "")
        XCTAssertTrue(verbose.stderr.hasSuffix("Logged out\n"), verbose.stderr)
        XCTAssertEqual(try XCTUnwrap(try m365(["connection", "list"]).json() as? [Any]).count, 0)
    }

    /// `entra` is the service's name now; a service connection made as `aad connect` before the
    /// rename goes on being used, and `disconnect` under either name ends it.
    func testAServiceConnectionMadeUnderTheFormerNameCarriesOver() throws {
        try loginWithPassword(["--connectionName", "admin"])
        try m365(["login", "--authType", "secret", "--appId", Self.secretApp, "--tenant", Self.tenant, "--secret", Self.clientSecret, "--connectionName", "daemon"])
        try m365(["connection", "use", "--name", "admin"])
        let file = configDirectory.appendingPathComponent("connections.json")
        var book = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        let daemon = try XCTUnwrap((book["connections"] as? [[String: Any]])?.first { $0["name"] as? String == "daemon" }?["id"] as? String)
        book["services"] = ["aad": daemon]
        try JSONSerialization.data(withJSONObject: book).write(to: file)
        for name in ["entra", "aad"] {
            XCTAssertEqual((try m365([name, "status"]).json() as? [String: Any])?["connectionName"] as? String, "daemon", name)
        }
        try m365(["aad", "disconnect"])
        XCTAssertEqual((try m365(["entra", "status"]).json() as? [String: Any])?["connectionName"] as? String, "admin")
        let saved = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        XCTAssertEqual((saved["services"] as? [String: Any])?.count, 0, "\(saved)")
    }

    /// The CLI's settings that stand in for login's options; credentials among them are kept
    /// only in the keyring, so with the file store they are refused.
    func testSettingsTheCLIHas() throws {
        try m365(["cli", "config", "set", "--key", "disableTelemetry", "--value", "true"])
        try m365(["cli", "config", "set", "--key", "helpMode", "--value", "permissions"])
        try m365(["cli", "config", "set", "--key", "helpTarget", "--value", "console"])
        try m365(["cli", "config", "set", "--key", "promptListPageSize", "--value", "10"])
        let zero = try harness.run(["cli", "config", "set", "--key", "promptListPageSize", "--value", "0"])
        XCTAssertEqual(zero.status, 2, zero.stderr)
        let notGUID = try harness.run(["cli", "config", "set", "--key", "clientId", "--value", "my-app"])
        XCTAssertEqual(notGUID.status, 2)
        XCTAssertTrue(notGUID.stderr.hasPrefix("Error: my-app is not a valid GUID\n"), notGUID.stderr)
        let secret = try harness.run(["cli", "config", "set", "--key", "clientSecret", "--value", Self.clientSecret])
        XCTAssertEqual(secret.status, 2)
        XCTAssertTrue(secret.stderr.hasPrefix("Error: 'clientSecret' is a credential and m365 keeps credentials only in the keyring"), secret.stderr)
        XCTAssertFalse(try configFiles().values.contains { $0.contains(Self.clientSecret) })
        // A certificate file from the settings; both certificate options at once are refused.
        let both = try harness.run(["login", "--authType", "certificate", "--appId", Self.certificateApp, "--tenant", Self.tenant,
                                    "--certificateFile", "x.pem", "--certificateBase64Encoded", "AAAA"])
        XCTAssertEqual(both.status, 2)
        XCTAssertTrue(both.stderr.hasPrefix("Error: Specify either certificateFile or certificateBase64Encoded, but not both.\n"), both.stderr)
        // The certificate file setting is for certificate sign-in only: a password sign-in ignores it.
        try m365(["cli", "config", "set", "--key", "clientCertificateFile", "--value", "/nonexistent/app.pem"])
        try loginWithPassword()
        let pem = try certificatePEM()
        try m365(["cli", "config", "set", "--key", "clientCertificateFile", "--value", pem.path])
        let login = try m365(["login", "--authType", "certificate", "--appId", Self.certificateApp, "--tenant", Self.tenant])
        XCTAssertEqual((try login.json() as? [String: Any])?["authType"] as? String, "certificate")
        let listed = try XCTUnwrap(try m365(["cli", "config", "list"]).json() as? [String: Any])
        XCTAssertEqual(listed["disableTelemetry"] as? Bool, true)
        XCTAssertEqual(listed["promptListPageSize"] as? Int, 10)
    }

    /// The app certificate and key from the fixtures, as one PEM file.
    func certificatePEM() throws -> URL {
        let cert = Harness.packageRoot + "/Tests/EmulatorTests/Fixtures/"
        let pem = harness.root.appendingPathComponent("app.pem")
        let key = try String(contentsOfFile: cert + "cert-app.key.pem", encoding: .utf8)
        let certificate = try String(contentsOfFile: cert + "cert-app.cert.pem", encoding: .utf8)
        try (key + certificate).write(to: pem, atomically: true, encoding: .utf8)
        return pem
    }

    func testRequestCommand() throws {
        try loginWithPassword()
        let users = try XCTUnwrap(try m365(["request", "--url", "@graph/users?$top=2", "--all", "--query", "length(@)"]).stdout)
        XCTAssertGreaterThanOrEqual(Int(users.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, 4, "every page")
        let missing = try harness.run(["request", "--url", "@graph/users/00000000-0000-0000-0000-00000000dead"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.hasPrefix("Error: Request_ResourceNotFound"), missing.stderr)
        let file = harness.root.appendingPathComponent("me.json")
        try m365(["request", "--url", "@graph/me", "--filePath", file.path])
        XCTAssertTrue(try String(contentsOf: file, encoding: .utf8).contains(Self.admin.user))
        // As the CLI: @spo needs the SharePoint URL, no body with GET, a file goes only into a
        // folder that exists; --verbose tells what happens on stderr.
        XCTAssertEqual(try harness.run(["request", "--url", "@spo/_api/web"]).stderr,
                       "Error: SharePoint root site URL is unknown. Please set your SharePoint URL using command 'spo set'.\nRun 'm365 request -h' for help.\n")
        let saved = try m365(["request", "--url", "@graph/me", "--filePath", harness.root.path + "/me2.json", "--verbose"])
        XCTAssertTrue(saved.stderr.contains("Executing request...\n") && saved.stderr.contains("File saved to path \(harness.root.path)/me2.json\n"), saved.stderr)
        let getWithBody = try harness.run(["request", "--url", "@graph/me", "--body", "{}"])
        XCTAssertEqual(getWithBody.status, 2)
        XCTAssertTrue(getWithBody.stderr.hasPrefix("Error: Specify a different method when using body\n"), getWithBody.stderr)
        let nowhere = try harness.run(["request", "--url", "@graph/me", "--filePath", harness.root.path + "/missing/me.json"])
        XCTAssertEqual(nowhere.status, 2)
        XCTAssertTrue(nowhere.stderr.hasPrefix("Error: The location specified in the filePath does not exist\n"), nowhere.stderr)
        // A token never travels over plain HTTP.
        let plain = try harness.run(["request", "--url", "http://graph.microsoft.com/v1.0/me"])
        XCTAssertEqual(plain.status, 2)
        XCTAssertTrue(plain.stderr.contains("Refusing to send an access token over plain HTTP"), plain.stderr)
        // Unknown options are headers: the emulator saw this one.
        try m365(["request", "--url", "@graph/me", "--x-test-header", "hello"])
        let seen = try emulator.requests(pathPrefix: "/v1.0/me").last
        let headers = seen?["headers"] as? [String: Any]
        XCTAssertEqual(headers?["x-test-header"] as? String, "hello", "\(seen ?? [:])")
    }
}

/// Short-lived access tokens: every command refreshes, and refresh tokens rotate.
final class TokenRefreshTests: SignInTestCase {
    override var emulatorArguments: [String] { ["--access-token-lifetime", "60"] }

    func testRefreshRotatesAndAReusedRefreshTokenAsksToSignInAgain() throws {
        try loginWithPassword()
        let tokens = configDirectory.appendingPathComponent("tokens.json")
        let before = try String(contentsOf: tokens, encoding: .utf8)
        try m365(["request", "--url", "@graph/me"])
        let after = try String(contentsOf: tokens, encoding: .utf8)
        XCTAssertNotEqual(before, after, "the refresh stored the rotated refresh token")
        // Put the used refresh token back: the emulator refuses it, and m365 says to sign in again.
        try before.write(to: tokens, atomically: true, encoding: .utf8)
        let reused = try harness.run(["request", "--url", "@graph/me"])
        XCTAssertEqual(reused.status, 1)
        XCTAssertTrue(reused.stderr.contains("Run 'm365 login' again"), reused.stderr)
    }

    /// The file store keeps no client secret: without a terminal m365 says to sign in again; on
    /// a terminal it asks for the secret (no echo) and carries on.
    func testFileStoreAsksForTheClientSecretAgain() throws {
        try m365(["login", "--authType", "secret", "--appId", Self.secretApp, "--tenant", Self.tenant, "--secret", Self.clientSecret])
        let noTerminal = try harness.run(["request", "--url", "@graph/organization"])
        XCTAssertEqual(noTerminal.status, 1)
        XCTAssertTrue(noTerminal.stderr.contains("Run 'm365 login' again"), noTerminal.stderr)
        // `script` gives m365 a terminal and types what we pipe into it.
        let command = ([harness.binary.path, "request", "--url", "@graph/organization", "--query", "value[0].displayName"]).joined(separator: " ")
        let typed = try harness.runTool("/usr/bin/script", ["-qec", command, "/dev/null"], stdin: Self.clientSecret + "\n", after: "Client secret")
        XCTAssertTrue(typed.contains("Client secret of the app \(Self.secretApp)"), typed)
        XCTAssertTrue(typed.contains("\"Contoso\""), typed)
        XCTAssertFalse(typed.contains(Self.clientSecret), "not echoed")
    }

    /// A password-protected PFX: the file store keeps neither key nor password, so m365 reads the
    /// file again and asks for its password on a terminal.
    func testFileStoreAsksForThePFXPasswordAgain() throws {
        let fixtures = Harness.packageRoot + "/Tests/EmulatorTests/Fixtures/"
        let pfx = harness.root.appendingPathComponent("app.pfx")
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["pkcs12", "-export", "-inkey", fixtures + "cert-app.key.pem", "-in", fixtures + "cert-app.cert.pem",
                             "-out", pfx.path, "-passout", "pass:pfx-pw"]
        try openssl.run()
        openssl.waitUntilExit()
        XCTAssertEqual(openssl.terminationStatus, 0)
        try m365(["login", "--authType", "certificate", "--appId", Self.certificateApp, "--tenant", Self.tenant,
                  "--certificateFile", pfx.path, "--password", "pfx-pw"])
        let noTerminal = try harness.run(["request", "--url", "@graph/organization"])
        XCTAssertEqual(noTerminal.status, 1)
        XCTAssertTrue(noTerminal.stderr.contains("needs its password"), noTerminal.stderr)
        let command = [harness.binary.path, "request", "--url", "@graph/organization", "--query", "value[0].displayName"].joined(separator: " ")
        let typed = try harness.runTool("/usr/bin/script", ["-qec", command, "/dev/null"], stdin: "pfx-pw\n", after: "Password of the certificate")
        XCTAssertTrue(typed.contains("\"Contoso\""), typed)
        XCTAssertFalse(try configFiles().values.contains { $0.contains("pfx-pw") })
    }

    func testSixteenConcurrentProcessesShareOneRotatingRefreshToken() throws {
        try loginWithPassword()
        let processes: [Process] = try (0..<16).map { _ in
            let process = Process()
            process.executableURL = harness.binary
            process.arguments = ["request", "--url", "@graph/me", "--query", "userPrincipalName"]
            process.environment = harness.environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        for process in processes { process.waitUntilExit() }
        XCTAssertEqual(processes.map(\.terminationStatus), Array(repeating: 0, count: 16))
        // The store is intact and its refresh token still works.
        let tokens = try String(contentsOf: configDirectory.appendingPathComponent("tokens.json"), encoding: .utf8)
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(tokens.utf8)))
        try m365(["request", "--url", "@graph/me"])
        XCTAssertNotNil(try status()["connectedAs"])
    }
}

/// No secret in any output, any --debug trace, or any file of the config directory.
final class SecretHygieneTests: SignInTestCase {
    func testNoSecretAnywhere() throws {
        var outputs: [String] = []
        func run(_ arguments: [String]) throws {
            let result = try harness.run(arguments + ["--debug"])
            XCTAssertEqual(result.status, 0, result.stderr)
            outputs += [result.stdout, result.stderr]
        }
        try run(["login", "--authType", "password", "--appId", Self.publicApp, "--tenant", Self.tenant, "--userName", Self.admin.user, "--password", Self.admin.password])
        try run(["request", "--url", "@graph/me"])
        try run(["login", "--authType", "secret", "--appId", Self.secretApp, "--tenant", Self.tenant, "--secret", Self.clientSecret, "--connectionName", "daemon"])
        try run(["request", "--url", "@graph/organization"])
        try run(["status"])
        XCTAssertTrue(outputs.joined().contains("oauth2/v2.0/token"), "the trace shows the token requests")
        // What must never show: the password, the client secret, and any token the store holds.
        let stored = try String(contentsOf: configDirectory.appendingPathComponent("tokens.json"), encoding: .utf8)
        let store = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(stored.utf8)) as? [String: Any])
        var secrets = [Self.admin.password, Self.clientSecret]
        for value in (store["entries"] as? [String: Any] ?? [:]).values {
            guard let entry = (value as? String).flatMap({ try? JSONSerialization.jsonObject(with: Data($0.utf8)) }) as? [String: Any] ?? value as? [String: Any] else { continue }
            if let refresh = entry["refreshToken"] as? String { secrets.append(refresh) }
            for token in (entry["accessTokens"] as? [String: [String: Any]] ?? [:]).values { if let t = token["token"] as? String { secrets.append(t) } }
        }
        XCTAssertGreaterThan(secrets.count, 3, "tokens were found to look for")
        for secret in secrets {
            for output in outputs { XCTAssertFalse(output.contains(secret), "a secret leaked into output") }
            for (name, text) in try configFiles() where name != "tokens.json" {
                XCTAssertFalse(text.contains(secret), "a secret leaked into \(name)")
            }
        }
        XCTAssertFalse(stored.contains(Self.admin.password))
        XCTAssertFalse(stored.contains(Self.clientSecret))
    }
}

/// The Secret Service store against the real gnome-keyring that `make test` starts in a private
/// D-Bus session: tokens and the app's credential live there, never in a file.
final class SecretServiceSignInTests: SignInTestCase {
    override var emulatorArguments: [String] { ["--access-token-lifetime", "60"] }

    override func setUpWithError() throws {
        try super.setUpWithError()
        guard ProcessInfo.processInfo.environment["M365_TEST_KEYRING"] != nil else {
            throw HarnessError("no test keyring: run the tests with 'make test', which starts gnome-keyring in a private D-Bus session")
        }
        for name in ["DBUS_SESSION_BUS_ADDRESS"] {
            harness.environment[name] = ProcessInfo.processInfo.environment[name]
        }
        harness.environment["M365_TOKEN_STORE"] = "secret-service"
    }

    func testSecretSignInKeepsEverythingInTheKeyring() throws {
        try m365(["login", "--authType", "secret", "--appId", Self.secretApp, "--tenant", Self.tenant, "--secret", Self.clientSecret])
        XCTAssertTrue(try m365(["status", "--verbose"]).stderr.contains("Token store: secret-service"))
        // Tokens live 60 s, under the renewal margin: every request signs in again with the
        // secret read back from the keyring.
        for _ in 0..<2 { try m365(["request", "--url", "@graph/organization"]) }
        let grants = try emulator.requests().filter { ($0["path"] as? String)?.hasSuffix("/oauth2/v2.0/token") == true }
        XCTAssertEqual(grants.count, 4, "the login, then one re-acquisition each for status and the two requests")
        for (name, text) in try configFiles() {
            XCTAssertFalse(text.contains(Self.clientSecret), "the secret is in \(name)")
            XCTAssertFalse(text.contains("accessTokens"), "tokens are in \(name)")
        }
        let doctor = try XCTUnwrap(try m365(["cli", "doctor"]).json() as? [String: Any])
        XCTAssertEqual(doctor["tokenStore"] as? String, "secret-service")
        // auto finds the keyring too.
        XCTAssertTrue(try m365(["status", "--verbose"], environment: ["M365_TOKEN_STORE": "auto"]).stderr.contains("Token store: secret-service"))
        try m365(["logout"])
        // The CLI's clientSecret setting stands in for --secret; it goes to the keyring, and
        // config.json names only the store.
        try m365(["cli", "config", "set", "--key", "clientSecret", "--value", Self.clientSecret])
        XCTAssertEqual(try m365(["cli", "config", "get", "--key", "clientSecret"]).json() as? [String: String], ["tokenStore": "secret-service"])
        try m365(["login", "--authType", "secret", "--appId", Self.secretApp, "--tenant", Self.tenant])
        XCTAssertEqual(try status()["authType"] as? String, "secret")
        for (name, text) in try configFiles() { XCTAssertFalse(text.contains(Self.clientSecret), "the secret is in \(name)") }
        try m365(["cli", "config", "reset", "--key", "clientSecret"])
        try m365(["logout"])
        let without = try harness.run(["login", "--authType", "secret", "--appId", Self.secretApp, "--tenant", Self.tenant])
        XCTAssertEqual(without.status, 2, "the setting and its keyring entry are gone: \(without.stderr)")
    }

    func testPasswordSignInRefreshesFromTheKeyring() throws {
        try loginWithPassword()
        try m365(["request", "--url", "@graph/me"])
        try m365(["request", "--url", "@graph/me"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: configDirectory.appendingPathComponent("tokens.json").path))
        try m365(["logout"])
    }
}
