import PluginKit

/// Tenant administration over CSOM at the admin site: `spo tenant settings`, `spo cdn` and
/// `spo storageentity` (tenant properties: written through the app catalog's root web, read
/// over REST from any site).
enum TenantCommands {
    // MARK: Tenant settings

    /// How a tenant property is typed in CSOM; enums are set by name and listed by name.
    enum Kind {
        case bool, string, int32, int64
        case names([String])
        /// Comma-separated values sent as an array of strings or of GUIDs.
        case strings, guids
    }

    static let sharingLinkType = ["None", "Direct", "Internal", "AnonymousAccess"]
    static let sharingState = ["Unspecified", "On", "Off"]
    static let anonymousLinkType = ["None", "View", "Edit"]

    /// The properties `spo tenant settings set` takes, as CLI for Microsoft 365 names them.
    static let settings: [(name: String, kind: Kind)] = [
        ("MinCompatibilityLevel", .int32), ("MaxCompatibilityLevel", .int32), ("ExternalServicesEnabled", .bool),
        ("NoAccessRedirectUrl", .string), ("SharingCapability", .names(SiteCommands.sharingCapabilities)),
        ("DisplayStartASiteOption", .bool), ("StartASiteFormUrl", .string), ("ShowEveryoneClaim", .bool), ("ShowAllUsersClaim", .bool),
        ("ShowEveryoneExceptExternalUsersClaim", .bool), ("SearchResolveExactEmailOrUPN", .bool), ("OfficeClientADALDisabled", .bool),
        ("LegacyAuthProtocolsEnabled", .bool), ("RequireAcceptingAccountMatchInvitedAccount", .bool),
        ("ProvisionSharedWithEveryoneFolder", .bool), ("SignInAccelerationDomain", .string), ("EnableGuestSignInAcceleration", .bool),
        ("UsePersistentCookiesForExplorerView", .bool), ("BccExternalSharingInvitations", .bool),
        ("BccExternalSharingInvitationsList", .string), ("UserVoiceForFeedbackEnabled", .bool), ("PublicCdnEnabled", .bool),
        ("PublicCdnAllowedFileTypes", .string), ("RequireAnonymousLinksExpireInDays", .int32), ("SharingAllowedDomainList", .string),
        ("SharingBlockedDomainList", .string), ("SharingDomainRestrictionMode", .names(["None", "AllowList", "BlockList"])),
        ("OneDriveStorageQuota", .int64), ("OneDriveForGuestsEnabled", .bool), ("IPAddressEnforcement", .bool),
        ("IPAddressAllowList", .string), ("IPAddressWACTokenLifetime", .int32), ("UseFindPeopleInPeoplePicker", .bool),
        ("DefaultSharingLinkType", .names(sharingLinkType)), ("ODBMembersCanShare", .names(sharingState)),
        ("ODBAccessRequests", .names(sharingState)), ("PreventExternalUsersFromResharing", .bool),
        ("ShowPeoplePickerSuggestionsForGuestUsers", .bool), ("FileAnonymousLinkType", .names(anonymousLinkType)),
        ("FolderAnonymousLinkType", .names(anonymousLinkType)), ("NotifyOwnersWhenItemsReshared", .bool),
        ("NotifyOwnersWhenInvitationsAccepted", .bool), ("NotificationsInOneDriveForBusinessEnabled", .bool),
        ("NotificationsInSharePointEnabled", .bool), ("OwnerAnonymousNotification", .bool), ("CommentsOnSitePagesDisabled", .bool),
        ("SocialBarOnSitePagesDisabled", .bool), ("OrphanedPersonalSitesRetentionPeriod", .int32), ("DisallowInfectedFileDownload", .bool),
        ("DefaultLinkPermission", .names(["None", "View", "Edit"])),
        ("ConditionalAccessPolicy", .names(["AllowFullAccess", "AllowLimitedAccess", "BlockAccess"])),
        ("AllowDownloadingNonWebViewableFiles", .bool), ("AllowEditing", .bool), ("ApplyAppEnforcedRestrictionsToAdHocRecipients", .bool),
        ("FilePickerExternalImageSearchEnabled", .bool), ("EmailAttestationRequired", .bool), ("EmailAttestationReAuthDays", .int32),
        ("HideDefaultThemes", .bool), ("BlockAccessOnUnmanagedDevices", .bool), ("AllowLimitedAccessOnUnmanagedDevices", .bool),
        ("BlockDownloadOfAllFilesForGuests", .bool), ("BlockDownloadOfAllFilesOnUnmanagedDevices", .bool),
        ("BlockDownloadOfViewableFilesForGuests", .bool), ("BlockDownloadOfViewableFilesOnUnmanagedDevices", .bool), ("BlockMacSync", .bool),
        ("DisableReportProblemDialog", .bool), ("DisplayNamesOfFileViewers", .bool), ("EnableMinimumVersionRequirement", .bool),
        ("HideSyncButtonOnODB", .bool), ("IsUnmanagedSyncClientForTenantRestricted", .bool),
        ("LimitedAccessFileType", .names(["OfficeOnlineFilesOnly", "WebPreviewableFiles", "OtherFiles"])),
        ("OptOutOfGrooveBlock", .bool), ("OptOutOfGrooveSoftBlock", .bool), ("OrgNewsSiteUrl", .string),
        ("PermissiveBrowserFileHandlingOverride", .bool), ("ShowNGSCDialogForSyncOnODB", .bool),
        ("SpecialCharactersStateInFileFolderNames", .names(["NoPreference", "Allowed", "Disallowed"])),
        ("SyncPrivacyProfileProperties", .bool), ("DisableCustomAppAuthentication", .bool), ("EnableAzureADB2BIntegration", .bool),
        ("SyncAadB2BManagementPolicy", .bool), ("ExcludedFileExtensionsForSyncClient", .strings), ("AllowedDomainListForSyncClient", .guids),
        ("DisabledWebPartIds", .guids), ("CommentsOnListItemsDisabled", .bool),
        ("AllowWebPropertyBagUpdateWhenDenyAddAndCustomizePagesIsEnabled", .bool),
    ]

