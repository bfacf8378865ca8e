import Foundation
import JSONModel
import NIOHTTP1

/// List views over REST: `{list}/views` (list, `add`), one view by id (`views(guid'…')`,
/// `views/getbyid('…')`) or title (`views/getbytitle('…')`, canonicalised to `title:…`), its
/// update (MERGE/PATCH) and removal, the list's `DefaultView`, and a view's ordered fields
/// (`ViewFields`, `addviewfield('…')`, `moveviewfieldto`, `removeviewfield('…')`,
/// `removeallviewfields`). Views live in `SPList.views` (SharePointContentModel.swift).
enum SharePointViews {
    typealias On = (HTTPMethod, String, @escaping SharePointEndpoints.Handler) -> Void

    static func register(_ on: On) {
        let list = "_api/web/lists/{list}"
        on(.GET, list + "/views", listViews)
        on(.POST, list + "/views/add", addView)
        on(.GET, list + "/defaultview", { r, p in try getView(r, p, defaultView: true) })
        on(.GET, list + "/defaultview/viewfields", { r, p in try viewFields(r, p, defaultView: true) })
        on(.GET, list + "/views/{view}", { r, p in try getView(r, p, defaultView: false) })
        on(.PATCH, list + "/views/{view}", updateView)
        on(.DELETE, list + "/views/{view}", deleteView)
        on(.GET, list + "/views/{view}/viewfields", { r, p in try viewFields(r, p, defaultView: false) })
        on(.POST, list + "/views/{view}/viewfields/addviewfield/{field}", addViewField)
        on(.POST, list + "/views/{view}/viewfields/moveviewfieldto", moveViewField)
        on(.POST, list + "/views/{view}/viewfields/removeviewfield/{field}", removeViewField)
        on(.POST, list + "/views/{view}/viewfields/removeallviewfields", removeAllViewFields)
    }

    // MARK: Errors

    /// SharePoint's answer for a view id or title the list does not have.
    static let viewNotFound = SPError(.notFound, "-2147024809, System.ArgumentException", "The specified view is invalid.")
    /// [U] the exact text: SharePoint refuses to delete a list's default view.
    static let defaultViewUndeletable = SPError(.badRequest, "-2146232832, Microsoft.SharePoint.SPException",
                                                "A default view cannot be deleted.")
    static func indexOutOfRange() -> SPError {
        SPError(.badRequest, "-2146233086, System.ArgumentOutOfRangeException",
                "Specified argument was out of the range of valid values.\r\nParameter name: index")
    }

    // MARK: Finding a view

    /// The index of the view a `{view}` capture names: a GUID (with or without braces) or
    /// `title:…` (case-insensitive). Call under the lock.
    static func index(_ ref: String, in list: SPList, caller: String) throws -> Int {
        let found: Int?
        if ref.hasPrefix("title:") {
            let title = String(ref.dropFirst(6))
            found = list.views.firstIndex { visible($0, to: caller) && $0.title.caseInsensitiveCompare(title) == .orderedSame }
        } else {
            let id = ref.trimmingCharacters(in: CharacterSet(charactersIn: "{}"))
            found = list.views.firstIndex { visible($0, to: caller) && $0.id.caseInsensitiveCompare(id) == .orderedSame }
        }
        guard let found else { throw viewNotFound }
        return found
    }

    /// A personal view is its owner's alone: to anyone else it does not exist.
    static func visible(_ view: SPView, to caller: String) -> Bool { view.owner == nil || view.owner == caller }

    /// Who is asking: the signed-in user's object id (an app's id for app-only tokens).
    static func caller(_ r: SharePointRequest) -> String { r.token.isAppOnly ? r.token.appId : r.token.objectId }

    /// The list and the index of its view: the default one, or the one `p["view"]` names.
    static func locate(_ r: SharePointRequest, _ p: [String: String], defaultView: Bool = false) throws -> (SPList, Int) {
        let list = try SharePointEndpoints.resolve(p["list"]!, in: r.web)
        if defaultView {
            guard let i = list.views.firstIndex(where: { $0.props["DefaultView"]?.boolValue == true }) else { throw viewNotFound }
            return (list, i)
        }
        return (list, try index(p["view"] ?? "", in: list, caller: caller(r)))
    }

