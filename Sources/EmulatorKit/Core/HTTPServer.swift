import Foundation
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL

/// HTTP/1.1 (keep-alive, pipelining) over TLS or plain TCP, and HTTP/2 when ALPN picks `h2`,
/// on SwiftNIO directly: fault injection needs control a framework hides (resetting a socket
/// mid-body, a short body). HTTP/2 streams are turned into HTTP/1 request parts, so the same
/// handlers serve both.
final class HTTPServer: Sendable {
    let channel: Channel

    private init(channel: Channel) { self.channel = channel }

    var port: Int { channel.localAddress?.port ?? 0 }

    static func start(app: EmulatorApp, host: String, port: Int, tls: NIOSSLContext?, http2: Bool,
                      listener: EmulatorRequest.Listener, group: EventLoopGroup) async throws -> HTTPServer {
        /// The request handlers, after the HTTP/1 codec or an HTTP/2 stream's HTTP/1 adapter.
        @Sendable func addHandlers(_ channel: Channel) throws {
            let ops = channel.pipeline.syncOperations
            try ops.addHandler(DriveStreamHandler(app: app, listener: listener))
            try ops.addHandler(HTTPRequestHandler(app: app, listener: listener))
        }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 512)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                guard let tls, http2 else {
                    return channel.eventLoop.makeCompletedFuture {
                        let ops = channel.pipeline.syncOperations
                        if let tls { try ops.addHandler(NIOSSLServerHandler(context: tls)) }
                        try ops.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                        try addHandlers(channel)
                    }
                }
                do {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
                // ALPN decides: h2 gets a multiplexer whose streams speak HTTP/1 parts inward.
                return channel.configureHTTP2SecureUpgrade(
                    h2ChannelConfigurator: { connection in
                        connection.configureHTTP2Pipeline(mode: .server) { stream in
                            stream.eventLoop.makeCompletedFuture {
                                try stream.pipeline.syncOperations.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                                try addHandlers(stream)
                            }
                        }.map { _ in }
                    },
                    http1ChannelConfigurator: { connection in
                        connection.eventLoop.makeCompletedFuture {
                            try connection.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                            try addHandlers(connection)
                        }
                    })
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        return HTTPServer(channel: channel)
    }

    func close() async {
        try? await channel.close().get()
    }
}

/// Collects one request, asks the app for the response and writes it, applying the fault the
/// app decided on (delay, connection reset mid-body, truncated body).
final class HTTPRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let app: EmulatorApp
    private let listener: EmulatorRequest.Listener
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var remote = ""

    init(app: EmulatorApp, listener: EmulatorRequest.Listener) {
        self.app = app
        self.listener = listener
    }

    func channelActive(context: ChannelHandlerContext) {
        remote = context.channel.remoteAddress?.ipAddress ?? ""
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(h):
            head = h
            body = nil
        case var .body(chunk):
            if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
        case .end:
            guard let head else { return }
            self.head = nil
            let bytes = body.map { Array($0.readableBytesView) } ?? []
            body = nil
            handle(context: context, head: head, body: bytes)
        }
    }

    /// The request's host (no port, lower case), path and raw query.
    static func target(of head: HTTPRequestHead) -> (host: String, path: String, query: String) {
        var host = (head.headers.first(name: "Host") ?? "").lowercased()
        if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") { host = String(host[..<colon]) }
        let uri = head.uri
        guard let q = uri.firstIndex(of: "?") else { return (host, uri, "") }
        return (host, String(uri[..<q]), String(uri[uri.index(after: q)...]))
    }

    private func handle(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        let (host, path, query) = Self.target(of: head)
        let request = EmulatorRequest(method: head.method, host: host, listener: listener, path: path.isEmpty ? "/" : path,
                                      rawQuery: query, headers: head.headers, body: body, remoteAddress: remote)
        let outcome = app.respond(request)
        let keepAlive = head.isKeepAlive
        let version = head.version
        let delay = outcome.fault.delayMilliseconds
        if delay > 0 {
            let loop = context.eventLoop.assumeIsolated()
            loop.scheduleTask(in: .milliseconds(Int64(delay))) {
                self.write(context: context, outcome: outcome, keepAlive: keepAlive, version: version)
            }
        } else {
            write(context: context, outcome: outcome, keepAlive: keepAlive, version: version)
        }
    }

    private func write(context: ChannelHandlerContext, outcome: EmulatorApp.Outcome, keepAlive: Bool, version: HTTPVersion) {
        let response = outcome.response
        var headers = response.headers
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        headers.replaceOrAdd(name: "Date", value: HTTPRequestHandler.httpDate())
        let closing = !keepAlive || outcome.fault.action == .reset || outcome.fault.action == .truncate
        // HTTP/2 has no connection header: the stream ends with the response.
        if version.major < 2 { headers.replaceOrAdd(name: "Connection", value: closing ? "close" : "keep-alive") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: response.status, headers: headers))), promise: nil)

        switch outcome.fault.action {
        case .reset, .truncate:
            // Send about half the promised bytes, then drop the connection.
            let sent = response.body.count / 2
            var buffer = context.channel.allocator.buffer(capacity: sent)
            buffer.writeBytes(response.body[0..<sent])
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            if outcome.fault.action == .reset {
                // SO_LINGER 0 turns close() into a TCP RST; closing below the TLS handler skips close_notify.
                let channel = context.channel
                let provider = channel as? SocketOptionProvider
                let ssl = try? channel.pipeline.syncOperations.context(handlerType: NIOSSLServerHandler.self)
                let closeRaw: () -> Void = {
                    if let ssl { ssl.close(promise: nil) } else { channel.close(promise: nil) }
                }
                if let provider {
                    provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolated().whenComplete { _ in closeRaw() }
                } else {
                    closeRaw()
                }
            } else {
                context.close(promise: nil)
            }
            return
        default:
            break
        }

        if !response.body.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: response.body.count)
            buffer.writeBytes(response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        if closing {
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private static let dateFormatter: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f
    }()
    private static let dateLock = NSLock()

    static func httpDate() -> String {
        dateLock.lock()
        defer { dateLock.unlock() }
        return dateFormatter.string(from: Date())
    }
}
