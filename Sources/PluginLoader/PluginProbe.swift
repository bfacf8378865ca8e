#if canImport(Glibc)
import Glibc
#endif
import CommandModel
import PluginAPI

/// What a plugin says about itself, read from its entry table.
public struct PluginInfo: Sendable, Equatable {
    public var id: String
    public var name: String
    public var version: String
    public var vendor: String
    public var abiMinor: UInt32
}

/// A plugin file opened and checked: its entry table (a validated copy) and description.
public struct LoadedPlugin: @unchecked Sendable {
    public let path: String
    /// A zero-filled copy of the plugin's table holding only the bytes it declared.
    public let table: m365_plugin
    public let info: PluginInfo
}

/// A refusal: a one-line reason for `m365 plugin list` and for the error when the service is used.
public struct PluginRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
    public init(_ reason: String) { self.reason = reason }
}

/// The smallest table of ABI 1.0: everything up to and including `run`.
let minimumTableSize = MemoryLayout<m365_plugin>.offset(of: \m365_plugin.run)! + MemoryLayout<UnsafeRawPointer>.size

/// Opens a plugin file with RTLD_NOW | RTLD_LOCAL and checks its entry table. The handle is
/// never closed: Swift code cannot be unloaded safely, so a loaded plugin stays for the process.
public func openPlugin(at path: String) -> Result<LoadedPlugin, PluginRefusal> {
    guard isSharedLibrary(path) else { return .failure(PluginRefusal("not a shared library (no ELF header)")) }
    guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
        let message = dlerror().map { String(cString: $0) } ?? "unknown error"
        return .failure(PluginRefusal("cannot be loaded: \(message)"))
    }
    guard let symbol = dlsym(handle, M365_PLUGIN_ENTRY_SYMBOL) else {
        return .failure(PluginRefusal("has no entry symbol \(M365_PLUGIN_ENTRY_SYMBOL)"))
    }
    let entry = unsafeBitCast(symbol, to: m365_plugin_entry_fn.self)
    guard let raw = entry() else { return .failure(PluginRefusal("\(M365_PLUGIN_ENTRY_SYMBOL)() returned NULL")) }
    return validateTable(UnsafeRawPointer(raw), path: path)
}

/// Checks an entry table's header and fields, copying only the bytes it declares.
func validateTable(_ raw: UnsafeRawPointer, path: String) -> Result<LoadedPlugin, PluginRefusal> {
    let header = raw.loadUnaligned(as: m365_header.self)
    guard header.abi_major == UInt32(M365_ABI_MAJOR) else {
        return .failure(PluginRefusal("built for plugin ABI \(header.abi_major).\(header.abi_minor); this m365 speaks ABI \(M365_ABI_MAJOR).x"))
    }
    guard Int(header.struct_size) >= minimumTableSize else {
        return .failure(PluginRefusal("its entry table declares struct_size \(header.struct_size), smaller than the \(minimumTableSize) bytes ABI 1.0 requires"))
    }
    var table = m365_plugin()
    _ = m365_read_versioned(&table, MemoryLayout<m365_plugin>.size, raw)

    func text(_ pointer: UnsafePointer<CChar>?, _ field: String) -> Result<String, PluginRefusal> {
        guard let pointer else { return .failure(PluginRefusal("malformed entry table: \(field) is NULL")) }
        return .success(String(cString: pointer))
    }
    do {
        let id = try text(table.id, "id").get()
        let name = try text(table.name, "name").get()
        let version = try text(table.version, "version").get()
        let vendor = (try? text(table.vendor, "vendor").get()) ?? ""
        _ = try text(table.descriptor_json, "descriptor_json").get()
        guard table.run != nil else { return .failure(PluginRefusal("malformed entry table: run is NULL")) }
        guard table.`init` != nil else { return .failure(PluginRefusal("malformed entry table: init is NULL")) }
        guard !id.isEmpty, id.contains(".") else {
            return .failure(PluginRefusal("malformed entry table: id '\(id)' is not reverse DNS (com.example.widgets)"))
        }
        return .success(LoadedPlugin(path: path, table: table, info: PluginInfo(id: id, name: name, version: version, vendor: vendor, abiMinor: header.abi_minor)))
    } catch {
        return .failure(error)
    }
}

extension LoadedPlugin {
    /// The plugin's descriptor, decoded and validated.
    public func descriptor() -> Result<PluginDescriptor, PluginRefusal> {
        let text = String(cString: table.descriptor_json)
        do {
            return .success(try PluginDescriptor.decode(text: text))
        } catch {
            return .failure(PluginRefusal("malformed descriptor: \(error.description)"))
        }
    }
}