    // MARK: Rendering

    /// SP.View's properties in SharePoint's order (the order `GET views` answers with).
    static let propertyOrder = [
        "Aggregations", "AggregationsStatus", "AssociatedContentTypeId", "BaseViewId", "CalendarViewStyles", "ColumnWidth", "ContentTypeId",
        "CustomFormatter", "CustomOrder", "DefaultView", "DefaultViewForContentType", "EditorModified", "Formats", "GridLayout", "Hidden",
        "HtmlSchemaXml", "Id", "ImageUrl", "IncludeRootFolder", "ViewJoins", "JSLink", "ListViewXml", "Method", "MobileDefaultView",
        "MobileView", "ModerationType", "NewDocumentTemplates", "OrderedView", "Paged", "PersonalView", "ViewProjectedFields", "ViewQuery",
        "ReadOnlyView", "RequiresClientIntegration", "RowLimit", "Scope", "ServerRelativePath", "ServerRelativeUrl", "StyleId",
        "TabularView", "Threaded", "Title", "Toolbar", "ToolbarTemplateName", "ViewType", "ViewData", "ViewType2", "VisualizationInfo",
    ]

    /// The view's REST properties, its schema (`HtmlSchemaXml`, `ListViewXml`) written from its
    /// current fields, query and row limit.
    static func props(_ view: SPView) -> JSONObject {
        var all = view.props
        all["HtmlSchemaXml"] = .string(schemaXml(view, html: true))
        all["ListViewXml"] = .string(schemaXml(view, html: false))
        var out = JSONObject()
        for name in propertyOrder { out[name] = all[name] ?? .null }
        for (name, value) in all where out[name] == nil { out[name] = value }
        return out
    }

    static func fieldRefs(_ fields: [String]) -> String {
        fields.map { "<FieldRef Name=\"\(SPXMLText.attribute($0))\" />" }.joined()
    }

    /// `<View Name="{ID}" … ><ViewFields>…</ViewFields><Query>…</Query><RowLimit …>n</RowLimit>…</View>`.
    static func schemaXml(_ view: SPView, html: Bool) -> String {
        let p = view.props
        let url = p["ServerRelativeUrl"]?.stringValue ?? ""
        var head = "<View Name=\"{\(view.id.uppercased())}\""
        if p["DefaultView"]?.boolValue == true { head += " DefaultView=\"TRUE\"" }
        if p["PersonalView"]?.boolValue == true { head += " Personal=\"TRUE\"" }
        head += " Type=\"\(p["ViewType"]?.stringValue ?? "HTML")\" DisplayName=\"\(SPXMLText.attribute(view.title))\""
        head += " Url=\"\(SPXMLText.attribute(url))\" Level=\"1\" BaseViewID=\"\(p["BaseViewId"]?.stringValue ?? "1")\" ContentTypeID=\"0x\""
        head += " ImageUrl=\"\(p["ImageUrl"]?.stringValue ?? "")\""
        let fields = "<ViewFields>\(fieldRefs(view.fields))</ViewFields>"
        let query = "<Query>\(p["ViewQuery"]?.stringValue ?? "")</Query>"
        let paged = p["Paged"]?.boolValue != false ? "TRUE" : "FALSE"
        let rows = "<RowLimit Paged=\"\(paged)\">\(p["RowLimit"]?.intValue ?? 30)</RowLimit>"
        var extra = ""
        if let formatter = p["CustomFormatter"]?.stringValue, !formatter.isEmpty {
            extra += "<CustomFormatter>\(SPXMLText.attribute(formatter))</CustomFormatter>"
        }
        if let data = p["ViewData"]?.stringValue, !data.isEmpty { extra += "<ViewData>\(data)</ViewData>" }
        if html {
            return head + ">" + fields + query + rows + extra + "<XslLink Default=\"TRUE\">main.xsl</XslLink><JSLink>clienttemplates.js</JSLink><Toolbar Type=\"Standard\" /></View>"
        }
        return head + " >" + query + fields + rows + extra + "<JSLink>clienttemplates.js</JSLink><XslLink Default=\"TRUE\">main.xsl</XslLink><Toolbar Type=\"Standard\"/></View>"
    }

