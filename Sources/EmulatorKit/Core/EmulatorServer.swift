import Foundation
import JSONModel
import NIOCore
import NIOPosix
import NIOSSL

/// A running emulator: the HTTPS listener for every service host and the plain-HTTP
/// managed-identity listener. Tests start one in-process; the executable wraps it.
public final class EmulatorServer: Sendable {
    public let state: EmulatorState
    public let app: EmulatorApp
    private let https: HTTPServer
    private let mi: HTTPServer
    private let group: MultiThreadedEventLoopGroup

    public var port: Int { https.port }
    public var managedIdentityPort: Int { mi.port }
    public var caBundlePath: String { state.certificates.caPath }

    private init(state: EmulatorState, app: EmulatorApp, https: HTTPServer, mi: HTTPServer, group: MultiThreadedEventLoopGroup) {
        self.state = state
        self.app = app
        self.https = https
        self.mi = mi
        self.group = group
    }

    public static func start(_ config: EmulatorConfiguration) async throws -> EmulatorServer {
        let state = try EmulatorState(config: config)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(2, System.coreCount))
        let ports = PortBox()
        let app = EmulatorApp(state: state) {
            ["port": JSON(ports.https), "managedIdentityPort": JSON(ports.mi), "caBundle": .string(state.certificates.caPath),
             "identityEndpoint": .string("http://127.0.0.1:\(ports.mi)\(ManagedIdentityService.appServicePath)"),
             "identityHeader": .string(state.identityHeader),
             "tenants": .array(state.directory.allTenants.map { ["id": .string($0.id), "domains": JSON($0.seed.domains)] })]
        }
        var tlsConfig = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(state.certificates.serverCertificatePEM.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(state.certificates.serverKeyPEM.utf8), format: .pem)))
        tlsConfig.applicationProtocols = config.http2 ? ["h2", "http/1.1"] : ["http/1.1"]
        let tls = try NIOSSLContext(configuration: tlsConfig)
        do {
            let https = try await HTTPServer.start(app: app, host: config.bindHost, port: config.port, tls: tls, http2: config.http2,
                                                  listener: .https, group: group)
            let mi = try await HTTPServer.start(app: app, host: config.bindHost, port: config.managedIdentityPort, tls: nil, http2: false,
                                                listener: .managedIdentity, group: group)
            ports.set(https: https.port, mi: mi.port)
            return EmulatorServer(state: state, app: app, https: https, mi: mi, group: group)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    public func stop() async {
        await https.close()
        await mi.close()
        try? await group.shutdownGracefully()
    }

    /// The lines `--print-env` prints, as `export NAME=value` so `eval "$(…)"` exports them.
    public func environment() -> [(String, String)] {
        [
            ("M365_CONNECT_TO", "::127.0.0.1:\(port)"),
            ("M365_CA_BUNDLE", caBundlePath),
            ("IDENTITY_ENDPOINT", "http://127.0.0.1:\(managedIdentityPort)\(ManagedIdentityService.appServicePath)"),
            ("IDENTITY_HEADER", state.identityHeader),
            ("M365_IMDS_ENDPOINT", "http://127.0.0.1:\(managedIdentityPort)\(ManagedIdentityService.imdsPath)"),
            ("M365_EMULATOR_PID", String(getpid())),
        ]
    }

    public var readyLine: String {
        "m365-emulator listening on https://127.0.0.1:\(port) (managed identity on http://127.0.0.1:\(managedIdentityPort))"
    }
}

/// The ports, known only after binding, for the admin `info` endpoint.
final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var _https = 0
    private var _mi = 0
    var https: Int { lock.lock(); defer { lock.unlock() }; return _https }
    var mi: Int { lock.lock(); defer { lock.unlock() }; return _mi }
    func set(https: Int, mi: Int) { lock.lock(); _https = https; _mi = mi; lock.unlock() }
}
