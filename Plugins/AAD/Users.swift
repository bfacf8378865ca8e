import GraphKit

/// `aad user …`: users, their licenses and group memberships.
enum UserCommands {
    static let userDefaults = ["id", "displayName", "mail", "userPrincipalName"]
    static let userSelector = [option(.id, "i", "The ID of the user"), option(.userName, "n", "The user principal name of the user")]
    static let targetUser = [option(.userId, "i", "The ID of the user"), option(.userName, "n", "The user principal name of the user")]

    /// Options `user add` and `user set` map onto Graph properties one to one.
    static let profileOptions: [(option: OptionKey<String>, property: String)] = [
        (OptionKey("displayName"), "displayName"), (OptionKey("firstName"), "givenName"), (OptionKey("lastName"), "surname"), (OptionKey("usageLocation"), "usageLocation"),
        (OptionKey("officeLocation"), "officeLocation"), (OptionKey("jobTitle"), "jobTitle"), (OptionKey("companyName"), "companyName"),
        (OptionKey("department"), "department"), (OptionKey("preferredLanguage"), "preferredLanguage"), (OptionKey("mailNickname"), "mailNickname"),
    ]
    static var profileSpecs: [OptionSpec] {
        profileOptions.filter { $0.option != .displayName && $0.option != .mailNickname }.map { option($0.option, nil, "The user's \($0.property)") }
    }

