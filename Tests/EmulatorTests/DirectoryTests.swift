import EmulatorKit
import Foundation
import XCTest

/// The stateful Entra directory behind Graph: OData queries, writes, links, licences, roles,
/// `$batch`, permissions and large tenants.
final class DirectoryTests: GraphTestCase {
    let graphSP = "adef586f-f86d-4185-b833-f7b1d4d75589"
    let e3 = "6fd2c87f-b296-42f0-b197-1e91e994b900"
    let eventual = ["ConsistencyLevel": "eventual"]

    func upns(_ r: HTTPResult) -> [String] { values(r).compactMap { $0["userPrincipalName"] as? String } }

    // MARK: $filter

    func testFilterComparisonsFunctionsAndLambdas() throws {
        let t = try adminToken()
        XCTAssertEqual(upns(try call("GET", "/users?$filter=" + q("userPrincipalName eq 'ADELE.VANCE@contoso.com'"), t)), [Fixtures.adele.upn])
        XCTAssertEqual(Set(upns(try call("GET", "/users?$filter=" + q("startswith(displayName,'m')"), t))),
                       [Fixtures.admin.upn, "megan.bowen@contoso.com"])
        XCTAssertEqual(Set(upns(try call("GET", "/users?$filter=" + q("id in ('\(Fixtures.adele.id)', '\(Fixtures.admin.id)')"), t))),
                       [Fixtures.adele.upn, Fixtures.admin.upn])
        XCTAssertEqual(upns(try call("GET", "/users?$filter=" + q("accountEnabled eq false"), t)), ["former.employee@contoso.com"])
        XCTAssertEqual(Set(upns(try call("GET", "/users?$filter=" + q("(jobTitle eq 'Retail Manager' or jobTitle eq 'Marketing Manager') and usageLocation eq 'US'"), t))),
                       [Fixtures.adele.upn, "megan.bowen@contoso.com"])
        XCTAssertEqual(upns(try call("GET", "/users?$filter=" + q("jobTitle eq null and accountEnabled eq true"), t)), [])
        let unified = values(try call("GET", "/groups?$filter=" + q("groupTypes/any(c:c eq 'Unified')"), t)).compactMap { $0["displayName"] as? String }
        XCTAssertEqual(Set(unified), ["All Company", "Sales and Marketing"])
        let sps = values(try call("GET", "/servicePrincipals?$filter=" + q("servicePrincipalNames/any(s:s eq 'https://graph.microsoft.com')"), t))
        XCTAssertEqual(sps.compactMap { $0["id"] as? String }, [graphSP])
        XCTAssertEqual(values(try call("GET", "/servicePrincipals?$filter=" + q("appId eq '00000003-0000-0000-c000-000000000000'") + "&$select=id,appId", t)).first?.keys.sorted(),
                       ["appId", "id"])
        // String literals with '' escaping and an unquoted GUID.
        XCTAssertEqual(values(try call("GET", "/users?$filter=" + q("displayName eq 'O''Neil'"), t)).count, 0)
        XCTAssertEqual(upns(try call("GET", "/users?$filter=" + q("id eq \(Fixtures.adele.id)"), t)), [Fixtures.adele.upn])

        // ne, not and endswith are advanced queries.
        for f in ["userPrincipalName ne 'x@contoso.com'", "not(accountEnabled eq true)", "endswith(mail,'@contoso.com')"] {
            let r = try call("GET", "/users?$filter=" + q(f), t)
            XCTAssertEqual(r.status, 400, f)
            XCTAssertEqual(errorCode(r), "Request_UnsupportedQuery", f)
            XCTAssertTrue(errorMessage(r).contains("ConsistencyLevel:eventual"), errorMessage(r))
        }
        let ne = try call("GET", "/users?$count=true&$filter=" + q("accountEnabled ne true"), t, headers: eventual)
        XCTAssertEqual(upns(ne), ["former.employee@contoso.com"])
        XCTAssertEqual(ne.json["@odata.count"] as? Int, 1)
        XCTAssertEqual(upns(try call("GET", "/users?$count=true&$filter=" + q("not(accountEnabled eq true)"), t, headers: eventual)),
                       ["former.employee@contoso.com"])
        XCTAssertEqual(Set(upns(try call("GET", "/users?$count=true&$filter=" + q("endswith(userPrincipalName,'.onmicrosoft.com')"), t, headers: eventual))),
                       [Fixtures.admin.upn])

        for bad in ["displayName eqq 'x'", "startswith(displayName,'x'", "displayName eq 'unterminated", "and", "displayName eq"] {
            let r = try call("GET", "/users?$filter=" + q(bad), t)
            XCTAssertEqual(r.status, 400, bad)
            XCTAssertEqual(errorCode(r), "Request_BadRequest", bad)
            XCTAssertTrue(errorMessage(r).hasPrefix("Invalid filter clause"), errorMessage(r))
        }
        let unknown = try call("GET", "/users?$filter=" + q("shoeSize eq 42"), t)
        XCTAssertEqual(unknown.status, 400)
        XCTAssertEqual(errorMessage(unknown), "Could not find a property named 'shoeSize' on type 'Microsoft.DirectoryServices.User'.")
    }

