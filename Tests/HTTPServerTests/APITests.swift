import APIContract
import Agents
import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Orchestrator
import Persistence
import TestSupport
import Testing

@testable import HTTPServer

@Suite(.serialized) struct APITests {
    @Test func healthReadinessMetricsAndTheSpecAnswer() async throws {
        let harness = try APIHarness(environment: ["METRICS_TOKEN": "metrics-token-0123456789"])
        try await harness.withClient { client in
            #expect(try await client.call(.get, "/health").json == ["status": "ok"])
            #expect(try await client.call(.get, "/ready").json == ["status": "ok", "db": "ok", "engine": "ok"])
            let metrics = try await client.call(.get, "/metrics", headers: [.authorization: "Bearer metrics-token-0123456789"])
            #expect(
                metrics.status == 200 && metrics.text.contains("tiktok_db_pool_connections")
                    && metrics.text.contains("tiktok_outbox_backlog"))
            #expect(
                metrics.text.contains("# HELP tiktok_http_requests_total HTTP requests")
                    && metrics.text.contains("tiktok_http_request_duration_seconds_bucket{")
                    && metrics.text.contains("tiktok_sse_clients 0"),
                "the request metrics keep their names")
            #expect(try await client.call(.get, "/metrics").status == 401, "totals across workspaces need the token")
            #expect(try await client.call(.get, "/metrics", headers: [.authorization: "Bearer metrics-token-012345678X"]).status == 401)
            let spec = try await client.call(.get, "/openapi.yaml")
            #expect(spec.status == 200 && spec.text.hasPrefix("openapi: 3.1.0"))
            let missing = try await client.call(.get, "/api/nowhere")
            #expect(missing.status == 404 && missing.json["error"]?["code"] == "not_found")
            let page = try await client.call(.get, "/nowhere")
            #expect(page.status == 404 && page.error?.code == "not_found" && page.error?.isPage == true)
            #expect(
                page.headers[.contentType]?.hasPrefix("text/html") == true && (page.text.contains("Go to") || page.text.contains("Log in")))
            #expect(missing.headers[HTTPField.Name("x-request-id")!] != nil)
        }
        await harness.stop()
    }

    @Test func readinessReports503WhenTheDatabaseIsDown() async throws {
        let harness = try APIHarness()
        var dependencies = harness.dependencies
        dependencies.database = Database(url: "postgresql://nobody:x@127.0.0.1:1/none?connect_timeout=1", poolSize: 1)
        try await Application(router: buildRouter(dependencies)).test(.router) { client in
            let ready = try await client.call(.get, "/ready")
            #expect(ready.status == 503 && ready.json["db"] == "unavailable")
        }
        await harness.stop()
    }

    @Test func readinessReports503AndTheOverviewWarnsWhileTheEngineCannotClaimSteps() async throws {
        // Everything answers but the claim (as behind a pooler that loses the engine's statements).
        let store = TestDatabase.isolated("stall")
        let database = String(store.appURL.split(separator: "?")[0].split(separator: "/").last!)
        let superuser = TestDatabase.cluster.superuserURL.replacing(/\/[^\/?]+(\?|$)/, with: { "/\(database)\($0.output.1)" })
        try Connection(url: superuser).execute("REVOKE EXECUTE ON FUNCTION tiktok_claim_steps FROM tiktok_app")
        let harness = try APIHarness(store: store)
        let (_, key) = try await APIHarness.workspace(in: store)
        let environment = AgentEnvironment(
            database: store.database, providers: harness.dependencies.providers, logger: Logger(label: "stalled-engine"))
        let stalled = Orchestration(
            environment: environment, configuration: EngineConfiguration(pollInterval: .milliseconds(50), stallSeconds: 0.3),
            listenURL: store.appURL)
        var dependencies = harness.dependencies
        dependencies.orchestration = stalled
        let loop = Task { await stalled.engine.work() }
        try await Application(router: buildRouter(dependencies)).test(.router) { client in
            try await eventually("the engine counts as stalled") { stalled.engine.health.stall() != nil }
            let ready = try await client.call(.get, "/ready")
            #expect(ready.status == 503 && ready.json["db"] == "ok" && ready.json["engine"] == "stalled", "\(ready.text)")
            let reason = ready.json["reason"]?.stringValue ?? ""
            #expect(
                reason.hasPrefix("claiming steps has failed for ") && reason.contains("[42501]") && reason.contains("tiktok_claim_steps"),
                "\(reason)")
            let session = try await SecurityTests.login(client, key: key)
            let overview = try await client.call(.get, "/", headers: [.cookie: session.cookie])
            #expect(
                overview.status == 200 && overview.text.contains("Runs are not advancing on this server: claiming steps has failed"),
                "\(overview.text.prefix(400))")
        }
        loop.cancel()
        await loop.value
        await harness.stop()
    }

    /// Its own database: it counts every Claude call of its run, and an engine of another suite
    /// stopping would hand a step back mid-call (a second attempt, more calls).
    static let modelChoiceStore = TestDatabase.isolated("model_choice")

    @Test func aWorkspaceChoosesAModelPerAgentAndRunsUseIt() async throws {
        let harness = try APIHarness(store: Self.modelChoiceStore)
        let (workspace, key) = try await APIHarness.workspace(in: Self.modelChoiceStore)
        try await harness.withClient { client in
            let table = try await client.call(.get, "/api/dashboard/models", key: key)
            #expect(table.json["models"]?.arrayValue?.contains { $0["id"] == "claude-sonnet-4-5" && $0["status"] == "retired" } == true)
            let before = try await client.call(.get, "/api/dashboard/agents/trend_scout", key: key)
            #expect(
                before.json["model"] == [
                    "agent": "trend_scout", "tier": "standard", "default": "claude-sonnet-5-5", "effective": "claude-sonnet-5-5",
                ],
                "no choice and no retirement day: both fields are left out")
            for (model, phrase) in [("claude-sonnet-4-5", "retired on 2026-11-30"), ("claude-sonnet-6", "has no price")] {
                let refused = try await client.call(
                    .put, "/api/dashboard/agents/trend_scout/model", key: key, json: ["model": .string(model)])
                #expect(refused.status == 400 && refused.json["error"]?["code"] == "invalid_input")
                #expect(refused.json["error"]?["message"]?.stringValue?.contains(phrase) == true, "\(refused.text)")
            }
            let unknown = try await client.call(.put, "/api/dashboard/agents/nobody/model", key: key, json: ["model": "claude-haiku-5-5"])
            #expect(unknown.status == 404)
            let chosen = try await client.call(
                .put, "/api/dashboard/agents/trend_scout/model", key: key, json: ["model": "claude-haiku-5-5"])
            #expect(chosen.status == 200 && chosen.json["effective"] == "claude-haiku-5-5" && chosen.json["chosen"] == "claude-haiku-5-5")
        }
        let brief = try await harness.store.database.withWorkspace(workspace) { c in
            try BriefRepository.create(
                NewBrief(handle: "@modelchoice", notes: nil, inputs: ["competitors": ["@rival_brand"]]), workspace: workspace, on: c)
        }
        let run = try await harness.dependencies.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace).run
            .id
        _ = try await harness.waitForRun(run.description, workspace: workspace, until: [.succeeded, .failed])
        let models = try await harness.store.database.withWorkspace(workspace) { c in
            try c.query(
                "SELECT a.agent_name, s.model FROM tiktok_agent_steps s JOIN tiktok_agent_runs a ON a.id = s.agent_run_id WHERE a.workflow_run_id = \(run) AND s.kind = 'llm_call'"
            ).rows.map { (try $0.string("agent_name"), try $0.string("model")) }
        }
        #expect(models.count == 6)
        #expect(
            models.allSatisfy {
                $0.1 == ($0.0 == "trend_scout" ? "claude-haiku-5-5" : $0.0 == "synthesis" ? "claude-opus-5-5" : "claude-sonnet-5-5")
            }, "\(models)")
        try await harness.withClient { client in
            let overview = try await client.call(.get, "/api/dashboard/overview", key: key)
            let perModel = overview.json["cost_per_model"]?.arrayValue ?? []
            #expect(Set(perModel.compactMap { $0["model"]?.stringValue }) == ["claude-haiku-5-5", "claude-opus-5-5", "claude-sonnet-5-5"])
            #expect(perModel.first { $0["model"] == "claude-sonnet-5-5" }?["calls"] == 4)
            #expect(overview.json["model_notices"] == [])
            let reset = try await client.call(.put, "/api/dashboard/agents/trend_scout/model", key: key, json: ["model": nil])
            #expect(reset.status == 200 && reset.json["effective"] == "claude-sonnet-5-5" && reset.json["chosen"] == nil)
        }
        await harness.stop()
    }

    @Test func theOverviewNoticesAModelThatRetiresWithinThirtyDays() async throws {
        let harness = try APIHarness(environment: [
            "CLAUDE_PRICES":
                #"{"claude-sonnet-5-5": {"retires": "2099-01-01"}, "claude-soon": {"input": 1, "output": 2, "retires": "\#(String(Timestamp.format(Date().addingTimeInterval(10 * 86_400)).prefix(10)))"}}"#
        ])
        let (_, key) = try await APIHarness.workspace()
        try await harness.withClient { client in
            let chosen = try await client.call(.put, "/api/dashboard/agents/comment_triage/model", key: key, json: ["model": "claude-soon"])
            #expect(chosen.status == 200, "\(chosen.text)")
            let notices = try await client.call(.get, "/api/dashboard/overview", key: key).json["model_notices"]?.arrayValue ?? []
            #expect(notices.count == 1 && notices[0].stringValue?.hasPrefix("claude-soon retires in 10 days") == true, "\(notices)")
            #expect(notices[0].stringValue?.contains("used by comment_triage") == true)
            let session = try await SecurityTests.login(client, key: key)
            let page = try await client.call(.get, "/", headers: [.cookie: session.cookie])
            #expect(page.text.contains("claude-soon retires in 10 days"), "the dashboard overview shows it")
        }
        await harness.stop()
    }

    @Test func keysAreRequiredAndChecked() async throws {
        let harness = try APIHarness()
        try await harness.withClient { client in
            let missing = try await client.call(.get, "/api/dashboard/briefs")
            #expect(missing.status == 401 && missing.json["error"]?["code"] == "unauthorized")
            let wrong = try await client.call(.get, "/api/dashboard/briefs", key: "tta_not-a-real-key")
            #expect(wrong.status == 401 && wrong.json["error"]?["message"] == "the API key is not valid")
        }
        await harness.stop()
    }

    @Test func briefsAreValidatedCreatedListedAndRead() async throws {
        let harness = try APIHarness()
        let (_, key) = try await APIHarness.workspace()
        try await harness.withClient { client in
            let created = try await client.call(
                .post, "/api/dashboard/briefs", key: key,
                json: ["handle": "glowco", "target_type": "competitor", "notes": "Spring", "inputs": ["budget_usd": 80]])
            #expect(created.status == 201)
            #expect(
                created.json["handle"] == "@glowco" && created.json["status"] == "pending" && created.json["target_type"] == "competitor")
            let id = try #require(created.json["id"]?.stringValue)
            #expect(try await client.call(.get, "/api/dashboard/briefs/\(id)", key: key).json["id"] == .string(id))
            // A 19-digit number keeps every digit through the API, jsonb and back.
            let long = try await client.call(
                .post, "/api/dashboard/briefs", key: key,
                json: ["handle": "glowco", "inputs": ["days": .number(JSONNumber("7106594312292453675")!)]])
            let longId = try #require(long.json["id"]?.stringValue)
            #expect(long.status == 201 && long.text.contains(#""days":7106594312292453675"#))
            #expect(try await client.call(.get, "/api/dashboard/briefs/\(longId)", key: key).text.contains(#""days":7106594312292453675"#))

            let refusals: [(JSONValue?, String?, String?, Int, String)] = [
                (["handle": "no spaces please"], nil, nil, 400, "handle must be 2-24"),
                (["notes": "x"], nil, nil, 400, "handle is required"),
                (["handle": "@ok", "target_type": "rival"], nil, nil, 400, "target_type must be one of"),
                (["handle": "@ok", "notes": .string(String(repeating: "n", count: 2001))], nil, nil, 400, "notes must be at most 2000"),
                (["handle": "@ok", "colour": "red"], nil, nil, 400, "unknown field colour"),
                (["handle": "@ok", "inputs": ["shoe_size": 9]], nil, nil, 400, "inputs.shoe_size is not an input"),
                (["handle": "@ok", "inputs": ["days": "many"]], nil, nil, 400, "inputs.days must be integer"),
                (nil, "{\"handle\": ", nil, 400, "not a JSON object"),
                (nil, "[1, 2]", nil, 400, "not a JSON object"),
                (nil, "{\"handle\": \"@ok\"}", "text/plain", 415, "application/json"),
                (nil, "{\"notes\": \"" + String(repeating: "a", count: 300_000) + "\"}", nil, 413, "larger than"),
            ]
            for (json, raw, type, status, message) in refusals {
                let response = try await client.call(.post, "/api/dashboard/briefs", key: key, json: json, raw: raw, contentType: type)
                #expect(response.status == status, "\(message): \(response.text.prefix(200))")
                #expect(response.json["error"]?["message"]?.stringValue?.contains(message) == true, "\(response.text.prefix(200))")
            }
            let invalidUTF8 = try await client.execute(
                uri: "/api/dashboard/briefs", method: .post,
                headers: [.authorization: "Bearer \(key)", .contentType: "application/json"],
                body: ByteBuffer(bytes: [0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])
            ) { $0.status.code }
            #expect(invalidUTF8 == 400)

            for i in 0..<3 { _ = try await client.call(.post, "/api/dashboard/briefs", key: key, json: ["handle": .string("@b\(i)")]) }
            let first = try await client.call(.get, "/api/dashboard/briefs?limit=2", key: key)
            #expect(first.json["items"]?.arrayValue?.count == 2)
            let cursor = try #require(first.json["next_cursor"]?.stringValue)
            let second = try await client.call(.get, "/api/dashboard/briefs?limit=2&cursor=\(cursor)", key: key)
            #expect(second.json["items"]?.arrayValue?.count == 2)
            #expect(try await client.call(.get, "/api/dashboard/briefs?limit=0", key: key).status == 400)
            #expect(try await client.call(.get, "/api/dashboard/briefs?cursor=zzz", key: key).status == 400)
            #expect(try await client.call(.get, "/api/dashboard/briefs/not-a-uuid", key: key).status == 400)
            #expect(try await client.call(.get, "/api/dashboard/briefs/\(UUID())", key: key).status == 404)
        }
        await harness.stop()
    }

    @Test func aProfileAuditRunsFromTheAPIWithDetailTraceAndCatalog() async throws {
        let harness = try APIHarness()
        let (workspace, key) = try await APIHarness.workspace()
        try await harness.withClient { client in
            let brief = try await client.call(
                .post, "/api/dashboard/briefs", key: key, json: ["handle": "@glowco", "inputs": ["competitors": ["@rival_brand"]]])
            let briefId = try #require(brief.json["id"]?.stringValue)
            let refusals: [(JSONValue, Int)] = [
                (["workflow_slug": "profile_audit"], 400), (["brief_id": "nope", "workflow_slug": "profile_audit"], 400),
                (["brief_id": .string(briefId)], 400), (["brief_id": .string(UUID().uuidString), "workflow_slug": "profile_audit"], 404),
                (["brief_id": .string(briefId), "workflow_slug": "world_domination"], 404),
                (["brief_id": .string(briefId), "workflow_slug": "profile_audit", "x": 1], 400),
            ]
            for (body, status) in refusals {
                let response = try await client.call(.post, "/api/dashboard/workflows/run", key: key, json: body)
                #expect(response.status == status && response.json["error"]?["code"] != nil, "\(body.jsonString): \(response.text)")
            }
            let started = try await client.call(
                .post, "/api/dashboard/workflows/run", key: key, json: ["brief_id": .string(briefId), "workflow_slug": "profile_audit"])
            #expect(started.status == 202)
            let runId = try #require(started.json["workflow_run_id"]?.stringValue)
            #expect(started.json["stream_url"] == .string("/api/dashboard/workflows/runs/\(runId)/stream"))
            _ = try await harness.waitForRun(runId, workspace: workspace, until: [.succeeded])

            let detail = try await client.call(.get, "/api/dashboard/workflows/runs/\(runId)", key: key)
            #expect(detail.json["status"] == "succeeded" && detail.json["report_md"]?.stringValue?.contains("@glowco") == true)
            let steps = try #require(detail.json["steps"]?.arrayValue)
            #expect(steps.count == 6)
            let stored = try await harness.store.database.withWorkspace(workspace) {
                try StepRepository.list(run: WorkflowRunID(runId)!, on: $0)
            }
            for step in steps {
                let row = try #require(stored.first { $0.stepKey == step["step_key"]?.stringValue })
                #expect(step["status"] == "succeeded" && step["output"] == row.output && row.output?.objectValue?.isEmpty == false)
                #expect(step["cost_usd"]?.doubleValue == row.costUsd && step["latency_ms"]?.intValue == row.latencyMs)
                #expect(row.costUsd > 0, "\(row.stepKey) has a cost")
                #expect(step["lease_owner"] == nil)
            }
            #expect(detail.json["totals"]?["succeeded"] == 6 && detail.json["levels"]?["synthesis"] == 1)
            let agentRun = try #require(steps.first { $0["step_key"] == "trend_scout" }?["agent_run_id"]?.stringValue)
            let trace = try await client.call(.get, "/api/dashboard/agent-runs/\(agentRun)/steps", key: key)
            let calls = trace.json["steps"]?.arrayValue?.filter { $0["kind"] == "llm_call" } ?? []
            #expect(calls.count == 1)
            #expect(calls[0]["system_prompt"]?.stringValue?.contains("You are a TikTok trend scout.") == true)
            #expect(calls[0]["response_text"]?.stringValue?.contains("\"trends\"") == true && (calls[0]["input_tokens"]?.intValue ?? 0) > 0)

            let listed = try await client.call(.get, "/api/dashboard/workflows/runs?status=succeeded&workflow=profile_audit", key: key)
            let item = try #require(listed.json["items"]?.arrayValue?.first { $0["id"] == .string(runId) })
            #expect(item["has_report"] == true && item["report_md"] == nil, "a listed run says it has a report without carrying it")
            #expect(item["brief"]?["handle"] == "@glowco" && item["input"] == nil)
            #expect(try await client.call(.get, "/api/dashboard/workflows/runs?status=bogus", key: key).status == 400)
            #expect(try await client.call(.post, "/api/dashboard/workflows/runs/\(runId)/cancel", key: key).status == 409)
            #expect(try await client.call(.post, "/api/dashboard/workflows/runs/\(runId)/steps/trend_scout/retry", key: key).status == 409)
            #expect(try await client.call(.post, "/api/dashboard/workflows/runs/\(runId)/steps/nothing/retry", key: key).status == 404)

            let definitions = try await client.call(.get, "/api/dashboard/workflows", key: key)
            #expect(definitions.json["items"]?.arrayValue?.count == 3)
            #expect(try await client.call(.get, "/api/dashboard/workflows/campaign_launch", key: key).json["name"] == "Campaign Launch")
            #expect(try await client.call(.get, "/api/dashboard/workflows/nope", key: key).status == 404)
            let catalog = try await client.call(.get, "/api/dashboard/agents/catalog", key: key)
            #expect(catalog.json["agents"]?.arrayValue?.count == 16)
            let agent = try await client.call(.get, "/api/dashboard/agents/trend_scout", key: key)
            #expect(
                agent.json["spec"]?["name"] == "trend_scout" && agent.json["stats"]?["runs"] == 1
                    && agent.json["recent_runs"]?.arrayValue?.count == 1)
            #expect(try await client.call(.get, "/api/dashboard/agents/nobody", key: key).status == 404)
            let overview = try await client.call(.get, "/api/dashboard/overview", key: key)
            #expect(overview.json["recent_runs"]?.arrayValue?.count == 1 && (overview.json["cost_today_usd"]?.doubleValue ?? 0) > 0)
            #expect(
                overview.json["recent_runs"]?.arrayValue?.first?["has_report"] == true
                    && overview.json["recent_runs"]?.arrayValue?.first?["report_md"] == nil)
            #expect(overview.json["cost_per_day"]?.arrayValue?.count == 14)
        }
        await harness.stop()
    }

    @Test func approvalsAreDecidedOnceAndRecordWhoDecided() async throws {
        let harness = try APIHarness()
        let (workspace, key) = try await APIHarness.workspace()
        try await harness.withClient { client in
            let brief = try await client.call(
                .post, "/api/dashboard/briefs", key: key, json: ["handle": "@glowco", "inputs": ["budget_usd": 60]])
            let run = try await client.call(
                .post, "/api/dashboard/workflows/run", key: key, json: ["brief_id": brief.json["id"]!, "workflow_slug": "campaign_launch"])
            let runId = try #require(run.json["workflow_run_id"]?.stringValue)
            _ = try await harness.waitForRun(runId, workspace: workspace, until: [.awaitingApproval])
            let queue = try await client.call(.get, "/api/dashboard/approvals", key: key)
            let approval = try #require(queue.json["items"]?.arrayValue?.first)
            #expect(approval["payload"]?["budget_usd"] == 60 && approval["status"] == "pending")
            let id = try #require(approval["id"]?.stringValue)
            #expect(try await client.call(.post, "/api/dashboard/approvals/\(id)/approve", key: key, json: ["note": 5]).status == 400)
            let approved = try await client.call(.post, "/api/dashboard/approvals/\(id)/approve", key: key, json: ["note": "Looks great"])
            #expect(approved.status == 200 && approved.json["status"] == "approved" && approved.json["decision_note"] == "Looks great")
            let caller = try await harness.store.database.withConnection { try WorkspaceRepository.principal(forKey: key, on: $0) }
            #expect(
                approved.json["decided_by_key_id"]?.stringValue == caller?.apiKeyId.description
                    && approved.json["decided_at"]?.stringValue != nil)
            let again = try await client.call(.post, "/api/dashboard/approvals/\(id)/reject", key: key)
            #expect(again.status == 409 && again.json["error"]?["code"] == "conflict")
            #expect(try await client.call(.post, "/api/dashboard/approvals/\(UUID())/approve", key: key).status == 404)
            #expect(try await client.call(.get, "/api/dashboard/approvals?status=maybe", key: key).status == 400)
            _ = try await harness.waitForRun(runId, workspace: workspace, until: [.succeeded])
        }
        await harness.stop()
    }

    @Test func anotherWorkspaceSeesNothingOfTheFirst() async throws {
        let harness = try APIHarness()
        let (workspace, keyA) = try await APIHarness.workspace()
        let (_, keyB) = try await APIHarness.workspace()
        try await harness.withClient { client in
            let brief = try await client.call(.post, "/api/dashboard/briefs", key: keyA, json: ["handle": "@secret_brand"])
            let briefId = try #require(brief.json["id"]?.stringValue)
            let run = try await client.call(
                .post, "/api/dashboard/workflows/run", key: keyA, json: ["brief_id": .string(briefId), "workflow_slug": "post_launch_loop"])
            let runId = try #require(run.json["workflow_run_id"]?.stringValue)
            _ = try await harness.waitForRun(runId, workspace: workspace, until: [.awaitingApproval])
            let approval = try #require(
                try await client.call(.get, "/api/dashboard/approvals", key: keyA).json["items"]?.arrayValue?.first?["id"]?.stringValue)
            let detail = try await client.call(.get, "/api/dashboard/workflows/runs/\(runId)", key: keyA)
            let agentRun = try #require(detail.json["steps"]?.arrayValue?.compactMap { $0["agent_run_id"]?.stringValue }.first)

            for uri in [
                "/api/dashboard/briefs/\(briefId)", "/api/dashboard/workflows/runs/\(runId)",
                "/api/dashboard/workflows/runs/\(runId)/stream",
                "/api/dashboard/approvals/\(approval)", "/api/dashboard/agent-runs/\(agentRun)/steps",
            ] {
                let response = try await client.call(.get, uri, key: keyB)
                #expect(response.status == 404, "\(uri) leaked to another workspace")
            }
            #expect(try await client.call(.post, "/api/dashboard/approvals/\(approval)/approve", key: keyB).status == 404)
            #expect(try await client.call(.post, "/api/dashboard/workflows/runs/\(runId)/cancel", key: keyB).status == 404)
            #expect(
                try await client.call(
                    .post, "/api/dashboard/workflows/run", key: keyB,
                    json: ["brief_id": .string(briefId), "workflow_slug": "profile_audit"]
                ).status == 404)
            for uri in ["/api/dashboard/briefs", "/api/dashboard/workflows/runs", "/api/dashboard/approvals"] {
                let items = try await client.call(.get, uri, key: keyB).json["items"]?.arrayValue ?? []
                #expect(items.isEmpty, "\(uri) lists another workspace's rows")
            }
            let cancelled = try await client.call(.post, "/api/dashboard/workflows/runs/\(runId)/cancel", key: keyA)
            #expect(cancelled.status == 200 && cancelled.json["status"] == "cancelled")
        }
        await harness.stop()
    }

    @Test func theCopilotTurnsAuditIntoABriefAndARun() async throws {
        let harness = try APIHarness()
        let (workspace, key) = try await APIHarness.workspace()
        try await harness.withClient { client in
            let reply = try await client.call(.post, "/api/dashboard/copilot", key: key, json: ["message": "audit @brand_x please"])
            #expect(reply.status == 200)
            #expect(reply.json["reply"]?.stringValue?.hasPrefix("Started Profile Audit for @brand_x") == true)
            let actions = try #require(reply.json["actions"]?.arrayValue)
            #expect(actions.map { $0["type"] } == ["brief_created", "run_started"])
            let runId = try #require(actions[1]["workflow_run_id"]?.stringValue)
            _ = try await harness.waitForRun(runId, workspace: workspace, until: [.succeeded])
            let status = try await client.call(.post, "/api/dashboard/copilot", key: key, json: ["message": "status of my last run"])
            #expect(status.json["reply"]?.stringValue?.contains("is succeeded") == true)
            let waiting = try await client.call(
                .post, "/api/dashboard/copilot", key: key, json: ["message": "what's waiting for approval?"])
            #expect(waiting.json["reply"] == "Nothing is waiting for approval.")
            #expect(try await client.call(.post, "/api/dashboard/copilot", key: key, json: ["message": ""]).status == 400)
            #expect(try await client.call(.post, "/api/dashboard/copilot", key: key, json: ["message": "approve 3"]).status == 404)
        }
        await harness.stop()
    }

    @Test func everyRouteIsInTheOpenAPIDocumentWhichValidates() async throws {
        let harness = try APIHarness()
        let spec = APIDocument.text
        let file = NSTemporaryDirectory() + "openapi-\(UUID().uuidString).yaml"
        try spec.write(toFile: file, atomically: true, encoding: .utf8)
        // The document's operations, parsed, against the router's routes: the same set both ways.
        // Python on a thread of its own, not one of the two cooperative threads every suite shares.
        let listed = try await Blocking.run {
            try ChildProcess.run([
                "python3", "-c",
                """
                import sys, yaml
                document = yaml.safe_load(open(sys.argv[1]))
                for path, item in document["paths"].items():
                    for method in item:
                        if method in ("get", "put", "post", "delete", "patch", "head"): print(method.upper(), path)
                """, file,
            ])
        }
        #expect(listed.succeeded, "\(listed.output)")
        let documented = Set(listed.output.split(separator: "\n").map(String.init))
        let routed = Set(
            harness.router.routes.map { route -> String in
                let path = route.path.description.replacingOccurrences(of: ":", with: "")
                return "\(route.method.rawValue) " + (path.hasPrefix("/") ? path : "/" + path)
            })
        #expect(routed.subtracting(documented).isEmpty, "routes missing from openapi.yaml: \(routed.subtracting(documented).sorted())")
        #expect(documented.subtracting(routed).isEmpty, "documented operations no route serves: \(documented.subtracting(routed).sorted())")
        let outcome = try await Blocking.run { try ChildProcess.run(["python3", "-m", "openapi_spec_validator", file]) }
        #expect(outcome.succeeded, "openapi-spec-validator: \(outcome.output)")
        await harness.stop()
    }
}
