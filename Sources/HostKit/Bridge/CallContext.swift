#if canImport(Glibc)
import Glibc
#endif
import CommandModel
import HostConfig
import HTTPClient
import JSONModel
import PluginAPI
import SignIn
import TokenStore

/// The host side of one command run by a plugin: every host-table function is a method here
/// (HostTable.swift only turns C arguments into Swift ones). Reached from C through the opaque
/// `m365_call*`, which is this object, unretained.
final class CallContext {
    let route: CommandRoute
    let pluginID: String
    let printer: ResultPrinter
    let global: GlobalSelection
    let paths: HostPaths
    var config: CLIConfig
    let session: Session
    /// Set for a hook (a service's `connect`): the result is handed here instead of printed.
    var capture: ((JSON) -> Void)?
    /// The message behind the last failed host call; kept alive until the next one.
    private var lastErrorStorage: UnsafeMutablePointer<CChar>?
    /// A failure the host itself detected while the plugin ran (malformed JSON emitted …).
    var hostFailure: HostError?
    private var progressShown = false
    /// The GET a plugin asked for in advance (http_prefetch), until an http_send takes it.
    let prefetched = PrefetchSlot()

    init(route: CommandRoute, pluginID: String, printer: ResultPrinter, global: GlobalSelection, paths: HostPaths, config: CLIConfig, session: Session) {
        self.session = session
        self.route = route
        self.pluginID = pluginID
        self.printer = printer
        self.global = global
        self.paths = paths
        self.config = config
        lastErrorStorage = strdup("")
    }

    deinit { free(lastErrorStorage) }

    static func from(_ call: OpaquePointer?) -> CallContext? {
        guard let call else { return nil }
        return Unmanaged<CallContext>.fromOpaque(UnsafeRawPointer(call)).takeUnretainedValue()
    }

    private var service: String? { route.service?.name }

    // MARK: Errors

    var lastError: UnsafePointer<CChar> { UnsafePointer(lastErrorStorage!) }

    func fail(_ status: m365_status, _ message: String) -> m365_status {
        free(lastErrorStorage)
        lastErrorStorage = strdup(message)
        return status
    }

    func fail(_ error: HostError) -> m365_status { fail(error.pluginStatus, error.description) }
    func fail(_ failure: HostCallFailure) -> m365_status { fail(failure.status, failure.message) }

    func succeed() -> m365_status {
        if lastErrorStorage?.pointee != 0 {
            free(lastErrorStorage)
            lastErrorStorage = strdup("")
        }
        return M365_OK
    }

    // MARK: People: log, progress, prompt

    func log(_ level: Int32, _ message: String) {
        switch level {
        case M365_LOG_DEBUG where !global.debug: return
        case M365_LOG_VERBOSE where !(global.verbose || global.debug): return
        default: break
        }
        endProgressLine()
        let prefix = level == M365_LOG_WARNING ? "Warning: " : level == M365_LOG_ERROR ? "Error: " : ""
        Console.err(prefix + message + "\n")
    }

    func progress(_ label: String, done: Int64, total: Int64) {
        guard Console.stderrIsTerminal else { return }
        var line = "\r\(label) \(done)"
        if total > 0 { line += "/\(total) (\(Int(Double(done) * 100 / Double(total)))%)" }
        Console.err(line + "\u{1B}[K")
        progressShown = true
    }

    func endProgressLine() {
        if progressShown {
            Console.err("\r\u{1B}[K")
            progressShown = false
        }
    }

    func prompt(_ question: String, flags: UInt32) -> Result<String, HostCallFailure> {
        guard Console.stdinIsTerminal, Console.stderrIsTerminal, config.bool("prompt") else {
            return .failure(HostCallFailure(M365_ERR_NOT_SUPPORTED, "cannot ask: no terminal (or the 'prompt' setting is false)"))
        }
        let confirm = flags & UInt32(M365_PROMPT_CONFIRM) != 0
        endProgressLine()
        Console.err(question + (confirm ? " [y/N] " : " "))
        guard let line = Console.readLine(secret: flags & UInt32(M365_PROMPT_SECRET) != 0), cancellationRequested == 0 else {
            return .failure(HostCallFailure(M365_ERR_CANCELLED, "no answer (cancelled)"))
        }
        return .success(confirm ? (["y", "yes"].contains(line.lowercased()) ? "true" : "false") : line)
    }

