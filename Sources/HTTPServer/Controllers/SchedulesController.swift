import Core
import Foundation
import Hummingbird
import Orchestrator
import Persistence

/// `GET/POST /api/dashboard/schedules`, `DELETE /api/dashboard/schedules/{id}`: recurring runs.
struct SchedulesController: Sendable {
    let database: Database
    let service: WorkflowService

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("schedules") { _, context in
            let principal = try context.requirePrincipal()
            let items = try await database.withWorkspace(principal.workspaceId) { try ScheduleRepository.list(on: $0) }
            return HTTPJSON.response(["items": try JSONValue.from(items)])
        }
        group.post("schedules") { request, context in
            let principal = try context.requirePrincipal()
            try AccessRules.require(.operator, of: principal)
            let body = try await HTTPJSON.object(request)
            try HTTPJSON.rejectUnknown(body, allowed: ["brief_id", "workflow_slug", "cron", "interval_seconds", "time_zone"])
            guard let briefText = body["brief_id"]?.stringValue, let brief = UUID(uuidString: briefText) else {
                throw AppError.invalidInput("brief_id must be a brief's UUID")
            }
            guard let slug = body["workflow_slug"]?.stringValue, !slug.isEmpty else {
                throw AppError.invalidInput("workflow_slug is required")
            }
            var interval: Int?
            if let value = body["interval_seconds"], !value.isNull {
                guard let seconds = value.intValue else { throw AppError.invalidInput("interval_seconds must be a whole number") }
                interval = seconds
            }
            let schedule = try await service.schedule(
                brief: BriefID(brief), workflowSlug: slug, cron: try HTTPJSON.optionalString(body, "cron", max: 100),
                intervalSeconds: interval,
                timeZone: try HTTPJSON.optionalString(body, "time_zone", max: 64) ?? "UTC", workspace: principal.workspaceId)
            return try HTTPJSON.response(encoding: schedule, status: .created)
        }
        group.delete("schedules/{id}") { _, context in
            let principal = try context.requirePrincipal()
            try AccessRules.require(.operator, of: principal)
            guard let id = UUID(uuidString: try context.parameter("id")) else { throw AppError.invalidInput("id must be a UUID") }
            guard try await database.withWorkspace(principal.workspaceId, { try ScheduleRepository.delete(id, on: $0) }) else {
                throw AppError.notFound("schedule \(id) not found")
            }
            return Response(status: .noContent)
        }
    }
}
