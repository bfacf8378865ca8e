import Foundation
import JSONModel
import _CryptoExtras
import TextEncodings

/// Checks how a client proved its identity at the token endpoint and returns the `appidacr`
/// value: "0" public client, "1" client secret, "2" certificate or federated assertion.
struct ClientAuthentication {
    let state: EmulatorState

    enum Presented {
        case none
        case secret(String)
        case assertion(type: String, jwt: String)
    }

    static func presented(form: [String: String], request: EmulatorRequest) -> Presented {
        if let jwt = form["client_assertion"] { return .assertion(type: form["client_assertion_type"] ?? "", jwt: jwt) }
        if let s = form["client_secret"] { return .secret(s) }
        if let (_, secret) = basicCredentials(request) { return .secret(secret) }
        return .none
    }

    /// HTTP Basic client authentication (client_id:client_secret, each form-url-encoded).
    static func basicCredentials(_ request: EmulatorRequest) -> (String, String)? {
        guard let h = request.header("Authorization"), h.lowercased().hasPrefix("basic "),
              let data = Data(base64Encoded: String(h.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (FormEncoding.percentDecode(String(text[..<colon])), FormEncoding.percentDecode(String(text[text.index(after: colon)...])))
    }

    /// - Parameters:
    ///   - appOnly: client_credentials (a credential is mandatory).
    ///   - tokenEndpointAudiences: the `aud` values an assertion may carry.
    func authenticate(app: Application, presented: Presented, appOnly: Bool, tenant: Tenant,
                      tokenEndpointAudiences: Set<String>) throws -> String {
        switch presented {
        case .none:
            if appOnly { throw AADError.clientCredentialsRequired }
            if app.isPublicClient { return "0" }
            throw AADError.credentialRequired
        case let .secret(value):
            if app.isPublicClient && !app.hasCredentials && !appOnly { throw AADError.publicClientWithSecret }
            let secrets = app.seed.secrets ?? []
            guard let match = secrets.first(where: { $0.value == value }) else { throw AADError.invalidSecret(app.appId) }
            if let end = match.endDateTime.flatMap(Util.parseISO8601), end < Date() { throw AADError.expiredSecret(app.appId) }
            return "1"
        case let .assertion(type, jwt):
            if app.isPublicClient && !app.hasCredentials && !appOnly { throw AADError.publicClientWithSecret }
            guard type == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" else {
                throw AADError(.badRequest, "invalid_request", 50027,
                               "Invalid client_assertion_type '\(type)'; expected 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.")
            }
            try ClientAssertionVerifier(state: state).verify(jwt, app: app, tenant: tenant, audiences: tokenEndpointAudiences)
            return "2"
        }
    }
}

/// Verifies client assertions: certificate-signed (iss = sub = client_id, x5t or x5t#S256
/// naming a registered certificate) or federated (an external issuer matching a federated credential).
struct ClientAssertionVerifier {
    let state: EmulatorState
    static let skew: TimeInterval = 300

    func verify(_ compact: String, app: Application, tenant: Tenant, audiences: Set<String>) throws {
        guard let jwt = try? JWT(compact: compact) else {
            throw AADError(.badRequest, "invalid_request", 50027, "JWT token is invalid or malformed.")
        }
        let iss = jwt.claim("iss") ?? ""
        if iss.caseInsensitiveCompare(app.appId) == .orderedSame {
            try verifyCertificateAssertion(jwt, app: app, audiences: audiences)
        } else {
            try verifyFederatedAssertion(jwt, app: app)
        }
    }

    private func checkLifetime(_ jwt: JWT) throws {
        let now = Date().timeIntervalSince1970
        guard let exp = jwt.numericClaim("exp") else {
            throw AADError.assertion(700024, "Client assertion is not within its valid time range. The assertion has no 'exp' claim.")
        }
        let nbf = jwt.numericClaim("nbf") ?? jwt.numericClaim("iat") ?? 0
        if exp + Self.skew < now || nbf - Self.skew > now {
            throw AADError.assertion(700024,
                "Client assertion is not within its valid time range. Current time: \(Util.iso8601(Date())), assertion valid from \(Util.iso8601(Date(timeIntervalSince1970: nbf))), expiry time of assertion \(Util.iso8601(Date(timeIntervalSince1970: exp))). Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .")
        }
    }

