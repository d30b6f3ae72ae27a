import Core
import Foundation

/// Live shops for one workspace: its connected TikTok Shop (the external id is the shop's
/// `shop_cipher`, the token its access token; app key and secret stay settings) and its connected
/// Shopify store (the external id is the `*.myshopify.com` domain).
public struct ConnectedShops: TikTokShopAPI, ShopifyInventoryAPI {
    public var accounts: any AccountDirectory
    public var tiktokShopBaseURL: String
    public var tiktokShopAppKey: String?
    public var tiktokShopAppSecret: String?
    /// The GraphQL Admin URL with `{shop}` standing for the store's domain.
    public var shopifyURLTemplate: String
    public var transport: any HTTPTransport
    public var retry: RetryPolicy

    public init(
        accounts: any AccountDirectory, tiktokShopBaseURL: String, tiktokShopAppKey: String?, tiktokShopAppSecret: String?,
        shopifyURLTemplate: String, transport: any HTTPTransport, retry: RetryPolicy = RetryPolicy()
    ) {
        self.accounts = accounts
        self.tiktokShopBaseURL = tiktokShopBaseURL
        self.tiktokShopAppKey = tiktokShopAppKey
        self.tiktokShopAppSecret = tiktokShopAppSecret
        self.shopifyURLTemplate = shopifyURLTemplate
        self.transport = transport
        self.retry = retry
    }

    public func searchProducts(pageSize: Int) async throws -> [ShopProduct] {
        let credential = try await accounts.credential(.tiktokShop, handle: nil)
        return try await LiveTikTokShop(
            baseURL: tiktokShopBaseURL, appKey: tiktokShopAppKey, appSecret: tiktokShopAppSecret, accessToken: credential.accessToken,
            shopCipher: credential.externalId, transport: transport, retry: retry
        ).searchProducts(pageSize: pageSize)
    }

    public func levels(sku: String) async throws -> [InventoryLevel] {
        let credential = try await accounts.credential(.shopify, handle: nil)
        let url = shopifyURLTemplate.replacingOccurrences(of: "{shop}", with: credential.externalId)
        return try await LiveShopifyInventory(graphQLURL: url, accessToken: credential.accessToken, transport: transport, retry: retry)
            .levels(sku: sku)
    }
}