    func testCountOrderByAndSearch() throws {
        let t = try adminToken()
        let count = try call("GET", "/users/$count", t, headers: eventual)
        XCTAssertEqual(count.status, 200, count.text)
        XCTAssertEqual(count.text, "5")
        XCTAssertTrue(count.header("content-type")?.hasPrefix("text/plain") == true)
        XCTAssertEqual(try call("GET", "/users/$count", t).status, 400)
        XCTAssertEqual(try call("GET", "/groups/$count?$filter=" + q("securityEnabled eq true"), t, headers: eventual).text, "1")

        let noHeader = try call("GET", "/users?$count=true", t)
        XCTAssertEqual(noHeader.status, 400)
        XCTAssertEqual(errorCode(noHeader), "Request_UnsupportedQuery")
        // @odata.count on the first page only.
        let first = try call("GET", "/users?$count=true&$top=2", t, headers: eventual)
        XCTAssertEqual(first.json["@odata.count"] as? Int, 5)
        XCTAssertTrue(first.text.hasPrefix("{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#users\",\"@odata.count\":5,\"@odata.nextLink\""), first.text)
        let second = try call("GET", try XCTUnwrap(first.json["@odata.nextLink"] as? String), t, headers: eventual)
        XCTAssertEqual(second.status, 200)
        XCTAssertNil(second.json["@odata.count"])

        let desc = values(try call("GET", "/users?$orderby=displayName%20desc&$select=displayName", t)).compactMap { $0["displayName"] as? String }
        XCTAssertEqual(desc, ["MOD Administrator", "Megan Bowen", "Lidia Holloway", "Former Employee", "Adele Vance"])
        let asc = values(try call("GET", "/groups?$orderby=displayName", t)).compactMap { $0["displayName"] as? String }
        XCTAssertEqual(asc, ["All Company", "IT Admins", "Sales and Marketing"])
        let advanced = try call("GET", "/users?$orderby=jobTitle", t)
        XCTAssertEqual(advanced.status, 400)
        XCTAssertEqual(errorCode(advanced), "Request_UnsupportedQuery")
        XCTAssertEqual(values(try call("GET", "/users?$orderby=jobTitle&$count=true", t, headers: eventual)).first?["displayName"] as? String,
                       "Former Employee", "nulls first")

        let search = try call("GET", "/users?$search=" + q("\"displayName:bowen\""), t, headers: eventual)
        XCTAssertEqual(upns(search), ["megan.bowen@contoso.com"])
        XCTAssertEqual(try call("GET", "/users?$search=" + q("\"displayName:bowen\""), t).status, 400)
    }

    // MARK: Users

    func testUserCreatePatchDeleteAndValidation() throws {
        let t = try adminToken()
        let body: [String: Any] = ["accountEnabled": true, "displayName": "Nestor Wilke", "mailNickname": "nestorw",
                                   "userPrincipalName": "nestor.wilke@contoso.com",
                                   "passwordProfile": ["forceChangePasswordNextSignIn": true, "password": "xWwvJ]6NMw+bWH-d"]]
        let created = try call("POST", "/users", t, json: body)
        XCTAssertEqual(created.status, 201, created.text)
        XCTAssertEqual(created.json["@odata.context"] as? String, "https://graph.microsoft.com/v1.0/$metadata#users/$entity")
        let id = try XCTUnwrap(created.json["id"] as? String)
        XCTAssertNotNil(UUID(uuidString: id))
        XCTAssertEqual(created.json["userPrincipalName"] as? String, "nestor.wilke@contoso.com")

        let dup = try call("POST", "/users", t, json: body)
        XCTAssertEqual(dup.status, 400)
        XCTAssertEqual(errorCode(dup), "Request_BadRequest")
        XCTAssertEqual(errorMessage(dup), "Another object with the same value for property userPrincipalName already exists.")

        var foreign = body
        foreign["userPrincipalName"] = "someone@fabrikam.com"
        XCTAssertEqual(errorMessage(try call("POST", "/users", t, json: foreign)),
                       "Invalid value specified for property 'userPrincipalName' of resource 'User'.")
        var missing = body
        missing["displayName"] = nil
        missing["userPrincipalName"] = "other@contoso.com"
        XCTAssertEqual(errorMessage(try call("POST", "/users", t, json: missing)), "Invalid value specified for property 'displayName' of resource 'User'.")
        var extra = body
        extra["userPrincipalName"] = "third@contoso.com"
        extra["shoeSize"] = 42
        XCTAssertEqual(errorMessage(try call("POST", "/users", t, json: extra)),
                       "Property 'shoeSize' does not exist as a declared property or extension property.")
        let garbage = try curl(graph + "/users", method: "POST", headers: ["Authorization": "Bearer \(t)", "Content-Type": "application/json"], body: "{nope")
        XCTAssertEqual(garbage.status, 400)
        XCTAssertEqual(errorCode(garbage), "BadRequest")
        XCTAssertTrue(errorMessage(garbage).hasPrefix("Unable to read JSON request payload."))

        let patched = try call("PATCH", "/users/\(id)", t, json: ["jobTitle": "Planner", "department": "Operations"])
        XCTAssertEqual(patched.status, 204, patched.text)
        let got = try call("GET", "/users/nestor.wilke@contoso.com?$select=jobTitle,department,accountEnabled,passwordProfile", t)
        XCTAssertEqual(got.json["jobTitle"] as? String, "Planner")
        XCTAssertEqual(got.json["department"] as? String, "Operations")
        XCTAssertEqual(got.json["accountEnabled"] as? Bool, true)
        XCTAssertTrue(got.json["passwordProfile"] is NSNull, "passwords are never returned")
        XCTAssertEqual(upns(try call("GET", "/users?$filter=" + q("jobTitle eq 'planner'"), t)), ["nestor.wilke@contoso.com"])

        XCTAssertEqual(try call("DELETE", "/users/\(id)", t).status, 204)
        XCTAssertEqual(errorCode(try call("GET", "/users/\(id)", t)), "Request_ResourceNotFound")
        XCTAssertEqual(try call("DELETE", "/users/\(id)", t).status, 404)
    }

