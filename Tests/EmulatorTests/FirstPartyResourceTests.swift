import EmulatorKit
import XCTest

/// Every tenant has Microsoft's first-party resources (ARM, Exchange, the Power Platform, …) as
/// service principals, and ARM answers what a client signing in asks next (tenants, subscriptions).
final class FirstPartyResourceTests: EmulatorTestCase {
    func bearer(_ t: String) -> [String: String] { ["Authorization": "Bearer \(t)"] }

    func testTokensForFirstPartyResourcesCarryTheirAudience() throws {
        let cases: [(scope: String, aud: String)] = [
            ("https://management.core.windows.net//.default", "https://management.core.windows.net/"),  // as the Azure CLI asks
            ("https://management.azure.com/.default", "https://management.azure.com/"),
            ("https://outlook.office365.com/.default", "https://outlook.office365.com"),
            ("https://manage.office.com/.default", "https://manage.office.com"),
            ("https://service.powerapps.com//.default", "https://service.powerapps.com/"),
            ("https://service.flow.microsoft.com//.default", "https://service.flow.microsoft.com/"),
            ("https://analysis.windows.net/powerbi/api/.default", "https://analysis.windows.net/powerbi/api"),
            ("https://api.yammer.com/.default", "https://api.yammer.com"),
            ("https://vault.azure.net/.default", "https://vault.azure.net"),
            ("https://storage.azure.com//.default", "https://storage.azure.com/"),
            ("797f4846-ba00-4fd7-ba43-dac1f8f63013/.default", "797f4846-ba00-4fd7-ba43-dac1f8f63013"),
        ]
        for (scope, aud) in cases {
            let r = try clientSecretToken(scope: scope)
            XCTAssertEqual(r.status, 200, "\(scope): \(r.text)")
            XCTAssertEqual(TestJWT.claims(r.json["access_token"] as? String ?? "")["aud"] as? String, aud, scope)
        }
        // A delegated token for ARM: its published permission.
        let delegated = try passwordToken(scope: "https://management.core.windows.net//user_impersonation")
        XCTAssertEqual(TestJWT.claims(delegated["access_token"] as? String ?? "")["scp"] as? String, "user_impersonation")
        // Still strict: an unknown resource is AADSTS500011.
        assertAADError(try clientSecretToken(scope: "https://unknown.example.com/.default"), error: "invalid_resource", code: 500011)
    }

    func testFirstPartyServicePrincipalsAreInTheDirectory() throws {
        let t = try passwordToken(user: Fixtures.admin)["access_token"] as! String
        let r = try curl("https://graph.microsoft.com/v1.0/servicePrincipals?$filter=appId%20eq%20'797f4846-ba00-4fd7-ba43-dac1f8f63013'", headers: bearer(t))
        XCTAssertEqual(r.status, 200, r.text)
        let sp = (r.json["value"] as? [[String: Any]])?.first ?? [:]
        XCTAssertEqual(sp["displayName"] as? String, "Windows Azure Service Management API")
        XCTAssertTrue((sp["servicePrincipalNames"] as? [String] ?? []).contains("https://management.core.windows.net/"))
    }

    func testResourceManagerListsTheCallersTenantAndNoSubscriptions() throws {
        let arm = try clientSecretToken(scope: "https://management.core.windows.net//.default").json["access_token"] as! String
        let tenants = try curl("https://management.azure.com/tenants?api-version=2022-12-01", headers: bearer(arm))
        XCTAssertEqual(tenants.status, 200, tenants.text)
        let tenant = (tenants.json["value"] as? [[String: Any]])?.first ?? [:]
        XCTAssertEqual(tenant["tenantId"] as? String, Fixtures.tenantId)
        XCTAssertEqual(tenant["id"] as? String, "/tenants/\(Fixtures.tenantId)")
        XCTAssertEqual(tenant["defaultDomain"] as? String, "contoso.onmicrosoft.com")
        XCTAssertEqual(tenant["tenantCategory"] as? String, "Home")
        let subscriptions = try curl("https://management.azure.com/subscriptions?api-version=2022-12-01", headers: bearer(arm))
        XCTAssertEqual(subscriptions.status, 200, subscriptions.text)
        XCTAssertEqual((subscriptions.json["value"] as? [Any])?.count, 0)

        func armError(_ r: HTTPResult) -> String? { (r.json["error"] as? [String: Any])?["code"] as? String }
        let graph = try clientSecretToken().json["access_token"] as! String
        let wrong = try curl("https://management.azure.com/subscriptions?api-version=2022-12-01", headers: bearer(graph))
        XCTAssertEqual(wrong.status, 401)
        XCTAssertEqual(armError(wrong), "InvalidAuthenticationTokenAudience")
        let missing = try curl("https://management.azure.com/subscriptions?api-version=2022-12-01")
        XCTAssertEqual(missing.status, 401)
        XCTAssertEqual(armError(missing), "AuthenticationFailed")
        let noVersion = try curl("https://management.azure.com/subscriptions", headers: bearer(arm))
        XCTAssertEqual(noVersion.status, 400)
        XCTAssertEqual(armError(noVersion), "MissingApiVersionParameter")
        let unknown = try curl("https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000001?api-version=2022-12-01", headers: bearer(arm))
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(armError(unknown), "SubscriptionNotFound")
    }
}
