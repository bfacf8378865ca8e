import PluginKit
import TextEncodings

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

    /// Parses the file's elements (`<a href>` and `<DefaultValue FieldName>` with their text, each
    /// `<a>` wherever it is, as the CLI's `getElementsByTagName`). A `>` inside a quoted attribute
    /// value does not end its tag; comments and processing instructions are skipped; CDATA is text.
    init(parsing xml: String) {
        var current: Folder?
        var field: String?
        var text = ""
        var i = xml.startIndex
        while let open = xml[i...].firstIndex(of: "<") {
            if field != nil { text += Self.unescape(String(xml[i..<open])) }
            let rest = xml[open...]
            if rest.hasPrefix("<!--") {
                guard let end = rest.firstRange(of: "-->") else { break }
                i = end.upperBound
                continue
            }
            if rest.hasPrefix("<![CDATA[") {
                guard let end = rest.firstRange(of: "]]>") else { break }
                if field != nil { text += rest[rest.index(open, offsetBy: 9)..<end.lowerBound] }
                i = end.upperBound
                continue
            }
            guard let close = Self.tagEnd(xml, after: open) else { break }
            let tag = String(xml[xml.index(after: open)..<close])
            i = xml.index(after: close)
            if tag.hasPrefix("?") || tag.hasPrefix("!") { continue }
            if tag.hasPrefix("/") {
                let name = String(tag.dropFirst()).trimmingSpaces
                if name == "DefaultValue", let f = field {
                    current?.values.append((f, text))
                    field = nil
                } else if name == "a", let c = current {
                    folders.append(c)
                    current = nil
                }
                continue
            }
            let (name, attributes, selfClosing) = Self.element(tag)
            if name == "a" {
                current = Folder(href: attributes["href"] ?? "", values: [])
                if selfClosing, let c = current { folders.append(c); current = nil }
            } else if name == "DefaultValue" {
                let f = attributes["FieldName"] ?? ""
                if selfClosing { current?.values.append((f, "")) } else { field = f; text = "" }
            }
        }
    }

    /// The `>` that ends the tag opened at `open`: the first one outside a quoted value.
    static func tagEnd(_ xml: String, after open: String.Index) -> String.Index? {
        var quote: Character?
        var i = xml.index(after: open)
        while i < xml.endIndex {
            let c = xml[i]
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == ">" {
                return i
            }
            i = xml.index(after: i)
        }
        return nil
    }

    /// A start tag's name, its attributes (values unescaped; spaces allowed around `=`) and
    /// whether it closes itself.
    static func element(_ tag: String) -> (name: String, attributes: [String: String], selfClosing: Bool) {
        let chars = Array(tag)
        var k = 0
        func isSpace(_ c: Character) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" }
        while k < chars.count, !isSpace(chars[k]), chars[k] != "/" { k += 1 }
        let name = String(chars[0..<k])
        var attributes: [String: String] = [:]
        var selfClosing = false
        while k < chars.count {
            while k < chars.count, isSpace(chars[k]) { k += 1 }
            guard k < chars.count else { break }
            if chars[k] == "/" { selfClosing = true; k += 1; continue }
            let start = k
            while k < chars.count, !isSpace(chars[k]), chars[k] != "=", chars[k] != "/" { k += 1 }
            let attribute = String(chars[start..<k])
            while k < chars.count, isSpace(chars[k]) { k += 1 }
            guard k < chars.count, chars[k] == "=" else { continue }
            k += 1
            while k < chars.count, isSpace(chars[k]) { k += 1 }
            guard k < chars.count, chars[k] == "\"" || chars[k] == "'" else { continue }
            let quote = chars[k]
            k += 1
            let valueStart = k
            while k < chars.count, chars[k] != quote { k += 1 }
            if attributes[attribute] == nil { attributes[attribute] = unescape(String(chars[valueStart..<min(k, chars.count)])) }
            k += 1
        }
        return (name, attributes, selfClosing)
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

/// `spo list defaultvalue …`: default column values of a document library, by folder.
enum ListDefaultValueCommands {
    static let webUrl = option(.webUrl, "u", "URL of the site (absolute, or server-relative like /sites/x)", required: true)
    static let listChoice = [option(.listId, "i", "ID of the library"), option(.listTitle, "t", "Title of the library"),
                             option(.listUrl, nil, "Server- or site-relative URL of the library")]
    static let listSet = [["listId", "listTitle", "listUrl"]]
    static let fieldName = option(.defaultFieldName, nil, "Internal name of the field", required: true)
    static let folderUrl = option(.folderUrl, nil, "Server- or site-relative URL of a folder of the library (the library's root when left out)")

    /// `listId` as the CLI's schema checks it (zod's `z.uuid()`: RFC 9562 version and variant
    /// digits, or the nil and max UUIDs), worded as the CLI prints zod's failure.
    static func checkListId(_ options: Options) throws(PluginFailure) {
        guard let id = options.string(.listId) else { return }
        let lower = id.lowercased()
        let parts = lower.split(separator: "-", omittingEmptySubsequences: false)
        let valid = isGUID(id) && (lower == "00000000-0000-0000-0000-000000000000" || lower == "ffffffff-ffff-ffff-ffff-ffffffffffff"
            || ("12345678".contains(parts[2].first ?? "x") && "89ab".contains(parts[3].first ?? "x")))
        if !valid { throw usage("listId: Invalid UUID") }
    }

    /// The library's root folder URL (one request, as the CLI's): a list that is no library, or
    /// none, fails as the CLI words it. `list` and `get` put a list URL into the path as given
    /// (the URL parser then escapes spaces and the like); the others encode it as a parameter.
    static func libraryRoot(_ spo: SPOClient, web: String, _ options: Options, notLibrary: String, encodeListURL: Bool) throws(PluginFailure) -> String {
        let label = options.string(.listId) ?? options.string(.listTitle) ?? options.string(.listUrl) ?? ""
        var path = web + "/_api/Web"
        if let url = options.string(.listUrl) {
            let relative = SPOClient.serverRelative(listURL: url, web: web)
            path += "/GetList('" + (encodeListURL ? FieldCommands.encoded(relative) : urlPathEscaped(relative)) + "')"
        } else if let id = options.string(.listId) {
            path += "/Lists('\(id)')"
        } else {
            path += "/Lists/GetByTitle(\(FieldCommands.quoted(options.string(.listTitle) ?? "")))"
        }
        let list: JSONObject
        do {
            list = try spo.get(path + "?$expand=RootFolder&$select=RootFolder/ServerRelativeUrl,BaseTemplate")
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

    /// Text put into a URL's path as a WHATWG URL parser leaves it: spaces, quotes, `<>`, backticks,
    /// braces, controls and non-ASCII escaped, the rest as is. (`#` and `?` are escaped too: the
    /// CLI's URL would end its path there.)
    static func urlPathEscaped(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if byte <= 0x20 || byte >= 0x7F || "\"#<>?`{}".utf8.contains(byte) {
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            } else {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return out
    }

    /// `{web}/_api/Web/GetFileByServerRelativePath(decodedUrl='…')/$value` of the library's defaults file, as the CLI addresses it.
    static func defaultsFile(_ web: String, _ root: String) -> String {
        web + "/_api/Web/GetFileByServerRelativePath(decodedUrl='\(FieldCommands.encoded(root + "/Forms/" + MetadataDefaults.fileName))')/$value"
    }

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
            try checkListId(options)
            let web = try spo.webURL(options, .webUrl)
            let root = try libraryRoot(spo, web: web, options, notLibrary: "List '{list}' is not a document library.", encodeListURL: false)
            var entries = try read(spo, web: web, root: root).map { MetadataDefaults(parsing: $0).entries } ?? []
            if let folder = folder(options, web: web) {
                entries = entries.filter { ($0["folderUrl"]?.stringValue ?? "").lowercased() == folder.lowercased() }
            }
            try spo.invocation.emit(result: .array(entries))
        },

        command("list defaultvalue get", "Gets a specific default column value from a list",
                options: [webUrl] + listChoice + [fieldName, folderUrl], sets: listSet,
                examples: [("A default at the library's root", "m365 spo list defaultvalue get --webUrl https://contoso.sharepoint.com/sites/sales --listTitle Documents --fieldName DocumentType")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try checkListId(options)
            let web = try spo.webURL(options, .webUrl)
            let root = try libraryRoot(spo, web: web, options, notLibrary: "List '{list}' is not a document library.", encodeListURL: false)
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
            try checkListId(options)
            let value = options.string(.defaultFieldValue) ?? ""
            guard !value.isEmpty else { throw usage("The value cannot be empty. Use 'spo list defaultvalue remove' to remove a default column value.") }
            if let folder = options.string(.folderUrl), folder.contains("#") || folder.contains("%") {
                throw usage("Due to limitations in SharePoint Online, setting default column values for folders with a # or % character in their path is not supported.")
            }
            let web = try spo.webURL(options, .webUrl)
            let root = try libraryRoot(spo, web: web, options, notLibrary: "The specified list is not a document library.", encodeListURL: true)
            var target = root
            if let folder = folder(options, web: web) {
                // The folder's URL as SharePoint cases it, from its item (as the CLI asks).
                let item = try spo.get(web + "/_api/Web/GetFolderByServerRelativePath(decodedUrl='\(FieldCommands.encoded(folder))')/ListItemAllFields?$select=FileRef")
                guard let ref = item["FileRef"]?.stringValue, !ref.isEmpty else { throw PluginFailure("Folder '\(folder)' was not found.", status: M365_ERR_NOT_FOUND) }
                target = ref
            }
            var text = try read(spo, web: web, root: root)
            if text == nil {
                // A library that never had defaults has no file yet: made empty first, as the CLI does.
                let empty = "<MetadataDefaults />"
                // The CLI writes a space after the comma; its URL parser sends it as %20.
                _ = try spo.answer("POST", web + "/_api/Web/GetFolderByServerRelativePath(decodedUrl='\(FieldCommands.encoded(root + "/Forms"))')"
                                   + "/Files/Add(url='\(MetadataDefaults.fileName)',%20overwrite=false)",
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
            try checkListId(options)
            let field = options.string(.defaultFieldName) ?? ""
            let from = options.string(.folderUrl).map { "'\($0)'" } ?? "the root of the list"
            guard try spo.invocation.confirmedRemoval(options, "default column value '\(field)' from \(from)") else { return }
            let web = try spo.webURL(options, .webUrl)
            let root = try libraryRoot(spo, web: web, options, notLibrary: "The specified list is not a document library.", encodeListURL: true)
            let href = (folder(options, web: web) ?? root).replacing(" ", with: "%20").lowercased()
            guard let text = try read(spo, web: web, root: root) else { throw PluginFailure("Default column value '\(field)' was not found.", status: M365_ERR_NOT_FOUND) }
            var doc = MetadataDefaults(parsing: text)
            guard let f = doc.folders.firstIndex(where: { $0.href.lowercased() == href && $0.values.contains { $0.field == field } }) else {
                throw PluginFailure("Default column value '\(field)' was not found.", status: M365_ERR_NOT_FOUND)
            }
            // The first such value only, as the CLI; its folder goes when nothing else is left in it.
            if let v = doc.folders[f].values.firstIndex(where: { $0.field == field }) { doc.folders[f].values.remove(at: v) }
            if doc.folders[f].values.isEmpty { doc.folders.remove(at: f) }
            try write(spo, web: web, root: root, doc.xml)
        },

        command("list defaultvalue clear", "Clears default column values for a specific document library",
                options: [webUrl] + listChoice + [option(.defaultFieldName, nil, "Clear only this field's defaults (internal name)"),
                                                  option(.folderUrl, nil, "Clear only this folder's defaults"), forceOption],
                sets: listSet,
                examples: [("Every default of a library", "m365 spo list defaultvalue clear --webUrl https://contoso.sharepoint.com/sites/sales --listTitle Documents --force"),
                           ("One field's defaults", "m365 spo list defaultvalue clear --webUrl /sites/sales --listTitle Documents --fieldName DocumentType --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try checkListId(options)
            let field = options.string(.defaultFieldName)
            if field != nil && options.has(.folderUrl) { throw usage("Specify 'fieldName' or 'folderUrl', but not both.") }
            let scope = field.map { " for field '\($0)'" } ?? options.string(.folderUrl).map { " for folder \($0)" } ?? ""
            guard try spo.invocation.confirmed(options, "Are you sure you want to clear all default values\(scope)?", needing: "clearing default values") else { return }
            let web = try spo.webURL(options, .webUrl)
            let root = try libraryRoot(spo, web: web, options, notLibrary: "The specified list is not a document library.", encodeListURL: true)
            guard let text = try read(spo, web: web, root: root) else { return }
            var xml = "<MetadataDefaults />"
            if field != nil || options.has(.folderUrl) {
                var doc = MetadataDefaults(parsing: text)
                // As the CLI: the first folder that matches; or, in each folder, the field's first value.
                // (The CLI's live node list then skips the folder after one it removed; we do not.)
                if let folder = folder(options, web: web)?.lowercased() {
                    if let f = doc.folders.firstIndex(where: { percentDecode($0.href).lowercased() == folder }) { doc.folders.remove(at: f) }
                } else if let field = field?.lowercased() {
                    var emptied: Set<Int> = []
                    for i in doc.folders.indices {
                        guard let v = doc.folders[i].values.firstIndex(where: { $0.field.lowercased() == field }) else { continue }
                        doc.folders[i].values.remove(at: v)
                        if doc.folders[i].values.isEmpty { emptied.insert(i) }
                    }
                    doc.folders = doc.folders.enumerated().filter { !emptied.contains($0.offset) }.map(\.element)
                }
                xml = doc.xml
            }
            try write(spo, web: web, root: root, xml, ifMatch: true)
        },
    ]
}
