import CCurl
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The state of one attempt, reached from libcurl's callbacks through the user-data pointer.
final class Transfer {
    let request: HTTPRequest
    let isCancelled: () -> Bool

    // Upload.
    var uploadOffset = 0
    /// The stream's read closure was called (the stream can no longer be replayed).
    var streamTouched = false
    /// A rewind to replay the body was refused (retries are off).
    var replayRefused = false
    var senderAborted = false

    // Response.
    var status = 0
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
    var bodyBytes: Int64 = 0
    /// Bytes were handed to onResponseBody (the response can no longer be replayed).
    var sinkTouched = false
    var receiverAborted = false
    var cancelled = false
    var lastProgress: (Int64, Int64) = (-1, -1)

    init(request: HTTPRequest, isCancelled: @escaping () -> Bool) {
        self.request = request
        self.isCancelled = isCancelled
    }

    var hasUpload: Bool {
        switch request.body {
        case .empty: return false
        case let .bytes(b): return !b.isEmpty
        case let .borrowed(b): return !b.isEmpty
        case .stream: return true
        }
    }

    /// The URL being answered (moves with each redirect followed) and a refused redirect's target.
    lazy var current = URLParts(request.url)
    var refusedRedirect: String?

    /// False stops the transfer: a redirect from HTTPS to plain HTTP is never followed (only
    /// loopback to loopback, as local test servers do).
    func headerLine(_ raw: UnsafeRawBufferPointer) -> Bool {
        var end = raw.count
        while end > 0 && (raw[end - 1] == 0x0A || raw[end - 1] == 0x0D) { end -= 1 }
        let line = String(decoding: UnsafeRawBufferPointer(rebasing: raw[0..<end]), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // A new response (after 1xx or a redirect): start over.
            let parts = line.split(separator: " ", maxSplits: 2)
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            headers.removeAll()
            return true
        }
        guard !line.isEmpty, let colon = line.firstIndex(of: ":") else { return true }
        let name = trim(String(line[..<colon])).lowercased()
        let value = trim(String(line[line.index(after: colon)...]))
        headers.append((name: name, value: value))
        if name == "location", request.followRedirects, [301, 302, 303, 307, 308].contains(status) {
            // A relative location keeps the scheme and host; an absolute one is judged on its own.
            let schemeEnd = value.firstRange(of: "://")
            let slash = value.firstIndex(of: "/")
            guard let schemeEnd, slash.map({ schemeEnd.lowerBound < $0 }) ?? true else { return true }
            let target = URLParts(value)
            if current.scheme == "https" && target.scheme != "https" && !(current.isLoopback && target.isLoopback) {
                refusedRedirect = value
                return false
            }
            current = target
        }
        return true
    }

    func receive(_ data: UnsafeRawBufferPointer) -> Bool {
        bodyBytes += Int64(data.count)
        if let sink = request.onResponseBody, (200..<300).contains(status) {
            sinkTouched = true
            if !sink(data) {
                receiverAborted = true
                return false
            }
            return true
        }
        body.append(contentsOf: data)
        return true
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        switch request.body {
        case .empty:
            return 0
        case let .bytes(bytes):
            let n = min(buffer.count, bytes.count - uploadOffset)
            guard n > 0 else { return 0 }
            bytes.withUnsafeBytes { src in
                buffer.baseAddress!.copyMemory(from: src.baseAddress! + uploadOffset, byteCount: n)
            }
            uploadOffset += n
            return n
        case let .borrowed(bytes):
            let n = min(buffer.count, bytes.count - uploadOffset)
            guard n > 0 else { return 0 }
            buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + uploadOffset, byteCount: n)
            uploadOffset += n
            return n
        case let .stream(_, read):
            streamTouched = true
            let n = read(buffer)
            if n < 0 {
                senderAborted = true
                return -1
            }
            uploadOffset += n
            return min(n, buffer.count)
        }
    }

    func seek(to offset: Int64) -> Int32 {
        switch request.body {
        case .empty, .bytes, .borrowed:
            // libcurl rewinds to send the body again on a fresh connection when a reused one
            // dies mid-request. A caller that turned retries off resumes by itself (an upload
            // session asks the service what arrived), so that silent replay is refused.
            if !request.retries && offset == 0 && uploadOffset > 0 {
                replayRefused = true
                return CCURL_SEEKFUNC_CANTSEEK
            }
            uploadOffset = Int(offset)
            return CCURL_SEEKFUNC_OK
        case .stream:
            if offset == 0 && !streamTouched { return CCURL_SEEKFUNC_OK }
            return CCURL_SEEKFUNC_CANTSEEK
        }
    }

    func progress(dlTotal: Int64, dlNow: Int64, ulTotal: Int64, ulNow: Int64) -> Int32 {
        if isCancelled() {
            cancelled = true
            return 1
        }
        if let onProgress = request.onProgress {
            let p: (Int64, Int64)
            if hasUpload {
                p = (ulNow, ulTotal > 0 ? ulTotal : max(request.body.knownSize ?? 0, 0))
            } else {
                p = (dlNow, dlTotal)
            }
            if p != lastProgress {
                lastProgress = p
                onProgress(p.0, p.1)
            }
        }
        return 0
    }
}

// MARK: - C callbacks (no captures: the Transfer comes through the user-data pointer)

private func transfer(_ p: UnsafeMutableRawPointer?) -> Transfer {
    Unmanaged<Transfer>.fromOpaque(p!).takeUnretainedValue()
}

let curlWriteCallback: ccurl_data_callback = { data, size, count, user in
    let n = size * count
    guard n > 0, let data else { return 0 }
    return transfer(user).receive(UnsafeRawBufferPointer(start: data, count: n)) ? n : 0
}

let curlHeaderCallback: ccurl_data_callback = { data, size, count, user in
    let n = size * count
    guard n > 0, let data else { return n }
    return transfer(user).headerLine(UnsafeRawBufferPointer(start: data, count: n)) ? n : 0
}

let curlReadCallback: ccurl_data_callback = { data, size, count, user in
    let n = size * count
    guard n > 0, let data else { return 0 }
    let r = transfer(user).read(into: UnsafeMutableRawBufferPointer(start: data, count: n))
    return r < 0 ? CCURL_READFUNC_ABORT : r
}

let curlSeekCallback: ccurl_seek_callback = { user, offset, origin in
    guard origin == SEEK_SET else { return CCURL_SEEKFUNC_CANTSEEK }
    return transfer(user).seek(to: Int64(offset))
}

let curlProgressCallback: ccurl_xferinfo_callback = { user, dlTotal, dlNow, ulTotal, ulNow in
    transfer(user).progress(dlTotal: Int64(dlTotal), dlNow: Int64(dlNow), ulTotal: Int64(ulTotal), ulNow: Int64(ulNow))
}
