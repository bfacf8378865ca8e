import TextEncodings

/// Removes secrets from what `--debug` prints (and anything else that shows traffic).
///
/// - Headers: Authorization and Proxy-Authorization keep their scheme ("Bearer [redacted]");
///   Cookie, Set-Cookie, X-IDENTITY-HEADER, the App Service `secret` header and
///   X-RequestDigest are replaced whole.
/// - Bodies (form-encoded and JSON, recognised by content type or by shape): the values of
///   password, passwd, client_secret, client_assertion, refresh_token, access_token, id_token,
///   device_code, code and assertion (keys compared case-insensitively).
/// - Everywhere in text: anything shaped like a JWT (`eyJ….….…`), whatever carries it.
public enum Redaction {
    public static let marker = "[redacted]"

    public static let secretHeaders: Set<String> = [
        "authorization", "proxy-authorization", "cookie", "set-cookie", "x-identity-header", "secret", "x-requestdigest",
    ]

    public static let secretFields: Set<String> = [
        "password", "passwd", "client_secret", "client_assertion", "refresh_token", "access_token", "id_token",
        "device_code", "code", "code_verifier", "assertion",
        // Graph and SharePoint bodies: app secrets (addPassword), request digests, OIDC tokens.
        "secrettext", "clientsecret", "formdigestvalue", "oidctoken", "private_key", "privatekey",
    ]

    /// Query parameters that carry credentials in URLs (pre-authenticated download links,
    /// SAS signatures) on top of `secretFields`.
    static let secretQueryFields: Set<String> = secretFields.union(["tempauth", "sig", "token"])

    /// The value to show for a header.
    public static func header(name: String, value: String) -> String {
        let lower = name.lowercased()
        guard secretHeaders.contains(lower) else { return scrubTokens(value) }
        if lower == "authorization" || lower == "proxy-authorization" {
            let v = trim(value)
            if let space = v.firstIndex(of: " ") { return "\(v[..<space]) \(marker)" }
        }
        return marker
    }

    /// A body as text with secret values replaced. `contentType` picks the syntax; without one
    /// the text's shape does (JSON when it starts with `{` or `[`, else form-encoded when it
    /// is one `key=value&…` line).
    public static func body(_ text: String, contentType: String?) -> String {
        let ct = contentType?.lowercased() ?? ""
        var out = text
        if ct.contains("x-www-form-urlencoded") {
            out = form(text)
        } else if ct.contains("json") {
            out = json(text)
        } else if ct.isEmpty || ct.hasPrefix("text/plain") {
            let t = trim(text)
            if t.hasPrefix("{") || t.hasPrefix("[") {
                out = json(text)
            } else if t.contains("="), !t.contains(" "), !t.contains("\n") {
                out = form(text)
            }
        }
        return scrubTokens(out)
    }

    /// A URL with secret query values replaced.
    public static func url(_ url: String) -> String {
        guard let q = url.firstIndex(of: "?") else { return scrubTokens(url) }
        var query = url[url.index(after: q)...]
        var fragment = ""
        if let hash = query.firstIndex(of: "#") {
            fragment = String(query[hash...])
            query = query[..<hash]
        }
        return scrubTokens(String(url[...q]) + form(String(query), keys: secretQueryFields) + fragment)
    }

    /// `a=1&password=x` → `a=1&password=[redacted]`.
    static func form(_ text: String, keys: Set<String> = secretFields) -> String {
        text.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            guard let eq = pair.firstIndex(of: "=") else { return String(pair) }
            let key = formDecode(String(pair[..<eq])).lowercased()
            return keys.contains(trim(key)) ? "\(pair[..<eq])=\(marker)" : String(pair)
        }.joined(separator: "&")
    }

    /// Replaces the values of secret keys anywhere in a JSON text. Tolerant: works on
    /// truncated or slightly invalid JSON, and leaves everything else byte for byte.
    static func json(_ text: String) -> String {
        let u = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(u.count)
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
        /// Index after the string literal starting at `start` (a quote).
        func stringEnd(_ start: Int) -> Int {
            var i = start + 1
            while i < u.count {
                if u[i] == backslash { i += 2; continue }
                if u[i] == quote { return i + 1 }
                i += 1
            }
            return u.count
        }
        let replacement = Array("\"\(marker)\"".utf8)
        var redactNext = false
        var i = 0
        while i < u.count {
            let c = u[i]
            if c == quote {
                let end = stringEnd(i)
                var j = end
                while j < u.count, isSpace(u[j]) { j += 1 }
                if j < u.count, u[j] == UInt8(ascii: ":") {
                    // A key.
                    let inner = end - i >= 2 ? Array(u[(i + 1)..<max(i + 1, end - 1)]) : []
                    let key = String(decoding: inner, as: UTF8.self).lowercased()
                    redactNext = secretFields.contains(key)
                    out.append(contentsOf: u[i..<end])
                } else if redactNext {
                    out.append(contentsOf: replacement)
                    redactNext = false
                } else {
                    out.append(contentsOf: u[i..<end])
                }
                i = end
                continue
            }
            if redactNext, !isSpace(c), c != UInt8(ascii: ":") {
                redactNext = false
                if c != UInt8(ascii: "{") && c != UInt8(ascii: "[") {
                    // A bare scalar (number, true, false, null).
                    var j = i
                    while j < u.count, !isSpace(u[j]), u[j] != UInt8(ascii: ","), u[j] != UInt8(ascii: "}"), u[j] != UInt8(ascii: "]") { j += 1 }
                    if Array(u[i..<j]) == Array("null".utf8) {
                        out.append(contentsOf: u[i..<j])
                    } else {
                        out.append(contentsOf: replacement)
                    }
                    i = j
                    continue
                }
            }
            out.append(c)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Replaces JWT-shaped runs (`eyJ` + base64url, two dots) with the marker.
    public static func scrubTokens(_ text: String) -> String {
        let u = Array(text.utf8)
        guard u.count >= 10 else { return text }
        func isB64(_ c: UInt8) -> Bool {
            (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F
        }
        var out: [UInt8] = []
        var changed = false
        var i = 0
        while i < u.count {
            if u[i] == 0x65, i + 3 < u.count, u[i + 1] == 0x79, u[i + 2] == 0x4A, i == 0 || !isB64(u[i - 1]) {
                // eyJ…: scan three dot-separated base64url segments.
                var j = i
                var dots = 0
                var segmentLength = 0
                var ok = true
                while j < u.count {
                    if isB64(u[j]) { segmentLength += 1; j += 1; continue }
                    if u[j] == 0x2E, dots < 2 {
                        if segmentLength == 0 { ok = false; break }
                        dots += 1
                        segmentLength = 0
                        j += 1
                        continue
                    }
                    break
                }
                if ok, dots == 2, j - i >= 10 {
                    out.append(contentsOf: Array(marker.utf8))
                    changed = true
                    i = j
                    continue
                }
            }
            out.append(u[i])
            i += 1
        }
        return changed ? String(decoding: out, as: UTF8.self) : text
    }
}
