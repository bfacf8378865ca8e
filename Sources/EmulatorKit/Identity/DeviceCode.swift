import Foundation
import JSONModel

/// `POST /{tenant}/oauth2/v2.0/devicecode` and v1 `/{tenant}/oauth2/devicecode`.
struct DeviceCodeEndpoint: Sendable {
    let state: EmulatorState

    func handle(_ req: EmulatorRequest, tenantSegment: String, version: Int) -> EmulatorResponse {
        AADError.respond(req) { try start(req, tenantSegment: tenantSegment, version: version) }
    }

    private func start(_ req: EmulatorRequest, tenantSegment: String, version: Int) throws -> JSON {
        let endpoint = TokenEndpoint(state: state)
        let (cloud, segment) = try endpoint.resolve(tenantSegment, req)
        let form = req.form
        guard let clientId = form["client_id"], !clientId.isEmpty else { throw AADError.missingParameter("client_id") }
        let (app, home) = try endpoint.findApp(clientId, segment: segment, segmentText: tenantSegment)
        let selection = try TokenEndpoint.selection(form: form, version: version, tenant: segment.tenant ?? home, app: app,
                                                    appOnly: false, required: true)!
        let userCode = Self.makeUserCode()
        let deviceCode = "DAQABIQEAAAD" + Util.randomToken(bytes: 120)
        let lifetime = Int(state.config.deviceCodeLifetime)
        let interval = state.config.deviceCodeInterval
        state.grants.addDeviceFlow(DeviceFlow(
            deviceCode: deviceCode, userCode: userCode, tenantId: segment.tenant?.id, clientId: app.appId,
            appDisplayName: app.displayName, resource: selection.resource.audience, scopes: selection.scopes,
            oidcScopes: selection.oidcScopes, version: version, expiresAt: Date().addingTimeInterval(Double(lifetime)),
            interval: interval, lastPoll: nil, state: .pending))
        let uri = cloud.deviceLoginURI
        let message = "To sign in, use a web browser to open the page \(uri) and enter the code \(userCode) to authenticate."
        if version == 1 {
            return ["user_code": .string(userCode), "device_code": .string(deviceCode), "verification_url": .string(uri),
                    "expires_in": .string(String(lifetime)), "interval": .string(String(interval)), "message": .string(message)]
        }
        return ["user_code": .string(userCode), "device_code": .string(deviceCode), "verification_uri": .string(uri),
                "expires_in": JSON(lifetime), "interval": JSON(interval), "message": .string(message)]
    }

    /// Nine characters without look-alikes (no 0/O, 1/I/L), like Entra's codes.
    static func makeUserCode() -> String {
        let alphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
        var rng = SystemRandomNumberGenerator()
        return String((0..<9).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
    }
}

/// Approving or declining a pending device flow, shared by the HTML page and the admin API.
struct DeviceApproval {
    let state: EmulatorState

    enum Failure: Error {
        case unknownCode, expired, alreadyUsed, unknownUser, wrongPassword, disabled, wrongTenant(String)

        var pageMessage: String {
            switch self {
            case .unknownCode: return "That code didn't work. Check the code and try again."
            case .expired: return "The code you entered has expired. Get a new code from the device you're trying to sign in to and try again."
            case .alreadyUsed: return "This code has already been used. Get a new code from the device you're trying to sign in to and try again."
            case .unknownUser: return "This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin."
            case .wrongPassword: return "Your account or password is incorrect. If you don't remember your password, reset it now."
            case .disabled: return "Your account has been locked. Contact your support person to unlock it, then try again."
            case let .wrongTenant(t): return "Selected user account does not exist in tenant '\(t)' and cannot access the application in that tenant."
            }
        }

        var code: String {
            switch self {
            case .unknownCode: return "unknown_user_code"
            case .expired: return "expired_token"
            case .alreadyUsed: return "already_used"
            case .unknownUser: return "unknown_user"
            case .wrongPassword: return "invalid_credentials"
            case .disabled: return "user_disabled"
            case .wrongTenant: return "wrong_tenant"
            }
        }
    }

