import PluginKit

/// The list settings `spo list add` and `spo list set` take, as CLI for Microsoft 365 maps them:
/// each option sets the SP.List property of the same name in PascalCase (`--enableVersioning` →
/// `EnableVersioning`); enums are sent as SharePoint's numbers. One table for both commands.
enum ListSettings {
    enum Kind {
        case boolean
        case text
        case guid
        /// A number out of these values.
        case number([Int])
        /// A name sent as its number (`--draftVersionVisibility Approver` → 2).
        case named([(String, Int)])
        /// One of these names, sent as given.
        case choice([String])
    }

    /// The settings in the CLI's order of options; those not in `special` are booleans.
    static let names = [
        "templateFeatureId", "allowDeletion", "allowEveryoneViewItems", "allowMultiResponses", "contentTypesEnabled",
        "crawlNonDefaultViews", "defaultContentApprovalWorkflowId", "defaultDisplayFormUrl", "defaultEditFormUrl", "direction",
        "disableCommenting", "disableGridEditing", "draftVersionVisibility", "emailAlias", "enableAssignToEmail", "enableAttachments",
        "enableDeployWithDependentList", "enableFolderCreation", "enableMinorVersions", "enableModeration", "enablePeopleSelector",
        "enableResourceSelector", "enableSchemaCaching", "enableSyndication", "enableThrottling", "enableVersioning",
        "enforceDataValidation", "excludeFromOfflineClient", "fetchPropertyBagForListView", "followable", "forceCheckout",
        "forceDefaultContentType", "hidden", "includedInMyFilesScope", "irmEnabled", "irmExpire", "irmReject", "isApplicationList",
        "listExperienceOptions", "majorVersionLimit", "majorWithMinorVersionsLimit", "multipleDataList", "navigateForFormsPages",
        "needUpdateSiteClientTag", "noCrawl", "onQuickLaunch", "ordered", "parserDisabled", "readOnlyUI", "readSecurity",
        "requestAccessEnabled", "restrictUserUpdates", "sendToLocationName", "sendToLocationUrl", "showUser", "useFormsForDisplay",
        "validationFormula", "validationMessage", "writeSecurity",
    ]

    static let special: [String: (Kind, String)] = [
        "templateFeatureId": (.guid, "GUID of a template feature associated with the list"),
        "defaultContentApprovalWorkflowId": (.guid, "GUID of the default workflow for content approval"),
        "defaultDisplayFormUrl": (.text, "Server-relative URL of the default display form"),
        "defaultEditFormUrl": (.text, "Server-relative URL of the default edit form"),
        "direction": (.choice(["NONE", "LTR", "RTL"]), "Reading order of the list"),
        "draftVersionVisibility": (.named([("Reader", 0), ("Author", 1), ("Approver", 2)]), "Who sees draft versions"),
        "emailAlias": (.text, "E-mail address of the list (needs --enableAssignToEmail)"),
        "listExperienceOptions": (.named([("Auto", 0), ("NewExperience", 1), ("ClassicExperience", 2)]), "The list experience"),
        "majorVersionLimit": (.number([]), "Most major versions kept (needs --enableVersioning)"),
        "majorWithMinorVersionsLimit": (.number([]), "Most major versions with minor ones kept (needs --enableMinorVersions or --enableModeration)"),
        "readSecurity": (.number([1, 2]), "Item read permission: 1 all items, 2 own items"),
        "sendToLocationName": (.text, "File name of the Send To location"),
        "sendToLocationUrl": (.text, "URL of the Send To location"),
        "validationFormula": (.text, "Formula the list's items must meet"),
        "validationMessage": (.text, "Message shown when an item fails the formula"),
        "writeSecurity": (.number([1, 2, 4]), "Item write permission: 1 all items, 2 own items, 4 none"),
    ]

