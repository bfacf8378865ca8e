import GraphKit

/// Shorthands that keep each command's declaration to the facts: names, aliases, types.
func option(_ name: String, _ short: String? = nil, _ description: String, type: OptionType = .string,
            required: Bool = false, allowed: [String] = [], defaultValue: JSON? = nil) -> OptionSpec {
    OptionSpec(name: name, short: short, type: allowed.isEmpty ? type : .enum, required: required, allowed: allowed,
               defaultValue: defaultValue, description: description)
}

func flag(_ name: String, _ short: String? = nil, _ description: String) -> OptionSpec {
    option(name, short, description, type: .boolean)
}

let propertiesOption = option("properties", "p", "Comma-separated properties to retrieve")
let forceOption = flag("force", "f", "Do not ask for confirmation")

/// One command: its spec and what runs it.
func command(_ words: String, _ description: String, aliases: [String] = [], options: [OptionSpec] = [], sets: [[String]] = [],
             unknownOptions: Bool = false, defaults: [String] = [], examples: [(String, String)] = [],
             run: @escaping @Sendable (GraphClient, Options) throws(PluginFailure) -> Void) -> PluginCommand {
    let spec = CommandSpec(
        words: words.split(separator: " ").map(String.init), aliases: aliases.map { $0.split(separator: " ").map(String.init) },
        description: description, options: options, optionSets: sets.map { OptionSetSpec(options: $0) },
        acceptsUnknownOptions: unknownOptions, defaultProperties: defaults,
        examples: examples.map { ExampleSpec(description: $0.0, command: $0.1) })
    return PluginCommand(spec) { invocation, options throws(PluginFailure) in
        try run(GraphClient(invocation), options)
    }
}

/// Asks before a removal unless `--force`; false when the user said no. Without a terminal the
/// failure tells the user to add --force, so a script never hangs on a question.
func confirmed(_ graph: GraphClient, _ options: Options, _ what: String) throws(PluginFailure) -> Bool {
    if options.bool("force") { return true }
    return try graph.invocation.confirm("Are you sure you want to remove \(what)?",
                                        orExplain: "removing \(what) needs confirmation: add --force to run without a terminal")
}

/// A usage mistake the host's option checks cannot see (a combination, a value's shape): no
/// request is sent.
func usage(_ message: String) -> PluginFailure { PluginFailure(message, status: M365_ERR_INVALID_ARGUMENT) }

func isGUID(_ text: String) -> Bool {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.map(\.count) == [8, 4, 4, 4, 12] else { return false }
    return text.allSatisfy { $0 == "-" || $0.isHexDigit }
}

/// Checks that each value of a GUID option is a GUID before anything is sent.
func requireGUIDs(_ options: Options, _ names: [String]) throws(PluginFailure) {
    for name in names {
        for value in options.list(name) ?? [] where !isGUID(value) {
            throw usage("'\(value)' is not a valid GUID for --\(name)")
        }
    }
}

extension JSONObject {
    /// This object with `extra` appended (or replaced), keeping Graph's order for the rest.
    func adding(_ extra: JSONObject) -> JSONObject {
        var out = self
        for (key, value) in extra { out[key] = value }
        return out
    }
}

extension GraphClient {
    /// `$select` for `--properties`, or the given default.
    func select(_ options: Options, default fallback: String? = nil) -> String? {
        options.string("properties") ?? fallback
    }

    /// The one object of `collection` whose `property` equals `value`; a clear error for none or several.
    func findOne(_ collection: String, where property: String, is value: String, noun: String,
                 select: String = "id,displayName") throws(PluginFailure) -> JSONObject {
        let found = try all(collection + OData.query([("$filter", "\(property) eq \(OData.quote(value))"), ("$select", select)]))
        guard let first = found.first else {
            throw PluginFailure("The specified \(noun) '\(value)' does not exist.", status: M365_ERR_NOT_FOUND)
        }
        guard found.count == 1 else {
            let ids = found.compactMap { $0["id"]?.stringValue }.joined(separator: ", ")
            let label = property == "displayName" ? "name" : property
            throw PluginFailure("Multiple \(noun)s with \(label) '\(value)' found. Found: \(ids).")
        }
        return first
    }

    /// Emits the object of `collection` named by `--id` or `--displayName`, with `--properties`.
    func emitOne(_ collection: String, _ options: Options, noun: String) throws(PluginFailure) {
        var id = options.string("id") ?? ""
        if let name = options.string("displayName") {
            id = try findOne(collection, where: "displayName", is: name, noun: noun, select: "id")["id"]?.stringValue ?? ""
        }
        try invocation.emit(result: .object(try get("\(collection)/\(OData.segment(id))" + OData.query([("$select", select(options))]))))
    }

    /// The id of the user given by `--<idOption>` or `--<nameOption>` (a user principal name).
    func userId(_ options: Options, id idOption: String, userName nameOption: String) throws(PluginFailure) -> String? {
        if let id = options.string(idOption) { return id }
        guard let upn = options.string(nameOption) else { return nil }
        return try userId(upn: upn)
    }

    func userId(upn: String) throws(PluginFailure) -> String {
        do throws(PluginFailure) {
            guard let id = try get("/users/\(OData.segment(upn))?$select=id")["id"]?.stringValue else {
                throw PluginFailure("The specified user with user name \(upn) does not exist.", status: M365_ERR_NOT_FOUND)
            }
            return id
        } catch {
            if error.status == M365_ERR_NOT_FOUND { throw PluginFailure("The specified user with user name \(upn) does not exist.", status: M365_ERR_NOT_FOUND) }
            throw error
        }
    }

    /// Ids for a list of user principal names, resolved in JSON batches of 20.
    func userIds(upns: [String]) throws(PluginFailure) -> [String] {
        let requests = upns.enumerated().map { index, upn in
            GraphBatchRequest(id: String(index + 1), method: "GET", url: "/users/\(OData.segment(upn))?$select=id")
        }
        let responses = try batch(requests)
        var ids: [String] = []
        var missing: [String] = []
        for (upn, response) in zip(upns, responses) {
            if response.isSuccess, let id = response.body?["id"]?.stringValue { ids.append(id); continue }
            if response.status == 404 { missing.append(upn); continue }
            throw PluginFailure("resolving user '\(upn)' failed: \(response.failureMessage)", status: GraphClient.statusFor(httpStatus: response.status))
        }
        guard missing.isEmpty else {
            throw PluginFailure("These users do not exist: \(missing.joined(separator: ", "))", status: M365_ERR_NOT_FOUND)
        }
        return ids
    }

    /// The id of the group given by `--<idOption>` or its display name `--<nameOption>`.
    func groupId(_ options: Options, id idOption: String, name nameOption: String) throws(PluginFailure) -> String {
        if let id = options.string(idOption) { return id }
        guard let name = options.string(nameOption) else { throw usage("specify --\(idOption) or --\(nameOption)") }
        return try findOne("/groups", where: "displayName", is: name, noun: "group")["id"]?.stringValue ?? ""
    }
}
