import Core
import Foundation

/// Comments: stored from webhooks, triaged and answered by the community agents.
public enum CommentRepository {
    /// Up to 50 new public comments, oldest first.
    public static func newComments(on connection: Connection) throws -> [(id: String, text: String)] {
        try connection.query(
            "SELECT external_id, text FROM tiktok_comments WHERE status = 'new' AND visibility = 'public' ORDER BY created_at LIMIT 50"
        ).rows.map {
            (try $0.string("external_id"), try $0.string("text"))
        }
    }

    /// Stores a comment's triage (inserting the comment when it came from the provider).
    public static func triage(
        id: String, text: String, classification: String, replyDraft: String, workspace: WorkspaceID, on connection: Connection
    ) throws {
        try connection.query(
            """
            INSERT INTO tiktok_comments (workspace_id, external_id, text, classification, reply_draft, status)
            VALUES ($1, $2, $3, $4, $5, 'triaged')
            ON CONFLICT (workspace_id, external_id) DO UPDATE SET classification = $4, reply_draft = $5, status = 'triaged'
            """, workspace, id, text, classification, replyDraft)
    }

    /// Queues an approved reply to a public comment; false when it was queued before or is hidden.
    public static func queueReply(id: String, text: String, on connection: Connection) throws -> Bool {
        try connection.query(
            "UPDATE tiktok_comments SET reply_draft = $2, status = 'reply_queued' WHERE external_id = $1 AND status <> 'reply_queued' AND visibility = 'public'",
            id, text
        ).affectedRows == 1
    }

    /// A new comment; false when it is already known (or a placeholder of a later change holds its id).
    public static func insert(
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
    public static func setVisibility(id: String, video: String?, visibility: String, workspace: WorkspaceID, on connection: Connection)
        throws
    {
        try connection.query(
            """
            INSERT INTO tiktok_comments (workspace_id, external_id, video_external_id, text, visibility)
            VALUES ($1, $2, $3, '', $4)
            ON CONFLICT (workspace_id, external_id) DO UPDATE SET visibility = EXCLUDED.visibility
            """, workspace, id, video, visibility)
    }
}
