import CommandModel
import HostConfig
import JSONModel

/// What the host remembers of the plugin files it has probed, kept in the cache directory and
/// keyed by path and fingerprint, so that only new or changed files are ever probed.
///
/// Start-up must not grow with what other plugins declare: `plugin-index.json` holds only each
/// plugin's identity and its services' names (enough for dispatch, `m365 --help` and the
/// service → plugin table); a plugin's commands are in a file of their own under `descriptors/`,
/// read only when one of its services is named. Losing any of it costs a probe, nothing else.
struct PluginIndex: Equatable {
    struct Entry: Equatable {
        var path: String
        var fingerprint: String
        var json: JSON
    }

    private(set) var entries: [Entry] = []
    /// The host that wrote the index (another version may judge plugins differently).
    var hostVersion = ""
    /// Services and the plugin files that provided them, kept after the files are gone so that
    /// `m365 <service>` can say which plugin to install again.
    var remembered: [String: String] = [:]
    private static let version = 2

    static func == (lhs: PluginIndex, rhs: PluginIndex) -> Bool {
        lhs.hostVersion == rhs.hostVersion && lhs.remembered == rhs.remembered
            && lhs.entries.map { [$0.path, $0.fingerprint] } == rhs.entries.map { [$0.path, $0.fingerprint] }
    }

    static func load(_ file: String, trace: (String) -> Void) -> PluginIndex {
        guard FileSystem.exists(file) else { return PluginIndex() }
        do {
            let json = try JSON.parse(try FileSystem.readText(file))
            guard json["version"]?.intValue == version, let plugins = json["plugins"]?.arrayValue else {
                trace("index \(file): another version, rebuilding it")
                return PluginIndex()
            }
            var index = PluginIndex()
            index.hostVersion = json["host"]?.stringValue ?? ""
            for plugin in plugins {
                guard let path = plugin["path"]?.stringValue, let fingerprint = plugin["fingerprint"]?.stringValue else { continue }
                index.entries.append(Entry(path: path, fingerprint: fingerprint, json: plugin))
            }
            for (service, file) in json["remembered"]?.objectValue ?? JSONObject() {
                if let file = file.stringValue { index.remembered[service] = file }
            }
            return index
        } catch {
            trace("index \(file): unreadable (\(error)), rebuilding it")
            return PluginIndex()
        }
    }

    /// The cached state of a plugin file, if its fingerprint still matches: an available plugin
    /// comes with its services' names only (`descriptorFile` holds the rest).
    func entry(path: String, fingerprint: Fingerprint, hostVersion: String) -> (state: PluginRecord.State, descriptorFile: String?)? {
        guard hostVersion == self.hostVersion, let entry = entries.first(where: { $0.path == path && $0.fingerprint == fingerprint.text }) else { return nil }
        let json = entry.json
        if let reason = json["refused"]?.stringValue { return (.refused(reason), nil) }
        guard let id = json["id"]?.stringValue, let name = json["name"]?.stringValue,
              let version = json["version"]?.stringValue, let descriptorFile = json["descriptorFile"]?.stringValue,
              let services = json["services"]?.arrayValue else { return nil }
        var specs: [ServiceSpec] = []
        for service in services {
            guard let serviceName = service["name"]?.stringValue else { return nil }
            var spec = ServiceSpec(name: serviceName, aliases: (service["aliases"]?.arrayValue ?? []).compactMap(\.stringValue),
                                   description: service["description"]?.stringValue ?? "", signIn: service["signIn"]?.boolValue ?? true)
            spec.commandCount = service["commands"]?.intValue
            specs.append(spec)
        }
        let info = PluginInfo(
            id: id, name: name, version: version, vendor: json["vendor"]?.stringValue ?? "",
            abiMinor: UInt32(json["abiMinor"]?.intValue ?? 0))
        return (.available(info, PluginDescriptor(services: specs)), descriptorFile)
    }

    /// Records a probed file; an available plugin's commands go to `descriptorFile` (written by
    /// the caller) and only its services' names into the index.
    mutating func add(path: String, fingerprint: Fingerprint, state: PluginRecord.State, descriptorFile: String?) {
        var object = JSONObject()
        object["path"] = .string(path)
        object["fingerprint"] = .string(fingerprint.text)
        state.describe(into: &object)
        if case .available(_, let descriptor) = state {
            object["services"] = .array(descriptor.services.map { service in
                var summary = JSONObject()
                summary["name"] = .string(service.name)
                if !service.aliases.isEmpty { summary["aliases"] = .array(service.aliases.map { .string($0) }) }
                summary["description"] = .string(service.description)
                if !service.signIn { summary["signIn"] = false }
                summary["commands"] = .number(Double(service.commandCount ?? service.commands.count))
                return .object(summary)
            })
            object["descriptorFile"] = descriptorFile.map { .string($0) } ?? .null
            for service in descriptor.services {
                for name in service.allNames { remembered[name] = FileSystem.lastComponent(of: path) }
            }
        }
        entries.append(Entry(path: path, fingerprint: fingerprint.text, json: .object(object)))
    }

    func save(_ file: String, hostVersion: String, trace: (String) -> Void) {
        var remembered = JSONObject()
        for key in self.remembered.keys.sorted() { remembered[key] = .string(self.remembered[key]!) }
        let document: JSON = .object(JSONObject([
            ("version", .number(Double(PluginIndex.version))),
            ("host", .string(hostVersion)),
            ("plugins", .array(entries.map(\.json))),
            ("remembered", .object(remembered)),
        ]))
        do {
            try FileSystem.writeAtomically(file, text: document.serialized())
            trace("index \(file): saved")
        } catch {
            trace("index \(file): not saved (\(error)); plugins will be probed again next time")
        }
    }

    /// The descriptor files the entries name (the others in the folder are stale).
    var descriptorFiles: Set<String> {
        Set(entries.compactMap { $0.json["descriptorFile"]?.stringValue })
    }
}
