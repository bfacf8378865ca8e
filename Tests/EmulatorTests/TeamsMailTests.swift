import EmulatorKit
import Foundation
import XCTest

/// Teams (teams, async operations, channels, members, channel messages, chats, apps) and
/// Outlook mail (sendMail, folders, messages, move, mailbox settings) on the emulator's Graph.
final class TeamsMailTests: GraphTestCase {
    let sales = "80f810ee-a906-4270-8827-743580252680"
    let allCompany = "779c7b9d-cb9d-4874-aeac-b79f9d6b29e8"
    let megan = "c3b7e6f9-dd4e-4e84-a28c-9af85b134cc2"
    let lidia = "87c76886-3409-4a9a-b61e-a3a4fcf98e05"

    /// The default seed with the secret app granted Mail.Send (the default grants it no Mail role).
    static let seedPath: String = {
        var seed = try! JSONSerialization.jsonObject(with: Data(DefaultSeed.json.utf8)) as! [String: Any]
        var tenants = seed["tenants"] as! [[String: Any]]
        var apps = tenants[0]["applications"] as! [[String: Any]]
        let a = apps.firstIndex { $0["appId"] as? String == Fixtures.secretApp }!
        var rra = apps[a]["requiredResourceAccess"] as! [[String: Any]]
        rra[0]["roles"] = (rra[0]["roles"] as! [String]) + ["Mail.Send"]
        apps[a]["requiredResourceAccess"] = rra
        tenants[0]["applications"] = apps
        seed["tenants"] = tenants
        let path = sharedStateDirectory + "/teams-mail-seed.json"
        try! JSONSerialization.data(withJSONObject: seed).write(to: URL(fileURLWithPath: path))
        return path
    }()

    override func configure(_ config: inout EmulatorConfiguration) { config.seedPath = Self.seedPath }

    func token(_ user: (upn: String, password: String, id: String), _ scope: String = "https://graph.microsoft.com/.default") throws -> String {
        try XCTUnwrap(passwordToken(user: user, scope: scope)["access_token"] as? String)
    }
    func mailToken(_ user: (upn: String, password: String, id: String) = Fixtures.admin) throws -> String {
        try token(user, "Mail.ReadWrite Mail.Send")
    }
    func certAppToken() throws -> String {
        try XCTUnwrap(certificateToken(scope: "https://graph.microsoft.com/.default").json["access_token"] as? String)
    }

    func member(_ userId: String) -> [String: Any] {
        ["@odata.type": "#microsoft.graph.aadUserConversationMember", "roles": [], "user@odata.bind": "https://graph.microsoft.com/v1.0/users('\(userId)')"]
    }

    /// Follows a teamsAsyncOperation `Location` (relative, key syntax) and returns the operation.
    func operation(_ location: String, _ t: String) throws -> [String: Any] {
        let r = try call("GET", location, t)
        XCTAssertEqual(r.status, 200, r.text)
        return r.json
    }

    // MARK: Teams

    func testTeamsListGetJoinedAndNotATeam() throws {
        let t = try adminToken()
        let teams = values(try call("GET", "/teams", t))
        XCTAssertEqual(teams.compactMap { $0["id"] as? String }, [sales])
        XCTAssertEqual(values(try call("GET", "/teams?$filter=" + q("displayName eq 'sales and marketing'"), t)).count, 1)
        XCTAssertEqual(values(try call("GET", "/teams?$filter=" + q("displayName eq 'Nope'"), t)).count, 0)

        let team = try call("GET", "/teams/\(sales)", t)
        XCTAssertEqual(team.status, 200, team.text)
        XCTAssertEqual(team.json["@odata.context"] as? String, "https://graph.microsoft.com/v1.0/$metadata#teams/$entity")
        for key in ["id", "createdDateTime", "displayName", "description", "internalId", "classification", "specialization", "visibility", "webUrl",
                    "isArchived", "isMembershipLimitedToOwners", "memberSettings", "guestSettings", "messagingSettings", "funSettings",
                    "discoverySettings", "summary", "tenantId"] {
            XCTAssertTrue(team.json.keys.contains(key), key)
        }
        XCTAssertEqual(team.json["displayName"] as? String, "Sales and Marketing")
        XCTAssertEqual(team.json["visibility"] as? String, "public")
        XCTAssertEqual(team.json["isArchived"] as? Bool, false)
        XCTAssertTrue((team.json["internalId"] as? String ?? "").hasSuffix("@thread.tacv2"))
        XCTAssertEqual((team.json["summary"] as? [String: Any])?["ownersCount"] as? Int, 1)
        XCTAssertEqual(try call("GET", "/teams/\(sales)?$select=displayName,isArchived", t).json.keys.sorted(), ["@odata.context", "displayName", "isArchived"])

        let notTeam = try call("GET", "/teams/\(allCompany)", t)
        XCTAssertEqual(notTeam.status, 404)
        XCTAssertEqual(error(notTeam).code, "NotFound")
        XCTAssertEqual(try call("GET", "/teams/00000000-0000-0000-0000-000000000000", t).status, 404)

        XCTAssertEqual(values(try call("GET", "/me/joinedTeams", try token(Fixtures.adele))).compactMap { $0["id"] as? String }, [sales])
        XCTAssertEqual(values(try call("GET", "/me/joinedTeams", t)).count, 0)
        XCTAssertEqual(values(try call("GET", "/users/\(megan)/joinedTeams", t)).count, 1)
        let group = try call("GET", "/groups/\(sales)?$select=resourceProvisioningOptions", t)
        XCTAssertEqual(group.json["resourceProvisioningOptions"] as? [String], ["Team"])
    }

