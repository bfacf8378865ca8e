import Foundation
import JSONModel
import NIOHTTP1

/// Microsoft Graph (graph.microsoft.com and the national roots). Every request needs a valid
/// bearer token for Graph; endpoints are added to `router` (one line each). Handlers return the
/// JSON body or throw a `GraphError`; collections page and project through `GraphQuery`.
public final class GraphService: Sendable {
    let state: EmulatorState
    let cloud: Cloud
    private let router: Router<EmulatorRequest>

    public init(state: EmulatorState, cloud: Cloud) {
        self.state = state
        self.cloud = cloud
        self.router = Router { r in
            for version in ["v1.0", "beta"] {
                func get(_ path: String, _ handler: @escaping @Sendable (EmulatorRequest, [String: String]) throws -> JSON) {
                    r.add(.GET, "\(version)/\(path)") { req, p in GraphService.respond(req) { try handler(req, p) } }
                }
                get("me") { req, _ in try GraphUsers.me(req, state: state, version: version) }
                get("users") { req, _ in try GraphUsers.list(req, state: state, version: version) }
                get("users/{id}") { req, p in try GraphUsers.get(req, idOrUPN: p["id"]!, state: state, version: version) }
                get("organization") { req, _ in try GraphService.organization(req, state: state, version: version) }
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

    /// Adds Graph's response headers. Idempotent: a response that already has a `request-id` (an
    /// error body quotes it in `innerError`) keeps it.
    static func decorate(_ response: EmulatorResponse, _ req: EmulatorRequest, requestId: String = Util.newGUID()) -> EmulatorResponse {
        var r = response
        let requestId = r.headers.first(name: "request-id") ?? requestId
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

    /// A handler's body as a 200 response, or its `GraphError` in Graph's error shape.
    static func respond(_ req: EmulatorRequest, _ handler: () throws -> JSON) -> EmulatorResponse {
        do {
            return .json(try handler())
        } catch let e as GraphError {
            return error(e.status, e.code, e.message, req)
        } catch {
            return Self.error(.internalServerError, "generalException", "\(error)", req)
        }
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

    // MARK: Endpoints (users are in GraphUsers.swift)

    static func organization(_ req: EmulatorRequest, state: EmulatorState, version: String) throws -> JSON {
        let tenant = try GraphUsers.tenant(req, state: state)
        let domains: [JSON] = tenant.seed.domains.map { d in
            ["capabilities": "Email, OfficeCommunicationsOnline", "isDefault": .bool(d == tenant.seed.domains.last),
             "isInitial": .bool(d == tenant.initialDomain), "name": .string(d), "type": "Managed"]
        }
        let org: JSON = [
            "id": .string(tenant.id), "deletedDateTime": nil, "businessPhones": [], "city": nil,
            "country": nil, "countryLetterCode": JSON(tenant.seed.countryLetterCode), "createdDateTime": "2020-01-01T00:00:00Z",
            "displayName": .string(tenant.displayName), "tenantType": "AAD", "verifiedDomains": .array(domains),
        ]
        return ["@odata.context": .string("https://\(req.host)/\(version)/$metadata#organization"), "value": [org]]
    }
}
