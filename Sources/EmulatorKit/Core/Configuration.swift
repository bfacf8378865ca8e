import Foundation

/// Everything `m365-emulator serve` can be told on its command line.
public struct EmulatorConfiguration: Sendable {
    public var bindHost = "127.0.0.1"
    public var port = 0
    public var managedIdentityPort = 0
    public var stateDirectory: String
    public var seedPath: String?
    public var printEnv = false
    /// Lifetime of access tokens (`expires_in`).
    public var accessTokenLifetime: TimeInterval = 3599
    /// Inactivity lifetime of refresh tokens.
    public var refreshTokenLifetime: TimeInterval = 90 * 86400
    public var deviceCodeLifetime: TimeInterval = 900
    public var deviceCodeInterval = 5
    /// Real Entra keeps a used refresh token valid; the emulator rotates strictly by default so
    /// clients that forget to store the new token fail in tests rather than in production.
    public var allowRefreshTokenReuse = false
    public var faults: [FaultRule] = []
    public var randomSeed: UInt64?
    public var requestLogPath: String?
    /// The `IDENTITY_HEADER` secret App Service style callers must send.
    public var identityHeader: String?
    /// Offer HTTP/2 through ALPN (`h2`, then `http/1.1`) as Microsoft's front doors do. Off by
    /// default: the fault injection of a reset mid-body is a TCP reset only over HTTP/1.1.
    public var http2 = false

    public init(stateDirectory: String) {
        self.stateDirectory = stateDirectory
    }
}
