#if canImport(Glibc)
import Glibc
#endif
import HostConfig
import HTTPClient
import JSONModel
import SignIn
import TokenStore

/// The signed-in side of a run, built on first use: the HTTP client (libcurl is loaded only
/// then), the token store, the connection book and the token provider.
final class Session {
    let paths: HostPaths
    let config: CLIConfig
    let debug: Bool
    let verbose: Bool
    private var httpClient: HTTPClient?
    private var selections: [String: TokenStoreSelection] = [:]
    private var providers: [String: TokenProvider] = [:]

    /// The service this run's command belongs to and its aliases (former names whose service
    /// bindings it adopts).
    private let service: (name: String, aliases: [String])?

    init(paths: HostPaths, config: CLIConfig, debug: Bool, verbose: Bool, service: (name: String, aliases: [String])? = nil) {
        self.service = service
        self.paths = paths
        self.config = config
        self.debug = debug
        self.verbose = verbose
    }

    func http() throws(HostError) -> HTTPClient {
        if let httpClient { return httpClient }
        var configuration = HTTPClientConfiguration.fromEnvironment(version: m365Version)
        configuration.maxRetries = config.value("httpRetries")?.intValue ?? 5
        configuration.isCancelled = { cancellationRequested != 0 }
        if debug { configuration.trace = { Console.err($0.hasSuffix("\n") ? $0 : $0 + "\n") } }
        do {
            let client = try HTTPClient(configuration)
            httpClient = client
            return client
        } catch {
            throw HostError(error.description)
        }
    }

    /// The store for new sign-ins: M365_TOKEN_STORE, else whichever answers (auto).
    func tokenStore() throws(HostError) -> TokenStoreSelection {
        try tokenStore(preference: environment("M365_TOKEN_STORE"))
    }

    private func tokenStore(preference: String?, requiredBy: String? = nil) throws(HostError) -> TokenStoreSelection {
        let key = preference ?? "auto"
        if let known = selections[key] { return known }
        do {
            let opened = try TokenStores.open(configDirectory: paths.configDirectory, preference: preference, requiredBy: requiredBy)
            if verbose || debug { Console.err("Token store: \(opened.store.kind.rawValue) (\(opened.reason))\n") }
            selections[key] = opened
            return opened
        } catch {
            throw HostError("The token store cannot be opened: \(error)")
        }
    }

    // MARK: Secret settings

    /// Stores a credential setting (clientSecret …) in the keyring; config.json records only
    /// which store holds it. The plaintext file store never keeps one.
    func saveSecretSetting(_ key: String, _ value: String) throws(HostError) -> JSON {
        let selection = try tokenStore()
        guard selection.store.canHoldCredentials else {
            throw HostError("'\(key)' is a credential and m365 keeps credentials only in the keyring, which is not available (\(selection.reason)); pass it to 'm365 login' instead",
                            kind: .usage(command: "cli config set"))
        }
        do { try selection.store.save("setting/\(key)", value) } catch { throw HostError("Cannot store '\(key)' in the keyring: \(error)") }
        return .object(JSONObject([("tokenStore", .string(selection.store.kind.rawValue))]))
    }

    /// A credential setting's value, read back from the store config.json names.
    func secretSetting(_ key: String) throws(HostError) -> String? {
        guard let kind = config.values[key]?["tokenStore"]?.stringValue else { return nil }
        let selection = try tokenStore(preference: kind, requiredBy: "The setting '\(key)' is kept in the \(kind) store")
        do { return try selection.store.load("setting/\(key)") } catch { throw HostError("Cannot read '\(key)' from the keyring: \(error)") }
    }

    /// Forgets a credential setting (best effort: the keyring may be gone).
    func removeSecretSetting(_ key: String) {
        guard let kind = config.values[key]?["tokenStore"]?.stringValue,
              let selection = try? tokenStore(preference: kind) else { return }
        try? selection.store.remove("setting/\(key)")
    }

    /// The provider for new sign-ins.
    func provider() throws(HostError) -> TokenProvider {
        try provider(selection: tokenStore())
    }

    /// The provider for a connection: the store its secrets went to, even if `auto` would pick
    /// another one now (no bus over ssh, a slow keyring).
    func provider(for connection: Connection) throws(HostError) -> TokenProvider {
        guard let kind = connection.tokenStore else { return try provider() }
        return try provider(selection: tokenStore(preference: kind, requiredBy: "The tokens of the connection '\(connection.name)' are kept in the \(kind) store"))
    }

    private func provider(selection: TokenStoreSelection) throws(HostError) -> TokenProvider {
        let kind = selection.store.kind.rawValue
        if let known = providers[kind] { return known }
        let made = TokenProvider(
            configDirectory: paths.configDirectory, store: selection.store,
            flows: SignInFlows(transport: HostTransport(session: self), environment: .host(config: config)))
        providers[kind] = made
        return made
    }

    /// The connection book as read once for this run; `updateBook` reads it afresh under the lock.
    private var cachedBook: ConnectionBook?

    func book() throws(HostError) -> ConnectionBook {
        if let cachedBook { return cachedBook }
        do {
            var book = try ConnectionBook.load(configDirectory: paths.configDirectory)
            if let service { book.adoptBinding(of: service.name, formerNames: service.aliases) }
            cachedBook = book
            return book
        } catch {
            throw HostError(error)
        }
    }

    func save(_ book: ConnectionBook) throws(HostError) {
        do { try book.save(configDirectory: paths.configDirectory) } catch { throw HostError(error) }
        cachedBook = book
    }

