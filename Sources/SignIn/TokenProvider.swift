import Credentials
import HostConfig
import JSONModel
import TokenStore

/// What the token store keeps for one connection: the refresh token, access tokens per resource,
/// and (Secret Service only) the credential an app-only connection signs in with again.
struct StoredSecrets {
    var refreshToken: String?
    var accessTokens: [String: (token: String, expiresOn: Int)] = [:]
    var credential: AppCredential?

    init() {}

    init(text: String) throws(SignInError) {
        guard let json = try? JSON.parse(text) else { throw SignInError("The stored tokens are damaged; run 'm365 login' again.", kind: .authRequired) }
        refreshToken = json["refreshToken"]?.stringValue
        for (resource, entry) in json["accessTokens"]?.objectValue ?? JSONObject() {
            if let token = entry["token"]?.stringValue, let expires = entry["expiresOn"]?.intValue {
                accessTokens[resource] = (token, expires)
            }
        }
        credential = json["credential"].flatMap(AppCredential.init(json:))
    }

    func text(keepCredential: Bool) -> String {
        var object = JSONObject()
        if let refreshToken { object["refreshToken"] = .string(refreshToken) }
        var tokens = JSONObject()
        for resource in accessTokens.keys.sorted() {
            let entry = accessTokens[resource]!
            tokens[resource] = .object(JSONObject([("token", .string(entry.token)), ("expiresOn", .number(Double(entry.expiresOn)))]))
        }
        object["accessTokens"] = .object(tokens)
        if keepCredential, let credential = credential?.json { object["credential"] = credential }
        return JSON.object(object).serialized()
    }
}

/// Access tokens per resource for a connection: reused until shortly before they expire, then
/// refreshed (user flows, saving the rotated refresh token) or acquired again with the app's
/// credential (app-only flows). Concurrent m365 processes take turns through the store lock, so
/// a rotated refresh token is never lost.
public final class TokenProvider {
    public let configDirectory: String
    public let store: CredentialStore
    public let flows: SignInFlows
    /// Tokens expiring within this many seconds are renewed first.
    public var renewalMargin = 300

    public init(configDirectory: String, store: CredentialStore, flows: SignInFlows) {
        self.configDirectory = configDirectory
        self.store = store
        self.flows = flows
    }

    private func load(_ connection: Connection) throws(SignInError) -> StoredSecrets {
        let text: String?
        do { text = try store.load(connection.secretKey) } catch {
            throw SignInError("Cannot read the token store (\(store.kind.rawValue)): \(error)")
        }
        guard let text else {
            throw SignInError("No tokens are stored for the connection '\(connection.name)'. Run 'm365 login' again.", kind: .authRequired)
        }
        return try StoredSecrets(text: text)
    }

    func save(_ secrets: StoredSecrets, for connection: Connection) throws(SignInError) {
        do {
            try store.save(connection.secretKey, secrets.text(keepCredential: store.canHoldCredentials))
        } catch {
            throw SignInError("Cannot write the token store (\(store.kind.rawValue)): \(error)")
        }
    }

    func locked<T>(_ body: () throws(SignInError) -> T) throws(SignInError) -> T {
        var result: Result<T, SignInError>?
        do {
            try StoreLock.withExclusiveLock(configDirectory: configDirectory) {
                do throws(SignInError) { result = .success(try body()) } catch { result = .failure(error) }
            }
        } catch {
            throw SignInError("Cannot lock the token store: \(error)")
        }
        return try result!.get()
    }

    /// A valid access token for `resource`.
    public func accessToken(for connection: Connection, resource: String) throws(SignInError) -> String {
        let now = flows.environment.now()
        // Most calls find a fresh token: read without waiting for the lock.
        if let cached = try? load(connection).accessTokens[resource], cached.expiresOn - renewalMargin > now {
            return cached.token
        }
        return try locked { () throws(SignInError) -> String in
            var secrets = try load(connection)
            // Another process may have renewed it while we waited for the lock.
            if let cached = secrets.accessTokens[resource], cached.expiresOn - renewalMargin > flows.environment.now() {
                return cached.token
            }
            let tokens = try acquire(connection, secrets: secrets, resource: resource)
            if let rotated = tokens.refreshToken { secrets.refreshToken = rotated }
            secrets.accessTokens[resource] = (tokens.accessToken, tokens.expiresOn)
            do {
                try save(secrets, for: connection)
            } catch {
                // The token is good; only keeping it failed. Use it, and say that the next run may
                // have to sign in again.
                flows.environment.tell("Warning: \(error). The next command may need 'm365 login' again.\n")
            }
            return tokens.accessToken
        }
    }

