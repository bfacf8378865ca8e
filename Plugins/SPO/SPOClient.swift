#if canImport(Glibc)
import Glibc
#endif
import PluginKit

/// SharePoint REST (`{web}/_api/…`) as a plugin command uses it: URLs expanded against the
/// connection's SharePoint URL, a request digest per site collection for writes, and the one
/// service client (PluginKit's `ServiceClient`) speaking SharePoint's dialect: light JSON without
/// metadata, `odata.nextLink` paging, SharePoint's error bodies as one-line failures.
struct SPOClient: CommandClient {
    let service: ServiceClient
    var invocation: Invocation { service.invocation }

    init(_ invocation: Invocation) { service = ServiceClient(invocation, dialect: Self.dialect) }

    /// SharePoint rejects app-only tokens obtained with a client secret (401 "Unsupported app
    /// only token."): say so before any request, as CLI for Microsoft 365 does.
    static func checkConnection(_ invocation: Invocation) throws(PluginFailure) {
        if invocation.setting("connection.authType") == "secret" {
            throw PluginFailure("SharePoint does not support authentication using client ID and secret: sign in with a certificate (m365 login --authType certificate) or as a user",
                                status: M365_ERR_AUTH_REQUIRED)
        }
    }

    /// `Accept` as CLI for Microsoft 365 sends it: bare properties, `odata.nextLink` for paging.
    static let accept = "application/json;odata=nometadata"
    static let headers: [(name: String, value: String)] = [("Accept", accept)]

    static let dialect = ServiceDialect(name: "SharePoint", headers: headers, jsonContentType: "application/json;odata=nometadata",
                                        nextLinkKeys: ["odata.nextLink", "@odata.nextLink"]) { invocation, response, url, write in
        failure(response, url: url, write: write, appOnly: invocation.setting("connection.isAppOnly") == "true")
    }

    // MARK: URLs

    /// The connection's SharePoint root (`https://contoso.sharepoint.com`), or a clear failure.
    /// The tenant's SharePoint URL: given to `spo connect` or `spo set --url`, else learned once
    /// from Graph's `sites/root`; kept with the connection as the fact `spoUrl`.
    func spoURL() throws(PluginFailure) -> String {
        // Connected to the admin site (`spo connect https://contoso-admin…`): the tenant's other
        // sites live on the root host, which is what server-relative URLs mean.
        if let url = invocation.setting("connection.\(SPOConnection.urlFact)"), !url.isEmpty { return Self.rootURL(Self.trimSlash(url)) }
        let graph = invocation.setting("connection.graphOrigin") ?? "https://graph.microsoft.com"
        let response = try invocation.send(ServiceRequest(url: graph + "/v1.0/sites/root?$select=webUrl",
                                                        headers: [("Accept", "application/json")]))
        guard response.isSuccess, let url = response.json?["webUrl"]?.stringValue, url.hasPrefix("https://") else {
            let why = response.isSuccess ? "no webUrl" : "HTTP \(response.status)"
            throw PluginFailure("SharePoint URL is not available (Graph sites/root: \(why)): run 'm365 spo set --url https://contoso.sharepoint.com' or use absolute URLs",
                                status: M365_ERR_INVALID_ARGUMENT)
        }
        let root = Self.trimSlash(url)
        // Kept for the next runs (and `m365 request --url @spo/…`); a cache, so not fatal.
        do { try invocation.setConnectionFact(SPOConnection.urlFact, root) } catch {
            invocation.log("could not keep the SharePoint URL: \(error)", level: M365_LOG_DEBUG)
        }
        return root
    }

    /// `https://contoso.sharepoint.com` for a tenant URL given as the admin site's.
    static func rootURL(_ url: String) -> String {
        guard let range = url.firstRange(of: "-admin.") else { return url }
        return String(url[..<range.lowerBound]) + "." + String(url[range.upperBound...])
    }

    /// The tenant admin site, derived from the SharePoint URL as CLI for Microsoft 365 does:
    /// `https://contoso.sharepoint.com` → `https://contoso-admin.sharepoint.com`.
    func adminURL() throws(PluginFailure) -> String {
        let root = try spoURL()
        let host = Self.host(root)
        guard let dot = host.firstIndex(of: ".") else {
            throw PluginFailure("cannot derive the SharePoint admin site from \(root)", status: M365_ERR_INVALID_ARGUMENT)
        }
        return "https://" + host[..<dot] + "-admin" + host[dot...]
    }

