import Foundation
import XCTest

/// Tenant administration end to end: `spo site`, `spo tenant settings`, `spo cdn` and
/// `spo storageentity` through CSOM at the emulator's admin site (contoso-admin.sharepoint.com).
final class SPOAdminTests: SPOTestCase {
    static let adminHost = "contoso-admin.sharepoint.com"
    static let processQuery = "/_vti_bin/client.svc/ProcessQuery"

    func processQueries() throws -> Int {
        try spRequests(Self.processQuery).filter { ($0["host"] as? String) == Self.adminHost }.count
    }

    func urls(_ sites: [[String: Any]]) -> [String] { sites.compactMap { $0["Url"] as? String } }

    // MARK: Sites

    func testSiteListPagesThroughEveryPageAndFilters() throws {
        try emulator.admin("sharepoint/sites", method: "POST", json: #"{"tenant":"contoso","count":650,"prefix":"paged"}"#)
        try emulator.admin("requests", method: "DELETE")
        let all = try array(["site", "list"])
        let listed = urls(all)
        XCTAssertEqual(Set(listed).count, listed.count, "no site twice")
        XCTAssertEqual(listed.filter { $0.contains("/sites/paged-") }.count, 650, "every page was read")
        XCTAssertTrue(listed.contains(Self.root + "/sites/marketing"))
        XCTAssertFalse(listed.contains { $0.contains("-my.sharepoint.com") }, "OneDrive sites only with --withOneDriveSites")
        XCTAssertEqual(all.first?["_ObjectType_"] as? String, "Microsoft.Online.SharePoint.TenantAdministration.SiteProperties")
        let pages = try processQueries()
        XCTAssertGreaterThanOrEqual(pages, 3, "650 sites take several pages")
        XCTAssertEqual(pages, (listed.count + 299) / 300, "one ProcessQuery a page: the page asked for in advance is the one used")
        // Each next page is asked for while this one prints (a POST flagged idempotent, ABI 1.3).
        try emulator.admin("requests", method: "DELETE")
        let traced = try spo(["site", "list", "--debug"])
        XCTAssertFalse(traced.stderr.contains("not asked for in advance"), traced.stderr)
        XCTAssertEqual(traced.stderr.components(separatedBy: "/_vti_bin/client.svc/ProcessQuery was asked for in advance)").count - 1, pages - 1, traced.stderr)
        XCTAssertEqual(try processQueries(), pages)

        let filtered = urls(try array(["site", "list", "--filter", "Url -like 'paged-00012'"]))
        XCTAssertEqual(Set(filtered), Set((120...129).map { Self.root + "/sites/paged-000\($0)" }))
        XCTAssertTrue(urls(try array(["site", "list", "--withOneDriveSites"])).contains { $0.contains("-my.sharepoint.com/personal/adele") })
        XCTAssertEqual(urls(try array(["site", "list", "--type", "TeamSite"])), [Self.root + "/sites/marketing"])

        let text = try spo(["site", "list", "--filter", "Url -like 'paged-0001'", "--output", "text"]).stdout
        XCTAssertEqual(text.split(separator: "\n").first.map { $0.split(separator: " ").map(String.init) }, ["Title", "Url"])
        XCTAssertTrue(text.contains(Self.root + "/sites/paged-000100"), text)
    }

    func testClassicSiteLifecycleWaitsForItsOperations() throws {
        let url = Self.root + "/sites/archive"
        let created = try spo(["site", "add", "--type", "ClassicSite", "--url", "/sites/archive", "--title", "Archive",
                               "--owners", Self.admin.upn, "--timeZone", "4", "--wait", "--output", "json"])
        XCTAssertEqual(try created.json() as? String, url)
        XCTAssertGreaterThanOrEqual(try processQueries(), 2, "created, then polled until complete")
        let site = try object(["site", "get", "--url", url])
        XCTAssertEqual((site["Url"] as? String)?.lowercased(), url)
        XCTAssertEqual(try object(["web", "get", "--url", url])["Title"] as? String, "Archive")

        try spo(["site", "set", "--url", url, "--title", "Old archive", "--description", "Kept for audits", "--lockState", "Unlock", "--wait"])
        let web = try object(["web", "get", "--url", url])
        XCTAssertEqual(web["Title"] as? String, "Old archive")
        XCTAssertEqual(web["Description"] as? String, "Kept for audits")

        try fails(["site", "add", "--type", "ClassicSite", "--url", url, "--title", "Again", "--owners", Self.admin.upn, "--timeZone", "4"],
                  "already exists")
        try spo(["site", "remove", "--url", url, "--force"])
        XCTAssertFalse(urls(try array(["site", "list"])).contains(url), "a removed site is not listed")
        try fails(["site", "get", "--url", url], "archive")
        // The URL is free again once the deleted site is purged.
        try spo(["site", "add", "--type", "ClassicSite", "--url", url, "--title", "Archive 2", "--owners", Self.admin.upn, "--timeZone", "4",
                 "--removeDeletedSite", "--wait"])
        XCTAssertEqual(try object(["web", "get", "--url", url])["Title"] as? String, "Archive 2")
        // Nothing at the URL, active or deleted: nothing to purge, and the site is created.
        try spo(["site", "add", "--type", "ClassicSite", "--url", "/sites/fresh", "--title", "Fresh", "--owners", Self.admin.upn, "--timeZone", "4",
                 "--removeDeletedSite", "--wait"])
        // An active site at the URL is not purged: SharePoint refuses the new one.
        try fails(["site", "add", "--type", "ClassicSite", "--url", "/sites/fresh", "--title", "Again", "--owners", Self.admin.upn, "--timeZone", "4",
                   "--removeDeletedSite"], "already exists")
        try emulator.admin("requests", method: "DELETE")
        try spo(["site", "remove", "--url", url, "--skipRecycleBin", "--force"])
        XCTAssertEqual(try spRequests().filter { !($0["path"] as? String ?? "").hasSuffix("/_api/contextinfo") }.map { "\($0["method"] ?? "") \($0["path"] ?? "")" }, [
            "GET /_api/web/lists/GetByTitle('DO_NOT_DELETE_SPLIST_TENANTADMIN_AGGREGATED_SITECOLLECTIONS')/items",
            "POST /_api/Microsoft.Online.SharePoint.TenantAdministration.Tenant/RemoveSite",
            "POST /_api/Microsoft.Online.SharePoint.TenantAdministration.Tenant/RemoveDeletedSite",
        ], "as CLI for Microsoft 365 removes a site without a group")
        try fails(["site", "remove", "--url", url, "--fromRecycleBin", "--force"], "Site not found in the tenant.")
        try fails(["site", "remove", "--url", "/", "--force"], exit: 2, "The root site cannot be deleted.")
    }

    /// A group's site goes with its group; --skipRecycleBin purges the group from Entra ID's
    /// deleted items too. The recycle bin checks say what to do instead.
    func testGroupSiteRemovalTakesItsGroup() throws {
        let site = try XCTUnwrap(try spo(["site", "add", "--alias", "short-lived", "--title", "Short-lived", "--output", "json"]).json() as? String)
        let groupId = try XCTUnwrap(try object(["site", "get", "--url", site])["GroupId"] as? String)
        try spo(["site", "remove", "--url", site, "--force"])
        try fails(["site", "remove", "--url", site, "--force"], "Site is already in the recycle bin. Use --fromRecycleBin to permanently delete it.")
        XCTAssertNotEqual(try harness.run(["aad", "group", "get", "--id", groupId]).status, 0, "the group went with its site")
        try emulator.admin("requests", method: "DELETE")
        try spo(["site", "remove", "--url", site, "--fromRecycleBin", "--force"])
        let graph = try emulator.requests(pathPrefix: "/v1.0/directory").map { "\($0["method"] ?? "") \($0["path"] ?? "")" }
        XCTAssertEqual(graph, ["GET /v1.0/directory/deletedItems/Microsoft.Graph.Group/\(groupId)", "DELETE /v1.0/directory/deletedItems/Microsoft.Graph.Group/\(groupId)"])
        try fails(["site", "remove", "--url", site, "--fromRecycleBin", "--force"], "Site not found in the tenant.")
        try fails(["site", "remove", "--url", Self.root + "/sites/marketing", "--fromRecycleBin", "--force"],
                  "Site is currently not in the recycle bin. Remove --fromRecycleBin if you want to remove it as active site.")
    }

    /// Resource quotas and the default storage warning of a classic site, and a site's own app
    /// catalog, as the CLI creates them.
    func testSiteAddWithQuotasAndAnAppCatalog() throws {
        let url = Self.root + "/sites/catalogued"
        try spo(["site", "add", "--type", "ClassicSite", "--url", "/sites/catalogued", "--title", "Catalogued", "--owners", Self.admin.upn,
                 "--timeZone", "4", "--storageQuota", "500", "--resourceQuota", "300", "--resourceQuotaWarningLevel", "200", "--withAppCatalog"])
        let properties = try XCTUnwrap(try array(["site", "list", "--filter", "Url -like 'catalogued'"]).first)
        XCTAssertEqual(properties["StorageMaximumLevel"] as? Int, 500)
        XCTAssertEqual(properties["StorageWarningLevel"] as? Int, 100, "the CLI's default warning level")
        XCTAssertEqual(try array(["app", "list", "--appCatalogScope", "sitecollection", "--appCatalogUrl", url]).count, 0,
                       "the site has an app catalog of its own, empty")
        let team = try spo(["site", "add", "--alias", "with-apps", "--title", "With apps", "--withAppCatalog", "--output", "json"])
        let teamURL = try XCTUnwrap(try team.json() as? String)
        XCTAssertEqual(try array(["app", "list", "--appCatalogScope", "sitecollection", "--appCatalogUrl", teamURL]).count, 0)
        try fails(["site", "add", "--type", "ClassicSite", "--url", "/sites/q", "--title", "Q", "--owners", Self.admin.upn, "--timeZone", "4",
                   "--resourceQuotaWarningLevel", "5"], exit: 2, "You cannot specify resourceQuotaWarningLevel without specifying resourceQuota")
        try fails(["site", "add", "--alias", "q", "--title", "Q", "--resourceQuota", "5"], exit: 2, "--resourceQuota")
        try spo(["site", "remove", "--url", url, "--skipRecycleBin", "--force"])
    }

    func testTeamAndCommunicationSitesAreCreatedByTheirManagers() throws {
        let team = try spo(["site", "add", "--alias", "project-x", "--title", "Project X", "--isPublic", "--output", "json"])
        XCTAssertEqual(try team.json() as? String, Self.root + "/sites/project-x")
        XCTAssertEqual(try object(["web", "get", "--url", "/sites/project-x"])["Title"] as? String, "Project X")
        // isPublic is sent only when given, as the CLI: without it the group is private.
        _ = try spo(["site", "add", "--alias", "project-y", "--title", "Project Y"])
        for (site, visibility) in [("/sites/project-x", "Public"), ("/sites/project-y", "Private")] {
            let groupId = try XCTUnwrap(try object(["site", "get", "--url", site])["GroupId"] as? String)
            XCTAssertEqual((try m365(["aad", "group", "get", "--id", groupId]).json() as? [String: Any])?["visibility"] as? String, visibility, site)
        }
        let news = try spo(["site", "add", "--type", "CommunicationSite", "--url", "/sites/news", "--title", "News", "--output", "json"])
        XCTAssertEqual(try news.json() as? String, Self.root + "/sites/news")
        XCTAssertTrue(urls(try array(["site", "list", "--type", "CommunicationSite"])).contains(Self.root + "/sites/news"))
    }

    /// `--type BrandCenter` as CLI for Microsoft 365: the tenant's configuration first, the
    /// user's agreement (--force without a terminal), a communication site with the feature.
    func testBrandCenterIsACommunicationSiteWithItsFeature() throws {
        try fails(["site", "add", "--type", "BrandCenter", "--url", "/sites/brand", "--title", "Brand"], exit: 2, "--force")
        try emulator.admin("requests", method: "DELETE")
        let created = try spo(["site", "add", "--type", "BrandCenter", "--url", "/sites/brand", "--title", "Brand", "--force", "--output", "json"])
        XCTAssertEqual(try created.json() as? String, Self.root + "/sites/brand")
        XCTAssertTrue(created.stderr.contains("official brand center site"), "the warning, on stderr: \(created.stderr)")
        XCTAssertEqual(try spRequests().filter { !($0["path"] as? String ?? "").hasSuffix("/_api/contextinfo") }.map { "\($0["method"] ?? "") \($0["host"] ?? "")\($0["path"] ?? "")" }
            .filter { !$0.contains("/_api/SPSiteManager/status") },
                       ["GET \(Self.adminHost)/_api/SPO.Tenant/GetBrandCenterConfiguration", "POST contoso.sharepoint.com/_api/SPSiteManager/Create"])
        try fails(["site", "add", "--type", "BrandCenter", "--url", "/sites/brand2", "--title", "Brand 2", "--force"], "Brand center site is already created in the tenant.")
        try fails(["site", "add", "--alias", "x", "--title", "X", "--force"], exit: 2, "--force")
    }

    /// `spo site set` as the CLI sends it: a group site's title, description, visibility and
    /// owners go to its group; SP.Site, SiteProperties, the logo and the lock state follow.
    func testSiteSetAsTheCLIDoes() throws {
        let marketing = Self.root + "/sites/marketing"
        let groupId = try XCTUnwrap(try object(["site", "get", "--url", marketing])["GroupId"] as? String)
        try emulator.admin("requests", method: "DELETE")
        try spo(["site", "set", "--url", marketing, "--title", "Marketing team", "--description", "Campaigns", "--isPublic", "false",
                 "--owners", Self.megan.upn, "--classification", "Internal", "--shareByEmailEnabled", "--disableFlows",
                 "--siteLogoUrl", "/sites/marketing/SiteAssets/logo.png", "--lockState", "Unlock"])
        // Tokens and CSOM's request digests come and go with what earlier tests cached.
        let sent = try emulator.requests(pathPrefix: "/").filter { ($0["host"] as? String) != "login.microsoftonline.com" && !($0["path"] as? String ?? "").hasSuffix("/_api/contextinfo") }
            .map { "\($0["method"] ?? "") \($0["host"] ?? "")\($0["path"] ?? "")" }
        XCTAssertEqual(sent, [
            "GET contoso.sharepoint.com/sites/marketing/_api/site",
            "POST \(Self.adminHost)/_api/SPOGroup/UpdateGroupPropertiesBySiteId",
            "PATCH graph.microsoft.com/v1.0/groups/\(groupId)",
            "PATCH graph.microsoft.com/v1.0/groups/\(groupId)",
            "GET graph.microsoft.com/v1.0/users",
            "POST \(Self.adminHost)/_api/SP.Directory.DirectorySession/Group('\(groupId)')/Owners/Add(objectId='\(Self.megan.id)',%20principalName='')",
            "POST contoso.sharepoint.com/sites/marketing/_vti_bin/client.svc/ProcessQuery",
            "POST \(Self.adminHost)/_vti_bin/client.svc/ProcessQuery",
            "POST contoso.sharepoint.com/sites/marketing/_api/siteiconmanager/setsitelogo",
            "POST \(Self.adminHost)/_vti_bin/client.svc/ProcessQuery",
        ], sent.joined(separator: "\n"))
        XCTAssertEqual(try object(["web", "get", "--url", marketing])["Title"] as? String, "Marketing team")
        XCTAssertEqual(try object(["web", "get", "--url", marketing])["SiteLogoUrl"] as? String, "/sites/marketing/SiteAssets/logo.png")
        let site = try object(["site", "get", "--url", marketing])
        XCTAssertEqual(site["Classification"] as? String, "Internal")
        XCTAssertEqual(site["ShareByEmailEnabled"] as? Bool, true)
        let group = try XCTUnwrap(try m365(["aad", "group", "get", "--id", groupId]).json() as? [String: Any])
        XCTAssertEqual(group["description"] as? String, "Campaigns")
        XCTAssertEqual(group["visibility"] as? String, "Private")
        let owners = try XCTUnwrap(try m365(["aad", "group", "member", "list", "--groupId", groupId, "--role", "Owner"]).json() as? [[String: Any]])
        XCTAssertTrue(owners.contains { $0["id"] as? String == Self.megan.id }, "\(owners)")
        // A site without a group has no visibility to set.
        try fails(["site", "set", "--url", "/sites/apps", "--isPublic", "true"], exit: 2, "The isPublic option can't be set on a site that is not groupified")
        try fails(["site", "set", "--url", marketing, "--resourceQuota", "10", "--resourceQuotaWarningLevel", "20"], exit: 2,
                  "resourceQuotaWarningLevel must not exceed the resourceQuota")
    }

    func testSiteNotFound() throws {
        try fails(["site", "get", "--url", "/sites/nowhere"], "nowhere")
        try fails(["site", "set", "--url", "/sites/nowhere", "--title", "x"], "nowhere")
    }

    // MARK: Tenant settings, CDN, storage entities

    func testTextOutputShowsEachCommandsDefaultProperties() throws {
        let sites = try spo(["site", "list", "--output", "text"]).stdout
        XCTAssertEqual(sites.split(separator: "\n").first.map { $0.split(separator: " ").map(String.init) }, ["Title", "Url"])
        XCTAssertEqual(try spo(["cdn", "get", "--output", "text"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines), "false")
        let settings = try spo(["tenant", "settings", "list", "--output", "text"]).stdout
        XCTAssertTrue(settings.contains("SharingCapability") && !settings.contains("_ObjectIdentity_"), settings)
        try spo(["storageentity", "set", "--appCatalogUrl", "/sites/apps", "--key", "k1", "--value", "one"])
        try spo(["storageentity", "set", "--appCatalogUrl", "/sites/apps", "--key", "k2", "--value", "two"])
        let entities = try spo(["storageentity", "list", "--appCatalogUrl", "/sites/apps", "--output", "text"]).stdout
        XCTAssertEqual(entities.split(separator: "\n").first.map { $0.split(separator: " ").map(String.init) }, ["Key", "Value", "Description", "Comment"],
                       "the CLI has no default columns here")
    }

    func testTenantSettingsListAndSet() throws {
        let before = try object(["tenant", "settings", "list"])
        XCTAssertNil(before["_ObjectIdentity_"])
        XCTAssertNotNil(before["SharingCapability"] as? String, "enumerations are printed by name")
        try spo(["tenant", "settings", "set", "--SharingCapability", "Disabled", "--ShowEveryoneClaim", "true", "--OneDriveStorageQuota", "2048"])
        let after = try object(["tenant", "settings", "list"])
        XCTAssertEqual(after["SharingCapability"] as? String, "Disabled")
        XCTAssertEqual(after["ShowEveryoneClaim"] as? Bool, true)
        XCTAssertEqual(after["OneDriveStorageQuota"] as? Int, 2048)
        XCTAssertEqual(after["HideDefaultThemes"] as? Bool, false, "asked for by name: SharePoint leaves it out of all properties")

        // Lists of values, and booleans given alone, as the CLI takes them.
        let webPart = "8c88f208-6c77-4bdb-86a0-0c47b4316588"
        try spo(["tenant", "settings", "set", "--ExcludedFileExtensionsForSyncClient", "exe,bat", "--DisabledWebPartIds", webPart,
                 "--CommentsOnListItemsDisabled", "--AllowWebPropertyBagUpdateWhenDenyAddAndCustomizePagesIsEnabled", "false"])
        let lists = try object(["tenant", "settings", "list"])
        XCTAssertEqual(lists["ExcludedFileExtensionsForSyncClient"] as? [String], ["exe", "bat"])
        XCTAssertEqual((lists["DisabledWebPartIds"] as? [String])?.map { $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "{}")) }, [webPart])
        XCTAssertEqual(lists["CommentsOnListItemsDisabled"] as? Bool, true)
        XCTAssertEqual(lists["AllowWebPropertyBagUpdateWhenDenyAddAndCustomizePagesIsEnabled"] as? Bool, false)
        try fails(["tenant", "settings", "set", "--DisabledWebPartIds", "x"], exit: 2, "'x' is not a valid GUID for --DisabledWebPartIds")
        // Server-relative URL settings are expanded, as the CLI expands them.
        try spo(["tenant", "settings", "set", "--OrgNewsSiteUrl", "/sites/news"])
        XCTAssertEqual(try object(["tenant", "settings", "list"])["OrgNewsSiteUrl"] as? String, Self.root + "/sites/news")
        // Properties our table lacks go through as text; SharePoint judges them.
        try spo(["tenant", "settings", "set", "--EnableAIPIntegration", "true"])
        XCTAssertEqual(try object(["tenant", "settings", "list"])["EnableAIPIntegration"] as? Bool, true)
        try fails(["tenant", "settings", "set", "--SomeNewProperty", "1"],
                  "The property 'SomeNewProperty' does not exist on type 'Microsoft.Online.SharePoint.TenantAdministration.Tenant'.")
    }

