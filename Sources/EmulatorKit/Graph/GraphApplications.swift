import Crypto
import Foundation
import JSONModel
import SwiftASN1
import X509

/// App registrations, service principals, delegated permission grants and app role assignments.
enum GraphApplications {
    static var appType: GraphEntityType { GraphEntityTypes.application }
    static var spType: GraphEntityType { GraphEntityTypes.servicePrincipal }
    /// The default access role every resource accepts.
    static let defaultAccessRole = "00000000-0000-0000-0000-000000000000"

    static func register(_ g: inout GraphRoutes) {
        // MARK: applications
        g.on(.GET, "applications/$count", .read(.applications)) { c in try GraphDirectory.count(c, .applications) }
        g.on(.GET, "applications", .read(.applications)) { c in try GraphDirectory.list(c, .applications) }
        g.on(.POST, "applications", .write(.applications)) { c in try createApplication(c) }
        g.on(.GET, "applications/{id}", .read(.applications)) { c in try GraphDirectory.get(c, .applications, id: c.param("id")) }
        g.on(.PATCH, "applications/{id}", .write(.applications)) { c in
            let id = c.param("id")
            var body = try GraphDirectory.validated(try c.body(), appType, readOnly: ["id", "appId", "createdDateTime", "publisherDomain"])
            if let keys = body["keyCredentials"] { body["keyCredentials"] = try keyCredentials(keys) }
            if let pw = body["passwordCredentials"] { body["passwordCredentials"] = .array((pw.arrayValue ?? []).map(stripSecret)) }
            try c.with { t in
                guard t.get(.applications, id) != nil else { throw GraphError.resourceNotFound(id) }
                try checkIdentifierUris(body, in: t, except: id)
                t.update(.applications, id) { GraphDirectory.merge(body, into: &$0) }
            }
            return .noContent
        }
        g.on(.DELETE, "applications/{id}", .write(.applications)) { c in
            let id = c.param("id")
            try c.with { t in
                guard let app = t.remove(.applications, id) else { throw GraphError.resourceNotFound(id) }
                // Deleting a registration deletes its service principal in the home tenant.
                if let appId = app["appId"]?.stringValue,
                   let sp = t.table(.servicePrincipals).items.first(where: { $0["appId"]?.stringValue?.lowercased() == appId.lowercased() }),
                   let spId = sp["id"]?.stringValue {
                    deleteServicePrincipal(spId, in: t)
                }
            }
            return .noContent
        }
        g.on(.POST, "applications/{id}/addPassword", .write(.applications)) { c in try addPassword(c) }
        g.on(.POST, "applications/{id}/removePassword", .write(.applications)) { c in
            let id = c.param("id")
            guard let keyId = try c.body()["keyId"]?.stringValue else {
                throw GraphError.badRequest("Invalid value specified for property 'keyId' of resource 'PasswordCredential'.")
            }
            try c.with { t in
                guard let app = t.get(.applications, id) else { throw GraphError.resourceNotFound(id) }
                var list = app["passwordCredentials"]?.arrayValue ?? []
                guard let i = list.firstIndex(where: { $0["keyId"]?.stringValue?.lowercased() == keyId.lowercased() }) else {
                    throw GraphError(.notFound, "Request_ResourceNotFound", "No password credential found with keyId \(keyId).")
                }
                list.remove(at: i)
                t.update(.applications, id) { $0["passwordCredentials"] = .array(list) }
            }
            return .noContent
        }
        g.on(.GET, "applications/{id}/owners", .read(.applications)) { c in
            try GraphDirectory.relationship(c) { t in
                guard let id = t.get(.applications, c.param("id"))?["id"]?.stringValue else { throw GraphError.resourceNotFound(c.param("id")) }
                return t.owners[id] ?? []
            }
        }
        g.on(.POST, "applications/{id}/owners/$ref", .write(.applications)) { c in
            try GraphGroups.addReference(c, container: .applications, relation: "owners")
        }
        g.on(.DELETE, "applications/{id}/owners/{member}/$ref", .write(.applications)) { c in
            try GraphGroups.removeReference(c, container: .applications, relation: "owners")
        }

        // MARK: servicePrincipals
        g.on(.GET, "servicePrincipals/$count", .read(.applications)) { c in try GraphDirectory.count(c, .servicePrincipals) }
        g.on(.GET, "servicePrincipals", .read(.applications)) { c in try GraphDirectory.list(c, .servicePrincipals) }
        g.on(.POST, "servicePrincipals", .write(.applications)) { c in try createServicePrincipal(c) }
        g.on(.GET, "servicePrincipals/{id}", .read(.applications)) { c in try GraphDirectory.get(c, .servicePrincipals, id: c.param("id")) }
        g.on(.PATCH, "servicePrincipals/{id}", .write(.applications)) { c in
            let id = c.param("id")
            let body = try GraphDirectory.validated(try c.body(), spType, readOnly: ["id", "appId", "createdDateTime", "appOwnerOrganizationId"])
            try c.with { t in
                guard t.get(.servicePrincipals, id) != nil else { throw GraphError.resourceNotFound(id) }
                t.update(.servicePrincipals, id) { GraphDirectory.merge(body, into: &$0) }
            }
            return .noContent
        }
        g.on(.DELETE, "servicePrincipals/{id}", .write(.applications)) { c in
            let id = c.param("id")
            try c.with { t in
                guard t.get(.servicePrincipals, id) != nil else { throw GraphError.resourceNotFound(id) }
                deleteServicePrincipal(id, in: t)
            }
            return .noContent
        }
        g.on(.GET, "servicePrincipals/{id}/appRoleAssignments", .read(.appRoleAssignments)) { c in
            let id = try spId(c)
            return try assignments(c, entitySet: "servicePrincipals('\(id)')/appRoleAssignments") {
                $0["principalId"]?.stringValue?.lowercased() == id.lowercased()
            }
        }
        g.on(.GET, "servicePrincipals/{id}/appRoleAssignedTo", .read(.appRoleAssignments)) { c in
            let id = try spId(c)
            return try assignments(c, entitySet: "servicePrincipals('\(id)')/appRoleAssignedTo") {
                $0["resourceId"]?.stringValue?.lowercased() == id.lowercased()
            }
        }
        g.on(.POST, "servicePrincipals/{id}/appRoleAssignments", .write(.appRoleAssignments)) { c in
            try createAssignment(c, pathIsPrincipal: true)
        }
        g.on(.POST, "servicePrincipals/{id}/appRoleAssignedTo", .write(.appRoleAssignments)) { c in
            try createAssignment(c, pathIsPrincipal: false)
        }
        for relation in ["appRoleAssignments", "appRoleAssignedTo"] {
            g.on(.DELETE, "servicePrincipals/{id}/\(relation)/{assignment}", .write(.appRoleAssignments)) { c in
                let id = try spId(c), assignment = c.param("assignment")
                try c.with { t in
                    let field = relation == "appRoleAssignments" ? "principalId" : "resourceId"
                    guard let a = t.get(.appRoleAssignments, assignment), a[field]?.stringValue?.lowercased() == id.lowercased() else {
                        throw GraphError.resourceNotFound(assignment)
                    }
                    t.remove(.appRoleAssignments, assignment)
                }
                return .noContent
            }
        }
        g.on(.GET, "servicePrincipals/{id}/oauth2PermissionGrants", .read(.grants)) { c in
            let id = try spId(c)
            let q = try c.query(GraphEntityTypes.oauth2PermissionGrant)
            let all = try c.store.snapshot(c.tenantId, .oauth2PermissionGrants).filter { $0["clientId"]?.stringValue?.lowercased() == id.lowercased() }
            return .json(try q.collection(all, c.req, version: c.version, type: GraphEntityTypes.oauth2PermissionGrant))
        }

        // MARK: oauth2PermissionGrants
        g.on(.GET, "oauth2PermissionGrants", .read(.grants)) { c in try GraphDirectory.list(c, .oauth2PermissionGrants) }
        g.on(.POST, "oauth2PermissionGrants", .write(.grants)) { c in try createGrant(c) }
        g.on(.GET, "oauth2PermissionGrants/{id}", .read(.grants)) { c in try GraphDirectory.get(c, .oauth2PermissionGrants, id: c.param("id")) }
        g.on(.PATCH, "oauth2PermissionGrants/{id}", .write(.grants)) { c in
            let id = c.param("id")
            let body = try GraphDirectory.validated(try c.body(), GraphEntityTypes.oauth2PermissionGrant,
                                                    readOnly: ["id", "clientId", "consentType", "principalId", "resourceId"])
            try c.with { t in
                guard t.get(.oauth2PermissionGrants, id) != nil else { throw GraphError.resourceNotFound(id) }
                t.update(.oauth2PermissionGrants, id) { GraphDirectory.merge(body, into: &$0) }
            }
            return .noContent
        }
        g.on(.DELETE, "oauth2PermissionGrants/{id}", .write(.grants)) { c in
            let id = c.param("id")
            try c.with { t in guard t.remove(.oauth2PermissionGrants, id) != nil else { throw GraphError.resourceNotFound(id) } }
            return .noContent
        }
    }

