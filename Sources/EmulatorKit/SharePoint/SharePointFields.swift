import Foundation
import JSONModel
import NIOHTTP1

/// Site columns (`_api/web/fields`) and list columns (`_api/web/lists/{list}/fields`): list, get
/// by id or by internal name or title, `CreateFieldAsXml`, updates (MERGE/PATCH) and deletion,
/// and the CSOM calls on fields (SharePointCSOM.swift hands them here). A list column joins the
/// list's `customFields`, so its items carry it and `$select` takes it. New items get the
/// default values of the fields they leave unset (`SPList.withFieldDefaults`), and a library's
/// location-based defaults (`Forms/client_LocationBasedDefaults.html`) for files.
enum SharePointFields {
    static func register(_ on: (HTTPMethod, String, @escaping SharePointEndpoints.Handler) -> Void) {
        for scope in ["_api/web", "_api/web/lists/{list}"] {
            on(.GET, scope + "/fields", listFields)
            on(.POST, scope + "/fields/createfieldasxml", createFieldAsXml)
            for address in ["/fields/{field}", "/fields/getbyinternalnameortitle/{name}"] {
                on(.GET, scope + address, getField)
                on(.PATCH, scope + address, updateField)
                on(.DELETE, scope + address, deleteField)
            }
        }
    }

    // MARK: Where the fields are

    /// The list a route names, or nil for the web's site columns. Call under the lock.
    static func scopeList(_ r: SharePointRequest, _ p: [String: String]) throws -> SPList? {
        guard let ref = p["list"] else { return nil }
        return try SharePointEndpoints.resolve(ref, in: r.web)
    }

    static func fields(_ web: SPWeb, _ list: SPList?) -> [SPField] { list?.fields ?? web.fields }

    static func meta(_ field: SPField, _ list: SPList?) -> SPMeta {
        let base = list.map { "Web/Lists(guid'\($0.id)')/" } ?? "Web/"
        return SPMeta(type: restType(field.typeAsString), editLink: base + "Fields(guid'\(field.id)')")
    }

    /// The REST type of a field (`SP.FieldText`, …): what a verbose body names in `__metadata`.
    static func restType(_ type: String) -> String {
        let types: [String: String] = [
            "Text": "SP.FieldText", "Note": "SP.FieldMultiLineText", "Number": "SP.FieldNumber", "Integer": "SP.FieldNumber",
            "Currency": "SP.FieldCurrency", "DateTime": "SP.FieldDateTime", "Choice": "SP.FieldChoice", "MultiChoice": "SP.FieldMultiChoice",
            "Lookup": "SP.FieldLookup", "LookupMulti": "SP.FieldLookup", "User": "SP.FieldUser", "UserMulti": "SP.FieldUser",
            "URL": "SP.FieldUrl", "Calculated": "SP.FieldCalculated", "Computed": "SP.FieldComputed", "Guid": "SP.FieldGuid",
            "Geolocation": "SP.FieldGeolocation", "Location": "SP.FieldLocation", "Thumbnail": "SP.FieldThumbnail",
        ]
        return types[type] ?? "SP.Field"
    }

    /// SharePoint's answer for a field id a web or list doesn't have: the web's URL or the list's
    /// server-relative URL after the id (as SharePoint words it, spaces included).
    static func invalidFieldName(_ id: String, _ web: SPWeb, _ list: SPList?) -> String {
        "Invalid field name. {\(id)} " + (list.map { " " + $0.serverRelativeURL } ?? web.url + " ")
    }

    /// A field by id (`{field}`) or by internal name or title. Call under the lock.
    static func find(_ r: SharePointRequest, _ p: [String: String], _ list: SPList?) throws -> SPField {
        let all = fields(r.web, list)
        if let raw = p["field"] {
            let id = raw.trimmingCharacters(in: ["{", "}"])
            guard let f = all.first(where: { $0.id.caseInsensitiveCompare(id) == .orderedSame }) else {
                throw SPError(.badRequest, "-2147024809, System.ArgumentException", invalidFieldName(id, r.web, list))
            }
            return f
        }
        let name = p["name"] ?? ""
        guard let f = byNameOrTitle(name, all) else { throw SPError.noColumn(name) }
        return f
    }

    /// `GetByInternalNameOrTitle`: the internal name first, then the display name (case-insensitive).
    static func byNameOrTitle(_ name: String, _ all: [SPField]) -> SPField? {
        all.first { $0.internalName == name }
            ?? all.first { $0.internalName.caseInsensitiveCompare(name) == .orderedSame }
            ?? all.first { $0.title.caseInsensitiveCompare(name) == .orderedSame }
    }

