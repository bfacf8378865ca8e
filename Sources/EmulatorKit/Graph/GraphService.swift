import Foundation
import NIOHTTP1

/// Microsoft Graph (graph.microsoft.com and the national roots). Every request needs a valid
/// bearer token for Graph; endpoints are added to `router` (one line each).
public final class GraphService: Sendable {
    let state: EmulatorState
    let cloud: Cloud
    private let router: Router<EmulatorRequest>

    public init(state: EmulatorState, cloud: Cloud) {
        self.state = state
        self.cloud = cloud
        self.router = Router { r in
            for version in ["v1.0", "beta"] {
                r.add(.GET, "\(version)/me") { req, _ in GraphService.me(req, state: state, version: version) }
                r.add(.GET, "\(version)/organization") { req, _ in GraphService.organization(req, state: state, version: version) }
            }
        }
    }

    var audiences: Set<String> {
        ["https://\(cloud.graphHost)", "https://\(cloud.graphHost)/", WellKnownApp.graph, "https://graph.microsoft.com", "https://canary.graph.microsoft.com"]
    }

    public func handle(_ request: EmulatorRequest) -> EmulatorResponse {
        var req = request
        switch state.validator.validate(authorization: req.header("Authorization"), audiences: audiences) {
        case let .failure(f): return Self.unauthorized(f, req)
        case let .success(token): req.auth = token
        }
        switch router.route(req) {
        case let .handled(r): return Self.decorate(r, req)
        case .methodNotAllowed:
            return Self.error(.methodNotAllowed, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.", req)
        case .notFound:
            let segment = req.pathSegments.dropFirst().first.map(String.init) ?? ""
            return Self.error(.badRequest, "BadRequest", "Resource not found for the segment '\(segment)'.", req)
        }
    }

    // MARK: Responses

    static let contentType = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

    static func decorate(_ response: EmulatorResponse, _ req: EmulatorRequest, requestId: String = Util.newGUID()) -> EmulatorResponse {
        var r = response
        r.headers.replaceOrAdd(name: "request-id", value: requestId)
        r.headers.replaceOrAdd(name: "client-request-id", value: req.header("client-request-id") ?? requestId)
        r.headers.replaceOrAdd(name: "x-ms-ags-diagnostic", value: "{\"ServerInfo\":{\"DataCenter\":\"Local\",\"Slice\":\"E\",\"Ring\":\"1\",\"ScaleUnit\":\"000\",\"RoleInstance\":\"m365-emulator\"}}")
        r.headers.replaceOrAdd(name: "Cache-Control", value: "no-cache")
        if r.headers.first(name: "Content-Type")?.hasPrefix("application/json") == true {
            r.headers.replaceOrAdd(name: "Content-Type", value: contentType)
            r.headers.replaceOrAdd(name: "OData-Version", value: "4.0")
        }
        return r
    }

    /// Graph's error shape: `{"error":{"code","message","innerError":{date, request-id, client-request-id}}}`.
    public static func error(_ status: HTTPResponseStatus, _ code: String, _ message: String, _ req: EmulatorRequest) -> EmulatorResponse {
        let requestId = Util.newGUID()
        let body: JSON = ["error": [
            "code": .string(code), "message": .string(message),
            "innerError": ["date": .string(Util.graphDate()), "request-id": .string(requestId),
                           "client-request-id": .string(req.header("client-request-id") ?? requestId)],
        ]]
        return decorate(.json(body, status: status), req, requestId: requestId)
    }

    static func unauthorized(_ f: BearerFailure, _ req: EmulatorRequest) -> EmulatorResponse {
        let message: String
        switch f {
        case .missing: message = "Access token is empty."
        case .malformed: message = "CompactToken parsing failed with error code: 80049217"
        case .badSignature: message = "Access token validation failure."
        case .expired: message = "Lifetime validation failed, the token is expired."
        case .notYetValid: message = "Lifetime validation failed, the token is not yet valid."
        case .wrongAudience: message = "Access token validation failure. Invalid audience."
        }
        return error(.unauthorized, "InvalidAuthenticationToken", message, req).adding(
            header: "WWW-Authenticate",
            "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"\(WellKnownApp.graph)\"")
    }

    // MARK: Endpoints

    static func me(_ req: EmulatorRequest, state: EmulatorState, version: String) -> EmulatorResponse {
        let token = req.auth!
        if token.isAppOnly {
            return error(.badRequest, "BadRequest", "/me request is only valid with delegated authentication flow.", req)
        }
        guard let tenant = state.directory.tenant(idOrDomain: token.tenantId), let user = tenant.user(id: token.objectId) else {
            return error(.notFound, "Request_ResourceNotFound",
                         "Resource '\(token.objectId)' does not exist or one of its queried reference-property objects are not present.", req)
        }
        let body: JSON = [
            "@odata.context": .string("https://\(req.host)/\(version)/$metadata#users/$entity"),
            "businessPhones": [], "displayName": .string(user.displayName), "givenName": JSON(user.givenName),
            "jobTitle": JSON(user.jobTitle), "mail": JSON(user.mail), "mobilePhone": nil, "officeLocation": nil,
            "preferredLanguage": nil, "surname": JSON(user.surname), "userPrincipalName": .string(user.userPrincipalName),
            "id": .string(user.id),
        ]
        return .json(body)
    }

    static func organization(_ req: EmulatorRequest, state: EmulatorState, version: String) -> EmulatorResponse {
        let token = req.auth!
        guard let tenant = state.directory.tenant(idOrDomain: token.tenantId) else {
            return error(.notFound, "Request_ResourceNotFound", "Resource '\(token.tenantId)' does not exist.", req)
        }
        let domains: [JSON] = tenant.seed.domains.map { d in
            ["capabilities": "Email, OfficeCommunicationsOnline", "isDefault": .bool(d == tenant.seed.domains.last),
             "isInitial": .bool(d == tenant.initialDomain), "name": .string(d), "type": "Managed"]
        }
        let org: JSON = [
            "id": .string(tenant.id), "deletedDateTime": nil, "businessPhones": [], "city": nil,
            "country": nil, "countryLetterCode": JSON(tenant.seed.countryLetterCode), "createdDateTime": "2020-01-01T00:00:00Z",
            "displayName": .string(tenant.displayName), "tenantType": "AAD", "verifiedDomains": .array(domains),
        ]
        return .json(["@odata.context": .string("https://\(req.host)/\(version)/$metadata#organization"), "value": [org]])
    }
}
