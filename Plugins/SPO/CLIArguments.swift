import PluginKit

/// How CLI for Microsoft 365 reads some option values, for commands that must behave alike:
/// each command's own wording of a bad GUID, its argument parser's numbers (yargs-parser with
/// `parse-numbers`) and JavaScript's `parseInt`.
enum CLIArguments {
    /// The plain wording most commands use: `x is not a valid GUID`.
    static func notGUID(_ value: String) -> String { "\(value) is not a valid GUID" }

    /// The wording some commands use: `x in option listId is not a valid GUID`.
    static func notGUID(in key: OptionKey<String>) -> (String) -> String {
        { "\($0) in option \(key.name) is not a valid GUID" }
    }

    /// Fails, as the command words it, when `key` was given and is not a GUID.
    static func requireGUID(_ options: Options, _ key: OptionKey<String>,
                            _ message: (String) -> String = notGUID) throws(PluginFailure) {
        if let value = options.string(key), !isGUID(value) { throw usage(message(value)) }
    }

    /// The plain check of each of `keys` in turn (`x is not a valid GUID`).
    static func requireGUIDs(_ options: Options, _ keys: [OptionKey<String>]) throws(PluginFailure) {
        for key in keys { try requireGUID(options, key) }
    }

    /// The value the CLI's parser gives an option it has no type for: text that reads as a number
    /// (`12`, `-3`, `1.5`, `1e3`, `0x1F`; not `007`) becomes one when its whole part is a safe
    /// integer, matching quotes around text are dropped, and anything else (`true` included)
    /// stays text.
    static func parsedValue(_ raw: String) -> JSON {
        var text = raw
        if text.count >= 2, let first = text.first, first == "'" || first == "\"", text.last == first {
            text = String(text.dropFirst().dropLast())
        }
        guard let number = numberValue(text) else { return .string(text) }
        return .number(number)
    }

    /// `text` as yargs-parser's `isNumber` and `Number()` read it, or nil.
    static func numberValue(_ text: String) -> Double? {
        let c = Array(text.utf8)
        func digit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
        // Hexadecimal: 0x1F.
        if c.count > 2, c[0] == 48, c[1] == 120 || c[1] == 88 {
            var value: Double = 0
            for b in c[2...] {
                guard let d = Int(String(UnicodeScalar(b)), radix: 16) else { return nil }
                value = value * 16 + Double(d)
            }
            return value
        }
        // A leading zero followed by anything but a point stays text (`007`, `0` alone is a number).
        if c.count > 1, c[0] == 48, c[1] != 46 { return nil }
        // -?(digits(.digits*)?|.digits)(e[-+]?digits)?
        var i = 0
        if i < c.count, c[i] == 45 { i += 1 }
        let intStart = i
        while i < c.count, digit(c[i]) { i += 1 }
        let intDigits = i - intStart
        var fracDigits = 0
        if i < c.count, c[i] == 46 {
            i += 1
            while i < c.count, digit(c[i]) { i += 1; fracDigits += 1 }
        }
        guard intDigits > 0 || fracDigits > 0 else { return nil }
        if i < c.count, c[i] == 101 {
            i += 1
            if i < c.count, c[i] == 43 || c[i] == 45 { i += 1 }
            let expStart = i
            while i < c.count, digit(c[i]) { i += 1 }
            guard i > expStart else { return nil }
        }
        guard i == c.count, let value = Double(text) else { return nil }
        // yargs-parser keeps text whose whole part is no safe integer (it would lose digits).
        guard abs(value.rounded(.down)) <= 9_007_199_254_740_991 else { return nil }
        return value
    }

    /// Whether JavaScript's `parseInt(text)` gives a number (not NaN): optional leading
    /// whitespace and sign, then a decimal digit (or `0x` and a hexadecimal one).
    static func parsesAsInteger(_ text: String) -> Bool {
        var rest = Substring(text).drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        if rest.first == "-" || rest.first == "+" { rest = rest.dropFirst() }
        if rest.lowercased().hasPrefix("0x") { return rest.dropFirst(2).first?.isHexDigit == true }
        return rest.first.map { $0.isASCII && $0.isNumber } ?? false
    }
}
