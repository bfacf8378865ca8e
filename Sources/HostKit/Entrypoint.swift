#if canImport(Glibc)
import Glibc
#endif
import ArgumentParsing
import CommandModel
import HostConfig
import JSONModel
import OutputFormat
import PluginAPI
import PluginLoader
import SignIn

/// Words of m365's own commands: no plugin service may take them.
let reservedNames = Set(HostCommands.root.compactMap(\.spec.words.first))

/// The m365 program: argv in, exit code out.
public enum M365 {
    public static func main(_ arguments: [String]) -> Int32 {
        defer { Console.flush() }
        // A plugin probed in a child process (see ProcessProbe): its description or refusal.
        if arguments.first == "__probe", arguments.count == 2 {
            Console.out(probeAnswer(at: arguments[1]) + "\n")
            return 0
        }
        // The fastest path: no settings, no plugins.
        if arguments.contains("--version") && arguments.allSatisfy({ $0.hasPrefix("-") }) {
            Console.out(arguments.contains("--verbose") ? versionReport() : m365Version + "\n")
            return 0
        }
        var run = Run(arguments: arguments)
        return run.execute()
    }
}

struct Run {
    var arguments: [String]
    let paths = HostPaths.fromEnvironment()
    var config: CLIConfig?
    private var registryCache: PluginRegistry?

    init(arguments: [String]) {
        self.arguments = arguments
    }

    mutating func execute() -> Int32 {
        do {
            return try dispatch()
        } catch {
            report(error)
            return error.exitCode
        }
    }

    private mutating func dispatch() throws(HostError) -> Int32 {
        if arguments.first == "__complete" {
            completion(Array(arguments.dropFirst()))
            return 0
        }
        // `m365 help spo list list` is `m365 spo list list --help`.
        if arguments.first == "help" {
            if arguments.dropFirst().first == "exit-codes" {
                Console.out(ExitCodes.help)
                return 0
            }
            arguments = Array(arguments.dropFirst()) + ["--help"]
        }
        do { config = try CLIConfig(path: paths.configFile) } catch { throw HostError(error.description) }

        var catalog = buildCatalog(needsPlugins: needsPlugins, service: namedService)
        let parsed: ParsedCommandLine
        do {
            parsed = try parseAskingForMissingOptions(catalog)
        } catch {
            if let missing = missingService(error) { throw missing }
            var failure = error
            if error.unknownCommand != nil && needsPlugins {
                // Suggestions look at every service's commands: read them all, on this path only.
                catalog = buildCatalog(needsPlugins: true, service: nil, everyService: true)
                do { _ = try ArgumentParser(catalog: catalog, readFile: readOptionFile).parse(arguments) } catch { failure = error }
            }
            throw HostError(failure.description, kind: .usage(command: failure.command))
        }

        switch parsed {
        case .groupHelp(let words, let service, let children, _):
            var notes: [String] = []
            if words.isEmpty { notes = unavailableServiceNotes() }
            Console.out(HelpRenderer.group(words: words, service: service, children: children, catalog: catalog, version: m365Version, notes: notes))
            return 0
        case .commandHelp(let route, _):
            // The CLI's settings: which sections help shows, and whether it opens the web page.
            if config?.string("helpTarget") == "web" {
                let page = HelpRenderer.webPage(route)
                _ = openInBrowser(page)
                Console.out(page + "\n")
                return 0
            }
            Console.out(HelpRenderer.command(route, mode: HelpRenderer.Mode(rawValue: config?.string("helpMode") ?? "") ?? .options))
            return 0
        case .run(let route, let options, let global):
            try perform(route, options: options, global: global)
            return 0
        }
    }

    /// Parses the command line; as the CLI does with the `prompt` setting on, a required option
    /// that is missing is asked for on a terminal (each once) and the line parsed again.
    private mutating func parseAskingForMissingOptions(_ catalog: CommandCatalog) throws(UsageError) -> ParsedCommandLine {
        var asked: Set<String> = []
        while true {
            do {
                return try ArgumentParser(catalog: catalog, readFile: readOptionFile).parse(arguments)
            } catch {
                guard let missing = error.missingOption, !asked.contains(missing), config?.bool("prompt") ?? true,
                      Console.stdinIsTerminal, Console.stderrIsTerminal else { throw error }
                if asked.isEmpty { Console.err("Provide values for the following parameters:\n") }
                asked.insert(missing)
                Console.err("\(missing): ")
                let secret = ["password", "secret"].contains { missing.lowercased().contains($0) }
                guard let answer = Console.readLine(secret: secret), !answer.isEmpty, cancellationRequested == 0 else { throw error }
                // One word, so an answer that starts with `-` stays a value; before a `--`.
                arguments.insert("--\(missing)=\(answer)", at: arguments.firstIndex(of: "--") ?? arguments.endIndex)
            }
        }
    }

