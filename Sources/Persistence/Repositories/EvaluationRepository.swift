import Core
import Foundation

/// Evaluations of the session's workspace.
public enum EvaluationRepository {
    static let columns: SQLQuery = "id, workspace_id, name, models, status, created_by, created_at, completed_at"

    public static func create(name: String, models: [String: String], createdBy: String?, workspace: WorkspaceID, on connection: Connection)
        throws -> Evaluation
    {
        try decode(
            connection.query(
                "INSERT INTO tiktok_evaluations (workspace_id, name, models, created_by) VALUES (\(workspace), \(name), \(JSONValue.object(models.mapValues { .string($0) })), \(createdBy)) RETURNING \(columns)"
            ).first!)
    }

    public static func find(_ id: EvaluationID, on connection: Connection) throws -> Evaluation? {
        try connection.query("SELECT \(columns) FROM tiktok_evaluations WHERE id = \(id)").first.map(decode)
    }

    /// The most recent first.
    public static func list(limit: Int, on connection: Connection) throws -> [Evaluation] {
        try connection.query("SELECT \(columns) FROM tiktok_evaluations ORDER BY created_at DESC LIMIT \(limit)").rows.map(decode)
    }

    /// Ends a running evaluation as `status`; false when it had already ended.
    public static func end(_ id: EvaluationID, _ status: Evaluation.Status, on connection: Connection) throws -> Bool {
        try connection.query(
            "UPDATE tiktok_evaluations SET status = \(status), completed_at = now() WHERE id = \(id) AND status = 'running'"
        ).affectedRows == 1
    }

    /// The evaluation's re-runs, oldest first.
    public static func runs(_ id: EvaluationID, on connection: Connection) throws -> [WorkflowRun] {
        try connection.query(
            "SELECT \(RunRepository.columns) FROM tiktok_workflow_runs WHERE evaluation_id = \(id) ORDER BY created_at, id"
        )
        .rows.map(RunRepository.decode)
    }

    static func decode(_ row: Row) throws -> Evaluation { try row.decode() }
}