    func testManagerLinksAndExpand() throws {
        let t = try adminToken()
        let megan = "c3b7e6f9-dd4e-4e84-a28c-9af85b134cc2"
        let manager = try call("GET", "/users/\(Fixtures.adele.id)/manager", t)
        XCTAssertEqual(manager.status, 200, manager.text)
        XCTAssertEqual(manager.json["@odata.type"] as? String, "#microsoft.graph.user")
        XCTAssertEqual(manager.json["id"] as? String, megan)
        let expanded = try call("GET", "/users/\(Fixtures.adele.id)?$expand=manager($select=id,displayName)", t)
        XCTAssertEqual((expanded.json["manager"] as? [String: Any])?.keys.sorted(), ["@odata.type", "displayName", "id"])
        let listed = values(try call("GET", "/users?$expand=manager&$select=id", t))
        XCTAssertEqual(listed.filter { $0["manager"] != nil }.count, 1)

        XCTAssertEqual(try call("PUT", "/users/\(Fixtures.adele.id)/manager/$ref", t,
                                json: ["@odata.id": "https://graph.microsoft.com/v1.0/users/\(Fixtures.admin.id)"]).status, 204)
        XCTAssertEqual(try call("GET", "/users/\(Fixtures.adele.id)/manager", t).json["id"] as? String, Fixtures.admin.id)
        XCTAssertEqual(try call("PUT", "/users/\(Fixtures.adele.id)/manager/$ref", t,
                                json: ["@odata.id": "https://graph.microsoft.com/v1.0/users/a1b2c3d4-0000-0000-0000-000000000000"]).status, 404)
        XCTAssertEqual(try call("DELETE", "/users/\(Fixtures.adele.id)/manager/$ref", t).status, 204)
        XCTAssertEqual(errorCode(try call("GET", "/users/\(Fixtures.adele.id)/manager", t)), "Request_ResourceNotFound")
        // /me maps to the signed-in user.
        XCTAssertEqual(try call("GET", "/me/manager", try adeleToken()).status, 404)
        XCTAssertEqual(values(try call("GET", "/me/memberOf", try adeleToken())).count, 2)
    }

    // MARK: Groups

    func testGroupMembershipReferences() throws {
        let t = try adminToken()
        let itAdmins = "b6f009ce-1ea0-491f-a9a3-d9cd60559893"
        let ref = ["@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/\(Fixtures.adele.id)"]
        XCTAssertEqual(try call("POST", "/groups/\(itAdmins)/members/$ref", t, json: ref).status, 204)
        let again = try call("POST", "/groups/\(itAdmins)/members/$ref", t, json: ref)
        XCTAssertEqual(again.status, 400)
        XCTAssertEqual(errorMessage(again), "One or more added object references already exist for the following modified properties: 'members'.")
        let ghost = try call("POST", "/groups/\(itAdmins)/members/$ref", t,
                             json: ["@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/a1b2c3d4-0000-0000-0000-000000000000"])
        XCTAssertEqual(ghost.status, 404)
        XCTAssertEqual(errorCode(ghost), "Request_ResourceNotFound")

        let members = values(try call("GET", "/groups/\(itAdmins)/members?$select=id,userPrincipalName", t))
        XCTAssertEqual(members.compactMap { $0["id"] as? String }, [Fixtures.admin.id, Fixtures.adele.id])
        XCTAssertEqual(members.first?["@odata.type"] as? String, "#microsoft.graph.user")
        let paged = try call("GET", "/groups/\(itAdmins)/members?$top=1", t)
        XCTAssertEqual(values(paged).count, 1)
        XCTAssertNotNil(paged.json["@odata.nextLink"])
        // A filter on members is an advanced query (as the CLI sends it); without the header and $count Graph refuses it.
        XCTAssertEqual(values(try call("GET", "/groups/\(itAdmins)/members?$count=true&$filter=" + q("startswith(displayName,'Adele')"), t,
                                       headers: ["ConsistencyLevel": "eventual"])).count, 1)
        XCTAssertEqual(errorCode(try call("GET", "/groups/\(itAdmins)/members?$filter=" + q("startswith(displayName,'Adele')"), t)), "Request_UnsupportedQuery")
        let users = values(try call("GET", "/groups/\(itAdmins)/members/microsoft.graph.user?$select=id", t))
        XCTAssertEqual(users.compactMap { $0["id"] as? String }, [Fixtures.admin.id, Fixtures.adele.id], "the user cast needs no header")

        let memberGroups = try call("POST", "/users/\(Fixtures.adele.id)/getMemberGroups", t, json: ["securityEnabledOnly": true])
        XCTAssertEqual(memberGroups.json["value"] as? [String], [itAdmins])
        let memberOf = values(try call("GET", "/users/\(Fixtures.adele.id)/memberOf", t))
        XCTAssertTrue(memberOf.contains { $0["id"] as? String == itAdmins && $0["@odata.type"] as? String == "#microsoft.graph.group" })

        XCTAssertEqual(try call("DELETE", "/groups/\(itAdmins)/members/\(Fixtures.adele.id)/$ref", t).status, 204)
        XCTAssertEqual(try call("DELETE", "/groups/\(itAdmins)/members/\(Fixtures.adele.id)/$ref", t).status, 404)
        XCTAssertEqual(try call("POST", "/groups/\(itAdmins)/owners/$ref", t, json: ref).status, 204)
        XCTAssertEqual(values(try call("GET", "/groups/\(itAdmins)/owners", t)).count, 2)
    }

