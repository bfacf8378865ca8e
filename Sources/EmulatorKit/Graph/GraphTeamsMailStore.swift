import Foundation
import JSONModel
import NIOHTTP1

/// Teams (teams, channels, messages, async operations, chats, apps) and Outlook mailboxes of
/// one tenant. Lives in `TenantData`, so the store's lock and reset cover it. Team membership is
/// not stored here: it is the group's members and owners, so both views always agree.
struct TeamsMailStore: Sendable {
    /// Lower-cased group id → the team on top of it.
    var teams: [String: TeamState] = [:]
    /// Lower-cased operation id → teamsAsyncOperation (with a `_polls` counter).
    var operations: [String: JSONObject] = [:]
    /// Chats with their members in `_members`.
    var chats = EntityTable()
    var apps = EntityTable()
    /// Lower-cased user id → mailbox, made on first use.
    var mailboxes: [String: Mailbox] = [:]
    /// Last channel message id handed out (ids are epoch milliseconds, strictly increasing).
    var lastMessageId: Int64 = 0
}

struct TeamState: Sendable {
    /// The team-only properties (settings, internalId, isArchived …); the rest comes from the group.
    var team: JSONObject
    /// Channels, with `_primary` on General.
    var channels = EntityTable()
    /// Lower-cased channel id → messages, oldest first.
    var messages: [String: [JSONObject]] = [:]
}

struct Mailbox: Sendable {
    /// Folders with `_wellKnown` names.
    var folders = EntityTable()
    /// Messages of every folder (`parentFolderId` says which), with `_attachments`.
    var messages = EntityTable()
    var settings: JSONObject = [:]
}

/// Pieces the Teams and mail endpoints share: permission checks with each workload's own 403,
/// a collection helper for non-directory lists, ids and the seed.
enum TeamsMail {
    /// Checks `c`'s token: one of `delegated` in `scp` or one of `application` in `roles`.
    static func require(_ c: GraphContext, delegated: Set<String>, application: Set<String>, denied: GraphError) throws {
        let token = c.token
        let held = token.isAppOnly ? token.roles : token.scopes
        guard held.contains(where: (token.isAppOnly ? application : delegated).contains) else { throw denied }
    }

    /// A non-directory collection through `GraphQuery`. GraphQuery ties `$orderby`, `$count` and
    /// `ne`/`not` to directory advanced queries (ConsistencyLevel); Exchange and Teams take them
    /// plainly, so `$orderby` is applied here and the nextLink keeps it as sent.
    static func list(_ c: GraphContext, _ all: [JSONObject], _ type: GraphEntityType, context: String,
                     defaultPageSize: Int, maximumPageSize: Int = GraphQuery.maximumPageSize,
                     defaultOrder: [(String, Bool)] = [], supported: Set<String> = ["select", "top", "skiptoken", "filter", "orderby", "count"],
                     topError: ((String) -> GraphError)? = nil) throws -> EmulatorResponse {
        var req = c.req
        req.headers.replaceOrAdd(name: "ConsistencyLevel", value: "eventual")
        var pairs = c.req.rawQuery.split(separator: "&", omittingEmptySubsequences: true).map(String.init)
        func name(_ p: String) -> String { FormEncoding.percentDecode(String(p.split(separator: "=", maxSplits: 1).first ?? "")).lowercased() }
        func value(_ p: String) -> String { p.split(separator: "=", maxSplits: 1).dropFirst().first.map { FormEncoding.percentDecode(String($0)) } ?? "" }
        var order = defaultOrder
        if let p = pairs.first(where: { name($0) == "$orderby" }) {
            guard supported.contains("orderby") else { throw GraphError.unsupportedOption("orderby") }
            order = []
            for item in value(p).split(separator: ",") {
                let words = item.split(separator: " ", omittingEmptySubsequences: true)
                guard let first = words.first, words.count <= 2 else { throw GraphError.badOrderBy(value(p)) }
                guard let prop = type.property(named: String(first)) else { throw GraphError.unknownProperty(String(first), type: type.errorTypeName) }
                let dir = words.count == 2 ? words[1].lowercased() : "asc"
                guard dir == "asc" || dir == "desc" else { throw GraphError.badOrderBy(value(p)) }
                order.append((prop, dir == "desc"))
            }
            pairs.removeAll { name($0) == "$orderby" }
        }
        if let p = pairs.first(where: { name($0) == "$top" }) {
            let n = Int(value(p).trimmingCharacters(in: .whitespaces)) ?? 0
            guard (1...maximumPageSize).contains(n) else { throw topError?(value(p)) ?? GraphError.pageSize(value(p)) }
        } else {
            pairs.append("$top=\(defaultPageSize)")
        }
        req.rawQuery = pairs.joined(separator: "&")
        let q = try GraphQuery(req, type: type, supported: supported.subtracting(["orderby"]), countSegment: true)
        var items = all
        if !order.isEmpty {
            items.sort { a, b in
                for (p, desc) in order {
                    let x = a[p] ?? .null, y = b[p] ?? .null
                    if ODataFilter.compare("eq", x, y) { continue }
                    let less = x.isNull ? true : y.isNull ? false : ODataFilter.compare("lt", x, y)
                    return desc ? !less : less
                }
                return false
            }
        }
        guard case var .object(out) = try q.collection(items, req, version: c.version, type: type, entitySet: context) else {
            return .json(.null)
        }
        // The nextLink repeats the request's own options (the injected $top is the default, not the caller's).
        if let link = out["@odata.nextLink"]?.stringValue, let r = link.range(of: "$skiptoken=", options: .backwards) {
            let token = String(link[r.upperBound...])
            let kept = c.req.rawQuery.split(separator: "&", omittingEmptySubsequences: true).map(String.init).filter { name($0) != "$skiptoken" }
            out["@odata.nextLink"] = .string("https://\(c.req.host)\(c.req.path)?" + (kept + ["$skiptoken=\(token)"]).joined(separator: "&"))
        }
        return .json(.object(out))
    }

    /// One entity with `@odata.context` first, `$select` applied.
    static func entity(_ c: GraphContext, _ e: JSONObject, _ type: GraphEntityType, context: String,
                       status: HTTPResponseStatus = .ok) throws -> EmulatorResponse {
        let q = try c.query(type, collection: false)
        let ctx = "https://\(c.req.host)/\(c.version)/$metadata#\(context)/$entity"
        return .json(.object(q.project(e, type: type, into: ["@odata.context": .string(ctx)])), status: status)
    }

    /// The user named by `users('{id|upn}')`, `users/{id}` or a bare id in an `@odata.bind`.
    static func user(bind: String, in t: TenantData) -> JSONObject? {
        t.user(idOrUPN: GraphDirectory.id(fromReference: bind))
    }

    static func now() -> String { Util.iso8601(Date()) }

    /// `19:<32 hex>@thread.tacv2`: Teams' channel (and team thread) id form.
    static func threadId(_ name: String) -> String {
        "19:" + Util.nameGUID(name).replacingOccurrences(of: "-", with: "") + "@thread.tacv2"
    }

    static func seed(_ d: TenantData, _ t: SeedTenant) {
        GraphTeams.seed(d, t)
        GraphMail.seed(d, t)
    }
}
