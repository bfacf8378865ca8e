#if canImport(Glibc)
import Glibc
#endif
import CommandModel
import HostConfig
import JSONModel

/// One plugin file found in a plugin directory, and what became of it.
public struct PluginRecord: Sendable {
    public enum State: Sendable {
        case available(PluginInfo, PluginDescriptor)
        case refused(String)
    }

    public var path: String
    public var fingerprint: Fingerprint
    public var state: State
    /// Found in the directory installed beside `m365` (see HostPaths.installedPluginDirectory).
    public var installed = false
    /// Where the plugin's commands are cached, when `state` holds only its services' names.
    var descriptorFile: String?

    public var fileName: String { FileSystem.lastComponent(of: path) }
    /// The name in `libm365-<name>.so`.
    public var pluginName: String { PluginNaming.pluginName(fileName: fileName) ?? fileName }

    public var refusal: String? {
        if case .refused(let reason) = state { return reason }
        return nil
    }
}

/// Finds plugin files, decides which may be used, and remembers their descriptors in an index
/// keyed by path and file fingerprint, so that only new or changed files are ever probed (in a
/// child process: a plugin that crashes or hangs there is refused). Commands then load just
/// the plugin that serves them, and read just that plugin's commands.
public struct PluginRegistry: Sendable {
    public private(set) var records: [PluginRecord] = []
    /// The plugin directories searched, in order.
    public let directories: [String]
    /// Services whose plugin was seen on an earlier run (service → file name).
    public private(set) var remembered: [String: String] = [:]
    let trace: @Sendable (String) -> Void
    let descriptorDirectory: String

    /// - Parameters:
    ///   - hostVersion: the host's version and ABI: an index written by another host is rebuilt.
    ///   - probe: opens a new or changed plugin file (the host's is a child process).
    ///   - trace: receives one line per decision (M365_DEBUG=plugins).
    public init(paths: HostPaths, hostVersion: String = "", probe: @escaping (String) -> PluginRecord.State = probeInProcess,
                trace: @escaping @Sendable (String) -> Void = { _ in }) {
        directories = paths.pluginDirectories
        descriptorDirectory = paths.pluginDescriptorDirectory
        self.trace = trace
        let index = PluginIndex.load(paths.pluginIndexFile, trace: trace)
        var fresh = PluginIndex()
        fresh.hostVersion = hostVersion
        fresh.remembered = index.remembered
        for directory in directories {
            scan(directory, installed: directory == paths.installedPluginDirectory, cached: index, hostVersion: hostVersion,
                 probe: probe, into: &fresh)
        }
        remembered = fresh.remembered
        if fresh != index {
            fresh.save(paths.pluginIndexFile, hostVersion: hostVersion, trace: trace)
            let keep = fresh.descriptorFiles
            for name in FileSystem.listDirectory(descriptorDirectory) where !keep.contains(name) {
                unlink(descriptorDirectory + "/" + name)
            }
        }
        refuseShadowedServices()
    }

    private mutating func scan(_ directory: String, installed: Bool, cached: PluginIndex, hostVersion: String,
                               probe: (String) -> PluginRecord.State, into fresh: inout PluginIndex) {
        guard FileSystem.exists(directory) else {
            trace("directory \(directory): not present")
            return
        }
        trace("directory \(directory): searching")
        for fileName in FileSystem.listDirectory(directory) {
            let path = directory + "/" + fileName
            guard PluginNaming.pluginName(fileName: fileName) != nil else {
                trace("\(path): ignored, the name does not follow \(PluginNaming.prefix)<name>\(PluginNaming.suffix)")
                continue
            }
            guard let fingerprint = Fingerprint.of(path) else {
                trace("\(path): ignored, cannot stat it")
                continue
            }
            var record = PluginRecord(path: path, fingerprint: fingerprint, state: .refused(""), installed: installed)
            let source: String
            if let earlier = records.first(where: { $0.fileName == fileName }) {
                (record.state, source) = (.refused("shadowed: \(earlier.path) has the same name and is used instead"), "not opened")
            } else if let problem = trustProblem(path) {
                (record.state, source) = (.refused(problem), "checked without opening it")
            } else if !fingerprint.isRegularFile {
                (record.state, source) = (.refused("not a regular file"), "checked without opening it")
            } else if let known = cached.entry(path: path, fingerprint: fingerprint, hostVersion: hostVersion),
                      known.descriptorFile.map({ FileSystem.exists(descriptorDirectory + "/" + $0) }) ?? true {
                (record.state, record.descriptorFile, source) = (known.state, known.descriptorFile, "from the index")
                fresh.add(path: path, fingerprint: fingerprint, state: known.state, descriptorFile: known.descriptorFile)
            } else {
                (record.state, source) = (probe(path), "opened to read its descriptor")
                // A load failure can depend on the environment (a missing library): retried
                // on every run rather than remembered.
                if case .refused(let reason) = record.state, reason.hasPrefix("cannot be loaded") || reason.hasPrefix("cannot be probed") {} else {
                    let file = saveDescriptor(record.state, path: path, fingerprint: fingerprint)
                    fresh.add(path: path, fingerprint: fingerprint, state: record.state, descriptorFile: file)
                }
            }
            trace("\(path): \(describe(record.state)) (\(source))")
            records.append(record)
        }
    }

