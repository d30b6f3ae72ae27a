-- A step's success that leaves other steps of its run to do is recorded in one round trip: its
-- statements travel with the COMMIT, their answers read after it. This assertion goes with them
-- and stops the transaction (SQLSTATE TA003, nothing of it stays) when the success leaves nothing
-- open in the run after all (another step failed meanwhile), so a run's end is always decided in
-- the transaction that records its last outcome: the engine records that outcome again the way
-- that ends the run. An invoker's function.
CREATE FUNCTION tiktok_assert_run_continues(p_ends boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp AS $$
BEGIN
    IF p_ends THEN
        RAISE EXCEPTION 'this outcome ends its run' USING ERRCODE = 'TA003';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION tiktok_assert_run_continues(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tiktok_assert_run_continues(boolean) TO tiktok_app;
