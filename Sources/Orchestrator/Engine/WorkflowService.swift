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
/// Each is one transaction; the engine picks up whatever becomes ready.
public struct WorkflowService: Sendable {
    public let engine: WorkflowEngine

    public init(engine: WorkflowEngine) { self.engine = engine }

    var database: Database { engine.environment.database }

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
        let definition = try await definition(workflowSlug, workspace: workspace)
        let definitionJSON = try JSONValue.from(definition)
        let run: WorkflowRun? = try await engine.commit(workspace) { c in
            guard let brief = try BriefRepository.find(briefId, on: c) else { throw AppError.notFound("brief \(briefId) not found") }
            let workflow =
                try WorkflowRepository.find(slug: definition.slug, on: c)
                ?? WorkflowRepository.upsert(
                    slug: definition.slug, name: definition.name, description: definition.description, definition: ["seeded": true],
                    workspace: workspace, on: c)
            let snapshot: JSONValue = [
                "handle": .string(brief.handle), "target_type": .string(brief.targetType.rawValue),
                "notes": brief.notes.map { .string($0) } ?? .null,
                "brand_id": brief.brandId.map { .string($0) } ?? .null, "inputs": brief.inputs,
            ]
            let run = try RunRepository.create(
                workspace: workspace, workflowId: workflow.id, workflowSlug: definition.slug, briefId: brief.id,
                input: ["brief": snapshot, "definition": definitionJSON], on: c)
            let order = try definition.topologicalOrder()
            _ = try StepRepository.createAll(
                order.map {
                    NewStep(
                        stepKey: $0.key, kind: $0.kind, agentName: $0.kind == .agent ? $0.agent : nil, dependsOn: $0.dependsOn,
                        maxAttempts: $0.retry.maxAttempts)
                },
                run: run.id, workspace: workspace, on: c)
            try BriefRepository.setStatus(brief.id, .dispatched, on: c)
            let event = try RunTransitions.event(
                c, run.id, .runStarted,
                [
                    "workflow_slug": .string(definition.slug), "brief_id": .string(brief.id.description), "handle": .string(brief.handle),
                    "steps": .array(order.map { .string($0.key) }),
                ], workspace)
            return (run, [event])
        }
        guard let run else { throw AppError.internal("run was not created") }
        engine.wake()
        return StartedRun(run: run, streamPath: "/api/dashboard/workflows/runs/\(run.id)/stream")
    }

    /// Stops a run: open steps end, in-flight agent tasks (on any process) are cancelled, and the
    /// run ends `cancelled`. A run that already ended is a conflict.
    /// `by` (the key's name) is recorded in the run's events.
    public func cancel(_ run: WorkflowRunID, by: String? = nil, workspace: WorkspaceID) async throws -> WorkflowRun {
        let ended: WorkflowRun? = try await engine.commit(workspace) { c in
            guard let current = try RunRepository.find(run, on: c) else { throw AppError.notFound("run \(run) not found") }
            guard !current.status.isTerminal else { throw AppError.conflict("run \(run) already ended \(current.status.rawValue)") }
            let requested = try RunTransitions.event(c, run, .runCancelled, ["by": by.map { .string($0) } ?? .null], workspace)
            let events = [requested] + (try RunTransitions.endRun(run, workspace, status: .cancelled, error: "cancelled", c))
            return (try RunRepository.find(run, on: c)!, events)
        }
        await engine.cancelLocal(run)
        return ended!
    }

    /// Re-runs a failed step and continues downstream. Only a failed step of a failed run qualifies.
    /// `by` (the key's name) is recorded in the run's events.
    public func retry(_ run: WorkflowRunID, stepKey: String, by: String? = nil, workspace: WorkspaceID) async throws -> WorkflowRun {
        let reopened: WorkflowRun? = try await engine.commit(workspace) { c in
            guard let current = try RunRepository.find(run, on: c) else { throw AppError.notFound("run \(run) not found") }
            guard let step = try StepRepository.find(run: run, key: stepKey, on: c) else {
                throw AppError.notFound("run \(run) has no step \(stepKey)")
            }
            guard current.status == .failed, step.status == .failed else {
                throw AppError.conflict(
                    "step \(stepKey) is \(step.status.rawValue) in a \(current.status.rawValue) run; only a failed step of a failed run can be retried"
                )
            }
            try RunTransitions.reopen(run, at: step.id, c)
            if let brief = current.briefId { try BriefRepository.setStatus(brief, .dispatched, on: c) }
            let event = try RunTransitions.event(
                c, run, .runStarted, ["retry_of": .string(stepKey), "by": by.map { .string($0) } ?? .null], workspace)
            return (try RunRepository.find(run, on: c)!, [event])
        }
        engine.wake()
        return reopened!
    }

    /// Records an approval decision: approve resumes the run; reject ends it `rejected` with the
    /// note as reason. A second decision is a conflict.
    /// `byName` (the key's name) is recorded in the run's events and the approval step's output.
    public func decide(
        _ approval: ApprovalID, approve: Bool, note: String?, by key: APIKeyID?, byName: String? = nil, workspace: WorkspaceID
    ) async throws -> Approval {
        let decided: Approval? = try await engine.commit(workspace) { c in
            let decided = try ApprovalRepository.decide(approval, approve: approve, note: note, by: key, on: c)
            guard let step = try StepRepository.find(decided.stepId, on: c) else { throw AppError.notFound("approval step is gone") }
            var events = [
                try RunTransitions.event(
                    c, decided.runId, .approvalDecided,
                    [
                        "approval_id": .string(decided.id.description), "step_key": .string(decided.stepKey),
                        "status": .string(decided.status.rawValue),
                        "note": note.map { .string($0) } ?? .null, "by": byName.map { .string($0) } ?? .null,
                    ], workspace)
            ]
            if approve {
                let output: JSONValue = decided.payload.merging([
                    "approved": true, "note": note.map { .string($0) } ?? .null, "decided_by": key.map { .string($0.description) } ?? .null,
                    "decided_by_name": byName.map { .string($0) } ?? .null,
                ])
                try RunRepository.setStatus(decided.runId, .running, on: c)
                events += try RunTransitions.complete(step, output: output, costUsd: 0, latencyMs: 0, agentRunId: nil, owner: nil, c) ?? []
            } else {
                events +=
                    try RunTransitions.fail(step, error: "rejected" + (note.map { ": \($0)" } ?? ""), agentRunId: nil, owner: nil, c) ?? []
            }
            return (decided, events)
        }
        engine.wake()
        return decided!
    }
}
