import Foundation
import JSONModel

/// `/me`, `/users` and `/users/{id | userPrincipalName}` over the seeded users of the token's tenant.
enum GraphUsers {
    static let type = GraphEntityType(
        errorTypeName: "Microsoft.DirectoryServices.User",
        entitySet: "users",
        defaultProperties: ["businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation",
                            "preferredLanguage", "surname", "userPrincipalName", "id"],
        properties: ["id", "accountEnabled", "businessPhones", "createdDateTime", "department", "displayName", "givenName",
                     "jobTitle", "mail", "mailNickname", "mobilePhone", "officeLocation", "otherMails", "preferredLanguage",
                     "proxyAddresses", "surname", "usageLocation", "userPrincipalName", "userType"])

    /// The options `/users` understands today; the directory issue adds filter, orderby, count, search.
    static let supportedOptions: Set<String> = ["select", "top", "skiptoken"]

    /// Every selectable property of `user`, in Graph's order (the default ones first).
    static func entity(_ user: SeedUser) -> JSONObject {
        let nickname = String(user.userPrincipalName.split(separator: "@").first ?? "")
        return [
            "businessPhones": [], "displayName": .string(user.displayName), "givenName": JSON(user.givenName),
            "jobTitle": JSON(user.jobTitle), "mail": JSON(user.mail), "mobilePhone": nil, "officeLocation": nil,
            "preferredLanguage": nil, "surname": JSON(user.surname), "userPrincipalName": .string(user.userPrincipalName),
            "id": .string(user.id),
            "accountEnabled": .bool(user.accountEnabled ?? true), "createdDateTime": "2020-01-01T00:00:00Z", "department": nil,
            "mailNickname": .string(nickname), "otherMails": [],
            "proxyAddresses": JSON(user.mail.map { ["SMTP:" + $0] } ?? []), "usageLocation": nil, "userType": "Member",
        ]
    }

    static func tenant(_ req: EmulatorRequest, state: EmulatorState) throws -> Tenant {
        let token = req.auth!
        guard let tenant = state.directory.tenant(idOrDomain: token.tenantId) else { throw GraphError.resourceNotFound(token.tenantId) }
        return tenant
    }

    static func me(_ req: EmulatorRequest, state: EmulatorState, version: String) throws -> JSON {
        let token = req.auth!
        if token.isAppOnly {
            throw GraphError(.badRequest, "BadRequest", "/me request is only valid with delegated authentication flow.")
        }
        let query = try GraphQuery(req, type: type, supported: ["select"])
        guard let user = try tenant(req, state: state).user(id: token.objectId) else { throw GraphError.resourceNotFound(token.objectId) }
        return query.entity(entity(user), req, version: version, type: type)
    }

    static func get(_ req: EmulatorRequest, idOrUPN: String, state: EmulatorState, version: String) throws -> JSON {
        let query = try GraphQuery(req, type: type, supported: ["select"])
        guard let user = try tenant(req, state: state).user(idOrUPN: idOrUPN) else { throw GraphError.resourceNotFound(idOrUPN) }
        return query.entity(entity(user), req, version: version, type: type)
    }

    static func list(_ req: EmulatorRequest, state: EmulatorState, version: String) throws -> JSON {
        let query = try GraphQuery(req, type: type, supported: supportedOptions)
        return try query.collection(try tenant(req, state: state).seed.users.map(entity), req, version: version, type: type)
    }
}
