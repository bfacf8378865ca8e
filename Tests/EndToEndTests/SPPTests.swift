import Foundation
import XCTest

/// `spp …` (SharePoint Premium): content centers, models, publications and autofill columns
/// against the emulator's content center (`/sites/contentcenter`).
final class SPPTests: SPOTestCase {
    override class var service: String? { "spp" }
    static let center = root + "/sites/contentcenter"

    func sent(_ prefix: String = "/") throws -> [String] {
        try spRequests(prefix).compactMap { r in
            let target = r["target"] as? String ?? r["path"] as? String ?? ""
            return target.lowercased().hasSuffix("/_api/contextinfo") ? nil : "\(r["method"] ?? "") \(target)"
        }
    }

    func clear() throws { try emulator.admin("requests", method: "DELETE") }

    /// A document library of this test's own, removed after it.
    private var libraries: [String] = []
    override func tearDownWithError() throws {
        for title in libraries { try m365(["spo", "list", "remove", "--webUrl", Self.root, "--title", title, "--force"]) }
        libraries = []
        try super.tearDownWithError()
    }

    func library() throws -> String {
        let title = "SPP-\(UUID().uuidString.prefix(8))"
        try m365(["spo", "list", "add", "--webUrl", Self.root, "--title", title, "--baseTemplate", "DocumentLibrary"])
        libraries.append(title)
        return title
    }

    func testContentCenterList() throws {
        try clear()
        let centers = try array(["contentcenter", "list"])
        XCTAssertEqual(centers.map { $0["Url"] as? String }, [Self.center], "only the sites with the content center template")
        XCTAssertEqual(centers.first?["Title"] as? String, "Syntex Content Center")
        XCTAssertEqual(centers.first?["Template"] as? String, "CONTENTCTR#0")
        XCTAssertEqual(try sent().filter { !$0.contains("contextinfo") }, ["POST /_vti_bin/client.svc/ProcessQuery"])
        let text = try m365(["spp", "contentcenter", "list", "--output", "text"]).stdout
        XCTAssertEqual(header(text), ["Title", "Url"])
        XCTAssertTrue(text.contains("Syntex Content Center") && text.contains(Self.center), text)
    }

    func testModelListAndGet() throws {
        try clear()
        let models = try array(["model", "list", "--siteUrl", Self.center])
        XCTAssertEqual(try sent(), ["GET /sites/contentcenter/_api/web?$select=WebTemplateConfiguration",
                                    "GET /sites/contentcenter/_api/machinelearning/models"])
        let invoice = try XCTUnwrap(models.first { $0["ContentTypeName"] as? String == "Invoice" })
        XCTAssertEqual(invoice["ID"] as? Int, 1)
        XCTAssertEqual(invoice["ContentTypeGroup"] as? String, "Intelligent Document Content Types")
        XCTAssertEqual(invoice["ConfidenceScore"] as? String, #"{"trainingStatus":{"kind":"original","ClassifierStatus":{"TrainingStatus":"success"}},"modelAccuracy":{"Classifier":1}}"#,
                       "list keeps the JSON-in-string properties as strings")
        XCTAssertTrue(models.contains { $0["ContentTypeName"] as? String == "Contract" })
        let text = try m365(["spp", "model", "list", "--siteUrl", Self.center, "--output", "text"]).stdout
        XCTAssertEqual(header(text), ["AIBuilderHybridModelType", "ContentTypeName", "LastTrained", "UniqueId"])

        // get by title (lower-cased, .classifier added) and by id; JSON properties parsed.
        try clear()
        let byTitle = try object(["model", "get", "--siteUrl", Self.center, "--title", "Invoice"])
        XCTAssertEqual(try sent(), ["GET /sites/contentcenter/_api/web?$select=WebTemplateConfiguration",
                                    "GET /sites/contentcenter/_api/machinelearning/models/getbytitle('invoice.classifier')"])
        XCTAssertEqual((byTitle["ConfidenceScore"] as? [String: Any])?["modelAccuracy"] as? [String: Int], ["Classifier": 1])
        XCTAssertEqual((byTitle["Schemas"] as? [String: Any])?["Version"] as? Int, 2)
        XCTAssertNil(byTitle["Publications"])
        let id = try XCTUnwrap(byTitle["UniqueId"] as? String)
        try clear()
        let byId = try object(["model", "get", "--siteUrl", Self.center, "--id", id, "--withPublications"])
        XCTAssertEqual(try sent(), ["GET /sites/contentcenter/_api/web?$select=WebTemplateConfiguration",
                                    "GET /sites/contentcenter/_api/machinelearning/models/getbyuniqueid('\(id)')",
                                    "GET /sites/contentcenter/_api/machinelearning/publications/getbymodeluniqueid('\(id)')"])
        XCTAssertEqual(byId["ContentTypeName"] as? String, "Invoice")
        XCTAssertNotNil(byId["Publications"] as? [Any])

        // Errors: not a content center, unknown title/id, bad id, both selectors.
        try fails(["model", "list", "--siteUrl", Self.root], "\(Self.root) is not a content site.")
        try fails(["model", "get", "--siteUrl", Self.center, "--title", "Nope"], "Model 'Nope' was not found.")
        try fails(["model", "get", "--siteUrl", Self.center, "--id", "9b1b1e42-794b-4c71-93ac-5ed92488b67f"], "File Not Found.")
        try fails(["model", "get", "--siteUrl", Self.center, "--id", "foo"], exit: 2, "foo is not a valid GUID for option 'id'.")
        try fails(["model", "get", "--siteUrl", Self.center, "--id", id, "--title", "Invoice"], exit: 2, "id")
        try fails(["model", "list", "--siteUrl", "foo"], exit: 2, "'foo' is not a valid SharePoint Online site URL.")
    }