    func testCdnEnableOriginsAndPolicies() throws {
        XCTAssertEqual(try spo(["cdn", "get", "--output", "json"]).json() as? Bool, false)
        try spo(["cdn", "set", "--enabled", "true"])
        XCTAssertEqual(try spo(["cdn", "get", "--output", "json"]).json() as? Bool, true)
        XCTAssertEqual(try spo(["cdn", "get", "--type", "Private", "--output", "json"]).json() as? Bool, false, "types are separate")
        let origins = try XCTUnwrap(try spo(["cdn", "origin", "list", "--output", "json"]).json() as? [String])
        XCTAssertTrue(origins.contains("*/MASTERPAGE"), "\(origins)")
        try spo(["cdn", "origin", "add", "--origin", "*/CDN"])
        try spo(["cdn", "origin", "add", "--origin", "/sites/cdn/assets"])
        XCTAssertTrue(try XCTUnwrap(try spo(["cdn", "origin", "list", "--output", "json"]).json() as? [String]).contains(Self.root + "/sites/cdn/assets"),
                      "a server-relative origin is expanded, as the CLI expands it")
        try spo(["cdn", "origin", "remove", "--origin", "*/MASTERPAGE", "--force"])
        let changed = try XCTUnwrap(try spo(["cdn", "origin", "list", "--output", "json"]).json() as? [String])
        XCTAssertTrue(changed.contains("*/CDN") && !changed.contains("*/MASTERPAGE"), "\(changed)")
        let policies = try array(["cdn", "policy", "list"])
        XCTAssertTrue(policies.contains { $0["Policy"] as? String == "IncludeFileExtensions" && ($0["Value"] as? String ?? "").contains("CSS") })
        try spo(["cdn", "policy", "set", "--policy", "ExcludeIfNoScriptDisabled", "--value", "True"])
        XCTAssertTrue(try array(["cdn", "policy", "list"]).contains { $0["Policy"] as? String == "ExcludeIfNoScriptDisabled" && $0["Value"] as? String == "True" })
        let text = try spo(["cdn", "policy", "list", "--output", "text"]).stdout
        XCTAssertEqual(text.split(separator: "\n").first.map { $0.split(separator: " ").map(String.init) }, ["Policy", "Value"])
    }

