import PluginKit
import XCTest

final class ODataTests: XCTestCase {
    func testQuoteDoublesSingleQuotes() {
        XCTAssertEqual(OData.quote("Marketing"), "'Marketing'")
        XCTAssertEqual(OData.quote("O'Brien"), "'O''Brien'")
        XCTAssertEqual(OData.quote("''"), "''''''")
        XCTAssertEqual(OData.quote(""), "''")
        // Nothing else is touched: encoding is the query's job.
        XCTAssertEqual(OData.quote("a \"b\" & c/d?é"), "'a \"b\" & c/d?é'")
        XCTAssertEqual(OData.quote("e\u{301}'👍🏽"), "'e\u{301}''👍🏽'")
    }

    func testQueryEncodesValuesOnly() {
        XCTAssertEqual(OData.query([("$select", "id,displayName"), ("$filter", "displayName eq 'A B'")]),
                       "?$select=id%2CdisplayName&$filter=displayName%20eq%20%27A%20B%27")
        XCTAssertEqual(OData.query([("$top", "5")]), "?$top=5")
    }

    func testQueryLeavesOutNilValuesAndKeepsOrder() {
        XCTAssertEqual(OData.query([("a", nil), ("b", "2"), ("c", nil), ("d", "4")]), "?b=2&d=4")
        XCTAssertEqual(OData.query([("a", nil)]), "")
        XCTAssertEqual(OData.query([]), "")
        XCTAssertEqual(OData.query([("a", "")]), "?a=", "an empty value is still a value")
    }

    func testQueryPercentEncodesEverythingButUnreservedCharacters() {
        XCTAssertEqual(OData.query([("v", "AZaz09-._~")]), "?v=AZaz09-._~")
        XCTAssertEqual(OData.query([("v", " !\"#$%&'()*+,/:;=?@[]")]),
                       "?v=%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3D%3F%40%5B%5D")
        XCTAssertEqual(OData.query([("v", "é€👍")]), "?v=%C3%A9%E2%82%AC%F0%9F%91%8D")
        XCTAssertEqual(OData.query([("v", "a\nb\tc")]), "?v=a%0Ab%09c")
    }

    func testSegment() {
        XCTAssertEqual(OData.segment("adele@contoso.onmicrosoft.com"), "adele%40contoso.onmicrosoft.com")
        XCTAssertEqual(OData.segment("a/b?c#d"), "a%2Fb%3Fc%23d")
        XCTAssertEqual(OData.segment("o'neil+x y"), "o%27neil%2Bx%20y")
        XCTAssertEqual(OData.segment("4a1b2c3d-0000-4000-8000-00000000abcd"), "4a1b2c3d-0000-4000-8000-00000000abcd")
        XCTAssertEqual(OData.segment(""), "")
    }

    func testQuotedValueInAQuery() {
        // The usual pairing: a quoted literal in a filter, then encoded as a whole.
        XCTAssertEqual(OData.query([("$filter", "mail eq " + OData.quote("o'neil@x.com"))]), "?$filter=mail%20eq%20%27o%27%27neil%40x.com%27")
    }
}
