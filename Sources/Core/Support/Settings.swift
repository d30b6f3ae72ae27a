import Foundation

/// A setting that is missing or malformed. `description` is one line naming the variable.
public struct SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var variable: String
    public var problem: String
    public var description: String { "invalid setting \(variable): \(problem)" }
    public init(variable: String, problem: String) {
        self.variable = variable
        self.problem = problem
    }
}

/// How parameterised statements reach Postgres.
public enum StatementMode: String, Sendable, CaseIterable {
    /// Prepared once per connection, then run by name: the server plans each statement once.
    case prepared
    /// Parsed with its parameters in one protocol round, so no named statement outlives a
    /// transaction: for transaction-pooling proxies (PgBouncer, managed poolers).
    case unnamed
}

/// Where Claude answers come from.
public enum ClaudeMode: String, Sendable, CaseIterable { case mock, live, replay }
/// Whether TikTok/Shopify providers hit the network.
public enum ProviderMode: String, Sendable, CaseIterable { case mock, live }
/// How ready workflow steps are executed.
public enum ExecutionMode: String, Sendable, CaseIterable {
    case inline
    case cloudTasks = "cloud_tasks"
}

/// Every runtime setting, read once from the environment at start-up and validated.
public struct Settings: Sendable {
    /// Application-role connection URL; `nil` means the embedded cluster.
    public var databaseURL: String?
    /// Owner-role connection URL used for migrations; defaults to `databaseURL`.
    public var databaseOwnerURL: String?
    /// The URL of the `LISTEN` connection, which needs a session of its own (straight to Postgres
    /// or through a session-mode pool); defaults to `databaseURL`.
    public var databaseListenURL: String?
    /// Prepared or unnamed statements (`DATABASE_STATEMENTS`).
    public var databaseStatements: StatementMode
    public var host: String
    public var port: Int
    public var dataDir: String
    /// Connections in the pool (`DB_POOL_SIZE`, default `defaultPoolSize`).
    public var dbPoolSize: Int
    /// Single-statement reads (the run list, a run's events) using the pool at once
    /// (`DB_READ_CONCURRENCY`, default `defaultReadConcurrency`).
    public var dbReadConcurrency: Int
    public var dbAcquireTimeoutSeconds: Double
    public var logLevel: String
    public var claudeMode: ClaudeMode
    public var anthropicAPIKey: String?
    public var anthropicBaseURL: String
    /// The model of `standard`-tier agents (`CLAUDE_MODEL`).
    public var claudeModel: String
    /// The model of `fast`-tier agents (`CLAUDE_MODEL_FAST`).
    public var claudeModelFast: String
    /// The model of `strong`-tier agents and the synthesis (`CLAUDE_MODEL_STRONG`).
    public var claudeModelStrong: String
    /// Every model that can be billed: the built-in table with `CLAUDE_PRICES` on top.
    public var models: ModelCatalog
    /// The `anthropic-version` header.
    public var anthropicVersion: String
    /// The longest `retry-after` a Claude call waits for in-process; a longer one fails the attempt
    /// as transient and the step is retried no sooner than advised.
    public var claudeRetryAfterMaxSeconds: Double
    public var claudeMockLatencyMS: Int
    public var providerMode: ProviderMode
    public var executionMode: ExecutionMode
    /// Default daily Claude spend cap per workspace (USD); a workspace row can override it.
    public var claudeDailyCapUSD: Double
    /// Default daily ads budget cap per workspace (USD); a workspace row can override it.
    public var adsDailyCapUSD: Double
    /// How long a claimed step's lease lasts without a heartbeat.
    public var stepLeaseSeconds: Int
    /// Steps one process runs at once.
    public var maxConcurrentSteps: Int
    /// How long the engine may fail to claim or record steps before `/ready` answers 503.
    public var engineStallSeconds: Double
    public var providers: ProviderSettings
    /// Requests per second an API key may make (bursts of four times that).
    public var rateLimitPerKey: Double
    /// Requests per second one client address may make (bursts of four times that).
    public var rateLimitPerAddress: Double
    /// Trusted proxies in front of the server (Cloud Run: 1); rate limits then key on the address
    /// they put in `X-Forwarded-For` instead of the proxy's own.
    public var forwardedHops: Int
    /// The bearer token `/metrics` requires; unset turns it off.
    public var metricsToken: String?
    /// Problems worth a warning at start-up that do not stop it (a model retiring soon).
    public var warnings: [String] = []

