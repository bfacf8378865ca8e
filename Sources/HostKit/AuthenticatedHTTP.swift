import HostConfig
import HTTPClient
import JSONModel
import SignIn

extension Session {
    /// A request made ready to send for a command: the connection it signs in with, and the
    /// token's audience (nil when it sends none).
    struct AuthorizedRequest {
        var request: HTTPRequest
        var connection: Connection?
        var resource: String?
    }

    /// Sends a request on behalf of a command: picks the service's connection, adds a token for
    /// the resource (the URL's origin unless named; only ever over https or to loopback), sends.
    func send(_ request: HTTPRequest, service: String?) throws(HostError) -> HTTPResponse {
        let authorized = try authorize(request, service: service)
        let client = try http()
        return try complete(authorized, Result { () throws(HTTPError) in try client.send(authorized.request) })
    }

    /// The request with the service's token added, checked first: never to a URL with user
    /// information, never over plain HTTP other than to loopback.
    func authorize(_ request: HTTPRequest, service: String?) throws(HostError) -> AuthorizedRequest {
        var outgoing = request
        let connection = request.authenticate ? try connection(forService: service) : nil
        var resource: String?
        if let connection {
            let parts = URLParts(request.url)
            guard parts.userInfo == nil else {
                throw HostError("Refusing to send an access token to a URL with user information (user@host): \(Redaction.url(request.url))", kind: .usage(command: nil))
            }
            guard let audience = request.resource ?? origin(of: request.url) else {
                throw HostError("'\(request.url)' is not an absolute URL", kind: .usage(command: nil))
            }
            guard parts.scheme == "https" || (parts.scheme == "http" && parts.isLoopback) else {
                throw HostError("Refusing to send an access token over plain HTTP to \(Redaction.url(request.url)); use https", kind: .usage(command: nil))
            }
            resource = audience
            outgoing.headers.append((name: "Authorization", value: "Bearer \(try accessToken(connection, resource: audience))"))
        }
        return AuthorizedRequest(request: outgoing, connection: connection, resource: resource)
    }

    /// What became of an authorized request (sent now, or earlier in the background): a 401 for a
    /// cached token (revoked, password changed) forgets it and tries once more with a fresh one
    /// when the body can be sent again; transport failures become the command's errors.
    func complete(_ authorized: AuthorizedRequest, _ outcome: Result<HTTPResponse, HTTPError>) throws(HostError) -> HTTPResponse {
        do {
            var response = try outcome.get()
            var outgoing = authorized.request
            if response.status == 401, let connection = authorized.connection, let resource = authorized.resource, outgoing.body.isReplayable {
                try provider(for: connection).invalidate(connection, resource: resource)
                outgoing.headers.removeAll { $0.name == "Authorization" }
                outgoing.headers.append((name: "Authorization", value: "Bearer \(try accessToken(connection, resource: resource))"))
                response = try http().send(outgoing)
            }
            return response
        } catch let error as HostError {
            throw error
        } catch let error as SignInError {
            throw HostError(error)
        } catch let error as HTTPError {
            switch error.kind {
            case .cancelled: throw HostError(error.description, kind: .cancelled)
            case .throttled: throw HostError(error.description, kind: .network(throttled: true))
            default: throw HostError(error.description, kind: .network(throttled: false))
            }
        } catch {
            throw HostError("\(error)")
        }
    }
}

extension HTTPBody {
    /// Bytes can be sent again; a stream cannot.
    var isReplayable: Bool {
        if case .stream = self { return false }
        return true
    }
}

/// The one-line message of an error response: Graph (`error.message`), SharePoint OData v3/v4
/// (`odata.error.message.value`, `error.message.value`), Entra (`error_description`), else the
/// status and the start of the body.
func serviceErrorMessage(status: Int, body: [UInt8]) -> String {
    if let json = try? JSON.parse(bytes: body) {
        let candidates: [JSON?] = [
            json["odata.error"]?["message"]?["value"], json["error"]?["message"]?["value"],
            json["error"]?["message"], json["error_description"], json["message"], json["error"],
        ]
        for candidate in candidates {
            if let text = candidate?.stringValue, !text.isEmpty {
                let code = json["error"]?["code"]?.stringValue ?? json["odata.error"]?["code"]?.stringValue
                let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
                return code.map { "\($0): \(line)" } ?? line
            }
        }
    }
    let text = String(decoding: body.prefix(300), as: UTF8.self)
    if text.lowercased().contains("<html") { return "HTTP \(status) (the server answered with an HTML page)" }
    let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
    return line.isEmpty ? "HTTP \(status)" : "HTTP \(status): \(line)"
}
