import Core
import Foundation

/// Webhook deliveries (stored once per key: TikTok and Pub/Sub deliver at least once) and the
/// account an event's `open_id` belongs to.
public enum WebhookRepository {
    /// Stores a delivery; false when one with the same source and key was stored before.
    public static func recordDelivery(source: String, key: String, payload: JSONValue, workspace: WorkspaceID, on connection: Connection)
        throws -> Bool
    {
        try connection.query(
            "INSERT INTO tiktok_webhook_deliveries (workspace_id, source, delivery_key, payload) VALUES (\(workspace), \(source), \(key), \(payload)) ON CONFLICT DO NOTHING"
        ).affectedRows == 1
    }

    /// The workspace and handle of the connected account with `openId`, across workspaces (a
    /// `SECURITY DEFINER` function: the event names no workspace).
    public static func account(openId: String, on connection: Connection) throws -> (workspace: WorkspaceID, handle: String)? {
        try connection.query("SELECT workspace_id, account_id, handle FROM tiktok_account_for_open_id(\(openId))").first.map {
            (workspace: try $0.id("workspace_id", as: Workspace.self), handle: try $0.string("handle"))
        }
    }
}
