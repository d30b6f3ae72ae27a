import Agents
import Core
import Foundation

/// An evaluation's comparison: for each re-run and in total, output validity, Claude calls,
/// repairs, tokens, cost and latency before (the recording) and after (the re-run), which step
/// outputs changed, and the report's line diff.
public struct EvaluationReport: Sendable {
    public var evaluation: Evaluation
    public var pairs: [Pair]

    /// One recorded run and its re-run.
    public struct Pair: Sendable {
        public var source: WorkflowRun
        public var run: WorkflowRun
        public var sourceSteps: [WorkflowStep]
        public var steps: [WorkflowStep]
        public var callsBefore: [(agent: String, step: AgentStep)]
        public var callsAfter: [(agent: String, step: AgentStep)]

        public var before: Usage { Usage(callsBefore.map(\.step)) }
        public var after: Usage { Usage(callsAfter.map(\.step)) }

        /// The steps whose output differs from the recorded one, in the definition's order.
        public var changedSteps: [StepChange] {
            steps.compactMap { step in
                let recorded = sourceSteps.first { $0.stepKey == step.stepKey }
                guard step.status.isTerminal, recorded?.output != step.output || recorded?.status != step.status else { return nil }
                return StepChange(
                    key: step.stepKey, status: step.status, recordedStatus: recorded?.status, error: step.error,
                    diff: TextDiff.lines(TextDiff.keyLines(recorded?.output), TextDiff.keyLines(step.output), limit: 30))
            }
        }

        /// Whether every step of the re-run that ended produced output its agent's schema accepts
        /// (an agent step fails when its output does not validate, even after one repair).
        public var valid: Bool { steps.allSatisfy { $0.status == .succeeded || $0.status == .skipped } }

        public var reportDiff: String { TextDiff.lines(source.reportMd ?? "", run.reportMd ?? "", limit: 40) }

        /// Each agent's Claude calls side by side, in call order.
        public var calls: [CallPair] {
            var agents: [String] = []
            for call in callsBefore + callsAfter where !agents.contains(call.agent) { agents.append(call.agent) }
            return agents.flatMap { agent -> [CallPair] in
                let before = callsBefore.filter { $0.agent == agent }.map(\.step)
                let after = callsAfter.filter { $0.agent == agent }.map(\.step)
                return (0..<max(before.count, after.count)).map {
                    CallPair(agent: agent, before: $0 < before.count ? before[$0] : nil, after: $0 < after.count ? after[$0] : nil)
                }
            }
        }
    }

    /// A step whose output changed.
    public struct StepChange: Sendable, Equatable {
        public var key: String
        public var status: StepStatus
        public var recordedStatus: StepStatus?
        public var error: String?
        public var diff: String
    }

    /// One Claude call of the recording beside the re-run's call at the same place.
    public struct CallPair: Sendable {
        public var agent: String
        public var before: AgentStep?
        public var after: AgentStep?
    }

    /// What a set of Claude calls used and cost.
    public struct Usage: Sendable, Equatable {
        public var calls = 0
        /// Calls that asked again because an answer did not parse or validate.
        public var repairs = 0
        public var failures = 0
        public var inputTokens = 0
        public var outputTokens = 0
        public var cacheReadTokens = 0
        public var cacheWriteTokens = 0
        public var costUsd = 0.0
        public var latencyMs = 0

        public init() {}

        init(_ calls: [AgentStep]) {
            for call in calls {
                self.calls += 1
                if call.userPrompt?.contains(AgentContext.repairMarker) == true { repairs += 1 }
                if call.error != nil { failures += 1 }
                inputTokens += call.inputTokens
                outputTokens += call.outputTokens
                cacheReadTokens += call.cacheReadInputTokens
                cacheWriteTokens += call.cacheCreationInputTokens
                costUsd += call.costUsd
                latencyMs += call.latencyMs
            }
        }

        static func + (a: Usage, b: Usage) -> Usage {
            var sum = a
            sum.calls += b.calls
            sum.repairs += b.repairs
            sum.failures += b.failures
            sum.inputTokens += b.inputTokens
            sum.outputTokens += b.outputTokens
            sum.cacheReadTokens += b.cacheReadTokens
            sum.cacheWriteTokens += b.cacheWriteTokens
            sum.costUsd += b.costUsd
            sum.latencyMs += b.latencyMs
            return sum
        }

        public var json: JSONValue {
            [
                "calls": .number(calls), "repairs": .number(repairs), "failures": .number(failures), "input_tokens": .number(inputTokens),
                "output_tokens": .number(outputTokens), "cache_read_input_tokens": .number(cacheReadTokens),
                "cache_creation_input_tokens": .number(cacheWriteTokens), "cost_usd": .number(costUsd), "latency_ms": .number(latencyMs),
            ]
        }
    }

    public var ended: Int { pairs.filter { $0.run.status.isTerminal }.count }
    public var before: Usage { pairs.reduce(Usage()) { $0 + $1.before } }
    public var after: Usage { pairs.reduce(Usage()) { $0 + $1.after } }

    /// The report as the API serves it.
    public var json: JSONValue {
        [
            "evaluation": Self.json(evaluation),
            "progress": ["runs": .number(pairs.count), "ended": .number(ended)],
            "totals": [
                "before": before.json, "after": after.json,
                "invalid_runs": .number(pairs.filter { $0.run.status.isTerminal && !$0.valid }.count),
                "changed_reports": .number(pairs.filter { !$0.reportDiff.isEmpty }.count),
            ],
            "runs": .array(pairs.map(Self.json)),
        ]
    }

    public static func json(_ evaluation: Evaluation) -> JSONValue {
        [
            "id": .string(evaluation.id.description), "name": .string(evaluation.name),
            "models": .object(evaluation.models.mapValues { .string($0) }), "status": .string(evaluation.status.rawValue),
            "created_by": evaluation.createdBy.map { .string($0) } ?? .null, "created_at": .string(Timestamp.format(evaluation.createdAt)),
            "completed_at": evaluation.completedAt.map { .string(Timestamp.format($0)) } ?? .null,
        ]
    }

    static func json(_ pair: Pair) -> JSONValue {
        func call(_ step: AgentStep?) -> JSONValue {
            guard let step else { return .null }
            return [
                "model": step.model.map { .string($0) } ?? .null, "prompt_version": step.promptVersion.map { .string($0) } ?? .null,
                "input_tokens": .number(step.inputTokens), "output_tokens": .number(step.outputTokens), "cost_usd": .number(step.costUsd),
                "latency_ms": .number(step.latencyMs), "error": step.error.map { .string($0) } ?? .null,
            ]
        }
        return [
            "source_run_id": .string(pair.source.id.description), "run_id": .string(pair.run.id.description),
            "workflow_slug": .string(pair.source.workflowSlug), "handle": pair.source.input["brief"]?["handle"] ?? .null,
            "source_status": .string(pair.source.status.rawValue), "status": .string(pair.run.status.rawValue), "valid": .bool(pair.valid),
            "before": pair.before.json, "after": pair.after.json,
            "changed_steps": .array(
                pair.changedSteps.map {
                    [
                        "key": .string($0.key), "status": .string($0.status.rawValue),
                        "recorded_status": $0.recordedStatus.map { .string($0.rawValue) } ?? .null,
                        "error": $0.error.map { .string($0) } ?? .null, "diff": .string($0.diff),
                    ]
                }),
            "report_diff": .string(pair.reportDiff),
            "calls": .array(pair.calls.map { ["agent": .string($0.agent), "before": call($0.before), "after": call($0.after)] }),
        ]
    }
}
