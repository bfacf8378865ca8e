@testable import GraphKit
@testable import PluginKit
import XCTest

/// The parts of Graph JSON batching that need no host: the request items, the answers' failure
/// text, Retry-After and the answer given to a request whose dependency failed.
final class GraphBatchRequestTests: XCTestCase {
    func testMinimalRequest() {
        let request = GraphBatchRequest(id: "1", method: "GET", url: "/users/a%40b.com?$select=id")
        XCTAssertEqual(request.json.serialized(), "{\"id\":\"1\",\"method\":\"GET\",\"url\":\"/users/a%40b.com?$select=id\"}")
        XCTAssertTrue(request.headers.isEmpty)
        XCTAssertNil(request.body)
        XCTAssertEqual(request.dependsOn, [])
    }

    func testABodyBringsAJSONContentType() {
        let request = GraphBatchRequest(id: "2", method: "POST", url: "/groups/g/members/$ref",
                                        body: ["@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/u"])
        XCTAssertEqual(request.headers, ["Content-Type": "application/json"])
        XCTAssertEqual(request.json.serialized(),
                       "{\"id\":\"2\",\"method\":\"POST\",\"url\":\"/groups/g/members/$ref\",\"headers\":{\"Content-Type\":\"application/json\"},"
                           + "\"body\":{\"@odata.id\":\"https://graph.microsoft.com/v1.0/directoryObjects/u\"}}")
    }

    func testAGivenContentTypeIsKept() {
        let request = GraphBatchRequest(id: "3", method: "PUT", url: "/x", headers: ["Content-Type": "text/plain", "If-Match": "*"], body: "text")
        XCTAssertEqual(request.headers.keys, ["Content-Type", "If-Match"])
        XCTAssertEqual(request.headers["Content-Type"], "text/plain")
    }

    func testHeadersWithoutABodyGetNoContentType() {
        let request = GraphBatchRequest(id: "4", method: "GET", url: "/users?$count=true", headers: ["ConsistencyLevel": "eventual"])
        XCTAssertEqual(request.headers, ["ConsistencyLevel": "eventual"])
        XCTAssertEqual(request.json.serialized(), "{\"id\":\"4\",\"method\":\"GET\",\"url\":\"/users?$count=true\",\"headers\":{\"ConsistencyLevel\":\"eventual\"}}")
    }

    func testDependsOnAndAJSONNullBody() {
        let request = GraphBatchRequest(id: "5", method: "PATCH", url: "/x", body: .null, dependsOn: ["3", "4"])
        // A null body is a body: it is sent, with its content type.
        XCTAssertEqual(request.json.serialized(),
                       "{\"id\":\"5\",\"method\":\"PATCH\",\"url\":\"/x\",\"headers\":{\"Content-Type\":\"application/json\"},\"body\":null,\"dependsOn\":[\"3\",\"4\"]}")
    }

    func testBodyAndHeadersChangedAfterInitAreSent() {
        var request = GraphBatchRequest(id: "6", method: "DELETE", url: "/x")
        request.dependsOn = ["1"]
        request.headers["If-Match"] = "W/\"1\""
        XCTAssertEqual(request.json.serialized(), "{\"id\":\"6\",\"method\":\"DELETE\",\"url\":\"/x\",\"headers\":{\"If-Match\":\"W/\\\"1\\\"\"},\"dependsOn\":[\"1\"]}")
    }
}

final class GraphBatchResponseTests: XCTestCase {
    private func response(_ status: Int, _ body: JSON?) -> GraphBatchResponse {
        GraphBatchResponse(id: "1", status: status, headers: [:], body: body)
    }

    func testSuccessRange() {
        XCTAssertEqual([199, 200, 201, 204, 299, 300, 304, 400, 424, 500].map { response($0, nil).isSuccess },
                       [false, true, true, true, true, false, false, false, false, false])
    }

    func testFailureMessageIsCodeAndMessage() {
        let body: JSON = ["error": ["code": "Request_ResourceNotFound", "message": "Resource 'x' does not exist."]]
        XCTAssertEqual(response(404, body).failureMessage, "Request_ResourceNotFound: Resource 'x' does not exist.")
    }

    func testFailureMessageOnOneLine() {
        let body: JSON = ["error": ["code": "BadRequest", "message": "Invalid value.\r\n  Line two.\nLine three."]]
        XCTAssertEqual(response(400, body).failureMessage, "BadRequest: Invalid value. Line two. Line three.")
    }

