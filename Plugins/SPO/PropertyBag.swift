import PluginKit

/// `spo propertybag …`: a web's property bag (`AllProperties`) or a folder's (`Properties`),
/// read and written over CSOM as CLI for Microsoft 365 does: the current web's identity first,
/// then a query or `SetFieldValue` + `Update` on the bag's owner.
enum PropertyBagCommands {
    static let webUrl = option(.webUrl, "u", "URL of the site the property bag belongs to", required: true)
    static let folder = option(.folder, nil, "Site-relative URL of the folder whose property bag to use (the web's when omitted)")
    static let key = option(.key, "k", "Key of the property", required: true)

    /// The current web's `_ObjectIdentity_` and server-relative URL (one CSOM query).
    static func webIdentity(_ spo: SPOClient, _ web: String) throws(PluginFailure) -> (identity: String, serverRelativeUrl: String) {
        var lookup = CSOMRequest()
        let current = lookup.property("Web", of: lookup.staticProperty("Current", typeId: CSOMRequest.contextTypeId))
        let query = lookup.query(current, properties: ["ServerRelativeUrl"])
        let answer = try spo.processQuery(lookup, at: web)[query]
        guard let identity = answer?["_ObjectIdentity_"]?.stringValue else {
            throw PluginFailure("Cannot proceed. _ObjectIdentity_ not found", status: M365_ERR_SERVER)
        }
        return (identity, answer?["ServerRelativeUrl"]?.stringValue ?? "/")
    }

    /// The server-relative URL of `--folder`, as the CLI joins it to the web's.
    static func folderPath(_ webPath: String, _ folder: String) -> String {
        let relative = folder.hasPrefix("/") ? folder : "/" + folder
        return webPath == "/" ? relative : webPath + relative
    }

    /// The bag: the web's `AllProperties`, or the folder's `Properties`.
    static func read(_ spo: SPOClient, _ options: Options) throws(PluginFailure) -> JSONObject {
        let web = try spo.webURL(options, .webUrl)
        let current = try webIdentity(spo, web)
        var request = CSOMRequest()
        let owner = request.identity(current.identity)
        let name: String
        let query: Int
        if let folder = options.string(.folder) {
            let target = request.method("GetFolderByServerRelativeUrl", of: owner, [.string(folderPath(current.serverRelativeUrl, folder))])
            request.objectPath(target)
            request.objectIdentityQuery(target)
            query = request.query(target, properties: ["Properties"])
            name = "Properties"
        } else {
            query = request.query(owner, properties: ["ServerRelativeUrl", "AllProperties"])
            name = "AllProperties"
        }
        guard let bag = try spo.processQuery(request, at: web)[query]?[name]?.objectValue else {
            throw PluginFailure("Cannot proceed. \(name) not found", status: M365_ERR_SERVER)
        }
        return bag
    }

    /// A property as the CLI prints it: `$  Int32` keys as numbers, `/Date(…)/` as dates
    /// (read as UTC; the CLI reads them in the local time zone), "true"/"false" as booleans.
    static func formatted(_ key: String, _ value: JSON) -> (String, JSON) {
        if let range = key.firstRange(of: "$  Int32") {
            let name = String(key[..<range.lowerBound]) + String(key[range.upperBound...])
            let number = value.numberValue ?? value.stringValue.flatMap { Double(String($0.prefix { $0 == "-" || $0.isNumber })) }
            return (name, number.map { .number($0.rounded(.towardZero)) } ?? .null)
        }
        if let text = value.stringValue {
            if let open = text.firstRange(of: "/Date(") {
                let inner = text[open.upperBound...].prefix { $0 != ")" }
                let parts = inner.split(separator: ",").map { Int(String($0).trimmingSpaces) ?? 0 }
                if parts.count >= 3 {
                    func pad(_ n: Int, _ w: Int = 2) -> String { let s = String(n); return String(repeating: "0", count: max(0, w - s.count)) + s }
                    let p = parts + Array(repeating: 0, count: max(0, 7 - parts.count))
                    return (key, .string("\(pad(p[0], 4))-\(pad(p[1] + 1))-\(pad(p[2]))T\(pad(p[3])):\(pad(p[4])):\(pad(p[5])).\(pad(p[6], 3))Z"))
                }
            }
            if text == "true" { return (key, true) }
            if text == "false" { return (key, false) }
        }
        return (key, value)
    }

