/// A command a Swift plugin implements: what the host shows and parses (the spec), and what runs it.
public struct PluginCommand: Sendable {
    public var spec: CommandSpec
    public var run: @Sendable (Invocation, Options) throws(PluginFailure) -> Void

    public init(_ spec: CommandSpec, run: @escaping @Sendable (Invocation, Options) throws(PluginFailure) -> Void) {
        self.spec = spec
        self.run = run
    }
}

/// A service with its commands; the descriptor and the dispatcher are both built from it, so a
/// command cannot be declared without being implemented, or the other way round.
public struct PluginService: Sendable {
    public var spec: ServiceSpec
    public var commands: [PluginCommand]
    /// The `connect` hook (ABI 1.1): its options are added to `<service> connect`, and it runs
    /// with them before the sign-in, emitting `{"cloud": …, "facts": {…}}` (docs/plugin-abi.md).
    public var connect: PluginCommand?

    public init(_ spec: ServiceSpec, commands: [PluginCommand], connect: PluginCommand? = nil) {
        self.spec = spec
        self.commands = commands
        self.connect = connect
    }
}

extension PluginDefinition {
    public init(id: String, name: String, version: String, vendor: String, services: [PluginService],
                requestHeaders: (@Sendable (Invocation, String) -> [(name: String, value: String)])? = nil) {
        let descriptor = PluginDescriptor(services: services.map { service in
            var spec = service.spec
            spec.commands = service.commands.map(\.spec)
            spec.connectOptions = service.connect?.spec.options ?? []
            return spec
        })
        var table: [String: PluginCommand] = [:]
        for service in services {
            for command in service.commands { table[service.spec.name + " " + command.spec.name] = command }
            if let connect = service.connect { table[service.spec.name + " connect"] = connect }
        }
        let commands = table
        self.init(id: id, name: name, version: version, vendor: vendor, descriptor: descriptor) { invocation throws(PluginFailure) in
            guard let command = commands[invocation.service + " " + invocation.command] else {
                throw PluginFailure("\(invocation.service) \(invocation.command) is not a command of this plugin", status: M365_ERR_NOT_SUPPORTED)
            }
            try command.run(invocation, Options(invocation.options, spec: command.spec))
        }
        self.requestHeaders = requestHeaders
    }
}

/// The typed options of one run, as the host parsed and checked them against the spec.
public struct Options: Sendable {
    public let values: JSONObject
    public let spec: CommandSpec

    public init(_ values: JSONObject, spec: CommandSpec) {
        self.values = values
        self.spec = spec
    }

    /// The value as given: a string option's text (an enum's declared spelling).
    public func string(_ key: OptionKey<String>) -> String? { text(key.name) }


    public func bool(_ key: OptionKey<Bool>) -> Bool { values[key.name]?.boolValue ?? false }

    /// A boolean the user may have left out (nil), as opposed to one set false.
    public func optionalBool(_ key: OptionKey<Bool>) -> Bool? { values[key.name]?.boolValue }

    public func number(_ key: OptionKey<Double>) -> Double? { values[key.name]?.numberValue }

    public func int(_ key: OptionKey<Double>) -> Int? { number(key).map { Int($0) } }

    public func has<Value>(_ key: OptionKey<Value>) -> Bool { has(handle: key) }

    /// `has` for a handle of any type (checks over options of several types).
    public func has(handle: any OptionHandle) -> Bool { values[handle.name] != nil && values[handle.name] != .null }

    /// A comma-separated list option (`--ids a,b,c`), trimmed, empty entries dropped; a
    /// repeatable option given more than once, its values (each split the same way).
    public func list(_ key: OptionKey<String>) -> [String]? {
        if let given = values[key.name]?.arrayValue {
            return given.compactMap(\.stringValue).flatMap { text in
                text.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
            }
        }
        return string(key).map { text in
            text.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        }
    }

    private func text(_ name: String) -> String? {
        guard let value = values[name] else { return nil }
        switch value {
        case .string(let s): return s
        case .null: return nil
        // A repeatable option given more than once, read as one string: the values as `list`
        // would split them again (`a,b`), not JSON.
        case .array(let items) where items.allSatisfy({ $0.stringValue != nil }): return items.compactMap(\.stringValue).joined(separator: ",")
        default: return value.serialized()
        }
    }

    /// The `--name value` pairs the spec does not declare, in the order given (field values,
    /// filters, headers). Only commands that accept unknown options receive any.
    public var unknown: [(name: String, value: String)] {
        values.compactMap { name, value in
            spec.option(named: name) == nil ? (name, value.stringValue ?? value.serialized()) : nil
        }
    }

    /// The one option of `keys` that was given (option sets are checked by the host).
    public func firstGiven(_ keys: [OptionKey<String>]) -> OptionKey<String>? { keys.first { has($0) } }
}
