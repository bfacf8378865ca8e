import Crypto
import Foundation
import JSONModel
import NIOHTTP1
import TextEncodings

/// `POST /{tenant}/oauth2/v2.0/token` and the v1 `/{tenant}/oauth2/token`.
struct TokenEndpoint: Sendable {
    let state: EmulatorState

    static let deviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code"

    func handle(_ req: EmulatorRequest, tenantSegment: String, version: Int) -> EmulatorResponse {
        AADError.respond(req, serverErrorPrefix: "There was an error issuing a token. ") {
            try token(req, tenantSegment: tenantSegment, version: version)
        }
    }

    /// The cloud of the login host and the `{tenant}` path segment, which must name a known
    /// tenant (or common/organizations/consumers): the first check of every OAuth endpoint.
    func resolve(_ tenantSegment: String, _ req: EmulatorRequest) throws -> (EmulatedCloud, TenantSegment) {
        let cloud = ServiceHost.identityHosts[req.host] ?? .global
        guard let segment = TenantSegment.resolve(tenantSegment, directory: state.directory) else {
            throw AADError.tenantNotFound(tenantSegment, cloud: cloud)
        }
        return (cloud, segment)
    }

    private func token(_ req: EmulatorRequest, tenantSegment: String, version: Int) throws -> JSON {
        let (cloud, segment) = try resolve(tenantSegment, req)
        let form = req.form
        guard let grantType = form["grant_type"], !grantType.isEmpty else { throw AADError.missingParameter("grant_type") }
        guard let clientId = form["client_id"] ?? ClientAuthentication.basicCredentials(req)?.0, !clientId.isEmpty else {
            throw AADError.missingParameter("client_id")
        }
        let (app, homeTenant) = try findApp(clientId, segment: segment, segmentText: tenantSegment)
        let presented = ClientAuthentication.presented(form: form, request: req)
        let context = RequestContext(req: req, form: form, segment: segment, segmentText: tenantSegment, app: app,
                                     homeTenant: homeTenant, presented: presented, version: version, cloud: cloud)
        switch grantType {
        case "password": return try password(context)
        case "refresh_token": return try refresh(context)
        case "client_credentials": return try clientCredentials(context)
        case Self.deviceCodeGrant, "device_code": return try deviceCode(context)
        case "authorization_code": return try authorizationCode(context)
        default: throw AADError.unsupportedGrant(grantType)
        }
    }

    struct RequestContext {
        let req: EmulatorRequest
        let form: [String: String]
        let segment: TenantSegment
        let segmentText: String
        let app: Application
        let homeTenant: Tenant
        let presented: ClientAuthentication.Presented
        let version: Int
        let cloud: EmulatedCloud
    }

    func findApp(_ clientId: String, segment: TenantSegment, segmentText: String) throws -> (Application, Tenant) {
        if let t = segment.tenant {
            if let a = t.applications[clientId.lowercased()] { return (a, t) }
            if let (a, home) = state.directory.application(clientId), a.seed.signInAudience?.hasPrefix("AzureADMultiple") == true {
                return (a, home)
            }
            throw AADError.appNotFound(clientId, directory: segmentText)
        }
        if case .consumers = segment { throw AADError.appNotFound(clientId, directory: segmentText) }
        guard let found = state.directory.application(clientId) else { throw AADError.appNotFound(clientId, directory: segmentText) }
        return found
    }

    /// Single-tenant apps sign in only users of their home tenant.
    func ensureUsable(_ app: Application, home: Tenant, in tenant: Tenant) throws {
        if home.id != tenant.id && app.seed.signInAudience?.hasPrefix("AzureADMultiple") != true {
            throw AADError.appNotFound(app.appId, directory: tenant.initialDomain)
        }
    }

