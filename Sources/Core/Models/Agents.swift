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

    public init(
        id: AgentRunID, workspaceId: WorkspaceID, agentName: String, workflowRunId: WorkflowRunID? = nil,
        workflowStepId: WorkflowStepID? = nil, status: Status, input: JSONValue, output: JSONValue? = nil, error: String? = nil,
        costUsd: Double, latencyMs: Int, startedAt: Date, completedAt: Date? = nil
    ) {
        self.id = id
        self.workspaceId = workspaceId
        self.agentName = agentName
        self.workflowRunId = workflowRunId
        self.workflowStepId = workflowStepId
        self.status = status
        self.input = input
        self.output = output
        self.error = error
        self.costUsd = costUsd
        self.latencyMs = latencyMs
        self.startedAt = startedAt
        self.completedAt = completedAt
    }
}

/// One traced action inside an agent run: a Claude call in full, or a provider/skill/db call.
public struct AgentStep: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case llmCall = "llm_call"
        case providerCall = "provider_call"
        case skillCall = "skill_call"
        case dbWrite = "db_write"
        /// Stored state an agent's decision rests on (a baseline, the live campaign): recorded so a
        /// replay reads what the original read.
        case dbRead = "db_read"
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
    /// A Claude call's prompt template version: a hash of its system prompt without the brand's data.
    public var promptVersion: String?

    public init(
        id: AgentStepID, workspaceId: WorkspaceID, agentRunId: AgentRunID, stepIndex: Int, kind: Kind, name: String, model: String? = nil,
        systemPrompt: String? = nil, userPrompt: String? = nil, responseText: String? = nil, promptHash: String? = nil, inputTokens: Int,
        outputTokens: Int, cacheCreationInputTokens: Int, cacheReadInputTokens: Int, costUsd: Double, latencyMs: Int, cacheHit: Bool,
        request: JSONValue? = nil, response: JSONValue? = nil, error: String? = nil, createdAt: Date, promptVersion: String? = nil
    ) {
        self.id = id
        self.workspaceId = workspaceId
        self.agentRunId = agentRunId
        self.stepIndex = stepIndex
        self.kind = kind
        self.name = name
        self.model = model
        self.systemPrompt = systemPrompt
        self.userPrompt = userPrompt
        self.responseText = responseText
        self.promptHash = promptHash
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cacheCreationInputTokens = cacheCreationInputTokens
        self.cacheReadInputTokens = cacheReadInputTokens
        self.costUsd = costUsd
        self.latencyMs = latencyMs
        self.cacheHit = cacheHit
        self.request = request
        self.response = response
        self.error = error
        self.createdAt = createdAt
        self.promptVersion = promptVersion
    }
}
