import CCurl
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TextEncodings

/// HTTP for the host and every plugin, over libcurl loaded at run time.
///
/// All clients of a process share one libcurl multi handle: connections are kept alive and
/// reused across requests (and across clients), HTTP/2 is used where the server offers it
/// through ALPN, responses may be gzip/deflate/brotli/zstd encoded (decoded transparently).
/// TLS is always verified; `caBundle` replaces the system's trusted CAs. Proxies come from
/// `https_proxy`/`HTTPS_PROXY`/`all_proxy` and `no_proxy`/`NO_PROXY`, read by libcurl itself
/// (CURLOPT_PROXY is never set).
///
/// Retries follow `RetryPolicy`. When the retries run out on a 429 or 503, `send` returns
/// that last response (with its Retry-After header and the service's error body): mapping it
/// to a message is the caller's job (`HTTPError.throttled(_:url:)` helps). Transport failures
/// are thrown as `HTTPError`s with a one-line description.
///
/// Requests from several threads are serialized (libcurl handles are single-threaded).
/// Calling `send` from inside a request's own callbacks is an error.
public final class HTTPClient {
    public let configuration: HTTPClientConfiguration
    private let runtime: CurlRuntime
    private let connectTo: CurlStringList

    public init(_ configuration: HTTPClientConfiguration) throws(HTTPError) {
        self.configuration = configuration
        runtime = CurlRuntime.shared
        if let error = runtime.loadError { throw HTTPError(.unavailable, error) }
        if let ca = configuration.caBundle, access(ca, R_OK) != 0 {
            let reason = String(cString: strerror(errno))
            throw HTTPError(.invalidRequest, "cannot read the CA bundle \(ca) (M365_CA_BUNDLE): \(reason)")
        }
        connectTo = CurlStringList(configuration.connectTo)
    }

    /// "libcurl/7.88.1 OpenSSL/3.0.11", for `m365 cli doctor` and traces.
    public static var libraryVersion: String? {
        let rt = CurlRuntime.shared
        guard rt.loadError == nil else { return nil }
        return "libcurl/\(rt.version) \(rt.sslVersion)" + (rt.hasHTTP2 ? " (HTTP/2)" : "")
    }

