import PluginKit

extension OptionKey where Value == String {
    static var defaultFieldName: Self { Self("fieldName") }
    static var defaultFieldValue: Self { Self("fieldValue") }
}

/// A library's default column values, as SharePoint keeps them in `Forms/client_LocationBasedDefaults.html`:
/// `<MetadataDefaults><a href="/sites/x/Lib/Folder"><DefaultValue FieldName="F">v</DefaultValue></a></MetadataDefaults>`.
/// Read and written as CLI for Microsoft 365 does, element by element; anything else in the file
/// (SharePoint writes nothing else there) is not kept when the file is written back.
struct MetadataDefaults {
    struct Folder {
        /// As written: spaces as `%20`.
        var href: String
        var values: [(field: String, value: String)]
    }
    var folders: [Folder] = []

    static let fileName = "client_LocationBasedDefaults.html"

    /// Parses the file's elements (`<a href>` and `<DefaultValue FieldName>` with their text).
    init(parsing xml: String) {
        var current: Folder?
        var field: String?
        var text = ""
        var i = xml.startIndex
        while let open = xml[i...].firstIndex(of: "<") {
            if field != nil { text += xml[i..<open] }
            guard let close = xml[open...].firstIndex(of: ">") else { break }
            let tag = String(xml[xml.index(after: open)..<close])
            i = xml.index(after: close)
            if tag.hasPrefix("/") {
                let name = String(tag.dropFirst()).trimmingSpaces
                if name == "DefaultValue", let f = field {
                    current?.values.append((f, Self.unescape(text)))
                    field = nil
                } else if name == "a", let c = current {
                    folders.append(c)
                    current = nil
                }
                continue
            }
            let selfClosing = tag.hasSuffix("/")
            let name = String(tag.prefix { $0 != " " && $0 != "/" && $0 != "\t" && $0 != "\n" })
            if name == "a" {
                current = Folder(href: Self.attribute("href", in: tag) ?? "", values: [])
                if selfClosing, let c = current { folders.append(c); current = nil }
            } else if name == "DefaultValue" {
                let f = Self.attribute("FieldName", in: tag) ?? ""
                if selfClosing { current?.values.append((f, "")) } else { field = f; text = "" }
            }
        }
    }

    /// The document as the CLI's XML library writes it.
    var xml: String {
        guard !folders.isEmpty else { return "<MetadataDefaults/>" }
        return "<MetadataDefaults>" + folders.map { folder in
            let values = folder.values.map { "<DefaultValue FieldName=\"\(Self.escape($0.field, attribute: true))\">\(Self.escape($0.value, attribute: false))</DefaultValue>" }
            return "<a href=\"\(Self.escape(folder.href, attribute: true))\">" + values.joined() + "</a>"
        }.joined() + "</MetadataDefaults>"
    }

    /// Each value with its folder's decoded URL, in the file's order.
    var entries: [JSON] {
        folders.flatMap { folder in
            folder.values.map { ["fieldName": .string($0.field), "fieldValue": .string($0.value), "folderUrl": .string(percentDecode(folder.href))] as JSON }
        }
    }

    static func attribute(_ name: String, in tag: String) -> String? {
        guard let range = tag.firstRange(of: " " + name + "=") ?? tag.firstRange(of: "\t" + name + "=") else { return nil }
        var rest = tag[range.upperBound...]
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return nil }
        rest = rest.dropFirst()
        return unescape(String(rest.prefix { $0 != quote }))
    }

    static func escape(_ text: String, attribute: Bool) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == "&", let semi = text[i...].firstIndex(of: ";") {
                let entity = text[text.index(after: i)..<semi]
                var decoded: String?
                switch entity {
                case "amp": decoded = "&"
                case "lt": decoded = "<"
                case "gt": decoded = ">"
                case "quot": decoded = "\""
                case "apos": decoded = "'"
                default:
                    if entity.hasPrefix("#x"), let n = UInt32(entity.dropFirst(2), radix: 16), let u = Unicode.Scalar(n) { decoded = String(Character(u)) }
                    else if entity.hasPrefix("#"), let n = UInt32(entity.dropFirst()), let u = Unicode.Scalar(n) { decoded = String(Character(u)) }
                }
                if let decoded { out += decoded; i = text.index(after: semi); continue }
            }
            out.append(text[i])
            i = text.index(after: i)
        }
        return out
    }
}

