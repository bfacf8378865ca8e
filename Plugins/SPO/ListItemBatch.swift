import PluginKit

/// `spo listitem batch add|remove`: one inner request per CSV row (or id), sent through
/// SharePoint's OData `$batch` in chunks of 100, each request in its own changeset (`batch set`
/// goes over CSOM, as the CLI sends it). Nothing is
/// printed on success (as in CLI for Microsoft 365); rows that failed are listed in the error
/// with their CSV line and SharePoint's message, and the command fails.
enum ListItemBatchCommands {
    /// Requests per `$batch` request.
    static let chunkSize = 100
    /// Sends of a throttled part (the first included) before its 429 is reported.
    static let maxAttempts = 5

    static let webUrl = ListItemCommands.webUrl
    static let listChoice = ListItemCommands.listChoice
    static let listSet = ListItemCommands.listSet

    /// One inner request and how a failure names it.
    struct Row {
        var label: String
        var request: Multipart.Request
    }

    enum Kind { case add, remove }

    // MARK: Input

    /// The CSV text of `--filePath` or `--csvContent`.
    static func csvText(_ options: Options) throws(PluginFailure) -> String {
        if let content = options.string(.csvContent) { return content }
        guard let path = options.string(.filePath), !path.isEmpty else { throw usage("specify --filePath or --csvContent") }
        do {
            return String(decoding: try readLocalFile(path), as: UTF8.self)
        } catch {
            throw usage("File with path \(path) does not exist or cannot be read (\(error.description))")
        }
    }

    static func itemId(_ text: String) -> Int? {
        let trimmed = text.trimmingSpaces
        guard let id = Int(trimmed), id > 0 else { return nil }
        return id
    }

    static func formValues(_ pairs: [(String, String)]) -> JSON {
        .array(pairs.map { ["FieldName": .string($0.0), "FieldValue": .string($0.1)] })
    }

    static func jsonRequest(_ method: String, _ url: String, body: JSON?) -> Multipart.Request {
        var headers: [(name: String, value: String)] = [("Accept", SPOClient.accept)]
        if body != nil { headers.append(("Content-Type", "application/json;odata=nometadata")) }
        headers.append(("If-Match", "*"))
        return Multipart.Request(method: method, url: url, headers: headers, body: body.map { Array($0.serialized().utf8) })
    }

    // MARK: Sending

    /// Sends `rows` in `$batch` requests of at most 100 and fails, listing every row that
    /// failed or whose outcome is unknown, unless all succeeded.
    static func send(_ spo: SPOClient, web: String, rows: [Row], kind: Kind, verb: String) throws(PluginFailure) {
        var failures: [(text: String, status: Int)] = []
        var index = 0
        while index < rows.count {
            let chunk = Array(rows[index..<min(index + chunkSize, rows.count)])
            do {
                try sendChunk(spo, web: web, chunk, kind: kind, into: &failures)
            } catch {
                // The batch request itself failed (after the host's retries): earlier chunks
                // were applied; this one and the rest were not.
                var text = error.description
                if index > 0 { text += ". The first \(index) row(s) were sent in earlier batches" }
                text += "; not applied: \(chunk[0].label) and the \(rows.count - index - 1) row(s) after it"
                reportFailures(spo, failures, verb: verb)
                throw PluginFailure(text, status: error.status)
            }
            index += chunk.count
            if rows.count > chunkSize { spo.invocation.progress("Sending list items in batches", done: Int64(index), total: Int64(rows.count)) }
        }
        guard failures.isEmpty else {
            let statuses = Set(failures.map(\.status))
            let status = statuses == [403] ? M365_ERR_FORBIDDEN : statuses == [404] ? M365_ERR_NOT_FOUND : M365_ERROR
            throw PluginFailure("\(verb) some items failed with the following errors:\n"
                                + failures.map { "- " + $0.text }.joined(separator: "\n")
                                + "\n\(failures.count) of \(rows.count) row(s) failed; the others were applied.", status: status)
        }
    }

    /// When the run stops early, rows of earlier chunks that failed still need naming.
    static func reportFailures(_ spo: SPOClient, _ failures: [(text: String, status: Int)], verb: String) {
        guard !failures.isEmpty else { return }
        spo.invocation.log("\(verb) some items failed before the batch request failed:\n" + failures.map { "- " + $0.text }.joined(separator: "\n"),
                           level: M365_LOG_WARNING)
    }

