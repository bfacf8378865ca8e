#if canImport(Glibc)
import Glibc
#endif
import CommandModel
import HostConfig
import HTTPClient
import JSONModel
import OutputFormat
import PartialFiles
import SignIn

/// `m365 request`: any Graph or SharePoint call with the connection's token, as CLI for
/// Microsoft 365 offers it. Unknown options become request headers.
enum RequestCommand {
    static let command = HostCommand(
        spec: CommandSpec(
            words: ["request"], description: "Sends a request to Microsoft Graph, SharePoint or another Microsoft 365 API (differs from CLI for Microsoft 365: a body without --content-type goes as application/json, where the CLI refuses it; --all is an addition of this m365)",
            options: [
                OptionSpec(name: "url", short: "u", required: true, description: "The URL; @graph, @graphbeta and @spo expand to the connection's endpoints", readsFileReferences: false),
                OptionSpec(name: "method", short: "m", type: .enum, allowed: ["get", "post", "put", "patch", "delete", "head", "options"], defaultValue: "get", description: "HTTP method"),
                OptionSpec(name: "resource", short: "r", description: "Token audience (default: the URL's origin)"),
                OptionSpec(name: "body", short: "b", description: "Request body (@file reads it from a file)"),
                OptionSpec(name: "filePath", short: "p", description: "Save the response body to this file"),
                OptionSpec(name: "all", type: .boolean, description: "Follow next links (@odata.nextLink) and print every item"),
            ],
            acceptsUnknownOptions: true,
            examples: [
                ExampleSpec(description: "The signed-in user", command: "m365 request --url @graph/me"),
                ExampleSpec(description: "All users, every page", command: "m365 request --url @graph/users --all"),
                ExampleSpec(description: "A SharePoint call with a header", command: "m365 request --url @spo/_api/web --accept 'application/json;odata=nometadata'"),
            ]),
        handler: run)

    /// Options that are not headers (everything the command declares).
    private static let declared: Set<String> = ["url", "method", "resource", "body", "filePath", "all"]

    static func expand(_ url: String, connection: Connection?) throws(HostError) -> String {
        let cloud = connection?.cloud ?? .Public
        for (token, base) in [("@graphbeta", cloud.graphOrigin + "/beta"), ("@graph", cloud.graphOrigin + "/v1.0")] where url.hasPrefix(token) {
            return base + url.dropFirst(token.count)
        }
        if url.hasPrefix("@spo") {
            // The SharePoint plugin publishes the tenant's URL as the connection fact `spoUrl`.
            guard let spo = connection?.facts["spoUrl"] else {
                throw HostError("SharePoint root site URL is unknown. Please set your SharePoint URL using command 'spo set'.", kind: .usage(command: "request"))
            }
            return spo + url.dropFirst(4)
        }
        return url
    }

    private static func run(_ context: inout HostContext, _ options: JSONObject) throws(HostError) -> JSON? {
        let session = context.session
        let connection = try? session.connection(forService: nil)
        var url = try expand(options["url"]!.stringValue!, connection: connection)
        let method = options["method"]!.stringValue!.uppercased()
        var headers: [(name: String, value: String)] = []
        for (key, value) in options where !declared.contains(key) {
            headers.append((name: key, value: value.stringValue ?? value.serialized()))
        }
        if !headers.contains(where: { $0.name.lowercased() == "accept" }) {
            headers.append((name: "accept", value: "application/json"))
        }
        // As the CLI: a body needs a method that carries one; the content type defaults to JSON
        // here (the CLI demands it: a stated difference).
        if options["body"] != nil && method == "GET" {
            throw HostError("Specify a different method when using body", kind: .usage(command: "request"))
        }
        if let path = options["filePath"]?.stringValue {
            let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
            if !directory.isEmpty && !FileSystem.exists(directory) {
                throw HostError("The location specified in the filePath does not exist", kind: .usage(command: "request"))
            }
        }
        var body = HTTPBody.empty
        if let text = options["body"]?.stringValue {
            body = .bytes(Array(text.utf8))
            if !headers.contains(where: { $0.name.lowercased() == "content-type" }) {
                headers.append((name: "content-type", value: "application/json"))
            }
        }
        var request = HTTPRequest(method: method, url: url, headers: headers, body: body)
        request.resource = options["resource"]?.stringValue
        if session.verbose { Console.err("Executing request...\n") }

        if let path = options["filePath"]?.stringValue {
            try download(request, to: path, session: session)
            if session.verbose { Console.err("File saved to path \(path)\n") }
            return nil
        }
        let followAll = options["all"]?.boolValue == true
        var items: [JSON] = []
        while true {
            let response = try session.send(request, service: nil)
            guard response.status < 400 else {
                throw HostError(serviceErrorMessage(status: response.status, body: response.body))
            }
            guard let json = try? JSON.parse(bytes: response.body) else {
                // Not JSON: print the body as it came (nothing under --output none).
                if context.outputMode != OutputMode.none { Console.out(String(decoding: response.body, as: UTF8.self)) }
                return nil
            }
            guard followAll else { return json }
            items += json["value"]?.arrayValue ?? [json]
            guard let next = json["@odata.nextLink"]?.stringValue ?? json["odata.nextLink"]?.stringValue else { break }
            url = next
            request.url = url
            request.method = "GET"
            request.body = .empty
        }
        return .array(items)
    }

    /// Streams the body to a part file next to the target, renamed into place only when
    /// complete: a failed download never leaves a partial file under the target name.
    private static func download(_ base: HTTPRequest, to path: String, session: Session) throws(HostError) {
        let sink: PartialDownload
        do { sink = try PartialDownload(target: path) } catch { throw HostError(error.description) }
        var request = base
        // Only a 2xx body streams to the file; an error's body stays in the response.
        request.onResponseBody = { chunk in sink.write(chunk.baseAddress!, chunk.count) }
        let response: HTTPResponse
        do {
            response = try session.send(request, service: nil)
        } catch {
            try? sink.finish(success: false)
            throw sink.failure.map { HostError($0) } ?? error
        }
        guard response.status < 400 else {
            try? sink.finish(success: false)
            throw HostError(serviceErrorMessage(status: response.status, body: response.body))
        }
        do { try sink.finish(success: true) } catch { throw HostError(error.description) }
    }
}
