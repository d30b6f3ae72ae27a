import Core
import Foundation
import Persistence
import Providers
import TestSupport
import Testing

@testable import Agents

@Suite(.serialized) struct AgentRosterTests {
    /// Runs every agent once, feeding upstream outputs downstream like the workflows do.
    static func runAll(_ runner: AgentRunner, workspace: WorkspaceID, handle: String = "@glowco") async throws -> [String: AgentRunResult] {
        var results: [String: AgentRunResult] = [:]
        let base: [String: JSONValue] = ["handle": .string(handle), "notes": "Spring launch of the serum"]
        func run(_ name: String, _ extra: [String: JSONValue] = [:]) async throws {
            results[name] = try await runner.run(name, input: .object(base.merging(extra) { $1 }), workspace: workspace)
        }
        for name in [
            "profile_auditor", "content_analyzer", "audience_analyst", "competitor_benchmarker", "trend_scout", "performance_analyst",
            "comment_triage",
        ] {
            try await run(name)
        }
        try await run("content_strategist", ["trends": results["trend_scout"]!.output, "audience": results["audience_analyst"]!.output])
        try await run("script_writer", ["strategy": results["content_strategist"]!.output])
        try await run("content_producer", ["scripts": results["script_writer"]!.output])
        try await run("caption_writer", ["scripts": results["script_writer"]!.output, "assets": results["content_producer"]!.output])
        try await run("compliance_reviewer", ["scripts": results["script_writer"]!.output, "captions": results["caption_writer"]!.output])
        try await run("shop_catalog_manager", ["approved": true, "captions": results["caption_writer"]!.output])
        try await run(
            "publisher",
            [
                "approved": true, "assets": results["content_producer"]!.output, "captions": results["caption_writer"]!.output,
                "replies": results["comment_triage"]!.output,
            ])
        try await run("ads_campaign_manager", ["budget_usd": 40, "captions": results["caption_writer"]!.output])
        try await run("campaign_operator", ["approved": false, "action": "launch"])
        return results
    }

    @Test func everyAgentProducesValidOutputAndExactTraceFigures() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let environment = AgentTestSupport.environment()
        let results = try await Self.runAll(AgentRunner(environment: environment), workspace: workspace)
        #expect(Set(results.keys) == Set(Catalog.specs.map(\.name)))
        for spec in Catalog.specs {
            let result = try #require(results[spec.name])
            try spec.validateOutput(result.output)
            let trace = try await AgentTestSupport.trace(result.agentRunId, workspace: workspace)
            for call in trace where call.kind == .llmCall {
                // Re-ask the deterministic mock with the traced prompts: the traced answer must match exactly.
                let replayed = try await MockClaude().send(
                    ClaudeRequest(
                        model: try #require(call.model), maxTokens: 2048, system: [SystemBlock(try #require(call.systemPrompt))],
                        messages: [ClaudeMessage(role: .user, text: try #require(call.userPrompt))]))
                #expect(call.responseText == replayed.text && call.outputTokens == replayed.usage.outputTokens, "\(spec.name)")
                // The traced cost is the model's price of the traced counters (the row keeps the 5m/1h split).
                let usage = ClaudeUsage(json: try #require(call.response?["usage"]))
                #expect(
                    usage.inputTokens == call.inputTokens && usage.cacheCreationInputTokens == call.cacheCreationInputTokens
                        && usage.cacheReadInputTokens == call.cacheReadInputTokens && usage.outputTokens == call.outputTokens,
                    "\(spec.name)")
                #expect(usage.totalInputTokens >= MockClaude.tokens(try #require(call.systemPrompt)), "\(spec.name)")
                let cost = try #require(environment.providers.models.cost(model: call.model!, usage: usage))
                #expect(abs(call.costUsd - cost) < 1e-8, "\(spec.name): traced \(call.costUsd) vs \(cost)")
            }
            let row = try #require(try await AgentTestSupport.agentRun(result.agentRunId, workspace: workspace))
            #expect(abs(row.costUsd - trace.reduce(0) { $0 + $1.costUsd }) < 1e-8, "\(spec.name) cost is the sum of its trace")
        }
        let assets = results["content_producer"]!.output["assets"]?.arrayValue ?? []
        #expect(!assets.isEmpty && assets.allSatisfy { $0["width"] == 1080 && $0["height"] == 1920 })
        #expect(
            assets.allSatisfy {
                $0["path"] == nil && $0["url"]?.stringValue == "/api/dashboard/media/\($0["asset_id"]?.stringValue ?? "").mp4"
            })
        let producerTrace = try await AgentTestSupport.trace(results["content_producer"]!.agentRunId, workspace: workspace)
        let folder = environment.mediaDir
        #expect(
            !producerTrace.isEmpty && producerTrace.allSatisfy { !"\($0.request ?? .null) \($0.response ?? .null)".contains(folder) },
            "no server path in a trace row")
        #expect(
            !results["content_producer"]!.output.jsonString.contains(folder) && !results["publisher"]!.output.jsonString.contains(folder))
        #expect(results["comment_triage"]!.output["replies"]?.arrayValue?.isEmpty == false)
        #expect(results["ads_campaign_manager"]!.output["prepared"] == true)
        let spent = try await TestDatabase.database.withWorkspace(workspace) { c in
            (try SpendLedgerRepository.spentToday(.claude, on: c), try SpendLedgerRepository.spentToday(.ads, on: c))
        }
        let traced = try await TestDatabase.database.withWorkspace(workspace) { c in
            try c.query("SELECT sum(cost_usd) AS s FROM tiktok_agent_steps").first!.double("s")
        }
        #expect(abs(spent.0 - traced) < 1e-6, "the Claude ledger holds exactly the traced cost")
        #expect(spent.1 == 0, "preparing a campaign charges nothing; the launch after approval does")
    }

