import Core
import Foundation
import Persistence
import TestSupport
import Testing

@testable import Orchestrator

/// What a step commits: its Claude calls' trace rows and settlements travel with its outcome.
@Suite(.serialized) struct StepOutcomeTests {
    static let store = TestDatabase.isolated("outcome")

    @Test func anAgentStepsTraceRowsSettlementsAndCloseCommitWithItsOutcomeInOneTransaction() async throws {
        let harness = Harness(Self.store)
        let (workspace, brief) = try await harness.brief()
        let started = try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace)
        let (run, _) = try await harness.wait(for: started.run.id, in: workspace, until: [.succeeded, .failed])
        await harness.stop()
        #expect(run.status == .succeeded)
        // xmin names the transaction that last wrote a row.
        let steps = try await Self.store.database.withWorkspace(workspace) { c in
            try c.query(
                """
                SELECT s.step_key, s.xmin::text AS step_tx, a.xmin::text AS agent_run_tx,
                       (SELECT string_agg(DISTINCT t.xmin::text, ',') FROM tiktok_agent_steps t WHERE t.agent_run_id = a.id) AS trace_tx,
                       (SELECT count(*) FROM tiktok_agent_steps t WHERE t.agent_run_id = a.id AND t.kind = 'llm_call')::int AS calls,
                       (SELECT string_agg(DISTINCT l.xmin::text, ',') FROM tiktok_spend_ledger l
                         WHERE l.category = 'claude' AND l.reference LIKE a.id::text || ':%') AS ledger_tx
                FROM tiktok_workflow_steps s JOIN tiktok_agent_runs a ON a.id = s.agent_run_id
                WHERE s.run_id = \(run.id) ORDER BY s.step_key
                """
            ).rows
        }
        #expect(steps.count == 6)
        var claudeSteps = 0
        for step in steps {
            let key = try step.string("step_key")
            let outcome = try step.string("step_tx")
            #expect(try step.string("agent_run_tx") == outcome, "\(key): the agent run closes with the step")
            #expect(step["trace_tx"] == outcome, "\(key): every trace row is written with the outcome")
            if try step.int("calls") > 0 {
                claudeSteps += 1
                #expect(step["ledger_tx"] == outcome, "\(key): each Claude reservation is settled with the outcome")
            }
        }
        #expect(claudeSteps >= 5, "the analysts and the synthesis call Claude")
    }

    /// The store's round trips so far, less those that prepared a statement on a connection.
    static func warmRoundTrips() -> Int {
        Int(store.database.roundTrips.current) - Int(store.database.preparations.current)
    }

    /// A new Profile Audit's five analysts, claimed by `owner` and so running.
    func claimedAnalysts(_ harness: Harness, _ handle: String, owner: String) async throws -> (WorkspaceID, WorkflowRunID, [WorkflowStep]) {
        let (workspace, brief) = try await harness.brief(handle)
        let run = try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace).run
        let claimed = try await Self.store.database.withUnscopedTransaction { c in
            try RunTransitions.claim(owner: owner, leaseSeconds: 60, limit: 16, step: nil, held: [], c).map(\.step)
        }
        let steps = try await Self.store.database.withWorkspace(workspace) { try StepRepository.list(run: run.id, on: $0) }
        return (workspace, run.id, steps.filter { claimed.contains($0.id) })
    }

    /// Records `step`'s success as the engine does for a step others depend on.
    func succeedLeavingRunOpen(_ step: WorkflowStep, owner: String, _ harness: Harness) async throws -> RunTransitions.Completion? {
        let readied: @Sendable (RunTransitions.Completion?) -> Bool = { $0?.readied == true }
        return try await harness.engine.transitions.commitThenRead(step.workspaceId, readiesWhen: readied) { c in
            try RunTransitions.lockRun(step.runId, holdingLeaseOf: step.id, owner: owner, c)
            let completion = try RunTransitions.sendComplete(
                step, output: ["summary": "done"], latencyMs: 5, agentRunId: nil, owner: owner, c)
            return RunCommitter.Sent(runs: [step.runId]) {
                let completed = try completion()
                return (completed, completed?.events ?? [])
            }
        }
    }

    @Test func aSuccessThatLeavesItsRunOpenIsOneRoundTripAndWakesTheEnginesOnlyWhenItReadiesAStep() async throws {
        let owner = "open-\(UUID().uuidString.prefix(6))"
        let listener = try Connection(url: Self.store.appURL)
        try listener.execute("LISTEN \(RunTransitions.controlChannel)")
        let harness = Harness(Self.store, runLoop: false)
        let (workspace, run, analysts) = try await claimedAnalysts(harness, "@oneroundtrip", owner: owner)
        var (completions, trips): ([RunTransitions.Completion?], [Int]) = ([], [])
        for analyst in analysts {
            let before = Self.warmRoundTrips()
            completions.append(try await succeedLeavingRunOpen(analyst, owner: owner, harness))
            trips.append(Self.warmRoundTrips() - before)
        }
        let steps = try await Self.store.database.withWorkspace(workspace) { try StepRepository.list(run: run, on: $0) }
        _ = try await harness.service.cancel(run, workspace: workspace)
        await harness.stop()
        var heard: [String] = []
        while case let batch = try listener.notifications(waitSeconds: 0.1), !batch.isEmpty { heard += batch.map(\.payload) }

        #expect(analysts.count == 5)
        #expect(trips == [1, 1, 1, 1, 1], "the statements and the COMMIT travel together: \(trips)")
        #expect(completions.map { $0?.events.map(\.event) } == Array(repeating: [.stepSucceeded], count: 5))
        #expect(completions.map { $0?.readied } == [false, false, false, false, true], "the last analyst readies the synthesis")
        #expect(heard.filter { $0 == "work:" + owner }.count == 1, "only the success that readied a step wakes the engines: \(heard)")
        #expect(steps.filter { $0.status == .succeeded }.count == 5 && steps.contains { $0.status == .pending && $0.kind == .synthesis })
    }

    @Test func aSuccessThatEndsItsRunAfterAllKeepsNothingAndIsRecordedTheWayThatEndsTheRun() async throws {
        let owner = "ends-\(UUID().uuidString.prefix(6))"
        let harness = Harness(Self.store, runLoop: false)
        let (workspace, run, analysts) = try await claimedAnalysts(harness, "@endsafterall", owner: owner)
        // The other analysts fail meanwhile: the synthesis is skipped, and the last success leaves nothing open.
        for analyst in analysts.dropFirst() {
            _ = try await Self.store.database.withWorkspace(workspace) {
                try RunTransitions.fail(analyst, error: "the model was unavailable", agentRunId: nil, owner: owner, $0)
            }
        }
        let last = analysts[0]
        var ending: DatabaseError?
        do { _ = try await succeedLeavingRunOpen(last, owner: owner, harness) } catch let error as DatabaseError { ending = error }
        let afterAttempt = try await Self.store.database.withWorkspace(workspace) { c in
            (try StepRepository.list(run: run, on: c).first { $0.id == last.id }, try RunRepository.find(run, on: c))
        }
        let completion = try await Self.store.database.withWorkspace(workspace) {
            try RunTransitions.complete(last, output: ["summary": "done"], costUsd: nil, latencyMs: 5, agentRunId: nil, owner: owner, $0)
        }
        let ended = try await Self.store.database.withWorkspace(workspace) { try RunRepository.find(run, on: $0) }
        await harness.stop()

        #expect(ending?.isRunEnding == true, "\(String(describing: ending))")
        #expect(afterAttempt.0?.status == .running && afterAttempt.0?.leaseOwner == owner, "nothing of the attempt was kept")
        #expect(afterAttempt.1?.status == .running)
        #expect(completion?.events.map(\.event) == [.stepSucceeded, .runCompleted])
        #expect(
            ended?.status == .failed && ended?.error?.contains("the model was unavailable") == true, "\(String(describing: ended?.error))")
    }
}
