import HostConfig
import JSONModel

/// How a connection signs in (`m365 login --authType`).
public enum AuthType: String, CaseIterable, Sendable {
    case deviceCode, password, certificate, secret, identity, federatedIdentity, browser

    /// App-only flows have no refresh token: they re-acquire with their credential.
    public var isAppOnly: Bool {
        switch self {
        case .deviceCode, .password, .browser: return false
        case .certificate, .secret, .identity, .federatedIdentity: return true
        }
    }
}

/// One signed-in identity: what m365 knows about it that is not secret. Tokens and credentials
/// live in the token store under `secretKey`.
public struct Connection: Sendable, Equatable {
    public var id: String
    public var name: String
    public var authType: AuthType
    public var appId: String
    /// The tenant as given (`common`, a domain or an id).
    public var tenant: String
    /// The tenant id from the first token.
    public var tenantId: String
    public var cloud: Cloud
    /// User principal name, app name or managed identity: what `status` shows as connectedAs.
    public var identityName: String
    public var identityId: String
    /// For password sign-in, the user; for a user-assigned managed identity, its client id.
    public var userName: String?
    public var thumbprint: String?
    /// The certificate file signed in with (a path, not a secret): with the file token store,
    /// which never keeps the key, later tokens are signed with the file again.
    public var certificateFile: String?
    /// Facts a plugin published about the connection (plugins read them back as
    /// `connection.<name>`; the SharePoint plugin keeps `spoUrl` and `clientTag` here). Strings,
    /// never secrets; the host gives them no meaning.
    public var facts: [String: String] = [:]
    /// The token store the connection's secrets went to (`secret-service` or `file`): later runs
    /// use that one, whatever `auto` would pick now.
    public var tokenStore: String?

    public var secretKey: String { "connection/\(id)" }

    public init(id: String, name: String, authType: AuthType, appId: String, tenant: String, tenantId: String, cloud: Cloud,
                identityName: String, identityId: String, userName: String? = nil, thumbprint: String? = nil) {
        self.id = id
        self.name = name
        self.authType = authType
        self.appId = appId
        self.tenant = tenant
        self.tenantId = tenantId
        self.cloud = cloud
        self.identityName = identityName
        self.identityId = identityId
        self.userName = userName
        self.thumbprint = thumbprint
    }

    var json: JSON {
        var object = JSONObject()
        object["id"] = .string(id)
        object["name"] = .string(name)
        object["authType"] = .string(authType.rawValue)
        object["appId"] = .string(appId)
        object["tenant"] = .string(tenant)
        object["tenantId"] = .string(tenantId)
        object["cloud"] = .string(cloud.rawValue)
        object["identityName"] = .string(identityName)
        object["identityId"] = .string(identityId)
        if let userName { object["userName"] = .string(userName) }
        if let thumbprint { object["thumbprint"] = .string(thumbprint) }
        if let certificateFile { object["certificateFile"] = .string(certificateFile) }
        if !facts.isEmpty {
            var published = JSONObject()
            for key in facts.keys.sorted() { published[key] = .string(facts[key]!) }
            object["facts"] = .object(published)
        }
        if let tokenStore { object["tokenStore"] = .string(tokenStore) }
        return .object(object)
    }

    init?(json: JSON) {
        guard let id = json["id"]?.stringValue, let name = json["name"]?.stringValue,
              let authType = json["authType"]?.stringValue.flatMap(AuthType.init(rawValue:)),
              let appId = json["appId"]?.stringValue, let tenant = json["tenant"]?.stringValue,
              let cloud = json["cloud"]?.stringValue.flatMap(Cloud.init(rawValue:)) else { return nil }
        self.init(
            id: id, name: name, authType: authType, appId: appId, tenant: tenant,
            tenantId: json["tenantId"]?.stringValue ?? tenant, cloud: cloud,
            identityName: json["identityName"]?.stringValue ?? "", identityId: json["identityId"]?.stringValue ?? "",
            userName: json["userName"]?.stringValue, thumbprint: json["thumbprint"]?.stringValue)
        // Before facts existed, what a service kept (its URL, a tag) was a field of the
        // connection's own: any string field m365 does not know is such a fact, and kept.
        for (key, value) in json.objectValue ?? JSONObject() where !Self.ownKeys.contains(key) {
            if let value = value.stringValue { facts[key] = value }
        }
        for (key, value) in json["facts"]?.objectValue ?? JSONObject() { if let value = value.stringValue { facts[key] = value } }
        certificateFile = json["certificateFile"]?.stringValue
        tokenStore = json["tokenStore"]?.stringValue
    }

