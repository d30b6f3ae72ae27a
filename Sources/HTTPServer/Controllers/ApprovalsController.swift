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
        var note: String?
        if request.headers[.contentLength] != "0", request.headers[.contentType] != nil {
            let body = try await HTTPJSON.object(request)
            try HTTPJSON.rejectUnknown(body, allowed: ["note"])
            note = try HTTPJSON.optionalString(body, "note", max: 2000)
        }
        let decided = try await service.decide(
            id, approve: approve, note: note, by: principal.apiKeyId, byName: principal.keyName, workspace: principal.workspaceId)
        return try HTTPJSON.response(encoding: decided)
    }
}