    func testStorageEntitiesRoundTrip() throws {
        let catalog = "/sites/apps"
        try spo(["storageentity", "set", "--appCatalogUrl", catalog, "--key", "AnalyticsId", "--value", "UA-123", "--description", "Web analytics"])
        try emulator.admin("requests", method: "DELETE")
        let entity = try spo(["storageentity", "get", "--key", "AnalyticsId"]).stdout
        XCTAssertEqual(try spRequests().compactMap { $0["path"] as? String }, ["/_api/web/GetStorageEntity('AnalyticsId')"], "the key in place, as the CLI")
        XCTAssertEqual(entity, "{\n  \"Key\": \"AnalyticsId\",\n  \"Value\": \"UA-123\",\n  \"Description\": \"Web analytics\",\n  \"Comment\": \"\"\n}\n",
                       "the key first, as the CLI prints it")
        let listed = try array(["storageentity", "list", "--appCatalogUrl", catalog])
        XCTAssertEqual(listed.first { $0["Key"] as? String == "AnalyticsId" }?["Value"] as? String, "UA-123")
        try spo(["storageentity", "remove", "--appCatalogUrl", catalog, "--key", "AnalyticsId", "--force"])
        XCTAssertEqual(try spo(["storageentity", "get", "--key", "AnalyticsId"]).stdout, "", "an unset key prints nothing")
    }

