import Crypto
import EmulatorKit
import XCTest

/// The authorize endpoint and the authorization code grant, as Entra checks them: the redirect
/// URI (a loopback one may name any port), a code used once, the same redirect URI at
/// redemption, and the PKCE verifier.
final class AuthorizationCodeTests: EmulatorTestCase {
    let redirect = "http://localhost:53117"
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

    func authorize(_ extra: [(String, String)] = [], form: [(String, String)]? = nil, redirectURI: String? = nil) throws -> HTTPResult {
        let challenge = Data(SHA256.hash(data: Array(verifier.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let query: [(String, String)] = [
            ("client_id", Fixtures.publicApp), ("response_type", "code"), ("redirect_uri", redirectURI ?? redirect),
            ("scope", "https://graph.microsoft.com/.default offline_access"), ("state", "s1"),
            ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ] + extra
        return try curl("\(login)/contoso.onmicrosoft.com/oauth2/v2.0/authorize?" + FormEncoding.encode(query), form: form)
    }

    /// Signs in on the page and returns the redirect's query.
    func code() throws -> [String: String] {
        let answer = try authorize(form: [("login", Fixtures.adele.upn), ("passwd", Fixtures.adele.password)])
        XCTAssertEqual(answer.status, 302, answer.text)
        let location = try XCTUnwrap(answer.header("location"))
        XCTAssertTrue(location.hasPrefix(redirect + "?code="), location)
        return FormEncoding.decode(String(location.split(separator: "?", maxSplits: 1)[1]))
    }

    func redeem(_ code: String, verifier: String? = nil, redirectURI: String? = nil) throws -> HTTPResult {
        var form = [("grant_type", "authorization_code"), ("client_id", Fixtures.publicApp), ("code", code),
                    ("redirect_uri", redirectURI ?? redirect), ("scope", "https://graph.microsoft.com/.default offline_access")]
        form.append(("code_verifier", verifier ?? self.verifier))
        return try token(form, url: "\(login)/contoso.onmicrosoft.com/oauth2/v2.0/token")
    }

    func testThePageSignsInAndTheCodeIsRedeemedOnce() throws {
        let page = try authorize()
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("name=\"passwd\"") && page.text.contains("m365 CLI"), page.text)
        let wrong = try authorize(form: [("login", Fixtures.adele.upn), ("passwd", "nope")])
        XCTAssertEqual(wrong.status, 200)
        XCTAssertTrue(wrong.text.contains("Your account or password is incorrect"), wrong.text)

        let answer = try code()
        XCTAssertEqual(answer["state"], "s1")
        XCTAssertNotNil(answer["session_state"])
        let tokens = try redeem(answer["code"]!)
        XCTAssertEqual(tokens.status, 200, tokens.text)
        XCTAssertEqual(TestJWT.claims(tokens.json["access_token"] as! String)["upn"] as? String, Fixtures.adele.upn)
        XCTAssertNotNil(tokens.json["refresh_token"])
        assertAADError(try redeem(answer["code"]!), error: "invalid_grant", code: 54005)
    }

    func testPKCEAndTheRedirectURIAreChecked() throws {
        assertAADError(try redeem(try code()["code"]!, verifier: "another-verifier-another-verifier-another-verifier"), error: "invalid_grant", code: 501481)
        assertAADError(try redeem(try code()["code"]!, redirectURI: "http://localhost:1"), error: "invalid_grant", code: 500112)
        let unregistered = try authorize(redirectURI: "https://evil.example.com/")
        XCTAssertEqual(unregistered.status, 400)
        XCTAssertTrue(unregistered.text.contains("AADSTS50011"), unregistered.text)
        let declined = try authorize(form: [("action", "decline")])
        XCTAssertEqual(declined.status, 302)
        XCTAssertTrue(declined.header("location")?.hasPrefix(redirect + "?error=access_denied&error_description=AADSTS65004") == true, "\(declined.headers)")
    }
}

/// A user of another tenant signing in to a single-tenant app through `/common`: Entra refuses
/// them on the sign-in page (AADSTS50020) and issues no code.
final class AuthorizationCodeForeignUserTests: EmulatorTestCase {
    let redirect = "http://localhost:53117"
    let fabrikamUser = (upn: "alex@fabrikam.onmicrosoft.com", password: "Alex!Passw0rd")

    override func configure(_ config: inout EmulatorConfiguration) {
        var seed = try! JSONSerialization.jsonObject(with: Data(DefaultSeed.json.utf8)) as! [String: Any]
        var tenants = seed["tenants"] as! [[String: Any]]
        tenants.append([
            "id": "2b0c5e1f-7d1a-4b6e-9f3c-5a8d7e6f1c20", "displayName": "Fabrikam", "domains": ["fabrikam.onmicrosoft.com"],
            "users": [["id": "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b", "userPrincipalName": fabrikamUser.upn, "displayName": "Alex Wilber",
                       "password": fabrikamUser.password]],
        ])
        seed["tenants"] = tenants
        let path = sharedStateDirectory + "/two-tenants-\(UUID().uuidString).json"
        FileManager.default.createFile(atPath: path, contents: try! JSONSerialization.data(withJSONObject: seed))
        config.seedPath = path
    }

    func testAnotherTenantsUserIsRefusedBySingleTenantAppViaCommon() throws {
        let query: [(String, String)] = [("client_id", Fixtures.publicApp), ("response_type", "code"), ("redirect_uri", redirect),
                                         ("scope", "https://graph.microsoft.com/.default")]
        let url = "\(login)/common/oauth2/v2.0/authorize?" + FormEncoding.encode(query)
        let refused = try curl(url, form: [("login", fabrikamUser.upn), ("passwd", fabrikamUser.password)])
        XCTAssertEqual(refused.status, 200, refused.text)
        XCTAssertTrue(refused.text.contains("does not exist in tenant &#39;Contoso&#39;") || refused.text.contains("does not exist in tenant 'Contoso'"),
                      refused.text)
        XCTAssertNil(refused.header("location"))
        // Contoso's own user still signs in through /common.
        let allowed = try curl(url, form: [("login", Fixtures.adele.upn), ("passwd", Fixtures.adele.password)])
        XCTAssertEqual(allowed.status, 302, allowed.text)
    }
}
