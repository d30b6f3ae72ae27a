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
        try container.encode(rawValue.lowercasedString)
    }

    /// Lowercase canonical form, as Postgres prints it.
    public var description: String { rawValue.lowercasedString }

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

extension UUID {
    /// Lowercase canonical form, as Postgres prints it, written digit by digit: `uuidString`
    /// formats through `sprintf` and is then lowercased in a second pass.
    public var lowercasedString: String {
        withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { out in
                var at = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        out[at] = UInt8(ascii: "-")
                        at += 1
                    }
                    out[at] = Self.hexDigit(byte >> 4)
                    out[at + 1] = Self.hexDigit(byte & 0x0F)
                    at += 2
                }
                return at
            }
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 { value < 10 ? 0x30 + value : 0x57 + value }
}
