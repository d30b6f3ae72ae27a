import Core
import Foundation
import Persistence
import Providers

/// The money a campaign may spend: positive, in USD, and within what is left of today's ads cap.
public enum AdBudget {
    /// The currency every budget is in.
    public static let currency = "USD"

    /// Refuses a budget that is not positive or does not fit `headroom`, naming `field`.
    public static func check(_ budget: Double?, field: String, headroom: SpendHeadroom) throws -> Double {
        guard let budget, budget.isFinite, budget > 0 else { throw AppError.invalidInput("\(field) must be a positive amount in USD") }
        guard budget <= headroom.leftUsd + 0.000001 else {
            throw AppError.invalidInput(
                String(
                    format: "%@ $%.2f is more than is left of today's ads cap ($%.2f of $%.2f)", field, budget, headroom.leftUsd,
                    headroom.capUsd))
        }
        return (budget * 100).rounded() / 100
    }
}

/// Prepares the paid campaign before the approval gate: the final ad copy, objective, targeting
/// and schedule, the featured products, and the campaign with its ad group created switched off.
public struct AdsCampaignManager: Agent {
    public init() {}
    public static let spec = AgentSpec(
        name: "ads_campaign_manager", title: "Ads Campaign Manager",
        description:
            "Writes the ad copy, objective, targeting and schedule and creates the campaign and ad group switched off on the Marketing API, before the approval gate, so the reviewer sees exactly what will run; the budget is checked against the daily ads cap.",
        inputs: [
            .handle, .targetType, .notes, InputSpec("budget_usd", .number, default: 50, "Daily budget (USD)"),
            InputSpec("captions", .object, "Caption Writer output"), InputSpec("products", .object, "Shop Catalog Manager output"),
        ],
        outputs: [
            OutputSpec("prepared", .boolean, "Whether the campaign was created switched off"),
            OutputSpec("budget_usd", .number, "Daily budget"), OutputSpec("ad_text", .string, "The ad copy"),
            OutputSpec("objective", .string, "Campaign objective"),
        ],
        humanTouchpoints: ["The reviewer approves the prepared campaign", "Spend is capped per workspace per day"],
        workflows: ["campaign_launch"], actsOnTheWorld: true)

    struct Copy: Codable, Sendable {
        var name: String
        var objective: String
        var adText: String
        var callToAction: String
        var locations: [String]
        var ageGroups: [String]
    }

    static let objectives: Set<String> = ["REACH", "TRAFFIC", "VIDEO_VIEWS", "ENGAGEMENT", "PRODUCT_SALES"]
    static let calls: Set<String> = ["SHOP_NOW", "LEARN_MORE", "ORDER_NOW", "GET_QUOTE", "SIGN_UP"]
    static let ages: Set<String> = ["AGE_13_17", "AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45_54", "AGE_55_100"]

