#if canImport(Glibc)
import Glibc
#endif
import Credentials
import HostConfig
import JSONModel
import TextEncodings

/// The HTTP a sign-in needs: a form POST and a GET. The host passes its HTTP client (libcurl);
/// unit tests pass a fake.
public protocol SignInTransport {
    func postForm(_ url: String, _ fields: [(String, String)], headers: [(String, String)]) throws(SignInError) -> (status: Int, body: [UInt8])
    func get(_ url: String, headers: [(String, String)]) throws(SignInError) -> (status: Int, body: [UInt8])
    func post(_ url: String, body: [UInt8], headers: [(String, String)]) throws(SignInError) -> (status: Int, body: [UInt8])
}

/// What a sign-in needs from the user's environment; injectable for tests.
public struct SignInEnvironment {
    public var now: () -> Int
    public var sleep: (Double) -> Void
    public var isCancelled: () -> Bool
    /// Where the device code message goes (stderr).
    public var tell: (String) -> Void
    public var variable: (String) -> String?
    public var readFile: (String) throws(SignInError) -> [UInt8]
    /// Asks the user for a secret on a terminal (no echo); nil without one.
    public var askSecret: (String) -> String?
    /// Opens a web address in the user's browser; false when there is none to open.
    public var openURL: (String) -> Bool
    /// Called once the device code message is shown, with the page and the code (the CLI's
    /// autoOpenLinksInBrowser and copyDeviceCodeToClipboard settings act here).
    public var deviceCodeShown: (_ page: String, _ code: String) -> Void

    public init(now: @escaping () -> Int, sleep: @escaping (Double) -> Void, isCancelled: @escaping () -> Bool,
                tell: @escaping (String) -> Void, variable: @escaping (String) -> String?,
                readFile: @escaping (String) throws(SignInError) -> [UInt8], askSecret: @escaping (String) -> String? = { _ in nil },
                openURL: @escaping (String) -> Bool = { _ in false },
                deviceCodeShown: @escaping (String, String) -> Void = { _, _ in }) {
        self.askSecret = askSecret
        self.openURL = openURL
        self.deviceCodeShown = deviceCodeShown
        self.now = now
        self.sleep = sleep
        self.isCancelled = isCancelled
        self.tell = tell
        self.variable = variable
        self.readFile = readFile
    }
}

/// The credential an app-only connection signs in with. Kept only in the Secret Service.
public enum AppCredential: Sendable {
    case secret(String)
    case certificate(bytes: [UInt8], password: String?)
    case managedIdentity(clientId: String?)
    case federated

    var json: JSON? {
        switch self {
        case .secret(let secret): return .object(JSONObject([("secret", .string(secret))]))
        case .certificate(let bytes, let password):
            var object = JSONObject([("certificate", .string(Base64.encode(bytes)))])
            if let password { object["password"] = .string(password) }
            return .object(object)
        case .managedIdentity, .federated: return nil  // nothing secret: the environment provides them
        }
    }

    init?(json: JSON) {
        if let secret = json["secret"]?.stringValue {
            self = .secret(secret)
        } else if let certificate = json["certificate"]?.stringValue, let bytes = Base64.decode(certificate) {
            self = .certificate(bytes: bytes, password: json["password"]?.stringValue)
        } else {
            return nil
        }
    }
}

/// The grants m365 uses, each a function from what it needs to a `TokenSet`.
public struct SignInFlows {
    public var transport: SignInTransport
    public var environment: SignInEnvironment

    public init(transport: SignInTransport, environment: SignInEnvironment) {
        self.transport = transport
        self.environment = environment
    }

    func tokenURL(cloud: Cloud, tenant: String) -> String {
        "https://\(cloud.loginHost)/\(tenant)/oauth2/v2.0/token"
    }

    static func scope(_ resource: String, offline: Bool) -> String {
        let base = resource.hasSuffix("/") ? String(resource.dropLast()) : resource
        return offline ? "\(base)/.default offline_access" : "\(base)/.default"
    }

    func redeem(_ url: String, _ fields: [(String, String)], what: String) throws(SignInError) -> TokenSet {
        let answer = try transport.postForm(url, fields, headers: [])
        guard answer.status == 200 else { throw signInError(status: answer.status, body: answer.body, what: what) }
        do {
            return try TokenSet(try JSON.parse(bytes: answer.body), now: environment.now())
        } catch let error as SignInError {
            throw error
        } catch {
            throw SignInError("\(what) failed: the token endpoint answered with malformed JSON")
        }
    }

    // MARK: Delegated (user) flows

