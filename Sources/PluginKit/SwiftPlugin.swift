#if canImport(Glibc)
import Glibc
#endif
@_exported import CommandModel
@_exported import JSONModel
@_exported import PluginAPI
@_exported import TextEncodings


/// A failure a Swift plugin reports: a status from the ABI's closed set and a one-line message.
public struct PluginFailure: Error, CustomStringConvertible {
    public var status: m365_status
    public var description: String
    public init(_ description: String, status: m365_status = M365_ERROR) {
        self.status = status
        self.description = description
    }
}

/// One run of a command, as a Swift plugin sees it: the options and the host's services.
public struct Invocation {
    public let service: String
    public let command: String
    public let options: JSONObject
    let host: UnsafePointer<m365_host>
    let call: OpaquePointer?
    /// Headers the plugin adds to every request it sends to a URL (PluginDefinition.requestHeaders).
    var requestHeaders: (@Sendable (Invocation, String) -> [(name: String, value: String)])?

    public func emit(result: JSON) throws(PluginFailure) {
        guard let emit = host.pointee.emit_result else { throw PluginFailure("the host cannot take results", status: M365_ERR_NOT_SUPPORTED) }
        try check(Self.withText(result) { emit(call, $0, $1) })
    }

    public func emit(item: JSON) throws(PluginFailure) {
        guard let emit = host.pointee.emit_item else { throw PluginFailure("the host cannot take list items", status: M365_ERR_NOT_SUPPORTED) }
        try check(Self.withText(item) { emit(call, $0, $1) })
    }

    /// One list item given as JSON text (a slice of a service's answer, passed on unparsed).
    public func emit(itemText text: UnsafeRawBufferPointer) throws(PluginFailure) {
        guard let emit = host.pointee.emit_item else { throw PluginFailure("the host cannot take list items", status: M365_ERR_NOT_SUPPORTED) }
        try check(emit(call, text.baseAddress!.assumingMemoryBound(to: CChar.self), text.count))
    }

    /// The value's compact JSON text and its length (the ABI passes text with its length, not
    /// NUL-terminated).
    private static func withText(_ value: JSON, _ body: (UnsafePointer<CChar>, Int) -> m365_status) -> m365_status {
        value.serializedBytes().withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!, buffer.count) }
        }
    }

    public func log(_ message: String, level: Int32 = M365_LOG_VERBOSE) {
        guard let log = host.pointee.log else { return }
        message.withCString { log(call, level, $0) }
    }

    public var isCancelled: Bool { host.pointee.is_cancelled.map { $0(call) != 0 } ?? false }

    func check(_ status: m365_status) throws(PluginFailure) {
        guard status == M365_OK else {
            let message = host.pointee.last_error.flatMap { $0(call) }.map { String(cString: $0) } ?? ""
            throw PluginFailure(message.isEmpty ? "host call failed (status \(status))" : message, status: status)
        }
    }
}

/// What a Swift plugin declares: its identity, its services and commands, and what runs them.
public struct PluginDefinition: Sendable {
    public var id: String
    public var name: String
    public var version: String
    public var vendor: String
    public var descriptor: PluginDescriptor
    public var run: @Sendable (Invocation) throws(PluginFailure) -> Void
    /// Headers for every request the plugin sends to a URL (a service that asks callers to
    /// identify themselves); a header the request sets itself wins.
    public var requestHeaders: (@Sendable (Invocation, String) -> [(name: String, value: String)])?

    public init(id: String, name: String, version: String, vendor: String, descriptor: PluginDescriptor,
                run: @escaping @Sendable (Invocation) throws(PluginFailure) -> Void) {
        self.id = id
        self.name = name
        self.version = version
        self.vendor = vendor
        self.descriptor = descriptor
        self.run = run
    }
}

/// The plugin's one definition and the C table built from it. PluginKit is linked into each
/// plugin file on its own, so each plugin has its own copy of this state.
private nonisolated(unsafe) var exported: PluginDefinition?
private nonisolated(unsafe) var exportedTable: UnsafeMutablePointer<m365_plugin>?
private nonisolated(unsafe) var hostTable: UnsafePointer<m365_host>?
private nonisolated(unsafe) var lastRunError: UnsafeMutablePointer<CChar>?
private nonisolated(unsafe) let staticMessage: UnsafeMutablePointer<CChar> = strdup("this plugin needs an m365 host of ABI 1.x")

/// Builds the entry table for `definition`. Call it from the plugin's exported entry:
///
///     @_cdecl("m365_plugin_entry")
///     public func m365PluginEntry() -> UnsafeRawPointer? { exportPlugin(definition) }
public func exportPlugin(_ definition: @autoclosure () -> PluginDefinition) -> UnsafeRawPointer? {
    if let exportedTable { return UnsafeRawPointer(exportedTable) }
    let definition = definition()
    exported = definition
    let table = UnsafeMutablePointer<m365_plugin>.allocate(capacity: 1)
    table.initialize(to: m365_plugin())
    table.pointee.header = m365_header(
        abi_major: UInt32(M365_ABI_MAJOR), abi_minor: UInt32(M365_ABI_MINOR), struct_size: UInt32(MemoryLayout<m365_plugin>.size))
    table.pointee.id = UnsafePointer(strdup(definition.id))
    table.pointee.name = UnsafePointer(strdup(definition.name))
    table.pointee.version = UnsafePointer(strdup(definition.version))
    table.pointee.vendor = UnsafePointer(strdup(definition.vendor))
    table.pointee.descriptor_json = UnsafePointer(strdup(definition.descriptor.json.serialized()))
    table.pointee.`init` = { host, _, error in
        guard let host, host.pointee.header.abi_major == UInt32(M365_ABI_MAJOR) else {
            error?.pointee = UnsafePointer(staticMessage)
            return M365_ERR_NOT_SUPPORTED
        }
        // Keep a zero-filled copy holding only the bytes the host declared: functions a
        // newer PluginKit knows but an older host lacks read as NULL.
        let copy = UnsafeMutablePointer<m365_host>.allocate(capacity: 1)
        copy.initialize(to: m365_host())
        _ = m365_read_versioned(copy, MemoryLayout<m365_host>.size, host)
        hostTable = UnsafePointer(copy)
        return M365_OK
    }
    table.pointee.run = { call, service, command, options, errorOut in
        guard let definition = exported, let host = hostTable, let service, let command, let options else {
            return M365_ERR_INTERNAL
        }
        let parsed = (try? JSON.parse(String(cString: options)))?.objectValue ?? JSONObject()
        let invocation = Invocation(
            service: String(cString: service), command: String(cString: command), options: parsed, host: host, call: call,
            requestHeaders: definition.requestHeaders)
        do throws(PluginFailure) {
            try definition.run(invocation)
            return M365_OK
        } catch {
            free(lastRunError)
            lastRunError = strdup(error.description)
            errorOut?.pointee = UnsafePointer(lastRunError)
            return error.status
        }
    }
    exportedTable = table
    return UnsafeRawPointer(table)
}
