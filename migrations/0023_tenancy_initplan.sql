-- Row-level security's workspace predicate becomes an InitPlan: `(SELECT ...)` around the
-- setting, computed once per statement.
--
-- As a plain expression the planner folds `current_setting('app.workspace_id')` into a constant
-- to estimate it, and compares that constant with the column's statistics. A workspace those
-- statistics have not seen (a new tenant, or one that grew since the last ANALYZE) is estimated
-- at one row. Any index that leads with workspace_id then ties with the primary key for a lookup
-- by key, and wins it, because its leftover filter (`id = $1`) is costed below the policy's own
-- expression. Each lookup then read every row of the workspace: a run's lock read 2,000 rows of a
-- workspace with 2,000 runs. Behind an InitPlan the value is unknown when the plan is made, the
-- estimate is the average workspace's share of the table, and the leftover filters cost alike,
-- so the key wins.

CREATE OR REPLACE PROCEDURE tiktok_meta.enable_tenancy(tbl regclass)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format(
        'CREATE POLICY workspace_isolation ON %s
             USING (workspace_id = (SELECT NULLIF(current_setting(''app.workspace_id'', true), '''')::uuid))
             WITH CHECK (workspace_id = (SELECT NULLIF(current_setting(''app.workspace_id'', true), '''')::uuid))',
        tbl);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO tiktok_app', tbl);
END
$$;

DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN SELECT polrelid::regclass FROM pg_policy WHERE polname = 'workspace_isolation' LOOP
        EXECUTE format(
            'ALTER POLICY workspace_isolation ON %s
                 USING (workspace_id = (SELECT NULLIF(current_setting(''app.workspace_id'', true), '''')::uuid))
                 WITH CHECK (workspace_id = (SELECT NULLIF(current_setting(''app.workspace_id'', true), '''')::uuid))',
            t);
    END LOOP;
END
$$;

-- Nothing reads the ledger by day since the daily totals (0007). With no statistics this index
-- tied with the ledger's key (workspace, category, reference) for a settlement's lookup, and won
-- it by being smaller: each settlement then read every charge of the workspace's day.
DROP INDEX tiktok_spend_ledger_day;
