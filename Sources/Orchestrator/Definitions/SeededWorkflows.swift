import Core

/// The three workflows every workspace has (a stored definition with the same slug overrides one).
public enum SeededWorkflows {
    public static let all: [WorkflowDef] = [profileAudit, campaignLaunch, postLaunchLoop]

    public static func find(_ slug: String) -> WorkflowDef? { all.first { $0.slug == slug } }

    public static let profileAudit = WorkflowDef(
        slug: "profile_audit", name: "Profile Audit",
        description: "Five analysts look at the account in parallel; a synthesis writes the audit report.",
        steps: [
            WorkflowStepDef("profile_auditor", agent: "profile_auditor"),
            WorkflowStepDef("content_analyzer", agent: "content_analyzer"),
            WorkflowStepDef("audience_analyst", agent: "audience_analyst"),
            WorkflowStepDef("competitor_benchmarker", agent: "competitor_benchmarker"),
            WorkflowStepDef("trend_scout", agent: "trend_scout"),
            WorkflowStepDef(
                "synthesis", agent: WorkflowStepDef.synthesisNode,
                dependsOn: ["profile_auditor", "content_analyzer", "audience_analyst", "competitor_benchmarker", "trend_scout"],
                options: ["title": "Profile Audit"]),
        ])

    /// Everything that will ship is prepared before the gate — videos, captions, products, ad
    /// copy and the campaign created switched off — so the reviewer decides on what goes out.
    /// After it the campaign is switched on first (a failure publishes nothing), then the videos
    /// are posted and the ads attached to them.
    public static let campaignLaunch = WorkflowDef(
        slug: "campaign_launch", name: "Campaign Launch",
        description:
            "Research, strategy, scripts, production, captions, compliance, products and a campaign prepared switched off; a person reviews all of it; then the campaign goes live, the videos are posted and the ads attached.",
        steps: [
            WorkflowStepDef("trend_scout", agent: "trend_scout"),
            WorkflowStepDef("audience_analyst", agent: "audience_analyst"),
            WorkflowStepDef(
                "content_strategist", agent: "content_strategist", dependsOn: ["trend_scout", "audience_analyst"],
                inputMap: ["trends": "steps.trend_scout", "audience": "steps.audience_analyst"]),
            WorkflowStepDef(
                "script_writer", agent: "script_writer", dependsOn: ["content_strategist"],
                inputMap: ["strategy": "steps.content_strategist"]),
            WorkflowStepDef(
                "content_producer", agent: "content_producer", dependsOn: ["script_writer"], inputMap: ["scripts": "steps.script_writer"]),
            WorkflowStepDef(
                "caption_writer", agent: "caption_writer", dependsOn: ["content_producer"],
                inputMap: ["scripts": "steps.script_writer", "assets": "steps.content_producer"]),
            WorkflowStepDef(
                "compliance_reviewer", agent: "compliance_reviewer", dependsOn: ["caption_writer"],
                inputMap: ["scripts": "steps.script_writer", "captions": "steps.caption_writer"]),
            WorkflowStepDef(
                "shop_catalog_manager", agent: "shop_catalog_manager", dependsOn: ["caption_writer"],
                inputMap: ["captions": "steps.caption_writer"]),
            WorkflowStepDef(
                "ads_campaign_manager", agent: "ads_campaign_manager", dependsOn: ["compliance_reviewer", "shop_catalog_manager"],
                inputMap: [
                    "budget_usd": "brief.inputs.budget_usd", "captions": "steps.caption_writer", "products": "steps.shop_catalog_manager",
                ]),
            WorkflowStepDef(
                "approval", agent: WorkflowStepDef.approvalNode, dependsOn: ["ads_campaign_manager"],
                inputMap: [
                    "scripts": "steps.script_writer", "assets": "steps.content_producer", "captions": "steps.caption_writer",
                    "compliance": "steps.compliance_reviewer", "products": "steps.shop_catalog_manager",
                    "campaign": "steps.ads_campaign_manager", "budget_usd": "steps.ads_campaign_manager.budget_usd",
                ],
                options: ["title": "Approve creative and budget", "default_budget_usd": 50], retry: .once, timeoutSeconds: nil),
            WorkflowStepDef(
                "ads_launch", agent: "campaign_operator", dependsOn: ["approval"],
                inputMap: [
                    "approved": "steps.approval.approved", "budget_usd": "steps.approval.budget_usd",
                    "campaign": "steps.ads_campaign_manager",
                ],
                options: ["action": "launch"]),
            WorkflowStepDef(
                "publisher", agent: "publisher", dependsOn: ["ads_launch"],
                inputMap: ["approved": "steps.approval.approved", "assets": "steps.approval.assets", "captions": "steps.approval.captions"]),
            WorkflowStepDef(
                "ads_attach", agent: "campaign_operator", dependsOn: ["publisher"],
                inputMap: [
                    "approved": "steps.approval.approved", "published": "steps.publisher", "campaign": "steps.ads_campaign_manager",
                ],
                options: ["action": "attach"]),
            WorkflowStepDef(
                "synthesis", agent: WorkflowStepDef.synthesisNode, dependsOn: ["ads_attach"], options: ["title": "Campaign Launch"]),
        ])

    public static let postLaunchLoop = WorkflowDef(
        slug: "post_launch_loop", name: "Post-Launch Loop",
        description:
            "Measure performance against the stored baseline and triage comments; adjust the strategy; a person approves replies and the budget change; replies are posted and the budget applied; report.",
        steps: [
            WorkflowStepDef("performance_analyst", agent: "performance_analyst"),
            WorkflowStepDef("comment_triage", agent: "comment_triage"),
            WorkflowStepDef(
                "content_strategist", agent: "content_strategist", dependsOn: ["performance_analyst", "comment_triage"],
                inputMap: ["performance": "steps.performance_analyst", "comments": "steps.comment_triage"]),
            WorkflowStepDef(
                "approval", agent: WorkflowStepDef.approvalNode, dependsOn: ["content_strategist"],
                inputMap: [
                    "replies": "steps.comment_triage", "budget_change": "steps.performance_analyst.budget_change",
                    "strategy": "steps.content_strategist",
                ],
                options: ["title": "Approve replies and budget changes"], retry: .once, timeoutSeconds: nil),
            WorkflowStepDef(
                "publisher", agent: "publisher", dependsOn: ["approval"],
                inputMap: ["approved": "steps.approval.approved", "replies": "steps.approval.replies"]),
            WorkflowStepDef(
                "budget_change", agent: "campaign_operator", dependsOn: ["approval"],
                inputMap: ["approved": "steps.approval.approved", "budget_change": "steps.approval.budget_change"],
                options: ["action": "budget"]),
            WorkflowStepDef(
                "synthesis", agent: WorkflowStepDef.synthesisNode, dependsOn: ["publisher", "budget_change"],
                options: ["title": "Post-Launch Loop"]),
        ])
}
