import Foundation
import JSONModel

/// Site-collection facts the admin center knows and webs don't: template with its
/// configuration, owner, group, lock state, quotas. Seeded sites get one at start; sites without
/// one (bulk benchmark sites) use defaults derived from their root web.
final class SPSiteInfo: @unchecked Sendable {
    var template: String
    var owner: String
    var groupId: String
    var lockState = "Unlock"
    var sharingCapability = 1
    var storageMaximumLevel = 26_214_400
    var storageWarningLevel = 25_574_400
    var storageUsage = 1
    var denyAddAndCustomizePages = 2
    var lcid = 1033
    var timeZoneId = 13
    var created: Date
    var lastContentModified: Date
    /// Other SiteProperties set through CSOM (rendered over the defaults).
    var extra = JSONObject()
    /// SP.Site properties set through CSOM (`Classification`, `ShareByEmailEnabled`, …) for `_api/site`.
    var siteExtra = JSONObject()
    /// Site collection administrators added with SetSiteAdmin (login names).
    var admins: [String] = []

    init(template: String, owner: String, groupId: String, lcid: Int, created: Date) {
        self.template = template
        self.owner = owner
        self.groupId = groupId
        self.lcid = lcid
        self.created = created
        self.lastContentModified = created
    }

    /// `STS#0` from a seed's `STS`; OneDrive's `SPSPERS` is `SPSPERS#10` as SharePoint reports it.
    static func fullTemplate(_ t: String) -> String {
        if t.contains("#") { return t.uppercased() }
        return t.uppercased() == "SPSPERS" ? "SPSPERS#10" : t.uppercased() + "#0"
    }

    static let seedDate = Date(timeIntervalSince1970: 1_704_067_200) // 2024-01-01
}

/// A removed site collection waiting in the tenant's recycle bin: its webs, kept whole so
/// `RestoreDeletedSite` brings back the same content.
struct SPDeletedSite {
    var webs: [SPWeb]
    var info: SPSiteInfo?
    var deleted: Date
}

/// A long-running admin operation (`SpoOperation`). It answers `IsComplete: false` in the
/// request that started it and `true` from any later request on (the first poll).
struct SPOperation {
    let id: String
    let kind: String
    let url: String
    let request: String
    let started: Date
    let completeAtOnce: Bool
    let pollingInterval: Int
}

/// One tenant's admin-center state: tenant settings, CDN, storage entities (tenant properties),
/// site-collection facts, deleted sites and operations. Only touched under the store's lock.
final class SPTenantAdminState: @unchecked Sendable {
    let tenantId: String
    var settings: JSONObject
    var cdnEnabled: [Int: Bool] = [0: false, 1: false]
    var cdnOrigins: [Int: [String]] = [0: [], 1: []]
    var cdnPolicies: [Int: [(name: String, value: String)]]
    /// Key → {Value, Description, Comment}, in the order keys were first set.
    var storageEntities = JSONObject()
    /// Lower-cased site collection URL → facts.
    var sites: [String: SPSiteInfo] = [:]
    /// Lower-cased site collection URL → the removed site.
    var deleted: [String: SPDeletedSite] = [:]
    var operations: [String: SPOperation] = [:]
    /// The tenant's brand center site (id, URL), once one was created with its feature.
    var brandCenter: (siteId: String, url: String)?
    /// Bumped whenever site collections come or go; with the web count it keys `sortedRoots`.
    var generation = 0
    private var sortedRoots: [String] = []
    private var sortedFor = (generation: -1, count: -1)

    init(tenantId: String, rootURL: String) {
        self.tenantId = tenantId
        self.settings = Self.defaultSettings(rootURL: rootURL)
        self.cdnPolicies = [0: Self.defaultPolicies, 1: Self.defaultPolicies]
    }

    static let cdnExtensions = "CSS,EOT,GIF,ICO,JPEG,JPG,JS,MAP,PNG,SVG,TTF,WOFF"
    static let defaultPolicies: [(name: String, value: String)] = [
        (name: "IncludeFileExtensions", value: cdnExtensions), (name: "ExcludeRestrictedSiteClassifications", value: " "),
        (name: "ExcludeIfNoScriptDisabled", value: "False"),
    ]
    static let policyNames = ["IncludeFileExtensions", "ExcludeRestrictedSiteClassifications", "ExcludeIfNoScriptDisabled"]
    static let defaultOrigins: [Int: [String]] = [
        0: ["*/MASTERPAGE", "*/STYLE LIBRARY", "*/CLIENTSIDEASSETS"],
        1: ["*/USERPHOTO", "*/SITEASSETS", "*/CLIENTSIDEASSETS"],
    ]

