#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSecret

/// Where secrets are kept. See docs/token-store.md.
public enum TokenStoreKind: String, Sendable {
    case secretService = "secret-service"
    case file
}

/// A failure of the token store. `description` is a complete sentence for the user.
public struct TokenStoreError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// `M365_TOKEN_STORE` holds something other than auto, secret-service or file.
        case invalidPreference
        /// No session bus, or libsecret cannot be loaded, or no Secret Service answers the bus.
        case unavailable
        /// The keyring did not answer within the timeout.
        case timedOut
        /// The Secret Service answered with an error (e.g. a locked collection).
        case keyringFailure
        /// The token file exists but is not what m365 writes.
        case damagedFile
        /// A file-system call failed (permissions, disk full, …).
        case fileSystem
        /// Another process held the store lock for longer than the lock timeout.
        case lockTimeout
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// One secret string per key. The caller decides what is secret and where it goes; a store only
/// stores strings.
public protocol CredentialStore: AnyObject {
    var kind: TokenStoreKind { get }
    /// Whether sign-in credentials (passwords, client secrets, certificate keys) may be kept here.
    /// True only for the Secret Service: they are never written to the plaintext file store.
    var canHoldCredentials: Bool { get }
    /// The stored value, or nil when nothing is stored under `key`.
    func load(_ key: String) throws(TokenStoreError) -> String?
    /// Stores `value` under `key`, replacing any previous value.
    func save(_ key: String, _ value: String) throws(TokenStoreError)
    /// Removes what is stored under `key` (nothing stored is not an error).
    func remove(_ key: String) throws(TokenStoreError)
}

/// The store to use and why, for `m365 status` and `m365 cli doctor`.
public struct TokenStoreSelection {
    public let store: CredentialStore
    /// E.g. "the Secret Service answered (gnome-keyring-daemon)", "M365_TOKEN_STORE=file",
    /// "no D-Bus session bus: using the file store".
    public let reason: String

    public init(store: CredentialStore, reason: String) {
        self.store = store
        self.reason = reason
    }
}

/// What `M365_TOKEN_STORE` asks for.
public enum TokenStorePreference: String, Sendable {
    case auto
    case secretService = "secret-service"
    case file

    /// nil or empty means `auto`; case and surrounding blanks are ignored.
    public static func parse(_ text: String?) throws(TokenStoreError) -> TokenStorePreference {
        let trimmed = (text ?? "").trimmingBlanks().lowercased()
        if trimmed.isEmpty { return .auto }
        guard let preference = TokenStorePreference(rawValue: trimmed) else {
            throw TokenStoreError(
                .invalidPreference,
                "M365_TOKEN_STORE must be auto, secret-service or file, not '\(text ?? "")'.")
        }
        return preference
    }
}

public enum TokenStores {
    /// How long one keyring call may take before it counts as "no answer": 3 s, or
    /// `M365_KEYRING_TIMEOUT_MS` (a positive number of milliseconds, at most 600000).
    public static let defaultKeyringTimeoutMilliseconds = 3000

    public static func keyringTimeoutMilliseconds() -> Int {
        guard let raw = getenv("M365_KEYRING_TIMEOUT_MS"),
              let value = Int(String(cString: raw).trimmingBlanks()), value > 0
        else { return defaultKeyringTimeoutMilliseconds }
        return min(value, 600_000)
    }

    /// Chooses the token store. `preference` is the value of `M365_TOKEN_STORE` (nil: auto).
    ///
    /// - `file`: the file store in `configDirectory`.
    /// - `secret-service`: the Secret Service, which must answer a probe within the timeout;
    ///   otherwise an error (never a silent fallback).
    /// - `auto`: the Secret Service when a session bus is configured and a probe lookup is
    ///   answered within the timeout, otherwise the file store; `reason` says which and why.
    /// `requiredBy` says why a store that must be this one is (for errors): by default the
    /// variable; a connection's recorded store says so instead.
    public static func open(
        configDirectory: String, preference: String?, keyringTimeoutMilliseconds timeout: Int? = nil,
        requiredBy: String? = nil
    ) throws(TokenStoreError) -> TokenStoreSelection {
        let choice = try TokenStorePreference.parse(preference)
        let timeout = timeout ?? keyringTimeoutMilliseconds()
        switch choice {
        case .file:
            return TokenStoreSelection(store: FileTokenStore(configDirectory: configDirectory), reason: "M365_TOKEN_STORE=file")
        case .secretService:
            let store = SecretServiceStore(timeoutMilliseconds: timeout)
            switch store.probe() {
            case .success(let provider):
                return TokenStoreSelection(store: store, reason: "M365_TOKEN_STORE=secret-service; \(answered(provider))")
            case .failure(let error):
                throw TokenStoreError(
                    error.kind,
                    "\(requiredBy ?? "M365_TOKEN_STORE=secret-service"), but the Secret Service is not available: \(error.message)")
            }
        case .auto:
            let file = FileTokenStore(configDirectory: configDirectory)
            if m365_secret_session_bus_configured() == 0 {
                return TokenStoreSelection(store: file, reason: "no D-Bus session bus: using the file store")
            }
            let store = SecretServiceStore(timeoutMilliseconds: timeout)
            switch store.probe() {
            case .success(let provider):
                return TokenStoreSelection(store: store, reason: answered(provider))
            case .failure(let error):
                return TokenStoreSelection(
                    store: file, reason: "the Secret Service is not available (\(error.message)): using the file store")
            }
        }
    }

    private static func answered(_ provider: String?) -> String {
        provider.map { "the Secret Service answered (\($0))" } ?? "the Secret Service answered"
    }
}

extension String {
    func trimmingBlanks() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" || first == "\n" || first == "\r" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" || last == "\n" || last == "\r" { scalars.removeLast() }
        return String(scalars)
    }
}
