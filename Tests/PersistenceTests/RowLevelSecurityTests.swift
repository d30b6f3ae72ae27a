import Core
import Foundation
import Persistence
import TestSupport
import Testing

/// Every tenant table hides and protects other workspaces' rows.
@Suite(.serialized) struct RowLevelSecurityTests {
    /// A database of its own, one test at a time: the suite writes a row into every table for
    /// each check, and would otherwise crowd the pool every other suite shares.
    static let database = TestDatabase.isolated("rls").database

    /// For each table: an INSERT of one row whose `workspace_id` is `$1`; `{run}`, `{agent_run}`,
    /// `{step}` and `{post}` stand for parent rows of the same workspace. A table added to the schema without an entry here fails the suite.
    static let inserts: [String: String] = [
        "tiktok_workspaces": "INSERT INTO tiktok_workspaces (id, name) VALUES ($1, 'w')",
        "tiktok_api_keys":
            "INSERT INTO tiktok_api_keys (workspace_id, key_hash, key_prefix) VALUES ($1, encode(sha256(gen_random_uuid()::text::bytea), 'hex'), 'tta_x')",
        "tiktok_spend_caps":
            "INSERT INTO tiktok_spend_caps (workspace_id, claude_daily_usd) VALUES ($1, 5) ON CONFLICT (workspace_id) DO UPDATE SET claude_daily_usd = 6",
        "tiktok_spend_ledger":
            "INSERT INTO tiktok_spend_ledger (workspace_id, day, category, amount_usd, reference) VALUES ($1, current_date, 'claude', 1, gen_random_uuid()::text)",
        "tiktok_spend_days":
            "INSERT INTO tiktok_spend_days (workspace_id, day, category, spent_usd) VALUES ($1, current_date - (random() * 10000)::int, 'claude', 1)",
        "tiktok_briefs": "INSERT INTO tiktok_briefs (workspace_id, handle) VALUES ($1, '@brand')",
        "tiktok_workflows":
            "INSERT INTO tiktok_workflows (workspace_id, slug, name, definition) VALUES ($1, gen_random_uuid()::text, 'w', '{}')",
        "tiktok_workflow_runs": "INSERT INTO tiktok_workflow_runs (workspace_id, workflow_slug) VALUES ($1, 'profile_audit')",
        "tiktok_workflow_steps":
            "INSERT INTO tiktok_workflow_steps (workspace_id, run_id, step_key, kind) VALUES ($1, {run}, gen_random_uuid()::text, 'agent')",
        "tiktok_agent_runs": "INSERT INTO tiktok_agent_runs (workspace_id, agent_name) VALUES ($1, 'trend_scout')",
        "tiktok_agent_steps":
            "INSERT INTO tiktok_agent_steps (workspace_id, agent_run_id, agent_name, step_index, kind, name) VALUES ($1, {agent_run}, 'trend_scout', (random() * 1000000)::int, 'llm_call', 'x')",
        "tiktok_approvals": "INSERT INTO tiktok_approvals (workspace_id, run_id, step_id, step_key) VALUES ($1, {run}, {step}, 'approve')",
        "tiktok_run_events":
            "INSERT INTO tiktok_run_events (workspace_id, run_id, seq, event) VALUES ($1, {run}, (random() * 1000000)::int + 1, 'x')",
        "tiktok_accounts": "INSERT INTO tiktok_accounts (workspace_id, handle) VALUES ($1, gen_random_uuid()::text)",
        "tiktok_oauth_states":
            "INSERT INTO tiktok_oauth_states (workspace_id, state_hash, session_hash, kind, expires_at) VALUES ($1, encode(sha256(gen_random_uuid()::text::bytea), 'hex'), 'x', 'tiktok', now())",
        "tiktok_posts": "INSERT INTO tiktok_posts (workspace_id, idempotency_key) VALUES ($1, gen_random_uuid()::text)",
        "tiktok_metrics": "INSERT INTO tiktok_metrics (workspace_id, post_id) VALUES ($1, {post})",
        "tiktok_comments": "INSERT INTO tiktok_comments (workspace_id, external_id, text) VALUES ($1, gen_random_uuid()::text, 'hi')",
        "tiktok_products":
            "INSERT INTO tiktok_products (workspace_id, source, external_id, title) VALUES ($1, 'shopify', gen_random_uuid()::text, 'p')",
        "tiktok_ad_campaigns":
            "INSERT INTO tiktok_ad_campaigns (workspace_id, name, objective, budget_usd, idempotency_key) VALUES ($1, 'c', 'reach', 10, gen_random_uuid()::text)",
        "tiktok_report_shares":
            "INSERT INTO tiktok_report_shares (workspace_id, run_id, token_hash, expires_at) VALUES ($1, {run}, encode(sha256(gen_random_uuid()::text::bytea), 'hex'), now() + interval '1 day')",
        "tiktok_evaluations": "INSERT INTO tiktok_evaluations (workspace_id, name) VALUES ($1, 'e')",
        "tiktok_outbox": "INSERT INTO tiktok_outbox (workspace_id, topic, payload) VALUES ($1, 'audit-event', '{}')",
        "tiktok_webhook_deliveries":
            "INSERT INTO tiktok_webhook_deliveries (workspace_id, source, delivery_key) VALUES ($1, 'tiktok', gen_random_uuid()::text)",
        "tiktok_sessions":
            "INSERT INTO tiktok_sessions (workspace_id, api_key_id, token_hash, expires_at) SELECT $1, id, encode(sha256(gen_random_uuid()::text::bytea), 'hex'), now() + interval '1 day' FROM tiktok_api_keys LIMIT 1",
        "tiktok_pubsub_subscriptions":
            "INSERT INTO tiktok_pubsub_subscriptions (subscription, workspace_id) VALUES ('projects/p/subscriptions/' || gen_random_uuid(), $1)",
        "tiktok_agent_models":
            "INSERT INTO tiktok_agent_models (workspace_id, agent_name, model) VALUES ($1, translate(md5(random()::text), '0123456789', 'ghijklmnop'), 'claude-haiku-5-5')",
        "tiktok_account_metrics": """
        WITH a AS (INSERT INTO tiktok_accounts (workspace_id, handle) VALUES ($1, gen_random_uuid()::text) RETURNING id)
        INSERT INTO tiktok_account_metrics (workspace_id, account_id, day) SELECT $1, id, current_date FROM a
        """,
        "tiktok_alerts":
            "INSERT INTO tiktok_alerts (workspace_id, kind, dedupe_key, message) VALUES ($1, 'run_failed', gen_random_uuid()::text, 'm')",
        "tiktok_budget_changes": """
        WITH c AS (INSERT INTO tiktok_ad_campaigns (workspace_id, name, objective, budget_usd, idempotency_key)
            VALUES ($1, 'c', 'reach', 10, gen_random_uuid()::text) RETURNING id)
        INSERT INTO tiktok_budget_changes (workspace_id, campaign_id, from_usd, to_usd, idempotency_key) SELECT $1, id, 10, 12, gen_random_uuid()::text FROM c
        """,
        "tiktok_notification_settings": """
        INSERT INTO tiktok_notification_settings (workspace_id, approval_alert_minutes) VALUES ($1, 30)
        ON CONFLICT (workspace_id) DO UPDATE SET approval_alert_minutes = 31
        """,
        "tiktok_schedules": """
        WITH b AS (INSERT INTO tiktok_briefs (workspace_id, handle) VALUES ($1, '@brand') RETURNING id)
        INSERT INTO tiktok_schedules (workspace_id, brief_id, workflow_slug, interval_seconds, next_run_at) SELECT $1, id, 'profile_audit', 3600, now() + interval '1 day' FROM b
        """,
        "tiktok_run_contexts": """
        WITH r AS (INSERT INTO tiktok_workflow_runs (workspace_id, workflow_slug) VALUES ($1, 'profile_audit') RETURNING id)
        INSERT INTO tiktok_run_contexts (workflow_run_id, workspace_id, handle, data, text, built_at) SELECT id, $1, '@brand', '{}', 'context', now() FROM r
        """,
    ]

