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
    /// Why the answer ended (`end_turn`, `tool_use`, ...).
    public var stopReason: String? = nil
}

/// A call that failed in the recorded run, failing the same way in its replay.
struct ReplayedFailure: Error, Sendable { var message: String }

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

    /// The version of a prompt's template: a hash of its system blocks without the brand's data
    /// (the brand context block), so every call of one agent's template shares it across runs.
    public static func promptVersion(_ system: [SystemBlock]) -> String {
        String(Crypto.sha256Hex(system.map(\.text).filter { !$0.hasPrefix(BrandContext.openingTag) }.joined(separator: "\u{0}")).prefix(12))
    }

    /// The hash replay matches on: system and user prompt, not the model.
    public static func promptHash(system: String, user: String) -> String { Crypto.sha256Hex(system + "\u{0}" + user) }

    /// Calls Claude with `system` (blocks marked for caching, see `PromptLayout`) and `user`.
    /// `model` defaults to the agent's tier model. A model without a price or retired is refused
    /// before anything is reserved or sent; an answer cut off at `max_tokens` is asked again once
    /// with twice the budget; a refusal or a second cut-off fails the call naming it.
    public func callClaudeCached(
        system: [SystemBlock], user: String, maxTokens: Int = 2048, isSynthesis: Bool = false, workflowSlug: String? = nil,
        model: String? = nil,
        tools: [ClaudeTool] = []
    ) async throws -> ClaudeCall {
        guard let trace = TraceContext.current else {
            throw AgentError(kind: .failed, agent: "unknown", message: "callClaudeCached was called outside an agent run")
        }
        var request = ClaudeRequest(
            model: model ?? environment.defaultModel(for: trace.agentName), maxTokens: maxTokens, system: system,
            messages: [ClaudeMessage(role: .user, text: user)], tools: tools, purpose: isSynthesis ? "synthesis" : trace.agentName)
        let name = isSynthesis ? "synthesis" + (workflowSlug.map { ":" + $0 } ?? "") : "messages.create"
        do {
            return try await call(request, name: name, trace: trace)
        } catch let error as AgentError where error.claudeKind == .maxTokens {
            request.maxTokens = min(maxTokens * 2, Self.maxOutputTokens)
            return try await call(request, name: name, trace: trace)
        }
    }

    /// The largest output budget a retry after `max_tokens` asks for.
    public static let maxOutputTokens = 64_000

    /// One traced call: its `llm_call` row is written whatever happens.
    private func call(_ request: ClaudeRequest, name: String, trace: TraceContext) async throws -> ClaudeCall {
        let stepIndex = Int(trace.stepCounter.next())
        let system = request.systemText
        let user = request.userText
        let hash = Self.promptHash(system: system, user: user)
        let version = Self.promptVersion(request.system)
        let started = ContinuousClock.now
        var step = AgentStep(
            id: AgentStepID(environment.ids.next()), workspaceId: trace.workspaceID, agentRunId: trace.agentRunID, stepIndex: stepIndex,
            kind: .llmCall, name: name, model: request.model, systemPrompt: system, userPrompt: user, responseText: nil, promptHash: hash,
            inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0, costUsd: 0, latencyMs: 0,
            cacheHit: false,
            request: [
                "max_tokens": .number(request.maxTokens), "mode": .string(environment.claudeMode.rawValue),
                "cache": .array(request.system.map { $0.cache.map { .string($0.rawValue) } ?? .null }),
            ], response: nil, error: nil, createdAt: environment.clock.now(), promptVersion: version)
        let call: ClaudeCall
        var settlement: PendingSettlement?
        do {
            if let recording = trace.recording, recording.mode == .replay {
                call = try Self.answer(from: recording, name: name, system: system, user: user, stepIndex: stepIndex)
                step.request = step.request?.merging(["mode": "replay"])
            } else if environment.claudeMode == .replay {
                call = try await replay(trace: trace, hash: hash, model: request.model, stepIndex: stepIndex)
            } else {
                if let refusal = environment.providers.models.refusal(of: request.model, at: environment.clock.now()) {
                    throw ClaudeError(kind: .unavailableModel, message: refusal)
                }
                (call, settlement) = try await send(request, trace: trace, stepIndex: stepIndex)
            }
        } catch {
            throw await recordFailure(step, error, started: started, agent: trace.agentName)
        }
        step.model = call.model
        step.responseText = call.text
        let usage = call.usage
        var response: [String: JSONValue] = [
            "stop_reason": call.stopReason.map { .string($0) } ?? .null,
            "usage": [
                "input_tokens": .number(usage.inputTokens), "output_tokens": .number(usage.outputTokens),
                "cache_creation_input_tokens": .number(usage.cacheCreationInputTokens),
                "cache_read_input_tokens": .number(usage.cacheReadInputTokens),
                "cache_creation": [
                    "ephemeral_5m_input_tokens": .number(usage.cacheCreation5mInputTokens),
                    "ephemeral_1h_input_tokens": .number(usage.cacheCreation1hInputTokens),
                ],
            ],
        ]
        if !call.toolUses.isEmpty {
            response["tool_uses"] = .array(call.toolUses.map { ["name": .string($0.name), "input": $0.input] })
        }
        step.response = .object(response)
        step.inputTokens = call.usage.inputTokens
        step.outputTokens = call.usage.outputTokens
        step.cacheCreationInputTokens = call.usage.cacheCreationInputTokens
        step.cacheReadInputTokens = call.usage.cacheReadInputTokens
        step.costUsd = call.costUsd
        step.cacheHit = call.cacheHit
        step.latencyMs = started.millisecondsElapsed
        let stopped = Self.stopProblem(call.stopReason, maxTokens: request.maxTokens)
        step.error = stopped?.description
        do {
            try await hold(step, agent: trace.agentName, settling: settlement)
        } catch {
            throw Self.agentError(error, agent: trace.agentName)
        }
        if let stopped { throw Self.agentError(stopped, agent: trace.agentName) }
        return call
    }

    /// The error an answer's `stop_reason` amounts to: `max_tokens` and `refusal` are not answers.
    static func stopProblem(_ stopReason: String?, maxTokens: Int) -> ClaudeError? {
        switch stopReason {
        case "max_tokens": ClaudeError(kind: .maxTokens, message: "the answer was cut off at max_tokens (\(maxTokens))")
        case "refusal": ClaudeError(kind: .refusal, message: "Claude declined to answer (stop_reason refusal)")
        default: nil
        }
    }

    /// A replayed Claude call: the recording's next call of the same name, when its prompts are
    /// the ones recorded; otherwise the step fails showing how they differ.
    static func answer(from recording: Recording, name: String, system: String, user: String, stepIndex: Int) throws -> ClaudeCall {
        guard let recorded = recording.take(.llmCall, name) else {
            throw ReplayMismatch("the recording has no further Claude call \(name) (it recorded: \(recording.outline))")
        }
        // A call cut off at max_tokens has its text and an error; one that failed has no text.
        if let problem = recorded.error, recorded.responseText == nil { throw ReplayedFailure(message: problem) }
        for (part, old, new) in [("system prompt", recorded.systemPrompt ?? "", system), ("user prompt", recorded.userPrompt ?? "", user)]
        where old != new {
            throw ReplayMismatch(
                "the \(part) of Claude call \(name) differs from the recording (- recorded, + now):\n\(TextDiff.lines(old, new))")
        }
        let stop = recorded.response?["stop_reason"]?.stringValue ?? "end_turn"
        return ClaudeCall(
            text: recorded.responseText ?? "", model: recorded.model ?? "", usage: ClaudeUsage(), costUsd: 0, stepIndex: stepIndex,
            cacheHit: false, stopReason: stop)
    }

    /// Runs `body` and records a `provider_call`, `skill_call`, `db_read` or `db_write` trace row
    /// with its result or error and latency. The row travels with the agent run's next database
    /// write (its next Claude call, or its outcome, failed ones included) rather than costing a
    /// commit alone. In a replay every kind but `db_write` is answered from the recording (its
    /// request must be the recorded one) and `body` does not run.
    public func traceStep<T: Codable & Sendable>(
        _ kind: AgentStep.Kind, _ name: String, request: JSONValue = [:], _ body: () async throws -> T
    ) async throws -> T {
        guard let trace = TraceContext.current else {
            throw AgentError(kind: .failed, agent: "unknown", message: "traceStep was called outside an agent run")
        }
        let stepIndex = Int(trace.stepCounter.next())
        let started = ContinuousClock.now
        var step = AgentStep(
            id: AgentStepID(environment.ids.next()), workspaceId: trace.workspaceID, agentRunId: trace.agentRunID, stepIndex: stepIndex,
            kind: kind,
            name: name, model: nil, systemPrompt: nil, userPrompt: nil, responseText: nil, promptHash: nil, inputTokens: 0, outputTokens: 0,
            cacheCreationInputTokens: 0, cacheReadInputTokens: 0, costUsd: 0, latencyMs: 0, cacheHit: false, request: request,
            response: nil,
            error: nil, createdAt: environment.clock.now())
        do {
            let result: T
            if let recording = trace.recording, kind != .dbWrite {
                do {
                    result = try Self.answer(from: recording, kind, name, request: request, as: T.self)
                } catch is ReplayMismatch where recording.mode == .evaluate {
                    result = try await body()
                }
            } else {
                result = try await body()
            }
            step.response = Self.recorded(try? JSONValue.from(result))
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

    /// The most JSON text a provider, skill or read result keeps in its trace row; a larger result
    /// is recorded as its size only (Postgres compresses every kept value above about 2 kB).
    public static let recordedResultLimit = 1 << 20

    /// `result` as its trace row keeps it: whole up to `recordedResultLimit`, else its size.
    static func recorded(_ result: JSONValue?) -> JSONValue? {
        guard let result else { return nil }
        let bytes = result.jsonString.utf8.count
        return bytes <= recordedResultLimit ? result : ["too_large_to_record": .number(bytes)]
    }

    /// A replayed provider, skill or read call: the recorded result (or the recorded failure again).
    static func answer<T: Decodable>(from recording: Recording, _ kind: AgentStep.Kind, _ name: String, request: JSONValue, as: T.Type)
        throws -> T
    {
        guard let recorded = recording.take(kind, name) else {
            throw ReplayMismatch("the recording has no further \(kind.rawValue) \(name) (it recorded: \(recording.outline))")
        }
        let was = recorded.request ?? [:]
        guard was == request else {
            throw ReplayMismatch(
                "the request of \(kind.rawValue) \(name) differs from the recording (- recorded, + now):\n"
                    + TextDiff.lines(TextDiff.keyLines(was), TextDiff.keyLines(request)))
        }
        if let problem = recorded.error { throw ReplayedFailure(message: problem) }
        guard let response = recorded.response else { throw ReplayMismatch("the recorded \(kind.rawValue) \(name) has no result") }
        if let bytes = response["too_large_to_record"]?.intValue {
            throw ReplayMismatch(
                "the result of \(kind.rawValue) \(name) was \(bytes) bytes, over the \(recordedResultLimit)-byte limit, and was not recorded"
            )
        }
        do { return try response.decode(T.self) } catch {
            throw ReplayMismatch("the recorded result of \(kind.rawValue) \(name) no longer decodes: \(error)")
        }
    }

    /// Sends `request` against a reservation; returns the call and the settlement its trace row
    /// must carry.
    private func send(_ request: ClaudeRequest, trace: TraceContext, stepIndex: Int) async throws -> (ClaudeCall, PendingSettlement) {
        let models = environment.providers.models
        let reference = "\(trace.agentRunID):\(stepIndex)"
        guard let estimate = models.ceiling(of: request) else {
            throw ClaudeError(kind: .unavailableModel, message: "model \(request.model) has no price")
        }
        // Alone in its transaction, so the workspace's daily total is locked only while the charge commits.
        try await SpendLedgerRepository.charge(
            .claude, amount: estimate, reference: reference, workspace: trace.workspaceID, in: environment.database)
        let response: ClaudeResponse
        do {
            response = try await environment.providers.claude.send(request)
        } catch {
            let database = environment.database
            _ = try? await uncancelled {
                try await database.withWorkspace(trace.workspaceID) { c in
                    try SpendLedgerRepository.settle(.claude, reference: reference, amount: 0, on: c)
                }
            }
            throw error
        }
        // The answer names the model that served it (a dated id); it is priced as that model when
        // the catalog knows it, else as the model asked for.
        let used = response.model.isEmpty ? request.model : response.model
        let cost = models.cost(model: used, usage: response.usage) ?? models.cost(model: request.model, usage: response.usage) ?? estimate
        let call = ClaudeCall(
            text: response.text, model: used, usage: response.usage, costUsd: cost, stepIndex: stepIndex,
            cacheHit: response.usage.cacheReadInputTokens > 0, toolUses: response.toolUses.map { ToolUse(name: $0.name, input: $0.input) },
            stopReason: response.stopReason)
        return (call, PendingSettlement(reference: reference, amount: cost))
    }

    private func replay(trace: TraceContext, hash: String, model: String, stepIndex: Int) async throws -> ClaudeCall {
        let agent = trace.agentName
        let recorded = try await environment.database.withWorkspace(trace.workspaceID) { c in
            try AgentStepRepository.recording(agent: agent, promptHash: hash, on: c)
        }
        guard let recorded else {
            throw ClaudeError(
                kind: .missingRecording,
                message:
                    "no recorded Claude call for agent \(agent) with prompt hash \(hash.prefix(16)); record one in mock or live mode first")
        }
        return ClaudeCall(
            text: recorded, model: model, usage: ClaudeUsage(), costUsd: 0, stepIndex: stepIndex, cacheHit: true, stopReason: "end_turn")
    }

    /// Holds a Claude call's trace row and the settlement of its reservation for the agent run's
    /// outcome transaction; outside an agent run writes them at once.
    private func hold(_ step: AgentStep, agent: String, settling settlement: PendingSettlement?) async throws {
        if let trace = TraceContext.current {
            trace.pending.append(step)
            if let settlement { trace.pending.append(settlement) }
            return
        }
        try await write(step, agent: agent, settling: settlement)
    }

    /// Writes a call's trace row with what is pending before it, then settles a live call's
    /// reservation (alone, so the daily total is locked only while that commits).
    private func write(_ step: AgentStep, agent: String, settling settlement: PendingSettlement? = nil) async throws {
        let trace = TraceContext.current
        try await environment.database.withWorkspace(step.workspaceId) { c in
            if let trace { try Self.flush(trace, on: c) }
            try AgentStepRepository.insert(step, agentName: agent, on: c)
        }
        if let settlement {
            try await environment.database.withWorkspace(step.workspaceId) { c in
                try SpendLedgerRepository.settle(.claude, reference: settlement.reference, amount: settlement.amount, on: c)
            }
        }
    }

    /// Writes the trace rows and settlements `trace` holds (each unless its flag is false),
    /// inside the caller's transaction.
    public static func flush(
        _ trace: TraceContext, rows writingRows: Bool = true, settlements writingSettlements: Bool = true, on connection: Connection
    ) throws {
        try trace.pending.flush { rows, settlements in
            for row in rows where writingRows { try AgentStepRepository.insert(row, agentName: trace.agentName, on: connection) }
            for settlement in settlements where writingSettlements {
                try SpendLedgerRepository.settle(.claude, reference: settlement.reference, amount: settlement.amount, on: connection)
            }
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
        case let error as ClaudeError:
            AgentError(
                kind: .claude, agent: agent, message: error.description, isTransient: error.isTransient, retryAfter: error.retryAfter,
                claudeKind: error.kind)
        case let error as ProviderError:
            AgentError(kind: .provider, agent: agent, message: error.description, isTransient: error.isTransient)
        case let error as SpendCapExceeded: AgentError(kind: .spendCap, agent: agent, message: error.description)
        case let error as MediaError: AgentError(kind: .provider, agent: agent, message: error.description)
        case let error as DatabaseError:
            AgentError(kind: .failed, agent: agent, message: "database: \(error)", isTransient: error.isUnavailable)
        case let error as ReplayMismatch: AgentError(kind: .failed, agent: agent, message: "replay: \(error.message)")
        case let error as ReplayedFailure: AgentError(kind: .provider, agent: agent, message: error.message)
        case is CancellationError: error
        default: AgentError(kind: .failed, agent: agent, message: "\(error)")
        }
    }
}
