import Foundation
import HTTPClient
import XCTest
@_exported import TestSupport

/// Records the client's retry waits instead of sleeping.
final class SleepRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Double] = []
    var onSleep: ((Double) -> Void)?
    var sleeps: [Double] { lock.withLock { values } }
    func record(_ s: Double) {
        lock.withLock { values.append(s) }
        onSleep?(s)
    }
}

/// A free TCP port on 127.0.0.1 (bound, then closed).
func unusedLoopbackPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

func jsonObject(_ bytes: [UInt8]) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
}

/// tinyproxy on a loopback port with a temporary configuration.
final class TinyProxy {
    let process: Process
    let port: Int
    let directory: String
    var logPath: String { directory + "/tinyproxy.log" }

    static var executable: String? {
        ["/usr/bin/tinyproxy", "/usr/sbin/tinyproxy", "/usr/local/bin/tinyproxy"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    init() throws {
        guard let exe = Self.executable else { throw XCTSkip("tinyproxy is not installed (apt-get install -y tinyproxy)") }
        directory = NSTemporaryDirectory() + "tinyproxy-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        port = unusedLoopbackPort()
        let config = """
        Port \(port)
        Listen 127.0.0.1
        Timeout 30
        LogFile "\(directory)/tinyproxy.log"
        LogLevel Connect
        MaxClients 20
        """
        try config.write(toFile: directory + "/tinyproxy.conf", atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = ["-d", "-c", directory + "/tinyproxy.conf"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Ready when it accepts connections.
        for _ in 0..<100 {
            if Self.canConnect(port) { return }
            usleep(50_000)
        }
        stop()
        throw NSError(domain: "TinyProxy", code: 1, userInfo: [NSLocalizedDescriptionKey: "tinyproxy did not start on port \(port)"])
    }

    static func canConnect(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// The CONNECT requests tinyproxy logged.
    var connectRequests: [String] {
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return log.split(separator: "\n").filter { $0.contains("Request (file descriptor") && $0.contains("CONNECT ") }.map(String.init)
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
