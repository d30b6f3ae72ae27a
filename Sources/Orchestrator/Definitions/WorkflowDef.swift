import Agents
import Core
import Foundation

/// How a failed step is retried: transient errors only, up to `maxAttempts` attempts in all,
/// waiting `backoffSeconds * 2^(attempt-1)` between them.
public struct StepRetryPolicy: Codable, Sendable, Equatable {
    public var maxAttempts: Int
    public var backoffSeconds: Double
    public init(maxAttempts: Int = 3, backoffSeconds: Double = 2) {
        self.maxAttempts = maxAttempts
        self.backoffSeconds = backoffSeconds
    }
    public static let standard = StepRetryPolicy()
    public static let once = StepRetryPolicy(maxAttempts: 1, backoffSeconds: 0)
}

/// One node of a workflow.
public struct WorkflowStepDef: Codable, Sendable, Equatable {
    public static let approvalNode = "APPROVAL_NODE"
    public static let synthesisNode = "SYNTHESIS_NODE"

    public var key: String
    /// An agent name, `APPROVAL_NODE` or `SYNTHESIS_NODE`.
    public var agent: String
    public var dependsOn: [String]
    /// Agent input name -> source: `brief.<field>`, `brief.inputs.<key>`, `steps.<key>` (the whole
    /// output) or `steps.<key>.<field>`.
    public var inputMap: [String: String]
    /// Fixed inputs merged under the mapped ones (agent options, or for an approval node what to
    /// review: `{"review": ["scripts", ...]}`).
    public var options: JSONValue
    public var retry: StepRetryPolicy
    public var timeoutSeconds: Double?

    public init(
        _ key: String, agent: String, dependsOn: [String] = [], inputMap: [String: String] = [:], options: JSONValue = [:],
        retry: StepRetryPolicy = .standard, timeoutSeconds: Double? = 600
    ) {
        self.key = key
        self.agent = agent
        self.dependsOn = dependsOn
        self.inputMap = inputMap
        self.options = options
        self.retry = retry
        self.timeoutSeconds = timeoutSeconds
    }

    public var kind: StepKind {
        switch agent {
        case Self.approvalNode: .approval
        case Self.synthesisNode: .synthesis
        default: .agent
        }
    }
}

/// A workflow: a DAG of steps over a brief.
public struct WorkflowDef: Codable, Sendable, Equatable {
    public var slug: String
    public var name: String
    public var description: String
    public var steps: [WorkflowStepDef]

    public init(slug: String, name: String, description: String, steps: [WorkflowStepDef]) {
        self.slug = slug
        self.name = name
        self.description = description
        self.steps = steps
    }

    /// Brief fields an input map may read.
    public static let briefFields: Set<String> = ["handle", "target_type", "notes", "brand_id", "inputs"]

    /// Checks the definition; the error names the problem (unknown agent, unknown dependency, a
    /// cycle with its keys, an input map pointing nowhere).
    public func validate(knownAgents: Set<String> = Set(Catalog.specs.map(\.name))) throws(AppError) {
        guard !steps.isEmpty else { throw AppError.invalidInput("workflow \(slug) has no steps") }
        var keys = Set<String>()
        for step in steps {
            guard !step.key.isEmpty, keys.insert(step.key).inserted else {
                throw AppError.invalidInput("workflow \(slug): step key \(step.key.isEmpty ? "(empty)" : step.key) is not unique")
            }
        }
        for step in steps {
            if step.kind == .agent, !knownAgents.contains(step.agent) {
                throw AppError.invalidInput("workflow \(slug): step \(step.key) uses unknown agent \(step.agent)")
            }
            for dependency in step.dependsOn where !keys.contains(dependency) {
                throw AppError.invalidInput("workflow \(slug): step \(step.key) depends on unknown step \(dependency)")
            }
            guard step.retry.maxAttempts >= 1 else {
                throw AppError.invalidInput("workflow \(slug): step \(step.key) needs at least one attempt")
            }
        }
        let order = try topologicalOrder()
        let ancestors = self.ancestors(order: order)
        for step in steps {
            for (input, source) in step.inputMap.sorted(by: { $0.key < $1.key }) {
                let parts = source.split(separator: ".", maxSplits: 2).map(String.init)
                switch parts.first {
                case "brief":
                    guard parts.count == 2 && Self.briefFields.contains(parts[1]) || parts.count == 3 && parts[1] == "inputs" else {
                        throw AppError.invalidInput(
                            "workflow \(slug): step \(step.key) input \(input) points at unknown brief field \(source)")
                    }
                case "steps":
                    guard parts.count >= 2, keys.contains(parts[1]) else {
                        throw AppError.invalidInput(
                            "workflow \(slug): step \(step.key) input \(input) points at unknown step \(parts.count >= 2 ? parts[1] : source)"
                        )
                    }
                    guard ancestors[step.key, default: []].contains(parts[1]) else {
                        throw AppError.invalidInput(
                            "workflow \(slug): step \(step.key) input \(input) reads step \(parts[1]), which it does not depend on")
                    }
                default:
                    throw AppError.invalidInput(
                        "workflow \(slug): step \(step.key) input \(input) has source \(source); expected brief.<field> or steps.<key>")
                }
            }
        }
    }

