import Foundation
import JSONModel

/// Builds a tenant's Graph directory from its seed. Every id not in the seed is name-based, so
/// permission ids, grants and assignments are the same on every run.
enum DirectorySeeder {
    static let seedTime = "2020-01-01T00:00:00Z"
    /// The tenant that owns Microsoft's first-party apps (Graph, SharePoint Online).
    static let microsoftServicesTenant = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"

    static func scopeId(_ appId: String, _ value: String) -> String { Util.nameGUID("scope/\(appId.lowercased())/\(value)") }
    static func appRoleId(_ appId: String, _ value: String) -> String { Util.nameGUID("approle/\(appId.lowercased())/\(value)") }

    static func build(_ t: SeedTenant, certificates apps: [String: Application]) -> TenantData {
        let initial = t.domains.first(where: { $0.hasSuffix(".onmicrosoft.com") }) ?? t.domains.first ?? t.id
        let d = TenantData(tenantId: t.id, domains: t.domains, initialDomain: initial)

        for u in t.users { d.insert(.users, user(u)) }
        func userId(_ idOrUPN: String) -> String? { d.user(idOrUPN: idOrUPN)?["id"]?.stringValue }
        for u in t.users {
            if let m = u.manager, let mid = userId(m) { d.manager[u.id] = mid }
        }

        for g in t.groups ?? [] {
            d.insert(.groups, group(g, domain: initial))
            d.members[g.id] = (g.members ?? []).compactMap(userId)
            d.owners[g.id] = (g.owners ?? []).compactMap(userId)
        }

        // Service principals first: applications' requiredResourceAccess needs their permission ids.
        let tenantAppIds = Set((t.applications ?? []).map { $0.appId.lowercased() })
        for sp in t.servicePrincipals ?? [] {
            d.insert(.servicePrincipals, servicePrincipal(sp, tenantId: t.id, firstParty: !tenantAppIds.contains(sp.appId.lowercased()),
                                                          app: (t.applications ?? []).first { $0.appId.lowercased() == sp.appId.lowercased() }))
        }
        for mi in t.managedIdentities ?? [] {
            d.insert(.servicePrincipals, [
                "id": .string(mi.principalId), "accountEnabled": true, "alternativeNames": JSON(mi.resourceId.map { ["isExplicit=\(mi.type == "UserAssigned")", $0] } ?? []),
                "appDisplayName": nil, "appId": .string(mi.clientId), "appOwnerOrganizationId": nil, "appRoleAssignmentRequired": false,
                "displayName": .string(mi.displayName), "servicePrincipalNames": JSON([mi.clientId] + (mi.resourceId.map { ["https://identity.azure.net/\($0)"] } ?? [])),
                "servicePrincipalType": "ManagedIdentity", "signInAudience": nil, "tags": [],
            ])
        }
        let spByAppId = Dictionary(d.table(.servicePrincipals).items.compactMap { sp in
            sp["appId"]?.stringValue.map { ($0.lowercased(), sp) }
        }, uniquingKeysWith: { a, _ in a })

        for a in t.applications ?? [] {
            d.insert(.applications, application(a, domain: initial, spByAppId: spByAppId, certificates: apps[a.appId.lowercased()]?.certificates ?? []))
        }

        // Consent: the seed's granted scopes become AllPrincipals grants, its roles app role assignments.
        for a in t.applications ?? [] {
            guard let client = spByAppId[a.appId.lowercased()] else { continue }
            for rra in a.requiredResourceAccess ?? [] {
                guard let resource = spByAppId[rra.resourceAppId.lowercased()] else { continue }
                if let scopes = rra.scopes, !scopes.isEmpty {
                    d.insert(.oauth2PermissionGrants, grant(client: client, resource: resource, scope: scopes.joined(separator: " ")))
                }
                for role in rra.roles ?? [] {
                    if let a = assignment(principal: client, principalType: "ServicePrincipal", resource: resource, role: role) {
                        d.insert(.appRoleAssignments, a)
                    }
                }
            }
        }
        for mi in t.managedIdentities ?? [] {
            guard let principal = d.get(.servicePrincipals, mi.principalId) else { continue }
            for rra in mi.roles ?? [] {
                guard let resource = spByAppId[rra.resourceAppId.lowercased()] else { continue }
                for role in rra.roles ?? [] {
                    if let a = assignment(principal: principal, principalType: "ServicePrincipal", resource: resource, role: role) {
                        d.insert(.appRoleAssignments, a)
                    }
                }
            }
        }

        for sku in skus(tenantId: t.id) { d.insert(.subscribedSkus, sku) }
        for def in roleDefinitions { d.insert(.roleDefinitions, def) }
        // Directory roles are "activated" for the templates seed users hold.
        for u in t.users {
            for template in u.directoryRoles ?? [] {
                let roleId = activateRole(template, in: d)
                if !(d.members[roleId] ?? []).contains(u.id) { d.members[roleId, default: []].append(u.id) }
                d.insert(.roleAssignments, roleAssignment(id: Util.opaqueId("roleassignment/\(t.id)/\(u.id)/\(template)"),
                                                          definition: template, principal: u.id, scope: "/"))
            }
        }
        GraphWorkloads.seed(d, t)
        TeamsMail.seed(d, t)
        return d
    }

