import Crypto
import Foundation
import JSONModel
import NIOHTTP1

/// A Graph failure in Graph's error shape (rendered by `GraphService.error`).
struct GraphError: Error, Sendable {
    var status: HTTPResponseStatus
    var code: String
    var message: String

    init(_ status: HTTPResponseStatus, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    static func resourceNotFound(_ id: String) -> GraphError {
        GraphError(.notFound, "Request_ResourceNotFound",
                   "Resource '\(id)' does not exist or one of its queried reference-property objects are not present.")
    }

    static func unknownProperty(_ name: String, type: String) -> GraphError {
        GraphError(.badRequest, "Request_BadRequest", "Could not find a property named '\(name)' on type '\(type)'.")
    }

    static func pageSize(_ value: String) -> GraphError {
        GraphError(.badRequest, "Request_UnsupportedQuery",
                   "Invalid page size specified: '\(value)'. Must be between 1 and \(GraphQuery.maximumPageSize) inclusive.")
    }

    static let badSkipToken = GraphError(.badRequest, "Request_BadRequest", "The specified page token value is invalid.")

    static func unsupportedOption(_ name: String) -> GraphError {
        GraphError(.badRequest, "Request_UnsupportedQuery", "The query option '$\(name)' is not supported by the emulator on this resource yet.")
    }
}

/// An entity type as far as projection goes: every property `$select` may name, and the default
/// set Graph returns without `$select`. Entities are built with all properties, in Graph's order.
struct GraphEntityType: Sendable {
    /// The name Graph's directory errors use (`Microsoft.DirectoryServices.User`).
    let errorTypeName: String
    /// The entity set in `@odata.context` (`users`).
    let entitySet: String
    let defaultProperties: [String]
    let properties: [String]

    /// The canonical spelling of `name` (property names are case-insensitive in OData queries).
    func property(named name: String) -> String? {
        properties.first { $0.caseInsensitiveCompare(name) == .orderedSame }
    }
}

/// The OData query options of one Graph request (`$top`, `$select`, `$skiptoken`) and the paging
/// and projection they drive: the one place collection endpoints share. An endpoint builds its
/// full, ordered list of entities and hands it to `collection(_:...)`; `$filter`, `$orderby` and
/// `$count` are meant to be added here (and then listed in a resource's `supported` options).
struct GraphQuery: Sendable {
    static let defaultPageSize = 100
    static let maximumPageSize = 999

    /// Options as sent, `$` included, in order and still percent-encoded: a nextLink repeats them.
    let rawOptions: [(name: String, encodedPair: String)]
    /// Decoded values by lower-cased name without the `$`.
    let values: [String: String]
    /// Canonical property names from `$select`; nil means the type's default projection.
    let select: [String]?
    let pageSize: Int
    let skipToken: String?

    /// Parses the system query options of `req` for an entity of `type`. `supported` names the
    /// options (lower case, without `$`) the resource understands; any other `$option` is refused
    /// rather than silently ignored, so a test never passes on data the option should have changed.
    init(_ req: EmulatorRequest, type: GraphEntityType, supported: Set<String>) throws {
        var raw: [(name: String, encodedPair: String)] = []
        var values: [String: String] = [:]
        for pair in req.rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = FormEncoding.percentDecode(String(parts[0]))
            let value = parts.count > 1 ? FormEncoding.percentDecode(String(parts[1])) : ""
            raw.append((name, String(pair)))
            guard name.hasPrefix("$") else { continue }  // custom parameters are the caller's business
            let option = String(name.dropFirst()).lowercased()
            guard supported.contains(option) else { throw GraphError.unsupportedOption(option) }
            if values[option] == nil { values[option] = value }
        }
        self.rawOptions = raw
        self.values = values

        if let text = values["top"] {
            guard let n = Int(text.trimmingCharacters(in: .whitespaces)), (1...Self.maximumPageSize).contains(n) else {
                throw GraphError.pageSize(text)
            }
            pageSize = n
        } else {
            pageSize = Self.defaultPageSize
        }

