import Foundation
import JSONModel

/// `Accept: application/json;odata.metadata=none`, as CLI for Microsoft 365 (and m365) send it:
/// Graph then leaves out the control annotations (`@odata.context`, `@odata.type`, `@odata.id`,
/// and `@odata.etag`: Planner's updates need it, so a client reads it with `odata.metadata=minimal`,
/// pnp/cli-microsoft365#4446) but keeps what a client needs to page (`@odata.nextLink`,
/// `@odata.count`, `@odata.deltaLink`).
enum GraphMetadata {
    static let kept: Set<String> = ["@odata.nextLink", "@odata.count", "@odata.deltaLink"]

    static func apply(_ response: EmulatorResponse, accept: String?) -> EmulatorResponse {
        guard let accept, accept.lowercased().contains("odata.metadata=none"),
              response.headers.first(name: "Content-Type")?.hasPrefix("application/json") == true,
              let json = try? JSON.parse(String(decoding: response.body, as: UTF8.self)) else { return response }
        var out = response
        out.body = Array(strip(json).serialized().utf8)
        out.headers.replaceOrAdd(name: "Content-Type", value: GraphService.contentType.replacingOccurrences(of: "odata.metadata=minimal", with: "odata.metadata=none"))
        return out
    }

    static func strip(_ value: JSON) -> JSON {
        switch value {
        case .object(let object):
            var out = JSONObject()
            for (key, item) in object where !key.hasPrefix("@odata.") || kept.contains(key) { out[key] = strip(item) }
            return .object(out)
        case .array(let items):
            return .array(items.map(strip))
        default:
            return value
        }
    }
}