    /// Every `aud` a client assertion may carry for this request.
    func assertionAudiences(_ c: RequestContext, tenant: Tenant) -> Set<String> {
        var out: Set<String> = []
        let hosts = Set([c.req.host, tenant.cloud.loginHost, "login.microsoftonline.com"])
        let names = Set([c.segmentText, tenant.id] + tenant.seed.domains)
        for h in hosts {
            for n in names {
                out.insert("https://\(h)/\(n)/oauth2/v2.0/token")
                out.insert("https://\(h)/\(n)/oauth2/token")
                out.insert("https://\(h)/\(n)/v2.0")
                out.insert("https://\(h)/\(n)/")
            }
        }
        return out
    }

    func authenticate(_ c: RequestContext, tenant: Tenant, appOnly: Bool) throws -> String {
        try ClientAuthentication(state: state).authenticate(app: c.app, presented: c.presented, appOnly: appOnly, tenant: tenant,
                                                            tokenEndpointAudiences: assertionAudiences(c, tenant: tenant))
    }

    /// The requested resource and permissions (v2 `scope`, v1 `resource`).
    func selection(_ c: RequestContext, tenant: Tenant, appOnly: Bool, required: Bool = true) throws -> ScopeSelection? {
        try Self.selection(form: c.form, version: c.version, tenant: tenant, app: c.app, appOnly: appOnly, required: required)
    }

    /// The requested resource and permissions from a token or device-code form: v1 `resource`,
    /// v2 `scope`. Absent: nil, or a missing-parameter error when `required`.
    static func selection(form: [String: String], version: Int, tenant: Tenant, app: Application, appOnly: Bool,
                          required: Bool) throws -> ScopeSelection? {
        if version == 1 {
            guard let resource = form["resource"], !resource.isEmpty else {
                if required { throw AADError.missingParameter("resource") }
                return nil
            }
            var s = try ScopeSelection.v1(resource: resource, tenant: tenant, app: app).get()
            if appOnly { s.scopes = [] }
            return s
        }
        guard let scope = form["scope"], !scope.trimmingCharacters(in: .whitespaces).isEmpty else {
            if required { throw AADError.missingParameter("scope") }
            return nil
        }
        return try ScopeSelection.parse(scope: scope, tenant: tenant, app: app, appOnly: appOnly).get()
    }

    func grant(_ c: RequestContext, tenant: Tenant, subject: TokenSubject, appidacr: String, selection: ScopeSelection,
               roles: [String] = []) -> TokenGrant {
        TokenGrant(tenant: tenant, clientId: c.app.appId, clientDisplayName: c.app.displayName, subject: subject,
                   appidacr: appidacr, selection: selection, roles: roles, version: c.version, loginHost: c.req.host,
                   wantClientInfo: c.form["client_info"] == "1", clientNonce: nil)
    }

    // MARK: Grants

    private func password(_ c: RequestContext) throws -> JSON {
        switch c.segment {
        case .common, .consumers: throw AADError.ropcOnCommon
        default: break
        }
        guard let username = c.form["username"], !username.isEmpty else { throw AADError.missingParameter("username") }
        guard let password = c.form["password"] else { throw AADError.missingParameter("password") }
        let tenant: Tenant
        if let t = c.segment.tenant {
            tenant = t
        } else {
            guard let t = state.directory.tenant(forUPN: username) else {
                throw AADError.userNotFound(directory: String(username.split(separator: "@").last ?? ""))
            }
            tenant = t
        }
        try ensureUsable(c.app, home: c.homeTenant, in: tenant)
        let appidacr = try authenticate(c, tenant: tenant, appOnly: false)
        let selection = try self.selection(c, tenant: tenant, appOnly: false)!
        guard let user = tenant.user(upn: username) else { throw AADError.userNotFound(directory: tenant.initialDomain) }
        guard user.password == password else { throw AADError.badCredentials }
        if user.accountEnabled == false { throw AADError.userDisabled }
        if user.mfaRequired == true { throw AADError.mfaRequired(resource: selection.resource.appId) }
        return try state.issuer.response(grant(c, tenant: tenant, subject: .user(user), appidacr: appidacr, selection: selection))
    }

