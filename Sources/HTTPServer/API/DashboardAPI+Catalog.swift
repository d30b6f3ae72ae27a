import APIContract
import Agents
import Core
import Foundation
import Persistence

/// The agent catalog, the model table, each agent's model and the overview's aggregates.
/// Choosing an agent's model (`PUT`) stays a hand-written route: it refuses a body without
/// `model` and resets on `null`, which the generated optional cannot tell apart.
extension DashboardAPI {
    func getModels(_ input: Operations.GetModels.Input) async throws -> Operations.GetModels.Output {
        .ok(.init(body: .json(.init(models: models.table().map { Components.Schemas.ClaudeModel($0.model, status: $0.status) }))))
    }

    func getAgentsModels(_ input: Operations.GetAgentsModels.Input) async throws -> Operations.GetAgentsModels.Output {
        let principal = try RequestScope.caller()
        let agents = try await models.all(workspace: principal.workspaceId)
        return .ok(.init(body: .json(.init(agents: agents.map(Components.Schemas.AgentModel.init)))))
    }

    func getAgentsCatalog(_ input: Operations.GetAgentsCatalog.Input) async throws -> Operations.GetAgentsCatalog.Output {
        .ok(
            .init(
                body: .json(
                    .init(
                        agents: Catalog.specs.map(Components.Schemas.AgentSpec.init),
                        briefInputs: Catalog.briefInputs.map(Components.Schemas.AgentField.init)))))
    }

    func getAgentsName(_ input: Operations.GetAgentsName.Input) async throws -> Operations.GetAgentsName.Output {
        let principal = try RequestScope.caller()
        let name = input.path.name
        guard let spec = Catalog.spec(name) else { throw AppError.notFound("no agent \(name)") }
        let (recent, stats, chosen) = try await database.withWorkspace(principal.workspaceId) { c in
            (
                try AgentRunRepository.recent(agent: name, limit: 20, on: c),
                try InsightRepository.agentStats(name, on: c),
                try AgentModelRepository.model(for: name, on: c)
            )
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        spec: .init(spec), model: .init(models.describe(name, chosen: chosen)),
                        recentRuns: try recent.map(Components.Schemas.AgentRun.init),
                        stats: .init(
                            runs: stats.runs, failed: stats.failed, averageCostUsd: stats.averageCostUsd,
                            averageLatencyMs: stats.averageLatencyMs)))))
    }

    func getOverview(_ input: Operations.GetOverview.Input) async throws -> Operations.GetOverview.Output {
        let principal = try RequestScope.caller()
        return .ok(.init(body: .json(try await Self.overview(database, models, principal.workspaceId))))
    }

    /// Recent runs, pending approvals, cost today and this week, failed runs, cost per day, per
    /// agent and per model (30 days), and notices of models that retire soon: the API's overview
    /// and the dashboard home's figures.
    static func overview(_ database: Database, _ models: ModelChoices, _ workspace: WorkspaceID) async throws
        -> Components.Schemas.Overview
    {
        let notices = try await models.notices(workspace: workspace)
        return try await database.withWorkspace(workspace) { c in
            let recent = try RunRepository.list(RunFilter(), limit: 10, cursor: nil, on: c).items
            let failed = try RunRepository.list(RunFilter(status: .failed), limit: 5, cursor: nil, on: c).items
            let pending = try ApprovalRepository.list(status: .pending, limit: 10, on: c)
            let cost = try InsightRepository.spend(on: c)
            return Components.Schemas.Overview(
                costTodayUsd: cost.todayUsd, costWeekUsd: cost.weekUsd,
                costPerAgent: try InsightRepository.costPerAgent(on: c).map {
                    .init(agentName: $0.label, costUsd: $0.costUsd, runs: $0.runs)
                },
                costPerDay: try InsightRepository.costPerDay(on: c).map { .init(day: $0.label, costUsd: $0.costUsd) },
                costPerModel: try AgentModelRepository.costByModel(days: 30, on: c).map {
                    .init(model: $0.model, costUsd: $0.costUsd, calls: $0.calls)
                },
                recentRuns: try recent.map(Components.Schemas.Run.listed), failedRuns: try failed.map(Components.Schemas.Run.listed),
                pendingApprovals: try pending.map(Components.Schemas.Approval.init), pendingApprovalCount: pending.count,
                modelNotices: notices)
        }
    }
}

extension Components.Schemas.Run {
    /// A run as lists show it: whether it has a report instead of the report itself.
    static func listed(_ run: WorkflowRun) throws -> Self {
        var listed = try Self(run)
        listed.reportMd = nil
        listed.hasReport = run.reportMd != nil
        return listed
    }
}

extension Components.Schemas.ClaudeModel {
    init(_ model: ClaudeModel, status: String) {
        self.init(
            id: model.id, aliases: model.aliases, status: status, retires: model.retirementDay, inputUsdPerMtok: model.price.input,
            outputUsdPerMtok: model.price.output, cacheWrite5mMultiplier: model.cacheWrite5mMultiplier,
            cacheWrite1hMultiplier: model.cacheWrite1hMultiplier, cacheReadMultiplier: model.cacheReadMultiplier,
            minCacheableTokens: model.minimumCacheableTokens,
            longContext: model.longContext.map {
                .init(aboveTokens: $0.threshold, inputUsdPerMtok: $0.price.input, outputUsdPerMtok: $0.price.output)
            })
    }
}

extension Components.Schemas.AgentModel {
    init(_ model: AgentModel) {
        self.init(
            agent: model.agent, tier: model.tier, _default: model.defaultModel, chosen: model.chosen, effective: model.effective,
            retires: model.retires)
    }
}

extension Components.Schemas.AgentSpec {
    init(_ spec: AgentSpec) {
        self.init(
            name: spec.name, title: spec.title, description: spec.description, tier: spec.tier.rawValue,
            inputs: spec.inputs.map(Components.Schemas.AgentField.init), options: spec.options.map(Components.Schemas.AgentField.init),
            outputs: spec.outputs.map { .init(name: $0.name, _type: $0.type.rawValue, description: $0.description) },
            workflows: spec.workflows, actsOnTheWorld: spec.actsOnTheWorld, humanTouchpoints: spec.humanTouchpoints)
    }
}

extension Components.Schemas.AgentField {
    init(_ input: InputSpec) {
        self.init(
            name: input.name, _type: input.type.rawValue, description: input.description, required: input.required,
            choices: input.choices, defaultValue: input.defaultValue)
    }
}
