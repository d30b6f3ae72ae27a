import Core
import Foundation

/// The run and step state transitions, each one transaction that also appends its run events
/// (and so its `NOTIFY`). Step updates are fenced by the lease owner: a worker that lost its
/// lease cannot overwrite what another worker did.
public enum RunTransitions {
    /// The `NOTIFY` channel engines listen on: `work:<owner>`, or `cancel:<run id>:<workspace id>`.
    public static let controlChannel = "tiktok_control"

    /// Announces to every engine that work may be ready: `work:<owner>`, so the engine that sent
    /// it can tell its own echo.
    public static func notifyWork(from owner: String, _ c: Connection) throws {
        try c.send("SELECT pg_notify(\(controlChannel), \("work:" + owner))")
    }

    /// Scopes the rest of the transaction's row-level security to `workspace` (the engine starts
    /// steps of several workspaces in the one transaction that claims them).
    public static func scope(to workspace: WorkspaceID, _ c: Connection) throws {
        try c.send(scopeQuery(workspace))
    }

    private static func scopeQuery(_ workspace: WorkspaceID) -> SQLQuery {
        "SELECT set_config('app.workspace_id', \(workspace.description), true)"
    }

    public static func notifyCancel(_ run: WorkflowRunID, _ workspace: WorkspaceID, _ c: Connection) throws {
        try c.query("SELECT pg_notify(\(controlChannel), \("cancel:\(run):\(workspace)"))")
    }

    /// Takes the run's row lock before a transition touches its steps: every transition of a run
    /// locks the run row first, so a step starting or ending and the run being cancelled or
    /// decided never wait on each other in opposite orders (a deadlock). Every lock on a run row
    /// is `FOR NO KEY UPDATE`: a stronger one would also wait for the foreign-key checks of rows
    /// that reference the run, which a claim that has just claimed the run's steps makes when it
    /// hands them back.
    public static func lockRun(_ run: WorkflowRunID, _ c: Connection) throws {
        try c.send("SELECT 1 FROM tiktok_workflow_runs WHERE id = \(run) FOR NO KEY UPDATE")
    }

    public static func event(_ c: Connection, _ run: WorkflowRunID, _ name: RunEvent.Name, _ data: JSONValue, _ workspace: WorkspaceID)
        throws -> RunEvent
    {
        try RunEventRepository.append(run: run, event: name, data: data, workspace: workspace, on: c)
    }

    /// The event appended only when `change` (a step update fenced by its lease) changed its row;
    /// `nil` when the fence held it off.
    static func event(
        _ c: Connection, _ run: WorkflowRunID, _ name: RunEvent.Name, _ data: JSONValue, _ workspace: WorkspaceID, after change: SQLQuery
    ) throws -> RunEvent? {
        try RunEventRepository.append(after: change, run: run, event: name, data: data, workspace: workspace, on: c)
    }

    public static func stepData(_ step: WorkflowStep, _ extra: JSONValue = [:]) -> JSONValue {
        JSONValue.object([
            "step_key": .string(step.stepKey), "kind": .string(step.kind.rawValue),
            "agent_name": step.agentName.map { .string($0) } ?? .null, "attempt": .number(step.attempt),
        ]).merging(extra)
    }

    /// Who may end a step: the lease holder of a running step, or (`owner == nil`) the decision
    /// of a step awaiting approval.
    static func fence(_ owner: String?) -> SQLQuery {
        guard let owner else { return "status = 'awaiting_approval'" }
        return "lease_owner = \(owner) AND status = 'running'"
    }

    /// Records the resolved input and `workflow_step.started`; `nil` when the lease was lost.
    public static func markStarted(_ step: WorkflowStep, input: JSONValue, owner: String, _ c: Connection) throws -> RunEvent? {
        try lockRun(step.runId, c)
        return try startedEvent(c.query(startQuery(step, input: input, owner: owner)), step)
    }

