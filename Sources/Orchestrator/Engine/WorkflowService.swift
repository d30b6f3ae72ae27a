import Agents
import Core
import Foundation
import Persistence

/// What starting a run returns.
public struct StartedRun: Sendable, Equatable {
    public var run: WorkflowRun
    public var streamPath: String
}

/// The operations the API and the CLI call: definitions, start, cancel, retry, approvals.
/// Each is one transaction the service commits through `transitions`; the engines pick up
/// whatever becomes ready.
public struct WorkflowService: Sendable {
    let environment: AgentEnvironment
    let transitions: RunCommitter
    /// Cancels this process's in-flight steps of a run that was just cancelled (other processes
    /// hear the `NOTIFY`).
    let stopLocal: @Sendable (WorkflowRunID) async -> Void

    public init(
        environment: AgentEnvironment, transitions: RunCommitter, stopLocal: @escaping @Sendable (WorkflowRunID) async -> Void = { _ in }
    ) {
        self.environment = environment
        self.transitions = transitions
        self.stopLocal = stopLocal
    }

    var database: Database { environment.database }

    /// The workspace's definition of `slug`: a stored one (with steps) overrides the seeded one.
    public func definition(_ slug: String, workspace: WorkspaceID) async throws -> WorkflowDef {
        let stored = try await database.withWorkspace(workspace) { try WorkflowRepository.find(slug: slug, on: $0) }
        if let stored, stored.definition["steps"] != nil {
            let definition = try stored.definition.decode(WorkflowDef.self)
            try definition.validate()
            return definition
        }
        guard let seeded = SeededWorkflows.find(slug) else { throw AppError.notFound("no workflow \(slug)") }
        return seeded
    }

    /// Every workflow of the workspace: the seeded ones, overridden or joined by stored ones.
    public func definitions(workspace: WorkspaceID) async throws -> [WorkflowDef] {
        let stored = try await database.withWorkspace(workspace) { try WorkflowRepository.list(on: $0) }
        var all = Dictionary(uniqueKeysWithValues: SeededWorkflows.all.map { ($0.slug, $0) })
        for row in stored where row.definition["steps"] != nil {
            if let definition = try? row.definition.decode(WorkflowDef.self), (try? definition.validate()) != nil {
                all[definition.slug] = definition
            }
        }
        return all.values.sorted { $0.slug < $1.slug }
    }

    /// Stores a custom definition (validated) that overrides the seeded one of the same slug.
    @discardableResult
    public func save(_ definition: WorkflowDef, workspace: WorkspaceID) async throws -> Workflow {
        try definition.validate()
        let json = try JSONValue.from(definition)
        return try await database.withWorkspace(workspace) { c in
            try WorkflowRepository.upsert(
                slug: definition.slug, name: definition.name, description: definition.description, definition: json, workspace: workspace,
                on: c)
        }
    }

    /// Step 2 of the data flow: load the definition, resolve the brief, materialise the workflow
    /// row, insert the run and its steps, mark the brief dispatched, announce `workflow_run.started`.
    public func start(briefId: BriefID, workflowSlug: String, workspace: WorkspaceID) async throws -> StartedRun {
        let run = try await transitions.commitThenRead(workspace) { c in
            let (definition, stored, brief) = try Self.sources(workflowSlug, brief: briefId, on: c)
            let new = try Self.newRun(brief: brief, definition: definition, stored: stored, schedule: nil, workspace: workspace, on: c)
            let sent = try RunTransitions.sendStart(new, c)
            return RunCommitter.Sent(runs: [new.id]) {
                let (run, event) = try sent.read()
                return (run, [event])
            }
        }
        return StartedRun(run: run, streamPath: "/api/dashboard/workflows/runs/\(run.id)/stream")
    }