    // MARK: Reads

    static func listFields(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let (list, all) = try r.store.locked { () throws -> (SPList?, [SPField]) in
            let l = try scopeList(r, p)
            return (l, fields(r.web, l))
        }
        let rows = all.map(\.props)
        let q = try SPQuery(r.request, properties: SPQuery.propertyNames(rows), typeName: "SP.Field")
        let render = SPRender(r)
        let entries: [JSON] = q.sorted(all, { $0.props }).filter { q.matches($0.props) }.prefix(q.top ?? Int.max).map { f in
            render.entry(q.project(f.props), meta(f, list))
        }
        return .json(render.collection(entries, context: "SP.ApiData.Fields", next: nil))
    }

    static func getField(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let (list, field) = try r.store.locked { () throws -> (SPList?, SPField) in
            let l = try scopeList(r, p)
            return (l, try find(r, p, l))
        }
        // SchemaXmlWithResourceTokens comes only when selected (content type field set reads it).
        let q = try SPQuery(r.request, properties: Array(field.props.keys) + ["SchemaXmlWithResourceTokens", "AutofillInfo"], typeName: restType(field.typeAsString))
        var props = field.props
        // AutofillInfo (SharePoint Premium autofill columns, SharePointPremium.swift): null until set.
        if q.select?.contains("AutofillInfo") == true, props["AutofillInfo"] == nil { props["AutofillInfo"] = .null }
        if q.select?.contains("SchemaXmlWithResourceTokens") == true { props["SchemaXmlWithResourceTokens"] = props["SchemaXml"] }
        return .json(SPRender(r).entity(q.project(props), meta(field, list), context: "SP.ApiData.Fields"))
    }

    // MARK: CreateFieldAsXml

    /// `SP.AddFieldOptions` flags.
    static let addToDefaultContentType = 1, addToNoContentType = 2, addToAllContentTypes = 4, internalNameHint = 8,
               addToDefaultView = 16, checkDisplayName = 32

    static func createFieldAsXml(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        guard let parameters = body["parameters"]?.objectValue, let xml = parameters["SchemaXml"]?.stringValue else {
            throw SPError.invalidQuery("The parameter parameters does not exist in method CreateFieldAsXml.")
        }
        let options = parameters["Options"]?.intValue ?? 0
        let (list, field) = try r.store.locked { () throws -> (SPList?, SPField) in
            let l = try scopeList(r, p)
            let f = try add(xml: xml, options: options, web: r.web, list: l)
            return (l, f)
        }
        return .json(SPRender(r).entity(field.props, meta(field, list), context: "SP.ApiData.Fields"))
    }

