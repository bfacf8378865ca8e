#if canImport(Glibc)
import Glibc
#endif
import HostConfig

/// While a plugin's code runs in the host's process, a crash in it (SIGSEGV, SIGBUS, SIGILL,
/// SIGFPE, SIGABRT, SIGTRAP) prints one line naming the plugin and the command, then exits with
/// `ExitCodes.pluginCrashed`. With `--debug` the runtime's crash report (a backtrace) follows.
/// The handler runs on its own stack (a stack overflow is a SIGSEGV too) and only writes bytes
/// prepared in advance: nothing else is safe in a signal handler.
enum CrashGuard {
    static let signals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP]

    /// Runs `body` with the guard in place; the previous handlers come back afterwards.
    static func run<T, E: Error>(plugin: String, command: String, debug: Bool, _ body: () throws(E) -> T) throws(E) -> T {
        prepare(plugin: plugin, command: command, debug: debug)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handleCrash
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_ONSTACK | Int32(bitPattern: UInt32(SA_RESETHAND))
        for signal in signals { sigaction(signal, &action, &previous[Int(signal)]) }
        defer { for signal in signals { sigaction(signal, &previous[Int(signal)], nil) } }
        return try body()
    }

    private static func prepare(plugin: String, command: String, debug: Bool) {
        // The runtime's crash reporter may have set up an alternate stack already (and needs its
        // size): only without one is ours installed.
        var current = stack_t()
        if alternateStack == nil && sigaltstack(nil, &current) == 0 && current.ss_flags & Int32(SS_DISABLE) != 0 {
            let size = 64 * 1024
            alternateStack = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
            var stack = stack_t(ss_sp: alternateStack, ss_flags: 0, ss_size: size)
            sigaltstack(&stack, nil)
        }
        for signal in signals {
            free(messages[Int(signal)])
            messages[Int(signal)] = strdup("Error: plugin \(plugin) crashed (\(signalName(signal))) while running '\(command)'\n")
        }
        showsReport = debug
        // The first call of backtrace() loads its unwinder, which is not safe in a handler.
        if debug { _ = c_backtrace(frames, 1) }
    }
}

@_silgen_name("backtrace") private func c_backtrace(_ buffer: UnsafeMutablePointer<UnsafeMutableRawPointer?>, _ size: Int32) -> Int32
@_silgen_name("backtrace_symbols_fd") private func c_backtrace_symbols_fd(_ buffer: UnsafePointer<UnsafeMutableRawPointer?>, _ size: Int32, _ fd: Int32)
private nonisolated(unsafe) var frames = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: 64)

private nonisolated(unsafe) var alternateStack: UnsafeMutableRawPointer?
/// One prepared line a signal number.
private nonisolated(unsafe) var messages: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
    let table = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: 65)
    table.initialize(repeating: nil, count: 65)
    return table
}()
private nonisolated(unsafe) var previous = Array(repeating: sigaction(), count: 65)
private nonisolated(unsafe) var showsReport = false

private func handleCrash(_ signal: Int32) {
    if let message = messages[Int(signal)] { _ = write(2, message, strlen(message)) }
    if showsReport {
        let heading = "Backtrace (--debug):\n"
        _ = heading.withCString { write(2, $0, strlen($0)) }
        c_backtrace_symbols_fd(frames, c_backtrace(frames, 64), 2)
        // The handler was reset (SA_RESETHAND): put the previous one back (the runtime's crash
        // reporter, when it has one) and the fault, on return, happens again under it.
        sigaction(signal, &previous[Int(signal)], nil)
        if signal == SIGABRT || signal == SIGTRAP { raise(signal) }
        return
    }
    _exit(ExitCodes.pluginCrashed)
}
