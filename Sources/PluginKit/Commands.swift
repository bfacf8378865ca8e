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

    public func string(_ name: String) -> String? {
        guard let value = values[name] else { return nil }
        switch value {
        case .string(let s): return s
        case .null: return nil
        default: return value.serialized()
        }
    }

    public func bool(_ name: String) -> Bool { values[name]?.boolValue ?? false }

    /// A boolean the user may have left out (nil), as opposed to one set false.
    public func optionalBool(_ name: String) -> Bool? { values[name]?.boolValue }

    public func number(_ name: String) -> Double? { values[name]?.numberValue }

    public func int(_ name: String) -> Int? { number(name).map { Int($0) } }

    public func has(_ name: String) -> Bool { values[name] != nil && values[name] != .null }

    /// A comma-separated list option (`--ids a,b,c`), trimmed, empty entries dropped.
    public func list(_ name: String) -> [String]? {
        string(name).map { text in
            text.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        }
    }

    /// The `--name value` pairs the spec does not declare, in the order given (field values,
    /// filters, headers). Only commands that accept unknown options receive any.
    public var unknown: [(name: String, value: String)] {
        values.compactMap { name, value in
            spec.option(named: name) == nil ? (name, value.stringValue ?? value.serialized()) : nil
        }
    }

    /// The one option of `names` that was given (option sets are checked by the host).
    public func firstGiven(_ names: [String]) -> String? { names.first { has($0) } }
}
