import Agents
import Core
import Foundation
import Logging
import Persistence
import ServiceLifecycle

/// The orchestrator assembled: engine, service, event bus and the `LISTEN` connection that ties
/// processes together, run as `services`.
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
    /// The recurring work beside the engine.
    let jobs: BackgroundJobs

    /// `listenURL` is a connection URL for the `LISTEN` connection (the app role's). With
    /// `background`, the services also fire schedules, ingest metrics, relay the audit outbox and
    /// post alerts (a server does; tests drive them one pass at a time).
    public init(
        environment: AgentEnvironment, configuration: EngineConfiguration, listenURL: String, auditTopic: String = "audit-event",
        publicBaseURL: String = "", background: Bool = false
    ) {
        listener = NotificationListener(
            url: listenURL, channels: [RunEventRepository.channel, WorkflowEngine.controlChannel, Self.credentialsChannel],
            logger: environment.logger)
        metrics = MetricsService(environment: environment)
        relay = environment.providers.messages.map { AuditRelay(database: environment.database, publisher: $0, topic: auditTopic) }
        notifier = AlertNotifier(database: environment.database, chat: environment.providers.chat, baseURL: publicBaseURL)
        bus = EventBus(database: environment.database, logger: environment.logger, notifications: listener.subscribe())
        let transitions = RunCommitter(
            database: environment.database, bus: bus, configuration: configuration, tasks: environment.providers.tasks)
        engine = WorkflowEngine(environment: environment, transitions: transitions, control: listener.subscribe())
        service = WorkflowService(environment: environment, transitions: transitions) { [engine] in await engine.cancelLocal($0) }
        evaluations = EvaluationService(workflows: service)
        accounts = environment.accounts
        jobs = BackgroundJobs(
            accounts: accounts, service: service, metrics: metrics, relay: relay, notifier: notifier, all: background)
        logger = environment.logger
    }

    let logger: Logger

    /// Notified when a key is revoked or changes role, or a session ends (migration 0009).
    public static let credentialsChannel = "tiktok_credentials"

    /// Notifications on `credentialsChannel` (and reconnections, after which caches must be dropped).
    public func credentialChanges() -> AsyncStream<ListenerEvent> { listener.subscribe(bufferingNewest: 100) }

    /// The orchestrator's services in start order (a `ServiceGroup` shuts them down in reverse):
    /// the `LISTEN` connection, the event bus, the engine, the recurring jobs. The pool they use
    /// belongs before them and the HTTP server after them.
    public var services: [any Service] { [listener, bus, engine, jobs] }

    /// Runs the services until the task is cancelled (tests and the benchmark; a process runs
    /// them in its own `ServiceGroup`). Cancelled, the listener ends the bus's stream before the
    /// group has taken the cancellation in, so a service that ends is not an error here.
    public func run() async {
        let configurations = services.map {
            ServiceGroupConfiguration.ServiceConfiguration(service: $0, successTerminationBehavior: .ignore)
        }
        let group = ServiceGroup(configuration: .init(services: configurations, logger: logger))
        do { try await group.run() } catch { logger.error("orchestration stopped", metadata: ["error": "\(error)"]) }
    }
}
