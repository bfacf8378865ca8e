import JSONModel

/// The directory entity types: selectable properties in Graph's order and default projections.
enum GraphEntityTypes {
    static let user = GraphEntityType(
        errorTypeName: "Microsoft.DirectoryServices.User",
        entitySet: "users",
        defaultProperties: ["businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation",
                            "preferredLanguage", "surname", "userPrincipalName", "id"],
        properties: ["id", "accountEnabled", "ageGroup", "assignedLicenses", "businessPhones", "city", "companyName", "country",
                     "createdDateTime", "creationType", "deletedDateTime", "department", "displayName", "employeeId", "employeeType",
                     "externalUserState", "faxNumber", "givenName", "identities", "imAddresses", "jobTitle", "mail", "mailNickname",
                     "mobilePhone", "officeLocation", "onPremisesImmutableId", "onPremisesSamAccountName", "onPremisesSyncEnabled",
                     "otherMails", "passwordPolicies", "passwordProfile", "postalCode", "preferredLanguage", "proxyAddresses",
                     "showInAddressList", "state", "streetAddress", "surname", "usageLocation", "userPrincipalName", "userType"],
        odataType: "#microsoft.graph.user",
        collections: ["assignedLicenses", "businessPhones", "identities", "imAddresses", "otherMails", "proxyAddresses"])

    static let groupProperties = [
        "id", "deletedDateTime", "classification", "createdDateTime", "creationOptions", "description", "displayName",
        "expirationDateTime", "groupTypes", "isAssignableToRole", "mail", "mailEnabled", "mailNickname", "membershipRule",
        "membershipRuleProcessingState", "onPremisesDomainName", "onPremisesLastSyncDateTime", "onPremisesNetBiosName",
        "onPremisesSamAccountName", "onPremisesSecurityIdentifier", "onPremisesSyncEnabled", "preferredDataLocation",
        "preferredLanguage", "proxyAddresses", "renewedDateTime", "resourceBehaviorOptions", "resourceProvisioningOptions",
        "securityEnabled", "securityIdentifier", "theme", "visibility", "onPremisesProvisioningErrors",
    ]
    /// Kept by Exchange for Microsoft 365 groups: returned only when `$select` names them.
    static let groupExchangeProperties = ["allowExternalSenders", "autoSubscribeNewMembers", "hideFromAddressLists", "hideFromOutlookClients",
                                          "isSubscribedByMail"]
    static let group = GraphEntityType(
        errorTypeName: "Microsoft.DirectoryServices.Group", entitySet: "groups",
        defaultProperties: groupProperties, properties: groupProperties + groupExchangeProperties, odataType: "#microsoft.graph.group",
        collections: ["creationOptions", "groupTypes", "proxyAddresses", "resourceBehaviorOptions", "resourceProvisioningOptions",
                      "onPremisesProvisioningErrors"])

    static let applicationProperties = [
        "id", "deletedDateTime", "appId", "applicationTemplateId", "disabledByMicrosoftStatus", "createdDateTime", "displayName",
        "description", "groupMembershipClaims", "identifierUris", "isDeviceOnlyAuthSupported", "isFallbackPublicClient", "notes",
        "publisherDomain", "serviceManagementReference", "signInAudience", "tags", "tokenEncryptionKeyId", "defaultRedirectUri",
        "optionalClaims", "addIns", "api", "appRoles", "info", "keyCredentials", "parentalControlSettings", "passwordCredentials",
        "publicClient", "requiredResourceAccess", "verifiedPublisher", "web", "spa",
    ]
    static let application = GraphEntityType(
        errorTypeName: "Microsoft.DirectoryServices.Application", entitySet: "applications",
        defaultProperties: applicationProperties, properties: applicationProperties, odataType: "#microsoft.graph.application",
        collections: ["identifierUris", "tags", "addIns", "appRoles", "keyCredentials", "passwordCredentials", "requiredResourceAccess"])

    static let servicePrincipalProperties = [
        "id", "deletedDateTime", "accountEnabled", "alternativeNames", "appDisplayName", "appDescription", "appId",
        "applicationTemplateId", "appOwnerOrganizationId", "appRoleAssignmentRequired", "createdDateTime", "description",
        "disabledByMicrosoftStatus", "displayName", "homepage", "loginUrl", "logoutUrl", "notes", "notificationEmailAddresses",
        "preferredSingleSignOnMode", "preferredTokenSigningKeyThumbprint", "replyUrls", "servicePrincipalNames",
        "servicePrincipalType", "signInAudience", "tags", "tokenEncryptionKeyId", "info", "samlSingleSignOnSettings", "addIns",
        "appRoles", "keyCredentials", "oauth2PermissionScopes", "passwordCredentials", "resourceSpecificApplicationPermissions",
        "verifiedPublisher",
    ]
    static let servicePrincipal = GraphEntityType(
        errorTypeName: "Microsoft.DirectoryServices.ServicePrincipal", entitySet: "servicePrincipals",
        defaultProperties: servicePrincipalProperties, properties: servicePrincipalProperties,
        odataType: "#microsoft.graph.servicePrincipal",
        collections: ["alternativeNames", "notificationEmailAddresses", "replyUrls", "servicePrincipalNames", "tags", "addIns",
                      "appRoles", "keyCredentials", "oauth2PermissionScopes", "passwordCredentials", "resourceSpecificApplicationPermissions"])