    /// Parses a `<Field …/>` schema, checks it as SharePoint does and adds the field to the list
    /// (with the options' content type and view links) or the web. Call under the lock.
    @discardableResult
    static func add(xml: String, options: Int, web: SPWeb, list: SPList?) throws -> SPField {
        let root: CSOMXMLElement
        do { root = try CSOMXMLParser.parse(Array(xml.utf8)) } catch {
            // [U] SharePoint's wording for a schema that is not XML.
            throw SPError(.badRequest, "-2146232832, Microsoft.SharePoint.SPException", "Field schema is not valid XML: \(error)")
        }
        guard root.name == "Field" else {
            throw SPError(.badRequest, "-2146232832, Microsoft.SharePoint.SPException", "The root element of a field schema must be Field.")
        }
        var type = root["Type"] ?? "Text"
        if root["Mult"]?.uppercased() == "TRUE", type == "Lookup" || type == "User" { type += "Multi" }
        guard SPFieldKind.kinds[type] != nil else {
            throw SPError(.badRequest, "-2146232832, Microsoft.SharePoint.SPException",
                          "Field type \(type) is not installed properly. Go to the list settings page to delete this field.")
        }
        let given = root["Name"] ?? root["StaticName"]
        let title = root["DisplayName"] ?? given ?? ""
        guard !title.isEmpty else {
            // [U] the exact text.
            throw SPError(.badRequest, "-2146232832, Microsoft.SharePoint.SPException", "The field has no DisplayName or Name.")
        }
        let existing = fields(web, list)
        // A list column takes its internal name from the display name unless the options ask for
        // the schema's (AddFieldInternalNameHint), and then made unique; a site column keeps the schema's.
        var internalName: String
        if let given, list == nil || options & internalNameHint != 0 {
            internalName = given
            if existing.contains(where: { $0.internalName.caseInsensitiveCompare(given) == .orderedSame }) { throw duplicate(given) }
        } else {
            let base = encodedName(title)
            internalName = base
            var n = 0
            while existing.contains(where: { $0.internalName.caseInsensitiveCompare(internalName) == .orderedSame }) {
                internalName = base + String(n)
                n += 1
            }
        }
        if options & checkDisplayName != 0, existing.contains(where: { $0.title.caseInsensitiveCompare(title) == .orderedSame }) {
            throw duplicate(title)
        }
        var id = (root["ID"] ?? "").trimmingCharacters(in: ["{", "}"]).lowercased()
        if id.isEmpty { id = Util.newGUID() }
        guard UUID(uuidString: id) != nil else {
            throw SPError(.badRequest, "-2147024809, System.ArgumentException", "The ID \(root["ID"] ?? "") of the field is not a valid GUID.")
        }
        if existing.contains(where: { $0.id.caseInsensitiveCompare(id) == .orderedSame }) { throw duplicate(internalName) }

        var schema = xml
        for (name, value) in [("ID", "{\(id)}"), ("StaticName", internalName), ("Name", internalName)] where root[name] != value {
            schema = SchemaXML.setting(name, value, in: schema)
        }
        if root["Version"] == nil { schema = SchemaXML.setting("Version", "1", in: schema) }
        let scope = list?.serverRelativeURL ?? web.serverRelativeUrl
        var field = SPField.make(id: id, internalName: internalName, title: title, type: type, group: root["Group"] ?? "Custom Columns",
                                 scope: scope, hidden: flag(root["Hidden"]), readOnly: flag(root["ReadOnly"]),
                                 required: flag(root["Required"]), schemaXml: schema, extra: typeProperties(type, root))
        field.props["Description"] = .string(root["Description"] ?? "")
        field.props["Indexed"] = .bool(flag(root["Indexed"]))
        field.props["EnforceUniqueValues"] = .bool(flag(root["EnforceUniqueValues"]))
        if let value = root.child("Default")?.text { field.props["DefaultValue"] = .string(value) }
        if let formula = root.child("DefaultFormula")?.text { field.props["DefaultFormula"] = .string(formula) }
        if let list {
            list.fields.append(field)   // before customFields: `fields` is made from them on first use
            if !list.customFields.contains(internalName) { list.customFields.append(internalName) }
            let link = SPFieldLink(id: id, name: internalName, required: flag(root["Required"]), hidden: flag(root["Hidden"]))
            if options & addToAllContentTypes != 0 {
                for i in list.contentTypes.indices { list.contentTypes[i].fieldLinks.append(link) }
            } else if options & addToDefaultContentType != 0, !list.contentTypes.isEmpty {
                list.contentTypes[0].fieldLinks.append(link)
            }
            if options & addToDefaultView != 0, let i = list.views.firstIndex(where: { $0.props["DefaultView"]?.boolValue == true }) {
                list.views[i].fields.append(internalName)
            }
        } else {
            web.fields.append(field)
        }
        return field
    }

    static func duplicate(_ name: String) -> SPError {
        // [U] the code; the text is SharePoint's (the CLI's docs quote it).
        SPError(.badRequest, "-2130575245, Microsoft.SharePoint.SPException", "A duplicate field name \"\(name)\" was found.")
    }

    static func flag(_ value: String?) -> Bool { value?.uppercased() == "TRUE" }

    /// An internal name made from a display name as SharePoint makes it: characters other than
    /// ASCII letters and digits as `_xHHHH_`, at most 32 characters.
    static func encodedName(_ title: String) -> String {
        var out = ""
        for u in title.unicodeScalars {
            let piece: String
            if u.isASCII, u.properties.isAlphabetic || ("0"..."9").contains(Character(u)) || u == "_" {
                piece = String(u)
            } else {
                let hex = String(u.value, radix: 16)
                piece = "_x" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "_"
            }
            guard out.count + piece.count <= 32 else { break }
            out += piece
        }
        return out.isEmpty ? "Field" : out
    }

