import Foundation
import JSONModel
import NIOHTTP1
import TextEncodings

/// Outlook mail: a mailbox per user (made on first use) with the well-known folders,
/// `sendMail` delivering to tenant recipients, messages, move and mailbox settings.
enum GraphMail {
    static let accessDenied = GraphError(.forbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
    static let itemNotFound = GraphError(.notFound, "ErrorItemNotFound", "The specified object was not found in the store.")
    static func invalid(_ code: String, _ message: String) -> GraphError { GraphError(.badRequest, code, message) }
    /// Graph's limit for a sendMail request with inline attachments.
    static let maximumSendMailBytes = 4 * 1024 * 1024

    enum Need { case read, write, send, settings, writeSettings }

    /// Own mailbox: the plain scope; another user's: the `.Shared` one (delegated) or the
    /// application permission. Returns the mailbox owner's canonical id.
    static func authorize(_ c: GraphContext, _ need: Need) throws -> String {
        let uid: String = try c.with { t in
            guard let u = t.user(idOrUPN: c.param("id"))?["id"]?.stringValue else {
                throw GraphError(.notFound, "ErrorInvalidUser", "The requested user '\(c.param("id"))' is invalid.")
            }
            return u
        }
        let own = !c.token.isAppOnly && uid.lowercased() == c.token.objectId.lowercased()
        let delegated: Set<String>, application: Set<String>
        switch need {
        case .read:
            delegated = own ? ["Mail.ReadBasic", "Mail.Read", "Mail.ReadWrite"] : ["Mail.Read.Shared", "Mail.ReadWrite.Shared"]
            application = ["Mail.ReadBasic.All", "Mail.ReadBasic", "Mail.Read", "Mail.ReadWrite"]
        case .write:
            delegated = own ? ["Mail.ReadWrite"] : ["Mail.ReadWrite.Shared"]
            application = ["Mail.ReadWrite"]
        case .send:
            delegated = own ? ["Mail.Send"] : ["Mail.Send.Shared"]
            application = ["Mail.Send"]
        case .settings, .writeSettings:
            delegated = need == .settings ? ["MailboxSettings.Read", "MailboxSettings.ReadWrite"] : ["MailboxSettings.ReadWrite"]
            application = delegated
        }
        try TeamsMail.require(c, delegated: delegated, application: application, denied: accessDenied)
        return uid
    }

    static let folderProperties = ["id", "displayName", "parentFolderId", "childFolderCount", "unreadItemCount", "totalItemCount",
                                   "sizeInBytes", "isHidden"]
    static let folder = GraphEntityType(errorTypeName: "microsoft.graph.mailFolder", entitySet: "mailFolders", defaultProperties: folderProperties,
                                        properties: folderProperties, odataType: "#microsoft.graph.mailFolder")
    static let messageProperties = [
        "id", "createdDateTime", "lastModifiedDateTime", "changeKey", "categories", "receivedDateTime", "sentDateTime", "hasAttachments",
        "internetMessageId", "subject", "bodyPreview", "importance", "parentFolderId", "conversationId", "conversationIndex",
        "isDeliveryReceiptRequested", "isReadReceiptRequested", "isRead", "isDraft", "webLink", "inferenceClassification", "body", "sender",
        "from", "toRecipients", "ccRecipients", "bccRecipients", "replyTo", "flag",
    ]
    static let message = GraphEntityType(errorTypeName: "microsoft.graph.message", entitySet: "messages", defaultProperties: messageProperties,
                                         properties: messageProperties, odataType: "#microsoft.graph.message",
                                         collections: ["categories", "toRecipients", "ccRecipients", "bccRecipients", "replyTo"])
    static let attachmentProperties = ["id", "lastModifiedDateTime", "name", "contentType", "size", "isInline", "contentId", "contentBytes"]
    static let attachment = GraphEntityType(errorTypeName: "microsoft.graph.fileAttachment", entitySet: "attachments",
                                            defaultProperties: attachmentProperties, properties: attachmentProperties,
                                            odataType: "#microsoft.graph.fileAttachment")

    /// Well-known name → display name, in the order Outlook lists them.
    static let wellKnown: [(String, String)] = [("archive", "Archive"), ("deleteditems", "Deleted Items"), ("drafts", "Drafts"),
                                                ("inbox", "Inbox"), ("junkemail", "Junk Email"), ("outbox", "Outbox"), ("sentitems", "Sent Items")]

    /// Exchange-looking opaque ids (`AAMkA…`), base64url so they are safe in a path.
    static func itemId(_ name: String) -> String { "AAMkA" + Util.opaqueId(name) }

    // MARK: Mailbox access (call under the store's lock)

    /// The user's mailbox key, creating the mailbox with its folders and settings on first use.
    @discardableResult
    static func mailbox(_ uid: String, _ t: TenantData) -> String {
        let key = uid.lowercased()
        guard t.teamsMail.mailboxes[key] == nil else { return key }
        var box = Mailbox()
        let root = itemId("folder/\(t.tenantId)/\(key)/msgfolderroot")
        for (name, display) in wellKnown {
            box.folders.insert(["id": .string(itemId("folder/\(t.tenantId)/\(key)/\(name)")), "displayName": .string(display),
                                "parentFolderId": .string(root), "childFolderCount": 0, "isHidden": false, "_wellKnown": .string(name)])
        }
        box.settings = [
            "archiveFolder": .string(itemId("folder/\(t.tenantId)/\(key)/archive")), "timeZone": "UTC",
            "automaticRepliesSetting": ["status": "disabled", "externalAudience": "all", "internalReplyMessage": "", "externalReplyMessage": "",
                                        "scheduledStartDateTime": ["dateTime": "2020-01-01T00:00:00.0000000", "timeZone": "UTC"],
                                        "scheduledEndDateTime": ["dateTime": "2020-01-02T00:00:00.0000000", "timeZone": "UTC"]],
            "language": ["locale": "en-US", "displayName": "English (United States)"],
            "workingHours": ["daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"], "startTime": "08:00:00.0000000",
                             "endTime": "17:00:00.0000000", "timeZone": ["name": "UTC"]],
            "dateFormat": "M/d/yyyy", "timeFormat": "h:mm tt", "userPurpose": "user", "delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly",
        ]
        t.teamsMail.mailboxes[key] = box
        return key
    }

