import Core
import Foundation
import Logging
import Persistence
import Providers
import TestSupport

@testable import Agents

/// Agent environments on the test database with mock providers, overridable piece by piece.
enum AgentTestSupport {
    static let mediaDir = NSTemporaryDirectory() + "agents-media"

    static func environment(
        claude: (any ClaudeClient)? = nil, mode: ClaudeMode = .mock, clock: Clock = .system,
        adjust: (inout ProviderSuite) -> Void = { _ in }
    ) -> AgentEnvironment {
        var providers = ProviderSuite.mock(transport: CurlTransport())
        if let claude { providers.claude = claude }
        adjust(&providers)
        return AgentEnvironment(
            database: TestDatabase.database, providers: providers, claudeMode: mode,
            mediaDir: mediaDir, clock: clock, logger: Logger(label: "agents-test"))
    }

    static func trace(_ run: AgentRunID, workspace: WorkspaceID) async throws -> [AgentStep] {
        try await TestDatabase.database.withWorkspace(workspace) { try AgentStepRepository.list(agentRun: run, on: $0) }
    }

    static func agentRun(_ run: AgentRunID, workspace: WorkspaceID) async throws -> AgentRun? {
        try await TestDatabase.database.withWorkspace(workspace) { try AgentRunRepository.find(run, on: $0) }
    }
}

/// A Claude client that always fails, counting calls.
struct FailingClaude: ClaudeClient {
    let calls = Counter()
    var error = ClaudeError(kind: .overloaded, status: 529, message: "Overloaded", requestId: "req_x")
    func send(_ request: ClaudeRequest) async throws -> ClaudeResponse {
        _ = calls.next()
        throw error
    }
}

/// A Claude client answering with fixed text.
struct ScriptedClaude: ClaudeClient {
    let text: String
    let calls = Counter()
    func send(_ request: ClaudeRequest) async throws -> ClaudeResponse {
        _ = calls.next()
        return ClaudeResponse(
            id: "msg", model: request.model, content: [["type": "text", "text": .string(text)]], stopReason: "end_turn",
            usage: ClaudeUsage(inputTokens: 10, outputTokens: 5), requestId: "req")
    }
}

/// Research that fails for every call.
struct FailingResearch: TikTokResearchAPI {
    func userInfo(handle: String) async throws -> TikTokProfile {
        throw ProviderError(provider: "tiktok", status: 500, code: "internal", message: "boom", logId: "log_9")
    }
    func videos(handle: String, days: Int, until: Date, limit: Int) async throws -> [TikTokVideo] {
        throw ProviderError(provider: "tiktok", status: 500, code: "internal", message: "boom")
    }
    func hashtagVideos(_ hashtags: [String], days: Int, until: Date, limit: Int) async throws -> [TikTokVideo] { [] }
    func comments(videoId: String, limit: Int) async throws -> [TikTokComment] { [] }
}

/// Publishing that counts real posts.
struct CountingPublisher: VideoPublisher {
    let posts = Counter()
    func publish(videoPath: String, caption: String, handle: String?) async throws -> PublishResult {
        PublishResult(publishId: "pub-\(posts.next())", status: "PUBLISH_COMPLETE")
    }
}

/// Ads that count their calls; `refuseEnable` makes switching a campaign on fail.
struct CountingAds: TikTokAdsAPI {
    let launches = Counter()
    let enables = Counter()
    let disables = Counter()
    let budgets = Counter()
    var refuseEnable = false
    func prepare(_ campaign: CampaignSpec, idempotencyKey: String) async throws -> PreparedCampaign {
        let n = launches.next()
        return PreparedCampaign(campaignId: "c\(n)", adGroupId: "g\(n)")
    }
    func createAds(_ campaign: PreparedCampaign, spec: CampaignSpec, postIds: [String]) async throws -> [String] {
        postIds.map { "ad-" + $0 }
    }
    func setStatus(campaignId: String, enabled: Bool) async throws {
        if enabled {
            _ = enables.next()
            if refuseEnable { throw ProviderError(provider: "tiktok_business", code: "40002", message: "balance is insufficient") }
        } else {
            _ = disables.next()
        }
    }
    func updateBudget(campaignId: String, dailyBudgetUsd: Double) async throws { _ = budgets.next() }
}
