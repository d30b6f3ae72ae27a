import Core
import Foundation
import Logging
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
}
