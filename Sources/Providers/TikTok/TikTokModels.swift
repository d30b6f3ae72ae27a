import Core
import Foundation

/// A public TikTok profile.
public struct TikTokProfile: Codable, Sendable, Equatable {
    public var handle: String
    public var displayName: String
    public var bio: String
    public var isVerified: Bool
    public var followerCount: Int
    public var followingCount: Int
    public var likesCount: Int
    public var videoCount: Int
    public init(
        handle: String, displayName: String, bio: String, isVerified: Bool, followerCount: Int, followingCount: Int, likesCount: Int,
        videoCount: Int
    ) {
        self.handle = handle
        self.displayName = displayName
        self.bio = bio
        self.isVerified = isVerified
        self.followerCount = followerCount
        self.followingCount = followingCount
        self.likesCount = likesCount
        self.videoCount = videoCount
    }
}

/// A video with its public counters.
public struct TikTokVideo: Codable, Sendable, Equatable {
    public var id: String
    public var description: String
    public var createTime: Int
    public var views: Int
    public var likes: Int
    public var comments: Int
    public var shares: Int
    public var hashtags: [String]
    public init(id: String, description: String, createTime: Int, views: Int, likes: Int, comments: Int, shares: Int, hashtags: [String]) {
        self.id = id
        self.description = description
        self.createTime = createTime
        self.views = views
        self.likes = likes
        self.comments = comments
        self.shares = shares
        self.hashtags = hashtags
    }
}

/// A public comment on a video.
public struct TikTokComment: Codable, Sendable, Equatable {
    public var id: String
    public var videoId: String
    public var text: String
    public var likes: Int
    /// Written by the account itself (a reply of ours).
    public var isOwner: Bool
    public init(id: String, videoId: String, text: String, likes: Int, isOwner: Bool = false) {
        self.id = id
        self.videoId = videoId
        self.text = text
        self.likes = likes
        self.isOwner = isOwner
    }
}

/// Audience breakdowns as shares (0...1).
public struct AudienceInsights: Codable, Sendable, Equatable {
    public var ages: [String: Double]
    public var genders: [String: Double]
    public var countries: [String: Double]
    public init(ages: [String: Double], genders: [String: Double], countries: [String: Double]) {
        self.ages = ages
        self.genders = genders
        self.countries = countries
    }
}

/// A TikTok Shop product.
public struct ShopProduct: Codable, Sendable, Equatable {
    public var id: String
    /// The first SKU's `seller_sku`: the key Shopify's variant is found by.
    public var sku: String?
    public var title: String
    public var status: String
    public var priceUsd: Double
    public var inventory: Int
    public init(id: String, sku: String? = nil, title: String, status: String, priceUsd: Double, inventory: Int) {
        self.id = id
        self.sku = sku
        self.title = title
        self.status = status
        self.priceUsd = priceUsd
        self.inventory = inventory
    }
}

/// Stock of one inventory item at one location.
public struct InventoryLevel: Codable, Sendable, Equatable {
    public var locationId: String
    public var available: Int
    public var onHand: Int
    public init(locationId: String, available: Int, onHand: Int) {
        self.locationId = locationId
        self.available = available
        self.onHand = onHand
    }
}

/// A campaign and its ad group, created switched off.
public struct PreparedCampaign: Codable, Sendable, Equatable {
    public var campaignId: String
    public var adGroupId: String
    public init(campaignId: String, adGroupId: String) {
        self.campaignId = campaignId
        self.adGroupId = adGroupId
    }
}

/// A campaign to prepare: what the reviewer sees at the gate is what is sent.
public struct CampaignSpec: Codable, Sendable, Equatable {
    public var name: String
    public var objective: String
    public var dailyBudgetUsd: Double
    public var adText: String
    public var callToAction: String
    public var optimizationGoal: String
    public var billingEvent: String
    public var locationIds: [String]
    public var ageGroups: [String]
    public var startTime: Date?

    public init(
        name: String, objective: String, dailyBudgetUsd: Double, adText: String, callToAction: String = "SHOP_NOW",
        optimizationGoal: String = "CLICK", billingEvent: String = "CPC", locationIds: [String] = [], ageGroups: [String] = [],
        startTime: Date? = nil
    ) {
        self.name = name
        self.objective = objective
        self.dailyBudgetUsd = dailyBudgetUsd
        self.adText = adText
        self.callToAction = callToAction
        self.optimizationGoal = optimizationGoal
        self.billingEvent = billingEvent
        self.locationIds = locationIds
        self.ageGroups = ageGroups
        self.startTime = startTime
    }
}

/// One day of a Business account's metrics (`/business/get/`).
public struct AccountDayMetrics: Codable, Sendable, Equatable {
    /// `YYYY-MM-DD` (UTC).
    public var date: String
    public var followers: Int
    public var newFollowers: Int
    public var videoViews: Int
    public var profileViews: Int
    public var likes: Int
    public var comments: Int
    public var shares: Int

    public init(
        date: String, followers: Int, newFollowers: Int, videoViews: Int, profileViews: Int, likes: Int, comments: Int, shares: Int
    ) {
        self.date = date
        self.followers = followers
        self.newFollowers = newFollowers
        self.videoViews = videoViews
        self.profileViews = profileViews
        self.likes = likes
        self.comments = comments
        self.shares = shares
    }

    /// `YYYY-MM-DD` in UTC, the API's date format.
    public static func day(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }
}

/// The outcome of publishing a video.
public struct PublishResult: Codable, Sendable, Equatable {
    public var publishId: String
    public var status: String
    public init(publishId: String, status: String) {
        self.publishId = publishId
        self.status = status
    }
}

/// A provider call that failed: HTTP status, the vendor's error code and message, its log id.
public struct ProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    public var provider: String
    public var status: Int?
    public var code: String
    public var message: String
    public var logId: String?

    public init(provider: String, status: Int? = nil, code: String, message: String, logId: String? = nil) {
        self.provider = provider
        self.status = status
        self.code = code
        self.message = message
        self.logId = logId
    }

    public var description: String {
        "\(provider) error \(code)\(status.map { " (HTTP \($0))" } ?? ""): \(message)\(logId.map { " [log \($0)]" } ?? "")"
    }

    /// Whether waiting and retrying can help.
    public var isTransient: Bool { (status ?? 0) == 429 || (status ?? 0) >= 500 || code == "transport" || code == "rate_limit_exceeded" }

    static func notConfigured(_ provider: String, _ variable: String) -> ProviderError {
        ProviderError(provider: provider, code: "not_configured", message: "\(variable) is not set")
    }

    static func transport(_ provider: String, _ error: any Error) -> ProviderError {
        ProviderError(provider: provider, code: "transport", message: "\(error)")
    }
}

/// Sends a request with retries and turns transport failures into `ProviderError`.
func perform(
    _ request: HTTPRequest, provider: String, transport: any HTTPTransport, retry: RetryPolicy,
    retryable: @Sendable (HTTPResponse) -> Bool = RetryPolicy.shouldRetry
) async throws -> HTTPResponse {
    do {
        return try await retry.send(request, over: transport, retryable: retryable)
    } catch let error as HTTPTransportError {
        throw ProviderError.transport(provider, error)
    }
}

/// Percent-encodes a query component.
func queryEscape(_ value: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
}
