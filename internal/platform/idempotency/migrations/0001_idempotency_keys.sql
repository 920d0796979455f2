-- +up
CREATE TABLE {{table "idempotency_keys"}} (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at {{ts}} NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_idx ON {{table "idempotency_keys"}} (created_at);
-- +down
DROP TABLE {{table "idempotency_keys"}};
