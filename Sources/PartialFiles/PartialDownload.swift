import CFileSync
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a download is written while it runs: `<target>.m365-part-<pid>` beside the target,
/// renamed over it only when complete, so a failed download never leaves a partial file under
/// the target's name. The host (`request --filePath`) and plugins (PluginKit) use this one type.
///
/// A run killed outright (SIGKILL, power loss) cannot remove its part file; the next download
/// of the same target removes part files whose process is gone.
public final class PartialDownload {
    public static let marker = ".m365-part-"

    public let target: String
    public let temporary: String
    public private(set) var written: Int64 = 0
    /// Bytes whose writeback to disk has been started (see `write`).
    private var flushed: Int64 = 0
    /// How much is written before its writeback is started: the fsync at the end then waits
    /// for the last stretch only, not for the whole file (2 s of a 1 GiB download when left
    /// to the end), and the page cache never holds much of it dirty.
    private static let writebackStride: Int64 = 8 << 20
    /// Why a write failed, once one has.
    public private(set) var failure: String?
    private let fd: Int32

    /// Creates the part file (after removing stale ones of the same target).
    public init(target: String) throws(PartialDownloadError) {
        self.target = target
        Self.removeStale(of: target)
        temporary = target + Self.marker + "\(getpid())"
        fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PartialDownloadError("cannot write \(target): \(String(cString: strerror(errno)))") }
    }

    public func write(_ data: UnsafeRawPointer, _ count: Int) -> Bool {
        var done = 0
        while done < count {
            let n = Glibc.write(fd, data + done, count - done)
            if n < 0 {
                if errno == EINTR { continue }
                failure = "cannot write \(target): \(String(cString: strerror(errno)))"
                return false
            }
            done += n
        }
        written += Int64(count)
        if written - flushed >= Self.writebackStride {
            _ = m365_start_writeback(fd, flushed, written - flushed)  // only a hint: fsync still decides
            flushed = written
        }
        return true
    }

    /// Makes the download visible under its name (after fsync), or removes the part file.
    public func finish(success: Bool) throws(PartialDownloadError) {
        let synced = success && fsync(fd) == 0
        close(fd)
        guard success else { unlink(temporary); return }
        guard synced, rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw PartialDownloadError("cannot write \(target): \(reason)")
        }
    }

    /// Removes `<target>.m365-part-<pid>` files whose process no longer runs.
    public static func removeStale(of target: String) {
        let slash = target.lastIndex(of: "/")
        let directory = slash.map { $0 == target.startIndex ? "/" : String(target[..<$0]) } ?? "."
        let prefix = (slash.map { String(target[target.index(after: $0)...]) } ?? target) + marker
        guard let dir = opendir(directory) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasPrefix(prefix), let pid = pid_t(name.dropFirst(prefix.count)), pid > 0 else { continue }
            // No such process: its download can never finish.
            if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH {
                unlink(directory + "/" + name)
            }
        }
    }
}

public struct PartialDownloadError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
