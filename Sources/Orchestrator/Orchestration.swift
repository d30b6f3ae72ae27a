import Agents
import Core
import Foundation
import Logging
import Persistence

/// The orchestrator assembled: engine, service, event bus and the `LISTEN` connection that ties
/// processes together. `run()` drives it until cancelled.
public final class Orchestration: Sendable {
    public let engine: WorkflowEngine
    public let service: WorkflowService
    /// Evaluations of recorded runs under a change.
    public let evaluations: EvaluationService
    public let bus: EventBus
    let listener: NotificationListener
    /// The workspaces' connected accounts; their tokens are refreshed before they expire.
    public let accounts: AccountService
    /// Daily account and video metrics of every Business account.
    public let metrics: MetricsService
    /// Publishes the audit outbox (when Pub/Sub is configured).
    public let relay: AuditRelay?
    /// Posts alerts to Slack.
    public let notifier: AlertNotifier
    /// Whether `run()` also drives the scheduler, metrics ingestion, the audit relay and the
    /// alert notifier (a server does; tests drive them one pass at a time).
    let background: Bool

    /// `listenURL` is a connection URL for the `LISTEN` connection (the app role's).
    public init(
        environment: AgentEnvironment, configuration: EngineConfiguration, listenURL: String, auditTopic: String = "audit-event",
        publicBaseURL: String = "", background: Bool = false
    ) {
        self.background = background
        metrics = MetricsService(environment: environment)
        relay = environment.providers.messages.map { AuditRelay(database: environment.database, publisher: $0, topic: auditTopic) }
        notifier = AlertNotifier(database: environment.database, chat: environment.providers.chat, baseURL: publicBaseURL)
        bus = EventBus(database: environment.database, logger: environment.logger)
        engine = WorkflowEngine(environment: environment, bus: bus, configuration: configuration)
        service = WorkflowService(engine: engine)
        evaluations = EvaluationService(engine: engine)
        accounts = environment.accounts
        listener = NotificationListener(
            url: listenURL, channels: [RunEventRepository.channel, WorkflowEngine.controlChannel, Self.credentialsChannel],
            logger: environment.logger)
    }

    /// Notified when a key is revoked or changes role, or a session ends (migration 0009).
    public static let credentialsChannel = "tiktok_credentials"

    /// Notifications on `credentialsChannel` (and reconnections, after which caches must be dropped).
    public func credentialChanges() -> AsyncStream<ListenerEvent> { listener.subscribe(bufferingNewest: 100) }

    /// Listens, follows notifications and runs the engine loop until the task is cancelled.
    public func run() async {
        let events = listener.subscribe()
        let control = listener.subscribe()
        listener.start()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.bus.follow(events) }
            group.addTask { await self.engine.follow(control) }
            group.addTask {
                await self.engine.run()
                self.listener.stop()
            }
            group.addTask {
                // Tokens live 2 to 24 hours: a sweep a minute refreshes each before its margin.
                while !Task.isCancelled {
                    await self.accounts.refreshDue()
                    try? await Task.sleep(for: .seconds(60))
                }
            }
            guard self.background else {
                await group.waitForAll()
                return
            }
            group.addTask {
                // Recurring runs: due occurrences are claimed every 15 s.
                while !Task.isCancelled {
                    _ = try? await self.service.fireDueSchedules()
                    try? await Task.sleep(for: .seconds(15))
                }
            }
            group.addTask {
                // Metrics arrive daily (T+24-48 h); a pass every six hours keeps the last week current.
                while !Task.isCancelled {
                    _ = await self.metrics.ingestAll()
                    try? await Task.sleep(for: .seconds(6 * 3600))
                }
            }
            if let relay = self.relay { group.addTask { await relay.run() } }
            group.addTask { await self.notifier.run() }
            await group.waitForAll()
        }
    }
}
