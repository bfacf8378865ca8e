import Crypto
import _CryptoExtras
import Foundation
import NIOConcurrencyHelpers
import SwiftASN1
import X509

/// Well-known first-party resource app ids.
public enum WellKnownApp {
    public static let graph = "00000003-0000-0000-c000-000000000000"
    public static let sharePoint = "00000003-0000-0ff1-ce00-000000000000"
    public static let globalAdministratorRole = "62e90394-69f5-4237-9190-012177145e10"
}

/// An app certificate credential, parsed once at load.
public struct AppCertificate: Sendable {
    public let keyId: String
    public let sha1Thumbprint: [UInt8]
    public let sha256Thumbprint: [UInt8]
    public let publicKey: _RSA.Signing.PublicKey
    public let notAfter: Date
}

public struct Application: Sendable {
    public let seed: SeedApplication
    public let certificates: [AppCertificate]
    public var appId: String { seed.appId }
    public var displayName: String { seed.displayName }
    public var isPublicClient: Bool { seed.isPublicClient ?? false }
    public var hasCredentials: Bool {
        !(seed.secrets ?? []).isEmpty || !certificates.isEmpty || !(seed.federatedCredentials ?? []).isEmpty
    }

    public func grantedScopes(resourceAppId: String) -> [String] {
        seed.requiredResourceAccess?.first(where: { $0.resourceAppId == resourceAppId })?.scopes ?? []
    }

    public func grantedRoles(resourceAppId: String) -> [String] {
        seed.requiredResourceAccess?.first(where: { $0.resourceAppId == resourceAppId })?.roles ?? []
    }
}

/// A resource (API) a token can be issued for, as resolved from a scope or `resource` value.
public struct ResolvedResource: Sendable {
    public let servicePrincipal: SeedServicePrincipal
    /// The `aud` claim: the identifier as the client named the resource, without a trailing slash
    /// unless the resource is registered with one.
    public let audience: String
    public var appId: String { servicePrincipal.appId }
}

public struct Tenant: Sendable {
    public let seed: SeedTenant
    public let applications: [String: Application]  // by appId
    public var id: String { seed.id }
    public var displayName: String { seed.displayName }
    public var cloud: EmulatedCloud { seed.cloud ?? .global }
    public var initialDomain: String {
        seed.domains.first(where: { $0.hasSuffix(".onmicrosoft.com") }) ?? seed.domains.first ?? seed.id
    }

    public func user(upn: String) -> SeedUser? {
        seed.users.first { $0.userPrincipalName.caseInsensitiveCompare(upn) == .orderedSame }
    }

    public func user(id: String) -> SeedUser? { seed.users.first { $0.id == id } }

    public func user(idOrUPN: String) -> SeedUser? { user(id: idOrUPN) ?? user(upn: idOrUPN) }

    public func servicePrincipal(appId: String) -> SeedServicePrincipal? {
        seed.servicePrincipals?.first { $0.appId.lowercased() == appId.lowercased() }
    }

    public func ownsDomain(_ domain: String) -> Bool {
        seed.domains.contains { $0.caseInsensitiveCompare(domain) == .orderedSame }
    }

    /// Finds the resource named by a `resource` value or a scope's resource part.
    public func resolveResource(_ identifier: String) -> ResolvedResource? {
        var id = identifier
        while id.hasSuffix("/") { id.removeLast() }
        guard !id.isEmpty else { return nil }
        for sp in seed.servicePrincipals ?? [] {
            if sp.appId.caseInsensitiveCompare(id) == .orderedSame {
                return ResolvedResource(servicePrincipal: sp, audience: sp.appId)
            }
            for name in sp.servicePrincipalNames ?? [] {
                var n = name
                while n.hasSuffix("/") { n.removeLast() }
                if n.caseInsensitiveCompare(id) == .orderedSame {
                    // Registered with a trailing slash (ARM's https://management.core.windows.net/):
                    // tokens carry it, as Entra's do.
                    return ResolvedResource(servicePrincipal: sp, audience: name.hasSuffix("/") ? n + "/" : n)
                }
            }
        }
        for app in applications.values {
            for uri in app.seed.identifierUris ?? [] where uri.caseInsensitiveCompare(id) == .orderedSame {
                let sp = servicePrincipal(appId: app.appId)
                    ?? SeedServicePrincipal(id: app.seed.id, appId: app.appId, displayName: app.displayName)
                return ResolvedResource(servicePrincipal: sp, audience: uri)
            }
        }
        return nil
    }

