import Foundation

/// The real `m365-emulator` binary, started on random ports with a private state directory, and
/// the environment a client needs to reach it (what `--print-env` prints). Shared by every test
/// target that talks to the emulator over HTTPS.
public final class EmulatorProcess {
    public let process = Process()
    public let stateDirectory: URL
    /// `M365_CONNECT_TO`, `M365_CA_BUNDLE`, `IDENTITY_ENDPOINT`, … as the emulator printed them.
    public private(set) var environment: [String: String] = [:]

    public var connectTo: String { environment["M365_CONNECT_TO"]! }
    public var caBundle: String { environment["M365_CA_BUNDLE"]! }
    public var port: Int { Int(connectTo.split(separator: ":").last!)! }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The emulator's built-in seed (`m365-emulator default-seed`), for tests that start an
    /// emulator on a changed copy of it.
    public static func defaultSeed() throws -> Data {
        guard let binary = binary() else { throw Failure(description: "m365-emulator is not built: run the tests with 'make test' (or set M365_EMULATOR_BIN)") }
        let dump = Process()
        dump.executableURL = URL(fileURLWithPath: binary)
        dump.arguments = ["default-seed"]
        let out = Pipe()
        dump.standardOutput = out
        try dump.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        dump.waitUntilExit()
        return data
    }

    /// The binary: $M365_EMULATOR_BIN, the staged install of `make test` ($M365_TEST_PREFIX),
    /// the build directory next to the test bundle, else .build/debug of the package.
    public static func binary() -> String? {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let path = environment["M365_EMULATOR_BIN"], !path.isEmpty { candidates.append(path) }
        if let prefix = environment["M365_TEST_PREFIX"], !prefix.isEmpty { candidates.append(prefix + "/bin/m365-emulator") }
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
            for _ in 0..<4 {
                candidates.append(directory.appendingPathComponent("m365-emulator").path)
                directory = directory.deletingLastPathComponent()
            }
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/m365-emulator").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public init(arguments extra: [String] = []) throws {
        guard let binary = Self.binary() else {
            throw Failure(description: "m365-emulator is not built: run the tests with 'make test' (or set M365_EMULATOR_BIN)")
        }
        stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("m365-emu-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--port", "0", "--mi-port", "0", "--state-dir", stateDirectory.path, "--print-env"] + extra
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Read the printed lines until the environment is complete (the server then listens).
        var text = ""
        let handle = out.fileHandleForReading
        while environment["M365_CA_BUNDLE"] == nil || environment["M365_CONNECT_TO"] == nil || environment["IDENTITY_HEADER"] == nil {
            let chunk = handle.availableData
            guard !chunk.isEmpty else {
                process.terminate()
                throw Failure(description: "m365-emulator exited before it was ready: \(text)")
            }
            text += String(decoding: chunk, as: UTF8.self)
            for line in text.split(separator: "\n") where line.hasPrefix("export ") {
                let pair = line.dropFirst(7).split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2 else { continue }
                var value = pair[1]
                if value.hasPrefix("'") && value.hasSuffix("'") && value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                environment[pair[0]] = value
            }
        }
    }

    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: stateDirectory)
    }

    /// Calls an admin endpoint (`/_emulator/…`) over HTTPS with curl, as a script would.
    @discardableResult
    public func admin(_ path: String, method: String = "GET", json: String? = nil) throws -> Any? {
        var arguments = ["-sS", "--fail-with-body", "--cacert", caBundle, "--connect-to", connectTo,
                         "-X", method, "https://login.microsoftonline.com/_emulator/\(path)"]
        if let json { arguments += ["-H", "Content-Type: application/json", "--data-binary", json] }
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = arguments
        let out = Pipe()
        curl.standardOutput = out
        try curl.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        curl.waitUntilExit()
        guard curl.terminationStatus == 0 else { throw Failure(description: "admin \(path) failed: \(String(decoding: data, as: UTF8.self))") }
        return data.isEmpty ? nil : try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }

    /// The requests the emulator saw, optionally only those whose path starts with `prefix`.
    public func requests(pathPrefix prefix: String = "") throws -> [[String: Any]] {
        let answer = try admin("requests")
        let all = (answer as? [String: Any])?["value"] as? [[String: Any]] ?? []
        return all.filter { ($0["path"] as? String ?? "").hasPrefix(prefix) }
    }
}
