#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSecret

/// The freedesktop Secret Service (gnome-keyring, KeePassXC, …) through libsecret, loaded on
/// first use. Items use the schema `io.m365.Token` with the string attributes
/// `application` = "m365" and `account` = the key, and the label "m365: <key>", in the default
/// collection. Every call gives up after the keyring timeout.
public final class SecretServiceStore: CredentialStore, Sendable {
    public static let schemaName = "io.m365.Token"
    public static let application = "m365"
    /// The account a probe looks up; nothing is ever stored under it.
    static let probeAccount = "(m365 probe)"

    public let timeoutMilliseconds: Int

    public init(timeoutMilliseconds: Int = TokenStores.keyringTimeoutMilliseconds()) {
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    public var kind: TokenStoreKind { .secretService }
    public var canHoldCredentials: Bool { true }

    public static func label(for key: String) -> String { "m365: \(key)" }

    public func load(_ key: String) throws(TokenStoreError) -> String? {
        var secret: UnsafeMutablePointer<CChar>?
        var message: UnsafeMutablePointer<CChar>?
        let status = Self.withItem(account: key) { item in
            m365_secret_lookup(item, Int32(clamping: timeoutMilliseconds), &secret, &message)
        }
        defer { m365_secret_free(secret) }
        switch status {
        case M365_SECRET_OK:
            return secret.map { String(cString: $0) } ?? ""
        case M365_SECRET_NOT_FOUND:
            m365_secret_free(message)
            return nil
        default:
            throw Self.error(status, message, doing: "read '\(key)' from")
        }
    }

    public func save(_ key: String, _ value: String) throws(TokenStoreError) {
        var message: UnsafeMutablePointer<CChar>?
        let status = Self.withItem(account: key) { item in
            m365_secret_store(item, Self.label(for: key), value, Int32(clamping: timeoutMilliseconds), &message)
        }
        guard status == M365_SECRET_OK else { throw Self.error(status, message, doing: "store '\(key)' in") }
        m365_secret_free(message)
    }

    public func remove(_ key: String) throws(TokenStoreError) {
        var message: UnsafeMutablePointer<CChar>?
        let status = Self.withItem(account: key) { item in
            m365_secret_clear(item, Int32(clamping: timeoutMilliseconds), &message)
        }
        guard status == M365_SECRET_OK || status == M365_SECRET_NOT_FOUND else {
            throw Self.error(status, message, doing: "remove '\(key)' from")
        }
        m365_secret_free(message)
    }

    /// A lookup that matches nothing: success means a Secret Service answered in time. The
    /// value is the provider's program name when it could be found (e.g. gnome-keyring-daemon).
    public func probe() -> Result<String?, TokenStoreError> {
        var provider: UnsafeMutablePointer<CChar>?
        var message: UnsafeMutablePointer<CChar>?
        let status = Self.withItem(account: Self.probeAccount) { item in
            m365_secret_probe(item, Int32(clamping: timeoutMilliseconds), &provider, &message)
        }
        defer { m365_secret_free(provider) }
        guard status == M365_SECRET_OK else {
            let text = message.map { String(cString: $0) } ?? "unknown error"
            m365_secret_free(message)
            return .failure(TokenStoreError(Self.errorKind(status), text))
        }
        m365_secret_free(message)
        return .success(provider.map { String(cString: $0) })
    }

    // MARK: C plumbing

    private static func withItem(account: String, _ body: (UnsafePointer<m365_secret_item>) -> m365_secret_status) -> m365_secret_status {
        schemaName.withCString { schema in
            "application".withCString { applicationName in
                "account".withCString { accountName in
                    application.withCString { applicationValue in
                        account.withCString { accountValue in
                            let names: [UnsafePointer<CChar>?] = [applicationName, accountName]
                            let values: [UnsafePointer<CChar>?] = [applicationValue, accountValue]
                            return names.withUnsafeBufferPointer { namesBuffer in
                                values.withUnsafeBufferPointer { valuesBuffer in
                                    var item = m365_secret_item(
                                        schema_name: schema,
                                        attribute_names: namesBuffer.baseAddress,
                                        attribute_values: valuesBuffer.baseAddress,
                                        attribute_count: 2)
                                    return withUnsafePointer(to: &item) { body($0) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static func errorKind(_ status: m365_secret_status) -> TokenStoreError.Kind {
        switch status {
        case M365_SECRET_UNAVAILABLE: return .unavailable
        case M365_SECRET_TIMEOUT: return .timedOut
        default: return .keyringFailure
        }
    }

    private static func error(_ status: m365_secret_status, _ message: UnsafeMutablePointer<CChar>?, doing what: String) -> TokenStoreError {
        let text = message.map { String(cString: $0) } ?? "unknown error"
        m365_secret_free(message)
        return TokenStoreError(errorKind(status), "Cannot \(what) the Secret Service: \(text)")
    }
}