    private func refresh(_ c: RequestContext) throws -> JSON {
        guard let token = c.form["refresh_token"], !token.isEmpty else { throw AADError.missingParameter("refresh_token") }
        let provisionalTenant = c.segment.tenant ?? c.homeTenant
        let appidacr = try authenticate(c, tenant: provisionalTenant, appOnly: false)
        let rotate = !state.config.allowRefreshTokenReuse
        guard let peek = state.grants.peekRefreshToken(token) else { throw AADError.malformedGrant }
        guard peek.clientId.lowercased() == c.app.appId.lowercased() else { throw AADError.grantInvalid }
        if let t = c.segment.tenant, t.id != peek.tenantId { throw AADError.grantInvalid }
        guard let tenant = state.directory.tenant(idOrDomain: peek.tenantId), let user = tenant.user(id: peek.userId) else {
            throw AADError.grantInvalid
        }
        var selection: ScopeSelection
        if let s = try self.selection(c, tenant: tenant, appOnly: false, required: false) {
            selection = s
        } else {
            guard let resource = tenant.resolveResource(peek.resource) else { throw AADError.grantInvalid }
            selection = ScopeSelection(resource: resource, scopes: peek.scopes, oidcScopes: peek.oidcScopes, isDefault: false)
        }
        // A refresh always yields a new refresh token when the original grant had one.
        if peek.oidcScopes.contains("offline_access") && !selection.oidcScopes.contains("offline_access") {
            selection.oidcScopes.append("offline_access")
        }
        switch state.grants.redeemRefreshToken(token, lifetime: state.config.refreshTokenLifetime, rotate: rotate) {
        case .unknown: throw AADError.malformedGrant
        case let .reused(g): throw AADError.refreshTokenRevoked(issued: g.issuedAt)
        case let .expired(g): throw AADError.refreshTokenExpired(issued: g.issuedAt, inactive: Date().timeIntervalSince(g.lastUsed))
        case .ok: break
        }
        if user.accountEnabled == false { throw AADError.userDisabled }
        return try state.issuer.response(grant(c, tenant: tenant, subject: .user(user), appidacr: appidacr, selection: selection))
    }

    private func clientCredentials(_ c: RequestContext) throws -> JSON {
        guard let tenant = c.segment.tenant else { throw AADError.noTenantForAppOnly }
        try ensureUsable(c.app, home: c.homeTenant, in: tenant)
        let appidacr = try authenticate(c, tenant: tenant, appOnly: true)
        guard let sp = tenant.servicePrincipal(appId: c.app.appId) else {
            throw AADError.missingServicePrincipal(c.app.appId, tenant: tenant.id)
        }
        let selection = try self.selection(c, tenant: tenant, appOnly: true)!
        let published = Set(selection.resource.servicePrincipal.appRoles ?? [])
        let roles = c.app.grantedRoles(resourceAppId: selection.resource.appId).filter { published.isEmpty || published.contains($0) }
        return try state.issuer.response(grant(c, tenant: tenant, subject: .app(servicePrincipalId: sp.id), appidacr: appidacr,
                                               selection: selection, roles: roles))
    }