    static func settingOption(_ setting: (name: String, kind: Kind)) -> OptionSpec {
        switch setting.kind {
        // Declared and read through handles made from the table's names.
        case .bool: return option(OptionKey<Bool>(setting.name), nil, "true or false (alone: true)")
        case .strings: return option(OptionKey<String>(setting.name), nil, "Comma-separated values")
        case .guids: return option(OptionKey<String>(setting.name), nil, "Comma-separated GUIDs")
        case let .names(names): return option(OptionKey<String>(setting.name), nil, "One of \(names.joined(separator: ", "))", allowed: names)
        case .int32, .int64: return option(OptionKey<Double>(setting.name), nil, "A number")
        case .string: return option(OptionKey<String>(setting.name), nil, "Text")
        }
    }

    static let cdnTypes = ["Public", "Private"]
    static let cdnPolicies = ["IncludeFileExtensions", "ExcludeRestrictedSiteClassifications", "ExcludeIfNoScriptDisabled"]
    static let appCatalogUrl = option(.appCatalogUrl, "u", "URL of the tenant app catalog site", required: true)
    static let key = option(.key, "k", "Name of the tenant property", required: true)

    /// A tenant property as the CLI prints it: its key, then the value, description and comment
    /// it has (the ones it lacks are left out).
    static func storageEntity(_ key: String, _ entity: JSONObject) -> JSONObject {
        var out: JSONObject = ["Key": .string(key)]
        for field in ["Value", "Description", "Comment"] { if let value = entity[field], value != .null { out[field] = value } }
        return out
    }