    /// Device code: the message with the code and URL goes to stderr; polling honours
    /// `interval` and `slow_down`; Ctrl-C cancels.
    public func deviceCode(cloud: Cloud, tenant: String, appId: String, resource: String) throws(SignInError) -> TokenSet {
        let start = try transport.postForm(
            "https://\(cloud.loginHost)/\(tenant)/oauth2/v2.0/devicecode",
            [("client_id", appId), ("scope", SignInFlows.scope(resource, offline: true))], headers: [])
        guard start.status == 200, let codes = try? JSON.parse(bytes: start.body),
              let deviceCode = codes["device_code"]?.stringValue else {
            throw signInError(status: start.status, body: start.body, what: "Starting the device code sign-in")
        }
        environment.tell((codes["message"]?.stringValue ?? "Open \(codes["verification_uri"]?.stringValue ?? "the sign-in page") and enter the code \(codes["user_code"]?.stringValue ?? "")") + "\n")
        environment.deviceCodeShown(codes["verification_uri"]?.stringValue ?? codes["verification_url"]?.stringValue ?? "", codes["user_code"]?.stringValue ?? "")
        var interval = Double(max(1, codes["interval"]?.intValue ?? 5))
        let deadline = environment.now() + (codes["expires_in"]?.intValue ?? 900)
        while true {
            try wait(interval)
            if environment.now() > deadline { throw SignInError("The device code expired before sign-in completed. Run 'm365 login' again.") }
            let poll = try transport.postForm(
                tokenURL(cloud: cloud, tenant: tenant),
                [("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("client_id", appId), ("device_code", deviceCode)],
                headers: [])
            if poll.status == 200 {
                do { return try TokenSet(try JSON.parse(bytes: poll.body), now: environment.now()) } catch let error as SignInError { throw error } catch {
                    throw SignInError("Device code sign-in failed: the token endpoint answered with malformed JSON")
                }
            }
            let error = (try? JSON.parse(bytes: poll.body))?["error"]?.stringValue
            switch error {
            case "authorization_pending": continue
            case "slow_down": interval += 5
            case "authorization_declined": throw SignInError("Sign-in was declined on the device login page.")
            case "expired_token": throw SignInError("The device code expired before sign-in completed. Run 'm365 login' again.")
            default: throw signInError(status: poll.status, body: poll.body, what: "Device code sign-in")
            }
        }
    }

    /// Sleeps in short steps so Ctrl-C is noticed quickly.
    private func wait(_ seconds: Double) throws(SignInError) {
        var left = seconds
        while left > 0 {
            if environment.isCancelled() { throw SignInError("Sign-in cancelled.", kind: .cancelled) }
            let step = min(left, 0.2)
            environment.sleep(step)
            left -= step
        }
        if environment.isCancelled() { throw SignInError("Sign-in cancelled.", kind: .cancelled) }
    }

    public func password(cloud: Cloud, tenant: String, appId: String, userName: String, password: String, resource: String) throws(SignInError) -> TokenSet {
        try redeem(tokenURL(cloud: cloud, tenant: tenant), [
            ("client_id", appId), ("grant_type", "password"), ("username", userName), ("password", password),
            ("scope", SignInFlows.scope(resource, offline: true)),
        ], what: "Signing in with a password")
    }

    /// Redeems a refresh token for another resource (or the same one later). The answer carries
    /// a new refresh token: the caller must store it in place of the old one.
    public func refresh(cloud: Cloud, tenant: String, appId: String, refreshToken: String, resource: String) throws(SignInError) -> TokenSet {
        try redeem(tokenURL(cloud: cloud, tenant: tenant), [
            ("client_id", appId), ("grant_type", "refresh_token"), ("refresh_token", refreshToken),
            ("scope", SignInFlows.scope(resource, offline: true)),
        ], what: "Refreshing the access token")
    }

    // MARK: App-only flows

    public func clientCredentials(cloud: Cloud, tenant: String, appId: String, credential: AppCredential, thumbprint: String? = nil, resource: String) throws(SignInError) -> TokenSet {
        let url = tokenURL(cloud: cloud, tenant: tenant)
        var fields: [(String, String)] = [("client_id", appId), ("grant_type", "client_credentials"), ("scope", SignInFlows.scope(resource, offline: false))]
        switch credential {
        case .secret(let secret):
            fields.append(("client_secret", secret))
        case .certificate(let bytes, let password):
            let assertion: String
            do {
                let certificate = try CertificateCredential.load(pemOrPFX: bytes, password: password)
                assertion = try certificate.clientAssertion(clientId: appId, audience: url, now: environment.now(), thumbprintOverride: thumbprint)
            } catch {
                throw SignInError("The certificate cannot be used: \(error)")
            }
            fields += [("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), ("client_assertion", assertion)]
        case .federated:
            let assertion = try federatedToken()
            fields += [("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), ("client_assertion", assertion)]
        case .managedIdentity(let clientId):
            return try managedIdentity(clientId: clientId, resource: resource)
        }
        return try redeem(url, fields, what: "Signing in as the app")
    }

    /// A token from the managed identity endpoint, where the CLI looks for one: App Service and
    /// Functions (IDENTITY_ENDPOINT + IDENTITY_HEADER, or the older MSI_ENDPOINT + MSI_SECRET),
    /// Cloud Shell (IDENTITY_ENDPOINT or MSI_ENDPOINT alone), else the instance metadata service
    /// (IMDS). A user-assigned identity is named by client id, else (when that finds none) by
    /// principal (object) id.
    public func managedIdentity(clientId: String?, resource: String) throws(SignInError) -> TokenSet {
        let v = environment.variable
        var url: String
        var headers = [("Metadata", "true")]
        let appService = v("IDENTITY_ENDPOINT").flatMap { endpoint in v("IDENTITY_HEADER").map { (endpoint, $0) } }
            ?? v("MSI_ENDPOINT").flatMap { endpoint in v("MSI_SECRET").map { (endpoint, $0) } }
        if let (endpoint, header) = appService {
            url = endpoint + (endpoint.contains("?") ? "&" : "?") + "api-version=2019-08-01&resource=\(percentEncode(resource))"
            headers.append(("X-IDENTITY-HEADER", header))
        } else if let endpoint = v("IDENTITY_ENDPOINT") ?? v("MSI_ENDPOINT") {
            if clientId != nil && v("ACC_CLOUD") != nil {
                throw SignInError("Azure Cloud Shell does not support user-managed identity. You can execute the command without the --userName option to login with user identity", kind: .usage)
            }
            url = endpoint + (endpoint.contains("?") ? "&" : "?") + "resource=\(percentEncode(resource))"
        } else {
            // IMDS; M365_IMDS_ENDPOINT moves it (tests, the emulator).
            let endpoint = v("M365_IMDS_ENDPOINT") ?? "http://169.254.169.254/metadata/identity/oauth2/token"
            url = endpoint + "?api-version=2018-02-01&resource=\(percentEncode(resource))"
        }
        var answer: (status: Int, body: [UInt8])
        if let clientId {
            answer = try transport.get(url + "&client_id=\(percentEncode(clientId))", headers: headers)
            let text = String(decoding: answer.body, as: UTF8.self)
            if answer.status != 200 && (text.contains("No Managed Identity found") || text.contains("Identity not found")) {
                answer = try transport.get(url + "&principal_id=\(percentEncode(clientId))", headers: headers)
            }
        } else {
            answer = try transport.get(url, headers: headers)
        }
        guard answer.status == 200 else {
            throw signInError(status: answer.status, body: answer.body, what: "Signing in with the managed identity")
        }
        do {
            return try TokenSet(try JSON.parse(bytes: answer.body), now: environment.now())
        } catch let error as SignInError {
            throw error
        } catch {
            throw SignInError("Signing in with the managed identity failed: malformed JSON")
        }
    }

    /// The workload's own token for a federated credential: GitHub Actions, Azure DevOps, or a
    /// file (AZURE_FEDERATED_TOKEN_FILE, as Kubernetes workload identity provides).
    func federatedToken() throws(SignInError) -> String {
        let v = environment.variable
        if let file = v("AZURE_FEDERATED_TOKEN_FILE") {
            let text = String(decoding: try environment.readFile(file), as: UTF8.self)
            return text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        }
        if let url = v("ACTIONS_ID_TOKEN_REQUEST_URL"), let bearer = v("ACTIONS_ID_TOKEN_REQUEST_TOKEN") {
            let answer = try transport.get(url + (url.contains("?") ? "&" : "?") + "audience=api://AzureADTokenExchange",
                                           headers: [("Authorization", "Bearer \(bearer)")])
            guard answer.status == 200, let token = (try? JSON.parse(bytes: answer.body))?["value"]?.stringValue else {
                throw SignInError("Getting the GitHub Actions OIDC token failed (HTTP \(answer.status))")
            }
            return token
        }
        if v("SYSTEM_OIDCREQUESTURI") != nil && v("SYSTEM_ACCESSTOKEN") == nil {
            throw SignInError("The SYSTEM_ACCESSTOKEN environment variable is not available. Please check the Azure DevOps pipeline task configuration. It should contain 'SYSTEM_ACCESSTOKEN: $(System.AccessToken)' in the env section.", kind: .usage)
        }
        if let url = v("SYSTEM_OIDCREQUESTURI"), let bearer = v("SYSTEM_ACCESSTOKEN") {
            var request = url + (url.contains("?") ? "&" : "?") + "api-version=7.1"
            if let connection = v("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID") { request += "&serviceConnectionId=\(percentEncode(connection))" }
            let answer = try transport.post(request, body: Array("{}".utf8), headers: [("Authorization", "Bearer \(bearer)"), ("Content-Type", "application/json")])
            guard answer.status == 200, let token = (try? JSON.parse(bytes: answer.body))?["oidcToken"]?.stringValue else {
                throw SignInError("Getting the Azure DevOps OIDC token failed (HTTP \(answer.status))")
            }
            return token
        }
        throw SignInError("Federated identity is currently only supported in GitHub Actions and Azure DevOps (and, in m365, with AZURE_FEDERATED_TOKEN_FILE as Kubernetes workload identity sets it).", kind: .usage)
    }
}
