import Agents
import Core
import Hummingbird
import Persistence

/// The agent catalog, model choices and the overview aggregates.
struct CatalogController: Sendable {
    let database: Database
    let models: ModelChoices

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("models") { _, _ in HTTPJSON.response(["models": .array(models.table())]) }
        group.get("agents/models") { _, context in
            let principal = try context.requirePrincipal()
            return HTTPJSON.response(["agents": .array(try await models.all(workspace: principal.workspaceId))])
        }
        group.put("agents/{name}/model") { request, context in
            let principal = try context.requirePrincipal()
            let name = try context.parameter("name")
            let body = try await HTTPJSON.object(request)
            try HTTPJSON.rejectUnknown(body, allowed: ["model"])
            guard let value = body["model"], value.isNull || value.stringValue?.isEmpty == false else {
                throw AppError.invalidInput("model must be a model id, or null for the default")
            }
            return HTTPJSON.response(try await models.choose(value.stringValue, for: name, workspace: principal.workspaceId))
        }
        group.get("agents/catalog") { _, _ in
            HTTPJSON.response(["agents": try JSONValue.from(Catalog.specs), "brief_inputs": try JSONValue.from(Catalog.briefInputs)])
        }
        group.get("agents/{name}") { _, context in
            let principal = try context.requirePrincipal()
            let name = try context.parameter("name")
            guard let spec = Catalog.spec(name) else { throw AppError.notFound("no agent \(name)") }
            let (recent, stats, chosen) = try await database.withWorkspace(principal.workspaceId) { c in
                (try AgentRunRepository.recent(agent: name, limit: 20, on: c),
                 try c.query(
                    """
                    SELECT count(*) AS runs, count(*) FILTER (WHERE status = 'failed') AS failed,
                           COALESCE(avg(cost_usd) FILTER (WHERE status = 'succeeded'), 0) AS avg_cost,
                           COALESCE(avg(latency_ms) FILTER (WHERE status = 'succeeded'), 0) AS avg_latency
                    FROM tiktok_agent_runs WHERE agent_name = $1
                    """, name).first!,
                 try AgentModelRepository.model(for: name, on: c))
            }
            return HTTPJSON.response([
                "spec": try JSONValue.from(spec), "model": models.describe(name, chosen: chosen), "recent_runs": try JSONValue.from(recent),
                "stats": ["runs": .number(try stats.double("runs")), "failed": .number(try stats.double("failed")),
                          "average_cost_usd": .number(try stats.double("avg_cost")), "average_latency_ms": .number(try stats.double("avg_latency"))],
            ])
        }
        group.get("overview") { _, context in
            let principal = try context.requirePrincipal()
            return HTTPJSON.response(try await Self.overview(database, models, principal.workspaceId))
        }
    }

    /// Recent runs, pending approvals, cost today and this week, failed runs, cost per day, per
    /// agent and per model (30 days), and notices of models that retire soon.
    static func overview(_ database: Database, _ models: ModelChoices, _ workspace: WorkspaceID) async throws -> JSONValue {
        let notices = try await models.notices(workspace: workspace)
        return try await database.withWorkspace(workspace) { c in
            let recent = try RunRepository.list(RunFilter(), limit: 10, cursor: nil, on: c).items
            let failed = try RunRepository.list(RunFilter(status: .failed), limit: 5, cursor: nil, on: c).items
            let pending = try ApprovalRepository.list(status: .pending, limit: 10, on: c)
            let cost = try c.query(
                """
                SELECT COALESCE(sum(cost_usd) FILTER (WHERE created_at >= date_trunc('day', now())), 0) AS today,
                       COALESCE(sum(cost_usd) FILTER (WHERE created_at >= date_trunc('week', now())), 0) AS week
                FROM tiktok_agent_steps WHERE created_at >= now() - interval '8 days'
                """).first!
            let perDay = try c.query(
                """
                SELECT to_char(d.day, 'YYYY-MM-DD') AS day, COALESCE(sum(s.cost_usd), 0) AS cost
                FROM generate_series(date_trunc('day', now()) - interval '13 days', date_trunc('day', now()), interval '1 day') AS d(day)
                LEFT JOIN tiktok_agent_steps s ON date_trunc('day', s.created_at) = d.day
                GROUP BY d.day ORDER BY d.day
                """).rows.map { ["day": .string(try $0.string("day")), "cost_usd": .number(try $0.double("cost"))] as JSONValue }
            let perAgent = try c.query(
                "SELECT agent_name, COALESCE(sum(cost_usd), 0) AS cost, count(*) AS runs FROM tiktok_agent_runs GROUP BY agent_name ORDER BY cost DESC"
            ).rows.map { ["agent_name": .string(try $0.string("agent_name")), "cost_usd": .number(try $0.double("cost")), "runs": .number(try $0.double("runs"))] as JSONValue }
            let perModel = try AgentModelRepository.costByModel(days: 30, on: c).map {
                ["model": .string($0.model), "calls": .number($0.calls), "cost_usd": .number($0.costUsd)] as JSONValue
            }
            return [
                "model_notices": .array(notices.map { .string($0) }), "cost_per_model": .array(perModel),
                "recent_runs": .array(recent.map(WorkflowsController.listedRunJSON)), "failed_runs": .array(failed.map(WorkflowsController.listedRunJSON)),
                "pending_approvals": try JSONValue.from(pending), "pending_approval_count": .number(pending.count),
                "cost_today_usd": .number(try cost.double("today")), "cost_week_usd": .number(try cost.double("week")),
                "cost_per_day": .array(perDay), "cost_per_agent": .array(perAgent),
            ]
        }
    }
}