    static func spId(_ c: GraphContext) throws -> String {
        guard let id = try c.with({ $0.get(.servicePrincipals, c.param("id"))?["id"]?.stringValue }) else {
            throw GraphError.resourceNotFound(c.param("id"))
        }
        return id
    }

    /// A filtered view of the app role assignments as a collection.
    static func assignments(_ c: GraphContext, entitySet: String, _ include: @escaping (JSONObject) -> Bool) throws -> EmulatorResponse {
        let type = GraphEntityTypes.appRoleAssignment
        let q = try c.query(type)
        let all = try c.store.snapshot(c.tenantId, .appRoleAssignments).filter(include)
        return .json(try q.collection(all, c.req, version: c.version, type: type, entitySet: entitySet))
    }

    static func deleteServicePrincipal(_ id: String, in t: TenantData) {
        t.remove(.servicePrincipals, id)
        let lower = id.lowercased()
        for a in t.table(.appRoleAssignments).items
        where a["principalId"]?.stringValue?.lowercased() == lower || a["resourceId"]?.stringValue?.lowercased() == lower {
            t.remove(.appRoleAssignments, a["id"]?.stringValue ?? "")
        }
        for g in t.table(.oauth2PermissionGrants).items
        where g["clientId"]?.stringValue?.lowercased() == lower || g["resourceId"]?.stringValue?.lowercased() == lower {
            t.remove(.oauth2PermissionGrants, g["id"]?.stringValue ?? "")
        }
        GraphUsers.removePrincipal(id, from: t)
    }

