import Core
import Foundation
import Logging
import Persistence
import Providers
import TestSupport
import Testing

@testable import Agents

/// Agents in live provider mode against the TikTok fake: each workspace reads only through the
/// accounts it connected.
@Suite struct LiveAccountsTests {
    static func environment(_ base: String, _ fake: TikTokFake) -> AgentEnvironment {
        var providers = ProviderSuite.mock(transport: CurlTransport())
        providers.authorizer = LiveAccountAuthorizer(
            apps: AccountFlows.apps(base, fake), transport: CurlTransport(), retry: RetryPolicy(maxRetries: 0))
        providers.connect = { accounts in
            ConnectedTikTok(
                accounts: accounts, openAPIBaseURL: base, businessBaseURL: base + "/open_api/v1.3", privacyLevel: "SELF_ONLY",
                transport: CurlTransport(), retry: RetryPolicy(maxRetries: 0))
        }
        return AgentEnvironment(
            database: TestDatabase.database, providers: providers, mediaDir: AgentTestSupport.mediaDir, logger: Logger(label: "live-test"),
            cipher: AccountFlows.cipher)
    }

    static func connect(_ service: AccountService, _ fake: TikTokFake, _ user: String, _ kind: AccountKind, workspace: WorkspaceID)
        async throws
    {
        let redirect = "https://army.example/accounts/callback/x"
        let url = try await service.start(kind, session: "s", redirectURI: redirect, workspace: workspace)
        let state = try #require(URLComponents(string: url)?.queryItems?.first { $0.name == "state" }?.value)
        _ = try await service.finish(
            state: state, code: fake.authorize(user, redirectURI: kind == .tiktok ? redirect : nil), error: nil, errorDescription: nil,
            session: "s",
            redirectURI: redirect)
    }

    @Test func twoWorkspacesWithTwoAccountsEachReadOnlyTheirOwn() async throws {
        let users = [("glowco", 120_000), ("glowco_shop", 9_000), ("brewlab", 77_000), ("brewlab_cafe", 3_000)].map { name, followers in
            TikTokFake.User(
                username: name, openId: AccountFlows.openId(), followers: followers, videoIds: [AccountFlows.openId()],
                commentIds: [AccountFlows.openId()], grantedScopes: ["user.info.basic", "user.info.stats", "video.list"])
        }
        let fake = TikTokFake(users: users)
        let server = FakeServer { request, _ in fake.reply(request) }
        let (first, _) = try await TestDatabase.workspace()
        let (second, _) = try await TestDatabase.workspace()
        try await server.run { base in
            let environment = Self.environment(base, fake)
            for (user, workspace) in [("glowco", first), ("glowco_shop", first), ("brewlab", second), ("brewlab_cafe", second)] {
                try await Self.connect(environment.accounts, fake, user, .tiktok, workspace: workspace)
            }
            try await Self.connect(environment.accounts, fake, "glowco", .tiktokBusiness, workspace: first)
            let runner = AgentRunner(environment: environment)
            let own = try await runner.run("profile_auditor", input: ["handle": "@glowco"], workspace: first)
            let ownTrace = try await AgentTestSupport.trace(own.agentRunId, workspace: first)
            #expect(
                ownTrace.contains {
                    $0.response?.jsonString.contains("\"follower_count\":120000") == true
                        || $0.response?.jsonString.contains("120000") == true
                })
            let benchmark = try await runner.run("competitor_benchmarker", input: ["handle": "@glowco"], workspace: first)
            #expect(
                benchmark.output["competitors"]?.arrayValue?.compactMap { $0["handle"]?.stringValue } == ["@glowco_shop"],
                "the default competitors are the workspace's other connected accounts: \(benchmark.output.jsonString)")
            let other = try await runner.run("competitor_benchmarker", input: ["handle": "@brewlab"], workspace: second)
            #expect(other.output["competitors"]?.arrayValue?.compactMap { $0["handle"]?.stringValue } == ["@brewlab_cafe"])
            let crossing = await #expect(throws: (any Error).self) {
                try await runner.run("profile_auditor", input: ["handle": "@glowco"], workspace: second)
            }
            #expect("\(crossing!)".contains("@glowco is not connected"), "a workspace cannot read another's account: \(crossing!)")
            let named = try await runner.run(
                "competitor_benchmarker", input: ["handle": "@brewlab", "competitors": ["@glowco"]], workspace: second)
            #expect(named.output["competitors"] == [] && named.output["unavailable"] == ["@glowco"])
            #expect(named.output["summary"]?.stringValue?.contains("only connected accounts can be read") == true)
            // Comments come from the Business account; their 19-digit ids are kept exactly.
            let triage = try await runner.run("comment_triage", input: ["handle": "@glowco"], workspace: first)
            let glowco = users[0]
            #expect(triage.output["replies"]?.arrayValue?.compactMap { $0["comment_id"]?.stringValue } == glowco.commentIds)
            let stored = try await TestDatabase.database.withWorkspace(first) { c in
                try c.query("SELECT external_id FROM tiktok_comments").rows.map { try $0.string("external_id") }
            }
            #expect(stored == glowco.commentIds, "the comment id is stored exactly")
        }
        let tokens = Set(server.requests.compactMap { $0.header("authorization") ?? $0.header("access-token") })
        #expect(tokens.count >= 5, "every account was read with its own token")
        #expect(!server.requests.contains { $0.path.contains("/research/") })
    }
}
