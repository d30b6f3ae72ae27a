import Core
import Foundation

/// A workspace's choice of Claude model per agent (over the catalog tier's default).
public enum AgentModelRepository {
    /// Every choice of the workspace: agent name -> model id.
    public static func all(on connection: Connection) throws -> [String: String] {
        try choices(connection.query(allQuery))
    }

    static let allQuery: SQLQuery = "SELECT agent_name, model FROM tiktok_agent_models"

    static func choices(_ result: QueryResult) throws -> [String: String] {
        var choices: [String: String] = [:]
        for row in result.rows { choices[try row.string("agent_name")] = try row.string("model") }
        return choices
    }

    /// The model chosen for `agent`, if any.
    public static func model(for agent: String, on connection: Connection) throws -> String? {
        try connection.query("SELECT model FROM tiktok_agent_models WHERE agent_name = \(agent)").first?["model"]
    }

    /// Chooses `model` for `agent`, or with `nil` goes back to the default.
    public static func set(_ model: String?, for agent: String, workspace: WorkspaceID, on connection: Connection) throws {
        if let model {
            try connection.query(
                """
                INSERT INTO tiktok_agent_models (workspace_id, agent_name, model) VALUES (\(workspace), \(agent), \(model))
                ON CONFLICT (workspace_id, agent_name) DO UPDATE SET model = \(model), updated_at = now()
                """)
        } else {
            try connection.query("DELETE FROM tiktok_agent_models WHERE agent_name = \(agent)")
        }
    }

    /// Claude spend of the workspace per model over the last `days` days, most expensive first.
    public static func costByModel(days: Int, on connection: Connection) throws -> [(model: String, calls: Int, costUsd: Double)] {
        try connection.query(
            """
            SELECT model, count(*)::int AS calls, coalesce(sum(cost_usd), 0)::float8 AS cost FROM tiktok_agent_steps
            WHERE kind = 'llm_call' AND model IS NOT NULL AND created_at > now() - make_interval(days => \(days))
            GROUP BY model ORDER BY cost DESC, model
            """
        ).rows.map { (try $0.string("model"), try $0.int("calls"), try $0.double("cost")) }
    }
}
