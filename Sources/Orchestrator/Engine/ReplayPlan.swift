import Agents
import Core
import Foundation
import Persistence

/// How a replay runs one of its steps, read from the recorded run in the transaction that marks
/// the step started.
enum ReplayPlan: Sendable {
    /// Run the agent with every Claude, provider, skill and read call answered from the recording.
    case answer(Recording)
    /// Do not run the agent (it acts on the world): the step ends as the recorded one ended.
    case restore(WorkflowStep)
    /// An approval gate: decided as the recorded gate was.
    case decide(Approval, WorkflowStep)
    /// The recording cannot answer: the step fails with this message.
    case missing(String)

    /// The plan for `step` of a replay of `original` (in `mode`: an exact replay or an evaluation).
    static func plan(
        for step: WorkflowStep, definition stepDef: WorkflowStepDef, original: WorkflowRunID, mode: Recording.Mode, on c: Connection
    ) throws -> ReplayPlan {
        guard let source = try RunRepository.find(original, on: c) else { return .missing("the recorded run is gone") }
        guard let recorded = try StepRepository.find(run: original, key: step.stepKey, on: c), recorded.status.isTerminal,
            recorded.status != .skipped, recorded.status != .cancelled
        else {
            return .missing("step \(step.stepKey) did not run in the recorded run, so there is nothing to replay it from")
        }
        switch stepDef.kind {
        case .approval:
            guard let gate = try ApprovalRepository.forRun(original, on: c).last(where: { $0.stepKey == step.stepKey }),
                gate.status != .pending
            else { return .missing("the recorded run's approval \(step.stepKey) was never decided") }
            return .decide(gate, recorded)
        case .agent where Catalog.spec(stepDef.agent)?.actsOnTheWorld == true:
            return .restore(recorded)
        case .agent, .synthesis:
            guard let agentRun = recorded.agentRunId else {
                return .missing("step \(step.stepKey) has no recorded agent run")
            }
            let rows = try AgentStepRepository.list(agentRun: agentRun, on: c)
            return .answer(Recording(rows: rows, now: source.startedAt ?? source.createdAt, mode: mode))
        }
    }

    /// Ends a restored or decided step as its recorded counterpart ended, inside the caller's
    /// transaction. `owner` fences a running step; nil, a parked gate.
    static func end(_ step: WorkflowStep, like recorded: WorkflowStep, owner: String?, _ c: Connection) throws -> [RunEvent]? {
        if recorded.status == .succeeded {
            return try RunTransitions.complete(
                step, output: recorded.output ?? [:], costUsd: 0, latencyMs: 0, agentRunId: nil, owner: owner, c)?.events
        }
        return try RunTransitions.fail(step, error: recorded.error ?? "failed in the recorded run", agentRunId: nil, owner: owner, c)
    }
}

extension ReplayPlan {
    /// The recording an agent step answers from, when the plan runs the agent.
    var recording: Recording? { if case .answer(let recording) = self { recording } else { nil } }

    /// A replay's gate, decided as the recorded gate was: the same decision, note, decider and
    /// item decisions, and the step's recorded output.
    static func decide(_ approval: Approval, like gate: Approval, step: WorkflowStep, recorded: WorkflowStep, _ c: Connection)
        throws -> [RunEvent]
    {
        let approve = gate.status == .approved
        let decided = try ApprovalRepository.decide(
            approval.id, approve: approve, note: gate.decisionNote, by: nil, byName: gate.decidedByName, decisions: gate.decisions, on: c)
        var events = [
            try RunTransitions.event(
                c, decided.runId, .approvalDecided,
                [
                    "approval_id": .string(decided.id.description), "step_key": .string(decided.stepKey),
                    "status": .string(decided.status.rawValue), "note": gate.decisionNote.map { .string($0) } ?? .null,
                    "by": gate.decidedByName.map { .string($0) } ?? .null, "decisions": gate.decisions, "replayed": true,
                ], step.workspaceId)
        ]
        if approve { _ = try RunRepository.setStatus(decided.runId, .running, on: c) }
        events += try ReplayPlan.end(step, like: recorded, owner: nil, c) ?? []
        return events
    }

    /// The steps a replay's synthesis reports on, with the recorded costs (but `step`'s own), so
    /// its report tells what the recorded work cost, as the recorded report did. An evaluation's
    /// re-run reports its own costs.
    static func costsAsRecorded(_ steps: [WorkflowStep], run: WorkflowRun, except step: WorkflowStep, _ c: Connection) throws
        -> [WorkflowStep]
    {
        guard let original = run.replayOf, run.evaluationId == nil else { return steps }
        let recorded = Dictionary(
            try StepRepository.list(run: original, on: c).map { ($0.stepKey, $0.costUsd) }, uniquingKeysWith: { first, _ in first })
        return steps.map { other in
            var other = other
            if other.id != step.id { other.costUsd = recorded[other.stepKey] ?? other.costUsd }
            return other
        }
    }
}

extension WorkflowEngine {
    /// Ends a replay's step that the plan does not run: failed when the recording cannot answer
    /// it, or as recorded when its agent acts on the world. False when the step is to run.
    func endWithoutRunning(_ step: WorkflowStep, _ plan: ReplayPlan, _ claim: Claim) async throws -> Bool {
        let owner = configuration.owner
        switch plan {
        case .missing(let message):
            _ = try await transitions.commit(claim.workspace) { c in
                try RunTransitions.fail(step, error: "replay: " + message, agentRunId: nil, owner: owner, c).map { ((), $0) }
            }
        case .restore(let recorded):
            _ = try await transitions.commit(claim.workspace) { c in
                try ReplayPlan.end(step, like: recorded, owner: owner, c).map { ((), $0) }
            }
        case .answer, .decide: return false
        }
        return true
    }
}
