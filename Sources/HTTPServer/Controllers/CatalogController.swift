import APIContract
import Agents
import Core
import Hummingbird
import Persistence

/// `PUT /api/dashboard/agents/{name}/model`: an agent's model for the workspace. A body without
/// `model` is refused and `null` resets to the tier's default — a distinction the generated
/// optionals cannot make, so this route stays hand-written; the answer is the contract's type.
struct CatalogController: Sendable {
    let models: ModelChoices

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.put("agents/{name}/model") { request, context in
            let principal = try context.requirePrincipal()
            let name = try context.parameter("name")
            let body = try await HTTPJSON.object(request)
            try HTTPJSON.rejectUnknown(body, allowed: ["model"])
            guard let value = body["model"], value.isNull || value.stringValue?.isEmpty == false else {
                throw AppError.invalidInput("model must be a model id, or null for the default")
            }
            let chosen = try await models.choose(value.stringValue, for: name, workspace: principal.workspaceId)
            return try HTTPJSON.response(encoding: Components.Schemas.AgentModel(chosen))
        }
    }
}
