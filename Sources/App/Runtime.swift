import Agents
import Core
import Foundation
import HTTPServer
import Logging
import Orchestrator
import Persistence
import Providers
import ServiceLifecycle
import UnixSignals

/// Everything a running process needs, wired once.
struct Runtime {
    let settings: Settings
    let logger: Logger
    let location: Bootstrap.DatabaseLocation
    let database: Database
    let providers: ProviderSuite
    let orchestration: Orchestration

    static func make(settings: Settings, logger: Logger, owner: String? = nil) async throws -> Runtime {
        for warning in settings.warnings { logger.warning("\(warning)") }
        let location = try await Bootstrap.database(settings, logger: logger, migrate: true)
        let database = Bootstrap.pool(settings, location, size: settings.dbPoolSize, logger: logger)
        try await database.verifyApplicationRole()
        let providers = try ProviderSuite.make(settings: settings, transport: CurlTransport())
        let cipher = try Bootstrap.tokenCipher(settings, location)
        let environment = AgentEnvironment(settings: settings, database: database, providers: providers, cipher: cipher, logger: logger)
        let configuration = EngineConfiguration(
            owner: owner ?? EngineConfiguration.defaultOwner(), maxConcurrentSteps: settings.maxConcurrentSteps,
            leaseSeconds: settings.stepLeaseSeconds,
            executionMode: settings.executionMode, publicBaseURL: settings.providers.publicBaseURL,
            stallSeconds: settings.engineStallSeconds)
        let orchestration = Orchestration(
            environment: environment, configuration: configuration, listenURL: settings.databaseListenURL ?? location.appURL,
            auditTopic: settings.providers.pubsubAuditTopic, publicBaseURL: settings.providers.publicBaseURL ?? "", background: true)
        return Runtime(
            settings: settings, logger: logger, location: location, database: database, providers: providers, orchestration: orchestration)
    }

    /// The process's services in start order; a `ServiceGroup` shuts them down in reverse: the
    /// embedded cluster (when this process started it), the pool, the orchestrator's services,
    /// then `serving` (the HTTP application).
    func services(serving: [any Service] = []) -> [any Service] {
        var services: [any Service] = []
        if let embedded = location.embedded, location.cluster?.startedHere == true { services.append(ClusterService(cluster: embedded)) }
        return services + [database] + orchestration.services + serving
    }

    /// `services(serving:)` in one group that shuts them down in reverse order on `signals`.
    func group(serving: [any Service] = [], signals: [UnixSignal] = [.sigterm, .sigint]) -> ServiceGroup {
        ServiceGroup(configuration: .init(services: services(serving: serving), gracefulShutdownSignals: signals, logger: logger))
    }

    /// Runs `services(serving:)` until SIGTERM or SIGINT, then shuts them down in reverse order.
    func run(serving: [any Service] = []) async throws {
        try await group(serving: serving).run()
    }
}

/// Stops the embedded cluster this process started, once everything that used it has stopped.
struct ClusterService: Service {
    let cluster: EmbeddedPostgres

    func run() async throws {
        try? await gracefulShutdown()
        try await Blocking.run { try cluster.stop() }
    }
}
