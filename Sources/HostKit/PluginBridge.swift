#if canImport(Glibc)
import Glibc
#endif
import CommandModel
import HostConfig
import JSONModel
import SignIn
import PluginAPI
import PluginLoader
import TokenStore

/// The host side of one command run by a plugin: what the host table's functions act on.
/// Reached from C through the opaque `m365_call*`, which is this object, unretained.
final class CallContext {
    let route: CommandRoute
    let pluginID: String
    let printer: ResultPrinter
    let global: GlobalSelection
    let paths: HostPaths
    var config: CLIConfig
    let session: Session
    /// The message behind the last failed host call; kept alive until the next one.
    private var lastErrorStorage: UnsafeMutablePointer<CChar>?
    /// A failure the host itself detected while the plugin ran (malformed JSON emitted …).
    var hostFailure: HostError?
    private var progressShown = false

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

    var lastError: UnsafePointer<CChar> { UnsafePointer(lastErrorStorage!) }

    func fail(_ status: m365_status, _ message: String) -> m365_status {
        free(lastErrorStorage)
        lastErrorStorage = strdup(message)
        return status
    }

    func succeed() -> m365_status {
        if lastErrorStorage?.pointee != 0 {
            free(lastErrorStorage)
            lastErrorStorage = strdup("")
        }
        return M365_OK
    }

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

    /// Per-plugin, per-connection state: a JSON object in the config directory. The plugin id
    /// is checked when the plugin is accepted (reverse DNS); only its safe characters reach the path.
    var stateFile: String {
        let safe = String(pluginID.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "." || $0 == "-") })
        let connection = (try? session.book().connection(forService: route.service?.name))?.id ?? "signed-out"
        return paths.configDirectory + "/plugin-state/\(safe)/\(connection).json"
    }

    static func from(_ call: OpaquePointer?) -> CallContext? {
        guard let call else { return nil }
        return Unmanaged<CallContext>.fromOpaque(UnsafeRawPointer(call)).takeUnretainedValue()
    }
}

/// The signal (SIGINT, SIGTERM, SIGHUP) that asked the running command to stop, or 0; polled
/// by plugins through is_cancelled and by the HTTP client.
nonisolated(unsafe) var cancellationRequested: Int32 = 0

/// The signals that cancel a command cleanly (transfers stopped, part files removed) rather than
/// kill the process mid-write.
private let cancellingSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

private func handleInterrupt(_ signal: Int32) {
    if cancellationRequested != 0 {
        // A second signal does not wait; a terminal left without echo by a secret prompt is
        // restored first (tcsetattr is async-signal-safe).
        Console.restoreTerminal()
        _exit(128 + signal)
    }
    cancellationRequested = signal
}

/// Runs `body` with Ctrl-C (and SIGTERM, SIGHUP) turned into a cancellation request, instead of
/// killing the process mid-write.
func interruptible<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
    cancellationRequested = 0
    // No SA_RESTART: a prompt's read() returns on Ctrl-C instead of waiting on.
    var action = sigaction()
    action.__sigaction_handler.sa_handler = handleInterrupt
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0
    var previous = Array(repeating: sigaction(), count: cancellingSignals.count)
    for (index, signal) in cancellingSignals.enumerated() { sigaction(signal, &action, &previous[index]) }
    defer { for (index, signal) in cancellingSignals.enumerated() { sigaction(signal, &previous[index], nil) } }
    return try body()
}

private func copyString(_ text: String, into out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
    out?.pointee = strdup(text)
}

private func parseEmitted(_ json: UnsafePointer<CChar>?, _ length: Int, _ context: CallContext) -> JSON? {
    guard let json else {
        context.hostFailure = HostError("the plugin emitted a NULL result")
        return nil
    }
    let bytes = UnsafeRawBufferPointer(start: json, count: length)
    do {
        return try JSON.parse(bytes: bytes)
    } catch {
        context.hostFailure = HostError("the plugin '\(context.pluginID)' emitted malformed JSON: \(error)")
        return nil
    }
}

/// What last_error answers when it has no call to look at: never NULL.
nonisolated(unsafe) private let emptyString: UnsafeMutablePointer<CChar> = strdup("")

