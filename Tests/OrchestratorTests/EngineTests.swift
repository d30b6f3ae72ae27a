import Agents
import Core
import Foundation
import Logging
import Persistence
import Providers
import TestSupport
import Testing

@testable import Orchestrator

@Suite(.serialized) struct EngineTests {
    static let store = TestDatabase.isolated("engine")
    /// Holds every analyst's Claude call until all five have arrived (or fails it after 30 s), so
    /// the run can only succeed if the analysts really run at the same time.
    final class Barrier: ClaudeClient, @unchecked Sendable {
        let lock = NSLock()
        var arrived = 0
        let mock = MockClaude()

        func send(_ request: ClaudeRequest) async throws -> ClaudeResponse {
            if request.purpose != "synthesis" {
                lock.withLock { arrived += 1 }
                let deadline = ContinuousClock.now + .seconds(30)
                while lock.withLock({ arrived }) < 5 {
                    guard ContinuousClock.now < deadline else {
                        throw ClaudeError(kind: .invalidRequest, message: "only \(lock.withLock { arrived }) analysts arrived together")
                    }
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            return try await mock.send(request)
        }
    }

    @Test func profileAuditRunsItsAnalystsInParallelThenSynthesises() async throws {
        let harness = Harness(Self.store, claude: Barrier())
        let (workspace, brief) = try await harness.brief("@glowco")
        let started = try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace)
        #expect(started.streamPath == "/api/dashboard/workflows/runs/\(started.run.id)/stream")
        let (run, steps) = try await harness.wait(for: started.run.id, in: workspace, until: [.succeeded, .failed])
        await harness.stop()
        #expect(run.status == .succeeded)
        #expect(steps.allSatisfy { $0.status == .succeeded })
        let analysts = steps.filter { $0.kind == .agent }
        #expect(analysts.count == 5)
        #expect(analysts.allSatisfy { $0.attempt == 1 }, "all five passed the barrier together on their first attempt")
        let synthesis = steps.first { $0.kind == .synthesis }!
        #expect(synthesis.startedAt! >= analysts.compactMap(\.completedAt).max()!)
        let report = try #require(run.reportMd)
        #expect(report.hasPrefix("# ") && report.contains("@glowco"))
        #expect(abs(run.totalCostUsd - steps.reduce(0) { $0 + $1.costUsd }) < 1e-6 && run.totalCostUsd > 0)
        #expect(run.completedAt != nil && run.totalLatencyMs > 0)
        let events = try await harness.events(run.id, in: workspace)
        #expect(events.map(\.seq) == Array(1...events.count))
        #expect(events.first?.event == .runStarted && events.last?.event == .runCompleted)
        #expect(events.filter { $0.event == .stepSucceeded }.count == 6)
        // Written by the statement that finalises the run, from the row it finalised.
        let completed = try #require(events.last?.data)
        #expect(completed["status"] == "succeeded" && completed["has_report"] == true && completed["error"] == .null)
        #expect(completed["total_cost_usd"]?.doubleValue == run.totalCostUsd)
        #expect(completed["total_latency_ms"]?.intValue == run.totalLatencyMs)
        let briefAfter = try await Self.store.database.withWorkspace(workspace) { try BriefRepository.find(brief.id, on: $0) }
        #expect(briefAfter?.status == .completed)
    }

    @Test func aSucceededStepCostsWhatItsAgentRunCostsInItsRowItsEventAndWhatTheBusPublished() async throws {
        let harness = Harness(Self.store)
        let (workspace, brief) = try await harness.brief("@costedbrand")
        let started = try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace)
        let (run, steps) = try await harness.wait(for: started.run.id, in: workspace, until: [.succeeded, .failed])
        await harness.stop()
        #expect(run.status == .succeeded)
        let agentRuns = try await harness.database.withWorkspace(workspace) { c in
            try c.query("SELECT id::text AS id, cost_usd::float8 AS cost FROM tiktok_agent_runs WHERE workflow_run_id = \(run.id)").rows
                .map { (try $0.string("id"), try $0.double("cost")) }
        }
        let costs = Dictionary(uniqueKeysWithValues: agentRuns)
        let events = try await harness.events(run.id, in: workspace)
        for step in steps {
            let agentRun = try #require(step.agentRunId, "\(step.stepKey) names its agent run")
            let cost = try #require(costs[agentRun.description])
            #expect(cost > 0 && step.costUsd == cost, "\(step.stepKey) costs what its agent run cost")
            let succeeded = events.first { $0.event == .stepSucceeded && $0.data["step_key"]?.stringValue == step.stepKey }
            #expect(succeeded?.data["cost_usd"]?.doubleValue == cost, "\(step.stepKey)'s event carries its cost")
            #expect(succeeded?.data["agent_run_id"]?.stringValue == agentRun.description)
        }
        let published = try await harness.orchestration.bus.read(run.id, workspace: workspace, after: 0)
        #expect(published == events, "the events the bus published are those the table holds")
    }

