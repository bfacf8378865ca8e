import EmulatorKit
import Foundation
import XCTest

/// CSOM (`/_vti_bin/client.svc/ProcessQuery`) against the admin host and site collections:
/// the Tenant object, site listing and paging, site properties, long-running operations, CDN,
/// storage entities, permissions, and the REST site-collection endpoints.
/// Helpers shared by the CSOM test classes: request building, the ProcessQuery call with a
/// cached digest per site and token, and ErrorInfo checks.
class CSOMTestCase: SharePointTestCase {
    let adminHost = "https://contoso-admin.sharepoint.com"
    static let tenantCtor = #"<Constructor Id="1" TypeId="{268004ae-ef6b-4e9b-8425-127220d84719}"/>"#
    var digests: [String: String] = [:]

    /// One ProcessQuery call: the decoded array, the raw text and the HTTP status.
    struct CSOMResult {
        var status: Int
        var text: String
        var array: [Any]
        var contentType: String?
        var header: [String: Any] { array.first as? [String: Any] ?? [:] }
        var errorInfo: [String: Any]? { header["ErrorInfo"] as? [String: Any] }
        /// The result of the action with this id.
        subscript(id: Int) -> Any? {
            var i = 1
            while i + 1 < array.count {
                if (array[i] as? Int) == id { return array[i + 1] }
                i += 2
            }
            return nil
        }
        func object(_ id: Int) -> [String: Any] { self[id] as? [String: Any] ?? [:] }
    }

    func request(_ actions: String, _ paths: String) -> String {
        #"<Request xmlns="http://schemas.microsoft.com/sharepoint/clientquery/2009" SchemaVersion="15.0.0.0" LibraryVersion="16.0.0.0" ApplicationName="m365 tests"><Actions>"#
            + actions + "</Actions><ObjectPaths>" + paths + "</ObjectPaths></Request>"
    }

