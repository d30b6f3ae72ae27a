import Agents
import Core
import Foundation
import Persistence
import Providers
import TestSupport
import Testing

@testable import Orchestrator

/// Whole workflows in live provider mode against the TikTok fake: each workspace's runs read
/// only through the accounts it connected.
@Suite(.serialized) struct LiveWorkflowTests {
    static let store = TestDatabase.isolated("live")

    static func harness(_ base: String, _ fake: TikTokFake) -> Harness {
        Harness(Self.store, cipher: AccountFlows.cipher) { providers in
            providers.authorizer = LiveAccountAuthorizer(
                apps: AccountFlows.apps(base, fake), transport: CurlTransport(), retry: RetryPolicy(maxRetries: 0))
            providers.connect = { accounts in
                ConnectedTikTok(
                    accounts: accounts, openAPIBaseURL: base, businessBaseURL: base + "/open_api/v1.3", privacyLevel: "SELF_ONLY",
                    transport: CurlTransport(), retry: RetryPolicy(maxRetries: 0))
            }
        }
    }

    static func connect(_ accounts: AccountService, _ fake: TikTokFake, _ user: String, _ kind: AccountKind, _ workspace: WorkspaceID)
        async throws
    {
        let redirect = "https://army.example/accounts/callback/x"
        let url = try await accounts.start(kind, session: "s", redirectURI: redirect, workspace: workspace)
        let state = try #require(URLComponents(string: url)?.queryItems?.first { $0.name == "state" }?.value)
        _ = try await accounts.finish(
            state: state, code: fake.authorize(user, redirectURI: kind == .tiktok ? redirect : nil), error: nil, errorDescription: nil,
            session: "s", redirectURI: redirect)
    }

    static func output(_ steps: [WorkflowStep], _ key: String) -> JSONValue? { steps.first { $0.stepKey == key }?.output }

    @Test func profileAuditsOfTwoWorkspacesReadOnlyTheirOwnAccounts() async throws {
        let users = [("glowco", 120_000), ("glowco_labs", 9_000), ("brewlab", 77_000), ("brewlab_cafe", 3_000)].map { name, followers in
            TikTokFake.User(
                username: name, openId: AccountFlows.openId(), followers: followers, videoIds: [AccountFlows.openId()],
                commentIds: [AccountFlows.openId()], grantedScopes: ["user.info.basic", "user.info.stats", "video.list"])
        }
        let fake = TikTokFake(users: users)
        let server = FakeServer { request, _ in fake.reply(request) }
        try await server.run { base in
            let harness = Self.harness(base, fake)
            let accounts = harness.orchestration.accounts
            var briefs: [(WorkspaceID, Brief)] = []
            for (own, other) in [("glowco", "glowco_labs"), ("brewlab", "brewlab_cafe")] {
                let (workspace, brief) = try await harness.brief("@" + own, inputs: [:])
                for user in [own, other] { try await Self.connect(accounts, fake, user, .tiktok, workspace) }
                try await Self.connect(accounts, fake, own, .tiktokBusiness, workspace)
                briefs.append((workspace, brief))
            }
            for ((workspace, brief), (own, other, followers)) in zip(
                briefs, [("@glowco", "@glowco_labs", 120_000), ("@brewlab", "@brewlab_cafe", 77_000)])
            {
                let started = try await harness.service.start(briefId: brief.id, workflowSlug: "profile_audit", workspace: workspace)
                let (run, steps) = try await harness.wait(for: started.run.id, in: workspace, until: [.succeeded, .failed])
                #expect(run.status == .succeeded, "\(steps.compactMap(\.error))")
                #expect(Self.output(steps, "profile_auditor")?["follower_count"]?.intValue == followers)
                let competitors = Self.output(steps, "competitor_benchmarker")?["competitors"]?.arrayValue?.compactMap {
                    $0["handle"]?.stringValue
                }
                #expect(competitors == [other], "the benchmark is the workspace's other connected account, never invented")
                #expect(run.reportMd?.contains(own) == true)
            }
            await harness.stop()
        }
        #expect(!server.requests.contains { $0.path.contains("/research/") }, "the Research API is never called")
    }