    public func execute(_ input: AgentInput, context: AgentContext) async throws -> JSONValue {
        let headroom = try await context.withDatabase { c in try SpendLedgerRepository.headroom(.ads, on: c) }
        let budget: Double
        do {
            budget = try AdBudget.check(input.double("budget_usd") ?? 50, field: "budget_usd", headroom: headroom)
        } catch let error as AppError {
            throw AgentError(kind: .invalidInput, agent: Self.spec.name, message: error.message)
        }
        let featured = input["products"]?["featured"] ?? []
        var copy = try await context.claudeJSON(
            Copy.self, role: "You set up TikTok ad campaigns.", brand: try await context.brandContext(handle: input.handle),
            task:
                "\(input.briefContext)\nDaily budget: $\(budget)\nCaptions: \(input["captions"]?.jsonString ?? "none")\nFeatured products: \(featured.jsonString)\nName the campaign, pick its objective, write the ad text and call to action, and choose targeting.",
            example: [
                "name": .string("\(input.handle) spring launch"), "objective": "TRAFFIC | REACH | VIDEO_VIEWS | PRODUCT_SALES",
                "ad_text": "Five steps to your best skin. Shop now.", "call_to_action": "SHOP_NOW | LEARN_MORE",
                "locations": ["US"], "age_groups": ["AGE_18_24", "AGE_25_34"],
            ])
        if !Self.objectives.contains(copy.objective) { copy.objective = "TRAFFIC" }
        if !Self.calls.contains(copy.callToAction) { copy.callToAction = "SHOP_NOW" }
        copy.ageGroups = copy.ageGroups.filter(Self.ages.contains)
        copy.adText = String(copy.adText.prefix(100))
        let spec = CampaignSpec(
            name: String(copy.name.prefix(120)), objective: copy.objective, dailyBudgetUsd: budget, adText: copy.adText,
            callToAction: copy.callToAction, locationIds: copy.locations, ageGroups: copy.ageGroups)
        let key = Self.key(context)
        let workspace = context.workspace
        let record = try await context.withDatabase { c in
            try CommerceRepository.openCampaign(
                key: key, run: context.workflowRunId, name: spec.name, objective: spec.objective, budgetUsd: budget, workspace: workspace,
                on: c)
        }
        var prepared = record.externalId.flatMap { id in record.adGroupId.map { PreparedCampaign(campaignId: id, adGroupId: $0) } }
        if prepared == nil {
            let created = try await context.traceStep(
                .providerCall, "tiktok.ads.prepare", request: ["name": .string(spec.name), "budget_usd": .number(budget)]
            ) {
                try await context.providers.ads.prepare(spec, idempotencyKey: key)
            }
            _ = try await context.withDatabase { c in
                try CommerceRepository.setCampaign(
                    key: key, status: .prepared, externalId: created.campaignId, adGroupId: created.adGroupId, on: c)
            }
            prepared = created
        }
        return [
            "prepared": true, "campaign_id": .string(prepared!.campaignId), "adgroup_id": .string(prepared!.adGroupId),
            "name": .string(spec.name), "objective": .string(spec.objective), "ad_text": .string(spec.adText),
            "call_to_action": .string(spec.callToAction), "budget_usd": .number(budget), "currency": .string(AdBudget.currency),
            "targeting": [
                "locations": .array(spec.locationIds.map { .string($0) }), "age_groups": .array(spec.ageGroups.map { .string($0) }),
            ],
            "schedule": ["type": "SCHEDULE_FROM_NOW", "starts": "when approved"], "products": featured,
            "cap": ["cap_usd": .number(headroom.capUsd), "spent_usd": .number(headroom.spentUsd), "left_usd": .number(headroom.leftUsd)],
            "idempotency_key": .string(key),
        ]
    }

    /// The campaign's key: one per run.
    static func key(_ context: AgentContext) -> String {
        "\(context.workflowRunId.map(\.description) ?? context.agentRunId.description):ads"
    }
}

/// Carries out approved changes on the Marketing API, after the gate: `launch` charges the
/// approved budget against today's cap and switches the prepared campaign on; `attach` creates
/// the ads on the posted videos; `budget` applies an approved budget change. A launch or attach
/// that fails switches the campaign off again, so nothing spends on a half-launched campaign.
public struct CampaignOperator: Agent {
    public init() {}
    public static let spec = AgentSpec(
        name: "campaign_operator", title: "Campaign Operator",
        description:
            "After approval: charges the budget against the daily ads cap and switches the prepared campaign on, attaches its ads to the posted videos, or applies an approved budget change. A failure switches the campaign off again.",
        inputs: [
            .handle, .targetType, .notes, InputSpec("approved", .boolean, required: true, "The approval gate's decision"),
            InputSpec("campaign", .object, "Ads Campaign Manager output"), InputSpec("budget_usd", .number, "The approved daily budget"),
            InputSpec("published", .object, "Publisher output (for attach)"),
            InputSpec("budget_change", .object, "The approved budget change (for budget)"),
        ],
        options: [InputSpec("action", .string, default: "launch", "launch, attach or budget")],
        outputs: [OutputSpec("action", .string, "What was done"), OutputSpec("status", .string, "live, applied, skipped")],
        humanTouchpoints: ["Runs only after approval", "Spend is capped per workspace per day"],
        workflows: ["campaign_launch", "post_launch_loop"], actsOnTheWorld: true)

