import GraphKit
import TextEncodings

/// App registrations and the service principals (enterprise apps) they become in a tenant.
enum AppDirectory {
    static let appSelector = [option(.appId, "i", "The application (client) ID"), option(.objectId, nil, "The object ID of the app registration"),
                              option(.name, "n", "The display name of the app registration")]
    static let permissionAppSelector = [option(.appId, "i", "The application (client) ID"), option(.appObjectId, nil, "The object ID of the app registration"),
                                        option(.appName, "n", "The display name of the app registration")]

    /// The object id of the app registration named by one of the options.
    static func appObjectId(_ graph: GraphClient, _ options: Options, appId: OptionKey<String> = .appId, objectId: OptionKey<String> = .objectId,
                            name: OptionKey<String> = .name) throws(PluginFailure) -> String {
        if let id = options.string(objectId) { return id }
        if let value = options.string(appId) {
            return try graph.findOne("/applications", where: "appId", is: value, noun: "app registration", select: "id")["id"]?.stringValue ?? ""
        }
        guard let value = options.string(name) else { throw usage("specify --\(appId.name), --\(objectId.name) or --\(name.name)") }
        return try graph.findOne("/applications", where: "displayName", is: value, noun: "app registration", select: "id")["id"]?.stringValue ?? ""
    }

    static let principalFields = "id,appId,displayName,oauth2PermissionScopes,appRoles"

    /// The service principal of a resource API named by URI (`https://graph.microsoft.com`),
    /// app id or display name; cached per run by the caller.
    static func resourcePrincipal(_ graph: GraphClient, _ resource: String) throws(PluginFailure) -> JSONObject {
        let aliases = ["microsoft graph": "https://graph.microsoft.com"]
        let filter: String
        if isGUID(resource) {
            filter = "appId eq \(OData.quote(resource))"
        } else if resource.hasPrefix("https://") || resource.hasPrefix("api://") || aliases[resource.lowercased()] != nil {
            let uri = aliases[resource.lowercased()] ?? resource
            // As the CLI: a name registered with a trailing slash matches too.
            filter = "servicePrincipalNames/any(s:s eq \(OData.quote(uri)) or s eq \(OData.quote(uri + "/")))"
        } else {
            filter = "displayName eq \(OData.quote(resource))"
        }
        let found = try graph.all("/servicePrincipals" + OData.query([("$filter", filter), ("$select", principalFields)]))
        guard let principal = found.first else { throw PluginFailure("Resource '\(resource)' not found in the tenant", status: M365_ERR_NOT_FOUND) }
        return principal
    }

    /// `resource/permission` pairs (`https://graph.microsoft.com/User.Read`) as Graph's
    /// `requiredResourceAccess`, merged into `existing`; permissions resolve on the resource's
    /// service principal, so a misspelt one fails before anything is written.
    static func requiredAccess(_ graph: GraphClient, delegated: [String], application: [String], into existing: [JSON] = [],
                               principals: inout [String: JSONObject]) throws(PluginFailure) -> [JSON] {
        var access: [(appId: String, entries: [JSON])] = existing.compactMap { entry in
            guard let appId = entry["resourceAppId"]?.stringValue else { return nil }
            return (appId, entry["resourceAccess"]?.arrayValue ?? [])
        }
        for (names, type) in [(delegated, "Scope"), (application, "Role")] {
            for name in names {
                guard let slash = name.lastIndex(of: "/"), slash != name.startIndex else {
                    throw usage("'\(name)' is not a permission: write it as <resource URI>/<permission>, e.g. https://graph.microsoft.com/User.Read")
                }
                let resource = String(name[..<slash]), value = String(name[name.index(after: slash)...])
                if principals[resource] == nil { principals[resource] = try resourcePrincipal(graph, resource) }
                let principal = principals[resource]!
                let list = principal[type == "Scope" ? "oauth2PermissionScopes" : "appRoles"]?.arrayValue ?? []
                guard let permission = list.first(where: { $0["value"]?.stringValue?.lowercased() == value.lowercased() }),
                      let id = permission["id"]?.stringValue else {
                    throw PluginFailure("Permission '\(value)' is not a \(type == "Scope" ? "delegated" : "application") permission of \(resource)", status: M365_ERR_NOT_FOUND)
                }
                let appId = principal["appId"]?.stringValue ?? ""
                let entry: JSON = ["id": .string(id), "type": .string(type)]
                if let index = access.firstIndex(where: { $0.appId == appId }) {
                    if !access[index].entries.contains(entry) { access[index].entries.append(entry) }
                } else {
                    access.append((appId, [entry]))
                }
            }
        }
        return access.map { ["resourceAppId": .string($0.appId), "resourceAccess": .array($0.entries)] }
    }

