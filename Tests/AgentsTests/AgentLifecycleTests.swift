import Core
import Foundation
import Logging
import Persistence
import Providers
import TestSupport
import Testing

@testable import Agents

@Suite struct CatalogTests {
    @Test func theCatalogHoldsTheSixteenAgentsWithCompleteSpecs() {
        let names = Catalog.specs.map(\.name)
        #expect(
            names == [
                "profile_auditor", "content_analyzer", "audience_analyst", "competitor_benchmarker", "trend_scout", "content_strategist",
                "script_writer", "content_producer", "caption_writer", "compliance_reviewer", "shop_catalog_manager",
                "ads_campaign_manager", "campaign_operator",
                "publisher", "comment_triage", "performance_analyst",
            ])
        for spec in Catalog.specs {
            #expect(!spec.title.isEmpty && !spec.description.isEmpty, "\(spec.name)")
            #expect(!spec.outputs.isEmpty, "\(spec.name) declares outputs")
            #expect(!spec.workflows.isEmpty, "\(spec.name) belongs to a workflow")
            #expect(spec.inputs.contains { $0.name == "handle" && $0.required }, "\(spec.name) takes the handle")
        }
        #expect(Catalog.briefInputs.map(\.name).starts(with: ["handle", "target_type", "notes"]))
    }

    @Test func inputValidationNamesTheProblemAndFillsDefaults() throws {
        let spec = ProfileAuditor.spec
        let missing = #expect(throws: AgentError.self) { try spec.validate(["target_type": "own_account"]) }
        #expect(missing?.message == "missing required input handle (string)")
        let mistyped = #expect(throws: AgentError.self) { try spec.validate(["handle": "@a", "days": "thirty"]) }
        #expect(mistyped?.message == "input days must be integer, got string")
        let choice = #expect(throws: AgentError.self) { try spec.validate(["handle": "@a", "target_type": "enemy"]) }
        #expect(choice?.message.contains("must be one of own_account, competitor, creator") == true)
        let filled = try spec.validate(["handle": "@a"])
        #expect(filled["days"] == 30 && filled["target_type"] == "own_account")
    }
}

