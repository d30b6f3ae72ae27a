import Core
import Foundation
import Persistence
import TestSupport
import Testing

/// The engine's lookups of one row by its key read that row, not every row like it: the plans are
/// the generic ones a pooled connection keeps, made from statistics taken before the load.
@Suite struct QueryPlanTests {
    @Test func aStepsLeaseFenceReadsItsRowWhenTheStatisticsSawNoStepRunning() async throws {
        let (database, owner) = try Self.freshDatabase("plans")
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

    @Test func aLookupByKeyReadsItsRowInAWorkspaceTheStatisticsHaveNotSeen() async throws {
        let (database, owner) = try Self.freshDatabase("plans_unseen")
        let (seen, unseen) = (WorkspaceID(UUID()), WorkspaceID(UUID()))
        try await Self.addRuns(2000, workspace: seen, database)
        try owner.execute("ANALYZE")
        let run = try await Self.addRuns(2000, workspace: unseen, database)
        let hits = try await Self.runLockHits(run, in: unseen, database)
        await database.shutdown()
        #expect(hits <= 6, "a run's lock read \(hits) buffers")
    }

    @Test func aLookupByKeyReadsItsRowBeforeAnyStatistics() async throws {
        let (database, _) = try Self.freshDatabase("plans_none")
        let workspace = WorkspaceID(UUID())
        let run = try await Self.addRuns(150, workspace: workspace, database)
        let hits = try await Self.runLockHits(run, in: workspace, database)
        await database.shutdown()
        #expect(hits <= 6, "a run's lock read \(hits) buffers")
    }

    @Test func aSettlementReadsItsOwnChargeBeforeAnyStatistics() async throws {
        let (database, owner) = try Self.freshDatabase("plans_ledger")
        let workspace = WorkspaceID(UUID())
        try await database.withWorkspace(workspace) { c in
            _ = try WorkspaceRepository.create(id: workspace, name: "plans", on: c)
            try SpendLedgerRepository.setCaps(workspace: workspace, claudeDailyUsd: 1_000_000, adsDailyUsd: nil, on: c)
        }
        // Written as 10,000 charges would leave them, but with one version of the day's total: the
        // charges' function in one transaction would leave 10,000 dead versions of that row for a
        // lookup to step over until no snapshot in the database predates them.
        try owner.execute(
            """
            ALTER TABLE tiktok_spend_ledger SET (autovacuum_enabled = false);
            ALTER TABLE tiktok_spend_days SET (autovacuum_enabled = false);
            BEGIN;
            SELECT set_config('app.workspace_id', '\(workspace)', true);
            INSERT INTO tiktok_spend_ledger (workspace_id, day, category, amount_usd, reference)
            SELECT '\(workspace)', current_date, 'claude', 0.001, 'call-' || n FROM generate_series(1, 10000) n;
            INSERT INTO tiktok_spend_days (workspace_id, day, category, stripe, spent_usd)
            VALUES ('\(workspace)', current_date, 'claude', 0, 10);
            COMMIT;
            """)
        for n in 1...6 {
            _ = try await database.withWorkspace(workspace) { try $0.execute("SELECT tiktok_settle_spend('claude', 'call-\(n)', 0.002)") }
        }
        let hits = try await database.withWorkspace(workspace) { c -> Int in
            try Self.sharedHits(explaining: "SELECT tiktok_settle_spend('claude', 'call-5000', 0.002)", c)
        }
        await database.shutdown()
        #expect(hits <= 40, "a settlement read \(hits) buffers")
    }

    @Test func aClaimReadsThePendingStepsInOrderAndStopsAtItsLimit() async throws {
        let (database, owner) = try Self.freshDatabase("plans_claim")
        let workspace = WorkspaceID(UUID())
        try await database.withWorkspace(workspace) { c in
            _ = try WorkspaceRepository.create(id: workspace, name: "plans", on: c)
            let run = try RunRepository.create(
                workspace: workspace, workflowId: nil, workflowSlug: "profile_audit", briefId: nil, input: [:], on: c)
            try c.query("UPDATE tiktok_workflow_runs SET status = 'running' WHERE id = \(run.id)")
            try c.query(
                """
                INSERT INTO tiktok_workflow_steps (workspace_id, run_id, step_key, kind)
                SELECT \(workspace), \(run.id), 'step_' || n, 'agent' FROM generate_series(1, 10000) n
                """)
        }
        try owner.execute("ANALYZE")
        let hits = try await database.withUnscopedTransaction { c -> Int in
            // The connection's first claims compile the function and plan its statements.
            for _ in 1...2 { try c.execute("SELECT * FROM tiktok_claim_steps('plans', 60, 2, NULL, '{}'::uuid[])") }
            return try Self.sharedHits(explaining: "SELECT * FROM tiktok_claim_steps('plans', 60, 2, NULL, '{}'::uuid[])", c)
        }
        await database.shutdown()
        #expect(hits <= 60, "claiming two of 10,000 ready steps read \(hits) buffers")
    }

    /// A new migrated database, never analyzed, with a one-connection pool over it.
    static func freshDatabase(_ name: String) throws -> (Database, Connection) {
        let urls = try TestDatabase.freshDatabase(name)
        let owner = try Connection(url: urls.owner)
        try TestDatabase.migrator.migrate(on: owner)
        return (Database(url: urls.app, poolSize: 1, acquireTimeout: TestDatabase.acquireTimeout), owner)
    }

    /// Creates `workspace` with `count` finished runs; the last run's id.
    @discardableResult
    static func addRuns(_ count: Int, workspace: WorkspaceID, _ database: Database) async throws -> WorkflowRunID {
        try await database.withWorkspace(workspace) { c in
            _ = try WorkspaceRepository.create(id: workspace, name: "plans", on: c)
            return try c.query(
                """
                INSERT INTO tiktok_workflow_runs (workspace_id, workflow_slug, status, input)
                SELECT \(workspace), 'profile_audit', 'succeeded', jsonb_build_object('n', n) FROM generate_series(1, \(literal: count)) n
                RETURNING id
                """
            ).rows.last!.id("id")
        }
    }

    /// The buffers `sql` (one `$1` parameter, a uuid) reads under the generic plan a prepared
    /// statement settles on, inside the caller's transaction.
    static func sharedHits(of sql: String, key: String, _ c: Connection) throws -> Int {
        let name = "plan_\(UUID().uuidString.prefix(8).lowercased())"
        try c.execute("SET LOCAL plan_cache_mode = force_generic_plan; PREPARE \(name)(uuid) AS \(sql)")
        let hits = try sharedHits(explaining: "EXECUTE \(name)('\(key)')", c)
        try c.execute("DEALLOCATE \(name)")
        return hits
    }

    /// The buffers `sql` read, run under `EXPLAIN (ANALYZE, BUFFERS)`, the statements of the
    /// functions it calls included.
    static func sharedHits(explaining sql: String, _ c: Connection) throws -> Int {
        let explained = try c.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) \(sql)")
        let plan = try JSONValue.parse(try explained.rows[0].string("QUERY PLAN")).arrayValue?.first
        return plan?["Plan"]?["Shared Hit Blocks"]?.intValue ?? -1
    }

    /// The buffers a run's lock (`SELECT 1 ... WHERE id = $1 FOR NO KEY UPDATE`) reads in `workspace`.
    static func runLockHits(_ run: WorkflowRunID, in workspace: WorkspaceID, _ database: Database) async throws -> Int {
        try await database.withWorkspace(workspace) { c in
            try sharedHits(of: "SELECT 1 FROM tiktok_workflow_runs WHERE id = $1 FOR NO KEY UPDATE", key: run.description, c)
        }
    }
}
