import Core
import Foundation
import HummingbirdTesting
import Persistence
import TestSupport
import Testing

@testable import HTTPServer

/// `POST /api/dashboard/workflows/runs/{id}/replay` and the dashboard's Replay button.
@Suite struct ReplayAPITests {
    /// A Profile Audit of `handle` (naming a competitor) started through the API, once it succeeded.
    static func finishedAudit(
        _ handle: String, _ client: any TestClientProtocol, _ harness: APIHarness, _ workspace: WorkspaceID, _ key: String
    ) async throws -> String {
        let brief = try await client.call(
            .post, "/api/dashboard/briefs", key: key, json: ["handle": .string(handle), "inputs": ["competitors": ["@rival_brand"]]])
        let started = try await client.call(
            .post, "/api/dashboard/workflows/run", key: key, json: ["brief_id": brief.json["id"]!, "workflow_slug": "profile_audit"])
        let runId = try #require(started.json["workflow_run_id"]?.stringValue)
        _ = try await harness.waitForRun(runId, workspace: workspace, until: [.succeeded])
        return runId
    }

    @Test func anEndedRunIsReplayedWithTheSameReportAndARunStillGoingIsRefused() async throws {
        let harness = try APIHarness()
        let (workspace, key) = try await APIHarness.workspace()
        let going = try await harness.store.database.withWorkspace(workspace) { c in
            try c.query(
                "INSERT INTO tiktok_workflow_runs (workspace_id, workflow_slug, input, status) VALUES (\(workspace), 'profile_audit', '{}', 'running') RETURNING id"
            ).first!.string("id")
        }
        try await harness.withClient { client in
            let runId = try await Self.finishedAudit("@glowco", client, harness, workspace, key)

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

    /// Its own database: it compares the recorded synthesis call's cost with the re-run's, and an
    /// engine of another suite stopping would hand the step back mid-call (a second attempt).
    static let evaluationStore = TestDatabase.isolated("evaluation_page")

    @Test func anEvaluationIsStartedFollowedAndReadOnItsPage() async throws {
        let harness = try APIHarness(store: Self.evaluationStore)
        let (workspace, key) = try await APIHarness.workspace(in: Self.evaluationStore)
        try await harness.withClient { client in
            let runId = try await Self.finishedAudit("@evalpage", client, harness, workspace, key)

            let refusals: [(JSONValue, Int, String)] = [
                (["run_ids": [.string(runId)], "models": ["synthesis": "claude-nope"]], 400, "models.synthesis"),
                (["run_ids": [.string(runId)], "models": ["nobody": "claude-sonnet-5-5"]], 400, "no agent named nobody"),
                (["run_ids": [.string(runId)], "colour": "red"], 400, "unknown field colour"),
                (["handle": "@nobody_here"], 400, "no succeeded recorded run"),
                (["run_ids": [.string(UUID().uuidString)]], 404, "not found"),
                (["handle": "@evalpage", "limit": 50], 400, "limit must be between 1 and 20"),
                (["from": "yesterday"], 400, "from must be a date"),
            ]
            for (body, status, named) in refusals {
                let refused = try await client.call(.post, "/api/dashboard/evaluations", key: key, json: body)
                #expect(refused.status == status && refused.error?.message.contains(named) == true, "\(body.jsonString): \(refused.text)")
            }
            #expect(try await client.call(.get, "/api/dashboard/evaluations", key: key).json["items"]?.arrayValue?.isEmpty == true)

            let created = try await client.call(
                .post, "/api/dashboard/evaluations", key: key,
                json: ["handle": "@evalpage", "limit": 5, "models": ["synthesis": "claude-sonnet-5-5"]])
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["evaluation"]?["id"]?.stringValue)
            #expect(created.json["progress"]?["runs"] == 1)
            var report = created.json
            try await eventually("the re-run ends", within: .seconds(240)) {
                report = try await client.call(.get, "/api/dashboard/evaluations/\(id)", key: key).json
                return report["evaluation"]?["status"] == "finished"
            }
            let pair = report["runs"]?.arrayValue?.first
            #expect(pair?["source_run_id"] == .string(runId) && pair?["valid"] == true)
            let before = try #require(report["totals"]?["before"]?["cost_usd"]?.doubleValue)
            let after = try #require(report["totals"]?["after"]?["cost_usd"]?.doubleValue)
            #expect(before > 0 && after > 0)
            let synthesis = pair?["calls"]?.arrayValue?.first { $0["agent"] == "synthesis" }
            #expect(synthesis?["before"]?["model"] == "claude-opus-5-5" && synthesis?["after"]?["model"] == "claude-sonnet-5-5")
            let (opus, sonnet) = (synthesis?["before"]?["cost_usd"]?.doubleValue ?? 0, synthesis?["after"]?["cost_usd"]?.doubleValue ?? 0)
            #expect(sonnet > 0 && sonnet < opus, "Sonnet ($2/$10) writes the synthesis for less than Opus ($4/$20): \(sonnet) vs \(opus)")
            let ended = try await client.call(.post, "/api/dashboard/evaluations/\(id)/cancel", key: key)
            #expect(ended.status == 409)

            let session = try await SecurityTests.login(client, key: key)
            let page = try await client.call(.get, "/evaluations/\(id)", headers: [.cookie: session.cookie])
            #expect(page.status == 200 && page.text.contains("synthesis on claude-sonnet-5-5") && page.text.contains("Claude cost"))
            #expect(page.text.contains("/runs/compare?run=\(runId)&amp;run="), "a marketer compares the two reports side by side")
            #expect(page.text.contains("claude-opus-5-5") && page.text.contains("claude-sonnet-5-5"), "an engineer sees the model per call")
            let runPage = try await client.call(.get, "/runs/\(runId)", headers: [.cookie: session.cookie])
            #expect(runPage.text.contains("action=\"/runs/\(runId)/evaluate\""))
            let form = try await client.call(
                .post, "/runs/\(runId)/evaluate", raw: "csrf=\(session.csrf)&agent=synthesis&model=claude-haiku-5-5",
                contentType: "application/x-www-form-urlencoded", headers: [.cookie: session.cookie])
            #expect(form.status == 303 && form.headers[.location]?.hasPrefix("/evaluations/") == true, "\(form.text)")
            let half = try await client.call(
                .post, "/runs/\(runId)/evaluate", raw: "csrf=\(session.csrf)&agent=synthesis&model=",
                contentType: "application/x-www-form-urlencoded", headers: [.cookie: session.cookie])
            #expect(half.status == 400 && half.error?.isPage == true && half.error?.message.contains("both an agent and the model") == true)
            let list = try await client.call(.get, "/evaluations", headers: [.cookie: session.cookie])
            #expect(list.text.contains("synthesis on claude-haiku-5-5") && list.text.contains("synthesis on claude-sonnet-5-5"))
        }
    }
}