@Suite struct AgentLifecycleTests {
    @Test func aSuccessfulRunRecordsRowsEventsAndTraceAndRestoresContext() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let runner = AgentRunner(environment: AgentTestSupport.environment())
        let result = try await runner.run("profile_auditor", input: ["handle": "@glowco"], workspace: workspace)
        // Inside an agent's own body the context is that run's; a second run in the same task gets its own.
        let seen = Locked<[AgentRunID?]>([])
        let probe = try await runner.run(name: "probe", input: [:], workspace: workspace, workflowRun: nil, workflowStep: nil) {
            _, context in
            seen.mutate { $0.append(TraceContext.current?.agentRunID) }
            #expect(TraceContext.current?.agentRunID == context.agentRunId)
            return [:]
        }
        #expect(seen.value == [probe.agentRunId] && probe.agentRunId != result.agentRunId)
        let row = try #require(try await AgentTestSupport.agentRun(result.agentRunId, workspace: workspace))
        #expect(row.status == .succeeded && row.output == result.output && row.completedAt != nil)
        #expect(row.input == ["handle": "@glowco"])
        let trace = try await AgentTestSupport.trace(result.agentRunId, workspace: workspace)
        #expect(trace.map(\.kind) == [.providerCall, .providerCall, .llmCall])
        #expect(trace.map(\.stepIndex) == [1, 2, 3])
        #expect(abs(row.costUsd - trace.reduce(0) { $0 + $1.costUsd }) < 1e-9)
        let events = try await TestDatabase.database.withWorkspace(workspace) { try OutboxRepository.list(on: $0) }
        #expect(
            events.filter { $0.payload["agent_run_id"]?.stringValue == result.agentRunId.description }.compactMap {
                $0.payload["event"]?.stringValue
            }
                == ["agent_run.started", "agent_run.succeeded"])
    }

    @Test func anUnknownAgentOrBadInputFailsClearly() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let runner = AgentRunner(environment: AgentTestSupport.environment())
        let unknown = await #expect(throws: AgentError.self) { try await runner.run("nobody", input: [:], workspace: workspace) }
        #expect(unknown?.kind == .unknownAgent)
        let invalid = await #expect(throws: AgentError.self) {
            try await runner.run("trend_scout", input: ["notes": "x"], workspace: workspace)
        }
        #expect(invalid?.kind == .invalidInput)
        let invalidRun = try #require(invalid?.agentRunId)
        let row = try #require(try await AgentTestSupport.agentRun(invalidRun, workspace: workspace))
        #expect(row.status == .failed && row.error == "missing required input handle (string)")
    }

    @Test func theAgentsAfterTheFirstReadARunsBrandContextFromMemory() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        // A pool of its own, so its round trips are this test's alone.
        let database = Database(url: TestDatabase.cluster.appURL, poolSize: 2)
        let run = try await database.withWorkspace(workspace) { c in
            try RunRepository.create(workspace: workspace, workflowId: nil, workflowSlug: "s", briefId: nil, input: [:], on: c).id
        }
        let runner = AgentRunner(
            environment: AgentEnvironment(
                database: database, providers: .mock(transport: CurlTransport()), logger: Logger(label: "brand-context-test")))
        // Each agent answers with the round trips its brand-context read took and the context's text.
        let reader: @Sendable (JSONValue, AgentContext) async throws -> JSONValue = { _, agent in
            let before = database.roundTrips.current
            let context = try await agent.brandContext(handle: "@glowco")
            return ["trips": .number(Int(database.roundTrips.current - before)), "text": .string(context.text)]
        }
        let first = try await runner.run(
            name: "reader", input: [:], workspace: workspace, workflowRun: run, workflowStep: nil, body: reader)
        let second = try await runner.run(
            name: "reader", input: [:], workspace: workspace, workflowRun: run, workflowStep: nil, body: reader)
        let stored = try await database.withWorkspace(workspace) { try RunContextRepository.find(run: run, on: $0) }
        await database.shutdown()
        #expect(first.output["trips"] != 0, "the first agent looked for it and stored what it built")
        #expect(second.output["trips"] == 0, "the second read it from memory")
        #expect(second.output["text"] == first.output["text"])
        #expect(stored.map { JSONValue.string($0.text) } == first.output["text"], "what memory holds is what the run stored")
    }

    @Test func agentsOfARunThatNeedItsBrandContextAtOnceBuildItOnce() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let run = try await TestDatabase.database.withWorkspace(workspace) { c in
            try RunRepository.create(workspace: workspace, workflowId: nil, workflowSlug: "s", briefId: nil, input: [:], on: c).id
        }
        let runner = AgentRunner(environment: AgentTestSupport.environment())
        let results = try await withThrowingTaskGroup(of: AgentRunResult.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await runner.run(name: "reader", input: [:], workspace: workspace, workflowRun: run, workflowStep: nil) {
                        _, agent in
                        ["text": .string(try await agent.brandContext(handle: "@glowco").text)]
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        var calls: [String] = []
        for result in results {
            calls += try await AgentTestSupport.trace(result.agentRunId, workspace: workspace).filter { $0.kind == .providerCall }.map(
                \.name)
        }
        #expect(calls.sorted() == ["tiktok.research.user_info", "tiktok.research.videos"], "one agent fetched the profile and posts")
        #expect(Set(results.map { $0.output["text"] }).count == 1, "every agent saw the same context")
    }

    @Test func anOutcomeWhoseTransactionFailedAfterSendingItsTraceWritesItAgainWhenRunOnceMore() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let runner = AgentRunner(environment: AgentTestSupport.environment())
        let start = AgentRunStart(
            id: AgentRunID(UUID()), name: "audience_analyst", input: ["handle": "@glowco"], workspace: workspace, workflowRun: nil,
            workflowStep: nil)
        let run = try await TestDatabase.database.withWorkspace(workspace) { c in
            var recorded = start
            try recorded.record(on: c)
            return recorded
        }
        let finish = try await runner.execute(run, body: try runner.agentBody("audience_analyst"))
        struct CommitLost: Error {}
        // The trace rows reach the server with the agent run's close; the transaction then fails.
        await #expect(throws: CommitLost.self) {
            try await TestDatabase.database.withWorkspace(workspace) { c in
                _ = try finish.record(on: c)
                throw CommitLost()
            }
        }
        let result = try await TestDatabase.database.withWorkspace(workspace) { try finish.record(on: $0) }
        let trace = try await AgentTestSupport.trace(run.id, workspace: workspace)
        #expect(trace.map(\.kind) == [.providerCall, .providerCall, .providerCall, .llmCall], "the second attempt wrote the whole trace")
        #expect(result.costUsd > 0 && result.costUsd == trace.reduce(0) { $0 + $1.costUsd }, "the run's cost counts each call once")
        let again = try await TestDatabase.database.withWorkspace(workspace) { c -> Int in
            _ = try finish.record(on: c)
            return try AgentStepRepository.list(agentRun: run.id, on: c).count
        }
        #expect(again == trace.count, "writing the same trace once more adds no row")
    }

    @Test func aProviderFailureLeavesAFailedRunAndTheTraceBeforeIt() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let runner = AgentRunner(environment: AgentTestSupport.environment { $0.research = FailingResearch() })
        let error = await #expect(throws: AgentError.self) {
            try await runner.run("profile_auditor", input: ["handle": "@glowco"], workspace: workspace)
        }
        #expect(error?.kind == .provider && error?.isTransient == true)
        let id = try #require(error?.agentRunId)
        let row = try #require(try await AgentTestSupport.agentRun(id, workspace: workspace))
        #expect(row.status == .failed && row.error?.contains("boom") == true)
        let trace = try await AgentTestSupport.trace(id, workspace: workspace)
        #expect(trace.count == 1 && trace[0].kind == .providerCall && trace[0].error?.contains("log_9") == true)
        let events = try await TestDatabase.database.withWorkspace(workspace) { try OutboxRepository.list(on: $0) }
            .filter { $0.payload["agent_run_id"]?.stringValue == id.description }
        #expect(events.compactMap { $0.payload["event"]?.stringValue } == ["agent_run.started", "agent_run.failed"])
        #expect(events.last?.payload["error"]?.stringValue?.contains("boom") == true)
        #expect(events.allSatisfy { $0.topic == "audit-event" && $0.workspaceId == workspace })
    }

    @Test func aClaudeFailureIsTracedWithItsError() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let claude = FailingClaude()
        let runner = AgentRunner(environment: AgentTestSupport.environment(claude: claude))
        let error = await #expect(throws: AgentError.self) {
            try await runner.run("audience_analyst", input: ["handle": "@glowco"], workspace: workspace)
        }
        #expect(error?.kind == .claude && error?.isTransient == true)
        let failedRun = try #require(error?.agentRunId)
        let trace = try await AgentTestSupport.trace(failedRun, workspace: workspace)
        try #require(
            trace.map(\.kind) == [.providerCall, .providerCall, .providerCall, .llmCall],
            "the brand context's profile and posts, the audience, the call")
        let call = trace[3]
        #expect(call.error?.contains("overloaded_error") == true && call.error?.contains("req_x") == true)
        #expect(call.systemPrompt?.contains("audience analyst") == true && call.userPrompt?.contains("@glowco") == true)
        #expect(call.costUsd == 0)
        let spent = try await TestDatabase.database.withWorkspace(workspace) { try SpendLedgerRepository.spentToday(.claude, on: $0) }
        #expect(spent == 0, "a failed call's reservation is released")
    }

    @Test func malformedOutputTwiceFailsAfterOneRepairAttempt() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let claude = ScriptedClaude(text: "Sure! Here are some thoughts, but no JSON.")
        let runner = AgentRunner(environment: AgentTestSupport.environment(claude: claude))
        let error = await #expect(throws: AgentError.self) {
            try await runner.run("audience_analyst", input: ["handle": "@glowco"], workspace: workspace)
        }
        #expect(error?.kind == .malformedOutput)
        #expect(error?.message.contains("after one repair attempt") == true)
        let failedRun = try #require(error?.agentRunId)
        let trace = try await AgentTestSupport.trace(failedRun, workspace: workspace)
        let calls = trace.filter { $0.kind == .llmCall }
        #expect(calls.count == 2)
        #expect(calls[1].userPrompt?.contains("could not be used: no JSON object in the answer") == true)
        #expect(calls.allSatisfy { $0.error == nil && $0.responseText != nil }, "the calls themselves succeeded and are traced in full")
    }

    @Test func aRepairedAnswerIsAccepted() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let answers = Locked(["{\"summary\": 3}", #"{"summary": "Young", "primary_segment": "18-24", "recommendations": ["Post daily"]}"#])
        struct Sequenced: ClaudeClient {
            let answers: Locked<[String]>
            func send(_ request: ClaudeRequest) async throws -> ClaudeResponse {
                let text = answers.take()
                return ClaudeResponse(
                    id: "m", model: request.model, content: [["type": "text", "text": .string(text)]], stopReason: nil,
                    usage: ClaudeUsage(inputTokens: 1, outputTokens: 1), requestId: nil)
            }
        }
        let runner = AgentRunner(environment: AgentTestSupport.environment(claude: Sequenced(answers: answers)))
        let result = try await runner.run("audience_analyst", input: ["handle": "@glowco"], workspace: workspace)
        #expect(result.output["primary_segment"] == "18-24")
        let trace = try await AgentTestSupport.trace(result.agentRunId, workspace: workspace)
        #expect(trace.filter { $0.kind == .llmCall }[1].userPrompt?.contains("summary is not String") == true)
    }

    @Test func concurrentAgentsNeverAttributeATraceRowToTheWrongRun() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let runner = AgentRunner(environment: AgentTestSupport.environment(claude: MockClaude(latency: .milliseconds(20))))
        let handles = (0..<12).map { "@brand_\($0)" }
        let results = try await withThrowingTaskGroup(of: (String, AgentRunResult).self) { group in
            for handle in handles {
                group.addTask {
                    (
                        handle,
                        try await runner.run(
                            ["trend_scout", "audience_analyst", "profile_auditor"][handle.count % 3], input: ["handle": .string(handle)],
                            workspace: workspace)
                    )
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for (handle, result) in results {
            let trace = try await AgentTestSupport.trace(result.agentRunId, workspace: workspace)
            #expect(!trace.isEmpty)
            for step in trace {
                #expect(step.agentRunId == result.agentRunId)
                if step.kind == .llmCall {
                    #expect(step.userPrompt?.contains("Handle: \(handle)\n") == true, "\(handle) got another run's prompt")
                }
            }
            #expect(trace.map(\.stepIndex) == Array(1...trace.count))
        }
    }

    @Test func cancellationMarksTheRunFailedAndRestoresContext() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let calling = CallingClaude(inner: MockClaude(latency: .seconds(10)))
        let runner = AgentRunner(environment: AgentTestSupport.environment(claude: calling))
        let task = Task { try await runner.run("audience_analyst", input: ["handle": "@glowco"], workspace: workspace) }
        // Cancel while its Claude call is in flight (it would take ten seconds).
        try await eventually("the agent called Claude") { calling.calls.value > 0 }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        let failed = try await TestDatabase.database.withWorkspace(workspace) { c in
            try c.query("SELECT status, error FROM tiktok_agent_runs").rows.map { (try $0.string("status"), $0["error"]) }
        }
        #expect(failed.count == 1 && failed[0].0 == "failed" && failed[0].1 == "cancelled", "\(failed)")
    }
}

extension Locked where Value == [String] {
    func take() -> String {
        var all = value
        let first = all.removeFirst()
        value = all
        return first
    }
}

/// Claude that counts the calls it was sent before passing them on.
struct CallingClaude: ClaudeClient {
    let inner: any ClaudeClient
    let calls = Locked(0)

    func send(_ request: ClaudeRequest) async throws -> ClaudeResponse {
        calls.mutate { $0 += 1 }
        return try await inner.send(request)
    }
}

@Suite struct RecordingTests {
    @Test func aResultOverTheLimitIsRecordedAsItsSizeAndAReplayOfItSaysSo() async throws {
        let (workspace, _) = try await TestDatabase.workspace()
        let runner = AgentRunner(environment: AgentTestSupport.environment(claude: MockClaude()))
        let big = String(repeating: "x", count: ClaudeGateway.recordedResultLimit + 1)
        let result = try await runner.run(name: "probe", input: [:], workspace: workspace, workflowRun: nil, workflowStep: nil) {
            _, context in
            let small = try await context.traceStep(.providerCall, "small") { "kept" }
            let large = try await context.traceStep(.providerCall, "large") { big }
            return ["small": .string(small), "large": .number(large.count)]
        }
        let rows = try await AgentTestSupport.trace(result.agentRunId, workspace: workspace)
        #expect(rows.map(\.response) == [.string("kept"), ["too_large_to_record": .number(big.count + 2)]])
        let recording = Recording(rows: rows, now: Date())
        #expect(try ClaudeGateway.answer(from: recording, .providerCall, "small", request: [:], as: String.self) == "kept")
        let refused = #expect(throws: ReplayMismatch.self) {
            try ClaudeGateway.answer(from: recording, .providerCall, "large", request: [:], as: String.self)
        }
        #expect(refused?.message.contains("over the 1048576-byte limit") == true)
    }

    @Test func aRequestThatChangedIsNamedFieldByField() throws {
        let row = AgentStep(
            id: AgentStepID(UUID()), workspaceId: WorkspaceID(UUID()), agentRunId: AgentRunID(UUID()), stepIndex: 0, kind: .providerCall,
            name: "tiktok.research.videos", inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0,
            costUsd: 0, latencyMs: 0, cacheHit: false, request: ["handle": "@glowco", "days": 30], response: [], createdAt: Date())
        let refused = #expect(throws: ReplayMismatch.self) {
            try ClaudeGateway.answer(
                from: Recording(rows: [row], now: Date()), .providerCall, "tiktok.research.videos",
                request: ["handle": "@glowco", "days": 14],
                as: [String].self)
        }
        #expect(refused?.message.contains("- 1: days: 30\n+ 1: days: 14") == true, "\(refused?.message ?? "")")
    }
}
