import PluginKit

/// `'value'` as an OData string literal inside a URL path: quotes doubled (and left as they are,
/// as CLI for Microsoft 365 sends them), the rest percent-encoded.
func pathLiteral(_ value: String) -> String {
    "'" + value.split(separator: "'", omittingEmptySubsequences: false).map { percentEncode(String($0)) }.joined(separator: "''") + "'"
}

/// The claim SharePoint uses as a member's login name: `i:0#.f|membership|<upn>`.
func membershipClaim(_ upn: String) -> String { "i:0#.f|membership|" + upn.lowercased() }

/// A user principal name or e-mail address as the CLI accepts them: one `@` with text on both
/// sides, no spaces.
func looksLikeUPN(_ text: String) -> Bool {
    let parts = text.split(separator: "@", omittingEmptySubsequences: false)
    return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !text.contains(" ")
}

extension Options {
    /// A positive whole number given as text (SharePoint user and group ids).
    func wholeNumber(_ key: OptionKey<String>, what: String) throws(PluginFailure) -> Int? {
        let name = key.name
        guard let text = string(key)?.trimmingSpaces else { return nil }
        guard let n = Int(text), n > 0 else { throw usage("'\(text)' is not a valid \(what) for --\(name): use a positive whole number") }
        return n
    }

    /// A user principal name (or e-mail) option, checked before anything is sent.
    func upn(_ key: OptionKey<String>) throws(PluginFailure) -> String? {
        let name = key.name
        guard let text = string(key)?.trimmingSpaces else { return nil }
        guard looksLikeUPN(text) else { throw usage("'\(text)' is not a valid user name for --\(name): use a user principal name like megan.bowen@contoso.com") }
        return text
    }
}

extension SPOClient {
    /// GETs `path` from Microsoft Graph (v1.0), or sends `body` with another method; Graph's
    /// own message when it refuses.
    @discardableResult
    func graphObject(_ path: String, what: String, method: String = "GET", body: JSON? = nil) throws(PluginFailure) -> JSONObject {
        let graph = invocation.setting("connection.graphOrigin") ?? "https://graph.microsoft.com"
        let url = graph + "/v1.0/" + path
        let request = body.map { ServiceRequest(method: method, url: url, json: $0) } ?? ServiceRequest(method: method, url: url, headers: [("Accept", "application/json")])
        let response = try invocation.send(request)
        if response.isSuccess, response.body.isEmpty { return [:] }
        guard response.isSuccess, let object = response.json?.objectValue else {
            let why = ServiceError.parse(response)?.message ?? "HTTP \(response.status)"
            throw PluginFailure("Could not read \(what) from Microsoft Graph: \(oneLine(why))", status: response.isSuccess ? M365_ERR_SERVER : response.failureStatus)
        }
        return object
    }

    /// The user principal name of an Entra user, from Microsoft Graph.
    func userPrincipalName(entraId id: String) throws(PluginFailure) -> String {
        guard let upn = try graphObject("users/\(OData.segment(id))?$select=userPrincipalName", what: "the user \(id)")["userPrincipalName"]?.stringValue else {
            throw PluginFailure("Microsoft Graph did not return the user principal name of \(id)", status: M365_ERR_SERVER)
        }
        return upn
    }

    /// An Entra group by `--entraGroupId`-like id or by display name, as CLI for Microsoft 365
    /// finds it (`groups/{id}`, or `groups?$filter=displayName eq '…'`: exactly one must match).
    func entraGroup(id: String?, name: String?) throws(PluginFailure) -> JSONObject {
        if let id { return try graphObject("groups/\(OData.segment(id))", what: "the group \(id)") }
        let name = name ?? ""
        let found = try graphObject("groups?$filter=" + percentEncode("displayName eq " + OData.quote(name)), what: "the group '\(name)'")["value"]?.arrayValue ?? []
        guard let first = found.first?.objectValue else { throw PluginFailure("The specified group '\(name)' does not exist.", status: M365_ERR_NOT_FOUND) }
        guard found.count == 1 else {
            let ids = found.compactMap { $0["id"]?.stringValue }.joined(separator: ", ")
            throw PluginFailure("Multiple groups with name '\(name)' found. Found: \(ids).", status: M365_ERR_INVALID_ARGUMENT)
        }
        return first
    }

