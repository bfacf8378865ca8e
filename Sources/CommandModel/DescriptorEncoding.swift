import JSONModel

/// The descriptor back in its JSON schema (for the plugin index); `decode(json)` reads it again.
extension PluginDescriptor {
    public var json: JSON {
        .object(JSONObject([
            ("schema", 1),
            ("services", .array(services.map(\.json))),
        ]))
    }
}

extension ServiceSpec {
    var json: JSON {
        var object = JSONObject()
        object["name"] = .string(name)
        if !aliases.isEmpty { object["aliases"] = .array(aliases.map { .string($0) }) }
        object["description"] = .string(description)
        if !signIn { object["signIn"] = false }
        if !connectOptions.isEmpty { object["connectOptions"] = .array(connectOptions.map(\.json)) }
        object["commands"] = .array(commands.map(\.json))
        return .object(object)
    }
}

extension CommandSpec {
    var json: JSON {
        var object = JSONObject()
        object["name"] = .string(name)
        if !aliases.isEmpty { object["aliases"] = .array(aliases.map { .string($0.joined(separator: " ")) }) }
        object["description"] = .string(description)
        if !options.isEmpty { object["options"] = .array(options.map(\.json)) }
        if !optionSets.isEmpty {
            object["optionSets"] = .array(optionSets.map { .object(JSONObject([("options", .array($0.options.map { .string($0) }))])) })
        }
        if acceptsUnknownOptions { object["acceptsUnknownOptions"] = true }
        if !defaultProperties.isEmpty { object["defaultProperties"] = .array(defaultProperties.map { .string($0) }) }
        if !examples.isEmpty {
            object["examples"] = .array(examples.map {
                .object(JSONObject([("description", .string($0.description)), ("command", .string($0.command))]))
            })
        }
        return .object(object)
    }
}

extension OptionSpec {
    var json: JSON {
        var object = JSONObject()
        object["name"] = .string(name)
        if let short { object["short"] = .string(short) }
        object["type"] = .string(type.rawValue)
        if required { object["required"] = true }
        if !allowed.isEmpty { object["allowed"] = .array(allowed.map { .string($0) }) }
        if let defaultValue { object["default"] = defaultValue }
        if !description.isEmpty { object["description"] = .string(description) }
        if !readsFileReferences { object["fileReference"] = false }
        if isPositional { object["positional"] = true }
        if repeatable { object["repeatable"] = true }
        return .object(object)
    }
}
