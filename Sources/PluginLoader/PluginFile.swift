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

/// Why a file or directory may not be trusted: writable by other users, or owned by someone
/// who is neither root nor us. nil when it is fine.
func ownershipProblem(_ path: String, what: String) -> String? {
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
