import Foundation
import XCTest

/// `spo propertybag …`, `spo feature …`, `spo eventreceiver …` and the `spo web` extras
/// (rule/alert, clientsidewebpart, installedlanguage, reindex, retentionlabel) against the emulator.
final class SPOWebExtrasTests: SPOTestCase {
    /// "METHOD path?query" of the SharePoint requests under `prefix`, context info left out.
    func sent(_ prefix: String = "/") throws -> [String] {
        try spRequests(prefix).compactMap { r in
            let target = r["target"] as? String ?? r["path"] as? String ?? ""
            return target.lowercased().hasSuffix("/_api/contextinfo") ? nil : "\(r["method"] ?? "") \(target)"
        }
    }

    func clear() throws { try emulator.admin("requests", method: "DELETE") }

    /// Sites a test made: removed after it (out of the recycle bin too), so the shared emulator's
    /// site lists stay as other tests expect them.
    private var created: [String] = []

    override func tearDownWithError() throws {
        for url in created { try spo(["site", "remove", "--url", url, "--skipRecycleBin", "--force"]) }
        created = []
        try super.tearDownWithError()
    }

    /// A site collection of this test's own where scripts may run.
    func scriptSite() throws -> String {
        let path = "/sites/extras-\(UUID().uuidString.prefix(8).lowercased())"
        try spo(["site", "add", "--type", "CommunicationSite", "--url", Self.root + path, "--title", "Extras"])
        created.append(Self.root + path)
        try spo(["site", "set", "--url", Self.root + path, "--noScriptSite", "false"])
        return Self.root + path
    }

