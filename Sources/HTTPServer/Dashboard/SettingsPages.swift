import Agents
import Core
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Orchestrator
import Persistence

/// The agent catalog with each agent's model choice, and the API keys (admin).
extension DashboardController {
    static func agents() -> Page {
        Page(
            title: "Agents",
            body: Templates.render(
                "agents",
                [
                    "agents": Catalog.specs.map {
                        [
                            "name": $0.name, "title": $0.title, "description": $0.description,
                            "workflows": $0.workflows.joined(separator: ", "),
                        ]
                    }
                ]))
    }

    func agent(_ context: AppContext, _ principal: Principal, _ csrf: String, flash: String? = nil) async throws -> Page {
        let name = try context.parameter("name")
        guard let spec = Catalog.spec(name) else { throw AppError.notFound("no agent \(name)") }
        let (recent, stats, chosen) = try await database.withWorkspace(principal.workspaceId) { c in
            (
                try AgentRunRepository.recent(agent: name, limit: 20, on: c),
                try InsightRepository.agentStats(name, on: c),
                try AgentModelRepository.model(for: name, on: c)
            )
        }
        let model = dependencies.models.describe(name, chosen: chosen)
        let current = dependencies.providers.models.current(at: dependencies.clock.now())
        return Page(
            title: spec.title,
            body: Templates.render(
                "agent",
                [
                    "name": name, "csrf": csrf, "tier": spec.tier.rawValue, "defaultModel": model.defaultModel,
                    "effectiveModel": model.effective, "chosen": chosen != nil,
                    "modelOptions": current.map {
                        [
                            "id": $0.id, "selected": $0.id == chosen,
                            "price": String(format: "$%g / $%g per M tokens", $0.price.input, $0.price.output),
                        ]
                    },
                    "description": spec.description, "runs": stats.succeeded, "avgCost": Self.money(stats.averageCostUsd),
                    "avgLatency": Self.duration(Int(stats.averageLatencyMs)),
                    "inputs": (spec.inputs + spec.options).map {
                        ["name": $0.name, "type": $0.type.rawValue, "required": $0.required, "description": $0.description]
                    },
                    "outputs": spec.outputs.map { ["name": $0.name, "type": $0.type.rawValue, "description": $0.description] },
                    "touchpoints": spec.humanTouchpoints.isEmpty ? false : ["items": spec.humanTouchpoints] as Any,
                    "recent": recent.map {
                        [
                            "when": Self.when($0.startedAt), "status": Self.agentRunStatus($0), "cost": Self.money($0.costUsd),
                            "latency": Self.duration($0.latencyMs), "run": $0.workflowRunId?.description ?? "",
                        ]
                    },
                ]), flash: flash)
    }

    /// An agent run's outcome as people read it: a run stopped by a cancel reads "cancelled", one
    /// whose work passed to another worker "superseded", not "failed".
    static func agentRunStatus(_ run: AgentRun) -> String {
        guard run.status == .failed, let error = run.error else { return run.status.rawValue }
        if error.hasPrefix("cancelled") { return "cancelled" }
        if error.hasPrefix("superseded") { return "superseded" }
        return "failed"
    }

    func keys(_ principal: Principal, _ csrf: String, flash: String? = nil) async throws -> Page {
        guard principal.may(.admin) else { throw AppError.notFound("keys are managed with an admin key") }
        let keys = try await database.withWorkspace(principal.workspaceId) { try WorkspaceRepository.keys(on: $0) }
        return Page(
            title: "API keys",
            body: Templates.render(
                "keys",
                [
                    "csrf": csrf, "roles": KeyRole.allCases.reversed().map { ["value": $0.rawValue, "selected": $0 == .operator] },
                    "keys": keys.map { key -> [String: Any] in
                        [
                            "id": key.id.description, "name": key.name, "role": key.role.rawValue, "prefix": key.keyPrefix,
                            "created": Self.when(key.createdAt),
                            "revoked": key.revokedAt.map(Self.when) ?? false, "isSelf": key.id == principal.apiKeyId, "csrf": csrf,
                        ]
                    },
                ]), flash: flash)
    }

    func createKey(_ request: Request) async throws -> Response {
        let (principal, form) = try await signedInForm(request, role: .admin)
        let (csrf, _) = Self.csrf(request)
        do {
            let (name, role) = try DashboardAPI.newKey(name: form["name"] ?? "", role: form["role"] ?? "")
            let issued = try await database.withWorkspace(principal.workspaceId) {
                try WorkspaceRepository.issueKey(workspace: principal.workspaceId, name: name, role: role, on: $0)
            }
            return Self.html(
                try await keys(
                    principal, csrf,
                    flash: "Key \(name) (\(role.rawValue)) created. Copy it now, it is shown only once: \(issued.plaintext)"), csrf: csrf,
                signedIn: true)
        } catch let error as AppError where error.status == 400 {
            return Self.html(
                try await keys(principal, csrf, flash: "The key was not created: \(error.message)"), csrf: csrf, signedIn: true,
                status: .badRequest)
        }
    }

    func revokeKey(_ request: Request, _ context: AppContext) async throws -> Response {
        let (principal, _) = try await signedInForm(request, role: .admin)
        let id = try context.id("id", as: APIKey.self)
        _ = try await database.withWorkspace(principal.workspaceId) { try WorkspaceRepository.revokeKey(id, on: $0) }
        await credentials.invalidate()
        return Self.redirect("/keys")
    }

    func chooseModel(_ request: Request, _ context: AppContext) async throws -> Response {
        let (principal, form) = try await signedInForm(request, role: .admin)
        let name = try context.parameter("name")
        let model = form["model"].flatMap { $0.isEmpty ? nil : $0 }
        do {
            _ = try await dependencies.models.choose(model, for: name, workspace: principal.workspaceId)
            return Self.redirect("/agents/\(name)")
        } catch let error as AppError where error.status == 400 {
            let (csrf, _) = Self.csrf(request)
            return Self.html(
                try await agent(context, principal, csrf, flash: "The model was not changed: \(error.message)"), csrf: csrf, signedIn: true,
                status: .badRequest)
        }
    }
}
