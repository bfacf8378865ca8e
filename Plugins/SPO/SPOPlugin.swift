import PluginKit

/// SharePoint Online. Its commands arrive with the SharePoint issue; until then the service
/// offers what the host provides for every service (connect, status, disconnect, help).
let definition = PluginDefinition(
    id: "com.m365.spo", name: "SharePoint Online", version: "0.1.0", vendor: "m365",
    descriptor: PluginDescriptor(services: [
        ServiceSpec(name: "spo", description: "SharePoint Online: sites, lists, items, files, apps and tenant settings"),
    ]),
    run: { invocation throws(PluginFailure) in
        throw PluginFailure("spo \(invocation.command) is not implemented", status: M365_ERR_NOT_SUPPORTED)
    })

@_cdecl("m365_plugin_entry")
public func m365PluginEntry() -> UnsafeRawPointer? { exportPlugin(definition) }
