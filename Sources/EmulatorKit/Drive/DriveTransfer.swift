import Foundation
import JSONModel
import NIOCore
import NIOHTTP1

/// The pre-authenticated transfer URLs on the Graph host: `/_upload/{session}` (upload-session
/// fragments, status, cancel, deferred commit) and `/_download/{token}` (file bytes, with
/// ranges). No bearer token: one on an upload URL is refused with 401, as Graph may.
enum DriveTransfer {
    static let uploadPrefix = "/_upload/"
    static let downloadPrefix = "/_download/"

    /// Graph's error shape with the detailed code in `innerError.code`.
    static func error(_ status: HTTPResponseStatus, _ code: String, _ inner: String?, _ message: String, _ req: EmulatorRequest) -> EmulatorResponse {
        let requestId = Util.newGUID()
        var innerError: JSONObject = [:]
        if let inner { innerError["code"] = .string(inner) }
        innerError["date"] = .string(Util.graphDate())
        innerError["request-id"] = .string(requestId)
        innerError["client-request-id"] = .string(req.header("client-request-id") ?? requestId)
        let body: JSON = ["error": ["code": .string(code), "message": .string(message), "innerError": .object(innerError)]]
        return GraphService.decorate(.json(body, status: status), req, requestId: requestId)
    }

    static func sessionNotFound(_ req: EmulatorRequest) -> EmulatorResponse {
        error(.notFound, "itemNotFound", "uploadSessionNotFound", "The upload session was not found or has expired.", req)
    }

    static func token(_ req: EmulatorRequest, prefix: String) -> String {
        String(req.path.dropFirst(prefix.count)).removingPercentEncoding ?? ""
    }

    static func status(_ s: UploadSession, _ req: EmulatorRequest, store: DriveStore, code: HTTPResponseStatus = .ok) -> EmulatorResponse {
        let (expires, next): (Date, Int64) = store.locked { (s.expires, s.committed) }
        let complete = s.total.map { next >= $0 } ?? false
        let ranges: JSON = complete ? [] : [.string("\(next)-")]
        return GraphService.decorate(.json(["expirationDateTime": .string(Util.iso8601(expires)), "nextExpectedRanges": ranges], status: code), req)
    }

    // MARK: Upload session requests without a streamed body

    /// GET (status), DELETE (cancel) and POST (finish a `deferCommit` session) on an upload URL.
    static func sessionRequest(_ req: EmulatorRequest, state: EmulatorState) -> EmulatorResponse {
        let store = state.drives
        if req.header("Authorization") != nil { return unauthorized(req) }
        guard let s = store.session(token(req, prefix: uploadPrefix)) else { return sessionNotFound(req) }
        switch req.method {
        case .GET: return status(s, req, store: store)
        case .DELETE:
            store.removeSession(s.token, deleteFile: true)
            return GraphService.decorate(EmulatorResponse(status: .noContent), req)
        case .POST:
            let done = store.locked { s.total.map { s.committed >= $0 } ?? false }
            guard done else {
                return error(.badRequest, "invalidRequest", "uploadSessionIncomplete", "The upload session has not received every byte of the file.", req)
            }
            return finalize(s, req, state: state)
        default:
            return error(.methodNotAllowed, "invalidRequest", nil, "The method \(req.method.rawValue) is not supported on an upload URL.", req)
        }
    }

    static func unauthorized(_ req: EmulatorRequest) -> EmulatorResponse {
        error(.unauthorized, "unauthenticated", nil,
              "Upload URLs are pre-authenticated; do not send an Authorization header to them.", req)
    }

    /// Turns a complete session into its driveItem (201 new, 200 replaced) and ends it.
    static func finalize(_ s: UploadSession, _ req: EmulatorRequest, state: EmulatorState) -> EmulatorResponse {
        let store = state.drives
        do {
            let dir = try state.store.with(s.tenantId) { $0 }
            let (size, hash) = store.locked { (s.committed, s.hash.base64) }
            let (o, created): (JSONObject, Bool) = try store.with(s.tenantId, directory: dir) { t in
                guard let drive = t.drives[s.driveId], t.items[s.parentId] != nil else { throw GraphDrive.notFound("The target folder no longer exists.") }
                let (item, created) = try GraphDrive.commitFile(t, driveId: s.driveId, tenantId: s.tenantId, parentId: s.parentId, name: s.name,
                                                                behavior: s.conflictBehavior, existingId: nil, source: s.path, size: size,
                                                                hash: hash, who: s.createdBy, store: store)
                var o: JSONObject = ["@odata.context": .string("https://\(req.host)/v1.0/$metadata#driveItems/$entity")]
                for (k, v) in DriveJSON.item(item, in: t, drive: drive, downloadUrl: nil) { o[k] = v }
                return (o, created)
            }
            store.removeSession(s.token, deleteFile: false)
            return GraphService.decorate(.json(.object(o), status: created ? .created : .ok), req)
        } catch let e as GraphError {
            return error(e.status, e.code, nil, e.message, req)
        } catch {
            return Self.error(.internalServerError, "generalException", nil, "\(error)", req)
        }
    }

