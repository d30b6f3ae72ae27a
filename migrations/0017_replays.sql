-- Replays: a run that re-runs a recorded one, its Claude and provider calls answered from the
-- recorded run's trace. Reads an agent's decision rests on are traced too (kind db_read).
ALTER TABLE tiktok_workflow_runs ADD COLUMN replay_of uuid REFERENCES tiktok_workflow_runs(id) ON DELETE SET NULL;
CREATE INDEX tiktok_workflow_runs_replay_of ON tiktok_workflow_runs (replay_of) WHERE replay_of IS NOT NULL;

ALTER TABLE tiktok_agent_steps DROP CONSTRAINT tiktok_agent_steps_kind_check;
ALTER TABLE tiktok_agent_steps ADD CONSTRAINT tiktok_agent_steps_kind_check
    CHECK (kind IN ('llm_call', 'provider_call', 'skill_call', 'db_write', 'db_read'));
