import Core
import Foundation
import Hummingbird
import Orchestrator
import Persistence

/// The alerts page (with the Slack webhook setting) and the schedules page.
extension DashboardController {
    func alertsPage(_ principal: Principal, _ csrf: String) async throws -> Page {
        let alerts = try await AlertRules.current(principal.workspaceId, database: database)
        let settings = try await database.withWorkspace(principal.workspaceId) { try AlertRepository.settings(on: $0) }
        let items: [[String: Any]] = alerts.map { alert in
            var item: [String: Any] = [
                "kind": alert.kind.replacingOccurrences(of: "_", with: " "), "message": alert.message, "when": Self.when(alert.createdAt),
                "sent": alert.notifiedAt != nil,
            ]
            if let link = alert.link { item["link"] = link }
            return item
        }
        return Page(
            title: "Alerts",
            body: Templates.render(
                "alerts",
                [
                    "alerts": items, "csrf": csrf, "slack": settings.slackWebhookURL ?? "", "minutes": settings.approvalAlertMinutes,
                ]))
    }

    func saveAlertSettings(_ request: Request) async throws -> Response {
        let (principal, form) = try await signedInForm(request, role: .admin)
        let minutesText = form["approval_alert_minutes"] ?? ""
        let settings = try AlertRules.parse(
            url: form["slack_webhook_url"], minutes: Int(minutesText), minutesGiven: !minutesText.isEmpty)
        try await database.withWorkspace(principal.workspaceId) {
            try AlertRepository.saveSettings(settings, workspace: principal.workspaceId, on: $0)
        }
        return Self.redirect("/alerts")
    }

    func schedulesPage(_ principal: Principal, _ csrf: String) async throws -> Page {
        let (schedules, briefs) = try await database.withWorkspace(principal.workspaceId) { c in
            (try ScheduleRepository.list(on: c), try BriefRepository.list(limit: 100, cursor: nil, on: c).items)
        }
        let handles = Dictionary(briefs.map { ($0.id, $0.handle) }, uniquingKeysWith: { first, _ in first })
        let rows: [[String: Any]] = schedules.map { schedule in
            [
                "id": schedule.id.uuidString, "workflow": SeededWorkflows.find(schedule.workflowSlug)?.name ?? schedule.workflowSlug,
                "handle": handles[schedule.briefId] ?? "brief",
                "rule": schedule.cron.map { "cron \($0) (\(schedule.timeZone))" }
                    ?? "every \((schedule.intervalSeconds ?? 0) / 60) minutes",
                "next": Self.when(schedule.nextRunAt), "last": schedule.lastRunId.map { $0.description } ?? "", "csrf": csrf,
            ]
        }
        let briefOptions: [[String: Any]] = briefs.map { ["id": $0.id.description, "label": "\($0.handle) · \(Self.when($0.createdAt))"] }
        let workflows: [[String: Any]] = SeededWorkflows.all.map { ["slug": $0.slug, "name": $0.name] }
        return Page(
            title: "Schedules",
            body: Templates.render("schedules", ["schedules": rows, "briefs": briefOptions, "workflows": workflows, "csrf": csrf]))
    }

    func createSchedule(_ request: Request) async throws -> Response {
        let (principal, form) = try await signedInForm(request)
        do {
            guard let brief = form["brief_id"].flatMap(UUID.init(uuidString:)) else { throw AppError.invalidInput("choose a brief") }
            let every = form["every_minutes"].flatMap { $0.isEmpty ? nil : $0 }
            let cron = form["cron"].flatMap { $0.isEmpty ? nil : $0 }
            var interval: Int?
            if let every {
                guard let minutes = Int(every), minutes >= 1 else { throw AppError.invalidInput("every must be a whole number of minutes") }
                interval = minutes * 60
            }
            _ = try await dependencies.service.schedule(
                brief: BriefID(brief), workflowSlug: form["workflow_slug"] ?? "", cron: cron, intervalSeconds: interval,
                timeZone: form["time_zone"].flatMap { $0.isEmpty ? nil : $0 } ?? "UTC", workspace: principal.workspaceId)
            return Self.redirect("/schedules")
        } catch let error as AppError where error.status == 400 || error.status == 404 {
            let (csrf, _) = Self.csrf(request)
            var page = try await schedulesPage(principal, csrf)
            page.flash = "The schedule was not created: \(error.message)"
            return Self.html(page, csrf: csrf, signedIn: true, status: .badRequest)
        }
    }

    func deleteSchedule(_ request: Request, _ context: AppContext) async throws -> Response {
        let (principal, _) = try await signedInForm(request)
        guard let id = UUID(uuidString: try context.parameter("id")) else { throw AppError.notFound("no such schedule") }
        _ = try await database.withWorkspace(principal.workspaceId) { try ScheduleRepository.delete(id, on: $0) }
        return Self.redirect("/schedules")
    }
}
