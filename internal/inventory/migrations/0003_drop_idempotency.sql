-- Idempotency-Key records moved to the platform's store (idempotency_keys, in schema public).
-- The records still kept come along, as the platform stores a response (the JSON of the
-- operation's output: status and body), so that a retry across the upgrade replays instead of
-- acting twice. Version 0002 is the Go step that seeds the tracking types.
-- +up
INSERT INTO idempotency_keys (scope, key, request_hash, response, created_at)
SELECT scope, idempotency_key, request_hash, '{"Status":' || status || ',"Body":' || body || '}', created_at
FROM {{table "inventory_idempotency"}} WHERE body <> ''
ON CONFLICT DO NOTHING;
DROP TABLE {{table "inventory_idempotency"}};
-- +down
CREATE TABLE {{table "inventory_idempotency"}} (
    scope TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at {{ts}} NOT NULL,
    PRIMARY KEY (scope, idempotency_key)
);
CREATE INDEX inventory_idempotency_created_idx ON {{table "inventory_idempotency"}} (created_at);