/// `%20` and other escapes decoded (as `decodeURIComponent`); text that is not valid stays as is.
func percentDecode(_ text: String) -> String {
    guard text.contains("%") else { return text }
    var bytes: [UInt8] = []
    var utf8 = Array(text.utf8)[...]
    while let b = utf8.first {
        if b == UInt8(ascii: "%"), utf8.count >= 3,
           let n = UInt8(String(decoding: utf8.dropFirst().prefix(2), as: UTF8.self), radix: 16) {
            bytes.append(n)
            utf8 = utf8.dropFirst(3)
        } else {
            bytes.append(b)
            utf8 = utf8.dropFirst()
        }
    }
    return String(validating: bytes, as: UTF8.self) ?? text
}

/// `spo list defaultvalue …`: default column values of a document library, by folder.
enum ListDefaultValueCommands {
    static let webUrl = option(.webUrl, "u", "URL of the site (absolute, or server-relative like /sites/x)", required: true)
    static let listChoice = [option(.listId, "i", "ID of the library"), option(.listTitle, "t", "Title of the library"),
                             option(.listUrl, nil, "Server- or site-relative URL of the library")]
    static let listSet = [["listId", "listTitle", "listUrl"]]
    static let fieldName = option(.defaultFieldName, nil, "Internal name of the field", required: true)
    static let folderUrl = option(.folderUrl, nil, "Server- or site-relative URL of a folder of the library (the library's root when left out)")

    /// The library's root folder URL (one request, as the CLI's): a list that is no library, or
    /// none, fails as the CLI words it.
    static func libraryRoot(_ spo: SPOClient, web: String, _ options: Options, notLibrary: String) throws(PluginFailure) -> String {
        let label = options.string(.listId) ?? options.string(.listTitle) ?? options.string(.listUrl) ?? ""
        let path: String
        if let url = options.string(.listUrl) {
            path = web + "/_api/Web/GetList(\(FieldCommands.quoted(SPOClient.serverRelative(listURL: url, web: web))))"
        } else if let id = options.string(.listId) {
            path = web + "/_api/Web/Lists(\(FieldCommands.quoted(id)))"
        } else {
            path = web + "/_api/Web/Lists/GetByTitle(\(FieldCommands.quoted(options.string(.listTitle) ?? "")))"
        }
        let list: JSONObject
        do {
            list = try spo.get(path + OData.query([("$expand", "RootFolder"), ("$select", "RootFolder/ServerRelativeUrl,BaseTemplate")]))
        } catch {
            if error.status == M365_ERR_NOT_FOUND { throw PluginFailure("List '\(label)' was not found.", status: M365_ERR_NOT_FOUND) }
            throw error
        }
        guard list["BaseTemplate"]?.intValue == 101 else { throw PluginFailure(notLibrary.replacing("{list}", with: label)) }
        guard let root = list["RootFolder"]?["ServerRelativeUrl"]?.stringValue else {
            throw PluginFailure("SharePoint did not return the library's root folder", status: M365_ERR_SERVER)
        }
        return root
    }

    static func defaultsFile(_ web: String, _ root: String) -> String { SPOPath.file(web, root + "/Forms/" + MetadataDefaults.fileName, "/$value") }

    /// The defaults file's text, or nil when the library has none yet.
    static func read(_ spo: SPOClient, web: String, root: String) throws(PluginFailure) -> String? {
        do {
            return try spo.answer("GET", defaultsFile(web, root)).text
        } catch {
            if error.status == M365_ERR_NOT_FOUND { return nil }
            throw error
        }
    }

    static func write(_ spo: SPOClient, web: String, root: String, _ xml: String, ifMatch: Bool = false) throws(PluginFailure) {
        _ = try spo.answer("PUT", defaultsFile(web, root), raw: ("text/plain", Array(xml.utf8)), headers: ifMatch ? [("If-Match", "*")] : [])
    }

    /// A folder option as a server-relative URL without a trailing slash.
    static func folder(_ options: Options, web: String) -> String? {
        options.string(.folderUrl).map { SPOClient.trimSlash(SPOClient.serverRelative(listURL: $0, web: web)) }
    }

    static func label(_ options: Options) -> String { options.string(.listId) ?? options.string(.listTitle) ?? options.string(.listUrl) ?? "" }