    // MARK: Results

    func emitResult(_ bytes: UnsafeRawBufferPointer?) -> m365_status {
        if let capture {
            guard let value = parseEmitted(bytes) else { return fail(M365_ERR_INVALID_ARGUMENT, hostFailure!.description) }
            capture(value)
            return succeed()
        }
        return emitting(bytes) { bytes throws(HostError) in try printer.emit(resultText: bytes, pluginID: pluginID) }
    }

    func emitItem(_ bytes: UnsafeRawBufferPointer?) -> m365_status {
        emitting(bytes) { bytes throws(HostError) in try printer.emit(itemText: bytes, pluginID: pluginID) }
    }

    /// Hands emitted JSON text to the printer; a failure (NULL, malformed, out of order) fails
    /// the command, whatever the plugin does next.
    private func emitting(_ bytes: UnsafeRawBufferPointer?, _ print: (UnsafeRawBufferPointer) throws(HostError) -> Void) -> m365_status {
        do throws(HostError) {
            guard let bytes else { throw HostError("the plugin emitted a NULL result") }
            try print(bytes)
            return succeed()
        } catch {
            hostFailure = error
            return fail(M365_ERR_INVALID_ARGUMENT, error.description)
        }
    }

    private func parseEmitted(_ bytes: UnsafeRawBufferPointer?) -> JSON? {
        guard let bytes else {
            hostFailure = HostError("the plugin emitted a NULL result")
            return nil
        }
        do {
            return try JSON.parse(buffer: bytes)
        } catch {
            hostFailure = HostError("the plugin '\(pluginID)' emitted malformed JSON: \(error)")
            return nil
        }
    }

    // MARK: Settings, connection facts, plugin state

    /// A CLI setting, or under `connection.` a fact about the service's connection: what every
    /// connection has (cloud, tenant …) or what a plugin published with `connectionSet`.
    func setting(_ name: String) -> Result<String, HostCallFailure> {
        // The output mode of this run, for the commands whose result differs by mode as the
        // CLI's do (a bare id in text output, other rows).
        if name == "invocation.output" { return .success(global.mode.rawValue) }
        if name.hasPrefix("connection.") {
            guard let connection = try? session.connection(forService: service) else {
                return .failure(HostCallFailure(M365_ERR_AUTH_REQUIRED, "Log in to Microsoft 365 first: run 'm365 login'"))
            }
            guard let fact = connectionFact(connection, String(name.dropFirst("connection.".count))) else {
                return .failure(HostCallFailure(M365_ERR_NOT_FOUND, "setting '\(name)' is not set"))
            }
            return .success(fact)
        }
        guard let value = config.value(name) else { return .failure(HostCallFailure(M365_ERR_NOT_FOUND, "setting '\(name)' is not set")) }
        return .success(value.stringValue ?? value.serialized())
    }

    func connectionSet(_ key: String, _ value: String?) -> m365_status {
        guard !key.isEmpty, key.utf8.allSatisfy({ ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A || ($0 >= 0x30 && $0 <= 0x39) }) else {
            return fail(M365_ERR_INVALID_ARGUMENT, "connection_set: the key '\(key)' must be letters and digits")
        }
        guard connectionFact(nil, key) == nil else {
            return fail(M365_ERR_INVALID_ARGUMENT, "connection_set: '\(key)' is kept by m365 itself")
        }
        let service = self.service
        do throws(HostError) {
            try session.updateBook { book throws(HostError) in
                guard var connection = book.connection(forService: service) else {
                    throw HostError("Log in to Microsoft 365 first: run 'm365 login'", kind: .authRequired)
                }
                connection.facts[key] = value
                book.upsert(connection)
            }
            return succeed()
        } catch {
            return fail(error)
        }
    }