    public func execute(_ input: AgentInput, context: AgentContext) async throws -> JSONValue {
        let action = input["action"]?.stringValue ?? "launch"
        guard input.bool("approved") == true else { return ["action": .string(action), "status": "skipped", "reason": "not approved"] }
        switch action {
        case "launch": return try await launch(input, context)
        case "attach": return try await attach(input, context)
        case "budget": return try await budget(input, context)
        default: throw AgentError(kind: .invalidInput, agent: Self.spec.name, message: "action must be launch, attach or budget")
        }
    }

    func fail(_ message: String) -> AgentError { AgentError(kind: .failed, agent: Self.spec.name, message: message) }

    /// Switches the campaign off and releases the charge; the caller's error is what is reported.
    func compensate(_ key: String, campaignId: String, _ context: AgentContext) async {
        _ = try? await context.traceStep(.providerCall, "tiktok.ads.disable", request: ["campaign_id": .string(campaignId)]) {
            try await context.providers.ads.setStatus(campaignId: campaignId, enabled: false)
            return true
        }
        _ = try? await context.withDatabase { c in
            try SpendLedgerRepository.settle(.ads, reference: key, amount: 0, on: c)
            try CommerceRepository.setCampaign(key: key, status: .disabled, on: c)
        }
    }

    func launch(_ input: AgentInput, _ context: AgentContext) async throws -> JSONValue {
        let key = AdsCampaignManager.key(context)
        guard let record = try await context.withDatabase({ c in try CommerceRepository.campaign(key: key, on: c) }),
            let campaignId = record.externalId
        else { throw fail("no prepared campaign for this run: the Ads Campaign Manager step did not create one") }
        if record.status == .live {
            return ["action": "launch", "status": "live", "campaign_id": .string(campaignId), "deduplicated": true]
        }
        let budget = input.double("budget_usd") ?? record.budgetUsd
        do {
            // Hard stop: the approved budget is charged against today's cap before anything is switched on.
            try await context.withDatabase { c in
                let headroom = try SpendLedgerRepository.headroom(.ads, on: c)
                _ = try AdBudget.check(budget, field: "budget_usd", headroom: headroom)
                try SpendLedgerRepository.charge(.ads, amount: budget, reference: key, on: c)
            }
            if abs(budget - record.budgetUsd) > 0.004 {
                _ = try await context.traceStep(.providerCall, "tiktok.ads.update_budget", request: ["budget_usd": .number(budget)]) {
                    try await context.providers.ads.updateBudget(campaignId: campaignId, dailyBudgetUsd: budget)
                    return true
                }
            }
            _ = try await context.traceStep(.providerCall, "tiktok.ads.enable", request: ["campaign_id": .string(campaignId)]) {
                try await context.providers.ads.setStatus(campaignId: campaignId, enabled: true)
                return true
            }
        } catch {
            await compensate(key, campaignId: campaignId, context)
            let reason = (error as? AppError)?.message ?? "\(error)"
            throw fail("the campaign was not launched and was switched off; nothing was published: \(reason)")
        }
        _ = try await context.withDatabase { c in
            try CommerceRepository.setCampaign(key: key, status: .live, on: c)
            try OutboxRepository.append(
                topic: "audit-event",
                payload: [
                    "event": "ads.campaign_enabled", "workflow_run_id": context.workflowRunId.map { .string($0.description) } ?? .null,
                    "campaign_id": .string(campaignId), "budget_usd": .number(budget),
                ], workspace: context.workspace, on: c)
        }
        return ["action": "launch", "status": "live", "campaign_id": .string(campaignId), "budget_usd": .number(budget)]
    }

