import EmulatorKit
import Foundation
import XCTest

/// The base of tests that call the emulator's SharePoint REST with curl: a delegated token,
/// form digests, and one call helper (JSON body, Accept format, digest, verb tunnelling).
class SharePointTestCase: EmulatorTestCase {
    /// A seed file: the default tenant with the certificate app granted only Sites.Read.All on
    /// SharePoint, then `change` applied to the tenant.
    static func readOnlyAppSeed(_ name: String, _ change: (inout [String: Any]) -> Void = { _ in }) -> String {
        var seed = try! JSONSerialization.jsonObject(with: Data(DefaultSeed.json.utf8)) as! [String: Any]
        var tenants = seed["tenants"] as! [[String: Any]]
        var apps = tenants[0]["applications"] as! [[String: Any]]
        let a = apps.firstIndex { $0["appId"] as? String == Fixtures.certApp }!
        var rra = apps[a]["requiredResourceAccess"] as! [[String: Any]]
        let sp = rra.firstIndex { $0["resourceAppId"] as? String == "00000003-0000-0ff1-ce00-000000000000" }!
        rra[sp]["roles"] = ["Sites.Read.All"]
        apps[a]["requiredResourceAccess"] = rra
        tenants[0]["applications"] = apps
        change(&tenants[0])
        seed["tenants"] = tenants
        let path = sharedStateDirectory + "/" + name
        try! JSONSerialization.data(withJSONObject: seed).write(to: URL(fileURLWithPath: path))
        return path
    }

    let root = "https://contoso.sharepoint.com"
    let marketing = "https://contoso.sharepoint.com/sites/marketing"
    let apps = "https://contoso.sharepoint.com/sites/apps"
    static let nometadata = "application/json;odata=nometadata"
    static let verbose = "application/json;odata=verbose"
    var spToken: String!

    override func setUp() async throws {
        try await super.setUp()
        spToken = try spUserToken()
    }

    func spUserToken() throws -> String {
        try XCTUnwrap(passwordToken(user: Fixtures.admin, scope: "https://contoso.sharepoint.com/.default")["access_token"] as? String)
    }

    func digest(_ web: String, token: String? = nil) throws -> String {
        let r = try sp("POST", "\(web)/_api/contextinfo", token: token)
        XCTAssertEqual(r.status, 200, r.text)
        return try XCTUnwrap(r.json["FormDigestValue"] as? String)
    }

    /// `url` is absolute; `json` goes as the body; `method` may be MERGE/DELETE (tunnelled
    /// through POST with X-HTTP-Method); writes get a fresh digest unless `digest` is given.
    @discardableResult
    func sp(_ method: String, _ url: String, token: String? = nil, json: Any? = nil, accept: String = nometadata,
            digest: String? = nil, headers: [String: String] = [:]) throws -> HTTPResult {
        var h = headers
        h["Authorization"] = "Bearer \(token ?? spToken!)"
        h["Accept"] = accept
        var verb = method
        if method == "MERGE" || (method == "DELETE" && h["X-HTTP-Method"] == nil) {
            h["X-HTTP-Method"] = method
            verb = "POST"
        }
        if verb != "GET" && !url.hasSuffix("/_api/contextinfo") && h["X-RequestDigest"] == nil {
            let web = String(url[..<url.range(of: "/_api/")!.lowerBound])
            h["X-RequestDigest"] = try digest ?? self.digest(web, token: token)
        }
        var body: String?
        if let json {
            h["Content-Type"] = accept.contains("verbose") ? Self.verbose : "application/json"
            body = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
        } else if verb == "POST" {
            body = ""
        }
        return try curl(url, method: verb, headers: h, body: body)
    }

    func values(_ r: HTTPResult, file: StaticString = #filePath, line: UInt = #line) -> [[String: Any]] {
        XCTAssertEqual(r.status, 200, r.text, file: file, line: line)
        return r.json["value"] as? [[String: Any]] ?? []
    }

    /// `odata.error` (light) or `error` (verbose): code and message value.
    func spError(_ r: HTTPResult) -> (code: String?, message: String?) {
        let e = (r.json["odata.error"] ?? r.json["error"]) as? [String: Any]
        return (e?["code"] as? String, (e?["message"] as? [String: Any])?["value"] as? String)
    }

    func q(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s }
}

