import APIContract
import Core
import Foundation
import Orchestrator
import Persistence

/// Runs: start one on a brief, read it with its steps, cancel, replay, retry a failed step, and
/// the trace of one agent run. The run list (JSON built by Postgres, passed through) and the
/// event stream (SSE) stay hand-written routes.
extension DashboardAPI {
    func postWorkflowsRun(_ input: Operations.PostWorkflowsRun.Input) async throws -> Operations.PostWorkflowsRun.Output {
        let principal = try RequestScope.caller()
        guard case .json(let body) = input.body else { throw AppError.invalidInput("send the body as application/json") }
        guard let brief = BriefID(body.briefId) else { throw AppError.invalidInput("brief_id must be a UUID") }
        guard !body.workflowSlug.isEmpty else { throw AppError.invalidInput("workflow_slug is required") }
        let started = try await service.start(briefId: brief, workflowSlug: body.workflowSlug, workspace: principal.workspaceId)
        return .accepted(.init(body: .json(.init(workflowRunId: started.run.id.description, streamUrl: started.streamPath))))
    }

    func getWorkflowsRunsId(_ input: Operations.GetWorkflowsRunsId.Input) async throws -> Operations.GetWorkflowsRunsId.Output {
        let principal = try RequestScope.caller()
        let id = try Parameters.id(input.path.id, as: WorkflowRun.self)
        guard
            let (run, steps) = try await database.withWorkspace(
                principal.workspaceId,
                { c -> (WorkflowRun, [WorkflowStep])? in
                    guard let run = try RunRepository.find(id, on: c) else { return nil }
                    return (run, try StepRepository.list(run: id, on: c))
                })
        else { throw AppError.notFound("run \(id) not found") }
        let levels = (try? run.input["definition"]?.decode(WorkflowDef.self))?.levels() ?? [:]
        let detail = Components.Schemas.RunDetail.Value2Payload(
            steps: steps.map(Components.Schemas.RunStep.init), levels: .init(additionalProperties: levels),
            totals: .init(
                steps: steps.count, succeeded: steps.filter { $0.status == .succeeded }.count, costUsd: run.totalCostUsd,
                latencyMs: run.totalLatencyMs))
        return .ok(.init(body: .json(.init(value1: try .init(run), value2: detail))))
    }

    func postWorkflowsRunsIdCancel(_ input: Operations.PostWorkflowsRunsIdCancel.Input) async throws
        -> Operations.PostWorkflowsRunsIdCancel.Output
    {
        let principal = try RequestScope.caller()
        let run = try await service.cancel(
            try Parameters.id(input.path.id, as: WorkflowRun.self), by: principal.keyName, workspace: principal.workspaceId)
        return .ok(.init(body: .json(try .init(run))))
    }

    func postWorkflowsRunsIdReplay(_ input: Operations.PostWorkflowsRunsIdReplay.Input) async throws
        -> Operations.PostWorkflowsRunsIdReplay.Output
    {
        let principal = try RequestScope.caller()
        let started = try await service.replay(
            try Parameters.id(input.path.id, as: WorkflowRun.self), by: principal.keyName, workspace: principal.workspaceId)
        return .created(.init(body: .json(.init(run: try .init(started.run), streamUrl: started.streamPath))))
    }

    func postWorkflowsRunsIdStepsStepKeyRetry(_ input: Operations.PostWorkflowsRunsIdStepsStepKeyRetry.Input) async throws
        -> Operations.PostWorkflowsRunsIdStepsStepKeyRetry.Output
    {
        let principal = try RequestScope.caller()
        let run = try await service.retry(
            try Parameters.id(input.path.id, as: WorkflowRun.self), stepKey: input.path.stepKey, by: principal.keyName,
            workspace: principal.workspaceId)
        return .accepted(.init(body: .json(try .init(run))))
    }

    func getAgentRunsIdSteps(_ input: Operations.GetAgentRunsIdSteps.Input) async throws -> Operations.GetAgentRunsIdSteps.Output {
        let principal = try RequestScope.caller()
        let id = try Parameters.id(input.path.id, as: AgentRun.self)
        let (run, steps) = try await database.withWorkspace(principal.workspaceId) { c in
            (try AgentRunRepository.find(id, on: c), try AgentStepRepository.list(agentRun: id, on: c))
        }
        guard let run else { throw AppError.notFound("agent run \(id) not found") }
        return .ok(.init(body: .json(.init(agentRun: try .init(run), steps: try steps.map(Components.Schemas.AgentCall.init)))))
    }

    func getWorkflows(_ input: Operations.GetWorkflows.Input) async throws -> Operations.GetWorkflows.Output {
        let principal = try RequestScope.caller()
        let definitions = try await service.definitions(workspace: principal.workspaceId)
        return .ok(.init(body: .json(.init(items: definitions.map { Components.Schemas.WorkflowDefinition($0) }))))
    }

