import Foundation
import XCTest

/// A private temporary directory (mode 0700), removed by `remove()`.
final class TemporaryDirectory {
    let path: String

    init(_ label: String = "tokenstore") {
        var template = Array("/tmp/m365-\(label).XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

func fileMode(_ path: String) -> mode_t? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return info.st_mode & 0o7777
}

func fileBytes(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { [UInt8]($0) }
}

func writeFile(_ path: String, _ text: String, mode: Int = 0o600) {
    _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode])
}

/// The test bundle's executable: scenarios that need a fresh process (libsecret and GDBus keep
/// per-process singletons bound to the first session bus) run in a copy of it.
func testExecutable() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}

struct ProcessResult {
    var status: Int32
    var output: String
    var seconds: Double
    var timedOut: Bool
}

/// Starts `executable`; stdout and stderr go to one temporary file.
final class ChildProcess {
    let process = Process()
    let outputPath: String

    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, stdinText: String? = nil) throws {
        outputPath = NSTemporaryDirectory() + "/m365-child-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = FileHandle(forWritingAtPath: outputPath)!
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = output
        process.standardError = output
        let input = Pipe()
        process.standardInput = input
        try process.run()
        try? output.close()
        if let stdinText { input.fileHandleForWriting.write(Data(stdinText.utf8)) }
        try? input.fileHandleForWriting.close()
    }

    var pid: Int32 { process.processIdentifier }
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// Waits at most `seconds`; a child still running then is killed and reported as timed out.
    func wait(seconds: Double) -> ProcessResult {
        let start = Date()
        while process.isRunning && Date().timeIntervalSince(start) < seconds { usleep(10_000) }
        let timedOut = process.isRunning
        if timedOut {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let result = ProcessResult(
            status: process.terminationStatus, output: output, seconds: Date().timeIntervalSince(start), timedOut: timedOut)
        try? FileManager.default.removeItem(atPath: outputPath)
        return result
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGCONT)
            kill(process.processIdentifier, SIGTERM)
            let start = Date()
            while process.isRunning && Date().timeIntervalSince(start) < 5 { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: outputPath)
    }
}

