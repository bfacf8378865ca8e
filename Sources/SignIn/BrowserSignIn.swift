#if canImport(Glibc)
import Glibc
#endif
import Credentials
import JSONModel
import TextEncodings

extension SignInFlows {
    /// Browser sign-in (`--authType browser`): the authorization code grant with a loopback
    /// redirect, as CLI for Microsoft 365 does it, plus what it leaves out: PKCE (S256) and a
    /// `state` that is checked. The sign-in page opens in the browser (`$BROWSER`, else
    /// xdg-open); its address is also printed, for a browser on another machine.
    public func browser(cloud: Cloud, tenant: String, appId: String, resource: String, timeoutSeconds: Int = 300) throws(SignInError) -> TokenSet {
        let listener = try LoopbackListener()
        defer { listener.close() }
        let redirect = "http://localhost:\(listener.port)"
        let state: String
        let verifier: String
        let challenge: String
        do {
            state = try CryptoPrimitives.randomBytes(16).map { byte in String(byte, radix: 16).leftPadded(to: 2) }.joined()
            verifier = Base64URL.encode(try CryptoPrimitives.randomBytes(32))
            challenge = Base64URL.encode(try CryptoPrimitives.sha256(Array(verifier.utf8)))
        } catch {
            throw SignInError("Cannot start the browser sign-in: \(error)")
        }
        let scope = SignInFlows.scope(resource, offline: true) + " openid profile"
        let query: [(String, String)] = [
            ("client_id", appId), ("response_type", "code"), ("redirect_uri", redirect), ("response_mode", "query"),
            ("scope", scope), ("state", state), ("code_challenge", challenge), ("code_challenge_method", "S256"),
            ("prompt", "select_account"),
        ]
        let url = "https://\(cloud.loginHost)/\(tenant)/oauth2/v2.0/authorize?"
            + query.map { "\($0.0)=\(percentEncode($0.1))" }.joined(separator: "&")
        if environment.openURL(url) {
            environment.tell("To sign in, use the web browser that just has been opened. Please sign-in there.\n")
            environment.tell("If no browser opened, open this address: \(url)\n")
        } else {
            environment.tell("To sign in, open this address in a web browser on this machine: \(url)\n")
        }
        let answer = try listener.awaitRedirect(state: state, deadline: environment.now() + timeoutSeconds, environment: environment)
        if let error = answer["error"] {
            let description = answer["error_description"].map { ": \($0)" } ?? ""
            throw SignInError("The sign-in was refused: \(error)\(description)")
        }
        return try redeem(tokenURL(cloud: cloud, tenant: tenant), [
            ("client_id", appId), ("grant_type", "authorization_code"), ("code", answer["code"] ?? ""),
            ("redirect_uri", redirect), ("scope", scope), ("code_verifier", verifier),
        ], what: "Signing in with the browser")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// The redirect's landing place: an HTTP listener on 127.0.0.1 at a port the system picks.
/// It answers every request with a small page and returns the first one that carries the
/// sign-in's `state` with a `code` or an `error`; anything else (a favicon, a stray or forged
/// request) gets a 404 or 400 and the wait goes on.
struct LoopbackListener {
    let socket: Int32
    let port: Int

    init() throws(SignInError) {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SignInError("Cannot listen for the sign-in redirect: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, generic, &length) == 0
            }
        }
        guard bound else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw SignInError("Cannot listen for the sign-in redirect: \(reason)")
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        socket = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { Glibc.close(socket) }

    /// The redirect's query parameters (`code` or `error`, with the right `state`).
    func awaitRedirect(state: String, deadline: Int, environment: SignInEnvironment) throws(SignInError) -> [String: String] {
        while true {
            if environment.isCancelled() { throw SignInError("Sign-in cancelled.", kind: .cancelled) }
            if environment.now() > deadline { throw SignInError("No sign-in arrived from the browser in time. Run 'm365 login' again.") }
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) > 0 else { continue }
            let client = accept(socket, nil, nil)
            guard client >= 0 else { continue }
            defer { Glibc.close(client) }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            guard let target = Self.readRequestTarget(client) else { continue }
            let parameters = Self.queryParameters(target)
            guard parameters["code"] != nil || parameters["error"] != nil else {
                Self.reply(client, status: "404 Not Found", title: "Not found", text: "This address only receives the sign-in of m365.")
                continue
            }
            guard parameters["state"] == state else {
                Self.reply(client, status: "400 Bad Request", title: "Invalid request", text: "This sign-in answer does not belong to the sign-in m365 is waiting for.")
                continue
            }
            if let error = parameters["error"] {
                Self.reply(client, status: "200 OK", title: "Sign-in failed",
                           text: "Microsoft Entra ID replied with an error: \(error). \(parameters["error_description"] ?? "")")
            } else {
                Self.reply(client, status: "200 OK", title: "Signed in", text: "You have logged into m365. You can close this window.")
            }
            return parameters
        }
    }

    /// The request line's target (`/?code=…&state=…`), read up to the end of the headers, for at
    /// most ten seconds (a client that trickles bytes does not hold the wait).
    static func readRequestTarget(_ client: Int32) -> String? {
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let started = time(nil)
        while request.count < 65536 && time(nil) - started < 10 {
            let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            request.append(contentsOf: buffer[0..<count])
            // The request line is all that is needed: stop at the end of the headers.
            if request.indices.dropLast(3).contains(where: { request[$0..<$0 + 4].elementsEqual([13, 10, 13, 10]) }) { break }
        }
        let line = String(decoding: request, as: UTF8.self).split(separator: "\r\n", maxSplits: 1).first ?? ""
        let parts = line.split(separator: " ")
        guard parts.count == 3, parts[0] == "GET" else { return nil }
        return String(parts[1])
    }

    static func queryParameters(_ target: String) -> [String: String] {
        guard let mark = target.firstIndex(of: "?") else { return [:] }
        var parameters: [String: String] = [:]
        for pair in target[target.index(after: mark)...].split(separator: "&") {
            let halves = pair.split(separator: "=", maxSplits: 1).map { formDecode(String($0)) }
            if let name = halves.first, parameters[name] == nil { parameters[name] = halves.count > 1 ? halves[1] : "" }
        }
        return parameters
    }

    static func reply(_ client: Int32, status: String, title: String, text: String) {
        func escape(_ s: String) -> String {
            s.replacingAll("&", "&amp;").replacingAll("<", "&lt;").replacingAll(">", "&gt;")
        }
        let page = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>m365</title></head><body><h1>\(escape(title))</h1><p>\(escape(text))</p></body></html>"
        let response = "HTTP/1.1 \(status)\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: \(page.utf8.count)\r\nConnection: close\r\n\r\n" + page
        var bytes = Array(response.utf8)[...]
        while !bytes.isEmpty {
            let sent = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            bytes = bytes.dropFirst(sent)
        }
    }
}

extension String {
    fileprivate func replacingAll(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
