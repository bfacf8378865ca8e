import Foundation
import JSONModel
import NIOHTTP1

/// Managed identity on the plain-HTTP port: App Service style (`IDENTITY_ENDPOINT` +
/// `X-IDENTITY-HEADER`, api-version 2019-08-01; legacy `MSI_ENDPOINT` + `secret`, 2017-09-01)
/// Azure VM IMDS style (`/metadata/identity/oauth2/token`, `Metadata: true`) and Cloud Shell's
/// (`/oauth2/token`, the same without api-version).
public final class ManagedIdentityService: Sendable {
    let state: EmulatorState
    private let router: Router<EmulatorRequest>

    public static let appServicePath = "/msi/token"
    public static let imdsPath = "/metadata/identity/oauth2/token"

    public init(state: EmulatorState) {
        self.state = state
        self.router = Router { r in
            r.add(.GET, "msi/token") { req, _ in ManagedIdentityService.appService(req, state: state) }
            r.add(.GET, "metadata/identity/oauth2/token") { req, _ in ManagedIdentityService.imds(req, state: state) }
            // Cloud Shell's endpoint (MSI_ENDPOINT, or IDENTITY_ENDPOINT without a header): IMDS's
            // shape without api-version.
            r.add(.GET, "oauth2/token") { req, _ in ManagedIdentityService.imds(req, state: state, needsVersion: false) }
        }
    }

    public func handle(_ request: EmulatorRequest) -> EmulatorResponse {
        switch router.route(request) {
        case let .handled(r): return r
        case .methodNotAllowed: return .json(["error": "invalid_request", "error_description": "Method not allowed"], status: .methodNotAllowed)
        case .notFound: return .json(["error": "not_found", "error_description": "No such endpoint"], status: .notFound)
        }
    }

    /// Picks the identity: a user-assigned one when an id is given, else the system-assigned one.
    static func identity(_ q: [String: String], state: EmulatorState) -> (SeedManagedIdentity, Tenant)? {
        let clientId = q["client_id"]
        let objectId = q["object_id"] ?? q["principal_id"]
        let resourceId = q["mi_res_id"] ?? q["msi_res_id"]
        for t in state.directory.allTenants {
            for mi in t.seed.managedIdentities ?? [] {
                if let clientId {
                    if mi.clientId.lowercased() == clientId.lowercased() { return (mi, t) }
                } else if let objectId {
                    if mi.principalId.lowercased() == objectId.lowercased() { return (mi, t) }
                } else if let resourceId {
                    if mi.resourceId?.lowercased() == resourceId.lowercased() { return (mi, t) }
                } else if mi.type.lowercased() == "systemassigned" {
                    return (mi, t)
                }
            }
        }
        return nil
    }

    static func mint(_ mi: SeedManagedIdentity, tenant: Tenant, resource: ResolvedResource, state: EmulatorState) throws -> (String, Int) {
        let roles = mi.roles?.first(where: { $0.resourceAppId == resource.appId })?.roles ?? []
        let grant = TokenGrant(tenant: tenant, clientId: mi.clientId, clientDisplayName: mi.displayName, subject: .managedIdentity(mi),
                               appidacr: "2", selection: ScopeSelection(resource: resource, scopes: [], oidcScopes: [], isDefault: true),
                               roles: roles, version: 1, loginHost: tenant.cloud.loginHost, wantClientInfo: false, clientNonce: nil)
        return try state.issuer.accessToken(grant)
    }

    static func appService(_ req: EmulatorRequest, state: EmulatorState) -> EmulatorResponse {
        let q = req.query
        let apiVersion = q["api-version"] ?? ""
        let presented = apiVersion == "2017-09-01" ? req.header("secret") : req.header("X-IDENTITY-HEADER")
        func fail(_ status: HTTPResponseStatus, _ message: String) -> EmulatorResponse {
            .json(["statusCode": JSON(Int(status.code)), "message": .string(message), "correlationId": .string(Util.newGUID())], status: status)
        }
        guard presented == state.identityHeader else {
            return fail(.unauthorized, "Unauthorized request: the X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.")
        }
        guard apiVersion == "2019-08-01" || apiVersion == "2017-09-01" else {
            return fail(.badRequest, "The api-version '\(apiVersion)' could not be found. Supported api-versions: 2019-08-01, 2017-09-01.")
        }
        guard let resource = q["resource"], !resource.isEmpty else { return fail(.badRequest, "The 'resource' query parameter is required.") }
        guard let (mi, tenant) = identity(q, state: state) else {
            return fail(.badRequest, "No Managed Identity found for specified ClientId/ResourceId/PrincipalId.")
        }
        guard let res = tenant.resolveResource(resource) else {
            return fail(.badRequest, "AADSTS500011: The resource principal named \(resource) was not found in the tenant named \(tenant.initialDomain).")
        }
        do {
            let (token, expiresOn) = try mint(mi, tenant: tenant, resource: res, state: state)
            return .json(["access_token": .string(token), "expires_on": .string(String(expiresOn)), "resource": .string(resource),
                          "token_type": "Bearer", "client_id": .string(mi.clientId)])
        } catch {
            return fail(.internalServerError, "\(error)")
        }
    }

    static func imds(_ req: EmulatorRequest, state: EmulatorState, needsVersion: Bool = true) -> EmulatorResponse {
        let q = req.query
        func fail(_ description: String, status: HTTPResponseStatus = .badRequest) -> EmulatorResponse {
            .json(["error": "invalid_request", "error_description": .string(description)], status: status)
        }
        guard req.header("Metadata")?.lowercased() == "true" else { return fail("Required metadata header not specified") }
        if needsVersion, (q["api-version"] ?? "").isEmpty { return fail("Required query variable 'api-version' is missing") }
        guard let resource = q["resource"], !resource.isEmpty else { return fail("Required audience parameter not specified") }
        guard let (mi, tenant) = identity(q, state: state) else { return fail("Identity not found") }
        guard let res = tenant.resolveResource(resource) else {
            return .json(["error": "invalid_resource",
                          "error_description": .string("AADSTS500011: The resource principal named \(resource) was not found in the tenant named \(tenant.initialDomain).")],
                         status: .badRequest)
        }
        do {
            let (token, expiresOn) = try mint(mi, tenant: tenant, resource: res, state: state)
            let lifetime = String(Int(state.config.accessTokenLifetime))
            return .json(["access_token": .string(token), "client_id": .string(mi.clientId), "expires_in": .string(lifetime),
                          "expires_on": .string(String(expiresOn)), "ext_expires_in": .string(lifetime),
                          "not_before": .string(String(expiresOn - Int(state.config.accessTokenLifetime))),
                          "resource": .string(resource), "token_type": "Bearer"])
        } catch {
            return fail("\(error)", status: .internalServerError)
        }
    }
}
