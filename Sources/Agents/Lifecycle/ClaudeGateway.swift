import Core
import Foundation
import Persistence
import Providers

/// One traced Claude call's outcome.
public struct ClaudeCall: Sendable, Equatable {
    public var text: String
    public var model: String
    public var usage: ClaudeUsage
    public var costUsd: Double
    public var stepIndex: Int
    /// Whether any input came from the prompt cache (or, in replay, from a recording).
    public var cacheHit: Bool
    /// Tools the model asked to call (when tools were offered).
    public var toolUses: [ToolUse] = []
}

/// A tool call the model asked for.
public struct ToolUse: Sendable, Equatable {
    public var name: String
    public var input: JSONValue
}

/// `callClaudeCached` — the only way any code calls Claude — and `traceStep`.
///
/// Each call: takes the agent run from the task-local `TraceContext`, reserves an upper-bound
/// estimate against the workspace's daily Claude cap, sends the request with the system prompt
/// marked for caching (or, in replay mode, answers from an earlier recording matched on agent and
/// prompt hash), writes the `llm_call` trace row — failed calls get their row too — so no trace
/// row is lost if the agent fails later, and settles the ledger to the actual cost.
public struct ClaudeGateway: Sendable {
    public let environment: AgentEnvironment

    public init(environment: AgentEnvironment) { self.environment = environment }

    /// The hash replay matches on: system and user prompt, not the model.
    public static func promptHash(system: String, user: String) -> String { Crypto.sha256Hex(system + "\u{0}" + user) }

    public func callClaudeCached(
        system: String, user: String, maxTokens: Int = 2048, isSynthesis: Bool = false, workflowSlug: String? = nil, model: String? = nil,
        tools: [ClaudeTool] = []
    ) async throws -> ClaudeCall {
        guard let trace = TraceContext.current else {
            throw AgentError(kind: .failed, agent: "unknown", message: "callClaudeCached was called outside an agent run")
        }
        let model = model ?? environment.model
        let stepIndex = Int(trace.stepCounter.next())
        let hash = Self.promptHash(system: system, user: user)
        let request = ClaudeRequest(
            model: model, maxTokens: maxTokens, system: [SystemBlock(system, cache: .fiveMinutes)],
            messages: [ClaudeMessage(role: .user, text: user)], tools: tools, purpose: isSynthesis ? "synthesis" : trace.agentName)
        let started = ContinuousClock.now
        var step = AgentStep(
            id: AgentStepID(environment.ids.next()), workspaceId: trace.workspaceID, agentRunId: trace.agentRunID, stepIndex: stepIndex,
            kind: .llmCall, name: isSynthesis ? "synthesis" + (workflowSlug.map { ":" + $0 } ?? "") : "messages.create", model: model,
            systemPrompt: system, userPrompt: user, responseText: nil, promptHash: hash, inputTokens: 0, outputTokens: 0,
            cacheCreationInputTokens: 0, cacheReadInputTokens: 0, costUsd: 0, latencyMs: 0, cacheHit: false,
            request: ["max_tokens": .number(Double(maxTokens)), "mode": .string(environment.claudeMode.rawValue)], response: nil, error: nil,
            createdAt: environment.clock.now())
        do {
            let call: ClaudeCall
            var settlement: (reference: String, amount: Double)?
            if environment.claudeMode == .replay {
                call = try await replay(trace: trace, hash: hash, model: model, stepIndex: stepIndex)
            } else {
                (call, settlement) = try await send(request, trace: trace, stepIndex: stepIndex)
            }
            step.responseText = call.text
            if !call.toolUses.isEmpty {
                step.response = ["tool_uses": .array(call.toolUses.map { ["name": .string($0.name), "input": $0.input] })]
            }
            step.inputTokens = call.usage.inputTokens
            step.outputTokens = call.usage.outputTokens
            step.cacheCreationInputTokens = call.usage.cacheCreationInputTokens
            step.cacheReadInputTokens = call.usage.cacheReadInputTokens
            step.costUsd = call.costUsd
            step.cacheHit = call.cacheHit
            step.latencyMs = started.millisecondsElapsed
            try await write(step, agent: trace.agentName, settling: settlement)
            return call
        } catch {
            throw await recordFailure(step, error, started: started, agent: trace.agentName)
        }
    }

    /// Runs `body` and records a `provider_call`, `skill_call` or `db_write` trace row with its
    /// result or error and latency. The row travels with the agent run's next database write (its
    /// next Claude call, or its outcome, failed ones included) rather than costing a commit alone.
    public func traceStep<T: Encodable & Sendable>(
        _ kind: AgentStep.Kind, _ name: String, request: JSONValue = [:], _ body: () async throws -> T
    ) async throws -> T {
        guard let trace = TraceContext.current else {
            throw AgentError(kind: .failed, agent: "unknown", message: "traceStep was called outside an agent run")
        }
        let stepIndex = Int(trace.stepCounter.next())
        let started = ContinuousClock.now
        var step = AgentStep(
            id: AgentStepID(environment.ids.next()), workspaceId: trace.workspaceID, agentRunId: trace.agentRunID, stepIndex: stepIndex, kind: kind,
            name: name, model: nil, systemPrompt: nil, userPrompt: nil, responseText: nil, promptHash: nil, inputTokens: 0, outputTokens: 0,
            cacheCreationInputTokens: 0, cacheReadInputTokens: 0, costUsd: 0, latencyMs: 0, cacheHit: false, request: request, response: nil,
            error: nil, createdAt: environment.clock.now())
        do {
            let result = try await body()
            step.response = try? JSONValue.from(result)
            step.latencyMs = started.millisecondsElapsed
            trace.pending.append(step)
            return result
        } catch {
            step.error = error is CancellationError ? "cancelled" : "\(error)"
            step.latencyMs = started.millisecondsElapsed
            trace.pending.append(step)
            throw Self.agentError(error, agent: trace.agentName)
        }
    }

