#if canImport(Glibc)
import Glibc
#endif
import HostConfig

/// Writing for people and for programs: results go to stdout, everything else to stderr.
enum Console {
    /// stdout is buffered (results can be long); flushed before stderr writes and at exit.
    nonisolated(unsafe) private static var pending: [UInt8] = []
    /// Both streams are written under one lock: a request sent in the background (a plugin's
    /// prefetched page) traces to stderr while the main thread prints results.
    nonisolated(unsafe) private static var mutex = pthread_mutex_t()
    nonisolated(unsafe) private static let mutexReady: Bool = { pthread_mutex_init(&mutex, nil) == 0 }()

    private static func locked(_ body: () -> Void) {
        _ = mutexReady
        pthread_mutex_lock(&mutex)
        body()
        pthread_mutex_unlock(&mutex)
    }

    static func out(_ text: String) {
        locked {
            pending.append(contentsOf: text.utf8)
            if pending.count >= 64 * 1024 { flushPending() }
        }
    }

    /// Bytes for stdout, buffered the same way.
    static func out(bytes: UnsafeRawBufferPointer) {
        locked {
            pending.append(contentsOf: bytes)
            if pending.count >= 64 * 1024 { flushPending() }
        }
    }

    static func flush() {
        locked { flushPending() }
    }

    static func err(_ text: String) {
        locked {
            flushPending()
            writeAll(2, Array(text.utf8))
        }
    }

    /// With the lock held.
    private static func flushPending() {
        writeAll(1, pending)
        pending.removeAll(keepingCapacity: true)
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                // A closed pipe (m365 … | head): the reader has what it wanted. Stop here, as a
                // process killed by SIGPIPE would, without fetching more.
                if errno == EPIPE && fd == 1 { _exit(141) }
                return
            }
            offset += written
        }
    }

    static var stderrIsTerminal: Bool { isatty(2) != 0 }
    static var stdinIsTerminal: Bool { isatty(0) != 0 }

    /// The terminal settings to put back if the process is interrupted during a secret prompt.
    nonisolated(unsafe) private static var savedTerminal = termios()
    nonisolated(unsafe) private static var echoOff: Int32 = 0

    /// Reads one line from the terminal; without echo for secrets.
    static func readLine(secret: Bool) -> String? {
        let restore = secret && tcgetattr(0, &savedTerminal) == 0
        if restore {
            var quiet = savedTerminal
            quiet.c_lflag &= ~tcflag_t(ECHO)
            echoOff = 1
            tcsetattr(0, TCSANOW, &quiet)
        }
        defer {
            if restore {
                restoreTerminal()
                err("\n")
            }
        }
        return Swift.readLine(strippingNewline: true)
    }

    /// Puts echo back after a secret prompt; safe in a signal handler.
    static func restoreTerminal() {
        if echoOff != 0 {
            tcsetattr(0, TCSANOW, &savedTerminal)
            echoOff = 0
        }
    }

    /// Today's date as the md output prints it (YYYY-MM-DD, local time).
    static func today() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%d", &parts)
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Lets the user pick one of `choices`, as the CLI does where a name matches several things: on
/// a terminal with the `prompt` setting on, a numbered list `promptListPageSize` at a time
/// (Enter shows the next page); otherwise an error naming the choices.
func choose(_ message: String, _ choices: [String], config: CLIConfig) throws(HostError) -> String {
    guard Console.stdinIsTerminal, Console.stderrIsTerminal, config.bool("prompt"), !choices.isEmpty else {
        throw HostError("\(message) Found: \(choices.joined(separator: ", ")).")
    }
    let pageSize = max(1, config.value("promptListPageSize")?.intValue ?? 7)
    var start = 0
    Console.err(message + "\n")
    while true {
        let page = start..<min(start + pageSize, choices.count)
        for index in page { Console.err("  \(index + 1)) \(choices[index])\n") }
        let more = choices.count > pageSize ? ", Enter for more" : ""
        Console.err("Please choose one (1-\(choices.count)\(more)): ")
        guard let line = Console.readLine(secret: false), cancellationRequested == 0 else { throw HostError("no answer (cancelled)", kind: .cancelled) }
        if let number = Int(line.filter { $0 != " " }), (1...choices.count).contains(number) { return choices[number - 1] }
        start = page.upperBound < choices.count ? page.upperBound : 0
    }
}