    static let table: [(option: String, kind: Kind, help: String)] = names.map { name in
        let (kind, help) = special[name] ?? (.boolean, "Sets the list's \(property(name)) (true or false)")
        return (name, kind, help)
    }

    static func property(_ option: String) -> String { option.prefix(1).uppercased() + option.dropFirst() }

    static var options: [OptionSpec] {
        table.map { setting in
            switch setting.kind {
            case .boolean: return option(OptionKey<Bool>(setting.option), nil, setting.help)
            case .number: return option(OptionKey<Double>(setting.option), nil, setting.help)
            case .text, .guid: return option(OptionKey<String>(setting.option), nil, setting.help)
            case let .named(values): return option(OptionKey<String>(setting.option), nil, setting.help, allowed: values.map(\.0))
            case let .choice(values): return option(OptionKey<String>(setting.option), nil, setting.help, allowed: values)
            }
        }
    }

    /// The SP.List properties the given options set, checked as CLI for Microsoft 365 checks them.
    /// `list add` leaves out empty texts and zero numbers, as the CLI (it sends only values that
    /// are set); `list set` sends them.
    static func body(_ options: Options, updating: Bool = false) throws(PluginFailure) -> JSONObject {
        var body = JSONObject()
        func text(_ name: String) -> String? { options.string(OptionKey<String>(name)).flatMap { updating || !$0.isEmpty ? $0 : nil } }
        for (name, kind, _) in table {
            switch kind {
            case .boolean:
                if let value = options.optionalBool(OptionKey<Bool>(name)) { body[property(name)] = .bool(value) }
            case let .number(allowed):
                guard let value = options.number(OptionKey<Double>(name)) else { continue }
                guard value == value.rounded(), allowed.isEmpty || allowed.contains(Int(value)) else {
                    throw usage("\(options.values[name]?.serialized() ?? "") is not a valid \(name) value" +
                                (allowed.isEmpty ? ": use a whole number" : ". Allowed values are \(allowed.map(String.init).joined(separator: "|"))"))
                }
                if updating || value != 0 { body[property(name)] = .number(value) }
            case .guid:
                try options.requireGUIDs([OptionKey<String>(name)])
                if let value = text(name) { body[property(name)] = .string(value) }
            case .text, .choice:
                if let value = text(name) { body[property(name)] = .string(value) }
            case let .named(values):
                if let value = options.string(OptionKey<String>(name)), let number = values.first(where: { $0.0 == value })?.1 {
                    body[property(name)] = .number(Double(number))
                }
            }
        }
        // `list set` takes only positive version limits, as the CLI's schema.
        for name in ["majorVersionLimit", "majorWithMinorVersionsLimit"] where updating {
            if let limit = options.number(OptionKey<Double>(name)), limit < 1 { throw usage("\(name) must be a positive whole number") }
        }
        if options.has(OptionKey<String>("emailAlias")) && options.optionalBool(OptionKey<Bool>("enableAssignToEmail")) != true {
            throw usage("emailAlias could not be set if enableAssignToEmail is not set to true. Please set enableAssignToEmail.")
        }
        if (options.number(OptionKey<Double>("majorVersionLimit")) ?? 0) != 0 && options.optionalBool(OptionKey<Bool>("enableVersioning")) != true {
            // `list set` turns versioning on for a limit, as the CLI does; `list add` wants it said.
            guard updating else { throw usage("majorVersionLimit option is only valid in combination with enableVersioning.") }
            if options.optionalBool(OptionKey<Bool>("enableVersioning")) == nil { body["EnableVersioning"] = true }
        }
        if options.has(OptionKey<Double>("majorWithMinorVersionsLimit")) && options.optionalBool(OptionKey<Bool>("enableMinorVersions")) != true
            && options.optionalBool(OptionKey<Bool>("enableModeration")) != true {
            throw usage("majorWithMinorVersionsLimit option is only valid in combination with enableMinorVersions or enableModeration.")
        }
        return body
    }
}
