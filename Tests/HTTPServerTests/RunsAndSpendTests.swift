import Core
import Foundation
import HTTPTypes
import Persistence
import TestSupport
import Testing

@testable import HTTPServer

/// The run list's search and filters (bad values answered), two runs compared, and the spend caps.
@Suite struct RunsAndSpendTests {
    @Test func runsAreSearchedByHandleAndDateAndBadFiltersAreAnswered() async throws {
        let harness = try APIHarness()
        let (workspace, key) = try await APIHarness.workspace()
        let runs = try await harness.store.database.withWorkspace(workspace) { c in
            try ["@glow_co", "@brewlab"].map { handle in
                try c.query(
                    "INSERT INTO tiktok_workflow_runs (workspace_id, workflow_slug, input, status) VALUES (\(workspace), 'profile_audit', \(JSONValue.object(["brief": ["handle": .string(handle)]])), 'succeeded') RETURNING id"
                ).first!.string("id")
            }
        }
        try await harness.withClient { client in
            let found = try await client.call(.get, "/api/dashboard/workflows/runs?handle=GLOW_", key: key)
            #expect(found.json["items"]?.arrayValue?.map { $0["id"]?.stringValue } == [runs[0]], "\(found.text)")
            let today = String(Timestamp.format(Date()).prefix(10))
            let dated = try await client.call(.get, "/api/dashboard/workflows/runs?from=\(today)&to=\(today)", key: key)
            #expect(dated.json["items"]?.arrayValue?.count == 2)
            let past = try await client.call(.get, "/api/dashboard/workflows/runs?to=2020-01-01", key: key)
            #expect(past.json["items"]?.arrayValue?.isEmpty == true)
            for (query, named) in [
                ("status=finished", "status"), ("workflow=nope", "workflow"), ("from=yesterday", "from"),
                ("from=2026-02-02&to=2026-01-01", "from"),
            ] {
                let refused = try await client.call(.get, "/api/dashboard/workflows/runs?\(query)", key: key)
                #expect(refused.status == 400 && refused.error?.message.contains(named) == true, "\(query): \(refused.text)")
            }
            let session = try await SecurityTests.login(client, key: key)
            let page = try await client.call(.get, "/runs?status=finished", headers: [.cookie: session.cookie])
            #expect(page.status == 400 && page.error?.isPage == true && page.error?.message.contains("status must be one of") == true)
            let compared = try await client.call(.get, "/runs/compare?run=\(runs[0])&run=\(runs[1])", headers: [.cookie: session.cookie])
            #expect(compared.status == 200 && compared.text.contains("@glow_co") && compared.text.contains("@brewlab"))
            let one = try await client.call(.get, "/runs/compare?run=\(runs[0])", headers: [.cookie: session.cookie])
            #expect(one.status == 400 && one.error?.message.contains("exactly two") == true)
        }
        await harness.stop()
    }

