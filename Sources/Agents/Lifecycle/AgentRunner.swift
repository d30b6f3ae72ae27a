import Core
import Foundation
import Logging
import Persistence

/// The result of one successful agent run.
public struct AgentRunResult: Sendable, Equatable {
    public var agentRunId: AgentRunID
    public var output: JSONValue
    public var costUsd: Double
    public var latencyMs: Int
}

/// The agent lifecycle:
/// insert the `agent_runs` row (running) and its `agent_run.started` audit event ->
/// set the task-local trace context -> validate the input against the catalog spec -> execute ->
/// record succeeded or failed with output, cost (the sum of its trace rows) and latency, with the
/// outcome's audit event -> on failure throw `AgentError`. The context is task-local, so it is
/// restored whatever happens, cancellation included.
public struct AgentRunner: Sendable {
    public let environment: AgentEnvironment
    public let roster: [String: any Agent.Type]

    public init(environment: AgentEnvironment, roster: [any Agent.Type] = Catalog.agents) {
        self.environment = environment
        self.roster = Dictionary(uniqueKeysWithValues: roster.map { ($0.spec.name, $0) })
    }

    public var gateway: ClaudeGateway { ClaudeGateway(environment: environment) }

    /// Runs the agent `name` on `input`.
    public func run(
        _ name: String, input: JSONValue, workspace: WorkspaceID, workflowRun: WorkflowRunID? = nil, workflowStep: WorkflowStepID? = nil
    ) async throws -> AgentRunResult {
        let body = try agentBody(name)
        return try await run(
            name: name, input: input, workspace: workspace, workflowRun: workflowRun, workflowStep: workflowStep, body: body)
    }

    /// The same lifecycle around an arbitrary body (the orchestrator's synthesis node uses it so its
    /// Claude call is traced like any agent's).
    public func run(
        name: String, input: JSONValue, workspace: WorkspaceID, workflowRun: WorkflowRunID?, workflowStep: WorkflowStepID?,
        body: @Sendable (JSONValue, AgentContext) async throws -> JSONValue
    ) async throws -> AgentRunResult {
        let start = AgentRunStart(
            id: AgentRunID(environment.ids.next()), name: name, input: input, workspace: workspace, workflowRun: workflowRun,
            workflowStep: workflowStep)
        let run = try await environment.database.withWorkspace(workspace) { c in
            var run = start
            try run.record(on: c)
            return run
        }
        let finishing = try await execute(run, body: body)
        return try await environment.database.withWorkspace(workspace) { try finishing.record(on: $0) }
    }

    /// What runs the agent `name`: input validation, `execute`, output validation.
    public func agentBody(_ name: String) throws -> @Sendable (JSONValue, AgentContext) async throws -> JSONValue {
        guard let agentType = roster[name] else {
            throw AgentError(kind: .unknownAgent, agent: name, message: "no agent named \(name)")
        }
        return { input, context in
            let validated = try agentType.spec.validate(input)
            let output = try await agentType.init().execute(AgentInput(validated, agent: name), context: context)
            try agentType.spec.validateOutput(output)
            return output
        }
    }

    /// The middle of the lifecycle, for a caller that writes its first and last steps in its own
    /// transactions (the engine folds them into the step's): `run` must already be recorded
    /// (`AgentRunStart.record`). On success the returned `AgentRunFinish` is recorded by the
    /// caller; on failure the run is closed here as failed and `AgentError` thrown.
    public func execute(_ run: AgentRunStart, body: @Sendable (JSONValue, AgentContext) async throws -> JSONValue) async throws
        -> AgentRunFinish
    {
        let started = ContinuousClock.now
        let (id, name, workspace, workflowRun) = (run.id, run.name, run.workspace, run.workflowRun)
        // A replay's agents see the original run's start as now.
        var agentEnvironment = environment
        if let recording = run.recording { agentEnvironment.clock = .fixed(recording.now) }
        let context = AgentContext(
            environment: agentEnvironment, workspace: workspace, agentRunId: id, workflowRunId: workflowRun, agentName: name,
            model: run.model ?? run.chosenModel ?? environment.defaultModel(for: name),
            gateway: ClaudeGateway(environment: agentEnvironment))
        let trace = TraceContext(agentRunID: id, workspaceID: workspace, agentName: name, recording: run.recording)
        do {
            let output = try await TraceContext.$current.withValue(trace) { try await body(run.input, context) }
            return AgentRunFinish(start: run, output: output, latencyMs: started.millisecondsElapsed, trace: trace)
        } catch {
            let failure = ClaudeGateway.agentError(error, agent: name)
            let message = (failure as? AgentError)?.message ?? (error is CancellationError ? "cancelled" : "\(error)")
            let latency = started.millisecondsElapsed
            _ = try? await uncancelled { [environment] in
                try await environment.database.withWorkspace(workspace) {
                    try run.recordFailure(message, latencyMs: latency, trace: trace, on: $0)
                }
            }
            environment.logger.debug(
                "agent run failed", metadata: ["agent.name": "\(name)", "agent.run_id": "\(id)", "error": "\(message)"])
            if var agentError = failure as? AgentError {
                agentError.agentRunId = id
                throw agentError
            }
            throw failure
        }
    }

