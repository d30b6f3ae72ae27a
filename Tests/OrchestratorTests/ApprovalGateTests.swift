import Agents
import Core
import Foundation
import Logging
import Persistence
import Providers
import TestSupport
import Testing

@testable import Orchestrator

/// The gate's money checks and the budget loop: what a reviewer approves is what can be spent.
@Suite(.serialized) struct ApprovalGateTests {
    static let store = TestDatabase.isolated("gate")

    @Test func theGateRefusesABudgetOverWhatIsLeftOfTodaysCapAndRecordsNothing() async throws {
        let harness = Harness(Self.store)
        let (workspace, brief) = try await harness.brief("@glowco", inputs: ["budget_usd": 80])
        try await harness.database.withWorkspace(workspace) {
            try SpendLedgerRepository.setCaps(workspace: workspace, claudeDailyUsd: nil, adsDailyUsd: 100, on: $0)
        }
        let started = try await harness.service.start(briefId: brief.id, workflowSlug: "campaign_launch", workspace: workspace)
        _ = try await harness.wait(for: started.run.id, in: workspace, until: [.awaitingApproval, .failed])
        try await harness.database.withWorkspace(workspace) {
            try SpendLedgerRepository.charge(.ads, amount: 50, reference: "earlier-campaign", on: $0)
        }
        let approval = try #require(
            try await harness.database.withWorkspace(workspace) { try ApprovalRepository.list(status: .pending, limit: 1, on: $0) }.first)
        for budget in [80.0, 0, -5, 99_999_999_999] {
            let refused = await #expect(throws: AppError.self) {
                try await harness.service.decide(
                    approval.id, ApprovalDecision(approve: true, budgetUsd: budget == 80 ? nil : budget), by: nil, workspace: workspace)
            }
            #expect(refused?.status == 400 && refused?.message.contains("budget_usd") == true, "\(String(describing: refused))")
        }
        let bogus = await #expect(throws: AppError.self) {
            try await harness.service.decide(
                approval.id, ApprovalDecision(approve: true, budgetUsd: 40, items: [ItemDecision(id: "video:nope", action: .drop)]),
                by: nil,
                workspace: workspace)
        }
        #expect(bogus?.message.contains("video:nope") == true)
        let still = try await harness.database.withWorkspace(workspace) { try ApprovalRepository.find(approval.id, on: $0) }
        #expect(still?.status == .pending, "nothing was recorded")
        _ = try await harness.service.decide(approval.id, ApprovalDecision(approve: true, budgetUsd: 40), by: nil, workspace: workspace)
        let (done, steps) = try await harness.wait(for: started.run.id, in: workspace, until: [.succeeded, .failed])
        await harness.stop()
        #expect(done.status == .succeeded, "\(steps.compactMap(\.error))")
        #expect(steps.first { $0.stepKey == "ads_launch" }?.output?["budget_usd"] == 40)
    }

    @Test func aPostLaunchLoopAfterALaunchAppliesTheApprovedBudgetChange() async throws {
        let harness = Harness(Self.store)
        let (workspace, brief) = try await harness.brief("@glowco", inputs: ["budget_usd": 50])
        let launch = try await harness.service.start(briefId: brief.id, workflowSlug: "campaign_launch", workspace: workspace)
        _ = try await harness.wait(for: launch.run.id, in: workspace, until: [.awaitingApproval, .failed])
        let gate = try #require(
            try await harness.database.withWorkspace(workspace) { try ApprovalRepository.list(status: .pending, limit: 1, on: $0) }.first)
        _ = try await harness.service.decide(gate.id, approve: true, note: nil, by: nil, workspace: workspace)
        _ = try await harness.wait(for: launch.run.id, in: workspace, until: [.succeeded, .failed])
        let loop = try await harness.service.start(briefId: brief.id, workflowSlug: "post_launch_loop", workspace: workspace)
        _ = try await harness.wait(for: loop.run.id, in: workspace, until: [.awaitingApproval, .failed])
        let approval = try #require(
            try await harness.database.withWorkspace(workspace) { try ApprovalRepository.list(status: .pending, limit: 1, on: $0) }.first)
        let change = try #require(approval.payload["budget_change"])
        #expect(change["from_usd"] == 50 && change["to_usd"]?.doubleValue != 50, "\(change)")
        _ = try await harness.service.decide(approval.id, approve: true, note: nil, by: nil, workspace: workspace)
        let (run, steps) = try await harness.wait(for: loop.run.id, in: workspace, until: [.succeeded, .failed])
        await harness.stop()
        #expect(run.status == .succeeded, "\(steps.compactMap(\.error))")
        #expect(steps.first { $0.stepKey == "budget_change" }?.output?["status"] == "applied")
        let live = try await harness.database.withWorkspace(workspace) { try CommerceRepository.latestLiveCampaign(on: $0) }
        #expect(live?.budgetUsd == change["to_usd"]?.doubleValue)
    }
}
