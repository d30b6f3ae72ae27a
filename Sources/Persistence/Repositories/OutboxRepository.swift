import Core
import Foundation

/// The audit outbox: events written in the same transaction as the change they describe, and
/// published to Pub/Sub later.
public enum OutboxRepository {
    public static func append(topic: String, payload: JSONValue, workspace: WorkspaceID, on connection: Connection) throws {
        try connection.query("INSERT INTO tiktok_outbox (workspace_id, topic, payload) VALUES ($1, $2, $3)", workspace, topic, payload)
    }

    public static func list(on connection: Connection) throws -> [OutboxEvent] {
        try connection.query("SELECT id, workspace_id, topic, payload, created_at, published_at FROM tiktok_outbox ORDER BY created_at, id")
            .rows.map { row in
                OutboxEvent(
                    id: try row.uuid("id"), workspaceId: try row.id("workspace_id"), topic: try row.string("topic"),
                    payload: try row.json("payload"),
                    createdAt: try row.date("created_at"), publishedAt: try row.optionalDate("published_at"))
            }
    }
}
