import Foundation
import NIOConcurrencyHelpers

/// What a refresh token stands for.
public struct RefreshGrant: Sendable {
    public let tenantId: String
    public let clientId: String
    public let userId: String
    /// The resource identifier and delegated scopes of the original request, reused when a
    /// refresh names no scope/resource.
    public let resource: String
    public let scopes: [String]
    public let oidcScopes: [String]
    public let issuedAt: Date
    public var lastUsed: Date
    public var redeemed: Bool
    /// How the client authenticated (appidacr) when the grant was made.
    public let appidacr: String
}

public struct DeviceFlow: Sendable {
    public enum State: Sendable, Equatable {
        case pending
        case approved(tenantId: String, userId: String)
        case declined
    }

    public let deviceCode: String
    public let userCode: String
    /// The tenant named in the URL; nil for `common`/`organizations` (the approving user decides).
    public let tenantId: String?
    public let clientId: String
    public let appDisplayName: String
    public let resource: String
    public let scopes: [String]
    public let oidcScopes: [String]
    public let version: Int
    public let expiresAt: Date
    public let interval: Int
    public var lastPoll: Date?
    public var state: State
    public var redeemed = false
}

/// An authorization code from the authorize endpoint: single use, ten minutes.
public struct AuthorizationCode: Sendable {
    public let tenantId: String
    public let clientId: String
    public let userId: String
    public let redirectURI: String
    public let resource: String
    public let scopes: [String]
    public let oidcScopes: [String]
    /// PKCE: the challenge and its method (`S256` or `plain`), when the client sent one.
    public let challenge: String?
    public let challengeMethod: String?
    public let expiresAt: Date
    public var redeemed = false
}

/// Device flows, authorization codes and refresh tokens: the mutable part of the identity platform.
public final class GrantStore: @unchecked Sendable {
    private let lock = NIOLock()
    private var authorizationCodes: [String: AuthorizationCode] = [:]
    private var refreshTokens: [String: RefreshGrant] = [:]
    private var deviceFlows: [String: DeviceFlow] = [:]  // by device code
    private var userCodes: [String: String] = [:]  // user code → device code

    public init() {}

    public func addRefreshToken(_ grant: RefreshGrant) -> String {
        // Looks like Entra's: an opaque string starting with "1.A".
        let token = "1.AXkA" + Util.randomToken(bytes: 96)
        lock.withLock { refreshTokens[token] = grant }
        return token
    }

    public func peekRefreshToken(_ token: String) -> RefreshGrant? { lock.withLock { refreshTokens[token] } }

    public enum RedeemResult {
        case ok(RefreshGrant)
        case unknown
        case reused(RefreshGrant)
        case expired(RefreshGrant)
    }

    /// Looks up a refresh token and, when `rotate` is set, marks it used so it can't be redeemed again.
    public func redeemRefreshToken(_ token: String, lifetime: TimeInterval, rotate: Bool, now: Date = Date()) -> RedeemResult {
        lock.withLock {
            guard var g = refreshTokens[token] else { return .unknown }
            if g.redeemed { return .reused(g) }
            if now.timeIntervalSince(g.lastUsed) > lifetime { return .expired(g) }
            if rotate { g.redeemed = true }
            g.lastUsed = now
            refreshTokens[token] = g
            return .ok(g)
        }
    }

    public func addAuthorizationCode(_ grant: AuthorizationCode) -> String {
        let code = "1.AXkA" + Util.randomToken(bytes: 64)
        // Codes an hour past their expiry are forgotten (until then a reuse still reads as
        // expired, not unknown), so a long-running emulator does not keep every code.
        let forgetBefore = Date().addingTimeInterval(-3600)
        lock.withLock {
            authorizationCodes = authorizationCodes.filter { $0.value.expiresAt > forgetBefore }
            authorizationCodes[code] = grant
        }
        return code
    }

    /// Runs `body` on the authorization code, saving its changes (marking it redeemed).
    public func withAuthorizationCode<T>(_ code: String, _ body: (inout AuthorizationCode?) -> T) -> T {
        lock.withLock {
            var grant = authorizationCodes[code]
            let result = body(&grant)
            authorizationCodes[code] = grant
            return result
        }
    }

    public var allDeviceFlows: [DeviceFlow] { lock.withLock { Array(deviceFlows.values) } }

    public func addDeviceFlow(_ flow: DeviceFlow) {
        lock.withLock {
            deviceFlows[flow.deviceCode] = flow
            userCodes[flow.userCode.uppercased()] = flow.deviceCode
        }
    }

    /// Runs `body` on the device flow with this device code, saving its changes.
    public func withDeviceFlow<T>(deviceCode: String, _ body: (inout DeviceFlow?) -> T) -> T {
        lock.withLock {
            var flow = deviceFlows[deviceCode]
            let result = body(&flow)
            deviceFlows[deviceCode] = flow
            return result
        }
    }

    public func withDeviceFlow<T>(userCode: String, _ body: (inout DeviceFlow?) -> T) -> T {
        let code = userCode.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "-", with: "").uppercased()
        guard let deviceCode = lock.withLock({ userCodes[code] }) else {
            var none: DeviceFlow? = nil
            return body(&none)
        }
        return withDeviceFlow(deviceCode: deviceCode, body)
    }
}