    private func acquire(_ connection: Connection, secrets: StoredSecrets, resource: String) throws(SignInError) -> TokenSet {
        switch connection.authType {
        case .deviceCode, .password, .browser:
            guard let refreshToken = secrets.refreshToken else {
                throw SignInError("The sign-in of '\(connection.name)' has no refresh token. Run 'm365 login' again.", kind: .authRequired)
            }
            return try flows.refresh(cloud: connection.cloud, tenant: connection.tenantId, appId: connection.appId, refreshToken: refreshToken, resource: resource)
        case .identity:
            return try flows.managedIdentity(clientId: connection.userName, resource: resource)
        case .federatedIdentity:
            return try flows.clientCredentials(cloud: connection.cloud, tenant: connection.tenantId, appId: connection.appId, credential: .federated, resource: resource)
        case .certificate where secrets.credential == nil && connection.certificateFile != nil:
            // The file store keeps no key: sign with the certificate file again, asking for its
            // password on a terminal when it has one.
            let file = connection.certificateFile!
            let bytes = try flows.environment.readFile(file)
            var password: String?
            do {
                _ = try CertificateCredential.load(pemOrPFX: bytes, password: nil)
            } catch where error.kind == .passwordRequired {
                guard let asked = flows.environment.askSecret("Password of the certificate \(file):") else {
                    throw SignInError(
                        "The certificate \(file) needs its password, which the file token store does not keep. Run 'm365 login' again.",
                        kind: .authRequired)
                }
                password = asked
            } catch {
                throw SignInError("The certificate \(file) cannot be used: \(error)")
            }
            return try flows.clientCredentials(cloud: connection.cloud, tenant: connection.tenantId, appId: connection.appId, credential: .certificate(bytes: bytes, password: password), thumbprint: connection.thumbprint, resource: resource)
        case .secret where secrets.credential == nil:
            // The file store keeps no secret: on a terminal, ask for it again.
            guard let secret = flows.environment.askSecret("Client secret of the app \(connection.appId) ('\(connection.name)'):"), !secret.isEmpty else {
                throw SignInError(
                    "The client secret of '\(connection.name)' is kept only in the Secret Service, and this machine uses the file token store. Run 'm365 login' again.",
                    kind: .authRequired)
            }
            return try flows.clientCredentials(cloud: connection.cloud, tenant: connection.tenantId, appId: connection.appId, credential: .secret(secret), resource: resource)
        case .secret, .certificate:
            guard let credential = secrets.credential else {
                let what = connection.authType == .secret ? "client secret" : "certificate"
                throw SignInError(
                    "The \(what) of '\(connection.name)' is kept only in the Secret Service, and this machine uses the file token store. Run 'm365 login' again.",
                    kind: .authRequired)
            }
            return try flows.clientCredentials(cloud: connection.cloud, tenant: connection.tenantId, appId: connection.appId, credential: credential, thumbprint: connection.thumbprint, resource: resource)
        }
    }

    /// Stores what a fresh sign-in produced, replacing anything kept for the connection.
    public func storeSignIn(_ connection: Connection, tokens: TokenSet, resource: String, credential: AppCredential?) throws(SignInError) {
        var secrets = StoredSecrets()
        secrets.refreshToken = tokens.refreshToken
        secrets.accessTokens[resource] = (tokens.accessToken, tokens.expiresOn)
        secrets.credential = credential
        try locked { () throws(SignInError) in try save(secrets, for: connection) }
    }

    public func forget(_ connection: Connection) throws(SignInError) {
        // Under the lock, so a refresh running in another process cannot write them back.
        try locked { () throws(SignInError) in
            do { try store.remove(connection.secretKey) } catch {
                throw SignInError("Cannot remove the stored tokens of '\(connection.name)': \(error)")
            }
        }
    }

    /// Drops the cached access token for `resource` (the service rejected it).
    public func invalidate(_ connection: Connection, resource: String) throws(SignInError) {
        try locked { () throws(SignInError) in
            var secrets = try load(connection)
            guard secrets.accessTokens.removeValue(forKey: resource) != nil else { return }
            try save(secrets, for: connection)
        }
    }
}
