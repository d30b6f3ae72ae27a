import Core
import Foundation

/// Approval gates of the session's workspace.
public enum ApprovalRepository {
    static let columns: SQLQuery =
        "id, workspace_id, run_id, step_id, step_key, status, payload, decision_note, decided_by_key_id, decided_by_name, decisions, decided_at, created_at"

    /// Opens the gate for a step; a second call for the same step returns the existing gate.
    public static func open(
        run: WorkflowRunID, step: WorkflowStepID, stepKey: String, payload: JSONValue, workspace: WorkspaceID, on connection: Connection
    ) throws -> Approval {
        try decode(
            connection.query(
                """
                INSERT INTO tiktok_approvals (workspace_id, run_id, step_id, step_key, payload) VALUES (\(workspace), \(run), \(step), \(stepKey), \(payload))
                ON CONFLICT (step_id) DO UPDATE SET step_key = EXCLUDED.step_key RETURNING \(columns)
                """
            ).first!)
    }

    /// The run's gates, oldest first.
    public static func forRun(_ run: WorkflowRunID, on connection: Connection) throws -> [Approval] {
        try connection.query("SELECT \(columns) FROM tiktok_approvals WHERE run_id = \(run) ORDER BY created_at").rows.map(decode)
    }

    /// Pending gates (the navigation badge).
    public static func pendingCount(on connection: Connection) throws -> Int {
        try connection.query("SELECT count(*) AS n FROM tiktok_approvals WHERE status = 'pending'").first!.int("n")
    }

    public static func find(_ id: ApprovalID, on connection: Connection) throws -> Approval? {
        try connection.query("SELECT \(columns) FROM tiktok_approvals WHERE id = \(id)").first.map(decode)
    }

    public static func list(status: Approval.Status?, limit: Int, on connection: Connection) throws -> [Approval] {
        if let status {
            return try connection.query(
                "SELECT \(columns) FROM tiktok_approvals WHERE status = \(status) ORDER BY created_at DESC LIMIT \(limit)"
            ).rows.map(decode)
        }
        return try connection.query("SELECT \(columns) FROM tiktok_approvals ORDER BY created_at DESC LIMIT \(limit)").rows.map(decode)
    }

    /// Records a decision. Throws `AppError` 404 when absent and 409 when already decided.
    public static func decide(
        _ id: ApprovalID, approve: Bool, note: String?, by key: APIKeyID?, byName: String? = nil, decisions: JSONValue = [],
        on connection: Connection
    ) throws -> Approval {
        let decided = try connection.query(
            """
            UPDATE tiktok_approvals SET status = \(approve ? Approval.Status.approved : .rejected), decision_note = \(note), decided_by_key_id = \(key), decided_by_name = \(byName), decisions = \(decisions),
                decided_at = now()
            WHERE id = \(id) AND status = 'pending' RETURNING \(columns)
            """
        ).first
        if let decided { return try decode(decided) }
        guard let existing = try find(id, on: connection) else { throw AppError.notFound("approval \(id) not found") }
        throw AppError.conflict("approval \(id) was already \(existing.status.rawValue)")
    }

    static func decode(_ row: Row) throws -> Approval { try row.decode() }
}
