import Foundation
import XCTest

/// Output at scale, through the real binary and a plugin emitting many items
/// (Tests/Fixtures/emitter.c): every format streams a long list in bounded memory, and a single
/// large result costs about twice its size. Memory is the peak resident size the kernel reports
/// for the process (wait4), not a timing.
final class OutputScaleTests: XCTestCase {
    var harness: Harness!

    override func setUpWithError() throws {
        harness = try Harness(plugins: [])
        try Harness.compileCPlugin(into: harness.pluginDirectory, name: "libm365-emitter.so", extraFlags: ["-O2"],
                                   source: Harness.packageRoot + "/Tests/Fixtures/emitter.c")
    }

    override func tearDown() {
        harness.cleanUp()
    }

    /// Runs m365 with stdout to a file; its exit status and peak resident size in MiB. A small
    /// python parent starts it: a child started by this (large) test process with vfork would
    /// report this process's resident size as its own peak.
    private func peak(_ arguments: [String], output: URL) throws -> (status: Int32, mebibytes: Double) {
        let script = """
            import os, sys
            out = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            null = os.open(os.devnull, os.O_RDWR)
            pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ, file_actions=[
                (os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, out, 1), (os.POSIX_SPAWN_DUP2, null, 2)])
            _, status, usage = os.wait4(pid, 0)
            print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
            """
        let result = try harness.output(of: "/usr/bin/python3", ["-c", script, output.path, harness.binary.path] + arguments)
        let fields = result.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard fields.count == 2 else { throw HarnessError("unexpected answer from the measuring parent: \(result)") }
        return (Int32(fields[0]), fields[1] / 1024)
    }

    /// 200,000 items (about 40 MB as json): held as values they would take hundreds of MiB; each
    /// format must stay far below that, and print every item.
    func testEveryFormatStreamsALongListInBoundedMemory() throws {
        let count = 200_000
        let output = harness.root.appendingPathComponent("out")
        let expectedLines: [String: Int] = ["json": count * 13 + 2, "csv": count + 2, "text": count + 3, "md": count * 9 + 3]
        for format in ["json", "csv", "text", "md"] {
            let run = try peak(["emitter", "items", "--count", String(count), "--output", format], output: output)
            XCTAssertEqual(run.status, 0, format)
            XCTAssertLessThan(run.mebibytes, 64, "\(format) held the list: \(run.mebibytes) MiB")
            let lines = try lineCount(output)
            XCTAssertEqual(lines, expectedLines[format], format)
        }
    }

    /// One result of 50 MB printed as json: about twice its size at the peak, never a tree of values.
    func testALargeSingleResultPeaksAtAboutTwiceItsSize() throws {
        let output = harness.root.appendingPathComponent("big")
        let run = try peak(["emitter", "big", "--megabytes", "50"], output: output)
        XCTAssertEqual(run.status, 0)
        XCTAssertLessThan(run.mebibytes, 2 * 50 + 30, "peak \(run.mebibytes) MiB")
        let size = try FileManager.default.attributesOfItem(atPath: output.path)[.size] as? Int ?? 0
        XCTAssertGreaterThan(size, 50 << 20)
    }

    private func lineCount(_ file: URL) throws -> Int {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        var lines = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            lines += chunk.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        }
        return lines
    }
}
