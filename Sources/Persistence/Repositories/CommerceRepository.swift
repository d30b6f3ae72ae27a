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
            INSERT INTO tiktok_products (workspace_id, source, external_id, title, price_usd, inventory) VALUES ($1, 'tiktok_shop', $2, $3, $4, $5)
            ON CONFLICT (workspace_id, source, external_id) DO UPDATE SET title = $3, price_usd = $4, inventory = $5, updated_at = now()
            """, workspace, id, title, priceUsd, inventory)
    }

    /// Records the campaign under `key` (once); the external id when an earlier attempt already launched it.
    public static func openCampaign(
        key: String, run: WorkflowRunID?, name: String, objective: String, budgetUsd: Double, workspace: WorkspaceID,
        on connection: Connection
    ) throws -> String? {
        try connection.query(
            """
            INSERT INTO tiktok_ad_campaigns (workspace_id, run_id, name, objective, budget_usd, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (workspace_id, idempotency_key) DO UPDATE SET name = tiktok_ad_campaigns.name
            RETURNING external_id, status
            """, workspace, run, name, objective, budgetUsd, key
        ).first.flatMap { $0["status"] == "launched" ? $0["external_id"] : nil }
    }

    public static func campaignFailed(key: String, on connection: Connection) throws {
        try connection.query("UPDATE tiktok_ad_campaigns SET status = 'failed' WHERE idempotency_key = $1", key)
    }

    public static func campaignLaunched(key: String, externalId: String, on connection: Connection) throws {
        try connection.query(
            "UPDATE tiktok_ad_campaigns SET external_id = $2, status = 'launched' WHERE idempotency_key = $1", key, externalId)
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
            "INSERT INTO tiktok_posts (workspace_id, run_id, caption, asset_uri, idempotency_key) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (workspace_id, idempotency_key) DO NOTHING",
            workspace, run, caption, assetURI, key)
        if let done = try connection.query("SELECT external_id FROM tiktok_posts WHERE idempotency_key = $1 AND status = 'published'", key)
            .first
        {
            return .published(done["external_id"])
        }
        let claimed =
            try connection.query(
                """
                UPDATE tiktok_posts SET status = 'publishing', claimed_by = $2 WHERE idempotency_key = $1 AND (status IN ('pending', 'failed')
                    OR (status = 'publishing' AND NOT EXISTS (SELECT 1 FROM tiktok_agent_runs a WHERE a.id = tiktok_posts.claimed_by AND a.status = 'running')))
                RETURNING id
                """, key, agentRun
            ).first != nil
        return claimed ? .claimed : .held
    }

    public static func postPublished(key: String, externalId: String, on connection: Connection) throws {
        try connection.query(
            "UPDATE tiktok_posts SET status = 'published', external_id = $2, published_at = now() WHERE idempotency_key = $1", key,
            externalId)
    }

    public static func postFailed(key: String, on connection: Connection) throws {
        try connection.query("UPDATE tiktok_posts SET status = 'failed' WHERE idempotency_key = $1", key)
    }
}
