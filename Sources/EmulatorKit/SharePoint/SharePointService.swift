import Foundation
import JSONModel
import NIOHTTP1

/// SharePoint Online REST for `<tenant>.sharepoint.com`, `-admin` and `-my`. Requests are
/// routed below the site they address (`/sites/x/_api/...`); the site prefix is resolved
/// against the seeded sites, and handlers see the remainder after `_api`.
public final class SharePointService: Sendable {
    let state: EmulatorState
    let tenantName: String
    let kind: SharePointHostKind
    let cloud: Cloud
    private let router: Router<SharePointRequest>

    public init(state: EmulatorState, tenantName: String, kind: SharePointHostKind, cloud: Cloud) {
        self.state = state
        self.tenantName = tenantName
        self.kind = kind
        self.cloud = cloud
        self.router = Router { r in
            r.add(.GET, "_api/web") { req, _ in SharePointService.web(req) }
        }
    }

    public func handle(_ request: EmulatorRequest) -> EmulatorResponse {
        guard let tenant = state.directory.tenant(sharePointName: tenantName) else {
            return Self.decorate(.html(Self.notFoundPage, status: .notFound), request)
        }
        var req = request
        switch state.validator.validate(authorization: req.header("Authorization"), audiences: tenant.sharePointAudiences) {
        case let .failure(f): return Self.unauthorized(f, req, tenant: tenant)
        case let .success(token):
            guard token.tenantId == tenant.id else { return Self.unauthorized(.badSignature, req, tenant: tenant) }
            // SharePoint accepts app-only tokens only when the app proved itself with a certificate.
            if token.isAppOnly && token.appidacr == "1" {
                return Self.unauthorizedResponse(req, tenant: tenant, description: "Unsupported app only token.",
                                                 diagnostics: "3001000;reason=\"There has been an error authenticating the request.\";category=\"invalid_client\"")
            }
            req.auth = token
        }
        // Split "/sites/x/_api/web" into the site URL and the part the router sees.
        let url = "https://\(req.host)\(req.path)"
        guard let site = Self.site(for: url, in: tenant) else {
            return Self.decorate(.html(Self.notFoundPage, status: .notFound), req)
        }
        let siteURL = site["url"]?.stringValue ?? ""
        var relative = String(url.dropFirst(siteURL.count))
        if relative.isEmpty { relative = "/" }
        let scoped = SharePointRequest(request: req, site: site, tenant: tenant, relativePath: relative)
        switch router.route(scoped) {
        case let .handled(r): return Self.decorate(r, req)
        case .methodNotAllowed, .notFound:
            let segment = relative.split(separator: "/").dropFirst().first.map(String.init) ?? ""
            return Self.decorate(Self.odataError(.notFound, "-1, Microsoft.SharePoint.Client.ResourceNotFoundException",
                                                 "Cannot find resource for the request \(segment).", req), req)
        }
    }

    /// The seeded site whose URL is the longest prefix of `url`.
    static func site(for url: String, in tenant: Tenant) -> JSON? {
        let lower = url.lowercased()
        var best: JSON?
        var bestLength = -1
        for site in tenant.seed.sharePoint?.sites ?? [] {
            guard let u = site["url"]?.stringValue?.lowercased() else { continue }
            if (lower == u || lower.hasPrefix(u + "/")) && u.count > bestLength {
                best = site
                bestLength = u.count
            }
        }
        return best
    }

    static let notFoundPage = "<!DOCTYPE html><html><head><title>404 NOT FOUND</title></head><body><h1>404 NOT FOUND</h1></body></html>"

    // MARK: Responses and errors

    enum ODataFormat { case verbose, minimal, nometadata }

    static func format(_ req: EmulatorRequest) -> ODataFormat {
        let accept = (req.header("Accept") ?? "").lowercased()
        if accept.contains("odata=verbose") { return .verbose }
        if accept.contains("odata=nometadata") || accept.contains("odata.metadata=none") { return .nometadata }
        return .minimal
    }

    static func decorate(_ response: EmulatorResponse, _ req: EmulatorRequest) -> EmulatorResponse {
        var r = response
        let id = Util.newGUID()
        r.headers.replaceOrAdd(name: "SPRequestGuid", value: id)
        r.headers.replaceOrAdd(name: "request-id", value: id)
        r.headers.replaceOrAdd(name: "MicrosoftSharePointTeamServices", value: "16.0.0.25000")
        r.headers.replaceOrAdd(name: "X-SharePointHealthScore", value: "0")
        if r.headers.first(name: "Content-Type")?.hasPrefix("application/json") == true {
            let f: String
            switch format(req) {
            case .verbose: f = "verbose"
            case .minimal: f = "minimalmetadata"
            case .nometadata: f = "nometadata"
            }
            r.headers.replaceOrAdd(name: "Content-Type", value: "application/json;odata=\(f);streaming=true;charset=utf-8")
            r.headers.replaceOrAdd(name: "DataServiceVersion", value: "3.0")
        }
        return r
    }

    /// `{"odata.error":{...}}` (light JSON) or `{"error":{...}}` (verbose).
    public static func odataError(_ status: HTTPResponseStatus, _ code: String, _ message: String, _ req: EmulatorRequest) -> EmulatorResponse {
        let inner: JSON = ["code": .string(code), "message": ["lang": "en-US", "value": .string(message)]]
        return .json(format(req) == .verbose ? ["error": inner] : ["odata.error": inner], status: status)
    }

