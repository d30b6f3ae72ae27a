import Core
import Foundation

/// The shop catalogue.
public protocol TikTokShopAPI: Sendable {
    func searchProducts(pageSize: Int) async throws -> [ShopProduct]
}

/// The live TikTok Shop API with request signing.
public struct LiveTikTokShop: TikTokShopAPI {
    public var baseURL: String
    private let appKey: String?
    private let appSecret: String?
    private let accessToken: String?
    public var shopCipher: String?
    public var transport: any HTTPTransport
    public var retry: RetryPolicy
    public var clock: Clock

    public init(
        baseURL: String, appKey: String?, appSecret: String?, accessToken: String?, shopCipher: String?, transport: any HTTPTransport,
        retry: RetryPolicy = RetryPolicy(), clock: Clock = .system
    ) {
        self.baseURL = baseURL
        self.appKey = appKey
        self.appSecret = appSecret
        self.accessToken = accessToken
        self.shopCipher = shopCipher
        self.transport = transport
        self.retry = retry
        self.clock = clock
    }

    /// The TikTok Shop signature: query parameters except `sign` and `access_token` sorted by key
    /// and concatenated as `key+value`, prefixed with the path, followed by the exact body bytes,
    /// wrapped in the app secret at both ends; HMAC-SHA256 keyed with the app secret, lowercase hex.
    public static func sign(path: String, query: [String: String], body: Data?, appSecret: String) -> String {
        let parameters = query.filter { $0.key != "sign" && $0.key != "access_token" }.sorted { $0.key < $1.key }
        var input = Array(path.utf8)
        for (key, value) in parameters { input += Array((key + value).utf8) }
        if let body { input += Array(body) }
        let wrapped = Array(appSecret.utf8) + input + Array(appSecret.utf8)
        return Crypto.hex(Crypto.hmacSHA256(key: Array(appSecret.utf8), data: wrapped))
    }

    public func searchProducts(pageSize: Int) async throws -> [ShopProduct] {
        guard let appKey else { throw ProviderError.notConfigured("tiktok_shop", "TIKTOK_SHOP_APP_KEY") }
        guard let appSecret else { throw ProviderError.notConfigured("tiktok_shop", "TIKTOK_SHOP_APP_SECRET") }
        guard let accessToken else { throw ProviderError.notConnected(.tiktokShop, nil) }
        let path = "/product/202309/products/search"
        var query = [
            "app_key": appKey, "timestamp": String(Int(clock.now().timeIntervalSince1970)), "page_size": String(min(pageSize, 100)),
        ]
        if let shopCipher { query["shop_cipher"] = shopCipher }
        let body = Data(JSONValue.object(["status": "ACTIVATE"]).jsonString.utf8)
        query["sign"] = Self.sign(path: path, query: query, body: body, appSecret: appSecret)
        let queryString = query.sorted { $0.key < $1.key }.map { "\($0.key)=\(queryEscape($0.value))" }.joined(separator: "&")
        let request = HTTPRequest(
            method: "POST", url: baseURL + path + "?" + queryString,
            headers: [HTTPHeader("x-tts-access-token", accessToken), HTTPHeader("content-type", "application/json")], body: body)
        let response = try await perform(request, provider: "tiktok_shop", transport: transport, retry: retry)
        guard let json = response.json else {
            throw ProviderError(
                provider: "tiktok_shop", status: response.status, code: "malformed_response", message: "response is not JSON")
        }
        let code = json["code"]?.intValue ?? -1
        guard response.status == 200, code == 0 else {
            throw ProviderError(
                provider: "tiktok_shop", status: response.status, code: String(code),
                message: json["message"]?.stringValue ?? "request failed", logId: json["request_id"]?.stringValue)
        }
        return (json["data"]?["products"]?.arrayValue ?? []).map { item in
            let sku = item["skus"]?.arrayValue?.first
            return ShopProduct(
                id: item["id"]?.stringValue ?? "", sku: sku?["seller_sku"]?.stringValue, title: item["title"]?.stringValue ?? "",
                status: item["status"]?.stringValue ?? "",
                priceUsd: Double(sku?["price"]?["sale_price"]?.stringValue ?? "") ?? 0,
                inventory: sku?["inventory"]?.arrayValue?.compactMap { $0["quantity"]?.intValue }.reduce(0, +) ?? 0)
        }
    }
}
