import Foundation
import JSONModel

// The content model SharePoint keeps beside the items: fields (site and list columns), content
// types with their field links, list views and webhook subscriptions. Each object holds its
// REST properties as SharePoint returns them (`props`, in SharePoint's order), so a handler
// renders it with `SPQuery.project` and a client's update is a merge. Touch only under the
// store's lock.

/// `SP.FieldType`: the `FieldTypeKind` of each `TypeAsString` SharePoint accepts.
enum SPFieldKind {
    static let kinds: [String: Int] = [
        "Integer": 1, "Text": 2, "Note": 3, "DateTime": 4, "Counter": 5, "Choice": 6, "Lookup": 7, "LookupMulti": 7, "Boolean": 8,
        "Number": 9, "Currency": 10, "URL": 11, "Computed": 12, "Threading": 13, "Guid": 14, "MultiChoice": 15, "GridChoice": 16,
        "Calculated": 17, "File": 18, "Attachments": 19, "User": 20, "UserMulti": 20, "Recurrence": 21, "CrossProjectLink": 22,
        "ModStat": 23, "ContentTypeId": 25, "PageSeparator": 26, "ThreadIndex": 27, "WorkflowStatus": 28, "AllDayEvent": 29,
        "WorkflowEventType": 30, "Geolocation": 31, "OutcomeChoice": 32, "Location": 33, "Thumbnail": 34,
        "TaxonomyFieldType": 0, "TaxonomyFieldTypeMulti": 0,
    ]
    /// The `TypeDisplayName` SharePoint shows for a type.
    static let displayNames: [String: String] = [
        "Integer": "Integer", "Text": "Single line of text", "Note": "Multiple lines of text", "DateTime": "Date and Time",
        "Counter": "Counter", "Choice": "Choice", "Lookup": "Lookup", "LookupMulti": "Lookup", "Boolean": "Yes/No", "Number": "Number",
        "Currency": "Currency", "URL": "Hyperlink or Picture", "Computed": "Computed", "Guid": "Guid", "MultiChoice": "Choice",
        "Calculated": "Calculated", "File": "File", "Attachments": "Attachments", "User": "Person or Group", "UserMulti": "Person or Group",
        "ContentTypeId": "Content Type Id", "Location": "Location", "Thumbnail": "Image", "Geolocation": "Geolocation",
        "TaxonomyFieldType": "Managed Metadata", "TaxonomyFieldTypeMulti": "Managed Metadata",
    ]
}

/// A site column or list column.
struct SPField: Sendable {
    var props: JSONObject
    /// The field's schema as created (`<Field …/>`), returned as `SchemaXml`.
    var id: String { props["Id"]?.stringValue ?? "" }
    var internalName: String { props["InternalName"]?.stringValue ?? "" }
    var title: String { props["Title"]?.stringValue ?? "" }
    var typeAsString: String { props["TypeAsString"]?.stringValue ?? "Text" }

    /// A field with SharePoint's default properties for its type; `extra` overrides them.
    static func make(id: String, internalName: String, title: String, type: String, group: String = "Custom Columns",
                     scope: String, hidden: Bool = false, readOnly: Bool = false, required: Bool = false,
                     fromBaseType: Bool = false, schemaXml: String? = nil, extra: JSONObject = [:]) -> SPField {
        var attributes = "Type=\"\(type)\" DisplayName=\"\(SPXMLText.attribute(title))\" ID=\"{\(id)}\" SourceID=\"{\(id)}\""
        attributes += " StaticName=\"\(SPXMLText.attribute(internalName))\" Name=\"\(SPXMLText.attribute(internalName))\""
        if required { attributes += " Required=\"TRUE\"" }
        if hidden { attributes += " Hidden=\"TRUE\"" }
        if readOnly { attributes += " ReadOnly=\"TRUE\"" }
        let xml = schemaXml ?? "<Field \(attributes) />"
        let kind = SPFieldKind.kinds[type] ?? 2, typeName = SPFieldKind.displayNames[type] ?? type
        var p: JSONObject = [
            "AutoIndexed": false, "CanBeDeleted": .bool(!fromBaseType && !readOnly), "ClientSideComponentId": "00000000-0000-0000-0000-000000000000",
            "ClientSideComponentProperties": nil, "ClientValidationFormula": nil, "ClientValidationMessage": nil, "CustomFormatter": nil,
            "DefaultFormula": nil, "DefaultValue": nil, "Description": "", "Direction": "none", "EnforceUniqueValues": false,
            "EntityPropertyName": .string(internalName), "Filterable": true, "FromBaseType": .bool(fromBaseType), "Group": .string(group),
            "Hidden": .bool(hidden), "Id": .string(id), "Indexed": false, "IndexStatus": 0, "InternalName": .string(internalName),
            "IsModern": false, "JSLink": "clienttemplates.js", "PinnedToFiltersPane": false, "ReadOnlyField": .bool(readOnly),
            "Required": .bool(required), "SchemaXml": .string(xml), "Scope": .string(scope), "Sealed": .bool(fromBaseType),
            "ShowInFiltersPane": 0, "Sortable": true, "StaticName": .string(internalName), "Title": .string(title),
            "FieldTypeKind": JSON(kind), "TypeAsString": .string(type),
            "TypeDisplayName": .string(typeName), "TypeShortDescription": .string(typeName), "ValidationFormula": nil, "ValidationMessage": nil,
        ]
        if type == "Text" { p["MaxLength"] = 255 }
        for (k, v) in extra { p[k] = v }
        return SPField(props: p)
    }
}

