import Core
import Foundation
import Persistence
import Providers

/// Reads every connected Business account's metrics into the database: `/business/get/` per day
/// (the last `days`, within the API's 60-day lookback) and `/business/video/list/` lifetime totals
/// per video, stored as today's row. Upserts by account and date (video and date): a second
/// ingestion of the same day replaces its row.
public struct MetricsService: Sendable {
    let environment: AgentEnvironment

    public init(environment: AgentEnvironment) { self.environment = environment }

    /// What one ingestion stored.
    public struct Ingested: Sendable, Equatable {
        public var accounts: Int
        public var days: Int
        public var videos: Int
        public var failures: [String]
    }

    /// Ingests every workspace's Business accounts; one account failing does not stop the others.
    public func ingestAll(days: Int = 7) async -> Ingested {
        var total = Ingested(accounts: 0, days: 0, videos: 0, failures: [])
        let accounts = (try? await environment.database.withConnection { try MetricsRepository.accountsToIngest(on: $0) }) ?? []
        for (workspace, account) in accounts {
            do {
                let one = try await ingest(account: account, workspace: workspace, days: days)
                total.accounts += 1
                total.days += one.days
                total.videos += one.videos
            } catch {
                total.failures.append("\(account): \(error)")
                environment.logger.warning("metrics ingestion failed", metadata: ["account": "\(account)", "error": "\(error)"])
            }
        }
        return total
    }

    /// Ingests one Business account of `workspace`.
    public func ingest(account: UUID, workspace: WorkspaceID, days: Int = 7) async throws -> (days: Int, videos: Int) {
        let accounts = environment.accounts.directory(workspace)
        let listed = try await environment.database.withWorkspace(workspace) { try AccountRepository.list(on: $0) }
        guard let connected = listed.first(where: { $0.id == account }) else { return (0, 0) }
        let providers = environment.providers.bound(to: accounts)
        let now = environment.clock.now()
        let from = now.addingTimeInterval(-Double(min(max(days, 1), 60)) * 86_400)
        let metrics = try await providers.engagement.accountMetrics(handle: connected.handle, from: from, to: now)
        let videos = try await providers.business.recentVideos(handle: connected.handle, limit: 20)
        let today = AccountDayMetrics.day(now)
        try await environment.database.withWorkspace(workspace) { c in
            for day in metrics {
                try MetricsRepository.upsertAccountDay(
                    account: account, day: day.date, followers: day.followers, newFollowers: day.newFollowers, videoViews: day.videoViews,
                    profileViews: day.profileViews, likes: day.likes, comments: day.comments, shares: day.shares, workspace: workspace,
                    on: c)
            }
            for video in videos where !video.id.isEmpty {
                try MetricsRepository.upsertVideoDay(
                    account: account, videoId: video.id, day: today, views: video.views, likes: video.likes, comments: video.comments,
                    shares: video.shares, workspace: workspace, on: c)
            }
        }
        return (metrics.count, videos.count)
    }
}
