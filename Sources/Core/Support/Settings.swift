import Foundation

/// A setting that is missing or malformed. `description` is one line naming the variable.
public struct SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var variable: String
    public var problem: String
    public var description: String { "invalid setting \(variable): \(problem)" }
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
    public var host: String
    public var port: Int
    public var dataDir: String
    public var dbPoolSize: Int
    public var dbAcquireTimeoutSeconds: Double
    public var logLevel: String
    public var claudeMode: ClaudeMode
    public var anthropicAPIKey: String?
    public var anthropicBaseURL: String
    public var claudeModel: String
    public var claudeMockLatencyMS: Int
    public var providerMode: ProviderMode
    public var executionMode: ExecutionMode

    /// Reads and validates settings; throws the first problem found.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws(SettingsError) {
        let reader = Reader(environment: environment)
        databaseURL = try reader.url("DATABASE_URL", schemes: ["postgres", "postgresql"])
        databaseOwnerURL = try reader.url("DATABASE_OWNER_URL", schemes: ["postgres", "postgresql"])
        host = reader.string("HOST") ?? "127.0.0.1"
        port = try reader.int("PORT", default: 8080, range: 1...65535)
        dataDir = reader.string("DATA_DIR") ?? ".data"
        dbPoolSize = try reader.int("DB_POOL_SIZE", default: 10, range: 1...500)
        dbAcquireTimeoutSeconds = try reader.double("DB_ACQUIRE_TIMEOUT_SECONDS", default: 10, range: 0.01...600)
        logLevel = try reader.choice("LOG_LEVEL", default: "info", from: ["trace", "debug", "info", "notice", "warning", "error", "critical"])
        claudeMode = try reader.enumeration("CLAUDE_MODE", default: .mock)
        anthropicAPIKey = reader.string("ANTHROPIC_API_KEY")
        anthropicBaseURL = try reader.url("ANTHROPIC_BASE_URL", schemes: ["http", "https"]) ?? "https://api.anthropic.com"
        claudeModel = reader.string("CLAUDE_MODEL") ?? "claude-sonnet-4-5"
        claudeMockLatencyMS = try reader.int("CLAUDE_MOCK_LATENCY_MS", default: 0, range: 0...600_000)
        providerMode = try reader.enumeration("TIKTOK_PROVIDER_MODE", default: .mock)
        executionMode = try reader.enumeration("EXECUTION_MODE", default: .inline)
        if claudeMode == .live, anthropicAPIKey == nil {
            throw SettingsError(variable: "ANTHROPIC_API_KEY", problem: "required when CLAUDE_MODE=live")
        }
    }

    /// One row per variable: name, default, meaning. The README's settings table lists the same.
    public static let documentation: [(name: String, default: String, meaning: String)] = [
        ("DATABASE_URL", "(embedded cluster)", "Postgres URL for the application role; unset starts the embedded cluster"),
        ("DATABASE_OWNER_URL", "DATABASE_URL", "Postgres URL for the owner role that runs migrations"),
        ("HOST", "127.0.0.1", "Address the HTTP server binds"),
        ("PORT", "8080", "HTTP port"),
        ("DATA_DIR", ".data", "Where the embedded cluster lives"),
        ("DB_POOL_SIZE", "10", "Connections in the pool"),
        ("DB_ACQUIRE_TIMEOUT_SECONDS", "10", "How long a request waits for a pooled connection"),
        ("LOG_LEVEL", "info", "trace, debug, info, notice, warning, error or critical"),
        ("CLAUDE_MODE", "mock", "mock, live or replay"),
        ("ANTHROPIC_API_KEY", "", "Required when CLAUDE_MODE=live"),
        ("ANTHROPIC_BASE_URL", "https://api.anthropic.com", "Anthropic API base URL"),
        ("CLAUDE_MODEL", "claude-sonnet-4-5", "Model id for agent calls"),
        ("CLAUDE_MOCK_LATENCY_MS", "0", "Simulated latency of a mock Claude call"),
        ("TIKTOK_PROVIDER_MODE", "mock", "mock or live"),
        ("EXECUTION_MODE", "inline", "inline or cloud_tasks"),
    ]
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

    func enumeration<E: RawRepresentable & CaseIterable>(_ name: String, default fallback: E) throws(SettingsError) -> E where E.RawValue == String {
        let text = try choice(name, default: fallback.rawValue, from: E.allCases.map(\.rawValue))
        return E(rawValue: text)!
    }

    func url(_ name: String, schemes: [String]) throws(SettingsError) -> String? {
        guard let text = string(name) else { return nil }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            schemes.contains(scheme), components.host?.isEmpty == false
        else {
            throw SettingsError(variable: name, problem: "not a \(schemes.joined(separator: "/")) URL with a host")
        }
        return text
    }
}