    func testGroupCreateWithBindsAndTheTwentyLimit() throws {
        let t = try adminToken()
        let body: [String: Any] = [
            "displayName": "Project X", "mailNickname": "projectx", "mailEnabled": true, "securityEnabled": false,
            "groupTypes": ["Unified"], "description": "secret",
            "owners@odata.bind": ["https://graph.microsoft.com/v1.0/users/\(Fixtures.admin.id)"],
            "members@odata.bind": ["https://graph.microsoft.com/v1.0/directoryObjects/\(Fixtures.adele.id)",
                                   "https://graph.microsoft.com/v1.0/users/\(Fixtures.admin.id)"],
        ]
        let created = try call("POST", "/groups", t, json: body)
        XCTAssertEqual(created.status, 201, created.text)
        let id = try XCTUnwrap(created.json["id"] as? String)
        XCTAssertEqual(created.json["mail"] as? String, "projectx@contoso.onmicrosoft.com")
        XCTAssertEqual(created.json["visibility"] as? String, "Public")
        XCTAssertEqual(values(try call("GET", "/groups/\(id)/members", t)).count, 2)
        XCTAssertEqual(values(try call("GET", "/groups/\(id)/owners", t)).compactMap { $0["id"] as? String }, [Fixtures.admin.id])
        let expanded = try call("GET", "/groups/\(id)?$expand=members($select=id)", t)
        XCTAssertEqual((expanded.json["members"] as? [[String: Any]])?.count, 2)

        // 21 references in one request are refused; nothing is applied.
        var ids: [String] = []
        for i in 0..<21 {
            let u = try call("POST", "/users", t, json: ["accountEnabled": true, "displayName": "Bulk \(i)", "mailNickname": "bulk\(i)",
                                                         "userPrincipalName": "bulk\(i)@contoso.com", "passwordProfile": ["password": "P@ssw0rd!\(i)"]])
            ids.append(try XCTUnwrap(u.json["id"] as? String, u.text))
        }
        let tooMany = try call("PATCH", "/groups/\(id)", t,
                               json: ["members@odata.bind": ids.map { "https://graph.microsoft.com/v1.0/directoryObjects/\($0)" }])
        XCTAssertEqual(tooMany.status, 400, tooMany.text)
        XCTAssertEqual(errorCode(tooMany), "Request_BadRequest")
        XCTAssertEqual(values(try call("GET", "/groups/\(id)/members", t)).count, 2)
        let twenty = try call("PATCH", "/groups/\(id)", t,
                              json: ["description": "twenty", "members@odata.bind": ids.prefix(20).map { "https://graph.microsoft.com/v1.0/directoryObjects/\($0)" }])
        XCTAssertEqual(twenty.status, 204, twenty.text)
        let all = try call("GET", "/groups/\(id)/members/$count", t, headers: eventual)
        XCTAssertEqual(all.text, "22")

        XCTAssertEqual(errorMessage(try call("POST", "/groups", t, json: ["displayName": "No nick", "mailEnabled": false, "securityEnabled": true])),
                       "Invalid value specified for property 'mailNickname' of resource 'Group'.")
        XCTAssertEqual(try call("DELETE", "/groups/\(id)", t).status, 204)
        XCTAssertEqual(try call("GET", "/groups/\(id)", t).status, 404)
    }

    // MARK: Applications and service principals

    func testApplicationsPasswordsAndCertificates() throws {
        let t = try adminToken()
        let created = try call("POST", "/applications", t, json: ["displayName": "Contoso Reports", "signInAudience": "AzureADMyOrg",
                                                                  "web": ["redirectUris": ["https://reports.contoso.com/auth"]]])
        XCTAssertEqual(created.status, 201, created.text)
        let id = try XCTUnwrap(created.json["id"] as? String)
        let appId = try XCTUnwrap(created.json["appId"] as? String)
        XCTAssertEqual(created.json["publisherDomain"] as? String, "contoso.onmicrosoft.com")

        let pw = try call("POST", "/applications/\(id)/addPassword", t, json: ["passwordCredential": ["displayName": "ci"]])
        XCTAssertEqual(pw.status, 200, pw.text)
        let secret = try XCTUnwrap(pw.json["secretText"] as? String)
        XCTAssertGreaterThanOrEqual(secret.count, 32)
        XCTAssertEqual(pw.json["hint"] as? String, String(secret.prefix(3)))
        let keyId = try XCTUnwrap(pw.json["keyId"] as? String)
        let end = try XCTUnwrap(pw.json["endDateTime"] as? String)
        XCTAssertTrue(end.hasPrefix(String(Calendar(identifier: .gregorian).component(.year, from: Date()) + 2)), end)

        let byAppId = try call("GET", "/applications(appId='\(appId)')?$select=passwordCredentials", t)
        XCTAssertEqual(byAppId.status, 200, byAppId.text)
        let creds = try XCTUnwrap(byAppId.json["passwordCredentials"] as? [[String: Any]])
        XCTAssertEqual(creds.count, 1)
        XCTAssertTrue(creds[0]["secretText"] is NSNull)
        XCTAssertEqual(creds[0]["displayName"] as? String, "ci")

        XCTAssertEqual(try call("POST", "/applications/\(id)/removePassword", t, json: ["keyId": keyId]).status, 204)
        XCTAssertEqual(try call("POST", "/applications/\(id)/removePassword", t, json: ["keyId": keyId]).status, 404)

        let pem = try Fixtures.read("cert-app.cert.pem")
        let der = Assertions.certificateDER(pem).base64EncodedString()
        let patch = try call("PATCH", "/applications/\(id)", t, json: ["keyCredentials": [["type": "AsymmetricX509Cert", "usage": "Verify", "key": der,
                                                                                           "displayName": "CN=reports"]]])
        XCTAssertEqual(patch.status, 204, patch.text)
        let keys = try XCTUnwrap(try call("GET", "/applications/\(id)?$select=keyCredentials", t).json["keyCredentials"] as? [[String: Any]])
        XCTAssertEqual(keys.count, 1)
        XCTAssertTrue(keys[0]["key"] is NSNull, "Graph never returns the key")
        XCTAssertEqual((keys[0]["customKeyIdentifier"] as? String)?.count, 40)
        XCTAssertNotNil(keys[0]["endDateTime"] as? String)

        // The seeded secret app shows its secrets' hints, never the values.
        let seeded = try call("GET", "/applications(appId='\(Fixtures.secretApp)')", t)
        let seededCreds = try XCTUnwrap(seeded.json["passwordCredentials"] as? [[String: Any]])
        XCTAssertEqual(seededCreds.first?["hint"] as? String, "Aut")
        XCTAssertFalse(seeded.text.contains(Fixtures.secret))
        let rra = try XCTUnwrap(seeded.json["requiredResourceAccess"] as? [[String: Any]])
        XCTAssertEqual(rra.first?["resourceAppId"] as? String, "00000003-0000-0000-c000-000000000000")
        XCTAssertTrue((rra.first?["resourceAccess"] as? [[String: Any]])?.contains { $0["type"] as? String == "Role" } == true)

        XCTAssertEqual(try call("DELETE", "/applications/\(id)", t).status, 204)
        XCTAssertEqual(try call("GET", "/applications/\(id)", t).status, 404)
    }

