import Core
import Foundation
import Persistence
import Providers

/// Which Claude model each agent of a workspace uses: the catalog tier's model from the settings,
/// unless the workspace chose another. A choice is checked against the model table when made;
/// `notices` names models that retire soon.
public struct ModelChoices: Sendable {
    public let environment: AgentEnvironment

    public init(environment: AgentEnvironment) { self.environment = environment }

    var catalog: ModelCatalog { environment.providers.models }

    /// The model of `agent`: its tier's default, the workspace's choice, the model it calls and
    /// that model's retirement day.
    public func describe(_ agent: String, chosen: String?) -> AgentModel {
        let fallback = environment.defaultModel(for: agent)
        let effective = chosen ?? fallback
        return AgentModel(
            agent: agent, tier: Catalog.tier(of: agent).rawValue, defaultModel: fallback, chosen: chosen, effective: effective,
            retires: catalog.model(effective)?.retirementDay)
    }

    /// The models of every agent of `workspace`.
    public func all(workspace: WorkspaceID) async throws -> [AgentModel] {
        let chosen = try await environment.database.withWorkspace(workspace) { try AgentModelRepository.all(on: $0) }
        return Catalog.modelUsers.map { describe($0, chosen: chosen[$0]) }
    }

    /// Chooses `model` for `agent` (or `nil`: back to the default). Refuses an unknown agent, a
    /// model without a price and a retired one.
    public func choose(_ model: String?, for agent: String, workspace: WorkspaceID) async throws -> AgentModel {
        guard Catalog.modelUsers.contains(agent) else { throw AppError.notFound("no agent \(agent)") }
        if let model, let refusal = catalog.refusal(of: model, at: environment.clock.now()) {
            throw AppError.invalidInput(refusal)
        }
        try await environment.database.withWorkspace(workspace) {
            try AgentModelRepository.set(model, for: agent, workspace: workspace, on: $0)
        }
        return describe(agent, chosen: model)
    }

    /// One line per model in use by `workspace` that retires within 30 days or has retired.
    public func notices(workspace: WorkspaceID) async throws -> [String] {
        let now = environment.clock.now()
        let entries = try await all(workspace: workspace)
        var lines: [String] = []
        var seen = Set<String>()
        for entry in entries {
            let model = entry.effective
            guard seen.insert(model).inserted else { continue }
            let users = entries.filter { $0.effective == model }.map(\.agent)
            if let refusal = catalog.refusal(of: model, at: now) {
                lines.append("\(refusal); used by \(users.joined(separator: ", ")).")
            } else if let days = catalog.retiresSoon(model, at: now), let day = catalog.model(model)?.retirementDay {
                lines.append(
                    "\(model) retires in \(days) day\(days == 1 ? "" : "s") (\(day)); used by \(users.joined(separator: ", ")). Choose another model on the agent's page."
                )
            }
        }
        return lines
    }

    /// Every model of the table with its status today: current, retiring (within 30 days) or retired.
    public func table() -> [(model: ClaudeModel, status: String)] {
        let now = environment.clock.now()
        return catalog.models.map { model in
            (model, model.isRetired(at: now) ? "retired" : catalog.retiresSoon(model.id, at: now) != nil ? "retiring" : "current")
        }
    }
}

/// The model one agent of a workspace calls.
public struct AgentModel: Sendable, Equatable {
    public var agent: String
    public var tier: String
    /// The model of the agent's tier, from the settings.
    public var defaultModel: String
    /// The workspace's own choice, if it made one.
    public var chosen: String?
    /// The model the agent calls.
    public var effective: String
    /// The effective model's retirement day (`YYYY-MM-DD`), if it has one.
    public var retires: String?
}
