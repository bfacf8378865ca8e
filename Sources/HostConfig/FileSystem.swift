#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few file operations the host needs, on POSIX calls (Foundation costs start-up time).
public enum FileSystem {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        init(_ what: String, _ path: String, errno code: Int32 = errno) {
            description = "\(what) '\(path)': \(String(cString: strerror(code)))"
        }
        init(message: String) { description = message }
    }

    /// A file's bytes. Only regular files and pipes are read (a directory or a device such as
    /// /dev/zero is refused); with `limit`, a larger content is refused rather than read on.
    public static func readBytes(_ path: String, limit: Int? = nil) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure("cannot open", path) }
        defer { close(fd) }
        var result: [UInt8] = []
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Failure("cannot read", path) }
        let type = st.st_mode & S_IFMT
        guard type == S_IFREG || type == S_IFIFO || type == S_IFSOCK else {
            throw Failure(message: "cannot read '\(path)': " + (type == S_IFDIR ? "it is a directory" : "it is not a regular file"))
        }
        func tooLarge() -> Failure { Failure(message: "cannot read '\(path)': it is larger than \(describeSize(limit ?? 0))") }
        if let limit, type == S_IFREG, Int(st.st_size) > limit { throw tooLarge() }
        if type == S_IFREG, st.st_size > 0 { result.reserveCapacity(Int(st.st_size)) }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure("cannot read", path)
            }
            if count == 0 { break }
            result.append(contentsOf: chunk[0..<count])
            if let limit, result.count > limit { throw tooLarge() }
        }
        return result
    }

    public static func readText(_ path: String, limit: Int? = nil) throws(Failure) -> String {
        String(decoding: try readBytes(path, limit: limit), as: UTF8.self)
    }

    /// A state file m365 cannot read (damaged JSON, the wrong shape) is moved aside to
    /// `<path>.damaged-<UTC time>` with a one-line warning on stderr, so the command goes on as if
    /// it were missing and nothing unreadable is ever silently overwritten. Returns the new name.
    @discardableResult
    public static func moveDamagedAside(_ path: String, why: String) throws(Failure) -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        let stamp = String(Int(parts.tm_year) + 1900) + pad(parts.tm_mon + 1) + pad(parts.tm_mday)
            + "T" + pad(parts.tm_hour) + pad(parts.tm_min) + pad(parts.tm_sec) + "Z"
        var target = "\(path).damaged-\(stamp)"
        var attempt = 1
        while exists(target) {
            attempt += 1
            target = "\(path).damaged-\(stamp)-\(attempt)"
        }
        guard rename(path, target) == 0 else { throw Failure("cannot move the damaged file", path) }
        let line = "Warning: \(path) was damaged (\(why)); it was moved to \(target) and m365 went on without it.\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        return target
    }

    private static func pad(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// "16 MiB", "512 KiB", "100 bytes".
    public static func describeSize(_ bytes: Int) -> String {
        if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Creates a directory and its parents with `mode` (existing ones are left as they are).
    public static func makeDirectories(_ path: String, mode: mode_t = 0o700) throws(Failure) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, mode) != 0 && errno != EEXIST { throw Failure("cannot create directory", current) }
        }
    }

    /// Writes a file so that readers see the old or the new content, never a mix: a temporary
    /// file in the same directory, fsync, then rename over the target.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600) throws(Failure) {
        let directory = parentDirectory(of: path)
        try makeDirectories(directory)
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure("cannot write", temporary) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                unlink(temporary)
                throw Failure("cannot write", temporary, errno: code)
            }
            offset += written
        }
        fchmod(fd, mode)
        fsync(fd)
        close(fd)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw Failure("cannot replace", path, errno: code)
        }
    }

    public static func writeAtomically(_ path: String, text: String, mode: mode_t = 0o600) throws(Failure) {
        try writeAtomically(path, Array(text.utf8), mode: mode)
    }

    public static func remove(_ path: String) {
        unlink(path)
    }

    public static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public static func lastComponent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// Entries of a directory (no `.`/`..`), sorted; empty when it cannot be read.
    public static func listDirectory(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The absolute path of the running executable.
    /// The path with every symbolic link resolved, or nil when it does not exist.
    public static func resolvedPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    public static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// `path` made absolute against the working directory.
public func absolutePath(_ path: String) -> String {
    guard !path.hasPrefix("/") else { return path }
    var buffer = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buffer, buffer.count) != nil else { return path }
    return String(cString: buffer) + "/" + path
}

/// Reads an environment variable; empty counts as unset.
public func environment(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    let text = String(cString: value)
    return text.isEmpty ? nil : text
}