    /// Read, change and write the connection book under the store lock, so two m365 processes
    /// changing connections at once do not undo each other.
    func updateBook(_ change: (inout ConnectionBook) throws(HostError) -> Void) throws(HostError) {
        var failure: HostError?
        do {
            try StoreLock.withExclusiveLock(configDirectory: paths.configDirectory) {
                do throws(HostError) {
                    self.cachedBook = nil  // another process may have changed it
                    var book = try self.book()
                    try change(&book)
                    try self.save(book)
                } catch {
                    failure = error
                }
            }
        } catch {
            throw HostError("Cannot lock the connections: \(error)")
        }
        if let failure { throw failure }
    }

    /// The connection a service's commands use, or a clear "sign in first".
    func connection(forService service: String?) throws(HostError) -> Connection {
        guard let connection = try book().connection(forService: service) else {
            let hint = service.map { " (or 'm365 \($0) connect')" } ?? ""
            throw HostError("Log in to Microsoft 365 first: run 'm365 login'\(hint)", kind: .authRequired)
        }
        return connection
    }

    func accessToken(_ connection: Connection, resource: String) throws(HostError) -> String {
        let provider = try provider(for: connection)
        do { return try provider.accessToken(for: connection, resource: resource) } catch { throw HostError(error) }
    }

    func forget(_ connection: Connection) throws(HostError) {
        let provider = try provider(for: connection)
        do { try provider.forget(connection) } catch { throw HostError(error) }
    }

    func signIn(_ request: LoginRequest, existing: [Connection]) throws(HostError) -> Connection {
        let provider = try provider()
        do { return try provider.signIn(request, existing: existing) } catch { throw HostError(error) }
    }
}

extension HostError {
    init(_ error: SignInError) {
        switch error.kind {
        case .cancelled: self.init(error.description, kind: .cancelled)
        case .usage: self.init(error.description, kind: .usage(command: nil))
        case .failed: self.init(error.description)
        case .authRequired: self.init(error.description, kind: .authRequired)
        }
    }
}

extension SignInEnvironment {
    /// The real world: the clock, the terminal, Ctrl-C, the process environment, the browser.
    static func host(config: CLIConfig) -> SignInEnvironment {
        SignInEnvironment(
            now: { Int(time(nil)) },
            sleep: { seconds in usleep(UInt32(seconds * 1_000_000)) },
            isCancelled: { cancellationRequested != 0 },
            tell: { Console.err($0) },
            variable: { environment($0) },
            readFile: { path throws(SignInError) in
                do { return try FileSystem.readBytes(path) } catch { throw SignInError("Cannot read \(path): \(error)") }
            },
            askSecret: { question in
                guard Console.stdinIsTerminal, Console.stderrIsTerminal else { return nil }
                Console.err(question + " ")
                return Console.readLine(secret: true)
            },
            openURL: openInBrowser,
            deviceCodeShown: { page, code in
                if config.bool("autoOpenLinksInBrowser"), !page.isEmpty, !openInBrowser(page) {
                    Console.err("Warning: no browser could be opened (set BROWSER or install xdg-utils)\n")
                }
                if config.bool("copyDeviceCodeToClipboard"), !code.isEmpty, !copyToClipboard(code) {
                    Console.err("Warning: the code was not copied: no clipboard tool answered (wl-copy, xclip or xsel)\n")
                }
            })
    }
}

/// Puts `text` on the clipboard through the first tool that takes it (Wayland, then X11).
func copyToClipboard(_ text: String) -> Bool {
    let tools = [["wl-copy"], ["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]]
    for tool in tools {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return false }
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        let spawned = ChildProcess.spawn(tool, stdin: .descriptor(fds[0]), searchPath: true)
        close(fds[0])
        guard case .success(let pid) = spawned else { close(fds[1]); continue }
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        if ChildProcess.wait(pid) == 0 { return true }
    }
    return false
}

/// Starts `$BROWSER <url>` (the test hook too), else xdg-open, without waiting for it (a browser
/// may run for hours): true when it started.
func openInBrowser(_ url: String) -> Bool {
    let program = environment("BROWSER").flatMap { $0.split(separator: ":").first.map(String.init) } ?? "xdg-open"
    // Not reaped: the browser may outlive us (a zombie at most until we exit, moments later).
    if case .success = ChildProcess.spawn([program, url], searchPath: true) { return true }
    return false
}

/// Sign-in traffic through the host's HTTP client (so --debug traces it, redacted).
struct HostTransport: SignInTransport {
    let session: Session

    private func send(_ request: HTTPRequest) throws(SignInError) -> (status: Int, body: [UInt8]) {
        do {
            let response = try session.http().send(request)
            return (response.status, response.body)
        } catch let error as HTTPError {
            throw SignInError(error.kind == .cancelled ? "Sign-in cancelled." : error.description, kind: error.kind == .cancelled ? .cancelled : .failed)
        } catch {
            throw SignInError("\(error)")
        }
    }

    func postForm(_ url: String, _ fields: [(String, String)], headers: [(String, String)]) throws(SignInError) -> (status: Int, body: [UInt8]) {
        var request = HTTPRequest(method: "POST", url: url)
        request.headers = [(name: "Content-Type", value: "application/x-www-form-urlencoded")] + headers.map { (name: $0.0, value: $0.1) }
        request.body = .bytes(Array(formEncode(fields).utf8))
        return try send(request)
    }

    func get(_ url: String, headers: [(String, String)]) throws(SignInError) -> (status: Int, body: [UInt8]) {
        var request = HTTPRequest(method: "GET", url: url)
        request.headers = headers.map { (name: $0.0, value: $0.1) }
        return try send(request)
    }

    func post(_ url: String, body: [UInt8], headers: [(String, String)]) throws(SignInError) -> (status: Int, body: [UInt8]) {
        var request = HTTPRequest(method: "POST", url: url)
        request.headers = headers.map { (name: $0.0, value: $0.1) }
        request.body = .bytes(body)
        return try send(request)
    }
}
