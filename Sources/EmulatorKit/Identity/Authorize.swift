import Foundation
import JSONModel
import NIOHTTP1

/// `GET /{tenant}/oauth2/v2.0/authorize` (and the v1 `/{tenant}/oauth2/authorize`, which takes
/// `resource`): the browser's sign-in page of the authorization code grant. A POST of the page's
/// form (user name, password) to the same address answers 302 to the app's redirect URI with
/// `code` and `state`, or with `error=access_denied` when the user cancels.
///
/// Checked as Entra checks them: the tenant and the app (an error page, no redirect), the
/// redirect URI against the app's public-client URIs (AADSTS50011; for `http://localhost` any
/// port matches), then `response_type=code`, the scope or resource and the PKCE method (errors
/// go back to the app on the redirect).
struct AuthorizeEndpoint: Sendable {
    let state: EmulatorState
    static let codeLifetime: TimeInterval = 600

    func handle(_ req: EmulatorRequest, tenantSegment: String, version: Int) -> EmulatorResponse {
        let endpoint = TokenEndpoint(state: state)
        let q = req.query
        let app: Application
        let home: Tenant
        let segment: TenantSegment
        do {
            (_, segment) = try endpoint.resolve(tenantSegment, req)
            guard let clientId = q["client_id"], !clientId.isEmpty else { throw AADError.missingParameter("client_id") }
            (app, home) = try endpoint.findApp(clientId, segment: segment, segmentText: tenantSegment)
        } catch let error as AADError {
            return errorPage(error)
        } catch {
            return errorPage(AADError(.internalServerError, "server_error", 50000, "\(error)"))
        }
        guard let redirect = q["redirect_uri"], Self.isRegistered(redirect, in: app.seed.publicClientRedirectUris) else {
            return errorPage(AADError(.badRequest, "invalid_request", 50011,
                                      "The redirect URI '\(q["redirect_uri"] ?? "")' specified in the request does not match the redirect URIs configured for the application '\(app.appId)'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this."))
        }
        let back = { (error: String, code: Int, message: String) -> EmulatorResponse in
            Self.redirect(redirect, [("error", error), ("error_description", "AADSTS\(code): \(message)"), ("state", q["state"] ?? "")])
        }
        guard q["response_type"] == "code" else {
            return back("unsupported_response_type", 700054, "response_type '\(q["response_type"] ?? "")' is not enabled for the application.")
        }
        if let method = q["code_challenge_method"], !["S256", "plain"].contains(method) {
            return back("invalid_request", 501491, "Invalid code_challenge_method '\(method)'.")
        }
        let selection: ScopeSelection
        do {
            selection = try TokenEndpoint.selection(form: q, version: version, tenant: segment.tenant ?? home, app: app, appOnly: false, required: true)!
        } catch let error as AADError {
            return back(error.error, error.code, error.message)
        } catch {
            return back("server_error", 50000, "\(error)")
        }
        guard req.method == .POST else { return form(req, app: app) }

        let f = req.form
        if (f["action"] ?? "approve").lowercased() == "decline" {
            return back("access_denied", 65004, "User declined to consent to access the app.")
        }
        let username = f["login"] ?? f["username"] ?? ""
        guard let tenant = state.directory.tenant(forUPN: username), let user = tenant.user(upn: username) else {
            return form(req, app: app, message: DeviceApproval.Failure.unknownUser.pageMessage, username: username)
        }
        guard user.password == (f["passwd"] ?? f["password"] ?? "") else {
            return form(req, app: app, message: DeviceApproval.Failure.wrongPassword.pageMessage, username: username)
        }
        if user.accountEnabled == false { return form(req, app: app, message: DeviceApproval.Failure.disabled.pageMessage, username: username) }
        // A user of another tenant is refused where the URL names a tenant, and by a single-tenant
        // app whatever the URL says (/common included): Entra's AADSTS50020.
        if let required = segment.tenant, required.id != tenant.id {
            return form(req, app: app, message: DeviceApproval.Failure.wrongTenant(required.displayName).pageMessage, username: username)
        }
        if home.id != tenant.id && app.seed.signInAudience?.hasPrefix("AzureADMultiple") != true {
            return form(req, app: app, message: DeviceApproval.Failure.wrongTenant(home.displayName).pageMessage, username: username)
        }
        guard let resource = tenant.resolveResource(selection.resource.audience) else {
            return back("invalid_resource", 500011, "The resource principal named \(selection.resource.audience) was not found in the tenant named \(tenant.displayName).")
        }
        let code = state.grants.addAuthorizationCode(AuthorizationCode(
            tenantId: tenant.id, clientId: app.appId, userId: user.id, redirectURI: redirect, resource: resource.audience,
            scopes: selection.scopes, oidcScopes: selection.oidcScopes, challenge: q["code_challenge"],
            challengeMethod: q["code_challenge"] == nil ? nil : q["code_challenge_method"] ?? "plain",
            expiresAt: Date().addingTimeInterval(Self.codeLifetime)))
        var answer = [("code", code)]
        if let state = q["state"] { answer.append(("state", state)) }
        answer.append(("session_state", Util.newGUID()))
        return Self.redirect(redirect, answer)
    }

    /// Entra's rule: the URI as registered, except that a loopback address may name any port.
    static func isRegistered(_ uri: String, in registered: [String]) -> Bool {
        if registered.contains(uri) { return true }
        guard let url = URLComponents(string: uri), url.scheme == "http", ["localhost", "127.0.0.1"].contains(url.host ?? "") else { return false }
        var portless = url
        portless.port = nil
        return portless.string.map { registered.contains($0) } ?? false
    }

    static func redirect(_ uri: String, _ parameters: [(String, String)]) -> EmulatorResponse {
        let location = uri + (uri.contains("?") ? "&" : "?") + FormEncoding.encode(parameters)
        return EmulatorResponse(status: .found, headers: ["Location": location, "Cache-Control": "no-store"])
    }

    private func errorPage(_ error: AADError) -> EmulatorResponse {
        .html("""
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign in to your account</title></head>
            <body><h1>Sign in</h1><p id="error" role="alert">AADSTS\(error.code): \(Util.htmlEscape(error.message))</p></body></html>
            """, status: error.status)
    }

    private func form(_ req: EmulatorRequest, app: Application, message: String? = nil, username: String = "") -> EmulatorResponse {
        DeviceLoginPage.signInForm(title: "Sign in to your account", intro: "Sign in to continue to \(app.displayName).",
                                   action: req.target, message: message, username: username)
    }
}