    func testServicePrincipalsAndAppRoleAssignments() throws {
        let t = try adminToken()
        let app = try call("POST", "/applications", t, json: ["displayName": "Contoso Sync"])
        let appId = try XCTUnwrap(app.json["appId"] as? String)
        XCTAssertEqual(try call("POST", "/servicePrincipals", t, json: ["appId": "a1b2c3d4-0000-0000-0000-000000000000"]).status, 400)
        let sp = try call("POST", "/servicePrincipals", t, json: ["appId": appId])
        XCTAssertEqual(sp.status, 201, sp.text)
        let spId = try XCTUnwrap(sp.json["id"] as? String)
        XCTAssertEqual(sp.json["displayName"] as? String, "Contoso Sync")
        let dup = try call("POST", "/servicePrincipals", t, json: ["appId": appId])
        XCTAssertEqual(dup.status, 409)
        XCTAssertEqual(errorCode(dup), "Request_MultipleObjectsWithSameKeyValue")

        // Permission ids are stable: name-based, the same on every run.
        let graphSPEntity = try call("GET", "/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')?$select=appRoles,oauth2PermissionScopes", t)
        let roles = try XCTUnwrap(graphSPEntity.json["appRoles"] as? [[String: Any]])
        let userReadAll = try XCTUnwrap(roles.first { $0["value"] as? String == "User.Read.All" })
        XCTAssertEqual(userReadAll["allowedMemberTypes"] as? [String], ["Application"])
        let scopes = try XCTUnwrap(graphSPEntity.json["oauth2PermissionScopes"] as? [[String: Any]])
        XCTAssertEqual(scopes.first { $0["value"] as? String == "User.Read" }?["type"] as? String, "User")
        XCTAssertEqual(scopes.first { $0["value"] as? String == "Directory.ReadWrite.All" }?["type"] as? String, "Admin")
        let roleId = try XCTUnwrap(userReadAll["id"] as? String)

        let body: [String: Any] = ["principalId": spId, "resourceId": graphSP, "appRoleId": roleId]
        let assigned = try call("POST", "/servicePrincipals/\(spId)/appRoleAssignments", t, json: body)
        XCTAssertEqual(assigned.status, 201, assigned.text)
        XCTAssertEqual(assigned.json["principalType"] as? String, "ServicePrincipal")
        XCTAssertEqual(assigned.json["resourceDisplayName"] as? String, "Microsoft Graph")
        XCTAssertEqual(assigned.json["principalDisplayName"] as? String, "Contoso Sync")
        let assignmentId = try XCTUnwrap(assigned.json["id"] as? String)
        XCTAssertEqual(try call("POST", "/servicePrincipals/\(spId)/appRoleAssignments", t, json: body).status, 400)
        var wrongRole = body
        wrongRole["appRoleId"] = "a1b2c3d4-0000-0000-0000-000000000000"
        XCTAssertEqual(errorCode(try call("POST", "/servicePrincipals/\(spId)/appRoleAssignments", t, json: wrongRole)), "Request_BadRequest")

        XCTAssertEqual(values(try call("GET", "/servicePrincipals/\(spId)/appRoleAssignments", t)).compactMap { $0["id"] as? String }, [assignmentId])
        let assignedTo = values(try call("GET", "/servicePrincipals/\(graphSP)/appRoleAssignedTo?$top=999", t))
        XCTAssertTrue(assignedTo.contains { $0["id"] as? String == assignmentId })
        XCTAssertEqual(try call("DELETE", "/servicePrincipals/\(spId)/appRoleAssignments/\(assignmentId)", t).status, 204)
        XCTAssertEqual(values(try call("GET", "/servicePrincipals/\(spId)/appRoleAssignments", t)).count, 0)
        XCTAssertEqual(try call("DELETE", "/servicePrincipals/\(spId)/appRoleAssignments/\(assignmentId)", t).status, 404)
    }

    func testOAuth2PermissionGrants() throws {
        let t = try adminToken()
        let cliSP = "23b0196d-dfe5-4fa7-b399-b636d6f73a3a"
        let seeded = values(try call("GET", "/oauth2PermissionGrants?$filter=" + q("clientId eq '\(cliSP)'"), t))
        XCTAssertEqual(seeded.count, 2, "the seed's consent for Graph and SharePoint")
        XCTAssertTrue((seeded.first { $0["resourceId"] as? String == graphSP }?["scope"] as? String)?.contains("User.Read") == true)

        let daemonSP = "a11eb4da-3aa3-41f0-96e3-1f7cfe13103a"
        let body: [String: Any] = ["clientId": daemonSP, "consentType": "Principal", "principalId": Fixtures.adele.id,
                                   "resourceId": graphSP, "scope": "User.Read Mail.Send"]
        let created = try call("POST", "/oauth2PermissionGrants", t, json: body)
        XCTAssertEqual(created.status, 201, created.text)
        let id = try XCTUnwrap(created.json["id"] as? String)
        XCTAssertEqual(try call("POST", "/oauth2PermissionGrants", t, json: body).status, 409)
        var bad = body
        bad["consentType"] = "Everyone"
        XCTAssertEqual(try call("POST", "/oauth2PermissionGrants", t, json: bad).status, 400)

        XCTAssertEqual(try call("PATCH", "/oauth2PermissionGrants/\(id)", t, json: ["scope": "User.Read"]).status, 204)
        XCTAssertEqual(try call("GET", "/oauth2PermissionGrants/\(id)", t).json["scope"] as? String, "User.Read")
        XCTAssertEqual(values(try call("GET", "/oauth2PermissionGrants?$filter=" + q("clientId eq '\(daemonSP)' and consentType eq 'Principal'"), t)).count, 1)
        XCTAssertEqual(try call("DELETE", "/oauth2PermissionGrants/\(id)", t).status, 204)
        XCTAssertEqual(try call("GET", "/oauth2PermissionGrants/\(id)", t).status, 404)
    }

    // MARK: Licences and roles

