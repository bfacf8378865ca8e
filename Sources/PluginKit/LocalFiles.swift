#if canImport(Glibc)
import Glibc
#endif
import PartialFiles

/// Reads a whole local file (a certificate, a CSV); a failure names the file and the reason.
public func readLocalFile(_ path: String) throws(PluginFailure) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw PluginFailure("cannot read \(path): \(String(cString: strerror(errno)))", status: M365_ERR_IO) }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw PluginFailure("cannot read \(path): \(String(cString: strerror(errno)))", status: M365_ERR_IO)
        }
        if count == 0 { return bytes }
        bytes += buffer[0..<count]
    }
}

/// A random (version 4) GUID, lower case, for ids a client must mint (app roles, scopes).
public func newGUID() -> String {
    // The standard library's generator reads the kernel's random source.
    var bytes = (0..<16).map { _ in UInt8.random(in: 0...255) }
    bytes[6] = bytes[6] & 0x0f | 0x40
    bytes[8] = bytes[8] & 0x3f | 0x80
    let hex = bytes.map { byte in
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
    return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
}

/// `2026-11-22T08:30:00Z`: the UTC time `seconds` from now, as Graph's date-time values read.
public func isoTimestamp(secondsFromNow seconds: Int) -> String {
    var when = time(nil) + seconds
    var parts = tm()
    gmtime_r(&when, &parts)
    func pad(_ n: Int32, _ width: Int = 2) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))T\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec))Z"
}

/// A local file read in pieces (uploads of any size): positioned reads, no whole-file buffer.
public final class LocalFileReader {
    public let path: String
    public let size: Int64
    private let fd: Int32

    public init(_ path: String) throws(PluginFailure) {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PluginFailure("cannot read \(path): \(String(cString: strerror(errno)))", status: M365_ERR_IO) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw PluginFailure("\(path) is not a regular file", status: M365_ERR_IO)
        }
        size = Int64(info.st_size)
    }

    deinit { close(fd) }

    /// Up to `count` bytes at `offset` (fewer only at the end of the file).
    public func read(at offset: Int64, count: Int) throws(PluginFailure) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let done = try read(at: offset, into: &bytes)
        return done == count ? bytes : Array(bytes[0..<done])
    }

    /// Fills `buffer` from its start with the bytes at `offset`; returns how many (fewer at the
    /// end of the file). One buffer serves a whole transfer: no allocation per piece.
    public func read(at offset: Int64, into buffer: inout [UInt8]) throws(PluginFailure) -> Int {
        var result: Result<Int, PluginFailure> = .success(0)
        buffer.withUnsafeMutableBytes { raw in
            result = Result { () throws(PluginFailure) in try read(at: offset, into: raw.baseAddress!, count: raw.count) }
        }
        return try result.get()
    }

    /// Up to `count` bytes at `offset` into `memory` (fewer only at the end of the file).
    public func read(at offset: Int64, into memory: UnsafeMutableRawPointer, count: Int) throws(PluginFailure) -> Int {
        var done = 0
        while done < count {
            let n = pread(fd, memory + done, count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw PluginFailure("cannot read \(path): \(String(cString: strerror(errno)))", status: M365_ERR_IO)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }
}

extension Invocation {
    /// Sends `request` with `count` bytes of `file` from `offset` as its body, read by the host
    /// straight into its own buffer as the transfer goes (a 10 MiB fragment is never copied in
    /// memory). The host cannot replay a body it pulled: pass M365_HTTP_NO_RETRY and retry here.
    public func send(_ request: ServiceRequest, body file: LocalFileReader, at offset: Int64, count: Int64) throws(PluginFailure) -> ServiceResponse {
        let source = Unmanaged.passRetained(FilePiece(file, offset: offset, count: count))
        defer { source.release() }
        let (status, response) = try transmit(request) { raw in
            raw.user = source.toOpaque()
            raw.body_size = count
            raw.read_body = { user, buffer, capacity in
                guard let user, let buffer else { return size_t.max }
                return Unmanaged<FilePiece>.fromOpaque(user).takeUnretainedValue().read(into: buffer, capacity)
            }
        }
        if let failure = source.takeUnretainedValue().failure {
            _ = try? take(response)
            throw failure
        }
        try check(status)
        return try take(response)
    }

    /// GETs `url` straight into the file at `path` (streamed, never held in memory; redirects
    /// followed), with progress on a terminal. Returns the answer's status and headers; on any
    /// failure nothing is left at `path`. A non-2xx answer keeps its (error) body in the response.
    public func download(_ url: String, to path: String, resource: String? = nil, flags: UInt32 = 0) throws(PluginFailure) -> ServiceResponse {
        let sink: PartialDownload
        do { sink = try PartialDownload(target: path) } catch { throw PluginFailure(error.description, status: M365_ERR_IO) }
        let box = Unmanaged.passRetained(sink)
        defer { box.release() }
        let (status, response) = try transmit(ServiceRequest(url: url, resource: resource, flags: flags | UInt32(M365_HTTP_PROGRESS))) { raw in
            raw.user = box.toOpaque()
            raw.write_body = { user, data, count in
                guard let user, let data else { return 1 }
                return Unmanaged<PartialDownload>.fromOpaque(user).takeUnretainedValue().write(data, count) ? 0 : 1
            }
        }
        guard status == M365_OK, response != nil else {
            try? sink.finish(success: false)
            if let failure = sink.failure { throw PluginFailure(failure, status: M365_ERR_IO) }
            try check(status)
            throw PluginFailure("the host returned no response", status: M365_ERR_INTERNAL)
        }
        let answer = try take(response)
        if let expected = answer.header("content-length").flatMap({ Int64($0) }), answer.isSuccess, expected != sink.written {
            try? sink.finish(success: false)
            throw PluginFailure("the download of \(path) was cut short (\(sink.written) of \(expected) bytes)", status: M365_ERR_NETWORK)
        }
        do { try sink.finish(success: answer.isSuccess) } catch { throw PluginFailure(error.description, status: M365_ERR_IO) }
        return answer
    }
}

/// The part of a local file a streamed upload sends, read as the host asks for it.
private final class FilePiece {
    let file: LocalFileReader
    var offset: Int64
    var remaining: Int64
    /// Why a read failed, once one has (the host then aborts the transfer).
    var failure: PluginFailure?

    init(_ file: LocalFileReader, offset: Int64, count: Int64) {
        self.file = file
        self.offset = offset
        remaining = count
    }

    func read(into buffer: UnsafeMutablePointer<UInt8>, _ capacity: Int) -> Int {
        let want = Int(min(Int64(capacity), remaining))
        guard want > 0 else { return 0 }
        do throws(PluginFailure) {
            let n = try file.read(at: offset, into: UnsafeMutableRawPointer(buffer), count: want)
            // The file shrank under us: abort rather than send a short body.
            guard n == want else { throw PluginFailure("\(file.path) changed while it was uploaded", status: M365_ERR_IO) }
            offset += Int64(n)
            remaining -= Int64(n)
            return n
        } catch {
            failure = error
            return Int.max  // (size_t)-1: abort
        }
    }
}
