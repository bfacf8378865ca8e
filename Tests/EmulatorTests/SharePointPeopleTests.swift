import Foundation
import XCTest

/// The emulator's site users and groups, the ALM app catalog API and search, called with curl.
final class SharePointPeopleTests: SharePointTestCase {
    let claim = "i:0#.f|membership|"

    // MARK: Users

    func testSiteUsersComeFromTheDirectoryAndTheSiteOwner() throws {
        let users = values(try sp("GET", "\(root)/_api/web/siteusers"))
        let admin = try XCTUnwrap(users.first { $0["UserPrincipalName"] as? String == Fixtures.admin.upn })
        XCTAssertEqual(admin["Id"] as? Int, 6, "seeded users keep the id list items give their author")
        XCTAssertEqual(admin["LoginName"] as? String, claim + Fixtures.admin.upn)
        XCTAssertEqual(admin["IsSiteAdmin"] as? Bool, true)
        XCTAssertEqual(admin["PrincipalType"] as? Int, 1)

        XCTAssertEqual(try sp("GET", "\(root)/_api/web/siteusers/GetById(6)").json["Title"] as? String, "MOD Administrator")
        XCTAssertEqual(try sp("GET", "\(root)/_api/web/siteusers/GetByEmail('\(q(Fixtures.admin.upn))')").json["Id"] as? Int, 6)
        XCTAssertEqual(try sp("GET", "\(root)/_api/web/siteusers/GetByLoginName('\(q(claim + Fixtures.admin.upn))')").json["Id"] as? Int, 6)
        let missing = try sp("GET", "\(root)/_api/web/siteusers/GetById(99)")
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(spError(missing).message, "User cannot be found.")

        let verbose = try sp("GET", "\(root)/_api/web/siteusers", accept: Self.verbose)
        let results = (verbose.json["d"] as? [String: Any])?["results"] as? [[String: Any]] ?? []
        XCTAssertEqual((results.first?["__metadata"] as? [String: Any])?["type"] as? String, "SP.User")

        // The marketing site belongs to Sales and Marketing: its owners and members are users.
        let marketingUsers = values(try sp("GET", "\(marketing)/_api/web/siteusers")).compactMap { $0["UserPrincipalName"] as? String }
        XCTAssertEqual(Set(marketingUsers), ["megan.bowen@contoso.com", Fixtures.adele.upn])
    }

    func testEnsureUserAddsADirectoryUserOnce() throws {
        let ensured = try sp("POST", "\(root)/_api/web/ensureuser", json: ["logonName": "megan.bowen@contoso.com"])
        XCTAssertEqual(ensured.status, 200, ensured.text)
        XCTAssertEqual(ensured.json["Id"] as? Int, 8)
        XCTAssertEqual(ensured.json["Email"] as? String, "megan.bowen@contoso.com")
        let again = try sp("POST", "\(root)/_api/web/ensureuser", json: ["logonName": claim + "megan.bowen@contoso.com"])
        XCTAssertEqual(again.json["Id"] as? Int, 8)
        XCTAssertEqual(values(try sp("GET", "\(root)/_api/web/siteusers")).filter { $0["Id"] as? Int == 8 }.count, 1)
        let nobody = try sp("POST", "\(root)/_api/web/ensureuser", json: ["logonName": "nobody@contoso.com"])
        XCTAssertEqual(nobody.status, 404)
        XCTAssertEqual(spError(nobody).message, "The specified user nobody@contoso.com could not be found.")
    }

    // MARK: Groups