    // MARK: Applications

    static func createApplication(_ c: GraphContext) throws -> EmulatorResponse {
        var body = try GraphDirectory.validated(try c.body(), appType, readOnly: ["id", "appId", "createdDateTime", "publisherDomain"])
        _ = try GraphDirectory.requireString(body, "displayName", resource: "Application")
        if let keys = body["keyCredentials"] { body["keyCredentials"] = try keyCredentials(keys) }
        if let pw = body["passwordCredentials"] { body["passwordCredentials"] = .array((pw.arrayValue ?? []).map(stripSecret)) }
        if let audience = body["signInAudience"]?.stringValue,
           !["AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount"].contains(audience) {
            throw GraphError.badRequest("Invalid value specified for property 'signInAudience' of resource 'Application'.")
        }
        let app: JSONObject = try c.with { t in
            try checkIdentifierUris(body, in: t, except: nil)
            var a: JSONObject = [
                "id": .string(Util.newGUID()), "appId": .string(Util.newGUID()), "createdDateTime": .string(GraphDirectory.now()),
                "displayName": nil, "identifierUris": [], "isFallbackPublicClient": nil, "publisherDomain": .string(t.initialDomain),
                "signInAudience": "AzureADMyOrg", "tags": [],
                "api": ["acceptMappedClaims": nil, "knownClientApplications": [], "requestedAccessTokenVersion": nil,
                        "oauth2PermissionScopes": [], "preAuthorizedApplications": []],
                "appRoles": [], "keyCredentials": [], "passwordCredentials": [], "publicClient": ["redirectUris": []],
                "requiredResourceAccess": [], "spa": ["redirectUris": []],
                "web": ["homePageUrl": nil, "logoutUrl": nil, "redirectUris": [],
                        "implicitGrantSettings": ["enableAccessTokenIssuance": false, "enableIdTokenIssuance": false]],
            ]
            GraphDirectory.merge(body, into: &a)
            t.insert(.applications, a)
            // The creator becomes an owner when it is a user, as in Graph.
            if !c.token.isAppOnly, let appId = a["id"]?.stringValue, t.get(.users, c.token.objectId) != nil {
                t.owners[appId] = [t.get(.users, c.token.objectId)?["id"]?.stringValue ?? c.token.objectId]
            }
            return a
        }
        let q = try c.query(appType, collection: false)
        return .created(q.entity(app, c.req, version: c.version, type: appType))
    }