    /// `markStarted` for the steps a claim batch's own transaction claimed, sent without waiting:
    /// they travel with the transaction's next query or its `COMMIT`. The claim holds those steps'
    /// rows, so their lease cannot be lost in between; `events()` reads the events once the
    /// transaction is done. Each start goes under its own workspace's scope (the scope is left on
    /// the last one's).
    public static func sendStarts(_ starts: [(step: WorkflowStep, input: JSONValue)], owner: String, _ c: Connection) throws -> Starts {
        var answers: [LaterAnswer] = []
        for (index, start) in starts.enumerated() {
            if index == 0 || starts[index - 1].step.workspaceId != start.step.workspaceId {
                try c.send(scopeQuery(start.step.workspaceId))
            }
            answers.append(try c.sendForLater(startQuery(start.step, input: start.input, owner: owner)))
        }
        return Starts(steps: starts.map(\.step), answers: answers)
    }

    /// Starts sent by `sendStarts`, whose answers come back with a later round trip.
    public struct Starts: Sendable {
        let steps: [WorkflowStep]
        let answers: [LaterAnswer]

        /// The events in order, `nil` where the step did not start; call it once the transaction
        /// has committed.
        public func events() throws -> [RunEvent?] {
            try zip(steps, answers).map { step, answer in try startedEvent(answer.value(), step) }
        }
    }

    private static func startQuery(_ step: WorkflowStep, input: JSONValue, owner: String) -> SQLQuery {
        RunEventRepository.appendQuery(
            after: """
                UPDATE tiktok_workflow_steps SET input = \(input), updated_at = now()
                WHERE id = \(step.id) AND lease_owner = \(owner) AND status = 'running' RETURNING 1
                """, run: step.runId, event: .stepStarted, data: stepData(step), workspace: step.workspaceId)
    }

    private static func startedEvent(_ result: QueryResult, _ step: WorkflowStep) throws -> RunEvent? {
        try RunEventRepository.appended(result, step.runId, .stepStarted, stepData(step), step.workspaceId)
    }

    /// A succeeded step's events, and whether its success left a step of the run ready to claim
    /// (the last of a fan-out readies what waited on it; the others ready nothing).
    public struct Completion: Sendable {
        public var events: [RunEvent]
        public var readied: Bool
    }

    /// Marks the step succeeded, then finalises the run if nothing is left. `nil` when the lease
    /// was lost. `runLocked` says the transaction holds the run's lock already. `costUsd` `nil`
    /// reads the cost from the agent run's row, closed earlier in the transaction
    /// (`AgentRunRepository.sendFinish`), so the close need not be waited for.
    public static func complete(
        _ step: WorkflowStep, output: JSONValue, costUsd: Double?, latencyMs: Int, agentRunId: AgentRunID?, owner: String?,
        runLocked: Bool = false, _ c: Connection
    ) throws -> Completion? {
        if !runLocked { try lockRun(step.runId, c) }
        let (success, data) = successQuery(
            step, output: output, costUsd: costUsd, latencyMs: latencyMs, agentRunId: agentRunId, owner: owner)
        // The finish check only reads, so it travels with the change whether or not the fence lets the change through.
        let answers = try c.queries([success, finishCheck(step.runId)])
        guard let succeeded = try RunEventRepository.appended(answers[0], step.runId, .stepSucceeded, data, step.workspaceId) else {
            return nil
        }
        let checked = answers[1].first
        return Completion(
            events: [succeeded] + (try finalizeIfDone(step.runId, step.workspaceId, c, checked: checked)),
            readied: checked?["status"] == "running" && checked?["ready"] == "t")
    }

    /// Like `complete`, for a step other steps of its run depend on, whose success therefore
    /// leaves the run open: the statements go with the `COMMIT` (`Connection.sendForLater`) and
    /// the completion is read after it, one round trip in all. The run's lock must be taken
    /// first (`lockRun(_:holdingLeaseOf:owner:_:)`). A `NOTIFY` from `owner` wakes the engines
    /// when the success left a step ready. When the success leaves nothing open after all (a
    /// step it fanned out with failed meanwhile), the transaction fails with SQLSTATE `TA003`
    /// (`DatabaseError.isRunEnding`) and nothing of it stays: record it with `complete`, which
    /// ends the run. The completion is `nil` when the lease was lost.
    public static func sendComplete(
        _ step: WorkflowStep, output: JSONValue, latencyMs: Int, agentRunId: AgentRunID?, owner: String, _ c: Connection
    ) throws -> @Sendable () throws -> Completion? {
        let (success, data) = successQuery(step, output: output, costUsd: nil, latencyMs: latencyMs, agentRunId: agentRunId, owner: owner)
        let changed = try c.sendForLater(success)
        let checked = try c.sendForLater(
            """
            SELECT f.status = 'running' AND f.ready AS readied,
                tiktok_assert_run_continues(f.status IN ('running', 'awaiting_approval') AND f.open = 0),
                CASE WHEN f.status = 'running' AND f.ready THEN pg_notify(\(controlChannel), \("work:" + owner)) END
            FROM (\(finishCheck(step.runId))) f
            """)
        return {
            guard let succeeded = try RunEventRepository.appended(changed.value(), step.runId, .stepSucceeded, data, step.workspaceId)
            else {
                return nil
            }
            return Completion(events: [succeeded], readied: try checked.value().first?["readied"] == "t")
        }
    }

