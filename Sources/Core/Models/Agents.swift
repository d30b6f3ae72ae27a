import Foundation

/// One invocation of an agent.
public struct AgentRun: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable { case running, succeeded, failed }
    public var id: AgentRunID
    public var workspaceId: WorkspaceID
    public var agentName: String
    public var workflowRunId: WorkflowRunID?
    public var workflowStepId: WorkflowStepID?
    public var status: Status
    public var input: JSONValue
    public var output: JSONValue?
    public var error: String?
    public var costUsd: Double
    public var latencyMs: Int
    public var startedAt: Date
    public var completedAt: Date?
}

/// One traced action inside an agent run: a Claude call in full, or a provider/skill/db call.
public struct AgentStep: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case llmCall = "llm_call"
        case providerCall = "provider_call"
        case skillCall = "skill_call"
        case dbWrite = "db_write"
    }
    public var id: AgentStepID
    public var workspaceId: WorkspaceID
    public var agentRunId: AgentRunID
    public var stepIndex: Int
    public var kind: Kind
    public var name: String
    public var model: String?
    public var systemPrompt: String?
    public var userPrompt: String?
    public var responseText: String?
    public var promptHash: String?
    public var inputTokens: Int
    public var outputTokens: Int
    public var cacheCreationInputTokens: Int
    public var cacheReadInputTokens: Int
    public var costUsd: Double
    public var latencyMs: Int
    public var cacheHit: Bool
    public var request: JSONValue?
    public var response: JSONValue?
    public var error: String?
    public var createdAt: Date
}
