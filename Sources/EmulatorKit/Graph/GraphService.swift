import Foundation
import JSONModel
import NIOHTTP1

/// Microsoft Graph (graph.microsoft.com and the national roots). Every request needs a valid
/// bearer token for Graph; endpoints are added to `router` through `GraphRoutes.on` (one line
/// each, with the permission they need). Handlers take a `GraphContext` and return a response or
/// throw a `GraphError`; collections filter, page and project through `GraphQuery`; the
/// directory's state is `EmulatorState.store`.
public final class GraphService: Sendable {
    let state: EmulatorState
    let cloud: EmulatedCloud
    private let router: Router<EmulatorRequest>

    public init(state: EmulatorState, cloud: EmulatedCloud) {
        self.state = state
        self.cloud = cloud
        self.router = Router { r in
            for version in ["v1.0", "beta"] {
                var g = GraphRoutes(list: r, version: version, state: state)
                g.on(.GET, "organization", .signedIn) { c in .json(try GraphService.organization(c)) }
                GraphUsers.register(&g)
                GraphGroups.register(&g)
                GraphApplications.register(&g)
                GraphRoles.register(&g)
                GraphDrive.register(&g)
                GraphSites.register(&g)
                GraphContentTypes.register(&g)
                GraphSharingLinks.register(&g)
                GraphWorkloads.register(&g)
                GraphTeams.register(&g)
                GraphMail.register(&g)
                GraphEntitySets.register(&g)
                r = g.list
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
        let segments = req.pathSegments
        if segments.count == 2, FormEncoding.percentDecode(String(segments[1])).lowercased() == "$batch", ["v1.0", "beta"].contains(segments[0].lowercased()) {
            guard req.method == .POST else {
                return Self.error(.methodNotAllowed, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.", req)
            }
            return Self.decorate(GraphBatch.run(req, version: String(segments[0]), service: self), req)
        }
        return GraphMetadata.apply(dispatch(req), accept: req.header("Accept"))
    }

    /// Routes an authenticated request (a top-level one or a `$batch` item).
    func dispatch(_ request: EmulatorRequest) -> EmulatorResponse {
        var req = request
        do {
            req.path = try rewrite(req)
        } catch let e as GraphError {
            return Self.error(e.status, e.code, e.message, req)
        } catch {
            return Self.error(.internalServerError, "generalException", "\(error)", req)
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

    /// `/me/…` becomes `/users/{oid}/…`; `/applications(appId='…')` and
    /// `/servicePrincipals(appId='…')` become `/{set}/{object id}`.
    private func rewrite(_ req: EmulatorRequest) throws -> String {
        var segments = req.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard segments.count >= 2 else { return req.path }
        // Key segments as Graph's Location headers use them: `teams('{id}')` is `teams/{id}`.
        segments = segments.flatMap { seg -> [String] in
            let d = FormEncoding.percentDecode(seg)
            guard let open = d.firstIndex(of: "("), open != d.startIndex, d[open...].hasPrefix("('"), d[open...].count >= 4,
                  d.hasSuffix("')") else { return [seg] }
            return [String(d[..<open]), String(d[d.index(open, offsetBy: 2)..<d.index(d.endIndex, offsetBy: -2)])]
        }
        if segments[1].lowercased() == "me" {
            let token = req.auth!
            if token.isAppOnly {
                throw GraphError(.badRequest, "BadRequest", "/me request is only valid with delegated authentication flow.")
            }
            segments.replaceSubrange(1...1, with: ["users", token.objectId])
        } else {
            let decoded = FormEncoding.percentDecode(segments[1])
            for (set, kind) in [("applications", EntityKind.applications), ("servicePrincipals", .servicePrincipals)] {
                let prefix = set.lowercased() + "(appid="
                guard decoded.lowercased().hasPrefix(prefix), decoded.hasSuffix(")") else { continue }
                var appId = String(decoded.dropFirst(prefix.count).dropLast())
                if appId.hasPrefix("'") && appId.hasSuffix("'") && appId.count >= 2 { appId = String(appId.dropFirst().dropLast()) }
                let id = try state.store.with(req.auth!.tenantId) { t in
                    t.table(kind).items.first { $0["appId"]?.stringValue?.lowercased() == appId.lowercased() }?["id"]?.stringValue
                }
                guard let id else { throw GraphError.resourceNotFound(appId) }
                segments.replaceSubrange(1...1, with: [set, id])
            }
        }
        return "/" + GraphDrive.foldItemAddresses(GraphSharingLinks.foldSiteAddress(segments)).joined(separator: "/")
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

    /// A handler's response, or its `GraphError` in Graph's error shape.
    static func respond(_ req: EmulatorRequest, _ handler: () throws -> EmulatorResponse) -> EmulatorResponse {
        do {
            return try handler()
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

    // MARK: Endpoints (the directory's are in GraphUsers, GraphGroups, GraphApplications, GraphRoles)

    static func organization(_ c: GraphContext) throws -> JSON {
        let req = c.req
        guard let tenant = c.state.directory.tenant(idOrDomain: c.tenantId) else { throw GraphError.resourceNotFound(c.tenantId) }
        let domains: [JSON] = tenant.seed.domains.map { d in
            ["capabilities": "Email, OfficeCommunicationsOnline", "isDefault": .bool(d == tenant.seed.domains.last),
             "isInitial": .bool(d == tenant.initialDomain), "name": .string(d), "type": "Managed"]
        }
        let org: JSON = [
            "id": .string(tenant.id), "deletedDateTime": nil, "businessPhones": [], "city": nil,
            "country": nil, "countryLetterCode": JSON(tenant.seed.countryLetterCode), "createdDateTime": "2020-01-01T00:00:00Z",
            "displayName": .string(tenant.displayName), "tenantType": "AAD", "verifiedDomains": .array(domains),
        ]
        return ["@odata.context": .string("https://\(req.host)/\(c.version)/$metadata#organization"), "value": [org]]
    }
}

/// One request as a handler sees it.
struct GraphContext {
    let req: EmulatorRequest
    let params: [String: String]
    let version: String
    let state: EmulatorState

    var token: ValidatedToken { req.auth! }
    var tenantId: String { token.tenantId }
    var store: DirectoryStore { state.store }

    func param(_ name: String) -> String { params[name] ?? "" }

    /// Runs `body` on the token's tenant under the store's lock.
    func with<T>(_ body: (TenantData) throws -> T) throws -> T { try state.store.with(tenantId, body) }

    /// The JSON object body; anything else is Graph's "Unable to read JSON request payload".
    func body() throws -> JSONObject {
        guard let v = try? JSON.parse(bytes: req.body), let o = v.objectValue else { throw GraphError.badBody() }
        return o
    }

    func query(_ type: GraphEntityType, collection: Bool = true, expandable: [String] = []) throws -> GraphQuery {
        try GraphQuery(req, type: type, supported: collection ? GraphQuery.collectionOptions : ["select", "expand"], expandable: expandable)
    }

    /// `https://graph.microsoft.com/v1.0/$metadata#<set>/$entity`.
    func entityContext(_ set: String) -> String { "https://\(req.host)/\(version)/$metadata#\(set)/$entity" }
}

/// The route list of one API version, with the permission check in front of every handler.
struct GraphRoutes {
    var list: Router<EmulatorRequest>.RouteList
    let version: String
    let state: EmulatorState

    mutating func on(_ method: HTTPMethod, _ path: String, _ access: GraphAccess,
                     _ handler: @escaping @Sendable (GraphContext) throws -> EmulatorResponse) {
        let version = self.version, state = self.state
        list.add(method, "\(version)/\(path)") { req, p in
            GraphService.respond(req) {
                let c = GraphContext(req: req, params: p, version: version, state: state)
                try GraphAuthorization.check(access, c)
                return try handler(c)
            }
        }
    }
}

extension EmulatorResponse {
    static func created(_ value: JSON) -> EmulatorResponse { .json(value, status: .created) }
    static var noContent: EmulatorResponse { EmulatorResponse(status: .noContent) }
}
