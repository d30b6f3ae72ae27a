import Agents
import Core
import Foundation
import HTTPServer
import Logging
import Orchestrator
import Persistence
import Providers

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

    func shutdown() async {
        await database.shutdown()
        if let embedded = location.embedded, location.cluster?.startedHere == true {
            try? await Blocking.run { try embedded.stop() }
        }
    }
}
