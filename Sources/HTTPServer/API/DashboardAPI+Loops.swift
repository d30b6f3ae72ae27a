import APIContract
import Core
import Foundation
import Persistence

/// Schedules (recurring runs), alerts and where they are sent.
extension DashboardAPI {
    func getSchedules(_ input: Operations.GetSchedules.Input) async throws -> Operations.GetSchedules.Output {
        let principal = try RequestScope.caller()
        let items = try await database.withWorkspace(principal.workspaceId) { try ScheduleRepository.list(on: $0) }
        return .ok(.init(body: .json(.init(items: items.map(Components.Schemas.Schedule.init)))))
    }

    func postSchedules(_ input: Operations.PostSchedules.Input) async throws -> Operations.PostSchedules.Output {
        let principal = try RequestScope.caller()
        try AccessRules.require(.operator, of: principal)
        guard case .json(let body) = input.body else { throw AppError.invalidInput("send the body as application/json") }
        guard let brief = BriefID(body.briefId) else { throw AppError.invalidInput("brief_id must be a brief's UUID") }
        guard !body.workflowSlug.isEmpty else { throw AppError.invalidInput("workflow_slug is required") }
        let cron = try HTTPJSON.bounded(body.cron, "cron", max: 100)
        let timeZone = try HTTPJSON.bounded(body.timeZone, "time_zone", max: 64) ?? "UTC"
        let schedule = try await service.schedule(
            brief: brief, workflowSlug: body.workflowSlug, cron: cron, intervalSeconds: body.intervalSeconds, timeZone: timeZone,
            workspace: principal.workspaceId)
        return .created(.init(body: .json(.init(schedule))))
    }

    func deleteSchedulesId(_ input: Operations.DeleteSchedulesId.Input) async throws -> Operations.DeleteSchedulesId.Output {
        let principal = try RequestScope.caller()
        try AccessRules.require(.operator, of: principal)
        let id = try Parameters.uuid(input.path.id)
        guard try await database.withWorkspace(principal.workspaceId, { try ScheduleRepository.delete(id, on: $0) }) else {
            throw AppError.notFound("schedule \(id) not found")
        }
        return .noContent(.init())
    }

    func getAlerts(_ input: Operations.GetAlerts.Input) async throws -> Operations.GetAlerts.Output {
        let principal = try RequestScope.caller()
        let alerts = try await AlertRules.current(principal.workspaceId, database: database)
        return .ok(.init(body: .json(.init(items: alerts.map(Components.Schemas.Alert.init)))))
    }

    func getNotifications(_ input: Operations.GetNotifications.Input) async throws -> Operations.GetNotifications.Output {
        let principal = try RequestScope.caller()
        let settings = try await database.withWorkspace(principal.workspaceId) { try AlertRepository.settings(on: $0) }
        return .ok(.init(body: .json(.init(settings))))
    }

    func putNotifications(_ input: Operations.PutNotifications.Input) async throws -> Operations.PutNotifications.Output {
        let principal = try RequestScope.caller()
        try AccessRules.require(.admin, of: principal)
        guard case .json(let body) = input.body else { throw AppError.invalidInput("send the body as application/json") }
        let settings = try AlertRules.parse(
            url: body.slackWebhookUrl, minutes: body.approvalAlertMinutes, minutesGiven: body.approvalAlertMinutes != nil)
        try await database.withWorkspace(principal.workspaceId) {
            try AlertRepository.saveSettings(settings, workspace: principal.workspaceId, on: $0)
        }
        return .ok(.init(body: .json(.init(settings))))
    }
}

extension Components.Schemas.Schedule {
    init(_ schedule: Schedule) {
        self.init(
            id: schedule.id.lowercasedString, workspaceId: schedule.workspaceId.description, briefId: schedule.briefId.description,
            workflowSlug: schedule.workflowSlug, cron: schedule.cron, intervalSeconds: schedule.intervalSeconds,
            timeZone: schedule.timeZone, enabled: schedule.enabled, nextRunAt: schedule.nextRunAt, lastRunAt: schedule.lastRunAt,
            lastRunId: schedule.lastRunId?.description, createdAt: schedule.createdAt)
    }
}

extension Components.Schemas.Alert {
    init(_ alert: Alert) {
        self.init(
            id: alert.id.lowercasedString, kind: alert.kind, message: alert.message, link: alert.link, createdAt: alert.createdAt,
            notifiedAt: alert.notifiedAt)
    }
}

extension Components.Schemas.NotificationSettings {
    init(_ settings: NotificationSettings) {
        self.init(slackWebhookUrl: settings.slackWebhookURL, approvalAlertMinutes: settings.approvalAlertMinutes)
    }
}