func findExecutable(_ name: String) -> String? {
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// Runs one `TokenStoreWorker` scenario in a fresh test process with `environment` added to
/// (or, for nil values, removed from) this process's environment.
func runWorker(_ scenario: String, environment extra: [String: String?], seconds: Double = 120) throws -> ProcessResult {
    var environment = ProcessInfo.processInfo.environment
    environment["M365_TOKENSTORE_WORKER"] = scenario
    for (name, value) in extra { environment[name] = value }
    let child = try ChildProcess(testExecutable(), ["TokenStoreTests.TokenStoreWorker/testWorker"], environment: environment)
    return child.wait(seconds: seconds)
}

/// Checks that a worker ran its scenario to the end without a failure.
func assertWorkerPassed(_ result: ProcessResult, _ scenario: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertFalse(result.timedOut, "the worker '\(scenario)' hung:\n\(result.output)", file: file, line: line)
    XCTAssertEqual(result.status, 0, "the worker '\(scenario)' failed:\n\(result.output)", file: file, line: line)
    XCTAssertTrue(
        result.output.contains("WORKER-DONE \(scenario)"), "the worker '\(scenario)' did not run:\n\(result.output)",
        file: file, line: line)
}

/// A private D-Bus session bus (its own configuration: no service files, so nothing is
/// activated on demand), optionally with a gnome-keyring daemon providing the Secret Service.
final class PrivateSession {
    let directory = TemporaryDirectory("dbus")
    private var bus: ChildProcess?
    private(set) var keyring: ChildProcess?
    private(set) var address = ""
    var busPid: Int32? { bus?.pid }
    static let keyringPassword = "m365-test-password"

    init() throws {
        guard let dbusDaemon = findExecutable("dbus-daemon") else {
            throw SetupFailure("dbus-daemon is missing (apt-get install dbus)")
        }
        let configuration = directory.path + "/session.conf"
        writeFile(configuration, """
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>session</type>
              <listen>unix:path=\(directory.path)/bus</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow send_destination="*" eavesdrop="true"/>
                <allow eavesdrop="true"/>
                <allow own="*"/>
              </policy>
            </busconfig>
            """)
        let bus = try ChildProcess(dbusDaemon, ["--config-file=\(configuration)", "--nofork", "--nopidfile", "--print-address=1"])
        self.bus = bus
        let start = Date()
        while Date().timeIntervalSince(start) < 15 {
            if let line = bus.output.split(separator: "\n").first, line.hasPrefix("unix:") {
                address = String(line)
                return
            }
            if !bus.process.isRunning { break }
            usleep(20_000)
        }
        let output = bus.output
        stop()
        throw SetupFailure("dbus-daemon did not start: \(output)")
    }

    /// The environment a client of this bus gets: the bus address, and a runtime directory
    /// without a `bus` socket so nothing else is found.
    var clientEnvironment: [String: String?] {
        ["DBUS_SESSION_BUS_ADDRESS": address, "XDG_RUNTIME_DIR": directory.path + "/client-run", "DISPLAY": nil]
    }

    /// Starts gnome-keyring-daemon with only the secrets component; `unlock` gives it the login
    /// keyring's password on stdin (creating that keyring if missing). Returns when it owns
    /// org.freedesktop.secrets on the bus.
    func startKeyring(unlock: Bool) throws {
        guard let daemon = findExecutable("gnome-keyring-daemon") else {
            throw SetupFailure("gnome-keyring-daemon is missing (apt-get install gnome-keyring)")
        }
        for sub in ["home", "data", "run", "config", "client-run"] {
            try? FileManager.default.createDirectory(
                atPath: directory.path + "/" + sub, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        var environment = ProcessInfo.processInfo.environment
        environment["DBUS_SESSION_BUS_ADDRESS"] = address
        environment["HOME"] = directory.path + "/home"
        environment["XDG_DATA_HOME"] = directory.path + "/data"
        environment["XDG_CONFIG_HOME"] = directory.path + "/config"
        environment["XDG_RUNTIME_DIR"] = directory.path + "/run"
        environment["DISPLAY"] = nil
        environment["GNOME_KEYRING_CONTROL"] = nil
        var arguments = ["--foreground", "--components=secrets"]
        if unlock { arguments.append("--unlock") }
        let keyring = try ChildProcess(daemon, arguments, environment: environment, stdinText: unlock ? Self.keyringPassword : nil)
        self.keyring = keyring
        let start = Date()
        while Date().timeIntervalSince(start) < 15 {
            if secretsNameHasOwner() { return }
            if !keyring.process.isRunning { break }
            usleep(50_000)
        }
        throw SetupFailure("gnome-keyring-daemon did not take org.freedesktop.secrets: \(keyring.output)")
    }

    func stopKeyring() {
        keyring?.stop()
        keyring = nil
        // Wait until the bus has noticed, so a new daemon can take the name.
        let start = Date()
        while secretsNameHasOwner() && Date().timeIntervalSince(start) < 10 { usleep(20_000) }
    }

    /// SIGSTOP: the daemon keeps its bus name but answers nothing, like a hung keyring.
    func freezeKeyring() {
        if let pid = keyring?.pid { kill(pid, SIGSTOP) }
    }

    func secretsNameHasOwner() -> Bool {
        let reply = dbusSend([
            "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner",
            "string:org.freedesktop.secrets",
        ])
        return reply?.contains("boolean true") ?? false
    }

    /// `dbus-send --session --print-reply …` on this bus; nil when it failed.
    func dbusSend(_ arguments: [String]) -> String? {
        guard let tool = findExecutable("dbus-send"),
              let child = try? ChildProcess(
                  tool, ["--session", "--print-reply", "--reply-timeout=5000"] + arguments,
                  environment: ["DBUS_SESSION_BUS_ADDRESS": address, "PATH": "/usr/bin:/bin"])
        else { return nil }
        let result = child.wait(seconds: 15)
        return result.status == 0 && !result.timedOut ? result.output : nil
    }

    func stop() {
        keyring?.stop()
        keyring = nil
        bus?.stop()
        bus = nil
        directory.remove()
    }
}

/// An environment problem that makes a keyring test impossible: reported as a failure, since CI
/// installs these packages (see .ci/run).
struct SetupFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
