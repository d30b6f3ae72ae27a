import Agents
import Core
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime
import Orchestrator
import Persistence
import Providers

/// Outermost middleware: a request id on every log line and response, the error shape for every
/// failure, and request metrics by route.
struct RequestMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let metrics: ServerMetrics
    /// Proxies in front of the server whose `X-Forwarded-For` entries are trusted (0: none).
    var forwardedHops = 0
    static let requestIdHeader = HTTPField.Name("x-request-id")!

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        if let client = Self.forwardedClient(request, hops: forwardedHops) { context.clientAddress = client }
        let supplied = request.headers[Self.requestIdHeader].flatMap { id in
            id.count <= 64 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") } ? id : nil
        }
        context.requestId = supplied ?? Crypto.randomUUID().lowercasedString
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
            response =
                ErrorPages.isForPeople(request)
                ? ErrorPages.response(appError, request: request, requestId: context.requestId)
                : HTTPJSON.error(appError, requestId: context.requestId)
        }
        response.headers[Self.requestIdHeader] = context.requestId
        SecurityHeaders.apply(to: &response)
        let route = context.endpointPath ?? "unmatched"
        metrics.record(route: route, method: request.method.rawValue, status: response.status.code, duration: ContinuousClock.now - started)
        context.logger.debug(
            "request",
            metadata: [
                "http.method": "\(request.method)", "http.route": "\(route)", "http.status": "\(response.status.code)",
            ])
        return response
    }

    /// The address `hops` trusted proxies recorded: the `hops`-th `X-Forwarded-For` entry from the
    /// right (entries further left are whatever the client sent).
    static func forwardedClient(_ request: Request, hops: Int) -> String? {
        guard hops > 0, let header = request.headers[HTTPField.Name("x-forwarded-for")!] else { return nil }
        let entries = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard entries.count >= hops else { return entries.first }
        return entries[entries.count - hops]
    }

    /// Maps any error to the API's error shape; only a bug or an outage is a 5xx.
    static func appError(_ error: any Error) -> AppError {
        switch error {
        case let error as AppError: return error
        case let error as ServerError: return ContractErrors.appError(error, mapping: appError)
        case let error as DatabaseError: return error.appError
        case let error as HTTPError:
            let code =
                error.status.code == 404
                ? "not_found"
                : error.status.code == 405 ? "method_not_allowed" : error.status.code == 413 ? "payload_too_large" : "bad_request"
            return AppError(code: code, message: error.body ?? error.status.reasonPhrase, status: error.status.code)
        case let error as JWTError: return .unauthorized("token refused: \(error.description)")
        case let error as WebhookSignatureError: return .unauthorized("signature refused: \(error.description)")
        case let error as AgentError where error.kind == .invalidInput: return .invalidInput(error.message)
        case let error as SpendCapExceeded: return AppError(code: "spend_cap_exceeded", message: error.description, status: 409)
        default: return .internal("internal error")
        }
    }
}

/// The same security headers on every response: `nosniff` everywhere; on HTML a CSP that allows
/// only the app's own scripts, styles and media (no inline script, no framing), a referrer policy
/// and `no-store` (pages are signed in).
enum SecurityHeaders {
    static let policy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    static func apply(to response: inout Response) {
        response.headers[HTTPField.Name("x-content-type-options")!] = "nosniff"
        guard response.headers[.contentType]?.hasPrefix("text/html") == true else { return }
        response.headers[HTTPField.Name("content-security-policy")!] = policy
        response.headers[HTTPField.Name("referrer-policy")!] = "same-origin"
        response.headers[HTTPField.Name("x-frame-options")!] = "DENY"
        response.headers[.cacheControl] = "no-store"
    }
}

