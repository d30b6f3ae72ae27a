-- Runs left open with nothing that can move: running or awaiting approval, with steps, none of
-- them running, awaiting approval, or pending with every dependency succeeded. The finish check
-- once counted a pending step behind a failed one as open, so a run reopened at one of several
-- failed steps stayed running after that step ended. The engine's sweep ends such runs through
-- the same finish check (under the run's lock), across workspaces: ids only.
CREATE FUNCTION tiktok_stalled_runs(p_limit int)
RETURNS TABLE (workspace_id uuid, run_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT r.workspace_id, r.id FROM tiktok_workflow_runs r
    WHERE r.status IN ('running', 'awaiting_approval')
      AND EXISTS (SELECT 1 FROM tiktok_workflow_steps s WHERE s.run_id = r.id)
      AND NOT EXISTS (
          SELECT 1 FROM tiktok_workflow_steps s
          WHERE s.run_id = r.id AND (
              s.status IN ('running', 'awaiting_approval')
              OR (s.status = 'pending' AND NOT EXISTS (
                  SELECT 1 FROM tiktok_workflow_steps d
                  WHERE d.run_id = s.run_id AND d.step_key = ANY (s.depends_on) AND d.status <> 'succeeded'))))
    ORDER BY r.updated_at LIMIT p_limit
$$;
GRANT CREATE ON SCHEMA public TO tiktok_definer;
ALTER FUNCTION tiktok_stalled_runs(int) OWNER TO tiktok_definer;
REVOKE CREATE ON SCHEMA public FROM tiktok_definer;
REVOKE ALL ON FUNCTION tiktok_stalled_runs(int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tiktok_stalled_runs(int) TO tiktok_app;