    /// The fields of the stored form that are m365's own (everything else was a fact).
    static let ownKeys: Set<String> = ["id", "name", "authType", "appId", "tenant", "tenantId", "cloud", "identityName",
                                       "identityId", "userName", "thumbprint", "certificateFile", "tokenStore", "facts"]

    /// What `m365 login`, `status` and `connection use` print: the fields and order of CLI for
    /// Microsoft 365's connection details (the token store is told under --verbose instead).
    public var details: JSON {
        .object(JSONObject([
            ("connectionName", .string(name)),
            ("connectedAs", .string(identityName)),
            ("authType", .string(authType.rawValue)),
            ("appId", .string(appId)),
            ("appTenant", .string(tenant)),
            ("cloudType", .string(cloud.rawValue)),
        ]))
    }
}

/// The connections file (`connections.json` in the config directory, mode 0600): every
/// connection, the active one, and which service uses which. Holds no secret.
public struct ConnectionBook: Sendable {
    public var connections: [Connection] = []
    public var activeID: String?
    /// Service name → connection id, for services connected with their own account.
    public var serviceBindings: [String: String] = [:]

    public init() {}

    public static func path(_ configDirectory: String) -> String { configDirectory + "/connections.json" }

    public static func load(configDirectory: String) throws(SignInError) -> ConnectionBook {
        let file = path(configDirectory)
        guard FileSystem.exists(file) else { return ConnectionBook() }
        let text: String
        do { text = try FileSystem.readText(file) } catch {
            throw SignInError("The connections file \(file) cannot be read (\(error)).")
        }
        // A damaged file is moved aside (with a warning) and counts as missing: login and logout
        // still work, and what could not be read is kept for the user, never overwritten.
        let json: JSON
        do {
            json = try JSON.parse(text)
            guard json.objectValue != nil, json["connections"].map({ $0.arrayValue != nil }) ?? true else {
                try moveAside(file, why: "it is not a connections object")
                return ConnectionBook()
            }
        } catch let error as SignInError {
            throw error
        } catch {
            try moveAside(file, why: "\(error)")
            return ConnectionBook()
        }
        var book = ConnectionBook()
        book.connections = (json["connections"]?.arrayValue ?? []).compactMap(Connection.init(json:))
        book.activeID = json["active"]?.stringValue
        for (service, id) in json["services"]?.objectValue ?? JSONObject() {
            if let id = id.stringValue { book.serviceBindings[service] = id }
        }
        return book
    }

    private static func moveAside(_ file: String, why: String) throws(SignInError) {
        do { try FileSystem.moveDamagedAside(file, why: why) } catch {
            throw SignInError("The connections file \(file) is damaged (\(why)) and \(error)")
        }
    }

    public func save(configDirectory: String) throws(SignInError) {
        var services = JSONObject()
        for key in serviceBindings.keys.sorted() { services[key] = .string(serviceBindings[key]!) }
        let document = JSON.object(JSONObject([
            ("version", 1),
            ("active", activeID.map { .string($0) } ?? .null),
            ("services", .object(services)),
            ("connections", .array(connections.map(\.json))),
        ]))
        do {
            try FileSystem.writeAtomically(ConnectionBook.path(configDirectory), text: document.serialized(pretty: true) + "\n")
        } catch {
            throw SignInError("Cannot save the connections: \(error)")
        }
    }

    public var active: Connection? { connections.first { $0.id == activeID } }

    /// The connection a service uses: its own, else the active one.
    public func connection(forService service: String?) -> Connection? {
        if let service, let id = serviceBindings[service], let bound = connections.first(where: { $0.id == id }) { return bound }
        return active
    }

    /// A service renamed by its plugin (`aad` became `entra`, keeping `aad` as an alias) keeps
    /// the account it was connected with: a binding under a former name moves to the new one.
    public mutating func adoptBinding(of service: String, formerNames: [String]) {
        for former in formerNames {
            guard let id = serviceBindings.removeValue(forKey: former) else { continue }
            if serviceBindings[service] == nil { serviceBindings[service] = id }
        }
    }

    public func connection(named name: String) -> Connection? {
        connections.first { $0.name == name }
    }

    public mutating func upsert(_ connection: Connection) {
        if let index = connections.firstIndex(where: { $0.id == connection.id }) {
            connections[index] = connection
        } else {
            connections.append(connection)
        }
    }

    public mutating func remove(id: String) {
        connections.removeAll { $0.id == id }
        if activeID == id { activeID = nil }
        serviceBindings = serviceBindings.filter { $0.value != id }
    }
}

/// A sign-in failure: one line that says what happened and what to do.
public struct SignInError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case failed, authRequired, cancelled, usage }
    public var kind: Kind
    public var description: String
    public init(_ description: String, kind: Kind = .failed) {
        self.description = description
        self.kind = kind
    }
}