    /// Starts an exact replay of the ended run `original`: a new run, marked as its replay, with
    /// the recorded brief and definition, whose agents' Claude, provider, skill and read calls are
    /// answered from the recorded trace (matched by step, agent and call order) with the recorded
    /// run's start as now, whose acting agents' outputs and gate decisions are restored from the
    /// record, and which calls no service and costs nothing. Replaying a replay replays its original.
    public func replay(_ original: WorkflowRunID, by: String? = nil, workspace: WorkspaceID) async throws -> StartedRun {
        let run: WorkflowRun? = try await transitions.commit(workspace) { c in
            guard let found = try RunRepository.find(original, on: c) else { throw AppError.notFound("run \(original) not found") }
            let source = try found.replayOf.flatMap { try RunRepository.find($0, on: c) } ?? found
            guard source.status.isTerminal, found.status.isTerminal else {
                throw AppError.conflict("run \(original) is still \(found.status.rawValue); a run can be replayed once it has ended")
            }
            let (run, event) = try Self.createReplay(of: source, evaluation: nil, by: by, workspace: workspace, on: c)
            return (run, [event])
        }
        guard let run else { throw AppError.internal("replay was not created") }
        return StartedRun(run: run, streamPath: "/api/dashboard/workflows/runs/\(run.id)/stream")
    }

    /// A replay of the ended, recorded run `source` and its steps, in the caller's transaction:
    /// its input and stored brand context copied, marked as a replay (and, for `evaluation`, as
    /// one of its re-runs).
    static func createReplay(of source: WorkflowRun, evaluation: EvaluationID?, by: String?, workspace: WorkspaceID, on c: Connection)
        throws -> (WorkflowRun, RunEvent)
    {
        let definition =
            try source.input["definition"].map { try $0.decode(WorkflowDef.self) } ?? Self.definition(source.workflowSlug, on: c)
        let order = try definition.topologicalOrder()
        var data: JSONValue = [
            "workflow_slug": .string(definition.slug), "brief_id": source.briefId.map { .string($0.description) } ?? .null,
            "handle": source.input["brief"]?["handle"] ?? .null, "steps": .array(order.map { .string($0.key) }),
            "replay_of": .string(source.id.description), "by": by.map { .string($0) } ?? .null,
        ]
        if let evaluation { data = data.merging(["evaluation_id": .string(evaluation.description)]) }
        let started = try RunTransitions.start(
            RunTransitions.NewRun(
                workspace: workspace, workflowId: source.workflowId, workflowSlug: source.workflowSlug, briefId: source.briefId,
                input: source.input, steps: newSteps(order, replay: true), replayOf: source.id, evaluation: evaluation, data: data), c)
        if let context = try RunContextRepository.find(run: source.id, on: c) {
            _ = try RunContextRepository.store(context, run: started.0.id, workspace: workspace, on: c)
        }
        return started
    }

    /// The run and its steps to start for `brief`, in the caller's transaction (which stores the
    /// workspace's row of a seeded workflow on its first run); `schedule` marks a scheduled run.
    static func newRun(
        brief: Brief, definition: WorkflowDef, stored: Workflow?, schedule: (id: UUID, occurrence: Date)?, workspace: WorkspaceID,
        on c: Connection
    ) throws -> RunTransitions.NewRun {
        let workflow =
            try stored
            ?? WorkflowRepository.upsert(
                slug: definition.slug, name: definition.name, description: definition.description, definition: ["seeded": true],
                workspace: workspace, on: c)
        let snapshot: JSONValue = [
            "handle": .string(brief.handle), "target_type": .string(brief.targetType.rawValue),
            "notes": brief.notes.map { .string($0) } ?? .null,
            "brand_id": brief.brandId.map { .string($0) } ?? .null, "inputs": brief.inputs,
        ]
        var input: JSONValue = ["brief": snapshot, "definition": try JSONValue.from(definition)]
        if let schedule {
            input = input.merging([
                "scheduled": [
                    "schedule_id": .string(schedule.id.uuidString),
                    "for": .string(ISO8601DateFormatter().string(from: schedule.occurrence)),
                ]
            ])
        }
        let order = try definition.topologicalOrder()
        var data: JSONValue = [
            "workflow_slug": .string(definition.slug), "brief_id": .string(brief.id.description), "handle": .string(brief.handle),
            "steps": .array(order.map { .string($0.key) }),
        ]
        if let schedule { data = data.merging(["schedule_id": .string(schedule.id.uuidString)]) }
        return RunTransitions.NewRun(
            workspace: workspace, workflowId: workflow.id, workflowSlug: definition.slug, briefId: brief.id, input: input,
            steps: newSteps(order, replay: false), schedule: schedule, data: data)
    }

