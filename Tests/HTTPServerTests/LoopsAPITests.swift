import Core
import Foundation
import HTTPTypes
import Persistence
import Providers
import TestSupport
import Testing

@testable import HTTPServer

/// Money at the brief and the gate, per-item decisions, videos with ranges, schedules and alerts over HTTP.
@Suite struct LoopsAPITests {
    @Test func aBriefWithABadBudgetIsRefusedNamingTheFieldAndWritesNothing() async throws {
        let harness = try APIHarness()
        let (workspace, key) = try await APIHarness.workspace()
        try await APIHarness.store.database.withWorkspace(workspace) {
            try SpendLedgerRepository.setCaps(workspace: workspace, claudeDailyUsd: nil, adsDailyUsd: 200, on: $0)
        }
        try await harness.withClient { client in
            for budget: JSONValue in [-5, 0, 99_999_999_999, 200.01] {
                let refused = try await client.call(
                    .post, "/api/dashboard/briefs", key: key, json: ["handle": "@glowco", "inputs": ["budget_usd": budget]])
                #expect(refused.status == 400, "\(budget)")
                #expect(refused.json["error"]?["message"]?.stringValue?.hasPrefix("inputs.budget_usd") == true, "\(refused.text)")
            }
            let accepted = try await client.call(
                .post, "/api/dashboard/briefs", key: key, json: ["handle": "@glowco", "inputs": ["budget_usd": 200]])
            #expect(accepted.status == 201)
        }
        let briefs = try await APIHarness.store.database.withWorkspace(workspace) {
            try BriefRepository.list(limit: 10, cursor: nil, on: $0)
        }
        #expect(briefs.items.count == 1)
        await harness.stop()
    }