/// The host table handed to plugins: static for the process, built once.
enum HostTable {
    static let version = m365Version

    nonisolated(unsafe) static let table: UnsafeMutablePointer<m365_host> = {
        let table = UnsafeMutablePointer<m365_host>.allocate(capacity: 1)
        table.initialize(to: m365_host())
        table.pointee.header = m365_header(abi_major: UInt32(M365_ABI_MAJOR), abi_minor: UInt32(M365_ABI_MINOR), struct_size: UInt32(MemoryLayout<m365_host>.size))
        table.pointee.host_name = UnsafePointer(strdup("m365"))
        table.pointee.host_version = UnsafePointer(strdup(m365Version))
        table.pointee.get_extension = { _, _ in nil }
        table.pointee.host_free = { free($0) }
        table.pointee.last_error = { call in
            guard let context = CallContext.from(call) else { return UnsafePointer(emptyString) }
            return context.lastError
        }
        table.pointee.log = { call, level, message in
            guard let context = CallContext.from(call), let message else { return }
            context.log(level, String(cString: message))
        }
        table.pointee.emit_result = { call, json, length in
            guard let context = CallContext.from(call) else { return M365_ERR_INVALID_ARGUMENT }
            guard let value = parseEmitted(json, length, context) else {
                return context.fail(M365_ERR_INVALID_ARGUMENT, context.hostFailure!.description)
            }
            do throws(HostError) {
                try context.printer.emit(result: value)
            } catch {
                context.hostFailure = error
                return context.fail(M365_ERR_INVALID_ARGUMENT, error.description)
            }
            return context.succeed()
        }
        table.pointee.emit_item = { call, json, length in
            guard let context = CallContext.from(call) else { return M365_ERR_INVALID_ARGUMENT }
            guard let json else {
                context.hostFailure = HostError("the plugin emitted a NULL result")
                return context.fail(M365_ERR_INVALID_ARGUMENT, context.hostFailure!.description)
            }
            do throws(HostError) {
                try context.printer.emit(itemText: UnsafeRawBufferPointer(start: json, count: length), pluginID: context.pluginID)
            } catch {
                context.hostFailure = error
                return context.fail(M365_ERR_INVALID_ARGUMENT, error.description)
            }
            return context.succeed()
        }
        table.pointee.progress = { call, label, done, total in
            guard let context = CallContext.from(call) else { return }
            context.progress(label.map { String(cString: $0) } ?? "", done: done, total: total)
        }
        table.pointee.prompt = { call, question, flags, answer in
            guard let context = CallContext.from(call) else { return M365_ERR_INVALID_ARGUMENT }
            guard Console.stdinIsTerminal, Console.stderrIsTerminal, context.config.bool("prompt") else {
                return context.fail(M365_ERR_NOT_SUPPORTED, "cannot ask: no terminal (or the 'prompt' setting is false)")
            }
            let text = question.map { String(cString: $0) } ?? ""
            let confirm = flags & UInt32(M365_PROMPT_CONFIRM) != 0
            context.endProgressLine()
            Console.err(text + (confirm ? " [y/N] " : " "))
            guard let line = Console.readLine(secret: flags & UInt32(M365_PROMPT_SECRET) != 0), cancellationRequested == 0 else {
                return context.fail(M365_ERR_CANCELLED, "no answer (cancelled)")
            }
            if confirm {
                let yes = ["y", "yes"].contains(line.lowercased())
                copyString(yes ? "true" : "false", into: answer)
            } else {
                copyString(line, into: answer)
            }
            return context.succeed()
        }
        table.pointee.config_get = { call, key, value in
            guard let context = CallContext.from(call), let key else { return M365_ERR_INVALID_ARGUMENT }
            let name = String(cString: key)
            if name.hasPrefix("connection.") {
                // Read-only facts about the service's active connection (docs/plugin-abi.md).
                guard let connection = try? context.session.connection(forService: context.route.service?.name) else {
                    return context.fail(M365_ERR_AUTH_REQUIRED, "Log in to Microsoft 365 first: run 'm365 login'")
                }
                guard let fact = connectionFact(connection, name) else { return context.fail(M365_ERR_NOT_FOUND, "setting '\(name)' is not set") }
                copyString(fact, into: value)
                return context.succeed()
            }
            guard let setting = context.config.value(name) else {
                return context.fail(M365_ERR_NOT_FOUND, "setting '\(name)' is not set")
            }
            copyString(setting.stringValue ?? setting.serialized(), into: value)
            return context.succeed()
        }
        table.pointee.state_get = { call, key, value in
            guard let context = CallContext.from(call), let key else { return M365_ERR_INVALID_ARGUMENT }
            let name = String(cString: key)
            let state = (try? JSON.parse(FileSystem.readText(context.stateFile)))?.objectValue ?? JSONObject()
            guard let stored = state[name]?.stringValue else {
                return context.fail(M365_ERR_NOT_FOUND, "no state '\(name)'")
            }
            copyString(stored, into: value)
            return context.succeed()
        }
        table.pointee.state_set = { call, key, value in
            guard let context = CallContext.from(call), let key else { return M365_ERR_INVALID_ARGUMENT }
            let file = context.stateFile
            do {
                // Read-modify-write under the store lock: concurrent runs do not lose updates.
                try StoreLock.withExclusiveLock(configDirectory: context.paths.configDirectory) {
                    var state = (try? JSON.parse(FileSystem.readText(file)))?.objectValue ?? JSONObject()
                    state[String(cString: key)] = value.map { .string(String(cString: $0)) }
                    try FileSystem.writeAtomically(file, text: JSON.object(state).serialized())
                }
            } catch {
                return context.fail(M365_ERR_IO, "\(error)")
            }
            return context.succeed()
        }
        table.pointee.get_access_token = { call, resource, token in
            guard let context = CallContext.from(call), let resource else { return M365_ERR_INVALID_ARGUMENT }
            do throws(HostError) {
                let connection = try context.session.connection(forService: context.route.service?.name)
                copyString(try context.session.accessToken(connection, resource: String(cString: resource)), into: token)
                return context.succeed()
            } catch {
                return context.fail(error.pluginStatus, error.description)
            }
        }
        table.pointee.http_send = { call, request, response in
            guard let context = CallContext.from(call), let request, let response else { return M365_ERR_INVALID_ARGUMENT }
            return sendForPlugin(context, request, response)
        }
        table.pointee.http_response_free = { _, response in
            guard let response else { return }
            free(UnsafeMutableRawPointer(mutating: response.pointee.headers_json))
            free(UnsafeMutableRawPointer(mutating: response.pointee.body))
            response.deallocate()
        }
        table.pointee.is_cancelled = { _ in cancellationRequested }
        return table
    }()
}

