import Agents
import Core
import Logging
import Orchestrator
import Persistence
import Providers

/// Everything the HTTP layer needs, built once by the executable and passed in.
public struct ServerDependencies: Sendable {
    public var settings: Settings
    public var database: Database
    public var orchestration: Orchestration
    public var providers: ProviderSuite
    public var logger: Logger
    public var clock: Clock
    public var metrics: ServerMetrics

    public init(
        settings: Settings, database: Database, orchestration: Orchestration, providers: ProviderSuite, logger: Logger,
        clock: Clock = .system
    ) {
        self.settings = settings
        self.database = database
        self.orchestration = orchestration
        self.providers = providers
        self.logger = logger
        self.clock = clock
        self.metrics = ServerMetrics()
    }

    public var service: WorkflowService { orchestration.service }
    public var evaluations: EvaluationService { orchestration.evaluations }
    public var bus: EventBus { orchestration.bus }
    /// The workspaces' connected accounts.
    public var accounts: AccountService { orchestration.accounts }
    /// Which model each agent of a workspace uses.
    public var models: ModelChoices { ModelChoices(environment: orchestration.engine.environment) }
}