    /// Grants admin consent for `access`: delegated scopes as one tenant-wide grant per resource,
    /// application roles as app role assignments. Creates the app's service principal if needed.
    static func grantAdminConsent(_ graph: GraphClient, appId: String, access: [JSON], principals: [String: JSONObject]) throws(PluginFailure) {
        let existing = try graph.all("/servicePrincipals" + OData.query([("$filter", "appId eq \(OData.quote(appId))"), ("$select", "id")]))
        let clientId: String
        if let id = existing.first?["id"]?.stringValue {
            clientId = id
        } else {
            clientId = try graph.send("POST", "/servicePrincipals", body: ["appId": .string(appId)])?["id"]?.stringValue ?? ""
        }
        for entry in access {
            let resourceAppId = entry["resourceAppId"]?.stringValue ?? ""
            let known = principals.values.first { $0["appId"]?.stringValue == resourceAppId }
            let principal = if let known { known } else { try resourcePrincipal(graph, resourceAppId) }
            let resourceId = principal["id"]?.stringValue ?? ""
            let entries = entry["resourceAccess"]?.arrayValue ?? []
            let scopes = entries.filter { $0["type"]?.stringValue == "Scope" }.compactMap { item in
                principal["oauth2PermissionScopes"]?.arrayValue?.first { $0["id"] == item["id"] }?["value"]?.stringValue
            }
            if !scopes.isEmpty {
                try graph.send("POST", "/oauth2PermissionGrants", body: [
                    "clientId": .string(clientId), "consentType": "AllPrincipals", "principalId": nil,
                    "resourceId": .string(resourceId), "scope": .string(scopes.joined(separator: " ")),
                ])
            }
            for role in entries where role["type"]?.stringValue == "Role" {
                try graph.send("POST", "/servicePrincipals/\(clientId)/appRoleAssignments", body: [
                    "principalId": .string(clientId), "resourceId": .string(resourceId), "appRoleId": role["id"] ?? nil,
                ])
            }
        }
    }

    /// `keyCredentials` entry for a certificate file (PEM: its base64 body; anything else, such as
    /// a DER `.cer`: the file's bytes in base64, as the CLI sends them) or base64 DER text.
    static func keyCredential(_ options: Options) throws(PluginFailure) -> JSON? {
        var base64: String
        if let path = options.string(.certificateFile) {
            let bytes = try readLocalFile(path)
            let text = String(decoding: bytes, as: UTF8.self)
            if let begin = text.range(of: "-----BEGIN CERTIFICATE-----"), let end = text.range(of: "-----END CERTIFICATE-----"), begin.upperBound <= end.lowerBound {
                base64 = String(text[begin.upperBound..<end.lowerBound]).filter { !$0.isWhitespace }
            } else {
                base64 = Base64.encode(bytes)
            }
        } else if let text = options.string(.certificateBase64Encoded) {
            base64 = text.filter { !$0.isWhitespace }
        } else {
            return nil
        }
        guard !base64.isEmpty else { throw usage("the certificate is empty") }
        return ["type": "AsymmetricX509Cert", "usage": "Verify", "key": .string(base64),
                "displayName": .string(options.string(.certificateDisplayName) ?? "m365 certificate")]
    }

    /// Redirect URIs in the shape of a platform (`web`, `spa`, `publicClient`).
    static func platformBody(_ platform: String, uris: [String]) -> JSONObject {
        let key = ["apple": "publicClient", "android": "publicClient"][platform] ?? platform
        return [key: ["redirectUris": .array(uris.map { .string($0) })]]
    }
}