    /// The properties SharePoint returns for a type beyond the common ones.
    static func typeProperties(_ type: String, _ root: CSOMXMLElement) -> JSONObject {
        switch type {
        case "Text":
            return ["MaxLength": JSON(Int(root["MaxLength"] ?? "") ?? 255)]
        case "Note":
            return ["AllowHyperlink": .bool(flag(root["AllowHyperlink"])), "AppendOnly": .bool(flag(root["AppendOnly"])),
                    "IsLongHyperlink": false, "NumberOfLines": JSON(Int(root["NumLines"] ?? "") ?? 6),
                    "RestrictedMode": .bool(root["RichTextMode"] != "FullHtml"), "RichText": .bool(flag(root["RichText"])),
                    "UnlimitedLengthInDocumentLibrary": .bool(flag(root["UnlimitedLengthInDocumentLibrary"]))]
        case "Number", "Integer", "Currency":
            var o: JSONObject = ["CommaSeparator": true, "CustomUnitName": nil, "CustomUnitOnRight": false,
                                 "DisplayFormat": JSON(Int(root["Decimals"] ?? "") ?? -1),
                                 "MaximumValue": .number(Double(root["Max"] ?? "") ?? 1.7976931348623157e308),
                                 "MinimumValue": .number(Double(root["Min"] ?? "") ?? -1.7976931348623157e308),
                                 "ShowAsPercentage": .bool(flag(root["Percentage"])), "Unit": "None"]
            if type == "Currency" { o["CurrencyLocaleId"] = JSON(Int(root["LCID"] ?? "") ?? 1033) }
            return o
        case "DateTime":
            let dateOnly = root["Format"] == "DateOnly"
            let friendly = ["Unspecified": 0, "Disabled": 1, "Relative": 2][root["FriendlyDisplayFormat"] ?? ""] ?? 0
            return ["DateTimeCalendarType": 0, "DateFormat": nil, "DisplayFormat": JSON(dateOnly ? 0 : 1),
                    "FriendlyDisplayFormat": JSON(friendly), "TimeFormat": nil]
        case "Choice", "MultiChoice":
            let choices = root.child("CHOICES")?.children.filter { $0.name == "CHOICE" }.map { JSON.string($0.text) } ?? []
            var o: JSONObject = ["Choices": .array(choices), "FillInChoice": .bool(flag(root["FillInChoice"])), "Mappings": nil]
            if type == "Choice" { o["EditFormat"] = JSON(root["Format"] == "RadioButtons" ? 1 : 0) }
            return o
        case "Lookup", "LookupMulti", "User", "UserMulti":
            var o: JSONObject = ["AllowMultipleValues": .bool(type.hasSuffix("Multi")), "DependentLookupInternalNames": .array([]),
                                 "IsDependentLookup": false, "IsRelationship": true, "LookupField": .string(root["ShowField"] ?? "Title"),
                                 "LookupList": .string(root["List"] ?? ""), "LookupWebId": .string(root["WebId"] ?? "00000000-0000-0000-0000-000000000000"),
                                 "PrimaryFieldId": nil, "RelationshipDeleteBehavior": 0, "UnlimitedLengthInDocumentLibrary": false]
            if type.hasPrefix("User") {
                o["AllowDisplay"] = true
                o["Presence"] = true
                o["SelectionGroup"] = JSON(Int(root["UserSelectionScope"] ?? "") ?? 0)
                o["SelectionMode"] = JSON(root["UserSelectionMode"] == "PeopleAndGroups" ? 1 : 0)
                o["UserDisplayOptions"] = 0
            }
            return o
        case "URL":
            return ["DisplayFormat": JSON(root["Format"] == "Image" ? 1 : 0)]
        case "Calculated":
            return ["DateFormat": nil, "DisplayFormat": -1, "Formula": .string(root.child("Formula")?.text ?? ""),
                    "OutputType": JSON(SPFieldKind.kinds[root["ResultType"] ?? "Text"] ?? 2)]
        default:
            return [:]
        }
    }

    // MARK: Updates and deletion

    /// Properties SharePoint computes: a client cannot set them.
    static let computed: Set<String> = ["Id", "InternalName", "StaticName", "EntityPropertyName", "TypeAsString", "TypeDisplayName",
                                        "TypeShortDescription", "FromBaseType", "Sealed", "Scope", "CanBeDeleted"]

    static func updateField(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        try r.store.locked {
            let l = try scopeList(r, p)
            let field = try find(r, p, l)
            if let t = body["__metadata"]?["type"]?.stringValue, t != restType(field.typeAsString), t != "SP.Field" {
                throw SPError.invalidQuery("A type named '\(t)' could not be resolved by the model. When a model is available, each type name must resolve to a valid type.")
            }
            var changes = JSONObject()
            for (name, value) in body where name != "__metadata" && !name.hasPrefix("odata.") && !name.hasPrefix("@odata.") {
                guard field.props[name] != nil, !computed.contains(name) else {
                    throw SPError.invalidQuery("The property '\(name)' does not exist on type '\(restType(field.typeAsString))'. Make sure to only use property names that are defined by the type.")
                }
                changes[name] = value
            }
            try apply(changes, to: field.id, web: r.web, list: l)
        }
        return EmulatorResponse(status: .noContent)
    }