    @Test func aPostLaunchLoopTriagesTheAccountsOwnCommentsWithTheirExactIds() async throws {
        let user = TikTokFake.User(
            username: "glowco", openId: AccountFlows.openId(), followers: 50_000, videoIds: ["7306594312292453675"],
            commentIds: ["7406594312292453675"], grantedScopes: ["user.info.basic", "video.list"])
        let fake = TikTokFake(users: [user])
        let server = FakeServer { request, _ in fake.reply(request) }
        try await server.run { base in
            let harness = Self.harness(base, fake)
            let (workspace, brief) = try await harness.brief("@glowco", inputs: [:])
            try await Self.connect(harness.orchestration.accounts, fake, "glowco", .tiktok, workspace)
            try await Self.connect(harness.orchestration.accounts, fake, "glowco", .tiktokBusiness, workspace)
            let started = try await harness.service.start(briefId: brief.id, workflowSlug: "post_launch_loop", workspace: workspace)
            let (run, steps) = try await harness.wait(for: started.run.id, in: workspace, until: [.awaitingApproval, .failed])
            #expect(run.status == .awaitingApproval, "\(steps.compactMap(\.error))")
            let replies = Self.output(steps, "comment_triage")?["replies"]?.arrayValue ?? []
            #expect(replies.compactMap { $0["comment_id"]?.stringValue } == ["7406594312292453675"], "the 19-digit comment id is exact")
            await harness.stop()
        }
        let comments = try #require(server.requests.first { $0.path.hasSuffix("/business/comment/list/") })
        #expect(comments.query.contains("video_id=7306594312292453675"))
    }

