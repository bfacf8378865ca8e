import Foundation
import XCTest

/// docs/compatibility.md is generated from the installed commands and the CLI's command list;
/// it must say what this build has.
final class CompatibilityTableTests: XCTestCase {
    func testTheCompatibilityTableIsCurrent() throws {
        XCTAssertNoThrow(try Harness.runTool("/usr/bin/env", ["python3", Harness.packageRoot + "/scripts/compatibility.py", Harness.installPrefix, "--check"]))
    }
}
