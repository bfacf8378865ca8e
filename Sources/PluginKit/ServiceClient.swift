import JSONModel

/// How one REST service speaks: what it is called in messages, what a request accepts, where a
/// page of a collection keeps its items and the link to the next page, and how an error answer
/// becomes a one-line failure. Microsoft Graph and SharePoint are two of these; a new service is
/// a new dialect, not a new client.
public struct ServiceDialect: Sendable {
    /// "Microsoft Graph", "SharePoint": the sender named in errors.
    public var name: String
    /// Sent with every request (`Accept`).
    public var headers: [(name: String, value: String)]
    /// The `Content-Type` of a JSON body.
    public var jsonContentType: String
    /// Members that may hold the next page's URL, in order of preference.
    public var nextLinkKeys: [String]
    /// A failed answer as one line. `write` says whether the request changed something.
    public var failure: @Sendable (_ invocation: Invocation, _ response: ServiceResponse, _ url: String, _ write: Bool) -> PluginFailure

    public init(name: String, headers: [(name: String, value: String)], jsonContentType: String = "application/json",
                nextLinkKeys: [String],
                failure: @escaping @Sendable (Invocation, ServiceResponse, String, Bool) -> PluginFailure) {
        self.name = name
        self.headers = headers
        self.jsonContentType = jsonContentType
        self.nextLinkKeys = nextLinkKeys
        self.failure = failure
    }

    /// The next page's URL a page names, if any. SharePoint's verbose JSON keeps it at `d.__next`.
    func nextLink(_ page: JSONObject) -> String? {
        for key in nextLinkKeys {
            if let link = page[key]?.stringValue, !link.isEmpty { return link }
        }
        return page["d"]?["__next"]?.stringValue
    }
}

/// One REST service as a plugin command uses it: requests built one way, answers checked and
/// their errors explained by the dialect, collections read page by page with one page in memory.
/// While a page is emitted the next one is already on its way (`Invocation.prefetch`).
public struct ServiceClient {
    public let invocation: Invocation
    public let dialect: ServiceDialect

    public init(_ invocation: Invocation, dialect: ServiceDialect) {
        self.invocation = invocation
        self.dialect = dialect
    }

    // MARK: Requests

    /// The request for `method url`: the dialect's headers, then `headers`, then a JSON body's
    /// content type. Every request is built here, so a page asked for in advance is the same
    /// request as the one that takes it.
    public func request(_ method: String, _ url: String, body: JSON? = nil, headers: [(name: String, value: String)] = []) -> ServiceRequest {
        var request = ServiceRequest(method: method, url: url, headers: dialect.headers + headers)
        if let body {
            request.headers.append(("Content-Type", dialect.jsonContentType))
            request.body = Array(body.serialized().utf8)
        }
        return request
    }

    /// Sends `request`; a successful answer, or the dialect's failure for an error answer.
    public func answer(_ request: ServiceRequest) throws(PluginFailure) -> ServiceResponse {
        try checked(invocation.send(request), url: request.url, write: request.method != "GET")
    }

    /// `response` when it is a success, else the dialect's failure.
    public func checked(_ response: ServiceResponse, url: String, write: Bool) throws(PluginFailure) -> ServiceResponse {
        guard response.isSuccess else { throw dialect.failure(invocation, response, url, write) }
        return response
    }

    /// The JSON body of a successful answer (nil for an empty one such as 204's).
    public func json(_ response: ServiceResponse, url: String) throws(PluginFailure) -> JSON? {
        if response.body.isEmpty { return nil }
        guard let json = response.json else {
            throw PluginFailure("\(dialect.name) sent a response that is not valid JSON (\(response.body.count) bytes) for \(url)", status: M365_ERR_SERVER)
        }
        return json
    }

    /// Sends one request; returns the JSON body (nil for an empty 2xx body such as 204).
    @discardableResult
    public func send(_ method: String, _ url: String, body: JSON? = nil, headers: [(name: String, value: String)] = []) throws(PluginFailure) -> JSON? {
        try json(answer(request(method, url, body: body, headers: headers)), url: url)
    }

    /// GETs one object.
    public func get(_ url: String, headers: [(name: String, value: String)] = []) throws(PluginFailure) -> JSONObject {
        guard let object = try send("GET", url, headers: headers)?.objectValue else {
            throw PluginFailure("\(dialect.name) sent no object for \(url)", status: M365_ERR_SERVER)
        }
        return object
    }

    // MARK: Collections

    /// How a collection's first page is fetched: a GET of its URL unless given (SharePoint's
    /// CAML queries are a POST). Further pages are GETs of the link each page names, with
    /// `headers` resent (Graph's ConsistencyLevel).
    public typealias FirstPage = () throws(PluginFailure) -> ServiceResponse