    /// The step rows of a run of `order`; a replay runs each step once.
    static func newSteps(_ order: [WorkflowStepDef], replay: Bool) -> [NewStep] {
        order.map {
            NewStep(
                stepKey: $0.key, kind: $0.kind, agentName: $0.kind == .agent ? $0.agent : nil, dependsOn: $0.dependsOn,
                maxAttempts: replay ? 1 : $0.retry.maxAttempts)
        }
    }

    /// The definition of `slug` on the caller's connection: a stored one (with steps) overrides the seeded one.
    static func definition(_ slug: String, on c: Connection) throws -> WorkflowDef { try stored(slug, on: c).definition }

    /// The definition of `slug` on the caller's connection, and the workspace's row of it when
    /// there is one (a seeded workflow's row marks it `seeded`, without steps).
    static func stored(_ slug: String, on c: Connection) throws -> (definition: WorkflowDef, row: Workflow?) {
        try stored(slug, row: WorkflowRepository.find(slug: slug, on: c))
    }

    /// What a run of `slug` for `brief` starts from, read in one round trip: the definition, the
    /// workspace's row of it, and the brief. 404 when the workflow or the brief is not found.
    static func sources(_ slug: String, brief briefId: BriefID, on c: Connection) throws -> (WorkflowDef, Workflow?, Brief) {
        let (row, brief) = try RunTransitions.workflowAndBrief(slug: slug, brief: briefId, c)
        let (definition, stored) = try stored(slug, row: row)
        guard let brief else { throw AppError.notFound("brief \(briefId) not found") }
        return (definition, stored, brief)
    }

    /// The definition of `slug` given the workspace's row of it, if any.
    static func stored(_ slug: String, row: Workflow?) throws -> (definition: WorkflowDef, row: Workflow?) {
        if let row, row.definition["steps"] != nil {
            let definition = try row.definition.decode(WorkflowDef.self)
            try definition.validate()
            return (definition, row)
        }
        guard let seeded = SeededWorkflows.find(slug) else { throw AppError.notFound("no workflow \(slug)") }
        return (seeded, row)
    }

    /// Adds a recurring run of `brief` through `workflowSlug`: `cron` (five fields, in `timeZone`)
    /// or `intervalSeconds` (at least 60). The first occurrence is the next one after now.
    public func schedule(
        brief: BriefID, workflowSlug: String, cron: String?, intervalSeconds: Int?, timeZone: String, workspace: WorkspaceID
    ) async throws -> Schedule {
        let now = environment.clock.now()
        return try await database.withWorkspace(workspace) { c in
            try Self.schedule(
                brief: brief, workflowSlug: workflowSlug, cron: cron, intervalSeconds: intervalSeconds, timeZone: timeZone, now: now,
                workspace: workspace, on: c)
        }
    }

