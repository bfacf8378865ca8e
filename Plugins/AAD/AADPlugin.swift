import PluginKit

/// Entra ID (formerly Azure AD), reachable as `aad` and `entra`. Its commands arrive with the
/// Entra issue.
let definition = PluginDefinition(
    id: "com.m365.aad", name: "Entra ID", version: "0.1.0", vendor: "m365",
    descriptor: PluginDescriptor(services: [
        ServiceSpec(name: "aad", aliases: ["entra"], description: "Entra ID: users, groups, apps and service principals"),
    ]),
    run: { invocation throws(PluginFailure) in
        throw PluginFailure("aad \(invocation.command) is not implemented", status: M365_ERR_NOT_SUPPORTED)
    })

@_cdecl("m365_plugin_entry")
public func m365PluginEntry() -> UnsafeRawPointer? { exportPlugin(definition) }
