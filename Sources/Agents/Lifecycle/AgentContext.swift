import Core
import Foundation
import Persistence
import Providers

/// What an executing agent can use: its environment, its workspace, the Claude gateway and the
/// trace pipeline.
public struct AgentContext: Sendable {
    public let environment: AgentEnvironment
    public let workspace: WorkspaceID
    public let agentRunId: AgentRunID
    public let workflowRunId: WorkflowRunID?
    public let agentName: String
    /// The model this agent run calls: the workspace's choice for the agent, else its tier's.
    public let model: String
    public let gateway: ClaudeGateway

    /// The providers as this workspace sees them: live TikTok calls use its connected accounts.
    public var providers: ProviderSuite { environment.providers.bound(to: environment.accounts.directory(workspace)) }
    public var database: Database { environment.database }

    /// The handles of this workspace's connected accounts of `kind`.
    public func connectedHandles(_ kind: AccountKind) async throws -> [String] {
        try await environment.accounts.directory(workspace).handles(kind)
    }

    /// Runs `body` in this workspace's row-level-security scope.
    public func withDatabase<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await environment.database.withWorkspace(workspace, body)
    }

    /// Calls Claude with this run's model; traced as an `llm_call` row.
    public func claude(system: [SystemBlock], user: String, maxTokens: Int = 2048) async throws -> ClaudeCall {
        try await gateway.callClaudeCached(system: system, user: user, maxTokens: maxTokens, model: model)
    }

    /// Runs a provider, skill or database action and writes its trace row (also when it fails).
    public func traceStep<T: Codable & Sendable>(
        _ kind: AgentStep.Kind, _ name: String, request: JSONValue = [:], _ body: () async throws -> T
    ) async throws -> T {
        try await gateway.traceStep(kind, name, request: request, body)
    }

    /// Reads stored state a decision rests on (a baseline, the live campaign) in this workspace's
    /// scope, traced as a `db_read` row so a replay reads what the original read.
    public func read<T: Codable & Sendable>(_ name: String, _ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await traceStep(.dbRead, name) { try await withDatabase(body) }
    }

    /// How a repair request starts its explanation (an evaluation counts repairs by it).
    public static let repairMarker = "Your previous answer could not be used"

    /// Asks Claude for JSON shaped like `example`, decodes it into `T`, and — when the answer does
    /// not parse or validate — asks once more with the problem spelled out. The prompt follows
    /// `PromptLayout`: the house guide and `brand` first (cached), then `role` and the example, then `task`.
    public func claudeJSON<T: Decodable & Sendable>(
        _ type: T.Type, role: String, brand: BrandContext?, task: String, example: JSONValue, maxTokens: Int = 2048
    ) async throws -> T {
        let instructions = """
            \(role)
            Respond with JSON matching this example (same keys and value types; no prose, no code fences):
            ```json
            \(example.jsonString)
            ```
            """
        let system = PromptLayout.system(brand: brand, instructions: instructions)
        let first = try await claude(system: system, user: task, maxTokens: maxTokens)
        do {
            return try OutputParser.decode(T.self, from: first.text)
        } catch {
            let repair = """
                \(task)

                \(Self.repairMarker): \(error.message).
                Previous answer:
                \(first.text.prefix(4000))

                Reply again with only the corrected JSON.
                """
            let second = try await claude(system: system, user: repair, maxTokens: maxTokens)
            do {
                return try OutputParser.decode(T.self, from: second.text)
            } catch {
                throw AgentError(
                    kind: .malformedOutput, agent: agentName,
                    message: "model output was not valid after one repair attempt: \(error.message)")
            }
        }
    }
}

/// Pulls a JSON object out of model text (tolerating code fences and surrounding prose) and
/// decodes it, naming what is wrong when it cannot.
public enum OutputParser {
    public struct Problem: Error, Sendable { public var message: String }

    public static func extractObject(_ text: String) throws(Problem) -> JSONValue {
        guard let open = text.firstIndex(of: "{"), let close = text.lastIndex(of: "}"), open < close else {
            throw Problem(message: "no JSON object in the answer")
        }
        guard let value = try? JSONValue.parse(String(text[open...close])), value.objectValue != nil else {
            throw Problem(message: "the JSON object does not parse")
        }
        return value
    }

    public static func decode<T: Decodable>(_ type: T.Type, from text: String) throws(Problem) -> T {
        let value = try extractObject(text)
        do { return try value.decode(T.self) } catch let error as DecodingError {
            throw Problem(message: describe(error))
        } catch {
            throw Problem(message: "\(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing key \((path(context).isEmpty ? "" : path(context) + ".") + key.stringValue)"
        case .typeMismatch(let type, let context): return "\(path(context)) is not \(type)"
        case .valueNotFound(_, let context): return "\(path(context)) is null"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
