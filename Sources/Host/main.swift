#if canImport(Glibc)
import Glibc
#endif
import HostKit

// A closed stdout or socket is an error to handle (EPIPE), not a signal that kills the process
// in the middle of writing a token file.
signal(SIGPIPE, SIG_IGN)
// _exit after the run: everything m365 writes is already flushed (results, token files), and the
// atexit handlers of libcurl and OpenSSL would only add milliseconds to every command.
_exit(M365.main(Array(CommandLine.arguments.dropFirst())))