/// The `connection.*` keys config_get answers: what a plugin needs to build URLs for the
/// connection's cloud and tenant. Never a secret.
private func connectionFact(_ connection: Connection, _ key: String) -> String? {
    switch key {
    case "connection.graphOrigin": return connection.cloud.graphOrigin
    case "connection.cloud": return connection.cloud.rawValue
    case "connection.tenantId": return connection.tenantId
    case "connection.appId": return connection.appId
    case "connection.identityName": return connection.identityName
    case "connection.authType": return connection.authType.rawValue
    case "connection.isAppOnly": return connection.authType.isAppOnly ? "true" : "false"
    case "connection.spoUrl": return connection.spoUrl
    default: return nil
    }
}

/// http_send: the plugin's request (only the bytes it declared), sent through the session.
private func sendForPlugin(_ context: CallContext, _ raw: UnsafePointer<m365_http_request>, _ out: UnsafeMutablePointer<UnsafeMutablePointer<m365_http_response>?>) -> m365_status {
    var request = m365_http_request()
    let header = UnsafeRawPointer(raw).loadUnaligned(as: m365_header.self)
    guard header.abi_major == UInt32(M365_ABI_MAJOR), Int(header.struct_size) >= MemoryLayout<m365_header>.size else {
        return context.fail(M365_ERR_INVALID_ARGUMENT, "the m365_http_request has an unknown header: initialise it with M365_HEADER_INIT(m365_http_request)")
    }
    let declared = Int(header.struct_size)
    withUnsafeMutableBytes(of: &request) { $0.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: min(declared, MemoryLayout<m365_http_request>.size))) }
    guard let method = request.method, let url = request.url else {
        return context.fail(M365_ERR_INVALID_ARGUMENT, "http_send needs a method and a url")
    }
    var outgoing = AuthenticatedRequest(method: String(cString: method), url: String(cString: url))
    outgoing.resource = request.resource.map { String(cString: $0) }
    outgoing.authenticate = request.flags & UInt32(M365_HTTP_NO_AUTH) == 0
    outgoing.retries = request.flags & UInt32(M365_HTTP_NO_RETRY) == 0
    if request.flags & UInt32(M365_HTTP_IDEMPOTENT) != 0 { outgoing.idempotent = true }
    if let headers = request.headers_json {
        guard let object = (try? JSON.parse(String(cString: headers)))?.objectValue else {
            return context.fail(M365_ERR_INVALID_ARGUMENT, "headers_json is not a JSON object")
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
        outgoing.onProgress = { done, total in context.progress(label, done: done, total: total) }
    }
    do throws(HostError) {
        let answer = try context.session.send(outgoing, service: context.route.service?.name)
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
        out.pointee = result
        return context.succeed()
    } catch {
        return context.fail(error.pluginStatus, error.description)
    }
}

