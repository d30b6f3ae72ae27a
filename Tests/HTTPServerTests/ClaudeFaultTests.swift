import Core
import Foundation
import Persistence
import Providers
import Testing

@testable import HTTPServer

/// The live Claude client against a local Messages API that answers bursts of 429, 529 and 500,
/// through whole workflow runs.
@Suite(.serialized) struct ClaudeFaultTests {
    /// Its own database, so no other suite's engine (with mock Claude) takes these steps.
    static let store = TestDatabase.isolated("claude_faults")

    /// The three faults, as the API sends them.
    static let faults: [FakeReply] = [
        .json(["type": "error", "error": ["type": "rate_limit_error", "message": "Number of request tokens has exceeded your rate limit"]],
              status: 429, headers: ["retry-after-ms": "20", "request-id": "req_429"]),
        .json(["type": "error", "error": ["type": "overloaded_error", "message": "Overloaded"]], status: 529, headers: ["request-id": "req_529"]),
        .json(["type": "error", "error": ["type": "api_error", "message": "Internal server error"]], status: 500, headers: ["request-id": "req_500"]),
    ]

    /// A Messages API answer made by the mock from the request the client sent.
    static func success(_ request: ReceivedRequest) async -> FakeReply {
        let body = request.json ?? [:]
        let system = body["system"]?.arrayValue?.compactMap { $0["text"]?.stringValue }.map { SystemBlock($0) } ?? []
        let messages = body["messages"]?.arrayValue?.map { ClaudeMessage(role: .user, text: $0["content"]?.stringValue ?? "") } ?? []
        let answer = try! await MockClaude().send(ClaudeRequest(model: body["model"]?.stringValue ?? "", system: system, messages: messages))
        return .json([
            "id": .string(answer.id), "type": "message", "role": "assistant", "model": .string(answer.model), "content": .array(answer.content),
            "stop_reason": "end_turn",
            "usage": ["input_tokens": .number(Double(answer.usage.inputTokens)), "output_tokens": .number(Double(answer.usage.outputTokens)),
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": .number(Double(answer.usage.cacheReadInputTokens))],
        ], headers: ["request-id": "req_ok"])
    }

    /// Which agent is calling: its system prompt (the user prompt carries live data that can
    /// change between attempts).
    static func caller(_ request: ReceivedRequest) -> String { request.json?["system"]?.jsonString ?? "" }

    static func harness(_ base: String) throws -> APIHarness {
        try APIHarness(store: store) { providers in
            providers.claude = AnthropicClient(
                baseURL: base, apiKey: "sk-test", transport: CurlTransport(), retry: RetryPolicy(maxRetries: 2, initialDelay: 0.01, maxDelay: 0.05))
        }
    }

    static func startAudit(_ harness: APIHarness, handle: String) async throws -> (WorkspaceID, WorkflowRunID) {
        let (workspace, _) = try await APIHarness.workspace(in: store)
        let brief = try await Self.store.database.withWorkspace(workspace) { c in
            try BriefRepository.create(NewBrief(handle: handle, notes: "faults"), workspace: workspace, on: c)
        }
        let run = try await harness.dependencies.orchestration.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace).run.id
        return (workspace, run)
    }

    @Test func burstsOf429And529And500AreRetriedAndTheRunsFinish() async throws {
        // Every agent's call first meets a burst: 429, 529, 500 (the client's two retries are
        // spent, so the step is retried by the engine), then 429 once more, then an answer.
        let attempts = Locked([String: Int]())
        let server = FakeServer { request, _ in
            let key = Self.caller(request)
            let attempt = attempts.value[key, default: 0]
            attempts.value[key] = attempt + 1
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
                try c.query("SELECT error FROM tiktok_agent_steps WHERE kind = 'llm_call' AND error IS NOT NULL").rows.map { try $0.string("error") }
            }
            #expect(failedCalls.count == 6 && failedCalls.allSatisfy { $0.contains("api_error") && $0.contains("req_500") }, "\(failedCalls)")
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
            #expect(!failed.isEmpty && failed.allSatisfy { $0.attempt == 3 && $0.error?.contains("req_529") == true }, "\(steps.map { "\($0.stepKey)=\($0.status)/\($0.attempt)" })")
            #expect(steps.first { $0.kind == .synthesis }?.status == .skipped)
            let agentRuns = try await Self.store.database.withWorkspace(workspace) { c in
                try c.query("SELECT status, count(*) AS n FROM tiktok_agent_runs GROUP BY status").rows.map { "\(try $0.string("status"))=\(try $0.int("n"))" }
            }
            #expect(agentRuns.allSatisfy { $0.hasPrefix("failed=") }, "every attempt's agent run ended failed: \(agentRuns)")
        }
    }
}