    /// The step's success fenced by its lease, with `workflow_step.succeeded` appended, and the
    /// event's data (its cost merged in by the statement).
    private static func successQuery(
        _ step: WorkflowStep, output: JSONValue, costUsd: Double?, latencyMs: Int, agentRunId: AgentRunID?, owner: String?
    ) -> (SQLQuery, JSONValue) {
        let data = stepData(
            step,
            [
                "latency_ms": .number(latencyMs), "agent_run_id": agentRunId.map { .string($0.description) } ?? .null,
            ])
        let change: SQLQuery = """
            UPDATE tiktok_workflow_steps SET status = 'succeeded', output = \(output),
                cost_usd = COALESCE(\(costUsd), (SELECT cost_usd FROM tiktok_agent_runs WHERE id = \(agentRunId)), 0),
                latency_ms = \(latencyMs), agent_run_id = COALESCE(\(agentRunId), agent_run_id), error = NULL, lease_expires_at = NULL,
                completed_at = now(), updated_at = now()
            WHERE id = \(step.id) AND \(fence(owner)) RETURNING cost_usd
            """
        let query = RunEventRepository.appendQuery(
            after: change, run: step.runId, event: .stepSucceeded, data: data,
            merging: "jsonb_build_object('cost_usd', (SELECT cost_usd::float8 FROM changed))", workspace: step.workspaceId)
        return (query, data)
    }

    /// Puts the step back to pending after a transient failure, to be retried at `at`.
    public static func scheduleRetry(_ step: WorkflowStep, error: String, at: Date, agentRunId: AgentRunID?, owner: String, _ c: Connection)
        throws -> [RunEvent]?
    {
        try lockRun(step.runId, c)
        let data = stepData(step, ["error": .string(error), "will_retry": true, "next_attempt_at": .string(Timestamp.format(at))])
        return try event(
            c, step.runId, .stepFailed, data, step.workspaceId,
            after: """
                UPDATE tiktok_workflow_steps SET status = 'pending', error = \(error), next_attempt_at = \(at), agent_run_id = COALESCE(\(agentRunId), agent_run_id),
                    lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
                WHERE id = \(step.id) AND lease_owner = \(owner) AND status = 'running' RETURNING 1
                """
        ).map { [$0] }
    }

    /// Fails the step and with it the run: nothing new starts (pending steps are skipped), steps
    /// already running finish and are recorded, and the run ends when the last of them does.
    public static func fail(_ step: WorkflowStep, error: String, agentRunId: AgentRunID?, owner: String?, _ c: Connection) throws
        -> [RunEvent]?
    {
        try lockRun(step.runId, c)
        guard
            let failed = try event(
                c, step.runId, .stepFailed, stepData(step, ["error": .string(error), "will_retry": false]), step.workspaceId,
                after: """
                    UPDATE tiktok_workflow_steps SET status = 'failed', error = \(error), agent_run_id = COALESCE(\(agentRunId), agent_run_id),
                        lease_expires_at = NULL, completed_at = now(), updated_at = now()
                    WHERE id = \(step.id) AND \(fence(owner)) RETURNING 1
                    """)
        else { return nil }
        try c.send(
            "UPDATE tiktok_workflow_steps SET status = 'skipped', updated_at = now() WHERE run_id = \(step.runId) AND status IN ('pending', 'awaiting_approval')"
        )
        return [failed] + (try finalizeIfDone(step.runId, step.workspaceId, c))
    }