    /// Sets (or with nil removes) a property: `SetFieldValue` on the bag, then the owner's
    /// `Update`. `identity` is the web's or, with a folder, the folder's.
    static func write(_ spo: SPOClient, web: String, identity: String, folder: Bool, key: String, value: String?) throws(PluginFailure) {
        var request = CSOMRequest()
        let owner = request.identity(identity)
        let bag = request.property(folder ? "Properties" : "AllProperties", of: owner)
        request.call("SetFieldValue", on: bag, [.string(key), value.map { .string($0) } ?? .null])
        request.call("Update", on: owner)
        _ = try spo.processQuery(request, at: web)
    }

    /// The folder's identity (`GetFolderByServerRelativeUrl` below the web's identity).
    static func folderIdentity(_ spo: SPOClient, web: String, webIdentity: String, path: String) throws(PluginFailure) -> String {
        var request = CSOMRequest()
        let target = request.method("GetFolderByServerRelativeUrl", of: request.identity(webIdentity), [.string(path)])
        request.objectPath(target)
        let query = request.objectIdentityQuery(target)
        guard let identity = try spo.processQuery(request, at: web)[query]?["_ObjectIdentity_"]?.stringValue else {
            throw PluginFailure("Cannot proceed. Folder _ObjectIdentity_ not found", status: M365_ERR_SERVER)
        }
        return identity
    }

    /// The identity `set` and `remove` write through: the web's, or `--folder`'s.
    static func owner(_ spo: SPOClient, _ options: Options) throws(PluginFailure) -> (web: String, identity: String) {
        let web = try spo.webURL(options, .webUrl)
        let current = try webIdentity(spo, web)
        guard let folder = options.string(.folder) else { return (web, current.identity) }
        let path = SPOClient.serverRelative(listURL: folder, web: web)
        return (web, try folderIdentity(spo, web: web, webIdentity: current.identity, path: path))
    }

    static let all: [PluginCommand] = [
        command("propertybag list", "Gets property bag values", options: [webUrl, folder],
                examples: [("The web's property bag", "m365 spo propertybag list --webUrl https://contoso.sharepoint.com/sites/test"),
                           ("A folder's", "m365 spo propertybag list --webUrl https://contoso.sharepoint.com/sites/test --folder /Shared Documents")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            var out: [JSON] = []
            for (name, value) in try read(spo, options) where name != "_ObjectType_" {
                let (k, v) = formatted(name, value)
                out.append(["key": .string(k), "value": v])
            }
            try spo.invocation.emit(result: .array(out))
        },

        command("propertybag get", "Gets the value of the specified property from the property bag", options: [webUrl, key, folder],
                examples: [("A web's property", "m365 spo propertybag get --webUrl https://contoso.sharepoint.com/sites/test --key vti_defaultlanguage")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let wanted = options.string(.key) ?? ""
            for (name, value) in try read(spo, options) {
                let (k, v) = formatted(name, value)
                if k == wanted { return try spo.invocation.emit(result: v) }
            }
            spo.invocation.log("Property not found.")
        },

        command("propertybag set", "Sets the value of the specified property in the property bag. Adds the property if it does not exist",
                options: [webUrl, key, option(.value, "v", "Value of the property", required: true), folder],
                examples: [("On the web", "m365 spo propertybag set --webUrl https://contoso.sharepoint.com/sites/test --key key1 --value value1"),
                           ("On a folder", "m365 spo propertybag set --webUrl https://contoso.sharepoint.com/sites/test --key key1 --value value1 --folder /Shared Documents")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let (web, identity) = try owner(spo, options)
            do throws(PluginFailure) {
                try write(spo, web: web, identity: identity, folder: options.has(.folder), key: options.string(.key) ?? "", value: options.string(.value) ?? "")
            } catch {
                if error.description.contains("E_ACCESSDENIED") {
                    spo.invocation.log("Tip: If a site has NoScript enabled, setting the property bag value may result in exceptions.", level: M365_LOG_WARNING)
                }
                throw error
            }
        },

        command("propertybag remove", "Removes specified property from the property bag", options: [webUrl, key, folder, forceOption],
                examples: [("From the web", "m365 spo propertybag remove --webUrl https://contoso.sharepoint.com/sites/test --key key1 --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let key = options.string(.key) ?? ""
            guard try spo.invocation.confirmedRemoval(options, "the \(key) property") else { return }
            let (web, identity) = try owner(spo, options)
            try write(spo, web: web, identity: identity, folder: options.has(.folder), key: key, value: nil)
        },
    ]
}
