import Foundation
import JSONModel

/// `GET /sites/root`: the tenant's root SharePoint site. CLI for Microsoft 365 reads its
/// `webUrl` to learn the tenant's SharePoint URL.
enum GraphSites {
    static let delegated: Set<String> = ["Sites.Read.All", "Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All"]
    static let application = delegated

    static func register(_ g: inout GraphRoutes) {
        g.on(.GET, "sites/root", .signedIn) { c in
            let token = c.token
            guard token.isAppOnly ? token.roles.contains(where: application.contains) : token.scopes.contains(where: delegated.contains) else {
                throw GraphError(.forbidden, "accessDenied", "Access denied")
            }
            guard let web = c.state.sharePoint.rootWeb(tenantId: c.tenantId) else {
                throw GraphError(.notFound, "itemNotFound", "The tenant has no SharePoint root site.")
            }
            let host = String(web.url.dropFirst("https://".count))
            let site: JSONObject = [
                "@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#sites/$entity"),
                "createdDateTime": .string(web.created), "description": .string(web.description),
                "id": .string("\(host),\(web.siteId),\(web.id)"), "lastModifiedDateTime": .string(web.lastItemModified),
                "name": .string(""), "webUrl": .string(web.url), "displayName": .string(web.title),
                "root": [:], "siteCollection": ["hostname": .string(host)],
            ]
            return .json(.object(site))
        }
    }
}
