import Core
import Foundation
import Persistence
import TestSupport
import Testing

/// The engine's lookups of one row by its key read that row, not every row like it: the plans are
/// the generic ones a pooled connection keeps, made from statistics taken before the load.
@Suite struct QueryPlanTests {
    @Test func aStepsLeaseFenceReadsItsRowWhenTheStatisticsSawNoStepRunning() async throws {
        let urls = try TestDatabase.freshDatabase("plans")
        let owner = try Connection(url: urls.owner)
        try TestDatabase.migrator.migrate(on: owner)
        let database = Database(url: urls.app, poolSize: 1, acquireTimeout: TestDatabase.acquireTimeout)
        let workspace = WorkspaceID(UUID())
        let step = try await database.withWorkspace(workspace) { c -> WorkflowStepID in
            _ = try WorkspaceRepository.create(id: workspace, name: "plans", on: c)
            let run = try RunRepository.create(
                workspace: workspace, workflowId: nil, workflowSlug: "profile_audit", briefId: nil, input: [:], on: c)
            return try c.query(
                """
                INSERT INTO tiktok_workflow_steps (workspace_id, run_id, step_key, kind, status)
                SELECT \(workspace), \(run.id), 'step_' || n, 'agent', 'succeeded' FROM generate_series(1, 2000) n RETURNING id
                """
            ).rows.last!.id("id")
        }
        try owner.execute("ANALYZE")
        let hits = try await database.withWorkspace(workspace) { c in
            try c.query("UPDATE tiktok_workflow_steps SET status = 'running', lease_owner = 'engine' WHERE workspace_id = \(workspace)")
            return try Self.sharedHits(
                of: "SELECT 1 FROM tiktok_workflow_steps WHERE id = $1 AND lease_owner = 'engine' AND status = 'running' FOR UPDATE",
                key: step.description, c)
        }
        await database.shutdown()
        #expect(hits <= 6, "a fenced step lookup read \(hits) buffers")
    }

    /// The buffers `sql` (one `$1` parameter, a uuid) reads under the generic plan a prepared
    /// statement settles on, inside the caller's transaction.
    static func sharedHits(of sql: String, key: String, _ c: Connection) throws -> Int {
        let name = "plan_\(UUID().uuidString.prefix(8).lowercased())"
        try c.execute("SET LOCAL plan_cache_mode = force_generic_plan; PREPARE \(name)(uuid) AS \(sql)")
        let explained = try c.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE \(name)('\(key)')")
        try c.execute("DEALLOCATE \(name)")
        let plan = try JSONValue.parse(try explained.rows[0].string("QUERY PLAN")).arrayValue?.first
        return plan?["Plan"]?["Shared Hit Blocks"]?.intValue ?? -1
    }
}
