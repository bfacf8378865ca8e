import Foundation
import JSONModel
import NIOHTTP1

/// login.microsoftonline.com and the other clouds' authority hosts: discovery, JWKS, authorize,
/// device code and token endpoints (v2.0 and v1), and the device-login page.
public final class IdentityService: Sendable {
    let state: EmulatorState
    let cloud: EmulatedCloud
    private let router: Router<EmulatorRequest>

    public init(state: EmulatorState, cloud: EmulatedCloud) {
        self.state = state
        self.cloud = cloud
        let tokens = TokenEndpoint(state: state)
        let device = DeviceCodeEndpoint(state: state)
        let page = DeviceLoginPage(state: state)
        let authorize = AuthorizeEndpoint(state: state)
        self.router = Router { r in
            for method in [HTTPMethod.GET, .POST] {
                r.add(method, "{tenant}/oauth2/v2.0/authorize") { req, p in authorize.handle(req, tenantSegment: p["tenant"]!, version: 2) }
                r.add(method, "{tenant}/oauth2/authorize") { req, p in authorize.handle(req, tenantSegment: p["tenant"]!, version: 1) }
            }
            r.add(.GET, "common/discovery/instance") { req, _ in IdentityService.instanceDiscovery(req) }
            r.add(.GET, "common/userrealm/{upn}") { req, p in IdentityService.userRealm(req, upn: p["upn"]!, state: state) }
            r.add(.GET, "{tenant}/v2.0/.well-known/openid-configuration") { req, p in
                IdentityService.openIDConfiguration(req, tenant: p["tenant"]!, v2: true, state: state)
            }
            r.add(.GET, "{tenant}/.well-known/openid-configuration") { req, p in
                IdentityService.openIDConfiguration(req, tenant: p["tenant"]!, v2: false, state: state)
            }
            r.add(.GET, "{tenant}/discovery/v2.0/keys") { req, p in IdentityService.keys(req, tenant: p["tenant"]!, v2: true, state: state) }
            r.add(.GET, "{tenant}/discovery/keys") { req, p in IdentityService.keys(req, tenant: p["tenant"]!, v2: false, state: state) }
            r.add(.GET, "common/discovery/keys") { req, _ in IdentityService.keys(req, tenant: "common", v2: false, state: state) }
            r.add(.POST, "{tenant}/oauth2/v2.0/devicecode") { req, p in device.handle(req, tenantSegment: p["tenant"]!, version: 2) }
            r.add(.POST, "{tenant}/oauth2/devicecode") { req, p in device.handle(req, tenantSegment: p["tenant"]!, version: 1) }
            r.add(.POST, "{tenant}/oauth2/v2.0/token") { req, p in tokens.handle(req, tenantSegment: p["tenant"]!, version: 2) }
            r.add(.POST, "{tenant}/oauth2/token") { req, p in tokens.handle(req, tenantSegment: p["tenant"]!, version: 1) }
            for path in ["devicelogin", "deviceloginus", "deviceloginchina", "device", "common/oauth2/deviceauth"] {
                r.add(.GET, path) { req, _ in page.form(req) }
                r.add(.POST, path) { req, _ in page.submit(req) }
            }
        }
    }

    public func handle(_ request: EmulatorRequest) -> EmulatorResponse {
        switch router.route(request) {
        case let .handled(r): return r
        case .methodNotAllowed:
            return AADError(.methodNotAllowed, "invalid_request", 900561,
                            "The endpoint only accepts \(request.method == .GET ? "POST" : "GET") requests. Received a \(request.method) request.").response(for: request)
        case .notFound:
            return IdentityHeaders.apply(to: .html(Self.notFoundPage, status: .notFound), request: request)
        }
    }

    static let notFoundPage = "<!DOCTYPE html><html><head><title>Not Found</title></head><body><h2>Not Found</h2><p>The resource you are looking for has been removed, had its name changed, or is temporarily unavailable.</p></body></html>"

    // MARK: Discovery

