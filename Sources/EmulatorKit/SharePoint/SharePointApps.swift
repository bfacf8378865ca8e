import Foundation
import JSONModel
import NIOConcurrencyHelpers
import NIOHTTP1

/// One solution package in an app catalog, and the webs it is installed in.
struct SPApp: Sendable {
    var id: String
    var productId: String
    var title: String
    var fileName: String
    var version: String
    var description: String
    var length: Int
    var deployed = false
    var currentVersionDeployed = false
    var skipFeatureDeployment = false
    var isClientSideSolution = true
    var created: String
    var modified: String
    var fileVersion = 1
    /// Lower-cased web URL → installed version.
    var installed: [String: String] = [:]
}

/// The packages of every app catalog (tenant and site collection ones), keyed by the catalog
/// site's URL; cleared on reset.
final class SPAppStore: @unchecked Sendable {
    private let lock = NIOLock()
    private var catalogs: [String: [SPApp]] = [:]

    func reset() { lock.withLock { catalogs = [:] } }

    func with<T>(tenantId: String, catalog: String, _ body: (inout [SPApp]) throws -> T) rethrows -> T {
        let key = tenantId.lowercased() + "|" + catalog.lowercased()
        return try lock.withLock {
            var apps = catalogs[key] ?? []
            defer { catalogs[key] = apps }
            return try body(&apps)
        }
    }
}

/// The tenant settings' app catalog URL and the ALM API (`tenantappcatalog` and
/// `sitecollectionappcatalog`): add, deploy, retract, install, uninstall, remove.
/// The tenant app catalog is the site collection whose root web has the APPCATALOG template;
/// a site collection app catalog is an "Apps for SharePoint" library (template 336) on a site
/// collection's root web.
enum SharePointApps {
    typealias Handler = @Sendable (SharePointRequest, [String: String]) throws -> EmulatorResponse

    static func register(_ r: inout Router<SharePointRequest>.RouteList) {
        func on(_ method: HTTPMethod?, _ path: String, _ handler: @escaping Handler) { r.sharePoint(method, path, handler) }
        on(.GET, "_api/sp_tenantsettings_current", tenantSettings)
        // `GetFolderByServerRelativeUrl('AppCatalog')/Files('x.sppkg')` is routed with the files API (`SharePointFiles.getFile`).
        for (catalog, tenant) in [("_api/web/tenantappcatalog", true), ("_api/web/sitecollectionappcatalog", false)] {
            on(.GET, catalog + "/availableapps", { r, _ in try listApps(r, try catalogURL(r, tenant: tenant)) })
            on(.GET, catalog + "/availableapps/{id}", { r, p in try getApp(r, try catalogURL(r, tenant: tenant), p) })
            on(.POST, catalog + "/availableapps/{id}/{action}", { r, p in
                try action(r, p["id"] ?? "", (p["action"] ?? "").lowercased(), catalogURL: try catalogURL(r, tenant: tenant))
            })
            on(.POST, catalog + "/add/{args}", { r, p in try addApp(r, try catalogURL(r, tenant: tenant), p) })
        }
    }

    static let appNotFound = SPError(.notFound, "-1, Microsoft.SharePoint.Client.ResourceNotFoundException",
                                     "Exception of type 'Microsoft.SharePoint.Client.ResourceNotFoundException' was thrown.")

    /// The tenant app catalog's URL, if the tenant has one.
    static func tenantCatalogURL(_ r: SharePointRequest) -> String? {
        r.store.with(r.tenant.id) { webs in
            webs.values.filter { $0.webTemplate.uppercased() == "APPCATALOG" && $0.url == $0.siteCollectionURL }.map(\.url).min()
        }
    }

    /// The site collection app catalog of `r`'s site collection, if it has one.
    static func siteCatalogURL(_ r: SharePointRequest) -> String? {
        guard let root = r.store.web(for: r.web.siteCollectionURL, tenantId: r.tenant.id) else { return nil }
        return r.store.locked { root.lists.contains { $0.baseTemplate == 336 } } ? root.url : nil
    }

