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