    /// The claims' prefixes: a Microsoft 365 group's, a security group's.
    static let groupClaimPrefixes = ["c:0o.c|federateddirectoryclaimprovider|", "c:0t.c|tenant|"]

    /// The login name SharePoint gives an Entra group: a Microsoft 365 group's claim when it is
    /// mail-enabled, a security group's otherwise.
    static func groupClaim(_ group: JSONObject) -> String {
        let id = group["id"]?.stringValue ?? ""
        return groupClaimPrefixes[group["mailEnabled"]?.boolValue == true ? 0 : 1] + id
    }

    /// `POST {web}/_api/web/ensureuser`: the site user for a user name or e-mail, added to the
    /// site if it has not seen them.
    func ensureUser(_ web: String, logonName: String) throws(PluginFailure) -> JSONObject {
        guard let user = try write(web + "/_api/web/ensureuser", body: ["logonName": .string(logonName)])?.objectValue else {
            throw PluginFailure("SharePoint did not return the user \(logonName)", status: M365_ERR_SERVER)
        }
        return SPOClient.unwrapVerbose(user)
    }
}

/// `spo user …`: the users a site knows.
enum UserCommands {
    static let webUrl = option(.webUrl, "u", "URL of the site (absolute, or server-relative like /sites/x)", required: true)

