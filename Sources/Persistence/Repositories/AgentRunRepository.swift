import Core
import Foundation

/// Agent runs and their trace rows.
public enum AgentRunRepository {
    static let columns: SQLQuery = """
        id, workspace_id, agent_name, workflow_run_id, workflow_step_id, status, input, output, error, cost_usd, latency_ms,
        started_at, completed_at
        """

    /// Inserts the `running` row that opens an agent run, and `audit`'s outbox row with it in
    /// the same statement.
    public static func start(
        id: AgentRunID, agentName: String, workspace: WorkspaceID, workflowRun: WorkflowRunID?, workflowStep: WorkflowStepID?,
        input: JSONValue, audit: OutboxRepository.Entry, on connection: Connection
    ) throws {
        try connection.send(
            OutboxRepository.append(
                audit, workspace: workspace,
                after: """
                    INSERT INTO tiktok_agent_runs (id, workspace_id, agent_name, workflow_run_id, workflow_step_id, input)
                    VALUES (\(id), \(workspace), \(agentName), \(workflowRun), \(workflowStep), \(input)) RETURNING id
                    """))
    }

    /// Closes an agent run as succeeded or failed with its output and latency, and writes
    /// `audit`'s outbox row in the same statement; its cost is the sum of its trace rows, so it
    /// always matches what was traced.
    @discardableResult
    public static func finish(
        _ id: AgentRunID, status: AgentRun.Status, output: JSONValue?, error: String?, latencyMs: Int, audit: OutboxRepository.Entry,
        workspace: WorkspaceID, on connection: Connection
    ) throws -> AgentRun? {
        try connection.query(
            finishQuery(id, status: status, output: output, error: error, latencyMs: latencyMs, audit: audit, workspace: workspace)
        )
        .first.map(decode)
    }

    /// `finish` without waiting for the closed row: the statement travels with the transaction's
    /// next query, which may read the run's cost from the row.
    public static func sendFinish(
        _ id: AgentRunID, status: AgentRun.Status, output: JSONValue?, error: String?, latencyMs: Int, audit: OutboxRepository.Entry,
        workspace: WorkspaceID, on connection: Connection
    ) throws {
        try connection.send(
            finishQuery(id, status: status, output: output, error: error, latencyMs: latencyMs, audit: audit, workspace: workspace))
    }

    private static func finishQuery(
        _ id: AgentRunID, status: AgentRun.Status, output: JSONValue?, error: String?, latencyMs: Int, audit: OutboxRepository.Entry,
        workspace: WorkspaceID
    ) -> SQLQuery {
        """
        WITH closed AS (
            UPDATE tiktok_agent_runs SET status = \(status), output = \(output), error = \(error), latency_ms = \(latencyMs),
                completed_at = now(), cost_usd = (SELECT COALESCE(sum(cost_usd), 0) FROM tiktok_agent_steps WHERE agent_run_id = \(id))
            WHERE id = \(id) RETURNING \(columns)
        ), audited AS (\(OutboxRepository.append(audit, workspace: workspace, after: "SELECT id FROM closed")))
        SELECT * FROM closed
        """
    }

    public static func find(_ id: AgentRunID, on connection: Connection) throws -> AgentRun? {
        try connection.query("SELECT \(columns) FROM tiktok_agent_runs WHERE id = \(id)").first.map(decode)
    }

    public static func recent(agent: String, limit: Int, on connection: Connection) throws -> [AgentRun] {
        try connection.query(
            "SELECT \(columns) FROM tiktok_agent_runs WHERE agent_name = \(agent) ORDER BY started_at DESC LIMIT \(limit)"
        ).rows.map(decode)
    }

    static func decode(_ row: Row) throws -> AgentRun { try row.decode() }
}

/// Trace rows (`tiktok_agent_steps`).
public enum AgentStepRepository {
    static let columns: SQLQuery = """
        id, workspace_id, agent_run_id, step_index, kind, name, model, system_prompt, user_prompt, response_text, prompt_hash,
        input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_usd, latency_ms, cache_hit,
        request, response, error, created_at, prompt_version
        """

    /// Writes one trace row; writing it again (a transaction run once more) changes nothing.
    public static func insert(_ step: AgentStep, agentName: String, on connection: Connection) throws {
        try connection.send(
            """
            INSERT INTO tiktok_agent_steps (id, workspace_id, agent_run_id, agent_name, step_index, kind, name, model, system_prompt,
                user_prompt, response_text, prompt_hash, input_tokens, output_tokens, cache_creation_input_tokens,
                cache_read_input_tokens, cost_usd, latency_ms, cache_hit, request, response, error, created_at, prompt_version)
            VALUES (\(step.id), \(step.workspaceId), \(step.agentRunId), \(agentName), \(step.stepIndex), \(step.kind), \(step.name), \(step.model), \(step.systemPrompt), \(step.userPrompt), \(step.responseText), \(step.promptHash), \(step.inputTokens), \(step.outputTokens), \(step.cacheCreationInputTokens), \(step.cacheReadInputTokens), \(step.costUsd), \(step.latencyMs), \(step.cacheHit), \(step.request), \(step.response), \(step.error), \(step.createdAt), \(step.promptVersion))
            ON CONFLICT (id) DO NOTHING
            """)
    }

    /// The most recent successful recorded Claude answer for `agent` and `promptHash` (replay mode).
    public static func recording(agent: String, promptHash: String, on connection: Connection) throws -> String? {
        try connection.query(
            """
            SELECT response_text FROM tiktok_agent_steps
            WHERE agent_name = \(agent) AND prompt_hash = \(promptHash) AND kind = 'llm_call' AND error IS NULL AND response_text IS NOT NULL
            ORDER BY created_at DESC LIMIT 1
            """
        ).first?["response_text"]
    }

    /// The trace of one agent run, in call order.
    public static func list(agentRun: AgentRunID, on connection: Connection) throws -> [AgentStep] {
        try connection.query("SELECT \(columns) FROM tiktok_agent_steps WHERE agent_run_id = \(agentRun) ORDER BY step_index").rows.map(
            decode)
    }

    static func decode(_ row: Row) throws -> AgentStep { try row.decode() }

    /// Every Claude call of a workflow run's agent runs (retried attempts included), in order.
    public static func claudeCalls(run: WorkflowRunID, on connection: Connection) throws -> [(agent: String, step: AgentStep)] {
        try connection.query(
            """
            SELECT s.agent_name, \(qualified(columns, by: "s"))
            FROM tiktok_agent_steps s JOIN tiktok_agent_runs r ON r.id = s.agent_run_id
            WHERE r.workflow_run_id = \(run) AND s.kind = 'llm_call' ORDER BY r.started_at, s.step_index
            """
        ).rows.map { (try $0.string("agent_name"), try decode($0)) }
    }
}
