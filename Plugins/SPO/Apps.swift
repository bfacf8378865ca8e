#if canImport(Glibc)
import Glibc
#endif
import PluginKit

extension SPOClient {
    static let appCatalogKey = "tenantAppCatalogUrl"

    /// The tenant app catalog's URL from `SP_TenantSettings_Current`, asked once and kept with
    /// the connection (plugin state), like the SharePoint URL itself.
    func tenantAppCatalogURL() throws(PluginFailure) -> String {
        if let url = invocation.state(Self.appCatalogKey), !url.isEmpty { return url }
        guard let url = try fetchTenantAppCatalogURL() else {
            throw PluginFailure("Tenant app catalog is not configured.", status: M365_ERR_NOT_FOUND)
        }
        invocation.setState(Self.appCatalogKey, url)
        return url
    }

    /// `CorporateCatalogUrl` of the tenant settings; nil when the tenant has no app catalog.
    func fetchTenantAppCatalogURL() throws(PluginFailure) -> String? {
        let settings = try get(try spoURL() + "/_api/SP_TenantSettings_Current")
        guard let url = settings["CorporateCatalogUrl"]?.stringValue, !url.isEmpty else { return nil }
        return Self.trimSlash(url)
    }

    /// `{catalog}/_api/web/tenantappcatalog` or `…/sitecollectionappcatalog`, from
    /// `--appCatalogScope` and `--appCatalogUrl` (which may end in `/AppCatalog`).
    func appCatalog(_ options: Options) throws(PluginFailure) -> (web: String, api: String) {
        let scope = options.string(.appCatalogScope) ?? "tenant"
        var web: String
        if let given = options.string(.appCatalogUrl) {
            web = try absolute(given.trimmingSpaces, option: "appCatalogUrl")
            // A site collection's catalog may be given as its AppCatalog library; the tenant's
            // catalog site is itself often named …/sites/appcatalog, so only the former is cut.
            if scope == "sitecollection", web.lowercased().hasSuffix("/appcatalog"), web.split(separator: "/").count != 4 {
                web = String(web.dropLast("/AppCatalog".count))
            }
        } else if scope == "sitecollection" {
            throw usage("You must specify appCatalogUrl when the appCatalogScope is sitecollection")
        } else {
            web = try tenantAppCatalogURL()
        }
        return (web, web + "/_api/web/\(scope)appcatalog")
    }

    /// `…/AvailableApps/GetById('<id>')` and the app's id: `--id`, or for `--name` the id of the
    /// package file of that name in the catalog's AppCatalog library (looked up as the CLI does).
    func appPath(_ catalog: (web: String, api: String), _ options: Options) throws(PluginFailure) -> (path: String, id: String) {
        var id = options.string(.id) ?? ""
        if let name = options.string(.name) {
            let url = catalog.web + "/_api/web/GetFolderByServerRelativePath(DecodedUrl='AppCatalog')/files(\(pathLiteral(name)))?$select=UniqueId"
            do throws(PluginFailure) {
                guard let unique = try get(url)["UniqueId"]?.stringValue else {
                    throw PluginFailure("SharePoint did not return the id of the app \(name)", status: M365_ERR_SERVER)
                }
                id = unique
            } catch {
                if error.status == M365_ERR_NOT_FOUND {
                    throw PluginFailure("There is no app named '\(name)' in the app catalog at \(catalog.web)", status: M365_ERR_NOT_FOUND)
                }
                throw error
            }
        }
        return (catalog.api + "/AvailableApps/GetById('\(id)')", id)
    }

    /// Runs an ALM call; "not found" names the app and the catalog.
    @discardableResult
    func appCall<T>(_ id: String, _ catalog: String, _ body: () throws(PluginFailure) -> T) throws(PluginFailure) -> T {
        do throws(PluginFailure) {
            return try body()
        } catch {
            if error.status == M365_ERR_NOT_FOUND, !error.description.hasPrefix("There is no app") {
                throw PluginFailure("There is no app with id \(id) in \(catalog)", status: M365_ERR_NOT_FOUND)
            }
            throw error
        }
    }