/// Authenticates `/api/dashboard`: `Authorization: Bearer <key>`, or the dashboard's session
/// cookie — which for an unsafe method also needs the session's CSRF token in `X-CSRF-Token` and a
/// same-origin request. Then the caller's rate limit and the role the route needs (`AccessRules`).
/// A missing or wrong credential is 401, a missing role 403, a spent rate limit 429.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let credentials: Credentials
    let limiter: RateLimiter

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        try limiter.take(from: context.clientAddress)
        let principal: Principal
        if let key = Self.bearer(request) {
            principal = try await verified(context, "the API key is not valid") { try await credentials.principal(forKey: key) }
        } else if let token = SessionCookie.token(request) {
            principal = try await verified(context, "the session has ended: log in again") {
                try await credentials.principal(forSession: token)
            }
            if !AccessRules.isSafe(request.method) { try CSRF.check(request, session: token) }
        } else {
            throw AppError.unauthorized("missing API key: send Authorization: Bearer <key>")
        }
        try limiter.take(for: principal.apiKeyId.description)
        try AccessRules.require(AccessRules.role(request.method, request.uri.path), of: principal)
        context.principal = principal
        context.logger[metadataKey: "workspace_id"] = .stringConvertible(principal.workspaceId)
        return try await next(request, context)
    }

    /// The principal `lookup` finds, counting a miss against the client's failed-lookup budget
    /// (and refusing a client that spent it).
    func verified(_ context: AppContext, _ refusal: String, _ lookup: () async throws -> Principal?) async throws -> Principal {
        try limiter.checkFailures(from: context.clientAddress)
        guard let principal = try await lookup() else {
            limiter.recordFailure(from: context.clientAddress)
            throw AppError.unauthorized(refusal)
        }
        return principal
    }

    static func bearer(_ request: Request) -> String? {
        request.headers[.authorization].flatMap(bearerToken)
    }

    /// The token of an `Authorization` value `Bearer <token>` (the scheme in any case, the blanks
    /// around the token dropped), or `nil`. Reads the value's bytes, as every API request asks.
    static func bearerToken(_ value: String) -> String? {
        let bytes = value.utf8
        let scheme = "bearer ".utf8
        guard bytes.count > scheme.count else { return nil }
        var start = bytes.startIndex
        for expected in scheme {
            let byte = bytes[start]
            guard (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) == expected else { return nil }
            start = bytes.index(after: start)
        }
        var end = bytes.endIndex
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start = bytes.index(after: start) }
        while start < end, bytes[bytes.index(before: end)] == 0x20 || bytes[bytes.index(before: end)] == 0x09 {
            end = bytes.index(before: end)
        }
        return start < end ? String(Substring(bytes[start..<end])) : nil
    }
}

/// Which role each route needs: reads are for every role, keys, connected accounts and settings
/// (model choices) for admins, every other write for operators.
enum AccessRules {
    static func isSafe(_ method: HTTPRequest.Method) -> Bool { method == .get || method == .head || method == .options }

    /// 403 naming the role needed unless `principal` has it.
    static func require(_ role: KeyRole, of principal: Principal) throws {
        guard !principal.may(role) else { return }
        throw AppError(
            code: "forbidden",
            message: "this needs a key with the \(role.rawValue) role; this key (\(principal.keyName)) is \(principal.role.rawValue)",
            status: 403)
    }

    static func role(_ method: HTTPRequest.Method, _ path: String) -> KeyRole {
        let path = path.hasPrefix("/api/dashboard") ? String(path.dropFirst("/api/dashboard".count)) : path
        if path.hasPrefix("/keys") || path.hasPrefix("/accounts") { return .admin }
        if isSafe(method) { return .viewer }
        if path.hasPrefix("/agents/"), path.hasSuffix("/model") { return .admin }
        if path.hasPrefix("/spend-caps") { return .admin }
        return .operator
    }
}

