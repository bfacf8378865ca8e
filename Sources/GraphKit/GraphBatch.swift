/// One request of a JSON batch (`POST /$batch`); `url` is relative to the version root.
public struct GraphBatchRequest: Sendable {
    public var id: String
    public var method: String
    public var url: String
    public var headers: JSONObject
    public var body: JSON?
    public var dependsOn: [String]

    public init(id: String, method: String, url: String, headers: JSONObject = JSONObject(), body: JSON? = nil, dependsOn: [String] = []) {
        self.id = id
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.dependsOn = dependsOn
        if body != nil && self.headers["Content-Type"] == nil { self.headers["Content-Type"] = "application/json" }
    }

    var json: JSON {
        var out: JSONObject = ["id": .string(id), "method": .string(method), "url": .string(url)]
        if !headers.isEmpty { out["headers"] = .object(headers) }
        if let body { out["body"] = body }
        if !dependsOn.isEmpty { out["dependsOn"] = .array(dependsOn.map { .string($0) }) }
        return .object(out)
    }
}

/// The answer to one batched request.
public struct GraphBatchResponse: Sendable {
    public var id: String
    public var status: Int
    public var headers: JSONObject
    public var body: JSON?

    public var isSuccess: Bool { (200..<300).contains(status) }

    /// Graph's `code: message` for a failed item.
    public var failureMessage: String {
        let error = ServiceError.parse(body)
        let text = [error?.code ?? "", oneLine(error?.message ?? "")].filter { !$0.isEmpty }.joined(separator: ": ")
        return text.isEmpty ? "HTTP \(status)" : text
    }
}

extension GraphClient {
    /// Graph accepts at most this many requests in one batch.
    public static let batchLimit = 20

    /// Sends `requests` as JSON batches of at most 20 and returns one response per request, in
    /// input order. A request that depends on one sent in an earlier batch is sent only if that
    /// one succeeded (else it is answered 424 here, as Graph does inside a batch). Items throttled
    /// with 429/503 (and dependents that failed because of them) are sent again after their
    /// `Retry-After`, a bounded number of times.
    public func batch(_ requests: [GraphBatchRequest], maxAttempts: Int = 5) throws(PluginFailure) -> [GraphBatchResponse] {
        var results: [String: GraphBatchResponse] = [:]
        var index = 0
        while index < requests.count {
            var chunk: [GraphBatchRequest] = []
            while chunk.count < Self.batchLimit, index < requests.count {
                var request = requests[index]
                index += 1
                if let failed = request.dependsOn.first(where: { results[$0].map { !$0.isSuccess } ?? false }) {
                    results[request.id] = Self.failedDependency(request.id, on: failed)
                    continue
                }
                // Dependencies answered in an earlier batch are met; Graph only knows this batch's ids.
                request.dependsOn = request.dependsOn.filter { dependency in chunk.contains { $0.id == dependency } }
                chunk.append(request)
            }
            // The batch after this one, when nothing in it can depend on this one's answers.
            let following = Array(requests[index..<min(index + Self.batchLimit, requests.count)])
            let ahead = !following.isEmpty && following.allSatisfy({ $0.dependsOn.isEmpty && Self.readsOnly($0) }) ? following : nil
            try sendWithRetries(chunk, into: &results, maxAttempts: maxAttempts, ahead: ahead)
            if requests.count > Self.batchLimit {
                invocation.progress("Sending batched requests", done: Int64(index), total: Int64(requests.count))
            }
        }
        return requests.map { results[$0.id] ?? GraphBatchResponse(id: $0.id, status: 500, headers: [:], body: nil) }
    }