    // MARK: Entities

    static func user(_ u: SeedUser) -> JSONObject {
        let nickname = String(u.userPrincipalName.split(separator: "@").first ?? "")
        var o: JSONObject = [
            "id": .string(u.id), "businessPhones": [], "displayName": .string(u.displayName), "givenName": JSON(u.givenName),
            "jobTitle": JSON(u.jobTitle), "mail": JSON(u.mail), "surname": JSON(u.surname), "userPrincipalName": .string(u.userPrincipalName),
            "accountEnabled": .bool(u.accountEnabled ?? true), "createdDateTime": .string(seedTime), "department": JSON(u.department),
            "mailNickname": .string(nickname), "proxyAddresses": JSON(u.mail.map { ["SMTP:" + $0] } ?? []),
            "usageLocation": JSON(u.usageLocation), "userType": "Member", "assignedLicenses": [],
            "preferredLanguage": "en-US", "creationType": nil,
        ]
        // Sparse storage: drop nulls (projection prints them as null).
        for (k, v) in o where v.isNull { o[k] = nil }
        return o
    }

    static func group(_ g: SeedGroup, domain: String) -> JSONObject {
        let unified = (g.groupTypes ?? []).contains("Unified")
        let nickname = g.mailNickname ?? g.displayName.replacingOccurrences(of: " ", with: "")
        let mailEnabled = g.mailEnabled ?? unified
        var o: JSONObject = [
            "id": .string(g.id), "createdDateTime": .string(seedTime), "creationOptions": [], "description": JSON(g.description),
            "displayName": .string(g.displayName), "groupTypes": JSON(g.groupTypes ?? []),
            "mail": mailEnabled ? .string("\(nickname)@\(domain)") : .null, "mailEnabled": .bool(mailEnabled),
            "mailNickname": .string(nickname), "proxyAddresses": JSON(mailEnabled ? ["SMTP:\(nickname)@\(domain)"] : []),
            "renewedDateTime": .string(seedTime), "resourceBehaviorOptions": [], "resourceProvisioningOptions": [],
            "securityEnabled": .bool(g.securityEnabled ?? !unified), "securityIdentifier": .string(securityIdentifier(g.id)),
            "visibility": unified ? "Public" : .null,
        ]
        for (k, v) in o where v.isNull { o[k] = nil }
        if unified { for (k, v) in GraphGroups.exchangeDefaults { o[k] = v } }
        return o
    }

    /// `S-1-12-1-…`: the object id's four 32-bit little-endian words, as Entra derives it.
    static func securityIdentifier(_ id: String) -> String {
        guard let u = UUID(uuidString: id) else { return "S-1-12-1-0-0-0-0" }
        let b = withUnsafeBytes(of: u.uuid) { Array($0) }
        var words: [UInt32] = []
        for i in stride(from: 0, to: 16, by: 4) {
            var w = UInt32(b[i + 3])
            w = w << 8 | UInt32(b[i + 2])
            w = w << 8 | UInt32(b[i + 1])
            w = w << 8 | UInt32(b[i])
            words.append(w)
        }
        return "S-1-12-1-" + words.map(String.init).joined(separator: "-")
    }

