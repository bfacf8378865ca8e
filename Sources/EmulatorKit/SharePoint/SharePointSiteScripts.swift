import Foundation
import JSONModel
import NIOHTTP1

/// `POST _api/Microsoft.SharePoint.Utilities.WebTemplateExtensions.SiteScriptUtility.GetSiteScriptFromList
/// {"listUrl": absolute URL}` (also spelt with `_` for `.`): the site script that would recreate
/// the list, written from its current state — its title and template, its own columns' schema,
/// its content types and its public views (and a navigation link when it is on the quick
/// launch). The answer is the script as JSON text (`{"value": "…"}`), indented with CRLF line
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
    static func script(_ list: SPList, _ web: SPWeb) -> JSON {
        var subactions: [JSON] = []
        // The list's own columns; those of its base type come with the template.
        for field in list.fields where field.props["FromBaseType"]?.boolValue != true {
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
            let custom = type.fieldLinks.filter { link in list.fields.first { $0.internalName == link.name }?.props["FromBaseType"]?.boolValue == false }
            if !custom.isEmpty {
                action["fieldRefsXml"] = .array(custom.map { link in
                    var ref = "<FieldRef ID=\"{\(link.id)}\" Name=\"\(SPXMLText.attribute(link.name))\""
                    if link.required { ref += " Required=\"TRUE\"" }
                    if link.hidden { ref += " Hidden=\"TRUE\"" }
                    return .string(ref + " />")
                })
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
        var actions: [JSON] = [[
            "verb": "createSPList", "listName": .string(list.title), "templateType": JSON(list.baseTemplate),
            "subactions": .array(subactions),
        ]]
        if list.settings["OnQuickLaunch"]?.boolValue == true {
            let page = list.views.first { $0.props["DefaultView"]?.boolValue == true }?.props["ServerRelativeUrl"]?.stringValue
                ?? list.serverRelativeURL
            let webPath = web.serverRelativeUrl == "/" ? "" : web.serverRelativeUrl
            actions.append(["verb": "addNavLink", "url": .string(String(page.dropFirst(webPath.count + 1))),
                            "displayName": .string(list.title), "isWebRelative": true])
        }
        return ["$schema": .string(schema), "actions": .array(actions)]
    }

    /// The title of the list a lookup column points at (`List="{id}"` in its schema).
    static func lookupTarget(_ field: SPField, _ web: SPWeb) -> String? {
        if let id = field.props["LookupList"]?.stringValue {
            return web.list(id: id.trimmingCharacters(in: CharacterSet(charactersIn: "{}")))?.title
        }
        return nil
    }
}
