import Core
import Hummingbird
import Orchestrator
import Persistence

/// The approval queue and decisions. Who decided (the key) and when is recorded; a second
/// decision is 409.
struct ApprovalsController: Sendable {
    let database: Database
    let service: WorkflowService

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("approvals") { request, context in
            let principal = try context.requirePrincipal()
            var status: Approval.Status? = .pending
            if let raw = request.query("status") {
                if raw == "all" {
                    status = nil
                } else {
                    guard let parsed = Approval.Status(rawValue: raw) else {
                        throw AppError.invalidInput("status must be pending, approved, rejected or all")
                    }
                    status = parsed
                }
            }
            let limit = try request.limit(default: 50)
            let filter = status
            let items = try await database.withWorkspace(principal.workspaceId) {
                try ApprovalRepository.list(status: filter, limit: limit, on: $0)
            }
            return HTTPJSON.response(["items": try JSONValue.from(items)])
        }
        group.get("approvals/{id}") { _, context in
            let principal = try context.requirePrincipal()
            let id = try context.id("id", as: Approval.self)
            guard let approval = try await database.withWorkspace(principal.workspaceId, { try ApprovalRepository.find(id, on: $0) }) else {
                throw AppError.notFound("approval \(id) not found")
            }
            return try HTTPJSON.response(encoding: approval)
        }
        group.post("approvals/{id}/approve") { request, context in try await decide(request, context, approve: true) }
        group.post("approvals/{id}/reject") { request, context in try await decide(request, context, approve: false) }
    }

    func decide(_ request: Request, _ context: AppContext, approve: Bool) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try context.id("id", as: Approval.self)
        var decision = ApprovalDecision(approve: approve)
        if request.headers[.contentLength] != "0", request.headers[.contentType] != nil {
            let body = try await HTTPJSON.object(request)
            try HTTPJSON.rejectUnknown(body, allowed: approve ? ["note", "budget_usd", "items"] : ["note"])
            decision.note = try HTTPJSON.optionalString(body, "note", max: 2000)
            if let value = body["budget_usd"], !value.isNull {
                guard let budget = value.doubleValue else { throw AppError.invalidInput("budget_usd must be a number of dollars") }
                decision.budgetUsd = budget
            }
            if let value = body["items"], !value.isNull {
                guard let list = value.arrayValue else { throw AppError.invalidInput("items must be an array") }
                decision.items = try list.enumerated().map { index, entry in
                    guard let id = entry["id"]?.stringValue else { throw AppError.invalidInput("items[\(index)].id is required") }
                    guard let action = entry["action"]?.stringValue.flatMap(ItemDecision.Action.init(rawValue:)) else {
                        throw AppError.invalidInput("items[\(index)].action must be approve, edit or drop")
                    }
                    return ItemDecision(id: id, action: action, text: entry["text"]?.stringValue)
                }
            }
        }
        let decided = try await service.decide(
            id, decision, by: principal.apiKeyId, byName: principal.keyName, workspace: principal.workspaceId)
        return try HTTPJSON.response(encoding: decided)
    }
}