    /// An agent run's audit event for the outbox.
    static func event(_ name: String, _ id: AgentRunID, _ agent: String, _ run: WorkflowRunID?) -> OutboxRepository.Entry {
        OutboxRepository.Entry(
            topic: "audit-event",
            payload: [
                "event": .string(name), "agent_run_id": .string(id.description), "agent_name": .string(agent),
                "workflow_run_id": run.map { .string($0.description) } ?? .null,
            ])
    }
}

/// Runs `body` even when the calling task was cancelled, so a failure or cancellation can still be
/// recorded.
func uncancelled<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await Task { try await body() }.value
}

/// An agent run about to start: `record` inserts its `agent_runs` row (running) and its
/// `agent_run.started` audit event, inside the caller's transaction.
public struct AgentRunStart: Sendable {
    public let id: AgentRunID
    public let name: String
    public let input: JSONValue
    public let workspace: WorkspaceID
    public let workflowRun: WorkflowRunID?
    public let workflowStep: WorkflowStepID?
    /// The workspace's choice of model for this agent, read when the run is recorded.
    public private(set) var chosenModel: String?
    /// Set in a replay: the original agent run's trace, which answers its calls.
    public var recording: Recording?
    /// Set in an evaluation: the model this run calls instead of the workspace's choice.
    public var model: String?

    public init(
        id: AgentRunID, name: String, input: JSONValue, workspace: WorkspaceID, workflowRun: WorkflowRunID?, workflowStep: WorkflowStepID?
    ) {
        self.id = id
        self.name = name
        self.input = input
        self.workspace = workspace
        self.workflowRun = workflowRun
        self.workflowStep = workflowStep
    }

    /// Also sets `chosenModel` to the workspace's model choice for the agent: from
    /// `modelChoices` when the caller has read them (agent name -> model), else read here.
    public mutating func record(on connection: Connection, modelChoices: [String: String]? = nil) throws {
        chosenModel = try modelChoices.map { $0[name] } ?? AgentModelRepository.model(for: name, on: connection)
        try AgentRunRepository.start(
            id: id, agentName: name, workspace: workspace, workflowRun: workflowRun, workflowStep: workflowStep, input: input,
            audit: AgentRunner.event("agent_run.started", id, name, workflowRun), on: connection)
    }

    /// Writes the run's pending trace rows, closes it as failed with `message` and appends
    /// `agent_run.failed`, inside the caller's transaction.
    func recordFailure(_ message: String, latencyMs: Int, trace: TraceContext, on connection: Connection) throws {
        try ClaudeGateway.flush(trace, on: connection)
        let failed = AgentRunner.event("agent_run.failed", id, name, workflowRun)
        try AgentRunRepository.finish(
            id, status: .failed, output: nil, error: message, latencyMs: latencyMs,
            audit: OutboxRepository.Entry(topic: failed.topic, payload: failed.payload.merging(["error": .string(message)])),
            workspace: workspace, on: connection)
    }
}

/// An agent run whose body succeeded: `record` writes its pending trace rows, closes it as
/// succeeded with output, cost and latency, and appends `agent_run.succeeded`, inside the
/// caller's transaction.
public struct AgentRunFinish: Sendable {
    public let start: AgentRunStart
    public let output: JSONValue
    public let latencyMs: Int
    let trace: TraceContext

    public func record(on connection: Connection) throws -> AgentRunResult {
        try ClaudeGateway.flush(trace, on: connection)
        let row = try AgentRunRepository.finish(
            start.id, status: .succeeded, output: output, error: nil, latencyMs: latencyMs,
            audit: AgentRunner.event("agent_run.succeeded", start.id, start.name, start.workflowRun), workspace: start.workspace,
            on: connection)
        return AgentRunResult(agentRunId: start.id, output: output, costUsd: row?.costUsd ?? 0, latencyMs: latencyMs)
    }

    /// The run's trace rows alone, the first half of `record` without waiting for the closed
    /// row: inserts that lock no row another transaction waits for, so a caller can send them
    /// before it takes a lock others queue on (the engine's run lock) and hold that lock for less.
    public func sendTraceRows(on connection: Connection) throws {
        try ClaudeGateway.flush(trace, settlements: false, on: connection)
    }

    /// The rest of `record`, after `sendTraceRows` in the same transaction: the settlements and
    /// the closed run. Its statements travel with the transaction's next query, which reads the
    /// run's cost from the row (`RunTransitions.complete` with no cost given).
    public func sendClose(on connection: Connection) throws {
        try ClaudeGateway.flush(trace, rows: false, on: connection)
        try AgentRunRepository.sendFinish(
            start.id, status: .succeeded, output: output, error: nil, latencyMs: latencyMs,
            audit: AgentRunner.event("agent_run.succeeded", start.id, start.name, start.workflowRun), workspace: start.workspace,
            on: connection)
    }

    /// Closes the run as failed with `reason` instead (its result is not used), keeping its trace.
    public func recordDiscarded(_ reason: String, on connection: Connection) throws {
        try start.recordFailure(reason, latencyMs: latencyMs, trace: trace, on: connection)
    }
}
