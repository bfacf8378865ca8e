#if canImport(Glibc)
import Glibc
#endif
import HostKit

// A closed stdout or socket is an error to handle (EPIPE), not a signal that kills the process
// in the middle of writing a token file.
signal(SIGPIPE, SIG_IGN)
exit(M365.main(Array(CommandLine.arguments.dropFirst())))