    public func send(_ request: HTTPRequest) throws(HTTPError) -> HTTPResponse {
        let parts = URLParts(request.url)
        guard parts.valid else {
            throw HTTPError(.invalidRequest, "'\(Redaction.url(request.url))' is not an http or https URL")
        }
        let method = request.method.uppercased()
        guard !method.isEmpty, method.utf8.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || $0 == 0x2D || $0 == 0x5F }) else {
            throw HTTPError(.invalidRequest, "'\(request.method)' is not an HTTP method")
        }
        let policy = RetryPolicy(maxRetries: max(0, configuration.maxRetries), maxRetryAfterSeconds: configuration.maxRetryAfterSeconds,
                                 backoffBaseSeconds: configuration.backoffBaseSeconds, backoffMaxSeconds: configuration.backoffMaxSeconds)
        let idempotent = request.isIdempotent
        var retries = 0
        while true {
            if configuration.isCancelled() { throw cancelled(parts, attempts: retries) }
            let attempt = try perform(request, method: method, parts: parts, number: retries + 1)
            let outcome: RetryPolicy.Outcome
            switch attempt.result {
            case let .success(r): outcome = .response(status: r.status, retryAfter: r.header("retry-after"))
            case let .failure(f): outcome = .failure(transient: f.transient, requestSent: f.requestSent)
            }
            let delay = request.retries
                ? policy.delay(after: outcome, idempotent: idempotent, retriesSoFar: retries, random: configuration.random, now: Int(time(nil)))
                : nil
            if let delay {
                if attempt.streamTouched {
                    trace("* not retried: the request body was a stream that cannot be sent again")
                } else if attempt.sinkTouched {
                    trace("* not retried: part of the response body was already delivered")
                } else {
                    trace("* retry \(retries + 1) of \(policy.maxRetries) in \(format(delay)) s (\(reason(outcome)))")
                    try wait(delay, parts: parts, attempts: retries + 1)
                    retries += 1
                    continue
                }
            }
            switch attempt.result {
            case var .success(r):
                r.attempts = retries + 1
                return r
            case var .failure(f):
                f.error.attempts = retries + 1
                // A write whose connection failed after it was sent may have been carried out:
                // say so, so that nobody sends it again blindly (it is never replayed here).
                if !idempotent && f.requestSent && (f.error.kind == .network || f.error.kind == .timeout) {
                    f.error.message += "; the \(method) may have been carried out: check before sending it again"
                }
                throw f.error
            }
        }
    }

    // MARK: - One attempt

    struct Failure: Error {
        var error: HTTPError
        var transient: Bool
        var requestSent: Bool
    }

    struct Attempt {
        var result: Result<HTTPResponse, Failure>
        var streamTouched: Bool
        var sinkTouched: Bool
    }

    private func perform(_ request: HTTPRequest, method: String, parts: URLParts, number: Int) throws(HTTPError) -> Attempt {
        guard runtime.lock() else {
            throw HTTPError(.invalidRequest, "HTTPClient.send was called from inside a callback of another request")
        }
        defer { runtime.unlock() }
        guard let easy = ccurl_easy_init() else { throw HTTPError(.unavailable, "libcurl could not create a transfer") }
        let transfer = Transfer(request: request, isCancelled: configuration.isCancelled)
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CCURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CCURL_ERROR_SIZE) + 1)
        let headerList = CurlStringList(headerLines(request, method: method))
        defer {
            ccurl_easy_cleanup(easy)
            errorBuffer.deallocate()
            withExtendedLifetime(transfer) {}
            withExtendedLifetime(headerList) {}
        }

        let setupError = configure(easy, request: request, method: method, transfer: transfer, headers: headerList, errorBuffer: errorBuffer)
        if let setupError { throw setupError }
        traceRequest(request, method: method, number: number)

        let outcome = runtime.run(easy, isCancelled: configuration.isCancelled)
        let info = Info(easy)
        let errorText = String(cString: errorBuffer)
        let attempt: (Result<HTTPResponse, Failure>) -> Attempt = {
            Attempt(result: $0, streamTouched: transfer.streamTouched, sinkTouched: transfer.sinkTouched)
        }
        switch outcome {
        case .cancelled:
            traceFailure("cancelled", info: info)
            return attempt(.failure(Failure(error: cancelled(parts, attempts: number), transient: false, requestSent: true)))
        case let .multiError(text):
            throw HTTPError(.network, "request to \(parts.host) failed: \(text)")
        case let .done(code):
            if code == CURLE_OK {
                let response = HTTPResponse(status: info.status, headers: transfer.headers, body: transfer.body, url: info.effectiveURL ?? request.url,
                                            httpVersion: info.httpVersion, attempts: number, newConnections: info.newConnections)
                traceResponse(response, info: info, transfer: transfer)
                return attempt(.success(response))
            }
            let failure = classify(code, info: info, errorText: errorText, transfer: transfer, parts: parts)
            traceFailure("\(failure.error.message) [curl \(code.rawValue): \(errorText.isEmpty ? String(cString: ccurl_easy_strerror(code)) : errorText)]",
                         info: info)
            return attempt(.failure(failure))
        }
    }

    /// The header lines for CURLOPT_HTTPHEADER ("Name:" removes a header libcurl would add).
    private func headerLines(_ request: HTTPRequest, method: String) -> [String] {
        var lines: [String] = []
        var names = Set<String>()
        func add(_ name: String, _ value: String) {
            names.insert(name.lowercased())
            // "Name;" is how libcurl sends a header with an empty value.
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        for h in request.headers { add(h.name, h.value) }
        for h in configuration.extraHeaders where !names.contains(h.name.lowercased()) { add(h.name, h.value) }
        let hasBody = method == "POST" || Transfer(request: request, isCancelled: { false }).hasUpload
        // No "Expect: 100-continue" round trip (and no 1 s stall on servers that ignore it).
        if hasBody && !names.contains("expect") { lines.append("Expect:") }
        // No implicit "application/x-www-form-urlencoded" on a POST without a content type.
        if method == "POST" && !names.contains("content-type") { lines.append("Content-Type:") }
        return lines
    }

    private func configure(_ easy: UnsafeMutableRawPointer, request: HTTPRequest, method: String, transfer: Transfer,
                           headers: CurlStringList, errorBuffer: UnsafeMutablePointer<CChar>) -> HTTPError? {
        var failed: (String, CURLcode)?
        func check(_ name: String, _ rc: CURLcode) { if rc != CURLE_OK && failed == nil { failed = (name, rc) } }
        func long(_ o: CURLoption, _ v: Int, _ name: String) { check(name, ccurl_easy_setopt_long(easy, o, v)) }
        func string(_ o: CURLoption, _ v: String?, _ name: String) {
            // libcurl copies strings, so a temporary C string is enough.
            if let v { check(name, v.withCString { ccurl_easy_setopt_ptr(easy, o, $0) }) } else { check(name, ccurl_easy_setopt_ptr(easy, o, nil)) }
        }
        let user = Unmanaged.passUnretained(transfer).toOpaque()

        check("ERRORBUFFER", ccurl_easy_setopt_ptr(easy, CURLOPT_ERRORBUFFER, errorBuffer))
        string(CURLOPT_URL, request.url, "URL")
        // Only HTTP(S), also after redirects.
        if ccurl_easy_setopt_ptr(easy, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK {
            long(CURLOPT_PROTOCOLS, Int(CURLPROTO_HTTP | CURLPROTO_HTTPS), "PROTOCOLS")
        }
        if ccurl_easy_setopt_ptr(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK {
            long(CURLOPT_REDIR_PROTOCOLS, Int(CURLPROTO_HTTP | CURLPROTO_HTTPS), "REDIR_PROTOCOLS")
        }
        long(CURLOPT_NOSIGNAL, 1, "NOSIGNAL")
        long(CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0, "FOLLOWLOCATION")
        long(CURLOPT_MAXREDIRS, 10, "MAXREDIRS")

        // TLS: always verified.
        long(CURLOPT_SSL_VERIFYPEER, 1, "SSL_VERIFYPEER")
        long(CURLOPT_SSL_VERIFYHOST, 2, "SSL_VERIFYHOST")
        if let ca = configuration.caBundle {
            string(CURLOPT_CAINFO, ca, "CAINFO")
            // The bundle replaces the system's CAs rather than adding to them.
            string(CURLOPT_CAPATH, nil, "CAPATH")
        }
        // Connect-to entries redirect the HTTPS services (how tests reach the emulator). Plain
        // HTTP is only ever a local managed-identity endpoint, which is reached as its URL says.
        if connectTo.list != nil && request.url.lowercased().hasPrefix("https://") {
            check("CONNECT_TO", ccurl_easy_setopt_ptr(easy, CURLOPT_CONNECT_TO, connectTo.list))
        }

        // Connection reuse and HTTP/2 (libcurl's default for https, set explicitly).
        long(CURLOPT_HTTP_VERSION, CCURL_HTTP_VERSION_2TLS, "HTTP_VERSION")
        long(CURLOPT_PIPEWAIT, 1, "PIPEWAIT")
        long(CURLOPT_TCP_KEEPALIVE, 1, "TCP_KEEPALIVE")
        string(CURLOPT_ACCEPT_ENCODING, "", "ACCEPT_ENCODING")

        // Timeouts: connect (includes the TLS handshake) and "no progress for N seconds".
        long(CURLOPT_CONNECTTIMEOUT, max(1, configuration.connectTimeoutSeconds), "CONNECTTIMEOUT")
        long(CURLOPT_LOW_SPEED_LIMIT, 1, "LOW_SPEED_LIMIT")
        long(CURLOPT_LOW_SPEED_TIME, max(1, configuration.lowSpeedTimeoutSeconds), "LOW_SPEED_TIME")

        if request.header("user-agent") == nil { string(CURLOPT_USERAGENT, configuration.userAgent, "USERAGENT") }
        check("HTTPHEADER", ccurl_easy_setopt_ptr(easy, CURLOPT_HTTPHEADER, headers.list))

        // Method and body.
        let size = request.body.knownSize
        switch method {
        case "GET" where !transfer.hasUpload:
            long(CURLOPT_HTTPGET, 1, "HTTPGET")
        case "HEAD":
            long(CURLOPT_NOBODY, 1, "NOBODY")
        case "POST" where size != nil:
            long(CURLOPT_POST, 1, "POST")
            check("POSTFIELDSIZE_LARGE", ccurl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(size!)))
        default:
            // Upload mode (also a POST of unknown size: libcurl then sends it chunked over
            // HTTP/1.1, and as plain DATA frames over HTTP/2).
            if transfer.hasUpload || method == "PUT" || method == "PATCH" {
                long(CURLOPT_UPLOAD, 1, "UPLOAD")
                if let size { check("INFILESIZE_LARGE", ccurl_easy_setopt_off_t(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(size))) }
            }
            if method != "PUT" { string(CURLOPT_CUSTOMREQUEST, method, "CUSTOMREQUEST") }
        }
        // A body streamed to a sink (a download to a file) arrives in 256 KiB pieces instead of
        // libcurl's 16 KiB: a sixteenth of the callbacks and writes per GiB.
        if request.onResponseBody != nil { long(CURLOPT_BUFFERSIZE, 256 << 10, "BUFFERSIZE") }
        // Large bodies go out in 512 KiB reads instead of libcurl's 64 KiB: an eighth of the
        // callbacks and copies per upload fragment.
        if (size ?? Int64.max) > 1 << 20, method != "GET", method != "HEAD" { long(CURLOPT_UPLOAD_BUFFERSIZE, 512 << 10, "UPLOAD_BUFFERSIZE") }
        check("READFUNCTION", ccurl_easy_setopt_data_callback(easy, CURLOPT_READFUNCTION, curlReadCallback))
        check("READDATA", ccurl_easy_setopt_ptr(easy, CURLOPT_READDATA, user))
        check("SEEKFUNCTION", ccurl_easy_setopt_seek_callback(easy, curlSeekCallback))
        check("SEEKDATA", ccurl_easy_setopt_ptr(easy, CURLOPT_SEEKDATA, user))

        // Response.
        check("WRITEFUNCTION", ccurl_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, curlWriteCallback))
        check("WRITEDATA", ccurl_easy_setopt_ptr(easy, CURLOPT_WRITEDATA, user))
        check("HEADERFUNCTION", ccurl_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, curlHeaderCallback))
        check("HEADERDATA", ccurl_easy_setopt_ptr(easy, CURLOPT_HEADERDATA, user))

        // Progress and cancellation.
        long(CURLOPT_NOPROGRESS, 0, "NOPROGRESS")
        check("XFERINFOFUNCTION", ccurl_easy_setopt_xferinfo_callback(easy, curlProgressCallback))
        check("XFERINFODATA", ccurl_easy_setopt_ptr(easy, CURLOPT_XFERINFODATA, user))

        if let (name, rc) = failed {
            return HTTPError(.invalidRequest, "libcurl rejected option \(name): \(String(cString: ccurl_easy_strerror(rc)))", curlCode: Int(rc.rawValue))
        }
        return nil
    }

    // MARK: - After a transfer

    struct Info {
        var status = 0
        var httpVersion = "1.1"
        var newConnections = 0
        var totalMicroseconds: Int64 = 0
        var pretransferMicroseconds: Int64 = 0
        var requestSize = 0
        var osErrno = 0
        var downloaded: Int64 = 0
        var proxyStatus = 0
        var effectiveURL: String?

        init(_ easy: UnsafeMutableRawPointer) {
            func long(_ i: CURLINFO) -> Int {
                var v = 0
                return ccurl_easy_getinfo_long(easy, i, &v) == CURLE_OK ? v : 0
            }
            func offT(_ i: CURLINFO) -> Int64 {
                var v: curl_off_t = 0
                return ccurl_easy_getinfo_off_t(easy, i, &v) == CURLE_OK ? Int64(v) : 0
            }
            status = long(CURLINFO_RESPONSE_CODE)
            switch long(CURLINFO_HTTP_VERSION) {
            case Int(CURL_HTTP_VERSION_1_0): httpVersion = "1.0"
            case Int(CURL_HTTP_VERSION_2_0): httpVersion = "2"
            case Int(CURL_HTTP_VERSION_3): httpVersion = "3"
            default: httpVersion = "1.1"
            }
            newConnections = long(CURLINFO_NUM_CONNECTS)
            totalMicroseconds = offT(CURLINFO_TOTAL_TIME_T)
            pretransferMicroseconds = offT(CURLINFO_PRETRANSFER_TIME_T)
            requestSize = long(CURLINFO_REQUEST_SIZE)
            osErrno = long(CURLINFO_OS_ERRNO)
            downloaded = offT(CURLINFO_SIZE_DOWNLOAD_T)
            proxyStatus = long(CURLINFO_HTTP_CONNECTCODE)
            var s: UnsafePointer<CChar>?
            if ccurl_easy_getinfo_string(easy, CURLINFO_EFFECTIVE_URL, &s) == CURLE_OK, let s { effectiveURL = String(cString: s) }
        }

        var milliseconds: String { format(Double(totalMicroseconds) / 1000) }
    }

    private func classify(_ code: CURLcode, info: Info, errorText: String, transfer: Transfer, parts: URLParts) -> Failure {
        let host = parts.host
        let errnoText = info.osErrno != 0 ? String(cString: strerror(Int32(info.osErrno))) : nil
        // Nothing of the request can have reached the server before the connection (and the
        // TLS handshake) was up.
        let connectPhase = info.pretransferMicroseconds == 0 && info.requestSize == 0
        let rc = Int(code.rawValue)
        func fail(_ kind: HTTPError.Kind, _ message: String, transient: Bool, sent: Bool) -> Failure {
            Failure(error: HTTPError(kind, message, curlCode: rc), transient: transient, requestSent: sent)
        }
        if transfer.cancelled { return Failure(error: cancelled(parts, attempts: 0), transient: false, requestSent: true) }
        if let target = transfer.refusedRedirect {
            return fail(.network, "\(transfer.current.host) redirected from HTTPS to plain HTTP (\(Redaction.url(target))): refused, the answer would not be protected",
                        transient: false, sent: true)
        }
        if transfer.receiverAborted {
            return fail(.aborted, "the download from \(host) was stopped by the receiver after \(transfer.bodyBytes) bytes", transient: false, sent: true)
        }
        if transfer.senderAborted {
            return fail(.aborted, "the upload to \(host) was stopped by the sender after \(transfer.uploadOffset) bytes", transient: false, sent: true)
        }
        let proxy = Self.proxy(for: parts)
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return fail(.invalidRequest, "'\(Redaction.url(transfer.request.url))' is not a valid URL: \(errorText)", transient: false, sent: false)
        case CURLE_COULDNT_RESOLVE_PROXY:
            return fail(.network, "cannot resolve the proxy \(proxy ?? "") for \(host)", transient: false, sent: false)
        case CURLE_COULDNT_RESOLVE_HOST:
            return fail(.network, "cannot resolve the host name \(host) (is the URL right, and the network up?)", transient: false, sent: false)
        case CURLE_COULDNT_CONNECT:
            let why = errnoText ?? (errorText.isEmpty ? "connection failed" : errorText)
            if let proxy { return fail(.network, "cannot connect to \(host) through the proxy \(proxy): \(why)", transient: true, sent: false) }
            return fail(.network, "cannot connect to \(host): \(why)", transient: true, sent: false)
        case CURLE_PEER_FAILED_VERIFICATION:
            if errorText.contains("subject name") || errorText.contains("does not match") {
                return fail(.network, "the TLS certificate of \(host) is not valid for that name (\(errorText))", transient: false, sent: false)
            }
            let hint = configuration.caBundle.map { "is M365_CA_BUNDLE=\($0) the right bundle?" } ?? "set M365_CA_BUNDLE?"
            return fail(.network, "TLS certificate of \(host) is not trusted (\(hint))", transient: false, sent: false)
        case CURLE_SSL_CACERT_BADFILE:
            return fail(.invalidRequest, "cannot use the CA bundle \(configuration.caBundle ?? "(system default)"): \(errorText)", transient: false, sent: false)
        case CURLE_SSL_CONNECT_ERROR:
            return fail(.network, "the TLS handshake with \(host) failed: \(errorText.isEmpty ? errnoText ?? "" : errorText)",
                        transient: true, sent: false)
        case CURLE_OPERATION_TIMEDOUT:
            if connectPhase {
                return fail(.timeout, "timed out connecting to \(host) after \(configuration.connectTimeoutSeconds) s", transient: true, sent: false)
            }
            return fail(.timeout, "\(host) stopped responding (no data for \(configuration.lowSpeedTimeoutSeconds) s)", transient: true, sent: true)
        case CURLE_ABORTED_BY_CALLBACK:
            return Failure(error: cancelled(parts, attempts: 0), transient: false, requestSent: true)
        case CURLE_TOO_MANY_REDIRECTS:
            return fail(.network, "\(host) redirected too many times", transient: false, sent: true)
        case CURLE_SEND_FAIL_REWIND where transfer.replayRefused:
            return fail(.network, "the connection to \(host) dropped while the request was being sent", transient: true, sent: true)
        case CURLE_WRITE_ERROR, CURLE_READ_ERROR, CURLE_SEND_FAIL_REWIND:
            return fail(.aborted, "the transfer with \(host) failed: \(errorText)", transient: false, sent: true)
        default:
            break
        }
        // Proxy tunnel refused.
        if info.proxyStatus != 0 && !(200..<300).contains(info.proxyStatus) {
            return fail(.network, "the proxy \(proxy ?? "") refused to connect to \(host) (HTTP \(info.proxyStatus))", transient: false, sent: false)
        }
        let transientCodes: Set<UInt32> = [
            CURLE_SEND_ERROR.rawValue, CURLE_RECV_ERROR.rawValue, CURLE_GOT_NOTHING.rawValue, CURLE_PARTIAL_FILE.rawValue,
            CURLE_HTTP2.rawValue, CURLE_HTTP2_STREAM.rawValue, CURLE_HTTP3.rawValue,
        ]
        let transient = transientCodes.contains(code.rawValue)
        if transfer.status > 0 || info.downloaded > 0 || transfer.bodyBytes > 0 {
            // The response had started.
            return fail(.network, "the response from \(host) was cut off after \(transfer.bodyBytes) bytes", transient: transient, sent: true)
        }
        if code == CURLE_GOT_NOTHING {
            return fail(.network, "\(host) closed the connection without answering", transient: true, sent: !connectPhase)
        }
        if code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR {
            let why = errnoText ?? errorText
            return fail(.network, "the connection to \(host) failed before the response arrived: \(why)", transient: transient, sent: !connectPhase)
        }
        let detail = errorText.isEmpty ? String(cString: ccurl_easy_strerror(code)) : errorText
        return fail(.network, "request to \(host) failed: \(detail)", transient: transient, sent: !connectPhase)
    }

    /// The proxy libcurl will use for this URL according to the environment, for messages.
    static func proxy(for parts: URLParts) -> String? {
        func env(_ name: String) -> String? {
            guard let v = getenv(name) else { return nil }
            let s = String(cString: v)
            return s.isEmpty ? nil : s
        }
        let noProxy = env("no_proxy") ?? env("NO_PROXY") ?? ""
        for entry in noProxy.split(separator: ",") {
            var e = trim(String(entry)).lowercased()
            if e == "*" { return nil }
            if e.hasPrefix(".") { e.removeFirst() }
            if !e.isEmpty && (parts.host == e || parts.host.hasSuffix("." + e)) { return nil }
        }
        let specific = parts.scheme == "https" ? env("https_proxy") ?? env("HTTPS_PROXY") : env("http_proxy")
        return specific ?? env("all_proxy") ?? env("ALL_PROXY")
    }

    private func cancelled(_ parts: URLParts, attempts: Int) -> HTTPError {
        HTTPError(.cancelled, "the request to \(parts.host) was cancelled", attempts: attempts)
    }

    private func reason(_ outcome: RetryPolicy.Outcome) -> String {
        switch outcome {
        case let .response(status, retryAfter):
            return retryAfter.map { "HTTP \(status), Retry-After: \($0)" } ?? "HTTP \(status)"
        case .failure:
            return "transient network failure"
        }
    }

    /// Waits before a retry; ends early with `.cancelled`.
    private func wait(_ seconds: Double, parts: URLParts, attempts: Int) throws(HTTPError) {
        if let sleep = configuration.sleep {
            sleep(seconds)
        } else {
            var left = seconds
            while left > 0 && !configuration.isCancelled() {
                let slice = min(left, 0.1)
                var ts = timespec(tv_sec: Int(slice), tv_nsec: Int((slice - Double(Int(slice))) * 1e9))
                var rest = timespec()
                while nanosleep(&ts, &rest) != 0 && errno == EINTR { ts = rest }
                left -= slice
            }
        }
        if configuration.isCancelled() { throw cancelled(parts, attempts: attempts) }
    }

    // MARK: - Trace (--debug)

    private func trace(_ line: String) { configuration.trace?(line) }

    private func traceRequest(_ request: HTTPRequest, method: String, number: Int) {
        guard configuration.trace != nil else { return }
        trace("> \(method) \(Redaction.url(request.url))" + (number > 1 ? " (attempt \(number))" : ""))
        var shown = Set<String>()
        for h in request.headers {
            shown.insert(h.name.lowercased())
            trace("> \(h.name): \(Redaction.header(name: h.name, value: h.value))")
        }
        for h in configuration.extraHeaders where !shown.contains(h.name.lowercased()) {
            trace("> \(h.name): \(Redaction.header(name: h.name, value: h.value))")
        }
        if !shown.contains("user-agent") { trace("> User-Agent: \(configuration.userAgent)") }
        switch request.body {
        case .empty: break
        case let .bytes(b): traceBody(">", b, contentType: request.header("content-type"))
        case let .borrowed(b): traceBody(">", Array(b), contentType: request.header("content-type"))  // a copy only when tracing
        case let .stream(size, _): trace("> [streamed body, \(size.map { "\($0) bytes" } ?? "size unknown")]")
        }
    }

    private func traceResponse(_ r: HTTPResponse, info: Info, transfer: Transfer) {
        guard configuration.trace != nil else { return }
        trace("< HTTP/\(r.httpVersion) \(r.status) (\(info.milliseconds) ms, \(info.newConnections > 0 ? "new connection" : "reused connection"))")
        for h in r.headers { trace("< \(h.name): \(Redaction.header(name: h.name, value: h.value))") }
        if transfer.sinkTouched {
            trace("< [body streamed to the receiver, \(transfer.bodyBytes) bytes]")
        } else {
            traceBody("<", r.body, contentType: r.header("content-type"))
        }
    }

    private func traceFailure(_ message: String, info: Info) {
        trace("! \(message) (after \(info.milliseconds) ms)")
    }

    private func traceBody(_ prefix: String, _ bytes: [UInt8], contentType: String?) {
        guard !bytes.isEmpty else { return }
        let ct = contentType?.lowercased() ?? ""
        let texty = ct.isEmpty || ct.hasPrefix("text/") || ct.contains("json") || ct.contains("xml") || ct.contains("x-www-form-urlencoded")
            || ct.contains("javascript")
        guard texty, let text = String(validating: bytes, as: UTF8.self) else {
            trace("\(prefix) [\(bytes.count) bytes\(ct.isEmpty ? "" : " of \(ct)")]")
            return
        }
        let redacted = Redaction.body(text, contentType: contentType)
        let limit = max(0, configuration.traceBodyLimit)
        var shown = redacted
        var more = 0
        let utf8 = Array(redacted.utf8)
        if utf8.count > limit {
            var cut = limit
            // Not inside a multi-byte character.
            while cut > 0 && utf8[cut] & 0xC0 == 0x80 { cut -= 1 }
            shown = String(decoding: utf8[..<cut], as: UTF8.self)
            more = utf8.count - cut
        }
        for line in shown.split(separator: "\n", omittingEmptySubsequences: false) { trace("\(prefix) \(line)") }
        if more > 0 { trace("\(prefix) … [\(more) more bytes]") }
    }
}

func format(_ seconds: Double) -> String {
    let tenths = (seconds * 10).rounded()
    return tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int(tenths / 10)) : String(tenths / 10)
}
