#if canImport(Glibc)
import Glibc
#endif
import ArgumentParsing
import CommandModel
import HostConfig
import HTTPClient
import JSONModel
import SignIn
import TokenStore

/// The options of `m365 login`, shared by every `<service> connect`.
let loginOptions: [OptionSpec] = [
    OptionSpec(name: "authType", short: "t", type: .enum, allowed: AuthType.allCases.map(\.rawValue),
               description: "How to sign in (default: deviceCode, or the authType setting)"),
    OptionSpec(name: "appId", description: "App (client) id; else the clientId setting, CLIMICROSOFT365_ENTRAAPPID or OFFICE365CLI_AADAPPID"),
    OptionSpec(name: "tenant", description: "Tenant id or domain; else the tenantId setting, CLIMICROSOFT365_TENANT, or common"),
    OptionSpec(name: "userName", short: "u", description: "User name (password), or the client id of a user-assigned managed identity (identity)"),
    OptionSpec(name: "password", short: "p", description: "Password (password), or the password of the PFX file (certificate)"),
    OptionSpec(name: "certificateFile", short: "c", description: "PEM or PFX file with the app's certificate and private key; else the clientCertificateFile setting"),
    OptionSpec(name: "certificateBase64Encoded", description: "The certificate (PFX or PEM with its key), base64-encoded; else the clientCertificateBase64Encoded setting"),
    OptionSpec(name: "thumbprint", description: "SHA-1 thumbprint of the certificate (computed when omitted)"),
    OptionSpec(name: "secret", short: "s", description: "Client secret (secret); else the clientSecret setting"),
    OptionSpec(name: "cloud", type: .enum, allowed: Cloud.allCases.map(\.rawValue), defaultValue: "Public", description: "The Microsoft 365 cloud"),
    OptionSpec(name: "connectionName", description: "Name of the connection (default: the signed-in identity)"),
    OptionSpec(name: "ensure", type: .boolean, description: "Sign in only when not signed in already with the same settings and a valid token"),
]

private let loginExamples = [
    ExampleSpec(description: "Sign in with a device code", command: "m365 login --appId <appId> --tenant contoso.onmicrosoft.com"),
    ExampleSpec(description: "Sign in as an app with a certificate", command: "m365 login --authType certificate --certificateFile app.pem --appId <id> --tenant contoso.onmicrosoft.com"),
    ExampleSpec(description: "Sign in with the browser (authorization code, loopback redirect)", command: "m365 login --authType browser --appId <appId> --tenant contoso.onmicrosoft.com"),
]

enum SignInCommands {
    static let root: [HostCommand] = [
        HostCommand(spec: CommandSpec(words: ["login"], description: "Signs in to Microsoft 365 (differs from CLI for Microsoft 365: a connection is named after the signed-in user or app, not its object id) (differs from CLI for Microsoft 365: browser sign-in adds PKCE and checks the state, and prints the address for a browser elsewhere)", options: loginOptions, examples: loginExamples),
                    handler: { context, options throws(HostError) in try login(&context, options, service: nil, hookOptions: []) }),
        HostCommand(spec: CommandSpec(words: ["logout"], description: "Signs out of every connection and forgets their tokens"),
                    handler: logout),
        HostCommand(spec: CommandSpec(words: ["status"], description: "Shows the active connection (differs from CLI for Microsoft 365: --debug does not add the access tokens: tokens never reach the output)"),
                    handler: { context, _ throws(HostError) in try status(&context, service: nil) }),
        HostCommand(spec: CommandSpec(words: ["connection", "list"], description: "Lists the connections", defaultProperties: ["name", "connectedAs", "authType", "active"]),
                    handler: connectionList),
        HostCommand(spec: CommandSpec(words: ["connection", "use"], description: "Makes a connection the active one",
                                      options: [OptionSpec(name: "name", short: "n", description: "Name of the connection (without it: choose one on a terminal)")]),
                    handler: connectionUse),
        HostCommand(spec: CommandSpec(words: ["connection", "set"], description: "Renames a connection",
                                      options: [OptionSpec(name: "name", short: "n", required: true, description: "Name of the connection"),
                                                OptionSpec(name: "newName", required: true, description: "Its new name")]),
                    handler: connectionSet),
        HostCommand(spec: CommandSpec(words: ["connection", "remove"], description: "Signs out of one connection",
                                      options: [OptionSpec(name: "name", short: "n", required: true, description: "Name of the connection"),
                                                OptionSpec(name: "force", short: "f", type: .boolean, description: "Do not ask for confirmation")]),
                    handler: connectionRemove),
        HostCommand(spec: CommandSpec(words: ["cli", "doctor"], description: "Shows how m365 is set up: version, directories, token store, plugins"),
                    handler: doctor),
    ]

