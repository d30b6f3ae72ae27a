-- Evaluations: recorded runs re-run with their services answered from the recording and Claude
-- asked again under a change (a model per agent, the prompts of the current build), to see what
-- would change before switching. Each re-run is a workflow run carrying evaluation_id.
CREATE TABLE tiktok_evaluations (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id  uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    name          text NOT NULL,
    models        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(models) = 'object'),
    status        text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished', 'cancelled')),
    created_by    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    completed_at  timestamptz
);
CREATE INDEX tiktok_evaluations_recent ON tiktok_evaluations (workspace_id, created_at DESC);
CALL tiktok_meta.enable_tenancy('tiktok_evaluations');

ALTER TABLE tiktok_workflow_runs ADD COLUMN evaluation_id uuid REFERENCES tiktok_evaluations(id) ON DELETE SET NULL;
CREATE INDEX tiktok_workflow_runs_evaluation ON tiktok_workflow_runs (evaluation_id) WHERE evaluation_id IS NOT NULL;

-- The version of the prompt template a Claude call used: a hash of its system prompt without the
-- brand's data, so calls of one template compare across runs.
ALTER TABLE tiktok_agent_steps ADD COLUMN prompt_version text;
