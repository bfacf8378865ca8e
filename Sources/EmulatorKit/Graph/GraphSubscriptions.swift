import Foundation
import JSONModel

/// Change-notification subscriptions: `/subscriptions[/{id}]`. Stateful, but no notification is
/// ever sent and the notification URL is not called for validation (any https URL is accepted).
/// A caller sees the subscriptions its app created for it (the same app and user / service principal).
enum GraphSubscriptions {
    static let properties = [
        "id", "resource", "applicationId", "changeType", "clientState", "notificationUrl", "notificationQueryOptions",
        "lifecycleNotificationUrl", "expirationDateTime", "creatorId", "includeResourceData", "latestSupportedTlsVersion",
        "encryptionCertificate", "encryptionCertificateId", "notificationUrlAppId",
    ]
    static let type = GraphEntityType(errorTypeName: "microsoft.graph.subscription", entitySet: "subscriptions",
                                      defaultProperties: properties, properties: properties, odataType: "#microsoft.graph.subscription")

    static let settable: Set<String> = ["changeType", "notificationUrl", "resource", "expirationDateTime", "clientState",
                                        "latestSupportedTlsVersion", "lifecycleNotificationUrl", "includeResourceData",
                                        "encryptionCertificate", "encryptionCertificateId", "notificationQueryOptions", "notificationUrlAppId"]
    static let minimumMinutes = 45

    static func invalid(_ message: String) -> GraphError { GraphError(.badRequest, "ValidationError", message) }
    static func notFound(_ id: String) -> GraphError { GraphError(.notFound, "ResourceNotFound", "The subscription '\(id)' was not found.") }

