import Agents
import Core
import Foundation
import Persistence
import Providers
import TestSupport
import Testing

@testable import Orchestrator

@Suite(.serialized) struct ShutdownTests {
    static let store = TestDatabase.isolated("shutdown")

    @Test func stoppingTheEngineLetsInFlightStepsFinishAndRecordTheirOutcome() async throws {
        // A drain long enough for a loaded machine: what is checked is that the steps finish.
        let harness = Harness(Self.store, claude: MockClaude(latency: .milliseconds(700)), drain: .seconds(120))
        let (workspace, brief) = try await harness.brief("@glowco")
        let run = try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace).run.id
        try await harness.waitForSteps(run, in: workspace) { steps in steps.filter { $0.status == .running }.count == 5 }
        await harness.stop()

        let steps = try await Self.store.database.withWorkspace(workspace) { try StepRepository.list(run: run, on: $0) }
        let analysts = steps.filter { $0.kind == .agent }
        #expect(analysts.allSatisfy { $0.status == .succeeded && $0.attempt == 1 }, "\(analysts.map { "\($0.stepKey)=\($0.status)" })")
        #expect(steps.first { $0.kind == .synthesis }?.status == .pending, "nothing new is claimed once stopping")
    }

    @Test func stepsStillRunningWhenTheDrainEndsAreHandedBackAndAnotherEngineFinishesThem() async throws {
        let slow = Harness(Self.store, claude: MockClaude(latency: .seconds(30)), drain: .milliseconds(200))
        let (workspace, brief) = try await slow.brief("@brewlab")
        let run = try await slow.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace).run.id
        try await slow.waitForSteps(run, in: workspace) { steps in steps.filter { $0.status == .running }.count == 5 }
        await slow.stop()

        let released = try await Self.store.database.withWorkspace(workspace) { try StepRepository.list(run: run, on: $0) }
        #expect(
            released.allSatisfy { $0.status == .pending && $0.attempt == 0 && $0.leaseOwner == nil },
            "\(released.map { "\($0.stepKey)=\($0.status)/\($0.attempt)" })")

        let fast = Harness(Self.store)
        let (finished, steps) = try await fast.wait(for: run, in: workspace, until: [.succeeded, .failed], timeout: .seconds(30))
        await fast.stop()
        #expect(finished.status == .succeeded)
        #expect(steps.allSatisfy { $0.attempt == 1 }, "a handed-back step does not use up an attempt")
    }
}