    static let all: [PluginCommand] = [
        command("user list", "Lists all the users within specific web", options: [webUrl], defaults: ["Id", "Title", "LoginName"],
                examples: [("Every user of a site", "m365 spo user list --webUrl https://contoso.sharepoint.com/sites/project-x")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            try spo.list(web + "/_api/web/siteusers")
        },

        command("user get", "Gets a site user within specific web; the signed-in user when no user is named",
                options: [webUrl, option(.id, "i", "ID of the site user"), option(.email, nil, "E-mail of the user"),
                          option(.loginName, nil, "Login name of the user, e.g. i:0#.f|membership|megan.bowen@contoso.com"),
                          option(.userName, nil, "User principal name of the user"),
                          option(.entraGroupId, nil, "Object id of an Entra group the site knows"),
                          option(.entraGroupName, nil, "Display name of an Entra group the site knows")],
                examples: [("By id", "m365 spo user get --webUrl https://contoso.sharepoint.com/sites/project-x --id 6"),
                           ("By e-mail", "m365 spo user get --webUrl /sites/project-x --email megan.bowen@contoso.com"),
                           ("The signed-in user", "m365 spo user get --webUrl /sites/project-x")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            // One of them at most: with none, the CLI shows the current user.
            try options.exclusive([.id, .email, .loginName, .userName, .entraGroupId, .entraGroupName] as [OptionKey<String>])
            let id = try options.wholeNumber(.id, what: "user id")
            let upn = try options.upn(.userName)
            _ = try options.upn(.email)
            try options.requireGUIDs([.entraGroupId])
            let web = try spo.webURL(options, .webUrl)
            let base = web + "/_api/web/siteusers"
            let url: String
            if let id {
                url = base + "/GetById(\(id))"
            } else if let email = options.string(.email) {
                url = base + "/GetByEmail(\(pathLiteral(email)))"
            } else if let upn {
                // By user principal name as the CLI looks it up: a filter, then the user by id.
                let found = try spo.get(base + "?$filter=" + percentEncode("UserPrincipalName eq " + OData.quote(upn)))["value"]?.arrayValue ?? []
                guard let userId = found.first?["Id"]?.intValue else { throw PluginFailure("User not found: \(upn)", status: M365_ERR_NOT_FOUND) }
                url = base + "/GetById(\(userId))"
            } else if let login = options.string(.loginName) {
                url = base + "/GetByLoginName(\(pathLiteral(login)))"
            } else if options.has(.entraGroupId) || options.has(.entraGroupName) {
                let group = try spo.entraGroup(id: options.string(.entraGroupId), name: options.string(.entraGroupName))
                if let mail = group["mail"]?.stringValue, !mail.isEmpty {
                    url = base + "/GetByEmail(\(pathLiteral(mail)))"
                } else {
                    url = base + "/GetByLoginName(\(pathLiteral(SPOClient.groupClaim(group))))"
                }
            } else {
                url = web + "/_api/web/currentuser"
            }
            try spo.invocation.emit(result: .object(try spo.get(url)))
        },

        command("user ensure", "Ensures that a user is available on a specific site",
                options: [webUrl, option(.entraId, nil, "Microsoft Entra object id of the user"),
                          option(.userName, nil, "User principal name of the user"),
                          option(.loginName, nil, "Login name (claim) of the user or group, e.g. i:0#.f|membership|megan.bowen@contoso.com"),
                          option(.entraGroupId, nil, "Object id of an Entra group"), option(.entraGroupName, nil, "Display name of an Entra group")],
                sets: [["entraId", "userName", "loginName", "entraGroupId", "entraGroupName"]],
                examples: [("By user name", "m365 spo user ensure --webUrl https://contoso.sharepoint.com/sites/project-x --userName megan.bowen@contoso.com"),
                           ("An Entra group", "m365 spo user ensure --webUrl https://contoso.sharepoint.com/sites/project-x --entraGroupName 'Project X'")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.entraId, .entraGroupId])
            let given = try options.upn(.userName)
            let web = try spo.webURL(options, .webUrl)
            let logon: String
            if let name = given ?? options.string(.loginName) {
                logon = name
            } else if let id = options.string(.entraId) {
                logon = try spo.userPrincipalName(entraId: id)
            } else {
                logon = SPOClient.groupClaim(try spo.entraGroup(id: options.string(.entraGroupId), name: options.string(.entraGroupName)))
            }
            try spo.invocation.emit(result: .object(try spo.ensureUser(web, logonName: logon)))
        },
        command("user remove", "Removes a user from a site",
                options: [webUrl, option(.id, "i", "ID of the site user"), option(.loginName, nil, "Login name (claim) of the user"),
                          option(.email, nil, "E-mail of the user"), option(.userName, nil, "User principal name of the user"),
                          option(.entraGroupId, nil, "Object id of an Entra group the site knows"),
                          option(.entraGroupName, nil, "Display name of an Entra group the site knows"), forceOption],
                sets: [["id", "loginName", "email", "userName", "entraGroupId", "entraGroupName"]],
                examples: [("By id, without a prompt", "m365 spo user remove --webUrl https://contoso.sharepoint.com/sites/project-x --id 10 --force"),
                           ("By user name", "m365 spo user remove --webUrl /sites/project-x --userName megan.bowen@contoso.com")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            if let text = options.string(.id), Int(String(text.trimmingSpaces.prefix { $0.isNumber || $0 == "-" })) == nil { throw usage("Specified id \(text) is not a number") }
            try options.requireGUIDs([.entraGroupId])
            if let name = options.string(.userName), !looksLikeUPN(name) { throw usage("\(name) is not a valid userName.") }
            if let email = options.string(.email), !looksLikeUPN(email) { throw usage("\(email) is not a valid email.") }
            let web = try spo.webURL(options, .webUrl)
            guard try spo.invocation.confirmedRemoval(options, "the user from the site \(web)") else { return }
            let base = web + "/_api/web/siteusers/"
            let tail: String
            if let id = options.string(.id) {
                tail = "removebyid(\(id))"
            } else if let login = options.string(.loginName) {
                tail = "removeByLoginName(\(pathLiteral(login)))"
            } else if let email = options.string(.email) {
                guard let id = try spo.get(base + "GetByEmail(\(pathLiteral(email)))")["Id"]?.intValue else {
                    throw PluginFailure("SharePoint did not return the id of \(email)", status: M365_ERR_SERVER)
                }
                tail = "removebyid(\(id))"
            } else if let name = options.string(.userName) {
                let found = try spo.get(web + "/_api/web/siteusers?$filter=" + percentEncode("UserPrincipalName eq ('\(name.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''"))')"))["value"]?.arrayValue ?? []
                guard let id = found.first?["Id"]?.intValue else { throw PluginFailure("User not found: \(name)", status: M365_ERR_NOT_FOUND) }
                tail = "removebyid(\(id))"
            } else {
                // An Entra group by its claim, as the CLI writes it (not encoded).
                let group = try spo.entraGroup(id: options.string(.entraGroupId), name: options.string(.entraGroupName))
                let mail = group["mail"]?.stringValue ?? ""
                let prefix = SPOClient.groupClaimPrefixes[mail.isEmpty ? 1 : 0]
                tail = "removeByLoginName('\(prefix)\(group["id"]?.stringValue ?? "")')"
            }
            try spo.write(base + tail)
        },
    ]
}