    func testModelApplyShowsInPublications() throws {
        let title = try library()
        try clear()
        try m365(["spp", "model", "apply", "--webUrl", Self.root, "--contentCenterUrl", Self.center, "--title", "Contract", "--listTitle", title])
        let requests = try sent()
        XCTAssertEqual(requests.count, 4, "\(requests)")
        XCTAssertEqual(Array(requests.prefix(2)), ["GET /sites/contentcenter/_api/web?$select=WebTemplateConfiguration",
                                                   "GET /sites/contentcenter/_api/machinelearning/models/getbytitle('contract.classifier')"])
        XCTAssertEqual(requests[2], "GET /_api/web/lists/getByTitle('\(title)')?$select=BaseType,RootFolder/ServerRelativeUrl&$expand=RootFolder")
        XCTAssertEqual(requests[3], "POST /sites/contentcenter/_api/machinelearning/publications")

        let model = try object(["model", "get", "--siteUrl", Self.center, "--title", "Contract", "--withPublications"])
        let publication = try XCTUnwrap((model["Publications"] as? [[String: Any]])?.first { $0["TargetLibraryName"] as? String == title })
        XCTAssertEqual(publication["ModelName"] as? String, "Contract.classifier")
        XCTAssertEqual(publication["ViewOption"] as? String, "NewViewAsDefault", "the default view option")
        XCTAssertEqual(publication["TargetSiteUrl"] as? String, Self.root)
        XCTAssertEqual(publication["TargetLibraryServerRelativeUrl"] as? String, "/\(title)")
        XCTAssertEqual(publication["StatusCode"] as? Int, nil)
        // Applying again syncs the one publication (its view option changes).
        try m365(["spp", "model", "apply", "--webUrl", Self.root, "--contentCenterUrl", Self.center, "--title", "contract",
                  "--listTitle", title, "--viewOption", "TileViewAsDefault"])
        let again = try object(["model", "get", "--siteUrl", Self.center, "--title", "Contract", "--withPublications"])
        let mine = (again["Publications"] as? [[String: Any]] ?? []).filter { $0["TargetLibraryName"] as? String == title }
        XCTAssertEqual(mine.map { $0["ViewOption"] as? String }, ["TileViewAsDefault"])

        try fails(["model", "apply", "--webUrl", Self.root, "--contentCenterUrl", Self.center, "--title", "Contract", "--listTitle", "Nope-SPP"],
                  "List 'Nope-SPP' does not exist")
        try fails(["model", "apply", "--webUrl", Self.root, "--contentCenterUrl", Self.center, "--title", "Contract", "--listTitle", title,
                   "--viewOption", "Bad"], exit: 2, "Bad")
    }

