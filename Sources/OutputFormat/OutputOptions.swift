import JSONModel

/// The `--output` formats of CLI for Microsoft 365.
public enum OutputMode: String, CaseIterable, Sendable {
    case json, text, csv, md, none
}

/// Everything a formatter needs besides the value itself.
public struct OutputOptions: Sendable {
    public var mode: OutputMode
    /// The command's default properties (text output trims objects to them).
    public var defaultProperties: [String]?
    /// True when `--query` was given: csv and md then keep object-valued properties (as JSON).
    public var queryApplied: Bool
    /// True when a query ran but kept the shape of the value (see `queryKeptShape(input:result:)`);
    /// text output then still trims to the default properties, as the CLI does.
    public var queryKeptShape: Bool
    public var csvHeader: Bool
    public var csvQuote: Character
    public var csvEscape: Character
    /// Quote every non-empty csv field.
    public var csvQuoted: Bool
    /// Quote empty csv fields.
    public var csvQuotedEmpty: Bool
    /// The command line as typed, for the md title.
    public var commandLine: String
    /// The date string for the md header (the caller formats it, e.g. "2024-05-01").
    public var date: String

    public init(
        mode: OutputMode = .json, defaultProperties: [String]? = nil, queryApplied: Bool = false,
        queryKeptShape: Bool = false, csvHeader: Bool = true, csvQuote: Character = "\"",
        csvEscape: Character = "\"", csvQuoted: Bool = false, csvQuotedEmpty: Bool = false,
        commandLine: String = "", date: String = ""
    ) {
        self.mode = mode
        self.defaultProperties = defaultProperties
        self.queryApplied = queryApplied
        self.queryKeptShape = queryKeptShape
        self.csvHeader = csvHeader
        self.csvQuote = csvQuote
        self.csvEscape = csvEscape
        self.csvQuoted = csvQuoted
        self.csvQuotedEmpty = csvQuotedEmpty
        self.commandLine = commandLine
        self.date = date
    }

    /// The CLI's test for "the query did not reshape the value": the property names of the input
    /// (its first item for an array) equal those of the result (its first item for an array), in order.
    public static func queryKeptShape(input: JSON, result: JSON) -> Bool {
        func firstItem(_ value: JSON) -> JSON? {
            if case .array(let items) = value { return items.first }
            return value
        }
        guard case .object(let before)? = firstItem(input), case .object(let after)? = firstItem(result) else {
            return false
        }
        return before.keys == after.keys
    }

    /// Whether text output trims objects to the default properties.
    var trimsToDefaultProperties: Bool {
        mode == .text && defaultProperties != nil && (!queryApplied || queryKeptShape)
    }
}
