-- A timestamp as the API prints it (UTC, milliseconds, a trailing Z: what the server's own
-- formatter gives), for JSON that Postgres builds itself.
CREATE FUNCTION tiktok_json_time(t timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