    @Test func aCampaignLaunchPublishesAndLaunchesWithTheWorkspacesOwnAccounts() async throws {
        let users = ["glowco", "brewlab"].map {
            TikTokFake.User(
                username: $0, openId: AccountFlows.openId(), followers: 40_000, videoIds: [AccountFlows.openId()],
                grantedScopes: ["user.info.basic", "video.list", "video.publish"])
        }
        let fake = TikTokFake(users: users)
        let server = FakeServer { request, _ in fake.reply(request) }
        try await server.run { base in
            let harness = Self.harness(base, fake)
            let accounts = harness.orchestration.accounts
            let (other, _) = try await harness.brief("@brewlab", inputs: [:])
            try await Self.connect(accounts, fake, "brewlab", .tiktok, other)
            try await Self.connect(accounts, fake, "brewlab", .tiktokAds, other)
            let (workspace, brief) = try await harness.brief("@glowco", inputs: ["budget_usd": 40])
            for kind in [AccountKind.tiktok, .tiktokBusiness, .tiktokAds] {
                try await Self.connect(accounts, fake, "glowco", kind, workspace)
            }
            let started = try await harness.service.start(briefId: brief.id, workflowSlug: "campaign_launch", workspace: workspace)
            let (gated, gateSteps) = try await harness.wait(
                for: started.run.id, in: workspace, until: [.awaitingApproval, .failed], timeout: .seconds(120))
            #expect(gated.status == .awaitingApproval, "\(gateSteps.compactMap(\.error))")
            let approval = try #require(
                try await harness.database.withWorkspace(workspace) { try ApprovalRepository.list(status: .pending, limit: 5, on: $0) }
                    .first)
            let campaign = try #require(approval.payload["campaign"])
            #expect(campaign["ad_text"]?.stringValue?.isEmpty == false && campaign["objective"]?.stringValue != nil)
            #expect(approval.payload["products"]?["featured"]?.arrayValue != nil, "the products are chosen before the gate")
            #expect(approval.payload["budget_usd"] == 40 && campaign["currency"] == "USD")
            let campaignId = try #require(campaign["campaign_id"]?.stringValue)
            #expect(fake.campaignStatuses[campaignId] == "DISABLE", "prepared switched off before anyone approved")
            #expect(fake.published.isEmpty, "nothing is posted before the gate")
            let assets = approval.payload["assets"]?["assets"]?.arrayValue ?? []
            let first = try #require(assets.first?["asset_id"]?.stringValue)
            let items = [ItemDecision(id: "video:\(first)", action: .edit, text: "Edited caption #glow")]
            _ = try await harness.service.decide(
                approval.id, ApprovalDecision(approve: true, note: "ship it", items: items), by: nil, byName: "marketer",
                workspace: workspace)
            let (run, steps) = try await harness.wait(
                for: started.run.id, in: workspace, until: [.succeeded, .failed], timeout: .seconds(120))
            #expect(run.status == .succeeded, "\(steps.compactMap(\.error))")
            #expect(fake.campaignStatuses[campaignId] == "ENABLE")
            let decided = try await harness.database.withWorkspace(workspace) { try ApprovalRepository.find(approval.id, on: $0) }
            #expect(decided?.decidedByName == "marketer" && decided?.decisions.arrayValue?.first?["after"] == "Edited caption #glow")
            let posts = Self.output(steps, "publisher")?["published"]?.arrayValue ?? []
            #expect(posts.first { $0["asset"]?.stringValue == first }?["caption"] == "Edited caption #glow", "the edited caption went out")
            #expect(Self.output(steps, "ads_attach")?["ad_ids"]?.arrayValue?.count == posts.count, "one ad per posted video")
            await harness.stop()
        }
        #expect(!fake.published.isEmpty && fake.published.allSatisfy { $0.user == "glowco" }, "posts went out with the brand's own token")
        #expect(fake.createdCampaigns.map(\.advertiser) == [users[0].openId], "one campaign, by the brand's own advertiser")
        let order = server.requests.map(\.path).filter {
            $0.hasSuffix("/status/update/") || $0.hasSuffix("/video/init/") || $0.hasSuffix("/ad/create/")
        }
        #expect(order.first?.hasSuffix("/status/update/") == true && order.last?.hasSuffix("/ad/create/") == true, "\(order)")
    }

    @Test func aLaunchThatFailsAfterApprovalPublishesNothingAndLeavesTheCampaignOff() async throws {
        let user = TikTokFake.User(
            username: "glowco", openId: AccountFlows.openId(), followers: 40_000, videoIds: [AccountFlows.openId()],
            grantedScopes: ["user.info.basic", "video.list", "video.publish"])
        let fake = TikTokFake(users: [user])
        fake.refuseEnable = true
        let server = FakeServer { request, _ in fake.reply(request) }
        try await server.run { base in
            let harness = Self.harness(base, fake)
            let (workspace, brief) = try await harness.brief("@glowco", inputs: ["budget_usd": 30])
            for kind in [AccountKind.tiktok, .tiktokBusiness, .tiktokAds] {
                try await Self.connect(harness.orchestration.accounts, fake, "glowco", kind, workspace)
            }
            let started = try await harness.service.start(briefId: brief.id, workflowSlug: "campaign_launch", workspace: workspace)
            _ = try await harness.wait(for: started.run.id, in: workspace, until: [.awaitingApproval, .failed], timeout: .seconds(120))
            let approval = try #require(
                try await harness.database.withWorkspace(workspace) { try ApprovalRepository.list(status: .pending, limit: 5, on: $0) }
                    .first)
            _ = try await harness.service.decide(approval.id, approve: true, note: nil, by: nil, workspace: workspace)
            let (run, steps) = try await harness.wait(
                for: started.run.id, in: workspace, until: [.succeeded, .failed], timeout: .seconds(120))
            #expect(run.status == .failed)
            #expect(steps.first { $0.stepKey == "ads_launch" }?.error?.contains("switched off; nothing was published") == true)
            #expect(steps.first { $0.stepKey == "publisher" }?.status == .skipped)
            let spent = try await harness.database.withWorkspace(workspace) { try SpendLedgerRepository.spentToday(.ads, on: $0) }
            #expect(spent == 0, "the charge was released")
            await harness.stop()
        }
        #expect(fake.published.isEmpty, "nothing was posted")
        #expect(fake.campaignStatuses.values.allSatisfy { $0 == "DISABLE" } && fake.campaignStatuses.count == 1)
    }

    @Test func anApprovedReplyIsPostedOnceAlthoughTheFirstAnswerWasLostAfterPosting() async throws {
        let user = TikTokFake.User(
            username: "glowco", openId: AccountFlows.openId(), followers: 50_000, videoIds: [AccountFlows.openId()],
            commentIds: [AccountFlows.openId()], grantedScopes: ["user.info.basic", "video.list"])
        let fake = TikTokFake(users: [user])
        fake.failReplyAfterPosting = true
        let server = FakeServer { request, _ in fake.reply(request) }
        try await server.run { base in
            let harness = Self.harness(base, fake)
            let (workspace, brief) = try await harness.brief("@glowco", inputs: [:])
            try await Self.connect(harness.orchestration.accounts, fake, "glowco", .tiktok, workspace)
            try await Self.connect(harness.orchestration.accounts, fake, "glowco", .tiktokBusiness, workspace)
            let started = try await harness.service.start(briefId: brief.id, workflowSlug: "post_launch_loop", workspace: workspace)
            _ = try await harness.wait(for: started.run.id, in: workspace, until: [.awaitingApproval, .failed])
            let approval = try #require(
                try await harness.database.withWorkspace(workspace) { try ApprovalRepository.list(status: .pending, limit: 5, on: $0) }
                    .first)
            let reply = try #require(approval.payload["replies"]?["replies"]?.arrayValue?.first)
            #expect(reply["comment"] == "Where can I buy this?", "the reviewer sees the comment the reply answers")
            let edit = ItemDecision(id: "reply:\(user.commentIds[0])", action: .edit, text: "Thanks! The link is in our bio.")
            _ = try await harness.service.decide(approval.id, ApprovalDecision(approve: true, items: [edit]), by: nil, workspace: workspace)
            let (run, steps) = try await harness.wait(
                for: started.run.id, in: workspace, until: [.succeeded, .failed], timeout: .seconds(60))
            #expect(run.status == .succeeded, "\(steps.compactMap(\.error))")
            #expect(Self.output(steps, "publisher")?["replies"]?.arrayValue?.first?["reconciled"] == true)
            await harness.stop()
        }
        #expect(fake.replyCreateCalls == 1, "posted once, found again on the retry")
        #expect(fake.replies(to: user.commentIds[0]) == ["Thanks! The link is in our bio."], "the edited text went out")
        #expect(server.requests.contains { $0.path.hasSuffix("/business/comment/reply/list/") })
    }

    @Test func metricsIngestedTwiceKeepOneRowPerDayAndFeedTheBaseline() async throws {
        let user = TikTokFake.User(
            username: "glowco", openId: AccountFlows.openId(), followers: 50_000, videoIds: [AccountFlows.openId(), AccountFlows.openId()],
            grantedScopes: ["user.info.basic", "video.list"])
        let fake = TikTokFake(users: [user])
        let server = FakeServer { request, _ in fake.reply(request) }
        try await server.run { base in
            let harness = Self.harness(base, fake)
            let (workspace, _) = try await harness.brief("@glowco", inputs: [:])
            try await Self.connect(harness.orchestration.accounts, fake, "glowco", .tiktokBusiness, workspace)
            let account = try #require(
                try await harness.database.withWorkspace(workspace) { try AccountRepository.list(on: $0) }.first {
                    $0.kind == .tiktokBusiness
                })
            let metrics = harness.orchestration.metrics
            let first = try await metrics.ingest(account: account.id, workspace: workspace, days: 7)
            let second = try await metrics.ingest(account: account.id, workspace: workspace, days: 7)
            #expect(first.days == 8 && second.days == 8 && first.videos == 2)
            let (counts, days, baseline) = try await harness.database.withWorkspace(workspace) { c in
                (
                    try MetricsRepository.counts(account.id, on: c), try MetricsRepository.accountDays(account.id, days: 30, on: c),
                    try MetricsRepository.videoBaseline(on: c)
                )
            }
            #expect(counts.days == 8 && counts.videoDays == 2, "upserts by account and date")
            #expect(days.first?.videoViews == 1000 && days.last?.followers == 50_000 + 7 * 12)
            #expect(baseline.videos == 2 && baseline.medianViews == 10)
            await harness.stop()
        }
        let get = try #require(server.requests.first { $0.path.hasSuffix("/business/get/") && $0.query.contains("start_date") })
        #expect(get.query.contains("end_date=") && get.query.contains("business_id=\(user.openId)"))
    }

    @Test func aScheduledProfileAuditRunsLiveWithTheWorkspacesOwnAccount() async throws {
        let user = TikTokFake.User(
            username: "glowco", openId: AccountFlows.openId(), followers: 61_000, videoIds: [AccountFlows.openId()],
            grantedScopes: ["user.info.basic", "user.info.stats", "video.list"])
        let fake = TikTokFake(users: [user])
        let server = FakeServer { request, _ in fake.reply(request) }
        try await server.run { base in
            let harness = Self.harness(base, fake)
            let (workspace, brief) = try await harness.brief("@glowco", inputs: [:])
            try await Self.connect(harness.orchestration.accounts, fake, "glowco", .tiktok, workspace)
            try await Self.connect(harness.orchestration.accounts, fake, "glowco", .tiktokBusiness, workspace)
            let schedule = try await harness.database.withWorkspace(workspace) { c in
                try ScheduleRepository.create(
                    brief: brief.id, workflowSlug: "profile_audit", cron: "0 9 * * *", intervalSeconds: nil, timeZone: "UTC",
                    nextRunAt: Date().addingTimeInterval(-1), workspace: workspace, on: c)
            }
            let fired = try await harness.service.fireDueSchedules(workspace: workspace)
            let scheduled = try #require(fired.first)
            #expect(fired.count == 1 && scheduled.input["scheduled"]?["schedule_id"]?.stringValue == schedule.id.uuidString)
            let (run, steps) = try await harness.wait(for: scheduled.id, in: workspace, until: [.succeeded, .failed])
            #expect(run.status == .succeeded, "\(steps.compactMap(\.error))")
            #expect(Self.output(steps, "profile_auditor")?["follower_count"]?.intValue == 61_000, "read with the connected account")
            await harness.stop()
        }
    }
}
