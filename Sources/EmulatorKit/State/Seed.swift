import Foundation
import JSONModel

/// The seed file format (see docs/emulator.md). Everything optional that has an obvious
/// default is optional, so hand-written seeds stay short.
public struct Seed: Codable, Sendable {
    public var tenants: [SeedTenant]
    /// Issuers whose JWTs are accepted as federated client assertions.
    public var federatedIssuers: [SeedFederatedIssuer]?
}

public struct SeedTenant: Codable, Sendable {
    public var id: String
    public var displayName: String
    /// Verified domains; the first `*.onmicrosoft.com` one is the initial domain.
    public var domains: [String]
    /// The SharePoint tenant name: `contoso` serves contoso.sharepoint.com, -admin and -my.
    public var sharePointTenantName: String?
    public var cloud: EmulatedCloud?
    public var countryLetterCode: String?
    public var users: [SeedUser]
    public var groups: [SeedGroup]?
    public var applications: [SeedApplication]?
    public var servicePrincipals: [SeedServicePrincipal]?
    public var managedIdentities: [SeedManagedIdentity]?
    /// Free-form SharePoint content (sites, webs, lists, items) for the SharePoint services.
    public var sharePoint: SeedSharePoint?
}

public struct SeedUser: Codable, Sendable {
    public var id: String
    public var userPrincipalName: String
    public var displayName: String
    public var givenName: String?
    public var surname: String?
    public var mail: String?
    public var jobTitle: String?
    public var password: String
    public var accountEnabled: Bool?
    /// Directory role template ids (the `wids` claim); Global Administrator is 62e90394-69f5-4237-9190-012177145e10.
    public var directoryRoles: [String]?
    /// Sign-in needs MFA: ROPC fails with AADSTS50076, as it does for real.
    public var mfaRequired: Bool?
    /// Graph-only properties (the stateful directory): two-letter country for licensing,
    /// department, and the manager's id or UPN.
    public var usageLocation: String?
    public var department: String?
    public var manager: String?
}

public struct SeedGroup: Codable, Sendable {
    public var id: String
    public var displayName: String
    public var mailNickname: String?
    public var description: String?
    public var securityEnabled: Bool?
    public var mailEnabled: Bool?
    public var groupTypes: [String]?
    /// Member and owner user ids or UPNs.
    public var members: [String]?
    public var owners: [String]?
}

public struct SeedSecret: Codable, Sendable {
    public var keyId: String?
    public var displayName: String?
    public var value: String
    public var endDateTime: String?
}

public struct SeedCertificate: Codable, Sendable {
    public var keyId: String?
    public var displayName: String?
    /// The certificate (public part only) in PEM.
    public var pem: String
}

public struct SeedFederatedCredential: Codable, Sendable {
    public var name: String
    public var issuer: String
    public var subject: String
    public var audiences: [String]?
}

public struct SeedResourceAccess: Codable, Sendable {
    /// The resource's app id (Graph 00000003-0000-0000-c000-000000000000, SharePoint 00000003-0000-0ff1-ce00-000000000000).
    public var resourceAppId: String
    /// Delegated permissions granted (consented) for this resource.
    public var scopes: [String]?
    /// Application permissions (app roles) granted for this resource.
    public var roles: [String]?
}

public struct SeedApplication: Codable, Sendable {
    public var appId: String
    public var id: String
    public var displayName: String
    /// "Allow public client flows": device code and password grants without a client credential.
    public var isPublicClient: Bool?
    /// Public-client redirect URIs; unset: the native-client page and `http://localhost` for a
    /// public client (what CLI for Microsoft 365's app registration has), none otherwise.
    public var redirectUris: [String]?
    public var signInAudience: String?
    public var identifierUris: [String]?
    public var secrets: [SeedSecret]?
    public var certificates: [SeedCertificate]?
    public var federatedCredentials: [SeedFederatedCredential]?
    public var requiredResourceAccess: [SeedResourceAccess]?
}

extension SeedApplication {
    public var publicClientRedirectUris: [String] {
        redirectUris ?? (isPublicClient == true ? ["https://login.microsoftonline.com/common/oauth2/nativeclient", "http://localhost"] : [])
    }
}

public struct SeedServicePrincipal: Codable, Sendable {
    public var id: String
    public var appId: String
    public var displayName: String
    public var servicePrincipalNames: [String]?
    /// Delegated permissions the resource publishes.
    public var publishedScopes: [String]?
    /// Application permissions the resource publishes.
    public var appRoles: [String]?
    public var servicePrincipalType: String?
}

public struct SeedManagedIdentity: Codable, Sendable {
    /// "SystemAssigned" or "UserAssigned".
    public var type: String
    public var displayName: String
    /// The identity's application (client) id.
    public var clientId: String
    /// The service principal (object) id.
    public var principalId: String
    /// The Azure resource id (user-assigned: /subscriptions/…/userAssignedIdentities/name).
    public var resourceId: String?
    public var roles: [SeedResourceAccess]?
}

public struct SeedFederatedIssuer: Codable, Sendable {
    public var issuer: String
    /// PEM certificates or public keys whose signatures are trusted for this issuer. Absent:
    /// tokens signed by the emulator's own key (minted with POST /_emulator/federated-token).
    public var publicKeysPEM: [String]?
}

public struct SeedSharePoint: Codable, Sendable {
    /// Free-form site objects (`url`, `title`, `webId`, `description`, `webTemplate`, …).
    public var sites: [JSON]?

    private enum CodingKeys: String, CodingKey { case sites }

    public init(sites: [JSON]? = nil) { self.sites = sites }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sites = try c.decodeIfPresent([CodableJSON].self, forKey: .sites)?.map(\.value)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(sites?.map(CodableJSON.init), forKey: .sites)
    }
}

extension Seed {
    public static func load(path: String?) throws -> Seed {
        let data: Data
        if let path { data = try Data(contentsOf: URL(fileURLWithPath: path)) } else { data = Data(DefaultSeed.json.utf8) }
        var seed = try JSONDecoder().decode(Seed.self, from: data)
        seed.tenants = seed.tenants.map(FirstPartyResources.added)
        return seed
    }
}
