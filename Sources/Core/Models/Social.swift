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

    public init(id: UUID, workspaceId: WorkspaceID, handle: String, openId: String? = nil, displayName: String? = nil, followerCount: Int, data: JSONValue, createdAt: Date) {
        self.id = id
        self.workspaceId = workspaceId
        self.handle = handle
        self.openId = openId
        self.displayName = displayName
        self.followerCount = followerCount
        self.data = data
        self.createdAt = createdAt
    }
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

    public init(id: UUID, workspaceId: WorkspaceID, accountId: UUID? = nil, runId: WorkflowRunID? = nil, externalId: String? = nil, caption: String, assetUri: String? = nil, status: String, idempotencyKey: String, publishedAt: Date? = nil, createdAt: Date) {
        self.id = id
        self.workspaceId = workspaceId
        self.accountId = accountId
        self.runId = runId
        self.externalId = externalId
        self.caption = caption
        self.assetUri = assetUri
        self.status = status
        self.idempotencyKey = idempotencyKey
        self.publishedAt = publishedAt
        self.createdAt = createdAt
    }
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

    public init(id: UUID, workspaceId: WorkspaceID, postId: UUID, capturedAt: Date, views: Int, likes: Int, comments: Int, shares: Int) {
        self.id = id
        self.workspaceId = workspaceId
        self.postId = postId
        self.capturedAt = capturedAt
        self.views = views
        self.likes = likes
        self.comments = comments
        self.shares = shares
    }
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

    public init(id: UUID, workspaceId: WorkspaceID, postId: UUID? = nil, externalId: String, author: String? = nil, text: String, classification: String? = nil, replyDraft: String? = nil, status: String, createdAt: Date) {
        self.id = id
        self.workspaceId = workspaceId
        self.postId = postId
        self.externalId = externalId
        self.author = author
        self.text = text
        self.classification = classification
        self.replyDraft = replyDraft
        self.status = status
        self.createdAt = createdAt
    }
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

    public init(id: UUID, workspaceId: WorkspaceID, source: String, externalId: String, title: String, priceUsd: Double? = nil, inventory: Int? = nil, updatedAt: Date) {
        self.id = id
        self.workspaceId = workspaceId
        self.source = source
        self.externalId = externalId
        self.title = title
        self.priceUsd = priceUsd
        self.inventory = inventory
        self.updatedAt = updatedAt
    }
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

    public init(id: UUID, workspaceId: WorkspaceID, runId: WorkflowRunID? = nil, externalId: String? = nil, name: String, objective: String, budgetUsd: Double, status: String, idempotencyKey: String, createdAt: Date) {
        self.id = id
        self.workspaceId = workspaceId
        self.runId = runId
        self.externalId = externalId
        self.name = name
        self.objective = objective
        self.budgetUsd = budgetUsd
        self.status = status
        self.idempotencyKey = idempotencyKey
        self.createdAt = createdAt
    }
}

/// An event waiting to be published to the audit topic.
public struct OutboxEvent: Codable, Sendable, Equatable {
    public var id: UUID
    public var workspaceId: WorkspaceID
    public var topic: String
    public var payload: JSONValue
    public var createdAt: Date
    public var publishedAt: Date?

    public init(id: UUID, workspaceId: WorkspaceID, topic: String, payload: JSONValue, createdAt: Date, publishedAt: Date? = nil) {
        self.id = id
        self.workspaceId = workspaceId
        self.topic = topic
        self.payload = payload
        self.createdAt = createdAt
        self.publishedAt = publishedAt
    }
}

/// A received webhook delivery, kept so a redelivery is processed once.
public struct WebhookDelivery: Codable, Sendable, Equatable {
    public var id: UUID
    public var workspaceId: WorkspaceID
    public var source: String
    public var deliveryKey: String
    public var payload: JSONValue
    public var receivedAt: Date

    public init(id: UUID, workspaceId: WorkspaceID, source: String, deliveryKey: String, payload: JSONValue, receivedAt: Date) {
        self.id = id
        self.workspaceId = workspaceId
        self.source = source
        self.deliveryKey = deliveryKey
        self.payload = payload
        self.receivedAt = receivedAt
    }
}