/// A content type's link to a field (`SP.FieldLink`).
struct SPFieldLink: Sendable {
    var id: String
    var name: String
    var required = false
    var hidden = false

    var props: JSONObject {
        ["DisplayName": nil, "FieldInternalName": .string(name), "Hidden": .bool(hidden), "Id": .string(id), "Name": .string(name),
         "ReadOnly": false, "Required": .bool(required), "ShowInDisplayForm": true]
    }
}

/// A site or list content type: `props` without `Id`/`StringId` (rendered from `id`).
struct SPContentType: Sendable {
    /// `0x0100…`: the parent's id and the type's own suffix.
    var id: String
    var props: JSONObject
    var fieldLinks: [SPFieldLink]
    var name: String { props["Name"]?.stringValue ?? "" }

    static func make(id: String, name: String, description: String = "", group: String, scope: String,
                     fieldLinks: [SPFieldLink] = [], extra: JSONObject = [:]) -> SPContentType {
        var p: JSONObject = [
            "ClientFormCustomFormatter": "", "Description": .string(description), "DisplayFormClientSideComponentId": "",
            "DisplayFormClientSideComponentProperties": "", "DisplayFormTarget": 0, "DisplayFormTemplateName": "ListForm",
            "DisplayFormUrl": "", "DocumentTemplate": "", "DocumentTemplateUrl": "", "EditFormClientSideComponentId": "",
            "EditFormClientSideComponentProperties": "", "EditFormTarget": 0, "EditFormTemplateName": "ListForm", "EditFormUrl": "",
            "Group": .string(group), "Hidden": false, "JSLink": "", "MobileDisplayFormUrl": "", "MobileEditFormUrl": "",
            "MobileNewFormUrl": "", "Name": .string(name), "NewFormClientSideComponentId": nil, "NewFormClientSideComponentProperties": "",
            "NewFormTarget": 0, "NewFormTemplateName": "ListForm", "NewFormUrl": "", "ReadOnly": false,
            "SchemaXml": .string("<ContentType ID=\"\(id)\" Name=\"\(SPXMLText.attribute(name))\" Group=\"\(SPXMLText.attribute(group))\" />"),
            "Scope": .string(scope), "Sealed": false,
        ]
        for (k, v) in extra { p[k] = v }
        return SPContentType(id: id, props: p, fieldLinks: fieldLinks)
    }

    /// The REST properties with `Id` and `StringId` in SharePoint's places.
    var restProps: JSONObject {
        var out = JSONObject()
        for (k, v) in props {
            out[k] = v
            if k == "Hidden" { out["Id"] = ["StringValue": .string(id)] }
            if k == "SchemaXml" { out["Scope"] = props["Scope"] ?? ""; out["Sealed"] = props["Sealed"] ?? false; out["StringId"] = .string(id) }
        }
        return out
    }
}

/// A list view: its properties and the internal names of its fields, in order.
struct SPView: Sendable {
    var props: JSONObject
    var fields: [String]
    /// Who made a personal view (the caller's object id): only they see it.
    var owner: String? = nil
    var id: String { props["Id"]?.stringValue ?? "" }
    var title: String { props["Title"]?.stringValue ?? "" }

