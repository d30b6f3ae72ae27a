-- The loops after an approval: replies posted once, budget changes applied once, metrics stored
-- per day, recurring runs, the audit relay's bookkeeping and alerts with their notifications.

-- Replies: the intent is recorded before the provider call (`reply_sending`, attempts counted),
-- so a retry reconciles against the comment's replies instead of posting twice.
ALTER TABLE tiktok_comments
    ADD COLUMN reply_external_id text,
    ADD COLUMN reply_attempts    integer NOT NULL DEFAULT 0,
    ADD COLUMN replied_at        timestamptz;

-- Per-item decisions at a gate, and the decider's name for the run page.
ALTER TABLE tiktok_approvals
    ADD COLUMN decisions        jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN decided_by_name  text;

-- A campaign is prepared switched off before the gate and switched on after it.
ALTER TABLE tiktok_ad_campaigns
    ADD COLUMN adgroup_external_id text,
    ADD COLUMN ad_external_ids     jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN updated_at          timestamptz NOT NULL DEFAULT now();

CREATE TABLE tiktok_budget_changes (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id     uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    run_id           uuid REFERENCES tiktok_workflow_runs(id) ON DELETE SET NULL,
    campaign_id      uuid NOT NULL REFERENCES tiktok_ad_campaigns(id) ON DELETE CASCADE,
    from_usd         numeric(12, 2) NOT NULL,
    to_usd           numeric(12, 2) NOT NULL CHECK (to_usd > 0),
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'failed')),
    idempotency_key  text NOT NULL,
    applied_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, idempotency_key)
);
CALL tiktok_meta.enable_tenancy('tiktok_budget_changes');

-- Metrics: one row per video per day (lifetime totals as read that day), one per account per day.
ALTER TABLE tiktok_metrics
    ALTER COLUMN post_id DROP NOT NULL,
    ADD COLUMN account_id uuid REFERENCES tiktok_accounts(id) ON DELETE CASCADE,
    ADD COLUMN video_id   text,
    ADD COLUMN day        date;
CREATE UNIQUE INDEX tiktok_metrics_video_day ON tiktok_metrics (workspace_id, video_id, day) WHERE video_id IS NOT NULL;

CREATE TABLE tiktok_account_metrics (
    workspace_id   uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    account_id     uuid NOT NULL REFERENCES tiktok_accounts(id) ON DELETE CASCADE,
    day            date NOT NULL,
    followers      bigint NOT NULL DEFAULT 0,
    new_followers  bigint NOT NULL DEFAULT 0,
    video_views    bigint NOT NULL DEFAULT 0,
    profile_views  bigint NOT NULL DEFAULT 0,
    likes          bigint NOT NULL DEFAULT 0,
    comments       bigint NOT NULL DEFAULT 0,
    shares         bigint NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, day)
);
CALL tiktok_meta.enable_tenancy('tiktok_account_metrics');

