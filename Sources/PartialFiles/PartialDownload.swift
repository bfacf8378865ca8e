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
        return true
    }

    /// Makes the download visible under its name, or removes the part file. Not forced to disk
    /// (no fsync), as curl, wget and CLI for Microsoft 365 leave a download: waiting for the disk
    /// took a fifth of a 1 GiB download's time. What the rename guarantees is that a failed or
    /// killed download never leaves a partial file under the target's name.
    public func finish(success: Bool) throws(PartialDownloadError) {
        close(fd)
        guard success else { unlink(temporary); return }
        guard rename(temporary, target) == 0 else {
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
