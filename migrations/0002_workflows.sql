-- Briefs, workflows, runs, steps, agent runs with their traces, approvals and the run event log.

CREATE TABLE tiktok_briefs (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id  uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    handle        text NOT NULL,
    target_type   text NOT NULL DEFAULT 'own_account' CHECK (target_type IN ('own_account', 'competitor', 'creator')),
    notes         text,
    brand_id      text,
    inputs        jsonb NOT NULL DEFAULT '{}',
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'dispatched', 'completed', 'failed', 'cancelled')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tiktok_briefs_recent ON tiktok_briefs (workspace_id, created_at DESC, id DESC);
CALL tiktok_meta.enable_tenancy('tiktok_briefs');

CREATE TABLE tiktok_workflows (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id  uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    slug          text NOT NULL,
    name          text NOT NULL,
    description   text NOT NULL DEFAULT '',
    definition    jsonb NOT NULL,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, slug)
);
CALL tiktok_meta.enable_tenancy('tiktok_workflows');

CREATE TABLE tiktok_workflow_runs (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id      uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    workflow_id       uuid REFERENCES tiktok_workflows(id) ON DELETE SET NULL,
    workflow_slug     text NOT NULL,
    brief_id          uuid REFERENCES tiktok_briefs(id) ON DELETE SET NULL,
    status            text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'running', 'awaiting_approval', 'succeeded', 'failed', 'cancelled', 'rejected')),
    input             jsonb NOT NULL DEFAULT '{}',
    report_md         text,
    error             text,
    total_cost_usd    numeric(14, 6) NOT NULL DEFAULT 0,
    total_latency_ms  bigint NOT NULL DEFAULT 0,
    event_seq         integer NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    completed_at      timestamptz,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tiktok_workflow_runs_recent ON tiktok_workflow_runs (workspace_id, created_at DESC, id DESC);
CREATE INDEX tiktok_workflow_runs_status ON tiktok_workflow_runs (workspace_id, status);
CREATE INDEX tiktok_workflow_runs_unfinished ON tiktok_workflow_runs (status) WHERE status IN ('pending', 'running');
CALL tiktok_meta.enable_tenancy('tiktok_workflow_runs');

CREATE TABLE tiktok_workflow_steps (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id      uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    run_id            uuid NOT NULL REFERENCES tiktok_workflow_runs(id) ON DELETE CASCADE,
    step_key          text NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('agent', 'approval', 'synthesis')),
    agent_name        text,
    depends_on        text[] NOT NULL DEFAULT '{}',
    status            text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped', 'awaiting_approval', 'cancelled')),
    input             jsonb NOT NULL DEFAULT '{}',
    output            jsonb,
    error             text,
    attempt           integer NOT NULL DEFAULT 0,
    max_attempts      integer NOT NULL DEFAULT 1,
    agent_run_id      uuid,
    cost_usd          numeric(14, 6) NOT NULL DEFAULT 0,
    latency_ms        bigint NOT NULL DEFAULT 0,
    lease_owner       text,
    lease_expires_at  timestamptz,
    next_attempt_at   timestamptz,
    started_at        timestamptz,
    completed_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (run_id, step_key)
);
CREATE INDEX tiktok_workflow_steps_claimable ON tiktok_workflow_steps (status, next_attempt_at) WHERE status IN ('pending', 'running');
CALL tiktok_meta.enable_tenancy('tiktok_workflow_steps');

CREATE TABLE tiktok_agent_runs (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id      uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    agent_name        text NOT NULL,
    workflow_run_id   uuid REFERENCES tiktok_workflow_runs(id) ON DELETE CASCADE,
    workflow_step_id  uuid REFERENCES tiktok_workflow_steps(id) ON DELETE CASCADE,
    status            text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    input             jsonb NOT NULL DEFAULT '{}',
    output            jsonb,
    error             text,
    cost_usd          numeric(14, 6) NOT NULL DEFAULT 0,
    latency_ms        bigint NOT NULL DEFAULT 0,
    started_at        timestamptz NOT NULL DEFAULT now(),
    completed_at      timestamptz
);
CREATE INDEX tiktok_agent_runs_by_agent ON tiktok_agent_runs (workspace_id, agent_name, started_at DESC);
CREATE INDEX tiktok_agent_runs_by_step ON tiktok_agent_runs (workflow_step_id);
CREATE INDEX tiktok_agent_runs_by_run ON tiktok_agent_runs (workflow_run_id);
CALL tiktok_meta.enable_tenancy('tiktok_agent_runs');

CREATE TABLE tiktok_agent_steps (
    id                           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id                 uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    agent_run_id                 uuid NOT NULL REFERENCES tiktok_agent_runs(id) ON DELETE CASCADE,
    agent_name                   text NOT NULL,
    step_index                   integer NOT NULL,
    kind                         text NOT NULL CHECK (kind IN ('llm_call', 'provider_call', 'skill_call', 'db_write')),
    name                         text NOT NULL,
    model                        text,
    system_prompt                text,
    user_prompt                  text,
    response_text                text,
    prompt_hash                  text,
    input_tokens                 integer NOT NULL DEFAULT 0,
    output_tokens                integer NOT NULL DEFAULT 0,
    cache_creation_input_tokens  integer NOT NULL DEFAULT 0,
    cache_read_input_tokens      integer NOT NULL DEFAULT 0,
    cost_usd                     numeric(14, 8) NOT NULL DEFAULT 0,
    latency_ms                   bigint NOT NULL DEFAULT 0,
    cache_hit                    boolean NOT NULL DEFAULT false,
    request                      jsonb,
    response                     jsonb,
    error                        text,
    created_at                   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (agent_run_id, step_index)
);
CREATE INDEX tiktok_agent_steps_replay ON tiktok_agent_steps (workspace_id, agent_name, prompt_hash) WHERE kind = 'llm_call' AND error IS NULL;
CALL tiktok_meta.enable_tenancy('tiktok_agent_steps');

CREATE TABLE tiktok_approvals (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id       uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    run_id             uuid NOT NULL REFERENCES tiktok_workflow_runs(id) ON DELETE CASCADE,
    step_id            uuid NOT NULL REFERENCES tiktok_workflow_steps(id) ON DELETE CASCADE,
    step_key           text NOT NULL,
    status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    payload            jsonb NOT NULL DEFAULT '{}',
    decision_note      text,
    decided_by_key_id  uuid REFERENCES tiktok_api_keys(id) ON DELETE SET NULL,
    decided_at         timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (step_id)
);
CREATE INDEX tiktok_approvals_queue ON tiktok_approvals (workspace_id, status, created_at DESC);
CALL tiktok_meta.enable_tenancy('tiktok_approvals');

CREATE TABLE tiktok_run_events (
    workspace_id  uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    run_id        uuid NOT NULL REFERENCES tiktok_workflow_runs(id) ON DELETE CASCADE,
    seq           integer NOT NULL CHECK (seq > 0),
    event         text NOT NULL,
    data          jsonb NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, seq)
);
CALL tiktok_meta.enable_tenancy('tiktok_run_events');
