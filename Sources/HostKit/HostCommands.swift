import ArgumentParsing
import CommandModel
import HostConfig
import JSONModel
import M365Version
import OutputFormat
import PluginLoader

/// From VERSION, through the generated Sources/M365Version/Version.swift.
let m365Version = m365ReleaseVersion

/// What a host command can reach while it runs.
struct HostContext {
    var paths: HostPaths
    var config: CLIConfig
    var session: Session
    /// The plugins found (only `plugin list` needs them).
    var registry: () -> PluginRegistry
    /// `--output`: a command that prints text itself prints nothing under `none`.
    var outputMode: OutputMode = .json
    /// Runs the `connect` hook of a service's plugin with its connect options; its result.
    /// A failure to report after the command's output is printed (`plugin check`: the table, then why it fails).
    var failureAfterOutput: HostError?
    var connectHook: (String, JSONObject) throws(HostError) -> JSON? = { service, _ throws(HostError) in
        throw HostError("internal: no plugin for '\(service)'")
    }
}

typealias HostHandler = @Sendable (inout HostContext, JSONObject) throws(HostError) -> JSON?

/// A command implemented by the host: its declaration and what it does.
struct HostCommand: Sendable {
    var spec: CommandSpec
    var handler: HostHandler
}

private func option(_ name: String, _ description: String, short: String? = nil, type: OptionType = .string,
                    required: Bool = false, allowed: [String] = [], positional: Bool = false) -> OptionSpec {
    OptionSpec(name: name, short: short, type: type, required: required, allowed: allowed,
               description: description, positional: positional)
}

enum HostCommands {
    /// Root commands, in the order help lists them.
    static let root: [HostCommand] = SignInCommands.root.prefix(3) + [RequestCommand.command] + SignInCommands.root.dropFirst(3) + basics

    /// Commands the host adds to every service that signs in.
    static func serviceCommands(for service: ServiceSpec) -> [HostCommand] {
        SignInCommands.serviceCommands(for: service)
    }

    private static let basics: [HostCommand] = [
        HostCommand(
            spec: CommandSpec(words: ["version"], description: "Shows the version of m365"),
            handler: { _, _ throws(HostError) in .string("v" + m365Version) }),  // the CLI's form, v1.2.3; --version prints it bare
        HostCommand(
            spec: CommandSpec(
                words: ["help"], description: "Shows help for a command: m365 help spo list list",
                examples: [ExampleSpec(description: "Help for a command", command: "m365 help spo list list"),
                           ExampleSpec(description: "What the exit codes mean", command: "m365 help exit-codes")]),
            handler: { _, _ throws(HostError) in nil }),
        HostCommand(
            spec: CommandSpec(
                words: ["cli", "config", "get"], description: "Shows the value of a CLI setting",
                options: [option("key", "Name of the setting", short: "k", required: true)],
                examples: [ExampleSpec(description: "The default output format", command: "m365 cli config get --key output")]),
            handler: configGet),
        HostCommand(
            spec: CommandSpec(
                words: ["cli", "config", "set"], description: "Changes a CLI setting",
                options: [option("key", "Name of the setting", short: "k", required: true),
                          option("value", "The new value", short: "v", required: true)],
                examples: [ExampleSpec(description: "Print text tables by default", command: "m365 cli config set --key output --value text")]),
            handler: configSet),
        HostCommand(
            spec: CommandSpec(
                words: ["cli", "config", "list"], description: "Lists the CLI settings that are set",
                defaultProperties: ["key", "value"]),
            handler: { context, _ throws(HostError) in .object(context.config.values) }),
        HostCommand(
            spec: CommandSpec(
                words: ["cli", "config", "reset"], description: "Resets one CLI setting, or all of them, to the default",
                options: [option("key", "Name of the setting; all settings when omitted", short: "k")]),
            handler: configReset),
        HostCommand(
            spec: CommandSpec(
                words: ["cli", "config", "options"], description: "Lists every CLI setting with its default and description (an addition of this m365: CLI for Microsoft 365 has no such command)",
                defaultProperties: ["key", "default", "description"]),
            handler: { _, _ throws(HostError) in
                .array(Settings.all.map { setting in
                    .object(JSONObject([
                        ("key", .string(setting.key)), ("default", setting.defaultValue ?? .null),
                        ("description", .string(setting.description)),
                    ]))
                })
            }),
        HostCommand(
            spec: CommandSpec(
                words: ["cli", "completion"], description: "Prints a shell completion script (an addition of this m365: the CLI's own completion commands are `cli completion sh|pwsh …`)",
                options: [option("shell", "The shell", type: .enum, required: true, allowed: Completion.shells, positional: true)],
                examples: [ExampleSpec(description: "Enable completion in bash", command: "source <(m365 cli completion bash)")]),
            handler: { _, options throws(HostError) in
                Console.out(Completion.script(for: options["shell"]!.stringValue!)!)
                return nil
            }),
        HostCommand(
            spec: CommandSpec(
                words: ["plugin", "list"], description: "Lists the plugins found, loaded or refused, and why (an addition of this m365: CLI for Microsoft 365 has no plugins)",
                defaultProperties: ["file", "status", "services", "reason"]),
            handler: pluginList),
        HostCommand(
            spec: CommandSpec(
                words: ["plugin", "check"],
                description: "Checks a plugin file against every rule the loader applies, in a child process (an addition of this m365: CLI for Microsoft 365 has no plugins)",
                options: [option("file", "Path of the plugin file, libm365-<name>.so", required: true, positional: true)],
                defaultProperties: ["check", "result", "detail"],
                examples: [ExampleSpec(description: "Check a plugin before installing it", command: "m365 plugin check ./libm365-widgets.so -o text")]),
            handler: pluginCheck),
    ]

}

