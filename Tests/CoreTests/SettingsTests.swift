import Core
import Foundation
import Testing

@Suite struct SettingsTests {
    @Test func defaultsNeedNoEnvironment() throws {
        let settings = try Settings(environment: [:])
        #expect(settings.port == 8080)
        #expect(settings.claudeMode == .mock)
        #expect(settings.providerMode == .mock)
        #expect(settings.executionMode == .inline)
        #expect(settings.databaseURL == nil)
    }

    @Test func valuesAreRead() throws {
        let settings = try Settings(environment: [
            "PORT": "9000", "CLAUDE_MODE": "replay", "EXECUTION_MODE": "cloud_tasks", "DATABASE_URL": "postgres://u:p@db:5432/x",
            "CLOUD_TASKS_QUEUE": "steps", "PUBLIC_BASE_URL": "https://army.example",
            "CLOUD_TASKS_SERVICE_ACCOUNT": "tasks@p.iam.gserviceaccount.com",
        ])
        #expect(settings.port == 9000)
        #expect(settings.claudeMode == .replay)
        #expect(settings.executionMode == .cloudTasks)
        #expect(settings.databaseURL == "postgres://u:p@db:5432/x")
    }

    @Test(arguments: [
        ("PORT", "eighty"), ("PORT", "70000"), ("PORT", "0"),
        ("DB_POOL_SIZE", "-1"), ("DB_ACQUIRE_TIMEOUT_SECONDS", "soon"),
        ("LOG_LEVEL", "loud"), ("CLAUDE_MODE", "sometimes"), ("TIKTOK_PROVIDER_MODE", "real"),
        ("EXECUTION_MODE", "lambda"), ("DATABASE_URL", "mysql://db/x"), ("DATABASE_URL", "not a url"),
        ("DATABASE_URL", "postgres://u:p@/x"),
        ("ANTHROPIC_BASE_URL", "https:///v1?host=api.anthropic.com"),
        ("DATABASE_OWNER_URL", "http://db/x"), ("ANTHROPIC_BASE_URL", "ftp://x"), ("CLAUDE_MOCK_LATENCY_MS", "-5"),
    ])
    func eachInvalidValueFailsNamingItsVariable(variable: String, value: String) {
        let error = #expect(throws: SettingsError.self) { try Settings(environment: [variable: value]) }
        #expect(error?.variable == variable)
        #expect(error?.description.hasPrefix("invalid setting \(variable):") == true)
        #expect(error?.description.contains("\n") == false, "one line")
    }

    @Test func aPostgresURLMayNameASocketFolderInsteadOfAHost() throws {
        let url = "postgresql://tiktok_app:secret@/tiktok_army?host=/cloudsql/project:region:instance"
        #expect(try Settings(environment: ["DATABASE_URL": url]).databaseURL == url)
    }

    @Test func cloudTasksModeNeedsAQueue() {
        let error = #expect(throws: SettingsError.self) { try Settings(environment: ["EXECUTION_MODE": "cloud_tasks"]) }
        #expect(error?.variable == "CLOUD_TASKS_QUEUE")
    }

    @Test func aMediaBucketIsABucketName() throws {
        let error = #expect(throws: SettingsError.self) { try Settings(environment: ["MEDIA_BUCKET": "gs://Army Media"]) }
        #expect(error?.variable == "MEDIA_BUCKET" && error?.problem.contains("not a Cloud Storage bucket name") == true)
        let settings = try Settings(environment: ["MEDIA_BUCKET": "army-media", "GCS_BASE_URL": "http://127.0.0.1:9000"])
        #expect(settings.providers.mediaBucket == "army-media" && settings.providers.gcsBaseURL == "http://127.0.0.1:9000")
        #expect(try Settings(environment: [:]).providers.mediaBucket == nil)
    }

    @Test func liveClaudeNeedsAnAPIKey() {
        let error = #expect(throws: SettingsError.self) { try Settings(environment: ["CLAUDE_MODE": "live"]) }
        #expect(error?.variable == "ANTHROPIC_API_KEY")
    }