    /// Per-plugin, per-connection state: a JSON object in the config directory. The plugin id
    /// is checked when the plugin is accepted (reverse DNS); only its safe characters reach the path.
    private var stateFile: String {
        let safe = String(pluginID.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "." || $0 == "-") })
        let connection = (try? session.book().connection(forService: service))?.id ?? "signed-out"
        return paths.configDirectory + "/plugin-state/\(safe)/\(connection).json"
    }

    func state(_ key: String) -> String? {
        ((try? JSON.parse(FileSystem.readText(stateFile)))?.objectValue ?? JSONObject())[key]?.stringValue
    }

    func setState(_ key: String, _ value: String?) -> m365_status {
        let file = stateFile
        do {
            // Read-modify-write under the store lock: concurrent runs do not lose updates.
            try StoreLock.withExclusiveLock(configDirectory: paths.configDirectory) {
                var state = (try? JSON.parse(FileSystem.readText(file)))?.objectValue ?? JSONObject()
                state[key] = value.map { .string($0) }
                try FileSystem.writeAtomically(file, text: JSON.object(state).serialized())
            }
        } catch {
            return fail(M365_ERR_IO, "\(error)")
        }
        return succeed()
    }

    // MARK: HTTP and tokens

    func accessToken(_ resource: String) -> Result<String, HostCallFailure> {
        do throws(HostError) {
            let connection = try session.connection(forService: service)
            return .success(try session.accessToken(connection, resource: resource))
        } catch {
            return .failure(HostCallFailure(error))
        }
    }

    /// http_send: the plugin's request (only the bytes it declared), sent through the session,
    /// or taken from the prefetch that started it (http_prefetch).
    func send(_ raw: UnsafePointer<m365_http_request>) -> Result<UnsafeMutablePointer<m365_http_response>, HostCallFailure> {
        let outgoing: HTTPRequest
        switch request(raw) {
        case .success(let request): outgoing = request
        case .failure(let failure): return .failure(failure)
        }
        do throws(HostError) {
            let answer: HTTPResponse
            if let pending = prefetched.take(matching: outgoing) {
                answer = try session.complete(pending.authorized, pending.outcome())
                log(M365_LOG_DEBUG, "(the answer to \(outgoing.method) \(Redaction.url(outgoing.url)) was asked for in advance)")
            } else {
                answer = try session.send(outgoing, service: service)
            }
            return .success(Self.response(answer))
        } catch {
            return .failure(HostCallFailure(error))
        }
    }

    /// http_prefetch: starts the plugin's GET (or idempotent POST) on another thread, for a later http_send of the
    /// same request. Signed in here, on the main thread; only the transfer runs there.
    func prefetch(_ raw: UnsafePointer<m365_http_request>) -> m365_status {
        let outgoing: HTTPRequest
        switch request(raw) {
        case .success(let request): outgoing = request
        case .failure(let failure): return fail(failure)
        }
        // A GET, or (ABI 1.3) a POST the plugin marked idempotent (a read such as a CSOM page
        // query) with its body in memory, copied here: the plugin's buffer is only borrowed.
        var early = outgoing
        switch outgoing.body {
        case .empty where outgoing.method == "GET" || (outgoing.method == "POST" && outgoing.idempotent == true): break
        case .borrowed(let bytes) where outgoing.method == "POST" && outgoing.idempotent == true: early.body = .bytes(Array(bytes))
        default: return fail(M365_ERR_INVALID_ARGUMENT, "http_prefetch takes a GET, or a POST flagged M365_HTTP_IDEMPOTENT, with no body callbacks")
        }
        guard outgoing.onResponseBody == nil, outgoing.onProgress == nil else {
            return fail(M365_ERR_INVALID_ARGUMENT, "http_prefetch takes a GET, or a POST flagged M365_HTTP_IDEMPOTENT, with no body callbacks")
        }
        do throws(HostError) {
            prefetched.start(try session.authorize(early, service: service), client: try session.http(), key: early)
            return succeed()
        } catch {
            return fail(error)
        }
    }

    /// The plugin's m365_http_request as the HTTP client's request.
    private func request(_ raw: UnsafePointer<m365_http_request>) -> Result<HTTPRequest, HostCallFailure> {
        var request = m365_http_request()
        guard m365_read_versioned(&request, MemoryLayout<m365_http_request>.size, raw) != 0 else {
            return .failure(HostCallFailure(M365_ERR_INVALID_ARGUMENT, "the m365_http_request has an unknown header: initialise it with M365_HEADER_INIT(m365_http_request)"))
        }
        guard let method = request.method, let url = request.url else {
            return .failure(HostCallFailure(M365_ERR_INVALID_ARGUMENT, "http_send needs a method and a url"))
        }
        var outgoing = HTTPRequest(method: String(cString: method), url: String(cString: url))
        outgoing.resource = request.resource.map { String(cString: $0) }
        outgoing.authenticate = request.flags & UInt32(M365_HTTP_NO_AUTH) == 0
        outgoing.retries = request.flags & UInt32(M365_HTTP_NO_RETRY) == 0
        if request.flags & UInt32(M365_HTTP_IDEMPOTENT) != 0 { outgoing.idempotent = true }
        if let headers = request.headers_json {
            guard let object = (try? JSON.parse(String(cString: headers)))?.objectValue else {
                return .failure(HostCallFailure(M365_ERR_INVALID_ARGUMENT, "headers_json is not a JSON object"))
            }
            for (name, value) in object { outgoing.headers.append((name: name, value: value.stringValue ?? value.serialized())) }
        }
        let user = request.user
        if let read = request.read_body {
            outgoing.body = .stream(size: request.body_size >= 0 ? request.body_size : nil) { buffer in
                let count = read(user, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), buffer.count)
                return count == Int.max || count == -1 || count > buffer.count ? -1 : count
            }
        } else if let body = request.body, request.body_len > 0 {
            // The plugin's buffer stays valid for the whole call: sent from where it lies.
            outgoing.body = .borrowed(UnsafeRawBufferPointer(start: body, count: request.body_len))
        }
        if let write = request.write_body {
            outgoing.onResponseBody = { chunk in
                write(user, chunk.baseAddress!.assumingMemoryBound(to: UInt8.self), chunk.count) == 0
            }
        }
        if request.flags & UInt32(M365_HTTP_PROGRESS) != 0 {
            let label = "\(outgoing.method) \(outgoing.url)"
            outgoing.onProgress = { [unowned self] done, total in self.progress(label, done: done, total: total) }
        }
        return .success(outgoing)
    }

    /// An answer in host memory for the plugin (released with http_response_free).
    private static func response(_ answer: HTTPResponse) -> UnsafeMutablePointer<m365_http_response> {
        var headers = JSONObject()
        for (name, value) in answer.headers {
            // Repeated headers (set-cookie, link) are joined, as HTTP allows for lists.
            headers[name] = .string(headers[name]?.stringValue.map { "\($0), \(value)" } ?? value)
        }
        let result = UnsafeMutablePointer<m365_http_response>.allocate(capacity: 1)
        result.initialize(to: m365_http_response())
        result.pointee.header = m365_header(abi_major: UInt32(M365_ABI_MAJOR), abi_minor: UInt32(M365_ABI_MINOR), struct_size: UInt32(MemoryLayout<m365_http_response>.size))
        result.pointee.status = Int32(answer.status)
        result.pointee.headers_json = UnsafePointer(strdup(JSON.object(headers).serialized()))
        if !answer.body.isEmpty {
            let body = malloc(answer.body.count)!.assumingMemoryBound(to: UInt8.self)
            answer.body.withUnsafeBufferPointer { body.update(from: $0.baseAddress!, count: $0.count) }
            result.pointee.body = UnsafePointer(body)
            result.pointee.body_len = answer.body.count
        }
        return result
    }
}

/// The facts `config_get("connection.<key>")` answers: what a plugin needs to build URLs for the
/// connection's cloud and tenant, then what plugins published (never a secret). With no
/// connection, whether the key is one of m365's own.
func connectionFact(_ connection: Connection?, _ key: String) -> String? {
    let own: [String: (Connection) -> String] = [
        "graphOrigin": { $0.cloud.graphOrigin }, "cloud": { $0.cloud.rawValue }, "tenantId": { $0.tenantId },
        "appId": { $0.appId }, "identityName": { $0.identityName }, "authType": { $0.authType.rawValue },
        "isAppOnly": { $0.authType.isAppOnly ? "true" : "false" },
    ]
    guard let connection else { return own[key].map { _ in "" } }
    return own[key]?(connection) ?? connection.facts[key]
}

/// Why a host call failed, as the plugin sees it: a status and the message for last_error.
struct HostCallFailure: Error {
    var status: m365_status
    var message: String
    init(_ status: m365_status, _ message: String) {
        self.status = status
        self.message = message
    }
    init(_ error: HostError) { self.init(error.pluginStatus, error.description) }
}
