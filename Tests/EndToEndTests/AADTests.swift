import Foundation
import XCTest

/// `m365 aad …` (alias `entra`) end to end: the real binary and the real AAD plugin against the
/// emulator's directory over HTTPS.
final class AADTests: SharedEmulatorTestCase {
    override class var service: String? { "aad" }

    @discardableResult
    func aad(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Harness.Result {
        try m365(["aad"] + arguments, file: file, line: line)
    }

    func fault(_ pathPrefix: String) throws { try throttle(pathPrefix) }

    // MARK: Users

    func testUserLifecycleWithManagerLicensesAndMemberships() throws {
        let created = try object(["user", "add", "--displayName", "John Doe", "--userName", "john.doe@contoso.com",
                                  "--usageLocation", "US", "--jobTitle", "Analyst", "--managerUserName", Self.adele.upn])
        let id = try XCTUnwrap(created["id"] as? String)
        XCTAssertEqual(created["userPrincipalName"] as? String, "john.doe@contoso.com")
        XCTAssertEqual((created["password"] as? String)?.count, 16, "a generated password is returned once")

        let fetched = try object(["user", "get", "--userName", "john.doe@contoso.com", "--withManager"])
        XCTAssertEqual(fetched["id"] as? String, id)
        XCTAssertEqual((fetched["manager"] as? [String: Any])?["userPrincipalName"] as? String, Self.adele.upn)

        try aad(["user", "set", "--id", id, "--jobTitle", "Lead", "--accountEnabled", "false", "--department", "Finance"])
        let updated = try object(["user", "get", "--id", id, "--properties", "jobTitle,accountEnabled,department"])
        XCTAssertEqual(updated["jobTitle"] as? String, "Lead")
        XCTAssertEqual(updated["accountEnabled"] as? Bool, false)
        XCTAssertEqual(updated["department"] as? String, "Finance")

        // Unknown options filter by equality.
        let finance = try array(["user", "list", "--department", "Finance"])
        XCTAssertEqual(finance.compactMap { $0["id"] as? String }, [id])

        let sku = "6fd2c87f-b296-42f0-b197-1e91e994b900"
        try aad(["user", "license", "add", "--userId", id, "--ids", sku])
        let licenses = try array(["user", "license", "list", "--userName", "john.doe@contoso.com"])
        XCTAssertEqual(licenses.compactMap { $0["skuId"] as? String }, [sku])
        try aad(["user", "license", "remove", "--userId", id, "--ids", sku, "--force"])
        XCTAssertEqual(try array(["user", "license", "list", "--userId", id]).count, 0)

        try aad(["group", "member", "add", "--groupId", Self.itAdmins, "--userIds", id, "--role", "Member"])
        let memberships = try array(["user", "groupmembership", "list", "--userName", "john.doe@contoso.com"])
        XCTAssertEqual(memberships.compactMap { $0["groupId"] as? String }, [Self.itAdmins])

        try aad(["user", "remove", "--id", id, "--force"])
        try fails(["user", "get", "--id", id], "Request_ResourceNotFound")
    }

    func testUserGetByEmailAndTextOutput() throws {
        let adele = try object(["user", "get", "--email", Self.adele.upn])
        XCTAssertEqual(adele["id"] as? String, Self.adele.id)
        let text = try aad(["user", "list", "--output", "text"]).stdout
        let header = try XCTUnwrap(text.split(separator: "\n").first)
        XCTAssertEqual(header.split(separator: " ").map(String.init), ["id", "displayName", "mail", "userPrincipalName"])
        XCTAssertTrue(text.contains("Adele Vance"))
        try fails(["user", "get", "--email", "nobody@contoso.com"], "does not exist")
    }

    func testUserListStreamsEveryPage() throws {
        try emulator.admin("directory/users", method: "POST", json: #"{"count":2500,"prefix":"paged"}"#)
        let users = try array(["user", "list", "--properties", "id,userPrincipalName"])
        XCTAssertEqual(users.count, 2505)
        XCTAssertEqual(ids(users).count, 2505, "no user twice")
        XCTAssertEqual(try httpRequests("/v1.0/users").count, 3, "999 per page: three pages")
        // A query the output only reshapes still sees every item.
        let count = try aad(["user", "list", "--query", "length(@)"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(count, "2505")
    }

    // MARK: Groups

    func testGroupLifecycle() throws {
        let group = try object(["group", "add", "--displayName", "Finance", "--type", "security",
                                "--memberUserNames", "\(Self.adele.upn),\(Self.megan.upn)", "--ownerIds", Self.adele.id])
        let id = try XCTUnwrap(group["id"] as? String)
        XCTAssertEqual(try object(["group", "get", "--displayName", "Finance"])["id"] as? String, id)
        XCTAssertTrue(ids(try array(["group", "list", "--type", "security"])).contains(id))
        XCTAssertFalse(ids(try array(["group", "list", "--type", "microsoft365"])).contains(id))

        let members = try array(["group", "member", "list", "--groupId", id])
        let roles = Dictionary(uniqueKeysWithValues: members.map { ($0["id"] as! String, $0["roles"] as! [String]) })
        XCTAssertEqual(roles[Self.adele.id], ["Owner", "Member"])
        XCTAssertEqual(roles[Self.megan.id], ["Member"])

        let text = try aad(["group", "list", "--output", "text"]).stdout
        XCTAssertTrue(text.contains("groupType") && text.contains("Microsoft 365") && text.contains("Security"), text)

        try aad(["group", "member", "remove", "--groupId", id, "--userNames", Self.megan.upn, "--force"])
        XCTAssertEqual(ids(try array(["group", "member", "list", "--groupName", "Finance", "--role", "Member"])), [Self.adele.id])

        try aad(["group", "set", "--id", id, "--description", "Money", "--newDisplayName", "Finance Team"])
        let updated = try object(["group", "get", "--id", id, "--properties", "displayName,description"])
        XCTAssertEqual(updated["displayName"] as? String, "Finance Team")
        XCTAssertEqual(updated["description"] as? String, "Money")

        try aad(["group", "remove", "--id", id, "--force"])
        try fails(["group", "get", "--id", id], "Request_ResourceNotFound")
        try fails(["group", "get", "--displayName", "Nope"], "The specified group 'Nope' does not exist.")
    }

    func testGroupMemberAddOf500UsersTakesTwoCheckedBatches() throws {
        try emulator.admin("directory/users", method: "POST", json: #"{"count":500,"prefix":"bulk"}"#)
        let users = try array(["user", "list", "--properties", "id,userPrincipalName", "--query", "[?starts_with(userPrincipalName, 'bulk')]"])
        XCTAssertEqual(users.count, 500)
        try emulator.admin("requests", method: "DELETE")
        let list = users.compactMap { $0["id"] as? String }.joined(separator: ",")
        try aad(["group", "member", "add", "--groupId", Self.itAdmins, "--userIds", list, "--role", "Member"])
        let sent = try httpRequests()
        XCTAssertEqual(sent.count, 2, "500 users: 25 PATCHes of 20, 20 PATCHes to a batch")
        XCTAssertTrue(sent.allSatisfy { ($0["path"] as? String) == "/v1.0/$batch" })
        XCTAssertEqual(try array(["group", "member", "list", "--groupId", Self.itAdmins, "--role", "Member"]).count, 501)
    }

    func testABatchWithOneFailingSubRequestNamesIt() throws {
        // 21 users: two PATCHes in one batch; the second holds an unknown id and fails alone.
        try emulator.admin("directory/users", method: "POST", json: #"{"count":20,"prefix":"chunk"}"#)
        let users = try array(["user", "list", "--properties", "id,userPrincipalName", "--query", "[?starts_with(userPrincipalName, 'chunk')]"])
        let list = (users.compactMap { $0["id"] as? String } + [Self.missing]).joined(separator: ",")
        try fails(["group", "member", "add", "--groupId", Self.itAdmins, "--userIds", list, "--role", "Member"],
                  "1 of 2 requests failed: adding users 21–21")
        XCTAssertEqual(try array(["group", "member", "list", "--groupId", Self.itAdmins, "--role", "Member"]).count, 21,
                       "the first PATCH's 20 users were added")
    }

    func testThrottledBatchItemsAreSentAgain() throws {
        try fault("/v1.0/users/\(Self.megan.upn)")
        try aad(["group", "member", "add", "--groupId", Self.itAdmins, "--userNames", "\(Self.adele.upn),\(Self.megan.upn)", "--role", "Owner"])
        let owners = ids(try array(["group", "member", "list", "--groupId", Self.itAdmins, "--role", "Owner"]))
        XCTAssertTrue(owners.isSuperset(of: [Self.adele.id, Self.megan.id]))
    }

    // MARK: Microsoft 365 groups

    func testM365GroupLifecycle() throws {
        let group = try object(["m365group", "add", "--displayName", "Project X", "--mailNickname", "projectx",
                                "--owners", Self.adele.upn, "--members", Self.megan.upn])
        let id = try XCTUnwrap(group["id"] as? String)
        XCTAssertEqual(group["groupTypes"] as? [String], ["Unified"])
        XCTAssertTrue(ids(try array(["m365group", "list", "--displayName", "Project"])).contains(id))
        XCTAssertEqual(try object(["m365group", "get", "--displayName", "Project X"])["id"] as? String, id)
        try aad(["m365group", "set", "--id", id, "--description", "Secret project", "--visibility", "Private"])
        XCTAssertEqual(try object(["m365group", "get", "--id", id])["visibility"] as? String, "Private")

        try aad(["m365group", "user", "add", "--groupId", id, "--userNames", "admin@contoso.onmicrosoft.com", "--role", "Owner"])
        let users = try array(["m365group", "user", "list", "--groupId", id])
        XCTAssertEqual(users.count, 3)
        try aad(["m365group", "user", "remove", "--groupId", id, "--userNames", Self.megan.upn, "--force"])
        XCTAssertEqual(try array(["m365group", "user", "list", "--groupId", id]).count, 2)

        try fails(["m365group", "get", "--id", Self.itAdmins], "is not a Microsoft 365 group")
        try aad(["m365group", "remove", "--id", id, "--force"])
        try fails(["m365group", "get", "--id", id], "Request_ResourceNotFound")
    }

    // MARK: Apps and enterprise apps

    func testAppWithSecretPermissionsConsentAndRoles() throws {
        let created = try object(["app", "add", "--name", "Payroll", "--withSecret", "--platform", "web", "--redirectUris", "https://payroll.contoso.com/auth",
                                  "--apisDelegated", "https://graph.microsoft.com/User.Read", "--apisApplication", "https://graph.microsoft.com/User.Read.All",
                                  "--grantAdminConsent"])
        let appId = try XCTUnwrap(created["appId"] as? String)
        let objectId = try XCTUnwrap(created["objectId"] as? String)
        XCTAssertEqual(created["tenantId"] as? String, "9657196e-8d5e-466d-8046-6eda47ab4aad")
        let secret = try XCTUnwrap((created["secrets"] as? [[String: Any]])?.first?["value"] as? String)
        XCTAssertGreaterThan(secret.count, 20)

        XCTAssertEqual(try object(["app", "get", "--appId", appId])["id"] as? String, objectId)
        let permissions = try array(["app", "permission", "list", "--appId", appId])
        XCTAssertEqual(Set(permissions.map { "\($0["type"]!) \($0["permission"]!)" }), ["Delegated User.Read", "Application User.Read.All"])

        try aad(["app", "permission", "add", "--appObjectId", objectId, "--delegatedPermissions", "https://graph.microsoft.com/Mail.Send"])
        XCTAssertEqual(try array(["app", "permission", "list", "--appId", appId, "--type", "delegated"]).count, 2)
        try fails(["app", "permission", "add", "--appId", appId, "--delegatedPermissions", "https://graph.microsoft.com/Nope.Read"], exit: 1, "Nope.Read")

        try aad(["app", "role", "add", "--appId", appId, "--name", "Readers", "--description", "Read payroll", "--allowedMembers", "both", "--claim", "Payroll.Read"])
        let roles = try array(["app", "role", "list", "--appName", "Payroll"])
        XCTAssertEqual(roles.first?["value"] as? String, "Payroll.Read")
        XCTAssertEqual(roles.first?["allowedMemberTypes"] as? [String], ["User", "Application"])

        try aad(["app", "set", "--objectId", objectId, "--redirectUris", "https://payroll.contoso.com/second", "--platform", "web",
                 "--redirectUrisToRemove", "https://payroll.contoso.com/auth"])
        let web = try object(["app", "get", "--objectId", objectId, "--properties", "web"])["web"] as? [String: Any]
        XCTAssertEqual(web?["redirectUris"] as? [String], ["https://payroll.contoso.com/second"])

        // Consent made a service principal, a delegated grant and an app role assignment.
        let principal = try object(["enterpriseapp", "get", "--id", appId])
        let principalId = try XCTUnwrap(principal["id"] as? String)
        let grants = try array(["oauth2grant", "list", "--spObjectId", principalId])
        XCTAssertEqual(grants.first?["scope"] as? String, "User.Read")
        let assignments = try array(["approleassignment", "list", "--appId", appId])
        XCTAssertEqual(assignments.first?["roleName"] as? String, "User.Read.All")
        XCTAssertEqual(assignments.first?["resourceDisplayName"] as? String, "Microsoft Graph")

        try aad(["app", "remove", "--appId", appId, "--force"])
        try fails(["app", "get", "--appId", appId], "does not exist")
    }

    func testSecretsAndPasswordsStayOutOfDebugTraces() throws {
        let app = try aad(["app", "add", "--name", "Traced", "--withSecret", "--debug"])
        let secret = try XCTUnwrap(((try app.json() as? [String: Any])?["secrets"] as? [[String: Any]])?.first?["value"] as? String)
        XCTAssertTrue(app.stderr.contains("/addPassword"), "the trace shows the request")
        XCTAssertFalse(app.stderr.contains(secret), "the new client secret is not in the --debug trace")
        let user = try aad(["user", "add", "--displayName", "T", "--userName", "traced@contoso.com", "--password", "Tr4ced!Passw0rd", "--debug"])
        XCTAssertFalse(user.stderr.contains("Tr4ced!Passw0rd"))
        XCTAssertTrue(user.stderr.contains("[redacted]"))
    }

    func testEnterpriseAppsGrantsAndAppRoleAssignments() throws {
        let app = try object(["app", "add", "--name", "Reporter"])
        let appId = try XCTUnwrap(app["appId"] as? String)
        let principal = try object(["sp", "add", "--appId", appId])
        let principalId = try XCTUnwrap(principal["id"] as? String)
        XCTAssertEqual(try array(["enterpriseapp", "list", "--displayName", "Reporter"]).map { $0["id"] as? String }, [principalId])

        let graph = try object(["enterpriseapp", "get", "--displayName", "Microsoft Graph"])
        let graphId = try XCTUnwrap(graph["id"] as? String)
        try aad(["oauth2grant", "add", "--clientId", principalId, "--resourceId", graphId, "--scope", "User.Read Mail.Send"])
        let grant = try XCTUnwrap(try array(["oauth2grant", "list", "--spObjectId", principalId]).first)
        XCTAssertEqual(grant["scope"] as? String, "User.Read Mail.Send")
        try aad(["oauth2grant", "remove", "--grantId", grant["id"] as! String, "--force"])
        XCTAssertEqual(try array(["oauth2grant", "list", "--spObjectId", principalId]).count, 0)

        let added = try array(["approleassignment", "add", "--appId", appId, "--resource", "Microsoft Graph", "--scopes", "User.Read.All,Group.Read.All"])
        XCTAssertEqual(added.count, 2)
        XCTAssertEqual(Set(try array(["approleassignment", "list", "--appObjectId", principalId]).compactMap { $0["roleName"] as? String }),
                       ["User.Read.All", "Group.Read.All"])
        try fails(["approleassignment", "add", "--appId", appId, "--resource", "Microsoft Graph", "--scopes", "Nope.All"], "Nope.All")

        try aad(["enterpriseapp", "remove", "--id", appId, "--force"])
        try fails(["enterpriseapp", "get", "--id", appId], "does not exist")
    }

    // MARK: Directory

    func testLicensesRolesOrganizationAndAdministrativeUnits() throws {
        let skus = try array(["license", "list"])
        XCTAssertTrue(skus.contains { $0["skuPartNumber"] as? String == "ENTERPRISEPACK" })
        XCTAssertEqual(try object(["organization", "list", "--query", "[0]"])["id"] as? String, "9657196e-8d5e-466d-8046-6eda47ab4aad")

        let definitions = try array(["roledefinition", "list", "--filter", "displayName eq 'User Administrator'"])
        XCTAssertEqual(definitions.first?["id"] as? String, "fe930be7-5e62-47db-91af-98c3a49a38b1")
        XCTAssertEqual(try object(["roledefinition", "get", "--displayName", "Groups Administrator"])["id"] as? String,
                       "fdd7a751-b60b-444a-984c-02652fe8fa1c")

        let unit = try object(["administrativeunit", "add", "--displayName", "Finance", "--description", "Finance staff", "--hiddenMembership"])
        let unitId = try XCTUnwrap(unit["id"] as? String)
        XCTAssertEqual(unit["visibility"] as? String, "HiddenMembership")
        XCTAssertEqual(try object(["administrativeunit", "get", "--displayName", "Finance"])["id"] as? String, unitId)
        XCTAssertTrue(ids(try array(["administrativeunit", "list"])).contains(unitId))

        let assignment = try object(["roleassignment", "add", "--roleDefinitionName", "User Administrator", "--principal", Self.adele.upn,
                                     "--administrativeUnitName", "Finance"])
        XCTAssertEqual(assignment["directoryScopeId"] as? String, "/administrativeUnits/\(unitId)")
        XCTAssertEqual(assignment["principalId"] as? String, Self.adele.id)
        let tenantWide = try object(["roleassignment", "add", "--roleDefinitionId", "fdd7a751-b60b-444a-984c-02652fe8fa1c", "--principal", Self.megan.id])
        XCTAssertEqual(tenantWide["directoryScopeId"] as? String, "/")
    }

    // MARK: Failures, across commands

    func testNotFoundIsOneClearLine() throws {
        let cases: [([String], String)] = [
            (["user", "get", "--id", Self.missing], "Request_ResourceNotFound"),
            (["user", "set", "--userName", "ghost@contoso.com", "--jobTitle", "x"], "The specified user with user name ghost@contoso.com does not exist."),
            (["user", "remove", "--id", Self.missing, "--force"], "Request_ResourceNotFound"),
            (["user", "license", "list", "--userId", Self.missing], "Request_ResourceNotFound"),
            (["user", "groupmembership", "list", "--userId", Self.missing], "Request_ResourceNotFound"),
            (["group", "get", "--id", Self.missing], "Request_ResourceNotFound"),
            (["group", "member", "list", "--groupName", "Ghosts"], "The specified group 'Ghosts' does not exist."),
            (["group", "member", "add", "--groupId", Self.itAdmins, "--userNames", "ghost@contoso.com", "--role", "Member"], "ghost@contoso.com"),
            (["m365group", "get", "--id", Self.missing], "Request_ResourceNotFound"),
            (["app", "get", "--name", "Ghost app"], "The specified app registration 'Ghost app' does not exist."),
            (["app", "role", "list", "--appId", Self.missing], "does not exist"),
            (["enterpriseapp", "get", "--objectId", Self.missing], "Request_ResourceNotFound"),
            (["oauth2grant", "remove", "--grantId", "nope", "--force"], "Request_ResourceNotFound"),
            (["approleassignment", "list", "--appDisplayName", "Ghost"], "does not exist"),
            (["approleassignment", "list", "--appObjectId", "23b0196d-dfe5-4fa7-b399-b636d6f73a3a"], "Error: no app role assignments found"),
            (["roledefinition", "get", "--displayName", "Ghost"], "The specified role definition 'Ghost' does not exist."),
            (["administrativeunit", "get", "--id", Self.missing], "Request_ResourceNotFound"),
        ]
        for (arguments, message) in cases { try fails(arguments, message) }
    }

    func testForbiddenNamesGraphsCode() throws {
        // An app-only connection with User.Read.All and Group.Read.All only.
        let appOnly = try appOnlyHarness()
        defer { appOnly.cleanUp() }
        let read = try appOnly.run(["aad", "user", "list"])
        XCTAssertEqual(read.status, 0, "reading users is allowed: \(read.stderr)")
        let cases: [[String]] = [
            ["user", "add", "--displayName", "X", "--userName", "x@contoso.com"],
            ["user", "set", "--id", Self.adele.id, "--jobTitle", "x"],
            ["group", "add", "--displayName", "X", "--type", "security"],
            ["group", "member", "add", "--groupId", Self.itAdmins, "--userIds", Self.adele.id, "--role", "Member"],
            ["group", "remove", "--id", Self.itAdmins, "--force"],
            ["app", "list"],
            ["enterpriseapp", "list"],
            ["administrativeunit", "add", "--displayName", "X"],
        ]
        for arguments in cases { try fails(arguments, "Authorization_RequestDenied", harness: appOnly) }
        XCTAssertNotNil(try? object(["group", "get", "--id", Self.itAdmins]), "nothing was removed")
    }

    func testBadInputFailsBeforeAnyRequest() throws {
        let cases: [([String], String)] = [
            (["user", "get"], "id"),
            (["user", "get", "--id", Self.adele.id, "--userName", Self.adele.upn], "id"),
            (["user", "add", "--displayName", "X", "--userName", "nodomain"], "'nodomain' is not a valid userName."),
            (["user", "add", "--displayName", "X", "--userName", "x@contoso.com", "--usageLocation", "USA"], "'USA' is not a valid usageLocation."),
            (["user", "add", "--displayName", "X", "--userName", "x@contoso.com", "--jobTitle", String(repeating: "j", count: 129)],
             "The maximum amount of characters for 'jobTitle' is 128."),
            (["user", "set", "--id", Self.adele.id, "--firstName", String(repeating: "f", count: 65)], "The max length for the firstName option is 64 characters."),
            (["user", "set", "--id", Self.adele.id, "--managerUserName", "boss"], "'boss' is not a valid user principal name."),
            (["user", "get", "--id", "adele"], "not a valid GUID"),
            (["user", "get", "--userName", "adele"], "'adele' is not a valid userName."),
            (["user", "remove", "--id", "adele", "--force"], "not a valid GUID"),
            (["user", "set", "--id", Self.adele.id, "--resetPassword"], "specify the new password to set for the user, using the newPassword option."),
            (["user", "license", "add", "--userId", Self.adele.id, "--ids", "not-a-guid"], "not a valid GUID"),
            (["user", "list", "--type", "Robot"], "Robot"),
            (["group", "add", "--displayName", "X", "--type", "club"], "club"),
            (["group", "set", "--id", Self.itAdmins], "at least one"),
            (["group", "member", "add", "--groupId", Self.itAdmins, "--userIds", "x", "--role", "Member"], "not a valid GUID"),
            (["group", "member", "add", "--groupId", Self.itAdmins, "--userIds", Self.adele.id, "--role", "Boss"], "Boss"),
            (["m365group", "add", "--displayName", "X", "--mailNickname", "has space"], "spaces"),
            (["app", "add", "--name", "X", "--redirectUris", "https://x"], "--platform"),
            (["app", "add", "--name", "X", "--grantAdminConsent"], "--apisDelegated"),
            (["app", "add", "--name", "X", "--apisDelegated", "User.Read"], "<resource URI>/<permission>"),
            (["app", "role", "add", "--appId", Self.publicApp, "--name", "R", "--description", "R", "--allowedMembers", "both", "--claim", ".bad"], "Claim must not begin with ."),
            (["app", "role", "add", "--appId", Self.publicApp, "-n", "R", "-d", "R", "-m", "both", "-c", "a b"], "Claim can contain only"),
            (["app", "role", "add", "--appId", Self.publicApp, "-n", "R", "-m", "both", "-c", "R.All"], "--description"),
            (["user", "set", "--id", Self.adele.id, "--currentPassword", "x"], "Specify both currentPassword and newPassword"),
            (["user", "set", "--id", Self.adele.id, "--resetPassword", "--currentPassword", "x", "--newPassword", "y"], "don't specify the current password"),
            (["user", "set", "--id", Self.adele.id, "--forceChangePasswordNextSignInWithMfa"], "can only be used in combination with the resetPassword option"),
            (["group", "add", "--displayName", "X", "--type", "microsoft365"], "Option 'visibility' must be specified if the option 'type' is set to microsoft365"),
            (["group", "add", "--displayName", "X", "--type", "security", "--mailNickname", "a:b"], "must contain only characters in the ASCII character set 0-127"),
            (["group", "add", "--displayName", "X", "--type", "security", "--mailNickname", String(repeating: "m", count: 65)],
             "The maximum amount of characters for 'mailNickname' is 64."),
            (["group", "add", "--displayName", String(repeating: "d", count: 257), "--type", "security"], "The maximum amount of characters for 'displayName' is 256."),
            (["m365group", "set", "--id", Self.allCompany], "Specify at least one option to update."),
            (["m365group", "set", "--id", Self.allCompany, "--isPrivate", "true", "--visibility", "Public"], "--isPrivate"),
            (["m365group", "user", "add", "--groupId", Self.allCompany, "--teamName", "X", "--ids", Self.adele.id], "groupId, groupName, teamId, teamName"),
            (["enterpriseapp", "add", "--id", "not-a-guid"], "not a valid GUID"),
            (["oauth2grant", "add", "--clientId", "x", "--resourceId", Self.missing, "--scope", "User.Read"], "not a valid GUID"),
            (["roleassignment", "add", "--roleDefinitionId", Self.missing, "--principal", Self.adele.id, "--userId", Self.adele.id,
              "--groupId", Self.itAdmins], "at most one scope"),
            (["user", "list", "--nope"], "--nope"),
        ]
        for (arguments, message) in cases {
            // user list takes unknown options as filters: `--nope` without a value is the mistake there.
            try fails(arguments, exit: 2, message)
        }
        XCTAssertEqual(try httpRequests("").count, 0, "bad input sends nothing")
    }

    func testThrottledRequestsSucceedAfterRetryAfter() throws {
        let cases: [(String, [String])] = [
            ("/v1.0/users", ["user", "list"]),
            ("/v1.0/groups", ["group", "list"]),
            ("/v1.0/applications", ["app", "list"]),
            ("/v1.0/servicePrincipals", ["enterpriseapp", "list"]),
            ("/v1.0/subscribedSkus", ["license", "list"]),
            ("/v1.0/roleManagement", ["roledefinition", "list"]),
            ("/v1.0/directory/administrativeUnits", ["administrativeunit", "list"]),
            ("/v1.0/organization", ["organization", "list"]),
        ]
        for (path, arguments) in cases {
            try emulator.admin("requests", method: "DELETE")
            try fault(path)
            _ = try array(arguments)
            XCTAssertEqual(try httpRequests(path).count, 2, "\(arguments): throttled once, then answered")
        }
    }

    func testRemovalAsksAndWithoutATerminalNeedsForce() throws {
        try fails(["group", "remove", "--id", Self.itAdmins], exit: 2, "--force")
        XCTAssertNotNil(try? object(["group", "get", "--id", Self.itAdmins]), "nothing was removed")
    }

    func testEntraAndAADNamesAndOldAliasesReachTheSameCommands() throws {
        let viaEntra = try harness.run(["entra", "sp", "get", "--id", Self.publicApp])
        XCTAssertEqual(viaEntra.status, 0, viaEntra.stderr)
        let viaAAD = try object(["enterpriseapp", "get", "--id", Self.publicApp])
        XCTAssertEqual(try viaEntra.json() as? NSDictionary, viaAAD as NSDictionary)
    }

    // MARK: As the CLI (audit 20)

    /// Requests to Graph whose path ends with `suffix`, with their query decoded.
    func sent(_ method: String, _ suffix: String) throws -> [(query: String, headers: [String: Any])] {
        try httpRequests().filter { ($0["method"] as? String) == method && (($0["path"] as? String) ?? "").hasSuffix(suffix) }.map {
            ((($0["query"] as? String) ?? "").replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "", $0["headers"] as? [String: Any] ?? [:])
        }
    }

    func testUserListMatchesTheStartOfOtherOptionsAndReturnsGraphsDefaultProperties() throws {
        try aad(["user", "set", "--id", Self.adele.id, "--department", "Finance Operations", "--jobTitle", "Controller"])
        try aad(["user", "set", "--id", Self.megan.id, "--department", "Finance"])
        try emulator.admin("requests", method: "DELETE")
        let finance = try array(["user", "list", "--department", "Finance"])
        XCTAssertEqual(ids(finance), [Self.adele.id, Self.megan.id], "startsWith, not eq")
        let query = try XCTUnwrap(try sent("GET", "/v1.0/users").first?.query)
        XCTAssertTrue(query.contains("$filter=startsWith(department, 'Finance')"), query)
        XCTAssertFalse(query.contains("$select"), "no $select without --properties: \(query)")
        let adele = try XCTUnwrap(finance.first { $0["id"] as? String == Self.adele.id })
        XCTAssertEqual(adele["jobTitle"] as? String, "Controller", "Graph's default properties")
        XCTAssertTrue(adele.keys.contains("givenName") && adele.keys.contains("mobilePhone"), "\(adele.keys)")
        // a/b properties are expanded, as the CLI does.
        try aad(["user", "set", "--id", Self.megan.id, "--managerUserId", Self.adele.id])
        try emulator.admin("requests", method: "DELETE")
        let withManager = try array(["user", "list", "--department", "Finance", "--properties", "displayName,manager/displayName"])
        XCTAssertEqual((withManager.first { $0["displayName"] as? String == "Megan Bowen" }?["manager"] as? [String: Any])?["displayName"] as? String, "Adele Vance")
        let expanded = try XCTUnwrap(try sent("GET", "/v1.0/users").first?.query)
        XCTAssertTrue(expanded.contains("$select=displayName&$expand=manager($select=displayName)"), expanded)
    }

    func testUserAddSetAndPasswordsAsTheCLI() throws {
        let created = try object(["user", "add", "--displayName", "Pat", "--userName", "pat@contoso.com", "--password", "Giv3n!Passw0rd", "--jobTitle", "Clerk"])
        XCTAssertEqual(created["password"] as? String, "Giv3n!Passw0rd", "the CLI adds the password even when it was given")
        let id = try XCTUnwrap(created["id"] as? String)
        // Text output shows every field (no default columns), as the CLI.
        let text = try aad(["user", "get", "--id", id, "--output", "text"]).stdout
        XCTAssertTrue(text.contains("jobTitle") && text.contains("Clerk") && text.contains("givenName"), text)
        // An empty value clears the property.
        try aad(["user", "set", "--id", id, "--jobTitle", ""])
        let cleared = try object(["user", "get", "--id", id, "--properties", "jobTitle"])
        XCTAssertTrue(cleared["jobTitle"] is NSNull, "\(cleared)")

        // --currentPassword changes the signed-in user's own password.
        try emulator.admin("requests", method: "DELETE")
        try aad(["user", "set", "--userName", Self.admin.upn, "--currentPassword", "Adm1n!Passw0rd", "--newPassword", "N3w!Passw0rd99"])
        XCTAssertEqual(try sent("POST", "/users/\(Self.admin.id)/changePassword").count, 1)
        XCTAssertEqual(try sent("PATCH", "/users/\(Self.admin.id)").count, 0, "nothing else to update")
        try fails(["user", "set", "--userName", Self.admin.upn, "--currentPassword", "Wrong!Passw0rd", "--newPassword", "N3w!Passw0rd99"],
                  "The current password is incorrect.")
        try fails(["user", "set", "--userName", Self.adele.upn, "--currentPassword", "x", "--newPassword", "y"], "You can only change your own password")
        try fails(["user", "set", "--id", Self.adele.id, "--currentPassword", "x", "--newPassword", "y"], "You can only change your own password. Please use --id @meId")
        try aad(["user", "set", "--id", Self.admin.id, "--currentPassword", "Adm1n!Passw0rd", "--newPassword", "N3w!Passw0rd98"])
        // A reset with MFA sends both flags.
        try aad(["user", "set", "--id", id, "--resetPassword", "--newPassword", "R3set!Passw0rd", "--forceChangePasswordNextSignInWithMfa"])
    }

    func testGroupListTypesLeaveMicrosoft365GroupsOutWithAnAdvancedQuery() throws {
        let unified = try XCTUnwrap(try object(["m365group", "add", "--displayName", "Mail list", "--mailNickname", "maillist"])["id"] as? String)
        try emulator.admin("requests", method: "DELETE")
        XCTAssertFalse(ids(try array(["group", "list", "--type", "distribution"])).contains(unified), "a Microsoft 365 group is no distribution group")
        let request = try XCTUnwrap(try sent("GET", "/v1.0/groups").first)
        XCTAssertEqual(request.headers["consistencylevel"] as? String, "eventual")
        XCTAssertTrue(request.query.contains("not(groupTypes/any(t:t eq 'Unified'))") && request.query.contains("$count=true"), request.query)
        XCTAssertTrue(ids(try array(["group", "list", "--type", "mailEnabledSecurity"])).isEmpty)
        // groupType is for text output only, with or without --properties.
        let json = try array(["group", "list"])
        XCTAssertFalse(json.contains { $0["groupType"] != nil })
        let text = try aad(["group", "list", "--properties", "id,displayName,groupTypes,securityEnabled,mailEnabled", "--output", "text"]).stdout
        XCTAssertTrue(text.contains("Microsoft 365"), text)
    }

    func testGroupAddAndSetAsTheCLI() throws {
        let group = try object(["group", "add", "--displayName", "Auditors", "--type", "security", "--memberUserNames", "\(Self.adele.upn),\(Self.megan.upn)",
                                "--ownerIds", Self.adele.id, "--classification", "Confidential"])
        let id = try XCTUnwrap(group["id"] as? String)
        XCTAssertEqual(group["securityEnabled"] as? Bool, true)
        XCTAssertEqual(group["mailEnabled"] as? Bool, false)
        XCTAssertEqual(group["visibility"] as? String, "Public", "the CLI's default")
        XCTAssertEqual(group["classification"] as? String, "Confidential", "an unknown option goes into the body")
        let m365 = try object(["group", "add", "--displayName", "Crew", "--type", "microsoft365", "--visibility", "Private"])
        XCTAssertEqual(m365["securityEnabled"] as? Bool, true)
        XCTAssertEqual(m365["mailEnabled"] as? Bool, true)

        try emulator.admin("requests", method: "DELETE")
        try aad(["group", "set", "--id", id, "--memberIds", "\(Self.megan.id),\(Self.admin.id)", "--ownerUserNames", Self.megan.upn,
                 "--description", "", "--classification", "Internal"])
        XCTAssertEqual(try sent("GET", "/groups/\(id)/members/microsoft.graph.user").first?.query, "$select=id")
        XCTAssertEqual(try sent("GET", "/groups/\(id)/owners/microsoft.graph.user").first?.query, "$select=id")
        let roles = Dictionary(uniqueKeysWithValues: try array(["group", "member", "list", "--groupId", id]).map { ($0["id"] as! String, $0["roles"] as! [String]) })
        XCTAssertEqual(roles, [Self.megan.id: ["Owner", "Member"], Self.admin.id: ["Member"]], "the lists are replaced: Adele is gone from both")
        let updated = try object(["group", "get", "--id", id, "--properties", "description,classification"])
        XCTAssertTrue(updated["description"] is NSNull, "an empty description clears it")
        XCTAssertEqual(updated["classification"] as? String, "Internal")
    }

    func testM365GroupSetGetAndListAsTheCLI() throws {
        let group = try object(["m365group", "add", "--displayName", "Design", "--mailNickname", "design", "--owners", Self.adele.upn])
        let id = try XCTUnwrap(group["id"] as? String)
        let orphan = try XCTUnwrap(try object(["m365group", "add", "--displayName", "Designless", "--mailNickname", "designless"])["id"] as? String)
        let logo = harness.root.appendingPathComponent("logo.png")
        try Data([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).write(to: logo)
        try emulator.admin("requests", method: "DELETE")
        try aad(["m365group", "set", "--id", id, "--isPrivate", "true", "--description", "Pixels", "--allowExternalSenders", "true",
                 "--hideFromOutlookClients", "true", "--ownerUserNames", Self.megan.upn, "--memberIds", Self.adele.id, "-l", logo.path])
        XCTAssertEqual(try sent("PATCH", "/groups/\(id)").count, 2, "the Exchange settings go in a request of their own")
        let photo = try XCTUnwrap(try sent("PUT", "/groups/\(id)/photo/$value").first)
        XCTAssertEqual(photo.headers["content-type"] as? String, "image/png")
        let got = try object(["m365group", "get", "--id", id, "--withSiteUrl"])
        XCTAssertEqual(got["visibility"] as? String, "Private")
        XCTAssertEqual(got["description"] as? String, "Pixels")
        XCTAssertEqual(got["allowExternalSenders"] as? Bool, true)
        XCTAssertEqual(got["hideFromOutlookClients"] as? Bool, true)
        XCTAssertEqual(got["isSubscribedByMail"] as? Bool, true)
        XCTAssertEqual(got["siteUrl"] as? String, "https://contoso.sharepoint.com/sites/design")
        let seeded = try object(["m365group", "get", "--id", Self.allCompany])
        XCTAssertEqual(seeded["hideFromAddressLists"] as? Bool, false, "a seeded group has Exchange's settings too")
        let users = try array(["m365group", "user", "list", "--groupId", id])
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: users.map { ($0["id"] as! String, $0["roles"] as! [String]) }),
                       [Self.megan.id: ["Owner"], Self.adele.id: ["Member"]], "owners replaced by Megan, members by Adele")

        let orphaned = try array(["m365group", "list", "--orphaned", "--withSiteUrl"])
        XCTAssertTrue(ids(orphaned).contains(orphan))
        XCTAssertFalse(ids(orphaned).contains(id))
        XCTAssertEqual(orphaned.first { $0["id"] as? String == orphan }?["siteUrl"] as? String, "https://contoso.sharepoint.com/sites/designless")
        try fails(["m365group", "set", "--id", Self.itAdmins, "--hideFromAddressLists", "true"], "is not a Microsoft 365 group")
        let appOnly = try appOnlyHarness()
        defer { appOnly.cleanUp() }
        try fails(["m365group", "set", "--id", id, "--allowExternalSenders", "false"],
                  "Option 'allowExternalSenders' and 'autoSubscribeNewMembers' can only be used when using delegated permissions.", harness: appOnly)
    }

    func testMemberListsFilterAsAdvancedQueriesAndRemovalsForgiveAbsentUsers() throws {
        let id = try XCTUnwrap(try object(["m365group", "add", "--displayName", "Owls", "--mailNickname", "owls",
                                           "--owners", Self.adele.upn, "--members", "\(Self.adele.upn),\(Self.megan.upn)"])["id"] as? String)
        try aad(["group", "member", "add", "--groupId", id, "--userIds", Self.itAdmins, "--role", "Member"])  // a nested group
        try emulator.admin("requests", method: "DELETE")
        let filtered = try array(["m365group", "user", "list", "--groupDisplayName", "Owls", "-f", "startswith(displayName,'Megan')", "-p", "displayName"])
        XCTAssertEqual(filtered.map { $0["id"] as? String }, [Self.megan.id], "id is always selected")
        let members = try XCTUnwrap(try sent("GET", "/groups/\(id)/members/microsoft.graph.user").first)
        XCTAssertEqual(members.headers["consistencylevel"] as? String, "eventual")
        XCTAssertTrue(members.query.contains("$count=true") && members.query.contains("$select=displayName,id"), members.query)
        let everyone = try array(["m365group", "user", "list", "-n", "Owls"])
        XCTAssertEqual(ids(everyone), [Self.adele.id, Self.megan.id], "the user cast leaves the nested group out")
        XCTAssertTrue(everyone.allSatisfy { $0.keys.contains("userType") })
        XCTAssertEqual(ids(try array(["group", "member", "list", "--groupId", id, "-f", "startswith(displayName,'IT')"])), [Self.itAdmins])
        XCTAssertEqual(try sent("GET", "/groups/\(id)/owners").last?.headers["consistencylevel"] as? String, "eventual")

        // The CLI's m365group user remove takes a user in neither list in its stride; group member remove does with --suppressNotFound.
        try aad(["m365group", "user", "remove", "--teamName", "Owls", "--ids", Self.admin.id, "--force"])
        try fails(["group", "member", "remove", "--groupId", id, "--userIds", Self.admin.id, "--force"], "not a member or owner")
        try aad(["group", "member", "remove", "--groupId", id, "--userIds", Self.admin.id, "--suppressNotFound", "--force"])
        try aad(["m365group", "user", "add", "--teamId", id, "--userNames", Self.admin.upn])
        XCTAssertEqual(try array(["m365group", "user", "list", "--groupName", "Owls", "--role", "Member"]).count, 3)
    }

    func testAppAddSetsTheUriImplicitFlowDERCertificateAndOtherProperties() throws {
        let fixtures = Harness.packageRoot + "/Tests/EmulatorTests/Fixtures/"
        let pem = try String(contentsOfFile: fixtures + "cert-app.cert.pem", encoding: .utf8)
        let body = pem.components(separatedBy: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let der = harness.root.appendingPathComponent("app.cer")
        try XCTUnwrap(Data(base64Encoded: body)).write(to: der)
        try emulator.admin("requests", method: "DELETE")
        let created = try object(["app", "add", "--name", "Uri app", "--uri", "api://localhost/_appId_", "--implicitFlow",
                                  "--platform", "spa", "--redirectUris", "https://spa.contoso.com", "--certificateFile", der.path, "--notes", "From a script"])
        let appId = try XCTUnwrap(created["appId"] as? String)
        let objectId = try XCTUnwrap(created["objectId"] as? String)
        XCTAssertEqual(try sent("PATCH", "/applications/\(objectId)").count, 1, "the URI is set after the app exists")
        let app = try object(["app", "get", "--objectId", objectId, "--properties", "identifierUris,web,spa,keyCredentials,notes"])
        XCTAssertEqual(app["identifierUris"] as? [String], ["api://localhost/\(appId)"])
        let implicit = (app["web"] as? [String: Any])?["implicitGrantSettings"] as? [String: Any]
        XCTAssertEqual(implicit?["enableIdTokenIssuance"] as? Bool, true, "implicit flow whatever the platform")
        XCTAssertEqual((app["spa"] as? [String: Any])?["redirectUris"] as? [String], ["https://spa.contoso.com"])
        XCTAssertEqual((app["keyCredentials"] as? [[String: Any]])?.count, 1, "a DER certificate is accepted")
        XCTAssertEqual(app["notes"] as? String, "From a script")

        try aad(["app", "set", "--objectId", objectId, "--notes", "Changed"])
        XCTAssertEqual(try object(["app", "get", "--objectId", objectId, "--properties", "notes"])["notes"] as? String, "Changed")
        try emulator.admin("requests", method: "DELETE")
        try aad(["app", "set", "--objectId", objectId])
        XCTAssertEqual(try sent("PATCH", "/applications/\(objectId)").count, 0, "nothing to update: nothing happens, as the CLI")
    }

    func testAppRolesEnterpriseAppsAndAssignmentsWithTheCLIsNames() throws {
        let app = try object(["app", "add", "--name", "Ledger"])
        let appId = try XCTUnwrap(app["appId"] as? String)
        try aad(["app", "role", "add", "--appId", appId, "-n", "Managers", "-d", "Manage the ledger", "-m", "usersGroups", "-c", "Ledger.Manage"])
        let role = try XCTUnwrap(try array(["app", "role", "list", "--appId", appId]).first)
        XCTAssertEqual(role["displayName"] as? String, "Managers")
        XCTAssertEqual(role["description"] as? String, "Manage the ledger")

        let principal = try object(["enterpriseapp", "add", "--id", appId])
        XCTAssertEqual(principal["appId"] as? String, appId)
        try aad(["enterpriseapp", "remove", "--id", appId, "--force"])
        XCTAssertEqual(try object(["sp", "add", "-n", "Ledger"])["appId"] as? String, appId)

        // SharePoint is the portal's name of "Office 365 SharePoint Online"; JSON output has the created assignments.
        try emulator.admin("requests", method: "DELETE")
        let added = try array(["approleassignment", "add", "--appId", appId, "--resource", "SharePoint", "--scopes", "Sites.Read.All"])
        XCTAssertEqual(added.count, 1)
        XCTAssertEqual(added.first?["resourceDisplayName"] as? String, "Office 365 SharePoint Online")
        XCTAssertNotNil(added.first?["appRoleId"] as? String)
        XCTAssertNotNil(added.first?["id"] as? String)
        XCTAssertNil(added.first?["objectId"])
        let lookup = try XCTUnwrap(try sent("GET", "/v1.0/servicePrincipals").last?.query)
        XCTAssertTrue(lookup.contains("(displayName eq 'Office 365 SharePoint Online' or startswith(displayName,'Office 365 SharePoint Online'))"), lookup)
        let text = try aad(["approleassignment", "add", "--appId", appId, "--resource", "Microsoft", "--scopes", "Group.Read.All", "--output", "text"]).stdout
        XCTAssertTrue(text.contains("objectId") && text.contains("Microsoft Graph"), "other outputs show the CLI's summary: \(text)")
        try fails(["approleassignment", "add", "--appId", appId, "--resource", "Nothing here", "--scopes", "X"], "does not have any application permissions available")

        let listed = try array(["approleassignment", "list", "--appId", appId])
        XCTAssertEqual(Set(listed.compactMap { $0["roleName"] as? String }), ["Sites.Read.All", "Group.Read.All"])
        XCTAssertTrue(listed.allSatisfy { $0["created"] is String && $0.keys.contains("deleted") }, "\(listed)")
    }

    func testGetCommandsLeaveSlashPropertiesOutAndM365GroupUserListHasNoDefaultColumns() throws {
        try emulator.admin("requests", method: "DELETE")
        XCTAssertEqual(try object(["user", "get", "--id", Self.adele.id, "--properties", "displayName,manager/displayName"]).keys.sorted(), ["displayName"])
        XCTAssertEqual(try sent("GET", "/users/\(Self.adele.id)").first?.query, "$select=displayName")
        XCTAssertEqual(try object(["group", "get", "--id", Self.itAdmins, "--properties", "displayName,owners/id"]).keys.sorted(), ["displayName"])
        // Without default columns, text output has every property the CLI selects (userType too).
        let text = try aad(["m365group", "user", "list", "--groupId", Self.allCompany, "--output", "text"]).stdout
        XCTAssertTrue(text.contains("userType") && text.contains("givenName"), text)
    }

    func testAppSecretsLastAYearAndResourcesMatchWithATrailingSlash() throws {
        let created = try object(["app", "add", "--name", "Yearly", "--withSecret", "--uri", "https://ledger.contoso.com/"])
        let objectId = try XCTUnwrap(created["objectId"] as? String)
        let end = try XCTUnwrap((try object(["app", "get", "--objectId", objectId, "--properties", "passwordCredentials"])["passwordCredentials"] as? [[String: Any]])?
            .first?["endDateTime"] as? String)
        let nextYear = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date().addingTimeInterval(365 * 86400)).year!
        XCTAssertTrue(end.hasPrefix(String(nextYear)), "a year, as the CLI: \(end)")

        try aad(["app", "role", "add", "--appObjectId", objectId, "-n", "Readers", "-d", "Read", "-m", "applications", "-c", "Ledger.Read"])
        try aad(["enterpriseapp", "add", "--objectId", objectId])
        let client = try object(["app", "add", "--name", "Ledger client", "--apisApplication", "https://ledger.contoso.com/Ledger.Read"])
        let permissions = try array(["app", "permission", "list", "--appObjectId", try XCTUnwrap(client["objectId"] as? String)])
        XCTAssertEqual(permissions.first?["permission"] as? String, "Ledger.Read")
        XCTAssertEqual(permissions.first?["resource"] as? String, "Yearly")
    }

    func testUserGetByAnEmailSeveralUsersShareTakesTheFirst() throws {
        try aad(["user", "add", "--displayName", "Twin", "--userName", "twin@contoso.com", "--mail", Self.adele.upn])
        XCTAssertEqual(try object(["user", "get", "--email", Self.adele.upn])["id"] as? String, Self.adele.id)
    }

    func testM365GroupRemoveSkipRecycleBinPurgesTheGroup() throws {
        let kept = try XCTUnwrap(try object(["m365group", "add", "--displayName", "Kept", "--mailNickname", "kept"])["id"] as? String)
        let purged = try XCTUnwrap(try object(["m365group", "add", "--displayName", "Purged", "--mailNickname", "purged"])["id"] as? String)
        try aad(["m365group", "remove", "--id", kept, "--force"])
        try aad(["m365group", "remove", "--id", purged, "--skipRecycleBin", "--force"])
        XCTAssertEqual(try sent("DELETE", "/directory/deletedItems/\(purged)").count, 1)
        XCTAssertEqual(try sent("DELETE", "/directory/deletedItems/\(kept)").count, 0)
        // The kept group can still be found (and restored); the purged one is gone.
        try m365(["request", "--url", "https://graph.microsoft.com/v1.0/directory/deletedItems/\(kept)"])
        let gone = try harness.run(["request", "--url", "https://graph.microsoft.com/v1.0/directory/deletedItems/\(purged)"])
        XCTAssertNotEqual(gone.status, 0)
    }

    func testAppPermissionListNamesAResourceMissingFromTheTenantByItsIds() throws {
        let created = try object(["app", "add", "--name", "Orphan perms", "--apisApplication", "https://contoso.sharepoint.com/Sites.Read.All"])
        let appId = try XCTUnwrap(created["appId"] as? String)
        let sharePoint = "00000003-0000-0ff1-ce00-000000000000"
        let roleId = try XCTUnwrap((try object(["enterpriseapp", "get", "--id", sharePoint, "--properties", "appRoles"])["appRoles"] as? [[String: Any]])?
            .first { $0["value"] as? String == "Sites.Read.All" }?["id"] as? String)
        try aad(["enterpriseapp", "remove", "--id", sharePoint, "--force"])
        let permissions = try array(["app", "permission", "list", "--appId", appId])
        XCTAssertEqual(permissions.count, 1)
        XCTAssertEqual(permissions.first?["resource"] as? String, sharePoint)
        XCTAssertEqual(permissions.first?["resourceId"] as? String, sharePoint)
        XCTAssertEqual(permissions.first?["permission"] as? String, roleId)
        XCTAssertEqual(permissions.first?["type"] as? String, "Application")
    }
}