    /// Merges property values into a field and its schema. A new `SchemaXml` (which must keep the
    /// field's ID and type) brings its attributes' properties along. Call under the lock.
    static func apply(_ changes: JSONObject, to id: String, web: SPWeb, list: SPList?) throws {
        var changes = changes
        if let xml = changes["SchemaXml"]?.stringValue {
            guard let root = try? CSOMXMLParser.parse(Array(xml.utf8)), root.name == "Field",
                  (root["ID"] ?? "").trimmingCharacters(in: ["{", "}"]).caseInsensitiveCompare(id) == .orderedSame else {
                // [U] the exact text.
                throw SPError(.badRequest, "-2146232832, Microsoft.SharePoint.SPException", "The field schema is not valid for this field.")
            }
            for (property, attribute) in schemaAttributes where changes[property] == nil {
                guard let text = root[attribute] else { continue }
                changes[property] = ["Title", "Group", "Description"].contains(property) ? .string(text)
                    : property == "MaxLength" ? Int(text).map { JSON($0) } ?? .null : .bool(flag(text))
            }
            // The default value is the schema's <Default> element (none: no default).
            if changes["DefaultValue"] == nil { changes["DefaultValue"] = root.child("Default").map { .string($0.text) } ?? .null }
        }
        func update(_ f: inout SPField) {
            for (name, value) in changes where name != "SchemaXml" {
                f.props[name] = value
            }
            if let xml = changes["SchemaXml"] { f.props["SchemaXml"] = xml; return }
            for (name, value) in changes {
                f.props[name] = value
                if let attribute = schemaAttributes[name] {
                    let text = value.boolValue.map { $0 ? "TRUE" : "FALSE" } ?? value.scalarText ?? ""
                    f.props["SchemaXml"] = .string(SchemaXML.setting(attribute, text, in: f.props["SchemaXml"]?.stringValue ?? ""))
                } else if name == "DefaultValue" {
                    f.props["SchemaXml"] = .string(SchemaXML.settingDefault(value.stringValue, in: f.props["SchemaXml"]?.stringValue ?? ""))
                }
            }
        }
        if let list {
            guard let i = list.fields.firstIndex(where: { $0.id == id }) else { throw SPError.noColumn(id) }
            update(&list.fields[i])
        } else {
            guard let i = web.fields.firstIndex(where: { $0.id == id }) else { throw SPError.noColumn(id) }
            update(&web.fields[i])
        }
    }

    /// Field properties that are attributes of the schema.
    static let schemaAttributes = ["Title": "DisplayName", "Required": "Required", "Hidden": "Hidden", "Group": "Group",
                                   "Description": "Description", "ReadOnlyField": "ReadOnly", "Indexed": "Indexed",
                                   "EnforceUniqueValues": "EnforceUniqueValues", "MaxLength": "MaxLength"]

    static func deleteField(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        try r.store.locked {
            let l = try scopeList(r, p)
            try remove(try find(r, p, l), web: r.web, list: l)
        }
        return .json(.object([:]))
    }

    /// Deletes a field: from the list (its items' values, views and content types too) or the web.
    /// Call under the lock.
    static func remove(_ field: SPField, web: SPWeb, list: SPList?) throws {
        guard field.props["CanBeDeleted"]?.boolValue != false else {
            // [U] the exact text.
            throw SPError(.badRequest, "-2146232832, Microsoft.SharePoint.SPException",
                          "You can't delete this column because it is read-only or belongs to the list's base type.")
        }
        guard let list else {
            web.fields.removeAll { $0.id == field.id }
            return
        }
        let name = field.internalName
        list.fields.removeAll { $0.id == field.id }
        list.customFields.removeAll { $0 == name }
        for i in list.items.indices where list.items[i].fields[name] != nil { list.items[i].fields[name] = nil }
        for i in list.views.indices { list.views[i].fields.removeAll { $0 == name } }
        for i in list.contentTypes.indices { list.contentTypes[i].fieldLinks.removeAll { $0.id == field.id } }
    }
}

// MARK: Schema XML text

