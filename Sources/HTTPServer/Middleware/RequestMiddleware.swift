import Agents
import Core
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Persistence
import Providers

/// Outermost middleware: a request id on every log line and response, the error shape for every
/// failure, and request metrics by route.
struct RequestMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let metrics: ServerMetrics
    static let requestIdHeader = HTTPField.Name("x-request-id")!

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        let supplied = request.headers[Self.requestIdHeader].flatMap { id in
            id.count <= 64 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") } ? id : nil
        }
        context.requestId = supplied ?? UUID().uuidString.lowercased()
        context.logger[metadataKey: "request_id"] = .string(context.requestId)
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let appError = Self.appError(error)
            if appError.status >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            }
            response = HTTPJSON.error(appError, requestId: context.requestId)
        }
        response.headers[Self.requestIdHeader] = context.requestId
        let route = context.endpointPath ?? "unmatched"
        metrics.record(route: route, method: request.method.rawValue, status: response.status.code, duration: ContinuousClock.now - started)
        context.logger.debug("request", metadata: [
            "http.method": "\(request.method)", "http.route": "\(route)", "http.status": "\(response.status.code)",
        ])
        return response
    }

    /// Maps any error to the API's error shape; only a bug or an outage is a 5xx.
    static func appError(_ error: any Error) -> AppError {
        switch error {
        case let error as AppError: return error
        case let error as DatabaseError: return error.appError
        case let error as HTTPError:
            let code = error.status.code == 404 ? "not_found" : error.status.code == 405 ? "method_not_allowed" : error.status.code == 413 ? "payload_too_large" : "bad_request"
            return AppError(code: code, message: error.body ?? error.status.reasonPhrase, status: error.status.code)
        case let error as JWTError: return .unauthorized("token refused: \(error.description)")
        case let error as WebhookSignatureError: return .unauthorized("signature refused: \(error.description)")
        case let error as AgentError where error.kind == .invalidInput: return .invalidInput(error.message)
        case let error as SpendCapExceeded: return AppError(code: "spend_cap_exceeded", message: error.description, status: 409)
        default: return .internal("internal error")
        }
    }
}

/// Resolves `Authorization: Bearer <key>` to a workspace through the `SECURITY DEFINER` lookup
/// (cached for a few seconds). A missing or wrong key is 401.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let keys: KeyCache

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        guard let key = Self.bearer(request) ?? SessionCookie.key(request) else {
            throw AppError.unauthorized("missing API key: send Authorization: Bearer <key>")
        }
        guard let principal = try await keys.principal(for: key) else { throw AppError.unauthorized("the API key is not valid") }
        context.principal = principal
        context.logger[metadataKey: "workspace_id"] = .string(principal.workspaceId.description)
        return try await next(request, context)
    }

    static func bearer(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else { return nil }
        let key = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return key.isEmpty ? nil : key
    }
}

/// Key -> principal, remembered briefly so most requests skip the lookup.
actor KeyCache {
    private let database: Database
    private let ttl: TimeInterval
    private var entries: [String: (principal: Principal?, expires: Date)] = [:]

    init(database: Database, ttl: TimeInterval = 10) {
        self.database = database
        self.ttl = ttl
    }

    func principal(for key: String) async throws -> Principal? {
        let hash = Crypto.sha256Hex(key)
        if let entry = entries[hash], entry.expires > Date() { return entry.principal }
        // One statement outside a transaction: the lookup is a SECURITY DEFINER function.
        let principal = try await database.withConnection { try WorkspaceRepository.principal(forKey: key, on: $0) }
        if entries.count > 10_000 { entries.removeAll() }
        entries[hash] = (principal, Date().addingTimeInterval(ttl))
        return principal
    }
}

/// The dashboard's session cookie (set by the login page) carries the same key.
enum SessionCookie {
    static let name = "tta_session"

    static func key(_ request: Request) -> String? {
        guard let cookies = request.headers[.cookie] else { return nil }
        for part in cookies.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0] == name, !pair[1].isEmpty { return pair[1].removingPercentEncoding ?? pair[1] }
        }
        return nil
    }
}