    /// A folder by id or well-known name.
    static func folder(_ idOrName: String, _ key: String, _ t: TenantData) throws -> JSONObject {
        let box = t.teamsMail.mailboxes[key]!
        if let f = box.folders.get(idOrName) { return f }
        if let f = box.folders.items.first(where: { $0["_wellKnown"]?.stringValue == idOrName.lowercased() }) { return f }
        throw itemNotFound
    }

    static func folderId(_ wellKnownName: String, _ key: String, _ t: TenantData) -> String {
        (try? folder(wellKnownName, key, t))?["id"]?.stringValue ?? ""
    }

    /// A folder with its item counts.
    static func counted(_ f: JSONObject, _ key: String, _ t: TenantData) -> JSONObject {
        let id = f["id"]?.stringValue
        let items = t.teamsMail.mailboxes[key]!.messages.items.filter { $0["parentFolderId"]?.stringValue == id }
        var out = f
        out["totalItemCount"] = JSON(items.count)
        out["unreadItemCount"] = JSON(items.filter { $0["isRead"]?.boolValue == false }.count)
        out["sizeInBytes"] = JSON(items.reduce(0) { $0 + ($1["body"]?["content"]?.stringValue?.utf8.count ?? 0) })
        return out
    }

    static func message(_ id: String, _ key: String, _ t: TenantData) throws -> JSONObject {
        guard let m = t.teamsMail.mailboxes[key]!.messages.get(id) else { throw itemNotFound }
        return m
    }

    // MARK: Routes

