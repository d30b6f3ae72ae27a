import Core
import Foundation
import Logging
import Persistence
import TestSupport
import Testing

@testable import Orchestrator

@Suite struct EventBusTests {
    static func event(_ run: WorkflowRunID, _ seq: Int, _ name: RunEvent.Name, in workspace: WorkspaceID) -> RunEvent {
        RunEvent(workspaceId: workspace, runId: run, seq: seq, event: name, data: [:], createdAt: Date())
    }

    @Test func theRingOfAFinishedRunIsDroppedOnceNobodyWaitsOnIt() async throws {
        let bus = EventBus(database: TestDatabase.database, logger: Logger(label: "bus-test"), finishedRingLifetime: .zero)
        let workspace = WorkspaceID(UUID())
        let (done, going, watched) = (WorkflowRunID(UUID()), WorkflowRunID(UUID()), WorkflowRunID(UUID()))
        await bus.publish([
            Self.event(done, 1, .runStarted, in: workspace), Self.event(going, 1, .runStarted, in: workspace),
            Self.event(watched, 1, .runStarted, in: workspace),
        ])
        #expect(await bus.trackedRuns == 3)
        await bus.publish([Self.event(done, 2, .runCompleted, in: workspace)])
        #expect(await bus.trackedRuns == 2, "the finished run's ring is gone; a running one's stays")

        // A subscriber still waiting on a finished run keeps its ring until it stops waiting.
        let waiting = Task { await bus.wait(watched, workspace: workspace, after: 5, timeout: .seconds(2)) }
        try await eventually("the subscriber waits") { await bus.hasWaiters(watched) }
        await bus.publish([Self.event(watched, 2, .runCompleted, in: workspace)])
        #expect(await bus.trackedRuns == 2)
        #expect(await waiting.value == false)
        await bus.publish([Self.event(going, 2, .stepStarted, in: workspace)])
        #expect(await bus.trackedRuns == 1, "dropped at the next pass once nobody waits")
    }

    /// A bus whose ring holds a new run's first event.
    static func busFollowingAStartedRun() async -> (EventBus, WorkspaceID, WorkflowRunID) {
        let bus = EventBus(database: TestDatabase.database, logger: Logger(label: "bus-test"))
        let (workspace, run) = (WorkspaceID(UUID()), WorkflowRunID(UUID()))
        await bus.publish([event(run, 1, .runStarted, in: workspace)])
        return (bus, workspace, run)
    }

    static func notification(_ run: WorkflowRunID, _ seq: Int, in workspace: WorkspaceID) -> ListenerEvent {
        .notification(PGNotification(channel: "run_events", payload: "\(run):\(seq):\(workspace)"))
    }

    @Test func theEchoOfEventsThisProcessIsCommittingIsNotReadBackFromTheTable() async throws {
        let (bus, workspace, run) = await Self.busFollowingAStartedRun()
        let second = Self.event(run, 2, .stepStarted, in: workspace)
        try await bus.delivering { local -> ((), [RunEvent]) in
            local.expect([second])
            // The listener hears the commit's NOTIFY before the commit hands its events over.
            await bus.receive(Self.notification(run, 2, in: workspace))
            #expect(await bus.tableReads == 0)
            return ((), [second])
        }
        #expect(await bus.tableReads == 0)
        #expect(try await bus.read(run, workspace: workspace, after: 1).map(\.seq) == [2])

        // With no commit of the run under way, a notification the ring is behind on reads the table.
        await bus.receive(Self.notification(run, 3, in: workspace))
        #expect(await bus.tableReads == 1)
    }

