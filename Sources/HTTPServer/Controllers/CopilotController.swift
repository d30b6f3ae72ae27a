import Core
import Foundation
import Hummingbird
import Orchestrator

/// `POST /api/dashboard/copilot {message}`: the message checked, then answered by the `Copilot`.
struct CopilotController: Sendable {
    let dependencies: ServerDependencies

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.post("copilot") { request, context in
            let principal = try context.requirePrincipal()
            let body = try await HTTPJSON.object(request)
            try HTTPJSON.rejectUnknown(body, allowed: ["message"])
            guard let message = body["message"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !message.isEmpty else {
                throw AppError.invalidInput("message is required")
            }
            guard message.count <= 2000 else { throw AppError.invalidInput("message must be at most 2000 characters") }
            let (reply, actions) = try await Copilot(orchestration: dependencies.orchestration, principal: principal)
                .respond(to: message, live: dependencies.settings.claudeMode == .live)
            return HTTPJSON.response(["reply": .string(reply), "actions": .array(actions)])
        }
    }
}