    /// Tenant properties with SharePoint Online's defaults (types matter: SetProperty checks them).
    static func defaultSettings(rootURL: String) -> JSONObject {
        [
            "AllowDownloadingNonWebViewableFiles": true, "AllowEditing": true, "ApplyAppEnforcedRestrictionsToAdHocRecipients": true,
            "BccExternalSharingInvitations": false, "BccExternalSharingInvitationsList": nil, "CommentsOnSitePagesDisabled": false,
            "CompatibilityRange": "15,15", "ConditionalAccessPolicy": 0, "DefaultLinkPermission": 1, "DefaultSharingLinkType": 0,
            "DisableCustomAppAuthentication": false, "DisplayStartASiteOption": true, "EnableAIPIntegration": false,
            "ExternalServicesEnabled": true, "FileAnonymousLinkType": 2, "FolderAnonymousLinkType": 2, "HideDefaultThemes": false,
            "LegacyAuthProtocolsEnabled": true, "NoAccessRedirectUrl": nil, "NotificationsInOneDriveForBusinessEnabled": true,
            "OneDriveStorageQuota": 1_048_576, "OrphanedPersonalSitesRetentionPeriod": 30, "PreventExternalUsersFromResharing": false,
            "ProvisionSharedWithEveryoneFolder": false, "PublicCdnAllowedFileTypes": .string(cdnExtensions), "PublicCdnEnabled": false,
            "PublicCdnOrigins": [], "RequireAcceptingAccountMatchInvitedAccount": false, "RequireAnonymousLinksExpireInDays": -1,
            "ResourceQuota": 5300, "ResourceQuotaAllocated": 0, "RootSiteUrl": .string(rootURL), "SearchResolveExactEmailOrUPN": false,
            "SharingAllowedDomainList": nil, "SharingBlockedDomainList": nil, "SharingCapability": 1, "SharingDomainRestrictionMode": 0,
            "ShowAllUsersClaim": false, "ShowEveryoneClaim": false, "ShowEveryoneExceptExternalUsersClaim": true,
            "SignInAccelerationDomain": "", "StorageQuota": 1_061_376, "StorageQuotaAllocated": 0,
            "UsePersistentCookiesForExplorerView": false, "UserVoiceForFeedbackEnabled": true,
            // The rest of what `Set-SPOTenant` (and CLI's `spo tenant settings set`) can change.
            "AllowLimitedAccessOnUnmanagedDevices": false, "AllowedDomainListForSyncClient": [], "BlockAccessOnUnmanagedDevices": false,
            "BlockDownloadOfAllFilesForGuests": false, "BlockDownloadOfAllFilesOnUnmanagedDevices": false,
            "BlockDownloadOfViewableFilesForGuests": false, "BlockDownloadOfViewableFilesOnUnmanagedDevices": false, "BlockMacSync": false,
            "DisableReportProblemDialog": false, "DisabledWebPartIds": [], "DisallowInfectedFileDownload": false,
            "DisplayNamesOfFileViewers": true, "EmailAttestationReAuthDays": 30, "EmailAttestationRequired": false,
            "EnableAzureADB2BIntegration": false, "EnableGuestSignInAcceleration": false, "EnableMinimumVersionRequirement": true,
            "ExcludedFileExtensionsForSyncClient": [], "CommentsOnListItemsDisabled": false,
            "AllowWebPropertyBagUpdateWhenDenyAddAndCustomizePagesIsEnabled": false, "FilePickerExternalImageSearchEnabled": true, "HideSyncButtonOnODB": false,
            "IPAddressAllowList": "", "IPAddressEnforcement": false, "IPAddressWACTokenLifetime": 15,
            "IsUnmanagedSyncClientForTenantRestricted": false, "LimitedAccessFileType": 1, "MaxCompatibilityLevel": 15,
            "MinCompatibilityLevel": 15, "NotificationsInSharePointEnabled": true, "NotifyOwnersWhenInvitationsAccepted": true,
            "NotifyOwnersWhenItemsReshared": true, "ODBAccessRequests": 0, "ODBMembersCanShare": 0, "OfficeClientADALDisabled": false,
            "OneDriveForGuestsEnabled": false, "OptOutOfGrooveBlock": false, "OptOutOfGrooveSoftBlock": false, "OrgNewsSiteUrl": nil,
            "OwnerAnonymousNotification": true, "PermissiveBrowserFileHandlingOverride": false,
            "ShowNGSCDialogForSyncOnODB": true, "ShowPeoplePickerSuggestionsForGuestUsers": false, "SocialBarOnSitePagesDisabled": false,
            "SpecialCharactersStateInFileFolderNames": 1, "StartASiteFormUrl": nil, "SyncAadB2BManagementPolicy": false,
            "SyncPrivacyProfileProperties": true, "UseFindPeopleInPeoplePicker": false,
        ]
    }

    /// The admin state of every seeded tenant, with the seed's site facts (owner, group, template).
    static func build(_ seed: Seed) -> [String: SPTenantAdminState] {
        var out: [String: SPTenantAdminState] = [:]
        for t in seed.tenants {
            let name = t.sharePointTenantName ?? ""
            let state = SPTenantAdminState(tenantId: t.id, rootURL: "https://\(name).\((t.cloud ?? .global).sharePointSuffix)")
            for site in t.sharePoint?.sites ?? [] {
                guard let url = site["url"]?.stringValue?.trimmingSuffix("/") else { continue }
                let info = SPSiteInfo(template: SPSiteInfo.fullTemplate(site["webTemplate"]?.stringValue ?? "STS"),
                                      owner: site["owner"]?.stringValue ?? "", groupId: site["groupId"]?.stringValue ?? zeroGUID,
                                      lcid: site["language"]?.intValue ?? 1033, created: SPSiteInfo.seedDate)
                state.sites[url.lowercased()] = info
            }
            out[t.id.lowercased()] = state
        }
        return out
    }