    /// One `$batch` request, then again for the parts SharePoint throttled (429/503) after
    /// the longest `Retry-After` they carried.
    static func sendChunk(_ spo: SPOClient, web: String, _ chunk: [Row], kind: Kind,
                          into failures: inout [(text: String, status: Int)]) throws(PluginFailure) {
        var pending = chunk
        var attempt = 1
        while !pending.isEmpty {
            let boundary = "batch_" + newGUID()
            let body = Multipart.batchBody(pending.map(\.request), boundary: boundary)
            let response = try spo.answer("POST", web + "/_api/$batch", raw: ("multipart/mixed; boundary=" + boundary, body))
            let answers: [Multipart.Response]
            switch Multipart.responses(body: response.body, contentType: response.header("content-type")) {
            case let .failure(error):
                let why: String
                switch error {
                case let .notMultipart(text), let .malformed(text): why = text
                }
                for row in pending {
                    failures.append(("\(row.label): outcome unknown: SharePoint's answer to the batch could not be read (\(why))", 0))
                }
                return
            case let .success(parts): answers = parts
            }
            guard answers.count == pending.count else {
                for row in pending {
                    failures.append(("\(row.label): outcome unknown: SharePoint's answer to the batch has \(answers.count) part(s) for \(pending.count) request(s)", 0))
                }
                return
            }
            var retry: [Row] = []
            var wait = 0.0
            for (row, answer) in zip(pending, answers) {
                if (answer.status == 429 || answer.status == 503) && attempt < maxAttempts {
                    retry.append(row)
                    let after = answer.headers["retry-after"].flatMap { Double($0.trimmingSpaces) }
                    wait = max(wait, after ?? Double(1 << (attempt - 1)))
                    continue
                }
                if let problem = problem(answer, kind: kind) { failures.append(("\(row.label): \(problem)", answer.isSuccess ? 0 : answer.status)) }
            }
            if retry.isEmpty { return }
            spo.invocation.log("\(retry.count) batched request(s) throttled; sending them again in \(wait) s", level: M365_LOG_VERBOSE)
            try pause(seconds: min(wait, 120), invocation: spo.invocation)
            pending = retry
            attempt += 1
        }
    }

    /// Why one inner answer is a failure, or nil. Add answers 200 with a result per field; a
    /// field whose `HasException` is true was refused (and nothing was created).
    static func problem(_ answer: Multipart.Response, kind: Kind) -> String? {
        guard answer.isSuccess else {
            let response = ServiceResponse(status: answer.status, headers: answer.headers, body: answer.body)
            if let error = ServiceError.parse(response) {
                let message = oneLine(error.message)
                return message.isEmpty ? (error.code.isEmpty ? "HTTP \(answer.status)" : error.code) : message
            }
            let reason = answer.reason.isEmpty ? "" : " " + answer.reason
            return "HTTP \(answer.status)\(reason)"
        }
        guard kind == .add, !answer.body.isEmpty, let json = try? JSON.parse(answer.text) else { return nil }
        let results = json["value"]?.arrayValue ?? json["d"]?["AddValidateUpdateItemUsingPath"]?["results"]?.arrayValue ?? []
        let refused = results.filter { $0["HasException"]?.boolValue == true }.map { result in
            "\(result["FieldName"]?.stringValue ?? "?") - \(oneLine(result["ErrorMessage"]?.stringValue ?? "invalid value"))"
        }
        return refused.isEmpty ? nil : refused.joined(separator: "; ")
    }

    // MARK: batch set

    /// Rows per ProcessQuery of `listitem batch set`, as CLI for Microsoft 365 sends them.
    static let setChunkSize = 50

