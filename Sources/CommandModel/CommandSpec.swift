import JSONModel

/// The type of an option's value, as a plugin declares it. The parser converts and checks
/// values before a plugin sees them, so plugins receive typed JSON.
public enum OptionType: String, Sendable, CaseIterable {
    case string
    case number
    case boolean
    case `enum`
}

/// One option of a command (`--webUrl`, `-u`).
public struct OptionSpec: Sendable, Equatable {
    public var name: String
    public var short: String?
    public var type: OptionType
    public var required: Bool
    /// Allowed values of an `enum` option, compared case-insensitively and passed on as declared.
    public var allowed: [String]
    public var defaultValue: JSON?
    public var description: String
    /// Whether `@path` reads the value from a file. True unless the option opts out (a URL
    /// option that takes `@graph/...` tokens, say).
    public var readsFileReferences: Bool
    /// Filled by a bare word after the command (`m365 spo connect https://…`); at most one per command.
    public var isPositional: Bool
    /// A string option that may be given more than once (`--attachment a --attachment b`): given
    /// more than once, its values arrive as an array of strings in the order given.
    public var repeatable: Bool

    public init(
        name: String, short: String? = nil, type: OptionType = .string, required: Bool = false,
        allowed: [String] = [], defaultValue: JSON? = nil, description: String = "",
        readsFileReferences: Bool = true, positional: Bool = false, repeatable: Bool = false
    ) {
        self.repeatable = repeatable
        self.name = name
        self.short = short
        self.type = type
        self.required = required
        self.allowed = allowed
        self.defaultValue = defaultValue
        self.description = description
        self.readsFileReferences = readsFileReferences
        self.isPositional = positional
    }
}

/// "Exactly one of these options" (`--id | --title | --url`).
public struct OptionSetSpec: Sendable, Equatable {
    public var options: [String]
    public init(options: [String]) { self.options = options }
}

public struct ExampleSpec: Sendable, Equatable {
    public var description: String
    public var command: String
    public init(description: String, command: String) {
        self.description = description
        self.command = command
    }
}

/// A command below a service: `list get` in `m365 spo list get`.
public struct CommandSpec: Sendable, Equatable {
    /// The words after the service name.
    public var words: [String]
    /// Other word sequences that reach this command (`sp get` for `enterpriseapp get`).
    public var aliases: [[String]]
    public var description: String
    public var options: [OptionSpec]
    public var optionSets: [OptionSetSpec]
    /// Unknown `--name value` pairs are passed on as strings (list item fields, HTTP headers).
    public var acceptsUnknownOptions: Bool
    /// Properties kept by `--output text` when the query did not reshape the result.
    public var defaultProperties: [String]
    public var examples: [ExampleSpec]

    public init(
        words: [String], aliases: [[String]] = [], description: String = "", options: [OptionSpec] = [],
        optionSets: [OptionSetSpec] = [], acceptsUnknownOptions: Bool = false,
        defaultProperties: [String] = [], examples: [ExampleSpec] = []
    ) {
        self.words = words
        self.aliases = aliases
        self.description = description
        self.options = options
        self.optionSets = optionSets
        self.acceptsUnknownOptions = acceptsUnknownOptions
        self.defaultProperties = defaultProperties
        self.examples = examples
    }

    public var name: String { words.joined(separator: " ") }

    public func option(named name: String) -> OptionSpec? {
        options.first { $0.name == name }
    }

    public func option(short: String) -> OptionSpec? {
        options.first { $0.short == short }
    }
}

/// A service (a command prefix such as `spo`) and its commands.
public struct ServiceSpec: Sendable, Equatable {
    public var name: String
    public var aliases: [String]
    public var description: String
    /// Whether the host adds `connect`, `status` and `disconnect` for this service.
    public var signIn: Bool
    public var commands: [CommandSpec]
    /// Options `<service> connect` takes beside the sign-in options (ABI 1.1; see
    /// docs/plugin-abi.md): the plugin's `connect` hook receives them before the sign-in.
    public var connectOptions: [OptionSpec] = []
    /// How many commands the service declares, when only its summary was read (the plugin
    /// index keeps services' names apart from their commands); nil when `commands` is complete.
    public var commandCount: Int?

    public init(name: String, aliases: [String] = [], description: String = "", signIn: Bool = true, commands: [CommandSpec] = []) {
        self.name = name
        self.aliases = aliases
        self.description = description
        self.signIn = signIn
        self.commands = commands
    }

    /// Every name that reaches the service.
    public var allNames: [String] { [name] + aliases }
}

/// What a plugin declares about itself: the `descriptor_json` of its entry table.
public struct PluginDescriptor: Sendable, Equatable {
    public var services: [ServiceSpec]
    public init(services: [ServiceSpec]) { self.services = services }
}

/// Where a command's behaviour lives.
public enum CommandOwner: Sendable, Equatable {
    /// Implemented by the host itself (login, cli config, `<service> connect` …).
    case host
    /// Implemented by the plugin at this path.
    case plugin(path: String)
}

/// A command with the service it belongs to (nil for root commands such as `login`).
public struct CommandRoute: Sendable, Equatable {
    public var service: ServiceSpec?
    public var command: CommandSpec
    public var owner: CommandOwner
    public init(service: ServiceSpec?, command: CommandSpec, owner: CommandOwner) {
        self.service = service
        self.command = command
        self.owner = owner
    }

    /// The full command as a user types it: `spo list get`.
    public var fullName: String {
        ((service.map { [$0.name] } ?? []) + command.words).joined(separator: " ")
    }
}
