import Foundation
import XCTest

/// The real `m365-emulator` binary from the staged install, started on a random port with a
/// private state directory, and the environment a client needs to reach it.
final class EmulatorProcess {
    let process = Process()
    let stateDirectory: URL
    /// `M365_CONNECT_TO`, `M365_CA_BUNDLE`, `IDENTITY_ENDPOINT`, … as the emulator printed them.
    private(set) var environment: [String: String] = [:]

    init(arguments extra: [String] = []) throws {
        stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("m365-emu-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: Harness.installPrefix + "/bin/m365-emulator")
        process.arguments = ["serve", "--port", "0", "--mi-port", "0", "--state-dir", stateDirectory.path, "--print-env"] + extra
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Read the printed lines until the environment is complete (the server is then listening).
        var buffer = Data()
        let handle = out.fileHandleForReading
        while environment["M365_CA_BUNDLE"] == nil || environment["M365_CONNECT_TO"] == nil || environment["IDENTITY_HEADER"] == nil {
            let chunk = handle.availableData
            guard !chunk.isEmpty else { throw HarnessError("m365-emulator exited before it was ready") }
            buffer.append(chunk)
            for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n") {
                var text = String(line)
                if text.hasPrefix("export ") { text.removeFirst(7) }
                guard let equals = text.firstIndex(of: "=") else { continue }
                var value = String(text[text.index(after: equals)...])
                if value.hasPrefix("'") && value.hasSuffix("'") && value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                environment[String(text[..<equals])] = value
            }
        }
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: stateDirectory)
    }

    /// Calls an admin endpoint (`/_emulator/…`) over HTTPS with curl, as a script would.
    @discardableResult
    func admin(_ path: String, method: String = "GET", json: String? = nil) throws -> Any? {
        var arguments = ["-sS", "--fail-with-body", "--cacert", environment["M365_CA_BUNDLE"]!, "--connect-to", environment["M365_CONNECT_TO"]!,
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
        guard curl.terminationStatus == 0 else { throw HarnessError("admin \(path) failed: \(String(decoding: data, as: UTF8.self))") }
        return data.isEmpty ? nil : try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }

    /// The requests the emulator saw, optionally only those whose path starts with `prefix`.
    func requests(pathPrefix prefix: String = "") throws -> [[String: Any]] {
        let answer = try admin("requests")
        let all = (answer as? [String: Any])?["value"] as? [[String: Any]] ?? (answer as? [[String: Any]]) ?? []
        return all.filter { ($0["path"] as? String ?? "").hasPrefix(prefix) }
    }
}
