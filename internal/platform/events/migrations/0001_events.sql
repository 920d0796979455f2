-- +up
CREATE TABLE {{table "event_log"}} (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    payload {{json}} NOT NULL,
    subscribers INTEGER NOT NULL,
    occurred_at {{ts}} NOT NULL
);
CREATE INDEX event_log_name_idx ON {{table "event_log"}} (name, occurred_at);
CREATE TABLE {{table "event_receipts"}} (
    subscriber TEXT NOT NULL,
    event_id BIGINT NOT NULL,
    handled_at {{ts}} NOT NULL,
    PRIMARY KEY (subscriber, event_id)
);
-- +down
DROP TABLE {{table "event_receipts"}};
DROP TABLE {{table "event_log"}};
