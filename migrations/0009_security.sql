-- Roles on API keys, server-side dashboard sessions, key revocation broadcast, the Pub/Sub
-- subscription -> workspace mapping, and spend functions that take the workspace from the
-- caller's row-level-security scope instead of an argument.

-- Keys have a role: admin (keys, caps, settings), operator (briefs, runs, approvals), viewer (read only).
-- Keys issued before roles existed could do everything, so they are admins.
ALTER TABLE tiktok_api_keys ADD COLUMN role text NOT NULL DEFAULT 'admin' CHECK (role IN ('admin', 'operator', 'viewer'));
ALTER TABLE tiktok_api_keys ADD CONSTRAINT tiktok_api_keys_name_length CHECK (length(name) BETWEEN 1 AND 100);

DROP FUNCTION tiktok_lookup_api_key(text);
CREATE FUNCTION tiktok_lookup_api_key(p_key_hash text)
RETURNS TABLE (api_key_id uuid, workspace_id uuid, role text, name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT k.id, k.workspace_id, k.role, k.name FROM tiktok_api_keys k
    WHERE k.key_hash = p_key_hash AND k.revoked_at IS NULL
$$;

-- A dashboard session: a random token (stored hashed) made from a key at login, ended by logout,
-- by its expiry, or when its key is revoked.
CREATE TABLE tiktok_sessions (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id  uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    api_key_id    uuid NOT NULL REFERENCES tiktok_api_keys(id) ON DELETE CASCADE,
    token_hash    text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz
);
CREATE INDEX tiktok_sessions_key ON tiktok_sessions (api_key_id);
CALL tiktok_meta.enable_tenancy('tiktok_sessions');
GRANT SELECT ON tiktok_sessions TO tiktok_definer;
CREATE POLICY definer_session_lookup ON tiktok_sessions FOR SELECT TO tiktok_definer USING (true);

CREATE FUNCTION tiktok_lookup_session(p_token_hash text)
RETURNS TABLE (session_id uuid, api_key_id uuid, workspace_id uuid, role text, name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT s.id, k.id, k.workspace_id, k.role, k.name
    FROM tiktok_sessions s JOIN tiktok_api_keys k ON k.id = s.api_key_id
    WHERE s.token_hash = p_token_hash AND s.revoked_at IS NULL AND s.expires_at > now() AND k.revoked_at IS NULL
$$;

-- Every process caches key and session lookups briefly; a revocation (or a role change, or a
-- logout) tells them all at once.
CREATE FUNCTION tiktok_meta.notify_credentials() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tiktok_credentials', TG_TABLE_NAME);
    RETURN NULL;
END
$$;
CREATE TRIGGER tiktok_api_keys_changed AFTER UPDATE OF revoked_at, role ON tiktok_api_keys
    FOR EACH ROW EXECUTE FUNCTION tiktok_meta.notify_credentials();
CREATE TRIGGER tiktok_sessions_revoked AFTER UPDATE OF revoked_at ON tiktok_sessions
    FOR EACH ROW EXECUTE FUNCTION tiktok_meta.notify_credentials();

-- Which workspace a Pub/Sub push subscription delivers for: the tenant of a message comes from
-- here, never from the message.
CREATE TABLE tiktok_pubsub_subscriptions (
    subscription  text PRIMARY KEY CHECK (subscription ~ '^projects/[^/]+/subscriptions/[^/]+$'),
    workspace_id  uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CALL tiktok_meta.enable_tenancy('tiktok_pubsub_subscriptions');
GRANT SELECT ON tiktok_pubsub_subscriptions TO tiktok_definer;
CREATE POLICY definer_subscription_lookup ON tiktok_pubsub_subscriptions FOR SELECT TO tiktok_definer USING (true);

CREATE FUNCTION tiktok_lookup_subscription(p_subscription text)
RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT workspace_id FROM tiktok_pubsub_subscriptions WHERE subscription = p_subscription
$$;

-- Spend functions: the workspace is the caller's scope (app.workspace_id, as for every policy)
-- and the cap is the workspace's row, else the deployment's default from tiktok_meta.spend_defaults,
-- which only the owner role writes (from the settings, at start-up) and no caller can touch.
CREATE TABLE tiktok_meta.spend_defaults (
    category  text PRIMARY KEY CHECK (category IN ('claude', 'ads')),
    cap_usd   numeric(16, 6) NOT NULL CHECK (cap_usd >= 0)
);
INSERT INTO tiktok_meta.spend_defaults (category, cap_usd) VALUES ('claude', 25), ('ads', 500);
GRANT SELECT ON tiktok_meta.spend_defaults TO tiktok_definer;
DROP FUNCTION tiktok_charge_spend(uuid, text, numeric, text, numeric);
DROP FUNCTION tiktok_settle_spend(uuid, text, text, numeric);

CREATE FUNCTION tiktok_meta.scoped_workspace() RETURNS uuid
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_workspace uuid := NULLIF(current_setting('app.workspace_id', true), '')::uuid;
BEGIN
    IF v_workspace IS NULL THEN
        RAISE EXCEPTION 'no workspace in scope' USING ERRCODE = '42501';
    END IF;
    RETURN v_workspace;
END
$$;
GRANT USAGE ON SCHEMA tiktok_meta TO tiktok_definer;
GRANT EXECUTE ON FUNCTION tiktok_meta.scoped_workspace() TO tiktok_definer;

CREATE FUNCTION tiktok_charge_spend(p_category text, p_amount numeric, p_reference text)
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
    INSERT INTO tiktok_spend_days AS d (workspace_id, day, category, spent_usd) VALUES (v_workspace, current_date, p_category, p_amount)
    ON CONFLICT (workspace_id, day, category) DO UPDATE SET spent_usd = d.spent_usd + EXCLUDED.spent_usd
    RETURNING d.spent_usd INTO v_spent;
    IF v_spent > v_cap + 0.000000001 THEN
        RAISE EXCEPTION 'daily % spend cap exceeded', p_category USING ERRCODE = 'TA001', DETAIL = (v_spent - p_amount)::text || ' ' || v_cap::text;
    END IF;
    RETURN QUERY SELECT v_spent, v_cap;
END
$$;

CREATE FUNCTION tiktok_settle_spend(p_category text, p_reference text, p_amount numeric)
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
    IF NOT FOUND THEN
        RETURN;
    END IF;
    UPDATE tiktok_spend_ledger SET amount_usd = p_amount WHERE workspace_id = v_workspace AND category = p_category AND reference = p_reference;
    UPDATE tiktok_spend_days SET spent_usd = greatest(0, spent_usd + p_amount - v_before)
    WHERE workspace_id = v_workspace AND day = v_day AND category = p_category;
END
$$;

GRANT CREATE ON SCHEMA public TO tiktok_definer;
ALTER FUNCTION tiktok_lookup_api_key(text) OWNER TO tiktok_definer;
ALTER FUNCTION tiktok_lookup_session(text) OWNER TO tiktok_definer;
ALTER FUNCTION tiktok_lookup_subscription(text) OWNER TO tiktok_definer;
ALTER FUNCTION tiktok_charge_spend(text, numeric, text) OWNER TO tiktok_definer;
ALTER FUNCTION tiktok_settle_spend(text, text, numeric) OWNER TO tiktok_definer;
REVOKE CREATE ON SCHEMA public FROM tiktok_definer;
REVOKE ALL ON FUNCTION tiktok_lookup_api_key(text), tiktok_lookup_session(text), tiktok_lookup_subscription(text),
    tiktok_charge_spend(text, numeric, text), tiktok_settle_spend(text, text, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tiktok_lookup_api_key(text), tiktok_lookup_session(text), tiktok_lookup_subscription(text),
    tiktok_charge_spend(text, numeric, text), tiktok_settle_spend(text, text, numeric) TO tiktok_app;
