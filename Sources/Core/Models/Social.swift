import Foundation

/// A TikTok account the workspace manages or watches.
public struct Account: Codable, Sendable, Equatable {
    public var id: UUID
    public var workspaceId: WorkspaceID
    public var handle: String
    public var openId: String?
    public var displayName: String?
    public var followerCount: Int
    public var data: JSONValue
    public var createdAt: Date
}

/// A post published (or to be published) to TikTok.
public struct Post: Codable, Sendable, Equatable {
    public var id: UUID
    public var workspaceId: WorkspaceID
    public var accountId: UUID?
    public var runId: WorkflowRunID?
    public var externalId: String?
    public var caption: String
    public var assetUri: String?
    public var status: String
    /// One post per key: a retried publish step never posts twice.
    public var idempotencyKey: String
    public var publishedAt: Date?
    public var createdAt: Date
}

/// A metrics snapshot of a post.
public struct PostMetric: Codable, Sendable, Equatable {
    public var id: UUID
    public var workspaceId: WorkspaceID
    public var postId: UUID
    public var capturedAt: Date
    public var views: Int
    public var likes: Int
    public var comments: Int
    public var shares: Int
}

/// A comment received on a post, with its triage.
public struct Comment: Codable, Sendable, Equatable {
    public var id: UUID
    public var workspaceId: WorkspaceID
    public var postId: UUID?
    public var externalId: String
    public var author: String?
    public var text: String
    public var classification: String?
    public var replyDraft: String?
    public var status: String
    public var createdAt: Date
}

/// A shop product from TikTok Shop or Shopify.
public struct Product: Codable, Sendable, Equatable {
    public var id: UUID
    public var workspaceId: WorkspaceID
    public var source: String
    public var externalId: String
    public var title: String
    public var priceUsd: Double?
    public var inventory: Int?
    public var updatedAt: Date
}

/// A paid campaign launched by the ads agent.
public struct AdCampaign: Codable, Sendable, Equatable {
    public var id: UUID
    public var workspaceId: WorkspaceID
    public var runId: WorkflowRunID?
    public var externalId: String?
    public var name: String
    public var objective: String
    public var budgetUsd: Double
    public var status: String
    public var idempotencyKey: String
    public var createdAt: Date
}

/// An event waiting to be published to the audit topic.
public struct OutboxEvent: Codable, Sendable, Equatable {
    public var id: UUID
    public var workspaceId: WorkspaceID
    public var topic: String
    public var payload: JSONValue
    public var createdAt: Date
    public var publishedAt: Date?
}

/// A received webhook delivery, kept so a redelivery is processed once.
public struct WebhookDelivery: Codable, Sendable, Equatable {
    public var id: UUID
    public var workspaceId: WorkspaceID
    public var source: String
    public var deliveryKey: String
    public var payload: JSONValue
    public var receivedAt: Date
}