    static func servicePrincipal(_ sp: SeedServicePrincipal, tenantId: String, firstParty: Bool, app: SeedApplication?) -> JSONObject {
        let scopes: [JSON] = (sp.publishedScopes ?? []).map { v in
            let admin = v.hasSuffix(".All") || v.hasPrefix("Directory.") || v.hasPrefix("RoleManagement.")
            return ["adminConsentDescription": .string("Allows the app to \(v) on behalf of the signed-in user."),
                    "adminConsentDisplayName": .string(v), "id": .string(scopeId(sp.appId, v)), "isEnabled": true,
                    "type": .string(admin ? "Admin" : "User"), "userConsentDescription": .string("Allows the app to \(v) on your behalf."),
                    "userConsentDisplayName": .string(v), "value": .string(v)]
        }
        return [
            "id": .string(sp.id), "accountEnabled": true, "alternativeNames": [], "appDisplayName": .string(sp.displayName),
            "appId": .string(sp.appId), "appOwnerOrganizationId": .string(firstParty ? microsoftServicesTenant : tenantId),
            "appRoleAssignmentRequired": false, "createdDateTime": .string(seedTime), "displayName": .string(sp.displayName),
            "notificationEmailAddresses": [], "replyUrls": [],
            "servicePrincipalNames": JSON(sp.servicePrincipalNames ?? ([sp.appId] + (app?.identifierUris ?? []))),
            "servicePrincipalType": .string(sp.servicePrincipalType ?? "Application"),
            "signInAudience": .string(firstParty ? "AzureADMultipleOrgs" : (app?.signInAudience ?? "AzureADMyOrg")),
            "tags": firstParty ? [] : ["WindowsAzureActiveDirectoryIntegratedApp"],
            "appRoles": .array((sp.appRoles ?? []).map { appRole(appId: sp.appId, value: $0) }),
            "keyCredentials": [], "oauth2PermissionScopes": .array(scopes), "passwordCredentials": [],
        ]
    }

    static func appRole(appId: String, value: String) -> JSON {
        ["allowedMemberTypes": ["Application"], "description": .string("Allows the app to \(value) without a signed-in user."),
         "displayName": .string(value), "id": .string(appRoleId(appId, value)), "isEnabled": true, "origin": "Application",
         "value": .string(value)]
    }

    static func application(_ a: SeedApplication, domain: String, spByAppId: [String: JSONObject], certificates: [AppCertificate]) -> JSONObject {
        let rra: [JSON] = (a.requiredResourceAccess ?? []).map { r in
            let sp = spByAppId[r.resourceAppId.lowercased()]
            func id(_ list: String, _ value: String) -> String {
                let found = sp?[list]?.arrayValue?.first { $0["value"]?.stringValue == value }?["id"]?.stringValue
                return found ?? (list == "appRoles" ? appRoleId(r.resourceAppId, value) : scopeId(r.resourceAppId, value))
            }
            var access: [JSON] = []
            for v in r.scopes ?? [] { access.append(["id": .string(id("oauth2PermissionScopes", v)), "type": "Scope"]) }
            for v in r.roles ?? [] { access.append(["id": .string(id("appRoles", v)), "type": "Role"]) }
            return ["resourceAppId": .string(r.resourceAppId), "resourceAccess": .array(access)]
        }
        let passwords: [JSON] = (a.secrets ?? []).map { s in
            ["customKeyIdentifier": nil, "displayName": JSON(s.displayName), "endDateTime": .string(s.endDateTime ?? "2299-12-31T00:00:00Z"),
             "hint": .string(String(s.value.prefix(3))), "keyId": .string(s.keyId ?? Util.nameGUID("secret/\(a.appId)/\(s.value)")),
             "secretText": nil, "startDateTime": .string(seedTime)]
        }
        let keys: [JSON] = certificates.map { c in
            ["customKeyIdentifier": .string(c.sha1Thumbprint.map { String(format: "%02X", $0) }.joined()),
             "displayName": JSON((a.certificates ?? []).first { $0.keyId == c.keyId }?.displayName),
             "endDateTime": .string(Util.iso8601(c.notAfter)), "key": nil, "keyId": .string(c.keyId),
             "startDateTime": .string(seedTime), "type": "AsymmetricX509Cert", "usage": "Verify"]
        }
        let publicClient = a.isPublicClient ?? false
        return [
            "id": .string(a.id), "appId": .string(a.appId), "createdDateTime": .string(seedTime), "displayName": .string(a.displayName),
            "identifierUris": JSON(a.identifierUris ?? []), "isFallbackPublicClient": .bool(publicClient),
            "publisherDomain": .string(domain), "signInAudience": .string(a.signInAudience ?? "AzureADMyOrg"), "tags": [],
            "api": ["acceptMappedClaims": nil, "knownClientApplications": [], "requestedAccessTokenVersion": nil,
                    "oauth2PermissionScopes": [], "preAuthorizedApplications": []],
            "appRoles": [], "keyCredentials": .array(keys), "passwordCredentials": .array(passwords),
            "publicClient": ["redirectUris": JSON(a.publicClientRedirectUris)],
            "requiredResourceAccess": .array(rra),
            "spa": ["redirectUris": []],
            "web": ["homePageUrl": nil, "logoutUrl": nil, "redirectUris": [],
                    "implicitGrantSettings": ["enableAccessTokenIssuance": false, "enableIdTokenIssuance": false]],
        ]
    }

