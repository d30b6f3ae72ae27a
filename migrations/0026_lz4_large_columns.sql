-- The large values a run writes are compressed with LZ4 when the server was built with it.
--
-- Every Claude call's trace row carries its system prompt (about 6 KB with the brand context),
-- and Postgres compresses any row past 2 KB before storing it. Its default, pglz, took about 1%
-- of the database's CPU in the engine's benchmark; LZ4 compresses the same prompts several times
-- faster, at 3.5 KB against pglz's 3.2 KB. Values stored before keep their compression: Postgres
-- reads both. A server without LZ4 keeps pglz.

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE tiktok_agent_steps
            ALTER COLUMN system_prompt SET COMPRESSION lz4,
            ALTER COLUMN user_prompt SET COMPRESSION lz4,
            ALTER COLUMN response_text SET COMPRESSION lz4,
            ALTER COLUMN request SET COMPRESSION lz4,
            ALTER COLUMN response SET COMPRESSION lz4;
        ALTER TABLE tiktok_run_contexts
            ALTER COLUMN data SET COMPRESSION lz4,
            ALTER COLUMN text SET COMPRESSION lz4;
        ALTER TABLE tiktok_workflow_steps
            ALTER COLUMN input SET COMPRESSION lz4,
            ALTER COLUMN output SET COMPRESSION lz4;
        ALTER TABLE tiktok_agent_runs
            ALTER COLUMN input SET COMPRESSION lz4,
            ALTER COLUMN output SET COMPRESSION lz4;
        ALTER TABLE tiktok_workflow_runs
            ALTER COLUMN input SET COMPRESSION lz4,
            ALTER COLUMN report_md SET COMPRESSION lz4;
    END IF;
END $$;