    static func tenantSettings(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let url = tenantCatalogURL(r)
        return .json(SPRender(r).entity(["CorporateCatalogUrl": url.map(JSON.string) ?? .null],
                                        SPMeta(type: "SP.TenantSettings", editLink: "SP_TenantSettings_Current"), context: "SP.TenantSettings"))
    }

    // MARK: Rendering

    static func appProps(_ a: SPApp, web: String) -> JSONObject {
        let installed = a.installed[web.lowercased()]
        return [
            "AadAppId": "00000000-0000-0000-0000-000000000000", "AadPermissions": "", "AppCatalogVersion": .string(a.version),
            "CanUpgrade": .bool(installed.map { $0 != a.version } ?? false), "CDNLocation": "SharePoint Online",
            "ContainsTenantWideExtension": false, "CurrentVersionDeployed": .bool(a.currentVersionDeployed), "Deployed": .bool(a.deployed),
            "ErrorMessage": "No errors.", "ID": .string(a.id), "InstalledVersion": .string(installed ?? ""),
            "IsClientSideSolution": .bool(a.isClientSideSolution), "IsEnabled": true, "IsPackageDefaultSkipFeatureDeployment": .bool(a.skipFeatureDeployment),
            "IsValidAppPackage": true, "ProductId": .string(a.productId), "ShortDescription": .string(a.description),
            "SkipDeploymentFeature": .bool(a.deployed && a.skipFeatureDeployment), "StoreAssetId": "", "SupportsTeamsTabs": false,
            "ThumbnailUrl": "", "Title": .string(a.title),
        ]
    }

    static func appMeta(_ a: SPApp) -> SPMeta {
        SPMeta(type: "Microsoft.SharePoint.Marketplace.CorporateCuratedGallery.CorporateCatalogAppMetadata",
               editLink: "Web/TenantAppCatalog/AvailableApps/GetById('\(a.id)')")
    }

    static func fileProps(_ a: SPApp, catalog: String) -> JSONObject {
        let guid = a.id.uppercased()
        let rel = serverRelative(catalog).trimmingSuffix("/") + "/AppCatalog/" + a.fileName
        return [
            "CheckInComment": "", "CheckOutType": 2, "ContentTag": .string("{\(guid)},\(a.fileVersion),1"), "CustomizedPageStatus": 0,
            "ETag": .string("\"{\(guid)},\(a.fileVersion)\""), "Exists": true, "ExistsAllowThrowForPolicyFailures": true, "IrmEnabled": false,
            "Length": .string(String(a.length)), "Level": 1, "LinkingUri": nil, "LinkingUrl": "", "MajorVersion": JSON(a.fileVersion),
            "MinorVersion": 0, "Name": .string(a.fileName), "ServerRelativeUrl": .string(rel), "TimeCreated": .string(a.created),
            "TimeLastModified": .string(a.modified), "Title": .string(a.title), "UIVersion": JSON(512 * a.fileVersion),
            "UIVersionLabel": .string("\(a.fileVersion).0"), "UniqueId": .string(a.id),
        ]
    }

    /// `/sites/apps` for `https://contoso.sharepoint.com/sites/apps`.
    static func serverRelative(_ url: String) -> String {
        let path = URL(string: url)?.path ?? ""
        return path.isEmpty ? "/" : path
    }

    static func fileMeta(_ a: SPApp) -> SPMeta { SPMeta(type: "SP.File", editLink: "Web/GetFileById(guid'\(a.id)')") }

    // MARK: Packages