    // MARK: Admin site, identity, request counts

    func testCommandsNeedingTheAdminSiteSaySo() throws {
        let adele = try adeleHarness()
        defer { adele.cleanUp() }
        for arguments in [["site", "list"], ["tenant", "settings", "list"], ["cdn", "get"]] {
            try fails(arguments, "needs the SharePoint admin site https://contoso-admin.sharepoint.com", harness: adele)
        }
        try fails(["site", "list"], "sign in as a SharePoint or Global administrator", harness: adele)
    }

    /// Connected to the admin site (as SharePoint Online Management Shell users are), commands
    /// still reach every other site: server-relative URLs mean the tenant's root host.
    func testConnectedToTheAdminSiteReachesEveryOtherSite() throws {
        try m365(["spo", "set", "--url", "https://contoso-admin.sharepoint.com"])
        XCTAssertEqual(try object(["web", "get", "--url", "/sites/marketing"])["Url"] as? String, Self.root + "/sites/marketing")
        XCTAssertTrue(urls(try array(["site", "list"])).contains(Self.root + "/sites/marketing"))
        XCTAssertEqual(try spRequests().compactMap { $0["host"] as? String }.filter { $0.contains("-admin-admin") }, [])
    }

    /// The Tenant object is constructed once per connection; its identity is kept and replayed.
    func testTenantIdentityIsLearnedOnceAndKept() throws {
        try spo(["cdn", "get"])
        let state = harness.home.appendingPathComponent("m365/plugin-state")
        let files = try FileManager.default.subpathsOfDirectory(atPath: state.path)
        let texts = files.compactMap { try? String(contentsOf: state.appendingPathComponent($0), encoding: .utf8) }
        XCTAssertTrue(texts.contains { $0.contains("spoTenantId") && $0.contains("Tenant") }, "the identity is kept: \(files)")
        try emulator.admin("requests", method: "DELETE")
        XCTAssertEqual(try object(["tenant", "settings", "list"])["SharingCapability"] as? String != nil, true)
        XCTAssertEqual(try processQueries(), 1)
    }

