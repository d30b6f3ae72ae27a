import Foundation

/// What the running code is doing on behalf of whom; read by the trace pipeline so a Claude call
/// is attributed to its agent run without every call site passing the ids along.
public struct TraceContext: Sendable {
    public var agentRunID: AgentRunID
    public var workspaceID: WorkspaceID
    public var agentName: String
    /// Hands out the `step_index` of each trace row within the agent run.
    public let stepCounter: Counter
    /// Trace rows (Claude, provider, skill and database calls) and Claude settlements waiting to
    /// travel with the agent run's outcome, written in the transaction that records it.
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

/// A Claude call's final cost, settling the reservation charged before the call.
public struct PendingSettlement: Sendable, Equatable {
    public var reference: String
    public var amount: Double
    public init(reference: String, amount: Double) {
        self.reference = reference
        self.amount = amount
    }
}

/// Trace rows and settlements held until the agent run's outcome is written. They stay held
/// after `flush`: a transaction can fail after its statements were sent (at a later statement,
/// or at `COMMIT` when the database goes away) and is then run again whole, so every attempt
/// writes them all. The writes are idempotent: a trace row by its id, a settlement by its
/// reference.
public final class PendingTrace: @unchecked Sendable {
    private let lock = NSLock()
    private var rows: [AgentStep] = []
    private var settlements: [PendingSettlement] = []

    public init() {}

    public func append(_ row: AgentStep) { lock.withLock { rows.append(row) } }

    public func append(_ settlement: PendingSettlement) { lock.withLock { settlements.append(settlement) } }

    /// Passes every held row and settlement to `write` (inside the caller's transaction).
    public func flush(_ write: ([AgentStep], [PendingSettlement]) throws -> Void) throws {
        let (held, heldSettlements) = lock.withLock { (rows, settlements) }
        guard !held.isEmpty || !heldSettlements.isEmpty else { return }
        try write(held, heldSettlements)
    }
}