    static func make(id: String, title: String, serverRelativeUrl: String, isDefault: Bool, fields: [String], rowLimit: Int = 30,
                     query: String = "", personal: Bool = false, extra: JSONObject = [:]) -> SPView {
        var p: JSONObject = [
            "Aggregations": nil, "AggregationsStatus": nil, "AssociatedContentTypeId": nil, "BaseViewId": "1", "CalendarViewStyles": nil,
            "ColumnWidth": nil, "ContentTypeId": ["StringValue": "0x"], "CustomFormatter": nil, "CustomOrder": nil, "DefaultView": .bool(isDefault),
            "DefaultViewForContentType": false, "EditorModified": false, "Formats": nil, "GridLayout": nil, "Hidden": false,
            "HtmlSchemaXml": "", "Id": .string(id), "ImageUrl": "/_layouts/15/images/generic.png?rev=47", "IncludeRootFolder": false,
            "ViewJoins": nil, "JSLink": "clienttemplates.js", "ListViewXml": "", "Method": nil, "MobileDefaultView": .bool(isDefault),
            "MobileView": .bool(isDefault), "ModerationType": nil, "NewDocumentTemplates": nil, "OrderedView": false, "Paged": true,
            "PersonalView": .bool(personal), "ViewProjectedFields": nil, "ViewQuery": .string(query), "ReadOnlyView": false,
            "RequiresClientIntegration": false, "RowLimit": JSON(rowLimit), "Scope": 0, "ServerRelativePath": ["DecodedUrl": .string(serverRelativeUrl)],
            "ServerRelativeUrl": .string(serverRelativeUrl), "StyleId": nil, "TabularView": true, "Threaded": false, "Title": .string(title),
            "Toolbar": "", "ToolbarTemplateName": nil, "ViewData": nil, "ViewType": "HTML", "ViewType2": nil, "VisualizationInfo": nil,
        ]
        for (k, v) in extra { p[k] = v }
        return SPView(props: p, fields: fields)
    }
}

/// A webhook subscription on a list (`SP.Subscription`).
struct SPSubscription: Sendable {
    var id: String
    var clientState: String?
    var expirationDateTime: String
    var notificationUrl: String
    var resource: String
    var props: JSONObject {
        ["clientState": clientState.map(JSON.string) ?? .null, "expirationDateTime": .string(expirationDateTime), "id": .string(id),
         "notificationUrl": .string(notificationUrl), "resource": .string(resource), "resourceData": nil]
    }
}

/// Escapes text for an XML attribute value.
enum SPXMLText {
    static func attribute(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}

// MARK: What a new web and a new list start with

enum SPContentModelDefaults {
    /// `{…}`-less GUIDs SharePoint gives its built-in fields.
    static let builtinFieldIds: [String: String] = [
        "ID": "1d22ea11-1e32-424e-89ab-9fedbadb6ce1", "ContentTypeId": "03e45e84-1992-4d42-9116-26f756012634",
        "ContentType": "c042a256-787d-4a6f-8a8a-cf6ab767f12d", "Title": "fa564e0f-0c70-4ab9-b863-0177e6ddd247",
        "Modified": "28cf69c5-fa48-462a-b5cd-27b6f9d2bd5f", "Created": "8c06beca-0777-48f7-91c7-6da68bc07b69",
        "Author": "1df5e554-ec7e-46a6-901d-d85a3881cb18", "Editor": "d31655d1-1d5b-4511-95a1-7a09e9b75bf2",
        "_UIVersionString": "dce8262a-3ae9-45aa-aab4-83bd75fb738a", "Attachments": "67df98f4-9dec-48ff-a553-29bece9c5bf4",
        "LinkTitle": "82642ec8-ef9b-478f-acf9-31f7d45fbc31", "LinkTitleNoMenu": "bc91a437-52e7-49e1-8c4e-4698904b2b6d",
        "FileLeafRef": "8553196d-ec8d-4564-9861-3dbe931050c8", "LinkFilename": "5cc6dc79-3710-4374-b433-61cb4a686c12",
        "DocIcon": "081c6e4c-5c14-4f20-b23e-1a71ceb6a67c", "FileRef": "94f89715-e097-4e8b-ba79-ea02aa8b7adb",
        "FSObjType": "30bb605f-5bae-48fe-b4e3-1f81d9772af9", "GUID": "ae069f25-3ac2-4256-b9c3-15dbc15da0e0",
    ]

    /// A field SharePoint puts in every list or web: read-only system fields come from the base type.
    static func builtin(_ name: String, _ title: String, _ type: String, scope: String, hidden: Bool = false,
                        readOnly: Bool = false, required: Bool = false) -> SPField {
        SPField.make(id: builtinFieldIds[name] ?? Util.nameGUID("field/\(name)"), internalName: name, title: title, type: type,
                     group: "_Hidden", scope: scope, hidden: hidden, readOnly: readOnly, required: required, fromBaseType: true)
    }

