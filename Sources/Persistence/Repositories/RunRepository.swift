import Core
import Foundation

/// Filters for listing runs.
public struct RunFilter: Sendable, Equatable {
    public var status: RunStatus?
    public var workflowSlug: String?
    public var briefId: BriefID?
    /// Part of the brief's handle, any case.
    public var handle: String?
    /// Runs created at or after `from` and before `until`.
    public var from: Date?
    public var until: Date?
    /// Only runs made from live or mock calls: no replays, no evaluation runs.
    public var recordedOnly: Bool
    /// Only the runs of this evaluation.
    public var evaluation: EvaluationID?
    public init(
        status: RunStatus? = nil, workflowSlug: String? = nil, briefId: BriefID? = nil, handle: String? = nil, from: Date? = nil,
        until: Date? = nil, recordedOnly: Bool = false, evaluation: EvaluationID? = nil
    ) {
        self.status = status
        self.workflowSlug = workflowSlug
        self.briefId = briefId
        self.handle = handle
        self.from = from
        self.until = until
        self.recordedOnly = recordedOnly
        self.evaluation = evaluation
    }
}

/// Workflow runs of the session's workspace.
public enum RunRepository {
    static let columns: SQLQuery = """
        id, workspace_id, workflow_id, workflow_slug, brief_id, status, input, report_md, error, total_cost_usd,
        total_latency_ms, created_at, started_at, completed_at, updated_at, replay_of, evaluation_id
        """

    /// `columns` of the run `r` without the input and the report's text.
    private static let finalizedColumns: SQLQuery = """
        r.id, r.workspace_id, r.workflow_id, r.workflow_slug, r.brief_id, r.status, '{}'::jsonb AS input,
        CASE WHEN r.report_md IS NOT NULL THEN '' END AS report_md, r.error, r.total_cost_usd, r.total_latency_ms,
        r.created_at, r.started_at, r.completed_at, r.updated_at, r.replay_of, r.evaluation_id
        """

    public static func create(
        workspace: WorkspaceID, workflowId: WorkflowID?, workflowSlug: String, briefId: BriefID?, input: JSONValue,
        status: RunStatus = .running, schedule: UUID? = nil, scheduledFor: Date? = nil, replayOf: WorkflowRunID? = nil,
        evaluation: EvaluationID? = nil, on connection: Connection
    ) throws -> WorkflowRun {
        try decode(
            connection.query(
                createQuery(
                    id: WorkflowRunID(Crypto.randomUUID()), workspace: workspace, workflowId: workflowId, workflowSlug: workflowSlug,
                    briefId: briefId,
                    input: input, status: status, schedule: schedule, scheduledFor: scheduledFor, replayOf: replayOf, evaluation: evaluation
                )
            ).first!)
    }

    /// The statement of `create`, with the run's id chosen by the caller, so statements that
    /// refer to the run can travel with it.
    static func createQuery(
        id: WorkflowRunID, workspace: WorkspaceID, workflowId: WorkflowID?, workflowSlug: String, briefId: BriefID?, input: JSONValue,
        status: RunStatus = .running, schedule: UUID?, scheduledFor: Date?, replayOf: WorkflowRunID?, evaluation: EvaluationID?
    ) -> SQLQuery {
        """
        INSERT INTO tiktok_workflow_runs (id, workspace_id, workflow_id, workflow_slug, brief_id, input, status, started_at, schedule_id,
            scheduled_for, replay_of, evaluation_id)
        VALUES (\(id), \(workspace), \(workflowId), \(workflowSlug), \(briefId), \(input), \(status), CASE WHEN \(status) = 'running' THEN now() END, \(schedule), \(scheduledFor), \(replayOf), \(evaluation)) RETURNING \(columns)
        """
    }

    public static func find(_ id: WorkflowRunID, on connection: Connection) throws -> WorkflowRun? {
        try connection.query(findQuery(id)).first.map(decode)
    }

    static func findQuery(_ id: WorkflowRunID) -> SQLQuery { "SELECT \(columns) FROM tiktok_workflow_runs WHERE id = \(id)" }

    /// The columns of a listed run: its input holds the brief only, not the definition snapshot,
    /// and its report is left out (an empty `reportMd` says there is one).
    static let listColumns: SQLQuery = """
        id, workspace_id, workflow_id, workflow_slug, brief_id, status, jsonb_build_object('brief', input -> 'brief') AS input,
        CASE WHEN report_md IS NOT NULL THEN '' END AS report_md, error, total_cost_usd,
        total_latency_ms, created_at, started_at, completed_at, updated_at, replay_of, evaluation_id
        """

