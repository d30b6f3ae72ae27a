-- Cross-workspace aggregates for /metrics and the webhook account lookup, through narrow
-- SECURITY DEFINER functions (the server's role sees only one workspace at a time).

GRANT SELECT ON tiktok_agent_steps TO tiktok_definer;
CREATE POLICY definer_metrics_steps ON tiktok_agent_steps FOR SELECT TO tiktok_definer USING (true);
GRANT SELECT ON tiktok_accounts TO tiktok_definer;
CREATE POLICY definer_account_lookup ON tiktok_accounts FOR SELECT TO tiktok_definer USING (true);

-- Aggregates only: counts and sums, never rows.
CREATE FUNCTION tiktok_metrics_snapshot()
RETURNS TABLE (metric text, label text, value double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT 'runs', status, count(*)::double precision FROM tiktok_workflow_runs GROUP BY status
    UNION ALL SELECT 'claude_tokens', 'input', COALESCE(sum(input_tokens), 0)::double precision FROM tiktok_agent_steps WHERE kind = 'llm_call'
    UNION ALL SELECT 'claude_tokens', 'output', COALESCE(sum(output_tokens), 0)::double precision FROM tiktok_agent_steps WHERE kind = 'llm_call'
    UNION ALL SELECT 'claude_tokens', 'cache_creation', COALESCE(sum(cache_creation_input_tokens), 0)::double precision FROM tiktok_agent_steps WHERE kind = 'llm_call'
    UNION ALL SELECT 'claude_tokens', 'cache_read', COALESCE(sum(cache_read_input_tokens), 0)::double precision FROM tiktok_agent_steps WHERE kind = 'llm_call'
    UNION ALL SELECT 'claude_cost', 'usd', COALESCE(sum(cost_usd), 0)::double precision FROM tiktok_agent_steps WHERE kind = 'llm_call'
$$;

-- Which workspace and account a TikTok user (open_id) belongs to, for webhook routing.
CREATE FUNCTION tiktok_account_for_open_id(p_open_id text)
RETURNS TABLE (workspace_id uuid, account_id uuid, handle text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT a.workspace_id, a.id, a.handle FROM tiktok_accounts a WHERE a.open_id = p_open_id ORDER BY a.created_at LIMIT 1
$$;

GRANT CREATE ON SCHEMA public TO tiktok_definer;
ALTER FUNCTION tiktok_metrics_snapshot() OWNER TO tiktok_definer;
ALTER FUNCTION tiktok_account_for_open_id(text) OWNER TO tiktok_definer;
REVOKE CREATE ON SCHEMA public FROM tiktok_definer;
REVOKE ALL ON FUNCTION tiktok_metrics_snapshot() FROM PUBLIC;
REVOKE ALL ON FUNCTION tiktok_account_for_open_id(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tiktok_metrics_snapshot() TO tiktok_app;
GRANT EXECUTE ON FUNCTION tiktok_account_for_open_id(text) TO tiktok_app;
CREATE INDEX tiktok_accounts_open_id ON tiktok_accounts (open_id) WHERE open_id IS NOT NULL;