    /// `<service> connect|status|disconnect` for a service that signs in. `connect` takes the
    /// sign-in options and those the service's plugin declares (`connectOptions`), which its
    /// `connect` hook receives before the sign-in (docs/plugin-abi.md).
    static func serviceCommands(for service: ServiceSpec) -> [HostCommand] {
        guard service.signIn else { return [] }
        let name = service.name
        let loginNames = Set(loginOptions.map(\.name))
        let declared = service.connectOptions.filter { !loginNames.contains($0.name) }
        let connectOptions = declared.filter(\.isPositional) + loginOptions + declared.filter { !$0.isPositional }
        let hookOptions = declared.map(\.name)
        return [
            HostCommand(spec: CommandSpec(words: ["connect"], description: "Connects \(name) with its own account (otherwise it uses the active connection)", options: connectOptions),
                        handler: { context, options throws(HostError) in
                            try login(&context, options, service: name, hookOptions: hookOptions)
                        }),
            HostCommand(spec: CommandSpec(words: ["status"], description: "Shows the account \(name) uses"),
                        handler: { context, _ throws(HostError) in try status(&context, service: name) }),
            HostCommand(spec: CommandSpec(words: ["disconnect"], description: "Disconnects \(name) from its own account"),
                        handler: { context, _ throws(HostError) in try disconnect(&context, service: name) }),
        ]
    }
}

// MARK: login