    func testAssignLicenseUpdatesUsersAndSkus() throws {
        let t = try adminToken()
        let before = values(try call("GET", "/subscribedSkus", t))
        XCTAssertEqual(before.compactMap { $0["skuPartNumber"] as? String }, ["ENTERPRISEPACK", "FLOW_FREE", "EMSPREMIUM"])
        XCTAssertEqual(before.first?["consumedUnits"] as? Int, 0)
        XCTAssertEqual((before.first?["prepaidUnits"] as? [String: Any])?["enabled"] as? Int, 25)

        let assigned = try call("POST", "/users/\(Fixtures.adele.id)/assignLicense", t,
                                json: ["addLicenses": [["skuId": e3, "disabledPlans": ["57ff2da0-773e-42df-b2af-ffb7a2317929"]]], "removeLicenses": []])
        XCTAssertEqual(assigned.status, 200, assigned.text)
        XCTAssertEqual(assigned.json["id"] as? String, Fixtures.adele.id)
        let licenses = try XCTUnwrap(try call("GET", "/users/\(Fixtures.adele.id)?$select=assignedLicenses", t).json["assignedLicenses"] as? [[String: Any]])
        XCTAssertEqual(licenses.first?["skuId"] as? String, e3)
        XCTAssertEqual(values(try call("GET", "/subscribedSkus", t)).first?["consumedUnits"] as? Int, 1)
        let details = values(try call("GET", "/users/\(Fixtures.adele.id)/licenseDetails", t))
        XCTAssertEqual(details.first?["skuPartNumber"] as? String, "ENTERPRISEPACK")
        let teams = (details.first?["servicePlans"] as? [[String: Any]])?.first { $0["servicePlanName"] as? String == "TEAMS1" }
        XCTAssertEqual(teams?["provisioningStatus"] as? String, "Disabled")
        XCTAssertEqual(values(try call("GET", "/users?$filter=" + q("assignedLicenses/any(x:x/skuId eq \(e3))"), t)).count, 1)

        let unknown = try call("POST", "/users/\(Fixtures.adele.id)/assignLicense", t,
                               json: ["addLicenses": [["skuId": "a1b2c3d4-0000-0000-0000-000000000000"]], "removeLicenses": []])
        XCTAssertEqual(unknown.status, 400)
        XCTAssertEqual(errorMessage(unknown), "License a1b2c3d4-0000-0000-0000-000000000000 does not correspond to a valid company License.")
        let noLocation = try call("POST", "/users/former.employee@contoso.com/assignLicense", t,
                                  json: ["addLicenses": [["skuId": e3, "disabledPlans": []]], "removeLicenses": []])
        XCTAssertEqual(errorMessage(noLocation), "License assignment cannot be done for user with invalid usage location.")

        XCTAssertEqual(try call("POST", "/users/\(Fixtures.adele.id)/assignLicense", t, json: ["addLicenses": [], "removeLicenses": [e3]]).status, 200)
        XCTAssertEqual(values(try call("GET", "/subscribedSkus", t)).first?["consumedUnits"] as? Int, 0)
        XCTAssertEqual(values(try call("GET", "/users/\(Fixtures.adele.id)/licenseDetails", t)).count, 0)
    }

    func testRoleDefinitionsAssignmentsAndDirectoryRoles() throws {
        let t = try adminToken()
        let userAdmin = "fe930be7-5e62-47db-91af-98c3a49a38b1"
        let defs = values(try call("GET", "/roleManagement/directory/roleDefinitions?$filter=" + q("displayName eq 'User Administrator'"), t))
        XCTAssertEqual(defs.first?["id"] as? String, userAdmin)
        XCTAssertEqual(defs.first?["isBuiltIn"] as? Bool, true)
        XCTAssertNotNil((defs.first?["rolePermissions"] as? [[String: Any]])?.first?["allowedResourceActions"])
        let roles = values(try call("GET", "/directoryRoles", t))
        let ga = try XCTUnwrap(roles.first { $0["roleTemplateId"] as? String == "62e90394-69f5-4237-9190-012177145e10" })
        XCTAssertEqual(values(try call("GET", "/directoryRoles/\(ga["id"] as! String)/members", t)).compactMap { $0["id"] as? String }, [Fixtures.admin.id])

        // Adele may not create users until she is a User Administrator.
        let adele = try adeleToken()
        let newUser: [String: Any] = ["accountEnabled": true, "displayName": "Via Adele", "mailNickname": "viaadele",
                                      "userPrincipalName": "via.adele@contoso.com", "passwordProfile": ["password": "P@ssw0rd!1"]]
        XCTAssertEqual(try call("POST", "/users", adele, json: newUser).status, 403)
        let assignment = try call("POST", "/roleManagement/directory/roleAssignments", t,
                                  json: ["roleDefinitionId": userAdmin, "principalId": Fixtures.adele.id, "directoryScopeId": "/"])
        XCTAssertEqual(assignment.status, 201, assignment.text)
        let assignmentId = try XCTUnwrap(assignment.json["id"] as? String)
        XCTAssertEqual(assignment.json["principalId"] as? String, Fixtures.adele.id)
        XCTAssertEqual(try call("POST", "/users", adele, json: newUser).status, 201)
        XCTAssertEqual(values(try call("GET", "/roleManagement/directory/roleAssignments?$filter=" + q("principalId eq '\(Fixtures.adele.id)'"), t)).count, 1)
        XCTAssertTrue(values(try call("GET", "/directoryRoles", t)).contains { $0["roleTemplateId"] as? String == userAdmin })

        XCTAssertEqual(try call("POST", "/roleManagement/directory/roleAssignments", t,
                                json: ["roleDefinitionId": "a1b2c3d4-0000-0000-0000-000000000000", "principalId": Fixtures.adele.id,
                                       "directoryScopeId": "/"]).status, 404)
        XCTAssertEqual(try call("POST", "/roleManagement/directory/roleAssignments", t,
                                json: ["roleDefinitionId": userAdmin, "principalId": "a1b2c3d4-0000-0000-0000-000000000000",
                                       "directoryScopeId": "/"]).status, 404)
        XCTAssertEqual(try call("DELETE", "/roleManagement/directory/roleAssignments/\(assignmentId)", t).status, 204)
        var another = newUser
        another["userPrincipalName"] = "via.adele2@contoso.com"
        XCTAssertEqual(try call("POST", "/users", adele, json: another).status, 403)
    }