-- Recurring runs: a five-field cron in a time zone, or an interval. Each occurrence starts at
-- most one run: the run row carries (schedule_id, scheduled_for) under a unique index.
CREATE TABLE tiktok_schedules (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id      uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    brief_id          uuid NOT NULL REFERENCES tiktok_briefs(id) ON DELETE CASCADE,
    workflow_slug     text NOT NULL,
    cron              text,
    interval_seconds  integer CHECK (interval_seconds >= 60),
    time_zone         text NOT NULL DEFAULT 'UTC',
    enabled           boolean NOT NULL DEFAULT true,
    next_run_at       timestamptz NOT NULL,
    last_run_at       timestamptz,
    last_run_id       uuid REFERENCES tiktok_workflow_runs(id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((cron IS NULL) <> (interval_seconds IS NULL))
);
CREATE INDEX tiktok_schedules_due ON tiktok_schedules (next_run_at) WHERE enabled;
CALL tiktok_meta.enable_tenancy('tiktok_schedules');

ALTER TABLE tiktok_workflow_runs
    ADD COLUMN schedule_id   uuid REFERENCES tiktok_schedules(id) ON DELETE SET NULL,
    ADD COLUMN scheduled_for timestamptz;
CREATE UNIQUE INDEX tiktok_workflow_runs_occurrence ON tiktok_workflow_runs (schedule_id, scheduled_for) WHERE schedule_id IS NOT NULL;

-- The audit relay's bookkeeping: a batch is leased to one relay while it publishes.
ALTER TABLE tiktok_outbox
    ADD COLUMN attempts    integer NOT NULL DEFAULT 0,
    ADD COLUMN last_error  text,
    ADD COLUMN lease_owner text,
    ADD COLUMN lease_until timestamptz,
    ADD COLUMN seq         bigserial;
CREATE INDEX tiktok_outbox_pending ON tiktok_outbox (workspace_id, seq) WHERE published_at IS NULL;
GRANT USAGE ON SEQUENCE tiktok_outbox_seq_seq TO tiktok_app;

-- Alerts raised by the system, delivered to the workspace's Slack webhook when it has one.
CREATE TABLE tiktok_alerts (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    kind         text NOT NULL,
    dedupe_key   text NOT NULL,
    message      text NOT NULL,
    link         text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    notified_at  timestamptz,
    UNIQUE (workspace_id, dedupe_key)
);
CREATE INDEX tiktok_alerts_unnotified ON tiktok_alerts (created_at) WHERE notified_at IS NULL;
CALL tiktok_meta.enable_tenancy('tiktok_alerts');

CREATE TABLE tiktok_notification_settings (
    workspace_id            uuid PRIMARY KEY REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    slack_webhook_url       text CHECK (slack_webhook_url IS NULL OR slack_webhook_url ~ '^https?://'),
    approval_alert_minutes  integer NOT NULL DEFAULT 60 CHECK (approval_alert_minutes > 0),
    updated_at              timestamptz NOT NULL DEFAULT now()
);
CALL tiktok_meta.enable_tenancy('tiktok_notification_settings');

-- Background services find their work across workspaces through these (ids only); the work
-- itself runs in each workspace's scope.
GRANT SELECT ON tiktok_schedules, tiktok_outbox, tiktok_alerts, tiktok_notification_settings TO tiktok_definer;
CREATE POLICY definer_schedule_lookup ON tiktok_schedules FOR SELECT TO tiktok_definer USING (true);
CREATE POLICY definer_outbox_lookup ON tiktok_outbox FOR SELECT TO tiktok_definer USING (true);
CREATE POLICY definer_alert_lookup ON tiktok_alerts FOR SELECT TO tiktok_definer USING (true);
CREATE POLICY definer_notification_lookup ON tiktok_notification_settings FOR SELECT TO tiktok_definer USING (true);

CREATE FUNCTION tiktok_workspaces_with_due_schedules(p_now timestamptz)
RETURNS TABLE (workspace_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT DISTINCT s.workspace_id FROM tiktok_schedules s WHERE s.enabled AND s.next_run_at <= p_now
$$;

CREATE FUNCTION tiktok_workspaces_with_unpublished_audit()
RETURNS TABLE (workspace_id uuid, backlog bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT o.workspace_id, count(*) FROM tiktok_outbox o WHERE o.published_at IS NULL GROUP BY o.workspace_id
$$;

CREATE FUNCTION tiktok_workspaces_with_unnotified_alerts()
RETURNS TABLE (workspace_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT DISTINCT a.workspace_id FROM tiktok_alerts a
    JOIN tiktok_notification_settings n ON n.workspace_id = a.workspace_id AND n.slack_webhook_url IS NOT NULL
    WHERE a.notified_at IS NULL
$$;

CREATE FUNCTION tiktok_business_accounts_for_metrics()
RETURNS TABLE (workspace_id uuid, account_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT a.workspace_id, a.id FROM tiktok_accounts a WHERE a.kind = 'tiktok_business' AND a.status IN ('active', 'expiring')
$$;

GRANT CREATE ON SCHEMA public TO tiktok_definer;
ALTER FUNCTION tiktok_workspaces_with_due_schedules(timestamptz) OWNER TO tiktok_definer;
ALTER FUNCTION tiktok_workspaces_with_unpublished_audit() OWNER TO tiktok_definer;
ALTER FUNCTION tiktok_workspaces_with_unnotified_alerts() OWNER TO tiktok_definer;
ALTER FUNCTION tiktok_business_accounts_for_metrics() OWNER TO tiktok_definer;
REVOKE CREATE ON SCHEMA public FROM tiktok_definer;
REVOKE ALL ON FUNCTION tiktok_workspaces_with_due_schedules(timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION tiktok_workspaces_with_unpublished_audit() FROM PUBLIC;
REVOKE ALL ON FUNCTION tiktok_workspaces_with_unnotified_alerts() FROM PUBLIC;
REVOKE ALL ON FUNCTION tiktok_business_accounts_for_metrics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tiktok_workspaces_with_due_schedules(timestamptz) TO tiktok_app;
GRANT EXECUTE ON FUNCTION tiktok_workspaces_with_unpublished_audit() TO tiktok_app;
GRANT EXECUTE ON FUNCTION tiktok_workspaces_with_unnotified_alerts() TO tiktok_app;
GRANT EXECUTE ON FUNCTION tiktok_business_accounts_for_metrics() TO tiktok_app;

-- The scoped workspace's daily cap in a category (its own, else the deployment's default), for
-- checks that come before a charge: the brief, the gate, the launch.
CREATE FUNCTION tiktok_spend_cap(p_category text)
RETURNS numeric
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT COALESCE(
        (SELECT CASE WHEN p_category = 'claude' THEN c.claude_daily_usd ELSE c.ads_daily_usd END
         FROM tiktok_spend_caps c WHERE c.workspace_id = tiktok_meta.scoped_workspace()),
        (SELECT sd.cap_usd FROM tiktok_meta.spend_defaults sd WHERE sd.category = p_category))
$$;
GRANT CREATE ON SCHEMA public TO tiktok_definer;
ALTER FUNCTION tiktok_spend_cap(text) OWNER TO tiktok_definer;
REVOKE CREATE ON SCHEMA public FROM tiktok_definer;
REVOKE ALL ON FUNCTION tiktok_spend_cap(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tiktok_spend_cap(text) TO tiktok_app;
