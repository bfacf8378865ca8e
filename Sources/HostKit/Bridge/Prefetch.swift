#if canImport(Glibc)
import Glibc
#endif
import HTTPClient

/// The GET (or idempotent POST) a plugin asked for in advance (http_prefetch): its transfer runs on a thread of its
/// own while the plugin emits the page before, and the http_send of the same request takes the
/// outcome. One per call: asking again drops (after waiting for) the one not taken.
final class PrefetchSlot {
    private var pending: PendingRequest?

    /// Starts sending `authorized` (the plugin's `request`, signed in) with `client`.
    func start(_ authorized: Session.AuthorizedRequest, client: HTTPClient, key request: HTTPRequest) {
        drop()
        pending = PendingRequest.start(authorized, client: client, key: RequestKey(request))
    }

    /// The pending request when `request` is the one asked for; else nil (and a different
    /// pending one is waited for and dropped: its transfer must not outlive the slot).
    func take(matching request: HTTPRequest) -> PendingRequest? {
        guard let pending else { return nil }
        self.pending = nil
        if pending.key == RequestKey(request) { return pending }
        _ = pending.outcome()
        return nil
    }

    func drop() {
        _ = pending?.outcome()
        pending = nil
    }

    deinit { drop() }
}

/// What makes two requests the same for a prefetch: everything the plugin set.
struct RequestKey: Equatable {
    var method, url: String
    var resource: String?
    var headers: [String]
    var authenticate, retries: Bool
    var idempotent: Bool?
    var body: [UInt8]?  // nil: a stream, which is never prefetched and so matches nothing

    init(_ request: HTTPRequest) {
        method = request.method
        url = request.url
        resource = request.resource
        headers = request.headers.map { $0.name + ":" + $0.value }
        authenticate = request.authenticate
        retries = request.retries
        idempotent = request.idempotent
        switch request.body {
        case .bytes(let bytes): body = bytes
        case .borrowed(let bytes): body = Array(bytes)
        case .empty: body = []
        case .stream: body = nil
        }
    }
}

/// One request sent on a thread of its own. The HTTP client serializes its transfers, so the
/// main thread sending meanwhile just waits its turn.
final class PendingRequest: @unchecked Sendable {
    let key: RequestKey
    let authorized: Session.AuthorizedRequest
    private let client: HTTPClient
    private var result: Result<HTTPResponse, HTTPError>?
    private var thread = pthread_t()
    private var running = false

    private init(_ authorized: Session.AuthorizedRequest, client: HTTPClient, key: RequestKey) {
        self.authorized = authorized
        self.client = client
        self.key = key
    }

    /// Nil when no thread can be started: the later http_send then sends the request itself.
    static func start(_ authorized: Session.AuthorizedRequest, client: HTTPClient, key: RequestKey) -> PendingRequest? {
        let pending = PendingRequest(authorized, client: client, key: key)
        let context = Unmanaged.passRetained(pending).toOpaque()
        let created = pthread_create(&pending.thread, nil, { context in
            let pending = Unmanaged<PendingRequest>.fromOpaque(context!).takeRetainedValue()
            pending.result = Result { () throws(HTTPError) in try pending.client.send(pending.authorized.request) }
            return nil
        }, context)
        guard created == 0 else {
            Unmanaged<PendingRequest>.fromOpaque(context).release()
            return nil
        }
        pending.running = true
        return pending
    }

    /// The answer (or the transport failure), once the thread is done.
    func outcome() -> Result<HTTPResponse, HTTPError> {
        if running {
            pthread_join(thread, nil)
            running = false
        }
        return result ?? .failure(HTTPError(.unavailable, "the request sent in advance did not finish"))
    }
}
