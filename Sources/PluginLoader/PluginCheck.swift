#if canImport(Glibc)
import Glibc
#endif
import CommandModel
import HostConfig
import PluginAPI

/// One loader rule applied to one file, for `m365 plugin check FILE`.
public struct PluginCheck: Sendable, Equatable {
    public enum Result: String, Sendable {
        case passed, failed, skipped
    }

    public var name: String
    public var result: Result
    public var detail: String
}

/// Every rule the loader applies to a plugin file, each with its result, so an author (or CI)
/// sees all that is wrong at once rather than the first refusal. The file is opened in a child
/// process through `probe`, as the loader does. `others` are the plugins found in the plugin
/// directories, whose services and file names this one must not collide with.
public func checkPlugin(at path: String, probe: (String) -> PluginRecord.State, others: PluginRegistry?,
                        reserved: Set<String>) -> [PluginCheck] {
    var checks: [PluginCheck] = []
    func add(_ name: String, _ problem: String?, passed: String) {
        checks.append(PluginCheck(name: name, result: problem == nil ? .passed : .failed, detail: problem ?? passed))
    }
    func skip(_ names: [String], because reason: String) {
        for name in names { checks.append(PluginCheck(name: name, result: .skipped, detail: reason)) }
    }
    let fileName = FileSystem.lastComponent(of: path)
    let pluginName = PluginNaming.pluginName(fileName: fileName)
    add("file name", pluginName == nil
            ? "'\(fileName)' does not follow \(PluginNaming.prefix)<name>\(PluginNaming.suffix) (lower-case letters, digits and dashes): plugin directories ignore it"
            : nil,
        passed: "\(fileName): plugin '\(pluginName ?? "")'")

    let loading = ["loads in a child process", "entry symbol", "entry table", "descriptor", "services"]
    guard let fingerprint = Fingerprint.of(path), fingerprint.isRegularFile else {
        add("regular file", FileSystem.exists(path) ? "not a regular file" : "no such file", passed: "")
        skip(["permissions", "ELF shared library"] + loading, because: "no file to check")
        return checks
    }
    add("regular file", nil, passed: "\(fingerprint.size) bytes")
    add("permissions", trustProblem(path), passed: "writable by its owner only, in directories no one else can write")
    guard isSharedLibrary(path) else {
        add("ELF shared library", "not a shared library (no ELF header)", passed: "")
        skip(loading, because: "not a shared library")
        return checks
    }
    add("ELF shared library", nil, passed: "ELF header")

    // The child's answer: which stage of loading refused the file, or its description.
    let state = probe(path)
    switch state {
    case .refused(let reason):
        let stage = loadingStage(of: reason)
        for (index, name) in loading.enumerated() {
            if index < stage { checks.append(PluginCheck(name: name, result: .passed, detail: "")) }
            if index == stage { checks.append(PluginCheck(name: name, result: .failed, detail: reason)) }
        }
        skip(Array(loading[(stage + 1)...]), because: "an earlier check failed")
    case .available(let info, let descriptor):
        add("loads in a child process", nil, passed: "dlopen(RTLD_NOW | RTLD_LOCAL) and \(M365_PLUGIN_ENTRY_SYMBOL)() returned")
        add("entry symbol", nil, passed: "\(M365_PLUGIN_ENTRY_SYMBOL) is exported")
        let newer = info.abiMinor > UInt32(M365_ABI_MINOR)
            ? "; this m365 speaks ABI \(M365_ABI_MAJOR).\(M365_ABI_MINOR) and ignores what is newer" : ""
        add("entry table", nil, passed: "\(info.id) \(info.version) by \(info.vendor.isEmpty ? "(no vendor)" : info.vendor), ABI \(M365_ABI_MAJOR).\(info.abiMinor)\(newer)")
        let commands = descriptor.services.reduce(0) { $0 + $1.commands.count }
        add("descriptor", nil, passed: "\(descriptor.services.count) service\(descriptor.services.count == 1 ? "" : "s"), \(commands) command\(commands == 1 ? "" : "s")")
        add("services", serviceProblems(descriptor, path: path, fileName: fileName, others: others, reserved: reserved),
            passed: descriptor.services.map(\.name).joined(separator: ", ") + ": no clash with m365's commands or other plugins")
    }
    return checks
}

/// The index in the loading stages of the one a refusal comes from (see `openPlugin`).
private func loadingStage(of reason: String) -> Int {
    if reason.hasPrefix("has no entry symbol") || reason.hasSuffix("returned NULL") { return 1 }
    if reason.hasPrefix("built for plugin ABI") || reason.hasPrefix("its entry table") || reason.hasPrefix("malformed entry table") { return 2 }
    if reason.hasPrefix("malformed descriptor") { return 3 }
    return 0
}

/// A service name that m365 keeps for itself or that another plugin found provides, or a file
/// name that a plugin directory already holds.
private func serviceProblems(_ descriptor: PluginDescriptor, path: String, fileName: String, others: PluginRegistry?,
                             reserved: Set<String>) -> String? {
    var problems: [String] = []
    let resolved = FileSystem.resolvedPath(path) ?? path
    let elsewhere = others?.records.filter { (FileSystem.resolvedPath($0.path) ?? $0.path) != resolved } ?? []
    for service in descriptor.services {
        for name in service.allNames {
            if reserved.contains(name) {
                problems.append("service '\(name)' would hide the m365 command '\(name)'")
            } else if let owner = elsewhere.first(where: { record in
                guard case .available(_, let theirs) = record.state else { return false }
                return theirs.services.contains { $0.allNames.contains(name) }
            }) {
                problems.append("service '\(name)' is already provided by \(owner.path)")
            }
        }
    }
    if let same = elsewhere.first(where: { $0.fileName == fileName }) {
        problems.append("a plugin directory already holds \(fileName) (\(same.path)): the first one found is used")
    }
    return problems.isEmpty ? nil : problems.joined(separator: "; ")
}
