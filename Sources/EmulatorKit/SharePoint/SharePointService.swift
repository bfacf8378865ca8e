import Foundation
import JSONModel
import NIOHTTP1

/// SharePoint Online REST for `<tenant>.sharepoint.com`, `-admin` and `-my`. A request is
/// resolved to the web whose URL is the longest prefix of its URL (`/sites/x/sub/_api/...`);
/// handlers see the remainder, with OData call syntax (`lists(guid'…')`, `getbytitle('…')`,
/// `items(5)`) rewritten into plain segments so the router can match it. State lives in
/// `EmulatorState.sharePoint`; endpoints are in `SharePointEndpoints`.
public final class SharePointService: Sendable {
    let state: EmulatorState
    let tenantName: String
    let kind: SharePointHostKind
    let cloud: EmulatedCloud
    private let router: Router<SharePointRequest>

    public init(state: EmulatorState, tenantName: String, kind: SharePointHostKind, cloud: EmulatedCloud) {
        self.state = state
        self.tenantName = tenantName
        self.kind = kind
        self.cloud = cloud
        self.router = Router { r in SharePointEndpoints.register(&r) }
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
        let url = "https://\(req.host)\(req.path)"
        guard let web = state.sharePoint.web(for: url, tenantId: tenant.id) else {
            return Self.decorate(.html(Self.notFoundPage, status: .notFound), req)
        }
        var relative = String(url.dropFirst(web.url.count))
        if relative.isEmpty { relative = "/" }
        let lowered = relative.lowercased()
        if !lowered.hasPrefix("/_api") && !lowered.hasPrefix("/_vti_bin") && relative != "/" {
            // A path below a site that names no web of it (`/sites/x/nowhere/_api/web`).
            return Self.decorate(Self.odataError(.notFound, "-2147024894, System.IO.FileNotFoundException", "File Not Found.", req), req)
        }
        let scoped = SharePointRequest(request: req, web: web, tenant: tenant, state: state,
                                       relativePath: Self.canonicalPath(relative), method: Self.effectiveMethod(req))
        if let denied = Self.guardRequest(scoped) { return Self.decorate(denied, req) }
        switch router.route(scoped) {
        case let .handled(r): return Self.decorate(r, req)
        case .methodNotAllowed, .notFound:
            // The segment SharePoint could not resolve: the last one, without its arguments.
            let last = relative.split(separator: "/").last.map(String.init) ?? ""
            let segment = String(last.prefix { $0 != "(" })
            return Self.decorate(Self.odataError(.notFound, "-1, Microsoft.SharePoint.Client.ResourceNotFoundException",
                                                 "Cannot find resource for the request \(segment).", req), req)
        }
    }

    static let notFoundPage = "<!DOCTYPE html><html><head><title>404 NOT FOUND</title></head><body><h1>404 NOT FOUND</h1></body></html>"

    // MARK: Verbs, paths, permissions and digests

    /// POST with `X-HTTP-Method` tunnels another verb. MERGE, PATCH and PUT all update in place
    /// (the emulator treats PUT as MERGE), so they route as PATCH.
    static func effectiveMethod(_ req: EmulatorRequest) -> HTTPMethod {
        var m = req.method
        if m == .POST, let tunnel = req.header("X-HTTP-Method")?.uppercased() {
            m = HTTPMethod(rawValue: tunnel)
        }
        switch m {
        case .MERGE, .PUT, .PATCH: return .PATCH
        default: return m
        }
    }