    @Test func theListPostgresBuildsIsTheRunsOwnJSONPageByPage() async throws {
        let harness = try APIHarness()
        let (workspace, key) = try await APIHarness.workspace()
        let ids = try await harness.store.database.withWorkspace(workspace) { c -> [String] in
            let plain = try c.query(
                "INSERT INTO tiktok_workflow_runs (workspace_id, workflow_slug, input, status) VALUES (\(workspace), 'profile_audit', '{}', 'pending') RETURNING id"
            ).first!.string("id")
            let done = try c.query(
                """
                INSERT INTO tiktok_workflow_runs (workspace_id, workflow_slug, input, status, error, report_md, total_cost_usd, total_latency_ms,
                    started_at, completed_at, created_at)
                VALUES (\(workspace), 'campaign_launch', \(JSONValue.object(["brief": ["handle": "@glow_co", "notes": .null, "inputs": ["id": 7_106_594_312_292_453_675]]])), 'failed', 'ads_launch failed: "quoted" C:\\dir' || chr(10) || 'next ✓', '# R', 0.0221, 1234,
                    now() - interval '2 minutes', now() - interval '1 minute', now() - interval '3 minutes') RETURNING id
                """
            ).first!.string("id")
            let replay = try c.query(
                "INSERT INTO tiktok_workflow_runs (workspace_id, workflow_slug, input, status, replay_of, started_at) VALUES (\(workspace), 'profile_audit', '{\"brief\": {\"handle\": \"@b\", \"notes\": null}}', 'running', \(done)::uuid, now()) RETURNING id"
            ).first!.string("id")
            return [plain, done, replay]
        }
        try await harness.withClient { client in
            var seen: [JSONValue] = []
            var cursor: String?
            repeat {
                let page = try await client.call(
                    .get, "/api/dashboard/workflows/runs?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), key: key)
                #expect(page.status == 200, "\(page.text)")
                seen += page.json["items"]?.arrayValue ?? []
                cursor = page.json["next_cursor"]?.stringValue
            } while cursor != nil
            #expect(Set(seen.compactMap { $0["id"]?.stringValue }) == Set(ids) && seen.count == 3)
            for item in seen {
                let id = try #require(item["id"]?.stringValue.flatMap(WorkflowRunID.init))
                let run = try #require(try await harness.store.database.withWorkspace(workspace) { try RunRepository.find(id, on: $0) })
                #expect(
                    item == WorkflowsController.listedRunJSON(run),
                    "\(item.jsonString)\n\(WorkflowsController.listedRunJSON(run).jsonString)")
            }
            #expect(seen.first { $0["status"] == "failed" }?["brief"]?["inputs"]?["id"]?.numberValue?.text == "7106594312292453675")
            #expect(
                seen.first { $0["status"] == "pending" }?.objectValue?.keys.contains("brief") == false, "a run without a brief lists none")
            #expect(seen.first { $0["status"] == "running" }?["brief"] == ["handle": "@b"], "a brief's null fields are left out")
            #expect(seen.first { $0["status"] == "failed" }?["error"] == "ads_launch failed: \"quoted\" C:\\dir\nnext ✓")
        }
    }

    @Test func aRunListSaysWhatAnOpenRunIsDoingAndHowLongAFinishedOneTook() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        func row(_ status: RunStatus, completed: Date? = nil) -> String? {
            let run = WorkflowRun(
                id: WorkflowRunID(UUID()), workspaceId: WorkspaceID(UUID()), workflowSlug: "profile_audit", status: status, input: [:],
                totalCostUsd: 0, totalLatencyMs: 0, createdAt: start, startedAt: start, completedAt: completed, updatedAt: start)
            return DashboardController.runRow(run)["duration"] as? String
        }
        #expect(row(.pending) == "queued")
        #expect(row(.running) == "running")
        #expect(row(.awaitingApproval) == "waiting for approval")
        #expect(row(.succeeded, completed: start.addingTimeInterval(2.1)) == "2.1 s")
    }

    @Test func anAdminSetsTheDailyCapsAndSeesTodaysUse() async throws {
        let harness = try APIHarness()
        let (workspace, key) = try await APIHarness.workspace()
        try await harness.store.database.withWorkspace(workspace) {
            try SpendLedgerRepository.charge(.ads, amount: 30, reference: "x", on: $0)
        }
        try await harness.withClient { client in
            let saved = try await client.call(
                .put, "/api/dashboard/spend-caps", key: key, json: ["claude_daily_usd": 12.5, "ads_daily_usd": 200])
            #expect(
                saved.status == 200 && saved.json["ads"]?["cap_usd"] == 200 && saved.json["ads"]?["spent_today_usd"] == 30, "\(saved.text)")
            #expect(saved.json["claude"]?["workspace_cap_usd"] == 12.5)
            for body in [["ads_daily_usd": -1], ["claude_daily_usd": "lots"], ["ads_daily_usd": 1e12]] as [JSONValue] {
                let refused = try await client.call(.put, "/api/dashboard/spend-caps", key: key, json: body)
                #expect(refused.status == 400, "\(body.jsonString)")
            }
            let defaulted = try await client.call(
                .put, "/api/dashboard/spend-caps", key: key, json: ["claude_daily_usd": .null, "ads_daily_usd": 200])
            #expect(defaulted.json["claude"]?["workspace_cap_usd"] == nil, "no own cap: the field is left out")
            let session = try await SecurityTests.login(client, key: key)
            let page = try await client.call(.get, "/spend", headers: [.cookie: session.cookie])
            #expect(page.text.contains("$30.00") && page.text.contains("of $200.00") && page.text.contains("Save caps"))
            #expect(!page.text.contains("cap is reached: Ads"), "$30 of $200 leaves room")
            _ = try await client.call(.put, "/api/dashboard/spend-caps", key: key, json: ["ads_daily_usd": 0])
            let reached = try await client.call(.get, "/spend", headers: [.cookie: session.cookie])
            #expect(reached.text.contains("of $0.00") && reached.text.contains("value=\"100\""), "a zero cap shows as full")
            #expect(reached.text.contains("Today's cap is reached: Ads spending stops"))
        }
        await harness.stop()
    }
}