    /// The absolute URL of the web an option names: server-relative values (`/sites/x`) are
    /// expanded against the connection's SharePoint URL; absolute ones must be https.
    func webURL(_ options: Options, _ key: OptionKey<String>) throws(PluginFailure) -> String {
        guard let value = options.string(key)?.trimmingSpaces, !value.isEmpty else { throw usage("--\(key.name) is required") }
        return try absolute(value, option: key.name)
    }

    func absolute(_ value: String, option name: String) throws(PluginFailure) -> String {
        if value.hasPrefix("/") { return Self.trimSlash(try spoURL() + value) }
        let lower = value.lowercased()
        guard lower.hasPrefix("https://"), value.count > 8, !value.dropFirst(8).hasPrefix("/") else {
            // The CLI's sentence, then what --<option> takes.
            throw usage("'\(value)' is not a valid SharePoint Online site URL. --\(name) takes https://contoso.sharepoint.com/sites/x or a server-relative /sites/x")
        }
        return Self.trimSlash(value)
    }

    /// `/sites/x` for `https://contoso.sharepoint.com/sites/x` ("/" for the root web).
    static func serverRelative(_ absoluteURL: String) -> String {
        let rest = absoluteURL.dropFirst(absoluteURL.hasPrefix("https://") ? 8 : 0)
        guard let slash = rest.firstIndex(of: "/") else { return "/" }
        return String(rest[slash...])
    }

    /// A server-relative URL for a list, folder or file option, read as CLI for Microsoft 365
    /// reads it: relative to the web (`Lists/Tasks` and `/Lists/Tasks` alike) unless it already
    /// holds the web's path (`/sites/x/Lists/Tasks`, `sites/x/Lists/Tasks`), or absolute.
    static func serverRelative(listURL: String, web: String) -> String {
        var value = listURL.lowercased().hasPrefix("https://") ? serverRelative(trimSlash(listURL)) : listURL
        let base = serverRelative(web)
        let webPath = base.dropFirst()  // "sites/x"; empty for the root web
        if !webPath.isEmpty, let rest = value.after(caseInsensitive: String(webPath)) { value = String(rest) }
        if !value.hasPrefix("/") { value = "/" + value }
        value = trimSlash(value)
        if base == "/" { return value }
        return value == "/" ? base : base + value
    }

    static func trimSlash(_ url: String) -> String {
        var text = Substring(url)
        while text.count > 1, text.hasSuffix("/"), !text.hasSuffix("://") { text.removeLast() }
        return String(text)
    }

    // MARK: Requests

    /// Sends one request to `url` (absolute); writes carry the site's request digest. Returns the
    /// JSON body (nil for an empty 2xx body such as 204).
    @discardableResult
    func send(_ method: String, _ url: String, body: JSON? = nil, headers extra: [(name: String, value: String)] = [],
              digestFor web: String? = nil) throws(PluginFailure) -> JSON? {
        try service.json(answer(method, url, body: body, headers: extra, digestFor: web), url: url)
    }

    /// Like `send`, the successful answer itself.
    /// `raw` sends a body that is not JSON (CSOM's XML) with its content type.
    func answer(_ method: String, _ url: String, body: JSON? = nil, raw: (contentType: String, bytes: [UInt8])? = nil,
                headers extra: [(name: String, value: String)] = [], digestFor web: String? = nil, flags: UInt32 = 0) throws(PluginFailure) -> ServiceResponse {
        var request = try outgoing(method, url, body: body, raw: raw, headers: extra, digestFor: web, flags: flags)
        guard let web else { return try service.answer(request) }
        var response = try invocation.send(request)
        // A digest the server no longer accepts (expired early, site moved): fetch a new one once.
        if response.status == 403, ServiceError.parse(response)?.code.hasPrefix("-2130575251") == true {
            forgetDigest(web)
            request.headers.removeAll { $0.name == "X-RequestDigest" }
            request.headers.append(("X-RequestDigest", try digest(web)))
            response = try invocation.send(request)
        }
        return try service.checked(response, url: url, write: true)
    }

