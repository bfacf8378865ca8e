import Foundation
import JSONModel
import NIOConcurrencyHelpers

/// A bearer token that passed signature, audience and lifetime checks.
public struct ValidatedToken: Sendable {
    public let claims: JSON
    public var tenantId: String { claims["tid"]?.stringValue ?? "" }
    public var objectId: String { claims["oid"]?.stringValue ?? "" }
    public var appId: String { claims["appid"]?.stringValue ?? claims["azp"]?.stringValue ?? "" }
    public var appidacr: String { claims["appidacr"]?.stringValue ?? claims["azpacr"]?.stringValue ?? "" }
    public var isAppOnly: Bool { claims["idtyp"]?.stringValue == "app" || claims["scp"] == nil }
    public var scopes: [String] { (claims["scp"]?.stringValue ?? "").split(separator: " ").map(String.init) }
    public var roles: [String] { claims["roles"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
    public var audience: String { claims["aud"]?.stringValue ?? "" }
}

public enum BearerFailure: Error, Equatable {
    case missing
    case malformed
    case badSignature
    case expired
    case notYetValid
    case wrongAudience(String)
}

/// Validates the emulator's own tokens for the resource hosts. Signature checks are cached by
/// token string so a client reusing one token costs a dictionary lookup per request.
public final class BearerValidator: @unchecked Sendable {
    private let key: SigningKey
    private let lock = NIOLock()
    private var verified: [String: JSON] = [:]
    private static let cacheLimit = 20_000

    init(key: SigningKey) { self.key = key }

    public func validate(authorization: String?, audiences: Set<String>, now: Date = Date()) -> Result<ValidatedToken, BearerFailure> {
        guard let authorization, authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else {
            return .failure(.missing)
        }
        let token = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        if token.isEmpty { return .failure(.missing) }
        var claims = lock.withLock { verified[token] }
        if claims == nil {
            guard let jwt = try? JWT(compact: token) else { return .failure(.malformed) }
            guard jwt.kid == key.kid, jwt.alg == "RS256", jwt.verify(with: key.publicKey) else { return .failure(.badSignature) }
            claims = jwt.claims
            lock.withLock {
                if verified.count >= Self.cacheLimit { verified.removeAll(keepingCapacity: true) }
                verified[token] = jwt.claims
            }
        }
        let c = ValidatedToken(claims: claims!)
        let t = now.timeIntervalSince1970
        if let exp = c.claims["exp"]?.numberValue, exp <= t { return .failure(.expired) }
        if let nbf = c.claims["nbf"]?.numberValue, nbf > t + 300 { return .failure(.notYetValid) }
        let aud = c.audience
        guard audiences.contains(where: { $0.caseInsensitiveCompare(aud) == .orderedSame }) else { return .failure(.wrongAudience(aud)) }
        return .success(c)
    }
}