    /// Ends a run that is not yet terminal: open steps become skipped or cancelled, pending
    /// approvals are closed, totals and `completed_at` are written, `workflow_run.completed` appended.
    public static func endRun(_ run: WorkflowRunID, _ workspace: WorkspaceID, status: RunStatus, error: String?, _ c: Connection) throws
        -> [RunEvent]
    {
        guard
            try c.query("SELECT status FROM tiktok_workflow_runs WHERE id = \(run) FOR NO KEY UPDATE").first.map({
                try $0.enumeration("status", as: RunStatus.self)
            })?.isTerminal == false
        else {
            return []
        }
        try c.query(
            "UPDATE tiktok_workflow_steps SET status = 'skipped', updated_at = now() WHERE run_id = \(run) AND status IN ('pending', 'awaiting_approval')"
        )
        try c.query(
            "UPDATE tiktok_workflow_steps SET status = 'cancelled', lease_owner = NULL, lease_expires_at = NULL, updated_at = now() WHERE run_id = \(run) AND status = 'running'"
        )
        try c.query(
            "UPDATE tiktok_approvals SET status = 'rejected', decision_note = \("run \(status.rawValue)"), decided_at = now() WHERE run_id = \(run) AND status = 'pending'"
        )
        guard let finished = try RunRepository.finalize(run, status: status, error: error, on: c) else { return [] }
        if let brief = finished.briefId {
            try BriefRepository.setStatus(brief, status == .succeeded ? .completed : status == .cancelled ? .cancelled : .failed, on: c)
        }
        try notifyCancel(run, workspace, c)
        try OutboxRepository.append(
            topic: "audit-event",
            payload: [
                "event": "workflow_run.completed", "workflow_run_id": .string(run.description),
                "workflow_slug": .string(finished.workflowSlug),
                "status": .string(status.rawValue), "total_cost_usd": .number(finished.totalCostUsd),
                "error": error.map { .string($0) } ?? .null,
            ], workspace: workspace, on: c)
        if status == .failed {
            try AlertRepository.raise(
                kind: "run_failed", key: "run_failed:\(run)",
                message:
                    "\(finished.workflowSlug.replacingOccurrences(of: "_", with: " ").capitalized) run failed: \(error ?? "no reason given")",
                link: "/runs/\(run)", workspace: workspace, on: c)
        }
        return [try event(c, run, .runCompleted, completionData(finished), workspace)]
    }

    public static func completionData(_ run: WorkflowRun) -> JSONValue {
        [
            "status": .string(run.status.rawValue), "total_cost_usd": .number(run.totalCostUsd),
            "total_latency_ms": .number(run.totalLatencyMs),
            "error": run.error.map { .string($0) } ?? .null, "has_report": .bool(run.reportMd != nil),
        ]
    }

    /// Ends the run once no step is pending, running or awaiting approval (under the run row's
    /// lock, so two steps finishing together end it once): succeeded when every step succeeded,
    /// rejected when an approval gate failed, otherwise failed naming the failed step.
    /// `checked` is the answer of `finishCheck` when the caller has already read it.
    public static func finalizeIfDone(_ run: WorkflowRunID, _ workspace: WorkspaceID, _ c: Connection, checked: Row?? = nil) throws
        -> [RunEvent]
    {
        guard let row = try checked ?? c.query(finishCheck(run)).first,
            row["status"] == "running" || row["status"] == "awaiting_approval", try row.int("open") == 0
        else { return [] }
        if let failedKey = row["failed_key"] {
            let error = row["failed_error"] ?? "failed"
            if row["failed_kind"] == "approval" { return try endRun(run, workspace, status: .rejected, error: error, c) }
            return try endRun(run, workspace, status: .failed, error: "step \(failedKey) failed: \(error)", c)
        }
        // One statement: the run finalised, its brief completed, `workflow_run.completed` appended.
        let finished = RunEventRepository.appendQuery(
            next: RunRepository.finalizeQuery(
                run, status: .succeeded, error: nil, takingEventSeq: true,
                returning:
                    "r.event_seq, r.brief_id, r.status, r.total_cost_usd, r.total_latency_ms, r.error, r.report_md IS NOT NULL AS has_report"
            ),
            also: "completed AS (UPDATE tiktok_briefs SET status = 'completed', updated_at = now() WHERE id = (SELECT brief_id FROM next))",
            run: run, event: .runCompleted, data: [:],
            merging: """
                jsonb_build_object('status', status, 'total_cost_usd', total_cost_usd::float8, 'total_latency_ms', total_latency_ms,
                    'error', error, 'has_report', has_report)
                """, workspace: workspace)
        return try RunEventRepository.appended(c.query(finished), run, .runCompleted, [:], workspace).map { [$0] } ?? []
    }