    static let zeroGUID = "00000000-0000-0000-0000-000000000000"

    /// The lower-cased URLs of the live site collections in byte order, cached between requests
    /// (listing 10,000 sites page by page must not sort them for every page).
    func rootKeys(_ webs: [String: SPWeb]) -> [String] {
        if sortedFor == (generation, webs.count) { return sortedRoots }
        sortedRoots = webs.compactMap { $0.key == $0.value.siteCollectionURL.lowercased() && !SharePointContentTypes.isHub($0.key) ? $0.key : nil }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        sortedFor = (generation, webs.count)
        return sortedRoots
    }

    /// The facts of a live site collection whose root web is `web` (defaults when none are kept).
    func info(for web: SPWeb) -> SPSiteInfo {
        if let i = sites[web.url.lowercased()] { return i }
        let i = SPSiteInfo(template: SPSiteInfo.fullTemplate(web.webTemplate), owner: "", groupId: Self.zeroGUID,
                           lcid: web.language, created: SPSiteInfo.seedDate)
        sites[web.url.lowercased()] = i
        return i
    }

    /// Moves a live site collection (all its webs) to the recycle bin.
    func recycle(_ root: SPWeb, from webs: inout [String: SPWeb]) {
        let key = root.url.lowercased()
        var removed: [SPWeb] = []
        for (k, w) in webs where w.siteCollectionURL.lowercased() == key {
            removed.append(w)
            webs[k] = nil
        }
        deleted[key] = SPDeletedSite(webs: removed, info: sites.removeValue(forKey: key), deleted: Date())
        generation += 1
    }

    /// Facts without creating an entry (listing thousands of bulk sites stays cheap).
    func peekInfo(for web: SPWeb) -> SPSiteInfo {
        sites[web.url.lowercased()] ?? SPSiteInfo(template: SPSiteInfo.fullTemplate(web.webTemplate), owner: "", groupId: Self.zeroGUID,
                                                  lcid: web.language, created: SPSiteInfo.seedDate)
    }
}

extension SharePointStore {
    /// Runs `body` under the lock with the tenant's webs and admin state.
    func withAdmin<T>(_ tenantId: String, _ body: (inout [String: SPWeb], SPTenantAdminState) throws -> T) rethrows -> T {
        try with(tenantId) { webs in
            let key = tenantId.lowercased()
            let admin: SPTenantAdminState
            if let a = tenantAdmin[key] { admin = a } else {
                admin = SPTenantAdminState(tenantId: tenantId, rootURL: "")
                tenantAdmin[key] = admin
            }
            return try body(&webs, admin)
        }
    }

    /// A new site collection's root web with a Documents library (bulk sites and CreateSite).
    static func newSiteWeb(url: String, title: String, template: String, lcid: Int, created: String) -> SPWeb {
        let base = template.split(separator: "#").first.map(String.init) ?? "STS"
        let web = SPWeb(id: Util.nameGUID("web/\(url.lowercased())/\(created)"), url: url, siteCollectionURL: url,
                        siteId: Util.nameGUID("site/\(url.lowercased())/\(created)"), title: title, description: "",
                        webTemplate: base, language: lcid, created: created)
        web.lists.append(SPList(id: Util.nameGUID("list/\(url.lowercased())/\(created)/Documents"), title: "Documents", description: "",
                                baseTemplate: 101, url: "Shared Documents", created: created))
        return web
    }

    public enum SiteGenerateFailure: Error { case noSuchTenant }

    /// Adds `count` team sites `https://<tenant>.sharepoint.com/sites/<prefix>-NNNNNN` (the admin
    /// API's bulk create for benchmarks); existing URLs are skipped. Returns how many were made.
    public func generateSites(tenantId: String, rootHost: String, count: Int, prefix: String) -> Int {
        let now = Util.iso8601(Date())
        var made: [SPWeb] = []
        made.reserveCapacity(count)
        for i in stride(from: 1, through: count, by: 1) {
            let digits = String(i)
            let n = String(repeating: "0", count: max(0, 6 - digits.count)) + digits
            made.append(Self.newSiteWeb(url: "https://\(rootHost)/sites/\(prefix)-\(n)", title: "\(prefix) site \(n)", template: "STS#0",
                                        lcid: 1033, created: now))
        }
        return withAdmin(tenantId) { webs, admin in
            webs.reserveCapacity(webs.count + count)
            var created = 0
            for w in made {
                let key = w.url.lowercased()
                guard webs[key] == nil, admin.deleted[key] == nil else { continue }
                webs[key] = w
                created += 1
            }
            admin.generation += 1
            return created
        }
    }
}