    func testPropertyBagSetGetListRemove() throws {
        let site = try scriptSite()
        try clear()
        try spo(["propertybag", "set", "--webUrl", site, "--key", "project", "--value", "Contoso"])
        XCTAssertEqual(try sent(), ["POST /sites\(site.split(separator: "/sites").last!)/_vti_bin/client.svc/ProcessQuery",
                                    "POST /sites\(site.split(separator: "/sites").last!)/_vti_bin/client.svc/ProcessQuery"],
                       "the web's identity, then SetFieldValue and Update")
        XCTAssertEqual(try spo(["propertybag", "get", "--webUrl", site, "--key", "project", "--output", "text"]).stdout, "Contoso\n")
        XCTAssertEqual(try spo(["propertybag", "get", "--webUrl", site, "--key", "vti_searchversion", "--output", "json"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines), "0",
                       "an Int32 system key as a number")
        let bag = try array(["propertybag", "list", "--webUrl", site])
        XCTAssertEqual(bag.first { $0["key"] as? String == "project" }?["value"] as? String, "Contoso")
        XCTAssertEqual(bag.first { $0["key"] as? String == "vti_defaultlanguage" }?["value"] as? String, "en-us")
        XCTAssertNil(bag.first { $0["key"] as? String == "_ObjectType_" })
        XCTAssertEqual(bag.first?.keys.sorted(), ["key", "value"])

        // A folder's bag: its own system keys, and a client's value.
        try spo(["propertybag", "set", "--webUrl", site, "--key", "reviewed", "--value", "true", "--folder", "Shared Documents"])
        let folder = try array(["propertybag", "list", "--webUrl", site, "--folder", "/Shared Documents"])
        XCTAssertEqual(folder.first { $0["key"] as? String == "reviewed" }?["value"] as? Bool, true, "\"true\" as a boolean, as the CLI prints it")
        XCTAssertEqual(folder.first { $0["key"] as? String == "vti_level" }?["value"] as? Int, 1)
        XCTAssertNotNil((folder.first { $0["key"] as? String == "vti_timecreated" }?["value"] as? String)?.range(of: #"^\d{4}-\d\d-\d\dT"#, options: .regularExpression))
        XCTAssertNil(try array(["propertybag", "list", "--webUrl", site]).first { $0["key"] as? String == "reviewed" }, "the folder's, not the web's")

        try spo(["propertybag", "remove", "--webUrl", site, "--key", "project", "--force"])
        XCTAssertEqual(try spo(["propertybag", "get", "--webUrl", site, "--key", "project"]).stdout, "", "gone: nothing printed")
        try fails(["propertybag", "list", "--webUrl", site, "--folder", "/Nowhere"], "File Not Found.")
        try fails(["propertybag", "remove", "--webUrl", site, "--key", "x"], exit: 2, "--force")

        // The root site is a no-script site: its web bag refuses writes, with the CLI's tip.
        let refused = try harness.run(["spo", "propertybag", "set", "--webUrl", Self.root, "--key", "k", "--value", "v"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("E_ACCESSDENIED"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("Tip: If a site has NoScript enabled"), refused.stderr)
    }

    func testWebReindexBumpsTheSearchVersion() throws {
        let site = try scriptSite()
        let path = String(site.dropFirst(Self.root.count))
        try clear()
        try spo(["web", "reindex", "--url", site])
        XCTAssertEqual(try sent(), ["POST \(path)/_vti_bin/client.svc/ProcessQuery", "POST \(path)/_vti_bin/client.svc/ProcessQuery",
                                    "GET \(path)/_api/web/allproperties", "POST \(path)/_vti_bin/client.svc/ProcessQuery"])
        try spo(["web", "reindex", "--url", site])
        XCTAssertEqual(try spo(["propertybag", "get", "--webUrl", site, "--key", "vti_searchversion", "--output", "text"]).stdout, "2\n")
    }

    func testFeatureListEnableDisable() throws {
        let site = try scriptSite()
        let path = String(site.dropFirst(Self.root.count))
        let mds = "87294c72-f260-42f3-a41b-981a2ffce37a"
        try clear()
        let features = try array(["feature", "list", "--webUrl", site])
        XCTAssertEqual(try sent(), ["GET \(path)/_api/Web/Features?$select=DisplayName,DefinitionId"])
        XCTAssertEqual(features.first?.keys.sorted(), ["DefinitionId", "DisplayName"])
        XCTAssertTrue(features.contains { $0["DisplayName"] as? String == "SitePages" })
        XCTAssertFalse(features.contains { $0["DefinitionId"] as? String == mds })
        try clear()
        try spo(["feature", "enable", "--webUrl", site, "--id", mds])
        XCTAssertEqual(try sent(), ["POST \(path)/_api/web/features/add(featureId=guid'\(mds)',force=false)"])
        XCTAssertTrue(try array(["feature", "list", "--webUrl", site]).contains { $0["DisplayName"] as? String == "MDSFeature" })
        try fails(["feature", "enable", "--webUrl", site, "--id", mds], "is already activated at scope")
        try spo(["feature", "enable", "--webUrl", site, "--id", mds, "--force"])
        try spo(["feature", "disable", "--webUrl", site, "--id", mds])
        XCTAssertFalse(try array(["feature", "list", "--webUrl", site]).contains { $0["DefinitionId"] as? String == mds })
        try fails(["feature", "disable", "--webUrl", site, "--id", mds], "is not activated at this scope")
        // Site scope: its own features; a web feature cannot go there.
        XCTAssertTrue(try array(["feature", "list", "--webUrl", site, "--scope", "Site"]).contains { $0["DisplayName"] as? String == "BaseSite" })
        try fails(["feature", "enable", "--webUrl", site, "--id", mds, "--scope", "site"], "is not installed in this farm, and cannot be added to this scope.")
        try spo(["feature", "enable", "--webUrl", site, "--id", "3bae86a2-776d-499d-9db8-fa4cdc7884f8", "--scope", "Site"])
        XCTAssertTrue(try array(["feature", "list", "--webUrl", site, "--scope", "Site"]).contains { $0["DisplayName"] as? String == "DocumentSet" })
        try fails(["feature", "enable", "--webUrl", site, "--id", "915c240e-a6cc-49b8-8b2c-0bff8b553ed3"], "is not installed in this farm")
        try fails(["feature", "list", "--webUrl", site, "--scope", "site"], exit: 2, "site is not a valid Feature scope. Allowed values are Site|Web")
        try fails(["feature", "enable", "--webUrl", site, "--id", "x"], exit: 2, "x is not a valid GUID for option id.")
    }

    func testEventReceiverListGetRemove() throws {
        let site = try scriptSite()
        let path = String(site.dropFirst(Self.root.count))
        try clear()
        let web = try array(["eventreceiver", "list", "--webUrl", site])
        XCTAssertEqual(try sent(), ["GET \(path)/_api/web/eventreceivers"])
        XCTAssertEqual(web.map { $0["ReceiverName"] as? String }, ["ListAddedReceiver", "FieldAddedReceiver"])
        XCTAssertEqual(web.first?.keys.sorted(), ["EventType", "ReceiverAssembly", "ReceiverClass", "ReceiverId", "ReceiverName", "ReceiverUrl",
                                                  "SequenceNumber", "Synchronization"])
        let text = try spo(["eventreceiver", "list", "--webUrl", site, "--output", "text"]).stdout
        XCTAssertEqual(header(text), ["ReceiverId", "ReceiverName"])
        let id = try XCTUnwrap(web.first?["ReceiverId"] as? String)
        try clear()
        XCTAssertEqual(try object(["eventreceiver", "get", "--webUrl", site, "--id", id])["ReceiverName"] as? String, "ListAddedReceiver")
        XCTAssertEqual(try object(["eventreceiver", "get", "--webUrl", site, "--name", "FieldAddedReceiver"])["EventType"] as? Int, 10101)
        XCTAssertEqual(try sent(), ["GET \(path)/_api/web/eventreceivers(guid'\(id)')",
                                    "GET \(path)/_api/web/eventreceivers?$filter=receivername%20eq%20'FieldAddedReceiver'"])
        let siteScoped = try array(["eventreceiver", "list", "--webUrl", site, "--scope", "site"])
        XCTAssertEqual(siteScoped.map { $0["ReceiverName"] as? String }, ["WebProvisionedReceiver", "SiteDeletingReceiver"])
        let library = try array(["eventreceiver", "list", "--webUrl", site, "--listTitle", "Documents"])
        XCTAssertEqual(library.map { $0["ReceiverName"] as? String }, ["ItemAddedReceiver"])
        try clear()
        try spo(["eventreceiver", "remove", "--webUrl", site, "--name", "ListAddedReceiver", "--force"])
        XCTAssertEqual(try sent().last, "DELETE \(path)/_api/web/eventreceivers('\(id)')")
        try fails(["eventreceiver", "get", "--webUrl", site, "--id", id], "The specified event receiver '\(id)' does not exist.")
        try fails(["eventreceiver", "get", "--webUrl", site, "--name", "ListAddedReceiver"], "The specified event receiver 'ListAddedReceiver' does not exist.")
        try spo(["eventreceiver", "remove", "--webUrl", site, "--listTitle", "Documents", "--name", "ItemAddedReceiver", "--force"])
        XCTAssertEqual(try array(["eventreceiver", "list", "--webUrl", site, "--listTitle", "Documents"]).count, 0)
        try fails(["eventreceiver", "list", "--webUrl", site, "--scope", "site", "--listTitle", "Documents"], exit: 2,
                  "Scope cannot be set to site when retrieving list event receivers.")
        try fails(["eventreceiver", "list", "--webUrl", site, "--listId", "x"], exit: 2, "x is not a valid GUID")
    }

    func testWebRuleListAndRemove() throws {
        try clear()
        let alerts = try array(["web", "rule", "list", "--webUrl", Self.root])
        XCTAssertEqual(try sent(), ["GET /_api/web/alerts?$expand=List,User,List/Rootfolder,Item&$select=*,List/Id,List/Title,List/Rootfolder/ServerRelativeUrl,Item/ID,Item/FileRef,Item/Guid"])
        XCTAssertFalse(alerts.isEmpty)
        let first = try XCTUnwrap(alerts.first)
        XCTAssertEqual(Set(first.keys), ["AlertFrequency", "AlertTemplateName", "AlertType", "AlwaysNotify", "DeliveryChannels", "EventType", "Filter",
                                         "ID", "Properties", "Status", "Title", "UserId", "Item", "List", "User"])
        XCTAssertNotNil((first["List"] as? [String: Any])?["RootFolder"])
        if let item = alerts.first(where: { $0["Item"] is [String: Any] })?["Item"] as? [String: Any] {
            XCTAssertNil(item["ID"], "the CLI drops the item's ID twin")
            XCTAssertNotNil(item["Id"])
        } else { XCTFail("an item alert is seeded") }
        let text = try spo(["web", "alert", "list", "--webUrl", Self.root, "--output", "text"]).stdout
        XCTAssertEqual(header(text), ["ID", "Title", "UserPrincipalName"], "alert is the rule commands' alias")
        let upn = try XCTUnwrap((first["User"] as? [String: Any])?["UserPrincipalName"] as? String)
        try clear()
        let mine = try array(["web", "rule", "list", "--webUrl", Self.root, "--userName", upn])
        XCTAssertTrue(mine.allSatisfy { ($0["User"] as? [String: Any])?["UserPrincipalName"] as? String == upn })
        let filtered = try sent().first ?? ""
        XCTAssertTrue(filtered.hasSuffix("&$filter=User/UserPrincipalName%20eq%20'\(upn.replacingOccurrences(of: "@", with: "%40"))'"), filtered)
        let id = try XCTUnwrap(first["ID"] as? String)
        try clear()
        try spo(["web", "rule", "remove", "--webUrl", Self.root, "--id", id, "--force"])
        XCTAssertEqual(try sent(), ["DELETE /_api/web/Alerts/DeleteAlert('\(id)')"])
        XCTAssertFalse(try array(["web", "rule", "list", "--webUrl", Self.root]).contains { $0["ID"] as? String == id })
        try fails(["web", "alert", "remove", "--webUrl", Self.root, "--id", id, "--force"], "The alert you are trying to access does not exist or has just been deleted.")
        try fails(["web", "rule", "list", "--webUrl", Self.root, "--listId", "x"], exit: 2, "--listId")
    }

    func testWebPartsLanguagesAndRetentionLabels() throws {
        try clear()
        let parts = try array(["web", "clientsidewebpart", "list", "--webUrl", Self.root])
        XCTAssertEqual(try sent(), ["GET /_api/web/GetClientSideWebParts"])
        XCTAssertEqual(parts.first?.keys.sorted(), ["Id", "Name", "Title"])
        XCTAssertEqual(parts.first { $0["Name"] as? String == "NewsWebPart" }?["Title"] as? String, "News")
        XCTAssertEqual(parts.first { $0["Name"] as? String == "NewsWebPart" }?["Id"] as? String, "8c88f208-6c77-4bdb-86a0-0c47b4316588")
        XCTAssertFalse(parts.contains { $0["Name"] as? String == "SiteHeaderApplicationCustomizer" }, "an extension is no web part")

        try clear()
        let languages = try array(["web", "installedlanguage", "list", "--webUrl", Self.root])
        XCTAssertEqual(try sent(), ["GET /_api/web/RegionalSettings/InstalledLanguages"])
        XCTAssertEqual(languages.first?["LanguageTag"] as? String, "en-US")
        XCTAssertEqual(languages.first?["Lcid"] as? Int, 1033)
        XCTAssertEqual(header(try spo(["web", "installedlanguage", "list", "--webUrl", Self.root, "--output", "text"]).stdout),
                       ["DisplayName", "LanguageTag", "Lcid"])

        try clear()
        let labels = try array(["web", "retentionlabel", "list", "--webUrl", Self.root])
        XCTAssertEqual(try sent(), ["GET /_api/SP.CompliancePolicy.SPPolicyStoreProxy.GetAvailableTagsForSite(siteUrl=@a1)?@a1='https%3A%2F%2Fcontoso.sharepoint.com'"])
        XCTAssertEqual(labels.map { $0["TagName"] as? String }, ["Business records", "Contracts", "Temporary"])
        XCTAssertEqual(header(try spo(["web", "retentionlabel", "list", "--webUrl", Self.root, "--output", "text"]).stdout), ["TagId", "TagName"])
    }
}
