import Agents
import Core

/// Why an in-flight step was cancelled.
enum StepCancellation: Sendable {
    /// Its run was cancelled or ended: nothing more is recorded for the step.
    case run
    /// This process is shutting down: the step is handed back to be run again.
    case shutdown
}

/// Bookkeeping of in-flight steps, so cancellation reaches them.
actor EngineState {
    private var tasks: [WorkflowEngine.Claim: Task<AgentRunFinish, any Error>] = [:]
    private var executions: [WorkflowEngine.Claim: Task<Void, Never>] = [:]
    private var claims: Set<WorkflowEngine.Claim> = []
    private var cancelled: [WorkflowEngine.Claim: StepCancellation] = [:]
    private var shuttingDown = false

    var inFlight: Int { claims.count }
    /// The steps this process holds, which it must not claim again.
    var heldSteps: [String] { claims.map(\.step.description) }

    func begin(_ claim: WorkflowEngine.Claim) { claims.insert(claim) }
    func track(_ execution: Task<Void, Never>, for claim: WorkflowEngine.Claim) {
        if claims.contains(claim) { executions[claim] = execution }
    }
    func attach(_ task: Task<AgentRunFinish, any Error>, to claim: WorkflowEngine.Claim) {
        tasks[claim] = task
        if shuttingDown {
            cancelled[claim] = .shutdown
            task.cancel()
        }
    }
    func end(_ claim: WorkflowEngine.Claim) {
        claims.remove(claim)
        tasks[claim] = nil
        executions[claim] = nil
        cancelled[claim] = nil
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
