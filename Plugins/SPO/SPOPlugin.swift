import M365Version
import PluginKit

/// SharePoint Online over its REST API (`{web}/_api/…`): webs, lists and list items, with the
/// names, options and output of CLI for Microsoft 365's `spo` commands.
let definition = PluginDefinition(
    id: "com.m365.spo", name: "SharePoint Online", version: m365ReleaseVersion, vendor: "m365",
    services: [
        PluginService(
            ServiceSpec(name: "spo", description: "SharePoint Online: sites, lists, items, files, apps and tenant settings"),
            commands: WebCommands.all + ListCommands.all + ListItemCommands.all + ListItemBatchCommands.all + SiteCommands.all
                + TenantCommands.all + UserCommands.all + GroupCommands.all + AppCommands.all + SearchCommands.all
                + FileCommands.all + FileSharingLinkCommands.all + FolderCommands.all + SPOConnection.commands
                + ListViewCommands.all + ListWebhookCommands.all + ListSiteScriptCommands.all
                + FieldCommands.all + ListDefaultValueCommands.all + ContentTypeCommands.all
                + PropertyBagCommands.all + FeatureCommands.all + EventReceiverCommands.all + WebExtraCommands.all
                + RoleAssignmentCommands.all + RoleDefinitionCommands.all
                + ListItemAttachmentCommands.all
                + FolderOpsCommands.all,
            connect: SPOConnection.connect),
        // SharePoint Premium: its own service in CLI for Microsoft 365, on SharePoint's client and connection.
        PluginService(ServiceSpec(name: "spp", description: "SharePoint Premium: content centers, models and autofill columns"),
                      commands: PremiumCommands.all, connect: SPOConnection.connect),
    ],
    requestHeaders: SPOConnection.requestHeaders)

@_cdecl("m365_plugin_entry")
public func m365PluginEntry() -> UnsafeRawPointer? { exportPlugin(definition) }
