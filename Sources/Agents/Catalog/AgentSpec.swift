import Core

/// The type of an input or output field.
public enum FieldType: String, Sendable, Codable, CaseIterable {
    case string, integer, number, boolean, array, object

    func accepts(_ value: JSONValue) -> Bool {
        switch (self, value) {
        case (.string, .string), (.boolean, .bool), (.array, .array), (.object, .object), (.number, .number): true
        case (.integer, .number(let n)): n.isInteger || n.double == n.double.rounded()
        default: false
        }
    }
}

/// One input an agent takes.
public struct InputSpec: Sendable, Codable, Equatable {
    public var name: String
    public var type: FieldType
    public var required: Bool
    public var defaultValue: JSONValue?
    public var description: String
    /// For strings: the allowed values, when the input is a choice.
    public var choices: [String]?

    public init(
        _ name: String, _ type: FieldType, required: Bool = false, default defaultValue: JSONValue? = nil, _ description: String,
        choices: [String]? = nil
    ) {
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
        self.description = description
        self.choices = choices
    }
}

/// One output field an agent produces.
public struct OutputSpec: Sendable, Codable, Equatable {
    public var name: String
    public var type: FieldType
    public var description: String
    public init(_ name: String, _ type: FieldType, _ description: String) {
        self.name = name
        self.type = type
        self.description = description
    }
}

/// The catalog entry of an agent: what the dashboard, the brief form and input validation read.
public struct AgentSpec: Sendable, Codable, Equatable {
    public var name: String
    public var title: String
    public var description: String
    public var inputs: [InputSpec]
    /// Tunables with defaults (a subset of inputs that are not data).
    public var options: [InputSpec]
    public var outputs: [OutputSpec]
    /// Where a person reviews or approves the agent's work.
    public var humanTouchpoints: [String]
    /// Slugs of the workflows that include the agent.
    public var workflows: [String]
    /// How strong a model the agent needs by default (a workspace may choose another).
    public var tier: ModelTier
    /// Whether the agent changes something outside its run: posts, replies, ads, budgets, or the
    /// workspace's stored products and comments. A replay restores such a step's recorded output
    /// instead of running it, so replaying never acts twice.
    public var actsOnTheWorld: Bool

    public init(
        name: String, title: String, description: String, inputs: [InputSpec], options: [InputSpec] = [], outputs: [OutputSpec],
        humanTouchpoints: [String] = [], workflows: [String], tier: ModelTier = .standard, actsOnTheWorld: Bool = false
    ) {
        self.name = name
        self.title = title
        self.description = description
        self.inputs = inputs
        self.options = options
        self.outputs = outputs
        self.humanTouchpoints = humanTouchpoints
        self.workflows = workflows
        self.tier = tier
        self.actsOnTheWorld = actsOnTheWorld
    }

    /// Checks `input` against the inputs and options: a missing required input or a value of the
    /// wrong type fails with a message naming it; defaults fill what is absent.
    public func validate(_ input: JSONValue) throws(AgentError) -> JSONValue {
        guard var object = input.objectValue else {
            throw AgentError(kind: .invalidInput, agent: name, message: "input must be a JSON object")
        }
        for field in inputs + options {
            let value = object[field.name]
            if value == nil || value == .null {
                if let defaultValue = field.defaultValue {
                    object[field.name] = defaultValue
                } else if field.required {
                    throw AgentError(
                        kind: .invalidInput, agent: name, message: "missing required input \(field.name) (\(field.type.rawValue))")
                }
                continue
            }
            guard field.type.accepts(value!) else {
                throw AgentError(
                    kind: .invalidInput, agent: name,
                    message: "input \(field.name) must be \(field.type.rawValue), got \(value!.jsonTypeName)")
            }
            if let choices = field.choices, let text = value!.stringValue, !choices.contains(text) {
                throw AgentError(
                    kind: .invalidInput, agent: name, message: "input \(field.name) must be one of \(choices.joined(separator: ", "))")
            }
        }
        return .object(object)
    }

    /// Checks that `output` has every declared field with its type.
    public func validateOutput(_ output: JSONValue) throws(AgentError) {
        for field in outputs {
            guard let value = output[field.name], field.type.accepts(value) else {
                throw AgentError(
                    kind: .malformedOutput, agent: name, message: "output \(field.name) is missing or not \(field.type.rawValue)")
            }
        }
    }
}

extension JSONValue {
    /// `string`, `number`, `object`, ... for messages.
    public var jsonTypeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
