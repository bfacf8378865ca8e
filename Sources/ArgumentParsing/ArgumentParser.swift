import CommandModel
import JSONModel

/// The options every command takes.
public struct GlobalOptions: Sendable, Equatable {
    public var output: String?
    public var query: String?
    public var debug = false
    public var verbose = false
    public var help = false
    public init() {}
}


/// A bad command line. The host prints it as `Error: <message>` and exits with code 2.
public struct UsageError: Error, CustomStringConvertible, Equatable {
    public var description: String
    /// The command the error is about, for "Run 'm365 <command> -h' for help".
    public var command: String?
    /// The words typed, when they name no command (the host then checks for a missing plugin).
    public var unknownCommand: [String]?
    /// The required option that was not given (the host may ask for it on a terminal).
    public var missingOption: String?
    public init(_ description: String, command: String? = nil, unknownCommand: [String]? = nil, missingOption: String? = nil) {
        self.description = description
        self.command = command
        self.unknownCommand = unknownCommand
        self.missingOption = missingOption
    }
}

/// What a command line asks for.
public enum ParsedCommandLine: Sendable {
    /// Run a command with its validated, typed options (declared order, then unknown options).
    case run(CommandRoute, options: JSONObject, global: GlobalOptions)
    /// Show help for a command.
    case commandHelp(CommandRoute, global: GlobalOptions)
    /// Show the commands under a service or group (or everything, for bare `m365`).
    case groupHelp(words: [String], service: CommandCatalog.Service?, children: [CommandRoute], global: GlobalOptions)
}

/// Reads files named by `@path` option values. Injected so tests need no files.
public typealias FileReader = (String) throws(UsageError) -> String

/// Turns argv (without the program name) into an `ParsedCommandLine`, checking every option against the
/// command's declaration. Nothing here touches the network or loads a plugin.
public struct ArgumentParser {
    public var catalog: CommandCatalog
    public var readFile: FileReader

    public init(catalog: CommandCatalog, readFile: @escaping FileReader) {
        self.catalog = catalog
        self.readFile = readFile
    }

    public func parse(_ arguments: [String]) throws(UsageError) -> ParsedCommandLine {
        var global = GlobalOptions()
        var words: [String] = []
        var index = 0
        // The command path: bare words up to the first option; global options may come first.
        while index < arguments.count {
            let token = arguments[index]
            if token.hasPrefix("-") && token.count > 1 {
                guard try consumeGlobal(arguments, &index, into: &global, command: nil) else { break }
                continue
            }
            words.append(token)
            index += 1
        }

        switch catalog.resolve(words) {
        case .unknown(let typed):
            throw unknownCommand(typed)
        case .group(let typed, let service, let children):
            // Still read the options so `m365 spo -o text -h` works; anything else is an error.
            while index < arguments.count {
                guard try consumeGlobal(arguments, &index, into: &global, command: typed.joined(separator: " ")) else {
                    throw UsageError("'\(typed.joined(separator: " "))' needs a command; unknown option '\(arguments[index])'")
                }
            }
            return .groupHelp(words: typed, service: service, children: children, global: global)
        case .command(let route, let consumed):
            let positionals = Array(words.dropFirst(consumed))
            var parser = OptionParser(route: route, readFile: readFile)
            for word in positionals { try parser.addPositional(word) }
            while index < arguments.count {
                if try consumeGlobal(arguments, &index, into: &global, command: route.fullName) { continue }
                try parser.consume(arguments, &index)
            }
            if global.help { return .commandHelp(route, global: global) }
            return .run(route, options: try parser.finish(), global: global)
        }
    }

    /// Consumes one global option at `index`; false when the token is not a global option.
    private func consumeGlobal(_ arguments: [String], _ index: inout Int, into global: inout GlobalOptions, command: String?) throws(UsageError) -> Bool {
        let token = arguments[index]
        let (name, inlineValue) = splitOption(token)
        func value() throws(UsageError) -> String {
            if let inlineValue { index += 1; return inlineValue }
            guard index + 1 < arguments.count else { throw UsageError("Option \(token) needs a value", command: command) }
            index += 2
            return arguments[index - 1]
        }
        guard let option = GlobalOption.named(name) else { return false }
        switch option.name {
        case GlobalOption.output.name:
            let mode = try value()
            guard option.allowed.contains(mode) else {
                throw UsageError("Option --output must be one of \(option.allowed.joined(separator: ", ")); got '\(mode)'", command: command)
            }
            global.output = mode
        case GlobalOption.query.name:
            global.query = try value()
        default:
            var flag = true
            if let inlineValue {
                guard let parsed = parseBoolean(inlineValue) else {
                    throw UsageError("Option \(name) takes true or false; got '\(inlineValue)'", command: command)
                }
                flag = parsed
                index += 1
            } else if index + 1 < arguments.count, let parsed = parseBoolean(arguments[index + 1]) {
                flag = parsed
                index += 2
            } else {
                index += 1
            }
            switch option.name {
            case GlobalOption.debug.name: global.debug = flag
            case GlobalOption.verbose.name: global.verbose = flag
            default: global.help = flag
            }
        }
        return true
    }

    private func unknownCommand(_ typed: [String]) -> UsageError {
        let attempt = typed.joined(separator: " ")
        let names = catalog.allRoutes.map(\.fullName) + catalog.services.flatMap { s in s.spec.aliases.map { $0 } }
        // Compare like with like: as many words as the user typed.
        let candidates = catalog.allRoutes.map { route -> String in
            let parts = route.fullName.split(separator: " ")
            return parts.prefix(typed.count).joined(separator: " ")
        } + names
        let suggestions = nearest(attempt, among: Array(Set(candidates)))
        var message = "Command '\(attempt)' was not found."
        if !suggestions.isEmpty {
            message += " Did you mean: " + suggestions.map { "m365 \($0)" }.joined(separator: ", ") + "?"
        }
        if let first = typed.first, catalog.service(named: first) == nil, typed.count > 0 {
            if suggestions.isEmpty && typed.count > 1 {
                // `m365 <word> <command>`: most likely a service whose plugin is not installed.
                message += " No installed plugin provides a service '\(first)': run 'm365 plugin list' to see what is installed."
            } else {
                message += " Run 'm365 --help' for the list of commands."
            }
        }
        return UsageError(message, unknownCommand: typed)
    }
}

/// `--name=value` → ("--name", "value"); `--name` → ("--name", nil).
func splitOption(_ token: String) -> (String, String?) {
    guard let equals = token.firstIndex(of: "=") else { return (token, nil) }
    return (String(token[..<equals]), String(token[token.index(after: equals)...]))
}

func parseBoolean(_ text: String) -> Bool? {
    switch text.lowercased() {
    case "true", "1", "yes": return true
    case "false", "0", "no": return false
    default: return nil
    }
}
