import JSONModel

extension Invocation {
    /// Streams a paged collection to the command's output as pages arrive (an empty one prints
    /// `[]`), one page in memory at a time. `page` fetches one page URL (the first flagged, as it
    /// may be a POST) and returns a successful answer; the objects of its `value` array go out as
    /// the service wrote them, checked but never parsed into values; `next` reads the next page's
    /// URL from the page's other members. `service` names the sender in errors.
    public func streamCollection(from url: String, service: String,
                                 page: (_ url: String, _ first: Bool) throws(PluginFailure) -> HTTPResponse,
                                 next: (JSONObject) -> String?) throws(PluginFailure) {
        var count = 0
        var pageURL: String? = url
        var first = true
        while let current = pageURL {
            if isCancelled { throw PluginFailure("cancelled", status: M365_ERR_CANCELLED) }
            let response = try page(current, first)
            first = false
            let others: JSONObject
            var refused: PluginFailure?
            do {
                others = try response.body.withUnsafeBytes { bytes throws(JSONParseError) in
                    try JSON.forEachElement(ofMember: "value", in: bytes) { item in
                        // Objects only; after a refusal the rest of the page is only checked.
                        guard refused == nil, item.first == UInt8(ascii: "{") else { return }
                        do throws(PluginFailure) { try emit(itemText: item) } catch { refused = error }
                        count += 1
                    }
                }
            } catch {
                throw PluginFailure("\(service) sent a collection that is not valid JSON for \(url): \(error)", status: M365_ERR_SERVER)
            }
            if let refused { throw refused }
            pageURL = next(others)
        }
        if count == 0 { try emit(result: []) }
    }
}

/// An error text from a service on one line (messages may span lines).
public func oneLine(_ text: String) -> String {
    text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map { String($0).trimmingSpaces }.joined(separator: " ")
}
