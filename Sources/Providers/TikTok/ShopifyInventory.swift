import Core
import Foundation

/// Inventory of a brand on Shopify.
public protocol ShopifyInventoryAPI: Sendable {
    /// Stock per location of the variant with `sku` (through its 1:1 `inventoryItem`); empty
    /// when no variant has that SKU.
    func levels(sku: String) async throws -> [InventoryLevel]
}

/// The live GraphQL Admin API. Throttling arrives either as HTTP 429 or as HTTP 200 with
/// `errors[{message: "Throttled"}]`; both are retried with backoff.
public struct LiveShopifyInventory: ShopifyInventoryAPI {
    public var graphQLURL: String?
    private let accessToken: String?
    public var transport: any HTTPTransport
    public var retry: RetryPolicy

    public init(graphQLURL: String?, accessToken: String?, transport: any HTTPTransport, retry: RetryPolicy = RetryPolicy()) {
        self.graphQLURL = graphQLURL
        self.accessToken = accessToken
        self.transport = transport
        self.retry = retry
    }

    /// The variant found by SKU, its inventory item and that item's level at each location.
    static let query = """
        query Levels($sku: String!) { productVariants(first: 1, query: $sku) { nodes { id sku inventoryItem { id tracked \
        inventoryLevels(first: 50) { nodes { location { id name } quantities(names: ["available", "on_hand"]) { name quantity } } } } } } }
        """

    public func levels(sku: String) async throws -> [InventoryLevel] {
        guard let graphQLURL else { throw ProviderError.notConfigured("shopify", "SHOPIFY_GRAPHQL_URL") }
        guard let accessToken else { throw ProviderError.notConnected(.shopify, nil) }
        let request = HTTPRequest.json(
            "POST", graphQLURL, ["query": .string(Self.query), "variables": ["sku": .string("sku:" + sku)]],
            headers: [HTTPHeader("X-Shopify-Access-Token", accessToken)])
        let response = try await perform(request, provider: "shopify", transport: transport, retry: retry) { response in
            RetryPolicy.shouldRetry(response) || Self.isThrottled(response)
        }
        guard response.status == 200, let json = response.json else {
            throw ProviderError(
                provider: "shopify", status: response.status, code: "http_\(response.status)",
                message: response.text.prefix(200).description)
        }
        if let errors = json["errors"]?.arrayValue, let first = errors.first {
            let message = first["message"]?.stringValue ?? "GraphQL error"
            throw ProviderError(
                provider: "shopify", status: 200, code: message == "Throttled" ? "rate_limit_exceeded" : "graphql_error", message: message)
        }
        let variant = json["data"]?["productVariants"]?["nodes"]?.arrayValue?.first
        return (variant?["inventoryItem"]?["inventoryLevels"]?["nodes"]?.arrayValue ?? []).map { node in
            let quantities = node["quantities"]?.arrayValue ?? []
            func quantity(_ name: String) -> Int { quantities.first { $0["name"]?.stringValue == name }?["quantity"]?.intValue ?? 0 }
            return InventoryLevel(
                locationId: node["location"]?["id"]?.stringValue ?? "", available: quantity("available"), onHand: quantity("on_hand"))
        }
    }

    static func isThrottled(_ response: HTTPResponse) -> Bool {
        response.status == 200 && response.json?["errors"]?.arrayValue?.contains { $0["message"]?.stringValue == "Throttled" } == true
    }
}
