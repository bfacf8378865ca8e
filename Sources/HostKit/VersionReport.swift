import HostConfig
import PluginAPI
import PluginLoader

/// `m365 --version --verbose`: the host's version and plugin ABI, then every plugin found with
/// its version (or why it was refused), one a line.
func versionReport() -> String {
    var text = "m365 \(m365Version) (plugin ABI \(M365_ABI_MAJOR).\(M365_ABI_MINOR))\n"
    let registry = makeRegistry(HostPaths.fromEnvironment())
    if registry.records.isEmpty {
        text += "no plugins found in " + registry.directories.joined(separator: ", ") + "\n"
    }
    for record in registry.records {
        switch record.state {
        case .available(let info, _):
            text += "\(record.fileName) \(info.version) (\(info.id), \(info.vendor)) \(record.path)\n"
        case .refused(let reason):
            text += "\(record.fileName) refused: \(reason) \(record.path)\n"
        }
    }
    return text
}
