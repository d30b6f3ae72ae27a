-- Claiming, revised: a process never claims a step it still holds (one whose outcome it is
-- still trying to record after a database outage, when its lease may have expired meanwhile);
-- other processes still take such a step over once the lease expired. Claiming a step closes, as
-- failed ("abandoned"), any agent run of it still marked running: its process died, or could not
-- reach the database to close it.

GRANT SELECT, UPDATE ON tiktok_agent_runs TO tiktok_definer;
CREATE POLICY definer_claim_agent_runs_read ON tiktok_agent_runs FOR SELECT TO tiktok_definer USING (true);
CREATE POLICY definer_claim_agent_runs_write ON tiktok_agent_runs FOR UPDATE TO tiktok_definer USING (true) WITH CHECK (true);

DROP FUNCTION tiktok_claim_steps(text, integer, integer, uuid);

CREATE FUNCTION tiktok_claim_steps(p_owner text, p_lease_seconds integer, p_limit integer, p_step uuid DEFAULT NULL, p_exclude uuid[] DEFAULT '{}')
RETURNS TABLE (step_id uuid, run_id uuid, workspace_id uuid, attempt integer)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
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
    SELECT id, run_id, workspace_id, attempt FROM claimed
$$;
GRANT CREATE ON SCHEMA public TO tiktok_definer;
ALTER FUNCTION tiktok_claim_steps(text, integer, integer, uuid, uuid[]) OWNER TO tiktok_definer;
REVOKE CREATE ON SCHEMA public FROM tiktok_definer;
REVOKE ALL ON FUNCTION tiktok_claim_steps(text, integer, integer, uuid, uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tiktok_claim_steps(text, integer, integer, uuid, uuid[]) TO tiktok_app;