/// Edits the attributes of a schema's root element, leaving the rest of the text as written.
enum SchemaXML {
    /// The schema with `name="value"` on its root element: replaced where it is, else appended.
    static func setting(_ name: String, _ value: String, in xml: String) -> String {
        guard let open = xml.range(of: "<Field") else { return xml }
        // The end of the start tag: the first `>` outside a quoted value.
        var quote: Character?
        var end = xml.endIndex
        var i = open.upperBound
        while i < xml.endIndex {
            let c = xml[i]
            if let q = quote { if c == q { quote = nil } } else if c == "\"" || c == "'" { quote = c } else if c == ">" { end = i; break }
            i = xml.index(after: i)
        }
        guard end < xml.endIndex else { return xml }
        var tagEnd = end
        if tagEnd > open.upperBound, xml[xml.index(before: tagEnd)] == "/" { tagEnd = xml.index(before: tagEnd) }
        let tag = String(xml[open.upperBound..<tagEnd])
        let escaped = SPXMLText.attribute(value)
        let pattern = "(\\s)" + NSRegularExpression.escapedPattern(for: name) + "\\s*=\\s*(\"[^\"]*\"|'[^']*')"
        if let re = try? NSRegularExpression(pattern: pattern), let m = re.firstMatch(in: tag, range: NSRange(tag.startIndex..., in: tag)),
           let range = Range(m.range, in: tag) {
            let replaced = tag.replacingCharacters(in: range, with: " \(name)=\"\(escaped)\"")
            return String(xml[..<open.upperBound]) + replaced + String(xml[tagEnd...])
        }
        let trimmed = tag.hasSuffix(" ") ? String(tag.dropLast()) : tag
        return String(xml[..<open.upperBound]) + trimmed + " \(name)=\"\(escaped)\"" + (tag.hasSuffix(" ") ? " " : "") + String(xml[tagEnd...])
    }
}

extension SchemaXML {
    /// The schema with its `<Default>` child holding `value` (replaced where it is, else first in
    /// the field); without a value (nil or empty) the element goes.
    static func settingDefault(_ value: String?, in xml: String) -> String {
        guard let open = xml.range(of: "<Field") else { return xml }
        var quote: Character?
        var end: String.Index?
        var i = open.upperBound
        while i < xml.endIndex {
            let c = xml[i]
            if let q = quote { if c == q { quote = nil } } else if c == "\"" || c == "'" { quote = c } else if c == ">" { end = i; break }
            i = xml.index(after: i)
        }
        guard let end else { return xml }
        let element = value.flatMap { $0.isEmpty ? nil : "<Default>\(SPXMLText.attribute($0))</Default>" } ?? ""
        if xml[xml.index(before: end)] == "/" {
            // <Field …/>: opened up to hold the element.
            guard !element.isEmpty else { return xml }
            return String(xml[..<xml.index(before: end)]).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
                + ">" + element + "</Field>" + String(xml[xml.index(after: end)...])
        }
        let body = xml.index(after: end)
        if let re = try? NSRegularExpression(pattern: "<Default\\s*/>|<Default(\\s[^>]*)?>.*?</Default>", options: [.dotMatchesLineSeparators]),
           let m = re.firstMatch(in: xml, range: NSRange(body..., in: xml)), let range = Range(m.range, in: xml) {
            return xml.replacingCharacters(in: range, with: element)
        }
        return String(xml[..<body]) + element + String(xml[body...])
    }
}

// MARK: Default values of new items

extension SPList {
    /// A new item's field values with the default value of each field it leaves unset (text as
    /// SharePoint stores it: `[today]` as today's date, Yes/No as a Boolean, numbers as numbers).
    func withFieldDefaults(_ given: JSONObject) -> JSONObject {
        var out = given
        for f in fields where out[f.internalName] == nil && !f.internalName.isEmpty {
            guard let value = f.props["DefaultValue"]?.stringValue, !value.isEmpty else { continue }
            out[f.internalName] = SPFieldDefaults.typed(value, type: f.typeAsString)
        }
        return out
    }
}

enum SPFieldDefaults {
    /// A default value's text as the field's type stores it.
    static func typed(_ text: String, type: String) -> JSON {
        switch type {
        case "Boolean": return .bool(text == "1" || text.lowercased() == "true")
        case "Number", "Integer", "Currency": return Double(text).map(JSON.number) ?? .string(text)
        case "DateTime":
            if text.lowercased() == "[today]" {
                let day = String(Util.iso8601(Date()).prefix(10))
                return .string(day + "T00:00:00Z")
            }
            return .string(text)
        case "MultiChoice":
            return .array(text.components(separatedBy: ";#").filter { !$0.isEmpty }.map(JSON.string))
        default: return .string(text)
        }
    }

