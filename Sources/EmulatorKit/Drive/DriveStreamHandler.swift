import Foundation
import JSONModel
import NIOCore
import NIOHTTP1
import NIOSSL

/// Sits in front of `HTTPRequestHandler` and takes the requests whose bodies must not be held
/// in memory: upload-session fragments (`PUT /_upload/…`, written into the session's file as
/// they arrive), simple uploads (`PUT …/content`, streamed to a temporary file, then routed
/// with the file attached) and downloads (`GET /_download/…`, sent from disk in chunks). It
/// applies fault injection itself so a reset or truncation can cut a body in the middle.
/// Every other request passes through untouched.
final class DriveStreamHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let chunkSize = 256 * 1024

    private enum Mode {
        case passthrough
        /// Answered at the end (fault response, validation error, status, cancel, download).
        case drain(EmulatorResponse?)
        case fragment(FragmentWriter)
        case simple(TempFileWriter)
        /// A SharePoint `$value` download: routed at the end, its file sent from disk.
        case sharePointDownload
        /// The connection is being dropped: ignore the rest.
        case dead
    }

    private let app: EmulatorApp
    private let listener: EmulatorRequest.Listener
    private var mode = Mode.passthrough
    private var request: EmulatorRequest?
    private var head: HTTPRequestHead?
    private var fault = FaultDecision()
    private var received: Int64 = 0
    private var expected: Int64 = 0
    private var started = DispatchTime.now()
    private var remote = ""

    init(app: EmulatorApp, listener: EmulatorRequest.Listener) {
        self.app = app
        self.listener = listener
    }

    private var state: EmulatorState { app.state }

    func channelActive(context: ChannelHandlerContext) {
        remote = context.channel.remoteAddress?.ipAddress ?? ""
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        abandon()
        context.fireChannelInactive()
    }

    private func abandon() {
        switch mode {
        case let .fragment(w): w.abort()
        case let .simple(w): w.discard()
        default: break
        }
        mode = .dead
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case let .head(h):
            if begin(context: context, head: h) { return }
            mode = .passthrough
            context.fireChannelRead(data)
        case let .body(buffer):
            switch mode {
            case .passthrough: context.fireChannelRead(data)
            case let .fragment(w):
                w.write(buffer)
                bodyProgress(context: context, bytes: buffer.readableBytes)
            case let .simple(w):
                w.write(buffer)
                bodyProgress(context: context, bytes: buffer.readableBytes)
            case .drain: received += Int64(buffer.readableBytes)
            case .dead, .sharePointDownload: break
            }
        case .end:
            switch mode {
            case .passthrough: context.fireChannelRead(data)
            case .dead: break
            case let .drain(response): finish(context: context, response: response)
            case let .fragment(w):
                mode = .dead
                let r = w.finish(request!, state: state)
                respond(context: context, r, file: nil)
            case let .simple(w):
                mode = .dead
                respond(context: context, routeSimpleUpload(w), file: nil)
            case .sharePointDownload:
                mode = .dead
                routeSharePointDownload(context: context)
            }
        }
    }

    // MARK: Request start

    /// Takes over the request when it is one of ours; false lets it pass.
    private func begin(context: ChannelHandlerContext, head h: HTTPRequestHead) -> Bool {
        let (host, path, query) = HTTPRequestHandler.target(of: h)
        if h.method == .POST && path == AdminService.prefix + "directory/reset" {
            // The directory reset empties every OneDrive too (their files included).
            state.drives.reset()
            return false
        }
        if listener == .https, case .sharePoint = ServiceHost.classify(host) { return beginSharePoint(context: context, head: h, host: host, path: path, query: query) }
        guard listener == .https, case .graph = ServiceHost.classify(host) else { return false }
        let lower = path.lowercased()
        let isUpload = lower.hasPrefix(DriveTransfer.uploadPrefix)
        let isDownload = lower.hasPrefix(DriveTransfer.downloadPrefix) && (h.method == .GET || h.method == .HEAD)
        let isSimple = h.method == .PUT && lower.hasSuffix("/content") && (lower.hasPrefix("/v1.0/") || lower.hasPrefix("/beta/"))
            && (lower.contains("/drive/") || lower.contains("/drives/"))
        guard isUpload || isDownload || isSimple else { return false }

        let req = start(head: h, host: host, path: path, query: query)
        if let response = faultResponse(req) {
            mode = .drain(response)
        } else if isUpload && h.method == .PUT {
            switch DriveTransfer.beginFragment(req, state: state) {
            case let .success(w): mode = .fragment(w)
            case let .failure(e): mode = .drain(e.response)
            }
        } else if isSimple {
            if let w = TempFileWriter(path: state.drives.tempPath()) {
                mode = .simple(w)
            } else {
                mode = .drain(GraphService.error(.internalServerError, "generalException", "Could not create a temporary file.", req))
            }
        } else {
            mode = .drain(nil)
        }
        if h.headers.first(name: "Expect")?.lowercased() == "100-continue" {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: h.version, status: .continue))), promise: nil)
        }
        return true
    }

    /// Takes over a request whose body or answer streams: its counters and its fault decision.
    private func start(head h: HTTPRequestHead, host: String, path: String, query: String) -> EmulatorRequest {
        let req = EmulatorRequest(method: h.method, host: host, listener: listener, path: path, rawQuery: query, headers: h.headers,
                                  body: [], remoteAddress: remote)
        request = req
        head = h
        received = 0
        expected = Int64(h.headers.first(name: "Content-Length") ?? "") ?? 0
        started = DispatchTime.now()
        fault = state.faults.decide(host: host, path: path)
        return req
    }

    /// SharePoint file bodies (`Files/add`, StartUpload, ContinueUpload, FinishUpload) are streamed
    /// to a temporary file and routed with it attached; `$value` downloads are sent from disk.
    private func beginSharePoint(context: ChannelHandlerContext, head h: HTTPRequestHead, host: String, path: String, query: String) -> Bool {
        let upload = SharePointFiles.isStreamedUpload(h.method, path: path)
        guard upload || SharePointFiles.isDownload(h.method, path: path) else { return false }
        let req = start(head: h, host: host, path: path, query: query)
        if let response = faultResponse(req) {
            mode = .drain(response)
        } else if !upload {
            mode = .sharePointDownload
        } else if let w = TempFileWriter(path: state.drives.tempPath(), hashing: false) {
            mode = .simple(w)
        } else {
            mode = .drain(SharePointService.odataError(.internalServerError, "-1, System.IO.IOException", "Could not create a temporary file.", req))
        }
        if h.headers.first(name: "Expect")?.lowercased() == "100-continue" {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: h.version, status: .continue))), promise: nil)
        }
        return true
    }

    /// Routes a `$value` request; a file answer (`SharePointFiles.bodyFileHeader`) is sent from disk.
    private func routeSharePointDownload(context: ChannelHandlerContext) {
        guard let req = request else { return }
        var response = app.route(req)
        guard let spec = response.headers.first(name: SharePointFiles.bodyFileHeader), let bar = spec.firstIndex(of: "|"),
              let length = Int64(spec[..<bar]) else {
            respond(context: context, response, file: nil)
            return
        }
        response.headers.remove(name: SharePointFiles.bodyFileHeader)
        let file = FileBody(path: String(spec[spec.index(after: bar)...]), offset: 0, length: length)
        respond(context: context, response, file: req.method == .HEAD ? nil : file, headLength: length)
    }

    private func faultResponse(_ req: EmulatorRequest) -> EmulatorResponse? {
        switch fault.action {
        case let .status(code, retryAfter): return app.faultResponse(code, retryAfter: retryAfter, req)
        case let .html(code): return EmulatorApp.htmlErrorPage(code)
        default: return nil
        }
    }

    /// A reset or truncation fault drops the connection once half the announced body arrived:
    /// the fragment (or simple upload) is not committed.
    private func bodyProgress(context: ChannelHandlerContext, bytes: Int) {
        received += Int64(bytes)
        guard fault.action == .reset || fault.action == .truncate, expected > 0, received * 2 >= expected else { return }
        abandon()
        log(status: 0)
        drop(context: context, reset: fault.action == .reset)
    }

    // MARK: Request end

    private func finish(context: ChannelHandlerContext, response: EmulatorResponse?) {
        mode = .dead
        let req = request!
        if let response {
            respond(context: context, response, file: nil)
            return
        }
        if req.path.lowercased().hasPrefix(DriveTransfer.downloadPrefix) {
            let (r, file) = DriveTransfer.download(req, state: state)
            respond(context: context, r, file: req.method == .HEAD ? nil : file, headLength: file?.length)
        } else {
            respond(context: context, DriveTransfer.sessionRequest(req, state: state), file: nil)
        }
    }

    /// Routes a simple upload like any Graph request, its body being the streamed file.
    private func routeSimpleUpload(_ w: TempFileWriter) -> EmulatorResponse {
        var req = request!
        guard let body = w.finish() else {
            return GraphService.error(.internalServerError, "generalException", "Could not store the upload.", req)
        }
        let token = state.drives.registerStreamed(body)
        req.headers.replaceOrAdd(name: GraphDrive.streamedBodyHeader, value: token)
        let response = app.route(req)
        if let left = state.drives.claimStreamed(token) { unlink(left.path) }
        return response
    }

    // MARK: Responses

    private func log(status: Int) {
        guard let req = request else { return }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
        state.requestLog.record(req, status: status, fault: fault, durationMs: ms, streamedBodyLength: received)
    }

    private func respond(context: ChannelHandlerContext, _ response: EmulatorResponse, file: FileBody?, headLength: Int64? = nil) {
        log(status: Int(response.status.code))
        let delay = fault.delayMilliseconds
        if delay > 0 {
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(delay))) {
                self.write(context: context, response, file: file, headLength: headLength)
            }
        } else {
            write(context: context, response, file: file, headLength: headLength)
        }
    }

    private func write(context: ChannelHandlerContext, _ response: EmulatorResponse, file: FileBody?, headLength: Int64?) {
        guard let h = head else { return }
        let length = file?.length ?? headLength ?? Int64(response.body.count)
        var headers = response.headers
        headers.replaceOrAdd(name: "Content-Length", value: String(length))
        headers.replaceOrAdd(name: "Date", value: HTTPRequestHandler.httpDate())
        let cut = fault.action == .reset || fault.action == .truncate
        let closing = !h.isKeepAlive || cut
        headers.replaceOrAdd(name: "Connection", value: closing ? "close" : "keep-alive")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: h.version, status: response.status, headers: headers))), promise: nil)

        // A cut response sends about half its bytes, then drops the connection.
        let limit = cut ? length / 2 : length
        if let file {
            let fd = open(file.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                drop(context: context, reset: false)
                return
            }
            sendFile(context: context, fd: fd, offset: file.offset, remaining: limit, cut: cut, closing: closing)
            return
        }
        let body = response.body
        let n = Int(limit)
        if n > 0 {
            var buffer = context.channel.allocator.buffer(capacity: n)
            buffer.writeBytes(body[0..<n])
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        end(context: context, cut: cut, closing: closing)
    }

    /// Reads the file a chunk at a time, writing the next chunk once the last one was flushed,
    /// so at most one chunk per connection is in memory.
    private func sendFile(context: ChannelHandlerContext, fd: Int32, offset: Int64, remaining: Int64, cut: Bool, closing: Bool) {
        if remaining <= 0 {
            close(fd)
            end(context: context, cut: cut, closing: closing)
            return
        }
        let n = Int(min(remaining, Int64(Self.chunkSize)))
        var buffer = context.channel.allocator.buffer(capacity: n)
        let got = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: n) { ptr in
            max(0, pread(fd, ptr.baseAddress, n, off_t(offset)))
        }
        guard got > 0 else {
            close(fd)
            drop(context: context, reset: false)
            return
        }
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer)))).assumeIsolated().whenComplete { result in
            switch result {
            case .success:
                self.sendFile(context: context, fd: fd, offset: offset + Int64(got), remaining: remaining - Int64(got), cut: cut, closing: closing)
            case .failure:
                close(fd)
            }
        }
    }

    private func end(context: ChannelHandlerContext, cut: Bool, closing: Bool) {
        if cut {
            context.flush()
            drop(context: context, reset: fault.action == .reset)
        } else if closing {
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    /// Closes the connection: with a TCP RST (SO_LINGER 0, below TLS so no close_notify) for a
    /// reset, plainly otherwise.
    private func drop(context: ChannelHandlerContext, reset: Bool) {
        mode = .dead
        let channel = context.channel
        guard reset else {
            context.flush()
            context.close(promise: nil)
            return
        }
        let ssl = try? channel.pipeline.syncOperations.context(handlerType: NIOSSLServerHandler.self)
        let closeRaw: () -> Void = {
            if let ssl { ssl.close(promise: nil) } else { channel.close(promise: nil) }
        }
        if let provider = channel as? SocketOptionProvider {
            provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolated().whenComplete { _ in closeRaw() }
        } else {
            closeRaw()
        }
    }
}

/// Streams a request body into a temporary file, hashing it on the way.
final class TempFileWriter {
    let path: String
    private let fd: Int32
    private var size: Int64 = 0
    private var hash = QuickXorHash()
    private var failed = false
    private let hashing: Bool

    init?(path: String, hashing: Bool = true) {
        self.hashing = hashing
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        self.path = path
        self.fd = fd
    }

    func write(_ buffer: ByteBuffer) {
        guard !failed else { return }
        buffer.withUnsafeReadableBytes { ptr in
            if hashing { hash.update(ptr) }
            var p = ptr.baseAddress!
            var n = ptr.count
            while n > 0 {
                let w = Foundation.write(fd, p, n)
                if w < 0 {
                    if errno == EINTR { continue }
                    failed = true
                    return
                }
                p += w
                n -= w
            }
            size += Int64(ptr.count)
        }
    }

    func finish() -> StreamedBody? {
        close(fd)
        guard !failed else {
            unlink(path)
            return nil
        }
        return StreamedBody(path: path, size: size, quickXorHash: hash.base64)
    }

    func discard() {
        close(fd)
        unlink(path)
    }
}
