import Core
import Foundation

/// The audit outbox: events written in the same transaction as the change they describe, and
/// published to Pub/Sub later.
public enum OutboxRepository {
    public static func append(topic: String, payload: JSONValue, workspace: WorkspaceID, on connection: Connection) throws {
        try connection.send("INSERT INTO tiktok_outbox (workspace_id, topic, payload) VALUES (\(workspace), \(topic), \(payload))")
    }

    /// An event for the outbox, written by the statement that makes the change it describes.
    public struct Entry: Sendable {
        public var topic: String
        public var payload: JSONValue

        public init(topic: String, payload: JSONValue) {
            self.topic = topic
            self.payload = payload
        }
    }

    /// A statement that runs `change` (which returns a row when it changed something) and writes
    /// `entry` when it did: one statement instead of two.
    static func append(_ entry: Entry, workspace: WorkspaceID, after change: SQLQuery) -> SQLQuery {
        """
        WITH changed AS (\(change))
        INSERT INTO tiktok_outbox (workspace_id, topic, payload) SELECT \(workspace), \(entry.topic), \(entry.payload) FROM changed
        """
    }

    public static func list(on connection: Connection) throws -> [OutboxEvent] {
        try connection.query("SELECT id, workspace_id, topic, payload, created_at, published_at FROM tiktok_outbox ORDER BY seq")
            .rows.map(decode)
    }

    /// Leases the oldest unpublished events of the connection's workspace to `owner` for 30 s,
    /// in the order they were written — or nothing while another relay's lease in the workspace
    /// is live. Claims of a workspace are serialised by a transaction-scoped advisory lock, so
    /// one relay publishes a workspace at a time and a run's events never overtake each other.
    public static func claimBatch(owner: String, limit: Int, on connection: Connection) throws -> [OutboxEvent] {
        guard
            try connection.query(
                "SELECT pg_try_advisory_xact_lock(hashtext('tiktok_outbox:' || current_setting('app.workspace_id', true))) AS held"
            )
            .first?["held"] == "t"
        else { return [] }
        let busy = try connection.query(
            "SELECT 1 FROM tiktok_outbox WHERE published_at IS NULL AND lease_until > now() AND lease_owner <> \(owner) LIMIT 1"
        ).first
        guard busy == nil else { return [] }
        return try connection.query(
            """
            UPDATE tiktok_outbox SET lease_owner = \(owner), lease_until = now() + interval '30 seconds'
            WHERE id IN (SELECT id FROM tiktok_outbox WHERE published_at IS NULL ORDER BY seq LIMIT \(limit))
            RETURNING id, workspace_id, topic, payload, created_at, published_at, seq
            """
        ).rows.sorted { (Int($0["seq"] ?? "") ?? 0) < (Int($1["seq"] ?? "") ?? 0) }.map(decode)
    }

    public static func markPublished(_ ids: [UUID], owner: String, on connection: Connection) throws {
        try connection.query(
            """
            UPDATE tiktok_outbox SET published_at = now(), attempts = attempts + 1, lease_owner = NULL, lease_until = NULL, last_error = NULL
            WHERE id = ANY(\(uuidArray(ids))::uuid[]) AND lease_owner = \(owner)
            """)
    }

    /// Releases the lease after a failed publish, counting the attempt.
    public static func markFailed(_ ids: [UUID], owner: String, error: String, on connection: Connection) throws {
        try connection.query(
            """
            UPDATE tiktok_outbox SET attempts = attempts + 1, last_error = \(String(error.prefix(500))), lease_owner = NULL, lease_until = NULL
            WHERE id = ANY(\(uuidArray(ids))::uuid[]) AND lease_owner = \(owner)
            """)
    }

    /// A `uuid[]` parameter's text form.
    static func uuidArray(_ ids: [UUID]) -> String {
        "{" + ids.map(\.uuidString).joined(separator: ",") + "}"
    }

    /// Unpublished events per workspace (ids and counts only).
    public static func backlog(on connection: Connection) throws -> [(workspace: WorkspaceID, count: Int)] {
        try connection.query("SELECT workspace_id, backlog FROM tiktok_workspaces_with_unpublished_audit()").rows.map {
            (try $0.id("workspace_id"), try $0.int("backlog"))
        }
    }

    static func decode(_ row: Row) throws -> OutboxEvent { try row.decode() }
}
