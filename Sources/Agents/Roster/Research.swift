import Core
import Foundation
import Persistence
import Providers

extension InputSpec {
    static let handle = InputSpec("handle", .string, required: true, "TikTok handle, e.g. @brand")
    static let targetType = InputSpec(
        "target_type", .string, default: "own_account", "Whose account this is", choices: TargetType.allCases.map(\.rawValue))
    static let notes = InputSpec("notes", .string, "Free-text context from the brief")
}

/// Shared helpers for prompts.
extension AgentInput {
    /// The brief context every prompt starts with.
    var briefContext: String {
        var lines = ["Handle: \(handle)", "Account type: \(string("target_type") ?? "own_account")"]
        if let notes = string("notes"), !notes.isEmpty { lines.append("Notes from the brief: \(notes)") }
        return lines.joined(separator: "\n")
    }
}

func engagementRate(_ videos: [TikTokVideo]) -> Double {
    let views = videos.reduce(0) { $0 + $1.views }
    guard views > 0 else { return 0 }
    let engagements = videos.reduce(0) { $0 + $1.likes + $1.comments + $1.shares }
    return (Double(engagements) / Double(views) * 10_000).rounded() / 10_000
}

func json<T: Encodable>(_ value: T) -> String { (try? JSONValue.from(value).jsonString) ?? "{}" }

/// The posts of the last `days` days: from the brand context when it covers them, else fetched.
func recentVideos(days: Int, brand: BrandContext, context: AgentContext) async throws -> [TikTokVideo] {
    if days <= BrandContext.days {
        let since = Int(brand.builtAt.timeIntervalSince1970) - days * 86_400
        return brand.videos.filter { $0.createTime >= since }
    }
    let handle = brand.handle
    let now = context.environment.clock.now()
    return try await context.traceStep(
        .providerCall, "tiktok.research.videos", request: ["handle": .string(handle), "days": .number(days)]
    ) {
        try await context.providers.research.videos(handle: handle, days: days, until: now, limit: 30)
    }
}

/// Profile health: reach, cadence and consistency.
public struct ProfileAuditor: Agent {
    public init() {}
    public static let spec = AgentSpec(
        name: "profile_auditor", title: "Profile Auditor",
        description: "Audits a TikTok profile's health: audience size, posting cadence, engagement and bio, with a 0-100 score.",
        inputs: [.handle, .targetType, .notes], options: [InputSpec("days", .integer, default: 30, "How many days of posts to read")],
        outputs: [
            OutputSpec("summary", .string, "One-paragraph verdict"), OutputSpec("health_score", .integer, "0-100"),
            OutputSpec("strengths", .array, "What works"), OutputSpec("weaknesses", .array, "What to fix"),
            OutputSpec("follower_count", .integer, "Followers at audit time"),
            OutputSpec("engagement_rate", .number, "Engagements per view"),
        ],
        workflows: ["profile_audit"])

    struct Output: Codable, Sendable {
        var summary: String
        var healthScore: Int
        var strengths: [String]
        var weaknesses: [String]
        var postingCadence: String
        var followerCount: Int?
        var engagementRate: Double?
    }

    public func execute(_ input: AgentInput, context: AgentContext) async throws -> JSONValue {
        let handle = input.handle
        let days = input.int("days") ?? 30
        let brand = try await context.brandContext(handle: handle)
        let profile = brand.profile
        let videos = try await recentVideos(days: days, brand: brand, context: context)
        var output = try await context.claudeJSON(
            Output.self, role: "You are a TikTok profile auditor.", brand: brand,
            task: """
                \(input.briefContext)
                \(days == BrandContext.days ? "Judge the posts of the brand context." : "Posts in the last \(days) days (\(videos.count)): \(json(videos))")
                Audit the profile's health for \(handle).
                """,
            example: [
                "summary": .string(
                    "\(handle) has a loyal core audience but posts irregularly. | \(handle) is growing fast on short tutorials."),
                "health_score": 72, "strengths": ["Consistent visual style", "High save rate on tutorials"],
                "weaknesses": ["Irregular posting cadence", "Bio has no call to action"],
                "posting_cadence": "3 posts per week | 1 post per week | daily",
            ])
        output.followerCount = profile.followerCount
        output.engagementRate = engagementRate(videos)
        output.healthScore = min(max(output.healthScore, 0), 100)
        return try JSONValue.from(output)
    }
}

/// What content performs and why.
public struct ContentAnalyzer: Agent {
    public init() {}
    public static let spec = AgentSpec(
        name: "content_analyzer", title: "Content Analyzer",
        description: "Reads recent videos and finds the formats, hooks, hashtags and posting hours that perform.",
        inputs: [.handle, .targetType, .notes], options: [InputSpec("days", .integer, default: 30, "How many days of posts to read")],
        outputs: [
            OutputSpec("summary", .string, "What performs"), OutputSpec("top_formats", .array, "Best formats"),
            OutputSpec("best_hooks", .array, "Opening lines that work"), OutputSpec("top_hashtags", .array, "Hashtags of the best videos"),
        ],
        workflows: ["profile_audit"])