    func testCreateTeamIsAsyncWithOperationPolling() throws {
        let t = try adminToken()
        let body: [String: Any] = ["template@odata.bind": "https://graph.microsoft.com/v1.0/teamsTemplates('standard')",
                                   "displayName": "Architecture", "description": "Architecture board"]
        let r = try call("POST", "/teams", t, json: body)
        XCTAssertEqual(r.status, 202, r.text)
        XCTAssertTrue(r.body.isEmpty)
        let location = try XCTUnwrap(r.header("location"))
        let match = try XCTUnwrap(location.range(of: #"^/teams\('([0-9a-f-]{36})'\)/operations\('([0-9a-f-]{36})'\)$"#, options: .regularExpression), location)
        XCTAssertEqual(match.lowerBound, location.startIndex)
        let id = String(location.dropFirst("/teams('".count).prefix(36))
        XCTAssertEqual(r.header("content-location"), "/teams('\(id)')")

        // The team and its group exist at once; the operation reports progress, then success.
        XCTAssertEqual(try call("GET", "/teams/\(id)", t).json["displayName"] as? String, "Architecture")
        let first = try operation(location, t)
        XCTAssertEqual(first["status"] as? String, "inProgress")
        XCTAssertEqual(first["operationType"] as? String, "createTeam")
        XCTAssertEqual(first["targetResourceId"] as? String, id)
        XCTAssertEqual(first["targetResourceLocation"] as? String, "/teams('\(id)')")
        XCTAssertEqual(first["attemptsCount"] as? Int, 1)
        XCTAssertTrue(first.keys.contains("error"))
        XCTAssertEqual(try operation(location, t)["status"] as? String, "succeeded")
        let opId = String(location.split(separator: "'")[3])
        XCTAssertEqual(try call("GET", "/teams/\(id)/operations/\(opId)", t).json["status"] as? String, "succeeded")
        XCTAssertEqual(try call("GET", "/teams/\(id)/operations/\(Fixtures.adele.id)", t).status, 404)

        let group = try call("GET", "/groups/\(id)", t).json
        XCTAssertEqual(group["groupTypes"] as? [String], ["Unified"])
        XCTAssertEqual(group["resourceProvisioningOptions"] as? [String], ["Team"])
        let owners = values(try call("GET", "/groups/\(id)/owners", t)).compactMap { $0["id"] as? String }
        XCTAssertEqual(owners, [Fixtures.admin.id], "the delegated caller owns the new team")
        XCTAssertEqual(values(try call("GET", "/teams/\(id)/channels", t)).compactMap { $0["displayName"] as? String }, ["General"])

        // Bad input.
        var noTemplate = body
        noTemplate["template@odata.bind"] = nil
        XCTAssertEqual(try call("POST", "/teams", t, json: noTemplate).status, 400)
        var noName = body
        noName["displayName"] = nil
        XCTAssertEqual(error(try call("POST", "/teams", t, json: noName)).code, "BadRequest")
        // App-only callers must name an owner.
        let app = try certAppToken()
        let appNoOwner = try call("POST", "/teams", app, json: body)
        XCTAssertEqual(appNoOwner.status, 400, appNoOwner.text)
        var withOwner = body
        var owner = member(megan)
        owner["roles"] = ["owner"]
        withOwner["members"] = [owner]
        let appCreated = try call("POST", "/teams", app, json: withOwner)
        XCTAssertEqual(appCreated.status, 202, appCreated.text)
        let appTeam = String((appCreated.header("content-location") ?? "").dropFirst("/teams('".count).prefix(36))
        XCTAssertEqual(values(try call("GET", "/teams/\(appTeam)/members", t)).compactMap { $0["userId"] as? String }, [megan])

        // Deleting the group deletes the team.
        XCTAssertEqual(try call("DELETE", "/groups/\(id)", t).status, 204)
        XCTAssertEqual(try call("GET", "/teams/\(id)", t).status, 404)
    }

    func testArchiveAndUnarchive() throws {
        let t = try adminToken()
        let r = try call("POST", "/teams/\(sales)/archive", t, json: ["shouldSetSpoSiteReadOnlyForMembers": true])
        XCTAssertEqual(r.status, 202, r.text)
        let op = try operation(try XCTUnwrap(r.header("location")), t)
        XCTAssertEqual(op["operationType"] as? String, "archiveTeam")
        XCTAssertEqual(try call("GET", "/teams/\(sales)", t).json["isArchived"] as? Bool, true)
        XCTAssertEqual(try call("POST", "/teams/\(sales)/archive", t).status, 202, "archiving an archived team is accepted")

        // An archived team is read-only.
        let general = try call("GET", "/teams/\(sales)/primaryChannel", t).json["id"] as! String
        let post = try call("POST", "/teams/\(sales)/channels/\(q(general))/messages", t, json: ["body": ["content": "hello"]])
        XCTAssertEqual(post.status, 403, post.text)
        XCTAssertEqual(try call("POST", "/teams/\(sales)/channels", t, json: ["displayName": "Closed"]).status, 403)
        XCTAssertEqual(values(try call("GET", "/teams/\(sales)/channels/\(q(general))/messages", t)).count, 2)

        let un = try call("POST", "/teams/\(sales)/unarchive", t)
        XCTAssertEqual(un.status, 202)
        XCTAssertEqual(try operation(try XCTUnwrap(un.header("location")), t)["operationType"] as? String, "unarchiveTeam")
        XCTAssertEqual(try call("GET", "/teams/\(sales)", t).json["isArchived"] as? Bool, false)
        XCTAssertEqual(try call("POST", "/teams/\(allCompany)/archive", t).status, 404)

        // Settings update through PATCH.
        XCTAssertEqual(try call("PATCH", "/teams/\(sales)", t, json: ["funSettings": ["allowGiphy": false]]).status, 204)
        let fun = try call("GET", "/teams/\(sales)", t).json["funSettings"] as? [String: Any]
        XCTAssertEqual(fun?["allowGiphy"] as? Bool, false)
        XCTAssertEqual(fun?["giphyContentRating"] as? String, "moderate")
        XCTAssertEqual(try call("PATCH", "/teams/\(sales)", t, json: ["shoeSize": 42]).status, 400)
    }

    // MARK: Channels

    func testChannelsCreateListUpdateDelete() throws {
        let t = try adminToken()
        let list = values(try call("GET", "/teams/\(sales)/channels", t))
        XCTAssertEqual(list.compactMap { $0["displayName"] as? String }, ["General", "Campaigns"])
        for key in ["id", "createdDateTime", "displayName", "description", "isFavoriteByDefault", "email", "webUrl", "membershipType", "tenantId"] {
            XCTAssertTrue(list[0].keys.contains(key), key)
        }
        XCTAssertEqual(values(try call("GET", "/teams/\(sales)/channels?$filter=" + q("membershipType eq 'private'"), t)).count, 0)
        XCTAssertEqual(values(try call("GET", "/teams/\(sales)/channels?$filter=" + q("displayName eq 'Campaigns'"), t)).count, 1)
        let primary = try call("GET", "/teams/\(sales)/primaryChannel", t).json
        XCTAssertEqual(primary["displayName"] as? String, "General")
        XCTAssertEqual(primary["id"] as? String, try call("GET", "/teams/\(sales)", t).json["internalId"] as? String)

        let created = try call("POST", "/teams/\(sales)/channels", t, json: ["displayName": "Launch", "description": "Launch work", "membershipType": "standard"])
        XCTAssertEqual(created.status, 201, created.text)
        let id = try XCTUnwrap(created.json["id"] as? String)
        XCTAssertNotNil(id.range(of: #"^19:[0-9a-f]{32}@thread\.tacv2$"#, options: .regularExpression), id)
        XCTAssertEqual(created.json["membershipType"] as? String, "standard")

        let dup = try call("POST", "/teams/\(sales)/channels", t, json: ["displayName": "launch"])
        XCTAssertEqual(dup.status, 400)
        XCTAssertEqual(error(dup).message, "Channel name already existed, please use other name.")
        XCTAssertEqual(try call("POST", "/teams/\(sales)/channels", t, json: ["description": "no name"]).status, 400)
        XCTAssertEqual(try call("POST", "/teams/\(sales)/channels", t, json: ["displayName": "x", "membershipType": "secret"]).status, 400)

        // Ids with ':' and '@' work raw and percent-encoded.
        XCTAssertEqual(try call("GET", "/teams/\(sales)/channels/\(id)", t).json["displayName"] as? String, "Launch")
        XCTAssertEqual(try call("PATCH", "/teams/\(sales)/channels/\(q(id))", t, json: ["description": "Go live"]).status, 204)
        XCTAssertEqual(try call("GET", "/teams/\(sales)/channels/\(q(id))", t).json["description"] as? String, "Go live")
        XCTAssertEqual(try call("PATCH", "/teams/\(sales)/channels/\(q(id))", t, json: ["displayName": "Campaigns"]).status, 400)

        let general = try call("DELETE", "/teams/\(sales)/channels/\(q(primary["id"] as! String))", t)
        XCTAssertEqual(general.status, 400)
        XCTAssertEqual(error(general).code, "BadRequest")
        XCTAssertEqual(try call("DELETE", "/teams/\(sales)/channels/\(q(id))", t).status, 204)
        let gone = try call("GET", "/teams/\(sales)/channels/\(q(id))", t)
        XCTAssertEqual(gone.status, 404)
        XCTAssertEqual(error(gone).code, "NotFound")

        // Private channels created app-only need an owner.
        let app = try certAppToken()
        XCTAssertEqual(try call("POST", "/teams/\(sales)/channels", app, json: ["displayName": "Secret", "membershipType": "private"]).status, 400)
        var owner = member(megan)
        owner["roles"] = ["owner"]
        let priv = try call("POST", "/teams/\(sales)/channels", app, json: ["displayName": "Secret", "membershipType": "private", "members": [owner]])
        XCTAssertEqual(priv.status, 201, priv.text)
        XCTAssertEqual(values(try call("GET", "/teams/\(sales)/channels?$filter=" + q("membershipType eq 'private'"), t)).count, 1)

        // Reset restores the seed.
        XCTAssertEqual(try admin("directory/reset", method: "POST").status, 200)
        XCTAssertEqual(values(try call("GET", "/teams/\(sales)/channels", t)).count, 2)
    }

    // MARK: Members

    func testMembersAddBulkAddAndRemove() throws {
        let t = try adminToken()
        let list = values(try call("GET", "/teams/\(sales)/members", t))
        XCTAssertEqual(Set(list.compactMap { $0["userId"] as? String }), [Fixtures.adele.id, megan])
        let meganMember = try XCTUnwrap(list.first { $0["userId"] as? String == megan })
        XCTAssertEqual(meganMember["@odata.type"] as? String, "#microsoft.graph.aadUserConversationMember")
        XCTAssertEqual(meganMember["roles"] as? [String], ["owner"])
        XCTAssertEqual(meganMember["email"] as? String, "megan.bowen@contoso.com")
        for key in ["id", "displayName", "visibleHistoryStartDateTime", "tenantId"] { XCTAssertNotNil(meganMember[key], key) }
        XCTAssertEqual(values(try call("GET", "/teams/\(sales)/members?$filter=" + q("roles/any(r:r eq 'owner')"), t)).count, 1)

        let added = try call("POST", "/teams/\(sales)/members", t, json: member(Fixtures.admin.id))
        XCTAssertEqual(added.status, 201, added.text)
        XCTAssertEqual(added.json["userId"] as? String, Fixtures.admin.id)
        XCTAssertEqual(added.json["roles"] as? [String], [])
        // The group and the team agree.
        XCTAssertTrue(values(try call("GET", "/groups/\(sales)/members", t)).contains { $0["id"] as? String == Fixtures.admin.id })
        var bad = member(Fixtures.admin.id)
        bad["@odata.type"] = "#microsoft.graph.skypeUserConversationMember"
        XCTAssertEqual(try call("POST", "/teams/\(sales)/members", t, json: bad).status, 400)
        XCTAssertEqual(try call("POST", "/teams/\(sales)/members", t, json: member("00000000-0000-0000-0000-000000000001")).status, 404)

        let bulk = try call("POST", "/teams/\(sales)/members/add", t, json: ["values": [member(lidia), member("00000000-0000-0000-0000-000000000001")]])
        let results = values(bulk)
        XCTAssertEqual(results.count, 2)
        XCTAssertEqual(results[0]["@odata.type"] as? String, "#microsoft.graph.aadUserConversationMemberResult")
        XCTAssertEqual(results[0]["userId"] as? String, lidia)
        XCTAssertTrue(results[0]["error"] is NSNull)
        XCTAssertEqual(results[1]["userId"] as? String, "00000000-0000-0000-0000-000000000001")
        XCTAssertNotNil((results[1]["error"] as? [String: Any])?["code"] as? String)
        XCTAssertEqual(values(try call("GET", "/teams/\(sales)/members", t)).count, 4)
        XCTAssertEqual(try call("POST", "/teams/\(sales)/members/add", t, json: ["values": []]).status, 400)

        let adele = try XCTUnwrap(list.first { $0["userId"] as? String == Fixtures.adele.id }?["id"] as? String)
        XCTAssertEqual(try call("GET", "/teams/\(sales)/members/\(adele)", t).json["userId"] as? String, Fixtures.adele.id)
        XCTAssertEqual(try call("DELETE", "/teams/\(sales)/members/\(adele)", t).status, 204)
        XCTAssertFalse(values(try call("GET", "/groups/\(sales)/members", t)).contains { $0["id"] as? String == Fixtures.adele.id })
        XCTAssertEqual(try call("DELETE", "/teams/\(sales)/members/\(adele)", t).status, 404)
        let lastOwner = try call("DELETE", "/teams/\(sales)/members/\(meganMember["id"] as! String)", t)
        XCTAssertEqual(lastOwner.status, 400, lastOwner.text)
    }

    // MARK: Channel messages

    func testChannelMessagesPostListPageAndGet() throws {
        let t = try token(Fixtures.admin, "ChannelMessage.Send Group.ReadWrite.All")
        let general = try call("GET", "/teams/\(sales)/primaryChannel", t).json["id"] as! String
        let path = "/teams/\(sales)/channels/\(q(general))/messages"
        let seeded = values(try call("GET", path, t))
        XCTAssertEqual(seeded.count, 2)
        XCTAssertEqual((seeded[0]["body"] as? [String: Any])?["content"] as? String, "Kick-off is on Monday at 10:00.", "newest first")

        let sent = try call("POST", path, t, json: ["body": ["contentType": "html", "content": "<b>Hello</b> team"], "subject": "Hi"])
        XCTAssertEqual(sent.status, 201, sent.text)
        let m = sent.json
        let id = try XCTUnwrap(m["id"] as? String)
        XCTAssertTrue(!id.isEmpty && id.allSatisfy(\.isNumber), id)
        XCTAssertEqual(m["messageType"] as? String, "message")
        XCTAssertEqual(m["subject"] as? String, "Hi")
        XCTAssertEqual(m["importance"] as? String, "normal")
        XCTAssertEqual(m["locale"] as? String, "en-us")
        XCTAssertTrue(m["chatId"] is NSNull && m["replyToId"] is NSNull)
        let user = (m["from"] as? [String: Any])?["user"] as? [String: Any]
        XCTAssertEqual(user?["id"] as? String, Fixtures.admin.id)
        XCTAssertEqual(user?["userIdentityType"] as? String, "aadUser")
        XCTAssertEqual(m["channelIdentity"] as? [String: String], ["teamId": sales, "channelId": general])
        XCTAssertEqual((m["attachments"] as? [Any])?.count, 0)
        XCTAssertEqual(try call("GET", "\(path)/\(id)", t).json["etag"] as? String, id)
        let missing = try call("GET", "\(path)/123", t)
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(error(missing).code, "NotFound")

        XCTAssertEqual(try call("POST", path, t, json: ["body": ["content": ""]]).status, 400)
        XCTAssertEqual(try call("POST", path, t, json: ["body": ["content": "x", "contentType": "markdown"]]).status, 400)
        // Sending needs a user: app-only is refused outside migration.
        let app = try call("POST", path, try certAppToken(), json: ["body": ["content": "from an app"]])
        XCTAssertEqual(app.status, 403, app.text)

        for i in 0..<3 { XCTAssertEqual(try call("POST", path, t, json: ["body": ["content": "n\(i)"]]).status, 201) }
        var seen: [String] = []
        var next: String? = "\(path)?$top=2"
        while let url = next {
            let page = try call("GET", url, t)
            let items = values(page)
            XCTAssertLessThanOrEqual(items.count, 2)
            seen += items.compactMap { $0["id"] as? String }
            next = page.json["@odata.nextLink"] as? String
        }
        XCTAssertEqual(seen.count, 6)
        XCTAssertEqual(Set(seen).count, 6)
        XCTAssertEqual(try call("GET", "\(path)?$top=51", t).status, 400)
    }

    // MARK: Faults and permissions

    func testThrottledThenServed() throws {
        let t = try adminToken()
        let rule = try admin("faults", method: "POST", json: "{\"kind\":\"429\",\"count\":1,\"retryAfter\":3,\"host\":\"graph.microsoft.com\",\"pathPrefix\":\"/v1.0/teams\"}")
        XCTAssertEqual(rule.status, 201, rule.text)
        let throttled = try call("GET", "/teams/\(sales)/channels", t)
        XCTAssertEqual(throttled.status, 429)
        XCTAssertEqual(throttled.header("retry-after"), "3")
        XCTAssertEqual(values(try call("GET", "/teams/\(sales)/channels", t)).count, 2)
    }

    func testForbiddenWithoutPermissions() throws {
        let basic = try token(Fixtures.adele, "User.Read")
        let teams = try call("GET", "/teams", basic)
        XCTAssertEqual(teams.status, 403)
        XCTAssertEqual(error(teams).code, "Forbidden")
        XCTAssertTrue(error(teams).message.contains("Team.ReadBasic.All"), error(teams).message)
        XCTAssertEqual(try call("POST", "/teams/\(sales)/channels", basic, json: ["displayName": "X"]).status, 403)
        XCTAssertEqual(try call("GET", "/me/chats", basic).status, 403)

        let mail = try call("GET", "/me/messages", basic)
        XCTAssertEqual(mail.status, 403)
        XCTAssertEqual(error(mail).code, "ErrorAccessDenied")
        XCTAssertEqual(error(mail).message, "Access is denied. Check credentials and try again.")
        let send = try call("POST", "/me/sendMail", basic, json: ["message": ["subject": "x", "toRecipients": [["emailAddress": ["address": Fixtures.admin.upn]]]]])
        XCTAssertEqual(send.status, 403)
        // Another user's mailbox needs the .Shared permissions.
        XCTAssertEqual(try call("GET", "/users/\(Fixtures.admin.id)/messages", try mailToken(Fixtures.adele)).status, 403)
        // App-only: Mail.Send is granted, Mail.Read is not.
        let app = try appToken()
        XCTAssertEqual(try call("GET", "/users/\(Fixtures.adele.id)/messages", app).status, 403)
        let appSend = try call("POST", "/users/\(Fixtures.admin.upn)/sendMail", app,
                               json: ["message": ["subject": "From the daemon", "toRecipients": [["emailAddress": ["address": Fixtures.adele.upn]]]]])
        XCTAssertEqual(appSend.status, 202, appSend.text)
        let inbox = values(try call("GET", "/me/mailFolders/inbox/messages?$filter=" + q("subject eq 'From the daemon'"), try mailToken(Fixtures.adele)))
        XCTAssertEqual(inbox.count, 1)
        XCTAssertEqual(try call("POST", "/users/nobody@contoso.com/sendMail", app, json: ["message": [:]]).status, 404)
    }

    // MARK: Mail

    func testSendMailDeliversToInboxAndSentItems() throws {
        let admin = try mailToken(), adele = try mailToken(Fixtures.adele)
        let before = values(try call("GET", "/me/mailFolders/inbox/messages", adele)).count
        let bytes = Data("quarterly numbers".utf8).base64EncodedString()
        let body: [String: Any] = ["message": [
            "subject": "Budget", "importance": "High",
            "body": ["contentType": "HTML", "content": "<p>See the <b>numbers</b>.</p>"],
            "toRecipients": [["emailAddress": ["address": Fixtures.adele.upn]], ["emailAddress": ["address": "partner@fabrikam.com", "name": "Partner"]]],
            "ccRecipients": [["emailAddress": ["address": "megan.bowen@contoso.com"]]],
            "attachments": [["@odata.type": "#microsoft.graph.fileAttachment", "name": "q3.txt", "contentType": "text/plain", "contentBytes": bytes]],
        ], "saveToSentItems": true]
        let r = try call("POST", "/me/sendMail", admin, json: body)
        XCTAssertEqual(r.status, 202, r.text)
        XCTAssertTrue(r.body.isEmpty)

        let inbox = values(try call("GET", "/me/mailFolders/inbox/messages", adele))
        XCTAssertEqual(inbox.count, before + 1)
        let got = try XCTUnwrap(inbox.first { $0["subject"] as? String == "Budget" })
        XCTAssertEqual(got["isRead"] as? Bool, false)
        XCTAssertEqual(got["importance"] as? String, "high")
        XCTAssertEqual(got["hasAttachments"] as? Bool, true)
        XCTAssertEqual(got["bodyPreview"] as? String, "See the numbers .")
        XCTAssertEqual(((got["from"] as? [String: Any])?["emailAddress"] as? [String: Any])?["address"] as? String, Fixtures.admin.upn)
        XCTAssertEqual((got["toRecipients"] as? [Any])?.count, 2)
        let inboxId = try call("GET", "/me/mailFolders/inbox", adele).json["id"] as? String
        XCTAssertEqual(got["parentFolderId"] as? String, inboxId)
        let attachments = values(try call("GET", "/me/messages/\(got["id"] as! String)/attachments", adele))
        XCTAssertEqual(attachments.first?["name"] as? String, "q3.txt")
        XCTAssertEqual(attachments.first?["contentBytes"] as? String, bytes)

        let sent = values(try call("GET", "/me/mailFolders/sentitems/messages", admin))
        XCTAssertEqual(sent.compactMap { $0["subject"] as? String }, ["Budget"])
        XCTAssertEqual(sent.first?["isRead"] as? Bool, true)

        // saveToSentItems false leaves no copy; no recipients, bad base64 and oversized bodies fail.
        var quiet = body
        quiet["saveToSentItems"] = false
        XCTAssertEqual(try call("POST", "/me/sendMail", admin, json: quiet).status, 202)
        XCTAssertEqual(values(try call("GET", "/me/mailFolders/sentitems/messages", admin)).count, 1)
        let none = try call("POST", "/me/sendMail", admin, json: ["message": ["subject": "void", "body": ["content": "x"]]])
        XCTAssertEqual(none.status, 400)
        XCTAssertEqual(error(none).code, "ErrorInvalidRecipients")
        var badB64 = body
        var msg = body["message"] as! [String: Any]
        msg["attachments"] = [["@odata.type": "#microsoft.graph.fileAttachment", "name": "x", "contentBytes": "###not base64###"]]
        badB64["message"] = msg
        XCTAssertEqual(try call("POST", "/me/sendMail", admin, json: badB64).status, 400)
        let big = NSTemporaryDirectory() + "big-mail-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: big) }
        let huge = String(repeating: "A", count: 4 * 1024 * 1024 + 4)
        try Data("{\"message\":{\"subject\":\"big\",\"toRecipients\":[{\"emailAddress\":{\"address\":\"adele.vance@contoso.com\"}}],\"attachments\":[{\"@odata.type\":\"#microsoft.graph.fileAttachment\",\"name\":\"big.bin\",\"contentBytes\":\"\(huge)\"}]}}".utf8)
            .write(to: URL(fileURLWithPath: big))
        let tooBig = try call("POST", "/me/sendMail", admin, headers: ["Content-Type": "application/json"], extra: ["--data-binary", "@\(big)"])
        XCTAssertEqual(tooBig.status, 413, tooBig.text)
    }

    func testFoldersMessagesMoveAndDelete() throws {
        let t = try mailToken(Fixtures.adele)
        let folders = values(try call("GET", "/me/mailFolders", t))
        XCTAssertEqual(folders.compactMap { $0["displayName"] as? String },
                       ["Archive", "Deleted Items", "Drafts", "Inbox", "Junk Email", "Outbox", "Sent Items"])
        let inbox = try XCTUnwrap(folders.first { $0["displayName"] as? String == "Inbox" })
        XCTAssertEqual(inbox["totalItemCount"] as? Int, 2)
        XCTAssertEqual(inbox["unreadItemCount"] as? Int, 1)
        for key in ["id", "parentFolderId", "childFolderCount"] { XCTAssertNotNil(inbox[key], key) }
        XCTAssertEqual(try call("GET", "/me/mailFolders/Inbox", t).json["id"] as? String, inbox["id"] as? String)
        XCTAssertEqual(try call("GET", "/me/mailFolders/\(inbox["id"] as! String)", t).json["displayName"] as? String, "Inbox")
        let noFolder = try call("GET", "/me/mailFolders/nosuchfolder", t)
        XCTAssertEqual(noFolder.status, 404)
        XCTAssertEqual(error(noFolder).code, "ErrorItemNotFound")
        XCTAssertEqual(error(noFolder).message, "The specified object was not found in the store.")

        let all = values(try call("GET", "/me/messages", t))
        XCTAssertEqual(all.compactMap { $0["subject"] as? String }, ["Quarterly review", "Welcome to Contoso"], "newest first")
        for key in ["id", "createdDateTime", "lastModifiedDateTime", "receivedDateTime", "sentDateTime", "hasAttachments", "subject", "bodyPreview",
                    "importance", "parentFolderId", "conversationId", "isRead", "isDraft", "webLink", "body", "sender", "from", "toRecipients",
                    "ccRecipients", "bccRecipients", "replyTo", "flag"] {
            XCTAssertTrue(all[0].keys.contains(key), key)
        }
        XCTAssertEqual(values(try call("GET", "/me/messages?$orderby=" + q("receivedDateTime asc"), t)).first?["subject"] as? String, "Welcome to Contoso")
        XCTAssertEqual(values(try call("GET", "/me/messages?$filter=" + q("isRead eq false"), t)).compactMap { $0["subject"] as? String }, ["Quarterly review"])
        XCTAssertEqual(values(try call("GET", "/me/messages?$filter=" + q("receivedDateTime ge 2020-01-02T00:00:00Z"), t)).count, 1)
        XCTAssertEqual(values(try call("GET", "/me/messages?$filter=" + q("receivedDateTime lt 2020-01-02T00:00:00Z"), t)).count, 1)
        XCTAssertEqual(values(try call("GET", "/me/messages?$select=subject,isRead", t)).first?.keys.sorted(), ["isRead", "subject"])
        let page = try call("GET", "/me/messages?$top=1&$select=subject", t)
        XCTAssertEqual(values(page).count, 1)
        let second = try call("GET", try XCTUnwrap(page.json["@odata.nextLink"] as? String), t)
        XCTAssertEqual(values(second).first?["subject"] as? String, "Welcome to Contoso")
        XCTAssertNil(second.json["@odata.nextLink"])
        XCTAssertEqual(values(try call("GET", "/users/\(Fixtures.adele.upn)/mailFolders/inbox/messages", t)).count, 2)

        let id = all[0]["id"] as! String
        XCTAssertEqual(try call("GET", "/me/messages/\(id)", t).json["subject"] as? String, "Quarterly review")
        XCTAssertEqual(try call("PATCH", "/me/messages/\(id)", t, json: ["isRead": true]).json["isRead"] as? Bool, true)
        XCTAssertEqual(try call("PATCH", "/me/messages/\(id)", t, json: ["subject": "changed"]).status, 400)

        let moved = try call("POST", "/me/messages/\(id)/move", t, json: ["destinationId": "archive"])
        XCTAssertEqual(moved.status, 201, moved.text)
        let newId = try XCTUnwrap(moved.json["id"] as? String)
        XCTAssertNotEqual(newId, id)
        let archiveId = try call("GET", "/me/mailFolders/archive", t).json["id"] as? String
        XCTAssertEqual(moved.json["parentFolderId"] as? String, archiveId)
        XCTAssertEqual(try call("GET", "/me/messages/\(id)", t).status, 404)
        XCTAssertEqual(values(try call("GET", "/me/mailFolders/archive/messages", t)).compactMap { $0["id"] as? String }, [newId])
        XCTAssertEqual(try call("POST", "/me/messages/\(newId)/move", t, json: ["destinationId": "nowhere"]).status, 404)
        XCTAssertEqual(try call("POST", "/me/messages/\(newId)/move", t, json: [:]).status, 400)

        XCTAssertEqual(try call("DELETE", "/me/messages/\(newId)", t).status, 204)
        let gone = try call("GET", "/me/messages/\(newId)", t)
        XCTAssertEqual(gone.status, 404)
        XCTAssertEqual(error(gone).code, "ErrorItemNotFound")
        XCTAssertEqual(try call("DELETE", "/me/messages/\(newId)", t).status, 404)
    }

    // MARK: Mailbox settings, chats, apps

    func testMailboxSettingsChatsAndApps() throws {
        let t = try token(Fixtures.admin, "MailboxSettings.Read Chat.Read Directory.Read.All")
        let s = try call("GET", "/me/mailboxSettings", t)
        XCTAssertEqual(s.status, 200, s.text)
        for key in ["archiveFolder", "timeZone", "automaticRepliesSetting", "language", "workingHours", "dateFormat", "timeFormat", "userPurpose",
                    "delegateMeetingMessageDeliveryOptions"] {
            XCTAssertTrue(s.json.keys.contains(key), key)
        }
        XCTAssertEqual((s.json["language"] as? [String: Any])?["locale"] as? String, "en-US")
        XCTAssertEqual(((s.json["workingHours"] as? [String: Any])?["daysOfWeek"] as? [String])?.count, 5)
        XCTAssertEqual(try call("GET", "/me/mailboxSettings?$select=timeZone", t).json.keys.sorted(), ["@odata.context", "timeZone"])
        XCTAssertEqual(try call("GET", "/me/mailboxSettings", try token(Fixtures.admin, "User.Read")).status, 403)

        let chats = values(try call("GET", "/me/chats", t))
        XCTAssertEqual(Set(chats.compactMap { $0["chatType"] as? String }), ["oneOnOne", "group"])
        for key in ["id", "topic", "createdDateTime", "lastUpdatedDateTime", "chatType", "webUrl", "tenantId"] { XCTAssertTrue(chats[0].keys.contains(key), key) }
        let one = values(try call("GET", "/me/chats?$filter=" + q("chatType eq 'oneOnOne'"), t))
        XCTAssertEqual(one.count, 1)
        XCTAssertTrue((one[0]["id"] as? String ?? "").contains(Fixtures.adele.id))
        XCTAssertEqual(try call("GET", "/chats/\(q(one[0]["id"] as! String))", t).json["chatType"] as? String, "oneOnOne")
        XCTAssertEqual(values(try call("GET", "/me/chats", try token(Fixtures.adele, "Chat.Read"))).count, 2)
        XCTAssertEqual(values(try call("GET", "/me/chats", try token((upn: "megan.bowen@contoso.com", password: "Megan!Passw0rd", id: megan), "Chat.Read"))).count, 1)

        let apps = values(try call("GET", "/appCatalogs/teamsApps", t))
        XCTAssertEqual(apps.count, 3)
        for key in ["id", "externalId", "displayName", "distributionMethod"] { XCTAssertTrue(apps[0].keys.contains(key), key) }
        let org = values(try call("GET", "/appCatalogs/teamsApps?$filter=" + q("distributionMethod eq 'organization'"), t))
        XCTAssertEqual(org.compactMap { $0["displayName"] as? String }, ["Contoso Expenses"])
        XCTAssertEqual(values(try call("GET", "/appCatalogs/teamsApps?$filter=" + q("distributionMethod eq 'store'"), t)).count, 2)
    }
}
