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
    public var dbPoolSize: Int
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
        dbPoolSize = try reader.int("DB_POOL_SIZE", default: 10, range: 1...500)
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
            ("DB_POOL_SIZE", "10", "Connections in the pool"),
            ("DB_ACQUIRE_TIMEOUT_SECONDS", "10", "How long a request waits for a pooled connection"),
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

/// Credentials, base URLs and options of the outside-world clients. Base URLs are overridable
/// so tests (and emulators) can point a client at a local server.
public struct ProviderSettings: Sendable {
    public var tiktokClientKey: String?
    public var tiktokClientSecret: String?
    /// The TikTok API for Business app's secret: the HMAC key of its webhooks (comments).
    public var tiktokBusinessAppSecret: String?
    public var tiktokOpenAPIBaseURL: String
    public var tiktokBusinessBaseURL: String
    public var tiktokAuthURL: String
    public var tiktokBusinessAppId: String?
    public var tiktokBusinessAuthURL: String?
    public var tiktokAdsAuthURL: String
    /// Base64 32 bytes sealing account tokens at rest; the embedded default generates one.
    public var tokenEncryptionKey: String?
    /// Earlier keys, comma-separated: they still open tokens sealed before a rotation.
    public var tokenEncryptionPreviousKeys: [String]
    public var tiktokPrivacyLevel: String
    public var tiktokShopBaseURL: String
    public var tiktokShopAppKey: String?
    public var tiktokShopAppSecret: String?
    /// The GraphQL Admin URL, `{shop}` standing for the connected store's domain.
    public var shopifyGraphQLURL: String
    public var studioURL: String?
    public var googleServiceAccountFile: String?
    public var googleOIDCCertsURL: String
    public var googleMetadataURL: String
    public var pubsubProject: String?
    public var pubsubAuditTopic: String
    public var pubsubEmulatorHost: String?
    public var pubsubPushAudience: String?
    public var pubsubPushServiceAccount: String?
    public var cloudTasksBaseURL: String
    public var cloudTasksProject: String?
    public var cloudTasksLocation: String?
    public var cloudTasksQueue: String?
    public var cloudTasksServiceAccount: String?
    public var publicBaseURL: String?
    public var ffmpegPath: String
    public var ffprobePath: String
    public var mediaDir: String