    /// A POST whose body is raw bytes (a package; no digest, see `write`).
    func upload(_ url: String, bytes: [UInt8]) throws(PluginFailure) -> JSONObject {
        let request = ServiceRequest(method: "POST", url: url,
                                  headers: Self.headers + [("Content-Type", "application/octet-stream")], body: bytes)
        let response = try invocation.send(request)
        guard response.isSuccess else { throw failure(response, url: url, write: true) }
        guard let object = response.json?.objectValue else {
            throw PluginFailure("SharePoint sent no file for \(url)", status: M365_ERR_SERVER)
        }
        return Self.unwrapVerbose(object)
    }
}

/// `spo app …` (the ALM API of the tenant or a site collection app catalog) and
/// `spo tenant appcatalogurl get`.
enum AppCommands {
    static let scope = option(.appCatalogScope, "s", "Scope of the app catalog: tenant or sitecollection",
                              allowed: ["tenant", "sitecollection"], defaultValue: "tenant")
    static let catalogUrl = option(.appCatalogUrl, "u", "URL of the app catalog site; required for the sitecollection scope")
    /// Install and uninstall take `-s` for the site, as CLI for Microsoft 365 does.
    static let siteScope = option(.appCatalogScope, nil, "Scope of the app catalog: tenant or sitecollection",
                                  allowed: ["tenant", "sitecollection"], defaultValue: "tenant")
    static let choice = [option(.id, "i", "ID of the app"), option(.name, "n", "File name of the app package, e.g. solution.sppkg")]