    static let all: [PluginCommand] = [
        command("list defaultvalue list", "Retrieves default column values for a specific document library",
                options: [webUrl] + listChoice + [folderUrl], sets: listSet,
                examples: [("Every default of a library", "m365 spo list defaultvalue list --webUrl https://contoso.sharepoint.com/sites/sales --listTitle Documents"),
                           ("The defaults of one folder", "m365 spo list defaultvalue list --webUrl /sites/sales --listTitle Documents --folderUrl '/sites/sales/Shared Documents/Contracts'")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.listId])
            let web = try spo.webURL(options, .webUrl)
            let root = try libraryRoot(spo, web: web, options, notLibrary: "List '{list}' is not a document library.")
            var entries = try read(spo, web: web, root: root).map { MetadataDefaults(parsing: $0).entries } ?? []
            if let folder = folder(options, web: web) {
                entries = entries.filter { ($0["folderUrl"]?.stringValue ?? "").lowercased() == folder.lowercased() }
            }
            try spo.invocation.emit(result: .array(entries))
        },

        command("list defaultvalue get", "Gets a specific default column value from a list",
                options: [webUrl] + listChoice + [fieldName, folderUrl], sets: listSet,
                examples: [("A default at the library's root", "m365 spo list defaultvalue get --webUrl https://contoso.sharepoint.com/sites/sales --listTitle Documents --fieldName DocumentType")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.listId])
            let web = try spo.webURL(options, .webUrl)
            let root = try libraryRoot(spo, web: web, options, notLibrary: "List '{list}' is not a document library.")
            let name = options.string(.defaultFieldName) ?? ""
            let where_ = (folder(options, web: web) ?? root).lowercased()
            let entries = try read(spo, web: web, root: root).map { MetadataDefaults(parsing: $0).entries } ?? []
            guard let found = entries.first(where: {
                ($0["fieldName"]?.stringValue ?? "").lowercased() == name.lowercased() && ($0["folderUrl"]?.stringValue ?? "").lowercased() == where_
            }) else {
                let inFolder = options.string(.folderUrl).map { " in folder '\($0)'" } ?? ""
                throw PluginFailure("No default column value found for field '\(name)'\(inFolder).", status: M365_ERR_NOT_FOUND)
            }
            try spo.invocation.emit(result: found)
        },

        command("list defaultvalue set", "Sets default column values for a specific document library",
                options: [webUrl] + listChoice + [fieldName, option(.defaultFieldValue, nil, "The default value", required: true), folderUrl],
                sets: listSet,
                examples: [("At the library's root", "m365 spo list defaultvalue set --webUrl https://contoso.sharepoint.com/sites/sales --listTitle Documents --fieldName DocumentType --fieldValue Invoice"),
                           ("For one folder", "m365 spo list defaultvalue set --webUrl /sites/sales --listTitle Documents --fieldName DocumentType --fieldValue Contract --folderUrl '/Shared Documents/Contracts'")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.listId])
            let value = options.string(.defaultFieldValue) ?? ""
            guard !value.isEmpty else { throw usage("The value cannot be empty. Use 'spo list defaultvalue remove' to remove a default column value.") }
            if let folder = options.string(.folderUrl), folder.contains("#") || folder.contains("%") {
                throw usage("Due to limitations in SharePoint Online, setting default column values for folders with a # or % character in their path is not supported.")
            }
            let web = try spo.webURL(options, .webUrl)
            let root = try libraryRoot(spo, web: web, options, notLibrary: "The specified list is not a document library.")
            var target = root
            if let folder = folder(options, web: web) {
                // The folder's URL as SharePoint cases it, from its item (as the CLI asks).
                let item = try spo.get(SPOPath.folder(web, folder, "/ListItemAllFields", query: [("$select", "FileRef")]))
                guard let ref = item["FileRef"]?.stringValue, !ref.isEmpty else { throw PluginFailure("Folder '\(folder)' was not found.", status: M365_ERR_NOT_FOUND) }
                target = ref
            }
            var text = try read(spo, web: web, root: root)
            if text == nil {
                // A library that never had defaults has no file yet: made empty first, as the CLI does.
                let empty = "<MetadataDefaults />"
                _ = try spo.answer("POST", SPOPath.folder(web, root + "/Forms", "/Files/Add(url='\(MetadataDefaults.fileName)',overwrite=false)"),
                                   raw: ("text/plain", Array(empty.utf8)))
                text = empty
            }
            var doc = MetadataDefaults(parsing: text ?? "")
            let href = target.replacing(" ", with: "%20")
            let field = options.string(.defaultFieldName) ?? ""
            if let f = doc.folders.firstIndex(where: { $0.href == href }) {
                if let v = doc.folders[f].values.firstIndex(where: { $0.field == field }) {
                    doc.folders[f].values[v].value = value
                } else {
                    doc.folders[f].values.append((field, value))
                }
            } else {
                doc.folders.append(.init(href: href, values: [(field, value)]))
            }
            try write(spo, web: web, root: root, doc.xml)
        },

        command("list defaultvalue remove", "Removes a specific default column value for a specific document library",
                options: [webUrl] + listChoice + [fieldName, folderUrl, forceOption], sets: listSet,
                examples: [("At the library's root", "m365 spo list defaultvalue remove --webUrl https://contoso.sharepoint.com/sites/sales --listTitle Documents --fieldName DocumentType --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.listId])
            let field = options.string(.defaultFieldName) ?? ""
            let from = options.string(.folderUrl).map { "'\($0)'" } ?? "the root of the list"
            guard try spo.invocation.confirmedRemoval(options, "default column value '\(field)' from \(from)") else { return }
            let web = try spo.webURL(options, .webUrl)
            let root = try libraryRoot(spo, web: web, options, notLibrary: "The specified list is not a document library.")
            let href = (folder(options, web: web) ?? root).replacing(" ", with: "%20").lowercased()
            guard let text = try read(spo, web: web, root: root) else { throw PluginFailure("Default column value '\(field)' was not found.", status: M365_ERR_NOT_FOUND) }
            var doc = MetadataDefaults(parsing: text)
            guard let f = doc.folders.firstIndex(where: { $0.href.lowercased() == href && $0.values.contains { $0.field == field } }) else {
                throw PluginFailure("Default column value '\(field)' was not found.", status: M365_ERR_NOT_FOUND)
            }
            doc.folders[f].values.removeAll { $0.field == field }
            if doc.folders[f].values.isEmpty { doc.folders.remove(at: f) }
            try write(spo, web: web, root: root, doc.xml)
        },

        command("list defaultvalue clear", "Clears default column values for a specific document library",
                options: [webUrl] + listChoice + [option(.defaultFieldName, nil, "Clear only this field's defaults (internal name)"),
                                                  option(.folderUrl, nil, "Clear only this folder's defaults"), forceOption],
                sets: listSet,
                examples: [("Every default of a library", "m365 spo list defaultvalue clear --webUrl https://contoso.sharepoint.com/sites/sales --listTitle Documents --force"),
                           ("One field's defaults", "m365 spo list defaultvalue clear --webUrl /sites/sales --listTitle Documents --fieldName DocumentType --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.listId])
            let field = options.string(.defaultFieldName)
            if field != nil && options.has(.folderUrl) { throw usage("Specify 'fieldName' or 'folderUrl', but not both.") }
            let scope = field.map { " for field '\($0)'" } ?? options.string(.folderUrl).map { " for folder \($0)" } ?? ""
            guard try spo.invocation.confirmed(options, "Are you sure you want to clear all default values\(scope)?", needing: "clearing default values") else { return }
            let web = try spo.webURL(options, .webUrl)
            let root = try libraryRoot(spo, web: web, options, notLibrary: "The specified list is not a document library.")
            guard let text = try read(spo, web: web, root: root) else { return }
            var xml = "<MetadataDefaults />"
            if field != nil || options.has(.folderUrl) {
                var doc = MetadataDefaults(parsing: text)
                if let folder = folder(options, web: web)?.lowercased() {
                    doc.folders.removeAll { percentDecode($0.href).lowercased() == folder }
                } else if let field = field?.lowercased() {
                    for i in doc.folders.indices { doc.folders[i].values.removeAll { $0.field.lowercased() == field } }
                    doc.folders.removeAll { $0.values.isEmpty }
                }
                xml = doc.xml
            }
            try write(spo, web: web, root: root, xml, ifMatch: true)
        },
    ]
}
