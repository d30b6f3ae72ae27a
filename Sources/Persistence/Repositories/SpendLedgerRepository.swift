import Core
import Foundation

/// A charge refused because it would take a daily cap over its limit.
public struct SpendCapExceeded: Error, Sendable, Equatable, CustomStringConvertible {
    public var category: SpendLedgerEntry.Category
    public var limitUsd: Double
    public var spentUsd: Double
    public var requestedUsd: Double

    public var description: String {
        String(format: "%@ daily spend cap exceeded: limit $%.2f, already spent $%.4f, this charge $%.4f",
               category == .claude ? "Claude" : "Ads", limitUsd, spentUsd, requestedUsd)
    }
}

/// The per-workspace daily ledger behind the spend caps, with a running total per workspace,
/// category and day (`tiktok_spend_days`). A charge is one statement: the ledger entry and the
/// total's increment; the total's row lock serialises charges of a workspace until the charging
/// transaction ends, so the cap check is exact under any concurrency, and the `reference` makes
/// a charge idempotent.
public enum SpendLedgerRepository {
    /// Today's cap: the workspace's own row, else `fallback`.
    public static func cap(_ category: SpendLedgerEntry.Category, fallback: Double, on connection: Connection) throws -> Double {
        let column = category == .claude ? "claude_daily_usd" : "ads_daily_usd"
        return try connection.query("SELECT \(column) AS cap FROM tiktok_spend_caps").first.flatMap { try $0.optionalDouble("cap") } ?? fallback
    }

    public static func setCaps(workspace: WorkspaceID, claudeDailyUsd: Double?, adsDailyUsd: Double?, on connection: Connection) throws {
        try connection.query(
            """
            INSERT INTO tiktok_spend_caps (workspace_id, claude_daily_usd, ads_daily_usd) VALUES ($1, $2, $3)
            ON CONFLICT (workspace_id) DO UPDATE SET claude_daily_usd = $2, ads_daily_usd = $3, updated_at = now()
            """, workspace, claudeDailyUsd, adsDailyUsd)
    }

    /// Charges `amount` against today's cap unless `reference` was already charged (then nothing
    /// happens). Throws `SpendCapExceeded` when it does not fit; the caller's transaction then
    /// rolls the increment back. Must run inside a transaction.
    public static func charge(
        _ category: SpendLedgerEntry.Category, amount: Double, reference: String, capFallback: Double, workspace: WorkspaceID, on connection: Connection
    ) throws {
        let column = category == .claude ? "claude_daily_usd" : "ads_daily_usd"
        let row = try connection.query(
            """
            WITH entry AS (
                INSERT INTO tiktok_spend_ledger (workspace_id, day, category, amount_usd, reference) VALUES ($1, current_date, $2, $3, $4)
                ON CONFLICT (workspace_id, category, reference) DO NOTHING RETURNING amount_usd
            ), total AS (
                INSERT INTO tiktok_spend_days AS d (workspace_id, day, category, spent_usd) SELECT $1, current_date, $2, amount_usd FROM entry
                ON CONFLICT (workspace_id, day, category) DO UPDATE SET spent_usd = d.spent_usd + EXCLUDED.spent_usd RETURNING spent_usd
            )
            SELECT (SELECT spent_usd FROM total) AS spent, (SELECT \(column) FROM tiktok_spend_caps) AS cap
            """, workspace, category, amount, reference
        ).first!
        guard let spent = try row.optionalDouble("spent") else { return }
        let limit = try row.optionalDouble("cap") ?? capFallback
        guard spent <= limit + 1e-9 else {
            throw SpendCapExceeded(category: category, limitUsd: limit, spentUsd: spent - amount, requestedUsd: amount)
        }
    }

    /// Replaces a reservation with the actual amount (zero releases it), adjusting the day's total.
    public static func settle(_ category: SpendLedgerEntry.Category, reference: String, amount: Double, on connection: Connection) throws {
        try connection.query(
            """
            WITH entry AS (
                UPDATE tiktok_spend_ledger l SET amount_usd = $3
                FROM (SELECT id, amount_usd AS before FROM tiktok_spend_ledger WHERE category = $1 AND reference = $2 FOR UPDATE) o
                WHERE l.id = o.id RETURNING l.workspace_id, l.day, $3 - o.before AS delta
            )
            UPDATE tiktok_spend_days d SET spent_usd = greatest(0, d.spent_usd + entry.delta) FROM entry
            WHERE d.workspace_id = entry.workspace_id AND d.day = entry.day AND d.category = $1
            """, category, reference, amount)
    }

    /// Spent today in `category`.
    public static func spentToday(_ category: SpendLedgerEntry.Category, on connection: Connection) throws -> Double {
        try connection.query(
            "SELECT COALESCE(sum(spent_usd), 0) AS spent FROM tiktok_spend_days WHERE category = $1 AND day = current_date", category
        ).first!.double("spent")
    }
}

extension SpendLedgerEntry.Category: SQLEncodable {}

/// The audit outbox: events written in the same transaction as the change they describe, and
/// published to Pub/Sub later.
public enum OutboxRepository {
    public static func append(topic: String, payload: JSONValue, workspace: WorkspaceID, on connection: Connection) throws {
        try connection.query("INSERT INTO tiktok_outbox (workspace_id, topic, payload) VALUES ($1, $2, $3)", workspace, topic, payload)
    }

    public static func list(on connection: Connection) throws -> [OutboxEvent] {
        try connection.query("SELECT id, workspace_id, topic, payload, created_at, published_at FROM tiktok_outbox ORDER BY created_at, id").rows.map { row in
            OutboxEvent(id: try row.uuid("id"), workspaceId: try row.id("workspace_id"), topic: try row.string("topic"), payload: try row.json("payload"),
                        createdAt: try row.date("created_at"), publishedAt: try row.optionalDate("published_at"))
        }
    }
}
