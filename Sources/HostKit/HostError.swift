#if canImport(Glibc)
import Glibc
#endif
import PluginAPI

/// A failure the host reports as `Error: <message>` with a documented exit code
/// (`m365 help exit-codes`).
struct HostError: Error, CustomStringConvertible {
    enum Kind {
        /// The command ran and failed (exit 1).
        case failed
        /// No connection, or its sign-in expired (exit 1).
        case authRequired
        /// The network failed, or throttling outlasted the retries (exit 1).
        case network(throttled: Bool)
        /// The command line was wrong (exit 2); help is offered.
        case usage(command: String?)
        /// The plugin for the service is missing or was refused (exit 3).
        case pluginUnavailable
        /// The user pressed Ctrl-C (exit 130).
        case cancelled
    }

    var kind: Kind
    var description: String

    init(_ description: String, kind: Kind = .failed) {
        self.description = description
        self.kind = kind
    }

    var exitCode: Int32 {
        switch kind {
        case .failed, .authRequired, .network: return 1
        case .usage: return 2
        case .pluginUnavailable: return 3
        // 130 for Ctrl-C; 143 for SIGTERM, 129 for SIGHUP, as a shell reports a signal.
        case .cancelled: return 128 + (cancellationRequested > 0 ? cancellationRequested : SIGINT)
        }
    }
}

extension HostError {
    /// The status a plugin sees when a host call fails with this error.
    var pluginStatus: m365_status {
        switch kind {
        case .failed: return M365_ERROR
        case .authRequired: return M365_ERR_AUTH_REQUIRED
        case .network(let throttled): return throttled ? M365_ERR_THROTTLED : M365_ERR_NETWORK
        case .usage: return M365_ERR_INVALID_ARGUMENT
        case .pluginUnavailable: return M365_ERR_NOT_SUPPORTED
        case .cancelled: return M365_ERR_CANCELLED
        }
    }
}

enum ExitCodes {
    static let help = """
    Exit codes of m365:

      0    success
      1    the command failed (the service refused it, a file could not be read, …)
      2    the command line is wrong: unknown command or option, a missing or invalid value
      3    the plugin that serves the command is not installed or was refused (see 'm365 plugin list')
      4    the plugin crashed while running the command (the line before names it; --debug adds
           the crash report)
      130  cancelled with Ctrl-C (143 for SIGTERM, 129 for SIGHUP: the command stops cleanly)

    Errors are printed as 'Error: <message>' on stderr (or stdout with the setting errorOutput=stdout),
    or as {"error": "<message>"} with --output json when printErrorsAsPlainText is false.

    """

    /// A plugin crashed while running the command (see CrashGuard).
    static let pluginCrashed: Int32 = 4
}