    /// Writes an available plugin's commands to a file of their own; nil for a refusal (or when
    /// the file cannot be written: the plugin is then probed again next time).
    private func saveDescriptor(_ state: PluginRecord.State, path: String, fingerprint: Fingerprint) -> String? {
        guard case .available(_, let descriptor) = state else { return nil }
        let name = "\(stableHash(path + "\u{0}" + fingerprint.text)).json"
        do {
            try FileSystem.makeDirectories(descriptorDirectory)
            try FileSystem.writeAtomically(descriptorDirectory + "/" + name, text: descriptor.json.serialized())
            return name
        } catch {
            trace("\(path): its commands were not cached (\(error))")
            return nil
        }
    }

    /// The plugin's whole descriptor (every command): read from the cache when the record holds
    /// only its services' names, probed again if that file is lost or damaged.
    public func fullDescriptor(of record: PluginRecord, probe: (String) -> PluginRecord.State = probeInProcess) -> PluginDescriptor? {
        guard case .available(_, let summary) = record.state else { return nil }
        guard let file = record.descriptorFile else { return summary }
        if let text = try? FileSystem.readText(descriptorDirectory + "/" + file), let descriptor = try? PluginDescriptor.decode(text: text) {
            return descriptor
        }
        trace("\(record.path): cached commands unreadable, probing again")
        guard case .available(_, let descriptor) = probe(record.path) else { return nil }
        try? FileSystem.writeAtomically(descriptorDirectory + "/" + file, text: descriptor.json.serialized())
        return descriptor
    }

    /// A plugin in a user directory (or M365_PLUGIN_PATH) may not take a service, by name or
    /// alias, that a plugin installed beside m365 provides: the installed one wins and the other
    /// is refused, saying why. Within one tier, a clash disables both (see `services`).
    private mutating func refuseShadowedServices() {
        var installedNames: [String: String] = [:]
        for record in records where record.installed {
            guard case .available(_, let descriptor) = record.state else { continue }
            for service in descriptor.services { for name in service.allNames { installedNames[name] = record.path } }
        }
        for index in records.indices where !records[index].installed {
            guard case .available(_, let descriptor) = records[index].state else { continue }
            let names = descriptor.services.flatMap(\.allNames)
            if let name = names.first(where: { installedNames[$0] != nil }) {
                records[index].state = .refused("service '\(name)' is already provided by \(installedNames[name]!)")
                trace("\(records[index].path): \(records[index].refusal!)")
            }
        }
    }

    private func describe(_ state: PluginRecord.State) -> String {
        switch state {
        case .available(let info, let descriptor):
            return "accepted \(info.id) \(info.version), services: " + descriptor.services.map(\.name).joined(separator: ", ")
        case .refused(let reason):
            return "refused: \(reason)"
        }
    }

    // MARK: Services

    /// A service name claimed by more than one plugin: refused for all of them.
    public struct Conflict: Sendable, Equatable {
        public var service: String
        public var paths: [String]
        /// The name is one of m365's own commands, which no plugin may take over.
        public var reservedByHost = false
        public var message: String {
            if reservedByHost {
                return "service '\(service)' of \(paths.joined(separator: " and ")) would hide the m365 command '\(service)'; the plugin must use another name"
            }
            return "service '\(service)' is claimed by more than one plugin: \(paths.joined(separator: " and ")); remove one of them"
        }
    }

    public struct ServiceBinding: Sendable {
        public var spec: ServiceSpec
        public var record: PluginRecord
    }

    /// The usable services (by every name and alias) and the conflicts that disabled others.
    /// `reserved` names (the host's own commands) are never given to a plugin.
    public func services(reserved: Set<String> = []) -> (bindings: [ServiceBinding], conflicts: [Conflict]) {
        var claims: [String: [(ServiceSpec, PluginRecord)]] = [:]
        var order: [String] = []
        for record in records {
            guard case .available(_, let descriptor) = record.state else { continue }
            for service in descriptor.services {
                for name in service.allNames {
                    if claims[name] == nil { order.append(name) }
                    claims[name, default: []].append((service, record))
                }
            }
        }
        var conflicted: Set<String> = []
        var conflicts: [Conflict] = []
        for name in order where reserved.contains(name) {
            let owners = claims[name]!
            conflicts.append(Conflict(service: name, paths: owners.map(\.1.path), reservedByHost: true))
            for (service, _) in owners where service.name == name { conflicted.insert(service.name) }
        }
        for name in order where claims[name]!.count > 1 && !reserved.contains(name) {
            let owners = claims[name]!
            conflicts.append(Conflict(service: name, paths: owners.map(\.1.path)))
            // A clash of main names disables that service; a clash of aliases drops only the alias.
            for (service, _) in owners where service.name == name { conflicted.insert(service.name) }
        }
        var bindings: [ServiceBinding] = []
        for record in records {
            guard case .available(_, let descriptor) = record.state else { continue }
            for service in descriptor.services where !conflicted.contains(service.name) {
                var usable = service
                usable.aliases.removeAll { claims[$0]!.count > 1 || reserved.contains($0) }
                bindings.append(ServiceBinding(spec: usable, record: record))
            }
        }
        for conflict in conflicts { trace("conflict: \(conflict.message)") }
        return (bindings, conflicts)
    }

    /// The record of the plugin file that would serve `service` by the naming rule, when that
    /// plugin was refused; used to explain why a service is missing.
    public func refusedRecord(forService service: String) -> PluginRecord? {
        records.first { $0.refusal != nil && $0.pluginName == service }
    }
}