    /// Parent rows of one workspace: run, agent run, step, post.
    struct Parents: Sendable {
        var run: String, agentRun: String, step: String, post: String
        /// The statement with the parent ids filled in (they are UUIDs this test read back) and
        /// `workspace` bound where the fixture says `$1`.
        func fill(_ sql: String, _ workspace: some SQLEncodable) -> SQLQuery {
            let parts = filled(sql).components(separatedBy: "$1").map { SQLQuery(unescaped: $0) }
            return parts.dropFirst().reduce(parts[0]) { $0 + "\(workspace)" + $1 }
        }

        private func filled(_ sql: String) -> String {
            sql.replacingOccurrences(of: "{run}", with: "'\(run)'").replacingOccurrences(of: "{agent_run}", with: "'\(agentRun)'")
                .replacingOccurrences(of: "{step}", with: "'\(step)'").replacingOccurrences(of: "{post}", with: "'\(post)'")
        }
    }

    static func parents(in workspace: WorkspaceID) async throws -> Parents {
        try await Self.database.withWorkspace(workspace) { c in
            let run = try c.query("INSERT INTO tiktok_workflow_runs (workspace_id, workflow_slug) VALUES (\(workspace), 'p') RETURNING id")
                .first!.string("id")
            let agentRun = try c.query("INSERT INTO tiktok_agent_runs (workspace_id, agent_name) VALUES (\(workspace), 'a') RETURNING id")
                .first!.string("id")
            let step = try c.query(
                "INSERT INTO tiktok_workflow_steps (workspace_id, run_id, step_key, kind) VALUES (\(workspace), \(run), 'approve', 'approval') RETURNING id"
            ).first!.string("id")
            let post = try c.query(
                "INSERT INTO tiktok_posts (workspace_id, idempotency_key) VALUES (\(workspace), gen_random_uuid()::text) RETURNING id"
            ).first!.string("id")
            return Parents(run: run, agentRun: agentRun, step: step, post: post)
        }
    }

