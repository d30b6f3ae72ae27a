import Core
import Logging
import Persistence
import Providers

/// What agents depend on, built once by the executable and passed in.
public struct AgentEnvironment: Sendable {
    public var database: Database
    public var providers: ProviderSuite
    public var claudeMode: ClaudeMode
    /// The model of each tier; an agent's tier comes from the catalog, and a workspace may choose
    /// another model per agent.
    public var tierModels: [ModelTier: String]
    /// Where produced videos are stored.
    public var mediaDir: String
    public var clock: Clock
    public var ids: UUIDSource
    public var logger: Logger
    /// The workspaces' connected accounts and their tokens.
    public var accounts: AccountService
    /// The brand contexts of runs this process has read or built.
    public let brandContexts = BrandContextCache()

    /// `cipher` seals account tokens; tests may leave it out (a random key for the process).
    public init(
        database: Database, providers: ProviderSuite, claudeMode: ClaudeMode = .mock,
        tierModels: [ModelTier: String] = Settings.defaultModels,
        mediaDir: String = ".data/media", clock: Clock = .system,
        ids: UUIDSource = .random, logger: Logger = Logger(label: "agents"), cipher: TokenCipher? = nil
    ) {
        self.database = database
        self.providers = providers
        self.claudeMode = claudeMode
        self.tierModels = tierModels
        self.mediaDir = mediaDir
        self.clock = clock
        self.ids = ids
        self.logger = logger
        self.accounts = AccountService(
            database: database, authorizer: providers.authorizer, cipher: cipher ?? (try! TokenCipher(key: Crypto.randomBytes(32))),
            clock: clock,
            logger: logger)
    }

    /// Built from settings.
    public init(settings: Settings, database: Database, providers: ProviderSuite, cipher: TokenCipher, logger: Logger) {
        self.init(
            database: database, providers: providers, claudeMode: settings.claudeMode,
            tierModels: Dictionary(uniqueKeysWithValues: ModelTier.allCases.map { ($0, settings.model(for: $0)) }),
            mediaDir: settings.providers.mediaDir,
            logger: logger, cipher: cipher)
    }

    /// The model `agent` uses unless its workspace chose another: its catalog tier's.
    public func defaultModel(for agent: String) -> String {
        let tier = Catalog.tier(of: agent)
        return tierModels[tier] ?? Settings.defaultModels[tier]!
    }
}
