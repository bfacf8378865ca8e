import JSONModel

/// A CLI setting (`m365 cli config set --key output --value text`). Names and defaults follow
/// CLI for Microsoft 365 so existing set-ups carry over.
public struct Setting: Sendable {
    public enum Kind: Sendable, Equatable {
        case boolean
        case string
        case choice([String])
        case character
        case number
    }

    public var key: String
    public var kind: Kind
    public var defaultValue: JSON?
    public var description: String
    /// A credential (client secret, certificate, its password): kept in the keyring, never in
    /// config.json, which records only where it went.
    public var isSecret = false
}

public enum Settings {
    public static let all: [Setting] = [
        Setting(key: "authType", kind: .choice(["deviceCode", "password", "certificate", "secret", "identity", "federatedIdentity", "browser"]),
                defaultValue: "deviceCode", description: "Sign-in type used by 'm365 login' without --authType"),
        Setting(key: "autoOpenLinksInBrowser", kind: .boolean, defaultValue: false, description: "Open the device code sign-in page in the browser"),
        Setting(key: "clientCertificateBase64Encoded", kind: .string, defaultValue: nil,
                description: "The certificate 'm365 login' uses without --certificateFile or --certificateBase64Encoded (kept in the keyring)", isSecret: true),
        Setting(key: "clientCertificateFile", kind: .string, defaultValue: nil, description: "The certificate file 'm365 login' uses without --certificateFile"),
        Setting(key: "clientCertificatePassword", kind: .string, defaultValue: nil,
                description: "The certificate's password 'm365 login' uses without --password (kept in the keyring)", isSecret: true),
        Setting(key: "clientId", kind: .string, defaultValue: nil, description: "App (client) id used to sign in"),
        Setting(key: "clientSecret", kind: .string, defaultValue: nil, description: "The client secret 'm365 login' uses without --secret (kept in the keyring)", isSecret: true),
        Setting(key: "copyDeviceCodeToClipboard", kind: .boolean, defaultValue: false, description: "Copy the device code to the clipboard (wl-copy, xclip or xsel)"),
        Setting(key: "csvEscape", kind: .character, defaultValue: "\"", description: "Character that escapes quotes in csv output"),
        Setting(key: "csvHeader", kind: .boolean, defaultValue: true, description: "Print a header row in csv output"),
        Setting(key: "csvQuote", kind: .character, defaultValue: "\"", description: "Quote character in csv output"),
        Setting(key: "csvQuoted", kind: .boolean, defaultValue: false, description: "Quote every csv value"),
        Setting(key: "csvQuotedEmpty", kind: .boolean, defaultValue: false, description: "Quote empty csv values"),
        Setting(key: "disableTelemetry", kind: .boolean, defaultValue: false, description: "Accepted for CLI for Microsoft 365 set-ups; m365 sends no telemetry"),
        Setting(key: "errorOutput", kind: .choice(["stderr", "stdout"]), defaultValue: "stderr", description: "Where errors are printed"),
        Setting(key: "helpMode", kind: .choice(["options", "examples", "remarks", "permissions", "response", "full"]), defaultValue: "options",
                description: "What help shows after the usage line: options, examples or everything (full); remarks, permissions and response show the options"),
        Setting(key: "helpTarget", kind: .choice(["console", "web"]), defaultValue: "console",
                description: "Where help goes: the console, or the command's page on the CLI for Microsoft 365 site (web)"),
        Setting(key: "httpRetries", kind: .number, defaultValue: 5, description: "How often a throttled or failed request is retried"),
        Setting(key: "output", kind: .choice(["json", "text", "csv", "md", "none"]), defaultValue: "json", description: "Default output format"),
        Setting(key: "printErrorsAsPlainText", kind: .boolean, defaultValue: true, description: "Print errors as text even with json output"),
        Setting(key: "prompt", kind: .boolean, defaultValue: true, description: "Prompt for missing required options on a terminal"),
        Setting(key: "promptListPageSize", kind: .number, defaultValue: 7, description: "How many choices a selection prompt shows at a time"),
        Setting(key: "showHelpOnFailure", kind: .boolean, defaultValue: true, description: "Point to the command's help after a usage error"),
        Setting(key: "tenantId", kind: .string, defaultValue: nil, description: "Tenant used to sign in: a GUID or common"),
    ]