    /// Sends `request` against a reservation; returns the call and the settlement its trace row
    /// must carry.
    private func send(_ request: ClaudeRequest, trace: TraceContext, stepIndex: Int) async throws -> (ClaudeCall, (reference: String, amount: Double)) {
        let prices = environment.providers.prices
        let reference = "\(trace.agentRunID):\(stepIndex)"
        let estimatedInput = (request.systemText.utf8.count + request.userText.utf8.count) / 3 + 16
        let estimate = prices.cost(model: request.model, usage: ClaudeUsage(inputTokens: estimatedInput, outputTokens: request.maxTokens)) ?? 0
        let cap = environment.claudeDailyCapUSD
        // Outside a transaction, so the workspace's daily total is locked only while the charge commits.
        try await environment.database.withConnection { c in
            try SpendLedgerRepository.charge(.claude, amount: estimate, reference: reference, capFallback: cap, workspace: trace.workspaceID, on: c)
        }
        let response: ClaudeResponse
        do {
            response = try await environment.providers.claude.send(request)
        } catch {
            let database = environment.database
            _ = try? await uncancelled {
                try await database.withConnection { c in try SpendLedgerRepository.settle(.claude, reference: reference, amount: 0, workspace: trace.workspaceID, on: c) }
            }
            throw error
        }
        guard let cost = prices.cost(model: response.model.isEmpty ? request.model : response.model, usage: response.usage)
            ?? prices.cost(model: request.model, usage: response.usage)
        else {
            throw ClaudeError(kind: .invalidRequest, message: "no price for model \(request.model); add it to CLAUDE_PRICES")
        }
        let call = ClaudeCall(
            text: response.text, model: response.model.isEmpty ? request.model : response.model, usage: response.usage, costUsd: cost,
            stepIndex: stepIndex, cacheHit: response.usage.cacheReadInputTokens > 0,
            toolUses: response.toolUses.map { ToolUse(name: $0.name, input: $0.input) })
        return (call, (reference, cost))
    }

    private func replay(trace: TraceContext, hash: String, model: String, stepIndex: Int) async throws -> ClaudeCall {
        let agent = trace.agentName
        let recorded = try await environment.database.withWorkspace(trace.workspaceID) { c in
            try AgentStepRepository.recording(agent: agent, promptHash: hash, on: c)
        }
        guard let recorded else {
            throw ClaudeError(kind: .missingRecording, message: "no recorded Claude call for agent \(agent) with prompt hash \(hash.prefix(16)); record one in mock or live mode first")
        }
        return ClaudeCall(text: recorded, model: model, usage: ClaudeUsage(), costUsd: 0, stepIndex: stepIndex, cacheHit: true)
    }

    /// Writes a Claude call's trace row with the rows pending before it, then settles a live
    /// call's reservation (alone, so the daily total is locked only while that commits).
    private func write(_ step: AgentStep, agent: String, settling settlement: (reference: String, amount: Double)? = nil) async throws {
        let trace = TraceContext.current
        try await environment.database.withWorkspace(step.workspaceId) { c in
            if let trace { try Self.flush(trace, on: c) }
            try AgentStepRepository.insert(step, agentName: agent, on: c)
        }
        if let settlement {
            try await environment.database.withConnection { c in
                try SpendLedgerRepository.settle(.claude, reference: settlement.reference, amount: settlement.amount, workspace: step.workspaceId, on: c)
            }
        }
    }

    /// Writes the trace rows `trace` holds, inside the caller's transaction.
    public static func flush(_ trace: TraceContext, on connection: Connection) throws {
        try trace.pending.flush { rows in
            for row in rows { try AgentStepRepository.insert(row, agentName: trace.agentName, on: connection) }
        }
    }

    /// Writes the trace row of a failed call (even when the task was cancelled) and returns the
    /// error to throw.
    private func recordFailure(_ step: AgentStep, _ error: any Error, started: ContinuousClock.Instant, agent: String) async -> any Error {
        var failed = step
        failed.error = error is CancellationError ? "cancelled" : "\(error)"
        failed.latencyMs = started.millisecondsElapsed
        let row = failed
        _ = try? await uncancelled { try await write(row, agent: agent) }
        return Self.agentError(error, agent: agent)
    }

    /// Wraps lower-level failures so callers see one error type with a transient flag.
    static func agentError(_ error: any Error, agent: String) -> any Error {
        switch error {
        case let error as AgentError: error
        case let error as ClaudeError: AgentError(kind: .claude, agent: agent, message: error.description, isTransient: error.isTransient)
        case let error as ProviderError: AgentError(kind: .provider, agent: agent, message: error.description, isTransient: error.isTransient)
        case let error as SpendCapExceeded: AgentError(kind: .spendCap, agent: agent, message: error.description)
        case let error as MediaError: AgentError(kind: .provider, agent: agent, message: error.description)
        case let error as DatabaseError: AgentError(kind: .failed, agent: agent, message: "database: \(error)", isTransient: error.isUnavailable)
        case is CancellationError: error
        default: AgentError(kind: .failed, agent: agent, message: "\(error)")
        }
    }
}
