/// What the running code is doing on behalf of whom; read by the trace pipeline so a Claude call
/// is attributed to its agent run without every call site passing the ids along.
public struct TraceContext: Sendable {
    public var agentRunID: AgentRunID
    public var workspaceID: WorkspaceID
    public var agentName: String
    /// Hands out the `step_index` of each trace row within the agent run.
    public let stepCounter: Counter

    public init(agentRunID: AgentRunID, workspaceID: WorkspaceID, agentName: String) {
        self.agentRunID = agentRunID
        self.workspaceID = workspaceID
        self.agentName = agentName
        self.stepCounter = Counter()
    }

    /// The context of the current task, if an agent is running.
    @TaskLocal public static var current: TraceContext?
}