    func testEachAdminCommandSendsOnlyTheRequestsItNeeds() throws {
        try spo(["cdn", "get"])                       // caches the token, the admin digest and the tenant identity
        try spo(["web", "get", "--url", Self.root])   // and the root site's token
        try spo(["storageentity", "set", "--appCatalogUrl", "/sites/apps", "--key", "k", "--value", "v"])
        let cases: [([String], [String])] = [
            (["site", "list", "--type", "TeamSite"], ["POST"]),
            (["site", "get", "--url", Self.root], ["GET"]),
            // A group site: its kind first, then the group's new name.
            (["site", "set", "--url", Self.root + "/sites/marketing", "--title", "Marketing"], ["GET", "POST"]),
            (["tenant", "settings", "list"], ["POST"]),
            (["tenant", "settings", "set", "--ShowEveryoneClaim", "false"], ["POST"]),
            (["cdn", "get"], ["POST"]),
            (["cdn", "set", "--enabled", "false"], ["POST"]),
            (["cdn", "policy", "list"], ["POST"]),
            (["storageentity", "get", "--key", "k"], ["GET"]),
            (["storageentity", "list", "--appCatalogUrl", "/sites/apps"], ["GET"]),
            (["storageentity", "set", "--appCatalogUrl", "/sites/apps", "--key", "k", "--value", "w"], ["POST"]),
        ]
        for (arguments, methods) in cases {
            try emulator.admin("requests", method: "DELETE")
            try spo(arguments)
            let sent = try httpRequests("").compactMap { $0["method"] as? String }
            XCTAssertEqual(sent, methods, "spo \(arguments.prefix(3).joined(separator: " ")): no digest, identity or lookup requests")
        }
    }

