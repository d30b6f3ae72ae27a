import Core
import Logging
import Persistence
import Providers

/// What agents depend on, built once by the executable and passed in.
public struct AgentEnvironment: Sendable {
    public var database: Database
    public var providers: ProviderSuite
    public var claudeMode: ClaudeMode
    /// Model id for agent calls.
    public var model: String
    public var claudeDailyCapUSD: Double
    public var adsDailyCapUSD: Double
    /// Where produced videos are stored.
    public var mediaDir: String
    public var clock: Clock
    public var ids: UUIDSource
    public var logger: Logger

    public init(
        database: Database, providers: ProviderSuite, claudeMode: ClaudeMode = .mock, model: String = "claude-sonnet-4-5",
        claudeDailyCapUSD: Double = 25, adsDailyCapUSD: Double = 500, mediaDir: String = ".data/media", clock: Clock = .system,
        ids: UUIDSource = .random, logger: Logger = Logger(label: "agents")
    ) {
        self.database = database
        self.providers = providers
        self.claudeMode = claudeMode
        self.model = model
        self.claudeDailyCapUSD = claudeDailyCapUSD
        self.adsDailyCapUSD = adsDailyCapUSD
        self.mediaDir = mediaDir
        self.clock = clock
        self.ids = ids
        self.logger = logger
    }

    /// Built from settings.
    public init(settings: Settings, database: Database, providers: ProviderSuite, logger: Logger) {
        self.init(
            database: database, providers: providers, claudeMode: settings.claudeMode, model: settings.claudeModel,
            claudeDailyCapUSD: settings.claudeDailyCapUSD, adsDailyCapUSD: settings.adsDailyCapUSD, mediaDir: settings.providers.mediaDir,
            logger: logger)
    }
}