    static func instanceDiscovery(_ req: EmulatorRequest) -> EmulatorResponse {
        var tenant = "common"
        if let auth = req.query["authorization_endpoint"], let url = URL(string: auth) {
            let comps = url.path.split(separator: "/")
            if let first = comps.first { tenant = String(first) }
        }
        let host = ServiceHost.identityHosts[req.host] != nil ? req.host : "login.microsoftonline.com"
        let body: JSON = [
            "tenant_discovery_endpoint": .string("https://\(host)/\(tenant)/v2.0/.well-known/openid-configuration"),
            "api-version": "1.1",
            "metadata": [
                ["preferred_network": "login.microsoftonline.com", "preferred_cache": "login.windows.net",
                 "aliases": ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"]],
                ["preferred_network": "login.partner.microsoftonline.cn", "preferred_cache": "login.partner.microsoftonline.cn",
                 "aliases": ["login.partner.microsoftonline.cn", "login.chinacloudapi.cn"]],
                ["preferred_network": "login.microsoftonline.de", "preferred_cache": "login.microsoftonline.de",
                 "aliases": ["login.microsoftonline.de"]],
                ["preferred_network": "login.microsoftonline.us", "preferred_cache": "login.microsoftonline.us",
                 "aliases": ["login.microsoftonline.us", "login.usgovcloudapi.net"]],
                ["preferred_network": "login-us.microsoftonline.com", "preferred_cache": "login-us.microsoftonline.com",
                 "aliases": ["login-us.microsoftonline.com"]],
            ],
        ]
        return IdentityHeaders.apply(to: .json(body), request: req)
    }

    static func userRealm(_ req: EmulatorRequest, upn: String, state: EmulatorState) -> EmulatorResponse {
        let cloud = ServiceHost.identityHosts[req.host] ?? .global
        let domain = upn.split(separator: "@").last.map(String.init) ?? upn
        let body: JSON
        if state.directory.tenant(forUPN: upn) != nil {
            body = ["ver": "1.0", "account_type": "Managed", "domain_name": .string(domain),
                    "cloud_instance_name": .string(cloud.cloudInstanceName), "cloud_audience_urn": "urn:federation:MicrosoftOnline"]
        } else {
            body = ["ver": "1.0", "account_type": "Unknown", "cloud_instance_name": .string(cloud.cloudInstanceName)]
        }
        return IdentityHeaders.apply(to: .json(body), request: req)
    }

    static func openIDConfiguration(_ req: EmulatorRequest, tenant segment: String, v2: Bool, state: EmulatorState) -> EmulatorResponse {
        let host = req.host
        let cloud = ServiceHost.identityHosts[host] ?? .global
        let issuerTenant: String
        switch segment.lowercased() {
        case "common", "organizations", "consumers":
            issuerTenant = segment.lowercased() == "consumers" ? "9188040d-6c67-4c5b-b112-36a304b66dad" : "{tenantid}"
        default:
            guard let t = state.directory.tenant(idOrDomain: segment) else {
                var e = AADError.tenantNotFound(segment, cloud: cloud)
                e.error = "invalid_tenant"
                return e.response(for: req)
            }
            issuerTenant = t.id
        }
        let base = "https://\(host)/\(segment)"
        let oauth = v2 ? "\(base)/oauth2/v2.0" : "\(base)/oauth2"
        // v1 and v2 share the head and the cloud block at the end; the middle differs.
        var body: JSONObject = [
            "token_endpoint": .string("\(oauth)/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": .string(v2 ? "\(base)/discovery/v2.0/keys" : "https://\(host)/common/discovery/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
        ]
        let middle: JSONObject
        if v2 {
            middle = [
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": .string("https://\(host)/\(issuerTenant)/v2.0"),
                "request_uri_parameter_supported": false,
                "userinfo_endpoint": .string("https://\(cloud.graphHost)/oidc/userinfo"),
                "authorization_endpoint": .string("\(oauth)/authorize"),
                "device_authorization_endpoint": .string("\(oauth)/devicecode"),
                "http_logout_supported": true, "frontchannel_logout_supported": true,
                "end_session_endpoint": .string("\(oauth)/logout"),
                "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
                                     "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username",
                                     "name", "tid", "ver", "at_hash", "c_hash", "email"],
            ]
        } else {
            middle = [
                "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
                "scopes_supported": ["openid"],
                "issuer": .string(issuerTenant == "{tenantid}" ? "https://sts.windows.net/{tenantid}/" : cloud.v1Issuer(tenantId: issuerTenant)),
                "microsoft_multi_refresh_token": true,
                "authorization_endpoint": .string("\(oauth)/authorize"),
                "device_authorization_endpoint": .string("\(oauth)/devicecode"),
                "http_logout_supported": true, "frontchannel_logout_supported": true,
                "end_session_endpoint": .string("\(oauth)/logout"),
                "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
                                     "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "email",
                                     "given_name", "family_name", "nickname"],
                "check_session_iframe": .string("\(oauth)/checksession"),
                "userinfo_endpoint": .string("\(base)/openid/userinfo"),
            ]
        }
        let tail: JSONObject = [
            "kerberos_endpoint": .string("\(base)/kerberos"),
            "tenant_region_scope": "NA",
            "cloud_instance_name": .string(cloud.cloudInstanceName),
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": .string(cloud.graphHost),
            "rbac_url": "https://pas.windows.net",
        ]
        for (key, value) in middle { body[key] = value }
        for (key, value) in tail { body[key] = value }
        return IdentityHeaders.apply(to: .json(.object(body)), request: req)
    }

    static func keys(_ req: EmulatorRequest, tenant segment: String, v2: Bool, state: EmulatorState) -> EmulatorResponse {
        let host = req.host
        var issuer: String? = nil
        if v2 {
            let t = state.directory.tenant(idOrDomain: segment)
            issuer = "https://\(host)/\(t?.id ?? "{tenantid}")/v2.0"
        }
        let body: JSON = ["keys": [state.signingKey.jwk(issuer: issuer)]]
        return IdentityHeaders.apply(to: .json(body), request: req)
    }
}

/// How the tenant segment of an identity URL resolved.
enum TenantSegment {
    case tenant(Tenant)
    case common
    case organizations
    case consumers

    static func resolve(_ segment: String, directory: Directory) -> TenantSegment? {
        switch segment.lowercased() {
        case "common": return .common
        case "organizations": return .organizations
        case "consumers": return .consumers
        default: return directory.tenant(idOrDomain: segment).map { .tenant($0) }
        }
    }

    var tenant: Tenant? {
        if case let .tenant(t) = self { return t }
        return nil
    }
}
