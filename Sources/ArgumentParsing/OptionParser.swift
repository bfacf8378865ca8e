import CommandModel
import JSONModel

/// Reads one command's options: `--name value`, `--name=value`, `-n value`, booleans with an
/// optional `true|false`, `--no-name`, `@path` file values, then checks types, allowed values,
/// required options and option sets.
struct OptionParser {
    let route: CommandRoute
    let readFile: FileReader
    private var values: [String: JSON] = [:]
    private var unknown = JSONObject()

    init(route: CommandRoute, readFile: @escaping FileReader) {
        self.route = route
        self.readFile = readFile
    }

    private var command: CommandSpec { route.command }
    private var name: String { route.fullName }

    mutating func addPositional(_ word: String) throws(UsageError) {
        guard let option = command.options.first(where: \.isPositional) else {
            throw UsageError("Unexpected argument '\(word)'", command: name)
        }
        guard values[option.name] == nil else {
            throw UsageError("Unexpected argument '\(word)': --\(option.name) is already set", command: name)
        }
        values[option.name] = try convert(word, for: option)
    }

    mutating func consume(_ arguments: [String], _ index: inout Int) throws(UsageError) {
        let token = arguments[index]
        guard token.hasPrefix("-"), token.count > 1 else {
            try addPositional(token)
            index += 1
            return
        }
        let (flag, inline) = splitOption(token)
        var negated = false
        var option: OptionSpec?
        if flag.hasPrefix("--") {
            let bare = String(flag.dropFirst(2))
            option = command.option(named: bare)
            if option == nil, bare.hasPrefix("no-"), let candidate = command.option(named: String(bare.dropFirst(3))), candidate.type == .boolean {
                option = candidate
                negated = true
            }
        } else if flag.count == 2 {
            option = command.option(short: String(flag.dropFirst()))
        }

        guard let option else {
            try consumeUnknown(flag, inline: inline, arguments, &index)
            return
        }
        guard values[option.name] == nil || option.repeatable else {
            throw UsageError("Option --\(option.name) is given more than once", command: name)
        }
        if option.type == .boolean {
            if negated {
                index += 1
                values[option.name] = .bool(false)
                return
            }
            if let inline {
                guard let flagValue = parseBoolean(inline) else {
                    throw UsageError("Option --\(option.name) takes true or false; got '\(inline)'", command: name)
                }
                values[option.name] = .bool(flagValue)
                index += 1
            } else if index + 1 < arguments.count, let flagValue = parseBoolean(arguments[index + 1]) {
                values[option.name] = .bool(flagValue)
                index += 2
            } else {
                values[option.name] = .bool(true)
                index += 1
            }
            return
        }
        let raw: String
        if let inline {
            raw = inline
            index += 1
        } else {
            guard index + 1 < arguments.count, takesValue(arguments[index + 1], for: option) else {
                throw UsageError("Option --\(option.name) needs a value", command: name)
            }
            raw = arguments[index + 1]
            index += 2
        }
        let value = try convert(raw, for: option)
        switch values[option.name] {
        case .array(let earlier)?: values[option.name] = .array(earlier + [value])
        case let earlier?: values[option.name] = .array([earlier, value])  // a repeatable option, again
        case nil: values[option.name] = value
        }
    }

    /// A following token is a value unless it looks like another option. Options are `--name` or
    /// `-x` with a letter, so `-3` and ids such as `-91xgrP0…` or `-Td6xOt…` (base64url ids may
    /// start with `-`) are values.
    private func takesValue(_ token: String, for option: OptionSpec) -> Bool {
        guard token.hasPrefix("-"), token.count > 1 else { return true }
        if option.type == .number, Double(token) != nil { return true }
        if token.hasPrefix("--") { return false }
        let second = token.utf8.dropFirst().first!
        if second >= UInt8(ascii: "0") && second <= UInt8(ascii: "9") { return true }
        return splitOption(token).0.count > 2
    }

    private mutating func consumeUnknown(_ flag: String, inline: String?, _ arguments: [String], _ index: inout Int) throws(UsageError) {
        guard command.acceptsUnknownOptions, flag.hasPrefix("--"), flag.count > 2 else {
            let known = command.options.map { "--\($0.name)" } + GlobalOption.all.map { "--" + $0.name }
            var message = "Invalid option '\(flag)'"
            if let best = nearest(flag, among: known, limit: 1).first { message += ". Did you mean '\(best)'?" }
            throw UsageError(message, command: name)
        }
        let key = String(flag.dropFirst(2))
        guard unknown[key] == nil else { throw UsageError("Option \(flag) is given more than once", command: name) }
        if let inline {
            unknown[key] = .string(inline)
            index += 1
        } else if index + 1 < arguments.count, !(arguments[index + 1].hasPrefix("--")) {
            unknown[key] = .string(arguments[index + 1])
            index += 2
        } else {
            throw UsageError("Option \(flag) needs a value", command: name)
        }
    }

    private func convert(_ raw: String, for option: OptionSpec) throws(UsageError) -> JSON {
        var text = raw
        if option.readsFileReferences && text.hasPrefix("@") && !signedInUserTokens.contains(text.lowercased()) {
            if text.hasPrefix("@@") {
                text.removeFirst()  // `@@value` is a literal `@value`
            } else {
                text = try readFile(String(text.dropFirst()))
            }
        }
        switch option.type {
        case .string:
            return .string(text)
        case .number:
            guard let number = Double(text.trimmingSpaces), number.isFinite else {
                throw UsageError("Option --\(option.name) takes a number; got '\(text)'", command: name)
            }
            return .number(number)
        case .boolean:
            guard let flag = parseBoolean(text) else {
                throw UsageError("Option --\(option.name) takes true or false; got '\(text)'", command: name)
            }
            return .bool(flag)
        case .enum:
            guard let match = option.allowed.first(where: { $0.lowercased() == text.lowercased() }) else {
                throw UsageError(
                    "Option --\(option.name) must be one of \(option.allowed.joined(separator: ", ")); got '\(text)'",
                    command: name)
            }
            return .string(match)
        }
    }

    /// Checks required options and option sets, applies defaults, and returns the options in
    /// declaration order followed by the unknown ones in the order given.
    func finish() throws(UsageError) -> JSONObject {
        for set in command.optionSets {
            let given = set.options.filter { values[$0] != nil }
            let names = set.options.map { "--\($0)" }.joined(separator: ", ")
            if given.isEmpty { throw UsageError("Specify one of \(names)", command: name) }
            if given.count > 1 { throw UsageError("Specify only one of \(names); got \(given.map { "--\($0)" }.joined(separator: ", "))", command: name) }
        }
        var result = JSONObject()
        for option in command.options {
            if let value = values[option.name] {
                result[option.name] = value
            } else if option.required {
                throw UsageError("Required option --\(option.name) not specified", command: name, missingOption: option.isPositional ? nil : option.name)
            } else if let fallback = option.defaultValue {
                result[option.name] = fallback
            }
        }
        for (key, value) in unknown { result[key] = value }
        return result
    }
}

/// `@meId` and `@meUserName` are not file references: the host puts the signed-in user's id or
/// name in their place, as CLI for Microsoft 365 does.
public let signedInUserTokens: Set<String> = ["@meid", "@meusername"]