    /// Title, product id and version from the package's AppManifest.xml when it is stored
    /// uncompressed in the package; otherwise from the file name.
    static func manifest(_ bytes: [UInt8], fileName: String) -> (title: String, productId: String, version: String, description: String, skip: Bool) {
        let text = String(decoding: bytes.map { $0 < 0x80 ? $0 : 0x20 }, as: UTF8.self)
        let title = SharePointEndpoints.firstMatch(#"<Title>([^<]*)</Title>"#, in: text)?[0]
            ?? String(fileName.split(separator: ".").first ?? Substring(fileName))
        let product = SharePointEndpoints.firstMatch(#"ProductID="\{?([0-9a-fA-F-]{36})\}?""#, in: text)?[0].lowercased()
            ?? Util.nameGUID("app/\(fileName.lowercased())")
        let version = SharePointEndpoints.firstMatch(#"<App [^>]*Version="([0-9.]+)""#, in: text)?[0] ?? "1.0.0.0"
        let description = SharePointEndpoints.firstMatch(#"<ShortDescription>([^<]*)</ShortDescription>"#, in: text)?[0] ?? ""
        let skip = SharePointEndpoints.firstMatch(#"SkipFeatureDeployment="(true)""#, in: text) != nil
        return (title, product, version, description, skip)
    }

    // MARK: Catalog requests

    static func catalogURL(_ r: SharePointRequest, tenant: Bool) throws -> String {
        guard let url = tenant ? tenantCatalogURL(r) : siteCatalogURL(r) else {
            throw SPError(.notFound, "-1, System.InvalidOperationException",
                          tenant ? "The tenant app catalog does not exist." : "There is no site collection app catalog at \(r.web.siteCollectionURL).")
        }
        return url
    }

    static func listApps(_ r: SharePointRequest, _ catalogURL: String) throws -> EmulatorResponse {
        let render = SPRender(r)
        let apps = r.store.apps.with(tenantId: r.tenant.id, catalog: catalogURL) { $0 }
        return .json(render.collection(apps.map { render.entry(appProps($0, web: r.web.url), appMeta($0)) },
                                       context: "Collection(Microsoft.SharePoint.Marketplace.CorporateCuratedGallery.CorporateCatalogAppMetadata)", next: nil))
    }

    static func getApp(_ r: SharePointRequest, _ catalogURL: String, _ p: [String: String]) throws -> EmulatorResponse {
        let app = try r.store.apps.with(tenantId: r.tenant.id, catalog: catalogURL) { apps in try find(p["id"] ?? "", in: apps) }
        return .json(SPRender(r).entity(appProps(apps: app, r), appMeta(app), context: "Microsoft.SharePoint.Marketplace.CorporateCuratedGallery.CorporateCatalogAppMetadata"))
    }

    /// `Add(overwrite=…,url='x.sppkg')` with the package as the body.
    static func addApp(_ r: SharePointRequest, _ catalogURL: String, _ p: [String: String]) throws -> EmulatorResponse {
        try requireOwner(r)
        let args = p["args"] ?? ""
        guard let name = SharePointEndpoints.firstMatch(#"url\s*=\s*'([^']+)'"#, in: args)?[0], !name.isEmpty else {
            throw SPError.invalidQuery("The parameter url does not exist in method Add.")
        }
        let overwrite = SharePointEndpoints.firstMatch(#"overwrite\s*=\s*(true|false)"#, in: args)?[0].lowercased() == "true"
        let info = manifest(r.request.body, fileName: name)
        let now = Util.iso8601(Date())
        let app: SPApp = try r.store.apps.with(tenantId: r.tenant.id, catalog: catalogURL) { apps in
            if let i = apps.firstIndex(where: { $0.fileName.caseInsensitiveCompare(name) == .orderedSame }) {
                guard overwrite else {
                    throw SPError(.badRequest, "-2130575257, Microsoft.SharePoint.SPException",
                                  "A file with the name AppCatalog/\(apps[i].fileName) already exists. It was last modified by SHAREPOINT\\system on \(apps[i].modified).")
                }
                apps[i].title = info.title
                apps[i].productId = info.productId
                apps[i].version = info.version
                apps[i].description = info.description
                apps[i].length = r.request.body.count
                apps[i].modified = now
                apps[i].fileVersion += 1
                apps[i].currentVersionDeployed = false
                return apps[i]
            }
            let app = SPApp(id: Util.newGUID(), productId: info.productId, title: info.title, fileName: name, version: info.version,
                            description: info.description, length: r.request.body.count, skipFeatureDeployment: info.skip,
                            created: now, modified: now)
            apps.append(app)
            return app
        }
        return .json(SPRender(r).entity(fileProps(app, catalog: catalogURL), fileMeta(app), context: "SP.ApiData.Files12"))
    }

    static func appProps(apps a: SPApp, _ r: SharePointRequest) -> JSONObject { appProps(a, web: r.web.url) }

    static func find(_ id: String, in apps: [SPApp]) throws -> SPApp {
        guard let a = apps.first(where: { $0.id.caseInsensitiveCompare(id) == .orderedSame }) else { throw appNotFound }
        return a
    }

    /// Catalog changes need an app token, a tenant admin or an owner of the site addressed.
    static func requireOwner(_ r: SharePointRequest) throws {
        try r.state.sharePoint.principals.with(r) { try SharePointPrincipals.requireOwner(r, $0) }
    }

    static func action(_ r: SharePointRequest, _ id: String, _ verb: String, catalogURL: String) throws -> EmulatorResponse {
        let web = r.web.url.lowercased()
        try requireOwner(r)
        let body = verb == "deploy" ? try SharePointEndpoints.jsonBody(r) : [:]
        try r.store.apps.with(tenantId: r.tenant.id, catalog: catalogURL) { apps in
            guard let i = apps.firstIndex(where: { $0.id.caseInsensitiveCompare(id) == .orderedSame }) else { throw appNotFound }
            let failure = { (message: String) in SPError(.badRequest, "-2146232832, Microsoft.SharePoint.SPException", message) }
            switch verb {
            case "deploy":
                apps[i].deployed = true
                apps[i].currentVersionDeployed = true
                if let skip = body["skipFeatureDeployment"]?.boolValue { apps[i].skipFeatureDeployment = skip }
            case "retract":
                apps[i].deployed = false
                apps[i].currentVersionDeployed = false
            case "remove":
                apps.remove(at: i)
            case "install":
                guard apps[i].deployed else { throw failure("The app '\(apps[i].title)' is not deployed in the app catalog. Deploy it before installing it.") }
                guard apps[i].installed[web] == nil else { throw failure("The app '\(apps[i].title)' is already installed on this site.") }
                apps[i].installed[web] = apps[i].version
            case "upgrade":
                guard apps[i].installed[web] != nil else { throw failure("The app '\(apps[i].title)' is not installed on this site.") }
                apps[i].installed[web] = apps[i].version
            case "uninstall":
                guard apps[i].installed[web] != nil else { throw failure("The app '\(apps[i].title)' is not installed on this site.") }
                apps[i].installed[web] = nil
            default:
                throw SPError(.notFound, "-1, Microsoft.SharePoint.Client.ResourceNotFoundException", "Cannot find resource for the request \(verb).")
            }
        }
        return .json(.object([:]))
    }

    /// `GetFolderByServerRelativeUrl('AppCatalog')/Files('x.sppkg')`: a package file of the
    /// catalog at this site (the only folder of files the emulator keeps).
    static func catalogFile(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let fileNotFound = SPError(.notFound, "-2130575338, Microsoft.SharePoint.SPException",
                                   "The file /\(p["folder"] ?? "")/\(p["name"] ?? "") does not exist.")
        guard (p["folder"] ?? "").lowercased().trimmingSuffix("/").hasSuffix("appcatalog"), let name = p["name"] else { throw fileNotFound }
        let catalogURL = tenantCatalogURL(r).flatMap { $0.lowercased() == r.web.url.lowercased() ? $0 : nil } ?? siteCatalogURL(r)
        guard let catalogURL else { throw fileNotFound }
        let app = r.store.apps.with(tenantId: r.tenant.id, catalog: catalogURL) { apps in
            apps.first { $0.fileName.caseInsensitiveCompare(name) == .orderedSame }
        }
        guard let app else { throw fileNotFound }
        let q = try SPQuery(r.request, properties: Array(fileProps(app, catalog: catalogURL).keys), typeName: "SP.File")
        return .json(SPRender(r).entity(q.project(fileProps(app, catalog: catalogURL)), fileMeta(app), context: "SP.ApiData.Files12"))
    }
}