    static let all: [PluginCommand] = [
        command("tenant settings list", "Lists the tenant's global settings (needs the admin site)") { (spo: SPOClient, _: Options) throws(PluginFailure) in
            // SharePoint leaves HideDefaultThemes out of "all properties": asked for by name, as the CLI does.
            let (response, id) = try spo.tenantQuery { request, tenant in request.query(tenant, alsoNamed: ["HideDefaultThemes"]) }
            var settings = try response.object(id, "tenant settings")
            settings["_ObjectType_"] = nil
            settings["_ObjectIdentity_"] = nil
            // Enumerations by name, as CLI for Microsoft 365 prints them.
            for case let (name, .names(names)) in Self.settings {
                if let index = settings[name]?.intValue, names.indices.contains(index) { settings[name] = .string(names[index]) }
            }
            try spo.invocation.emit(result: .object(settings))
        },

        command("tenant settings set", "Sets the tenant's global settings (needs the admin site); any other --Property value sets that Tenant property, as a text SharePoint converts",
                options: settings.map(settingOption), unknownOptions: true,
                examples: [("Allow external sharing with existing guests only", "m365 spo tenant settings set --SharingCapability ExistingExternalUserSharingOnly")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            var changes: [(String, CSOMRequest.Value)] = []
            for setting in settings {
                // The handles settingOption declared these options with.
                if case .bool = setting.kind {
                    if let on = options.optionalBool(OptionKey<Bool>(setting.name)) { changes.append((setting.name, .bool(on))) }
                    continue
                }
                let number = options.number(OptionKey<Double>(setting.name))
                guard let text = options.string(OptionKey<String>(setting.name)) ?? number.map({ JSON.number($0).serialized() }) else { continue }
                switch setting.kind {
                case .bool: break
                // URL settings may be server-relative (/sites/x), as the CLI expands them.
                case .string where ["NoAccessRedirectUrl", "StartASiteFormUrl", "OrgNewsSiteUrl"].contains(setting.name) && text.hasPrefix("/"):
                    changes.append((setting.name, .string(try spo.absolute(text, option: setting.name))))
                case .string: changes.append((setting.name, .string(text)))
                case .strings: changes.append((setting.name, .array(text.split(separator: ",", omittingEmptySubsequences: false).map { .string(String($0)) })))
                case .guids:
                    let ids = text.split(separator: ",").map { String($0).trimmingSpaces }
                    if let bad = ids.first(where: { !isGUID($0) }) { throw usage("'\(bad)' is not a valid GUID for --\(setting.name)") }
                    changes.append((setting.name, .array(ids.map { .guid($0) })))
                case .int32, .int64:
                    guard let number, number == number.rounded() else {
                        throw usage("--\(setting.name) takes a whole number, not '\(text)'")
                    }
                    changes.append((setting.name, { if case .int32 = setting.kind { return .int32(Int(number)) } else { return .int64(Int(number)) } }()))
                case let .names(names):
                    guard let index = names.firstIndex(of: text) else { throw usage("--\(setting.name) takes one of \(names.joined(separator: ", "))") }
                    changes.append((setting.name, .enumeration(index)))
                }
            }
            // A property this table does not know yet goes to SharePoint as text, as the CLI sends every value.
            for (name, value) in options.unknown { changes.append((name, .string(value))) }
            guard !changes.isEmpty else { throw usage("You must specify at least one option") }
            if options.optionalBool(OptionKey<Bool>("EnableAzureADB2BIntegration")) == true {
                spo.invocation.log("WARNING: Make sure to also enable the Microsoft Entra one-time passcode authentication preview. If it is not enabled then SharePoint will not use Microsoft Entra B2B even if EnableAzureADB2BIntegration is set to true. Learn more at http://aka.ms/spo-b2b-integration.",
                                   level: M365_LOG_WARNING)
            }
            _ = try spo.tenantQuery { request, tenant in
                for (name, value) in changes { request.set(name, on: tenant, value) }
                request.call("Update", on: tenant)
            }
        },

        // MARK: CDN

        command("cdn get", "Shows whether the Office 365 CDN of the given type is enabled (needs the admin site)",
                options: [option(.type, "t", "CDN type (default Public)", allowed: cdnTypes)]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let type = cdnType(options.string(.type))
            let (response, id) = try spo.tenantQuery { request, tenant in request.call("GetTenantCdnEnabled", on: tenant, [.enumeration(type)]) }
            guard let enabled = response[id]?.boolValue else { throw PluginFailure("SharePoint sent no CDN status", status: M365_ERR_SERVER) }
            try spo.invocation.emit(result: .bool(enabled))
        },

        command("cdn set", "Enables or disables the Office 365 CDN (needs the admin site)",
                options: [option(.enabled, "e", "true to enable, false to disable", required: true, allowed: ["true", "false"]),
                          option(.type, "t", "CDN type (default Public)", allowed: cdnTypes + ["Both"]),
                          flag(.noDefaultOrigins, nil, "Do not create the default origins when enabling")],
                examples: [("Enable the public CDN with its default origins", "m365 spo cdn set --type Public --enabled true")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let enabled = options.string(.enabled) == "true"
            let types = options.string(.type) == "Both" ? [1, 0] : [cdnType(options.string(.type))]
            _ = try spo.tenantQuery { request, tenant in
                for type in types { request.call("SetTenantCdnEnabled", on: tenant, [.enumeration(type), .bool(enabled)]) }
                if enabled && !options.bool(.noDefaultOrigins) {
                    for type in types { request.call("CreateTenantCdnDefaultOrigins", on: tenant, [.enumeration(type)]) }
                }
            }
        },

        command("cdn origin list", "Lists the origins of the Office 365 CDN (needs the admin site)",
                options: [option(.type, "t", "CDN type (default Public)", allowed: cdnTypes)]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let type = cdnType(options.string(.type))
            let (response, id) = try spo.tenantQuery { request, tenant in request.call("GetTenantCdnOrigins", on: tenant, [.enumeration(type)]) }
            try spo.invocation.emit(result: .array(response[id]?.arrayValue ?? []))
        },

        command("cdn origin add", "Adds an origin to the Office 365 CDN (needs the admin site)",
                options: [option(.origin, "r", "The origin, e.g. */CDN", required: true), option(.type, "t", "CDN type (default Public)", allowed: cdnTypes)]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let type = cdnType(options.string(.type))
            let origin = try cdnOrigin(spo, options)
            _ = try spo.tenantQuery { request, tenant in request.call("AddTenantCdnOrigin", on: tenant, [.enumeration(type), .string(origin)]) }
        },

        command("cdn origin remove", "Removes an origin from the Office 365 CDN (needs the admin site)",
                options: [option(.origin, "r", "The origin to remove", required: true), option(.type, "t", "CDN type (default Public)", allowed: cdnTypes),
                          forceOption]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let origin = try cdnOrigin(spo, options)
            guard try spo.invocation.confirmed(options, "Are you sure you want to delete the \(origin) CDN origin?", needing: "removing the CDN origin \(origin)") else { return }
            let type = cdnType(options.string(.type))
            _ = try spo.tenantQuery { request, tenant in request.call("RemoveTenantCdnOrigin", on: tenant, [.enumeration(type), .string(origin)]) }
        },

        command("cdn policy list", "Lists the policies of the Office 365 CDN (needs the admin site)",
                options: [option(.cdnType, "t", "CDN type (default Public)", allowed: cdnTypes)], defaults: ["Policy", "Value"]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let type = cdnType(options.string(.cdnType))
            let (response, id) = try spo.tenantQuery { request, tenant in request.call("GetTenantCdnPolicies", on: tenant, [.enumeration(type)]) }
            // "Name;Value" strings, printed as objects as CLI for Microsoft 365 prints them.
            let policies: [JSON] = (response[id]?.arrayValue ?? []).compactMap { entry in
                guard let text = entry.stringValue else { return nil }
                // As the CLI: the first two parts; no Value when there is none.
                let parts = text.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
                return .object(JSONObject([("Policy", .string(parts[0]))] + (parts.count > 1 ? [("Value", .string(parts[1]))] : [])))
            }
            try spo.invocation.emit(result: .array(policies))
        },

        command("cdn policy set", "Sets a policy of the Office 365 CDN (needs the admin site)",
                options: [option(.cdnType, "t", "CDN type (default Public)", allowed: cdnTypes),
                          option(.policy, "p", "The policy to set", required: true, allowed: cdnPolicies),
                          option(.value, "v", "Value of the policy", required: true)]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let type = cdnType(options.string(.cdnType))
            let policy = cdnPolicies.firstIndex(of: options.string(.policy) ?? "") ?? 0
            _ = try spo.tenantQuery { request, tenant in
                request.call("SetTenantCdnPolicy", on: tenant, [.enumeration(type), .enumeration(policy), .string(options.string(.value) ?? "")])
            }
        },

        // MARK: Storage entities (tenant properties)

        command("storageentity list", "Lists the tenant properties stored in the app catalog",
                options: [appCatalogUrl]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let catalog = try spo.webURL(options, .appCatalogUrl)
            let answer = try spo.get(catalog + "/_api/web/AllProperties?$select=storageentitiesindex")
            var entities: [JSON] = []
            if let index = answer["storageentitiesindex"]?.stringValue, !index.isEmpty {
                guard let parsed = try? JSON.parse(index), let object = parsed.objectValue else {
                    throw PluginFailure("the app catalog's storageentitiesindex is not valid JSON", status: M365_ERR_SERVER)
                }
                for (name, value) in object { entities.append(.object(storageEntity(name, value.objectValue ?? [:]))) }
            }
            // As the CLI: nothing at all when the app catalog keeps no properties.
            if entities.isEmpty { return }
            try spo.invocation.emit(result: .array(entities))
        },

        command("storageentity get", "Shows the tenant property with the given key",
                options: [key]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let name = options.string(.key) ?? ""
            let root = try spo.spoURL()
            let entity = try spo.get(root + "/_api/web/GetStorageEntity(\(pathLiteral(name)))")
            if entity["odata.null"]?.boolValue == true {
                // As CLI for Microsoft 365: no output and success when the key is unset.
                spo.invocation.log("Property with key \(name) not found")
                return
            }
            try spo.invocation.emit(result: .object(storageEntity(name, entity)))
        },

        command("storageentity set", "Creates or updates a tenant property (needs the admin site)",
                options: [appCatalogUrl, key, option(.value, "v", "Value of the property", required: true),
                          option(.description, "d", "Description of the property"), option(.comment, "c", "Comment")],
                examples: [("A property scripts and web parts can read", "m365 spo storageentity set --appCatalogUrl /sites/apps --key AnalyticsId --value 123")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let catalog = try spo.webURL(options, .appCatalogUrl)
            let values = [OptionKey<String>.key, .value, .description, .comment].map { CSOMRequest.Value.string(options.string($0) ?? "") }
            _ = try spo.tenantQuery { request, tenant in
                let web = request.property("RootWeb", of: request.method("GetSiteByUrl", of: tenant, [.string(catalog)]))
                request.call("SetStorageEntity", on: web, values)
            }
        },

        command("storageentity remove", "Removes a tenant property (needs the admin site)",
                options: [appCatalogUrl, key, forceOption]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let catalog = try spo.webURL(options, .appCatalogUrl)
            let name = options.string(.key) ?? ""
            guard try spo.invocation.confirmedRemoval(options, "the tenant property \(name)") else { return }
            _ = try spo.tenantQuery { request, tenant in
                let web = request.property("RootWeb", of: request.method("GetSiteByUrl", of: tenant, [.string(catalog)]))
                request.call("RemoveStorageEntity", on: web, [.string(name)])
            }
        },
    ]

    static func cdnType(_ name: String?) -> Int { name == "Private" ? 1 : 0 }

    /// `--origin`; one that starts with `/` is expanded to an absolute URL, as the CLI expands it.
    static func cdnOrigin(_ spo: SPOClient, _ options: Options) throws(PluginFailure) -> String {
        let origin = options.string(.origin) ?? ""
        return origin.hasPrefix("/") ? try spo.absolute(origin, option: "origin") : origin
    }
}
