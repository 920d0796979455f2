-- +up
-- payment_attempts: payment's side of sale's payment attempts at a provider (id = sale's
-- payment id), written in the transaction that creates the attempt.
CREATE TABLE {{table "payment_attempts"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    order_id BIGINT NOT NULL,
    provider TEXT NOT NULL,
    method TEXT NOT NULL,
    reference TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    provider_status TEXT NOT NULL CHECK (provider_status IN ('WAITING', 'PAID', 'DECLINED')),
    provider_ref TEXT NOT NULL DEFAULT '',
    provider_created_at TEXT NOT NULL DEFAULT '',
    provider_paid_at TEXT NOT NULL DEFAULT '',
    instruction {{json}},
    expires_at {{ts}} NOT NULL,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX payment_attempts_reference_uq ON {{table "payment_attempts"}} (provider, reference);
CREATE INDEX payment_attempts_merchant_idx ON {{table "payment_attempts"}} (merchant_id, created_at);

-- payment_notifications: every verified message of a provider, with what became of it.
CREATE TABLE {{table "payment_notifications"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    provider TEXT NOT NULL,
    source TEXT NOT NULL,
    reference TEXT NOT NULL,
    payment_id BIGINT,
    amount BIGINT NOT NULL,
    succeeded BOOLEAN NOT NULL,
    outcome TEXT NOT NULL,
    reply TEXT NOT NULL DEFAULT '',
    provider_ref TEXT NOT NULL DEFAULT '',
    paid_at TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    payload {{json}} NOT NULL,
    received_at {{ts}} NOT NULL,
    applied_at {{ts}}
);
CREATE INDEX payment_notifications_reference_idx ON {{table "payment_notifications"}} (provider, reference);
CREATE INDEX payment_notifications_merchant_idx ON {{table "payment_notifications"}} (merchant_id, received_at);
CREATE INDEX payment_notifications_queued_idx ON {{table "payment_notifications"}} (outcome) WHERE outcome = 'QUEUED';

-- payment_refunds: refunds at the providers. One per sale refund.
CREATE TABLE {{table "payment_refunds"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    payment_id BIGINT NOT NULL,
    sale_refund_id BIGINT,
    provider TEXT NOT NULL,
    reference TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    reason TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'MANUAL')),
    request_id TEXT NOT NULL,
    provider_code TEXT NOT NULL DEFAULT '',
    provider_message TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    requested_by BIGINT NOT NULL,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX payment_refunds_sale_refund_uq ON {{table "payment_refunds"}} (sale_refund_id);
CREATE INDEX payment_refunds_payment_idx ON {{table "payment_refunds"}} (payment_id);
CREATE INDEX payment_refunds_merchant_idx ON {{table "payment_refunds"}} (merchant_id, created_at);
-- +down
DROP TABLE {{table "payment_refunds"}};
DROP TABLE {{table "payment_notifications"}};
DROP TABLE {{table "payment_attempts"}};