    /// `ahead`: the next batch, asked for while this one's answer is read when it only reads.
    private func sendWithRetries(_ chunk: [GraphBatchRequest], into results: inout [String: GraphBatchResponse], maxAttempts: Int,
                                 ahead: [GraphBatchRequest]?) throws(PluginFailure) {
        var pending = chunk
        var attempt = 1
        while !pending.isEmpty {
            let answers = try sendOneBatch(pending, ahead: attempt == 1 ? ahead : nil)
            var retry: [GraphBatchRequest] = []
            var wait = 0.0
            for request in pending {
                guard let answer = answers[request.id] else {
                    results[request.id] = GraphBatchResponse(id: request.id, status: 500, headers: [:],
                                                             body: ["error": ["code": "missingResponse", "message": "the batch answer left this request out"]])
                    continue
                }
                let throttled = answer.status == 429 || answer.status == 503
                let blockedByThrottling = answer.status == 424 && request.dependsOn.contains { id in retry.contains { $0.id == id } }
                if (throttled || blockedByThrottling) && attempt < maxAttempts {
                    retry.append(request)
                    if throttled { wait = max(wait, Self.retryAfter(answer.headers) ?? Double(1 << (attempt - 1))) }
                } else {
                    results[request.id] = answer
                }
            }
            if retry.isEmpty { break }
            invocation.log("\(retry.count) batched request(s) throttled; sending them again in \(wait) s", level: M365_LOG_VERBOSE)
            try pause(seconds: min(wait, 120), invocation: invocation)
            pending = retry
            attempt += 1
        }
    }

    private func sendOneBatch(_ requests: [GraphBatchRequest], ahead: [GraphBatchRequest]?) throws(PluginFailure) -> [String: GraphBatchResponse] {
        let url = self.url("/$batch")
        let response = try service.answer(batchRequest(requests))
        if let ahead { invocation.prefetch(batchRequest(ahead)) }
        guard let answer = try service.json(response, url: url)?["responses"]?.arrayValue else {
            throw PluginFailure("Microsoft Graph answered the batch without 'responses'", status: M365_ERR_SERVER)
        }
        var out: [String: GraphBatchResponse] = [:]
        for item in answer {
            guard let id = item["id"]?.stringValue, let status = item["status"]?.numberValue else { continue }
            out[id] = GraphBatchResponse(id: id, status: Int(status), headers: item["headers"]?.objectValue ?? [:], body: item["body"])
        }
        return out
    }

    /// The `$batch` POST of `requests`, the same bytes whether asked for in advance or sent. A
    /// batch of reads may be sent twice (ABI 1.3 prefetch, retries after a dropped connection).
    private func batchRequest(_ requests: [GraphBatchRequest]) -> ServiceRequest {
        var request = service.request("POST", url("/$batch"), body: ["requests": .array(requests.map(\.json))])
        if requests.allSatisfy(Self.readsOnly) { request.flags |= UInt32(M365_HTTP_IDEMPOTENT) }
        return request
    }

    static func readsOnly(_ request: GraphBatchRequest) -> Bool { request.method.uppercased() == "GET" }

    static func retryAfter(_ headers: JSONObject) -> Double? {
        for (name, value) in headers where name.lowercased() == "retry-after" {
            if let seconds = value.numberValue ?? value.stringValue.flatMap({ Double($0.trimmingSpaces) }) { return seconds }
        }
        return nil
    }

    static func failedDependency(_ id: String, on dependency: String) -> GraphBatchResponse {
        GraphBatchResponse(id: id, status: 424, headers: [:], body: ["error": [
            "code": "FailedDependency", "message": .string("request '\(dependency)', which this request depends on, failed"),
        ]])
    }

    /// Sends `requests` in batches and fails, naming every failed item, unless all succeeded.
    public func batchChecked(_ requests: [GraphBatchRequest], describe: (GraphBatchRequest) -> String) throws(PluginFailure) -> [GraphBatchResponse] {
        let responses = try batch(requests)
        let failures = zip(requests, responses).filter { !$0.1.isSuccess }
        guard failures.isEmpty else {
            let first = failures.prefix(3).map { "\(describe($0.0)): \($0.1.failureMessage)" }.joined(separator: "; ")
            let more = failures.count > 3 ? " (and \(failures.count - 3) more)" : ""
            let status = failures.contains { $0.1.status == 403 } ? M365_ERR_FORBIDDEN
                : failures.allSatisfy { $0.1.status == 404 } ? M365_ERR_NOT_FOUND : M365_ERROR
            throw PluginFailure("\(failures.count) of \(requests.count) requests failed: \(first)\(more)", status: status)
        }
        return responses
    }
}