    func testBadInputFailsBeforeAnyRequest() throws {
        try emulator.admin("requests", method: "DELETE")
        try fails(["site", "list", "--type", "Wiki"], exit: 2, "Wiki")
        try fails(["site", "list", "--type", "TeamSite", "--webTemplate", "STS#0"], exit: 2, "only one of")
        try fails(["site", "list", "--type", "TeamSite", "--withOneDriveSites"], exit: 2, "When using withOneDriveSites, don't specify the type or webTemplate options")
        try fails(["site", "add", "--title", "No alias"], exit: 2, "--alias")
        try fails(["site", "add", "--type", "ClassicSite", "--url", "/sites/c", "--title", "C", "--owners", "a@b.c"], exit: 2, "--timeZone")
        try fails(["site", "add", "--type", "CommunicationSite", "--title", "C"], exit: 2, "--url")
        try fails(["site", "add", "--type", "CommunicationSite", "--url", "/sites/c", "--title", "C", "--owners", "a@b.c,d@e.f"], exit: 2,
                  "The CommunicationSite supports only one owner in the owners option")
        try fails(["site", "add", "--alias", "t", "--title", "T", "--wait"], exit: 2, "--wait")
        try fails(["site", "add", "--type", "CommunicationSite", "--url", "/sites/c", "--title", "C", "--storageQuota", "100"], exit: 2, "--storageQuota")
        try fails(["site", "set", "--url", Self.root], exit: 2, "at least one property")
        try fails(["site", "get", "--url", "contoso.sharepoint.com"], exit: 2, "is not a valid SharePoint Online site URL.")
        try fails(["tenant", "settings", "set"], exit: 2, "You must specify at least one option")
        try fails(["tenant", "settings", "set", "--SharingCapability", "Everyone"], exit: 2, "Everyone")
        try fails(["tenant", "settings", "set", "--OneDriveStorageQuota", "1.5"], exit: 2, "whole number")
        try fails(["cdn", "set"], exit: 2, "--enabled")
        try fails(["cdn", "get", "--type", "Both"], exit: 2, "Both")
        try fails(["storageentity", "set", "--appCatalogUrl", "/sites/apps", "--key", "k"], exit: 2, "--value")
        XCTAssertEqual(try spRequests().count, 0, "nothing reaches SharePoint")
    }