    /// Host root commands other than `plugin …` and `help` never need the plugin directories scanned.
    private var needsPlugins: Bool {
        guard let first = arguments.first(where: { !$0.hasPrefix("-") }), !["plugin", "help"].contains(first) else { return true }
        return !HostCommands.root.contains { $0.spec.words.first == first }
    }

    private mutating func registry() -> PluginRegistry {
        if let registryCache { return registryCache }
        let registry = makeRegistry(paths)
        registryCache = registry
        return registry
    }

    /// The commands this run can reach. Every service is listed by name; only the one `service`
    /// names has its commands read (from its plugin's cached descriptor), so a run costs the
    /// same whatever other plugins declare.
    private mutating func buildCatalog(needsPlugins: Bool, service wanted: String?, everyService: Bool = false) -> CommandCatalog {
        var services: [CommandCatalog.Service] = []
        if needsPlugins {
            let registry = registry()
            var loaded: [String: PluginDescriptor] = [:]
            for binding in registry.services(reserved: reservedNames).bindings {
                var spec = binding.spec
                if everyService || wanted.map(spec.allNames.contains) == true {
                    let path = binding.record.path
                    if loaded[path] == nil { loaded[path] = registry.fullDescriptor(of: binding.record, probe: pluginProbe) }
                    if let full = loaded[path]?.services.first(where: { $0.name == spec.name }) {
                        spec.commands = full.commands
                        spec.connectOptions = full.connectOptions
                        spec.commandCount = nil
                    }
                }
                services.append(CommandCatalog.Service(
                    spec: spec, owner: .plugin(path: binding.record.path),
                    hostCommands: HostCommands.serviceCommands(for: spec).map(\.spec)))
            }
        }
        return CommandCatalog(rootCommands: HostCommands.root.map(\.spec), services: services)
    }

    /// The service the command line names: its first word that is not an option.
    private var namedService: String? {
        arguments.first { !$0.hasPrefix("-") }
    }

    private mutating func perform(_ route: CommandRoute, options: JSONObject, global: GlobalOptions) throws(HostError) {
        let config = self.config!
        let modeName = global.output ?? config.string("output") ?? "json"
        let selection = GlobalSelection(
            mode: OutputMode(rawValue: modeName) ?? .json, query: global.query,
            // As the CLI: only the value 1 turns them on (`=0` does not).
            debug: global.debug || environment("CLIMICROSOFT365_DEBUG") == "1",
            verbose: global.verbose || environment("CLIMICROSOFT365_VERBOSE") == "1")
        let printer = try ResultPrinter(global: selection, command: route.command, commandLine: { commandLine(route.command) }, config: config)

        let session = Session(paths: paths, config: config, debug: selection.debug, verbose: selection.verbose,
                              service: route.service.map { ($0.name, $0.aliases) })
        switch route.owner {
        case .host:
            let name = route.command.words
            let handler = route.service == nil
                ? HostCommands.root.first { $0.spec.words == name }?.handler
                : HostCommands.serviceCommands(for: route.service!).first { $0.spec.words == name }?.handler
            guard let handler else { throw HostError("internal: no handler for \(route.fullName)") }
            let registry = name.first == "plugin" ? self.registry() : nil
            var context = HostContext(paths: paths, config: config, session: session, registry: { [paths] in registry ?? makeRegistry(paths) }, outputMode: selection.mode)
            if let service = route.service, !service.connectOptions.isEmpty,
               let record = self.registry().services(reserved: reservedNames).bindings.first(where: { $0.spec.name == service.name })?.record,
               case .available(let info, _) = record.state {
                // `<service> connect`: the plugin's hook reads its own options before the sign-in.
                context.connectHook = { [paths] _, hookOptions throws(HostError) in
                    let hook = CommandRoute(service: service, command: CommandSpec(words: ["connect"]), owner: .plugin(path: record.path))
                    let call = CallContext(route: hook, pluginID: info.id, printer: printer, global: selection, paths: paths, config: config, session: session)
                    var prepared: JSON?
                    call.capture = { prepared = $0 }
                    try runInPlugin(record, route: hook, options: hookOptions, context: call)
                    return prepared
                }
            }
            let value = try interruptible { () throws(HostError) in try handler(&context, options) }
            self.config = context.config
            if let value { try printer.emit(result: value) }
            try printer.finish()
            if let failure = context.failureAfterOutput { throw failure }
        case .plugin(let path):
            guard let record = registry().records.first(where: { $0.path == path }),
                  case .available(let info, _) = record.state else {
                throw HostError("the plugin \(path) is no longer available", kind: .pluginUnavailable)
            }
            let options = try substitutingSignedInUser(options, session: session, service: route.service?.name)
            let context = CallContext(route: route, pluginID: info.id, printer: printer, global: selection, paths: paths, config: config, session: session)
            try runInPlugin(record, route: route, options: options, context: context)
        }
    }