    /// The run's status, how many of its steps can still move (`open`: running, awaiting
    /// approval, or pending with every dependency succeeded), whether a pending step may be
    /// claimed now (`ready`), and its first failed step (`failed_key`, `failed_kind`,
    /// `failed_error`, `NULL` when none failed), under the run row's lock. A pending step behind
    /// a failed one is not open: when nothing else is, nothing can reach it (after one of several
    /// failed steps was retried), and the run ends failed instead of waiting forever.
    static func finishCheck(_ run: WorkflowRunID) -> SQLQuery {
        """
        SELECT r.status, (
            SELECT count(*) FROM tiktok_workflow_steps s
            WHERE s.run_id = \(run) AND (s.status IN ('running', 'awaiting_approval') OR \(pendingWithDependenciesMet))
        ) AS open, EXISTS (
            SELECT 1 FROM tiktok_workflow_steps s
            WHERE s.run_id = \(run) AND \(pendingWithDependenciesMet) AND (s.next_attempt_at IS NULL OR s.next_attempt_at <= now())
        ) AS ready, f.step_key AS failed_key, f.kind AS failed_kind, f.error AS failed_error
        FROM tiktok_workflow_runs r
        LEFT JOIN LATERAL (
            SELECT step_key, kind, error FROM tiktok_workflow_steps WHERE run_id = \(run) AND status = 'failed' ORDER BY completed_at LIMIT 1
        ) f ON true
        WHERE r.id = \(run) FOR NO KEY UPDATE OF r
        """
    }

    /// A pending step `s` whose dependencies have all succeeded.
    static let pendingWithDependenciesMet: SQLQuery = """
        s.status = 'pending'
          AND NOT EXISTS (SELECT 1 FROM tiktok_workflow_steps d WHERE d.run_id = s.run_id AND d.step_key = ANY (s.depends_on) AND d.status <> 'succeeded')
        """

    /// Parks the run on an approval gate holding `payload`.
    public static func park(_ step: WorkflowStep, payload: JSONValue, owner: String, _ c: Connection) throws -> (Approval, [RunEvent])? {
        try lockRun(step.runId, c)
        guard
            try c.query(
                """
                UPDATE tiktok_workflow_steps SET status = 'awaiting_approval', output = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
                WHERE id = \(step.id) AND lease_owner = \(owner) AND status = 'running'
                """
            ).affectedRows == 1
        else { return nil }
        let approval = try ApprovalRepository.open(
            run: step.runId, step: step.id, stepKey: step.stepKey, payload: payload, workspace: step.workspaceId, on: c)
        try RunRepository.setStatus(step.runId, .awaitingApproval, on: c)
        let event = try event(
            c, step.runId, .stepAwaitingApproval, stepData(step, ["approval_id": .string(approval.id.description)]), step.workspaceId)
        return (approval, [event])
    }

    /// Hands a step this process holds back to pending, its attempt not counted (used at shutdown).
    public static func release(_ step: WorkflowStep, owner: String, _ c: Connection) throws -> Void? {
        try lockRun(step.runId, c)
        return try c.query(
            """
            UPDATE tiktok_workflow_steps SET status = 'pending', attempt = attempt - 1, lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
            WHERE id = \(step.id) AND lease_owner = \(owner) AND status = 'running'
            """
        ).affectedRows == 1 ? () : nil
    }

    /// What starting a step reads: its run, the run's steps and the workspace's model choices
    /// (agent name -> model).
    public struct LoadedRun: Sendable {
        public var run: WorkflowRun
        public var steps: [WorkflowStep]
        public var modelChoices: [String: String]
    }