    static func meta(_ list: SPList, _ view: SPView) -> SPMeta {
        SPMeta(type: "SP.View", editLink: "Web/Lists(guid'\(list.id)')/Views(guid'\(view.id)')")
    }

    // MARK: Handlers

    static func listViews(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let (list, views) = try r.store.locked {
            let l = try SharePointEndpoints.resolve(p["list"]!, in: r.web)
            return (l, l.views.filter { visible($0, to: caller(r)) })
        }
        let rows = views.map { (props($0), $0) }
        let q = try SPQuery(r.request, properties: propertyOrder, typeName: "SP.View")
        let render = SPRender(r)
        let entries: [JSON] = q.sorted(rows, { $0.0 }).filter { q.matches($0.0) }.prefix(q.top ?? Int.max).map {
            render.entry(q.project($0.0), meta(list, $0.1))
        }
        return .json(render.collection(entries, context: "SP.ApiData.Views", next: nil))
    }

    static func getView(_ r: SharePointRequest, _ p: [String: String], defaultView: Bool) throws -> EmulatorResponse {
        let (list, view) = try r.store.locked {
            let (l, i) = try locate(r, p, defaultView: defaultView)
            return (l, l.views[i])
        }
        let q = try SPQuery(r.request, properties: propertyOrder, typeName: "SP.View")
        return .json(SPRender(r).entity(q.project(props(view)), meta(list, view), context: "SP.ApiData.Views"))
    }

    /// `POST {list}/views/add {"parameters": SP.ViewCreationInformation}`.
    static func addView(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        guard let info = body["parameters"]?.objectValue else {
            throw SPError.invalidQuery("The parameter parameters does not exist in method Add.")
        }
        let known: Set<String> = ["__metadata", "Title", "ViewFields", "Query", "PersonalView", "SetAsDefaultView", "Paged", "RowLimit",
                                  "CustomFormatter", "ViewType2", "ViewData", "CalendarViewStyles", "ViewTypeKind", "AssociatedContentTypeId",
                                  "BaseViewId"]
        for name in info.keys where !known.contains(name) {
            throw SPError.invalidQuery("The property '\(name)' does not exist on type 'SP.ViewCreationInformation'. Make sure to only use property names that are defined by the type.")
        }
        guard let title = info["Title"]?.stringValue, !title.trimmingCharacters(in: .whitespaces).isEmpty else {
            // [U] the exact text SharePoint gives for a view without a title.
            throw SPError(.badRequest, "-2147024809, System.ArgumentException", "Value cannot be null.\r\nParameter name: strViewName")
        }
        // `{"results": [...]}` (verbose) or a bare array.
        let given = info["ViewFields"]?["results"]?.arrayValue ?? info["ViewFields"]?.arrayValue ?? []
        let names = given.compactMap(\.stringValue)
        let rowLimit = info["RowLimit"]?.intValue ?? 30
        guard rowLimit > 0 else { throw indexOutOfRange() }
        let (list, view): (SPList, SPView) = try r.store.locked {
            let list = try SharePointEndpoints.resolve(p["list"]!, in: r.web)
            var fields: [String] = []
            for name in names {
                guard let field = list.field(name) else { throw SPError.noColumn(name) }
                if !fields.contains(field.internalName) { fields.append(field.internalName) }
            }
            let url = uniqueURL(for: title, in: list)
            let personal = info["PersonalView"]?.boolValue ?? false
            let makeDefault = info["SetAsDefaultView"]?.boolValue ?? false
            var extra: JSONObject = ["Paged": .bool(info["Paged"]?.boolValue ?? true)]
            for key in ["CustomFormatter", "ViewType2", "ViewData", "CalendarViewStyles"] {
                if let value = info[key]?.stringValue { extra[key] = .string(value) }
            }
            var view = SPView.make(id: Util.newGUID(), title: title, serverRelativeUrl: url, isDefault: makeDefault, fields: fields,
                                   rowLimit: rowLimit, query: info["Query"]?.stringValue ?? "", personal: personal, extra: extra)
            view.props["MobileView"] = false
            view.props["MobileDefaultView"] = false
            if personal { view.owner = caller(r) }
            list.views.append(view)
            if makeDefault { setDefault(view.id, in: list) }
            list.version += 1
            return (list, view)
        }
        return .json(SPRender(r).entity(props(view), meta(list, view), context: "SP.ApiData.Views"))
    }

