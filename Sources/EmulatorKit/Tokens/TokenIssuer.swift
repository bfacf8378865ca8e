import Crypto
import Foundation
import JSONModel
import TextEncodings

/// Who a token is for.
public enum TokenSubject: Sendable {
    case user(SeedUser)
    /// App-only: the client's service principal object id.
    case app(servicePrincipalId: String)
    case managedIdentity(SeedManagedIdentity)
}

/// Everything needed to mint one token response.
public struct TokenGrant: Sendable {
    public var tenant: Tenant
    public var clientId: String
    public var clientDisplayName: String
    public var subject: TokenSubject
    /// "0" public client, "1" client secret, "2" certificate or federated assertion.
    public var appidacr: String
    public var selection: ScopeSelection
    public var roles: [String]
    /// 1 for the v1 endpoints (`resource`, string numbers), 2 for v2.
    public var version: Int
    public var loginHost: String
    public var wantClientInfo: Bool
    public var clientNonce: String?
}

/// Mints access tokens (always v1-format, as Graph and SharePoint get them), id tokens and
/// refresh tokens, and builds the token endpoint's success body.
public struct TokenIssuer: Sendable {
    let key: SigningKey
    let grants: GrantStore
    let accessTokenLifetime: TimeInterval

    public func accessToken(_ g: TokenGrant, now: Date = Date()) throws -> (token: String, expiresOn: Int) {
        let iat = Int(now.timeIntervalSince1970)
        let exp = iat + Int(accessTokenLifetime)
        var c: [(String, JSON)] = [
            ("aud", .string(g.selection.resource.audience)),
            ("iss", .string(g.tenant.cloud.v1Issuer(tenantId: g.tenant.id))),
            ("iat", JSON(iat)), ("nbf", JSON(iat)), ("exp", JSON(exp)),
        ]
        switch g.subject {
        case let .user(u):
            c += [
                ("acr", "1"), ("aio", .string(Util.randomToken(bytes: 24))), ("amr", ["pwd"]),
                ("app_displayname", .string(g.clientDisplayName)), ("appid", .string(g.clientId)),
                ("appidacr", .string(g.appidacr)),
            ]
            if let f = u.surname { c.append(("family_name", .string(f))) }
            if let gn = u.givenName { c.append(("given_name", .string(gn))) }
            c += [
                ("idtyp", "user"), ("ipaddr", "127.0.0.1"), ("name", .string(u.displayName)), ("oid", .string(u.id)),
                ("rh", .string(Util.randomToken(bytes: 16))), ("scp", .string(g.selection.scopes.joined(separator: " "))),
                ("sub", .string(TokenIssuer.pairwiseSubject(u.id, g.clientId))), ("tid", .string(g.tenant.id)),
                ("unique_name", .string(u.userPrincipalName)), ("upn", .string(u.userPrincipalName)),
                ("uti", .string(Util.randomToken(bytes: 16))), ("ver", "1.0"),
            ]
            if let roles = u.directoryRoles, !roles.isEmpty { c.append(("wids", JSON(roles))) }
        case let .app(spId):
            c += appOnlyClaims(g, oid: spId)
        case let .managedIdentity(mi):
            c += appOnlyClaims(g, oid: mi.principalId)
            c.append(("xms_mirid", .string(mi.resourceId ?? "")))
        }
        return (try key.sign(claims: .object(JSONObject(c))), exp)
    }

    private func appOnlyClaims(_ g: TokenGrant, oid: String) -> [(String, JSON)] {
        var c: [(String, JSON)] = [
            ("aio", .string(Util.randomToken(bytes: 24))), ("app_displayname", .string(g.clientDisplayName)),
            ("appid", .string(g.clientId)), ("appidacr", .string(g.appidacr)),
            ("idp", .string(g.tenant.cloud.v1Issuer(tenantId: g.tenant.id))), ("idtyp", "app"), ("oid", .string(oid)),
            ("rh", .string(Util.randomToken(bytes: 16))),
        ]
        if !g.roles.isEmpty { c.append(("roles", JSON(g.roles))) }
        c += [("sub", .string(oid)), ("tid", .string(g.tenant.id)), ("uti", .string(Util.randomToken(bytes: 16))), ("ver", "1.0")]
        return c
    }

    /// Entra's `sub` is pairwise: stable per user and app, different across apps.
    static func pairwiseSubject(_ oid: String, _ appId: String) -> String {
        String(Base64URL.encode(SHA256.hash(data: Array((oid + "|" + appId).utf8))).prefix(43))
    }