    /// Takes the run's row lock only if no other transaction holds it, and reads the run as
    /// `loadRun` does, in the same round trip: `.busy` when another transaction holds it. A
    /// transaction that has just claimed steps holds their row locks, and must not wait for a run
    /// whose transition may be waiting for those very rows (a deadlock).
    public static func tryLockAndLoad(_ run: WorkflowRunID, _ c: Connection) throws -> Loading {
        try loading(c.queries([tryLockQuery(run)] + loadQueries(run)))
    }

    /// `tryLockAndLoad` for each of `runs` in one round trip, each under its workspace's scope
    /// (the scope is left on the last one's).
    public static func tryLockAndLoad(_ runs: [(run: WorkflowRunID, workspace: WorkspaceID)], _ c: Connection) throws
        -> [WorkflowRunID: Loading]
    {
        guard !runs.isEmpty else { return [:] }
        var statements: [SQLQuery] = []
        var firstAnswer: [Int] = []
        for (index, one) in runs.enumerated() {
            if index == 0 || runs[index - 1].workspace != one.workspace { statements.append(scopeQuery(one.workspace)) }
            firstAnswer.append(statements.count)
            statements += [tryLockQuery(one.run)] + loadQueries(one.run)
        }
        let answers = try c.queries(statements)
        var loading: [WorkflowRunID: Loading] = [:]
        for (one, at) in zip(runs, firstAnswer) {
            loading[one.run] = try self.loading(Array(answers[at..<(at + 4)]))
        }
        return loading
    }

    private static func tryLockQuery(_ run: WorkflowRunID) -> SQLQuery {
        "SELECT 1 AS held FROM tiktok_workflow_runs WHERE id = \(run) FOR NO KEY UPDATE SKIP LOCKED"
    }

    /// The lock's answer, then the load's three.
    private static func loading(_ answers: [QueryResult]) throws -> Loading {
        guard answers[0].rows.count == 1 else { return .busy }
        return try loaded(Array(answers.dropFirst())).map { .loaded($0) } ?? .missing
    }

    /// What `tryLockAndLoad` found.
    public enum Loading: Sendable {
        case loaded(LoadedRun)
        case busy
        case missing
    }

    /// Hands back a step this transaction has just claimed, as if it had not been: pending again,
    /// the attempt not counted. The transition that held its run wakes the engines when it commits.
    public static func unclaim(_ step: WorkflowStepID, owner: String, _ c: Connection) throws {
        try c.send(
            """
            UPDATE tiktok_workflow_steps SET status = 'pending', attempt = attempt - 1, lease_owner = NULL, lease_expires_at = NULL,
                updated_at = now()
            WHERE id = \(step) AND lease_owner = \(owner)
            """)
    }

    /// The run, its steps and the workspace's model choices, read in one round trip.
    public static func loadRun(_ run: WorkflowRunID, _ c: Connection) throws -> LoadedRun? {
        try loaded(c.queries(loadQueries(run)))
    }

    private static func loadQueries(_ run: WorkflowRunID) -> [SQLQuery] {
        [RunRepository.findQuery(run), StepRepository.listQuery(run: run), AgentModelRepository.allQuery]
    }

    private static func loaded(_ answers: [QueryResult]) throws -> LoadedRun? {
        guard let row = try answers[0].first.map(RunRepository.decode) else { return nil }
        return LoadedRun(
            run: row, steps: try answers[1].rows.map(StepRepository.decode), modelChoices: try AgentModelRepository.choices(answers[2]))
    }

    /// Asserts that `owner` still holds the running step and locks its row for the transaction,
    /// without waiting for the answer: when it does not, the transaction fails at its next answer
    /// with SQLSTATE `TA002` (`DatabaseError.isLeaseLost`) and nothing of it is kept.
    public static func holdLease(_ step: WorkflowStepID, owner: String, _ c: Connection) throws {
        try c.send("SELECT tiktok_hold_lease(\(step), \(owner))")
    }

    /// `lockRun` then `holdLease` in one statement: the run's row is locked first (every
    /// transition takes its run's lock before its steps'), then the lease asserted.
    public static func lockRun(_ run: WorkflowRunID, holdingLeaseOf step: WorkflowStepID, owner: String, _ c: Connection) throws {
        try c.send(
            """
            SELECT tiktok_hold_lease(\(step), \(owner))
            FROM (SELECT count(*) FROM (SELECT 1 FROM tiktok_workflow_runs WHERE id = \(run) FOR NO KEY UPDATE) locked) run
            """)
    }