    /// Kahn's algorithm; throws naming the keys of a cycle.
    public func topologicalOrder() throws(AppError) -> [WorkflowStepDef] {
        var remaining = Dictionary(uniqueKeysWithValues: steps.map { ($0.key, Set($0.dependsOn)) })
        var order: [WorkflowStepDef] = []
        var ready = steps.filter { $0.dependsOn.isEmpty }.map(\.key)
        while let key = ready.first {
            ready.removeFirst()
            remaining[key] = nil
            order.append(steps.first { $0.key == key }!)
            for step in steps where remaining[step.key] != nil {
                remaining[step.key]!.remove(key)
                if remaining[step.key]!.isEmpty, !ready.contains(step.key) { ready.append(step.key) }
            }
        }
        guard remaining.isEmpty else {
            throw AppError.invalidInput("workflow \(slug) has a cycle among steps \(remaining.keys.sorted().joined(separator: ", "))")
        }
        return order
    }

    /// Every step's transitive dependencies.
    func ancestors(order: [WorkflowStepDef]) -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        for step in order {
            var all = Set(step.dependsOn)
            for dependency in step.dependsOn { all.formUnion(result[dependency] ?? []) }
            result[step.key] = all
        }
        return result
    }

    /// Dependency level of each step (0 for roots), for drawing the DAG.
    public func levels() -> [String: Int] {
        var level: [String: Int] = [:]
        for step in (try? topologicalOrder()) ?? steps {
            level[step.key] = (step.dependsOn.compactMap { level[$0] }.max() ?? -1) + 1
        }
        return level
    }

    public func step(_ key: String) -> WorkflowStepDef? { steps.first { $0.key == key } }
}

/// Resolves a step's input from the brief snapshot and upstream outputs.
public enum InputResolver {
    /// The brief fields every agent step starts from, plus the brief's extra inputs, the step's
    /// options, then the mapped sources.
    public static func resolve(_ step: WorkflowStepDef, brief: JSONValue, outputs: [String: JSONValue]) -> JSONValue {
        var input: [String: JSONValue] = [:]
        for field in ["handle", "target_type", "notes", "brand_id"] {
            if let value = brief[field], !value.isNull { input[field] = value }
        }
        for (key, value) in brief["inputs"]?.objectValue ?? [:] where input[key] == nil { input[key] = value }
        for (key, value) in step.options.objectValue ?? [:] { input[key] = value }
        for (name, source) in step.inputMap {
            let parts = source.split(separator: ".", maxSplits: 2).map(String.init)
            var value: JSONValue?
            if parts.first == "brief", parts.count >= 2 {
                value = brief[parts[1]]
                if parts.count == 3 { value = value?[parts[2]] }
            } else if parts.first == "steps", parts.count >= 2 {
                value = outputs[parts[1]]
                if parts.count == 3 { value = value?[parts[2]] }
            }
            if let value, !value.isNull { input[name] = value }
        }
        return .object(input)
    }
}
