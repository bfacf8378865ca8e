import PluginKit
@testable import SPO
import XCTest

/// CSOMRequest: ProcessQuery request documents built from object paths and actions.
final class CSOMRequestTests: XCTestCase {
    private let head = "<Request AddExpandoFieldTypeSuffix=\"true\" SchemaVersion=\"15.0.0.0\" LibraryVersion=\"16.0.0.0\" ApplicationName=\"m365\" xmlns=\"http://schemas.microsoft.com/sharepoint/clientquery/2009\">"

    private func document(actions: String, paths: String) -> String {
        head + "<Actions>" + actions + "</Actions><ObjectPaths>" + paths + "</ObjectPaths></Request>"
    }

    func testEmptyRequest() {
        let request = CSOMRequest()
        XCTAssertTrue(request.isEmpty)
        XCTAssertEqual(request.xml(applicationName: "m365"), document(actions: "", paths: ""))
    }

    /// People and lookups as `listitem batch set` sets them (CLI for Microsoft 365's shapes):
    /// a FieldLookupValue parameter, and an array of FieldUserValue objects.
    func testStructuresAsParametersAndInArrays() {
        var request = CSOMRequest()
        let item = request.identity("x:list:l:item:1,1")
        let lookup = CSOMRequest.Value.structure(typeId: "{f1d34cc0-9b50-4a78-be78-d5facfcccfb7}", [("LookupId", .int32(5)), ("LookupValue", .null)])
        request.call("SetFieldValue", on: item, [.string("Project"), lookup])
        request.call("SetFieldValue", on: item, [.string("Owners"), .array([
            .structure(typeId: "{c956ab54-16bd-4c18-89d2-996f57282a6f}", [("Email", .null), ("LookupId", .int32(7)), ("LookupValue", .null)]),
        ])])
        XCTAssertEqual(request.xml(applicationName: "m365"), document(
            actions: "<Method Name=\"SetFieldValue\" Id=\"2\" ObjectPathId=\"1\"><Parameters><Parameter Type=\"String\">Project</Parameter>"
                + "<Parameter TypeId=\"{f1d34cc0-9b50-4a78-be78-d5facfcccfb7}\"><Property Name=\"LookupId\" Type=\"Int32\">5</Property>"
                + "<Property Name=\"LookupValue\" Type=\"Null\"></Property></Parameter></Parameters></Method>"
                + "<Method Name=\"SetFieldValue\" Id=\"3\" ObjectPathId=\"1\"><Parameters><Parameter Type=\"String\">Owners</Parameter>"
                + "<Parameter Type=\"Array\"><Object TypeId=\"{c956ab54-16bd-4c18-89d2-996f57282a6f}\"><Property Name=\"Email\" Type=\"Null\"></Property>"
                + "<Property Name=\"LookupId\" Type=\"Int32\">7</Property><Property Name=\"LookupValue\" Type=\"Null\"></Property></Object></Parameter>"
                + "</Parameters></Method>",
            paths: "<Identity Id=\"1\" Name=\"x:list:l:item:1,1\" />"))
    }

