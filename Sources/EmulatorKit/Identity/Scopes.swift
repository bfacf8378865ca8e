/// The resource and permissions a token request asks for, from a v2 `scope` or a v1 `resource`.
public struct ScopeSelection: Sendable {
    public var resource: ResolvedResource
    /// Delegated permission names without the resource prefix (for `scp`).
    public var scopes: [String]
    /// openid, profile, email, offline_access as requested.
    public var oidcScopes: [String]
    public var isDefault: Bool

    static let oidcNames: Set<String> = ["openid", "profile", "email", "offline_access"]

    /// Parses a v2 `scope` parameter. Bare names (`User.Read`) mean Microsoft Graph, as in Entra.
    public static func parse(scope: String, tenant: Tenant, app: Application, appOnly: Bool) -> Result<ScopeSelection, AADError> {
        let items = scope.split(whereSeparator: { $0 == " " || $0 == "+" }).map(String.init)
        var oidc: [String] = []
        var resourceId: String?
        var names: [String] = []
        for item in items {
            if oidcNames.contains(item.lowercased()) {
                oidc.append(item.lowercased())
                continue
            }
            let (res, name) = split(item)
            if let r = resourceId, r.lowercased() != res.lowercased() { return .failure(.multipleResources(scope)) }
            resourceId = res
            names.append(name)
        }
        if appOnly {
            guard let r = resourceId, names.count == 1, names[0] == ".default", oidc.isEmpty else {
                return .failure(.clientCredentialsScope(scope))
            }
            guard let resource = tenant.resolveResource(r) else { return .failure(.resourceNotFound(r, tenant: tenant.initialDomain)) }
            return .success(ScopeSelection(resource: resource, scopes: [], oidcScopes: [], isDefault: true))
        }
        let rid = resourceId ?? "https://graph.microsoft.com"
        guard let resource = tenant.resolveResource(rid) else { return .failure(.resourceNotFound(rid, tenant: tenant.initialDomain)) }
        if names.isEmpty || names.contains(".default") {
            if names.count > 1 { return .failure(.invalidScope(scope)) }
            return .success(ScopeSelection(resource: resource, scopes: defaultScopes(resource: resource, app: app),
                                           oidcScopes: oidc, isDefault: true))
        }
        let published = resource.servicePrincipal.publishedScopes ?? []
        var granted: [String] = []
        for n in names {
            guard let p = published.first(where: { $0.caseInsensitiveCompare(n) == .orderedSame }) else {
                return .failure(.invalidScope(resource.audience + "/" + n))
            }
            if !granted.contains(p) { granted.append(p) }
        }
        return .success(ScopeSelection(resource: resource, scopes: granted, oidcScopes: oidc, isDefault: false))
    }

    /// Builds the selection for a v1 request's `resource`.
    public static func v1(resource: String, tenant: Tenant, app: Application) -> Result<ScopeSelection, AADError> {
        guard let r = tenant.resolveResource(resource) else { return .failure(.resourceNotFound(resource, tenant: tenant.initialDomain)) }
        return .success(ScopeSelection(resource: r, scopes: defaultScopes(resource: r, app: app), oidcScopes: ["openid"], isDefault: true))
    }

    /// The consented permissions of `app` for `resource` (what `.default` means).
    static func defaultScopes(resource: ResolvedResource, app: Application) -> [String] {
        let granted = app.grantedScopes(resourceAppId: resource.appId)
        if !granted.isEmpty { return granted }
        if resource.appId == WellKnownApp.graph { return ["User.Read"] }
        return [resource.servicePrincipal.publishedScopes?.first ?? "user_impersonation"]
    }

    /// Splits `https://graph.microsoft.com/User.Read` into resource and permission.
    static func split(_ item: String) -> (String, String) {
        if let schemeEnd = item.range(of: "://") {
            let afterScheme = item[schemeEnd.upperBound...]
            if let slash = afterScheme.lastIndex(of: "/"), afterScheme.firstIndex(of: "/") != nil {
                return (String(item[..<slash]), String(item[item.index(after: slash)...]))
            }
            return (item, "")
        }
        if let slash = item.lastIndex(of: "/") {  // "00000003-…/User.Read"
            return (String(item[..<slash]), String(item[item.index(after: slash)...]))
        }
        return ("https://graph.microsoft.com", item)
    }

    /// The response's `scope` value (v2): granted permissions qualified with the resource.
    public var responseScope: String {
        scopes.map { "\(resource.audience)/\($0)" }.joined(separator: " ")
    }
}
