import Foundation
import JSONModel

// The workloads that are plain entity sets (`GraphEntitySet`): a declaration each, and the
// few values the service sets on create.

/// Planner rosters (beta): a roster and its members, for `planner roster …`.
enum PlannerRosters {
    static let read = GraphAccess.scopes(delegated: ["Tasks.Read", "Tasks.ReadWrite"], application: ["Tasks.Read.All", "Tasks.ReadWrite.All"])
    static let write = GraphAccess.scopes(delegated: ["Tasks.ReadWrite"], application: ["Tasks.ReadWrite.All"])

    static let roster = GraphEntitySet(
        path: "planner/rosters",
        type: GraphEntityType(errorTypeName: "microsoft.graph.plannerRoster", entitySet: "planner/rosters",
                              defaultProperties: ["id", "assignedSensitivityLabel"], properties: ["id", "assignedSensitivityLabel"],
                              odataType: "#microsoft.graph.plannerRoster"),
        versions: ["beta"], read: read, write: write, readOnly: ["id"], navigation: ["members"],
        notFound: { _ in GraphError(.notFound, "NotFound", "The requested item is not found.") })

    static let member = GraphEntitySet(
        path: "planner/rosters/{rosterId}/members",
        type: GraphEntityType(errorTypeName: "microsoft.graph.plannerRosterMember", entitySet: "members",
                              defaultProperties: ["id", "userId", "tenantId", "roles"], properties: ["id", "userId", "tenantId", "roles"],
                              odataType: "#microsoft.graph.plannerRosterMember", collections: ["roles"]),
        versions: ["beta"], read: read, write: write, required: ["userId"], readOnly: ["id", "tenantId"], immutable: ["userId"],
        parent: .set("planner/rosters"),
        onCreate: { c, member in
            member["tenantId"] = .string(c.tenantId)
            if member["roles"] == nil { member["roles"] = [] }
        },
        notFound: { _ in GraphError(.notFound, "NotFound", "The requested item is not found.") })

    static let sets = [roster, member]
}

/// Purview's retention event types (`security/triggerTypes/retentionEventTypes`), for
/// `purview retentioneventtype …`.
enum RetentionEventTypes {
    static let properties = ["displayName", "description", "createdDateTime", "lastModifiedDateTime", "id", "createdBy", "lastModifiedBy"]

    static let set = GraphEntitySet(
        path: "security/triggerTypes/retentionEventTypes",
        type: GraphEntityType(errorTypeName: "microsoft.graph.security.retentionEventType", entitySet: "security/triggerTypes/retentionEventTypes",
                              defaultProperties: properties, properties: properties, odataType: "#microsoft.graph.security.retentionEventType"),
        versions: ["v1.0", "beta"],
        read: .scopes(delegated: ["RecordsManagement.Read.All", "RecordsManagement.ReadWrite.All"],
                      application: ["RecordsManagement.Read.All", "RecordsManagement.ReadWrite.All"]),
        write: .scopes(delegated: ["RecordsManagement.ReadWrite.All"], application: ["RecordsManagement.ReadWrite.All"]),
        required: ["displayName"], readOnly: ["id", "createdDateTime", "lastModifiedDateTime", "createdBy", "lastModifiedBy"],
        immutable: ["displayName"],
        onCreate: { c, e in
            // Purview names the user and leaves the id out.
            let who: JSON = ["user": ["id": nil, "displayName": c.token.claims["name"] ?? .null]]
            e["createdBy"] = who
            e["lastModifiedBy"] = who
        },
        notFound: { key in GraphError(.notFound, "NotFound", "The retention event type '\(key)' was not found.") })

    static let sets = [set]
}