    func idToken(_ g: TokenGrant, user: SeedUser, now: Date) throws -> String {
        let iat = Int(now.timeIntervalSince1970)
        if g.version == 1 {
            // v1 id_tokens are unsigned (alg "none").
            return JWT.unsigned(claims: [
                "aud": .string(g.clientId), "iss": .string(g.tenant.cloud.v1Issuer(tenantId: g.tenant.id)),
                "iat": JSON(iat), "nbf": JSON(iat), "exp": JSON(iat + 3600), "amr": ["pwd"],
                "family_name": JSON(user.surname), "given_name": JSON(user.givenName), "name": .string(user.displayName),
                "oid": .string(user.id), "sub": .string(TokenIssuer.pairwiseSubject(user.id, g.clientId)),
                "tid": .string(g.tenant.id), "unique_name": .string(user.userPrincipalName),
                "upn": .string(user.userPrincipalName), "ver": "1.0",
            ])
        }
        var c: [(String, JSON)] = [
            ("aud", .string(g.clientId)), ("iss", .string("https://\(g.loginHost)/\(g.tenant.id)/v2.0")),
            ("iat", JSON(iat)), ("nbf", JSON(iat)), ("exp", JSON(iat + 3600)),
        ]
        if let nonce = g.clientNonce { c.append(("nonce", .string(nonce))) }
        c += [
            ("name", .string(user.displayName)), ("oid", .string(user.id)),
            ("preferred_username", .string(user.userPrincipalName)), ("rh", .string(Util.randomToken(bytes: 16))),
            ("sub", .string(TokenIssuer.pairwiseSubject(user.id, g.clientId))), ("tid", .string(g.tenant.id)),
            ("uti", .string(Util.randomToken(bytes: 16))), ("ver", "2.0"),
        ]
        if g.selection.oidcScopes.contains("email"), let mail = user.mail { c.append(("email", .string(mail))) }
        return try key.sign(claims: .object(JSONObject(c)), version1: false)
    }

    /// The token endpoint's 200 body.
    public func response(_ g: TokenGrant, now: Date = Date()) throws -> JSON {
        let (access, expiresOn) = try accessToken(g, now: now)
        let lifetime = Int(accessTokenLifetime)
        var refresh: String?
        var idToken: String?
        if case let .user(u) = g.subject {
            // v2 returns a refresh token only for offline_access; v1 always does for user flows.
            if g.version == 1 || g.selection.oidcScopes.contains("offline_access") {
                refresh = grants.addRefreshToken(RefreshGrant(
                    tenantId: g.tenant.id, clientId: g.clientId, userId: u.id, resource: g.selection.resource.audience,
                    scopes: g.selection.scopes, oidcScopes: g.selection.oidcScopes, issuedAt: now, lastUsed: now,
                    redeemed: false, appidacr: g.appidacr))
            }
            if g.version == 1 || g.selection.oidcScopes.contains("openid") { idToken = try self.idToken(g, user: u, now: now) }
        }
        if g.version == 1 {
            let iat = Int(now.timeIntervalSince1970)
            var pairs: [(String, JSON)] = [("token_type", "Bearer")]
            if case .user = g.subject { pairs.append(("scope", .string(g.selection.scopes.joined(separator: " ")))) }
            pairs += [
                ("expires_in", .string(String(lifetime))), ("ext_expires_in", .string(String(lifetime))),
                ("expires_on", .string(String(expiresOn))), ("not_before", .string(String(iat))),
                ("resource", .string(g.selection.resource.audience)), ("access_token", .string(access)),
            ]
            if let refresh { pairs.append(("refresh_token", .string(refresh))) }
            if let idToken { pairs.append(("id_token", .string(idToken))) }
            return .object(JSONObject(pairs))
        }
        var pairs: [(String, JSON)] = [("token_type", "Bearer")]
        if case .user = g.subject { pairs.append(("scope", .string(g.selection.responseScope))) }
        pairs += [("expires_in", JSON(lifetime)), ("ext_expires_in", JSON(lifetime)), ("access_token", .string(access))]
        if let refresh { pairs.append(("refresh_token", .string(refresh))) }
        if let idToken { pairs.append(("id_token", .string(idToken))) }
        if g.wantClientInfo, case let .user(u) = g.subject {
            pairs.append(("client_info", .string(Base64URL.encode((["uid": .string(u.id), "utid": .string(g.tenant.id)] as JSON).serialized()))))
        }
        return .object(JSONObject(pairs))
    }
}
