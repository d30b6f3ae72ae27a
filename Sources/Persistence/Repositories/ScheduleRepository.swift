import Core
import Foundation

/// Recurring runs of the session's workspace, and the claim the scheduler fires them under.
public enum ScheduleRepository {
    static let columns: SQLQuery = """
        id, workspace_id, brief_id, workflow_slug, cron, interval_seconds, time_zone, enabled, next_run_at, last_run_at, last_run_id, created_at
        """

    public static func create(
        brief: BriefID, workflowSlug: String, cron: String?, intervalSeconds: Int?, timeZone: String, nextRunAt: Date,
        workspace: WorkspaceID, on connection: Connection
    ) throws -> Schedule {
        try decode(
            connection.query(
                """
                INSERT INTO tiktok_schedules (workspace_id, brief_id, workflow_slug, cron, interval_seconds, time_zone, next_run_at)
                VALUES (\(workspace), \(brief), \(workflowSlug), \(cron), \(intervalSeconds), \(timeZone), \(nextRunAt)) RETURNING \(columns)
                """
            ).first!)
    }

    public static func list(on connection: Connection) throws -> [Schedule] {
        try connection.query("SELECT \(columns) FROM tiktok_schedules ORDER BY created_at").rows.map(decode)
    }

    public static func find(_ id: UUID, on connection: Connection) throws -> Schedule? {
        try connection.query("SELECT \(columns) FROM tiktok_schedules WHERE id = \(id)").first.map(decode)
    }

    /// Removes the schedule; false when there was none.
    public static func delete(_ id: UUID, on connection: Connection) throws -> Bool {
        try connection.query("DELETE FROM tiktok_schedules WHERE id = \(id)").affectedRows == 1
    }

    /// Pauses or resumes; a resumed schedule's next occurrence is `nextRunAt`.
    public static func setEnabled(_ id: UUID, _ enabled: Bool, nextRunAt: Date?, on connection: Connection) throws -> Schedule? {
        try connection.query(
            "UPDATE tiktok_schedules SET enabled = \(enabled), next_run_at = COALESCE(\(nextRunAt), next_run_at) WHERE id = \(id) RETURNING \(columns)"
        ).first.map(decode)
    }

    /// Due schedules, locked for this transaction; rows another scheduler holds are skipped, so
    /// each occurrence is claimed by one process.
    public static func claimDue(now: Date, limit: Int, on connection: Connection) throws -> [Schedule] {
        try connection.query(
            """
            SELECT \(columns) FROM tiktok_schedules WHERE enabled AND next_run_at <= \(now)
            ORDER BY next_run_at LIMIT \(limit) FOR UPDATE SKIP LOCKED
            """
        ).rows.map(decode)
    }

    /// Records the run an occurrence started and moves the schedule to its next occurrence.
    public static func advance(_ id: UUID, next: Date, run: WorkflowRunID?, on connection: Connection) throws {
        try connection.query(
            "UPDATE tiktok_schedules SET next_run_at = \(next), last_run_at = now(), last_run_id = COALESCE(\(run), last_run_id) WHERE id = \(id)"
        )
    }

    /// Workspaces with a schedule due at `now`.
    public static func workspacesDue(now: Date, on connection: Connection) throws -> [WorkspaceID] {
        try connection.query("SELECT workspace_id FROM tiktok_workspaces_with_due_schedules(\(now))").rows.map {
            try $0.id("workspace_id")
        }
    }

    static func decode(_ row: Row) throws -> Schedule { try row.decode() }
}
