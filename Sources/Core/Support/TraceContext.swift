import Foundation

/// What the running code is doing on behalf of whom; read by the trace pipeline so a Claude call
/// is attributed to its agent run without every call site passing the ids along.
public struct TraceContext: Sendable {
    public var agentRunID: AgentRunID
    public var workspaceID: WorkspaceID
    public var agentName: String
    /// Hands out the `step_index` of each trace row within the agent run.
    public let stepCounter: Counter
    /// Provider, skill and database trace rows waiting to travel with the agent run's next
    /// database write (a Claude call's charge or trace row, or the run's outcome).
    public let pending: PendingTrace
    /// Set in a replay: the original agent run's trace, which answers every Claude, provider,
    /// skill and read call instead of the services.
    public let recording: Recording?

    public init(agentRunID: AgentRunID, workspaceID: WorkspaceID, agentName: String, recording: Recording? = nil) {
        self.agentRunID = agentRunID
        self.workspaceID = workspaceID
        self.agentName = agentName
        self.stepCounter = Counter()
        self.pending = PendingTrace()
        self.recording = recording
    }

    /// The context of the current task, if an agent is running.
    @TaskLocal public static var current: TraceContext?
}

/// Trace rows held until the agent run's next transaction writes them. `flush` hands them to a
/// writer and takes them back if it throws, so a failed transaction loses none.
public final class PendingTrace: @unchecked Sendable {
    private let lock = NSLock()
    private var rows: [AgentStep] = []

    public init() {}

    public func append(_ row: AgentStep) { lock.withLock { rows.append(row) } }

    /// Passes the held rows to `write` (inside the caller's transaction); restores them when it throws.
    public func flush(_ write: ([AgentStep]) throws -> Void) throws {
        let taken = lock.withLock { () -> [AgentStep] in
            defer { rows.removeAll() }
            return rows
        }
        guard !taken.isEmpty else { return }
        do { try write(taken) } catch {
            lock.withLock { rows.insert(contentsOf: taken, at: 0) }
            throw error
        }
    }
}
