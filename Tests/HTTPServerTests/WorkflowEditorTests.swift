import Core
import Foundation
import Orchestrator
import Persistence
import TestSupport
import Testing

@testable import HTTPServer

/// Workspace workflows made in the editor: created, checked, versioned, run and deleted; templates stay read-only.
@Suite struct WorkflowEditorTests {
    static let custom: JSONValue = [
        "slug": "quick_look", "name": "Quick look", "description": "Profile and trends, then a report",
        "steps": [
            ["key": "profile", "agent": "profile_auditor", "input_map": ["handle": "brief.handle"]],
            ["key": "trends", "agent": "trend_scout", "input_map": ["handle": "brief.handle"]],
            ["key": "report", "agent": "SYNTHESIS_NODE", "depends_on": ["profile", "trends"], "input_map": ["handle": "brief.handle"]],
        ],
    ]

    @Test func aWorkflowIsCreatedCheckedVersionedRunAndDeleted() async throws {
        let harness = try APIHarness()
        let (workspace, key) = try await APIHarness.workspace()
        try await harness.withClient { client in
            var cyclic = Self.custom
            cyclic = cyclic.merging([
                "steps": [
                    ["key": "a", "agent": "trend_scout", "depends_on": ["b"]], ["key": "b", "agent": "trend_scout", "depends_on": ["a"]],
                ]
            ])
            let checks: [(JSONValue, String)] = [
                (cyclic, "cycle"), (Self.custom.merging(["steps": [["key": "x", "agent": "nobody"]]]), "unknown agent nobody"),
                (Self.custom.merging(["slug": "Bad Slug"]), "slug"),
                (Self.custom.merging(["steps": [["key": "x", "agent": "trend_scout", "depends_on": ["ghost"]]]]), "unknown step ghost"),
            ]
            for (body, says) in checks {
                let preview = try await client.call(.post, "/api/dashboard/workflows/preview", key: key, json: body)
                #expect(preview.json["valid"] == false && preview.json["error"]?.stringValue?.contains(says) == true, "\(preview.text)")
                #expect(try await client.call(.post, "/api/dashboard/workflows", key: key, json: body).status == 400)
            }
            let good = try await client.call(.post, "/api/dashboard/workflows/preview", key: key, json: Self.custom)
            #expect(good.json["valid"] == true && good.json["dag"]?.stringValue?.contains("data-step=\"report\"") == true)
            let template = try await client.call(
                .post, "/api/dashboard/workflows", key: key, json: Self.custom.merging(["slug": "profile_audit"]))
            #expect(template.status == 409)
            #expect(
                try await client.call(
                    .put, "/api/dashboard/workflows/profile_audit", key: key, json: Self.custom.merging(["slug": "profile_audit"])
                ).status == 409)
            let created = try await client.call(.post, "/api/dashboard/workflows", key: key, json: Self.custom)
            #expect(created.status == 201 && created.json["version"] == 1, "\(created.text)")
            #expect(try await client.call(.post, "/api/dashboard/workflows", key: key, json: Self.custom).status == 409)

            let brief = try await client.call(.post, "/api/dashboard/briefs", key: key, json: ["handle": "@glowco"])
            let started = try await client.call(
                .post, "/api/dashboard/workflows/run", key: key, json: ["brief_id": brief.json["id"]!, "workflow_slug": "quick_look"])
            let runId = try #require(started.json["workflow_run_id"]?.stringValue)
            var edited = Self.custom
            edited = edited.merging([
                "name": "Quick look v2", "steps": [["key": "trends", "agent": "trend_scout", "input_map": ["handle": "brief.handle"]]],
            ])
            let updated = try await client.call(.put, "/api/dashboard/workflows/quick_look", key: key, json: edited)
            #expect(updated.status == 200 && updated.json["version"] == 2, "\(updated.text)")
            let run = try await harness.waitForRun(runId, workspace: workspace, until: [.succeeded, .failed])
            #expect(run.status == .succeeded)
            let steps = try await client.call(.get, "/api/dashboard/workflows/runs/\(runId)", key: key).json["steps"]?.arrayValue ?? []
            #expect(steps.count == 3, "the run kept the version it started with")
            #expect(try await client.call(.delete, "/api/dashboard/workflows/quick_look", key: key).status == 204)
            #expect(try await client.call(.get, "/api/dashboard/workflows/quick_look", key: key).status == 404)
            #expect(try await client.call(.delete, "/api/dashboard/workflows/profile_audit", key: key).status == 409)
        }
        await harness.stop()
    }
}
