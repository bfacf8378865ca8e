import JSONModel

/// Why a plugin's descriptor was refused. The message is one line, shown by `m365 plugin list`.
public struct DescriptorError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}


extension PluginDescriptor {
    /// Decodes and validates a descriptor document (schema in docs/plugin-abi.md).
    public static func decode(_ json: JSON) throws(DescriptorError) -> PluginDescriptor {
        guard let root = json.objectValue else { throw DescriptorError("the descriptor is not a JSON object") }
        guard let schema = root["schema"]?.numberValue else { throw DescriptorError("the descriptor has no \"schema\" number") }
        guard schema == 1 else { throw DescriptorError("descriptor schema \(formatNumber(schema)) is not supported (this host reads schema 1)") }
        guard let services = root["services"]?.arrayValue, !services.isEmpty else {
            throw DescriptorError("the descriptor declares no \"services\"")
        }
        var decoded: [ServiceSpec] = []
        var seen: Set<String> = []
        for (index, service) in services.enumerated() {
            let spec = try decodeService(service, at: "services[\(index)]")
            for name in spec.allNames where !seen.insert(name).inserted {
                throw DescriptorError("service name '\(name)' is declared twice")
            }
            decoded.append(spec)
        }
        return PluginDescriptor(services: decoded)
    }

    public static func decode(text: String) throws(DescriptorError) -> PluginDescriptor {
        let json: JSON
        do { json = try JSON.parse(text) } catch { throw DescriptorError("the descriptor is not valid JSON: \(error)") }
        return try decode(json)
    }
}

private func formatNumber(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
}

/// Lower-case words of letters, digits and dashes: service names and command words.
func isWord(_ text: String) -> Bool {
    guard let first = text.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else { return false }
    return text.utf8.allSatisfy { c in
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) || c == UInt8(ascii: "-")
    }
}

/// camelCase option names: a letter, then letters and digits.
func isOptionName(_ text: String) -> Bool {
    // ASCII letters and digits, a letter first: checked on bytes, as every run decodes every
    // option of every installed plugin (Unicode property lookups were a tenth of `--help`).
    func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") }
    let utf8 = text.utf8
    guard let first = utf8.first, isLetter(first) else { return false }
    return utf8.allSatisfy { isLetter($0) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }
}

private func string(_ object: JSONObject, _ key: String, at path: String, required: Bool = false) throws(DescriptorError) -> String? {
    switch object[key] {
    case nil, .null?:
        if required { throw DescriptorError("\(path).\(key) is missing") }
        return nil
    case .string(let value)?: return value
    default: throw DescriptorError("\(path).\(key) must be a string")
    }
}

private func bool(_ object: JSONObject, _ key: String, at path: String, default value: Bool) throws(DescriptorError) -> Bool {
    switch object[key] {
    case nil, .null?: return value
    case .bool(let flag)?: return flag
    default: throw DescriptorError("\(path).\(key) must be true or false")
    }
}

private func strings(_ object: JSONObject, _ key: String, at path: String) throws(DescriptorError) -> [String] {
    switch object[key] {
    case nil, .null?: return []
    case .array(let items)?:
        var result: [String] = []
        for item in items {
            guard let text = item.stringValue else { throw DescriptorError("\(path).\(key) must be an array of strings") }
            result.append(text)
        }
        return result
    default: throw DescriptorError("\(path).\(key) must be an array of strings")
    }
}

private func objects(_ object: JSONObject, _ key: String, at path: String) throws(DescriptorError) -> [JSONObject] {
    switch object[key] {
    case nil, .null?: return []
    case .array(let items)?:
        var result: [JSONObject] = []
        for (index, item) in items.enumerated() {
            guard let entry = item.objectValue else { throw DescriptorError("\(path).\(key)[\(index)] must be an object") }
            result.append(entry)
        }
        return result
    default: throw DescriptorError("\(path).\(key) must be an array")
    }
}

private func words(_ text: String, at path: String) throws(DescriptorError) -> [String] {
    let parts = text.split(separator: " ").map(String.init)
    guard !parts.isEmpty, parts.allSatisfy(isWord) else {
        throw DescriptorError("\(path) '\(text)' must be lower-case words of letters, digits and dashes")
    }
    return parts
}

private func decodeService(_ json: JSON, at path: String) throws(DescriptorError) -> ServiceSpec {
    guard let object = json.objectValue else { throw DescriptorError("\(path) must be an object") }
    let name = try string(object, "name", at: path, required: true)!
    guard isWord(name) else { throw DescriptorError("\(path).name '\(name)' must be a lower-case word") }
    let aliases = try strings(object, "aliases", at: path)
    for alias in aliases where !isWord(alias) {
        throw DescriptorError("\(path).aliases: '\(alias)' must be a lower-case word")
    }
    var service = ServiceSpec(
        name: name, aliases: aliases,
        description: try string(object, "description", at: path) ?? "",
        signIn: try bool(object, "signIn", at: path, default: true)
    )
    for (index, entry) in try objects(object, "connectOptions", at: path).enumerated() {
        let option = try decodeOption(entry, at: "\(path).connectOptions[\(index)]")
        guard !GlobalOption.names.contains(option.name), !service.connectOptions.contains(where: { $0.name == option.name }) else {
            throw DescriptorError("\(path).connectOptions: --\(option.name) is a global option or declared twice")
        }
        service.connectOptions.append(option)
    }
    if service.connectOptions.filter(\.isPositional).count > 1 {
        throw DescriptorError("\(path).connectOptions: at most one option may be positional")
    }
    var reached: [String: String] = [:]
    for (index, entry) in try objects(object, "commands", at: path).enumerated() {
        let command = try decodeCommand(entry, at: "\(path).commands[\(index)]")
        if service.signIn, command.words.count == 1, ["connect", "status", "disconnect"].contains(command.words[0]) {
            throw DescriptorError("\(path): '\(command.name)' is provided by m365 for every service that signs in (declare \"signIn\": false to provide it yourself)")
        }
        for route in [command.words] + command.aliases {
            let key = route.joined(separator: " ")
            if let other = reached[key] {
                throw DescriptorError("\(path): '\(key)' names both '\(other)' and '\(command.name)'")
            }
            reached[key] = command.name
        }
        service.commands.append(command)
    }
    return service
}