    /// The model settings, by variable.
    public var modelSettings: [(variable: String, model: String)] {
        [("CLAUDE_MODEL", claudeModel), ("CLAUDE_MODEL_FAST", claudeModelFast), ("CLAUDE_MODEL_STRONG", claudeModelStrong)]
    }

    /// The model configured for `tier`.
    public func model(for tier: ModelTier) -> String {
        switch tier {
        case .fast: claudeModelFast
        case .standard: claudeModel
        case .strong: claudeModelStrong
        }
    }

    /// Reads and validates settings; throws the first problem found. `now` decides which models
    /// have retired.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, now: Date = Date()) throws(SettingsError) {
        let reader = Reader(environment: environment)
        databaseURL = try reader.url("DATABASE_URL", schemes: ["postgres", "postgresql"])
        databaseOwnerURL = try reader.url("DATABASE_OWNER_URL", schemes: ["postgres", "postgresql"])
        databaseListenURL = try reader.url("DATABASE_LISTEN_URL", schemes: ["postgres", "postgresql"])
        databaseStatements = try reader.enumeration("DATABASE_STATEMENTS", default: .prepared)
        host = reader.string("HOST") ?? "127.0.0.1"
        port = try reader.int("PORT", default: 8080, range: 1...65535)
        dataDir = reader.string("DATA_DIR") ?? ".data"
        dbPoolSize = try reader.int("DB_POOL_SIZE", default: Settings.defaultPoolSize, range: 1...500)
        dbReadConcurrency = try reader.int("DB_READ_CONCURRENCY", default: Settings.defaultReadConcurrency, range: 1...500)
        dbAcquireTimeoutSeconds = try reader.double("DB_ACQUIRE_TIMEOUT_SECONDS", default: 10, range: 0.01...600)
        logLevel = try reader.choice(
            "LOG_LEVEL", default: "info", from: ["trace", "debug", "info", "notice", "warning", "error", "critical"])
        claudeMode = try reader.enumeration("CLAUDE_MODE", default: .mock)
        anthropicAPIKey = reader.string("ANTHROPIC_API_KEY")
        anthropicBaseURL = try reader.url("ANTHROPIC_BASE_URL", schemes: ["http", "https"]) ?? "https://api.anthropic.com"
        claudeModel = reader.string("CLAUDE_MODEL") ?? Settings.defaultModels[.standard]!
        claudeModelFast = reader.string("CLAUDE_MODEL_FAST") ?? Settings.defaultModels[.fast]!
        claudeModelStrong = reader.string("CLAUDE_MODEL_STRONG") ?? Settings.defaultModels[.strong]!
        anthropicVersion = reader.string("ANTHROPIC_VERSION") ?? "2026-10-21"
        guard Timestamp.parse(anthropicVersion + "T00:00:00Z") != nil else {
            throw SettingsError(variable: "ANTHROPIC_VERSION", problem: "'\(anthropicVersion)' is not a yyyy-mm-dd API version")
        }
        claudeRetryAfterMaxSeconds = try reader.double("CLAUDE_RETRY_AFTER_MAX_SECONDS", default: 120, range: 0...3600)
        claudeMockLatencyMS = try reader.int("CLAUDE_MOCK_LATENCY_MS", default: 0, range: 0...600_000)
        providerMode = try reader.enumeration("TIKTOK_PROVIDER_MODE", default: .mock)
        executionMode = try reader.enumeration("EXECUTION_MODE", default: .inline)
        models = .standard
        if let prices = reader.string("CLAUDE_PRICES") { models = try models.applying(overrides: prices) }
        claudeDailyCapUSD = try reader.double("CLAUDE_DAILY_CAP_USD", default: 25, range: 0...1_000_000)
        adsDailyCapUSD = try reader.double("ADS_DAILY_CAP_USD", default: 500, range: 0...10_000_000)
        stepLeaseSeconds = try reader.int("STEP_LEASE_SECONDS", default: 30, range: 2...3600)
        maxConcurrentSteps = try reader.int("MAX_CONCURRENT_STEPS", default: 16, range: 1...1000)
        engineStallSeconds = try reader.double("ENGINE_STALL_SECONDS", default: 30, range: 1...3600)
        providers = try ProviderSettings(reader)
        metricsToken = reader.string("METRICS_TOKEN")
        forwardedHops = try reader.int("FORWARDED_HOPS", default: 0, range: 0...10)
        rateLimitPerKey = try reader.double("RATE_LIMIT_PER_KEY", default: 50, range: 0.1...100_000)
        rateLimitPerAddress = try reader.double("RATE_LIMIT_PER_ADDRESS", default: 100, range: 0.1...100_000)
        if let metricsToken, metricsToken.count < 16 {
            throw SettingsError(variable: "METRICS_TOKEN", problem: "must be at least 16 characters")
        }
        if providerMode == .live {
            for (name, value) in [("TIKTOK_CLIENT_KEY", providers.tiktokClientKey), ("TIKTOK_CLIENT_SECRET", providers.tiktokClientSecret)]
            where value == nil {
                throw SettingsError(variable: name, problem: "required when TIKTOK_PROVIDER_MODE=live")
            }
        }
        // A Google-token route without its expected sender would accept any service account.
        if providers.pubsubPushAudience != nil, providers.pubsubPushServiceAccount == nil {
            throw SettingsError(
                variable: "PUBSUB_PUSH_SERVICE_ACCOUNT", problem: "required when PUBSUB_PUSH_AUDIENCE is set (the only sender accepted)")
        }
        if executionMode == .cloudTasks {
            for (name, value) in [
                ("CLOUD_TASKS_QUEUE", providers.cloudTasksQueue), ("PUBLIC_BASE_URL", providers.publicBaseURL),
                ("CLOUD_TASKS_SERVICE_ACCOUNT", providers.cloudTasksServiceAccount),
            ] where value == nil {
                throw SettingsError(variable: name, problem: "required when EXECUTION_MODE=cloud_tasks")
            }
        }
        if claudeMode == .live, anthropicAPIKey == nil {
            throw SettingsError(variable: "ANTHROPIC_API_KEY", problem: "required when CLAUDE_MODE=live")
        }
        for (variable, model) in modelSettings {
            if let refusal = models.refusal(of: model, at: now) { throw SettingsError(variable: variable, problem: refusal) }
            if let days = models.retiresSoon(model, at: now) {
                warnings.append(
                    "\(variable)=\(model) retires in \(days) day\(days == 1 ? "" : "s"); move to a current model (docs/MODELS.md)")
            }
        }
    }

    /// The pool's size unless `DB_POOL_SIZE` says otherwise. A smaller pool shortens the slowest
    /// reads and a larger one keeps more steps moving at once; docs/PERFORMANCE.md measures both.
    public static let defaultPoolSize = 10

    /// Reads using the pool at once unless `DB_READ_CONCURRENCY` says otherwise: two per core of
    /// this machine, at least two. Bursts of reads then finish in turn rather than sharing the
    /// cores in time slices; docs/PERFORMANCE.md measures it.
    public static let defaultReadConcurrency = max(2, 2 * ProcessInfo.processInfo.activeProcessorCount)

    /// The model of each tier when no setting names one.
    public static let defaultModels: [ModelTier: String] = [
        .fast: "claude-haiku-5-5", .standard: "claude-sonnet-5-5", .strong: "claude-opus-5-5",
    ]

    /// One row per variable: name, default, meaning. The README's settings table lists the same.
    public static let documentation: [(name: String, default: String, meaning: String)] =
        [
            ("DATABASE_URL", "(embedded cluster)", "Postgres URL for the application role; unset starts the embedded cluster"),
            ("DATABASE_OWNER_URL", "DATABASE_URL", "Postgres URL for the owner role that runs migrations"),
            (
                "DATABASE_LISTEN_URL", "DATABASE_URL",
                "Postgres URL of the LISTEN connection: straight to Postgres or a session-mode pool when DATABASE_URL is a transaction pool"
            ),
            (
                "DATABASE_STATEMENTS", "prepared",
                "prepared or unnamed (behind a transaction-pooling proxy); prepared falls back to unnamed for good on the first lost statement"
            ),
            ("HOST", "127.0.0.1", "Address the HTTP server binds"),
            ("PORT", "8080", "HTTP port"),
            ("DATA_DIR", ".data", "Where the embedded cluster lives"),
            ("DB_POOL_SIZE", "\(Settings.defaultPoolSize)", "Connections in the pool"),
            ("DB_READ_CONCURRENCY", "2 per core", "Single-statement reads (the run list, a run's events) using the pool at once"),
            ("DB_ACQUIRE_TIMEOUT_SECONDS", "10", "How long a request waits for a pooled connection (a read, for its turn too)"),
            ("LOG_LEVEL", "info", "trace, debug, info, notice, warning, error or critical"),
            ("CLAUDE_MODE", "mock", "mock, live or replay"),
            ("ANTHROPIC_API_KEY", "", "Required when CLAUDE_MODE=live"),
            ("ANTHROPIC_BASE_URL", "https://api.anthropic.com", "Anthropic API base URL"),
            ("CLAUDE_MODEL", "claude-sonnet-5-5", "Model of standard-tier agents (analysis, writing)"),
            ("CLAUDE_MODEL_FAST", "claude-haiku-5-5", "Model of fast-tier agents (triage)"),
            ("CLAUDE_MODEL_STRONG", "claude-opus-5-5", "Model of strong-tier agents and the synthesis"),
            ("ANTHROPIC_VERSION", "2026-10-21", "anthropic-version header of live Claude calls"),
            (
                "CLAUDE_RETRY_AFTER_MAX_SECONDS", "120",
                "Longest retry-after a Claude call waits in-process; longer advice reschedules the step"
            ),
            ("CLAUDE_MOCK_LATENCY_MS", "0", "Simulated latency of a mock Claude call"),
            ("TIKTOK_PROVIDER_MODE", "mock", "mock or live"),
            ("EXECUTION_MODE", "inline", "inline or cloud_tasks"),
            ("CLAUDE_PRICES", "", "JSON object of model id -> price entry (docs/MODELS.md), on top of the built-in table"),
            ("CLAUDE_DAILY_CAP_USD", "25", "Default daily Claude spend cap per workspace"),
            ("ADS_DAILY_CAP_USD", "500", "Default daily ads budget cap per workspace"),
            ("STEP_LEASE_SECONDS", "30", "Lease of a claimed step; a crashed process's steps are taken over after it"),
            ("MAX_CONCURRENT_STEPS", "16", "Steps one process runs at once"),
            ("ENGINE_STALL_SECONDS", "30", "After this long failing to claim or record steps, /ready answers 503 with the reason"),
            ("FORWARDED_HOPS", "0", "Trusted proxies in front (Cloud Run: 1): client addresses come from X-Forwarded-For"),
            ("RATE_LIMIT_PER_KEY", "50", "Requests per second per API key (bursts of 4x); over it: 429 with Retry-After"),
            ("RATE_LIMIT_PER_ADDRESS", "100", "Requests per second per client address (bursts of 4x); failed logins: 10, then one per 6 s"),
            ("METRICS_TOKEN", "", "Bearer token /metrics requires (it shows totals across workspaces); unset turns /metrics off"),
        ] + ProviderSettings.documentation
}