    func testPathsAndActionsShareOneSequenceOfIds() {
        var request = CSOMRequest()
        let tenant = request.constructor(typeId: "{268004ae-ef6b-4e9b-8425-127220d84719}")
        XCTAssertTrue(request.isEmpty, "a path alone is not an action")
        XCTAssertEqual(request.objectPath(tenant), 2)
        XCTAssertFalse(request.isEmpty)
        let site = request.method("GetSitePropertiesByUrl", of: tenant, [.string("https://contoso.sharepoint.com/sites/a"), .bool(false)])
        XCTAssertEqual(request.query(site, properties: ["Title", "Url"]), 4)
        let web = request.property("RootWeb", of: site)
        XCTAssertEqual(request.call("Update", on: site), 6)
        request.set("Title", on: web, .string("New"))
        let found = request.identity("740c6a0b-85e2-48a0-a494-e0f1759d4aa7|908bed80-a04a-4433-b4a0-883d9847d110:site:x")
        XCTAssertEqual(request.query(found, children: true), 9)
        XCTAssertNotEqual(site, web)

        XCTAssertEqual(request.xml(applicationName: "m365"), document(
            actions: "<ObjectPath Id=\"2\" ObjectPathId=\"1\" />"
                + "<Query Id=\"4\" ObjectPathId=\"3\"><Query SelectAllProperties=\"false\"><Properties>"
                + "<Property Name=\"Title\" ScalarProperty=\"true\" /><Property Name=\"Url\" ScalarProperty=\"true\" />"
                + "</Properties></Query></Query>"
                + "<Method Name=\"Update\" Id=\"6\" ObjectPathId=\"3\"></Method>"
                + "<SetProperty Id=\"7\" ObjectPathId=\"5\" Name=\"Title\"><Parameter Type=\"String\">New</Parameter></SetProperty>"
                + "<Query Id=\"9\" ObjectPathId=\"8\"><Query SelectAllProperties=\"true\"><Properties /></Query>"
                + "<ChildItemQuery SelectAllProperties=\"true\"><Properties /></ChildItemQuery></Query>",
            paths: "<Constructor Id=\"1\" TypeId=\"{268004ae-ef6b-4e9b-8425-127220d84719}\" />"
                + "<Method Id=\"3\" ParentId=\"1\" Name=\"GetSitePropertiesByUrl\"><Parameters>"
                + "<Parameter Type=\"String\">https://contoso.sharepoint.com/sites/a</Parameter><Parameter Type=\"Boolean\">false</Parameter>"
                + "</Parameters></Method>"
                + "<Property Id=\"5\" ParentId=\"3\" Name=\"RootWeb\" />"
                + "<Identity Id=\"8\" Name=\"740c6a0b-85e2-48a0-a494-e0f1759d4aa7|908bed80-a04a-4433-b4a0-883d9847d110:site:x\" />"))
    }

    func testQueryOfNoNamedProperties() {
        var request = CSOMRequest()
        let tenant = request.constructor(typeId: "{t}")
        _ = request.query(tenant, properties: [])
        XCTAssertEqual(request.xml(applicationName: "m365"), document(
            actions: "<Query Id=\"2\" ObjectPathId=\"1\"><Query SelectAllProperties=\"false\"><Properties></Properties></Query></Query>",
            paths: "<Constructor Id=\"1\" TypeId=\"{t}\" />"))
    }

    func testEscape() {
        XCTAssertEqual(CSOMRequest.escape("a&b<c>d\"e'f\ng\rh"), "a&amp;b&lt;c&gt;d&quot;e&apos;f&#xA;g&#xD;h")
        XCTAssertEqual(CSOMRequest.escape("x\r\ny"), "x&#xD;&#xA;y", "a CRLF is two characters to escape")
        XCTAssertEqual(CSOMRequest.escape("Été ☃ 👍🏽 &amp;"), "Été ☃ 👍🏽 &amp;amp;")
        XCTAssertEqual(CSOMRequest.escape(""), "")
    }

