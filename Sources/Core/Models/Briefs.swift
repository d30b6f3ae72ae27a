import Foundation

/// What a brief is about.
public enum TargetType: String, Codable, Sendable, CaseIterable {
    case ownAccount = "own_account"
    case competitor
    case creator
}

/// A request for work: a handle to audit or a campaign to launch.
public struct Brief: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        case pending, dispatched, completed, failed, cancelled
    }
    public var id: BriefID
    public var workspaceId: WorkspaceID
    public var handle: String
    public var targetType: TargetType
    public var notes: String?
    public var brandId: String?
    /// The connected account the brief is about, when it names one.
    public var accountId: UUID?
    /// Extra agent inputs captured by the intake form.
    public var inputs: JSONValue
    public var status: Status
    public var createdAt: Date
    public var updatedAt: Date
    public init(
        id: BriefID, workspaceId: WorkspaceID, handle: String, targetType: TargetType, notes: String?, brandId: String?,
        accountId: UUID? = nil, inputs: JSONValue = [:], status: Status = .pending, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.workspaceId = workspaceId
        self.handle = handle
        self.targetType = targetType
        self.notes = notes
        self.brandId = brandId
        self.accountId = accountId
        self.inputs = inputs
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
