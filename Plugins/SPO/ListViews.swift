import PluginKit

/// The options of the `spo list view …` commands that no other command declares.
enum ViewOptionKeys {
    static let viewId = OptionKey<String>("viewId")
    static let viewTitle = OptionKey<String>("viewTitle")
    static let position = OptionKey<String>("position")
    static let viewQuery = OptionKey<String>("viewQuery")
    static let customFormatter = OptionKey<String>("customFormatter")
    static let viewType = OptionKey<String>("type")
    static let calendarStartDateField = OptionKey<String>("calendarStartDateField")
    static let calendarEndDateField = OptionKey<String>("calendarEndDateField")
    static let calendarTitleField = OptionKey<String>("calendarTitleField")
    static let calendarSubTitleField = OptionKey<String>("calendarSubTitleField")
    static let calendarDefaultLayout = OptionKey<String>("calendarDefaultLayout")
    static let kanbanBucketField = OptionKey<String>("kanbanBucketField")
    static let personal = OptionKey<Bool>("personal")
    static let makeDefault = OptionKey<Bool>("default")
    static let paged = OptionKey<Bool>("paged")
}

/// `spo list view …`: a list's views and the fields each shows, as CLI for Microsoft 365 manages
/// them over SharePoint REST (`{list}/views`, `views/add`, `views/GetByTitle('…')`, `ViewFields`).
enum ListViewCommands {
    typealias K = ViewOptionKeys

    static let webUrl = option(.webUrl, "u", "URL of the site where the list is located", required: true)
    /// The list options without short forms (`view get|set|remove`, `view field …`, `view add`).
    static let listOptions = [option(.listId, nil, "ID of the list"), option(.listTitle, nil, "Title of the list"),
                              option(.listUrl, nil, "Server- or site-relative URL of the list")]
    static let listSet = ["listId", "listTitle", "listUrl"]
    static let viewSelector = [option(.id, nil, "ID of the view"), option(.title, nil, "Title of the view")]
    static let viewOfFieldSelector = [option(K.viewId, nil, "ID of the view"), option(K.viewTitle, nil, "Title of the view")]
    static let fieldSelector = [option(.id, nil, "ID of the field"), option(.title, nil, "Internal name or title of the field")]

