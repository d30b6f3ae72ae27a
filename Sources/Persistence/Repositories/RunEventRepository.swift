import Core
import Foundation

/// The persisted, per-run ordered event log behind the SSE stream.
public enum RunEventRepository {
    /// The `NOTIFY` channel announcing new events; the payload is `run_id:seq:workspace_id`.
    public static let channel = "tiktok_run_events"

    /// Appends an event with the run's next sequence number and announces it with `NOTIFY`
    /// (delivered when the surrounding transaction commits). The run row lock makes `seq` gap-free.
    @discardableResult
    public static func append(run: WorkflowRunID, event: RunEvent.Name, data: JSONValue, workspace: WorkspaceID, on connection: Connection)
        throws -> RunEvent
    {
        // One round trip: the sequence number, the row and its NOTIFY (delivered at commit).
        let row = try connection.query(
            """
            WITH next AS (UPDATE tiktok_workflow_runs SET event_seq = event_seq + 1 WHERE id = $1 RETURNING event_seq),
            added AS (
                INSERT INTO tiktok_run_events (workspace_id, run_id, seq, event, data)
                SELECT $2, $1, event_seq, $3, $4 FROM next
                RETURNING seq, created_at
            )
            SELECT seq, created_at, pg_notify($5, $1::text || ':' || seq || ':' || $2::text) FROM added
            """, run, workspace, event.rawValue, data, channel
        ).first
        guard let row else { throw AppError.notFound("run \(run) not found") }
        let seq = try row.int("seq")
        return RunEvent(workspaceId: workspace, runId: run, seq: seq, event: event, data: data, createdAt: try row.date("created_at"))
    }

    /// Events with `seq` greater than `after`, in order.
    public static func list(run: WorkflowRunID, after: Int, limit: Int = 10_000, on connection: Connection) throws -> [RunEvent] {
        try connection.query(
            "SELECT workspace_id, run_id, seq, event, data, created_at FROM tiktok_run_events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            run, after, limit
        ).rows.map(decode)
    }

    /// The run's last sequence number (0 before its first event).
    public static func lastSeq(run: WorkflowRunID, on connection: Connection) throws -> Int {
        try connection.query("SELECT COALESCE(max(seq), 0) AS seq FROM tiktok_run_events WHERE run_id = $1", run).first!.int("seq")
    }

    /// The events that record a person's decision, in order: approvals decided, the run
    /// cancelled, and steps retried (a `workflow_run.started` with `retry_of`).
    public static func decisions(run: WorkflowRunID, on connection: Connection) throws -> [RunEvent] {
        try connection.query(
            """
            SELECT workspace_id, run_id, seq, event, data, created_at FROM tiktok_run_events WHERE run_id = $1
            AND (event IN ('approval.decided', 'workflow_run.cancelled') OR (event = 'workflow_run.started' AND data ? 'retry_of')) ORDER BY seq
            """, run
        ).rows.map(decode)
    }

    static func decode(_ row: Row) throws -> RunEvent {
        RunEvent(
            workspaceId: try row.id("workspace_id"), runId: try row.id("run_id"), seq: try row.int("seq"),
            event: try row.enumeration("event"),
            data: try row.json("data"), createdAt: try row.date("created_at"))
    }
}