    /// Renews the leases of `steps` in one statement; returns those still ours (the others
    /// passed to another worker or left `running`).
    public static func renewLeases(_ steps: [WorkflowStepID], owner: String, leaseSeconds: Int, _ c: Connection) throws -> Set<
        WorkflowStepID
    > {
        let ids = steps.map(\.description)
        return Set(
            try c.query(
                """
                UPDATE tiktok_workflow_steps SET lease_expires_at = now() + make_interval(secs => \(leaseSeconds))
                WHERE id = ANY(\(ids)::uuid[]) AND lease_owner = \(owner) AND status = 'running' RETURNING id
                """
            ).rows.map { try $0.id("id") })
    }

    /// Claims up to `limit` ready steps (or exactly `step`) for `owner` under a lease of
    /// `leaseSeconds`, skipping the steps in `held` (`tiktok_claim_steps`, across workspaces).
    public static func claim(
        owner: String, leaseSeconds: Int, limit: Int, step: WorkflowStepID?, held: [String], _ c: Connection
    ) throws -> [(step: WorkflowStepID, run: WorkflowRunID, workspace: WorkspaceID, attempt: Int)] {
        try c.query(
            "SELECT step_id, run_id, workspace_id, attempt FROM tiktok_claim_steps(\(owner), \(leaseSeconds), \(limit), \(step), \(held)::uuid[])"
        ).rows.map {
            (step: try $0.id("step_id"), run: try $0.id("run_id"), workspace: try $0.id("workspace_id"), attempt: try $0.int("attempt"))
        }
    }

    /// The pending steps of a running run whose dependencies all succeeded, with their attempt
    /// and earliest start.
    public static func readySteps(_ run: WorkflowRunID, _ c: Connection) throws -> [(step: WorkflowStepID, attempt: Int, notBefore: Date?)]
    {
        try c.query(
            """
            SELECT s.id, s.attempt, s.next_attempt_at FROM tiktok_workflow_steps s JOIN tiktok_workflow_runs r ON r.id = s.run_id
            WHERE s.run_id = \(run) AND r.status = 'running' AND \(pendingWithDependenciesMet)
            """
        ).rows.map {
            (
                step: try $0.id("id", as: WorkflowStep.self), attempt: try $0.int("attempt"),
                notBefore: try $0.optionalDate("next_attempt_at")
            )
        }
    }

    /// Runs of any workspace left open with nothing that can move (`tiktok_stalled_runs`): running
    /// or awaiting approval, with no step running, awaiting approval, or pending with every
    /// dependency succeeded. Oldest first, at most `limit`.
    public static func stalledRuns(limit: Int, _ c: Connection) throws -> [(workspace: WorkspaceID, run: WorkflowRunID)] {
        try c.query("SELECT workspace_id, run_id FROM tiktok_stalled_runs(\(limit))").rows.map {
            (workspace: try $0.id("workspace_id"), run: try $0.id("run_id"))
        }
    }

    /// The synthesis's report on the run, sent with the transaction's next query.
    public static func setReport(_ run: WorkflowRunID, _ reportMd: String, _ c: Connection) throws {
        try c.send("UPDATE tiktok_workflow_runs SET report_md = \(reportMd) WHERE id = \(run)")
    }

    /// Reopens a failed run at `step`: the step and every skipped or cancelled one are pending
    /// again with their attempts reset, and the run is running.
    public static func reopen(_ run: WorkflowRunID, at step: WorkflowStepID, _ c: Connection) throws {
        try c.query(
            """
            UPDATE tiktok_workflow_steps SET status = 'pending', attempt = 0, error = NULL, next_attempt_at = NULL, lease_owner = NULL,
                lease_expires_at = NULL, completed_at = NULL, updated_at = now()
            WHERE run_id = \(run) AND (id = \(step) OR status IN ('skipped', 'cancelled'))
            """)
        try c.query(
            "UPDATE tiktok_workflow_runs SET status = 'running', error = NULL, completed_at = NULL, updated_at = now() WHERE id = \(run)")
    }
}
