import Foundation

/// A stored workflow definition; a stored slug overrides the seeded one.
public struct Workflow: Codable, Sendable, Equatable {
    public var id: WorkflowID
    public var workspaceId: WorkspaceID
    public var slug: String
    public var name: String
    public var description: String
    public var definition: JSONValue
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: WorkflowID, workspaceId: WorkspaceID, slug: String, name: String, description: String, definition: JSONValue, version: Int,
        createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.workspaceId = workspaceId
        self.slug = slug
        self.name = name
        self.description = description
        self.definition = definition
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Lifecycle of a workflow run.
public enum RunStatus: String, Codable, Sendable, CaseIterable {
    case pending, running
    case awaitingApproval = "awaiting_approval"
    case succeeded, failed, cancelled, rejected

    /// Whether the run can change no more.
    public var isTerminal: Bool { [.succeeded, .failed, .cancelled, .rejected].contains(self) }
}

/// One execution of a workflow on a brief.
public struct WorkflowRun: Codable, Sendable, Equatable {
    public var id: WorkflowRunID
    public var workspaceId: WorkspaceID
    public var workflowId: WorkflowID?
    public var workflowSlug: String
    public var briefId: BriefID?
    public var status: RunStatus
    public var input: JSONValue
    public var reportMd: String?
    public var error: String?
    public var totalCostUsd: Double
    public var totalLatencyMs: Int
    public var createdAt: Date
    public var startedAt: Date?
    public var completedAt: Date?
    public var updatedAt: Date
    /// The run this one replays: its Claude and provider calls are answered from that run's trace.
    public var replayOf: WorkflowRunID?
    /// The evaluation this run belongs to: a replay whose Claude calls are asked again under a change.
    public var evaluationId: EvaluationID?

    public init(
        id: WorkflowRunID, workspaceId: WorkspaceID, workflowId: WorkflowID? = nil, workflowSlug: String, briefId: BriefID? = nil,
        status: RunStatus, input: JSONValue, reportMd: String? = nil, error: String? = nil, totalCostUsd: Double, totalLatencyMs: Int,
        createdAt: Date, startedAt: Date? = nil, completedAt: Date? = nil, updatedAt: Date, replayOf: WorkflowRunID? = nil,
        evaluationId: EvaluationID? = nil
    ) {
        self.id = id
        self.workspaceId = workspaceId
        self.workflowId = workflowId
        self.workflowSlug = workflowSlug
        self.briefId = briefId
        self.status = status
        self.input = input
        self.reportMd = reportMd
        self.error = error
        self.totalCostUsd = totalCostUsd
        self.totalLatencyMs = totalLatencyMs
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.updatedAt = updatedAt
        self.replayOf = replayOf
        self.evaluationId = evaluationId
    }
}

/// Lifecycle of one step of a run.
public enum StepStatus: String, Codable, Sendable, CaseIterable {
    case pending, running, succeeded, failed, skipped
    case awaitingApproval = "awaiting_approval"
    case cancelled

    /// Whether the step can change no more without a retry.
    public var isTerminal: Bool { [.succeeded, .failed, .skipped, .cancelled].contains(self) }
}

/// What a step does.
public enum StepKind: String, Codable, Sendable, CaseIterable { case agent, approval, synthesis }

/// One persisted, independently restartable step of a run.
public struct WorkflowStep: Codable, Sendable, Equatable {
    public var id: WorkflowStepID
    public var workspaceId: WorkspaceID
    public var runId: WorkflowRunID
    public var stepKey: String
    public var kind: StepKind
    public var agentName: String?
    public var dependsOn: [String]
    public var status: StepStatus
    public var input: JSONValue
    public var output: JSONValue?
    public var error: String?
    public var attempt: Int
    public var maxAttempts: Int
    public var agentRunId: AgentRunID?
    public var costUsd: Double
    public var latencyMs: Int
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    public var startedAt: Date?
    public var completedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: WorkflowStepID, workspaceId: WorkspaceID, runId: WorkflowRunID, stepKey: String, kind: StepKind, agentName: String? = nil,
        dependsOn: [String], status: StepStatus, input: JSONValue, output: JSONValue? = nil, error: String? = nil, attempt: Int,
        maxAttempts: Int, agentRunId: AgentRunID? = nil, costUsd: Double, latencyMs: Int, leaseOwner: String? = nil,
        leaseExpiresAt: Date? = nil, startedAt: Date? = nil, completedAt: Date? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.workspaceId = workspaceId
        self.runId = runId
        self.stepKey = stepKey
        self.kind = kind
        self.agentName = agentName
        self.dependsOn = dependsOn
        self.status = status
        self.input = input
        self.output = output
        self.error = error
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.agentRunId = agentRunId
        self.costUsd = costUsd
        self.latencyMs = latencyMs
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A human gate in a run.
public struct Approval: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable { case pending, approved, rejected }
    public var id: ApprovalID
    public var workspaceId: WorkspaceID
    public var runId: WorkflowRunID
    public var stepId: WorkflowStepID
    public var stepKey: String
    public var status: Status
    /// What to review: creative, captions, budget, replies.
    public var payload: JSONValue
    public var decisionNote: String?
    public var decidedByKeyId: APIKeyID?
    /// The deciding key's name.
    public var decidedByName: String?
    /// Per-item decisions (drops and edits, with the text before and after).
    public var decisions: JSONValue
    public var decidedAt: Date?
    public var createdAt: Date

