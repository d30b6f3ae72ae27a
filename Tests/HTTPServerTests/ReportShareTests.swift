import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Persistence
import TestSupport
import Testing

@testable import HTTPServer

/// A finished run's report: downloaded as Markdown, shared read-only by a link that needs no key,
/// expires and dies when revoked.
@Suite struct ReportShareTests {
    @Test func aShareLinkOpensWithoutAKeyAndDiesWhenRevoked() async throws {
        let harness = try APIHarness()
        let (workspace, key) = try await APIHarness.workspace()
        try await harness.withClient { client in
            let brief = try await client.call(.post, "/api/dashboard/briefs", key: key, json: ["handle": "@glow_co"])
            let briefId = try #require(brief.json["id"]?.stringValue)
            let started = try await client.call(
                .post, "/api/dashboard/workflows/run", key: key, json: ["brief_id": .string(briefId), "workflow_slug": "profile_audit"])
            let runId = try #require(started.json["workflow_run_id"]?.stringValue)
            _ = try await harness.waitForRun(runId, workspace: workspace, until: [.succeeded])

            let download = try await client.call(.get, "/api/dashboard/workflows/runs/\(runId)/report.md", key: key)
            #expect(download.status == 200 && download.text.hasPrefix("# ") && download.text.contains("## What it cost"))
            #expect(download.headers[.contentDisposition]?.contains("profile_audit-glow_co-") == true)

            for days in [0, 91, -1] {
                let refused = try await client.call(
                    .post, "/api/dashboard/workflows/runs/\(runId)/shares", key: key, json: ["expires_in_days": .number(JSONNumber(days))])
                #expect(refused.status == 400 && refused.error?.message.contains("expires_in_days") == true, "\(days)")
            }
            let created = try await client.call(
                .post, "/api/dashboard/workflows/runs/\(runId)/shares", key: key, json: ["expires_in_days": 1])
            #expect(created.status == 201, "\(created.text)")
            let url = try #require(created.json["url"]?.stringValue)
            let shareId = try #require(created.json["id"]?.stringValue)

            let opened = try await client.call(.get, url)
            #expect(opened.status == 200 && opened.text.contains("@glow&#95;co") && opened.text.contains("What it cost"))
            #expect(!opened.text.contains("Log out"), "the shared page carries no navigation")
            #expect(try await client.call(.get, "/shared/" + String(repeating: "0", count: 64)).status == 404)

            let listed = try await client.call(.get, "/api/dashboard/workflows/runs/\(runId)/shares", key: key)
            #expect(listed.json["items"]?.arrayValue?.count == 1 && listed.text.contains("token") == false, "the token is shown once")

            #expect(try await client.call(.delete, "/api/dashboard/workflows/runs/\(runId)/shares/\(shareId)", key: key).status == 204)
            let dead = try await client.call(.get, url)
            #expect(dead.status == 404 && dead.error?.code == "share_expired" && dead.error?.isPage == true)
            #expect(try await client.call(.delete, "/api/dashboard/workflows/runs/\(runId)/shares/\(shareId)", key: key).status == 404)
        }
        await harness.stop()
    }

    @Test func anExpiredLinkIsDeadAndARunWithoutAReportCannotBeShared() async throws {
        let harness = try APIHarness()
        let (workspace, key) = try await APIHarness.workspace()
        let run = try await harness.store.database.withWorkspace(workspace) { c in
            try c.query(
                "INSERT INTO tiktok_workflow_runs (workspace_id, workflow_slug) VALUES (\(workspace), 'profile_audit') RETURNING id"
            )
            .first!.string("id")
        }
        try await harness.withClient { client in
            let refused = try await client.call(.post, "/api/dashboard/workflows/runs/\(run)/shares", key: key, json: [:])
            #expect(refused.status == 409 && refused.error?.code == "no_report")
            let (_, token) = try await harness.store.database.withWorkspace(workspace) { c in
                try c.query("UPDATE tiktok_workflow_runs SET report_md = '# Report' WHERE id = \(run)")
                let made = try ReportShareRepository.create(run: WorkflowRunID(run)!, days: 1, by: nil, workspace: workspace, on: c)
                try c.query("UPDATE tiktok_report_shares SET expires_at = now() - interval '1 second'")
                return made
            }
            #expect(try await client.call(.get, "/shared/\(token)").status == 404)
        }
        await harness.stop()
    }
}
