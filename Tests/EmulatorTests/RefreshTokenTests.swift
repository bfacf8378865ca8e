import EmulatorKit
import XCTest

final class RefreshTokenTests: EmulatorTestCase {
    func refresh(_ rt: String, scope: String? = nil, client: String = Fixtures.publicApp) throws -> HTTPResult {
        var f = [("grant_type", "refresh_token"), ("client_id", client), ("refresh_token", rt)]
        if let scope { f.append(("scope", scope)) }
        return try token(f)
    }

    func testRefreshRotatesAndUsedTokenIsRejected() throws {
        let first = try passwordToken()
        let rt1 = first["refresh_token"] as! String
        let r2 = try refresh(rt1)
        XCTAssertEqual(r2.status, 200, r2.text)
        let rt2 = r2.json["refresh_token"] as! String
        XCTAssertNotEqual(rt1, rt2)
        XCTAssertEqual(TestJWT.claims(r2.json["access_token"] as! String)["oid"] as? String, Fixtures.adele.id)
        // The used token is dead; the new one works once.
        assertAADError(try refresh(rt1), error: "invalid_grant", code: 50173)
        XCTAssertEqual(try refresh(rt2).status, 200)
        assertAADError(try refresh(rt2), error: "invalid_grant", code: 50173)
    }

    func testRefreshForAnotherResource() throws {
        let rt = try passwordToken()["refresh_token"] as! String
        let r = try refresh(rt, scope: "https://contoso.sharepoint.com/.default offline_access")
        XCTAssertEqual(r.status, 200, r.text)
        let c = TestJWT.claims(r.json["access_token"] as! String)
        XCTAssertEqual(c["aud"] as? String, "https://contoso.sharepoint.com")
        XCTAssertTrue((c["scp"] as? String ?? "").contains("AllSites.FullControl"))
        XCTAssertNotNil(r.json["refresh_token"])
    }

    func testGarbageAndForeignRefreshTokens() throws {
        assertAADError(try refresh("not-a-refresh-token"), error: "invalid_grant", code: 9002313)
        let rt = try passwordToken()["refresh_token"] as! String
        // Another client can't redeem it (and the attempt doesn't consume it).
        assertAADError(try refresh(rt, client: Fixtures.certApp), status: 401, error: "invalid_client", code: 7000218)
        XCTAssertEqual(try refresh(rt).status, 200)
    }
}

final class RefreshTokenExpiryTests: EmulatorTestCase {
    override func configure(_ config: inout EmulatorConfiguration) {
        config.refreshTokenLifetime = 1
        config.accessTokenLifetime = 1
    }

    func testExpiredRefreshTokenAndShortAccessTokens() throws {
        let t = try passwordToken()
        XCTAssertEqual(t["expires_in"] as? Int, 1)
        Thread.sleep(forTimeInterval: 2.2)
        let r = try token([("grant_type", "refresh_token"), ("client_id", Fixtures.publicApp), ("refresh_token", t["refresh_token"] as! String)])
        assertAADError(r, error: "invalid_grant", code: 700082)
        // The access token expired too: Graph says so.
        let me = try curl("https://graph.microsoft.com/v1.0/me", headers: ["Authorization": "Bearer \(t["access_token"] as! String)"])
        XCTAssertEqual(me.status, 401)
        XCTAssertTrue(me.text.contains("expired"), me.text)
    }
}

final class RefreshTokenReuseTests: EmulatorTestCase {
    override func configure(_ config: inout EmulatorConfiguration) { config.allowRefreshTokenReuse = true }

    func testReuseAllowedWhenConfigured() throws {
        let rt = try passwordToken()["refresh_token"] as! String
        for _ in 0..<2 {
            let r = try token([("grant_type", "refresh_token"), ("client_id", Fixtures.publicApp), ("refresh_token", rt)])
            XCTAssertEqual(r.status, 200, r.text)
        }
    }
}
