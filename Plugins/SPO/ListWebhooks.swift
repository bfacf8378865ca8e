#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PluginKit

/// `spo list webhook …`: a list's webhook subscriptions (`{list}/Subscriptions`), as CLI for
/// Microsoft 365 manages them.
enum ListWebhookCommands {
    static let notificationUrl = OptionKey<String>("notificationUrl")
    static let clientState = OptionKey<String>("clientState")

    static let webUrl = option(.webUrl, "u", "URL of the site where the list is located", required: true)
    static let listSet = ["listId", "listTitle", "listUrl"]
    /// The list options with the short forms most webhook commands give them (`-l`, `-t`).
    static let listOptions = [option(.listId, "l", "ID of the list"), option(.listTitle, "t", "Title of the list"),
                              option(.listUrl, nil, "Server- or site-relative URL of the list")]
    static let webhookId = option(.id, "i", "ID of the webhook", required: true)

    /// A webhook lives at most 180 days, counted from now.
    static let maxLifetime = 180 * 86400
    /// The CLI's refusal of a date it cannot read, one format a line: `webhook add` quotes them
    /// (indented 10 spaces), `webhook set` names the value and indents them 6.
    static let addDateFormats = "Provide the date in one of the following formats:"
        + ["'YYYY-MM-DD'", "'YYYY-MM-DDThh:mm'", "'YYYY-MM-DDThh:mmZ'", "'YYYY-MM-DDThh:mm±hh:mm'"].map { "\n          " + $0 }.joined()
    static func setDateFormats(_ value: String) -> String {
        "\(value) is not a valid date format. Provide the date in one of the following formats:"
            + ["YYYY-MM-DD", "YYYY-MM-DDThh:mm", "YYYY-MM-DDThh:mmZ", "YYYY-MM-DDThh:mm±hh:mm"].map { "\n      " + $0 }.joined()
    }

    /// `{list}/Subscriptions`, `{list}/Subscriptions('id')`.
    static func subscriptions(_ web: String, _ options: Options, id: String? = nil) throws(PluginFailure) -> String {
        let list = try ListSelector.forItems.path(web, options) + "/Subscriptions"
        return id.map { list + "('\(percentEncode($0))')" } ?? list
    }