    /// The fields of a new list or library, as `GET {list}/fields` lists them (the common subset).
    static func listFields(library: Bool, scope: String) -> [SPField] {
        var out = [
            builtin("ID", "ID", "Counter", scope: scope, readOnly: true),
            builtin("ContentTypeId", "Content Type ID", "ContentTypeId", scope: scope, hidden: true, readOnly: true),
            builtin("ContentType", "Content Type", "Computed", scope: scope, readOnly: true),
            builtin("Title", "Title", "Text", scope: scope, required: !library),
            builtin("Modified", "Modified", "DateTime", scope: scope, readOnly: true),
            builtin("Created", "Created", "DateTime", scope: scope, readOnly: true),
            builtin("Author", "Created By", "User", scope: scope, readOnly: true),
            builtin("Editor", "Modified By", "User", scope: scope, readOnly: true),
            builtin("_UIVersionString", "Version", "Text", scope: scope, readOnly: true),
        ]
        if library {
            out.insert(builtin("FileLeafRef", "Name", "File", scope: scope, required: true), at: 3)
            out += [builtin("FileRef", "URL Path", "Lookup", scope: scope, hidden: true, readOnly: true),
                    builtin("DocIcon", "Type", "Computed", scope: scope, readOnly: true),
                    builtin("LinkFilename", "Name", "Computed", scope: scope, readOnly: true)]
        } else {
            out += [builtin("Attachments", "Attachments", "Attachments", scope: scope),
                    builtin("LinkTitle", "Title", "Computed", scope: scope, readOnly: true),
                    builtin("LinkTitleNoMenu", "Title", "Computed", scope: scope, readOnly: true)]
        }
        out += [builtin("FSObjType", "Item Type", "Lookup", scope: scope, hidden: true, readOnly: true),
                builtin("GUID", "GUID", "Guid", scope: scope, hidden: true, readOnly: true)]
        return out
    }

    /// Site columns of a new web (the base types' columns; custom site columns are added to it).
    static func webFields(scope: String) -> [SPField] {
        listFields(library: false, scope: scope).filter { ["ID", "ContentTypeId", "ContentType", "Title", "Modified", "Created", "Author", "Editor"].contains($0.internalName) }
    }

    /// The Text column the emulator makes for a field an item carries that the list lacks.
    static func textField(_ name: String, listId: String, scope: String) -> SPField {
        SPField.make(id: Util.nameGUID("field/\(listId)/\(name)"), internalName: name, title: name, type: "Text", scope: scope)
    }

    static func link(_ name: String) -> SPFieldLink { SPFieldLink(id: builtinFieldIds[name] ?? Util.nameGUID("field/\(name)"), name: name) }

    /// The site content types every web has (a subset of SharePoint's).
    static func webContentTypes(scope: String) -> [SPContentType] {
        [
            .make(id: "0x01", name: "Item", description: "Create a new list item.", group: "List Content Types", scope: scope,
                  fieldLinks: [link("ContentType"), link("Title")]),
            .make(id: "0x0101", name: "Document", description: "Create a new document.", group: "Document Content Types", scope: scope,
                  fieldLinks: [link("ContentType"), link("FileLeafRef"), link("Title")]),
            .make(id: "0x0102", name: "Event", description: "Create a new meeting, deadline or other event.", group: "List Content Types",
                  scope: scope, fieldLinks: [link("ContentType"), link("Title")]),
            .make(id: "0x0105", name: "Link", description: "Create a new link to a Web page or other resource.", group: "List Content Types",
                  scope: scope, fieldLinks: [link("ContentType"), link("Title")]),
            .make(id: "0x0120", name: "Folder", description: "Create a new folder.", group: "Folder Content Types", scope: scope,
                  fieldLinks: [link("ContentType"), link("Title")]),
        ]
    }

    /// A list's own copies of Item or Document and Folder: the site type's id, `00` and the list id.
    static func listContentTypes(library: Bool, listId: String, scope: String) -> [SPContentType] {
        let suffix = "00" + listId.replacingOccurrences(of: "-", with: "").uppercased()
        return webContentTypes(scope: scope).filter { library ? ["0x0101", "0x0120"].contains($0.id) : ["0x01", "0x0120"].contains($0.id) }
            .map { base in
                var ct = base
                ct.id = base.id + suffix
                ct.props["Group"] = "List Content Types"
                ct.props["Scope"] = .string(scope)
                return ct
            }
    }

    /// The list's default view: All Items (lists) or All Documents (libraries).
    static func defaultView(library: Bool, listId: String, listURL: String) -> SPView {
        let page = library ? "\(listURL)/Forms/AllItems.aspx" : "\(listURL)/AllItems.aspx"
        let fields = library ? ["DocIcon", "LinkFilename", "Modified", "Editor"] : ["LinkTitle"]
        return SPView.make(id: Util.nameGUID("view/\(listId)/default"), title: library ? "All Documents" : "All Items",
                           serverRelativeUrl: page, isDefault: true, fields: fields,
                           query: library ? "<OrderBy><FieldRef Name=\"FileLeafRef\" /></OrderBy>" : "<OrderBy><FieldRef Name=\"ID\" /></OrderBy>")
    }
}