    static func register(_ g: inout GraphRoutes) {
        g.on(.GET, "subscriptions", .signedIn) { c in
            let all = try c.with { t in t.items(.subscriptions).filter { visible($0, c) } }
            return try GraphWorkloads.list(c, all, type, context: "subscriptions")
        }
        g.on(.POST, "subscriptions", .signedIn) { c in
            let body = try c.body()
            for key in body.keys where !key.hasPrefix("@") && !settable.contains(key) {
                throw invalid("The property '\(key)' does not exist on type 'microsoft.graph.subscription'.")
            }
            guard let changeType = body["changeType"]?.stringValue else { throw invalid("The changeType is required.") }
            let kinds = changeType.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !kinds.isEmpty, kinds.allSatisfy(["created", "updated", "deleted"].contains) else {
                throw invalid("Invalid changeType '\(changeType)': use created, updated and/or deleted, separated by commas.")
            }
            guard let resource = body["resource"]?.stringValue, !resource.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw invalid("The resource is required.")
            }
            let notificationUrl = try httpsURL(body["notificationUrl"], name: "notificationUrl", required: true)
            _ = try httpsURL(body["lifecycleNotificationUrl"], name: "lifecycleNotificationUrl", required: false)
            let expiration = try expirationDate(body["expirationDateTime"], resource: resource)
            if let s = body["clientState"], !s.isNull, (s.stringValue?.count ?? 129) > 128 {
                throw invalid("The clientState must be a string of at most 128 characters.")
            }
            let tls = body["latestSupportedTlsVersion"]?.stringValue ?? "v1_2"
            guard ["v1_0", "v1_1", "v1_2", "v1_3"].contains(tls) else {
                throw invalid("Invalid latestSupportedTlsVersion '\(tls)': use v1_0, v1_1, v1_2 or v1_3.")
            }
            if body["includeResourceData"]?.boolValue == true, body["encryptionCertificate"]?.stringValue == nil || body["encryptionCertificateId"]?.stringValue == nil {
                throw invalid("encryptionCertificate and encryptionCertificateId are required when includeResourceData is true.")
            }
            var sub: JSONObject = [:]
            for p in properties { sub[p] = body[p] ?? .null }
            sub["id"] = .string(Util.newGUID())
            sub["resource"] = .string(resource)
            sub["applicationId"] = .string(c.token.appId)
            sub["changeType"] = .string(kinds.joined(separator: ","))
            sub["notificationUrl"] = .string(notificationUrl)
            sub["expirationDateTime"] = .string(format(expiration))
            sub["creatorId"] = .string(c.token.objectId)
            sub["latestSupportedTlsVersion"] = .string(tls)
            try c.with { t in t.insert(.subscriptions, sub) }
            return try GraphWorkloads.entity(c, sub, type, context: "subscriptions", status: .created)
        }
        g.on(.GET, "subscriptions/{id}", .signedIn) { c in
            try GraphWorkloads.entity(c, try c.with { t in try find(t, c) }, type, context: "subscriptions")
        }
        g.on(.PATCH, "subscriptions/{id}", .signedIn) { c in
            let body = try c.body()
            for key in body.keys where !key.hasPrefix("@") && !["expirationDateTime", "notificationUrl"].contains(key) {
                throw invalid("Only expirationDateTime and notificationUrl can be updated; '\(key)' cannot.")
            }
            let sub = try c.with { t -> JSONObject in
                let current = try find(t, c)
                var changes: JSONObject = [:]
                if body["expirationDateTime"] != nil {
                    changes["expirationDateTime"] = .string(format(try expirationDate(body["expirationDateTime"], resource: current["resource"]?.stringValue ?? "")))
                }
                if body["notificationUrl"] != nil {
                    changes["notificationUrl"] = .string(try httpsURL(body["notificationUrl"], name: "notificationUrl", required: true))
                }
                return t.update(.subscriptions, current["id"]?.stringValue ?? "") { s in for (k, v) in changes { s[k] = v } } ?? current
            }
            return try GraphWorkloads.entity(c, sub, type, context: "subscriptions")
        }
        g.on(.DELETE, "subscriptions/{id}", .signedIn) { c in
            _ = try c.with { t in t.remove(.subscriptions, try find(t, c)["id"]?.stringValue ?? "") }
            return .noContent
        }
    }

    static func visible(_ s: JSONObject, _ c: GraphContext) -> Bool {
        s["applicationId"]?.stringValue?.lowercased() == c.token.appId.lowercased()
            && s["creatorId"]?.stringValue?.lowercased() == c.token.objectId.lowercased()
    }

    static func find(_ t: TenantData, _ c: GraphContext) throws -> JSONObject {
        guard let s = t.get(.subscriptions, c.param("id")), visible(s, c) else { throw notFound(c.param("id")) }
        return s
    }

    static func httpsURL(_ value: JSON?, name: String, required: Bool) throws -> String {
        guard let value, !value.isNull else {
            if required { throw invalid("The \(name) is required.") }
            return ""
        }
        // Event Hubs (`EventHub:https://…`) and Event Grid (`EventGrid:?azuresubscriptionid=…`) deliveries are URLs too.
        guard let s = value.stringValue else { throw invalid("Subscription validation request failed. The \(name) must be an absolute https URL.") }
        if s.lowercased().hasPrefix("eventgrid:?azuresubscriptionid=") { return s }
        let web = s.lowercased().hasPrefix("eventhub:") ? String(s.dropFirst("eventhub:".count)) : s
        guard let url = URL(string: web), url.scheme?.lowercased() == "https", !(url.host ?? "").isEmpty else {
            throw invalid("Subscription validation request failed. The \(name) must be an absolute https URL.")
        }
        return s
    }

    /// The longest a subscription to `resource` may live, in minutes (Graph's per-resource limits, simplified).
    static func maximumMinutes(_ resource: String) -> Int {
        let r = resource.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let parts = r.split(separator: "/").map(String.init)
        if r.contains("presence") { return 60 }
        if r.hasPrefix("security/alerts") { return 43200 }
        if let first = parts.first, ["users", "groups"].contains(first), parts.count <= 2 { return 41760 }
        if r.contains("chats") || r.contains("teams") || r.contains("channels") { return 4320 }
        if r.contains("messages") || r.contains("events") || r.contains("contacts") || r.contains("mailfolders") { return 10080 }
        if r.contains("drive") { return 42300 }
        return 4230
    }

    /// Validates an expiration: in the future, at most the resource's limit; under 45 minutes
    /// from now becomes 45 minutes from now, as Graph does.
    static func expirationDate(_ value: JSON?, resource: String) throws -> Date {
        guard let s = value?.stringValue else { throw invalid("The expirationDateTime is required.") }
        guard let date = GraphWorkloads.parseDate(s) else { throw invalid("Invalid expirationDateTime '\(s)': use an ISO 8601 date and time in UTC.") }
        let now = Date()
        guard date > now else { throw invalid("Subscription expiration time '\(s)' is in the past.") }
        let max = maximumMinutes(resource)
        guard date <= now.addingTimeInterval(Double(max) * 60) else {
            throw invalid("Subscription expiration can only be \(max) minutes in the future.")
        }
        return Swift.max(date, now.addingTimeInterval(Double(minimumMinutes) * 60))
    }

    static func format(_ d: Date) -> String { Formatters.format(d, .isoSevenDigits) }
}
