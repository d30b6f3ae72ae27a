import Core
import Hummingbird
import Logging

/// Builds the HTTP application: every controller mounted in one place.
public func buildApplication(
    _ dependencies: ServerDependencies,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = buildRouter(dependencies)
    return Application(
        router: router,
        configuration: .init(address: .hostname(dependencies.settings.host, port: dependencies.settings.port), serverName: "tiktok-army"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
        logger: dependencies.logger)
}

/// The router alone, for tests that send requests without a socket.
public func buildRouter(_ dependencies: ServerDependencies) -> Router<BasicRequestContext> {
    let router = Router()
    HealthController(database: dependencies.database).addRoutes(to: router)
    return router
}