    /// Asks the host to send now what a later `answer` with the same arguments will send (a read
    /// the plugin knows it needs next: the next page of a CSOM listing).
    func prefetch(_ method: String, _ url: String, raw: (contentType: String, bytes: [UInt8])? = nil,
                  digestFor web: String? = nil, flags: UInt32 = 0) throws(PluginFailure) {
        invocation.prefetch(try outgoing(method, url, raw: raw, digestFor: web, flags: flags))
    }

    /// The request `answer` sends first: the body, and the site's request digest for a write.
    private func outgoing(_ method: String, _ url: String, body: JSON? = nil, raw: (contentType: String, bytes: [UInt8])? = nil,
                          headers extra: [(name: String, value: String)] = [], digestFor web: String?, flags: UInt32) throws(PluginFailure) -> ServiceRequest {
        var request = service.request(method, url, body: body, headers: extra)
        request.flags |= flags
        if let raw {
            request.headers.append(("Content-Type", raw.contentType))
            request.body = raw.bytes
        }
        if let web { request.headers.append(("X-RequestDigest", try digest(web))) }
        return request
    }

    /// GETs one object.
    func get(_ url: String) throws(PluginFailure) -> JSONObject {
        Self.unwrapVerbose(try service.get(url))
    }

    /// A write (POST, or MERGE/DELETE tunnelled through POST as SharePoint expects). No request
    /// digest: with a bearer token SharePoint's REST API does not ask for one, and CLI for
    /// Microsoft 365 sends none; CSOM calls and CAML queries still carry it, as the CLI's do.
    @discardableResult
    func write(_ url: String, tunnel: String? = nil, headers extra: [(name: String, value: String)] = [], body: JSON? = nil) throws(PluginFailure) -> JSON? {
        var headers = extra
        if let tunnel { headers += [("X-HTTP-Method", tunnel), ("IF-MATCH", "*")] }
        return try send("POST", url, body: body, headers: headers)
    }

    /// The first page of a collection when it is not a GET (GetItems with a CAML query is a
    /// POST with the site's digest); nil for a GET.
    private func firstPage(_ url: String, method: String, body: JSON?, web: String?) -> ServiceClient.FirstPage? {
        guard method != "GET" else { return nil }
        return { () throws(PluginFailure) in try answer(method, url, body: body, digestFor: web) }
    }

    /// Every item of a collection, page by page (see `ServiceClient.forEachItem`).
    func forEachItem(_ url: String, method: String = "GET", body requestBody: JSON? = nil, web: String? = nil,
                     _ body: (JSONObject) throws(PluginFailure) -> Void) throws(PluginFailure) {
        try service.forEachItem(url, first: firstPage(url, method: method, body: requestBody, web: web), body)
    }

    /// Streams a collection to the command's output as pages arrive (see `ServiceClient.list`).
    func list(_ url: String, method: String = "GET", body requestBody: JSON? = nil, web: String? = nil, dropping: String? = nil,
              transform: ((JSONObject) throws(PluginFailure) -> JSONObject?)? = nil) throws(PluginFailure) {
        try service.list(url, first: firstPage(url, method: method, body: requestBody, web: web), dropping: dropping, transform: transform)
    }

    /// `{"d":{…}}` (verbose) as its inner object; anything else unchanged.
    static func unwrapVerbose(_ object: JSONObject) -> JSONObject {
        if object.count == 1, let inner = object["d"]?.objectValue { return inner }
        return object
    }

    // MARK: Request digest