    /// `/_api/web/lists/getbytitle('T')/items(5)` becomes `/_api/web/lists/title:T/items/5`:
    /// lists by id, title or URL all become `lists/<kind>:<value>` (percent-encoded, as router
    /// captures are decoded), keys become segments, and `()` calls lose their parentheses.
    static func canonicalPath(_ relative: String) -> String {
        var out: [String] = []
        for raw in splitOutsideParentheses(relative) {
            let seg = raw.removingPercentEncoding ?? raw
            guard let open = seg.firstIndex(of: "("), seg.hasSuffix(")") else { out.append(seg); continue }
            let name = seg[..<open].lowercased()
            var arg = String(seg[seg.index(after: open)..<seg.index(before: seg.endIndex)])
            if arg.lowercased().hasPrefix("guid'") { arg = String(arg.dropFirst(4)) }
            let quoted = arg.count >= 2 && arg.hasPrefix("'") && arg.hasSuffix("'")
            if quoted { arg = String(arg.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'") }
            if arg.lowercased().hasPrefix("decodedurl=") {
                // `decodedUrl='…'` (quotes doubled inside), `decodedUrl=@alias`, or a literal with
                // more arguments after it (`'…', overwrite=false`: its quotes trimmed, the rest kept).
                arg = String(arg.dropFirst("decodedurl=".count)).trimmingCharacters(in: .whitespaces)
                arg = onlyLiteral(arg) ?? arg.trimmingCharacters(in: ["'"])
            }
            let value = FormEncoding.escape(arg)
            switch name {
            case "getbytitle": if ["lists", "views"].contains(out.last?.lowercased() ?? "") { out.append("title:" + value) } else { out.append(seg) }
            case "getbyid": out.append(out.last?.lowercased() == "lists" ? "id:" + value : value)
            case "getlist", "getlistusingpath": out += ["lists", "url:" + value]
            case "lists": out += ["lists", "id:" + value]
            default: out.append(name)
                if !arg.isEmpty { out.append(value) }
            }
        }
        return "/" + out.joined(separator: "/")
    }

    /// The text of `'…'` (doubled quotes undone) when that one literal is the whole of `arg`.
    static func onlyLiteral(_ arg: String) -> String? {
        guard arg.count >= 2, arg.hasPrefix("'"), arg.hasSuffix("'") else { return nil }
        let inner = Array(arg.dropFirst().dropLast())
        var out = ""
        var i = 0
        while i < inner.count {
            if inner[i] == "'" {
                guard i + 1 < inner.count, inner[i + 1] == "'" else { return nil }
                i += 1
            }
            out.append(inner[i])
            i += 1
        }
        return out
    }

    /// Splits on `/` except inside parentheses (`GetList('/sites/x/Lists/T')`).
    static func splitOutsideParentheses(_ path: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for c in path {
            if c == "(" { depth += 1 } else if c == ")" { depth = max(0, depth - 1) }
            if c == "/" && depth == 0 {
                if !current.isEmpty { parts.append(current) }
                current = ""
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { parts.append(current) }
        return parts
    }

    /// Permissions first, then the form digest a write may carry.
    static func guardRequest(_ r: SharePointRequest) -> EmulatorResponse? {
        let path = r.relativePath.lowercased()
        let isContextInfo = path == "/_api/contextinfo"
        // GetItems is a query sent as POST: a read for permissions, but still digest-checked.
        let writes = r.method != .GET && !isContextInfo && !path.hasSuffix("/getitems")
            && !path.hasSuffix("/processquery") // CSOM: a read at the gate, checked per operation
            && !path.hasSuffix("/$batch") // OData batch: each inner request is checked as its own
        let token = r.token
        let held = Set(token.isAppOnly ? token.roles : token.scopes)
        let allowed = token.isAppOnly
            ? (writes ? SharePointAccess.writeRoles : SharePointAccess.readRoles)
            : (writes ? SharePointAccess.writeScopes : SharePointAccess.readScopes)
        if held.isDisjoint(with: allowed) { return SPError.accessDenied.response(r.request) }
        // With a bearer token a write needs no digest (SharePoint asks for one only of cookie
        // sign-ins, which the emulator does not take), but one that is sent must be valid.
        if r.method != .GET && !isContextInfo, let digest = r.request.header("X-RequestDigest") {
            switch r.state.sharePoint.checkDigest(digest, siteCollectionURL: r.web.siteCollectionURL) {
            case .valid: break
            case .invalid: return SPError.invalidDigest.response(r.request)
            case .expired: return SPError.expiredDigest.response(r.request)
            }
        }
        return nil
    }

    // MARK: Responses and errors

    /// The JSON flavours of `Accept`: OData v3 verbose, minimal and no metadata, and OData v4
    /// minimal and none. Anything else (a bare `application/json`, no header) is v3 minimal.
    enum ODataFormat { case verbose, minimal, nometadata, minimalV4, noneV4 }

    static func format(_ req: EmulatorRequest) -> ODataFormat {
        let accept = (req.header("Accept") ?? "").lowercased()
        if accept.contains("odata=verbose") { return .verbose }
        if accept.contains("odata=nometadata") { return .nometadata }
        if accept.contains("odata.metadata=none") { return .noneV4 }
        if accept.contains("odata.metadata=minimal") || accept.contains("odata.metadata=full") { return .minimalV4 }
        return .minimal
    }

    static func decorate(_ response: EmulatorResponse, _ req: EmulatorRequest) -> EmulatorResponse {
        var r = response
        let id = Util.newGUID()
        r.headers.replaceOrAdd(name: "SPRequestGuid", value: id)
        r.headers.replaceOrAdd(name: "request-id", value: id)
        r.headers.replaceOrAdd(name: "MicrosoftSharePointTeamServices", value: libraryVersion)
        r.headers.replaceOrAdd(name: "X-SharePointHealthScore", value: "0")
        // CSOM answers are plain `application/json; charset=utf-8`, not OData.
        if r.headers.first(name: "Content-Type")?.hasPrefix("application/json") == true && !req.path.lowercased().hasSuffix("/processquery") {
            switch format(req) {
            case .verbose, .minimal, .nometadata:
                let f = format(req) == .verbose ? "verbose" : format(req) == .minimal ? "minimalmetadata" : "nometadata"
                r.headers.replaceOrAdd(name: "Content-Type", value: "application/json;odata=\(f);streaming=true;charset=utf-8")
                r.headers.replaceOrAdd(name: "DataServiceVersion", value: "3.0")
            case .minimalV4, .noneV4:
                let f = format(req) == .minimalV4 ? "minimal" : "none"
                r.headers.replaceOrAdd(name: "Content-Type",
                                       value: "application/json;odata.metadata=\(f);odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
                r.headers.replaceOrAdd(name: "OData-Version", value: "4.0")
            }
        }
        return r
    }

    static let libraryVersion = "16.0.0.25000"

    /// `{"odata.error":{code, message:{lang, value}}}` (OData v3 light JSON), the same inner
    /// object under `error` (verbose), or OData v4's `{"error":{code, message}}`.
    public static func odataError(_ status: HTTPResponseStatus, _ code: String, _ message: String, _ req: EmulatorRequest) -> EmulatorResponse {
        let inner: JSON = ["code": .string(code), "message": ["lang": "en-US", "value": .string(message)]]
        switch format(req) {
        case .verbose: return .json(["error": inner], status: status)
        case .minimal, .nometadata: return .json(["odata.error": inner], status: status)
        case .minimalV4, .noneV4: return .json(["error": ["code": .string(code), "message": .string(message)]], status: status)
        }
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

}

/// A request addressed to one web: what SharePoint handlers work with.
public struct SharePointRequest: Routable {
    public let request: EmulatorRequest
    let web: SPWeb
    public let tenant: Tenant
    let state: EmulatorState
    /// The canonical path below the web URL, e.g. `/_api/web/lists/title:Tasks/items`.
    public let relativePath: String
    /// The verb after `X-HTTP-Method` tunnelling (updates as PATCH).
    public let method: HTTPMethod
    public var routingPath: String { relativePath }
    public var routingMethod: HTTPMethod { method }
    var token: ValidatedToken { request.auth! }
    var store: SharePointStore { state.sharePoint }
    var format: SharePointService.ODataFormat { SharePointService.format(request) }
}

/// Which tokens may read and write SharePoint content: delegated `AllSites.*` scopes and
/// application `Sites.*.All` roles, read-only ones refused on writes.
enum SharePointAccess {
    static let readScopes: Set<String> = ["AllSites.Read", "AllSites.Write", "AllSites.Manage", "AllSites.FullControl"]
    static let writeScopes: Set<String> = ["AllSites.Write", "AllSites.Manage", "AllSites.FullControl"]
    static let readRoles: Set<String> = ["Sites.Read.All", "Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All"]
    static let writeRoles: Set<String> = ["Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All"]
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
