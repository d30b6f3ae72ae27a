-- A post being published names the agent run that claimed it. When that agent run is no longer
-- running (its process died and the engine closed it as abandoned), the step's next attempt may
-- take the post over instead of waiting forever for a publisher that is gone.
ALTER TABLE tiktok_posts ADD COLUMN claimed_by uuid;
