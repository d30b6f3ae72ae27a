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

-- Charging and settling as single statements: called outside a transaction, the totals row is
-- locked only while the statement runs and commits, so concurrent charges of one workspace
-- queue for microseconds rather than for a client round trip. The caller names the workspace;
-- the functions touch that workspace's rows only.
GRANT SELECT ON tiktok_spend_caps TO tiktok_definer;
GRANT SELECT, INSERT, UPDATE ON tiktok_spend_ledger, tiktok_spend_days TO tiktok_definer;
CREATE POLICY definer_spend_caps ON tiktok_spend_caps FOR SELECT TO tiktok_definer USING (true);
CREATE POLICY definer_spend_ledger ON tiktok_spend_ledger FOR ALL TO tiktok_definer USING (true) WITH CHECK (true);
CREATE POLICY definer_spend_days ON tiktok_spend_days FOR ALL TO tiktok_definer USING (true) WITH CHECK (true);

-- Charges p_amount to today's total unless p_reference was charged already (then returns no
-- row). Over the cap it raises SQLSTATE TA001 with DETAIL 'spent_before cap', and nothing stays.
CREATE FUNCTION tiktok_charge_spend(p_workspace uuid, p_category text, p_amount numeric, p_reference text, p_cap_fallback numeric)
RETURNS TABLE (spent_usd numeric, cap_usd numeric)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_cap numeric;
    v_spent numeric;
BEGIN
    INSERT INTO tiktok_spend_ledger (workspace_id, day, category, amount_usd, reference)
    VALUES (p_workspace, current_date, p_category, p_amount, p_reference)
    ON CONFLICT (workspace_id, category, reference) DO NOTHING;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT CASE WHEN p_category = 'claude' THEN c.claude_daily_usd ELSE c.ads_daily_usd END INTO v_cap
    FROM tiktok_spend_caps c WHERE c.workspace_id = p_workspace;
    v_cap := COALESCE(v_cap, p_cap_fallback);
    INSERT INTO tiktok_spend_days AS d (workspace_id, day, category, spent_usd) VALUES (p_workspace, current_date, p_category, p_amount)
    ON CONFLICT (workspace_id, day, category) DO UPDATE SET spent_usd = d.spent_usd + EXCLUDED.spent_usd
    RETURNING d.spent_usd INTO v_spent;
    IF v_spent > v_cap + 0.000000001 THEN
        RAISE EXCEPTION 'daily % spend cap exceeded', p_category USING ERRCODE = 'TA001', DETAIL = (v_spent - p_amount)::text || ' ' || v_cap::text;
    END IF;
    RETURN QUERY SELECT v_spent, v_cap;
END
$$;

-- Replaces a charge's amount (zero releases it) and moves the day's total by the difference.
CREATE FUNCTION tiktok_settle_spend(p_workspace uuid, p_category text, p_reference text, p_amount numeric)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_before numeric;
    v_day date;
BEGIN
    SELECT amount_usd, day INTO v_before, v_day FROM tiktok_spend_ledger
    WHERE workspace_id = p_workspace AND category = p_category AND reference = p_reference FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    UPDATE tiktok_spend_ledger SET amount_usd = p_amount WHERE workspace_id = p_workspace AND category = p_category AND reference = p_reference;
    UPDATE tiktok_spend_days SET spent_usd = greatest(0, spent_usd + p_amount - v_before)
    WHERE workspace_id = p_workspace AND day = v_day AND category = p_category;
END
$$;

GRANT CREATE ON SCHEMA public TO tiktok_definer;
ALTER FUNCTION tiktok_charge_spend(uuid, text, numeric, text, numeric) OWNER TO tiktok_definer;
ALTER FUNCTION tiktok_settle_spend(uuid, text, text, numeric) OWNER TO tiktok_definer;
REVOKE CREATE ON SCHEMA public FROM tiktok_definer;
REVOKE ALL ON FUNCTION tiktok_charge_spend(uuid, text, numeric, text, numeric) FROM PUBLIC;
REVOKE ALL ON FUNCTION tiktok_settle_spend(uuid, text, text, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tiktok_charge_spend(uuid, text, numeric, text, numeric) TO tiktok_app;
GRANT EXECUTE ON FUNCTION tiktok_settle_spend(uuid, text, text, numeric) TO tiktok_app;