    /// How many runs each brief has started.
    public static func countsByBrief(on connection: Connection) throws -> [BriefID: Int] {
        var counts: [BriefID: Int] = [:]
        for row in try connection.query(
            "SELECT brief_id, count(*)::int AS n FROM tiktok_workflow_runs WHERE brief_id IS NOT NULL GROUP BY brief_id"
        ).rows {
            counts[try row.id("brief_id")] = try row.int("n")
        }
        return counts
    }

    /// Newest first, keyset-paginated. Listed runs are summaries: `input` carries the brief only
    /// and `reportMd` is empty when the run has a report (`find` reads a run whole).
    public static func list(_ filter: RunFilter, limit: Int, cursor: String?, on connection: Connection) throws -> Page<WorkflowRun> {
        let whereClause = try conditions(filter, cursor: cursor)
        let rows = try connection.query(
            "SELECT \(listColumns) FROM tiktok_workflow_runs\(whereClause) ORDER BY created_at DESC, id DESC LIMIT \(literal: limit + 1)"
        ).rows
        let items = try rows.prefix(limit).map(decode)
        let next = rows.count > limit ? Cursor(createdAt: rows[limit - 1]["created_at"]!, id: rows[limit - 1]["id"]!).encoded : nil
        return Page(items: items, nextCursor: next)
    }

    /// A page of the run list as JSON text built by Postgres, in one round trip (the API's hot
    /// path: no row is decoded into Swift): `items` is a JSON array of each run's summary — the
    /// fields of `WorkflowRun.json` without `input` and `report_md`, with `brief` and
    /// `has_report` — and `nextCursor` continues after it.
    public static func listJSON(_ filter: RunFilter, limit: Int, cursor: String?, workspace: WorkspaceID, in database: Database)
        async throws -> (items: String, nextCursor: String?)
    {
        let whereClause = try conditions(filter, cursor: cursor)
        let row = try await database.read(in: workspace, listJSONStatement(whereClause: whereClause, limit: limit)).first!
        var next: String?
        if try row.bool("more"), let last = row["last"] {
            let parts = last.split(separator: "|", maxSplits: 1).map(String.init)
            next = Cursor(createdAt: parts[0], id: parts[1]).encoded
        }
        return (try row.string("items"), next)
    }

    /// The statement of the list's first unfiltered page, for a benchmark's same-transaction baseline.
    public static func listJSONStatement(limit: Int) -> SQLQuery { listJSONStatement(whereClause: "", limit: limit) }

    static func listJSONStatement(whereClause: SQLQuery, limit: Int) -> SQLQuery {
        """
        WITH page AS (
            SELECT * FROM tiktok_workflow_runs\(whereClause) ORDER BY created_at DESC, id DESC LIMIT \(literal: limit + 1)
        ), shown AS (
            SELECT * FROM page ORDER BY created_at DESC, id DESC LIMIT \(literal: limit)
        )
        SELECT coalesce((
            SELECT '[' || string_agg(\(unescaped: listedObject), ',' ORDER BY created_at DESC, id DESC) || ']' FROM shown
        ), '[]') AS items,
            (SELECT count(*) FROM page) > \(literal: limit) AS more,
            (SELECT created_at::text || '|' || id::text FROM shown ORDER BY created_at, id LIMIT 1) AS last
        """
    }

    /// A listed run's JSON object, its null fields left out (as the run's own JSON leaves them):
    /// each member is the key's literal and the value's `to_json`, which is `NULL` for a null
    /// value, and `concat_ws` skips `NULL`s. A third faster for Postgres than `json_build_object`
    /// under `json_strip_nulls`, which builds the object and then parses it again.
    static let listedObject: String = {
        let members: [(key: String, value: String)] = [
            ("id", "to_json(id)"), ("workspace_id", "to_json(workspace_id)"), ("workflow_slug", "to_json(workflow_slug)"),
            ("status", "to_json(status)"), ("total_cost_usd", "to_json(total_cost_usd::float8)"),
            ("total_latency_ms", "to_json(total_latency_ms)"), ("created_at", "to_json(tiktok_json_time(created_at))"),
            ("updated_at", "to_json(tiktok_json_time(updated_at))"), ("started_at", "to_json(tiktok_json_time(started_at))"),
            ("completed_at", "to_json(tiktok_json_time(completed_at))"), ("workflow_id", "to_json(workflow_id)"),
            ("brief_id", "to_json(brief_id)"), ("error", "to_json(error)"), ("replay_of", "to_json(replay_of)"),
            ("evaluation_id", "to_json(evaluation_id)"), ("brief", "jsonb_strip_nulls(input -> 'brief')::text"),
            ("has_report", "to_json(report_md IS NOT NULL)"),
        ]
        return "'{' || concat_ws(',', " + members.map { "'\"\($0.key)\":' || \($0.value)" }.joined(separator: ", ") + ") || '}'"
    }()

