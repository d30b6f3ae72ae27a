import Foundation

/// A typed identifier: `ID<Brief>` and `ID<WorkflowRun>` cannot be mixed up.
public struct ID<Entity>: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    /// The underlying UUID.
    public let rawValue: UUID

    /// Wraps an existing UUID.
    public init(_ rawValue: UUID) { self.rawValue = rawValue }

    /// Parses a UUID string; `nil` when it is not one.
    public init?(_ string: String) {
        guard let uuid = UUID(uuidString: string) else { return nil }
        self.rawValue = uuid
    }

    public init(from decoder: Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(UUID.self)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue.uuidString.lowercased())
    }

    /// Lowercase canonical form, as Postgres prints it.
    public var description: String { rawValue.uuidString.lowercased() }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.description < rhs.description }
}

public typealias WorkspaceID = ID<Workspace>
public typealias APIKeyID = ID<APIKey>
public typealias BriefID = ID<Brief>
public typealias WorkflowID = ID<Workflow>
public typealias WorkflowRunID = ID<WorkflowRun>
public typealias EvaluationID = ID<Evaluation>
public typealias WorkflowStepID = ID<WorkflowStep>
public typealias AgentRunID = ID<AgentRun>
public typealias AgentStepID = ID<AgentStep>
public typealias ApprovalID = ID<Approval>
