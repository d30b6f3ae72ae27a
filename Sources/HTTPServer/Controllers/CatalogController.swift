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
                (
                    try AgentRunRepository.recent(agent: name, limit: 20, on: c),
                    try InsightRepository.agentStats(name, on: c),
                    try AgentModelRepository.model(for: name, on: c)
                )
            }
            return HTTPJSON.response([
                "spec": try JSONValue.from(spec), "model": models.describe(name, chosen: chosen), "recent_runs": try JSONValue.from(recent),
                "stats": [
                    "runs": .number(stats.runs), "failed": .number(stats.failed),
                    "average_cost_usd": .number(stats.averageCostUsd), "average_latency_ms": .number(stats.averageLatencyMs),
                ],
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
            let cost = try InsightRepository.spend(on: c)
            let perDay = try InsightRepository.costPerDay(on: c).map {
                ["day": .string($0.label), "cost_usd": .number($0.costUsd)] as JSONValue
            }
            let perAgent = try InsightRepository.costPerAgent(on: c).map {
                ["agent_name": .string($0.label), "cost_usd": .number($0.costUsd), "runs": .number($0.runs)] as JSONValue
            }
            let perModel = try AgentModelRepository.costByModel(days: 30, on: c).map {
                ["model": .string($0.model), "calls": .number($0.calls), "cost_usd": .number($0.costUsd)] as JSONValue
            }
            return [
                "model_notices": .array(notices.map { .string($0) }), "cost_per_model": .array(perModel),
                "recent_runs": .array(recent.map(WorkflowsController.listedRunJSON)),
                "failed_runs": .array(failed.map(WorkflowsController.listedRunJSON)),
                "pending_approvals": try JSONValue.from(pending), "pending_approval_count": .number(pending.count),
                "cost_today_usd": .number(cost.todayUsd), "cost_week_usd": .number(cost.weekUsd),
                "cost_per_day": .array(perDay), "cost_per_agent": .array(perAgent),
            ]
        }
    }
}
