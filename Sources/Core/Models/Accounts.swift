import Foundation

/// What a connected account lets the workspace do.
public enum AccountKind: String, Codable, Sendable, CaseIterable {
    /// Login Kit: the Display API (profile, videos) and Content Posting.
    case tiktok
    /// A TikTok account authorized to the TikTok API for Business: insights, comments, replies.
    case tiktokBusiness = "tiktok_business"
    /// A Marketing API advertiser: campaigns, ad groups, ads.
    case tiktokAds = "tiktok_ads"
    /// A TikTok Shop seller.
    case tiktokShop = "tiktok_shop"
    /// A Shopify store's Admin API.
    case shopify

    /// How the dashboard names it.
    public var title: String {
        switch self {
        case .tiktok: "TikTok account"
        case .tiktokBusiness: "TikTok Business account"
        case .tiktokAds: "TikTok Ads advertiser"
        case .tiktokShop: "TikTok Shop"
        case .shopify: "Shopify store"
        }
    }

    /// The scopes the connect flow asks for.
    public var requestedScopes: [String] {
        switch self {
        case .tiktok: ["user.info.basic", "user.info.profile", "user.info.stats", "video.list", "video.publish"]
        case .tiktokBusiness: ["user.info.basic", "user.info.stats", "video.list", "comment.list", "comment.list.manage"]
        case .tiktokAds, .tiktokShop, .shopify: []
        }
    }

    /// What stops working when `scope` was not granted.
    public static func consequence(ofMissing scope: String) -> String {
        switch scope {
        case "user.info.basic": "the account's name and avatar cannot be read"
        case "user.info.profile": "the bio and verification cannot be read"
        case "user.info.stats": "follower, like and video counts cannot be read"
        case "video.list": "the account's videos and their metrics cannot be read"
        case "video.publish": "approved videos cannot be published"
        case "comment.list": "comments cannot be read"
        case "comment.list.manage": "replies cannot be posted"
        default: "features needing \(scope) will fail"
        }
    }
}

/// Whether a connected account's tokens work.
public enum AccountStatus: String, Codable, Sendable, CaseIterable {
    case active
    /// The refresh token expires within a week: reconnect soon.
    case expiring
    /// The provider refused the tokens (revoked, refresh failed): the owner must connect again.
    case needsReauth = "needs_reauth"
    case disconnected
}

/// An account a workspace connected: what is known about it, never its tokens.
public struct ConnectedAccount: Codable, Sendable, Equatable {
    public var id: UUID
    public var workspaceId: WorkspaceID
    public var kind: AccountKind
    /// `open_id` (TikTok, Business), `advertiser_id`, the shop's id or domain; a string always.
    public var externalId: String
    public var handle: String
    public var displayName: String?
    public var scopes: [String]
    public var status: AccountStatus
    public var expiresAt: Date?
    public var refreshExpiresAt: Date?
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, workspaceId: WorkspaceID, kind: AccountKind, externalId: String, handle: String, displayName: String?, scopes: [String],
        status: AccountStatus, expiresAt: Date?, refreshExpiresAt: Date?, lastError: String?, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.workspaceId = workspaceId
        self.kind = kind
        self.externalId = externalId
        self.handle = handle
        self.displayName = displayName
        self.scopes = scopes
        self.status = status
        self.expiresAt = expiresAt
        self.refreshExpiresAt = refreshExpiresAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The requested scopes the owner did not grant.
    public var missingScopes: [String] { kind.requestedScopes.filter { !scopes.contains($0) } }
}

/// What an OAuth token endpoint granted.
public struct TokenGrant: Sendable, Equatable {
    public var externalId: String
    public var accessToken: String
    public var refreshToken: String?
    public var expiresIn: Int?
    public var refreshExpiresIn: Int?
    public var scopes: [String]

    public init(externalId: String, accessToken: String, refreshToken: String?, expiresIn: Int?, refreshExpiresIn: Int?, scopes: [String]) {
        self.externalId = externalId
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresIn = expiresIn
        self.refreshExpiresIn = refreshExpiresIn
        self.scopes = scopes
    }
}

/// A usable credential of one account, handed to a provider call; never logged or stored.
public struct AccountCredential: Sendable {
    public var accountId: UUID
    public var kind: AccountKind
    public var externalId: String
    public var handle: String
    public var accessToken: String

    public init(accountId: UUID, kind: AccountKind, externalId: String, handle: String, accessToken: String) {
        self.accountId = accountId
        self.kind = kind
        self.externalId = externalId
        self.handle = handle
        self.accessToken = accessToken
    }
}