    static let all: [PluginCommand] = [
        command("list webhook list", "Lists all webhooks for the specified list",
                options: [webUrl, option(.listId, "i", "ID of the list"), option(.listTitle, "t", "Title of the list"),
                          option(.listUrl, nil, "Server- or site-relative URL of the list")],
                sets: [listSet], defaults: ["id", "clientState", "expirationDateTime", "resource"],
                examples: [("Webhooks of a library", "m365 spo list webhook list --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle Documents")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try CLIArguments.requireGUIDs(options, [.listId])
            let web = try spo.webURL(options, .webUrl)
            // As the CLI: a webhook without a client state shows an empty one.
            try spo.list(try subscriptions(web, options)) { webhook in
                webhook["clientState"]?.stringValue == nil ? webhook.adding(["clientState": ""]) : webhook
            }
        },

        command("list webhook get", "Gets information about the specific webhook",
                options: [webUrl] + listOptions + [webhookId], sets: [listSet],
                examples: [("A webhook of a library", "m365 spo list webhook get --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle Documents --id cc27a922-8224-4296-90a5-ebbc54da2e85")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try CLIArguments.requireGUIDs(options, [.id, .listId])
            let web = try spo.webURL(options, .webUrl)
            try spo.invocation.emit(result: .object(try spo.get(try subscriptions(web, options, id: options.string(.id)))))
        },

        command("list webhook add", "Adds a new webhook to the specified list",
                options: [webUrl] + listOptions + [
                    option(notificationUrl, "n", "URL SharePoint sends the notifications to (it must answer SharePoint's validation request)", required: true),
                    option(.expirationDateTime, "e", "When the webhook expires (ISO 8601; at most 180 days ahead, the default)"),
                    option(clientState, "c", "Text SharePoint sends back with each notification"),
                ],
                sets: [listSet],
                examples: [("Expiring in 180 days", "m365 spo list webhook add --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle Documents --notificationUrl https://contoso-funcions.azurewebsites.net/webhook"),
                           ("With an expiration and a client state", "m365 spo list webhook add --webUrl /sites/project-x --listUrl 'Shared Documents' --notificationUrl https://contoso-funcions.azurewebsites.net/webhook --expirationDateTime 2027-01-01 --clientState verification")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try CLIArguments.requireGUIDs(options, [.listId])
            let now = Int(time(nil))
            var expiration = isoString(seconds: now + maxLifetime, millis: 0)
            if let given = options.string(.expirationDateTime) {
                guard let (seconds, millis) = parseDate(given) else { throw usage(addDateFormats) }
                guard seconds >= now, seconds < now + maxLifetime else {
                    throw usage("Provide an expiration date which is a date time in the future and within 6 months from now")
                }
                expiration = isoString(seconds: seconds, millis: millis)
            }
            let web = try spo.webURL(options, .webUrl)
            let url = try subscriptions(web, options)
            // As the CLI: the resource is the list as the user named it.
            var body: JSONObject = ["resource": .string(options.string(.listId) ?? options.string(.listTitle) ?? options.string(.listUrl) ?? ""),
                                    "notificationUrl": .string(options.string(notificationUrl) ?? ""), "expirationDateTime": .string(expiration)]
            if let state = options.string(clientState), !state.isEmpty { body["clientState"] = .string(state) }
            guard let created = try spo.send("POST", url, body: .object(body))?.objectValue else {
                throw PluginFailure("SharePoint did not return the new webhook", status: M365_ERR_SERVER)
            }
            try spo.invocation.emit(result: .object(created))
        },

        command("list webhook set", "Updates the specified webhook",
                options: [webUrl] + listOptions + [
                    webhookId,
                    option(notificationUrl, "n", "New URL SharePoint sends the notifications to"),
                    option(.expirationDateTime, "e", "New expiration (ISO 8601; at most 180 days ahead)"),
                    option(clientState, "c", "New client state"),
                ],
                sets: [listSet],
                examples: [("Extend a webhook", "m365 spo list webhook set --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle Documents --id cc27a922-8224-4296-90a5-ebbc54da2e81 --expirationDateTime 2027-01-01")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try CLIArguments.requireGUIDs(options, [.id, .listId])
            let url = options.string(notificationUrl), expiration = options.string(.expirationDateTime), state = options.string(clientState)
            if (url ?? "").isEmpty && (expiration ?? "").isEmpty && (state ?? "").isEmpty {
                throw usage("Specify notificationUrl, expirationDateTime, clientState or multiple, at least one is required")
            }
            if let expiration, parseDate(expiration) == nil { throw usage(setDateFormats(expiration)) }
            let web = try spo.webURL(options, .webUrl)
            // As the CLI: the values as given (the expiration unconverted); SharePoint checks them.
            var body = JSONObject()
            if let url { body["notificationUrl"] = .string(url) }
            if let expiration { body["expirationDateTime"] = .string(expiration) }
            if let state { body["clientState"] = .string(state) }
            try spo.send("PATCH", try subscriptions(web, options, id: options.string(.id)), body: .object(body))
        },

        command("list webhook remove", "Removes the specified webhook from the list",
                options: [webUrl] + listOptions + [webhookId, forceOption], sets: [listSet],
                examples: [("Without a prompt", "m365 spo list webhook remove --webUrl https://contoso.sharepoint.com/sites/project-x --listTitle Documents --id cc27a922-8224-4296-90a5-ebbc54da2e81 --force")]) { (spo: SPOClient, options: Options) throws(PluginFailure) in
            try CLIArguments.requireGUIDs(options, [.id, .listId])
            let web = try spo.webURL(options, .webUrl)
            let url = try subscriptions(web, options, id: options.string(.id))
            let list = options.string(.listTitle) ?? options.string(.listId) ?? options.string(.listUrl) ?? ""
            guard try spo.invocation.confirmedRemoval(options, "webhook \(options.string(.id) ?? "") from list \(list) located at site \(web)") else { return }
            try spo.send("DELETE", url)
        },
    ]

    // MARK: Dates, as JavaScript's Date reads the ISO forms the CLI documents

    /// Seconds since 1970 and milliseconds of `YYYY-MM-DD` (midnight UTC), `YYYY-MM-DDThh:mm[:ss[.fff]]`
    /// (local time), or either with `Z` or `±hh:mm`; nil for anything else.
    static func parseDate(_ text: String) -> (Int, Int)? {
        let c = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= c.count, range.allSatisfy({ c[$0] >= 48 && c[$0] <= 57 }) else { return nil }
            return range.reduce(0) { $0 * 10 + Int(c[$1] - 48) }
        }
        guard c.count >= 10, let year = number(0..<4), c[4] == 45, let month = number(5..<7), c[7] == 45, let day = number(8..<10),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        if c.count == 10 { return (Int(timegm(&parts)), 0) }
        guard c[10] == 84, let hour = number(11..<13), c.count >= 16, c[13] == 58, let minute = number(14..<16), hour < 24, minute < 60 else { return nil }
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        var i = 16, millis = 0
        if i < c.count, c[i] == 58 {
            guard let second = number(i + 1..<i + 3), second < 60 else { return nil }
            parts.tm_sec = Int32(second)
            i += 3
            if i < c.count, c[i] == 46 {
                i += 1
                var digits = 0
                while i < c.count, c[i] >= 48, c[i] <= 57 {
                    if digits < 3 { millis = millis * 10 + Int(c[i] - 48) }
                    digits += 1
                    i += 1
                }
                if digits == 0 { return nil }
                for _ in digits..<max(digits, 3) { millis *= 10 }
            }
        }
        if i == c.count {
            parts.tm_isdst = -1
            return (Int(mktime(&parts)), millis)
        }
        let utc = Int(timegm(&parts))
        if c[i] == 90 { return i + 1 == c.count ? (utc, millis) : nil }
        guard c[i] == 43 || c[i] == 45, let oh = number(i + 1..<i + 3), i + 6 == c.count, c[i + 3] == 58, let om = number(i + 4..<i + 6) else { return nil }
        let offset = (oh * 60 + om) * 60
        return (c[i] == 43 ? utc - offset : utc + offset, millis)
    }

    /// `2026-11-22T08:30:00.000Z`, as JavaScript's `toISOString` writes a date.
    static func isoString(seconds: Int, millis: Int) -> String {
        var when = time_t(seconds)
        var parts = tm()
        gmtime_r(&when, &parts)
        func pad(_ n: Int, _ width: Int = 2) -> String {
            let digits = String(n)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1))-\(pad(Int(parts.tm_mday)))T\(pad(Int(parts.tm_hour))):\(pad(Int(parts.tm_min))):\(pad(Int(parts.tm_sec))).\(pad(millis, 3))Z"
    }
}
