import GraphKit

/// `aad license …`, `roledefinition …`, `roleassignment …`, `organization …`, `administrativeunit …`.
enum DirectoryCommands {
    static let roleDefinitions = "/roleManagement/directory/roleDefinitions"
    static let administrativeUnits = "/directory/administrativeUnits"

    /// Where a role assignment applies: the tenant, or one object, as `directoryScopeId`.
    static let scopeOptions: [(option: OptionKey<String>, resolve: @Sendable (GraphClient, String) throws(PluginFailure) -> String)] = [
        (OptionKey("userId"), { _, id in "/" + id }),
        (OptionKey("userName"), { graph, upn throws(PluginFailure) in "/" + (try graph.userId(upn: upn)) }),
        (OptionKey("administrativeUnitId"), { _, id in "/administrativeUnits/" + id }),
        (OptionKey("administrativeUnitName"), { graph, name throws(PluginFailure) in
            "/administrativeUnits/" + (try graph.findOne(administrativeUnits, where: "displayName", is: name, noun: "administrative unit")["id"]?.stringValue ?? "")
        }),
        (OptionKey("applicationId"), { graph, appId throws(PluginFailure) in
            "/" + (try graph.findOne("/applications", where: "appId", is: appId, noun: "application", select: "id")["id"]?.stringValue ?? "")
        }),
        (OptionKey("applicationObjectId"), { _, id in "/" + id }),
        (OptionKey("applicationName"), { graph, name throws(PluginFailure) in
            "/" + (try graph.findOne("/applications", where: "displayName", is: name, noun: "application", select: "id")["id"]?.stringValue ?? "")
        }),
        (OptionKey("servicePrincipalId"), { _, id in "/" + id }),
        (OptionKey("servicePrincipalName"), { graph, name throws(PluginFailure) in
            "/" + (try graph.findOne("/servicePrincipals", where: "displayName", is: name, noun: "service principal", select: "id")["id"]?.stringValue ?? "")
        }),
        (OptionKey("groupId"), { _, id in "/" + id }),
        (OptionKey("groupName"), { graph, name throws(PluginFailure) in
            "/" + (try graph.findOne("/groups", where: "displayName", is: name, noun: "group")["id"]?.stringValue ?? "")
        }),
    ]

    static let all: [PluginCommand] = [
        command("license list", "Lists the licenses (SKUs) the organization has", defaults: ["id", "skuId", "skuPartNumber"]) { (graph: GraphClient, _: Options) throws(PluginFailure) in
            try graph.list("/subscribedSkus")
        },

        command("roledefinition list", "Lists directory role definitions",
                options: [propertiesOption, option(.filter, "f", "An OData filter")],
                defaults: ["id", "displayName", "isBuiltIn", "isEnabled"],
                examples: [("Custom roles", "m365 entra roledefinition list --filter 'isBuiltIn eq false'")]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try graph.list(roleDefinitions + OData.query([("$select", graph.select(options)), ("$filter", options.string(.filter))]))
        },

        command("roledefinition get", "Gets a directory role definition",
                options: [option(.id, "i", "The ID of the role definition"), option(.displayName, "n", "The display name"), propertiesOption],
                sets: [["id", "displayName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try graph.emitOne(roleDefinitions, options, noun: "role definition")
        },

        command("roleassignment add", "Assigns a directory role to a principal, for the tenant or one object",
                options: [option(.roleDefinitionId, nil, "The ID of the role definition"), option(.roleDefinitionName, nil, "The name of the role definition"),
                          option(.principal, nil, "The principal: an object ID, a user principal name or a group's mail alias", required: true)]
                    + scopeOptions.map { option($0.option, nil, "Limit the assignment to this object") },
                sets: [["roleDefinitionId", "roleDefinitionName"]],
                examples: [("User Administrator for one administrative unit",
                            "m365 entra roleassignment add --roleDefinitionName 'User Administrator' --principal adele.vance@contoso.com --administrativeUnitName Finance")]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let scopes = scopeOptions.filter { options.has($0.option) }
            if scopes.count > 1 { throw usage("specify at most one scope: " + scopes.map { "--" + $0.option.name }.joined(separator: ", ")) }
            var roleId = options.string(.roleDefinitionId) ?? ""
            if let name = options.string(.roleDefinitionName) {
                roleId = try graph.findOne(roleDefinitions, where: "displayName", is: name, noun: "role definition", select: "id")["id"]?.stringValue ?? ""
            }
            let principal = options.string(.principal) ?? ""
            let principalId: String
            if isGUID(principal) {
                principalId = principal
            } else if principal.contains("@") {
                principalId = try graph.userId(upn: principal)
            } else {
                principalId = try graph.findOne("/groups", where: "mailNickname", is: principal, noun: "group")["id"]?.stringValue ?? ""
            }
            let scope = try scopes.first.map { entry throws(PluginFailure) in try entry.resolve(graph, options.string(entry.option) ?? "") } ?? "/"
            let created = try graph.send("POST", "/roleManagement/directory/roleAssignments", body: [
                "roleDefinitionId": .string(roleId), "principalId": .string(principalId), "directoryScopeId": .string(scope),
            ])
            try graph.invocation.emit(result: created ?? .null)
        },

        command("organization list", "Shows the organization (tenant)", options: [propertiesOption],
                defaults: ["id", "displayName", "tenantType"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try graph.list("/organization" + OData.query([("$select", graph.select(options))]))
        },

        command("administrativeunit list", "Lists administrative units", options: [propertiesOption],
                defaults: ["id", "displayName", "visibility"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try graph.list(administrativeUnits + OData.query([("$select", graph.select(options))]))
        },

        command("administrativeunit get", "Gets an administrative unit",
                options: [option(.id, "i", "The ID of the administrative unit"), option(.displayName, "n", "The display name"), propertiesOption],
                sets: [["id", "displayName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try graph.emitOne(administrativeUnits, options, noun: "administrative unit")
        },

        command("administrativeunit add", "Creates an administrative unit; other --property value options are set on it",
                options: [option(.displayName, "n", "The display name", required: true), option(.description, "d", "The description"),
                          flag(.hiddenMembership, nil, "Only members see who else is a member")],
                unknownOptions: true) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            var body: JSONObject = [
                "displayName": JSON(options.string(.displayName)), "description": JSON(options.string(.description)),
                "visibility": options.bool(.hiddenMembership) ? "HiddenMembership" : nil,
            ]
            for (name, value) in options.unknown { body[name] = .string(value) }
            try graph.invocation.emit(result: try graph.send("POST", administrativeUnits, body: .object(body)) ?? .null)
        },
    ]
}
