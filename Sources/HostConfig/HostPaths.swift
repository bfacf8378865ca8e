#if canImport(Glibc)
import Glibc
#endif

/// The user's home from the password database, when HOME is unset (cron, some CI runners).
func homeFromPasswordDatabase() -> String? {
    guard let entry = getpwuid(geteuid()), let directory = entry.pointee.pw_dir else { return nil }
    return String(cString: directory)
}

/// Where m365 keeps its files. `$M365_HOME` moves all of them (tests use a temporary one).
public struct HostPaths: Sendable {
    /// Settings, connections and the file token store: `$M365_HOME`, else `$XDG_CONFIG_HOME/m365`,
    /// else `~/.config/m365`.
    public var configDirectory: String
    /// Rebuildable data such as the plugin index: `$M365_HOME/cache`, else `$XDG_CACHE_HOME/m365`,
    /// else `~/.cache/m365`.
    public var cacheDirectory: String
    /// Plugin directories in search order: `<prefix>/lib/m365/plugins` (next to the executable),
    /// `$XDG_DATA_HOME/m365/plugins` (else `~/.local/share/m365/plugins`), then `$M365_PLUGIN_PATH`.
    public var pluginDirectories: [String]
    /// The directory installed beside `m365` (`<prefix>/lib/m365/plugins`): its plugins win a
    /// service over those of user directories and `M365_PLUGIN_PATH`.
    public var installedPluginDirectory: String?

    public init(configDirectory: String, cacheDirectory: String, pluginDirectories: [String], installedPluginDirectory: String? = nil) {
        self.configDirectory = configDirectory
        self.cacheDirectory = cacheDirectory
        self.pluginDirectories = pluginDirectories
        self.installedPluginDirectory = installedPluginDirectory
    }

    public static func fromEnvironment(executable: String? = FileSystem.executablePath()) -> HostPaths {
        let home = environment("HOME") ?? homeFromPasswordDatabase() ?? "/nonexistent"
        let config: String
        let cache: String
        if let m365Home = environment("M365_HOME") {
            config = m365Home
            cache = m365Home + "/cache"
        } else {
            config = (environment("XDG_CONFIG_HOME") ?? home + "/.config") + "/m365"
            cache = (environment("XDG_CACHE_HOME") ?? home + "/.cache") + "/m365"
        }
        var plugins: [String] = []
        var installed: String?
        if let executable {
            // <prefix>/bin/m365 → <prefix>/lib/m365/plugins
            let prefix = FileSystem.parentDirectory(of: FileSystem.parentDirectory(of: executable))
            installed = prefix + "/lib/m365/plugins"
            plugins.append(installed!)
        }
        plugins.append((environment("XDG_DATA_HOME") ?? home + "/.local/share") + "/m365/plugins")
        if let extra = environment("M365_PLUGIN_PATH") {
            // Only absolute directories: a relative one would load code from wherever m365 runs.
            plugins.append(contentsOf: extra.split(separator: ":").map(String.init).filter { $0.hasPrefix("/") })
        }
        var unique: [String] = []
        for directory in plugins where !unique.contains(directory) { unique.append(directory) }
        return HostPaths(configDirectory: config, cacheDirectory: cache, pluginDirectories: unique, installedPluginDirectory: installed)
    }

    public var configFile: String { configDirectory + "/config.json" }
    public var pluginIndexFile: String { cacheDirectory + "/plugin-index.json" }
    /// Each probed plugin's commands, one file a plugin (see PluginIndex).
    public var pluginDescriptorDirectory: String { cacheDirectory + "/descriptors" }
}
