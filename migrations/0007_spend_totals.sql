-- Running daily totals beside the spend ledger, so a charge checks its cap against one row
-- instead of summing the day's ledger under a lock. The totals row's lock serialises charges of
-- one workspace, category and day, for the length of the charging transaction only.

CREATE TABLE tiktok_spend_days (
    workspace_id  uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    day           date NOT NULL,
    category      text NOT NULL CHECK (category IN ('claude', 'ads')),
    spent_usd     numeric(16, 6) NOT NULL DEFAULT 0 CHECK (spent_usd >= 0),
    PRIMARY KEY (workspace_id, day, category)
);
CALL tiktok_meta.enable_tenancy('tiktok_spend_days');

-- Backfill from the ledger (the owner sees every workspace only with the policy lifted, inside
-- this migration's transaction).
ALTER TABLE tiktok_spend_ledger NO FORCE ROW LEVEL SECURITY;
ALTER TABLE tiktok_spend_days NO FORCE ROW LEVEL SECURITY;
ALTER TABLE tiktok_spend_ledger DISABLE ROW LEVEL SECURITY;
ALTER TABLE tiktok_spend_days DISABLE ROW LEVEL SECURITY;
INSERT INTO tiktok_spend_days (workspace_id, day, category, spent_usd)
SELECT workspace_id, day, category, sum(amount_usd) FROM tiktok_spend_ledger GROUP BY workspace_id, day, category;
ALTER TABLE tiktok_spend_ledger ENABLE ROW LEVEL SECURITY;
ALTER TABLE tiktok_spend_days ENABLE ROW LEVEL SECURITY;
ALTER TABLE tiktok_spend_ledger FORCE ROW LEVEL SECURITY;
ALTER TABLE tiktok_spend_days FORCE ROW LEVEL SECURITY;