    /// A quoted OData string literal, percent-encoded for the URL path (`'It''s'`).
    static func literal(_ value: String) -> String {
        "'" + percentEncode(value.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''")) + "'"
    }

    /// `{web}/_api/web/lists(guid'…')`, `…/lists/GetByTitle('…')` or `…/GetList('…')`; `getByTitle`
    /// spelt as the command spells it (view get and add write `getByTitle`).
    static func listPath(_ web: String, _ options: Options, getByTitle: String = "GetByTitle") throws(PluginFailure) -> String {
        if options.string(.listId) == nil, let title = options.string(.listTitle) { return web + "/_api/web/lists/\(getByTitle)(\(literal(title)))" }
        return try ListSelector.forItems.path(web, options)
    }

    /// `/views/getById('…')` or `/views/getByTitle('…')` (view get), `/views/GetById('…')` or
    /// `/views/GetByTitle('…')` (view set): each command's spelling.
    static func viewByMethod(_ options: Options, getById: String, getByTitle: String) -> String {
        if let guid = options.string(.id) { return "/views/\(getById)(\(literal(guid)))" }
        return "/views/\(getByTitle)(\(literal(options.string(.title) ?? "")))"
    }

    /// `/views('…')` or `/views/GetByTitle('…')`, as the view field commands address a view.
    static func viewOfField(_ options: Options) -> String {
        if let guid = options.string(K.viewId) { return "/views(\(literal(guid)))" }
        return "/views/GetByTitle(\(literal(options.string(K.viewTitle) ?? "")))"
    }

    /// The field's internal name, read as the CLI reads it: `fields/getbyid('…')` or
    /// `fields/getbyinternalnameortitle('…')`.
    static func fieldInternalName(_ spo: SPOClient, list: String, _ options: Options) throws(PluginFailure) -> String {
        let selector = options.string(.id).map { "/getbyid(\(literal($0)))" }
            ?? "/getbyinternalnameortitle(\(literal(options.string(.title) ?? "")))"
        guard let name = try spo.get(list + "/fields" + selector)["InternalName"]?.stringValue else {
            throw PluginFailure("SharePoint did not return the field's internal name", status: M365_ERR_SERVER)
        }
        return name
    }

    /// `--position`, checked as the CLI checks it (`parseInt` must read a number: `2`, `1.5`, `3rd`)
    /// and sent as its parser typed it (`2` and `1.5` as numbers, `3rd` and `007` as text);
    /// SharePoint judges what it gets.
    static func position(_ options: Options) throws(PluginFailure) -> JSON? {
        guard let text = options.string(K.position) else { return nil }
        guard CLIArguments.parsesAsInteger(text) else { throw usage("\(text) is not a number") }
        return CLIArguments.parsedValue(text)
    }

    /// Moves a field of the view to `index` (`ViewFields/moveviewfieldto`).
    static func move(_ spo: SPOClient, view: String, field: String, to index: JSON) throws(PluginFailure) {
        try spo.send("POST", view + "/viewfields/moveviewfieldto", body: ["field": .string(field), "index": index])
    }

    static let all: [PluginCommand] = [
        command("list view list", "Lists views configured on the specified list",
                options: [webUrl, option(.listId, "i", "ID of the list"), option(.listTitle, "t", "Title of the list"),
                          option(.listUrl, nil, "Server- or site-relative URL of the list")],
                sets: [listSet], defaults: ["Id", "Title", "DefaultView", "Hidden", "BaseViewId"],
                examples: [("Views of a list by title", "m365 spo list view list --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle Tasks"),
                           ("Views of a list by URL", "m365 spo list view list --webUrl /sites/project-x --listUrl Lists/Tasks")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try CLIArguments.requireGUIDs(options, [.listId])
            let web = try spo.webURL(options, .webUrl)
            try spo.list(try listPath(web, options) + "/views")
        },

        command("list view get", "Gets information about specific list view",
                options: [webUrl] + listOptions + viewSelector, sets: [listSet, ["id", "title"]],
                examples: [("A view by title", "m365 spo list view get --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle Tasks --title 'All Items'"),
                           ("A view by id", "m365 spo list view get --webUrl /sites/project-x --listUrl Lists/Tasks --id 330f29c5-5c4c-465f-9f4b-7903020ae1ce")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try CLIArguments.requireGUID(options, .listId, CLIArguments.notGUID(in: .listId))
            try CLIArguments.requireGUID(options, .id, CLIArguments.notGUID(in: .id))
            let web = try spo.webURL(options, .webUrl)
            let url = try listPath(web, options, getByTitle: "getByTitle") + viewByMethod(options, getById: "getById", getByTitle: "getByTitle")
            try spo.invocation.emit(result: .object(try spo.get(url)))
        },

        command("list view add", "Adds a new view to a SharePoint list",
                options: [webUrl] + listOptions + [
                    option(.title, nil, "Title of the view", required: true),
                    option(.fields, nil, "Comma-separated internal names of the fields the view shows"),
                    option(K.viewQuery, nil, "CAML query of the view (the inside of <Query>)"),
                    option(K.personal, nil, "Create a personal view (only its creator sees it)"),
                    option(K.makeDefault, nil, "Make the view the list's default"),
                    option(K.paged, nil, "Show the items in pages (default true)"),
                    option(.rowLimit, nil, "Items per page (default 30)"),
                    option(K.customFormatter, nil, "View formatting, as a JSON string"),
                    option(K.viewType, nil, "Kind of view", allowed: ["list", "calendar", "gallery", "kanban"]),
                    option(K.calendarStartDateField, nil, "Internal name of the start date field (calendar views)"),
                    option(K.calendarEndDateField, nil, "Internal name of the end date field (calendar views)"),
                    option(K.calendarTitleField, nil, "Internal name of the field shown as the item's title (calendar views)"),
                    option(K.calendarSubTitleField, nil, "Internal name of the field shown below the title (calendar views)"),
                    option(K.calendarDefaultLayout, nil, "Layout a calendar view opens in", allowed: ["month", "week", "workWeek", "day"]),
                    option(K.kanbanBucketField, nil, "Internal name of the choice field whose values are the board's buckets (kanban views)"),
                ],
                sets: [listSet],
                examples: [("A view with three fields", "m365 spo list view add --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle Tasks --title 'My tasks' --fields 'LinkTitle,Status,DueDate' --viewQuery '<OrderBy><FieldRef Name=\"DueDate\" /></OrderBy>'"),
                           ("The default view, 100 items a page", "m365 spo list view add --webUrl /sites/project-x --listUrl Lists/Tasks --title All --fields LinkTitle --default --rowLimit 100"),
                           ("A calendar view", "m365 spo list view add --webUrl /sites/project-x --listTitle Events --title Calendar --type calendar --calendarStartDateField EventDate --calendarEndDateField EndDate --calendarTitleField Title")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let body = try viewCreation(options)
            let web = try spo.webURL(options, .webUrl)
            let url = try listPath(web, options, getByTitle: "getByTitle") + "/views/add"
            // As the CLI: a verbose-typed body (`ViewFields: {results: […]}`), a nometadata answer.
            let answer = try spo.answer("POST", url, raw: (contentType: "application/json;odata=verbose", bytes: Array(JSON.object(["parameters": .object(body)]).serialized().utf8)))
            guard let view = try spo.service.json(answer, url: url)?.objectValue else {
                throw PluginFailure("SharePoint did not return the new view", status: M365_ERR_SERVER)
            }
            try spo.invocation.emit(result: .object(SPOClient.unwrapVerbose(view)))
        },

        command("list view set", "Updates existing list view",
                options: [webUrl] + listOptions + viewSelector, sets: [listSet, ["id", "title"]], unknownOptions: true,
                examples: [("Rename a view", "m365 spo list view set --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle Tasks --title 'All Items' --Title 'All tasks'"),
                           ("Change the query and the page size", "m365 spo list view set --webUrl /sites/project-x --listUrl Lists/Tasks --id 330f29c5-5c4c-465f-9f4b-7903020ae1ce --ViewQuery '<OrderBy><FieldRef Name=\"Created\" Ascending=\"FALSE\" /></OrderBy>' --RowLimit 50")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try CLIArguments.requireGUID(options, .listId, CLIArguments.notGUID(in: .listId))
            try CLIArguments.requireGUID(options, .id, CLIArguments.notGUID(in: .id))
            let web = try spo.webURL(options, .webUrl)
            let url = try listPath(web, options) + viewByMethod(options, getById: "GetById", getByTitle: "GetByTitle")
            // Every option the command does not declare is a view property, typed as the CLI's
            // parser types it: `--RowLimit 50` a number, `--Hidden true` the text "true".
            var body = JSONObject()
            for (name, value) in options.unknown { body[name] = CLIArguments.parsedValue(value) }
            try spo.send("PATCH", url, body: .object(body), digestFor: web)
        },

        command("list view remove", "Deletes the specified view from the list",
                options: [webUrl] + listOptions + viewSelector + [forceOption], sets: [listSet, ["id", "title"]],
                examples: [("Without a prompt", "m365 spo list view remove --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle Tasks --title 'Old view' --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try CLIArguments.requireGUIDs(options, [.listId, .id])
            let web = try spo.webURL(options, .webUrl)
            let list = try listPath(web, options)
            let view = options.string(.id).map { "/views(guid'\(percentEncode($0))')" } ?? "/views/GetByTitle(\(literal(options.string(.title) ?? "")))"
            let what = "the view \(options.string(.id) ?? options.string(.title) ?? "") from the list \(ListSelector.forItems.label(options)) in site \(web)"
            guard try spo.invocation.confirmedRemoval(options, what) else { return }
            try spo.write(list + view, tunnel: "DELETE")
        },

        command("list view field add", "Adds the specified field to list view",
                options: [webUrl] + listOptions + viewOfFieldSelector + fieldSelector
                    + [option(K.position, nil, "Position (0-based) to put the field at among the view's fields")],
                sets: [listSet, ["viewId", "viewTitle"], ["id", "title"]],
                examples: [("Add a field at the end", "m365 spo list view field add --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle Tasks --viewTitle 'All Items' --title Status"),
                           ("Add a field first", "m365 spo list view field add --webUrl /sites/project-x --listUrl Lists/Tasks --viewTitle 'All Items' --id 330f29c5-5c4c-465f-9f4b-7903020ae1ce --position 0")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try CLIArguments.requireGUIDs(options, [.listId, K.viewId, .id])
            let index = try position(options)
            let web = try spo.webURL(options, .webUrl)
            let list = try listPath(web, options)
            let name = try fieldInternalName(spo, list: list, options)
            let view = list + viewOfField(options)
            try spo.send("POST", view + "/viewfields/addviewfield(\(literal(name)))")
            if let index { try move(spo, view: view, field: name, to: index) }
        },

        command("list view field set", "Updates existing column in an existing view (eg. move to a specific position).",
                options: [webUrl] + listOptions + viewOfFieldSelector + fieldSelector
                    + [option(K.position, nil, "Position (0-based) to move the field to among the view's fields", required: true)],
                sets: [listSet, ["viewId", "viewTitle"], ["id", "title"]],
                examples: [("Move a field to the front", "m365 spo list view field set --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle Tasks --viewTitle 'All Items' --title Status --position 0")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try CLIArguments.requireGUIDs(options, [.listId, K.viewId, .id])
            guard let index = try position(options) else { throw usage("--position is required") }
            let web = try spo.webURL(options, .webUrl)
            let list = try listPath(web, options)
            let name = try fieldInternalName(spo, list: list, options)
            try move(spo, view: list + viewOfField(options), field: name, to: index)
        },

        command("list view field remove", "Removes the specified field from list view",
                options: [webUrl] + listOptions + viewOfFieldSelector + fieldSelector + [forceOption],
                sets: [listSet, ["viewId", "viewTitle"], ["id", "title"]],
                examples: [("Without a prompt", "m365 spo list view field remove --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle Tasks --viewTitle 'All Items' --title Status --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try CLIArguments.requireGUIDs(options, [.listId, K.viewId])
            // As the CLI: a bad field id is reported with the view id's value (`undefined` without one).
            try CLIArguments.requireGUID(options, .id) { _ in CLIArguments.notGUID(options.string(K.viewId) ?? "undefined") }
            let web = try spo.webURL(options, .webUrl)
            let list = try listPath(web, options)
            let field = options.string(.id) ?? options.string(.title) ?? ""
            let view = options.string(K.viewId) ?? options.string(K.viewTitle) ?? ""
            let what = "the field \(field) from the view \(view) from list \(options.string(.listId) ?? options.string(.listTitle) ?? options.string(.listUrl) ?? "") in site \(web)"
            guard try spo.invocation.confirmedRemoval(options, what) else { return }
            let name = try fieldInternalName(spo, list: list, options)
            try spo.send("POST", list + viewOfField(options) + "/viewfields/removeviewfield(\(literal(name)))")
        },
    ]

    /// `SP.ViewCreationInformation` from `view add`'s options, checked as the CLI checks them,
    /// in the CLI's order of properties.
    static func viewCreation(_ options: Options) throws(PluginFailure) -> JSONObject {
        // The CLI's schema (zod) words its refusals `option: message`.
        try CLIArguments.requireGUID(options, .listId) { _ in "listId: Invalid UUID" }
        guard let title = options.string(.title), !title.isEmpty else { throw usage("title: Cannot be empty.") }
        let type = options.string(K.viewType)
        let personal = options.bool(K.personal), makeDefault = options.bool(K.makeDefault)
        if personal && makeDefault { throw usage("Default view cannot be a personal view.") }
        let calendar = [K.calendarStartDateField, K.calendarEndDateField, K.calendarTitleField].map { options.string($0) }
        if type == "calendar" && calendar.contains(where: { $0 == nil }) {
            throw usage("When type is calendar, do specify calendarStartDateField, calendarEndDateField, and calendarTitleField.")
        }
        if type != "calendar" && calendar.contains(where: { $0 != nil }) {
            throw usage("When type is not calendar, do not specify calendarStartDateField, calendarEndDateField, and calendarTitleField.")
        }
        for key in [K.calendarStartDateField, K.calendarEndDateField, K.calendarTitleField, K.calendarSubTitleField, K.kanbanBucketField]
        where options.string(key)?.isEmpty == true {
            throw usage("\(key.name): Cannot be empty.")
        }
        let bucket = options.string(K.kanbanBucketField)
        if type == "kanban" && bucket == nil { throw usage("When type is kanban, do specify kanbanBucketField.") }
        if type != "kanban" && bucket != nil { throw usage("When type is not kanban, do not specify kanbanBucketField.") }
        if type != "calendar" && !options.has(.fields) { throw usage("When type is not calendar, do specify fields.") }
        var rowLimit = 30
        if let limit = options.number(.rowLimit) {
            guard limit == limit.rounded() else { throw usage("rowLimit: Invalid input: expected int, received number") }
            guard limit > 0 else { throw usage("rowLimit: Too small: expected number to be >0") }
            rowLimit = Int(limit)
        }
        let formatter = options.string(K.customFormatter)
        if let formatter, (try? JSON.parse(formatter)) == nil { throw usage("Custom formatter must be a valid JSON string.") }

        // The fields as given, split on commas and trimmed (empty entries kept, as the CLI sends them).
        var fields = options.string(.fields).map { $0.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces } } ?? []
        var query = options.string(K.viewQuery)
        var calendarStyles: String?, viewData: String?, viewType2: String?
        var customFormatter = formatter
        switch type {
        case "calendar":
            let start = calendar[0]!, end = calendar[1]!, titleField = calendar[2]!
            let sub = options.string(K.calendarSubTitleField) ?? ""
            let layout = options.string(K.calendarDefaultLayout) ?? "month"
            // The calendar's own fields first, in this order; the others given after them.
            var ordered = [start, end, titleField, sub].filter { !$0.isEmpty }
            ordered += fields.filter { !ordered.contains($0) }
            fields = ordered
            func style(_ title: String, _ type: String, _ template: String, _ sequence: Int, _ layoutName: String) -> String {
                "<CalendarViewStyle Title=\"\(title)\" Type=\"\(type)\" Template=\"\(template)\" Sequence=\"\(sequence)\" Default=\"\(layout == layoutName ? "TRUE" : "FALSE")\" />"
            }
            calendarStyles = style("Day", "day", "CalendarViewdayChrome", 1, "day") + style("Week", "week", "CalendarViewweekChrome", 2, "week")
                + style("Month", "month", "CalendarViewmonthChrome", 3, "month") + style("Work week", "workweek", "CalendarViewweekChrome", 4, "workWeek")
            query = "<Where><DateRangesOverlap><FieldRef Name='\(start)' /><FieldRef Name='\(end)' /><Value Type='DateTime'><Month /></Value></DateRangesOverlap></Where>"
            viewData = "<FieldRef Name=\"\(titleField)\" Type=\"CalendarMonthTitle\" /><FieldRef Name=\"\(titleField)\" Type=\"CalendarWeekTitle\" />"
                + "<FieldRef Name=\"\(sub)\" Type=\"CalendarWeekLocation\" /><FieldRef Name=\"\(titleField)\" Type=\"CalendarDayTitle\" />"
                + "<FieldRef Name=\"\(sub)\" Type=\"CalendarDayLocation\" />"
            viewType2 = "MODERNCALENDAR"
        case "gallery":
            viewType2 = "TILES"
        case "kanban":
            if let bucket, !fields.contains(bucket) { fields.append(bucket) }
            if customFormatter == nil { customFormatter = "{}" }
            viewData = "<FieldRef Name=\"\(bucket ?? "")\" Type=\"KanbanPivotColumn\" />"
            viewType2 = "KANBAN"
        default: break
        }
        var body: JSONObject = ["Title": .string(title), "ViewFields": ["results": .array(fields.map(JSON.string))]]
        if let query { body["Query"] = .string(query) }
        body["PersonalView"] = .bool(personal)
        body["SetAsDefaultView"] = .bool(makeDefault)
        body["Paged"] = .bool(options.optionalBool(K.paged) ?? true)
        body["RowLimit"] = .number(Double(rowLimit))
        if let customFormatter { body["CustomFormatter"] = .string(customFormatter) }
        if let calendarStyles { body["CalendarViewStyles"] = .string(calendarStyles) }
        if let viewData { body["ViewData"] = .string(viewData) }
        if let viewType2 { body["ViewType2"] = .string(viewType2) }
        return body
    }
}