    static let grantProperties = ["clientId", "consentType", "id", "principalId", "resourceId", "scope"]
    static let oauth2PermissionGrant = GraphEntityType(
        errorTypeName: "Microsoft.DirectoryServices.OAuth2PermissionGrant", entitySet: "oauth2PermissionGrants",
        defaultProperties: grantProperties, properties: grantProperties, odataType: "#microsoft.graph.oAuth2PermissionGrant")

    static let assignmentProperties = ["id", "deletedDateTime", "appRoleId", "createdDateTime", "principalDisplayName", "principalId",
                                       "principalType", "resourceDisplayName", "resourceId"]
    static let appRoleAssignment = GraphEntityType(
        errorTypeName: "Microsoft.DirectoryServices.AppRoleAssignment", entitySet: "appRoleAssignments",
        defaultProperties: assignmentProperties, properties: assignmentProperties, odataType: "#microsoft.graph.appRoleAssignment")

    static let skuProperties = ["accountName", "accountId", "appliesTo", "capabilityStatus", "consumedUnits", "id", "prepaidUnits",
                                "servicePlans", "skuId", "skuPartNumber", "subscriptionIds"]
    static let subscribedSku = GraphEntityType(
        errorTypeName: "Microsoft.DirectoryServices.SubscribedSku", entitySet: "subscribedSkus",
        defaultProperties: skuProperties, properties: skuProperties, collections: ["servicePlans", "subscriptionIds"])

    static let licenseDetailsProperties = ["id", "servicePlans", "skuId", "skuPartNumber"]
    static let licenseDetails = GraphEntityType(
        errorTypeName: "Microsoft.DirectoryServices.LicenseDetails", entitySet: "users('{id}')/licenseDetails",
        defaultProperties: licenseDetailsProperties, properties: licenseDetailsProperties, collections: ["servicePlans"])

    static let directoryRoleProperties = ["id", "deletedDateTime", "description", "displayName", "roleTemplateId"]
    static let directoryRole = GraphEntityType(
        errorTypeName: "Microsoft.DirectoryServices.DirectoryRole", entitySet: "directoryRoles",
        defaultProperties: directoryRoleProperties, properties: directoryRoleProperties, odataType: "#microsoft.graph.directoryRole")

    static let roleDefinitionProperties = ["id", "description", "displayName", "isBuiltIn", "isEnabled", "resourceScopes", "templateId",
                                           "version", "rolePermissions"]
    static let roleDefinition = GraphEntityType(
        errorTypeName: "Microsoft.DirectoryServices.UnifiedRoleDefinition", entitySet: "roleManagement/directory/roleDefinitions",
        defaultProperties: roleDefinitionProperties, properties: roleDefinitionProperties,
        odataType: "#microsoft.graph.unifiedRoleDefinition", collections: ["resourceScopes", "rolePermissions"])

    static let roleAssignmentProperties = ["id", "directoryScopeId", "principalId", "roleDefinitionId"]
    static let roleAssignment = GraphEntityType(
        errorTypeName: "Microsoft.DirectoryServices.UnifiedRoleAssignment", entitySet: "roleManagement/directory/roleAssignments",
        defaultProperties: roleAssignmentProperties, properties: roleAssignmentProperties,
        odataType: "#microsoft.graph.unifiedRoleAssignment")

    static let administrativeUnitProperties = ["id", "deletedDateTime", "description", "displayName", "isMemberManagementRestricted",
                                               "membershipRule", "membershipRuleProcessingState", "membershipType", "visibility"]
    static let administrativeUnit = GraphEntityType(
        errorTypeName: "Microsoft.DirectoryServices.AdministrativeUnit", entitySet: "directory/administrativeUnits",
        defaultProperties: administrativeUnitProperties, properties: administrativeUnitProperties,
        odataType: "#microsoft.graph.administrativeUnit")

    /// Members, owners, memberOf and directoryObjects: any of the above, each with `@odata.type`.
    static let directoryObject: GraphEntityType = {
        var names: [String] = []
        for t in [user, group, servicePrincipal, application, administrativeUnit, directoryRole] {
            for p in t.properties where !names.contains(p) { names.append(p) }
        }
        return GraphEntityType(errorTypeName: "Microsoft.DirectoryServices.DirectoryObject", entitySet: "directoryObjects",
                               defaultProperties: ["id"], properties: names, odataType: "#microsoft.graph.directoryObject",
                               collections: user.collections.union(group.collections).union(servicePrincipal.collections), isAbstract: true)
    }()

    static let byODataType: [String: GraphEntityType] = Dictionary(uniqueKeysWithValues:
        [user, group, servicePrincipal, application, administrativeUnit, directoryRole].map { ($0.odataType, $0) })

    static func type(of kind: EntityKind) -> GraphEntityType {
        switch kind {
        case .users: return user
        case .groups: return group
        case .applications: return application
        case .servicePrincipals: return servicePrincipal
        case .oauth2PermissionGrants: return oauth2PermissionGrant
        case .appRoleAssignments: return appRoleAssignment
        case .subscribedSkus: return subscribedSku
        case .directoryRoles: return directoryRole
        case .roleDefinitions: return roleDefinition
        case .roleAssignments: return roleAssignment
        case .administrativeUnits: return administrativeUnit
        }
    }
}
