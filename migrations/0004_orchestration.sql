-- Cross-workspace step claiming for the workflow engine. Several server processes share the work:
-- each claims ready steps with FOR UPDATE SKIP LOCKED and holds them under a lease it renews;
-- an expired lease (a crashed process) makes the step claimable again.

GRANT SELECT ON tiktok_workflow_runs TO tiktok_definer;
GRANT SELECT, UPDATE ON tiktok_workflow_steps TO tiktok_definer;
CREATE POLICY definer_claim_runs ON tiktok_workflow_runs FOR SELECT TO tiktok_definer USING (true);
CREATE POLICY definer_claim_steps_read ON tiktok_workflow_steps FOR SELECT TO tiktok_definer USING (true);
CREATE POLICY definer_claim_steps_write ON tiktok_workflow_steps FOR UPDATE TO tiktok_definer USING (true) WITH CHECK (true);

-- Claims up to p_limit ready steps (or exactly p_step when given): pending steps whose
-- dependencies all succeeded and whose backoff has passed, or running steps whose lease expired,
-- of runs that are running.
CREATE FUNCTION tiktok_claim_steps(p_owner text, p_lease_seconds integer, p_limit integer, p_step uuid DEFAULT NULL)
RETURNS TABLE (step_id uuid, run_id uuid, workspace_id uuid, attempt integer)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH ready AS (
        SELECT s.id FROM tiktok_workflow_steps s
        JOIN tiktok_workflow_runs r ON r.id = s.run_id
        WHERE r.status = 'running'
          AND (p_step IS NULL OR s.id = p_step)
          AND (
                (s.status = 'pending' AND (s.next_attempt_at IS NULL OR s.next_attempt_at <= now())
                 AND NOT EXISTS (SELECT 1 FROM tiktok_workflow_steps d
                                 WHERE d.run_id = s.run_id AND d.step_key = ANY (s.depends_on) AND d.status <> 'succeeded'))
             OR (s.status = 'running' AND s.lease_expires_at < now())
          )
        ORDER BY s.created_at, s.id
        LIMIT p_limit
        FOR UPDATE OF s SKIP LOCKED
    )
    UPDATE tiktok_workflow_steps s
    SET status = 'running', lease_owner = p_owner, lease_expires_at = now() + make_interval(secs => p_lease_seconds),
        attempt = s.attempt + 1, started_at = COALESCE(s.started_at, now()), updated_at = now()
    FROM ready WHERE s.id = ready.id
    RETURNING s.id, s.run_id, s.workspace_id, s.attempt
$$;
GRANT CREATE ON SCHEMA public TO tiktok_definer;
ALTER FUNCTION tiktok_claim_steps(text, integer, integer, uuid) OWNER TO tiktok_definer;
REVOKE CREATE ON SCHEMA public FROM tiktok_definer;
REVOKE ALL ON FUNCTION tiktok_claim_steps(text, integer, integer, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tiktok_claim_steps(text, integer, integer, uuid) TO tiktok_app;

-- The earliest moment a pending step's backoff or a running step's lease ends, so an idle engine
-- knows when to look again.
CREATE FUNCTION tiktok_next_step_due()
RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT min(CASE WHEN s.status = 'pending' THEN s.next_attempt_at ELSE s.lease_expires_at END)
    FROM tiktok_workflow_steps s JOIN tiktok_workflow_runs r ON r.id = s.run_id
    WHERE r.status = 'running' AND s.status IN ('pending', 'running')
$$;
GRANT CREATE ON SCHEMA public TO tiktok_definer;
ALTER FUNCTION tiktok_next_step_due() OWNER TO tiktok_definer;
REVOKE CREATE ON SCHEMA public FROM tiktok_definer;
REVOKE ALL ON FUNCTION tiktok_next_step_due() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tiktok_next_step_due() TO tiktok_app;