    func testAssociatedGroupsAndGroupLifecycle() throws {
        let groups = values(try sp("GET", "\(root)/_api/web/sitegroups"))
        XCTAssertEqual(groups.compactMap { $0["Id"] as? Int }, [3, 4, 5])
        XCTAssertEqual(groups.first?["Title"] as? String, "Contoso Owners")
        XCTAssertEqual(groups.first?["PrincipalType"] as? Int, 8)
        let associated = try sp("GET", "\(root)/_api/web?$expand=AssociatedOwnerGroup,AssociatedMemberGroup,AssociatedVisitorGroup&$select=AssociatedOwnerGroup,AssociatedMemberGroup,AssociatedVisitorGroup")
        XCTAssertEqual(Array((associated.json as [String: Any]).keys).sorted(), ["AssociatedMemberGroup", "AssociatedOwnerGroup", "AssociatedVisitorGroup"])
        XCTAssertEqual((associated.json["AssociatedMemberGroup"] as? [String: Any])?["Id"] as? Int, 5)
        XCTAssertEqual(try sp("GET", "\(root)/_api/web/AssociatedVisitorGroup").json["Title"] as? String, "Contoso Visitors")
        let owners = values(try sp("GET", "\(root)/_api/web/sitegroups/GetById(3)/users"))
        XCTAssertEqual(owners.compactMap { $0["Id"] as? Int }, [6])

        let added = try sp("POST", "\(root)/_api/web/sitegroups", json: ["Title": "Project leads", "Description": "Leads"])
        XCTAssertEqual(added.status, 201, added.text)
        let id = try XCTUnwrap(added.json["Id"] as? Int)
        XCTAssertEqual(try sp("GET", "\(root)/_api/web/sitegroups/GetByName('Project%20leads')").json["Id"] as? Int, id)
        let duplicate = try sp("POST", "\(root)/_api/web/sitegroups", json: ["Title": "project LEADS"])
        XCTAssertEqual(duplicate.status, 400)
        XCTAssertEqual(spError(duplicate).message, "The specified name is already in use.")

        let member = try sp("POST", "\(root)/_api/web/sitegroups/GetById(\(id))/users", json: ["LoginName": claim + Fixtures.adele.upn])
        XCTAssertEqual(member.status, 201, member.text)
        XCTAssertEqual(member.json["Id"] as? Int, 7)
        XCTAssertEqual(values(try sp("GET", "\(root)/_api/web/sitegroups/GetByName('Project%20leads')/users")).compactMap { $0["Id"] as? Int }, [7])
        XCTAssertEqual(try sp("POST", "\(root)/_api/web/sitegroups/GetById(\(id))/users/removeByLoginName('\(q(claim + Fixtures.adele.upn))')").status, 200)
        XCTAssertEqual(values(try sp("GET", "\(root)/_api/web/sitegroups/GetById(\(id))/users")).count, 0)
        XCTAssertEqual(try sp("POST", "\(root)/_api/web/sitegroups/GetById(\(id))/users/removeById(7)").status, 404)

        XCTAssertEqual(try sp("POST", "\(root)/_api/web/sitegroups/RemoveById(\(id))").status, 200)
        let gone = try sp("GET", "\(root)/_api/web/sitegroups/GetById(\(id))")
        XCTAssertEqual(gone.status, 404)
        XCTAssertEqual(spError(gone).message, "Group cannot be found.")
    }

    func testOnlyOwnersManageGroups() throws {
        let adele = try XCTUnwrap(passwordToken(user: Fixtures.adele, scope: "https://contoso.sharepoint.com/.default")["access_token"] as? String)
        let denied = try sp("POST", "\(root)/_api/web/sitegroups", token: adele, json: ["Title": "Mine"])
        XCTAssertEqual(denied.status, 403, denied.text)
        XCTAssertEqual(spError(denied).code, "-2147024891, System.UnauthorizedAccessException")
        XCTAssertEqual(values(try sp("GET", "\(root)/_api/web/sitegroups", token: adele)).count, 3, "reading is allowed")
        let app = try certificateToken(scope: "https://contoso.sharepoint.com/.default")
        let appToken = try XCTUnwrap(app.json["access_token"] as? String, app.text)
        XCTAssertEqual(try sp("POST", "\(root)/_api/web/sitegroups", token: appToken, json: ["Title": "Daemon's"]).status, 201,
                       "an app with Sites.FullControl.All manages any site")
    }

    // MARK: Apps

    func testAppCatalogLifecycle() throws {
        XCTAssertEqual(try sp("GET", "\(marketing)/_api/SP_TenantSettings_Current").json["CorporateCatalogUrl"] as? String, apps)
        let manifest = #"<App xmlns="http://schemas.microsoft.com/sharepoint/2012/app/manifest" Name="spfx" ProductID="{a1b2c3d4-0000-4000-8000-000000000001}" Version="1.2.0.0"><Properties><Title>Hello World</Title></Properties></App>"#
        let added = try upload("\(apps)/_api/web/tenantappcatalog/Add(overwrite=false,url='hello.sppkg')", manifest)
        XCTAssertEqual(added.status, 200, added.text)
        XCTAssertEqual(added.json["ServerRelativeUrl"] as? String, "/sites/apps/AppCatalog/hello.sppkg")
        let id = try XCTUnwrap(added.json["UniqueId"] as? String)
        let again = try upload("\(apps)/_api/web/tenantappcatalog/Add(overwrite=false,url='hello.sppkg')", manifest)
        XCTAssertEqual(again.status, 400)

        let listed = values(try sp("GET", "\(apps)/_api/web/tenantappcatalog/AvailableApps"))
        XCTAssertEqual(listed.count, 1)
        XCTAssertEqual(listed.first?["Title"] as? String, "Hello World")
        XCTAssertEqual(listed.first?["AppCatalogVersion"] as? String, "1.2.0.0")
        XCTAssertEqual(listed.first?["ProductId"] as? String, "a1b2c3d4-0000-4000-8000-000000000001")
        XCTAssertEqual(listed.first?["Deployed"] as? Bool, false)
        XCTAssertEqual(try sp("GET", "\(apps)/_api/web/GetFolderByServerRelativeUrl('AppCatalog')/Files('hello.sppkg')").json["UniqueId"] as? String, id)

        let app = "\(apps)/_api/web/tenantappcatalog/AvailableApps/GetById('\(id)')"
        let early = try sp("POST", "\(marketing)/_api/web/tenantappcatalog/AvailableApps/GetById('\(id)')/Install")
        XCTAssertEqual(early.status, 400, "an app is deployed before it is installed")
        XCTAssertEqual(try sp("POST", app + "/Deploy", json: ["skipFeatureDeployment": true]).status, 200)
        XCTAssertEqual(try sp("GET", app).json["Deployed"] as? Bool, true)
        XCTAssertEqual(try sp("POST", "\(marketing)/_api/web/tenantappcatalog/AvailableApps/GetById('\(id)')/Install").status, 200)
        XCTAssertEqual(try sp("GET", "\(marketing)/_api/web/tenantappcatalog/AvailableApps/GetById('\(id)')").json["InstalledVersion"] as? String, "1.2.0.0")
        XCTAssertEqual(try sp("POST", "\(marketing)/_api/web/tenantappcatalog/AvailableApps/GetById('\(id)')/Uninstall").status, 200)
        XCTAssertEqual(try sp("POST", app + "/Remove").status, 200)
        XCTAssertEqual(try sp("GET", app).status, 404)
        XCTAssertEqual(try sp("GET", "\(marketing)/_api/web/sitecollectionappcatalog/AvailableApps").status, 404, "marketing has no site collection catalog")
    }

