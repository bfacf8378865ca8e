import PluginKit

/// `spo roledefinition add|get|list|remove`: a site's permission levels (`{web}/_api/web/roledefinitions`),
/// printed with the names of their permissions and role type as CLI for Microsoft 365 adds them.
enum RoleDefinitionCommands {
    static let webUrl = option(.webUrl, "u", "URL of the site (absolute, or server-relative like /sites/x)", required: true)
    static let rights = OptionKey<String>("rights")

    /// `SP.PermissionKind` names `--rights` takes (case-sensitive), in the CLI's order: the
    /// permissions, framed by the empty and full masks.
    static let kindNames = ["EmptyMask"] + Permissions.kinds.map(\.0) + ["FullMask"]

    /// `--rights` as SharePoint's `{High, Low}` words, computed as the CLI computes them: each
    /// permission's bit OR-ed in as a signed 32-bit number (so `AnonymousSearchAccessWebLists`
    /// makes Low negative), `FullMask` replacing what came before it with 32767/65535.
    static func words(_ text: String) throws(PluginFailure) -> (high: Int32, low: Int32) {
        var high: Int32 = 0, low: Int32 = 0
        for raw in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = String(raw).trimmingSpaces
            if name == "FullMask" {
                (high, low) = (32767, 65535)
            } else if let bit = Permissions.kinds.first(where: { $0.0 == name })?.1 {
                if bit <= 32 { low |= Int32(bitPattern: UInt32(1) << UInt32(bit - 1)) } else { high |= Int32(bitPattern: UInt32(1) << UInt32(bit - 33)) }
            } else {
                throw usage("Rights option '\(raw)' is not recognized as valid PermissionKind choice. Please note it is case-sensitive. Allowed values are \(kindNames.joined(separator: "|")).")
            }
        }
        return (high, low)
    }

    /// A role definition with `BasePermissionsValue` and `RoleTypeKindValue`.
    static func friendly(_ definition: JSONObject) -> JSON {
        Permissions.friendlyBindings(.array([.object(definition)])).arrayValue?.first ?? .object(definition)
    }

    static func id(_ options: Options, message: (String) -> String) throws(PluginFailure) -> Int {
        let text = options.string(.id) ?? ""
        guard let n = Int(text.trimmingSpaces) else { throw usage(message(text)) }
        return n
    }

    static let all: [PluginCommand] = [
        command("roledefinition list", "Lists the role definitions (permission levels) of a site", options: [webUrl], defaults: ["Id", "Name"],
                examples: [("Every permission level of a site", "m365 spo roledefinition list --webUrl https://contoso.sharepoint.com/sites/project-x")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            var found: [JSON] = []
            try spo.forEachItem(web + "/_api/web/roledefinitions") { d throws(PluginFailure) in found.append(friendly(d)) }
            try spo.invocation.emit(result: .array(found))
        },

        command("roledefinition get", "Gets a role definition (permission level) of a site by its id",
                options: [webUrl, option(.id, "i", "ID of the role definition", required: true)],
                examples: [("Full Control", "m365 spo roledefinition get --webUrl https://contoso.sharepoint.com/sites/project-x --id 1073741829")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let n = try id(options) { "\($0) is not a number" }
            let web = try spo.webURL(options, .webUrl)
            try spo.invocation.emit(result: friendly(try spo.get(web + "/_api/web/roledefinitions(\(n))")))
        },

        command("roledefinition add", "Adds a role definition (permission level) to a site",
                options: [webUrl, option(.name, "n", "Name of the role definition", required: true),
                          option(.description, "d", "Description of the role definition"),
                          option(rights, nil, "Comma-separated permissions (SP.PermissionKind names, case-sensitive), e.g. ViewListItems,AddListItems")],
                examples: [("A level that views and adds items", "m365 spo roledefinition add --webUrl https://contoso.sharepoint.com/sites/project-x --name 'View and add' --rights ViewListItems,AddListItems")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let (high, low) = try options.string(rights).map { text throws(PluginFailure) in try words(text) } ?? (0, 0)
            let web = try spo.webURL(options, .webUrl)
            let body: JSON = ["BasePermissions": ["High": .string(String(high)), "Low": .string(String(low))],
                              "Description": .string(options.string(.description) ?? ""), "Name": .string(options.string(.name) ?? "")]
            try spo.write(web + "/_api/web/roledefinitions", body: body)
        },

        command("roledefinition remove", "Removes a role definition (permission level) from a site",
                options: [webUrl, option(.id, "i", "ID of the role definition", required: true), forceOption],
                examples: [("Without a prompt", "m365 spo roledefinition remove --webUrl https://contoso.sharepoint.com/sites/project-x --id 1073741833 --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let n = try id(options) { "\($0) is not a valid role definition ID" }
            let web = try spo.webURL(options, .webUrl)
            guard try spo.invocation.confirmedRemoval(options, "the role definition \(n) from \(web)") else { return }
            // A DELETE that also names itself in X-HTTP-Method, as the CLI sends it.
            try spo.send("DELETE", web + "/_api/web/roledefinitions(\(n))", headers: [("X-HTTP-Method", "DELETE"), ("If-Match", "*")])
        },
    ]
}
