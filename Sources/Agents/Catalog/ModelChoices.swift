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

    /// The model of `agent` as the API shows it: tier, default, the workspace's choice, the model
    /// used, and its retirement date.
    public func describe(_ agent: String, chosen: String?) -> JSONValue {
        let fallback = environment.defaultModel(for: agent)
        let effective = chosen ?? fallback
        return [
            "agent": .string(agent), "tier": .string(Catalog.tier(of: agent).rawValue), "default": .string(fallback),
            "chosen": chosen.map { .string($0) } ?? .null, "effective": .string(effective),
            "retires": catalog.model(effective)?.retirementDay.map { .string($0) } ?? .null,
        ]
    }

    /// The models of every agent of `workspace`.
    public func all(workspace: WorkspaceID) async throws -> [JSONValue] {
        let chosen = try await environment.database.withWorkspace(workspace) { try AgentModelRepository.all(on: $0) }
        return Catalog.modelUsers.map { describe($0, chosen: chosen[$0]) }
    }

    /// Chooses `model` for `agent` (or `nil`: back to the default). Refuses an unknown agent, a
    /// model without a price and a retired one.
    public func choose(_ model: String?, for agent: String, workspace: WorkspaceID) async throws -> JSONValue {
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
            guard let model = entry["effective"]?.stringValue, seen.insert(model).inserted else { continue }
            let users = entries.filter { $0["effective"]?.stringValue == model }.compactMap { $0["agent"]?.stringValue }
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

    /// The model table as the API shows it.
    public func table() -> [JSONValue] {
        let now = environment.clock.now()
        return catalog.models.map { model in
            var entry: [String: JSONValue] = [
                "id": .string(model.id), "aliases": .array(model.aliases.map { .string($0) }),
                "input_usd_per_mtok": .number(model.price.input), "output_usd_per_mtok": .number(model.price.output),
                "cache_read_multiplier": .number(model.cacheReadMultiplier),
                "cache_write_5m_multiplier": .number(model.cacheWrite5mMultiplier),
                "cache_write_1h_multiplier": .number(model.cacheWrite1hMultiplier),
                "min_cacheable_tokens": .number(model.minimumCacheableTokens),
                "retires": model.retirementDay.map { .string($0) } ?? .null,
                "status": .string(
                    model.isRetired(at: now) ? "retired" : catalog.retiresSoon(model.id, at: now) != nil ? "retiring" : "current"),
            ]
            if let tier = model.longContext {
                entry["long_context"] = [
                    "above_tokens": .number(tier.threshold), "input_usd_per_mtok": .number(tier.price.input),
                    "output_usd_per_mtok": .number(tier.price.output),
                ]
            }
            return .object(entry)
        }
    }
}
