import Core
import Foundation
import Persistence
import Providers

/// Products to feature, from TikTok Shop and Shopify stock.
public struct ShopCatalogManager: Agent {
    public init() {}
    public static let spec = AgentSpec(
        name: "shop_catalog_manager", title: "Shop Catalog Manager",
        description:
            "Syncs the TikTok Shop catalogue with Shopify inventory, stores it, and picks the products to feature in the campaign.",
        inputs: [
            .handle, .targetType, .notes, InputSpec("approved", .boolean, "Whether the campaign was approved"),
            InputSpec("captions", .object, "Caption Writer output"),
        ],
        options: [InputSpec("low_stock_threshold", .integer, default: 25, "Units below which a product is not featured")],
        outputs: [
            OutputSpec("products", .array, "Synced products"), OutputSpec("featured", .array, "Products to feature"),
            OutputSpec("low_stock", .array, "Products below the threshold"),
        ],
        workflows: ["campaign_launch"], tier: .fast)

    struct Product: Codable, Sendable {
        var id: String
        var title: String
        var priceUsd: Double
        var inventory: Int
    }

    struct Pick: Codable, Sendable {
        var productId: String
        var reason: String
    }

    struct Choice: Codable, Sendable {
        var featured: [Pick]
        var summary: String
    }

    public func execute(_ input: AgentInput, context: AgentContext) async throws -> JSONValue {
        let threshold = input.int("low_stock_threshold") ?? 25
        let catalogue = try await context.traceStep(.providerCall, "tiktok.shop.search_products") {
            try await context.providers.shop.searchProducts(pageSize: 20)
        }
        var products: [Product] = []
        for item in catalogue {
            let levels = try await context.traceStep(
                .providerCall, "shopify.inventory_levels", request: ["inventory_item_id": .string(item.id)]
            ) {
                try await context.providers.shopify.levels(inventoryItemId: item.id)
            }
            products.append(
                Product(id: item.id, title: item.title, priceUsd: item.priceUsd, inventory: levels.reduce(0) { $0 + $1.available }))
        }
        let workspace = context.workspace
        let synced = products
        _ = try await context.traceStep(.dbWrite, "tiktok_products.upsert", request: ["count": .number(synced.count)]) {
            try await context.withDatabase { c in
                for product in synced {
                    try CommerceRepository.upsertProduct(
                        id: product.id, title: product.title, priceUsd: product.priceUsd, inventory: product.inventory,
                        workspace: workspace, on: c)
                }
                return synced.count
            }
        }
        let inStock = products.filter { $0.inventory >= threshold }
        let choice = try await context.claudeJSON(
            Choice.self, role: "You merchandise TikTok Shop campaigns.", brand: try await context.brandContext(handle: input.handle),
            task:
                "\(input.briefContext)\nIn-stock products: \(json(inStock))\nCampaign captions: \(input["captions"]?.jsonString ?? "none")\nPick up to three products to feature.",
            example: [
                "featured": .array(
                    inStock.prefix(2).map {
                        ["product_id": .string($0.id), "reason": "Best match for the routine videos | Highest margin in stock"]
                    }),
                "summary": "Feature the hero products that appear in the videos. | Lead with the best seller.",
            ])
        let known = Set(inStock.map(\.id))
        let featured = choice.featured.filter { known.contains($0.productId) }
        return try JSONValue.from(
            Output(
                products: products, featured: featured, lowStock: products.filter { $0.inventory < threshold }.map(\.id),
                summary: choice.summary))
    }

    struct Output: Codable, Sendable {
        var products: [Product]
        var featured: [Pick]
        var lowStock: [String]
        var summary: String
    }
}

