-- +up
CREATE TABLE {{table "webhook_configs"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT,
    name TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL,
    event_types {{json}} NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    secret_sealed TEXT NOT NULL,
    previous_secret_sealed TEXT NOT NULL DEFAULT '',
    previous_secret_until {{ts}},
    breaker_state TEXT NOT NULL DEFAULT 'CLOSED' CHECK (breaker_state IN ('CLOSED', 'OPEN', 'HALF_OPEN')),
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    breaker_until {{ts}},
    breaker_trips INTEGER NOT NULL DEFAULT 0,
    failing_since {{ts}},
    last_success_at {{ts}},
    last_failure_at {{ts}},
    disabled_reason TEXT NOT NULL DEFAULT '',
    disabled_at {{ts}},
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE INDEX webhook_configs_organizer ON {{table "webhook_configs"}} (organizer_id);

CREATE TABLE {{table "webhook_deliveries"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    config_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    order_id BIGINT,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('PENDING', 'WAITING', 'SUCCEEDED', 'FAILED')),
    attempts INTEGER NOT NULL DEFAULT 0,
    round_attempts INTEGER NOT NULL DEFAULT 0,
    ticket BIGINT NOT NULL DEFAULT 0,
    next_attempt_at {{ts}},
    last_status_code INTEGER,
    last_error TEXT NOT NULL DEFAULT '',
    delivered_at {{ts}},
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX webhook_deliveries_event ON {{table "webhook_deliveries"}} (config_id, event_id);
CREATE INDEX webhook_deliveries_lane ON {{table "webhook_deliveries"}} (config_id, order_id, event_id);
CREATE INDEX webhook_deliveries_state ON {{table "webhook_deliveries"}} (state);
CREATE INDEX webhook_deliveries_merchant ON {{table "webhook_deliveries"}} (organizer_id, merchant_id);

CREATE TABLE {{table "webhook_attempts"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    config_id BIGINT NOT NULL,
    delivery_id BIGINT NOT NULL,
    attempt INTEGER NOT NULL,
    url TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('SUCCEEDED', 'FAILED')),
    status_code INTEGER,
    latency_ms BIGINT NOT NULL,
    response_body TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON {{table "webhook_attempts"}} (delivery_id, attempt);
CREATE INDEX webhook_attempts_merchant ON {{table "webhook_attempts"}} (organizer_id, merchant_id);

CREATE TABLE {{table "webhook_notifications"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT,
    config_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at {{ts}} NOT NULL
);
CREATE INDEX webhook_notifications_organizer ON {{table "webhook_notifications"}} (organizer_id);
-- +down
DROP TABLE {{table "webhook_notifications"}};
DROP TABLE {{table "webhook_attempts"}};
DROP TABLE {{table "webhook_deliveries"}};
DROP TABLE {{table "webhook_configs"}};
