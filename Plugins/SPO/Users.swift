import PluginKit

/// `'value'` as an OData string literal inside a URL path: quotes doubled, the rest
/// percent-encoded.
func pathLiteral(_ value: String) -> String {
    "'" + percentEncode(value.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''")) + "'"
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
    /// The user principal name of an Entra user, from Microsoft Graph.
    func userPrincipalName(entraId id: String) throws(PluginFailure) -> String {
        let graph = invocation.setting("connection.graphOrigin") ?? "https://graph.microsoft.com"
        let url = graph + "/v1.0/users/\(OData.segment(id))?$select=userPrincipalName"
        let response = try invocation.send(ServiceRequest(url: url, headers: [("Accept", "application/json")]))
        if response.status == 404 {
            throw PluginFailure("There is no user with id \(id) in Microsoft Entra ID", status: M365_ERR_NOT_FOUND)
        }
        guard response.isSuccess, let upn = response.json?["userPrincipalName"]?.stringValue else {
            let why = ServiceError.parse(response)?.message ?? "HTTP \(response.status)"
            throw PluginFailure("Could not read the user \(id) from Microsoft Graph: \(oneLine(why))", status: response.isSuccess ? M365_ERR_SERVER : response.failureStatus)
        }
        return upn
    }

    /// `POST {web}/_api/web/ensureuser`: the site user for a user name or e-mail, added to the
    /// site if it has not seen them.
    func ensureUser(_ web: String, logonName: String) throws(PluginFailure) -> JSONObject {
        guard let user = try write(web + "/_api/web/ensureuser", web: web, body: ["logonName": .string(logonName)])?.objectValue else {
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

        command("user get", "Gets a site user within specific web",
                options: [webUrl, option(.id, "i", "ID of the site user"), option(.email, nil, "E-mail of the user"),
                          option(.loginName, nil, "Login name of the user, e.g. i:0#.f|membership|megan.bowen@contoso.com"),
                          option(.userName, nil, "User principal name of the user")],
                sets: [["id", "email", "loginName", "userName"]],
                examples: [("By id", "m365 spo user get --webUrl https://contoso.sharepoint.com/sites/project-x --id 6"),
                           ("By e-mail", "m365 spo user get --webUrl /sites/project-x --email megan.bowen@contoso.com")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let id = try options.wholeNumber(.id, what: "user id")
            let upn = try options.upn(.userName)
            let web = try spo.webURL(options, .webUrl)
            let base = web + "/_api/web/siteusers"
            let url: String
            if let id {
                url = base + "/GetById(\(id))"
            } else if let email = options.string(.email) {
                url = base + "/GetByEmail(\(pathLiteral(email)))"
            } else if let upn {
                url = base + "/GetByLoginName(\(pathLiteral(membershipClaim(upn))))"
            } else {
                url = base + "/GetByLoginName(\(pathLiteral(options.string(.loginName) ?? "")))"
            }
            try spo.invocation.emit(result: .object(try spo.get(url)))
        },

        command("user ensure", "Ensures that a user is available on a specific site",
                options: [webUrl, option(.entraId, nil, "Microsoft Entra object id of the user"),
                          option(.userName, nil, "User principal name of the user")],
                sets: [["entraId", "userName"]],
                examples: [("By user name", "m365 spo user ensure --webUrl https://contoso.sharepoint.com/sites/project-x --userName megan.bowen@contoso.com")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.entraId])
            let given = try options.upn(.userName)
            let web = try spo.webURL(options, .webUrl)
            let upn: String
            if let given { upn = given } else { upn = try spo.userPrincipalName(entraId: options.string(.entraId) ?? "") }
            try spo.invocation.emit(result: .object(try spo.ensureUser(web, logonName: upn)))
        },
    ]
}