    @Test func statementModeListenURLAndStallTimeAreSettings() throws {
        let defaults = try Settings(environment: [:])
        #expect(defaults.databaseStatements == .prepared && defaults.databaseListenURL == nil && defaults.engineStallSeconds == 30)
        let pooled = try Settings(environment: [
            "DATABASE_STATEMENTS": "unnamed", "DATABASE_LISTEN_URL": "postgresql://app@db:5432/tiktok_army", "ENGINE_STALL_SECONDS": "12",
        ])
        #expect(
            pooled.databaseStatements == .unnamed && pooled.databaseListenURL == "postgresql://app@db:5432/tiktok_army"
                && pooled.engineStallSeconds == 12)
        let mode = #expect(throws: SettingsError.self) { try Settings(environment: ["DATABASE_STATEMENTS": "named"]) }
        #expect(mode?.variable == "DATABASE_STATEMENTS")
        let listen = #expect(throws: SettingsError.self) { try Settings(environment: ["DATABASE_LISTEN_URL": "http://db"]) }
        #expect(listen?.variable == "DATABASE_LISTEN_URL")
    }

    @Test func aURLWithAPasswordIsNotEchoedInTheError() {
        let error = #expect(throws: SettingsError.self) { try Settings(environment: ["DATABASE_URL": "mysql://user:hunter2@db/x"]) }
        #expect(error?.description.contains("hunter2") == false)
    }
}

@Suite struct SettingsDocumentationTests {
    @Test func everySettingIsDocumented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let docs =
            try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
            + String(contentsOf: root.appendingPathComponent("docs/PROVIDERS.md"), encoding: .utf8)
        for entry in Settings.documentation {
            #expect(docs.contains("`\(entry.name)`"), "\(entry.name) is not in README.md or docs/PROVIDERS.md")
        }
    }

    @Test func aFreshInstallsModelsAreCurrentAndPriced() throws {
        let settings = try Settings(environment: [:], now: Timestamp.parse("2026-12-02T00:00:00Z")!)
        #expect(
            settings.claudeModel == "claude-sonnet-5-5" && settings.claudeModelFast == "claude-haiku-5-5"
                && settings.claudeModelStrong == "claude-opus-5-5")
        for (_, model) in settings.modelSettings {
            #expect(settings.models.model(model) != nil && settings.models.model(model)?.retires == nil)
        }
        #expect(settings.warnings.isEmpty)
        #expect(settings.anthropicVersion == "2026-10-21")
        #expect(settings.claudeRetryAfterMaxSeconds == 120)
    }

    @Test(arguments: ["CLAUDE_MODEL", "CLAUDE_MODEL_FAST", "CLAUDE_MODEL_STRONG"])
    func startUpRefusesAnUnpricedOrRetiredModelNamingTheSetting(_ variable: String) throws {
        let now = Timestamp.parse("2026-12-02T00:00:00Z")!
        let unpriced = #expect(throws: SettingsError.self) { try Settings(environment: [variable: "claude-sonnet-6"], now: now) }
        #expect(unpriced?.variable == variable && unpriced?.problem.contains("has no price") == true)
        #expect(unpriced?.description.contains("\n") == false)
        let retired = #expect(throws: SettingsError.self) { try Settings(environment: [variable: "claude-sonnet-4-5"], now: now) }
        #expect(retired?.variable == variable && retired?.problem.contains("retired on 2026-11-30") == true)
        // Priced through CLAUDE_PRICES, the same model id is accepted.
        let priced = try Settings(environment: [variable: "claude-sonnet-6", "CLAUDE_PRICES": #"{"claude-sonnet-6": [3, 15]}"#], now: now)
        #expect(
            priced.model(for: variable == "CLAUDE_MODEL" ? .standard : variable == "CLAUDE_MODEL_FAST" ? .fast : .strong)
                == "claude-sonnet-6")
    }

    @Test func aModelRetiringWithinThirtyDaysIsAWarningNotAnError() throws {
        let settings = try Settings(environment: ["CLAUDE_MODEL_STRONG": "claude-opus-4-5"], now: Timestamp.parse("2027-01-02T12:00:00Z")!)
        #expect(settings.warnings == ["CLAUDE_MODEL_STRONG=claude-opus-4-5 retires in 20 days; move to a current model (docs/MODELS.md)"])
        let earlier = try Settings(environment: ["CLAUDE_MODEL_STRONG": "claude-opus-4-5"], now: Timestamp.parse("2026-12-02T00:00:00Z")!)
        #expect(earlier.warnings.isEmpty, "51 days away")
        #expect(throws: SettingsError.self) {
            try Settings(environment: ["CLAUDE_MODEL_STRONG": "claude-opus-4-5"], now: Timestamp.parse("2027-01-22T00:00:00Z")!)
        }
    }

    @Test func badClaudeSettingsNameTheVariable() {
        for (variable, value) in [
            ("CLAUDE_PRICES", "{\"x\": [1]}"), ("ANTHROPIC_VERSION", "latest"), ("CLAUDE_RETRY_AFTER_MAX_SECONDS", "-1"),
        ] {
            let error = #expect(throws: SettingsError.self) { try Settings(environment: [variable: value]) }
            #expect(error?.variable == variable)
        }
    }
}