    func testSiteCollectionAppCatalog() throws {
        let catalog = "\(marketing)/_api/web/sitecollectionappcatalog"
        XCTAssertEqual(try sp("GET", catalog + "/AvailableApps").status, 404)
        let library = try sp("POST", "\(marketing)/_api/web/lists", json: ["Title": "Apps for SharePoint", "BaseTemplate": 336])
        XCTAssertEqual(library.status, 201, library.text)
        let added = try upload(catalog + "/Add(overwrite=true,url='site.sppkg')", "no manifest here")
        XCTAssertEqual(added.status, 200, added.text)
        let id = try XCTUnwrap(added.json["UniqueId"] as? String)
        let listed = values(try sp("GET", catalog + "/AvailableApps"))
        XCTAssertEqual(listed.first?["Title"] as? String, "site", "without a manifest the title is the file name")
        XCTAssertEqual(values(try sp("GET", "\(apps)/_api/web/tenantappcatalog/AvailableApps")).count, 0, "the tenant catalog is another")
        XCTAssertEqual(try sp("POST", catalog + "/AvailableApps/GetById('\(id)')/Deploy", json: [:]).status, 200)
        XCTAssertEqual(try sp("POST", catalog + "/AvailableApps/GetById('\(id)')/Install").status, 200)
        XCTAssertEqual(try sp("GET", catalog + "/AvailableApps/GetById('\(id)')").json["InstalledVersion"] as? String, "1.0.0.0")
    }

    /// A POST of raw bytes (a package) with the site's digest.
    func upload(_ url: String, _ body: String) throws -> HTTPResult {
        let web = String(url[..<url.range(of: "/_api/")!.lowerBound])
        return try curl(url, method: "POST", headers: ["Authorization": "Bearer \(spToken!)", "Accept": Self.nometadata,
                                                      "Content-Type": "application/octet-stream", "X-RequestDigest": try digest(web)], body: body)
    }

    // MARK: Search

    func testSearchFindsWebsAndItems() throws {
        let r = try sp("GET", "\(root)/_api/search/query?querytext='navigation'&selectproperties='Title,Path'&rowlimit=10")
        XCTAssertEqual(r.status, 200, r.text)
        let relevant = (r.json["PrimaryQueryResult"] as? [String: Any])?["RelevantResults"] as? [String: Any]
        XCTAssertEqual(relevant?["TotalRows"] as? Int, 1)
        let rows = ((relevant?["Table"] as? [String: Any])?["Rows"] as? [[String: Any]]) ?? []
        let cells = rows.first?["Cells"] as? [[String: Any]] ?? []
        XCTAssertEqual(cells.first { $0["Key"] as? String == "Title" }?["Value"] as? String, "Review the navigation")
        let sites = try sp("GET", "\(root)/_api/search/query?querytext='contentclass:STS_Site'&sortlist='Title:descending'&rowlimit=2&startrow=1")
        let siteRelevant = (sites.json["PrimaryQueryResult"] as? [String: Any])?["RelevantResults"] as? [String: Any]
        XCTAssertEqual(siteRelevant?["RowCount"] as? Int, 2)
        XCTAssertGreaterThanOrEqual(siteRelevant?["TotalRows"] as? Int ?? 0, 4)
    }
}
