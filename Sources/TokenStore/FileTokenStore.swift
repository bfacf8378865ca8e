#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HostConfig
import JSONModel

/// Secrets in `<configDirectory>/tokens.json`, mode 0600 in a 0700 directory:
///
///     {"version":1,"entries":{"<key>":"<value>",…}}
///
/// Writers hold `StoreLock`, re-read the file, change it and replace it atomically (a temporary
/// file in the same directory, fsync, rename, fsync of the directory), so a crash or a
/// concurrent writer never leaves a torn file or loses another writer's change. Readers take no
/// lock: they always see a complete old or new file. A file that is not in this format is an
/// error naming it; it is never replaced silently.
///
/// Not for sign-in credentials (`canHoldCredentials` is false): the file is plaintext.
public final class FileTokenStore: CredentialStore, Sendable {
    public static let fileName = "tokens.json"
    public static let formatVersion = 1

    public let configDirectory: String
    public var path: String { configDirectory + "/" + Self.fileName }

    public init(configDirectory: String) {
        self.configDirectory = configDirectory
    }

    public var kind: TokenStoreKind { .file }
    public var canHoldCredentials: Bool { false }

    public func load(_ key: String) throws(TokenStoreError) -> String? {
        try readEntries()[key]?.stringValue
    }

    public func save(_ key: String, _ value: String) throws(TokenStoreError) {
        try StoreLock.locked(configDirectory: configDirectory) { () throws(TokenStoreError) in
            var entries = try readEntries()
            entries[key] = .string(value)
            try replaceFile(entries)
        }
    }

    public func remove(_ key: String) throws(TokenStoreError) {
        try StoreLock.locked(configDirectory: configDirectory) { () throws(TokenStoreError) in
            var entries = try readEntries()
            guard entries[key] != nil else { return }
            entries[key] = nil
            try replaceFile(entries)
        }
    }

    /// The keys stored, in the order they were first stored.
    public func keys() throws(TokenStoreError) -> [String] {
        try readEntries().keys
    }

    // MARK: Reading

    /// The stored entries. A damaged file is moved aside with a warning and counts as empty, so
    /// login and logout always work (the tokens in it are lost: signing in again replaces them).
    private func readEntries() throws(TokenStoreError) -> JSONObject {
        guard let bytes = try readFile() else { return JSONObject() }
        let json: JSON
        do { json = try JSON.parse(bytes: bytes) } catch {
            return try moveAside("\(error)")
        }
        guard let object = json.objectValue else { return try moveAside("it is not a JSON object") }
        guard let version = object["version"]?.intValue else { return try moveAside("it has no \"version\"") }
        guard version == Self.formatVersion else {
            throw TokenStoreError(
                .damagedFile,
                "The token file '\(path)' has format version \(version), which this m365 does not know (it knows \(Self.formatVersion)); it was left as it is.")
        }
        guard let entries = object["entries"]?.objectValue else { return try moveAside("it has no \"entries\" object") }
        for (key, value) in entries where value.stringValue == nil {
            return try moveAside("the entry '\(key)' is not a string")
        }
        return entries
    }

    private func moveAside(_ why: String) throws(TokenStoreError) -> JSONObject {
        do { try FileSystem.moveDamagedAside(path, why: why) } catch {
            throw TokenStoreError(.damagedFile, "The token file '\(path)' is damaged (\(why)) and \(error)")
        }
        return JSONObject()
    }

    /// The file's bytes, or nil when it does not exist.
    private func readFile() throws(TokenStoreError) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw TokenStoreError(.fileSystem, "Cannot read the token file '\(path)': \(errorText())")
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw TokenStoreError(.fileSystem, "Cannot read the token file '\(path)': \(errorText())")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }

    // MARK: Writing (with the lock held)

    private static let temporaryPrefix = "." + fileName + "."
    private static let temporarySuffix = ".tmp"

    private func replaceFile(_ entries: JSONObject) throws(TokenStoreError) {
        try PrivateDirectory.ensure(configDirectory)
        removeStaleTemporaryFiles()
        let document = JSON.object(JSONObject([
            ("version", .number(Double(Self.formatVersion))),
            ("entries", .object(entries)),
        ]))
        let bytes = Array((document.serialized(pretty: true) + "\n").utf8)
        let temporary = configDirectory + "/" + Self.temporaryPrefix + "\(getpid())" + Self.temporarySuffix
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw TokenStoreError(.fileSystem, "Cannot write the token file '\(temporary)': \(errorText())")
        }
        func fail(_ what: String, _ code: Int32) -> TokenStoreError {
            close(descriptor)
            unlink(temporary)
            return TokenStoreError(.fileSystem, "Cannot \(what) the token file '\(temporary)': \(errorText(code))")
        }
        if fchmod(descriptor, 0o600) != 0 { throw fail("protect", errno) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw fail("write", errno)
            }
            offset += written
        }
        if fsync(descriptor) != 0 { throw fail("flush", errno) }
        if close(descriptor) != 0 {
            let code = errno
            unlink(temporary)
            throw TokenStoreError(.fileSystem, "Cannot write the token file '\(temporary)': \(errorText(code))")
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw TokenStoreError(.fileSystem, "Cannot replace the token file '\(path)': \(errorText(code))")
        }
        // Make the rename itself durable.
        let directory = open(configDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    /// Temporary files left by a writer that crashed. Every writer holds the lock, so with the
    /// lock held any temporary file is stale.
    private func removeStaleTemporaryFiles() {
        guard let directory = opendir(configDirectory) else { return }
        defer { closedir(directory) }
        var stale: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name.hasPrefix(Self.temporaryPrefix) && name.hasSuffix(Self.temporarySuffix) { stale.append(name) }
        }
        for name in stale { unlink(configDirectory + "/" + name) }
    }
}