    /// As the CLI: an option given as `@meId` or `@meUserName` is the signed-in user's object id
    /// or user name, read from the connection's Graph token; an app has neither.
    private func substitutingSignedInUser(_ options: JSONObject, session: Session, service: String?) throws(HostError) -> JSONObject {
        let given = options.filter { signedInUserTokens.contains($0.value.stringValue?.lowercased() ?? "") }
        guard !given.isEmpty else { return options }
        let connection = try session.connection(forService: service)
        let claims = TokenClaims(accessToken: try session.accessToken(connection, resource: connection.cloud.graphOrigin))
        var substituted = options
        for (key, value) in given {
            let text = value.stringValue!
            guard let claims, !claims.isAppOnly else { throw HostError("It's not possible to use \(text) with application permissions") }
            let replacement = text.lowercased() == "@meid" ? claims.objectId : claims.userName
            guard let replacement else { throw HostError("The access token names no \(text.lowercased() == "@meid" ? "user id" : "user name") for \(text)") }
            substituted[key] = .string(replacement)
        }
        return substituted
    }

    /// The output format asked for on the command line (`--output X`, `--output=X`, `-o X`), also
    /// when the command line is otherwise wrong.
    private var requestedOutput: String? {
        let spellings = GlobalOption.output.spellings
        for (index, token) in arguments.enumerated() {
            if spellings.contains(token) { return index + 1 < arguments.count ? arguments[index + 1] : nil }
            if let spelling = spellings.first(where: { token.hasPrefix($0 + "=") }) { return String(token.dropFirst(spelling.count + 1)) }
        }
        return nil
    }

    /// The command line as typed, for the title of md output.
    private func commandLine(_ command: CommandSpec) -> String {
        "m365 " + redactingCredentials(arguments, command).map { $0.contains(" ") ? "\"\($0)\"" : $0 }.joined(separator: " ")
    }

    /// The command line with credentials (a password, a client secret, a certificate, a
    /// credential setting's value) replaced by `***`: md output prints it as its title.
    private func redactingCredentials(_ words: [String], _ command: CommandSpec) -> [String] {
        let credentials: Set<String> = ["password", "secret", "certificateBase64Encoded"]
        let secretSetting = Settings.all.contains { $0.isSecret && words.contains($0.key) }
        func isCredential(_ flag: Substring) -> Bool {
            let option = flag.hasPrefix("--") ? command.option(named: String(flag.dropFirst(2)))
                : flag.count == 2 ? command.option(short: String(flag.dropFirst())) : nil
            guard let option else { return false }
            return credentials.contains(option.name) || (secretSetting && option.name == "value")
        }
        var redacted = words
        var index = 0
        while index < redacted.count {
            let word = redacted[index]
            if word.hasPrefix("-"), let equals = word.firstIndex(of: "="), isCredential(word[..<equals]) {
                redacted[index] = String(word[...equals]) + "***"
            } else if word.hasPrefix("-"), isCredential(word[...]), index + 1 < redacted.count {
                redacted[index + 1] = "***"
                index += 1
            }
            index += 1
        }
        return redacted
    }

