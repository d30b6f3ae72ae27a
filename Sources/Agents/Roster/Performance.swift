import Core
import Foundation
import Persistence
import Providers

/// How published content did, against the baseline the stored metrics give.
public struct PerformanceAnalyst: Agent {
    public init() {}
    public static let spec = AgentSpec(
        name: "performance_analyst", title: "Performance Analyst",
        description:
            "Measures how recent posts performed against the account's baseline (median views and engagement of the videos in the stored metrics) and proposes a budget change for the live campaign in dollars.",
        inputs: [.handle, .targetType, .notes], options: [InputSpec("days", .integer, default: 14, "Window to measure")],
        outputs: [
            OutputSpec("summary", .string, "How the posts did"), OutputSpec("views", .integer, "Views in the window"),
            OutputSpec("engagement_rate", .number, "Engagements per view"), OutputSpec("recommendations", .array, "What to change"),
            OutputSpec("baseline", .object, "Median views and engagement rate of the stored videos"),
        ],
        workflows: ["post_launch_loop"])

    struct Judgement: Codable, Sendable {
        var summary: String
        var recommendations: [String]
        /// Percent change of the live campaign's daily budget, -50...50 (0 holds).
        var budgetChangePercent: Double
    }

    /// What the judgement rests on besides the posts: the stored baseline and the live campaign.
    struct Stored: Codable, Sendable {
        var baseline: VideoBaseline
        var campaign: CampaignRecord?
    }

    public func execute(_ input: AgentInput, context: AgentContext) async throws -> JSONValue {
        let handle = input.handle
        let days = input.int("days") ?? 14
        let brand = try await context.brandContext(handle: handle)
        let videos = try await recentVideos(days: days, brand: brand, context: context)
        // One transaction, traced as one read so a replay reads what this run read.
        let stored = try await context.read("tiktok_metrics.baseline_and_live_campaign") { c in
            Stored(baseline: try MetricsRepository.videoBaseline(on: c), campaign: try CommerceRepository.latestLiveCampaign(on: c))
        }
        let (baseline, campaign) = (stored.baseline, stored.campaign)
        let views = videos.reduce(0) { $0 + $1.views }
        let rate = engagementRate(videos)
        let average = videos.isEmpty ? 0 : Double(views) / Double(videos.count)
        let versus =
            baseline.videos == 0
            ? "No stored metrics yet: there is no baseline."
            : String(
                format: "Baseline over %d stored videos: median %.0f views, engagement %.2f%%. Recent posts average %.0f views (%+.0f%%).",
                baseline.videos, baseline.medianViews, baseline.engagementRate * 100, average,
                baseline.medianViews > 0 ? (average / baseline.medianViews - 1) * 100 : 0)
        var live = "No live campaign."
        if let campaign { live = String(format: "Live campaign \"%@\" at $%.2f per day.", campaign.name, campaign.budgetUsd) }
        let judgement = try await context.claudeJSON(
            Judgement.self, role: "You are a TikTok performance analyst.", brand: brand,
            task:
                "\(input.briefContext)\nPosts in the last \(days) days: \(videos.count), \(views) views, engagement \(String(format: "%.2f%%", rate * 100)).\n\(versus)\n\(live)\nJudge how \(handle)'s recent posts performed and whether to change the campaign budget.",
            example: [
                "summary":
                    "Views are up week over week, carried by two tutorial posts. | Reach dipped; the last three posts missed the evening window.",
                "recommendations": ["Repost the top tutorial as a duet", "Move posting to 18:00"],
                "budget_change_percent": 20,
            ])
        let topPost: JSONValue = videos.max { $0.views < $1.views }.map { JSONValue.string($0.id) } ?? .null
        let baselineJSON: JSONValue = [
            "videos": .number(baseline.videos), "median_views": .number(baseline.medianViews),
            "engagement_rate": .number(baseline.engagementRate),
        ]
        var output: JSONValue = [
            "summary": .string(judgement.summary), "recommendations": .array(judgement.recommendations.map { JSONValue.string($0) }),
            "views": .number(views), "engagement_rate": .number(rate), "top_post": topPost, "baseline": baselineJSON,
        ]
        let percent = min(50, max(-50, judgement.budgetChangePercent.isFinite ? judgement.budgetChangePercent : 0))
        if let campaign, let external = campaign.externalId, abs(percent) >= 1 {
            let target = max(1, (campaign.budgetUsd * (1 + percent / 100) * 100).rounded() / 100)
            output = output.merging([
                "budget_change": [
                    "campaign_id": .string(campaign.id.uuidString), "external_id": .string(external), "name": .string(campaign.name),
                    "from_usd": .number(campaign.budgetUsd), "to_usd": .number(target), "percent": .number(percent),
                    "currency": .string(AdBudget.currency),
                ]
            ])
        }
        return output
    }
}
