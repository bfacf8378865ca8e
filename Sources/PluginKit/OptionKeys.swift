/// A declared option's handle: its name and the type of its value. A command's declaration and
/// its reads use the same handle, so a misspelt name, or a read of another type than declared,
/// does not compile. Each module declares its handles once (OptionKeys.swift); a command built
/// from a table may make them from the table (`OptionKey<String>(setting.name)`), declaring and
/// reading through the same one.
public struct OptionKey<Value>: OptionHandle, Hashable {
    public let name: String
    public init(_ name: String) { self.name = name }
}

/// Any option's handle, whatever its type: for checks over options of several types
/// (`[OptionKey<String>.alias, OptionKey<Bool>.isPublic] as [any OptionHandle]`).
public protocol OptionHandle: Sendable {
    var name: String { get }
}

/// The options this module's commands declare and read, by name and value type: a declaration
/// and its reads share one handle, so a misspelt name does not compile.

extension OptionKey where Value == Bool {
    public static var force: Self { Self("force") }
}
