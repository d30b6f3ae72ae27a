-- A step's own transitions find it by its primary key, whatever the statistics say. The claim's
-- partial index on (status, next_attempt_at) for pending and running steps also matched the
-- lease fence of every step transition (`id = ... AND lease_owner = ... AND status = 'running'`),
-- and when the statistics were taken with few steps running the planner preferred it to the
-- primary key: each transition then read every running step of every workspace. The claim now
-- has one index for pending steps and one for leases, neither of which a fenced lookup implies.

DROP INDEX tiktok_workflow_steps_claimable;
CREATE INDEX tiktok_workflow_steps_pending ON tiktok_workflow_steps (created_at, id) WHERE status = 'pending';
CREATE INDEX tiktok_workflow_steps_leases ON tiktok_workflow_steps (lease_expires_at) WHERE lease_expires_at IS NOT NULL;

-- Nothing calls it, and it read both step states through the dropped index.
DROP FUNCTION tiktok_next_step_due();

-- tiktok_claim_steps is unchanged: its plan is made anew and reads the two indexes through a
-- BitmapOr.
