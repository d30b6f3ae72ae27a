import Foundation

/// An event waiting to be published to the audit topic.
public struct OutboxEvent: Codable, Sendable, Equatable {
    public var id: UUID
    public var workspaceId: WorkspaceID
    public var topic: String
    public var payload: JSONValue
    public var createdAt: Date
    public var publishedAt: Date?

    public init(id: UUID, workspaceId: WorkspaceID, topic: String, payload: JSONValue, createdAt: Date, publishedAt: Date? = nil) {
        self.id = id
        self.workspaceId = workspaceId
        self.topic = topic
        self.payload = payload
        self.createdAt = createdAt
        self.publishedAt = publishedAt
    }
}
