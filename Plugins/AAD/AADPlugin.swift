import GraphKit
import M365Version

/// Entra ID (formerly Azure AD), reachable as `entra` and (older scripts) `aad`: directory objects through
/// Microsoft Graph, with the names, options and output of CLI for Microsoft 365's `entra` commands.
let definition = PluginDefinition(
    id: "com.m365.aad", name: "Entra ID", version: m365ReleaseVersion, vendor: "m365",
    services: [
        PluginService(
            ServiceSpec(name: "entra", aliases: ["aad"], description: "Entra ID: users, groups, apps and service principals"),
            commands: UserCommands.all + GroupCommands.all + M365GroupCommands.all + AppCommands.all
                + EnterpriseAppCommands.all + DirectoryCommands.all),
    ])

@_cdecl("m365_plugin_entry")
public func m365PluginEntry() -> UnsafeRawPointer? { exportPlugin(definition) }
