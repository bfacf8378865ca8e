import Foundation
import JSONModel
import NIOHTTP1

/// An identity-platform error in Entra's contract: `error`, `error_description` starting with
/// the AADSTS code and ending with trace/correlation ids and a timestamp, `error_codes`,
/// `timestamp`, `trace_id`, `correlation_id`, `error_uri`.
public struct AADError: Error, Sendable {
    public var status: HTTPResponseStatus
    public var error: String
    public var code: Int
    public var message: String

    public init(_ status: HTTPResponseStatus = .badRequest, _ error: String, _ code: Int, _ message: String) {
        self.status = status
        self.error = error
        self.code = code
        self.message = message
    }

    public func response(for request: EmulatorRequest) -> EmulatorResponse {
        let trace = Util.newGUID()
        let correlation = request.header("client-request-id").flatMap { Util.isGUID($0) ? $0.lowercased() : nil } ?? Util.newGUID()
        let ts = Util.entraTimestamp()
        let description = "AADSTS\(code): \(message)\r\nTrace ID: \(trace)\r\nCorrelation ID: \(correlation)\r\nTimestamp: \(ts)"
        let host = ServiceHost.identityHosts[request.host] != nil ? request.host : "login.microsoftonline.com"
        let body: JSON = [
            "error": .string(error), "error_description": .string(description), "error_codes": [JSON(code)],
            "timestamp": .string(ts), "trace_id": .string(trace), "correlation_id": .string(correlation),
            "error_uri": .string("https://\(host)/error?code=\(code)"),
        ]
        return IdentityHeaders.apply(to: .json(body, status: status), request: request, traceId: trace)
    }

    /// Runs an identity endpoint that answers JSON: its body with the identity headers, or the
    /// thrown `AADError`; anything else becomes `server_error` (50000), its text after `serverErrorPrefix`.
    static func respond(_ req: EmulatorRequest, serverErrorPrefix: String = "", _ body: () throws -> JSON) -> EmulatorResponse {
        do {
            return IdentityHeaders.apply(to: .json(try body()), request: req)
        } catch let e as AADError {
            return e.response(for: req)
        } catch {
            return AADError(.internalServerError, "server_error", 50000, serverErrorPrefix + "\(error)").response(for: req)
        }
    }

    // MARK: The errors the emulator returns (codes marked [U] in protocols.md are best knowledge).

    public static func missingParameter(_ name: String) -> AADError {
        AADError(.badRequest, "invalid_request", 900144, "The request body must contain the following parameter: '\(name)'.")
    }

    public static func tenantNotFound(_ tenant: String, cloud: EmulatedCloud) -> AADError {
        AADError(.badRequest, "invalid_request", 90002,
                 "Tenant '\(tenant)' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.")
    }

    public static func appNotFound(_ appId: String, directory: String) -> AADError {
        AADError(.badRequest, "unauthorized_client", 700016,
                 "Application with identifier '\(appId)' was not found in the directory '\(directory)'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.")
    }

