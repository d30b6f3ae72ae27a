import Foundation

/// Something a person should look at: a failed run, an approval waiting too long, spend near a
/// cap, an account to reconnect, webhook deliveries refused.
public struct Alert: Codable, Sendable, Equatable {
    public var id: UUID
    /// `run_failed`, `approval_waiting`, `spend_near_cap`, `account_needs_reauth`, `webhook_rejected`.
    public var kind: String
    public var message: String
    /// The dashboard page to act on it.
    public var link: String?
    public var createdAt: Date
    /// When it was posted to the workspace's Slack webhook.
    public var notifiedAt: Date?

    public init(id: UUID, kind: String, message: String, link: String?, createdAt: Date, notifiedAt: Date?) {
        self.id = id
        self.kind = kind
        self.message = message
        self.link = link
        self.createdAt = createdAt
        self.notifiedAt = notifiedAt
    }
}

/// Where a workspace's alerts go and when a waiting approval becomes one.
public struct NotificationSettings: Codable, Sendable, Equatable {
    public var slackWebhookURL: String?
    public var approvalAlertMinutes: Int

    public init(slackWebhookURL: String?, approvalAlertMinutes: Int) {
        self.slackWebhookURL = slackWebhookURL
        self.approvalAlertMinutes = approvalAlertMinutes
    }
}
