import JSONModel

/// Formats a command's result for stdout exactly as CLI for Microsoft 365 prints it
/// (`cli.formatOutput` followed by `console.log`, hence the final newline). `none` gives "".
public func formatOutput(_ value: JSON, options: OutputOptions) -> String {
    switch options.mode {
    case .none:
        return ""
    case .json:
        return value.serialized(pretty: true) + "\n"
    case .text, .csv, .md:
        let prepared = PreparedItems(value, options: options)
        guard prepared.areObjects else {
            // Primitives (or arrays of them) print one per line in every text-like format.
            return prepared.items.map(JSText.joinElement).joined(separator: "\n") + "\n"
        }
        switch options.mode {
        case .csv: return CSVFormatter(options: options).format(prepared.items) + "\n"
        case .md: return MarkdownFormatter(options: options).format(prepared.items) + "\n"
        default: return TextFormatter.format(prepared.items) + "\n"
        }
    }
}

/// The value as a list of items, classified and trimmed the way the CLI does before formatting.
struct PreparedItems {
    var items: [JSON]
    /// Whether the items are objects (decided by the first item, like the CLI; null counts as an
    /// object there, as `typeof null` is "object" in JavaScript).
    var areObjects: Bool

    init(_ value: JSON, options: OutputOptions) {
        var value = value
        if options.mode == .text, let unwrapped = Self.unwrapGraphCollection(value) {
            value = unwrapped
        }
        if case .array(let list) = value {
            items = list
        } else {
            items = [value]
        }
        switch items.first {
        case .object?, .null?: areObjects = true
        default: areObjects = false
        }
        if areObjects, options.trimsToDefaultProperties, let properties = options.defaultProperties {
            items = items.map { Self.trim($0, to: properties) }
        }
    }

    /// `{"value": [...], "@odata.context": ...}` → the array (a Graph or SharePoint collection page).
    static func unwrapGraphCollection(_ value: JSON) -> JSON? {
        guard case .object(let object) = value, case .array? = object["value"] else { return nil }
        for key in object.keys where key != "value" && !key.contains("@") { return nil }
        return object["value"]
    }

    /// Keeps only `properties`, in their order (the CLI's `filterObject`). An object that has
    /// none of them is of another shape than the command's usual items (a switch that changes
    /// what is printed) and is kept whole rather than printed empty.
    static func trim(_ item: JSON, to properties: [String]) -> JSON {
        guard case .object(let object) = item else { return item }
        var trimmed = JSONObject()
        for key in properties {
            if let member = object[key] { trimmed[key] = member }
        }
        return trimmed.isEmpty && !object.isEmpty ? item : .object(trimmed)
    }
}