    public static func unsupportedGrant(_ grant: String) -> AADError {
        AADError(.badRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '\(grant)'.")
    }

    public static let badCredentials = AADError(.badRequest, "invalid_grant", 50126,
                                                "Error validating credentials due to invalid username or password.")

    public static func userNotFound(directory: String) -> AADError {
        AADError(.badRequest, "invalid_grant", 50034,
                 "The user account {EUII Hidden} does not exist in the \(directory) directory. To sign into this application, the account must be added to the directory.")
    }

    public static let userDisabled = AADError(.badRequest, "invalid_grant", 50057, "The user account is disabled.")

    public static func mfaRequired(resource: String) -> AADError {
        AADError(.badRequest, "interaction_required", 50076,
                 "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '\(resource)'.")
    }

    public static let ropcOnCommon = AADError(.badRequest, "invalid_request", 9001023,
                                              "The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.")

    public static let noTenantForAppOnly = AADError(.badRequest, "invalid_request", 50059,
                                                    "No tenant-identifying information found in either the request or implied by any provided credentials.")

    public static let credentialRequired = AADError(.unauthorized, "invalid_client", 7000218,
                                                    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")

    public static let clientCredentialsRequired = AADError(.unauthorized, "invalid_client", 7000216,
                                                           "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.")

    public static let publicClientWithSecret = AADError(.unauthorized, "invalid_client", 700025,
                                                        "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.")

    public static func invalidSecret(_ appId: String) -> AADError {
        AADError(.unauthorized, "invalid_client", 7000215,
                 "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '\(appId)'.")
    }

    public static func expiredSecret(_ appId: String) -> AADError {
        AADError(.unauthorized, "invalid_client", 7000222,
                 "The provided client secret keys for app '\(appId)' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.")
    }

    public static func missingServicePrincipal(_ appId: String, tenant: String) -> AADError {
        AADError(.badRequest, "invalid_client", 7000229,
                 "The client application \(appId) is missing service principal in the tenant \(tenant). See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119")
    }

    public static func resourceNotFound(_ resource: String, tenant: String) -> AADError {
        AADError(.badRequest, "invalid_resource", 500011,
                 "The resource principal named \(resource) was not found in the tenant named \(tenant). This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.")
    }

    public static func invalidScope(_ scope: String) -> AADError {
        AADError(.badRequest, "invalid_scope", 70011,
                 "The provided value for the input parameter 'scope' is not valid. The scope \(scope) is not valid.")
    }

    public static func multipleResources(_ scope: String) -> AADError {
        AADError(.badRequest, "invalid_scope", 28000,
                 "Provided value for the input parameter scope is not valid because it contains more than one resource. Scope \(scope) is not valid.")
    }

    public static func clientCredentialsScope(_ scope: String) -> AADError {
        AADError(.badRequest, "invalid_scope", 1002012,
                 "The provided value for scope \(scope) is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")
    }

    public static let malformedGrant = AADError(.badRequest, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")

    public static let grantInvalid = AADError(.badRequest, "invalid_grant", 70000, "Provided grant is invalid or malformed.")

    public static func refreshTokenRevoked(issued: Date) -> AADError {
        AADError(.badRequest, "invalid_grant", 50173,
                 "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '\(Util.iso8601(issued))' and the TokensValidFrom date (before which tokens are not valid) for this user is '\(Util.iso8601(Date()))'.")
    }

    public static func refreshTokenExpired(issued: Date, inactive: TimeInterval) -> AADError {
        AADError(.badRequest, "invalid_grant", 700082,
                 "The refresh token has expired due to inactivity. The token was issued on \(Util.iso8601(issued)) and was inactive for \(Int(inactive)) seconds.")
    }

    public static let authorizationPending = AADError(.badRequest, "authorization_pending", 70016,
                                                      "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")

    public static func slowDown(interval: Int) -> AADError {
        AADError(.badRequest, "slow_down", 70016,
                 "OAuth 2.0 device flow error. Polling too frequently; wait at least \(interval) seconds between requests.")
    }

    public static let deviceCodeExpired = AADError(.badRequest, "expired_token", 70019, "Verification code expired.")

    public static let authorizationDeclined = AADError(.badRequest, "authorization_declined", 70017,
                                                       "The end user declined the authorization request.")

    public static func assertion(_ code: Int, _ message: String) -> AADError {
        AADError(.unauthorized, "invalid_client", code, message)
    }
}

/// Headers every identity-platform response carries.
enum IdentityHeaders {
    static func apply(to response: EmulatorResponse, request: EmulatorRequest, traceId: String = Util.newGUID()) -> EmulatorResponse {
        var r = response
        r.headers.replaceOrAdd(name: "Cache-Control", value: "no-store, no-cache")
        r.headers.replaceOrAdd(name: "Pragma", value: "no-cache")
        r.headers.replaceOrAdd(name: "x-ms-request-id", value: traceId)
        r.headers.replaceOrAdd(name: "x-ms-ests-server", value: "m365-emulator")
        if let id = request.header("client-request-id") { r.headers.replaceOrAdd(name: "client-request-id", value: id) }
        return r
    }
}