    struct Output: Codable, Sendable {
        var summary: String
        var topFormats: [String]
        var bestHooks: [String]
        var bestPostingHours: [String]
        var topHashtags: [String]?
        var averageEngagementRate: Double?
    }

    public func execute(_ input: AgentInput, context: AgentContext) async throws -> JSONValue {
        let handle = input.handle
        let days = input.int("days") ?? 30
        let brand = try await context.brandContext(handle: handle)
        let videos = try await recentVideos(days: days, brand: brand, context: context)
        let ranked = videos.sorted { ($0.views, $1.id) > ($1.views, $0.id) }
        var tagViews: [String: Int] = [:]
        for video in ranked.prefix(5) { for tag in video.hashtags { tagViews[tag, default: 0] += video.views } }
        var output = try await context.claudeJSON(
            Output.self, role: "You are a TikTok content analyst.", brand: brand,
            task: """
                \(input.briefContext)
                \(days == BrandContext.days ? "Post ids ranked by views: \(ranked.prefix(15).map(\.id).joined(separator: ", "))" : "Videos ranked by views: \(json(Array(ranked.prefix(15))))")
                Explain what content performs for \(handle) and why.
                """,
            example: [
                "summary":
                    "Short tutorials with a problem-first hook outperform everything else. | Behind-the-scenes clips drive the most shares.",
                "top_formats": ["60-second tutorial", "Before/after reveal"],
                "best_hooks": ["Stop doing this with your skin", "POV: you finally found it"],
                "best_posting_hours": ["18:00-20:00", "12:00-13:00"],
            ])
        // Ties broken by name: a dictionary's order differs from process to process, and a replay must match.
        output.topHashtags = tagViews.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(5).map { "#" + $0.key }
        output.averageEngagementRate = engagementRate(videos)
        return try JSONValue.from(output)
    }
}

/// Who watches.
public struct AudienceAnalyst: Agent {
    public init() {}
    public static let spec = AgentSpec(
        name: "audience_analyst", title: "Audience Analyst",
        description: "Describes the audience by age, gender and country and names the segment to build for.",
        inputs: [.handle, .targetType, .notes],
        outputs: [
            OutputSpec("summary", .string, "Who the audience is"), OutputSpec("primary_segment", .string, "The segment to build for"),
            OutputSpec("recommendations", .array, "How to serve it"), OutputSpec("ages", .object, "Age shares"),
        ],
        workflows: ["profile_audit", "campaign_launch"])

    struct Output: Codable, Sendable {
        var summary: String
        var primarySegment: String
        var recommendations: [String]
        var ages: [String: Double]?
        var topCountries: [String]?
    }

    public func execute(_ input: AgentInput, context: AgentContext) async throws -> JSONValue {
        let handle = input.handle
        let audience = try await context.traceStep(.providerCall, "tiktok.business.audience", request: ["handle": .string(handle)]) {
            try await context.providers.business.audience(handle: handle)
        }
        var output = try await context.claudeJSON(
            Output.self, role: "You are a TikTok audience analyst.", brand: try await context.brandContext(handle: handle),
            task: "\(input.briefContext)\nAudience insights: \(json(audience))\nDescribe \(handle)'s audience and who to build for.",
            example: [
                "summary":
                    "Mostly women aged 18-34 in the US and UK, watching in the evening. | A broad audience with a strong 25-34 core.",
                "primary_segment": "Women 18-24 interested in routines | Young professionals 25-34",
                "recommendations": ["Lead with routines under 60 seconds", "Subtitle every video for silent viewing"],
            ])
        output.ages = audience.ages
        output.topCountries = audience.countries.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map(\.key)
        return try JSONValue.from(output)
    }
}

/// How the account compares.
public struct CompetitorBenchmarker: Agent {
    public init() {}
    public static let spec = AgentSpec(
        name: "competitor_benchmarker", title: "Competitor Benchmarker",
        description: "Benchmarks the account against competitors on followers, engagement and formats, and names the gaps.",
        inputs: [
            .handle, .targetType, .notes,
            InputSpec(
                "competitors", .array,
                "Competitor handles, or {handle, follower_count, engagement_rate} figures; defaults to the workspace's other connected accounts"
            ),
        ],
        outputs: [
            OutputSpec("summary", .string, "Where the account stands"), OutputSpec("competitors", .array, "One row per competitor"),
            OutputSpec("gaps", .array, "What competitors do that the account does not"),
            OutputSpec("unavailable", .array, "Named competitors whose data could not be read"),
        ],
        workflows: ["profile_audit"])

    struct Row: Codable, Sendable {
        var handle: String
        var followerCount: Int
        var engagementRate: Double
    }

    struct Output: Codable, Sendable {
        var summary: String
        var gaps: [String]
        var competitors: [Row]?
    }

