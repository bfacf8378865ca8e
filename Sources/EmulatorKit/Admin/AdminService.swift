import Foundation
import JSONModel
import NIOHTTP1

/// The emulator's own API under the reserved path `/_emulator/` on every host and both ports:
/// device-code approval for scripts, fault rules, the request log, federated test tokens,
/// bulk data for benchmarks (directory users, SharePoint list items and site collections) and
/// reset to the seed.
public final class AdminService: Sendable {
    public static let prefix = "/_emulator/"
    let state: EmulatorState
    private let router: Router<EmulatorRequest>

    public init(state: EmulatorState, info: @escaping @Sendable () -> JSON) {
        self.state = state
        let approval = DeviceApproval(state: state)
        self.router = Router { r in
            r.add(.GET, "_emulator/health") { _, _ in .json(["status": "ok"]) }
            r.add(.GET, "_emulator/info") { _, _ in .json(info()) }

            r.add(.GET, "_emulator/devicecodes") { _, _ in
                let flows = state.grants.allDeviceFlows.sorted { $0.expiresAt < $1.expiresAt }
                return .json(["value": .array(flows.map { f in
                    let s: String
                    switch f.state {
                    case .pending: s = Date() > f.expiresAt ? "expired" : "pending"
                    case .approved: s = f.redeemed ? "redeemed" : "approved"
                    case .declined: s = "declined"
                    }
                    return ["user_code": .string(f.userCode), "client_id": .string(f.clientId), "state": .string(s),
                            "expires_at": .string(Util.iso8601(f.expiresAt))]
                })])
            }
            r.add(.POST, "_emulator/devicecode/approve") { req, _ in
                guard let body = try? JSON.parse(bytes: req.body), let code = body["user_code"]?.stringValue,
                      let user = body["username"]?.stringValue
                else { return AdminService.badRequest("body must be {\"user_code\":…, \"username\":…[, \"password\":…]}") }
                switch approval.approve(userCode: code, username: user, password: body["password"]?.stringValue) {
                case let .success(app): return .json(["status": "approved", "user_code": .string(code), "application": .string(app)])
                case let .failure(e): return AdminService.failure(e)
                }
            }
            r.add(.POST, "_emulator/devicecode/decline") { req, _ in
                guard let body = try? JSON.parse(bytes: req.body), let code = body["user_code"]?.stringValue else {
                    return AdminService.badRequest("body must be {\"user_code\":…}")
                }
                switch approval.decline(userCode: code) {
                case .success: return .json(["status": "declined", "user_code": .string(code)])
                case let .failure(e): return AdminService.failure(e)
                }
            }

            r.add(.GET, "_emulator/faults") { _, _ in .json(["value": .array(state.faults.activeRules.map(\.json))]) }
            r.add(.POST, "_emulator/faults") { req, _ in
                do {
                    let body = try JSON.parse(bytes: req.body)
                    if let seed = body["randomSeed"]?.lenientInt { state.faults.reseed(UInt64(truncatingIfNeeded: seed)) }
                    if body["kind"] == nil && body["spec"] == nil { return .json(["status": "ok"]) }
                    let rule = try FaultRule(json: body)
                    state.faults.add(rule)
                    return .json(rule.json, status: .created)
                } catch {
                    return AdminService.badRequest("\(error)")
                }
            }
            r.add(.DELETE, "_emulator/faults") { _, _ in
                state.faults.removeAll()
                return EmulatorResponse(status: .noContent)
            }
            r.add(.DELETE, "_emulator/faults/{id}") { _, p in
                state.faults.remove(id: p["id"]!) ? EmulatorResponse(status: .noContent)
                    : .json(["error": "not_found", "message": "no fault rule with that id"], status: .notFound)
            }

            r.add(.GET, "_emulator/requests") { req, _ in
                let q = req.query
                var entries = state.requestLog.all
                if let host = q["host"]?.lowercased() { entries = entries.filter { $0["host"]?.stringValue == host } }
                if let prefix = q["path"] { entries = entries.filter { $0["path"]?.stringValue?.hasPrefix(prefix) == true } }
                return .json(["value": .array(entries)])
            }
            r.add(.DELETE, "_emulator/requests") { _, _ in
                state.requestLog.clear()
                return EmulatorResponse(status: .noContent)
            }

            r.add(.POST, "_emulator/directory/users") { req, _ in
                guard let body = try? JSON.parse(bytes: req.body), let count = body["count"]?.lenientInt, count >= 0 else {
                    return AdminService.badRequest("body must be {\"count\":N[, \"prefix\":\"bench\", \"tenant\":…]}")
                }
                do {
                    let n = try state.store.generateUsers(tenantId: body["tenant"]?.stringValue, count: count,
                                                          prefix: body["prefix"]?.stringValue ?? "bench")
                    return .json(["created": JSON(n)], status: .created)
                } catch {
                    return .json(["error": "not_found", "message": "no such tenant"], status: .notFound)
                }
            }
            r.add(.POST, "_emulator/directory/reset") { _, _ in
                state.store.reset()
                state.sharePoint.reset()
                return .json(["status": "reset"])
            }
            r.add(.POST, "_emulator/sharepoint/items") { req, _ in
                guard let body = try? JSON.parse(bytes: req.body), let site = body["site"]?.stringValue,
                      let list = body["list"]?.stringValue, let count = body["count"]?.lenientInt, count >= 0 else {
                    return AdminService.badRequest("body must be {\"site\":\"<absolute web URL>\", \"list\":\"<title>\", \"count\":N[, \"prefix\":\"bench\"]}")
                }
                guard let host = URL(string: site)?.host?.lowercased(), case let .sharePoint(name, _, _) = ServiceHost.classify(host),
                      let tenant = state.directory.tenant(sharePointName: name) else {
                    return .json(["error": "not_found", "message": .string("no SharePoint tenant serves \(site)")], status: .notFound)
                }
                do {
                    let n = try state.sharePoint.generateItems(webURL: site, tenantId: tenant.id, listTitle: list, count: count,
                                                               prefix: body["prefix"]?.stringValue ?? "bench")
                    return .json(["created": JSON(n)], status: .created)
                } catch SharePointStore.GenerateFailure.noSuchList {
                    return .json(["error": "not_found", "message": .string("no list '\(list)' at \(site)")], status: .notFound)
                } catch {
                    return .json(["error": "not_found", "message": .string("no web at \(site)")], status: .notFound)
                }
            }

            r.add(.POST, "_emulator/sharepoint/sites") { req, _ in AdminService.generateSites(req, state: state) }
            r.add(.POST, "_emulator/federated-token") { req, _ in AdminService.federatedToken(req, state: state) }
        }
    }