    /// The location-based defaults of a library (`Forms/client_LocationBasedDefaults.html`) that
    /// apply to an item in `folder`: each folder from the library's root down to `folder` may set
    /// values, the deeper folder winning. Call under the lock.
    static func locationDefaults(_ r: SharePointRequest, _ list: SPList, folder: String) -> JSONObject {
        let root = SharePointFiles.rootURL(list, r)
        guard let file = r.store.files.files[SharePointFiles.key(r, root + "/Forms/client_LocationBasedDefaults.html")],
              let data = FileManager.default.contents(atPath: file.contentPath),
              let doc = try? CSOMXMLParser.parse(Array(data)) else { return [:] }
        var byFolder: [String: JSONObject] = [:]
        for a in doc.children where a.name == "a" {
            let href = (a["href"] ?? "").removingPercentEncoding ?? a["href"] ?? ""
            var values = JSONObject()
            for d in a.children where d.name == "DefaultValue" {
                if let name = d["FieldName"] { values[name] = .string(d.text) }
            }
            for (k, v) in values { byFolder[href.lowercased().trimmingSuffix("/"), default: [:]][k] = v }
        }
        var out = JSONObject()
        var path = ""
        for part in folder.split(separator: "/") {
            path += "/" + part
            guard path.count >= root.count, let values = byFolder[path.lowercased()] else { continue }
            for (k, v) in values {
                let type = list.fields.first { $0.internalName == k }?.typeAsString ?? "Text"
                out[k] = typed(v.stringValue ?? "", type: type)
            }
        }
        return out
    }
}

// MARK: CSOM on fields

extension CSOMEvaluation {
    /// `Fields` of a web or list.
    func fieldCollection(_ web: String, _ list: String?) throws -> (SPWeb, SPList?) {
        guard let w = webs[web.lowercased()] else { throw CSOMError.invalid("The web \(web) does not exist.") }
        guard let list else { return (w, nil) }
        guard let l = w.list(id: list) else { throw CSOMError("List does not exist.", -2130575322, "System.ArgumentException") }
        return (w, l)
    }

    /// `GetById` and `GetByInternalNameOrTitle` of a field collection.
    func fieldsMethod(_ web: String, _ list: String?, _ name: String, _ params: [CSOMParam]) throws -> CSOMObject? {
        let (w, l) = try fieldCollection(web, list)
        let all = SharePointFields.fields(w, l)
        switch name {
        case "GetById":
            let id = try string(params, 0, name).trimmingCharacters(in: ["{", "}"])
            guard let f = all.first(where: { $0.id.caseInsensitiveCompare(id) == .orderedSame }) else {
                throw CSOMError.argument(SharePointFields.invalidFieldName(id, w, l))
            }
            return .field(web, list, f.id)
        case "GetByInternalNameOrTitle", "GetByTitle":
            let wanted = try string(params, 0, name)
            guard let f = SharePointFields.byNameOrTitle(wanted, all) else {
                throw CSOMError.argument("Column '\(wanted)' does not exist. It may have been deleted by another user.")
            }
            return .field(web, list, f.id)
        case "AddFieldAsXml":
            guard canWrite else { throw CSOMError.accessDenied }
            let xml = try string(params, 0, name)
            var options = 0
            if params.count > 2 { options = try int(params, 2, name) }
            do {
                let f = try SharePointFields.add(xml: xml, options: options, web: w, list: l)
                return .field(web, list, f.id)
            } catch let e as SPError {
                throw CSOMError(e.message, Int(e.code.split(separator: ",").first ?? "") ?? -1, String(e.code.split(separator: " ").last ?? ""))
            }
        default:
            throw CSOMError.invalid("The method \(name) is not supported on this object.")
        }
    }

    func fieldObject(_ web: String, _ list: String?, _ id: String) throws -> (SPWeb, SPList?, SPField) {
        let (w, l) = try fieldCollection(web, list)
        guard let f = SharePointFields.fields(w, l).first(where: { $0.id == id }) else {
            throw CSOMError.argument(SharePointFields.invalidFieldName(id, w, l))
        }
        return (w, l, f)
    }

    /// `Update`, `UpdateAndPushChanges(pushToLists)` and `DeleteObject` of a field; changes made
    /// with SetProperty wait for an update. Pushed changes reach the list columns of the web's
    /// lists (and its sub-webs') that share the site column's id.
    func fieldMethod(_ web: String, _ list: String?, _ id: String, _ name: String, _ params: [CSOMParam]) throws -> CSOMObject? {
        guard canWrite else { throw CSOMError.accessDenied }
        let (w, l, f) = try fieldObject(web, list, id)
        let key = "\(web)|\(list ?? "")|\(id)"
        switch name {
        case "Update", "UpdateAndPushChanges":
            let changes = pendingFieldChanges.removeValue(forKey: key) ?? [:]
            do {
                try SharePointFields.apply(changes, to: f.id, web: w, list: l)
                if l == nil, name == "UpdateAndPushChanges", params.first?.value.boolValue == true {
                    let prefix = w.url.lowercased()
                    for other in webs.values where other.url.lowercased() == prefix || other.url.lowercased().hasPrefix(prefix + "/") {
                        for target in other.lists where target.fields.contains(where: { $0.id == f.id }) {
                            try SharePointFields.apply(changes, to: f.id, web: other, list: target)
                        }
                    }
                }
            } catch let e as SPError {
                throw CSOMError.argument(e.message)
            }
            return nil
        case "DeleteObject":
            do { try SharePointFields.remove(f, web: w, list: l) } catch let e as SPError { throw CSOMError.invalid(e.message) }
            return nil
        default:
            throw CSOMError.invalid("The method \(name) is not supported on SP.Field.")
        }
    }