private func decodeCommand(_ object: JSONObject, at path: String) throws(DescriptorError) -> CommandSpec {
    let name = try string(object, "name", at: path, required: true)!
    var command = CommandSpec(words: try words(name, at: "\(path).name"))
    for alias in try strings(object, "aliases", at: path) {
        command.aliases.append(try words(alias, at: "\(path).aliases"))
    }
    command.description = try string(object, "description", at: path) ?? ""
    command.acceptsUnknownOptions = try bool(object, "acceptsUnknownOptions", at: path, default: false)
    command.defaultProperties = try strings(object, "defaultProperties", at: path)

    var names: Set<String> = []
    var shorts: Set<String> = []
    for (index, entry) in try objects(object, "options", at: path).enumerated() {
        let option = try decodeOption(entry, at: "\(path).options[\(index)]")
        guard !GlobalOption.names.contains(option.name) else {
            throw DescriptorError("\(path): option --\(option.name) is a global option and cannot be redeclared")
        }
        guard names.insert(option.name.lowercased()).inserted else {
            throw DescriptorError("\(path): option --\(option.name) is declared twice")
        }
        if let short = option.short {
            guard !GlobalOption.shorts.contains(short) else {
                throw DescriptorError("\(path): short option -\(short) is reserved for a global option")
            }
            guard shorts.insert(short).inserted else { throw DescriptorError("\(path): short option -\(short) is declared twice") }
        }
        command.options.append(option)
    }
    if command.options.filter(\.isPositional).count > 1 {
        throw DescriptorError("\(path): at most one option may be positional")
    }
    for (index, entry) in try objects(object, "optionSets", at: path).enumerated() {
        let members = try strings(entry, "options", at: "\(path).optionSets[\(index)]")
        guard members.count >= 2 else { throw DescriptorError("\(path).optionSets[\(index)] needs at least two options") }
        for member in members where command.option(named: member) == nil {
            throw DescriptorError("\(path).optionSets[\(index)] names unknown option '\(member)'")
        }
        command.optionSets.append(OptionSetSpec(options: members))
    }
    for (index, entry) in try objects(object, "examples", at: path).enumerated() {
        let at = "\(path).examples[\(index)]"
        command.examples.append(ExampleSpec(
            description: try string(entry, "description", at: at) ?? "",
            command: try string(entry, "command", at: at, required: true)!
        ))
    }
    return command
}

private func decodeOption(_ object: JSONObject, at path: String) throws(DescriptorError) -> OptionSpec {
    let name = try string(object, "name", at: path, required: true)!
    guard isOptionName(name) else { throw DescriptorError("\(path).name '\(name)' must be letters and digits, starting with a letter") }
    var option = OptionSpec(name: name)
    if let short = try string(object, "short", at: path) {
        guard short.count == 1, let scalar = short.unicodeScalars.first, scalar.isASCII, scalar.properties.isAlphabetic else {
            throw DescriptorError("\(path).short '\(short)' must be one letter")
        }
        option.short = short
    }
    let typeName = try string(object, "type", at: path) ?? "string"
    guard let type = OptionType(rawValue: typeName) else {
        throw DescriptorError("\(path).type '\(typeName)' is not one of string, number, boolean, enum")
    }
    option.type = type
    option.required = try bool(object, "required", at: path, default: false)
    option.allowed = try strings(object, "allowed", at: path)
    if type == .enum && option.allowed.isEmpty { throw DescriptorError("\(path): an enum option needs \"allowed\" values") }
    if type != .enum && !option.allowed.isEmpty { throw DescriptorError("\(path): only an enum option takes \"allowed\" values") }
    option.description = try string(object, "description", at: path) ?? ""
    option.readsFileReferences = try bool(object, "fileReference", at: path, default: true)
    option.isPositional = try bool(object, "positional", at: path, default: false)
    option.repeatable = try bool(object, "repeatable", at: path, default: false)
    if option.repeatable && type != .string { throw DescriptorError("\(path): only a string option may be repeatable") }
    if let value = object["default"], !value.isNull {
        let fits: Bool
        switch (type, value) {
        case (.string, .string), (.number, .number), (.boolean, .bool): fits = true
        case (.enum, .string(let text)): fits = option.allowed.contains(text)
        default: fits = false
        }
        guard fits else { throw DescriptorError("\(path).default does not fit the option's type") }
        option.defaultValue = value
    }
    return option
}