    func testThrottledAdminCommandsSucceedAfterRetryAfter() throws {
        try spo(["cdn", "get"])
        try spo(["storageentity", "set", "--appCatalogUrl", "/sites/apps", "--key", "k", "--value", "v"])
        let csom: [[String]] = [["site", "list"], ["tenant", "settings", "list"], ["cdn", "get"], ["cdn", "policy", "list"],
                                ["site", "set", "--url", "/sites/marketing", "--sharingCapability", "ExternalUserSharingOnly"],
                                ["storageentity", "set", "--appCatalogUrl", "/sites/apps", "--key", "k", "--value", "w"]]
        for arguments in csom {
            try emulator.admin("requests", method: "DELETE")
            try throttle(Self.processQuery, host: Self.adminHost)
            try spo(arguments)
            XCTAssertEqual(try processQueries(), 2, "\(arguments): throttled once, then answered")
        }
        let rest: [(String, [String])] = [("/_api/site", ["site", "get", "--url", Self.root]),
                                          ("/_api/web/GetStorageEntity", ["storageentity", "get", "--key", "k"]),
                                          ("/_api/web/AllProperties", ["storageentity", "list", "--appCatalogUrl", "/sites/apps"])]
        for (path, arguments) in rest {
            try emulator.admin("requests", method: "DELETE")
            try throttle(path.hasPrefix("/_api/web/All") ? "/sites/apps" + path : path, host: "contoso.sharepoint.com")
            try spo(arguments)
            XCTAssertEqual(try spRequests().count, 2, "\(arguments): throttled once, then answered")
        }
    }

    func testMalformedCSOMAnswerIsAClearError() throws {
        try spo(["cdn", "get"])
        try emulator.admin("faults", method: "POST", json: #"{"kind":"html","status":200,"count":1,"host":"\#(Self.adminHost)","pathPrefix":"\#(Self.processQuery)"}"#)
        try fails(["cdn", "get"], "not a CSOM result array")
        try emulator.admin("faults", method: "POST", json: #"{"kind":"truncate","count":1,"host":"\#(Self.adminHost)","pathPrefix":"\#(Self.processQuery)"}"#)
        let truncated = try harness.run(["spo", "tenant", "settings", "list"])
        XCTAssertNotEqual(truncated.status, 0)
        XCTAssertFalse(truncated.stderr.contains("Fatal error"), truncated.stderr)
    }
}
