import Core
import Foundation

/// An agent's record in the workspace: every run, and the averages of the succeeded ones.
public struct AgentStats: Sendable, Equatable {
    public var runs: Int
    public var failed: Int
    public var succeeded: Int
    public var averageCostUsd: Double
    public var averageLatencyMs: Double
}

/// Claude spend of the workspace today and this week (from the traced calls).
public struct SpendSummary: Sendable, Equatable {
    public var todayUsd: Double
    public var weekUsd: Double
}

/// One day's or one agent's cost.
public struct CostLine: Decodable, Sendable, Equatable {
    /// `yyyy-mm-dd`, or the agent's name.
    public var label: String
    public var costUsd: Double
    /// Agent runs behind the figure (per agent only).
    public var runs: Int
}

/// The figures the overview, the agent pages and `/metrics` show: read-only aggregates.
public enum InsightRepository {
    public static func agentStats(_ agent: String, on connection: Connection) throws -> AgentStats {
        let row = try connection.query(
            """
            SELECT count(*) AS runs, count(*) FILTER (WHERE status = 'failed') AS failed, count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
                   COALESCE(avg(cost_usd) FILTER (WHERE status = 'succeeded'), 0) AS avg_cost,
                   COALESCE(avg(latency_ms) FILTER (WHERE status = 'succeeded'), 0) AS avg_latency
            FROM tiktok_agent_runs WHERE agent_name = \(agent)
            """
        ).first!
        return AgentStats(
            runs: try row.int("runs"), failed: try row.int("failed"), succeeded: try row.int("succeeded"),
            averageCostUsd: try row.double("avg_cost"), averageLatencyMs: try row.double("avg_latency"))
    }

    public static func spend(on connection: Connection) throws -> SpendSummary {
        let row = try connection.query(
            """
            SELECT COALESCE(sum(cost_usd) FILTER (WHERE created_at >= date_trunc('day', now())), 0) AS today,
                   COALESCE(sum(cost_usd) FILTER (WHERE created_at >= date_trunc('week', now())), 0) AS week
            FROM tiktok_agent_steps WHERE created_at >= now() - interval '8 days'
            """
        ).first!
        return SpendSummary(todayUsd: try row.double("today"), weekUsd: try row.double("week"))
    }

    /// Cost per day of the last 14 days, oldest first, days without calls included.
    public static func costPerDay(on connection: Connection) throws -> [CostLine] {
        try connection.query(
            """
            SELECT to_char(d.day, 'YYYY-MM-DD') AS label, COALESCE(sum(s.cost_usd), 0) AS cost_usd, 0 AS runs
            FROM generate_series(date_trunc('day', now()) - interval '13 days', date_trunc('day', now()), interval '1 day') AS d(day)
            LEFT JOIN tiktok_agent_steps s ON date_trunc('day', s.created_at) = d.day
            GROUP BY d.day ORDER BY d.day
            """
        ).rows.map { try $0.decode(CostLine.self) }
    }

    /// Cost per agent, most expensive first.
    public static func costPerAgent(on connection: Connection) throws -> [CostLine] {
        try connection.query(
            "SELECT agent_name AS label, COALESCE(sum(cost_usd), 0) AS cost_usd, count(*) AS runs FROM tiktok_agent_runs GROUP BY agent_name ORDER BY cost_usd DESC"
        ).rows.map { try $0.decode(CostLine.self) }
    }

    /// Totals across workspaces for `/metrics` (a `SECURITY DEFINER` function): runs by status,
    /// Claude tokens by kind, Claude cost.
    public static func metricsSnapshot(on connection: Connection) throws -> [(metric: String, label: String, value: Double)] {
        try connection.query("SELECT metric, label, value FROM tiktok_metrics_snapshot()").rows.map {
            (try $0.string("metric"), try $0.string("label"), try $0.double("value"))
        }
    }
}
