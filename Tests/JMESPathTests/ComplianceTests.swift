import Foundation
import JMESPath
import JSONModel
import XCTest

/// Runs the official JMESPath compliance suite (shared/conformance/jmespath) case by case.
final class ComplianceTests: XCTestCase {
    /// `M365_CONFORMANCE_DIR` wins; otherwise `shared/conformance/jmespath` beside the package
    /// root or beside one of its ancestors (a clone elsewhere, e.g. under /tmp, finds the
    /// workspace's copy at /work/shared).
    static var suiteDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["M365_CONFORMANCE_DIR"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // JMESPathTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // package root
        var candidates: [URL] = []
        var directory = packageRoot
        while directory.path != "/" {
            candidates.append(directory.deletingLastPathComponent().appendingPathComponent("shared/conformance/jmespath"))
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(URL(fileURLWithPath: "/work/shared/conformance/jmespath"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }?.standardizedFileURL ?? candidates[0].standardizedFileURL
    }

    func testComplianceSuite() throws {
        let directory = Self.suiteDirectory
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let suites = files.filter { $0.hasSuffix(".json") }.sorted()
        guard !suites.isEmpty else {
            XCTFail("JMESPath compliance suite not found at \(directory.path); set M365_CONFORMANCE_DIR")
            return
        }

        var total = 0
        var passed = 0
        for file in suites {
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            let document = try JSON.parse(bytes: data)
            guard case .array(let groups) = document else {
                // schema.json describes the file format; it is an object, not a list of cases.
                XCTAssertNotNil(document["type"], "\(file) is neither a case list nor the suite's JSON schema")
                continue
            }
            var fileCases = 0
            for group in groups {
                let given = group["given"] ?? .null
                for testCase in group["cases"]?.arrayValue ?? [] {
                    fileCases += 1
                    if run(testCase, given: given, file: file) { passed += 1 }
                }
            }
            XCTAssertGreaterThan(fileCases, 0, "\(file) has no cases")
            total += fileCases
        }
        print("JMESPath compliance: \(passed)/\(total) cases passed in \(suites.count) files from \(directory.path)")
        XCTAssertEqual(passed, total, "JMESPath compliance: \(total - passed) of \(total) cases failed")
        XCTAssertGreaterThanOrEqual(total, 908, "the compliance suite has fewer cases than expected")
    }

    /// Runs one case; returns whether it passed (and records an XCTest failure if not).
    private func run(_ testCase: JSON, given: JSON, file: String) -> Bool {
        let expression = testCase["expression"]?.stringValue ?? ""
        let where_ = "\(file): \(expression.debugDescription)"
        do {
            let compiled = try JMESPathExpression(expression)
            let actual = try compiled.search(given)
            if let expectedError = testCase["error"]?.stringValue {
                XCTFail("\(where_): expected error \(expectedError), got \(actual.serialized())")
                return false
            }
            if testCase["bench"] != nil { return true }  // benchmarks only need to evaluate
            guard let expected = testCase["result"] else {
                XCTFail("\(where_): case has neither result, error nor bench")
                return false
            }
            guard actual == expected else {
                XCTFail("\(where_): expected \(expected.serialized()), got \(actual.serialized())")
                return false
            }
            return true
        } catch {
            guard let expectedError = testCase["error"]?.stringValue else {
                XCTFail("\(where_): unexpected error \(error)")
                return false
            }
            guard error.kind.rawValue == expectedError else {
                XCTFail("\(where_): expected error \(expectedError), got \(error.kind.rawValue) (\(error))")
                return false
            }
            return true
        }
    }
}