    func testEveryNameAndTextIsEscaped() {
        var request = CSOMRequest()
        let root = request.identity("id\n1|<a>")
        let child = request.property("P&Q", of: root)
        let result = request.method("M\"1", of: child, [.string("<v & 'w'>")])
        _ = request.query(result, properties: ["A<B"])
        request.call("C'D", on: result, [.guid("a&b")])
        request.set("E>F", on: result, .structure(typeId: "{s}", [("N&M", .string("x\"y"))]))
        let xml = request.xml(applicationName: "my \"app\" & co")
        XCTAssertTrue(xml.contains("ApplicationName=\"my &quot;app&quot; &amp; co\""), xml)
        XCTAssertTrue(xml.contains("<Identity Id=\"1\" Name=\"id&#xA;1|&lt;a&gt;\" />"), xml)
        XCTAssertTrue(xml.contains("<Property Id=\"2\" ParentId=\"1\" Name=\"P&amp;Q\" />"), xml)
        XCTAssertTrue(xml.contains("<Method Id=\"3\" ParentId=\"2\" Name=\"M&quot;1\"><Parameters><Parameter Type=\"String\">&lt;v &amp; &apos;w&apos;&gt;</Parameter></Parameters></Method>"), xml)
        XCTAssertTrue(xml.contains("<Property Name=\"A&lt;B\" ScalarProperty=\"true\" />"), xml)
        XCTAssertTrue(xml.contains("<Method Name=\"C&apos;D\" Id=\"5\" ObjectPathId=\"3\"><Parameters><Parameter Type=\"Guid\">{a&amp;b}</Parameter></Parameters></Method>"), xml)
        XCTAssertTrue(xml.contains("<SetProperty Id=\"6\" ObjectPathId=\"3\" Name=\"E&gt;F\"><Parameter TypeId=\"{s}\"><Property Name=\"N&amp;M\" Type=\"String\">x&quot;y</Property></Parameter></SetProperty>"), xml)
        // Nothing raw is left between the markup.
        XCTAssertFalse(xml.contains("<v"), xml)
        XCTAssertFalse(xml.contains("\n"), xml)
    }

    /// The parameters of one method call, as the request document writes them.
    private func parameters(_ values: [CSOMRequest.Value]) -> String {
        var request = CSOMRequest()
        let root = request.constructor(typeId: "{r}")
        request.call("M", on: root, values)
        let xml = request.xml(applicationName: "m365")
        let start = xml.range(of: "<Method Name=\"M\" Id=\"2\" ObjectPathId=\"1\">")!.upperBound
        let end = xml.range(of: "</Method>", range: start..<xml.endIndex)!.lowerBound
        return String(xml[start..<end])
    }

    func testScalarParameterTypes() {
        XCTAssertEqual(parameters([]), "")
        XCTAssertEqual(parameters([.string("s"), .bool(true), .bool(false)]),
                       "<Parameters><Parameter Type=\"String\">s</Parameter><Parameter Type=\"Boolean\">true</Parameter><Parameter Type=\"Boolean\">false</Parameter></Parameters>")
        XCTAssertEqual(parameters([.int32(-5), .int64(1 << 40), .uint32(4_000_000_000), .enumeration(3)]),
                       "<Parameters><Parameter Type=\"Int32\">-5</Parameter><Parameter Type=\"Int64\">1099511627776</Parameter>"
                           + "<Parameter Type=\"UInt32\">4000000000</Parameter><Parameter Type=\"Enum\">3</Parameter></Parameters>")
        XCTAssertEqual(parameters([.guid("268004ae-ef6b-4e9b-8425-127220d84719"), .null]),
                       "<Parameters><Parameter Type=\"Guid\">{268004ae-ef6b-4e9b-8425-127220d84719}</Parameter><Parameter Type=\"Null\" /></Parameters>")
    }

    func testDoublesPrintWholeNumbersWithoutAFraction() {
        XCTAssertEqual(parameters([.double(0), .double(-0.0), .double(2), .double(-300)]),
                       "<Parameters><Parameter Type=\"Double\">0</Parameter><Parameter Type=\"Double\">0</Parameter>"
                           + "<Parameter Type=\"Double\">2</Parameter><Parameter Type=\"Double\">-300</Parameter></Parameters>")
        XCTAssertEqual(parameters([.double(1.5), .double(-0.25)]),
                       "<Parameters><Parameter Type=\"Double\">1.5</Parameter><Parameter Type=\"Double\">-0.25</Parameter></Parameters>")
        XCTAssertEqual(parameters([.double(123_456_789_012_345)]), "<Parameters><Parameter Type=\"Double\">123456789012345</Parameter></Parameters>")
    }