    /// `listitem batch set` as CLI for Microsoft 365 runs it, over CSOM: the list's fields
    /// checked (each CSV column must be one), people in User columns ensured by e-mail, then
    /// each item updated through its identity (`SystemUpdate` with --systemUpdate), 50 a request.
    /// A request SharePoint refuses stops the command; the items of earlier requests stay updated.
    static func setItems(_ spo: SPOClient, web: String, list: String, table: CSVTable, idIndex: Int, ids: [Int], _ options: Options) throws(PluginFailure) {
        let listId: String
        if let given = options.string(.listId) { listId = given } else {
            guard let id = try spo.get(list + OData.query([("$select", "Id")]))["Id"]?.stringValue else {
                throw PluginFailure("SharePoint did not return the id of the list", status: M365_ERR_SERVER)
            }
            listId = id
        }
        let columns = table.header.enumerated().filter { $0.offset != idIndex }
        var types: [String: String] = [:]
        let filter = columns.map { "InternalName eq \(OData.quote($0.element))" }.joined(separator: " or ")
        try spo.forEachItem(web + "/_api/web/lists(guid'\(listId)')/fields" + OData.query([("$select", "InternalName,TypeAsString"), ("$filter", filter)])) { field throws(PluginFailure) in
            if let name = field["InternalName"]?.stringValue { types[name] = field["TypeAsString"]?.stringValue ?? "" }
        }
        let missing = columns.map(\.element).filter { types[$0] == nil }
        guard missing.isEmpty else { throw PluginFailure("Following fields specified in the csv do not exist on the list: \(missing.joined(separator: ", "))") }
        // The site user id of each e-mail in a User column, ensured once.
        var people: [String: Int] = [:]
        for (index, name) in columns where ["User", "UserMulti"].contains(types[name] ?? "") {
            for row in table.rows {
                for email in row.cells[index].split(separator: ";").map(String.init) where people[email] == nil {
                    let user = try spo.write(web + "/_api/web/ensureUser(\(pathLiteral(email)))" + OData.query([("$select", "Id")]))
                    people[email] = user?["Id"]?.intValue ?? user?["d"]?["Id"]?.intValue ?? 0
                }
            }
        }
        let identity = try ListItemCommands.webIdentity(spo, web)
        let lookupType = "{f1d34cc0-9b50-4a78-be78-d5facfcccfb7}", userType = "{c956ab54-16bd-4c18-89d2-996f57282a6f}"
        func lookup(_ id: String) -> CSOMRequest.Value { .structure(typeId: lookupType, [("LookupId", .int32(Int(id) ?? 0)), ("LookupValue", .null)]) }
        var start = 0
        while start < table.rows.count {
            let end = min(start + setChunkSize, table.rows.count)
            var request = CSOMRequest()
            for i in start..<end {
                let row = table.rows[i]
                let item = request.identity(ListItemCommands.itemIdentity(web: identity, list: listId, item: ids[i]))
                for (index, name) in columns {
                    let value = row.cells[index]
                    let parts = value.split(separator: ";").map(String.init)
                    switch value.isEmpty ? "" : types[name] ?? "" {
                    case "User": request.call("ParseAndSetFieldValue", on: item, [.string(name), .string(String(people[value] ?? 0))])
                    case "UserMulti":
                        request.call("SetFieldValue", on: item, [.string(name), .array(parts.map { email in
                            .structure(typeId: userType, [("Email", .null), ("LookupId", .int32(people[email] ?? 0)), ("LookupValue", .null)])
                        })])
                    case "Lookup": request.call("SetFieldValue", on: item, [.string(name), lookup(value)])
                    case "LookupMulti": request.call("SetFieldValue", on: item, [.string(name), .array(parts.map(lookup))])
                    default: request.call("ParseAndSetFieldValue", on: item, [.string(name), .string(value)])
                    }
                }
                request.call(options.bool(.systemUpdate) ? "SystemUpdate" : "Update", on: item)
            }
            _ = try spo.processQuery(request, at: web)
            start = end
            if table.rows.count > setChunkSize { spo.invocation.progress("Updating list items", done: Int64(start), total: Int64(table.rows.count)) }
        }
    }

    // MARK: Commands

