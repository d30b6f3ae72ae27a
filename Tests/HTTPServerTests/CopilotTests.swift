import Core
import Foundation
import Persistence
import Providers
import TestSupport
import Testing

@testable import HTTPServer

/// The live copilot against a local Messages API that answers with `tool_use` blocks, as the API
/// documents them; every tool is carried out with the caller's own workspace and key.
@Suite(.serialized) struct CopilotTests {
    static let store = TestDatabase.isolated("copilot")

    /// A Messages answer with a text block and the given tool calls (`stop_reason: tool_use`).
    static func toolUse(_ text: String, _ tools: [(String, JSONValue)]) -> FakeReply {
        let blocks: [JSONValue] =
            [["type": "text", "text": .string(text)]]
            + tools.enumerated().map { index, tool in
                ["type": "tool_use", "id": .string("toolu_0\(index)"), "name": .string(tool.0), "input": tool.1]
            }
        return .json(
            [
                "id": "msg_copilot", "type": "message", "role": "assistant", "model": "claude-sonnet-5-5", "content": .array(blocks),
                "stop_reason": "tool_use", "stop_sequence": .null,
                "usage": ["input_tokens": 900, "output_tokens": 60, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0],
            ], headers: ["request-id": "req_copilot"])
    }

    @Test func claudesToolCallsStartRunsAndDecideApprovalsByNumberAndIdPrefix() async throws {
        let (workspace, key) = try await TestDatabase.workspace(in: Self.store.database)
        let script = Locked<[FakeReply]>([])
        let server = FakeServer { request, _ in
            // The workflow's own agents get ordinary answers; the copilot's requests carry tools.
            guard request.json?["tools"] != nil else { return await ClaudeFaultTests.success(request) }
            return script.mutate { $0.isEmpty ? FakeReply(status: 500) : $0.removeFirst() }
        }
        try await server.run { base in
            let harness = try APIHarness(environment: ["CLAUDE_MODE": "live", "ANTHROPIC_API_KEY": "sk-test"], store: Self.store) {
                providers in
                providers.claude = AnthropicClient(
                    baseURL: base, apiKey: "sk-test", transport: CurlTransport(), retry: RetryPolicy(maxRetries: 0))
            }
            try await harness.withClient { client in
                script.value = [
                    Self.toolUse(
                        "Starting both.",
                        [
                            ("start_workflow", ["handle": "glowco", "workflow_slug": "campaign_launch"]),
                            ("start_workflow", ["handle": "@glowco", "workflow_slug": "post_launch_loop"]),
                        ])
                ]
                let started = try await client.call(
                    .post, "/api/dashboard/copilot", key: key.plaintext,
                    json: ["message": "launch a campaign and answer comments for glowco"])
                #expect(started.status == 200, "\(started.text)")
                let runs = started.json["actions"]?.arrayValue?.compactMap { $0["workflow_run_id"]?.stringValue } ?? []
                #expect(
                    runs.count == 2
                        && started.json["reply"]?.stringValue?.hasPrefix("Starting both.\nStarted Campaign Launch for @glowco") == true,
                    "\(started.json)")
                for run in runs { _ = try await harness.waitForRun(run, workspace: workspace, until: [.awaitingApproval]) }

                let pending = try await Self.store.database.withWorkspace(workspace) {
                    try ApprovalRepository.list(status: .pending, limit: 20, on: $0)
                }.reversed().map(\.id)
                #expect(pending.count == 2)
                script.value = [
                    Self.toolUse(
                        "Done.",
                        [
                            ("decide_approval", ["reference": "1", "approve": true]),
                            (
                                "decide_approval",
                                ["reference": .string(String(pending[1].description.prefix(8))), "approve": false, "note": "too salesy"]
                            ),
                        ])
                ]
                let decided = try await client.call(
                    .post, "/api/dashboard/copilot", key: key.plaintext, json: ["message": "approve the first, reject the other"])
                #expect(decided.status == 200, "\(decided.text)")
                #expect(
                    decided.json["actions"] == [
                        ["type": "approved", "approval_id": .string(pending[0].description)],
                        ["type": "rejected", "approval_id": .string(pending[1].description)],
                    ])
                let approvals = try await Self.store.database.withWorkspace(workspace) { c in
                    try pending.map { try ApprovalRepository.find($0, on: c)! }
                }
                #expect(approvals.map(\.status) == [.approved, .rejected] && approvals.allSatisfy { $0.decidedByKeyId == key.id })
                #expect(approvals[1].decisionNote == "too salesy")

                script.value = [Self.toolUse("", [("decide_approval", ["reference": "9", "approve": true])])]
                let missing = try await client.call(.post, "/api/dashboard/copilot", key: key.plaintext, json: ["message": "approve 9"])
                #expect(missing.status == 404 && missing.json["error"]?["code"] == "not_found")
            }
            await harness.stop()
        }
        let copilotRequests = server.requests.filter { $0.json?["tools"] != nil }
        #expect(copilotRequests.count == 3)
        let tools = copilotRequests.first?.json?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(tools == ["start_workflow", "last_run_status", "list_pending_approvals", "decide_approval"])
        #expect(copilotRequests.allSatisfy { $0.header("x-api-key") == "sk-test" })
        let traced = try await Self.store.database.withWorkspace(workspace) { c in
            try c.query("SELECT count(*) AS n FROM tiktok_agent_runs WHERE agent_name = 'copilot' AND status = 'succeeded'").first!.int("n")
        }
        #expect(traced == 3, "each copilot turn is traced as an agent run")
    }
}