    @Test func replayReproducesARecordedRunWithoutCallingClaude() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        // Provider data depends on the time, so both runs see the same clock: the same inputs.
        let clock = Clock.fixed(Date(timeIntervalSince1970: 1_800_000_000))
        let recorded = try await AgentRunner(environment: AgentTestSupport.environment(clock: clock)).run(
            "trend_scout", input: ["handle": "@replayme"], workspace: workspace)
        let never = FailingClaude()
        let replay = AgentRunner(environment: AgentTestSupport.environment(claude: never, mode: .replay, clock: clock))
        let replayed = try await replay.run("trend_scout", input: ["handle": "@replayme"], workspace: workspace)
        #expect(replayed.output.jsonString == recorded.output.jsonString)
        #expect(replayed.costUsd == 0)
        #expect(never.calls.next() == 1, "the Claude transport was never used")
        let missing = await #expect(throws: AgentError.self) {
            try await replay.run("trend_scout", input: ["handle": "@never_recorded"], workspace: workspace)
        }
        #expect(missing?.message.contains("no recorded Claude call for agent trend_scout") == true)
    }

    @Test func aSpendCapAllowingTenLetsExactlyTenOfFiftyConcurrentChargesThrough() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        try await TestDatabase.database.withWorkspace(workspace) {
            try SpendLedgerRepository.setCaps(workspace: workspace, claudeDailyUsd: 1.0, adsDailyUsd: nil, on: $0)
        }
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for i in 0..<50 {
                group.addTask {
                    do {
                        try await TestDatabase.database.withWorkspace(workspace) { c in
                            try SpendLedgerRepository.charge(.claude, amount: 0.1, reference: "call-\(i)", on: c)
                        }
                        return (i, true)
                    } catch let refusal as SpendCapExceeded {
                        #expect(refusal.category == .claude && refusal.limitUsd == 1.0)
                        return (i, false)
                    } catch {
                        Issue.record("charge \(i) failed with \(error), not a cap refusal")
                        return (i, false)
                    }
                }
            }
            return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        let charged = outcomes.filter(\.value).map(\.key)
        #expect(charged.count == 10)
        let spent = try await TestDatabase.database.withWorkspace(workspace) { try SpendLedgerRepository.spentToday(.claude, on: $0) }
        #expect(abs(spent - 1.0) < 1e-9)
        // Charging a reference again changes nothing, even at the cap.
        let again = try #require(charged.first)
        func ledger() async throws -> (Double, Int) {
            try await TestDatabase.database.withWorkspace(workspace) { c in
                (
                    try SpendLedgerRepository.spentToday(.claude, on: c),
                    try c.query("SELECT count(*) AS n FROM tiktok_spend_ledger").first!.int("n")
                )
            }
        }
        let before = try await ledger()
        try await TestDatabase.database.withWorkspace(workspace) { c in
            try SpendLedgerRepository.charge(.claude, amount: 0.1, reference: "call-\(again)", on: c)
        }
        let after = try await ledger()
        #expect(after.0 == before.0 && after.1 == before.1 && after.1 == 10, "the day's total and the ledger rows are unchanged")
    }

    @Test func aClaudeCallOverTheCapFailsNamingTheCap() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        try await TestDatabase.database.withWorkspace(workspace) {
            try SpendLedgerRepository.setCaps(workspace: workspace, claudeDailyUsd: 0.0001, adsDailyUsd: nil, on: $0)
        }
        let claude = ScriptedClaude(text: "{}")
        let error = await #expect(throws: AgentError.self) {
            try await AgentRunner(environment: AgentTestSupport.environment(claude: claude)).run(
                "audience_analyst", input: ["handle": "@a"], workspace: workspace)
        }
        #expect(error?.kind == .spendCap)
        #expect(error?.message.contains("Claude daily spend cap exceeded: limit $0.00") == true)
        #expect(claude.calls.next() == 1, "checked before the call")
    }

    @Test func theAdsManagerRefusesABudgetOverTheCapBeforeCreatingAnything() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let ads = CountingAds()
        try await TestDatabase.database.withWorkspace(workspace) {
            try SpendLedgerRepository.setCaps(workspace: workspace, claudeDailyUsd: nil, adsDailyUsd: 100, on: $0)
        }
        let runner = AgentRunner(environment: AgentTestSupport.environment { $0.ads = ads })
        for budget in [150, 0, -5] {
            let error = await #expect(throws: AgentError.self) {
                try await runner.run("ads_campaign_manager", input: ["handle": "@a", "budget_usd": .number(budget)], workspace: workspace)
            }
            #expect(error?.kind == .invalidInput && error?.message.contains("budget_usd") == true, "\(String(describing: error))")
        }
        #expect(ads.launches.next() == 1, "no campaign was created")
        let prepared = try await runner.run("ads_campaign_manager", input: ["handle": "@a", "budget_usd": 60], workspace: workspace)
        #expect(
            prepared.output["prepared"] == true && prepared.output["budget_usd"] == 60 && prepared.output["ad_text"]?.stringValue != nil)
    }

    /// A Campaign Launch run whose campaign the ads manager prepared, and the runner that did it.
    static func preparedCampaign(_ ads: CountingAds, cap: Double = 100) async throws -> (WorkspaceID, AgentRunner, WorkflowRun) {
        let (workspace, _) = try await TestDatabase.workspace()
        try await TestDatabase.database.withWorkspace(workspace) {
            try SpendLedgerRepository.setCaps(workspace: workspace, claudeDailyUsd: nil, adsDailyUsd: cap, on: $0)
        }
        let runner = AgentRunner(environment: AgentTestSupport.environment { $0.ads = ads })
        let run = try await TestDatabase.database.withWorkspace(workspace) { c in
            try RunRepository.create(
                workspace: workspace, workflowId: nil, workflowSlug: "campaign_launch", briefId: nil, input: [:], on: c)
        }
        _ = try await runner.run(
            "ads_campaign_manager", input: ["handle": "@a", "budget_usd": 60], workspace: workspace, workflowRun: run.id)
        return (workspace, runner, run)
    }

    @Test func aLaunchThatFailsAfterApprovalSwitchesTheCampaignOffAndReleasesTheCharge() async throws {
        var ads = CountingAds()
        ads.refuseEnable = true
        let (workspace, runner, run) = try await Self.preparedCampaign(ads)
        let error = await #expect(throws: AgentError.self) {
            try await runner.run(
                "campaign_operator", input: ["handle": "@a", "approved": true, "budget_usd": 60, "action": "launch"], workspace: workspace,
                workflowRun: run.id)
        }
        #expect(error?.message.contains("was switched off; nothing was published") == true, "\(String(describing: error))")
        #expect(ads.enables.next() == 2 && ads.disables.next() == 2, "one enable refused, one disable sent")
        let (spent, campaign) = try await TestDatabase.database.withWorkspace(workspace) { c in
            (try SpendLedgerRepository.spentToday(.ads, on: c), try CommerceRepository.campaign(key: "\(run.id):ads", on: c))
        }
        #expect(spent == 0 && campaign?.status == .disabled)
    }

    @Test func theLaunchChargesTheApprovedBudgetOnceAndRefusesOneOverWhatIsLeft() async throws {
        let ads = CountingAds()
        let (workspace, runner, run) = try await Self.preparedCampaign(ads, cap: 100)
        try await TestDatabase.database.withWorkspace(workspace) {
            try SpendLedgerRepository.charge(.ads, amount: 50, reference: "other-campaign", on: $0)
        }
        let over = await #expect(throws: AgentError.self) {
            try await runner.run(
                "campaign_operator", input: ["handle": "@a", "approved": true, "budget_usd": 60, "action": "launch"], workspace: workspace,
                workflowRun: run.id)
        }
        #expect(over?.message.contains("more than is left of today's ads cap ($50.00 of $100.00)") == true, "\(String(describing: over))")
        #expect(ads.enables.next() == 1, "nothing was switched on")
        for _ in 0..<2 {
            let launched = try await runner.run(
                "campaign_operator", input: ["handle": "@a", "approved": true, "budget_usd": 40, "action": "launch"], workspace: workspace,
                workflowRun: run.id)
            #expect(launched.output["status"] == "live")
        }
        let spent = try await TestDatabase.database.withWorkspace(workspace) { try SpendLedgerRepository.spentToday(.ads, on: $0) }
        #expect(spent == 90 && ads.enables.next() == 3, "charged and enabled once")
    }

    @Test func anApprovedBudgetChangeIsAppliedOnce() async throws {
        let ads = CountingAds()
        let (workspace, runner, run) = try await Self.preparedCampaign(ads)
        _ = try await runner.run(
            "campaign_operator", input: ["handle": "@a", "approved": true, "budget_usd": 60, "action": "launch"], workspace: workspace,
            workflowRun: run.id)
        let campaign = try #require(
            try await TestDatabase.database.withWorkspace(workspace) { try CommerceRepository.latestLiveCampaign(on: $0) })
        let change: JSONValue = [
            "campaign_id": .string(campaign.id.uuidString), "external_id": .string(campaign.externalId!), "from_usd": 60, "to_usd": 66,
        ]
        for _ in 0..<2 {
            let applied = try await runner.run(
                "campaign_operator", input: ["handle": "@a", "approved": true, "budget_change": change, "action": "budget"],
                workspace: workspace, workflowRun: run.id)
            #expect(applied.output["status"] == "applied")
        }
        #expect(ads.budgets.next() == 2, "one /campaign/update/ call")
        let after = try await TestDatabase.database.withWorkspace(workspace) { try CommerceRepository.latestLiveCampaign(on: $0) }
        #expect(after?.budgetUsd == 66)
        let tooMuch = await #expect(throws: AgentError.self) {
            try await runner.run(
                "campaign_operator",
                input: ["handle": "@a", "approved": true, "budget_change": change.merging(["to_usd": 500]), "action": "budget"],
                workspace: workspace, workflowRun: run.id)
        }
        #expect(tooMuch?.message.contains("budget_change.to_usd") == true)
    }

    /// A workspace with a Campaign Launch run and one video in its media folder, and a runner whose
    /// publisher counts posts.
    static func publishing() async throws -> (WorkspaceID, CountingPublisher, AgentRunner, WorkflowRun, String) {
        let (workspace, _) = try await TestDatabase.workspace()
        let publisher = CountingPublisher()
        let runner = AgentRunner(environment: AgentTestSupport.environment { $0.publisher = publisher })
        let run = try await TestDatabase.database.withWorkspace(workspace) { c in
            try RunRepository.create(
                workspace: workspace, workflowId: nil, workflowSlug: "campaign_launch", briefId: nil, input: [:], on: c)
        }
        let assetId = "publish-\(UUID().uuidString.lowercased())"
        let folder = AgentTestSupport.mediaDir + "/" + workspace.description
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("video".utf8).write(to: URL(fileURLWithPath: MediaAsset.path(assetId, in: folder)))
        return (workspace, publisher, runner, run, assetId)
    }

    @Test func thePublisherPostsAnApprovedItemOnceHoweverOftenItRuns() async throws {
        let (workspace, publisher, runner, run, assetId) = try await Self.publishing()
        let input: JSONValue = [
            "handle": "@a", "approved": true, "assets": ["assets": [["script_title": "T", "asset_id": .string(assetId)]]],
            "captions": ["captions": [["script_title": "T", "caption": "Hi", "hashtags": ["#x"]]]],
        ]
        let first = try await runner.run("publisher", input: input, workspace: workspace, workflowRun: run.id)
        let second = try await runner.run("publisher", input: input, workspace: workspace, workflowRun: run.id)
        #expect(publisher.posts.next() == 2, "exactly one real post")
        #expect(first.output["published"]?.arrayValue?.first?["deduplicated"] == false)
        #expect(second.output["published"]?.arrayValue?.first?["deduplicated"] == true)
        #expect(first.output["published"]?.arrayValue?.first?["publish_id"] == second.output["published"]?.arrayValue?.first?["publish_id"])
        let unapproved = try await runner.run(
            "publisher", input: input.merging(["approved": false]), workspace: workspace, workflowRun: run.id)
        #expect(unapproved.output["skipped"] == "not approved")
        let posts = try await TestDatabase.database.withWorkspace(workspace) { c in
            try c.query("SELECT count(*) AS n FROM tiktok_posts").first!.int("n")
        }
        #expect(posts == 1)
    }

    @Test func aPostLeftPublishingByADeadAgentRunIsTakenOverButALiveOnesIsNot() async throws {
        let (workspace, publisher, runner, run, assetId) = try await Self.publishing()
        let key = "\(run.id):" + Crypto.sha256Hex(assetId).prefix(16)
        // The attempt that claimed the post is still running: another worker must not post it too.
        let holder = try await TestDatabase.database.withWorkspace(workspace) { c in
            let holder = try c.query(
                "INSERT INTO tiktok_agent_runs (workspace_id, agent_name, workflow_run_id) VALUES (\(workspace), 'publisher', \(run.id)) RETURNING id"
            ).first!.string("id")
            try c.query(
                "INSERT INTO tiktok_posts (workspace_id, run_id, caption, idempotency_key, status, claimed_by) VALUES (\(workspace), \(run.id), 'Hi', \(key), 'publishing', \(holder)::uuid)"
            )
            return holder
        }
        let input: JSONValue = [
            "handle": "@a", "approved": true, "assets": ["assets": [["script_title": "T", "asset_id": .string(assetId)]]],
        ]
        let busy = await #expect(throws: AgentError.self) {
            try await runner.run("publisher", input: input, workspace: workspace, workflowRun: run.id)
        }
        #expect(busy?.isTransient == true && busy?.message == "post \(key) is being published by another worker")
        #expect(publisher.posts.next() == 1, "nothing was posted while the claim was alive")
        // Its process died and the engine closed it as abandoned: the next attempt takes the post over.
        try await TestDatabase.database.withWorkspace(workspace) { c in
            _ = try c.query(
                "UPDATE tiktok_agent_runs SET status = 'failed', error = 'abandoned: lease expired' WHERE id = \(holder)::uuid")
        }
        let taken = try await runner.run("publisher", input: input, workspace: workspace, workflowRun: run.id)
        #expect(taken.output["published"]?.arrayValue?.first?["deduplicated"] == false)
        #expect(publisher.posts.next() == 3, "posted once, by the attempt that took over")
        let post = try await TestDatabase.database.withWorkspace(workspace) { c in
            try c.query("SELECT status, external_id FROM tiktok_posts WHERE idempotency_key = \(key)").first!
        }
        #expect(try post.string("status") == "published" && post["external_id"] == "pub-2")
    }
}