/// Runs one command in its plugin: load, init, run, and turn the outcome into output or an error.
func runInPlugin(_ record: PluginRecord, route: CommandRoute, options: JSONObject, context: CallContext) throws(HostError) {
    let plugin: LoadedPlugin
    switch openPlugin(at: record.path) {
    case .success(let loaded): plugin = loaded
    case .failure(let refusal):
        throw HostError("the plugin \(record.path) cannot be used: \(refusal.reason)", kind: .pluginUnavailable)
    }
    let name = "\(record.fileName) (\([plugin.info.vendor, plugin.info.version].filter { !$0.isEmpty }.joined(separator: ", ")))"
    var initError: UnsafePointer<CChar>?
    let initStatus = CrashGuard.run(plugin: name, command: route.fullName, debug: context.global.debug) {
        plugin.table.`init`(HostTable.table, record.path, &initError)
    }
    guard initStatus == M365_OK else {
        let message = initError.map { String(cString: $0) } ?? "status \(initStatus)"
        throw HostError("the plugin \(plugin.info.id) failed to start: \(message)", kind: .pluginUnavailable)
    }
    defer { CrashGuard.run(plugin: name, command: route.fullName, debug: context.global.debug) { plugin.table.deinit?() } }

    let call = OpaquePointer(Unmanaged.passUnretained(context).toOpaque())
    let service = route.service?.name ?? ""
    let optionsJSON = JSON.object(options).serialized()
    var runError: UnsafePointer<CChar>?

    let status = interruptible {
        CrashGuard.run(plugin: name, command: route.fullName, debug: context.global.debug) {
            plugin.table.run(call, service, route.command.name, optionsJSON, &runError)
        }
    }
    context.endProgressLine()

    // After a failure nothing more is printed: a buffered result is dropped, and a list already
    // streaming is left unfinished (a JSON array stays open, so a consumer's parser fails rather
    // than take the first pages for the whole list), and the error says how far it got.
    let failed = status != M365_OK || context.hostFailure != nil
    let printFailure: HostError?
    if !failed {
        do { try context.printer.finish(); printFailure = nil } catch { printFailure = error }
    } else {
        context.printer.abandon()
        printFailure = nil
    }
    func incomplete(_ error: HostError) -> HostError {
        guard let count = context.printer.streamedItems else { return error }
        return HostError("\(error.description) after \(count) item\(count == 1 ? "" : "s"): the output is incomplete", kind: error.kind)
    }

    if let failure = context.hostFailure { throw incomplete(failure) }
    guard status == M365_OK else {
        let message = runError.map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "the command failed (status \(status))"
        switch status {
        case M365_ERR_CANCELLED: throw incomplete(HostError(message, kind: .cancelled))
        case M365_ERR_INVALID_ARGUMENT: throw HostError(message, kind: .usage(command: route.fullName))
        default: throw incomplete(HostError(message))
        }
    }
    if let printFailure { throw printFailure }
}
