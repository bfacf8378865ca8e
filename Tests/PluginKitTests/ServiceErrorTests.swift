@testable import PluginKit
import XCTest

/// The pure parts of ServiceClient.swift: reading error bodies, and where a page names the next.
final class ServiceErrorTests: XCTestCase {
    private func parse(_ json: JSON?) -> [String]? { ServiceError.parse(json).map { [$0.code, $0.message] } }

    func testGraphAndODataV4() {
        XCTAssertEqual(parse(["error": ["code": "Request_ResourceNotFound", "message": "Resource 'x' does not exist."]]),
                       ["Request_ResourceNotFound", "Resource 'x' does not exist."])
        XCTAssertEqual(parse(["error": ["code": "BadRequest"]]), ["BadRequest", ""])
        XCTAssertEqual(parse(["error": [:]]), ["", ""], "an error object without details is still an error")
    }

    func testSharePointODataV3LightAndVerbose() {
        XCTAssertEqual(parse(["odata.error": ["code": "-2147024894, System.IO.FileNotFoundException",
                                              "message": ["lang": "en-US", "value": "File Not Found."]]]),
                       ["-2147024894, System.IO.FileNotFoundException", "File Not Found."])
        XCTAssertEqual(parse(["error": ["code": "-1, Microsoft.SharePoint.Client.ResourceNotFoundException",
                                        "message": ["lang": "en-US", "value": "List does not exist."]]]),
                       ["-1, Microsoft.SharePoint.Client.ResourceNotFoundException", "List does not exist."])
        // odata.error wins over error when both are there.
        XCTAssertEqual(parse(["error": ["code": "b"], "odata.error": ["code": "a"]]), ["a", ""])
    }

    func testIdentityPlatform() {
        XCTAssertEqual(parse(["error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."]),
                       ["", "AADSTS7000215: Invalid client secret provided."])
        XCTAssertEqual(parse(["error_description": "only this"]), ["", "only this"])
    }

    func testBodiesThatAreNotErrors() {
        XCTAssertNil(parse(nil))
        XCTAssertNil(parse(.null))
        XCTAssertNil(parse("<html>"))
        XCTAssertNil(parse(["value": []]))
        XCTAssertNil(parse(["error": "invalid_grant"]), "a string error without a description")
        XCTAssertNil(parse(["error": ["not", "an", "object"]]))
        XCTAssertNil(parse(["error_description": 5]))
    }

    func testOddMemberTypesReadAsEmpty() {
        XCTAssertEqual(parse(["error": ["code": 404, "message": ["value": 1]]]), ["", ""])
        XCTAssertEqual(parse(["error": ["message": ["no value": "x"]]]), ["", ""])
    }

    // MARK: Paging

    private func dialect(_ keys: [String]) -> ServiceDialect {
        ServiceDialect(name: "Test", headers: [], nextLinkKeys: keys) { _, _, _, _ in PluginFailure("unused") }
    }

    func testNextLinkByKeyInOrderOfPreference() {
        let graph = dialect(["@odata.nextLink"])
        XCTAssertEqual(graph.nextLink(["value": [], "@odata.nextLink": "https://graph/next"]), "https://graph/next")
        XCTAssertNil(graph.nextLink(["value": []]))
        XCTAssertNil(graph.nextLink(["@odata.nextLink": ""]), "an empty link is no link")
        XCTAssertNil(graph.nextLink(["@odata.nextLink": 5]))

        let both = dialect(["odata.nextLink", "@odata.nextLink"])
        XCTAssertEqual(both.nextLink(["@odata.nextLink": "b", "odata.nextLink": "a"]), "a")
        XCTAssertEqual(both.nextLink(["@odata.nextLink": "b", "odata.nextLink": ""]), "b")
    }

    func testNextLinkOfSharePointVerboseJSON() {
        let sharePoint = dialect(["odata.nextLink"])
        XCTAssertEqual(sharePoint.nextLink(["d": ["results": [], "__next": "https://sp/next"]]), "https://sp/next")
        XCTAssertEqual(sharePoint.nextLink(["odata.nextLink": "first", "d": ["__next": "second"]]), "first")
        XCTAssertNil(sharePoint.nextLink(["d": ["results": []]]))
    }

    func testDialectDefaults() {
        let plain = dialect([])
        XCTAssertEqual(plain.name, "Test")
        XCTAssertEqual(plain.jsonContentType, "application/json")
    }
}