/// Paid campaigns under the daily ads cap.
public struct AdsCampaignManager: Agent {
    public init() {}
    public static let spec = AgentSpec(
        name: "ads_campaign_manager", title: "Ads Campaign Manager",
        description:
            "Launches the approved paid campaign on the Marketing API; hard-stops before any launch call when the daily ads cap would be exceeded.",
        inputs: [
            .handle, .targetType, .notes, InputSpec("approved", .boolean, required: true, "The approval gate's decision"),
            InputSpec("budget_usd", .number, default: 50, "Daily budget to launch with"),
            InputSpec("captions", .object, "Caption Writer output"), InputSpec("products", .object, "Shop Catalog Manager output"),
        ],
        outputs: [OutputSpec("launched", .boolean, "Whether a campaign was launched"), OutputSpec("budget_usd", .number, "Daily budget")],
        humanTouchpoints: ["The budget is approved at the approval gate", "Spend is capped per workspace per day"],
        workflows: ["campaign_launch"])

    struct Copy: Codable, Sendable {
        var name: String
        var objective: String
        var adText: String
    }

    public func execute(_ input: AgentInput, context: AgentContext) async throws -> JSONValue {
        guard input.bool("approved") == true else {
            return ["launched": false, "budget_usd": .number(input.double("budget_usd") ?? 0), "reason": "not approved"]
        }
        let budget = input.double("budget_usd") ?? 50
        guard budget > 0 else { throw AgentError(kind: .invalidInput, agent: Self.spec.name, message: "input budget_usd must be positive") }
        let key = "\(context.workflowRunId.map(\.description) ?? context.agentRunId.description):ads"
        let workspace = context.workspace
        // Hard stop: the budget is charged against the daily cap before any launch call.
        try await context.withDatabase { c in try SpendLedgerRepository.charge(.ads, amount: budget, reference: key, on: c) }
        let copy = try await context.claudeJSON(
            Copy.self, role: "You set up TikTok ad campaigns.", brand: try await context.brandContext(handle: input.handle),
            task:
                "\(input.briefContext)\nDaily budget: $\(budget)\nCaptions: \(input["captions"]?.jsonString ?? "none")\nProducts: \(input["products"]?.jsonString ?? "none")\nName the campaign and write its ad text.",
            example: [
                "name": .string("\(input.handle) spring launch"), "objective": "TRAFFIC | REACH | VIDEO_VIEWS",
                "ad_text": "Five steps to your best skin. Shop now.",
            ])
        let existing = try await context.withDatabase { c in
            try CommerceRepository.openCampaign(
                key: key, run: context.workflowRunId, name: copy.name, objective: copy.objective, budgetUsd: budget, workspace: workspace,
                on: c)
        }
        if let existing {
            return [
                "launched": true, "budget_usd": .number(budget), "campaign_id": .string(existing), "name": .string(copy.name),
                "deduplicated": true,
            ]
        }
        let spec = CampaignSpec(name: copy.name, objective: copy.objective, dailyBudgetUsd: budget, videoId: nil, adText: copy.adText)
        let launched: LaunchedCampaign
        do {
            launched = try await context.traceStep(
                .providerCall, "tiktok.ads.launch", request: ["name": .string(copy.name), "budget_usd": .number(budget)]
            ) {
                try await context.providers.ads.launch(spec, idempotencyKey: key)
            }
        } catch {
            _ = try? await context.withDatabase { c in
                try SpendLedgerRepository.settle(.ads, reference: key, amount: 0, on: c)
                try CommerceRepository.campaignFailed(key: key, on: c)
            }
            throw error
        }
        _ = try await context.withDatabase { c in
            try CommerceRepository.campaignLaunched(key: key, externalId: launched.campaignId, on: c)
        }
        return [
            "launched": true, "budget_usd": .number(budget), "campaign_id": .string(launched.campaignId),
            "ad_group_id": .string(launched.adGroupId),
            "ad_id": .string(launched.adId), "name": .string(copy.name), "objective": .string(copy.objective),
        ]
    }
}

