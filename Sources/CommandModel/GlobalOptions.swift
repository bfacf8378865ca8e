/// An option every command takes. `GlobalOption.all` is the one table of them: the parser, help,
/// completion, the descriptor check (a plugin may not redeclare them) and the host's early
/// look at `--output` all read it.
public struct GlobalOption: Sendable {
    public let name: String
    public let short: String?
    /// nil for a flag (true/false); the placeholder shown in help for an option with a value.
    public let value: String?
    /// The values a valued option accepts (empty: any).
    public let allowed: [String]
    public let description: String

    public static let output = GlobalOption(name: "output", short: "o", value: "json|text|csv|md|none",
                                            allowed: ["json", "text", "csv", "md", "none"],
                                            description: "Output format (default: json, or the 'output' setting)")
    public static let query = GlobalOption(name: "query", short: nil, value: "query", allowed: [],
                                           description: "JMESPath query applied to the result before formatting")
    public static let debug = GlobalOption(name: "debug", short: nil, value: nil, allowed: [], description: "Show debug information, with secrets redacted")
    public static let verbose = GlobalOption(name: "verbose", short: nil, value: nil, allowed: [], description: "Show what the command does")
    public static let help = GlobalOption(name: "help", short: "h", value: nil, allowed: [], description: "Show help")

    public static let all: [GlobalOption] = [output, query, debug, verbose, help]
    public static let names: Set<String> = Set(all.map(\.name))
    public static let shorts: Set<String> = Set(all.compactMap(\.short))

    /// `--output` and `-o`.
    public var spellings: [String] { ["--" + name] + (short.map { ["-" + $0] } ?? []) }

    /// The global option a token (without an `=value`) names, if any.
    public static func named(_ token: String) -> GlobalOption? {
        all.first { $0.spellings.contains(token) }
    }

    /// The left column of help: `-o, --output <json|text|csv|md|none>`.
    public var usage: String {
        (short.map { "-\($0), " } ?? "") + "--" + name + (value.map { " <\($0)>" } ?? "")
    }
}
