import Core
import Foundation
import Persistence

/// What needs a person's attention (the alerts the API and the alerts page list), and the
/// checks on where alerts are sent.
enum AlertRules {
    /// Notification settings from a form or body: an https Slack incoming-webhook URL (or none)
    /// and a positive number of minutes.
    static func parse(url: String?, minutes: Int?, minutesGiven: Bool) throws -> NotificationSettings {
        let trimmed = url?.trimmingCharacters(in: .whitespaces)
        if let trimmed, !trimmed.isEmpty {
            guard let parsed = URL(string: trimmed), parsed.scheme == "https" || parsed.scheme == "http", parsed.host != nil else {
                throw AppError.invalidInput("slack_webhook_url must be an https URL (a Slack incoming webhook)")
            }
        }
        if minutesGiven, !(1...maxAlertMinutes).contains(minutes ?? 0) {
            throw AppError.invalidInput("approval_alert_minutes must be a whole number of minutes from 1 to \(maxAlertMinutes) (a week)")
        }
        return NotificationSettings(slackWebhookURL: (trimmed?.isEmpty ?? true) ? nil : trimmed, approvalAlertMinutes: minutes ?? 60)
    }

    /// The longest an approval may wait before it raises an alert: a week.
    static let maxAlertMinutes = 7 * 24 * 60

    /// Stored alerts (failed runs, ...) with the ones read from the current state: approvals
    /// waiting past the workspace's threshold, spend past 80% of a daily cap, accounts to reconnect.
    static func current(_ workspace: WorkspaceID, database: Database) async throws -> [Alert] {
        try await database.withWorkspace(workspace) { c in
            let now = Date()
            var alerts: [Alert] = []
            let settings = try AlertRepository.settings(on: c)
            for waiting in try AlertRepository.staleApprovals(olderThanMinutes: settings.approvalAlertMinutes, on: c) {
                alerts.append(
                    Alert(
                        id: waiting.approval.rawValue, kind: "approval_waiting",
                        message: "An approval has waited \(waiting.minutes) minutes",
                        link: "/approvals", createdAt: now, notifiedAt: nil))
            }
            for category in [SpendLedgerEntry.Category.claude, .ads] {
                let headroom = try SpendLedgerRepository.headroom(category, on: c)
                if headroom.capUsd > 0, headroom.spentUsd >= 0.8 * headroom.capUsd {
                    alerts.append(
                        Alert(
                            id: Crypto.randomUUID(), kind: "spend_near_cap",
                            message: String(
                                format: "%@ spend today is %.0f%% of the daily cap ($%.2f of $%.2f)",
                                category == .claude ? "Claude" : "Ads",
                                headroom.spentUsd / headroom.capUsd * 100, headroom.spentUsd, headroom.capUsd),
                            link: "/", createdAt: now, notifiedAt: nil))
                }
            }
            for account in try AccountRepository.list(on: c) where account.status == .needsReauth {
                alerts.append(
                    Alert(
                        id: account.id, kind: "account_needs_reauth",
                        message: "Reconnect \(account.handle): \(account.lastError ?? "access was lost")",
                        link: "/accounts", createdAt: now, notifiedAt: nil))
            }
            return alerts + (try AlertRepository.list(limit: 50, on: c))
        }
    }
}
