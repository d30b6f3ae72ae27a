import Core
import Foundation
import HTTPTypes
import Persistence
import TestSupport
import Testing

@testable import HTTPServer

/// Briefs are edited and deleted, over the API and in the dashboard; a brief in use stays.
@Suite struct BriefEditingTests {
    @Test func aBriefIsPatchedValidatedAndDeletedOnlyWhenNothingUsesIt() async throws {
        let harness = try APIHarness()
        let (workspace, key) = try await APIHarness.workspace()
        try await harness.withClient { client in
            let created = try await client.call(
                .post, "/api/dashboard/briefs", key: key,
                json: ["handle": "@glowco", "notes": "Spring", "inputs": ["competitors": ["@rival"], "posts_per_week": 3]])
            let id = try #require(created.json["id"]?.stringValue)
            let patched = try await client.call(
                .patch, "/api/dashboard/briefs/\(id)", key: key,
                json: ["notes": "Summer", "inputs": ["posts_per_week": .null, "budget_usd": 40]])
            #expect(patched.status == 200, "\(patched.text)")
            #expect(patched.json["notes"] == "Summer" && patched.json["handle"] == "@glowco")
            #expect(patched.json["inputs"] == ["competitors": ["@rival"], "budget_usd": 40], "\(patched.json["inputs"] ?? .null)")
            for (body, field) in [
                (["handle": "no spaces allowed"], "handle"), (["inputs": ["budget_usd": -5]], "budget_usd"), (["colour": "red"], "colour"),
            ]
                as [(JSONValue, String)]
            {
                let refused = try await client.call(.patch, "/api/dashboard/briefs/\(id)", key: key, json: body)
                #expect(refused.status == 400 && refused.error?.message.contains(field) == true, "\(body.jsonString): \(refused.text)")
            }
            let still = try await client.call(.get, "/api/dashboard/briefs/\(id)", key: key)
            #expect(still.json["notes"] == "Summer", "a refused edit wrote nothing")

            let run = try await harness.store.database.withWorkspace(workspace) { c in
                try c.query(
                    "INSERT INTO tiktok_workflow_runs (workspace_id, workflow_slug, brief_id, status) VALUES (\(workspace), 'profile_audit', \(UUID(uuidString: id)!), 'running') RETURNING id"
                ).first!.string("id")
            }
            let inUse = try await client.call(.delete, "/api/dashboard/briefs/\(id)", key: key)
            #expect(
                inUse.status == 409 && inUse.error?.code == "brief_in_use"
                    && inUse.error?.message.contains("1 run still in progress") == true)
            _ = try await harness.store.database.withWorkspace(workspace) { c in
                try c.query("UPDATE tiktok_workflow_runs SET status = 'succeeded', completed_at = now() WHERE id = \(run)::uuid")
            }
            #expect(try await client.call(.delete, "/api/dashboard/briefs/\(id)", key: key).status == 204)
            #expect(try await client.call(.get, "/api/dashboard/briefs/\(id)", key: key).status == 404)
            #expect(try await client.call(.delete, "/api/dashboard/briefs/\(id)", key: key).status == 404)
        }
        await harness.stop()
    }

    @Test func theDashboardFormSpeaksPlainlyAndSavesListsAndEdits() async throws {
        let harness = try APIHarness()
        let (_, key) = try await APIHarness.workspace()
        try await harness.withClient { client in
            let session = try await SecurityTests.login(client, key: key)
            let headers: HTTPFields = [.cookie: session.cookie]
            let form = try await client.call(.get, "/briefs", headers: headers)
            #expect(form.text.contains("Daily ads budget (USD)") && form.text.contains("Our own account"))
            #expect(!form.text.contains("Budget Usd") && !form.text.contains(">own_account<"))
            #expect(form.text.contains("name=\"competitors[0]\"") && form.text.contains("name=\"competitors[4]\""))
            let posted = try await client.call(
                .post, "/briefs",
                raw:
                    "csrf=\(session.csrf)&handle=%40glow_co&target_type=own_account&notes=Spring&competitors%5B0%5D=%40rival_one&competitors%5B2%5D=%40rival_two&budget_usd=25",
                contentType: "application/x-www-form-urlencoded", headers: headers)
            #expect(posted.status == 303)
            let location = try #require(posted.headers[.location])
            #expect(location.hasSuffix("?done=created"))
            let detail = try await client.call(.get, location, headers: headers)
            #expect(
                detail.text.contains("The brief was created") && detail.text.contains("@rival_one, @rival_two")
                    && detail.text.contains("$25.00 a day"))
            let path = String(location.prefix { $0 != "?" })
            let bad = try await client.call(
                .post, path, raw: "csrf=\(session.csrf)&handle=%40glow_co&budget_usd=-1", contentType: "application/x-www-form-urlencoded",
                headers: headers)
            #expect(bad.status == 400 && bad.text.contains("Nothing was saved") && bad.text.contains("Daily ads budget (USD)"))
            let saved = try await client.call(
                .post, path, raw: "csrf=\(session.csrf)&handle=%40glow_co&notes=Autumn&competitors%5B0%5D=%40rival_one",
                contentType: "application/x-www-form-urlencoded", headers: headers)
            #expect(saved.status == 303 && saved.headers[.location]?.hasSuffix("?done=saved") == true)
            let after = try await client.call(.get, path, headers: headers)
            #expect(after.text.contains("Autumn") && !after.text.contains("@rival_two") && !after.text.contains("$25.00"))
            let deleted = try await client.call(
                .post, path + "/delete", raw: "csrf=\(session.csrf)", contentType: "application/x-www-form-urlencoded", headers: headers)
            #expect(deleted.status == 303 && deleted.headers[.location] == "/briefs?done=deleted")
            #expect(try await client.call(.get, path, headers: headers).status == 404)
        }
        await harness.stop()
    }
}
