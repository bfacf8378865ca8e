import EmulatorKit
import XCTest

final class ClientCredentialsTests: EmulatorTestCase {
    let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

    func testClientSecret() throws {
        let r = try clientSecretToken()
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertNil(r.json["refresh_token"])
        XCTAssertNil(r.json["scope"])
        let c = TestJWT.claims(r.json["access_token"] as! String)
        XCTAssertEqual(c["appid"] as? String, Fixtures.secretApp)
        XCTAssertEqual(c["appidacr"] as? String, "1")
        XCTAssertEqual(c["idtyp"] as? String, "app")
        XCTAssertEqual(c["oid"] as? String, "da811211-da8a-4089-9a2f-e8687124d765")
        XCTAssertEqual(Set(c["roles"] as? [String] ?? []), ["User.Read.All", "Group.Read.All", "Sites.Read.All"])
        XCTAssertNil(c["scp"])
        XCTAssertNil(c["upn"])
    }

    func testClientSecretWithBasicAuthAndV1() throws {
        let basic = Data("\(Fixtures.secretApp):\(Fixtures.secret)".utf8).base64EncodedString()
        let r = try curl(tokenURL, headers: ["Authorization": "Basic \(basic)"],
                         form: [("grant_type", "client_credentials"), ("scope", "https://graph.microsoft.com/.default")])
        XCTAssertEqual(r.status, 200, r.text)
        let v1 = try token([("grant_type", "client_credentials"), ("client_id", Fixtures.secretApp), ("client_secret", Fixtures.secret),
                            ("resource", "https://graph.microsoft.com")], url: "\(login)/\(Fixtures.tenantId)/oauth2/token")
        XCTAssertEqual(v1.status, 200, v1.text)
        XCTAssertEqual(v1.json["resource"] as? String, "https://graph.microsoft.com")
        XCTAssertEqual(v1.json["expires_in"] as? String, "3599")
    }

    func testClientSecretErrors() throws {
        func cc(_ extra: [(String, String)], client: String = Fixtures.secretApp, tenant: String = "contoso.onmicrosoft.com") throws -> HTTPResult {
            try token([("grant_type", "client_credentials"), ("client_id", client)] + extra, url: "\(login)/\(tenant)/oauth2/v2.0/token")
        }
        let scope = ("scope", "https://graph.microsoft.com/.default")
        let bad = assertAADError(try cc([("client_secret", "wrong"), scope]), status: 401, error: "invalid_client", code: 7000215)
        XCTAssertTrue((bad["error_description"] as? String ?? "").contains(Fixtures.secretApp))
        assertAADError(try cc([("client_secret", Fixtures.expiredSecret), scope]), status: 401, error: "invalid_client", code: 7000222)
        assertAADError(try cc([scope]), status: 401, error: "invalid_client", code: 7000216)
        assertAADError(try cc([("client_secret", Fixtures.secret), ("scope", "https://graph.microsoft.com/User.Read.All")]),
                       error: "invalid_scope", code: 1002012)
        assertAADError(try cc([("client_secret", Fixtures.secret)]), error: "invalid_request", code: 900144)
        assertAADError(try cc([("client_secret", Fixtures.secret), ("scope", "https://unknown.example.com/.default")]),
                       error: "invalid_resource", code: 500011)
        assertAADError(try cc([("client_secret", Fixtures.secret), scope], tenant: "common"), error: "invalid_request", code: 50059)
        assertAADError(try cc([("client_secret", Fixtures.secret), scope], client: "11111111-2222-3333-4444-555555555555"),
                       error: "unauthorized_client", code: 700016)
    }

    func certificateRequest(_ assertion: String) throws -> HTTPResult {
        try token([("grant_type", "client_credentials"), ("client_id", Fixtures.certApp), ("scope", "https://contoso.sharepoint.com/.default"),
                   ("client_assertion_type", assertionType), ("client_assertion", assertion)])
    }

    func testCertificateAssertionRS256AndPS256() throws {
        for pss in [false, true] {
            let a = try Assertions.certificate(clientId: Fixtures.certApp, audience: tokenURL, pss: pss)
            let r = try certificateRequest(a)
            XCTAssertEqual(r.status, 200, r.text)
            let c = TestJWT.claims(r.json["access_token"] as! String)
            XCTAssertEqual(c["appidacr"] as? String, "2")
            XCTAssertEqual(c["aud"] as? String, "https://contoso.sharepoint.com")
            XCTAssertTrue((c["roles"] as? [String] ?? []).contains("Sites.FullControl.All"))
        }
        // The audience may name the tenant by id as well.
        let byId = try Assertions.certificate(clientId: Fixtures.certApp, audience: "\(login)/\(Fixtures.tenantId)/oauth2/v2.0/token")
        XCTAssertEqual(try certificateRequest(byId).status, 200)
    }