    @Test func aProfileAuditsAgentsShareOneCachedBrandPrefixAndTheSecondRunReadsIt() async throws {
        // One step at a time: analysts running at once can each send the prefix before any answer
        // has written it, and then each writes it, as Claude's cache does.
        let harness = Harness(Self.store, concurrency: 1)
        let (workspace, brief) = try await harness.brief("@cachedbrand")
        func llmCalls(_ run: WorkflowRunID) async throws -> [(agent: String, model: String, write: Int, read: Int)] {
            try await harness.database.withWorkspace(workspace) { c in
                try c.query(
                    """
                    SELECT a.agent_name, s.model, s.cache_creation_input_tokens AS w, s.cache_read_input_tokens AS r FROM tiktok_agent_steps s
                    JOIN tiktok_agent_runs a ON a.id = s.agent_run_id WHERE a.workflow_run_id = \(run) AND s.kind = 'llm_call' ORDER BY s.created_at
                    """
                ).rows.map { (try $0.string("agent_name"), try $0.string("model"), try $0.int("w"), try $0.int("r")) }
            }
        }
        let first = try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace).run.id
        _ = try await harness.wait(for: first, in: workspace, until: [.succeeded, .failed])
        let context = try #require(
            try await harness.database.withWorkspace(workspace) { try RunContextRepository.find(run: first, on: $0) })
        let prefix = MockClaude.tokens(PromptLayout.houseGuide) + MockClaude.tokens(context.text)
        let calls = try await llmCalls(first)
        let analysts = calls.filter { $0.agent != "synthesis" }
        #expect(analysts.count == 5 && analysts.allSatisfy { $0.model == "claude-sonnet-5-5" })
        #expect(calls.first { $0.agent == "synthesis" }?.model == "claude-opus-5-5", "the synthesis is strong-tier")
        // Rows are ordered by when each call began, not by when it reached the cache: find the writer.
        let writers = analysts.filter { $0.read == 0 }
        #expect(
            writers.count == 1 && (writers.first?.write ?? 0) > prefix,
            "one call writes the guide, the brand context and its instructions: \(analysts)")
        for later in analysts where later.read != 0 {
            #expect(later.read == prefix, "\(later.agent) reads the shared prefix")
            #expect(
                later.write > 0 && later.write < (writers.first?.write ?? 0) - prefix + 400,
                "\(later.agent) writes only its own instructions")
        }
        // A second run of the same brand reuses the brand context byte for byte and reads the prefix from its first call.
        let second = try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace).run.id
        _ = try await harness.wait(for: second, in: workspace, until: [.succeeded, .failed])
        await harness.stop()
        let reused = try await harness.database.withWorkspace(workspace) { try RunContextRepository.find(run: second, on: $0) }
        #expect(reused?.text == context.text)
        let again = try await llmCalls(second)
        #expect(again.filter { $0.agent != "synthesis" }.allSatisfy { $0.read >= prefix }, "\(again)")
        #expect(again.first { $0.agent == "synthesis" }.map { $0.read > 0 } == true)
    }

    @Test func aSpendCapReachedMidRunFailsTheStepsThatWouldPassItWithoutRetries() async throws {
        let harness = Harness(Self.store)
        let (workspace, brief) = try await harness.brief("@capped")
        // Room for about one call's upper-bound reservation, not for five at once.
        try await harness.database.withWorkspace(workspace) {
            try SpendLedgerRepository.setCaps(workspace: workspace, claudeDailyUsd: 0.05, adsDailyUsd: nil, on: $0)
        }
        let started = try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace)
        let (run, steps) = try await harness.wait(for: started.run.id, in: workspace, until: [.succeeded, .failed])
        await harness.stop()
        #expect(run.status == .failed)
        let capped = steps.filter { $0.status == .failed }
        #expect(
            !capped.isEmpty
                && capped.allSatisfy { $0.attempt == 1 && $0.error?.contains("Claude daily spend cap exceeded: limit $0.05") == true },
            "\(steps.map { "\($0.stepKey)=\($0.status)/\($0.attempt) \($0.error ?? "")" })")
        let spent = try await harness.database.withWorkspace(workspace) { try SpendLedgerRepository.spentToday(.claude, on: $0) }
        #expect(spent <= 0.05 + 1e-9, "the cap held: \(spent)")
    }

    @Test func campaignLaunchParksForApprovalAndFinishesOnceApproved() async throws {
        let harness = Harness(Self.store)
        let (workspace, brief) = try await harness.brief("@glowco", inputs: ["budget_usd": 75])
        let started = try await harness.service.start(briefId: brief.id, workflowSlug: "campaign_launch", workspace: workspace)
        let (parked, steps) = try await harness.wait(for: started.run.id, in: workspace, until: [.awaitingApproval, .failed])
        #expect(parked.status == .awaitingApproval)
        let order = [
            "trend_scout", "audience_analyst", "content_strategist", "script_writer", "content_producer", "caption_writer",
            "compliance_reviewer",
        ]
        #expect(order.allSatisfy { key in steps.first { $0.stepKey == key }?.status == .succeeded })
        let approvals = try await Self.store.database.withWorkspace(workspace) {
            try ApprovalRepository.list(status: .pending, limit: 10, on: $0)
        }
        let approval = try #require(approvals.first)
        #expect(approval.payload["budget_usd"] == 75)
        #expect(approval.payload["scripts"]?["scripts"]?.arrayValue?.isEmpty == false)
        #expect(approval.payload["captions"] != nil && approval.payload["assets"] != nil && approval.payload["compliance"] != nil)
        _ = try await harness.service.decide(approval.id, approve: true, note: "Ship it", by: nil, workspace: workspace)
        let (done, finalSteps) = try await harness.wait(for: started.run.id, in: workspace, until: [.succeeded, .failed])
        await harness.stop()
        #expect(done.status == .succeeded, "\(finalSteps.map { "\($0.stepKey)=\($0.status) \($0.error ?? "")" })")
        let ads = try #require(finalSteps.first { $0.stepKey == "ads_campaign_manager" })
        #expect(ads.output?["prepared"] == true && ads.output?["budget_usd"] == 75)
        #expect(finalSteps.first { $0.stepKey == "ads_launch" }?.output?["status"] == "live")
        #expect(finalSteps.first { $0.stepKey == "publisher" }?.output?["published"]?.arrayValue?.isEmpty == false)
        #expect(finalSteps.first { $0.stepKey == "ads_attach" }?.output?["ad_ids"]?.arrayValue?.isEmpty == false)
        let second = await #expect(throws: AppError.self) {
            try await harness.service.decide(approval.id, approve: false, note: nil, by: nil, workspace: workspace)
        }
        #expect(second?.status == 409)
    }

    @Test func rejectingEndsTheRunRejectedWithTheReason() async throws {
        let harness = Harness(Self.store)
        let (workspace, brief) = try await harness.brief("@brewlab")
        let started = try await harness.service.start(briefId: brief.id, workflowSlug: "post_launch_loop", workspace: workspace)
        _ = try await harness.wait(for: started.run.id, in: workspace, until: [.awaitingApproval])
        let approval = try await Self.store.database.withWorkspace(workspace) {
            try ApprovalRepository.list(status: .pending, limit: 1, on: $0).first!
        }
        #expect(approval.payload["replies"] != nil)
        _ = try await harness.service.decide(approval.id, approve: false, note: "Replies are too casual", by: nil, workspace: workspace)
        let (run, steps) = try await harness.wait(for: started.run.id, in: workspace, until: [.rejected])
        await harness.stop()
        #expect(run.error == "rejected: Replies are too casual")
        #expect(steps.first { $0.stepKey == "publisher" }?.status == .skipped)
        let events = try await harness.events(run.id, in: workspace)
        #expect(events.suffix(3).map(\.event) == [.approvalDecided, .stepFailed, .runCompleted])
    }

    @Test func postLaunchLoopCompletesWhenApproved() async throws {
        let harness = Harness(Self.store)
        let (workspace, brief) = try await harness.brief("@brewlab")
        let started = try await harness.service.start(briefId: brief.id, workflowSlug: "post_launch_loop", workspace: workspace)
        _ = try await harness.wait(for: started.run.id, in: workspace, until: [.awaitingApproval])
        let approval = try await Self.store.database.withWorkspace(workspace) {
            try ApprovalRepository.list(status: .pending, limit: 1, on: $0).first!
        }
        _ = try await harness.service.decide(approval.id, approve: true, note: nil, by: nil, workspace: workspace)
        let (run, steps) = try await harness.wait(for: started.run.id, in: workspace, until: [.succeeded, .failed])
        await harness.stop()
        #expect(run.status == .succeeded)
        #expect((steps.first { $0.stepKey == "publisher" }?.output?["replies_posted"]?.intValue ?? 0) > 0)
        #expect(steps.first { $0.stepKey == "budget_change" }?.output?["status"] == "skipped", "no live campaign, no change")
        #expect(run.reportMd?.contains("@brewlab") == true)
    }

    @Test func cancellingStopsTheInFlightAgentAndEndsTheRun() async throws {
        let harness = Harness(Self.store, claude: MockClaude(latency: .seconds(20)))
        let (workspace, brief) = try await harness.brief()
        let started = try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace)
        func agentRuns() async throws -> [(String, String?)] {
            try await Self.store.database.withWorkspace(workspace) { c in
                try c.query("SELECT status, error FROM tiktok_agent_runs WHERE workflow_run_id = \(started.run.id)").rows.map {
                    (try $0.string("status"), $0["error"])
                }
            }
        }
        try await eventually("five agents calling Claude") { try await agentRuns().filter { $0.0 == "running" }.count == 5 }
        let cancelled = try await harness.service.cancel(started.run.id, workspace: workspace)
        #expect(cancelled.status == .cancelled)
        try await eventually("every agent run closed") { try await agentRuns().allSatisfy { $0.0 != "running" } }
        let agentRuns = try await agentRuns()
        await harness.stop()
        #expect(agentRuns.count == 5 && agentRuns.allSatisfy { $0.0 == "failed" && $0.1 == "cancelled" }, "\(agentRuns)")
        let (run, steps) = try await harness.wait(for: started.run.id, in: workspace, until: [.cancelled])
        #expect(steps.allSatisfy { $0.status == .cancelled || $0.status == .skipped })
        #expect(run.completedAt != nil)
        let again = await #expect(throws: AppError.self) { try await harness.service.cancel(started.run.id, workspace: workspace) }
        #expect(again?.status == 409)
    }

    @Test func aFailedStepCanBeRetriedAndTheRunContinues() async throws {
        let claude = FlakyClaude(marker: "audience analyst", failures: 0, permanent: true)
        let harness = Harness(Self.store, claude: claude)
        let (workspace, brief) = try await harness.brief()
        let started = try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace)
        let (failed, steps) = try await harness.wait(for: started.run.id, in: workspace, until: [.failed])
        #expect(failed.error?.contains("step audience_analyst failed") == true)
        #expect(steps.first { $0.stepKey == "audience_analyst" }?.status == .failed)
        #expect(steps.first { $0.stepKey == "synthesis" }?.status == .skipped)
        let wrong = await #expect(throws: AppError.self) {
            try await harness.service.retry(started.run.id, stepKey: "trend_scout", workspace: workspace)
        }
        #expect(wrong?.status == 409)
        claude.heal()
        _ = try await harness.service.retry(started.run.id, stepKey: "audience_analyst", workspace: workspace)
        let (run, finalSteps) = try await harness.wait(for: started.run.id, in: workspace, until: [.succeeded, .failed])
        await harness.stop()
        #expect(run.status == .succeeded)
        let succeededAgentRuns = try await Self.store.database.withWorkspace(workspace) { c in
            try c.query(
                "SELECT agent_name, count(*) AS n FROM tiktok_agent_runs WHERE workflow_run_id = \(started.run.id) AND status = 'succeeded' GROUP BY agent_name"
            ).rows
                .map { (try $0.string("agent_name"), try $0.int("n")) }
        }
        #expect(succeededAgentRuns.allSatisfy { $0.1 == 1 }, "completed steps were not executed again: \(succeededAgentRuns)")
        #expect(finalSteps.allSatisfy { $0.status == .succeeded })
    }

    /// A Profile Audit run that failed because its audience analyst always fails, with the Claude
    /// that failed it (`heal()` lets it answer).
    func failedProfileAudit() async throws -> (
        claude: FlakyClaude, harness: Harness, workspace: WorkspaceID, brief: Brief, run: WorkflowRun
    ) {
        let claude = FlakyClaude(marker: "audience analyst", failures: 0, permanent: true)
        let harness = Harness(Self.store, claude: claude)
        let (workspace, brief) = try await harness.brief()
        let started = try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace)
        _ = try await harness.wait(for: started.run.id, in: workspace, until: [.failed])
        return (claude, harness, workspace, brief, started.run)
    }

    @Test func retryingOneOfTwoFailedStepsEndsTheRunFailedAgainOnceItIsDone() async throws {
        let (claude, harness, workspace, _, started) = try await failedProfileAudit()
        // A second analyst failed too (as when a spend cap stops several at once).
        _ = try await Self.store.database.withWorkspace(workspace) { c in
            try c.query(
                "UPDATE tiktok_workflow_steps SET status = 'failed', error = 'cap reached' WHERE run_id = \(started.id) AND step_key = 'trend_scout'"
            )
        }
        claude.heal()
        _ = try await harness.service.retry(started.id, stepKey: "audience_analyst", workspace: workspace)
        let (run, steps) = try await harness.wait(for: started.id, in: workspace, until: [.succeeded, .failed], timeout: .seconds(60))
        await harness.stop()
        #expect(run.status == .failed && run.error == "step trend_scout failed: cap reached", "\(run.status) \(run.error ?? "")")
        #expect(steps.first { $0.stepKey == "audience_analyst" }?.status == .succeeded)
        #expect(steps.first { $0.stepKey == "synthesis" }?.status == .skipped, "the synthesis behind the other failure is skipped")
    }

    @Test func aRunLeftOpenWithNothingThatCanMoveIsEndedByTheSweepAndAMovingOneIsLeftAlone() async throws {
        let (_, harness, workspace, brief, stuck) = try await failedProfileAudit()
        await harness.stop()
        // What the older finish check left behind: the run reopened and running, its synthesis
        // pending behind a failed analyst, nothing running.
        let moving = try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace)
        _ = try await Self.store.database.withWorkspace(workspace) { c in
            try c.query(
                "UPDATE tiktok_workflow_steps SET status = 'pending' WHERE run_id = \(stuck.id) AND step_key = 'synthesis'")
            try c.query(
                "UPDATE tiktok_workflow_runs SET status = 'running', error = NULL, completed_at = NULL WHERE id = \(stuck.id)")
        }
        let eventsBefore = try await harness.events(stuck.id, in: workspace).count
        #expect(try await harness.service.endStalledRuns() == 1)
        let run = try #require(try await Self.store.database.withWorkspace(workspace) { try RunRepository.find(stuck.id, on: $0) })
        #expect(run.status == .failed && run.error?.hasPrefix("step audience_analyst failed") == true, "\(run.status) \(run.error ?? "")")
        let events = try await harness.events(stuck.id, in: workspace)
        #expect(events.count == eventsBefore + 1 && events.last?.event == .runCompleted)
        let other = try #require(try await Self.store.database.withWorkspace(workspace) { try RunRepository.find(moving.run.id, on: $0) })
        #expect(other.status == .running, "a run whose steps can still move is not a stalled one")
        #expect(try await harness.service.endStalledRuns() == 0, "nothing is ended twice")
        // The suite's later engines would otherwise claim its steps.
        _ = try await harness.service.cancel(moving.run.id, workspace: workspace)
    }

    @Test func aStepThatFailsTransientlyTwiceThenSucceedsIsRetriedWithBackoff() async throws {
        let claude = FlakyClaude(marker: "trend scout", failures: 2)
        let harness = Harness(Self.store, claude: claude)
        let (workspace, brief) = try await harness.brief()
        let custom = WorkflowDef(
            slug: "scout_only", name: "Scout", description: "",
            steps: [
                WorkflowStepDef("trend_scout", agent: "trend_scout", retry: StepRetryPolicy(maxAttempts: 3, backoffSeconds: 0.1)),
                WorkflowStepDef("synthesis", agent: WorkflowStepDef.synthesisNode, dependsOn: ["trend_scout"]),
            ])
        try await harness.service.save(custom, workspace: workspace)
        let started = try await harness.service.start(briefId: brief.id, workflowSlug: "scout_only", workspace: workspace)
        let (run, steps) = try await harness.wait(for: started.run.id, in: workspace, until: [.succeeded, .failed])
        await harness.stop()
        #expect(run.status == .succeeded)
        let scout = steps.first { $0.stepKey == "trend_scout" }!
        #expect(scout.attempt == 3)
        let events = try await harness.events(run.id, in: workspace)
        #expect(events.filter { $0.event == .stepFailed && $0.data["will_retry"] == true }.count == 2)
    }

    @Test func runsOfOneWorkflowShareOneDecodedDefinition() async throws {
        let harness = Harness(Self.store)
        let (workspace, brief) = try await harness.brief()
        var runs: [WorkflowRunID] = []
        for _ in 0..<3 {
            runs.append(try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace).run.id)
        }
        var finished: [WorkflowRun] = []
        for run in runs { finished.append(try await harness.wait(for: run, in: workspace, until: [.succeeded, .failed]).0) }
        await harness.stop()
        #expect(harness.engine.definitions.snapshots == 1)
        let storage = try finished.map { run in
            try harness.engine.definitions.definition(of: run)!.steps.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        }
        #expect(Set(storage).count == 1, "the runs' definitions are one decoded value, not three copies")
    }

    @Test func aStepPastItsTimeoutIsCancelledAndFailsNamingIt() async throws {
        let harness = Harness(Self.store, claude: MockClaude(latency: .seconds(60)))
        let (workspace, brief) = try await harness.brief()
        let custom = WorkflowDef(
            slug: "slow_scout", name: "Slow scout", description: "",
            steps: [
                WorkflowStepDef("trend_scout", agent: "trend_scout", retry: StepRetryPolicy(maxAttempts: 1), timeoutSeconds: 1),
                WorkflowStepDef("synthesis", agent: WorkflowStepDef.synthesisNode, dependsOn: ["trend_scout"]),
            ])
        try await harness.service.save(custom, workspace: workspace)
        let started = try await harness.service.start(briefId: brief.id, workflowSlug: "slow_scout", workspace: workspace)
        let (run, steps) = try await harness.wait(for: started.run.id, in: workspace, until: [.succeeded, .failed])
        await harness.stop()
        #expect(run.status == .failed)
        #expect(steps.first { $0.stepKey == "trend_scout" }?.error == "timed out after 1 s")
    }

    @Test func aStoredDefinitionOverridesTheSeededOne() async throws {
        let harness = Harness(Self.store)
        let (workspace, _) = try await harness.brief()
        let lean = WorkflowDef(
            slug: "profile_audit", name: "Lean audit", description: "Two analysts",
            steps: [
                WorkflowStepDef("profile_auditor", agent: "profile_auditor"),
                WorkflowStepDef("synthesis", agent: WorkflowStepDef.synthesisNode, dependsOn: ["profile_auditor"]),
            ])
        try await harness.service.save(lean, workspace: workspace)
        #expect(try await harness.service.definition("profile_audit", workspace: workspace).name == "Lean audit")
        let (other, _) = try await harness.brief()
        #expect(try await harness.service.definition("profile_audit", workspace: other).name == "Profile Audit", "only that workspace's")
        await #expect(throws: AppError.self) {
            try await harness.service.save(
                WorkflowDef(slug: "bad", name: "", description: "", steps: [WorkflowStepDef("a", agent: "nobody")]), workspace: workspace)
        }
        await harness.stop()
    }

    @Test func aLateSubscriberGetsTheHistoryThenTheLiveEventsInOrder() async throws {
        let harness = Harness(Self.store)
        let (workspace, brief) = try await harness.brief()
        let run = try await Self.store.database.withWorkspace(workspace) { c in
            try RunRepository.create(
                workspace: workspace, workflowId: nil, workflowSlug: "profile_audit", briefId: brief.id, input: [:], on: c)
        }
        for i in 1...10 {
            _ = try await Self.store.database.withWorkspace(workspace) { c in
                try RunEventRepository.append(run: run.id, event: .stepStarted, data: ["i": .number(i)], workspace: workspace, on: c)
            }
        }
        let subscription = harness.orchestration.bus.subscribe(run.id, workspace: workspace, after: 0, keepAlive: .seconds(5))
        let received = Locked<[Int]>([])
        let ended = Locked(false)
        let collector = Task { () -> [Int] in
            for try await item in subscription { if case .event(let event) = item { received.mutate { $0.append(event.seq) } } }
            ended.mutate { $0 = true }
            return received.value
        }
        try await eventually("the history delivered") { received.value.count == 10 }
        for i in 11...14 {
            _ = try await Self.store.database.withWorkspace(workspace) { c in
                try RunEventRepository.append(run: run.id, event: .stepSucceeded, data: ["i": .number(i)], workspace: workspace, on: c)
            }
        }
        _ = try await Self.store.database.withWorkspace(workspace) { c in
            try RunEventRepository.append(run: run.id, event: .runCompleted, data: [:], workspace: workspace, on: c)
        }
        try await eventually("the stream ends at the run's completion", within: .seconds(120)) { ended.value }
        let seqs = try await collector.value
        await harness.stop()
        #expect(seqs == Array(1...15))
        var resumed: [Int] = []
        for try await item in harness.orchestration.bus.subscribe(run.id, workspace: workspace, after: 12) {
            if case .event(let e) = item { resumed.append(e.seq) }
        }
        #expect(resumed == [13, 14, 15])
    }

    @Test func aWorkerThatLostItsLeaseRecordsNothingOnTheStepAndClosesItsAgentRunAsSuperseded() async throws {
        let harness = Harness(Self.store, claude: MockClaude(latency: .seconds(1)))
        let (workspace, brief) = try await harness.brief("@leaselost")
        let run = try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace).run.id
        for _ in 0..<400 {
            let started = try await Self.store.database.withWorkspace(workspace) { c in
                try c.query("SELECT count(*) AS n FROM tiktok_agent_runs WHERE workflow_run_id = \(run) AND status = 'running'").first!
                    .int("n")
            }
            if started == 5 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        // Another worker takes the leases over while the agents are still calling Claude.
        _ = try await Self.store.database.withWorkspace(workspace) { c in
            try c.query("UPDATE tiktok_workflow_steps SET lease_owner = 'thief' WHERE run_id = \(run) AND status = 'running'")
        }
        var agentRuns: [(String, String?)] = []
        for _ in 0..<200 {
            agentRuns = try await Self.store.database.withWorkspace(workspace) { c in
                try c.query("SELECT status, error FROM tiktok_agent_runs WHERE workflow_run_id = \(run)").rows.map {
                    (try $0.string("status"), $0["error"])
                }
            }
            if agentRuns.count == 5, agentRuns.allSatisfy({ $0.0 != "running" }) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        await harness.stop()
        #expect(agentRuns.count == 5 && agentRuns.allSatisfy { $0.0 == "failed" && $0.1?.hasPrefix("superseded:") == true }, "\(agentRuns)")
        let steps = try await Self.store.database.withWorkspace(workspace) { try StepRepository.list(run: run, on: $0) }
        #expect(
            steps.filter { $0.kind == .agent }.allSatisfy { $0.status == .running && $0.leaseOwner == "thief" && $0.completedAt == nil },
            "\(steps.map { "\($0.stepKey)=\($0.status)/\($0.leaseOwner ?? "-")" })")
        _ = try await harness.service.cancel(run, workspace: workspace)
    }

    @Test func theLeaseKeeperRenewsAWorkspacesRunningStepsInOneStatementAndCancelsAStepWhoseLeaseWasTaken() async throws {
        // Claude answers long after the 3 s lease: only renewals keep the analysts' leases.
        let harness = Harness(Self.store, claude: MockClaude(latency: .seconds(120)), lease: 3, drain: .milliseconds(200))
        let (workspace, brief) = try await harness.brief("@leasekeeper")
        let run = try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace).run.id
        let leases = { () async throws -> [String: (owner: String?, expires: String)] in
            try await Self.store.database.withWorkspace(workspace) { c in
                try c.query(
                    "SELECT step_key, lease_owner, lease_expires_at::text AS expires FROM tiktok_workflow_steps WHERE run_id = \(run) AND status = 'running'"
                ).rows.reduce(into: [:]) { $0[try $1.string("step_key")] = (owner: $1["lease_owner"], expires: try $1.string("expires")) }
            }
        }
        let agentRuns = { () async throws -> [String: (status: String, error: String?)] in
            try await Self.store.database.withWorkspace(workspace) { c in
                try c.query("SELECT agent_name, status, error FROM tiktok_agent_runs WHERE workflow_run_id = \(run)").rows.reduce(into: [:])
                {
                    $0[try $1.string("agent_name")] = (status: try $1.string("status"), error: $1["error"])
                }
            }
        }
        try await eventually("the five analysts call Claude", within: .seconds(60)) {
            try await agentRuns().values.filter { $0.status == "running" }.count == 5
        }
        let claimed = try await leases()
        #expect(claimed.count == 5 && Set(claimed.values.map(\.expires)).count == 1, "claimed in one batch: \(claimed)")
        // One statement renews all five: they share its transaction's time, later than the claim's.
        try await eventually("the keeper renews the leases", within: .seconds(20)) {
            let renewed = try await leases()
            return renewed.count == 5 && Set(renewed.values.map(\.expires)).count == 1
                && renewed.values.allSatisfy { $0.expires > claimed.values.first!.expires }
        }
        _ = try await Self.store.database.withWorkspace(workspace) { c in
            try c.query("UPDATE tiktok_workflow_steps SET lease_owner = 'thief' WHERE run_id = \(run) AND step_key = 'audience_analyst'")
        }
        let thieved = try #require(try await agentRuns().keys.first { $0.contains("audience") })
        try await eventually("the keeper cancels the step it lost", within: .seconds(20)) {
            try await agentRuns()[thieved]?.status != "running"
        }
        let after = try await agentRuns()
        let held = try await leases()
        await harness.stop()
        #expect(after[thieved]?.status == "failed" && after[thieved]?.error == "cancelled", "\(after)")
        #expect(after.filter { $0.value.status == "running" }.count == 4, "the other analysts keep running: \(after)")
        #expect(held["audience_analyst"]?.owner == "thief", "nothing recorded on the lost step: \(held)")
        #expect(held.filter { $0.value.owner != "thief" }.count == 4)
        _ = try await harness.service.cancel(run, workspace: workspace)
    }
}

