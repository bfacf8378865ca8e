import Foundation
import XCTest
@_exported import TestSupport

/// Runs the real, installed `m365` binary in an isolated home, the way a user's shell would.
struct Harness {
    /// The staged install (`make test` sets M365_TEST_PREFIX): bin/m365 and lib/m365/plugins.
    static let installPrefix: String = {
        if let prefix = ProcessInfo.processInfo.environment["M365_TEST_PREFIX"] { return prefix }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/stage").path
    }()

    static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// A private prefix (copy of bin/m365 and the plugins) and M365_HOME for one test.
    let root: URL
    var prefix: URL { root.appendingPathComponent("prefix") }
    var home: URL { root.appendingPathComponent("home") }
    var pluginDirectory: URL { prefix.appendingPathComponent("lib/m365/plugins") }
    var binary: URL { prefix.appendingPathComponent("bin/m365") }
    var environment: [String: String] = [:]

    init(plugins: [String] = ["libm365-spo.so", "libm365-aad.so", "libm365-graph.so"]) throws {
        let fm = FileManager.default
        root = fm.temporaryDirectory.appendingPathComponent("m365-e2e-\(UUID().uuidString)")
        let source = URL(fileURLWithPath: Harness.installPrefix)
        guard fm.fileExists(atPath: source.appendingPathComponent("bin/m365").path) else {
            throw HarnessError("no staged install at \(source.path): run the tests with 'make test'")
        }
        try fm.createDirectory(at: prefix.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try fm.createDirectory(at: pluginDirectory, withIntermediateDirectories: true)
        try fm.createDirectory(at: home, withIntermediateDirectories: true)
        try fm.copyItem(at: source.appendingPathComponent("bin/m365"), to: binary)
        for plugin in plugins {
            try fm.copyItem(at: source.appendingPathComponent("lib/m365/plugins/\(plugin)"), to: pluginDirectory.appendingPathComponent(plugin))
        }
        for directory in [root, prefix, prefix.appendingPathComponent("lib"), prefix.appendingPathComponent("lib/m365"), pluginDirectory] {
            try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        }
        environment = [
            "PATH": "/usr/bin:/bin",
            "HOME": home.path,
            "M365_HOME": home.appendingPathComponent("m365").path,
            "XDG_DATA_HOME": home.appendingPathComponent("share").path,
            "LANG": "C.UTF-8",
        ]
    }

    func cleanUp() {
        try? FileManager.default.removeItem(at: root)
    }

    @discardableResult
    func run(_ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = environment.merging(extra) { _, new in new }
        process.currentDirectoryURL = root
        // Output goes to files, not pipes: a large output can never block the child.
        let outFile = root.appendingPathComponent("stdout-\(UUID().uuidString)")
        let errFile = root.appendingPathComponent("stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outFile.path, contents: nil)
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: outFile)
        let errHandle = try FileHandle(forWritingTo: errFile)
        let input = Pipe()
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        let outData = try Data(contentsOf: outFile)
        let errData = try Data(contentsOf: errFile)
        try? FileManager.default.removeItem(at: outFile)
        try? FileManager.default.removeItem(at: errFile)
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    /// M365_ABI_MINOR of the plugin header: the ABI this host speaks.
    static let abiMinor: Int = {
        let header = (try? String(contentsOfFile: packageRoot + "/Sources/PluginAPI/include/m365_plugin.h", encoding: .utf8)) ?? ""
        let line = header.split(separator: "\n").first { $0.hasPrefix("#define M365_ABI_MINOR ") }
        return line.flatMap { $0.split(separator: " ").last }.flatMap { Int($0) } ?? -1
    }()

    /// Compiles the C example plugin with `cc` into `directory` (as libm365-widgets.so by default).
    static func compileCPlugin(into directory: URL, name: String = "libm365-widgets.so", extraFlags: [String] = [], source: String? = nil) throws -> URL {
        let output = directory.appendingPathComponent(name)
        let sourcePath = source ?? packageRoot + "/Examples/c-plugin/widgets.c"
        try runTool("/usr/bin/cc", ["-std=c11", "-Wall", "-Werror", "-shared", "-fPIC", "-fvisibility=hidden",
                                    "-I", packageRoot + "/Sources/PluginAPI/include", "-o", output.path, sourcePath] + extraFlags)
        return output
    }

    /// Runs a tool with the harness's environment and types `stdin` once its output shows
    /// `prompt` (so a terminal has turned echo off by then); returns stdout and stderr.
    func runTool(_ path: String, _ arguments: [String], stdin: String, after prompt: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = root
        let input = Pipe()
        let output = root.appendingPathComponent("tool-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardInput = input
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        for _ in 0..<200 where !(String(decoding: (try? Data(contentsOf: output)) ?? Data(), as: UTF8.self).contains(prompt)) {
            usleep(50_000)
        }
        input.fileHandleForWriting.write(Data(stdin.utf8))
        process.waitUntilExit()
        try input.fileHandleForWriting.close()
        try handle.close()
        defer { try? FileManager.default.removeItem(at: output) }
        return String(decoding: try Data(contentsOf: output), as: UTF8.self)
    }

    /// Runs a tool with the harness's environment; its stdout (it must exit 0).
    func output(of path: String, _ arguments: [String]) throws -> String {
        try Self.runTool(path, arguments, environment: environment, directory: root)
    }

    /// Runs a tool that must succeed (its stderr is the error otherwise); its stdout.
    @discardableResult
    static func runTool(_ path: String, _ arguments: [String], environment: [String: String]? = nil, directory: URL? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = directory }
        // stderr to a file, stdout read here: neither pipe can fill up and block the tool.
        let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("tool-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errFile) }
        let errHandle = try FileHandle(forWritingTo: errFile)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = errHandle
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errHandle.close()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: (try? Data(contentsOf: errFile)) ?? Data(), as: UTF8.self)
            throw HarnessError("\(path) \(arguments.joined(separator: " ")) failed: \(message)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Harness.Result {
    /// stdout parsed as JSON (Foundation), for structural checks.
    func json() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(stdout.utf8), options: [.fragmentsAllowed])
    }
}
