-- The claim, unchanged in what it does, as PL/pgSQL: an SQL-language function that cannot be
-- inlined (SECURITY DEFINER, SET search_path) is parsed and planned again on every call, while
-- PL/pgSQL keeps its statement's plan for the life of the connection. The engine claims after
-- every transition that can ready a step, so this was planning work on every few statements.

DROP FUNCTION tiktok_claim_steps(text, integer, integer, uuid, uuid[]);

CREATE FUNCTION tiktok_claim_steps(p_owner text, p_lease_seconds integer, p_limit integer, p_step uuid DEFAULT NULL, p_exclude uuid[] DEFAULT '{}')
RETURNS TABLE (step_id uuid, run_id uuid, workspace_id uuid, attempt integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH ready AS (
        SELECT s.id FROM tiktok_workflow_steps s
        JOIN tiktok_workflow_runs r ON r.id = s.run_id
        WHERE r.status = 'running'
          AND (p_step IS NULL OR s.id = p_step)
          AND NOT (s.id = ANY (p_exclude))
          AND (
                (s.status = 'pending' AND (s.next_attempt_at IS NULL OR s.next_attempt_at <= now())
                 AND NOT EXISTS (SELECT 1 FROM tiktok_workflow_steps d
                                 WHERE d.run_id = s.run_id AND d.step_key = ANY (s.depends_on) AND d.status <> 'succeeded'))
             OR (s.status = 'running' AND s.lease_expires_at < now())
          )
        ORDER BY s.created_at, s.id
        LIMIT p_limit
        FOR UPDATE OF s SKIP LOCKED
    ), claimed AS (
        UPDATE tiktok_workflow_steps s
        SET status = 'running', lease_owner = p_owner, lease_expires_at = now() + make_interval(secs => p_lease_seconds),
            attempt = s.attempt + 1, started_at = COALESCE(s.started_at, now()), updated_at = now()
        FROM ready WHERE s.id = ready.id
        RETURNING s.id, s.run_id, s.workspace_id, s.attempt
    ), abandoned AS (
        UPDATE tiktok_agent_runs a
        SET status = 'failed', error = 'abandoned: its attempt ended without closing it (the process died or lost the database)', completed_at = now()
        FROM claimed WHERE a.workflow_step_id = claimed.id AND a.status = 'running'
    )
    SELECT claimed.id, claimed.run_id, claimed.workspace_id, claimed.attempt FROM claimed;
END
$$;
GRANT CREATE ON SCHEMA public TO tiktok_definer;
ALTER FUNCTION tiktok_claim_steps(text, integer, integer, uuid, uuid[]) OWNER TO tiktok_definer;
REVOKE CREATE ON SCHEMA public FROM tiktok_definer;
REVOKE ALL ON FUNCTION tiktok_claim_steps(text, integer, integer, uuid, uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tiktok_claim_steps(text, integer, integer, uuid, uuid[]) TO tiktok_app;