    static let all: [PluginCommand] = [
        command("tenant appcatalogurl get", "Gets the URL of the tenant app catalog",
                examples: [("The URL", "m365 spo tenant appcatalogurl get")]) { (spo: SPOClient, _: Options) throws(PluginFailure) in
            guard let url = try spo.fetchTenantAppCatalogURL() else {
                // As the CLI: nothing printed and success; the reason under --verbose.
                spo.invocation.log("Tenant app catalog is not configured.")
                return
            }
            spo.invocation.setState(SPOClient.appCatalogKey, url)
            try spo.invocation.emit(result: .string(url))
        },

        command("app list", "Lists apps from the specified app catalog", options: [scope, catalogUrl],
                defaults: ["Title", "ID", "Deployed", "AppCatalogVersion"],
                examples: [("The tenant app catalog", "m365 spo app list"),
                           ("A site collection app catalog", "m365 spo app list --appCatalogScope sitecollection --appCatalogUrl https://contoso.sharepoint.com/sites/site1")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let catalog = try spo.appCatalog(options)
            try spo.list(catalog.api + "/AvailableApps")
        },

        command("app get", "Gets information about the specific app from the specified app catalog",
                options: choice + [catalogUrl, scope], sets: [["id", "name"]],
                examples: [("By id", "m365 spo app get --id b2307a39-e878-458b-bc90-03bc578531d6"),
                           ("By package name", "m365 spo app get --name solution.sppkg")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.id])
            let catalog = try spo.appCatalog(options)
            let app = try spo.appPath(catalog, options)
            let found = try spo.appCall(app.id, "the app catalog at " + catalog.web) { () throws(PluginFailure) in try spo.get(app.path) }
            try spo.invocation.emit(result: .object(found))
        },

        command("app add", "Adds an app to the specified SharePoint Online app catalog",
                options: [option(.filePath, "p", "Path to the solution package (.sppkg) to add", required: true),
                          flag(.overwrite, nil, "Replace a package of the same name"), scope, catalogUrl],
                examples: [("Add or replace a package", "m365 spo app add --filePath ./sharepoint/solution/spfx.sppkg --overwrite")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let path = options.string(.filePath) ?? ""
            let name = String(path.split(separator: "/").last ?? "")
            guard !name.isEmpty else { throw usage("--filePath must name a file") }
            let bytes: [UInt8]
            do throws(PluginFailure) { bytes = try readLocalFile(path) } catch { throw usage(error.description) }
            let catalog = try spo.appCatalog(options)
            let overwrite = options.bool(.overwrite) ? "true" : "false"
            let file = try spo.upload(catalog.api + "/Add(overwrite=\(overwrite),url=\(pathLiteral(name)))", bytes: bytes)
            // Text output is the new app's id alone, which scripts capture, as the CLI prints it.
            try spo.invocation.emit(result: spo.invocation.outputMode == "text" ? file["UniqueId"] ?? .null : .object(file))
        },

        command("app deploy", "Deploys the specified app in the specified app catalog",
                options: choice + [catalogUrl, flag(.skipFeatureDeployment, nil, "Deploy to the whole tenant at once, without activating features"), scope],
                sets: [["id", "name"]],
                examples: [("Tenant-wide", "m365 spo app deploy --id 058140e3-0e37-44fc-a1d3-79c487d371a3 --skipFeatureDeployment")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.id])
            let catalog = try spo.appCatalog(options)
            let app = try spo.appPath(catalog, options)
            try spo.appCall(app.id, "the app catalog at " + catalog.web) { () throws(PluginFailure) in
                try spo.write(app.path + "/deploy", body: ["skipFeatureDeployment": .bool(options.bool(.skipFeatureDeployment))])
            }
        },

        command("app install", "Installs an app from the specified app catalog in the site",
                options: [option(.id, "i", "ID of the app", required: true), option(.siteUrl, "s", "URL of the site to install the app in", required: true), siteScope],
                examples: [("In a site", "m365 spo app install --id b2307a39-e878-458b-bc90-03bc578531d6 --siteUrl https://contoso.sharepoint.com/sites/project-x")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try siteAction(spo, options, "install")
        },

        command("app uninstall", "Uninstalls an app from the site",
                options: [option(.id, "i", "ID of the app", required: true), option(.siteUrl, "s", "URL of the site to uninstall the app from", required: true),
                          siteScope, forceOption],
                examples: [("Without a prompt", "m365 spo app uninstall --id b2307a39-e878-458b-bc90-03bc578531d6 --siteUrl https://contoso.sharepoint.com/sites/project-x --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.id])
            guard try spo.invocation.confirmed(options, "Are you sure you want to uninstall the app \(options.string(.id) ?? "") from site \(options.string(.siteUrl) ?? "")?", needing: "uninstalling an app") else { return }
            try siteAction(spo, options, "uninstall")
        },

        command("app remove", "Removes the specified app from the specified app catalog",
                options: choice + [catalogUrl, scope, forceOption], sets: [["id", "name"]],
                examples: [("Without a prompt", "m365 spo app remove --id 058140e3-0e37-44fc-a1d3-79c487d371a3 --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.id])
            // Asked before any request, in the CLI's words.
            guard try spo.invocation.confirmed(options, "Are you sure you want to remove the app \(options.string(.id) ?? options.string(.name) ?? "") from the app catalog?", needing: "removing an app") else { return }
            let catalog = try spo.appCatalog(options)
            let app = try spo.appPath(catalog, options)
            try spo.appCall(app.id, "the app catalog at " + catalog.web) { () throws(PluginFailure) in try spo.write(app.path + "/remove") }
        },
    ]

    /// `install` or `uninstall` (lower-cased, as the CLI sends them) through `{siteUrl}/_api/web/{scope}appcatalog/AvailableApps/GetById('id')`.
    static func siteAction(_ spo: SPOClient, _ options: Options, _ verb: String) throws(PluginFailure) {
        try options.requireGUIDs([.id])
        let site = try spo.webURL(options, .siteUrl)
        let scope = options.string(.appCatalogScope) ?? "tenant"
        let id = options.string(.id) ?? ""
        let url = site + "/_api/web/\(scope)appcatalog/AvailableApps/GetById('\(id)')/\(verb)"
        try spo.appCall(id, scope == "tenant" ? "the tenant app catalog" : "the site collection app catalog of \(site)") { () throws(PluginFailure) in
            try spo.write(url)
        }
    }
}