    /// `Title.aspx` beside the list's pages (`Forms/` in a library), numbered when taken
    /// (`All events2.aspx`), as SharePoint names a view's page.
    static func uniqueURL(for title: String, in list: SPList) -> String {
        let folder = list.isLibrary ? list.serverRelativeURL + "/Forms" : list.serverRelativeURL
        let taken = Set(list.views.compactMap { $0.props["ServerRelativeUrl"]?.stringValue?.lowercased() })
        var candidate = "\(folder)/\(title).aspx", n = 2
        while taken.contains(candidate.lowercased()) {
            candidate = "\(folder)/\(title)\(n).aspx"
            n += 1
        }
        return candidate
    }

    /// Makes `id` the list's one default view. Call under the lock.
    static func setDefault(_ id: String, in list: SPList) {
        for i in list.views.indices {
            let isIt = list.views[i].id == id
            list.views[i].props["DefaultView"] = .bool(isIt)
            if list.views[i].props["MobileDefaultView"]?.boolValue == true && !isIt { list.views[i].props["MobileDefaultView"] = false }
        }
    }

    /// The SP.View properties a client may change, by JSON type.
    static let booleans: Set<String> = ["DefaultView", "Hidden", "IncludeRootFolder", "MobileDefaultView", "MobileView", "Paged", "TabularView",
                                        "Threaded", "EditorModified", "DefaultViewForContentType", "RequiresClientIntegration"]
    static let numbers: Set<String> = ["RowLimit", "Scope"]
    static let strings: Set<String> = ["Title", "ViewQuery", "CustomFormatter", "JSLink", "Aggregations", "AggregationsStatus", "ColumnWidth",
                                       "Formats", "GridLayout", "Method", "NewDocumentTemplates", "Toolbar", "ViewData", "ViewJoins",
                                       "ViewProjectedFields", "ViewType2", "VisualizationInfo", "CalendarViewStyles", "CustomOrder",
                                       "AssociatedContentTypeId", "ListViewXml"]

    /// SharePoint's REST reader takes a primitive property's value from JSON text too (verbose JSON
    /// writes Edm.Int64 as text): `"true"`/`"false"` for a Boolean, `"50"` for a number — what the
    /// CLI sends for `view set --Hidden true`. Other text stays and is refused as the wrong type. [U]
    static func primitivesFromText(_ body: JSONObject) -> JSONObject {
        var out = body
        for (name, value) in body {
            guard let text = value.stringValue else { continue }
            if booleans.contains(name), ["true", "false"].contains(text.lowercased()) { out[name] = .bool(text.lowercased() == "true") }
            if numbers.contains(name), let n = Int(text) { out[name] = JSON(n) }
        }
        return out
    }

    /// `MERGE`/`PATCH {list}/views/{view}`: the given properties change, the rest stay.
    static func updateView(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let body = primitivesFromText(try SharePointEndpoints.jsonBody(r))
        try SharePointEndpoints.checkType(body, "SP.View")
        try SharePointEndpoints.checkProperties(body, type: "SP.View", booleans: booleans, numbers: numbers, strings: strings)
        if let rows = body["RowLimit"]?.intValue, rows < 1 { throw indexOutOfRange() }
        if let title = body["Title"], title.stringValue?.trimmingCharacters(in: .whitespaces).isEmpty ?? true {
            throw SPError(.badRequest, "-2147024809, System.ArgumentException", "Value cannot be null.\r\nParameter name: strViewName")
        }
        try r.store.locked {
            let (list, i) = try locate(r, p)
            for (name, value) in body where name != "__metadata" {
                if name == "ListViewXml" { continue }  // [U] SharePoint rewrites the schema from it; the emulator keeps its own
                list.views[i].props[name] = value
            }
            if body["DefaultView"]?.boolValue == true { setDefault(list.views[i].id, in: list) }
            list.version += 1
        }
        return EmulatorResponse(status: .noContent)
    }