    static let all: [PluginCommand] = [
        command("user list", "Lists users; any other --property value option keeps users whose property starts with the value",
                options: [option(.type, nil, "Only members or guests", allowed: ["Member", "Guest"]), propertiesOption],
                unknownOptions: true, defaults: userDefaults,
                examples: [("Users in the Sales department", "m365 entra user list --department Sales"),
                           ("Guests with their mail", "m365 entra user list --type Guest --properties displayName,mail")]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            // As the CLI: another option matches the start of that property; without --properties
            // Graph's default user properties come back (the text columns are the defaults above).
            var terms = options.unknown.map { "startsWith(\($0.name), \(OData.quote($0.value)))" }
            if let type = options.string(.type) { terms.append("userType eq \(OData.quote(type))") }
            let shape = selectAndExpand(options.string(.properties))
            let query = OData.query([
                ("$select", shape.select), ("$expand", shape.expand),
                ("$filter", terms.isEmpty ? nil : terms.joined(separator: " and ")), ("$top", "999"),
            ])
            try graph.list("/users" + query)
        },

        command("user get", "Gets a user by id, user name or email",
                options: userSelector + [option(.email, nil, "The email of the user"), propertiesOption,
                                         flag(.withManager, nil, "Include the user's manager")],
                sets: [["id", "userName", "email"]],
                examples: [("A user by user name", "m365 entra user get --userName adele.vance@contoso.com --withManager")]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.id])
            if let upn = options.string(.userName), !isUPN(upn) { throw usage("'\(upn)' is not a valid userName.") }
            // As the CLI: `a/b` properties are left out of a single user.
            let select = selectAndExpand(options.string(.properties)).select
            let expand = options.bool(.withManager) ? "manager($select=displayName,userPrincipalName,id,mail)" : nil
            if let email = options.string(.email) {
                let found = try graph.all("/users" + OData.query([("$filter", "mail eq \(OData.quote(email))"), ("$select", select), ("$expand", expand)]))
                // As the CLI: the first user with that mail.
                guard let user = found.first else { throw PluginFailure("The specified user with email \(email) does not exist", status: M365_ERR_NOT_FOUND) }
                try graph.invocation.emit(result: .object(user))
                return
            }
            let query = OData.query([("$select", select), ("$expand", expand)])
            let key = options.string(.id) ?? options.string(.userName) ?? ""
            try graph.invocation.emit(result: .object(try graph.get("/users/\(OData.segment(key))" + query)))
        },

        command("user add", "Creates a user; other --property value options are set on the user",
                options: [option(.displayName, nil, "The name to display", required: true),
                          option(.userName, nil, "The user principal name (alias@domain)", required: true),
                          option(.accountEnabled, nil, "Whether the account is enabled", defaultValue: true),
                          option(.mailNickname, nil, "The mail alias; defaults to the part of the user name before @"),
                          option(.password, nil, "The password; a strong one is generated when left out"),
                          flag(.forceChangePasswordNextSignIn, nil, "Ask for a new password at the next sign-in"),
                          flag(.forceChangePasswordNextSignInWithMfa, nil, "Ask for MFA and a new password at the next sign-in")]
                    + profileSpecs
                    + [option(.managerUserId, nil, "The ID of the user's manager"), option(.managerUserName, nil, "The user name of the user's manager")],
                sets: [], unknownOptions: true,
                examples: [("A user who must change the password", "m365 entra user add --displayName 'John Doe' --userName john@contoso.com --forceChangePasswordNextSignIn")]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let upn = options.string(.userName) ?? ""
            try checkProfile(options, adding: true)
            if options.has(.managerUserId) && options.has(.managerUserName) { throw usage("specify either --managerUserId or --managerUserName") }
            let generated = options.string(.password) == nil ? strongPassword() : nil
            var body: JSONObject = [
                "accountEnabled": .bool(options.optionalBool(.accountEnabled) ?? true),
                "displayName": .string(options.string(.displayName) ?? ""),
                "userPrincipalName": .string(upn),
                "mailNickname": .string(options.string(.mailNickname) ?? String(upn.split(separator: "@")[0])),
                "passwordProfile": [
                    "forceChangePasswordNextSignIn": .bool(options.bool(.forceChangePasswordNextSignIn)),
                    "forceChangePasswordNextSignInWithMfa": .bool(options.bool(.forceChangePasswordNextSignInWithMfa)),
                    "password": .string(options.string(.password) ?? generated ?? ""),
                ],
            ]
            for (name, property) in profileOptions where name != .displayName && name != .mailNickname {
                if let value = options.string(name) { body[property] = .string(value) }
            }
            for (name, value) in options.unknown { body[name] = .string(value) }
            guard var user = try graph.send("POST", "/users", body: .object(body))?.objectValue, let id = user["id"]?.stringValue else {
                throw PluginFailure("Microsoft Graph did not return the new user", status: M365_ERR_SERVER)
            }
            if let manager = try graph.userId(options, id: .managerUserId, userName: .managerUserName) {
                try graph.send("PUT", "/users/\(id)/manager/$ref", body: ["@odata.id": .string(graph.root + "/users/" + manager)])
            }
            // As the CLI: the password is part of the answer, given or generated.
            user["password"] = .string(options.string(.password) ?? generated ?? "")
            try graph.invocation.emit(result: .object(user))
        },

        command("user set", "Updates a user; other --property value options are set on the user",
                options: userSelector + [
                    option(.accountEnabled, nil, "Whether the account is enabled"),
                    flag(.resetPassword, nil, "Set a new password (with --newPassword)"),
                    option(.currentPassword, nil, "Your current password, to change your own password (with --newPassword)"),
                    flag(.forceChangePasswordNextSignIn, nil, "Ask for a new password at the next sign-in (with --resetPassword)"),
                    flag(.forceChangePasswordNextSignInWithMfa, nil, "Ask for MFA and a new password at the next sign-in (with --resetPassword)"),
                    option(.newPassword, nil, "The new password (with --resetPassword or --currentPassword)"),
                    option(.displayName, nil, "The name to display"),
                ] + profileSpecs + [
                    option(.managerUserId, nil, "The ID of the new manager"), option(.managerUserName, nil, "The user name of the new manager"),
                    flag(.removeManager, nil, "Remove the user's manager"),
                ],
                sets: [["id", "userName"]], unknownOptions: true,
                examples: [("Disable an account", "m365 entra user set --userName john@contoso.com --accountEnabled false"),
                           ("Reset a password", "m365 entra user set --id 1caf7dcd-7e83-4c3a-94f7-932a1299c844 --resetPassword --newPassword 'N3w!Passw0rd'")]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try checkProfile(options, adding: false)
            let reset = options.bool(.resetPassword)
            if !reset && options.has(.currentPassword) != options.has(.newPassword) {
                throw usage("Specify both currentPassword and newPassword when you want to change your password.")
            }
            if reset && options.has(.currentPassword) { throw usage("When resetting a user's password, don't specify the current password.") }
            if reset && !options.has(.newPassword) {
                throw usage("When resetting a user's password, specify the new password to set for the user, using the newPassword option.")
            }
            for flag in [OptionKey<Bool>.forceChangePasswordNextSignIn, .forceChangePasswordNextSignInWithMfa] where options.bool(flag) && !reset {
                throw usage("The option \(flag.name) can only be used in combination with the resetPassword option.")
            }
            if options.has(.currentPassword), let upn = options.string(.userName), let me = graph.invocation.setting("connection.identityName"),
               !me.isEmpty, upn.lowercased() != me.lowercased() {
                throw PluginFailure("You can only change your own password. Please use --userName @meUserName to reference to your own user principal name")
            }
            if options.has(.currentPassword), let id = options.string(.id) {
                let me = try graph.get("/me?$select=id")["id"]?.stringValue ?? ""
                if me.lowercased() != id.lowercased() {
                    throw PluginFailure("You can only change your own password. Please use --id @meId to reference to your own userId")
                }
            }
            let managers = [options.has(.managerUserId), options.has(.managerUserName), options.bool(.removeManager)].filter { $0 }
            if managers.count > 1 { throw usage("specify only one of --managerUserId, --managerUserName and --removeManager") }
            var body = JSONObject()
            if let enabled = options.optionalBool(.accountEnabled) { body["accountEnabled"] = .bool(enabled) }
            // As the CLI: an empty value clears the property (Graph takes null, not "").
            func value(_ text: String) -> JSON { text.trimmingSpaces.isEmpty ? .null : .string(text) }
            for (name, property) in profileOptions { if let text = options.string(name) { body[property] = value(text) } }
            for (name, text) in options.unknown { body[name] = value(text) }
            if reset {
                body["passwordProfile"] = ["forceChangePasswordNextSignIn": .bool(options.bool(.forceChangePasswordNextSignIn)),
                                           "forceChangePasswordNextSignInWithMfa": .bool(options.bool(.forceChangePasswordNextSignInWithMfa)),
                                           "password": .string(options.string(.newPassword) ?? "")]
            }
            let id = try graph.userId(options, id: .id, userName: .userName) ?? ""
            if !body.isEmpty { try graph.send("PATCH", "/users/\(id)", body: .object(body)) }
            if let current = options.string(.currentPassword) {
                try graph.send("POST", "/users/\(id)/changePassword",
                               body: ["currentPassword": .string(current), "newPassword": .string(options.string(.newPassword) ?? "")])
            }
            if let manager = try graph.userId(options, id: .managerUserId, userName: .managerUserName) {
                try graph.send("PUT", "/users/\(id)/manager/$ref", body: ["@odata.id": .string(graph.root + "/users/" + manager)])
            } else if options.bool(.removeManager) {
                try graph.send("DELETE", "/users/\(id)/manager/$ref")
            }
        },

        command("user remove", "Removes a user (to the recycle bin)", options: userSelector + [forceOption], sets: [["id", "userName"]],
                examples: [("Remove without asking", "m365 entra user remove --userName john@contoso.com --force")]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.id])
            if let upn = options.string(.userName), !isUPN(upn) { throw usage("'\(upn)' is not a valid user principal name (UPN).") }
            let who = options.string(.id) ?? options.string(.userName) ?? ""
            guard try graph.invocation.confirmedRemoval(options, "the user '\(who)'") else { return }
            try graph.send("DELETE", "/users/\(OData.segment(who))")
        },

        command("user license list", "Lists the licenses of a user (the signed-in user when none is named)",
                options: targetUser, defaults: ["id", "skuId", "skuPartNumber"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            if options.has(.userId) && options.has(.userName) { throw usage("specify either --userId or --userName") }
            let key = options.string(.userId) ?? options.string(.userName)
            try graph.list((key.map { "/users/\(OData.segment($0))" } ?? "/me") + "/licenseDetails")
        },

        command("user license add", "Assigns licenses to a user", options: targetUser + [option(.ids, nil, "Comma-separated SKU IDs", required: true)],
                sets: [["userId", "userName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.ids])
            let key = options.string(.userId) ?? options.string(.userName) ?? ""
            let add: [JSON] = (options.list(.ids) ?? []).map { ["disabledPlans": [], "skuId": .string($0)] }
            let user = try graph.send("POST", "/users/\(OData.segment(key))/assignLicense", body: ["addLicenses": .array(add), "removeLicenses": []])
            try graph.invocation.emit(result: user ?? .null)
        },

        command("user license remove", "Removes licenses from a user",
                options: targetUser + [option(.ids, nil, "Comma-separated SKU IDs", required: true), forceOption],
                sets: [["userId", "userName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.ids])
            let key = options.string(.userId) ?? options.string(.userName) ?? ""
            guard try graph.invocation.confirmedRemoval(options, "the licenses \(options.string(.ids) ?? "") from '\(key)'") else { return }
            try graph.send("POST", "/users/\(OData.segment(key))/assignLicense",
                           body: ["addLicenses": [], "removeLicenses": .array((options.list(.ids) ?? []).map { .string($0) })])
        },

        command("user groupmembership list", "Lists the groups a user is a member of (directly or through other groups)",
                options: [option(.userId, "i", "The ID of the user"), option(.userName, "n", "The user principal name of the user"),
                          option(.userEmail, "e", "The email of the user"), flag(.securityEnabledOnly, nil, "Only security groups")],
                sets: [["userId", "userName", "userEmail"]], defaults: ["groupId"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            var key = options.string(.userId) ?? options.string(.userName) ?? ""
            if let email = options.string(.userEmail) {
                key = try graph.findOne("/users", where: "mail", is: email, noun: "user")["id"]?.stringValue ?? ""
            }
            let answer = try graph.send("POST", "/users/\(OData.segment(key))/getMemberGroups",
                                        body: ["securityEnabledOnly": .bool(options.bool(.securityEnabledOnly))])
            let ids = answer?["value"]?.arrayValue ?? []
            if ids.isEmpty { try graph.invocation.emit(result: []) }
            for id in ids { try graph.invocation.emit(item: ["groupId": id]) }
        },
    ]

    /// A user principal name as the CLI accepts it: `local@domain`, the domain's labels letters, digits and `-`.
    static func isUPN(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return false }
        let local = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_`{|}~-")
        guard parts[0].allSatisfy({ local.contains($0) }) else { return false }
        return parts[1].split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    /// The CLI's checks of user add and user set, with each command's wording (`add`: "The maximum
    /// amount of characters for 'x' is n.", `set`: "The max length for the x option is n characters.").
    static func checkProfile(_ options: Options, adding: Bool) throws(PluginFailure) {
        if let upn = options.string(.userName), !isUPN(upn) { throw usage("'\(upn)' is not a valid userName.") }
        if let upn = options.string(.managerUserName), !isUPN(upn) { throw usage("'\(upn)' is not a valid user principal name.") }
        try options.requireGUIDs([.id, .managerUserId])
        let limits: [(String, Int)] = [("firstName", 64), ("lastName", 64), ("jobTitle", 128), ("companyName", 64), ("department", 64)]
        for (name, limit) in limits {
            guard let value = options.string(OptionKey(name)), value.count > limit else { continue }
            throw usage(adding ? "The maximum amount of characters for '\(name)' is \(limit)." : "The max length for the \(name) option is \(limit) characters.")
        }
        if let value = options.string(OptionKey("usageLocation")), !(value.count == 2 && value.allSatisfy { $0.isASCII && $0.isLetter }) {
            throw usage("'\(value)' is not a valid usageLocation.")
        }
        if let value = options.string(OptionKey("preferredLanguage")), value.count < 2 { throw usage("'\(value)' is not a valid preferredLanguage.") }
    }

    /// A password Entra accepts (upper, lower, digit, symbol; 16 characters).
    static func strongPassword() -> String {
        let sets = [Array("ABCDEFGHJKLMNPQRSTUVWXYZ"), Array("abcdefghijkmnopqrstuvwxyz"), Array("23456789"), Array("!#$%&*+-=?@")]
        var characters = sets.map { $0.randomElement()! }
        let every = sets.flatMap { $0 }
        while characters.count < 16 { characters.append(every.randomElement()!) }
        return String(characters.shuffled())
    }
}

/// `--properties` as the CLI reads it in list commands: `a/b` entries become `$expand=a($select=b)`.
func selectAndExpand(_ properties: String?) -> (select: String?, expand: String?) {
    guard let properties else { return (nil, nil) }
    let names = properties.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
    let plain = names.filter { !$0.contains("/") }
    let expand = names.filter { $0.contains("/") }.map { name -> String in
        let parts = name.split(separator: "/", maxSplits: 1)
        return "\(parts[0])($select=\(parts.count > 1 ? parts[1] : ""))"
    }
    return (plain.isEmpty ? nil : plain.joined(separator: ","), expand.isEmpty ? nil : expand.joined(separator: ","))
}
