import Foundation
import JSONModel

/// `/schemaExtensions[/{id}]`: definitions only (no extension data on users or groups yet).
/// Lifecycle as in Graph: created `InDevelopment`; `InDevelopment → Available → Deprecated`;
/// additive changes while InDevelopment or Available; DELETE only while InDevelopment.
enum GraphSchemaExtensions {
    static let properties = ["id", "description", "targetTypes", "status", "owner", "properties"]
    static let type = GraphEntityType(errorTypeName: "Microsoft.DirectoryServices.SchemaExtension", entitySet: "schemaExtensions",
                                      defaultProperties: properties, properties: properties,
                                      odataType: "#microsoft.graph.schemaExtension", collections: ["targetTypes", "properties"])

    static let targetTypes = ["User", "Group", "AdministrativeUnit", "Contact", "Device", "Event", "Message", "Organization", "Post",
                              "TodoTask", "TodoTaskList"]
    static let propertyTypes = ["Binary", "Boolean", "DateTime", "Integer", "String"]
    static let transitions = ["InDevelopment": ["InDevelopment", "Available"], "Available": ["Available", "Deprecated"], "Deprecated": ["Deprecated"]]

    static let write = GraphAccess.scopes(delegated: ["Application.ReadWrite.All", "Directory.AccessAsUser.All"],
                                          application: ["Application.ReadWrite.All"])

    static func register(_ g: inout GraphRoutes) {
        g.on(.GET, "schemaExtensions", .read(.applications)) { c in
            try GraphWorkloads.list(c, try c.with { $0.items(.schemaExtensions) }, type, context: "schemaExtensions")
        }
        g.on(.GET, "schemaExtensions/{id}", .read(.applications)) { c in
            try GraphWorkloads.entity(c, try c.with { t in try find(t, c.param("id")) }, type, context: "schemaExtensions")
        }
        g.on(.POST, "schemaExtensions", write) { c in
            let body = try GraphDirectory.validated(try c.body(), type, readOnly: ["status"])
            guard let name = body["id"]?.stringValue, name.range(of: #"^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)?$"#, options: .regularExpression) != nil else {
                throw GraphError.badRequest("Invalid value specified for property 'id' of resource 'SchemaExtension': use letters and digits, starting with a letter.")
            }
            let targets = try targetList(body["targetTypes"], required: true)
            let props = try propertyList(body["properties"], required: true)
            if let d = body["description"], !d.isNull, d.stringValue == nil { throw GraphError.badRequest("Invalid value specified for property 'description'.") }
            let ext = try c.with { t -> JSONObject in
                let id = try qualifiedId(name, t)
                guard t.get(.schemaExtensions, id) == nil else {
                    throw GraphError(.conflict, "Request_MultipleObjectsWithSameKeyValue", "A schema extension with id '\(id)' already exists.")
                }
                let e: JSONObject = ["id": .string(id), "description": body["description"] ?? .null, "targetTypes": JSON(targets),
                                     "status": "InDevelopment", "owner": .string(body["owner"]?.stringValue ?? c.token.appId),
                                     "properties": .array(props)]
                t.insert(.schemaExtensions, e)
                return e
            }
            return try GraphWorkloads.entity(c, ext, type, context: "schemaExtensions", status: .created)
        }
        g.on(.PATCH, "schemaExtensions/{id}", write) { c in
            let body = try GraphDirectory.validated(try c.body(), type, readOnly: ["id"])
            try c.with { t in
                let current = try find(t, c.param("id"))
                let status = current["status"]?.stringValue ?? "InDevelopment"
                guard status != "Deprecated" else {
                    throw GraphError.badRequest("The schema extension '\(c.param("id"))' is Deprecated and can no longer be changed.")
                }
                if let owner = body["owner"], owner != current["owner"] {
                    throw GraphError.badRequest("The owner of a schema extension cannot be changed.")
                }
                var changes: JSONObject = [:]
                if let d = body["description"] { changes["description"] = d }
                if let s = body["status"] {
                    guard let next = s.stringValue, transitions[status]?.contains(next) == true else {
                        throw GraphError.badRequest("The status of a schema extension cannot change from \(status) to \(s.stringValue ?? "null"); the lifecycle is InDevelopment, Available, Deprecated.")
                    }
                    changes["status"] = s
                }
                // Additive only: existing target types and properties must all be kept.
                if body["targetTypes"] != nil {
                    let new = try targetList(body["targetTypes"], required: true)
                    let old = (current["targetTypes"]?.arrayValue ?? []).compactMap(\.stringValue)
                    guard old.allSatisfy(new.contains) else { throw GraphError.badRequest("Target types cannot be removed from a schema extension.") }
                    changes["targetTypes"] = JSON(new)
                }
                if body["properties"] != nil {
                    let new = try propertyList(body["properties"], required: true)
                    let old = current["properties"]?.arrayValue ?? []
                    guard old.allSatisfy(new.contains) else {
                        throw GraphError.badRequest("Properties cannot be removed from or changed in a schema extension; only new ones can be added.")
                    }
                    changes["properties"] = .array(new)
                }
                t.update(.schemaExtensions, current["id"]?.stringValue ?? "") { e in for (k, v) in changes { e[k] = v } }
            }
            return .noContent
        }
        g.on(.DELETE, "schemaExtensions/{id}", write) { c in
            try c.with { t in
                let current = try find(t, c.param("id"))
                guard current["status"]?.stringValue == "InDevelopment" else {
                    throw GraphError.badRequest("Only a schema extension in the InDevelopment state can be deleted; '\(c.param("id"))' is \(current["status"]?.stringValue ?? "").")
                }
                t.remove(.schemaExtensions, current["id"]?.stringValue ?? "")
            }
            return .noContent
        }
    }