    public static func setting(_ key: String) -> Setting? {
        all.first { $0.key == key }
    }

    /// Converts the text a user typed into the setting's JSON value.
    public static func parse(_ text: String, for setting: Setting) -> Result<JSON, ConfigError> {
        switch setting.kind {
        case .boolean:
            switch text.lowercased() {
            case "true": return .success(true)
            case "false": return .success(false)
            default: return .failure(ConfigError("Setting '\(setting.key)' takes true or false; got '\(text)'"))
            }
        case .string:
            // As the CLI checks them: an app id is a GUID, a tenant a GUID or `common`.
            if setting.key == "clientId" || setting.key == "tenantId" && text != "common", !isGUID(text) {
                return .failure(ConfigError("\(text) is not a valid GUID" + (setting.key == "tenantId" ? " or 'common'" : "")))
            }
            return .success(.string(text))
        case .choice(let values):
            guard let match = values.first(where: { $0.lowercased() == text.lowercased() }) else {
                return .failure(ConfigError("Setting '\(setting.key)' must be one of \(values.joined(separator: ", ")); got '\(text)'"))
            }
            return .success(.string(match))
        case .character:
            guard text.count == 1 else { return .failure(ConfigError("Setting '\(setting.key)' takes a single character; got '\(text)'")) }
            return .success(.string(text))
        case .number:
            let least = setting.key == "promptListPageSize" ? 1 : 0
            guard let number = Int(text), number >= least else {
                return .failure(ConfigError("Setting '\(setting.key)' takes a whole number\(least > 0 ? " above 0" : ""); got '\(text)'"))
            }
            return .success(.number(Double(number)))
        }
    }
}

/// 8-4-4-4-12 hexadecimal digits.
public func isGUID(_ text: String) -> Bool {
    let groups = text.split(separator: "-", omittingEmptySubsequences: false)
    return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
}

public struct ConfigError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The settings file (`config.json` in the config directory): a JSON object of key → value.
public struct CLIConfig: Sendable {
    public let path: String
    public private(set) var values: JSONObject

    /// Loads the file; a missing file is an empty configuration; a damaged one is moved aside
    /// (with a warning) and counts as missing, so `cli config reset` and every command still work.
    public init(path: String) throws(ConfigError) {
        self.path = path
        values = JSONObject()
        guard FileSystem.exists(path) else { return }
        let text: String
        do { text = try FileSystem.readText(path) } catch { throw ConfigError("The settings file \(path) cannot be read (\(error)).") }
        let why: String
        do {
            if let object = try JSON.parse(text).objectValue {
                values = object
                return
            }
            why = "it is not a JSON object"
        } catch {
            why = "\(error)"
        }
        do { try FileSystem.moveDamagedAside(path, why: why) } catch { throw ConfigError("The settings file \(path) is damaged (\(why)) and \(error)") }
    }

    /// The value in force: the stored one, else the default.
    public func value(_ key: String) -> JSON? {
        values[key] ?? Settings.setting(key)?.defaultValue
    }

    public func bool(_ key: String) -> Bool { value(key)?.boolValue ?? false }
    public func string(_ key: String) -> String? { value(key)?.stringValue }

    public mutating func set(_ key: String, _ value: JSON?) {
        values[key] = value
    }

    public mutating func reset() {
        values = JSONObject()
    }

    public func save() throws(ConfigError) {
        do {
            try FileSystem.writeAtomically(path, text: JSON.object(values).serialized(pretty: true) + "\n")
        } catch {
            throw ConfigError("Cannot save settings: \(error)")
        }
    }
}
