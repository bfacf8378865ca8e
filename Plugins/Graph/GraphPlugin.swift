import PluginKit

/// Microsoft Graph and the workloads built on it. Its commands arrive with the Graph issue.
let definition = PluginDefinition(
    id: "com.m365.graph", name: "Microsoft Graph", version: "0.1.0", vendor: "m365",
    descriptor: PluginDescriptor(services: [
        ServiceSpec(name: "graph", description: "Microsoft Graph: batches, subscriptions, schema extensions"),
        ServiceSpec(name: "teams", description: "Microsoft Teams: teams, channels, members, messages"),
        ServiceSpec(name: "outlook", description: "Outlook: mail and mailbox settings"),
        ServiceSpec(name: "planner", description: "Planner: plans, buckets, tasks"),
        ServiceSpec(name: "onedrive", description: "OneDrive: drives and files"),
        ServiceSpec(name: "todo", description: "Microsoft To Do: lists and tasks"),
    ]),
    run: { invocation throws(PluginFailure) in
        throw PluginFailure("\(invocation.service) \(invocation.command) is not implemented", status: M365_ERR_NOT_SUPPORTED)
    })

@_cdecl("m365_plugin_entry")
public func m365PluginEntry() -> UnsafeRawPointer? { exportPlugin(definition) }
