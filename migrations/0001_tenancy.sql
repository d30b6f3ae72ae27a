-- Tenancy: workspaces, API keys, and the helper that puts a table under row-level security.
--
-- Roles (created once per cluster by the bootstrap, see docs/ARCHITECTURE.md):
--   tiktok_owner    runs these migrations and owns every object; not superuser, no BYPASSRLS.
--   tiktok_app      the server's login role: DML only, subject to every policy.
--   tiktok_definer  NOLOGIN; owns the few SECURITY DEFINER functions that must look across
--                   workspaces, and is granted narrow read policies for exactly that.

CREATE PROCEDURE tiktok_meta.enable_tenancy(tbl regclass)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format(
        'CREATE POLICY workspace_isolation ON %s
             USING (workspace_id = NULLIF(current_setting(''app.workspace_id'', true), '''')::uuid)
             WITH CHECK (workspace_id = NULLIF(current_setting(''app.workspace_id'', true), '''')::uuid)',
        tbl);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO tiktok_app', tbl);
END
$$;

CREATE TABLE tiktok_workspaces (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id  uuid GENERATED ALWAYS AS (id) STORED,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CALL tiktok_meta.enable_tenancy('tiktok_workspaces');

CREATE TABLE tiktok_api_keys (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id  uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    name          text NOT NULL DEFAULT 'default',
    key_hash      text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    key_prefix    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX tiktok_api_keys_workspace ON tiktok_api_keys (workspace_id);
CALL tiktok_meta.enable_tenancy('tiktok_api_keys');

-- The one cross-workspace read the request path needs: key hash -> workspace.
GRANT SELECT ON tiktok_api_keys TO tiktok_definer;
CREATE POLICY definer_key_lookup ON tiktok_api_keys FOR SELECT TO tiktok_definer USING (true);

CREATE FUNCTION tiktok_lookup_api_key(p_key_hash text)
RETURNS TABLE (api_key_id uuid, workspace_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT k.id, k.workspace_id FROM tiktok_api_keys k
    WHERE k.key_hash = p_key_hash AND k.revoked_at IS NULL
$$;
GRANT CREATE ON SCHEMA public TO tiktok_definer;  -- needed only to hand the function over
ALTER FUNCTION tiktok_lookup_api_key(text) OWNER TO tiktok_definer;
REVOKE CREATE ON SCHEMA public FROM tiktok_definer;
REVOKE ALL ON FUNCTION tiktok_lookup_api_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tiktok_lookup_api_key(text) TO tiktok_app;

CREATE TABLE tiktok_spend_caps (
    workspace_id       uuid PRIMARY KEY REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    claude_daily_usd   numeric(14, 6) CHECK (claude_daily_usd >= 0),
    ads_daily_usd      numeric(14, 2) CHECK (ads_daily_usd >= 0),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CALL tiktok_meta.enable_tenancy('tiktok_spend_caps');

CREATE TABLE tiktok_spend_ledger (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id  uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    day           date NOT NULL,
    category      text NOT NULL CHECK (category IN ('claude', 'ads')),
    amount_usd    numeric(14, 6) NOT NULL CHECK (amount_usd >= 0),
    reference     text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, category, reference)
);
CREATE INDEX tiktok_spend_ledger_day ON tiktok_spend_ledger (workspace_id, category, day);
CALL tiktok_meta.enable_tenancy('tiktok_spend_ledger');
