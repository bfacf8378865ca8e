import Foundation
import JSONModel
import NIOHTTP1

/// Azure Resource Manager (management.azure.com), as much as a client signing in needs: the
/// tenants and subscriptions the caller can see. The emulated tenant has no subscriptions, so
/// `az login --allow-no-subscriptions` makes a tenant-level account, as with a real tenant
/// without Azure. Errors are ARM's `{"error":{"code","message"}}`.
final class ResourceManagerService: Sendable {
    let state: EmulatorState

    init(state: EmulatorState) { self.state = state }

    /// Both identifiers of ARM, with and without the trailing slash, as ARM accepts them.
    static let audiences: Set<String> = ["https://management.core.windows.net/", "https://management.core.windows.net",
                                         "https://management.azure.com/", "https://management.azure.com",
                                         "797f4846-ba00-4fd7-ba43-dac1f8f63013"]

    static let hosts: Set<String> = ["management.azure.com", "management.core.windows.net"]

    func handle(_ req: EmulatorRequest) -> EmulatorResponse {
        let token: ValidatedToken
        switch state.validator.validate(authorization: req.header("Authorization"), audiences: Self.audiences) {
        case let .success(t): token = t
        case .failure(.missing): return Self.error(.unauthorized, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
        case .failure(.wrongAudience):
            return Self.error(.unauthorized, "InvalidAuthenticationTokenAudience",
                              "The access token has been obtained for wrong audience or resource. It should exactly match with one of the allowed audiences "
                              + Self.audiences.filter { $0.hasPrefix("https://") }.sorted().map { "'\($0)'" }.joined(separator: ","))
        case .failure(.expired): return Self.error(.unauthorized, "ExpiredAuthenticationToken", "The access token expiry UTC time is earlier than current UTC time.")
        case .failure: return Self.error(.unauthorized, "InvalidAuthenticationToken", "The access token is invalid.")
        }
        guard let version = req.query["api-version"], !version.isEmpty else {
            return Self.error(.badRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
        }
        let path = req.path.lowercased().trimmingSuffix("/")
        guard req.method == .GET else {
            return Self.error(.methodNotAllowed, "MethodNotAllowed", "The requested method \(req.method.rawValue) is not allowed for \(req.path).")
        }
        switch path {
        case "/tenants":
            guard let tenant = state.directory.tenant(idOrDomain: token.tenantId) else { return .json(["value": []]) }
            return .json(["value": [Self.tenant(tenant)]])
        case "/subscriptions":
            return .json(["value": [], "count": ["type": "Total", "value": 0]])
        default:
            if path.hasPrefix("/subscriptions/") {
                let id = String(req.path.dropFirst("/subscriptions/".count).prefix { $0 != "/" })
                return Self.error(.notFound, "SubscriptionNotFound", "The subscription '\(id)' could not be found.")
            }
            return Self.error(.notFound, "InvalidResourceType", "The resource type could not be found in the namespace for api version '\(version)'.")
        }
    }

    /// A tenant as `GET /tenants` lists it.
    static func tenant(_ tenant: Tenant) -> JSON {
        [
            "id": .string("/tenants/\(tenant.id)"), "tenantId": .string(tenant.id), "countryCode": "US",
            "displayName": .string(tenant.displayName), "domains": JSON(tenant.seed.domains), "tenantCategory": "Home",
            "defaultDomain": .string(tenant.initialDomain), "tenantType": "AAD", "tenantBrandingLogoUrl": nil,
        ]
    }

    static func error(_ status: HTTPResponseStatus, _ code: String, _ message: String) -> EmulatorResponse {
        .json(["error": ["code": .string(code), "message": .string(message)]], status: status)
    }
}
