-- Connected accounts: each workspace authorizes its own TikTok, Business, Ads, Shop and Shopify
-- accounts. Tokens are stored sealed (AES-256-GCM, the key never in the database) with the id of
-- the key that sealed them. A live account's external id belongs to one workspace.
ALTER TABLE tiktok_accounts
    ADD COLUMN kind text NOT NULL DEFAULT 'tiktok'
        CHECK (kind IN ('tiktok', 'tiktok_business', 'tiktok_ads', 'tiktok_shop', 'shopify')),
    ADD COLUMN external_id text,
    ADD COLUMN scopes text[] NOT NULL DEFAULT '{}',
    ADD COLUMN access_token bytea,
    ADD COLUMN refresh_token bytea,
    ADD COLUMN key_id text,
    ADD COLUMN expires_at timestamptz,
    ADD COLUMN refresh_expires_at timestamptz,
    ADD COLUMN status text NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'expiring', 'needs_reauth', 'disconnected')),
    ADD COLUMN last_error text,
    -- A refresh in progress: who holds it and until when. One process refreshes an account at a
    -- time (refresh tokens rotate), without holding a connection across the provider call.
    ADD COLUMN refresh_owner text,
    ADD COLUMN refresh_until timestamptz,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
UPDATE tiktok_accounts SET external_id = open_id WHERE open_id IS NOT NULL;
ALTER TABLE tiktok_accounts DROP CONSTRAINT tiktok_accounts_workspace_id_handle_key;
CREATE UNIQUE INDEX tiktok_accounts_handle ON tiktok_accounts (workspace_id, kind, handle) WHERE status <> 'disconnected';
CREATE UNIQUE INDEX tiktok_accounts_external ON tiktok_accounts (kind, external_id) WHERE status <> 'disconnected';
CREATE INDEX tiktok_accounts_expiry ON tiktok_accounts (expires_at) WHERE status IN ('active', 'expiring');

-- Webhooks route by the TikTok user's open_id: a Login Kit or Business account still connected.
CREATE OR REPLACE FUNCTION tiktok_account_for_open_id(p_open_id text)
RETURNS TABLE (workspace_id uuid, account_id uuid, handle text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT a.workspace_id, a.id, a.handle FROM tiktok_accounts a
    WHERE a.external_id = p_open_id AND a.kind IN ('tiktok', 'tiktok_business') AND a.status <> 'disconnected'
    ORDER BY a.kind, a.created_at LIMIT 1
$$;
DROP INDEX tiktok_accounts_open_id;
ALTER TABLE tiktok_accounts DROP COLUMN open_id;

-- The token refresher looks across workspaces for tokens about to expire: ids only.
CREATE FUNCTION tiktok_accounts_due_for_refresh(p_before timestamptz, p_limit int)
RETURNS TABLE (workspace_id uuid, account_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT a.workspace_id, a.id FROM tiktok_accounts a
    WHERE a.status IN ('active', 'expiring') AND a.refresh_token IS NOT NULL AND a.expires_at < p_before
    ORDER BY a.expires_at LIMIT p_limit
$$;
GRANT CREATE ON SCHEMA public TO tiktok_definer;
ALTER FUNCTION tiktok_accounts_due_for_refresh(timestamptz, int) OWNER TO tiktok_definer;
REVOKE CREATE ON SCHEMA public FROM tiktok_definer;
REVOKE ALL ON FUNCTION tiktok_accounts_due_for_refresh(timestamptz, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tiktok_accounts_due_for_refresh(timestamptz, int) TO tiktok_app;

-- OAuth `state`: single use, bound to the dashboard session that started the flow, 10 minutes.
CREATE TABLE tiktok_oauth_states (
    workspace_id  uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    state_hash    text PRIMARY KEY CHECK (state_hash ~ '^[0-9a-f]{64}$'),
    session_hash  text NOT NULL,
    kind          text NOT NULL,
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CALL tiktok_meta.enable_tenancy('tiktok_oauth_states');

-- A callback arrives without the workspace (only `state`): its workspace, found by the hash.
CREATE FUNCTION tiktok_oauth_state_workspace(p_state_hash text)
RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT s.workspace_id FROM tiktok_oauth_states s WHERE s.state_hash = p_state_hash
$$;
GRANT SELECT ON tiktok_oauth_states TO tiktok_definer;
CREATE POLICY definer_state_lookup ON tiktok_oauth_states FOR SELECT TO tiktok_definer USING (true);
GRANT CREATE ON SCHEMA public TO tiktok_definer;
ALTER FUNCTION tiktok_oauth_state_workspace(text) OWNER TO tiktok_definer;
REVOKE CREATE ON SCHEMA public FROM tiktok_definer;
REVOKE ALL ON FUNCTION tiktok_oauth_state_workspace(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tiktok_oauth_state_workspace(text) TO tiktok_app;
