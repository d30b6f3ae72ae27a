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
            "Syncs the TikTok Shop catalogue with Shopify inventory (by SKU), stores it, and picks the products to feature, before the approval gate.",
        inputs: [
            .handle, .targetType, .notes, InputSpec("captions", .object, "Caption Writer output"),
        ],
        options: [InputSpec("low_stock_threshold", .integer, default: 25, "Units below which a product is not featured")],
        outputs: [
            OutputSpec("products", .array, "Synced products"), OutputSpec("featured", .array, "Products to feature"),
            OutputSpec("low_stock", .array, "Products below the threshold"),
        ],
        workflows: ["campaign_launch"], tier: .fast, actsOnTheWorld: true)

    struct Product: Codable, Sendable {
        var id: String
        var sku: String?
        var title: String
        var priceUsd: Double
        var inventory: Int
    }

    struct Pick: Codable, Sendable {
        var productId: String
        var reason: String
        var title: String?
        var priceUsd: Double?
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
            // Shopify finds the variant by the TikTok Shop SKU, then its inventory item's levels;
            // a product without a SKU (or unknown to Shopify) keeps TikTok Shop's own count.
            var inventory = item.inventory
            if let sku = item.sku, !sku.isEmpty {
                let levels = try await context.traceStep(.providerCall, "shopify.inventory_levels", request: ["sku": .string(sku)]) {
                    try await context.providers.shopify.levels(sku: sku)
                }
                if !levels.isEmpty { inventory = levels.reduce(0) { $0 + $1.available } }
            }
            products.append(Product(id: item.id, sku: item.sku, title: item.title, priceUsd: item.priceUsd, inventory: inventory))
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
        let known = Dictionary(inStock.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let featured = choice.featured.compactMap { pick -> Pick? in
            guard let product = known[pick.productId] else { return nil }
            return Pick(productId: pick.productId, reason: pick.reason, title: product.title, priceUsd: product.priceUsd)
        }
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