    static func checkIdentifierUris(_ body: JSONObject, in t: TenantData, except id: String?) throws {
        guard let uris = body["identifierUris"]?.arrayValue?.compactMap(\.stringValue), !uris.isEmpty else { return }
        for app in t.table(.applications).items where app["id"]?.stringValue?.lowercased() != id?.lowercased() {
            let existing = Set((app["identifierUris"]?.arrayValue ?? []).compactMap { $0.stringValue?.lowercased() })
            if uris.contains(where: { existing.contains($0.lowercased()) }) {
                throw GraphError.badRequest("Another object with the same value for property identifierUris already exists.")
            }
        }
    }

    static func stripSecret(_ credential: JSON) -> JSON {
        guard var o = credential.objectValue else { return credential }
        o["secretText"] = .null
        if o["keyId"] == nil { o["keyId"] = .string(Util.newGUID()) }
        return .object(o)
    }

    /// Certificates as given (`key` base64 DER or PEM); stored and returned with `key` null, as
    /// Graph does, after filling in the thumbprint and validity from the certificate.
    static func keyCredentials(_ value: JSON) throws -> JSON {
        guard let list = value.arrayValue else {
            throw GraphError.badRequest("Invalid value specified for property 'keyCredentials' of resource 'Application'.")
        }
        return .array(try list.map { item in
            guard var o = item.objectValue else {
                throw GraphError.badRequest("Invalid value specified for property 'keyCredentials' of resource 'Application'.")
            }
            if let key = o["key"]?.stringValue {
                var der: [UInt8]?
                if let data = Data(base64Encoded: key, options: .ignoreUnknownCharacters) {
                    let text = String(decoding: data, as: UTF8.self)
                    der = text.contains("-----BEGIN CERTIFICATE-----") ? (try? Certificate(pemEncoded: text)).flatMap(derBytes) : Array(data)
                }
                guard let der, let cert = try? Certificate(derEncoded: der) else {
                    throw GraphError.badRequest("Invalid value specified for property 'keyCredentials' of resource 'Application'. The key is not a valid certificate.")
                }
                if o["customKeyIdentifier"] == nil || o["customKeyIdentifier"]!.isNull {
                    o["customKeyIdentifier"] = .string(Insecure.SHA1.hash(data: der).map { String(format: "%02X", $0) }.joined())
                }
                if o["startDateTime"] == nil { o["startDateTime"] = .string(Util.iso8601(cert.notValidBefore)) }
                if o["endDateTime"] == nil { o["endDateTime"] = .string(Util.iso8601(cert.notValidAfter)) }
                if o["displayName"] == nil { o["displayName"] = .string(cert.subject.description) }
            }
            o["key"] = .null
            if o["keyId"] == nil { o["keyId"] = .string(Util.newGUID()) }
            if o["type"] == nil { o["type"] = "AsymmetricX509Cert" }
            if o["usage"] == nil { o["usage"] = "Verify" }
            return .object(o)
        })
    }

    static func derBytes(_ cert: Certificate) -> [UInt8]? {
        var s = DER.Serializer()
        guard (try? s.serialize(cert)) != nil else { return nil }
        return s.serializedBytes
    }

