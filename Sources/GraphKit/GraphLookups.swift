/// `--properties`, as every Graph command spells it.
public let propertiesOption = option(.properties, "p", "Comma-separated properties to retrieve")

/// Lookups by name that several Graph commands share (users, groups, one object of a collection).
extension GraphClient {
    /// `$select` for `--properties`, or the given default.
    public func select(_ options: Options, default fallback: String? = nil) -> String? {
        options.string(.properties) ?? fallback
    }

    /// The one object of `collection` whose `property` equals `value`; a clear error for none or several.
    public func findOne(_ collection: String, where property: String, is value: String, noun: String,
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
    public func emitOne(_ collection: String, _ options: Options, noun: String) throws(PluginFailure) {
        var id = options.string(.id) ?? ""
        if let name = options.string(.displayName) {
            id = try findOne(collection, where: "displayName", is: name, noun: noun, select: "id")["id"]?.stringValue ?? ""
        }
        try invocation.emit(result: .object(try get("\(collection)/\(OData.segment(id))" + OData.query([("$select", select(options))]))))
    }

    /// The id of the user given by `--<idOption>` or `--<nameOption>` (a user principal name).
    public func userId(_ options: Options, id idOption: OptionKey<String>, userName nameOption: OptionKey<String>) throws(PluginFailure) -> String? {
        if let id = options.string(idOption) { return id }
        guard let upn = options.string(nameOption) else { return nil }
        return try userId(upn: upn)
    }

    public func userId(upn: String) throws(PluginFailure) -> String {
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
    public func userIds(upns: [String]) throws(PluginFailure) -> [String] {
        let requests = upns.enumerated().map { index, upn in
            GraphBatchRequest(id: String(index + 1), method: "GET", url: "/users/\(OData.segment(upn))?$select=id")
        }
        let responses = try batch(requests)
        var ids: [String] = []
        var missing: [String] = []
        for (upn, response) in zip(upns, responses) {
            if response.isSuccess, let id = response.body?["id"]?.stringValue { ids.append(id); continue }
            if response.status == 404 { missing.append(upn); continue }
            throw PluginFailure("resolving user '\(upn)' failed: \(response.failureMessage)", status: abiStatus(forHTTPStatus: response.status))
        }
        guard missing.isEmpty else {
            throw PluginFailure("These users do not exist: \(missing.joined(separator: ", "))", status: M365_ERR_NOT_FOUND)
        }
        return ids
    }

    /// The id of the group given by `--<idOption>` or its display name `--<nameOption>`.
    public func groupId(_ options: Options, id idOption: OptionKey<String>, name nameOption: OptionKey<String>) throws(PluginFailure) -> String {
        if let id = options.string(idOption) { return id }
        guard let name = options.string(nameOption) else { throw usage("specify --\(idOption.name) or --\(nameOption.name)") }
        return try findOne("/groups", where: "displayName", is: name, noun: "group")["id"]?.stringValue ?? ""
    }
}
