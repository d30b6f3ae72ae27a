import Core
import Foundation
import Persistence
import TestSupport
import Testing

@testable import Orchestrator

/// Claiming and starting steps in one transaction, against transitions of the same run.
@Suite(.serialized) struct ClaimTests {
    static let store = TestDatabase.isolated("claim")

    @Test func theStepsOfABatchReadEachRunOnceAndStartTogether() async throws {
        let harness = Harness(Self.store, runLoop: false)
        let (workspace, brief) = try await harness.brief("@fanout")
        let (otherWorkspace, otherBrief) = try await harness.brief("@elsewhere")
        let trips = Self.store.database.roundTrips
        func batch(limit: Int, of brief: Brief, in workspace: WorkspaceID) async throws -> (
            started: [(WorkflowEngine.Claim, WorkflowEngine.Prepared?)], trips: Int
        ) {
            _ = try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace)
            let before = trips.current
            let started = try await harness.engine.claimAndStart(limit: limit)
            return (started, Int(trips.current - before))
        }
        _ = try await batch(limit: 16, of: brief, in: workspace)  // the connection's statements prepared
        let one = try await batch(limit: 1, of: brief, in: workspace)
        let rest = try await batch(limit: 16, of: otherBrief, in: otherWorkspace)

        #expect(one.started.count == 1 && rest.started.count == 9, "the second run's four other steps and the third run's five")
        #expect(Set(rest.started.map(\.0.workspace)) == [workspace, otherWorkspace], "one batch across two workspaces")
        #expect(rest.started.allSatisfy { $0.1 != nil }, "every claimed step started, each under its own workspace")
        // The second run costs one more read; the starts of all nine travel together.
        #expect(rest.trips == one.trips + 1, "nine steps of two runs took \(rest.trips) round trips, one step \(one.trips)")
        await harness.stop()
    }

    @Test func aStepWhoseRunIsMidTransitionIsHandedBackNotWaitedFor() async throws {
        let harness = Harness(Self.store, runLoop: false)
        let (workspace, brief) = try await harness.brief("@busyrun")
        let run = try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace).run

        // Another transaction holds the run's lock, as a step's outcome does while it updates the run's steps.
        let holder = try Connection(url: Self.store.appURL)
        try holder.execute("BEGIN")
        try holder.query("SELECT set_config('app.workspace_id', \(workspace.description), true)")
        try holder.query("SELECT 1 FROM tiktok_workflow_runs WHERE id = \(run.id) FOR NO KEY UPDATE")

        let whileHeld = try await harness.engine.claimAndStart(limit: 16)
        #expect(whileHeld.isEmpty, "nothing of the held run starts")
        let steps = try await Self.store.database.withWorkspace(workspace) { try StepRepository.list(run: run.id, on: $0) }
        #expect(steps.allSatisfy { $0.status == .pending && $0.attempt == 0 && $0.leaseOwner == nil }, "handed back as if never claimed")
        // The holder can now update the run's steps without meeting the claim's row locks.
        try holder.query("UPDATE tiktok_workflow_steps SET updated_at = now() WHERE run_id = \(run.id)")
        try holder.execute("COMMIT")

        let afterwards = try await harness.engine.claimAndStart(limit: 16)
        let ready = steps.filter { $0.dependsOn.isEmpty }.count
        #expect(
            ready > 0 && afterwards.count == ready && afterwards.allSatisfy { $0.1 != nil }, "the ready steps start once the run is free")
        await harness.stop()
    }
}
