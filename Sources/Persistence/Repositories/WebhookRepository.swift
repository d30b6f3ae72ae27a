import Core
import Foundation

/// Webhook deliveries (stored once per key: TikTok and Pub/Sub deliver at least once), the
/// comments they carry, and the account an event's `open_id` belongs to.
public enum WebhookRepository {
    /// Stores a delivery; false when one with the same source and key was stored before.
    public static func recordDelivery(source: String, key: String, payload: JSONValue, workspace: WorkspaceID, on connection: Connection) throws -> Bool {
        try connection.query(
            "INSERT INTO tiktok_webhook_deliveries (workspace_id, source, delivery_key, payload) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            workspace, source, key, payload
        ).affectedRows == 1
    }

    /// The workspace and handle of the connected account with `openId`, across workspaces (a
    /// `SECURITY DEFINER` function: the event names no workspace).
    public static func account(openId: String, on connection: Connection) throws -> (workspace: WorkspaceID, handle: String)? {
        try connection.query("SELECT workspace_id, account_id, handle FROM tiktok_account_for_open_id($1)", openId).first.map {
            (workspace: try $0.id("workspace_id", as: Workspace.self), handle: try $0.string("handle"))
        }
    }

    /// A new comment; false when it is already known (or a placeholder of a later change holds its id).
    public static func insertComment(
        id: String, video: String?, author: String?, text: String, workspace: WorkspaceID, on connection: Connection
    ) throws -> Bool {
        try connection.query(
            """
            INSERT INTO tiktok_comments (workspace_id, external_id, video_external_id, author, text)
            VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING
            """, workspace, id, video, author, text
        ).affectedRows == 1
    }

    /// A comment's new visibility. A change may overtake the insert it refers to: a placeholder
    /// keeps the visibility, so the late insert cannot bring a deleted comment back.
    public static func setCommentVisibility(id: String, video: String?, visibility: String, workspace: WorkspaceID, on connection: Connection) throws {
        try connection.query(
            """
            INSERT INTO tiktok_comments (workspace_id, external_id, video_external_id, text, visibility)
            VALUES ($1, $2, $3, '', $4)
            ON CONFLICT (workspace_id, external_id) DO UPDATE SET visibility = EXCLUDED.visibility
            """, workspace, id, video, visibility)
    }
}