    // MARK: Fragments

    /// Checks a fragment PUT from its head; the writer it returns puts the body in the
    /// session's file at its offset as it arrives.
    static func beginFragment(_ req: EmulatorRequest, state: EmulatorState) -> Result<FragmentWriter, ResponseError> {
        let store = state.drives
        func fail(_ status: HTTPResponseStatus, _ code: String, _ inner: String?, _ message: String) -> Result<FragmentWriter, ResponseError> {
            .failure(ResponseError(response: error(status, code, inner, message, req)))
        }
        if req.header("Authorization") != nil { return .failure(ResponseError(response: unauthorized(req))) }
        guard let s = store.session(token(req, prefix: uploadPrefix)) else { return .failure(ResponseError(response: sessionNotFound(req))) }
        guard let cr = req.header("Content-Range"), let range = parseContentRange(cr) else {
            return fail(.badRequest, "invalidRequest", "invalidRange", "The Content-Range header is missing or malformed; expected 'bytes start-end/total'.")
        }
        let length = range.end - range.start + 1
        if let cl = req.header("Content-Length").flatMap({ Int64($0) }), cl != length {
            return fail(.badRequest, "invalidRequest", "fragmentLengthMismatch",
                        "Content-Length \(cl) does not match the Content-Range length \(length).")
        }
        guard range.end < range.total else {
            return fail(.badRequest, "invalidRequest", "invalidRange", "The Content-Range end \(range.end) is not below the total \(range.total).")
        }
        guard length <= DriveStore.maxFragment else {
            return fail(.badRequest, "invalidRequest", "invalidRange", "A fragment must be at most 60 MiB (62914560 bytes); this one has \(length).")
        }
        let isLast = range.end + 1 == range.total
        if !isLast && length % DriveStore.fragmentUnit != 0 {
            return fail(.badRequest, "invalidRequest", "invalidRange",
                        "Fragments other than the last must be a multiple of 320 KiB (327680 bytes); this one has \(length).")
        }
        // Offsets, total and quota are checked and the fragment registered in one step.
        let checked: Result<(Int, QuickXorHash), ResponseError> = store.locked {
            if let total = s.total, total != range.total {
                return .failure(ResponseError(response: error(.badRequest, "invalidRequest", "invalidRange",
                                                              "The Content-Range total \(range.total) differs from the file size \(total) of this session.", req)))
            }
            if range.start < s.committed {
                return .failure(ResponseError(response: error(.rangeNotSatisfiable, "invalidRange", "fragmentOverlap",
                                                              "The uploaded fragment overlaps with data that has already been received.", req)))
            }
            if range.start > s.committed {
                return .failure(ResponseError(response: error(.badRequest, "invalidRequest", "fragmentOutOfOrder",
                                                              "The uploaded fragment is out of order: the next expected byte is \(s.committed).", req)))
            }
            s.total = range.total
            s.generation += 1
            return .success((s.generation, s.hash))
        }
        switch checked {
        case let .failure(e): return .failure(e)
        case let .success((generation, hash)):
            let fd = open(s.path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { return .failure(ResponseError(response: sessionNotFound(req))) }
            return .success(FragmentWriter(store: store, session: s, start: range.start, length: length, generation: generation, hash: hash, fd: fd))
        }
    }

    static func parseContentRange(_ s: String) -> (start: Int64, end: Int64, total: Int64)? {
        let t = s.trimmingCharacters(in: .whitespaces)
        guard t.lowercased().hasPrefix("bytes ") else { return nil }
        let spec = t.dropFirst(6).trimmingCharacters(in: .whitespaces)
        let parts = spec.split(separator: "/")
        guard parts.count == 2, let total = Int64(parts[1]) else { return nil }
        let se = parts[0].split(separator: "-")
        guard se.count == 2, let a = Int64(se[0]), let b = Int64(se[1]), a >= 0, b >= a else { return nil }
        return (a, b, total)
    }

    // MARK: Downloads

    /// What a download URL serves: an error response, or a byte range of a file.
    static func download(_ req: EmulatorRequest, state: EmulatorState) -> (EmulatorResponse, FileBody?) {
        guard let target = state.drives.downloadTarget(token(req, prefix: downloadPrefix)) else {
            return (error(.notFound, "itemNotFound", nil, "The download URL is unknown, has expired, or the file is gone.", req), nil)
        }
        var h = HTTPHeaders()
        h.add(name: "Content-Type", value: target.mimeType)
        h.add(name: "Accept-Ranges", value: "bytes")
        h.add(name: "ETag", value: target.eTag)
        let encoded = target.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? target.name
        h.add(name: "Content-Disposition", value: "attachment; filename*=UTF-8''\(encoded)")
        var start: Int64 = 0, length = target.size
        var status = HTTPResponseStatus.ok
        if let r = req.header("Range") {
            switch parseRange(r, size: target.size) {
            case .none: break
            case .unsatisfiable:
                var eh = HTTPHeaders()
                eh.add(name: "Content-Range", value: "bytes */\(target.size)")
                var resp = error(.rangeNotSatisfiable, "invalidRange", nil, "The requested range is not satisfiable.", req)
                resp.headers.add(contentsOf: eh)
                return (resp, nil)
            case let .range(a, b):
                start = a
                length = b - a + 1
                status = .partialContent
                h.add(name: "Content-Range", value: "bytes \(a)-\(b)/\(target.size)")
            }
        }
        return (EmulatorResponse(status: status, headers: h), FileBody(path: target.path, offset: start, length: length))
    }

    enum RangeRequest { case none, unsatisfiable, range(Int64, Int64) }

    /// One `bytes=a-b`, `bytes=a-` or `bytes=-n` range; several ranges are served as the whole file.
    static func parseRange(_ s: String, size: Int64) -> RangeRequest {
        let t = s.trimmingCharacters(in: .whitespaces)
        guard t.lowercased().hasPrefix("bytes="), !t.contains(",") else { return .none }
        let spec = t.dropFirst(6)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { return .none }
        if parts[0].isEmpty {
            guard let n = Int64(parts[1]), n > 0 else { return .unsatisfiable }
            return size == 0 ? .unsatisfiable : .range(max(0, size - n), size - 1)
        }
        guard let a = Int64(parts[0]) else { return .none }
        guard a < size else { return .unsatisfiable }
        let b = parts[1].isEmpty ? size - 1 : min(Int64(parts[1]) ?? -1, size - 1)
        guard b >= a else { return .none }
        return .range(a, b)
    }
}

struct ResponseError: Error {
    let response: EmulatorResponse
}

/// A byte range of a file to send as a response body.
struct FileBody {
    let path: String
    let offset: Int64
    let length: Int64
}

/// Receives one fragment into the session's file. The fragment counts only once every byte
/// arrived (`finish`); a dropped connection leaves the session where it was.
final class FragmentWriter {
    let store: DriveStore
    let session: UploadSession
    let start: Int64
    let length: Int64
    let generation: Int
    var hash: QuickXorHash
    let fd: Int32
    var written: Int64 = 0
    var stale = false
    var failed = false

