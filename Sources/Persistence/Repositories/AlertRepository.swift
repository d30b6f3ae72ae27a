import Core
import Foundation

/// Alerts of the session's workspace: raised once per `dedupe_key`, delivered to the workspace's
/// Slack webhook by the notifier; plus the workspace's notification settings.
public enum AlertRepository {
    static let columns: SQLQuery = "id, kind, message, link, created_at, notified_at"

    /// Raises an alert unless one with `key` exists; true when it is new.
    @discardableResult
    public static func raise(
        kind: String, key: String, message: String, link: String?, workspace: WorkspaceID, on connection: Connection
    ) throws -> Bool {
        try connection.query(
            "INSERT INTO tiktok_alerts (workspace_id, kind, dedupe_key, message, link) VALUES (\(workspace), \(kind), \(key), \(message), \(link)) ON CONFLICT DO NOTHING"
        ).affectedRows == 1
    }

    public static func list(limit: Int, on connection: Connection) throws -> [Alert] {
        try connection.query("SELECT \(columns) FROM tiktok_alerts ORDER BY created_at DESC LIMIT \(limit)").rows.map(decode)
    }

    /// Takes up to `limit` undelivered alerts, oldest first, for delivery: each is marked sent in
    /// the statement that takes it, so of several notifiers only one gets it.
    public static func takeUnnotified(limit: Int, on connection: Connection) throws -> [Alert] {
        try connection.query(
            """
            UPDATE tiktok_alerts SET notified_at = now()
            WHERE id IN (SELECT id FROM tiktok_alerts WHERE notified_at IS NULL ORDER BY created_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING \(columns)
            """
        ).rows.map(decode).sorted { $0.createdAt < $1.createdAt }
    }

    /// Gives back an alert whose delivery failed, so the next pass tries it again.
    public static func untake(_ id: UUID, on connection: Connection) throws {
        try connection.query("UPDATE tiktok_alerts SET notified_at = NULL WHERE id = \(id)")
    }

    /// Workspaces with a Slack webhook and alerts it has not received.
    public static func workspacesToNotify(on connection: Connection) throws -> [WorkspaceID] {
        try connection.query("SELECT workspace_id FROM tiktok_workspaces_with_unnotified_alerts()").rows.map { try $0.id("workspace_id") }
    }

    public static func settings(on connection: Connection) throws -> NotificationSettings {
        guard let row = try connection.query("SELECT slack_webhook_url, approval_alert_minutes FROM tiktok_notification_settings").first
        else { return NotificationSettings(slackWebhookURL: nil, approvalAlertMinutes: 60) }
        return NotificationSettings(slackWebhookURL: row["slack_webhook_url"], approvalAlertMinutes: try row.int("approval_alert_minutes"))
    }

    public static func saveSettings(_ settings: NotificationSettings, workspace: WorkspaceID, on connection: Connection) throws {
        try connection.query(
            """
            INSERT INTO tiktok_notification_settings (workspace_id, slack_webhook_url, approval_alert_minutes) VALUES (\(workspace), \(settings.slackWebhookURL), \(settings.approvalAlertMinutes))
            ON CONFLICT (workspace_id) DO UPDATE SET slack_webhook_url = \(settings.slackWebhookURL), approval_alert_minutes = \(settings.approvalAlertMinutes), updated_at = now()
            """)
    }

    /// Approvals pending longer than the workspace's threshold: (approval, run, minutes waiting).
    public static func staleApprovals(olderThanMinutes minutes: Int, on connection: Connection) throws -> [(
        approval: ApprovalID, run: WorkflowRunID, minutes: Int
    )] {
        try connection.query(
            """
            SELECT id, run_id, (extract(epoch FROM now() - created_at) / 60)::int AS minutes FROM tiktok_approvals
            WHERE status = 'pending' AND created_at < now() - make_interval(mins => \(minutes)) ORDER BY created_at
            """
        ).rows.map { (try $0.id("id"), try $0.id("run_id"), try $0.int("minutes")) }
    }

    static func decode(_ row: Row) throws -> Alert { try row.decode() }
}
