import Foundation
import M365Version

/// The `m365-emulator` command line (the executable's main is one call into this).
public enum EmulatorCommand {
    public static let version = m365ReleaseVersion

    public static let usage = """
    Usage: m365-emulator serve [options]
           m365-emulator default-seed        print the built-in seed (tenant "contoso") as JSON
           m365-emulator --version | --help

    A local Microsoft 365 tenant over HTTPS: the identity platform (login.microsoftonline.com and
    the national clouds), Microsoft Graph and SharePoint, plus managed identity on plain HTTP.

    Options for serve:
      --port N                       HTTPS port (default 0: pick a free one)
      --mi-port N                    managed-identity HTTP port (default 0: pick a free one)
      --host ADDR                    address to bind (default 127.0.0.1)
      --state-dir DIR                CA, server certificate and signing key live here
                                     (default $XDG_STATE_HOME/m365-emulator or ~/.local/state/m365-emulator)
      --seed FILE                    tenant data (JSON); default: the built-in contoso tenant
      --print-env                    print `export NAME=value` lines for eval (M365_CONNECT_TO,
                                     M365_CA_BUNDLE, IDENTITY_ENDPOINT, IDENTITY_HEADER, ...)
      --background                   start detached; return once it listens (stderr goes to DIR/emulator.log)
      --pid-file FILE                write the server's process id here
      --access-token-lifetime S      expires_in of access tokens (default 3599)
      --refresh-token-lifetime S     refresh-token inactivity lifetime (default 7776000)
      --device-code-lifetime S       device code expires_in (default 900)
      --device-code-interval S       device code polling interval (default 5)
      --allow-refresh-token-reuse    keep used refresh tokens valid (default: strict rotation)
      --identity-header VALUE        the IDENTITY_HEADER secret (default: random per run)
      --http2                        offer HTTP/2 through ALPN (h2, then http/1.1)
      --fault SPEC                   inject faults; repeatable. SPEC = KIND[:key=value,...]
                                     KIND: 429 503 latency reset truncate html
                                     keys: count, rate, retry-after, ms, status, host, path
      --random-seed N                make rate-based faults deterministic
      --request-log FILE             append every request (secrets redacted) as JSON lines

    Stops cleanly on SIGTERM or SIGINT. Admin API: https://<any host>/_emulator/… (see docs/emulator.md).
    """

    public static func main(_ arguments: [String]) async -> Int32 {
        let args = Array(arguments.dropFirst())
        guard let command = args.first else {
            FileHandle.standardError.write(Data((usage + "\n").utf8))
            return 2
        }
        switch command {
        case "--help", "-h", "help":
            print(usage)
            return 0
        case "--version":
            print("m365-emulator \(version)")
            return 0
        case "default-seed":
            print(DefaultSeed.json)
            return 0
        case "serve":
            do {
                let options = try ServeOptions.parse(Array(args.dropFirst()))
                if options.background { return try runInBackground(options: options, arguments: arguments) }
                return try await serve(options)
            } catch let e as EmulatorError {
                FileHandle.standardError.write(Data("m365-emulator: \(e.description)\n".utf8))
                return 2
            } catch {
                FileHandle.standardError.write(Data("m365-emulator: \(error)\n".utf8))
                return 1
            }
        default:
            FileHandle.standardError.write(Data("m365-emulator: unknown command '\(command)'\n\n\(usage)\n".utf8))
            return 2
        }
    }

    struct ServeOptions {
        var config: EmulatorConfiguration
        var background = false
        var detachedChild = false
        var pidFile: String?