// MARK: cli config

private func configGet(_ context: inout HostContext, _ options: JSONObject) throws(HostError) -> JSON? {
    let key = options["key"]!.stringValue!
    try checkKey(key)
    return context.config.value(key) ?? .null
}

private func configSet(_ context: inout HostContext, _ options: JSONObject) throws(HostError) -> JSON? {
    let key = options["key"]!.stringValue!
    let text = options["value"]!.stringValue!
    try checkKey(key)
    var value: JSON
    if let setting = Settings.setting(key) {
        switch Settings.parse(text, for: setting) {
        case .success(let parsed): value = parsed
        case .failure(let error): throw HostError(error.description, kind: .usage(command: "cli config set"))
        }
        if setting.isSecret { value = try context.session.saveSecretSetting(key, text) }
    } else {
        value = .string(text)  // a plugin's own setting, "<service>.<key>"
    }
    context.config.set(key, value)
    do { try context.config.save() } catch { throw HostError(error.description) }
    return nil
}

private func configReset(_ context: inout HostContext, _ options: JSONObject) throws(HostError) -> JSON? {
    if let key = options["key"]?.stringValue {
        try checkKey(key)
        context.session.removeSecretSetting(key)
        context.config.set(key, nil)
    } else {
        for setting in Settings.all where setting.isSecret { context.session.removeSecretSetting(setting.key) }
        context.config.reset()
    }
    do { try context.config.save() } catch { throw HostError(error.description) }
    return nil
}

/// Known settings, or a plugin's own (`spo.something`).
private func checkKey(_ key: String) throws(HostError) {
    if Settings.setting(key) != nil { return }
    let parts = key.split(separator: ".", omittingEmptySubsequences: false)
    if parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty { return }
    var message = "'\(key)' is not a setting."
    if let best = nearest(key, among: Settings.all.map(\.key), limit: 1).first { message += " Did you mean '\(best)'?" }
    message += " Run 'm365 cli config options' for the list."
    throw HostError(message, kind: .usage(command: nil))
}

// MARK: plugin list, plugin check

private func pluginCheck(_ context: inout HostContext, _ options: JSONObject) throws(HostError) -> JSON? {
    let path = absolutePath(options["file"]!.stringValue!)
    let checks = checkPlugin(at: path, probe: pluginProbe, others: context.registry(), reserved: reservedNames)
    let failed = checks.filter { $0.result == .failed }.count
    if failed > 0 {
        context.failureAfterOutput = HostError("\(path) fails \(failed) of \(checks.count) checks: m365 would not load it")
    }
    return .array(checks.map { check in
        .object(JSONObject([("check", .string(check.name)), ("result", .string(check.result.rawValue)), ("detail", .string(check.detail))]))
    })
}

private func pluginList(_ context: inout HostContext, _ options: JSONObject) throws(HostError) -> JSON? {
    let registry = context.registry()
    let (_, conflicts) = registry.services(reserved: reservedNames)
    var rows: [JSON] = []
    for record in registry.records {
        var row = JSONObject()
        row["file"] = .string(record.fileName)
        row["path"] = .string(record.path)
        switch record.state {
        case .available(let info, let descriptor):
            let clashes = conflicts.filter { $0.paths.contains(record.path) }
            row["status"] = .string(clashes.isEmpty ? "available" : "conflict")
            row["id"] = .string(info.id)
            row["name"] = .string(info.name)
            row["version"] = .string(info.version)
            row["vendor"] = .string(info.vendor)
            row["services"] = .string(descriptor.services.map { service in
                service.aliases.isEmpty ? service.name : "\(service.name) (\(service.aliases.joined(separator: ", ")))"
            }.joined(separator: ", "))
            row["reason"] = .string(clashes.map(\.message).joined(separator: "; "))
        case .refused(let reason):
            row["status"] = .string("refused")
            row["id"] = .null
            row["name"] = .null
            row["version"] = .null
            row["vendor"] = .null
            row["services"] = .string("")
            row["reason"] = .string(reason)
        }
        rows.append(.object(row))
    }
    return .array(rows)
}
