import Foundation
import JSONModel
import NIOHTTP1

/// `POST _api/Microsoft.SharePoint.Utilities.WebTemplateExtensions.SiteScriptUtility.GetSiteScriptFromList
/// {"listUrl": absolute URL}` (also spelt with `_` for `.`): the site script that would recreate
/// the list, written from its current state — its title and template, its columns' schema,
/// its content types and its public views. The answer is the script as JSON text (`{"value": "…"}`), indented with CRLF line
/// breaks as SharePoint writes it.
enum SharePointSiteScripts {
    typealias On = (HTTPMethod, String, @escaping SharePointEndpoints.Handler) -> Void

    static func register(_ on: On) {
        for name in ["Microsoft.SharePoint.Utilities.WebTemplateExtensions.SiteScriptUtility.GetSiteScriptFromList",
                     "Microsoft_SharePoint_Utilities_WebTemplateExtensions_SiteScriptUtility_GetSiteScriptFromList"] {
            on(.POST, "_api/" + name, siteScriptFromList)
        }
    }

    static let schema = "https://developer.microsoft.com/json-schemas/sp/site-design-script-actions.schema.json"

    static func siteScriptFromList(_ r: SharePointRequest, _: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        guard let url = body["listUrl"]?.stringValue, !url.isEmpty else {
            throw SPError.invalidQuery("The parameter listUrl does not exist in method GetSiteScriptFromList.")
        }
        // The list may belong to another web of the tenant than the one the request went to.
        var absolute = url
        if url.hasPrefix("/") { absolute = "https://\(r.request.host)\(url)" }
        guard let web = r.store.web(for: absolute, tenantId: r.tenant.id) else { throw SPError.listDeleted }
        let script: JSON = try r.store.locked {
            guard let list = web.list(url: absolute) else { throw SPError.listDeleted }
            return self.script(list, web)
        }
        let text = script.serialized(pretty: true).replacingOccurrences(of: "\n", with: "\r\n")
        return .json(SPRender(r).primitive("GetSiteScriptFromList", .string(text), edmType: "Edm.String"))
    }

    /// The script's actions for `list`. Call under the lock.
    ///
    /// The shape follows the sample SharePoint answer in the CLI's documentation
    /// (list-sitescript-get.mdx): `createSPList` with `color` and `icon` (text), then the columns
    /// (`addSPFieldXml`, `addSPLookupFieldXml`) — the list's own and those of its item content type
    /// (Title, with the LinkTitle built on it) — then `addContentType` for each list content type
    /// (the item type with a `fieldRefsXml` entry per column, Folder with none), then `addSPView`
    /// per public view. [U] the order of the columns (the sample's follows no order the emulator
    /// keeps; here the list's), and `color`/`icon` of a list made without either (the sample's
    /// "0" and "3").
    static func script(_ list: SPList, _ web: SPWeb) -> JSON {
        let itemTypes = list.contentTypes.filter { !$0.id.hasPrefix("0x0120") }
        var linked = Set(itemTypes.flatMap { $0.fieldLinks.map(\.name) }.filter { $0 != "ContentType" })
        if linked.contains("Title"), list.field("LinkTitle") != nil { linked.insert("LinkTitle") }
        var subactions: [JSON] = []
        for field in list.fields where field.props["FromBaseType"]?.boolValue != true || linked.contains(field.internalName) {
            let xml = field.props["SchemaXml"]?.stringValue ?? ""
            if field.typeAsString.hasPrefix("Lookup") {
                subactions.append(["verb": "addSPLookupFieldXml", "schemaXml": .string(xml),
                                   "targetListName": .string(lookupTarget(field, web) ?? "")])
            } else {
                subactions.append(["verb": "addSPFieldXml", "schemaXml": .string(xml)])
            }
        }
        let suffix = "00" + list.id.replacingOccurrences(of: "-", with: "").uppercased()
        for type in list.contentTypes {
            // A list's copy of a site content type is named by the site type's id.
            let id = type.id.hasSuffix(suffix) ? String(type.id.dropLast(suffix.count)) : type.id
            var action: JSONObject = ["verb": "addContentType", "name": .string(type.name), "id": .string(id)]
            if !type.id.hasPrefix("0x0120") {
                var refs: [JSON] = []
                for link in type.fieldLinks where link.name != "ContentType" {
                    var ref = "<FieldRef ID=\"{\(link.id)}\" Name=\"\(SPXMLText.attribute(link.name))\""
                    if link.required { ref += " Required=\"TRUE\"" }
                    if link.hidden { ref += " Hidden=\"TRUE\"" }
                    refs.append(.string(ref + " />"))
                    // The item's title link comes with the read-only LinkTitle, named as the column is.
                    if link.name == "Title", let linkTitle = list.field("LinkTitle") {
                        refs.append(.string("<FieldRef ID=\"{\(linkTitle.id)}\" Name=\"LinkTitle\" DisplayName=\"\(SPXMLText.attribute(linkTitle.title))\" ReadOnly=\"TRUE\" />"))
                    }
                }
                if !refs.isEmpty { action["fieldRefsXml"] = .array(refs) }
            }
            subactions.append(.object(action))
        }
        for view in list.views where view.props["PersonalView"]?.boolValue != true {
            let p = view.props
            subactions.append([
                "verb": "addSPView", "name": .string(view.title), "viewFields": .array(view.fields.map(JSON.string)),
                "query": .string(p["ViewQuery"]?.stringValue ?? ""), "rowLimit": JSON(p["RowLimit"]?.intValue ?? 30),
                "isPaged": .bool(p["Paged"]?.boolValue ?? true), "makeDefault": .bool(p["DefaultView"]?.boolValue ?? false),
                "formatterJSON": .string(p["CustomFormatter"]?.stringValue ?? ""), "replaceViewFields": true,
            ])
        }
        let create: JSONObject = [
            "verb": "createSPList", "listName": .string(list.title), "templateType": JSON(list.baseTemplate),
            "color": .string(text(list.settings["Color"]) ?? "0"), "icon": .string(text(list.settings["Icon"]) ?? "3"),
            "subactions": .array(subactions),
        ]
        return ["$schema": .string(schema), "actions": [.object(create)]]
    }

    /// A stored setting as text (`3` or `"3"`).
    static func text(_ value: JSON?) -> String? {
        if let s = value?.stringValue { return s }
        return value?.intValue.map(String.init)
    }

    /// The title of the list a lookup column points at (`List="{id}"` in its schema).
    static func lookupTarget(_ field: SPField, _ web: SPWeb) -> String? {
        if let id = field.props["LookupList"]?.stringValue {
            return web.list(id: id.trimmingCharacters(in: CharacterSet(charactersIn: "{}")))?.title
        }
        return nil
    }
}