    /// When the first word names a service whose plugin is missing or refused, say so.
    private mutating func missingService(_ error: UsageError) -> HostError? {
        // Only an unknown first word can be a missing service; option errors are usage errors.
        guard let word = error.unknownCommand?.first else { return nil }
        let registry = registry()
        let services = registry.services(reserved: reservedNames)
        if services.bindings.contains(where: { $0.spec.allNames.contains(word) }) { return nil }
        if let conflict = services.conflicts.first(where: { $0.service == word && !$0.reservedByHost }) {
            return HostError("'\(word)' is unavailable: \(conflict.message)", kind: .pluginUnavailable)
        }
        if let refused = registry.refusedRecord(forService: word) {
            return HostError("'\(word)' is unavailable: the plugin \(refused.path) was refused: \(refused.refusal!)", kind: .pluginUnavailable)
        }
        // The index remembers which file provided a service on an earlier run.
        if let file = registry.remembered[word] {
            if let refused = registry.records.first(where: { $0.fileName == file && $0.refusal != nil }) {
                return HostError("'\(word)' is unavailable: the plugin \(refused.path) was refused: \(refused.refusal!)", kind: .pluginUnavailable)
            }
            return HostError(
                "'\(word)' was provided by the plugin \(file), which is no longer installed. Searched: \(registry.directories.joined(separator: ", "))",
                kind: .pluginUnavailable)
        }
        return nil
    }

    /// Lines for `m365 --help` about services that cannot be used right now.
    private mutating func unavailableServiceNotes() -> [String] {
        let registry = registry()
        var notes = registry.services(reserved: reservedNames).conflicts.map { "Unavailable: \($0.message)" }
        for record in registry.records {
            if let reason = record.refusal { notes.append("Refused: \(record.fileName): \(reason)") }
        }
        if !notes.isEmpty { notes.append("Run 'm365 plugin list' for details.") }
        return notes
    }

    private mutating func completion(_ words: [String]) {
        guard let separator = words.lastIndex(of: "--") else { return }
        let previous = Array(words[..<separator])
        let current = words.count > separator + 1 ? words[separator + 1] : ""
        config = try? CLIConfig(path: paths.configFile)
        let catalog = buildCatalog(needsPlugins: true, service: previous.first { !$0.hasPrefix("-") })
        for candidate in Completion.candidates(catalog: catalog, previous: previous, current: current) {
            Console.out(candidate + "\n")
        }
    }

    private func report(_ error: HostError) {
        let config = self.config
        var message = error.description
        if case .usage(let command) = error.kind, config?.bool("showHelpOnFailure") ?? true {
            message += command.map { "\nRun 'm365 \($0) -h' for help." } ?? ""
        }
        let toStdout = config?.string("errorOutput") == "stdout"
        let mode = requestedOutput ?? config?.string("output") ?? "json"
        // --output none: the exit code says it all, as CLI for Microsoft 365 does.
        if mode == "none" { return }
        let text: String
        if mode == "json" && config?.bool("printErrorsAsPlainText") == false {
            text = JSON.object(JSONObject([("error", .string(error.description))])).serialized(pretty: true) + "\n"
        } else {
            text = "Error: \(message)\n"
        }
        if toStdout { Console.out(text) } else { Console.err(text) }
    }
}

/// The plugins found in `paths`, from the index where it is current (M365_DEBUG=plugins traces it).
func makeRegistry(_ paths: HostPaths) -> PluginRegistry {
    let tracing = environment("M365_DEBUG")?.split(separator: ",").contains("plugins") ?? false
    return PluginRegistry(paths: paths, hostVersion: "\(m365Version)/abi\(M365_ABI_MAJOR).\(M365_ABI_MINOR)", probe: pluginProbe, trace: { line in
        if tracing { Console.err("m365 plugins: \(line)\n") }
    })
}

/// Probes a new or changed plugin file in a child process (this executable, `__probe FILE`), so
/// that a plugin crashing or hanging as it loads is refused rather than fatal; in-process when
/// the executable cannot be found.
func pluginProbe(_ path: String) -> PluginRecord.State {
    guard let executable = FileSystem.executablePath() else { return probeInProcess(path) }
    return ProcessProbe(executable: executable)(path)
}

/// The largest option value read from a file (`--id @file`); bodies that stream are not options.
let optionFileLimit = 16 << 20

/// `@path` option values: the file's content (a regular file or a pipe, at most 16 MiB).
private func readOptionFile(_ path: String) throws(UsageError) -> String {
    do {
        return try FileSystem.readText(path, limit: optionFileLimit)
    } catch {
        throw UsageError("Cannot read the option value from a file: \(error)")
    }
}
