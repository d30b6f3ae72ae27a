import Core
import Foundation

/// One member of the army. `execute` does the work; the lifecycle around it (agent run row,
/// audit events, trace context, input validation, outcome) is `AgentRunner`'s.
public protocol Agent: Sendable {
    /// The catalog entry: the single source of what the agent takes and gives.
    static var spec: AgentSpec { get }
    init()
    /// Turns validated input into output. Call Claude only through `context.claude` and trace
    /// provider work with `context.traceStep`.
    func execute(_ input: AgentInput, context: AgentContext) async throws -> JSONValue
}

/// An agent's validated input object with typed accessors.
public struct AgentInput: Sendable {
    public let json: JSONValue
    public let agent: String

    public init(_ json: JSONValue, agent: String) {
        self.json = json
        self.agent = agent
    }

    public subscript(key: String) -> JSONValue? { json[key].flatMap { $0.isNull ? nil : $0 } }

    public func string(_ key: String) -> String? { self[key]?.stringValue }
    public func int(_ key: String) -> Int? { self[key]?.intValue }
    public func double(_ key: String) -> Double? { self[key]?.doubleValue }
    public func bool(_ key: String) -> Bool? { self[key]?.boolValue }

    /// The handle (`@name`), which most agents require.
    public var handle: String {
        let raw = string("handle") ?? ""
        return raw.hasPrefix("@") ? raw : "@" + raw
    }

    /// Decodes an upstream output into its typed form.
    public func decode<T: Decodable>(_ key: String, as type: T.Type) throws -> T? {
        guard let value = self[key] else { return nil }
        do { return try value.decode(T.self) } catch {
            throw AgentError(kind: .invalidInput, agent: agent, message: "input \(key) does not have the expected shape")
        }
    }
}
