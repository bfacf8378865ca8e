import EmulatorKit
import XCTest

final class IdentityDiscoveryTests: EmulatorTestCase {
    func testOpenIDConfigurationByDomainIdAndCommon() throws {
        let byDomain = try curl("\(login)/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration")
        XCTAssertEqual(byDomain.status, 200)
        XCTAssertEqual(byDomain.json["issuer"] as? String, "https://login.microsoftonline.com/\(Fixtures.tenantId)/v2.0")
        XCTAssertEqual(byDomain.json["token_endpoint"] as? String, "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token")
        XCTAssertEqual(byDomain.json["device_authorization_endpoint"] as? String,
                       "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode")

        let byId = try curl("\(login)/\(Fixtures.tenantId)/v2.0/.well-known/openid-configuration")
        XCTAssertEqual(byId.json["issuer"] as? String, "https://login.microsoftonline.com/\(Fixtures.tenantId)/v2.0")
        let custom = try curl("\(login)/contoso.com/v2.0/.well-known/openid-configuration")
        XCTAssertEqual(custom.status, 200)

        let common = try curl("\(login)/common/v2.0/.well-known/openid-configuration")
        XCTAssertEqual(common.json["issuer"] as? String, "https://login.microsoftonline.com/{tenantid}/v2.0")

        let v1 = try curl("\(login)/contoso.onmicrosoft.com/.well-known/openid-configuration")
        XCTAssertEqual(v1.json["issuer"] as? String, "https://sts.windows.net/\(Fixtures.tenantId)/")
        XCTAssertEqual(v1.json["token_endpoint"] as? String, "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/token")
    }

    func testUnknownTenant() throws {
        let r = try curl("\(login)/fabrikam.onmicrosoft.com/v2.0/.well-known/openid-configuration")
        let j = assertAADError(r, error: "invalid_tenant", code: 90002)
        XCTAssertTrue((j["error_description"] as? String ?? "").contains("Tenant 'fabrikam.onmicrosoft.com' not found"))
        let t = try token([("grant_type", "client_credentials"), ("client_id", Fixtures.secretApp), ("client_secret", Fixtures.secret),
                           ("scope", "https://graph.microsoft.com/.default")],
                          url: "\(login)/00000000-1111-2222-3333-444444444444/oauth2/v2.0/token")
        assertAADError(t, error: "invalid_request", code: 90002)
    }

    func testCorrelationIdEchoesClientRequestId() throws {
        let id = "0f0e0d0c-0b0a-0908-0706-050403020100"
        let r = try curl(tokenURL, headers: ["client-request-id": id], form: [("grant_type", "password")])
        let j = assertAADError(r, error: "invalid_request", code: 900144)
        XCTAssertEqual(j["correlation_id"] as? String, id)
        XCTAssertEqual(r.header("client-request-id"), id)
        XCTAssertEqual(r.header("cache-control"), "no-store, no-cache")
    }

    func testInstanceDiscoveryAndUserRealm() throws {
        let d = try curl("\(login)/common/discovery/instance?api-version=1.1&authorization_endpoint=https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize")
        XCTAssertEqual(d.status, 200)
        XCTAssertEqual(d.json["tenant_discovery_endpoint"] as? String,
                       "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration")
        let metadata = d.json["metadata"] as? [[String: Any]] ?? []
        XCTAssertTrue(metadata.contains { ($0["aliases"] as? [String] ?? []).contains("login.windows.net") })

        let known = try curl("\(login)/common/userrealm/adele.vance@contoso.com?api-version=1.0")
        XCTAssertEqual(known.json["account_type"] as? String, "Managed")
        XCTAssertEqual(known.json["domain_name"] as? String, "contoso.com")
        let unknown = try curl("\(login)/common/userrealm/someone@fabrikam.com?api-version=1.0")
        XCTAssertEqual(unknown.json["account_type"] as? String, "Unknown")
    }

    func testTokensVerifyAgainstPublishedJWKS() throws {
        let jwks = try curl("\(login)/contoso.onmicrosoft.com/discovery/v2.0/keys").json
        let keys = jwks["keys"] as? [[String: Any]] ?? []
        XCTAssertEqual(keys.first?["kty"] as? String, "RSA")
        XCTAssertEqual(keys.first?["use"] as? String, "sig")
        XCTAssertNotNil(keys.first?["x5c"])
        let t = try passwordToken()
        let access = t["access_token"] as! String
        XCTAssertTrue(try TestJWT.verify(access, jwks: jwks))
        XCTAssertTrue(try TestJWT.verify(t["id_token"] as! String, jwks: jwks))
        // A token whose payload was altered no longer verifies.
        var parts = access.split(separator: ".").map(String.init)
        var claims = TestJWT.claims(access)
        claims["oid"] = Fixtures.admin.id
        parts[1] = TestJWT.b64url(try JSONSerialization.data(withJSONObject: claims))
        XCTAssertFalse(try TestJWT.verify(parts.joined(separator: "."), jwks: jwks))
        // v1 keys endpoint publishes the same key.
        let v1 = try curl("\(login)/common/discovery/keys").json
        XCTAssertTrue(try TestJWT.verify(access, jwks: v1))
    }

    func testNationalCloudAuthorityHosts() throws {
        for host in ["login.microsoftonline.us", "login.chinacloudapi.cn", "login.partner.microsoftonline.cn", "login.windows.net"] {
            let r = try curl("https://\(host)/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration")
            XCTAssertEqual(r.status, 200, host)
            XCTAssertEqual(r.json["issuer"] as? String, "https://\(host)/\(Fixtures.tenantId)/v2.0")
        }
        let us = try curl("https://login.microsoftonline.us/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration")
        XCTAssertEqual(us.json["msgraph_host"] as? String, "graph.microsoft.us")
    }
}
