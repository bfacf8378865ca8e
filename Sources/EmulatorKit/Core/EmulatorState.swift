import Foundation

/// Everything the services share: configuration, directory, keys, grants, faults and the log.
public final class EmulatorState: Sendable {
    public let config: EmulatorConfiguration
    public let directory: Directory
    /// The stateful Graph directory (users, groups, apps …), seeded from the same seed.
    public let store: DirectoryStore
    /// SharePoint webs, lists and items, seeded from the seed's `sharePoint.sites`.
    public let sharePoint: SharePointStore
    public let signingKey: SigningKey
    public let grants: GrantStore
    public let issuer: TokenIssuer
    public let validator: BearerValidator
    public let faults: FaultInjector
    public let requestLog: RequestLog
    /// OneDrive items and upload sessions; file contents live under `<state-dir>/drive/`.
    public let drives: DriveStore
    public let certificates: CertificateAuthority
    /// The secret App Service style managed-identity callers must send as X-IDENTITY-HEADER.
    public let identityHeader: String

    public init(config: EmulatorConfiguration) throws {
        self.config = config
        let seed = try Seed.load(path: config.seedPath)
        self.directory = try Directory(seed: seed)
        self.store = DirectoryStore(seed: seed, directory: directory)
        self.sharePoint = SharePointStore(seed: seed)
        self.certificates = try CertificateAuthority.loadOrCreate(in: config.stateDirectory)
        self.signingKey = try SigningKey.loadOrCreate(in: config.stateDirectory)
        self.grants = GrantStore()
        self.issuer = TokenIssuer(key: signingKey, grants: grants, accessTokenLifetime: config.accessTokenLifetime)
        self.validator = BearerValidator(key: signingKey)
        self.faults = FaultInjector(rules: config.faults, seed: config.randomSeed)
        self.requestLog = try RequestLog(path: config.requestLogPath)
        self.drives = DriveStore(stateDirectory: config.stateDirectory)
        self.identityHeader = config.identityHeader ?? Util.randomToken(bytes: 24)
    }
}