    func attach(_ input: AgentInput, _ context: AgentContext) async throws -> JSONValue {
        let key = AdsCampaignManager.key(context)
        guard let record = try await context.withDatabase({ c in try CommerceRepository.campaign(key: key, on: c) }),
            let campaignId = record.externalId, let adGroupId = record.adGroupId
        else { throw fail("no prepared campaign for this run") }
        if !record.adIds.isEmpty {
            return ["action": "attach", "status": "live", "ad_ids": .array(record.adIds.map { .string($0) }), "deduplicated": true]
        }
        let posts = (input["published"]?["published"]?.arrayValue ?? []).compactMap { $0["publish_id"]?.stringValue }
        let campaign = input["campaign"] ?? [:]
        let spec = CampaignSpec(
            name: record.name, objective: record.objective, dailyBudgetUsd: record.budgetUsd,
            adText: campaign["ad_text"]?.stringValue ?? record.name, callToAction: campaign["call_to_action"]?.stringValue ?? "SHOP_NOW")
        let adIds: [String]
        do {
            guard !posts.isEmpty else { throw fail("no video was published, so there is nothing to advertise") }
            adIds = try await context.traceStep(.providerCall, "tiktok.ads.create_ads", request: ["posts": .number(posts.count)]) {
                try await context.providers.ads.createAds(
                    PreparedCampaign(campaignId: campaignId, adGroupId: adGroupId), spec: spec, postIds: posts)
            }
        } catch {
            await compensate(key, campaignId: campaignId, context)
            throw fail("the videos are live but their ads were not created; the campaign was switched off: \(error)")
        }
        _ = try await context.withDatabase { c in try CommerceRepository.setCampaign(key: key, status: .live, adIds: adIds, on: c) }
        return ["action": "attach", "status": "live", "campaign_id": .string(campaignId), "ad_ids": .array(adIds.map { .string($0) })]
    }

    func budget(_ input: AgentInput, _ context: AgentContext) async throws -> JSONValue {
        guard let change = input["budget_change"], let target = change["to_usd"]?.doubleValue,
            let local = change["campaign_id"]?.stringValue.flatMap(UUID.init(uuidString:)),
            let campaignId = change["external_id"]?.stringValue
        else { return ["action": "budget", "status": "skipped", "reason": "no budget change proposed"] }
        let from = change["from_usd"]?.doubleValue ?? 0
        let key = "\(context.workflowRunId.map(\.description) ?? context.agentRunId.description):budget:\(local)"
        let workspace = context.workspace
        let status = try await context.withDatabase { c -> String in
            let headroom = try SpendLedgerRepository.headroom(.ads, on: c)
            let increase = max(0, target - from)
            _ = try AdBudget.check(target, field: "budget_change.to_usd", headroom: SpendHeadroom(capUsd: headroom.capUsd, spentUsd: 0))
            if increase > 0 { try SpendLedgerRepository.charge(.ads, amount: increase, reference: key, on: c) }
            return try CommerceRepository.openBudgetChange(
                key: key, run: context.workflowRunId, campaign: local, fromUsd: from, toUsd: target, workspace: workspace, on: c)
        }
        if status == "applied" {
            return ["action": "budget", "status": "applied", "to_usd": .number(target), "deduplicated": true]
        }
        _ = try await context.traceStep(
            .providerCall, "tiktok.ads.update_budget", request: ["campaign_id": .string(campaignId), "budget_usd": .number(target)]
        ) {
            try await context.providers.ads.updateBudget(campaignId: campaignId, dailyBudgetUsd: target)
            return true
        }
        _ = try await context.withDatabase { c in
            try CommerceRepository.budgetChangeApplied(key: key, on: c)
            try OutboxRepository.append(
                topic: "audit-event",
                payload: [
                    "event": "ads.budget_changed", "workflow_run_id": context.workflowRunId.map { .string($0.description) } ?? .null,
                    "campaign_id": .string(campaignId), "from_usd": .number(from), "to_usd": .number(target),
                ], workspace: workspace, on: c)
        }
        return [
            "action": "budget", "status": "applied", "campaign_id": .string(campaignId), "from_usd": .number(from),
            "to_usd": .number(target),
        ]
    }
}