    /// Approves as `username`; `password` nil skips the password check (admin API only).
    func approve(userCode: String, username: String, password: String?) -> Result<String, Failure> {
        guard let tenant = state.directory.tenant(forUPN: username), let user = tenant.user(upn: username) else {
            return .failure(.unknownUser)
        }
        if let password, password != user.password { return .failure(.wrongPassword) }
        if user.accountEnabled == false { return .failure(.disabled) }
        return state.grants.withDeviceFlow(userCode: userCode) { flow -> Result<String, Failure> in
            guard var f = flow else { return .failure(.unknownCode) }
            if f.redeemed || f.state != .pending { return .failure(.alreadyUsed) }
            if Date() > f.expiresAt { return .failure(.expired) }
            if let tid = f.tenantId, tid != tenant.id {
                let name = state.directory.tenant(idOrDomain: tid)?.displayName ?? tid
                return .failure(.wrongTenant(name))
            }
            if let (app, home) = state.directory.application(f.clientId), home.id != tenant.id,
               app.seed.signInAudience?.hasPrefix("AzureADMultiple") != true {
                return .failure(.wrongTenant(home.displayName))
            }
            f.state = .approved(tenantId: tenant.id, userId: user.id)
            flow = f
            return .success(f.appDisplayName)
        }
    }

    func decline(userCode: String) -> Result<String, Failure> {
        state.grants.withDeviceFlow(userCode: userCode) { flow -> Result<String, Failure> in
            guard var f = flow else { return .failure(.unknownCode) }
            if f.redeemed || f.state != .pending { return .failure(.alreadyUsed) }
            if Date() > f.expiresAt { return .failure(.expired) }
            f.state = .declined
            flow = f
            return .success(f.appDisplayName)
        }
    }
}

/// The verification page a user opens (https://microsoft.com/devicelogin): one plain HTML
/// form with the code, user name and password, and Approve / Decline buttons.
struct DeviceLoginPage: Sendable {
    let state: EmulatorState

    func form(_ req: EmulatorRequest, message: String? = nil, code: String = "", username: String = "") -> EmulatorResponse {
        let codeField = "<label for=\"otc\">Code</label> <input id=\"otc\" name=\"otc\" type=\"text\" value=\"\(Util.htmlEscape(code))\" autocomplete=\"off\"><br>"
        return Self.signInForm(title: "Enter code", intro: "Enter the code displayed on your app or device, then sign in.",
                               action: req.path, message: message, username: username, extraField: codeField)
    }

    /// The user name and password form of the emulator's sign-in pages (device login and
    /// authorize): Sign in approves, Cancel declines.
    static func signInForm(title: String, intro: String, action: String, message: String?, username: String, extraField: String = "") -> EmulatorResponse {
        let error = message.map { "<p id=\"error\" role=\"alert\" style=\"color:#a80000\">\(Util.htmlEscape($0))</p>" } ?? ""
        return .html("""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(Util.htmlEscape(title))</title></head>
            <body>
            <h1>\(Util.htmlEscape(title))</h1>
            <p>\(Util.htmlEscape(intro))</p>
            \(error)
            <form method="post" action="\(Util.htmlEscape(action))">
            \(extraField)
            <label for="login">Email, phone, or Skype</label> <input id="login" name="login" type="email" value="\(Util.htmlEscape(username))"><br>
            <label for="passwd">Password</label> <input id="passwd" name="passwd" type="password"><br>
            <button type="submit" name="action" value="approve">Sign in</button>
            <button type="submit" name="action" value="decline">Cancel</button>
            </form>
            </body></html>
            """)
    }

    func submit(_ req: EmulatorRequest) -> EmulatorResponse {
        let f = req.form
        let code = f["otc"] ?? f["user_code"] ?? ""
        let username = f["login"] ?? f["username"] ?? ""
        let approval = DeviceApproval(state: state)
        if (f["action"] ?? "approve").lowercased() == "decline" {
            switch approval.decline(userCode: code) {
            case .success:
                return result("You have declined to sign in", "You declined to sign in to the application on your device. You may now close this window.")
            case let .failure(e):
                return form(req, message: e.pageMessage, code: code, username: username)
            }
        }
        switch approval.approve(userCode: code, username: username, password: f["passwd"] ?? f["password"] ?? "") {
        case let .success(appName):
            return result("You're signed in", "You have signed in to the \(appName) application on your device. You may now close this window.")
        case let .failure(e):
            return form(req, message: e.pageMessage, code: code, username: username)
        }
    }

    private func result(_ title: String, _ text: String) -> EmulatorResponse {
        .html("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(Util.htmlEscape(title))</title></head><body><h1>\(Util.htmlEscape(title))</h1><p id=\"result\">\(Util.htmlEscape(text))</p></body></html>")
    }
}