final class SharePointTests: SharePointTestCase {
    let tasksId = "60c210f9-1468-444a-8a34-157ff62c2dc2"

    func testContextInfoAndDigestRules() throws {
        let info = try sp("POST", "\(marketing)/_api/contextinfo")
        XCTAssertEqual(info.status, 200, info.text)
        let value = info.json["FormDigestValue"] as? String ?? ""
        XCTAssertNotNil(value.range(of: #"^0x[0-9A-F]{128},\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} -0000$"#, options: .regularExpression), value)
        XCTAssertEqual(info.json["FormDigestTimeoutSeconds"] as? Int, 1800)
        XCTAssertEqual(info.json["WebFullUrl"] as? String, marketing)
        XCTAssertEqual(info.json["SiteFullUrl"] as? String, marketing)
        XCTAssertNotNil(info.json["LibraryVersion"] as? String)
        let verbose = try sp("POST", "\(marketing)/_api/contextinfo", accept: Self.verbose)
        let ctx = (verbose.json["d"] as? [String: Any])?["GetContextWebInformation"] as? [String: Any]
        XCTAssertNotNil(ctx?["FormDigestValue"] as? String, verbose.text)

        let create: [String: Any] = ["Title": "Digest test", "BaseTemplate": 100]
        let denied = "The security validation for this page is invalid and might be corrupted. Please use your web browser's Back button to try your operation again."
        for bad in ["0xABC", "0xABC,01 Jan 2025 00:00:00 -0000", try digest(root)] {
            let headers = ["X-RequestDigest": bad]
            let r = try sp("POST", "\(marketing)/_api/web/lists", json: create, headers: headers)
            XCTAssertEqual(r.status, 403, r.text)
            XCTAssertEqual(spError(r).code, "-2130575251, Microsoft.SharePoint.SPException")
            XCTAssertEqual(spError(r).message, denied)
        }
        // No header at all: a bearer token is enough, as CLI for Microsoft 365 relies on.
        let none = try curl("\(marketing)/_api/web/lists", method: "POST",
                            headers: ["Authorization": "Bearer \(spToken!)", "Accept": Self.nometadata, "Content-Type": "application/json"],
                            body: "{\"Title\":\"No digest\"}")
        XCTAssertEqual(none.status, 201, none.text)
        // Reads need none; a digest of the site collection works on its sub-webs.
        XCTAssertEqual(try sp("GET", "\(marketing)/_api/web/lists").status, 200)
        let ok = try sp("POST", "\(marketing)/_api/web/lists", json: create, digest: value)
        XCTAssertEqual(ok.status, 201, ok.text)
    }

    func testResponseFormats() throws {
        let url = "\(root)/_api/web/lists/getbytitle('Tasks')/items?$top=2"
        let verbose = try sp("GET", url, accept: Self.verbose)
        XCTAssertEqual(verbose.status, 200, verbose.text)
        XCTAssertTrue(verbose.header("content-type")?.hasPrefix("application/json;odata=verbose") == true)
        let d = verbose.json["d"] as? [String: Any] ?? [:]
        let results = d["results"] as? [[String: Any]] ?? []
        XCTAssertEqual(results.count, 2)
        let meta = results.first?["__metadata"] as? [String: Any] ?? [:]
        XCTAssertEqual(meta["type"] as? String, "SP.Data.TasksListItem")
        XCTAssertEqual(meta["etag"] as? String, "\"1\"")
        XCTAssertEqual(meta["uri"] as? String, "\(root)/_api/Web/Lists(guid'\(tasksId)')/Items(1)")
        XCTAssertNotNil(meta["id"])
        XCTAssertEqual(results.first?["Title"] as? String, "Plan the intranet launch")
        XCTAssertTrue((d["__next"] as? String)?.contains("p_ID%3D2") == true, verbose.text)

        let minimal = try sp("GET", url, accept: "application/json;odata=minimalmetadata")
        XCTAssertTrue(minimal.header("content-type")?.hasPrefix("application/json;odata=minimalmetadata") == true)
        XCTAssertEqual(minimal.json["odata.metadata"] as? String, "\(root)/_api/$metadata#SP.ListData.TasksListItems")
        let m0 = (minimal.json["value"] as? [[String: Any]])?.first ?? [:]
        XCTAssertEqual(m0["odata.type"] as? String, "SP.Data.TasksListItem")
        XCTAssertEqual(m0["odata.etag"] as? String, "\"1\"")
        XCTAssertEqual(m0["odata.editLink"] as? String, "Web/Lists(guid'\(tasksId)')/Items(1)")
        XCTAssertEqual(m0["odata.id"] as? String, "\(root)/_api/Web/Lists(guid'\(tasksId)')/Items(1)")
        XCTAssertNotNil(minimal.json["odata.nextLink"])

        let plain = try sp("GET", url)
        XCTAssertTrue(plain.header("content-type")?.hasPrefix("application/json;odata=nometadata") == true)
        let p0 = values(plain).first ?? [:]
        XCTAssertNil(p0["odata.type"])
        XCTAssertNil(plain.json["odata.metadata"])
        XCTAssertEqual(p0["ID"] as? Int, 1)
        XCTAssertEqual(p0["Id"] as? Int, 1)
        XCTAssertNotNil(plain.json["odata.nextLink"])

        let v4none = try sp("GET", url, accept: "application/json;odata.metadata=none")
        XCTAssertTrue(v4none.header("content-type")?.hasPrefix("application/json;odata.metadata=none") == true)
        XCTAssertEqual(v4none.header("odata-version"), "4.0")
        XCTAssertNil(values(v4none).first?["@odata.type"])
        XCTAssertNotNil(v4none.json["@odata.nextLink"])
        let v4min = try sp("GET", url, accept: "application/json;odata.metadata=minimal")
        XCTAssertEqual(v4min.json["@odata.context"] as? String, "\(root)/_api/$metadata#SP.ListData.TasksListItems")
        XCTAssertEqual(values(v4min).first?["@odata.type"] as? String, "#SP.Data.TasksListItem")
        XCTAssertEqual(values(v4min).first?["@odata.etag"] as? String, "\"1\"")

        // Single entities: verbose under "d", minimal with its @Element metadata.
        let web = try sp("GET", "\(marketing)/_api/web", accept: Self.verbose)
        XCTAssertEqual((web.json["d"] as? [String: Any])?["Title"] as? String, "Marketing")
        let list = try sp("GET", "\(root)/_api/web/lists(guid'\(tasksId)')", accept: "application/json;odata=minimalmetadata")
        XCTAssertEqual(list.json["odata.metadata"] as? String, "\(root)/_api/$metadata#SP.ApiData.Lists/@Element")
        XCTAssertEqual(list.json["odata.type"] as? String, "SP.List")
        XCTAssertEqual(list.json["ListItemEntityTypeFullName"] as? String, "SP.Data.TasksListItem")
    }

    func testListsCRUDByIdTitleAndURL() throws {
        let all = values(try sp("GET", "\(root)/_api/web/lists?$select=Title,BaseTemplate,Hidden&$orderby=\(q("Title desc"))"))
        XCTAssertEqual(all.map { $0["Title"] as? String }, ["Tasks", "Documents"])
        XCTAssertEqual(all.first?.keys.sorted(), ["BaseTemplate", "Hidden", "Title"])
        let libraries = values(try sp("GET", "\(root)/_api/web/lists?$filter=\(q("BaseTemplate eq 101 and Hidden eq false"))"))
        XCTAssertEqual(libraries.map { $0["Title"] as? String }, ["Documents"])
        let notTasks = values(try sp("GET", "\(root)/_api/web/lists?$filter=\(q("Title ne 'Tasks' or BaseTemplate eq 100"))&$top=1"))
        XCTAssertEqual(notTasks.count, 1)

        let created = try sp("POST", "\(marketing)/_api/web/lists", json: ["__metadata": ["type": "SP.List"], "Title": "Bob's List",
                                                                        "Description": "d", "BaseTemplate": 100, "AllowContentTypes": true],
                             accept: Self.verbose)
        XCTAssertEqual(created.status, 201, created.text)
        let d = created.json["d"] as? [String: Any] ?? [:]
        let id = try XCTUnwrap(d["Id"] as? String)
        XCTAssertEqual(d["Title"] as? String, "Bob's List")
        XCTAssertEqual(d["ItemCount"] as? Int, 0)
        XCTAssertEqual(d["ListItemEntityTypeFullName"] as? String, "SP.Data.BobsListListItem")

        let byTitle = try sp("GET", "\(marketing)/_api/web/lists/GetByTitle('\(q("Bob''s List"))')")
        XCTAssertEqual(byTitle.json["Id"] as? String, id, byTitle.text)
        XCTAssertEqual(try sp("GET", "\(marketing)/_api/web/lists(guid'\(id)')").json["Title"] as? String, "Bob's List")
        let byURL = try sp("GET", "\(marketing)/_api/web/GetList('\(q("/sites/marketing/Lists/BobsList"))')")
        XCTAssertEqual(byURL.json["Id"] as? String, id, byURL.text)
        let dup = try sp("POST", "\(marketing)/_api/web/lists", json: ["Title": "Bob's List", "BaseTemplate": 100])
        XCTAssertEqual(dup.status, 400)

        let merge = try sp("MERGE", "\(marketing)/_api/web/lists(guid'\(id)')", json: ["Title": "Renamed", "Description": "new"],
                           headers: ["IF-MATCH": "*"])
        XCTAssertEqual(merge.status, 204, merge.text)
        // List settings are kept; a property SP.List does not have, or a value of the wrong type, is refused.
        let settings = try sp("MERGE", "\(marketing)/_api/web/lists(guid'\(id)')", json: ["NoCrawl": true, "MajorVersionLimit": 20],
                              headers: ["IF-MATCH": "*"])
        XCTAssertEqual(settings.status, 204, settings.text)
        let withSettings = try sp("GET", "\(marketing)/_api/web/lists(guid'\(id)')")
        XCTAssertEqual(withSettings.json["NoCrawl"] as? Bool, true)
        XCTAssertEqual(withSettings.json["MajorVersionLimit"] as? Int, 20)
        let unknown = try sp("MERGE", "\(marketing)/_api/web/lists(guid'\(id)')", json: ["Colour": "red"], headers: ["IF-MATCH": "*"])
        XCTAssertEqual(unknown.status, 400)
        XCTAssertEqual(spError(unknown).message, "The property 'Colour' does not exist on type 'SP.List'. Make sure to only use property names that are defined by the type.")
        let wrongType = try sp("POST", "\(marketing)/_api/web/lists", json: ["Title": "Typed", "BaseTemplate": 100, "NoCrawl": "yes"])
        XCTAssertEqual(wrongType.status, 400, wrongType.text)
        let renamed = try sp("GET", "\(marketing)/_api/web/lists/getbytitle('Renamed')")
        XCTAssertEqual(renamed.json["Description"] as? String, "new")

        let del = try sp("DELETE", "\(marketing)/_api/web/lists(guid'\(id)')", headers: ["IF-MATCH": "*"])
        XCTAssertEqual(del.status, 200, del.text)
        let gone = try sp("GET", "\(marketing)/_api/web/lists/getbytitle('Renamed')")
        XCTAssertEqual(gone.status, 404)
        XCTAssertEqual(spError(gone).code, "-1, System.ArgumentException")
        XCTAssertEqual(spError(gone).message, "List 'Renamed' does not exist at site with URL '\(marketing)'.")
        let goneById = try sp("GET", "\(marketing)/_api/web/lists(guid'\(id)')", accept: Self.verbose)
        XCTAssertEqual(goneById.status, 404)
        XCTAssertEqual(((goneById.json["error"] as? [String: Any])?["code"]) as? String, "-2130575322, Microsoft.SharePoint.SPException")
    }

    func testItemsCRUDEtagsAndRecycle() throws {
        let items = "\(root)/_api/web/lists/getbytitle('Tasks')/items"
        let add = try sp("POST", items, json: ["__metadata": ["type": "SP.Data.TasksListItem"], "Title": "New task", "Priority": "High"],
                         accept: Self.verbose)
        XCTAssertEqual(add.status, 201, add.text)
        let d = add.json["d"] as? [String: Any] ?? [:]
        XCTAssertEqual(d["ID"] as? Int, 4)
        XCTAssertEqual(d["Title"] as? String, "New task")
        XCTAssertEqual(d["Priority"] as? String, "High")
        XCTAssertEqual(d["AuthorId"] as? Int, d["EditorId"] as? Int)
        XCTAssertNotNil(d["Created"] as? String)
        XCTAssertNotNil(UUID(uuidString: d["GUID"] as? String ?? ""))
        XCTAssertEqual((d["__metadata"] as? [String: Any])?["etag"] as? String, "\"1\"")
        let wrongType = try sp("POST", items, json: ["__metadata": ["type": "SP.Data.NopeListItem"], "Title": "x"], accept: Self.verbose)
        XCTAssertEqual(wrongType.status, 400)

        let item = "\(root)/_api/web/lists/getbytitle('Tasks')/items(4)"
        XCTAssertEqual(try sp("MERGE", item, json: ["Title": "Changed"], headers: ["IF-MATCH": "\"1\""]).status, 204)
        let stale = try sp("MERGE", item, json: ["Title": "Again"], headers: ["IF-MATCH": "\"1\""])
        XCTAssertEqual(stale.status, 412, stale.text)
        let got = try sp("GET", item, accept: "application/json;odata=minimalmetadata")
        XCTAssertEqual(got.json["Title"] as? String, "Changed")
        XCTAssertEqual(got.json["odata.etag"] as? String, "\"2\"")
        XCTAssertEqual(got.json["Priority"] as? String, "High")
        let selected = try sp("GET", item + "?$select=Title,ID")
        XCTAssertEqual(selected.json.keys.sorted(), ["ID", "Title"])

        let recycle = try sp("POST", item + "/recycle()")
        XCTAssertEqual(recycle.status, 200, recycle.text)
        XCTAssertNotNil(UUID(uuidString: recycle.json["value"] as? String ?? ""))
        let missing = try sp("GET", item)
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(spError(missing).message, "Item does not exist. It may have been deleted by another user.")
        XCTAssertEqual(try sp("DELETE", "\(root)/_api/web/lists(guid'\(tasksId)')/items(3)", headers: ["IF-MATCH": "*"]).status, 200)
        XCTAssertEqual(values(try sp("GET", items)).map { $0["ID"] as? Int }, [1, 2])
        XCTAssertEqual(try sp("DELETE", "\(root)/_api/web/lists(guid'\(tasksId)')/items(3)").status, 404)
    }

    func testPagingFilterAndBulkCreate() throws {
        let bulk = try admin("sharepoint/items", method: "POST", json: "{\"site\":\"\(root)\",\"list\":\"Tasks\",\"count\":247,\"prefix\":\"bench\"}")
        XCTAssertEqual(bulk.status, 201, bulk.text)
        XCTAssertEqual(bulk.json["created"] as? Int, 247)
        // 250 items: default pages of 100, followed through odata.nextLink.
        var url: String? = "\(root)/_api/web/lists/getbytitle('Tasks')/items?$select=ID,Title"
        var ids: [Int] = []
        var pages = 0
        while let next = url {
            let r = try sp("GET", next)
            let page = values(r)
            XCTAssertLessThanOrEqual(page.count, 100)
            ids += page.compactMap { $0["ID"] as? Int }
            url = r.json["odata.nextLink"] as? String
            if let url { XCTAssertTrue(url.contains("%24skiptoken=Paged%3DTRUE%26p_ID%3D\(ids.last!)"), url) }
            pages += 1
        }
        XCTAssertEqual(pages, 3)
        XCTAssertEqual(ids, Array(1...250))
        // Verbose: d.__next, with $top kept.
        var verboseIds: [Int] = []
        var vurl: String? = "\(root)/_api/web/lists/getbytitle('Tasks')/items?$top=120&$filter=\(q("startswith(Title,'bench')"))"
        while let next = vurl {
            let d = try sp("GET", next, accept: Self.verbose).json["d"] as? [String: Any] ?? [:]
            verboseIds += (d["results"] as? [[String: Any]] ?? []).compactMap { $0["ID"] as? Int }
            vurl = d["__next"] as? String
        }
        XCTAssertEqual(verboseIds, Array(4...250))

        let eq = values(try sp("GET", "\(root)/_api/web/lists/getbytitle('Tasks')/items?$filter=\(q("Title eq 'Review the navigation'"))"))
        XCTAssertEqual(eq.map { $0["ID"] as? Int }, [2])
        let range = values(try sp("GET", "\(root)/_api/web/lists/getbytitle('Tasks')/items?$filter=\(q("ID gt 10 and ID lt 14"))"))
        XCTAssertEqual(range.map { $0["ID"] as? Int }, [11, 12, 13])
        let sub = values(try sp("GET", "\(root)/_api/web/lists/getbytitle('Tasks')/items?$filter=\(q("substringof('intranet',Title)"))"))
        XCTAssertEqual(sub.map { $0["ID"] as? Int }, [1])
        let ne = values(try sp("GET", "\(root)/_api/web/lists/getbytitle('Tasks')/items?$filter=\(q("ID ne 1 and ID lt 4"))&$orderby=\(q("ID desc"))"))
        XCTAssertEqual(ne.map { $0["ID"] as? Int }, [3, 2])
        let badColumn = try sp("GET", "\(root)/_api/web/lists/getbytitle('Tasks')/items?$filter=\(q("Nope eq 1"))")
        XCTAssertEqual(badColumn.status, 400)
        XCTAssertEqual(spError(badColumn).message, "Column 'Nope' does not exist. It may have been deleted by another user.")

        // Ordered paging continues after the last item shown.
        let first = try sp("GET", "\(root)/_api/web/lists/getbytitle('Tasks')/items?$orderby=\(q("ID desc"))&$top=5")
        XCTAssertEqual(values(first).map { $0["ID"] as? Int }, [250, 249, 248, 247, 246])
        let second = try sp("GET", try XCTUnwrap(first.json["odata.nextLink"] as? String))
        XCTAssertEqual(values(second).map { $0["ID"] as? Int }, [245, 244, 243, 242, 241])

        // Reset restores the seed.
        XCTAssertEqual(try admin("directory/reset", method: "POST").status, 200)
        XCTAssertEqual(values(try sp("GET", "\(root)/_api/web/lists/getbytitle('Tasks')/items")).count, 3)
    }

    func testLargeListPagesBySkiptoken() throws {
        let bulk = try admin("sharepoint/items", method: "POST", json: "{\"site\":\"\(root)\",\"list\":\"Tasks\",\"count\":100000}")
        XCTAssertEqual(bulk.status, 201, bulk.text)
        let start = Date()
        let last = try sp("GET", "\(root)/_api/web/lists/getbytitle('Tasks')/items?$top=5000&$skiptoken=\(q("Paged=TRUE&p_ID=99000"))")
        XCTAssertLessThan(Date().timeIntervalSince(start), 5, "a late page must not rescan the list")
        let ids = values(last).compactMap { $0["ID"] as? Int }
        XCTAssertEqual(ids.first, 99001)
        XCTAssertEqual(ids.last, 100003)
        XCTAssertNil(last.json["odata.nextLink"])
        let list = try sp("GET", "\(root)/_api/web/lists/getbytitle('Tasks')?$select=ItemCount")
        XCTAssertEqual(list.json["ItemCount"] as? Int, 100003)
    }

    func testGetItemsWithCAML() throws {
        let url = "\(root)/_api/web/lists/getbytitle('Tasks')/GetItems"
        let limited = try sp("POST", url, json: ["query": ["ViewXml": "<View><Query></Query><RowLimit>2</RowLimit></View>"]])
        XCTAssertEqual(values(limited).map { $0["ID"] as? Int }, [1, 2])
        let caml = "<View><Query><Where><Eq><FieldRef Name='Title'/><Value Type='Text'>Publish the news page</Value></Eq></Where></Query><RowLimit>10</RowLimit></View>"
        let matched = try sp("POST", url, json: ["query": ["__metadata": ["type": "SP.CamlQuery"], "ViewXml": caml]], accept: Self.verbose)
        let results = (matched.json["d"] as? [String: Any])?["results"] as? [[String: Any]] ?? []
        XCTAssertEqual(results.map { $0["ID"] as? Int }, [3], matched.text)
    }

    func testSubWebs() throws {
        let add = try sp("POST", "\(marketing)/_api/web/webs/add", json: ["parameters": [
            "Title": "Campaigns", "Url": "campaigns", "Description": "c", "WebTemplate": "STS#0", "Language": 1033,
            "UseSamePermissionsAsParentSite": true]])
        XCTAssertEqual(add.status, 200, add.text)
        XCTAssertEqual(add.json["Url"] as? String, "\(marketing)/campaigns")
        XCTAssertEqual(add.json["ServerRelativeUrl"] as? String, "/sites/marketing/campaigns")
        XCTAssertEqual(values(try sp("GET", "\(marketing)/_api/web/webs")).map { $0["Title"] as? String }, ["Campaigns"])
        let sub = try sp("GET", "\(marketing)/campaigns/_api/web")
        XCTAssertEqual(sub.json["Title"] as? String, "Campaigns")
        // The sub-web has its own lists; the site collection's digest is valid there.
        let info = try sp("POST", "\(marketing)/campaigns/_api/contextinfo")
        XCTAssertEqual(info.json["SiteFullUrl"] as? String, marketing)
        XCTAssertEqual(try sp("MERGE", "\(marketing)/campaigns/_api/web", json: ["Title": "Campaigns 2"]).status, 204)
        XCTAssertEqual(try sp("GET", "\(marketing)/campaigns/_api/web").json["Title"] as? String, "Campaigns 2")
        XCTAssertEqual(try sp("DELETE", "\(marketing)/campaigns/_api/web").status, 200)
        XCTAssertEqual(values(try sp("GET", "\(marketing)/_api/web/webs")).count, 0)
        // Gone: the URL now resolves to the parent, which has no such segment.
        XCTAssertEqual(try sp("GET", "\(marketing)/campaigns/_api/web").status, 404)
    }

    func testDelegatedTokenWithoutSharePointScopeIsDenied() throws {
        // A token for SharePoint holding only User.ReadWrite.All: no AllSites scope.
        let t = try XCTUnwrap(passwordToken(user: Fixtures.admin, scope: "https://contoso.sharepoint.com/User.ReadWrite.All")["access_token"] as? String)
        let r = try sp("GET", "\(root)/_api/web/lists", token: t)
        XCTAssertEqual(r.status, 403, r.text)
        XCTAssertEqual(spError(r).code, "-2147024891, System.UnauthorizedAccessException")
        XCTAssertEqual(spError(r).message, "Access denied. You do not have permission to perform this action or access this resource.")
    }

    func testThrottlingAndRequestLog() throws {
        XCTAssertEqual(try admin("faults", method: "POST", json: "{\"kind\":\"429\",\"count\":1,\"retryAfter\":5,\"host\":\"contoso.sharepoint.com\",\"path\":\"/sites/marketing/_api\"}").status, 201)
        let throttled = try sp("GET", "\(marketing)/_api/web/lists")
        XCTAssertEqual(throttled.status, 429)
        XCTAssertEqual(throttled.header("retry-after"), "5")
        XCTAssertEqual(spError(throttled).code, "-2147024860, Microsoft.SharePoint.SPRequestThrottledException")
        XCTAssertEqual(try sp("GET", "\(marketing)/_api/web/lists").status, 200)
        let log = try admin("requests?host=contoso.sharepoint.com&path=\(q("/sites/marketing/_api/web/lists"))").json["value"] as? [[String: Any]] ?? []
        XCTAssertEqual(log.map { $0["status"] as? Int }, [429, 200])
    }
}

/// App-only access with a read-only role: the certificate app granted only Sites.Read.All.
final class AppOnlySharePointTests: SharePointTestCase {
    static let seedPath = readOnlyAppSeed("sharepoint-readonly-seed.json")

    override func configure(_ config: inout EmulatorConfiguration) { config.seedPath = Self.seedPath }

    func testReadOnlyAppReadsButCannotWrite() throws {
        let app = try XCTUnwrap(certificateToken(scope: "https://contoso.sharepoint.com/.default").json["access_token"] as? String)
        XCTAssertEqual(TestJWT.claims(app)["roles"] as? [String], ["Sites.Read.All"])
        XCTAssertEqual(values(try sp("GET", "\(root)/_api/web/lists/getbytitle('Tasks')/items", token: app)).count, 3)
        let digest = try digest(root, token: app)
        for (method, url, body) in [("POST", "\(root)/_api/web/lists/getbytitle('Tasks')/items", ["Title": "x"] as [String: Any]),
                                    ("MERGE", "\(root)/_api/web/lists/getbytitle('Tasks')/items(1)", ["Title": "x"]),
                                    ("DELETE", "\(root)/_api/web/lists/getbytitle('Tasks')/items(1)", [:])] {
            let r = try sp(method, url, token: app, json: body.isEmpty ? nil : body, digest: digest)
            XCTAssertEqual(r.status, 403, "\(method) \(r.text)")
            XCTAssertEqual(spError(r).code, "-2147024891, System.UnauthorizedAccessException")
            XCTAssertEqual(spError(r).message, "Access denied. You do not have permission to perform this action or access this resource.")
        }
        // The delegated admin may still write.
        XCTAssertEqual(try sp("POST", "\(root)/_api/web/lists/getbytitle('Tasks')/items", json: ["Title": "ok"]).status, 201)
    }
}
