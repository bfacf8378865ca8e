#if canImport(Glibc)
import Glibc
#endif
import CommandModel
import HostConfig
import JSONModel

/// Reading a plugin's description runs its code (library constructors, the entry function), so
/// a new or changed plugin file is probed in a child process: `m365 __probe FILE` prints what
/// `probeAnswer` says. A plugin that crashes or hangs there is refused, and every other
/// service goes on working; the refusal is kept in the index until the file changes.
public struct ProcessProbe: Sendable {
    public let executable: String
    public let timeoutMilliseconds: Int
    /// The most a probe may print (a descriptor of tens of thousands of commands fits).
    static let outputLimit = 64 << 20

    public init(executable: String, timeoutMilliseconds: Int = 5000) {
        self.executable = executable
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    public func callAsFunction(_ path: String) -> PluginRecord.State {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return .refused("cannot be probed: \(String(cString: strerror(errno)))") }
        // Only the child's stdout (dup2 clears the flag) keeps the write end.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // No backtrace in the child: a crash is reported at once, as a refusal. The child's
        // stderr would carry the runtime's crash report: the refusal says it all.
        let environment = ChildProcess.currentEnvironment.filter { !$0.hasPrefix("SWIFT_BACKTRACE=") } + ["SWIFT_BACKTRACE=enable=no"]
        let spawned = ChildProcess.spawn([executable, "__probe", path], stdout: .descriptor(fds[1]), environment: environment)
        close(fds[1])
        defer { close(fds[0]) }
        let pid: pid_t
        switch spawned {
        case .success(let child): pid = child
        case .failure(let error): return .refused("cannot be probed: \(error.description)")
        }

        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = monotonicMilliseconds() + timeoutMilliseconds
        var timedOut = false
        while true {
            let remaining = deadline - monotonicMilliseconds()
            if remaining <= 0 { timedOut = true; break }
            var poller = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(remaining, Int(Int32.max))))
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 { timedOut = true; break }
            let count = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            output.append(contentsOf: buffer[0..<count])
            if output.count > Self.outputLimit { timedOut = false; kill(pid, SIGKILL); break }
        }
        if timedOut { kill(pid, SIGKILL) }
        let status = ChildProcess.wait(pid)

        let seconds = timeoutMilliseconds % 1000 == 0 ? "\(timeoutMilliseconds / 1000)" : "\(Double(timeoutMilliseconds) / 1000)"
        if timedOut { return .refused("hung while loading (no answer within \(seconds) s)") }
        let signal = status & 0x7f
        if signal != 0 { return .refused("crashed while loading (\(signalName(signal)))") }
        let code = (status >> 8) & 0xff
        guard code == 0, let answer = try? JSON.parse(bytes: output) else {
            return .refused("cannot be probed: the probe exited with \(code) and \(output.isEmpty ? "no answer" : "an unreadable answer")")
        }
        return probeState(answer)
    }
}

/// What `m365 __probe FILE` prints: the plugin opened in this process, as one JSON object.
public func probeAnswer(at path: String) -> String {
    let state = probeInProcess(path)
    return probeJSON(state).serialized()
}

/// Opens the plugin here and reads its description (the child's side of a probe, and the way
/// tests and tools without a host binary probe).
public func probeInProcess(_ path: String) -> PluginRecord.State {
    switch openPlugin(at: path) {
    case .failure(let refusal):
        return .refused(refusal.reason)
    case .success(let plugin):
        switch plugin.descriptor() {
        case .failure(let refusal): return .refused(refusal.reason)
        case .success(let descriptor): return .available(plugin.info, descriptor)
        }
    }
}

func probeJSON(_ state: PluginRecord.State) -> JSON {
    var object = JSONObject()
    state.describe(into: &object)
    if case .available(_, let descriptor) = state { object["descriptor"] = descriptor.json }
    return .object(object)
}

extension PluginRecord.State {
    /// The plugin's identity (or the refusal) as the probe's answer and the index write them.
    func describe(into object: inout JSONObject) {
        switch self {
        case .refused(let reason):
            object["refused"] = .string(reason)
        case .available(let info, _):
            object["id"] = .string(info.id)
            object["name"] = .string(info.name)
            object["version"] = .string(info.version)
            object["vendor"] = .string(info.vendor)
            object["abiMinor"] = .number(Double(info.abiMinor))
        }
    }
}

func probeState(_ json: JSON) -> PluginRecord.State {
    if let reason = json["refused"]?.stringValue { return .refused(reason) }
    guard let id = json["id"]?.stringValue, let name = json["name"]?.stringValue,
          let version = json["version"]?.stringValue, let descriptorJSON = json["descriptor"] else {
        return .refused("cannot be probed: the answer lacks the plugin's identity")
    }
    let descriptor: PluginDescriptor
    do { descriptor = try PluginDescriptor.decode(descriptorJSON) } catch { return .refused("malformed descriptor: \(error.description)") }
    let info = PluginInfo(id: id, name: name, version: version, vendor: json["vendor"]?.stringValue ?? "",
                          abiMinor: UInt32(json["abiMinor"]?.intValue ?? 0))
    return .available(info, descriptor)
}

private func monotonicMilliseconds() -> Int {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int(now.tv_sec) * 1000 + Int(now.tv_nsec) / 1_000_000
}
