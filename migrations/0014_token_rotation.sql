-- Key rotation re-seals every workspace's tokens: which workspaces hold tokens sealed under a
-- key other than the current one (ids only).
CREATE FUNCTION tiktok_workspaces_with_stale_tokens(p_key_id text)
RETURNS TABLE (workspace_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT DISTINCT a.workspace_id FROM tiktok_accounts a WHERE a.key_id IS NOT NULL AND a.key_id <> p_key_id
$$;
GRANT CREATE ON SCHEMA public TO tiktok_definer;
ALTER FUNCTION tiktok_workspaces_with_stale_tokens(text) OWNER TO tiktok_definer;
REVOKE CREATE ON SCHEMA public FROM tiktok_definer;
REVOKE ALL ON FUNCTION tiktok_workspaces_with_stale_tokens(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tiktok_workspaces_with_stale_tokens(text) TO tiktok_app;
