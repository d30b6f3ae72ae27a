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
    public init(id: String, videoId: String, text: String, likes: Int) {
        self.id = id
        self.videoId = videoId
        self.text = text
        self.likes = likes
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
    public var title: String
    public var status: String
    public var priceUsd: Double
    public var inventory: Int
    public init(id: String, title: String, status: String, priceUsd: Double, inventory: Int) {
        self.id = id
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

/// What the Marketing API created for a campaign.
public struct LaunchedCampaign: Codable, Sendable, Equatable {
    public var campaignId: String
    public var adGroupId: String
    public var adId: String
    public init(campaignId: String, adGroupId: String, adId: String) {
        self.campaignId = campaignId
        self.adGroupId = adGroupId
        self.adId = adId
    }
}

/// A campaign to launch.
public struct CampaignSpec: Codable, Sendable, Equatable {
    public var name: String
    public var objective: String
    public var dailyBudgetUsd: Double
    public var videoId: String?
    public var adText: String
    public init(name: String, objective: String, dailyBudgetUsd: Double, videoId: String?, adText: String) {
        self.name = name
        self.objective = objective
        self.dailyBudgetUsd = dailyBudgetUsd
        self.videoId = videoId
        self.adText = adText
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