        if let text = values["select"], !text.trimmingCharacters(in: .whitespaces).isEmpty {
            var names: [String] = []
            for item in text.split(separator: ",") {
                let name = item.trimmingCharacters(in: .whitespaces)
                guard let canonical = type.property(named: name) else { throw GraphError.unknownProperty(name, type: type.errorTypeName) }
                if !names.contains(canonical) { names.append(canonical) }
            }
            select = names
        } else {
            select = nil
        }
        skipToken = values["skiptoken"]
    }

    // MARK: Projection

    /// `entity` reduced to the selected (or default) properties, in that order.
    func project(_ entity: JSONObject, type: GraphEntityType, into out: JSONObject = JSONObject()) -> JSONObject {
        var out = out
        for name in select ?? type.defaultProperties { out[name] = entity[name] ?? .null }
        return out
    }

    /// `https://graph.microsoft.com/v1.0/$metadata#users` or `…#users(id,displayName)`.
    func contextURL(_ req: EmulatorRequest, version: String, type: GraphEntityType) -> String {
        let selection = select.map { "(\($0.joined(separator: ",")))" } ?? ""
        return "https://\(req.host)/\(version)/$metadata#\(type.entitySet)\(selection)"
    }

    // MARK: Responses

    /// One entity: `@odata.context` (`…#users/$entity`) followed by its projected properties.
    func entity(_ entity: JSONObject, _ req: EmulatorRequest, version: String, type: GraphEntityType) -> JSON {
        .object(project(entity, type: type, into: ["@odata.context": .string(contextURL(req, version: version, type: type) + "/$entity")]))
    }

    /// One page of `all`: `@odata.context`, `@odata.nextLink` while more remain, `value`.
    func collection(_ all: [JSONObject], _ req: EmulatorRequest, version: String, type: GraphEntityType) throws -> JSON {
        let scope = pagingScope(req)
        var offset = 0
        if let skipToken {
            guard let o = SkipToken.offset(skipToken, scope: scope), o <= all.count else { throw GraphError.badSkipToken }
            offset = o
        }
        let end = min(all.count, offset + pageSize)
        var out: JSONObject = ["@odata.context": .string(contextURL(req, version: version, type: type))]
        if end < all.count {
            out["@odata.nextLink"] = .string(nextLink(req, token: SkipToken.make(offset: end, scope: scope)))
        }
        out["value"] = .array(all[offset..<end].map { .object(project($0, type: type)) })
        return .object(out)
    }

    /// The request's own URL with every option kept verbatim and `$skiptoken` replaced.
    private func nextLink(_ req: EmulatorRequest, token: String) -> String {
        let kept = rawOptions.filter { $0.name.lowercased() != "$skiptoken" }.map(\.encodedPair)
        return "https://\(req.host)\(req.path)?" + (kept + ["$skiptoken=\(token)"]).joined(separator: "&")
    }

    /// What a skip token is valid for: the collection and the options that decide its contents
    /// and order (a token from `/users` is refused on another collection or another filter).
    private func pagingScope(_ req: EmulatorRequest) -> String {
        ([req.path.lowercased()] + ["filter", "orderby", "search"].map { values[$0] ?? "" }).joined(separator: "\n")
    }
}

/// `$skiptoken` values: opaque to clients (base64url), carrying the next offset and a digest of
/// the paging scope.
enum SkipToken {
    static func make(offset: Int, scope: String) -> String {
        Base64URL.encode("\(offset).\(digest(scope))")
    }

    static func offset(_ token: String, scope: String) -> Int? {
        guard let bytes = Base64URL.decode(token) else { return nil }
        let parts = String(decoding: bytes, as: UTF8.self).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1] == digest(scope), let offset = Int(parts[0]), offset >= 0 else { return nil }
        return offset
    }

    private static func digest(_ scope: String) -> Substring {
        Base64URL.encode(SHA256.hash(data: Array(scope.utf8))).prefix(16)
    }
}