    func x(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "\n", with: "&#xA;")
    }

    @discardableResult
    func csom(_ body: String, web: String? = nil, token: String? = nil, digest: String? = nil,
              file: StaticString = #filePath, line: UInt = #line) throws -> CSOMResult {
        let site = web ?? adminHost
        var d = digest
        if d == nil {
            let key = "\(site)|\(token ?? "")"
            if digests[key] == nil { digests[key] = try self.digest(site, token: token) }
            d = digests[key]
        }
        let r = try curl("\(site)/_vti_bin/client.svc/ProcessQuery", method: "POST",
                         headers: ["Authorization": "Bearer \(token ?? spToken!)", "X-RequestDigest": d!], body: body)
        let array = (try? JSONSerialization.jsonObject(with: r.body, options: [.fragmentsAllowed])) as? [Any] ?? []
        XCTAssertEqual(r.status, 200, r.text, file: file, line: line)
        return CSOMResult(status: r.status, text: r.text, array: array, contentType: r.header("content-type"))
    }

    func assertNoError(_ r: CSOMResult, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotNil(r.header["SchemaVersion"], r.text, file: file, line: line)
        XCTAssertTrue(r.header["ErrorInfo"] is NSNull, r.text, file: file, line: line)
    }

    func assertError(_ r: CSOMResult, type: String, code: Int? = nil, message: String? = nil,
                     file: StaticString = #filePath, line: UInt = #line) {
        let e = r.errorInfo ?? [:]
        XCTAssertEqual(e["ErrorTypeName"] as? String, type, r.text, file: file, line: line)
        if let code { XCTAssertEqual(e["ErrorCode"] as? Int, code, r.text, file: file, line: line) }
        if let message { XCTAssertEqual(e["ErrorMessage"] as? String, message, file: file, line: line) }
        XCTAssertEqual(r.array.count, 1, "an error ends the array at the header", file: file, line: line)
        XCTAssertNotNil(UUID(uuidString: e["TraceCorrelationId"] as? String ?? ""), file: file, line: line)
    }

    func queryTenant(_ properties: [String]? = nil, token: String? = nil, web: String? = nil) throws -> CSOMResult {
        let q = properties.map { ps in
            #"<Query SelectAllProperties="false"><Properties>"# + ps.map { #"<Property Name="\#($0)" ScalarProperty="true"/>"# }.joined()
                + "</Properties></Query>"
        } ?? #"<Query SelectAllProperties="true"><Properties/></Query>"#
        return try csom(request(#"<ObjectPath Id="2" ObjectPathId="1"/><Query Id="3" ObjectPathId="1">"# + q + "</Query>", Self.tenantCtor),
                        web: web, token: token)
    }

    /// `GetSitePropertiesFromSharePointByFilters` as CLI for Microsoft 365 sends it.
    func listSites(filter: String = "", template: String = "", personal: Int = 2, start: String? = nil) throws -> CSOMResult {
        let startXML = start.map { #"<Property Name="StartIndex" Type="String">\#(x($0))</Property>"# } ?? #"<Property Name="StartIndex" Type="Null"/>"#
        let params = #"<Parameters><Parameter TypeId="{b92aeee2-c92c-4b67-abcc-024e471bc140}"><Property Name="Filter" Type="String">\#(x(filter))</Property><Property Name="IncludeDetail" Type="Boolean">false</Property><Property Name="IncludePersonalSite" Type="Enum">\#(personal)</Property>"#
            + startXML + #"<Property Name="Template" Type="String">\#(x(template))</Property></Parameter></Parameters>"#
        return try csom(request(
            #"<ObjectPath Id="2" ObjectPathId="1"/><ObjectPath Id="4" ObjectPathId="3"/><Query Id="5" ObjectPathId="3"><Query SelectAllProperties="true"><Properties/></Query><ChildItemQuery SelectAllProperties="true"><Properties/></ChildItemQuery></Query>"#,
            Self.tenantCtor + #"<Method Id="3" ParentId="1" Name="GetSitePropertiesFromSharePointByFilters">"# + params + "</Method>"))
    }

    func siteURLs(_ r: CSOMResult) -> [String] {
        (r.object(5)["_Child_Items_"] as? [[String: Any]] ?? []).compactMap { $0["Url"] as? String }
    }

    func tenantMethod(_ name: String, _ params: String = "", id: Int = 10) throws -> CSOMResult {
        try csom(request(#"<Method Name="\#(name)" Id="\#(id)" ObjectPathId="1"><Parameters>\#(params)</Parameters></Method>"#, Self.tenantCtor))
    }

    func poll(_ identity: String) throws -> CSOMResult {
        try csom(request(#"<Query Id="1" ObjectPathId="2"><Query SelectAllProperties="false"><Properties><Property Name="IsComplete" ScalarProperty="true"/><Property Name="PollingInterval" ScalarProperty="true"/></Properties></Query></Query>"#,
                         #"<Identity Id="2" Name="\#(x(identity))"/>"#))
    }


    func createSiteXML(_ url: String, title: String = "Project X", template: String = "STS#0") -> String {
        request(#"<ObjectPath Id="4" ObjectPathId="3"/><Query Id="5" ObjectPathId="3"><Query SelectAllProperties="false"><Properties><Property Name="IsComplete" ScalarProperty="true"/><Property Name="PollingInterval" ScalarProperty="true"/></Properties></Query></Query>"#,
                Self.tenantCtor + #"<Method Id="3" ParentId="1" Name="CreateSite"><Parameters><Parameter TypeId="{11f84fff-b8cf-47b6-8b50-34e692656606}"><Property Name="CompatibilityLevel" Type="Int32">0</Property><Property Name="Lcid" Type="UInt32">1033</Property><Property Name="Owner" Type="String">admin@contoso.onmicrosoft.com</Property><Property Name="StorageMaximumLevel" Type="Int64">100</Property><Property Name="StorageWarningLevel" Type="Int64">100</Property><Property Name="Template" Type="String">\#(template)</Property><Property Name="TimeZoneId" Type="Int32">4</Property><Property Name="Title" Type="String">\#(x(title))</Property><Property Name="Url" Type="String">\#(url)</Property><Property Name="UserCodeMaximumLevel" Type="Double">0</Property><Property Name="UserCodeWarningLevel" Type="Double">0</Property></Parameter></Parameters></Method>"#)
    }
}

final class CSOMTests: CSOMTestCase {
    /// The content center every tenant has (SharePointPremium.swift), listed with the other sites.
    let contentCenter = "https://contoso.sharepoint.com/sites/contentcenter"
    // MARK: Tenant

    func testTenantQueryAndIdentityReplay() throws {
        let r = try queryTenant()
        assertNoError(r)
        XCTAssertEqual(r.header["SchemaVersion"] as? String, "15.0.0.0")
        XCTAssertEqual(r.contentType, "application/json; charset=utf-8")
        XCTAssertNotNil(r.header["LibraryVersion"] as? String)
        XCTAssertEqual((r.object(2))["IsNull"] as? Bool, false)
        let t = r.object(3)
        XCTAssertEqual(t["_ObjectType_"] as? String, "Microsoft.Online.SharePoint.TenantAdministration.Tenant")
        let identity = try XCTUnwrap(t["_ObjectIdentity_"] as? String)
        XCTAssertNotNil(identity.range(of: #"^[0-9a-f-]{36}\|908bed80-a04a-4433-b4a0-883d9847d110:9657196e-8d5e-466d-8046-6eda47ab4aad\nTenant$"#,
                                       options: .regularExpression), identity)
        XCTAssertEqual(t["SharingCapability"] as? Int, 1)
        XCTAssertEqual(t["ShowEveryoneClaim"] as? Bool, false)
        XCTAssertTrue(t["NoAccessRedirectUrl"] is NSNull)
        XCTAssertEqual(t["OneDriveStorageQuota"] as? Int, 1_048_576)
        XCTAssertEqual(t["ExternalServicesEnabled"] as? Bool, true)
        XCTAssertEqual(t["RootSiteUrl"] as? String, root)
        XCTAssertTrue(r.text.contains(#""RootSiteUrl":"https:\u002f\u002fcontoso.sharepoint.com""#), r.text)
        XCTAssertGreaterThanOrEqual(t.count, 25)

        // The identity addresses the same object later; only the asked properties come back.
        let again = try csom(request(#"<Query Id="7" ObjectPathId="5"><Query SelectAllProperties="false"><Properties><Property Name="SharingCapability" ScalarProperty="true"/></Properties></Query></Query>"#,
                                     #"<Identity Id="5" Name="\#(x(identity))"/>"#))
        assertNoError(again)
        let o = again.object(7)
        XCTAssertEqual(o["_ObjectIdentity_"] as? String, identity)
        XCTAssertEqual(o["SharingCapability"] as? Int, 1)
        XCTAssertNil(o["ShowEveryoneClaim"])
        let foreign = try csom(request(#"<Query Id="7" ObjectPathId="5"><Query SelectAllProperties="true"><Properties/></Query></Query>"#,
                                       #"<Identity Id="5" Name="x|908bed80-a04a-4433-b4a0-883d9847d110:00000000-0000-0000-0000-000000000001&#xA;Tenant"/>"#))
        XCTAssertNotNil(foreign.errorInfo)
    }

    func testTenantSettingsSetPropertyRoundTripAndErrors() throws {
        let set = try csom(request(
            #"<SetProperty Id="2" ObjectPathId="1" Name="SharingCapability"><Parameter Type="Enum">2</Parameter></SetProperty>"#
                + #"<SetProperty Id="3" ObjectPathId="1" Name="ShowEveryoneClaim"><Parameter Type="Boolean">true</Parameter></SetProperty>"#
                + #"<SetProperty Id="4" ObjectPathId="1" Name="NoAccessRedirectUrl"><Parameter Type="String">https://contoso.com/denied?a=1&amp;b=2</Parameter></SetProperty>"#
                + #"<SetProperty Id="5" ObjectPathId="1" Name="OneDriveStorageQuota"><Parameter Type="Int64">5242880</Parameter></SetProperty>"#
                + #"<Method Name="Update" Id="6" ObjectPathId="1"/>"#, Self.tenantCtor))
        assertNoError(set)
        XCTAssertEqual(set.array.count, 1, "SetProperty and void methods add no results")
        let t = try queryTenant(["SharingCapability", "ShowEveryoneClaim", "NoAccessRedirectUrl", "OneDriveStorageQuota"]).object(3)
        XCTAssertEqual(t["SharingCapability"] as? Int, 2)
        XCTAssertEqual(t["ShowEveryoneClaim"] as? Bool, true)
        XCTAssertEqual(t["NoAccessRedirectUrl"] as? String, "https://contoso.com/denied?a=1&b=2")
        XCTAssertEqual(t["OneDriveStorageQuota"] as? Int, 5_242_880)

        // An unknown property fails the request; what came before it stays applied.
        let bad = try csom(request(
            #"<SetProperty Id="2" ObjectPathId="1" Name="SharingCapability"><Parameter Type="Enum">0</Parameter></SetProperty>"#
                + #"<SetProperty Id="3" ObjectPathId="1" Name="NoSuchSetting"><Parameter Type="Boolean">true</Parameter></SetProperty>"#, Self.tenantCtor))
        assertError(bad, type: "Microsoft.SharePoint.Client.InvalidClientQueryException")
        XCTAssertEqual(try queryTenant(["SharingCapability"]).object(3)["SharingCapability"] as? Int, 0)
        let wrongType = try csom(request(#"<SetProperty Id="2" ObjectPathId="1" Name="ShowEveryoneClaim"><Parameter Type="String">yes</Parameter></SetProperty>"#,
                                         Self.tenantCtor))
        assertError(wrongType, type: "Microsoft.SharePoint.Client.InvalidClientQueryException")
        XCTAssertEqual(try queryTenant(["ShowEveryoneClaim"]).object(3)["ShowEveryoneClaim"] as? Bool, true)

        // CLI's tenant settings set: every value as a String, arrays as Array, on the replayed identity.
        let identity = try XCTUnwrap(try queryTenant().object(3)["_ObjectIdentity_"] as? String)
        let cli = try csom(request(
            #"<SetProperty Id="42" ObjectPathId="7" Name="SharingCapability"><Parameter Type="String">3</Parameter></SetProperty>"#
                + #"<SetProperty Id="43" ObjectPathId="7" Name="SearchResolveExactEmailOrUPN"><Parameter Type="String">true</Parameter></SetProperty>"#
                + #"<SetProperty Id="44" ObjectPathId="7" Name="ExcludedFileExtensionsForSyncClient"><Parameter Type="Array"><Object Type="String">exe</Object><Object Type="String">dll</Object></Parameter></SetProperty><Method Name="Update" Id="45" ObjectPathId="7" />"#,
            #"<Identity Id="7" Name="\#(x(identity))" />"#))
        assertNoError(cli)
        let after = try queryTenant(["SharingCapability", "SearchResolveExactEmailOrUPN", "ExcludedFileExtensionsForSyncClient"]).object(3)
        XCTAssertEqual(after["SharingCapability"] as? Int, 3)
        XCTAssertEqual(after["SearchResolveExactEmailOrUPN"] as? Bool, true)
        XCTAssertEqual(after["ExcludedFileExtensionsForSyncClient"] as? [String], ["exe", "dll"])
        assertError(try csom(request(#"<SetProperty Id="42" ObjectPathId="1" Name="SharingCapability"><Parameter Type="String">lots</Parameter></SetProperty>"#, Self.tenantCtor)),
                    type: "Microsoft.SharePoint.Client.InvalidClientQueryException")

        // Reset brings the seed's settings back.
        XCTAssertEqual(try admin("directory/reset", method: "POST").status, 200)
        XCTAssertEqual(try queryTenant(["SharingCapability"]).object(3)["SharingCapability"] as? Int, 1)
    }

    func testPermissionsHostDigestAndMalformedXML() throws {
        let denied = "Access denied. You do not have permission to perform this action or access this resource."
        // A regular user is no SharePoint administrator.
        let adele = try XCTUnwrap(passwordToken(user: Fixtures.adele, scope: "https://contoso.sharepoint.com/.default")["access_token"] as? String)
        assertError(try queryTenant(token: adele), type: "System.UnauthorizedAccessException", code: -2147024891, message: denied)
        // The Tenant lives on the admin host only.
        assertError(try queryTenant(web: root), type: "System.UnauthorizedAccessException", code: -2147024891, message: denied)
        // App-only with Sites.FullControl.All may use it.
        let app = try XCTUnwrap(certificateToken(scope: "https://contoso.sharepoint.com/.default").json["access_token"] as? String)
        assertNoError(try queryTenant(token: app))
        // A bearer token needs no digest; a wrong one is refused before CSOM runs.
        let noDigest = try curl("\(adminHost)/_vti_bin/client.svc/ProcessQuery", method: "POST",
                                headers: ["Authorization": "Bearer \(spToken!)"], body: request("", ""))
        XCTAssertEqual(noDigest.status, 200, noDigest.text)
        let badDigest = try curl("\(adminHost)/_vti_bin/client.svc/ProcessQuery", method: "POST",
                                 headers: ["Authorization": "Bearer \(spToken!)", "X-RequestDigest": "0xABC,01 Jan 2025 00:00:00 -0000"], body: request("", ""))
        XCTAssertEqual(badDigest.status, 403, badDigest.text)
        // Malformed XML.
        for body in ["<Request><Actions></Request>", "not xml", request(#"<Query Id="1" ObjectPathId="9"/>"#, "").replacingOccurrences(of: "</Request>", with: "")] {
            let r = try csom(body)
            assertError(r, type: "Microsoft.SharePoint.Client.InvalidClientQueryException")
        }
        // An undefined object path is refused too.
        assertError(try csom(request(#"<Query Id="1" ObjectPathId="9"><Query SelectAllProperties="true"><Properties/></Query></Query>"#, "")),
                    type: "Microsoft.SharePoint.Client.InvalidClientQueryException")
    }

    func testResetRestoresSitesCDNAndStorageEntities() throws {
        assertNoError(try csom(createSiteXML("\(root)/sites/temporary")))
        XCTAssertEqual(try admin("sharepoint/sites", method: "POST", json: #"{"count":3,"prefix":"tmp"}"#).json["created"] as? Int, 3)
        assertNoError(try tenantMethod("RemoveSite", #"<Parameter Type="String">\#(marketing)</Parameter>"#))
        assertNoError(try tenantMethod("SetTenantCdnEnabled", #"<Parameter Type="Enum">1</Parameter><Parameter Type="Boolean">true</Parameter>"#))
        assertNoError(try csom(storageXML("SetStorageEntity", ["k", "v", "", ""])))
        XCTAssertEqual(siteURLs(try listSites()).count, 7)

        XCTAssertEqual(try admin("directory/reset", method: "POST").status, 200)
        XCTAssertEqual(siteURLs(try listSites()), [root, apps, contentCenter, marketing])
        XCTAssertEqual(try sp("GET", "\(root)/sites/temporary/_api/web").status, 404)
        XCTAssertEqual(try sp("GET", "\(marketing)/_api/web").status, 200)
        XCTAssertEqual(try tenantMethod("GetTenantCdnEnabled", #"<Parameter Type="Enum">1</Parameter>"#)[10] as? Bool, false)
        XCTAssertEqual(try sp("GET", "\(root)/_api/web/GetStorageEntity('k')").json["odata.null"] as? Bool, true)
        // The URL of a site removed before the reset is free again.
        assertNoError(try csom(createSiteXML("\(root)/sites/temporary")))
    }

    // MARK: Site listing

    func testSiteListingPagesAcrossBulkSites() throws {
        let bulk = try admin("sharepoint/sites", method: "POST", json: #"{"tenant":"contoso","count":650,"prefix":"bench"}"#)
        XCTAssertEqual(bulk.status, 201, bulk.text)
        XCTAssertEqual(bulk.json["created"] as? Int, 650)
        var urls: [String] = []
        var start: String?
        var pages = 0
        repeat {
            let r = try listSites(start: start)
            assertNoError(r)
            let e = r.object(5)
            XCTAssertEqual(e["_ObjectType_"] as? String, "Microsoft.Online.SharePoint.TenantAdministration.SPOSitePropertiesEnumerable")
            XCTAssertEqual(e["NextStartIndex"] as? Int, -1)
            let page = siteURLs(r)
            XCTAssertLessThanOrEqual(page.count, 300)
            urls += page
            start = e["NextStartIndexFromSharePoint"] as? String
            pages += 1
        } while start != nil && pages < 10
        XCTAssertEqual(pages, 3)
        XCTAssertEqual(urls.count, 654, "650 bench sites, the root, the app catalog, the content center and marketing")
        XCTAssertEqual(Set(urls).count, urls.count, "every site exactly once")
        XCTAssertEqual(urls, urls.sorted { $0.lowercased() < $1.lowercased() })
        for i in [1, 300, 301, 650] {
            XCTAssertTrue(urls.contains("\(root)/sites/bench-\(String(format: "%06d", i))"), "\(i)")
        }
        XCTAssertFalse(urls.contains(adminHost))
        // Bulk sites are real site collections over REST.
        let web = try sp("GET", "\(root)/sites/bench-000650/_api/web")
        XCTAssertEqual(web.status, 200, web.text)
        XCTAssertEqual(web.json["Title"] as? String, "bench site 000650")
        XCTAssertEqual(try sp("GET", "\(root)/sites/bench-000650/_api/web/lists/getbytitle('Documents')").status, 200)
    }

    /// The benchmark size: 10,000 sites are made in one admin call and listed page by page quickly.
    func testTenThousandSitesListQuickly() throws {
        var start = Date()
        let bulk = try admin("sharepoint/sites", method: "POST", json: #"{"tenant":"contoso-admin.sharepoint.com","count":10000,"prefix":"perf"}"#)
        XCTAssertEqual(bulk.json["created"] as? Int, 10000, bulk.text)
        let created = Date().timeIntervalSince(start)
        start = Date()
        var count = 0
        var token: String?
        var pages = 0
        repeat {
            let r = try listSites(filter: "Url -like 'perf-'", start: token)
            count += siteURLs(r).count
            token = r.object(5)["NextStartIndexFromSharePoint"] as? String
            pages += 1
        } while token != nil && pages < 100
        let listed = Date().timeIntervalSince(start)
        XCTAssertEqual(count, 10000)
        XCTAssertEqual(pages, 34)
        XCTAssertLessThan(created, 10, "bulk creation took \(created) s")
        XCTAssertLessThan(listed, 30, "listing took \(listed) s")
        print("10,000 sites: created in \(created) s, listed in \(pages) pages in \(listed) s")
    }

    func testSiteListingFiltersTemplatesAndOneDrive() throws {
        let all = try listSites()
        assertNoError(all)
        XCTAssertEqual(siteURLs(all), [root, apps, contentCenter, marketing])
        XCTAssertTrue(all.object(5)["NextStartIndexFromSharePoint"] is NSNull)
        let first = (all.object(5)["_Child_Items_"] as? [[String: Any]])?.first ?? [:]
        XCTAssertEqual(first["_ObjectType_"] as? String, "Microsoft.Online.SharePoint.TenantAdministration.SiteProperties")
        XCTAssertEqual(first["Template"] as? String, "SITEPAGEPUBLISHING#0")
        XCTAssertEqual(first["Status"] as? String, "Active")
        XCTAssertEqual(first["LockState"] as? String, "Unlock")
        XCTAssertEqual(first["StorageMaximumLevel"] as? Int, 26_214_400)
        let identity = first["_ObjectIdentity_"] as? String ?? ""
        XCTAssertTrue(identity.hasSuffix("\nSiteProperties\nhttps%3a%2f%2fcontoso.sharepoint.com"), identity)

        XCTAssertEqual(siteURLs(try listSites(start: "0")), [root, apps, contentCenter, marketing], "CLI asks for the first page with StartIndex 0")
        XCTAssertEqual(siteURLs(try listSites(filter: "Url -like 'MARKET'")), [marketing])
        XCTAssertEqual(siteURLs(try listSites(filter: "Url -like '*market*'")), [marketing])
        XCTAssertEqual(siteURLs(try listSites(filter: "Url -eq '\(root)'")), [root])
        XCTAssertEqual(siteURLs(try listSites(filter: "Title -eq 'Contoso' -and Url -like 'contoso'")), [root])
        XCTAssertEqual(siteURLs(try listSites(filter: "Title -like 'Mark' -and Url -like 'nothing'")), [])
        XCTAssertEqual(siteURLs(try listSites(template: "GROUP#0")), [marketing])
        XCTAssertEqual(siteURLs(try listSites(template: "SITEPAGEPUBLISHING#0")), [root])
        XCTAssertEqual(siteURLs(try listSites(template: "STS#0")), [])
        let onedrive = "https://contoso-my.sharepoint.com/personal/adele_vance_contoso_com"
        XCTAssertFalse(siteURLs(try listSites(personal: 0)).contains(onedrive))
        let withPersonal = try listSites(personal: 1)
        XCTAssertEqual(Set(siteURLs(withPersonal)), [root, apps, contentCenter, marketing, onedrive])
        let od = (withPersonal.object(5)["_Child_Items_"] as? [[String: Any]] ?? []).first { $0["Url"] as? String == onedrive }
        XCTAssertEqual(od?["Template"] as? String, "SPSPERS#10")
        assertError(try listSites(filter: "Url -like"), type: "System.ArgumentException")
        assertError(try listSites(filter: "Url -resembles 'x'"), type: "System.ArgumentException")
    }

    // MARK: Site properties and operations

    func testGetSitePropertiesByUrlSetTitleAndUpdate() throws {
        let get = try tenantMethod("GetSitePropertiesByUrl", #"<Parameter Type="String">\#(marketing)</Parameter><Parameter Type="Boolean">true</Parameter>"#)
        assertNoError(get)
        let p = get.object(10)
        XCTAssertEqual(p["Url"] as? String, marketing)
        XCTAssertEqual(p["Title"] as? String, "Marketing")
        XCTAssertEqual(p["Template"] as? String, "GROUP#0")
        XCTAssertEqual(p["GroupId"] as? String, "/Guid(80f810ee-a906-4270-8827-743580252680)/")
        XCTAssertEqual(p["Owner"] as? String, "megan.bowen@contoso.com")
        XCTAssertEqual(p["Lcid"] as? Int, 1033)
        let modified = p["LastContentModifiedDate"] as? String ?? ""
        XCTAssertNotNil(modified.range(of: #"^/Date\(\d{4},\d{1,2},\d{1,2},\d{1,2},\d{1,2},\d{1,2},\d{1,3}\)/$"#, options: .regularExpression), modified)
        XCTAssertTrue(get.text.contains(#""LastContentModifiedDate":"\/Date("#), get.text)
        let identity = try XCTUnwrap(p["_ObjectIdentity_"] as? String)
        XCTAssertTrue(identity.hasSuffix("\nSiteProperties\nhttps%3a%2f%2fcontoso.sharepoint.com%2fsites%2fmarketing"), identity)

        let missing = try tenantMethod("GetSitePropertiesByUrl", #"<Parameter Type="String">\#(root)/sites/nope</Parameter><Parameter Type="Boolean">false</Parameter>"#)
        assertError(missing, type: "Microsoft.Online.SharePoint.Common.SpoNoSiteException", code: -1,
                    message: "Cannot get site \(root)/sites/nope.")

        // SetProperty on the replayed identity, then Update as an object path (CLI's site set).
        let update = try csom(request(
            #"<SetProperty Id="6" ObjectPathId="5" Name="Title"><Parameter Type="String">Marketing &amp; Sales</Parameter></SetProperty>"#
                + #"<SetProperty Id="7" ObjectPathId="5" Name="SharingCapability"><Parameter Type="Enum">0</Parameter></SetProperty>"#
                + #"<SetProperty Id="8" ObjectPathId="5" Name="LockState"><Parameter Type="String">ReadOnly</Parameter></SetProperty>"#
                + #"<ObjectPath Id="10" ObjectPathId="9"/><Query Id="11" ObjectPathId="9"><Query SelectAllProperties="false"><Properties><Property Name="IsComplete" ScalarProperty="true"/><Property Name="PollingInterval" ScalarProperty="true"/></Properties></Query></Query>"#,
            #"<Identity Id="5" Name="\#(x(identity))"/><Method Id="9" ParentId="5" Name="Update"/>"#))
        assertNoError(update)
        let op = update.object(11)
        XCTAssertEqual(op["_ObjectType_"] as? String, "Microsoft.Online.SharePoint.TenantAdministration.SpoOperation")
        XCTAssertEqual(op["IsComplete"] as? Bool, true)
        XCTAssertNotNil(op["PollingInterval"] as? Int)
        let web = try sp("GET", "\(marketing)/_api/web")
        XCTAssertEqual(web.json["Title"] as? String, "Marketing & Sales")
        let after = try tenantMethod("GetSitePropertiesByUrl", #"<Parameter Type="String">\#(marketing)</Parameter><Parameter Type="Boolean">false</Parameter>"#).object(10)
        XCTAssertEqual(after["SharingCapability"] as? Int, 0)
        XCTAssertEqual(after["LockState"] as? String, "ReadOnly")
        // CLI for Microsoft 365 spells the identity with its own prefix and encodeURIComponent.
        let cliIdentity = "53d8499e-d0d2-5000-cb83-9ade5be42ca4|908bed80-a04a-4433-b4a0-883d9847d110:\(Fixtures.tenantId)&#xA;SiteProperties&#xA;"
            + (marketing.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        let cli = try csom(request(
            #"<SetProperty Id="27" ObjectPathId="5" Name="Title"><Parameter Type="String">Marketing</Parameter></SetProperty><SetProperty Id="28" ObjectPathId="5" Name="DisableFlows"><Parameter Type="Boolean">true</Parameter></SetProperty><SetProperty Id="29" ObjectPathId="5" Name="UserCodeMaximumLevel"><Parameter Type="Double">100</Parameter></SetProperty><ObjectPath Id="14" ObjectPathId="13" /><ObjectIdentityQuery Id="15" ObjectPathId="5" /><Query Id="16" ObjectPathId="13"><Query SelectAllProperties="false"><Properties><Property Name="IsComplete" ScalarProperty="true" /><Property Name="PollingInterval" ScalarProperty="true" /></Properties></Query></Query>"#,
            #"<Identity Id="5" Name="\#(cliIdentity)" /><Method Id="13" ParentId="5" Name="Update" />"#))
        assertNoError(cli)
        XCTAssertEqual(cli.object(15)["_ObjectIdentity_"] as? String, identity)
        XCTAssertEqual(cli.object(15)["_ObjectType_"] as? String, "Microsoft.Online.SharePoint.TenantAdministration.SiteProperties")
        XCTAssertEqual(cli.object(16)["IsComplete"] as? Bool, true)
        XCTAssertEqual(try sp("GET", "\(marketing)/_api/web").json["Title"] as? String, "Marketing")
        let kept = try tenantMethod("GetSitePropertiesByUrl", #"<Parameter Type="String">\#(marketing)</Parameter><Parameter Type="Boolean">false</Parameter>"#).object(10)
        XCTAssertEqual(kept["DisableFlows"] as? Bool, true)
        XCTAssertEqual(kept["UserCodeMaximumLevel"] as? Int, 100)
        assertError(try csom(request(#"<SetProperty Id="6" ObjectPathId="5" Name="NoSuchProperty"><Parameter Type="String">x</Parameter></SetProperty>"#,
                                     #"<Identity Id="5" Name="\#(x(identity))"/>"#)), type: "Microsoft.SharePoint.Client.InvalidClientQueryException")
        // SetSiteAdmin (CLI's site set --owners) is accepted for a site, refused for none.
        assertNoError(try csom(request(#"<ObjectPath Id="48" ObjectPathId="47" />"#,
                                       Self.tenantCtor + #"<Method Id="47" ParentId="1" Name="SetSiteAdmin"><Parameters><Parameter Type="String">\#(marketing)</Parameter><Parameter Type="String">adele.vance@contoso.com</Parameter><Parameter Type="Boolean">true</Parameter></Parameters></Method>"#)))
        assertError(try csom(request(#"<ObjectPath Id="48" ObjectPathId="47" />"#,
                                     Self.tenantCtor + #"<Method Id="47" ParentId="1" Name="SetSiteAdmin"><Parameters><Parameter Type="String">\#(root)/sites/nope</Parameter><Parameter Type="String">adele.vance@contoso.com</Parameter><Parameter Type="Boolean">true</Parameter></Parameters></Method>"#)),
                    type: "Microsoft.Online.SharePoint.Common.SpoNoSiteException")
        let badLock = try csom(request(#"<SetProperty Id="6" ObjectPathId="5" Name="LockState"><Parameter Type="String">Frozen</Parameter></SetProperty>"#,
                                       #"<Identity Id="5" Name="\#(x(identity))"/>"#))
        XCTAssertNotNil(badLock.errorInfo)
    }


    func testCreateSitePollingAndConflicts() throws {
        let url = "\(root)/sites/projectx"
        let created = try csom(createSiteXML(url))
        assertNoError(created)
        let op = created.object(5)
        XCTAssertEqual(op["IsComplete"] as? Bool, false)
        let interval = try XCTUnwrap(op["PollingInterval"] as? Int)
        XCTAssertLessThanOrEqual(interval, 1000)
        let identity = try XCTUnwrap(op["_ObjectIdentity_"] as? String)
        XCTAssertTrue(identity.contains("\nSpoOperation\n"), identity)
        var complete = false
        for _ in 0..<5 where !complete {
            let p = try poll(identity)
            assertNoError(p)
            XCTAssertEqual(p.object(1)["_ObjectIdentity_"] as? String, identity)
            complete = p.object(1)["IsComplete"] as? Bool ?? false
        }
        XCTAssertTrue(complete)
        let web = try sp("GET", "\(url)/_api/web")
        XCTAssertEqual(web.status, 200, web.text)
        XCTAssertEqual(web.json["Title"] as? String, "Project X")
        XCTAssertEqual(web.json["WebTemplate"] as? String, "STS")
        XCTAssertEqual(try sp("GET", "\(url)/_api/web/lists/getbytitle('Documents')").status, 200)
        let props = try tenantMethod("GetSitePropertiesByUrl", #"<Parameter Type="String">\#(url)</Parameter><Parameter Type="Boolean">false</Parameter>"#).object(10)
        XCTAssertEqual(props["Template"] as? String, "STS#0")
        XCTAssertEqual(props["Owner"] as? String, "admin@contoso.onmicrosoft.com")
        XCTAssertEqual(props["TimeZoneId"] as? Int, 4)
        XCTAssertTrue(siteURLs(try listSites()).contains(url))

        assertError(try csom(createSiteXML(url)), type: "Microsoft.Online.SharePoint.Common.SpoException", code: -1,
                    message: "A site already exists at url \(url).")
        XCTAssertNotNil(try csom(createSiteXML("https://fabrikam.sharepoint.com/sites/x")).errorInfo)
        assertError(try poll("x|908bed80-a04a-4433-b4a0-883d9847d110:9657196e-8d5e-466d-8046-6eda47ab4aad\nSpoOperation\nSpoOperationCreateSite\n1\nx\nnope"),
                    type: "Microsoft.SharePoint.Client.InvalidClientQueryException")
    }

    func testRemoveRestoreAndPurgeSites() throws {
        let removed = try tenantMethod("RemoveSite", #"<Parameter Type="String">\#(marketing)</Parameter>"#)
        assertNoError(removed)
        XCTAssertEqual(removed.object(10)["IsComplete"] as? Bool, false)
        XCTAssertEqual(try poll(removed.object(10)["_ObjectIdentity_"] as? String ?? "").object(1)["IsComplete"] as? Bool, true)
        XCTAssertEqual(siteURLs(try listSites()), [root, apps, contentCenter])
        XCTAssertEqual(try sp("GET", "\(marketing)/_api/web").status, 404)
        assertError(try tenantMethod("GetSitePropertiesByUrl", #"<Parameter Type="String">\#(marketing)</Parameter><Parameter Type="Boolean">false</Parameter>"#),
                    type: "Microsoft.Online.SharePoint.Common.SpoNoSiteException")

        let deleted = try csom(request(#"<ObjectPath Id="181" ObjectPathId="180" /><Query Id="182" ObjectPathId="180"><Query SelectAllProperties="true"><Properties /></Query></Query>"#,
                                       Self.tenantCtor + #"<Method Id="180" ParentId="1" Name="GetDeletedSitePropertiesByUrl"><Parameters><Parameter Type="String">\#(marketing)</Parameter></Parameters></Method>"#))
        assertNoError(deleted)
        XCTAssertEqual(deleted.object(182)["Status"] as? String, "Recycled")
        XCTAssertEqual(deleted.object(182)["Url"] as? String, marketing)
        XCTAssertEqual(deleted.object(182)["_ObjectType_"] as? String, "Microsoft.Online.SharePoint.TenantAdministration.DeletedSiteProperties")
        assertError(try csom(request(#"<ObjectPath Id="181" ObjectPathId="180" />"#,
                                     Self.tenantCtor + #"<Method Id="180" ParentId="1" Name="GetDeletedSitePropertiesByUrl"><Parameters><Parameter Type="String">\#(root)/sites/never</Parameter></Parameters></Method>"#)),
                    type: "Microsoft.SharePoint.Client.UnknownError")
        let bin = try csom(request(#"<ObjectPath Id="4" ObjectPathId="3" /><ObjectPath Id="6" ObjectPathId="5" /><Query Id="7" ObjectPathId="5"><Query SelectAllProperties="true"><Properties><Property Name="NextStartIndexFromSharePoint" ScalarProperty="true" /></Properties></Query><ChildItemQuery SelectAllProperties="true"><Properties /></ChildItemQuery></Query>"#,
                                   #"<Constructor Id="3" TypeId="{268004ae-ef6b-4e9b-8425-127220d84719}" /><Method Id="5" ParentId="3" Name="GetDeletedSitePropertiesFromSharePoint"><Parameters><Parameter Type="Null" /></Parameters></Method>"#))
        assertNoError(bin)
        XCTAssertEqual((bin.object(7)["_Child_Items_"] as? [[String: Any]])?.compactMap { $0["Url"] as? String }, [marketing])

        // The admin center's aggregated list (CLI's site remove reads GroupId, TimeDeleted, SiteId there).
        let listURL = "\(adminHost)/_api/web/lists/GetByTitle('DO_NOT_DELETE_SPLIST_TENANTADMIN_AGGREGATED_SITECOLLECTIONS')/items"
        let row = values(try sp("GET", "\(listURL)?$filter=\(q("SiteUrl eq '\(marketing)'"))&$select=GroupId,TimeDeleted,SiteId"))
        XCTAssertEqual(row.count, 1)
        XCTAssertEqual(row.first?["GroupId"] as? String, "80f810ee-a906-4270-8827-743580252680")
        XCTAssertEqual(row.first?["SiteId"] as? String, "5d167b2f-135f-472b-9179-8a848602868a")
        XCTAssertNotNil(row.first?["TimeDeleted"] as? String)
        XCTAssertNil(row.first?["Title"])
        let live = values(try sp("GET", "\(listURL)?$filter=\(q("SiteUrl eq '\(root)'"))"))
        XCTAssertTrue(live.first?["TimeDeleted"] is NSNull, "\(live)")
        XCTAssertEqual(try sp("GET", "\(root)/_api/web/lists/GetByTitle('DO_NOT_DELETE_SPLIST_TENANTADMIN_AGGREGATED_SITECOLLECTIONS')/items").status, 404)

        assertNoError(try tenantMethod("RestoreDeletedSite", #"<Parameter Type="String">\#(marketing)</Parameter>"#))
        XCTAssertEqual(try sp("GET", "\(marketing)/_api/web").json["Title"] as? String, "Marketing")

        assertNoError(try tenantMethod("RemoveSite", #"<Parameter Type="String">\#(marketing)</Parameter>"#))
        let purged = try tenantMethod("RemoveDeletedSite", #"<Parameter Type="String">\#(marketing)</Parameter>"#)
        assertNoError(purged)
        XCTAssertEqual(purged.object(10)["_ObjectType_"] as? String, "Microsoft.Online.SharePoint.TenantAdministration.SpoOperation")
        assertError(try tenantMethod("RemoveDeletedSite", #"<Parameter Type="String">\#(marketing)</Parameter>"#),
                    type: "Microsoft.Online.SharePoint.Common.SpoNoSiteException")
        assertError(try tenantMethod("RestoreDeletedSite", #"<Parameter Type="String">\#(marketing)</Parameter>"#),
                    type: "Microsoft.Online.SharePoint.Common.SpoNoSiteException")
        // The URL is free again.
        assertNoError(try csom(createSiteXML(marketing)))

        XCTAssertNotNil(try tenantMethod("RemoveSite", #"<Parameter Type="String">\#(root)</Parameter>"#).errorInfo)
        XCTAssertNotNil(try tenantMethod("RemoveSite", #"<Parameter Type="String">\#(adminHost)</Parameter>"#).errorInfo)
        assertError(try tenantMethod("RemoveSite", #"<Parameter Type="String">\#(root)/sites/nope</Parameter>"#),
                    type: "Microsoft.Online.SharePoint.Common.SpoNoSiteException")
        XCTAssertEqual(try sp("GET", "\(root)/_api/web").status, 200)
    }

    // MARK: CDN

    func testCDNEnableOriginsAndPolicies() throws {
        XCTAssertEqual(try tenantMethod("GetTenantCdnEnabled", #"<Parameter Type="Enum">0</Parameter>"#)[10] as? Bool, false)
        let enable = try tenantMethod("SetTenantCdnEnabled", #"<Parameter Type="Enum">0</Parameter><Parameter Type="Boolean">true</Parameter>"#)
        assertNoError(enable)
        XCTAssertEqual(enable.array.count, 1)
        let enabled = try tenantMethod("GetTenantCdnEnabled", #"<Parameter Type="Enum">0</Parameter>"#, id: 12)
        XCTAssertEqual(enabled[12] as? Bool, true)
        XCTAssertTrue(enabled.text.hasSuffix(",12,true]"), enabled.text)
        XCTAssertEqual(try tenantMethod("GetTenantCdnEnabled", #"<Parameter Type="Enum">1</Parameter>"#)[10] as? Bool, false)
        XCTAssertEqual(try queryTenant(["PublicCdnEnabled"]).object(3)["PublicCdnEnabled"] as? Bool, true)

        XCTAssertEqual(try tenantMethod("GetTenantCdnOrigins", #"<Parameter Type="Enum">0</Parameter>"#)[10] as? [String], [])
        assertNoError(try tenantMethod("CreateTenantCdnDefaultOrigins", #"<Parameter Type="Enum">0</Parameter>"#))
        assertNoError(try tenantMethod("AddTenantCdnOrigin", #"<Parameter Type="Enum">0</Parameter><Parameter Type="String">*/CDN</Parameter>"#))
        assertNoError(try tenantMethod("RemoveTenantCdnOrigin", #"<Parameter Type="Enum">0</Parameter><Parameter Type="String">*/MASTERPAGE</Parameter>"#))
        let origins = try tenantMethod("GetTenantCdnOrigins", #"<Parameter Type="Enum">0</Parameter>"#, id: 22)
        XCTAssertEqual(origins[22] as? [String], ["*/STYLE LIBRARY", "*/CLIENTSIDEASSETS", "*/CDN"])
        XCTAssertTrue(origins.text.contains(#"22,["*\u002fSTYLE LIBRARY""#), origins.text)
        XCTAssertNotNil(try tenantMethod("RemoveTenantCdnOrigin", #"<Parameter Type="Enum">0</Parameter><Parameter Type="String">*/NOPE</Parameter>"#).errorInfo)
        assertNoError(try tenantMethod("CreateTenantCdnDefaultOrigins", #"<Parameter Type="Enum">1</Parameter>"#))
        XCTAssertEqual(try tenantMethod("GetTenantCdnOrigins", #"<Parameter Type="Enum">1</Parameter>"#)[10] as? [String],
                       ["*/USERPHOTO", "*/SITEASSETS", "*/CLIENTSIDEASSETS"])

        let policies = try tenantMethod("GetTenantCdnPolicies", #"<Parameter Type="Enum">0</Parameter>"#)[10] as? [String]
        XCTAssertEqual(policies, ["IncludeFileExtensions;CSS,EOT,GIF,ICO,JPEG,JPG,JS,MAP,PNG,SVG,TTF,WOFF",
                                  "ExcludeRestrictedSiteClassifications; ", "ExcludeIfNoScriptDisabled;False"])
        assertNoError(try tenantMethod("SetTenantCdnPolicy", #"<Parameter Type="Enum">0</Parameter><Parameter Type="Enum">0</Parameter><Parameter Type="String">CSS,PNG</Parameter>"#))
        assertNoError(try tenantMethod("SetTenantCdnPolicy", #"<Parameter Type="Enum">0</Parameter><Parameter Type="Enum">2</Parameter><Parameter Type="String">True</Parameter>"#))
        XCTAssertEqual(try tenantMethod("GetTenantCdnPolicies", #"<Parameter Type="Enum">0</Parameter>"#)[10] as? [String],
                       ["IncludeFileExtensions;CSS,PNG", "ExcludeRestrictedSiteClassifications; ", "ExcludeIfNoScriptDisabled;True"])
        XCTAssertEqual((try tenantMethod("GetTenantCdnPolicies", #"<Parameter Type="Enum">1</Parameter>"#)[10] as? [String])?.first,
                       "IncludeFileExtensions;CSS,EOT,GIF,ICO,JPEG,JPG,JS,MAP,PNG,SVG,TTF,WOFF")
        XCTAssertNotNil(try tenantMethod("GetTenantCdnEnabled", #"<Parameter Type="Enum">7</Parameter>"#).errorInfo)
    }

    // MARK: Storage entities

    func storageXML(_ method: String, _ params: [String], site: String? = nil) -> String {
        request(#"<ObjectPath Id="4" ObjectPathId="3"/><ObjectPath Id="6" ObjectPathId="5"/><Method Name="\#(method)" Id="7" ObjectPathId="5"><Parameters>"#
                    + params.map { #"<Parameter Type="String">\#(x($0))</Parameter>"# }.joined() + "</Parameters></Method>",
                Self.tenantCtor + #"<Method Id="3" ParentId="1" Name="GetSiteByUrl"><Parameters><Parameter Type="String">\#(site ?? root)</Parameter></Parameters></Method><Property Id="5" ParentId="3" Name="RootWeb"/>"#)
    }

    func testStorageEntitiesWriteByCSOMReadByREST() throws {
        let missing = try sp("GET", "\(marketing)/_api/web/GetStorageEntity('apiUrl')")
        XCTAssertEqual(missing.status, 200, missing.text)
        XCTAssertEqual(missing.json["odata.null"] as? Bool, true)

        assertNoError(try csom(storageXML("SetStorageEntity", ["apiUrl", "https://api.contoso.com", "The API", "set by tests"])))
        assertNoError(try csom(storageXML("SetStorageEntity", ["second", "2", "", ""])))
        let got = try sp("GET", "\(marketing)/_api/web/GetStorageEntity('apiUrl')")
        XCTAssertEqual(got.json["Value"] as? String, "https://api.contoso.com")
        XCTAssertEqual(got.json["Description"] as? String, "The API")
        XCTAssertEqual(got.json["Comment"] as? String, "set by tests")

        let index = try sp("GET", "\(root)/_api/web/AllProperties?$select=storageentitiesindex")
        XCTAssertEqual(index.status, 200, index.text)
        let text = try XCTUnwrap(index.json["storageentitiesindex"] as? String)
        let parsed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: [String: String]])
        XCTAssertEqual(parsed["apiUrl"], ["Value": "https://api.contoso.com", "Description": "The API", "Comment": "set by tests"])
        XCTAssertEqual(parsed["second"]?["Value"], "2")

        assertNoError(try csom(storageXML("RemoveStorageEntity", ["apiUrl"])))
        XCTAssertEqual(try sp("GET", "\(marketing)/_api/web/GetStorageEntity('apiUrl')").json["odata.null"] as? Bool, true)
        assertNoError(try csom(storageXML("RemoveStorageEntity", ["apiUrl"]))) // a missing key is accepted
        assertError(try csom(storageXML("SetStorageEntity", ["k", "v", "", ""], site: "\(root)/sites/nope")),
                    type: "Microsoft.Online.SharePoint.Common.SpoNoSiteException")
        // A regular user cannot write them.
        let adele = try XCTUnwrap(passwordToken(user: Fixtures.adele, scope: "https://contoso.sharepoint.com/.default")["access_token"] as? String)
        assertError(try csom(storageXML("SetStorageEntity", ["k", "v", "", ""]), token: adele), type: "System.UnauthorizedAccessException")
    }

    // MARK: REST site collections

    func testRESTSiteAndSiteManagers() throws {
        let site = try sp("GET", "\(marketing)/_api/site")
        XCTAssertEqual(site.status, 200, site.text)
        XCTAssertEqual(site.json["Id"] as? String, "5d167b2f-135f-472b-9179-8a848602868a")
        XCTAssertEqual(site.json["Url"] as? String, marketing)
        XCTAssertEqual(site.json["ServerRelativeUrl"] as? String, "/sites/marketing")
        XCTAssertEqual(site.json["GroupId"] as? String, "80f810ee-a906-4270-8827-743580252680")
        XCTAssertEqual(site.json["ReadOnly"] as? Bool, false)
        XCTAssertEqual(site.json["IsHubSite"] as? Bool, false)
        XCTAssertTrue(site.json["StatusBarText"] is NSNull)
        let selected = try sp("GET", "\(marketing)/_api/site?$select=GroupId,Id")
        XCTAssertEqual(Set(selected.json.keys), ["GroupId", "Id"], selected.text)
        // Site-level CSOM (CLI's site set --classification) shows in _api/site.
        let classify = try csom(request(#"<SetProperty Id="27" ObjectPathId="5" Name="Classification"><Parameter Type="String">Confidential</Parameter></SetProperty><SetProperty Id="28" ObjectPathId="5" Name="ShareByEmailEnabled"><Parameter Type="Boolean">true</Parameter></SetProperty>"#,
                                        #"<StaticProperty Id="1" TypeId="{3747adcd-a3c3-41b9-bfab-4a64dd2f1e0a}" Name="Current" /><Property Id="5" ParentId="1" Name="Site" />"#),
                                web: marketing)
        assertNoError(classify)
        let classified = try sp("GET", "\(marketing)/_api/site?$select=Classification,ShareByEmailEnabled")
        XCTAssertEqual(classified.json["Classification"] as? String, "Confidential")
        XCTAssertEqual(classified.json["ShareByEmailEnabled"] as? Bool, true)
        // Renaming a group-connected site through the admin API.
        let rename = try sp("POST", "\(adminHost)/_api/SPOGroup/UpdateGroupPropertiesBySiteId",
                            json: ["groupId": "80f810ee-a906-4270-8827-743580252680", "siteId": "5d167b2f-135f-472b-9179-8a848602868a", "displayName": "Marketing Team"])
        XCTAssertLessThan(rename.status, 300, rename.text)
        XCTAssertEqual(try sp("GET", "\(marketing)/_api/web").json["Title"] as? String, "Marketing Team")
        // The current web's identity (CLI's getCurrentWebIdentity) and its replay.
        let current = try csom(request(#"<Query Id="1" ObjectPathId="5"><Query SelectAllProperties="false"><Properties><Property Name="ServerRelativeUrl" ScalarProperty="true" /></Properties></Query></Query>"#,
                                       #"<Property Id="5" ParentId="3" Name="Web" /><StaticProperty Id="3" TypeId="{3747adcd-a3c3-41b9-bfab-4a64dd2f1e0a}" Name="Current" />"#),
                               web: marketing)
        let webIdentity = try XCTUnwrap(current.object(1)["_ObjectIdentity_"] as? String)
        XCTAssertTrue(webIdentity.hasSuffix("|740c6a0b-85e2-48a0-a494-e0f1759d4aa7:site:5d167b2f-135f-472b-9179-8a848602868a:web:5cd05ed1-1523-4628-9133-07534af826dd"), webIdentity)
        XCTAssertEqual(current.object(1)["ServerRelativeUrl"] as? String, "/sites/marketing")
        let replay = try csom(request(#"<Query Id="11" ObjectPathId="5"><Query SelectAllProperties="true"><Properties /></Query></Query>"#,
                                      #"<Identity Id="5" Name="\#(x(webIdentity))" />"#), web: marketing)
        XCTAssertEqual(replay.object(11)["Title"] as? String, "Marketing Team")
        let verbose = try sp("GET", "\(root)/_api/site", accept: Self.verbose)
        XCTAssertEqual(((verbose.json["d"] as? [String: Any])?["__metadata"] as? [String: Any])?["type"] as? String, "SP.Site")

        let body: [String: Any] = ["request": ["Title": "Comms", "Url": "\(root)/sites/comms", "Lcid": 1033, "ShareByEmailEnabled": true,
                                               "Classification": "Public",
                                               "Description": "News", "WebTemplate": "SITEPAGEPUBLISHING#0", "Owner": "admin@contoso.onmicrosoft.com"]]
        let created = try sp("POST", "\(root)/_api/SPSiteManager/Create", json: body)
        XCTAssertEqual(created.status, 200, created.text)
        XCTAssertEqual(created.json["SiteStatus"] as? Int, 2)
        XCTAssertEqual(created.json["SiteUrl"] as? String, "\(root)/sites/comms")
        let siteId = try XCTUnwrap(created.json["SiteId"] as? String)
        let comms = try sp("GET", "\(root)/sites/comms/_api/site")
        XCTAssertEqual(comms.json["Id"] as? String, siteId)
        XCTAssertEqual(comms.json["Classification"] as? String, "Public")
        XCTAssertEqual(comms.json["ShareByEmailEnabled"] as? Bool, true)
        XCTAssertEqual(try sp("GET", "\(root)/sites/comms/_api/web").json["Description"] as? String, "News")
        let status = try sp("GET", "\(root)/_api/SPSiteManager/status?url=\(q("'\(root)/sites/comms'"))")
        XCTAssertEqual(status.json["SiteStatus"] as? Int, 2, status.text)
        XCTAssertEqual(status.json["SiteId"] as? String, siteId)
        XCTAssertEqual(try sp("GET", "\(root)/_api/SPSiteManager/status?url=\(q("'\(root)/sites/none'"))").json["SiteStatus"] as? Int, 0)
        let again = try sp("POST", "\(root)/_api/SPSiteManager/Create", json: body)
        XCTAssertEqual(again.json["SiteStatus"] as? Int, 3, again.text)
        XCTAssertEqual(again.json["SiteUrl"] as? String, "")
        let props = try tenantMethod("GetSitePropertiesByUrl", #"<Parameter Type="String">\#(root)/sites/comms</Parameter><Parameter Type="Boolean">false</Parameter>"#).object(10)
        XCTAssertEqual(props["Template"] as? String, "SITEPAGEPUBLISHING#0")

        let group: [String: Any] = ["displayName": "Project Y", "alias": "projecty", "isPublic": true,
                                    "optionalParams": ["Description": "Y team",
                                                       "CreationOptions": ["results": ["SPSiteLanguage:1031"], "Classification": "Internal"],
                                                       "Owners": ["results": ["megan.bowen@contoso.com"]]]]
        let made = try sp("POST", "\(root)/_api/GroupSiteManager/CreateGroupEx", json: group)
        XCTAssertEqual(made.status, 200, made.text)
        XCTAssertEqual(made.json["SiteStatus"] as? Int, 2)
        XCTAssertEqual(made.json["SiteUrl"] as? String, "\(root)/sites/projecty")
        XCTAssertTrue(made.json["ErrorMessage"] is NSNull)
        let groupId = try XCTUnwrap(made.json["GroupId"] as? String)
        let groupSite = try sp("GET", "\(root)/sites/projecty/_api/site")
        XCTAssertEqual(groupSite.json["GroupId"] as? String, groupId)
        XCTAssertEqual(groupSite.json["Classification"] as? String, "Internal")
        XCTAssertEqual(try sp("GET", "\(root)/sites/projecty/_api/web").json["Language"] as? Int, 1031)
        XCTAssertTrue(siteURLs(try listSites(template: "GROUP#0")).contains("\(root)/sites/projecty"))
        // The Microsoft 365 group exists in the directory.
        let graphToken = try XCTUnwrap(passwordToken(user: Fixtures.admin)["access_token"] as? String)
        let g = try curl("https://graph.microsoft.com/v1.0/groups/\(groupId)", headers: ["Authorization": "Bearer \(graphToken)"])
        XCTAssertEqual(g.status, 200, g.text)
        XCTAssertEqual(g.json["mailNickname"] as? String, "projecty")
        XCTAssertEqual(g.json["groupTypes"] as? [String], ["Unified"])
        let taken = try sp("POST", "\(root)/_api/GroupSiteManager/CreateGroupEx", json: group)
        XCTAssertNotNil(taken.json["ErrorMessage"] as? String, taken.text)
        XCTAssertNotEqual(taken.json["SiteStatus"] as? Int, 2)

        // SPSiteManager/delete recycles a site without a group by id.
        XCTAssertEqual(try sp("POST", "\(root)/_api/SPSiteManager/delete", json: ["siteId": siteId]).status, 200)
        XCTAssertEqual(try sp("GET", "\(root)/sites/comms/_api/web").status, 404)
        XCTAssertEqual(try sp("POST", "\(root)/_api/SPSiteManager/delete", json: ["siteId": siteId]).status, 404)
        XCTAssertEqual(try sp("POST", "\(root)/_api/SPSiteManager/delete", json: ["siteId": "45e6da8b-41b5-4886-94f5-8741bd903ae5"]).status, 400)

        // GroupSiteManager/Delete recycles a group site and deletes its group.
        let deleted = try sp("POST", "\(adminHost)/_api/GroupSiteManager/Delete?siteUrl=\(q("'\(root)/sites/projecty'"))")
        XCTAssertEqual(deleted.status, 200, deleted.text)
        XCTAssertEqual(try sp("GET", "\(root)/sites/projecty/_api/web").status, 404)
        XCTAssertEqual(try curl("https://graph.microsoft.com/v1.0/groups/\(groupId)", headers: ["Authorization": "Bearer \(graphToken)"]).status, 404)
        XCTAssertEqual(try csom(request(#"<ObjectPath Id="181" ObjectPathId="180" /><Query Id="182" ObjectPathId="180"><Query SelectAllProperties="true"><Properties /></Query></Query>"#,
                                        Self.tenantCtor + #"<Method Id="180" ParentId="1" Name="GetDeletedSitePropertiesByUrl"><Parameters><Parameter Type="String">\#(root)/sites/projecty</Parameter></Parameters></Method>"#)).object(182)["Status"] as? String, "Recycled")
        XCTAssertEqual(try sp("POST", "\(adminHost)/_api/GroupSiteManager/Delete", json: ["siteUrl": root]).status, 400)

        // Writes need the digest like every POST.
        let noDigest = try sp("POST", "\(root)/_api/SPSiteManager/Create", json: body, headers: ["X-RequestDigest": "0xBAD,01 Jan 2025 00:00:00 -0000"])
        XCTAssertEqual(noDigest.status, 403)
    }
}

/// Who counts as a SharePoint administrator: a delegated SharePoint Administrator (not only a
/// Global Administrator) may change the tenant; an app with only Sites.Read.All may read it.
final class CSOMRoleTests: CSOMTestCase {
    /// Adele is a SharePoint Administrator; the certificate app may only read.
    static let seedPath = readOnlyAppSeed("csom-roles-seed.json") { tenant in
        var users = tenant["users"] as! [[String: Any]]
        let adele = users.firstIndex { $0["userPrincipalName"] as? String == Fixtures.adele.upn }!
        users[adele]["directoryRoles"] = ["f28a1f50-f6e7-4571-818b-6a12f2af6b6c"]
        tenant["users"] = users
    }

    override func configure(_ config: inout EmulatorConfiguration) { config.seedPath = Self.seedPath }

    func testSharePointAdministratorManagesTheTenant() throws {
        let adele = try XCTUnwrap(passwordToken(user: Fixtures.adele, scope: "https://contoso.sharepoint.com/.default")["access_token"] as? String)
        let set = try csom(request(#"<SetProperty Id="2" ObjectPathId="1" Name="SharingCapability"><Parameter Type="Enum">2</Parameter></SetProperty>"#,
                                   Self.tenantCtor), token: adele)
        assertNoError(set)
        XCTAssertEqual(try queryTenant(["SharingCapability"], token: adele).object(3)["SharingCapability"] as? Int, 2)
    }

    func testReadOnlyAppReadsTheTenantButCannotChangeIt() throws {
        let app = try XCTUnwrap(certificateToken(scope: "https://contoso.sharepoint.com/.default").json["access_token"] as? String)
        assertNoError(try queryTenant(token: app))
        let cdn = try csom(request(#"<Method Name="GetTenantCdnEnabled" Id="10" ObjectPathId="1"><Parameters><Parameter Type="Enum">0</Parameter></Parameters></Method>"#,
                                   Self.tenantCtor), token: app)
        XCTAssertEqual(cdn[10] as? Bool, false)
        assertError(try csom(request(#"<SetProperty Id="2" ObjectPathId="1" Name="SharingCapability"><Parameter Type="Enum">2</Parameter></SetProperty>"#,
                                     Self.tenantCtor), token: app), type: "System.UnauthorizedAccessException", code: -2147024891)
        assertError(try csom(createSiteXML("\(root)/sites/readonly"), token: app), type: "System.UnauthorizedAccessException")
        XCTAssertEqual(try queryTenant(["SharingCapability"]).object(3)["SharingCapability"] as? Int, 1)
    }
}
