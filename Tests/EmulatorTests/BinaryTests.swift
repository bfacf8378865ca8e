import Foundation
import XCTest

/// Runs the real `m365-emulator` executable: ready line, --print-env, signals, restart, --background.
final class BinaryTests: XCTestCase {
    static var binary: String {
        if let p = ProcessInfo.processInfo.environment["M365_EMULATOR_BIN"] { return p }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/m365-emulator").path
    }

    var stateDir = ""

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            XCTFail("m365-emulator not built at \(Self.binary); run `swift build --product m365-emulator` or set M365_EMULATOR_BIN")
            throw XCTSkip("no binary")
        }
        stateDir = NSTemporaryDirectory() + "m365-emulator-bin-" + UUID().uuidString
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: stateDir)
    }

    struct Running {
        let process: Process
        let lines: [String]
        var env: [String: String] {
            var out: [String: String] = [:]
            for l in lines where l.hasPrefix("export ") {
                let kv = l.dropFirst(7).split(separator: "=", maxSplits: 1).map(String.init)
                if kv.count == 2 { out[kv[0]] = kv[1] }
            }
            return out
        }
    }

    /// Starts the binary and reads stdout until `count` lines arrived.
    func launch(_ args: [String], lines count: Int) throws -> Running {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        var buffer = Data()
        let handle = out.fileHandleForReading
        let deadline = Date().addingTimeInterval(60)
        while String(decoding: buffer, as: UTF8.self).split(separator: "\n").count < count && Date() < deadline {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
        }
        return Running(process: p, lines: String(decoding: buffer, as: UTF8.self).split(separator: "\n").map(String.init))
    }

    func stop(_ r: Running) -> Int32 {
        kill(r.process.processIdentifier, SIGTERM)
        r.process.waitUntilExit()
        return r.process.terminationStatus
    }

    func testReadyLineEnvSignalsAndCAReuse() throws {
        let r = try launch(["serve", "--port", "0", "--state-dir", stateDir, "--print-env"], lines: 7)
        XCTAssertTrue(r.lines.first?.hasPrefix("# m365-emulator listening on https://127.0.0.1:") == true, "\(r.lines)")
        let env = r.env
        let connect = try XCTUnwrap(env["M365_CONNECT_TO"])
        XCTAssertTrue(connect.hasPrefix("::127.0.0.1:"))
        XCTAssertEqual(env["M365_CA_BUNDLE"], stateDir + "/ca.pem")
        XCTAssertNotNil(env["IDENTITY_ENDPOINT"])
        XCTAssertNotNil(env["IDENTITY_HEADER"])
        // Every served host name verifies against the CA.
        for host in ["login.microsoftonline.com", "graph.microsoft.com", "contoso.sharepoint.com", "contoso-admin.sharepoint.com",
                     "contoso-my.sharepoint.com", "microsoft.com", "login.microsoftonline.us", "dod-graph.microsoft.us",
                     "microsoftgraph.chinacloudapi.cn", "fabrikam.sharepoint.us"] {
            let res = try Curl.run("https://\(host)/_emulator/health", caBundle: env["M365_CA_BUNDLE"], connectTo: connect)
            XCTAssertEqual(res.status, 200, "\(host): \(res.stderr)")
        }
        // Without the CA, verification fails: nothing is trusted by accident.
        let untrusted = try Curl.run("https://login.microsoftonline.com/_emulator/health", caBundle: nil, connectTo: connect)
        XCTAssertEqual(untrusted.exitCode, 60)
        XCTAssertEqual(stop(r), 0)

        let ca = try String(contentsOfFile: stateDir + "/ca.pem", encoding: .utf8)
        let key = try String(contentsOfFile: stateDir + "/signing-key.pem", encoding: .utf8)
        let again = try launch(["serve", "--state-dir", stateDir], lines: 1)
        XCTAssertTrue(again.lines.first?.hasPrefix("m365-emulator listening on https://127.0.0.1:") == true)
        XCTAssertEqual(try String(contentsOfFile: stateDir + "/ca.pem", encoding: .utf8), ca)
        XCTAssertEqual(try String(contentsOfFile: stateDir + "/signing-key.pem", encoding: .utf8), key)
        let port = again.lines.first!.split(separator: ":").dropFirst(2).first!.split(separator: " ").first!
        let res = try Curl.run("https://login.microsoftonline.com/common/discovery/instance", caBundle: stateDir + "/ca.pem",
                               connectTo: "::127.0.0.1:\(port)")
        XCTAssertEqual(res.status, 200, res.stderr)
        kill(again.process.processIdentifier, SIGINT)
        again.process.waitUntilExit()
        XCTAssertEqual(again.process.terminationStatus, 0)
    }

    func testBackgroundModeReturnsAndKeepsServing() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = ["serve", "--background", "--print-env", "--state-dir", stateDir]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        let env = Running(process: p, lines: lines).env
        let pid = try XCTUnwrap(env["M365_EMULATOR_PID"].flatMap { Int32($0) })
        defer { kill(pid, SIGTERM) }
        let res = try Curl.run("https://login.microsoftonline.com/common/discovery/instance", caBundle: env["M365_CA_BUNDLE"],
                               connectTo: env["M365_CONNECT_TO"])
        XCTAssertEqual(res.status, 200, res.stderr)
        XCTAssertEqual(kill(pid, SIGTERM), 0)
        var alive = true
        for _ in 0..<50 where alive {
            Thread.sleep(forTimeInterval: 0.1)
            alive = kill(pid, 0) == 0
        }
        XCTAssertFalse(alive, "the background server stops on SIGTERM")
    }

    func testUsageErrors() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = ["serve", "--fault", "teapot"]
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 2)
    }
}
