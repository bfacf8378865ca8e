import PluginKit

/// `spo search`: SharePoint search (`{web}/_api/search/query`), rows printed as objects of the
/// selected properties, or the raw answers with `--rawOutput`.
enum SearchCommands {
    static let pageSize = 500

    static let all: [PluginCommand] = [
        command("search", "Executes a search query (differs from CLI for Microsoft 365: in text output the row counts and elapsed time go to stderr, so stdout is the table alone)",
                options: [option(.queryText, "q", "Query to execute (Keyword Query Language)", required: true),
                          option(.selectProperties, "p", "Comma-separated properties to return (default: Title,OriginalPath)"),
                          option(.webUrl, "u", "URL of the site to search from (default: the tenant's root site)"),
                          flag(.allResults, nil, "Return every result, fetched 500 at a time"),
                          option(.rowLimit, nil, "Number of rows to return"),
                          option(.startRow, nil, "First row to return (0-based)"),
                          option(.sourceId, nil, "ID of the result source to search"),
                          flag(.trimDuplicates, nil, "Remove near-duplicate results"),
                          option(.sortList, nil, "Comma-separated <property>:ascending|descending"),
                          option(.refinementFilters, nil, "Refinement filters, e.g. FileType:equals(\"docx\")"),
                          option(.queryTemplate, nil, "Query template, e.g. {searchTerms} Author:Megan"),
                          option(.rankingModelId, nil, "ID of the ranking model to use"),
                          option(.properties, nil, "Additional properties of the query, e.g. EnableDynamicGroups:true"),
                          option(.sourceName, nil, "Name of the result source to search (with --properties as SourceName, SourceLevel SPSite)"),
                          option(.refiners, nil, "Refiners to return, e.g. FileType,Author"),
                          option(.hiddenConstraints, nil, "Constraints added to the query, hidden from the user"),
                          option(.clientType, nil, "Client type of the query, for logs"),
                          option(.culture, nil, "Locale id of the query, e.g. 1033"),
                          option(.enableStemming, nil, "Match word forms (default true)"),
                          flag(.enablePhonetic, nil, "Match names that sound alike"),
                          flag(.processBestBets, nil, "Return promoted results"),
                          flag(.enableQueryRules, nil, "Apply query rules"),
                          flag(.processPersonalFavorites, nil, "Return personal favorites"),
                          flag(.rawOutput, nil, "Print SharePoint's answers as they are")],
                examples: [("Every site collection", "m365 spo search --queryText 'contentclass:STS_Site' --allResults"),
                           ("Selected properties, sorted", "m365 spo search --queryText 'launch' --selectProperties Title,Path --sortList 'Title:ascending'")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try options.requireGUIDs([.sourceId, .rankingModelId])
            let culture = try count(options, .culture, minimum: 0)
            let rowLimit = try count(options, .rowLimit, minimum: 1)
            let startRow = try count(options, .startRow, minimum: 0)
            if options.bool(.allResults), startRow != nil { throw usage("--startRow cannot be used with --allResults") }
            if let sort = options.string(.sortList), !validSortList(sort) {
                throw usage("--sortList '\(sort)' is not a comma-separated list of <property>:ascending or <property>:descending")
            }
            guard !(options.string(.queryText) ?? "").trimmingSpaces.isEmpty else { throw usage("--queryText must not be empty") }
            let web = try options.has(.webUrl) ? spo.webURL(options, .webUrl) : spo.spoURL()
            let select = options.list(.selectProperties).flatMap { $0.isEmpty ? nil : $0 } ?? ["Title", "OriginalPath"]
            let all = options.bool(.allResults)
            let limit = rowLimit ?? (all ? pageSize : nil)
            // --allResults pages as the CLI does, by DocId (`IndexDocId>n`, sorted by DocId first),
            // which SharePoint does not cap as it caps deep start rows.
            let sortList = ((all ? ["[DocId]:ascending"] : []) + (options.string(.sortList).map { [$0] } ?? [])).joined(separator: ",")
            var lastDocId = "0"
            var raw: [JSON] = []
            var emitted = 0
            var totals: (rows: Int, withDuplicates: Int, elapsed: Int) = (0, 0, 0)
            while true {
                let url = web + "/_api/search/query" + OData.query([
                    ("querytext", OData.quote((options.string(.queryText) ?? "") + (all ? " IndexDocId>\(lastDocId)" : ""))),
                    ("selectproperties", OData.quote(select.joined(separator: ","))),
                    ("startrow", String(startRow ?? 0)),
                    ("rowlimit", limit.map(String.init)),
                    ("sourceid", options.string(.sourceId).map(OData.quote)),
                    ("trimduplicates", options.bool(.trimDuplicates) ? "true" : "false"),
                    // As the CLI: stemming unless turned off, the rest only when given.
                    ("enablestemming", options.optionalBool(.enableStemming) == false ? "false" : "true"),
                    ("culture", culture.map(String.init)),
                    ("refinementfilters", options.string(.refinementFilters).map(OData.quote)),
                    ("querytemplate", options.string(.queryTemplate).map(OData.quote)),
                    ("sortList", sortList.isEmpty ? nil : OData.quote(sortList)),
                    ("rankingmodelid", options.string(.rankingModelId).map(OData.quote)),
                    ("properties", properties(options).map(OData.quote)),
                    ("refiners", options.string(.refiners).map(OData.quote)),
                    ("hiddenconstraints", options.string(.hiddenConstraints).map(OData.quote)),
                    ("clienttype", options.string(.clientType).map(OData.quote)),
                    ("enablephonetic", options.bool(.enablePhonetic) ? "true" : nil),
                    ("processbestbets", options.bool(.processBestBets) ? "true" : nil),
                    ("enablequeryrules", options.bool(.enableQueryRules) ? "true" : nil),
                    ("processpersonalfavorites", options.bool(.processPersonalFavorites) ? "true" : nil),
                ])
                let answer = try spo.get(url)
                let relevant = answer["PrimaryQueryResult"]?["RelevantResults"]
                guard let rows = relevant?["Table"]?["Rows"]?.arrayValue else {
                    throw PluginFailure("SharePoint sent a search answer without result rows for \(web)", status: M365_ERR_SERVER)
                }
                if options.bool(.rawOutput) {
                    raw.append(.object(answer))
                } else {
                    for row in rows {
                        var out = JSONObject()
                        for cell in row["Cells"]?.arrayValue ?? [] {
                            guard let key = cell["Key"]?.stringValue, select.contains(where: { $0.lowercased() == key.lowercased() }) else { continue }
                            out[key] = cell["Value"] ?? .null
                        }
                        try spo.invocation.emit(item: .object(out))
                        emitted += 1
                    }
                }
                let count = relevant?["RowCount"]?.intValue ?? rows.count
                totals = (relevant?["TotalRows"]?.intValue ?? 0, relevant?["TotalRowsIncludingDuplicates"]?.intValue ?? 0,
                          totals.elapsed + (answer["ElapsedTime"]?.intValue ?? 0))
                guard all, count == limit, let last = rows.last?["Cells"]?.arrayValue?.first(where: { $0["Key"]?.stringValue == "DocId" })?["Value"],
                      let docId = last.stringValue ?? last.intValue.map(String.init) else { break }
                lastDocId = docId
            }
            if options.bool(.rawOutput) {
                try spo.invocation.emit(result: .array(raw))
            } else if emitted == 0 {
                try spo.invocation.emit(result: [])
            }
            if spo.invocation.outputMode == "text" {
                for line in ["# Rows: \(totals.rows)", "# Rows (Including duplicates): \(totals.withDuplicates)", "Elapsed Time: \(totals.elapsed)"] {
                    spo.invocation.log(line, level: M365_LOG_INFO)
                }
            }
        },
    ]

    /// `--properties`, with `--sourceName` added as the CLI adds it (a result source of the site).
    static func properties(_ options: Options) -> String? {
        let given = options.string(.properties)
        guard let source = options.string(.sourceName) else { return given }
        return (given.map { $0.hasSuffix(",") ? $0 : $0 + "," } ?? "") + "SourceName:\(source),SourceLevel:SPSite"
    }

    /// A whole-number option at least `minimum`, or nil when not given.
    static func count(_ options: Options, _ key: OptionKey<Double>, minimum: Int) throws(PluginFailure) -> Int? {
        let name = key.name
        guard let value = options.number(key) else { return nil }
        guard value == value.rounded(), value >= Double(minimum), value < 1_000_000_000 else {
            throw usage("--\(name) must be a whole number, \(minimum) or more")
        }
        return Int(value)
    }

    /// `Prop:ascending,Other:descending`.
    static func validSortList(_ text: String) -> Bool {
        text.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { part in
            let bits = part.split(separator: ":", omittingEmptySubsequences: false)
            guard bits.count == 2, !bits[0].isEmpty, bits[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return false }
            return ["ascending", "descending"].contains(bits[1].lowercased())
        }
    }
}
