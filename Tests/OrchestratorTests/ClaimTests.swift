import Core
import Foundation
import Persistence
import TestSupport
import Testing

@testable import Orchestrator

/// Claiming and starting steps in one transaction, against transitions of the same run.
@Suite(.serialized) struct ClaimTests {
    static let store = TestDatabase.isolated("claim")

    /// The store's round trips so far, less those that prepared a statement on a connection (a
    /// unit may land on any pooled connection, warm or not).
    static func warmRoundTrips() -> Int {
        Int(store.database.roundTrips.current) - Int(store.database.preparations.current)
    }

    @Test func aBatchReadsItsRunsInOneRoundTripAndItsStartsGoWithTheCommit() async throws {
        let harness = Harness(Self.store, runLoop: false)
        let (workspace, brief) = try await harness.brief("@fanout")
        let (otherWorkspace, otherBrief) = try await harness.brief("@elsewhere")
        let trips = Self.warmRoundTrips
        var runs: [(WorkflowRunID, WorkspaceID)] = []
        func batch(limit: Int, of brief: Brief, in workspace: WorkspaceID) async throws -> (
            started: [(WorkflowEngine.Claim, WorkflowEngine.Prepared?)], trips: Int
        ) {
            runs.append(
                (try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace).run.id, workspace))
            let before = trips()
            let started = try await harness.engine.claimAndStart(limit: limit)
            return (started, trips() - before)
        }
        _ = try await batch(limit: 16, of: brief, in: workspace)  // the connection's statements prepared
        let one = try await batch(limit: 1, of: brief, in: workspace)
        let rest = try await batch(limit: 16, of: otherBrief, in: otherWorkspace)

        #expect(one.started.count == 1 && rest.started.count == 9, "the second run's four other steps and the third run's five")
        #expect(Set(rest.started.map(\.0.workspace)) == [workspace, otherWorkspace], "one batch across two workspaces")
        #expect(rest.started.allSatisfy { $0.1 != nil }, "every claimed step started, each under its own workspace")
        // The claim, the runs locked and read, then the starts and agent runs with the `COMMIT`.
        #expect(one.trips == 3, "one step took \(one.trips) round trips")
        #expect(rest.trips == 3, "nine steps of two runs took \(rest.trips) round trips")
        // Its claimed steps never run: once their leases expired, a later test's claims would take them.
        for (run, workspace) in runs { _ = try await harness.service.cancel(run, workspace: workspace) }
        await harness.stop()
    }

    @Test func aProfileAuditWakesTheEnginesAtItsStartAndWhenItsLastAnalystReadiesTheSynthesis() async throws {
        let owner = "wakes-\(UUID().uuidString.prefix(6))"
        let listener = try Connection(url: Self.store.appURL)
        try listener.execute("LISTEN \(RunTransitions.controlChannel)")
        let harness = Harness(Self.store, owner: owner)
        let (workspace, brief) = try await harness.brief("@wakes")
        let run = try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace).run
        let (finished, steps) = try await harness.wait(for: run.id, in: workspace, until: [.succeeded, .failed])
        await harness.stop()
        var heard: [String] = []
        while case let batch = try listener.notifications(waitSeconds: 0.1), !batch.isEmpty { heard += batch.map(\.payload) }

        #expect(finished.status == .succeeded && steps.count == 6)
        // Four of the five analysts' successes leave the synthesis waiting, and the synthesis ends the run.
        #expect(heard.filter { $0 == "work:" + owner }.count == 2, "heard: \(heard)")
    }

    @Test func startingARunIsOneTransactionOfTwoRoundTrips() async throws {
        let harness = Harness(Self.store, runLoop: false)
        let (workspace, brief) = try await harness.brief("@onestart")
        let units = Self.store.database.completedUnits
        var runs: [WorkflowRun] = []
        var (taken, tripsTaken) = (UInt64(0), 0)
        // The workspace's first run also stores its row of the seeded workflow; the second is measured.
        for _ in 1...2 {
            let (unitsBefore, tripsBefore) = (units.current, Self.warmRoundTrips())
            runs.append(try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace).run)
            (taken, tripsTaken) = (units.current - unitsBefore, Self.warmRoundTrips() - tripsBefore)
        }
        // Nothing of them is left for the next test's claims.
        for run in runs { _ = try await harness.service.cancel(run.id, workspace: workspace) }
        await harness.stop()
        #expect(taken == 1, "the definition is read in the transaction that creates the run: \(taken) units")
        #expect(
            tripsTaken == 2,
            "the definition and the brief; the run, its steps, its brief, its event and the NOTIFY with the COMMIT: \(tripsTaken)")
        #expect(runs.allSatisfy { $0.workflowId != nil && $0.status == .running })
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
        _ = try await harness.service.cancel(run.id, workspace: workspace)
        await harness.stop()
    }

    @Test func aCancelMeetingAClaimOfItsRunWaitsForTheHandBackInsteadOfDeadlocking() async throws {
        let harness = Harness(Self.store, runLoop: false)
        let (workspace, brief) = try await harness.brief("@cancelrace")
        let run = try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace).run
        let owner = "claim-\(UUID())"

        // A claim batch holds the run's ready steps and has not yet tried the run's lock.
        let claimer = try Connection(url: Self.store.appURL)
        try claimer.execute("BEGIN")
        let claimed = try RunTransitions.claim(owner: owner, leaseSeconds: 60, limit: 16, step: nil, held: [], claimer)
            .filter { $0.run == run.id }
        #expect(!claimed.isEmpty)

        // The cancel locks the run, then waits for the claimed step rows.
        let cancelling = Task.detached {
            try await Blocking.run {
                let c = try Connection(url: Self.store.appURL)
                try c.execute("BEGIN")
                try RunTransitions.scope(to: workspace, c)
                let (ended, _) = try RunTransitions.cancel(run.id, by: "test", workspace: workspace, c)
                try c.execute("COMMIT")
                return ended.status
            }
        }
        let observer = try Connection(url: Self.store.appURL)
        var waiting = false
        for _ in 0..<200 where !waiting {
            try await Task.sleep(for: .milliseconds(10))
            waiting =
                try observer.query(
                    "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE tiktok_workflow_steps SET status = ''skipped''%'"
                ).rows.count == 1
        }
        #expect(waiting, "the cancel waits for the claimed steps")

        // The claim finds the run busy and hands its steps back, which must not wait for the cancel.
        try RunTransitions.scope(to: workspace, claimer)
        guard case .busy = try RunTransitions.tryLockAndLoad(run.id, claimer) else {
            Issue.record("the cancel holds the run")
            return
        }
        for one in claimed { try RunTransitions.unclaim(one.step, owner: owner, claimer) }
        try claimer.execute("COMMIT")

        #expect(try await cancelling.value == .cancelled)
        let steps = try await Self.store.database.withWorkspace(workspace) { try StepRepository.list(run: run.id, on: $0) }
        #expect(steps.allSatisfy { $0.status == .skipped && $0.attempt == 0 }, "every step skipped, none counted as attempted")
        await harness.stop()
    }
}