    func testAdministrativeUnits() throws {
        let t = try adminToken()
        let created = try call("POST", "/directory/administrativeUnits", t, json: ["displayName": "Seattle", "description": "Seattle district"])
        XCTAssertEqual(created.status, 201, created.text)
        let id = try XCTUnwrap(created.json["id"] as? String)
        XCTAssertEqual(try call("POST", "/directory/administrativeUnits/\(id)/members/$ref", t,
                                json: ["@odata.id": "https://graph.microsoft.com/v1.0/users/\(Fixtures.adele.id)"]).status, 204)
        XCTAssertEqual(values(try call("GET", "/administrativeUnits/\(id)/members", t)).compactMap { $0["id"] as? String }, [Fixtures.adele.id])
        XCTAssertEqual(try call("PATCH", "/directory/administrativeUnits/\(id)", t, json: ["description": "Seattle and Redmond"]).status, 204)
        XCTAssertEqual(try call("GET", "/directory/administrativeUnits/\(id)", t).json["description"] as? String, "Seattle and Redmond")
        XCTAssertEqual(values(try call("GET", "/directory/administrativeUnits?$filter=" + q("displayName eq 'seattle'"), t)).count, 1)
        XCTAssertEqual(try call("DELETE", "/directory/administrativeUnits/\(id)", t).status, 204)
        XCTAssertEqual(try call("GET", "/directory/administrativeUnits/\(id)", t).status, 404)
    }

    // MARK: $batch

    func batch(_ requests: [[String: Any]], _ token: String) throws -> HTTPResult {
        try call("POST", "/$batch", token, json: ["requests": requests])
    }

    func responses(_ r: HTTPResult) -> [[String: Any]] { r.json["responses"] as? [[String: Any]] ?? [] }

    func testBatchRunsInOrderWithDependencies() throws {
        let t = try adminToken()
        let r = try batch([
            ["id": "1", "method": "GET", "url": "/users/\(Fixtures.adele.id)?$select=displayName"],
            ["id": "2", "method": "GET", "url": "groups?$filter=" + q("securityEnabled eq true") + "&$select=id"],
            ["id": "3", "method": "GET", "url": "/users/a1b2c3d4-0000-0000-0000-000000000000"],
            ["id": "4", "method": "PATCH", "url": "/users/\(Fixtures.adele.id)", "dependsOn": ["3"],
             "headers": ["Content-Type": "application/json"], "body": ["jobTitle": "never"]],
            ["id": "5", "method": "POST", "url": "/groups", "body": ["displayName": "x"]],
            ["id": "6", "method": "PATCH", "url": "/users/\(Fixtures.adele.id)", "dependsOn": ["1"],
             "headers": ["Content-Type": "application/json"], "body": ["jobTitle": "Batch Manager"]],
            ["id": "7", "method": "GET", "url": "/users/$count", "headers": ["ConsistencyLevel": "eventual"]],
        ], t)
        XCTAssertEqual(r.status, 200, r.text)
        let items = responses(r)
        XCTAssertEqual(items.compactMap { $0["id"] as? String }, ["1", "2", "3", "4", "5", "6", "7"])
        XCTAssertEqual(items.compactMap { $0["status"] as? Int }, [200, 200, 404, 424, 400, 204, 200])
        XCTAssertEqual((items[0]["body"] as? [String: Any])?["displayName"] as? String, "Adele Vance")
        XCTAssertEqual(((items[1]["body"] as? [String: Any])?["value"] as? [[String: Any]])?.count, 1)
        XCTAssertEqual(((items[2]["body"] as? [String: Any])?["error"] as? [String: Any])?["code"] as? String, "Request_ResourceNotFound")
        XCTAssertEqual(((items[3]["body"] as? [String: Any])?["error"] as? [String: Any])?["code"] as? String, "FailedDependency")
        XCTAssertTrue((items[0]["headers"] as? [String: Any])?["Content-Type"] as? String ?? "" != "")
        XCTAssertEqual(items[6]["body"] as? String, "5")
        XCTAssertEqual(try call("GET", "/users/\(Fixtures.adele.id)?$select=jobTitle", t).json["jobTitle"] as? String, "Batch Manager")

        let tooMany = try batch((1...21).map { ["id": "\($0)", "method": "GET", "url": "/me"] }, t)
        XCTAssertEqual(tooMany.status, 400)
        XCTAssertEqual(errorCode(tooMany), "BadRequest")
        XCTAssertEqual(errorMessage(tooMany), "The number of batch requests exceeded the limit of 20.")
        let dupIds = try batch([["id": "1", "method": "GET", "url": "/me"], ["id": "1", "method": "GET", "url": "/me"]], t)
        XCTAssertEqual(dupIds.status, 400)
        XCTAssertEqual(try call("GET", "/$batch", t).status, 405)
    }

