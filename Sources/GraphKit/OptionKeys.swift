import PluginKit

/// The options this module's commands declare and read, by name and value type: a declaration
/// and its reads share one handle, so a misspelt name does not compile.

extension OptionKey where Value == String {
    public static var displayName: Self { Self("displayName") }
    public static var id: Self { Self("id") }
    public static var properties: Self { Self("properties") }
}
