import Core
import Providers

/// Why an agent run failed. The agent run row holds the same text in `error`.
public struct AgentError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// An input is missing or has the wrong type.
        case invalidInput = "invalid_input"
        /// The model's answer could not be parsed or validated, even after one repair attempt.
        case malformedOutput = "malformed_output"
        /// A Claude call failed.
        case claude
        /// A TikTok/Shopify/Studio call failed.
        case provider
        /// A daily spend cap would be exceeded.
        case spendCap = "spend_cap"
        /// No agent of that name.
        case unknownAgent = "unknown_agent"
        /// Anything else (a bug, a database outage).
        case failed
    }
    public var kind: Kind
    public var agent: String
    public var message: String
    /// Whether the step may be retried with a chance of success.
    public var isTransient: Bool
    /// The agent run row that recorded the failure, when one was written.
    public var agentRunId: AgentRunID?
    /// Seconds the failing service asked to wait before trying again (the step's retry waits at least that).
    public var retryAfter: Double?
    /// For `claude`: the API error type or answer problem.
    public var claudeKind: ClaudeError.Kind?

    public init(
        kind: Kind, agent: String, message: String, isTransient: Bool = false, agentRunId: AgentRunID? = nil, retryAfter: Double? = nil,
        claudeKind: ClaudeError.Kind? = nil
    ) {
        self.kind = kind
        self.agent = agent
        self.message = message
        self.isTransient = isTransient
        self.agentRunId = agentRunId
        self.retryAfter = retryAfter
        self.claudeKind = claudeKind
    }

    public var description: String { "\(agent): \(message)" }
}