/// Key and session -> principal, remembered briefly so most requests skip the lookup; unknown
/// credentials are remembered for a shorter time and the cache is bounded. `invalidate` (on a
/// `NOTIFY` from any process) forgets everything at once.
actor Credentials {
    private let database: Database
    private let ttl: TimeInterval
    private var entries: [String: (principal: Principal?, expires: Date)] = [:]

    init(database: Database, ttl: TimeInterval = 10) {
        self.database = database
        self.ttl = ttl
    }

    func principal(forKey key: String) async throws -> Principal? {
        try await lookup("k:" + Crypto.sha256Hex(key)) { try WorkspaceRepository.principal(forKey: key, on: $0) }
    }

    func principal(forSession token: String) async throws -> Principal? {
        try await lookup("s:" + Crypto.sha256Hex(token)) { try WorkspaceRepository.principal(forSession: token, on: $0) }
    }

    func invalidate() { entries.removeAll() }

    /// Forgets everything when a credential changes anywhere; runs until `changes` ends.
    func follow(_ changes: AsyncStream<ListenerEvent>) async {
        for await event in changes {
            switch event {
            case .notification(let note) where note.channel == Orchestration.credentialsChannel: invalidate()
            case .reconnected: invalidate()
            default: continue
            }
        }
    }

    private func lookup(_ id: String, _ query: @escaping @Sendable (Connection) throws -> Principal?) async throws -> Principal? {
        let now = Date()
        if let entry = entries[id], entry.expires > now { return entry.principal }
        // One statement outside a transaction: the lookups are SECURITY DEFINER functions.
        let principal = try await database.withConnection(query)
        if entries.count >= 10_000 { entries = entries.filter { $0.value.expires > now && $0.value.principal != nil } }
        if entries.count < 10_000 { entries[id] = (principal, now.addingTimeInterval(principal == nil ? min(ttl, 2) : ttl)) }
        return principal
    }
}

/// The dashboard's session cookie: a random session token (`tts_...`), never the key.
enum SessionCookie {
    static let name = "__Host-tta_session"
    /// A week.
    static let lifetime: TimeInterval = 7 * 86_400

    static func token(_ request: Request) -> String? {
        request.cookies[name].map(\.value).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `Secure` is required by the `__Host-` prefix; browsers accept it on https and on loopback.
    static func set(_ token: String) -> Cookie {
        Cookie(name: name, value: token, maxAge: Int(lifetime), path: "/", secure: true, httpOnly: true, sameSite: .lax)
    }
    static let clear = Cookie(name: name, value: "", maxAge: 0, path: "/", secure: true, httpOnly: true, sameSite: .lax)
}

/// CSRF protection for cookie-authenticated writes: a token bound to the session (an HMAC of its
/// token), sent as a form field or `X-CSRF-Token`, and a same-origin check on `Origin` and
/// `Sec-Fetch-Site`.
enum CSRF {
    static let header = HTTPField.Name("x-csrf-token")!

    static func token(forSession session: String) -> String {
        Crypto.hex(Crypto.hmacSHA256(key: Array(session.utf8), data: Array("csrf".utf8)).prefix(16))
    }

    static func matches(_ sent: String?, session: String) -> Bool {
        guard let sent else { return false }
        return Crypto.constantTimeEqual(Array(sent.utf8), Array(token(forSession: session).utf8))
    }

    /// Refuses a cross-site request or one without the session's token.
    static func check(_ request: Request, session: String, sent: String? = nil) throws {
        if request.headers[HTTPField.Name("sec-fetch-site")!].map({ $0 != "same-origin" && $0 != "none" }) == true {
            throw AppError(code: "csrf", message: "cross-site requests cannot use the session cookie", status: 403)
        }
        if let origin = request.headers[HTTPField.Name("origin")!], let host = request.head.authority {
            guard origin == "http://" + host || origin == "https://" + host else {
                throw AppError(code: "csrf", message: "cross-origin requests cannot use the session cookie", status: 403)
            }
        }
        guard matches(sent ?? request.headers[header], session: session) else {
            throw AppError(code: "csrf", message: "the CSRF token is missing or wrong; reload the page and try again", status: 403)
        }
    }
}