    static func find(_ t: TenantData, _ id: String) throws -> JSONObject {
        guard let e = t.get(.schemaExtensions, id) else { throw GraphError.resourceNotFound(id) }
        return e
    }

    /// `contoso_name` keeps a verified domain's label as prefix; a bare name gets
    /// `ext<8 random lowercase letters>_`, as Graph does.
    static func qualifiedId(_ name: String, _ t: TenantData) throws -> String {
        guard let underscore = name.firstIndex(of: "_") else {
            let letters = Array("abcdefghijklmnopqrstuvwxyz")
            return "ext" + String((0..<8).map { _ in letters.randomElement()! }) + "_" + name
        }
        let prefix = name[..<underscore].lowercased()
        let labels = t.domains.map { String($0.split(separator: ".").first ?? "").lowercased() }
        guard labels.contains(prefix) || prefix.hasPrefix("ext") else {
            throw GraphError.badRequest("Invalid value specified for property 'id' of resource 'SchemaExtension': '\(prefix)' is not a verified domain of this tenant. Use a bare name to get an 'ext…_' prefix.")
        }
        return name
    }

    static func targetList(_ value: JSON?, required: Bool) throws -> [String] {
        guard let items = value?.arrayValue, !items.isEmpty || !required else {
            throw GraphError.badRequest("Invalid value specified for property 'targetTypes' of resource 'SchemaExtension'.")
        }
        return try items.map { v in
            guard let s = v.stringValue, let canonical = targetTypes.first(where: { $0.caseInsensitiveCompare(s) == .orderedSame }) else {
                throw GraphError.badRequest("Invalid target type '\(v.stringValue ?? "")'; supported: \(targetTypes.joined(separator: ", ")).")
            }
            return canonical
        }
    }

    static func propertyList(_ value: JSON?, required: Bool) throws -> [JSON] {
        guard let items = value?.arrayValue, !items.isEmpty || !required else {
            throw GraphError.badRequest("Invalid value specified for property 'properties' of resource 'SchemaExtension'.")
        }
        var names: Set<String> = []
        return try items.map { p in
            guard let name = p["name"]?.stringValue, !name.isEmpty, let t = p["type"]?.stringValue,
                  let canonical = propertyTypes.first(where: { $0.caseInsensitiveCompare(t) == .orderedSame }) else {
                throw GraphError.badRequest("Each schema extension property needs a name and a type (\(propertyTypes.joined(separator: ", "))).")
            }
            guard names.insert(name.lowercased()).inserted else { throw GraphError.badRequest("Duplicate schema extension property '\(name)'.") }
            return ["name": .string(name), "type": .string(canonical)]
        }
    }
}
