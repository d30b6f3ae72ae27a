import Foundation

/// A tenant. Every other row belongs to exactly one workspace.
public struct Workspace: Codable, Sendable, Equatable {
    public var id: WorkspaceID
    public var name: String
    public var createdAt: Date
    public init(id: WorkspaceID, name: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}

/// What a key may do. Each role includes the ones below it.
public enum KeyRole: String, Codable, Sendable, CaseIterable, Comparable {
    /// Reads everything of its workspace.
    case viewer
    /// Also writes briefs, runs and approvals.
    case `operator`
    /// Also manages keys, caps and settings.
    case admin

    private var rank: Int { self == .viewer ? 0 : self == .operator ? 1 : 2 }
    public static func < (a: KeyRole, b: KeyRole) -> Bool { a.rank < b.rank }
}

/// A workspace API key; only its SHA-256 hash is stored.
public struct APIKey: Codable, Sendable, Equatable {
    public var id: APIKeyID
    public var workspaceId: WorkspaceID
    public var name: String
    public var role: KeyRole
    /// The first characters of the key, safe to show.
    public var keyPrefix: String
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?
    public init(
        id: APIKeyID, workspaceId: WorkspaceID, name: String, role: KeyRole, keyPrefix: String, createdAt: Date, lastUsedAt: Date? = nil,
        revokedAt: Date? = nil
    ) {
        self.id = id
        self.workspaceId = workspaceId
        self.name = name
        self.role = role
        self.keyPrefix = keyPrefix
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }
}

/// One charge against a daily cap. `reference` makes a charge idempotent.
public struct SpendLedgerEntry: Codable, Sendable, Equatable {
    public enum Category: String, Codable, Sendable, CaseIterable { case claude, ads }
    public var id: UUID
    public var workspaceId: WorkspaceID
    public var day: String
    public var category: Category
    public var amountUsd: Double
    public var reference: String
    public var createdAt: Date

    public init(id: UUID, workspaceId: WorkspaceID, day: String, category: Category, amountUsd: Double, reference: String, createdAt: Date)
    {
        self.id = id
        self.workspaceId = workspaceId
        self.day = day
        self.category = category
        self.amountUsd = amountUsd
        self.reference = reference
        self.createdAt = createdAt
    }
}
