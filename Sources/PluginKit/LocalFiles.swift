#if canImport(Glibc)
import Glibc
#endif

/// Reads a whole local file (a certificate, a CSV); a failure names the file and the reason.
public func readLocalFile(_ path: String) throws(PluginFailure) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw PluginFailure("cannot read \(path): \(String(cString: strerror(errno)))", status: M365_ERR_IO) }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw PluginFailure("cannot read \(path): \(String(cString: strerror(errno)))", status: M365_ERR_IO)
        }
        if count == 0 { return bytes }
        bytes += buffer[0..<count]
    }
}

/// A random (version 4) GUID, lower case, for ids a client must mint (app roles, scopes).
public func newGUID() -> String {
    // The standard library's generator reads the kernel's random source.
    var bytes = (0..<16).map { _ in UInt8.random(in: 0...255) }
    bytes[6] = bytes[6] & 0x0f | 0x40
    bytes[8] = bytes[8] & 0x3f | 0x80
    let hex = bytes.map { byte in
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
    return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
}
