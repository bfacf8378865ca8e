import Foundation
import JSONModel
import NIOHTTP1

/// `GET {web}/_api/search/query`: SharePoint search over the tenant's webs and list items.
/// Query text: `*`, free-text words (matched in any text property), `Property:value` (a trailing
/// `*` is a prefix match) and `Property>n`/`Property<n` for numbers, all required. Also
/// `selectproperties`, `rowlimit` (at most 500), `startrow`, `sortlist` (`Prop:ascending|descending`),
/// `refinementfilters` (`Prop:equals("v")`, `Prop:"v"`) and `sourceid` (a GUID).
enum SharePointSearch {
    static func register(_ r: inout Router<SharePointRequest>.RouteList) {
        r.sharePoint(.GET, "_api/search/query") { req, _ in try query(req) }
    }

    static let maxRowLimit = 500
    static let defaultSelect = ["Rank", "DocId", "Title", "Path", "OriginalPath", "Author", "Size", "Write", "contentclass", "SiteName", "SPWebUrl"]

    /// One indexed document: its managed properties as text, in a fixed order.
    typealias Document = [(key: String, value: String, type: String)]

    /// Webs first, then each list's items, in URL and id order: DocIds are stable while the
    /// content is.
    static func index(_ r: SharePointRequest) -> [Document] {
        r.store.with(r.tenant.id) { webs in
            var docs: [Document] = []
            for web in webs.values.sorted(by: { $0.url < $1.url }) where !SharePointContentTypes.isHub(web.siteCollectionURL) {
                let siteTitle = webs[web.siteCollectionURL.lowercased()]?.title ?? web.title
                docs.append([("Title", web.title, "Edm.String"), ("Path", web.url, "Edm.String"), ("OriginalPath", web.url, "Edm.String"),
                             ("Author", "", "Edm.String"), ("Size", "0", "Edm.Int64"), ("Write", web.lastItemModified, "Edm.DateTime"),
                             ("contentclass", web.url == web.siteCollectionURL ? "STS_Site" : "STS_Web", "Edm.String"),
                             ("SiteName", web.siteCollectionURL, "Edm.String"), ("SPWebUrl", web.url, "Edm.String"),
                             ("SiteTitle", siteTitle, "Edm.String"), ("Description", web.description, "Edm.String")])
                for list in web.lists where !list.hidden {
                    for item in list.items {
                        let path = "\(web.url)/\(list.url)/DispForm.aspx?ID=\(item.id)"
                        docs.append([("Title", item.fields["Title"]?.stringValue ?? "", "Edm.String"), ("Path", path, "Edm.String"),
                                     ("OriginalPath", path, "Edm.String"), ("Author", "", "Edm.String"), ("Size", "0", "Edm.Int64"),
                                     ("Write", item.modified, "Edm.DateTime"),
                                     ("contentclass", list.isLibrary ? "STS_ListItem_DocumentLibrary" : "STS_ListItem_GenericList", "Edm.String"),
                                     ("SiteName", web.siteCollectionURL, "Edm.String"), ("SPWebUrl", web.url, "Edm.String"),
                                     ("ListId", list.id, "Edm.Guid"), ("ListItemID", String(item.id), "Edm.Int64"),
                                     ("SiteTitle", siteTitle, "Edm.String")])
                    }
                }
            }
            for (i, _) in docs.enumerated() { docs[i].insert(("DocId", String(i + 1), "Edm.Int64"), at: 0) }
            return docs
        }
    }

    static func value(_ doc: Document, _ key: String) -> String? {
        // `IndexDocId>n` in query text (paging by DocId) compares the DocId.
        let key = key.caseInsensitiveCompare("IndexDocId") == .orderedSame ? "DocId" : key
        return doc.first { $0.key.caseInsensitiveCompare(key) == .orderedSame }?.value
    }