    @Test func aNotificationFromElsewhereDuringALocalCommitIsReadOnceThatCommitIsHandedOver() async throws {
        let (bus, workspace, run) = await Self.busFollowingAStartedRun()
        let second = Self.event(run, 2, .stepStarted, in: workspace)
        try await bus.delivering { local -> ((), [RunEvent]) in
            local.expect([second])
            local.expect([second])
            // Another process committed the run's third event meanwhile.
            await bus.receive(Self.notification(run, 3, in: workspace))
            #expect(await bus.tableReads == 0)
            return ((), [second])
        }
        #expect(await bus.tableReads == 1, "the third event was not among those handed over")

        // A commit that fails ends too: what was announced meanwhile is read, and later
        // notifications are read at once.
        struct Failed: Error {}
        await #expect(throws: Failed.self) {
            try await bus.delivering { local -> ((), [RunEvent]) in
                local.expect([Self.event(run, 4, .stepStarted, in: workspace)])
                await bus.receive(Self.notification(run, 4, in: workspace))
                throw Failed()
            }
        }
        #expect(await bus.tableReads == 2)
        await bus.receive(Self.notification(run, 5, in: workspace))
        #expect(await bus.tableReads == 3)
    }

    @Test func eventsHandedOverOutOfOrderWaitForTheOneMissingInsteadOfSendingReadersToTheTable() async throws {
        let (bus, workspace, run) = await Self.busFollowingAStartedRun()
        // Two commits of the run: the second's events are handed over first.
        await bus.publish([Self.event(run, 3, .stepSucceeded, in: workspace)])
        #expect(try await bus.read(run, workspace: workspace, after: 1).isEmpty)
        let woken = Task { await bus.wait(run, workspace: workspace, after: 1, timeout: .seconds(5)) }
        try await eventually("the subscriber waits") { await bus.hasWaiters(run) }
        await bus.publish([Self.event(run, 2, .stepStarted, in: workspace)])
        #expect(await woken.value)
        #expect(try await bus.read(run, workspace: workspace, after: 1).map(\.seq) == [2, 3])
        #expect(await bus.tableReads == 0)
    }

    @Test func subscribersArrivingTogetherShareOneReadOfTheTable() async throws {
        let bus = EventBus(database: TestDatabase.database, logger: Logger(label: "bus-test"))
        let (workspace, run) = (WorkspaceID(UUID()), WorkflowRunID(UUID()))
        try await withThrowingTaskGroup(of: [RunEvent].self) { group in
            for _ in 0..<50 { group.addTask { try await bus.read(run, workspace: workspace, after: 0) } }
            for try await events in group { #expect(events.isEmpty) }
        }
        #expect(await bus.tableReads < 50)
        let reads = await bus.tableReads
        // Another workspace's subscriber never shares them.
        _ = try await bus.read(run, workspace: WorkspaceID(UUID()), after: 0)
        #expect(await bus.tableReads == reads + 1)
    }

    @Test func aCommitterCancelledMeanwhileStillLeavesTheAnnouncedEventsRead() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let bus = EventBus(database: TestDatabase.database, logger: Logger(label: "bus-test"))
        let run = try await TestDatabase.database.withWorkspace(workspace) { c in
            let run = try RunRepository.create(
                workspace: workspace, workflowId: nil, workflowSlug: "profile_audit", briefId: nil, input: [:], on: c)
            for name in [RunEvent.Name.runStarted, .stepStarted] {
                _ = try RunEventRepository.append(run: run.id, event: name, data: [:], workspace: workspace, on: c)
            }
            return run.id
        }
        await bus.publish([Self.event(run, 1, .runStarted, in: workspace)])
        // Another process's second event is announced while a commit of this one is under way,
        // and the committing task is cancelled before it hands over.
        let committer = Task {
            try await bus.delivering { local -> ((), [RunEvent]) in
                local.expect([Self.event(run, 1, .runStarted, in: workspace)])
                await bus.receive(Self.notification(run, 2, in: workspace))
                withUnsafeCurrentTask { $0?.cancel() }
                return ((), [])
            }
        }
        try await committer.value
        #expect(try await bus.read(run, workspace: workspace, after: 1).map(\.seq) == [2])
        #expect(await bus.tableReads == 1)
    }
}