    /// Calls `body` with every item of a collection, fetching the next page only when the
    /// previous one is done: memory stays one page whatever the collection's size. With
    /// `readAhead` the next page is asked for before `body` sees this page's items (say so only
    /// when every page will be read: a page asked for is sent even if `body` then stops).
    public func forEachItem(_ url: String, headers: [(name: String, value: String)] = [], first: FirstPage? = nil, readAhead: Bool = false,
                            _ body: (JSONObject) throws(PluginFailure) -> Void) throws(PluginFailure) {
        var next: String? = url
        var firstPage = first
        while let pageURL = next {
            if invocation.isCancelled { throw PluginFailure("cancelled", status: M365_ERR_CANCELLED) }
            let response = try fetch(pageURL, headers: headers, first: &firstPage)
            guard let page = try json(response, url: pageURL)?.objectValue else {
                throw PluginFailure("\(dialect.name) sent no collection for \(url)", status: M365_ERR_SERVER)
            }
            guard let items = page["value"]?.arrayValue ?? page["d"]?["results"]?.arrayValue else {
                throw PluginFailure("\(dialect.name) sent a collection without 'value' for \(url)", status: M365_ERR_SERVER)
            }
            next = dialect.nextLink(page)
            if readAhead, let next { invocation.prefetch(request("GET", next, headers: headers)) }
            for item in items {
                guard let entity = item.objectValue else { continue }
                try body(entity)
            }
        }
    }

    /// One page: the first as `first` fetches it (then forgotten), any other a GET.
    private func fetch(_ url: String, headers: [(name: String, value: String)], first: inout FirstPage?) throws(PluginFailure) -> ServiceResponse {
        if let page = first {
            first = nil
            return try page()
        }
        return try answer(request("GET", url, headers: headers))
    }

    /// Every item of a (small) collection, for lookups.
    public func all(_ url: String, headers: [(name: String, value: String)] = []) throws(PluginFailure) -> [JSONObject] {
        var out: [JSONObject] = []
        try forEachItem(url, headers: headers) { item throws(PluginFailure) in out.append(item) }
        return out
    }

    /// Streams a collection to the command's output as pages arrive (an empty one prints `[]`),
    /// the next page on its way while one is emitted. Without a `transform` items go out as the
    /// service wrote them, checked but never parsed into values.
    /// `dropping`: a top-level member left out of every item (without building the items).
    public func list(_ url: String, headers: [(name: String, value: String)] = [], first: FirstPage? = nil, dropping: String? = nil,
                     transform: ((JSONObject) throws(PluginFailure) -> JSONObject?)? = nil) throws(PluginFailure) {
        var count = 0
        if let transform {
            try forEachItem(url, headers: headers, first: first, readAhead: true) { item throws(PluginFailure) in
                guard var shaped = try transform(item) else { return }
                if let dropping { shaped[dropping] = nil }
                try invocation.emit(item: .object(shaped))
                count += 1
            }
        } else {
            var next: String? = url
            var firstPage = first
            while let pageURL = next {
                if invocation.isCancelled { throw PluginFailure("cancelled", status: M365_ERR_CANCELLED) }
                let response = try fetch(pageURL, headers: headers, first: &firstPage)
                // The items' places are found (and checked) first, so that the next page can be
                // asked for before they are emitted.
                let read: Result<(items: [Range<Int>], others: JSONObject), JSONParseError> = response.body.withUnsafeBytes { bytes in
                    do throws(JSONParseError) { return .success(try JSON.elementRanges(ofMember: "value", in: bytes)) } catch { return .failure(error) }
                }
                let page: (items: [Range<Int>], others: JSONObject)
                switch read {
                case .success(let read): page = read
                case .failure(let error):
                    throw PluginFailure("\(dialect.name) sent a collection that is not valid JSON for \(url): \(error)", status: M365_ERR_SERVER)
                }
                next = dialect.nextLink(page.others)
                if let next { invocation.prefetch(request("GET", next, headers: headers)) }
                var refused: PluginFailure?
                response.body.withUnsafeBytes { bytes in
                    for range in page.items where bytes[range.lowerBound] == UInt8(ascii: "{") {
                        let text = UnsafeRawBufferPointer(rebasing: bytes[range])
                        do throws(PluginFailure) {
                            if let dropping, let kept = JSON.removingMember(dropping, fromObject: text) {
                                let failure: PluginFailure? = kept.withUnsafeBytes { kept in
                                    do throws(PluginFailure) { try invocation.emit(itemText: kept); return nil } catch { return error }
                                }
                                if let failure { throw failure }
                            } else {
                                try invocation.emit(itemText: text)
                            }
                        } catch {
                            refused = error
                            return
                        }
                        count += 1
                    }
                }
                if let refused { throw refused }
            }
        }
        if count == 0 { try invocation.emit(result: []) }
    }
}

/// The `code` and `message` of a service's error body: Graph and OData v4 (`error` with a string
/// `message`), SharePoint's OData v3 light (`odata.error`) and verbose (`error.message.value`),
/// and the identity platform's `error_description`. The one reader of error bodies in plugins.
public enum ServiceError {
    public static func parse(_ json: JSON?) -> (code: String, message: String)? {
        guard let json else { return nil }
        guard let error = json["odata.error"] ?? json["error"], error.objectValue != nil else {
            if let description = json["error_description"]?.stringValue { return ("", description) }
            return nil
        }
        let code = error["code"]?.stringValue ?? ""
        let message = error["message"]?["value"]?.stringValue ?? error["message"]?.stringValue ?? ""
        return (code, message)
    }

    public static func parse(_ response: ServiceResponse) -> (code: String, message: String)? { parse(response.json) }
}
