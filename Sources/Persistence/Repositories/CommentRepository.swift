import Core
import Foundation

/// Comments: stored from webhooks, triaged and answered by the community agents.
public enum CommentRepository {
    /// Up to 50 new public comments, oldest first.
    public static func newComments(on connection: Connection) throws -> [(id: String, videoId: String?, text: String)] {
        try connection.query(
            "SELECT external_id, video_external_id, text FROM tiktok_comments WHERE status = 'new' AND visibility = 'public' ORDER BY created_at LIMIT 50"
        ).rows.map {
            (try $0.string("external_id"), $0["video_external_id"], try $0.string("text"))
        }
    }

    /// Stores a comment's triage (inserting the comment when it came from the provider).
    public static func triage(
        id: String, video: String?, text: String, classification: String, replyDraft: String, workspace: WorkspaceID,
        on connection: Connection
    ) throws {
        try connection.query(
            """
            INSERT INTO tiktok_comments (workspace_id, external_id, video_external_id, text, classification, reply_draft, status)
            VALUES (\(workspace), \(id), \(video), \(text), \(classification), \(replyDraft), 'triaged')
            ON CONFLICT (workspace_id, external_id) DO UPDATE SET classification = \(classification), reply_draft = \(replyDraft),
                video_external_id = COALESCE(tiktok_comments.video_external_id, EXCLUDED.video_external_id),
                status = CASE WHEN tiktok_comments.status IN ('replied', 'reply_sending') THEN tiktok_comments.status ELSE 'triaged' END
            """)
    }

    /// Where an approved reply stands before this attempt posts it.
    public enum ReplyIntent: Sendable, Equatable {
        /// Posted before, with this reply id.
        case replied(String)
        /// Recorded now: post it. `previousAttempts` > 0 means an earlier attempt may have
        /// posted it without recording the answer, so reconcile before posting.
        case send(videoId: String?, previousAttempts: Int)
        /// Hidden, deleted or unknown: nothing to answer.
        case skip
    }

    /// Records the intent to post `text` under comment `id` (counting the attempt) in its own
    /// statement, before the provider call, so a crash or an error mid-call leaves a trace.
    public static func beginReply(id: String, text: String, on connection: Connection) throws -> ReplyIntent {
        if let done = try connection.query(
            "SELECT reply_external_id FROM tiktok_comments WHERE external_id = \(id) AND status = 'replied'"
        ).first {
            return .replied(done["reply_external_id"] ?? "")
        }
        guard
            let row = try connection.query(
                """
                UPDATE tiktok_comments SET reply_draft = \(text), status = 'reply_sending', reply_attempts = reply_attempts + 1
                WHERE external_id = \(id) AND visibility = 'public' AND status <> 'replied'
                RETURNING video_external_id, reply_attempts
                """
            ).first
        else { return .skip }
        return .send(videoId: row["video_external_id"], previousAttempts: try row.int("reply_attempts") - 1)
    }

    /// Records a reply the provider holds (posted now or found when reconciling).
    public static func replied(id: String, replyId: String, on connection: Connection) throws {
        try connection.query(
            "UPDATE tiktok_comments SET status = 'replied', reply_external_id = \(replyId), replied_at = now() WHERE external_id = \(id)")
    }

    /// A new comment; false when it is already known (or a placeholder of a later change holds its id).
    public static func insert(
        id: String, video: String?, author: String?, text: String, workspace: WorkspaceID, on connection: Connection
    ) throws -> Bool {
        try connection.query(
            """
            INSERT INTO tiktok_comments (workspace_id, external_id, video_external_id, author, text)
            VALUES (\(workspace), \(id), \(video), \(author), \(text)) ON CONFLICT DO NOTHING
            """
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
            VALUES (\(workspace), \(id), \(video), '', \(visibility))
            ON CONFLICT (workspace_id, external_id) DO UPDATE SET visibility = EXCLUDED.visibility
            """)
    }
}
