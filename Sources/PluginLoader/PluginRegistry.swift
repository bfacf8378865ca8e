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

    public var fileName: String { FileSystem.lastComponent(of: path) }
    /// The name in `libm365-<name>.so`.
    public var pluginName: String { PluginNaming.pluginName(fileName: fileName) ?? fileName }

    public var refusal: String? {
        if case .refused(let reason) = state { return reason }
        return nil
    }
}

/// Finds plugin files, decides which may be used, and remembers their descriptors in an index
/// keyed by path and file fingerprint, so that only new or changed files are ever opened to
/// read their descriptor. Commands then load just the plugin that serves them.
public struct PluginRegistry: Sendable {
    public private(set) var records: [PluginRecord] = []
    /// The plugin directories searched, in order.
    public let directories: [String]
    let trace: @Sendable (String) -> Void

    /// - Parameter trace: receives one line per decision (M365_DEBUG=plugins).
    /// The host's version and ABI: an index written by another host is rebuilt.
    let hostVersion: String

    public init(paths: HostPaths, hostVersion: String = "", trace: @escaping @Sendable (String) -> Void = { _ in }) {
        directories = paths.pluginDirectories
        self.trace = trace
        self.hostVersion = hostVersion
        let index = PluginIndex.load(paths.pluginIndexFile, trace: trace)
        var fresh = PluginIndex()
        fresh.hostVersion = hostVersion
        for directory in directories {
            scan(directory, cached: index, into: &fresh)
        }
        if fresh != index {
            fresh.save(paths.pluginIndexFile, hostVersion: hostVersion, trace: trace)
        }
    }

    private mutating func scan(_ directory: String, cached: PluginIndex, into fresh: inout PluginIndex) {
        guard FileSystem.exists(directory) else {
            trace("directory \(directory): not present")
            return
        }
        let directoryProblem = ownershipProblem(directory, what: "plugin directory")
        trace("directory \(directory): searching" + (directoryProblem.map { " (refusing its plugins: \($0))" } ?? ""))
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
            if records.contains(where: { $0.fileName == fileName }) {
                trace("\(path): ignored, \(fileName) was already found in an earlier directory")
                continue
            }
            let state: PluginRecord.State
            let source: String
            if let problem = directoryProblem ?? ownershipProblem(path, what: "plugin file") {
                (state, source) = (.refused(problem), "checked without opening it")
            } else if !fingerprint.isRegularFile {
                (state, source) = (.refused("not a regular file"), "checked without opening it")
            } else if let known = cached.entry(path: path, fingerprint: fingerprint, hostVersion: hostVersion) {
                (state, source) = (known, "from the index")
                fresh.add(path: path, fingerprint: fingerprint, state: known)
            } else {
                (state, source) = (probe(path), "opened to read its descriptor")
                // A load failure can depend on the environment (a missing library): retried
                // on every run rather than remembered.
                if case .refused(let reason) = state, reason.hasPrefix("cannot be loaded") {} else {
                    fresh.add(path: path, fingerprint: fingerprint, state: state)
                }
            }
            trace("\(path): \(describe(state)) (\(source))")
            records.append(PluginRecord(path: path, fingerprint: fingerprint, state: state))
        }
    }

    private func probe(_ path: String) -> PluginRecord.State {
        switch openPlugin(at: path) {
        case .failure(let refusal):
            return .refused(refusal.reason)
        case .success(let plugin):
            switch plugin.descriptor() {
            case .failure(let refusal): return .refused(refusal.reason)
            case .success(let descriptor): return .available(plugin.info, descriptor)
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
