import PluginKit

/// CSOM through the tenant admin site: the Tenant object (its identity learned once per
/// connection), errors that say when a command needs the admin site, and long-running
/// operations polled until SharePoint reports them complete.
extension SPOClient {
    /// `Microsoft.Online.SharePoint.TenantAdministration.Tenant`.
    static let tenantTypeId = "{268004ae-ef6b-4e9b-8425-127220d84719}"
    static let tenantIdentityKey = "spoTenantId"

    /// Runs a CSOM request at `site` with the site's request digest. `ErrorInfo` and HTTP
    /// failures become one-line errors; on the admin site, refusals say the command needs it.
    /// `readOnly`: the query only reads, so it may be sent twice (retried like a GET, and asked
    /// for in advance by `prefetchTenantQuery`). `absent`: error types that mean "not there"
    /// for this query (M365_ERR_NOT_FOUND, as SpoNoSiteException always is).
    func processQuery(_ request: CSOMRequest, at site: String, readOnly: Bool = false, absent: [String] = []) throws(PluginFailure) -> CSOMResponse {
        let url = site + "/_vti_bin/client.svc/ProcessQuery"
        let admin = Self.host(site).contains("-admin.")
        let response: ServiceResponse
        do {
            response = try answer("POST", url, raw: ("text/xml", Array(request.xml(applicationName: Self.applicationName).utf8)),
                                  digestFor: site, flags: readOnly ? UInt32(M365_HTTP_IDEMPOTENT) : 0)
        } catch {
            guard admin, [M365_ERR_FORBIDDEN, M365_ERR_AUTH_REQUIRED, M365_ERR_NETWORK, M365_ERR_NOT_FOUND].contains(error.status) else { throw error }
            throw needsAdminSite(site, error.description, status: error.status)
        }
        switch CSOMResponse.parse(response.body) {
        case let .success(result): return result
        case let .failure(error):
            if admin && error.isAccessDenied { throw needsAdminSite(site, error.message, status: M365_ERR_FORBIDDEN) }
            let missing = error.isNotFound || absent.contains { error.typeName.hasSuffix($0) }
            throw PluginFailure(oneLine(error.message), status: missing ? M365_ERR_NOT_FOUND : M365_ERR_SERVER)
        }
    }

    static let applicationName = "m365 (native CLI for Microsoft 365)"

    /// The clear error of a command that needs the tenant admin site and could not use it.
    func needsAdminSite(_ admin: String, _ reason: String, status: m365_status) -> PluginFailure {
        let command = "m365 \(invocation.service) \(invocation.command)"
        let fix = invocation.setting("connection.isAppOnly") == "true"
            ? "grant the app the SharePoint application permission Sites.FullControl.All"
            : "sign in as a SharePoint or Global administrator"
        return PluginFailure("'\(command)' needs the SharePoint admin site \(admin), which refused it (\(oneLine(reason))): \(fix)",
                             status: status)
    }

    /// Builds a request on the Tenant object at the admin site and runs it. The Tenant is
    /// addressed by the identity cached for this connection; the first time, the constructor is
    /// used and the identity learned from the same answer (no extra request).
    func tenantQuery<T>(readOnly: Bool = false, absent: [String] = [], _ build: (inout CSOMRequest, CSOMRequest.Path) -> T) throws(PluginFailure) -> (CSOMResponse, T) {
        let admin = try adminURL()
        let (request, built, identityQuery) = tenantRequest(build)
        let response = try processQuery(request, at: admin, readOnly: readOnly, absent: absent)
        if let identityQuery, let identity = response[identityQuery]?["_ObjectIdentity_"]?.stringValue, !identity.isEmpty {
            invocation.setState(Self.tenantIdentityKey, identity)
        }
        return (response, built)
    }

    /// Asks the host to send now the read-only `tenantQuery` the listing will make next (its
    /// next page), so SharePoint works on it while this page is printed.
    func prefetchTenantQuery(_ build: (inout CSOMRequest, CSOMRequest.Path) -> Void) throws(PluginFailure) {
        let admin = try adminURL()
        let (request, _, _) = tenantRequest(build)
        try prefetch("POST", admin + "/_vti_bin/client.svc/ProcessQuery",
                     raw: ("text/xml", Array(request.xml(applicationName: Self.applicationName).utf8)),
                     digestFor: admin, flags: UInt32(M365_HTTP_IDEMPOTENT))
    }

    /// The request `tenantQuery` sends, and the query that learns the Tenant's identity when
    /// none is cached yet.
    private func tenantRequest<T>(_ build: (inout CSOMRequest, CSOMRequest.Path) -> T) -> (CSOMRequest, T, Int?) {
        var request = CSOMRequest()
        let cached = invocation.state(Self.tenantIdentityKey)
        let tenant: CSOMRequest.Path
        var identityQuery: Int?
        if let cached, !cached.isEmpty {
            tenant = request.identity(cached)
        } else {
            tenant = request.constructor(typeId: Self.tenantTypeId)
            request.objectPath(tenant)
            identityQuery = request.query(tenant, properties: [])
        }
        let built = build(&request, tenant)
        return (request, built, identityQuery)
    }

    // MARK: Long-running operations

    /// Waits until an `SpoOperation` (site creation, removal, update) completes, polling at the
    /// interval SharePoint asks for. `operation` is the operation object from an answer.
    func waitForOperation(_ operation: JSONObject, what: String) throws(PluginFailure) {
        var current = operation
        let admin = try adminURL()
        var polls = 0
        while current["IsComplete"]?.boolValue != true {
            guard let identity = current["_ObjectIdentity_"]?.stringValue ?? operation["_ObjectIdentity_"]?.stringValue else {
                throw PluginFailure("SharePoint sent an operation without an identity while \(what)", status: M365_ERR_SERVER)
            }
            if polls == 0 { invocation.log("Waiting for SharePoint to finish \(what)…") }
            polls += 1
            let interval = Double(current["PollingInterval"]?.intValue ?? 5000) / 1000
            try pause(seconds: min(max(interval, 0.05), 60), invocation: invocation)
            var request = CSOMRequest()
            let path = request.identity(identity)
            let id = request.query(path, properties: ["IsComplete", "PollingInterval"])
            current = try processQuery(request, at: admin).object(id, "operation status")
        }
    }
}