    /// The request digest for the site collection of `web`: from this connection's plugin state
    /// while it is fresh, else `POST {web}/_api/contextinfo`. Kept under the web's URL and its
    /// site collection's URL, so every web of a site collection shares one digest.
    func digest(_ web: String) throws(PluginFailure) -> String {
        let now = Self.now()
        if let cached = invocation.state(Self.digestKey(web)), let entry = Self.parseDigest(cached), entry.expires > now { return entry.value }
        let url = web + "/_api/contextinfo"
        let response = try invocation.send(ServiceRequest(method: "POST", url: url, headers: Self.headers))
        guard response.isSuccess else { throw failure(response, url: url, write: true) }
        guard var info = response.json?.objectValue else {
            throw PluginFailure("SharePoint sent no context information for \(web)", status: M365_ERR_SERVER)
        }
        if let inner = info["d"]?["GetContextWebInformation"]?.objectValue { info = inner }
        guard let value = info["FormDigestValue"]?.stringValue, !value.isEmpty else {
            throw PluginFailure("SharePoint sent no FormDigestValue for \(web)", status: M365_ERR_SERVER)
        }
        let timeout = info["FormDigestTimeoutSeconds"]?.intValue ?? 1800
        // Reuse until shortly before it expires: a margin of a tenth of its life, at most a minute.
        let expires = now + timeout - min(60, max(5, timeout / 10))
        let entry = "\(expires)|\(value)"
        invocation.setState(Self.digestKey(web), entry)
        if let site = info["SiteFullUrl"]?.stringValue, Self.trimSlash(site).lowercased() != web.lowercased() {
            invocation.setState(Self.digestKey(Self.trimSlash(site)), entry)
        }
        return value
    }

    func forgetDigest(_ web: String) { invocation.setState(Self.digestKey(web), nil) }

    static func digestKey(_ web: String) -> String { "digest " + trimSlash(web).lowercased() }

    static func parseDigest(_ text: String) -> (expires: Int, value: String)? {
        guard let bar = text.firstIndex(of: "|"), let expires = Int(text[..<bar]) else { return nil }
        return (expires, String(text[text.index(after: bar)...]))
    }

    static func now() -> Int { Int(time(nil)) }

    // MARK: Errors

    /// A SharePoint error answer as one line, with the status an ABI caller expects. 401 and 403
    /// say what is missing; a body that is not SharePoint's (a proxy's HTML page) names the status
    /// and the host.
    static func failure(_ response: ServiceResponse, url: String, write: Bool, appOnly: Bool) -> PluginFailure {
        let status = response.failureStatus
        let host = Self.host(url)
        let error = ServiceError.parse(response)
        var text: String
        if let error {
            let message = oneLine(error.message)
            text = message.isEmpty ? error.code : message
            if text.isEmpty { text = "SharePoint answered HTTP \(response.status)" }
        } else if !response.body.isEmpty, response.json == nil, !(response.header("content-type") ?? "").contains("json") {
            let plain = oneLine(response.text)
            let isHTML = plain.hasPrefix("<") || (response.header("content-type") ?? "").contains("html")
            text = isHTML || plain.count > 200 || plain.isEmpty ? "HTTP \(response.status) from \(host)" : plain
        } else {
            text = "HTTP \(response.status) from \(host)"
        }
        switch response.status {
        case 401:
            if text.lowercased().contains("unsupported app only token") {
                text = "SharePoint does not accept app-only tokens from a client secret (\(text)): sign in with a certificate (m365 login --authType certificate)"
            } else {
                text = "SharePoint did not accept the access token for \(host) (\(text)): sign in again with 'm365 login'"
            }
        case 403:
            let need = write ? "Sites.ReadWrite.All" : "Sites.Read.All"
            text = appOnly
                ? "\(text) (HTTP 403): the app needs the SharePoint application permission \(need) or higher on \(host)"
                : "\(text) (HTTP 403): the signed-in account needs \(write ? "edit" : "read") permission on this site"
        case 404 where error?.code.contains("FileNotFoundException") == true:
            // SharePoint's answer for a site or web that does not exist names neither.
            let web = url.firstRange(of: "/_api/").map { String(url[..<$0.lowerBound]) } ?? url
            text = "\(text) There is no site or web at \(web)"
        default: break
        }
        return PluginFailure(text, status: status)
    }

    /// The failure for an error answer of this connection (see `failure(_:url:write:appOnly:)`).
    func failure(_ response: ServiceResponse, url: String, write: Bool) -> PluginFailure {
        Self.dialect.failure(invocation, response, url, write)
    }

    static func host(_ url: String) -> String {
        let rest = url.hasPrefix("https://") ? url.dropFirst(8) : Substring(url)
        return String(rest.prefix { $0 != "/" && $0 != "?" })
    }

}

/// OData query text for SharePoint REST: quoted literals and `?$select=…&$filter=…`.
