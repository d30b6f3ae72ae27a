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

/// The per-workspace daily ledger behind the spend caps. Charges to one workspace, category and
/// day are serialised by a transaction-scoped advisory lock, so the check and the insert are
/// exact under any concurrency; the `reference` makes a charge idempotent.
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
    /// happens). Throws `SpendCapExceeded` when it does not fit. Must run inside a transaction.
    public static func charge(
        _ category: SpendLedgerEntry.Category, amount: Double, reference: String, capFallback: Double, workspace: WorkspaceID, on connection: Connection
    ) throws {
        try connection.query("SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2 || ':' || current_date::text, 0))", workspace, category)
        if try connection.query("SELECT 1 FROM tiktok_spend_ledger WHERE category = $1 AND reference = $2", category, reference).first != nil { return }
        let limit = try cap(category, fallback: capFallback, on: connection)
        let spent = try connection.query(
            "SELECT COALESCE(sum(amount_usd), 0) AS spent FROM tiktok_spend_ledger WHERE category = $1 AND day = current_date", category
        ).first!.double("spent")
        guard spent + amount <= limit + 1e-9 else {
            throw SpendCapExceeded(category: category, limitUsd: limit, spentUsd: spent, requestedUsd: amount)
        }
        try connection.query(
            "INSERT INTO tiktok_spend_ledger (workspace_id, day, category, amount_usd, reference) VALUES ($1, current_date, $2, $3, $4)",
            workspace, category, amount, reference)
    }

    /// Replaces a reservation with the actual amount (zero releases it).
    public static func settle(_ category: SpendLedgerEntry.Category, reference: String, amount: Double, on connection: Connection) throws {
        try connection.query("UPDATE tiktok_spend_ledger SET amount_usd = $3 WHERE category = $1 AND reference = $2", category, reference, amount)
    }

    /// Spent today in `category`.
    public static func spentToday(_ category: SpendLedgerEntry.Category, on connection: Connection) throws -> Double {
        try connection.query("SELECT COALESCE(sum(amount_usd), 0) AS spent FROM tiktok_spend_ledger WHERE category = $1 AND day = current_date", category).first!.double("spent")
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