    /// `'text'` → `text` (quotes doubled inside).
    static func unquote(_ s: String?) -> String? {
        guard var s else { return nil }
        if s.count >= 2, s.hasPrefix("'"), s.hasSuffix("'") { s = String(s.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'") }
        return s
    }

    /// Splits query text on spaces outside double quotes.
    static func terms(_ text: String) -> [String] {
        var out: [String] = [], current = "", quoted = false
        for c in text {
            if c == "\"" { quoted.toggle(); continue }
            if c == " " && !quoted {
                if !current.isEmpty { out.append(current) }
                current = ""
            } else { current.append(c) }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    static func matches(_ doc: Document, term: String) -> Bool {
        if term == "*" || term.uppercased() == "AND" { return true }
        for op in [">=", "<=", ">", "<"] {
            if let range = term.range(of: op) {
                let key = String(term[..<range.lowerBound]), bound = Double(term[range.upperBound...]) ?? 0
                guard let v = value(doc, key).flatMap(Double.init) else { return false }
                switch op { case ">=": return v >= bound; case "<=": return v <= bound; case ">": return v > bound; default: return v < bound }
            }
        }
        if let colon = term.firstIndex(of: ":"), term[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), colon != term.startIndex {
            let key = String(term[..<colon]), wanted = String(term[term.index(after: colon)...]).lowercased()
            guard let v = value(doc, key)?.lowercased() else { return false }
            return wanted.hasSuffix("*") ? v.hasPrefix(String(wanted.dropLast())) : v == wanted
        }
        let word = term.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "*"))
        return doc.contains { $0.type == "Edm.String" && $0.key != "Path" && $0.key != "OriginalPath" && $0.value.lowercased().contains(word) }
    }

    static func query(_ r: SharePointRequest) throws -> EmulatorResponse {
        let q = r.request.query
        func param(_ name: String) -> String? { q.first { $0.key.lowercased() == name }?.value }
        guard let text = unquote(param("querytext")), !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw SPError(.badRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "The parameter querytext is empty or missing.")
        }
        let rowLimit = try number(param("rowlimit"), "rowlimit") ?? 10
        let startRow = try number(param("startrow"), "startrow") ?? 0
        if let source = unquote(param("sourceid")), UUID(uuidString: source) == nil {
            throw SPError(.badRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "The source id '\(source)' is not a valid GUID.")
        }
        var docs = index(r).filter { doc in terms(text).allSatisfy { matches(doc, term: $0) } }
        if let filters = unquote(param("refinementfilters")), !filters.isEmpty {
            for f in filters.split(separator: ",").map(String.init) {
                guard let colon = f.firstIndex(of: ":") else { continue }
                let key = String(f[..<colon])
                var wanted = String(f[f.index(after: colon)...])
                if wanted.lowercased().hasPrefix("equals("), wanted.hasSuffix(")") { wanted = String(wanted.dropFirst(7).dropLast()) }
                wanted = wanted.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                docs = docs.filter { value($0, key)?.caseInsensitiveCompare(wanted) == .orderedSame }
            }
        }
        if let sort = unquote(param("sortlist")), !sort.isEmpty {
            let keys: [(String, Bool)] = sort.split(separator: ",").map { part in
                let bits = part.split(separator: ":")
                let key = String(bits.first ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                return (key, bits.count > 1 && bits[1].lowercased() == "descending")
            }
            docs.sort { a, b in
                for (key, desc) in keys {
                    let l = value(a, key) ?? "", rr = value(b, key) ?? ""
                    if l == rr { continue }
                    let less = Double(l).flatMap { x in Double(rr).map { x < $0 } } ?? (l < rr)
                    return desc ? !less : less
                }
                return false
            }
        }
        let select = unquote(param("selectproperties")).map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        let wanted = ["Rank", "DocId"] + (select.isEmpty ? defaultSelect : select)
        let page = docs.dropFirst(startRow).prefix(min(rowLimit, maxRowLimit))
        let rows: [JSON] = page.enumerated().map { i, doc in
            var cells: [JSON] = []
            var seen = Set<String>()
            for key in wanted where seen.insert(key.lowercased()).inserted {
                if key == "Rank" {
                    cells.append(["Key": "Rank", "Value": .string(String(format: "%.4f", 100.0 - Double(startRow + i))), "ValueType": "Edm.Double"])
                } else if let cell = doc.first(where: { $0.key.caseInsensitiveCompare(key) == .orderedSame }) {
                    cells.append(["Key": .string(cell.key), "Value": .string(cell.value), "ValueType": .string(cell.type)])
                } else {
                    cells.append(["Key": .string(key), "Value": nil, "ValueType": "Null"])
                }
            }
            return ["Cells": .array(cells)]
        }
        let relevant: JSON = [
            "GroupTemplateId": nil, "ItemTemplateId": nil, "Properties": [], "ResultTitle": nil, "ResultTitleUrl": nil,
            "RowCount": JSON(rows.count), "Table": ["Rows": .array(rows)], "TotalRows": JSON(docs.count),
            "TotalRowsIncludingDuplicates": JSON(docs.count),
        ]
        let result: JSON = [
            "ElapsedTime": 3,
            "PrimaryQueryResult": ["CustomResults": [], "QueryId": .string(Util.newGUID()), "QueryRuleId": "00000000-0000-0000-0000-000000000000",
                                   "RefinementResults": nil, "RelevantResults": relevant, "SpecialTermResults": nil],
            "Properties": [], "SecondaryQueryResults": [], "SpellingSuggestion": "", "TriggeredRules": [],
        ]
        return .json(r.format == .verbose ? ["d": ["query": result]] : result)
    }

    static func number(_ text: String?, _ name: String) throws -> Int? {
        guard let text else { return nil }
        guard let n = Int(text), n >= 0 else {
            throw SPError(.badRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "The expression \"\(name)=\(text)\" is not valid.")
        }
        return n
    }
}
