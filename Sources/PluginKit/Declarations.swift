/// Shorthands that keep each command's declaration to the facts: the handle (whose value type is
/// the option's type), a short form, a description, whether it is required, allowed values.
public func option(_ key: OptionKey<String>, _ short: String? = nil, _ description: String,
                   required: Bool = false, allowed: [String] = [], defaultValue: JSON? = nil, repeatable: Bool = false) -> OptionSpec {
    OptionSpec(name: key.name, short: short, type: allowed.isEmpty ? .string : .enum, required: required, allowed: allowed,
               defaultValue: defaultValue, description: description, repeatable: repeatable)
}

public func option(_ key: OptionKey<Double>, _ short: String? = nil, _ description: String,
                   required: Bool = false, defaultValue: JSON? = nil) -> OptionSpec {
    OptionSpec(name: key.name, short: short, type: .number, required: required, defaultValue: defaultValue, description: description)
}

public func option(_ key: OptionKey<Bool>, _ short: String? = nil, _ description: String,
                   required: Bool = false, defaultValue: JSON? = nil) -> OptionSpec {
    OptionSpec(name: key.name, short: short, type: .boolean, required: required, defaultValue: defaultValue, description: description)
}

public func flag(_ key: OptionKey<Bool>, _ short: String? = nil, _ description: String) -> OptionSpec {
    option(key, short, description)
}

public let forceOption = flag(.force, "f", "Do not ask for confirmation")

/// Said in the help of every command that asks before it acts: CLI for Microsoft 365 reads the
/// answer from standard input whatever it is, we ask only on a terminal, so a script cannot answer
/// by piping `y` and never waits on a question nobody sees.
let asksOnlyOnATerminal = "(differs from CLI for Microsoft 365: without a terminal it does not ask and needs --force)"

/// A command's spec from the few facts that vary.
public func commandSpec(_ words: String, _ description: String, aliases: [String] = [], options: [OptionSpec] = [], sets: [[String]] = [],
                        unknownOptions: Bool = false, defaults: [String] = [], examples: [(String, String)] = []) -> CommandSpec {
    CommandSpec(
        words: words.split(separator: " ").map(String.init), aliases: aliases.map { $0.split(separator: " ").map(String.init) },
        description: options.contains(forceOption) ? description + " " + asksOnlyOnATerminal : description, options: options, optionSets: sets.map { OptionSetSpec(options: $0) },
        acceptsUnknownOptions: unknownOptions, defaultProperties: defaults,
        examples: examples.map { ExampleSpec(description: $0.0, command: $0.1) })
}

/// What a command runs with, made from the run's invocation: a service's client (`GraphClient`,
/// SharePoint's `SPOClient`, …) or the invocation itself.
public protocol CommandClient {
    init(_ invocation: Invocation)
    /// Checked before the command runs, before any request (SharePoint refuses app-only tokens
    /// from a client secret); nothing by default.
    static func checkConnection(_ invocation: Invocation) throws(PluginFailure)
}

extension CommandClient {
    public static func checkConnection(_ invocation: Invocation) throws(PluginFailure) {}
}

/// One command: its spec from the few facts that vary, and what runs it with its client. The
/// client's type comes from `run`'s first parameter: `{ (graph: GraphClient, options: Options) in … }`.
public func command<Client: CommandClient>(
    _ words: String, _ description: String, aliases: [String] = [], options: [OptionSpec] = [], sets: [[String]] = [],
    unknownOptions: Bool = false, defaults: [String] = [], examples: [(String, String)] = [],
    run: @escaping @Sendable (Client, Options) throws(PluginFailure) -> Void
) -> PluginCommand {
    let spec = commandSpec(words, description, aliases: aliases, options: options, sets: sets, unknownOptions: unknownOptions,
                           defaults: defaults, examples: examples)
    return PluginCommand(spec) { invocation, options throws(PluginFailure) in
        try Client.checkConnection(invocation)
        try run(Client(invocation), options)
    }
}

/// A usage mistake the host's option checks cannot see (a combination, a value's shape): no
/// request is sent, and the host shows it as a command-line error.
public func usage(_ message: String) -> PluginFailure { PluginFailure(message, status: M365_ERR_INVALID_ARGUMENT) }

public func isGUID(_ text: String) -> Bool {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.map(\.count) == [8, 4, 4, 4, 12] else { return false }
    return text.allSatisfy { $0 == "-" || ($0.isASCII && $0.isHexDigit) }
}

extension Options {
    /// Checks that each value of these GUID options is a GUID before anything is sent.
    public func requireGUIDs(_ keys: [OptionKey<String>]) throws(PluginFailure) {
        for key in keys {
            for value in list(key) ?? [] where !isGUID(value) {
                throw usage("'\(value)' is not a valid GUID for --\(key.name)")
            }
        }
    }

    /// Fails when more than one of `keys` was given.
    public func exclusive<Value>(_ keys: [OptionKey<Value>]) throws(PluginFailure) {
        let given = keys.filter { has($0) }
        if given.count > 1 { throw usage("specify only one of " + given.map { "--" + $0.name }.joined(separator: ", ")) }
    }
}

extension Invocation {
    /// Asks before a removal unless `--force`; false when the user said no. Without a terminal the
    /// failure tells the user to add --force, so a script never hangs on a question.
    public func confirmedRemoval(_ options: Options, _ what: String) throws(PluginFailure) -> Bool {
        try confirmed(options, "Are you sure you want to remove \(what)?", needing: "removing \(what)")
    }

    /// Asks `question` unless `--force`; false when the user said no. Without a terminal the
    /// failure says `action` (`undoing the checkout of X`) needs confirmation and --force.
    public func confirmed(_ options: Options, _ question: String, needing action: String) throws(PluginFailure) -> Bool {
        if options.bool(.force) { return true }
        return try confirm(question, orExplain: "\(action) needs confirmation: add --force to run without a terminal")
    }
}

extension JSONObject {
    /// This object with `extra` appended (or replaced), keeping the order of the rest.
    public func adding(_ extra: JSONObject) -> JSONObject {
        var out = self
        for (key, value) in extra { out[key] = value }
        return out
    }
}
