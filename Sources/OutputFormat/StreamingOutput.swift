import JSONModel

/// Prints a list whose items arrive one at a time. json and csv write each item as it comes and
/// produce exactly what `formatOutput` gives for the whole array; none discards; text and md need
/// every item (column widths, sections) so they buffer until `end()`.
public final class StreamingOutput {
    private let options: OutputOptions
    private let sink: (String) -> Void
    private var count = 0
    private var buffered: [JSON] = []
    /// csv: the columns, fixed by the first object; nil while nothing was written.
    private var csvColumns: [String]?
    /// csv: the first item was a primitive, so every item prints as a line.
    private var csvPrimitives = false

    /// Whether `mode` writes items as they arrive (otherwise the items are buffered).
    public static func canStream(_ mode: OutputMode) -> Bool {
        switch mode {
        case .json, .csv, .none: return true
        case .text, .md: return false
        }
    }

    public init(options: OutputOptions, sink: @escaping (String) -> Void) {
        self.options = options
        self.sink = sink
    }

    public func begin() {
        count = 0
        buffered = []
        csvColumns = nil
        csvPrimitives = false
    }

    public func item(_ value: JSON) {
        defer { count += 1 }
        switch options.mode {
        case .none:
            return
        case .json:
            let text = value.serialized(pretty: true, indentLevel: 1)
            sink((count == 0 ? "[\n  " : ",\n  ") + text)
        case .csv:
            csvItem(value)
        case .text, .md:
            buffered.append(value)
        }
    }

    /// A JSON item given as text (json mode only): checked and laid out in one pass, so a
    /// plugin's long list is printed without building values. Throws on invalid JSON.
    public func item(json bytes: UnsafeRawBufferPointer) throws(JSONParseError) {
        precondition(options.mode == .json, "item(json:) is for json output")
        let text = try JSON.reformat(buffer: bytes, pretty: true, indentLevel: 1)
        sink((count == 0 ? "[\n  " : ",\n  ") + text)
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
            if !csvPrimitives { sink("\n") }
        case .text, .md:
            sink(formatOutput(.array(buffered), options: options))
        }
    }

    /// The list failed part-way: a JSON array is left open (so no parser mistakes the first
    /// pages for the whole list), its last line ended; csv rows stay as written.
    public func abandon() {
        if options.mode == .json && count > 0 { sink("\n") }
    }

    private func csvItem(_ value: JSON) {
        if count == 0 {
            switch value {
            case .object, .null: break
            default: csvPrimitives = true
            }
        }
        if csvPrimitives {
            sink(JSText.joinElement(value) + "\n")
            return
        }
        guard case .object(let object) = value else { return }
        let formatter = CSVFormatter(options: options)
        let record = formatter.prepare(object)
        if csvColumns == nil {
            csvColumns = record.keys
            if options.csvHeader { sink(formatter.headerLine(record.keys)) }
        }
        sink(formatter.line(record, csvColumns ?? []))
    }
}
