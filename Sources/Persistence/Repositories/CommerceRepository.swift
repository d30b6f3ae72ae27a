import Core
import Foundation

/// Products synced from a shop, ad campaigns and posts: what the commerce agents write, each
/// row keyed so a retried step finds what an earlier attempt did.
public enum CommerceRepository {
    /// Inserts or refreshes a TikTok Shop product.
    public static func upsertProduct(
        id: String, title: String, priceUsd: Double, inventory: Int, workspace: WorkspaceID, on connection: Connection
    ) throws {
        try connection.query(
            """
            INSERT INTO tiktok_products (workspace_id, source, external_id, title, price_usd, inventory) VALUES (\(workspace), 'tiktok_shop', \(id), \(title), \(priceUsd), \(inventory))
            ON CONFLICT (workspace_id, source, external_id) DO UPDATE SET title = \(title), price_usd = \(priceUsd), inventory = \(inventory), updated_at = now()
            """)
    }

    /// Records the campaign under `key` (once) and returns its row: a retried step finds what an
    /// earlier attempt prepared.
    public static func openCampaign(
        key: String, run: WorkflowRunID?, name: String, objective: String, budgetUsd: Double, workspace: WorkspaceID,
        on connection: Connection
    ) throws -> CampaignRecord {
        try connection.query(
            """
            INSERT INTO tiktok_ad_campaigns (workspace_id, run_id, name, objective, budget_usd, idempotency_key) VALUES (\(workspace), \(run), \(name), \(objective), \(budgetUsd), \(key))
            ON CONFLICT (workspace_id, idempotency_key) DO UPDATE SET name = tiktok_ad_campaigns.name
            RETURNING \(CampaignRecord.columns)
            """
        ).first!.decode(CampaignRecord.self)
    }

    /// The campaign recorded under `key`.
    public static func campaign(key: String, on connection: Connection) throws -> CampaignRecord? {
        try connection.query("SELECT \(CampaignRecord.columns) FROM tiktok_ad_campaigns WHERE idempotency_key = \(key)").first?.decode(
            CampaignRecord.self)
    }

    /// The most recent campaign that went live (the one a budget change applies to).
    public static func latestLiveCampaign(on connection: Connection) throws -> CampaignRecord? {
        try connection.query(
            "SELECT \(CampaignRecord.columns) FROM tiktok_ad_campaigns WHERE status IN ('live', 'launched') AND external_id IS NOT NULL ORDER BY created_at DESC LIMIT 1"
        ).first?.decode(CampaignRecord.self)
    }

    /// Moves the campaign under `key` to `status`, recording ids the provider returned.
    public static func setCampaign(
        key: String, status: CampaignRecord.Status, externalId: String? = nil, adGroupId: String? = nil, adIds: [String]? = nil,
        on connection: Connection
    ) throws {
        try connection.query(
            """
            UPDATE tiktok_ad_campaigns SET status = \(status.rawValue), external_id = COALESCE(\(externalId), external_id),
                adgroup_external_id = COALESCE(\(adGroupId), adgroup_external_id), ad_external_ids = COALESCE(\(adIds.map { JSONValue.array($0.map { .string($0) }) }), ad_external_ids), updated_at = now()
            WHERE idempotency_key = \(key)
            """)
    }

    /// Records a budget change under `key` (once); its status says whether it was applied.
    public static func openBudgetChange(
        key: String, run: WorkflowRunID?, campaign: UUID, fromUsd: Double, toUsd: Double, workspace: WorkspaceID,
        on connection: Connection
    ) throws -> String {
        try connection.query(
            """
            INSERT INTO tiktok_budget_changes (workspace_id, run_id, campaign_id, from_usd, to_usd, idempotency_key) VALUES (\(workspace), \(run), \(campaign), \(fromUsd), \(toUsd), \(key))
            ON CONFLICT (workspace_id, idempotency_key) DO UPDATE SET to_usd = tiktok_budget_changes.to_usd RETURNING status
            """
        ).first!.string("status")
    }

    /// Marks the change applied and the campaign's daily budget changed, in one transaction.
    public static func budgetChangeApplied(key: String, on connection: Connection) throws {
        try connection.query(
            """
            WITH change AS (
                UPDATE tiktok_budget_changes SET status = 'applied', applied_at = now() WHERE idempotency_key = \(key) RETURNING campaign_id, to_usd)
            UPDATE tiktok_ad_campaigns c SET budget_usd = change.to_usd, updated_at = now() FROM change WHERE c.id = change.campaign_id
            """)
    }

    /// How a publisher stands with the post under `key`, recorded first if new.
    public enum PostClaim: Sendable, Equatable {
        /// Published before, with this external id.
        case published(String?)
        /// This agent run may publish it now.
        case claimed
        /// Another live agent run is publishing it.
        case held
    }

    /// Records the post (once) and claims it for `agentRun`: a post that is pending, failed, or
    /// left `publishing` by an agent run that is no longer running.
    public static func claimPost(
        key: String, run: WorkflowRunID?, caption: String, assetURI: String, agentRun: AgentRunID, workspace: WorkspaceID,
        on connection: Connection
    ) throws -> PostClaim {
        try connection.query(
            "INSERT INTO tiktok_posts (workspace_id, run_id, caption, asset_uri, idempotency_key) VALUES (\(workspace), \(run), \(caption), \(assetURI), \(key)) ON CONFLICT (workspace_id, idempotency_key) DO NOTHING"
        )
        if let done = try connection.query("SELECT external_id FROM tiktok_posts WHERE idempotency_key = \(key) AND status = 'published'")
            .first
        {
            return .published(done["external_id"])
        }
        let claimed =
            try connection.query(
                """
                UPDATE tiktok_posts SET status = 'publishing', claimed_by = \(agentRun) WHERE idempotency_key = \(key) AND (status IN ('pending', 'failed')
                    OR (status = 'publishing' AND NOT EXISTS (SELECT 1 FROM tiktok_agent_runs a WHERE a.id = tiktok_posts.claimed_by AND a.status = 'running')))
                RETURNING id
                """
            ).first != nil
        return claimed ? .claimed : .held
    }

    public static func postPublished(key: String, externalId: String, on connection: Connection) throws {
        try connection.query(
            "UPDATE tiktok_posts SET status = 'published', external_id = \(externalId), published_at = now() WHERE idempotency_key = \(key)"
        )
    }

    public static func postFailed(key: String, on connection: Connection) throws {
        try connection.query("UPDATE tiktok_posts SET status = 'failed' WHERE idempotency_key = \(key)")
    }
}

/// A paid campaign as recorded: prepared switched off before the approval gate, live after it.
public struct CampaignRecord: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case pending, prepared, live, launched, disabled, failed
    }
    public var id: UUID
    public var name: String
    public var objective: String
    public var budgetUsd: Double
    public var status: Status
    public var externalId: String?
    public var adGroupId: String?
    public var adIds: [String]

    static let columns: SQLQuery =
        "id, name, objective, budget_usd, status, external_id, adgroup_external_id AS ad_group_id, ad_external_ids AS ad_ids"

}