/// Parses environment values, producing a `SettingsError` that names the variable.
struct Reader {
    let environment: [String: String]

    func string(_ name: String) -> String? {
        guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    func int(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws(SettingsError) -> Int {
        guard let text = string(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw SettingsError(variable: name, problem: "'\(text)' is not an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func double(_ name: String, default fallback: Double, range: ClosedRange<Double>) throws(SettingsError) -> Double {
        guard let text = string(name) else { return fallback }
        guard let value = Double(text), range.contains(value) else {
            throw SettingsError(variable: name, problem: "'\(text)' is not a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func choice(_ name: String, default fallback: String, from options: [String]) throws(SettingsError) -> String {
        guard let text = string(name) else { return fallback }
        guard options.contains(text) else {
            throw SettingsError(variable: name, problem: "'\(text)' is not one of \(options.joined(separator: ", "))")
        }
        return text
    }

    func enumeration<E: RawRepresentable & CaseIterable>(_ name: String, default fallback: E) throws(SettingsError) -> E
    where E.RawValue == String {
        let text = try choice(name, default: fallback.rawValue, from: E.allCases.map(\.rawValue))
        return E(rawValue: text)!
    }

    func url(_ name: String, schemes: [String]) throws(SettingsError) -> String? {
        guard let text = string(name) else { return nil }
        let problem = SettingsError(variable: name, problem: "not a \(schemes.joined(separator: "/")) URL with a host")
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), schemes.contains(scheme) else {
            throw problem
        }
        // A Postgres URL may name a socket folder in its query instead (`?host=/cloudsql/...`).
        let socketFolder =
            scheme.hasPrefix("postgres") && components.queryItems?.contains { $0.name == "host" && $0.value?.isEmpty == false } == true
        guard components.host?.isEmpty == false || socketFolder else { throw problem }
        return text
    }
}
