import CommandModel
import HostConfig
import JSONModel

/// The cache of plugin descriptors, keyed by path and fingerprint, kept in the cache directory.
/// Losing it costs one dlopen per plugin on the next run, nothing else.
struct PluginIndex: Equatable {
    struct Entry: Equatable {
        var path: String
        var fingerprint: String
        var json: JSON
    }

    private(set) var entries: [Entry] = []
    /// The host that wrote the index (another version may judge plugins differently).
    var hostVersion = ""
    private static let version = 1

    static func == (lhs: PluginIndex, rhs: PluginIndex) -> Bool {
        lhs.hostVersion == rhs.hostVersion && lhs.entries.map { [$0.path, $0.fingerprint] } == rhs.entries.map { [$0.path, $0.fingerprint] }
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
            return index
        } catch {
            trace("index \(file): unreadable (\(error)), rebuilding it")
            return PluginIndex()
        }
    }

    /// The cached state of a plugin file, if its fingerprint still matches.
    func entry(path: String, fingerprint: Fingerprint, hostVersion: String) -> PluginRecord.State? {
        guard hostVersion == self.hostVersion, let entry = entries.first(where: { $0.path == path && $0.fingerprint == fingerprint.text }) else { return nil }
        let json = entry.json
        if let reason = json["refused"]?.stringValue { return .refused(reason) }
        guard let id = json["id"]?.stringValue, let name = json["name"]?.stringValue,
              let version = json["version"]?.stringValue, let descriptorJSON = json["descriptor"],
              let descriptor = try? PluginDescriptor.decode(descriptorJSON) else { return nil }
        let info = PluginInfo(
            id: id, name: name, version: version, vendor: json["vendor"]?.stringValue ?? "",
            abiMinor: UInt32(json["abiMinor"]?.intValue ?? 0))
        return .available(info, descriptor)
    }

    mutating func add(path: String, fingerprint: Fingerprint, state: PluginRecord.State) {
        var object = JSONObject()
        object["path"] = .string(path)
        object["fingerprint"] = .string(fingerprint.text)
        switch state {
        case .refused(let reason):
            object["refused"] = .string(reason)
        case .available(let info, let descriptor):
            object["id"] = .string(info.id)
            object["name"] = .string(info.name)
            object["version"] = .string(info.version)
            object["vendor"] = .string(info.vendor)
            object["abiMinor"] = .number(Double(info.abiMinor))
            object["descriptor"] = descriptor.json
        }
        entries.append(Entry(path: path, fingerprint: fingerprint.text, json: .object(object)))
    }

    func save(_ file: String, hostVersion: String, trace: (String) -> Void) {
        let document: JSON = .object(JSONObject([
            ("version", .number(Double(PluginIndex.version))),
            ("host", .string(hostVersion)),
            ("plugins", .array(entries.map(\.json))),
        ]))
        do {
            try FileSystem.writeAtomically(file, text: document.serialized())
            trace("index \(file): saved")
        } catch {
            trace("index \(file): not saved (\(error)); plugins will be probed again next time")
        }
    }
}
