import Core
import Foundation
import Testing

@testable import Orchestrator

/// The report a marketer reads: findings in the order of their questions, numbers formatted,
/// nothing internal.
@Suite struct ReportComposerTests {
    static func step(_ key: String, _ output: JSONValue, cost: Double = 0.01) -> WorkflowStep {
        WorkflowStep(
            id: WorkflowStepID(UUID()), workspaceId: WorkspaceID(UUID()), runId: WorkflowRunID(UUID()), stepKey: key, kind: .agent,
            agentName: key, dependsOn: [], status: .succeeded, input: [:], output: output, attempt: 1, maxAttempts: 3, costUsd: cost,
            latencyMs: 5, createdAt: Date(), updatedAt: Date())
    }

    static let steps = [
        step("trend_scout", ["summary": "Duets are back.", "trends": [["idea": "A get-ready-with-me", "hashtag": "#grwm"]]]),
        step(
            "profile_auditor",
            [
                "summary": "@glow_co is growing.", "health_score": 81, "engagement_rate": 0.1049, "follower_count": 1_937_929,
                "account_id": "7106594312292453675",
            ]),
        step(
            "content_producer",
            ["assets": [["url": "/api/dashboard/media/tiktok-1.mp4", "asset_id": "tiktok-1", "script_title": "Night routine"]]]),
        step(
            "comment_triage",
            [
                "replies": .array(
                    (1...12).map {
                        [
                            "comment_id": .string("7\($0)00000000000000000"), "comment": .string("Where to buy \($0)?"),
                            "reply": "Link in bio!",
                        ]
                    })
            ]),
        step("ads_launch", ["action": "launch", "status": "live", "budget_usd": 1234.5, "campaign_id": "mock-cmp-1"], cost: 0),
    ].map { step -> WorkflowStep in
        var step = step
        if step.stepKey == "ads_launch" { step.agentName = "campaign_operator" }
        return step
    }

    static let report = ReportComposer.compose(
        narrative: "# Report for @glow_co\n\nA summary.\n\n## Profile Auditor\n\n- raw: 0.1049\n\n## Next steps\n\n1. Post more.",
        steps: steps
    ) { $0.agentName }

    @Test func sectionsFollowTheMarketersQuestionsAndTheNarrativesOwnFindingsAreReplaced() {
        let headings = Self.report.split(separator: "\n").filter { $0.hasPrefix("## ") }
        #expect(headings == ["## How the account is doing", "## What to post", "## What went live", "## Next steps", "## What it cost"])
        #expect(!Self.report.contains("raw: 0.1049") && Self.report.hasPrefix("# Report for @glow_co\n\nA summary."))
    }

    @Test func numbersAreFormattedAndIdsAndPathsLeftOut() {
        let report = Self.report
        #expect(report.contains("81/100") && report.contains("10.5%") && report.contains("1.94M") && report.contains("$1,234.50 per day"))
        for hidden in ["7106594312292453675", "/api/dashboard/media", "tiktok-1", "mock-cmp-1", "comment_id", "700000000000000000"] {
            #expect(!report.contains(hidden), "\(hidden) leaked into the report")
        }
        #expect(report.contains("@glow\\_co is growing"), "an underscore in a handle is not emphasis")
    }

    @Test func markdownMarkersAreEscapedAndInternalValuesAndUnitsLeftOut() {
        #expect(ReportComposer.escape("a*b_c [x] `y` \\ café ✨") == "a\\*b\\_c \\[x\\] \\`y\\` \\\\ café ✨")
        #expect(ReportComposer.escape("plain café ✨") == "plain café ✨")
        for hidden in ["/srv/media/a.mp4", "clip.mp4", "3F2504E0-4F89-11D3-9A0C-0305E82C3301", "700000000000000000"] {
            #expect(ReportComposer.looksInternal(hidden), "\(hidden)")
        }
        for shown in ["Glow up", "12345", "2026 spring plan", "3F2504E0-4F89-11D3-9A0C-0305E82C330"] {
            #expect(!ReportComposer.looksInternal(shown), "\(shown)")
        }
        #expect(ReportComposer.label("daily_budget_usd") == "Daily budget" && ReportComposer.label("engagement_rate") == "Engagement rate")
        #expect(ReportComposer.label("_x__y_usd_total") == "X y total" && ReportComposer.label("élan_usdx") == "Élanx")
    }

    @Test func everyReplyIsListedBesideItsComment() {
        for n in 1...12 { #expect(Self.report.contains("“Where to buy \(n)?” → “Link in bio!”")) }
    }
}