    public func execute(_ input: AgentInput, context: AgentContext) async throws -> JSONValue {
        let handle = input.handle
        let now = context.environment.clock.now()
        // Competitors are the brief's (handles, or figures the user entered) or, when it names
        // none, the workspace's other connected accounts. Never invented.
        let given = input["competitors"]?.arrayValue ?? []
        var rows: [Row] = given.compactMap { item in
            guard let name = item["handle"]?.stringValue, let followers = item["follower_count"]?.intValue else { return nil }
            return Row(handle: name, followerCount: followers, engagementRate: item["engagement_rate"]?.doubleValue ?? 0)
        }
        var names = given.compactMap(\.stringValue).map { $0.hasPrefix("@") ? $0 : "@" + $0 }
        let connected = try await context.connectedHandles(.tiktok)
        if given.isEmpty { names = connected.filter { $0.lowercased() != handle.lowercased() } }
        // Live, only connected accounts can be read (the Display API serves its own user).
        let readable = Set(connected.map { $0.lowercased() })
        let live = context.providers.connect != nil
        var unavailable: [String] = []
        for name in names.prefix(5) {
            guard !live || readable.contains(name.lowercased()) else {
                unavailable.append(name)
                continue
            }
            let profile = try await context.traceStep(.providerCall, "tiktok.research.user_info", request: ["handle": .string(name)]) {
                try await context.providers.research.userInfo(handle: name)
            }
            let videos = try await context.traceStep(.providerCall, "tiktok.research.videos", request: ["handle": .string(name)]) {
                try await context.providers.research.videos(handle: name, days: 30, until: now, limit: 10)
            }
            rows.append(Row(handle: profile.handle, followerCount: profile.followerCount, engagementRate: engagementRate(videos)))
        }
        let missing = unavailable.map { .string($0) } as [JSONValue]
        guard !rows.isEmpty else {
            let why =
                names.isEmpty
                ? "No competitors were named on the brief and no other account is connected in this workspace, so there is no benchmark."
                : "No data was available for \(names.joined(separator: ", ")): only connected accounts can be read; enter their figures on the brief."
            return ["summary": .string(why), "gaps": [], "competitors": [], "unavailable": .array(missing)]
        }
        let brand = try await context.brandContext(handle: handle)
        var output = try await context.claudeJSON(
            Output.self, role: "You are a competitive analyst for TikTok brands.", brand: brand,
            task:
                "\(input.briefContext)\nCompetitors: \(json(rows))\nBenchmark \(handle), whose account is the brand context, against them.",
            example: [
                "summary": .string(
                    "\(handle) trails the leader on reach but beats two of three on engagement. | \(handle) leads on followers but posts half as often."
                ),
                "gaps": ["Competitors post daily tutorials", "Competitors use trending sounds within 48 hours"],
            ])
        output.competitors = rows
        var result = try JSONValue.from(output)
        if case .object(var object) = result {
            object["unavailable"] = .array(missing)
            result = .object(object)
        }
        return result
    }
}

/// What is trending in the niche.
public struct TrendScout: Agent {
    public init() {}
    public static let spec = AgentSpec(
        name: "trend_scout", title: "Trend Scout",
        description: "Finds rising hashtags and formats in the account's niche and turns each into a content idea.",
        inputs: [.handle, .targetType, .notes, InputSpec("hashtags", .array, "Seed hashtags; defaults to the account's own")],
        outputs: [OutputSpec("summary", .string, "The trend picture"), OutputSpec("trends", .array, "Trends with an idea each")],
        workflows: ["profile_audit", "campaign_launch"])

    struct Trend: Codable, Sendable {
        var hashtag: String
        var momentum: String
        var idea: String
    }

    struct Output: Codable, Sendable {
        var summary: String
        var trends: [Trend]
    }

    public func execute(_ input: AgentInput, context: AgentContext) async throws -> JSONValue {
        let handle = input.handle
        let now = context.environment.clock.now()
        let brand = try await context.brandContext(handle: handle)
        var seeds = input["hashtags"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if seeds.isEmpty { seeds = Array(Set(brand.videos.prefix(10).flatMap(\.hashtags))).sorted().prefix(5).map { $0 } }
        let tags = seeds
        let videos = try await context.traceStep(
            .providerCall, "tiktok.research.hashtag_videos", request: ["hashtags": .array(tags.map { .string($0) })]
        ) {
            try await context.providers.research.hashtagVideos(tags, days: 7, until: now, limit: 20)
        }
        let output = try await context.claudeJSON(
            Output.self, role: "You are a TikTok trend scout.", brand: brand,
            task:
                "\(input.briefContext)\nSeed hashtags: \(tags.joined(separator: ", "))\nRecent videos on them: \(json(videos))\nFind the trends \(handle) should ride this week.",
            example: [
                "summary":
                    "Routine and reveal formats are rising; two hashtags doubled their views this week. | Duets are back in the niche.",
                "trends": [
                    [
                        "hashtag": "#grwm", "momentum": "rising | peaking | steady",
                        "idea": "A 30-second get-ready-with-me using the hero product",
                    ],
                    [
                        "hashtag": "#skincareroutine", "momentum": "rising | steady",
                        "idea": "Night routine in five steps with on-screen timers",
                    ],
                ],
            ])
        return try JSONValue.from(output)
    }
}