/// Posts approved videos (and queues approved comment replies), exactly once each.
public struct Publisher: Agent {
    public init() {}
    public static let spec = AgentSpec(
        name: "publisher", title: "Publisher",
        description:
            "Publishes approved videos with their captions, and queues approved comment replies. Each post has an idempotency key, so a retried step never posts twice.",
        inputs: [
            .handle, .targetType, .notes, InputSpec("approved", .boolean, required: true, "The approval gate's decision"),
            InputSpec("assets", .object, "Content Producer output"), InputSpec("captions", .object, "Caption Writer output"),
            InputSpec("replies", .object, "Comment Triage output (post-launch replies)"),
        ],
        outputs: [
            OutputSpec("published", .array, "Posts published or already published"),
            OutputSpec("replies_queued", .integer, "Comment replies queued"),
        ],
        humanTouchpoints: ["Nothing is published without approval"],
        workflows: ["campaign_launch", "post_launch_loop"])

    struct Posted: Codable, Sendable {
        var idempotencyKey: String
        var publishId: String
        var asset: String
        var deduplicated: Bool
    }

    public func execute(_ input: AgentInput, context: AgentContext) async throws -> JSONValue {
        guard input.bool("approved") == true else {
            return ["published": [], "replies_queued": 0, "skipped": "not approved"]
        }
        let workspace = context.workspace
        let run = context.workflowRunId
        let scope = run?.description ?? context.agentRunId.description
        let captions = input["captions"]?["captions"]?.arrayValue ?? []
        var posted: [Posted] = []
        for (index, asset) in (input["assets"]?["assets"]?.arrayValue ?? []).enumerated() {
            guard let assetId = asset["asset_id"]?.stringValue, MediaAsset.isValid(assetId) else { continue }
            let path = MediaAsset.path(assetId, in: context.environment.mediaDir + "/" + workspace.description)
            let title = asset["script_title"]?.stringValue ?? ""
            let caption: JSONValue? =
                captions.first { $0["script_title"]?.stringValue == title } ?? (index < captions.count ? captions[index] : nil)
            let text = ([caption?["caption"]?.stringValue ?? title] + (caption?["hashtags"]?.arrayValue?.compactMap(\.stringValue) ?? []))
                .joined(separator: " ")
            let key = "\(scope):" + Crypto.sha256Hex(assetId).prefix(16)
            let claim = try await context.withDatabase { c in
                try CommerceRepository.claimPost(
                    key: key, run: run, caption: text, assetURI: MediaAsset.url(assetId), agentRun: context.agentRunId,
                    workspace: workspace, on: c)
            }
            if case .published(let externalId?) = claim {
                posted.append(Posted(idempotencyKey: key, publishId: externalId, asset: assetId, deduplicated: true))
                continue
            }
            guard claim == .claimed else {
                throw AgentError(
                    kind: .failed, agent: Self.spec.name, message: "post \(key) is being published by another worker", isTransient: true)
            }
            do {
                let result = try await context.traceStep(
                    .providerCall, "tiktok.publish", request: ["asset": .string(assetId), "idempotency_key": .string(key)]
                ) {
                    try await context.providers.publisher.publish(videoPath: path, caption: text, handle: input.handle)
                }
                _ = try await context.withDatabase { c in
                    try CommerceRepository.postPublished(key: key, externalId: result.publishId, on: c)
                }
                posted.append(Posted(idempotencyKey: key, publishId: result.publishId, asset: assetId, deduplicated: false))
            } catch {
                _ = try? await context.withDatabase { c in try CommerceRepository.postFailed(key: key, on: c) }
                throw error
            }
        }
        let replies = input["replies"]?["replies"]?.arrayValue ?? []
        let queued = try await context.withDatabase { c in
            var count = 0
            for reply in replies {
                guard let id = reply["comment_id"]?.stringValue, let text = reply["reply"]?.stringValue, !text.isEmpty else { continue }
                if try CommentRepository.queueReply(id: id, text: text, on: c) { count += 1 }
            }
            return count
        }
        return ["published": try JSONValue.from(posted), "replies_queued": .number(queued)]
    }
}
