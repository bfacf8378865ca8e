#if canImport(Glibc)
import Glibc
#endif
import HostConfig

/// The naming rule: a plugin file is `libm365-<name>.so`, name of lower-case letters, digits and
/// dashes. Any other file in a plugin directory is ignored, never probed: dlopen runs code.
public enum PluginNaming {
    public static let prefix = "libm365-"
    public static let suffix = ".so"

    public static func pluginName(fileName: String) -> String? {
        guard fileName.hasPrefix(prefix), fileName.hasSuffix(suffix) else { return nil }
        let name = fileName.dropFirst(prefix.count).dropLast(suffix.count)
        guard !name.isEmpty, name.first != "-",
              name.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }) else { return nil }
        return String(name)
    }
}

/// What identifies one version of a plugin file: if any of it changes, the cached descriptor
/// is stale and the file is probed again.
public struct Fingerprint: Sendable, Equatable {
    public var size: Int64
    public var modified: Int64  // nanoseconds
    public var changed: Int64   // nanoseconds (chmod changes it)
    public var inode: UInt64
    public var mode: UInt32
    public var owner: UInt32

    public var text: String { "\(size):\(modified):\(changed):\(inode):\(mode):\(owner)" }

    public static func of(_ path: String) -> Fingerprint? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Fingerprint(st)
    }

    init(_ st: stat) {
        size = Int64(st.st_size)
        modified = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        changed = Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec)
        inode = UInt64(st.st_ino)
        mode = UInt32(st.st_mode)
        owner = UInt32(st.st_uid)
    }

    var isRegularFile: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFREG) }
}

/// Why a plugin file may not be trusted, or nil. The file and its directory, after resolving
/// symbolic links, and the plugin directory it was found in must be writable by no one but
/// their owner, who is root or us; every ancestor of those up to `/` must be owned by root or us
/// and not writable by others, unless it is sticky and root's (as /tmp is). Otherwise someone
/// else could put their code in our process.
func trustProblem(_ path: String) -> String? {
    let directory = FileSystem.parentDirectory(of: path)
    guard let resolved = FileSystem.resolvedPath(path) else { return "cannot resolve \(path)" }
    let resolvedDirectory = FileSystem.parentDirectory(of: resolved)
    let via = resolved == path ? "" : " (reached through the link \(path))"
    if let problem = strictProblem(resolved, what: "plugin file") ?? strictProblem(resolvedDirectory, what: "plugin directory") {
        return problem + via
    }
    if resolvedDirectory != directory, let problem = strictProblem(directory, what: "plugin directory") { return problem }
    for start in Set([resolvedDirectory, FileSystem.resolvedPath(directory) ?? directory]) {
        var ancestor = FileSystem.parentDirectory(of: start)
        while true {
            if let problem = ancestorProblem(ancestor) { return problem + via }
            if ancestor == "/" { break }
            ancestor = FileSystem.parentDirectory(of: ancestor)
        }
    }
    return nil
}

/// The plugin file and its directory: writable by the owner only.
private func strictProblem(_ path: String, what: String) -> String? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    if st.st_mode & (S_IWOTH | S_IWGRP) != 0 {
        let permissions = String(st.st_mode & 0o777, radix: 8)
        return "\(what) \(path) is writable by other users (mode \(permissions)); run: chmod go-w \(path)"
    }
    if st.st_uid != 0 && st.st_uid != geteuid() {
        return "\(what) \(path) is owned by another user (uid \(st.st_uid))"
    }
    return nil
}

/// A directory above the plugin's: not writable by everyone (sticky root-owned ones aside:
/// others cannot rename what they do not own there), owned by root or us.
private func ancestorProblem(_ path: String) -> String? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    if st.st_uid != 0 && st.st_uid != geteuid() {
        return "the directory \(path) above the plugin is owned by another user (uid \(st.st_uid))"
    }
    if st.st_mode & S_IWOTH != 0 && !(st.st_mode & S_ISVTX != 0 && st.st_uid == 0) {
        let permissions = String(st.st_mode & 0o7777, radix: 8)
        return "the directory \(path) above the plugin is writable by everyone (mode \(permissions)); run: chmod o-w \(path)"
    }
    return nil
}

/// A short, stable name for a cache file (FNV-1a, 64 bits, in hex).
func stableHash(_ text: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    let digits = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}

/// True when the file starts with the ELF magic number. Checked before dlopen so a stray file
/// gets a clear reason instead of a loader message.
func isSharedLibrary(_ path: String) -> Bool {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var magic = [UInt8](repeating: 0, count: 4)
    let count = magic.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4) }
    return count == 4 && magic == [0x7F, 0x45, 0x4C, 0x46]
}
