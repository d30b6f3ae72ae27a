import Core
import Foundation
import Persistence
import Providers
import TestSupport
import Testing

@testable import HTTPServer

/// The live Claude client against a local Messages API that answers bursts of 429, 529 and 500,
/// through whole workflow runs.
@Suite(.serialized) struct ClaudeFaultTests {
    /// Its own database, so no other suite's engine (with mock Claude) takes these steps.
    static let store = TestDatabase.isolated("claude_faults")

    /// The three faults, as the API sends them.
    static let faults: [FakeReply] = [
        .json(
            ["type": "error", "error": ["type": "rate_limit_error", "message": "Number of request tokens has exceeded your rate limit"]],
            status: 429, headers: ["retry-after-ms": "20", "request-id": "req_429"]),
        .json(
            ["type": "error", "error": ["type": "overloaded_error", "message": "Overloaded"]], status: 529,
            headers: ["request-id": "req_529"]),
        .json(
            ["type": "error", "error": ["type": "api_error", "message": "Internal server error"]], status: 500,
            headers: ["request-id": "req_500"]),
    ]

    /// A Messages API answer as the API documents it (`type: message`, content blocks,
    /// `stop_reason`, the four usage counters), its text made by the mock from the request sent.
    static func success(_ request: ReceivedRequest, stopReason: String = "end_turn") async -> FakeReply {
        let body = request.json ?? [:]
        let system = body["system"]?.arrayValue?.compactMap { $0["text"]?.stringValue }.map { SystemBlock($0) } ?? []
        let messages = body["messages"]?.arrayValue?.map { ClaudeMessage(role: .user, text: $0["content"]?.stringValue ?? "") } ?? []
        let answer = try! await MockClaude().send(
            ClaudeRequest(model: body["model"]?.stringValue ?? "", system: system, messages: messages))
        return .json(
            [
                "id": .string(answer.id), "type": "message", "role": "assistant", "model": .string(answer.model),
                "content": stopReason == "refusal" ? [] : .array(answer.content), "stop_reason": .string(stopReason),
                "stop_sequence": .null,
                "usage": [
                    "input_tokens": .number(answer.usage.inputTokens), "output_tokens": .number(answer.usage.outputTokens),
                    "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                    "cache_creation": ["ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0],
                ],
            ], headers: ["request-id": "req_ok"])
    }

    static func error(_ type: String, _ message: String, status: Int, headers: [String: String] = [:], details: JSONValue? = nil)
        -> FakeReply
    {
        var error: [String: JSONValue] = ["type": .string(type), "message": .string(message)]
        if let details { error["details"] = details }
        return .json(["type": "error", "error": .object(error), "request_id": .string("req_\(status)")], status: status, headers: headers)
    }

    /// Runs a Profile Audit against `server` until it settles (or, with `until`, reaches a state).
    static func audit(_ server: FakeServer, handle: String, until: Set<RunStatus> = [.succeeded, .failed]) async throws -> (
        WorkspaceID, WorkflowRun, [WorkflowStep]
    ) {
        let outcome = Locked<(WorkspaceID, WorkflowRun, [WorkflowStep])?>(nil)
        try await server.run { base in
            let harness = try Self.harness(base)
            let (workspace, run) = try await Self.startAudit(harness, handle: handle)
            let finished = try await harness.waitForRun(run.description, workspace: workspace, until: until)
            await harness.stop()
            let steps = try await Self.store.database.withWorkspace(workspace) { try StepRepository.list(run: run, on: $0) }
            outcome.value = (workspace, finished, steps)
        }
        return outcome.value!
    }

    @Test(arguments: [
        ("billing_error", 402, nil, "billing"),
        ("rate_limit_error", 429, ["error_code": "enforced_spend_limit_reached"] as JSONValue, "spend limit"),
    ])
    func billingAndSpendLimitErrorsFailTheStepsAtOnce(_ type: String, _ status: Int, _ details: JSONValue?, _ phrase: String) async throws {
        let server = FakeServer { _, _ in Self.error(type, "stop", status: status, details: details) }
        let (_, run, steps) = try await Self.audit(server, handle: "@\(type)")
        #expect(run.status == .failed)
        let analysts = steps.filter { $0.kind == .agent }
        #expect(
            analysts.allSatisfy { $0.status == .failed && $0.attempt == 1 && $0.error?.contains(phrase) == true },
            "\(steps.map { "\($0.stepKey): \($0.attempt) \($0.error ?? "")" })")
        #expect(server.requests.count == 5, "one request per analyst: neither the client nor the engine retried")
    }

    @Test func aTimeoutErrorIsRetriedAndTheRunFinishes() async throws {
        let attempts = Locked([String: Int]())
        let server = FakeServer { request, _ in
            let key = Self.caller(request)
            let attempt = attempts.mutate { counts in
                defer { counts[key, default: 0] += 1 }
                return counts[key, default: 0]
            }
            return attempt == 0 ? Self.error("timeout_error", "Request timed out", status: 504) : await Self.success(request)
        }
        let (_, run, steps) = try await Self.audit(server, handle: "@timeouts")
        #expect(run.status == .succeeded, "\(run.error ?? "")")
        #expect(steps.allSatisfy { $0.status == .succeeded && $0.attempt == 1 }, "the client's own retry took it")
    }

    @Test func retryAfterBeyondTheCeilingReschedulesTheStepNoSoonerThanAdvised() async throws {
        let server = FakeServer { _, _ in Self.error("rate_limit_error", "slow down", status: 429, headers: ["retry-after": "90"]) }
        let before = Date()
        let scheduled = Locked<[Date?]>([])
        try await server.run { base in
            let harness = try Self.harness(base)
            let (workspace, _) = try await Self.startAudit(harness, handle: "@patient")
            for _ in 0..<600 {
                scheduled.value = try await Self.store.database.withWorkspace(workspace) { c in
                    try c.query(
                        "SELECT next_attempt_at FROM tiktok_workflow_steps WHERE kind = 'agent' AND status = 'pending' AND error IS NOT NULL"
                    ).rows
                        .map { try $0.optionalDate("next_attempt_at") }
                }
                if scheduled.value.count == 5 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            await harness.stop()
        }
        let retries = scheduled.value
        #expect(retries.count == 5)
        #expect(retries.allSatisfy { ($0?.timeIntervalSince(before) ?? 0) >= 89 }, "\(retries)")
        #expect(server.requests.count == 5, "a 90 s wait is over the 60 s ceiling of this client: no in-process retry")
    }

    @Test func anAnswerCutOffAtMaxTokensIsAskedAgainWithTwiceTheBudget() async throws {
        let budgets = Locked([String: [Int]]())
        let server = FakeServer { request, _ in
            let key = Self.caller(request)
            let calls = budgets.mutate { seen in
                seen[key, default: []].append(request.json?["max_tokens"]?.intValue ?? 0)
                return seen[key]!.count
            }
            return await Self.success(request, stopReason: calls == 1 ? "max_tokens" : "end_turn")
        }
        let (_, run, _) = try await Self.audit(server, handle: "@verbose")
        #expect(run.status == .succeeded, "\(run.error ?? "")")
        #expect(budgets.value.values.allSatisfy { $0.count == 2 && $0[1] == 2 * $0[0] }, "\(budgets.value.values)")
    }

    @Test(arguments: ["max_tokens", "refusal"])
    func aSecondCutOffOrARefusalFailsTheStepNamingIt(_ stopReason: String) async throws {
        let server = FakeServer { request, _ in await Self.success(request, stopReason: stopReason) }
        let (workspace, run, steps) = try await Self.audit(server, handle: "@\(stopReason.replacingOccurrences(of: "_", with: ""))")
        #expect(run.status == .failed)
        let analysts = steps.filter { $0.kind == .agent }
        #expect(
            analysts.allSatisfy { $0.status == .failed && $0.attempt == 1 && $0.error?.contains(stopReason) == true },
            "\(analysts.map { $0.error ?? "" })")
        #expect(server.requests.count == (stopReason == "max_tokens" ? 10 : 5))
        let traced = try await Self.store.database.withWorkspace(workspace) { c in
            try c.query(
                "SELECT count(*) AS n FROM tiktok_agent_steps WHERE kind = 'llm_call' AND error LIKE \("%\(stopReason)%") AND cost_usd > 0"
            ).first!.int("n")
        }
        #expect(traced == server.requests.count, "every billed answer has its trace row, with its cost and the problem")
    }

    /// Which agent is calling: its system prompt (the user prompt carries live data that can
    /// change between attempts).
    static func caller(_ request: ReceivedRequest) -> String { request.json?["system"]?.jsonString ?? "" }

    static func harness(_ base: String) throws -> APIHarness {
        try APIHarness(store: store) { providers in
            providers.claude = AnthropicClient(
                baseURL: base, apiKey: "sk-test", transport: CurlTransport(),
                retry: RetryPolicy(maxRetries: 2, initialDelay: 0.01, maxDelay: 0.05, maxAdvisedDelay: 60))
        }
    }

    static func startAudit(_ harness: APIHarness, handle: String) async throws -> (WorkspaceID, WorkflowRunID) {
        let (workspace, _) = try await APIHarness.workspace(in: store)
        let brief = try await Self.store.database.withWorkspace(workspace) { c in
            try BriefRepository.create(
                NewBrief(handle: handle, notes: "faults", inputs: ["competitors": ["@rival_brand"]]), workspace: workspace, on: c)
        }
        let run = try await harness.dependencies.orchestration.service.start(
            briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace
        ).run.id
        return (workspace, run)
    }

    @Test func burstsOf429And529And500AreRetriedAndTheRunsFinish() async throws {
        // Every agent's call first meets a burst: 429, 529, 500 (the client's two retries are
        // spent, so the step is retried by the engine), then 429 once more, then an answer.
        let attempts = Locked([String: Int]())
        let server = FakeServer { request, _ in
            let key = Self.caller(request)
            let attempt = attempts.mutate { counts in
                defer { counts[key, default: 0] += 1 }
                return counts[key, default: 0]
            }
            if attempt < 4 { return Self.faults[attempt % 3] }
            return await Self.success(request)
        }
        try await server.run { base in
            let harness = try Self.harness(base)
            let (workspace, run) = try await Self.startAudit(harness, handle: "@burst")
            let finished = try await harness.waitForRun(run.description, workspace: workspace, until: [.succeeded, .failed])
            await harness.stop()
            #expect(finished.status == .succeeded, "\(finished.error ?? "")")
            let steps = try await Self.store.database.withWorkspace(workspace) { try StepRepository.list(run: run, on: $0) }
            #expect(steps.allSatisfy { $0.status == .succeeded && $0.attempt == 2 }, "\(steps.map { "\($0.stepKey): \($0.attempt)" })")
            #expect(server.requests.count == 6 * 5, "five requests per call: three in the first attempt, two in the second")
            let failedCalls = try await Self.store.database.withWorkspace(workspace) { c in
                try c.query("SELECT error FROM tiktok_agent_steps WHERE kind = 'llm_call' AND error IS NOT NULL").rows.map {
                    try $0.string("error")
                }
            }
            #expect(
                failedCalls.count == 6 && failedCalls.allSatisfy { $0.contains("api_error") && $0.contains("req_500") }, "\(failedCalls)")
        }
    }

    @Test func whenRetriesRunOutTheStepFailsCleanlyWithTheErrorRecorded() async throws {
        let server = FakeServer { _, _ in Self.faults[1] }
        try await server.run { base in
            let harness = try Self.harness(base)
            let (workspace, run) = try await Self.startAudit(harness, handle: "@overloaded")
            let finished = try await harness.waitForRun(run.description, workspace: workspace, until: [.succeeded, .failed])
            await harness.stop()
            #expect(finished.status == .failed)
            #expect(finished.error?.contains("overloaded_error") == true, "\(finished.error ?? "")")
            let steps = try await Self.store.database.withWorkspace(workspace) { try StepRepository.list(run: run, on: $0) }
            let failed = steps.filter { $0.status == .failed }
            // The first analyst to fail for good fails the run; the others fail at their last attempt too,
            // or are skipped if the run ended while they waited for a retry. None succeeds, none fails early.
            let analysts = steps.filter { $0.kind == .agent }
            #expect(
                !failed.isEmpty && failed.allSatisfy { $0.kind == .agent && $0.attempt == 3 && $0.error?.contains("req_529") == true },
                "\(steps.map { "\($0.stepKey)=\($0.status)/\($0.attempt)" })")
            #expect(
                analysts.count == 5 && analysts.allSatisfy { $0.status == .failed || ($0.status == .skipped && $0.attempt < 3) },
                "\(steps.map { "\($0.stepKey)=\($0.status)/\($0.attempt)" })")
            #expect(steps.first { $0.kind == .synthesis }?.status == .skipped)
            let agentRuns = try await Self.store.database.withWorkspace(workspace) { c in
                try c.query("SELECT status, count(*) AS n FROM tiktok_agent_runs GROUP BY status").rows.map {
                    "\(try $0.string("status"))=\(try $0.int("n"))"
                }
            }
            #expect(agentRuns.allSatisfy { $0.hasPrefix("failed=") }, "every attempt's agent run ended failed: \(agentRuns)")
        }
    }
}