    func getWorkflowsSlug(_ input: Operations.GetWorkflowsSlug.Input) async throws -> Operations.GetWorkflowsSlug.Output {
        let principal = try RequestScope.caller()
        let definition = try await service.definition(input.path.slug, workspace: principal.workspaceId)
        return .ok(.init(body: .json(.init(definition))))
    }

    func deleteWorkflowsSlug(_ input: Operations.DeleteWorkflowsSlug.Input) async throws -> Operations.DeleteWorkflowsSlug.Output {
        let principal = try RequestScope.caller()
        try await service.delete(input.path.slug, workspace: principal.workspaceId)
        return .noContent(.init())
    }
}

extension Components.Schemas.Run {
    /// A run as the API shows it: the brief it took instead of its whole input.
    init(_ run: WorkflowRun) throws {
        let brief = run.input["brief"].flatMap { $0.isNull ? nil : $0 }
        self.init(
            id: run.id.description, workspaceId: run.workspaceId.description, workflowId: run.workflowId?.description,
            workflowSlug: run.workflowSlug, briefId: run.briefId?.description,
            brief: brief.map {
                .init(
                    handle: $0["handle"]?.stringValue, targetType: $0["target_type"]?.stringValue, notes: $0["notes"]?.stringValue,
                    brandId: $0["brand_id"]?.stringValue, inputs: $0["inputs"])
            }, status: try ContractValue.of(run.status), error: run.error, reportMd: run.reportMd, totalCostUsd: run.totalCostUsd,
            totalLatencyMs: run.totalLatencyMs, createdAt: run.createdAt, startedAt: run.startedAt, completedAt: run.completedAt,
            updatedAt: run.updatedAt, replayOf: run.replayOf?.description, evaluationId: run.evaluationId?.description)
    }
}

extension Components.Schemas.RunStep {
    /// A step without its lease (which worker holds it is not the API's business).
    init(_ step: WorkflowStep) {
        self.init(
            id: step.id.description, workspaceId: step.workspaceId.description, runId: step.runId.description, stepKey: step.stepKey,
            kind: step.kind.rawValue, agentName: step.agentName, dependsOn: step.dependsOn, status: step.status.rawValue,
            input: step.input, output: step.output, error: step.error, attempt: step.attempt, maxAttempts: step.maxAttempts,
            agentRunId: step.agentRunId?.description, costUsd: step.costUsd, latencyMs: step.latencyMs, startedAt: step.startedAt,
            completedAt: step.completedAt, createdAt: step.createdAt, updatedAt: step.updatedAt)
    }
}

extension Components.Schemas.AgentRun {
    init(_ run: AgentRun) throws {
        self.init(
            id: run.id.description, workspaceId: run.workspaceId.description, agentName: run.agentName,
            workflowRunId: run.workflowRunId?.description, workflowStepId: run.workflowStepId?.description,
            status: try ContractValue.of(run.status), input: run.input, output: run.output, error: run.error, costUsd: run.costUsd,
            latencyMs: run.latencyMs, startedAt: run.startedAt, completedAt: run.completedAt)
    }
}

extension Components.Schemas.AgentCall {
    init(_ step: AgentStep) throws {
        self.init(
            id: step.id.description, workspaceId: step.workspaceId.description, agentRunId: step.agentRunId.description,
            stepIndex: step.stepIndex, kind: try ContractValue.of(step.kind), name: step.name, model: step.model,
            systemPrompt: step.systemPrompt, userPrompt: step.userPrompt, responseText: step.responseText, promptHash: step.promptHash,
            promptVersion: step.promptVersion, request: step.request, response: step.response, error: step.error,
            inputTokens: step.inputTokens, outputTokens: step.outputTokens, cacheCreationInputTokens: step.cacheCreationInputTokens,
            cacheReadInputTokens: step.cacheReadInputTokens, cacheHit: step.cacheHit, costUsd: step.costUsd, latencyMs: step.latencyMs,
            createdAt: step.createdAt)
    }
}

extension Components.Schemas.WorkflowDefinition {
    /// A definition with each step's depth in its DAG.
    init(_ definition: WorkflowDef, version: Int? = nil) {
        self.init(
            slug: definition.slug, name: definition.name, description: definition.description,
            steps: definition.steps.map { step in
                .init(
                    key: step.key, agent: step.agent, dependsOn: step.dependsOn, inputMap: .init(additionalProperties: step.inputMap),
                    options: step.options, timeoutSeconds: step.timeoutSeconds,
                    retry: .init(maxAttempts: step.retry.maxAttempts, backoffSeconds: step.retry.backoffSeconds))
            }, levels: .init(additionalProperties: definition.levels()), version: version)
    }
}