    func testBatchItemsAreThrottledAndLoggedOneByOne() throws {
        let t = try adminToken()
        XCTAssertEqual(try admin("faults", method: "POST", json: #"{"kind":"429","count":1,"retryAfter":7,"path":"/v1.0/groups"}"#).status, 201)
        XCTAssertEqual(try admin("requests", method: "DELETE").status, 204)
        let r = try batch([
            ["id": "a", "method": "GET", "url": "/users?$top=1"],
            ["id": "b", "method": "GET", "url": "/groups?$top=1"],
            ["id": "c", "method": "GET", "url": "/groups?$top=1"],
        ], t)
        XCTAssertEqual(r.status, 200, r.text)
        let items = responses(r)
        XCTAssertEqual(items.compactMap { $0["status"] as? Int }, [200, 429, 200])
        XCTAssertEqual((items[1]["headers"] as? [String: Any])?["Retry-After"] as? String, "7")
        XCTAssertEqual(((items[1]["body"] as? [String: Any])?["error"] as? [String: Any])?["code"] as? String, "TooManyRequests")
        XCTAssertEqual((try admin("faults").json["value"] as? [Any])?.count, 0, "the rule's count was used up by the item")

        let log = try XCTUnwrap(try admin("requests?host=graph.microsoft.com").json["value"] as? [[String: Any]])
        let outer = log.filter { $0["batchItem"] == nil }
        let inner = log.filter { $0["batchItem"] as? Bool == true }
        XCTAssertEqual(outer.compactMap { $0["path"] as? String }, ["/v1.0/$batch"], "one HTTP request")
        XCTAssertEqual(inner.compactMap { $0["path"] as? String }, ["/v1.0/users", "/v1.0/groups", "/v1.0/groups"])
        XCTAssertEqual(inner.compactMap { $0["status"] as? Int }, [200, 429, 200])

        // The outer request is still subject to faults on its own path.
        XCTAssertEqual(try admin("faults", method: "POST", json: #"{"kind":"503","count":1,"path":"/v1.0/$batch"}"#).status, 201)
        XCTAssertEqual(try batch([["id": "a", "method": "GET", "url": "/me"]], t).status, 503)
    }

    // MARK: Permissions

    func testWritesNeedPermissionsAndAnAdminRole() throws {
        let app = try appToken()
        XCTAssertEqual(values(try call("GET", "/users?$top=2", app)).count, 2)
        XCTAssertEqual(try call("GET", "/groups", app).status, 200)
        let newUser: [String: Any] = ["accountEnabled": true, "displayName": "App Made", "mailNickname": "appmade",
                                      "userPrincipalName": "app.made@contoso.com", "passwordProfile": ["password": "P@ssw0rd!1"]]
        for r in [try call("POST", "/users", app, json: newUser), try call("GET", "/applications", app)] {
            XCTAssertEqual(r.status, 403, r.text)
            XCTAssertEqual(errorCode(r), "Authorization_RequestDenied")
            XCTAssertEqual(errorMessage(r), "Insufficient privileges to complete the operation.")
        }
        // Inside a batch the same rules apply to each item.
        let b = try batch([["id": "1", "method": "GET", "url": "/applications"], ["id": "2", "method": "GET", "url": "/users?$top=1"]], app)
        XCTAssertEqual(responses(b).compactMap { $0["status"] as? Int }, [403, 200])

        let adele = try adeleToken()
        XCTAssertEqual(try call("GET", "/applications?$top=1", adele).status, 200, "delegated reads are open")
        let denied = try call("PATCH", "/users/\(Fixtures.adele.id)", adele, json: ["jobTitle": "CEO"])
        XCTAssertEqual(denied.status, 403)
        XCTAssertEqual(errorCode(denied), "Authorization_RequestDenied")
        XCTAssertEqual(try call("POST", "/groups", adele, json: ["displayName": "g", "mailNickname": "g", "mailEnabled": false,
                                                               "securityEnabled": true]).status, 403)

        // A group's owner manages it without an admin role: Megan owns Sales and Marketing.
        let megan = try XCTUnwrap(passwordToken(user: (upn: "megan.bowen@contoso.com", password: "Megan!Passw0rd", id: ""))["access_token"] as? String)
        let ref = ["@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/\(Fixtures.admin.id)"]
        XCTAssertEqual(try call("POST", "/groups/80f810ee-a906-4270-8827-743580252680/members/$ref", adele, json: ref).status, 403)
        XCTAssertEqual(try call("POST", "/groups/80f810ee-a906-4270-8827-743580252680/members/$ref", megan, json: ref).status, 204)
        XCTAssertEqual(try call("POST", "/groups/b6f009ce-1ea0-491f-a9a3-d9cd60559893/members/$ref", megan,
                                json: ["@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/\(Fixtures.adele.id)"]).status, 403)

        // The certificate app holds Group.ReadWrite.All: it may create groups, not users.
        let cert = try XCTUnwrap(certificateToken(scope: "https://graph.microsoft.com/.default").json["access_token"] as? String)
        XCTAssertEqual(try call("POST", "/groups", cert, json: ["displayName": "Daemon group", "mailNickname": "daemongroup",
                                                              "mailEnabled": false, "securityEnabled": true]).status, 201)
        XCTAssertEqual(try call("POST", "/users", cert, json: newUser).status, 403)
        XCTAssertEqual(try call("POST", "/users", try adminToken(), json: newUser).status, 201)
    }

    // MARK: Scale

    func testGeneratedUsersPageCorrectlyAndResetRestoresTheSeed() throws {
        let gen = try admin("directory/users", method: "POST", json: #"{"count":5000,"prefix":"bench"}"#)
        XCTAssertEqual(gen.status, 201, gen.text)
        XCTAssertEqual(gen.json["created"] as? Int, 5000)
        let t = try adminToken()
        var url: String? = graph + "/users?$top=999&$select=id,userPrincipalName"
        var ids = Set<String>()
        var pages = 0
        while let u = url, pages < 20 {
            let r = try call("GET", u, t)
            let page = values(r)
            ids.formUnion(page.compactMap { $0["id"] as? String })
            url = r.json["@odata.nextLink"] as? String
            pages += 1
        }
        XCTAssertEqual(ids.count, 5005)
        XCTAssertEqual(pages, 6)
        let one = values(try call("GET", "/users?$filter=" + q("userPrincipalName eq 'bench004321@contoso.onmicrosoft.com'"), t))
        XCTAssertEqual(one.count, 1)
        let filtered = try call("GET", "/users?$filter=" + q("startswith(userPrincipalName,'bench0000')") + "&$count=true&$top=50", t, headers: eventual)
        XCTAssertEqual(filtered.json["@odata.count"] as? Int, 99)
        XCTAssertEqual(values(filtered).count, 50)
        let before = try call("GET", "/users/bench000001@contoso.onmicrosoft.com?$select=id", t).json["id"] as? String
        XCTAssertNotNil(before)
        // Deterministic ids: the same prefix and index give the same id.
        XCTAssertEqual(try admin("directory/reset", method: "POST").status, 200)
        XCTAssertEqual(try call("GET", "/users/$count", t, headers: eventual).text, "5")
        XCTAssertEqual(try admin("directory/users", method: "POST", json: #"{"count":3,"prefix":"bench"}"#).status, 201)
        let again = values(try call("GET", "/users?$filter=" + q("userPrincipalName eq 'bench000001@contoso.onmicrosoft.com'"), t))
        XCTAssertEqual(again.count, 1)
        XCTAssertEqual(again.first?["id"] as? String, before)
    }
}