    /// SharePoint hosts of this tenant accept tokens whose audience is any of these.
    public var sharePointAudiences: Set<String> {
        var out: Set<String> = [WellKnownApp.sharePoint]
        if let name = seed.sharePointTenantName {
            for suffix in ["", "-admin", "-my"] { out.insert("https://\(name)\(suffix).\(cloud.sharePointSuffix)") }
        }
        return out
    }
}

/// All tenants of the emulator. Lookups are cheap; writes (later issues) take the lock.
public final class Directory: @unchecked Sendable {
    private let lock = NIOLock()
    private var tenants: [Tenant]
    public let federatedIssuers: [SeedFederatedIssuer]

    public init(seed: Seed) throws {
        self.tenants = try seed.tenants.map { t in
            var apps: [String: Application] = [:]
            for a in t.applications ?? [] {
                apps[a.appId.lowercased()] = Application(seed: a, certificates: try (a.certificates ?? []).map(Directory.parseCertificate))
            }
            return Tenant(seed: t, applications: apps)
        }
        self.federatedIssuers = seed.federatedIssuers ?? []
    }

    static func parseCertificate(_ c: SeedCertificate) throws -> AppCertificate {
        let cert = try Certificate(pemEncoded: c.pem)
        var ser = DER.Serializer()
        try ser.serialize(cert)
        let der = ser.serializedBytes
        guard let key = _RSA.Signing.PublicKey(cert.publicKey) else {
            throw EmulatorError.configuration("certificate \(c.displayName ?? "") has no RSA public key")
        }
        return AppCertificate(keyId: c.keyId ?? Util.newGUID(), sha1Thumbprint: Array(Insecure.SHA1.hash(data: der)),
                              sha256Thumbprint: Array(SHA256.hash(data: der)), publicKey: key, notAfter: cert.notValidAfter)
    }

    public var allTenants: [Tenant] { lock.withLock { tenants } }

    public var defaultTenant: Tenant? { allTenants.first }

    /// Resolves a tenant segment given as a GUID or a verified domain.
    public func tenant(idOrDomain: String) -> Tenant? {
        lock.withLock {
            tenants.first { $0.id.caseInsensitiveCompare(idOrDomain) == .orderedSame || $0.ownsDomain(idOrDomain) }
        }
    }

    public func tenant(forUPN upn: String) -> Tenant? {
        guard let at = upn.lastIndex(of: "@") else { return nil }
        return tenant(idOrDomain: String(upn[upn.index(after: at)...]))
    }

    public func tenant(sharePointName: String) -> Tenant? {
        lock.withLock { tenants.first { $0.seed.sharePointTenantName?.lowercased() == sharePointName.lowercased() } }
    }

    /// The tenant in which `appId` is registered (its home tenant).
    public func homeTenant(ofApp appId: String) -> Tenant? {
        lock.withLock { tenants.first { $0.applications[appId.lowercased()] != nil } }
    }

    public func application(_ appId: String) -> (Application, Tenant)? {
        lock.withLock {
            for t in tenants { if let a = t.applications[appId.lowercased()] { return (a, t) } }
            return nil
        }
    }
}

public enum EmulatorError: Error, CustomStringConvertible {
    case configuration(String)
    case usage(String)

    public var description: String {
        switch self {
        case let .configuration(m): return m
        case let .usage(m): return m
        }
    }
}
