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
        try appendedOrMissing(
            connection.query(appendQuery(run: run, event: event, data: data, workspace: workspace)), run, event, data, workspace)
    }

    /// The statement of `append`, for a caller that pipelines it with others.
    static func appendQuery(run: WorkflowRunID, event: RunEvent.Name, data: JSONValue, workspace: WorkspaceID) -> SQLQuery {
        """
        WITH next AS (UPDATE tiktok_workflow_runs SET event_seq = event_seq + 1 WHERE id = \(run) RETURNING event_seq),
        \(added(run, event, data, workspace))
        """
    }

    /// The event `appendQuery` appended; 404 when its run is gone.
    static func appendedOrMissing(
        _ result: QueryResult, _ run: WorkflowRunID, _ event: RunEvent.Name, _ data: JSONValue, _ workspace: WorkspaceID
    )
        throws -> RunEvent
    {
        guard let appended = try appended(result, run, event, data, workspace) else { throw AppError.notFound("run \(run) not found") }
        return appended
    }

    /// Runs `change` (an `UPDATE ... RETURNING 1` of at most one row) and appends the event only
    /// when it changed a row, in one statement and one round trip; `nil` when it changed none.
    public static func append(
        after change: SQLQuery, run: WorkflowRunID, event: RunEvent.Name, data: JSONValue, workspace: WorkspaceID, on connection: Connection
    ) throws -> RunEvent? {
        try appended(
            connection.query(appendQuery(after: change, run: run, event: event, data: data, workspace: workspace)), run, event, data,
            workspace)
    }

    /// The statement of `append(after:...)`, for a caller that pipelines it with others.
    /// `merging`, when given, is a `jsonb` object computed in the statement (it may read the
    /// `changed` row) that the event's data gets on top of `data`; the statement then returns the
    /// data it stored, for `appended` to read.
    static func appendQuery(
        after change: SQLQuery, run: WorkflowRunID, event: RunEvent.Name, data: JSONValue, merging extra: SQLQuery? = nil,
        workspace: WorkspaceID
    ) -> SQLQuery {
        """
        WITH changed AS (\(change)),
        next AS (
            UPDATE tiktok_workflow_runs SET event_seq = event_seq + 1 WHERE id = \(run) AND EXISTS (SELECT FROM changed) RETURNING event_seq
        ),
        \(added(run, event, data, workspace, merging: extra))
        """
    }

    /// An event appended with the sequence number `next` returns: `next` is an `UPDATE` of the
    /// run that increments its `event_seq` and returns it (and whatever `extra`, the `jsonb`
    /// object merged into `data`, reads). `also` is a data-modifying `name AS (...)` that may read
    /// `next`. For `appended`, like `appendQuery(after:...)` with `merging`.
    static func appendQuery(
        next: SQLQuery, also: SQLQuery? = nil, run: WorkflowRunID, event: RunEvent.Name, data: JSONValue, merging extra: SQLQuery,
        workspace: WorkspaceID
    ) -> SQLQuery {
        let alsoPart: SQLQuery = also.map { "\($0)," } ?? ""
        return """
            WITH next AS (\(next)),
            \(alsoPart)
            \(added(run, event, data, workspace, merging: extra))
            """
    }

    /// The event an append statement returned, if it appended one: with the data the statement
    /// returned when it computed some of it, otherwise `data`.
    static func appended(_ result: QueryResult, _ run: WorkflowRunID, _ event: RunEvent.Name, _ data: JSONValue, _ workspace: WorkspaceID)
        throws -> RunEvent?
    {
        try result.first.map {
            RunEvent(
                workspaceId: workspace, runId: run, seq: try $0.int("seq"), event: event,
                data: try $0.optionalJSON("data") ?? data, createdAt: try $0.date("created_at"))
        }
    }

    /// The event row inserted with the sequence number `next` returned, and its `NOTIFY`.
    private static func added(
        _ run: WorkflowRunID, _ event: RunEvent.Name, _ data: JSONValue, _ workspace: WorkspaceID, merging extra: SQLQuery? = nil
    ) -> SQLQuery {
        let stored: SQLQuery = extra.map { "\(data)::jsonb || \($0)" } ?? "\(data)"
        let returned: SQLQuery = extra == nil ? "seq, created_at" : "seq, created_at, data"
        return """
            added AS (
                INSERT INTO tiktok_run_events (workspace_id, run_id, seq, event, data)
                SELECT \(workspace), \(run), event_seq, \(event.rawValue), \(stored) FROM next
                RETURNING \(returned)
            )
            SELECT \(returned), pg_notify(\(channel), \(run)::text || ':' || seq || ':' || \(workspace)::text) FROM added
            """
    }

    /// Events with `seq` greater than `after`, in order.
    public static func list(run: WorkflowRunID, after: Int, limit: Int = 10_000, on connection: Connection) throws -> [RunEvent] {
        try connection.query(listQuery(run, after, limit)).rows.map(decode)
    }

    /// `list` read on its own, in one round trip (`Database.read(in:)`).
    public static func list(run: WorkflowRunID, after: Int, limit: Int = 10_000, workspace: WorkspaceID, in database: Database)
        async throws -> [RunEvent]
    {
        try await database.read(in: workspace, listQuery(run, after, limit)).rows.map(decode)
    }

    private static func listQuery(_ run: WorkflowRunID, _ after: Int, _ limit: Int) -> SQLQuery {
        "SELECT workspace_id, run_id, seq, event, data, created_at FROM tiktok_run_events WHERE run_id = \(run) AND seq > \(after) ORDER BY seq LIMIT \(limit)"
    }

    /// The run's last sequence number (0 before its first event).
    public static func lastSeq(run: WorkflowRunID, on connection: Connection) throws -> Int {
        try connection.query("SELECT COALESCE(max(seq), 0) AS seq FROM tiktok_run_events WHERE run_id = \(run)").first!.int("seq")
    }

    /// The events that record a person's decision, in order: approvals decided, the run
    /// cancelled, and steps retried (a `workflow_run.started` with `retry_of`).
    public static func decisions(run: WorkflowRunID, on connection: Connection) throws -> [RunEvent] {
        try connection.query(
            """
            SELECT workspace_id, run_id, seq, event, data, created_at FROM tiktok_run_events WHERE run_id = \(run)
            AND (event IN ('approval.decided', 'workflow_run.cancelled') OR (event = 'workflow_run.started' AND data ? 'retry_of')) ORDER BY seq
            """
        ).rows.map(decode)
    }

    static func decode(_ row: Row) throws -> RunEvent { try row.decode() }
}
