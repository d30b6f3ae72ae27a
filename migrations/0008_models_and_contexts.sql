-- Per-workspace model choice per agent, and the brand context the agents of a run share.

-- A workspace's choice of model for one agent (or `synthesis`), over the catalog tier's default.
CREATE TABLE tiktok_agent_models (
    workspace_id  uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    agent_name    text NOT NULL CHECK (agent_name ~ '^[a-z_]{1,64}$'),
    model         text NOT NULL CHECK (length(model) BETWEEN 1 AND 100),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, agent_name)
);
CALL tiktok_meta.enable_tenancy('tiktok_agent_models');

-- The brand context of a run: the account data every agent's prompt starts with, written once
-- (the first agent to need it wins) so every Claude call of the run shares the same cached
-- prefix; a later run of the same brand may reuse a recent one byte for byte.
CREATE TABLE tiktok_run_contexts (
    workflow_run_id  uuid PRIMARY KEY REFERENCES tiktok_workflow_runs(id) ON DELETE CASCADE,
    workspace_id     uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    handle           text NOT NULL,
    data             jsonb NOT NULL,
    text             text NOT NULL,
    built_at         timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tiktok_run_contexts_brand ON tiktok_run_contexts (workspace_id, handle, built_at DESC);
CALL tiktok_meta.enable_tenancy('tiktok_run_contexts');

-- Cheaper models bill in fractions of a millionth of a dollar (Haiku 5.5 reads cost $0.01 per
-- million tokens): keep run and step totals at the precision of the trace rows.
ALTER TABLE tiktok_agent_runs ALTER COLUMN cost_usd TYPE numeric(16, 8);
ALTER TABLE tiktok_workflow_steps ALTER COLUMN cost_usd TYPE numeric(16, 8);
ALTER TABLE tiktok_workflow_runs ALTER COLUMN total_cost_usd TYPE numeric(16, 8);
ALTER TABLE tiktok_spend_ledger ALTER COLUMN amount_usd TYPE numeric(16, 8);
ALTER TABLE tiktok_spend_days ALTER COLUMN spent_usd TYPE numeric(18, 8);
