import Foundation
import JSONModel
import NIOHTTP1

/// List webhooks over REST: `{list}/subscriptions` (list, create) and `subscriptions('id')`
/// (get, update, delete). Subscriptions live in `SPList.subscriptions`; one that has expired is
/// gone (dropped on the next read), as SharePoint stops listing it.
///
/// The validation handshake: before creating (or re-pointing) a subscription SharePoint POSTs
/// `?validationtoken=…` to the notification URL and wants the token back within 5 seconds. The
/// emulator reaches no outside host, so it does not make that call: it accepts an absolute http or
/// https URL with a host on the default port, and refuses, with the error SharePoint gives when
/// the handshake fails, what could never answer (another scheme, no host, a port SharePoint does
/// not call, and hosts under `.invalid`, which never resolve — RFC 2606). No notifications are
/// sent either.
public enum SharePointWebhooks {
    /// The clock subscriptions expire by: the wall clock, moved forward by what `advance` added
    /// (emulator tests see a subscription expire without waiting for it).
    public final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var skew: TimeInterval = 0
        public func advance(by seconds: TimeInterval) { lock.withLock { skew += seconds } }
        public func reset() { lock.withLock { skew = 0 } }
        var now: Date { lock.withLock { Date().addingTimeInterval(skew) } }
    }
    public static let clock = Clock()

    typealias On = (HTTPMethod, String, @escaping SharePointEndpoints.Handler) -> Void

    static func register(_ on: On) {
        let base = "_api/web/lists/{list}/subscriptions"
        on(.GET, base, listSubscriptions)
        on(.POST, base, addSubscription)
        on(.GET, base + "/{id}", getSubscription)
        on(.PATCH, base + "/{id}", updateSubscription)
        on(.DELETE, base + "/{id}", deleteSubscription)
    }

    /// At most 180 days ahead; a few minutes' grace covers the time between a client computing
    /// "180 days from now" and the request arriving (SharePoint's own grace is under an hour).
    static let maxLifetime: TimeInterval = 180 * 86400
    static let grace: TimeInterval = 300

    /// SharePoint's answer for an expiration in the past or too far ahead (its code is [U]).
    static let badExpiration = SPError(.badRequest, "-1, System.ArgumentException",
                                       "The specified expiration date is invalid. Should be greater than today and within 6 months")
    /// [U] the exact text for an id the list has no subscription by (the resource lookup's 404).
    static let notFound = SPError(.notFound, "-1, Microsoft.SharePoint.Client.ResourceNotFoundException",
                                  "Cannot find resource for the request Subscriptions.")

    static func validationFailed(_ url: String) -> SPError {
        SPError(.badRequest, "-1, System.InvalidOperationException", "Failed to validate the notification URL '\(url)'.")
    }

    /// Whether SharePoint's handshake could reach `url` (see the type's comment).
    static func checkNotificationURL(_ url: String) throws {
        guard let u = URLComponents(string: url), let scheme = u.scheme?.lowercased(), ["https", "http"].contains(scheme),
              let host = u.host, !host.isEmpty, !host.lowercased().hasSuffix(".invalid"), host.lowercased() != "invalid",
              u.port == nil || u.port == (scheme == "https" ? 443 : 80) else {
            throw validationFailed(url)
        }
    }

    /// `2026-05-01T10:00:00.0000000Z`: SharePoint's seven fractional digits.
    static func format(_ date: Date) -> String { Formatters.format(date, .isoSevenDigits) }

    /// An ISO 8601 date-time a client sent (with or without fractions or an offset; a bare
    /// date is midnight UTC).
    static func parse(_ text: String) -> Date? {
        if let d = Util.parseISO8601(text) { return d }
        let f = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime], [.withFullDate]] {
            f.formatOptions = options
            if let d = f.date(from: text) { return d }
        }
        return nil
    }

    /// The expiration a client asked for, checked: in the future, at most 180 days ahead.
    static func expiration(_ value: JSON?) throws -> String {
        guard let text = value?.stringValue, let date = parse(text) else { throw badExpiration }
        let now = clock.now
        guard date > now, date.timeIntervalSince(now) <= maxLifetime + grace else { throw badExpiration }
        return format(date)
    }

    /// The list's live subscriptions; expired ones are dropped. Call under the lock.
    static func live(_ list: SPList) -> [SPSubscription] {
        let now = clock.now
        list.subscriptions.removeAll { (parse($0.expirationDateTime) ?? .distantPast) <= now }
        return list.subscriptions
    }

    static func render(_ r: SharePointRequest, _ s: SPSubscription) -> JSON {
        SPRender(r).entity(s.props, SPMeta(type: "Microsoft.SharePoint.Webhooks.Subscription", editLink: "Subscriptions('\(s.id)')"),
                           context: "SP.ApiData.Subscriptions1")
    }

    static func listSubscriptions(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let subs = try r.store.locked { live(try SharePointEndpoints.resolve(p["list"]!, in: r.web)) }
        let render = SPRender(r)
        let entries = subs.map { s in
            render.entry(s.props, SPMeta(type: "Microsoft.SharePoint.Webhooks.Subscription", editLink: "Subscriptions('\(s.id)')"))
        }
        return .json(render.collection(entries, context: "SP.ApiData.Subscriptions1", next: nil))
    }

    /// `POST {list}/subscriptions {resource, notificationUrl, expirationDateTime, clientState}`.
    /// The subscription's resource is the list's id, whatever the body names it by.
    static func addSubscription(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        try checkKeys(body)
        guard let url = body["notificationUrl"]?.stringValue, !url.isEmpty else {
            throw SPError.invalidQuery("The parameter notificationUrl does not exist in method Add.")
        }
        let expires = try expiration(body["expirationDateTime"])
        try checkNotificationURL(url)
        let created: SPSubscription = try r.store.locked {
            let list = try SharePointEndpoints.resolve(p["list"]!, in: r.web)
            let s = SPSubscription(id: Util.newGUID(), clientState: body["clientState"]?.stringValue, expirationDateTime: expires,
                                   notificationUrl: url, resource: list.id)
            list.subscriptions.append(s)
            return s
        }
        return .json(render(r, created), status: .created)
    }

    static func checkKeys(_ body: JSONObject) throws {
        let known: Set<String> = ["__metadata", "resource", "notificationUrl", "expirationDateTime", "clientState", "resourceData", "id"]
        for name in body.keys where !known.contains(name) {
            throw SPError.invalidQuery("The property '\(name)' does not exist on type 'Microsoft.SharePoint.Webhooks.Subscription'. Make sure to only use property names that are defined by the type.")
        }
    }

    /// The index of a live subscription of the list. Call under the lock.
    static func index(_ r: SharePointRequest, _ p: [String: String]) throws -> (SPList, Int) {
        let list = try SharePointEndpoints.resolve(p["list"]!, in: r.web)
        let id = p["id"] ?? ""
        guard let i = live(list).firstIndex(where: { $0.id.caseInsensitiveCompare(id) == .orderedSame }) else { throw notFound }
        return (list, i)
    }

    static func getSubscription(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let s = try r.store.locked { () throws -> SPSubscription in
            let (list, i) = try index(r, p)
            return list.subscriptions[i]
        }
        return .json(render(r, s))
    }

    /// `PATCH subscriptions('id')`: the notification URL, expiration and client state given.
    static func updateSubscription(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        let body = try SharePointEndpoints.jsonBody(r)
        try checkKeys(body)
        var newExpiration: String?
        if let given = body["expirationDateTime"], !given.isNull { newExpiration = try expiration(given) }
        if let url = body["notificationUrl"]?.stringValue { try checkNotificationURL(url) }
        try r.store.locked {
            let (list, i) = try index(r, p)
            if let url = body["notificationUrl"]?.stringValue { list.subscriptions[i].notificationUrl = url }
            if let newExpiration { list.subscriptions[i].expirationDateTime = newExpiration }
            if let state = body["clientState"], !state.isNull { list.subscriptions[i].clientState = state.stringValue }
        }
        return EmulatorResponse(status: .noContent)
    }

    static func deleteSubscription(_ r: SharePointRequest, _ p: [String: String]) throws -> EmulatorResponse {
        try r.store.locked {
            let (list, i) = try index(r, p)
            list.subscriptions.remove(at: i)
        }
        return EmulatorResponse(status: .noContent)
    }
}
