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
}
