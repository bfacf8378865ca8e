import Foundation
import XCTest

/// `m365 spo user|group|group member|app|tenant appcatalogurl|search` end to end: the real binary
/// and the SPO plugin against the emulator over HTTPS. Seed: the root site (owner: the admin,
/// id 6), the group-connected marketing site, and the tenant app catalog at /sites/apps.
final class SPOPeopleAndAppsTests: SPOTestCase {
    static let marketing = "https://contoso.sharepoint.com/sites/marketing"
    static let catalog = "https://contoso.sharepoint.com/sites/apps"
    static let lidia = (id: "87c76886-3409-4a9a-b61e-a3a4fcf98e05", upn: "lidia.holloway@contoso.com")
    static let manifest = #"PK<App xmlns="http://schemas.microsoft.com/sharepoint/2012/app/manifest" Name="hello" ProductID="{a1b2c3d4-0000-4000-8000-000000000001}" Version="1.2.0.0"><Properties><Title>Hello World</Title></Properties></App>"#

    override func setUpWithError() throws {
        try super.setUpWithError()
        try emulator.admin("requests", method: "DELETE")
    }

    /// A package file whose manifest the emulator reads (stored, not compressed).
    func packageFile(_ name: String = "hello.sppkg") throws -> String {
        let url = harness.home.appendingPathComponent(name)
        try Self.manifest.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    // MARK: Users

    func testUserListGetAndEnsure() throws {
        let users = try array(["user", "list", "--webUrl", Self.root])
        let admin = try XCTUnwrap(users.first { $0["UserPrincipalName"] as? String == Self.admin.upn })
        XCTAssertEqual(admin["Id"] as? Int, 6)
        XCTAssertEqual(admin["LoginName"] as? String, "i:0#.f|membership|" + Self.admin.upn)
        let text = try spo(["user", "list", "--webUrl", Self.root, "--output", "text"]).stdout
        XCTAssertEqual(Set(header(text)), ["Id", "Title", "LoginName"], "one user: key: value lines, sorted")
        XCTAssertTrue(text.contains("MOD Administrator"), text)

        XCTAssertEqual(try object(["user", "get", "--webUrl", "/", "--id", "6"])["Title"] as? String, "MOD Administrator")
        XCTAssertEqual(try object(["user", "get", "--webUrl", Self.root, "--email", Self.admin.upn])["Id"] as? Int, 6)
        XCTAssertEqual(try object(["user", "get", "--webUrl", Self.root, "--loginName", "i:0#.f|membership|" + Self.admin.upn])["Id"] as? Int, 6)
        XCTAssertEqual(try object(["user", "get", "--webUrl", Self.root, "--userName", Self.admin.upn])["Id"] as? Int, 6)
        let single = try spo(["user", "get", "--webUrl", Self.root, "--id", "6", "--output", "text"]).stdout
        XCTAssertTrue(single.contains("UserPrincipalName") && single.contains(Self.admin.upn), single)
        try fails(["user", "get", "--webUrl", Self.root, "--email", Self.megan.upn], "User cannot be found.")

        let megan = try object(["user", "ensure", "--webUrl", Self.root, "--userName", Self.megan.upn])
        XCTAssertEqual(megan["Id"] as? Int, 8)
        XCTAssertEqual(try object(["user", "get", "--webUrl", Self.root, "--email", Self.megan.upn])["Id"] as? Int, 8)
        let lidia = try object(["user", "ensure", "--webUrl", Self.root, "--entraId", Self.lidia.id])
        XCTAssertEqual(lidia["UserPrincipalName"] as? String, Self.lidia.upn, "the UPN comes from Graph")
        try fails(["user", "ensure", "--webUrl", Self.root, "--userName", "nobody@contoso.com"], "The specified user nobody@contoso.com could not be found.")
        try fails(["user", "ensure", "--webUrl", Self.root, "--entraId", Self.missing], "Could not read the user \(Self.missing) from Microsoft Graph")
        XCTAssertEqual(try object(["user", "get", "--webUrl", Self.root])["LoginName"] as? String, "i:0#.f|membership|" + Self.admin.upn,
                       "no user named: the signed-in one, from _api/web/currentuser")
    }

    /// Entra groups as site principals, by the claims SharePoint gives them: ensured, found and
    /// made members and removed from SharePoint groups as CLI for Microsoft 365 does.
    func testEntraGroupsAsSitePrincipals() throws {
        try emulator.admin("requests", method: "DELETE")
        let security = try object(["user", "ensure", "--webUrl", Self.marketing, "--entraGroupName", "IT Admins"])
        XCTAssertEqual(security["LoginName"] as? String, "c:0t.c|tenant|" + Self.itAdmins, "a security group's claim")
        XCTAssertEqual(security["PrincipalType"] as? Int, 4)
        XCTAssertEqual(security["Title"] as? String, "IT Admins")
        let graph = try emulator.requests(pathPrefix: "/v1.0/groups").map { $0["path"] as? String ?? "" }
        XCTAssertEqual(graph.count, 1, "one lookup by display name: \(graph)")
        let m365 = try object(["user", "ensure", "--webUrl", Self.marketing, "--entraGroupId", Self.allCompany])
        XCTAssertEqual(m365["LoginName"] as? String, "c:0o.c|federateddirectoryclaimprovider|" + Self.allCompany, "a Microsoft 365 group's claim")
        XCTAssertEqual(try object(["user", "get", "--webUrl", Self.marketing, "--entraGroupId", Self.itAdmins])["Id"] as? Int, security["Id"] as? Int)

        try emulator.admin("requests", method: "DELETE")
        let added = try array(["group", "member", "add", "--webUrl", Self.marketing, "--groupId", "5", "--entraGroupNames", "IT Admins"])
        XCTAssertEqual(added.compactMap { $0["LoginName"] as? String }, ["c:0t.c|tenant|" + Self.itAdmins])
        XCTAssertEqual(try spRequests().map { "\($0["method"] ?? "") \($0["path"] ?? "")" }, ["POST /sites/marketing/_api/web/sitegroups/GetById(5)/users"])
        try spo(["group", "member", "remove", "--webUrl", Self.marketing, "--groupId", "5", "--entraGroupName", "IT Admins", "--force"])
        XCTAssertEqual(try array(["group", "member", "list", "--webUrl", Self.marketing, "--groupId", "5"]).filter { $0["PrincipalType"] as? Int == 4 }.count, 0)
        try fails(["group", "member", "remove", "--webUrl", Self.marketing, "--groupId", "5", "--entraGroupId", Self.itAdmins, "--force"],
                  "The Microsoft Entra group \(Self.itAdmins) is not found in SharePoint group 5")
        try fails(["user", "ensure", "--webUrl", Self.marketing, "--entraGroupName", "Nobody's group"], "The specified group 'Nobody's group' does not exist.")
    }

    // MARK: Groups

    func testGroupListGetAddRemove() throws {
        let groups = try array(["group", "list", "--webUrl", Self.root])
        XCTAssertEqual(groups.compactMap { $0["Title"] as? String }, ["Contoso Owners", "Contoso Visitors", "Contoso Members"])
        let text = try spo(["group", "list", "--webUrl", Self.root, "--output", "text"]).stdout
        XCTAssertEqual(header(text), ["Id", "Title", "LoginName", "IsHiddenInUI", "PrincipalType"], "Type exists only for associated groups")
        let associated = try object(["group", "list", "--webUrl", Self.root, "--associatedGroupsOnly"])
        XCTAssertEqual((associated["AssociatedOwnerGroup"] as? [String: Any])?["Id"] as? Int, 3)
        XCTAssertEqual((associated["AssociatedVisitorGroup"] as? [String: Any])?["Title"] as? String, "Contoso Visitors")
        XCTAssertNil(associated["Title"], "only the associated groups")
        let associatedText = try spo(["group", "list", "--webUrl", Self.root, "--associatedGroupsOnly", "--output", "text"]).stdout
        XCTAssertEqual(header(associatedText), ["Id", "Title", "LoginName", "IsHiddenInUI", "PrincipalType", "Type"], "a row per group, as the CLI")
        XCTAssertTrue(associatedText.contains("AssociatedOwnerGroup") && associatedText.contains("Contoso Owners"), "not an empty table: \(associatedText)")

        XCTAssertEqual(try object(["group", "get", "--webUrl", Self.root, "--id", "5"])["Title"] as? String, "Contoso Members")
        XCTAssertEqual(try object(["group", "get", "--webUrl", Self.root, "--name", "contoso owners"])["Id"] as? Int, 3)
        XCTAssertEqual(try object(["group", "get", "--webUrl", Self.marketing, "--associatedGroup", "Owner"])["Title"] as? String, "Marketing Owners")

        let added = try object(["group", "add", "--webUrl", Self.root, "--name", "Project leads", "--description", "Leads",
                                "--allowRequestToJoinLeave", "true", "--onlyAllowMembersViewMembership", "false",
                                "--requestToJoinLeaveEmailSetting", Self.megan.upn])
        let id = try XCTUnwrap(added["Id"] as? Int)
        XCTAssertEqual(added["Description"] as? String, "Leads")
        XCTAssertEqual(added["AllowRequestToJoinLeave"] as? Bool, true)
        XCTAssertEqual(added["RequestToJoinLeaveEmailSetting"] as? String, Self.megan.upn)
        XCTAssertEqual(try object(["group", "get", "--webUrl", Self.root, "--name", "Project leads"])["Id"] as? Int, id)
        try fails(["group", "add", "--webUrl", Self.root, "--name", "Project leads"], "The specified name is already in use.")
        try spo(["group", "remove", "--webUrl", Self.root, "--id", String(id), "--force"])
        try fails(["group", "get", "--webUrl", Self.root, "--id", String(id)], "Group cannot be found.")
        try object(["group", "add", "--webUrl", Self.root, "--name", "It's temporary"])
        try emulator.admin("requests", method: "DELETE")
        try spo(["group", "remove", "--webUrl", Self.root, "--name", "It's temporary", "--force"])
        XCTAssertEqual(try spRequests().compactMap { $0["path"] as? String }.map { $0.components(separatedBy: "/").last ?? "" },
                       ["GetByName('It''s%20temporary')", "RemoveById(\(id + 1))"], "looked up by name, removed by id, as the CLI")
        try fails(["group", "remove", "--webUrl", Self.root, "--name", "It's temporary", "--force"], "Group cannot be found.")
        try fails(["group", "remove", "--webUrl", Self.root, "--id", "3"], exit: 2, "--force")
    }

    func testGroupMembers() throws {
        let added = try array(["group", "member", "add", "--webUrl", Self.root, "--groupId", "5", "--userNames", "\(Self.adele.upn), \(Self.megan.upn)"])
        XCTAssertEqual(added.compactMap { $0["Title"] as? String }, ["Adele Vance", "Megan Bowen"], "SharePoint's users, as the CLI prints them")
        XCTAssertEqual(added.first?["LoginName"] as? String, "i:0#.f|membership|" + Self.adele.upn)
        let members = try array(["group", "member", "list", "--webUrl", Self.root, "--groupName", "Contoso Members"])
        XCTAssertEqual(members.compactMap { $0["Id"] as? Int }, [7, 8])
        let text = try spo(["group", "member", "list", "--webUrl", Self.root, "--groupId", "5", "--output", "text"]).stdout
        XCTAssertEqual(header(text), ["Title", "UserPrincipalName", "Id", "Email"])
        XCTAssertTrue(text.contains("Megan Bowen"), text)
        let addText = try spo(["group", "member", "add", "--webUrl", Self.root, "--groupId", "4", "--emails", Self.megan.upn, "--output", "text"]).stdout
        XCTAssertTrue(header(addText).contains("LoginName") && header(addText).contains("PrincipalType"), "no default columns: \(addText)")
        try array(["group", "member", "add", "--webUrl", Self.root, "--groupName", "Contoso Visitors", "--userIds", "6"])
        XCTAssertEqual(try array(["group", "member", "list", "--webUrl", Self.root, "--groupId", "4"]).compactMap { $0["Id"] as? Int }, [8, 6])

        // An unknown user stops the rest; the ones before it stay added, as with the CLI.
        try fails(["group", "member", "add", "--webUrl", Self.root, "--groupId", "4", "--userNames", "\(Self.adele.upn),ghost@contoso.com"],
                  "The specified user i:0#.f|membership|ghost@contoso.com could not be found.")
        XCTAssertEqual(try array(["group", "member", "list", "--webUrl", Self.root, "--groupId", "4"]).count, 3)
        // Ids are all looked up first: one that does not exist adds no one.
        try emulator.admin("requests", method: "DELETE")
        try fails(["group", "member", "add", "--webUrl", Self.root, "--groupId", "4", "--userIds", "6,999"], "User cannot be found.")
        XCTAssertEqual(try spRequests().map { "\($0["method"] ?? "") \($0["path"] ?? "")" },
                       ["GET /_api/web/SiteUsers/GetById(6)", "GET /_api/web/SiteUsers/GetById(999)"], "no member added before every one was found")

        try emulator.admin("requests", method: "DELETE")
        try spo(["group", "member", "remove", "--webUrl", Self.root, "--groupId", "5", "--userName", Self.adele.upn.uppercased(), "--force"])
        XCTAssertEqual(try spRequests().compactMap { $0["query"] as? String }, ["@LoginName='i%3A0%23.f%7Cmembership%7C\(Self.adele.upn.uppercased().replacingOccurrences(of: "@", with: "%40"))'"],
                       "the claim as typed, in an alias, as the CLI")
        try emulator.admin("requests", method: "DELETE")
        try spo(["group", "member", "remove", "--webUrl", Self.root, "--groupName", "Contoso Members", "--email", Self.megan.upn, "--force"])
        XCTAssertEqual(try httpRequests("/").filter { ($0["host"] as? String) != "login.microsoftonline.com" }.compactMap { $0["path"] as? String },
                       ["/v1.0/users", "/v1.0/users/\(Self.megan.id)", "/_api/web/sitegroups/GetByName('Contoso%20Members')/users/removeByLoginName(@LoginName)"],
                       "the Entra user by mail, then removed by login name, as the CLI")
        try spo(["group", "member", "remove", "--webUrl", Self.root, "--groupId", "4", "--userId", "6", "--force"])
        XCTAssertEqual(try array(["group", "member", "list", "--webUrl", Self.root, "--groupId", "5"]).count, 0)
        try fails(["group", "member", "remove", "--webUrl", Self.root, "--groupId", "5", "--userId", "6", "--force"], "User cannot be found.")
        try fails(["group", "member", "list", "--webUrl", Self.root, "--groupId", "99"], "Group cannot be found.")
    }

    func testOnlyOwnersChangeGroupsAndApps() throws {
        let adele = try adeleHarness()
        defer { adele.cleanUp() }
        try emulator.admin("requests", method: "DELETE")
        try fails(["group", "add", "--webUrl", Self.root, "--name", "Mine"], exit: 1, "Access denied", harness: adele)
        try fails(["group", "member", "remove", "--webUrl", Self.root, "--groupId", "3", "--userId", "6", "--force"], "Access denied", harness: adele)
        try fails(["app", "add", "--filePath", try packageFile(), "--appCatalogUrl", Self.catalog], "Access denied", harness: adele)
        // Reading is allowed; on the marketing site Adele is a member, not an owner.
        let groups = try adele.run(["spo", "group", "list", "--webUrl", Self.root])
        XCTAssertEqual(groups.status, 0, groups.stderr)
        try fails(["group", "add", "--webUrl", Self.marketing, "--name", "Mine"], "Access denied", harness: adele)
        XCTAssertEqual(try array(["group", "list", "--webUrl", Self.root]).count, 3, "nothing was added")
    }

    // MARK: Apps

    func testTenantAppCatalogURLAndAppLifecycle() throws {
        XCTAssertEqual(try spo(["tenant", "appcatalogurl", "get", "--output", "text"]).stdout, Self.catalog + "\n")
        let file = try packageFile()
        let added = try object(["app", "add", "--filePath", file])
        let id = try XCTUnwrap(added["UniqueId"] as? String)
        XCTAssertEqual(added["Name"] as? String, "hello.sppkg")
        XCTAssertEqual(added["ServerRelativeUrl"] as? String, "/sites/apps/AppCatalog/hello.sppkg")
        try fails(["app", "add", "--filePath", file], "already exists")
        let replaced = try spo(["app", "add", "--filePath", file, "--overwrite", "--output", "text"]).stdout
        XCTAssertEqual(replaced, id + "\n", "text output is the app's id alone, as the CLI prints it")

        let apps = try array(["app", "list"])
        XCTAssertEqual(apps.compactMap { $0["ID"] as? String }, [id])
        XCTAssertEqual(apps.first?["Title"] as? String, "Hello World")
        let text = try spo(["app", "list", "--output", "text"]).stdout
        XCTAssertEqual(Set(header(text)), ["Title", "ID", "Deployed", "AppCatalogVersion"], "one app: key: value lines, sorted")
        XCTAssertTrue(text.contains("1.2.0.0"), text)
        XCTAssertEqual(try object(["app", "get", "--id", id])["ProductId"] as? String, "a1b2c3d4-0000-4000-8000-000000000001")
        XCTAssertEqual(try object(["app", "get", "--name", "hello.sppkg", "--appCatalogUrl", Self.catalog])["ID"] as? String, id)
        // A catalog site named …/sites/appcatalog is kept as given (only a site collection's
        // catalog may be named by its AppCatalog library).
        try emulator.admin("requests", method: "DELETE")
        _ = try harness.run(["spo", "app", "list", "--appCatalogUrl", Self.root + "/sites/appcatalog"])
        XCTAssertEqual(try spRequests().compactMap { $0["path"] as? String }, ["/sites/appcatalog/_api/web/tenantappcatalog/AvailableApps"])
        try fails(["app", "get", "--name", "nothing.sppkg"], "There is no app named 'nothing.sppkg' in the app catalog at \(Self.catalog)")

        try fails(["app", "install", "--id", id, "--siteUrl", Self.marketing], "is not deployed")
        try emulator.admin("requests", method: "DELETE")
        try spo(["app", "deploy", "--name", "hello.sppkg", "--skipFeatureDeployment"])
        XCTAssertEqual(try spRequests().compactMap { $0["target"] as? String }, [
            "/sites/apps/_api/web/GetFolderByServerRelativePath(DecodedUrl='AppCatalog')/files('hello.sppkg')?$select=UniqueId",
            "/sites/apps/_api/web/tenantappcatalog/AvailableApps/GetById('\(id)')/deploy",
        ], "the package by name, then deploy, as the CLI sends them")
        let deployed = try object(["app", "get", "--id", id])
        XCTAssertEqual(deployed["Deployed"] as? Bool, true)
        XCTAssertEqual(deployed["SkipDeploymentFeature"] as? Bool, true)
        try spo(["app", "install", "--id", id, "--siteUrl", Self.marketing])
        try fails(["app", "install", "--id", id, "--siteUrl", Self.marketing], "already installed")
        try spo(["app", "uninstall", "--id", id, "--siteUrl", Self.marketing, "--force"])
        try fails(["app", "uninstall", "--id", id, "--siteUrl", Self.marketing, "--force"], "not installed")
        try spo(["app", "remove", "--id", id, "--force"])
        try fails(["app", "get", "--id", id], "There is no app with id \(id) in the app catalog at \(Self.catalog)")
        try fails(["app", "deploy", "--id", id], "There is no app with id \(id)")
        try fails(["app", "install", "--id", id, "--siteUrl", Self.marketing], "There is no app with id \(id) in the tenant app catalog")
        try fails(["app", "remove", "--id", id, "--force"], "There is no app with id \(id)")
        try emulator.admin("requests", method: "DELETE")
        try fails(["app", "remove", "--name", "gone.sppkg"], exit: 2, "--force")
        XCTAssertEqual(try spRequests().count, 0, "asked before any request, as the CLI")
        try fails(["app", "list", "--appCatalogScope", "sitecollection", "--appCatalogUrl", Self.marketing], "There is no site collection app catalog")
        XCTAssertEqual(try array(["app", "list"]).count, 0)
    }

    /// A tenant without an app catalog (the seed's catalog site made a team site): both
    /// commands say so, and nothing is cached.
    func testTenantWithoutAppCatalog() throws {
        let seed = String(decoding: try EmulatorProcess.defaultSeed(), as: UTF8.self)
        XCTAssertTrue(seed.contains("\"APPCATALOG\""))
        let file = harness.home.appendingPathComponent("no-catalog-seed.json")
        try seed.replacingOccurrences(of: "\"APPCATALOG\"", with: "\"STS\"").write(to: file, atomically: true, encoding: .utf8)
        let other = try EmulatorProcess(arguments: ["--seed", file.path])
        defer { other.stop() }
        let (home, _) = try Self.signedInHarness(emulator: other)
        defer { home.cleanUp() }
        XCTAssertEqual(try home.run(["spo", "set", "--url", Self.root]).status, 0)
        let none = try home.run(["spo", "tenant", "appcatalogurl", "get", "--verbose"])
        XCTAssertEqual(none.status, 0, "as the CLI: success and nothing printed")
        XCTAssertEqual(none.stdout, "")
        XCTAssertTrue(none.stderr.contains("Tenant app catalog is not configured."), none.stderr)
        try fails(["app", "list"], "Tenant app catalog is not configured.", harness: home)
        try fails(["app", "list"], "Tenant app catalog is not configured.", harness: home)
        XCTAssertEqual(try other.requests(pathPrefix: "/_api/SP_TenantSettings_Current").count, 3, "an absent catalog is not remembered")
    }

    // MARK: Search

    func testSearch() throws {
        let found = try array(["search", "--queryText", "navigation"])
        XCTAssertEqual(found.count, 1)
        XCTAssertEqual(found.first?["Title"] as? String, "Review the navigation")
        XCTAssertEqual(Set(found.first?.keys.map { $0 } ?? []), ["Title", "OriginalPath"], "the default properties only")
        let text = try spo(["search", "--queryText", "navigation", "--output", "text"])
        XCTAssertTrue(text.stdout.contains("Review the navigation") && !text.stdout.contains("# Rows"), text.stdout)
        XCTAssertEqual(text.stderr.split(separator: "\n").map(String.init), ["# Rows: 1", "# Rows (Including duplicates): 1", "Elapsed Time: 3"],
                       "the CLI's summary lines, on stderr")
        let selected = try array(["search", "--queryText", "contentclass:STS_Site", "--selectProperties", "Title,Path",
                                  "--sortList", "Title:ascending", "--rowLimit", "2", "--startRow", "2"])
        XCTAssertEqual(selected.compactMap { $0["Title"] as? String }, ["Contoso", "Marketing"], "sorted: Adele Vance, Apps, Contoso, Marketing, …")
        // The CLI's query options, on the wire as it sends them.
        try emulator.admin("requests", method: "DELETE")
        XCTAssertEqual(try array(["search", "--queryText", "navigation", "--culture", "1033", "--queryTemplate", "{searchTerms}",
                                  "--sourceName", "Local SharePoint Results", "--refiners", "FileType", "--enablePhonetic", "--processBestBets",
                                  "--enableStemming", "false"]).count, 1)
        let query = try XCTUnwrap(try spRequests("/_api/search/query").first?["query"] as? String)
        for part in ["enablestemming=false", "culture=1033", "querytemplate=%27%7BsearchTerms%7D%27",
                     "properties=%27SourceName%3ALocal%20SharePoint%20Results%2CSourceLevel%3ASPSite%27", "refiners=%27FileType%27",
                     "enablephonetic=true", "processbestbets=true"] {
            XCTAssertTrue(query.contains(part), "\(part) in \(query)")
        }
        XCTAssertFalse(query.contains("enablequeryrules"), "a flag not given is not sent")
        let raw = try array(["search", "--queryText", "navigation", "--rawOutput"])
        XCTAssertNotNil(raw.first?["PrimaryQueryResult"])
        XCTAssertEqual(try array(["search", "--queryText", "no-such-words-anywhere"]).count, 0)
        let scoped = try array(["search", "--queryText", "Marketing", "--webUrl", Self.marketing, "--refinementFilters", "contentclass:equals(\"STS_Site\")"])
        XCTAssertEqual(scoped.compactMap { $0["OriginalPath"] as? String }, [Self.marketing])

        try emulator.admin("sharepoint/items", method: "POST", json: #"{"site":"\#(Self.root)","list":"Tasks","count":1200}"#)
        try emulator.admin("requests", method: "DELETE")
        let all = try array(["search", "--queryText", "contentclass:STS_ListItem_GenericList", "--allResults"])
        XCTAssertEqual(all.count, 1203)
        XCTAssertEqual(Set(all.compactMap { $0["OriginalPath"] as? String }).count, 1203, "no row twice")
        let pages = try spRequests("/_api/search/query").compactMap { $0["query"] as? String }
        XCTAssertEqual(pages.count, 3, "500 rows a page")
        // As the CLI: by DocId, each page after the last DocId of the one before, from row 0.
        let docIds = pages.compactMap { $0.components(separatedBy: "IndexDocId%3E").dropFirst().first?.components(separatedBy: "%27").first }
        XCTAssertEqual(docIds.count, 3, "\(pages)")
        XCTAssertEqual(docIds.first, "0")
        XCTAssertTrue(pages.allSatisfy { $0.contains("startrow=0") && $0.contains("sortList=%27%5BDocId%5D%3Aascending%27") }, "\(pages)")
        XCTAssertEqual(Set(docIds).count, 3, "each page after the one before: \(docIds)")
        try fails(["search", "--queryText", "x", "--webUrl", Self.root + "/sites/nowhere"], "There is no site or web")
    }

    // MARK: Failures

    func testBadInputFailsBeforeAnyRequest() throws {
        let u = ["--webUrl", Self.root]
        try fails(["user", "list", "--webUrl", "http://contoso.sharepoint.com"], exit: 2, "is not a valid SharePoint Online site URL.")
        try fails(["user", "get"] + u + ["--id", "abc"], exit: 2, "not a valid user id")
        try fails(["user", "get"] + u + ["--id", "6", "--email", "a@b.com"], exit: 2, "specify only one of --id, --email")
        try fails(["user", "get"] + u + ["--userName", "not-a-upn"], exit: 2, "not a valid user name")
        try fails(["user", "get"] + u + ["--email", "not-an-address"], exit: 2, "not a valid user name for --email")
        try fails(["user", "ensure"] + u + ["--entraId", "nope"], exit: 2, "not a valid GUID")
        try fails(["group", "get"] + u + ["--id", "1.5"], exit: 2, "not a valid group id")
        try fails(["group", "get"] + u + ["--associatedGroup", "Guest"], exit: 2, "Owner, Member, Visitor")
        try fails(["group", "add"] + u + ["--name", " "], exit: 2, "--name must not be empty")
        try fails(["group", "remove"] + u + ["--id", "0", "--force"], exit: 2, "not a valid group id")
        try fails(["group", "member", "list"] + u, exit: 2, "--groupId")
        try fails(["group", "member", "add"] + u + ["--groupId", "5", "--userIds", "6,x"], exit: 2, "Option 'userIds' contains one or more invalid numbers: x.")
        try fails(["group", "member", "add"] + u + ["--groupId", "5", "--emails", "adele"], exit: 2, "Option 'emails' contains one or more invalid UPNs: adele.")
        try fails(["group", "member", "add"] + u + ["--groupId", "5"], exit: 2, "--userNames")
        try fails(["group", "member", "remove"] + u + ["--groupId", "5", "--userId", "-3", "--force"], exit: 2, "not a valid user id")
        try fails(["app", "list", "--appCatalogScope", "sitecollection"], exit: 2, "You must specify appCatalogUrl when the appCatalogScope is sitecollection")
        try fails(["app", "list", "--appCatalogScope", "everywhere"], exit: 2, "tenant, sitecollection")
        try fails(["app", "get", "--id", "123"], exit: 2, "not a valid GUID")
        try fails(["app", "add", "--filePath", "/nonexistent/x.sppkg"], exit: 2, "cannot read /nonexistent/x.sppkg")
        try fails(["app", "install", "--id", "123", "--siteUrl", Self.marketing], exit: 2, "not a valid GUID")
        try fails(["app", "uninstall", "--id", Self.missing, "--siteUrl", Self.marketing], exit: 2, "--force")
        try fails(["search", "--queryText", "x", "--sortList", "Title:up"], exit: 2, "--sortList")
        try fails(["search", "--queryText", "x", "--allResults", "--startRow", "5"], exit: 2, "--startRow cannot be used with --allResults")
        try fails(["search", "--queryText", "x", "--rowLimit", "0"], exit: 2, "--rowLimit must be a whole number")
        try fails(["search", "--queryText", "x", "--sourceId", "abc"], exit: 2, "not a valid GUID")
        XCTAssertEqual(try spRequests().count, 0, "nothing reaches SharePoint")
        XCTAssertEqual(try httpRequests("/v1.0").count, 0, "nor Graph")
    }

    func testThrottledCommandsSucceedAfterRetryAfter() throws {
        _ = try spo(["tenant", "appcatalogurl", "get"])  // the catalog URL is kept from here on
        let cases: [(String, String, [String])] = [
            (Self.root, "/_api/web/siteusers", ["user", "list", "--webUrl", Self.root]),
            (Self.root, "/_api/web/sitegroups", ["group", "list", "--webUrl", Self.root]),
            (Self.root, "/_api/web/sitegroups", ["group", "member", "list", "--webUrl", Self.root, "--groupId", "3"]),
            (Self.catalog, "/sites/apps/_api/web/tenantappcatalog", ["app", "list"]),
            (Self.root, "/_api/search", ["search", "--queryText", "navigation"]),
        ]
        for (_, path, arguments) in cases {
            try emulator.admin("requests", method: "DELETE")
            try throttle(path, host: "contoso.sharepoint.com")
            _ = try array(arguments)
            XCTAssertEqual(try spRequests(path).count, 2, "\(arguments): throttled once, then answered")
        }
        try throttle("/_api/web/sitegroups", host: "contoso.sharepoint.com")
        XCTAssertEqual(try object(["group", "add", "--webUrl", Self.root, "--name", "After a 429"])["Title"] as? String, "After a 429")
        try throttle("/_api/web/siteusers", host: "contoso.sharepoint.com")
        XCTAssertEqual(try object(["user", "get", "--webUrl", Self.root, "--id", "6"])["Id"] as? Int, 6)
        try throttle("/_api/web/ensureuser", host: "contoso.sharepoint.com")
        XCTAssertEqual(try object(["user", "ensure", "--webUrl", Self.root, "--userName", Self.megan.upn])["Id"] as? Int, 8)
        try emulator.admin("requests", method: "DELETE")
        try throttle("/_api/SP_TenantSettings_Current", host: "contoso.sharepoint.com")
        XCTAssertEqual(try spo(["tenant", "appcatalogurl", "get"]).stdout.contains(Self.catalog), true)
        XCTAssertEqual(try spRequests("/_api/SP_TenantSettings_Current").count, 2)
        try throttle("/sites/apps/_api/web/tenantappcatalog/Add", host: "contoso.sharepoint.com")
        XCTAssertNotNil(try object(["app", "add", "--filePath", try packageFile()])["UniqueId"] as? String)
    }

    /// With the token, the digests and the catalog URL cached, each command sends only the
    /// requests it needs.
    func testEachCommandSendsOnlyTheRequestsItNeeds() throws {
        let file = try packageFile()
        try spo(["group", "add", "--webUrl", Self.root, "--name", "Warm-up"])        // root digest
        let id = try XCTUnwrap(try object(["app", "add", "--filePath", file])["UniqueId"] as? String)  // catalog URL and digest
        try spo(["app", "deploy", "--id", id])
        try spo(["app", "install", "--id", id, "--siteUrl", Self.marketing])          // marketing digest
        let r = Self.root
        let cases: [([String], [String])] = [
            (["user", "list", "--webUrl", r], ["GET"]),
            (["user", "get", "--webUrl", r, "--id", "6"], ["GET"]),
            (["user", "ensure", "--webUrl", r, "--userName", Self.megan.upn], ["POST"]),
            (["user", "ensure", "--webUrl", r, "--entraId", Self.lidia.id], ["GET", "POST"]),
            (["group", "list", "--webUrl", r], ["GET"]),
            (["group", "list", "--webUrl", r, "--associatedGroupsOnly"], ["GET"]),
            (["group", "get", "--webUrl", r, "--associatedGroup", "Member"], ["GET"]),
            (["group", "add", "--webUrl", r, "--name", "Counted"], ["POST"]),
            (["group", "member", "list", "--webUrl", r, "--groupName", "Counted"], ["GET"]),
            (["group", "member", "add", "--webUrl", r, "--groupName", "Counted", "--userNames", Self.adele.upn], ["POST"]),
            (["group", "member", "add", "--webUrl", r, "--groupName", "Counted", "--userIds", "6"], ["GET", "POST"]),
            (["group", "member", "remove", "--webUrl", r, "--groupName", "Counted", "--userName", Self.adele.upn, "--force"], ["POST"]),
            (["group", "member", "remove", "--webUrl", r, "--groupName", "Counted", "--email", Self.admin.upn, "--force"], ["GET", "GET", "POST"]),
            (["group", "remove", "--webUrl", r, "--name", "Counted", "--force"], ["GET", "POST"]),
            (["tenant", "appcatalogurl", "get"], ["GET"]),
            (["app", "list"], ["GET"]),
            (["app", "get", "--id", id], ["GET"]),
            (["app", "get", "--name", "hello.sppkg"], ["GET", "GET"]),
            (["app", "add", "--filePath", file, "--overwrite"], ["POST"]),
            (["app", "deploy", "--id", id], ["POST"]),
            (["app", "uninstall", "--id", id, "--siteUrl", Self.marketing, "--force"], ["POST"]),
            (["app", "install", "--id", id, "-s", Self.marketing], ["POST"]),
            (["app", "remove", "--id", id, "--force"], ["POST"]),
            (["search", "--queryText", "navigation"], ["GET"]),
        ]
        for (arguments, methods) in cases {
            try emulator.admin("requests", method: "DELETE")
            try spo(arguments)
            let sent = try httpRequests("").compactMap { $0["method"] as? String }
            XCTAssertEqual(sent, methods, "spo \(arguments.prefix(3).joined(separator: " ")): no digest, token or lookup requests")
        }
    }
}