    init(_ reader: Reader) throws(SettingsError) {
        let web = ["http", "https"]
        tiktokClientKey = reader.string("TIKTOK_CLIENT_KEY")
        tiktokClientSecret = reader.string("TIKTOK_CLIENT_SECRET")
        tiktokBusinessAppSecret = reader.string("TIKTOK_BUSINESS_APP_SECRET")
        tiktokOpenAPIBaseURL = try reader.url("TIKTOK_OPEN_API_BASE_URL", schemes: web) ?? "https://open.tiktokapis.com"
        tiktokBusinessBaseURL =
            try reader.url("TIKTOK_BUSINESS_API_BASE_URL", schemes: web) ?? "https://business-api.tiktok.com/open_api/v1.3"
        tiktokAuthURL = try reader.url("TIKTOK_AUTH_URL", schemes: web) ?? "https://www.tiktok.com/v2/auth/authorize/"
        tiktokBusinessAppId = reader.string("TIKTOK_BUSINESS_APP_ID")
        tiktokBusinessAuthURL = try reader.url("TIKTOK_BUSINESS_AUTH_URL", schemes: web)
        tiktokAdsAuthURL = try reader.url("TIKTOK_ADS_AUTH_URL", schemes: web) ?? "https://business-api.tiktok.com/portal/auth"
        tokenEncryptionKey = reader.string("TOKEN_ENCRYPTION_KEY")
        tokenEncryptionPreviousKeys = (reader.string("TOKEN_ENCRYPTION_PREVIOUS_KEYS") ?? "").split(separator: ",").map {
            String($0).trimmingCharacters(in: .whitespaces)
        }
        for (name, value) in [("TOKEN_ENCRYPTION_KEY", tokenEncryptionKey)]
            + tokenEncryptionPreviousKeys.map({ ("TOKEN_ENCRYPTION_PREVIOUS_KEYS", Optional($0)) })
        {
            if let value, Data(base64Encoded: value)?.count != 32 {
                throw SettingsError(variable: name, problem: "must be 32 bytes, base64-encoded (openssl rand -base64 32)")
            }
        }
        tiktokPrivacyLevel = try reader.choice(
            "TIKTOK_PRIVACY_LEVEL", default: "SELF_ONLY",
            from: ["SELF_ONLY", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "PUBLIC_TO_EVERYONE"])
        tiktokShopBaseURL = try reader.url("TIKTOK_SHOP_BASE_URL", schemes: web) ?? "https://open-api.tiktokglobalshop.com"
        tiktokShopAppKey = reader.string("TIKTOK_SHOP_APP_KEY")
        tiktokShopAppSecret = reader.string("TIKTOK_SHOP_APP_SECRET")
        shopifyGraphQLURL = reader.string("SHOPIFY_GRAPHQL_URL") ?? "https://{shop}/admin/api/2026-10/graphql.json"
        guard shopifyGraphQLURL.contains("{shop}"), shopifyGraphQLURL.hasPrefix("https://") || shopifyGraphQLURL.hasPrefix("http://") else {
            throw SettingsError(
                variable: "SHOPIFY_GRAPHQL_URL", problem: "must be an http(s) URL with {shop} where the store's domain goes")
        }
        studioURL = try reader.url("STUDIO_URL", schemes: web)
        googleServiceAccountFile = reader.string("GOOGLE_APPLICATION_CREDENTIALS")
        googleOIDCCertsURL = try reader.url("GOOGLE_OIDC_CERTS_URL", schemes: web) ?? "https://www.googleapis.com/oauth2/v3/certs"
        googleMetadataURL = try reader.url("GOOGLE_METADATA_URL", schemes: web) ?? "http://metadata.google.internal"
        pubsubProject = reader.string("PUBSUB_PROJECT")
        pubsubAuditTopic = reader.string("PUBSUB_AUDIT_TOPIC") ?? "audit-event"
        pubsubEmulatorHost = reader.string("PUBSUB_EMULATOR_HOST")
        pubsubPushAudience = reader.string("PUBSUB_PUSH_AUDIENCE")
        pubsubPushServiceAccount = reader.string("PUBSUB_PUSH_SERVICE_ACCOUNT")
        cloudTasksBaseURL = try reader.url("CLOUD_TASKS_BASE_URL", schemes: web) ?? "https://cloudtasks.googleapis.com"
        cloudTasksProject = reader.string("CLOUD_TASKS_PROJECT")
        cloudTasksLocation = reader.string("CLOUD_TASKS_LOCATION")
        cloudTasksQueue = reader.string("CLOUD_TASKS_QUEUE")
        cloudTasksServiceAccount = reader.string("CLOUD_TASKS_SERVICE_ACCOUNT")
        publicBaseURL = try reader.url("PUBLIC_BASE_URL", schemes: web)
        ffmpegPath = reader.string("FFMPEG_PATH") ?? "ffmpeg"
        ffprobePath = reader.string("FFPROBE_PATH") ?? "ffprobe"
        mediaDir = reader.string("MEDIA_DIR") ?? ".data/media"
    }