        static func parse(_ args: [String]) throws -> ServeOptions {
            let env = ProcessInfo.processInfo.environment
            let defaultState = (env["XDG_STATE_HOME"].map { $0 + "/m365-emulator" })
                ?? ((env["HOME"] ?? NSTemporaryDirectory()) + "/.local/state/m365-emulator")
            var o = ServeOptions(config: EmulatorConfiguration(stateDirectory: defaultState))
            var i = 0
            func value(_ name: String) throws -> String {
                i += 1
                guard i < args.count else { throw EmulatorError.usage("\(name) needs a value") }
                return args[i]
            }
            func number(_ name: String) throws -> Int {
                let v = try value(name)
                guard let n = Int(v), n >= 0 else { throw EmulatorError.usage("\(name) needs a non-negative number, got '\(v)'") }
                return n
            }
            while i < args.count {
                let a = args[i]
                switch a {
                case "--port": o.config.port = try number(a)
                case "--mi-port": o.config.managedIdentityPort = try number(a)
                case "--host": o.config.bindHost = try value(a)
                case "--state-dir": o.config.stateDirectory = try value(a)
                case "--seed": o.config.seedPath = try value(a)
                case "--print-env": o.config.printEnv = true
                case "--background": o.background = true
                case "--detached-child": o.detachedChild = true
                case "--pid-file": o.pidFile = try value(a)
                case "--access-token-lifetime": o.config.accessTokenLifetime = TimeInterval(max(1, try number(a)))
                case "--refresh-token-lifetime": o.config.refreshTokenLifetime = TimeInterval(try number(a))
                case "--device-code-lifetime": o.config.deviceCodeLifetime = TimeInterval(try number(a))
                case "--device-code-interval": o.config.deviceCodeInterval = max(1, try number(a))
                case "--allow-refresh-token-reuse": o.config.allowRefreshTokenReuse = true
                case "--identity-header": o.config.identityHeader = try value(a)
                case "--http2": o.config.http2 = true
                case "--fault": o.config.faults.append(try FaultRule.parse(try value(a)))
                case "--random-seed":
                    let v = try value(a)
                    guard let n = UInt64(v) else { throw EmulatorError.usage("--random-seed needs a number") }
                    o.config.randomSeed = n
                case "--request-log": o.config.requestLogPath = try value(a)
                default: throw EmulatorError.usage("unknown option '\(a)' (see m365-emulator --help)")
                }
                i += 1
            }
            let absolute = URL(fileURLWithPath: o.config.stateDirectory).standardizedFileURL.path
            o.config.stateDirectory = absolute
            return o
        }
    }

    static func serve(_ options: ServeOptions) async throws -> Int32 {
        if options.detachedChild { setsid() }
        let server = try await EmulatorServer.start(options.config)
        if let pidFile = options.pidFile { try "\(getpid())\n".write(toFile: pidFile, atomically: true, encoding: .utf8) }
        var out = ""
        if options.config.printEnv {
            out += "# \(server.readyLine)\n"
            for (k, v) in server.environment() { out += "export \(k)=\(shellQuote(v))\n" }
        } else {
            out += server.readyLine + "\n"
        }
        FileHandle.standardOutput.write(Data(out.utf8))
        if options.detachedChild {
            // Let the launching process see EOF: nothing more goes to this stdout.
            let devnull = open("/dev/null", O_WRONLY)
            dup2(devnull, STDOUT_FILENO)
            close(devnull)
        }
        let sig = await waitForTerminationSignal()
        FileHandle.standardError.write(Data("m365-emulator: received signal \(sig), stopping\n".utf8))
        await server.stop()
        return 0
    }

    /// Re-runs this executable detached, relays its ready/env lines, and returns while it keeps serving.
    static func runInBackground(options: ServeOptions, arguments: [String]) throws -> Int32 {
        try FileManager.default.createDirectory(atPath: options.config.stateDirectory, withIntermediateDirectories: true)
        let logPath = options.config.stateDirectory + "/emulator.log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw EmulatorError.configuration("cannot write \(logPath)") }
        var childArgs = Array(arguments.dropFirst()).filter { $0 != "--background" }
        childArgs.append("--detached-child")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = childArgs
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        if data.isEmpty {
            process.waitUntilExit()
            let tail = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            FileHandle.standardError.write(Data("m365-emulator: the background server did not start (exit \(process.terminationStatus))\n\(tail)".utf8))
            return 1
        }
        FileHandle.standardOutput.write(data)
        return 0
    }

    static func shellQuote(_ s: String) -> String {
        let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@%+=,-")
        if !s.isEmpty && s.unicodeScalars.allSatisfy({ safe.contains($0) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    nonisolated(unsafe) private static var signalSources: [DispatchSourceSignal] = []

    static func waitForTerminationSignal() async -> Int32 {
        await withCheckedContinuation { (cont: CheckedContinuation<Int32, Never>) in
            let once = OnceFlag()
            for sig in [SIGTERM, SIGINT] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler { if once.claim() { cont.resume(returning: sig) } }
                source.resume()
                signalSources.append(source)
            }
        }
    }
}

final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    func claim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if done { return false }
        done = true
        return true
    }
}