    func testFailureMessageWithWhatThereIs() {
        XCTAssertEqual(response(403, ["error": ["code": "Authorization_RequestDenied"]]).failureMessage, "Authorization_RequestDenied")
        XCTAssertEqual(response(403, ["error": ["message": "Insufficient privileges."]]).failureMessage, "Insufficient privileges.")
        XCTAssertEqual(response(409, ["error": ["code": "", "message": "Conflict."]]).failureMessage, "Conflict.")
        XCTAssertEqual(response(409, ["error": ["code": "Conflict", "message": ""]]).failureMessage, "Conflict")
    }

    func testFailureMessageOfOtherErrorShapes() {
        // SharePoint's OData v3 (`odata.error`, `message.value`) and the identity platform's.
        XCTAssertEqual(response(400, ["odata.error": ["code": "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
                                                      "message": ["lang": "en-US", "value": "The expression is not valid."]]]).failureMessage,
                       "-1, Microsoft.SharePoint.Client.InvalidClientQueryException: The expression is not valid.")
        XCTAssertEqual(response(400, ["error": ["code": "BadRequest", "message": ["value": "Two\r\nlines"]]]).failureMessage, "BadRequest: Two lines")
        XCTAssertEqual(response(401, ["error": "invalid_grant", "error_description": "AADSTS70000: bad grant.\r\nTrace ID: x"]).failureMessage,
                       "AADSTS70000: bad grant. Trace ID: x")
    }

    func testFailureMessageFallsBackToTheStatus() {
        XCTAssertEqual(response(500, nil).failureMessage, "HTTP 500")
        XCTAssertEqual(response(502, "<html>Bad gateway</html>").failureMessage, "HTTP 502")
        XCTAssertEqual(response(400, ["error": "just text"]).failureMessage, "HTTP 400")
        XCTAssertEqual(response(400, ["error": ["code": 42, "message": ["nested"]]]).failureMessage, "HTTP 400")
        XCTAssertEqual(response(429, ["error": ["code": "", "message": " "]]).failureMessage, "HTTP 429")
        XCTAssertEqual(response(404, ["value": []]).failureMessage, "HTTP 404")
    }
}

final class GraphBatchHelpersTests: XCTestCase {
    func testBatchLimitIsGraphs() {
        XCTAssertEqual(GraphClient.batchLimit, 20)
    }

    func testRetryAfter() {
        XCTAssertEqual(GraphClient.retryAfter(["Retry-After": "7"]), 7)
        XCTAssertEqual(GraphClient.retryAfter(["retry-after": " 2.5 "]), 2.5)
        XCTAssertEqual(GraphClient.retryAfter(["Content-Type": "application/json", "RETRY-AFTER": 3]), 3, "a number value, any case")
        XCTAssertEqual(GraphClient.retryAfter(["Retry-After": "0"]), 0)
        XCTAssertNil(GraphClient.retryAfter([:]))
        XCTAssertNil(GraphClient.retryAfter(["Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"]), "an HTTP date is not a number of seconds")
        XCTAssertNil(GraphClient.retryAfter(["Retry-After": true]))
        XCTAssertNil(GraphClient.retryAfter(["X-Retry-After": "5"]))
    }

    func testFailedDependencyAnswer() {
        let answer = GraphClient.failedDependency("7", on: "3")
        XCTAssertEqual(answer.id, "7")
        XCTAssertEqual(answer.status, 424)
        XCTAssertFalse(answer.isSuccess)
        XCTAssertTrue(answer.headers.isEmpty)
        XCTAssertEqual(answer.body, ["error": ["code": "FailedDependency", "message": "request '3', which this request depends on, failed"]])
        XCTAssertEqual(answer.failureMessage, "FailedDependency: request '3', which this request depends on, failed")
    }
}

final class GraphDeclarationsTests: XCTestCase {
    func testHeaders() {
        XCTAssertEqual(GraphClient.jsonHeaders.map { "\($0.name): \($0.value)" }, ["Accept: application/json;odata.metadata=none"])
        XCTAssertEqual(GraphClient.eventual.map { "\($0.name): \($0.value)" }, ["ConsistencyLevel: eventual"])
    }

    func testDialect() {
        XCTAssertEqual(GraphClient.dialect.name, "Microsoft Graph")
        XCTAssertEqual(GraphClient.dialect.headers.map { "\($0.name): \($0.value)" }, ["Accept: application/json;odata.metadata=none"])
        XCTAssertEqual(GraphClient.dialect.nextLink(["value": [], "@odata.nextLink": "https://graph.microsoft.com/v1.0/users?$skiptoken=x"]),
                       "https://graph.microsoft.com/v1.0/users?$skiptoken=x")
        XCTAssertNil(GraphClient.dialect.nextLink(["value": [], "odata.nextLink": "v3 style"]))
    }

    func testPropertiesOption() {
        XCTAssertEqual(propertiesOption, OptionSpec(name: "properties", short: "p", type: .string, description: "Comma-separated properties to retrieve"))
    }
}