    static func register(_ g: inout GraphRoutes) {
        g.on(.POST, "users/{id}/sendMail", .signedIn) { c in try sendMail(c) }
        g.on(.GET, "users/{id}/mailFolders", .signedIn) { c in
            let uid = try authorize(c, .read)
            let all: [JSONObject] = try c.with { t in
                let key = mailbox(uid, t)
                return t.teamsMail.mailboxes[key]!.folders.items.map { counted($0, key, t) }
            }
            return try TeamsMail.list(c, all, folder, context: "users('\(uid)')/mailFolders", defaultPageSize: 10)
        }
        g.on(.POST, "users/{id}/mailFolders", .signedIn) { c in
            // A folder under the root: a display name Outlook has not got yet.
            let uid = try authorize(c, .write)
            let body = try c.body()
            guard let name = body["displayName"]?.stringValue, !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw invalid("ErrorInvalidRequest", "The displayName of a folder is required.")
            }
            let f: JSONObject = try c.with { t in
                let key = mailbox(uid, t)
                if t.teamsMail.mailboxes[key]!.folders.items.contains(where: { $0["displayName"]?.stringValue?.lowercased() == name.lowercased() }) {
                    throw GraphError(.conflict, "ErrorFolderExists", "A folder with the specified name already exists.")
                }
                let f: JSONObject = ["id": .string(itemId("folder/\(t.tenantId)/\(key)/\(Util.newGUID())")), "displayName": .string(name),
                                     "parentFolderId": .string(itemId("folder/\(t.tenantId)/\(key)/msgfolderroot")), "childFolderCount": 0, "isHidden": false]
                t.teamsMail.mailboxes[key]!.folders.insert(f)
                return counted(f, key, t)
            }
            return try TeamsMail.entity(c, f, folder, context: "users('\(uid)')/mailFolders", status: .created)
        }
        g.on(.GET, "users/{id}/mailFolders/{folder}", .signedIn) { c in
            let uid = try authorize(c, .read)
            let f: JSONObject = try c.with { t in
                let key = mailbox(uid, t)
                return counted(try folder(c.param("folder"), key, t), key, t)
            }
            return try TeamsMail.entity(c, f, folder, context: "users('\(uid)')/mailFolders")
        }
        g.on(.GET, "users/{id}/messages", .signedIn) { c in try listMessages(c, folder: nil) }
        g.on(.GET, "users/{id}/mailFolders/{folder}/messages", .signedIn) { c in try listMessages(c, folder: c.param("folder")) }
        for path in ["users/{id}/messages/{message}", "users/{id}/mailFolders/{folder}/messages/{message}"] {
            g.on(.GET, path, .signedIn) { c in
                let uid = try authorize(c, .read)
                let m: JSONObject = try c.with { t in
                    let key = mailbox(uid, t)
                    let m = try message(c.param("message"), key, t)
                    if c.params["folder"] != nil, try folder(c.param("folder"), key, t)["id"] != m["parentFolderId"] { throw itemNotFound }
                    return m
                }
                return try TeamsMail.entity(c, m, message, context: "users('\(uid)')/messages")
            }
        }
        g.on(.PATCH, "users/{id}/messages/{message}", .signedIn) { c in
            let uid = try authorize(c, .write)
            let body = try c.body()
            let m: JSONObject = try c.with { t in
                let key = mailbox(uid, t)
                var m = try message(c.param("message"), key, t)
                let editable: [String] = m["isDraft"]?.boolValue == true
                    ? ["isRead", "flag", "categories", "importance", "inferenceClassification", "subject", "body", "toRecipients", "ccRecipients", "bccRecipients", "replyTo"]
                    : ["isRead", "flag", "categories", "importance", "inferenceClassification"]
                for (k, v) in body where !k.hasPrefix("@") {
                    guard let p = editable.first(where: { $0.caseInsensitiveCompare(k) == .orderedSame }) else {
                        throw invalid("ErrorInvalidPropertyUpdateSentMessage", "Property '\(k)' cannot be updated on this message.")
                    }
                    m[p] = v
                }
                m["lastModifiedDateTime"] = .string(TeamsMail.now())
                t.teamsMail.mailboxes[key]!.messages.insert(m)
                return m
            }
            return try TeamsMail.entity(c, m, message, context: "users('\(uid)')/messages")
        }
        g.on(.DELETE, "users/{id}/messages/{message}", .signedIn) { c in
            let uid = try authorize(c, .write)
            try c.with { t in
                let key = mailbox(uid, t)
                guard t.teamsMail.mailboxes[key]!.messages.remove(c.param("message")) != nil else { throw itemNotFound }
            }
            return .noContent
        }
        for path in ["users/{id}/messages/{message}/move", "users/{id}/mailFolders/{folder}/messages/{message}/move"] {
            g.on(.POST, path, .signedIn) { c in
                let uid = try authorize(c, .write)
                guard let dest = try c.body()["destinationId"]?.stringValue, !dest.isEmpty else {
                    throw invalid("ErrorInvalidRequest", "The destinationId parameter is required.")
                }
                let moved: JSONObject = try c.with { t in
                    let key = mailbox(uid, t)
                    var m = try message(c.param("message"), key, t)
                    if c.params["folder"] != nil, try folder(c.param("folder"), key, t)["id"] != m["parentFolderId"] { throw itemNotFound }
                    let target = try folder(dest, key, t)
                    // Moving gives the item a new id, as Exchange does.
                    t.teamsMail.mailboxes[key]!.messages.remove(c.param("message"))
                    m["id"] = .string(itemId("message/\(Util.newGUID())"))
                    m["parentFolderId"] = target["id"] ?? .null
                    m["lastModifiedDateTime"] = .string(TeamsMail.now())
                    m["webLink"] = .string(webLink(m["id"]?.stringValue ?? ""))
                    t.teamsMail.mailboxes[key]!.messages.insert(m)
                    return m
                }
                return try TeamsMail.entity(c, moved, message, context: "users('\(uid)')/messages", status: .created)
            }
        }
        g.on(.GET, "users/{id}/messages/{message}/attachments", .signedIn) { c in
            let uid = try authorize(c, .read)
            let all: [JSONObject] = try c.with { t in
                (try message(c.param("message"), mailbox(uid, t), t)["_attachments"]?.arrayValue ?? []).compactMap(\.objectValue)
            }
            return try TeamsMail.list(c, all, attachment, context: "users('\(uid)')/messages('\(c.param("message"))')/attachments", defaultPageSize: 100)
        }
        g.on(.GET, "users/{id}/mailboxSettings", .signedIn) { c in
            let uid = try authorize(c, .settings)
            let s: JSONObject = try c.with { t in t.teamsMail.mailboxes[mailbox(uid, t)]!.settings }
            let q = try c.query(GraphEntityType(errorTypeName: "microsoft.graph.mailboxSettings", entitySet: "", defaultProperties: Array(s.keys),
                                                properties: Array(s.keys)), collection: false)
            var out: JSONObject = ["@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#users('\(uid)')/mailboxSettings")]
            for k in q.select ?? Array(s.keys) { out[k] = s[k] ?? .null }
            return .json(.object(out))
        }
        g.on(.PATCH, "users/{id}/mailboxSettings", .signedIn) { c in
            let uid = try authorize(c, .writeSettings)
            let body = try c.body()
            let s: JSONObject = try c.with { t in
                let key = mailbox(uid, t)
                var s = t.teamsMail.mailboxes[key]!.settings
                for (k, v) in body where !k.hasPrefix("@") {
                    guard let p = s.keys.first(where: { $0.caseInsensitiveCompare(k) == .orderedSame }), p != "archiveFolder" || v.stringValue != nil else {
                        throw invalid("ErrorInvalidRequest", "Property '\(k)' cannot be updated on mailboxSettings.")
                    }
                    if case let .object(changes) = v, case var .object(current) = s[p] ?? .null {
                        for (ck, cv) in changes where !ck.hasPrefix("@") { current[ck] = cv }
                        s[p] = .object(current)
                    } else {
                        s[p] = v
                    }
                }
                t.teamsMail.mailboxes[key]!.settings = s
                return s
            }
            var out: JSONObject = ["@odata.context": .string("https://\(c.req.host)/\(c.version)/$metadata#users('\(uid)')/mailboxSettings")]
            for k in body.keys where !k.hasPrefix("@") { if let p = s.keys.first(where: { $0.caseInsensitiveCompare(k) == .orderedSame }) { out[p] = s[p] } }
            return .json(.object(out))
        }
    }

    /// Newest first unless `$orderby` says otherwise; 10 a page as Outlook.
    static func listMessages(_ c: GraphContext, folder name: String?) throws -> EmulatorResponse {
        let uid = try authorize(c, .read)
        let all: [JSONObject] = try c.with { t in
            let key = mailbox(uid, t)
            let items = t.teamsMail.mailboxes[key]!.messages.items
            guard let name else { return items }
            let id = try folder(name, key, t)["id"]
            return items.filter { $0["parentFolderId"] == id }
        }
        let context = name.map { "users('\(uid)')/mailFolders('\($0)')/messages" } ?? "users('\(uid)')/messages"
        return try TeamsMail.list(c, all, message, context: context, defaultPageSize: 10, maximumPageSize: 1000,
                                  defaultOrder: [("receivedDateTime", true)])
    }

    // MARK: sendMail

    static func webLink(_ id: String) -> String {
        "https://outlook.office365.com/owa/?ItemID=\(GraphTeams.enc(id))&exvsurl=1&viewmodel=ReadMessageItem"
    }

    /// The first 255 characters of the body's text (tags dropped, whitespace collapsed).
    static func preview(_ content: String, html: Bool) -> String {
        var text = content
        if html { text = text.replacingOccurrences(of: "<[^>]*>", with: " ", options: .regularExpression) }
        text = text.replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression).trimmingCharacters(in: .whitespaces)
        return String(text.prefix(255))
    }

    /// `[{emailAddress:{address,name?}}]`, checked; names default to the tenant user's display name.
    static func recipients(_ value: JSON?, _ t: TenantData) throws -> [JSON] {
        guard let value, !value.isNull else { return [] }
        guard let list = value.arrayValue else { throw invalid("ErrorInvalidRecipients", "At least one recipient is not valid.") }
        return try list.map { r in
            guard let address = r["emailAddress"]?["address"]?.stringValue, address.split(separator: "@").count == 2 else {
                throw invalid("ErrorInvalidRecipients", "At least one recipient is not valid., Recipient '\(r["emailAddress"]?["address"]?.stringValue ?? "")' is not resolved. All recipients must be resolved before a message can be submitted.")
            }
            let name = r["emailAddress"]?["name"]?.stringValue ?? recipientUser(address, t)?["displayName"]?.stringValue ?? address
            return ["emailAddress": ["name": .string(name), "address": .string(address)]]
        }
    }

    /// The tenant user an SMTP address belongs to (mail, UPN or proxy address).
    static func recipientUser(_ address: String, _ t: TenantData) -> JSONObject? {
        let a = address.lowercased()
        return t.table(.users).items.first { u in
            u["mail"]?.stringValue?.lowercased() == a || u["userPrincipalName"]?.stringValue?.lowercased() == a
                || (u["proxyAddresses"]?.arrayValue ?? []).contains { $0.stringValue?.lowercased() == "smtp:" + a }
        }
    }

    static func sendMail(_ c: GraphContext) throws -> EmulatorResponse {
        let uid = try authorize(c, .send)
        guard c.req.body.count <= maximumSendMailBytes else {
            throw GraphError(.payloadTooLarge, "RequestEntityTooLarge",
                             "The request is larger than 4 MB. Create a draft and add large attachments with an upload session.")
        }
        let body = try c.body()
        guard let msg = body["message"]?.objectValue else { throw invalid("ErrorInvalidRequest", "The 'message' parameter is required.") }
        let saveToSent = body["saveToSentItems"]?.boolValue ?? (body["saveToSentItems"]?.stringValue.map { $0.lowercased() != "false" } ?? true)
        let contentType = (msg["body"]?["contentType"]?.stringValue ?? "Text").lowercased()
        guard contentType == "text" || contentType == "html" else {
            throw invalid("ErrorInvalidRequest", "Invalid body contentType '\(contentType)'. Use Text or HTML.")
        }
        let content = msg["body"]?["content"]?.stringValue ?? ""
        let importance = (msg["importance"]?.stringValue ?? "normal").lowercased()
        guard ["low", "normal", "high"].contains(importance) else { throw invalid("ErrorInvalidRequest", "Invalid importance '\(importance)'.") }
        var attachments: [JSON] = []
        for a in msg["attachments"]?.arrayValue ?? [] {
            guard a["@odata.type"]?.stringValue?.lowercased() == "#microsoft.graph.fileattachment" else {
                throw invalid("ErrorInvalidRequest", "Only '#microsoft.graph.fileAttachment' attachments are supported.")
            }
            guard let name = a["name"]?.stringValue, !name.isEmpty else { throw invalid("ErrorInvalidRequest", "An attachment needs a name.") }
            guard let b64 = a["contentBytes"]?.stringValue, let bytes = Base64.decode(b64) else {
                throw invalid("RequestBodyRead", "Cannot convert the literal '\(String((a["contentBytes"]?.stringValue ?? "").prefix(20)))' to the expected type 'Edm.Binary'.")
            }
            attachments.append(["@odata.type": "#microsoft.graph.fileAttachment", "id": .string(itemId("attachment/\(Util.newGUID())")),
                                "lastModifiedDateTime": .string(TeamsMail.now()), "name": .string(name),
                                "contentType": .string(a["contentType"]?.stringValue ?? "application/octet-stream"), "size": JSON(bytes.count),
                                "isInline": .bool(a["isInline"]?.boolValue ?? false), "contentId": a["contentId"] ?? .null,
                                "contentBytes": .string(Base64.encode(bytes))])
        }
        try c.with { t in
            let to = try recipients(msg["toRecipients"], t), cc = try recipients(msg["ccRecipients"], t), bcc = try recipients(msg["bccRecipients"], t)
            guard !(to + cc + bcc).isEmpty else { throw invalid("ErrorInvalidRecipients", "At least one recipient is not valid.") }
            let sender = t.get(.users, uid) ?? [:]
            let from: JSON = ["emailAddress": ["name": sender["displayName"] ?? .null,
                                               "address": sender["mail"] ?? sender["userPrincipalName"] ?? .null]]
            let now = TeamsMail.now()
            let conversation = "AAQkA" + Util.opaqueId("conversation/\(Util.newGUID())")
            let internetId = "<\(Util.newGUID())@\(t.initialDomain)>"
            func copy(folder: String, owner key: String, isRead: Bool, withBcc: Bool) -> JSONObject {
                let id = itemId("message/\(Util.newGUID())")
                var m: JSONObject = [
                    "id": .string(id), "createdDateTime": .string(now), "lastModifiedDateTime": .string(now),
                    "changeKey": .string(String(Util.opaqueId("changekey/\(id)").prefix(28))), "categories": [], "receivedDateTime": .string(now),
                    "sentDateTime": .string(now), "hasAttachments": .bool(!attachments.isEmpty), "internetMessageId": .string(internetId),
                    "subject": msg["subject"] ?? "", "bodyPreview": .string(preview(content, html: contentType == "html")),
                    "importance": .string(importance), "parentFolderId": .string(folderId(folder, key, t)), "conversationId": .string(conversation),
                    "isDeliveryReceiptRequested": false, "isReadReceiptRequested": false, "isRead": .bool(isRead), "isDraft": false,
                    "webLink": .string(webLink(id)), "inferenceClassification": "focused",
                    "body": ["contentType": .string(contentType), "content": .string(content)],
                    "sender": from, "from": from, "toRecipients": .array(to), "ccRecipients": .array(cc),
                    "bccRecipients": .array(withBcc ? bcc : []), "replyTo": msg["replyTo"] ?? [], "flag": ["flagStatus": "notFlagged"],
                ]
                if !attachments.isEmpty { m["_attachments"] = .array(attachments) }
                return m
            }
            // Each tenant recipient gets one Inbox copy; external addresses are accepted and dropped.
            var delivered: Set<String> = []
            for r in to + cc + bcc {
                guard let address = r["emailAddress"]?["address"]?.stringValue, let user = recipientUser(address, t),
                      let rid = user["id"]?.stringValue, delivered.insert(rid.lowercased()).inserted else { continue }
                let key = mailbox(rid, t)
                t.teamsMail.mailboxes[key]!.messages.insert(copy(folder: "inbox", owner: key, isRead: false, withBcc: false))
            }
            if saveToSent {
                let key = mailbox(uid, t)
                t.teamsMail.mailboxes[key]!.messages.insert(copy(folder: "sentitems", owner: key, isRead: true, withBcc: true))
            }
        }
        return EmulatorResponse(status: .accepted).adding(header: "Content-Length", "0")
    }

    // MARK: Seed

    /// A few Inbox messages for the first two seed users (the admin and Adele).
    static func seed(_ d: TenantData, _ t: SeedTenant) {
        let users = t.users.prefix(2).compactMap { d.get(.users, $0.id) }
        guard users.count == 2 else { return }
        let mails: [(from: Int, to: Int, subject: String, body: String, html: Bool, read: Bool, day: Int)] = [
            (0, 1, "Welcome to Contoso", "<p>Hi Adele, welcome aboard! Your onboarding plan is attached to the team site.</p>", true, true, 1),
            (0, 1, "Quarterly review", "The quarterly review is on Friday at 14:00 in room 4.", false, false, 3),
            (1, 0, "Store opening", "The new store opens next Monday. Can you check the network setup?", false, false, 2),
            (1, 0, "Expense report", "<p>Please approve my <b>expense report</b> for March.</p>", true, true, 4),
        ]
        for (i, m) in mails.enumerated() {
            let sender = users[m.from], recipient = users[m.to]
            let rid = recipient["id"]?.stringValue ?? ""
            let key = mailbox(rid, d)
            let time = String(format: "2020-01-%02dT09:00:00Z", m.day)
            let id = itemId("message/\(d.tenantId)/seed/\(i)")
            func address(_ u: JSONObject) -> JSON {
                ["emailAddress": ["name": u["displayName"] ?? .null, "address": u["mail"] ?? u["userPrincipalName"] ?? .null]]
            }
            d.teamsMail.mailboxes[key]!.messages.insert([
                "id": .string(id), "createdDateTime": .string(time), "lastModifiedDateTime": .string(time),
                "changeKey": .string(String(Util.opaqueId("changekey/\(id)").prefix(28))), "categories": [], "receivedDateTime": .string(time),
                "sentDateTime": .string(time), "hasAttachments": false, "internetMessageId": .string("<seed\(i)@\(d.initialDomain)>"),
                "subject": .string(m.subject), "bodyPreview": .string(preview(m.body, html: m.html)), "importance": "normal",
                "parentFolderId": .string(folderId("inbox", key, d)), "conversationId": .string("AAQkA" + Util.opaqueId("conversation/\(d.tenantId)/seed/\(i)")),
                "isDeliveryReceiptRequested": false, "isReadReceiptRequested": false, "isRead": .bool(m.read), "isDraft": false,
                "webLink": .string(webLink(id)), "inferenceClassification": "focused",
                "body": ["contentType": .string(m.html ? "html" : "text"), "content": .string(m.body)],
                "sender": address(sender), "from": address(sender), "toRecipients": [address(recipient)], "ccRecipients": [], "bccRecipients": [],
                "replyTo": [], "flag": ["flagStatus": "notFlagged"],
            ])
        }
    }
}
