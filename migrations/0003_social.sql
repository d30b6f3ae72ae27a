-- TikTok-side data the agents read and write, the audit outbox and webhook de-duplication.

CREATE TABLE tiktok_accounts (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id    uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    handle          text NOT NULL,
    open_id         text,
    display_name    text,
    follower_count  bigint NOT NULL DEFAULT 0,
    data            jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, handle)
);
CALL tiktok_meta.enable_tenancy('tiktok_accounts');

CREATE TABLE tiktok_posts (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id     uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    account_id       uuid REFERENCES tiktok_accounts(id) ON DELETE SET NULL,
    run_id           uuid REFERENCES tiktok_workflow_runs(id) ON DELETE SET NULL,
    external_id      text,
    caption          text NOT NULL DEFAULT '',
    asset_uri        text,
    status           text NOT NULL DEFAULT 'pending',
    idempotency_key  text NOT NULL,
    published_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, idempotency_key)
);
CALL tiktok_meta.enable_tenancy('tiktok_posts');

CREATE TABLE tiktok_metrics (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id  uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    post_id       uuid NOT NULL REFERENCES tiktok_posts(id) ON DELETE CASCADE,
    captured_at   timestamptz NOT NULL DEFAULT now(),
    views         bigint NOT NULL DEFAULT 0,
    likes         bigint NOT NULL DEFAULT 0,
    comments      bigint NOT NULL DEFAULT 0,
    shares        bigint NOT NULL DEFAULT 0
);
CREATE INDEX tiktok_metrics_by_post ON tiktok_metrics (post_id, captured_at DESC);
CALL tiktok_meta.enable_tenancy('tiktok_metrics');

CREATE TABLE tiktok_comments (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id    uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    post_id         uuid REFERENCES tiktok_posts(id) ON DELETE SET NULL,
    external_id     text NOT NULL,
    author          text,
    text            text NOT NULL,
    classification  text,
    reply_draft     text,
    status          text NOT NULL DEFAULT 'new',
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, external_id)
);
CALL tiktok_meta.enable_tenancy('tiktok_comments');

CREATE TABLE tiktok_products (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id  uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    source        text NOT NULL CHECK (source IN ('tiktok_shop', 'shopify')),
    external_id   text NOT NULL,
    title         text NOT NULL,
    price_usd     numeric(12, 2),
    inventory     integer,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, source, external_id)
);
CALL tiktok_meta.enable_tenancy('tiktok_products');

CREATE TABLE tiktok_ad_campaigns (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id     uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    run_id           uuid REFERENCES tiktok_workflow_runs(id) ON DELETE SET NULL,
    external_id      text,
    name             text NOT NULL,
    objective        text NOT NULL,
    budget_usd       numeric(12, 2) NOT NULL CHECK (budget_usd >= 0),
    status           text NOT NULL DEFAULT 'pending',
    idempotency_key  text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, idempotency_key)
);
CALL tiktok_meta.enable_tenancy('tiktok_ad_campaigns');

CREATE TABLE tiktok_outbox (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id  uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    topic         text NOT NULL,
    payload       jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);
CREATE INDEX tiktok_outbox_unpublished ON tiktok_outbox (created_at) WHERE published_at IS NULL;
CALL tiktok_meta.enable_tenancy('tiktok_outbox');

CREATE TABLE tiktok_webhook_deliveries (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id  uuid NOT NULL REFERENCES tiktok_workspaces(id) ON DELETE CASCADE,
    source        text NOT NULL,
    delivery_key  text NOT NULL,
    payload       jsonb NOT NULL DEFAULT '{}',
    received_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, source, delivery_key)
);
CALL tiktok_meta.enable_tenancy('tiktok_webhook_deliveries');
