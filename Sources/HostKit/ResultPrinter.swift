import CommandModel
import HostConfig
import JMESPath
import JSONModel
import OutputFormat

/// Takes a command's result, as one value or as items streamed one by one, applies `--query` and
/// prints it in the chosen output format. A list streams in every format (bounded memory; text
/// holds a window of rows to measure its columns); with `--query` it is buffered, as the query
/// needs the whole value.
final class ResultPrinter {
    private let options: OutputOptions
    private let query: JMESPathExpression?
    private var streaming: StreamingOutput?
    private var buffered: [JSON] = []
    private var result: JSON?
    /// A result kept as the plugin's JSON text (see `emit(resultText:)`).
    private var resultText: [UInt8]?
    private var itemCount = 0

    /// `commandLine` is asked only for md output (its title): redacting it costs a walk of the words.
    init(global: GlobalSelection, command: CommandSpec, commandLine: () -> String, config: CLIConfig) throws(HostError) {
        if let text = global.query {
            do {
                query = try JMESPathExpression(text)
            } catch {
                throw HostError("JMESPath query error: \(error). See https://jmespath.org/specification.html", kind: .usage(command: nil))
            }
        } else {
            query = nil
        }
        var options = OutputOptions(mode: global.mode)
        options.defaultProperties = command.defaultProperties.isEmpty ? nil : command.defaultProperties
        options.queryApplied = query != nil
        if global.mode == .md {
            options.commandLine = commandLine()
            options.date = Console.today()  // reading the time zone costs a file read
        }
        options.csvHeader = config.bool("csvHeader")
        options.csvQuoted = config.bool("csvQuoted")
        options.csvQuotedEmpty = config.bool("csvQuotedEmpty")
        if let quote = config.string("csvQuote")?.first { options.csvQuote = quote }
        if let escape = config.string("csvEscape")?.first { options.csvEscape = escape }
        self.options = options
    }

    /// How many items have already gone to stdout (a JSON array or csv rows being streamed), or
    /// nil when nothing was streamed.
    var streamedItems: Int? { streaming == nil ? nil : itemCount }

    func emit(result value: JSON) throws(HostError) {
        guard result == nil && resultText == nil && itemCount == 0 else {
            throw HostError("the plugin emitted more than one result")
        }
        result = value
    }

    /// A result as JSON text. As json without a query, only checked and copied now, and laid out
    /// straight to stdout when the command succeeds: a large result never becomes a tree of
    /// values (about twice its size at the peak). Parsed like any result otherwise.
    func emit(resultText bytes: UnsafeRawBufferPointer, pluginID: String) throws(HostError) {
        func malformed(_ error: JSONParseError) -> HostError { HostError("the plugin '\(pluginID)' emitted malformed JSON: \(error)") }
        guard query == nil, options.mode == .json else {
            let value: JSON
            do { value = try JSON.parse(buffer: bytes) } catch { throw malformed(error) }
            return try emit(result: value)
        }
        guard result == nil && resultText == nil && itemCount == 0 else {
            throw HostError("the plugin emitted more than one result")
        }
        do { try JSON.reformat(buffer: bytes, pretty: true, indentLevel: 0, sink: nil) } catch { throw malformed(error) }
        resultText = Array(bytes)
    }

    func emit(item value: JSON) throws(HostError) {
        guard result == nil else { throw HostError("the plugin emitted list items after a result") }
        itemCount += 1
        // Every format streams a list; only --query needs the whole value.
        if query == nil {
            stream().item(value)
        } else {
            buffered.append(value)
        }
    }

    /// An item as JSON text: printed straight from the text when its format allows it (json,
    /// csv, none; no query), parsed like any item otherwise.
    func emit(itemText bytes: UnsafeRawBufferPointer, pluginID: String) throws(HostError) {
        func malformed(_ error: JSONParseError) -> HostError { HostError("the plugin '\(pluginID)' emitted malformed JSON: \(error)") }
        guard result == nil, query == nil, StreamingOutput.takesText(options) else {
            let value: JSON
            do { value = try JSON.parse(buffer: bytes) } catch { throw malformed(error) }
            return try emit(item: value)
        }
        itemCount += 1
        do { try stream().item(json: bytes) } catch { throw malformed(error) }
    }

    /// The streamed output, begun with the first item.
    private func stream() -> StreamingOutput {
        if let streaming { return streaming }
        let stream = StreamingOutput(options: options, sink: { Console.out($0) }, bytes: { Console.out(bytes: $0) })
        stream.begin()
        streaming = stream
        return stream
    }

    /// After a failure: what was streamed stays as it is, unfinished (see docs/plugin-abi.md,
    /// `emit_item`); only the line is ended.
    func abandon() {
        streaming?.abandon()
    }

    /// Prints what was emitted, after a command succeeded.
    func finish() throws(HostError) {
        if let streaming {
            streaming.end()
            return
        }
        if let resultText {
            resultText.withUnsafeBytes { text in
                try? JSON.reformat(buffer: text, pretty: true, indentLevel: 0) { Console.out(bytes: $0) }
            }
            Console.out("\n")
            return
        }
        var value: JSON
        if let result {
            value = result
        } else if itemCount > 0 {
            value = .array(buffered)
        } else {
            return
        }
        var options = self.options
        if let query {
            let input = value
            do {
                value = try query.search(value)
            } catch {
                throw HostError("JMESPath query error: \(error). See https://jmespath.org/specification.html")
            }
            options.queryKeptShape = OutputOptions.queryKeptShape(input: input, result: value)
        }
        Console.out(formatOutput(value, options: options))
    }
}

/// The output choices of one run: `--output` wins over the `output` setting.
struct GlobalSelection {
    var mode: OutputMode
    var query: String?
    var debug: Bool
    var verbose: Bool
}
