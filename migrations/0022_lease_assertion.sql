-- A step's outcome asserts its lease instead of asking about it: the assertion is sent with the
-- transaction's next statements without waiting for its answer, and raises SQLSTATE TA002 (the
-- transaction fails, nothing of it stays) when the step is no longer running under that owner.
-- It locks the step's row for the transaction as the question did. An invoker's function, so the
-- caller's row-level security applies.
CREATE FUNCTION tiktok_hold_lease(p_step uuid, p_owner text)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM 1 FROM tiktok_workflow_steps WHERE id = p_step AND lease_owner = p_owner AND status = 'running' FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'step % is not running under lease %', p_step, p_owner USING ERRCODE = 'TA002';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION tiktok_hold_lease(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tiktok_hold_lease(uuid, text) TO tiktok_app;
