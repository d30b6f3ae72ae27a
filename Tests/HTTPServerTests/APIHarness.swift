import Agents
import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Orchestrator
import Persistence
import Providers
import TestSupport

@testable import HTTPServer

/// The HTTP application on an isolated database with the orchestrator running.
final class APIHarness: @unchecked Sendable {
    static let store = TestDatabase.isolated("http")

    let dependencies: ServerDependencies
    let loop: Task<Void, Never>
    let store: TestDatabase.Store

    /// `clock` is the server's (rate limits, webhook timestamps); `store` defaults to the database the HTTP suites share; a suite whose runs must not be
    /// picked up by other suites' engines passes its own.
    init(
        environment extra: [String: String] = [:], store: TestDatabase.Store = APIHarness.store, clock: Clock = .system,
        providers adjust: (inout ProviderSuite) -> Void = { _ in }
    ) throws {
        self.store = store
        let settings = try Settings(environment: extra)
        var providers = ProviderSuite.mock(transport: CurlTransport(), models: settings.models)
        adjust(&providers)
        let environment = AgentEnvironment(
            database: store.database, providers: providers, mediaDir: NSTemporaryDirectory() + "http-media",
            logger: Logger(label: "http-test"))
        let orchestration = Orchestration(
            environment: environment, configuration: EngineConfiguration(pollInterval: .milliseconds(200)), listenURL: store.appURL)
        dependencies = ServerDependencies(
            settings: settings, database: store.database, orchestration: orchestration, providers: providers,
            logger: Logger(label: "http-test"), clock: clock)
        loop = Task { await orchestration.run() }
    }

    func stop() async {
        loop.cancel()
        await loop.value
    }

    var router: Router<AppContext> { buildRouter(dependencies) }

    /// A workspace and its key.
    static func workspace(in store: TestDatabase.Store = APIHarness.store) async throws -> (WorkspaceID, String) {
        let (id, key) = try await TestDatabase.workspace(in: store.database)
        return (id, key.plaintext)
    }

    /// Runs `body` against the router (no socket).
    func withClient(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await Application(router: router).test(.router, body)
    }

    /// Runs `body` against the router and returns what it returns.
    func withClientResult<T: Sendable>(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        let result = Locked<T?>(nil)
        try await withClient { result.value = try await body($0) }
        return result.value!
    }

    func waitForRun(_ run: String, workspace: WorkspaceID, until statuses: Set<RunStatus>) async throws -> WorkflowRun {
        let id = WorkflowRunID(run)!
        // Up to 240 s: suites run in parallel on small CI machines (a deadline, not a speed check).
        for _ in 0..<4800 {
            let current = try await store.database.withWorkspace(workspace) { try RunRepository.find(id, on: $0) }
            if let current, statuses.contains(current.status) { return current }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw AppError.internal("run \(run) did not reach \(statuses)")
    }
}

/// Request helpers.
extension TestClientProtocol {
    func call(
        _ method: HTTPRequest.Method, _ uri: String, key: String? = nil, json: JSONValue? = nil, raw: String? = nil,
        contentType: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> (status: Int, json: JSONValue, text: String, headers: HTTPFields, error: PageError?) {
        var headers = extra
        if let key { headers[.authorization] = "Bearer \(key)" }
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(string: json.jsonString)
            headers[.contentType] = contentType ?? "application/json"
        } else if let raw {
            body = ByteBuffer(string: raw)
            headers[.contentType] = contentType ?? "application/json"
        }
        return try await execute(uri: uri, method: method, headers: headers, body: body) { response in
            let text = String(buffer: response.body)
            let json = (try? JSONValue.parse(text)) ?? .null
            return (response.status.code, json, text, response.headers, PageError(json: json, html: text))
        }
    }
}

/// The error a response reports: the API's JSON shape, or the code and message an error page
/// carries for people (`data-error-code`, `data-error-message`).
struct PageError: Equatable {
    var code: String
    var message: String
    /// Whether it came as an HTML page.
    var isPage: Bool

    init(code: String, message: String = "", isPage: Bool) { (self.code, self.message, self.isPage) = (code, message, isPage) }

    /// Codes compare, and where the message matters the test reads it.
    static func == (a: PageError, b: PageError) -> Bool { a.code == b.code && a.isPage == b.isPage }

    init?(json: JSONValue, html: String) {
        if let code = json["error"]?["code"]?.stringValue {
            (self.code, message, isPage) = (code, json["error"]?["message"]?.stringValue ?? "", false)
            return
        }
        guard let code = Self.attribute("data-error-code", in: html) else { return nil }
        (self.code, message, isPage) = (code, Self.attribute("data-error-message", in: html) ?? "", true)
    }

    static func attribute(_ name: String, in html: String) -> String? {
        guard let start = html.range(of: name + "=\""), let end = html[start.upperBound...].firstIndex(of: "\"") else { return nil }
        return String(html[start.upperBound..<end]).replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(
            of: "&#39;", with: "'"
        )
        .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(
            of: "&amp;", with: "&")
    }
}
