import PluginKit

/// Role assignments as CLI for Microsoft 365 prints them: each role definition binding with the
/// names of its permissions (`BasePermissionsValue`) and of its role type (`RoleTypeKindValue`),
/// each member with the name of its principal type (`PrincipalTypeString`).
enum Permissions {
    /// `SP.PermissionKind`: each permission's bit (1-based) in BasePermissions' Low (1…32) and
    /// High (33…64) words, in the order the CLI lists them.
    static let kinds: [(String, Int)] = [
        ("ViewListItems", 1), ("AddListItems", 2), ("EditListItems", 3), ("DeleteListItems", 4), ("ApproveItems", 5),
        ("OpenItems", 6), ("ViewVersions", 7), ("DeleteVersions", 8), ("CancelCheckout", 9), ("ManagePersonalViews", 10),
        ("ManageLists", 12), ("ViewFormPages", 13), ("AnonymousSearchAccessList", 14), ("Open", 17), ("ViewPages", 18),
        ("AddAndCustomizePages", 19), ("ApplyThemeAndBorder", 20), ("ApplyStyleSheets", 21), ("ViewUsageData", 22),
        ("CreateSSCSite", 23), ("ManageSubwebs", 24), ("CreateGroups", 25), ("ManagePermissions", 26), ("BrowseDirectories", 27),
        ("BrowseUserInfo", 28), ("AddDelPrivateWebParts", 29), ("UpdatePersonalWebParts", 30), ("ManageWeb", 31),
        ("AnonymousSearchAccessWebLists", 32), ("UseClientIntegration", 37), ("UseRemoteAPIs", 38), ("ManageAlerts", 39),
        ("CreateAlerts", 40), ("EditMyUserInfo", 41), ("EnumeratePermissions", 63),
    ]

    /// `SP.RoleType` names by number.
    static let roleTypes = ["None", "Guest", "Reader", "Contributor", "WebDesigner", "Administrator", "Editor", "Reviewer", "System"]

    /// `SP.PrincipalType` names by number, as the CLI names a member's type.
    static let principalTypes: [Int: String] = [0: "None", 1: "User", 2: "DistributionList", 4: "SecurityGroup", 8: "SharePointGroup", 15: "All"]

    /// The permission names whose bits are set in SharePoint's `{High, Low}` (numbers sent as text).
    static func names(_ permissions: JSON?) -> [String] {
        func word(_ value: JSON?) -> UInt32 {
            let text = value?.stringValue ?? value.map { $0.serialized() } ?? "0"
            return UInt32(truncatingIfNeeded: Int64(text) ?? 0)
        }
        let low = word(permissions?["Low"]), high = word(permissions?["High"])
        return kinds.compactMap { name, bit in
            let set = bit <= 32 ? low & (1 << UInt32(bit - 1)) != 0 : high & (1 << UInt32(bit - 33)) != 0
            return set ? name : nil
        }
    }

    /// Role definition bindings with `BasePermissionsValue` and `RoleTypeKindValue` added.
    static func friendlyBindings(_ bindings: JSON?) -> JSON {
        .array((bindings?.arrayValue ?? []).map { binding in
            guard var role = binding.objectValue else { return binding }
            role["BasePermissionsValue"] = .array(names(role["BasePermissions"]).map(JSON.string))
            if let kind = role["RoleTypeKind"]?.intValue, roleTypes.indices.contains(kind) { role["RoleTypeKindValue"] = .string(roleTypes[kind]) }
            return .object(role)
        })
    }

    /// The role assignments at `url` (`…/RoleAssignments?$expand=Member,RoleDefinitionBindings`),
    /// their bindings named as the CLI names them.
    static func friendlyAssignments(_ spo: SPOClient, _ url: String) throws(PluginFailure) -> JSON {
        var assignments: [JSON] = []
        try spo.forEachItem(url) { a throws(PluginFailure) in assignments.append(assignment(.object(a), principalType: false, friendly: true)) }
        return .array(assignments)
    }

    /// An assignment whose member carries `PrincipalTypeString` and, with `friendly`, whose
    /// bindings carry the names of their permissions.
    static func assignment(_ assignment: JSON, principalType: Bool, friendly: Bool) -> JSON {
        guard var out = assignment.objectValue else { return assignment }
        if principalType, var member = out["Member"]?.objectValue, let kind = member["PrincipalType"]?.intValue, let name = principalTypes[kind] {
            member["PrincipalTypeString"] = .string(name)
            out["Member"] = .object(member)
        }
        if friendly { out["RoleDefinitionBindings"] = friendlyBindings(out["RoleDefinitionBindings"]) }
        return .object(out)
    }
}
