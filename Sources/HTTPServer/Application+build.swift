import APIContract
import Core
import Hummingbird
import Logging
import ServiceLifecycle

/// Builds the HTTP application: every controller mounted in one place. It serves only; the
/// orchestrator and the pool run beside it in the process's `ServiceGroup`.
public func buildApplication(
    _ dependencies: ServerDependencies, serverLogger: Logger? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Application(
        router: buildRouter(dependencies),
        configuration: .init(address: .hostname(dependencies.settings.host, port: dependencies.settings.port), serverName: "tiktok-army"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
        logger: serverLogger ?? dependencies.logger)
}

/// The router alone, for tests that send requests without a socket.
public func buildRouter(_ dependencies: ServerDependencies) -> Router<AppContext> {
    let router = Router(context: AppContext.self)
    router.add(middleware: RequestMiddleware(metrics: dependencies.metrics, forwardedHops: dependencies.settings.forwardedHops))
    HealthController(
        database: dependencies.database, metrics: dependencies.metrics, metricsToken: dependencies.settings.metricsToken,
        engine: dependencies.orchestration.engine.health
    ).addRoutes(to: router)
    router.get("/openapi.yaml") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: .init(string: APIDocument.text)))
    }
    WebhooksController(dependencies: dependencies).addRoutes(to: router)
    let credentials = Credentials(database: dependencies.database)
    let changes = dependencies.orchestration.credentialChanges()
    Task { await credentials.follow(changes) }
    let limiter = RateLimiter(settings: dependencies.settings, now: dependencies.clock.now)
    DashboardController(dependencies: dependencies, credentials: credentials, limiter: limiter).addRoutes(to: router)

    let api = router.group("api/dashboard").add(middleware: AuthMiddleware(credentials: credentials, limiter: limiter))
    BriefsController(database: dependencies.database, live: dependencies.settings.providerMode == .live).addRoutes(to: api)
    WorkflowsController(dependencies: dependencies).addRoutes(to: api)
    ReportsController(dependencies: dependencies).addRoutes(to: api)
    CatalogController(models: dependencies.models).addRoutes(to: api)
    MediaController(
        mediaDir: dependencies.orchestration.engine.environment.mediaDir,
        media: dependencies.orchestration.engine.environment.providers.media
    ).addRoutes(to: api)
    DashboardAPI.mount(on: router, dependencies, credentials: credentials, limiter: limiter)
    return router
}