    static func grant(client: JSONObject, resource: JSONObject, scope: String, consentType: String = "AllPrincipals",
                      principalId: String? = nil, id: String? = nil) -> JSONObject {
        let c = client["id"]?.stringValue ?? "", r = resource["id"]?.stringValue ?? ""
        return ["clientId": .string(c), "consentType": .string(consentType),
                "id": .string(id ?? Util.opaqueId("grant/\(c)/\(r)/\(principalId ?? "")")),
                "principalId": JSON(principalId), "resourceId": .string(r), "scope": .string(scope)]
    }

    static func assignment(principal: JSONObject, principalType: String, resource: JSONObject, role: String) -> JSONObject? {
        guard let roleId = resource["appRoles"]?.arrayValue?.first(where: { $0["value"]?.stringValue == role })?["id"]?.stringValue else {
            return nil
        }
        let p = principal["id"]?.stringValue ?? "", r = resource["id"]?.stringValue ?? ""
        return assignment(id: Util.opaqueId("approleassignment/\(p)/\(r)/\(roleId)"), appRoleId: roleId, created: seedTime,
                          principal: principal, principalType: principalType, resource: resource)
    }

    static func assignment(id: String, appRoleId: String, created: String, principal: JSONObject, principalType: String,
                           resource: JSONObject) -> JSONObject {
        ["id": .string(id), "deletedDateTime": nil, "appRoleId": .string(appRoleId), "createdDateTime": .string(created),
         "principalDisplayName": principal["displayName"] ?? .null, "principalId": principal["id"] ?? .null,
         "principalType": .string(principalType), "resourceDisplayName": resource["displayName"] ?? .null,
         "resourceId": resource["id"] ?? .null]
    }

    // MARK: Licences and roles

    struct Plan { let id: String; let name: String }
    struct Sku { let skuId: String; let partNumber: String; let units: Int; let plans: [Plan] }

    static let skuCatalog: [Sku] = [
        Sku(skuId: "6fd2c87f-b296-42f0-b197-1e91e994b900", partNumber: "ENTERPRISEPACK", units: 25, plans: [
            Plan(id: "efb87545-963c-4e0d-99df-69c6916d9eb0", name: "EXCHANGE_S_ENTERPRISE"),
            Plan(id: "5dbe027f-2339-4123-9542-606e4d348a72", name: "SHAREPOINTENTERPRISE"),
            Plan(id: "57ff2da0-773e-42df-b2af-ffb7a2317929", name: "TEAMS1"),
            Plan(id: "43de0ff5-c92c-492b-9116-175376d08c38", name: "OFFICESUBSCRIPTION"),
        ]),
        Sku(skuId: "f30db892-07e9-47e9-837c-80727f46fd3d", partNumber: "FLOW_FREE", units: 10000, plans: [
            Plan(id: "50e68c76-46c6-4674-81f9-75456511b170", name: "FLOW_P2_VIRAL"),
            Plan(id: "17ab22cd-a0b3-4536-910a-cb6eb12696c0", name: "DYN365_CDS_VIRAL"),
            Plan(id: "113feb6c-3fe4-4440-bddc-54d774bf0318", name: "EXCHANGE_S_FOUNDATION"),
        ]),
        Sku(skuId: "b05e124f-c7cc-45a0-a6aa-8cf78c946968", partNumber: "EMSPREMIUM", units: 25, plans: [
            Plan(id: "41781fb2-bc02-4b7c-bd55-b576c07bb09d", name: "AAD_PREMIUM"),
            Plan(id: "eec0eb4f-6444-4f95-aba0-50c24d67f998", name: "AAD_PREMIUM_P2"),
            Plan(id: "c1ec4a95-1f05-45b3-a911-aa3fa01094f5", name: "INTUNE_A"),
        ]),
    ]

    static func skus(tenantId: String) -> [JSONObject] {
        skuCatalog.map { s in
            ["accountName": "Contoso", "accountId": .string(tenantId), "appliesTo": "User", "capabilityStatus": "Enabled",
             "consumedUnits": 0, "id": .string("\(tenantId)_\(s.skuId)"),
             "prepaidUnits": ["enabled": JSON(s.units), "suspended": 0, "warning": 0, "lockedOut": 0],
             "servicePlans": .array(s.plans.map { p in
                 ["servicePlanId": .string(p.id), "servicePlanName": .string(p.name), "provisioningStatus": "Success", "appliesTo": "User"]
             }),
             "skuId": .string(s.skuId), "skuPartNumber": .string(s.partNumber), "subscriptionIds": [.string(Util.nameGUID("subscription/\(tenantId)/\(s.skuId)"))]]
        }
    }

