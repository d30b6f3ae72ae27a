import Agents
import Core
import Foundation
import Persistence
import Providers
import TestSupport
import Testing

@testable import Orchestrator

/// Exact replay: a recorded run re-run from its trace, with services that would answer
/// differently (here: refuse) and are never asked.
@Suite(.serialized) struct ReplayTests {
    static let store = TestDatabase.isolated("replay")

    /// Records `workflow` with the mock services (approving its gate with `note` when it has one).
    func record(_ workflow: String, handle: String = "@glowco", inputs: JSONValue = ["competitors": ["@rival_brand"]], note: String? = nil)
        async throws -> (WorkspaceID, WorkflowRun, [WorkflowStep])
    {
        let harness = Harness(Self.store)
        let (workspace, brief) = try await harness.brief(handle, inputs: inputs)
        let started = try await harness.service.start(briefId: brief.id, workflowSlug: workflow, workspace: workspace)
        var (run, steps) = try await harness.wait(for: started.run.id, in: workspace, until: [.awaitingApproval, .succeeded, .failed])
        if run.status == .awaitingApproval {
            let gate = try #require(
                try await harness.database.withWorkspace(workspace) { try ApprovalRepository.forRun(started.run.id, on: $0) }.first)
            _ = try await harness.service.decide(gate.id, approve: true, note: note, by: nil, byName: "Dana", workspace: workspace)
            (run, steps) = try await harness.wait(for: run.id, in: workspace, until: [.succeeded, .failed])
        }
        await harness.stop()
        try #require(run.status == .succeeded, "\(steps.compactMap(\.error))")
        return (workspace, run, steps)
    }

    /// Replays `run` with services that count and refuse every call.
    func replay(_ run: WorkflowRun, in workspace: WorkspaceID) async throws -> (WorkflowRun, [WorkflowStep], Refusing) {
        let refusing = Refusing()
        let harness = Harness(Self.store, claude: refusing) { $0 = refusing.suite(from: $0) }
        let started = try await harness.service.replay(run.id, by: "ops", workspace: workspace)
        let (replayed, steps) = try await harness.wait(for: started.run.id, in: workspace, until: [.succeeded, .failed, .rejected])
        await harness.stop()
        return (replayed, steps, refusing)
    }

    func outputs(_ steps: [WorkflowStep]) -> [String: JSONValue] {
        Dictionary(uniqueKeysWithValues: steps.map { ($0.stepKey, $0.output ?? .null) })
    }

    func byStep(_ events: [RunEvent]) -> [String: [RunEvent.Name]] {
        Dictionary(grouping: events) { $0.data["step_key"]?.stringValue ?? "" }.mapValues { $0.map(\.event) }
    }

    /// The steps whose outputs differ, each with its two outputs (empty when they all match).
    func differences(_ replayed: [WorkflowStep], _ recorded: [WorkflowStep]) -> [String] {
        let (mine, theirs) = (outputs(replayed), outputs(recorded))
        return theirs.keys.sorted().filter { mine[$0] != theirs[$0] }.map {
            "\($0):\n  replay:   \(mine[$0]?.jsonString ?? "none")\n  recorded: \(theirs[$0]!.jsonString)"
        }
    }

    @Test func aProfileAuditReplaysExactlyWithoutCallingAnythingOrSpending() async throws {
        let (workspace, original, recordedSteps) = try await record("profile_audit")
        let (replay, steps, refusing) = try await replay(original, in: workspace)
        #expect(replay.status == .succeeded, "\(steps.compactMap(\.error))")
        #expect(replay.replayOf == original.id)
        #expect(differences(steps, recordedSteps) == [])
        #expect(replay.reportMd == original.reportMd && replay.reportMd != nil)
        #expect(refusing.calls == 0, "no Claude or provider call: \(refusing.log)")
        #expect(replay.totalCostUsd == 0 && original.totalCostUsd > 0)
        let events = try await Harness(Self.store, runLoop: false).events(replay.id, in: workspace)
        let recordedEvents = try await Harness(Self.store, runLoop: false).events(original.id, in: workspace)
        #expect(byStep(events) == byStep(recordedEvents), "each step's events, in order (parallel steps interleave freely)")
        #expect(events.last?.event == .runCompleted && events.last?.data["status"] == "succeeded")
    }

    @Test func aCampaignLaunchReplaysThroughItsRecordedApprovalWithoutPostingAgain() async throws {
        let (workspace, original, recordedSteps) = try await record("campaign_launch", inputs: ["budget_usd": 40], note: "Ship it")
        let posts = try await Self.store.database.withWorkspace(workspace) { c in
            try c.query("SELECT count(*) AS n FROM tiktok_posts").first!.int("n")
        }
        let (replay, steps, refusing) = try await replay(original, in: workspace)
        #expect(replay.status == .succeeded, "\(steps.compactMap(\.error))")
        #expect(differences(steps, recordedSteps) == [])
        #expect(replay.reportMd == original.reportMd)
        #expect(refusing.calls == 0, "\(refusing.log)")
        #expect(replay.totalCostUsd == 0)
        let (gate, postsAfter) = try await Self.store.database.withWorkspace(workspace) { c in
            (
                try ApprovalRepository.forRun(replay.id, on: c).first,
                try c.query("SELECT count(*) AS n FROM tiktok_posts").first!.int("n")
            )
        }
        #expect(gate?.status == .approved && gate?.decisionNote == "Ship it" && gate?.decidedByName == "Dana")
        #expect(postsAfter == posts, "the publisher's recorded output is restored: nothing is posted or recorded as posted again")
    }

    @Test func aPostLaunchLoopReplaysTheBaselineItReadNotTheOneStoredSince() async throws {
        let (workspace, original, recordedSteps) = try await record("post_launch_loop", handle: "@brewlab", inputs: [:])
        try await Self.store.database.withWorkspace(workspace) { c in
            let account = UUID()
            let details = AccountRepository.Connect(
                kind: .tiktok, externalId: "7106594312292453675", handle: "@brewlab", displayName: nil, scopes: [], expiresAt: nil,
                refreshExpiresAt: nil)
            _ = try AccountRepository.connect(
                id: account, details, tokens: .init(access: Array(repeating: 1, count: 40), refresh: nil, keyId: "test"),
                workspace: workspace, on: c)
            try MetricsRepository.upsertVideoDay(
                account: account, videoId: "v_new", day: "2026-12-01", views: 900_000, likes: 1000, comments: 10, shares: 5,
                workspace: workspace, on: c)
            #expect(try MetricsRepository.videoBaseline(on: c).videos == 1, "a re-run would read a new baseline")
        }
        let (replay, steps, refusing) = try await replay(original, in: workspace)
        #expect(replay.status == .succeeded, "\(steps.compactMap(\.error))")
        #expect(differences(steps, recordedSteps) == [])
        #expect(replay.reportMd == original.reportMd)
        #expect(refusing.calls == 0, "\(refusing.log)")
    }

    @Test func aChangedPromptFailsTheStepShowingTheDifference() async throws {
        let (workspace, original, _) = try await record("profile_audit")
        _ = try await Self.store.database.withWorkspace(workspace) { c in
            try c.query(
                """
                UPDATE tiktok_agent_steps SET user_prompt = user_prompt || E'\\nAlso rate the logo.'
                WHERE kind = 'llm_call' AND agent_run_id = (SELECT agent_run_id FROM tiktok_workflow_steps WHERE run_id = \(original.id) AND step_key = 'audience_analyst')
                """)
        }
        let (replay, steps, refusing) = try await replay(original, in: workspace)
        #expect(replay.status == .failed)
        let failed = try #require(steps.first { $0.stepKey == "audience_analyst" })
        #expect(failed.status == .failed)
        #expect(
            failed.error?.contains("user prompt of Claude call messages.create differs from the recording") == true, "\(failed.error ?? "")"
        )
        #expect(failed.error?.contains("\n- ") == true && failed.error?.contains(": Also rate the logo.") == true, "\(failed.error ?? "")")
        #expect(refusing.calls == 0)
    }

    @Test func anEvaluationOfFiveRunsOnASecondModelReportsBothCostsFromThePriceTableAndTheDiffs() async throws {
        var recorded: [WorkflowRun] = []
        let harness = Harness(Self.store)
        let (space, first) = try await harness.brief("@evalbrand")
        // Five briefs of one account, so the five syntheses are asked five different prompts.
        var briefs = [first]
        for season in ["Summer", "Autumn", "Winter", "Holiday"] {
            briefs.append(
                try await harness.database.withWorkspace(space) { c in
                    try BriefRepository.create(
                        NewBrief(handle: "@evalbrand", notes: "\(season) launch", inputs: first.inputs), workspace: space, on: c)
                })
        }
        for brief in briefs {
            let started = try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: space)
            recorded.append(try await harness.wait(for: started.run.id, in: space, until: [.succeeded]).0)
        }
        await harness.stop()
        let refusing = Refusing()
        let claude = CountingClaude()
        let evaluator = Harness(Self.store, claude: claude) {
            $0 = refusing.suite(from: $0)
            $0.claude = claude
        }
        let bad = await #expect(throws: AppError.self) {
            try await evaluator.orchestration.evaluations.start(
                EvaluationRequest(handle: "@evalbrand", models: ["synthesis": "claude-nonexistent"]), by: nil, workspace: space)
        }
        #expect(bad?.status == 400 && bad?.message.contains("models.synthesis") == true)
        let evaluation = try await evaluator.orchestration.evaluations.start(
            EvaluationRequest(handle: "@evalbrand", limit: 5, models: ["synthesis": "claude-sonnet-5-5"]), by: "ops", workspace: space)
        #expect(evaluation.name == "synthesis on claude-sonnet-5-5")
        var report = try await evaluator.orchestration.evaluations.report(evaluation.id, workspace: space)
        try await eventually("the five re-runs end", within: .seconds(240)) {
            report = try await evaluator.orchestration.evaluations.report(evaluation.id, workspace: space)
            return report.ended == 5
        }
        await evaluator.stop()
        #expect(report.evaluation.status == .finished)
        #expect(Set(report.pairs.map(\.source.id)) == Set(recorded.map(\.id)))
        #expect(refusing.calls == 0, "providers answered from the recordings: \(refusing.log)")
        #expect(claude.calls == report.after.calls && claude.calls == 30, "every Claude call asked again")
        #expect(abs(report.before.costUsd - recorded.reduce(0) { $0 + $1.totalCostUsd }) < 0.000001)
        for pair in report.pairs {
            #expect(pair.run.status == .succeeded && pair.valid, "\(pair.steps.compactMap(\.error))")
            for call in pair.calls {
                let after = try #require(call.after)
                let usage = ClaudeUsage(json: after.response?["usage"] ?? [:])
                let priced = try #require(ModelCatalog.standard.cost(model: after.model ?? "", usage: usage))
                #expect(abs(after.costUsd - priced) < 0.000001, "\(call.agent) costs what the price table says")
                #expect(after.promptVersion != nil && after.promptVersion == call.before?.promptVersion)
                #expect(after.model == (call.agent == "synthesis" ? "claude-sonnet-5-5" : call.before?.model))
            }
            #expect(pair.calls.first { $0.agent == "synthesis" }?.before?.model == "claude-opus-5-5")
            #expect(pair.reportDiff.isEmpty == (pair.source.reportMd == pair.run.reportMd))
            #expect(pair.changedSteps.map(\.key) == (pair.reportDiff.isEmpty ? [] : ["synthesis"]), "only the synthesis changed model")
        }
        // The mock writes by model and prompt, so across five briefs Sonnet's reports differ somewhere.
        let changed = try #require(report.pairs.first { !$0.reportDiff.isEmpty })
        #expect(changed.reportDiff.contains("\n+ ") || changed.reportDiff.hasPrefix("+ "))
        #expect(changed.reportDiff.contains("\n- ") || changed.reportDiff.hasPrefix("- "))
        let synthesis = report.pairs.flatMap(\.calls).filter { $0.agent == "synthesis" }
        let (opus, sonnet) = (synthesis.reduce(0) { $0 + ($1.before?.costUsd ?? 0) }, synthesis.reduce(0) { $0 + ($1.after?.costUsd ?? 0) })
        #expect(sonnet > 0 && sonnet < opus, "Sonnet writes the five syntheses for less than Opus: \(sonnet) vs \(opus)")
        #expect(report.json["totals"]?["before"]?["cost_usd"]?.doubleValue == report.before.costUsd)
        #expect(report.json["runs"]?.arrayValue?.count == 5)
        let again = await #expect(throws: AppError.self) {
            try await evaluator.orchestration.evaluations.cancel(evaluation.id, by: nil, workspace: space)
        }
        #expect(again?.status == 409)
    }

    @Test func anEvaluationIsBilledToTheClaudeCapAndCanBeCancelled() async throws {
        let (workspace, original, _) = try await record("profile_audit", handle: "@capbrand")
        try await Self.store.database.withWorkspace(workspace) {
            try SpendLedgerRepository.setCaps(workspace: workspace, claudeDailyUsd: 0, adsDailyUsd: nil, on: $0)
        }
        let capped = Harness(Self.store)
        let refused = try await capped.orchestration.evaluations.start(
            EvaluationRequest(runs: [original.id]), by: nil, workspace: workspace)
        var report = try await capped.orchestration.evaluations.report(refused.id, workspace: workspace)
        try await eventually("the capped re-run ends", within: .seconds(120)) {
            report = try await capped.orchestration.evaluations.report(refused.id, workspace: workspace)
            return report.ended == 1
        }
        await capped.stop()
        let pair = try #require(report.pairs.first)
        #expect(pair.run.status == .failed && !pair.valid)
        #expect(pair.steps.contains { $0.error?.contains("cap") == true }, "\(pair.steps.compactMap(\.error))")
        #expect(report.after.costUsd == 0 && report.json["totals"]?["invalid_runs"] == 1)

        try await Self.store.database.withWorkspace(workspace) {
            try SpendLedgerRepository.setCaps(workspace: workspace, claudeDailyUsd: nil, adsDailyUsd: nil, on: $0)
        }
        let slow = Harness(Self.store, claude: MockClaude(latency: .seconds(30)))
        let evaluation = try await slow.orchestration.evaluations.start(
            EvaluationRequest(runs: [original.id]), by: nil, workspace: workspace)
        try await eventually("a re-run step is running") {
            try await Self.store.database.withWorkspace(workspace) { c in
                guard let run = try EvaluationRepository.runs(evaluation.id, on: c).first else { return false }
                return try StepRepository.list(run: run.id, on: c).contains { $0.status == .running }
            }
        }
        let cancelled = try await slow.orchestration.evaluations.cancel(evaluation.id, by: "ops", workspace: workspace)
        let rerun = try await Self.store.database.withWorkspace(workspace) { try EvaluationRepository.runs(evaluation.id, on: $0) }.first!
        let (ended, _) = try await slow.wait(for: rerun.id, in: workspace, until: [.cancelled])
        await slow.stop()
        #expect(cancelled.status == .cancelled && cancelled.completedAt != nil && ended.status == .cancelled)
    }

    @Test func aRunStillGoingCannotBeReplayed() async throws {
        let harness = Harness(Self.store, runLoop: false)
        let (workspace, brief) = try await harness.brief()
        let started = try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace)
        let refused = await #expect(throws: AppError.self) {
            try await harness.service.replay(started.run.id, workspace: workspace)
        }
        #expect(refused?.status == 409 && refused?.message.contains("once it has ended") == true)
        await harness.stop()
    }
}

