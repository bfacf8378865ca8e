#if canImport(Glibc)
import Glibc
#endif
import HostKit

exit(M365.main(Array(CommandLine.arguments.dropFirst())))
