import Core
import Foundation

/// Account metrics per day and video totals per day (`tiktok_account_metrics`, `tiktok_metrics`):
/// upserts keyed by account and date (video and date), so ingesting a day twice keeps one row.
public enum MetricsRepository {
    public static func upsertAccountDay(
        account: UUID, day: String, followers: Int, newFollowers: Int, videoViews: Int, profileViews: Int, likes: Int,
        comments: Int, shares: Int, workspace: WorkspaceID, on connection: Connection
    ) throws {
        try connection.query(
            """
            INSERT INTO tiktok_account_metrics
                (workspace_id, account_id, day, followers, new_followers, video_views, profile_views, likes, comments, shares)
            VALUES (\(workspace), \(account), \(day)::date, \(followers), \(newFollowers), \(videoViews), \(profileViews), \(likes), \(comments), \(shares))
            ON CONFLICT (account_id, day) DO UPDATE SET followers = EXCLUDED.followers, new_followers = EXCLUDED.new_followers,
                video_views = EXCLUDED.video_views, profile_views = EXCLUDED.profile_views, likes = EXCLUDED.likes,
                comments = EXCLUDED.comments, shares = EXCLUDED.shares, updated_at = now()
            """)
    }

    /// A video's lifetime totals as read on `day` (UTC).
    public static func upsertVideoDay(
        account: UUID, videoId: String, day: String, views: Int, likes: Int, comments: Int, shares: Int, workspace: WorkspaceID,
        on connection: Connection
    ) throws {
        try connection.query(
            """
            INSERT INTO tiktok_metrics (workspace_id, account_id, video_id, day, views, likes, comments, shares)
            VALUES (\(workspace), \(account), \(videoId), \(day)::date, \(views), \(likes), \(comments), \(shares))
            ON CONFLICT (workspace_id, video_id, day) WHERE video_id IS NOT NULL DO UPDATE SET views = EXCLUDED.views,
                likes = EXCLUDED.likes, comments = EXCLUDED.comments, shares = EXCLUDED.shares, captured_at = now()
            """)
    }

    /// The account's days, oldest first (the last `days`).
    public static func accountDays(_ account: UUID, days: Int, on connection: Connection) throws -> [MetricDay] {
        try connection.query(
            """
            SELECT to_char(day, 'YYYY-MM-DD') AS day, followers, new_followers, video_views, profile_views, likes, comments, shares
            FROM tiktok_account_metrics WHERE account_id = \(account) AND day > current_date - \(days)::int ORDER BY day
            """
        ).rows.map { try $0.decode(MetricDay.self) }
    }

    /// The workspace's daily totals over every account, oldest first (the last `days`).
    public static func workspaceDays(days: Int, on connection: Connection) throws -> [MetricDay] {
        try connection.query(
            """
            SELECT to_char(day, 'YYYY-MM-DD') AS day, sum(followers) AS followers, sum(new_followers) AS new_followers,
                sum(video_views) AS video_views, sum(profile_views) AS profile_views, sum(likes) AS likes, sum(comments) AS comments,
                sum(shares) AS shares
            FROM tiktok_account_metrics WHERE day > current_date - \(days)::int GROUP BY day ORDER BY day
            """
        ).rows.map { try $0.decode(MetricDay.self) }
    }

    /// Each stored video's latest totals (the baseline the performance analyst compares with).
    public static func videoBaseline(on connection: Connection) throws -> VideoBaseline {
        let row = try connection.query(
            """
            WITH latest AS (
                SELECT DISTINCT ON (video_id) video_id, views, likes, comments, shares FROM tiktok_metrics
                WHERE video_id IS NOT NULL ORDER BY video_id, day DESC)
            SELECT count(*) AS videos, COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY views), 0) AS median_views,
                COALESCE(sum(likes + comments + shares)::float8 / NULLIF(sum(views), 0), 0) AS engagement_rate
            FROM latest
            """
        ).first!
        return VideoBaseline(
            videos: try row.int("videos"), medianViews: try row.double("median_views"), engagementRate: try row.double("engagement_rate"))
    }

    /// Rows stored for `account` (per-day account rows, per-day video rows).
    public static func counts(_ account: UUID, on connection: Connection) throws -> (days: Int, videoDays: Int) {
        let row = try connection.query(
            """
            SELECT (SELECT count(*) FROM tiktok_account_metrics WHERE account_id = \(account)) AS days,
                (SELECT count(*) FROM tiktok_metrics WHERE account_id = \(account)) AS video_days
            """
        ).first!
        return (try row.int("days"), try row.int("video_days"))
    }

    /// The Business accounts of every workspace that metrics are read for.
    public static func accountsToIngest(on connection: Connection) throws -> [(workspace: WorkspaceID, account: UUID)] {
        try connection.query("SELECT workspace_id, account_id FROM tiktok_business_accounts_for_metrics()").rows.map {
            (try $0.id("workspace_id"), try $0.uuid("account_id"))
        }
    }
}

/// One day of an account's (or a workspace's) metrics.
public struct MetricDay: Codable, Sendable, Equatable {
    public var day: String
    public var followers: Int
    public var newFollowers: Int
    public var videoViews: Int
    public var profileViews: Int
    public var likes: Int
    public var comments: Int
    public var shares: Int

}

/// What the stored video metrics say is normal for the workspace.
public struct VideoBaseline: Codable, Sendable, Equatable {
    public var videos: Int
    public var medianViews: Double
    public var engagementRate: Double
}