    static let all: [PluginCommand] = [
        command("listitem batch add", "Creates list items in a batch (differs from CLI for Microsoft 365: a row SharePoint refuses does not stop the rows after it; every refused row is listed with its CSV line)",
                options: [webUrl, option(.filePath, "p", "CSV file of the items: the first line names the fields, each further line is one item"),
                          option(.csvContent, "c", "The items as CSV text, in the same form as --filePath")] + listChoice,
                sets: listSet + [["filePath", "csvContent"]],
                examples: [("Items from a CSV file", "m365 spo listitem batch add --filePath ./items.csv --webUrl /sites/project-x --listTitle 'Demo List'"),
                           ("Items given inline", "m365 spo listitem batch add --csvContent $'Title,Notes\\nFirst,\"a, b\"' --webUrl /sites/project-x --listTitle 'Demo List'")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            let list = try ListSelector.forItems.path(web, options)
            let table = try CSVTable.parse(try csvText(options))
            let url = list + "/AddValidateUpdateItemUsingPath"
            let rows = table.rows.map { row in
                Row(label: "Line \(row.line)",
                    request: jsonRequest("POST", url, body: ["formValues": formValues(Array(zip(table.header, row.cells)))]))
            }
            try send(spo, web: web, rows: rows, kind: .add, verb: "Creating")
        },

        command("listitem batch set", "Updates list items in a batch",
                options: [webUrl, option(.filePath, "p", "CSV file of the items: the first line names the fields, each further line is one item"),
                          option(.csvContent, "c", "The items as CSV text, in the same form as --filePath")] + listChoice
                    + [option(.idColumn, nil, "The CSV column that holds each item's ID (default: ID)"),
                       flag(.systemUpdate, "s", "Keep Modified and Editor as they are (no new version)")],
                sets: listSet + [["filePath", "csvContent"]],
                examples: [("Items from a CSV file with an ID column", "m365 spo listitem batch set --filePath ./items.csv --webUrl /sites/project-x --listTitle 'Demo List'"),
                           ("Without touching Modified", "m365 spo listitem batch set --filePath ./items.csv --webUrl /sites/project-x --listTitle 'Demo List' --idColumn ItemId --systemUpdate")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            let list = try ListSelector.forItems.path(web, options)
            let table = try CSVTable.parse(try csvText(options))
            let idColumn = options.string(.idColumn) ?? "ID"
            guard let idIndex = table.header.firstIndex(of: idColumn) else {
                throw usage("The specified value for idColumn does not exist in the array. Specified idColumn is '\(idColumn)'. Please specify the correct value.")
            }
            guard table.header.count > 1 else { throw usage("the CSV names no column to update besides '\(idColumn)'") }
            var ids: [Int] = []
            for row in table.rows {
                guard let id = itemId(row.cells[idIndex]) else {
                    throw usage("line \(row.line) of the CSV: '\(row.cells[idIndex])' in column \(idColumn) is not a valid list item ID (a positive whole number)")
                }
                ids.append(id)
            }
            try setItems(spo, web: web, list: list, table: table, idIndex: idIndex, ids: ids, options)
        },

        command("listitem batch remove", "Removes items from a list in batch (differs from CLI for Microsoft 365: 100 items a batch request, not 10, and an item SharePoint refuses does not stop the rest; every refused item is listed)",
                options: [webUrl] + listChoice
                    + [option(.filePath, "p", "CSV file with an ID column naming the items to remove"),
                       option(.ids, "i", "IDs of the items to remove, separated by commas"),
                       flag(.recycle, "r", "Move the items to the recycle bin instead of deleting them"), forceOption],
                sets: listSet + [["filePath", "ids"]],
                examples: [("IDs from a CSV file", "m365 spo listitem batch remove --filePath ./ids.csv --webUrl /sites/project-x --listTitle 'Demo List' --force"),
                           ("IDs given inline", "m365 spo listitem batch remove --ids 123,234,345 --webUrl /sites/project-x --listTitle 'Demo List' --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            let web = try spo.webURL(options, .webUrl)
            let list = try ListSelector.forItems.path(web, options)
            var targets: [(label: String, id: Int)] = []
            if let ids = options.string(.ids) {
                let given = ids.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
                let invalid = given.filter { itemId($0) == nil }
                guard invalid.isEmpty else {
                    throw usage("The specified ids '\(invalid.joined(separator: ", "))' are invalid numbers: --ids takes positive whole numbers separated by commas")
                }
                targets = given.map { ("Item ID \($0)", itemId($0)!) }
            } else {
                let table = try CSVTable.parse(try csvText(options))
                guard let column = table.header.firstIndex(where: { $0.lowercased() == "id" }) else {
                    throw usage("The file does not contain the required header row with the column name 'ID'.")
                }
                let invalid = table.rows.filter { itemId($0.cells[column]) == nil }
                guard invalid.isEmpty else {
                    throw usage("The specified ids '\(invalid.map { $0.cells[column] }.joined(separator: ", "))' are invalid numbers (line\(invalid.count == 1 ? "" : "s") \(invalid.map { String($0.line) }.joined(separator: ", ")) of the CSV)")
                }
                targets = table.rows.map { ("Line \($0.line) (item ID \(itemId($0.cells[column])!))", itemId($0.cells[column])!) }
            }
            let recycle = options.bool(.recycle)
            let what = "the \(targets.count) list item(s) from list '\(ListSelector.forItems.label(options))'"
            let verb = recycle ? "recycle" : "remove"
            guard try spo.invocation.confirmed(options, "Are you sure you want to \(verb) \(what)?", needing: "removing \(what)") else { return }
            let rows = targets.map { target in
                Row(label: target.label,
                    request: recycle ? jsonRequest("DELETE", list + "/items(\(target.id))/recycle()", body: nil)
                                     : jsonRequest("DELETE", list + "/items(\(target.id))", body: nil))
            }
            try send(spo, web: web, rows: rows, kind: .remove, verb: "Removing")
        },
    ]
}