    public static let documentation: [(name: String, default: String, meaning: String)] = [
        ("TIKTOK_CLIENT_KEY", "", "TikTok app client key (required when TIKTOK_PROVIDER_MODE=live)"),
        ("TIKTOK_CLIENT_SECRET", "", "TikTok app client secret: OAuth, and the HMAC key of /webhooks/tiktok"),
        ("TIKTOK_BUSINESS_APP_SECRET", "", "TikTok API for Business app secret: OAuth, and the HMAC key of /webhooks/tiktok-business"),
        ("TIKTOK_OPEN_API_BASE_URL", "https://open.tiktokapis.com", "Login Kit OAuth, Display and Content Posting APIs"),
        ("TIKTOK_AUTH_URL", "https://www.tiktok.com/v2/auth/authorize/", "Login Kit consent page"),
        ("TIKTOK_BUSINESS_APP_ID", "", "TikTok API for Business app id (client_id): Business account and advertiser flows"),
        ("TIKTOK_BUSINESS_AUTH_URL", "", "The account-holder authorization URL the Business portal issues for the app"),
        (
            "TIKTOK_ADS_AUTH_URL", "https://business-api.tiktok.com/portal/auth",
            "Advertiser authorization page (UNVERIFIED shape: configurable)"
        ),
        ("TOKEN_ENCRYPTION_KEY", "generated into the data dir", "Base64 32 bytes: AES-256-GCM key of account tokens at rest"),
        ("TOKEN_ENCRYPTION_PREVIOUS_KEYS", "", "Comma-separated earlier keys, still opening tokens until `accounts rotate-key`"),
        ("TIKTOK_BUSINESS_API_BASE_URL", "https://business-api.tiktok.com/open_api/v1.3", "Business and Marketing API"),
        ("TIKTOK_PRIVACY_LEVEL", "SELF_ONLY", "Privacy of published posts (unaudited apps may only post SELF_ONLY)"),
        ("TIKTOK_SHOP_BASE_URL", "https://open-api.tiktokglobalshop.com", "TikTok Shop API"),
        ("TIKTOK_SHOP_APP_KEY", "", "TikTok Shop app key"),
        ("TIKTOK_SHOP_APP_SECRET", "", "TikTok Shop app secret (request signing)"),
        (
            "SHOPIFY_GRAPHQL_URL", "https://{shop}/admin/api/2026-10/graphql.json",
            "GraphQL Admin URL; {shop} is the connected store's domain"
        ),
        ("STUDIO_URL", "", "Studio service URL (also the ID-token audience)"),
        ("GOOGLE_APPLICATION_CREDENTIALS", "", "service-account key file; unset uses the metadata server"),
        ("GOOGLE_OIDC_CERTS_URL", "https://www.googleapis.com/oauth2/v3/certs", "where Google's token signing keys are fetched"),
        ("GOOGLE_METADATA_URL", "http://metadata.google.internal", "metadata server"),
        ("PUBSUB_PROJECT", "", "project for Pub/Sub publishing (audit events stay in the outbox until a relay sends them; none does yet)"),
        ("PUBSUB_AUDIT_TOPIC", "audit-event", "topic for audit events"),
        ("PUBSUB_EMULATOR_HOST", "", "host:port of a Pub/Sub emulator (plain http, no auth)"),
        ("PUBSUB_PUSH_AUDIENCE", "", "expected aud of Pub/Sub push tokens"),
        ("PUBSUB_PUSH_SERVICE_ACCOUNT", "", "expected email of Pub/Sub push tokens"),
        ("CLOUD_TASKS_BASE_URL", "https://cloudtasks.googleapis.com", "Cloud Tasks API"),
        ("CLOUD_TASKS_PROJECT", "", "Cloud Tasks project"),
        ("CLOUD_TASKS_LOCATION", "", "Cloud Tasks location"),
        ("CLOUD_TASKS_QUEUE", "", "queue for step tasks (required when EXECUTION_MODE=cloud_tasks)"),
        ("CLOUD_TASKS_SERVICE_ACCOUNT", "", "service account whose OIDC token Cloud Tasks attaches"),
        ("PUBLIC_BASE_URL", "", "this service's public URL (task targets and token audience)"),
        ("FFMPEG_PATH", "ffmpeg", "ffmpeg executable"),
        ("FFPROBE_PATH", "ffprobe", "ffprobe executable"),
        ("MEDIA_DIR", ".data/media", "where produced videos are stored"),
    ]
}