    public func handle(_ request: EmulatorRequest) -> EmulatorResponse {
        switch router.route(request) {
        case let .handled(r): return r
        case .methodNotAllowed: return .json(["error": "method_not_allowed"], status: .methodNotAllowed)
        case .notFound: return .json(["error": "not_found", "message": .string("unknown emulator admin endpoint \(request.path)")], status: .notFound)
        }
    }

    /// `{"tenant":"contoso" (SharePoint name, host or tenant id), "count":N, "prefix":"bench"}`:
    /// N site collections `https://<tenant>.sharepoint.com/sites/<prefix>-NNNNNN`.
    static func generateSites(_ req: EmulatorRequest, state: EmulatorState) -> EmulatorResponse {
        guard let body = try? JSON.parse(bytes: req.body), let count = body["count"]?.lenientInt, count >= 0 else {
            return badRequest("body must be {\"tenant\":\"contoso\", \"count\":N[, \"prefix\":\"bench\"]}")
        }
        var name = (body["tenant"]?.stringValue ?? "contoso").lowercased()
        if let host = URL(string: name.hasPrefix("https://") ? name : "https://\(name)")?.host, host.hasSuffix(".sharepoint.com") || host.contains(".sharepoint.") {
            name = String(host.prefix { $0 != "." }).replacingOccurrences(of: "-admin", with: "").replacingOccurrences(of: "-my", with: "")
        }
        guard let tenant = state.directory.tenant(sharePointName: name) ?? state.directory.tenant(idOrDomain: name),
              let spName = tenant.seed.sharePointTenantName else {
            return .json(["error": "not_found", "message": .string("no SharePoint tenant \(name)")], status: .notFound)
        }
        let n = state.sharePoint.generateSites(tenantId: tenant.id, rootHost: "\(spName).\(tenant.cloud.sharePointSuffix)", count: count,
                                               prefix: body["prefix"]?.stringValue ?? "bench")
        return .json(["created": JSON(n)], status: .created)
    }

    static func badRequest(_ message: String) -> EmulatorResponse {
        .json(["error": "bad_request", "message": .string(message)], status: .badRequest)
    }

    static func failure(_ e: DeviceApproval.Failure) -> EmulatorResponse {
        let status: HTTPResponseStatus
        switch e {
        case .unknownCode, .unknownUser: status = .notFound
        case .wrongPassword: status = .unauthorized
        default: status = .conflict
        }
        return .json(["error": .string(e.code), "message": .string(e.pageMessage)], status: status)
    }

    /// Mints a JWT from a trusted federated issuer that has no keys of its own (signed with
    /// the emulator's key), as a CI system would hand a workload.
    static func federatedToken(_ req: EmulatorRequest, state: EmulatorState) -> EmulatorResponse {
        guard let body = try? JSON.parse(bytes: req.body), let subject = body["subject"]?.stringValue else {
            return badRequest("body must be {\"subject\":…[, \"issuer\":…, \"audience\":…, \"lifetime\":seconds]}")
        }
        let keyless = state.directory.federatedIssuers.filter { ($0.publicKeysPEM ?? []).isEmpty }
        let issuer = body["issuer"]?.stringValue ?? keyless.first?.issuer ?? ""
        guard keyless.contains(where: { $0.issuer == issuer }) else {
            return badRequest("issuer '\(issuer)' is not a federated issuer signed by the emulator (see federatedIssuers in the seed)")
        }
        let now = Int(Date().timeIntervalSince1970)
        let lifetime = body["lifetime"]?.lenientInt ?? 600
        let claims: JSON = [
            "iss": .string(issuer), "sub": .string(subject),
            "aud": .string(body["audience"]?.stringValue ?? "api://AzureADTokenExchange"),
            "jti": .string(Util.newGUID()), "iat": JSON(now), "nbf": JSON(now), "exp": JSON(now + lifetime),
        ]
        do {
            let token = try state.signingKey.sign(claims: claims, version1: false)
            return .json(["token": .string(token), "issuer": .string(issuer), "subject": .string(subject)])
        } catch {
            return .json(["error": "server_error", "message": .string("\(error)")], status: .internalServerError)
        }
    }
}