/// Signs in and returns the connection's details, as the CLI prints them; nothing when
/// `--ensure` finds the connection still good.
private func login(_ context: inout HostContext, _ options: JSONObject, service: String?, hookOptions: [String]) throws(HostError) -> JSON? {
    let session = context.session
    let config = context.config
    let authName = options["authType"]?.stringValue ?? config.string("authType") ?? "deviceCode"
    guard let authType = AuthType(rawValue: authName) else { throw HostError("Unknown authType '\(authName)'", kind: .usage(command: "login")) }
    var cloud = Cloud(rawValue: options["cloud"]?.stringValue ?? "Public") ?? .Public
    // The service's plugin reads its own connect options first: it may choose the cloud (a
    // region, a sign-in URL) and name facts to keep with the connection.
    var facts: [String: String] = [:]
    let given = hookOptions.filter { options[$0] != nil }
    if let service, !given.isEmpty {
        var pluginOptions = JSONObject()
        for name in given { pluginOptions[name] = options[name] }
        let prepared = try context.connectHook(service, pluginOptions)
        if let name = prepared?["cloud"]?.stringValue {
            guard let chosen = Cloud(rawValue: name) else { throw HostError("the plugin of '\(service)' chose an unknown cloud '\(name)'") }
            cloud = chosen
        }
        for (key, value) in prepared?["facts"]?.objectValue ?? JSONObject() {
            if let value = value.stringValue, connectionFact(nil, key) == nil { facts[key] = value }
        }
    }
    // Values read with @file keep the file's last newline; a credential never ends with one.
    func value(_ key: String) -> String? {
        guard var text = options[key]?.stringValue else { return nil }
        while text.last?.isNewline == true { text.removeLast() }  // CRLF is one Character
        return text
    }
    // Workload identity (AKS) and Azure DevOps service connections name the app and tenant.
    let workload = authType == .federatedIdentity
    let appId = value("appId") ?? config.string("clientId")
        ?? environment("CLIMICROSOFT365_ENTRAAPPID") ?? environment("OFFICE365CLI_AADAPPID")
        ?? (workload ? environment("AZURE_CLIENT_ID") ?? environment("AZURESUBSCRIPTION_CLIENT_ID") : nil)
    let tenant = value("tenant") ?? config.string("tenantId") ?? environment("CLIMICROSOFT365_TENANT")
        ?? (workload ? environment("AZURE_TENANT_ID") ?? environment("AZURESUBSCRIPTION_TENANT_ID") : nil) ?? "common"

    var request = LoginRequest(authType: authType, appId: appId, tenant: tenant, cloud: cloud)
    request.userName = value("userName")
    // The CLI's settings stand in for the credential options (clientSecret, clientCertificate…).
    request.password = value("password")
    if request.password == nil, authType == .certificate { request.password = try session.secretSetting("clientCertificatePassword") }
    request.secret = value("secret")
    if request.secret == nil, authType == .secret { request.secret = try session.secretSetting("clientSecret") }
    request.thumbprint = value("thumbprint")
    request.connectionName = options["connectionName"]?.stringValue
    if options["certificateFile"] != nil && options["certificateBase64Encoded"] != nil {
        throw HostError("Specify either certificateFile or certificateBase64Encoded, but not both.", kind: .usage(command: "login"))
    }
    // The clientCertificateFile setting stands in only for a certificate sign-in.
    let settingFile = authType == .certificate && options["certificateBase64Encoded"] == nil ? config.string("clientCertificateFile") : nil
    if let file = options["certificateFile"]?.stringValue ?? settingFile {
        request.certificateFile = absolutePath(file)
        do { request.certificate = try FileSystem.readBytes(file) } catch {
            throw HostError("Cannot read the certificate file: \(error)", kind: .usage(command: "login"))
        }
    } else if let encoded = options["certificateBase64Encoded"]?.stringValue {
        request.certificate = Array(encoded.utf8)  // the credential loader recognises base64 text
    } else if authType == .certificate, let encoded = try session.secretSetting("clientCertificateBase64Encoded") {
        request.certificate = Array(encoded.utf8)
    }

    let existing = try session.book()
    // As the CLI: the app and tenant are compared only when given, the user when it names one.
    if options["ensure"]?.boolValue == true, let current = existing.connection(forService: service),
       current.authType == authType, current.cloud == cloud,
       value("appId").map({ $0 == current.appId }) ?? true, value("tenant").map({ $0 == current.tenant }) ?? true,
       request.userName.map({ $0.lowercased() == current.userName?.lowercased() }) ?? true,
       request.certificateFile.map({ $0 == current.certificateFile }) ?? true,
       (try? session.accessToken(current, resource: cloud.graphOrigin)) != nil {
        return nil
    }
    if session.verbose { Console.err("Signing in to Microsoft 365...\n") }
    // The sign-in may take minutes (device code): the book is changed only afterwards, locked.
    var connection = try session.signIn(request, existing: existing.connections)
    connection.facts.merge(facts) { _, new in new }
    try session.updateBook { book throws(HostError) in
        book.upsert(connection)
        if let service {
            // Connecting a service again replaces its previous connection.
            let previous = book.serviceBindings[service]
            book.serviceBindings[service] = connection.id
            if let previous, previous != connection.id { try forgetIfUnused(previous, in: &book, session: session) }
        } else {
            book.activeID = connection.id
        }
    }
    return connection.details
}

private func forgetIfUnused(_ id: String, in book: inout ConnectionBook, session: Session) throws(HostError) {
    guard book.activeID != id, !book.serviceBindings.values.contains(id),
          let connection = book.connections.first(where: { $0.id == id }) else { return }
    try session.forget(connection)
    book.remove(id: id)
}

