import GraphKit
import M365Version

/// Microsoft Graph and the workloads built on it, with the names, options and output of CLI for
/// Microsoft 365.
let definition = PluginDefinition(
    id: "com.m365.graph", name: "Microsoft Graph", version: m365ReleaseVersion, vendor: "m365",
    services: [
        PluginService(ServiceSpec(name: "graph", description: "Microsoft Graph: batches, subscriptions, schema extensions"),
                      commands: GraphCommands.all),
        PluginService(ServiceSpec(name: "teams", description: "Microsoft Teams: teams, channels, members, messages"), commands: TeamsCommands.all),
        PluginService(ServiceSpec(name: "outlook", description: "Outlook: mail and mailbox settings"), commands: OutlookCommands.all),
        PluginService(ServiceSpec(name: "planner", description: "Planner: plans, buckets, tasks"), commands: PlannerCommands.all),
        PluginService(ServiceSpec(name: "onedrive", description: "OneDrive: drives and files"), commands: OneDriveCommands.all),
        PluginService(ServiceSpec(name: "todo", description: "Microsoft To Do: lists and tasks"), commands: TodoCommands.all),
    ])

@_cdecl("m365_plugin_entry")
public func m365PluginEntry() -> UnsafeRawPointer? { exportPlugin(definition) }