    /// The same on the caller's connection (the CLI's): the rule is checked (400 naming what is
    /// wrong), the brief and the workflow must exist (404).
    public static func schedule(
        brief: BriefID, workflowSlug: String, cron: String?, intervalSeconds: Int?, timeZone: String, now: Date, workspace: WorkspaceID,
        on c: Connection
    ) throws -> Schedule {
        guard (cron == nil) != (intervalSeconds == nil) else { throw AppError.invalidInput("give either cron or interval_seconds") }
        if let intervalSeconds, intervalSeconds < 60 { throw AppError.invalidInput("interval_seconds must be at least 60") }
        let expression = try cron.map { try CronExpression($0) }
        let recurrence: Recurrence = try expression.map { .cron($0, try Recurrence.zone(timeZone)) } ?? .interval(intervalSeconds!)
        _ = try definition(workflowSlug, on: c)
        guard try BriefRepository.find(brief, on: c) != nil else { throw AppError.notFound("brief \(brief) not found") }
        return try ScheduleRepository.create(
            brief: brief, workflowSlug: workflowSlug, cron: expression?.description, intervalSeconds: intervalSeconds, timeZone: timeZone,
            nextRunAt: recurrence.next(after: now), workspace: workspace, on: c)
    }

    /// Starts a run for every due occurrence of `workspace`'s schedules, each in the transaction
    /// that advances its schedule; rows another process holds are skipped (`SKIP LOCKED`), so an
    /// occurrence starts one run however many schedulers run. Catch-up rule: after downtime the
    /// missed occurrences start one run (for the earliest), and the next is the first after now.
    @discardableResult
    public func fireDueSchedules(workspace: WorkspaceID) async throws -> [WorkflowRun] {
        let now = environment.clock.now()
        let started: [WorkflowRun]? = try await transitions.commit(workspace) { c in
            var runs: [WorkflowRun] = []
            var events: [RunEvent] = []
            for schedule in try ScheduleRepository.claimDue(now: now, limit: 20, on: c) {
                let next = try schedule.recurrence().next(after: max(now, schedule.nextRunAt))
                do {
                    let (definition, stored, brief) = try Self.sources(schedule.workflowSlug, brief: schedule.briefId, on: c)
                    let (run, event) = try RunTransitions.start(
                        Self.newRun(
                            brief: brief, definition: definition, stored: stored, schedule: (schedule.id, schedule.nextRunAt),
                            workspace: workspace, on: c), c)
                    try ScheduleRepository.advance(schedule.id, next: next, run: run.id, on: c)
                    runs.append(run)
                    events.append(event)
                } catch let error as AppError where error.status == 404 {
                    try ScheduleRepository.advance(schedule.id, next: next, run: nil, on: c)
                }
            }
            return (runs, events)
        }
        return started ?? []
    }

    /// Fires the due schedules of every workspace.
    @discardableResult
    public func fireDueSchedules() async throws -> Int {
        let workspaces = try await database.withConnection { [now = environment.clock.now()] c in
            try ScheduleRepository.workspacesDue(now: now, on: c)
        }
        var count = 0
        for workspace in workspaces { count += try await fireDueSchedules(workspace: workspace).count }
        return count
    }

    /// Ends the runs of every workspace left open with nothing that can move (a run reopened at
    /// one of several failed steps, before the finish check learned that a pending step behind a
    /// failed one cannot move): each through the finish check under its run's lock, as its last
    /// step's end would have. Returns how many ended.
    @discardableResult
    public func endStalledRuns(limit: Int = 100) async throws -> Int {
        let stalled = try await database.withConnection { c in try RunTransitions.stalledRuns(limit: limit, c) }
        var ended = 0
        for (workspace, run) in stalled {
            let finished: Bool? = try await transitions.commit(workspace, readies: false) { c in
                let events = try RunTransitions.finalizeIfDone(run, workspace, c)
                return events.isEmpty ? nil : (true, events)
            }
            if finished == true {
                ended += 1
                environment.logger.warning(
                    "ended a run that had nothing left to move", metadata: ["workflow.run_id": "\(run)", "workspace_id": "\(workspace)"])
            }
        }
        return ended
    }