    init(store: DriveStore, session: UploadSession, start: Int64, length: Int64, generation: Int, hash: QuickXorHash, fd: Int32) {
        self.store = store
        self.session = session
        self.start = start
        self.length = length
        self.generation = generation
        self.hash = hash
        self.fd = fd
    }

    func write(_ buffer: ByteBuffer) {
        guard !stale, !failed else { return }
        if store.locked({ session.generation != generation }) {
            stale = true
            return
        }
        buffer.withUnsafeReadableBytes { ptr in
            var n = min(Int64(ptr.count), max(0, length - written))
            var p = ptr.baseAddress!
            let usable = UnsafeRawBufferPointer(start: p, count: Int(n))
            hash.update(usable)
            while n > 0 {
                let w = pwrite(fd, p, Int(n), off_t(start + written))
                if w < 0 {
                    if errno == EINTR { continue }
                    failed = true
                    return
                }
                written += Int64(w)
                n -= Int64(w)
                p += w
            }
            if ptr.count > usable.count { written += Int64(ptr.count - usable.count) }  // too long: counted, not stored
        }
    }

    func abort() { close(fd) }

    /// The response to the fragment: 202 with the next range, or the driveItem after the last.
    func finish(_ req: EmulatorRequest, state: EmulatorState) -> EmulatorResponse {
        close(fd)
        if failed {
            return DriveTransfer.error(.internalServerError, "generalException", "uploadSessionFailed", "Could not store the fragment.", req)
        }
        if written != length {
            return DriveTransfer.error(.badRequest, "invalidRequest", "fragmentLengthMismatch",
                                       "The fragment body had \(written) bytes; Content-Range announced \(length).", req)
        }
        let s = session
        let outcome: Int = store.locked {
            guard !stale, s.generation == generation, s.committed == start else { return 0 }
            s.committed = start + length
            s.hash = hash
            s.expires = Date().addingTimeInterval(DriveStore.sessionLifetime)
            return s.committed >= (s.total ?? Int64.max) ? 2 : 1
        }
        switch outcome {
        case 0:
            return DriveTransfer.error(.rangeNotSatisfiable, "invalidRange", "fragmentOverlap",
                                       "Another request for the same range superseded this fragment.", req)
        case 2 where !s.deferCommit:
            return DriveTransfer.finalize(s, req, state: state)
        default:
            return DriveTransfer.status(s, req, store: store, code: .accepted)
        }
    }
}
