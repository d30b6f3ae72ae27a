import Agents
import Core

/// Why an in-flight step was cancelled.
enum StepCancellation: Sendable {
    /// Its run was cancelled or ended: nothing more is recorded for the step.
    case run
    /// This process is shutting down: the step is handed back to be run again.
    case shutdown
    /// Its lease passed to another worker (or it left `running`): nothing is recorded for it.
    case leaseLost
}

/// Bookkeeping of in-flight steps, so cancellation reaches them.
actor EngineState {
    private var tasks: [WorkflowEngine.Claim: Task<AgentRunFinish, any Error>] = [:]
    private var executions: [WorkflowEngine.Claim: Task<Void, Never>] = [:]
    private var claims: Set<WorkflowEngine.Claim> = []
    private var cancelled: [WorkflowEngine.Claim: StepCancellation] = [:]
    private var shuttingDown = false
    /// The claim loop found no room for another step: the next step to end must wake it.
    private var full = false
    /// A lease keeper renews the leases of the steps running here.
    private var keeping = false

    var inFlight: Int { claims.count }
    /// How many more steps the claim loop may start, at most `limit` at once; at none, the next
    /// step to end says so (`end`).
    func capacity(of limit: Int) -> Int {
        let capacity = limit - claims.count
        full = capacity <= 0
        return capacity
    }
    /// The steps this process holds, which it must not claim again.
    var heldSteps: [String] { claims.map(\.step.description) }

    func begin(_ claim: WorkflowEngine.Claim) { claims.insert(claim) }
    func track(_ execution: Task<Void, Never>, for claim: WorkflowEngine.Claim) {
        if claims.contains(claim) { executions[claim] = execution }
    }
    /// Tracks a step's running work; `true` when no lease keeper runs, so the caller starts one.
    func attach(_ task: Task<AgentRunFinish, any Error>, to claim: WorkflowEngine.Claim) -> Bool {
        tasks[claim] = task
        if shuttingDown {
            cancelled[claim] = .shutdown
            task.cancel()
        }
        defer { keeping = true }
        return !keeping
    }
    /// Forgets a step's work once it returned: its lease is no longer renewed.
    func detach(_ claim: WorkflowEngine.Claim) { tasks[claim] = nil }
    /// The steps with work running here, by workspace, whose leases the keeper renews; `nil`
    /// when there are none, and the keeper stops (the next `attach` starts another).
    func leased() -> [WorkspaceID: [WorkflowEngine.Claim]]? {
        guard !tasks.isEmpty else {
            keeping = false
            return nil
        }
        return Dictionary(grouping: tasks.keys, by: \.workspace)
    }
    /// Cancels the work of steps whose leases passed to another worker or whose step left
    /// `running`: nothing of theirs can be recorded any more.
    func leasesLost(_ lost: [WorkflowEngine.Claim]) {
        for claim in lost {
            guard let task = tasks[claim] else { continue }
            if cancelled[claim] == nil { cancelled[claim] = .leaseLost }
            task.cancel()
        }
    }
    /// Forgets an ended step; `true` when the claim loop waits for room, which this made.
    func end(_ claim: WorkflowEngine.Claim) -> Bool {
        claims.remove(claim)
        tasks[claim] = nil
        executions[claim] = nil
        cancelled[claim] = nil
        defer { full = false }
        return full
    }
    func cancellation(of claim: WorkflowEngine.Claim) -> StepCancellation? { cancelled[claim] }

    func cancel(_ run: WorkflowRunID) {
        for claim in claims where claim.run == run {
            cancelled[claim] = .run
            tasks[claim]?.cancel()
        }
    }

    /// Cancels every in-flight step for shutdown and returns their executions to await.
    func shutDown() -> [Task<Void, Never>] {
        shuttingDown = true
        for (claim, task) in tasks where cancelled[claim] == nil {
            cancelled[claim] = .shutdown
            task.cancel()
        }
        return Array(executions.values)
    }
}