    private func verifyCertificateAssertion(_ jwt: JWT, app: Application, audiences: Set<String>) throws {
        guard jwt.claim("sub")?.caseInsensitiveCompare(app.appId) == .orderedSame else {
            throw AADError.assertion(700021, "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://aka.ms/certCreds .")
        }
        let s256 = jwt.header["x5t#S256"]?.stringValue.flatMap(Base64URL.decode)
        let s1 = jwt.header["x5t"]?.stringValue.flatMap(Base64URL.decode)
        let presentedThumbprint = (s256 ?? s1 ?? []).map { String(format: "%02X", $0) }.joined()
        let cert = app.certificates.first { c in
            (s256 != nil && c.sha256Thumbprint == s256!) || (s256 == nil && s1 != nil && c.sha1Thumbprint == s1!)
        }
        guard let cert else {
            throw AADError.assertion(700027,
                "Client assertion failed signature validation. (Reason - The key was not found., Thumbprint of key used by client: '\(presentedThumbprint)', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '\(app.appId)'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments if you're not using the public cloud.)")
        }
        guard jwt.verify(with: cert.publicKey) else {
            throw AADError.assertion(700027, "Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '\(presentedThumbprint)']")
        }
        if cert.notAfter < Date() {
            throw AADError.assertion(700027, "Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '\(presentedThumbprint)']")
        }
        let aud = jwt.audiences
        guard aud.contains(where: { a in audiences.contains(where: { $0.caseInsensitiveCompare(a) == .orderedSame }) }) else {
            throw AADError.assertion(700021, "Client assertion audience claim does not match Realm issuer. Review the documentation at https://aka.ms/certCreds .")
        }
        try checkLifetime(jwt)
    }

    private func verifyFederatedAssertion(_ jwt: JWT, app: Application) throws {
        let iss = jwt.claim("iss") ?? ""
        let sub = jwt.claim("sub") ?? ""
        let aud = jwt.audiences
        let creds = (app.seed.federatedCredentials ?? []).filter { $0.issuer == iss }
        guard !creds.isEmpty else {
            throw AADError.assertion(700211, "No matching federated identity record found for presented assertion issuer '\(iss)'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation")
        }
        guard let trusted = state.directory.federatedIssuers.first(where: { $0.issuer == iss }), signatureValid(jwt, issuer: trusted) else {
            throw AADError.assertion(50013, "Assertion failed signature validation. [Reason - The key was not found.]")
        }
        try checkLifetime(jwt)
        let subjectMatches = creds.filter { $0.subject == sub }
        guard !subjectMatches.isEmpty else {
            throw AADError.assertion(70021, "No matching federated identity record found for presented assertion. Assertion Issuer: '\(iss)'. Assertion Subject: '\(sub)'. Assertion Audience: '\(aud.joined(separator: ","))'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation")
        }
        let ok = subjectMatches.contains { c in
            let allowed = c.audiences ?? ["api://AzureADTokenExchange"]
            return aud.contains(where: allowed.contains)
        }
        guard ok else {
            throw AADError.assertion(700212, "No matching federated identity record found for presented assertion audience '\(aud.joined(separator: ","))'. Please note that the matching is done using a case-sensitive comparison. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation")
        }
    }

    private func signatureValid(_ jwt: JWT, issuer: SeedFederatedIssuer) -> Bool {
        guard let pems = issuer.publicKeysPEM, !pems.isEmpty else {
            return jwt.kid == state.signingKey.kid && jwt.verify(with: state.signingKey.publicKey)
        }
        for pem in pems {
            if pem.contains("CERTIFICATE"), let c = try? Directory.parseCertificate(SeedCertificate(pem: pem)), jwt.verify(with: c.publicKey) {
                return true
            }
            if let key = try? _RSA.Signing.PublicKey(pemRepresentation: pem), jwt.verify(with: key) { return true }
        }
        return false
    }
}