    private func deviceCode(_ c: RequestContext) throws -> JSON {
        let code = c.form["device_code"] ?? c.form["code"]
        guard let code, !code.isEmpty else { throw AADError.missingParameter(c.version == 1 ? "code" : "device_code") }
        let appidacr = try authenticate(c, tenant: c.segment.tenant ?? c.homeTenant, appOnly: false)
        let interval = state.config.deviceCodeInterval
        let now = Date()
        enum Outcome { case error(AADError), approved(DeviceFlow, String, String) }
        let outcome: Outcome = state.grants.withDeviceFlow(deviceCode: code) { flow in
            guard var f = flow, f.clientId.lowercased() == c.app.appId.lowercased(), !f.redeemed else {
                return .error(.grantInvalid)
            }
            defer { flow = f }
            if now > f.expiresAt { return .error(.deviceCodeExpired) }
            switch f.state {
            case .declined: return .error(.authorizationDeclined)
            case let .approved(tenantId, userId):
                f.redeemed = true
                return .approved(f, tenantId, userId)
            case .pending:
                // RFC 8628 slow_down: polled well inside the interval the client was given.
                let tooFast = f.lastPoll.map { now.timeIntervalSince($0) < Double(interval) / 2 } ?? false
                f.lastPoll = now
                return .error(tooFast ? .slowDown(interval: interval) : .authorizationPending)
            }
        }
        switch outcome {
        case let .error(e): throw e
        case let .approved(flow, tenantId, userId):
            guard let tenant = state.directory.tenant(idOrDomain: tenantId), let user = tenant.user(id: userId),
                  let resource = tenant.resolveResource(flow.resource)
            else { throw AADError.grantInvalid }
            let selection = ScopeSelection(resource: resource, scopes: flow.scopes, oidcScopes: flow.oidcScopes, isDefault: false)
            return try state.issuer.response(grant(c, tenant: tenant, subject: .user(user), appidacr: appidacr, selection: selection))
        }
    }

    /// The code from the authorize endpoint: once, within ten minutes, by the app it was given
    /// to, with the same redirect URI and (when the code has a challenge) the matching verifier.
    private func authorizationCode(_ c: RequestContext) throws -> JSON {
        guard let code = c.form["code"], !code.isEmpty else { throw AADError.missingParameter("code") }
        guard let redirect = c.form["redirect_uri"], !redirect.isEmpty else { throw AADError.missingParameter("redirect_uri") }
        let appidacr = try authenticate(c, tenant: c.segment.tenant ?? c.homeTenant, appOnly: false)
        let verifier = c.form["code_verifier"]
        let now = Date()
        let outcome: Result<AuthorizationCode, AADError> = state.grants.withAuthorizationCode(code) { stored in
            guard var grant = stored, grant.clientId.lowercased() == c.app.appId.lowercased() else { return .failure(.malformedGrant) }
            if grant.redeemed {
                return .failure(AADError(.badRequest, "invalid_grant", 54005,
                                         "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."))
            }
            if now > grant.expiresAt {
                return .failure(AADError(.badRequest, "invalid_grant", 70008,
                                         "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."))
            }
            if grant.redirectURI != redirect {
                return .failure(AADError(.badRequest, "invalid_grant", 500112,
                                         "The reply address '\(redirect)' does not match the reply address '\(grant.redirectURI)' provided when requesting Authorization code."))
            }
            if let challenge = grant.challenge {
                guard let verifier, !verifier.isEmpty else { return .failure(AADError.missingParameter("code_verifier")) }
                let computed = grant.challengeMethod == "S256" ? Base64URL.encode(SHA256.hash(data: Array(verifier.utf8))) : verifier
                if computed != challenge {
                    return .failure(AADError(.badRequest, "invalid_grant", 501481,
                                             "The Code_Verifier does not match the code_challenge supplied in the authorization request."))
                }
            }
            grant.redeemed = true
            stored = grant
            return .success(grant)
        }
        let grant = try outcome.get()
        guard let tenant = state.directory.tenant(idOrDomain: grant.tenantId), let user = tenant.user(id: grant.userId),
              let resource = tenant.resolveResource(grant.resource) else { throw AADError.grantInvalid }
        if user.accountEnabled == false { throw AADError.userDisabled }
        let selection = ScopeSelection(resource: resource, scopes: grant.scopes, oidcScopes: grant.oidcScopes, isDefault: false)
        return try state.issuer.response(self.grant(c, tenant: tenant, subject: .user(user), appidacr: appidacr, selection: selection))
    }
}
