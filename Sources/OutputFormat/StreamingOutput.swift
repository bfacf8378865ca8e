import JSONModel

/// Prints a list whose items arrive one at a time, in bounded memory, producing what
/// `formatOutput` gives for the whole array:
/// - json and csv write each item as it comes; none discards;
/// - md writes each item's table as it comes (the end of the output is trimmed as a whole: only
///   the trailing blank lines are held back);
/// - text needs column widths: it holds the first `textWindow` rows, so a list of up to that
///   many prints exactly as before; past it, the widths measured on the window stay and later
///   rows stream with them (a wider cell is not cut, only not padded: the one difference).
public final class StreamingOutput {
    /// The rows text output measures its columns on.
    public static let textWindow = 1000

    private let options: OutputOptions
    private let sink: (String) -> Void
    /// Where text that is already bytes goes (json and csv items from text), without a String.
    private let sinkBytes: (UnsafeRawBufferPointer) -> Void
    private var count = 0
    /// Decided by the first item, as the CLI does: objects (null counts) print as tables or
    /// records, anything else one per line.
    private var objects = true
    /// csv: the columns, fixed by the first object; nil while nothing was written.
    private var csvColumns: [String]?
    private var csvColumnBytes: [[UInt8]] = []
    /// csv: the formatter and its one-byte quote and escape, made once for the whole list.
    private let csvFormatter: CSVFormatter
    private let csvMarks: (quote: UInt8, escape: UInt8)?
    /// csv and json from text: the item's members and the bytes being written, reused item after item.
    private var members = JSONMemberReader()
    private var line: [UInt8] = []
    /// text: rows held until the window is full, then the table they fixed.
    private var window: [JSON] = []
    private var table: TextFormatter.Table?
    /// md: trailing white space not printed yet (it is dropped at the end), and whether the
    /// title is out.
    private var held = ""
    private var titled = false

    /// `bytes`, when given, takes what `sink` would as UTF-8 bytes (the console's own writer);
    /// without it, those pieces go to `sink` as Strings.
    public init(options: OutputOptions, sink: @escaping (String) -> Void, bytes: ((UnsafeRawBufferPointer) -> Void)? = nil) {
        self.options = options
        self.sink = sink
        self.sinkBytes = bytes ?? { sink(String(decoding: $0, as: UTF8.self)) }
        csvFormatter = CSVFormatter(options: options)
        csvMarks = csvFormatter.asciiMarks
    }

    public func begin() {
        count = 0
        window = []
        table = nil
        csvColumns = nil
        held = ""
        titled = false
    }

    public func item(_ value: JSON) {
        defer { count += 1 }
        if count == 0 {
            switch value {
            case .object, .null: objects = true
            default: objects = false
            }
        }
        if !objects && options.mode != .json && options.mode != .none {
            // Primitives print one per line in every text-like format.
            sink(JSText.joinElement(value) + "\n")
            return
        }
        switch options.mode {
        case .none:
            return
        case .json:
            let text = value.serialized(pretty: true, indentLevel: 1)
            sink((count == 0 ? "[\n  " : ",\n  ") + text)
        case .csv:
            csvItem(value)
        case .text:
            textItem(options.trimsToDefaultProperties ? PreparedItems.trim(value, to: options.defaultProperties!) : value)
        case .md:
            guard case .object(let object) = value else { return }
            let formatter = MarkdownFormatter(options: options)
            if !titled {
                print(md: formatter.title)
                titled = true
            }
            print(md: formatter.section(object, number: count + 1))
        }
    }

    private static let openArray = Array("[\n  ".utf8), nextElement = Array(",\n  ".utf8)

    /// Whether `item(json:)` prints this output's items straight from their text: json, none,
    /// and csv of objects with the usual one-byte quote and escape (without a query).
    public static func takesText(_ options: OutputOptions) -> Bool {
        switch options.mode {
        case .json, .none: return true
        case .csv: return !options.queryApplied && CSVFormatter(options: options).asciiMarks != nil
        case .text, .md: return false
        }
    }

    /// A JSON item given as text (see `takesText`): checked and printed in one pass, so a
    /// plugin's long list is printed without building values. Throws on invalid JSON.
    public func item(json bytes: UnsafeRawBufferPointer) throws(JSONParseError) {
        precondition(Self.takesText(options), "item(json:) is for json, none and csv output")
        switch options.mode {
        case .json:
            line.removeAll(keepingCapacity: true)
            line.append(contentsOf: count == 0 ? Self.openArray : Self.nextElement)
            try JSON.reformat(buffer: bytes, pretty: true, indentLevel: 1, appendingTo: &line)
            line.withUnsafeBytes(sinkBytes)
        case .none:
            try JSON.validate(buffer: bytes)
        default:
            let formatter = csvFormatter
            // A list of primitives, or an item that is not an object, takes the general way.
            guard count == 0 || objects, try members.read(objectIn: bytes), let marks = csvMarks else {
                return item(try JSON.parse(buffer: bytes))
            }
            objects = true
            line.removeAll(keepingCapacity: true)
            if csvColumns == nil {
                csvColumns = CSVFormatter.columns(of: members)
                csvColumnBytes = csvColumns!.map { Array($0.utf8) }
                if options.csvHeader { sink(formatter.headerLine(csvColumns!)) }
            }
            formatter.appendLine(members, csvColumnBytes, marks: marks, to: &line)
            line.withUnsafeBytes(sinkBytes)
        }
        count += 1
    }

    public func end() {
        switch options.mode {
        case .none:
            return
        case .json:
            sink(count == 0 ? "[]\n" : "\n]\n")
        case .csv:
            // Objects end with the blank line console.log adds after csv-stringify's last record;
            // primitives print as joined lines, which already end with the newline.
            if objects { sink("\n") }
        case .text:
            if !objects { return }
            if table != nil { sink("\n") } else { sink(formatOutput(.array(window), options: options)) }
        case .md:
            if objects { sink("\n") }
        }
    }

    /// The list failed part-way: a JSON array is left open (so no parser mistakes the first
    /// pages for the whole list), its last line ended; what other formats wrote stays.
    public func abandon() {
        if options.mode == .json && count > 0 { sink("\n") }
    }

    private func csvItem(_ value: JSON) {
        guard case .object(let object) = value else { return }
        let formatter = csvFormatter
        let record = formatter.prepare(object)
        if csvColumns == nil {
            csvColumns = record.keys
            if options.csvHeader { sink(formatter.headerLine(record.keys)) }
        }
        sink(formatter.line(record, csvColumns ?? []))
    }

    private func textItem(_ value: JSON) {
        if let table {
            if case .object(let object) = value { sink(table.row(object)) }
            return
        }
        window.append(value)
        guard window.count > Self.textWindow else { return }
        let rows = window.compactMap(\.objectValue)
        let measured = TextFormatter.Table(Array(rows.prefix(Self.textWindow)))
        sink(measured.header)
        for row in rows { sink(measured.row(row)) }
        table = measured
        window = []
    }

    /// md text, holding back its trailing white space until more follows.
    private func print(md text: String) {
        var end = text.endIndex
        while end > text.startIndex, text[text.index(before: end)].isWhitespace { end = text.index(before: end) }
        if end == text.startIndex {
            held += text
            return
        }
        sink(held + String(text[..<end]))
        held = String(text[end...])
    }
}
