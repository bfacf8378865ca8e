#if canImport(Glibc)
import Glibc
#endif
import JSONModel

/// Everything `m365 login` (or `<service> connect`) was told, after precedence was applied.
public struct LoginRequest: Sendable {
    public var authType: AuthType
    public var appId: String?
    public var tenant: String
    public var cloud: Cloud
    public var userName: String?
    public var password: String?
    public var certificate: [UInt8]?
    /// Where `certificate` came from, when it came from a file.
    public var certificateFile: String?
    public var thumbprint: String?
    public var secret: String?
    public var connectionName: String?

    public init(authType: AuthType, appId: String?, tenant: String, cloud: Cloud) {
        self.authType = authType
        self.appId = appId
        self.tenant = tenant
        self.cloud = cloud
    }
}

extension TokenProvider {
    /// Signs in, stores the tokens (and, in the Secret Service only, the app's credential) and
    /// returns the connection, not yet saved in the connection book.
    public func signIn(_ request: LoginRequest, existing: [Connection]) throws(SignInError) -> Connection {
        let resource = request.cloud.graphOrigin
        let needsApp = request.authType != .identity
        guard let appId = request.appId ?? (needsApp ? nil : "managed-identity") else {
            throw SignInError(
                "No app id: pass --appId, set it once with 'm365 cli config set --key clientId --value <id>', or set CLIMICROSOFT365_ENTRAAPPID",
                kind: .usage)
        }
        var tenant = request.tenant
        let tokens: TokenSet
        var credential: AppCredential?
        switch request.authType {
        case .deviceCode:
            tokens = try flows.deviceCode(cloud: request.cloud, tenant: tenant, appId: appId, resource: resource)
        case .browser:
            tokens = try flows.browser(cloud: request.cloud, tenant: tenant, appId: appId, resource: resource)
        case .password:
            guard let user = request.userName, let password = request.password else {
                throw SignInError("Signing in with a password needs --userName and --password", kind: .usage)
            }
            if tenant == "common" { tenant = "organizations" }  // ROPC is refused on /common
            tokens = try flows.password(cloud: request.cloud, tenant: tenant, appId: appId, userName: user, password: password, resource: resource)
        case .secret:
            guard let secret = request.secret else { throw SignInError("Signing in with a client secret needs --secret", kind: .usage) }
            credential = .secret(secret)
            tokens = try flows.clientCredentials(cloud: request.cloud, tenant: tenant, appId: appId, credential: credential!, resource: resource)
        case .certificate:
            guard let bytes = request.certificate else {
                throw SignInError("Signing in with a certificate needs --certificateFile or --certificateBase64Encoded", kind: .usage)
            }
            credential = .certificate(bytes: bytes, password: request.password)
            tokens = try flows.clientCredentials(cloud: request.cloud, tenant: tenant, appId: appId, credential: credential!, thumbprint: request.thumbprint, resource: resource)
        case .identity:
            tokens = try flows.managedIdentity(clientId: request.userName, resource: resource)
        case .federatedIdentity:
            tokens = try flows.clientCredentials(cloud: request.cloud, tenant: tenant, appId: appId, credential: .federated, resource: resource)
        }
        // The file store keeps no credential: a certificate file is read again later (its
        // password, like a client secret, is asked for on a terminal).
        let rereadable = request.authType == .certificate && request.certificateFile != nil
        if !store.canHoldCredentials && (request.authType == .secret || rereadable && request.password != nil || request.authType == .certificate && !rereadable) {
            let what = request.authType == .secret ? "client secret" : rereadable ? "certificate password" : "certificate"
            flows.environment.tell("Warning: the \(what) is not stored: the file token store never keeps credentials. When the token expires (about an hour) m365 asks for it on a terminal, else you sign in again.\n")
        }

        let claims = TokenClaims(accessToken: tokens.accessToken)
        let identityId = claims?.objectId ?? appId
        let tenantId = claims?.tenantId ?? tenant
        // Signing in again as the same identity replaces that connection.
        let previous = existing.first { $0.identityId == identityId && $0.appId == appId && $0.tenantId == tenantId && $0.authType == request.authType }
        var name = request.connectionName ?? previous?.name ?? claims?.identityName ?? identityId
        if request.connectionName == nil, previous == nil, existing.contains(where: { $0.name == name }) {
            name += " (\(request.authType.rawValue))"
        }
        if let clash = existing.first(where: { $0.name == name }), clash.id != previous?.id {
            throw SignInError("A connection named '\(name)' already exists; choose another --connectionName or remove it first", kind: .usage)
        }
        var connection = Connection(
            id: previous?.id ?? newConnectionID(), name: name, authType: request.authType, appId: appId,
            tenant: request.tenant, tenantId: tenantId, cloud: request.cloud,
            identityName: claims?.identityName ?? appId, identityId: identityId,
            userName: request.userName, thumbprint: request.thumbprint)
        connection.facts = previous?.facts ?? [:]
        connection.certificateFile = rereadable ? request.certificateFile : nil
        connection.tokenStore = store.kind.rawValue
        try storeSignIn(connection, tokens: tokens, resource: resource, credential: credential)
        return connection
    }
}

/// A random id for a connection (not a secret; it names the token store entry).
func newConnectionID() -> String {
    var bytes = [UInt8](repeating: 0, count: 16)
    let fd = open("/dev/urandom", O_RDONLY)
    if fd >= 0 {
        _ = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, 16) }
        close(fd)
    }
    let hex = Array("0123456789abcdef".utf8)
    return String(decoding: bytes.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] }, as: UTF8.self)
}