    func testArrayParameter() {
        XCTAssertEqual(parameters([.array([.string("a<"), .int32(1), .null, .array([.bool(true)])])]),
                       "<Parameters><Parameter Type=\"Array\"><Object Type=\"String\">a&lt;</Object><Object Type=\"Int32\">1</Object>"
                           + "<Object Type=\"Null\"></Object><Object Type=\"Array\"><Object Type=\"Boolean\">true</Object></Object></Parameter></Parameters>")
        XCTAssertEqual(parameters([.array([])]), "<Parameters><Parameter Type=\"Array\"></Parameter></Parameters>")
    }

    func testStructureParameter() {
        let properties = CSOMRequest.Value.structure(typeId: "{11f84fff-b8cf-47b6-8b50-34e692656606}", [
            ("Url", .string("https://contoso.sharepoint.com/sites/a&b")), ("Lcid", .uint32(1033)), ("StorageMaximumLevel", .int64(100)),
            ("UserCodeMaximumLevel", .double(0)), ("Owner", .null), ("Template", .string("STS#3")),
        ])
        XCTAssertEqual(parameters([properties]),
                       "<Parameters><Parameter TypeId=\"{11f84fff-b8cf-47b6-8b50-34e692656606}\">"
                           + "<Property Name=\"Url\" Type=\"String\">https://contoso.sharepoint.com/sites/a&amp;b</Property>"
                           + "<Property Name=\"Lcid\" Type=\"UInt32\">1033</Property>"
                           + "<Property Name=\"StorageMaximumLevel\" Type=\"Int64\">100</Property>"
                           + "<Property Name=\"UserCodeMaximumLevel\" Type=\"Double\">0</Property>"
                           + "<Property Name=\"Owner\" Type=\"Null\"></Property>"
                           + "<Property Name=\"Template\" Type=\"String\">STS#3</Property>"
                           + "</Parameter></Parameters>")
        XCTAssertEqual(parameters([.structure(typeId: "{e}", [])]), "<Parameters><Parameter TypeId=\"{e}\"></Parameter></Parameters>")
    }

    func testMethodPathWithoutParameters() {
        var request = CSOMRequest()
        let root = request.constructor(typeId: "{r}")
        let sites = request.method("GetSites", of: root)
        request.objectPath(sites)
        XCTAssertEqual(request.xml(applicationName: "m365"), document(
            actions: "<ObjectPath Id=\"3\" ObjectPathId=\"2\" />",
            paths: "<Constructor Id=\"1\" TypeId=\"{r}\" /><Method Id=\"2\" ParentId=\"1\" Name=\"GetSites\"></Method>"))
    }
}

/// CSOMResponse: reading a ProcessQuery answer by action id.
final class CSOMResponseTests: XCTestCase {
    private let header = "{\"SchemaVersion\":\"15.0.0.0\",\"LibraryVersion\":\"16.0.24817.12003\",\"ErrorInfo\":null,\"TraceCorrelationId\":\"a1\"}"