    func setFieldProperty(_ web: String, _ list: String?, _ id: String, _ name: String, _ p: CSOMParam) throws {
        guard canWrite else { throw CSOMError.accessDenied }
        let (_, _, f) = try fieldObject(web, list, id)
        let type = SharePointFields.restType(f.typeAsString)
        guard let current = f.props[name], !SharePointFields.computed.contains(name) else {
            throw CSOMError.invalid("The property '\(name)' does not exist on type '\(type)'.")
        }
        if case .array = current, p.value.arrayValue == nil {
            // A collection (Choices) takes a collection: CSOM refuses a String. [U] the exact text.
            throw CSOMError.invalid("Cannot convert the value '\(p.value.scalarText ?? p.type)' of type '\(p.type)' to the type 'StringCollection' of property '\(name)'.")
        }
        let value = try typed(p, like: current, name: name)
        pendingFieldChanges["\(web)|\(list ?? "")|\(id)", default: [:]][name] = value
    }

    /// A field as CSOM returns it: its REST properties, type and identity.
    func fieldProperties(_ web: String, _ list: String?, _ id: String) throws -> JSONObject {
        let (w, l, f) = try fieldObject(web, list, id)
        var o: JSONObject = ["_ObjectType_": .string(SharePointFields.restType(f.typeAsString)),
                             "_ObjectIdentity_": .string(fieldIdentity(w, l, f.id))]
        for (k, v) in f.props { o[k] = v }
        return o
    }

    func fieldIdentity(_ web: SPWeb, _ list: SPList?, _ id: String) -> String {
        "\(contentPrefix):site:\(web.siteId):web:\(web.id)" + (list.map { ":list:\($0.id)" } ?? "") + ":field:\(id)"
    }
}

// MARK: A library's Forms folder and its files

extension SharePointFields {
    /// A library's `Forms` folder, which every library has (its pages and settings files live
    /// there, such as the location-based defaults): its properties when `url` names it. Files in it
    /// are no list items. Call under the lock.
    static func formsFolder(_ list: SPList, _ url: String, _ r: SharePointRequest) -> JSONObject? {
        guard list.isLibrary, url.lowercased() == (SharePointFiles.rootURL(list, r) + "/Forms").lowercased() else { return nil }
        let prefix = SharePointFiles.key(r, url) + "/"
        let count = r.store.files.files.keys.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains("/") }.count
        return SharePointFiles.folderProps(SharePointFiles.rootURL(list, r) + "/Forms", uniqueId: Util.nameGUID("forms/\(list.id)"),
                                           created: list.created, modified: list.lastItemModified, itemCount: count, r: r)
    }

    /// The list item of a new file: none (0) in the Forms folder; else an item with the fields'
    /// default values and the folder's location-based defaults for what the file leaves unset.
    /// Call under the lock.
    static func fileItem(_ r: SharePointRequest, _ list: SPList, folder: String, fields: JSONObject, author: Int, now: String) -> Int {
        if formsFolder(list, folder, r) != nil { return 0 }
        var values = list.withFieldDefaults(fields)
        for (k, v) in SPFieldDefaults.locationDefaults(r, list, folder: folder) where fields[k] == nil { values[k] = v }
        return SharePointFiles.addItem(list, fields: values, author: author, now: now)
    }

    /// `PUT …/GetFileByServerRelativePath(…)/$value`: new content for an existing file (a new
    /// version of it), answered with 204 as SharePoint does.
    static func saveContent(_ r: SharePointRequest, _ url: String, _: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointFiles.bodyFile(r)
        defer { unlink(body.path) }
        try r.store.locked {
            let f = try SharePointFiles.existingFile(r, url)
            _ = try SharePointFiles.commit(r, folder: SharePointFiles.parent(f.url), name: f.name, content: body.path, size: body.size, overwrite: true)
        }
        return EmulatorResponse(status: .noContent)
    }
}