private func logout(_ context: inout HostContext, _ options: JSONObject) throws(HostError) -> JSON? {
    let session = context.session
    // Every connection is signed out; tokens that cannot be removed now (the keyring is down)
    // are named, not a reason to stay signed in.
    var failures: [String] = []
    if session.verbose { Console.err("Logging out from Microsoft 365...\n") }
    try session.updateBook { book throws(HostError) in
        for connection in book.connections {
            do { try session.forget(connection) } catch {
                let hint = connection.tokenStore == "secret-service"
                    ? "; remove them when the keyring is back: secret-tool clear application m365 account \(connection.secretKey)" : ""
                failures.append("Warning: signed out of '\(connection.name)', but its stored tokens could not be removed (\(error))\(hint)\n")
            }
        }
        book = ConnectionBook()
    }
    for failure in failures { Console.err(failure) }
    return nil
}

private func status(_ context: inout HostContext, service: String?) throws(HostError) -> JSON? {
    let session = context.session
    let book = try session.book()
    guard let connection = book.connection(forService: service) else {
        let message = book.connections.isEmpty ? "Logged out" : "Logged out, signed in connections available"
        // As the CLI: under --verbose the state is a message on stderr, not a result.
        if session.verbose || session.debug {
            Console.err(message + "\n")
            return nil
        }
        return .string(message)
    }
    // As CLI for Microsoft 365 does: prove the connection works by getting a Graph token.
    do {
        _ = try session.accessToken(connection, resource: connection.cloud.graphOrigin)
    } catch {
        throw HostError("Your login has expired. Sign in again to continue. \(error.description)", kind: error.kind)
    }
    guard let service else { return connection.details }
    // `<service> status` (an addition of this m365) also names the service and what its plugin
    // published about the connection (the SharePoint URL, …).
    var details = connection.details.objectValue!
    details["service"] = .string(service)
    for key in connection.facts.keys.sorted() { details[key] = .string(connection.facts[key]!) }
    return .object(details)
}

private func disconnect(_ context: inout HostContext, service: String) throws(HostError) -> JSON? {
    let session = context.session
    try session.updateBook { book throws(HostError) in
        guard let id = book.serviceBindings.removeValue(forKey: service) else { return }
        try forgetIfUnused(id, in: &book, session: session)
    }
    return nil
}

// MARK: connection

/// The CLI's rows: name, connectedAs, authType and active, sorted by name.
private func connectionList(_ context: inout HostContext, _ options: JSONObject) throws(HostError) -> JSON? {
    let book = try context.session.book()
    return .array(book.connections.sorted { $0.name.lowercased() < $1.name.lowercased() }.map { connection in
        .object(JSONObject([
            ("name", .string(connection.name)),
            ("connectedAs", .string(connection.identityName)),
            ("authType", .string(connection.authType.rawValue)),
            ("active", .bool(connection.id == book.activeID)),
        ]))
    })
}

private func named(_ book: ConnectionBook, _ name: String) throws(HostError) -> Connection {
    guard let connection = book.connection(named: name) else {
        var message = "The connection '\(name)' cannot be found."
        if let best = nearest(name, among: book.connections.map(\.name), limit: 1).first { message += " Did you mean '\(best)'?" }
        throw HostError(message)
    }
    return connection
}

/// Under --verbose, which connection a command changes, as the CLI words it.
private func tellVerbose(_ session: Session, _ verb: String, _ connection: Connection) {
    guard session.verbose else { return }
    Console.err("\(verb) connection '\(connection.identityName)', appId: \(connection.appId), tenantId: \(connection.tenantId)...\n")
}

private func connectionUse(_ context: inout HostContext, _ options: JSONObject) throws(HostError) -> JSON? {
    let session = context.session
    var name = options["name"]?.stringValue
    if name == nil {
        // As the CLI: choose on a terminal, else name the choices.
        let names = try session.book().connections.map(\.name).sorted { $0.lowercased() < $1.lowercased() }
        guard !names.isEmpty else { throw HostError("There are no connections: sign in with 'm365 login'", kind: .authRequired) }
        name = try choose("Please select the connection you want to activate.", names, config: context.config)
    }
    var chosen: Connection?
    try session.updateBook { book throws(HostError) in
        let connection = try named(book, name!)
        tellVerbose(session, "Switching to", connection)
        book.activeID = connection.id
        chosen = connection
    }
    return chosen!.details
}