    public init(
        id: ApprovalID, workspaceId: WorkspaceID, runId: WorkflowRunID, stepId: WorkflowStepID, stepKey: String, status: Status,
        payload: JSONValue, decisionNote: String? = nil, decidedByKeyId: APIKeyID? = nil, decidedByName: String? = nil,
        decisions: JSONValue = [], decidedAt: Date? = nil, createdAt: Date
    ) {
        self.decidedByName = decidedByName
        self.decisions = decisions
        self.id = id
        self.workspaceId = workspaceId
        self.runId = runId
        self.stepId = stepId
        self.stepKey = stepKey
        self.status = status
        self.payload = payload
        self.decisionNote = decisionNote
        self.decidedByKeyId = decidedByKeyId
        self.decidedAt = decidedAt
        self.createdAt = createdAt
    }
}

/// A reviewer's decision on one item of an approval: `video:<asset_id>` (its caption),
/// `reply:<comment_id>` (its text) or `budget_change`.
public struct ItemDecision: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable { case approve, edit, drop }
    public var id: String
    public var action: Action
    /// The new text for `edit`.
    public var text: String?

    public init(id: String, action: Action, text: String? = nil) {
        self.id = id
        self.action = action
        self.text = text
    }
}

/// A decision at a gate: approve (what is left after the item decisions) or reject.
public struct ApprovalDecision: Sendable, Equatable {
    public var approve: Bool
    public var note: String?
    /// A changed daily budget (Campaign Launch).
    public var budgetUsd: Double?
    public var items: [ItemDecision]

    public init(approve: Bool, note: String? = nil, budgetUsd: Double? = nil, items: [ItemDecision] = []) {
        self.approve = approve
        self.note = note
        self.budgetUsd = budgetUsd
        self.items = items
    }
}

/// One entry of a run's persisted event log; `seq` is gap-free per run.
public struct RunEvent: Codable, Sendable, Equatable {
    public var workspaceId: WorkspaceID
    public var runId: WorkflowRunID
    public var seq: Int
    public var event: Name
    public var data: JSONValue
    public var createdAt: Date

    /// Every event a run's log holds: the SSE event names and the dashboard's live view use these.
    public enum Name: String, Codable, Sendable, CaseIterable {
        case runStarted = "workflow_run.started"
        case runCancelled = "workflow_run.cancelled"
        case runCompleted = "workflow_run.completed"
        case stepStarted = "workflow_step.started"
        case stepSucceeded = "workflow_step.succeeded"
        case stepFailed = "workflow_step.failed"
        case stepAwaitingApproval = "workflow_step.awaiting_approval"
        case approvalDecided = "approval.decided"
    }

    public init(workspaceId: WorkspaceID, runId: WorkflowRunID, seq: Int, event: Name, data: JSONValue, createdAt: Date) {
        self.workspaceId = workspaceId
        self.runId = runId
        self.seq = seq
        self.event = event
        self.data = data
        self.createdAt = createdAt
    }
}

extension WorkflowRun {
    /// The run as JSON — what `JSONValue.from` gives, built directly, for the run list's hot path.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(id.description), "workspace_id": .string(workspaceId.description), "workflow_slug": .string(workflowSlug),
            "status": .string(status.rawValue), "input": input, "total_cost_usd": .number(totalCostUsd),
            "total_latency_ms": .number(totalLatencyMs), "created_at": .string(Timestamp.format(createdAt)),
            "updated_at": .string(Timestamp.format(updatedAt)),
        ]
        if let workflowId { object["workflow_id"] = .string(workflowId.description) }
        if let briefId { object["brief_id"] = .string(briefId.description) }
        if let reportMd { object["report_md"] = .string(reportMd) }
        if let error { object["error"] = .string(error) }
        if let startedAt { object["started_at"] = .string(Timestamp.format(startedAt)) }
        if let completedAt { object["completed_at"] = .string(Timestamp.format(completedAt)) }
        if let replayOf { object["replay_of"] = .string(replayOf.description) }
        if let evaluationId { object["evaluation_id"] = .string(evaluationId.description) }
        return .object(object)
    }
}

/// A read-only link to a run's report (the token itself is shown once, at creation).
public struct ReportShare: Codable, Sendable, Equatable {
    public var id: UUID
    public var runId: WorkflowRunID
    public var createdBy: String?
    public var expiresAt: Date
    public var revokedAt: Date?
    public var createdAt: Date

    public init(id: UUID, runId: WorkflowRunID, createdBy: String?, expiresAt: Date, revokedAt: Date?, createdAt: Date) {
        self.id = id
        self.runId = runId
        self.createdBy = createdBy
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.createdAt = createdAt
    }

    /// Unexpired and not revoked at `now`.
    public func isLive(at now: Date) -> Bool { revokedAt == nil && expiresAt > now }
}

/// Recorded runs re-run with their services answered from the recording and Claude asked again
/// under a change (a model per agent; the prompts of the current build), compared run by run.
public struct Evaluation: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable { case running, finished, cancelled }
    public var id: EvaluationID
    public var workspaceId: WorkspaceID
    public var name: String
    /// The model each named agent uses in the re-runs (others keep theirs).
    public var models: [String: String]
    public var status: Status
    public var createdBy: String?
    public var createdAt: Date
    public var completedAt: Date?

    public init(
        id: EvaluationID, workspaceId: WorkspaceID, name: String, models: [String: String], status: Status, createdBy: String?,
        createdAt: Date, completedAt: Date?
    ) {
        self.id = id
        self.workspaceId = workspaceId
        self.name = name
        self.models = models
        self.status = status
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.completedAt = completedAt
    }
}