    static func addPassword(_ c: GraphContext) throws -> EmulatorResponse {
        let id = c.param("id")
        let body = try c.body()
        let requested = body["passwordCredential"]?.objectValue ?? [:]
        let start = Date()
        let end: String
        if let e = requested["endDateTime"]?.stringValue {
            guard Util.parseISO8601(e) != nil else {
                throw GraphError.badRequest("Invalid value specified for property 'endDateTime' of resource 'PasswordCredential'.")
            }
            end = e
        } else {
            end = Util.iso8601(start.addingTimeInterval(2 * 365 * 24 * 3600))
        }
        // 40 characters from an alphabet like Entra's (letters, digits, `~`, `.`, `_`, `-`).
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789~._-")
        var rng = SystemRandomNumberGenerator()
        let secret = String((0..<40).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
        let credential: JSONObject = [
            "customKeyIdentifier": nil, "displayName": requested["displayName"] ?? .null, "endDateTime": .string(end),
            "hint": .string(String(secret.prefix(3))), "keyId": .string(Util.newGUID()), "secretText": .string(secret),
            "startDateTime": .string(requested["startDateTime"]?.stringValue ?? Util.iso8601(start)),
        ]
        try c.with { t in
            guard t.get(.applications, id) != nil else { throw GraphError.resourceNotFound(id) }
            t.update(.applications, id) { a in
                var stored = credential
                stored["secretText"] = .null
                a["passwordCredentials"] = .array((a["passwordCredentials"]?.arrayValue ?? []) + [.object(stored)])
            }
        }
        var out: JSONObject = ["@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#microsoft.graph.passwordCredential")]
        for (k, v) in credential { out[k] = v }
        return .json(.object(out))
    }

    // MARK: Service principals

    static func createServicePrincipal(_ c: GraphContext) throws -> EmulatorResponse {
        let body = try GraphDirectory.validated(try c.body(), spType, readOnly: ["id", "createdDateTime", "appOwnerOrganizationId"])
        guard let appId = body["appId"]?.stringValue, !appId.isEmpty else {
            throw GraphError.badRequest("Invalid value specified for property 'appId' of resource 'ServicePrincipal'.")
        }
        let sp: JSONObject = try c.with { t in
            if t.table(.servicePrincipals).items.contains(where: { $0["appId"]?.stringValue?.lowercased() == appId.lowercased() }) {
                throw GraphError(.conflict, "Request_MultipleObjectsWithSameKeyValue",
                                 "The service principal cannot be created, updated, or restored because the service principal name \(appId) is already in use.")
            }
            guard let app = t.table(.applications).items.first(where: { $0["appId"]?.stringValue?.lowercased() == appId.lowercased() }) else {
                throw GraphError.badRequest("The appId '\(appId)' of the service principal does not reference a valid application object.")
            }
            var sp: JSONObject = [
                "id": .string(Util.newGUID()), "accountEnabled": true, "alternativeNames": [], "appDisplayName": app["displayName"] ?? .null,
                "appId": app["appId"] ?? .string(appId), "appOwnerOrganizationId": .string(t.tenantId), "appRoleAssignmentRequired": false,
                "createdDateTime": .string(GraphDirectory.now()), "displayName": app["displayName"] ?? .null,
                "notificationEmailAddresses": [], "replyUrls": .array((app["web"]?["redirectUris"]?.arrayValue ?? [])),
                "servicePrincipalNames": .array([app["appId"] ?? .string(appId)] + (app["identifierUris"]?.arrayValue ?? [])),
                "servicePrincipalType": "Application", "signInAudience": app["signInAudience"] ?? "AzureADMyOrg", "tags": [],
                "appRoles": app["appRoles"] ?? [], "keyCredentials": [],
                "oauth2PermissionScopes": app["api"]?["oauth2PermissionScopes"] ?? [], "passwordCredentials": [],
            ]
            var rest = body
            rest["appId"] = nil
            GraphDirectory.merge(rest, into: &sp)
            t.insert(.servicePrincipals, sp)
            return sp
        }
        let q = try c.query(spType, collection: false)
        return .created(q.entity(sp, c.req, version: c.version, type: spType))
    }