private func connectionSet(_ context: inout HostContext, _ options: JSONObject) throws(HostError) -> JSON? {
    let session = context.session
    try session.updateBook { book throws(HostError) in
        let name = options["name"]!.stringValue!
        guard var connection = book.connection(named: name) else { throw HostError("Connection with name '\(name)' does not exist.") }
        let newName = options["newName"]!.stringValue!
        if book.connection(named: newName) != nil { throw HostError("Connection with name '\(newName)' already exists.") }
        tellVerbose(session, "Updating", connection)
        connection.name = newName
        book.upsert(connection)
    }
    return nil
}

private func connectionRemove(_ context: inout HostContext, _ options: JSONObject) throws(HostError) -> JSON? {
    let connection = try named(try context.session.book(), options["name"]!.stringValue!)
    if options["force"]?.boolValue != true {
        guard Console.stdinIsTerminal else {
            throw HostError("Removing a connection needs confirmation: add --force", kind: .usage(command: "connection remove"))
        }
        Console.err("Are you sure you want to remove the connection? [y/N] ")
        guard let answer = Console.readLine(secret: false), ["y", "yes"].contains(answer.lowercased()) else { return nil }
    }
    tellVerbose(context.session, "Removing", connection)
    try context.session.updateBook { book throws(HostError) in
        try context.session.forget(connection)
        book.remove(id: connection.id)
    }
    return nil
}

// MARK: cli doctor

private func doctor(_ context: inout HostContext, _ options: JSONObject) throws(HostError) -> JSON? {
    let session = context.session
    var report = JSONObject()
    // The CLI's keys first (os … scopes), then what m365 adds (directories, token store, plugins).
    var system = utsname()
    uname(&system)
    func text<T>(_ field: T) -> String {
        withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
    report["os"] = .object(JSONObject([("platform", .string(text(system.sysname).lowercased())), ("version", .string(text(system.version))),
                                       ("release", .string(text(system.release)))]))
    report["cliVersion"] = .string(m365Version)
    let active = (try? session.book())?.active
    report["cliEntraAppId"] = active.map { .string($0.appId) } ?? .null
    report["cliEntraAppTenant"] = active.map { .string(isGUID($0.tenant) ? "single" : $0.tenant) } ?? .null
    report["authMode"] = active.map { .string($0.authType.rawValue) } ?? .null
    report["cliEnvironment"] = .string(environment("CLIMICROSOFT365_ENV") ?? "")
    report["cliConfig"] = .object(context.config.values)
    // Roles and scopes of the connection's Graph token, as the CLI reads them from its tokens.
    var roles: [JSON] = []
    var scopes = JSONObject()
    if let active, let token = try? session.accessToken(active, resource: active.cloud.graphOrigin), let claims = TokenClaims(accessToken: token) {
        roles = (claims.json["roles"]?.arrayValue ?? [])
        if let audience = claims.json["aud"]?.stringValue {
            scopes[audience] = .array((claims.json["scp"]?.stringValue ?? "").split(separator: " ").map { .string(String($0)) })
        }
    }
    report["roles"] = .array(roles)
    report["scopes"] = .object(scopes)
    report["configDirectory"] = .string(context.paths.configDirectory)
    report["pluginDirectories"] = .array(context.paths.pluginDirectories.map { .string($0) })
    do {
        let selection = try session.tokenStore()
        report["tokenStore"] = .string(selection.store.kind.rawValue)
        report["tokenStoreReason"] = .string(selection.reason)
    } catch {
        report["tokenStore"] = .null
        report["tokenStoreReason"] = .string(error.description)
    }
    let book = (try? session.book()) ?? ConnectionBook()
    report["connections"] = .number(Double(book.connections.count))
    report["activeConnection"] = book.active.map { .string($0.name) } ?? .null
    report["libcurl"] = HTTPClient.libraryVersion.map { .string($0) } ?? .string("not available")
    let registry = context.registry()
    report["plugins"] = .array(registry.records.map { record in
        .string("\(record.fileName): " + (record.refusal.map { "refused (\($0))" } ?? "available"))
    })
    return .object(report)
}
