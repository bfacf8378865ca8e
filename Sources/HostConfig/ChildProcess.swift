#if canImport(Glibc)
import Glibc
#endif

/// Starting a helper program (the plugin probe, a browser, a clipboard tool) with its standard
/// streams wired as the caller says. One place for posix_spawn's file actions and the C strings.
public enum ChildProcess {
    /// Where a standard stream of the child goes: /dev/null or a descriptor of ours (dup'ed).
    public enum Stream: Sendable { case null, descriptor(Int32) }

    /// Starts `arguments[0]` (looked up on PATH when `searchPath`) with `environment` (ours when
    /// nil). Returns the child's pid, or the errno posix_spawn gave. The caller reaps the child
    /// (`wait`) unless it is meant to outlive us.
    public static func spawn(_ arguments: [String], stdin: Stream = .null, stdout: Stream = .null, stderr: Stream = .null,
                             environment: [String]? = nil, searchPath: Bool = false) -> Result<pid_t, SpawnError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (fd, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch stream {
            case .null: posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
            case .descriptor(let source): posix_spawn_file_actions_adddup2(&actions, source, fd)
            }
        }
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup($0) } }
        defer { (argv + (envp ?? [])).forEach { free($0) } }
        var pid = pid_t()
        let path = arguments[0], argList = argv + [nil]
        let status: Int32
        switch (envp, searchPath) {
        case (let env?, true): status = posix_spawnp(&pid, path, &actions, nil, argList, env + [nil])
        case (let env?, false): status = posix_spawn(&pid, path, &actions, nil, argList, env + [nil])
        case (nil, true): status = posix_spawnp(&pid, path, &actions, nil, argList, environ)
        case (nil, false): status = posix_spawn(&pid, path, &actions, nil, argList, environ)
        }
        return status == 0 ? .success(pid) : .failure(SpawnError(code: status))
    }

    /// Waits for the child to end; its wait status (`WEXITSTATUS`-style bits).
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }

    /// Our environment as `NAME=value` strings.
    public static var currentEnvironment: [String] {
        var out: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            out.append(String(cString: entry))
            cursor += 1
        }
        return out
    }
}

public struct SpawnError: Error, Sendable {
    public let code: Int32
    public var description: String { String(cString: strerror(code)) }
}