    /// Every table the migrations create in `public`, written out so a new or lost table is noticed.
    static let expectedTables: Set<String> = [
        "tiktok_account_metrics", "tiktok_alerts", "tiktok_budget_changes", "tiktok_notification_settings", "tiktok_schedules",
        "tiktok_accounts", "tiktok_ad_campaigns", "tiktok_agent_models", "tiktok_agent_runs", "tiktok_agent_steps", "tiktok_api_keys",
        "tiktok_approvals", "tiktok_briefs", "tiktok_comments", "tiktok_metrics", "tiktok_oauth_states", "tiktok_outbox", "tiktok_posts",
        "tiktok_products", "tiktok_report_shares", "tiktok_evaluations",
        "tiktok_pubsub_subscriptions", "tiktok_run_contexts", "tiktok_run_events", "tiktok_sessions", "tiktok_spend_caps",
        "tiktok_spend_days",
        "tiktok_spend_ledger", "tiktok_webhook_deliveries", "tiktok_workflow_runs", "tiktok_workflow_steps", "tiktok_workflows",
        "tiktok_workspaces",
    ]

    static func tenantTables() async throws -> [String] {
        try await Self.database.withConnection { c in
            try c.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").rows.map {
                try $0.string("tablename")
            }
        }
    }

    @Test func everyTableHasWorkspaceIdAndForcedRowLevelSecurity() async throws {
        let owner = try Connection(url: TestDatabase.cluster.ownerURL)
        let rows = try owner.query(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'workspace_id' AND NOT a.attisdropped) AS has_workspace,
                   EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'workspace_isolation'
                           AND pg_get_expr(p.polqual, p.polrelid) LIKE '%current_setting(''app.workspace_id''%'
                           AND pg_get_expr(p.polwithcheck, p.polrelid) LIKE '%current_setting(''app.workspace_id''%') AS has_policy
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
            """
        ).rows
        #expect(Set(try rows.map { try $0.string("relname") }) == Self.expectedTables)
        for row in rows {
            let table = try row.string("relname")
            #expect(try row.bool("has_workspace"), "\(table) has no workspace_id")
            #expect(try row.bool("relrowsecurity"), "\(table) does not enable RLS")
            #expect(try row.bool("relforcerowsecurity"), "\(table) does not force RLS")
            #expect(try row.bool("has_policy"), "\(table) has no workspace policy on USING and WITH CHECK")
        }
    }

    @Test func everyTableHasAnIsolationFixture() async throws {
        let missing = try await Self.tenantTables().filter { Self.inserts[$0] == nil }
        #expect(missing.isEmpty, "tables without an isolation fixture: \(missing)")
    }

    @Test func aWorkspaceCannotSeeChangeOrDeleteAnotherWorkspacesRows() async throws {
        let (a, _) = try await TestDatabase.workspace("a", in: Self.database)
        let (b, _) = try await TestDatabase.workspace("b", in: Self.database)
        let parentsB = try await Self.parents(in: b)
        for table in try await Self.tenantTables() {
            guard let insert = Self.inserts[table] else { continue }
            if table != "tiktok_workspaces" {
                _ = try await Self.database.withWorkspace(b) { c in
                    try c.query(parentsB.fill(insert, b))
                }
            }
            let counts = try await Self.database.withWorkspace(a) { c in
                (
                    seen: try c.query("SELECT count(*) AS n FROM \(unescaped: table) WHERE workspace_id = \(b)").first!.int("n"),
                    updated: try c.query(
                        "UPDATE \(unescaped: table) SET \(unescaped: table == "tiktok_workspaces" ? "name = name" : "workspace_id = workspace_id") WHERE workspace_id = \(b)"
                    ).affectedRows,
                    deleted: try c.query("DELETE FROM \(unescaped: table) WHERE workspace_id = \(b)").affectedRows
                )
            }
            #expect(counts.seen == 0, "\(table): A sees B's rows")
            #expect(counts.deleted == 0, "\(table): A deletes B's rows")
            #expect(counts.updated == 0, "\(table): A updates B's rows")
            let stillThere = try await Self.database.withWorkspace(b) { c in
                try c.query("SELECT count(*) AS n FROM \(unescaped: table) WHERE workspace_id = \(b)").first!.int("n")
            }
            #expect(stillThere >= 1, "\(table): B's row vanished")
        }
    }

    @Test func anInsertCarryingAnotherWorkspacesIdIsRejected() async throws {
        let (a, _) = try await TestDatabase.workspace("a", in: Self.database)
        let (b, _) = try await TestDatabase.workspace("b", in: Self.database)
        let parentsB = try await Self.parents(in: b)
        for table in try await Self.tenantTables() {
            guard let insert = Self.inserts[table] else { continue }
            let workspaceValue = table == "tiktok_workspaces" ? WorkspaceID(UUID()) : b
            do {
                _ = try await Self.database.withWorkspace(a) { c in
                    try c.query(parentsB.fill(insert, workspaceValue))
                }
                Issue.record("\(table): insert with another workspace's id was accepted")
            } catch let error as DatabaseError {
                #expect(error.sqlState == "42501", "\(table): expected an RLS refusal, got \(error)")
            }
        }
    }

    @Test func aWorkspaceCannotMoveItsOwnRowsIntoAnotherWorkspace() async throws {
        let (a, _) = try await TestDatabase.workspace("a", in: Self.database)
        let (b, _) = try await TestDatabase.workspace("b", in: Self.database)
        let parents = try await Self.parents(in: a)
        for table in try await Self.tenantTables() where table != "tiktok_workspaces" {
            let insert = try #require(Self.inserts[table], "\(table) has no fixture")
            _ = try await Self.database.withWorkspace(a) { c in try c.query(parents.fill(insert, a)) }
            do {
                try await Self.database.withWorkspace(a) { c in
                    let moved = try c.query("UPDATE \(unescaped: table) SET workspace_id = \(b)").affectedRows
                    Issue.record("\(table): \(moved) rows moved into another workspace")
                }
            } catch let error as DatabaseError {
                #expect(error.sqlState == "42501", "\(table): the policy's WITH CHECK refuses it: \(error)")
            }
        }
    }

    @Test func aSessionWithNoWorkspaceSeesNoRows() async throws {
        let (b, _) = try await TestDatabase.workspace("b", in: Self.database)
        let parents = try await Self.parents(in: b)
        // A row in every table first, so a zero count means the policy hid it.
        for table in try await Self.tenantTables() where table != "tiktok_workspaces" {
            let insert = try #require(Self.inserts[table], "\(table) has no fixture")
            _ = try await Self.database.withWorkspace(b) { c in try c.query(parents.fill(insert, b)) }
            let own = try await Self.database.withWorkspace(b) {
                try $0.query("SELECT count(*) AS n FROM \(unescaped: table)").first!.int("n")
            }
            #expect(own > 0, "\(table): the fixture row is visible to its own workspace")
        }
        for table in try await Self.tenantTables() {
            let count = try await Self.database.withUnscopedTransaction { c in
                try c.query("SELECT count(*) AS n FROM \(unescaped: table)").first!.int("n")
            }
            #expect(count == 0, "\(table): an unscoped session sees \(count) rows")
        }
    }

    @Test func theApplicationRoleIsNeitherSuperuserNorBypassRLS() async throws {
        let role = try await Self.database.withConnection { c in
            try c.query("SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user").first!
        }
        #expect(try role.string("rolname") == EmbeddedPostgres.appRole)
        #expect(try role.bool("rolsuper") == false)
        #expect(try role.bool("rolbypassrls") == false)
    }

    @Test func theApplicationRoleCannotChangeTheSchema() async throws {
        await #expect(throws: DatabaseError.self) {
            try await Self.database.withConnection { c in try c.query("ALTER TABLE tiktok_briefs DISABLE ROW LEVEL SECURITY") }
        }
        await #expect(throws: DatabaseError.self) {
            try await Self.database.withConnection { c in try c.query("CREATE TABLE sneaky (id int)") }
        }
    }

    @Test func anAPIKeyResolvesToItsWorkspaceOnlyThroughTheDefinerFunction() async throws {
        let (a, key) = try await TestDatabase.workspace("a", in: Self.database)
        let principal = try await Self.database.withUnscopedTransaction {
            try WorkspaceRepository.principal(forKey: key.plaintext, on: $0)
        }
        #expect(principal?.workspaceId == a)
        let wrong = try await Self.database.withUnscopedTransaction {
            try WorkspaceRepository.principal(forKey: key.plaintext + "x", on: $0)
        }
        #expect(wrong == nil)
        let stored = try await Self.database.withWorkspace(a) { c in
            try c.query("SELECT key_hash FROM tiktok_api_keys").first!.string("key_hash")
        }
        #expect(stored == Crypto.sha256Hex(key.plaintext))
        #expect(!stored.contains(key.plaintext))
    }
}

@Suite struct ApplicationRoleTests {
    @Test func theApplicationRoleMayServe() async throws {
        try await TestDatabase.database.verifyApplicationRole()
    }

    @Test func aSuperuserIsRefusedWithOneClearLine() async throws {
        let superuser = Database(url: TestDatabase.cluster.superuserURL, poolSize: 1)
        let error = await #expect(throws: AppError.self) { try await superuser.verifyApplicationRole() }
        #expect(error?.message.contains("a superuser, which would ignore row-level security") == true, "\(error?.message ?? "")")
        await superuser.shutdown()
    }
}
