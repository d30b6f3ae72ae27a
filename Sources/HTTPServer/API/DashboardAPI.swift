import APIContract
import Agents
import Core
import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime
import Orchestrator
import Persistence

/// The JSON API's operations generated from `openapi.yaml` (`APIProtocol`), implemented over the
/// repositories and services. One extension per area (`DashboardAPI+Keys.swift`, ...). Errors are
/// thrown as `AppError`; `RequestMiddleware` answers them in the `{error: {code, message}}` shape,
/// as it does for a body the generated decoder refused (`ContractErrors`).
struct DashboardAPI: APIProtocol {
    let database: Database
    let service: WorkflowService
    let evaluations: EvaluationService
    let accounts: AccountService
    let models: ModelChoices
    let orchestration: Orchestration
    /// Live Claude mode: the copilot asks Claude to read a message it does not recognise.
    let claudeLive: Bool
    /// Live provider mode: own-account briefs must name a connected account.
    let live: Bool

    /// Mounts every generated operation on `router` behind the API's authentication.
    static func mount(
        on router: Router<AppContext>, _ dependencies: ServerDependencies, credentials: Credentials, limiter: RateLimiter
    ) {
        let group = router.group()
            .add(middleware: AuthMiddleware(credentials: credentials, limiter: limiter))
            .add(middleware: RequestScopeMiddleware())
        let api = DashboardAPI(
            database: dependencies.database, service: dependencies.service, evaluations: dependencies.evaluations,
            accounts: dependencies.accounts, models: dependencies.models,
            orchestration: dependencies.orchestration, claudeLive: dependencies.settings.claudeMode == .live,
            live: dependencies.settings.providerMode == .live)
        do {
            try api.registerHandlers(
                on: group,
                configuration: .init(
                    dateTranscoder: TimestampTranscoder(), jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]),
                middlewares: [EmptyBodyMiddleware()])
        } catch {
            preconditionFailure("the generated operations could not be mounted: \(error)")
        }
    }
}

/// What a generated handler knows of its request beyond its typed input: the authenticated caller.
enum RequestScope {
    @TaskLocal static var principal: Principal?

    /// The caller; only reachable behind the auth middleware.
    static func caller() throws -> Principal {
        guard let principal else { throw AppError.unauthorized("missing API key") }
        return principal
    }
}

/// Hands the authenticated caller to the generated handlers, and reads a JSON body within its
/// limit first: 413 above 256 KiB, 400 for bytes that are not UTF-8 or a string holding U+0000
/// (Postgres text cannot store it).
struct RequestScopeMiddleware: RouterMiddleware {
    typealias Context = AppContext
    static let bodyLimit = 256 << 10

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var request = request
        if request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true {
            let buffer: ByteBuffer
            do { buffer = try await request.collectBody(upTo: Self.bodyLimit) } catch {
                throw AppError(code: "payload_too_large", message: "the body is larger than \(Self.bodyLimit) bytes", status: 413)
            }
            let bytes = Data(buffer: buffer)
            guard String(validating: bytes, as: UTF8.self) != nil else { throw AppError.invalidInput("the body is not valid UTF-8") }
            if let value = try? JSONValue.parse(bytes), let field = HTTPJSON.nulField(value) {
                let name = field.isEmpty ? "the body" : field
                throw AppError.invalidInput("\(name) contains a NUL character (\\u0000), which cannot be stored")
            }
        }
        return try await RequestScope.$principal.withValue(context.principal) { try await next(request, context) }
    }
}

/// An empty request body is no body: an operation whose body is optional (a decision) then reads
/// none, and one that needs a body answers that it is missing.
struct EmptyBodyMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let body else { return try await next(request, nil, metadata) }
        let bytes: Data
        do { bytes = try await Data(collecting: body, upTo: RequestScopeMiddleware.bodyLimit) } catch {
            throw AppError(
                code: "payload_too_large", message: "the body is larger than \(RequestScopeMiddleware.bodyLimit) bytes", status: 413)
        }
        return try await next(request, bytes.isEmpty ? nil : HTTPBody(bytes), metadata)
    }
}
