import Core
import Foundation
import Persistence
import TestSupport
import Testing

@testable import HTTPServer

/// `POST /api/dashboard/workflows/runs/{id}/replay` and the dashboard's Replay button.
@Suite struct ReplayAPITests {
    @Test func anEndedRunIsReplayedWithTheSameReportAndARunStillGoingIsRefused() async throws {
        let harness = try APIHarness()
        let (workspace, key) = try await APIHarness.workspace()
        let going = try await harness.store.database.withWorkspace(workspace) { c in
            try c.query(
                "INSERT INTO tiktok_workflow_runs (workspace_id, workflow_slug, input, status) VALUES ($1, 'profile_audit', '{}', 'running') RETURNING id",
                workspace
            ).first!.string("id")
        }
        try await harness.withClient { client in
            let brief = try await client.call(
                .post, "/api/dashboard/briefs", key: key, json: ["handle": "@glowco", "inputs": ["competitors": ["@rival_brand"]]])
            let started = try await client.call(
                .post, "/api/dashboard/workflows/run", key: key, json: ["brief_id": brief.json["id"]!, "workflow_slug": "profile_audit"])
            let runId = try #require(started.json["workflow_run_id"]?.stringValue)
            _ = try await harness.waitForRun(runId, workspace: workspace, until: [.succeeded])

            let refused = try await client.call(.post, "/api/dashboard/workflows/runs/\(going)/replay", key: key)
            #expect(refused.status == 409 && refused.error?.message.contains("once it has ended") == true, "\(refused.text)")
            let missing = try await client.call(.post, "/api/dashboard/workflows/runs/\(UUID().uuidString)/replay", key: key)
            #expect(missing.status == 404 && missing.error?.code == "not_found")

            let replay = try await client.call(.post, "/api/dashboard/workflows/runs/\(runId)/replay", key: key)
            #expect(replay.status == 201, "\(replay.text)")
            let replayId = try #require(replay.json["run"]?["id"]?.stringValue)
            #expect(replay.json["run"]?["replay_of"] == .string(runId))
            #expect(replay.json["stream_url"] == .string("/api/dashboard/workflows/runs/\(replayId)/stream"))
            let done = try await harness.waitForRun(replayId, workspace: workspace, until: [.succeeded, .failed])
            #expect(done.status == .succeeded && done.totalCostUsd == 0)
            let (original, copy) = (
                try await client.call(.get, "/api/dashboard/workflows/runs/\(runId)", key: key),
                try await client.call(.get, "/api/dashboard/workflows/runs/\(replayId)", key: key)
            )
            #expect(copy.json["report_md"] == original.json["report_md"] && copy.json["report_md"] != nil)

            let again = try await client.call(.post, "/api/dashboard/workflows/runs/\(replayId)/replay", key: key)
            #expect(again.json["run"]?["replay_of"] == .string(runId), "a replay of a replay replays the original")
            _ = try await harness.waitForRun(try #require(again.json["run"]?["id"]?.stringValue), workspace: workspace, until: [.succeeded])

            let session = try await SecurityTests.login(client, key: key)
            let page = try await client.call(.get, "/runs/\(replayId)", headers: [.cookie: session.cookie])
            #expect(page.text.contains("id=\"replay-of\"") && page.text.contains("href=\"/runs/\(runId)\""))
            let button = try await client.call(
                .post, "/runs/\(runId)/replay", raw: "csrf=\(session.csrf)", contentType: "application/x-www-form-urlencoded",
                headers: [.cookie: session.cookie])
            #expect(button.status == 303 && button.headers[.location]?.hasPrefix("/runs/") == true, "\(button.text)")
        }
    }
}