    struct BuiltInRole { let id: String; let name: String; let description: String; let actions: [String] }

    static let builtInRoles: [BuiltInRole] = [
        BuiltInRole(id: WellKnownApp.globalAdministratorRole, name: "Global Administrator",
                    description: "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.",
                    actions: ["microsoft.directory/*/allTasks", "microsoft.office365.sharePoint/allEntities/allTasks"]),
        BuiltInRole(id: "fe930be7-5e62-47db-91af-98c3a49a38b1", name: "User Administrator",
                    description: "Can manage all aspects of users and groups, including resetting passwords for limited admins.",
                    actions: ["microsoft.directory/users/allProperties/allTasks", "microsoft.directory/groups/allProperties/allTasks"]),
        BuiltInRole(id: "fdd7a751-b60b-444a-984c-02652fe8fa1c", name: "Groups Administrator",
                    description: "Members of this role can create/manage groups, create/manage groups settings like naming and expiration policies, and view groups activity and audit reports.",
                    actions: ["microsoft.directory/groups/allProperties/allTasks"]),
        BuiltInRole(id: "f28a1f50-f6e7-4571-818b-6a12f2af6b6c", name: "SharePoint Administrator",
                    description: "Can manage all aspects of the SharePoint service.",
                    actions: ["microsoft.office365.sharePoint/allEntities/allTasks"]),
        BuiltInRole(id: "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", name: "Application Administrator",
                    description: "Can create and manage all aspects of app registrations and enterprise apps.",
                    actions: ["microsoft.directory/applications/allProperties/allTasks", "microsoft.directory/servicePrincipals/allProperties/allTasks"]),
        BuiltInRole(id: "158c047a-c907-4556-b7ef-446551a6b5f7", name: "Cloud Application Administrator",
                    description: "Can create and manage all aspects of app registrations and enterprise apps except App Proxy.",
                    actions: ["microsoft.directory/applications/allProperties/allTasks", "microsoft.directory/servicePrincipals/allProperties/allTasks"]),
        BuiltInRole(id: "e8611ab8-c189-46e8-94e1-60213ab1f814", name: "Privileged Role Administrator",
                    description: "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.",
                    actions: ["microsoft.directory/roleAssignments/allProperties/allTasks", "microsoft.directory/roleDefinitions/allProperties/allTasks"]),
        BuiltInRole(id: "f2ef992c-3afb-46b9-b7cf-a126ee74c451", name: "Global Reader",
                    description: "Can read everything that a Global Administrator can, but not update anything.",
                    actions: ["microsoft.directory/*/allProperties/read"]),
    ]

    static var roleDefinitions: [JSONObject] {
        builtInRoles.map { r in
            ["id": .string(r.id), "description": .string(r.description), "displayName": .string(r.name), "isBuiltIn": true,
             "isEnabled": true, "resourceScopes": ["/"], "templateId": .string(r.id), "version": "1",
             "rolePermissions": [["allowedResourceActions": JSON(r.actions), "condition": nil]]]
        }
    }

    static func roleAssignment(id: String, definition: String, principal: String, scope: String) -> JSONObject {
        ["id": .string(id), "directoryScopeId": .string(scope), "principalId": .string(principal), "roleDefinitionId": .string(definition)]
    }

    /// The directory role object for a template, created ("activated") on first use. Returns its id.
    @discardableResult
    static func activateRole(_ templateId: String, in d: TenantData) -> String {
        if let r = d.table(.directoryRoles).items.first(where: { $0["roleTemplateId"]?.stringValue?.lowercased() == templateId.lowercased() }) {
            return r["id"]?.stringValue ?? ""
        }
        let def = builtInRoles.first { $0.id == templateId.lowercased() }
        let id = Util.nameGUID("directoryrole/\(d.tenantId)/\(templateId.lowercased())")
        d.insert(.directoryRoles, ["id": .string(id), "deletedDateTime": nil, "description": JSON(def?.description),
                                   "displayName": JSON(def?.name ?? templateId), "roleTemplateId": .string(templateId.lowercased())])
        d.members[id] = d.members[id] ?? []
        return id
    }
}
