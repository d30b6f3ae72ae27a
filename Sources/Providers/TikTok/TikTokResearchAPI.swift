import Core
import Foundation

/// What the research agents read about an account: its profile and videos, trending videos and
/// comments. Live, only for accounts the workspace connected (`ConnectedTikTok`).
public protocol TikTokResearchAPI: Sendable {
    func userInfo(handle: String) async throws -> TikTokProfile
    /// The handle's videos created in `days` days up to `until`, newest first, at most `limit`.
    func videos(handle: String, days: Int, until: Date, limit: Int) async throws -> [TikTokVideo]
    /// Recent videos using any of `hashtags`, for trend scouting.
    func hashtagVideos(_ hashtags: [String], days: Int, until: Date, limit: Int) async throws -> [TikTokVideo]
    /// Public comments on a video.
    func comments(videoId: String, limit: Int) async throws -> [TikTokComment]
}
