import Core
import Foundation

/// A charge refused because it would take a daily cap over its limit.
public struct SpendCapExceeded: Error, Sendable, Equatable, CustomStringConvertible {
    public var category: SpendLedgerEntry.Category
    public var limitUsd: Double
    public var spentUsd: Double
    public var requestedUsd: Double

    public var description: String {
        String(
            format: "%@ daily spend cap exceeded: limit $%.2f, already spent $%.4f, this charge $%.4f",
            category == .claude ? "Claude" : "Ads", limitUsd, spentUsd, requestedUsd)
    }
}

/// The per-workspace daily ledger behind the spend caps, with a running total per workspace,
/// category and day (`tiktok_spend_days`, the sum of the day's rows). Charging and settling are
/// single statements (`tiktok_charge_spend`, `tiktok_settle_spend`): the charges row's lock
/// serialises charges of a workspace, so the cap check is exact under any concurrency, and the
/// `reference` makes a charge idempotent. A settlement below its reservation adds its refund to
/// a refund row instead, without waiting for charges. Called on a connection outside a
/// transaction (`Database.withConnection`), the lock is held only while the statement commits.
public enum SpendLedgerRepository {
    public static func setCaps(workspace: WorkspaceID, claudeDailyUsd: Double?, adsDailyUsd: Double?, on connection: Connection) throws {
        try connection.query(
            """
            INSERT INTO tiktok_spend_caps (workspace_id, claude_daily_usd, ads_daily_usd) VALUES (\(workspace), \(claudeDailyUsd), \(adsDailyUsd))
            ON CONFLICT (workspace_id) DO UPDATE SET claude_daily_usd = \(claudeDailyUsd), ads_daily_usd = \(adsDailyUsd), updated_at = now()
            """)
    }

    /// Charges `amount` to `workspace`'s cap for today unless `reference` was already charged
    /// (then nothing happens). Throws `SpendCapExceeded`, leaving nothing charged, when it does
    /// not fit.
    /// The workspace is the connection's scope (`Database.withWorkspace`); the cap is the
    /// workspace's, else the deployment's default (`configureDefaultCaps`).
    public static func charge(_ category: SpendLedgerEntry.Category, amount: Double, reference: String, on connection: Connection) throws {
        do {
            try connection.query(chargeStatement(category, amount, reference))
        } catch {
            throw refusal(error, category, amount)
        }
    }

    /// `charge` as a transaction of its own in `workspace`, in one round trip: the day's total
    /// is locked only while it commits.
    public static func charge(
        _ category: SpendLedgerEntry.Category, amount: Double, reference: String, workspace: WorkspaceID, in database: Database
    ) async throws {
        do {
            try await database.write(in: workspace, chargeStatement(category, amount, reference))
        } catch {
            throw refusal(error, category, amount)
        }
    }

    private static func chargeStatement(_ category: SpendLedgerEntry.Category, _ amount: Double, _ reference: String) -> SQLQuery {
        "SELECT spent_usd FROM tiktok_charge_spend(\(category), \(amount), \(reference))"
    }

    /// A charge the cap refused (SQLSTATE `TA001`, the figures in its detail) as `SpendCapExceeded`;
    /// any other error as it is.
    private static func refusal(_ error: any Error, _ category: SpendLedgerEntry.Category, _ amount: Double) -> any Error {
        guard let refused = error as? DatabaseError, refused.sqlState == "TA001" else { return error }
        let figures = (refused.detail ?? "").split(separator: " ").compactMap { Double($0) }
        return SpendCapExceeded(
            category: category, limitUsd: figures.count == 2 ? figures[1] : 0, spentUsd: figures.first ?? 0, requestedUsd: amount)
    }

    /// Replaces a charge's amount (zero releases it), adjusting the day's total.
    /// In the connection's workspace scope. Inside a transaction it runs last, just before
    /// `COMMIT`: the rows it locks (the charge's own, a refund row, or the charges row when the
    /// call cost more than it reserved) stay locked only while the transaction commits.
    public static func settle(_ category: SpendLedgerEntry.Category, reference: String, amount: Double, on connection: Connection) throws {
        try connection.sendAtCommit("SELECT tiktok_settle_spend(\(category), \(reference), \(amount))")
    }

    /// Sets the default daily caps (for workspaces without their own) where only the owner role
    /// can write and the charge function reads them.
    public static func configureDefaultCaps(claudeUsd: Double, adsUsd: Double, on owner: Connection) throws {
        try owner.query(
            """
            INSERT INTO tiktok_meta.spend_defaults (category, cap_usd) VALUES ('claude', \(claudeUsd)), ('ads', \(adsUsd))
            ON CONFLICT (category) DO UPDATE SET cap_usd = EXCLUDED.cap_usd
            """)
    }

    /// Spent today in `category`.
    public static func spentToday(_ category: SpendLedgerEntry.Category, on connection: Connection) throws -> Double {
        try connection.query(
            "SELECT COALESCE(sum(spent_usd), 0) AS spent FROM tiktok_spend_days WHERE category = \(category) AND day = current_date"
        ).first!.double("spent")
    }

    /// Today's cap in `category` for the connection's workspace and what is left of it.
    /// The workspace's own caps (nil where it uses the deployment's default).
    public static func ownCaps(on connection: Connection) throws -> (claude: Double?, ads: Double?) {
        guard
            let row = try connection.query("SELECT claude_daily_usd::float8 AS c, ads_daily_usd::float8 AS a FROM tiktok_spend_caps").first
        else { return (nil, nil) }
        return (try row.optionalDouble("c"), try row.optionalDouble("a"))
    }

    /// Spend per day of the last `days` days in `category`, oldest first (days with none left out).
    public static func perDay(_ category: SpendLedgerEntry.Category, days: Int, on connection: Connection) throws -> [(
        day: String, usd: Double
    )] {
        try connection.query(
            """
            SELECT to_char(day, 'YYYY-MM-DD') AS day, sum(spent_usd)::float8 AS usd FROM tiktok_spend_days
            WHERE category = \(category) AND day > current_date - \(days)::int GROUP BY day ORDER BY day
            """
        ).rows.map { (try $0.string("day"), try $0.double("usd")) }
    }

    public static func headroom(_ category: SpendLedgerEntry.Category, on connection: Connection) throws -> SpendHeadroom {
        let cap = try connection.query("SELECT tiktok_spend_cap(\(category)) AS cap").first!.double("cap")
        return SpendHeadroom(capUsd: cap, spentUsd: try spentToday(category, on: connection))
    }
}

/// A daily cap and what was spent against it today.
public struct SpendHeadroom: Sendable, Equatable, Codable {
    public var capUsd: Double
    public var spentUsd: Double
    public var leftUsd: Double { max(0, capUsd - spentUsd) }

    public init(capUsd: Double, spentUsd: Double) {
        self.capUsd = capUsd
        self.spentUsd = spentUsd
    }
}
