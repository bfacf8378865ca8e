import Credentials
import JSONModel
import TextEncodings

/// What a token endpoint (or a managed identity endpoint) gave back.
public struct TokenSet: Sendable {
    public var accessToken: String
    public var refreshToken: String?
    /// Unix seconds.
    public var expiresOn: Int

    /// Reads a token response: v2 numbers, or v1 / managed identity strings.
    init(_ json: JSON, now: Int) throws(SignInError) {
        guard let access = json["access_token"]?.stringValue, !access.isEmpty else {
            throw SignInError("The token endpoint answered without an access token")
        }
        accessToken = access
        refreshToken = json["refresh_token"]?.stringValue
        func number(_ key: String) -> Int? {
            if let value = json[key]?.intValue { return value }
            return json[key]?.stringValue.flatMap { Int($0) }
        }
        if let expiresIn = number("expires_in") {
            expiresOn = now + expiresIn
        } else if let on = number("expires_on") {
            expiresOn = on
        } else {
            expiresOn = now + 3600
        }
    }
}

/// The claims of an access token that name who signed in. Tokens are not verified here (the
/// service does that); we only read them to show the identity.
public struct TokenClaims: Sendable {
    public var json: JSON

    public init?(accessToken: String) {
        let parts = accessToken.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Base64URL.decode(String(parts[1])),
              let json = try? JSON.parse(bytes: payload), json.objectValue != nil else { return nil }
        self.json = json
    }

    public var tenantId: String? { json["tid"]?.stringValue }
    public var objectId: String? { json["oid"]?.stringValue }
    public var isAppOnly: Bool { json["scp"] == nil && json["idtyp"]?.stringValue != "user" && userName == nil }
    public var userName: String? {
        json["upn"]?.stringValue ?? json["unique_name"]?.stringValue ?? json["preferred_username"]?.stringValue
    }
    /// The name `status` shows: the user, else the app's name, else its id.
    public var identityName: String {
        userName ?? json["app_displayname"]?.stringValue ?? json["appid"]?.stringValue ?? json["azp"]?.stringValue ?? "unknown"
    }
}

/// An Entra error body (`error`, `error_description` starting with the AADSTS code) turned into
/// one line with advice.
func signInError(status: Int, body: [UInt8], what: String) -> SignInError {
    guard let json = try? JSON.parse(bytes: body), let code = json["error"]?.stringValue else {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        let kind = text.lowercased().contains("<html") ? "an HTML page" : "an unexpected answer"
        return SignInError("\(what) failed: the server answered HTTP \(status) with \(kind)")
    }
    let description = json["error_description"]?.stringValue ?? code
    let firstLine = description.split(whereSeparator: \.isNewline).first.map(String.init) ?? description
    let codes = json["error_codes"]?.arrayValue?.compactMap(\.intValue) ?? []
    var message = "\(what) failed: \(firstLine)"
    var kind = SignInError.Kind.failed
    if codes.contains(700016) {
        message += " Check the app id (--appId, the clientId setting or CLIMICROSOFT365_ENTRAAPPID)."
    } else if codes.contains(90002) {
        message += " Check the tenant (--tenant, the tenantId setting or CLIMICROSOFT365_TENANT)."
    } else if code == "invalid_grant" && what.hasPrefix("Refreshing") {
        message = "Your sign-in has expired or was revoked (\(firstLine)). Run 'm365 login' again."
        kind = .authRequired
    }
    return SignInError(message, kind: kind)
}
