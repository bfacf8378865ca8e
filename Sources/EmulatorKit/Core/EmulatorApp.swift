import Foundation
import JSONModel
import NIOConcurrencyHelpers
import NIOHTTP1

/// Routes a request to its service by listener and Host header, applies fault injection and
/// records it in the request log. Pure request → response; the network layer lives in HTTPServer.
public final class EmulatorApp: @unchecked Sendable {
    public let state: EmulatorState
    let admin: AdminService
    let managedIdentity: ManagedIdentityService
    let resourceManager: ResourceManagerService
    private let identity: [EmulatedCloud: IdentityService]
    private let graph: [EmulatedCloud: GraphService]
    private let sharePointLock = NIOLock()
    private var sharePoint: [String: SharePointService] = [:]

    public init(state: EmulatorState, info: @escaping @Sendable () -> JSON) {
        self.state = state
        self.admin = AdminService(state: state, info: info)
        self.managedIdentity = ManagedIdentityService(state: state)
        self.resourceManager = ResourceManagerService(state: state)
        var id: [EmulatedCloud: IdentityService] = [:]
        var g: [EmulatedCloud: GraphService] = [:]
        for c in EmulatedCloud.allCases {
            id[c] = IdentityService(state: state, cloud: c)
            g[c] = GraphService(state: state, cloud: c)
        }
        self.identity = id
        self.graph = g
    }

    /// A response plus what the network layer must do to it (delay, reset, truncate).
    public struct Outcome: Sendable {
        public var response: EmulatorResponse
        public var fault: FaultDecision
    }

    public func respond(_ req: EmulatorRequest) -> Outcome {
        let start = DispatchTime.now()
        if req.path.hasPrefix(AdminService.prefix) {
            // Admin calls are neither logged nor faulted: tests use them to look at the rest.
            return Outcome(response: admin.handle(req), fault: FaultDecision())
        }
        let fault = state.faults.decide(host: req.host, path: req.path)
        var response: EmulatorResponse
        switch fault.action {
        case let .status(code, retryAfter): response = faultResponse(code, retryAfter: retryAfter, req)
        case let .html(code): response = Self.htmlErrorPage(code)
        case let .redirect(code, location):
            response = .text("Moved to \(location)\n", status: HTTPResponseStatus(statusCode: code))
            response.headers.replaceOrAdd(name: "Location", value: location)
        default: response = route(req)
        }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
        state.requestLog.record(req, status: Int(response.status.code), fault: fault, durationMs: ms)
        return Outcome(response: response, fault: fault)
    }

    func route(_ req: EmulatorRequest) -> EmulatorResponse {
        if req.listener == .managedIdentity { return managedIdentity.handle(req) }
        switch ServiceHost.classify(req.host) {
        case let .identity(cloud): return identity[cloud]!.handle(req)
        case let .graph(cloud): return graph[cloud]!.handle(req)
        case let .sharePoint(name, kind, cloud): return sharePointService(name, kind, cloud).handle(req)
        case .deviceLogin: return identity[.global]!.handle(req)
        case .resourceManager: return resourceManager.handle(req)
        case .unknown:
            return .text("m365-emulator does not serve the host '\(req.host)'.\n", status: .misdirectedRequest)
        }
    }

    private func sharePointService(_ name: String, _ kind: SharePointHostKind, _ cloud: EmulatedCloud) -> SharePointService {
        let key = "\(name)|\(kind.rawValue)|\(cloud.rawValue)"
        return sharePointLock.withLock {
            if let s = sharePoint[key] { return s }
            let s = SharePointService(state: state, tenantName: name, kind: kind, cloud: cloud)
            sharePoint[key] = s
            return s
        }
    }

    /// 429/503 in the shape of the service that was asked.
    func faultResponse(_ code: Int, retryAfter: Int, _ req: EmulatorRequest) -> EmulatorResponse {
        let status = HTTPResponseStatus(statusCode: code)
        var r: EmulatorResponse
        switch ServiceHost.classify(req.host) {
        case .graph:
            r = code == 429
                ? GraphService.error(status, "TooManyRequests", "Too many requests.", req)
                : GraphService.error(status, "serviceNotAvailable", "Service Unavailable", req)
        case .sharePoint:
            r = code == 429
                ? SharePointService.odataError(status, "-2147024860, Microsoft.SharePoint.SPRequestThrottledException",
                                               "The request has been throttled. Retry after \(retryAfter) seconds.", req)
                : .html(Self.htmlErrorPage(503).bodyText, status: status)
        case .identity, .deviceLogin:
            r = code == 429
                ? AADError(status, "temporarily_unavailable", 90055, "TenantThrottlingError - There are too many incoming requests.").response(for: req)
                : AADError(status, "temporarily_unavailable", 90033, "A transient error has occurred. Please try again.").response(for: req)
        default:
            r = .json(["error": "temporarily_unavailable", "error_description": .string(status.reasonPhrase)], status: status)
        }
        r.headers.replaceOrAdd(name: "Retry-After", value: String(retryAfter))
        return r
    }

    /// What a gateway or load balancer answers when the service behind it fails.
    static func htmlErrorPage(_ code: Int) -> EmulatorResponse {
        let status = HTTPResponseStatus(statusCode: code)
        return .html("""
        <!DOCTYPE html>
        <html><head><title>\(code) \(status.reasonPhrase)</title></head>
        <body><h1>\(status.reasonPhrase)</h1><p>The service is temporarily unavailable. Please try again later.</p><hr><p>m365-emulator</p></body></html>
        """, status: status)
    }
}

extension EmulatorResponse {
    var bodyText: String { String(decoding: body, as: UTF8.self) }
}