    private func parsed(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> CSOMResponse? {
        switch CSOMResponse.parse(Array(text.utf8)) {
        case let .success(response): return response
        case let .failure(error):
            XCTFail("unexpected failure: \(error.message)", file: file, line: line)
            return nil
        }
    }

    private func parseError(_ text: String) -> CSOMError? { parseError(bytes: Array(text.utf8)) }

    private func parseError(bytes: [UInt8]) -> CSOMError? {
        if case let .failure(error) = CSOMResponse.parse(bytes) { return error }
        return nil
    }

    private func assertNotCSOM(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let error = parseError(text) else { return XCTFail("parsed: \(text.prefix(80))", file: file, line: line) }
        XCTAssertEqual(error.message, "SharePoint sent a ProcessQuery answer that is not a CSOM result array", file: file, line: line)
        XCTAssertEqual(error.code, 0, file: file, line: line)
        XCTAssertEqual(error.typeName, "", file: file, line: line)
        XCTAssertFalse(error.isAccessDenied, file: file, line: line)
        XCTAssertFalse(error.isNotFound, file: file, line: line)
    }

    private func failure<T>(_ body: () throws(PluginFailure) -> T) -> PluginFailure? {
        do throws(PluginFailure) {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }

    func testResultsByActionId() {
        guard let response = parsed("[" + header + ",2,{\"IsNull\":false},4,{\"_ObjectType_\":\"SP.Site\",\"Title\":\"T\",\"Url\":\"https://x\"},5,\"hello\",6,[1,2],7,null]") else { return }
        XCTAssertEqual(response[2], ["IsNull": false])
        XCTAssertEqual(response[5], "hello")
        XCTAssertEqual(response[6], [1, 2])
        XCTAssertEqual(response[7], .null, "a null result is there, as null")
        XCTAssertNil(response[3], "3 is a result, not an id")
        XCTAssertNil(response[1])
        XCTAssertNil(response[99])
    }

    func testObjectResult() throws {
        guard let response = parsed("[" + header + ",4,{\"Title\":\"T\"},5,\"text\"]") else { return }
        XCTAssertEqual(try response.object(4, "site").serializedForTest, "{\"Title\":\"T\"}")
        for id in [5, 99] {
            let error = failure { () throws(PluginFailure) in try response.object(id, "site properties") }
            XCTAssertEqual(error?.description, "SharePoint's ProcessQuery answer has no site properties")
            XCTAssertEqual(error?.status, M365_ERR_SERVER)
        }
    }

    func testWhitespaceByteOrderMarkAndPrettyPrinting() {
        guard let response = parsed("\u{FEFF} [\n  " + header + " ,\n  3 , { \"a\" : [ 1 , \"é\" ] }\n] \n") else { return }
        XCTAssertEqual(response[3], ["a": [1, "é"]])
    }

    func testIdsThatAreNotNumbersAreSkippedPairwise() {
        guard let response = parsed("[" + header + ",\"x\",{\"a\":1},3,{\"b\":2},4]") else { return }
        XCTAssertNil(response[1])
        XCTAssertEqual(response[3], ["b": 2])
        XCTAssertNil(response[4], "an id without a result")
    }

    func testResultsThatAreNumbersAreNotTakenForIds() {
        guard let response = parsed("[" + header + ",5,42,6,7,8,-1]") else { return }
        XCTAssertEqual(response[5], 42)
        XCTAssertEqual(response[6], 7)
        XCTAssertEqual(response[8], -1)
        XCTAssertNil(response[42])
        XCTAssertNil(response[7])
    }

    func testARepeatedIdKeepsTheLastResult() {
        guard let response = parsed("[" + header + ",3,\"first\",3,\"second\"]") else { return }
        XCTAssertEqual(response[3], "second")
    }

    func testHeaderOnly() {
        guard let response = parsed("[" + header + "]") else { return }
        XCTAssertNil(response[1])
    }

    func testErrorInfoBecomesTheFailure() {
        let body = "[{\"SchemaVersion\":\"15.0.0.0\",\"ErrorInfo\":{\"ErrorMessage\":\"Access denied. You do not have permission.\",\"ErrorValue\":null,"
            + "\"TraceCorrelationId\":\"b2\",\"ErrorCode\":-2147024891,\"ErrorTypeName\":\"System.UnauthorizedAccessException\"},\"TraceCorrelationId\":\"b2\"},"
            + "2,{\"IsNull\":false}]"
        guard let error = parseError(body) else { return XCTFail("an ErrorInfo answer parsed") }
        XCTAssertEqual(error.message, "Access denied. You do not have permission.")
        XCTAssertEqual(error.code, -2147024891)
        XCTAssertEqual(error.typeName, "System.UnauthorizedAccessException")
        XCTAssertTrue(error.isAccessDenied)
        XCTAssertFalse(error.isNotFound)
    }

    func testErrorInfoWithoutDetails() {
        guard let error = parseError("[{\"ErrorInfo\":{}}]") else { return XCTFail("an ErrorInfo answer parsed") }
        XCTAssertEqual(error.message, "SharePoint reported an error without a message")
        XCTAssertEqual(error.code, 0)
        XCTAssertEqual(error.typeName, "")
        // Present but of the wrong types: the same defaults.
        guard let odd = parseError("[{\"ErrorInfo\":{\"ErrorMessage\":7,\"ErrorCode\":\"x\",\"ErrorTypeName\":null}}]") else { return XCTFail("parsed") }
        XCTAssertEqual(odd.message, "SharePoint reported an error without a message")
        XCTAssertEqual(odd.code, 0)
        XCTAssertEqual(odd.typeName, "")
    }

    func testErrorKinds() {
        func error(_ code: Int, _ typeName: String) -> CSOMError? {
            parseError("[{\"ErrorInfo\":{\"ErrorMessage\":\"m\",\"ErrorCode\":\(code),\"ErrorTypeName\":\"\(typeName)\"}}]")
        }
        XCTAssertEqual(error(-1, "Microsoft.Online.SharePoint.Common.SpoNoSiteException")?.isNotFound, true)
        XCTAssertEqual(error(-2130575338, "System.IO.FileNotFoundException")?.isNotFound, true)
        XCTAssertEqual(error(-2147024894, "Microsoft.SharePoint.SPException")?.isNotFound, true)
        XCTAssertEqual(error(-2147024891, "Microsoft.SharePoint.SPException")?.isAccessDenied, true)
        XCTAssertEqual(error(-1, "Microsoft.SharePoint.Client.UnauthorizedAccessException")?.isAccessDenied, true)
        let other = error(-2146232832, "Microsoft.SharePoint.SPFieldValidationException")
        XCTAssertEqual(other?.isNotFound, false)
        XCTAssertEqual(other?.isAccessDenied, false)
        // An ErrorInfo that is not an object is not an error.
        XCTAssertNotNil(parsed("[{\"ErrorInfo\":\"boom\"},1,2]"))
    }

    func testAnswersThatAreNotCSOM() {
        assertNotCSOM("")
        assertNotCSOM("   ")
        assertNotCSOM("{}")
        assertNotCSOM("[]")
        assertNotCSOM("[1,2]")
        assertNotCSOM("[\"header\"]")
        assertNotCSOM("[null]")
        assertNotCSOM("[{}")
        assertNotCSOM("[{},1,{}] extra")
        assertNotCSOM("[{},1,{},]")
        assertNotCSOM("<!DOCTYPE html><html><body>Sorry, something went wrong</body></html>")
        // Every element is checked up front, even a result nobody asks for.
        assertNotCSOM("[{},1,{\"a\":tru}]")
        assertNotCSOM("[{},1,\"unterminated]")
        XCTAssertNotNil(parseError(bytes: [0x5B, 0x7B, 0x7D, 0x2C, 0x22, 0xFF, 0x22, 0x5D]), "invalid UTF-8 in a string")
    }

    private func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }

    func testResultNestingIsLimited() {
        // A result may nest as deep as the JSON parser allows, inside the answer's own array.
        let deepest = JSON.maximumNestingDepth
        guard let response = parsed("[" + header + ",1," + nested(deepest) + "]") else { return }
        XCTAssertNotNil(response[1])
        assertNotCSOM("[" + header + ",1," + nested(deepest + 1) + "]")
        // Far deeper input fails the same way instead of exhausting the stack.
        assertNotCSOM("[" + header + ",1," + String(repeating: "[", count: 200_000))
        assertNotCSOM("[" + String(repeating: "{\"a\":", count: 100_000))
    }

    // MARK: Collections

    /// Reads a collection the way the site listing does: items and other members, then each text.
    private func texts(_ response: CSOMResponse, _ id: Int) throws(PluginFailure) -> (items: [String], others: JSONObject) {
        let (ranges, others) = try response.children(of: id)
        var items: [String] = []
        try response.forEachText(ranges) { (text: UnsafeRawBufferPointer) throws(PluginFailure) in items.append(String(decoding: text, as: UTF8.self)) }
        return (items, others)
    }

    func testChildrenHandOverEachItemsText() throws {
        let body = "[" + header + ",4,{\"_ObjectType_\":\"SP.SPOSitePropertiesEnumerable\",\"NextStartIndexFromSharePoint\":\"2\","
            + "\"_Child_Items_\":[{\"Url\":\"https:\\/\\/a\"}, {\"Url\" : \"https://b\",\"n\":[1]}]}]"
        guard let response = parsed(body) else { return }
        let (items, others) = try texts(response, 4)
        XCTAssertEqual(items, ["{\"Url\":\"https:\\/\\/a\"}", "{\"Url\" : \"https://b\",\"n\":[1]}"], "the text as SharePoint sent it")
        XCTAssertEqual(others.keys, ["_ObjectType_", "NextStartIndexFromSharePoint"])
        XCTAssertEqual(others["NextStartIndexFromSharePoint"], "2")
    }

    func testChildrenOfAnEmptyCollection() throws {
        guard let response = parsed("[" + header + ",4,{\"_Child_Items_\":[]}]") else { return }
        let (items, others) = try texts(response, 4)
        XCTAssertEqual(items, [])
        XCTAssertTrue(others.isEmpty)
    }

    func testChildrenFailures() {
        guard let response = parsed("[" + header + ",4,{\"Title\":\"not a collection\"},5,[1],6,{\"_Child_Items_\":{}}]") else { return }
        let missing = failure { () throws(PluginFailure) in _ = try response.children(of: 9) }
        XCTAssertEqual(missing?.description, "SharePoint's ProcessQuery answer has no collection")
        XCTAssertEqual(missing?.status, M365_ERR_SERVER)

        let noItems = failure { () throws(PluginFailure) in _ = try response.children(of: 4) }
        XCTAssertEqual(noItems?.status, M365_ERR_SERVER)
        XCTAssertTrue(noItems?.description.hasPrefix("SharePoint sent a collection without _Child_Items_ (Invalid JSON: no '_Child_Items_' member") == true,
                      noItems?.description ?? "")

        let notObject = failure { () throws(PluginFailure) in _ = try response.children(of: 5) }
        XCTAssertTrue(notObject?.description.hasPrefix("SharePoint sent a collection without _Child_Items_ (Invalid JSON: expected an object") == true,
                      notObject?.description ?? "")

        let notArray = failure { () throws(PluginFailure) in _ = try response.children(of: 6) }
        XCTAssertTrue(notArray?.description.hasPrefix("SharePoint sent a collection without _Child_Items_ (Invalid JSON: '_Child_Items_' is not an array") == true,
                      notArray?.description ?? "")
    }

    func testForEachTextStopsAtTheFirstRefusalAndRethrowsIt() throws {
        guard let response = parsed("[" + header + ",4,{\"_Child_Items_\":[1,2,3],\"After\":true}]") else { return }
        let (ranges, others) = try response.children(of: 4)
        XCTAssertEqual(others["After"], true, "members after the items are read before any item is handed over")
        var seen: [String] = []
        let error = failure { () throws(PluginFailure) in
            try response.forEachText(ranges) { (text: UnsafeRawBufferPointer) throws(PluginFailure) in
                seen.append(String(decoding: text, as: UTF8.self))
                throw PluginFailure("stop at \(seen.count)", status: M365_ERR_CANCELLED)
            }
        }
        XCTAssertEqual(seen, ["1"])
        XCTAssertEqual(error?.description, "stop at 1")
        XCTAssertEqual(error?.status, M365_ERR_CANCELLED)
    }
}

private extension JSONObject {
    var serializedForTest: String { JSON.object(self).serialized() }
}