    static func deleteView(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        try r.store.locked {
            let (list, i) = try locate(r, p)
            if list.views[i].props["DefaultView"]?.boolValue == true { throw defaultViewUndeletable }
            list.views.remove(at: i)
            list.version += 1
        }
        return .json(.object([:]))
    }

    // MARK: View fields

    /// `GET …/ViewFields`: SP.ViewFieldCollection, the field names in order and their schema.
    static func viewFields(_ r: SharePointRequest, _ p: [String: String], defaultView: Bool) throws -> EmulatorResponse {
        let (list, view) = try r.store.locked {
            let (l, i) = try locate(r, p, defaultView: defaultView)
            return (l, l.views[i])
        }
        var props: JSONObject = ["Items": .array(view.fields.map(JSON.string)), "SchemaXml": .string(fieldRefs(view.fields))]
        if r.format == .verbose {
            props["Items"] = ["__metadata": ["type": "Collection(Edm.String)"], "results": .array(view.fields.map(JSON.string))]
        }
        let meta = SPMeta(type: "SP.ViewFieldCollection", editLink: "Web/Lists(guid'\(list.id)')/Views(guid'\(view.id)')/ViewFields")
        return .json(SPRender(r).entity(props, meta, context: "SP.ApiData.ViewFieldCollections"))
    }

    /// Resolves a field name (internal name, title or id) of the list, or SharePoint's error.
    static func internalName(_ name: String, in list: SPList) throws -> String {
        guard let field = list.field(name) else { throw SPError.noColumn(name) }
        return field.internalName
    }

    /// `POST …/ViewFields/addViewField('name')`: appended at the end; a field the view already
    /// shows stays where it is.
    static func addViewField(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        try r.store.locked {
            let (list, i) = try locate(r, p)
            let name = try internalName(p["field"] ?? "", in: list)
            if !list.views[i].fields.contains(name) { list.views[i].fields.append(name) }
            list.version += 1
        }
        return .json(.object([:]))
    }

    /// `POST …/ViewFields/moveViewFieldTo {"field": name, "index": n}`: the field moves to
    /// position n (0-based) among the view's fields.
    static func moveViewField(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        guard let field = body["field"]?.stringValue else {
            throw SPError.invalidQuery("The parameter field does not exist in method MoveViewFieldTo.")
        }
        // The CLI's parser sends `--position 2` as a number and `--position 007` as text; SharePoint
        // reads an Int32 from either, and refuses a fraction or other text. [U] the refusal's text.
        let index: Int
        if let n = body["index"]?.intValue {
            index = n
        } else if let text = body["index"]?.stringValue, let n = Int(text) {
            index = n
        } else if let given = body["index"], !given.isNull {
            throw SPError.invalidQuery("Cannot convert a primitive value to the expected type 'Edm.Int32'. See the inner exception for more details.")
        } else {
            throw SPError.invalidQuery("The parameter index does not exist in method MoveViewFieldTo.")
        }
        try r.store.locked {
            let (list, i) = try locate(r, p)
            let name = try internalName(field, in: list)
            guard let from = list.views[i].fields.firstIndex(of: name) else { throw SPError.noColumn(field) }
            guard index >= 0, index < list.views[i].fields.count else { throw indexOutOfRange() }
            list.views[i].fields.remove(at: from)
            list.views[i].fields.insert(name, at: index)
            list.version += 1
        }
        return .json(.object([:]))
    }

    /// `POST …/ViewFields/removeViewField('name')`: a list field the view does not show is no
    /// change; a name the list does not have is refused.
    static func removeViewField(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        try r.store.locked {
            let (list, i) = try locate(r, p)
            let name = try internalName(p["field"] ?? "", in: list)
            list.views[i].fields.removeAll { $0 == name }
            list.version += 1
        }
        return .json(.object([:]))
    }

    static func removeAllViewFields(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        try r.store.locked {
            let (list, i) = try locate(r, p)
            list.views[i].fields.removeAll()
            list.version += 1
        }
        return .json(.object([:]))
    }
}