    /// Stops a run: open steps end, in-flight agent tasks (on any process) are cancelled, and the
    /// run ends `cancelled`. A run that already ended is a conflict.
    /// `by` (the key's name) is recorded in the run's events.
    public func cancel(_ run: WorkflowRunID, by: String? = nil, workspace: WorkspaceID) async throws -> WorkflowRun {
        let ended: WorkflowRun? = try await transitions.commit(workspace) { c in
            try RunTransitions.cancel(run, by: by, workspace: workspace, c)
        }
        await stopLocal(run)
        return ended!
    }

    /// Re-runs a failed step and continues downstream. Only a failed step of a failed run qualifies.
    /// `by` (the key's name) is recorded in the run's events.
    public func retry(_ run: WorkflowRunID, stepKey: String, by: String? = nil, workspace: WorkspaceID) async throws -> WorkflowRun {
        let reopened: WorkflowRun? = try await transitions.commit(workspace) { c in
            try RunTransitions.retry(run, stepKey: stepKey, by: by, workspace: workspace, c)
        }
        return reopened!
    }

    /// Records an approval decision: approve resumes the run with what is left after the item
    /// decisions (drops and edits, recorded on the gate); reject ends it `rejected` with the note
    /// as reason. Money is checked against what is left of today's ads cap before anything is
    /// recorded. A second decision is a conflict.
    /// `byName` (the key's name) is recorded in the run's events and the approval step's output.
    public func decide(
        _ approval: ApprovalID, approve: Bool, note: String?, by key: APIKeyID?, byName: String? = nil, workspace: WorkspaceID
    ) async throws -> Approval {
        try await decide(approval, ApprovalDecision(approve: approve, note: note), by: key, byName: byName, workspace: workspace)
    }

    public func decide(
        _ approval: ApprovalID, _ decision: ApprovalDecision, by key: APIKeyID?, byName: String? = nil, workspace: WorkspaceID
    ) async throws -> Approval {
        let note = decision.note
        let decided: Approval? = try await transitions.commit(workspace) { c in
            guard let pending = try ApprovalRepository.find(approval, on: c) else {
                throw AppError.notFound("approval \(approval) not found")
            }
            try RunTransitions.lockRun(pending.runId, c)
            var output = pending.payload
            var recorded: JSONValue = []
            if decision.approve, pending.status == .pending {
                (output, recorded) = try ApprovalReview.apply(decision.items, to: pending.payload)
                output = try ApprovalReview.checkMoney(output, budgetOverride: decision.budgetUsd, on: c)
            }
            let decided = try ApprovalRepository.decide(
                approval, approve: decision.approve, note: note, by: key, byName: byName, decisions: recorded, on: c)
            guard let step = try StepRepository.find(decided.stepId, on: c) else { throw AppError.notFound("approval step is gone") }
            var events = [
                try RunTransitions.event(
                    c, decided.runId, .approvalDecided,
                    [
                        "approval_id": .string(decided.id.description), "step_key": .string(decided.stepKey),
                        "status": .string(decided.status.rawValue),
                        "note": note.map { .string($0) } ?? .null, "by": byName.map { .string($0) } ?? .null,
                        "decisions": recorded,
                    ], workspace)
            ]
            if decision.approve {
                let approved: JSONValue = output.merging([
                    "approved": true, "note": note.map { .string($0) } ?? .null, "decided_by": key.map { .string($0.description) } ?? .null,
                    "decided_by_name": byName.map { .string($0) } ?? .null, "decisions": recorded,
                ])
                try RunRepository.setStatus(decided.runId, .running, on: c)
                events +=
                    try RunTransitions.complete(step, output: approved, costUsd: 0, latencyMs: 0, agentRunId: nil, owner: nil, c)?.events
                    ?? []
            } else {
                events +=
                    try RunTransitions.fail(step, error: "rejected" + (note.map { ": \($0)" } ?? ""), agentRunId: nil, owner: nil, c) ?? []
            }
            return (decided, events)
        }
        return decided!
    }
}
