import PluginKit

/// `spo site …`: site collections. Listing, creating, changing and removing them is tenant
/// administration (CSOM at the admin site); reading one is REST at the site itself.
enum SiteCommands {
    static let url = option(.url, "u", "URL of the site collection (absolute, or server-relative like /sites/x)", required: true)
    static let siteTypes = ["TeamSite", "CommunicationSite"]
    static let sharingCapabilities = ["Disabled", "ExternalUserSharingOnly", "ExternalUserAndGuestSharing", "ExistingExternalUserSharingOnly"]
    static let lockStates = ["Unlock", "NoAdditions", "ReadOnly", "NoAccess"]
    /// `--siteDesign` for communication sites and the design each names.
    static let siteDesigns = [("Topic", "00000000-0000-0000-0000-000000000000"), ("Showcase", "6142d2a0-63a5-4ba0-aede-d9fefca2c767"),
                              ("Blank", "f6cc5403-0d63-442e-96c0-285923709ffc")]

    static let all: [PluginCommand] = [
        command("site list", "Lists site collections of the tenant (needs the admin site)",
                options: [option(.type, "t", "Only sites of this kind", allowed: siteTypes),
                          option(.webTemplate, nil, "Only sites with this template, e.g. STS#3 or GROUP#0"),
                          option(.filter, nil, "SharePoint filter, e.g. \"Url -like 'project'\""),
                          flag(.withOneDriveSites, nil, "Include OneDrive sites")],
                defaults: ["Title", "Url"],
                examples: [("Team sites with 'project' in their URL", "m365 spo site list --type TeamSite --filter \"Url -like 'project'\"")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.exclusive([.type, .webTemplate])
            let type = options.string(.type)
            let template = options.string(.webTemplate)
                ?? (type == "TeamSite" ? "GROUP#0" : type == "CommunicationSite" ? "SITEPAGEPUBLISHING#0" : "")
            if options.bool(.withOneDriveSites) && (type != nil || options.has(.webTemplate)) {
                throw usage("When using withOneDriveSites, don't specify the type or webTemplate options")
            }
            let personal = options.bool(.withOneDriveSites) ? 1 : 0
            var start = "0"
            var count = 0
            func page(_ request: inout CSOMRequest, _ tenant: CSOMRequest.Path, from start: String) -> Int {
                let filter = CSOMRequest.Value.structure(typeId: "{b92aeee2-c92c-4b67-abcc-024e471bc140}", [
                    ("Filter", .string(options.string(.filter) ?? "")), ("IncludeDetail", .bool(false)),
                    ("IncludePersonalSite", .enumeration(personal)), ("StartIndex", .string(start)), ("Template", .string(template)),
                ])
                let sites = request.method("GetSitePropertiesFromSharePointByFilters", of: tenant, [filter])
                request.objectPath(sites)
                return request.query(sites, children: true)
            }
            // Pages as SharePoint cuts them (NextStartIndexFromSharePoint), printed as each
            // arrives; the next page is asked for before this one is printed.
            while true {
                if spo.invocation.isCancelled { throw PluginFailure("cancelled", status: M365_ERR_CANCELLED) }
                let (response, id) = try spo.tenantQuery(readOnly: true) { request, tenant in page(&request, tenant, from: start) }
                let (sites, others) = try response.children(of: id)
                let next = others["NextStartIndexFromSharePoint"]?.stringValue ?? ""
                let more = !next.isEmpty && next != start
                if more { try spo.prefetchTenantQuery { request, tenant in _ = page(&request, tenant, from: next) } }
                // Each site goes out as the text SharePoint sent, never built into values.
                try response.forEachText(sites) { text throws(PluginFailure) in try spo.invocation.emit(itemText: text) }
                count += sites.count
                guard more else { break }
                start = next
            }
            if count == 0 { try spo.invocation.emit(result: []) }
        },

        command("site get", "Gets information about the specified site collection", options: [url],
                examples: [("A site collection", "m365 spo site get --url https://contoso.sharepoint.com/sites/project-x")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let site = try spo.webURL(options, .url)
            try spo.invocation.emit(result: .object(try spo.get(site + "/_api/site")))
        },

        command("site add", "Creates a team, communication or classic site collection",
                options: [option(.type, nil, "Kind of site (default TeamSite)", allowed: ["TeamSite", "CommunicationSite", "ClassicSite", "BrandCenter"]),
                          option(.title, "t", "Title of the site", required: true),
                          option(.alias, "a", "Alias of the Microsoft 365 group (team sites)"),
                          option(.url, "u", "URL of the site (communication and classic sites)"),
                          option(.description, "d", "Description of the site"),
                          option(.classification, "c", "Classification of the site"),
                          flag(.isPublic, nil, "Make the team site's group public"),
                          option(.owners, nil, "Comma-separated owners (team: e-mail addresses; communication and classic: one login)"),
                          option(.lcid, "l", "Locale id of the site"),
                          flag(.shareByEmailEnabled, nil, "Allow sharing by e-mail (communication sites)"),
                          option(.siteDesign, nil, "Design of a communication site", allowed: siteDesigns.map(\.0)),
                          option(.siteDesignId, nil, "Id of the site design to apply (communication sites)"),
                          option(.webTemplate, "w", "Template of a classic site (default STS#0)"),
                          option(.timeZone, "z", "Time zone id of a classic site"),
                          option(.storageQuota, nil, "Storage quota of a classic site in MB"),
                          option(.storageQuotaWarningLevel, nil, "Storage warning level of a classic site in MB (default 100)"),
                          option(.resourceQuota, nil, "Resource quota of a classic site, in points"),
                          option(.resourceQuotaWarningLevel, nil, "Resource usage warning level of a classic site, in points"),
                          flag(.withAppCatalog, nil, "Give the new site a site collection app catalog"),
                          flag(.removeDeletedSite, nil, "Purge a deleted site at the same URL first (classic sites)"),
                          flag(.wait, nil, "Wait until the classic site is ready"),
                          forceOption],
                examples: [("A team site", "m365 spo site add --alias team1 --title 'Team 1'"),
                           ("A communication site", "m365 spo site add --type CommunicationSite --url /sites/news --title News"),
                           ("A classic site, waiting until it exists", "m365 spo site add --type ClassicSite --url /sites/archive --title Archive --owners admin@contoso.onmicrosoft.com --timeZone 4 --wait")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try addSite(spo, options)
        },

        command("site set", "Updates properties of the specified site collection (needs the admin site)",
                options: [url, option(.title, "t", "New title"), option(.description, "d", "New description"),
                          option(.classification, nil, "New classification (empty to clear it)"),
                          option(.disableFlows, nil, "Keep Power Automate flows off the site"),
                          option(.socialBarOnSitePagesDisabled, nil, "Hide the social bar on the site's pages"),
                          option(.isPublic, nil, "Make the site's Microsoft 365 group public (group sites only)"),
                          option(.owners, nil, "Comma-separated user principal names to make owners (group sites) or admins"),
                          option(.shareByEmailEnabled, nil, "Let members share by e-mail"),
                          option(.siteDesignId, nil, "Id of a site design to apply"),
                          option(.sharingCapability, nil, "External sharing of the site", allowed: sharingCapabilities),
                          option(.siteLogoUrl, nil, "URL of the site's logo (empty to remove it)"),
                          option(.siteThumbnailUrl, nil, "URL of the site's thumbnail (empty to remove it)"),
                          option(.resourceQuota, nil, "Resource quota of a classic site, in points"),
                          option(.resourceQuotaWarningLevel, nil, "Resource usage warning level, in points"),
                          option(.storageQuota, nil, "Storage quota in MB"),
                          option(.storageQuotaWarningLevel, nil, "Storage warning level in MB"),
                          option(.allowSelfServiceUpgrade, nil, "Let site admins upgrade the site"),
                          option(.lockState, nil, "Lock state of the site", allowed: lockStates),
                          option(.noScriptSite, nil, "Block custom script on the site"),
                          flag(.wait, nil, "Wait until SharePoint has applied the change")],
                examples: [("Lock a site", "m365 spo site set --url /sites/project-x --lockState ReadOnly --wait"),
                           ("New owners", "m365 spo site set --url /sites/project-x --owners 'adele.vance@contoso.com,megan.bowen@contoso.com'")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try setSite(spo, options)
        },

        command("site remove", "Removes the specified site collection (needs the admin site)",
                options: [url, flag(.skipRecycleBin, nil, "Remove the site permanently instead of moving it to the recycle bin"),
                          flag(.fromRecycleBin, nil, "Permanently remove a site that is already in the recycle bin"),
                          forceOption],
                examples: [("Permanently, without a prompt", "m365 spo site remove --url /sites/old --skipRecycleBin --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            if options.bool(.skipRecycleBin) && options.bool(.fromRecycleBin) { throw usage("Specify either fromRecycleBin or skipRecycleBin, but not both.") }
            let site = try spo.webURL(options, .url)
            if SPOClient.serverRelative(site) == "/" { throw usage("The root site cannot be deleted.") }
            guard try spo.invocation.confirmedRemoval(options, "the site '\(site)'") else { return }
            try removeSite(spo, site, skipRecycleBin: options.bool(.skipRecycleBin), fromRecycleBin: options.bool(.fromRecycleBin))
        },
    ]

    // MARK: site remove

    static let zeroGUID = "00000000-0000-0000-0000-000000000000"

    /// As CLI for Microsoft 365: the site found in the admin center's list of site collections;
    /// a group's site goes with its group (purged from Entra's deleted items when it is not to be
    /// kept), any other through the tenant's REST API.
    static func removeSite(_ spo: SPOClient, _ site: String, skipRecycleBin: Bool, fromRecycleBin: Bool) throws(PluginFailure) {
        let admin = try spo.adminURL()
        let filter = "SiteUrl eq " + OData.quote(site)
        let found = try spo.get(admin + "/_api/web/lists/GetByTitle('DO_NOT_DELETE_SPLIST_TENANTADMIN_AGGREGATED_SITECOLLECTIONS')/items"
                                + OData.query([("$filter", filter), ("$select", "GroupId,TimeDeleted,SiteId")]))["value"]?.arrayValue ?? []
        guard let row = found.first else { throw PluginFailure("Site not found in the tenant.", status: M365_ERR_NOT_FOUND) }
        let groupId = row["GroupId"]?.stringValue ?? zeroGUID
        let isGroupSite = !groupId.isEmpty && groupId != zeroGUID
        let recycled = row["TimeDeleted"].map { $0 != .null } ?? false
        let tenant = admin + "/_api/Microsoft.Online.SharePoint.TenantAdministration.Tenant"
        if fromRecycleBin {
            guard recycled else {
                throw PluginFailure("Site is currently not in the recycle bin. Remove --fromRecycleBin if you want to remove it as active site.")
            }
            if isGroupSite { try purgeDeletedGroup(spo, groupId, attempts: 1) }
        } else {
            guard !recycled else { throw PluginFailure("Site is already in the recycle bin. Use --fromRecycleBin to permanently delete it.") }
            if isGroupSite {
                try spo.write(admin + "/_api/GroupSiteManager/Delete" + OData.query([("siteUrl", OData.quote(site))]))
                if skipRecycleBin { try purgeDeletedGroup(spo, groupId, attempts: 21) }
            } else {
                try spo.write(tenant + "/RemoveSite", body: ["siteUrl": .string(site)])
            }
            guard skipRecycleBin else { return }
        }
        try spo.write(tenant + "/RemoveDeletedSite", body: ["siteUrl": .string(site)])
    }

    /// Purges a deleted Microsoft 365 group from Entra ID, waiting (5 s at a time, `attempts`
    /// times) for it to show among the deleted items first.
    static func purgeDeletedGroup(_ spo: SPOClient, _ groupId: String, attempts: Int) throws(PluginFailure) {
        let path = "directory/deletedItems/Microsoft.Graph.Group/\(groupId)"
        for attempt in 1...attempts {
            do throws(PluginFailure) {
                try spo.graphObject(path + "?$select=id", what: "the deleted group \(groupId)")
                try spo.graphObject(path, what: "the deleted group \(groupId)", method: "DELETE")
                return
            } catch {
                guard error.status == M365_ERR_NOT_FOUND else { throw error }
                if attempt < attempts { try pause(seconds: 5, invocation: spo.invocation) }
            }
        }
    }

    // MARK: site add

    /// A brand center is a communication site with the brand center feature, as CLI for
    /// Microsoft 365 creates it: only when the tenant has none yet, and only once agreed to.
    static func brandCenterFeature(_ spo: SPOClient, _ options: Options) throws(PluginFailure) -> String {
        let configuration = try spo.get(try spo.adminURL() + "/_api/SPO.Tenant/GetBrandCenterConfiguration")
        if configuration["IsBrandCenterSiteFeatureEnabled"]?.boolValue == true { throw PluginFailure("Brand center site is already created in the tenant.") }
        let warning = "You agree to activate this site as your official brand center site and turn on the brand center app for use in your organization. "
            + "Storage locations will be created for uploading files to brand center and managing them. Any uploaded files will be stored in the cloud and managed "
            + "in a public content delivery network (CDN). The files will be accessible to anyone who is able to extract the URLs that point to them.\n"
            + "Don't use this feature if your files contain proprietary information, or if you don't have the necessary cloud hosting rights to use them. "
            + "After creation, that site cannot be deleted."
        if options.bool(.force) {
            spo.invocation.log(warning, level: M365_LOG_INFO)
        } else {
            guard try spo.invocation.confirm(warning + "\n\nDo you want to proceed?",
                                             orExplain: "creating a brand center site needs your agreement: add --force to run without a terminal") else {
                throw PluginFailure("Operation cancelled by the user.")
            }
        }
        return "99cd6e8b-189b-4611-ae89-f89105876e43"
    }

    static func addSite(_ spo: SPOClient, _ options: Options) throws(PluginFailure) {
        let type = options.string(.type) ?? "TeamSite"
        let title = options.string(.title) ?? ""
        let lcid = options.int(.lcid)
        switch type {
        case "TeamSite":
            for key in [OptionKey<String>.url, OptionKey<String>.webTemplate, OptionKey<Double>.timeZone, OptionKey<String>.siteDesign, OptionKey<String>.siteDesignId,
                        OptionKey<Double>.resourceQuota, OptionKey<Double>.resourceQuotaWarningLevel, OptionKey<Bool>.force, OptionKey<Bool>.wait,
                        OptionKey<Bool>.removeDeletedSite, OptionKey<Bool>.shareByEmailEnabled, OptionKey<Double>.storageQuota,
                        OptionKey<Double>.storageQuotaWarningLevel] as [any OptionHandle] where options.has(handle: key) {
                throw usage("--\(key.name) does not apply to team sites (they are named by --alias)")
            }
            guard let alias = options.string(.alias), !alias.isEmpty else { throw usage("--alias is required for a team site") }
            guard !alias.contains(where: { $0 == " " || $0 == "/" || $0 == "@" }) else { throw usage("'\(alias)' is not a valid group alias") }
            let root = try spo.spoURL()
            // The body as the CLI sends it: isPublic only when given, the classification inside CreationOptions.
            var optional: JSONObject = ["Description": .string(options.string(.description) ?? ""),
                                        "CreationOptions": ["results": .array(lcid.map { [.string("SPSiteLanguage:\($0)")] } ?? []),
                                                            "Classification": .string(options.string(.classification) ?? "")]]
            if let owners = options.list(.owners) { optional["Owners"] = ["results": .array(owners.map { .string($0) })] }
            var body: JSONObject = ["displayName": .string(title), "alias": .string(alias)]
            if options.has(.isPublic) { body["isPublic"] = .bool(options.bool(.isPublic)) }
            body["optionalParams"] = .object(optional)
            let created = try spo.write(root + "/_api/GroupSiteManager/CreateGroupEx", body: .object(body))
            try emitCreatedSite(spo, created?.objectValue.map(SPOClient.unwrapVerbose), options)
        case "CommunicationSite", "BrandCenter":
            for key in [OptionKey<String>.alias, OptionKey<Bool>.isPublic, OptionKey<String>.webTemplate, OptionKey<Double>.timeZone,
                        OptionKey<Double>.resourceQuota, OptionKey<Double>.resourceQuotaWarningLevel, OptionKey<Double>.storageQuota,
                        OptionKey<Double>.storageQuotaWarningLevel, OptionKey<Bool>.removeDeletedSite, OptionKey<Bool>.wait] as [any OptionHandle] where options.has(handle: key) {
                throw usage("--\(key.name) does not apply to communication sites")
            }
            try options.exclusive([.siteDesign, .siteDesignId])
            try options.requireGUIDs([.siteDesignId])
            let site = try requiredURL(spo, options)
            let design = options.string(.siteDesignId) ?? siteDesigns.first { $0.0 == (options.string(.siteDesign) ?? "Topic") }?.1
            // The request as the CLI sends it: ShareByEmailEnabled and Lcid only when given.
            var request: JSONObject = ["Title": .string(title), "Url": .string(site)]
            if options.has(.shareByEmailEnabled) { request["ShareByEmailEnabled"] = .bool(options.bool(.shareByEmailEnabled)) }
            request["Description"] = .string(options.string(.description) ?? "")
            request["Classification"] = .string(options.string(.classification) ?? "")
            request["WebTemplate"] = "SITEPAGEPUBLISHING#0"
            request["SiteDesignId"] = .string(design ?? siteDesigns[0].1)
            if let lcid { request["Lcid"] = JSON(lcid) }
            if let owner = options.string(.owners) {
                guard !owner.contains(",") else { throw usage("The CommunicationSite supports only one owner in the owners option") }
                request["Owner"] = .string(owner)
            }
            if type == "BrandCenter" { request["AdditionalSiteFeatureIds"] = [.string(try brandCenterFeature(spo, options))] }
            let root = try spo.spoURL()
            let created = try spo.write(root + "/_api/SPSiteManager/Create", body: ["request": .object(request)])
            try emitCreatedSite(spo, created?.objectValue.map(SPOClient.unwrapVerbose), options)
        default:
            for key in [OptionKey<String>.alias, OptionKey<Bool>.isPublic, OptionKey<String>.siteDesign, OptionKey<String>.siteDesignId, OptionKey<Bool>.shareByEmailEnabled, OptionKey<String>.classification] as [any OptionHandle] where options.has(handle: key) {
                throw usage("--\(key.name) does not apply to classic sites")
            }
            let site = try requiredURL(spo, options)
            guard let owner = options.string(.owners), !owner.isEmpty else { throw usage("--owners is required for a classic site") }
            guard !owner.contains(",") else { throw usage("The ClassicSite supports only one owner in the owners options") }
            guard let timeZone = options.int(.timeZone) else { throw usage("--timeZone is required for a classic site (e.g. 4 for Amsterdam, 13 for Pacific time)") }
            if options.has(.resourceQuotaWarningLevel) && !options.has(.resourceQuota) {
                throw usage("You cannot specify resourceQuotaWarningLevel without specifying resourceQuota")
            }
            if let q = options.number(.resourceQuota), let w = options.number(.resourceQuotaWarningLevel), w > q {
                throw usage("resourceQuotaWarningLevel cannot exceed resourceQuota")
            }
            if options.has(.storageQuotaWarningLevel) && !options.has(.storageQuota) {
                throw usage("You cannot specify storageQuotaWarningLevel without specifying storageQuota")
            }
            if let q = options.int(.storageQuota), let w = options.int(.storageQuotaWarningLevel), w > q { throw usage("storageQuotaWarningLevel cannot exceed storageQuota") }
            if options.bool(.removeDeletedSite) { try purgeDeletedSite(spo, site, wait: options.bool(.wait)) }
            let quota = options.int(.storageQuota) ?? 100
            let properties = CSOMRequest.Value.structure(typeId: "{11f84fff-b8cf-47b6-8b50-34e692656606}", [
                ("CompatibilityLevel", .int32(0)), ("Lcid", .uint32(lcid ?? 1033)), ("Owner", .string(owner)),
                ("StorageMaximumLevel", .int64(quota)), ("StorageWarningLevel", .int64(options.int(.storageQuotaWarningLevel) ?? 100)),
                ("Template", .string(options.string(.webTemplate) ?? "STS#0")), ("TimeZoneId", .int32(timeZone)),
                ("Title", .string(title)), ("Url", .string(site)),
                ("UserCodeMaximumLevel", .double(options.number(.resourceQuota) ?? 0)),
                ("UserCodeWarningLevel", .double(options.number(.resourceQuotaWarningLevel) ?? 0)),
            ])
            let (response, id) = try spo.tenantQuery { request, tenant in
                let operation = request.method("CreateSite", of: tenant, [properties])
                request.objectPath(operation)
                return request.query(operation, properties: ["IsComplete", "PollingInterval"])
            }
            // An app catalog needs the site to exist: --withAppCatalog waits as --wait does.
            if options.bool(.wait) || options.bool(.withAppCatalog) {
                try spo.waitForOperation(try response.object(id, "creation operation"), what: "creating \(site)")
            }
            try addAppCatalog(spo, options, site)
            try spo.invocation.emit(result: .string(site))
        }
    }

    /// `--withAppCatalog`: the site's own app catalog, added through the tenant's app catalog
    /// accessor as CLI for Microsoft 365 adds it.
    static func addAppCatalog(_ spo: SPOClient, _ options: Options, _ site: String) throws(PluginFailure) {
        guard options.bool(.withAppCatalog) else { return }
        _ = try spo.tenantQuery { request, tenant in
            let web = request.property("RootWeb", of: request.method("GetSiteByUrl", of: tenant, [.string(site)]))
            let catalogs = request.property("SiteCollectionAppCatalogsSites", of: request.property("TenantAppCatalog", of: web))
            request.call("Add", on: catalogs, [.string(site)])
        }
    }

    static func requiredURL(_ spo: SPOClient, _ options: Options) throws(PluginFailure) -> String {
        guard options.has(.url) else { throw usage("--url is required for this kind of site") }
        return try spo.webURL(options, .url)
    }

    /// Prints the new site's URL from CreateGroupEx or SPSiteManager/Create (`SiteStatus` 2 is
    /// ready, 1 still provisioning), or fails with SharePoint's reason.
    static func emitCreatedSite(_ spo: SPOClient, _ answer: JSONObject?, _ options: Options) throws(PluginFailure) {
        guard let answer else { throw PluginFailure("SharePoint sent no answer to the site creation", status: M365_ERR_SERVER) }
        if let message = answer["ErrorMessage"]?.stringValue, !message.isEmpty { throw PluginFailure(oneLine(message), status: M365_ERR_SERVER) }
        let url = answer["SiteUrl"]?.stringValue ?? ""
        switch answer["SiteStatus"]?.intValue {
        case 2 where !url.isEmpty:
            try addAppCatalog(spo, options, url)
            try spo.invocation.emit(result: .string(url))
        case 1 where !url.isEmpty:
            spo.invocation.log("SharePoint is still provisioning \(url)", level: M365_LOG_WARNING)
            try addAppCatalog(spo, options, url)
            try spo.invocation.emit(result: .string(url))
        default:
            throw PluginFailure("SharePoint could not create the site (SiteStatus \(answer["SiteStatus"]?.intValue ?? -1))", status: M365_ERR_SERVER)
        }
    }

    /// Purges a deleted site at `site` before a new one takes its URL; none there is fine.
    /// `--removeDeletedSite`, as CLI for Microsoft 365: the site looked up (active, then in the
    /// recycle bin), purged only when it is there as recycled; waited for only with `--wait`.
    static func purgeDeletedSite(_ spo: SPOClient, _ site: String, wait: Bool) throws(PluginFailure) {
        func status(_ method: String, _ parameters: [CSOMRequest.Value], absent: [String] = []) throws(PluginFailure) -> String? {
            do throws(PluginFailure) {
                let (response, id) = try spo.tenantQuery(readOnly: true, absent: absent) { request, tenant in
                    let properties = request.method(method, of: tenant, parameters)
                    request.objectPath(properties)
                    return request.query(properties)
                }
                return try response.object(id, "site properties")["Status"]?.stringValue ?? ""
            } catch {
                guard error.status == M365_ERR_NOT_FOUND else { throw error }
                return nil
            }
        }
        let recycled: Bool
        if let active = try status("GetSitePropertiesByUrl", [.string(site), .bool(false)]) {
            recycled = active == "Recycled"
        } else {
            recycled = try status("GetDeletedSitePropertiesByUrl", [.string(site)], absent: ["UnknownError"]) == "Recycled"
        }
        guard recycled else { return }
        let (response, id) = try spo.tenantQuery { request, tenant in
            let operation = request.method("RemoveDeletedSite", of: tenant, [.string(site)])
            request.objectPath(operation)
            return request.query(operation, properties: ["IsComplete", "PollingInterval"])
        }
        if wait { try spo.waitForOperation(try response.object(id, "purge operation"), what: "purging the deleted site \(site)") }
    }

    // MARK: site set

    /// As CLI for Microsoft 365: the group of a group-connected site takes its title,
    /// description, visibility and owners; SP.Site its classification and e-mail sharing; the
    /// tenant's SiteProperties the rest; the lock state last, in an update of its own.
    static func setSite(_ spo: SPOClient, _ options: Options) throws(PluginFailure) {
        let given: [any OptionHandle] = [OptionKey<String>.title, OptionKey<String>.description, OptionKey<String>.classification, OptionKey<Bool>.disableFlows,
                                         OptionKey<Bool>.socialBarOnSitePagesDisabled, OptionKey<Bool>.isPublic, OptionKey<String>.owners,
                                         OptionKey<Bool>.shareByEmailEnabled, OptionKey<String>.siteDesignId, OptionKey<String>.sharingCapability,
                                         OptionKey<String>.siteLogoUrl, OptionKey<String>.siteThumbnailUrl, OptionKey<Double>.resourceQuota,
                                         OptionKey<Double>.resourceQuotaWarningLevel, OptionKey<Double>.storageQuota, OptionKey<Double>.storageQuotaWarningLevel,
                                         OptionKey<Bool>.allowSelfServiceUpgrade, OptionKey<String>.lockState, OptionKey<Bool>.noScriptSite]
        guard given.contains(where: { options.has(handle: $0) }) else { throw usage("Specify at least one property to update") }
        try options.requireGUIDs([.siteDesignId])
        if let q = options.number(.resourceQuota), let w = options.number(.resourceQuotaWarningLevel), w > q {
            throw usage("resourceQuotaWarningLevel must not exceed the resourceQuota")
        }
        if let q = options.int(.storageQuota), let w = options.int(.storageQuotaWarningLevel), w > q { throw usage("storageQuotaWarningLevel must not exceed the storageQuota") }
        let site = try spo.webURL(options, .url)
        let info = try spo.get(site + "/_api/site" + OData.query([("$select", "GroupId,Id")]))
        let groupId = info["GroupId"]?.stringValue ?? "", siteId = info["Id"]?.stringValue ?? ""
        let isGroupSite = !groupId.isEmpty && groupId != zeroGUID
        let owners = options.list(.owners) ?? []
        let title = options.string(.title).flatMap { $0.isEmpty ? nil : $0 }
        let description = options.string(.description).flatMap { $0.isEmpty ? nil : $0 }

        if isGroupSite {
            if let title {
                try spo.write(try spo.adminURL() + "/_api/SPOGroup/UpdateGroupPropertiesBySiteId",
                              body: ["groupId": .string(groupId), "siteId": .string(siteId), "displayName": .string(title)])
            }
            if let isPublic = options.optionalBool(.isPublic) {
                try spo.graphObject("groups/\(groupId)", what: "the group \(groupId)", method: "PATCH", body: ["visibility": isPublic ? "Public" : "Private"])
            }
            if let description {
                try spo.graphObject("groups/\(groupId)", what: "the group \(groupId)", method: "PATCH", body: ["description": .string(description)])
            }
            if !owners.isEmpty {
                let filter = owners.map { "userPrincipalName eq " + OData.quote($0) }.joined(separator: " or ")
                let found = try spo.graphObject("users?$filter=" + percentEncode(filter) + "&$select=id", what: "the owners")["value"]?.arrayValue ?? []
                for id in found.compactMap({ $0["id"]?.stringValue }) {
                    try spo.write(try spo.adminURL() + "/_api/SP.Directory.DirectorySession/Group('\(groupId)')/Owners/Add(objectId='\(id)',%20principalName='')")
                }
            }
        } else {
            if options.has(.isPublic) { throw PluginFailure("The isPublic option can't be set on a site that is not groupified", status: M365_ERR_INVALID_ARGUMENT) }
            if let description { try spo.write(site + "/_api/web", tunnel: "MERGE", body: ["Description": .string(description)]) }
            for owner in owners {
                _ = try spo.tenantQuery { request, tenant in request.call("SetSiteAdmin", on: tenant, [.string(site), .string(owner), .bool(true)]) }
            }
        }

        // SP.Site: the classification and sharing by e-mail, on the site itself.
        var siteChanges: [(String, CSOMRequest.Value)] = []
        if let classification = options.string(.classification) { siteChanges.append(("Classification", .string(classification))) }
        if let byEmail = options.optionalBool(.shareByEmailEnabled) { siteChanges.append(("ShareByEmailEnabled", .bool(byEmail))) }
        if !siteChanges.isEmpty {
            var request = CSOMRequest()
            let current = request.property("Site", of: request.staticProperty("Current", typeId: CSOMRequest.contextTypeId))
            for (name, value) in siteChanges { request.set(name, on: current, value) }
            _ = try spo.processQuery(request, at: site)
        }

        // The tenant's SiteProperties; title and quotas only for a site without a group.
        var changes: [(String, CSOMRequest.Value)] = []
        if !isGroupSite {
            if let title { changes.append(("Title", .string(title))) }
            if let quota = options.number(.resourceQuota), quota != 0 { changes.append(("UserCodeMaximumLevel", .double(quota))) }
            if let warning = options.number(.resourceQuotaWarningLevel), warning != 0 { changes.append(("UserCodeWarningLevel", .double(warning))) }
            if let quota = options.int(.storageQuota), quota != 0 { changes.append(("StorageMaximumLevel", .int64(quota))) }
            if let warning = options.int(.storageQuotaWarningLevel), warning != 0 { changes.append(("StorageWarningLevel", .int64(warning))) }
            if let upgrade = options.optionalBool(.allowSelfServiceUpgrade) { changes.append(("AllowSelfServiceUpgrade", .bool(upgrade))) }
        }
        if let disable = options.optionalBool(.disableFlows) { changes.append(("DisableFlows", .enumeration(disable ? 1 : 2))) }
        if let hide = options.optionalBool(.socialBarOnSitePagesDisabled) { changes.append(("SocialBarOnSitePagesDisabled", .bool(hide))) }
        if let sharing = options.string(.sharingCapability), let index = sharingCapabilities.firstIndex(of: sharing) {
            changes.append(("SharingCapability", .enumeration(index)))
        }
        // DenyAddAndCustomizePagesStatus: 1 disabled (scripts allowed), 2 enabled (no script).
        if let noScript = options.optionalBool(.noScriptSite) { changes.append(("DenyAddAndCustomizePages", .enumeration(noScript ? 2 : 1))) }
        if !changes.isEmpty { try updateSiteProperties(spo, site, changes, wait: options.bool(.wait)) }

        if let design = options.string(.siteDesignId) {
            try spo.write(try spo.spoURL() + "/_api/Microsoft.Sharepoint.Utilities.WebTemplateExtensions.SiteScriptUtility.ApplySiteDesign",
                          body: ["siteDesignId": .string(design), "webUrl": .string(site)])
        }
        for (key, aspect) in [(OptionKey<String>.siteLogoUrl, 1), (OptionKey<String>.siteThumbnailUrl, 0)] {
            guard let logo = options.string(key) else { continue }
            let relative = logo.lowercased().hasPrefix("https://") ? SPOClient.serverRelative(logo) : logo
            try spo.write(site + "/_api/siteiconmanager/setsitelogo", body: ["aspect": .number(Double(aspect)), "relativeLogoUrl": .string(relative), "type": 0])
        }
        if let lock = options.string(.lockState) { try updateSiteProperties(spo, site, [("LockState", .string(lock))], wait: options.bool(.wait)) }
    }

    /// Sets SiteProperties of `site` through the admin site and, with `wait`, waits for SharePoint
    /// to apply them.
    static func updateSiteProperties(_ spo: SPOClient, _ site: String, _ changes: [(String, CSOMRequest.Value)], wait: Bool) throws(PluginFailure) {
        let (response, id) = try spo.tenantQuery { request, tenant in
            let properties = request.method("GetSitePropertiesByUrl", of: tenant, [.string(site), .bool(false)])
            request.objectPath(properties)
            for (name, value) in changes { request.set(name, on: properties, value) }
            let operation = request.method("Update", of: properties)
            request.objectPath(operation)
            return request.query(operation, properties: ["IsComplete", "PollingInterval"])
        }
        if wait { try spo.waitForOperation(try response.object(id, "update operation"), what: "updating \(site)") }
    }
}