    @Test func theGateTakesItemDecisionsAndRefusesABudgetOverTheCap() async throws {
        let harness = try APIHarness()
        let (workspace, key) = try await APIHarness.workspace()
        try await harness.withClient { client in
            let brief = try await client.call(
                .post, "/api/dashboard/briefs", key: key, json: ["handle": "@glowco", "inputs": ["budget_usd": 40]])
            let started = try await client.call(
                .post, "/api/dashboard/workflows/run", key: key,
                json: ["brief_id": brief.json["id"]!, "workflow_slug": "campaign_launch"])
            let runId = try #require(started.json["workflow_run_id"]?.stringValue)
            _ = try await harness.waitForRun(runId, workspace: workspace, until: [.awaitingApproval])
            let pending = try await client.call(.get, "/api/dashboard/approvals", key: key)
            let approval = try #require(pending.json["items"]?.arrayValue?.first)
            let id = try #require(approval["id"]?.stringValue)
            #expect(approval["payload"]?["campaign"]?["ad_text"]?.stringValue != nil, "the ad copy is reviewed before the gate")
            let over = try await client.call(.post, "/api/dashboard/approvals/\(id)/approve", key: key, json: ["budget_usd": 100_000])
            #expect(
                over.status == 400 && over.json["error"]?["message"]?.stringValue?.hasPrefix("budget_usd $100000.00 is more than") == true)
            let badItem = try await client.call(
                .post, "/api/dashboard/approvals/\(id)/approve", key: key, json: ["items": [["id": "video:x", "action": "keep"]]])
            #expect(badItem.status == 400 && badItem.json["error"]?["message"] == "items[0].action must be approve, edit or drop")
            let asset = try #require(approval["payload"]?["assets"]?["assets"]?.arrayValue?.first?["asset_id"]?.stringValue)
            let approved = try await client.call(
                .post, "/api/dashboard/approvals/\(id)/approve", key: key,
                json: ["budget_usd": 25, "note": "go", "items": [["id": .string("video:\(asset)"), "action": "drop"]]])
            #expect(approved.status == 200 && approved.json["decisions"]?.arrayValue?.first?["action"] == "drop")
            let run = try await harness.waitForRun(runId, workspace: workspace, until: [.succeeded, .failed])
            #expect(run.status == .succeeded)
            let detail = try await client.call(.get, "/api/dashboard/workflows/runs/\(runId)", key: key)
            let steps = detail.json["steps"]?.arrayValue ?? []
            let published = steps.first { $0["step_key"] == "publisher" }?["output"]?["published"]?.arrayValue ?? []
            #expect(!published.contains { $0["asset"]?.stringValue == asset }, "the dropped video was not posted")
            #expect(steps.first { $0["step_key"] == "ads_launch" }?["output"]?["budget_usd"] == 25)
        }
        await harness.stop()
    }

    @Test func aVideoIsServedWholeOrByRange() async throws {
        let harness = try APIHarness()
        let (workspace, key) = try await APIHarness.workspace()
        let asset = "range-\(UUID().uuidString.lowercased())"
        let folder = NSTemporaryDirectory() + "http-media/\(workspace)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data((0..<1000).map { UInt8($0 % 256) }).write(to: URL(fileURLWithPath: folder + "/\(asset).mp4"))
        try await harness.withClient { client in
            let whole = try await client.call(.get, "/api/dashboard/media/\(asset).mp4", key: key)
            #expect(whole.status == 200 && whole.headers[.acceptRanges] == "bytes")
            let part = try await client.call(.get, "/api/dashboard/media/\(asset).mp4", key: key, headers: [.range: "bytes=10-19"])
            #expect(part.status == 206 && part.headers[.contentRange] == "bytes 10-19/1000" && part.headers[.contentLength] == "10")
            let tail = try await client.call(.get, "/api/dashboard/media/\(asset).mp4", key: key, headers: [.range: "bytes=-100"])
            #expect(tail.status == 206 && tail.headers[.contentRange] == "bytes 900-999/1000")
            let outside = try await client.call(.get, "/api/dashboard/media/\(asset).mp4", key: key, headers: [.range: "bytes=5000-"])
            #expect(outside.status == 416 && outside.headers[.contentRange] == "bytes */1000")
        }
        await harness.stop()
    }

    @Test func schedulesAndNotificationSettingsAreManagedOverTheAPI() async throws {
        let harness = try APIHarness()
        let (_, key) = try await APIHarness.workspace()
        try await harness.withClient { client in
            let brief = try await client.call(.post, "/api/dashboard/briefs", key: key, json: ["handle": "@glowco"])
            let bad = try await client.call(
                .post, "/api/dashboard/schedules", key: key,
                json: ["brief_id": brief.json["id"]!, "workflow_slug": "profile_audit", "cron": "every monday"])
            #expect(bad.status == 400 && bad.json["error"]?["message"]?.stringValue?.contains("five fields") == true)
            let created = try await client.call(
                .post, "/api/dashboard/schedules", key: key,
                json: ["brief_id": brief.json["id"]!, "workflow_slug": "profile_audit", "cron": "30 8 * * *", "time_zone": "Europe/Paris"])
            #expect(created.status == 201 && created.json["cron"] == "30 8 * * *" && created.json["next_run_at"]?.stringValue != nil)
            let listed = try await client.call(.get, "/api/dashboard/schedules", key: key)
            #expect(listed.json["items"]?.arrayValue?.count == 1)
            let id = try #require(created.json["id"]?.stringValue)
            #expect(try await client.call(.delete, "/api/dashboard/schedules/\(id)", key: key).status == 204)
            #expect(try await client.call(.delete, "/api/dashboard/schedules/\(id)", key: key).status == 404)
            let badURL = try await client.call(.put, "/api/dashboard/notifications", key: key, json: ["slack_webhook_url": "slack"])
            #expect(badURL.status == 400 && badURL.json["error"]?["message"]?.stringValue?.hasPrefix("slack_webhook_url") == true)
            for minutes: JSONValue in [0, 10_081, 282_764_307_833_438] {
                let refused = try await client.call(
                    .put, "/api/dashboard/notifications", key: key, json: ["approval_alert_minutes": minutes])
                #expect(
                    refused.status == 400 && refused.json["error"]?["message"]?.stringValue?.contains("from 1 to 10080") == true,
                    "\(minutes): \(refused.text)")
            }
            let saved = try await client.call(
                .put, "/api/dashboard/notifications", key: key,
                json: ["slack_webhook_url": "https://hooks.slack.com/services/T/B/X", "approval_alert_minutes": 15])
            #expect(saved.status == 200 && saved.json["approval_alert_minutes"] == 15)
            let alerts = try await client.call(.get, "/api/dashboard/alerts", key: key)
            #expect(alerts.status == 200 && alerts.json["items"]?.arrayValue != nil)
        }
        await harness.stop()
    }

    @Test func theOverviewChartsTheStoredAccountMetrics() async throws {
        let harness = try APIHarness()
        let (workspace, key) = try await APIHarness.workspace()
        let account = try await AccountsAPITests.connected(workspace)
        try await APIHarness.store.database.withWorkspace(workspace) { c in
            try MetricsRepository.upsertAccountDay(
                account: account.id, day: AccountDayMetrics.day(Date()), followers: 900, newFollowers: 37, videoViews: 4321,
                profileViews: 5,
                likes: 6, comments: 7, shares: 8, workspace: workspace, on: c)
        }
        try await harness.withClient { client in
            let session = try await SecurityTests.login(client, key: key)
            let overview = try await client.call(.get, "/", headers: [.cookie: session.cookie])
            #expect(overview.status == 200 && overview.text.contains("id=\"account-metrics\""))
            #expect(overview.text.contains("4321") && overview.text.contains("37"))
        }
        await harness.stop()
    }
}
