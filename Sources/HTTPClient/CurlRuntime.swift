import CCurl
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's libcurl: loaded on first use, with the one multi handle every request goes
/// through (shared connection cache, TLS sessions, DNS cache; HTTP/2 multiplexing).
///
/// libcurl handles must not be used from two threads at once, so transfers are serialized
/// by a mutex; a `send` from another thread waits for the running one.
final class CurlRuntime: @unchecked Sendable {
    static let shared = CurlRuntime()

    let loadError: String?
    let multi: UnsafeMutableRawPointer?
    private var mutex = pthread_mutex_t()

    private init() {
        var attr = pthread_mutexattr_t()
        pthread_mutexattr_init(&attr)
        pthread_mutexattr_settype(&attr, Int32(PTHREAD_MUTEX_ERRORCHECK))
        pthread_mutex_init(&mutex, &attr)
        pthread_mutexattr_destroy(&attr)
        if ccurl_load() != 0 {
            loadError = ccurl_load_error().map { String(cString: $0) } ?? "libcurl could not be loaded"
            multi = nil
            return
        }
        guard let m = ccurl_multi_init() else {
            loadError = "libcurl could not be loaded: curl_multi_init failed"
            multi = nil
            return
        }
        // Idle connections kept for reuse: a few hosts (login, graph, SharePoint sites) per run.
        _ = ccurl_multi_setopt_long(m, CURLMOPT_MAXCONNECTS, 16)
        multi = m
        loadError = nil
    }

    var version: String { ccurl_version().map { String(cString: $0) } ?? "" }
    var sslVersion: String { ccurl_ssl_version().map { String(cString: $0) } ?? "" }
    var hasHTTP2: Bool { ccurl_has_feature(CCURL_VERSION_HTTP2) != 0 }

    /// False when the calling thread already holds the lock (a `send` from inside a callback).
    func lock() -> Bool { pthread_mutex_lock(&mutex) == 0 }
    func unlock() { pthread_mutex_unlock(&mutex) }

    enum RunResult {
        case done(CURLcode)
        case cancelled
        case multiError(String)
    }

    /// Drives one easy handle to completion on the shared multi handle. The caller holds the lock.
    func run(_ easy: UnsafeMutableRawPointer, isCancelled: () -> Bool) -> RunResult {
        guard let multi else { return .multiError(loadError ?? "libcurl is not loaded") }
        var mc = ccurl_multi_add_handle(multi, easy)
        guard mc == CURLM_OK else { return .multiError(String(cString: ccurl_multi_strerror(mc))) }
        defer { _ = ccurl_multi_remove_handle(multi, easy) }
        while true {
            var running: Int32 = 0
            mc = ccurl_multi_perform(multi, &running)
            guard mc == CURLM_OK else { return .multiError(String(cString: ccurl_multi_strerror(mc))) }
            var handle: UnsafeMutableRawPointer?
            var code = CURLE_OK
            var finished: CURLcode?
            while ccurl_multi_info_read_done(multi, &handle, &code) == 1 {
                if handle == easy { finished = code }
            }
            if let finished { return .done(finished) }
            if isCancelled() { return .cancelled }
            var fds: Int32 = 0
            // A short timeout keeps cancellation prompt even while nothing moves.
            mc = ccurl_multi_poll(multi, 100, &fds)
            guard mc == CURLM_OK else { return .multiError(String(cString: ccurl_multi_strerror(mc))) }
        }
    }
}

/// Owns a curl_slist and frees it.
final class CurlStringList {
    private(set) var list: UnsafeMutablePointer<curl_slist>?
    init(_ items: [String]) {
        for item in items { list = ccurl_slist_append(list, item) }
    }
    deinit { if let list { ccurl_slist_free_all(list) } }
}