    func testCertificateAssertionFailures() throws {
        let wrongAud = try Assertions.certificate(clientId: Fixtures.certApp, audience: "https://login.microsoftonline.com/other/oauth2/v2.0/token")
        assertAADError(try certificateRequest(wrongAud), status: 401, error: "invalid_client", code: 700021)
        let expired = try Assertions.certificate(clientId: Fixtures.certApp, audience: tokenURL, expiresIn: -900, notBeforeOffset: -1500)
        assertAADError(try certificateRequest(expired), status: 401, error: "invalid_client", code: 700024)
        let future = try Assertions.certificate(clientId: Fixtures.certApp, audience: tokenURL, expiresIn: 7200, notBeforeOffset: 3600)
        assertAADError(try certificateRequest(future), status: 401, error: "invalid_client", code: 700024)
        // A certificate the app doesn't have.
        let unregistered = try Assertions.certificate(clientId: Fixtures.certApp, audience: tokenURL, keyFile: "other.key.pem", certFile: "other.cert.pem")
        let e = assertAADError(try certificateRequest(unregistered), status: 401, error: "invalid_client", code: 700027)
        XCTAssertTrue((e["error_description"] as? String ?? "").contains("The key was not found"))
        // The registered certificate's thumbprint, but signed by another key.
        let forged = try Assertions.certificate(clientId: Fixtures.certApp, audience: tokenURL, keyFile: "other.key.pem")
        assertAADError(try certificateRequest(forged), status: 401, error: "invalid_client", code: 700027)
        let wrongSub = try Assertions.certificate(clientId: Fixtures.certApp, audience: tokenURL, subject: Fixtures.secretApp)
        assertAADError(try certificateRequest(wrongSub), status: 401, error: "invalid_client", code: 700021)
        assertAADError(try certificateRequest("not.a.jwt"), error: "invalid_request", code: 50027)
    }

    func federated(_ subject: String, audience: String = "api://AzureADTokenExchange") throws -> HTTPResult {
        let minted = try admin("federated-token", method: "POST",
                               json: "{\"issuer\":\"\(Fixtures.federatedIssuer)\",\"subject\":\"\(subject)\",\"audience\":\"\(audience)\"}")
        XCTAssertEqual(minted.status, 200, minted.text)
        return try token([("grant_type", "client_credentials"), ("client_id", Fixtures.federatedApp),
                          ("scope", "https://graph.microsoft.com/.default"), ("client_assertion_type", assertionType),
                          ("client_assertion", minted.json["token"] as! String)])
    }

    func testFederatedCredential() throws {
        let r = try federated(Fixtures.federatedSubject)
        XCTAssertEqual(r.status, 200, r.text)
        let c = TestJWT.claims(r.json["access_token"] as! String)
        XCTAssertEqual(c["appid"] as? String, Fixtures.federatedApp)
        XCTAssertEqual(c["appidacr"] as? String, "2")
        XCTAssertEqual(c["roles"] as? [String], ["Sites.ReadWrite.All"])
        assertAADError(try federated("repo:contoso/intranet:ref:refs/heads/evil"), status: 401, error: "invalid_client", code: 70021)
        assertAADError(try federated(Fixtures.federatedSubject, audience: "api://other"), status: 401, error: "invalid_client", code: 700212)
        // An issuer that no federated credential names.
        let now = Int(Date().timeIntervalSince1970)
        let key = try _RSAKeyForTests.make()
        let foreign = try TestJWT.sign(header: ["alg": "RS256", "typ": "JWT", "kid": "x"],
                                       claims: ["iss": "https://evil.example.com", "sub": "x", "aud": "api://AzureADTokenExchange",
                                                "exp": now + 300, "nbf": now], key: key)
        let r2 = try token([("grant_type", "client_credentials"), ("client_id", Fixtures.federatedApp),
                            ("scope", "https://graph.microsoft.com/.default"), ("client_assertion_type", assertionType),
                            ("client_assertion", foreign)])
        assertAADError(r2, status: 401, error: "invalid_client", code: 700211)
        // The right issuer name, but not signed by the issuer's key.
        let spoofed = try TestJWT.sign(header: ["alg": "RS256", "typ": "JWT", "kid": "x"],
                                       claims: ["iss": Fixtures.federatedIssuer, "sub": Fixtures.federatedSubject,
                                                "aud": "api://AzureADTokenExchange", "exp": now + 300, "nbf": now], key: key)
        let r3 = try token([("grant_type", "client_credentials"), ("client_id", Fixtures.federatedApp),
                            ("scope", "https://graph.microsoft.com/.default"), ("client_assertion_type", assertionType),
                            ("client_assertion", spoofed)])
        assertAADError(r3, status: 401, error: "invalid_client", code: 50013)
    }
}

import _CryptoExtras

enum _RSAKeyForTests {
    static func make() throws -> _RSA.Signing.PrivateKey {
        try _RSA.Signing.PrivateKey(pemRepresentation: try Fixtures.read("other.key.pem"))
    }
}