/// Cloud Tasks mode: each ready step becomes a task; delivering a task runs exactly that step.
@Suite(.serialized) struct CloudTasksModeTests {
    static let store = TestDatabase.isolated("cloudtasks")

    /// A queue that records task names and delivers each to the engine, as Cloud Tasks would.
    final class DeliveringQueue: TaskQueue, @unchecked Sendable {
        let lock = NSLock()
        var names: [String] = []
        var engine: WorkflowEngine?

        func enqueue(taskId: String, url: String, body: JSONValue, audience: String, notBefore: Date?) async throws -> Bool {
            let fresh = lock.withLock { () -> Bool in
                guard !names.contains(taskId) else { return false }
                names.append(taskId)
                return true
            }
            guard fresh, let engine, let step = body["step_id"]?.stringValue.flatMap(WorkflowStepID.init) else { return fresh }
            Task { try? await engine.runStep(step) }
            return true
        }
    }

    @Test func everyStepIsDeliveredAsATaskAndTheRunCompletes() async throws {
        let queue = DeliveringQueue()
        var providers = ProviderSuite.mock(transport: CurlTransport())
        providers.tasks = queue
        let environment = AgentEnvironment(database: Self.store.database, providers: providers, logger: Logger(label: "cloud-tasks-test"))
        let orchestration = Orchestration(
            environment: environment, configuration: EngineConfiguration(executionMode: .cloudTasks, publicBaseURL: "https://army.example"),
            listenURL: Self.store.appURL)
        queue.engine = orchestration.engine
        let harness = Harness(Self.store, runLoop: false)
        let (workspace, brief) = try await harness.brief("@cloudy")
        let started = try await orchestration.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace)
        let (run, steps) = try await harness.wait(for: started.run.id, in: workspace, until: [.succeeded, .failed])
        await harness.stop()
        #expect(run.status == .succeeded)
        #expect(queue.lock.withLock { queue.names.count } == 6, "one task per step")
        #expect(Set(queue.lock.withLock { queue.names }) == Set(steps.map { "\($0.id)-1" }))
    }
}
