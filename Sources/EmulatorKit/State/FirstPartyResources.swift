/// The Microsoft resources every real tenant has as service principals, whatever its seed says:
/// a client asking for a token to Azure Resource Manager, Exchange Online, the Power Platform or
/// Power BI gets one with the right audience instead of AADSTS500011. App ids and identifier
/// URIs are Microsoft's published ones; a seed that lists one of these app ids itself wins.
enum FirstPartyResources {
    /// (app id, display name, identifier URIs, delegated scopes, application roles)
    static let all: [(String, String, [String], [String], [String])] = [
        ("797f4846-ba00-4fd7-ba43-dac1f8f63013", "Windows Azure Service Management API",
         ["https://management.core.windows.net/", "https://management.azure.com/"], ["user_impersonation"], []),
        ("00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online",
         ["https://outlook.office365.com", "https://outlook.office.com", "https://ps.outlook.com"],
         ["EWS.AccessAsUser.All", "Exchange.Manage"], ["full_access_as_app", "Exchange.ManageAsApp"]),
        ("c5393580-f805-4401-95e8-94b7a6ef2fc2", "Office 365 Management APIs",
         ["https://manage.office.com"], ["ActivityFeed.Read", "ServiceHealth.Read"], ["ActivityFeed.Read", "ServiceHealth.Read"]),
        ("7df0a125-d3be-4c96-aa54-591f83ff541c", "Microsoft Flow Service",
         ["https://service.flow.microsoft.com/"], ["Flows.Read.All", "Flows.Manage.All", "User"], []),
        ("475226c6-020e-4fb2-8a90-7a972cbfc1d4", "PowerApps Service",
         ["https://service.powerapps.com/"], ["User"], []),
        ("00000007-0000-0000-c000-000000000000", "Dataverse",
         ["Microsoft.CRM", "https://admin.services.crm.dynamics.com"], ["user_impersonation"], []),
        ("00000009-0000-0000-c000-000000000000", "Power BI Service",
         ["https://analysis.windows.net/powerbi/api"], ["Tenant.Read.All", "Dataset.Read.All", "Workspace.Read.All"], ["Tenant.Read.All"]),
        ("00000005-0000-0ff1-ce00-000000000000", "Office 365 Yammer",
         ["https://api.yammer.com", "https://www.yammer.com"], ["user_impersonation", "access_as_user"], []),
        ("cfa8b339-82a2-471a-a3c9-0fc0be7a4093", "Azure Key Vault",
         ["https://vault.azure.net"], ["user_impersonation"], []),
        ("e406a681-f3d4-42a8-90b6-c2b029497af1", "Azure Storage",
         ["https://storage.azure.com/"], ["user_impersonation"], []),
        ("04b07795-8ddb-461a-bbee-02f9e1bf7b46", "Microsoft Azure CLI", [], [], []),
    ]

    /// `tenant` with every first-party resource its seed does not already list. Object ids are
    /// derived from the tenant and app ids, so they are the same on every run.
    static func added(to tenant: SeedTenant) -> SeedTenant {
        var out = tenant
        var principals = tenant.servicePrincipals ?? []
        let present = Set(principals.map { $0.appId.lowercased() })
        for (appId, name, uris, scopes, roles) in all where !present.contains(appId) {
            principals.append(SeedServicePrincipal(
                id: Util.nameGUID("\(tenant.id)/servicePrincipal/\(appId)"), appId: appId, displayName: name,
                servicePrincipalNames: uris + [appId], publishedScopes: scopes.isEmpty ? nil : scopes,
                appRoles: roles.isEmpty ? nil : roles, servicePrincipalType: "Application"))
        }
        out.servicePrincipals = principals
        return out
    }
}
