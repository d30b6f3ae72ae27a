import Core
import Foundation

extension RunTransitions {
    /// A run about to start: its row's values, its `steps` (in order) and the data of its
    /// `workflow_run.started`. Its id is chosen here, so the statements that name the run travel
    /// with the one that creates it.
    public struct NewRun: Sendable {
        public let id = WorkflowRunID(Crypto.randomUUID())
        public var workspace: WorkspaceID
        public var workflowId: WorkflowID?
        public var workflowSlug: String
        public var briefId: BriefID?
        public var input: JSONValue
        public var steps: [NewStep]
        public var schedule: (id: UUID, occurrence: Date)?
        public var replayOf: WorkflowRunID?
        public var evaluation: EvaluationID?
        public var data: JSONValue

        public init(
            workspace: WorkspaceID, workflowId: WorkflowID?, workflowSlug: String, briefId: BriefID?, input: JSONValue, steps: [NewStep],
            schedule: (id: UUID, occurrence: Date)? = nil, replayOf: WorkflowRunID? = nil, evaluation: EvaluationID? = nil,
            data: JSONValue
        ) {
            (self.workspace, self.workflowId, self.workflowSlug, self.briefId, self.input) = (
                workspace, workflowId, workflowSlug, briefId, input
            )
            (self.steps, self.schedule, self.replayOf, self.evaluation, self.data) = (steps, schedule, replayOf, evaluation, data)
        }

        /// The run's row, its steps, its brief marked dispatched (a run of a brief, not a
        /// replay), and its first event: the last statement's answer is the event.
        var statements: [SQLQuery] {
            var statements = [
                RunRepository.createQuery(
                    id: id, workspace: workspace, workflowId: workflowId, workflowSlug: workflowSlug, briefId: briefId, input: input,
                    schedule: schedule?.id, scheduledFor: schedule?.occurrence, replayOf: replayOf, evaluation: evaluation)
            ]
            if let created = StepRepository.createAllQuery(steps, run: id, workspace: workspace) { statements.append(created) }
            if let briefId, replayOf == nil { statements.append(BriefRepository.setStatusQuery(briefId, .dispatched)) }
            statements.append(RunEventRepository.appendQuery(run: id, event: .runStarted, data: data, workspace: workspace))
            return statements
        }

        /// The run and its event from the answers of `statements`.
        func started(_ created: QueryResult, _ appended: QueryResult) throws -> (WorkflowRun, RunEvent) {
            (
                try RunRepository.decode(created.first!),
                try RunEventRepository.appendedOrMissing(appended, id, .runStarted, data, workspace)
            )
        }
    }

    /// Starts `run` in one round trip: its row, its steps, its brief's status and its first event.
    public static func start(_ run: NewRun, _ c: Connection) throws -> (WorkflowRun, RunEvent) {
        let answers = try c.queries(run.statements)
        return try run.started(answers[0], answers[answers.count - 1])
    }

    /// `start` without waiting: the statements travel with the transaction's `COMMIT`, and
    /// `read()` gives the run and its event once it has committed.
    public static func sendStart(_ run: NewRun, _ c: Connection) throws -> SentStart {
        SentStart(run: run, answers: try run.statements.map { try c.sendForLater($0) })
    }

    /// A start `sendStart` sent.
    public struct SentStart: Sendable {
        let run: NewRun
        let answers: [LaterAnswer]

        /// The run and its first event; call it once the transaction has committed.
        public func read() throws -> (WorkflowRun, RunEvent) {
            try run.started(answers[0].value(), answers[answers.count - 1].value())
        }
    }

    /// The workspace's stored row of the workflow `slug` and the brief `brief`, read in one round
    /// trip for a run's start.
    public static func workflowAndBrief(slug: String, brief: BriefID, _ c: Connection) throws -> (workflow: Workflow?, brief: Brief?) {
        let answers = try c.queries([WorkflowRepository.findQuery(slug: slug), BriefRepository.findQuery(brief)])
        return (try answers[0].first.map(WorkflowRepository.decode), try answers[1].first.map(BriefRepository.decode))
    }

    /// Cancels a run that has not ended: `workflow_run.cancelled` (naming `by`), then the run ends
    /// `cancelled` (see `endRun`). 404 when absent, 409 when it already ended.
    public static func cancel(_ run: WorkflowRunID, by: String?, workspace: WorkspaceID, _ c: Connection) throws -> (
        WorkflowRun, [RunEvent]
    ) {
        try lockRun(run, c)
        guard let current = try RunRepository.find(run, on: c) else { throw AppError.notFound("run \(run) not found") }
        guard !current.status.isTerminal else { throw AppError.conflict("run \(run) already ended \(current.status.rawValue)") }
        let requested = try event(c, run, .runCancelled, ["by": by.map { .string($0) } ?? .null], workspace)
        let events = [requested] + (try endRun(run, workspace, status: .cancelled, error: "cancelled", c))
        return (try RunRepository.find(run, on: c)!, events)
    }

    /// Reopens a failed run at its failed step `stepKey` (see `reopen`), its brief dispatched
    /// again, with `workflow_run.started` naming the retry. 404 for an unknown run or step, 409
    /// unless both the run and the step failed.
    public static func retry(_ run: WorkflowRunID, stepKey: String, by: String?, workspace: WorkspaceID, _ c: Connection) throws -> (
        WorkflowRun, [RunEvent]
    ) {
        try lockRun(run, c)
        guard let current = try RunRepository.find(run, on: c) else { throw AppError.notFound("run \(run) not found") }
        guard let step = try StepRepository.find(run: run, key: stepKey, on: c) else {
            throw AppError.notFound("run \(run) has no step \(stepKey)")
        }
        guard current.status == .failed, step.status == .failed else {
            throw AppError.conflict(
                "step \(stepKey) is \(step.status.rawValue) in a \(current.status.rawValue) run; only a failed step of a failed run can be retried"
            )
        }
        try reopen(run, at: step.id, c)
        if let brief = current.briefId { try BriefRepository.setStatus(brief, .dispatched, on: c) }
        let started = try event(c, run, .runStarted, ["retry_of": .string(stepKey), "by": by.map { .string($0) } ?? .null], workspace)
        return (try RunRepository.find(run, on: c)!, [started])
    }
}