    func testModelRemove() throws {
        try clear()
        try m365(["spp", "model", "remove", "--siteUrl", Self.center, "--title", "Retired", "--force"])
        XCTAssertEqual(try sent(), ["GET /sites/contentcenter/_api/web?$select=WebTemplateConfiguration",
                                    "DELETE /sites/contentcenter/_api/machinelearning/models/getbytitle('retired.classifier')"])
        XCTAssertFalse(try array(["model", "list", "--siteUrl", Self.center]).contains { $0["ContentTypeName"] as? String == "Retired" })
        try fails(["model", "remove", "--siteUrl", Self.center, "--title", "Retired", "--force"], "Model not found.")

        let obsolete = try XCTUnwrap(try array(["model", "list", "--siteUrl", Self.center]).first { $0["ContentTypeName"] as? String == "Obsolete" })
        let id = try XCTUnwrap(obsolete["UniqueId"] as? String)
        try clear()
        try m365(["spp", "model", "remove", "--siteUrl", Self.center, "--id", id, "--force"])
        XCTAssertEqual(try sent().last, "DELETE /sites/contentcenter/_api/machinelearning/models/getbyuniqueid('\(id)')")
        try fails(["model", "remove", "--siteUrl", Self.center, "--id", id, "--force"], "File Not Found.")
        try fails(["model", "remove", "--siteUrl", Self.center, "--title", "Invoice"], exit: 2, "--force")
    }

    func testAutofillColumnSet() throws {
        let title = try library()
        try m365(["spo", "field", "add", "--webUrl", Self.root, "--listTitle", title, "--xml",
                  #"<Field Type="Note" DisplayName="Summary" Name="Summary" />"#])
        try clear()
        try m365(["spp", "autofillcolumn", "set", "--siteUrl", Self.root, "--listTitle", title, "--columnTitle", "Summary",
                  "--prompt", "Summarize the document"])
        let requests = try sent()
        XCTAssertEqual(requests.count, 3, "\(requests)")
        XCTAssertEqual(requests[0], "GET /_api/web/lists/getByTitle('\(title)')?$select=Id,BaseType")
        XCTAssertTrue(requests[1].hasPrefix("GET /_api/web/lists(guid'") && requests[1].hasSuffix("')/fields/getbyinternalnameortitle('Summary')?&$select=Id,Title,FieldTypeKind,AutofillInfo"), requests[1])
        XCTAssertEqual(requests[2], "POST /_api/machinelearning/SetSyntexPoweredColumnPrompts")

        func info() throws -> String? {
            try jsonObject(["spo", "field", "get", "--webUrl", Self.root, "--listTitle", title, "--title", "Summary"])["AutofillInfo"] as? String
        }
        XCTAssertEqual(try info(), #"{"LLM":{"Prompt":"Summarize the document","IsEnabled":true}}"#, "the column's AutofillInfo")

        // Already an autofill column: SetColumnLLMInfo, the prompt kept when not given.
        try clear()
        try m365(["spp", "autofillcolumn", "set", "--siteUrl", Self.root, "--listTitle", title, "--columnInternalName", "Summary",
                  "--isEnabled", "false"])
        XCTAssertEqual(try sent().last, "POST /_api/machinelearning/SetColumnLLMInfo")
        XCTAssertEqual(try info(), #"{"LLM":{"Prompt":"Summarize the document","IsEnabled":false}}"#)

        // Errors: first time without a prompt, a column of a wrong type, not a library, no such column.
        try m365(["spo", "field", "add", "--webUrl", Self.root, "--listTitle", title, "--xml",
                  #"<Field Type="Text" DisplayName="Vendor" Name="Vendor" />"#])
        try fails(["autofillcolumn", "set", "--siteUrl", Self.root, "--listTitle", title, "--columnTitle", "Vendor"],
                  "The prompt parameter is required when setting the autofill column for the first time.")
        try fails(["autofillcolumn", "set", "--siteUrl", Self.root, "--listTitle", title, "--columnTitle", "Author", "--prompt", "x"],
                  "The specified column has incorrect type.")
        try fails(["autofillcolumn", "set", "--siteUrl", Self.root, "--listTitle", title, "--columnTitle", "Nope", "--prompt", "x"],
                  "Column 'Nope' does not exist.")
        try fails(["autofillcolumn", "set", "--siteUrl", Self.root, "--listTitle", title, "--columnTitle", "Vendor", "--columnId",
                   "9b1b1e42-794b-4c71-93ac-5ed92488b67f", "--prompt", "x"], exit: 2, "columnId")
    }
}