    /// POST `appRoleAssignments` (the path names the principal) or `appRoleAssignedTo` (the resource).
    static func createAssignment(_ c: GraphContext, pathIsPrincipal: Bool) throws -> EmulatorResponse {
        let pathId = try spId(c)
        let body = try GraphDirectory.validated(try c.body(), GraphEntityTypes.appRoleAssignment,
                                                readOnly: ["id", "createdDateTime", "deletedDateTime"])
        let principalId = try GraphDirectory.requireString(body, "principalId", resource: "AppRoleAssignment")
        let resourceId = try GraphDirectory.requireString(body, "resourceId", resource: "AppRoleAssignment")
        let appRoleId = try GraphDirectory.requireString(body, "appRoleId", resource: "AppRoleAssignment")
        if (pathIsPrincipal ? principalId : resourceId).lowercased() != pathId.lowercased() {
            throw GraphError.badRequest("The \(pathIsPrincipal ? "principalId" : "resourceId") in the request body must match the service principal in the URL.")
        }
        let assignment: JSONObject = try c.with { t in
            guard let resource = t.get(.servicePrincipals, resourceId) else { throw GraphError.resourceNotFound(resourceId) }
            guard let (kind, principal) = t.directoryObject(principalId), [.users, .groups, .servicePrincipals].contains(kind) else {
                throw GraphError.resourceNotFound(principalId)
            }
            let roles = (resource["appRoles"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue?.lowercased() }
            guard appRoleId == defaultAccessRole || roles.contains(appRoleId.lowercased()) else {
                throw GraphError.badRequest("Permission being assigned was not found on application '\(resource["appId"]?.stringValue ?? resourceId)'.")
            }
            let pid = principal["id"]?.stringValue ?? principalId, rid = resource["id"]?.stringValue ?? resourceId
            if t.table(.appRoleAssignments).items.contains(where: {
                $0["principalId"]?.stringValue == pid && $0["resourceId"]?.stringValue == rid
                    && $0["appRoleId"]?.stringValue?.lowercased() == appRoleId.lowercased()
            }) {
                throw GraphError.badRequest("Permission being assigned already exists on the object")
            }
            let principalType = kind == .users ? "User" : kind == .groups ? "Group" : "ServicePrincipal"
            let a = DirectorySeeder.assignment(id: Util.opaqueId("approleassignment/\(Util.newGUID())"), appRoleId: appRoleId.lowercased(),
                                               created: GraphDirectory.now(), principal: principal, principalType: principalType,
                                               resource: resource)
            t.insert(.appRoleAssignments, a)
            return a
        }
        let set = "servicePrincipals('\(pathId)')/\(pathIsPrincipal ? "appRoleAssignments" : "appRoleAssignedTo")"
        var out: JSONObject = ["@odata.context": .string(c.entityContext(set))]
        for (k, v) in assignment { out[k] = v }
        return .created(.object(out))
    }

    // MARK: Grants

    static func createGrant(_ c: GraphContext) throws -> EmulatorResponse {
        let type = GraphEntityTypes.oauth2PermissionGrant
        let body = try GraphDirectory.validated(try c.body(), type)
        let clientId = try GraphDirectory.requireString(body, "clientId", resource: "OAuth2PermissionGrant")
        let resourceId = try GraphDirectory.requireString(body, "resourceId", resource: "OAuth2PermissionGrant")
        let consentType = try GraphDirectory.requireString(body, "consentType", resource: "OAuth2PermissionGrant")
        let scope = body["scope"]?.stringValue ?? ""
        let principalId = body["principalId"]?.stringValue
        guard consentType == "AllPrincipals" || consentType == "Principal" else {
            throw GraphError.badRequest("Invalid value specified for property 'consentType' of resource 'OAuth2PermissionGrant'.")
        }
        if (consentType == "Principal") != (principalId != nil) {
            throw GraphError.badRequest("Invalid value specified for property 'principalId' of resource 'OAuth2PermissionGrant'.")
        }
        let grant: JSONObject = try c.with { t in
            guard let client = t.get(.servicePrincipals, clientId) else { throw GraphError.resourceNotFound(clientId) }
            guard let resource = t.get(.servicePrincipals, resourceId) else { throw GraphError.resourceNotFound(resourceId) }
            if let principalId, t.get(.users, principalId) == nil { throw GraphError.resourceNotFound(principalId) }
            let cid = client["id"]?.stringValue, rid = resource["id"]?.stringValue
            if t.table(.oauth2PermissionGrants).items.contains(where: {
                $0["clientId"]?.stringValue == cid && $0["resourceId"]?.stringValue == rid
                    && $0["consentType"]?.stringValue == consentType && $0["principalId"]?.stringValue?.lowercased() == principalId?.lowercased()
            }) {
                throw GraphError(.conflict, "Request_MultipleObjectsWithSameKeyValue", "Permission entry already exists.")
            }
            let g = DirectorySeeder.grant(client: client, resource: resource, scope: scope, consentType: consentType,
                                          principalId: principalId, id: Util.opaqueId("grant/\(Util.newGUID())"))
            t.insert(.oauth2PermissionGrants, g)
            return g
        }
        let q = try c.query(type, collection: false)
        return .created(q.entity(grant, c.req, version: c.version, type: type))
    }
}