    /// The list's `WHERE` clause with its parameters, for `filter` after `cursor`.
    static func conditions(_ filter: RunFilter, cursor: String?) throws -> SQLQuery {
        var conditions: [SQLQuery] = []
        if let status = filter.status { conditions.append("status = \(status)") }
        if let slug = filter.workflowSlug { conditions.append("workflow_slug = \(slug)") }
        if let brief = filter.briefId { conditions.append("brief_id = \(brief)") }
        if let handle = filter.handle {
            let pattern = "%" + handle.replacing("\\", with: "\\\\").replacing("%", with: "\\%").replacing("_", with: "\\_") + "%"
            conditions.append("input -> 'brief' ->> 'handle' ILIKE \(pattern)")
        }
        if let from = filter.from { conditions.append("created_at >= \(from)") }
        if let until = filter.until { conditions.append("created_at < \(until)") }
        if filter.recordedOnly { conditions.append("replay_of IS NULL AND evaluation_id IS NULL") }
        if let evaluation = filter.evaluation { conditions.append("evaluation_id = \(evaluation)") }
        if let cursor {
            guard let position = Cursor(cursor) else { throw AppError.invalidInput("cursor is malformed") }
            conditions.append("(created_at, id) < (\(position.createdAt)::timestamptz, \(position.id)::uuid)")
        }
        return conditions.isEmpty ? "" : " WHERE " + SQLQuery.joined(conditions, separator: " AND ")
    }

    /// Moves a run to `status` unless it is already terminal; returns whether it moved.
    @discardableResult
    public static func setStatus(_ id: WorkflowRunID, _ status: RunStatus, error: String? = nil, on connection: Connection) throws -> Bool {
        try connection.query(
            """
            UPDATE tiktok_workflow_runs SET status = \(status), error = COALESCE(\(error), error), updated_at = now()
            WHERE id = \(id) AND status NOT IN \(RunStatus.finishedSQL)
            """
        ).affectedRows == 1
    }

    /// Writes the final state: status, totals summed from the steps and completion time (the
    /// report is written by the synthesis step, before). Returns the run as finalised without
    /// its input and its report's text (an empty `reportMd` says there is a report), which the
    /// end of a run does not need and would parse again.
    @discardableResult
    public static func finalize(_ id: WorkflowRunID, status: RunStatus, error: String?, on connection: Connection) throws -> WorkflowRun? {
        try connection.query(finalizeQuery(id, status: status, error: error, returning: finalizedColumns)).first.map(decode)
    }

    /// The `UPDATE` of `finalize`, returning `returning` of the run `r`. `takingEventSeq` also
    /// takes the run's next event number, for an event appended by the same statement.
    static func finalizeQuery(_ id: WorkflowRunID, status: RunStatus, error: String?, takingEventSeq: Bool = false, returning: SQLQuery)
        -> SQLQuery
    {
        let eventSeq: SQLQuery = takingEventSeq ? ", event_seq = r.event_seq + 1" : ""
        return """
            UPDATE tiktok_workflow_runs r SET status = \(status), error = COALESCE(\(error), r.error),
                total_cost_usd = s.cost, total_latency_ms = s.latency, completed_at = now(), updated_at = now()\(eventSeq)
            FROM (SELECT COALESCE(sum(cost_usd), 0) AS cost, COALESCE(sum(latency_ms), 0) AS latency
                  FROM tiktok_workflow_steps WHERE run_id = \(id)) s
            WHERE r.id = \(id) AND r.status NOT IN \(RunStatus.finishedSQL)
            RETURNING \(returning)
            """
    }

    static func decode(_ row: Row) throws -> WorkflowRun { try row.decode() }

    /// Whether a run of `workflow` for a brief on `handle` is still open (pending, running or
    /// waiting for approval).
    public static func hasOpenRun(workflow: String, handle: String, on connection: Connection) throws -> Bool {
        try connection.query(
            """
            SELECT 1 FROM tiktok_workflow_runs r JOIN tiktok_briefs b ON b.id = r.brief_id
            WHERE r.workflow_slug = \(workflow) AND b.handle = \(handle) AND r.status NOT IN \(RunStatus.finishedSQL) LIMIT 1
            """
        ).first != nil
    }
}