/// Permissions separated by spaces or commas.
func words(_ text: String?) -> [String] {
    (text ?? "").split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
}

/// `aad app …`: app registrations.
enum AppCommands {
    static let platforms = ["spa", "web", "publicClient", "apple", "android"]

    static let all: [PluginCommand] = [
        command("app list", "Lists app registrations", options: [propertiesOption], defaults: ["appId", "id", "displayName", "signInAudience"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try graph.list("/applications" + OData.query([("$select", graph.select(options)), ("$top", "999")]))
        },

        command("app get", "Gets an app registration", options: AppDirectory.appSelector + [propertiesOption],
                sets: [["appId", "objectId", "name"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try AppDirectory.appObjectId(graph, options)
            try graph.invocation.emit(result: .object(try graph.get("/applications/\(id)" + OData.query([("$select", graph.select(options))]))))
        },

        command("app add", "Creates an app registration, optionally with a secret, a certificate, API permissions and admin consent; other --property value options are set on the app",
                options: [
                    option(.name, "n", "The display name", required: true), flag(.multitenant, nil, "Sign in users of any organization"),
                    option(.redirectUris, "r", "Comma-separated redirect URIs (with --platform)"),
                    option(.platform, "p", "The platform of the redirect URIs", allowed: platforms),
                    flag(.implicitFlow, nil, "Issue access and ID tokens through the implicit flow (web)"),
                    flag(.withSecret, "s", "Add a client secret (valid for a year) and print it"),
                    option(.apisDelegated, nil, "Comma-separated delegated permissions, e.g. https://graph.microsoft.com/User.Read"),
                    option(.apisApplication, nil, "Comma-separated application permissions, e.g. https://graph.microsoft.com/User.Read.All"),
                    option(.uri, "u", "The application ID URI; _appId_ stands for the new app's id, e.g. api://_appId_"),
                    option(.certificateFile, nil, "A PEM certificate whose public key signs the app's assertions"),
                    option(.certificateBase64Encoded, nil, "The certificate as base64 DER"),
                    option(.certificateDisplayName, nil, "The certificate's display name"),
                    flag(.grantAdminConsent, nil, "Grant admin consent for the requested permissions"),
                    flag(.allowPublicClientFlows, nil, "Allow device code and password sign-in"),
                ],
                unknownOptions: true, defaults: ["appId", "objectId", "tenantId"],
                examples: [("An app with a secret that reads users", "m365 entra app add --name 'My daemon' --withSecret --apisApplication https://graph.microsoft.com/User.Read.All --grantAdminConsent")]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            if options.has(.redirectUris) != options.has(.platform) { throw usage("--redirectUris and --platform go together") }
            if options.has(.certificateFile) && options.has(.certificateBase64Encoded) { throw usage("specify either --certificateFile or --certificateBase64Encoded") }
            if options.bool(.grantAdminConsent) && !options.has(.apisDelegated) && !options.has(.apisApplication) {
                throw usage("--grantAdminConsent needs --apisDelegated or --apisApplication")
            }
            var principals: [String: JSONObject] = [:]
            let access = try AppDirectory.requiredAccess(graph, delegated: options.list(.apisDelegated) ?? [],
                                                         application: options.list(.apisApplication) ?? [], principals: &principals)
            let key = try AppDirectory.keyCredential(options)
            var body: JSONObject = [
                "displayName": .string(options.string(.name) ?? ""),
                "signInAudience": options.bool(.multitenant) ? "AzureADMultipleOrgs" : "AzureADMyOrg",
            ]
            if let platform = options.string(.platform) {
                body = body.adding(AppDirectory.platformBody(platform, uris: options.list(.redirectUris) ?? []))
            }
            // As the CLI: the implicit flow is a web setting, whatever the platform of the redirect URIs.
            if options.bool(.implicitFlow) {
                var web = body["web"]?.objectValue ?? [:]
                web["implicitGrantSettings"] = ["enableAccessTokenIssuance": true, "enableIdTokenIssuance": true]
                body["web"] = .object(web)
            }
            if !access.isEmpty { body["requiredResourceAccess"] = .array(access) }
            for (name, value) in options.unknown { body[name] = .string(value) }
            if let key { body["keyCredentials"] = [key] }
            if options.bool(.allowPublicClientFlows) { body["isFallbackPublicClient"] = true }
            guard let app = try graph.send("POST", "/applications", body: .object(body))?.objectValue,
                  let objectId = app["id"]?.stringValue, let appId = app["appId"]?.stringValue else {
                throw PluginFailure("Microsoft Graph did not return the new app registration", status: M365_ERR_SERVER)
            }
            // As the CLI: the application ID URI is set once the app exists, `_appId_` standing for its app id.
            if let uri = options.string(.uri) {
                try graph.send("PATCH", "/applications/\(objectId)", body: ["identifierUris": [.string(uri.replacing("_appId_", with: appId))]])
            }
            var result: JSONObject = ["appId": .string(appId), "objectId": .string(objectId),
                                      "tenantId": JSON(graph.invocation.setting("connection.tenantId"))]
            if options.bool(.withSecret) {
                let secret = try graph.send("POST", "/applications/\(objectId)/addPassword",
                                            body: ["passwordCredential": ["displayName": "Default", "endDateTime": .string(isoTimestamp(secondsFromNow: 365 * 86400))]])
                result["secrets"] = [["displayName": secret?["displayName"] ?? "Default", "value": secret?["secretText"] ?? nil]]
            }
            if options.bool(.grantAdminConsent) {
                try AppDirectory.grantAdminConsent(graph, appId: appId, access: access, principals: principals)
            }
            try graph.invocation.emit(result: .object(result))
        },

        command("app set", "Updates an app registration; other --property value options are set on the app (nothing given: nothing changes)",
                options: AppDirectory.appSelector + [
                    option(.uris, "u", "Comma-separated application ID URIs"),
                    option(.redirectUris, "r", "Comma-separated redirect URIs to add (with --platform)"),
                    option(.platform, nil, "The platform of the redirect URIs", allowed: platforms),
                    option(.redirectUrisToRemove, nil, "Comma-separated redirect URIs to remove"),
                    option(.certificateFile, nil, "A PEM certificate to add"), option(.certificateBase64Encoded, nil, "A base64 DER certificate to add"),
                    option(.certificateDisplayName, nil, "The certificate's display name"),
                    option(.allowPublicClientFlows, nil, "Allow device code and password sign-in"),
                ], sets: [["appId", "objectId", "name"]], unknownOptions: true) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            if options.has(.redirectUris) != options.has(.platform) { throw usage("--redirectUris and --platform go together") }
            let key = try AppDirectory.keyCredential(options)
            let id = try AppDirectory.appObjectId(graph, options)
            let current = try graph.get("/applications/\(id)?$select=web,spa,publicClient,keyCredentials")
            var body = JSONObject()
            if let uris = options.list(.uris) { body["identifierUris"] = .array(uris.map { .string($0) }) }
            if let enabled = options.optionalBool(.allowPublicClientFlows) { body["isFallbackPublicClient"] = .bool(enabled) }
            for (name, value) in options.unknown { body[name] = .string(value) }
            let remove = Set(options.list(.redirectUrisToRemove) ?? [])
            for section in ["web", "spa", "publicClient"] {
                let existing = current[section]?["redirectUris"]?.arrayValue?.compactMap(\.stringValue) ?? []
                var uris = existing.filter { !remove.contains($0) }
                if let platform = options.string(.platform), (["apple": "publicClient", "android": "publicClient"][platform] ?? platform) == section {
                    uris += (options.list(.redirectUris) ?? []).filter { !uris.contains($0) }
                }
                if uris != existing { body[section] = ["redirectUris": .array(uris.map { .string($0) })] }
            }
            if let key {
                // Graph replaces the whole collection: keep the existing certificates' ids.
                let kept: [JSON] = (current["keyCredentials"]?.arrayValue ?? []).compactMap { credential in
                    guard let keyId = credential["keyId"] else { return nil }
                    return ["keyId": keyId, "type": credential["type"] ?? "AsymmetricX509Cert", "usage": credential["usage"] ?? "Verify"]
                }
                body["keyCredentials"] = .array(kept + [key])
            }
            if !body.isEmpty { try graph.send("PATCH", "/applications/\(id)", body: .object(body)) }
        },

        command("app remove", "Removes an app registration", options: AppDirectory.appSelector + [forceOption],
                sets: [["appId", "objectId", "name"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try AppDirectory.appObjectId(graph, options)
            guard try graph.invocation.confirmedRemoval(options, "the app registration '\(options.string(.name) ?? options.string(.appId) ?? id)'") else { return }
            try graph.send("DELETE", "/applications/\(id)")
        },

        command("app permission add", "Adds API permissions to an app registration",
                options: AppDirectory.permissionAppSelector + [
                    option(.applicationPermissions, "a", "Space-separated application permissions (<resource URI>/<permission>)"),
                    option(.delegatedPermissions, "d", "Space-separated delegated permissions (<resource URI>/<permission>)"),
                    flag(.grantAdminConsent, nil, "Grant admin consent for the added permissions"),
                ], sets: [["appId", "appObjectId", "appName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            guard options.has(.applicationPermissions) || options.has(.delegatedPermissions) else {
                throw usage("specify --applicationPermissions or --delegatedPermissions")
            }
            let id = try AppDirectory.appObjectId(graph, options, objectId: .appObjectId, name: .appName)
            let app = try graph.get("/applications/\(id)?$select=appId,requiredResourceAccess")
            var principals: [String: JSONObject] = [:]
            let delegated = words(options.string(.delegatedPermissions)), application = words(options.string(.applicationPermissions))
            let access = try AppDirectory.requiredAccess(graph, delegated: delegated, application: application,
                                                         into: app["requiredResourceAccess"]?.arrayValue ?? [], principals: &principals)
            try graph.send("PATCH", "/applications/\(id)", body: ["requiredResourceAccess": .array(access)])
            if options.bool(.grantAdminConsent) {
                let added = try AppDirectory.requiredAccess(graph, delegated: delegated, application: application, principals: &principals)
                try AppDirectory.grantAdminConsent(graph, appId: app["appId"]?.stringValue ?? "", access: added, principals: principals)
            }
        },

        command("app permission list", "Lists the API permissions an app registration requests",
                options: AppDirectory.permissionAppSelector + [option(.type, nil, "Which permissions", allowed: ["delegated", "application", "all"], defaultValue: "all")],
                sets: [["appId", "appObjectId", "appName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try AppDirectory.appObjectId(graph, options, objectId: .appObjectId, name: .appName)
            let app = try graph.get("/applications/\(id)?$select=requiredResourceAccess")
            let wanted = options.string(.type)?.lowercased() ?? "all"
            var count = 0
            for entry in app["requiredResourceAccess"]?.arrayValue ?? [] {
                // As the CLI: a resource without a service principal in the tenant is named by its app id, its permissions by id.
                let resourceAppId = entry["resourceAppId"]?.stringValue ?? ""
                let principal = try graph.all("/servicePrincipals" + OData.query([("$filter", "appId eq \(OData.quote(resourceAppId))"),
                                                                                  ("$select", AppDirectory.principalFields)])).first
                for access in entry["resourceAccess"]?.arrayValue ?? [] {
                    let delegated = access["type"]?.stringValue == "Scope"
                    if wanted == "delegated" && !delegated || wanted == "application" && delegated { continue }
                    let list = principal?[delegated ? "oauth2PermissionScopes" : "appRoles"]?.arrayValue ?? []
                    let name = list.first { $0["id"] == access["id"] }?["value"]?.stringValue ?? access["id"]?.stringValue ?? ""
                    try graph.invocation.emit(item: ["resource": principal?["displayName"] ?? .string(resourceAppId), "resourceId": .string(resourceAppId),
                                                     "permission": .string(name), "type": delegated ? "Delegated" : "Application"])
                    count += 1
                }
            }
            if count == 0 { try graph.invocation.emit(result: []) }
        },

        command("app role add", "Adds an app role to an app registration",
                options: [option(.appId, nil, "The application (client) ID"), option(.appObjectId, nil, "The object ID of the app registration"),
                          option(.appName, nil, "The display name of the app registration"),
                    option(.name, "n", "The display name of the role", required: true), option(.description, "d", "The description of the role", required: true),
                    option(.allowedMembers, "m", "Who can be assigned the role", required: true, allowed: ["usersGroups", "applications", "both"]),
                    option(.claim, "c", "The value in the roles claim", required: true),
                ], sets: [["appId", "appObjectId", "appName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let claim = options.string(.claim) ?? ""
            if claim.count > 120 { throw usage("Claim must not be longer than 120 characters") }
            if claim.hasPrefix(".") { throw usage("Claim must not begin with .") }
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:!#$%&'()*+,-./;<=>?@[]^`{|}~")
            guard claim.allSatisfy({ allowed.contains($0) }) else {
                throw usage("Claim can contain only the following characters a-z, A-Z, 0-9, :!#$%&'()*+,-./:;<=>?@[]^+_`{|}~]+")
            }
            let id = try AppDirectory.appObjectId(graph, options, objectId: .appObjectId, name: .appName)
            let app = try graph.get("/applications/\(id)?$select=appRoles")
            var roles = app["appRoles"]?.arrayValue ?? []
            let members: [JSON] = ["usersGroups": ["User"], "applications": ["Application"], "both": ["User", "Application"]][options.string(.allowedMembers) ?? ""] ?? []
            roles.append(["allowedMemberTypes": .array(members), "description": .string(options.string(.description) ?? ""),
                          "displayName": .string(options.string(.name) ?? ""), "id": .string(newGUID()), "isEnabled": true, "value": .string(claim)])
            try graph.send("PATCH", "/applications/\(id)", body: ["appRoles": .array(roles)])
        },

        command("app role list", "Lists the app roles of an app registration", options: AppDirectory.permissionAppSelector,
                sets: [["appId", "appObjectId", "appName"]], defaults: ["displayName", "description", "id"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try AppDirectory.appObjectId(graph, options, objectId: .appObjectId, name: .appName)
            let roles = try graph.get("/applications/\(id)?$select=appRoles")["appRoles"]?.arrayValue ?? []
            if roles.isEmpty { try graph.invocation.emit(result: []) }
            for role in roles { try graph.invocation.emit(item: role) }
        },
    ]
}

/// `aad enterpriseapp …` (alias `sp …`), `oauth2grant …` and `approleassignment …`.
enum EnterpriseAppCommands {
    static let selector = [option(.id, "i", "The application (client) ID"), option(.displayName, "n", "The display name"),
                           option(.objectId, nil, "The object ID of the service principal")]
    static let appSelector = [option(.appId, "i", "The application (client) ID"), option(.appObjectId, nil, "The object ID of the service principal"),
                              option(.appDisplayName, "n", "The display name of the service principal")]

    /// The object id of the service principal named by app id, display name or object id.
    static func principalId(_ graph: GraphClient, _ options: Options, appId: OptionKey<String>, name: OptionKey<String>, objectId: OptionKey<String>) throws(PluginFailure) -> String {
        if let id = options.string(objectId) { return id }
        if let value = options.string(appId) {
            return try graph.findOne("/servicePrincipals", where: "appId", is: value, noun: "enterprise application", select: "id")["id"]?.stringValue ?? ""
        }
        guard let value = options.string(name) else { throw usage("specify --\(appId.name), --\(name.name) or --\(objectId.name)") }
        return try graph.findOne("/servicePrincipals", where: "displayName", is: value, noun: "enterprise application", select: "id")["id"]?.stringValue ?? ""
    }

    static func aliases(_ words: String) -> [String] { ["sp " + words] }

    static let all: [PluginCommand] = [
        command("enterpriseapp list", "Lists enterprise applications (service principals)", aliases: aliases("list"),
                options: [option(.displayName, "n", "Only those with this display name"), option(.tag, nil, "Only those with this tag"), propertiesOption],
                defaults: ["appId", "displayName", "tag"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            var terms: [String] = []
            if let v = options.string(.displayName) { terms.append("displayName eq \(OData.quote(v))") }
            if let v = options.string(.tag) { terms.append("tags/any(t:t eq \(OData.quote(v)))") }
            try graph.list("/servicePrincipals" + OData.query([("$select", graph.select(options)),
                                                               ("$filter", terms.isEmpty ? nil : terms.joined(separator: " and ")), ("$top", "999")]))
        },

        command("enterpriseapp get", "Gets an enterprise application", aliases: aliases("get"), options: selector + [propertiesOption],
                sets: [["id", "displayName", "objectId"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try principalId(graph, options, appId: .id, name: .displayName, objectId: .objectId)
            try graph.invocation.emit(result: .object(try graph.get("/servicePrincipals/\(id)" + OData.query([("$select", graph.select(options))]))))
        },

        command("enterpriseapp add", "Creates the enterprise application of an app registration", aliases: aliases("add"),
                options: [option(.id, "i", "The application (client) ID"), option(.displayName, "n", "The display name of the app registration"),
                          option(.objectId, nil, "The object ID of the app registration"),
                          option(.appId, nil, "The application (client) ID (an addition of this m365; the CLI's name is --id)"),
                          option(.appName, nil, "The display name of the app registration (an addition of this m365; the CLI's name is --displayName)")],
                sets: [["id", "displayName", "objectId", "appId", "appName"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.id, .objectId])
            var appId = options.string(.id) ?? options.string(.appId)
            if appId == nil {
                let name: OptionKey<String> = options.has(.appName) ? .appName : .displayName
                let objectId = try AppDirectory.appObjectId(graph, options, appId: .appId, objectId: .objectId, name: name)
                appId = try graph.get("/applications/\(objectId)?$select=appId")["appId"]?.stringValue
            }
            try graph.invocation.emit(result: try graph.send("POST", "/servicePrincipals", body: ["appId": JSON(appId)]) ?? .null)
        },

        command("enterpriseapp remove", "Removes an enterprise application", aliases: aliases("remove"), options: selector + [forceOption],
                sets: [["id", "displayName", "objectId"]]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try principalId(graph, options, appId: .id, name: .displayName, objectId: .objectId)
            guard try graph.invocation.confirmedRemoval(options, "the enterprise application '\(options.string(.displayName) ?? options.string(.id) ?? id)'") else { return }
            try graph.send("DELETE", "/servicePrincipals/\(id)")
        },

        command("oauth2grant list", "Lists the delegated permissions granted to a service principal",
                options: [option(.spObjectId, "i", "The object ID of the service principal (client)", required: true)],
                defaults: ["id", "resourceId", "scope"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.spObjectId])
            try graph.list("/oauth2PermissionGrants" + OData.query([("$filter", "clientId eq \(OData.quote(options.string(.spObjectId) ?? ""))")]))
        },

        command("oauth2grant add", "Grants delegated permissions to a service principal for every user",
                options: [option(.clientId, "i", "The object ID of the client service principal", required: true),
                          option(.resourceId, "r", "The object ID of the resource service principal", required: true),
                          option(.scope, "s", "Space-separated permissions, e.g. 'User.Read Mail.Send'", required: true)]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.clientId, .resourceId])
            try graph.send("POST", "/oauth2PermissionGrants", body: [
                "clientId": JSON(options.string(.clientId)), "consentType": "AllPrincipals", "principalId": nil,
                "resourceId": JSON(options.string(.resourceId)), "scope": JSON(options.string(.scope)),
            ])
        },

        command("oauth2grant remove", "Removes a delegated permission grant",
                options: [option(.grantId, "i", "The ID of the grant", required: true), forceOption]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = options.string(.grantId) ?? ""
            guard try graph.invocation.confirmedRemoval(options, "the OAuth2 permission grant '\(id)'") else { return }
            try graph.send("DELETE", "/oauth2PermissionGrants/\(OData.segment(id))")
        },

        command("approleassignment list", "Lists the application permissions granted to a service principal",
                options: appSelector, sets: [["appId", "appObjectId", "appDisplayName"]],
                defaults: ["resourceDisplayName", "roleName"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try principalId(graph, options, appId: .appId, name: .appDisplayName, objectId: .appObjectId)
            var resources: [String: JSONObject] = [:]
            var count = 0
            try graph.forEachItem("/servicePrincipals/\(id)/appRoleAssignments") { assignment throws(PluginFailure) in
                let resourceId = assignment["resourceId"]?.stringValue ?? ""
                if resources[resourceId] == nil { resources[resourceId] = try graph.get("/servicePrincipals/\(resourceId)?$select=id,displayName,appRoles") }
                // As the CLI: an assignment whose role the resource no longer has is left out.
                guard let role = resources[resourceId]?["appRoles"]?.arrayValue?.first(where: { $0["id"] == assignment["appRoleId"] }) else { return }
                try graph.invocation.emit(item: [
                    "appRoleId": assignment["appRoleId"] ?? nil, "resourceDisplayName": assignment["resourceDisplayName"] ?? nil,
                    "resourceId": .string(resourceId), "roleId": role["id"] ?? nil, "roleName": role["value"] ?? nil,
                    "created": assignment["createdDateTime"] ?? nil, "deleted": assignment["deletedDateTime"] ?? nil,
                ])
                count += 1
            }
            // As the CLI: a service principal named by its object id with no assignments is an error.
            if count == 0 && options.has(.appObjectId) { throw PluginFailure("no app role assignments found") }
            if count == 0 { try graph.invocation.emit(result: []) }
        },

        command("approleassignment add", "Grants application permissions of a resource to a service principal",
                options: appSelector + [option(.resource, "r", "The resource: the start of its display name (SharePoint, Intune and Exchange name Microsoft's APIs), or its app ID or object ID", required: true),
                                        option(.scopes, "s", "Comma-separated permissions, e.g. Sites.Read.All", required: true)],
                sets: [["appId", "appObjectId", "appDisplayName"]], defaults: ["objectId", "principalDisplayName", "resourceDisplayName"]) { (graph: GraphClient, options: Options) throws(PluginFailure) in
            let id = try principalId(graph, options, appId: .appId, name: .appDisplayName, objectId: .appObjectId)
            // As the CLI: the portal's names for Microsoft's APIs, then every service principal whose name
            // is or starts with the value (or whose app id or id it is); the first role with the value wins.
            let given = options.string(.resource) ?? ""
            let names = ["sharepoint": "Office 365 SharePoint Online", "intune": "Microsoft Intune API", "exchange": "Office 365 Exchange Online"]
            let resource = names[given.lowercased()] ?? given
            var filter = "(displayName eq \(OData.quote(resource)) or startswith(displayName,\(OData.quote(resource))))"
            if isGUID(resource) { filter += " or appId eq \(OData.quote(resource)) or id eq \(OData.quote(resource))" }
            let found = try graph.all("/servicePrincipals" + OData.query([("$filter", filter), ("$select", "id,appRoles")]))
            let roles: [(resourceId: JSON, role: JSON)] = found.flatMap { principal in
                (principal["appRoles"]?.arrayValue ?? []).map { (principal["id"] ?? nil, $0) }
            }
            guard !roles.isEmpty else {
                throw PluginFailure("The resource '\(given)' does not have any application permissions available.", status: M365_ERR_NOT_FOUND)
            }
            var assignments: [(resourceId: JSON, roleId: JSON)] = []
            for scope in options.list(.scopes) ?? [] {
                guard let match = roles.first(where: { $0.role["value"]?.stringValue?.lowercased() == scope.lowercased() }) else {
                    let available = roles.compactMap { $0.role["value"]?.stringValue }.joined(separator: ", ")
                    throw PluginFailure("The scope value '\(scope)' you have specified does not exist for \(given). Available scopes (application permissions) are: \(available)",
                                        status: M365_ERR_NOT_FOUND)
                }
                assignments.append((match.resourceId, match.role["id"] ?? nil))
            }
            // As the CLI: JSON output has the created assignments; other outputs a summary of each.
            let json = graph.invocation.outputMode == "json"
            for assignment in assignments {
                let created = try graph.send("POST", "/servicePrincipals/\(id)/appRoleAssignments",
                                             body: ["appRoleId": assignment.roleId, "principalId": .string(id), "resourceId": assignment.resourceId])
                try graph.invocation.emit(item: json ? created ?? .null : [
                    "objectId": created?["id"] ?? nil, "principalDisplayName": created?["principalDisplayName"] ?? nil,
                    "resourceDisplayName": created?["resourceDisplayName"] ?? nil,
                ])
            }
        },
    ]
}