    static func unauthorized(_ f: BearerFailure, _ req: EmulatorRequest, tenant: Tenant) -> EmulatorResponse {
        switch f {
        case .missing:
            return unauthorizedResponse(req, tenant: tenant, description: "Invalid JWT token. No token provided.", diagnostics: nil)
        case .malformed:
            return unauthorizedResponse(req, tenant: tenant, description: "Invalid JWT token. The token is not in JWS format.",
                                        diagnostics: "3000003;reason=\"Invalid JWT token. The token is not in JWS format.\";category=\"invalid_client\"")
        case .badSignature:
            return unauthorizedResponse(req, tenant: tenant, description: "Invalid issuer or signature.",
                                        diagnostics: "3000006;reason=\"Token contains invalid signature.\";category=\"invalid_client\"")
        case .expired, .notYetValid:
            return unauthorizedResponse(req, tenant: tenant, description: "Invalid JWT token. The token is expired.",
                                        diagnostics: "3000007;reason=\"Token is expired.\";category=\"invalid_client\"")
        case let .wrongAudience(aud):
            return unauthorizedResponse(req, tenant: tenant,
                                        description: "Exception of type 'Microsoft.IdentityModel.Tokens.AudienceUriValidationFailedException' was thrown.",
                                        diagnostics: "3000003;reason=\"Invalid audience Uri '\(aud)'.\";category=\"invalid_client\"")
        }
    }

    static func unauthorizedResponse(_ req: EmulatorRequest, tenant: Tenant, description: String, diagnostics: String?) -> EmulatorResponse {
        var r = EmulatorResponse.json(["error_description": .string(description)], status: .unauthorized)
        r.headers.replaceOrAdd(name: "WWW-Authenticate", value:
            "Bearer realm=\"\(tenant.id)\",client_id=\"\(WellKnownApp.sharePoint)\",trusted_issuers=\"00000001-0000-0000-c000-000000000000@*,https://sts.windows.net/*/,https://login.microsoftonline.com/*/v2.0,\(WellKnownApp.sharePoint)@90140122-8516-11e1-8eff-49304924019b\",authorization_uri=\"https://login.windows.net/common/oauth2/authorize\"")
        if let diagnostics { r.headers.replaceOrAdd(name: "x-ms-diagnostics", value: diagnostics) }
        let id = Util.newGUID()
        r.headers.replaceOrAdd(name: "SPRequestGuid", value: id)
        r.headers.replaceOrAdd(name: "request-id", value: id)
        return r
    }

    // MARK: Endpoints

    static func web(_ r: SharePointRequest) -> EmulatorResponse {
        let site = r.site
        let url = site["url"]?.stringValue ?? ""
        let serverRelative = URL(string: url)?.path ?? "/"
        let webId = site["webId"]?.stringValue ?? ""
        var props: [(String, JSON)] = [
            ("AllowRssFeeds", true), ("Configuration", 0), ("Created", "2020-01-01T00:00:00Z"),
            ("CustomMasterUrl", .string(serverRelative.trimmingSuffix("/") + "/_catalogs/masterpage/seattle.master")),
            ("Description", .string(site["description"]?.stringValue ?? "")), ("Id", .string(webId)),
            ("IsMultilingual", true), ("Language", 1033), ("LastItemModifiedDate", "2024-01-01T00:00:00Z"),
            ("LastItemUserModifiedDate", "2024-01-01T00:00:00Z"),
            ("MasterUrl", .string(serverRelative.trimmingSuffix("/") + "/_catalogs/masterpage/seattle.master")),
            ("NoCrawl", false), ("QuickLaunchEnabled", true), ("RecycleBinEnabled", true),
            ("ServerRelativeUrl", .string(serverRelative.isEmpty ? "/" : serverRelative)), ("SiteLogoUrl", nil),
            ("Title", .string(site["title"]?.stringValue ?? "")), ("UIVersion", 15), ("Url", .string(url)),
            ("WebTemplate", .string((site["webTemplate"]?.stringValue ?? "STS").split(separator: "#").first.map(String.init) ?? "STS")),
            ("ResourcePath", ["DecodedUrl": .string(url)]),
        ]
        switch format(r.request) {
        case .verbose:
            props.insert(("__metadata", ["id": .string(url + "/_api/Web"), "uri": .string(url + "/_api/Web"), "type": "SP.Web"]), at: 0)
            return .json(["d": .object(JSONObject(props))])
        case .minimal:
            props.insert(contentsOf: [("odata.metadata", .string(url + "/_api/$metadata#SP.ApiData.Webs/@Element")),
                                      ("odata.type", "SP.Web"), ("odata.id", .string(url + "/_api/Web")),
                                      ("odata.editLink", "Web")], at: 0)
            return .json(.object(JSONObject(props)))
        case .nometadata:
            return .json(.object(JSONObject(props)))
        }
    }
}

/// A request addressed to one site: what SharePoint handlers work with.
public struct SharePointRequest: Routable {
    public let request: EmulatorRequest
    /// The seeded site (its `url` is the absolute web URL).
    public let site: JSON
    public let tenant: Tenant
    /// The path below the site URL, e.g. `/_api/web`.
    public let relativePath: String
    public var routingPath: String { relativePath }
    public var routingMethod: HTTPMethod { request.method }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
