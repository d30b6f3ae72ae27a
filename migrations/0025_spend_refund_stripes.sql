-- Settlements no longer queue behind charges on the day's total.
--
-- A Claude call reserves its ceiling (a charge) and settles its real cost when its step commits.
-- Both used to lock the one total row of the workspace, category and day, each until its commit,
-- so every call of a workspace took that lock twice and the workspace's calls per second were
-- bounded by two commits per call.
--
-- The total is now the sum of its rows: stripe 0 takes the charges (and, rarely, a settlement
-- above its reservation), and a settlement below its reservation adds its refund, a negative
-- amount, to one of sixteen refund stripes chosen by its reference. A charge still locks stripe
-- 0, so charges stay serialised and the cap check exact; it reads the refund stripes without
-- locking them. A refund that has not committed yet is not counted, which can only make the
-- check stricter for a moment. Every reader of the total already sums the day's rows.

ALTER TABLE tiktok_spend_days ADD COLUMN stripe smallint NOT NULL DEFAULT 0 CHECK (stripe BETWEEN 0 AND 16);
ALTER TABLE tiktok_spend_days DROP CONSTRAINT tiktok_spend_days_spent_usd_check;
ALTER TABLE tiktok_spend_days ADD CONSTRAINT tiktok_spend_days_spent_usd_check
    CHECK (stripe = 0 AND spent_usd >= 0 OR stripe > 0 AND spent_usd <= 0);
ALTER TABLE tiktok_spend_days DROP CONSTRAINT tiktok_spend_days_pkey;
ALTER TABLE tiktok_spend_days ADD PRIMARY KEY (workspace_id, day, category, stripe);

CREATE OR REPLACE FUNCTION tiktok_charge_spend(p_category text, p_amount numeric, p_reference text)
RETURNS TABLE (spent_usd numeric, cap_usd numeric)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_workspace uuid := tiktok_meta.scoped_workspace();
    v_cap numeric;
    v_spent numeric;
BEGIN
    IF p_amount < 0 THEN
        RAISE EXCEPTION 'a charge cannot be negative' USING ERRCODE = '22023';
    END IF;
    INSERT INTO tiktok_spend_ledger (workspace_id, day, category, amount_usd, reference)
    VALUES (v_workspace, current_date, p_category, p_amount, p_reference)
    ON CONFLICT (workspace_id, category, reference) DO NOTHING;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT CASE WHEN p_category = 'claude' THEN c.claude_daily_usd ELSE c.ads_daily_usd END INTO v_cap
    FROM tiktok_spend_caps c WHERE c.workspace_id = v_workspace;
    IF v_cap IS NULL THEN
        SELECT sd.cap_usd INTO v_cap FROM tiktok_meta.spend_defaults sd WHERE sd.category = p_category;
    END IF;
    INSERT INTO tiktok_spend_days AS d (workspace_id, day, category, stripe, spent_usd)
    VALUES (v_workspace, current_date, p_category, 0, p_amount)
    ON CONFLICT (workspace_id, day, category, stripe) DO UPDATE SET spent_usd = d.spent_usd + EXCLUDED.spent_usd
    RETURNING d.spent_usd INTO v_spent;
    v_spent := v_spent + COALESCE((
        SELECT sum(r.spent_usd) FROM tiktok_spend_days r
        WHERE r.workspace_id = v_workspace AND r.day = current_date AND r.category = p_category AND r.stripe > 0), 0);
    IF v_spent > v_cap + 0.000000001 THEN
        RAISE EXCEPTION 'daily % spend cap exceeded', p_category USING ERRCODE = 'TA001', DETAIL = (v_spent - p_amount)::text || ' ' || v_cap::text;
    END IF;
    RETURN QUERY SELECT v_spent, v_cap;
END
$$;

CREATE OR REPLACE FUNCTION tiktok_settle_spend(p_category text, p_reference text, p_amount numeric)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_workspace uuid := tiktok_meta.scoped_workspace();
    v_before numeric;
    v_day date;
BEGIN
    IF p_amount < 0 THEN
        RAISE EXCEPTION 'a settlement cannot be negative' USING ERRCODE = '22023';
    END IF;
    SELECT amount_usd, day INTO v_before, v_day FROM tiktok_spend_ledger
    WHERE workspace_id = v_workspace AND category = p_category AND reference = p_reference FOR UPDATE;
    IF NOT FOUND OR p_amount = v_before THEN
        RETURN;
    END IF;
    UPDATE tiktok_spend_ledger SET amount_usd = p_amount WHERE workspace_id = v_workspace AND category = p_category AND reference = p_reference;
    IF p_amount > v_before THEN
        UPDATE tiktok_spend_days SET spent_usd = spent_usd + p_amount - v_before
        WHERE workspace_id = v_workspace AND day = v_day AND category = p_category AND stripe = 0;
    ELSE
        INSERT INTO tiktok_spend_days AS d (workspace_id, day, category, stripe, spent_usd)
        VALUES (v_workspace, v_day, p_category, 1 + abs(hashtext(p_reference)::bigint) % 16, p_amount - v_before)
        ON CONFLICT (workspace_id, day, category, stripe) DO UPDATE SET spent_usd = d.spent_usd + EXCLUDED.spent_usd;
    END IF;
END
$$;
