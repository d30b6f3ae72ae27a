import Agents
import Core
import Foundation
import Persistence
import Providers
import TestSupport
import Testing

@testable import Orchestrator

@Suite(.serialized) struct MultiProcessTests {
    static let store = TestDatabase.isolated("multiprocess")
    /// Succeeded agent runs per step of a run.
    static func succeededRunsPerStep(_ run: WorkflowRunID, _ workspace: WorkspaceID) async throws -> [String: Int] {
        try await Self.store.database.withWorkspace(workspace) { c in
            try c.query(
                """
                SELECT s.step_key, count(a.id) AS n FROM tiktok_workflow_steps s
                LEFT JOIN tiktok_agent_runs a ON a.workflow_step_id = s.id AND a.status = 'succeeded'
                WHERE s.run_id = \(run) GROUP BY s.step_key
                """
            ).rows.reduce(into: [:]) { $0[try $1.string("step_key")] = try $1.int("n") }
        }
    }

    @Test func aRunSurvivesItsWorkerBeingKilledAndEachStepSucceedsOnce() async throws {
        // Its Claude never answers before the kill, so the agent runs it opened are still open when
        // it dies however slowly this test gets to the kill.
        let worker = try WorkerProcess(
            owner: "doomed-\(UUID().uuidString.prefix(6))", store: Self.store,
            environment: ["CLAUDE_MOCK_LATENCY_MS": "600000", "STEP_LEASE_SECONDS": "3"])
        let starter = Harness(Self.store, runLoop: false)
        let (workspace, brief) = try await starter.brief("@crashtest")
        let started = try await starter.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace)
        try await starter.waitForSteps(started.run.id, in: workspace) { steps in
            steps.contains { $0.status == .running && $0.leaseOwner == worker.owner }
        }
        // Killed once an agent run is open (a step claimed but killed before its agent run began has none to close).
        try await eventually("the worker's agent runs opened") {
            try await Self.store.database.withWorkspace(workspace) { c in
                try c.query(
                    "SELECT count(*) AS n FROM tiktok_agent_runs WHERE workflow_run_id = \(started.run.id) AND status = 'running'"
                ).first!.int("n") > 0
            }
        }
        worker.kill()
        let survivor = Harness(Self.store, lease: 3)
        let (run, steps) = try await survivor.wait(for: started.run.id, in: workspace, until: [.succeeded, .failed], timeout: .seconds(90))
        await survivor.stop()
        await starter.stop()
        #expect(run.status == .succeeded)
        #expect(steps.allSatisfy { $0.status == .succeeded })
        let perStep = try await Self.succeededRunsPerStep(run.id, workspace)
        #expect(perStep.count == 6 && perStep.values.allSatisfy { $0 == 1 }, "\(perStep)")
        let others = try await Self.store.database.withWorkspace(workspace) { c in
            try c.query("SELECT status, error FROM tiktok_agent_runs WHERE workflow_run_id = \(run.id) AND status <> 'succeeded'").rows
                .map { "\(try $0.string("status")): \($0["error"] ?? "")" }
        }
        #expect(
            !others.isEmpty && others.allSatisfy { $0.hasPrefix("failed: abandoned:") },
            "the killed worker's agent runs are closed when taken over: \(others)")
    }

    @Test func twoProcessesShareFiftyRunsWithoutRunningAStepTwice() async throws {
        let worker = try WorkerProcess(
            owner: "peer-\(UUID().uuidString.prefix(6))", store: Self.store,
            environment: ["CLAUDE_MOCK_LATENCY_MS": "20", "MAX_CONCURRENT_STEPS": "8"])
        defer { worker.stop() }
        let local = Harness(Self.store, claude: MockClaude(latency: .milliseconds(20)), concurrency: 8)
        let (workspace, _) = try await local.brief()
        var runs: [WorkflowRunID] = []
        for i in 0..<50 {
            let brief = try await Self.store.database.withWorkspace(workspace) { c in
                try BriefRepository.create(
                    NewBrief(handle: "@shared_\(i)", inputs: ["competitors": ["@rival_brand"]]), workspace: workspace, on: c)
            }
            runs.append(try await local.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace).run.id)
        }
        for run in runs {
            let (finished, _) = try await local.wait(for: run, in: workspace, until: [.succeeded, .failed], timeout: .seconds(180))
            #expect(finished.status == .succeeded)
        }
        await local.stop()
        let totals = try await Self.store.database.withWorkspace(workspace) { c in
            try c.query(
                """
                SELECT count(*) FILTER (WHERE a.status = 'succeeded') AS succeeded, count(*) AS all_runs,
                       count(DISTINCT a.workflow_step_id) AS steps
                FROM tiktok_agent_runs a JOIN tiktok_workflow_runs r ON r.id = a.workflow_run_id
                """
            ).first!
        }
        #expect(try totals.int("succeeded") == 300, "50 runs x 6 steps, each exactly once")
        #expect(try totals.int("steps") == 300)
        #expect(try totals.int("all_runs") == 300, "no step was started twice")
        let ids = runs.map(\.description)
        let owners = try await Self.store.database.withWorkspace(workspace) { c in
            try c.query("SELECT DISTINCT lease_owner FROM tiktok_workflow_steps WHERE run_id = ANY(\(ids)::uuid[])").rows.compactMap {
                $0["lease_owner"]
            }
        }
        #expect(Set(owners) == [worker.owner, local.engine.configuration.owner], "both processes executed steps")
    }
}
