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

/// Trace rows and settlements held until the agent run's outcome is written. `flush` hands them
/// to a writer and takes them back if it throws, so a failed transaction loses none.
public final class PendingTrace: @unchecked Sendable {
    private let lock = NSLock()
    private var rows: [AgentStep] = []
    private var settlements: [PendingSettlement] = []

    public init() {}

    public func append(_ row: AgentStep) { lock.withLock { rows.append(row) } }

    public func append(_ settlement: PendingSettlement) { lock.withLock { settlements.append(settlement) } }

    /// Passes the held rows and settlements to `write` (inside the caller's transaction);
    /// restores them when it throws.
    public func flush(_ write: ([AgentStep], [PendingSettlement]) throws -> Void) throws {
        let (takenRows, takenSettlements) = lock.withLock { () -> ([AgentStep], [PendingSettlement]) in
            defer {
                rows.removeAll()
                settlements.removeAll()
            }
            return (rows, settlements)
        }
        guard !takenRows.isEmpty || !takenSettlements.isEmpty else { return }
        do { try write(takenRows, takenSettlements) } catch {
            lock.withLock {
                rows.insert(contentsOf: takenRows, at: 0)
                settlements.insert(contentsOf: takenSettlements, at: 0)
            }
            throw error
        }
    }
}
