import Core
import Foundation

/// A step row to create when a run is materialised.
public struct NewStep: Sendable, Equatable {
    public var stepKey: String
    public var kind: StepKind
    public var agentName: String?
    public var dependsOn: [String]
    public var maxAttempts: Int
    public init(stepKey: String, kind: StepKind, agentName: String?, dependsOn: [String], maxAttempts: Int = 1) {
        self.stepKey = stepKey
        self.kind = kind
        self.agentName = agentName
        self.dependsOn = dependsOn
        self.maxAttempts = maxAttempts
    }
}

/// Steps of workflow runs in the session's workspace.
public enum StepRepository {
    static let columns: SQLQuery = """
        id, workspace_id, run_id, step_key, kind, agent_name, depends_on, status, input, output, error, attempt, max_attempts,
        agent_run_id, cost_usd, latency_ms, lease_owner, lease_expires_at, started_at, completed_at, created_at, updated_at
        """

    /// Inserts every step of a run as `pending`, in one statement.
    public static func createAll(_ steps: [NewStep], run: WorkflowRunID, workspace: WorkspaceID, on connection: Connection) throws
        -> [WorkflowStep]
    {
        guard let query = createAllQuery(steps, run: run, workspace: workspace) else { return [] }
        return try connection.query(query).rows.map(decode)
    }

    /// The statement of `createAll`; `nil` for no steps.
    static func createAllQuery(_ steps: [NewStep], run: WorkflowRunID, workspace: WorkspaceID) -> SQLQuery? {
        guard !steps.isEmpty else { return nil }
        let values = steps.map { step -> SQLQuery in
            """
            (\(workspace), \(run), \(step.stepKey), \(step.kind), \(step.agentName), \(step.dependsOn)::text[], \(step.maxAttempts)::int)
            """
        }
        return """
            INSERT INTO tiktok_workflow_steps (workspace_id, run_id, step_key, kind, agent_name, depends_on, max_attempts)
            VALUES \(SQLQuery.joined(values, separator: ", ")) RETURNING \(columns)
            """
    }

    public static func find(_ id: WorkflowStepID, on connection: Connection) throws -> WorkflowStep? {
        try connection.query("SELECT \(columns) FROM tiktok_workflow_steps WHERE id = \(id)").first.map(decode)
    }

    public static func list(run: WorkflowRunID, on connection: Connection) throws -> [WorkflowStep] {
        try connection.query(listQuery(run: run)).rows.map(decode)
    }

    static func listQuery(run: WorkflowRunID) -> SQLQuery {
        "SELECT \(columns) FROM tiktok_workflow_steps WHERE run_id = \(run) ORDER BY created_at, step_key"
    }

    public static func find(run: WorkflowRunID, key: String, on connection: Connection) throws -> WorkflowStep? {
        try connection.query("SELECT \(columns) FROM tiktok_workflow_steps WHERE run_id = \(run) AND step_key = \(key)").first.map(decode)
    }

    static func decode(_ row: Row) throws -> WorkflowStep { try row.decode() }
}
