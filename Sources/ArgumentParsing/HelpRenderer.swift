import CommandModel
import JSONModel

/// Renders help from command declarations: the same text for `-h`, `--help` and `m365 help …`.
public enum HelpRenderer {
    /// What `helpMode` (a CLI setting) asks for. The CLI's modes name sections of its documentation:
    /// `options` (the default) and `examples` pick one, `full` shows all; m365's help has no
    /// remarks, permissions or response sections, so those modes show the options.
    public enum Mode: String, Sendable {
        case options, examples, remarks, permissions, response, full
        var showsOptions: Bool { self != .examples }
        var showsExamples: Bool { self == .examples || self == .full }
    }

    /// The command's page on the CLI for Microsoft 365 site (`helpTarget` web): its
    /// documentation sits under cmd/<service>/<group>/<group>-<rest>.
    public static func webPage(_ route: CommandRoute) -> String {
        let words = (route.service.map { [$0.name] } ?? []) + route.command.words
        let path: String
        switch words.count {
        case 1: path = words[0]
        case 2: path = "\(words[0])/\(words[0])-\(words[1])"
        default: path = "\(words[0])/\(words[1])/" + words.dropFirst().joined(separator: "-")
        }
        return "https://pnp.github.io/cli-microsoft365/cmd/\(path)"
    }

    public static func command(_ route: CommandRoute, mode: Mode = .full) -> String {
        let command = route.command
        var out = "Usage: m365 \(route.fullName)"
        if let positional = command.options.first(where: \.isPositional) {
            out += positional.required ? " <\(positional.name)>" : " [\(positional.name)]"
        }
        out += " [options]\n"
        if !command.description.isEmpty { out += "\n\(command.description)\n" }
        if !command.aliases.isEmpty {
            let prefix = route.service.map { "\($0.name) " } ?? ""
            out += "\nAliases: " + command.aliases.map { "m365 " + prefix + $0.joined(separator: " ") }.joined(separator: ", ") + "\n"
        }
        if mode.showsOptions {
            if !command.options.isEmpty {
                out += "\nOptions:\n" + table(command.options.map { (optionUsage($0), optionDetails($0, in: command)) })
            }
            for set in command.optionSets {
                out += "\nSpecify exactly one of: " + set.options.map { "--\($0)" }.joined(separator: ", ") + "\n"
            }
            if command.acceptsUnknownOptions {
                out += "\nThis command also takes options it does not declare (--Name value) and passes them on.\n"
            }
            out += "\nGlobal options:\n" + table(globalOptionRows)
        }
        if !mode.showsExamples && !command.examples.isEmpty {
            out += "\nExamples: set the helpMode setting to examples or full (m365 cli config set --key helpMode --value full).\n"
        }
        if mode.showsExamples && !command.examples.isEmpty {
            out += "\nExamples:\n"
            for example in command.examples {
                if !example.description.isEmpty { out += "\n  \(example.description)\n" }
                out += "    \(example.command)\n"
            }
        }
        return out
    }

    /// Help for a service or a group of commands, or the whole CLI when `words` is empty.
    public static func group(words: [String], service: CommandCatalog.Service?, children: [CommandRoute], catalog: CommandCatalog, version: String, notes: [String] = []) -> String {
        var out = ""
        if words.isEmpty {
            out += "m365 \(version): manage Microsoft 365 from the command line\n\n"
            out += "Usage: m365 <command> [options]\n\nCommands:\n"
            out += table(catalog.rootCommands.map { ($0.words.joined(separator: " "), $0.description) })
            if !catalog.services.isEmpty {
                out += "\nServices:\n"
                out += table(catalog.services.map { entry in
                    let aliases = entry.spec.aliases.isEmpty ? "" : " (alias: \(entry.spec.aliases.joined(separator: ", ")))"
                    let count = (entry.spec.commandCount ?? entry.spec.commands.count) + entry.hostCommands.count
                    return (entry.spec.name, "\(entry.spec.description)\(aliases), \(count) commands")
                })
            }
            out += "\nRun 'm365 <command> -h' for help on a command, 'm365 <service> -h' for a service's commands.\n"
        } else {
            let path = words.joined(separator: " ")
            out += "Usage: m365 \(path) <command> [options]\n"
            if let service, words.count == 1, !service.spec.description.isEmpty {
                out += "\n\(service.spec.description)\n"
            }
            out += "\nCommands:\n" + table(children.map { ("m365 \($0.fullName)", $0.command.description) })
        }
        for note in notes { out += "\n\(note)\n" }
        out += "\nGlobal options:\n" + table(globalOptionRows)
        return out
    }

    static let globalOptionRows: [(String, String)] = GlobalOption.all.map { ($0.usage, $0.description) }

    static func optionUsage(_ option: OptionSpec) -> String {
        var usage = option.short.map { "-\($0), " } ?? "    "
        usage += "--\(option.name)"
        switch option.type {
        case .string: usage += " <\(option.name)>"
        case .number: usage += " <number>"
        case .boolean: break
        case .enum: usage += " <\(option.allowed.joined(separator: "|"))>"
        }
        return usage
    }

    static func optionDetails(_ option: OptionSpec, in command: CommandSpec) -> String {
        var details = option.description
        var notes: [String] = []
        if option.required { notes.append("required") }
        if option.type == .boolean { notes.append("true|false") }
        if let value = option.defaultValue {
            notes.append("default: " + (value.stringValue ?? value.serialized()))
        }
        if option.isPositional { notes.append("may be given without --\(option.name)") }
        if option.repeatable { notes.append("may be given more than once") }
        if !notes.isEmpty { details += (details.isEmpty ? "" : " ") + "(" + notes.joined(separator: "; ") + ")" }
        return details
    }

    /// Two columns, the first padded to the widest entry.
    static func table(_ rows: [(String, String)]) -> String {
        let width = min(rows.map(\.0.count).max() ?? 0, 44)
        var out = ""
        for (left, right) in rows {
            if right.isEmpty {
                out += "  \(left)\n"
            } else if left.count > width {
                out += "  \(left)\n  \(String(repeating: " ", count: width))  \(right)\n"
            } else {
                out += "  \(left)\(String(repeating: " ", count: width - left.count))  \(right)\n"
            }
        }
        return out
    }
}