/// Claude and every TikTok, Shopify and studio service at once: each call is counted and refused.
final class Refusing: ClaudeClient, TikTokResearchAPI, TikTokBusinessAPI, TikTokEngagementAPI, TikTokAdsAPI, TikTokShopAPI,
    ShopifyInventoryAPI, VideoPublisher, StudioAPI, @unchecked Sendable
{
    private let recorded = Locked<[String]>([])
    var calls: Int { recorded.value.count }
    var log: [String] { recorded.value }

    func suite(from mock: ProviderSuite) -> ProviderSuite {
        var suite = mock
        (suite.claude, suite.research, suite.business, suite.engagement, suite.ads) = (self, self, self, self, self)
        (suite.shop, suite.shopify, suite.publisher, suite.studio) = (self, self, self, self)
        return suite
    }

    private func refuse(_ name: String) -> ProviderError {
        recorded.mutate { $0.append(name) }
        return ProviderError(provider: "refusing", code: "called", message: "\(name) was called during a replay")
    }

    func send(_ request: ClaudeRequest) async throws -> ClaudeResponse { throw refuse("claude") }
    func userInfo(handle: String) async throws -> TikTokProfile { throw refuse("userInfo") }
    func videos(handle: String, days: Int, until: Date, limit: Int) async throws -> [TikTokVideo] { throw refuse("videos") }
    func hashtagVideos(_ hashtags: [String], days: Int, until: Date, limit: Int) async throws -> [TikTokVideo] {
        throw refuse("hashtagVideos")
    }
    func comments(videoId: String, limit: Int) async throws -> [TikTokComment] { throw refuse("comments") }
    func audience(handle: String) async throws -> AudienceInsights { throw refuse("audience") }
    func recentVideos(handle: String, limit: Int) async throws -> [TikTokVideo] { throw refuse("recentVideos") }
    func accountMetrics(handle: String?, from: Date, to: Date) async throws -> [AccountDayMetrics] { throw refuse("accountMetrics") }
    func replies(videoId: String, commentId: String) async throws -> [TikTokComment] { throw refuse("replies") }
    func reply(videoId: String, commentId: String, text: String) async throws -> String { throw refuse("reply") }
    func prepare(_ campaign: CampaignSpec, idempotencyKey: String) async throws -> PreparedCampaign { throw refuse("prepare") }
    func createAds(_ campaign: PreparedCampaign, spec: CampaignSpec, postIds: [String]) async throws -> [String] {
        throw refuse("createAds")
    }
    func setStatus(campaignId: String, enabled: Bool) async throws { throw refuse("setStatus") }
    func updateBudget(campaignId: String, dailyBudgetUsd: Double) async throws { throw refuse("updateBudget") }
    func searchProducts(pageSize: Int) async throws -> [ShopProduct] { throw refuse("searchProducts") }
    func levels(sku: String) async throws -> [InventoryLevel] { throw refuse("levels") }
    func publish(videoPath: String, caption: String, handle: String?) async throws -> PublishResult { throw refuse("publish") }
    func render(_ request: RenderRequest, into directory: String) async throws -> String { throw refuse("render") }
}

/// The mock Claude, counting the calls it answers.
final class CountingClaude: ClaudeClient, @unchecked Sendable {
    private let inner = MockClaude()
    private let count = Locked(0)
    var calls: Int { count.value }

    func send(_ request: ClaudeRequest) async throws -> ClaudeResponse {
        count.mutate { $0 += 1 }
        return try await inner.send(request)
    }
}
