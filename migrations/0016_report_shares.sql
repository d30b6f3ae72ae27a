-- Read-only links to a run's report: a random token (only its hash is stored), an expiry, and a
-- revocation. Opening a link needs no key: the token's hash finds the workspace.
CREATE TABLE tiktok_report_shares (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id  uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    run_id        uuid NOT NULL REFERENCES tiktok_workflow_runs(id) ON DELETE CASCADE,
    token_hash    text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    created_by    text,
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tiktok_report_shares_run ON tiktok_report_shares (run_id);
CALL tiktok_meta.enable_tenancy('tiktok_report_shares');

-- The workspace of a live share (unexpired, not revoked), found by the token's hash.
CREATE FUNCTION tiktok_report_share_workspace(p_token_hash text)
RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT s.workspace_id FROM tiktok_report_shares s
    WHERE s.token_hash = p_token_hash AND s.revoked_at IS NULL AND s.expires_at > now()
$$;
GRANT SELECT ON tiktok_report_shares TO tiktok_definer;
CREATE POLICY definer_share_lookup ON tiktok_report_shares FOR SELECT TO tiktok_definer USING (true);
GRANT CREATE ON SCHEMA public TO tiktok_definer;
ALTER FUNCTION tiktok_report_share_workspace(text) OWNER TO tiktok_definer;
REVOKE CREATE ON SCHEMA public FROM tiktok_definer;
REVOKE ALL ON FUNCTION tiktok_report_share_workspace(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tiktok_report_share_workspace(text) TO tiktok_app;
